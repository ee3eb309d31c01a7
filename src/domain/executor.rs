//! Runs a [`Plan`]: sends each call once through the guarded path, follows its task to
//! the end, and only then sends the next one. Journals every step and reports it as a
//! [`ProgressEvent`].

use crate::api::ops::SwitchStatus;
use crate::api::{ApiError, Client, ErrorKind};
use crate::domain::guard::{self, Refusal, Sender};
use crate::domain::journal::{self, Record};
use crate::domain::plan::{Direction, Plan, PlannedCall, Side};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// First interval between status polls; it grows while the status stays the same.
    pub poll_interval: Duration,
    /// The interval never grows past this.
    pub max_poll_interval: Duration,
    /// Stop following a task after this long (the task goes on in the service).
    pub wait_timeout: Duration,
    /// Follow the last call's task to its end (false = `--no-wait`; earlier calls of a
    /// two-way plan are always followed, since the next call depends on them).
    pub wait_last: bool,
    /// Refuse to send anything.
    pub read_only: bool,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            poll_interval: Duration::from_secs(5),
            max_poll_interval: Duration::from_secs(20),
            wait_timeout: Duration::from_secs(600),
            wait_last: true,
            read_only: false,
        }
    }
}

pub use crate::domain::outcome::Outcome;

#[derive(Debug, Clone, serde::Serialize)]
pub struct CallOutcome {
    pub direction: Direction,
    pub endpoint_type: Side,
    pub request_id: Option<String>,
    pub task_id: Option<String>,
    /// Last task status seen.
    pub status: Option<String>,
    pub outcome: Outcome,
    pub error: Option<String>,
    /// The service's error code, when it answered with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// UTC time the request was sent (RFC 3339).
    pub sent_at: Option<String>,
    /// A journal record about this call could not be written: the journal does not
    /// show what happened, so the run cannot end as a success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_error: Option<String>,
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
    /// The guard refused the call: nothing was sent.
    #[serde(skip)]
    pub refusal: Option<Box<Refusal>>,
}

