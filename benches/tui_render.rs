//! Prints figures for the speed targets: merging a large listing, drawing a frame of a
//! large jobs list, filtering as you type, and parsing a listing page.
//! Run: `cargo bench --bench tui_render` (5,000 and 10,000 jobs; or name the sizes:
//! `-- 20000`). Figures, not assertions: machines are noisy.

use dts_switch::api::ops::parse_jobs_page;
use dts_switch::domain::merge_entries;
use dts_switch::sim::data::{jobs, listing_entries};
use dts_switch::tui::app::{update, App, Header, Msg, Target};
use dts_switch::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::time::Instant;

fn per_iter(label: &str, n: u32, mut f: impl FnMut()) {
    f();
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    let each = t.elapsed() / n;
    println!("{label:<48} {:>10.3} ms", each.as_secs_f64() * 1000.0);
}

fn main() {
    // `cargo bench --bench tui_render -- 20000` for other sizes.
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![5000, 10_000]
    } else {
        sizes
    };
    for n in sizes {
        bench(n);
        println!();
    }
}

fn bench(n: usize) {
    let sim_jobs = jobs(n);
    let entries = listing_entries(&sim_jobs);
    println!("{} jobs, {} listing entries", sim_jobs.len(), entries.len());
    per_iter("copy the entries (baseline for the next line)", 20, || {
        std::hint::black_box(entries.clone());
    });
    per_iter(&format!("copy the entries + merge {n} jobs"), 20, || {
        std::hint::black_box(merge_entries(entries.clone()));
    });

    let page = serde_json::json!({
        "RequestId": "R", "PageNumber": 1, "PageRecordCount": 30, "TotalRecordCount": entries.len(),
        "SynchronizationInstances": entries.iter().take(30).map(|e| e.raw.clone()).collect::<Vec<_>>(),
    });
    let text = page.to_string();
    per_iter(
        "parse one 30-entry page (JSON text → entries)",
        200,
        || {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            std::hint::black_box(parse_jobs_page(&v, None, 1).unwrap());
        },
    );

    let mut app = App::new(
        Header {
            region: "cn-hangzhou".into(),
            endpoint: "http://127.0.0.1:8080/".into(),
            target: Target::Simulator,
            masked_ak: "LTAI****0001".into(),
            read_only: false,
        },
        vec![],
    );
    update(
        &mut app,
        Msg::JobsLoaded {
            generation: 0,
            result: Ok(merge_entries(entries.clone())),
            two_way_error: None,
        },
    );
    let theme = Theme { color: true };
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 60)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        per_iter(&format!("draw jobs frame, {n} jobs, {w}x{h}"), 100, || {
            term.draw(|f| dts_switch::tui::view::render(&app, f, &theme))
                .unwrap();
        });
    }
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    per_iter("scroll one row down + draw (80x24)", 200, || {
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
        );
        term.draw(|f| dts_switch::tui::view::render(&app, f, &theme))
            .unwrap();
    });
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
    );
    let key = |app: &mut App, i: u32| {
        let code = if i.is_multiple_of(2) {
            KeyCode::Char('1')
        } else {
            KeyCode::Backspace
        };
        update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    key(&mut app, 0);
    per_iter(
        &format!("filter {n} jobs by \"1\" (JobsView::visible)"),
        100,
        || {
            std::hint::black_box(app.jobs.visible());
        },
    );
    let mut i = 1u32;
    per_iter(
        &format!("filter keystroke + draw, {n} jobs (80x24)"),
        100,
        || {
            key(&mut app, i);
            i += 1;
            term.draw(|f| dts_switch::tui::view::render(&app, f, &theme))
                .unwrap();
        },
    );
}
