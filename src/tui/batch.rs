//! Fleet failover in the TUI, part two: Enter with jobs marked opens the form once for
//! the new endpoint; the batch is planned by `domain::fleet::plan_batch` (through the
//! runner, as [`Effect::PlanBatch`]); the combined preview shows every call of every
//! job; the typed confirmation asks for the number of calls; `domain::fleet::run_batch`
//! runs it ([`Effect::RunBatch`]), its events come back as [`Msg::BatchEvent`]s, and the
//! progress screen lists every job with its calls and a summary line. Nothing here plans,
//! guards or sends: the domain does.

use crate::domain::drive::{NextStep, PlanRun};
use crate::domain::executor::{Outcome, ProgressEvent};
use crate::domain::family::ApiChoice;
use crate::domain::fleet::{Batch, JobResult};
use crate::domain::guard::{self, endpoint_words};
use crate::domain::rules::ValidEndpoint;
use crate::domain::verify::Verdict;
use crate::text::clean;
use crate::tui::calls::{
    apply_exec, apply_verify, copied_ticket, outcome_label, CallRow, ExecNote, ProgressState,
};
use crate::tui::form::FormState;
use crate::tui::keymap::Action;
pub use crate::tui::shared::BatchBox;
use crate::tui::shared::Mark;
use crate::tui::shared::{
    move_sel, Effect, FleetState, Overlay, Screen, Shell, Target, CONFIRM_MAX,
};
use crate::tui::theme::Theme;
use crate::tui::widgets::*;
use ratatui::prelude::*;
use ratatui::widgets::*;
use std::time::Instant;
use tui_input::Input;

/// The search, the marks and the batch (the app's `fleet`).
pub type Fleet = FleetState<BatchState>;

/// One job of a running batch.
#[derive(Debug, Clone)]
pub struct BatchJob {
    pub region: String,
    pub name: String,
    pub state: ProgressState,
    /// How its run ended (once the batch ended).
    pub run: Option<PlanRun>,
    pub result: Option<JobResult>,
    /// The guard refused one of its calls (nothing was sent for it).
    pub refused: bool,
}

/// The fleet failover from its preview on.
#[derive(Clone)]
pub struct BatchState {
    // (Debug by hand below: the batch holds clients.)
    pub batch: Batch,
    /// The old endpoint, in words.
    pub query: String,
    pub endpoint: ValidEndpoint,
    pub scroll: u16,
    pub confirm: Input,
    pub confirm_message: Option<String>,
    /// The jobs sent (the runnable ones, in order), once confirmed.
    pub jobs: Vec<BatchJob>,
    pub running: bool,
    /// Sending of new calls was stopped (S).
    pub stopping: bool,
    pub selected: usize,
    /// The failback runbook written when the batch ended (when it changed something).
    pub failback: Option<String>,
}

impl std::fmt::Debug for BatchState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchState")
            .field("batch", &self.batch.id)
            .field("jobs", &self.jobs.len())
            .field("running", &self.running)
            .finish()
    }
}

impl BatchState {
    /// The calls the batch sends (of the jobs that are ready).
    pub fn calls(&self) -> usize {
        self.batch
            .runnable()
            .iter()
            .map(|(_, p)| p.calls.len())
            .sum()
    }

    /// The run has begun (the progress screen exists).
    pub fn started(&self) -> bool {
        !self.jobs.is_empty()
    }
}

/// What one job is doing, in a word, for its row and the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobPhase {
    Waiting,
    Running,
    Watching,
    Ended(JobResult),
}

pub fn phase(j: &BatchJob) -> JobPhase {
    if let Some(r) = j.result {
        return JobPhase::Ended(r);
    }
    let rows = &j.state.rows;
    if rows
        .iter()
        .all(|r| r.outcome.is_none() && !r.sending && !r.accepted)
    {
        return JobPhase::Waiting;
    }
    if let Some(r) = settled(j) {
        return JobPhase::Ended(r);
    }
    if j.state.verifying {
        return JobPhase::Watching;
    }
    JobPhase::Running
}

/// How a job's run has come out while the batch still runs (its run ends with the
/// batch's answer, which then replaces this): None while anything of it goes on.
fn settled(j: &BatchJob) -> Option<JobResult> {
    let st = &j.state;
    if st.verifying || st.rows.iter().any(|r| r.sending) {
        return None;
    }
    let any = |f: &dyn Fn(&CallRow) -> bool| st.rows.iter().any(f);
    if any(&|r| matches!(r.outcome, Some(Outcome::Unknown | Outcome::StillRunning))) {
        return Some(JobResult::Unknown);
    }
    if j.refused {
        return Some(JobResult::NotSent);
    }
    if any(&|r| matches!(r.outcome, Some(Outcome::Failed | Outcome::Refused))) {
        return Some(JobResult::Failed);
    }
    let done =
        st.all_finished() && !st.verify.is_empty() && st.verify.iter().all(|v| v.verdict.is_some());
    if done {
        let healthy = st
            .verify
            .iter()
            .all(|v| matches!(v.verdict, Some((Verdict::Healthy, _))));
        return Some(if healthy {
            JobResult::Healthy
        } else {
            JobResult::NotHealthy
        });
    }
    None
}

