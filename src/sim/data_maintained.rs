//! Demo data of the maintained (new-version, DtsJobId) family: jobs with a DtsInstanceID
//! (`"dts" + DtsJobId`, the SDK examples' convention), a Forward DtsJobId, a Reverse
//! DtsJobId of their own when two-way, a region, and endpoints in the vocabulary the new
//! family's responses use (`RDS`, `ECS`, `EXPRESS`, `OTHER`, `PolarDB`).

use crate::sim::data::{dir, ep, job, Family, MaintainedIds, SimDirection, SimEndpoint, SimJob};

/// One-way MySQL, ECS → RDS (cn-hangzhou).
pub const MAINTAINED_ONE_WAY_INSTANCE_ID: &str = "dtsq1w2e3r4t5y6u01";
pub const MAINTAINED_ONE_WAY_JOB_ID: &str = "q1w2e3r4t5y6u01";
/// Two-way MySQL, ECS ⇄ OTHER (public IP) (cn-hangzhou). Its Detail spells the status
/// `synchronizing` in lowercase.
pub const MAINTAINED_TWO_WAY_INSTANCE_ID: &str = "dtsw2e3r4t5y6u7i02";
pub const MAINTAINED_TWO_WAY_JOB_ID: &str = "w2e3r4t5y6u7i02";
pub const MAINTAINED_TWO_WAY_REVERSE_JOB_ID: &str = "k9j8h7g6f5d4s02";
/// One-way MySQL, OTHER (self-managed, public IP) → PolarDB (cn-hangzhou).
pub const MAINTAINED_PUBLIC_SOURCE_INSTANCE_ID: &str = "dtse3r4t5y6u7i8o03";
pub const MAINTAINED_PUBLIC_SOURCE_JOB_ID: &str = "e3r4t5y6u7i8o03";
/// One-way PostgreSQL, EXPRESS → RDS, whose connectivity check always fails (dry run or
/// not), so a change never applies (cn-hangzhou).
pub const MAINTAINED_DRYRUN_FAILS_INSTANCE_ID: &str = "dtsr4t5y6u7i8o9p04";
pub const MAINTAINED_DRYRUN_FAILS_JOB_ID: &str = "r4t5y6u7i8o9p04";
/// One-way MySQL, ECS → RDS, that stays Failed (retrying) after a change (cn-hangzhou).
pub const MAINTAINED_FAILS_AFTER_CHANGE_INSTANCE_ID: &str = "dtst5y6u7i8o9p1a05";
pub const MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID: &str = "t5y6u7i8o9p1a05";
/// One-way MySQL, ECS → RDS, in cn-shanghai.
pub const MAINTAINED_SHANGHAI_ONE_WAY_INSTANCE_ID: &str = "dtsy6u7i8o9p1a2s06";
pub const MAINTAINED_SHANGHAI_ONE_WAY_JOB_ID: &str = "y6u7i8o9p1a2s06";
/// Two-way MySQL, OTHER ⇄ ECS, in cn-shanghai.
pub const MAINTAINED_SHANGHAI_TWO_WAY_INSTANCE_ID: &str = "dtsu7i8o9p1a2s3d07";
pub const MAINTAINED_SHANGHAI_TWO_WAY_JOB_ID: &str = "u7i8o9p1a2s3d07";
pub const MAINTAINED_SHANGHAI_TWO_WAY_REVERSE_JOB_ID: &str = "z1x2c3v4b5n6m07";

/// The region of the maintained demo jobs (but the two `MAINTAINED_SHANGHAI_*` ones).
pub const MAINTAINED_REGION: &str = "cn-hangzhou";
pub const MAINTAINED_SHANGHAI_REGION: &str = "cn-shanghai";

fn mep(t: &str, id: &str, engine: &str, ip: &str, port: u16, region: &str) -> SimEndpoint {
    SimEndpoint {
        region: region.into(),
        ..ep(t, id, engine, ip, port)
    }
}

