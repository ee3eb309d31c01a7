//! Logging goes to a file in the data directory, never to the terminal. A log file that
//! cannot be written (disk full, made read-only, removed device) is never complained
//! about on stderr (that would land behind the TUI): the first failure is kept for
//! [`take_failure`], which the TUI says once in its status line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The first write failure, until it is taken; then `Taken`.
static FAILURE: Mutex<Failure> = Mutex::new(Failure::None);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    None,
    Pending(String),
    Taken,
}

/// Keeps the first failure (later ones are the same story).
fn note_failure(e: &std::io::Error) {
    if let Ok(mut f) = FAILURE.lock() {
        if *f == Failure::None {
            *f = Failure::Pending(e.to_string());
        }
    }
}

/// The first time the log file could not be written, once: `Some(error)` the first
/// call after a failure, `None` before it and ever after.
pub fn take_failure() -> Option<String> {
    let mut f = FAILURE.lock().ok()?;
    match std::mem::replace(&mut *f, Failure::Taken) {
        Failure::Pending(e) => Some(e),
        other => {
            *f = other;
            None
        }
    }
}

/// The log file's writer: a failed write is noted (see [`take_failure`]) and swallowed,
/// so the logging library has nothing to print.
pub struct LogWriter<W>(pub W);

impl<W: Write> Write for LogWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write_all(buf) {
            Ok(()) => Ok(buf.len()),
            Err(e) => {
                note_failure(&e);
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if let Err(e) = self.0.flush() {
            note_failure(&e);
        }
        Ok(())
    }
}

/// The data directory: `DTS_SWITCH_DATA`, else the platform's (e.g. ~/.local/share/dts-switch).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DTS_SWITCH_DATA").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "dts-switch").map(|p| p.data_dir().to_path_buf())
}

/// Opens `path` for appending, creating it readable and writable by its owner only
/// (0600): the log holds job names, endpoints and RequestIds. An existing regular file
/// that others can read is narrowed to 0600 (never a device or a pipe it points to).
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        let f = o.open(path)?;
        let meta = f.metadata()?;
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o077 != 0 {
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
        .log_internal_errors(false)
        .with_writer(Mutex::new(LogWriter(file)))
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

    #[test]
    fn a_failed_write_is_swallowed_and_told_once() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::from_raw_os_error(28))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut w = LogWriter(Full);
        assert_eq!(w.write(b"line\n").unwrap(), 5, "the library sees no error");
        assert!(w.write(b"again\n").is_ok());
        let e = take_failure().expect("the first failure is kept");
        assert!(e.contains("No space left"), "{e}");
        assert_eq!(take_failure(), None, "told once");
        assert!(w.write(b"more\n").is_ok());
        assert_eq!(take_failure(), None, "and never again");
    }
}
