//! `find`: which jobs use a database. The database is named by its old endpoint: an IP
//! address and/or an instance id (ECS instance, VPC, or a managed instance), optionally a
//! port. Every job of both families' listings is searched, on either side of either
//! direction, and each match says which (direction, side) pairs a failover of that
//! database must change. The matching is pure ([`Query`], [`job_use`]);
//! [`search_regions`] lists several regions concurrently and matches each as it ends.
//!
//! Matching rules, per listed endpoint:
//! - an IP compares exactly (trimmed, IPv6 in any case or spelling: both are parsed);
//! - an instance id compares in any case;
//! - an endpoint matches when one given value equals its own, and no given value
//!   contradicts it: a different IP, or a different id of the same kind (the prefix
//!   before the first `-`: `i-`, `vpc-`, `rm-` …). An Express endpoint (VPC id and IP)
//!   searched with `--ip` and an ECS instance id is thus matched by its IP, not refused
//!   for its VPC id;
//! - a port, when given, must equal the endpoint's;
//! - an endpoint listed by instance id only (an ECS one, say) is found by
//!   `--instance-id` only.

use crate::domain::call::Topology;
use crate::domain::call::{Direction, Side};
use crate::domain::endpoint::EndpointInfo;
use crate::domain::job::{load_jobs_with, Job};
use crate::domain::listed::ListOptions;
use crate::domain::service::{Port, ServiceError};
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Regions listed at once by [`search_regions`] unless the caller says otherwise. Each
/// region's listing bounds its own requests in flight (see [`crate::api::listing`]);
/// rate limits are per region, so listing several regions at once adds nothing to any
/// one region's rate.
pub const DEFAULT_REGIONS_IN_FLIGHT: usize = 4;

/// DescribeDtsJobs pages per second and region that [`search_regions`] is given by
/// default: the limit issue 16 gives for DescribeDtsJobs (20/s per region). The legacy
/// listing (DescribeSynchronizationJobs) has no stated limit: only its in-flight bound
/// and the backoff on throttling hold it.
pub const DTS_JOBS_PER_SECOND: u32 = 20;

/// A value of the query that cannot be used: the flag and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub flag: &'static str,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.flag, self.message)
    }
}

/// The old endpoint searched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    ip: Option<IpAddr>,
    instance_id: Option<String>,
    port: Option<u16>,
}

/// Which given values an endpoint matched: `ip`, `instance-id`.
pub type MatchedBy = Vec<&'static str>;

impl Query {
    /// Checks the values (each trimmed); every error at once. At least one of `ip` and
    /// `instance_id` is needed.
    pub fn new(
        ip: Option<&str>,
        instance_id: Option<&str>,
        port: Option<&str>,
    ) -> Result<Query, Vec<QueryError>> {
        let mut errors = Vec::new();
        let ip = ip.map(str::trim).and_then(|v| match parse_ip(v) {
            Ok(a) => Some(a),
            Err(message) => {
                errors.push(QueryError {
                    flag: "--ip",
                    message,
                });
                None
            }
        });
        let instance_id = instance_id
            .map(str::trim)
            .and_then(|v| match check_instance_id(v) {
                Ok(()) => Some(v.to_string()),
                Err(message) => {
                    errors.push(QueryError {
                        flag: "--instance-id",
                        message,
                    });
                    None
                }
            });
        let port = port.map(str::trim).and_then(|v| match v.parse::<u16>() {
            Ok(p) if p >= 1 => Some(p),
            _ => {
                errors.push(QueryError {
                    flag: "--port",
                    message: format!(
                        "{v:?} is not a port; allowed: a whole number from 1 to 65535"
                    ),
                });
                None
            }
        });
        if errors.is_empty() && ip.is_none() && instance_id.is_none() {
            errors.push(QueryError {
                flag: "--ip / --instance-id",
                message: "name the old database: --ip ADDR (an IPv4 or IPv6 address) and/or --instance-id ID (an ECS instance i-…, a VPC vpc-… or a managed instance id such as rm-…); --port N narrows either".into(),
            });
        }
        if errors.is_empty() {
            Ok(Query {
                ip,
                instance_id,
                port,
            })
        } else {
            Err(errors)
        }
    }

    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }
    pub fn instance_id(&self) -> Option<&str> {
        self.instance_id.as_deref()
    }
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The query in words, as an address: `10.20.30.40:3306`, `i-bp1x`,
    /// `10.20.30.40:3306 or i-bp1x:3306`, `[fd00::1]:3306`.
    pub fn text(&self) -> String {
        let with_port = |s: String| match self.port {
            Some(p) => format!("{s}:{p}"),
            None => s,
        };
        let mut parts = Vec::new();
        if let Some(ip) = self.ip {
            parts.push(with_port(match ip {
                IpAddr::V6(_) if self.port.is_some() => format!("[{ip}]"),
                _ => ip.to_string(),
            }));
        }
        if let Some(id) = &self.instance_id {
            parts.push(with_port(id.clone()));
        }
        parts.join(" or ")
    }

    /// Which given values `e` matches, when it is this database (see the module's rules).
    pub fn match_endpoint(&self, e: &EndpointInfo) -> Option<MatchedBy> {
        if let Some(p) = self.port {
            if e.port.trim().parse::<u16>().ok() != Some(p) {
                return None;
            }
        }
        let mut by = Vec::new();
        if let Some(want) = self.ip {
            let have = e.ip.trim();
            if !have.is_empty() {
                if ip_equals(have, want) {
                    by.push("ip");
                } else {
                    return None;
                }
            }
        }
        if let Some(want) = &self.instance_id {
            let have = e.instance_id.trim();
            if !have.is_empty() {
                if have.eq_ignore_ascii_case(want) {
                    by.push("instance-id");
                } else if id_kind(have).eq_ignore_ascii_case(id_kind(want)) {
                    return None;
                }
            }
        }
        (!by.is_empty()).then_some(by)
    }
}

