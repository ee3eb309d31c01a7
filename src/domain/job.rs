//! Jobs as the operator thinks of them: one job, one or two directions.

pub use crate::domain::call::Topology;
use crate::domain::call::{Direction, Family, Side};
use crate::domain::endpoint::{EndpointInfo, RawJson, Text};
use crate::domain::listed::{DtsJobItem, SyncJobEntry};
use crate::domain::listed::{HintsState, ListEvent, ListOptions, ListProgress};
use crate::domain::service::Dts;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One direction of a job as listed: the fields the screens, filters and plans use, and
/// the entry as the service sent it (as JSON text, not a parsed tree).
#[derive(Debug, Clone, PartialEq)]
pub struct DirectionInfo {
    pub status: Text,
    pub delay: Text,
    pub error_message: Text,
    pub source: EndpointInfo,
    pub destination: EndpointInfo,
    pub raw: RawJson,
}

impl DirectionInfo {
    fn from_entry(e: SyncJobEntry) -> Self {
        DirectionInfo {
            status: e.status.into(),
            delay: e.delay.into(),
            error_message: e.error_message.into(),
            source: e.source,
            destination: e.destination,
            raw: e.raw,
        }
    }
}

/// A synchronization job with both of its directions merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: Text,
    pub job_class: Text,
    pub create_time: Text,
    /// Boxed, like `reverse`: a listing of thousands of jobs grows its list by small
    /// rows, not by a few hundred bytes of endpoints each.
    pub forward: Box<DirectionInfo>,
    /// Boxed: most jobs are one-way, and a listing holds thousands of jobs.
    pub reverse: Option<Box<DirectionInfo>>,
    /// DescribeDtsJobs shows a `ReverseJob` for this job (the listing may not).
    pub reverse_hint: bool,
    /// Without a reverse direction, the job is known to be one-way: the listing shows
    /// Reverse entries (so it lists both directions of two-way jobs), or DescribeDtsJobs
    /// was read for this job. When false and nothing shows a reverse direction, the
    /// topology is [`Topology::Unknown`].
    pub one_way_known: bool,
    /// The Forward direction's DtsJobId, when DescribeDtsJobs lists the job.
    pub dts_job_id: Option<String>,
    /// The Reverse direction's own DtsJobId (two-way jobs).
    pub reverse_dts_job_id: Option<String>,
    /// Which listings show it: DescribeSynchronizationJobs (legacy), DescribeDtsJobs.
    pub listed_legacy: bool,
    pub listed_maintained: bool,
    /// The family, where a listing proves it (only one family knows the job, from
    /// complete listings of both); None: only the dry run can tell (§3.4).
    pub family: Option<Family>,
    /// What the jobs filter searches, lowercased, made on first use (see [`Job::matches`]).
    search: SearchText,
}

/// A cache that is not part of the job's value: equal whatever it holds.
#[derive(Clone, Default)]
struct SearchText(std::sync::OnceLock<Box<str>>);

impl PartialEq for SearchText {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for SearchText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("..")
    }
}

impl Job {
    /// Every id the job is known by: the instance id, then each direction's DtsJobId.
    pub fn ids(&self) -> Vec<String> {
        let mut v = vec![self.id.clone()];
        for id in [&self.dts_job_id, &self.reverse_dts_job_id]
            .into_iter()
            .flatten()
        {
            if !v.contains(id) {
                v.push(id.clone());
            }
        }
        v
    }

    /// True when `id` (trimmed, any case, with or without the `dts` prefix) is one of
    /// the job's ids: the same rule as the journal's and the guard's.
    pub fn has_id(&self, id: &str) -> bool {
        let id = id.trim();
        !id.is_empty() && crate::domain::journal::ids_overlap(&[id.to_string()], &self.ids())
    }

