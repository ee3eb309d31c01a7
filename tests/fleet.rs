//! `dts-switch failover`, `history --batch` and `resume --batch` end to end: the real
//! binary against the simulator's twelve jobs behind one database (two regions, both
//! API families, three two-way jobs; one task that fails, one dropped answer, one job
//! someone else changes after it was listed).

mod common;
use common::*;
use dts_switch::sim::data_fleet::*;
use dts_switch::sim::{Faults, SimConfig, Simulator};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::time::Duration;

fn fleet_sim(faults: Faults) -> Simulator {
    Simulator::start_background(SimConfig {
        fleet: true,
        step: Duration::from_millis(150),
        faults,
        ..SimConfig::default()
    })
}

const MODIFY: &str = "ModifyDtsJobEndpoint";

fn failover_args(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "failover",
        "--from-ip",
        FLEET_DB_IP,
        "--regions",
        "cn-hangzhou,cn-shanghai",
        "--instance-type",
        "LocalInstance",
        "--ip",
        FLEET_NEW_IP,
        "--port",
        "3306",
        "--poll-interval",
        "100ms",
        "--verify-timeout",
        "20s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// The job a write names: SynchronizationJobId (legacy) or DtsJobId (maintained, as
/// "dts" + DtsJobId, the instance id of the simulator's jobs).
fn write_job(r: &dts_switch::sim::Recorded) -> String {
    match r.params.get("SynchronizationJobId") {
        Some(id) => id.clone(),
        None => format!(
            "dts{}",
            r.params.get("DtsJobId").cloned().unwrap_or_default()
        ),
    }
}

fn results(v: &Value) -> BTreeMap<String, String> {
    v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["job_id"].as_str().unwrap().to_string(),
                j["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn twelve_jobs_two_regions_both_families_one_batch() {
    let sim = fleet_sim(Faults::default());
    let env = Env::new();
    let args = failover_args(&["--yes", "--output", "json"]);
    let out = env.run(&sim, &strs(&args));
    // One answer was dropped: the batch's outcome is unknown.
    assert_eq!(out.code, 3, "{out:?}");
    let v = out.json();
    let r = results(&v);
    assert_eq!(r.len(), 12, "{out:?}");
    assert_eq!(r[FLEET_FAILING_TASK], "failed", "{out:?}");
    assert_eq!(r[FLEET_DROPPED_ANSWER], "unknown", "{out:?}");
    assert_eq!(r[FLEET_DRIFT_JOB], "not-sent", "{out:?}");
    for (job, res) in &r {
        if ![FLEET_FAILING_TASK, FLEET_DROPPED_ANSWER, FLEET_DRIFT_JOB].contains(&job.as_str()) {
            assert_eq!(res, "healthy", "{job}: {out:?}");
        }
    }
    // Each family's write for its own jobs, each (job, direction) once, the Forward
    // call of a two-way job before its Reverse one; nothing for the job changed
    // meanwhile.
    let writes = sim.executed_writes();
    assert_eq!(writes.len(), 14, "{writes:#?}");
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    for w in &writes {
        let job = write_job(w);
        let dir = w
            .params
            .get("SynchronizationDirection")
            .cloned()
            .unwrap_or_else(|| "Forward".into());
        let legacy = job.contains("leg");
        assert_eq!(
            w.action,
            if legacy { SWITCH } else { MODIFY },
            "{job}: the wrong family's write"
        );
        assert!(
            seen.insert((job.clone(), dir.clone()), w.seq).is_none(),
            "{job} {dir} written twice"
        );
    }
    assert!(!seen.keys().any(|(j, _)| j == FLEET_DRIFT_JOB));
    for two_way in [
        FLEET_LEGACY_TWO_WAY,
        FLEET_MAINTAINED_TWO_WAY,
        FLEET_MAINTAINED_TWO_WAY_SHANGHAI,
    ] {
        let f = seen[&(two_way.to_string(), "Forward".to_string())];
        let b = seen[&(two_way.to_string(), "Reverse".to_string())];
        assert!(f < b, "{two_way}: Reverse before Forward");
    }
    // Each region's jobs were written with their own RegionId.
    for w in &writes {
        let job = write_job(w);
        let region = w.params.get("RegionId").unwrap();
        assert_eq!(
            region,
            if job.contains("hz") {
                "cn-hangzhou"
            } else {
                "cn-shanghai"
            },
            "{job}"
        );
    }
    // The summary names old → new per call, and the dry-run verdicts.
    let j = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job_id"] == FLEET_MAINTAINED_TWO_WAY)
        .unwrap();
    assert_eq!(j["calls"].as_array().unwrap().len(), 2);
    assert_eq!(j["calls"][0]["old"]["ip"], FLEET_DB_IP);
    assert_eq!(j["calls"][1]["new"]["ip"], FLEET_NEW_IP);
    assert_eq!(j["calls"][0]["dry_run"]["passed"], true);
    let batch = v["batch_id"].as_str().unwrap().to_string();

    // The journal: one plan per job, all of the batch.
    let h = env.run(
        &sim,
        &["history", "--batch", &batch[..8], "--output", "json"],
    );
    assert_eq!(h.code, 0, "{h:?}");
    let hv = h.json();
    assert_eq!(hv["batch_id"], batch.as_str());
    assert_eq!(hv["jobs"], 12);
    assert_eq!(hv["calls"], 15);
    assert_eq!(hv["plans"].as_array().unwrap().len(), 12);
    assert_eq!(hv["pending"], 1, "only the dropped answer: {h:?}");
    // The ticket's table: one row per call.
    let md = env.run(
        &sim,
        &["history", "--batch", &batch, "--output", "markdown"],
    );
    assert_eq!(md.code, 0, "{md:?}");
    assert!(md.stdout.contains("## DTS failover batch"), "{md:?}");
    let rows = md.stdout.lines().filter(|l| l.starts_with("| cn-")).count();
    assert_eq!(rows, 15, "{md:?}");
    assert!(md.stdout.contains(&format!(
        "LocalInstance {FLEET_DB_IP}:3306 → LocalInstance {FLEET_NEW_IP}:3306"
    )));
    // `history` lists the batch with its counts.
    let list = env.run(&sim, &["history"]);
    assert!(
        list.stdout.contains(&format!("batch {} ", &batch[..8]))
            && list
                .stdout
                .contains("12 jobs in cn-hangzhou, cn-shanghai · 15 calls"),
        "{list:?}"
    );

    // resume --batch: the dropped answer's job shows the new endpoint, so it is
    // recorded as done without sending anything again.
    let res = env.run(&sim, &["resume", "--batch", &batch[..8], "--yes"]);
    assert_eq!(res.code, 0, "{res:?}");
    assert!(res.stdout.contains("found applied by resume"), "{res:?}");
    assert_eq!(sim.executed_writes().len(), 14, "resume resent a write");
    let h = env.run(&sim, &["history", "--batch", &batch, "--output", "json"]);
    assert_eq!(h.json()["pending"], 0, "{h:?}");
    // Nothing left to do for the batch.
    let res = env.run(&sim, &["resume", "--batch", &batch, "--yes"]);
    assert_eq!(res.code, 0, "{res:?}");
    assert!(res.stdout.contains("Nothing to resume"), "{res:?}");
}

#[test]
fn preview_and_dry_run_send_nothing_and_count_the_calls() {
    let sim = fleet_sim(Faults::default());
    let env = Env::new();
    let args = failover_args(&["--dry-run", "--exclude", FLEET_DRIFT_JOB]);
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    // The count line (wrapped at the terminal's width).
    let flat = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "11 jobs in 2 regions, 14 calls: 3 two-way, 6 maintained with dry run, 5 legacy (no dry run)"
        ),
        "{out:?}"
    );
    assert!(
        out.stdout
            .lines()
            .all(|l| l.chars().count() <= 80 || l.starts_with("Target:")),
        "a preview line over 80 columns: {out:?}"
    );
    assert!(!out.stdout.contains(FLEET_DRIFT_JOB), "{out:?}");
    assert!(sim.executed_writes().is_empty());
    // Every maintained call was dry-run.
    let dry: Vec<_> = sim
        .requests_of(MODIFY)
        .into_iter()
        .filter(|r| r.params.get("DryRun").map(String::as_str) == Some("true"))
        .collect();
    assert!(dry.len() >= 8, "{dry:#?}");
    // Without --yes and no terminal: refused, nothing sent.
    let args = failover_args(&[]);
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert!(sim.executed_writes().is_empty());
}

