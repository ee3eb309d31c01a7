//! The TUI on both API families: plans made by the domain planner (family detection,
//! dry runs) against the simulator, the preview's family, endpoints and verdicts, no
//! confirmation after a failed dry run, the form's API choice and maintained extras,
//! the driver's events on the progress screen, and hostile input (huge pastes).

mod tui_common;
use dts_switch::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use dts_switch::domain::family::{ApiChoice, Family};
use dts_switch::domain::plan::{Direction, Side};
use dts_switch::domain::rules::{FieldId, InstanceType};
use dts_switch::domain::verify::{DirectionVerdict, Verdict, VerifyEvent};
use dts_switch::sim::data::TWO_WAY_JOB_ID;
use dts_switch::sim::data_maintained::{
    MAINTAINED_DRYRUN_FAILS_INSTANCE_ID, MAINTAINED_TWO_WAY_INSTANCE_ID,
};
use dts_switch::tui::app::{update, App, Effect, Msg, Screen, CHECKING, DRY_RUN_FAILED};
use dts_switch::tui::form::Item;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;
use tui_common::*;

/// RequestIds (UUIDs) differ run to run: shown as `xxxxxxxx-xxxx-…` in snapshots
/// (the same width, so the rows keep their shape).
fn redact(s: &str) -> String {
    let is_hex = |c: char| c.is_ascii_hexdigit();
    let shape = [8, 4, 4, 4, 12];
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    'outer: while i < chars.len() {
        let mut j = i;
        for (n, len) in shape.iter().enumerate() {
            for _ in 0..*len {
                if j >= chars.len() || !is_hex(chars[j]) {
                    out.push(chars[i]);
                    i += 1;
                    continue 'outer;
                }
                j += 1;
            }
            if n < 4 {
                if chars.get(j) != Some(&'-') {
                    out.push(chars[i]);
                    i += 1;
                    continue 'outer;
                }
                j += 1;
            }
        }
        out.push_str("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
        i = j;
    }
    out
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The maintained two-way job's destination (a public-IP database) to a new address,
/// typed into the form of `app` (opened with Enter on the job).
fn fill_two_way_maintained(live: &Live, app: &mut App) {
    select_job(app, MAINTAINED_TWO_WAY_INSTANCE_ID);
    live.key(app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Form);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.job.family, None, "both listings show it: `?`");
    assert_eq!(f.api, ApiChoice::Auto);
    live.key(app, KeyCode::Right);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.side, Side::Destination);
    assert_eq!(
        f.itype,
        InstanceType::LocalInstance,
        "OTHER is LocalInstance"
    );
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    live.typ(app, "47.96.33.99");
}

