//! The TUI's state and its update function. Key events and async results arrive as
//! [`Msg`]s; `update` changes the state and returns [`Effect`]s for the runner to carry
//! out (API work, clipboard). No I/O here, so every flow is testable without a terminal.

use crate::api::{ApiError, CallRecord};
use crate::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use crate::domain::guard::Refusal;
use crate::domain::journal::{CallState, CallSummary, Pending, PlanSummary};
use crate::domain::plan::{self, Direction, Plan, Side};
use crate::domain::Job;
use crate::tui::form::FormState;
use crate::tui::keymap::{self, Action, Context, Key};
use ratatui::crossterm::event::KeyEvent;
use std::time::{Duration, Instant};
use tui_input::{Input, InputRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Production,
    Simulator,
    Demo,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub region: String,
    pub endpoint: String,
    pub target: Target,
    pub masked_ak: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Jobs,
    Form,
    Preview,
    Confirm,
    Progress,
    Log,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    /// Quit while something is in flight?
    Quit,
    /// Leave the progress screen while tasks run?
    LeaveProgress,
    /// Take a plan with an unknown outcome off the pending list?
    Dismiss,
    /// A message to read before going on (e.g. why a switch is refused).
    Alert {
        title: String,
        text: String,
        scroll: u16,
        /// The plan `p` opens from here.
        plan_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub what: String,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    pub next: Option<String>,
}

impl Banner {
    pub fn from_api(what: &str, e: &ApiError) -> Self {
        let full = e.to_string();
        let first = full.lines().next().unwrap_or("").to_string();
        let message = match e {
            ApiError::Service { message, .. } => crate::text::clean(message).into_owned(),
            _ => first
                .split_once(": ")
                .map(|x| x.1.to_string())
                .unwrap_or(first),
        };
        Banner {
            what: what.to_string(),
            code: e.code().map(str::to_string),
            message,
            request_id: e.request_id().map(str::to_string),
            next: e.next_step(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Listing,
    Name,
    Status,
    Delay,
}

impl SortKey {
    pub fn next(self) -> Self {
        match self {
            SortKey::Listing => SortKey::Name,
            SortKey::Name => SortKey::Status,
            SortKey::Status => SortKey::Delay,
            SortKey::Delay => SortKey::Listing,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Listing => "as listed",
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Delay => "delay ↓",
        }
    }
}

#[derive(Debug, Clone)]
pub struct JobsView {
    pub all: Vec<Job>,
    pub loaded_once: bool,
    /// (loaded, total) while pages arrive.
    pub loading: Option<(usize, u64)>,
    pub error: Option<Banner>,
    pub filter: Input,
    pub filtering: bool,
    pub sort: SortKey,
    pub selected: usize,
}

impl JobsView {
    pub fn visible(&self) -> Vec<&Job> {
        let needle = self.filter.value().trim().to_lowercase();
        let mut v: Vec<&Job> = self
            .all
            .iter()
            .filter(|j| {
                needle.is_empty()
                    || j.matches(&needle)
                    || j.detected_topology().as_str().contains(&needle)
            })
            .collect();
        match self.sort {
            SortKey::Listing => {}
            SortKey::Name => v.sort_by(|a, b| a.name.cmp(&b.name)),
            SortKey::Status => v.sort_by(|a, b| a.status().cmp(b.status())),
            SortKey::Delay => v.sort_by_key(|j| std::cmp::Reverse(j.delay_secs())),
        }
        v
    }

    pub fn selected_job(&self) -> Option<&Job> {
        self.visible().get(self.selected).copied()
    }
}

#[derive(Debug, Clone)]
pub struct PreviewState {
    pub plan: Plan,
    pub job: Job,
    /// Calls before this index are already done (a resumed or redone plan).
    pub start: usize,
    /// True for a plan that is new (the journal does not have it yet).
    pub new_plan: bool,
    /// Where Esc goes back to.
    pub back: Screen,
    pub scroll: u16,
}

#[derive(Debug, Clone, Default)]
pub struct ConfirmState {
    pub input: Input,
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CallRow {
    pub direction: Direction,
    pub endpoint_type: Side,
    pub request_id: Option<String>,
    pub task_id: Option<String>,
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
}

#[derive(Debug, Clone)]
pub struct ProgressState {
    pub plan: Plan,
    pub rows: Vec<CallRow>,
    pub running: bool,
    /// Another live process is handling this plan (this screen only watches).
    pub owner: Option<String>,
    pub selected: usize,
    /// The operator dismissed this plan's unknown outcome.
    pub dismissed: bool,
}

impl ProgressState {
    fn new(plan: Plan) -> Self {
        let rows = plan
            .calls
            .iter()
            .map(|c| CallRow {
                direction: c.direction,
                endpoint_type: c.endpoint_type,
                request_id: None,
                task_id: None,
                status: None,
                outcome: None,
                error: None,
                started: None,
                ended: None,
                note: None,
                sending: false,
                sent_by: None,
                journal_error: None,
            })
            .collect();
        ProgressState {
            plan,
            rows,
            running: false,
            owner: None,
            selected: 0,
            dismissed: false,
        }
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
        (i > 0
            && matches!(r.outcome, None | Some(Outcome::NotSent))
            && r.task_id.is_none()
            && !r.sending)
            .then_some(i)
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
            .find(|(_, r)| {
                r.task_id.is_none()
                    && !r.sending
                    && matches!(r.outcome, None | Some(Outcome::NotSent))
            })
            .map(|(i, _)| i)
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
        if self.running {
            return "Following the tasks… they go on in the service even if you leave.".into();
        }
        if let (Some(o), false) = (&self.owner, self.all_finished()) {
            return format!(
                "{o} is running this switch; this screen shows what it records in the journal."
            );
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
        if self.continue_index().is_some() {
            return "The earlier call finished; the next call was never sent. c continues with it (through preview and confirm).".into();
        }
        String::new()
    }
}

#[derive(Debug, Clone)]
pub struct LogEntry {
    pub time: String,
    pub action: String,
    pub attempt: u32,
    pub request_id: Option<String>,
    pub result: String,
    /// The client retried after this attempt.
    pub will_retry: bool,
    pub elapsed_ms: u64,
}

/// Everything the TUI shows.
pub struct App {
    pub header: Header,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub jobs: JobsView,
    pub form: Option<FormState>,
    pub preview: Option<PreviewState>,
    pub confirm: ConfirmState,
    pub progress: Option<ProgressState>,
    pub log: Vec<LogEntry>,
    pub log_selected: usize,
    /// Where Esc leaves the command log to.
    pub log_return: Screen,
    /// Unfinished switches of this region, as the journal last said.
    pub pending: Vec<PlanSummary>,
    /// Journal lines that cannot be read (switches are refused while there are any).
    pub journal_problems: Vec<String>,
    /// Unfinished switches in other regions (not shown; counted for a hint).
    pub pending_elsewhere: usize,
    /// Plans another live process on this host is handling (watch, do not act).
    pub live: Vec<String>,
    /// A one-line notice (copied, refused, …).
    pub notice: Option<String>,
    pub now: Instant,
    pub spinner: usize,
    pub quit: bool,
    /// Rows of the jobs table that fit on screen (set by the view).
    pub page: usize,
}

/// Messages: input, timer, and results of async work.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Tick(Instant),
    JobsProgress(usize, u64),
    JobsLoaded(Result<Vec<Job>, ApiError>),
    Api(CallRecord, String),
    Exec {
        plan_id: String,
        event: ProgressEvent,
    },
    /// A fresh read of the journal (another process may have written it).
    Journal(JournalView),
    /// Whether a new switch of a job is allowed (before the form opens).
    JobChecked {
        job_id: String,
        refusal: Option<Refusal>,
    },
    /// The terminal cannot be read any more (hang-up, end of input).
    TerminalGone,
    ExecFinished {
        plan_id: String,
    },
    /// The journal refused a record: nothing was sent.
    ExecRefused {
        plan_id: String,
        reason: String,
    },
    Terminate,
}

/// Work for the runner.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadJobs,
    /// Send `plan.calls[start..]` (journalling the plan first when `new_plan`).
    Execute {
        plan: Plan,
        start: usize,
        new_plan: bool,
    },
    /// Follow an accepted task of a journalled plan.
    Follow {
        plan: Plan,
        index: usize,
        task_id: String,
    },
    Copy(String),
    /// Record in the journal that the operator checked a plan by hand.
    Dismiss(String),
    /// Read the journal again.
    ReadJournal,
    /// Ask the guard whether a new switch of this job is allowed.
    CheckJob {
        job_id: String,
        region: String,
    },
}

/// The journal as last read.
#[derive(Debug, Clone, Default)]
pub struct JournalView {
    pub plans: Vec<PlanSummary>,
    /// Lines that cannot be read.
    pub problems: Vec<String>,
    /// The journal could not be read at all.
    pub error: Option<String>,
    /// Unfinished plans that another live process on this host is handling.
    pub live: Vec<String>,
}

impl App {
    pub fn new(header: Header, pending: Vec<PlanSummary>) -> Self {
        App {
            header,
            screen: Screen::Jobs,
            overlay: None,
            jobs: JobsView {
                all: vec![],
                loaded_once: false,
                loading: Some((0, 0)),
                error: None,
                filter: Input::default(),
                filtering: false,
                sort: SortKey::Listing,
                selected: 0,
            },
            form: None,
            preview: None,
            confirm: ConfirmState::default(),
            progress: None,
            log: vec![],
            log_selected: 0,
            log_return: Screen::Jobs,
            pending,
            journal_problems: vec![],
            pending_elsewhere: 0,
            live: vec![],
            notice: None,
            now: Instant::now(),
            spinner: 0,
            quit: false,
            page: 10,
        }
    }

    /// Effects to run at start: load the jobs; follow or offer what the journal left.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut fx = vec![Effect::LoadJobs];
        if let Some(p) = self.pending.first().cloned() {
            fx.extend(self.open_pending(&p));
        }
        fx
    }

    fn open_pending(&mut self, p: &PlanSummary) -> Vec<Effect> {
        let plan = p.to_plan();
        let mut st = ProgressState::new(plan.clone());
        st.dismissed = p.dismissed;
        for (row, c) in st.rows.iter_mut().zip(&p.calls) {
            apply_journal_state(row, c, self.now);
            row.note = Some("from the journal".into());
        }
        let mut fx = vec![];
        if self.live.contains(&p.plan_id) {
            // Another process runs it: watch the journal, do not follow or act.
            st.owner = Some(p.last_by().unwrap_or("another process").to_string());
        } else if let Some(Pending::Follow(i)) = p.pending() {
            if let Some(t) = p.task_id(i) {
                st.running = true;
                fx.push(Effect::Follow {
                    plan,
                    index: i,
                    task_id: t.to_string(),
                });
            }
        }
        self.notice = Some(format!(
            "Unfinished switch from the journal: job {}, started {}{}.",
            p.job_id,
            p.at,
            p.by.as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        ));
        self.progress = Some(st);
        self.screen = Screen::Progress;
        fx
    }

    /// Shows the unfinished plan `plan_id` (following its task when one runs), unless
    /// this process is busy with another one.
    fn show_plan(&mut self, plan_id: &str) -> Vec<Effect> {
        if let Some(p) = self.progress.as_ref().filter(|p| p.plan.id == plan_id) {
            let _ = p;
            self.screen = Screen::Progress;
            return vec![Effect::ReadJournal];
        }
        if self.busy() {
            self.notice = Some("a switch is running here; p shows it".into());
            self.screen = Screen::Progress;
            return vec![];
        }
        match self.pending.iter().find(|p| p.plan_id == plan_id).cloned() {
            Some(p) => self.open_pending(&p),
            None => {
                self.notice = Some("that switch is no longer unfinished".into());
                vec![Effect::ReadJournal]
            }
        }
    }

    /// Lines to print after leaving the TUI: what is still open and how to go on.
    pub fn exit_lines(&self) -> Vec<String> {
        let mut out = vec![];
        if let Some(p) = &self.progress {
            let short = crate::domain::guard::short(&p.plan.id);
            if p.running {
                out.push(format!(
                    "A switch of job {} is still running in the service (plan {short}); the journal has it: `dts-switch resume` follows it.",
                    p.plan.job_id
                ));
            }
            let finished_then_unsent = p
                .rows
                .iter()
                .position(|r| r.outcome != Some(Outcome::Finished))
                .filter(|&i| i > 0)
                .filter(|&i| {
                    let r = &p.rows[i];
                    r.task_id.is_none()
                        && !r.sending
                        && matches!(r.outcome, None | Some(Outcome::NotSent))
                });
            if let (Some(i), false) = (finished_then_unsent, p.running) {
                out.push(format!(
                    "Job {}: call {} ({}) of plan {short} was NOT sent; that direction still uses the old endpoint. Send it with `dts-switch resume`.",
                    p.plan.job_id,
                    i + 1,
                    p.rows[i].direction
                ));
            }
            if p.has_unknown() && !p.running {
                out.push(format!(
                    "Job {}: a call's outcome is UNKNOWN (plan {short}); check the job's endpoint, then `dts-switch resume` says how to go on.",
                    p.plan.job_id
                ));
            }
        }
        out
    }

    pub fn busy(&self) -> bool {
        self.progress.as_ref().is_some_and(|p| p.running)
    }

    /// Something animates: redraw on a timer only then.
    pub fn animating(&self) -> bool {
        self.busy() || self.jobs.loading.is_some()
    }

    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help { .. }) => return Context::Help,
            Some(Overlay::Alert { .. }) => return Context::Alert,
            Some(_) => return Context::Ask,
            None => {}
        }
        match self.screen {
            Screen::Jobs if self.jobs.filtering => Context::JobsFilter,
            Screen::Jobs => Context::Jobs,
            Screen::Form => Context::Form,
            Screen::Preview => Context::Preview,
            Screen::Confirm => Context::Confirm,
            Screen::Progress => Context::Progress,
            Screen::Log => Context::Log,
        }
    }
}

