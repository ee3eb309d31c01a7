//! One database behind twelve jobs (`SimConfig::fleet`): the self-managed MySQL at
//! [`FLEET_DB_IP`]:3306 that fails over to [`FLEET_NEW_IP`]. Seven jobs in cn-hangzhou
//! and five in cn-shanghai, legacy and maintained, one-way and two-way, the database as
//! source or destination; one legacy job whose switch task fails, one maintained job
//! whose write's answer is dropped, one legacy job someone else switches after it was
//! listed.

use crate::sim::data::{dir, ep, job, Family, MaintainedIds, SimEndpoint, SimJob};

pub const FLEET_DB_IP: &str = "10.20.30.40";
pub const FLEET_NEW_IP: &str = "10.20.30.41";
/// Where someone else switched [`FLEET_DRIFT_JOB`] meanwhile.
pub const FLEET_OTHER_IP: &str = "10.20.30.99";
pub const FLEET_REGIONS: [&str; 2] = ["cn-hangzhou", "cn-shanghai"];

/// Legacy jobs (SynchronizationJobId).
pub const FLEET_LEGACY_ONE_WAY: &str = "dtsfa01hz0000leg01";
pub const FLEET_LEGACY_TWO_WAY: &str = "dtsfa02hz0000leg02";
pub const FLEET_LEGACY_AS_DESTINATION: &str = "dtsfa03hz0000leg03";
/// Its switch task ends Failed.
pub const FLEET_FAILING_TASK: &str = "dtsfa04hz0000leg04";
pub const FLEET_LEGACY_SHANGHAI: &str = "dtsfa10sh0000leg10";
/// Switched by someone else after the listing: "changed since the plan".
pub const FLEET_DRIFT_JOB: &str = "dtsfa11sh0000leg11";

/// Maintained jobs (DtsInstanceID = "dts" + DtsJobId).
pub const FLEET_MAINTAINED_ONE_WAY: &str = "dtsfm05hz00000m05";
pub const FLEET_MAINTAINED_TWO_WAY: &str = "dtsfm06hz00000m06";
/// Its ModifyDtsJobEndpoint is executed and its answer dropped.
pub const FLEET_DROPPED_ANSWER: &str = "dtsfm07hz00000m07";
pub const FLEET_MAINTAINED_SHANGHAI: &str = "dtsfm08sh00000m08";
pub const FLEET_MAINTAINED_TWO_WAY_SHANGHAI: &str = "dtsfm09sh00000m09";
pub const FLEET_MAINTAINED_SHANGHAI_2: &str = "dtsfm12sh00000m12";

fn legacy_db() -> SimEndpoint {
    ep("LocalInstance", "", "MySQL", FLEET_DB_IP, 3306)
}

fn maintained_db(region: &str) -> SimEndpoint {
    SimEndpoint {
        region: region.into(),
        ..ep("OTHER", "", "MySQL", FLEET_DB_IP, 3306)
    }
}

fn legacy(
    id: &str,
    name: &str,
    region: &str,
    src: SimEndpoint,
    dst: SimEndpoint,
    two_way: bool,
) -> SimJob {
    let mut j = job(
        id,
        name,
        "small",
        9,
        dir("Synchronizing", 0, src, dst),
        two_way,
    );
    j.region = Some(region.into());
    j
}

fn maintained(
    id: &str,
    name: &str,
    region: &str,
    src: SimEndpoint,
    dst: SimEndpoint,
    two_way: bool,
) -> SimJob {
    let job_id = id.trim_start_matches("dts").to_string();
    let mut j = job(
        id,
        name,
        "small",
        10,
        dir("Synchronizing", 0, src, dst),
        two_way,
    );
    j.family = Family::Maintained(MaintainedIds {
        reverse_job_id: two_way.then(|| format!("{}r", &job_id[..job_id.len() - 1])),
        job_id,
    });
    j.region = Some(region.into());
    j
}

fn rds(id: &str, region: &str) -> SimEndpoint {
    SimEndpoint {
        region: region.into(),
        ..ep("RDS", id, "MySQL", "", 3306)
    }
}

