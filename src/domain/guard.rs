//! The one guarded path for SwitchSynchronizationEndpoint.
//!
//! Every switch request of every screen and command goes through [`send`]. Under the
//! journal's exclusive lock, immediately before the request, it re-reads the journal and
//! refuses the call when:
//! - the journal has lines it cannot read (until the operator accepts them),
//! - this call of this plan already has an intent (someone sent it, maybe another
//!   process), or an earlier call of the plan has not Finished, or the plan was
//!   dismissed,
//! - the same job (job id and region, however the endpoint was spelled) has another
//!   plan that is unfinished or whose outcome is unknown.
//!
//! Otherwise it writes the plan record (for a new plan) and the intent, fsynced, and
//! only then sends. No other code may send the request.
//!
//! Before claiming, it reads the direction from the service (the family's read): a
//! second operator with another journal may have changed it. If the side already shows
//! the new endpoint, nothing is sent ("already switched"); if it shows neither the
//! endpoint the plan was made from nor the new one, or the direction is being modified,
//! the call is refused. The read comes before the lock is taken (a network read never
//! holds the journal), and the claim under the lock re-checks the journal.
//!
//! The same rules hold for both API families (SwitchSynchronizationEndpoint and
//! ModifyDtsJobEndpoint) and are keyed on the job's identity: every id of the job
//! (instance id, either direction's DtsJobId), so two processes naming one job by
//! different ids, or forcing different families, meet on one key.

// A refusal is the cold path and carries what the operator must read; its size does not
// matter next to a network round trip.
#![allow(clippy::result_large_err)]

use crate::domain::call::Plan;
use crate::domain::family::{self, EndpointCheck};
use crate::domain::hostlock;
use crate::domain::journal::{self, CallState, Journal, PlanSummary, ReadResult, Record, TxError};
use crate::domain::service::Accepted;
use crate::domain::service::{Dts, Port, ServiceError};
use std::fmt;
use std::path::Path;

/// What a guarded send needs: the client, the journal, and what identifies the sender.
#[derive(Clone)]
pub struct Sender {
    pub client: Port,
    pub journal: Journal,
    /// The endpoint URL as configured (recorded with the plan; not part of the guard).
    pub endpoint: String,
    pub masked_ak: String,
    /// Who sends: see [`journal::who`].
    pub by: String,
}

/// Why a call was not sent. Nothing reached the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The journal cannot be opened, locked, read or written.
    Journal { path: String, error: String },
    /// The journal has lines that cannot be read; they may hide a switch.
    Damaged { path: String, lines: Vec<String> },
    /// This call of this plan was already sent (intent recorded).
    AlreadySent {
        plan_id: String,
        index: usize,
        direction: String,
        at: String,
        by: Option<String>,
    },
    /// Another plan of the same job is unfinished or unknown.
    OtherPlan {
        job_id: String,
        plan_id: String,
        at: String,
        by: Option<String>,
        what: String,
        /// The other journal that holds it, when it is not this one.
        journal: Option<String>,
    },
    /// Another process on this host is sending to the job, or the host's lock cannot be
    /// taken.
    HostLock { error: String },
    /// Another journal that wrote to the job cannot be read: it may hide a change.
    OtherJournal { path: String, error: String },
    /// Since this plan was made, another plan sent the same call (direction and side)
    /// of the job: this plan is stale, whatever that call's outcome.
    SentSincePlan {
        plan_id: String,
        at: String,
        by: Option<String>,
        state: String,
        journal: Option<String>,
    },
    /// An earlier call of this plan has not Finished.
    EarlierNotFinished {
        index: usize,
        earlier: usize,
        state: String,
    },
    /// The plan was dismissed after a check by hand.
    Dismissed { plan_id: String },
    /// A later call of a plan the journal does not have.
    NotInJournal { plan_id: String },
    /// The call differs from the journalled one.
    Changed { plan_id: String, index: usize },
    /// The service shows neither the endpoint the plan was made from nor the new one.
    ChangedSincePlan {
        direction: String,
        side: String,
        now: String,
        planned: String,
    },
    /// The direction is being modified (maintained family: `Modifying`): not now.
    NotNow { direction: String, status: String },
    /// The direction could not be read right before the write: nothing is sent blind.
    CannotRead { direction: String, error: String },
    /// The call changes the database account and its password is not at hand.
    NoPassword { index: usize },
}

pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn by_text(by: &Option<String>) -> String {
    by.as_deref()
        .map(|b| format!(" by {b}"))
        .unwrap_or_default()
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Journal { path, error } => write!(
                f,
                "the journal {path} cannot be used ({error}); refusing to send without a record. Fix it, or pass --journal PATH"
            ),
            Refusal::Damaged { path, lines } => write!(
                f,
                "the journal {path} has {} line(s) that cannot be read; they may hide a switch in progress, so every switch is refused until you look: `dts-switch history` shows them; after checking, `dts-switch resume --accept-damaged` accepts them.\n  {}",
                lines.len(),
                lines.join("\n  ")
            ),
            Refusal::AlreadySent {
                plan_id,
                index,
                direction,
                at,
                by,
            } => write!(
                f,
                "call {} ({direction}) of plan {} was already sent at {at}{}; it is never sent twice. `dts-switch resume` follows it",
                index + 1,
                short(plan_id),
                by_text(by)
            ),
            Refusal::OtherPlan {
                job_id,
                plan_id,
                at,
                by,
                what,
                journal,
            } => {
                let (in_j, flag) = match journal {
                    Some(j) => (
                        format!("in another journal ({j})"),
                        format!(" --journal {}", crate::text::clean(j)),
                    ),
                    None => ("in the journal".to_string(), String::new()),
                };
                write!(
                    f,
                    "job {job_id} has an unfinished switch {in_j}: plan {}, started {at}{}: {what}. `dts-switch resume{flag}` follows or finishes it; if you checked the job by hand, `dts-switch resume{flag} --dismiss {}` clears it",
                    short(plan_id),
                    by_text(by),
                    short(plan_id)
                )
            }
            Refusal::HostLock { error } => write!(f, "not sent: {error}"),
            Refusal::SentSincePlan {
                plan_id,
                at,
                by,
                state,
                journal,
            } => write!(
                f,
                "not sent: since this plan was made, plan {} {}sent the same call at {at}{} (it is {state}); this plan is stale: look at the job (`dts-switch jobs --job ID`), then plan again",
                short(plan_id),
                by.as_deref().map(|b| format!("by {b} ")).unwrap_or_default(),
                journal.as_deref().map(|j| format!(" (journal {j})")).unwrap_or_default(),
            ),
            Refusal::OtherJournal { path, error } => write!(
                f,
                "another journal that wrote to this job, {path}, cannot be read ({error}): it may hold a switch of the job in progress, so nothing was sent. Make it readable again (`dts-switch --journal {path} history` shows it); if it is gone for good, remove its line from the job's lock file in {}",
                crate::domain::hostlock::dir().display()
            ),
            Refusal::EarlierNotFinished {
                index,
                earlier,
                state,
            } => write!(
                f,
                "call {} is sent only after call {} Finished, and call {} is {state}",
                index + 1,
                earlier + 1,
                earlier + 1
            ),
            Refusal::Dismissed { plan_id } => write!(
                f,
                "plan {} was dismissed after a check by hand; start a new switch instead",
                short(plan_id)
            ),
            Refusal::NotInJournal { plan_id } => write!(
                f,
                "plan {} is not in the journal (was the journal moved or edited?)",
                short(plan_id)
            ),
            Refusal::Changed { plan_id, index } => write!(
                f,
                "call {} differs from what the journal holds for plan {}",
                index + 1,
                short(plan_id)
            ),
            Refusal::ChangedSincePlan {
                direction,
                side,
                now,
                planned,
            } => write!(
                f,
                "changed since the plan: the {direction} direction's {side} is now {now}, not {planned} as planned (someone else switched it?); nothing was sent. Check the job, then plan again"
            ),
            Refusal::NotNow { direction, status } => write!(
                f,
                "not now: the {direction} direction is {status} (a change is under way); nothing was sent. Wait until it ends, then plan again"
            ),
            Refusal::CannotRead { direction, error } => write!(
                f,
                "the {direction} direction could not be read right before the call ({error}); nothing was sent blind. Try again when it can be read"
            ),
            Refusal::NoPassword { index } => write!(
                f,
                "call {} changes the database account and needs its password: give it with --password-stdin or DTS_SWITCH_DB_PASSWORD",
                index + 1
            ),
        }
    }
}

