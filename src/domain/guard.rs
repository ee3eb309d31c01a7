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

use crate::api::ops::SwitchAnswer;
use crate::api::{ApiError, Client};
use crate::domain::journal::{self, CallState, Journal, PlanSummary, ReadResult, Record, TxError};
use crate::domain::plan::Plan;
use std::fmt;

/// What a guarded send needs: the client, the journal, and what identifies the sender.
#[derive(Clone)]
pub struct Sender {
    pub client: Client,
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
            } => write!(
                f,
                "job {job_id} has an unfinished switch in the journal: plan {}, started {at}{}: {what}. `dts-switch resume` follows or finishes it; if you checked the job by hand, `dts-switch resume --dismiss {}` clears it",
                short(plan_id),
                by_text(by),
                short(plan_id)
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
        }
    }
}

/// The rule for a new switch of `job_id` in `region`: no damage, no other pending plan.
fn check_job(
    read: &ReadResult,
    plans: &[PlanSummary],
    path: &str,
    job_id: &str,
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
    if let Some(p) = journal::pending_for(plans, region, job_id, except_plan) {
        return Err(Refusal::OtherPlan {
            job_id: job_id.into(),
            plan_id: p.plan_id.clone(),
            at: p.at.clone(),
            by: p.by.clone(),
            what: p.pending_text().unwrap_or_default(),
        });
    }
    Ok(())
}

/// Would a new switch of `job_id` in `region` be allowed now? The same rule [`send`]
/// applies under the lock; screens ask early so the operator is told before the form or
/// the confirmation, but only [`send`]'s answer counts.
pub fn check_new_switch(journal: &Journal, job_id: &str, region: &str) -> Result<(), Refusal> {
    let path = journal.path().display().to_string();
    let read = journal.read().map_err(|e| Refusal::Journal {
        path: path.clone(),
        error: e.to_string(),
    })?;
    let plans = journal::summarize(&read.records);
    check_job(&read, &plans, &path, job_id, region, None)
}

/// Under the journal's lock: checks that call `index` of `plan` may be sent and records
/// the plan (when new) and the intent. Returns the intent's time.
fn claim(s: &Sender, plan: &Plan, index: usize) -> Result<String, Refusal> {
    let path = s.journal.path().display().to_string();
    let r = s.journal.transact(|read| {
        let plans = journal::summarize(&read.records);
        check_job(
            read,
            &plans,
            &path,
            &plan.job_id,
            &plan.region,
            Some(&plan.id),
        )?;
        let at = journal::now();
        let intent = Record::Intent {
            plan_id: plan.id.clone(),
            index,
            at: at.clone(),
            by: Some(s.by.clone()),
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

/// The only way to send SwitchSynchronizationEndpoint: claim call `index` of `plan`
/// in the journal (see the module docs), then send it once. Returns the intent's time
/// and the service's answer; a refusal means nothing was sent.
pub async fn send(
    s: &Sender,
    plan: &Plan,
    index: usize,
) -> Result<(String, Result<SwitchAnswer, ApiError>), Refusal> {
    let at = claim(s, plan, index)?;
    let call = &plan.calls[index];
    let params = crate::domain::plan::with_region(call.params.clone(), &plan.region);
    let answer = s.client.switch_synchronization_endpoint(&params).await;
    Ok((at, answer))
}
