//! The progress screen: one row per call of the plan on screen, fed by the executor's
//! events and by fresh reads of the journal; its keys and its rendering.

use crate::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use crate::domain::journal::{CallState, CallSummary, PlanSummary};
use crate::domain::plan::{Direction, Plan, Side};
use crate::domain::Job;
use crate::tui::keymap::Action;
use crate::tui::shared::{move_sel, Effect, JournalView, Overlay, PreviewState, Screen, Shell};
use crate::tui::theme::Theme;
use crate::tui::widgets::*;
use ratatui::prelude::*;
use ratatui::widgets::*;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct CallRow {
    pub direction: Direction,
    pub endpoint_type: Side,
    pub request_id: Option<String>,
    /// The legacy family's switch task (the maintained family has none).
    pub task_id: Option<String>,
    /// The service took the call (with or without a TaskId).
    pub accepted: bool,
    /// The last status read: the switch task's (legacy) or the direction's (maintained).
    pub status: Option<String>,
    pub outcome: Option<Outcome>,
    pub error: Option<String>,
    pub started: Option<Instant>,
    pub ended: Option<Instant>,
    /// Not part of this run (done earlier, e.g. before a resume).
    pub note: Option<String>,
    pub sending: bool,
    /// Who sent it, as the journal says (another process, maybe).
    pub sent_by: Option<String>,
    /// A journal record about this call could not be written.
    pub journal_error: Option<String>,
    /// When it was sent, RFC 3339 UTC (the executor's event, or the journal's intent).
    pub sent_at: Option<String>,
    /// When it was over, RFC 3339 UTC, as the journal says.
    pub ended_at: Option<String>,
    /// The executor's record of the call once it is over in this process (the ticket
    /// block renders it as `switch` does).
    pub record: Option<CallOutcome>,
}

/// One switched direction watched after the switch.
#[derive(Debug, Clone)]
pub struct VerifyRow {
    pub direction: Direction,
    pub status: Option<String>,
    pub delay_secs: Option<f64>,
    pub checkpoint_age_secs: Option<u64>,
    /// Every delay read, for the trend chart.
    pub delays: Vec<u64>,
    pub verdict: Option<(crate::domain::verify::Verdict, String)>,
    pub read_error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ProgressState {
    pub plan: Plan,
    pub rows: Vec<CallRow>,
    pub running: bool,
    /// After every call Finished: each switched direction being watched.
    pub verify: Vec<VerifyRow>,
    /// The watch is running.
    pub verifying: bool,
    /// Another live process is handling this plan (this screen only watches).
    pub owner: Option<String>,
    pub selected: usize,
    /// The operator dismissed this plan's unknown outcome.
    pub dismissed: bool,
}

impl CallRow {
    /// Sent, or being sent (the service may have it).
    pub fn was_sent(&self) -> bool {
        self.sending || self.accepted || self.task_id.is_some()
    }
}

impl ProgressState {
    pub(crate) fn new(plan: Plan) -> Self {
        let rows = plan
            .calls
            .iter()
            .map(|c| CallRow {
                direction: c.direction,
                endpoint_type: c.endpoint_type,
                request_id: None,
                task_id: None,
                accepted: false,
                status: None,
                outcome: None,
                error: None,
                started: None,
                ended: None,
                note: None,
                sending: false,
                sent_by: None,
                journal_error: None,
                sent_at: None,
                ended_at: None,
                record: None,
            })
            .collect();
        ProgressState {
            plan,
            rows,
            running: false,
            verify: vec![],
            verifying: false,
            owner: None,
            selected: 0,
            dismissed: false,
        }
    }

    /// The run has ended here (nothing is sent, followed or watched now) and some call
    /// has an outcome: its ticket block says how it ended.
    pub fn ticket_ready(&self) -> bool {
        !self.running && !self.verifying && self.rows.iter().any(|r| r.outcome.is_some())
    }

