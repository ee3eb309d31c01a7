//! The write-ahead journal: kill mid-switch and resume, pending checks, history.

mod common;
use common::*;
use dts_switch::sim::data::{ONE_WAY_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::sim::{Faults, SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::time::{Duration, Instant};

fn slow_sim() -> Simulator {
    Simulator::start_background(SimConfig {
        step: Duration::from_millis(400),
        ..SimConfig::default()
    })
}

fn journal_text(env: &Env) -> String {
    std::fs::read_to_string(env.data().join("journal.jsonl")).unwrap_or_default()
}

/// Starts `switch` and SIGKILLs it right after the service accepted the first call.
fn start_and_kill_after_accept(env: &Env, sim: &Simulator, args: &[&str]) {
    let mut c = env.command_at(&sim.url());
    c.args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = c.spawn().unwrap();
    let t0 = Instant::now();
    while !journal_text(env).contains(r#""type":"accepted""#) {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "switch never accepted"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !journal_text(env).contains(r#""type":"done""#),
        "killed before the task ended"
    );
}

fn one_way_switch() -> Vec<&'static str> {
    vec![
        "switch",
        "--job",
        ONE_WAY_JOB_ID,
        "--database",
        "destination",
        "--instance-type",
        "LocalInstance",
        "--ip",
        "8.136.20.77",
        "--port",
        "5432",
        "--yes",
        "--poll-interval",
        "100ms",
    ]
}

#[test]
fn sigkill_after_send_then_resume_follows_the_task_without_resending() {
    let sim = slow_sim();
    let env = Env::new();
    start_and_kill_after_accept(&env, &sim, &one_way_switch());
    assert_eq!(sim.requests_of(SWITCH).len(), 1);

    // A new switch on the same job is refused while the first is unfinished.
    let out = env.run(&sim, &one_way_switch());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("dts-switch resume"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);

    let out = env.run(&sim, &["resume", "--poll-interval", "50ms"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Finished"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1, "followed, never resent");

    let out = env.run(&sim, &["history", "--output", "json"]);
    let h = out.json();
    assert_eq!(h[0]["calls"][0]["outcome"], "finished");
    assert_eq!(h[0]["pending"], false);

    let out = env.run(&sim, &["resume"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Nothing to resume"), "{out:?}");
}

#[test]
fn two_way_killed_after_first_send_resume_continues_with_the_second_call() {
    let sim = slow_sim();
    let env = Env::new();
    let mut args = two_way_args("switch");
    args.extend(["--yes", "--poll-interval", "100ms"].map(String::from));
    start_and_kill_after_accept(&env, &sim, &strs(&args));
    assert_eq!(sim.requests_of(SWITCH).len(), 1);

    // Without a terminal and without --yes the second call is not sent.
    let out = env.run(&sim, &["resume", "--poll-interval", "50ms"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.contains("Call 2 of 2"),
        "shows the preview: {out:?}"
    );
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);

    let out = env.run(&sim, &["resume", "--yes", "--poll-interval", "50ms"]);
    assert_eq!(out.code, 0, "{out:?}");
    let sent = sim.requests_of(SWITCH);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].params["SynchronizationDirection"], "Forward");
    assert_eq!(sent[1].params["SynchronizationDirection"], "Reverse");
    assert_eq!(sent[1].params["Endpoint.Type"], "Source");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["calls"][0]["outcome"], "finished");
    assert_eq!(h[0]["calls"][1]["outcome"], "finished");
    assert_eq!(
        h.as_array().unwrap().len(),
        1,
        "one plan, resumed under its own id"
    );
}

#[test]
fn unknown_outcome_is_never_resent_and_can_be_dismissed() {
    let sim = sim_with(
        12,
        Faults {
            drop_switch_answer: true,
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &one_way_switch());
    assert_eq!(out.code, 3, "{out:?}");
    let out = env.run(&sim, &["resume", "--yes"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("never resent automatically"), "{out:?}");
    assert!(out.stdout.contains("--dismiss"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
    let plan_id = env.run(&sim, &["history", "--output", "json"]).json()[0]["plan_id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = env.run(&sim, &["resume", "--dismiss", &plan_id[..8]]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = env.run(&sim, &["resume"]);
    assert!(out.stdout.contains("Nothing to resume"), "{out:?}");
}

#[test]
fn corrupt_last_line_is_reported_and_skipped() {
    let sim = sim();
    let env = Env::new();
    let out = env.run(&sim, &one_way_switch());
    assert_eq!(out.code, 0, "{out:?}");
    let path = env.data().join("journal.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    let lines = text.lines().count();
    text.push_str(r#"{"type":"status","plan_id":"x","ind"#);
    std::fs::write(&path, text).unwrap();
    let out = env.run(&sim, &["history"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(&format!("line {}", lines + 1)),
        "{out:?}"
    );
    assert!(out.stdout.contains(ONE_WAY_JOB_ID), "{out:?}");
    // A line that cannot be read may hide a switch: every switch is refused until the
    // operator looks and accepts it.
    let mut switch_args = two_way_args("switch");
    switch_args.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
    let switch = strs(&switch_args);
    let before = sim.requests_of(SWITCH).len();
    let out = env.run(&sim, &switch);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("cannot be read") && out.stderr.contains("--accept-damaged"),
        "{out:?}"
    );
    assert_eq!(sim.requests_of(SWITCH).len(), before, "nothing was sent");
    let out = env.run(&sim, &["resume", "--accept-damaged"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("accepted"), "{out:?}");
    // And a new switch still journals after the damaged line.
    let out = env.run(
        &sim,
        &strs(&{
            let mut a = two_way_args("switch");
            a.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
            a
        }),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h.as_array().unwrap().len(), 2);
}

#[test]
fn history_is_a_ticket_ready_transcript_without_secrets() {
    let sim = sim();
    let env = Env::new();
    let mut a = two_way_args("switch");
    a.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
    assert_eq!(env.run(&sim, &strs(&a)).code, 0);
    let md = env.run(&sim, &["history", "--output", "markdown"]);
    assert_eq!(md.code, 0, "{md:?}");
    for needle in [
        TWO_WAY_JOB_ID,
        "| 1 | Forward | Destination",
        "| 2 | Reverse | Source",
        "LTAI****0001",
        "Endpoint.InstanceId=i-bp1newdest0001",
        "region `cn-hangzhou`",
    ] {
        assert!(md.stdout.contains(needle), "{needle}: {md:?}");
    }
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    for c in h[0]["calls"].as_array().unwrap() {
        assert!(c["task_id"].as_str().is_some_and(|t| !t.is_empty()), "{c}");
        assert!(
            c["request_id"].as_str().is_some_and(|t| !t.is_empty()),
            "{c}"
        );
        assert_eq!(c["outcome"], "finished");
    }
    assert_eq!(h[0]["access_key_id"], "LTAI****0001");
    let text = env.run(&sim, &["history", "--job", TWO_WAY_JOB_ID]).stdout;
    assert!(text.contains("statuses: NotStarted"), "{text}");
    let journal = journal_text(&env);
    assert!(!journal.contains(DEMO_ACCESS_KEY_SECRET));
    assert!(
        !journal.contains(DEMO_ACCESS_KEY_ID),
        "AccessKeyId is masked in the journal"
    );
    assert!(!journal.contains("Signature"));
}

#[test]
fn unwritable_journal_refuses_to_send() {
    let sim = sim();
    let env = Env::new();
    let dir = env.dir.path().join("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = one_way_switch();
    let d = dir.to_str().unwrap().to_string();
    args.extend(["--journal", &d]);
    let out = env.run(&sim, &args);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("journal"), "{out:?}");
    assert!(
        sim.requests_of(SWITCH).is_empty(),
        "nothing sent without a journal"
    );
}

/// Every fault mode: the right exit code, a journal that says what happened, and never a
/// duplicated switch request.
#[test]
fn each_fault_leaves_a_consistent_journal_and_no_duplicate_switch() {
    use dts_switch::sim::data::FAILING_JOB_ID;
    let on_switch = |f: Faults| Faults {
        only_action: Some(SWITCH.into()),
        ..f
    };
    let cases: Vec<(&str, Faults, &str, i32, &str, usize)> = vec![
        // name, faults, job, exit, journal outcome of call 1, switch requests executed or dropped
        (
            "throttled once",
            on_switch(Faults {
                throttle: 1,
                ..Faults::default()
            }),
            ONE_WAY_JOB_ID,
            0,
            "finished",
            1,
        ),
        (
            "5xx",
            on_switch(Faults {
                server_errors: 1,
                ..Faults::default()
            }),
            ONE_WAY_JOB_ID,
            3,
            "unknown",
            0,
        ),
        (
            "slow beyond timeout",
            on_switch(Faults {
                delay: Duration::from_secs(3),
                ..Faults::default()
            }),
            ONE_WAY_JOB_ID,
            3,
            "unknown",
            1,
        ),
        (
            "malformed answer",
            on_switch(Faults {
                malformed: 1,
                ..Faults::default()
            }),
            ONE_WAY_JOB_ID,
            3,
            "unknown",
            0,
        ),
        (
            "dropped answer",
            Faults {
                drop_switch_answer: true,
                ..Faults::default()
            },
            ONE_WAY_JOB_ID,
            3,
            "unknown",
            1,
        ),
        (
            "task fails",
            Faults::default(),
            FAILING_JOB_ID,
            1,
            "failed",
            1,
        ),
    ];
    for (name, faults, job, code, outcome, executed) in cases {
        let sim = Simulator::start_background(SimConfig {
            step: Duration::from_millis(100),
            faults,
            ..SimConfig::default()
        });
        let env = Env::new();
        let ip = if job == FAILING_JOB_ID {
            "39.100.7.99"
        } else {
            "8.136.20.77"
        };
        let out = env.run(
            &sim,
            &[
                "switch",
                "--job",
                job,
                "--database",
                "source",
                "--instance-type",
                "LocalInstance",
                "--ip",
                ip,
                "--port",
                "5432",
                "--yes",
                "--poll-interval",
                "50ms",
                "--timeout",
                "1s",
            ],
        );
        assert_eq!(out.code, code, "{name}: {out:?}");
        assert!(!out.all().contains("panicked"), "{name}: {out:?}");
        if code != 0 {
            assert!(
                out.stdout.contains("Next step"),
                "{name}: a next step is named: {out:?}"
            );
        }
        let sent = sim.requests_of(SWITCH);
        let executed_or_dropped = sent
            .iter()
            .filter(|r| r.outcome == "executed" || r.outcome == "dropped")
            .count();
        // Malformed and 5xx answers are rejected by the simulator before or instead of
        // executing; a slow answer executes once and answers late.
        assert!(
            executed_or_dropped <= 1,
            "{name}: never two switches: {sent:?}"
        );
        assert_eq!(executed_or_dropped, executed, "{name}: {sent:?}");
        let not_throttled = sent
            .iter()
            .filter(|r| !r.outcome.starts_with("rejected:Throttling"))
            .count();
        assert_eq!(
            not_throttled, 1,
            "{name}: one request reached the service (throttled ones were refused): {sent:?}"
        );
        let h = env.run(&sim, &["history", "--output", "json"]).json();
        assert_eq!(h[0]["calls"][0]["outcome"], outcome, "{name}: {h}");
        assert!(
            h[0]["calls"][0]["sent_at"].is_string(),
            "{name}: the intent was recorded: {h}"
        );
        assert_eq!(h[0]["pending"], outcome == "unknown", "{name}: {h}");
    }
}

#[test]
fn connection_refused_before_anything_is_planned_leaves_no_journal_entry() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let env = Env::new();
    let out = Out::from(
        env.command_at(&format!("http://127.0.0.1:{port}"))
            .args(one_way_switch())
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("could not connect"), "{out:?}");
    assert!(
        journal_text(&env).is_empty(),
        "nothing planned, nothing journalled"
    );
}

#[test]
fn sigterm_while_following_says_how_to_resume() {
    let sim = slow_sim();
    let env = Env::new();
    let mut c = env.command_at(&sim.url());
    c.args(one_way_switch())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().unwrap();
    let t0 = Instant::now();
    while !journal_text(&env).contains(r#""type":"accepted""#) {
        assert!(t0.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(10));
    }
    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = Out::from(child.wait_with_output().unwrap());
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("SIGTERM")
            && out.stderr.contains("dts-switch --endpoint")
            && out.stderr.contains(" resume"),
        "{out:?}"
    );
    let out = env.run(&sim, &["resume", "--poll-interval", "50ms"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
}

#[test]
fn several_processes_share_one_journal_without_corrupting_it() {
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(100),
        ..SimConfig::default()
    });
    let env = Env::new();
    let jobs = [
        ONE_WAY_JOB_ID,
        "dtse9f8g7h6j5k4m04",
        "dtsk4m5n6p7q8r9s10",
        "dtsn3p4q5r6s7t8u12",
    ];
    let children: Vec<_> = jobs
        .iter()
        .enumerate()
        .map(|(i, job)| {
            let mut c = env.command_at(&sim.url());
            c.args([
                "switch",
                "--job",
                job,
                "--database",
                "source",
                "--instance-type",
                "LocalInstance",
                "--ip",
                &format!("47.1.1.{}", i + 1),
                "--port",
                "3306",
                "--yes",
                "--poll-interval",
                "20ms",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for ch in children {
        let out = Out::from(ch.wait_with_output().unwrap());
        assert_eq!(out.code, 0, "{out:?}");
    }
    let out = env.run(&sim, &["history", "--output", "json"]);
    assert!(out.stderr.is_empty(), "no skipped lines: {out:?}");
    let h = out.json();
    assert_eq!(h.as_array().unwrap().len(), 4);
    for p in h.as_array().unwrap() {
        assert_eq!(p["calls"][0]["outcome"], "finished", "{p}");
    }
    for line in journal_text(&env).lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("corrupt line {line:?}: {e}"));
    }
    assert_eq!(sim.requests_of(SWITCH).len(), 4);
}