/// The rule for a new switch of the job with `job_ids` in `region`: no damage, no other
/// pending plan.
fn check_job(
    read: &ReadResult,
    plans: &[PlanSummary],
    path: &str,
    job_ids: &[String],
    region: &str,
    except_plan: Option<&str>,
) -> Result<(), Refusal> {
    let damage = journal::damage(read);
    if !damage.is_empty() {
        return Err(Refusal::Damaged {
            path: path.into(),
            lines: damage.into_iter().map(|(_, p)| p).collect(),
        });
    }
    no_pending_plan(plans, region, job_ids, except_plan, None)
}

/// The rule of one journal's plans (`journal`: which one, when not this one): a plan of
/// the job that still needs something refuses a new write.
fn no_pending_plan(
    plans: &[PlanSummary],
    region: &str,
    job_ids: &[String],
    except_plan: Option<&str>,
    journal: Option<&Path>,
) -> Result<(), Refusal> {
    match journal::pending_for(plans, region, job_ids, except_plan) {
        Some(p) => Err(Refusal::OtherPlan {
            job_id: p.job_id.clone(),
            plan_id: p.plan_id.clone(),
            at: p.at.clone(),
            by: p.by.clone(),
            what: p.pending_text().unwrap_or_default(),
            journal: journal.map(|j| j.display().to_string()),
        }),
        None => Ok(()),
    }
}

/// When the plan was made: the earlier of its making (as the planner stamped it) and
/// its record in the journal, else `now`.
fn made_since(plan: &Plan, recorded: Option<&str>, now: &str) -> String {
    let time = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let mut best: Option<(chrono::DateTime<chrono::FixedOffset>, String)> = None;
    for t in [Some(plan.made_at.as_str()), recorded]
        .into_iter()
        .flatten()
    {
        if let Some(d) = time(t) {
            if best.as_ref().is_none_or(|(b, _)| d < *b) {
                best = Some((d, t.to_string()));
            }
        }
    }
    best.map(|(_, t)| t).unwrap_or_else(|| now.to_string())
}