    /// The ticket-ready block of this plan, the one `switch` prints at its end
    /// ([`crate::present::ticket_block`]): every call (the executor's record when this
    /// process ran it, else what the rows and the journal say), the watch's verdicts
    /// once every direction has one, and the result with its exit code.
    pub fn ticket(&self) -> String {
        let outcomes: Vec<CallOutcome> = self
            .plan
            .calls
            .iter()
            .zip(&self.rows)
            .map(|(c, r)| {
                if let Some(o) = &r.record {
                    return o.clone();
                }
                let outcome = r.outcome.unwrap_or(if r.was_sent() {
                    Outcome::StillRunning
                } else {
                    Outcome::NotSent
                });
                let mut o = CallOutcome::new(c, outcome);
                o.request_id = r.request_id.clone();
                o.task_id = r.task_id.clone();
                o.status = r.status.clone();
                o.error = r.error.clone();
                o.sent_at = r.sent_at.clone();
                o.ended_at = r.ended_at.clone();
                o.note = r.note.clone();
                o.journal_error = r.journal_error.clone();
                o
            })
            .collect();
        let verdicts: Option<Vec<crate::domain::verify::DirectionVerdict>> =
            (!self.verify.is_empty())
                .then(|| {
                    self.verify
                        .iter()
                        .map(|v| {
                            v.verdict.as_ref().map(|(verdict, reason)| {
                                crate::domain::verify::DirectionVerdict {
                                    direction: v.direction,
                                    verdict: *verdict,
                                    reason: reason.clone(),
                                    last: None,
                                    samples: v.delays.len(),
                                }
                            })
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .flatten();
        let code = crate::present::exit_code(&outcomes, verdicts.as_deref());
        crate::present::ticket_block(&self.plan, &outcomes, 0, verdicts.as_deref(), code)
    }

    /// The first call that failed or was refused, if any.
    pub fn failed_index(&self) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| matches!(r.outcome, Some(Outcome::Failed | Outcome::Refused)))
    }

    /// The first call never sent after every earlier one finished.
    pub fn continue_index(&self) -> Option<usize> {
        if self.owner.is_some() {
            return None;
        }
        let i = self
            .rows
            .iter()
            .position(|r| r.outcome != Some(Outcome::Finished))?;
        let r = &self.rows[i];
        (i > 0 && matches!(r.outcome, None | Some(Outcome::NotSent)) && !r.was_sent()).then_some(i)
    }

    /// After a dismissed unknown call: the first later call never sent (it can be sent
    /// alone, as a new plan).
    pub fn after_dismissed_index(&self) -> Option<usize> {
        if !self.dismissed {
            return None;
        }
        let u = self
            .rows
            .iter()
            .position(|r| r.outcome == Some(Outcome::Unknown))?;
        self.rows
            .iter()
            .enumerate()
            .skip(u + 1)
            .find(|(_, r)| !r.was_sent() && matches!(r.outcome, None | Some(Outcome::NotSent)))
            .map(|(i, _)| i)
    }

    /// The watch after the switch ended, and a direction is not healthy.
    pub fn not_healthy(&self) -> bool {
        !self.verifying
            && self.verify.iter().any(|v| {
                v.verdict.as_ref().is_some_and(|(x, _)| {
                    !matches!(
                        x,
                        crate::domain::verify::Verdict::Healthy
                            | crate::domain::verify::Verdict::Skipped
                    )
                })
            })
    }

    /// An unknown outcome the operator has not dismissed yet.
    pub fn has_unknown(&self) -> bool {
        !self.dismissed
            && self
                .rows
                .iter()
                .any(|r| r.outcome == Some(Outcome::Unknown))
    }

    pub fn all_finished(&self) -> bool {
        self.rows
            .iter()
            .all(|r| r.outcome == Some(Outcome::Finished))
    }

    /// The next step to show when nothing runs.
    pub fn next_step(&self) -> String {
        let job = &self.plan.job_id;
        if self.running && self.plan.family.has_dry_run() {
            return "Following each change by its direction's status… it goes on in the service even if you leave.".into();
        }
        if self.running {
            return "Following the tasks… they go on in the service even if you leave.".into();
        }
        if let (Some(o), false) = (&self.owner, self.all_finished()) {
            return format!(
                "{o} is running this switch; this screen shows what it records in the journal."
            );
        }
        if self.verifying {
            return "Switched. Watching the job until it replicates again (status, delay, checkpoint); it goes on in the service if you leave.".into();
        }
        if self.all_finished() && !self.verify.is_empty() {
            use crate::domain::verify::Verdict;
            let job = crate::text::clean(job);
            if let Some((d, (_, why))) = self.verify.iter().find_map(|v| {
                v.verdict
                    .as_ref()
                    .filter(|(x, _)| *x == Verdict::Failed)
                    .map(|x| (v.direction, x))
            }) {
                return format!("The switch was accepted, but the {d} direction is failing: {why}. Check that DTS can reach the new database (address, port, whitelist, account). Job {job}.");
            }
            if let Some((d, (_, why))) = self.verify.iter().find_map(|v| {
                v.verdict
                    .as_ref()
                    .filter(|(x, _)| matches!(x, Verdict::TimedOut | Verdict::Unreadable))
                    .map(|x| (v.direction, x))
            }) {
                return format!("The switch was accepted, but the {d} direction was not seen healthy ({why}). Look at the job (r refreshes the list); `dts-switch resume` watches it again. Job {job}.");
            }
            if self.verify.iter().all(|v| {
                v.verdict
                    .as_ref()
                    .is_some_and(|(x, _)| *x == Verdict::Healthy)
            }) {
                return format!(
                    "Done: DTS uses the new endpoint and the job is replicating again. Job {job}."
                );
            }
        }
        if self.all_finished() {
            return format!("Done: DTS uses the new endpoint and resumes from its checkpoint. Check the job's delay in the jobs list (r refreshes). Job {job}.");
        }
        if let Some(i) = self.after_dismissed_index() {
            return format!(
                "Dismissed after a check by hand. The {} call was never sent: c sends it alone (a new plan, through preview and confirm).",
                self.rows[i].direction
            );
        }
        if self.dismissed {
            return "Dismissed after a check by hand: a new switch of this job can be started from the jobs list.".into();
        }
        if let Some(r) = self
            .rows
            .iter()
            .find(|r| r.outcome == Some(Outcome::Unknown))
        {
            return format!(
                "OUTCOME UNKNOWN for the {} call: it may have executed. Do not resend blindly: check the job's {} endpoint (jobs list, r to refresh); once checked, D dismisses it.",
                r.direction,
                r.endpoint_type.as_str().to_ascii_lowercase()
            );
        }
        if self
            .rows
            .iter()
            .any(|r| r.outcome == Some(Outcome::StillRunning))
        {
            return "A task was still running when we stopped following it: `dts-switch resume` follows it.".into();
        }
        if let Some(i) = self.failed_index() {
            return format!(
                "The {} call {}. Fix the cause (is the new database reachable from DTS?), then R redoes it as a new plan (through preview and confirm).",
                self.rows[i].direction,
                if self.rows[i].outcome == Some(Outcome::Failed) { "failed" } else { "was refused" }
            );
        }
        if let Some(i) = self.continue_index() {
            let prev = self.rows[i - 1].direction;
            if let Some((_, why)) = self
                .verify
                .iter()
                .find(|v| v.direction == prev)
                .and_then(|v| v.verdict.as_ref())
                .filter(|(x, _)| *x != crate::domain::verify::Verdict::Healthy)
            {
                return format!(
                    "The {prev} direction was not healthy after its change ({why}), so the {} call was not sent: that direction still uses the old endpoint. Look at the job; c sends it anyway (through preview and confirm).",
                    self.rows[i].direction
                );
            }
            return "The earlier call finished; the next call was never sent. c continues with it (through preview and confirm).".into();
        }
        String::new()
    }
}

pub(crate) fn on_exec(
    sh: &mut Shell,
    progress: &mut Option<ProgressState>,
    plan_id: &str,
    ev: ProgressEvent,
) {
    // The driver's watch (between the calls of a maintained plan, and after the
    // last): the same display as a watch started on its own.
    let ev = match ev {
        ProgressEvent::Verify(v) => return on_verify(sh, progress, plan_id, v),
        ev => ev,
    };
    let now = sh.now;
    let Some(p) = progress.as_mut().filter(|p| p.plan.id == plan_id) else {
        return;
    };
    match apply_exec(p, now, ev) {
        Some(ExecNote::JournalError(error)) => {
            sh.notice = Some(format!("JOURNAL ERROR: {error}"));
        }
        Some(ExecNote::Refused { index, text }) => {
            sh.overlay = Some(Overlay::Alert {
                title: format!("Call {} was not sent", index + 1),
                text: format!("{text}.\n\nNothing was sent."),
                scroll: 0,
                plan_id: None,
            });
        }
        None => {}
    }
}

/// What an executor event has to say beyond the rows it changes.
pub(crate) enum ExecNote {
    JournalError(String),
    /// The guard refused call `index` (nothing was sent): why.
    Refused {
        index: usize,
        text: String,
    },
}

/// Applies an executor event (not a watch event) to the rows of `p`.
pub(crate) fn apply_exec(
    p: &mut ProgressState,
    now: Instant,
    ev: ProgressEvent,
) -> Option<ExecNote> {
    let idx = |i: usize| i;
    match ev {
        ProgressEvent::Verify(_) => {}
        ProgressEvent::Sending { index, at, .. } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                r.sent_at = Some(at);
                r.ended_at = None;
                r.record = None;
                r.sending = true;
                r.accepted = false;
                r.outcome = None;
                r.error = None;
                r.status = None;
                r.task_id = None;
                r.request_id = None;
                r.note = None;
                r.started = Some(now);
                r.ended = None;
            }
            p.selected = idx(index);
        }
        ProgressEvent::Accepted {
            index,
            request_id,
            task_id,
        } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                r.sending = false;
                r.accepted = true;
                r.request_id = request_id;
                r.task_id = task_id.filter(|t| !t.is_empty());
            }
        }
        ProgressEvent::Status { index, status, .. } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                r.status = Some(status.as_str().to_string());
            }
        }
        ProgressEvent::PollError { index, error } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                r.error = Some(format!(
                    "status read failed, retrying: {}",
                    crate::text::clean(error.lines().next().unwrap_or(""))
                ));
            }
        }
        ProgressEvent::JournalError { index, error } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                r.journal_error = Some(error.clone());
            }
            return Some(ExecNote::JournalError(error));
        }
        ProgressEvent::Done { index, outcome } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                apply_outcome(r, &outcome);
                r.ended = Some(now);
                r.record = Some(outcome.clone());
            }
            if let Some(refusal) = &outcome.refusal {
                return Some(ExecNote::Refused {
                    index,
                    text: refusal.to_string(),
                });
            }
        }
    }
    None
}

