//! Done means replicating again: after the switch, each switched direction is watched
//! until it is healthy, fails, or the deadline passes; the verdict is journalled.

mod common;
use common::*;
use dts_switch::sim::{Faults, SimConfig, Simulator};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn sim(step_ms: u64, fail_after_switch: bool) -> Simulator {
    Simulator::start_background(SimConfig {
        step: Duration::from_millis(step_ms),
        faults: Faults {
            fail_after_switch,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
}

fn args(extra: &[&str]) -> Vec<String> {
    let mut a = two_way_args("switch");
    a.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn a_healthy_job_after_the_switch_exits_0_with_a_verdict_per_direction() {
    let sim = sim(150, false);
    let env = Env::new();
    let out = env.run(&sim, &strs(&args(&["--output", "json"])));
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["result"], "finished");
    let ver = v["verification"].as_array().unwrap();
    assert_eq!(ver.len(), 2);
    for (d, dir) in ver.iter().zip(["Forward", "Reverse"]) {
        assert_eq!(d["direction"], dir);
        assert_eq!(d["verdict"], "healthy", "{d}");
        assert!(d["delay_secs"].as_f64().unwrap() <= 60.0, "{d}");
    }
    // One line per change on stderr; the catch-up is seen.
    assert!(out.stderr.contains("watching the job"), "{out:?}");
    assert!(out.stderr.contains("HEALTHY"), "{out:?}");
    assert!(
        !sim.requests_of("DescribeSynchronizationJobStatus")
            .is_empty(),
        "verified with DescribeSynchronizationJobStatus"
    );
    // Journalled, and in history (all formats).
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["verification"][0]["verdict"], "healthy");
    assert_eq!(h[0]["verification"][1]["verdict"], "healthy");
    let t = env.run(&sim, &["history"]);
    assert!(
        t.stdout.contains("verified") && t.stdout.contains("healthy"),
        "{t:?}"
    );
    let m = env.run(&sim, &["history", "--output", "markdown"]);
    assert!(
        m.stdout.contains("| Forward |") && m.stdout.contains("healthy"),
        "{m:?}"
    );
}

#[test]
fn a_job_failing_after_the_switch_exits_4_and_says_why() {
    let sim = sim(100, true);
    let env = Env::new();
    let out = env.run(&sim, &strs(&args(&[])));
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.all().contains("FAILED after the switch"), "{out:?}");
    assert!(
        out.all().contains("DTS-070211"),
        "the job's ErrorMessage: {out:?}"
    );
    assert!(
        out.stdout
            .contains("Check that DTS can reach the new database"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("Done:"), "{out:?}");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["verification"][0]["verdict"], "failed");
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        2,
        "the switch itself went through"
    );
}

#[test]
fn the_deadline_gives_exit_4_and_no_verify_skips_it() {
    // Catch-up takes a few 1 s steps; a 400 ms deadline passes first.
    let sim = sim(1000, false);
    let env = Env::new();
    let mut a = two_way_args("switch");
    a.extend(
        [
            "--yes",
            "--only-direction",
            "forward",
            "--poll-interval",
            "100ms",
            "--verify-timeout",
            "400ms",
        ]
        .map(String::from),
    );
    let out = env.run(&sim, &strs(&a));
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.all().contains("NOT HEALTHY"), "{out:?}");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["verification"][0]["verdict"], "timed-out");
    // As exit 4 says, resume watches it again (nothing is sent).
    let out = env.run(&sim, &["resume", "--poll-interval", "200ms"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("HEALTHY"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["verification"][0]["verdict"], "healthy");
    let out = env.run(&sim, &["resume"]);
    assert!(out.stdout.contains("Nothing to resume"), "{out:?}");

    let sim = sim_fast();
    let env = Env::new();
    let out = env.run(&sim, &strs(&args(&["--no-verify"])));
    assert_eq!(out.code, 0, "{out:?}");
    // Each direction is read right before its switch (the guard's check), never after
    // the last one.
    let switched = sim.requests_of(SWITCH).last().unwrap().seq;
    assert!(sim
        .requests_of("DescribeSynchronizationJobStatus")
        .iter()
        .all(|r| r.seq < switched));
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["verification"][0]["verdict"], "skipped");
}

fn sim_fast() -> Simulator {
    sim(100, false)
}

#[test]
fn resume_goes_on_with_an_interrupted_verification() {
    // Slow catch-up: the switch is killed while it watches the job.
    let sim = sim(600, false);
    let env = Env::new();
    let mut child = env
        .command_at(&sim.url())
        .args(strs(&args(&["--only-direction", "forward"])))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = env.data().join("journal.jsonl");
    let t0 = Instant::now();
    while !std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .contains(r#""type":"verify_started""#)
    {
        assert!(t0.elapsed() < Duration::from_secs(30), "never verified");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let h = env.run(&sim, &["history"]);
    assert!(h.stdout.contains("verification interrupted"), "{h:?}");
    let out = env.run(&sim, &["resume", "--poll-interval", "100ms"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("HEALTHY"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1, "nothing resent");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["verification"][0]["verdict"], "healthy");
    // Verified: nothing left to resume.
    let out = env.run(&sim, &["resume"]);
    assert!(out.stdout.contains("Nothing to resume"), "{out:?}");
}
