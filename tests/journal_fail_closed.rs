//! The journal fails closed: a record that cannot be written stops the run with a named
//! error; a line that cannot be read refuses every switch until the operator accepts it;
//! the journal must be a regular file.

mod common;
use common::*;
use dts_switch::sim::data::ONE_WAY_JOB_ID;
use dts_switch::sim::{Faults, SimConfig, Simulator};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn sim_step(ms: u64) -> Simulator {
    Simulator::start_background(SimConfig {
        step: Duration::from_millis(ms),
        ..SimConfig::default()
    })
}

fn journal_path(env: &Env) -> std::path::PathBuf {
    env.data().join("journal.jsonl")
}

fn two_way_yes() -> Vec<String> {
    let mut a = two_way_args("switch");
    a.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
    a
}

/// A two-way switch whose first call's answer is dropped: the journal holds an
/// unknown outcome for the job.
fn unknown_outcome(env: &Env) -> Simulator {
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(100),
        faults: Faults {
            drop_switch_answer: true,
            ..Faults::default()
        },
        ..SimConfig::default()
    });
    let out = env.run(&sim, &strs(&two_way_yes()));
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
    sim
}

fn edit_journal(env: &Env, f: impl FnOnce(String) -> String) {
    let p = journal_path(env);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(text)).unwrap();
}

