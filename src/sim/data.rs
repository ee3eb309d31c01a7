//! Demo data for the simulator: realistic synchronization jobs.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEndpoint {
    pub instance_type: String,
    pub instance_id: String,
    pub engine: String,
    pub ip: String,
    pub port: String,
    pub user: String,
}

impl SimEndpoint {
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

#[derive(Debug, Clone)]
pub struct SimDirection {
    pub status: String,
    pub delay: u64,
    pub error_message: String,
    pub src: SimEndpoint,
    pub dst: SimEndpoint,
    /// When a switch task of this direction Finished: the job then catches up (a high
    /// delay that falls) before it synchronizes normally.
    pub switched_at: Option<std::time::Instant>,
}

#[derive(Debug, Clone)]
pub struct SimJob {
    pub id: String,
    pub name: String,
    pub class: String,
    pub create_time: String,
    pub forward: SimDirection,
    pub reverse: Option<SimDirection>,
    /// When set, a switch task on this job ends Failed with this message.
    pub switch_failure: Option<String>,
}

fn ep(t: &str, id: &str, engine: &str, ip: &str, port: u16) -> SimEndpoint {
    SimEndpoint {
        instance_type: t.into(),
        instance_id: id.into(),
        engine: engine.into(),
        ip: ip.into(),
        port: port.to_string(),
        user: "dts_sync".into(),
    }
}

fn dir(status: &str, delay: u64, src: SimEndpoint, dst: SimEndpoint) -> SimDirection {
    SimDirection {
        status: status.into(),
        delay,
        error_message: String::new(),
        src,
        dst,
        switched_at: None,
    }
}

fn job(
    id: &str,
    name: &str,
    class: &str,
    day: u32,
    forward: SimDirection,
    two_way: bool,
) -> SimJob {
    let reverse = two_way.then(|| SimDirection {
        status: forward.status.clone(),
        delay: forward.delay,
        error_message: String::new(),
        src: forward.dst.clone(),
        dst: forward.src.clone(),
        switched_at: None,
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
    }
}

/// The demo job whose switch task always ends Failed.
pub const FAILING_JOB_ID: &str = "dtsd7h2k9m4n1p8q06";
/// A two-way demo job (MySQL, LocalInstance ⇄ ECS).
pub const TWO_WAY_JOB_ID: &str = "dtsa1b2c3d4e5f6g01";
/// A one-way demo job (PostgreSQL, Express → LocalInstance).
pub const ONE_WAY_JOB_ID: &str = "dtsb8c7d6e5f4g3h02";

/// Twelve hand-written jobs: MySQL, PostgreSQL, Redis, PolarDB; one-way and two-way;
/// running, paused, failed, initialising.
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

/// `n` jobs: the demo jobs first, then generated ones (about one in seven two-way).
pub fn jobs(n: usize) -> Vec<SimJob> {
    jobs_with(n, None)
}

/// `n` jobs: the demo jobs first, then generated ones, of which every `two_way_every`-th
/// is two-way (`None`: about one in seven).
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
            let mut v = vec![crate::sim::state::SimState::entry_json(j, false)];
            if j.reverse.is_some() {
                v.push(crate::sim::state::SimState::entry_json(j, true));
            }
            v
        })
        .filter_map(|v| crate::api::ops::SyncJobEntry::from_value(&v))
        .collect()
}