/// The summary's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub jobs: usize,
    /// Every call Finished (being watched, or watched: healthy or not).
    pub finished: usize,
    pub running: usize,
    pub waiting: usize,
    /// A call failed or was refused, or nothing was sent (guard, stopped).
    pub failed: usize,
    pub unknown: usize,
    /// Verified healthy.
    pub healthy: usize,
}

pub fn summary(b: &BatchState) -> Summary {
    let mut s = Summary {
        jobs: b.jobs.len(),
        ..Summary::default()
    };
    // Each job in one count (healthy is a part of finished), so the counts add up.
    for j in &b.jobs {
        match phase(j) {
            JobPhase::Waiting => s.waiting += 1,
            JobPhase::Running => s.running += 1,
            JobPhase::Watching => s.finished += 1,
            JobPhase::Ended(JobResult::Healthy) => {
                s.finished += 1;
                s.healthy += 1;
            }
            JobPhase::Ended(JobResult::NotHealthy | JobResult::NotVerified) => s.finished += 1,
            JobPhase::Ended(JobResult::Unknown) => s.unknown += 1,
            JobPhase::Ended(
                JobResult::Failed
                | JobResult::NotSent
                | JobResult::Stopped
                | JobResult::HalfSwitched
                | JobResult::Skipped,
            ) => s.failed += 1,
        }
    }
    s
}

/// `12 jobs: 5 finished (3 healthy) · 4 running · 1 failed · 1 unknown · 1 waiting`:
/// every job in one of finished, running, failed, unknown, waiting.
pub fn summary_line(b: &BatchState) -> String {
    let s = summary(b);
    let mut line = format!(
        "{} job{}: {} finished ({} healthy) · {} running · {} failed · {} unknown",
        s.jobs,
        if s.jobs == 1 { "" } else { "s" },
        s.finished,
        s.healthy,
        s.running,
        s.failed,
        s.unknown,
    );
    if s.waiting > 0 {
        line.push_str(&format!(" · {} waiting", s.waiting));
    }
    line
}

/// Enter on the jobs screen with jobs marked: the form for the new endpoint, once (or
/// why not, in a box to read). `busy`: a switch or a batch runs here.
pub(crate) fn open_failover(sh: &mut Shell, fl: &Fleet, busy: bool) -> Vec<Effect> {
    let refuse = |sh: &mut Shell, title: &str, text: String| {
        sh.overlay = Some(Overlay::Alert {
            title: title.into(),
            text: format!("{text}\n\nNothing was sent."),
            scroll: 0,
            plan_id: None,
        });
    };
    if busy {
        sh.notice = Some("a switch is running; wait for it to end (p shows it)".into());
        return vec![];
    }
    let Some(found) = &fl.found else {
        refuse(
            sh,
            "No search yet",
            "A failover changes the jobs that use the old endpoint: f finds them first (Space then marks or unmarks them).".into(),
        );
        return vec![];
    };
    // A region not searched completely may hide a job that still uses the old
    // database: the batch would leave it behind silently (as `failover` refuses).
    let partial: Vec<String> = found
        .report
        .regions
        .iter()
        .filter(|r| !r.complete())
        .map(|r| clean(&r.region).into_owned())
        .collect();
    if !partial.is_empty() {
        let q = found.query.text();
        refuse(
            sh,
            "A region was not searched completely",
            format!(
                "{} could not be searched completely, so a job there may still use {q}. f searches again (untick a region with Tab in the region picker, R, if you know no job there uses it); e shows the errors.",
                partial.join(", ")
            ),
        );
        return vec![];
    }
    let q = found.query.text();
    let stray: Vec<String> = fl
        .marks
        .iter()
        .filter(|m| m.usage.is_none())
        .map(|m| format!("{} {}", clean(&m.region), clean(&m.job.id)))
        .collect();
    if !stray.is_empty() {
        refuse(
            sh,
            "Marked jobs that do not use the old endpoint",
            format!(
                "These marked jobs do not use {q}, so a failover has nothing to change in them: {}. Unmark them (Space); Enter on one job alone switches it.",
                stray.join(", ")
            ),
        );
        return vec![];
    }
    let first = &fl.marks[0];
    let side = first
        .usage
        .as_ref()
        .and_then(|u| u.database.first().copied())
        .unwrap_or(crate::domain::Side::Source);
    sh.form = Some(FormState::for_fleet(
        first.job.clone(),
        side,
        fl.marks.len(),
    ));
    sh.screen = Screen::Form;
    vec![]
}

/// The fleet form's Enter with a valid endpoint: plan the batch.
pub(crate) fn submit_form(
    sh: &mut Shell,
    fl: &mut Fleet,
    endpoint: ValidEndpoint,
    api: ApiChoice,
) -> Vec<Effect> {
    fl.seq += 1;
    let seq = fl.seq;
    fl.planning = Some(seq);
    sh.notice = None;
    vec![Effect::PlanBatch {
        seq,
        marks: fl.marks.clone(),
        endpoint,
        api,
    }]
}

