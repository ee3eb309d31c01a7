//! Snapshot tests of every screen at 80x24 and 120x40 (plus compact and too small),
//! rendered with ratatui's TestBackend, and style checks of key cells.

mod tui_common;
use dts_switch::api::CallRecord;
use dts_switch::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use dts_switch::domain::rules::FieldId;
use dts_switch::sim::data::{FAILING_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::tui::app::{update, App, Effect, Msg, Overlay, Target};
use dts_switch::tui::form::Item;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};
use std::time::Duration;
use tui_common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, app: &App) {
    for (w, h) in SIZES {
        let t = render(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen_text(&t));
        assert!(
            !screen_text(&t).contains("LTAI5tSIMULATOR0DEMO0001"),
            "the AccessKeyId is always masked"
        );
    }
}

fn two_way_preview() -> App {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    app.form.as_mut().unwrap().focus_item(Item::Type);
    while app.form.as_ref().unwrap().itype != dts_switch::domain::InstanceType::Ecs {
        key(&mut app, KeyCode::Right);
    }
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::InstanceId));
    typ(&mut app, "i-bp1newdest0001");
    key(&mut app, KeyCode::Enter);
    app
}

fn running(app: &mut App) -> String {
    key(app, KeyCode::Enter);
    let id = app.preview.as_ref().unwrap().plan.job_id.clone();
    typ(app, &id);
    let fx = key(app, KeyCode::Enter);
    let Effect::Execute { plan, .. } = &fx[0] else {
        panic!()
    };
    plan.id.clone()
}

fn ev(app: &mut App, pid: &str, event: ProgressEvent) {
    update(
        app,
        Msg::Exec {
            plan_id: pid.into(),
            event,
        },
    );
}

#[test]
fn jobs_screen() {
    let app = app();
    snap("jobs", &app);
    let t = render(&app, 80, 24);
    let buf = t.backend().buffer();
    // The selected row is reversed (meaning is not colour alone: it also has '>').
    let sel = (0..80)
        .find(|x| buf[(*x, 3)].symbol() == ">")
        .expect("marker on the first row");
    assert!(buf[(sel, 3)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn jobs_loading_and_empty() {
    let mut app = App::new(header(Target::Simulator, false), vec![]);
    app.start();
    update(
        &mut app,
        Msg::JobsProgress(0, "page 1/3 · 30 jobs · timeout 10s each".into()),
    );
    snap("jobs_loading", &app);
    update(&mut app, loaded(Ok(vec![])));
    snap("jobs_empty", &app);
}

#[test]
fn jobs_error_banner() {
    let mut app = App::new(header(Target::Production, false), vec![]);
    app.start();
    update(
        &mut app,
        loaded(Err(dts_switch::api::ApiError::Service {
            action: "DescribeSynchronizationJobs".into(),
            http_status: 400,
            code: "Throttling.User".into(),
            message: "Request was denied due to user flow control.".into(),
            request_id: Some("6BE56E05-0000-4000-8000-00000000ABCD".into()),
            recommend: None,
        }
        .into())),
    );
    snap("jobs_error", &app);
}

#[test]
fn production_header_is_unmistakable_and_read_only_badge() {
    let app = app_with(Target::Production, true);
    snap("jobs_production_read_only", &app);
    let t = render(&app, 80, 24);
    let buf = t.backend().buffer();
    let text = screen_text(&t);
    let x = text.lines().next().unwrap().find("PRODUCTION").unwrap() as u16;
    assert_eq!(buf[(x, 0)].bg, Color::Red);
    assert!(buf[(x, 0)].modifier.contains(Modifier::BOLD));
    assert!(
        text.lines().next().unwrap().contains(" RO "),
        "read-only badge in the header"
    );
    assert!(!text.contains("Enter switch"), "no mutating key hinted");
}

#[test]
fn jobs_filtered_and_help() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "mysql");
    snap("jobs_filter", &app);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    snap("help", &app);
}

#[test]
fn form_screens() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    snap("form_initial", &app);
    // The focused choice row says how to choose in it, until ←/→ has been used once.
    let text = |app: &dts_switch::tui::app::App| screen_text(&render(app, 80, 24));
    assert!(text(&app).contains("←/→ to choose"), "{}", text(&app));
    app.form.as_mut().unwrap().focus_item(Item::Type);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Left);
    assert!(!text(&app).contains("←/→ to choose"), "{}", text(&app));
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Port));
    ctrl(&mut app, 'u');
    typ(&mut app, "70000");
    snap("form_invalid_port", &app);
    app.form.as_mut().unwrap().focus_item(Item::Type);
    while app.form.as_ref().unwrap().itype != dts_switch::domain::InstanceType::Express {
        key(&mut app, KeyCode::Right);
    }
    app.form.as_mut().unwrap().focus_item(Item::CrossAccount);
    key(&mut app, KeyCode::Char(' '));
    snap("form_express_cross_account", &app);
}

