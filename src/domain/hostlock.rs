//! What one journal cannot see: another journal on the same host writing to the same job.
//!
//! Two processes with two journals (two terminals, `--journal` given differently, a demo
//! beside a real run) would each pass their own journal's rule and the read before the
//! write, and both send. So a write also takes a host-wide lock per job id (one file per
//! id in the lock directory, every id of the job, in sorted order), and each id keeps the
//! list of journals that have written to that job. Under those locks the guard reads
//! every other listed journal and applies the same rule as to its own: a plan of the job
//! there that still needs something refuses the write. The locks are held from that
//! check, through the read of the job and the claim, until the write's answer is back.
//!
//! The directory is `$DTS_SWITCH_LOCK_DIR`, else `dts-switch-locks` in the system's
//! temporary directory (created 0700). Journals that no longer exist drop out of the
//! lists. Locks are advisory `flock`s: a process that dies releases them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a write waits for another process on this host that is sending to the same
/// job before it gives up (nothing sent).
pub const WAIT: Duration = Duration::from_secs(120);

/// The lock directory (see the module docs).
pub fn dir() -> PathBuf {
    match std::env::var_os("DTS_SWITCH_LOCK_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => std::env::temp_dir().join("dts-switch-locks"),
    }
}

/// What the locks of `endpoint` are scoped to: nothing for the service itself (every
/// spelling of its hosts reaches one service), the host and port for a loopback endpoint
/// (each simulator is a service of its own).
pub fn scope(endpoint: &str) -> String {
    let Ok(u) = reqwest::Url::parse(endpoint) else {
        return String::new();
    };
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    };
    if loopback {
        format!(
            "{}_{}",
            u.host_str().unwrap_or(""),
            u.port_or_known_default().unwrap_or(0)
        )
    } else {
        String::new()
    }
}

/// One id's file name: the scope, the region and the id, lowercased, the `dts` prefix
/// aside, and anything but letters, digits, `-` and `_` replaced, so every spelling of
/// one id meets.
pub fn key(scope: &str, region: &str, id: &str) -> String {
    let id = id.trim().to_ascii_lowercase();
    let id = match id.strip_prefix("dts") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => id,
    };
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let region = clean(&region.trim().to_ascii_lowercase());
    if scope.is_empty() {
        format!("{region}.{}", clean(&id))
    } else {
        format!("{}.{region}.{}", clean(scope), clean(&id))
    }
}

/// The locks of one job, held until dropped.
pub struct JobLocks {
    files: Vec<File>,
    me: PathBuf,
}

fn canonical(p: &Path) -> PathBuf {
    if let Ok(c) = fs::canonicalize(p) {
        return c;
    }
    // Not there yet: its directory's canonical form and its name.
    match (p.parent(), p.file_name()) {
        (Some(d), Some(n)) if !d.as_os_str().is_empty() => fs::canonicalize(d)
            .map(|d| d.join(n))
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf()),
    }
}

fn open_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

impl JobLocks {
    /// Takes the locks of every id of the job (waiting at most `wait` for another
    /// process of this host), for a write recorded in journal `me`.
    pub async fn take(
        scope: &str,
        region: &str,
        job_ids: &[String],
        me: &Path,
        wait: Duration,
    ) -> io::Result<JobLocks> {
        let dir = dir();
        open_dir(&dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "the lock directory {} cannot be made: {e} (set DTS_SWITCH_LOCK_DIR to a directory of your own)",
                    dir.display()
                ),
            )
        })?;
        let mut keys: Vec<String> = job_ids
            .iter()
            .filter(|i| !i.trim().is_empty())
            .map(|i| key(scope, region, i))
            .collect();
        keys.sort();
        keys.dedup();
        let mut files = Vec::new();
        let started = Instant::now();
        for k in keys {
            let path = dir.join(format!("{k}.journals"));
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            loop {
                match f.try_lock() {
                    Ok(()) => break,
                    Err(fs::TryLockError::WouldBlock) => {
                        if started.elapsed() > wait {
                            return Err(io::Error::new(
                                io::ErrorKind::WouldBlock,
                                format!(
                                    "another process on this host has been sending to this job for over {}s ({})",
                                    wait.as_secs(),
                                    path.display()
                                ),
                            ));
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(fs::TryLockError::Error(e)) => {
                        return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
                    }
                }
            }
            files.push(f);
        }
        Ok(JobLocks {
            files,
            me: canonical(me),
        })
    }

    /// The other journals that have written to this job and still exist.
    pub fn other_journals(&mut self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for f in &mut self.files {
            for p in read_list(f) {
                if p != self.me && p.exists() && !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Records that this journal writes to the job (before the write is sent).
    pub fn record_me(&mut self) -> io::Result<()> {
        for f in &mut self.files {
            let mut list: Vec<PathBuf> = read_list(f).into_iter().filter(|p| p.exists()).collect();
            if !list.contains(&self.me) {
                list.push(self.me.clone());
            }
            let mut text = String::new();
            for p in &list {
                text.push_str(&p.display().to_string());
                text.push('\n');
            }
            f.set_len(0)?;
            f.seek(SeekFrom::Start(0))?;
            f.write_all(text.as_bytes())?;
            f.sync_data()?;
        }
        Ok(())
    }
}

impl Drop for JobLocks {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = f.unlock();
        }
    }
}

fn read_list(f: &mut File) -> Vec<PathBuf> {
    let mut s = String::new();
    if f.seek(SeekFrom::Start(0)).is_err() || f.read_to_string(&mut s).is_err() {
        return Vec::new();
    }
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_id_meets_on_one_key() {
        assert_eq!(
            key("", "cn-hangzhou", "dtsABC123"),
            key("", "CN-Hangzhou ", " abc123")
        );
        assert_ne!(
            key("", "cn-hangzhou", "abc123"),
            key("", "cn-shanghai", "abc123")
        );
        assert!(!key("", "cn-hangzhou", "../../etc/passwd").contains('/'));
    }

    #[test]
    fn a_simulator_is_a_service_of_its_own() {
        assert_eq!(scope("https://dts.aliyuncs.com"), "");
        assert_eq!(scope("https://dts.cn-hangzhou.aliyuncs.com/"), "");
        assert_eq!(scope("http://127.0.0.1:8080"), "127.0.0.1_8080");
        assert_ne!(
            scope("http://127.0.0.1:8080"),
            scope("http://127.0.0.1:8081")
        );
        assert_eq!(scope("http://localhost:9"), "localhost_9");
    }
}
