//! The TUI's state and its update function. Key events and async results arrive as
//! [`Msg`]s; `update` changes the state and returns [`Effect`]s for the runner to carry
//! out (API work, clipboard). No I/O here, so every flow is testable without a terminal.

use crate::api::CallRecord;
use crate::domain::executor::{Outcome, ProgressEvent};
use crate::domain::family::{ApiChoice, Family};
use crate::domain::guard::Refusal;
use crate::domain::journal::{Pending, PlanSummary};
use crate::domain::plan::{Plan, SwitchRequest};
use crate::domain::planner::PlanFailure;
use crate::domain::service::ServiceError;
use crate::domain::Job;
use crate::tui::fleet::FleetState;
use crate::tui::form::FormState;
use crate::tui::jobs::{jobs_action, on_job_checked};
pub use crate::tui::jobs::{JobsView, SortKey};
use crate::tui::keymap::{self, Action, Context, Key};
use crate::tui::progress::{apply_journal_state, on_exec, on_journal, on_verify, progress_action};
pub use crate::tui::progress::{elapsed, CallRow, ProgressState};
use ratatui::crossterm::event::KeyEvent;
use std::time::Instant;
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
    /// Fleet failover: the combined preview.
    BatchPreview,
    /// Fleet failover: the typed confirmation (over the preview).
    BatchConfirm,
    /// Fleet failover: every job with its calls.
    BatchProgress,
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
    /// Pick the region (typing filters the list).
    Region {
        filter: String,
        selected: usize,
    },
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
    pub fn from_api(what: &str, e: &ServiceError) -> Self {
        let full = e.to_string();
        let first = full.lines().next().unwrap_or("").to_string();
        let message = match &e.message {
            Some(message) if e.is_service_answer() => crate::text::clean(message).into_owned(),
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

/// The most characters the jobs filter, the confirmation and the region picker take
/// (typing stops there; a paste is cut to it).
pub const FILTER_MAX: usize = 256;
pub const CONFIRM_MAX: usize = 64;
pub const REGION_MAX: usize = 64;

/// A plan being made off the event loop (the maintained family's dry runs ask the
/// service): its answer counts only while this is set with the same `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planning {
    pub seq: u64,
    pub job_id: String,
    pub api: ApiChoice,
}

/// What the operator asked for, carried to the planner (compared by value in tests).
#[derive(Debug, Clone)]
pub struct PlanRequest(pub SwitchRequest);

impl PartialEq for PlanRequest {
    fn eq(&self, o: &Self) -> bool {
        let (a, b) = (&self.0, &o.0);
        a.database == b.database
            && a.endpoint == b.endpoint
            && a.only_direction == b.only_direction
            && a.topology == b.topology
    }
}

#[derive(Debug, Clone, Default)]
pub struct ConfirmState {
    pub input: Input,
    pub message: Option<String>,
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
    /// The terminal's size (columns, rows), for scrolling that stops at the end.
    pub size: (u16, u16),
    /// A plan being made (dry runs under way).
    pub planning: Option<Planning>,
    /// The last plan request's number (older answers are dropped).
    pub plan_seq: u64,
    /// Something wrote to the terminal behind the TUI (it was caught and hidden): said
    /// once in the status line.
    pub stray_output_reported: bool,
    /// Fleet failover: the old-endpoint search and the marked jobs.
    pub fleet: FleetState,
}

/// Messages: input, timer, and results of async work.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Tick(Instant),
    /// A listing (generation `0`) starts: older listings' messages are dropped.
    JobsStarted(u64),
    /// Listing progress, in words (pages, retries, waits, timeout).
    JobsProgress(u64, String),
    /// The next jobs, in listing order, as their pages arrive.
    JobsBatch(u64, Vec<Job>),
    /// The listing ended: every job (in listing order), or the error.
    JobsLoaded {
        generation: u64,
        result: Result<Vec<Job>, ServiceError>,
        /// Why DescribeDtsJobs could not be read (jobs without a listed Reverse entry
        /// then have an unknown topology).
        two_way_error: Option<String>,
    },
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
    /// The client now works in this region, at this endpoint.
    RegionChanged {
        region: String,
        endpoint: String,
    },
    /// Progress of the watch after the switch.
    Verify {
        plan_id: String,
        event: crate::domain::verify::VerifyEvent,
    },
    ExecFinished {
        plan_id: String,
    },
    /// The journal refused a record: nothing was sent.
    ExecRefused {
        plan_id: String,
        reason: String,
    },
    Terminate,
    /// The planner's answer to [`Effect::MakePlan`] number `seq`.
    Planned {
        seq: u64,
        result: Result<Plan, PlanFailure>,
    },
    /// Text something wrote to stderr while the TUI ran (caught, never shown raw).
    StrayOutput(String),
    /// The log file cannot be written (said once: the logging keeps quiet about it).
    LogUnwritable(String),
    /// A region of search `seq` ([`Effect::Find`]) answered.
    FindRegionDone {
        seq: u64,
    },
    /// The answer of search `seq`: every region's report and the matches.
    Found {
        seq: u64,
        report: crate::domain::find::FindReport,
    },
    /// The planned batch of [`Effect::PlanBatch`] `seq`, or why some marked jobs cannot
    /// be in it (nothing was sent).
    BatchPlanned {
        seq: u64,
        result: Result<crate::tui::batch::BatchBox, String>,
    },
    /// An event of job `index` of a running batch.
    BatchEvent {
        batch_id: String,
        index: usize,
        event: ProgressEvent,
    },
    /// The batch ended: each job's run, in order.
    BatchFinished {
        batch_id: String,
        runs: Vec<crate::domain::drive::PlanRun>,
        /// The failback runbook written (when the batch changed something).
        failback: Option<String>,
    },
    /// The journal refused the batch's plan records: nothing was sent.
    BatchRefused {
        batch_id: String,
        reason: String,
    },
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
        /// Every id of the job (the guard's key).
        job_ids: Vec<String>,
        region: String,
    },
    /// Use another region (and remember it).
    SetRegion(String),
    /// Watch the job after every call of the plan Finished.
    Verify(Plan),
    /// Make the plan through the domain planner (family detection, dry runs) off the
    /// event loop; the answer comes back as [`Msg::Planned`].
    MakePlan {
        seq: u64,
        job: Box<Job>,
        region: String,
        req: PlanRequest,
        api: ApiChoice,
    },
    /// Ctrl-Z: give the terminal back and stop until `fg` (the runner does it).
    Suspend,
    /// Search these regions for the jobs that use the old endpoint `query`
    /// (`domain::find::search_regions`); the answer comes back as [`Msg::Found`].
    Find {
        seq: u64,
        query: crate::domain::find::Query,
        regions: Vec<String>,
    },
    /// Plan a fleet failover of the marked jobs to `endpoint`
    /// (`domain::fleet::targets_of`, the guard's check, `plan_batch`); the answer comes
    /// back as [`Msg::BatchPlanned`].
    PlanBatch {
        seq: u64,
        marks: Vec<crate::tui::fleet::Mark>,
        endpoint: crate::domain::rules::ValidEndpoint,
        api: ApiChoice,
    },
    /// Journal the batch's plans and run it (`domain::fleet::run_batch`).
    RunBatch(crate::tui::batch::BatchBox),
    /// Stop sending new calls of the running batch.
    StopBatch,
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
                loading: Some(String::new()),
                generation: 0,
                incoming: None,
                complete: false,
                two_way_error: None,
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
            size: (80, 24),
            planning: None,
            plan_seq: 0,
            stray_output_reported: false,
            fleet: FleetState::default(),
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
            apply_journal_state(row, c, self.now, self.live.contains(&p.plan_id));
            row.note = Some("from the journal".into());
        }
        let mut fx = vec![];
        if self.live.contains(&p.plan_id) {
            // Another process runs it: watch the journal, do not follow or act.
            st.owner = Some(p.last_by().unwrap_or("another process").to_string());
        } else if p.needs_verification() {
            // The process that switched stopped while it watched the job: go on.
            st.verifying = true;
            fx.push(Effect::Verify(plan.clone()));
        } else if let Some(Pending::Follow(i)) = p.pending() {
            // The legacy family follows the switch task; the maintained one has none
            // and follows the direction itself.
            let task = p
                .task_id(i)
                .filter(|t| !t.is_empty())
                .or((plan.family == Family::Maintained).then_some(""));
            if let Some(t) = task {
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
    pub(crate) fn show_plan(&mut self, plan_id: &str) -> Vec<Effect> {
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
        if let Some(b) = self
            .fleet
            .batch
            .as_ref()
            .filter(|b| b.started() && self.header.target == Target::Demo)
        {
            out.push(format!(
                "Demo batch {}: {}. The demo's journal and simulator end with the demo: nothing of it is left to resume.",
                crate::domain::guard::short(&b.batch.id),
                crate::tui::batch::summary_line(b)
            ));
        } else if let Some(b) = self.fleet.batch.as_ref().filter(|b| b.started()) {
            let id = crate::domain::guard::short(&b.batch.id);
            let sm = crate::tui::batch::summary(b);
            if b.running {
                out.push(format!(
                    "A fleet failover (batch {id}) was still running: {}. What was sent goes on in the service; the journal has the batch: `dts-switch resume --batch {id}` settles what is left.",
                    crate::tui::batch::summary_line(b)
                ));
            } else if sm.healthy < sm.jobs {
                out.push(format!(
                    "Fleet failover batch {id}: {}. `dts-switch history --batch {id}` has every call; `dts-switch resume --batch {id}` settles what is left (an UNKNOWN outcome is read from the job, never resent).",
                    crate::tui::batch::summary_line(b)
                ));
            }
            if let Some(f) = &b.failback {
                out.push(format!(
                    "The way back (failback runbook): {} (review: dts-switch apply {} --dry-run)",
                    crate::text::clean(f),
                    crate::text::clean(f)
                ));
            }
        }
        if let Some(p) = &self.progress {
            let short = crate::domain::guard::short(&p.plan.id);
            if p.running {
                let unsent: Vec<&str> = p
                    .rows
                    .iter()
                    .filter(|r| !r.was_sent() && r.outcome.is_none())
                    .map(|r| r.direction.as_str())
                    .collect();
                out.push(format!(
                    "A switch of job {} is still running in the service (plan {short}); the journal has it: `dts-switch resume` follows it{}.",
                    p.plan.job_id,
                    if unsent.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ". The {} call was NOT sent: that direction still uses the old endpoint; resume sends it once the running task Finished",
                            unsent.join(" and ")
                        )
                    }
                ));
            }
            let finished_then_unsent = p
                .rows
                .iter()
                .position(|r| r.outcome != Some(Outcome::Finished))
                .filter(|&i| i > 0)
                .filter(|&i| {
                    let r = &p.rows[i];
                    !r.was_sent() && matches!(r.outcome, None | Some(Outcome::NotSent))
                });
            if let (Some(i), false) = (finished_then_unsent, p.running) {
                out.push(format!(
                    "Job {}: call {} ({}) of plan {short} was NOT sent; that direction still uses the old endpoint. Send it with `dts-switch resume`.",
                    p.plan.job_id,
                    i + 1,
                    p.rows[i].direction
                ));
            }
            if p.verifying && !p.running {
                out.push(format!(
                    "Job {}: switched; the job was still being watched when you left (plan {short}): `dts-switch resume` watches it again.",
                    p.plan.job_id
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

    /// Whether `action` does something right now (the footer shows only those).
    pub fn available(&self, action: Action) -> bool {
        let p = self.progress.as_ref().filter(|p| !p.running);
        match (self.context(), action) {
            (Context::Progress, Action::Redo) => p.is_some_and(|p| p.failed_index().is_some()),
            (Context::Progress, Action::Continue) => p.is_some_and(|p| {
                p.continue_index().is_some() || p.after_dismissed_index().is_some()
            }),
            (Context::Progress, Action::Dismiss) => {
                p.is_some_and(|p| p.has_unknown() && p.owner.is_none())
            }
            (Context::Progress, Action::Copy) => self
                .progress
                .as_ref()
                .is_some_and(|p| p.rows.get(p.selected).is_some_and(|r| r.task_id.is_some())),
            (Context::BatchProgress, Action::Stop) => self
                .fleet
                .batch
                .as_ref()
                .is_some_and(|b| b.running && !b.stopping),
            (Context::BatchPreview, Action::Submit) => self
                .fleet
                .batch
                .as_ref()
                .is_some_and(|b| b.batch.blocking().is_empty()),
            (Context::Preview, Action::Submit) => self
                .preview
                .as_ref()
                .is_some_and(|p| crate::domain::planner::dry_runs_passed(&p.plan)),
            (Context::Alert, Action::ShowProgress) => matches!(
                &self.overlay,
                Some(Overlay::Alert {
                    plan_id: Some(_),
                    ..
                })
            ),
            _ => true,
        }
    }

    pub fn busy(&self) -> bool {
        self.progress.as_ref().is_some_and(|p| p.running)
            || self.fleet.batch.as_ref().is_some_and(|b| b.running)
    }

    /// Something animates: redraw on a timer only then.
    pub fn animating(&self) -> bool {
        self.busy()
            || self.jobs.loading.is_some()
            || self.planning.is_some()
            || self.fleet.searching.is_some()
            || self.fleet.planning.is_some()
            || self.progress.as_ref().is_some_and(|p| p.verifying)
    }

    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Alert { .. }) => Context::Alert,
            Some(Overlay::Region { .. }) => Context::Region,
            Some(_) => Context::Ask,
            None => self.screen_context(),
        }
    }

    /// The context of the screen under any overlay (the help overlay shows its keys
    /// first).
    pub fn screen_context(&self) -> Context {
        match self.screen {
            Screen::Jobs if self.fleet.prompting => Context::FindPrompt,
            Screen::Jobs if self.jobs.filtering => Context::JobsFilter,
            Screen::Jobs => Context::Jobs,
            Screen::Form => Context::Form,
            Screen::Preview => Context::Preview,
            Screen::Confirm => Context::Confirm,
            Screen::Progress => Context::Progress,
            Screen::Log => Context::Log,
            Screen::BatchPreview => Context::BatchPreview,
            Screen::BatchConfirm => Context::BatchConfirm,
            Screen::BatchProgress => Context::BatchProgress,
        }
    }
}

/// The tui-input request for a key in a text field: a printable character types; the
/// editing keys come from [`keymap::TEXT_EDIT`].
pub fn input_request(k: &KeyEvent) -> Option<InputRequest> {
    use keymap::Edit;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    let plain = !k
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if let (KeyCode::Char(c), true) = (k.code, plain) {
        return Some(InputRequest::InsertChar(c));
    }
    Some(match keymap::edit_for(Key::from_event(k)?)? {
        Edit::Left => InputRequest::GoToPrevChar,
        Edit::Right => InputRequest::GoToNextChar,
        Edit::Start => InputRequest::GoToStart,
        Edit::End => InputRequest::GoToEnd,
        Edit::DeletePrev => InputRequest::DeletePrevChar,
        Edit::DeleteNext => InputRequest::DeleteNextChar,
        Edit::DeleteLine => InputRequest::DeleteLine,
        Edit::DeleteWord => InputRequest::DeletePrevWord,
        Edit::DeleteToEnd => InputRequest::DeleteTillEnd,
    })
}

/// Inserts `text` at the cursor in one step (never character by character: a 1 MB
/// paste costs one pass over it), control characters dropped, the field kept at `cap`
/// characters. Returns how many pasted characters were kept when the rest was cut.
pub fn insert_capped(
    input: &mut Input,
    text: impl Iterator<Item = char>,
    cap: usize,
) -> Option<usize> {
    let value = input.value();
    let room = cap.saturating_sub(value.chars().count());
    let mut it = text.filter(|c| !c.is_control());
    let ins: String = it.by_ref().take(room).collect();
    let cut = it.next().is_some();
    let at = input.cursor();
    let byte = value
        .char_indices()
        .nth(at)
        .map(|(b, _)| b)
        .unwrap_or(value.len());
    let mut v = String::with_capacity(value.len() + ins.len());
    v.push_str(&value[..byte]);
    v.push_str(&ins);
    v.push_str(&value[byte..]);
    let kept = ins.chars().count();
    *input = Input::new(v).with_cursor(at + kept);
    cut.then_some(kept)
}

/// Pastes into `input` (see [`insert_capped`]) and says in the status line when the
/// paste was cut.
fn paste_into(
    notice: &mut Option<String>,
    input: &mut Input,
    text: impl Iterator<Item = char>,
    cap: usize,
) {
    match insert_capped(input, text, cap) {
        Some(0) => {
            *notice = Some(format!(
                "nothing pasted: the field is full (it holds at most {cap} characters)"
            ))
        }
        Some(kept) => {
            *notice = Some(format!(
                "pasted text cut to {kept} character{} (this field holds at most {cap})",
                if kept == 1 { "" } else { "s" }
            ))
        }
        None => {}
    }
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) => on_key(app, k),
        Msg::Paste(text) => {
            on_paste(app, &text);
            vec![]
        }
        Msg::Resize(w, h) => {
            app.size = (w, h);
            app.page = (h as usize).saturating_sub(14).max(1);
            vec![]
        }
        Msg::Tick(now) => {
            app.now = now;
            app.spinner = app.spinner.wrapping_add(1);
            vec![]
        }
        Msg::JobsStarted(g) => {
            app.jobs.generation = g;
            app.jobs.loading = Some(String::new());
            // A first listing (or a new region) shows rows as they arrive; a refresh of
            // a complete list keeps its rows on screen and swaps them at the end. Rows of
            // a listing that never completed are provisional: they start again.
            if app.jobs.complete {
                app.jobs.incoming = Some(Vec::new());
            } else {
                app.jobs.incoming = None;
                app.jobs.all.clear();
                app.jobs.selected = 0;
            }
            vec![]
        }
        Msg::JobsProgress(g, text) if g == app.jobs.generation => {
            app.jobs.loading = Some(text);
            vec![]
        }
        Msg::JobsBatch(g, batch) if g == app.jobs.generation => {
            match app.jobs.incoming.as_mut() {
                Some(v) => v.extend(batch),
                None => {
                    let keep = app.jobs.selected_job().map(|j| j.id.clone());
                    app.jobs.all.extend(batch);
                    app.jobs.keep_selection(keep);
                }
            }
            vec![]
        }
        Msg::JobsLoaded {
            generation,
            result,
            two_way_error,
        } if generation == app.jobs.generation => {
            app.jobs.loading = None;
            app.jobs.incoming = None;
            match result {
                Ok(jobs) => {
                    let keep = app.jobs.selected_job().map(|j| j.id.clone());
                    app.jobs.all = jobs;
                    app.jobs.complete = true;
                    app.jobs.error = None;
                    app.jobs.two_way_error = two_way_error;
                    app.jobs.keep_selection(keep);
                }
                Err(e) => {
                    app.jobs.error = Some(Banner::from_api("Listing the jobs failed", &e));
                }
            }
            vec![]
        }
        // A listing that was replaced by a newer one.
        Msg::JobsProgress(..) | Msg::JobsBatch(..) | Msg::JobsLoaded { .. } => vec![],
        Msg::Api(rec, time) => {
            let follow = app.log_selected + 1 >= app.log.len();
            app.log.push(LogEntry {
                time,
                action: rec.action,
                attempt: rec.attempt,
                request_id: rec.request_id.map(|r| crate::text::clean(&r).into_owned()),
                result: crate::text::clean(&rec.result).into_owned(),
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
        Msg::RegionChanged { region, endpoint } => {
            app.header.region = region.clone();
            app.header.endpoint = endpoint;
            app.jobs.all.clear();
            app.jobs.selected = 0;
            app.jobs.error = None;
            app.jobs.loading = Some(String::new());
            app.notice = Some(format!("region {region}: listing its jobs"));
            vec![Effect::LoadJobs, Effect::ReadJournal]
        }
        Msg::Verify { plan_id, event } => {
            on_verify(app, &plan_id, event);
            vec![]
        }
        Msg::ExecFinished { plan_id } => {
            let mut fx = vec![];
            if let Some(p) = app.progress.as_mut().filter(|p| p.plan.id == plan_id) {
                p.running = false;
                for r in &mut p.rows {
                    r.sending = false;
                }
                // Done means replicating again: watch the job.
                if p.all_finished() && p.verify.is_empty() && !p.verifying && p.owner.is_none() {
                    p.verifying = true;
                    fx.push(Effect::Verify(p.plan.clone()));
                }
            }
            // The listing shows the new endpoint once a switch finished.
            fx.push(Effect::LoadJobs);
            fx
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
        Msg::Planned { seq, result } => {
            on_planned(app, seq, result);
            vec![]
        }
        Msg::FindRegionDone { seq } => {
            crate::tui::fleet::on_region_done(app, seq);
            vec![]
        }
        Msg::Found { seq, report } => {
            crate::tui::fleet::on_found(app, seq, report);
            vec![]
        }
        Msg::BatchPlanned { seq, result } => {
            crate::tui::batch::on_planned(app, seq, result);
            vec![]
        }
        Msg::BatchEvent {
            batch_id,
            index,
            event,
        } => {
            crate::tui::batch::on_event(app, &batch_id, index, event);
            vec![]
        }
        Msg::BatchFinished {
            batch_id,
            runs,
            failback,
        } => crate::tui::batch::on_finished(app, &batch_id, runs, failback),
        Msg::BatchRefused { batch_id, reason } => {
            crate::tui::batch::on_refused(app, &batch_id, &reason);
            vec![]
        }
        Msg::LogUnwritable(e) => {
            app.notice = Some(format!(
                "the log file cannot be written: {}; the TUI goes on without its log (said once)",
                crate::text::clean(e.trim())
            ));
            vec![]
        }
        Msg::StrayOutput(text) => {
            if !app.stray_output_reported {
                app.stray_output_reported = true;
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                let first = crate::text::clean(first.trim());
                app.notice = Some(if first.contains("Unable to write an event") {
                    format!("the log file cannot be written (logging is lost; shown once): {first}")
                } else {
                    format!("output from behind the TUI was hidden (shown once): {first}")
                });
            }
            vec![]
        }
    }
}

fn on_paste(app: &mut App, text: &str) {
    if let Some(Overlay::Region { filter, selected }) = &mut app.overlay {
        let mut i = Input::new(std::mem::take(filter));
        paste_into(&mut app.notice, &mut i, text.trim().chars(), REGION_MAX);
        *filter = i.value().to_string();
        *selected = 0;
        return;
    }
    if app.overlay.is_some() {
        return;
    }
    match app.screen {
        Screen::Jobs if app.fleet.prompting => {
            paste_into(
                &mut app.notice,
                &mut app.fleet.input,
                text.trim().chars(),
                crate::tui::fleet::FIND_MAX,
            );
        }
        Screen::Jobs if app.jobs.filtering => {
            paste_into(
                &mut app.notice,
                &mut app.jobs.filter,
                text.chars(),
                FILTER_MAX,
            );
            app.jobs.selected = 0;
        }
        Screen::Form => {
            if let Some(f) = app.form.as_mut() {
                let item = f.focused();
                let cap = item.max_len();
                if let Some(inp) = f.input_mut(item) {
                    // Blanks around a value are trimmed; one inside it is kept (as a
                    // space) so the field names it, never joins two values silently.
                    let text = text
                        .trim()
                        .chars()
                        .map(|c| if c.is_whitespace() { ' ' } else { c });
                    paste_into(&mut app.notice, inp, text, cap);
                }
            }
        }
        Screen::Confirm => {
            paste_into(
                &mut app.notice,
                &mut app.confirm.input,
                text.trim().chars(),
                CONFIRM_MAX,
            );
            app.confirm.message = None;
        }
        Screen::BatchConfirm => {
            let mut n = None;
            if let Some(i) = crate::tui::batch::confirm_input(app) {
                paste_into(&mut n, i, text.trim().chars(), CONFIRM_MAX);
            }
            if n.is_some() {
                app.notice = n;
            }
        }
        _ => {}
    }
}

fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(key) = Key::from_event(&k) else {
        return vec![];
    };
    let ctx = app.context();
    let ro = app.header.read_only;
    let action = keymap::lookup(ctx, key, ro);
    if action == Some(Action::Suspend) {
        return vec![Effect::Suspend];
    }
    // In text-entry contexts, plain characters type (a bound key wins only when it
    // cannot be part of a value).
    let typing = match ctx {
        Context::JobsFilter
        | Context::Confirm
        | Context::Region
        | Context::FindPrompt
        | Context::BatchConfirm => true,
        Context::Form => app.form.as_ref().is_some_and(|f| f.focused().is_text()),
        _ => false,
    };
    if typing && matches!(key, Key::Space) {
        // Typed, also in the form: no endpoint value has a space, and one typed inside
        // a value is a named error there, never dropped silently.
        text_edit(app, &k);
        return vec![];
    }
    if typing && matches!(key, Key::Char(c) if c != '?' || ctx != Context::Form) {
        text_edit(app, &k);
        return vec![];
    }
    if typing && keymap::edit_for(key).is_some() {
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
            // Scrolling stops with the last line at the bottom of the box.
            let max = crate::tui::view::help_max_scroll(app);
            match action {
                Action::Up | Action::Down => {
                    if let Some(Overlay::Help { scroll }) = &mut app.overlay {
                        *scroll = match action {
                            Action::Up => (*scroll).min(max).saturating_sub(1),
                            _ => (*scroll + 1).min(max),
                        };
                    }
                }
                Action::Back => app.overlay = None,
                Action::Quit => request_quit(app),
                _ => {}
            }
            vec![]
        }
        Context::Region => region_action(app, action),
        Context::Alert => {
            // Scrolling stops with the last line at the bottom of the box, as in help.
            let max = crate::tui::view::alert_max_scroll(app);
            if let Some(Overlay::Alert {
                scroll, plan_id, ..
            }) = &mut app.overlay
            {
                match action {
                    Action::Up => *scroll = (*scroll).min(max).saturating_sub(1),
                    Action::Down => *scroll = (*scroll + 1).min(max),
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

/// Applies an editing request to a text field of at most `cap` characters: a
/// character typed into a full field is refused (said in the status line).
fn edit_capped(notice: &mut Option<String>, input: &mut Input, req: InputRequest, cap: usize) {
    if matches!(req, InputRequest::InsertChar(_)) && input.value().chars().count() >= cap {
        *notice = Some(format!("this field holds at most {cap} characters"));
        return;
    }
    input.handle(req);
}

fn text_edit(app: &mut App, k: &KeyEvent) {
    let Some(req) = input_request(k) else { return };
    match app.context() {
        Context::JobsFilter => {
            edit_capped(&mut app.notice, &mut app.jobs.filter, req, FILTER_MAX);
            app.jobs.selected = 0;
        }
        Context::Confirm => {
            edit_capped(&mut app.notice, &mut app.confirm.input, req, CONFIRM_MAX);
            app.confirm.message = None;
        }
        Context::BatchConfirm => {
            if let Some(i) = crate::tui::batch::confirm_input(app) {
                let mut n = None;
                edit_capped(&mut n, i, req, crate::tui::batch::CONFIRM_CAP);
                if n.is_some() {
                    app.notice = n;
                }
            }
        }
        Context::FindPrompt => {
            edit_capped(
                &mut app.notice,
                &mut app.fleet.input,
                req,
                crate::tui::fleet::FIND_MAX,
            );
        }
        Context::Region => {
            if let Some(Overlay::Region { filter, selected }) = &mut app.overlay {
                let mut i = Input::new(std::mem::take(filter));
                edit_capped(&mut app.notice, &mut i, req, REGION_MAX);
                *filter = i.value().to_string();
                *selected = 0;
            }
        }
        Context::Form => {
            if let Some(f) = app.form.as_mut() {
                let item = f.focused();
                let cap = item.max_len();
                if let Some(inp) = f.input_mut(item) {
                    edit_capped(&mut app.notice, inp, req, cap);
                }
            }
        }
        _ => {}
    }
}

/// The regions the picker shows for `filter` (id or name, any case).
pub fn region_choices(filter: &str) -> Vec<(&'static str, &'static str)> {
    let f = filter.trim().to_lowercase();
    crate::api::endpoint::REGIONS
        .iter()
        .filter(|(id, name, _)| f.is_empty() || id.contains(&f) || name.to_lowercase().contains(&f))
        .map(|(id, name, _)| (*id, *name))
        .collect()
}

fn region_action(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(Overlay::Region { filter, selected }) = &mut app.overlay else {
        return vec![];
    };
    let choices = region_choices(filter);
    match action {
        Action::Up => move_sel(selected, choices.len(), -1),
        Action::Down => move_sel(selected, choices.len(), 1),
        Action::Back => app.overlay = None,
        Action::Toggle => {
            // Ticked for the search (`f`): several regions at once.
            if let Some((id, _)) = choices.get(*selected) {
                let id = id.to_string();
                let ticked = &mut app.fleet.regions;
                match ticked.iter().position(|r| *r == id) {
                    Some(i) => {
                        ticked.remove(i);
                    }
                    None => ticked.push(id),
                }
                app.notice = Some(match ticked.len() {
                    0 => "f searches the current region".to_string(),
                    n => format!(
                        "f searches {n} ticked region{}",
                        if n == 1 { "" } else { "s" }
                    ),
                });
            }
        }
        Action::Submit => {
            // A typed id that is not in the table is taken as typed (a new region).
            let typed = filter.trim().to_string();
            let pick = choices
                .get(*selected)
                .map(|(id, _)| id.to_string())
                .or_else(|| {
                    crate::api::endpoint::validate_region(&typed)
                        .ok()
                        .map(|_| typed)
                });
            app.overlay = None;
            match pick {
                Some(r) if r == app.header.region => {}
                Some(r) => return vec![Effect::SetRegion(r)],
                None => app.notice = Some("no such region; Esc cancels".into()),
            }
        }
        _ => {}
    }
    vec![]
}

fn request_quit(app: &mut App) {
    if app.busy() {
        app.overlay = Some(Overlay::Quit);
    } else {
        app.quit = true;
    }
}

pub(crate) fn move_sel(sel: &mut usize, len: usize, delta: isize) {
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
        Context::FindPrompt => crate::tui::fleet::prompt_action(app, action),
        Context::BatchPreview => crate::tui::batch::preview_action(app, action),
        Context::BatchConfirm => crate::tui::batch::confirm_action(app, action),
        Context::BatchProgress => crate::tui::batch::progress_action(app, action),
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
            // Scrolling stops with the last line at the bottom of the screen.
            let max = crate::tui::view::preview_max_scroll(app);
            if let Some(p) = app.preview.as_mut() {
                p.scroll = p.scroll.min(max);
                match action {
                    Action::Up => p.scroll = p.scroll.saturating_sub(1),
                    Action::Down => p.scroll = (p.scroll + 1).min(max),
                    Action::Back => app.screen = p.back,
                    Action::Submit if !crate::domain::planner::dry_runs_passed(&p.plan) => {
                        app.notice = Some(DRY_RUN_FAILED.into());
                    }
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
        Context::Help | Context::Alert | Context::Region | Context::Ask => vec![],
    }
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
        Action::Back if app.fleet.planning.is_some() => {
            app.fleet.planning = None;
            app.notice = Some("stopped waiting for the plans (a dry run changes nothing)".into());
        }
        Action::Submit if app.fleet.planning.is_some() => {
            app.notice = Some("still planning the jobs… Esc stops waiting".into());
        }
        Action::Submit if f.fleet.is_some() => {
            f.tried_submit = true;
            match f.to_request() {
                Err(_) => {
                    f.focus_first_error();
                    app.notice = Some("fix the marked fields first".into());
                }
                Ok(req) => {
                    let api = f.api;
                    return crate::tui::batch::submit_form(app, req.endpoint, api);
                }
            }
        }
        Action::Back if app.planning.is_some() => {
            app.planning = None;
            app.notice = Some("stopped waiting for the check (a dry run changes nothing)".into());
        }
        Action::Back => {
            app.screen = Screen::Jobs;
        }
        Action::Submit if app.planning.is_some() => {
            app.notice = Some(format!("still {CHECKING} Esc stops waiting"));
        }
        Action::Submit => {
            // Plan from the job as the latest complete listing shows it (a refresh may
            // have found its Reverse direction since the form opened).
            if let Some(j) = app
                .jobs
                .all
                .iter()
                .find(|j| j.id == f.job.id)
                .filter(|_| app.jobs.complete)
            {
                if j.detected_topology() != f.job.detected_topology() {
                    app.notice = Some(format!(
                        "the listing now shows job {} as {}: check the form again",
                        crate::text::clean(&j.id),
                        j.detected_topology().as_str()
                    ));
                    f.job = j.clone();
                    return vec![];
                }
                f.job = j.clone();
            }
            f.tried_submit = true;
            match f.to_request() {
                Err(_) => {
                    f.focus_first_error();
                    app.notice = Some("fix the marked fields first".into());
                }
                Ok(req) => {
                    // Planned by the domain planner off the event loop: which family
                    // (auto: the maintained one's dry run decides) and every dry run.
                    app.plan_seq += 1;
                    let seq = app.plan_seq;
                    app.planning = Some(Planning {
                        seq,
                        job_id: f.job.id.clone(),
                        api: f.api,
                    });
                    app.notice = None;
                    return vec![Effect::MakePlan {
                        seq,
                        job: Box::new(f.job.clone()),
                        region: app.header.region.clone(),
                        req: PlanRequest(req),
                        api: f.api,
                    }];
                }
            }
        }
        _ => {}
    }
    vec![]
}

/// The words shown while a plan is made.
pub const CHECKING: &str = "checking with the service (dry run)…";

/// The planner's answer: the preview, or why there is none (in the alert style).
fn on_planned(app: &mut App, seq: u64, result: Result<Plan, PlanFailure>) {
    if app.planning.as_ref().is_none_or(|p| p.seq != seq) {
        // Stopped waiting for it (Esc), or an older request.
        return;
    }
    app.planning = None;
    app.notice = None;
    if app.screen != Screen::Form {
        return;
    }
    let Some(f) = app.form.as_ref() else { return };
    match result {
        Err(e) => {
            let title = match &e {
                PlanFailure::Plan(_) => "No switch can be planned",
                PlanFailure::DryRunError(_) => "The dry run got no usable answer",
            };
            // Said in full, to read before going on (e.g. a side reached through
            // Database Gateway, which this API cannot switch).
            app.overlay = Some(Overlay::Alert {
                title: title.into(),
                text: format!(
                    "{}\n\nNothing was sent.",
                    crate::text::clean_lines(&e.to_string())
                ),
                scroll: 0,
                plan_id: None,
            });
        }
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
    }
}

/// Why the confirmation is not offered for a plan whose dry run failed.
pub const DRY_RUN_FAILED: &str = "a dry run failed: nothing can be sent; fix the cause";

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
            if !crate::domain::planner::dry_runs_passed(&pv.plan) {
                app.notice = Some(DRY_RUN_FAILED.into());
                return vec![];
            }
            let typed = app.confirm.input.value().trim();
            if typed != pv.plan.job_id {
                app.confirm.message = Some(match crate::domain::rules::no_inner_space(typed) {
                    Err(_) => format!(
                        "a job id has no spaces: type {} exactly to send; Esc cancels",
                        pv.plan.job_id
                    ),
                    Ok(()) => format!(
                        "type the job id {} exactly to send; Esc cancels",
                        pv.plan.job_id
                    ),
                });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_drops_control_characters_and_is_cut_at_the_cap() {
        let mut i = Input::new("ab".into()).with_cursor(1);
        let text = "x\ny\r\t\u{7}\u{1b}z\u{7f}";
        assert_eq!(insert_capped(&mut i, text.chars(), 64), None);
        assert_eq!(i.value(), "axyzb");
        assert_eq!(i.cursor(), 4, "the cursor after the pasted text");
        // Cut: room for 3 more; the count is of pasted characters kept.
        let mut i = Input::new("12".into());
        assert_eq!(insert_capped(&mut i, "é\nxyzw".chars(), 5), Some(3));
        assert_eq!(i.value(), "12éxy");
        // A full field takes nothing, and says so.
        assert_eq!(insert_capped(&mut i, "q".chars(), 5), Some(0));
        assert_eq!(i.value(), "12éxy");
        // Only control characters: nothing to paste, nothing said.
        let mut i = Input::default();
        assert_eq!(insert_capped(&mut i, "\n\r\n".chars(), 5), None);
        assert_eq!(i.value(), "");
    }

    #[test]
    fn a_one_megabyte_paste_costs_one_pass() {
        let big = "7".repeat(1 << 20);
        let mut app = App::new(
            Header {
                region: "cn-hangzhou".into(),
                endpoint: "http://127.0.0.1:1".into(),
                target: Target::Simulator,
                masked_ak: "x".into(),
                read_only: false,
            },
            vec![],
        );
        app.screen = Screen::Confirm;
        let _ = update(&mut app, Msg::Paste(big));
        assert_eq!(app.confirm.input.value().len(), CONFIRM_MAX);
        assert_eq!(
            app.notice.as_deref(),
            Some("pasted text cut to 64 characters (this field holds at most 64)")
        );
    }
}