/// An address: IPv4 or IPv6, IPv6 optionally in brackets.
fn parse_ip(v: &str) -> Result<IpAddr, String> {
    if v.is_empty() {
        return Err("is empty; expected an IPv4 or IPv6 address, e.g. 10.20.30.40".into());
    }
    let bare = v
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(v);
    if let Ok(a) = bare.parse::<IpAddr>() {
        return Ok(a);
    }
    let hint = match v.rsplit_once(':') {
        Some((host, port))
            if port.parse::<u16>().is_ok()
                && host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok() =>
        {
            "; give the port with --port"
        }
        _ => "",
    };
    Err(format!(
        "{v:?} is not an IPv4 or IPv6 address (e.g. 10.20.30.40 or fd00::1){hint}"
    ))
}

/// An instance id: 1 to 64 letters, digits, `-`, `_`, `.`.
fn check_instance_id(v: &str) -> Result<(), String> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{v:?} is not an instance id; allowed: 1 to 64 letters, digits, '-', '_' and '.', e.g. i-bp1abc, vpc-bp1abc, rm-bp1abc"
        ))
    }
}

/// Two listed IPs are one when both parse to the same address, else when the texts are
/// equal in any case.
fn ip_equals(listed: &str, want: IpAddr) -> bool {
    let bare = listed
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(listed);
    match bare.parse::<IpAddr>() {
        Ok(a) => a == want,
        Err(_) => bare.eq_ignore_ascii_case(&want.to_string()),
    }
}

/// The kind of an instance id: what comes before its first `-` (`i`, `vpc`, `rm`), or
/// the whole id.
fn id_kind(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// One (direction, side) a failover of the database must change: the endpoint listed
/// there now, and which given values it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub direction: Direction,
    pub side: Side,
    pub endpoint: EndpointInfo,
    pub matched_by: MatchedBy,
}

/// How one job uses the database.
#[derive(Debug, Clone, PartialEq)]
pub struct JobUse {
    /// Where the database is, named as in the Forward direction (as `switch --database`
    /// takes it): one side, or both when the job has it on both sides.
    pub database: Vec<Side>,
    /// Forward pairs first, then Reverse ones.
    pub changes: Vec<Change>,
    /// Something the pairs alone do not say: a topology that is not known, or a two-way
    /// job one of whose directions no longer lists the database.
    pub note: Option<String>,
}

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Source => "source",
        Side::Destination => "destination",
    }
}