    /// The endpoint of `side` in `direction`'s terms, as listed (the Reverse direction's
    /// when listed, else the forward one's opposite side: the same database).
    pub fn endpoint_of(&self, direction: Direction, side: Side) -> &EndpointInfo {
        fn pick(d: &DirectionInfo, s: Side) -> &EndpointInfo {
            match s {
                Side::Source => &d.source,
                Side::Destination => &d.destination,
            }
        }
        match (direction, &self.reverse) {
            (Direction::Forward, _) => pick(&self.forward, side),
            (Direction::Reverse, Some(r)) => pick(r, side),
            (Direction::Reverse, None) => pick(&self.forward, side.opposite()),
        }
    }

    /// The family in words for the `API` column: `legacy`, `maintained` or `?`.
    pub fn family_label(&self) -> &'static str {
        self.family.map(Family::as_str).unwrap_or("?")
    }

    /// What the service shows: two-way when a Reverse direction is listed or DescribeDtsJobs
    /// shows a reverse job for it; one-way when the absence of both is known to mean it;
    /// otherwise unknown.
    pub fn detected_topology(&self) -> Topology {
        if self.reverse.is_some() || self.reverse_hint {
            Topology::TwoWay
        } else if self.one_way_known {
            Topology::OneWay
        } else {
            Topology::Unknown
        }
    }

    /// True when the id, name, status, either forward address or the source engine
    /// contains `needle` (case-insensitive): the jobs filter of the CLI and the TUI.
    /// The lowercased fields are kept from the first call on (a keystroke over 10,000
    /// jobs is then a scan of text, no allocation); jobs are not changed after listing.
    pub fn matches(&self, needle: &str) -> bool {
        let n = needle.trim();
        let hay = self.search.0.get_or_init(|| {
            [
                self.id.as_str(),
                self.name.as_str(),
                self.status(),
                &self.forward.source.address(),
                &self.forward.destination.address(),
                &self.forward.source.engine_name,
            ]
            .iter()
            .map(|f| f.to_lowercase())
            .collect::<Vec<_>>()
            // A separator no typed needle holds: a match never spans two fields.
            .join("\u{0}")
            .into_boxed_str()
        });
        if n.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            hay.contains(n)
        } else {
            hay.contains(&n.to_lowercase())
        }
    }

    /// The forward delay in seconds, 0 when unknown (for sorting).
    pub fn delay_secs(&self) -> u64 {
        self.forward.delay.trim().parse().unwrap_or(0)
    }

    /// The job's status, taken from the forward direction.
    pub fn status(&self) -> &str {
        &self.forward.status
    }

    /// The job in the API's own field names (the forward entry), plus `Topology` and,
    /// for a two-way job, the reverse entry as `ReverseDirection`. Parsed on demand: for
    /// many jobs, serialize [`Job::json`] one job at a time instead.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.json()).unwrap_or(Value::Null)
    }

    /// [`Job::to_json`] as something to serialize: only one job's tree exists at a time.
    pub fn json(&self) -> JobJson<'_> {
        JobJson(self)
    }
}

/// See [`Job::json`].
pub struct JobJson<'a>(&'a Job);

impl serde::Serialize for JobJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let j = self.0;
        let mut obj = match j.forward.raw.to_value() {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        obj.insert(
            "Topology".into(),
            Value::String(j.detected_topology().as_str().into()),
        );
        // Ours, beside the service's fields: the family where known (null: only the dry
        // run tells) and every id of the job.
        obj.insert(
            "family".into(),
            j.family
                .map(|f| Value::String(f.as_str().into()))
                .unwrap_or(Value::Null),
        );
        obj.insert(
            "ids".into(),
            Value::Array(j.ids().into_iter().map(Value::String).collect()),
        );
        if let Some(id) = &j.dts_job_id {
            obj.entry("DtsJobId").or_insert(Value::String(id.clone()));
        }
        if let Some(r) = &j.reverse {
            obj.insert("ReverseDirection".into(), r.raw.to_value());
        }
        obj.serialize(s)
    }
}