/// Maps editing keys to tui-input requests.
pub fn input_request(k: &KeyEvent) -> Option<InputRequest> {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    Some(match k.code {
        KeyCode::Char('a') if ctrl => InputRequest::GoToStart,
        KeyCode::Char('e') if ctrl => InputRequest::GoToEnd,
        KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
        KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Char('k') if ctrl => InputRequest::DeleteTillEnd,
        KeyCode::Char(_) if ctrl || alt => return None,
        KeyCode::Char(c) => InputRequest::InsertChar(c),
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        _ => return None,
    })
}

fn paste_into(input: &mut Input, text: &str) {
    for c in text.chars().filter(|c| !c.is_control()) {
        input.handle(InputRequest::InsertChar(c));
    }
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) => on_key(app, k),
        Msg::Paste(text) => {
            on_paste(app, &text);
            vec![]
        }
        Msg::Resize(_, h) => {
            app.page = (h as usize).saturating_sub(14).max(1);
            vec![]
        }
        Msg::Tick(now) => {
            app.now = now;
            app.spinner = app.spinner.wrapping_add(1);
            vec![]
        }
        Msg::JobsProgress(loaded, total) => {
            app.jobs.loading = Some((loaded, total));
            vec![]
        }
        Msg::JobsLoaded(Ok(jobs)) => {
            let keep = app.jobs.selected_job().map(|j| j.id.clone());
            app.jobs.all = jobs;
            app.jobs.loading = None;
            app.jobs.loaded_once = true;
            app.jobs.error = None;
            let vis = app.jobs.visible();
            app.jobs.selected = keep
                .and_then(|id| vis.iter().position(|j| j.id == id))
                .unwrap_or(0)
                .min(vis.len().saturating_sub(1));
            vec![]
        }
        Msg::JobsLoaded(Err(e)) => {
            app.jobs.loading = None;
            app.jobs.error = Some(Banner::from_api("Listing the jobs failed", &e));
            vec![]
        }
        Msg::Api(rec, time) => {
            let follow = app.log_selected + 1 >= app.log.len();
            app.log.push(LogEntry {
                time,
                action: rec.action,
                attempt: rec.attempt,
                request_id: rec.request_id,
                result: rec.result,
                will_retry: rec.will_retry,
                elapsed_ms: rec.elapsed.as_millis() as u64,
            });
            if follow {
                app.log_selected = app.log.len() - 1;
            }
            vec![]
        }
        Msg::Exec { plan_id, event } => {
            on_exec(app, &plan_id, event);
            vec![]
        }
        Msg::Journal(view) => {
            on_journal(app, view);
            vec![]
        }
        Msg::JobChecked { job_id, refusal } => on_job_checked(app, &job_id, refusal),
        Msg::TerminalGone => {
            app.quit = true;
            vec![]
        }
        Msg::ExecFinished { plan_id } => {
            if let Some(p) = app.progress.as_mut().filter(|p| p.plan.id == plan_id) {
                p.running = false;
                for r in &mut p.rows {
                    r.sending = false;
                }
            }
            // The listing shows the new endpoint once a switch finished.
            vec![Effect::LoadJobs]
        }
        Msg::ExecRefused { plan_id, reason } => {
            if let Some(p) = app.progress.as_mut().filter(|p| p.plan.id == plan_id) {
                p.running = false;
            }
            app.notice = Some(format!("Nothing was sent: {reason}"));
            vec![]
        }
        Msg::Terminate => {
            app.quit = true;
            vec![]
        }
    }
}