#[test]
fn a_maintained_job_planned_in_the_tui_gets_the_maintained_family_and_passed_dry_runs() {
    let live = Live::start();
    let mut app = live.app();
    fill_two_way_maintained(&live, &mut app);

    // Enter asks the planner, off the event loop: nothing is decided yet.
    let fx = press(&mut app, KeyCode::Enter);
    let [Effect::MakePlan {
        seq,
        job,
        region,
        req,
        api,
    }] = fx.as_slice()
    else {
        panic!("one plan request: {fx:?}")
    };
    assert_eq!(*api, ApiChoice::Auto);
    assert_eq!(app.screen, Screen::Form);
    assert!(app.planning.is_some());
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains(CHECKING), "{s}");
    // A second Enter while it runs asks nothing more.
    assert!(press(&mut app, KeyCode::Enter).is_empty());

    let result = live.rt.block_on(dts_switch::domain::planner::make_plan(
        &live.client,
        job,
        region,
        &req.0,
        *api,
    ));
    update(&mut app, Msg::Planned { seq: *seq, result });
    assert!(app.planning.is_none());
    assert_eq!(app.screen, Screen::Preview);
    let plan = &app.preview.as_ref().unwrap().plan;
    assert_eq!(plan.family, Family::Maintained);
    assert!(
        plan.family_reason.contains("dry run"),
        "{}",
        plan.family_reason
    );
    assert_eq!(plan.calls.len(), 2);
    for c in &plan.calls {
        assert!(c.dry_run.as_ref().is_some_and(|d| d.passed), "{c:?}");
    }
    assert!(
        live.sim.executed_writes().is_empty(),
        "dry runs change nothing"
    );

    let t = render(&app, 80, 24);
    let s = screen_text(&t);
    assert!(
        s.contains("API: ModifyDtsJobEndpoint (maintained family)"),
        "{s}"
    );
    assert!(s.contains("Call 1 of 2: ModifyDtsJobEndpoint"), "{s}");
    assert!(
        s.contains("OTHER 47.96.33.10:3306  →  other 47.96.33.99:3306"),
        "{s}"
    );
    assert!(s.contains("dry run: PASSED"), "{s}");
    assert!(
        s.contains("Enter confirm"),
        "the confirmation is offered: {s}"
    );
    insta::assert_snapshot!("preview_maintained_two_way_80x24", redact(&s));
    // The second call's verdict is below the fold, at the end of the preview.
    let tall = screen_text(&render(&app, 80, 60));
    assert_eq!(tall.matches("dry run: PASSED").count(), 2, "{tall}");
    assert!(tall.contains("Call 2 of 2: ModifyDtsJobEndpoint · Reverse direction · Source"));

    // The confirmation names the family's action.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Confirm);
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("Send 2 ModifyDtsJobEndpoint calls"), "{s}");
    typ(&mut app, MAINTAINED_TWO_WAY_INSTANCE_ID);
    let fx = press(&mut app, KeyCode::Enter);
    let [Effect::Execute { plan, start: 0, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(plan.family, Family::Maintained);
}

#[test]
fn a_failed_dry_run_is_shown_and_no_confirmation_is_offered() {
    let live = Live::start();
    let mut app = live.app();
    select_job(&mut app, MAINTAINED_DRYRUN_FAILS_INSTANCE_ID);
    live.key(&mut app, KeyCode::Enter);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.itype, InstanceType::Express);
    assert_eq!(
        f.inputs[&FieldId::InstanceId].value(),
        "vpc-bp1geo000001",
        "the VPC is kept"
    );
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    live.typ(&mut app, "10.40.2.99");
    live.key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview, "{:?}", app.overlay);
    let plan = &app.preview.as_ref().unwrap().plan;
    assert_eq!(plan.family, Family::Maintained, "{}", plan.family_reason);
    assert!(!dts_switch::domain::planner::dry_runs_passed(plan));
    let s = screen_text(&render(&app, 80, 40));
    assert!(s.contains("dry run: FAILED"), "{s}");
    assert!(s.contains(DRY_RUN_FAILED), "{s}");
    assert!(
        !s.contains("confirm…"),
        "no confirmation in the footer: {s}"
    );

    // Enter does not open the confirmation; it says why.
    let fx = live.key(&mut app, KeyCode::Enter);
    assert!(fx.is_empty());
    assert_eq!(app.screen, Screen::Preview);
    assert_eq!(app.notice.as_deref(), Some(DRY_RUN_FAILED));
    assert!(live.sim.executed_writes().is_empty(), "nothing was sent");
    // Esc edits the request.
    live.key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Form);
}

