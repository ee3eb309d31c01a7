//! The journal file: append-only JSON lines, each write fsynced under an exclusive
//! lock, reads under a shared one. The only file I/O of the journal.

use crate::domain::journal::Record;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

/// What reading the journal found: records, and lines it had to skip.
#[derive(Debug, Default)]
pub struct ReadResult {
    pub records: Vec<Record>,
    /// e.g. "line 12: not a journal record (truncated?): …"
    pub problems: Vec<String>,
    /// The 1-based line numbers of `problems`, in the same order.
    pub bad_lines: Vec<usize>,
    /// The 1-based line number of each of `records`.
    pub record_lines: Vec<usize>,
    /// False when the last line has no newline (a writer died mid-line).
    pub ends_with_newline: bool,
}

impl Journal {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Journal { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line, under an exclusive lock, then fsyncs.
    pub fn append(&self, rec: &Record) -> io::Result<()> {
        self.transact(|_| Ok::<_, io::Error>((vec![rec.clone()], ())))
            .map_err(|e| match e {
                TxError::Io(e) | TxError::Refused(e) => e,
            })
    }

    /// Reads every record; corrupt or truncated lines are reported and skipped.
    /// A journal is a regular file (or not there yet): a device (`/dev/full`,
    /// `/dev/zero`), a FIFO or a directory is refused before it is opened, and a file
    /// beyond [`MAX_JOURNAL_BYTES`] is not read.
    pub fn check(&self) -> io::Result<()> {
        match std::fs::metadata(&self.path) {
            Ok(m) if !m.is_file() => Err(io::Error::other(format!(
                "{} is not a regular file (a device, FIFO or directory); the journal must be a file",
                self.path.display()
            ))),
            Ok(m) if m.len() > MAX_JOURNAL_BYTES => Err(io::Error::other(format!(
                "{} is larger than {} MiB; move it aside (keep it: it is the record) and start a new journal",
                self.path.display(),
                MAX_JOURNAL_BYTES >> 20
            ))),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub fn read(&self) -> io::Result<ReadResult> {
        self.check()?;
        let f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ReadResult::default()),
            Err(e) => return Err(e),
        };
        f.lock_shared()?;
        let r = parse_all(&f, &self.path);
        let _ = f.unlock();
        r
    }

    /// Under one exclusive lock: reads every record, lets `decide` look at them, and
    /// appends (and fsyncs) the records it returns. Nobody else writes in between, so
    /// a check and the record it allows are one step for every process sharing the
    /// journal.
    pub fn transact<T, E>(
        &self,
        decide: impl FnOnce(&ReadResult) -> Result<(Vec<Record>, T), E>,
    ) -> Result<T, TxError<E>> {
        injected_write_fault().map_err(TxError::Io)?;
        let f = self.open_locked().map_err(TxError::Io)?;
        let res = (|| {
            let read = parse_all(&f, &self.path).map_err(TxError::Io)?;
            let (records, value) = decide(&read).map_err(TxError::Refused)?;
            if records.is_empty() {
                return Ok(value);
            }
            let len = f.metadata().map_err(TxError::Io)?.len();
            let mut text = String::new();
            // A previous writer may have died mid-line: start on a fresh line.
            if len > 0 && !read.ends_with_newline {
                text.push('\n');
            }
            for r in &records {
                text.push_str(
                    &serde_json::to_string(r).map_err(|e| TxError::Io(io::Error::other(e)))?,
                );
                text.push('\n');
            }
            (&f).write_all(text.as_bytes())
                .and_then(|_| f.sync_data())
                .map_err(TxError::Io)?;
            // The first record also makes the file's directory entry durable.
            #[cfg(unix)]
            if len == 0 {
                if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    if let Ok(d) = File::open(dir) {
                        let _ = d.sync_all();
                    }
                }
            }
            Ok(value)
        })();
        let _ = f.unlock();
        res
    }

    /// Opens the journal and takes its exclusive lock. Locks belong to the file, not
    /// the path: if the file was moved aside or replaced while we waited, the lock is on
    /// the old one, so open the path again.
    fn open_locked(&self) -> io::Result<File> {
        for _ in 0..5 {
            let f = self.open_rw()?;
            f.lock()?;
            if same_file(&f, &self.path) {
                return Ok(f);
            }
            let _ = f.unlock();
        }
        Err(io::Error::other(format!(
            "{} keeps being replaced while it is written",
            self.path.display()
        )))
    }

    fn open_rw(&self) -> io::Result<File> {
        self.check()?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut o = OpenOptions::new();
        o.create(true).read(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        o.open(&self.path)
    }
}

/// Fault injection for tests of a journal that stops taking writes (a full disk, a
/// file made read-only): with `DTS_SWITCH_FAULT_JOURNAL_WRITES=N` in the environment,
/// the writes after the first N of this process fail.
fn injected_write_fault() -> io::Result<()> {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::OnceLock;
    static LEFT: OnceLock<AtomicI64> = OnceLock::new();
    let left = LEFT.get_or_init(|| {
        AtomicI64::new(
            std::env::var("DTS_SWITCH_FAULT_JOURNAL_WRITES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(i64::MAX),
        )
    });
    if left.fetch_sub(1, Ordering::SeqCst) <= 0 {
        return Err(io::Error::other(
            "no space left on device (injected by DTS_SWITCH_FAULT_JOURNAL_WRITES)",
        ));
    }
    Ok(())
}

/// True when the open file `f` is still the file at `path`.
fn same_file(f: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (f.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (f, path);
        true
    }
}

/// Why [`Journal::transact`] did not write.
#[derive(Debug)]
pub enum TxError<E> {
    /// The journal could not be opened, locked, read or written.
    Io(io::Error),
    /// The decision refused.
    Refused(E),
}

/// The largest journal read (about a million records).
pub const MAX_JOURNAL_BYTES: u64 = 256 << 20;

fn parse_all(f: &File, path: &Path) -> io::Result<ReadResult> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = f;
    f.seek(SeekFrom::Start(0))?;
    if f.metadata()?.len() > MAX_JOURNAL_BYTES {
        return Err(io::Error::other(format!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_JOURNAL_BYTES >> 20
        )));
    }
    let mut out = ReadResult {
        ends_with_newline: true,
        ..ReadResult::default()
    };
    for (i, line) in BufReader::new(f.take(MAX_JOURNAL_BYTES))
        .split(b'\n')
        .enumerate()
    {
        let line = line?;
        let mut bytes: &[u8] = &line;
        // A BOM (an editor's) and CRLF line ends are read as what they are.
        if i == 0 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let text = String::from_utf8_lossy(bytes);
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(&text) {
            Ok(r) => {
                out.records.push(r);
                out.record_lines.push(i + 1);
            }
            Err(e) => {
                out.bad_lines.push(i + 1);
                let snippet: String = text.chars().take(60).collect();
                out.problems.push(format!(
                    "{}: line {}: skipped, not a journal record ({e}; truncated by a crash?): {snippet}",
                    path.display(),
                    i + 1
                ))
            }
        }
    }
    let len = f.seek(SeekFrom::End(0))?;
    if len > 0 {
        f.seek(SeekFrom::Start(len - 1))?;
        let mut b = [0u8; 1];
        f.read_exact(&mut b)?;
        out.ends_with_newline = b[0] == b'\n';
    }
    Ok(out)
}
