//! The TUI's state machine: key sequences → expected state and effects.

mod tui_common;
use dts_switch::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use dts_switch::domain::plan::{Direction, Side};
use dts_switch::domain::rules::FieldId;
use dts_switch::sim::data::{FAILING_JOB_ID, ONE_WAY_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::tui::app::{update, Effect, Msg, Overlay, Screen, Target};
use dts_switch::tui::form::Item;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

/// Opens the form on `job` and fills a valid ECS endpoint for the destination.
fn fill_ecs_destination(app: &mut dts_switch::tui::app::App, job: &str) {
    select_job(app, job);
    key(app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Form);
    // Side: destination.
    key(app, KeyCode::Right);
    assert_eq!(app.form.as_ref().unwrap().side, Side::Destination);
    // Type: ECS.
    key(app, KeyCode::Tab);
    while app.form.as_ref().unwrap().itype != dts_switch::domain::InstanceType::Ecs {
        key(app, KeyCode::Right);
    }
    key(app, KeyCode::Tab);
    assert_eq!(
        app.form.as_ref().unwrap().focused(),
        Item::Field(FieldId::InstanceId)
    );
    ctrl(app, 'u');
    typ(app, "i-bp1newdest0001");
}

#[test]
fn choosing_express_adds_the_ip_field_and_ecs_removes_it() {
    let mut app = app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    let f = app.form.as_mut().unwrap();
    f.focus_item(Item::Type);
    f.itype = dts_switch::domain::InstanceType::LocalInstance;
    while app.form.as_ref().unwrap().itype != dts_switch::domain::InstanceType::Ecs {
        key(&mut app, KeyCode::Right);
    }
    assert!(
        !app.form
            .as_ref()
            .unwrap()
            .items()
            .contains(&Item::Field(FieldId::Ip)),
        "ECS has no IP field"
    );
    key(&mut app, KeyCode::Right);
    assert_eq!(
        app.form.as_ref().unwrap().itype,
        dts_switch::domain::InstanceType::Express
    );
    assert!(
        app.form
            .as_ref()
            .unwrap()
            .items()
            .contains(&Item::Field(FieldId::Ip)),
        "Express adds the IP field"
    );
    assert!(app
        .form
        .as_ref()
        .unwrap()
        .items()
        .contains(&Item::Field(FieldId::InstanceId)));
}

#[test]
fn port_is_prefilled_from_the_current_endpoint_and_kept_across_type_changes() {
    let mut app = app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.inputs[&FieldId::Port].value(), "5432");
    assert_eq!(
        f.itype,
        dts_switch::domain::InstanceType::Express,
        "type of the current source"
    );
    assert_eq!(
        f.inputs[&FieldId::InstanceId].value(),
        "vpc-bp1core0001",
        "the VPC is kept"
    );
}

#[test]
fn an_invalid_port_blocks_the_preview() {
    let mut app = app();
    fill_ecs_destination(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Tab);
    assert_eq!(
        app.form.as_ref().unwrap().focused(),
        Item::Field(FieldId::Port)
    );
    ctrl(&mut app, 'u');
    typ(&mut app, "70000");
    assert!(app
        .form
        .as_ref()
        .unwrap()
        .error_for(Item::Field(FieldId::Port))
        .unwrap()
        .contains("1 to 65535"));
    let fx = key(&mut app, KeyCode::Enter);
    assert!(fx.is_empty());
    assert_eq!(app.screen, Screen::Form, "no preview with an invalid port");
    assert_eq!(
        app.form.as_ref().unwrap().focused(),
        Item::Field(FieldId::Port)
    );
    ctrl(&mut app, 'u');
    typ(&mut app, "3307");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
}

#[test]
fn cancel_at_confirm_sends_nothing_and_a_stray_enter_does_nothing() {
    let mut app = app();
    fill_ecs_destination(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
    let plan = app.preview.as_ref().unwrap().plan.clone();
    assert_eq!(
        plan.calls
            .iter()
            .map(|c| (c.direction, c.endpoint_type))
            .collect::<Vec<_>>(),
        [
            (Direction::Forward, Side::Destination),
            (Direction::Reverse, Side::Source)
        ]
    );
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.screen, Screen::Confirm);
    // A held Enter never confirms.
    for _ in 0..5 {
        assert!(key(&mut app, KeyCode::Enter).is_empty());
    }
    assert_eq!(app.screen, Screen::Confirm);
    typ(&mut app, "dtsa1b2c3d4e5f6g0");
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "a wrong id sends nothing"
    );
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.screen, Screen::Preview, "cancel returns to the preview");
    assert!(app.progress.is_none());
}

#[test]
fn typing_the_job_id_sends_the_two_way_plan_once() {
    let mut app = app();
    fill_ecs_destination(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, TWO_WAY_JOB_ID);
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(fx.len(), 1);
    let Effect::Execute {
        plan,
        start,
        new_plan,
    } = &fx[0]
    else {
        panic!("{fx:?}")
    };
    assert_eq!((*start, *new_plan), (0, true));
    assert_eq!(plan.calls.len(), 2);
    assert_eq!(
        plan.calls[0].params[0],
        ("RegionId".into(), "cn-hangzhou".into()),
        "the region is a parameter of each call"
    );
    assert!(plan.calls[0]
        .params
        .contains(&("Endpoint.InstanceId".into(), "i-bp1newdest0001".into())));
    assert_eq!(app.screen, Screen::Progress);
    assert!(app.busy());
    // Nothing can start a second execution while it runs.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    // Quitting while it runs asks first.
    typ(&mut app, "q");
    assert_eq!(app.overlay, Some(Overlay::LeaveProgress));
    key(&mut app, KeyCode::Char('n'));
    ctrl(&mut app, 'c');
    assert_eq!(app.overlay, Some(Overlay::Quit));
    key(&mut app, KeyCode::Esc);
    assert!(!app.quit);
}

#[test]
fn failed_task_shows_the_message_and_redo_goes_through_preview_and_confirm() {
    let mut app = app();
    select_job(&mut app, FAILING_JOB_ID);
    key(&mut app, KeyCode::Enter);
    {
        let f = app.form.as_mut().unwrap();
        f.focus_item(Item::Field(FieldId::Ip));
    }
    typ(&mut app, "39.100.7.99");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, FAILING_JOB_ID);
    let fx = key(&mut app, KeyCode::Enter);
    let Effect::Execute { plan, .. } = &fx[0] else {
        panic!()
    };
    let pid = plan.id.clone();
    let call = &plan.calls[0];
    update(
        &mut app,
        Msg::Exec {
            plan_id: pid.clone(),
            event: ProgressEvent::Accepted {
                index: 0,
                request_id: Some("R1".into()),
                task_id: Some("730001".into()),
            },
        },
    );
    update(
        &mut app,
        Msg::Exec {
            plan_id: pid.clone(),
            event: ProgressEvent::Done {
                index: 0,
                outcome: CallOutcome {
                    direction: call.direction,
                    endpoint_type: call.endpoint_type,
                    request_id: Some("R1".into()),
                    task_id: Some("730001".into()),
                    status: Some("Failed".into()),
                    outcome: Outcome::Failed,
                    error: Some("the switch task failed: DTS-31009: refused".into()),
                    error_code: None,
                    sent_at: None,
                    note: None,
                    ended_at: None,
                    journal_error: None,
                    error_kind: None,
                    refusal: None,
                    stopped: false,
                },
            },
        },
    );
    let fx = update(
        &mut app,
        Msg::ExecFinished {
            plan_id: pid.clone(),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::LoadJobs],
        "the listing is refreshed after a switch"
    );
    assert!(!app.busy());
    let p = app.progress.as_ref().unwrap();
    assert_eq!(p.failed_index(), Some(0));
    assert!(p.next_step().contains("R redoes"));
    key(&mut app, KeyCode::Char('R'));
    assert_eq!(app.screen, Screen::Preview);
    let pv = app.preview.as_ref().unwrap();
    assert_eq!((pv.start, pv.new_plan), (0, true));
    assert_ne!(
        pv.plan.id, pid,
        "a redo is a new plan: the guard never resends a call"
    );
    assert_eq!(pv.plan.calls, plan.calls);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, FAILING_JOB_ID);
    let fx = key(&mut app, KeyCode::Enter);
    assert!(matches!(
        &fx[0],
        Effect::Execute {
            start: 0,
            new_plan: true,
            ..
        }
    ));
}

