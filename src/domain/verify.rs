//! After the switch: is the job replicating again? A switch task that `Finished` means
//! DTS took the new endpoint; the step is done when each switched direction synchronizes
//! and its delay comes down. This watches each direction with the plan's family's read
//! (DescribeSynchronizationJobStatus, `dts-api-maintained.md` §3.1, or
//! DescribeDtsJobDetail, §2.3) until a verdict.

use crate::domain::call::{Direction, Plan};
use crate::domain::guard::Sender;
use crate::domain::journal::{self, Record};
use crate::domain::service::{Dts, ErrorKind, ServiceError};
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Time between reads of a direction's status.
    pub interval: Duration,
    /// A delay under this is healthy (`--healthy-delay`).
    pub healthy_delay: Duration,
    /// Give a verdict after this long at the latest (`--verify-timeout`).
    pub timeout: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            interval: Duration::from_secs(5),
            healthy_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(600),
        }
    }
}

pub use crate::domain::outcome::Verdict;

/// One read of a direction's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds since the verification started.
    pub elapsed_secs: f64,
    pub status: String,
    pub delay_secs: Option<f64>,
    /// Unix seconds of the latest synchronized data.
    pub checkpoint: Option<u64>,
    /// How old the checkpoint was when read, in seconds.
    pub checkpoint_age_secs: Option<u64>,
    pub error_message: String,
    /// The maintained family's RetryState, when DTS is retrying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<crate::domain::family::RetryInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectionVerdict {
    pub direction: Direction,
    pub verdict: Verdict,
    /// Why, in one sentence.
    pub reason: String,
    /// The last status read.
    pub last: Option<Sample>,
    /// Reads made.
    pub samples: usize,
}

#[derive(Debug, Clone)]
pub enum VerifyEvent {
    /// Watching these directions.
    Started {
        directions: Vec<Direction>,
        healthy_delay: Duration,
        timeout: Duration,
    },
    Sample {
        direction: Direction,
        sample: Sample,
    },
    ReadError {
        direction: Direction,
        error: String,
    },
    Verdict(DirectionVerdict),
    /// A verdict could not be journalled.
    JournalError(String),
}

/// Reads of a failed status, one after the other, that make the verdict "failed".
pub const FAILED_READS: usize = 3;

fn is(status: &str, any: &[&str]) -> bool {
    any.iter().any(|s| s.eq_ignore_ascii_case(status.trim()))
}

