//! Fleet failover: every job behind one database, in every region searched, planned
//! and run as one batch. A target is a job, the request for it (which side the
//! database is on, which directions list it) and its region's client; [`plan_batch`]
//! makes each job's plan with the one planner (family per job, dry runs); [`run_batch`]
//! runs the plans a few jobs at a time, each through the one driver (and so the one
//! guard), each job's own order kept. The CLI and the TUI render what these return.
//!
//! The expected old endpoint of every call is the endpoint the search found on that
//! side (the plan's `old`): right before each write the guard reads the side again and
//! skips the job as "changed since the plan" when it shows anything else.

use crate::domain::call::{ApiChoice, Family};
use crate::domain::call::{Direction, Plan, SwitchRequest};
use crate::domain::drive::{self, PlanRun};
use crate::domain::executor::{CallOutcome, ExecOptions, Outcome, ProgressEvent};
use crate::domain::find::{JobUse, Match};
use crate::domain::guard::Sender;
use crate::domain::job::Job;
use crate::domain::planner::{self, PlanFailure};
use crate::domain::rules::ValidEndpoint;
use crate::domain::service::Port;
use crate::domain::verify::{Verdict, VerifyOptions};
use crate::domain::Topology;
use std::sync::Arc;

/// Jobs run at once unless the operator says otherwise (`--parallel`).
pub const DEFAULT_PARALLEL: usize = 4;
/// The most jobs run at once (each polls its job every few seconds).
pub const MAX_PARALLEL: usize = 32;
/// Plans (dry runs) made at once.
const PLANS_IN_FLIGHT: usize = 4;

/// One job to change, in its region.
#[derive(Clone)]
pub struct Target {
    pub region: String,
    /// The region's client (its endpoint and RegionId).
    pub client: Port,
    pub job: Job,
    pub request: SwitchRequest,
    pub api: ApiChoice,
    /// Where the target comes from, when that helps (`runbook line 12`).
    pub origin: Option<String>,
}

/// The request of a job found by its old endpoint: the database's side as the job uses
/// it (named as in the Forward direction), only the direction that lists it when just
/// one direction of a two-way job does. Err: why the job cannot be planned this way.
pub fn request_for(
    job: &Job,
    usage: &JobUse,
    endpoint: &ValidEndpoint,
) -> Result<SwitchRequest, String> {
    let database = match usage.database.as_slice() {
        [one] => *one,
        _ => {
            return Err(format!(
                "job {} uses the old endpoint on both sides; switch it by hand with `dts-switch switch --job {} --database source|destination`",
                job.id, job.id
            ))
        }
    };
    let has = |d: Direction| usage.changes.iter().any(|c| c.direction == d);
    let only_direction = match job.detected_topology() {
        Topology::TwoWay if has(Direction::Forward) && !has(Direction::Reverse) => {
            Some(Direction::Forward)
        }
        Topology::TwoWay if has(Direction::Reverse) && !has(Direction::Forward) => {
            Some(Direction::Reverse)
        }
        _ => None,
    };
    Ok(SwitchRequest {
        database,
        endpoint: endpoint.clone(),
        only_direction,
        topology: None,
    })
}

/// The targets of a search's matches: each with its request, or the reason it has
/// none (by match, in order).
pub fn targets_of(
    matches: &[Match],
    client_of: impl Fn(&str) -> Port,
    endpoint: &ValidEndpoint,
    api: ApiChoice,
) -> Vec<Result<Target, (Box<Match>, String)>> {
    matches
        .iter()
        .map(|m| match request_for(&m.job, &m.usage, endpoint) {
            Ok(request) => Ok(Target {
                region: m.region.clone(),
                client: client_of(&m.region),
                job: m.job.clone(),
                request,
                api,
                origin: m.usage.note.clone(),
            }),
            Err(why) => Err((Box::new(m.clone()), why)),
        })
        .collect()
}

/// One job of a batch: its plan, or why there is none.
#[derive(Clone)]
pub struct Item {
    pub region: String,
    pub job: Job,
    /// The sender of the job's region (its client; the batch's journal).
    pub sender: Sender,
    pub plan: Result<Plan, ItemProblem>,
    pub origin: Option<String>,
}

/// Why a job of a batch has no plan to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemProblem {
    /// The request does not fit the job (bad input: nothing was sent).
    BadRequest(String),
    /// A dry run got no usable answer (nothing real was sent).
    NoDryRunAnswer(String),
}

