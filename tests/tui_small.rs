//! 80x24 and smaller: the next step after a refusal or failure is always visible, the
//! too-small message names the real minimum, text is cut with `…` at a word or field
//! boundary, and RequestIds are never cut in the command log.

mod tui_common;
use dts_switch::api::CallRecord;
use dts_switch::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use dts_switch::domain::rules::FieldId;
use dts_switch::sim::data::FAILING_JOB_ID;
use dts_switch::tui::app::{update, App, Effect, Msg, Overlay};
use dts_switch::tui::form::Item;
use ratatui::crossterm::event::KeyCode;
use std::time::Duration;
use tui_common::*;

fn ev(app: &mut App, pid: &str, event: ProgressEvent) {
    update(
        app,
        Msg::Exec {
            plan_id: pid.into(),
            event,
        },
    );
}

/// A switch of the failing job refused with a long, many-line message.
fn refused() -> App {
    let mut app = app();
    select_job(&mut app, FAILING_JOB_ID);
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, "39.100.7.99");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let id = app.preview.as_ref().unwrap().plan.job_id.clone();
    typ(&mut app, &id);
    let fx = key(&mut app, KeyCode::Enter);
    let Effect::Execute { plan, .. } = &fx[0] else {
        panic!("{fx:?}")
    };
    let pid = plan.id.clone();
    let call = plan.calls[0].clone();
    let error = [
        "refused: InvalidParameter.Endpoint: the specified endpoint is not valid for this job",
        "RequestId 0DD6B201-604B-4CAB-B6A8-4B2953B50009",
        "the service says: Endpoint.IP 39.100.7.99 is not in the whitelist of the DTS servers of region cn-hangzhou; add the DTS server addresses of the region to the database's whitelist or security group",
        "see https://help.aliyun.com/document_detail/84900.html for the addresses",
        "nothing was changed: the job still uses its old endpoint",
        "the call was not executed (the service refused it before running it)",
        "the old endpoint: LocalInstance 47.98.12.34:5432 (PostgreSQL); the new one: LocalInstance 39.100.7.99:5432",
        "checked at 03:00:09 UTC by the pre-write read of the direction's endpoint",
    ]
    .join("\n");
    ev(
        &mut app,
        &pid,
        ProgressEvent::Done {
            index: 0,
            outcome: CallOutcome {
                direction: call.direction,
                endpoint_type: call.endpoint_type,
                request_id: Some("0DD6B201-604B-4CAB-B6A8-4B2953B50009".into()),
                task_id: None,
                status: None,
                outcome: Outcome::Refused,
                error: Some(error),
                error_code: Some("InvalidParameter.Endpoint".into()),
                sent_at: None,
                note: None,
                ended_at: None,
                journal_error: None,
                error_kind: None,
                refusal: None,
                stopped: false,
            },
        },
    );
    update(&mut app, Msg::ExecFinished { plan_id: pid });
    app
}