/// Builds jobs from listing entries as they arrive, keeping the order in which job ids
/// first appear. The first entry of each (job, direction) counts. A job listed only as a
/// Reverse entry keeps that entry as its forward data too (endpoints swapped into forward
/// terms), so it is never lost, until its Forward entry turns up.
///
/// DescribeDtsJobs items are folded in as they arrive ([`JobMerger::add_dts`]): an item
/// is kept only until a job it names is listed, so the maintained family's view costs
/// no second copy of the jobs; those no job matched become jobs at the end.
///
/// The merger keeps only what it needs to merge (indexes, waiting items); the jobs are
/// the caller's, so a screen that shows them as they come holds them once.
#[derive(Debug, Default, Clone)]
pub struct JobMerger {
    /// Job id → (index, a Forward entry was seen).
    index: HashMap<Text, (usize, bool)>,
    reverse_entries: bool,
    /// Every id of a job (its own, DtsJobIds items gave it), lowercased → its index.
    by_id: HashMap<Text, usize>,
    /// DescribeDtsJobs items no job matched yet, in their order (taken when matched).
    pending: Vec<Option<DtsJobItem>>,
    /// Each pending item's ids, lowercased → its place in `pending`.
    pending_by_id: HashMap<Text, usize>,
}

impl JobMerger {
    /// Adds entries to `jobs` (the jobs merged so far, in listing order): the jobs they
    /// start are appended; a later entry may still add a job's reverse direction.
    pub fn add(&mut self, jobs: &mut Vec<Job>, entries: impl IntoIterator<Item = SyncJobEntry>) {
        for e in entries {
            let reverse = e.is_reverse();
            if reverse && !self.reverse_entries {
                // From now on the listing is known to show both directions.
                self.reverse_entries = true;
                for j in jobs.iter_mut() {
                    j.one_way_known = true;
                }
            }
            match self.index.get_mut(e.job_id.as_str()) {
                None => {
                    let i = jobs.len();
                    self.index
                        .insert(Text::from(e.job_id.as_str()), (i, !reverse));
                    let own = key(&e.job_id);
                    let mut job = new_job(e);
                    job.one_way_known = self.reverse_entries;
                    // An item that came before the job's entry.
                    if let Some(k) = self.pending_by_id.remove(&own) {
                        if let Some(it) = self.pending[k].take() {
                            for id in &it.ids {
                                self.pending_by_id.remove(&key(id));
                                self.by_id.insert(key(id), i);
                            }
                            fold_item(&mut job, &it);
                        }
                    }
                    self.by_id.insert(own, i);
                    jobs.push(job);
                }
                Some((i, has_forward)) => {
                    let job = &mut jobs[*i];
                    if reverse {
                        if job.reverse.is_none() {
                            job.reverse = Some(Box::new(DirectionInfo::from_entry(e)));
                        }
                    } else if !*has_forward {
                        *has_forward = true;
                        job.name = e.name.clone().into();
                        job.job_class = e.job_class.clone().into();
                        job.create_time = e.create_time.clone().into();
                        *job.forward = DirectionInfo::from_entry(e);
                    }
                }
            }
        }
    }

    /// Some entry was a Reverse one.
    pub fn has_reverse_entries(&self) -> bool {
        self.reverse_entries
    }

    /// Folds DescribeDtsJobs items into the jobs they name (by any of their ids, in any
    /// case); an item no job matches yet waits for one (see [`JobMerger::finish`]).
    pub fn add_dts(&mut self, jobs: &mut [Job], items: impl IntoIterator<Item = DtsJobItem>) {
        for it in items {
            let hit = it
                .ids
                .iter()
                .find_map(|id| self.by_id.get(&key(id)).copied());
            match hit {
                Some(i) => {
                    for id in &it.ids {
                        self.by_id.insert(key(id), i);
                    }
                    fold_item(&mut jobs[i], &it);
                }
                None => {
                    let k = self.pending.len();
                    for id in &it.ids {
                        self.pending_by_id.entry(key(id)).or_insert(k);
                    }
                    self.pending.push(Some(it));
                }
            }
        }
    }

