//! The ticket-ready block in the TUI: `t` on the progress screen copies (OSC 52) the
//! block `switch` prints at its end, rendered by the same function.

mod tui_common;
use dts_switch::domain::executor::{CallOutcome, Outcome, ProgressEvent};
use dts_switch::domain::guard::endpoint_words;
use dts_switch::domain::plan::{Direction, Plan};
use dts_switch::domain::rules::FieldId;
use dts_switch::domain::verify::{DirectionVerdict, Verdict, VerifyEvent};
use dts_switch::sim::data::FAILING_JOB_ID;
use dts_switch::tui::app::{update, App, Effect, Msg, Screen};
use dts_switch::tui::form::Item;
use ratatui::crossterm::event::KeyCode;
use std::time::Duration;
use tui_common::*;

/// Confirms a one-call switch of the simulator's failing job; returns its plan.
fn confirmed(app: &mut App) -> Plan {
    select_job(app, FAILING_JOB_ID);
    key(app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(app, "39.100.7.99");
    key(app, KeyCode::Enter);
    key(app, KeyCode::Enter);
    typ(app, FAILING_JOB_ID);
    let fx = key(app, KeyCode::Enter);
    let Effect::Execute { plan, .. } = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(app.screen, Screen::Progress);
    plan.clone()
}

fn outcome(plan: &Plan, o: Outcome, error: Option<&str>) -> CallOutcome {
    let c = &plan.calls[0];
    CallOutcome {
        direction: c.direction,
        endpoint_type: c.endpoint_type,
        request_id: Some("0DD6B201-604B-4CAB-B6A8-4B2953B50002".into()),
        task_id: Some("730002".into()),
        status: Some(
            if o == Outcome::Finished {
                "Finished"
            } else {
                "Failed"
            }
            .into(),
        ),
        outcome: o,
        error: error.map(str::to_string),
        error_code: None,
        sent_at: Some("2026-12-04T21:50:01Z".into()),
        note: None,
        ended_at: Some("2026-12-04T21:50:06Z".into()),
        journal_error: None,
        error_kind: None,
        refusal: None,
        stopped: false,
    }
}

/// The executor's events of the one call, ending with `o`.
fn run(app: &mut App, plan: &Plan, o: &CallOutcome) {
    let pid = plan.id.clone();
    for event in [
        ProgressEvent::Sending {
            index: 0,
            call: Box::new(plan.calls[0].clone()),
            action: plan.family.action(),
            at: "2026-12-04T21:50:01Z".into(),
        },
        ProgressEvent::Accepted {
            index: 0,
            request_id: o.request_id.clone(),
            task_id: o.task_id.clone(),
        },
        ProgressEvent::Done {
            index: 0,
            outcome: o.clone(),
        },
    ] {
        update(
            app,
            Msg::Exec {
                plan_id: pid.clone(),
                event,
            },
        );
    }
}

fn copied(fx: &[Effect]) -> String {
    match fx {
        [Effect::Copy(text)] => text.clone(),
        _ => panic!("one copy expected: {fx:?}"),
    }
}

#[test]
fn t_copies_the_ticket_block_of_a_failed_switch() {
    let mut app = app();
    let plan = confirmed(&mut app);
    // While it runs there is no block yet (it would not say how the switch ended).
    assert!(key(&mut app, KeyCode::Char('t')).is_empty());
    assert_eq!(
        app.notice.as_deref(),
        Some(dts_switch::tui::progress::TICKET_NOT_YET)
    );
    let o = outcome(
        &plan,
        Outcome::Failed,
        Some("the switch task failed: DTS-31009"),
    );
    run(&mut app, &plan, &o);
    update(
        &mut app,
        Msg::ExecFinished {
            plan_id: plan.id.clone(),
        },
    );
    assert!(!app.busy());
    let text = copied(&key(&mut app, KeyCode::Char('t')));
    let c = &plan.calls[0];
    assert!(text.starts_with("--- for the ticket ---\n"), "{text}");
    assert!(text.contains(&format!("Job {FAILING_JOB_ID} (")), "{text}");
    assert!(
        text.contains(&format!(
            "{} → {}",
            endpoint_words(&c.old),
            endpoint_words(&c.new)
        )),
        "{text}"
    );
    assert!(
        text.contains("RequestId 0DD6B201-604B-4CAB-B6A8-4B2953B50002 · TaskId 730002"),
        "{text}"
    );
    assert!(text.contains("sent 2026-12-04 21:50:01 UTC"), "{text}");
    assert!(
        text.contains("Verification: none (not every call finished)"),
        "{text}"
    );
    assert!(
        text.contains("Result: failed or refused · exit 1"),
        "{text}"
    );
    // The very block `switch` prints for the same run.
    assert_eq!(
        text,
        dts_switch::present::ticket_block(&plan, &[o], 0, None, 1)
    );
    assert_eq!(
        app.notice,
        Some(format!(
            "copied the ticket block ({} lines)",
            text.lines().count()
        ))
    );
}

#[test]
fn t_copies_the_ticket_block_with_the_verdict_after_the_watch() {
    let mut app = app();
    let plan = confirmed(&mut app);
    let o = outcome(&plan, Outcome::Finished, None);
    run(&mut app, &plan, &o);
    let fx = update(
        &mut app,
        Msg::ExecFinished {
            plan_id: plan.id.clone(),
        },
    );
    assert!(fx.contains(&Effect::Verify(plan.clone())), "{fx:?}");
    // Watching: not yet.
    assert!(!app.available(dts_switch::tui::keymap::Action::Ticket));
    let verdict = DirectionVerdict {
        direction: Direction::Forward,
        verdict: Verdict::Healthy,
        reason: "Synchronizing: delay 0s, under 60s".into(),
        last: None,
        samples: 3,
    };
    for event in [
        VerifyEvent::Started {
            directions: vec![Direction::Forward],
            healthy_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(600),
        },
        VerifyEvent::Verdict(verdict.clone()),
    ] {
        update(
            &mut app,
            Msg::Verify {
                plan_id: plan.id.clone(),
                event,
            },
        );
    }
    assert!(app.available(dts_switch::tui::keymap::Action::Ticket));
    let text = copied(&key(&mut app, KeyCode::Char('t')));
    assert!(
        text.contains("Verification: Forward: HEALTHY · Synchronizing: delay 0s, under 60s"),
        "{text}"
    );
    assert!(text.contains("Result: done · exit 0"), "{text}");
    assert_eq!(
        text,
        dts_switch::present::ticket_block(&plan, &[o], 0, Some(&[verdict]), 0)
    );
    // The footer offers it.
    let screen = screen_text(&render(&app, 100, 30));
    assert!(screen.contains("t copy ticket"), "{screen}");
}

/// The TUI's exit-code equivalent on the ticket decides as `switch`'s exit code.
#[test]
fn the_tickets_exit_code_is_the_clis() {
    let mut app = app();
    let plan = confirmed(&mut app);
    let healthy = DirectionVerdict {
        direction: Direction::Forward,
        verdict: Verdict::Healthy,
        reason: "ok".into(),
        last: None,
        samples: 1,
    };
    let failed = DirectionVerdict {
        verdict: Verdict::Failed,
        ..healthy.clone()
    };
    for o in [
        Outcome::Finished,
        Outcome::Failed,
        Outcome::Refused,
        Outcome::Unknown,
        Outcome::StillRunning,
        Outcome::NotSent,
        Outcome::Sent,
    ] {
        let mut out = outcome(&plan, o, None);
        let cli = dts_switch::cli::exit::of_calls(std::slice::from_ref(&out));
        assert_eq!(
            dts_switch::present::exit_code(std::slice::from_ref(&out), None),
            cli,
            "{o:?}"
        );
        let v = [failed.clone()];
        // Not healthy after calls that ended well: 4 (a call sent and not followed
        // ends with "follow it", as in `switch`).
        let want = if cli == 0 && o != Outcome::Sent {
            4
        } else {
            cli
        };
        assert_eq!(
            dts_switch::present::exit_code(std::slice::from_ref(&out), Some(&v)),
            want,
            "{o:?} then not healthy"
        );
        out.journal_error = Some("disk full".into());
        assert_eq!(
            dts_switch::present::exit_code(std::slice::from_ref(&out), None),
            dts_switch::cli::exit::of_calls(std::slice::from_ref(&out)),
            "{o:?} with a journal error"
        );
    }
    let ok = outcome(&plan, Outcome::Finished, None);
    assert_eq!(dts_switch::present::exit_code(&[ok], Some(&[healthy])), 0);
}

/// On the batch progress screen, `t` copies the selected job's block once the batch
/// ended: its run's calls, verdicts and result, as `switch` would print them.
#[test]
fn t_on_the_batch_progress_copies_the_selected_jobs_block() {
    use dts_switch::sim::data_fleet::*;
    let fl = Fleet::start();
    let mut app = fl.found();
    key(&mut app, KeyCode::Enter);
    app.form
        .as_mut()
        .unwrap()
        .focus_item(Item::Field(FieldId::Ip));
    typ(&mut app, FLEET_NEW_IP);
    let fx = key(&mut app, KeyCode::Enter);
    fl.run_plans(&mut app, &fx);
    assert_eq!(app.screen, Screen::BatchPreview, "{:?}", app.overlay);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "15");
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::BatchProgress);
    // Running: no block yet.
    assert!(key(&mut app, KeyCode::Char('t')).is_empty());
    assert!(app
        .notice
        .as_deref()
        .unwrap()
        .contains("when the batch has ended"));
    for m in fl.batch_msgs(&fx) {
        update(&mut app, m);
    }
    assert!(!app.busy());
    let b = app.fleet.batch.as_ref().unwrap();
    let i = b
        .jobs
        .iter()
        .position(|j| j.state.plan.job_id == FLEET_LEGACY_TWO_WAY)
        .unwrap();
    let job = b.jobs[i].clone();
    app.fleet.batch.as_mut().unwrap().selected = i;
    assert!(app.available(dts_switch::tui::keymap::Action::Ticket));
    let text = copied(&key(&mut app, KeyCode::Char('t')));
    let plan = &job.state.plan;
    assert!(
        text.contains(&format!("Job {FLEET_LEGACY_TWO_WAY} (")),
        "{text}"
    );
    for (k, c) in plan.calls.iter().enumerate() {
        assert!(
            text.contains(&format!(
                "Call {}/{} {} ",
                k + 1,
                plan.calls.len(),
                c.direction
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "{} → {}",
                endpoint_words(&c.old),
                endpoint_words(&c.new)
            )),
            "{text}"
        );
    }
    assert!(text.contains("RequestId "), "{text}");
    assert!(text.contains("Verification: Forward: HEALTHY"), "{text}");
    assert!(text.contains("Result: done · exit 0"), "{text}");
    let run = job.run.as_ref().unwrap();
    assert_eq!(
        text,
        dts_switch::present::ticket_block(
            plan,
            &run.outcomes,
            run.start,
            run.verdicts.as_deref(),
            0
        )
    );
    assert!(app
        .notice
        .as_deref()
        .unwrap()
        .starts_with("copied the ticket block ("));
}