#[test]
fn the_next_step_wins_over_the_detail_after_a_refusal() {
    let mut app = refused();
    let next_start = {
        let p = app.progress.as_ref().unwrap();
        let n = p.next_step();
        assert!(!n.is_empty());
        n.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    };
    let next_end = {
        let n = app.progress.as_ref().unwrap().next_step();
        n.split_whitespace().last().unwrap().to_string()
    };
    for (w, h) in [(80, 24), (70, 20), (60, 15)] {
        update(&mut app, Msg::Resize(w, h));
        let text = screen_text(&render(&app, w, h));
        insta::assert_snapshot!(format!("progress_refused_long_{w}x{h}"), text);
        assert!(
            text.contains(&format!("Next: {next_start}")),
            "{w}x{h}: {text}"
        );
        assert!(
            text.contains(&next_end),
            "the whole next step at {w}x{h}: {text}"
        );
        assert!(text.contains("↓ more: e shows all"), "{w}x{h}: {text}");
        assert!(
            text.contains('…'),
            "the cut detail says so at {w}x{h}: {text}"
        );
    }
    // e shows the detail and the next step whole.
    key(&mut app, KeyCode::Char('e'));
    let Some(Overlay::Alert { title, text, .. }) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!(title, "Call 1 in full");
    assert!(text.contains("nothing was changed: the job still uses its old endpoint"));
    assert!(text.contains("the call was not executed"));
    assert!(text.contains("Next: "), "{text}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, None);
}

#[test]
fn a_detail_that_fits_shows_no_marker() {
    let mut app = refused();
    let r = &mut app.progress.as_mut().unwrap().rows[0];
    r.error = Some("refused: InvalidParameter.Endpoint".into());
    let text = screen_text(&render(&app, 80, 24));
    assert!(!text.contains("↓ more"), "{text}");
    assert!(text.contains("Next: "), "{text}");
}

#[test]
fn the_too_small_message_names_the_real_minimum() {
    let app = app();
    for (w, h, short) in [
        (40, 10, "20 more columns and 5 more rows"),
        (59, 24, "1 more column"),
        (80, 14, "1 more row"),
    ] {
        let text = screen_text(&render(&app, w, h));
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            one_line.contains(&format!("have {w}x{h}, need at least 60x15 ({short})")),
            "{one_line}"
        );
        assert!(!one_line.contains("need 80x24"), "{one_line}");
    }
    // At the minimum it draws the screen.
    let text = screen_text(&render(&app, 60, 15));
    assert!(text.contains("Jobs (12)"), "{text}");
}

/// The command log with RequestIds of every length the services use, and none.
fn with_log() -> App {
    let mut app = app();
    for (i, (action, result, rid)) in [
        (
            "DescribeSynchronizationJobs",
            "ok",
            Some("0DD6B201-604B-4CAB-B6A8-4B2953B50001"),
        ),
        (
            "SwitchSynchronizationEndpoint",
            "Throttling.User",
            Some("7C3A64B4-91E1-5E4C-9A2F-0C1D2E3F4A5B"),
        ),
        ("DescribeEndpointSwitchStatus", "ok", Some("4F1E2D3C")),
        ("DescribeDtsJobs", "timeout", None),
        (
            "ModifyDtsJobEndpoint",
            "ok",
            Some("A1B2C3D4-E5F6-4789-ABCD-EF0123456789-extra-long-suffix"),
        ),
    ]
    .iter()
    .enumerate()
    {
        update(
            &mut app,
            Msg::Api(
                CallRecord {
                    action: action.to_string(),
                    attempt: 1,
                    request_id: rid.map(str::to_string),
                    result: result.to_string(),
                    elapsed: Duration::from_millis(40 + i as u64),
                    will_retry: i == 1,
                },
                format!("03:00:0{i}"),
            ),
        );
    }
    key(&mut app, KeyCode::Char('L'));
    app
}

