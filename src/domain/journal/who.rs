//! Who wrote a record: the command, process id and host, and whether that process is
//! still running.
//!
//! A PID alone does not name a process: after a reboot, or once the PID is reused,
//! `/proc/<pid>` is another program. So a record also names the process by its start
//! (field 22 of `/proc/<pid>/stat`, clock ticks since boot, and the boot id of
//! `/proc/sys/kernel/random/boot_id`) and its program (`/proc/<pid>/exe`). A process is
//! running only when all of them match and the program is a dts-switch binary.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The identity of the process that wrote a record (structured; `by` is its words).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub host: String,
    /// `/proc/sys/kernel/random/boot_id` when the record was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    /// When the process started: clock ticks since boot (field 22 of `/proc/<pid>/stat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ticks: Option<u64>,
    /// The process's program (`/proc/<pid>/exe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
}

/// Whether the process a record names can still answer for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    /// This very process.
    This,
    /// Another dts-switch process on this host, still running: its answers may come.
    Running,
    /// The process is gone: no such PID, the PID belongs to another program or started
    /// later, or the host rebooted since.
    Stopped,
    /// Written on another host: that process cannot be checked from here.
    OtherHost(String),
    /// The record names no process (hand-written, or no `by`).
    Unknown,
}

impl Liveness {
    /// Words for an unfinished intent of this process: "(the process stopped)", or for
    /// another host "sent from host X; cannot check that process from here".
    pub fn words(&self) -> String {
        match self {
            Liveness::OtherHost(h) => format!(
                "sent from host {}; cannot check that process from here",
                crate::text::clean(h)
            ),
            Liveness::Running => "the process that sent it is still running".into(),
            _ => "the process stopped".into(),
        }
    }
}

/// Whether the process named by `by` (see [`who`]) and, for records that have it, its
/// structured identity, is still running. Records without `process` (older versions)
/// are judged by their words: the PID and host, the start time when the words give it,
/// and the program now at that PID (another program means the process stopped).
pub fn liveness(by: Option<&str>, process: Option<&Process>) -> Liveness {
    let me = this_process();
    if let Some(p) = process {
        if p.host != me.host {
            return Liveness::OtherHost(p.host.clone());
        }
        if let (Some(then), Some(now)) = (&p.boot_id, &me.boot_id) {
            if then != now {
                return Liveness::Stopped;
            }
        }
        if p.pid == me.pid {
            return match (p.start_ticks, me.start_ticks) {
                (Some(a), Some(b)) if a != b => Liveness::Stopped,
                _ => Liveness::This,
            };
        }
        let Some(ticks) = start_ticks_of(p.pid) else {
            return Liveness::Stopped;
        };
        if p.start_ticks.is_some_and(|t| t != ticks) {
            return Liveness::Stopped;
        }
        return program_check(p.pid, p.exe.as_deref());
    }
    let Some((pid, host, started)) = by.and_then(parse_by) else {
        return Liveness::Unknown;
    };
    if host != me.host {
        return Liveness::OtherHost(host.to_string());
    }
    if pid == me.pid {
        return Liveness::This;
    }
    let Some(ticks) = start_ticks_of(pid) else {
        return Liveness::Stopped;
    };
    if let (Some(then), Some(now)) = (started, start_time_of(ticks)) {
        // The words give whole seconds, and the boot time the kernel reports may move by
        // a second: allow two.
        if (then - now).num_seconds().abs() > 2 {
            return Liveness::Stopped;
        }
    }
    program_check(pid, None)
}

/// True when `by` (see [`who`]) names another process on this host that is still
/// running: that process is handling the plan, so this one should only watch it.
/// Judged by the words alone (see [`liveness`] for records with `process`).
pub fn live_elsewhere(by: &str) -> bool {
    liveness(Some(by), None) == Liveness::Running
}

/// The PID, host and (when given) start time in the words of [`who`]:
/// `dts-switch switch (pid 4711 on jump1, started 2026-12-03T13:01:02Z)`.
fn parse_by(by: &str) -> Option<(u32, &str, Option<chrono::DateTime<chrono::Utc>>)> {
    let rest = by.split("(pid ").nth(1)?;
    let rest = rest.strip_suffix(')').unwrap_or(rest);
    let (pid, rest) = rest.split_once(" on ")?;
    let pid = pid.trim().parse::<u32>().ok()?;
    let (host, started) = match rest.split_once(", started ") {
        Some((h, s)) => (
            h,
            chrono::DateTime::parse_from_rfc3339(s.trim())
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc)),
        ),
        None => (rest, None),
    };
    Some((pid, host, started))
}

/// A live PID whose start matched: running when its program is a dts-switch binary.
/// A program that cannot be read (another user's process) is given the benefit of the
/// doubt: running (the safe side: nothing may be dismissed while it runs).
fn program_check(pid: u32, recorded: Option<&str>) -> Liveness {
    match std::fs::read_link(format!("/proc/{pid}/exe")) {
        Ok(exe) if is_dts_switch(&exe.to_string_lossy(), recorded) => Liveness::Running,
        Ok(_) => Liveness::Stopped,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Liveness::Stopped,
        Err(_) => Liveness::Running,
    }
}

