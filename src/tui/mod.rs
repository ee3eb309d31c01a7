//! The interactive terminal UI: jobs → guided form → preview → confirm → live progress.
//!
//! One thread reads the terminal and turns events into [`app::Msg`]s; API work runs on
//! tokio tasks that report back on the same channel; `app::update` changes the state;
//! `view::render` draws it. The UI never waits on the network.

pub mod app;
pub mod batch;
pub mod calls;
pub mod confirm;
pub mod fleet;
pub mod form;
pub mod jobs;
pub mod keymap;
pub mod log;
pub mod prefs;
pub mod preview;
pub mod progress;
pub mod shared;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;

use crate::api::Client;
use crate::domain::executor::{self, ExecOptions, ProgressEvent};
use crate::domain::guard::{self, Sender};
use crate::domain::journal::{self, Journal};
use crate::present::now_hms;
pub use app::Target;
use app::{App, Effect, Header, JournalView, Msg};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal as ct;
use ratatui::Terminal;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

pub use terminal::restore_terminal;

struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> std::io::Result<Self> {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The terminal (and stderr) first, so the report is readable.
            restore_terminal();
            tracing::error!("panic: {info}");
            prev(info);
        }));
        let guard = TerminalGuard;
        terminal::enter_modes()?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// OSC 52: the terminal (and tmux, and an SSH client's terminal) puts `text` on the
/// clipboard.
fn copy_osc52(text: &str) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

struct Runner {
    /// The region's client; `sender` holds it as the domain's port.
    client: Client,
    sender: Sender,
    /// The listing running now, and its generation.
    load: Option<tokio::task::JoinHandle<()>>,
    load_generation: u64,
    /// The endpoint was given (`--endpoint`, a simulator): a new region keeps it.
    endpoint_fixed: bool,
    read_only: bool,
    opts: ExecOptions,
    tx: UnboundedSender<Msg>,
    /// The running fleet batch's stop flag (no new call once set).
    batch_stop: Option<Arc<AtomicBool>>,
    /// A `--demo` run: its journal and simulator end with it (no failback runbook).
    demo: bool,
}

impl Runner {
    /// The client of `region`: its own host, or the fixed endpoint (a simulator).
    fn region_client(&self, region: &str) -> Client {
        let endpoint = if self.endpoint_fixed {
            None
        } else {
            url::Url::parse(&crate::api::endpoint::default_endpoint(region)).ok()
        };
        self.client.with_region(region, endpoint)
    }

