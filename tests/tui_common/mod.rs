//! Helpers for driving the TUI state machine without a terminal.
#![allow(dead_code)]

use dts_switch::domain::{merge_entries, Job};
use dts_switch::tui::app::{update, App, Effect, Header, Msg, Target};
use dts_switch::tui::theme::Theme;
use dts_switch::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

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
pub fn loaded(result: Result<Vec<Job>, dts_switch::api::ApiError>) -> Msg {
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
/// runner would with an empty journal; the effect is still returned.
pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let fx = update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    for f in &fx {
        if let Effect::CheckJob { job_id, .. } = f {
            update(
                app,
                Msg::JobChecked {
                    job_id: job_id.clone(),
                    refusal: None,
                },
            );
        }
    }
    fx
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
