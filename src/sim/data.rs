//! The simulator's job model and its legacy demo data: realistic synchronization jobs.
//! The maintained (DtsJobId) family's demo data is in `data_maintained.rs`.

use serde_json::{json, Value};
use std::time::Instant;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimEndpoint {
    /// In the job's own vocabulary: legacy (`LocalInstance`, `ECS`, `Express`, `RDS`, …)
    /// or maintained (`OTHER`, `ECS`, `EXPRESS`, `RDS`, `PolarDB`, …).
    pub instance_type: String,
    pub instance_id: String,
    pub engine: String,
    pub ip: String,
    pub port: String,
    pub user: String,
    /// Region of the database; empty: the job's (legacy endpoints have none).
    pub region: String,
    /// Database name (PostgreSQL) or authentication database (MongoDB); mostly empty.
    pub database: String,
    /// Cross-account access (maintained Detail only): the owner's account and RAM role.
    pub aliyun_uid: String,
    pub role_name: String,
}

impl SimEndpoint {
    /// The legacy shape (`InstanceId`, `IP`), as DescribeSynchronizationJobs and
    /// DescribeSynchronizationJobStatus show endpoints of either family.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "InstanceType": self.instance_type,
            "InstanceId": self.instance_id,
            "EngineName": self.engine,
            "IP": self.ip,
            "Port": self.port,
            "UserName": self.user,
        })
    }
}

/// Which side of a direction a change replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Src,
    Dest,
}

/// Why a direction stays Failed after a change replaced `side` (legacy switches do not
/// record their side: the source's message).
pub fn change_failure_message(side: Option<Side>) -> String {
    match side {
        Some(Side::Dest) => "DTS-070212: Connect Dest DB failed. cause by [com.mysql.jdbc.exceptions.jdbc4.CommunicationsException:Communications link failure]".into(),
        _ => "DTS-070211: Connect Source DB failed. cause by [com.mysql.jdbc.exceptions.jdbc4.CommunicationsException:Communications link failure]".into(),
    }
}

/// An endpoint change accepted (ModifyDtsJobEndpoint) and not applied yet: the direction
/// shows `Modifying` until it is.
#[derive(Debug, Clone)]
pub struct PendingChange {
    pub side: Side,
    pub endpoint: SimEndpoint,
    pub at: Instant,
}

#[derive(Debug, Clone)]
pub struct SimDirection {
    pub status: String,
    pub delay: u64,
    pub error_message: String,
    pub src: SimEndpoint,
    pub dst: SimEndpoint,
    /// When a switch task (legacy) or an endpoint change (maintained) of this direction
    /// applied: the job then catches up (a high delay that falls) before it synchronizes
    /// normally.
    pub switched_at: Option<Instant>,
    /// A maintained endpoint change waiting to apply (the direction is `Modifying`).
    pub pending: Option<PendingChange>,
    /// The side the last applied change replaced (RetryState.RetryTarget when it fails).
    pub changed_side: Option<Side>,
}

