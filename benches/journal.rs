//! A big journal (issue 17 #7): what 200,000 records of history cost a `switch`.
//!
//! One real two-way switch against the simulator gives the records of a finished plan;
//! they are copied (each copy with fresh plan and batch ids) until the journal holds
//! `--records` records (default 200,000). Then the real binary switches the demo's
//! two-way job (both calls, no verification), each run against a fresh simulator, with
//! an empty journal and with the big one, `--runs` times each (default 3): wall time
//! (median) and peak RSS (VmHWM polled while it runs).
//!
//! Figures, not assertions. Run: `cargo bench --bench journal` (or
//! `cargo bench --bench journal -- --records 50000 --runs 5`).

use dts_switch::sim::{SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn switch_args() -> Vec<&'static str> {
    vec![
        "switch",
        "--job",
        dts_switch::sim::data::TWO_WAY_JOB_ID,
        "--database",
        "destination",
        "--instance-type",
        "ECS",
        "--instance-id",
        "i-bp1newdest0001",
        "--port",
        "3307",
        "--yes",
        "--no-verify",
        "--poll-interval",
        "50ms",
    ]
}

fn sim() -> Simulator {
    Simulator::start_background(SimConfig {
        step: Duration::from_millis(100),
        ..SimConfig::default()
    })
}

/// Runs the binary; wall time and the peak RSS seen (KiB).
fn run(sim: &Simulator, data: &std::path::Path, journal: &std::path::Path) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dts-switch"))
        .args(["--journal", journal.to_str().unwrap()])
        .args(switch_args())
        .env("DTS_SWITCH_ENDPOINT", sim.url())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        .env("DTS_SWITCH_DATA", data)
        .env("HOME", data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run dts-switch");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let code = loop {
        if let Ok(s) = std::fs::read_to_string(&status) {
            if let Some(kb) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(c) = child.try_wait().expect("wait") {
            break c;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(code.success(), "switch: {code:?}");
    (started.elapsed(), peak)
}

fn main() {
    let mut records = 200_000usize;
    let mut runs = 3usize;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--records" => records = it.next().and_then(|v| v.parse().ok()).expect("--records N"),
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            _ => {}
        }
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // One real switch: the records of a finished two-way plan.
    let seed = dir.path().join("seed.jsonl");
    let s = sim();
    run(&s, &data, &seed);
    let text = std::fs::read_to_string(&seed).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut ids: Vec<String> = Vec::new();
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        for k in ["plan_id", "batch_id"] {
            if let Some(id) = v[k].as_str() {
                if !ids.iter().any(|x| x == id) {
                    ids.push(id.to_string());
                }
            }
        }
    }
    let big = dir.path().join("big.jsonl");
    let mut body = String::new();
    let mut n = 0;
    while n < records {
        // The same ids within a copy: one plan per copy.
        let copy: Vec<(String, String)> = ids
            .iter()
            .map(|i| (i.clone(), uuid::Uuid::new_v4().to_string()))
            .collect();
        for l in &lines {
            let mut l = l.to_string();
            for (old, new) in &copy {
                l = l.replace(old.as_str(), new);
            }
            body.push_str(&l);
            body.push('\n');
            n += 1;
        }
    }
    std::fs::write(&big, &body).unwrap();
    let bytes = body.len();
    drop(body);
    println!(
        "journal: {n} records ({} finished plans of {} records each), {:.1} MB; a two-way switch (2 calls, --no-verify) against a fresh simulator; median of {runs} runs; {} CPUs",
        n / lines.len(),
        lines.len(),
        bytes as f64 / 1e6,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    );
    println!(
        "{:<34} {:>9} {:>17} {:>11}",
        "", "wall", "(min-max)", "peak RSS"
    );
    let mut medians = Vec::new();
    for (name, big_journal) in [("empty journal", false), ("big journal", true)] {
        let mut walls = Vec::new();
        let mut peak = 0;
        for i in 0..runs {
            let j = if big_journal {
                let p = dir.path().join(format!("big-{i}.jsonl"));
                std::fs::copy(&big, &p).unwrap();
                p
            } else {
                dir.path().join(format!("empty-{i}.jsonl"))
            };
            let s = sim();
            let (w, p) = run(&s, &data, &j);
            walls.push(w);
            peak = peak.max(p);
        }
        walls.sort();
        let m = walls[walls.len() / 2];
        medians.push(m);
        println!(
            "{name:<34} {:>8.2}s {:>8.2}s-{:>6.2}s {:>8.1} MB",
            m.as_secs_f64(),
            walls[0].as_secs_f64(),
            walls[walls.len() - 1].as_secs_f64(),
            peak as f64 / 1024.0
        );
    }
    println!(
        "overhead of the big journal: {:+.1}% (goal: within 10%)",
        (medians[1].as_secs_f64() / medians[0].as_secs_f64() - 1.0) * 100.0
    );
}