#[test]
fn the_api_choice_sets_the_types_offered_and_the_plans_family() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    let f = app.form.as_ref().unwrap();
    assert_eq!(
        f.types(),
        &InstanceType::LEGACY,
        "auto on a `?` job: the legacy three"
    );
    assert!(
        f.items().contains(&Item::DatabaseName),
        "it may be new-version"
    );
    app.form.as_mut().unwrap().focus_item(Item::Api);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.api, ApiChoice::Maintained);
    assert_eq!(f.focused(), Item::Api, "the focus stays on the row");
    assert_eq!(f.types(), &InstanceType::ALL, "maintained: all nine");
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("(•) maintained"), "{s}");
    // A maintained-only type, then back to auto: it goes back to a legacy one.
    app.form.as_mut().unwrap().focus_item(Item::Type);
    while app.form.as_ref().unwrap().itype != InstanceType::Rds {
        key(&mut app, KeyCode::Right);
    }
    app.form.as_mut().unwrap().focus_item(Item::Api);
    key(&mut app, KeyCode::Right);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.api, ApiChoice::Auto);
    assert!(InstanceType::LEGACY.contains(&f.itype), "{:?}", f.itype);

    // Legacy: no maintained extras; maintained: the database name is sent.
    key(&mut app, KeyCode::Right);
    assert_eq!(app.form.as_ref().unwrap().api, ApiChoice::Legacy);
    assert!(!app
        .form
        .as_ref()
        .unwrap()
        .items()
        .contains(&Item::DatabaseName));
    key(&mut app, KeyCode::Right);
    assert_eq!(app.form.as_ref().unwrap().api, ApiChoice::Maintained);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "47.98.12.99");
    app.form.as_mut().unwrap().focus_item(Item::DatabaseName);
    typ(&mut app, "orders");
    let fx = key(&mut app, KeyCode::Enter);
    let [Effect::MakePlan { api, req, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*api, ApiChoice::Maintained);
    assert_eq!(
        req.0.endpoint.extra.database_name.as_deref(),
        Some("orders")
    );
    assert_eq!(app.screen, Screen::Preview);
    let plan = &app.preview.as_ref().unwrap().plan;
    assert_eq!(plan.family, Family::Maintained);
    assert!(plan.calls[0]
        .params
        .iter()
        .any(|(k, v)| k == "Database" && v == "orders"));

    key(&mut app, KeyCode::Esc);
    // A database name with a space inside is a named error, nothing is planned.
    app.form.as_mut().unwrap().focus_item(Item::DatabaseName);
    typ(&mut app, " x");
    let fx = key(&mut app, KeyCode::Enter);
    assert!(fx.is_empty());
    assert!(app
        .form
        .as_ref()
        .unwrap()
        .error_for(Item::DatabaseName)
        .is_some());

    // A bad port names the parameter as the chosen API does; under auto, both names.
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Port));
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "0");
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("! EndpointPort:"), "{s}");
    // The next API choice (maintained → auto → legacy), back on the port's error.
    let next_api = |app: &mut App| {
        app.form.as_mut().unwrap().focus_item(Item::Api);
        key(app, KeyCode::Right);
        app.form
            .as_mut()
            .unwrap()
            .focus_item(Item::Field(FieldId::Port));
        screen_text(&render(app, 80, 24))
    };
    let s = next_api(&mut app);
    assert!(s.contains("! Endpoint.Port / EndpointPort:"), "{s}");
    let s = next_api(&mut app);
    assert!(s.contains("! Endpoint.Port:"), "{s}");
    key(&mut app, KeyCode::Backspace);
    typ(&mut app, "3306");
    app.form.as_mut().unwrap().focus_item(Item::Api);
    key(&mut app, KeyCode::Right);
    assert_eq!(app.form.as_ref().unwrap().api, ApiChoice::Maintained);
}

#[test]
fn esc_stops_waiting_for_the_check_and_its_late_answer_is_dropped() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "47.98.12.99");
    let fx = press(&mut app, KeyCode::Enter);
    let [Effect::MakePlan {
        seq,
        job,
        region,
        req,
        api,
    }] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    press(&mut app, KeyCode::Esc);
    assert!(app.planning.is_none());
    assert_eq!(app.screen, Screen::Form, "Esc first stops waiting");
    update(&mut app, legacy_planned(*seq, job, region, &req.0, *api));
    assert_eq!(app.screen, Screen::Form, "the late answer opens nothing");
    assert!(app.preview.is_none());
}