/// Progress of the watch after the switch.
pub(crate) fn on_verify(
    sh: &mut Shell,
    progress: &mut Option<ProgressState>,
    plan_id: &str,
    ev: crate::domain::verify::VerifyEvent,
) {
    let Some(p) = progress.as_mut().filter(|p| p.plan.id == plan_id) else {
        return;
    };
    if let Some(e) = apply_verify(p, ev) {
        sh.notice = Some(format!("JOURNAL ERROR: {e}"));
    }
}

/// Applies a watch event to `p`; Some: a journal error to say.
pub(crate) fn apply_verify(
    p: &mut ProgressState,
    ev: crate::domain::verify::VerifyEvent,
) -> Option<String> {
    use crate::domain::verify::VerifyEvent;
    let row = |p: &mut ProgressState, d: Direction| -> usize {
        match p.verify.iter().position(|v| v.direction == d) {
            Some(i) => i,
            None => {
                p.verify.push(VerifyRow {
                    direction: d,
                    status: None,
                    delay_secs: None,
                    checkpoint_age_secs: None,
                    delays: vec![],
                    verdict: None,
                    read_error: None,
                });
                p.verify.len() - 1
            }
        }
    };
    match ev {
        VerifyEvent::Started { directions, .. } => {
            p.verifying = true;
            for d in directions {
                // A new watch of a direction (the final one after the watch between
                // the calls) starts from nothing.
                let i = row(p, d);
                let v = &mut p.verify[i];
                v.verdict = None;
                v.read_error = None;
                v.delays.clear();
            }
            // Every call is over: this is the watch after the switch. Leaving or
            // quitting no longer asks (it goes on in the service; resume watches again).
            if p.all_finished() {
                p.running = false;
                for r in &mut p.rows {
                    r.sending = false;
                }
            }
        }
        VerifyEvent::Sample { direction, sample } => {
            let i = row(p, direction);
            let v = &mut p.verify[i];
            v.status = Some(crate::text::clean(&sample.status).into_owned());
            v.delay_secs = sample.delay_secs;
            v.checkpoint_age_secs = sample.checkpoint_age_secs;
            v.read_error = None;
            if let Some(d) = sample.delay_secs {
                v.delays.push(d.round() as u64);
                if v.delays.len() > 240 {
                    v.delays.remove(0);
                }
            }
        }
        VerifyEvent::ReadError { direction, error } => {
            let i = row(p, direction);
            p.verify[i].read_error =
                Some(crate::text::clean(error.lines().next().unwrap_or("")).into_owned());
        }
        VerifyEvent::Verdict(v) => {
            let i = row(p, v.direction);
            p.verify[i].verdict = Some((v.verdict, crate::text::clean(&v.reason).into_owned()));
            if p.verify.iter().all(|r| r.verdict.is_some()) {
                p.verifying = false;
            }
        }
        VerifyEvent::JournalError(e) => {
            return Some(crate::text::clean(&e).into_owned());
        }
    }
    None
}

