//! Who wrote a record: the command, process id and host, and whether that process is
//! still running.

use std::path::Path;

/// True when `by` (see [`who`]) names another process on this host that is still
/// running: that process is handling the plan, so this one should only watch it.
pub fn live_elsewhere(by: &str) -> bool {
    let Some(rest) = by.split("(pid ").nth(1) else {
        return false;
    };
    let Some((pid, host)) = rest.trim_end_matches(')').split_once(" on ") else {
        return false;
    };
    let Ok(pid) = pid.trim().parse::<u32>() else {
        return false;
    };
    pid != std::process::id() && host == this_host() && Path::new(&format!("/proc/{pid}")).exists()
}

/// Who is writing: the command, process id and host, for "sent by … at …" answers.
pub fn who(command: &str) -> String {
    format!(
        "dts-switch {command} (pid {} on {})",
        std::process::id(),
        this_host()
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