#[test]
fn preview_and_confirm_two_way() {
    let mut app = two_way_preview();
    snap("preview_two_way", &app);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "dtsa1b2");
    snap("confirm", &app);
}

#[test]
fn progress_running_finished_and_failed() {
    let mut app = two_way_preview();
    let pid = running(&mut app);
    ev(
        &mut app,
        &pid,
        ProgressEvent::Accepted {
            index: 0,
            request_id: Some("0DD6B201-604B-4CAB-B6A8-4B2953B50001".into()),
            task_id: Some("730001".into()),
        },
    );
    ev(
        &mut app,
        &pid,
        ProgressEvent::Status {
            index: 0,
            task_id: Some("730001".into()),
            status: "Switching".into(),
            elapsed: Duration::from_secs(3),
        },
    );
    let now = app.now;
    app.progress.as_mut().unwrap().rows[0].started = Some(now - Duration::from_secs(3));
    snap("progress_running", &app);

    let mut app = tui_common::app();
    select_job(&mut app, FAILING_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "39.100.7.99");
    key(&mut app, KeyCode::Enter);
    let pid = running(&mut app);
    ev(
        &mut app,
        &pid,
        ProgressEvent::Accepted {
            index: 0,
            request_id: Some("0DD6B201-604B-4CAB-B6A8-4B2953B50002".into()),
            task_id: Some("730002".into()),
        },
    );
    let call = app.progress.as_ref().unwrap().plan.calls[0].clone();
    ev(&mut app, &pid, ProgressEvent::Done {
        index: 0,
        outcome: CallOutcome {
            direction: call.direction,
            endpoint_type: call.endpoint_type,
            request_id: Some("0DD6B201-604B-4CAB-B6A8-4B2953B50002".into()),
            task_id: Some("730002".into()),
            status: Some("Failed".into()),
            outcome: Outcome::Failed,
            error: Some("the switch task failed: DTS-31009: the new endpoint 39.100.7.99:5432 refused the connection from DTS".into()),
            error_code: None,
            sent_at: None,
            note: None,
            ended_at: None,
            journal_error: None,
            error_kind: None,
            refusal: None,
            stopped: false,
        },
    });
    update(&mut app, Msg::ExecFinished { plan_id: pid });
    let now = app.now;
    let r = &mut app.progress.as_mut().unwrap().rows[0];
    r.started = Some(now - Duration::from_secs(5));
    r.ended = Some(now);
    snap("progress_failed", &app);
    let text = screen_text(&render(&app, 80, 24));
    assert!(text.contains("DTS-31009"));
    assert!(text.contains("R redo failed call"));
}

#[test]
fn command_log() {
    let mut app = app();
    for (i, (action, result)) in [
        ("DescribeSynchronizationJobs", "ok"),
        ("SwitchSynchronizationEndpoint", "Throttling.User"),
        ("SwitchSynchronizationEndpoint", "ok"),
        ("DescribeEndpointSwitchStatus", "ok"),
    ]
    .iter()
    .enumerate()
    {
        update(
            &mut app,
            Msg::Api(
                CallRecord {
                    action: action.to_string(),
                    attempt: if i == 2 { 2 } else { 1 },
                    request_id: Some(format!("0DD6B201-604B-4CAB-B6A8-4B2953B5000{i}")),
                    result: result.to_string(),
                    elapsed: Duration::from_millis(40 + i as u64),
                    will_retry: i == 1,
                },
                format!("03:00:0{i}"),
            ),
        );
    }
    key(&mut app, KeyCode::Char('L'));
    snap("log", &app);
    key(&mut app, KeyCode::Char('k'));
    let fx = key(&mut app, KeyCode::Char('y'));
    assert_eq!(
        fx,
        vec![Effect::Copy("0DD6B201-604B-4CAB-B6A8-4B2953B50002".into())]
    );
}