/// A fresh read of the journal: what is pending here, and what another process did to
/// the plan on screen (unless this process is running it).
pub(crate) fn on_journal(sh: &mut Shell, progress: &mut Option<ProgressState>, view: JournalView) {
    let region = sh.header.region.clone();
    let (here, elsewhere): (Vec<PlanSummary>, Vec<PlanSummary>) = view
        .plans
        .iter()
        .filter(|p| p.pending().is_some() || p.needs_verification())
        .cloned()
        .partition(|p| p.region.eq_ignore_ascii_case(&region));
    sh.pending = here;
    if !elsewhere.is_empty() && sh.pending_elsewhere != elsewhere.len() {
        sh.notice = Some(format!(
            "{} unfinished switch(es) in other regions ({}): R picks a region",
            elsewhere.len(),
            elsewhere
                .iter()
                .map(|p| p.region.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    sh.pending_elsewhere = elsewhere.len();
    sh.journal_problems = view.problems;
    sh.live = view.live;
    if let Some(e) = view.error {
        sh.notice = Some(e);
    }
    let Some(p) = progress.as_mut().filter(|p| !p.running) else {
        return;
    };
    if let Some(s) = view.plans.iter().find(|s| s.plan_id == p.plan.id) {
        p.dismissed = s.dismissed;
        p.owner = sh
            .live
            .contains(&s.plan_id)
            .then(|| s.last_by().unwrap_or("another process").to_string());
        for (row, c) in p.rows.iter_mut().zip(&s.calls) {
            apply_journal_state(row, c, sh.now, p.owner.is_some());
        }
    }
}

/// Sets a progress row from a journalled call (what any process recorded).
pub(crate) fn apply_journal_state(
    row: &mut CallRow,
    c: &CallSummary,
    now: Instant,
    live_owner: bool,
) {
    row.sent_by = c.intent_by.clone();
    if c.intent_at.is_some() {
        row.sent_at = c.intent_at.clone();
    }
    if c.ended_at.is_some() {
        row.ended_at = c.ended_at.clone();
    }
    match &c.state {
        CallState::NotStarted => {}
        // Another process that is still running sent it: its answer may still come.
        CallState::IntentOnly { .. } if live_owner => {
            row.outcome = None;
            row.sending = true;
            row.error = None;
            row.started.get_or_insert(now);
        }
        CallState::IntentOnly { .. } => {
            row.outcome = Some(Outcome::Unknown);
            row.sending = false;
            row.error = Some(
                "sent, then no answer was recorded (the process stopped?): the outcome is unknown"
                    .into(),
            );
        }
        CallState::Running {
            task_id,
            request_id,
            last_status,
        } => {
            row.accepted = true;
            row.task_id = Some(task_id.clone()).filter(|t| !t.is_empty());
            row.request_id = request_id.clone();
            row.status = last_status
                .as_deref()
                .map(|s| crate::text::clean(s).into_owned());
            row.outcome = None;
            row.started.get_or_insert(now);
        }
        CallState::Done {
            outcome,
            task_id,
            request_id,
            status,
            error,
        } => {
            row.outcome = Some(*outcome);
            row.accepted = *outcome != Outcome::NotSent;
            row.task_id = task_id.clone().filter(|t| !t.is_empty());
            row.request_id = request_id.clone();
            row.status = status
                .as_deref()
                .map(|s| crate::text::clean(s).into_owned());
            row.error = error.as_deref().map(crate::text::clean_lines);
            if *outcome == Outcome::StillRunning || *outcome == Outcome::Sent {
                row.outcome = None;
                row.started.get_or_insert(now);
            }
        }
    }
}

fn apply_outcome(r: &mut CallRow, o: &CallOutcome) {
    let o = &CallOutcome {
        error: o.error.as_deref().map(crate::text::clean_lines),
        status: o
            .status
            .as_deref()
            .map(|s| crate::text::clean(s).into_owned()),
        ..o.clone()
    };
    r.sending = false;
    r.outcome = Some(o.outcome);
    if o.request_id.is_some() {
        r.request_id = o.request_id.clone();
    }
    if o.task_id.is_some() {
        r.task_id = o.task_id.clone();
    }
    if o.status.is_some() {
        r.status = o.status.clone();
    }
    if o.request_id.is_some() || o.task_id.is_some() {
        r.accepted = true;
    }
    if let Some(n) = &o.note {
        r.note = Some(crate::text::clean_lines(n));
    }
    r.error = o.error.clone();
}

/// Keys of the progress screen; `jobs` is the listing (a redo plans from the job as
/// listed). `p` (the next unfinished switch) is the app's: see [`next_pending`].
pub(crate) fn progress_action(
    sh: &mut Shell,
    progress: &mut Option<ProgressState>,
    jobs: &[Job],
    action: Action,
) -> Vec<Effect> {
    let Some(p) = progress.as_mut() else {
        sh.screen = Screen::Jobs;
        return vec![];
    };
    let n = p.rows.len();
    match action {
        Action::Up => move_sel(&mut p.selected, n, -1),
        Action::Down => move_sel(&mut p.selected, n, 1),
        Action::Copy => {
            if let Some(t) = p.rows.get(p.selected).and_then(|r| r.task_id.clone()) {
                sh.notice = Some(format!("copied TaskId {t}"));
                return vec![Effect::Copy(t)];
            }
            sh.notice = Some(if p.plan.family.has_dry_run() {
                "ModifyDtsJobEndpoint has no TaskId (L shows each call's RequestId)".into()
            } else {
                "this call has no TaskId".into()
            });
        }
        Action::ShowError => {
            sh.overlay = Some(detail_alert(p));
        }
        Action::Ticket if p.ticket_ready() => {
            let text = p.ticket();
            sh.notice = Some(copied_ticket(&text));
            return vec![Effect::Copy(text)];
        }
        Action::Ticket => {
            sh.notice = Some(TICKET_NOT_YET.into());
        }
        Action::Log => {
            sh.log_return = Screen::Progress;
            sh.screen = Screen::Log;
        }
        Action::Back => {
            if p.running {
                sh.overlay = Some(Overlay::LeaveProgress);
            } else {
                sh.screen = Screen::Jobs;
            }
        }
        Action::Dismiss => {
            if let Some(o) = &p.owner {
                sh.notice = Some(format!(
                    "{o} is running this switch: nothing to dismiss while it runs"
                ));
            } else if p.running || !p.has_unknown() {
                sh.notice = Some("nothing to dismiss: no call with an unknown outcome".into());
            } else {
                sh.overlay = Some(Overlay::Dismiss);
            }
        }
        // `p` (the next unfinished switch) is routed by the app (see `next_pending`).
        Action::ShowProgress => {}
        Action::Redo | Action::Continue => {
            if p.running {
                return vec![];
            }
            // A redo (after a refusal or a failed task), or the calls left after a
            // dismissed unknown one, is a new plan of the remaining calls; a plan whose
            // earlier calls Finished continues as itself. Either way the guard decides.
            let (i, fresh) = if action == Action::Redo {
                match p.failed_index() {
                    Some(i) => (i, true),
                    None => {
                        sh.notice = Some("no failed or refused call to redo".into());
                        return vec![];
                    }
                }
            } else if let Some(i) = p.continue_index() {
                (i, false)
            } else if let Some(i) = p.after_dismissed_index() {
                (i, true)
            } else {
                sh.notice = Some("nothing to continue".into());
                return vec![];
            };
            let job = jobs
                .iter()
                .find(|j| j.id == p.plan.job_id)
                .cloned()
                .or_else(|| {
                    sh.form
                        .as_ref()
                        .map(|f| f.job.clone())
                        .filter(|j| j.id == p.plan.job_id)
                });
            let Some(job) = job else {
                sh.notice = Some("the job is not in the list yet; wait for it to load (r)".into());
                return vec![];
            };
            let (plan, start) = if fresh {
                // A new plan: the earlier dry runs were of the earlier attempt.
                let mut plan = p.plan.remaining_from(i);
                for c in &mut plan.calls {
                    c.dry_run = None;
                }
                (plan, 0)
            } else {
                (p.plan.clone(), i)
            };
            sh.preview = Some(PreviewState {
                plan,
                job,
                start,
                new_plan: fresh,
                back: Screen::Progress,
                scroll: 0,
            });
            sh.screen = Screen::Preview;
            return vec![Effect::ReadJournal];
        }
        _ => {}
    }
    vec![]
}

/// `p` on the progress screen: the next unfinished switch after the one on screen (every
/// one is reachable), None when there is no other.
pub(crate) fn next_pending(p: &ProgressState, pending: &[PlanSummary]) -> Option<String> {
    let cur = &p.plan.id;
    let ids: Vec<&String> = pending.iter().map(|x| &x.plan_id).collect();
    ids.iter()
        .position(|id| *id == cur)
        .map(|i| ids[(i + 1) % ids.len()])
        .or_else(|| ids.first().copied())
        .filter(|id| *id != cur)
        .cloned()
}

/// The notice after `t`: `copied the ticket block (9 lines)`.
pub(crate) fn copied_ticket(text: &str) -> String {
    format!("copied the ticket block ({} lines)", text.lines().count())
}

/// Why `t` copies nothing yet.
pub const TICKET_NOT_YET: &str =
    "the ticket block is ready when the switch has ended (and the watch after it)";

/// Elapsed time of a call row, for display.
pub fn elapsed(r: &CallRow, now: Instant) -> Option<Duration> {
    let start = r.started?;
    Some(r.ended.unwrap_or(now).saturating_duration_since(start))
}

pub(crate) fn outcome_label(r: &CallRow) -> (String, bool) {
    match r.outcome {
        Some(Outcome::Finished) => ("Finished".into(), false),
        Some(Outcome::Failed) => ("! Failed".into(), true),
        Some(Outcome::Refused) => ("! Refused".into(), true),
        Some(Outcome::Unknown) => ("! UNKNOWN".into(), true),
        Some(Outcome::NotSent) => ("not sent".into(), false),
        Some(Outcome::Sent) => ("sent".into(), false),
        Some(Outcome::StillRunning) => ("still running".into(), true),
        None if r.sending => ("sending…".into(), false),
        None => match &r.status {
            Some(s) => (s.clone(), false),
            None if r.accepted || r.task_id.is_some() => ("accepted".into(), false),
            None => ("waiting".into(), false),
        },
    }
}

/// `busy`: this process runs a switch or a batch.
pub(crate) fn render(
    sh: &Shell,
    p: &ProgressState,
    busy: bool,
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let verify_h = if p.verify.is_empty() {
        0
    } else {
        p.verify.len() as u16 * 2 + 2
    };
    let [table_area, verify_area, detail] = Layout::vertical([
        Constraint::Length(p.rows.len() as u16 + 3),
        Constraint::Length(verify_h),
        Constraint::Min(3),
    ])
    .areas(area);
    if verify_h > 0 {
        render_verify(sh, p, f, verify_area, theme);
    }
    let wide = area.width >= 110;
    let maintained = p.plan.family.has_dry_run();
    let rows: Vec<Row> = p
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (label, bad) = outcome_label(r);
            let running = busy && r.outcome.is_none() && r.was_sent();
            let spin = if running {
                format!(" {}", SPINNER[sh.spinner % 4])
            } else {
                String::new()
            };
            let el = elapsed(r, sh.now)
                .map(|d| format!("{}s", d.as_secs()))
                .unwrap_or_else(|| "-".into());
            let mut cells = vec![
                Cell::from(format!(
                    "{}{}",
                    if i == p.selected { ">" } else { " " },
                    i + 1
                )),
                Cell::from(format!("{}/{}", r.direction, r.endpoint_type.as_str())),
                Cell::from(Span::styled(
                    format!("{label}{spin}"),
                    if bad {
                        theme.danger()
                    } else if r.outcome == Some(Outcome::Finished) {
                        theme.ok()
                    } else {
                        theme.base()
                    },
                )),
                Cell::from(match (&r.task_id, maintained) {
                    (Some(t), _) => t.clone(),
                    // No task: the STATUS column is the direction's own.
                    (None, true) if r.was_sent() => "none: direction status".into(),
                    (None, _) => "-".into(),
                }),
            ];
            if wide {
                cells.push(Cell::from(
                    r.request_id.clone().unwrap_or_else(|| "-".into()),
                ));
            }
            cells.push(Cell::from(el));
            let row = Row::new(cells);
            if i == p.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let title = format!(
        " Progress · job {} {} · {} ",
        crate::text::clean(&p.plan.job_id),
        crate::text::clean(&p.plan.job_name),
        if p.running {
            "running"
        } else if p.all_finished() {
            "finished"
        } else {
            "stopped"
        }
    );
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(20),
        Constraint::Length(16),
        Constraint::Min(10),
    ];
    let mut head = vec!["#", "DIRECTION/ENDPOINT", "STATUS", "TASK ID"];
    if wide {
        widths.push(Constraint::Length(37));
        head.push("REQUEST ID");
    }
    widths.push(Constraint::Length(7));
    head.push("TIME");
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(head).style(theme.title()))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(fit_title(&title, table_area.width)),
            ),
        table_area,
    );
    let lines = detail_lines(p, theme);
    let next = p.next_step();
    let w = detail.width.saturating_sub(2) as usize;
    let h = detail.height.saturating_sub(2) as usize;
    let pinned = if next.is_empty() {
        vec![]
    } else {
        wrap_line(
            &Line::from(vec![Span::styled("Next: ", theme.title()), Span::raw(next)]),
            w,
        )
    };
    // The next step wins over the detail: it is pinned at the bottom; detail that does
    // not fit ends with `…` and the box says `e` shows all of it.
    let (shown, cut) = pin_below(wrap_lines(&lines, w), pinned, h, w);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(" Selected call · next step ");
    if cut {
        block = block.title_bottom(Line::styled(DETAIL_MORE, theme.key()).right_aligned());
    }
    f.render_widget(Paragraph::new(shown).block(block), detail);
}