/// The API family that owns a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Family {
    /// Old console jobs: SynchronizationJob* operations, SwitchSynchronizationEndpoint.
    Legacy,
    /// New-version (DtsJobId) jobs: DescribeDtsJobDetail, ModifyDtsJobEndpoint. The
    /// job's `id` is its DtsInstanceID.
    Maintained(MaintainedIds),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintainedIds {
    /// The Forward direction's DtsJobId.
    pub job_id: String,
    /// The Reverse direction's own DtsJobId (two-way jobs).
    pub reverse_job_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SimJob {
    /// SynchronizationJobId (legacy) or DtsInstanceID (maintained).
    pub id: String,
    pub name: String,
    pub class: String,
    pub create_time: String,
    pub forward: SimDirection,
    pub reverse: Option<SimDirection>,
    /// When set, a switch task on this job ends Failed with this message.
    pub switch_failure: Option<String>,
    pub family: Family,
    /// The DTS instance's region; `None`: the job shows in every region.
    pub region: Option<String>,
    /// After a change (switch or endpoint change) the job stays Failed.
    pub fails_after_change: bool,
    /// ModifyDtsJobEndpoint's connectivity check always fails (dry run or not).
    pub dry_run_fails: bool,
    /// DescribeDtsJobDetail spells `synchronizing` in lowercase, as its doc does.
    pub lowercase_detail_status: bool,
    /// The job's write (switch or endpoint change, not a dry run) is executed, then
    /// the connection is closed without an answer: a dropped answer, for this job only.
    pub drops_answer: bool,
    /// Someone else changes the Forward source to this endpoint, just before the
    /// first status read of the job after it was listed ("changed since the plan").
    pub drift_to: Option<SimEndpoint>,
}

impl SimJob {
    /// The request's region sees this job.
    pub fn in_region(&self, region: &str) -> bool {
        self.region.as_deref().is_none_or(|r| r == region)
    }

    pub fn maintained(&self) -> Option<&MaintainedIds> {
        match &self.family {
            Family::Maintained(m) => Some(m),
            Family::Legacy => None,
        }
    }

    pub fn direction(&self, reverse: bool) -> Option<&SimDirection> {
        if reverse {
            self.reverse.as_ref()
        } else {
            Some(&self.forward)
        }
    }

    pub fn direction_mut(&mut self, reverse: bool) -> Option<&mut SimDirection> {
        if reverse {
            self.reverse.as_mut()
        } else {
            Some(&mut self.forward)
        }
    }

    /// A direction's DtsJobId: the real one of a maintained job, else the made-up one
    /// DescribeDtsJobs shows for a legacy job (`<id>j`, reverse `<id>r`).
    pub fn dts_job_id(&self, reverse: bool) -> String {
        match (self.maintained(), reverse) {
            (Some(m), false) => m.job_id.clone(),
            (Some(m), true) => m.reverse_job_id.clone().unwrap_or_default(),
            (None, false) => format!("{}j", self.id),
            (None, true) => format!("{}r", self.id),
        }
    }

    /// One entry of DescribeSynchronizationJobs (and the base of
    /// DescribeSynchronizationJobStatus), in the legacy shapes, for either family.
    pub fn legacy_entry(&self, reverse: bool) -> Value {
        let d = self.direction(reverse).expect("reverse exists");
        json!({
            "SynchronizationJobId": self.id,
            "SynchronizationJobName": self.name,
            "SynchronizationDirection": if reverse { "Reverse" } else { "Forward" },
            "SynchronizationJobClass": self.class,
            "Status": d.status,
            "ErrorMessage": d.error_message,
            "Delay": d.delay.to_string(),
            "PayType": "PostPaid",
            "ExpireTime": "",
            "CreateTime": self.create_time,
            "InstanceCreateTime": "2026-01-01T02:00:00Z",
            "JobCreateTime": "2026-01-01T02:05:00Z",
            "DataInitialization": "true",
            "StructureInitialization": "true",
            "SourceEndpoint": d.src.to_json(),
            "DestinationEndpoint": d.dst.to_json(),
            "Performance": {"FLOW": "0.5", "RPS": "100"},
            "PrecheckStatus": {"Status": "Success", "Percent": "100", "Detail": []},
            "StructureInitializationStatus": {"Status": "Finished", "Percent": "100", "Progress": "", "ErrorMessage": ""},
            "DataInitializationStatus": {"Status": "Finished", "Percent": "100", "Progress": "", "ErrorMessage": ""},
            "DataSynchronizationStatus": {"Status": "Migrating", "Percent": "95", "Delay": d.delay.to_string(), "ErrorMessage": ""},
            "SynchronizationObjects": [],
            "Tags": [],
        })
    }
}

pub(crate) fn ep(t: &str, id: &str, engine: &str, ip: &str, port: u16) -> SimEndpoint {
    SimEndpoint {
        instance_type: t.into(),
        instance_id: id.into(),
        engine: engine.into(),
        ip: ip.into(),
        port: port.to_string(),
        user: "dts_sync".into(),
        ..SimEndpoint::default()
    }
}

pub(crate) fn dir(status: &str, delay: u64, src: SimEndpoint, dst: SimEndpoint) -> SimDirection {
    SimDirection {
        status: status.into(),
        delay,
        error_message: String::new(),
        src,
        dst,
        switched_at: None,
        pending: None,
        changed_side: None,
    }
}

/// A legacy job (no region: it shows in every region).
pub(crate) fn job(
    id: &str,
    name: &str,
    class: &str,
    day: u32,
    forward: SimDirection,
    two_way: bool,
) -> SimJob {
    let reverse = two_way.then(|| {
        dir(
            &forward.status,
            forward.delay,
            forward.dst.clone(),
            forward.src.clone(),
        )
    });
    SimJob {
        id: id.into(),
        name: name.into(),
        class: class.into(),
        create_time: format!(
            "2026-{:02}-{:02} 10:{:02}:00.0",
            1 + day % 11,
            1 + day % 27,
            day % 60
        ),
        forward,
        reverse,
        switch_failure: None,
        family: Family::Legacy,
        region: None,
        fails_after_change: false,
        dry_run_fails: false,
        lowercase_detail_status: false,
        drops_answer: false,
        drift_to: None,
    }
}

/// The demo job whose switch task always ends Failed.
pub const FAILING_JOB_ID: &str = "dtsd7h2k9m4n1p8q06";
/// A two-way demo job (MySQL, LocalInstance ⇄ ECS).
pub const TWO_WAY_JOB_ID: &str = "dtsa1b2c3d4e5f6g01";
/// A one-way demo job (PostgreSQL, Express → LocalInstance).
pub const ONE_WAY_JOB_ID: &str = "dtsb8c7d6e5f4g3h02";

/// Twelve hand-written legacy jobs: MySQL, PostgreSQL, Redis, PolarDB; one-way and
/// two-way; running, paused, failed, initialising. The maintained demo jobs
/// (`data_maintained::maintained_demo_jobs`) are listed after them.
pub fn demo_jobs() -> Vec<SimJob> {
    let mut v = vec![
        job(
            TWO_WAY_JOB_ID,
            "orders-mysql-dr",
            "medium",
            3,
            dir(
                "Synchronizing",
                0,
                ep("LocalInstance", "", "MySQL", "47.98.12.34", 3306),
                ep("ECS", "i-bp1orders0dr01", "MySQL", "", 3306),
            ),
            true,
        ),
        job(
            ONE_WAY_JOB_ID,
            "users-pg-analytics",
            "small",
            5,
            dir(
                "Synchronizing",
                2,
                ep(
                    "Express",
                    "vpc-bp1core0001",
                    "PostgreSQL",
                    "10.20.1.15",
                    5432,
                ),
                ep("LocalInstance", "", "PostgreSQL", "8.136.20.11", 5432),
            ),
            false,
        ),
        job(
            "dtsc3d4e5f6g7h8j03",
            "session-redis-active",
            "large",
            7,
            dir(
                "Synchronizing",
                0,
                ep("ECS", "i-bp1redis0a0001", "Redis", "", 6379),
                ep("ECS", "i-bp1redis0b0002", "Redis", "", 6379),
            ),
            true,
        ),
        job(
            "dtse9f8g7h6j5k4m04",
            "inventory-mysql-to-rds",
            "small",
            9,
            dir(
                "Synchronizing",
                1,
                ep("ECS", "i-bp1inv00000001", "MySQL", "", 3306),
                ep("RDS", "rm-bp1inventory01", "MySQL", "", 3306),
            ),
            false,
        ),
        job(
            "dtsf1g2h3j4k5m6n05",
            "catalog-mysql-paused",
            "micro",
            11,
            dir(
                "Suspending",
                340,
                ep("LocalInstance", "", "MySQL", "120.55.3.21", 3306),
                ep("ECS", "i-bp1catalog0001", "MySQL", "", 3306),
            ),
            false,
        ),
        job(
            FAILING_JOB_ID,
            "billing-pg-legacy",
            "small",
            13,
            dir(
                "Synchronizing",
                4,
                ep("LocalInstance", "", "PostgreSQL", "39.100.7.8", 5432),
                ep(
                    "Express",
                    "vpc-bp1billing01",
                    "PostgreSQL",
                    "10.30.0.9",
                    5432,
                ),
            ),
            false,
        ),
        job(
            "dtsg5h4j3k2m1n9p07",
            "audit-mysql-broken",
            "small",
            15,
            dir(
                "Failed",
                0,
                ep("LocalInstance", "", "MySQL", "106.14.2.77", 3306),
                ep("RDS", "rm-bp1audit00001", "MySQL", "", 3306),
            ),
            false,
        ),
        job(
            "dtsh2j3k4m5n6p7q08",
            "crm-mysql-bidir",
            "medium",
            17,
            dir(
                "Synchronizing",
                0,
                ep("Express", "vpc-bp1crm000001", "MySQL", "172.16.8.20", 3306),
                ep("LocalInstance", "", "MySQL", "101.37.9.40", 3306),
            ),
            true,
        ),
        job(
            "dtsj6k7m8n9p1q2r09",
            "metrics-pg-init",
            "large",
            19,
            dir(
                "Initializating",
                0,
                ep("ECS", "i-bp1metrics0001", "PostgreSQL", "", 5432),
                ep("PolarDB", "pc-bp1metrics001", "PostgreSQL", "", 5432),
            ),
            false,
        ),
        job(
            "dtsk4m5n6p7q8r9s10",
            "cache-redis-eu",
            "small",
            21,
            dir(
                "Synchronizing",
                0,
                ep("LocalInstance", "", "Redis", "8.209.70.14", 6379),
                ep("ECS", "i-gw8cache000001", "Redis", "", 6379),
            ),
            false,
        ),
        job(
            "dtsm8n9p1q2r3s4t11",
            "payments-mysql-dr",
            "large",
            23,
            dir(
                "Synchronizing",
                1,
                ep("ECS", "i-bp1pay00000001", "MySQL", "", 3306),
                ep("Express", "vpc-bp1pay000002", "MySQL", "192.168.40.5", 3306),
            ),
            true,
        ),
        job(
            "dtsn3p4q5r6s7t8u12",
            "reports-mysql-polardb",
            "medium",
            25,
            dir(
                "Synchronizing",
                12,
                ep("LocalInstance", "", "MySQL", "47.110.5.61", 3306),
                ep("PolarDB", "pc-bp1reports001", "MySQL", "", 3306),
            ),
            false,
        ),
    ];
    v[6].forward.error_message =
        "DTS-070211: Connect Source DB failed. cause by [com.mysql.jdbc.exceptions.jdbc4.CommunicationsException:Communications link failure]".into();
    v[5].switch_failure = Some(
        "DTS-31009: the new endpoint {endpoint} refused the connection from DTS; check the whitelist and that the database listens on that port".into(),
    );
    v
}

/// `n` legacy jobs: the demo jobs first, then generated ones (about one in seven two-way).
pub fn jobs(n: usize) -> Vec<SimJob> {
    jobs_with(n, None)
}

/// `n` legacy jobs: the demo jobs first, then generated ones, of which every
/// `two_way_every`-th is two-way (`None`: about one in seven).
pub fn jobs_with(n: usize, two_way_every: Option<usize>) -> Vec<SimJob> {
    let mut v = demo_jobs();
    v.truncate(n);
    let engines = [("MySQL", 3306u16), ("PostgreSQL", 5432), ("Redis", 6379)];
    let statuses = [
        "Synchronizing",
        "Synchronizing",
        "Synchronizing",
        "Suspending",
        "Failed",
    ];
    for i in v.len()..n {
        let (engine, port) = engines[i % engines.len()];
        let status = statuses[(i / 3) % statuses.len()];
        let src = ep(
            "LocalInstance",
            "",
            engine,
            &format!("47.{}.{}.{}", 90 + i % 10, (i / 250) % 250, 1 + i % 250),
            port,
        );
        let dst = ep("ECS", &format!("i-bp1gen{i:08}"), engine, "", port);
        v.push(job(
            &format!("dtsgen{i:012}"),
            &format!("{}-sync-{i:05}", engine.to_ascii_lowercase()),
            ["micro", "small", "medium", "large"][i % 4],
            i as u32,
            dir(status, (i % 7) as u64, src, dst),
            match two_way_every {
                Some(k) => i % k.max(1) == 0,
                None => i % 5 == 0 && engine != "PostgreSQL",
            },
        ));
    }
    v
}

/// The listing entries of `jobs` (Forward, then Reverse for two-way jobs), as the
/// simulator sends them: for tests and benchmarks that need realistic jobs offline.
pub fn listing_entries(jobs: &[SimJob]) -> Vec<crate::api::ops::SyncJobEntry> {
    jobs.iter()
        .flat_map(|j| {
            let mut v = vec![j.legacy_entry(false)];
            if j.reverse.is_some() {
                v.push(j.legacy_entry(true));
            }
            v
        })
        .filter_map(|v| crate::api::ops::SyncJobEntry::from_value(&v))
        .collect()
}