#[test]
fn read_only_hides_and_refuses_switching() {
    let mut app = app_with(Target::Production, true);
    select_job(&mut app, TWO_WAY_JOB_ID);
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.screen, Screen::Jobs, "no form in read-only mode");
    assert!(app.notice.as_deref().unwrap().contains("read-only"));
    let hints = dts_switch::tui::keymap::hints(dts_switch::tui::keymap::Context::Jobs, true);
    assert!(
        !hints.iter().any(|(_, l)| *l == "switch"),
        "the key is not hinted"
    );
}

#[test]
fn filter_as_you_type_and_sort() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "redis");
    let names: Vec<String> = app
        .jobs
        .visible()
        .iter()
        .map(|j| j.name.to_string())
        .collect();
    assert_eq!(names, ["session-redis-active", "cache-redis-eu"]);
    key(&mut app, KeyCode::Enter);
    assert!(!app.jobs.filtering);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.jobs.visible().len(), 12);
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(
        app.jobs.visible()[0].name,
        "catalog-mysql-paused",
        "delay, largest first"
    );
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Down);
    assert_eq!(app.jobs.selected, 2);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.jobs.selected, 1);
}

#[test]
fn declaring_two_way_on_a_one_way_job_gives_two_calls() {
    let mut app = app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    let f = app.form.as_mut().unwrap();
    f.focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "10.20.1.99");
    app.form.as_mut().unwrap().focus_item(Item::Topology);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    let pv = app.preview.as_ref().unwrap();
    assert_eq!(pv.plan.calls.len(), 2);
    assert!(pv.plan.topology_overridden);
}

#[test]
fn quit_when_idle_and_error_banner_then_retry() {
    let mut app = dts_switch::tui::app::App::new(header(Target::Production, false), vec![]);
    app.start();
    let err = dts_switch::api::ApiError::Service {
        action: "DescribeSynchronizationJobs".into(),
        http_status: 403,
        code: "Forbidden.RAM".into(),
        message: "User not authorized to operate on the specified resource.".into(),
        request_id: Some("RID-1".into()),
        recommend: None,
    };
    update(&mut app, loaded(Err(err.into())));
    let b = app.jobs.error.clone().unwrap();
    assert_eq!(b.code.as_deref(), Some("Forbidden.RAM"));
    assert!(b.next.unwrap().contains("dts:DescribeSynchronizationJobs"));
    assert_eq!(key(&mut app, KeyCode::Char('r')), vec![Effect::LoadJobs]);
    assert!(app.jobs.loading.is_some());
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn copy_sends_osc52_effect_with_the_selected_id() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        vec![Effect::Copy(TWO_WAY_JOB_ID.into())]
    );
}

#[test]
fn reopening_a_job_starts_a_fresh_form() {
    let mut app = app();
    fill_ecs_destination(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Jobs);
    key(&mut app, KeyCode::Enter);
    let f = app.form.as_ref().unwrap();
    assert_ne!(
        f.inputs[&FieldId::InstanceId].value(),
        "i-bp1newdest0001",
        "nothing from an abandoned form comes back silently"
    );
    assert_eq!(f.side, Side::Source);
    key(&mut app, KeyCode::Esc);
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.form.as_ref().unwrap().job.id, ONE_WAY_JOB_ID);
    assert_eq!(
        app.form.as_ref().unwrap().side,
        Side::Source,
        "another job starts fresh"
    );
}

#[test]
fn unknown_outcome_from_the_journal_is_shown_never_resent_and_can_be_dismissed() {
    use dts_switch::domain::journal::{summarize, JournalCall, Record};
    use dts_switch::domain::Topology;
    let recs = vec![
        Record::Plan {
            plan_id: "plan-1".into(),
            at: "2026-11-26T03:00:00Z".into(),
            region: "cn-hangzhou".into(),
            endpoint: "http://127.0.0.1:8080/".into(),
            access_key_id: "LTAI****0001".into(),
            job_id: TWO_WAY_JOB_ID.into(),
            job_name: "orders-mysql-dr".into(),
            topology: Topology::TwoWay,
            by: None,
            process: None,
            batch_id: None,
            job_ids: vec![],
            dts_job_id: None,
            family: Default::default(),
            family_reason: String::new(),
            calls: vec![
                JournalCall {
                    direction: Direction::Forward,
                    endpoint_type: Side::Destination,
                    params: vec![],
                    old: None,
                    new: None,
                    dry_run: None,
                },
                JournalCall {
                    direction: Direction::Reverse,
                    endpoint_type: Side::Source,
                    params: vec![],
                    old: None,
                    new: None,
                    dry_run: None,
                },
            ],
        },
        Record::Intent {
            plan_id: "plan-1".into(),
            index: 0,
            at: "2026-11-26T03:00:01Z".into(),
            by: Some("dts-switch switch (pid 42 on jump1)".into()),
            process: None,
        },
    ];
    let pending = summarize(&recs);
    let mut app = dts_switch::tui::app::App::new(header(Target::Simulator, false), pending);
    let fx = app.start();
    assert_eq!(
        fx,
        vec![Effect::LoadJobs],
        "an unknown outcome is not followed or resent"
    );
    assert_eq!(app.screen, Screen::Progress);
    let p = app.progress.as_ref().unwrap();
    assert_eq!(p.rows[0].outcome, Some(Outcome::Unknown));
    assert!(p.next_step().contains("OUTCOME UNKNOWN"));
    assert!(
        key(&mut app, KeyCode::Char('c')).is_empty(),
        "no continue past an unknown call"
    );
    assert!(key(&mut app, KeyCode::Char('R')).is_empty());
    key(&mut app, KeyCode::Char('D'));
    assert_eq!(app.overlay, Some(Overlay::Dismiss));
    let fx = key(&mut app, KeyCode::Char('y'));
    assert_eq!(fx, vec![Effect::Dismiss("plan-1".into())]);
    assert!(app
        .progress
        .as_ref()
        .unwrap()
        .next_step()
        .contains("Dismissed"));
}

#[test]
fn running_task_from_the_journal_is_followed_on_start() {
    use dts_switch::domain::journal::{summarize, JournalCall, Record};
    use dts_switch::domain::Topology;
    let recs = vec![
        Record::Plan {
            plan_id: "plan-2".into(),
            at: "2026-11-26T03:00:00Z".into(),
            region: "cn-hangzhou".into(),
            endpoint: "http://127.0.0.1:8080/".into(),
            access_key_id: "LTAI****0001".into(),
            job_id: ONE_WAY_JOB_ID.into(),
            job_name: "users-pg-analytics".into(),
            topology: Topology::OneWay,
            by: None,
            process: None,
            batch_id: None,
            job_ids: vec![],
            dts_job_id: None,
            family: Default::default(),
            family_reason: String::new(),
            calls: vec![JournalCall {
                direction: Direction::Forward,
                endpoint_type: Side::Source,
                params: vec![],
                old: None,
                new: None,
                dry_run: None,
            }],
        },
        Record::Intent {
            plan_id: "plan-2".into(),
            index: 0,
            at: "t".into(),
            by: None,
            process: None,
        },
        Record::Accepted {
            plan_id: "plan-2".into(),
            index: 0,
            at: "t".into(),
            request_id: Some("R".into()),
            task_id: "730009".into(),
        },
    ];
    let mut app =
        dts_switch::tui::app::App::new(header(Target::Simulator, false), summarize(&recs));
    let fx = app.start();
    assert!(
        matches!(&fx[1], Effect::Follow { index: 0, task_id, .. } if task_id == "730009"),
        "{fx:?}"
    );
    assert!(app.busy());
}