/// The detail box's marker that some of it did not fit.
pub(crate) const DETAIL_MORE: &str = " ↓ more: e shows all ";

/// The selected call's detail (without the next step).
fn detail_lines(p: &ProgressState, theme: &Theme) -> Vec<Line<'static>> {
    let maintained = p.plan.family.has_dry_run();
    let mut lines = vec![];
    if let Some(r) = p.rows.get(p.selected) {
        lines.push(Line::raw(format!(
            "Call {}: {} direction, {} endpoint · {} · RequestId {}",
            p.selected + 1,
            r.direction,
            r.endpoint_type.as_str(),
            match &r.task_id {
                Some(t) => format!("TaskId {t}"),
                None if maintained => "no TaskId (the direction's status is followed)".into(),
                None => "TaskId -".into(),
            },
            r.request_id.as_deref().unwrap_or("-")
        )));
        if let Some(n) = &r.note {
            lines.push(Line::styled(format!("({n})"), theme.muted()));
        }
        if let Some(b) = &r.sent_by {
            lines.push(Line::styled(format!("sent by {b}"), theme.muted()));
        }
        if let Some(e) = &r.journal_error {
            lines.push(Line::styled(format!("JOURNAL ERROR: {e}"), theme.danger()));
        }
        if let Some(e) = &r.error {
            for l in e.lines() {
                lines.push(Line::styled(
                    l.to_string(),
                    if r.outcome.is_some_and(|o| o != Outcome::Finished) {
                        theme.danger()
                    } else {
                        theme.warning()
                    },
                ));
            }
        }
    }
    lines
}