/// A maintained job: DtsInstanceID `"dts" + job_id`, the Reverse direction (when
/// `reverse_job_id` is set) mirroring the Forward one.
fn mjob(
    job_id: &str,
    reverse_job_id: Option<&str>,
    name: &str,
    class: &str,
    day: u32,
    region: &str,
    forward: SimDirection,
) -> SimJob {
    let mut j = job(
        &format!("dts{job_id}"),
        name,
        class,
        day,
        forward,
        reverse_job_id.is_some(),
    );
    j.family = Family::Maintained(MaintainedIds {
        job_id: job_id.into(),
        reverse_job_id: reverse_job_id.map(str::to_string),
    });
    j.region = Some(region.into());
    j
}

/// The hand-written maintained jobs: five in cn-hangzhou, two in cn-shanghai.
pub fn maintained_demo_jobs() -> Vec<SimJob> {
    let hz = MAINTAINED_REGION;
    let sh = MAINTAINED_SHANGHAI_REGION;
    let mut v = vec![
        mjob(
            MAINTAINED_ONE_WAY_JOB_ID,
            None,
            "shop-mysql-to-rds",
            "small",
            4,
            hz,
            dir(
                "Synchronizing",
                1,
                mep("ECS", "i-bp1shop0000001", "MySQL", "172.16.5.20", 3306, hz),
                mep("RDS", "rm-bp1shop000001", "MySQL", "", 3306, hz),
            ),
        ),
        mjob(
            MAINTAINED_TWO_WAY_JOB_ID,
            Some(MAINTAINED_TWO_WAY_REVERSE_JOB_ID),
            "ledger-mysql-bidir",
            "medium",
            6,
            hz,
            dir(
                "Synchronizing",
                0,
                mep("ECS", "i-bp1ledger00001", "MySQL", "172.16.6.31", 3306, hz),
                mep("OTHER", "", "MySQL", "47.96.33.10", 3306, hz),
            ),
        ),
        mjob(
            MAINTAINED_PUBLIC_SOURCE_JOB_ID,
            None,
            "crm-mysql-public-to-polardb",
            "small",
            8,
            hz,
            dir(
                "Synchronizing",
                3,
                mep("OTHER", "", "MySQL", "116.62.40.8", 3306, hz),
                mep("PolarDB", "pc-bp1crm0000001", "MySQL", "", 3306, hz),
            ),
        ),
        mjob(
            MAINTAINED_DRYRUN_FAILS_JOB_ID,
            None,
            "geo-pg-express-to-rds",
            "medium",
            10,
            hz,
            dir(
                "Synchronizing",
                2,
                mep(
                    "EXPRESS",
                    "vpc-bp1geo000001",
                    "PostgreSQL",
                    "10.40.2.15",
                    5432,
                    hz,
                ),
                mep("RDS", "pgm-bp1geo000001", "PostgreSQL", "", 5432, hz),
            ),
        ),
        mjob(
            MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID,
            None,
            "tickets-mysql-to-rds",
            "small",
            12,
            hz,
            dir(
                "Synchronizing",
                0,
                mep("ECS", "i-bp1tickets0001", "MySQL", "172.16.9.44", 3306, hz),
                mep("RDS", "rm-bp1tickets001", "MySQL", "", 3306, hz),
            ),
        ),
        mjob(
            MAINTAINED_SHANGHAI_ONE_WAY_JOB_ID,
            None,
            "fleet-mysql-to-rds-sh",
            "small",
            14,
            sh,
            dir(
                "Synchronizing",
                1,
                mep("ECS", "i-uf6fleet000001", "MySQL", "172.19.2.10", 3306, sh),
                mep("RDS", "rm-uf6fleet00001", "MySQL", "", 3306, sh),
            ),
        ),
        mjob(
            MAINTAINED_SHANGHAI_TWO_WAY_JOB_ID,
            Some(MAINTAINED_SHANGHAI_TWO_WAY_REVERSE_JOB_ID),
            "wallet-mysql-bidir-sh",
            "large",
            16,
            sh,
            dir(
                "Synchronizing",
                0,
                mep("OTHER", "", "MySQL", "139.196.8.77", 3306, sh),
                mep("ECS", "i-uf6wallet00001", "MySQL", "172.19.4.22", 3306, sh),
            ),
        ),
    ];
    v[1].lowercase_detail_status = true;
    v[2].lowercase_detail_status = true;
    v[3].dry_run_fails = true;
    v[4].fails_after_change = true;
    v
}

