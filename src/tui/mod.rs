//! The interactive terminal UI: jobs → guided form → preview → confirm → live progress.
//!
//! One thread reads the terminal and turns events into [`app::Msg`]s; API work runs on
//! tokio tasks that report back on the same channel; `app::update` changes the state;
//! `view::render` draws it. The UI never waits on the network.

pub mod app;
pub mod form;
pub mod keymap;
pub mod theme;
pub mod view;

use crate::api::endpoint::is_loopback;
use crate::api::Client;
use crate::cli::context::Ctx;
use crate::cli::output::now_hms;
use crate::cli::{exit, journal_cmds, CliError, Global};
use crate::domain::executor::{self, ExecOptions, ProgressEvent};
use crate::domain::journal::{self, Journal};
use crate::domain::Plan;
use app::{App, Effect, Header, Msg, Target};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::{execute, terminal};
use ratatui::Terminal;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// Restores the terminal: each step on its own, so one failure does not skip the rest.
pub fn restore_terminal() {
    let mut out = std::io::stdout();
    if let Err(e) = terminal::disable_raw_mode() {
        tracing::warn!(error = %e, "disable raw mode");
    }
    if let Err(e) = execute!(out, event::DisableBracketedPaste) {
        tracing::warn!(error = %e, "disable bracketed paste");
    }
    if let Err(e) = execute!(out, terminal::LeaveAlternateScreen) {
        tracing::warn!(error = %e, "leave alternate screen");
    }
    if let Err(e) = execute!(out, ratatui::crossterm::cursor::Show) {
        tracing::warn!(error = %e, "show cursor");
    }
    let _ = out.flush();
}

struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> std::io::Result<Self> {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            tracing::error!("panic: {info}");
            prev(info);
        }));
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(
            std::io::stdout(),
            terminal::EnterAlternateScreen,
            event::EnableBracketedPaste,
            ratatui::crossterm::cursor::Hide
        )?;
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
    client: Client,
    journal: Journal,
    endpoint: String,
    masked_ak: String,
    read_only: bool,
    opts: ExecOptions,
    tx: UnboundedSender<Msg>,
}

impl Runner {
    fn spawn(&self, fx: Effect) {
        let tx = self.tx.clone();
        match fx {
            Effect::Copy(text) => copy_osc52(&text),
            Effect::Dismiss(plan_id) => {
                let rec = journal::Record::Dismissed {
                    plan_id,
                    at: journal::now(),
                };
                if let Err(e) = self.journal.append(&rec) {
                    let _ = tx.send(Msg::ExecRefused {
                        plan_id: String::new(),
                        reason: format!("the journal cannot be written: {e}"),
                    });
                }
            }
            Effect::LoadJobs => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let t2 = tx.clone();
                    let r = crate::domain::load_jobs(&client, move |l, t| {
                        let _ = t2.send(Msg::JobsProgress(l, t));
                    })
                    .await;
                    let _ = tx.send(Msg::JobsLoaded(r));
                });
            }
            Effect::Execute {
                plan,
                start,
                new_plan,
            } => {
                let client = self.client.clone();
                let journal = self.journal.clone();
                let endpoint = self.endpoint.clone();
                let ak = self.masked_ak.clone();
                let mut opts = self.opts.clone();
                opts.read_only = self.read_only;
                tokio::spawn(async move {
                    let refuse = |reason: String| {
                        let _ = tx.send(Msg::ExecRefused {
                            plan_id: plan.id.clone(),
                            reason,
                        });
                    };
                    if opts.read_only {
                        return refuse("read-only mode".into());
                    }
                    if new_plan {
                        let pending = journal
                            .read()
                            .map(|r| journal::summarize(&r.records))
                            .unwrap_or_default();
                        if let Some(p) = journal::pending_for(&pending, &endpoint, &plan.job_id) {
                            return refuse(format!(
                                "job {} has an unfinished switch in the journal (plan {}); run `dts-switch resume` first",
                                plan.job_id,
                                journal_cmds::short(&p.plan_id)
                            ));
                        }
                        if let Err(e) = journal.append(&journal::plan_record(&plan, &endpoint, &ak))
                        {
                            return refuse(format!(
                                "the journal {} cannot be written: {e}",
                                journal.path().display()
                            ));
                        }
                    }
                    let rest = Plan {
                        calls: plan.calls[start..].to_vec(),
                        ..plan.clone()
                    };
                    let pid = plan.id.clone();
                    let t2 = tx.clone();
                    let inner = move |ev: &ProgressEvent| {
                        let _ = t2.send(Msg::Exec {
                            plan_id: pid.clone(),
                            offset: start,
                            event: ev.clone(),
                        });
                        Ok(())
                    };
                    let mut handler = journal::journalling(&journal, &plan.id, start, inner);
                    executor::execute(&client, &rest, &opts, &mut handler).await;
                    let _ = tx.send(Msg::ExecFinished {
                        plan_id: plan.id.clone(),
                    });
                });
            }
            Effect::Follow {
                plan,
                index,
                task_id,
            } => {
                let client = self.client.clone();
                let journal = self.journal.clone();
                let opts = self.opts.clone();
                tokio::spawn(async move {
                    let pid = plan.id.clone();
                    let t2 = tx.clone();
                    let p2 = pid.clone();
                    let inner = move |ev: &ProgressEvent| {
                        let _ = t2.send(Msg::Exec {
                            plan_id: p2.clone(),
                            offset: 0,
                            event: ev.clone(),
                        });
                        Ok(())
                    };
                    let mut handler = journal::journalling(&journal, &pid, 0, inner);
                    executor::follow(
                        &client,
                        index,
                        &plan.calls[index],
                        &task_id,
                        &opts,
                        &mut handler,
                    )
                    .await;
                    drop(handler);
                    let _ = tx.send(Msg::ExecFinished { plan_id: pid });
                });
            }
        }
    }
}

