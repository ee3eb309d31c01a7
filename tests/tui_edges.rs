//! The API's edges in the TUI (issue 10): endpoint types the switch cannot handle,
//! LocalInstance addresses, spaces in ids, long service messages at 80x24, the help
//! overlay, the preview's fold, job ids never cut, failed jobs marked without colour.

mod tui_common;
use dts_switch::api::ApiError;
use dts_switch::domain::plan::Side;
use dts_switch::domain::rules::FieldId;
use dts_switch::domain::{InstanceType, Job};
use dts_switch::sim::data::{ONE_WAY_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::tui::app::{update, App, Msg, Overlay, Screen, Target};
use dts_switch::tui::form::Item;
use dts_switch::tui::theme::Theme;
use dts_switch::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;
use tui_common::*;

/// One-way, source ECS, destination ApsaraDB RDS.
const RDS_JOB_ID: &str = "dtse9f8g7h6j5k4m04";
/// One-way, status Failed.
const FAILED_JOB_ID: &str = "dtsg5h4j3k2m1n9p07";

fn app_with_jobs(jobs: Vec<Job>) -> App {
    let mut app = App::new(header(Target::Simulator, false), vec![]);
    app.start();
    update(&mut app, loaded(Ok(jobs)));
    app
}

fn jobs_with(id: &str, f: impl FnOnce(&mut Job)) -> Vec<Job> {
    let mut jobs = demo_jobs();
    f(jobs.iter_mut().find(|j| j.id == id).expect("demo job"));
    jobs
}

fn form(app: &App) -> &dts_switch::tui::form::FormState {
    app.form.as_ref().expect("form open")
}

fn focus(app: &mut App, item: Item) {
    app.form.as_mut().unwrap().focus_item(item);
}

fn choose_type(app: &mut App, t: InstanceType) {
    focus(app, Item::Type);
    while form(app).itype != t {
        key(app, KeyCode::Right);
    }
}

fn text(app: &App, w: u16, h: u16) -> String {
    screen_text(&render(app, w, h))
}

fn resize(app: &mut App, w: u16, h: u16) {
    update(app, Msg::Resize(w, h));
}

#[test]
fn a_space_typed_in_a_text_field_is_a_named_error_not_dropped() {
    let mut app = app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right); // destination
    choose_type(&mut app, InstanceType::Ecs);
    focus(&mut app, Item::Field(FieldId::InstanceId));
    typ(&mut app, "i-bp1 new");
    assert_eq!(form(&app).inputs[&FieldId::InstanceId].value(), "i-bp1 new");
    let e = form(&app)
        .error_for(Item::Field(FieldId::InstanceId))
        .expect("an error");
    assert!(e.contains("has a space in it"), "{e}");
    let s = text(&app, 80, 24);
    assert!(s.contains("has a space in it"), "{s}");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Form, "no preview");
    // Remove it: the value is fine again.
    key(&mut app, KeyCode::Home);
    for _ in 0..5 {
        key(&mut app, KeyCode::Right);
    }
    key(&mut app, KeyCode::Delete);
    assert_eq!(form(&app).inputs[&FieldId::InstanceId].value(), "i-bp1new");
    assert_eq!(form(&app).error_for(Item::Field(FieldId::InstanceId)), None);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
}

#[test]
fn a_paste_is_trimmed_but_an_inner_blank_is_kept_and_named() {
    let mut app = app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    focus(&mut app, Item::Field(FieldId::Ip));
    ctrl(&mut app, 'u');
    update(&mut app, Msg::Paste("  10.20.1.99\n".into()));
    assert_eq!(form(&app).inputs[&FieldId::Ip].value(), "10.20.1.99");
    assert_eq!(form(&app).error_for(Item::Field(FieldId::Ip)), None);
    ctrl(&mut app, 'u');
    update(&mut app, Msg::Paste("10.20.1.99\t5432".into()));
    assert_eq!(
        form(&app).inputs[&FieldId::Ip].value(),
        "10.20.1.99 5432",
        "never joined silently into another address"
    );
    assert!(form(&app)
        .error_for(Item::Field(FieldId::Ip))
        .unwrap()
        .contains("has a space in it"));
}

#[test]
fn a_space_in_the_confirmation_is_named() {
    let mut app = app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    focus(&mut app, Item::Field(FieldId::Ip));
    typ(&mut app, "10.20.1.99");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "dtsb8c7d6 e5f4g3h02");
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "nothing sent");
    let m = app.confirm.message.clone().unwrap();
    assert!(m.contains("space"), "{m}");
}

