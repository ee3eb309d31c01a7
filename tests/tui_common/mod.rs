//! Helpers for driving the TUI state machine without a terminal.
#![allow(dead_code)]

use dts_switch::api::{Client, ClientConfig, Credentials, RetryPolicy};
use dts_switch::domain::family::{ApiChoice, Family};
use dts_switch::domain::planner::PlanFailure;
use dts_switch::domain::{merge_entries, Job};
use dts_switch::sim::{SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use dts_switch::tui::app::{update, App, Effect, Header, Msg, Target};
use dts_switch::tui::theme::Theme;
use dts_switch::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::time::Duration;

pub fn demo_jobs() -> Vec<Job> {
    merge_entries(dts_switch::sim::data::listing_entries(
        &dts_switch::sim::data::demo_jobs(),
    ))
}

pub fn header(target: Target, read_only: bool) -> Header {
    Header {
        region: "cn-hangzhou".into(),
        endpoint: match target {
            Target::Production => "https://dts.cn-hangzhou.aliyuncs.com/".into(),
            _ => "http://127.0.0.1:8080/".into(),
        },
        target,
        masked_ak: "LTAI****0001".into(),
        read_only,
    }
}

/// The end of the first listing.
pub fn loaded(result: Result<Vec<Job>, dts_switch::domain::service::ServiceError>) -> Msg {
    Msg::JobsLoaded {
        generation: 0,
        result,
        two_way_error: None,
    }
}

/// An app with the demo jobs loaded.
pub fn app_with(target: Target, read_only: bool) -> App {
    let mut app = App::new(header(target, read_only), vec![]);
    let fx = app.start();
    assert_eq!(fx, vec![Effect::LoadJobs]);
    update(&mut app, loaded(Ok(demo_jobs())));
    app
}

pub fn app() -> App {
    app_with(Target::Simulator, false)
}

/// One key press. A guard check (`Effect::CheckJob`) is answered "allowed", as the
/// runner would with an empty journal, and a plan request (`Effect::MakePlan`) as the
/// planner answers for the simulator's legacy jobs (see [`legacy_plan`]); the effects
/// are still returned.
pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let fx = update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    answer(app, &fx);
    fx
}

/// Answers the guard check and the plan request among `fx` (see [`key`]).
pub fn answer(app: &mut App, fx: &[Effect]) {
    for f in fx {
        match f {
            Effect::CheckJob { job_id, .. } => {
                update(
                    app,
                    Msg::JobChecked {
                        job_id: job_id.clone(),
                        refusal: None,
                    },
                );
            }
            Effect::MakePlan {
                seq,
                job,
                region,
                req,
                api,
            } => {
                update(app, legacy_planned(*seq, job, region, &req.0, *api));
            }
            _ => {}
        }
    }
}

/// The planner's answer (as [`Msg::Planned`]) for a job of the legacy demo data (the jobs these tests list
/// from the legacy listing alone): with `auto`, ModifyDtsJobEndpoint does not know the
/// job and the legacy API does, so the plan is the legacy family's, without dry runs;
/// `maintained` plans the maintained family (its dry runs are left unmade here: tests
/// of the dry runs use the simulator, see [`Live`]).
pub fn legacy_planned(
    seq: u64,
    job: &Job,
    region: &str,
    req: &dts_switch::domain::SwitchRequest,
    api: ApiChoice,
) -> Msg {
    let family = match api {
        ApiChoice::Maintained => Family::Maintained,
        _ => Family::Legacy,
    };
    let result = dts_switch::domain::plan::plan(job, region, req, family)
        .map(|mut p| {
            p.family_reason = "legacy job: ModifyDtsJobEndpoint answered OperationDenied.JobVersionNotSupported; DescribeSynchronizationJobStatus knows it".into();
            p
        })
        .map_err(PlanFailure::Plan);
    Msg::Planned { seq, result }
}

/// The TUI's state machine beside a simulator over loopback HTTP: plan requests are
/// answered by the real planner (family detection, dry runs), as the runner does.
pub struct Live {
    pub sim: Simulator,
    pub rt: tokio::runtime::Runtime,
    pub client: Client,
}

impl Live {
    pub fn start() -> Live {
        Live::start_with(SimConfig {
            step: Duration::from_millis(100),
            ..SimConfig::default()
        })
    }

    /// The simulator with `config` (e.g. `fleet: true`).
    pub fn start_with(config: SimConfig) -> Live {
        let sim = Simulator::start_background(config);
        let client = Client::new(ClientConfig {
            endpoint: sim.url().parse().unwrap(),
            region: "cn-hangzhou".into(),
            credentials: Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None).into(),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        })
        .unwrap();
        Live {
            sim,
            rt: tokio::runtime::Runtime::new().unwrap(),
            client,
        }
    }

    /// An app with the simulator's jobs, as the TUI lists them.
    pub fn app(&self) -> App {
        let jobs = self
            .rt
            .block_on(dts_switch::domain::load_jobs(&self.client, |_, _| {}))
            .unwrap();
        let mut app = App::new(header(Target::Simulator, false), vec![]);
        app.start();
        update(&mut app, loaded(Ok(jobs)));
        app
    }

    /// One key press; a plan request is answered by the real planner.
    pub fn key(&self, app: &mut App, code: KeyCode) -> Vec<Effect> {
        let fx = update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        for f in &fx {
            match f {
                Effect::MakePlan {
                    seq,
                    job,
                    region,
                    req,
                    api,
                } => {
                    let result = self.rt.block_on(dts_switch::domain::planner::make_plan(
                        &self.client,
                        job,
                        region,
                        &req.0,
                        *api,
                    ));
                    update(app, Msg::Planned { seq: *seq, result });
                }
                other => answer(app, std::slice::from_ref(other)),
            }
        }
        fx
    }

    /// Runs the searches among `fx` as the runner does (every region at the
    /// simulator's one address) and hands their answers to the app.
    pub fn run_finds(&self, app: &mut App, fx: &[Effect]) {
        for f in fx {
            if let Effect::Find {
                seq,
                query,
                regions,
            } = f
            {
                let targets = regions
                    .iter()
                    .map(|r| (r.clone(), self.client.with_region(r, None).port()))
                    .collect();
                let report = self.rt.block_on(dts_switch::domain::find::search_regions(
                    query,
                    targets,
                    &dts_switch::api::listing::ListOptions {
                        keep_raw: false,
                        ..Default::default()
                    },
                    4,
                    |_| {},
                ));
                update(app, Msg::Found { seq: *seq, report });
            }
        }
    }

    pub fn typ(&self, app: &mut App, s: &str) {
        for c in s.chars() {
            self.key(app, KeyCode::Char(c));
        }
    }
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