/// The planner's answer: the combined preview, or why some jobs cannot be in it.
pub(crate) fn on_planned(
    sh: &mut Shell,
    fl: &mut Fleet,
    seq: u64,
    result: Result<BatchBox, String>,
) {
    if fl.planning != Some(seq) {
        return;
    }
    fl.planning = None;
    if sh.screen != Screen::Form {
        return;
    }
    match result {
        Err(text) => {
            sh.overlay = Some(Overlay::Alert {
                title: "These jobs cannot be part of the batch".into(),
                text: format!("{text}\n\nNothing was sent. Unmark them (Space) or settle them first (`dts-switch resume`)."),
                scroll: 0,
                plan_id: None,
            })
        }
        Ok(b) => {
            let Some(form) = sh.form.as_ref() else { return };
            let Ok(req) = form.to_request() else { return };
            fl.batch = Some(BatchState {
                batch: b.0,
                query: fl
                    .found
                    .as_ref()
                    .map(|f| f.query.text())
                    .unwrap_or_default(),
                endpoint: req.endpoint,
                scroll: 0,
                confirm: Input::default(),
                confirm_message: None,
                jobs: vec![],
                running: false,
                stopping: false,
                selected: 0,
                failback: None,
            });
            sh.screen = Screen::BatchPreview;
        }
    }
}

/// Why the confirmation is not offered: a job with no plan or a failed dry run.
pub const BLOCKED: &str = "a job cannot be planned or failed its dry run (see the preview): nothing can be sent; Esc twice, unmark it (Space), Enter again";

pub(crate) fn preview_action(sh: &mut Shell, fl: &mut Fleet, action: Action) -> Vec<Effect> {
    let max = preview_max_scroll(sh, fl);
    let page = sh.page.max(1) as u16;
    let ro = sh.header.read_only;
    let Some(b) = fl.batch.as_mut() else {
        sh.screen = Screen::Jobs;
        return vec![];
    };
    b.scroll = b.scroll.min(max);
    match action {
        Action::Up => b.scroll = b.scroll.saturating_sub(1),
        Action::Down => b.scroll = (b.scroll + 1).min(max),
        Action::PageUp => b.scroll = b.scroll.saturating_sub(page),
        Action::PageDown => b.scroll = (b.scroll + page).min(max),
        Action::Top => b.scroll = 0,
        Action::Bottom => b.scroll = max,
        Action::Back => sh.screen = Screen::Form,
        Action::Submit if ro => sh.notice = Some("read-only mode: nothing is sent".into()),
        Action::Submit if !b.batch.blocking().is_empty() => sh.notice = Some(BLOCKED.into()),
        Action::Submit => {
            b.confirm = Input::default();
            b.confirm_message = None;
            sh.screen = Screen::BatchConfirm;
        }
        _ => {}
    }
    vec![]
}

pub(crate) fn confirm_action(sh: &mut Shell, fl: &mut Fleet, action: Action) -> Vec<Effect> {
    let ro = sh.header.read_only;
    let Some(b) = fl.batch.as_mut() else {
        sh.screen = Screen::Jobs;
        return vec![];
    };
    match action {
        Action::Back => {
            b.confirm = Input::default();
            sh.screen = Screen::BatchPreview;
            sh.notice = Some("cancelled: nothing was sent".into());
        }
        Action::Submit => {
            if ro {
                sh.notice = Some("read-only mode: nothing is sent".into());
                return vec![];
            }
            if !b.batch.blocking().is_empty() {
                sh.notice = Some(BLOCKED.into());
                return vec![];
            }
            let calls = b.calls();
            if b.confirm.value().trim() != calls.to_string() {
                b.confirm_message = Some(format!(
                    "type the number of calls, {calls}, exactly to send; Esc cancels"
                ));
                return vec![];
            }
            b.confirm = Input::default();
            b.confirm_message = None;
            b.jobs = b
                .batch
                .items
                .iter()
                .filter(|i| i.ready())
                .filter_map(|i| {
                    i.plan.as_ref().ok().map(|p| BatchJob {
                        region: i.region.clone(),
                        name: i.job.name.to_string(),
                        state: ProgressState::new(p.clone()),
                        run: None,
                        result: None,
                        refused: false,
                    })
                })
                .collect();
            b.running = true;
            b.selected = 0;
            sh.screen = Screen::BatchProgress;
            return vec![Effect::RunBatch(BatchBox(b.batch.clone()))];
        }
        _ => {}
    }
    vec![]
}

/// Typing into the confirmation.
pub(crate) fn confirm_input(fl: &mut Fleet) -> Option<&mut Input> {
    fl.batch.as_mut().map(|b| {
        b.confirm_message = None;
        &mut b.confirm
    })
}

pub const CONFIRM_CAP: usize = CONFIRM_MAX;