fn assert_refused(env: &Env, sim: &Simulator, why: &str) {
    let before = sim.requests_of(SWITCH).len();
    let out = env.run(sim, &strs(&two_way_yes()));
    assert_eq!(out.code, 2, "{why}: {out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), before, "{why}: nothing sent");
}

#[test]
fn a_bom_and_crlf_are_read_as_what_they_are() {
    let env = Env::new();
    let sim = unknown_outcome(&env);
    edit_journal(&env, |t| format!("\u{feff}{}", t.replace('\n', "\r\n")));
    let out = env.run(&sim, &["history"]);
    assert!(out.stdout.contains("PENDING"), "{out:?}");
    assert!(!out.stderr.contains("warning"), "{out:?}");
    assert_refused(&env, &sim, "BOM + CRLF");
    let out = env.run(&sim, &strs(&two_way_yes()));
    assert!(
        out.stderr.contains("unknown"),
        "the plan is still there: {out:?}"
    );
}

#[test]
fn a_truncated_or_mistyped_intent_line_refuses_switches_until_accepted() {
    for (name, damage) in [
        ("truncated", "truncate"),
        ("mistyped", "mistype"),
        ("deleted plan line", "delete-plan"),
    ] {
        let env = Env::new();
        let sim = unknown_outcome(&env);
        edit_journal(&env, |t| {
            let lines: Vec<&str> = t.lines().collect();
            let out: Vec<String> = lines
                .iter()
                .filter(|l| !(damage == "delete-plan" && l.contains(r#""type":"plan""#)))
                .map(|l| {
                    if l.contains(r#""type":"intent""#) {
                        match damage {
                            "truncate" => l[..l.len() / 2].to_string(),
                            "mistype" => l.replace(r#""type":"intent""#, r#""type":"intnet""#),
                            _ => l.to_string(),
                        }
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            out.join("\n") + "\n"
        });
        assert_refused(&env, &sim, name);
        let out = env.run(&sim, &strs(&two_way_yes()));
        assert!(
            out.stderr.contains("cannot be read") && out.stderr.contains("--accept-damaged"),
            "{name}: {out:?}"
        );
        // history shows the damaged line with its number.
        let h = env.run(&sim, &["history"]);
        assert!(h.stderr.contains("line "), "{name}: {h:?}");
        // After looking, the operator accepts it: the damage no longer blocks (what
        // the readable records still say does).
        let out = env.run(&sim, &["resume", "--accept-damaged"]);
        assert_eq!(out.code, 0, "{name}: {out:?}");
        assert!(out.stdout.contains("accepted"), "{name}: {out:?}");
        let out = env.run(&sim, &strs(&two_way_yes()));
        assert!(!out.stderr.contains("cannot be read"), "{name}: {out:?}");
    }
}

#[test]
fn dismiss_needs_an_id_that_names_one_plan() {
    let env = Env::new();
    let sim = unknown_outcome(&env);
    for bad in ["", " ", "abc"] {
        let out = env.run(&sim, &["resume", "--dismiss", bad]);
        assert_eq!(out.code, 2, "{bad:?}: {out:?}");
        assert!(out.stderr.contains("--dismiss"), "{out:?}");
    }
    let h = env.run(&sim, &["history"]);
    assert!(h.stdout.contains("PENDING"), "nothing was dismissed: {h:?}");
}

#[test]
fn the_journal_must_be_a_regular_file() {
    let sim = sim_step(50);
    let env = Env::new();
    let fifo = env.dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for path in [
        "/dev/full",
        "/dev/zero",
        "/dev/urandom",
        fifo.to_str().unwrap(),
    ] {
        let t0 = Instant::now();
        let mut a = two_way_yes();
        a.extend(["--journal".to_string(), path.to_string()]);
        let out = env.run(&sim, &strs(&a));
        assert_eq!(out.code, 2, "{path}: {out:?}");
        assert!(out.stderr.contains("not a regular file"), "{path}: {out:?}");
        assert!(t0.elapsed() < Duration::from_secs(10), "{path}: hung");
        let out = env.run(&sim, &["history", "--journal", path]);
        assert_eq!(out.code, 2, "{path}: {out:?}");
    }
    assert!(sim.requests_of(SWITCH).is_empty());
}

#[test]
fn a_journal_that_stops_taking_writes_stops_the_switch_without_done() {
    let sim = sim_step(50);
    let env = Env::new();
    let out = Out::from(
        env.command_at(&sim.url())
            .env("DTS_SWITCH_FAULT_JOURNAL_WRITES", "1")
            .args(strs(&two_way_yes()))
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("JOURNAL ERROR"), "{out:?}");
    assert!(!out.stdout.contains("Done:"), "{out:?}");
    assert!(out.stderr.contains("Reverse call was NOT sent"), "{out:?}");
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        1,
        "call 2 is not sent after a record failed"
    );
}

#[test]
fn resume_ends_when_the_journal_cannot_be_written() {
    let sim = sim_step(150);
    let env = Env::new();
    // Kill a one-way switch right after the service accepted it.
    let mut child = env
        .command_at(&sim.url())
        .args([
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
            "50ms",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !std::fs::read_to_string(journal_path(&env))
        .unwrap_or_default()
        .contains(r#""type":"accepted""#)
    {
        assert!(t0.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let t0 = Instant::now();
    let out = Out::from(
        env.command_at(&sim.url())
            .env("DTS_SWITCH_FAULT_JOURNAL_WRITES", "0")
            .args(["resume", "--yes", "--poll-interval", "50ms"])
            .output()
            .unwrap(),
    );
    assert!(t0.elapsed() < Duration::from_secs(20), "it ends");
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("JOURNAL ERROR"), "{out:?}");
    let polls = sim.requests_of("DescribeEndpointSwitchStatus").len();
    assert!(polls < 200, "no status-read storm: {polls}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
}

/// Lines that read fine but do not fit together hide nothing: an intent for call 2
/// only, an intent before its plan line, a call index the plan does not have.
#[test]
fn records_that_do_not_fit_together_count_as_damage() {
    for case in ["call 2 only", "intent before plan", "index past the calls"] {
        let sim = sim_step(50);
        let env = Env::new();
        let out = env.run(&sim, &strs(&two_way_yes()));
        assert_eq!(out.code, 0, "{out:?}");
        let text = std::fs::read_to_string(journal_path(&env)).unwrap();
        let plan_line = text
            .lines()
            .find(|l| l.contains(r#""type":"plan""#))
            .unwrap();
        let old_id = serde_json::from_str::<serde_json::Value>(plan_line).unwrap()["plan_id"]
            .as_str()
            .unwrap()
            .to_string();
        let new_plan = plan_line.replace(&old_id, "11111111-2222-3333-4444-555555555555");
        let intent = |i: usize| {
            format!(
                r#"{{"type":"intent","plan_id":"11111111-2222-3333-4444-555555555555","index":{i},"at":"2026-11-26T03:00:00Z"}}"#
            )
        };
        let extra = match case {
            "call 2 only" => format!("{new_plan}\n{}\n", intent(1)),
            "intent before plan" => format!("{}\n{new_plan}\n", intent(0)),
            _ => format!("{new_plan}\n{}\n", intent(7)),
        };
        std::fs::write(journal_path(&env), format!("{text}{extra}")).unwrap();
        let before = sim.requests_of(SWITCH).len();
        let out = env.run(&sim, &strs(&two_way_yes()));
        assert_eq!(out.code, 2, "{case}: {out:?}");
        assert_eq!(
            sim.requests_of(SWITCH).len(),
            before,
            "{case}: nothing sent"
        );
    }
}