    fn spawn(&mut self, fx: Effect) {
        let tx = self.tx.clone();
        match fx {
            Effect::Copy(text) => copy_osc52(&text),
            Effect::Dismiss(plan_id) => {
                let rec = journal::Record::Dismissed {
                    plan_id,
                    at: journal::now(),
                };
                if let Err(e) = self.sender.journal.append(&rec) {
                    let _ = tx.send(Msg::ExecRefused {
                        plan_id: String::new(),
                        reason: format!("the journal cannot be written: {e}"),
                    });
                }
                let _ = tx.send(Msg::Journal(read_journal(&self.sender.journal)));
            }
            Effect::SetRegion(region) => {
                let endpoint = if self.endpoint_fixed {
                    None
                } else {
                    url::Url::parse(&crate::api::endpoint::default_endpoint(&region)).ok()
                };
                self.client = self.client.with_region(&region, endpoint);
                self.sender.client = self.client.port();
                self.sender.endpoint = self.client.endpoint().to_string();
                if let Err(e) = prefs::remember_region(&region) {
                    tracing::warn!(error = %e, "cannot remember the region");
                }
                let _ = tx.send(Msg::RegionChanged {
                    region,
                    endpoint: self.sender.endpoint.clone(),
                });
            }
            Effect::Verify(plan) => {
                let sender = self.sender.clone();
                let opts = self.opts.verify.clone();
                tokio::spawn(async move {
                    let pid = plan.id.clone();
                    let mut on = |ev: &crate::domain::verify::VerifyEvent| {
                        let _ = tx.send(Msg::Verify {
                            plan_id: pid.clone(),
                            event: ev.clone(),
                        });
                    };
                    crate::domain::verify::verify_plan(&sender, &plan, &opts, &mut on).await;
                });
            }
            Effect::ReadJournal => {
                let _ = tx.send(Msg::Journal(read_journal(&self.sender.journal)));
            }
            Effect::CheckJob {
                job_id,
                job_ids,
                region,
            } => {
                let r = guard::check_new_switch(&self.sender.journal, &job_ids, &region);
                let _ = tx.send(Msg::JobChecked {
                    job_id,
                    refusal: r.err(),
                });
            }
            Effect::LoadJobs => {
                // One listing at a time: a new one (r, a region change) drops the old.
                if let Some(h) = self.load.take() {
                    h.abort();
                }
                self.load_generation += 1;
                let generation = self.load_generation;
                let _ = tx.send(Msg::JobsStarted(generation));
                let client = self.sender.client.clone();
                self.load = Some(tokio::spawn(async move {
                    use crate::domain::listed::{HintsState, ListEvent};
                    let t2 = tx.clone();
                    // Jobs so far, for the progress line: their Forward entries.
                    let mut jobs = 0usize;
                    let opts = crate::domain::listed::ListOptions {
                        keep_raw: false,
                        ..Default::default()
                    };
                    // The entries go to the app, which merges them into its rows: the
                    // jobs are held once.
                    let mut handle = move |ev: ListEvent<'_>| match ev {
                        ListEvent::Entries(entries) => {
                            jobs += entries.iter().filter(|e| !e.is_reverse()).count();
                            let _ = t2.send(Msg::ListEntries(generation, entries));
                        }
                        ListEvent::DtsItems(items) => {
                            let _ = t2.send(Msg::ListDtsItems(generation, items));
                        }
                        ListEvent::Progress(p) => {
                            let _ = t2.send(Msg::JobsProgress(
                                generation,
                                crate::present::progress_line(p, jobs),
                            ));
                        }
                    };
                    let r = client.list_jobs(&opts, &mut handle).await;
                    let result = r.map(|s| crate::tui::shared::ListEnd {
                        dts_complete: s.two_way.state == HintsState::Complete,
                        two_way_error: match s.two_way.state {
                            HintsState::Failed(e) => {
                                tracing::warn!(error = %e, "DescribeDtsJobs could not be read; jobs without a listed Reverse entry have an unknown topology");
                                Some(e.to_string())
                            }
                            _ => None,
                        },
                    });
                    let _ = tx.send(Msg::ListEnded { generation, result });
                }));
            }
            // Handled by the event loop, which owns the terminal.
            Effect::Suspend => {}
            Effect::PlanBatch {
                seq,
                marks,
                endpoint,
                api,
            } => {
                let clients: Vec<(String, crate::domain::service::Port)> =
                    batch::regions_of(&marks)
                        .into_iter()
                        .map(|r| {
                            let c = self.region_client(&r).port();
                            (r, c)
                        })
                        .collect();
                let base = self.sender.clone();
                tokio::spawn(async move {
                    let m = batch::plan_msg(base, clients, seq, marks, endpoint, api).await;
                    let _ = tx.send(m);
                });
            }
            Effect::StopBatch => {
                if let Some(s) = &self.batch_stop {
                    s.store(true, Ordering::SeqCst);
                }
            }
            Effect::RunBatch(b) => {
                let stop = Arc::new(AtomicBool::new(false));
                self.batch_stop = Some(stop.clone());
                let mut opts = self.opts.clone();
                opts.read_only = self.read_only;
                opts.stop = Some(stop);
                let journal = self.sender.journal.clone();
                let failback = !self.demo;
                tokio::spawn(async move {
                    let t2 = tx.clone();
                    batch::run(
                        b.0,
                        opts,
                        crate::domain::fleet::DEFAULT_PARALLEL,
                        failback,
                        move |m| {
                            let _ = t2.send(m);
                        },
                    )
                    .await;
                    let _ = tx.send(Msg::Journal(read_journal(&journal)));
                });
            }
            Effect::Find {
                seq,
                query,
                regions,
            } => {
                // Each region's client as `find` makes them: its own host, unless the
                // endpoint is fixed (a simulator serves every region at one address).
                let targets: Vec<(String, crate::domain::service::Port)> = regions
                    .iter()
                    .map(|r| (r.clone(), self.region_client(r).port()))
                    .collect();
                tokio::spawn(async move {
                    let opts = crate::api::listing::ListOptions {
                        keep_raw: false,
                        dts_jobs_per_second: Some(crate::domain::find::DTS_JOBS_PER_SECOND as f64),
                        ..Default::default()
                    };
                    let t2 = tx.clone();
                    let report = crate::domain::find::search_regions(
                        &query,
                        targets,
                        &opts,
                        crate::domain::find::DEFAULT_REGIONS_IN_FLIGHT,
                        move |_| {
                            let _ = t2.send(Msg::FindRegionDone { seq });
                        },
                    )
                    .await;
                    let _ = tx.send(Msg::Found { seq, report });
                });
            }
            Effect::MakePlan {
                seq,
                job,
                region,
                req,
                api,
            } => {
                let client = self.sender.client.clone();
                tokio::spawn(async move {
                    let result =
                        crate::domain::planner::make_plan(&client, &job, &region, &req.0, api)
                            .await;
                    let _ = tx.send(Msg::Planned { seq, result });
                });
            }
            Effect::Execute { plan, start, .. } => {
                let sender = self.sender.clone();
                let mut opts = self.opts.clone();
                opts.read_only = self.read_only;
                let verify = opts.verify.clone();
                tokio::spawn(async move {
                    let pid = plan.id.clone();
                    let t2 = tx.clone();
                    let mut handler = move |ev: &ProgressEvent| {
                        let _ = t2.send(Msg::Exec {
                            plan_id: pid.clone(),
                            event: ev.clone(),
                        });
                    };
                    // The one driver: the calls, the watch after them, the next step.
                    crate::domain::drive::run_plan(
                        &sender,
                        &plan,
                        start,
                        &opts,
                        Some(&verify),
                        &mut handler,
                    )
                    .await;
                    let _ = tx.send(Msg::ExecFinished {
                        plan_id: plan.id.clone(),
                    });
                    let _ = tx.send(Msg::Journal(read_journal(&sender.journal)));
                });
            }
            Effect::Follow {
                plan,
                index,
                task_id,
            } => {
                let sender = self.sender.clone();
                let opts = self.opts.clone();
                tokio::spawn(async move {
                    let pid = plan.id.clone();
                    let t2 = tx.clone();
                    let p2 = pid.clone();
                    let mut handler = move |ev: &ProgressEvent| {
                        let _ = t2.send(Msg::Exec {
                            plan_id: p2.clone(),
                            event: ev.clone(),
                        });
                    };
                    executor::follow(&sender, &plan, index, &task_id, &opts, &mut handler).await;
                    let _ = tx.send(Msg::ExecFinished { plan_id: pid });
                    let _ = tx.send(Msg::Journal(read_journal(&sender.journal)));
                });
            }
        }
    }
}