pub(crate) fn progress_action(sh: &mut Shell, fl: &mut Fleet, action: Action) -> Vec<Effect> {
    let Some(b) = fl.batch.as_mut() else {
        sh.screen = Screen::Jobs;
        return vec![];
    };
    let n = b.jobs.len();
    match action {
        Action::Up => move_sel(&mut b.selected, n, -1),
        Action::Down => move_sel(&mut b.selected, n, 1),
        Action::Top => b.selected = 0,
        Action::Bottom => b.selected = n.saturating_sub(1),
        Action::Open | Action::Submit => {
            if let Some(j) = b.jobs.get(b.selected) {
                sh.overlay = Some(detail(j, &b.batch.id));
            }
        }
        Action::Stop if b.running && !b.stopping => {
            b.stopping = true;
            sh.notice = Some(
                "stopping: no new call is sent; the calls already sent are followed to their end"
                    .into(),
            );
            return vec![Effect::StopBatch];
        }
        Action::Stop => {}
        Action::Ticket => match b.jobs.get(b.selected).and_then(ticket) {
            Some(text) => {
                sh.notice = Some(copied_ticket(&text));
                return vec![Effect::Copy(text)];
            }
            None => {
                sh.notice = Some("a job's ticket block is ready when the batch has ended".into())
            }
        },
        Action::Log => {
            sh.log_return = Screen::BatchProgress;
            sh.screen = Screen::Log;
        }
        Action::Back => {
            if b.running {
                sh.notice = Some(
                    "the batch goes on in the background; p on the jobs screen shows it".into(),
                );
            }
            sh.screen = Screen::Jobs;
        }
        _ => {}
    }
    vec![]
}

/// The ticket-ready block of a job of the batch once the batch ended (the one `switch`
/// prints, [`crate::present::ticket_block`]): its run's calls, verdicts and result.
pub fn ticket(j: &BatchJob) -> Option<String> {
    let run = j.run.as_ref()?;
    let verdicts = run.verdicts.as_deref();
    let code = crate::present::exit_code(&run.outcomes, verdicts);
    Some(crate::present::ticket_block(
        &j.state.plan,
        &run.outcomes,
        run.start,
        verdicts,
        code,
    ))
}

/// An event of job `index` of the batch `batch_id`.
pub(crate) fn on_event(
    sh: &mut Shell,
    fl: &mut Fleet,
    batch_id: &str,
    index: usize,
    ev: ProgressEvent,
) {
    let now: Instant = sh.now;
    let Some(b) = fl.batch.as_mut().filter(|b| b.batch.id == batch_id) else {
        return;
    };
    let Some(j) = b.jobs.get_mut(index) else {
        return;
    };
    let note = match ev {
        ProgressEvent::Verify(v) => apply_verify(&mut j.state, v).map(ExecNote::JournalError),
        ev => apply_exec(&mut j.state, now, ev),
    };
    match note {
        Some(ExecNote::JournalError(e)) => {
            sh.notice = Some(format!("JOURNAL ERROR: {}", clean(&e)));
        }
        Some(ExecNote::Refused { index, text }) => {
            // Said in the job's row and detail, not in a box per job.
            j.refused = true;
            if let Some(r) = j.state.rows.get_mut(index) {
                if r.error.is_none() {
                    r.error = Some(clean(&text).into_owned());
                }
            }
        }
        None => {}
    }
}

/// The batch ended: every job's run.
pub(crate) fn on_finished(
    sh: &mut Shell,
    fl: &mut Fleet,
    batch_id: &str,
    runs: Vec<PlanRun>,
    failback: Option<String>,
) -> Vec<Effect> {
    let Some(b) = fl.batch.as_mut().filter(|b| b.batch.id == batch_id) else {
        return vec![];
    };
    b.running = false;
    b.failback = failback;
    for (j, run) in b.jobs.iter_mut().zip(runs) {
        j.result = Some(crate::domain::fleet::job_result(&run));
        j.state.running = false;
        j.state.verifying = false;
        for r in &mut j.state.rows {
            r.sending = false;
        }
        j.run = Some(run);
    }
    // The way back first: the notice is cut at the terminal's width.
    sh.notice = Some(format!(
        "batch {} ended{}: {}; f searches again",
        guard::short(batch_id),
        b.failback
            .as_deref()
            .map(|p| format!(" · the way back: {}", clean(p)))
            .unwrap_or_default(),
        summary_line(b),
    ));
    // The search's answer is history now (the jobs it found were switched, or not): a
    // second failover starts from a fresh search, never from stale marks.
    fl.marks.clear();
    fl.found = None;
    // The listing shows the new endpoints now.
    vec![Effect::LoadJobs, Effect::ReadJournal]
}

/// The journal refused the batch's records: nothing was sent.
pub(crate) fn on_refused(sh: &mut Shell, fl: &mut Fleet, batch_id: &str, reason: &str) {
    if let Some(b) = fl.batch.as_mut().filter(|b| b.batch.id == batch_id) {
        b.running = false;
        b.jobs.clear();
    }
    sh.screen = Screen::BatchPreview;
    sh.notice = Some(format!("Nothing was sent: {}", clean(reason)));
}