#[test]
fn a_plan_failure_is_shown_in_the_alert_box() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "47.98.12.99");
    let fx = press(&mut app, KeyCode::Enter);
    let [Effect::MakePlan { seq, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let e = dts_switch::api::ApiError::NoAnswer {
        action: "ModifyDtsJobEndpoint".into(),
        detail: "timed out after 5s".into(),
    };
    update(
        &mut app,
        Msg::Planned {
            seq: *seq,
            result: Err(dts_switch::domain::planner::PlanFailure::DryRunError(
                e.into(),
            )),
        },
    );
    let Some(dts_switch::tui::app::Overlay::Alert { title, text, .. }) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(title, "The dry run got no usable answer");
    assert!(text.contains("nothing real was sent"), "{text}");
    assert!(text.ends_with("Nothing was sent."), "{text}");
    assert_eq!(app.screen, Screen::Form);
}

/// A 1 MB paste into each kind of field: done at once (one pass, not a character at a
/// time), cut to the field's length, and said. No timing is asserted here.
#[test]
fn a_one_megabyte_paste_is_cut_to_the_field_and_said() {
    let big = format!("i-{}", "a".repeat(1 << 20));
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    for (item, cap) in [
        (Item::Field(FieldId::InstanceId), 64),
        (Item::Field(FieldId::Ip), 45),
        (Item::Field(FieldId::Port), 5),
        (Item::DatabaseName, 64),
    ] {
        let f = app.form.as_mut().unwrap();
        f.focus_item(item);
        if let Some(i) = f.input_mut(item) {
            *i = Default::default();
        }
        update(&mut app, Msg::Paste(big.clone()));
        let f = app.form.as_ref().unwrap();
        assert_eq!(
            f.input(item).unwrap().value().chars().count(),
            cap,
            "{item:?}"
        );
        assert_eq!(
            app.notice.as_deref(),
            Some(
                format!("pasted text cut to {cap} characters (this field holds at most {cap})")
                    .as_str()
            )
        );
        // Typing into the full field is refused, and said.
        app.notice = None;
        typ(&mut app, "z");
        assert_eq!(
            app.form
                .as_ref()
                .unwrap()
                .input(item)
                .unwrap()
                .value()
                .chars()
                .count(),
            cap
        );
        assert!(app.notice.as_deref().unwrap().contains("at most"));
    }
    // The cross-account pair.
    app.form.as_mut().unwrap().cross = true;
    for item in [Item::OwnerId, Item::Role] {
        app.form.as_mut().unwrap().focus_item(item);
        update(&mut app, Msg::Paste(big.clone()));
        assert_eq!(
            app.form
                .as_ref()
                .unwrap()
                .input(item)
                .unwrap()
                .value()
                .chars()
                .count(),
            64
        );
    }
    // A paste that fits is kept whole, at the cursor, and says nothing.
    let f = app.form.as_mut().unwrap();
    f.focus_item(Item::Field(FieldId::InstanceId));
    *f.input_mut(Item::Field(FieldId::InstanceId)).unwrap() =
        tui_input::Input::new("i-ab".into()).with_cursor(2);
    app.notice = None;
    update(&mut app, Msg::Paste("XY".into()));
    assert_eq!(
        app.form.as_ref().unwrap().inputs[&FieldId::InstanceId].value(),
        "i-XYab"
    );
    assert_eq!(app.notice, None);

    // The filter (256) and the confirmation (64).
    let mut app = app_with(dts_switch::tui::app::Target::Simulator, false);
    key(&mut app, KeyCode::Char('/'));
    update(&mut app, Msg::Paste(big.clone()));
    assert_eq!(app.jobs.filter.value().chars().count(), 256);
    assert!(app
        .notice
        .as_deref()
        .unwrap()
        .contains("cut to 256 characters"));
    let _ = screen_text(&render(&app, 80, 24));
    key(&mut app, KeyCode::Esc);
    let mut app = self::two_way_preview();
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Confirm);
    update(&mut app, Msg::Paste(big));
    assert_eq!(app.confirm.input.value().chars().count(), 64);
    assert!(app
        .notice
        .as_deref()
        .unwrap()
        .contains("cut to 64 characters"));
    let _ = screen_text(&render(&app, 80, 24));
}

fn two_way_preview() -> App {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "47.98.12.99");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
    app
}

#[test]
fn ctrl_z_asks_the_runner_to_suspend_from_any_screen() {
    let mut app = app();
    let ctrl_z = |app: &mut App| {
        update(
            app,
            Msg::Key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL)),
        )
    };
    assert_eq!(ctrl_z(&mut app), vec![Effect::Suspend]);
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(ctrl_z(&mut app), vec![Effect::Suspend]);
    assert_eq!(app.jobs.filter.value(), "", "nothing typed");
    let mut app = two_way_preview();
    key(&mut app, KeyCode::Enter);
    assert_eq!(ctrl_z(&mut app), vec![Effect::Suspend]);
    assert_eq!(app.confirm.input.value(), "");
}

#[test]
fn stray_output_is_said_once_in_the_status_line() {
    let mut app = app();
    update(
        &mut app,
        Msg::StrayOutput(
            "[tracing-subscriber] Unable to write an event to the Writer for this Subscriber! Error: No space left on device (os error 28)\n".into(),
        ),
    );
    let n = app.notice.clone().unwrap();
    assert!(n.starts_with("the log file cannot be written"), "{n}");
    app.notice = None;
    update(&mut app, Msg::StrayOutput("again".into()));
    assert_eq!(app.notice, None, "once");
}