/// The verdict the samples so far allow, if any. Statuses are compared ignoring case
/// (the API spells them `Synchronizing` and `synchronizing`).
pub fn judge(samples: &[Sample], healthy_delay: Duration) -> Option<(Verdict, String)> {
    let last = samples.last()?;
    let failed = |s: &Sample| is(&s.status, &["Failed", "InitializeFailed", "PrecheckFailed"]);
    // Failed, read three times running: a job may still show its pre-switch Failed for
    // a moment after the task finished (it was Failed because of the failover).
    if samples.len() >= FAILED_READS && samples.iter().rev().take(FAILED_READS).all(failed) {
        let why = if last.error_message.trim().is_empty() {
            "the service gave no ErrorMessage".to_string()
        } else {
            crate::text::clean(last.error_message.trim()).into_owned()
        };
        return Some((
            Verdict::Failed,
            format!("the job is {} after the switch: {why}", last.status),
        ));
    }
    if !is(&last.status, &["Synchronizing"]) {
        return None;
    }
    // DTS retrying its connection (maintained RetryState) is not healthy yet.
    if last.retry.as_ref().is_some_and(|r| r.retrying) {
        return None;
    }
    let limit = healthy_delay.as_secs_f64();
    let mut delays: Vec<f64> = samples
        .iter()
        .rev()
        .take_while(|s| is(&s.status, &["Synchronizing"]))
        .filter_map(|s| s.delay_secs)
        .collect();
    // Reads faster than the service updates the delay repeat it: count changes only.
    delays.dedup();
    if last.delay_secs.is_none() && last.checkpoint.is_none() {
        // Nothing to judge by: wait (the deadline says so if it never comes).
        return None;
    }
    let delay_ok = match delays.first() {
        Some(d) if *d <= limit => Some(format!("delay {d:.0}s, at most {limit:.0}s")),
        // Falling steadily: the last three reads each lower than the one before.
        Some(d) if delays.len() >= 3 && delays[0] < delays[1] && delays[1] < delays[2] => {
            Some(format!("delay {d:.0}s and falling"))
        }
        Some(_) => None,
        None => Some("no delay reported".to_string()),
    }?;
    let checkpoints: Vec<u64> = samples.iter().filter_map(|s| s.checkpoint).collect();
    let moving = match (checkpoints.first(), checkpoints.last()) {
        (Some(first), Some(last_cp)) if last_cp > first => Some("the checkpoint advancing"),
        _ => match last.checkpoint_age_secs {
            Some(age) if (age as f64) <= limit => Some("a fresh checkpoint"),
            Some(_) => None,
            None if checkpoints.is_empty() => Some("no checkpoint reported"),
            None => None,
        },
    }?;
    Some((
        Verdict::Healthy,
        format!("{}: {delay_ok}, {moving}", last.status),
    ))
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The directions a plan switched, in order, each once.
pub fn directions(plan: &Plan) -> Vec<Direction> {
    let mut v = Vec::new();
    for c in &plan.calls {
        if !v.contains(&c.direction) {
            v.push(c.direction);
        }
    }
    v
}

/// Watches `directions` of the plan's job until each has a verdict (or the deadline).
pub async fn verify(
    client: &dyn Dts,
    plan: &Plan,
    directions: &[Direction],
    opts: &VerifyOptions,
    on_event: &mut (dyn FnMut(&VerifyEvent) + Send),
) -> Vec<DirectionVerdict> {
    let started = Instant::now();
    on_event(&VerifyEvent::Started {
        directions: directions.to_vec(),
        healthy_delay: opts.healthy_delay,
        timeout: opts.timeout,
    });
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); directions.len()];
    let mut done: Vec<Option<DirectionVerdict>> = vec![None; directions.len()];
    loop {
        for (i, d) in directions.iter().enumerate() {
            if done[i].is_some() {
                continue;
            }
            match crate::domain::family::read_direction(client, plan, *d).await {
                Ok(a) => {
                    let sample = Sample {
                        elapsed_secs: started.elapsed().as_secs_f64(),
                        status: a.status.clone(),
                        delay_secs: a.delay_secs,
                        checkpoint: a.checkpoint,
                        checkpoint_age_secs: a.checkpoint.map(|c| now_unix().saturating_sub(c)),
                        error_message: a.error_message.clone(),
                        retry: a.retry.clone(),
                    };
                    on_event(&VerifyEvent::Sample {
                        direction: *d,
                        sample: sample.clone(),
                    });
                    samples[i].push(sample);
                    if let Some((verdict, reason)) = judge(&samples[i], opts.healthy_delay) {
                        done[i] = Some(DirectionVerdict {
                            direction: *d,
                            verdict,
                            reason,
                            last: samples[i].last().cloned(),
                            samples: samples[i].len(),
                        });
                    }
                }
                Err(e) => {
                    on_event(&VerifyEvent::ReadError {
                        direction: *d,
                        error: e.to_string(),
                    });
                    if fatal(&e) {
                        done[i] = Some(DirectionVerdict {
                            direction: *d,
                            verdict: Verdict::Unreadable,
                            reason: format!(
                                "its status cannot be read: {}",
                                e.to_string().lines().next().unwrap_or("")
                            ),
                            last: samples[i].last().cloned(),
                            samples: samples[i].len(),
                        });
                    }
                }
            }
            if let Some(v) = &done[i] {
                on_event(&VerifyEvent::Verdict(v.clone()));
            }
        }
        if done.iter().all(Option::is_some) {
            break;
        }
        if started.elapsed() + opts.interval > opts.timeout {
            for (i, d) in directions.iter().enumerate() {
                if done[i].is_none() {
                    let last = samples[i].last().cloned();
                    let v = DirectionVerdict {
                        direction: *d,
                        verdict: Verdict::TimedOut,
                        reason: match &last {
                            Some(s) => format!(
                                "not healthy after {}: last {}, delay {}{}",
                                humantime::format_duration(opts.timeout),
                                s.status,
                                s.delay_secs
                                    .map(|d| format!("{d:.0}s"))
                                    .unwrap_or_else(|| "unknown".into()),
                                job_error(s)
                            ),
                            None => format!(
                                "no status could be read in {}",
                                humantime::format_duration(opts.timeout)
                            ),
                        },
                        last,
                        samples: samples[i].len(),
                    };
                    on_event(&VerifyEvent::Verdict(v.clone()));
                    done[i] = Some(v);
                }
            }
            break;
        }
        tokio::time::sleep(opts.interval).await;
    }
    done.into_iter().flatten().collect()
}

/// The job's own error, for a verdict: `: DTS-070211: Connect Source DB failed` and
/// the retry state where the family has one.
fn job_error(s: &Sample) -> String {
    let mut v = String::new();
    if !s.error_message.trim().is_empty() {
        v.push_str(&format!(": {}", crate::text::clean(s.error_message.trim())));
    }
    if let Some(r) = s.retry.as_ref().filter(|r| r.retrying) {
        v.push_str(&format!(
            " (retrying {} time(s){}{})",
            r.count,
            if r.target.is_empty() {
                String::new()
            } else {
                format!(", target {}", crate::text::clean(&r.target))
            },
            if r.message.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", crate::text::clean(r.message.trim()))
            }
        ));
    }
    v
}

fn fatal(e: &ServiceError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::BadCredentials
            | ErrorKind::Permission
            | ErrorKind::NotFound
            | ErrorKind::WrongFamily
            | ErrorKind::Refused
    )
}

/// Verifies a plan whose calls all Finished: journals the start and each verdict.
pub async fn verify_plan(
    s: &Sender,
    plan: &Plan,
    opts: &VerifyOptions,
    on_event: &mut (dyn FnMut(&VerifyEvent) + Send),
) -> Vec<DirectionVerdict> {
    verify_plan_directions(s, plan, &directions(plan), opts, on_event).await
}