/// The twelve jobs, in listing order.
pub fn fleet_jobs() -> Vec<SimJob> {
    let (hz, sh) = (FLEET_REGIONS[0], FLEET_REGIONS[1]);
    let mut failing = legacy(
        FLEET_FAILING_TASK,
        "pay-mysql-to-rds",
        hz,
        legacy_db(),
        ep("RDS", "rm-bp1pay0000004", "MySQL", "", 3306),
        false,
    );
    failing.switch_failure = Some("DTS-070211: Connect Source DB failed".into());
    let mut dropped = maintained(
        FLEET_DROPPED_ANSWER,
        "cart-mysql-to-rds",
        hz,
        maintained_db(hz),
        rds("rm-bp1cart000007", hz),
        false,
    );
    dropped.drops_answer = true;
    let mut drift = legacy(
        FLEET_DRIFT_JOB,
        "bill-mysql-to-rds",
        sh,
        legacy_db(),
        ep("RDS", "rm-uf6bill000011", "MySQL", "", 3306),
        false,
    );
    drift.drift_to = Some(ep("LocalInstance", "", "MySQL", FLEET_OTHER_IP, 3306));
    vec![
        legacy(
            FLEET_LEGACY_ONE_WAY,
            "core-mysql-to-rds",
            hz,
            legacy_db(),
            ep("RDS", "rm-bp1core000001", "MySQL", "", 3306),
            false,
        ),
        legacy(
            FLEET_LEGACY_TWO_WAY,
            "core-mysql-dr",
            hz,
            legacy_db(),
            ep("ECS", "i-bp1coredr00002", "MySQL", "", 3306),
            true,
        ),
        legacy(
            FLEET_LEGACY_AS_DESTINATION,
            "rds-to-core-mysql",
            hz,
            ep("RDS", "rm-bp1feed000003", "MySQL", "", 3306),
            legacy_db(),
            false,
        ),
        failing,
        maintained(
            FLEET_MAINTAINED_ONE_WAY,
            "core-mysql-to-polardb",
            hz,
            maintained_db(hz),
            rds("rm-bp1poll000005", hz),
            false,
        ),
        maintained(
            FLEET_MAINTAINED_TWO_WAY,
            "core-mysql-bidir",
            hz,
            maintained_db(hz),
            SimEndpoint {
                region: hz.into(),
                ..ep("ECS", "i-bp1bidir000006", "MySQL", "", 3306)
            },
            true,
        ),
        dropped,
        maintained(
            FLEET_MAINTAINED_SHANGHAI,
            "core-mysql-to-rds-sh",
            sh,
            maintained_db(sh),
            rds("rm-uf6core000008", sh),
            false,
        ),
        maintained(
            FLEET_MAINTAINED_TWO_WAY_SHANGHAI,
            "ecs-core-bidir-sh",
            sh,
            SimEndpoint {
                region: sh.into(),
                ..ep("ECS", "i-uf6bidir000009", "MySQL", "", 3306)
            },
            maintained_db(sh),
            true,
        ),
        legacy(
            FLEET_LEGACY_SHANGHAI,
            "core-mysql-to-rds-sh-legacy",
            sh,
            legacy_db(),
            ep("RDS", "rm-uf6leg0000010", "MySQL", "", 3306),
            false,
        ),
        drift,
        maintained(
            FLEET_MAINTAINED_SHANGHAI_2,
            "core-mysql-archive-sh",
            sh,
            maintained_db(sh),
            rds("rm-uf6arch000012", sh),
            false,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_jobs_every_id_distinct_each_in_one_region() {
        let jobs = fleet_jobs();
        assert_eq!(jobs.len(), 12);
        let mut ids: Vec<String> = Vec::new();
        for j in &jobs {
            assert!(j.region.is_some(), "{}", j.id);
            ids.push(j.id.clone());
            ids.push(j.dts_job_id(false));
            if j.reverse.is_some() {
                ids.push(j.dts_job_id(true));
            }
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "{ids:?}");
        assert_eq!(jobs.iter().filter(|j| j.reverse.is_some()).count(), 3);
    }
}