#[test]
fn a_database_gateway_side_is_said_plainly_on_the_form_and_refused() {
    let jobs = jobs_with(TWO_WAY_JOB_ID, |j| {
        j.forward.source.instance_type = "dg".into();
        j.forward.source.instance_id = "dg-bp1gateway01".into();
    });
    let mut app = app_with_jobs(jobs);
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    assert_eq!(form(&app).side, Side::Source);
    for (w, h) in [(80, 24), (120, 40)] {
        let s = text(&app, w, h);
        assert!(s.contains("Database Gateway"), "{s}");
        assert!(s.contains("cannot switch"), "{s}");
        // Before the fields: the line comes before question 2.
        let warn = s.find("Database Gateway").unwrap();
        assert!(warn < s.find("2 How does DTS reach").unwrap(), "{s}");
    }
    choose_type(&mut app, InstanceType::LocalInstance);
    focus(&mut app, Item::Field(FieldId::Ip));
    typ(&mut app, "47.98.12.35");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Form, "refused: no preview");
    match &app.overlay {
        Some(Overlay::Alert { text, .. }) => {
            assert!(text.contains("cannot switch this one"), "{text}");
            assert!(text.contains("Nothing was sent"), "{text}");
        }
        o => panic!("an alert says why: {o:?}"),
    }
    let s = text(&app, 80, 24);
    assert!(s.contains("cannot switch"), "{s}");
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    // The other database can be switched: no warning line, a preview.
    focus(&mut app, Item::Side);
    key(&mut app, KeyCode::Right);
    assert_eq!(form(&app).side, Side::Destination);
    assert!(!text(&app, 80, 24).contains("Database Gateway"));
    choose_type(&mut app, InstanceType::Ecs);
    focus(&mut app, Item::Field(FieldId::InstanceId));
    typ(&mut app, "i-bp1newdest0001");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
}

#[test]
fn an_apsaradb_side_is_named_on_the_form() {
    let mut app = app();
    select_job(&mut app, RDS_JOB_ID);
    key(&mut app, KeyCode::Enter);
    assert!(
        !text(&app, 80, 24).contains("ApsaraDB"),
        "the source is ECS"
    );
    key(&mut app, KeyCode::Right);
    assert_eq!(form(&app).side, Side::Destination);
    let s = text(&app, 80, 24);
    assert!(s.contains("ApsaraDB RDS"), "{s}");
}

#[test]
fn a_local_instance_on_a_private_address_is_warned_not_refused() {
    let mut app = app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right); // destination: LocalInstance
    assert_eq!(form(&app).itype, InstanceType::LocalInstance);
    focus(&mut app, Item::Field(FieldId::Ip));
    typ(&mut app, "192.168.7.8");
    assert_eq!(form(&app).error_for(Item::Field(FieldId::Ip)), None);
    let s = text(&app, 80, 24);
    assert!(s.contains("! a private address"), "beside the field: {s}");
    assert!(
        s.contains("public IP"),
        "the reason, for the focused field: {s}"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview, "a warning does not block");
    let w = &app.preview.as_ref().unwrap().plan.warnings;
    assert!(
        w.iter()
            .any(|w| w.contains("192.168.7.8 is a private address")),
        "{w:?}"
    );
}

#[test]
fn job_ids_are_never_cut_in_the_table_or_the_confirm_box() {
    let long = "dtsq9w8e7r6t5y4u3i2o1p0asd";
    let mut jobs = demo_jobs();
    let mut copy = jobs
        .iter()
        .find(|j| j.id == ONE_WAY_JOB_ID)
        .unwrap()
        .clone();
    copy.id = long.into();
    jobs.insert(1, copy);
    let mut app = app_with_jobs(jobs);
    for (w, h) in [(70, 20), (80, 24), (60, 15), (120, 40)] {
        let s = text(&app, w, h);
        assert!(s.contains(long), "{w}x{h}:\n{s}");
        assert!(s.contains(TWO_WAY_JOB_ID), "{w}x{h}:\n{s}");
    }
    for id in [ONE_WAY_JOB_ID, long] {
        select_job(&mut app, id);
        app.screen = Screen::Jobs;
        key(&mut app, KeyCode::Enter);
        focus(&mut app, Item::Field(FieldId::Ip));
        ctrl(&mut app, 'u');
        typ(&mut app, "10.20.1.99");
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Preview);
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Confirm);
        for (w, h) in [(70, 20), (80, 24), (60, 15)] {
            let t = render(&app, w, h);
            let s = screen_text(&t);
            let line = s
                .lines()
                .find(|l| l.contains("Type the job id"))
                .unwrap_or_else(|| panic!("{w}x{h}:\n{s}"));
            assert!(line.contains(id), "{w}x{h}: {line}\n{s}");
            // The cursor sits in the input box, on the line after the prompt.
            let prompt_y = s
                .lines()
                .position(|l| l.contains("Type the job id"))
                .unwrap();
            let cur = t.backend().cursor_position();
            assert_eq!(cur.y as usize, prompt_y + 1, "{w}x{h}:\n{s}");
        }
        typ(&mut app, id);
        let s = text(&app, 60, 15);
        assert!(
            s.lines().any(|l| l.contains(&format!("[{id}"))),
            "what is typed is shown whole:\n{s}"
        );
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, Screen::Jobs);
    }
}