impl CallOutcome {
    pub fn new(call: &PlannedCall, outcome: Outcome) -> Self {
        CallOutcome {
            direction: call.direction,
            endpoint_type: call.endpoint_type,
            request_id: None,
            task_id: None,
            status: None,
            outcome,
            error: None,
            error_code: None,
            sent_at: None,
            journal_error: None,
            error_kind: None,
            refusal: None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// The journal holds the intent of call `index`; it is being written to the network.
    Sending {
        index: usize,
        call: PlannedCall,
        at: String,
    },
    /// The service accepted call `index`.
    Accepted {
        index: usize,
        request_id: Option<String>,
        task_id: String,
    },
    /// A task status was read.
    Status {
        index: usize,
        task_id: String,
        status: SwitchStatus,
        elapsed: Duration,
    },
    /// A status read failed (polling goes on until the wait timeout).
    PollError { index: usize, error: String },
    /// A journal record about call `index` could not be written.
    JournalError { index: usize, error: String },
    /// Call `index` is over.
    Done { index: usize, outcome: CallOutcome },
}

pub type Handler<'a> = dyn FnMut(&ProgressEvent) + Send + 'a;

/// Appends `rec`; a failure is reported as an event and kept in `journal_error`.
fn record(
    s: &Sender,
    index: usize,
    rec: &Record,
    journal_error: &mut Option<String>,
    on_event: &mut Handler<'_>,
) {
    if let Err(e) = s.journal.append(rec) {
        let error = format!(
            "the journal {} could not record this call ({e}); it does not show what happened",
            s.journal.path().display()
        );
        tracing::error!(%error, "journal write failed");
        on_event(&ProgressEvent::JournalError {
            index,
            error: error.clone(),
        });
        journal_error.get_or_insert(error);
    }
}

/// The journal record of a call that is over.
pub fn done_record(plan_id: &str, index: usize, o: &CallOutcome) -> Record {
    Record::Done {
        plan_id: plan_id.to_string(),
        index,
        at: journal::now(),
        outcome: o.outcome,
        request_id: o.request_id.clone(),
        task_id: o.task_id.clone(),
        status: o.status.clone(),
        error: o.error.clone(),
    }
}

/// Reports call `index` as over, journalling it unless it was never sent.
fn finish(
    s: &Sender,
    plan_id: &str,
    index: usize,
    mut o: CallOutcome,
    on_event: &mut Handler<'_>,
) -> CallOutcome {
    if o.outcome != Outcome::NotSent {
        let mut je = o.journal_error.take();
        record(
            s,
            index,
            &done_record(plan_id, index, &o),
            &mut je,
            on_event,
        );
        o.journal_error = je;
    }
    on_event(&ProgressEvent::Done {
        index,
        outcome: o.clone(),
    });
    o
}

/// Executes calls `start..` of the plan in order, each through the guarded path
/// ([`guard::send`]). Never sends a call twice; never sends call N+1 unless call N's
/// task Finished and the journal recorded it. Returns the outcomes of calls `start..`.
pub async fn execute(
    s: &Sender,
    plan: &Plan,
    start: usize,
    opts: &ExecOptions,
    on_event: &mut Handler<'_>,
) -> Vec<CallOutcome> {
    let mut outcomes: Vec<CallOutcome> = Vec::new();
    let last = plan.calls.len().saturating_sub(1);
    for (index, call) in plan.calls.iter().enumerate().skip(start) {
        let blocked = outcomes
            .iter()
            .find(|o| o.outcome != Outcome::Finished || o.journal_error.is_some());
        if blocked.is_some() || opts.read_only {
            let mut o = CallOutcome::new(call, Outcome::NotSent);
            o.error = Some(match blocked {
                _ if opts.read_only => "read-only mode: nothing is sent".into(),
                Some(b) if b.outcome == Outcome::Finished => format!(
                    "not sent: the journal could not record call {}; the {} direction still has the old endpoint",
                    index,
                    call.direction
                ),
                Some(b) if b.outcome == Outcome::NotSent => format!(
                    "not sent: call {index} was not sent either; the {} direction still has the old endpoint",
                    call.direction
                ),
                b => format!(
                    "not sent: call {} did not finish ({}); the {} direction still has the old endpoint",
                    index,
                    b.map(|o| o.outcome.as_str()).unwrap_or("?"),
                    call.direction
                ),
            });
            outcomes.push(finish(s, &plan.id, index, o, on_event));
            continue;
        }
        let (at, answer) = match guard::send(s, plan, index).await {
            Err(refusal) => {
                let mut o = CallOutcome::new(call, Outcome::NotSent);
                o.error = Some(format!("not sent: {refusal}"));
                o.refusal = Some(Box::new(refusal));
                outcomes.push(finish(s, &plan.id, index, o, on_event));
                continue;
            }
            Ok(x) => x,
        };
        on_event(&ProgressEvent::Sending {
            index,
            call: call.clone(),
            at: at.clone(),
        });
        let mut o = CallOutcome::new(call, Outcome::Unknown);
        o.sent_at = Some(at);
        match answer {
            Err(e) => {
                o.request_id = e.request_id().map(str::to_string);
                o.error_code = e.code().map(str::to_string);
                o.error_kind = Some(e.kind());
                if e.outcome_unknown() {
                    o.outcome = Outcome::Unknown;
                    o.error = Some(format!(
                        "{e}\n  the switch may have been executed: check the job's {} endpoint (dts-switch jobs --job {}) before sending it again",
                        call.endpoint_type.as_str().to_ascii_lowercase(),
                        plan.job_id
                    ));
                } else {
                    o.outcome = Outcome::Refused;
                    o.error = Some(e.to_string());
                }
            }
            Ok(ans) => {
                o.request_id = ans.request_id.clone();
                o.task_id = Some(ans.task_id.clone());
                let mut je = None;
                record(
                    s,
                    index,
                    &Record::Accepted {
                        plan_id: plan.id.clone(),
                        index,
                        at: journal::now(),
                        request_id: ans.request_id.clone(),
                        task_id: ans.task_id.clone(),
                    },
                    &mut je,
                    on_event,
                );
                on_event(&ProgressEvent::Accepted {
                    index,
                    request_id: ans.request_id,
                    task_id: ans.task_id.clone(),
                });
                if index == last && !opts.wait_last {
                    o.outcome = Outcome::Sent;
                } else {
                    let (outcome, status, error) =
                        watch_to_end(s, &plan.id, index, &ans.task_id, opts, &mut je, on_event)
                            .await;
                    o.outcome = outcome;
                    o.status = status;
                    o.error = error;
                }
                o.journal_error = je;
            }
        }
        outcomes.push(finish(s, &plan.id, index, o, on_event));
    }
    outcomes
}

/// Polls task `task_id` of call `index` to its end (or the wait timeout), journalling
/// each status change and reporting Status and PollError events; returns the outcome,
/// the last status and the error text.
async fn watch_to_end(
    s: &Sender,
    plan_id: &str,
    index: usize,
    task_id: &str,
    opts: &ExecOptions,
    journal_error: &mut Option<String>,
    on_event: &mut Handler<'_>,
) -> (Outcome, Option<String>, Option<String>) {
    let mut last: Option<String> = None;
    let r = watch_task(&s.client, task_id, opts, &mut |ev| match ev {
        WatchEvent::Status(status, elapsed) => {
            if last.as_deref() != Some(status.as_str()) {
                last = Some(status.as_str().to_string());
                record(
                    s,
                    index,
                    &Record::Status {
                        plan_id: plan_id.to_string(),
                        index,
                        at: journal::now(),
                        task_id: task_id.to_string(),
                        status: status.as_str().to_string(),
                    },
                    journal_error,
                    on_event,
                );
            }
            on_event(&ProgressEvent::Status {
                index,
                task_id: task_id.to_string(),
                status: status.clone(),
                elapsed,
            });
        }
        WatchEvent::Error(e) => {
            on_event(&ProgressEvent::PollError {
                index,
                error: e.to_string(),
            });
        }
    })
    .await;
    let status = r.last_status.as_ref().map(|s| s.as_str().to_string());
    if let Some((outcome, error)) = r
        .last_status
        .as_ref()
        .and_then(|s| task_end(s, r.error_message.as_deref()))
    {
        return (outcome, status, error);
    }
    (
        Outcome::StillRunning,
        status,
        Some(format!(
            "stopped following task {task_id} after {}; it goes on in the service: dts-switch resume (or dts-switch status {task_id} --watch){}",
            humantime::format_duration(opts.wait_timeout),
            r.last_error
                .map(|e| format!("\n  last status read failed: {e}"))
                .unwrap_or_default()
        )),
    )
}

/// What a task's end status means for its call: the outcome and, for a failure, the
/// message to show. None while the task has not ended.
pub fn task_end(
    status: &SwitchStatus,
    error_message: Option<&str>,
) -> Option<(Outcome, Option<String>)> {
    match status {
        SwitchStatus::Finished => Some((Outcome::Finished, None)),
        SwitchStatus::Failed => Some((
            Outcome::Failed,
            Some(match error_message {
                Some(m) => format!("the switch task failed: {}", crate::text::clean(m)),
                None => "the switch task failed; the service gave no reason: see the job's ErrorMessage (dts-switch jobs --job ID)".into(),
            }),
        )),
        _ => None,
    }
}

/// Follows an already accepted task (e.g. one found in the journal) to its end: the
/// same events (and journal records) as [`execute`] gives for a call after it was
/// accepted, Done included. Sends nothing.
pub async fn follow(
    s: &Sender,
    plan: &Plan,
    index: usize,
    task_id: &str,
    opts: &ExecOptions,
    on_event: &mut Handler<'_>,
) -> CallOutcome {
    let mut je = None;
    let (outcome, status, error) =
        watch_to_end(s, &plan.id, index, task_id, opts, &mut je, on_event).await;
    let o = CallOutcome {
        task_id: Some(task_id.to_string()),
        status,
        error,
        journal_error: je,
        ..CallOutcome::new(&plan.calls[index], outcome)
    };
    finish(s, &plan.id, index, o, on_event)
}

pub enum WatchEvent<'a> {
    Status(&'a SwitchStatus, Duration),
    Error(&'a ApiError),
}

pub struct WatchResult {
    pub last_status: Option<SwitchStatus>,
    pub error_message: Option<String>,
    pub last_error: Option<ApiError>,
}

/// Polls a switch task until it ends or `opts.wait_timeout` passes.
pub async fn watch_task(
    client: &Client,
    task_id: &str,
    opts: &ExecOptions,
    on: &mut (dyn FnMut(WatchEvent<'_>) + Send),
) -> WatchResult {
    let started = Instant::now();
    let mut interval = opts.poll_interval;
    let mut res = WatchResult {
        last_status: None,
        error_message: None,
        last_error: None,
    };
    loop {
        match client.describe_endpoint_switch_status(task_id).await {
            Ok(a) => {
                let changed = res.last_status.as_ref() != Some(&a.status);
                on(WatchEvent::Status(&a.status, started.elapsed()));
                res.last_status = Some(a.status.clone());
                res.error_message = a.error_message;
                res.last_error = None;
                if a.status.is_terminal() {
                    return res;
                }
                interval = if changed {
                    opts.poll_interval
                } else {
                    interval
                        .mul_f64(1.5)
                        .min(opts.max_poll_interval.max(opts.poll_interval))
                };
            }
            Err(e) => {
                on(WatchEvent::Error(&e));
                let fatal = matches!(
                    e.kind(),
                    ErrorKind::BadCredentials
                        | ErrorKind::Permission
                        | ErrorKind::NotFound
                        | ErrorKind::InvalidInput
                        | ErrorKind::WrongFamily
                        | ErrorKind::Refused
                );
                res.last_error = Some(e);
                if fatal {
                    return res;
                }
            }
        }
        if started.elapsed() + interval > opts.wait_timeout {
            return res;
        }
        tokio::time::sleep(interval).await;
    }
}

/// Exit code for a set of outcomes: 3 when any outcome is unknown (or the journal could
/// not record one), 2 when refused for bad credentials or by the journal guard, 1 when
/// any call was refused or failed, else 0.
pub fn exit_code(outcomes: &[CallOutcome]) -> i32 {
    if outcomes.iter().any(|o| {
        matches!(o.outcome, Outcome::Unknown | Outcome::StillRunning) || o.journal_error.is_some()
    }) {
        3
    } else if outcomes.iter().any(|o| {
        (o.outcome == Outcome::Refused && o.error_kind == Some(ErrorKind::BadCredentials))
            || o.refusal.is_some()
    }) {
        2
    } else if outcomes.iter().any(|o| {
        matches!(
            o.outcome,
            Outcome::Refused | Outcome::Failed | Outcome::NotSent
        )
    }) {
        1
    } else {
        0
    }
}