/// The rule against a stale plan: another plan of the job (in `plans`) sent the same
/// call — the same direction and side — after `since` (this plan's making). Two
/// operators who planned the same change both from the old endpoint must not both send
/// it, even when the first one's call failed and left the endpoint as it was.
fn not_sent_since(
    plans: &[PlanSummary],
    plan: &Plan,
    index: usize,
    since: &str,
    journal: Option<&Path>,
) -> Result<(), Refusal> {
    let call = &plan.calls[index];
    let time = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let Some(since_t) = time(since) else {
        return Ok(());
    };
    for p in plans {
        if p.plan_id == plan.id || !p.same_job(&plan.job_ids, &plan.region) {
            continue;
        }
        for c in &p.calls {
            if c.direction != call.direction || c.endpoint_type != call.endpoint_type {
                continue;
            }
            if let Some(at) = c.intent_at.as_deref() {
                if time(at).is_some_and(|t| t > since_t) {
                    return Err(Refusal::SentSincePlan {
                        plan_id: p.plan_id.clone(),
                        at: at.to_string(),
                        by: c.intent_by.clone().or_else(|| p.by.clone()),
                        state: journal::state_word(&c.state),
                        journal: journal.map(|j| j.display().to_string()),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Would a new switch of `job_id` in `region` be allowed now? The same rule [`send`]
/// applies under the lock; screens ask early so the operator is told before the form or
/// the confirmation, but only [`send`]'s answer counts.
pub fn check_new_switch(
    journal: &Journal,
    job_ids: &[String],
    region: &str,
) -> Result<(), Refusal> {
    let path = journal.path().display().to_string();
    let read = journal.read().map_err(|e| Refusal::Journal {
        path: path.clone(),
        error: e.to_string(),
    })?;
    let plans = read.plans();
    check_job(&read, plans, &path, job_ids, region, None)
}

/// What to write when the claim holds.
enum Claim<'a> {
    /// The intent: the call is sent next.
    Intent,
    /// The call's end without sending: the service already shows the new endpoint.
    AlreadyDone(&'a str),
}

/// Under the journal's lock: checks that call `index` of `plan` may be sent and records
/// the plan (when new) and the intent (or, for `Claim::AlreadyDone`, the call's end).
/// Returns the record's time.
fn claim(s: &Sender, plan: &Plan, index: usize, what: Claim<'_>) -> Result<String, Refusal> {
    let path = s.journal.path().display().to_string();
    let r = s.journal.transact(|read| {
        let plans = read.plans();
        check_job(
            read,
            plans,
            &path,
            &plan.job_ids,
            &plan.region,
            Some(&plan.id),
        )?;
        let at = journal::now();
        let since = made_since(
            plan,
            plans
                .iter()
                .find(|p| p.plan_id == plan.id)
                .map(|p| p.at.as_str()),
            &at,
        );
        if matches!(what, Claim::Intent) {
            not_sent_since(plans, plan, index, &since, None)?;
        }
        let intent = match what {
            Claim::Intent => Record::Intent {
                plan_id: plan.id.clone(),
                index,
                at: at.clone(),
                by: Some(s.by.clone()),
                process: journal::process_for(&s.by),
            },
            Claim::AlreadyDone(note) => Record::Done {
                plan_id: plan.id.clone(),
                index,
                at: at.clone(),
                outcome: crate::domain::outcome::Outcome::Finished,
                request_id: None,
                task_id: None,
                status: Some("already switched".into()),
                error: None,
                note: Some(note.to_string()),
            },
        };
        let Some(p) = plans.iter().find(|p| p.plan_id == plan.id) else {
            if index != 0 {
                return Err(Refusal::NotInJournal {
                    plan_id: plan.id.clone(),
                });
            }
            let rec = journal::plan_record(plan, &s.endpoint, &s.masked_ak, &s.by);
            return Ok((vec![rec, intent], at));
        };
        if p.dismissed {
            return Err(Refusal::Dismissed {
                plan_id: plan.id.clone(),
            });
        }
        let Some(c) = p.calls.get(index) else {
            return Err(Refusal::Changed {
                plan_id: plan.id.clone(),
                index,
            });
        };
        let planned = plan
            .calls
            .get(index)
            .map(|c| crate::domain::plan::with_region(c.params.clone(), &plan.region));
        if planned
            != Some(crate::domain::plan::with_region(
                c.params.clone(),
                &p.region,
            ))
        {
            return Err(Refusal::Changed {
                plan_id: plan.id.clone(),
                index,
            });
        }
        let sent = c.intent_at.is_some()
            || !matches!(
                c.state,
                CallState::NotStarted
                    | CallState::Done {
                        outcome: crate::domain::outcome::Outcome::NotSent,
                        ..
                    }
            );
        if sent {
            return Err(Refusal::AlreadySent {
                plan_id: plan.id.clone(),
                index,
                direction: c.direction.to_string(),
                at: c.intent_at.clone().unwrap_or_else(|| "?".into()),
                by: c.intent_by.clone(),
            });
        }
        if let Some((k, e)) = p.calls[..index].iter().enumerate().find(|(_, e)| {
            !matches!(
                e.state,
                CallState::Done {
                    outcome: crate::domain::outcome::Outcome::Finished,
                    ..
                }
            )
        }) {
            return Err(Refusal::EarlierNotFinished {
                index,
                earlier: k,
                state: journal::state_word(&e.state),
            });
        }
        Ok((vec![intent], at))
    });
    r.map_err(|e| match e {
        TxError::Refused(r) => r,
        TxError::Io(e) => Refusal::Journal {
            path: path.clone(),
            error: e.to_string(),
        },
    })
}

/// What [`send`] did, when it did not refuse.
#[derive(Debug)]
pub enum Sent {
    /// The service already showed the new endpoint: nothing was sent, the call is
    /// journalled as done with this note.
    AlreadySwitched { note: String },
    /// The call was sent once at `at`; the service's answer.
    Sent {
        at: String,
        answer: Result<Accepted, ServiceError>,
    },
}

/// The endpoint in words, for refusals: `ECS i-1 10.0.0.1:3306`.
pub fn endpoint_words(e: &crate::domain::endpoint::EndpointInfo) -> String {
    let mut v: Vec<String> = Vec::new();
    for x in [&e.instance_type, &e.instance_id] {
        if !x.trim_matches(' ').is_empty() {
            v.push(x.trim_matches(' ').to_string());
        }
    }
    match (
        e.ip.trim_matches(' ').is_empty(),
        e.port.trim_matches(' ').is_empty(),
    ) {
        (false, false) => v.push(format!(
            "{}:{}",
            e.ip.trim_matches(' '),
            e.port.trim_matches(' ')
        )),
        (false, true) => v.push(e.ip.trim_matches(' ').to_string()),
        (true, false) => v.push(format!("port {}", e.port.trim_matches(' '))),
        _ => {}
    }
    if v.is_empty() {
        "(nothing listed)".into()
    } else {
        crate::text::clean(&v.join(" ")).into_owned()
    }
}

/// The only way to send a write (SwitchSynchronizationEndpoint or ModifyDtsJobEndpoint):
/// checks the journal, reads the direction from the service, claims call `index` of
/// `plan` in the journal (see the module docs), then sends it once. A refusal means
/// nothing was sent.
pub async fn send(s: &Sender, plan: &Plan, index: usize) -> Result<Sent, Refusal> {
    let call = &plan.calls[index];
    if plan.family == family::Family::Maintained && call.needs_password() && plan.password.is_none()
    {
        return Err(Refusal::NoPassword { index });
    }
    // The journal first (cheap, and an already-sent call must be refused as such, not
    // be taken for a change someone else made).
    let recorded = precheck(s, plan, index)?;
    // Other journals of this host that wrote to the job: the same rule, under the
    // host's per-job locks, held until the write's answer is back.
    let mut locks = hostlock::JobLocks::take(
        &hostlock::scope(&s.endpoint),
        &plan.region,
        &plan.job_ids,
        s.journal.path(),
        hostlock::WAIT,
    )
    .await
    .map_err(|e| Refusal::HostLock {
        error: e.to_string(),
    })?;
    // When this plan was made (the planner's stamp or its record, the earlier).
    let since = made_since(plan, recorded.as_deref(), &journal::now());
    // A stale plan (another sent the same call since) is refused only when the call
    // would be sent: a job that already shows the new endpoint is "already switched".
    let mut stale: Option<Refusal> = None;
    for other in locks.other_journals() {
        let j = Journal::new(&other);
        // Fail closed: a journal that cannot be read may hide a switch in progress
        // (a journal that no longer exists reads as empty).
        let read = j.read().map_err(|e| Refusal::OtherJournal {
            path: other.display().to_string(),
            error: e.to_string(),
        })?;
        let plans = read.plans();
        no_pending_plan(plans, &plan.region, &plan.job_ids, None, Some(&other))?;
        if stale.is_none() {
            stale = not_sent_since(plans, plan, index, &since, Some(&other)).err();
        }
    }
    let direction = call.direction.to_string();
    let read = family::read_direction(&s.client, plan, call.direction)
        .await
        .map_err(|e| Refusal::CannotRead {
            direction: direction.clone(),
            error: crate::text::clean(e.to_string().lines().next().unwrap_or("")).into_owned(),
        })?;
    if family::is_modifying(&read.status) {
        return Err(Refusal::NotNow {
            direction,
            status: crate::text::clean(read.status.trim()).into_owned(),
        });
    }
    let now = read.side(call.endpoint_type);
    let side = call.endpoint_type.as_str().to_ascii_lowercase();
    match family::check_endpoint(now, call) {
        EndpointCheck::New => {
            let note = format!(
                "already switched (by someone else?): the {direction} direction's {side} already shows {}; nothing was sent",
                endpoint_words(now)
            );
            claim(s, plan, index, Claim::AlreadyDone(&note))?;
            return Ok(Sent::AlreadySwitched { note });
        }
        EndpointCheck::Other => {
            return Err(Refusal::ChangedSincePlan {
                direction,
                side,
                now: endpoint_words(now),
                planned: endpoint_words(&call.old),
            })
        }
        EndpointCheck::Old => {}
    }
    if let Some(r) = stale {
        return Err(r);
    }
    locks.record_me().map_err(|e| Refusal::HostLock {
        error: format!("the host's record of journals writing to this job cannot be written: {e}"),
    })?;
    let at = claim(s, plan, index, Claim::Intent)?;
    let params = crate::domain::plan::with_region(call.params.clone(), &plan.region);
    let call = crate::domain::plan::PlannedCall {
        params,
        ..call.clone()
    };
    let answer = family::send_write(&s.client, plan, &call).await;
    drop(locks);
    Ok(Sent::Sent { at, answer })
}

/// The journal's rules for call `index`, without writing (before the read). Ok: the
/// time of the plan's record, when the journal has it.
fn precheck(s: &Sender, plan: &Plan, index: usize) -> Result<Option<String>, Refusal> {
    let path = s.journal.path().display().to_string();
    let read = s.journal.read().map_err(|e| Refusal::Journal {
        path: path.clone(),
        error: e.to_string(),
    })?;
    let plans = read.plans();
    check_job(
        &read,
        plans,
        &path,
        &plan.job_ids,
        &plan.region,
        Some(&plan.id),
    )?;
    let me = plans.iter().find(|p| p.plan_id == plan.id);
    if let Some(p) = me {
        if p.dismissed {
            return Err(Refusal::Dismissed {
                plan_id: plan.id.clone(),
            });
        }
        if let Some(c) = p.calls.get(index) {
            if c.intent_at.is_some()
                || !matches!(
                    c.state,
                    CallState::NotStarted
                        | CallState::Done {
                            outcome: crate::domain::outcome::Outcome::NotSent,
                            ..
                        }
                )
            {
                return Err(Refusal::AlreadySent {
                    plan_id: plan.id.clone(),
                    index,
                    direction: c.direction.to_string(),
                    at: c.intent_at.clone().unwrap_or_else(|| "?".into()),
                    by: c.intent_by.clone(),
                });
            }
        }
    }
    Ok(me.map(|p| p.at.clone()))
}

/// The maintained family's server-side check of call `index` (`DryRun=true`): nothing
/// changes and nothing is journalled. Like a write it is sent once, never resent after
/// an ambiguous failure.
pub async fn dry_run(
    client: &dyn Dts,
    plan: &Plan,
    index: usize,
) -> Result<family::DryRun, ServiceError> {
    family::maintained::dry_run(client, plan, &plan.calls[index]).await
}