/// The screen's text with the box borders and blanks taken out, rows joined: a
/// RequestId wrapped across rows reads whole in it.
fn joined(text: &str) -> String {
    text.lines()
        .map(|l| {
            l.trim_matches(|c: char| c == '│' || c == ' ')
                .split_whitespace()
                .last()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn request_ids_are_never_cut_in_the_command_log() {
    let mut app = with_log();
    let ids = [
        "0DD6B201-604B-4CAB-B6A8-4B2953B50001",
        "7C3A64B4-91E1-5E4C-9A2F-0C1D2E3F4A5B",
        "4F1E2D3C",
        "-",
        "A1B2C3D4-E5F6-4789-ABCD-EF0123456789-extra-long-suffix",
    ];
    for (w, h) in [(80, 24), (60, 15), (120, 40)] {
        update(&mut app, Msg::Resize(w, h));
        app.log_selected = 0;
        let text = screen_text(&render(&app, w, h));
        insta::assert_snapshot!(format!("log_request_ids_{w}x{h}"), text);
        // Each call in turn selected: its RequestId whole in the table (wrapped) and
        // on the line below it.
        for (i, rid) in ids.iter().enumerate() {
            app.log_selected = i;
            let text = screen_text(&render(&app, w, h));
            let j = joined(&text);
            assert!(
                j.contains(rid) || text.contains(rid),
                "{rid} whole at {w}x{h}:\n{text}"
            );
            let rows: Vec<&str> = text.lines().collect();
            let below = format!("{} {}", rows[h as usize - 4], rows[h as usize - 3])
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(below.contains(&format!("RequestId {rid}")), "{below}");
            assert!(!text.contains("B5000…"), "{text}");
        }
    }
    // The selected call's line under the table: its RequestId whole, the rest cut at a
    // field boundary.
    update(&mut app, Msg::Resize(60, 15));
    app.log_selected = 1;
    let text = screen_text(&render(&app, 60, 15));
    let line = text.lines().nth(12).unwrap();
    assert!(
        line.starts_with("RequestId 7C3A64B4-91E1-5E4C-9A2F-0C1D2E3F4A5B"),
        "{text}"
    );
}

/// Every row of the screen, its text between the box borders.
fn rows_of(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            l.trim_matches(|c: char| "│┌┐└┘─".contains(c))
                .trim_end()
                .to_string()
        })
        .collect()
}

#[test]
fn at_60x15_text_is_cut_at_a_word_or_field_with_an_ellipsis() {
    let mut app = app();
    update(&mut app, Msg::Resize(60, 15));
    let jobs = screen_text(&render(&app, 60, 15));
    insta::assert_snapshot!("jobs_60x15", jobs);
    assert!(
        jobs.contains("users-pg-analy…"),
        "a cut name says so: {jobs}"
    );
    select_job(&mut app, dts_switch::sim::data::TWO_WAY_JOB_ID);
    key(&mut app, KeyCode::Enter);
    let form = screen_text(&render(&app, 60, 15));
    insta::assert_snapshot!("form_60x15", form);
    for half in ["· tw", "(MyS", "ECS insta", "over Ex"] {
        assert!(!form.contains(half), "{half:?} cut mid-token: {form}");
    }
    // Cut rows end with a whole word and ` …`.
    assert!(
        form.contains("│2 How does DTS reach the new database?  "),
        "a row that fits is whole: {form}"
    );
    for row in rows_of(&form).iter().skip(2).take(10) {
        let last = row.split_whitespace().last().unwrap_or("");
        assert!(
            !last.ends_with('…') || last == "…",
            "a word cut mid-token: {row:?}"
        );
    }
    // An endpoint's port is never cut (it would read as another port): the type gives
    // way first.
    let mut wide = tui_common::app();
    update(&mut wide, Msg::Resize(120, 40));
    let jobs = screen_text(&render(&wide, 120, 40));
    assert!(jobs.contains("i-bp1redis0a0001:6379 "), "{jobs}");
    assert!(!jobs.contains(":637 "), "{jobs}");
    let mut app = refused();
    update(&mut app, Msg::Resize(60, 15));
    let progress = screen_text(&render(&app, 60, 15));
    assert!(!progress.contains("· sto"), "{progress}");
}

#[test]
fn every_size_from_the_minimum_draws_the_next_step_and_never_panics() {
    let mut progress = refused();
    let mut log = with_log();
    for w in [1u16, 10, 40, 59, 60, 61, 67, 79, 80, 81, 109, 110] {
        for h in [1u16, 3, 14, 15, 16, 19, 23, 24, 25, 40] {
            update(&mut progress, Msg::Resize(w, h));
            let text = screen_text(&render(&progress, w, h));
            if w >= 60 && h >= 15 {
                assert!(text.contains("Next: "), "{w}x{h}: {text}");
            }
            update(&mut log, Msg::Resize(w, h));
            for sel in 0..5 {
                log.log_selected = sel;
                render(&log, w, h);
            }
        }
    }
}