fn on_exec(app: &mut App, plan_id: &str, ev: ProgressEvent) {
    let now = app.now;
    let Some(p) = app.progress.as_mut().filter(|p| p.plan.id == plan_id) else {
        return;
    };
    let idx = |i: usize| i;
    match ev {
        ProgressEvent::Sending { index, .. } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                r.sending = true;
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
                r.request_id = request_id;
                r.task_id = Some(task_id);
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
                    error.lines().next().unwrap_or("")
                ));
            }
        }
        ProgressEvent::JournalError { index, error } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                r.journal_error = Some(error.clone());
            }
            app.notice = Some(format!("JOURNAL ERROR: {error}"));
        }
        ProgressEvent::Done { index, outcome } => {
            if let Some(r) = p.rows.get_mut(idx(index)) {
                apply_outcome(r, &outcome);
                r.ended = Some(now);
            }
            if let Some(refusal) = &outcome.refusal {
                app.overlay = Some(Overlay::Alert {
                    title: format!("Call {} was not sent", index + 1),
                    text: format!("{refusal}.\n\nNothing was sent."),
                    scroll: 0,
                    plan_id: None,
                });
            }
        }
    }
}

/// A fresh read of the journal: what is pending here, and what another process did to
/// the plan on screen (unless this process is running it).
fn on_journal(app: &mut App, view: JournalView) {
    let region = app.header.region.clone();
    let (here, elsewhere): (Vec<PlanSummary>, Vec<PlanSummary>) = view
        .plans
        .iter()
        .filter(|p| p.pending().is_some())
        .cloned()
        .partition(|p| p.region.eq_ignore_ascii_case(&region));
    app.pending = here;
    app.pending_elsewhere = elsewhere.len();
    app.journal_problems = view.problems;
    app.live = view.live;
    if let Some(e) = view.error {
        app.notice = Some(e);
    }
    let Some(p) = app.progress.as_mut().filter(|p| !p.running) else {
        return;
    };
    if let Some(s) = view.plans.iter().find(|s| s.plan_id == p.plan.id) {
        p.dismissed = s.dismissed;
        p.owner = app
            .live
            .contains(&s.plan_id)
            .then(|| s.last_by().unwrap_or("another process").to_string());
        for (row, c) in p.rows.iter_mut().zip(&s.calls) {
            apply_journal_state(row, c, app.now);
        }
    }
}

