//! Folding records into per-plan summaries (pure: no I/O), and the damage a journal
//! may hold (lines that cannot be read, records that do not fit together).

use crate::domain::call::{Direction, Plan, PlannedCall, Side};
use crate::domain::call::{DryRun, Family};
use crate::domain::endpoint::EndpointInfo;
use crate::domain::journal::{
    liveness, now, process_for, JournalCall, Liveness, Process, ReadResult, Record,
};
use crate::domain::outcome::Outcome;
use crate::domain::Topology;
use std::collections::BTreeMap;

/// Every damaged line not yet accepted: lines that cannot be read, and records whose
/// plan record is missing. (line, what).
pub fn damage(read: &ReadResult) -> Vec<(usize, String)> {
    let f = read.folded();
    read.bad_lines
        .iter()
        .copied()
        .zip(read.problems.iter().cloned())
        .chain(f.check.orphans.iter().cloned())
        .filter(|(n, _)| !f.check.accepted.contains(n))
        .collect()
}

/// Records that do not fit together (a deleted, mangled or hand-written line): a record
/// of a plan whose plan line is missing or comes later, a call index the plan does not
/// have, or an intent for a call whose earlier call had not Finished. They may belong to
/// a switch in progress, so they count as damage. Returns (line, text).
pub fn orphans(read: &ReadResult) -> Vec<(usize, String)> {
    read.folded().check.orphans.clone()
}

/// The orphan check of [`orphans`], one record at a time (record at 1-based `line`).
#[derive(Debug, Clone, Default)]
struct OrphanCheck {
    states: std::collections::HashMap<String, Vec<CallState>>,
    orphans: Vec<(usize, String)>,
    /// Lines the operator accepted as damaged (`resume --accept-damaged`).
    accepted: std::collections::HashSet<usize>,
}

impl OrphanCheck {
    fn add(&mut self, r: &Record, line: usize) {
        match r {
            Record::Plan { plan_id, calls, .. } => {
                self.states
                    .entry(plan_id.clone())
                    .or_insert_with(|| vec![CallState::NotStarted; calls.len()]);
            }
            Record::DamageAccepted { lines, .. } => self.accepted.extend(lines.iter().copied()),
            Record::Dismissed { .. } | Record::VerifyStarted { .. } | Record::Verified { .. } => {
                if !self.states.contains_key(r.plan_id()) {
                    self.orphans.push((
                        line,
                        format!(
                            "line {line}: a record of plan {} before or without its plan line",
                            r.plan_id()
                        ),
                    ));
                }
            }
            Record::Intent { plan_id, index, .. }
            | Record::Accepted { plan_id, index, .. }
            | Record::Status { plan_id, index, .. }
            | Record::Done { plan_id, index, .. } => {
                let Some(states) = self.states.get_mut(plan_id.as_str()) else {
                    self.orphans.push((line, format!("line {line}: a record of plan {plan_id} before or without its plan line (deleted or damaged?)")));
                    return;
                };
                if *index >= states.len() {
                    self.orphans.push((
                        line,
                        format!(
                            "line {line}: call {} of plan {plan_id}, which has {} call(s)",
                            index + 1,
                            states.len()
                        ),
                    ));
                    return;
                }
                match r {
                    Record::Intent { .. } => {
                        let earlier_ok = *index == 0
                            || matches!(
                                states[index - 1],
                                CallState::Done {
                                    outcome: Outcome::Finished,
                                    ..
                                }
                            );
                        if !earlier_ok {
                            self.orphans.push((line, format!("line {line}: call {} of plan {plan_id} sent before call {} Finished", index + 1, index)));
                        }
                        states[*index] = CallState::IntentOnly { at: String::new() };
                    }
                    Record::Done { outcome, .. } if *outcome != Outcome::NotSent => {
                        states[*index] = CallState::Done {
                            outcome: *outcome,
                            task_id: None,
                            request_id: None,
                            status: None,
                            error: None,
                        };
                    }
                    _ => {}
                }
            }
        }
    }
}