/// `e` on the progress screen: the selected call's detail and the next step, whole, in
/// a box that scrolls.
pub(crate) fn detail_alert(p: &ProgressState) -> Overlay {
    let mut text: Vec<String> = detail_lines(p, &Theme { color: false })
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let next = p.next_step();
    if !next.is_empty() {
        text.push(String::new());
        text.push(format!("Next: {next}"));
    }
    Overlay::Alert {
        title: format!("Call {} in full", p.selected + 1),
        text: text.join("\n"),
        scroll: 0,
        plan_id: None,
    }
}

/// After the switch: per direction its status, delay and checkpoint age, the delay over
/// time as a sparkline, and the verdict.
fn render_verify(sh: &Shell, p: &ProgressState, f: &mut Frame, area: Rect, theme: &Theme) {
    use crate::domain::verify::Verdict;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(if p.verifying && p.running {
            // A maintained two-way plan: the next call waits until this one's
            // direction is healthy again.
            format!(
                " Before the next call · watching {} ",
                SPINNER[sh.spinner % 4]
            )
        } else if p.running {
            " Between the calls ".to_string()
        } else if p.verifying {
            format!(" After the switch · watching {} ", SPINNER[sh.spinner % 4])
        } else {
            " After the switch ".to_string()
        });
    let inner = block.inner(area);
    f.render_widget(block, area);
    for (i, v) in p.verify.iter().enumerate() {
        let y = inner.y + i as u16 * 2;
        if y >= inner.bottom() {
            break;
        }
        let (word, style) = match &v.verdict {
            Some((Verdict::Healthy, _)) => ("HEALTHY", theme.ok()),
            Some((Verdict::Failed, _)) => ("! FAILED", theme.danger()),
            Some((Verdict::TimedOut, _)) => ("! NOT HEALTHY", theme.danger()),
            Some((Verdict::Unreadable, _)) => ("! NOT VERIFIED", theme.warning()),
            Some((Verdict::Skipped, _)) => ("not verified", theme.muted()),
            None => ("watching", theme.base()),
        };
        let line = Line::from(vec![
            Span::styled(format!("{:<8}", v.direction.as_str()), theme.title()),
            Span::raw(format!(
                "{} · delay {} · checkpoint {} · ",
                v.status.as_deref().unwrap_or("-"),
                v.delay_secs
                    .map(|d| format!("{d:.0}s"))
                    .unwrap_or_else(|| "-".into()),
                v.checkpoint_age_secs
                    .map(|a| format!("{a}s old"))
                    .unwrap_or_else(|| "-".into())
            )),
            Span::styled(word, style),
        ]);
        f.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
        // The delay over time (newest right), or why there is none.
        if y + 1 >= inner.bottom() {
            break;
        }
        let chart = Rect::new(inner.x + 8, y + 1, inner.width.saturating_sub(8), 1);
        if let Some(e) = &v.read_error {
            f.render_widget(
                Paragraph::new(Line::styled(
                    fit(&format!("read failed: {e}"), chart.width as usize),
                    theme.warning(),
                )),
                chart,
            );
        } else if let Some((_, why)) = v.verdict.as_ref().filter(|(x, _)| *x != Verdict::Healthy) {
            f.render_widget(
                Paragraph::new(Line::styled(fit(why, chart.width as usize), theme.danger())),
                chart,
            );
        } else {
            let data: Vec<u64> = v
                .delays
                .iter()
                .rev()
                .take(chart.width as usize)
                .rev()
                .copied()
                .collect();
            f.render_widget(Sparkline::default().data(&data).style(style), chart);
        }
    }
}