/// Sets a progress row from a journalled call (what any process recorded).
fn apply_journal_state(row: &mut CallRow, c: &CallSummary, now: Instant) {
    row.sent_by = c.intent_by.clone();
    match &c.state {
        CallState::NotStarted => {}
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
            row.task_id = Some(task_id.clone());
            row.request_id = request_id.clone();
            row.status = last_status.clone();
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
            row.task_id = task_id.clone();
            row.request_id = request_id.clone();
            row.status = status.clone();
            row.error = error.clone();
            if *outcome == Outcome::StillRunning || *outcome == Outcome::Sent {
                row.outcome = None;
                row.started.get_or_insert(now);
            }
        }
    }
}

/// The guard's answer before the form opens.
fn on_job_checked(app: &mut App, job_id: &str, refusal: Option<Refusal>) -> Vec<Effect> {
    if let Some(r) = refusal {
        let plan_id = match &r {
            Refusal::OtherPlan { plan_id, .. } => Some(plan_id.clone()),
            _ => None,
        };
        let mut text = format!("{r}.\n\nNothing was sent.");
        if plan_id.is_some() {
            text.push_str(" Press p to see that switch.");
        }
        app.overlay = Some(Overlay::Alert {
            title: format!("A new switch of {job_id} is refused"),
            text,
            scroll: 0,
            plan_id,
        });
        return vec![Effect::ReadJournal];
    }
    let Some(j) = app.jobs.all.iter().find(|j| j.id == job_id).cloned() else {
        app.notice = Some(format!(
            "job {job_id} is no longer in the list (r refreshes)"
        ));
        return vec![];
    };
    // A fresh form: nothing typed for an earlier, abandoned switch comes back.
    app.form = Some(FormState::new(j));
    app.screen = Screen::Form;
    vec![]
}

