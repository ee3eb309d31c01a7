//! The journal file: append-only JSON lines, each write fsynced under an exclusive
//! lock, reads under a shared one. The only file I/O of the journal.

use crate::domain::journal::fold::Folder;
use crate::domain::journal::{PlanSummary, Record};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The journal at a path. Clones share what was read of it (see [`Cache`]).
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    cache: Arc<Mutex<Option<Cache>>>,
}

/// What this process has read of the journal: the records of every complete line up
/// to `offset`, so the next read parses only what was appended since. Journals are
/// append-only; the cache is used only while the file is the same one (device and
/// inode), no shorter, and still has the bytes the cache saw at its start and right
/// before `offset` (a rewrite or a truncation is read again from the start).
#[derive(Debug)]
struct Cache {
    dev: u64,
    ino: u64,
    /// Bytes read: the end of the last complete line.
    offset: u64,
    /// Lines read (the next line's 0-based number).
    lines: usize,
    head: Vec<u8>,
    tail: Vec<u8>,
    result: ReadResult,
}

/// How many bytes of the start and of the end of what was read are compared.
const PROBE: usize = 64;

/// What reading the journal found: records, and lines it had to skip. The records are
/// shared with the journal's cache (cheap to hand out; copied only when changed).
#[derive(Debug, Default, Clone)]
pub struct ReadResult {
    /// How many records were read.
    pub records: usize,
    /// e.g. "line 12: not a journal record (truncated?): …"
    pub problems: Vec<String>,
    /// The 1-based line numbers of `problems`, in the same order.
    pub bad_lines: Vec<usize>,
    /// False when the last line has no newline (a writer died mid-line).
    pub ends_with_newline: bool,
    /// The records folded into per-plan summaries (as [`crate::domain::journal::summarize`]).
    folded: Arc<Folder>,
}

impl ReadResult {
    /// Every plan, in the order plans were started: the fold of [`Self::records`].
    pub fn plans(&self) -> &[PlanSummary] {
        self.folded.plans()
    }
    /// The fold itself (plans, and the records that do not fit together).
    pub fn folded(&self) -> &Folder {
        &self.folded
    }
}

impl Journal {
    /// The journal at `path`. Every `Journal` of one path in this process shares one
    /// cache, so each appended line is parsed once per process.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        use std::collections::HashMap;
        use std::sync::OnceLock;
        type Caches = Mutex<HashMap<PathBuf, Arc<Mutex<Option<Cache>>>>>;
        static CACHES: OnceLock<Caches> = OnceLock::new();
        let path = path.into();
        let cache = CACHES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(path.clone())
            .or_default()
            .clone();
        Journal { path, cache }
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
        let r = self.parse(&f);
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
            let read = self.parse(&f).map_err(TxError::Io)?;
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

impl Journal {
    /// Everything in the open file `f` (locked by the caller): the cache, and what
    /// was appended since.
    fn parse(&self, f: &File) -> io::Result<ReadResult> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = f;
        let len = f.metadata()?.len();
        if len > MAX_JOURNAL_BYTES {
            return Err(io::Error::other(format!(
                "{} is larger than {} MiB",
                self.path.display(),
                MAX_JOURNAL_BYTES >> 20
            )));
        }
        let (dev, ino) = file_id(f)?;
        let mut guard = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let still = guard.as_ref().is_some_and(|c| {
            c.dev == dev
                && c.ino == ino
                && len >= c.offset
                && read_at(f, 0, c.head.len()).is_ok_and(|h| h == c.head)
                && read_at(f, c.offset - c.tail.len() as u64, c.tail.len())
                    .is_ok_and(|t| t == c.tail)
        });
        if !still {
            *guard = Some(Cache {
                dev,
                ino,
                offset: 0,
                lines: 0,
                head: Vec::new(),
                tail: Vec::new(),
                result: ReadResult {
                    ends_with_newline: true,
                    ..ReadResult::default()
                },
            });
        }
        let cache = guard.as_mut().expect("set above");
        file.seek(SeekFrom::Start(cache.offset))?;
        // Complete lines go into the cache, read a line at a time (a big journal is
        // never held whole); a last line without its newline (a writer died mid-line,
        // or is writing) is read each time until it is complete.
        let mut reader = std::io::BufReader::with_capacity(1 << 16, file.take(len - cache.offset));
        let mut line = Vec::new();
        let mut complete = 0u64;
        let mut partial: Vec<u8> = Vec::new();
        {
            let r = &mut cache.result;
            let mut n = cache.lines;
            loop {
                line.clear();
                let got = std::io::BufRead::read_until(&mut reader, b'\n', &mut line)?;
                if got == 0 {
                    break;
                }
                if line.last() != Some(&b'\n') {
                    partial = std::mem::take(&mut line);
                    break;
                }
                complete += got as u64;
                let text = &line[..line.len() - 1];
                if let Some(rec) =
                    parse_line(text, n, &self.path, &mut r.problems, &mut r.bad_lines)
                {
                    Arc::make_mut(&mut r.folded).add_at(&rec, n + 1);
                    r.records += 1;
                }
                n += 1;
            }
            cache.lines = n;
        }
        cache.offset += complete;
        if cache.head.len() < PROBE {
            cache.head = read_at(f, 0, (cache.offset as usize).min(PROBE))?;
        }
        let t = (cache.offset as usize).min(PROBE);
        cache.tail = read_at(f, cache.offset - t as u64, t)?;
        let mut out = cache.result.clone();
        if !partial.is_empty() {
            if let Some(rec) = parse_line(
                &partial,
                cache.lines,
                &self.path,
                &mut out.problems,
                &mut out.bad_lines,
            ) {
                Arc::make_mut(&mut out.folded).add_at(&rec, cache.lines + 1);
                out.records += 1;
            }
        }
        out.ends_with_newline = len == 0 || partial.is_empty();
        Ok(out)
    }
}

/// The bytes `[at, at + n)` of `f`.
fn read_at(f: &File, at: u64, n: usize) -> io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = f;
    file.seek(SeekFrom::Start(at))?;
    let mut b = vec![0u8; n];
    file.read_exact(&mut b)?;
    Ok(b)
}

fn file_id(f: &File) -> io::Result<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = f.metadata()?;
        Ok((m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = f;
        Ok((0, 0))
    }
}

/// One line (0-based number `i`, without its newline): its record, or its problem.
fn parse_line(
    line: &[u8],
    i: usize,
    path: &Path,
    problems: &mut Vec<String>,
    bad_lines: &mut Vec<usize>,
) -> Option<Record> {
    let mut bytes: &[u8] = line;
    // A BOM (an editor's) and CRLF line ends are read as what they are.
    if i == 0 {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        return None;
    }
    match serde_json::from_str::<Record>(&text) {
        Ok(r) => Some(r),
        Err(e) => {
            bad_lines.push(i + 1);
            let snippet: String = text.chars().take(60).collect();
            problems.push(format!(
                "{}: line {}: skipped, not a journal record ({e}; truncated by a crash?): {snippet}",
                path.display(),
                i + 1
            ));
            None
        }
    }
}