fn two_way_plan_records(plan_id: &str) -> Vec<dts_switch::domain::journal::Record> {
    use dts_switch::domain::journal::{JournalCall, Record};
    use dts_switch::domain::Topology;
    let call = |d, e| JournalCall {
        direction: d,
        endpoint_type: e,
        params: vec![
            ("SynchronizationJobId".into(), TWO_WAY_JOB_ID.into()),
            ("Endpoint.InstanceType".into(), "ECS".into()),
            ("Endpoint.InstanceId".into(), "i-bp1other00001".into()),
            ("Endpoint.Port".into(), "3306".into()),
        ],
        old: None,
        new: None,
        dry_run: None,
    };
    vec![
        Record::Plan {
            plan_id: plan_id.into(),
            at: "2026-11-26T03:00:00Z".into(),
            region: "cn-hangzhou".into(),
            endpoint: "http://localhost:8080/".into(),
            access_key_id: "LTAI****0001".into(),
            job_id: TWO_WAY_JOB_ID.into(),
            job_name: "orders-mysql-dr".into(),
            topology: Topology::TwoWay,
            by: Some("dts-switch switch (pid 42 on jump1)".into()),
            process: None,
            batch_id: None,
            job_ids: vec![],
            dts_job_id: None,
            family: Default::default(),
            family_reason: String::new(),
            calls: vec![
                call(Direction::Forward, Side::Destination),
                call(Direction::Reverse, Side::Source),
            ],
        },
        Record::Intent {
            plan_id: plan_id.into(),
            index: 0,
            at: "2026-11-26T03:00:01Z".into(),
            by: Some("dts-switch switch (pid 42 on jump1)".into()),
            process: None,
        },
    ]
}

fn journal_msg(recs: &[dts_switch::domain::journal::Record]) -> Msg {
    Msg::Journal(dts_switch::tui::app::JournalView {
        plans: dts_switch::domain::journal::summarize(recs),
        ..Default::default()
    })
}

#[test]
fn a_refused_job_says_why_before_the_form_and_p_reaches_the_unfinished_plan() {
    use dts_switch::domain::guard::Refusal;
    let mut app = app();
    // Another process's unknown outcome arrives with a journal re-read.
    update(&mut app, journal_msg(&two_way_plan_records("plan-x")));
    assert_eq!(app.pending.len(), 1);
    select_job(&mut app, TWO_WAY_JOB_ID);
    let fx = update(
        &mut app,
        Msg::Key(ratatui::crossterm::event::KeyEvent::new(
            KeyCode::Enter,
            ratatui::crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert!(
        matches!(&fx[..], [Effect::CheckJob { job_id, .. }] if job_id == TWO_WAY_JOB_ID),
        "{fx:?}"
    );
    update(
        &mut app,
        Msg::JobChecked {
            job_id: TWO_WAY_JOB_ID.into(),
            refusal: Some(Refusal::OtherPlan {
                job_id: TWO_WAY_JOB_ID.into(),
                plan_id: "plan-x".into(),
                at: "2026-11-26T03:00:00Z".into(),
                by: Some("dts-switch switch (pid 42 on jump1)".into()),
                what: "the outcome of call 1 (Forward) is unknown: it may have executed".into(),
                journal: None,
            }),
        },
    );
    assert_eq!(app.screen, Screen::Jobs, "no form");
    assert!(app.form.is_none());
    let Some(Overlay::Alert { text, .. }) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert!(
        text.contains("pid 42") && text.contains("unknown"),
        "{text}"
    );
    // In full at 80x24.
    let t = render(&app, 80, 24);
    let s = screen_text(&t);
    assert!(s.contains("resume --dismiss"), "{s}");
    assert!(s.contains("Nothing was sent"), "{s}");
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.screen, Screen::Progress);
    let p = app.progress.as_ref().unwrap();
    assert_eq!(p.plan.id, "plan-x");
    assert_eq!(p.rows[0].outcome, Some(Outcome::Unknown));
    assert_eq!(
        p.rows[0].sent_by.as_deref(),
        Some("dts-switch switch (pid 42 on jump1)")
    );
    // Esc, then p from the jobs list reaches it again.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Jobs);
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.screen, Screen::Progress);
    assert_eq!(app.progress.as_ref().unwrap().plan.id, "plan-x");
}

#[test]
fn after_dismissing_an_unknown_first_call_the_second_call_can_be_sent_alone() {
    use dts_switch::domain::journal::Record;
    let mut app = app();
    let mut recs = two_way_plan_records("plan-y");
    update(&mut app, journal_msg(&recs));
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.progress.as_ref().unwrap().plan.id, "plan-y");
    assert!(key(&mut app, KeyCode::Char('c')).is_empty(), "not before D");
    key(&mut app, KeyCode::Char('D'));
    let fx = key(&mut app, KeyCode::Char('y'));
    assert_eq!(fx, vec![Effect::Dismiss("plan-y".into())]);
    recs.push(Record::Dismissed {
        plan_id: "plan-y".into(),
        at: "t".into(),
    });
    update(&mut app, journal_msg(&recs));
    let p = app.progress.as_ref().unwrap();
    assert!(
        p.next_step().contains("c sends it alone"),
        "{}",
        p.next_step()
    );
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(app.screen, Screen::Preview);
    let pv = app.preview.as_ref().unwrap();
    assert!(pv.new_plan);
    assert_ne!(pv.plan.id, "plan-y");
    assert_eq!(pv.plan.calls.len(), 1);
    assert_eq!(pv.plan.calls[0].direction, Direction::Reverse);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Progress, "back to where it came from");
}

#[test]
fn a_plan_another_live_process_runs_is_watched_not_continued() {
    use dts_switch::domain::journal::Record;
    let mut app = app();
    let mut recs = two_way_plan_records("plan-z");
    recs.push(Record::Accepted {
        plan_id: "plan-z".into(),
        index: 0,
        at: "t".into(),
        request_id: None,
        task_id: "730001".into(),
    });
    recs.push(Record::Done {
        plan_id: "plan-z".into(),
        index: 0,
        at: "t".into(),
        outcome: Outcome::Finished,
        request_id: None,
        task_id: Some("730001".into()),
        status: Some("Finished".into()),
        error: None,
        note: None,
    });
    let mut view = dts_switch::tui::app::JournalView {
        plans: dts_switch::domain::journal::summarize(&recs),
        ..Default::default()
    };
    view.live = vec!["plan-z".into()];
    update(&mut app, Msg::Journal(view));
    select_job(&mut app, TWO_WAY_JOB_ID);
    let fx = key(&mut app, KeyCode::Char('p'));
    assert!(
        !fx.iter().any(|f| matches!(f, Effect::Follow { .. })),
        "{fx:?}"
    );
    let p = app.progress.as_ref().unwrap();
    assert!(p.owner.is_some());
    assert!(
        p.next_step().contains("is running this switch"),
        "{}",
        p.next_step()
    );
    assert!(
        key(&mut app, KeyCode::Char('c')).is_empty(),
        "c is not offered"
    );
}

#[test]
fn the_terminal_going_away_quits_even_mid_switch() {
    let mut app = app();
    fill_ecs_destination(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    assert!(app.busy());
    update(&mut app, Msg::TerminalGone);
    assert!(app.quit);
    let lines = app.exit_lines();
    // The command reaches the same simulator.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("`dts-switch --endpoint http://127.0.0.1:8080/ resume`")),
        "{lines:?}"
    );
}