fn apply_outcome(r: &mut CallRow, o: &CallOutcome) {
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
    r.error = o.error.clone();
}

fn on_paste(app: &mut App, text: &str) {
    match app.screen {
        Screen::Jobs if app.jobs.filtering => {
            paste_into(&mut app.jobs.filter, text);
            app.jobs.selected = 0;
        }
        Screen::Form => {
            if let Some(f) = app.form.as_mut() {
                let item = f.focused();
                if let Some(inp) = f.input_mut(item) {
                    paste_into(inp, text.trim());
                }
            }
        }
        Screen::Confirm => paste_into(&mut app.confirm.input, text.trim()),
        _ => {}
    }
}

fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(key) = Key::from_event(&k) else {
        // Backspace / Delete etc.: text editing only.
        text_edit(app, &k);
        return vec![];
    };
    let ctx = app.context();
    let ro = app.header.read_only;
    let action = keymap::lookup(ctx, key, ro);
    // In text-entry contexts, plain characters type (a bound key wins only when it
    // cannot be part of a value).
    let typing = match ctx {
        Context::JobsFilter | Context::Confirm => true,
        Context::Form => app.form.as_ref().is_some_and(|f| f.focused().is_text()),
        _ => false,
    };
    if typing && matches!(key, Key::Space) {
        if ctx == Context::Form {
            // A space is no part of any endpoint value: ignore it.
            return vec![];
        }
        text_edit(app, &k);
        return vec![];
    }
    if typing && matches!(key, Key::Char(c) if c != '?' || ctx != Context::Form) {
        text_edit(app, &k);
        return vec![];
    }
    if typing
        && matches!(
            key,
            Key::Left
                | Key::Right
                | Key::Home
                | Key::End
                | Key::Ctrl('a')
                | Key::Ctrl('e')
                | Key::Ctrl('u')
                | Key::Ctrl('w')
                | Key::Ctrl('k')
        )
    {
        text_edit(app, &k);
        return vec![];
    }
    let Some(action) = action else {
        if ro && keymap::lookup(ctx, key, false).is_some() {
            app.notice = Some("read-only mode: switching is disabled".into());
        }
        return vec![];
    };
    app.notice = None;
    match ctx {
        Context::Help => {
            if let Some(Overlay::Help { scroll }) = &mut app.overlay {
                match action {
                    Action::Up => *scroll = scroll.saturating_sub(1),
                    Action::Down => *scroll = (*scroll + 1).min(80),
                    Action::Back => app.overlay = None,
                    Action::Quit => request_quit(app),
                    _ => {}
                }
            }
            vec![]
        }
        Context::Alert => {
            if let Some(Overlay::Alert {
                scroll, plan_id, ..
            }) = &mut app.overlay
            {
                match action {
                    Action::Up => *scroll = scroll.saturating_sub(1),
                    Action::Down => *scroll = (*scroll + 1).min(200),
                    Action::ShowProgress => {
                        let id = plan_id.clone();
                        app.overlay = None;
                        if let Some(id) = id {
                            return app.show_plan(&id);
                        }
                    }
                    Action::Back => app.overlay = None,
                    _ => {}
                }
            }
            vec![]
        }
        Context::Ask => {
            let which = app.overlay.clone();
            app.overlay = None;
            match (which, action) {
                (Some(Overlay::Quit), Action::Yes | Action::Quit) => app.quit = true,
                (Some(Overlay::LeaveProgress), Action::Yes) => {
                    app.screen = Screen::Jobs;
                    app.notice =
                        Some("The switch goes on in the background; p shows its progress.".into());
                }
                (Some(Overlay::Dismiss), Action::Yes) => {
                    if let Some(p) = app.progress.as_mut() {
                        let id = p.plan.id.clone();
                        p.dismissed = true;
                        app.pending.retain(|x| x.plan_id != id);
                        app.notice = Some(
                            "dismissed: the switch is no longer pending; nothing was sent".into(),
                        );
                        return vec![Effect::Dismiss(id)];
                    }
                }
                _ => {}
            }
            vec![]
        }
        _ => on_action(app, ctx, action),
    }
}