/// The new endpoint in words: `LocalInstance 10.20.30.41:3306`.
pub fn new_words(e: &ValidEndpoint) -> String {
    crate::present::new_endpoint_words(e)
}

/// The count line: `12 jobs in 2 regions, 15 calls: 3 two-way, 6 maintained with dry
/// run, 6 legacy (no dry run)` (as `failover` prints it).
pub fn count_line(b: &Batch) -> String {
    crate::present::batch_count_line(b)
}

/// The combined preview: every call of every job, by region and job, in order, with
/// its parameters and dry-run verdict (the content `failover` prints).
/// `words` wrapped at `width`, each row starting with `indent` (parameters stay
/// under their call).
fn indented(words: &[String], indent: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut line = String::from(indent);
    let iw = indent.chars().count();
    for w in words {
        let len = line.chars().count();
        if len > iw && len + 1 + w.chars().count() > width {
            out.push(Line::styled(std::mem::take(&mut line), style));
            line = String::from(indent);
        }
        if line.chars().count() > iw {
            line.push(' ');
        }
        line.push_str(w);
    }
    if line.chars().count() > iw {
        out.push(Line::styled(line, style));
    }
    out
}

pub(crate) fn preview_lines(
    sh: &Shell,
    fl: &Fleet,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let Some(bs) = &fl.batch else {
        return vec![];
    };
    let b = &bs.batch;
    let h = &sh.header;
    let mut v = vec![Line::raw(format!(
        "Target: {} {} · AK {}",
        match h.target {
            Target::Production => "PRODUCTION",
            Target::Simulator => "SIMULATOR",
            Target::Demo => "DEMO",
        },
        short_endpoint(&h.endpoint),
        h.masked_ak
    ))];
    v.push(Line::styled(
        format!(
            "Failover of {} → {} · batch {}",
            clean(&bs.query),
            new_words(&bs.endpoint),
            guard::short(&b.id)
        ),
        theme.title(),
    ));
    v.push(Line::styled(count_line(b), theme.title()));
    // A warning many jobs share is said once, with the number of jobs.
    let shared = b.shared_warnings();
    for (w, n) in &shared {
        let words: Vec<String> = format!("! {n} jobs: {}", clean(w))
            .split(' ')
            .map(str::to_string)
            .collect();
        v.extend(indented(&words, "  ", width, theme.warning()));
    }
    let mut region = "";
    for it in &b.items {
        if it.region != region {
            region = &it.region;
            v.push(Line::raw(""));
            v.push(Line::styled(clean(region).into_owned(), theme.title()));
        }
        match &it.plan {
            Ok(p) => {
                v.push(Line::raw(format!(
                    "  {}  {} · {} · {}",
                    clean(&p.job_id),
                    if p.job_name.is_empty() {
                        "-".into()
                    } else {
                        clean(&p.job_name).into_owned()
                    },
                    p.family,
                    p.topology.as_str()
                )));
                for w in p
                    .warnings
                    .iter()
                    .filter(|w| !shared.iter().any(|(x, _)| x == *w))
                {
                    let words: Vec<String> = format!("! {}", clean(w))
                        .split(' ')
                        .map(str::to_string)
                        .collect();
                    v.extend(indented(&words, "    ", width, theme.warning()));
                }
                for (i, c) in p.calls.iter().enumerate() {
                    let head = format!(
                        "    {}. {} {}: {}",
                        i + 1,
                        c.direction,
                        c.endpoint_type.as_str().to_ascii_lowercase(),
                        clean(&endpoint_words(&c.old)),
                    );
                    let new = format!("→ {}", clean(&endpoint_words(&c.new)));
                    v.extend(
                        crate::present::head_and_tail(head, &new, "       ", width)
                            .into_iter()
                            .map(Line::raw),
                    );
                    let mut words = vec![p.family.action().to_string()];
                    words.extend(
                        c.params
                            .iter()
                            .map(|(k, v)| format!("{}={}", clean(k), clean(v))),
                    );
                    v.extend(indented(&words, "       ", width, theme.muted()));
                    v.push(Line::styled(
                        format!(
                            "       {}",
                            clean(&crate::domain::family::dry_run_words(p, c))
                        ),
                        match &c.dry_run {
                            Some(d) if d.passed => theme.ok(),
                            Some(_) => theme.danger(),
                            None => theme.muted(),
                        },
                    ));
                }
            }
            Err(e) => v.push(Line::styled(
                format!(
                    "  {}  {} · ! CANNOT BE PLANNED: {}",
                    clean(&it.job.id),
                    clean(&it.job.name),
                    crate::text::clean_lines(&e.to_string()).replace('\n', " ")
                ),
                theme.danger(),
            )),
        }
    }
    v.push(Line::raw(""));
    let blocking = b.blocking().len();
    if blocking > 0 {
        v.push(Line::styled(
            format!(
                "! {blocking} of {} jobs cannot be planned or failed a dry run: nothing can be sent. Unmark them and try again.",
                b.items.len()
            ),
            theme.danger(),
        ));
    } else {
        v.push(Line::styled(
            format!(
                "Enter asks for the number of calls ({}) to send them, {} jobs at a time, each through the one guard.",
                bs.calls(),
                crate::domain::fleet::DEFAULT_PARALLEL
            ),
            theme.muted(),
        ));
    }
    v.push(Line::styled(
        "Signed with the AccessKeyId above; secret, security token and signature are never shown.",
        theme.muted(),
    ));
    v
}