/// The most recent plans the TUI is given besides the unfinished ones (the plan on
/// screen is one of those): a long history is not copied on every read.
const RECENT_PLANS: usize = 200;

/// The journal as the TUI needs it: the unfinished plans and the most recent ones, and
/// the lines that cannot be read.
fn read_journal(j: &Journal) -> JournalView {
    match j.read() {
        Ok(r) => {
            let all = r.plans();
            let recent = all.len().saturating_sub(RECENT_PLANS);
            let plans: Vec<journal::PlanSummary> = all
                .iter()
                .enumerate()
                .filter(|(i, p)| *i >= recent || p.pending().is_some() || p.needs_verification())
                .map(|(_, p)| p.clone())
                .collect();
            // Unfinished plans another live process on this host is handling.
            let live = plans
                .iter()
                .filter(|p| p.pending().is_some())
                .filter(|p| p.last_by().is_some_and(journal::live_elsewhere))
                .map(|p| p.plan_id.clone())
                .collect();
            JournalView {
                plans,
                problems: r.problems,
                error: None,
                live,
            }
        }
        Err(e) => JournalView {
            error: Some(format!(
                "cannot read the journal {}: {e}",
                j.path().display()
            )),
            ..JournalView::default()
        },
    }
}

/// What the TUI needs, built by the command line.
pub struct Config {
    pub client: Client,
    /// The endpoint was given by the operator or is a simulator: changing the region
    /// keeps it (otherwise the region's own host is used).
    pub endpoint_fixed: bool,
    pub journal: Journal,
    pub endpoint: url::Url,
    pub region: String,
    pub masked_ak: String,
    pub target: Target,
    pub read_only: bool,
    pub no_color: bool,
    /// The log file's first write failure, once (said in the status line: nothing is
    /// printed behind the TUI).
    pub log_failure: fn() -> Option<String>,
}