/// `n` generated maintained jobs in cn-hangzhou (MySQL, ECS or OTHER → RDS), of which
/// every `two_way_every`-th is two-way (`None`: one in five).
pub fn maintained_jobs(n: usize, two_way_every: Option<usize>) -> Vec<SimJob> {
    (0..n)
        .map(|i| {
            let two_way = match two_way_every {
                Some(k) => i % k.max(1) == 0,
                None => i % 5 == 0,
            };
            let src = if i % 2 == 0 {
                mep(
                    "ECS",
                    &format!("i-bp1mgen{i:07}"),
                    "MySQL",
                    &format!("172.16.{}.{}", (i / 250) % 250, 1 + i % 250),
                    3306,
                    MAINTAINED_REGION,
                )
            } else {
                mep(
                    "OTHER",
                    "",
                    "MySQL",
                    &format!("47.{}.{}.{}", 90 + i % 10, (i / 250) % 250, 1 + i % 250),
                    3306,
                    MAINTAINED_REGION,
                )
            };
            let dst = mep(
                "RDS",
                &format!("rm-bp1mgen{i:07}"),
                "MySQL",
                "",
                3306,
                MAINTAINED_REGION,
            );
            let reverse_id = format!("rg{i:013}");
            mjob(
                &format!("mg{i:013}"),
                two_way.then_some(reverse_id.as_str()),
                &format!("mysql-maintained-{i:05}"),
                ["micro", "small", "medium", "large"][i % 4],
                i as u32,
                MAINTAINED_REGION,
                dir("Synchronizing", (i % 7) as u64, src, dst),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_dts_plus_job_ids_and_every_id_is_distinct() {
        let jobs = maintained_demo_jobs()
            .into_iter()
            .chain(maintained_jobs(12, Some(3)))
            .chain(crate::sim::data::demo_jobs())
            .collect::<Vec<_>>();
        let mut seen = std::collections::HashSet::new();
        for j in &jobs {
            assert!(seen.insert(j.id.clone()), "{}", j.id);
            if let Some(m) = j.maintained() {
                assert_eq!(j.id, format!("dts{}", m.job_id));
                assert_eq!(m.reverse_job_id.is_some(), j.reverse.is_some());
                assert!(seen.insert(m.job_id.clone()), "{}", m.job_id);
                if let Some(r) = &m.reverse_job_id {
                    assert!(seen.insert(r.clone()), "{r}");
                }
            }
        }
        let demo = maintained_demo_jobs();
        for (id, job_id) in [
            (MAINTAINED_ONE_WAY_INSTANCE_ID, MAINTAINED_ONE_WAY_JOB_ID),
            (MAINTAINED_TWO_WAY_INSTANCE_ID, MAINTAINED_TWO_WAY_JOB_ID),
            (
                MAINTAINED_PUBLIC_SOURCE_INSTANCE_ID,
                MAINTAINED_PUBLIC_SOURCE_JOB_ID,
            ),
            (
                MAINTAINED_DRYRUN_FAILS_INSTANCE_ID,
                MAINTAINED_DRYRUN_FAILS_JOB_ID,
            ),
            (
                MAINTAINED_FAILS_AFTER_CHANGE_INSTANCE_ID,
                MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID,
            ),
            (
                MAINTAINED_SHANGHAI_ONE_WAY_INSTANCE_ID,
                MAINTAINED_SHANGHAI_ONE_WAY_JOB_ID,
            ),
            (
                MAINTAINED_SHANGHAI_TWO_WAY_INSTANCE_ID,
                MAINTAINED_SHANGHAI_TWO_WAY_JOB_ID,
            ),
        ] {
            assert_eq!(id, format!("dts{job_id}"));
            assert!(demo.iter().any(|j| j.id == id), "{id}");
        }
    }
}
