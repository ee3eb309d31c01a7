//! End to end: listing every job of a large region against the simulator with a fixed
//! latency per answer. Prints wall time, requests and peak RSS, side by side:
//!
//! (a) one page at a time, as a caller of the official SDK pages (stop at a short page);
//! (b) the dts-switch client (`domain::load_jobs_with`, concurrent);
//! (b1) the same client held to one request in flight (what concurrency alone brings);
//! (c) the real binary: `dts-switch jobs --output json`, output to a pipe.
//!
//! Each runs in a process of its own (this program, re-run) while the simulator runs here,
//! so its peak RSS is its own: (a), (b), (b1) read their VmHWM; the binary is started by a
//! small launcher process (this program again) that reads its `wait4` ru_maxrss (started
//! from here, it would count this process's memory too: the kernel carries the peak of the
//! memory image replaced by `exec`). Figures, not assertions.
//!
//! Run: `cargo bench --bench listing` (5,000 jobs, a third two-way, 50 ms per answer), or
//! `cargo bench --bench listing -- --jobs 20000 --latency 50ms --total-counts entries`
//! (`--no-reverse-entries`: two-way jobs only in DescribeDtsJobs, read alongside).
//! `--before PATH` adds a row for another build of the binary (e.g. an older one).

use dts_switch::api::listing::ListOptions;
use dts_switch::api::{Client, ClientConfig, Credentials, RetryPolicy};
use dts_switch::sim::{Quirks, SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Args {
    jobs: usize,
    latency: Duration,
    two_way_every: usize,
    total_counts_entries: bool,
    no_reverse_entries: bool,
    before: Option<String>,
    only: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        jobs: 5000,
        latency: Duration::from_millis(50),
        two_way_every: 3,
        total_counts_entries: false,
        no_reverse_entries: false,
        before: None,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().expect("a value after the flag");
        match k.as_str() {
            "--jobs" => a.jobs = v().parse().expect("--jobs N"),
            "--latency" => a.latency = humantime::parse_duration(&v()).expect("--latency 50ms"),
            "--two-way-every" => a.two_way_every = v().parse().expect("--two-way-every N"),
            "--total-counts" => a.total_counts_entries = v() == "entries",
            "--no-reverse-entries" => a.no_reverse_entries = true,
            "--before" => a.before = Some(v()),
            "--only" => a.only = Some(v()),
            // What `cargo bench` passes along.
            "--bench" => {}
            _ => {}
        }
    }
    a
}

fn client(endpoint: &str) -> Client {
    Client::new(ClientConfig {
        endpoint: endpoint.parse().expect("url"),
        region: "cn-hangzhou".into(),
        credentials: Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None).into(),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(20),
        retry: RetryPolicy::default(),
    })
    .expect("client")
}

/// In the child: run one variant, print `wall_ms jobs`.
fn child(variant: &str, endpoint: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let c = client(endpoint);
    let t = Instant::now();
    let jobs = rt.block_on(async {
        match variant {
            "sdk" => {
                let mut entries = Vec::new();
                let mut page = 1;
                loop {
                    let p = c
                        .describe_synchronization_jobs(page, 30)
                        .await
                        .expect("page");
                    let n = p.entries.len();
                    entries.extend(p.entries);
                    if n < 30 {
                        break;
                    }
                    page += 1;
                }
                dts_switch::domain::merge_entries(entries).len()
            }
            "client" => dts_switch::domain::load_jobs_with(&c, &ListOptions::default(), |_| {})
                .await
                .expect("listing")
                .jobs
                .len(),
            "client1" => dts_switch::domain::load_jobs_with(&c, &ListOptions::sequential(), |_| {})
                .await
                .expect("listing")
                .jobs
                .len(),
            other => panic!("unknown variant {other}"),
        }
    });
    println!("{} {jobs} {}", t.elapsed().as_millis(), vm_hwm_kb());
}

/// This process's peak RSS (`VmHWM` in /proc/self/status), in KiB.
fn vm_hwm_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

/// In the launcher: run the binary, print `wall_ms output_bytes jobs ru_maxrss_kb`.
// The child is reaped with wait4 (for its rusage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn launch(bin: &str, args: &[String]) {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn");
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut out)
        .expect("read");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 on our own child, not yet waited for; rusage is written by the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let wall = t.elapsed();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{bin} failed ({status})"
    );
    let jobs = serde_json::from_slice::<serde_json::Value>(&out)
        .ok()
        .and_then(|v| v.as_array().map(|a| a.len()))
        .unwrap_or(0);
    println!(
        "{} {} {jobs} {}",
        wall.as_millis(),
        out.len(),
        usage.ru_maxrss
    );
}

struct Measured {
    wall: Duration,
    jobs: String,
    requests: usize,
    peak_rss_kb: i64,
    output_bytes: usize,
}

