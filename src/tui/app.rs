//! The TUI's state and its update function, at the top of the screens: key events and
//! async results arrive as [`Msg`]s; `update` routes them to the screen that owns the
//! state (jobs, fleet, batch, progress, preview) and returns [`Effect`]s for the runner
//! to carry out (API work, clipboard). No I/O here, so every flow is testable without a
//! terminal. The screens import the shell and widgets below them, never this file.

use crate::domain::executor::Outcome;
use crate::domain::family::Family;
use crate::domain::journal::{Pending, PlanSummary};
use crate::domain::plan::Plan;
use crate::domain::planner::PlanFailure;
use crate::tui::batch::{self, Fleet};
use crate::tui::calls::apply_journal_state;
use crate::tui::jobs::{jobs_action, on_job_checked};
pub use crate::tui::jobs::{JobsView, SortKey};
use crate::tui::keymap::{self, Action, Context, Key};
pub use crate::tui::progress::{elapsed, CallRow, ProgressState};
use crate::tui::progress::{on_exec, on_journal, on_verify, progress_action};
use crate::tui::shared::{edit_capped, move_sel, paste_into};
pub use crate::tui::shared::{
    input_request, insert_capped, region_choices, Banner, ConfirmState, Effect, Header,
    JournalView, LogEntry, Msg, Overlay, PlanRequest, Planning, PreviewState, Screen, Shell,
    Target, CHECKING, CONFIRM_MAX, DRY_RUN_FAILED, FILTER_MAX, REGION_MAX,
};
use crate::tui::{confirm, fleet, log, preview, widgets};
use ratatui::crossterm::event::KeyEvent;
use tui_input::Input;

/// Everything the TUI shows.
pub struct App {
    /// Where the TUI stands (header, screen, overlay, notice, …).
    pub shell: Shell,
    pub jobs: JobsView,
    pub progress: Option<ProgressState>,
    /// Fleet failover: the old-endpoint search, the marked jobs and the batch.
    pub fleet: Fleet,
}

/// `app.shell.screen`, `app.shell.notice`, … read and write the shell.
impl std::ops::Deref for App {
    type Target = Shell;
    fn deref(&self) -> &Shell {
        &self.shell
    }
}

impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut Shell {
        &mut self.shell
    }
}

impl App {
    pub fn new(header: Header, pending: Vec<PlanSummary>) -> Self {
        App {
            shell: Shell::new(header, pending),
            jobs: JobsView::new(),
            progress: None,
            fleet: Fleet::default(),
        }
    }

