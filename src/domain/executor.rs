//! Runs a [`Plan`]: sends each call once through the guarded path, follows it to the
//! end (the legacy family's switch task; the maintained family's direction, until it
//! shows the new endpoint and is no longer `Modifying`), and only then sends the next
//! one. Journals every step and reports it as a [`ProgressEvent`].

use crate::domain::call::Family;
use crate::domain::call::{Direction, Plan, PlannedCall, Side};
use crate::domain::family;
use crate::domain::guard::{self, Refusal, Sender};
use crate::domain::journal::{self, Record};
use crate::domain::listed::SwitchStatus;
use crate::domain::service::{Dts, ErrorKind, ServiceError};
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
    /// Watching a direction between the calls of a maintained two-way plan (the
    /// Reverse call only after the Forward direction is healthy again).
    pub verify: crate::domain::verify::VerifyOptions,
    /// Set by the operator (Ctrl-C in a batch): no new call is sent from then on; what
    /// was sent is still followed to its end.
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl ExecOptions {
    /// The operator asked to stop sending.
    pub fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
    }
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            poll_interval: Duration::from_secs(5),
            max_poll_interval: Duration::from_secs(20),
            wait_timeout: Duration::from_secs(600),
            wait_last: true,
            read_only: false,
            verify: crate::domain::verify::VerifyOptions::default(),
            stop: None,
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
    /// What else the operator should know ("already switched (by someone else?)…").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// UTC time the call was over, as far as this process could tell (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// A journal record about this call could not be written: the journal does not
    /// show what happened, so the run cannot end as a success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_error: Option<String>,
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
    /// The guard refused the call: nothing was sent.
    #[serde(skip)]
    pub refusal: Option<Box<Refusal>>,
    /// Not sent because the operator stopped the run (Ctrl-C in a batch).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
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
            note: None,
            ended_at: None,
            journal_error: None,
            error_kind: None,
            refusal: None,
            stopped: false,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// The journal holds the intent of call `index`; it is being written to the network.
    Sending {
        index: usize,
        call: Box<PlannedCall>,
        /// The write, as the plan's family names it.
        action: &'static str,
        at: String,
    },
    /// The service accepted call `index` (a TaskId in the legacy family; none in the
    /// maintained one).
    Accepted {
        index: usize,
        request_id: Option<String>,
        task_id: Option<String>,
    },
    /// A status was read: the switch task's (legacy) or the direction's (maintained).
    Status {
        index: usize,
        task_id: Option<String>,
        status: String,
        elapsed: Duration,
    },
    /// Between the calls of a maintained plan: the changed direction is watched.
    Verify(crate::domain::verify::VerifyEvent),
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
        note: o.note.clone(),
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
    // A refusal of the guard (changed since the plan, a change going on, unreadable,
    // another plan's unfinished or later change of the job, …) is journalled, best
    // effort, so the journal says why nothing was sent (and `resume --batch` does not
    // take the job for one never begun, to send it later from a stale plan) — when the
    // plan is in the journal already (a batch records its plans first). Not: a call
    // already sent (its own records say so), and refusals of the journal itself or of
    // the plan's record there (they cannot be written, or would be wrong).
    if o.outcome == Outcome::NotSent
        && o.refusal.as_deref().is_some_and(|r| {
            !matches!(
                r,
                Refusal::AlreadySent { .. }
                    | Refusal::Journal { .. }
                    | Refusal::Damaged { .. }
                    | Refusal::Dismissed { .. }
                    | Refusal::NotInJournal { .. }
                    | Refusal::Changed { .. }
            )
        })
        && s.journal
            .read()
            .is_ok_and(|r| r.plans().iter().any(|p| p.plan_id == plan_id))
    {
        if let Err(e) = s.journal.append(&done_record(plan_id, index, &o)) {
            tracing::warn!(error = %e, "the journal could not record a refusal");
        }
    }
    if o.outcome != Outcome::NotSent {
        if matches!(
            o.outcome,
            Outcome::Finished | Outcome::Failed | Outcome::Refused
        ) {
            o.ended_at.get_or_insert_with(journal::now);
        }
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
    let mut gate_failed = false;
    // Maintained two-way, going on from an earlier run (`resume`): the call before this
    // one ended in that run; its direction must be healthy before the next is sent.
    let mut gate_note: Option<String> = None;
    if plan.family == Family::Maintained && start > 0 && start < plan.calls.len() && !opts.read_only
    {
        if let Some(why) = gate_next(s, plan, start - 1, opts, on_event).await {
            gate_failed = true;
            gate_note = Some(why);
        }
    }
    for (index, call) in plan.calls.iter().enumerate().skip(start) {
        let blocked = outcomes
            .iter()
            .find(|o| o.outcome != Outcome::Finished || o.journal_error.is_some());
        if blocked.is_none() && !opts.read_only && !gate_failed && opts.stopped() {
            let mut o = CallOutcome::new(call, Outcome::NotSent);
            o.stopped = true;
            o.error = Some(format!(
                "not sent: stopped by the operator before this call; the {} direction still has the old endpoint",
                call.direction
            ));
            outcomes.push(finish(s, &plan.id, index, o, on_event));
            continue;
        }
        if blocked.is_some() || opts.read_only || gate_failed {
            let mut o = CallOutcome::new(call, Outcome::NotSent);
            o.error = Some(match blocked {
                _ if opts.read_only => "read-only mode: nothing is sent".into(),
                None if gate_note.is_some() => format!(
                    "not sent: {}",
                    gate_note.clone().unwrap_or_default()
                ),
                None => format!(
                    "not sent: the {} direction was not healthy after call {}; the {} direction still has the old endpoint",
                    outcomes.last().map(|o| o.direction.as_str()).unwrap_or("?"),
                    index,
                    call.direction
                ),
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
            Ok(guard::Sent::AlreadySwitched { note }) => {
                // Journalled by the guard; reported like a finished call, and gated like
                // one (the direction may show the new endpoint and still be failing).
                let mut o = CallOutcome::new(call, Outcome::Finished);
                o.status = Some("already switched".into());
                o.note = Some(note);
                on_event(&ProgressEvent::Done {
                    index,
                    outcome: o.clone(),
                });
                outcomes.push(o);
                if plan.family == Family::Maintained && index < last {
                    if let Some(why) = gate_next(s, plan, index, opts, on_event).await {
                        let o = outcomes.last_mut().expect("pushed");
                        o.note = Some(format!("{}; {why}", o.note.clone().unwrap_or_default()));
                        gate_failed = true;
                    }
                }
                continue;
            }
            Ok(guard::Sent::Sent { at, answer }) => (at, answer),
        };
        on_event(&ProgressEvent::Sending {
            index,
            action: plan.family.action(),
            call: Box::new(call.clone()),
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
                        "{e}\n  the {} may have been executed: check the job's {} endpoint (dts-switch jobs --job {}) before sending it again; `dts-switch resume` reads it and goes on only if it shows the new endpoint",
                        plan.family.action(),
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
                o.task_id = ans.task_id.clone();
                let mut je = None;
                record(
                    s,
                    index,
                    &Record::Accepted {
                        plan_id: plan.id.clone(),
                        index,
                        at: journal::now(),
                        request_id: ans.request_id.clone(),
                        task_id: ans.task_id.clone().unwrap_or_default(),
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
                    let (outcome, status, error) = follow_to_end(
                        s,
                        plan,
                        index,
                        ans.task_id.as_deref(),
                        opts,
                        &mut je,
                        on_event,
                    )
                    .await;
                    o.outcome = outcome;
                    o.status = status;
                    o.error = error;
                }
                o.journal_error = je;
            }
        }
        let o = finish(s, &plan.id, index, o, on_event);
        // Maintained two-way: the next call only after this direction is healthy again.
        let healthy_gate = plan.family == Family::Maintained
            && o.outcome == Outcome::Finished
            && o.journal_error.is_none()
            && index < last;
        outcomes.push(o);
        if healthy_gate {
            if let Some(why) = gate_next(s, plan, index, opts, on_event).await {
                let o = outcomes.last_mut().expect("pushed");
                o.note = Some(why);
                o.outcome = Outcome::Finished;
                gate_failed = true;
            }
        }
    }
    outcomes
}

/// Watches the direction of call `index` until it is healthy (journalling the verdict);
/// returns why the next call must wait when it is not.
async fn gate_next(
    s: &Sender,
    plan: &Plan,
    index: usize,
    opts: &ExecOptions,
    on_event: &mut Handler<'_>,
) -> Option<String> {
    let d = plan.calls[index].direction;
    let mut on =
        |ev: &crate::domain::verify::VerifyEvent| on_event(&ProgressEvent::Verify(ev.clone()));
    let verdicts =
        crate::domain::verify::verify_plan_directions(s, plan, &[d], &opts.verify, &mut on).await;
    match verdicts.first() {
        Some(v) if v.verdict == crate::domain::outcome::Verdict::Healthy => None,
        Some(v) => Some(format!(
            "the {d} direction is not healthy after the change ({}: {}); the next call is not sent",
            v.verdict.as_str(),
            v.reason
        )),
        None => Some(format!(
            "the {d} direction was not verified; the next call is not sent"
        )),
    }
}

/// Follows call `index` after it was accepted, as its family does: the switch task
/// (legacy) or the direction's own status and endpoint (maintained).
async fn follow_to_end(
    s: &Sender,
    plan: &Plan,
    index: usize,
    task_id: Option<&str>,
    opts: &ExecOptions,
    journal_error: &mut Option<String>,
    on_event: &mut Handler<'_>,
) -> (Outcome, Option<String>, Option<String>) {
    match (plan.family, task_id) {
        (Family::Legacy, Some(t)) => {
            watch_to_end(s, &plan.id, index, t, opts, journal_error, on_event).await
        }
        (Family::Legacy, None) => (
            Outcome::Unknown,
            None,
            Some("accepted without a TaskId: check the job's endpoint".into()),
        ),
        (Family::Maintained, _) => {
            watch_change(s, plan, index, opts, journal_error, on_event).await
        }
    }
}

/// Polls the direction of call `index` (maintained family) until the change has ended
/// (see [`family::maintained::change_end`]) or the wait timeout, journalling each
/// status change.
async fn watch_change(
    s: &Sender,
    plan: &Plan,
    index: usize,
    opts: &ExecOptions,
    journal_error: &mut Option<String>,
    on_event: &mut Handler<'_>,
) -> (Outcome, Option<String>, Option<String>) {
    let call = &plan.calls[index];
    let started = Instant::now();
    let mut interval = opts.poll_interval;
    let mut last: Option<String> = None;
    let mut last_error: Option<ServiceError>;
    loop {
        match family::read_direction(&s.client, plan, call.direction).await {
            Ok(read) => {
                last_error = None;
                let changed = last.as_deref() != Some(read.status.as_str());
                if changed {
                    last = Some(read.status.clone());
                    record(
                        s,
                        index,
                        &Record::Status {
                            plan_id: plan.id.clone(),
                            index,
                            at: journal::now(),
                            task_id: String::new(),
                            status: read.status.clone(),
                        },
                        journal_error,
                        on_event,
                    );
                }
                on_event(&ProgressEvent::Status {
                    index,
                    task_id: None,
                    status: read.status.clone(),
                    elapsed: started.elapsed(),
                });
                if let Some((outcome, error)) = family::maintained::change_end(&read, call) {
                    return (outcome, Some(read.status), error);
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
                on_event(&ProgressEvent::PollError {
                    index,
                    error: e.to_string(),
                });
                let fatal = matches!(
                    e.kind(),
                    ErrorKind::BadCredentials | ErrorKind::Permission | ErrorKind::NotFound
                );
                if fatal {
                    return (
                        Outcome::StillRunning,
                        last,
                        Some(format!(
                            "stopped following the change of the {} direction: its status cannot be read ({}); the change goes on in the service: fix that, then `dts-switch resume` reads it again",
                            call.direction,
                            e.to_string().lines().next().unwrap_or("")
                        )),
                    );
                }
                last_error = Some(e);
            }
        }
        if started.elapsed() + interval > opts.wait_timeout {
            return (
                Outcome::StillRunning,
                last,
                Some(format!(
                    "stopped following the change of the {} direction after {}; it goes on in the service: dts-switch resume reads it again{}",
                    call.direction,
                    humantime::format_duration(opts.wait_timeout),
                    last_error
                        .map(|e| format!("\n  last status read failed: {e}"))
                        .unwrap_or_default()
                )),
            );
        }
        tokio::time::sleep(interval).await;
    }
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
                task_id: Some(task_id.to_string()),
                status: status.as_str().to_string(),
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
    let task = (!task_id.is_empty()).then_some(task_id);
    let (outcome, status, error) =
        follow_to_end(s, plan, index, task, opts, &mut je, on_event).await;
    let o = CallOutcome {
        task_id: task.map(str::to_string),
        status,
        error,
        journal_error: je,
        ..CallOutcome::new(&plan.calls[index], outcome)
    };
    finish(s, &plan.id, index, o, on_event)
}

pub enum WatchEvent<'a> {
    Status(&'a SwitchStatus, Duration),
    Error(&'a ServiceError),
}

pub struct WatchResult {
    pub last_status: Option<SwitchStatus>,
    pub error_message: Option<String>,
    pub last_error: Option<ServiceError>,
}

/// Polls a switch task until it ends or `opts.wait_timeout` passes.
pub async fn watch_task(
    client: &dyn Dts,
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
        match client.legacy_switch_status(task_id).await {
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