fn text_edit(app: &mut App, k: &KeyEvent) {
    let Some(req) = input_request(k) else { return };
    match app.context() {
        Context::JobsFilter => {
            app.jobs.filter.handle(req);
            app.jobs.selected = 0;
        }
        Context::Confirm => {
            app.confirm.input.handle(req);
            app.confirm.message = None;
        }
        Context::Form => {
            if let Some(f) = app.form.as_mut() {
                let item = f.focused();
                if let Some(inp) = f.input_mut(item) {
                    inp.handle(req);
                }
            }
        }
        _ => {}
    }
}

fn request_quit(app: &mut App) {
    if app.busy() {
        app.overlay = Some(Overlay::Quit);
    } else {
        app.quit = true;
    }
}

fn move_sel(sel: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *sel = 0;
        return;
    }
    let v = (*sel as isize + delta).clamp(0, len as isize - 1);
    *sel = v as usize;
}

fn on_action(app: &mut App, ctx: Context, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            request_quit(app);
            return vec![];
        }
        Action::Help => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            return vec![];
        }
        _ => {}
    }
    match ctx {
        Context::Jobs => jobs_action(app, action),
        Context::JobsFilter => {
            match action {
                Action::Submit => app.jobs.filtering = false,
                Action::Back => {
                    app.jobs.filtering = false;
                    app.jobs.filter = Input::default();
                }
                Action::Up => {
                    let n = app.jobs.visible().len();
                    move_sel(&mut app.jobs.selected, n, -1)
                }
                Action::Down => {
                    let n = app.jobs.visible().len();
                    move_sel(&mut app.jobs.selected, n, 1)
                }
                _ => {}
            }
            vec![]
        }
        Context::Form => form_action(app, action),
        Context::Preview => {
            if let Some(p) = app.preview.as_mut() {
                match action {
                    Action::Up => p.scroll = p.scroll.saturating_sub(1),
                    Action::Down => {
                        let lines: usize = 8 + p
                            .plan
                            .calls
                            .iter()
                            .map(|c| c.params.len() + 3)
                            .sum::<usize>();
                        p.scroll = (p.scroll + 1).min(lines as u16);
                    }
                    Action::Back => app.screen = p.back,
                    Action::Submit => {
                        app.confirm = ConfirmState::default();
                        app.screen = Screen::Confirm;
                    }
                    _ => {}
                }
            }
            vec![]
        }
        Context::Confirm => confirm_action(app, action),
        Context::Progress => progress_action(app, action),
        Context::Log => {
            let n = app.log.len();
            match action {
                Action::Up => move_sel(&mut app.log_selected, n, -1),
                Action::Down => move_sel(&mut app.log_selected, n, 1),
                Action::Top => app.log_selected = 0,
                Action::Bottom => app.log_selected = n.saturating_sub(1),
                Action::Copy => {
                    if let Some(id) = app
                        .log
                        .get(app.log_selected)
                        .and_then(|e| e.request_id.clone())
                    {
                        app.notice = Some(format!("copied RequestId {id}"));
                        return vec![Effect::Copy(id)];
                    }
                    app.notice = Some("this call has no RequestId".into());
                }
                Action::Back => app.screen = app.log_return,
                _ => {}
            }
            vec![]
        }
        Context::Help | Context::Alert | Context::Ask => vec![],
    }
}

