//! Logging goes to a file in the data directory, never to the terminal.

use std::path::{Path, PathBuf};

/// The data directory: `DTS_SWITCH_DATA`, else the platform's (e.g. ~/.local/share/dts-switch).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DTS_SWITCH_DATA").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "dts-switch").map(|p| p.data_dir().to_path_buf())
}

/// Opens `path` for appending, creating it readable and writable by its owner only
/// (0600): the log holds job names, endpoints and RequestIds. An existing file that others
/// can read is narrowed to 0600.
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        let f = o.open(path)?;
        let mode = f.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
        }
        Ok(f)
    }
    #[cfg(not(unix))]
    {
        o.open(path)
    }
}

/// Starts logging to `<data_dir>/dts-switch.log` at the level of `DTS_SWITCH_LOG`
/// (default `info`). Failing to open the file leaves logging off; it never stops a run.
pub fn init() {
    let Some(dir) = data_dir() else { return };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let path = dir.join("dts-switch.log");
    let Ok(file) = open_private_append(&path) else {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn log_file_is_private() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("dts-switch.log");
        open_private_append(&p).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_private_append(&p).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "an existing readable log is narrowed");
    }
}