    /// The listing ended: the jobs only DescribeDtsJobs lists are appended to `jobs` (in
    /// its order). `complete`: both listings were read to their end, so a job only one
    /// of them shows is known to be of that family (see [`apply_dts_items`]).
    pub fn finish(mut self, jobs: &mut Vec<Job>, complete: bool) {
        for it in std::mem::take(&mut self.pending).into_iter().flatten() {
            // Only another waiting item can name the same job now.
            let i = match it
                .ids
                .iter()
                .find_map(|id| self.by_id.get(&key(id)).copied())
            {
                Some(i) => i,
                None => {
                    jobs.push(job_of_item(&it));
                    jobs.len() - 1
                }
            };
            for id in &it.ids {
                self.by_id.insert(key(id), i);
            }
            fold_item(&mut jobs[i], &it);
        }
        if complete {
            for j in jobs.iter_mut() {
                j.family = match (j.listed_legacy, j.listed_maintained) {
                    (true, false) => Some(Family::Legacy),
                    (false, true) => Some(Family::Maintained),
                    _ => None,
                };
            }
        }
    }
}

fn new_job(e: SyncJobEntry) -> Job {
    let (id, name, job_class, create_time) = (
        e.job_id.clone(),
        e.name.clone(),
        e.job_class.clone(),
        e.create_time.clone(),
    );
    let (forward, reverse) = if e.is_reverse() {
        let rev = DirectionInfo::from_entry(e);
        let mut fwd = rev.clone();
        std::mem::swap(&mut fwd.source, &mut fwd.destination);
        (fwd, Some(rev))
    } else {
        (DirectionInfo::from_entry(e), None)
    };
    Job {
        id,
        name: name.into(),
        job_class: job_class.into(),
        create_time: create_time.into(),
        forward: Box::new(forward),
        reverse: reverse.map(Box::new),
        reverse_hint: false,
        one_way_known: false,
        dts_job_id: None,
        reverse_dts_job_id: None,
        listed_legacy: true,
        listed_maintained: false,
        family: None,
        search: SearchText::default(),
    }
}

/// Merges listing entries into jobs (see [`JobMerger`]). Without DescribeDtsJobs, a job
/// is one-way only when the listing shows Reverse entries for some job.
pub fn merge_entries(entries: Vec<SyncJobEntry>) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut m = JobMerger::default();
    m.add(&mut jobs, entries);
    m.finish(&mut jobs, false);
    jobs
}

/// Applies what DescribeDtsJobs listed (the maintained family's view): each item names
/// its job by DtsInstanceID (the legacy listing's SynchronizationJobId) or DtsJobId. A
/// job it lists gains its DtsJobIds; an item no job matches is a job only the
/// maintained listing shows, appended. When both listings were read completely, a job
/// only one of them shows is known to be of that family; one both show stays unknown
/// (only the dry run tells, §3.4).
pub fn apply_dts_items(jobs: &mut Vec<Job>, items: &[DtsJobItem], complete: bool) {
    let mut m = JobMerger::default();
    for (i, j) in jobs.iter().enumerate() {
        m.by_id.insert(key(&j.id), i);
    }
    m.add_dts(jobs, items.to_vec());
    m.finish(jobs, complete);
}

/// An id as the indexes hold it: lowercased, inline.
fn key(id: &str) -> Text {
    let mut k = Text::from(id);
    k.make_ascii_lowercase();
    k
}

/// A job only DescribeDtsJobs lists, from its item (new-family spellings).
fn job_of_item(it: &DtsJobItem) -> Job {
    let dir = |status: &str, delay: &str, src: &EndpointInfo, dst: &EndpointInfo, raw: RawJson| {
        DirectionInfo {
            status: status.to_string().into(),
            delay: delay.to_string().into(),
            error_message: String::new().into(),
            source: src.clone(),
            destination: dst.clone(),
            raw,
        }
    };
    let id = if it.instance_id.is_empty() {
        it.ids[0].clone()
    } else {
        it.instance_id.clone()
    };
    let mut forward = dir(
        &it.status,
        &it.delay,
        &it.source,
        &it.destination,
        it.raw.clone(),
    );
    forward.error_message = it.error_message.clone().into();
    Job {
        id,
        name: it.name.clone().into(),
        job_class: String::new().into(),
        create_time: it.create_time.clone().into(),
        forward: Box::new(forward),
        reverse: it
            .reverse
            .as_ref()
            .map(|(st, d, s, t)| Box::new(dir(st, d, s, t, RawJson::empty()))),
        reverse_hint: it.two_way,
        one_way_known: true,
        dts_job_id: None,
        reverse_dts_job_id: None,
        listed_legacy: false,
        listed_maintained: true,
        family: None,
        search: SearchText::default(),
    }
}