pub fn typ(app: &mut App, s: &str) -> Vec<Effect> {
    let mut fx = vec![];
    for c in s.chars() {
        fx.extend(key(app, KeyCode::Char(c)));
    }
    fx
}

/// Selects the job with `id` in the jobs list.
pub fn select_job(app: &mut App, id: &str) {
    let pos = app
        .jobs
        .visible()
        .iter()
        .position(|j| j.id == id)
        .expect("job listed");
    app.jobs.selected = pos;
}

pub fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(app, f, &Theme { color: true }))
        .unwrap();
    t
}

pub fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// The fleet simulator (twelve jobs behind 10.20.30.40:3306 in two regions) beside
/// the TUI's state machine, with a journal of its own.
pub struct Fleet {
    pub live: Live,
    pub dir: tempfile::TempDir,
}

impl Fleet {
    pub fn start() -> Fleet {
        Fleet {
            live: Live::start_with(SimConfig {
                step: Duration::from_millis(100),
                fleet: true,
                ..SimConfig::default()
            }),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn sender(&self) -> dts_switch::domain::guard::Sender {
        dts_switch::domain::guard::Sender {
            client: self.live.client.port(),
            journal: dts_switch::domain::journal::Journal::new(
                self.dir.path().join("journal.jsonl"),
            ),
            endpoint: self.live.sim.url(),
            masked_ak: "LTAI****0001".into(),
            by: "TUI test".into(),
        }
    }

    /// The app with cn-hangzhou listed, both regions ticked in the picker, and the
    /// search for the old endpoint answered: twelve jobs marked.
    pub fn found(&self) -> App {
        let mut app = self.live.app();
        key(&mut app, KeyCode::Char('R'));
        for r in ["cn-hangzhou", "cn-shanghai"] {
            ctrl(&mut app, 'u');
            typ(&mut app, r);
            key(&mut app, KeyCode::Tab);
        }
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char('f'));
        typ(&mut app, "10.20.30.40:3306");
        let fx = key(&mut app, KeyCode::Enter);
        self.live.run_finds(&mut app, &fx);
        assert_eq!(app.fleet.marks.len(), 12);
        app
    }

    /// Runs the batch plans among `fx` as the runner does.
    pub fn run_plans(&self, app: &mut App, fx: &[Effect]) {
        for f in fx {
            if let Effect::PlanBatch {
                seq,
                marks,
                endpoint,
                api,
            } = f
            {
                let clients = dts_switch::tui::batch::regions_of(marks)
                    .into_iter()
                    .map(|r| {
                        let c = self.live.client.with_region(&r, None).port();
                        (r, c)
                    })
                    .collect();
                let m = self.live.rt.block_on(dts_switch::tui::batch::plan_msg(
                    self.sender(),
                    clients,
                    *seq,
                    marks.clone(),
                    endpoint.clone(),
                    *api,
                ));
                update(app, m);
            }
        }
    }

    /// Runs the batch among `fx` as the runner does (quick polls), then hands every
    /// message to the app in order.
    pub fn run_batch(&self, app: &mut App, fx: &[Effect]) {
        for m in self.batch_msgs(fx) {
            update(app, m);
        }
    }

    /// Runs the batch among `fx` as the runner does (quick polls): its messages.
    pub fn batch_msgs(&self, fx: &[Effect]) -> Vec<Msg> {
        self.batch_msgs_stopped(fx, false)
    }

    /// [`Fleet::batch_msgs`], with the stop flag (`S`) set from the start when `stopped`.
    pub fn batch_msgs_stopped(&self, fx: &[Effect], stopped: bool) -> Vec<Msg> {
        let mut out = vec![];
        for f in fx {
            if let Effect::RunBatch(b) = f {
                let opts = dts_switch::domain::executor::ExecOptions {
                    poll_interval: Duration::from_millis(100),
                    max_poll_interval: Duration::from_millis(200),
                    verify: dts_switch::domain::verify::VerifyOptions {
                        interval: Duration::from_millis(100),
                        timeout: Duration::from_secs(20),
                        ..Default::default()
                    },
                    stop: Some(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(
                        stopped,
                    ))),
                    ..Default::default()
                };
                let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
                let g2 = got.clone();
                self.live.rt.block_on(dts_switch::tui::batch::run(
                    b.0.clone(),
                    opts,
                    4,
                    true,
                    move |m| g2.lock().unwrap().push(m),
                ));
                out.extend(std::mem::take(&mut *got.lock().unwrap()));
            }
        }
        out
    }
}