/// How far the preview scrolls on the app's terminal: its last line at the bottom.
pub(crate) fn preview_max_scroll(sh: &Shell, fl: &Fleet) -> u16 {
    let body = body_of(sh.size);
    let lines = wrap_lines(
        &preview_lines(
            sh,
            fl,
            &Theme { color: false },
            body.width.saturating_sub(2) as usize,
        ),
        body.width.saturating_sub(2) as usize,
    );
    clamp_scroll(
        lines.len(),
        body.height.saturating_sub(2) as usize,
        u16::MAX,
    )
    .0
}

pub(crate) fn render_preview(sh: &Shell, fl: &Fleet, f: &mut Frame, area: Rect, theme: &Theme) {
    let lines = wrap_lines(
        &preview_lines(sh, fl, theme, area.width.saturating_sub(2) as usize),
        area.width.saturating_sub(2) as usize,
    );
    let (scroll, more) = clamp_scroll(
        lines.len(),
        area.height.saturating_sub(2) as usize,
        fl.batch.as_ref().map(|b| b.scroll).unwrap_or(0),
    );
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(more_below(
            Block::default()
                .borders(Borders::ALL)
                .title(" Fleet failover preview: exactly what will be sent "),
            more,
            theme,
        )),
        area,
    );
}

pub(crate) fn render_confirm(sh: &Shell, fl: &Fleet, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(b) = &fl.batch else { return };
    let calls = b.calls();
    let jobs = b.batch.runnable().len();
    let prod = sh.header.target == Target::Production;
    let inner = confirm_box(f, area, 10, " Confirm the failover ", prod, theme);
    let w = inner.width as usize;
    let box_w = 20usize.min(w.saturating_sub(2).max(1));
    let input = b.confirm.value();
    let scroll = b.confirm.visual_scroll(box_w);
    let shown: String = input.chars().skip(scroll).take(box_w).collect();
    let lines = [
        Line::from(vec![
            Span::styled(if prod { "! " } else { "" }, theme.danger()),
            Span::raw(format!(
                "Send {calls} call{} for {jobs} job{}",
                if calls == 1 { "" } else { "s" },
                if jobs == 1 { "" } else { "s" }
            )),
        ]),
        Line::raw(format!(
            "to {} {}",
            if prod {
                "PRODUCTION"
            } else {
                "the simulator at"
            },
            short_endpoint(&sh.header.endpoint)
        )),
        Line::raw(format!("{} → {}.", clean(&b.query), new_words(&b.endpoint))),
        Line::raw(format!("Type the number of calls to confirm: {calls}")),
        Line::from(vec![
            Span::raw("["),
            Span::styled(format!("{shown:<box_w$}"), theme.input()),
            Span::raw("]"),
        ]),
        Line::styled(
            b.confirm_message.clone().unwrap_or_default(),
            theme.danger(),
        ),
        Line::styled("Enter sends · Esc cancels (nothing is sent)", theme.muted()),
    ];
    let lines: Vec<Line> = lines.iter().map(|l| fit_line(l, w)).collect();
    f.render_widget(Paragraph::new(lines), inner);
    let x = inner.x + 1 + (b.confirm.visual_cursor().saturating_sub(scroll)) as u16;
    f.set_cursor_position(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y + 4,
    ));
}

fn phase_words(j: &BatchJob) -> (String, bool) {
    match phase(j) {
        JobPhase::Waiting => ("waiting".into(), false),
        JobPhase::Running => ("running".into(), false),
        JobPhase::Watching => ("watching the job".into(), false),
        JobPhase::Ended(r) => (
            r.as_str().to_string(),
            !matches!(r, JobResult::Healthy | JobResult::NotVerified),
        ),
    }
}

