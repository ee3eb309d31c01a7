//! The TUI's peak memory with a large listing: the real binary in a real terminal (tmux,
//! 120x40) against the simulator (in this process: `--jobs` legacy jobs, one in three
//! two-way, TotalRecordCount counting entries, 50 ms added to every answer). Peak RSS is
//! the TUI process's own `VmHWM`, read once its title shows `Jobs (N)` with N at least
//! the jobs generated (every job listed, DescribeDtsJobs read), and again once a refresh
//! (`r`) of them ended.
//!
//! Run: `cargo bench --bench tui_memory` (10,000 jobs), or name sizes and a binary to
//! compare: `cargo bench --bench tui_memory -- 5000 20000 --bin /path/to/old/dts-switch`.
//! Needs tmux; without it, says so and measures nothing. Figures, not assertions.

use dts_switch::sim::{Quirks, SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::process::Command;
use std::time::{Duration, Instant};

const SOCKET: &str = "dts-switch-bench-tui-memory";

fn tmux(args: &[&str]) -> Option<String> {
    let out = Command::new("tmux")
        .args(["-L", SOCKET])
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `VmHWM` of `pid`, in KiB.
fn vm_hwm_kb(pid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Peak RSS once every job is listed, then once a refresh (`r`) of them ended.
fn measure(bin: &str, n: usize) -> Result<(f64, Duration, Option<f64>), String> {
    let sim = Simulator::start_background(SimConfig {
        jobs: n,
        two_way_every: Some(3),
        latency: Duration::from_millis(50),
        quirks: Quirks {
            total_counts_entries: true,
            ..Quirks::default()
        },
        ..SimConfig::default()
    });
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    let h = home.path().display().to_string();
    let cmd = format!(
        "exec env HOME={h} DTS_SWITCH_DATA={h}/data DTS_SWITCH_ENDPOINT={} ALIBABA_CLOUD_ACCESS_KEY_ID={DEMO_ACCESS_KEY_ID} ALIBABA_CLOUD_ACCESS_KEY_SECRET={DEMO_ACCESS_KEY_SECRET} {bin}",
        sim.url()
    );
    let _ = tmux(&["kill-server"]);
    tmux(&[
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ])
    .ok_or("tmux new-session failed")?;
    let pid = tmux(&["list-panes", "-t", "tui", "-F", "#{pane_pid}"])
        .ok_or("tmux list-panes failed")?
        .trim()
        .to_string();
    let started = Instant::now();
    // The simulator adds its few new-version demo jobs to the `n` generated ones.
    let want = format!("Jobs (N ≥ {n})");
    let listed = |screen: &str| {
        screen
            .split("Jobs (")
            .skip(1)
            .filter_map(|t| t.split(')').next()?.parse::<usize>().ok())
            .any(|count| count >= n)
    };
    let done = |screen: &str| listed(screen) && !screen.contains(" loading");
    let result = loop {
        let screen = tmux(&["capture-pane", "-p", "-t", "tui"]).unwrap_or_default();
        if done(&screen) {
            let kb = vm_hwm_kb(&pid).ok_or("the TUI's /proc status cannot be read")?;
            let took = started.elapsed();
            // A refresh: the old rows stay on screen while the new ones are merged.
            tmux(&["send-keys", "-t", "tui", "r"]);
            let t = Instant::now();
            let mut refreshed = None;
            let mut seen_loading = false;
            while t.elapsed() < Duration::from_secs(120) {
                std::thread::sleep(Duration::from_millis(100));
                let screen = tmux(&["capture-pane", "-p", "-t", "tui"]).unwrap_or_default();
                seen_loading |= screen.contains(" loading");
                if seen_loading && done(&screen) {
                    refreshed = vm_hwm_kb(&pid).map(|kb| kb as f64 / 1024.0);
                    break;
                }
            }
            break Ok((kb as f64 / 1024.0, took, refreshed));
        }
        if started.elapsed() > Duration::from_secs(120) {
            break Err(format!("no `{want}` after 120 s; the screen:\n{screen}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = tmux(&["kill-server"]);
    result
}

fn main() {
    let mut sizes: Vec<usize> = Vec::new();
    let mut bin = env!("CARGO_BIN_EXE_dts-switch").to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bin" => bin = args.next().expect("--bin PATH"),
            s => sizes.extend(s.parse::<usize>().ok()),
        }
    }
    if sizes.is_empty() {
        sizes.push(10_000);
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("tui_memory: skipped, tmux is not installed (the TUI needs a real terminal)");
        return;
    }
    println!("TUI peak RSS once every job is listed (120x40, 50 ms per answer), {bin}");
    for n in sizes {
        match measure(&bin, n) {
            Ok((mb, took, refreshed)) => println!(
                "{n:>7} jobs: peak RSS {mb:>6.1} MB (listed in {:.1} s); after a refresh (r): {}",
                took.as_secs_f64(),
                refreshed.map_or("not seen".to_string(), |r| format!("{r:.1} MB"))
            ),
            Err(e) => println!("{n:>7} jobs: not measured: {e}"),
        }
    }
}
