//! The rows of a plan's calls and of the watch after them, and how executor, watch and
//! journal events change them: the model the progress screen and the batch screen (one
//! per job) both show. Below the screens; imports none.

use crate::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use crate::domain::journal::{CallState, CallSummary};
use crate::domain::plan::{Direction, Plan, Side};
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