/// How the TUI ended.
pub struct End {
    /// A switch was still running (its tasks go on in the service).
    pub busy: bool,
    /// Lines to print on the normal screen after leaving (e.g. how to resume).
    pub after: Vec<String>,
    /// The watch after a switch ended with a direction not healthy.
    pub not_healthy: bool,
}

/// Runs the TUI until the operator quits or the terminal goes away. The caller checks
/// that stdin and stdout are terminals.
pub async fn run(cfg: Config) -> Result<End, String> {
    // This process shows no history of the journal: old settled plans are kept lean.
    journal::compact_old_plans();
    let journal = cfg.journal.clone();
    let first = read_journal(&journal);
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let obs_tx = tx.clone();
    let client = cfg.client.clone().with_observer(Arc::new(move |rec| {
        let _ = obs_tx.send(Msg::Api(rec.clone(), now_hms()));
    }));
    let local = cfg.target != Target::Production;
    let header = Header {
        region: cfg.region.clone(),
        endpoint: cfg.endpoint.as_str().to_string(),
        target: cfg.target,
        masked_ak: cfg.masked_ak.clone(),
        read_only: cfg.read_only,
    };
    let mut app = App::new(header, vec![]);
    let _ = app::update(&mut app, Msg::Journal(first));
    let theme = theme::Theme::from_env(cfg.no_color);
    let mut runner = Runner {
        demo: cfg.target == Target::Demo,
        load: None,
        load_generation: 0,
        endpoint_fixed: cfg.endpoint_fixed,
        client: client.clone(),
        sender: Sender {
            client: client.port(),
            journal,
            endpoint: cfg.endpoint.as_str().to_string(),
            masked_ak: cfg.masked_ak.clone(),
            by: journal::who("TUI"),
        },
        read_only: cfg.read_only,
        opts: ExecOptions {
            poll_interval: if local {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(5)
            },
            max_poll_interval: if local {
                Duration::from_secs(2)
            } else {
                Duration::from_secs(20)
            },
            verify: crate::domain::verify::VerifyOptions {
                interval: if local {
                    Duration::from_secs(1)
                } else {
                    Duration::from_secs(5)
                },
                ..Default::default()
            },
            ..ExecOptions::default()
        },
        tx: tx.clone(),
        batch_stop: None,
    };

    let guard = TerminalGuard::enter().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    // Nothing writes to the screen behind the TUI: stderr is caught (e.g. the logging
    // library's complaint about a log file that cannot be written) and said once.
    let stray_tx = tx.clone();
    if let Err(e) = terminal::capture_stderr(move |text| {
        let _ = stray_tx.send(Msg::StrayOutput(text));
    }) {
        tracing::warn!(error = %e, "cannot keep stderr off the screen");
    }
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))
        .map_err(|e| format!("cannot set up the terminal: {e}"))?;
    if let Ok(s) = term.size() {
        let _ = app::update(&mut app, Msg::Resize(s.width, s.height));
    }
    // For the test that proves nothing reaches the screen behind the TUI.
    if std::env::var_os("DTS_SWITCH_TEST_STDERR").is_some() {
        eprintln!("[test] written to stderr behind the TUI (DTS_SWITCH_TEST_STDERR)");
    }
    // For the test that proves the terminal is restored after a panic.
    if std::env::var_os("DTS_SWITCH_TEST_PANIC").is_some() {
        panic!("forced panic (DTS_SWITCH_TEST_PANIC)");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let input_ctl = Arc::new(InputCtl::default());
    let input = spawn_input(tx.clone(), stop.clone(), input_ctl.clone());

    // SIGTERM and SIGHUP end the TUI whatever its loop is doing: a flag the loop sees
    // before anything queued, and a watchdog that restores the terminal and exits if
    // the loop does not end within seconds (e.g. a write to a terminal that hangs).
    let (term_tx, mut term_rx) = tokio::sync::watch::channel(false);
    let busy_flag = Arc::new(AtomicBool::new(false));
    let (susp_tx, mut susp_rx) = unbounded_channel::<Signal>();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for kind in [SignalKind::terminate(), SignalKind::hangup()] {
            if let Ok(mut s) = signal(kind) {
                let t = tx.clone();
                let term_tx = term_tx.clone();
                let busy = busy_flag.clone();
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = term_tx.send(true);
                        let _ = t.send(Msg::Terminate);
                        watchdog(busy);
                    }
                });
            }
        }
        // Ctrl-Z from outside (kill -TSTP) suspends as the key does; SIGCONT (after
        // `fg`, also after an outside SIGSTOP) redraws everything.
        for (n, what) in [
            (libc::SIGTSTP, Signal::Suspend),
            (libc::SIGCONT, Signal::Continued),
        ] {
            if let Ok(mut s) = signal(SignalKind::from_raw(n)) {
                let t = susp_tx.clone();
                tokio::spawn(async move {
                    while s.recv().await.is_some() {
                        if t.send(what).is_err() {
                            break;
                        }
                    }
                });
            }
        }
    }
    drop(susp_tx);

    for fx in app.start() {
        runner.spawn(fx);
    }
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Another process may write the journal: look again now and then.
    let mut journal_tick = tokio::time::interval(Duration::from_secs(2));
    journal_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let mut draw_failures = 0u32;
    let mut journal_stamp = std::fs::metadata(runner.sender.journal.path())
        .ok()
        .map(|m| (m.len(), m.modified().ok()));
    let mut suspend = false;
    'outer: loop {
        if *term_rx.borrow() {
            app.quit = true;
            break;
        }
        if std::mem::take(&mut suspend) {
            suspend_now(&mut term, &input_ctl, &mut app);
        }
        if let Some(e) = (cfg.log_failure)() {
            let _ = app::update(&mut app, Msg::LogUnwritable(e));
        }
        {
            // At most ~30 frames a second; each frame is one synchronized update.
            let since = last_draw.elapsed();
            if since < Duration::from_millis(33) {
                tokio::time::sleep(Duration::from_millis(33) - since).await;
            }
            let _ = execute!(std::io::stdout(), ct::BeginSynchronizedUpdate);
            let r = term.draw(|f| view::render(&app, f, &theme));
            let _ = execute!(std::io::stdout(), ct::EndSynchronizedUpdate);
            match r {
                Ok(_) => draw_failures = 0,
                Err(e) => {
                    tracing::error!(error = %e, "draw failed");
                    // A terminal that cannot be written to is gone.
                    draw_failures += 1;
                    if draw_failures >= 3 {
                        app.quit = true;
                    }
                }
            }
            last_draw = Instant::now();
        }
        busy_flag.store(app.busy(), Ordering::SeqCst);
        if app.quit {
            break;
        }
        let animating = app.animating();
        // Suspending needs the terminal: the loop does it, the runner the rest.
        let mut run_effects = |fx: Vec<Effect>, suspend: &mut bool| {
            for fx in fx {
                if fx == Effect::Suspend {
                    *suspend = true;
                } else {
                    runner.spawn(fx);
                }
            }
        };
        tokio::select! {
            biased;
            _ = term_rx.changed() => {
                app.quit = true;
            }
            sig = susp_rx.recv() => match sig {
                Some(Signal::Suspend) => suspend = true,
                Some(Signal::Continued) => {
                    // Whatever the shell did to the terminal meanwhile.
                    terminal::reenter_modes();
                    let _ = term.clear();
                }
                None => {}
            },
            m = rx.recv() => {
                let Some(m) = m else { break };
                app.now = Instant::now();
                let fx = app::update(&mut app, m);
                run_effects(fx, &mut suspend);
                // Drain what else arrived, but never forever: a quit (or a signal) wins.
                let mut n = 0;
                while let Ok(m) = rx.try_recv() {
                    let fx = app::update(&mut app, m);
                    run_effects(fx, &mut suspend);
                    n += 1;
                    if app.quit || suspend || n > 256 || *term_rx.borrow() {
                        break;
                    }
                }
            }
            _ = tick.tick(), if animating => {
                let _ = app::update(&mut app, Msg::Tick(Instant::now()));
            }
            _ = journal_tick.tick() => {
                // Read it again when it changed, or while another process runs a plan
                // (it may stop without writing). Idle, that is one stat.
                let stamp = std::fs::metadata(runner.sender.journal.path())
                    .ok()
                    .map(|m| (m.len(), m.modified().ok()));
                if stamp != journal_stamp || !app.live.is_empty() {
                    journal_stamp = stamp;
                    runner.spawn(Effect::ReadJournal);
                }
                // A hung-up terminal answers its size with an error.
                if ct::size().is_err() {
                    let _ = app::update(&mut app, Msg::TerminalGone);
                }
            }
        }
        if app.quit {
            break 'outer;
        }
    }
    stop.store(true, Ordering::Relaxed);
    input_ctl.resume();
    drop(term);
    drop(guard);
    // Not joined: after a hang-up the terminal library may spin inside its own read
    // loop and never come back; the thread ends with the process.
    drop(input);
    Ok(End {
        busy: app.busy(),
        after: app.exit_lines(),
        // Not verified healthy: a verdict against it, or the watch cut short.
        not_healthy: app
            .progress
            .as_ref()
            .is_some_and(|p| p.not_healthy() || p.verifying),
    })
}