/// A dts-switch binary: named so (an installed `dts-switch`, a build's `dts-switch`, a
/// renamed copy with the name the record gave), also after it was replaced on disk.
fn is_dts_switch(exe: &str, recorded: Option<&str>) -> bool {
    let name = |p: &str| {
        let p = p.strip_suffix(" (deleted)").unwrap_or(p);
        Path::new(p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let n = name(exe);
    n.starts_with("dts-switch")
        || recorded.is_some_and(|r| !name(r).is_empty() && name(r) == n)
        || this_process()
            .exe
            .as_deref()
            .is_some_and(|me| name(me) == n && !n.is_empty())
}

/// Field 22 of `/proc/<pid>/stat`: when the process started, in clock ticks since boot.
pub fn start_ticks_of(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    // Fields from 3 (state) on; starttime is field 22.
    after.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// The wall-clock start of a process that started `ticks` after boot.
fn start_time_of(ticks: u64) -> Option<chrono::DateTime<chrono::Utc>> {
    let btime = boot_time()?;
    let ms = ticks.checked_mul(1000)? / clock_ticks_per_second();
    chrono::DateTime::from_timestamp_millis(btime.checked_mul(1000)?.checked_add(ms as i64)?)
}

/// `btime` of `/proc/stat`: the boot, in seconds since the epoch.
fn boot_time() -> Option<i64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// The kernel's clock ticks per second (`AT_CLKTCK` of the auxiliary vector; 100 on
/// every common Linux).
fn clock_ticks_per_second() -> u64 {
    static HZ: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        const AT_CLKTCK: u64 = 17;
        let w = std::mem::size_of::<usize>();
        std::fs::read("/proc/self/auxv")
            .ok()
            .and_then(|b| {
                b.chunks_exact(2 * w).find_map(|pair| {
                    let word = |s: &[u8]| -> u64 {
                        let mut a = [0u8; 8];
                        a[..w].copy_from_slice(s);
                        u64::from_ne_bytes(a)
                    };
                    (word(&pair[..w]) == AT_CLKTCK).then(|| word(&pair[w..]))
                })
            })
            .filter(|hz| *hz > 0)
            .unwrap_or(100)
    })
}

/// This process, read once: PID, host, boot, start and program.
pub fn this_process() -> &'static Process {
    static ME: std::sync::OnceLock<Process> = std::sync::OnceLock::new();
    ME.get_or_init(|| {
        let pid = std::process::id();
        Process {
            pid,
            host: this_host().to_string(),
            boot_id: std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
                .ok()
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty()),
            start_ticks: start_ticks_of(pid),
            exe: std::fs::read_link("/proc/self/exe")
                .ok()
                .map(|p| p.to_string_lossy().into_owned()),
        }
    })
}

/// The structured identity to record with the words `by`: this process's, when the words
/// name this process (they do, but for words written by hand, e.g. in tests).
pub fn process_for(by: &str) -> Option<Process> {
    let me = this_process();
    match parse_by(by) {
        Some((pid, host, _)) if pid == me.pid && host == me.host => Some(me.clone()),
        _ => None,
    }
}

/// Who is writing: the command, process id, host and start time, for "sent by … at …"
/// answers (the structured identity is [`this_process`]).
pub fn who(command: &str) -> String {
    let me = this_process();
    let started = me
        .start_ticks
        .and_then(start_time_of)
        .map(|t| {
            format!(
                ", started {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        })
        .unwrap_or_default();
    format!(
        "dts-switch {command} (pid {} on {}{started})",
        me.pid, me.host
    )
}

/// This machine's name, read once.
fn this_host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "this host".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_carry_pid_host_and_start() {
        let w = who("switch");
        let (pid, host, started) = parse_by(&w).expect(&w);
        assert_eq!(pid, std::process::id());
        assert_eq!(host, this_process().host);
        let started = started.expect(&w);
        let age = chrono::Utc::now() - started;
        assert!(age.num_seconds() >= -2 && age.num_hours() < 24, "{w}");
        assert_eq!(liveness(Some(&w), None), Liveness::This);
        assert_eq!(
            liveness(Some(&w), Some(this_process())),
            Liveness::This,
            "{w}"
        );
        // Words of an older version.
        assert_eq!(
            parse_by("dts-switch switch (pid 7 on h)"),
            Some((7, "h", None))
        );
    }

    #[test]
    fn another_host_is_never_judged_from_here() {
        let p = Process {
            pid: std::process::id(),
            host: "elsewhere-1".into(),
            ..Process::default()
        };
        assert_eq!(
            liveness(None, Some(&p)),
            Liveness::OtherHost("elsewhere-1".into())
        );
        assert_eq!(
            liveness(Some("dts-switch switch (pid 1 on elsewhere-1)"), None),
            Liveness::OtherHost("elsewhere-1".into())
        );
        assert!(Liveness::OtherHost("x".into())
            .words()
            .contains("cannot check that process from here"));
    }

    #[test]
    fn another_boot_or_another_start_is_stopped() {
        let me = this_process().clone();
        let rebooted = Process {
            boot_id: Some("not-this-boot".into()),
            ..me.clone()
        };
        if me.boot_id.is_some() {
            assert_eq!(liveness(None, Some(&rebooted)), Liveness::Stopped);
        }
        let later = Process {
            start_ticks: me.start_ticks.map(|t| t + 1),
            ..me.clone()
        };
        if me.start_ticks.is_some() {
            assert_eq!(liveness(None, Some(&later)), Liveness::Stopped);
        }
        // PID 1 (init) is not dts-switch.
        let init = Process {
            pid: 1,
            start_ticks: start_ticks_of(1),
            ..me
        };
        if init.start_ticks.is_some() && std::fs::read_link("/proc/1/exe").is_ok() {
            assert_eq!(liveness(None, Some(&init)), Liveness::Stopped);
        }
    }

    #[test]
    fn a_program_is_dts_switch_by_its_name() {
        assert!(is_dts_switch("/usr/local/bin/dts-switch", None));
        assert!(is_dts_switch("/x/target/debug/dts-switch (deleted)", None));
        assert!(!is_dts_switch("/usr/bin/sleep", None));
        assert!(is_dts_switch("/opt/sw", Some("/opt/sw")));
    }
}