/// Runs `cmd` (this program in one of its child modes) to its end; returns its stdout
/// and how many requests the simulator saw meanwhile.
fn run(sim: &Simulator, mut cmd: Command) -> (String, usize) {
    let before = sim.requests().len();
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .expect("run the child");
    assert!(out.status.success(), "the child failed: {:?}", out.status);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        sim.requests().len() - before,
    )
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match argv.first().map(String::as_str) {
        Some("--child") => return child(&argv[1], &argv[2]),
        Some("--launch") => return launch(&argv[1], &argv[2..]),
        _ => {}
    }
    let a = args();
    let sim = Simulator::start_background(SimConfig {
        jobs: a.jobs,
        two_way_every: Some(a.two_way_every),
        latency: a.latency,
        quirks: Quirks {
            total_counts_entries: a.total_counts_entries,
            no_reverse_entries: a.no_reverse_entries,
            ..Quirks::default()
        },
        ..SimConfig::default()
    });
    let entries = dts_switch::sim::data::listing_entries(&dts_switch::sim::data::jobs_with(
        a.jobs,
        Some(a.two_way_every),
    ))
    .len();
    println!(
        "Listing {} jobs ({entries} listing entries{}, one in {} two-way), {} ms added to every answer, TotalRecordCount counts {}; {} CPUs",
        a.jobs,
        if a.no_reverse_entries {
            " if Reverse ones were listed; they are not: two-way from DescribeDtsJobs"
        } else {
            ""
        },
        a.two_way_every,
        a.latency.as_millis(),
        if a.total_counts_entries { "entries" } else { "instances" },
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    );
    println!(
        "{:<52} {:>9} {:>9} {:>10} {:>7} {:>9}",
        "", "wall", "requests", "peak RSS", "jobs", "output"
    );
    let exe = std::env::current_exe().expect("exe");
    let mut baseline: Option<Duration> = None;
    let row = |label: &str, m: &Measured, baseline: Option<Duration>| {
        let speed = match baseline {
            Some(b) if m.wall.as_secs_f64() * 1.5 < b.as_secs_f64() => format!(
                "  {:.1}x faster than (a)",
                b.as_secs_f64() / m.wall.as_secs_f64()
            ),
            _ => String::new(),
        };
        println!(
            "{label:<52} {:>7.2} s {:>9} {:>7.1} MB {:>7} {:>9}{speed}",
            m.wall.as_secs_f64(),
            m.requests,
            m.peak_rss_kb as f64 / 1024.0,
            m.jobs,
            if m.output_bytes > 100 {
                format!("{:.1} MB", m.output_bytes as f64 / 1e6)
            } else {
                "-".into()
            },
        );
    };
    for (variant, label) in [
        ("sdk", "(a) one page at a time (as with the SDK)"),
        ("client", "(b) dts-switch client (load_jobs_with)"),
        ("client1", "(b1) the same, one request in flight"),
    ] {
        if a.only.as_deref().is_some_and(|o| o != variant) {
            continue;
        }
        let mut cmd = Command::new(&exe);
        cmd.args(["--child", variant, &sim.url()]);
        let (text, requests) = run(&sim, cmd);
        let f: Vec<&str> = text.split_whitespace().collect();
        let m = Measured {
            // The listing's own time, without process start-up.
            wall: Duration::from_millis(f[0].parse().unwrap_or(0)),
            jobs: f[1].to_string(),
            requests,
            peak_rss_kb: f[2].parse().unwrap_or(-1),
            output_bytes: 0,
        };
        if variant == "sdk" {
            baseline = Some(m.wall);
        }
        row(label, &m, baseline);
    }
    let home = tempfile::tempdir().expect("tempdir");
    let mut binaries = vec![(
        "(c) `dts-switch jobs --output json` (this build)".to_string(),
        env!("CARGO_BIN_EXE_dts-switch").to_string(),
    )];
    if let Some(b) = &a.before {
        binaries.push((
            "(d) `jobs --output json`, --before build".to_string(),
            b.clone(),
        ));
    }
    for (label, bin) in binaries {
        if a.only.as_deref().is_some_and(|o| o != "binary") {
            continue;
        }
        let mut cmd = Command::new(&exe);
        cmd.args(["--launch", &bin, "jobs", "--output", "json"])
            .env_clear()
            .env("HOME", home.path())
            .env("DTS_SWITCH_DATA", home.path().join("data"))
            .env("DTS_SWITCH_ENDPOINT", sim.url())
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
            .stdin(Stdio::null());
        let (text, requests) = run(&sim, cmd);
        let f: Vec<&str> = text.split_whitespace().collect();
        let m = Measured {
            wall: Duration::from_millis(f[0].parse().unwrap_or(0)),
            output_bytes: f[1].parse().unwrap_or(0),
            jobs: f[2].to_string(),
            requests,
            peak_rss_kb: f[3].parse().unwrap_or(-1),
        };
        row(&label, &m, baseline);
    }
    println!("(a), (b), (b1): the listing's time in the process; (c), (d): the whole process, start to exit.");
}