/// How `job` uses the database `q` names, if it does. Both directions of a two-way job
/// are read as listed: the Reverse direction's own entry when there is one, else the
/// Forward one's sides swapped (the same databases).
pub fn job_use(q: &Query, job: &Job) -> Option<JobUse> {
    let topology = job.detected_topology();
    let directions: &[Direction] = match topology {
        Topology::TwoWay => &[Direction::Forward, Direction::Reverse],
        _ => &[Direction::Forward],
    };
    let mut changes = Vec::new();
    for &d in directions {
        for s in [Side::Source, Side::Destination] {
            let e = job.endpoint_of(d, s);
            if let Some(by) = q.match_endpoint(e) {
                changes.push(Change {
                    direction: d,
                    side: s,
                    endpoint: e.clone(),
                    matched_by: by,
                });
            }
        }
    }
    if changes.is_empty() {
        return None;
    }
    let forward_side = |c: &Change| match c.direction {
        Direction::Forward => c.side,
        Direction::Reverse => c.side.opposite(),
    };
    let mut database: Vec<Side> = Vec::new();
    for s in [Side::Source, Side::Destination] {
        if changes.iter().any(|c| forward_side(c) == s) {
            database.push(s);
        }
    }
    let has = |d: Direction, s: Side| changes.iter().any(|c| c.direction == d && c.side == s);
    let note = match topology {
        Topology::Unknown => Some(format!(
            "topology unknown: if the job is two-way, its Reverse direction needs its {} changed too",
            side_word(database[0].opposite())
        )),
        Topology::TwoWay => database.iter().find_map(|&s| {
            if !has(Direction::Forward, s) {
                Some(format!(
                    "only the Reverse direction lists it (as its {}): the Forward {} shows another endpoint already",
                    side_word(s.opposite()),
                    side_word(s)
                ))
            } else if !has(Direction::Reverse, s.opposite()) {
                Some(format!(
                    "only the Forward direction lists it: the Reverse {} shows another endpoint already",
                    side_word(s.opposite())
                ))
            } else {
                None
            }
        }),
        Topology::OneWay => None,
    };
    Some(JobUse {
        database,
        changes,
        note,
    })
}

/// A job that uses the database, in the region it was listed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub region: String,
    pub job: Job,
    pub usage: JobUse,
}

/// The jobs of one region's listing that use the database, in listing order. A job both
/// families list is one job already (the listings are merged by id).
pub fn match_jobs(q: &Query, region: &str, jobs: &[Job]) -> Vec<Match> {
    jobs.iter()
        .filter_map(|j| {
            job_use(q, j).map(|usage| Match {
                region: region.to_string(),
                job: j.clone(),
                usage,
            })
        })
        .collect()
}

/// How one region answered.
#[derive(Debug, Clone)]
pub struct RegionReport {
    pub region: String,
    /// Jobs listed (both families, merged); 0 when the listing failed.
    pub jobs: usize,
    /// Jobs that use the database.
    pub matches: usize,
    /// The listing could not be read: nothing is known of this region.
    pub error: Option<ServiceError>,
    /// DescribeDtsJobs could not be read: the jobs only the maintained family's listing
    /// shows may be missing from this region's matches.
    pub incomplete: Option<ServiceError>,
    pub elapsed: Duration,
}

impl RegionReport {
    /// Searched completely.
    pub fn complete(&self) -> bool {
        self.error.is_none() && self.incomplete.is_none()
    }
    /// The error to show: the listing's, else DescribeDtsJobs'.
    pub fn problem(&self) -> Option<&ServiceError> {
        self.error.as_ref().or(self.incomplete.as_ref())
    }
}

/// What a search found, in the order the regions were given.
#[derive(Debug, Clone)]
pub struct FindReport {
    pub regions: Vec<RegionReport>,
    /// By region (in the order given), then in listing order.
    pub matches: Vec<Match>,
}

impl FindReport {
    /// Every region was searched completely.
    pub fn complete(&self) -> bool {
        self.regions.iter().all(RegionReport::complete)
    }
    /// The regions the matches are in.
    pub fn match_regions(&self) -> Vec<&str> {
        self.regions
            .iter()
            .filter(|r| r.matches > 0)
            .map(|r| r.region.as_str())
            .collect()
    }
}