#[test]
fn a_failed_job_is_marked_without_colour() {
    let app = app();
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| view::render(&app, f, &Theme { color: false }))
        .unwrap();
    let s = screen_text(&t);
    let row = s.lines().find(|l| l.contains(FAILED_JOB_ID)).unwrap();
    assert!(row.contains("! Failed"), "{row}");
    let ok = s.lines().find(|l| l.contains(TWO_WAY_JOB_ID)).unwrap();
    assert!(!ok.contains('!'), "{ok}");
}

fn signature_error() -> ApiError {
    ApiError::Service {
        action: "DescribeSynchronizationJobs".into(),
        http_status: 400,
        code: "SignatureDoesNotMatch".into(),
        message: format!(
            "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3DLTAI****0001%26Action%3DDescribeSynchronizationJobs%26Format%3DJSON%26PageNum%3D1%26PageSize%3D30%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D{}%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-26T03%253A00%253A00Z%26Version%3D2020-01-01",
            "8f2a".repeat(16)
        ),
        request_id: Some("6BE56E05-0000-4000-8000-00000000ABCD".into()),
        recommend: None,
    }
}

#[test]
fn a_long_service_message_never_pushes_the_next_step_off_the_screen() {
    let mut app = App::new(header(Target::Production, false), vec![]);
    app.start();
    update(&mut app, loaded(Err(signature_error().into())));
    let next = app.jobs.error.as_ref().unwrap().next.clone().unwrap();
    let next_start: String = next.chars().take(30).collect();
    for (w, h) in [(80, 24), (70, 20), (60, 15), (120, 40)] {
        let s = text(&app, w, h);
        assert!(s.contains("SignatureDoesNotMatch"), "{w}x{h}:\n{s}");
        assert!(
            s.contains(&format!("next step: {next_start}")),
            "{w}x{h}:\n{s}"
        );
        assert!(s.contains("r retries"), "{w}x{h}:\n{s}");
        assert!(s.contains("Jobs (0)"), "the table stays: {w}x{h}:\n{s}");
    }
    // Where the message had to be cut, it says so and e shows all of it.
    assert!(text(&app, 70, 20).contains("e shows all"));
    // e: the whole message, to scroll.
    key(&mut app, KeyCode::Char('e'));
    match &app.overlay {
        Some(Overlay::Alert { text, .. }) => {
            assert!(text.contains("Version%3D2020-01-01"), "{text}");
            assert!(text.contains(&next), "{text}");
        }
        o => panic!("{o:?}"),
    }
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    // A short message is not cut and offers nothing more.
    let mut app = App::new(header(Target::Production, false), vec![]);
    app.start();
    update(
        &mut app,
        loaded(Err(ApiError::Service {
            action: "DescribeSynchronizationJobs".into(),
            http_status: 403,
            code: "Forbidden.RAM".into(),
            message: "User not authorized to operate on the specified resource.".into(),
            request_id: None,
            recommend: None,
        }
        .into())),
    );
    let s = text(&app, 80, 24);
    assert!(!s.contains("e shows all"), "{s}");
}

#[test]
fn help_shows_this_screens_keys_first_and_stops_at_its_end() {
    let mut app = app();
    resize(&mut app, 80, 24);
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    focus(&mut app, Item::Side);
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    let s = text(&app, 80, 24);
    let form = s
        .find("Switch form (this screen)")
        .expect("first, named so");
    for other in ["Jobs", "Preview", "Progress", "Command log"] {
        assert!(form < s.find(other).unwrap_or(usize::MAX), "{other}: {s}");
    }
    assert!(
        form < s.find("Text fields").unwrap(),
        "then the text keys: {s}"
    );
    for _ in 0..300 {
        key(&mut app, KeyCode::Down);
    }
    let Some(Overlay::Help { scroll }) = app.overlay.clone() else {
        panic!()
    };
    let s = text(&app, 80, 24);
    assert!(
        s.contains("copy RequestId"),
        "the last binding is on screen: {s}"
    );
    assert!(!s.contains("↓ more"), "{s}");
    key(&mut app, KeyCode::Up);
    let Some(Overlay::Help { scroll: after }) = app.overlay.clone() else {
        panic!()
    };
    assert_eq!(after + 1, scroll, "one Up scrolls back at once");
    // From the jobs list, the jobs keys come first.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Jobs);
    key(&mut app, KeyCode::Char('?'));
    let s = text(&app, 80, 24);
    assert!(s.contains("↓ more"), "{s}");
    let jobs = s.find("Jobs").unwrap();
    assert!(jobs < s.find("Switch form").unwrap_or(usize::MAX), "{s}");
}