#[test]
fn cross_account_ticked_with_empty_fields_blocks_the_preview() {
    let mut app = app();
    fill_ecs_destination(&mut app, TWO_WAY_JOB_ID);
    app.form.as_mut().unwrap().focus_item(Item::CrossAccount);
    key(&mut app, KeyCode::Char(' '));
    assert!(app.form.as_ref().unwrap().cross);
    let fx = key(&mut app, KeyCode::Enter);
    assert!(fx.is_empty());
    assert_eq!(app.screen, Screen::Form, "no preview without both fields");
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.focused(), Item::OwnerId, "the first missing field");
    assert!(f.error_for(Item::OwnerId).unwrap().contains("required"));
    assert!(f.error_for(Item::Role).unwrap().contains("required"));
    typ(&mut app, "1234567890");
    app.form.as_mut().unwrap().focus_item(Item::Role);
    typ(&mut app, "ops-role");
    key(&mut app, KeyCode::Enter);
    // The job is legacy: SwitchSynchronizationEndpoint takes the cross-account pair
    // for the source only, so a destination switch with it is refused, nothing sent.
    assert_ne!(app.screen, Screen::Preview);
    let s = screen_text(&render(&app, 120, 40));
    assert!(s.contains("the source database is switched"), "{s}");
    // The source side takes it.
    key(&mut app, KeyCode::Esc);
    app.form.as_mut().unwrap().focus_item(Item::Side);
    key(&mut app, KeyCode::Left);
    assert_eq!(app.form.as_ref().unwrap().side, Side::Source);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "47.98.12.77");
    let f = app.form.as_mut().unwrap();
    if !f.cross {
        f.focus_item(Item::CrossAccount);
        key(&mut app, KeyCode::Char(' '));
    }
    app.form.as_mut().unwrap().focus_item(Item::OwnerId);
    typ(&mut app, "1234567890");
    app.form.as_mut().unwrap().focus_item(Item::Role);
    typ(&mut app, "ops-role");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.screen,
        Screen::Preview,
        "{}",
        screen_text(&render(&app, 120, 40))
    );
    let params = &app.preview.as_ref().unwrap().plan.calls[0].params;
    assert!(params.contains(&("SourceEndpoint.OwnerID".into(), "1234567890".into())));
    // With the legacy API chosen, the destination side does not offer it at all.
    key(&mut app, KeyCode::Esc);
    let f = app.form.as_mut().unwrap();
    f.api = dts_switch::domain::family::ApiChoice::Legacy;
    f.side = Side::Destination;
    assert!(!f.items().contains(&Item::CrossAccount), "{:?}", f.items());
    f.side = Side::Source;
    assert!(f.items().contains(&Item::CrossAccount));
}

#[test]
fn changing_the_type_or_the_side_clears_values_that_meant_something_else() {
    let mut app = app();
    fill_ecs_destination(&mut app, TWO_WAY_JOB_ID);
    // An ECS id typed, then the type changes to LocalInstance: not kept (it would be
    // sent as LocalInstance's optional Instance ID).
    app.form.as_mut().unwrap().focus_item(Item::Type);
    while app.form.as_ref().unwrap().itype != dts_switch::domain::InstanceType::LocalInstance {
        key(&mut app, KeyCode::Left);
    }
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.inputs[&FieldId::InstanceId].value(), "");
    // The one-way job's source is Express with a VPC: switching the side to the
    // destination (ECS) must not leave the VPC id in the ECS instance field.
    let mut app = tui_common::app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.form.as_ref().unwrap().inputs[&FieldId::InstanceId].value(),
        "vpc-bp1core0001"
    );
    app.form.as_mut().unwrap().focus_item(Item::Side);
    key(&mut app, KeyCode::Right);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.side, Side::Destination);
    assert!(
        !f.inputs[&FieldId::InstanceId].value().starts_with("vpc-"),
        "{:?}",
        f.inputs[&FieldId::InstanceId].value()
    );
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::InstanceId));
    typ(&mut app, "i-abc");
    let v = app.form.as_ref().unwrap().inputs[&FieldId::InstanceId]
        .value()
        .to_string();
    assert!(
        v == "i-abc" || v.ends_with("i-abc") && !v.contains("vpc-"),
        "{v}"
    );
}

#[test]
fn service_text_with_escapes_is_shown_visibly_in_the_tui() {
    let mut jobs = demo_jobs();
    jobs[0].name = "evil\u{1b}]0;owned\u{7}\r\nFINISHED".into();
    jobs[0].forward.error_message = "boom\u{1b}[2K".into();
    let mut app = dts_switch::tui::app::App::new(header(Target::Simulator, false), vec![]);
    app.start();
    update(&mut app, loaded(Ok(jobs)));
    for (w, h) in [(80, 24), (120, 40)] {
        let t = render(&app, w, h);
        let s = screen_text(&t);
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s}");
        assert!(s.contains("evil\\x1b") || s.contains("evil\\"), "{s}");
    }
}

#[test]
fn the_region_picker_filters_and_switches_the_region() {
    let mut app = app();
    key(&mut app, KeyCode::Char('R'));
    assert!(matches!(app.overlay, Some(Overlay::Region { .. })));
    typ(&mut app, "shang");
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(fx, vec![Effect::SetRegion("cn-shanghai".into())]);
    assert!(app.overlay.is_none());
    let fx = update(
        &mut app,
        Msg::RegionChanged {
            region: "cn-shanghai".into(),
            endpoint: "https://dts.cn-shanghai.aliyuncs.com/".into(),
        },
    );
    assert_eq!(fx, vec![Effect::LoadJobs, Effect::ReadJournal]);
    assert_eq!(app.header.region, "cn-shanghai");
    assert!(app.jobs.all.is_empty(), "the old region's jobs are gone");
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("cn-shanghai"), "{s}");
    // Esc cancels; a name filters too; the current region is not re-picked.
    key(&mut app, KeyCode::Char('R'));
    typ(&mut app, "tokyo");
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("ap-northeast-1"), "{s}");
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.overlay.is_none());
    key(&mut app, KeyCode::Char('R'));
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "same region");
}

/// A refresh of a complete list keeps the old rows on screen and does not gather its
/// pages (the end brings the whole list): one copy of the jobs besides the listing's.
#[test]
fn a_refresh_keeps_the_old_rows_and_takes_the_new_list_at_its_end() {
    let jobs = demo_jobs();
    let mut app = dts_switch::tui::app::App::new(header(Target::Simulator, false), vec![]);
    app.start();
    update(&mut app, Msg::JobsStarted(1));
    update(
        &mut app,
        Msg::JobsLoaded {
            generation: 1,
            result: Ok(jobs[..4].to_vec()),
            two_way_error: None,
        },
    );
    assert_eq!(app.jobs.all.len(), 4);
    update(&mut app, Msg::JobsStarted(2));
    assert!(app.jobs.refreshing);
    update(&mut app, Msg::JobsBatch(2, jobs[..6].to_vec()));
    update(&mut app, Msg::JobsBatch(2, jobs[6..].to_vec()));
    assert_eq!(
        app.jobs.all.len(),
        4,
        "the old rows stay, the pages are not kept"
    );
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains(&jobs[0].id) && s.contains("loading"), "{s}");
    update(
        &mut app,
        Msg::JobsLoaded {
            generation: 2,
            result: Ok(jobs.clone()),
            two_way_error: None,
        },
    );
    assert!(!app.jobs.refreshing);
    assert_eq!(app.jobs.all.len(), jobs.len(), "the new list at the end");
    assert!(app.jobs.loading.is_none());
}