impl std::fmt::Display for ItemProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemProblem::BadRequest(s) | ItemProblem::NoDryRunAnswer(s) => f.write_str(s),
        }
    }
}

impl Item {
    /// The plan exists and every dry run it has passed.
    pub fn ready(&self) -> bool {
        self.plan.as_ref().is_ok_and(planner::dry_runs_passed)
    }
}

/// A planned batch: one id for every plan, the jobs in the order given.
#[derive(Clone)]
pub struct Batch {
    pub id: String,
    pub items: Vec<Item>,
}

/// What the preview's count line says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub jobs: usize,
    pub regions: usize,
    pub calls: usize,
    pub two_way: usize,
    pub legacy: usize,
    pub maintained: usize,
    /// Maintained calls whose dry run was made.
    pub dry_runs: usize,
    pub dry_runs_failed: usize,
    /// Jobs without a plan.
    pub unplanned: usize,
}

impl Batch {
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            jobs: self.items.len(),
            ..Counts::default()
        };
        let mut regions: Vec<&str> = Vec::new();
        for it in &self.items {
            if !regions.contains(&it.region.as_str()) {
                regions.push(&it.region);
            }
            let Ok(p) = &it.plan else {
                c.unplanned += 1;
                continue;
            };
            c.calls += p.calls.len();
            if p.topology == Topology::TwoWay {
                c.two_way += 1;
            }
            match p.family {
                Family::Legacy => c.legacy += 1,
                Family::Maintained => c.maintained += 1,
            }
            for call in &p.calls {
                if let Some(d) = &call.dry_run {
                    c.dry_runs += 1;
                    if !d.passed {
                        c.dry_runs_failed += 1;
                    }
                }
            }
        }
        c.regions = regions.len();
        c
    }

    /// The warnings more than one job's plan has, each with the number of plans that
    /// have it (said once for the batch, not once per job).
    pub fn shared_warnings(&self) -> Vec<(String, usize)> {
        let mut all: Vec<(String, usize)> = Vec::new();
        for p in self.items.iter().filter_map(|i| i.plan.as_ref().ok()) {
            for w in &p.warnings {
                match all.iter_mut().find(|(x, _)| x == w) {
                    Some((_, n)) => *n += 1,
                    None => all.push((w.clone(), 1)),
                }
            }
        }
        all.retain(|(_, n)| *n > 1);
        all
    }

    /// The jobs that block the batch: no plan, or a dry run that failed.
    pub fn blocking(&self) -> Vec<&Item> {
        self.items.iter().filter(|i| !i.ready()).collect()
    }

    /// The plans to run: every ready job's (the others are left out).
    pub fn runnable(&self) -> Vec<(Sender, Plan)> {
        self.items
            .iter()
            .filter(|i| i.ready())
            .filter_map(|i| i.plan.as_ref().ok().map(|p| (i.sender.clone(), p.clone())))
            .collect()
    }
}

/// The same job twice (one listed in a region by two searches, or named by two ids):
/// the first one counts.
fn dedup(targets: Vec<Target>) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for t in targets {
        let ids = t.job.ids();
        let dup = out.iter().any(|o| {
            o.region.eq_ignore_ascii_case(&t.region) && ids.iter().any(|id| o.job.has_id(id))
        });
        if !dup {
            out.push(t);
        }
    }
    out
}

/// Plans every target (a few at a time: the maintained family's dry runs are calls),
/// all under one batch id; `base` is the batch's sender (journal, who), whose client is
/// replaced by each target's region client. Nothing is sent that changes anything.
pub async fn plan_batch(targets: Vec<Target>, base: &Sender) -> Batch {
    let batch_id = uuid::Uuid::new_v4().to_string();
    let targets = dedup(targets);
    let permits = Arc::new(tokio::sync::Semaphore::new(PLANS_IN_FLIGHT));
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in targets.iter().cloned().enumerate() {
        let permits = permits.clone();
        set.spawn(async move {
            let _p = permits.acquire_owned().await;
            let r = planner::make_plan(&t.client, &t.job, &t.region, &t.request, t.api).await;
            (i, r)
        });
    }
    let mut plans: Vec<Option<Result<Plan, PlanFailure>>> = targets.iter().map(|_| None).collect();
    while let Some(j) = set.join_next().await {
        if let Ok((i, r)) = j {
            plans[i] = Some(r);
        }
    }
    let items = targets
        .into_iter()
        .zip(plans)
        .map(|(t, r)| {
            let plan = match r {
                Some(Ok(mut p)) => {
                    p.batch_id = batch_id.clone();
                    Ok(p)
                }
                Some(Err(PlanFailure::Plan(e))) => Err(ItemProblem::BadRequest(e.to_string())),
                Some(Err(e @ PlanFailure::DryRunError(_))) => {
                    Err(ItemProblem::NoDryRunAnswer(e.to_string()))
                }
                None => Err(ItemProblem::NoDryRunAnswer(
                    "planning stopped (internal error); nothing was sent".into(),
                )),
            };
            Item {
                region: t.region.clone(),
                sender: Sender {
                    client: t.client.clone(),
                    ..base.clone()
                },
                job: t.job,
                plan,
                origin: t.origin,
            }
        })
        .collect();
    Batch {
        id: batch_id,
        items,
    }
}