/// One word or two for a call's state, for messages.
pub fn state_word(s: &CallState) -> String {
    match s {
        CallState::NotStarted => "not sent".into(),
        CallState::IntentOnly { .. } => "of unknown outcome".into(),
        CallState::Running { .. } => "still running".into(),
        // One spelling for "not sent" whether it was never tried or refused.
        CallState::Done {
            outcome: Outcome::NotSent,
            ..
        } => "not sent".into(),
        CallState::Done { outcome, .. } => outcome.as_str().into(),
    }
}

/// Where one call of a journalled plan stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    /// No intent recorded: never sent.
    NotStarted,
    /// Intent recorded, then nothing: the process died around the send. It may have
    /// reached the service.
    IntentOnly { at: String },
    /// Accepted; the task has not been seen to end.
    Running {
        task_id: String,
        request_id: Option<String>,
        last_status: Option<String>,
    },
    /// Over, with this outcome.
    Done {
        outcome: Outcome,
        task_id: Option<String>,
        request_id: Option<String>,
        status: Option<String>,
        error: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct CallSummary {
    pub direction: Direction,
    pub endpoint_type: Side,
    pub params: Vec<(String, String)>,
    pub old: Option<EndpointInfo>,
    pub new: Option<EndpointInfo>,
    pub dry_run: Option<DryRun>,
    /// The note of its end record, if any.
    pub note: Option<String>,
    pub intent_at: Option<String>,
    /// Who wrote the intent (command, pid, host), when the record says.
    pub intent_by: Option<String>,
    /// The same process, structured, when the record has it (newer versions).
    pub intent_process: Option<Process>,
    pub accepted_at: Option<String>,
    pub ended_at: Option<String>,
    pub state: CallState,
    /// Every status seen, with its time.
    pub statuses: Vec<(String, String)>,
}

impl CallSummary {
    /// Whether the process that wrote this call's intent still runs.
    pub fn liveness(&self) -> Liveness {
        liveness(self.intent_by.as_deref(), self.intent_process.as_ref())
    }
}

#[derive(Debug, Clone)]
pub struct PlanSummary {
    pub plan_id: String,
    /// The batch (older records: the plan id).
    pub batch_id: String,
    pub family: Family,
    pub family_reason: String,
    /// Every id of the job (at least `job_id`).
    pub job_ids: Vec<String>,
    pub dts_job_id: Option<String>,
    pub at: String,
    pub region: String,
    pub endpoint: String,
    pub access_key_id: String,
    pub job_id: String,
    pub job_name: String,
    pub topology: Topology,
    pub calls: Vec<CallSummary>,
    pub dismissed: bool,
    /// Who confirmed the plan (command, pid, host), when the record says.
    pub by: Option<String>,
    /// The same process, structured, when the record has it (newer versions).
    pub process: Option<Process>,
    /// Verification after the switch was started (and not necessarily finished).
    pub verify_started: bool,
    /// The verdict per switched direction, as journalled.
    pub verdicts: Vec<VerdictSummary>,
    /// Kept lean (see [`compact_old_plans`]).
    pub compacted: bool,
}

impl PlanSummary {
    /// Drops what only the history shows (see [`compact_old_plans`]).
    fn compact(&mut self) {
        self.family_reason = String::new();
        for c in &mut self.calls {
            c.params = Vec::new();
            c.old = None;
            c.new = None;
            c.dry_run = None;
            c.statuses = Vec::new();
        }
        for v in &mut self.verdicts {
            v.reason = String::new();
        }
        self.compacted = true;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerdictSummary {
    pub direction: Direction,
    pub verdict: crate::domain::outcome::Verdict,
    pub reason: String,
    pub at: String,
    pub status: Option<String>,
    pub delay_secs: Option<f64>,
}

/// What a plan needs from the operator or from us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Task(s) still running: follow them (index of the first).
    Follow(usize),
    /// A call's outcome is unknown: check by hand; never resent automatically.
    Unknown(usize),
    /// Earlier calls finished; call `index` was never sent: offer to continue.
    Continue(usize),
}

impl PlanSummary {
    /// The same DTS job: the same region and any id in common, whichever id each was
    /// named by (instance id, either direction's DtsJobId; case, spaces and the `dts`
    /// prefix of an instance id aside).
    pub fn same_job(&self, job_ids: &[String], region: &str) -> bool {
        self.region.trim().eq_ignore_ascii_case(region.trim())
            && ids_overlap(&self.job_ids, job_ids)
    }

    /// Call `i` was handed to the network by another process on this host that is
    /// still running: its answer may still come. Not an unknown outcome yet.
    pub fn in_flight(&self, i: usize) -> Option<&str> {
        let c = self.calls.get(i)?;
        match c.state {
            CallState::IntentOnly { .. } if c.liveness() == Liveness::Running => {
                c.intent_by.as_deref()
            }
            _ => None,
        }
    }

    /// Who wrote the plan's latest intent (or the plan), with its structured identity
    /// when the record has one.
    pub fn last_writer(&self) -> (Option<&str>, Option<&Process>) {
        self.calls
            .iter()
            .rev()
            .find(|c| c.intent_by.is_some() || c.intent_process.is_some())
            .map(|c| (c.intent_by.as_deref(), c.intent_process.as_ref()))
            .unwrap_or((self.by.as_deref(), self.process.as_ref()))
    }

    /// Whether the process that wrote the plan's latest intent (or the plan) still runs.
    pub fn last_liveness(&self) -> Liveness {
        let (by, p) = self.last_writer();
        liveness(by, p)
    }

    /// Another dts-switch process on this host that is still running handles the plan:
    /// who it is (its words). Judged by PID, boot, start time and program, not the PID
    /// alone.
    pub fn running_elsewhere(&self) -> Option<&str> {
        (self.last_liveness() == Liveness::Running)
            .then(|| self.last_by().unwrap_or("another process"))
    }

    /// What the plan waits for, in words (for refusals and lists).
    pub fn pending_text(&self) -> Option<String> {
        if let Some(Pending::Unknown(i)) = self.pending() {
            if let Some(by) = self.in_flight(i) {
                return Some(format!(
                    "call {} ({}) is being sent by {by}, which is still running: wait for it",
                    i + 1,
                    self.calls[i].direction
                ));
            }
            if let (CallState::IntentOnly { .. }, Liveness::OtherHost(_)) =
                (&self.calls[i].state, self.calls[i].liveness())
            {
                return Some(format!(
                    "the outcome of call {} ({}) is unknown: it was {}; it may have executed",
                    i + 1,
                    self.calls[i].direction,
                    self.calls[i].liveness().words()
                ));
            }
        }
        Some(match self.pending()? {
            Pending::Follow(i) => format!(
                "call {} ({}) was accepted and its task was not seen to end",
                i + 1,
                self.calls[i].direction
            ),
            Pending::Unknown(i) => format!(
                "the outcome of call {} ({}) is unknown: it may have executed",
                i + 1,
                self.calls[i].direction
            ),
            Pending::Continue(i) => format!(
                "call {} ({}) was never sent after call {} Finished",
                i + 1,
                self.calls[i].direction,
                i
            ),
        })
    }

    pub fn pending(&self) -> Option<Pending> {
        if self.dismissed {
            return None;
        }
        // A call that may have been sent counts wherever it is in the plan (records
        // that do not fit together must not hide it).
        for (i, c) in self.calls.iter().enumerate() {
            match &c.state {
                CallState::Done {
                    outcome: Outcome::Unknown,
                    ..
                }
                | CallState::IntentOnly { .. } => return Some(Pending::Unknown(i)),
                CallState::Done {
                    outcome: Outcome::Sent | Outcome::StillRunning,
                    ..
                }
                | CallState::Running { .. } => return Some(Pending::Follow(i)),
                _ => {}
            }
        }
        // Nothing is in flight: every call Finished, or the first one that did not was
        // never sent (offered when every earlier call finished) or ended otherwise.
        for (i, c) in self.calls.iter().enumerate() {
            match &c.state {
                CallState::Done {
                    outcome: Outcome::Finished,
                    ..
                } => continue,
                CallState::Done {
                    outcome: Outcome::NotSent,
                    ..
                }
                | CallState::NotStarted => return (i > 0).then_some(Pending::Continue(i)),
                _ => return None,
            }
        }
        None
    }

    /// The plan as the executor takes it, for continuing or following.
    pub fn to_plan(&self) -> Plan {
        Plan {
            id: self.plan_id.clone(),
            made_at: self.at.clone(),
            batch_id: self.batch_id.clone(),
            job_ids: self.job_ids.clone(),
            dts_job_id: self.dts_job_id.clone(),
            family: self.family,
            family_reason: self.family_reason.clone(),
            password: None,
            job_id: self.job_id.clone(),
            job_name: self.job_name.clone(),
            region: self.region.clone(),
            topology: self.topology,
            topology_overridden: false,
            warnings: vec![],
            calls: self
                .calls
                .iter()
                .map(|c| PlannedCall {
                    direction: c.direction,
                    endpoint_type: c.endpoint_type,
                    // Records from before RegionId was a planned parameter: the
                    // plan's region is what was meant.
                    params: crate::domain::plan::with_region(c.params.clone(), &self.region),
                    old: c.old.clone().unwrap_or_default(),
                    new: c.new.clone().unwrap_or_default(),
                    dry_run: c.dry_run.clone(),
                })
                .collect(),
        }
    }

    /// Every call of the plan Finished.
    /// No call of the plan was handed to the network, none is over, and the plan was
    /// not dismissed: a batch stopped (or killed) before this job began.
    pub fn never_begun(&self) -> bool {
        !self.dismissed
            && !self.calls.is_empty()
            && self
                .calls
                .iter()
                .all(|c| c.intent_at.is_none() && matches!(c.state, CallState::NotStarted))
    }

    pub fn all_finished(&self) -> bool {
        self.calls.iter().all(|c| {
            matches!(
                c.state,
                CallState::Done {
                    outcome: Outcome::Finished,
                    ..
                }
            )
        })
    }

    /// Every call Finished, verification was started, and a switched direction has no
    /// verdict yet (the process stopped while watching): `resume` goes on watching.
    pub fn needs_verification(&self) -> bool {
        !self.dismissed
            && self.verify_started
            && self.all_finished()
            && self
                .calls
                .iter()
                .any(|c| !self.verdicts.iter().any(|v| v.direction == c.direction))
    }

    /// Every call Finished but the job was not seen healthy afterwards: no verdict for a
    /// switched direction (never watched, e.g. `--no-wait`, or interrupted), or a verdict
    /// of failed, timed out or unreadable. `resume` watches such a plan (the latest of its
    /// job) again; skipped (`--no-verify`) is the operator's choice and stays.
    pub fn wants_watch(&self) -> bool {
        use crate::domain::outcome::Verdict;
        !self.dismissed
            && self.all_finished()
            && self.calls.iter().any(|c| {
                match self.verdicts.iter().find(|v| v.direction == c.direction) {
                    None => true,
                    Some(v) => matches!(
                        v.verdict,
                        Verdict::TimedOut | Verdict::Unreadable | Verdict::Failed
                    ),
                }
            })
    }

    /// Who wrote the plan's latest intent (or the plan), as the journal says.
    pub fn last_by(&self) -> Option<&str> {
        self.calls
            .iter()
            .rev()
            .find_map(|c| c.intent_by.as_deref())
            .or(self.by.as_deref())
    }

    /// The task id of call `i`, when it was accepted.
    pub fn task_id(&self, i: usize) -> Option<&str> {
        match &self.calls.get(i)?.state {
            CallState::Running { task_id, .. } => Some(task_id),
            CallState::Done { task_id, .. } => task_id.as_deref(),
            _ => None,
        }
    }
}

/// The forms an id may be written in: itself, and with or without the `dts` prefix a
/// DtsInstanceID has over its DtsJobId (§2.1), lowercased.
fn id_forms(id: &str) -> [String; 2] {
    let id = id.trim().to_ascii_lowercase();
    match id.strip_prefix("dts") {
        Some(rest) if !rest.is_empty() => [id.clone(), rest.to_string()],
        _ => [id.clone(), format!("dts{id}")],
    }
}

/// True when two lists of a job's ids name one job.
pub fn ids_overlap(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| {
        let fx = id_forms(x);
        b.iter().any(|y| {
            let fy = id_forms(y);
            fx.iter().any(|f| !f.is_empty() && fy.contains(f))
        })
    })
}

/// The latest plan of job `job_id` in `region` that still needs something (a task to
/// follow, an unknown outcome, a second call never sent): a new switch of that job must
/// wait until it is resumed or dismissed. Keyed on the job and region, never on how the
/// endpoint was spelled.
/// `except` names a plan that does not count (the one being sent).
pub fn pending_for<'a>(
    plans: &'a [PlanSummary],
    region: &str,
    job_ids: &[String],
    except: Option<&str>,
) -> Option<&'a PlanSummary> {
    plans.iter().rev().find(|p| {
        Some(p.plan_id.as_str()) != except && p.same_job(job_ids, region) && p.pending().is_some()
    })
}

