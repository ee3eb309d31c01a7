//! `dts-switch find` over several regions against listing one: does a search of two
//! regions cost about one region's listing (the regions listed concurrently), or the sum?
//!
//! The simulator (in this process) serves `--jobs` legacy jobs (default 10,000) dealt to
//! cn-hangzhou and cn-shanghai in turn, one in three two-way, with `--latency` (default
//! 50 ms) added to every answer. Each row is the real binary, run `--runs` times (default
//! 3; the median is shown, with min and max), its output read through a pipe:
//!
//! (a) `dts-switch jobs --region cn-hangzhou --output json`: one region's listing (half
//!     the jobs);
//! (b) `dts-switch find --ip … --regions cn-hangzhou`: a search of that one region;
//! (c) `dts-switch find --ip … --regions cn-hangzhou,cn-shanghai`: both regions;
//! (d), (e) the same as (b), (c) with `--dts-jobs-rate 1000`: without the 20 requests
//!     per second per region `find` keeps to for DescribeDtsJobs (which `jobs` does not),
//!     so the rows compare with (a) like for like.
//!
//! Figures, not assertions. Run: `cargo bench --bench find` (or
//! `cargo bench --bench find -- --jobs 20000 --latency 100ms --runs 5`).

use dts_switch::sim::{SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Args {
    jobs: usize,
    latency: Duration,
    runs: usize,
}

fn args() -> Args {
    let mut a = Args {
        jobs: 10_000,
        latency: Duration::from_millis(50),
        runs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().expect("a value after the flag");
        match k.as_str() {
            "--jobs" => a.jobs = v().parse().expect("--jobs N"),
            "--latency" => a.latency = humantime::parse_duration(&v()).expect("--latency 50ms"),
            "--runs" => a.runs = v().parse::<usize>().expect("--runs N").max(1),
            _ => {}
        }
    }
    a
}

fn run(sim: &Simulator, data: &std::path::Path, args: &[&str]) -> (Duration, usize, usize) {
    let before = sim.requests().len();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_dts-switch"))
        .args(args)
        .env("DTS_SWITCH_ENDPOINT", sim.url())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
        .env("DTS_SWITCH_DATA", data)
        .env("HOME", data)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("run dts-switch");
    let wall = started.elapsed();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{args:?}: exit {:?}",
        out.status
    );
    (wall, sim.requests().len() - before, out.stdout.len())
}

fn main() {
    let a = args();
    let regions = ["cn-hangzhou", "cn-shanghai"];
    let sim = Simulator::start_background(SimConfig {
        jobs: a.jobs,
        two_way_every: Some(3),
        latency: a.latency,
        generated_regions: regions.iter().map(|r| r.to_string()).collect(),
        ..SimConfig::default()
    });
    let data = tempfile::tempdir().expect("a temporary directory");
    println!(
        "{} legacy jobs dealt to {} (about {} each), one in three two-way, {} ms added to every answer; {} CPUs; median of {} runs",
        a.jobs,
        regions.join(" and "),
        a.jobs / 2,
        a.latency.as_millis(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        a.runs
    );
    println!(
        "{:<58} {:>8} {:>17} {:>9}",
        "", "wall", "(min-max)", "requests"
    );
    let rows: [(&str, Vec<&str>); 5] = [
        (
            "(a) jobs --region cn-hangzhou (one region)",
            vec!["--region", "cn-hangzhou", "--output", "json", "jobs"],
        ),
        (
            "(b) find --regions cn-hangzhou (one region)",
            vec![
                "--output",
                "json",
                "find",
                "--ip",
                "10.20.1.15",
                "--regions",
                "cn-hangzhou",
            ],
        ),
        (
            "(c) find --regions cn-hangzhou,cn-shanghai (two regions)",
            vec![
                "--output",
                "json",
                "find",
                "--ip",
                "10.20.1.15",
                "--regions",
                "cn-hangzhou,cn-shanghai",
            ],
        ),
        (
            "(d) find --regions cn-hangzhou --dts-jobs-rate 1000",
            vec![
                "--output",
                "json",
                "find",
                "--ip",
                "10.20.1.15",
                "--regions",
                "cn-hangzhou",
                "--dts-jobs-rate",
                "1000",
            ],
        ),
        (
            "(e) find --regions (both) --dts-jobs-rate 1000",
            vec![
                "--output",
                "json",
                "find",
                "--ip",
                "10.20.1.15",
                "--regions",
                "cn-hangzhou,cn-shanghai",
                "--dts-jobs-rate",
                "1000",
            ],
        ),
    ];
    let mut medians = Vec::new();
    for (name, args) in &rows {
        let mut walls = Vec::new();
        let mut requests = 0;
        for _ in 0..a.runs {
            let (w, r, _) = run(&sim, data.path(), args);
            walls.push(w);
            requests = r;
        }
        walls.sort();
        let median = walls[walls.len() / 2];
        medians.push(median);
        println!(
            "{name:<58} {:>7.2}s {:>8.2}s-{:>6.2}s {requests:>9}",
            median.as_secs_f64(),
            walls[0].as_secs_f64(),
            walls[walls.len() - 1].as_secs_f64(),
        );
    }
    println!(
        "find: two regions / one region: {:.2}x at the documented 20/s, {:.2}x unthrottled (the sum would be 2x)",
        medians[2].as_secs_f64() / medians[1].as_secs_f64(),
        medians[4].as_secs_f64() / medians[3].as_secs_f64()
    );
    println!(
        "find of two regions unthrottled / `jobs` of one region: {:.2}x",
        medians[4].as_secs_f64() / medians[0].as_secs_f64()
    );
}