/// The progress screen: the summary line, then every job with its calls.
pub(crate) fn render_progress(sh: &Shell, fl: &Fleet, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(b) = &fl.batch else { return };
    let state = if b.running {
        if b.stopping {
            "stopping"
        } else {
            "running"
        }
    } else {
        "ended"
    };
    let spin = if b.running {
        format!("{} ", SPINNER[sh.spinner % 4])
    } else {
        String::new()
    };
    let title = format!(
        " Fleet failover · batch {} · {spin}{state} ",
        guard::short(&b.batch.id)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(fit_title(&title, area.width));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    // The summary line is never cut: it wraps.
    let head = wrap_line(&Line::styled(summary_line(b), theme.title()), w.max(1));
    let mut rows: Vec<Line> = vec![];
    let mut sel_line = 0usize;
    for (i, j) in b.jobs.iter().enumerate() {
        let sel = i == b.selected;
        if sel {
            sel_line = rows.len();
        }
        let (words, bad) = phase_words(j);
        let text = format!(
            "{}{} {} {} · {}",
            if sel { ">" } else { " " },
            clean(&j.region),
            clean(&j.state.plan.job_id),
            clean(&j.name),
            words
        );
        let mut style = if bad { theme.danger() } else { theme.base() };
        if sel {
            style = theme.selected();
        }
        rows.push(Line::styled(text, style));
        for (k, r) in j.state.rows.iter().enumerate() {
            let (label, bad) = outcome_label(r);
            let mut t = format!(
                "    {} {}/{} {label}",
                k + 1,
                r.direction,
                r.endpoint_type.as_str()
            );
            if let Some(task) = &r.task_id {
                t.push_str(&format!(" · TaskId {}", clean(task)));
            }
            if let Some(e) = &r.error {
                t.push_str(&format!(" · {}", clean(e.lines().next().unwrap_or(""))));
            }
            rows.push(Line::styled(
                t,
                if bad { theme.danger() } else { theme.muted() },
            ));
        }
        for v in &j.state.verify {
            if let Some((verdict, _)) = &v.verdict {
                rows.push(Line::styled(
                    format!(
                        "    {} {}",
                        v.direction,
                        match verdict {
                            Verdict::Healthy => "healthy",
                            Verdict::Failed => "! FAILED after the switch",
                            Verdict::TimedOut => "! NOT HEALTHY",
                            Verdict::Unreadable => "! NOT VERIFIED",
                            Verdict::Skipped => "not verified",
                        }
                    ),
                    if *verdict == Verdict::Healthy {
                        theme.ok()
                    } else {
                        theme.warning()
                    },
                ));
            }
        }
    }
    let list_h = (inner.height as usize).saturating_sub(head.len());
    let offset = sel_line.saturating_sub(list_h.saturating_sub(1).min(sel_line));
    // Keep the selected job's calls in view too where they fit.
    let offset = if sel_line >= offset + list_h.saturating_sub(3) {
        sel_line.saturating_sub(list_h.saturating_sub(3))
    } else {
        offset.min(sel_line)
    };
    let mut lines: Vec<Line> = head.iter().map(|l| fit_line(l, w)).collect();
    // Rows hidden below say so on the last row shown (the selected job is kept
    // clear of it).
    let below = rows.len() > offset + list_h;
    let shown: Vec<Line> = rows.iter().skip(offset).take(list_h).cloned().collect();
    let last = shown.len().saturating_sub(1);
    for (i, l) in shown.into_iter().enumerate() {
        if i == last && below && offset + i != sel_line {
            lines.push(Line::styled(
                format!(
                    "↓ {} more rows below (↑/↓ moves)",
                    rows.len() - offset - list_h + 1
                ),
                theme.muted(),
            ));
        } else {
            lines.push(fit_line(&l, w));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Enter on a job of the progress screen: its calls, verdicts and next step, whole.
pub(crate) fn detail(j: &BatchJob, batch_id: &str) -> Overlay {
    let p = &j.state.plan;
    let mut t = vec![format!(
        "{} {} ({}) · {} · {}",
        clean(&j.region),
        clean(&p.job_id),
        clean(&j.name),
        p.family,
        p.topology.as_str()
    )];
    t.push(format!("Result: {}", phase_words(j).0));
    for (k, (r, c)) in j.state.rows.iter().zip(&p.calls).enumerate() {
        t.push(String::new());
        t.push(format!(
            "Call {}: {} {}: {} → {}",
            k + 1,
            c.direction,
            c.endpoint_type.as_str().to_ascii_lowercase(),
            clean(&endpoint_words(&c.old)),
            clean(&endpoint_words(&c.new))
        ));
        t.push(format!("  {}", outcome_label(r).0));
        if let Some(x) = &r.task_id {
            t.push(format!("  TaskId {}", clean(x)));
        }
        if let Some(x) = &r.request_id {
            t.push(format!("  RequestId {}", clean(x)));
        }
        if let Some(d) = &c.dry_run {
            t.push(format!(
                "  dry run {}",
                if d.passed { "passed" } else { "FAILED" }
            ));
        }
        if let Some(n) = &r.note {
            t.push(format!("  {}", clean(n)));
        }
        if let Some(e) = &r.error {
            t.push(format!("  {}", crate::text::clean_lines(e)));
        }
        if let Some(e) = &r.journal_error {
            t.push(format!("  JOURNAL ERROR: {}", clean(e)));
        }
    }
    for v in &j.state.verify {
        if let Some((verdict, reason)) = &v.verdict {
            t.push(format!(
                "{}: {:?} · {}",
                v.direction,
                verdict,
                clean(reason)
            ));
        }
    }
    if let Some(run) = &j.run {
        t.push(String::new());
        t.push(format!("Next: {}", next_words(&run.next, batch_id)));
    }
    Overlay::Alert {
        title: format!("Job {}", clean(&p.job_id)),
        text: t.join("\n"),
        scroll: 0,
        plan_id: None,
    }
}

/// The next step of one job of the batch, in words.
pub fn next_words(n: &NextStep, batch_id: &str) -> String {
    let id = guard::short(batch_id);
    match n {
        NextStep::Done => "nothing: the job is switched.".into(),
        NextStep::NotHealthy => format!("the job is not healthy after the switch: look at it in the console; `dts-switch resume --batch {id}` watches it again."),
        NextStep::FixJournal { index } => format!("call {} could not be recorded in the journal: fix the journal (disk, permissions), then `dts-switch resume --batch {id}`.", index + 1),
        NextStep::NotSent { index } => format!("call {} was not sent (see why above): nothing changed in that direction.", index + 1),
        NextStep::CheckByHand { index } => format!("the outcome of call {} is UNKNOWN: check the job's endpoint by hand; `dts-switch resume --batch {id}` reads it and never resends blindly.", index + 1),
        NextStep::Follow { index } => format!("call {} still runs in the service: `dts-switch resume --batch {id}` follows it.", index + 1),
        NextStep::Redo { index } => format!("call {} failed: fix the cause (is the new database reachable from DTS?), then switch this job again.", index + 1),
        NextStep::NotFollowed { index } => format!("call {} was sent and not followed: `dts-switch resume --batch {id}` follows it.", index + 1),
        NextStep::Stopped { index } => format!("stopped before call {}: `dts-switch resume --batch {id}` sends the rest.", index + 1),
    }
}

/// The marks as the domain's matches (each with how it uses the database).
pub fn matches_of(marks: &[Mark]) -> Vec<crate::domain::find::Match> {
    marks
        .iter()
        .filter_map(|m| {
            m.usage.clone().map(|usage| crate::domain::find::Match {
                region: m.region.clone(),
                job: m.job.clone(),
                usage,
            })
        })
        .collect()
}

/// The regions of the marks, each once, in order.
pub fn regions_of(marks: &[Mark]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for m in marks {
        if !v.contains(&m.region) {
            v.push(m.region.clone());
        }
    }
    v
}

/// The runner's half of [`Effect::PlanBatch`]: the domain's targets of the marked
/// matches (the side and the directions per job, as found), the guard's word on each
/// job (an unfinished switch of it refuses it), then `plan_batch` (dry runs). `clients`:
/// each region's client; `base`: the batch's sender (journal, who).
pub async fn plan_msg(
    base: crate::domain::guard::Sender,
    clients: Vec<(String, crate::domain::service::Port)>,
    seq: u64,
    marks: Vec<Mark>,
    endpoint: ValidEndpoint,
    api: ApiChoice,
) -> crate::tui::shared::Msg {
    use crate::tui::shared::Msg;
    let matches = matches_of(&marks);
    let client_of = |r: &str| {
        clients
            .iter()
            .find(|(x, _)| x == r)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| base.client.clone())
    };
    let targets = match crate::domain::fleet::admit(
        crate::domain::fleet::targets_of(&matches, client_of, &endpoint, api),
        &base.journal,
    ) {
        Ok(t) => t,
        Err(refused) => {
            return Msg::BatchPlanned {
                seq,
                result: Err(refused.join("\n")),
            }
        }
    };
    let b = crate::domain::fleet::plan_batch(targets, &base).await;
    Msg::BatchPlanned {
        seq,
        result: Ok(BatchBox(b)),
    }
}

/// The runner's half of [`Effect::RunBatch`]: the plans of the ready jobs journalled
/// first (all of them, before any call), then `run_batch`, `parallel` jobs at a time;
/// every event and the end come to `send` as messages.
pub async fn run(
    b: Batch,
    opts: crate::domain::executor::ExecOptions,
    parallel: usize,
    write_failback: bool,
    send: impl Fn(crate::tui::shared::Msg) + Send + Sync + Clone + 'static,
) {
    use crate::tui::shared::Msg;
    let work = b.runnable();
    if let Err(e) = crate::domain::fleet::record_plans(&work) {
        send(Msg::BatchRefused {
            batch_id: b.id.clone(),
            reason: e,
        });
        return;
    }
    let journal = work.first().map(|(s, _)| s.journal.clone());
    let verify = opts.verify.clone();
    let id = b.id.clone();
    let s2 = send.clone();
    let mut on = move |i: usize, ev: &ProgressEvent| {
        s2(Msg::BatchEvent {
            batch_id: id.clone(),
            index: i,
            event: ev.clone(),
        });
    };
    let runs = crate::domain::fleet::run_batch(work, parallel, &opts, Some(&verify), &mut on).await;
    // The way back, from what the journal now knows of the batch.
    let written = chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string();
    let failback = journal
        .filter(|_| write_failback)
        .and_then(|j| crate::domain::runbook::write_failback(&j, &b.id, &written).ok())
        .flatten()
        .map(|p| p.display().to_string());
    send(Msg::BatchFinished {
        batch_id: b.id.clone(),
        runs,
        failback,
    });
}