fn jobs_action(app: &mut App, action: Action) -> Vec<Effect> {
    let n = app.jobs.visible().len();
    let page = app.page.max(1) as isize;
    match action {
        Action::Up => move_sel(&mut app.jobs.selected, n, -1),
        Action::Down => move_sel(&mut app.jobs.selected, n, 1),
        Action::PageUp => move_sel(&mut app.jobs.selected, n, -page),
        Action::PageDown => move_sel(&mut app.jobs.selected, n, page),
        Action::Top => app.jobs.selected = 0,
        Action::Bottom => app.jobs.selected = n.saturating_sub(1),
        Action::Filter => app.jobs.filtering = true,
        Action::Sort => {
            app.jobs.sort = app.jobs.sort.next();
            app.jobs.selected = 0;
        }
        Action::Refresh if app.jobs.loading.is_none() => {
            app.jobs.loading = Some((0, 0));
            return vec![Effect::LoadJobs];
        }
        Action::Log => {
            app.log_return = Screen::Jobs;
            app.screen = Screen::Log;
        }
        Action::ShowProgress => {
            // The selected job's unfinished switch first, then what runs here, then
            // any unfinished switch: every one is reachable.
            let sel = app.jobs.selected_job().map(|j| j.id.clone());
            let of_selected = sel.and_then(|id| {
                app.pending
                    .iter()
                    .rev()
                    .find(|p| p.job_id == id)
                    .map(|p| p.plan_id.clone())
            });
            if let Some(id) = of_selected {
                return app.show_plan(&id);
            }
            if app.progress.is_some() {
                app.screen = Screen::Progress;
                return vec![Effect::ReadJournal];
            }
            if let Some(id) = app.pending.first().map(|p| p.plan_id.clone()) {
                return app.show_plan(&id);
            }
            app.notice = Some("no switch to show: none ran here and none is unfinished".into());
        }
        Action::Copy => {
            if let Some(j) = app.jobs.selected_job() {
                let id = j.id.clone();
                app.notice = Some(format!("copied job id {id}"));
                return vec![Effect::Copy(id)];
            }
        }
        Action::Open => {
            if app.busy() {
                app.notice = Some("a switch is running; wait for it to end (p shows it)".into());
            } else if let Some(j) = app.jobs.selected_job() {
                // The guard answers first (a fresh read of the journal): a job with
                // an unfinished switch is refused before the form, not after it.
                return vec![Effect::CheckJob {
                    job_id: j.id.clone(),
                    region: app.header.region.clone(),
                }];
            }
        }
        Action::Back => {
            app.jobs.filter = Input::default();
            app.jobs.selected = 0;
        }
        _ => {}
    }
    vec![]
}

fn form_action(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(f) = app.form.as_mut() else {
        app.screen = Screen::Jobs;
        return vec![];
    };
    match action {
        Action::NextField => f.next(),
        Action::PrevField => f.prev(),
        Action::ChoiceLeft => f.change(-1),
        Action::ChoiceRight | Action::Toggle if !f.focused().is_text() => {
            f.change(1);
        }
        Action::Back => {
            app.screen = Screen::Jobs;
        }
        Action::Submit => {
            f.tried_submit = true;
            match f.to_request() {
                Err(_) => {
                    f.focus_first_error();
                    app.notice = Some("fix the marked fields first".into());
                }
                Ok(req) => match plan::plan(&f.job, &app.header.region, &req) {
                    Err(e) => app.notice = Some(e.to_string()),
                    Ok(plan) => {
                        app.preview = Some(PreviewState {
                            plan,
                            job: f.job.clone(),
                            start: 0,
                            new_plan: true,
                            back: Screen::Form,
                            scroll: 0,
                        });
                        app.screen = Screen::Preview;
                    }
                },
            }
        }
        _ => {}
    }
    vec![]
}