#[test]
fn rows_arrive_as_pages_do_and_a_newer_listing_wins() {
    let jobs = demo_jobs();
    let mut app = dts_switch::tui::app::App::new(header(Target::Simulator, false), vec![]);
    app.start();
    update(&mut app, Msg::JobsStarted(1));
    update(&mut app, Msg::JobsBatch(1, jobs[..5].to_vec()));
    assert_eq!(app.jobs.all.len(), 5, "first rows after the first answer");
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains(&jobs[0].id) && s.contains("loading"), "{s}");
    // Provisional rows: no form until the listing is complete.
    select_job(&mut app, &jobs[2].id);
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.screen, Screen::Jobs);
    // The selection stays on its job while more arrive.
    update(&mut app, Msg::JobsBatch(1, jobs[5..9].to_vec()));
    assert_eq!(app.jobs.selected_job().unwrap().id, jobs[2].id);
    // r restarts: the old listing's late messages are dropped; its provisional rows
    // start again.
    update(&mut app, Msg::JobsStarted(2));
    assert!(app.jobs.all.is_empty(), "provisional rows are not kept");
    update(&mut app, Msg::JobsBatch(1, jobs[9..].to_vec()));
    update(
        &mut app,
        Msg::JobsLoaded {
            generation: 1,
            result: Ok(vec![]),
            two_way_error: None,
        },
    );
    assert!(app.jobs.loading.is_some(), "still loading generation 2");
    assert!(
        app.jobs.all.is_empty(),
        "the old listing's rows are dropped"
    );
    update(&mut app, Msg::JobsBatch(2, jobs[..9].to_vec()));
    select_job(&mut app, &jobs[2].id);
    update(
        &mut app,
        Msg::JobsLoaded {
            generation: 2,
            result: Ok(jobs.clone()),
            two_way_error: None,
        },
    );
    assert!(app.jobs.loading.is_none());
    assert_eq!(app.jobs.all.len(), jobs.len());
    assert_eq!(app.jobs.selected_job().unwrap().id, jobs[2].id);
    // During a refresh (a complete list on screen) Enter works.
    update(&mut app, Msg::JobsStarted(3));
    assert_eq!(
        app.jobs.all.len(),
        jobs.len(),
        "rows kept while the refresh runs"
    );
    assert!(!key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.screen, Screen::Form);
    // A refresh that fails keeps the complete rows usable; a first listing that fails
    // leaves provisional rows: no form from them.
    let mut app2 = dts_switch::tui::app::App::new(header(Target::Simulator, false), vec![]);
    app2.start();
    update(&mut app2, Msg::JobsStarted(1));
    update(&mut app2, Msg::JobsBatch(1, jobs[..5].to_vec()));
    update(
        &mut app2,
        Msg::JobsLoaded {
            generation: 1,
            result: Err(dts_switch::api::ApiError::Service {
                action: "DescribeSynchronizationJobs".into(),
                http_status: 400,
                code: "InvalidParameter".into(),
                message: "m".into(),
                request_id: None,
                recommend: None,
            }
            .into()),
            two_way_error: None,
        },
    );
    select_job(&mut app2, &jobs[1].id);
    assert!(key(&mut app2, KeyCode::Enter).is_empty());
    assert_eq!(app2.screen, Screen::Jobs);
    assert!(app2.notice.as_deref().unwrap().contains("did not complete"));
}

#[test]
fn an_unknown_topology_must_be_chosen_in_the_form() {
    use dts_switch::domain::Topology;
    let mut jobs = demo_jobs();
    let i = jobs.iter().position(|j| j.id == ONE_WAY_JOB_ID).unwrap();
    jobs[i].one_way_known = false;
    assert_eq!(jobs[i].detected_topology(), Topology::Unknown);
    let mut app = dts_switch::tui::app::App::new(header(Target::Simulator, false), vec![]);
    app.start();
    update(&mut app, loaded(Ok(jobs)));
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("unknown"), "the list says so: {s}");
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "10.20.1.99");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Form, "no preview before a choice");
    assert_eq!(app.form.as_ref().unwrap().focused(), Item::Topology);
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("choose"), "{s}");
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    assert_eq!(app.form.as_ref().unwrap().topology(), Topology::TwoWay);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
    assert_eq!(app.preview.as_ref().unwrap().plan.calls.len(), 2);
}

#[test]
fn changing_the_side_clears_cross_account_and_the_type_clears_the_ip() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    {
        let f = app.form.as_mut().unwrap();
        f.focus_item(Item::CrossAccount);
    }
    key(&mut app, KeyCode::Char(' '));
    app.form.as_mut().unwrap().focus_item(Item::OwnerId);
    typ(&mut app, "1234567890");
    app.form.as_mut().unwrap().focus_item(Item::Side);
    key(&mut app, KeyCode::Right);
    let f = app.form.as_ref().unwrap();
    assert!(
        !f.cross && f.owner.value().is_empty(),
        "cross-account cleared"
    );
    // LocalInstance (public IP) → Express (VPC IP): the IP is cleared.
    let mut app = tui_common::app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form.as_mut().unwrap().focus_item(Item::Type);
    while app.form.as_ref().unwrap().itype != dts_switch::domain::InstanceType::LocalInstance {
        key(&mut app, KeyCode::Right);
    }
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "47.98.1.2");
    app.form.as_mut().unwrap().focus_item(Item::Type);
    while app.form.as_ref().unwrap().itype != dts_switch::domain::InstanceType::Express {
        key(&mut app, KeyCode::Right);
    }
    assert_eq!(app.form.as_ref().unwrap().inputs[&FieldId::Ip].value(), "");
}

#[test]
fn after_the_last_task_finished_the_job_is_watched_and_the_verdict_shown() {
    use dts_switch::domain::verify::{DirectionVerdict, Sample, Verdict, VerifyEvent};
    let mut app = app();
    fill_ecs_destination(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, ONE_WAY_JOB_ID);
    let fx = key(&mut app, KeyCode::Enter);
    let Effect::Execute { plan, .. } = &fx[0] else {
        panic!("{fx:?}")
    };
    let pid = plan.id.clone();
    let call = plan.calls[0].clone();
    update(
        &mut app,
        Msg::Exec {
            plan_id: pid.clone(),
            event: ProgressEvent::Done {
                index: 0,
                outcome: CallOutcome {
                    task_id: Some("730001".into()),
                    status: Some("Finished".into()),
                    ..CallOutcome::new(&call, Outcome::Finished)
                },
            },
        },
    );
    let fx = update(
        &mut app,
        Msg::ExecFinished {
            plan_id: pid.clone(),
        },
    );
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Verify(p) if p.id == pid)),
        "{fx:?}"
    );
    let ev = |event| Msg::Verify {
        plan_id: pid.clone(),
        event,
    };
    update(
        &mut app,
        ev(VerifyEvent::Started {
            directions: vec![Direction::Forward],
            healthy_delay: std::time::Duration::from_secs(60),
            timeout: std::time::Duration::from_secs(600),
        }),
    );
    for d in [240.0, 120.0, 60.0] {
        update(
            &mut app,
            ev(VerifyEvent::Sample {
                direction: Direction::Forward,
                sample: Sample {
                    elapsed_secs: 0.0,
                    status: "Synchronizing".into(),
                    delay_secs: Some(d),
                    checkpoint: Some(1),
                    checkpoint_age_secs: Some(d as u64),
                    error_message: String::new(),
                    retry: None,
                },
            }),
        );
    }
    let p = app.progress.as_ref().unwrap();
    assert!(p.verifying);
    assert!(
        p.next_step().contains("Watching the job"),
        "{}",
        p.next_step()
    );
    assert_eq!(p.verify[0].delays, vec![240, 120, 60]);
    update(
        &mut app,
        ev(VerifyEvent::Verdict(DirectionVerdict {
            direction: Direction::Forward,
            verdict: Verdict::Failed,
            reason: "the job is Failed after the switch: DTS-070211".into(),
            last: None,
            samples: 3,
        })),
    );
    let p = app.progress.as_ref().unwrap();
    assert!(!p.verifying);
    assert!(p.not_healthy());
    assert!(p.next_step().contains("DTS-070211"), "{}", p.next_step());
    let s = screen_text(&render(&app, 80, 24));
    assert!(
        s.contains("After the switch") && s.contains("FAILED"),
        "{s}"
    );
}

#[test]
fn a_long_alert_scrolls_to_its_last_line_and_no_further() {
    use dts_switch::domain::guard::Refusal;
    let mut app = app();
    update(&mut app, Msg::Resize(80, 24));
    let lines: Vec<String> = (1..=40)
        .map(|i| format!("/j.jsonl: line {i}: skipped, not a journal record"))
        .collect();
    update(
        &mut app,
        Msg::JobChecked {
            job_id: TWO_WAY_JOB_ID.into(),
            refusal: Some(Refusal::Damaged {
                path: "/j.jsonl".into(),
                lines,
            }),
        },
    );
    for _ in 0..200 {
        key(&mut app, KeyCode::Down);
    }
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("Nothing was sent"), "the last line shows: {s}");
    assert!(!s.contains("↓ more"), "at the end: {s}");
    key(&mut app, KeyCode::Up);
    let s = screen_text(&render(&app, 80, 24));
    assert!(s.contains("↓ more"), "one Up moves back at once: {s}");
}