/// [`verify_plan`] for some of the plan's directions (journalled the same way).
pub async fn verify_plan_directions(
    s: &Sender,
    plan: &Plan,
    dirs: &[Direction],
    opts: &VerifyOptions,
    on_event: &mut (dyn FnMut(&VerifyEvent) + Send),
) -> Vec<DirectionVerdict> {
    let dirs = dirs.to_vec();
    let journal_error = |e: std::io::Error| {
        format!(
            "the journal {} could not record the verification ({e})",
            s.journal.path().display()
        )
    };
    if let Err(e) = s.journal.append(&Record::VerifyStarted {
        plan_id: plan.id.clone(),
        at: journal::now(),
        directions: dirs.clone(),
    }) {
        on_event(&VerifyEvent::JournalError(journal_error(e)));
    }
    let verdicts = verify(&s.client, plan, &dirs, opts, on_event).await;
    for v in &verdicts {
        if let Err(e) = s.journal.append(&verified_record(&plan.id, v)) {
            on_event(&VerifyEvent::JournalError(journal_error(e)));
        }
    }
    verdicts
}

/// The journal record of a verdict.
pub fn verified_record(plan_id: &str, v: &DirectionVerdict) -> Record {
    Record::Verified {
        plan_id: plan_id.to_string(),
        at: journal::now(),
        direction: v.direction,
        verdict: v.verdict,
        reason: v.reason.clone(),
        status: v.last.as_ref().map(|s| s.status.clone()),
        delay_secs: v.last.as_ref().and_then(|s| s.delay_secs),
    }
}

/// The same verdict, without a read, for every direction the plan switched.
pub fn without_reads(plan: &Plan, verdict: Verdict, reason: &str) -> Vec<DirectionVerdict> {
    directions(plan)
        .into_iter()
        .map(|direction| DirectionVerdict {
            direction,
            verdict,
            reason: reason.to_string(),
            last: None,
            samples: 0,
        })
        .collect()
}

/// Records that verification was skipped (`--no-verify`); returns those verdicts.
pub fn record_skipped(s: &Sender, plan: &Plan) -> (Vec<DirectionVerdict>, std::io::Result<()>) {
    let skipped = without_reads(plan, Verdict::Skipped, "not verified (--no-verify)");
    let written = skipped
        .iter()
        .try_for_each(|v| s.journal.append(&verified_record(&plan.id, v)));
    (skipped, written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(status: &str, delay: Option<f64>, cp: Option<u64>, age: Option<u64>) -> Sample {
        Sample {
            elapsed_secs: 0.0,
            status: status.into(),
            delay_secs: delay,
            checkpoint: cp,
            checkpoint_age_secs: age,
            error_message: String::new(),
            retry: None,
        }
    }

    const LIMIT: Duration = Duration::from_secs(60);

    #[test]
    fn healthy_needs_synchronizing_a_low_or_falling_delay_and_a_moving_checkpoint() {
        assert_eq!(judge(&[], LIMIT), None);
        let v = judge(&[s("synchronizing", Some(3.0), Some(100), Some(3))], LIMIT);
        assert_eq!(v.unwrap().0, Verdict::Healthy, "case-insensitive status");
        // Delay high and not (yet) falling three times: no verdict.
        let high = [
            s("Synchronizing", Some(300.0), Some(100), Some(300)),
            s("Synchronizing", Some(250.0), Some(150), Some(250)),
        ];
        assert_eq!(judge(&high, LIMIT), None);
        let falling = [
            s("Synchronizing", Some(300.0), Some(100), Some(300)),
            s("Synchronizing", Some(250.0), Some(150), Some(250)),
            s("Synchronizing", Some(200.0), Some(200), Some(200)),
        ];
        let (v, why) = judge(&falling, LIMIT).unwrap();
        assert_eq!(v, Verdict::Healthy);
        assert!(
            why.contains("falling") && why.contains("advancing"),
            "{why}"
        );
        // A low delay with a stuck, old checkpoint is not healthy.
        let stuck = [
            s("Synchronizing", Some(1.0), Some(100), Some(900)),
            s("Synchronizing", Some(1.0), Some(100), Some(905)),
        ];
        assert_eq!(judge(&stuck, LIMIT), None);
        // Other statuses wait.
        assert_eq!(
            judge(&[s("Initializing", Some(1.0), None, None)], LIMIT),
            None
        );
    }

    #[test]
    fn failed_after_the_switch_says_why() {
        let mut f = s("failed", None, None, None);
        f.error_message = "DTS-070211: Connect Source DB failed\u{1b}[2K".into();
        assert_eq!(
            judge(&[f.clone()], LIMIT),
            None,
            "one read may be the old status"
        );
        let (v, why) = judge(&[f.clone(), f.clone(), f], LIMIT).unwrap();
        assert_eq!(v, Verdict::Failed);
        assert!(
            why.contains("DTS-070211") && !why.contains('\u{1b}'),
            "{why}"
        );
    }
}