pub async fn run(g: &Global, ctx: Ctx) -> Result<i32, CliError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CliError::new(
            exit::BAD_INPUT,
            "the interactive TUI needs a terminal (stdin and stdout are not both terminals).\n  For scripts use the subcommands: dts-switch jobs | plan | switch | status | resume | history (see --help)",
        ));
    }
    let journal = journal_cmds::journal_for(g)?;
    let read = journal.read().unwrap_or_default();
    let pending: Vec<_> = journal::summarize(&read.records)
        .into_iter()
        .filter(|p| p.endpoint == ctx.endpoint.as_str() && p.pending().is_some())
        .collect();
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let obs_tx = tx.clone();
    let client = ctx.client.clone().with_observer(Arc::new(move |rec| {
        let _ = obs_tx.send(Msg::Api(rec.clone(), now_hms()));
    }));
    let local = is_loopback(&ctx.endpoint);
    let header = Header {
        region: ctx.region.clone(),
        endpoint: ctx.endpoint.as_str().to_string(),
        target: if ctx.demo.is_some() {
            Target::Demo
        } else if local {
            Target::Simulator
        } else {
            Target::Production
        },
        masked_ak: ctx.masked_ak.clone(),
        read_only: g.read_only,
    };
    let mut app = App::new(header, pending);
    if let Some(p) = read.problems.first() {
        app.notice = Some(format!("journal: {p}"));
    }
    let theme = theme::Theme::from_env(g.no_color);
    let runner = Runner {
        client,
        journal,
        endpoint: ctx.endpoint.as_str().to_string(),
        masked_ak: ctx.masked_ak.clone(),
        read_only: g.read_only,
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
            ..ExecOptions::default()
        },
        tx: tx.clone(),
    };

    let guard = TerminalGuard::enter()
        .map_err(|e| CliError::new(exit::FAILED, format!("cannot set up the terminal: {e}")))?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))
        .map_err(|e| CliError::new(exit::FAILED, format!("cannot set up the terminal: {e}")))?;
    if let Ok(s) = term.size() {
        let _ = app::update(&mut app, Msg::Resize(s.width, s.height));
    }
    // For the test that proves the terminal is restored after a panic.
    if std::env::var_os("DTS_SWITCH_TEST_PANIC").is_some() {
        panic!("forced panic (DTS_SWITCH_TEST_PANIC)");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let input_tx = tx.clone();
    let stop2 = stop.clone();
    let input = std::thread::spawn(move || {
        while !stop2.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => {
                    let msg = match event::read() {
                        Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
                        Ok(Event::Paste(s)) => Some(Msg::Paste(s)),
                        Ok(Event::Resize(w, h)) => Some(Msg::Resize(w, h)),
                        Ok(_) => None,
                        Err(_) => break,
                    };
                    if let Some(m) = msg {
                        if input_tx.send(m).is_err() {
                            break;
                        }
                    }
                }
                Ok(false) => {}
                Err(_) => break,
            }
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for kind in [SignalKind::terminate(), SignalKind::hangup()] {
            if let Ok(mut s) = signal(kind) {
                let t = tx.clone();
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = t.send(Msg::Terminate);
                    }
                });
            }
        }
    }

    for fx in app.start() {
        runner.spawn(fx);
    }
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    loop {
        {
            // At most ~30 frames a second; each frame is one synchronized update.
            let since = last_draw.elapsed();
            if since < Duration::from_millis(33) {
                tokio::time::sleep(Duration::from_millis(33) - since).await;
            }
            let _ = execute!(std::io::stdout(), terminal::BeginSynchronizedUpdate);
            let r = term.draw(|f| view::render(&app, f, &theme));
            let _ = execute!(std::io::stdout(), terminal::EndSynchronizedUpdate);
            if let Err(e) = r {
                tracing::error!(error = %e, "draw failed");
            }
            last_draw = Instant::now();
        }
        let animating = app.animating();
        tokio::select! {
            m = rx.recv() => {
                let Some(m) = m else { break };
                app.now = Instant::now();
                for fx in app::update(&mut app, m) { runner.spawn(fx); }
                while let Ok(m) = rx.try_recv() {
                    for fx in app::update(&mut app, m) { runner.spawn(fx); }
                }
            }
            _ = tick.tick(), if animating => {
                let _ = app::update(&mut app, Msg::Tick(Instant::now()));
            }
        }
        if app.quit {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    drop(term);
    drop(guard);
    let _ = input.join();
    Ok(if app.busy() { exit::UNKNOWN } else { exit::OK })
}