#[test]
fn a_failed_dry_run_blocks_the_batch_unless_skipped() {
    let sim = fleet_sim(Faults {
        dry_run_fails: true,
        ..Faults::default()
    });
    let env = Env::new();
    let args = failover_args(&["--yes", "--exclude", FLEET_DRIFT_JOB]);
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("failed a dry run"), "{out:?}");
    assert!(out.stdout.contains("dry run: FAILED"), "{out:?}");
    assert!(sim.executed_writes().is_empty(), "a blocked batch sent");
    // Skipping them: the legacy jobs are switched, the maintained ones left out.
    let args = failover_args(&[
        "--yes",
        "--exclude",
        FLEET_DRIFT_JOB,
        "--exclude",
        FLEET_FAILING_TASK,
        "--skip-failed-dry-runs",
        "--output",
        "json",
    ]);
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 1, "skipped jobs are not done: {out:?}");
    let r = results(&out.json());
    assert_eq!(r[FLEET_MAINTAINED_ONE_WAY], "skipped");
    assert_eq!(r[FLEET_LEGACY_ONE_WAY], "healthy");
    let writes = sim.executed_writes();
    assert!(!writes.is_empty());
    assert!(writes.iter().all(|w| w.action == SWITCH), "{writes:#?}");
}

#[test]
fn bad_input_names_the_flag_and_sends_nothing() {
    let sim = fleet_sim(Faults::default());
    let env = Env::new();
    let out = env.run(
        &sim,
        &[
            "failover",
            "--from-ip",
            "10.20.30.400",
            "--from-port",
            "99999",
            "--instance-type",
            "LocalInstance",
            "--ip",
            FLEET_NEW_IP,
            "--yes",
        ],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--from-ip"), "{out:?}");
    assert!(out.stderr.contains("--from-port"), "{out:?}");
    assert!(
        out.stderr.contains("--port"),
        "the new endpoint's port: {out:?}"
    );
    assert!(
        sim.requests().is_empty(),
        "input errors are found before any call"
    );
    // A job to exclude that is not among the matches: a typo, not a no-op.
    let args = failover_args(&["--yes", "--exclude", "dtsnosuchjob0000001"]);
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("--exclude dtsnosuchjob0000001: not among the 12 jobs"),
        "{out:?}"
    );
    // Nothing uses the database: nothing to do is said, exit 1.
    let out = env.run(
        &sim,
        &[
            "failover",
            "--from-ip",
            "10.9.9.9",
            "--instance-type",
            "LocalInstance",
            "--ip",
            FLEET_NEW_IP,
            "--port",
            "3306",
            "--yes",
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("No job uses 10.9.9.9"), "{out:?}");
    assert!(sim.executed_writes().is_empty());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_new_calls_and_resume_batch_sends_the_rest() {
    let sim = fleet_sim(Faults::default());
    let env = Env::new();
    let args = failover_args(&[
        "--yes",
        "--parallel",
        "1",
        "--job",
        FLEET_LEGACY_ONE_WAY,
        "--job",
        FLEET_MAINTAINED_ONE_WAY,
        "--job",
        FLEET_LEGACY_SHANGHAI,
    ]);
    let mut child = env
        .command_at(&sim.url())
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut seen = String::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        seen.push_str(&l);
        seen.push('\n');
        if l.contains("sending") {
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            break;
        }
    }
    for l in lines {
        seen.push_str(&l.unwrap());
        seen.push('\n');
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(seen.contains("stopped, not sent"), "{seen}");
    let first = sim.executed_writes();
    assert_eq!(first.len(), 1, "only the call already sent: {first:#?}");
    let batch = {
        let h = env.run(&sim, &["history", "--output", "json"]);
        h.json()[0]["batch_id"].as_str().unwrap().to_string()
    };
    let res = env.run(&sim, &["resume", "--batch", &batch, "--yes"]);
    assert_eq!(res.code, 0, "{res:?}");
    let writes = sim.executed_writes();
    assert_eq!(writes.len(), 3, "{writes:#?}");
    let mut jobs: Vec<String> = writes.iter().map(write_job).collect();
    jobs.sort();
    jobs.dedup();
    assert_eq!(jobs.len(), 3, "each job once: {jobs:?}");
    // The way back follows the journal: after the resume it has every job switched.
    assert!(res.stdout.contains("The way back of batch"), "{res:?}");
    let path = env.data().join(format!("failback-{}.toml", &batch[..8]));
    let back = std::fs::read_to_string(&path).unwrap();
    for j in &jobs {
        assert!(
            back.contains(&format!("job = \"{j}\"")),
            "{j} not in {back}"
        );
    }
}

/// Ctrl-C between the two calls of a two-way job: the job is split between the old and
/// the new database, and the summary says so in those words (not "not sent"), with the
/// command that sends the rest.
#[test]
fn ctrl_c_between_the_calls_of_a_two_way_job_says_half_switched() {
    let sim = fleet_sim(Faults::default());
    let env = Env::new();
    let args = failover_args(&["--yes", "--job", FLEET_MAINTAINED_TWO_WAY]);
    let mut child = env
        .command_at(&sim.url())
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut seen = String::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        seen.push_str(&l);
        seen.push('\n');
        if l.contains("call 1: finished") {
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            break;
        }
    }
    for l in lines {
        seen.push_str(&l.unwrap());
        seen.push('\n');
    }
    let status = child.wait().unwrap();
    let writes = sim.executed_writes();
    if writes.len() == 2 {
        // The Reverse call had already left when the signal came: nothing to check.
        return;
    }
    assert_eq!(writes.len(), 1, "{writes:#?}");
    assert_eq!(status.code(), Some(1), "{seen}");
    let flat = seen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("two-way: HALF SWITCHED"), "{seen}");
    assert!(
        flat.contains("Forward switched, Reverse NOT sent (stopped)"),
        "{seen}"
    );
    assert!(flat.contains("resume --batch"), "{seen}");
}