#[test]
fn the_preview_shows_that_more_is_below_the_fold() {
    let mut app = app();
    resize(&mut app, 80, 24);
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    choose_type(&mut app, InstanceType::Ecs);
    focus(&mut app, Item::Field(FieldId::InstanceId));
    typ(&mut app, "i-bp1newdest0001");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Preview);
    let s = text(&app, 80, 24);
    assert!(s.contains("↓ more"), "{s}");
    assert!(
        text(&app, 120, 40).contains("Signed with"),
        "all fits at 120x40"
    );
    assert!(!text(&app, 120, 40).contains("↓ more"));
    for _ in 0..100 {
        key(&mut app, KeyCode::Down);
    }
    let s = text(&app, 80, 24);
    assert!(!s.contains("↓ more"), "{s}");
    assert!(s.contains("Signed with"), "the end is on screen: {s}");
    let at_end = app.preview.as_ref().unwrap().scroll;
    key(&mut app, KeyCode::Up);
    assert_eq!(app.preview.as_ref().unwrap().scroll + 1, at_end);
    assert!(text(&app, 80, 24).contains("↓ more"));
}

/// The screens of this file, as snapshots (reviewed by eye when they change).
#[test]
fn edge_screens() {
    let snap = |name: &str, app: &App, w: u16, h: u16| {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(app, w, h));
    };
    // A Database Gateway source: said before the fields.
    let jobs = jobs_with(TWO_WAY_JOB_ID, |j| {
        j.forward.source.instance_type = "dg".into();
        j.forward.source.instance_id = "dg-bp1gateway01".into();
    });
    let mut app = app_with_jobs(jobs);
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    snap("form_gateway_side", &app, 80, 24);
    // LocalInstance on a private address: a warning beside the field and below.
    let mut app = tui_common::app();
    select_job(&mut app, ONE_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Right);
    focus(&mut app, Item::Field(FieldId::Ip));
    typ(&mut app, "192.168.7.8");
    snap("form_private_address", &app, 80, 24);
    // A space typed inside an id.
    focus(&mut app, Item::Field(FieldId::InstanceId));
    typ(&mut app, "i-bp1 x");
    snap("form_space_in_id", &app, 80, 24);
    // A long job id: whole in the table and the confirm box.
    let long = "dtsq9w8e7r6t5y4u3i2o1p0asd";
    let mut jobs = demo_jobs();
    let mut copy = jobs
        .iter()
        .find(|j| j.id == ONE_WAY_JOB_ID)
        .unwrap()
        .clone();
    copy.id = long.into();
    jobs.insert(1, copy);
    let mut app = app_with_jobs(jobs);
    snap("jobs_long_id", &app, 70, 20);
    snap("jobs_long_id", &app, 80, 24);
    select_job(&mut app, long);
    key(&mut app, KeyCode::Enter);
    focus(&mut app, Item::Field(FieldId::Ip));
    typ(&mut app, "10.20.1.99");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "dtsq9w8e7r6t5y4u3i2o1");
    snap("confirm_long_id", &app, 80, 24);
    snap("confirm_long_id", &app, 70, 20);
    // A long service message: the next step stays.
    let mut app = App::new(header(Target::Production, false), vec![]);
    app.start();
    update(&mut app, loaded(Err(signature_error().into())));
    snap("jobs_error_long_message", &app, 80, 24);
    snap("jobs_error_long_message", &app, 70, 20);
    // A failed refresh keeps the rows: the message gives way to them and the details.
    let mut app = app_with_jobs(demo_jobs());
    update(&mut app, Msg::JobsStarted(1));
    update(
        &mut app,
        Msg::JobsLoaded {
            generation: 1,
            result: Err(signature_error().into()),
            two_way_error: None,
        },
    );
    snap("jobs_refresh_error_long_message", &app, 80, 24);
    // Help on the form: its keys first; at the end, no more marker.
    let mut app = tui_common::app();
    select_job(&mut app, TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    focus(&mut app, Item::Side);
    key(&mut app, KeyCode::Char('?'));
    snap("help_form", &app, 80, 24);
    for _ in 0..100 {
        key(&mut app, KeyCode::Down);
    }
    snap("help_form_end", &app, 80, 24);
}
