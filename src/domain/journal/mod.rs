//! The write-ahead journal: append-only JSON lines recording every switch this tool
//! starts — the plan, the intent before each request is written to the network, the
//! answer, each task status change, and the end. Each record is fsynced under an
//! exclusive file lock, so several processes can share one journal.
//!
//! Secrets are never recorded: parameters are the business parameters of the plan
//! (no signature, no token), and the AccessKeyId is masked.

//!
//! Split by concern: [`store`] (the file: lock, fsync, append, read — the only file
//! I/O), [`record`] (the record schema, the wire format of the journal), [`fold`]
//! (pure: records → per-plan summaries, damage) and [`who`] (process identity).

mod fold;
mod record;
mod store;
mod who;

pub use fold::*;
pub use record::*;
pub use store::*;
pub use who::*;

#[cfg(test)]
use crate::domain::call::Family;
#[cfg(test)]
use crate::domain::call::{Direction, Side};
#[cfg(test)]
use crate::domain::outcome::Outcome;
#[cfg(test)]
use crate::domain::Topology;
#[cfg(test)]
use std::fs::OpenOptions;
#[cfg(test)]
use std::io::Write;

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
            process: None,
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
            process: None,
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

    /// A TUI's fold of a long history keeps old settled plans lean, and decides
    /// exactly what a whole fold decides.
    #[test]
    fn old_settled_plans_are_kept_lean_and_decide_the_same() {
        let mut recs = vec![plan_rec("open", 1), intent("open", 0)];
        for i in 0..(KEEP_WHOLE + 100) {
            let id = format!("p{i}");
            recs.push(plan_rec(&id, 1));
            recs.push(intent(&id, 0));
            recs.push(done(&id, 0, Outcome::Finished));
        }
        let whole = summarize(&recs);
        compact_old_plans();
        let lean = summarize(&recs);
        assert_eq!(whole.len(), lean.len());
        for (w, l) in whole.iter().zip(&lean) {
            assert_eq!(
                (w.plan_id.as_str(), w.pending()),
                (l.plan_id.as_str(), l.pending())
            );
            assert_eq!(w.calls.len(), l.calls.len());
            assert_eq!(w.calls[0].intent_at, l.calls[0].intent_at);
        }
        // The open plan (an unknown outcome) stays whole; old settled ones are lean; the
        // last KEEP_WHOLE stay whole.
        assert!(!lean[0].compacted && !lean[0].calls[0].params.is_empty());
        assert!(lean[1].compacted && lean[1].calls[0].params.is_empty());
        assert!(lean[1].calls[0].old.is_none());
        assert!(lean.iter().rev().take(KEEP_WHOLE).all(|p| !p.compacted));
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
        assert_eq!(r.records, 2);
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].contains("line 3"), "{:?}", r.problems);
        // The next append starts on a fresh line, so it is readable.
        j.append(&accepted("a", 0)).unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.records, 3);
        assert_eq!(r.problems.len(), 1);
    }

    /// The incremental read: what another process appends is seen, and a journal that
    /// was replaced, truncated or rewritten is read again from its start.
    #[test]
    fn a_cached_read_sees_appends_and_rewrites() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("j.jsonl");
        let j = Journal::new(&path);
        j.append(&plan_rec("a", 1)).unwrap();
        assert_eq!(j.read().unwrap().records, 1);
        // Another process appends (this process's cache does not see it happen).
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(format!("{}\n", serde_json::to_string(&intent("a", 0)).unwrap()).as_bytes())
            .unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.records, 2);
        assert!(r.folded().orphans().is_empty());
        // Rewritten in place, shorter: read again.
        std::fs::write(
            &path,
            format!("{}\n", serde_json::to_string(&plan_rec("b", 2)).unwrap()),
        )
        .unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.records, 1);
        assert_eq!(r.plans()[0].plan_id, "b");
        // Rewritten in place, longer, with other bytes before the old end: read again.
        let text: String = ["c", "d", "e"]
            .iter()
            .map(|p| format!("{}\n", serde_json::to_string(&plan_rec(p, 1)).unwrap()))
            .collect();
        std::fs::write(&path, &text).unwrap();
        let r = j.read().unwrap();
        let ids: Vec<&str> = r.plans().iter().map(|p| p.plan_id.as_str()).collect();
        assert_eq!(ids, vec!["c", "d", "e"]);
        // Replaced by another file (a new inode): read again.
        let tmp = d.path().join("new.jsonl");
        std::fs::write(
            &tmp,
            format!("{}\n", serde_json::to_string(&plan_rec("f", 1)).unwrap()),
        )
        .unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.records, 1);
        assert_eq!(r.plans()[0].plan_id, "f");
        // A line being written (no newline yet) is read as it is, then complete.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        let line = serde_json::to_string(&intent("f", 0)).unwrap();
        f.write_all(&line.as_bytes()[..10]).unwrap();
        let r = j.read().unwrap();
        assert_eq!((r.records, r.bad_lines.clone()), (1, vec![2]));
        assert!(!r.ends_with_newline);
        f.write_all(&line.as_bytes()[10..]).unwrap();
        f.write_all(b"\n").unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.records, 2);
        assert!(r.bad_lines.is_empty(), "{:?}", r.problems);
        assert!(r.folded().orphans().is_empty());
        // A fresh reader agrees with the cached one.
        let fresh = Journal::new(&path).read().unwrap();
        assert_eq!(fresh.records, r.records);
        let states = |r: &ReadResult| -> Vec<_> {
            r.plans()
                .iter()
                .map(|p| (p.plan_id.clone(), p.pending()))
                .collect()
        };
        assert_eq!(states(&fresh), states(&r));
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
        assert_eq!(r.records, 320);
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