/// Writes the plan record of every plan to run, before the first call of any: the
/// journal knows the whole batch, so `resume --batch` can send what a stopped or killed
/// run never began. Err: the journal cannot be written (nothing was sent).
pub fn record_plans(work: &[(Sender, Plan)]) -> Result<(), String> {
    for (s, p) in work {
        s.journal
            .append(&crate::domain::journal::plan_record(
                p,
                &s.endpoint,
                &s.masked_ak,
                &s.by,
            ))
            .map_err(|e| {
                format!(
                    "cannot write the journal {}: {e}",
                    s.journal.path().display()
                )
            })?;
    }
    Ok(())
}

/// How one job of a batch ended, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobResult {
    /// Every switched direction verified healthy.
    Healthy,
    /// Switched; verification skipped (`--no-verify`) or the last call not followed
    /// (`--no-wait`).
    NotVerified,
    /// Switched, but not healthy afterwards (or the Reverse call held back for it).
    NotHealthy,
    /// A call failed or was refused by the service.
    Failed,
    /// The guard sent nothing (changed since the plan, an unfinished change, …).
    NotSent,
    /// The operator stopped the batch before this job's calls (resumable).
    Stopped,
    /// A two-way job whose first call finished and whose next one was not sent (the
    /// operator stopped the batch): the job is split between the old and the new
    /// database until `resume --batch` sends the rest.
    HalfSwitched,
    /// Left out of the run: no plan, or a failed dry run (`--skip-failed-dry-runs`).
    Skipped,
    /// A call's outcome is unknown: check by hand, never resend blindly.
    Unknown,
}

impl JobResult {
    pub fn as_str(self) -> &'static str {
        match self {
            JobResult::Healthy => "healthy",
            JobResult::NotVerified => "switched, not verified",
            JobResult::NotHealthy => "NOT HEALTHY",
            JobResult::Failed => "FAILED",
            JobResult::NotSent => "not sent",
            JobResult::Stopped => "stopped, not sent",
            JobResult::HalfSwitched => "HALF SWITCHED (stopped after its first call)",
            JobResult::Skipped => "skipped",
            JobResult::Unknown => "UNKNOWN",
        }
    }
}

/// The result of one run of a job's plan.
pub fn job_result(run: &PlanRun) -> JobResult {
    let o = &run.outcomes;
    if o.iter().any(|c| {
        matches!(c.outcome, Outcome::Unknown | Outcome::StillRunning) || c.journal_error.is_some()
    }) || run.verify_journal_error.is_some()
    {
        return JobResult::Unknown;
    }
    if o.iter().any(|c| c.refusal.is_some()) {
        return JobResult::NotSent;
    }
    if o.iter()
        .any(|c| matches!(c.outcome, Outcome::Failed | Outcome::Refused))
    {
        return JobResult::Failed;
    }
    if o.iter().any(|c| c.stopped) {
        if o.iter().any(|c| c.outcome == Outcome::Finished) {
            return JobResult::HalfSwitched;
        }
        return JobResult::Stopped;
    }
    if o.iter().any(|c| c.outcome == Outcome::NotSent) {
        return JobResult::NotHealthy;
    }
    match &run.verdicts {
        Some(v) if v.iter().all(|d| d.verdict == Verdict::Healthy) => JobResult::Healthy,
        Some(v)
            if v.iter()
                .all(|d| matches!(d.verdict, Verdict::Healthy | Verdict::Skipped)) =>
        {
            JobResult::NotVerified
        }
        Some(_) => JobResult::NotHealthy,
        None => JobResult::NotVerified,
    }
}

