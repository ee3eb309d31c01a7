//! Runs a [`Plan`]: sends each call once, follows its task to the end, and only then sends
//! the next one. Reports every step as a [`ProgressEvent`] to a handler that may veto a
//! send (e.g. when the journal cannot record the intent).

use crate::api::ops::SwitchStatus;
use crate::api::{ApiError, Client, ErrorKind};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The task Finished.
    Finished,
    /// The task ended Failed.
    Failed,
    /// The service refused the call; it was not executed.
    Refused,
    /// The call may have executed but no usable answer came back.
    Unknown,
    /// Sent and accepted; not followed (`--no-wait`).
    Sent,
    /// Sent and accepted; the task had not ended when we stopped following it.
    StillRunning,
    /// Not sent (an earlier call did not finish, or read-only, or vetoed).
    NotSent,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Finished => "finished",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
            Outcome::Unknown => "unknown",
            Outcome::Sent => "sent",
            Outcome::StillRunning => "still-running",
            Outcome::NotSent => "not-sent",
        }
    }
}

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
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
}

impl CallOutcome {
    fn new(call: &PlannedCall, outcome: Outcome) -> Self {
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
            error_kind: None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// About to write call `index` to the network. A handler error vetoes the send.
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
    /// Call `index` is over.
    Done { index: usize, outcome: CallOutcome },
}

pub type Handler<'a> = dyn FnMut(&ProgressEvent) -> Result<(), String> + Send + 'a;

/// Executes the plan's calls in order. Never sends a call twice; never sends call N+1
/// unless call N's task Finished.
pub async fn execute(
    client: &Client,
    plan: &Plan,
    opts: &ExecOptions,
    on_event: &mut Handler<'_>,
) -> Vec<CallOutcome> {
    let mut outcomes: Vec<CallOutcome> = Vec::new();
    let last = plan.calls.len().saturating_sub(1);
    for (index, call) in plan.calls.iter().enumerate() {
        let blocked = outcomes.iter().any(|o| o.outcome != Outcome::Finished);
        if blocked || opts.read_only {
            let mut o = CallOutcome::new(call, Outcome::NotSent);
            o.error = Some(if opts.read_only {
                "read-only mode: nothing is sent".into()
            } else {
                format!(
                    "not sent: call {} did not finish ({}); the {} direction still has the old endpoint",
                    index,
                    outcomes.last().map(|o| o.outcome.as_str()).unwrap_or("?"),
                    call.direction
                )
            });
            let _ = on_event(&ProgressEvent::Done {
                index,
                outcome: o.clone(),
            });
            outcomes.push(o);
            continue;
        }
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if let Err(veto) = on_event(&ProgressEvent::Sending {
            index,
            call: call.clone(),
            at: at.clone(),
        }) {
            let mut o = CallOutcome::new(call, Outcome::NotSent);
            o.error = Some(format!("not sent: {veto}"));
            let _ = on_event(&ProgressEvent::Done {
                index,
                outcome: o.clone(),
            });
            outcomes.push(o);
            continue;
        }
        let mut o = CallOutcome::new(call, Outcome::Unknown);
        o.sent_at = Some(at);
        match client.switch_synchronization_endpoint(&call.params).await {
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
                let _ = on_event(&ProgressEvent::Accepted {
                    index,
                    request_id: ans.request_id,
                    task_id: ans.task_id.clone(),
                });
                if index == last && !opts.wait_last {
                    o.outcome = Outcome::Sent;
                } else {
                    let (outcome, status, error) =
                        watch_to_end(client, index, &ans.task_id, opts, on_event).await;
                    o.outcome = outcome;
                    o.status = status;
                    o.error = error;
                }
            }
        }
        let _ = on_event(&ProgressEvent::Done {
            index,
            outcome: o.clone(),
        });
        outcomes.push(o);
    }
    outcomes
}

/// Polls task `task_id` of call `index` to its end (or the wait timeout), reporting
/// Status and PollError events; returns the outcome, the last status and the error text.
async fn watch_to_end(
    client: &Client,
    index: usize,
    task_id: &str,
    opts: &ExecOptions,
    on_event: &mut Handler<'_>,
) -> (Outcome, Option<String>, Option<String>) {
    let r = watch_task(client, task_id, opts, &mut |ev| match ev {
        WatchEvent::Status(status, elapsed) => {
            let _ = on_event(&ProgressEvent::Status {
                index,
                task_id: task_id.to_string(),
                status: status.clone(),
                elapsed,
            });
        }
        WatchEvent::Error(e) => {
            let _ = on_event(&ProgressEvent::PollError {
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
/// same events as [`execute`] gives for a call after it was accepted, Done included.
pub async fn follow(
    client: &Client,
    index: usize,
    call: &PlannedCall,
    task_id: &str,
    opts: &ExecOptions,
    on_event: &mut Handler<'_>,
) -> CallOutcome {
    let (outcome, status, error) = watch_to_end(client, index, task_id, opts, on_event).await;
    let o = CallOutcome {
        task_id: Some(task_id.to_string()),
        status,
        error,
        ..CallOutcome::new(call, outcome)
    };
    let _ = on_event(&ProgressEvent::Done {
        index,
        outcome: o.clone(),
    });
    o
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

/// Exit code for a set of outcomes: 3 when any outcome is unknown, 1 when any call was
/// refused or failed, 2 when refused for bad credentials, else 0.
pub fn exit_code(outcomes: &[CallOutcome]) -> i32 {
    if outcomes
        .iter()
        .any(|o| matches!(o.outcome, Outcome::Unknown | Outcome::StillRunning))
    {
        3
    } else if outcomes
        .iter()
        .any(|o| o.outcome == Outcome::Refused && o.error_kind == Some(ErrorKind::BadCredentials))
    {
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
