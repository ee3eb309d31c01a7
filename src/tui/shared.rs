//! What every screen shares, below all of them: where the TUI stands (the [`Shell`]:
//! header, screen, overlay, notice, clock, and the state of the screens drawn in
//! `view`), the messages ([`Msg`]) and effects ([`Effect`]) of the update loop, and the
//! small editing helpers. Imports no screen module (each screen imports this).

use crate::api::CallRecord;
use crate::domain::executor::ProgressEvent;
use crate::domain::family::ApiChoice;
use crate::domain::find::{FindReport, JobUse, Query};
use crate::domain::fleet::Batch;
use crate::domain::guard::Refusal;
use crate::domain::journal::PlanSummary;
use crate::domain::listed::{DtsJobItem, SyncJobEntry};
use crate::domain::plan::{Plan, SwitchRequest};
use crate::domain::planner::PlanFailure;
use crate::domain::service::ServiceError;
use crate::domain::Job;
use crate::tui::form::FormState;
use crate::tui::keymap::{self, Key};
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

/// Messages: input, timer, and results of async work.
/// How a listing ended (see [`Msg::ListEnded`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ListEnd {
    /// DescribeDtsJobs was read to its end (the families can be told from the listings).
    pub dts_complete: bool,
    /// Why DescribeDtsJobs could not be read (jobs without a listed Reverse entry then
    /// have an unknown topology).
    pub two_way_error: Option<String>,
}

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
    /// The next jobs, ready-made, in listing order (a listing merged elsewhere).
    JobsBatch(u64, Vec<Job>),
    /// The next DescribeSynchronizationJobs entries, in listing order, as their pages
    /// arrive: merged into the rows here, so the jobs are held once (in [`Msg::JobsLoaded`]'s
    /// stead, the listing ends with [`Msg::ListEnded`]).
    ListEntries(u64, Vec<SyncJobEntry>),
    /// The next DescribeDtsJobs items, in its order: folded into the rows they name.
    ListDtsItems(u64, Vec<DtsJobItem>),
    /// The listing of [`Msg::ListEntries`] ended, or its error.
    ListEnded {
        generation: u64,
        result: Result<ListEnd, ServiceError>,
    },
    /// The listing ended: every job, ready-made (in listing order), or the error.
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
        result: Result<BatchBox, String>,
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
        marks: Vec<Mark>,
        endpoint: crate::domain::rules::ValidEndpoint,
        api: ApiChoice,
    },
    /// Journal the batch's plans and run it (`domain::fleet::run_batch`).
    RunBatch(BatchBox),
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
pub(crate) fn paste_into(
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

/// Applies an editing request to a text field of at most `cap` characters: a
/// character typed into a full field is refused (said in the status line).
pub(crate) fn edit_capped(
    notice: &mut Option<String>,
    input: &mut Input,
    req: InputRequest,
    cap: usize,
) {
    if matches!(req, InputRequest::InsertChar(_)) && input.value().chars().count() >= cap {
        *notice = Some(format!("this field holds at most {cap} characters"));
        return;
    }
    input.handle(req);
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

pub(crate) fn move_sel(sel: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *sel = 0;
        return;
    }
    let v = (*sel as isize + delta).clamp(0, len as isize - 1);
    *sel = v as usize;
}

/// The words shown while a plan is made.
pub const CHECKING: &str = "checking with the service (dry run)…";

/// Why the confirmation is not offered for a plan whose dry run failed.
pub const DRY_RUN_FAILED: &str = "a dry run failed: nothing can be sent; fix the cause";

/// A job marked for the failover, in its region; `usage` is how it uses the database
/// searched for (None: marked by hand, and it does not use it, or nothing was searched).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub region: String,
    pub job: Job,
    pub usage: Option<JobUse>,
}

/// A planned batch, carried in messages and effects (compared by its id).
#[derive(Clone)]
pub struct BatchBox(pub Batch);

impl std::fmt::Debug for BatchBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Batch({}, {} jobs)", self.0.id, self.0.items.len())
    }
}

impl PartialEq for BatchBox {
    fn eq(&self, o: &Self) -> bool {
        self.0.id == o.0.id
    }
}

/// Where the TUI stands, apart from the screens that own their state (jobs, progress,
/// fleet and batch): the header, the screen and overlay on top, the status line, the
/// clock, the journal's pending plans, and the form, preview, confirmation and command
/// log (drawn in `view`). Screens take this and their own state, never the whole app.
pub struct Shell {
    pub header: Header,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub form: Option<FormState>,
    pub preview: Option<PreviewState>,
    pub confirm: ConfirmState,
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
}

impl Shell {
    pub fn new(header: Header, pending: Vec<PlanSummary>) -> Self {
        Shell {
            header,
            screen: Screen::Jobs,
            overlay: None,
            form: None,
            preview: None,
            confirm: ConfirmState::default(),
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
        }
    }
}

// ---- fleet failover: the search for an old endpoint, the marks, the batch ----

/// A search under way.
#[derive(Debug, Clone, PartialEq)]
pub struct Searching {
    pub seq: u64,
    pub query: Query,
    pub regions: Vec<String>,
    /// Regions that answered so far.
    pub done: usize,
}

/// The last search's answer.
#[derive(Debug, Clone)]
pub struct Found {
    pub query: Query,
    pub report: FindReport,
}

/// The search and the marks; `B` is the state of what runs after them (the batch
/// screen's, `batch::Fleet`), so no screen but the batch one needs to know it.
#[derive(Debug, Clone)]
pub struct FleetState<B> {
    /// The old-endpoint prompt is open.
    pub prompting: bool,
    pub input: Input,
    /// Regions ticked in the region picker for the search (empty: the current region).
    pub regions: Vec<String>,
    pub searching: Option<Searching>,
    pub seq: u64,
    pub found: Option<Found>,
    pub marks: Vec<Mark>,
    /// The batch being planned (its request number).
    pub planning: Option<u64>,
    /// The planned batch: preview, confirmation, progress.
    pub batch: Option<B>,
}

impl<B> Default for FleetState<B> {
    fn default() -> Self {
        FleetState {
            prompting: false,
            input: Input::default(),
            regions: vec![],
            searching: None,
            seq: 0,
            found: None,
            marks: vec![],
            planning: None,
            batch: None,
        }
    }
}

impl<B> FleetState<B> {
    /// Whether the job `id` of `region` is marked.
    pub fn is_marked(&self, region: &str, id: &str) -> bool {
        self.marks
            .iter()
            .any(|m| m.region.eq_ignore_ascii_case(region) && m.job.has_id(id))
    }

    /// Something to show on the jobs screen (a search, its answer, or marks).
    pub fn active(&self) -> bool {
        self.searching.is_some() || self.found.is_some() || !self.marks.is_empty()
    }

    /// Marks in `region`.
    pub fn marked_in(&self, region: &str) -> usize {
        self.marks
            .iter()
            .filter(|m| m.region.eq_ignore_ascii_case(region))
            .count()
    }
}