/// Runs the plans, at most `parallel` jobs at a time, each through the one driver (its
/// calls in order, the guard before each, progress, verification). One job's failure,
/// refusal or unknown outcome stops nothing else. `opts.stop` stops new calls (the jobs
/// not begun end `Stopped`); what was sent is still followed. Events come tagged with
/// the job's index in `work`. Returns one run per plan, in order.
pub async fn run_batch(
    work: Vec<(Sender, Plan)>,
    parallel: usize,
    opts: &ExecOptions,
    verify_opts: Option<&VerifyOptions>,
    on_event: &mut (dyn FnMut(usize, &ProgressEvent) + Send),
) -> Vec<PlanRun> {
    let n = work.len();
    let plans: Vec<Plan> = work.iter().map(|(_, p)| p.clone()).collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, ProgressEvent)>();
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel.clamp(1, MAX_PARALLEL)));
    let mut set = tokio::task::JoinSet::new();
    for (i, (sender, plan)) in work.into_iter().enumerate() {
        let (tx, permits, opts) = (tx.clone(), permits.clone(), opts.clone());
        let vo = verify_opts.cloned();
        set.spawn(async move {
            let _p = permits.acquire_owned().await;
            let mut h = |ev: &ProgressEvent| {
                let _ = tx.send((i, ev.clone()));
            };
            let run = drive::run_plan(&sender, &plan, 0, &opts, vo.as_ref(), &mut h).await;
            (i, run)
        });
    }
    drop(tx);
    let mut runs: Vec<Option<PlanRun>> = (0..n).map(|_| None).collect();
    let mut open = true;
    loop {
        tokio::select! {
            ev = rx.recv(), if open => match ev {
                Some((i, ev)) => on_event(i, &ev),
                None => open = false,
            },
            j = set.join_next() => match j {
                Some(Ok((i, run))) => runs[i] = Some(run),
                Some(Err(e)) => tracing::error!(error = %e, "a job's run stopped"),
                None => break,
            },
        }
    }
    while let Ok((i, ev)) = rx.try_recv() {
        on_event(i, &ev);
    }
    runs.into_iter()
        .zip(plans)
        .map(|(r, p)| r.unwrap_or_else(|| lost_run(&p)))
        .collect()
}

/// A job whose run stopped without an answer (an internal error): every call's outcome
/// is unknown, so nothing is resent blindly.
fn lost_run(p: &Plan) -> PlanRun {
    let outcomes: Vec<CallOutcome> = p
        .calls
        .iter()
        .map(|c| {
            let mut o = CallOutcome::new(c, Outcome::Unknown);
            o.error = Some(
                "the job's run stopped (internal error): check the job; `dts-switch resume` reads it"
                    .into(),
            );
            o
        })
        .collect();
    let next = drive::next_step(0, &outcomes, None);
    PlanRun {
        start: 0,
        outcomes,
        verdicts: None,
        verify_journal_error: None,
        next,
    }
}

/// The targets a batch may take: every one whose job has a request (see
/// [`targets_of`]) and no unfinished change in the journal (the guard's rule for a new
/// switch). Err: a line per job that cannot be in the batch (`region job: why`);
/// nothing is sent for any of them.
pub fn admit(
    candidates: Vec<Result<Target, (Box<Match>, String)>>,
    journal: &crate::domain::journal::Journal,
) -> Result<Vec<Target>, Vec<String>> {
    use crate::text::clean;
    let mut targets = Vec::new();
    let mut refused = Vec::new();
    for t in candidates {
        match t {
            Ok(t) => match crate::domain::guard::check_new_switch(journal, &t.job.ids(), &t.region)
            {
                Ok(()) => targets.push(t),
                Err(r) => refused.push(format!(
                    "{} {}{}: {r}",
                    clean(&t.region),
                    clean(&t.job.id),
                    t.origin
                        .as_deref()
                        .filter(|o| o.starts_with("runbook"))
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default()
                )),
            },
            Err((m, why)) => refused.push(format!(
                "{} {}: {}",
                clean(&m.region),
                clean(&m.job.id),
                clean(&why)
            )),
        }
    }
    if refused.is_empty() {
        Ok(targets)
    } else {
        Err(refused)
    }
}