fn confirm_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Back => {
            app.confirm = ConfirmState::default();
            app.screen = Screen::Preview;
            app.notice = Some("cancelled: nothing was sent".into());
            vec![]
        }
        Action::Submit => {
            let Some(pv) = app.preview.clone() else {
                app.screen = Screen::Jobs;
                return vec![];
            };
            if app.header.read_only {
                app.notice = Some("read-only mode: nothing is sent".into());
                return vec![];
            }
            if app.confirm.input.value().trim() != pv.plan.job_id {
                app.confirm.message = Some(format!(
                    "type the job id {} exactly to send; Esc cancels",
                    pv.plan.job_id
                ));
                return vec![];
            }
            app.confirm = ConfirmState::default();
            let mut st = match app.progress.take().filter(|p| p.plan.id == pv.plan.id) {
                Some(existing) => existing,
                None => ProgressState::new(pv.plan.clone()),
            };
            st.running = true;
            st.selected = pv.start;
            for r in st.rows.iter_mut().skip(pv.start) {
                r.outcome = None;
                r.error = None;
                r.note = None;
            }
            app.progress = Some(st);
            app.screen = Screen::Progress;
            app.preview = None;
            vec![Effect::Execute {
                plan: pv.plan,
                start: pv.start,
                new_plan: pv.new_plan,
            }]
        }
        _ => vec![],
    }
}

fn progress_action(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(p) = app.progress.as_mut() else {
        app.screen = Screen::Jobs;
        return vec![];
    };
    let n = p.rows.len();
    match action {
        Action::Up => move_sel(&mut p.selected, n, -1),
        Action::Down => move_sel(&mut p.selected, n, 1),
        Action::Copy => {
            if let Some(t) = p.rows.get(p.selected).and_then(|r| r.task_id.clone()) {
                app.notice = Some(format!("copied TaskId {t}"));
                return vec![Effect::Copy(t)];
            }
            app.notice = Some("this call has no TaskId".into());
        }
        Action::Log => {
            app.log_return = Screen::Progress;
            app.screen = Screen::Log;
        }
        Action::Back => {
            if p.running {
                app.overlay = Some(Overlay::LeaveProgress);
            } else {
                app.screen = Screen::Jobs;
            }
        }
        Action::Dismiss => {
            if p.running || !p.has_unknown() {
                app.notice = Some("nothing to dismiss: no call with an unknown outcome".into());
            } else {
                app.overlay = Some(Overlay::Dismiss);
            }
        }
        Action::ShowProgress => {
            if p.running {
                return vec![];
            }
            // The next unfinished switch after this one (every one is reachable).
            let cur = p.plan.id.clone();
            let ids: Vec<String> = app.pending.iter().map(|x| x.plan_id.clone()).collect();
            let next = ids
                .iter()
                .position(|id| *id == cur)
                .map(|i| ids[(i + 1) % ids.len()].clone())
                .or_else(|| ids.first().cloned());
            match next {
                Some(id) if id != cur => {
                    app.progress = None;
                    return app.show_plan(&id);
                }
                _ => app.notice = Some("no other unfinished switch".into()),
            }
        }
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
                        app.notice = Some("no failed or refused call to redo".into());
                        return vec![];
                    }
                }
            } else if let Some(i) = p.continue_index() {
                (i, false)
            } else if let Some(i) = p.after_dismissed_index() {
                (i, true)
            } else {
                app.notice = Some("nothing to continue".into());
                return vec![];
            };
            let job = app
                .jobs
                .all
                .iter()
                .find(|j| j.id == p.plan.job_id)
                .cloned()
                .or_else(|| {
                    app.form
                        .as_ref()
                        .map(|f| f.job.clone())
                        .filter(|j| j.id == p.plan.job_id)
                });
            let Some(job) = job else {
                app.notice = Some("the job is not in the list yet; wait for it to load (r)".into());
                return vec![];
            };
            let (plan, start) = if fresh {
                (p.plan.remaining_from(i), 0)
            } else {
                (p.plan.clone(), i)
            };
            app.preview = Some(PreviewState {
                plan,
                job,
                start,
                new_plan: fresh,
                back: Screen::Progress,
                scroll: 0,
            });
            app.screen = Screen::Preview;
            return vec![Effect::ReadJournal];
        }
        _ => {}
    }
    vec![]
}

/// Elapsed time of a call row, for display.
pub fn elapsed(r: &CallRow, now: Instant) -> Option<Duration> {
    let start = r.started?;
    Some(r.ended.unwrap_or(now).saturating_duration_since(start))
}