// ---- fleet failover: find and mark -------------------------------------------------

mod fleet_find {
    use super::*;
    use dts_switch::api::ApiError;
    use dts_switch::domain::find::{match_jobs, FindReport, Query, RegionReport};
    use dts_switch::tui::app::App;
    use dts_switch::tui::keymap::Context;
    use std::time::Duration;

    fn region(name: &str, jobs: usize, matches: usize, error: Option<ApiError>) -> RegionReport {
        RegionReport {
            region: name.into(),
            jobs,
            matches,
            error: error.map(Into::into),
            incomplete: None,
            elapsed: Duration::ZERO,
        }
    }

    /// The demo jobs of cn-hangzhou searched for `ip`, and cn-beijing failing.
    pub(super) fn report(app: &App, ip: &str, beijing_fails: bool) -> FindReport {
        let q = Query::new(Some(ip), None, None).unwrap();
        let matches = match_jobs(&q, "cn-hangzhou", &app.jobs.all);
        let mut regions = vec![region(
            "cn-hangzhou",
            app.jobs.all.len(),
            matches.len(),
            None,
        )];
        if beijing_fails {
            regions.push(region(
                "cn-beijing",
                0,
                0,
                Some(ApiError::NoAnswer {
                    action: "DescribeSynchronizationJobs".into(),
                    detail: "timed out after 20s".into(),
                }),
            ));
        }
        FindReport { regions, matches }
    }

    /// `f`, the endpoint typed, Enter: the search effect (its seq).
    pub(super) fn search(app: &mut App, text: &str) -> Vec<Effect> {
        key(app, KeyCode::Char('f'));
        assert_eq!(app.context(), Context::FindPrompt);
        ctrl(app, 'u');
        typ(app, text);
        key(app, KeyCode::Enter)
    }

    #[test]
    fn f_asks_for_the_old_endpoint_and_searches_the_current_region() {
        let mut app = app();
        let fx = search(&mut app, "47.98.12.34:3306");
        let q = Query::new(Some("47.98.12.34"), None, Some("3306")).unwrap();
        assert_eq!(
            fx,
            vec![Effect::Find {
                seq: 1,
                query: q,
                regions: vec!["cn-hangzhou".into()],
            }]
        );
        assert_eq!(app.context(), Context::Jobs, "the prompt closed");
        assert!(app.animating(), "the search shows a spinner");
        let s = screen_text(&render(&app, 80, 24));
        assert!(s.contains("searching 1 region for 47.98.12.34:3306"), "{s}");
    }

    #[test]
    fn bad_input_says_what_is_allowed_and_searches_nothing() {
        let mut app = app();
        let fx = search(&mut app, "10.20.30.400:3306");
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(
            app.context(),
            Context::FindPrompt,
            "the prompt stays to fix"
        );
        let n = app.notice.clone().unwrap();
        assert!(n.starts_with("nothing searched: address"), "{n}");
        assert!(n.contains("allowed: an IP"), "{n}");
        assert!(app.fleet.searching.is_none());
        // Esc closes it, nothing searched.
        let fx = key(&mut app, KeyCode::Esc);
        assert!(fx.is_empty());
        assert_eq!(app.context(), Context::Jobs);
        assert!(app.fleet.marks.is_empty());
        // Typing in the prompt is not a key of the jobs screen (`s` does not sort).
        key(&mut app, KeyCode::Char('f'));
        typ(&mut app, "s");
        assert!(app.fleet.input.value().ends_with('s'));
        assert_eq!(app.jobs.sort, dts_switch::tui::app::SortKey::Listing);
    }

    #[test]
    fn the_answer_marks_the_matches_and_names_the_failed_region() {
        let mut app = app();
        key(&mut app, KeyCode::Char('R'));
        typ(&mut app, "beijing");
        key(&mut app, KeyCode::Tab);
        ctrl(&mut app, 'u');
        typ(&mut app, "hangzhou");
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.fleet.regions, ["cn-beijing", "cn-hangzhou"]);
        let fx = search(&mut app, "47.98.12.34");
        let Effect::Find { seq, regions, .. } = &fx[0] else {
            panic!("{fx:?}")
        };
        assert_eq!(regions, &["cn-beijing", "cn-hangzhou"]);
        let r = report(&app, "47.98.12.34", true);
        assert_eq!(r.matches.len(), 1);
        // An older search's answer is dropped.
        update(
            &mut app,
            Msg::Found {
                seq: seq - 1,
                report: r.clone(),
            },
        );
        assert!(app.fleet.marks.is_empty());
        update(
            &mut app,
            Msg::Found {
                seq: *seq,
                report: r,
            },
        );
        assert_eq!(app.fleet.marks.len(), 1);
        assert!(app.fleet.is_marked("cn-hangzhou", TWO_WAY_JOB_ID));
        let s = screen_text(&render(&app, 80, 24));
        assert!(
            s.contains("find: 1 job uses 47.98.12.34 in 1 region (cn-hangzhou 1)"),
            "{s}"
        );
        assert!(
            s.contains("! cn-beijing not searched (e: in full): "),
            "{s}"
        );
        assert!(s.contains("1 marked"), "{s}");
        assert!(s.contains(&format!(">*{TWO_WAY_JOB_ID}")), "{s}");
        // `e` shows the failed region's error in full.
        key(&mut app, KeyCode::Char('e'));
        let Some(Overlay::Alert { text, .. }) = &app.overlay else {
            panic!("{:?}", app.overlay)
        };
        assert!(text.contains("cn-beijing: not searched"), "{text}");
        assert!(text.contains("timed out after 20s"), "{text}");
    }

    #[test]
    fn space_marks_by_hand_and_a_marks_every_match() {
        let mut app = app();
        let fx = search(&mut app, "47.98.12.34");
        let Effect::Find { seq, .. } = &fx[0] else {
            panic!()
        };
        let r = report(&app, "47.98.12.34", false);
        update(
            &mut app,
            Msg::Found {
                seq: *seq,
                report: r,
            },
        );
        assert_eq!(app.fleet.marks.len(), 1);
        // Unmark the match by hand, mark another job (which does not use it: said).
        select_job(&mut app, TWO_WAY_JOB_ID);
        key(&mut app, KeyCode::Char(' '));
        assert!(app.fleet.marks.is_empty());
        select_job(&mut app, ONE_WAY_JOB_ID);
        key(&mut app, KeyCode::Char(' '));
        assert_eq!(app.fleet.marks.len(), 1);
        assert!(app.fleet.marks[0].usage.is_none());
        assert!(
            app.notice
                .as_deref()
                .unwrap()
                .contains("does not use 47.98.12.34"),
            "{:?}",
            app.notice
        );
        let s = screen_text(&render(&app, 80, 24));
        assert!(s.contains(" 1 marked · Jobs (12)"), "{s}");
        // `a` marks every match (the hand mark stays); again: unmarks all.
        key(&mut app, KeyCode::Char('a'));
        assert_eq!(app.fleet.marks.len(), 2);
        assert!(app.fleet.is_marked("cn-hangzhou", TWO_WAY_JOB_ID));
        key(&mut app, KeyCode::Char('a'));
        assert!(app.fleet.marks.is_empty());
        let s = screen_text(&render(&app, 80, 24));
        assert!(s.contains(" 0 marked · Jobs (12)"), "{s}");
    }

    #[test]
    fn a_before_any_search_says_how_to_find() {
        let mut app = app();
        key(&mut app, KeyCode::Char('a'));
        assert!(app.fleet.marks.is_empty());
        assert!(app.notice.as_deref().unwrap().contains("f finds"));
    }

    #[test]
    fn the_help_overlay_lists_find_and_marks() {
        let mut app = app();
        key(&mut app, KeyCode::Char('?'));
        let s = screen_text(&render(&app, 120, 40));
        assert!(s.contains("find the jobs of an old endpoint"), "{s}");
        assert!(s.contains("mark/unmark the job"), "{s}");
    }

    #[test]
    fn find_against_the_fleet_simulator_marks_twelve_jobs_in_two_regions() {
        let live = Live::start_with(dts_switch::sim::SimConfig {
            step: Duration::from_millis(100),
            fleet: true,
            ..Default::default()
        });
        let mut app = live.app();
        key(&mut app, KeyCode::Char('R'));
        for r in ["cn-hangzhou", "cn-shanghai"] {
            ctrl(&mut app, 'u');
            typ(&mut app, r);
            key(&mut app, KeyCode::Tab);
        }
        key(&mut app, KeyCode::Esc);
        let fx = search(&mut app, "10.20.30.40:3306");
        live.run_finds(&mut app, &fx);
        let f = app.fleet.found.as_ref().unwrap();
        assert!(f.report.complete());
        // The first marked job of the listing is selected (the fleet jobs are listed
        // after the demo jobs).
        let sel = app.jobs.selected_job().unwrap().id.clone();
        assert!(app.fleet.is_marked("cn-hangzhou", &sel), "{sel}");
        assert_eq!(app.fleet.marks.len(), 12);
        assert_eq!(app.fleet.marked_in("cn-hangzhou"), 7);
        let s = screen_text(&render(&app, 80, 24));
        assert!(
            s.contains("12 jobs use 10.20.30.40:3306 in 2 regions (cn-hangzhou 7, cn-shanghai 5)"),
            "{s}"
        );
        assert!(s.contains(" 12 marked (7 here) · Jobs"), "{s}");
    }
}