/// Signals the event loop handles itself (they touch the terminal).
#[derive(Debug, Clone, Copy)]
enum Signal {
    Suspend,
    Continued,
}

/// After SIGTERM/SIGHUP: if the event loop has not ended the TUI within 3 s, restore
/// the terminal (giving that at most 1 s: it may hang too) and exit — 3 (outcome
/// unknown) while a switch ran, else 0, as the loop would have.
fn watchdog(busy: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        tracing::error!("the event loop did not end after a signal: exiting");
        let code = if busy.load(Ordering::SeqCst) { 3 } else { 0 };
        let restore = std::thread::spawn(restore_terminal);
        let t0 = Instant::now();
        while !restore.is_finished() && t0.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::process::exit(code);
    });
}

/// How the event loop pauses the input thread (Ctrl-Z): `paused` asks, `parked` says
/// the thread is not reading and will look at `paused` again before it does.
#[derive(Default)]
struct InputCtl {
    paused: AtomicBool,
    parked: AtomicBool,
}

impl InputCtl {
    /// Stops the input thread reading the terminal; true once it has stopped.
    fn pause(&self) -> bool {
        self.paused.store(true, Ordering::SeqCst);
        let t0 = Instant::now();
        while !self.parked.load(Ordering::SeqCst) {
            if t0.elapsed() > Duration::from_millis(500) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
    fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

/// Reads the terminal on its own thread. Any read error (EIO after a hang-up, end of
/// input) means the terminal is gone: say so and stop reading. Ctrl-Z pauses reading
/// at once, so nothing typed after it (at the shell) is read by the TUI.
fn spawn_input(
    tx: UnboundedSender<Msg>,
    stop: Arc<AtomicBool>,
    ctl: Arc<InputCtl>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            ctl.parked.store(false, Ordering::SeqCst);
            if ctl.paused.load(Ordering::SeqCst) {
                ctl.parked.store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            let msg = match event::poll(Duration::from_millis(100)) {
                Ok(true) => match event::read() {
                    Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => {
                        if k.code == KeyCode::Char('z')
                            && k.modifiers.contains(KeyModifiers::CONTROL)
                        {
                            ctl.paused.store(true, Ordering::SeqCst);
                        }
                        Some(Msg::Key(k))
                    }
                    Ok(Event::Paste(s)) => Some(Msg::Paste(s)),
                    Ok(Event::Resize(w, h)) => Some(Msg::Resize(w, h)),
                    Ok(_) => None,
                    Err(_) => Some(Msg::TerminalGone),
                },
                Ok(false) => None,
                Err(_) => Some(Msg::TerminalGone),
            };
            let Some(m) = msg else { continue };
            let gone = matches!(m, Msg::TerminalGone);
            if tx.send(m).is_err() || gone {
                break;
            }
        }
    })
}

/// Ctrl-Z: the input thread stops reading, the terminal is given back, the process
/// stops; after `fg`, the terminal is taken again, what was read ahead before the stop
/// is dropped, and everything is redrawn.
fn suspend_now(
    term: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    ctl: &InputCtl,
    app: &mut App,
) {
    if !ctl.pause() {
        tracing::warn!("the input thread did not pause; suspending anyway");
    }
    terminal::leave_modes();
    let stopped = terminal::stop_self();
    terminal::reenter_modes();
    // Events the terminal library read ahead were typed after Ctrl-Z: drop them.
    while event::poll(Duration::ZERO).unwrap_or(false) {
        if event::read().is_err() {
            break;
        }
    }
    if !stopped {
        app.notice = Some("suspending is not possible here".into());
    }
    let _ = term.clear();
    if let Ok(s) = term.size() {
        let _ = app::update(app, Msg::Resize(s.width, s.height));
    }
    ctl.resume();
}
