//! The write-ahead journal: append-only JSON lines recording every switch this tool
//! starts — the plan, the intent before each request is written to the network, the
//! answer, each task status change, and the end. Each record is fsynced under an
//! exclusive file lock, so several processes can share one journal.
//!
//! Secrets are never recorded: parameters are the business parameters of the plan
//! (no signature, no token), and the AccessKeyId is masked.

use crate::domain::endpoint::EndpointInfo;
use crate::domain::family::{DryRun, Family};
use crate::domain::outcome::Outcome;
use crate::domain::plan::{Direction, Plan, PlannedCall, Side};
use crate::domain::Topology;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};

use std::path::{Path, PathBuf};

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalCall {
    pub direction: Direction,
    pub endpoint_type: Side,
    pub params: Vec<(String, String)>,
    /// The side's endpoint before, and the new one (for old → new and the checks
    /// before each write). Absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<EndpointInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<EndpointInfo>,
    /// The dry run's verdict (maintained family).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<DryRun>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A plan the operator confirmed, written before its first call.
    Plan {
        plan_id: String,
        at: String,
        region: String,
        endpoint: String,
        access_key_id: String,
        job_id: String,
        job_name: String,
        topology: Topology,
        calls: Vec<JournalCall>,
        /// Who confirmed it: command, process id, host (see [`who`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// The run this plan belongs to (a single switch is a batch of one job).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch_id: Option<String>,
        /// Every id of the job (instance id, each direction's DtsJobId): the guard's key.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        job_ids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dts_job_id: Option<String>,
        /// The API family of its calls (older records: legacy).
        #[serde(default)]
        family: Family,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        family_reason: String,
    },
    /// Call `index` is about to be written to the network.
    Intent {
        plan_id: String,
        index: usize,
        at: String,
        /// Who sent it: command, process id, host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// The service accepted call `index`.
    Accepted {
        plan_id: String,
        index: usize,
        at: String,
        request_id: Option<String>,
        task_id: String,
    },
    /// A task status change.
    Status {
        plan_id: String,
        index: usize,
        at: String,
        task_id: String,
        status: String,
    },
    /// Call `index` is over (as far as this process could tell).
    Done {
        plan_id: String,
        index: usize,
        at: String,
        outcome: Outcome,
        request_id: Option<String>,
        task_id: Option<String>,
        status: Option<String>,
        error: Option<String>,
        /// What else the operator should know (e.g. "already switched by someone else?").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The operator checked by hand and took the plan off the pending list.
    Dismissed { plan_id: String, at: String },
    /// Watching the job after every call Finished (see `domain::verify`).
    VerifyStarted {
        plan_id: String,
        at: String,
        directions: Vec<Direction>,
    },
    /// The verdict on one switched direction.
    Verified {
        plan_id: String,
        at: String,
        direction: Direction,
        verdict: crate::domain::outcome::Verdict,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay_secs: Option<f64>,
    },
    /// The operator looked at journal lines that cannot be read (by number) and
    /// accepted them: they no longer block switches.
    DamageAccepted {
        at: String,
        lines: Vec<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
}

impl Record {
    pub fn plan_id(&self) -> &str {
        match self {
            Record::Plan { plan_id, .. }
            | Record::Intent { plan_id, .. }
            | Record::Accepted { plan_id, .. }
            | Record::Status { plan_id, .. }
            | Record::Done { plan_id, .. }
            | Record::Dismissed { plan_id, .. }
            | Record::VerifyStarted { plan_id, .. }
            | Record::Verified { plan_id, .. } => plan_id,
            Record::DamageAccepted { .. } => "",
        }
    }
}

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

/// Every damaged line not yet accepted: lines that cannot be read, and records whose
/// plan record is missing. (line, what).
pub fn damage(read: &ReadResult) -> Vec<(usize, String)> {
    let accepted: std::collections::HashSet<usize> = read
        .records
        .iter()
        .filter_map(|r| match r {
            Record::DamageAccepted { lines, .. } => Some(lines.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    read.bad_lines
        .iter()
        .copied()
        .zip(read.problems.iter().cloned())
        .chain(orphans(read))
        .filter(|(n, _)| !accepted.contains(n))
        .collect()
}

/// Records that do not fit together (a deleted, mangled or hand-written line): a record
/// of a plan whose plan line is missing or comes later, a call index the plan does not
/// have, or an intent for a call whose earlier call had not Finished. They may belong to
/// a switch in progress, so they count as damage. Returns (line, text).
pub fn orphans(read: &ReadResult) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut plans: std::collections::HashMap<&str, Vec<CallState>> = Default::default();
    for (r, line) in read.records.iter().zip(&read.record_lines) {
        let line = *line;
        match r {
            Record::Plan { plan_id, calls, .. } => {
                plans
                    .entry(plan_id.as_str())
                    .or_insert_with(|| vec![CallState::NotStarted; calls.len()]);
            }
            Record::DamageAccepted { .. } => {}
            Record::Dismissed { .. } | Record::VerifyStarted { .. } | Record::Verified { .. } => {
                if !plans.contains_key(r.plan_id()) {
                    out.push((
                        line,
                        format!(
                            "line {line}: a record of plan {} before or without its plan line",
                            r.plan_id()
                        ),
                    ));
                }
            }
            Record::Intent { plan_id, index, .. }
            | Record::Accepted { plan_id, index, .. }
            | Record::Status { plan_id, index, .. }
            | Record::Done { plan_id, index, .. } => {
                let Some(states) = plans.get_mut(plan_id.as_str()) else {
                    out.push((line, format!("line {line}: a record of plan {plan_id} before or without its plan line (deleted or damaged?)")));
                    continue;
                };
                if *index >= states.len() {
                    out.push((
                        line,
                        format!(
                            "line {line}: call {} of plan {plan_id}, which has {} call(s)",
                            index + 1,
                            states.len()
                        ),
                    ));
                    continue;
                }
                match r {
                    Record::Intent { .. } => {
                        let earlier_ok = *index == 0
                            || matches!(
                                states[index - 1],
                                CallState::Done {
                                    outcome: Outcome::Finished,
                                    ..
                                }
                            );
                        if !earlier_ok {
                            out.push((line, format!("line {line}: call {} of plan {plan_id} sent before call {} Finished", index + 1, index)));
                        }
                        states[*index] = CallState::IntentOnly { at: String::new() };
                    }
                    Record::Done { outcome, .. } if *outcome != Outcome::NotSent => {
                        states[*index] = CallState::Done {
                            outcome: *outcome,
                            task_id: None,
                            request_id: None,
                            status: None,
                            error: None,
                        };
                    }
                    _ => {}
                }
            }
        }
    }
    out
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

/// One word or two for a call's state, for messages.
pub fn state_word(s: &CallState) -> String {
    match s {
        CallState::NotStarted => "not sent".into(),
        CallState::IntentOnly { .. } => "of unknown outcome".into(),
        CallState::Running { .. } => "still running".into(),
        CallState::Done { outcome, .. } => outcome.as_str().into(),
    }
}

/// Where one call of a journalled plan stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    /// No intent recorded: never sent.
    NotStarted,
    /// Intent recorded, then nothing: the process died around the send. It may have
    /// reached the service.
    IntentOnly { at: String },
    /// Accepted; the task has not been seen to end.
    Running {
        task_id: String,
        request_id: Option<String>,
        last_status: Option<String>,
    },
    /// Over, with this outcome.
    Done {
        outcome: Outcome,
        task_id: Option<String>,
        request_id: Option<String>,
        status: Option<String>,
        error: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct CallSummary {
    pub direction: Direction,
    pub endpoint_type: Side,
    pub params: Vec<(String, String)>,
    pub old: Option<EndpointInfo>,
    pub new: Option<EndpointInfo>,
    pub dry_run: Option<DryRun>,
    /// The note of its end record, if any.
    pub note: Option<String>,
    pub intent_at: Option<String>,
    /// Who wrote the intent (command, pid, host), when the record says.
    pub intent_by: Option<String>,
    pub accepted_at: Option<String>,
    pub ended_at: Option<String>,
    pub state: CallState,
    /// Every status seen, with its time.
    pub statuses: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct PlanSummary {
    pub plan_id: String,
    /// The batch (older records: the plan id).
    pub batch_id: String,
    pub family: Family,
    pub family_reason: String,
    /// Every id of the job (at least `job_id`).
    pub job_ids: Vec<String>,
    pub dts_job_id: Option<String>,
    pub at: String,
    pub region: String,
    pub endpoint: String,
    pub access_key_id: String,
    pub job_id: String,
    pub job_name: String,
    pub topology: Topology,
    pub calls: Vec<CallSummary>,
    pub dismissed: bool,
    /// Who confirmed the plan (command, pid, host), when the record says.
    pub by: Option<String>,
    /// Verification after the switch was started (and not necessarily finished).
    pub verify_started: bool,
    /// The verdict per switched direction, as journalled.
    pub verdicts: Vec<VerdictSummary>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerdictSummary {
    pub direction: Direction,
    pub verdict: crate::domain::outcome::Verdict,
    pub reason: String,
    pub at: String,
    pub status: Option<String>,
    pub delay_secs: Option<f64>,
}

/// What a plan needs from the operator or from us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Task(s) still running: follow them (index of the first).
    Follow(usize),
    /// A call's outcome is unknown: check by hand; never resent automatically.
    Unknown(usize),
    /// Earlier calls finished; call `index` was never sent: offer to continue.
    Continue(usize),
}

impl PlanSummary {
    /// The same DTS job: the same region and any id in common, whichever id each was
    /// named by (instance id, either direction's DtsJobId; case, spaces and the `dts`
    /// prefix of an instance id aside).
    pub fn same_job(&self, job_ids: &[String], region: &str) -> bool {
        self.region.trim().eq_ignore_ascii_case(region.trim())
            && ids_overlap(&self.job_ids, job_ids)
    }

    /// Call `i` was handed to the network by another process on this host that is
    /// still running: its answer may still come. Not an unknown outcome yet.
    pub fn in_flight(&self, i: usize) -> Option<&str> {
        let c = self.calls.get(i)?;
        match c.state {
            CallState::IntentOnly { .. } => c.intent_by.as_deref().filter(|b| live_elsewhere(b)),
            _ => None,
        }
    }

    /// What the plan waits for, in words (for refusals and lists).
    pub fn pending_text(&self) -> Option<String> {
        if let Some(Pending::Unknown(i)) = self.pending() {
            if let Some(by) = self.in_flight(i) {
                return Some(format!(
                    "call {} ({}) is being sent by {by}, which is still running: wait for it",
                    i + 1,
                    self.calls[i].direction
                ));
            }
        }
        Some(match self.pending()? {
            Pending::Follow(i) => format!(
                "call {} ({}) was accepted and its task was not seen to end",
                i + 1,
                self.calls[i].direction
            ),
            Pending::Unknown(i) => format!(
                "the outcome of call {} ({}) is unknown: it may have executed",
                i + 1,
                self.calls[i].direction
            ),
            Pending::Continue(i) => format!(
                "call {} ({}) was never sent after call {} Finished",
                i + 1,
                self.calls[i].direction,
                i
            ),
        })
    }

    pub fn pending(&self) -> Option<Pending> {
        if self.dismissed {
            return None;
        }
        // A call that may have been sent counts wherever it is in the plan (records
        // that do not fit together must not hide it).
        for (i, c) in self.calls.iter().enumerate() {
            match &c.state {
                CallState::Done {
                    outcome: Outcome::Unknown,
                    ..
                }
                | CallState::IntentOnly { .. } => return Some(Pending::Unknown(i)),
                CallState::Done {
                    outcome: Outcome::Sent | Outcome::StillRunning,
                    ..
                }
                | CallState::Running { .. } => return Some(Pending::Follow(i)),
                _ => {}
            }
        }
        // Nothing is in flight: every call Finished, or the first one that did not was
        // never sent (offered when every earlier call finished) or ended otherwise.
        for (i, c) in self.calls.iter().enumerate() {
            match &c.state {
                CallState::Done {
                    outcome: Outcome::Finished,
                    ..
                } => continue,
                CallState::Done {
                    outcome: Outcome::NotSent,
                    ..
                }
                | CallState::NotStarted => return (i > 0).then_some(Pending::Continue(i)),
                _ => return None,
            }
        }
        None
    }

    /// The plan as the executor takes it, for continuing or following.
    pub fn to_plan(&self) -> Plan {
        Plan {
            id: self.plan_id.clone(),
            batch_id: self.batch_id.clone(),
            job_ids: self.job_ids.clone(),
            dts_job_id: self.dts_job_id.clone(),
            family: self.family,
            family_reason: self.family_reason.clone(),
            password: None,
            job_id: self.job_id.clone(),
            job_name: self.job_name.clone(),
            region: self.region.clone(),
            topology: self.topology,
            topology_overridden: false,
            warnings: vec![],
            calls: self
                .calls
                .iter()
                .map(|c| PlannedCall {
                    direction: c.direction,
                    endpoint_type: c.endpoint_type,
                    // Records from before RegionId was a planned parameter: the
                    // plan's region is what was meant.
                    params: crate::domain::plan::with_region(c.params.clone(), &self.region),
                    old: c.old.clone().unwrap_or_default(),
                    new: c.new.clone().unwrap_or_default(),
                    dry_run: c.dry_run.clone(),
                })
                .collect(),
        }
    }

    /// Every call of the plan Finished.
    pub fn all_finished(&self) -> bool {
        self.calls.iter().all(|c| {
            matches!(
                c.state,
                CallState::Done {
                    outcome: Outcome::Finished,
                    ..
                }
            )
        })
    }

    /// Every call Finished, verification was started, and a switched direction has no
    /// verdict yet (the process stopped while watching): `resume` goes on watching.
    pub fn needs_verification(&self) -> bool {
        !self.dismissed
            && self.verify_started
            && self.all_finished()
            && self
                .calls
                .iter()
                .any(|c| !self.verdicts.iter().any(|v| v.direction == c.direction))
    }

    /// Every call Finished but the job was not seen healthy afterwards: no verdict for a
    /// switched direction (never watched, e.g. `--no-wait`, or interrupted), or a verdict
    /// of failed, timed out or unreadable. `resume` watches such a plan (the latest of its
    /// job) again; skipped (`--no-verify`) is the operator's choice and stays.
    pub fn wants_watch(&self) -> bool {
        use crate::domain::outcome::Verdict;
        !self.dismissed
            && self.all_finished()
            && self.calls.iter().any(|c| {
                match self.verdicts.iter().find(|v| v.direction == c.direction) {
                    None => true,
                    Some(v) => matches!(
                        v.verdict,
                        Verdict::TimedOut | Verdict::Unreadable | Verdict::Failed
                    ),
                }
            })
    }

    /// Who wrote the plan's latest intent (or the plan), as the journal says.
    pub fn last_by(&self) -> Option<&str> {
        self.calls
            .iter()
            .rev()
            .find_map(|c| c.intent_by.as_deref())
            .or(self.by.as_deref())
    }

    /// The task id of call `i`, when it was accepted.
    pub fn task_id(&self, i: usize) -> Option<&str> {
        match &self.calls.get(i)?.state {
            CallState::Running { task_id, .. } => Some(task_id),
            CallState::Done { task_id, .. } => task_id.as_deref(),
            _ => None,
        }
    }
}

/// The forms an id may be written in: itself, and with or without the `dts` prefix a
/// DtsInstanceID has over its DtsJobId (§2.1), lowercased.
fn id_forms(id: &str) -> [String; 2] {
    let id = id.trim().to_ascii_lowercase();
    match id.strip_prefix("dts") {
        Some(rest) if !rest.is_empty() => [id.clone(), rest.to_string()],
        _ => [id.clone(), format!("dts{id}")],
    }
}

/// True when two lists of a job's ids name one job.
pub fn ids_overlap(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| {
        let fx = id_forms(x);
        b.iter().any(|y| {
            let fy = id_forms(y);
            fx.iter().any(|f| !f.is_empty() && fy.contains(f))
        })
    })
}

/// The latest plan of job `job_id` in `region` that still needs something (a task to
/// follow, an unknown outcome, a second call never sent): a new switch of that job must
/// wait until it is resumed or dismissed. Keyed on the job and region, never on how the
/// endpoint was spelled.
/// `except` names a plan that does not count (the one being sent).
pub fn pending_for<'a>(
    plans: &'a [PlanSummary],
    region: &str,
    job_ids: &[String],
    except: Option<&str>,
) -> Option<&'a PlanSummary> {
    plans.iter().rev().find(|p| {
        Some(p.plan_id.as_str()) != except && p.same_job(job_ids, region) && p.pending().is_some()
    })
}

/// Folds records into per-plan summaries, in the order plans were started.
pub fn summarize(records: &[Record]) -> Vec<PlanSummary> {
    let mut plans: Vec<PlanSummary> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        if let Record::Plan {
            plan_id,
            at,
            region,
            endpoint,
            access_key_id,
            job_id,
            job_name,
            topology,
            calls,
            by,
            batch_id,
            job_ids,
            dts_job_id,
            family,
            family_reason,
        } = r
        {
            if index.contains_key(plan_id) {
                continue;
            }
            index.insert(plan_id.clone(), plans.len());
            let mut ids = vec![job_id.clone()];
            ids.extend(job_ids.iter().filter(|i| *i != job_id).cloned());
            plans.push(PlanSummary {
                plan_id: plan_id.clone(),
                batch_id: batch_id.clone().unwrap_or_else(|| plan_id.clone()),
                family: *family,
                family_reason: family_reason.clone(),
                job_ids: ids,
                dts_job_id: dts_job_id.clone(),
                at: at.clone(),
                region: region.clone(),
                endpoint: endpoint.clone(),
                access_key_id: access_key_id.clone(),
                job_id: job_id.clone(),
                job_name: job_name.clone(),
                topology: *topology,
                calls: calls
                    .iter()
                    .map(|c| CallSummary {
                        direction: c.direction,
                        endpoint_type: c.endpoint_type,
                        params: c.params.clone(),
                        old: c.old.clone(),
                        new: c.new.clone(),
                        dry_run: c.dry_run.clone(),
                        note: None,
                        intent_at: None,
                        intent_by: None,
                        accepted_at: None,
                        ended_at: None,
                        state: CallState::NotStarted,
                        statuses: vec![],
                    })
                    .collect(),
                dismissed: false,
                by: by.clone(),
                verify_started: false,
                verdicts: vec![],
            });
            continue;
        }
        let Some(&p) = index.get(r.plan_id()) else {
            continue;
        };
        let plan = &mut plans[p];
        match r {
            Record::Dismissed { .. } => {
                plan.dismissed = true;
                continue;
            }
            Record::VerifyStarted { .. } => {
                plan.verify_started = true;
                continue;
            }
            Record::Verified {
                at,
                direction,
                verdict,
                reason,
                status,
                delay_secs,
                ..
            } => {
                plan.verdicts.retain(|v| v.direction != *direction);
                plan.verdicts.push(VerdictSummary {
                    direction: *direction,
                    verdict: *verdict,
                    reason: reason.clone(),
                    at: at.clone(),
                    status: status.clone(),
                    delay_secs: *delay_secs,
                });
                continue;
            }
            _ => {}
        }
        let call = match r {
            Record::Intent { index, .. }
            | Record::Accepted { index, .. }
            | Record::Status { index, .. }
            | Record::Done { index, .. } => match plan.calls.get_mut(*index) {
                Some(c) => c,
                None => continue,
            },
            _ => continue,
        };
        match r {
            Record::Intent { at, by, .. } => {
                call.intent_at = Some(at.clone());
                call.intent_by = by.clone();
                call.state = CallState::IntentOnly { at: at.clone() };
            }
            Record::Accepted {
                at,
                request_id,
                task_id,
                ..
            } => {
                call.accepted_at = Some(at.clone());
                call.state = CallState::Running {
                    task_id: task_id.clone(),
                    request_id: request_id.clone(),
                    last_status: None,
                };
            }
            Record::Status {
                at,
                status,
                task_id,
                ..
            } => {
                call.statuses.push((at.clone(), status.clone()));
                match &mut call.state {
                    CallState::Running { last_status, .. } => *last_status = Some(status.clone()),
                    CallState::Done { .. } => {}
                    other => {
                        *other = CallState::Running {
                            task_id: task_id.clone(),
                            request_id: None,
                            last_status: Some(status.clone()),
                        }
                    }
                }
            }
            Record::Done {
                at,
                outcome,
                request_id,
                task_id,
                status,
                error,
                note,
                ..
            } => {
                if note.is_some() {
                    call.note = note.clone();
                }
                // A later "finished/failed" from a resume overrides an earlier
                // "still running"/"sent"; a stale not-terminal record never
                // overrides a terminal one. "Not sent" never overrides a call that
                // has an intent: another process may have sent it.
                let terminal_before = matches!(
                    call.state,
                    CallState::Done {
                        outcome: Outcome::Finished | Outcome::Failed | Outcome::Refused,
                        ..
                    }
                );
                let stale_not_sent = *outcome == Outcome::NotSent && call.intent_at.is_some();
                if !terminal_before && !stale_not_sent {
                    let prev_req = match &call.state {
                        CallState::Running { request_id, .. } => request_id.clone(),
                        CallState::Done { request_id, .. } => request_id.clone(),
                        _ => None,
                    };
                    call.ended_at = Some(at.clone());
                    call.state = CallState::Done {
                        outcome: *outcome,
                        task_id: task_id.clone(),
                        request_id: request_id.clone().or(prev_req),
                        status: status.clone(),
                        error: error.clone(),
                    };
                }
            }
            _ => {}
        }
    }
    plans
}

pub fn plan_record(plan: &Plan, endpoint: &str, masked_ak: &str, by: &str) -> Record {
    Record::Plan {
        by: Some(by.to_string()),
        plan_id: plan.id.clone(),
        at: now(),
        region: plan.region.clone(),
        endpoint: endpoint.to_string(),
        access_key_id: masked_ak.to_string(),
        job_id: plan.job_id.clone(),
        job_name: plan.job_name.clone(),
        topology: plan.topology,
        calls: plan
            .calls
            .iter()
            .map(|c| JournalCall {
                direction: c.direction,
                endpoint_type: c.endpoint_type,
                params: c.params.clone(),
                old: Some(c.old.clone()),
                new: Some(c.new.clone()),
                dry_run: c.dry_run.clone(),
            })
            .collect(),
        batch_id: Some(plan.batch_id.clone()),
        job_ids: plan.job_ids.clone(),
        dts_job_id: plan.dts_job_id.clone(),
        family: plan.family,
        family_reason: plan.family_reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_rec(id: &str, n: usize) -> Record {
        let calls = (0..n)
            .map(|i| JournalCall {
                direction: if i == 0 {
                    Direction::Forward
                } else {
                    Direction::Reverse
                },
                endpoint_type: if i == 0 {
                    Side::Destination
                } else {
                    Side::Source
                },
                params: vec![("SynchronizationJobId".into(), "dtsx".into())],
                old: None,
                new: None,
                dry_run: None,
            })
            .collect();
        Record::Plan {
            plan_id: id.into(),
            at: now(),
            region: "cn-hangzhou".into(),
            endpoint: "http://127.0.0.1:1/".into(),
            access_key_id: "LTAI****0001".into(),
            job_id: "dtsx".into(),
            job_name: "x".into(),
            topology: if n == 2 {
                Topology::TwoWay
            } else {
                Topology::OneWay
            },
            calls,
            by: None,
            batch_id: None,
            job_ids: vec![],
            dts_job_id: None,
            family: Family::Legacy,
            family_reason: String::new(),
        }
    }

    fn done(id: &str, i: usize, o: Outcome) -> Record {
        Record::Done {
            plan_id: id.into(),
            index: i,
            at: now(),
            outcome: o,
            request_id: None,
            task_id: Some("1".into()),
            note: None,
            status: None,
            error: None,
        }
    }

    fn intent(id: &str, i: usize) -> Record {
        Record::Intent {
            plan_id: id.into(),
            index: i,
            at: now(),
            by: None,
        }
    }

    fn accepted(id: &str, i: usize) -> Record {
        Record::Accepted {
            plan_id: id.into(),
            index: i,
            at: now(),
            request_id: Some("R".into()),
            task_id: "77".into(),
        }
    }

    #[test]
    fn pending_states() {
        let p = |recs: Vec<Record>| summarize(&recs).remove(0).pending();
        assert_eq!(
            p(vec![plan_rec("a", 1)]),
            None,
            "confirmed but never sent: nothing to do"
        );
        assert_eq!(
            p(vec![plan_rec("a", 1), intent("a", 0)]),
            Some(Pending::Unknown(0))
        );
        assert_eq!(
            p(vec![plan_rec("a", 1), intent("a", 0), accepted("a", 0)]),
            Some(Pending::Follow(0))
        );
        assert_eq!(
            p(vec![
                plan_rec("a", 1),
                intent("a", 0),
                accepted("a", 0),
                done("a", 0, Outcome::Finished)
            ]),
            None
        );
        assert_eq!(
            p(vec![
                plan_rec("a", 2),
                intent("a", 0),
                accepted("a", 0),
                done("a", 0, Outcome::Finished)
            ]),
            Some(Pending::Continue(1))
        );
        assert_eq!(
            p(vec![
                plan_rec("a", 2),
                intent("a", 0),
                done("a", 0, Outcome::Failed),
                done("a", 1, Outcome::NotSent)
            ]),
            None,
            "a failed first call needs the operator, not a resume"
        );
        assert_eq!(
            p(vec![
                plan_rec("a", 2),
                intent("a", 0),
                done("a", 0, Outcome::Unknown)
            ]),
            Some(Pending::Unknown(0))
        );
        assert_eq!(
            p(vec![
                plan_rec("a", 2),
                intent("a", 0),
                accepted("a", 0),
                done("a", 0, Outcome::StillRunning),
                done("a", 0, Outcome::Finished)
            ]),
            Some(Pending::Continue(1)),
            "a resume's Finished overrides the earlier still-running"
        );
        assert_eq!(
            p(vec![
                plan_rec("a", 1),
                intent("a", 0),
                Record::Dismissed {
                    plan_id: "a".into(),
                    at: now()
                }
            ]),
            None
        );
    }

    #[test]
    fn corrupt_last_line_is_reported_and_skipped() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path().join("j.jsonl"));
        j.append(&plan_rec("a", 1)).unwrap();
        j.append(&intent("a", 0)).unwrap();
        let mut f = OpenOptions::new().append(true).open(j.path()).unwrap();
        f.write_all(br#"{"type":"accepted","plan_id":"a","ind"#)
            .unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].contains("line 3"), "{:?}", r.problems);
        // The next append starts on a fresh line, so it is readable.
        j.append(&accepted("a", 0)).unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.records.len(), 3);
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn concurrent_appends_do_not_interleave() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("j.jsonl");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let j = Journal::new(&path);
                std::thread::spawn(move || {
                    for i in 0..40 {
                        j.append(&plan_rec(&format!("p{t}-{i}-{}", "x".repeat(300)), 2))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let r = Journal::new(&path).read().unwrap();
        assert_eq!(r.records.len(), 320);
        assert!(r.problems.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path().join("sub/j.jsonl"));
        j.append(&plan_rec("a", 1)).unwrap();
        let mode = std::fs::metadata(j.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
}