#[test]
fn compact_and_too_small() {
    let app = app();
    insta::assert_snapshot!("jobs_compact_70x20", screen_text(&render(&app, 70, 20)));
    insta::assert_snapshot!("too_small_50x12", screen_text(&render(&app, 50, 12)));
    // A short terminal scrolls the form so the focused field stays visible.
    let mut app = app;
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Port));
    let text = screen_text(&render(&app, 70, 15));
    assert!(text.contains("> Port"), "{text}");
    // Never panics on tiny areas.
    for (w, h) in [(1, 1), (10, 3), (59, 14), (60, 15)] {
        render(&app, w, h);
    }
}

/// `f` found the jobs of an old endpoint (one region failed): marks, the count line,
/// the failed region with its error, the marked count in the title.
#[test]
fn jobs_fleet_found() {
    use dts_switch::api::ApiError;
    use dts_switch::domain::find::{match_jobs, FindReport, Query, RegionReport};
    let mut app = app();
    key(&mut app, KeyCode::Char('f'));
    typ(&mut app, "47.98.12.34:3306");
    snap("jobs_fleet_prompt", &app);
    let fx = key(&mut app, KeyCode::Enter);
    let Effect::Find { seq, query, .. } = &fx[0] else {
        panic!("{fx:?}")
    };
    let q: Query = query.clone();
    let matches = match_jobs(&q, "cn-hangzhou", &app.jobs.all);
    let report = FindReport {
        regions: vec![
            RegionReport {
                region: "cn-hangzhou".into(),
                jobs: 12,
                matches: matches.len(),
                error: None,
                incomplete: None,
                elapsed: Duration::ZERO,
            },
            RegionReport {
                region: "cn-beijing".into(),
                jobs: 0,
                matches: 0,
                error: Some(
                    ApiError::NoAnswer {
                        action: "DescribeSynchronizationJobs".into(),
                        detail: "timed out after 20s".into(),
                    }
                    .into(),
                ),
                incomplete: None,
                elapsed: Duration::ZERO,
            },
        ],
        matches,
    };
    update(&mut app, Msg::Found { seq: *seq, report });
    // One more by hand.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    app.notice = None;
    snap("jobs_fleet_found", &app);
    let t = render(&app, 80, 24);
    let s = screen_text(&t);
    assert!(s.contains("2 marked · Jobs (12)"), "{s}");
}

/// Batch ids, TaskIds and RequestIds change from run to run.
fn redact(s: &str) -> String {
    let mut out = String::new();
    for line in s.lines() {
        let mut l = line.to_string();
        for word in ["batch ", "TaskId "] {
            if let Some(i) = l.find(word) {
                let start = i + word.len();
                let end = l[start..]
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                    .map(|e| start + e)
                    .unwrap_or(l.len());
                let n = l[start..end].chars().count();
                l.replace_range(start..end, &"X".repeat(n));
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// The fleet failover against the simulator's twelve jobs: the form once, the combined
/// preview, the confirmation, the progress with every job and the summary line.
#[test]
fn fleet_failover_screens() {
    use dts_switch::sim::data_fleet::FLEET_NEW_IP;
    let fl = Fleet::start();
    let mut app = fl.found();
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, FLEET_NEW_IP);
    insta::assert_snapshot!("fleet_form_80x24", screen_text(&render(&app, 80, 24)));
    let small = |app: &App| {
        // Compact and too small: drawn without a panic, the too-small screen says so.
        for (w, h) in [(60, 15), (70, 20), (40, 10)] {
            let s = screen_text(&render(app, w, h));
            if w < 60 {
                assert!(s.contains("too small"), "{s}");
            }
        }
    };
    small(&app);
    let fx = key(&mut app, KeyCode::Enter);
    fl.run_plans(&mut app, &fx);
    small(&app);
    insta::assert_snapshot!(
        "fleet_preview_80x24",
        redact(&screen_text(&render(&app, 80, 24)))
    );
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "15");
    insta::assert_snapshot!(
        "fleet_confirm_80x24",
        redact(&screen_text(&render(&app, 80, 24)))
    );
    small(&app);
    let fx = key(&mut app, KeyCode::Enter);
    small(&app);
    fl.run_batch(&mut app, &fx);
    small(&app);
    app.notice = None;
    insta::assert_snapshot!(
        "fleet_progress_80x24",
        redact(&screen_text(&render(&app, 80, 24)))
    );
    insta::assert_snapshot!(
        "fleet_progress_120x40",
        redact(&screen_text(&render(&app, 120, 40)))
    );
}