/// Runs `work` for each region (its name and client), at most `in_flight` at a time,
/// handing each result to `on_done` as it comes; the results in the regions' order (None
/// where a region's task ended without one).
pub async fn per_region<T, Fut>(
    targets: &[(String, Port)],
    in_flight: usize,
    work: impl Fn(String, Port) -> Fut,
    mut on_done: impl FnMut(&T),
) -> Vec<Option<T>>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(in_flight.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, (region, client)) in targets.iter().cloned().enumerate() {
        let permits = permits.clone();
        let job = work(region, client);
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (i, job.await)
        });
    }
    let mut done: Vec<Option<T>> = targets.iter().map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((i, r)) => {
                on_done(&r);
                done[i] = Some(r);
            }
            // A task that panicked: its region is reported as failed by the caller.
            Err(e) => tracing::warn!(error = %e, "a region's listing task failed"),
        }
    }
    done
}

/// Lists each region (its client: the region's endpoint and RegionId) with both
/// families' listings, at most `in_flight` regions at a time, and matches its jobs as
/// soon as its listing ends; `on_region` hears of each region as it ends. A region that
/// fails is reported with its error; the others still answer. Dropping the future
/// cancels every listing in flight.
pub async fn search_regions(
    q: &Query,
    targets: Vec<(String, Port)>,
    opts: &ListOptions,
    in_flight: usize,
    mut on_region: impl FnMut(&RegionReport),
) -> FindReport {
    let names: Vec<String> = targets.iter().map(|(r, _)| r.clone()).collect();
    let done = per_region(
        &targets,
        in_flight,
        |region, client| {
            let (q, opts) = (q.clone(), opts.clone());
            async move {
                let started = Instant::now();
                let listed = load_jobs_with(&client, &opts, |_| {}).await;
                let elapsed = started.elapsed();
                match listed {
                    Ok(l) => {
                        let matches = match_jobs(&q, &region, &l.jobs);
                        let report = RegionReport {
                            region,
                            jobs: l.jobs.len(),
                            matches: matches.len(),
                            error: None,
                            incomplete: l.two_way_error,
                            elapsed,
                        };
                        (report, matches)
                    }
                    Err(e) => (failed(region, e, elapsed), Vec::new()),
                }
            }
        },
        |(report, _)| on_region(report),
    )
    .await;
    let mut report = FindReport {
        regions: Vec::with_capacity(names.len()),
        matches: Vec::new(),
    };
    for (d, region) in done.into_iter().zip(names) {
        let (r, m) = d.unwrap_or_else(|| {
            let e = ServiceError::lost(
                "DescribeSynchronizationJobs",
                "the region's listing stopped (internal error)",
            );
            (failed(region, e, Duration::ZERO), Vec::new())
        });
        report.regions.push(r);
        report.matches.extend(m);
    }
    report
}