/// Keep the plans older than the last [`KEEP_WHOLE`] lean once settled (see
/// [`compact_old_plans`]).
static COMPACT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The most recent plans kept whole when [`compact_old_plans`] is on.
pub const KEEP_WHOLE: usize = 500;

/// For a process that never shows the journal's history (the TUI): plans older than the
/// last [`KEEP_WHOLE`] that need nothing more lose what only the history shows (each
/// call's parameters, endpoints, dry run and status history, the family's reason), so
/// memory grows with what is open, not with years of history. Their ids, jobs, calls'
/// directions and states — all the guard and `resume` read — stay.
pub fn compact_old_plans() {
    COMPACT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The fold of records into per-plan summaries, one record at a time (the journal's
/// cache keeps one, so each record is folded once per process).
#[derive(Debug, Clone, Default)]
pub struct Folder {
    plans: Vec<PlanSummary>,
    index: BTreeMap<String, usize>,
    check: OrphanCheck,
}

impl Folder {
    /// The plans so far, in the order they were started.
    pub fn plans(&self) -> &[PlanSummary] {
        &self.plans
    }

    /// Records that do not fit together, by line (see [`orphans`]).
    pub fn orphans(&self) -> &[(usize, String)] {
        &self.check.orphans
    }

    /// Folds one more record in, read at 1-based `line`.
    pub fn add_at(&mut self, r: &Record, line: usize) {
        self.check.add(r, line);
        self.add(r);
    }

    /// Folds one more record in (its line unknown: no orphan check).
    fn add(&mut self, r: &Record) {
        if let Record::Plan {
            plan_id,
            at,
            region,
            endpoint,
            access_key_id,
            job_id,
            job_name,
            topology,
            calls,
            by,
            process,
            batch_id,
            job_ids,
            dts_job_id,
            family,
            family_reason,
        } = r
        {
            if self.index.contains_key(plan_id) {
                return;
            }
            self.index.insert(plan_id.clone(), self.plans.len());
            if COMPACT.load(std::sync::atomic::Ordering::Relaxed) && self.plans.len() >= KEEP_WHOLE
            {
                let at = self.plans.len() - KEEP_WHOLE;
                let old = &mut self.plans[at];
                if old.pending().is_none() && !old.compacted {
                    old.compact();
                }
            }
            let mut ids = vec![job_id.clone()];
            ids.extend(job_ids.iter().filter(|i| *i != job_id).cloned());
            self.plans.push(PlanSummary {
                plan_id: plan_id.clone(),
                batch_id: batch_id.clone().unwrap_or_else(|| plan_id.clone()),
                family: *family,
                family_reason: family_reason.clone(),
                job_ids: ids,
                dts_job_id: dts_job_id.clone(),
                at: at.clone(),
                region: region.clone(),
                endpoint: endpoint.clone(),
                access_key_id: access_key_id.clone(),
                job_id: job_id.clone(),
                job_name: job_name.clone(),
                topology: *topology,
                calls: calls
                    .iter()
                    .map(|c| CallSummary {
                        direction: c.direction,
                        endpoint_type: c.endpoint_type,
                        params: c.params.clone(),
                        old: c.old.clone(),
                        new: c.new.clone(),
                        dry_run: c.dry_run.clone(),
                        note: None,
                        intent_at: None,
                        intent_by: None,
                        intent_process: None,
                        accepted_at: None,
                        ended_at: None,
                        state: CallState::NotStarted,
                        statuses: vec![],
                    })
                    .collect(),
                dismissed: false,
                by: by.clone(),
                process: process.clone(),
                verify_started: false,
                verdicts: vec![],
                compacted: false,
            });
            return;
        }
        let Some(&p) = self.index.get(r.plan_id()) else {
            return;
        };
        let plan = &mut self.plans[p];
        match r {
            Record::Dismissed { .. } => {
                plan.dismissed = true;
                return;
            }
            Record::VerifyStarted { .. } => {
                plan.verify_started = true;
                return;
            }
            Record::Verified {
                at,
                direction,
                verdict,
                reason,
                status,
                delay_secs,
                ..
            } => {
                plan.verdicts.retain(|v| v.direction != *direction);
                plan.verdicts.push(VerdictSummary {
                    direction: *direction,
                    verdict: *verdict,
                    reason: reason.clone(),
                    at: at.clone(),
                    status: status.clone(),
                    delay_secs: *delay_secs,
                });
                return;
            }
            _ => {}
        }
        let call = match r {
            Record::Intent { index, .. }
            | Record::Accepted { index, .. }
            | Record::Status { index, .. }
            | Record::Done { index, .. } => match plan.calls.get_mut(*index) {
                Some(c) => c,
                None => return,
            },
            _ => return,
        };
        match r {
            Record::Intent {
                at, by, process, ..
            } => {
                call.intent_at = Some(at.clone());
                call.intent_by = by.clone();
                call.intent_process = process.clone();
                call.state = CallState::IntentOnly { at: at.clone() };
            }
            Record::Accepted {
                at,
                request_id,
                task_id,
                ..
            } => {
                call.accepted_at = Some(at.clone());
                call.state = CallState::Running {
                    task_id: task_id.clone(),
                    request_id: request_id.clone(),
                    last_status: None,
                };
            }
            Record::Status {
                at,
                status,
                task_id,
                ..
            } => {
                call.statuses.push((at.clone(), status.clone()));
                match &mut call.state {
                    CallState::Running { last_status, .. } => *last_status = Some(status.clone()),
                    CallState::Done { .. } => {}
                    other => {
                        *other = CallState::Running {
                            task_id: task_id.clone(),
                            request_id: None,
                            last_status: Some(status.clone()),
                        }
                    }
                }
            }
            Record::Done {
                at,
                outcome,
                request_id,
                task_id,
                status,
                error,
                note,
                ..
            } => {
                if note.is_some() {
                    call.note = note.clone();
                }
                // A later "finished/failed" from a resume overrides an earlier
                // "still running"/"sent"; a stale not-terminal record never
                // overrides a terminal one. "Not sent" never overrides a call that
                // has an intent: another process may have sent it.
                let terminal_before = matches!(
                    call.state,
                    CallState::Done {
                        outcome: Outcome::Finished | Outcome::Failed | Outcome::Refused,
                        ..
                    }
                );
                let stale_not_sent = *outcome == Outcome::NotSent && call.intent_at.is_some();
                if !terminal_before && !stale_not_sent {
                    let prev_req = match &call.state {
                        CallState::Running { request_id, .. } => request_id.clone(),
                        CallState::Done { request_id, .. } => request_id.clone(),
                        _ => None,
                    };
                    call.ended_at = Some(at.clone());
                    call.state = CallState::Done {
                        outcome: *outcome,
                        task_id: task_id.clone(),
                        request_id: request_id.clone().or(prev_req),
                        status: status.clone(),
                        error: error.clone(),
                    };
                }
            }
            _ => {}
        }
    }
}

/// Folds records into per-plan summaries, in the order plans were started.
pub fn summarize(records: &[Record]) -> Vec<PlanSummary> {
    let mut f = Folder::default();
    for r in records {
        f.add(r);
    }
    f.plans
}

pub fn plan_record(plan: &Plan, endpoint: &str, masked_ak: &str, by: &str) -> Record {
    Record::Plan {
        by: Some(by.to_string()),
        process: process_for(by),
        plan_id: plan.id.clone(),
        at: now(),
        region: plan.region.clone(),
        endpoint: endpoint.to_string(),
        access_key_id: masked_ak.to_string(),
        job_id: plan.job_id.clone(),
        job_name: plan.job_name.clone(),
        topology: plan.topology,
        calls: plan
            .calls
            .iter()
            .map(|c| JournalCall {
                direction: c.direction,
                endpoint_type: c.endpoint_type,
                params: c.params.clone(),
                old: Some(c.old.clone()),
                new: Some(c.new.clone()),
                dry_run: c.dry_run.clone(),
            })
            .collect(),
        batch_id: Some(plan.batch_id.clone()),
        job_ids: plan.job_ids.clone(),
        dts_job_id: plan.dts_job_id.clone(),
        family: plan.family,
        family_reason: plan.family_reason.clone(),
    }
}

/// One batch of the journal: its plans (jobs) and how their calls stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    pub batch_id: String,
    /// When its first plan was confirmed.
    pub at: String,
    pub jobs: usize,
    pub regions: Vec<String>,
    pub calls: usize,
    /// (state word, calls in it), in order of first appearance.
    pub states: Vec<(String, usize)>,
    /// Plans that still need the operator (`resume --batch`).
    pub pending: usize,
}

/// The batches of `plans`, in the order of their first plan.
pub fn batches(plans: &[PlanSummary]) -> Vec<BatchSummary> {
    let mut out: Vec<BatchSummary> = Vec::new();
    for p in plans {
        let i = match out.iter().position(|b| b.batch_id == p.batch_id) {
            Some(i) => i,
            None => {
                out.push(BatchSummary {
                    batch_id: p.batch_id.clone(),
                    at: p.at.clone(),
                    jobs: 0,
                    regions: Vec::new(),
                    calls: 0,
                    states: Vec::new(),
                    pending: 0,
                });
                out.len() - 1
            }
        };
        let b = &mut out[i];
        b.jobs += 1;
        if !b.regions.contains(&p.region) {
            b.regions.push(p.region.clone());
        }
        if p.pending().is_some() || p.never_begun() {
            b.pending += 1;
        }
        for c in &p.calls {
            b.calls += 1;
            let w = state_word(&c.state);
            match b.states.iter_mut().find(|(x, _)| *x == w) {
                Some((_, n)) => *n += 1,
                None => b.states.push((w, 1)),
            }
        }
    }
    out
}