/// The driver's events for a maintained two-way plan: no TaskId, the direction's own
/// status, the watch between the calls, then the watch after the switch.
#[test]
fn the_progress_screen_follows_a_maintained_plan_from_the_drivers_events() {
    let live = Live::start();
    let mut app = live.app();
    fill_two_way_maintained(&live, &mut app);
    live.key(&mut app, KeyCode::Enter);
    live.key(&mut app, KeyCode::Enter);
    typ(&mut app, MAINTAINED_TWO_WAY_INSTANCE_ID);
    let fx = key(&mut app, KeyCode::Enter);
    let [Effect::Execute { plan, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let plan = plan.clone();
    let pid = plan.id.clone();
    let ev = |app: &mut App, event: ProgressEvent| {
        update(
            app,
            Msg::Exec {
                plan_id: pid.clone(),
                event,
            },
        )
    };
    let done = |i: usize| {
        let mut o = CallOutcome::new(&plan.calls[i], Outcome::Finished);
        o.request_id = Some(format!("REQ-{i}"));
        o.status = Some("Synchronizing".into());
        ProgressEvent::Done {
            index: i,
            outcome: o,
        }
    };
    let verdict = |d: Direction| {
        ProgressEvent::Verify(VerifyEvent::Verdict(DirectionVerdict {
            direction: d,
            verdict: Verdict::Healthy,
            reason: "synchronizing: delay 0s".into(),
            last: None,
            samples: 3,
        }))
    };
    let started = |ds: Vec<Direction>| {
        ProgressEvent::Verify(VerifyEvent::Started {
            directions: ds,
            healthy_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(600),
        })
    };
    ev(
        &mut app,
        ProgressEvent::Sending {
            index: 0,
            call: Box::new(plan.calls[0].clone()),
            action: "ModifyDtsJobEndpoint",
            at: "2026-01-01T00:00:00Z".into(),
        },
    );
    ev(
        &mut app,
        ProgressEvent::Accepted {
            index: 0,
            request_id: Some("REQ-0".into()),
            task_id: None,
        },
    );
    ev(
        &mut app,
        ProgressEvent::Status {
            index: 0,
            task_id: None,
            status: "Modifying".into(),
            elapsed: Duration::from_secs(1),
        },
    );
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("Modifying"), "the direction's status: {s}");
    assert!(s.contains("none: direction status"), "{s}");
    assert!(s.contains("no TaskId"), "{s}");
    // Quitting now: the Reverse call was not sent.
    assert!(
        app.exit_lines()[0].contains("Reverse call was NOT sent"),
        "{:?}",
        app.exit_lines()
    );
    ev(&mut app, done(0));
    ev(&mut app, started(vec![Direction::Forward]));
    let p = app.progress.as_ref().unwrap();
    assert!(p.running && p.verifying, "the watch between the calls");
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("Before the next call"), "{s}");
    ev(&mut app, verdict(Direction::Forward));
    ev(&mut app, done(1));
    ev(
        &mut app,
        started(vec![Direction::Forward, Direction::Reverse]),
    );
    let p = app.progress.as_ref().unwrap();
    assert!(!p.running, "every call is over: the watch after the switch");
    assert!(p.verifying);
    assert!(
        p.verify.iter().all(|v| v.verdict.is_none()),
        "the final watch starts from nothing"
    );
    assert!(!app.busy(), "leaving or quitting does not ask");
    ev(&mut app, verdict(Direction::Forward));
    ev(&mut app, verdict(Direction::Reverse));
    let fx = update(
        &mut app,
        Msg::ExecFinished {
            plan_id: plan.id.clone(),
        },
    );
    assert!(
        !fx.iter().any(|f| matches!(f, Effect::Verify(_))),
        "the driver watched already: {fx:?}"
    );
    let p = app.progress.as_ref().unwrap();
    assert!(p.next_step().starts_with("Done:"), "{}", p.next_step());
    assert!(!p.not_healthy());
}

#[test]
fn the_form_with_nine_types_scrolls_and_says_more_is_below() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form.as_mut().unwrap().focus_item(Item::Api);
    key(&mut app, KeyCode::Left);
    assert_eq!(app.form.as_ref().unwrap().api, ApiChoice::Maintained);
    app.form.as_mut().unwrap().focus_item(Item::Type);
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("distributed_mongodb"), "{s}");
    assert!(s.contains("↓ more"), "the API row is below: {s}");
    insta::assert_snapshot!("form_maintained_types_80x24", s);
    // The focused row stays in view.
    app.form.as_mut().unwrap().focus_item(Item::Api);
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("(•) maintained"), "{s}");
}
