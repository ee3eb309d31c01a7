//! Jobs as the operator thinks of them: one job, one or two directions.

use crate::api::ops::{EndpointInfo, SyncJobEntry};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Topology {
    #[serde(rename = "one-way")]
    OneWay,
    #[serde(rename = "two-way")]
    TwoWay,
}

impl Topology {
    pub fn as_str(self) -> &'static str {
        match self {
            Topology::OneWay => "one-way",
            Topology::TwoWay => "two-way",
        }
    }
}

/// One direction of a job as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectionInfo {
    pub status: String,
    pub delay: String,
    pub error_message: String,
    pub source: EndpointInfo,
    pub destination: EndpointInfo,
    pub raw: Value,
}

impl DirectionInfo {
    fn from_entry(e: SyncJobEntry) -> Self {
        DirectionInfo {
            status: e.status,
            delay: e.delay,
            error_message: e.error_message,
            source: e.source,
            destination: e.destination,
            raw: e.raw,
        }
    }
    fn from_entry_ref(e: &SyncJobEntry) -> Self {
        DirectionInfo::from_entry(e.clone())
    }
}

/// A synchronization job with both of its directions merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: String,
    pub job_class: String,
    pub create_time: String,
    pub forward: DirectionInfo,
    pub reverse: Option<DirectionInfo>,
    /// DescribeDtsJobs shows a `ReverseJob` for this job (the listing may not).
    pub reverse_hint: bool,
}

impl Job {
    /// What the service shows: two-way when a Reverse direction is listed, or when
    /// DescribeDtsJobs shows a reverse job for it.
    pub fn detected_topology(&self) -> Topology {
        if self.reverse.is_some() || self.reverse_hint {
            Topology::TwoWay
        } else {
            Topology::OneWay
        }
    }

    /// True when the id, name, status, either forward address or the source engine
    /// contains `needle` (case-insensitive): the jobs filter of the CLI and the TUI.
    pub fn matches(&self, needle: &str) -> bool {
        let n = needle.trim().to_lowercase();
        [
            self.id.as_str(),
            self.name.as_str(),
            self.status(),
            &self.forward.source.address(),
            &self.forward.destination.address(),
            &self.forward.source.engine_name,
        ]
        .iter()
        .any(|f| f.to_lowercase().contains(&n))
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
    /// for a two-way job, the reverse entry as `ReverseDirection`.
    pub fn to_json(&self) -> Value {
        let mut obj = match &self.forward.raw {
            Value::Object(o) => o.clone(),
            _ => Map::new(),
        };
        obj.insert(
            "Topology".into(),
            Value::String(self.detected_topology().as_str().into()),
        );
        if let Some(r) = &self.reverse {
            obj.insert("ReverseDirection".into(), r.raw.clone());
        }
        Value::Object(obj)
    }
}

/// Merges listing entries into jobs, keeping the order in which job ids first appear.
/// A job listed only as a Reverse entry keeps that entry as its forward data too, so it
/// is never lost (and is marked two-way). Takes the entries by value: no JSON is copied.
pub fn merge_entries(entries: Vec<SyncJobEntry>) -> Vec<Job> {
    let mut order: Vec<String> = Vec::new();
    let mut fwd: std::collections::HashMap<String, SyncJobEntry> = Default::default();
    let mut rev: std::collections::HashMap<String, SyncJobEntry> = Default::default();
    for e in entries {
        if !fwd.contains_key(&e.job_id) && !rev.contains_key(&e.job_id) {
            order.push(e.job_id.clone());
        }
        let map = if e.direction == "Reverse" {
            &mut rev
        } else {
            &mut fwd
        };
        map.entry(e.job_id.clone()).or_insert(e);
    }
    order
        .into_iter()
        .map(|id| {
            let f = fwd.remove(&id);
            let r = rev.remove(&id);
            let (name, job_class, create_time) = {
                let base = f.as_ref().or(r.as_ref()).expect("every id has an entry");
                (
                    base.name.clone(),
                    base.job_class.clone(),
                    base.create_time.clone(),
                )
            };
            let reverse = r.as_ref().map(DirectionInfo::from_entry_ref);
            let forward = match f {
                Some(f) => DirectionInfo::from_entry(f),
                // Only a reverse entry: present its endpoints in forward terms.
                None => {
                    let mut d = DirectionInfo::from_entry(r.expect("reverse entry"));
                    std::mem::swap(&mut d.source, &mut d.destination);
                    d
                }
            };
            Job {
                id,
                name,
                job_class,
                create_time,
                forward,
                reverse,
                reverse_hint: false,
            }
        })
        .collect()
}

/// Marks the jobs DescribeDtsJobs shows as two-way.
pub fn apply_two_way_hints(jobs: &mut [Job], ids: &std::collections::HashSet<String>) {
    for j in jobs.iter_mut() {
        if ids.contains(&j.id) {
            j.reverse_hint = true;
        }
    }
}

/// Lists every job of the region: all pages of DescribeSynchronizationJobs, merged, then
/// two-way hints from DescribeDtsJobs. The hints are best effort: when that call fails
/// (not permitted, not available), the listing alone decides.
pub async fn load_jobs(
    client: &crate::api::Client,
    on_page: impl FnMut(usize, u64),
) -> Result<Vec<Job>, crate::api::ApiError> {
    let entries = client.list_all_jobs(on_page).await?;
    let mut jobs = merge_entries(entries);
    match client.two_way_job_ids().await {
        Ok(ids) => apply_two_way_hints(&mut jobs, &ids),
        Err(e) => {
            tracing::warn!(error = %e, "DescribeDtsJobs failed; topology from the listing only")
        }
    }
    Ok(jobs)
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

    #[test]
    fn reverse_only_job_is_kept() {
        let jobs = merge_entries(vec![entry("r", "Reverse", "9.9.9.9")]);
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].forward.destination.ip, "9.9.9.9");
        assert_eq!(jobs[0].detected_topology(), Topology::TwoWay);
    }
}
