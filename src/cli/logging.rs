//! Logging goes to a file in the data directory, never to the terminal.

use std::path::PathBuf;

/// The data directory: `DTS_SWITCH_DATA`, else the platform's (e.g. ~/.local/share/dts-switch).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DTS_SWITCH_DATA").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "dts-switch").map(|p| p.data_dir().to_path_buf())
}

/// Starts logging to `<data_dir>/dts-switch.log` at the level of `DTS_SWITCH_LOG`
/// (default `info`). Failing to open the file leaves logging off; it never stops a run.
pub fn init() {
    let Some(dir) = data_dir() else { return };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let path = dir.join("dts-switch.log");
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DTS_SWITCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("dts_switch=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}
