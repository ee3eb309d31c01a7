//! The one driver of a plan: its calls in order through the guard, each followed to
//! its end, then the job watched until each switched direction has a verdict, and the
//! next step decided — as data. `switch`, `resume` and the TUI's progress screen render
//! what it returns; none of them sequences switch → verify → next step itself.

use crate::domain::call::Plan;
use crate::domain::executor::{self, CallOutcome, ExecOptions, Handler, Outcome, ProgressEvent};
use crate::domain::guard::Sender;
use crate::domain::verify::{self, DirectionVerdict, Verdict};

/// How the run ends for the operator: what to do next. Words are the renderers'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Every switched direction is healthy (or verification was skipped on purpose).
    Done,
    /// Switched, but a direction is not healthy: look at the job; `resume` watches again.
    NotHealthy,
    /// Call `index` could not be recorded in the journal: fix the journal first.
    FixJournal { index: usize },
    /// Call `index` was refused by the guard (nothing sent).
    NotSent { index: usize },
    /// The outcome of call `index` is unknown: check the job, never resend blindly.
    CheckByHand { index: usize },
    /// Call `index` is still going on in the service: `resume` follows it.
    Follow { index: usize },
    /// Call `index` failed or was refused: fix the cause, redo it.
    Redo { index: usize },
    /// The last call was sent and not followed (`--no-wait`).
    NotFollowed { index: usize },
    /// The operator stopped the run: call `index` and those after it were not sent
    /// (`resume --batch` sends them).
    Stopped { index: usize },
}

/// What one run of a plan did.
#[derive(Debug, Clone)]
pub struct PlanRun {
    /// The calls `start..` of the plan, in order.
    pub start: usize,
    pub outcomes: Vec<CallOutcome>,
    /// The verdicts of the watch after the switch, when every call finished.
    pub verdicts: Option<Vec<DirectionVerdict>>,
    /// A verdict could not be journalled.
    pub verify_journal_error: Option<String>,
    pub next: NextStep,
}

impl PlanRun {
    /// The calls that were not sent, as (index in the plan, outcome).
    pub fn not_sent(&self) -> impl Iterator<Item = (usize, &CallOutcome)> {
        self.outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| o.outcome == Outcome::NotSent)
            .map(|(i, o)| (self.start + i, o))
    }
}

/// The watch after every call of `plan` finished (now, or in an earlier run: `resume`
/// goes on with it): each switched direction until a verdict, journalled; `verify_opts`
/// None journals them as skipped. Returns the verdicts and a journal error, if any.
pub async fn watch_after(
    s: &Sender,
    plan: &Plan,
    verify_opts: Option<&verify::VerifyOptions>,
    on_event: &mut Handler<'_>,
) -> (Vec<DirectionVerdict>, Option<String>) {
    let mut journal_error = None;
    let v = match verify_opts {
        None => {
            let (v, written) = verify::record_skipped(s, plan);
            if let Err(e) = written {
                journal_error = Some(e.to_string());
            }
            v
        }
        Some(vo) => {
            let mut on = |ev: &verify::VerifyEvent| {
                if let verify::VerifyEvent::JournalError(e) = ev {
                    journal_error.get_or_insert(e.clone());
                }
                on_event(&ProgressEvent::Verify(ev.clone()))
            };
            verify::verify_plan(s, plan, vo, &mut on).await
        }
    };
    (v, journal_error)
}

/// Decides the next step from the outcomes and verdicts (indexes are the plan's).
pub fn next_step(
    start: usize,
    outcomes: &[CallOutcome],
    verdicts: Option<&[DirectionVerdict]>,
) -> NextStep {
    let at = |i: usize| start + i;
    if let Some((i, _)) = outcomes
        .iter()
        .enumerate()
        .find(|(_, o)| o.refusal.is_some())
    {
        return NextStep::NotSent { index: at(i) };
    }
    if let Some((i, _)) = outcomes
        .iter()
        .enumerate()
        .find(|(_, o)| o.journal_error.is_some())
    {
        return NextStep::FixJournal { index: at(i) };
    }
    if let Some((i, _)) = outcomes
        .iter()
        .enumerate()
        .find(|(_, o)| o.outcome == Outcome::Unknown)
    {
        return NextStep::CheckByHand { index: at(i) };
    }
    if let Some((i, _)) = outcomes
        .iter()
        .enumerate()
        .find(|(_, o)| o.outcome == Outcome::StillRunning)
    {
        return NextStep::Follow { index: at(i) };
    }
    if let Some((i, _)) = outcomes
        .iter()
        .enumerate()
        .find(|(_, o)| matches!(o.outcome, Outcome::Failed | Outcome::Refused))
    {
        return NextStep::Redo { index: at(i) };
    }
    if let Some((i, _)) = outcomes
        .iter()
        .enumerate()
        .find(|(_, o)| o.outcome == Outcome::Sent)
    {
        return NextStep::NotFollowed { index: at(i) };
    }
    if let Some((i, _)) = outcomes.iter().enumerate().find(|(_, o)| o.stopped) {
        return NextStep::Stopped { index: at(i) };
    }
    if outcomes.iter().any(|o| o.outcome == Outcome::NotSent) {
        // Not sent because an earlier direction was not healthy (maintained two-way).
        return NextStep::NotHealthy;
    }
    match verdicts {
        Some(v)
            if v.iter()
                .all(|d| matches!(d.verdict, Verdict::Healthy | Verdict::Skipped)) =>
        {
            NextStep::Done
        }
        Some(_) => NextStep::NotHealthy,
        None => NextStep::Done,
    }
}

/// Runs calls `start..` of `plan` (see the module docs); `verify_opts` None skips the
/// watch after the switch (`--no-verify`, journalled as skipped). Verification events
/// come as [`ProgressEvent::Verify`].
pub async fn run_plan(
    s: &Sender,
    plan: &Plan,
    start: usize,
    opts: &ExecOptions,
    verify_opts: Option<&verify::VerifyOptions>,
    on_event: &mut Handler<'_>,
) -> PlanRun {
    let outcomes = executor::execute(s, plan, start, opts, on_event).await;
    finish_run(s, plan, start, outcomes, verify_opts, on_event).await
}

/// After the calls of a run: watch the job when every call (and every call before
/// `start`) finished, and decide the next step.
pub async fn finish_run(
    s: &Sender,
    plan: &Plan,
    start: usize,
    outcomes: Vec<CallOutcome>,
    verify_opts: Option<&verify::VerifyOptions>,
    on_event: &mut Handler<'_>,
) -> PlanRun {
    let all_finished = outcomes
        .iter()
        .all(|o| o.outcome == Outcome::Finished && o.journal_error.is_none());
    let mut verify_journal_error = None;
    let verdicts = if all_finished && !outcomes.is_empty() {
        let (v, e) = watch_after(s, plan, verify_opts, on_event).await;
        verify_journal_error = e;
        Some(v)
    } else {
        None
    };
    let next = next_step(start, &outcomes, verdicts.as_deref());
    PlanRun {
        start,
        outcomes,
        verdicts,
        verify_journal_error,
        next,
    }
}