// ---- fleet failover: form, preview, confirmation, progress -------------------------

mod fleet_batch {
    use super::*;
    use dts_switch::sim::data_fleet::*;
    use dts_switch::tui::app::App;
    use dts_switch::tui::keymap::Context;

    /// Enter with twelve jobs marked, the new endpoint typed, Enter: planned.
    fn planned(fl: &Fleet) -> App {
        let mut app = fl.found();
        let fx = key(&mut app, KeyCode::Enter);
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(app.screen, Screen::Form);
        let f = app.form.as_mut().unwrap();
        assert_eq!(f.fleet, Some(12));
        assert!(
            !f.items().contains(&Item::Side),
            "the side is each job's own"
        );
        assert_eq!(f.itype, dts_switch::domain::InstanceType::LocalInstance);
        f.focus_item(Item::Field(FieldId::Ip));
        typ(&mut app, FLEET_NEW_IP);
        let fx = key(&mut app, KeyCode::Enter);
        assert!(
            matches!(&fx[..], [Effect::PlanBatch { marks, .. }] if marks.len() == 12),
            "{fx:?}"
        );
        assert!(app.fleet.planning.is_some());
        fl.run_plans(&mut app, &fx);
        assert_eq!(app.screen, Screen::BatchPreview, "{:?}", app.overlay);
        app
    }