/// What a DescribeDtsJobs item says of a job it names: its DtsJobIds, that the
/// maintained listing shows it, and whether it is two-way.
fn fold_item(j: &mut Job, it: &DtsJobItem) {
    j.listed_maintained = true;
    if j.dts_job_id.is_none() && !it.dts_job_id.is_empty() {
        j.dts_job_id = Some(it.dts_job_id.clone());
    }
    if j.reverse_dts_job_id.is_none() && !it.reverse_dts_job_id.is_empty() {
        j.reverse_dts_job_id = Some(it.reverse_dts_job_id.clone());
    }
    j.reverse_hint |= it.two_way;
    j.one_way_known = true;
}

/// What [`load_jobs_with`] reports while it works.
pub enum LoadEvent<'a> {
    Progress(&'a ListProgress),
    /// Jobs first seen in the pages read so far, in listing order, following those of
    /// the previous batches. Provisional: the list [`load_jobs_with`] returns (same jobs,
    /// same order) replaces them; until then a job may still gain its reverse direction,
    /// and topologies are settled only at the end.
    Jobs(&'a [Job]),
}

/// The jobs of a region, and what kept topologies unknown.
#[derive(Debug, Clone)]
pub struct Listing {
    /// In listing order.
    pub jobs: Vec<Job>,
    /// Why DescribeDtsJobs could not be read, when it was needed (no Reverse entry in the
    /// listing) and failed: the jobs it did not cover have an unknown topology.
    pub two_way_error: Option<crate::domain::service::ServiceError>,
}

/// Lists every job of the region: every page of DescribeSynchronizationJobs (concurrently,
/// in listing order; see [`crate::api::listing`]), merged per job. When the listing shows
/// no Reverse entry at all, DescribeDtsJobs tells two-way jobs apart (read alongside);
/// where it cannot be read, those jobs' topology is [`Topology::Unknown`].
pub async fn load_jobs_with(
    client: &dyn Dts,
    opts: &ListOptions,
    mut on_event: impl FnMut(LoadEvent<'_>) + Send,
) -> Result<Listing, crate::domain::service::ServiceError> {
    let mut merger = JobMerger::default();
    let mut jobs: Vec<Job> = Vec::new();
    let mut handle = |ev: ListEvent<'_>| match ev {
        ListEvent::Progress(p) => on_event(LoadEvent::Progress(p)),
        ListEvent::Entries(entries) => {
            let from = jobs.len();
            merger.add(&mut jobs, entries);
            on_event(LoadEvent::Jobs(&jobs[from..]));
        }
        ListEvent::DtsItems(items) => merger.add_dts(&mut jobs, items),
    };
    let summary = client.list_jobs(opts, &mut handle).await?;
    let before = jobs.len();
    merger.finish(&mut jobs, summary.two_way.state == HintsState::Complete);
    // Jobs only DescribeDtsJobs shows come last, as one more batch.
    if jobs.len() > before {
        on_event(LoadEvent::Jobs(&jobs[before..]));
    }
    let two_way_error = match summary.two_way.state {
        HintsState::Failed(e) => {
            tracing::warn!(error = %e, "DescribeDtsJobs could not be read; jobs without a listed Reverse entry have an unknown topology");
            Some(e)
        }
        _ => None,
    };
    Ok(Listing {
        jobs,
        two_way_error,
    })
}

/// [`load_jobs_with`] with the default options; `on_progress(jobs so far, expected)`
/// (expected: the TotalRecordCount, 0 when the service gives none).
pub async fn load_jobs(
    client: &dyn Dts,
    mut on_progress: impl FnMut(usize, u64) + Send,
) -> Result<Vec<Job>, crate::domain::service::ServiceError> {
    let mut count = 0usize;
    load_jobs_with(client, &ListOptions::default(), |ev| match ev {
        LoadEvent::Jobs(batch) => count += batch.len(),
        LoadEvent::Progress(p) => {
            on_progress(count, p.total_record_count.unwrap_or(0).max(count as u64))
        }
    })
    .await
    .map(|l| l.jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str, dir: &str, src: &str) -> SyncJobEntry {
        SyncJobEntry::from_value(&json!({
            "SynchronizationJobId": id, "SynchronizationJobName": format!("n-{id}"),
            "SynchronizationDirection": dir, "Status": "Synchronizing",
            "SourceEndpoint": {"IP": src, "Port": "3306"},
            "DestinationEndpoint": {"IP": "9.9.9.9", "Port": "3306"}
        }))
        .unwrap()
    }

    #[test]
    fn every_spelling_of_an_id_names_the_job() {
        let jobs = merge_entries(vec![entry("dtsq1w2e3r4t5y6u01", "Forward", "1.1.1.1")]);
        let j = &jobs[0];
        for id in [
            "dtsq1w2e3r4t5y6u01",
            " DTSQ1W2E3R4T5Y6U01 ",
            "q1w2e3r4t5y6u01",
        ] {
            assert!(j.has_id(id), "{id}");
        }
        for id in ["", "dts", "q1w2e3r4t5y6u0", "dtsq1w2e3r4t5y6u01x"] {
            assert!(!j.has_id(id), "{id}");
        }
    }

    #[test]
    fn forward_and_reverse_merge_into_one_two_way_job() {
        let jobs = merge_entries(vec![
            entry("a", "Forward", "1.1.1.1"),
            entry("b", "Forward", "2.2.2.2"),
            entry("a", "Reverse", "9.9.9.9"),
        ]);
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].id, "a");
        assert_eq!(jobs[0].detected_topology(), Topology::TwoWay);
        assert_eq!(jobs[1].detected_topology(), Topology::OneWay);
        let j = jobs[0].to_json();
        assert_eq!(j["Topology"], "two-way");
        assert_eq!(j["ReverseDirection"]["SynchronizationDirection"], "Reverse");
        assert_eq!(j["SynchronizationJobId"], "a");
    }

    fn item(instance: &str, dts_job_id: &str, two_way: bool) -> DtsJobItem {
        DtsJobItem {
            ids: vec![instance.to_string(), dts_job_id.to_string()],
            two_way,
            instance_id: instance.to_string(),
            dts_job_id: dts_job_id.to_string(),
            reverse_dts_job_id: String::new(),
            name: format!("n-{instance}"),
            status: "Synchronizing".into(),
            delay: "0".into(),
            error_message: String::new(),
            create_time: String::new(),
            source: EndpointInfo::default(),
            destination: EndpointInfo::default(),
            reverse: None,
            raw: RawJson::empty(),
        }
    }

    #[test]
    fn without_any_reverse_entry_the_topology_is_unknown_until_describe_dts_jobs_says() {
        let jobs = merge_entries(vec![
            entry("a", "Forward", "1.1.1.1"),
            entry("b", "Forward", "2.2.2.2"),
            entry("c", "Forward", "3.3.3.3"),
        ]);
        assert!(jobs
            .iter()
            .all(|j| j.detected_topology() == Topology::Unknown));
        assert_eq!(jobs[0].to_json()["Topology"], "unknown");
        // DescribeDtsJobs items, folded as they come: one before its job's entry (kept
        // until the entry comes), one after, one naming a job no listing entry shows.
        let mut m = JobMerger::default();
        let mut jobs = Vec::new();
        m.add(&mut jobs, vec![entry("a", "Forward", "1.1.1.1")]);
        m.add_dts(
            &mut jobs,
            vec![
                item("A", "ja", true),
                item("b", "jb", false),
                item("m", "jm", false),
            ],
        );
        assert_eq!(m.pending.iter().flatten().count(), 2, "b and m wait");
        m.add(
            &mut jobs,
            vec![
                entry("b", "Forward", "2.2.2.2"),
                entry("c", "Forward", "3.3.3.3"),
            ],
        );
        assert_eq!(m.pending.iter().flatten().count(), 1, "b found its job");
        m.finish(&mut jobs, true);
        let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(
            ids,
            ["a", "b", "c", "m"],
            "listing order, then DescribeDtsJobs only"
        );
        assert_eq!(jobs[0].detected_topology(), Topology::TwoWay);
        assert_eq!(jobs[0].dts_job_id.as_deref(), Some("ja"));
        assert_eq!(jobs[1].detected_topology(), Topology::OneWay);
        assert_eq!(jobs[1].dts_job_id.as_deref(), Some("jb"));
        assert_eq!(
            jobs[2].detected_topology(),
            Topology::Unknown,
            "not listed by DescribeDtsJobs"
        );
        // Both listings complete: a job only one shows is of that family.
        assert_eq!(jobs[0].family, None, "both listings show it");
        assert_eq!(jobs[2].family, Some(Family::Legacy));
        assert_eq!(jobs[3].family, Some(Family::Maintained));
        // The same items folded at the end give the same jobs.
        let mut at_end = merge_entries(vec![
            entry("a", "Forward", "1.1.1.1"),
            entry("b", "Forward", "2.2.2.2"),
            entry("c", "Forward", "3.3.3.3"),
        ]);
        apply_dts_items(
            &mut at_end,
            &[
                item("A", "ja", true),
                item("b", "jb", false),
                item("m", "jm", false),
            ],
            true,
        );
        assert_eq!(at_end, jobs);
    }

    #[test]
    fn merging_in_batches_equals_merging_at_once() {
        let entries = vec![
            entry("a", "Forward", "1.1.1.1"),
            entry("b", "Reverse", "9.9.9.9"),
            entry("c", "Forward", "3.3.3.3"),
            entry("a", "Reverse", "9.9.9.9"),
            entry("b", "Forward", "2.2.2.2"),
            entry("a", "Forward", "7.7.7.7"),
        ];
        let whole = merge_entries(entries.clone());
        let mut m = JobMerger::default();
        let mut batched = Vec::new();
        let mut firsts = Vec::new();
        for chunk in entries.chunks(2) {
            let from = batched.len();
            m.add(&mut batched, chunk.to_vec());
            firsts.extend(batched[from..].iter().map(|j| j.id.clone()));
        }
        assert_eq!(firsts, ["a", "b", "c"]);
        m.finish(&mut batched, false);
        assert_eq!(batched, whole);
        assert_eq!(
            whole[0].forward.source.ip, "1.1.1.1",
            "the first Forward counts"
        );
        assert_eq!(
            whole[1].forward.source.ip, "2.2.2.2",
            "Forward replaces the stand-in"
        );
        assert!(whole.iter().all(|j| j.one_way_known));
        assert_eq!(whole[2].detected_topology(), Topology::OneWay);
    }

    #[test]
    fn filter_matches_fields_case_insensitively_never_across_them() {
        let j = &merge_entries(vec![entry("dtsAbC", "Forward", "10.1.2.3")])[0];
        for (needle, want) in [
            ("abc", true),
            ("ABC", true),
            (" n-dtsabc ", true),
            ("synchron", true),
            ("10.1.2.3:3306", true),
            ("9.9.9.9:33", true),
            ("", true),
            ("mysql", false),
            ("abcn-", false),
        ] {
            assert_eq!(j.matches(needle), want, "{needle:?}");
        }
    }

    #[test]
    fn reverse_only_job_is_kept() {
        let jobs = merge_entries(vec![entry("r", "Reverse", "9.9.9.9")]);
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].forward.destination.ip, "9.9.9.9");
        assert_eq!(jobs[0].detected_topology(), Topology::TwoWay);
    }
}