    /// Effects to run at start: load the jobs; follow or offer what the journal left.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut fx = vec![Effect::LoadJobs];
        if let Some(p) = self.shell.pending.first().cloned() {
            fx.extend(self.open_pending(&p));
        }
        fx
    }

    fn open_pending(&mut self, p: &PlanSummary) -> Vec<Effect> {
        let plan = p.to_plan();
        let mut st = ProgressState::new(plan.clone());
        st.dismissed = p.dismissed;
        for (row, c) in st.rows.iter_mut().zip(&p.calls) {
            apply_journal_state(row, c, self.shell.now, self.shell.live.contains(&p.plan_id));
            row.note = Some("from the journal".into());
        }
        let mut fx = vec![];
        if self.shell.live.contains(&p.plan_id) {
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
        self.shell.notice = Some(format!(
            "Unfinished switch from the journal: job {}, started {}{}.",
            p.job_id,
            p.at,
            p.by.as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        ));
        self.progress = Some(st);
        self.shell.screen = Screen::Progress;
        fx
    }

    /// Shows the unfinished plan `plan_id` (following its task when one runs), unless
    /// this process is busy with another one.
    pub(crate) fn show_plan(&mut self, plan_id: &str) -> Vec<Effect> {
        if let Some(p) = self.progress.as_ref().filter(|p| p.plan.id == plan_id) {
            let _ = p;
            self.shell.screen = Screen::Progress;
            return vec![Effect::ReadJournal];
        }
        if self.busy() {
            self.shell.notice = Some("a switch is running here; p shows it".into());
            self.shell.screen = Screen::Progress;
            return vec![];
        }
        match self
            .shell
            .pending
            .iter()
            .find(|p| p.plan_id == plan_id)
            .cloned()
        {
            Some(p) => self.open_pending(&p),
            None => {
                self.shell.notice = Some("that switch is no longer unfinished".into());
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
            .filter(|b| b.started() && self.shell.header.target == Target::Demo)
        {
            out.push(format!(
                "Demo batch {}: {}. The demo's journal and simulator end with the demo: nothing of it is left to resume.",
                crate::domain::guard::short(&b.batch.id),
                batch::summary_line(b)
            ));
        } else if let Some(b) = self.fleet.batch.as_ref().filter(|b| b.started()) {
            let id = crate::domain::guard::short(&b.batch.id);
            let sm = batch::summary(b);
            if b.running {
                out.push(format!(
                    "A fleet failover (batch {id}) was still running: {}. What was sent goes on in the service; the journal has the batch: `dts-switch resume --batch {id}` settles what is left.",
                    batch::summary_line(b)
                ));
            } else if sm.healthy < sm.jobs {
                out.push(format!(
                    "Fleet failover batch {id}: {}. `dts-switch history --batch {id}` has every call; `dts-switch resume --batch {id}` settles what is left (an UNKNOWN outcome is read from the job, never resent).",
                    batch::summary_line(b)
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
                            ". The {} {} NOT sent: {} the old endpoint; resume sends {} once the running task Finished",
                            unsent.join(" and "),
                            if unsent.len() == 1 { "call was" } else { "calls were" },
                            if unsent.len() == 1 { "that direction still uses" } else { "those directions still use" },
                            if unsent.len() == 1 { "it" } else { "them" }
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
            let all_finished = p.rows.iter().all(|r| r.outcome == Some(Outcome::Finished));
            if p.verifying && !p.running && all_finished {
                out.push(format!(
                    "Job {}: switched; the job was still being watched when you left (plan {short}): `dts-switch resume` watches it again.",
                    p.plan.job_id
                ));
            } else if p.verifying && !p.running && finished_then_unsent.is_none() {
                let unsent: Vec<&str> = p
                    .rows
                    .iter()
                    .filter(|r| !r.was_sent() && r.outcome.is_none())
                    .map(|r| r.direction.as_str())
                    .collect();
                if !unsent.is_empty() {
                    out.push(format!(
                        "Job {}: HALF SWITCHED: the {} call was NOT sent (plan {short}; you left while the direction before it was watched); that direction still uses the old endpoint: `dts-switch resume` watches the job and then sends it.",
                        p.plan.job_id,
                        unsent.join(" and ")
                    ));
                }
            }
            if p.has_unknown() && !p.running {
                out.push(format!(
                    "Job {}: a call's outcome is UNKNOWN (plan {short}); check the job's endpoint, then `dts-switch resume` says how to go on.",
                    p.plan.job_id
                ));
            }
        }
        // Commands that reach the same service: a simulator's endpoint; a demo has none
        // to give (its journal and simulator end with it).
        match self.shell.header.target {
            Target::Simulator => {
                let with = format!("`dts-switch --endpoint {} ", self.shell.header.endpoint);
                for l in &mut out {
                    *l = l.replace("`dts-switch ", &with);
                }
            }
            Target::Demo if out.iter().any(|l| l.contains("`dts-switch ")) => out.push(
                "(A demo: its journal and simulator end with it, so the commands above have nothing to take up; on a real account they do what is said.)".into(),
            ),
            _ => {}
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
            (Context::Progress, Action::Ticket) => {
                self.progress.as_ref().is_some_and(|p| p.ticket_ready())
            }
            (Context::BatchProgress, Action::Ticket) => self
                .fleet
                .batch
                .as_ref()
                .is_some_and(|b| b.jobs.get(b.selected).is_some_and(|j| j.run.is_some())),
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
                &self.shell.overlay,
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
            || self.shell.planning.is_some()
            || self.fleet.searching.is_some()
            || self.fleet.planning.is_some()
            || self.progress.as_ref().is_some_and(|p| p.verifying)
    }

    pub fn context(&self) -> Context {
        match &self.shell.overlay {
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
        match self.shell.screen {
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

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) => on_key(app, k),
        Msg::Paste(text) => {
            on_paste(app, &text);
            vec![]
        }
        Msg::Resize(w, h) => {
            app.shell.size = (w, h);
            app.shell.page = (h as usize).saturating_sub(14).max(1);
            vec![]
        }
        Msg::Tick(now) => {
            app.shell.now = now;
            app.shell.spinner = app.shell.spinner.wrapping_add(1);
            vec![]
        }
        Msg::JobsStarted(g) => {
            app.jobs.generation = g;
            app.jobs.loading = Some(String::new());
            // A first listing (or a new region) shows rows as they arrive; a refresh of
            // a complete list keeps its rows on screen and swaps them at the end. Rows of
            // a listing that never completed are provisional: they start again.
            // The entries are merged here, into the rows (or a refresh's `incoming`):
            // the jobs are held once.
            app.jobs.refreshing = app.jobs.complete;
            app.jobs.merger = Default::default();
            app.jobs.incoming = Vec::new();
            if !app.jobs.refreshing {
                app.jobs.all.clear();
                app.jobs.selected = 0;
            }
            vec![]
        }
        Msg::ListEntries(g, entries) if g == app.jobs.generation => {
            let v = &mut app.jobs;
            if v.refreshing {
                v.merger.add(&mut v.incoming, entries);
            } else {
                let keep = v.selected_job().map(|j| j.id.clone());
                v.merger.add(&mut v.all, entries);
                v.keep_selection(keep);
            }
            vec![]
        }
        Msg::ListDtsItems(g, items) if g == app.jobs.generation => {
            let v = &mut app.jobs;
            let rows = if v.refreshing {
                &mut v.incoming
            } else {
                &mut v.all
            };
            v.merger.add_dts(rows, items);
            vec![]
        }
        Msg::ListEnded { generation, result } if generation == app.jobs.generation => {
            let v = &mut app.jobs;
            v.loading = None;
            let merger = std::mem::take(&mut v.merger);
            match result {
                Ok(end) => {
                    let keep = v.selected_job().map(|j| j.id.clone());
                    if v.refreshing {
                        v.all = std::mem::take(&mut v.incoming);
                    }
                    merger.finish(&mut v.all, end.dts_complete);
                    v.complete = true;
                    v.error = None;
                    v.two_way_error = end.two_way_error;
                    v.keep_selection(keep);
                }
                Err(e) => {
                    v.incoming = Vec::new();
                    v.error = Some(Banner::from_api("Listing the jobs failed", &e));
                }
            }
            v.refreshing = false;
            vec![]
        }
        Msg::JobsProgress(g, text) if g == app.jobs.generation => {
            app.jobs.loading = Some(text);
            vec![]
        }
        Msg::JobsBatch(g, batch) if g == app.jobs.generation => {
            // A refresh keeps the old rows on screen until the end (this batch is
            // dropped: the end brings every job).
            if !app.jobs.refreshing {
                let keep = app.jobs.selected_job().map(|j| j.id.clone());
                app.jobs.all.extend(batch);
                app.jobs.keep_selection(keep);
            }
            vec![]
        }
        Msg::JobsLoaded {
            generation,
            result,
            two_way_error,
        } if generation == app.jobs.generation => {
            app.jobs.loading = None;
            app.jobs.refreshing = false;
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
        Msg::JobsProgress(..)
        | Msg::JobsBatch(..)
        | Msg::JobsLoaded { .. }
        | Msg::ListEntries(..)
        | Msg::ListDtsItems(..)
        | Msg::ListEnded { .. } => vec![],
        Msg::Api(rec, time) => {
            log::on_api(&mut app.shell, rec, time);
            vec![]
        }
        Msg::Exec { plan_id, event } => {
            on_exec(&mut app.shell, &mut app.progress, &plan_id, event);
            vec![]
        }
        Msg::Journal(view) => {
            on_journal(&mut app.shell, &mut app.progress, view);
            vec![]
        }
        Msg::JobChecked { job_id, refusal } => {
            on_job_checked(&mut app.shell, &app.jobs, &job_id, refusal)
        }
        Msg::TerminalGone => {
            app.shell.quit = true;
            vec![]
        }
        Msg::RegionChanged { region, endpoint } => {
            app.shell.header.region = region.clone();
            app.shell.header.endpoint = endpoint;
            app.jobs.all.clear();
            app.jobs.selected = 0;
            app.jobs.error = None;
            app.jobs.loading = Some(String::new());
            app.shell.notice = Some(format!("region {region}: listing its jobs"));
            vec![Effect::LoadJobs, Effect::ReadJournal]
        }
        Msg::Verify { plan_id, event } => {
            on_verify(&mut app.shell, &mut app.progress, &plan_id, event);
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
            app.shell.notice = Some(format!("Nothing was sent: {reason}"));
            vec![]
        }
        Msg::Terminate => {
            app.shell.quit = true;
            vec![]
        }
        Msg::Planned { seq, result } => {
            on_planned(app, seq, result);
            vec![]
        }
        Msg::FindRegionDone { seq } => {
            fleet::on_region_done(&mut app.fleet, seq);
            vec![]
        }
        Msg::Found { seq, report } => {
            let vis = app.jobs.visible();
            let sel = fleet::on_found(&mut app.shell, &mut app.fleet, seq, report, &vis);
            if let Some(i) = sel {
                app.jobs.selected = i;
            }
            vec![]
        }
        Msg::BatchPlanned { seq, result } => {
            batch::on_planned(&mut app.shell, &mut app.fleet, seq, result);
            vec![]
        }
        Msg::BatchEvent {
            batch_id,
            index,
            event,
        } => {
            batch::on_event(&mut app.shell, &mut app.fleet, &batch_id, index, event);
            vec![]
        }
        Msg::BatchFinished {
            batch_id,
            runs,
            failback,
        } => batch::on_finished(&mut app.shell, &mut app.fleet, &batch_id, runs, failback),
        Msg::BatchRefused { batch_id, reason } => {
            batch::on_refused(&mut app.shell, &mut app.fleet, &batch_id, &reason);
            vec![]
        }
        Msg::LogUnwritable(e) => {
            app.shell.notice = Some(format!(
                "the log file cannot be written: {}; the TUI goes on without its log (said once)",
                crate::text::clean(e.trim())
            ));
            vec![]
        }
        Msg::StrayOutput(text) => {
            if !app.shell.stray_output_reported {
                app.shell.stray_output_reported = true;
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                let first = crate::text::clean(first.trim());
                app.shell.notice = Some(if first.contains("Unable to write an event") {
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
    if let Some(Overlay::Region { filter, selected }) = &mut app.shell.overlay {
        let mut i = Input::new(std::mem::take(filter));
        paste_into(
            &mut app.shell.notice,
            &mut i,
            text.trim().chars(),
            REGION_MAX,
        );
        *filter = i.value().to_string();
        *selected = 0;
        return;
    }
    if app.shell.overlay.is_some() {
        return;
    }
    match app.shell.screen {
        Screen::Jobs if app.fleet.prompting => {
            paste_into(
                &mut app.shell.notice,
                &mut app.fleet.input,
                text.trim().chars(),
                fleet::FIND_MAX,
            );
        }
        Screen::Jobs if app.jobs.filtering => {
            paste_into(
                &mut app.shell.notice,
                &mut app.jobs.filter,
                text.chars(),
                FILTER_MAX,
            );
            app.jobs.selected = 0;
        }
        Screen::Form => {
            if let Some(f) = app.shell.form.as_mut() {
                let item = f.focused();
                let cap = item.max_len();
                if let Some(inp) = f.input_mut(item) {
                    // Blanks around a value are trimmed; one inside it is kept (as a
                    // space) so the field names it, never joins two values silently.
                    let text = text
                        .trim()
                        .chars()
                        .map(|c| if c.is_whitespace() { ' ' } else { c });
                    paste_into(&mut app.shell.notice, inp, text, cap);
                }
            }
        }
        Screen::Confirm => {
            paste_into(
                &mut app.shell.notice,
                &mut app.shell.confirm.input,
                text.trim().chars(),
                CONFIRM_MAX,
            );
            app.shell.confirm.message = None;
        }
        Screen::BatchConfirm => {
            let mut n = None;
            if let Some(i) = batch::confirm_input(&mut app.fleet) {
                paste_into(&mut n, i, text.trim().chars(), CONFIRM_MAX);
            }
            if n.is_some() {
                app.shell.notice = n;
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
    let ro = app.shell.header.read_only;
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
        Context::Form => app
            .shell
            .form
            .as_ref()
            .is_some_and(|f| f.focused().is_text()),
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
            app.shell.notice = Some("read-only mode: switching is disabled".into());
        }
        return vec![];
    };
    app.shell.notice = None;
    match ctx {
        Context::Help => {
            // Scrolling stops with the last line at the bottom of the box.
            let max = widgets::help_max_scroll(
                app.screen_context(),
                app.shell.header.read_only,
                app.shell.size,
            );
            match action {
                Action::Up | Action::Down => {
                    if let Some(Overlay::Help { scroll }) = &mut app.shell.overlay {
                        *scroll = match action {
                            Action::Up => (*scroll).min(max).saturating_sub(1),
                            _ => (*scroll + 1).min(max),
                        };
                    }
                }
                Action::Back => app.shell.overlay = None,
                Action::Quit => request_quit(app),
                _ => {}
            }
            vec![]
        }
        Context::Region => region_action(app, action),
        Context::Alert => {
            // Scrolling stops with the last line at the bottom of the box, as in help.
            let max = widgets::alert_max_scroll(app.shell.overlay.as_ref(), app.shell.size);
            if let Some(Overlay::Alert {
                scroll, plan_id, ..
            }) = &mut app.shell.overlay
            {
                match action {
                    Action::Up => *scroll = (*scroll).min(max).saturating_sub(1),
                    Action::Down => *scroll = (*scroll + 1).min(max),
                    Action::ShowProgress => {
                        let id = plan_id.clone();
                        app.shell.overlay = None;
                        if let Some(id) = id {
                            return app.show_plan(&id);
                        }
                    }
                    Action::Back => app.shell.overlay = None,
                    _ => {}
                }
            }
            vec![]
        }
        Context::Ask => {
            let which = app.shell.overlay.clone();
            app.shell.overlay = None;
            match (which, action) {
                (Some(Overlay::Quit), Action::Yes | Action::Quit) => app.shell.quit = true,
                (Some(Overlay::LeaveProgress), Action::Yes) => {
                    app.shell.screen = Screen::Jobs;
                    app.shell.notice =
                        Some("The switch goes on in the background; p shows its progress.".into());
                }
                (Some(Overlay::Dismiss), Action::Yes) => {
                    if let Some(p) = app.progress.as_mut() {
                        let id = p.plan.id.clone();
                        p.dismissed = true;
                        app.shell.pending.retain(|x| x.plan_id != id);
                        app.shell.notice = Some(
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
            edit_capped(&mut app.shell.notice, &mut app.jobs.filter, req, FILTER_MAX);
            app.jobs.selected = 0;
        }
        Context::Confirm => {
            edit_capped(
                &mut app.shell.notice,
                &mut app.shell.confirm.input,
                req,
                CONFIRM_MAX,
            );
            app.shell.confirm.message = None;
        }
        Context::BatchConfirm => {
            if let Some(i) = batch::confirm_input(&mut app.fleet) {
                let mut n = None;
                edit_capped(&mut n, i, req, batch::CONFIRM_CAP);
                if n.is_some() {
                    app.shell.notice = n;
                }
            }
        }
        Context::FindPrompt => {
            edit_capped(
                &mut app.shell.notice,
                &mut app.fleet.input,
                req,
                fleet::FIND_MAX,
            );
        }
        Context::Region => {
            if let Some(Overlay::Region { filter, selected }) = &mut app.shell.overlay {
                let mut i = Input::new(std::mem::take(filter));
                edit_capped(&mut app.shell.notice, &mut i, req, REGION_MAX);
                *filter = i.value().to_string();
                *selected = 0;
            }
        }
        Context::Form => {
            if let Some(f) = app.shell.form.as_mut() {
                let item = f.focused();
                let cap = item.max_len();
                if let Some(inp) = f.input_mut(item) {
                    edit_capped(&mut app.shell.notice, inp, req, cap);
                }
            }
        }
        _ => {}
    }
}

fn region_action(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(Overlay::Region { filter, selected }) = &mut app.shell.overlay else {
        return vec![];
    };
    let choices = region_choices(filter);
    match action {
        Action::Up => move_sel(selected, choices.len(), -1),
        Action::Down => move_sel(selected, choices.len(), 1),
        Action::Back => app.shell.overlay = None,
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
                app.shell.notice = Some(match ticked.len() {
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
            app.shell.overlay = None;
            match pick {
                Some(r) if r == app.shell.header.region => {}
                Some(r) => return vec![Effect::SetRegion(r)],
                None => app.shell.notice = Some("no such region; Esc cancels".into()),
            }
        }
        _ => {}
    }
    vec![]
}

fn request_quit(app: &mut App) {
    if app.busy() {
        app.shell.overlay = Some(Overlay::Quit);
    } else {
        app.shell.quit = true;
    }
}

fn on_action(app: &mut App, ctx: Context, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            request_quit(app);
            return vec![];
        }
        Action::Help => {
            app.shell.overlay = Some(Overlay::Help { scroll: 0 });
            return vec![];
        }
        _ => {}
    }
    match ctx {
        Context::Jobs => jobs_key(app, action),
        Context::FindPrompt => fleet::prompt_action(&mut app.shell, &mut app.fleet, action),
        Context::BatchPreview => batch::preview_action(&mut app.shell, &mut app.fleet, action),
        Context::BatchConfirm => batch::confirm_action(&mut app.shell, &mut app.fleet, action),
        Context::BatchProgress => batch::progress_action(&mut app.shell, &mut app.fleet, action),
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
        Context::Preview => preview::preview_action(&mut app.shell, action),
        Context::Confirm => confirm::confirm_action(&mut app.shell, &mut app.progress, action),
        Context::Progress => progress_key(app, action),
        Context::Log => log::log_action(&mut app.shell, action),
        Context::Help | Context::Alert | Context::Region | Context::Ask => vec![],
    }
}

/// Keys of the jobs screen: what opens the search, the marks, a progress screen or a
/// failover is routed here; the rest is the jobs screen's own.
fn jobs_key(app: &mut App, action: Action) -> Vec<Effect> {
    let busy = app.busy();
    match action {
        Action::Find => fleet::open_prompt(&mut app.fleet),
        Action::Mark => {
            let sel = app.jobs.selected_job();
            fleet::toggle_mark(&mut app.shell, &mut app.fleet, sel);
        }
        Action::MarkAll => fleet::mark_all(&mut app.shell, &mut app.fleet),
        Action::ShowProgress
            if app
                .fleet
                .batch
                .as_ref()
                .is_some_and(|b| b.started() && (b.running || app.progress.is_none())) =>
        {
            app.shell.screen = Screen::BatchProgress;
        }
        Action::ShowProgress => {
            // The selected job's unfinished switch first, then what runs here, then
            // any unfinished switch: every one is reachable.
            let sel = app.jobs.selected_job().map(|j| j.id.clone());
            let of_selected = sel.and_then(|id| {
                app.shell
                    .pending
                    .iter()
                    .rev()
                    .find(|p| p.job_id == id)
                    .map(|p| p.plan_id.clone())
            });
            if let Some(id) = of_selected {
                return app.show_plan(&id);
            }
            if app.progress.is_some() {
                app.shell.screen = Screen::Progress;
                return vec![Effect::ReadJournal];
            }
            if let Some(id) = app.shell.pending.first().map(|p| p.plan_id.clone()) {
                return app.show_plan(&id);
            }
            app.shell.notice =
                Some("no switch to show: none ran here and none is unfinished".into());
        }
        Action::ShowError if app.jobs.error.is_none() => {
            if let Some(text) = fleet::problems_text(&app.fleet) {
                app.shell.overlay = Some(Overlay::Alert {
                    title: "Regions not searched completely".into(),
                    text,
                    scroll: 0,
                    plan_id: None,
                });
            }
        }
        Action::Open if !app.fleet.marks.is_empty() => {
            return batch::open_failover(&mut app.shell, &app.fleet, busy);
        }
        _ => return jobs_action(&mut app.shell, &mut app.jobs, busy, action),
    }
    vec![]
}

/// Keys of the progress screen: `p` (the next unfinished switch) is routed here.
fn progress_key(app: &mut App, action: Action) -> Vec<Effect> {
    if let (Action::ShowProgress, Some(p)) = (action, app.progress.as_ref()) {
        if p.running {
            return vec![];
        }
        match crate::tui::progress::next_pending(p, &app.shell.pending) {
            Some(id) => {
                app.progress = None;
                return app.show_plan(&id);
            }
            None => app.shell.notice = Some("no other unfinished switch".into()),
        }
        return vec![];
    }
    progress_action(&mut app.shell, &mut app.progress, &app.jobs.all, action)
}

fn form_action(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(f) = app.shell.form.as_mut() else {
        app.shell.screen = Screen::Jobs;
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
            app.shell.notice =
                Some("stopped waiting for the plans (a dry run changes nothing)".into());
        }
        Action::Submit if app.fleet.planning.is_some() => {
            app.shell.notice = Some("still planning the jobs… Esc stops waiting".into());
        }
        Action::Submit if f.fleet.is_some() => {
            f.tried_submit = true;
            match f.to_request() {
                Err(_) => {
                    f.focus_first_error();
                    app.shell.notice = Some("fix the marked fields first".into());
                }
                Ok(req) => {
                    let api = f.api;
                    return batch::submit_form(&mut app.shell, &mut app.fleet, req.endpoint, api);
                }
            }
        }
        Action::Back if app.shell.planning.is_some() => {
            app.shell.planning = None;
            app.shell.notice =
                Some("stopped waiting for the check (a dry run changes nothing)".into());
        }
        Action::Back => {
            app.shell.screen = Screen::Jobs;
        }
        Action::Submit if app.shell.planning.is_some() => {
            app.shell.notice = Some(format!("still {CHECKING} Esc stops waiting"));
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
                    app.shell.notice = Some(format!(
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
                    app.shell.notice = Some("fix the marked fields first".into());
                }
                Ok(req) => {
                    // Planned by the domain planner off the event loop: which family
                    // (auto: the maintained one's dry run decides) and every dry run.
                    app.shell.plan_seq += 1;
                    let seq = app.shell.plan_seq;
                    app.shell.planning = Some(Planning {
                        seq,
                        job_id: f.job.id.clone(),
                        api: f.api,
                    });
                    app.shell.notice = None;
                    return vec![Effect::MakePlan {
                        seq,
                        job: Box::new(f.job.clone()),
                        region: app.shell.header.region.clone(),
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

/// The planner's answer: the preview, or why there is none (in the alert style).
fn on_planned(app: &mut App, seq: u64, result: Result<Plan, PlanFailure>) {
    if app.shell.planning.as_ref().is_none_or(|p| p.seq != seq) {
        // Stopped waiting for it (Esc), or an older request.
        return;
    }
    app.shell.planning = None;
    app.shell.notice = None;
    if app.shell.screen != Screen::Form {
        return;
    }
    let Some(f) = app.shell.form.as_ref() else {
        return;
    };
    match result {
        Err(e) => {
            let title = match &e {
                PlanFailure::Plan(_) => "No switch can be planned",
                PlanFailure::DryRunError(_) => "The dry run got no usable answer",
            };
            // Said in full, to read before going on (e.g. a side reached through
            // Database Gateway, which this API cannot switch).
            app.shell.overlay = Some(Overlay::Alert {
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
            app.shell.preview = Some(PreviewState {
                plan,
                job: f.job.clone(),
                start: 0,
                new_plan: true,
                back: Screen::Form,
                scroll: 0,
            });
            app.shell.screen = Screen::Preview;
        }
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
        app.shell.screen = Screen::Confirm;
        let _ = update(&mut app, Msg::Paste(big));
        assert_eq!(app.shell.confirm.input.value().len(), CONFIRM_MAX);
        assert_eq!(
            app.shell.notice.as_deref(),
            Some("pasted text cut to 64 characters (this field holds at most 64)")
        );
    }
}