fn failed(region: String, e: ServiceError, elapsed: Duration) -> RegionReport {
    RegionReport {
        region,
        jobs: 0,
        matches: 0,
        error: Some(e),
        incomplete: None,
        elapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::job::merge_entries;
    use crate::domain::listed::SyncJobEntry;
    use serde_json::json;

    fn q(ip: Option<&str>, id: Option<&str>, port: Option<&str>) -> Query {
        Query::new(ip, id, port).unwrap()
    }

    fn ep(ip: &str, id: &str, port: &str) -> EndpointInfo {
        EndpointInfo {
            ip: ip.into(),
            instance_id: id.into(),
            port: port.into(),
            ..EndpointInfo::default()
        }
    }

    fn entry(id: &str, dir: &str, src: (&str, &str), dst: (&str, &str)) -> SyncJobEntry {
        SyncJobEntry::from_value(&json!({
            "SynchronizationJobId": id, "SynchronizationJobName": format!("n-{id}"),
            "SynchronizationDirection": dir, "Status": "Synchronizing",
            "SourceEndpoint": {"IP": src.0, "InstanceId": src.1, "Port": "3306"},
            "DestinationEndpoint": {"IP": dst.0, "InstanceId": dst.1, "Port": "3306"}
        }))
        .unwrap()
    }

    #[test]
    fn bad_input_names_every_field() {
        let e = Query::new(Some("10.0.0.300"), Some("i bad"), Some("70000")).unwrap_err();
        let flags: Vec<_> = e.iter().map(|e| e.flag).collect();
        assert_eq!(flags, ["--ip", "--instance-id", "--port"]);
        assert!(e[2].message.contains("1 to 65535"), "{}", e[2]);
        let e = Query::new(None, None, Some("3306")).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("--ip ADDR"), "{}", e[0]);
        let e = Query::new(Some("10.1.2.3:3306"), None, None).unwrap_err();
        assert!(e[0].message.contains("--port"), "{}", e[0]);
        for port in ["0", "-1", "", "33o6"] {
            assert!(
                Query::new(Some("1.2.3.4"), None, Some(port)).is_err(),
                "{port}"
            );
        }
        assert!(Query::new(Some(" [FD00::1] "), None, Some(" 3306 ")).is_ok());
    }

    #[test]
    fn query_in_words() {
        assert_eq!(
            q(Some("10.20.30.40"), None, Some("3306")).text(),
            "10.20.30.40:3306"
        );
        assert_eq!(q(None, Some("i-bp1x"), None).text(), "i-bp1x");
        assert_eq!(
            q(Some("FD00::1"), None, Some("5432")).text(),
            "[fd00::1]:5432"
        );
        assert_eq!(
            q(Some("10.0.0.1"), Some("vpc-1"), None).text(),
            "10.0.0.1 or vpc-1"
        );
    }

    #[test]
    fn ip_compares_exactly_ipv6_in_any_spelling() {
        let by_ip = q(Some("10.20.30.40"), None, None);
        assert!(by_ip
            .match_endpoint(&ep(" 10.20.30.40 ", "", "3306"))
            .is_some());
        assert!(by_ip
            .match_endpoint(&ep("10.20.30.4", "", "3306"))
            .is_none());
        assert!(by_ip
            .match_endpoint(&ep("10.20.30.400", "", "3306"))
            .is_none());
        let v6 = q(Some("fd00:0:0::1"), None, None);
        assert!(v6.match_endpoint(&ep("FD00::1", "", "")).is_some());
        assert!(v6.match_endpoint(&ep("[fd00::0:1]", "", "")).is_some());
        assert!(v6.match_endpoint(&ep("fd00::2", "", "")).is_none());
    }

    #[test]
    fn instance_id_in_any_case_and_the_port_when_given() {
        let by_id = q(None, Some("I-BP1ABC"), Some("3306"));
        assert_eq!(
            by_id.match_endpoint(&ep("", "i-bp1abc", "3306")),
            Some(vec!["instance-id"])
        );
        assert!(by_id.match_endpoint(&ep("", "i-bp1abc", "3307")).is_none());
        assert!(
            by_id.match_endpoint(&ep("", "i-bp1abc", "")).is_none(),
            "a port that is not listed does not match a given one"
        );
        assert!(by_id.match_endpoint(&ep("", "i-bp1abd", "3306")).is_none());
    }

    #[test]
    fn an_ecs_endpoint_listed_by_id_only_is_found_by_id_only() {
        let ecs = ep("", "i-bp1orders0dr01", "3306");
        assert!(q(Some("172.16.0.5"), None, None)
            .match_endpoint(&ecs)
            .is_none());
        assert!(q(None, Some("i-bp1orders0dr01"), None)
            .match_endpoint(&ecs)
            .is_some());
        // Both given: found by the id; the IP it does not list does not contradict.
        assert_eq!(
            q(Some("172.16.0.5"), Some("i-bp1orders0dr01"), None).match_endpoint(&ecs),
            Some(vec!["instance-id"])
        );
    }

    #[test]
    fn a_given_value_that_contradicts_the_endpoint_refuses_it() {
        let express = ep("10.0.0.5", "vpc-bp1core", "3306");
        // The VPC alone: every endpoint in it.
        assert!(q(None, Some("vpc-bp1core"), None)
            .match_endpoint(&express)
            .is_some());
        // The VPC and the IP: only that address in it.
        assert_eq!(
            q(Some("10.0.0.5"), Some("vpc-bp1core"), None).match_endpoint(&express),
            Some(vec!["ip", "instance-id"])
        );
        assert!(q(Some("10.0.0.6"), Some("vpc-bp1core"), None)
            .match_endpoint(&express)
            .is_none());
        // Another VPC with the same private IP: another database.
        assert!(q(Some("10.0.0.5"), Some("vpc-bp1other"), None)
            .match_endpoint(&express)
            .is_none());
        // An ECS id is not a VPC id: no contradiction, found by the IP.
        assert_eq!(
            q(Some("10.0.0.5"), Some("i-bp1db"), None).match_endpoint(&express),
            Some(vec!["ip"])
        );
    }

    #[test]
    fn a_two_way_job_needs_both_directions_changed() {
        let jobs = merge_entries(vec![
            entry("a", "Forward", ("47.1.1.1", ""), ("", "i-bp1dst")),
            entry("a", "Reverse", ("", "i-bp1dst"), ("47.1.1.1", "")),
            entry("b", "Forward", ("10.0.0.9", ""), ("47.1.1.1", "")),
        ]);
        let by_ip = q(Some("47.1.1.1"), None, Some("3306"));
        let u = job_use(&by_ip, &jobs[0]).unwrap();
        assert_eq!(u.database, [Side::Source]);
        let pairs: Vec<_> = u.changes.iter().map(|c| (c.direction, c.side)).collect();
        assert_eq!(
            pairs,
            [
                (Direction::Forward, Side::Source),
                (Direction::Reverse, Side::Destination)
            ]
        );
        assert_eq!(u.note, None);
        // One-way (the listing shows Reverse entries, b has none): Forward only.
        let u = job_use(&by_ip, &jobs[1]).unwrap();
        assert_eq!(u.database, [Side::Destination]);
        assert_eq!(u.changes.len(), 1);
        assert_eq!(u.changes[0].direction, Direction::Forward);
        // By the ECS id of a's destination.
        let u = job_use(&q(None, Some("i-bp1dst"), None), &jobs[0]).unwrap();
        assert_eq!(u.database, [Side::Destination]);
        let pairs: Vec<_> = u.changes.iter().map(|c| (c.direction, c.side)).collect();
        assert_eq!(
            pairs,
            [
                (Direction::Forward, Side::Destination),
                (Direction::Reverse, Side::Source)
            ]
        );
        assert!(job_use(&q(Some("9.9.9.9"), None, None), &jobs[0]).is_none());
    }

    #[test]
    fn a_half_switched_two_way_job_needs_only_the_direction_still_on_the_old_database() {
        // The Forward source was switched to 47.2.2.2; the Reverse destination still
        // writes to 47.1.1.1.
        let jobs = merge_entries(vec![
            entry("a", "Forward", ("47.2.2.2", ""), ("", "i-bp1dst")),
            entry("a", "Reverse", ("", "i-bp1dst"), ("47.1.1.1", "")),
        ]);
        let u = job_use(&q(Some("47.1.1.1"), None, None), &jobs[0]).unwrap();
        assert_eq!(u.database, [Side::Source]);
        assert_eq!(u.changes.len(), 1);
        assert_eq!(
            (u.changes[0].direction, u.changes[0].side),
            (Direction::Reverse, Side::Destination)
        );
        assert!(
            u.note.as_deref().unwrap().contains("only the Reverse"),
            "{:?}",
            u.note
        );
    }

    #[test]
    fn unknown_topology_says_what_a_reverse_direction_would_need() {
        // No Reverse entry anywhere and no DescribeDtsJobs: unknown.
        let jobs = merge_entries(vec![entry("a", "Forward", ("47.1.1.1", ""), ("", "i-x"))]);
        let u = job_use(&q(Some("47.1.1.1"), None, None), &jobs[0]).unwrap();
        assert_eq!(u.changes.len(), 1);
        assert!(u.note.unwrap().contains("destination"));
    }

    #[test]
    fn matches_keep_listing_order_and_name_the_region() {
        let jobs = merge_entries(vec![
            entry("a", "Forward", ("47.1.1.1", ""), ("", "i-x")),
            entry("b", "Forward", ("47.9.9.9", ""), ("", "i-y")),
            entry("c", "Forward", ("", "i-z"), ("47.1.1.1", "")),
        ]);
        let m = match_jobs(&q(Some("47.1.1.1"), None, None), "cn-shanghai", &jobs);
        let ids: Vec<_> = m.iter().map(|m| m.job.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert!(m.iter().all(|m| m.region == "cn-shanghai"));
    }
}