    #[test]
    fn enter_with_marks_plans_previews_confirms_the_calls_and_runs_the_batch() {
        let fl = Fleet::start();
        let mut app = planned(&fl);
        let b = app.fleet.batch.as_ref().unwrap();
        assert_eq!(b.batch.items.len(), 12);
        assert!(b.batch.blocking().is_empty());
        assert_eq!(b.calls(), 15);
        let s = screen_text(&render(&app, 80, 24));
        assert!(
            s.contains("12 jobs in 2 regions, 15 calls: 3 two-way"),
            "{s}"
        );
        assert!(s.contains("↓ more"), "the preview scrolls at 80x24: {s}");
        // Scrolling stops with the last line at the bottom.
        for _ in 0..400 {
            key(&mut app, KeyCode::Down);
        }
        let s = screen_text(&render(&app, 80, 24));
        assert!(s.contains("Signed with the AccessKeyId above"), "{s}");
        assert!(!s.contains("↓ more"), "{s}");
        // The confirmation: the number of calls, typed.
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.context(), Context::BatchConfirm);
        typ(&mut app, "14");
        let fx = key(&mut app, KeyCode::Enter);
        assert!(fx.is_empty());
        let b = app.fleet.batch.as_ref().unwrap();
        assert!(b.confirm_message.as_deref().unwrap().contains("15"));
        assert!(fl.live.sim.executed_writes().is_empty(), "nothing sent yet");
        // Esc cancels, nothing sent; again, and 15 sends.
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, Screen::BatchPreview);
        assert_eq!(app.notice.as_deref(), Some("cancelled: nothing was sent"));
        key(&mut app, KeyCode::Enter);
        typ(&mut app, "15");
        let fx = key(&mut app, KeyCode::Enter);
        assert!(matches!(&fx[..], [Effect::RunBatch(_)]), "{fx:?}");
        assert_eq!(app.screen, Screen::BatchProgress);
        assert!(app.busy(), "Ctrl-C asks while the batch runs");
        let s = screen_text(&render(&app, 80, 24));
        assert!(
            s.contains("12 jobs: 0 finished (0 healthy) · 0 running"),
            "{s}"
        );
        // The events as they come: jobs run a few at a time, each row follows its call.
        let msgs = fl.batch_msgs(&fx);
        let n = msgs.len();
        let mut saw_running = false;
        for (i, m) in msgs.into_iter().enumerate() {
            if matches!(m, Msg::BatchFinished { .. }) {
                // Before the batch's answer, each job's rows already say how it came out.
                let b = app.fleet.batch.as_ref().unwrap();
                assert_eq!(
                    dts_switch::tui::batch::summary_line(b),
                    "12 jobs: 9 finished (9 healthy) · 0 running · 2 failed · 1 unknown"
                );
            }
            update(&mut app, m);
            // Once a third of the events are in, the first moment jobs are running: at
            // most 4 at a time, and the screen (scrolled to one of them) says so.
            if i >= n / 3 && !saw_running {
                let b = app.fleet.batch.as_ref().unwrap();
                let sm = dts_switch::tui::batch::summary(b);
                if sm.running > 0 {
                    assert!(sm.running <= 4, "{sm:?}");
                    saw_running = true;
                    let running = b
                        .jobs
                        .iter()
                        .position(|j| {
                            dts_switch::tui::batch::phase(j)
                                == dts_switch::tui::batch::JobPhase::Running
                        })
                        .unwrap();
                    app.fleet.batch.as_mut().unwrap().selected = running;
                    let s = screen_text(&render(&app, 80, 24));
                    assert!(s.contains("· running"), "{s}");
                }
            }
        }
        assert!(saw_running, "at most 4 jobs at a time, some running");
        assert!(!app.busy());
        assert!(
            app.fleet.marks.is_empty(),
            "a new failover starts from a new search"
        );
        assert!(app.notice.as_deref().unwrap().contains("f searches again"));
        // The way back was written from the journal, and the notice names it.
        let b = app.fleet.batch.as_ref().unwrap();
        let back = b.failback.clone().expect("a failback runbook");
        assert!(app.notice.as_deref().unwrap().contains(&back));
        assert!(std::fs::read_to_string(&back).unwrap().contains("[[step]]"));
        // Leaving says what is left, and how to settle it.
        let after = app.exit_lines().join("\n");
        assert!(after.contains("1 unknown"), "{after}");
        assert!(after.contains("resume --batch"), "{after}");
        // Each family's write, each (job, direction) once: nothing for the job changed
        // since the plan.
        let writes = fl.live.sim.executed_writes();
        assert_eq!(writes.len(), 14, "{writes:#?}");
        let b = app.fleet.batch.as_ref().unwrap();
        let result = |id: &str| {
            b.jobs
                .iter()
                .find(|j| j.state.plan.job_id == id)
                .and_then(|j| j.result)
                .unwrap()
        };
        use dts_switch::domain::fleet::JobResult;
        assert_eq!(result(FLEET_FAILING_TASK), JobResult::Failed);
        assert_eq!(result(FLEET_DROPPED_ANSWER), JobResult::Unknown);
        assert_eq!(result(FLEET_DRIFT_JOB), JobResult::NotSent);
        assert_eq!(result(FLEET_LEGACY_TWO_WAY), JobResult::Healthy);
        let line = dts_switch::tui::batch::summary_line(b);
        assert_eq!(
            line, "12 jobs: 9 finished (9 healthy) · 0 running · 2 failed · 1 unknown",
            "the summary"
        );
        let s = screen_text(&render(&app, 80, 24));
        assert!(s.contains(&line), "{s}");
        // Enter on a job: its detail, with the next step.
        let i = b
            .jobs
            .iter()
            .position(|j| j.state.plan.job_id == FLEET_DROPPED_ANSWER)
            .unwrap();
        app.fleet.batch.as_mut().unwrap().selected = i;
        key(&mut app, KeyCode::Enter);
        let Some(Overlay::Alert { text, .. }) = &app.overlay else {
            panic!("{:?}", app.overlay)
        };
        assert!(text.contains(FLEET_DROPPED_ANSWER), "{text}");
        assert!(text.contains("UNKNOWN"), "{text}");
        assert!(text.contains("resume --batch"), "{text}");
        key(&mut app, KeyCode::Esc);
        // Back to the jobs; p shows the batch again.
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, Screen::Jobs);
        key(&mut app, KeyCode::Char('p'));
        assert_eq!(app.screen, Screen::BatchProgress);
    }

    #[test]
    fn s_stops_sending_new_calls_and_the_jobs_end_stopped() {
        let fl = Fleet::start();
        let mut app = planned(&fl);
        key(&mut app, KeyCode::Enter);
        typ(&mut app, "15");
        let run = key(&mut app, KeyCode::Enter);
        let fx = key(&mut app, KeyCode::Char('S'));
        assert_eq!(fx, vec![Effect::StopBatch]);
        assert!(app.fleet.batch.as_ref().unwrap().stopping);
        let s = screen_text(&render(&app, 80, 24));
        assert!(s.lines().nth(1).unwrap().contains(" stopping "), "{s}");
        assert!(!s.contains("S stop"), "offered once: {s}");
        assert!(key(&mut app, KeyCode::Char('S')).is_empty());
        // The runner's flag set: no call is sent, every job ends stopped (resumable).
        for m in fl.batch_msgs_stopped(&run, true) {
            update(&mut app, m);
        }
        assert!(fl.live.sim.executed_writes().is_empty());
        let b = app.fleet.batch.as_ref().unwrap();
        assert!(b
            .jobs
            .iter()
            .all(|j| j.result == Some(dts_switch::domain::fleet::JobResult::Stopped)));
        assert_eq!(dts_switch::tui::batch::summary(b).failed, 12);
    }

    #[test]
    fn a_job_with_an_unfinished_switch_is_refused_before_the_preview() {
        let fl = Fleet::start();
        // An unfinished plan of one marked job in the journal (another process's).
        let mut app = fl.found();
        let m = app.fleet.marks[0].clone();
        let job = m.job.clone();
        let req = dts_switch::domain::fleet::request_for(
            &job,
            m.usage.as_ref().unwrap(),
            &dts_switch::domain::rules::validate(
                dts_switch::domain::InstanceType::LocalInstance,
                &dts_switch::domain::rules::EndpointInput {
                    ip: Some(FLEET_NEW_IP.into()),
                    port: Some("3306".into()),
                    ..Default::default()
                },
            )
            .unwrap(),
        )
        .unwrap();
        let plan = dts_switch::domain::plan::plan(
            &job,
            &m.region,
            &req,
            job.family
                .unwrap_or(dts_switch::domain::family::Family::Legacy),
        )
        .unwrap();
        let s = fl.sender();
        s.journal
            .append(&dts_switch::domain::journal::plan_record(
                &plan,
                &s.endpoint,
                &s.masked_ak,
                &s.by,
            ))
            .unwrap();
        // Its first call was sent and never answered (an unknown outcome).
        s.journal
            .append(&dts_switch::domain::journal::Record::Intent {
                plan_id: plan.id.clone(),
                index: 0,
                at: dts_switch::domain::journal::now(),
                by: Some("dts-switch switch (pid 1 on elsewhere)".into()),
                process: None,
            })
            .unwrap();
        key(&mut app, KeyCode::Enter);
        let f = app.form.as_mut().unwrap();
        f.focus_item(Item::Field(FieldId::Ip));
        typ(&mut app, FLEET_NEW_IP);
        let fx = key(&mut app, KeyCode::Enter);
        fl.run_plans(&mut app, &fx);
        assert_eq!(app.screen, Screen::Form);
        let Some(Overlay::Alert { title, text, .. }) = &app.overlay else {
            panic!("{:?}", app.overlay)
        };
        assert!(title.contains("cannot be part of the batch"), "{title}");
        assert!(text.contains(&job.id), "{text}");
        assert!(text.contains("Nothing was sent"), "{text}");
        assert!(fl.live.sim.executed_writes().is_empty());
    }

    #[test]
    fn enter_refuses_marks_that_do_not_use_the_old_endpoint_and_partial_searches() {
        let mut app = app();
        // No search: Space marks, Enter says f first.
        key(&mut app, KeyCode::Char(' '));
        key(&mut app, KeyCode::Enter);
        assert!(
            matches!(&app.overlay, Some(Overlay::Alert { title, .. }) if title == "No search yet")
        );
        assert_eq!(app.screen, Screen::Jobs);
        key(&mut app, KeyCode::Esc);
        // A search with a region that failed: a job there may be left behind.
        let fx = super::fleet_find::search(&mut app, "47.98.12.34");
        let Effect::Find { seq, .. } = &fx[0] else {
            panic!()
        };
        let r = super::fleet_find::report(&app, "47.98.12.34", true);
        update(
            &mut app,
            Msg::Found {
                seq: *seq,
                report: r,
            },
        );
        let fx = key(&mut app, KeyCode::Enter);
        assert!(fx.is_empty());
        let Some(Overlay::Alert { title, text, .. }) = &app.overlay else {
            panic!("{:?}", app.overlay)
        };
        assert_eq!(title, "A region was not searched completely");
        assert!(text.contains("cn-beijing"), "{text}");
        key(&mut app, KeyCode::Esc);
        // Every region answered, but a job marked by hand does not use it.
        let fx = super::fleet_find::search(&mut app, "47.98.12.34");
        let Effect::Find { seq, .. } = &fx[0] else {
            panic!()
        };
        let r = super::fleet_find::report(&app, "47.98.12.34", false);
        update(
            &mut app,
            Msg::Found {
                seq: *seq,
                report: r,
            },
        );
        select_job(&mut app, ONE_WAY_JOB_ID);
        key(&mut app, KeyCode::Char(' '));
        key(&mut app, KeyCode::Enter);
        let Some(Overlay::Alert { title, text, .. }) = &app.overlay else {
            panic!("{:?}", app.overlay)
        };
        assert!(title.contains("do not use the old endpoint"), "{title}");
        assert!(text.contains(ONE_WAY_JOB_ID), "{text}");
        assert_eq!(app.screen, Screen::Jobs);
        // Unmarked: Enter opens the fleet form for the one match.
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char(' '));
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Form);
        assert_eq!(app.form.as_ref().unwrap().fleet, Some(1));
    }

    #[test]
    fn read_only_mode_never_offers_the_failover() {
        let mut app = app_with(Target::Simulator, true);
        key(&mut app, KeyCode::Char(' '));
        let fx = key(&mut app, KeyCode::Enter);
        assert!(fx.is_empty());
        assert!(app.overlay.is_none());
        assert_eq!(app.screen, Screen::Jobs);
    }
}
