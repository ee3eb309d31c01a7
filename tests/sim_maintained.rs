//! The simulator's maintained (DtsJobId) family over real HTTP, with signed requests:
//! DescribeDtsJobs, DescribeDtsJobDetail, ModifyDtsJobEndpoint, the refusals between the
//! two families, faults, duplicate delivery and regions.

mod common;
use common::*;
use dts_switch::api::credentials::Credentials;
use dts_switch::api::sign;
use dts_switch::sim::data::TWO_WAY_JOB_ID;
use dts_switch::sim::data_maintained::*;
use dts_switch::sim::{
    Faults, Quirks, SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
};
use serde_json::Value;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const MODIFY: &str = "ModifyDtsJobEndpoint";
const DETAIL: &str = "DescribeDtsJobDetail";
const DTS_JOBS: &str = "DescribeDtsJobs";
const STATUS: &str = "DescribeSynchronizationJobStatus";
const STEP: Duration = Duration::from_millis(150);

fn start(faults: Faults) -> Simulator {
    Simulator::start_background(SimConfig {
        step: STEP,
        faults,
        ..SimConfig::default()
    })
}

/// An answer: the HTTP status and JSON body, or `None` when the connection closed
/// without one.
#[derive(Debug)]
struct Resp {
    status: Option<u16>,
    body: Value,
}

impl Resp {
    fn code(&self) -> &str {
        self.body
            .get("Code")
            .or_else(|| self.body.get("ErrCode"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The signed parameters of one request (RegionId cn-hangzhou unless given).
fn signed(action: &str, nonce: &str, params: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut business: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if !params.iter().any(|(k, _)| *k == "RegionId") {
        business.push(("RegionId".into(), "cn-hangzhou".into()));
    }
    sign::signed_request(
        &Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None),
        action,
        "2020-01-01",
        nonce,
        &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        business,
    )
}

/// POSTs already signed parameters (in the query, as the SDKs do) over HTTP/1.1.
fn send(sim: &Simulator, all: &[(String, String)]) -> Resp {
    let query = all
        .iter()
        .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut s = std::net::TcpStream::connect(sim.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /?{query} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        sim.addr
    )
    .unwrap();
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    let Some((head, body)) = raw.split_once("\r\n\r\n") else {
        return Resp {
            status: None,
            body: Value::Null,
        };
    };
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok());
    Resp {
        status,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

fn call(sim: &Simulator, action: &str, params: &[(&str, &str)]) -> Resp {
    send(
        sim,
        &signed(action, &uuid::Uuid::new_v4().to_string(), params),
    )
}

fn detail(sim: &Simulator, params: &[(&str, &str)]) -> Value {
    let r = call(sim, DETAIL, params);
    assert_eq!(r.status, Some(200), "{r:?}");
    assert_eq!(r.body["Success"], true, "{r:?}");
    r.body
}

/// A valid change of the one-way job's source to another ECS database.
fn new_source<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID),
        ("Endpoint", "src"),
        ("EndpointInstanceType", "ecs"),
        ("EndpointInstanceId", "i-bp1newsrc00001"),
        ("EndpointIp", "172.16.7.7"),
        ("EndpointPort", "3307"),
    ];
    v.extend_from_slice(extra);
    v
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(10), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn list_items(body: &Value) -> &Vec<Value> {
    body["DtsJobList"].as_array().unwrap()
}

fn ids_of(body: &Value) -> Vec<String> {
    list_items(body)
        .iter()
        .map(|j| j["DtsJobId"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn describe_dts_jobs_lists_maintained_and_legacy_jobs_and_filters() {
    let sim = start(Faults::default());
    let r = call(
        &sim,
        DTS_JOBS,
        &[
            ("JobType", "SYNC"),
            ("PageSize", "30"),
            ("Region", "cn-hangzhou"),
        ],
    );
    assert_eq!(r.status, Some(200));
    assert_eq!(r.body["Success"], true);
    assert_eq!(r.body["TotalRecordCount"], 17, "12 legacy, 5 maintained");
    let items = list_items(&r.body);
    let one = items
        .iter()
        .find(|j| j["DtsInstanceID"] == MAINTAINED_ONE_WAY_INSTANCE_ID)
        .unwrap();
    assert_eq!(one["DtsJobId"], MAINTAINED_ONE_WAY_JOB_ID);
    assert!(one["Checkpoint"].is_string(), "{one}");
    assert_eq!(one["Delay"], 1, "seconds: {one}");
    assert_eq!(one["Status"], "Synchronizing");
    assert_eq!(one["ErrorMessage"], "");
    assert_eq!(one["RetryState"]["Retrying"], false);
    assert!(one.get("ReverseJob").is_none());
    let src = &one["SourceEndpoint"];
    assert_eq!(src["InstanceType"], "ECS");
    assert_eq!(src["InstanceID"], "i-bp1shop0000001");
    assert_eq!(src["Ip"], "172.16.5.20");
    assert_eq!(src["Port"], "3306");
    assert_eq!(src["Region"], "cn-hangzhou");
    assert!(src.get("AliyunUid").is_none() && src.get("RoleName").is_none());
    let two = items
        .iter()
        .find(|j| j["DtsInstanceID"] == MAINTAINED_TWO_WAY_INSTANCE_ID)
        .unwrap();
    assert_eq!(two["DtsJobId"], MAINTAINED_TWO_WAY_JOB_ID);
    assert_eq!(
        two["ReverseJob"]["DtsJobId"],
        MAINTAINED_TWO_WAY_REVERSE_JOB_ID
    );
    assert_eq!(two["ReverseJob"]["DtsJobDirection"], "Reverse");
    assert_eq!(
        two["ReverseJob"]["SourceEndpoint"]["InstanceType"], "OTHER",
        "the reverse direction mirrors the forward one"
    );
    assert!(two["ReverseJob"].get("RetryState").is_none());
    let legacy = items
        .iter()
        .find(|j| j["DtsInstanceID"] == TWO_WAY_JOB_ID)
        .unwrap();
    assert_eq!(legacy["DtsJobId"], format!("{TWO_WAY_JOB_ID}j"));
    assert!(legacy.get("ReverseJob").is_some());

    // Filters: either direction's DtsJobId, instance ids, comma-separated.
    let r = call(
        &sim,
        DTS_JOBS,
        &[
            ("JobType", "SYNC"),
            ("DtsJobId", MAINTAINED_TWO_WAY_REVERSE_JOB_ID),
        ],
    );
    assert_eq!(ids_of(&r.body), [MAINTAINED_TWO_WAY_JOB_ID]);
    let both = format!("{MAINTAINED_ONE_WAY_INSTANCE_ID}, {MAINTAINED_DRYRUN_FAILS_INSTANCE_ID}");
    let r = call(
        &sim,
        DTS_JOBS,
        &[("JobType", "SYNC"), ("DtsInstanceId", both.as_str())],
    );
    assert_eq!(
        ids_of(&r.body),
        [MAINTAINED_ONE_WAY_JOB_ID, MAINTAINED_DRYRUN_FAILS_JOB_ID]
    );
    assert_eq!(r.body["TotalRecordCount"], 2);
    // Migration jobs (the default JobType): none.
    let r = call(&sim, DTS_JOBS, &[]);
    assert_eq!(r.body["TotalRecordCount"], 0);
}

#[test]
fn the_legacy_listing_shows_maintained_instances_unless_the_quirk_hides_them() {
    let sim = start(Faults::default());
    let r = call(&sim, LIST, &[("PageSize", "30")]);
    let entries = r.body["SynchronizationInstances"].as_array().unwrap();
    let two: Vec<&Value> = entries
        .iter()
        .filter(|e| e["SynchronizationJobId"] == MAINTAINED_TWO_WAY_INSTANCE_ID)
        .collect();
    assert_eq!(two.len(), 2, "Forward and Reverse entries");
    assert_eq!(two[0]["SourceEndpoint"]["IP"], "172.16.6.31");
    assert_eq!(two[0]["SourceEndpoint"]["InstanceId"], "i-bp1ledger00001");
    assert_eq!(r.body["TotalRecordCount"], 17);
    // Maintained jobs come after the 12 legacy ones.
    let order: Vec<&str> = entries
        .iter()
        .map(|e| e["SynchronizationJobId"].as_str().unwrap())
        .collect();
    let first_maintained = order
        .iter()
        .position(|id| *id == MAINTAINED_ONE_WAY_INSTANCE_ID)
        .unwrap();
    assert!(order[..first_maintained].contains(&TWO_WAY_JOB_ID));
    assert!(!order[first_maintained..].contains(&TWO_WAY_JOB_ID));
    // DescribeSynchronizationJobStatus answers for a maintained instance, legacy shapes.
    let r = call(
        &sim,
        STATUS,
        &[("SynchronizationJobId", MAINTAINED_ONE_WAY_INSTANCE_ID)],
    );
    assert_eq!(r.body["Success"], "true");
    assert_eq!(r.body["Status"], "synchronizing");
    assert_eq!(
        r.body["DestinationEndpoint"]["InstanceId"],
        "rm-bp1shop000001"
    );

    let sim = Simulator::start_background(SimConfig {
        quirks: Quirks {
            legacy_listing_hides_maintained: true,
            ..Quirks::default()
        },
        ..SimConfig::default()
    });
    let r = call(&sim, LIST, &[("PageSize", "30")]);
    assert_eq!(r.body["TotalRecordCount"], 12);
    let r = call(&sim, DTS_JOBS, &[("JobType", "SYNC"), ("PageSize", "30")]);
    assert_eq!(
        r.body["TotalRecordCount"], 17,
        "DescribeDtsJobs still lists them"
    );
}

#[test]
fn detail_by_instance_forward_and_reverse_ids_and_direction() {
    let sim = start(Faults::default());
    let d = detail(&sim, &[("DtsInstanceID", MAINTAINED_ONE_WAY_INSTANCE_ID)]);
    assert_eq!(d["HttpStatusCode"], 200);
    assert_eq!(d["DtsJobId"], MAINTAINED_ONE_WAY_JOB_ID);
    assert_eq!(d["DtsInstanceID"], MAINTAINED_ONE_WAY_INSTANCE_ID);
    assert_eq!(d["SynchronizationDirection"], "Forward");
    assert!(d.get("DtsJobDirection").is_none(), "one-way: {d}");
    assert_eq!(d["Status"], "Synchronizing");
    assert_eq!(d["Delay"], 1000, "milliseconds");
    assert!(d["Checkpoint"].is_u64(), "{d}");
    assert_eq!(d["RetryState"]["Retrying"], false);
    assert_eq!(d["DataSynchronizationStatus"]["Status"], "Catched");
    let src = &d["SourceEndpoint"];
    for field in [
        "AliyunUid",
        "CanModifyPassword",
        "DatabaseName",
        "EngineName",
        "InstanceID",
        "InstanceType",
        "Ip",
        "Port",
        "Region",
        "RoleName",
        "UserName",
    ] {
        assert!(src.get(field).is_some(), "{field}: {src}");
    }
    assert_eq!(src["Port"], "3306");
    assert_eq!(src["Region"], "cn-hangzhou");
    // The lowercase `DtsInstanceId` spelling too, and the forward DtsJobId.
    let d = detail(&sim, &[("DtsInstanceId", MAINTAINED_ONE_WAY_INSTANCE_ID)]);
    assert_eq!(d["DtsJobId"], MAINTAINED_ONE_WAY_JOB_ID);
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)]);
    assert_eq!(d["DtsInstanceID"], MAINTAINED_ONE_WAY_INSTANCE_ID);

    // Two-way: the forward id, the forward id + Reverse, the reverse id alone.
    let f = detail(&sim, &[("DtsJobId", MAINTAINED_TWO_WAY_JOB_ID)]);
    assert_eq!(f["SynchronizationDirection"], "Forward");
    assert_eq!(f["DtsJobDirection"], "Forward");
    assert_eq!(
        f["Status"], "synchronizing",
        "lowercase, as the doc spells it"
    );
    assert_eq!(f["SourceEndpoint"]["InstanceType"], "ECS");
    let r1 = detail(
        &sim,
        &[
            ("DtsJobId", MAINTAINED_TWO_WAY_JOB_ID),
            ("SynchronizationDirection", "Reverse"),
        ],
    );
    let r2 = detail(&sim, &[("DtsJobId", MAINTAINED_TWO_WAY_REVERSE_JOB_ID)]);
    let r3 = detail(
        &sim,
        &[
            ("DtsInstanceID", MAINTAINED_TWO_WAY_INSTANCE_ID),
            ("SynchronizationDirection", "Reverse"),
        ],
    );
    for r in [&r1, &r2, &r3] {
        assert_eq!(r["SynchronizationDirection"], "Reverse", "{r}");
        assert_eq!(r["DtsJobId"], MAINTAINED_TWO_WAY_REVERSE_JOB_ID);
        assert_eq!(r["DtsInstanceID"], MAINTAINED_TWO_WAY_INSTANCE_ID);
        assert_eq!(r["SourceEndpoint"]["InstanceType"], "OTHER");
        assert_eq!(r["DestinationEndpoint"]["InstanceType"], "ECS");
    }

    // Reverse on a one-way job; a legacy job; unknown ids; a job of another region.
    let r = call(
        &sim,
        DETAIL,
        &[
            ("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID),
            ("SynchronizationDirection", "Reverse"),
        ],
    );
    assert_eq!((r.status, r.code()), (Some(400), "InvalidParameter"));
    for params in [
        [("DtsInstanceID", TWO_WAY_JOB_ID)],
        [("DtsJobId", &*format!("{TWO_WAY_JOB_ID}j"))],
        [("DtsJobId", "nosuchjob000001")],
        [("DtsJobId", MAINTAINED_SHANGHAI_ONE_WAY_JOB_ID)],
    ] {
        let r = call(&sim, DETAIL, &params);
        assert_eq!(r.status, Some(200), "{params:?}: {r:?}");
        assert_eq!(r.body["Success"], false);
        assert_eq!(r.code(), "Forbidden.InstanceNotFound", "{params:?}");
    }
    let r = call(&sim, DETAIL, &[]);
    assert_eq!((r.status, r.code()), (Some(400), "MissingDtsJobId"));
}

#[test]
fn a_dry_run_checks_and_changes_nothing() {
    let sim = start(Faults::default());
    for dry in ["true", "True", "TRUE"] {
        let r = call(&sim, MODIFY, &new_source(&[("DryRun", dry)]));
        assert_eq!(r.status, Some(200), "{r:?}");
        assert_eq!(r.body["Success"], true);
        assert_eq!(r.body["HttpStatusCode"], "200", "a string in this op");
        assert!(r.body.get("TaskId").is_none());
    }
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)]);
    assert_eq!(d["SourceEndpoint"]["InstanceID"], "i-bp1shop0000001");
    assert_eq!(d["Status"], "Synchronizing");
    assert!(sim
        .requests_of(MODIFY)
        .iter()
        .all(|r| r.outcome == "dry-run"));
    assert!(sim.executed_writes().is_empty());

    // The job whose connectivity check fails: dry run or not, nothing changes.
    for dry in ["true", "false"] {
        let r = call(
            &sim,
            MODIFY,
            &[
                ("DtsInstanceId", MAINTAINED_DRYRUN_FAILS_INSTANCE_ID),
                ("Endpoint", "src"),
                ("EndpointInstanceType", "express"),
                ("EndpointIp", "10.40.9.9"),
                ("EndpointPort", "5432"),
                ("EndpointInstanceId", "vpc-bp1geo000001"),
                ("DryRun", dry),
            ],
        );
        assert_eq!(r.status, Some(200), "{r:?}");
        assert_eq!(r.body["Success"], false);
        assert_eq!(r.code(), "DTS.Msg.ConnectDBFailed");
        let msg = r.body["ErrMessage"].as_str().unwrap();
        assert!(
            msg.starts_with("Connect to the new database failed: 10.40.9.9:5432"),
            "{msg}"
        );
    }
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_DRYRUN_FAILS_JOB_ID)]);
    assert_eq!(d["SourceEndpoint"]["Ip"], "10.40.2.15");
    assert!(sim.executed_writes().is_empty());

    // The fault: every job's check fails.
    let sim = start(Faults {
        dry_run_fails: true,
        ..Faults::default()
    });
    let r = call(&sim, MODIFY, &new_source(&[("DryRun", "true")]));
    assert_eq!(r.code(), "DTS.Msg.ConnectDBFailed", "{r:?}");
    assert_eq!(
        sim.requests_of(MODIFY)[0].outcome,
        "rejected:DTS.Msg.ConnectDBFailed"
    );
}

#[test]
fn a_change_is_modifying_then_shows_the_new_endpoint_then_synchronizes() {
    let sim = start(Faults::default());
    let r = call(&sim, MODIFY, &new_source(&[("ModifyAccount", "false")]));
    assert_eq!(r.status, Some(200), "{r:?}");
    assert_eq!(r.body["Success"], true);
    assert_eq!(r.body["HttpStatusCode"], "200");
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)]);
    assert_eq!(d["Status"], "Modifying");
    assert_eq!(
        d["SourceEndpoint"]["InstanceID"], "i-bp1shop0000001",
        "the old endpoint while modifying"
    );
    let s = call(
        &sim,
        STATUS,
        &[("SynchronizationJobId", MAINTAINED_ONE_WAY_INSTANCE_ID)],
    );
    assert_eq!(s.body["Status"], "modifying");
    // A second change while Modifying is refused, in an HTTP 200 body.
    let again = call(&sim, MODIFY, &new_source(&[]));
    assert_eq!(again.status, Some(200));
    assert_eq!(again.body["Success"], false);
    assert_eq!(again.code(), "DTS.Msg.OperationDenied.JobStatusModifying");
    assert!(again.body["ErrMessage"]
        .as_str()
        .unwrap()
        .contains("Modifying"));

    wait_until("the change applies", || {
        detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)])["Status"] != "Modifying"
    });
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)]);
    let src = &d["SourceEndpoint"];
    assert_eq!(src["InstanceType"], "ECS");
    assert_eq!(src["InstanceID"], "i-bp1newsrc00001");
    assert_eq!(src["Ip"], "172.16.7.7");
    assert_eq!(src["Port"], "3307");
    assert_eq!(src["Region"], "cn-hangzhou");
    assert_eq!(
        d["DestinationEndpoint"]["InstanceID"], "rm-bp1shop000001",
        "the other side is unchanged"
    );
    let s = call(
        &sim,
        STATUS,
        &[("SynchronizationJobId", MAINTAINED_ONE_WAY_INSTANCE_ID)],
    );
    assert_eq!(s.body["SourceEndpoint"]["IP"], "172.16.7.7");
    assert_eq!(s.body["SourceEndpoint"]["InstanceId"], "i-bp1newsrc00001");
    assert_eq!(s.body["SourceEndpoint"]["Port"], "3307");
    let listed = call(&sim, LIST, &[("PageSize", "30")]);
    let entry = listed.body["SynchronizationInstances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["SynchronizationJobId"] == MAINTAINED_ONE_WAY_INSTANCE_ID)
        .unwrap()
        .clone();
    assert_eq!(entry["SourceEndpoint"]["IP"], "172.16.7.7");

    // It catches up: the delay falls, then it synchronizes.
    let mut delays = vec![];
    wait_until("it synchronizes with its usual delay", || {
        let d = detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)]);
        delays.push(d["Delay"].as_u64().unwrap());
        d["Status"] == "Synchronizing" && d["Delay"].as_u64().unwrap() <= 5000
    });
    assert!(delays.windows(2).all(|w| w[0] >= w[1]), "{delays:?}");
    assert!(delays[0] > 5000, "{delays:?}");

    let writes = sim.executed_writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].action, MODIFY);
    assert_eq!(
        sim.requests_of(MODIFY)[1].outcome,
        "rejected:DTS.Msg.OperationDenied.JobStatusModifying"
    );
}

#[test]
fn a_reverse_change_by_the_reverse_job_id_changes_only_that_direction() {
    let sim = start(Faults::default());
    let r = call(
        &sim,
        MODIFY,
        &[
            ("DtsJobId", MAINTAINED_TWO_WAY_REVERSE_JOB_ID),
            ("Endpoint", "SRC"),
            ("EndpointInstanceType", "OTHER"),
            ("EndpointIp", "47.96.33.99"),
            ("EndpointPort", "3306"),
        ],
    );
    assert_eq!(r.body["Success"], true, "{r:?}");
    wait_until("the change applies", || {
        detail(&sim, &[("DtsJobId", MAINTAINED_TWO_WAY_REVERSE_JOB_ID)])["SourceEndpoint"]["Ip"]
            == "47.96.33.99"
    });
    let rev = detail(&sim, &[("DtsJobId", MAINTAINED_TWO_WAY_REVERSE_JOB_ID)]);
    assert_eq!(rev["SourceEndpoint"]["InstanceType"], "OTHER");
    let fwd = detail(&sim, &[("DtsJobId", MAINTAINED_TWO_WAY_JOB_ID)]);
    assert_eq!(fwd["DestinationEndpoint"]["Ip"], "47.96.33.10", "{fwd}");
    assert_eq!(fwd["Status"], "synchronizing");
}

#[test]
fn the_families_refuse_each_others_changes_with_403() {
    let sim = start(Faults::default());
    for id in [
        ("DtsInstanceId", TWO_WAY_JOB_ID.to_string()),
        ("DtsJobId", format!("{TWO_WAY_JOB_ID}j")),
        ("DtsJobId", format!("{TWO_WAY_JOB_ID}r")),
    ] {
        let r = call(
            &sim,
            MODIFY,
            &[
                (id.0, id.1.as_str()),
                ("Endpoint", "dest"),
                ("EndpointInstanceType", "ecs"),
                ("EndpointInstanceId", "i-bp1x"),
                ("EndpointPort", "3306"),
            ],
        );
        assert_eq!(r.status, Some(403), "{id:?}: {r:?}");
        assert_eq!(r.body["Code"], "OperationDenied.JobVersionNotSupported");
        assert_eq!(
            r.body["Message"],
            "The job version does not support this operation. Use SwitchSynchronizationEndpoint."
        );
    }
    let r = call(
        &sim,
        MODIFY,
        &[
            ("DtsJobId", "nosuchjob000001"),
            ("Endpoint", "dest"),
            ("EndpointInstanceType", "rds"),
            ("EndpointInstanceId", "rm-x"),
        ],
    );
    assert_eq!(r.code(), "Forbidden.InstanceNotFound", "{r:?}");

    let r = call(
        &sim,
        SWITCH,
        &[
            ("SynchronizationJobId", MAINTAINED_ONE_WAY_INSTANCE_ID),
            ("Endpoint.Type", "Source"),
            ("Endpoint.InstanceType", "ECS"),
            ("Endpoint.InstanceId", "i-bp1newsrc00001"),
            ("Endpoint.Port", "3306"),
        ],
    );
    assert_eq!(r.status, Some(403), "{r:?}");
    assert_eq!(r.body["Code"], "OperationDenied.JobVersionNotSupported");
    assert!(r.body["Message"]
        .as_str()
        .unwrap()
        .ends_with("Use ModifyDtsJobEndpoint."));
    assert!(sim.executed_writes().is_empty());
}

#[test]
fn invalid_changes_are_refused_in_both_shapes() {
    let sim = start(Faults::default());
    let base = |extra: &[(&'static str, &'static str)], drop: &str| {
        let mut v: Vec<(&str, &str)> = new_source(&[("DryRun", "true")])
            .into_iter()
            .filter(|(k, _)| *k != drop)
            .collect();
        for (k, val) in extra {
            v.retain(|(n, _)| n != k);
            v.push((k, val));
        }
        v
    };
    // HTTP 400 gateway shape.
    for (params, code) in [
        (base(&[], "Endpoint"), "MissingEndpoint"),
        (
            base(&[], "EndpointInstanceType"),
            "MissingEndpointInstanceType",
        ),
        (base(&[], "DtsJobId"), "MissingDtsJobId"),
        (
            base(&[("EndpointInstanceType", "LocalInstance")], ""),
            "InvalidParameter",
        ),
        (base(&[("EndpointPort", "70000")], ""), "InvalidParameter"),
        (base(&[("EndpointIp", "not-an-ip")], ""), "InvalidParameter"),
        (base(&[("DryRun", "yes")], ""), "InvalidParameter"),
        (base(&[("ModifyAccount", "1")], ""), "InvalidParameter"),
        (base(&[("AliyunUid", "1234567890")], ""), "InvalidParameter"),
        (
            base(&[("SynchronizationDirection", "Sideways")], ""),
            "InvalidParameter",
        ),
        (
            base(&[("SynchronizationDirection", "Reverse")], ""),
            "InvalidParameter",
        ),
    ] {
        let r = call(&sim, MODIFY, &params);
        assert_eq!((r.status, r.code()), (Some(400), code), "{params:?}: {r:?}");
    }
    // HTTP 200 Success:false DTS.Msg.InvalidEndpoint.
    for params in [
        base(&[("Endpoint", "dst")], ""),
        base(&[], "EndpointInstanceId"),
        base(&[], "EndpointPort"),
        base(&[("EndpointInstanceType", "other")], "EndpointIp"),
        base(&[("EndpointInstanceType", "rds")], "EndpointInstanceId"),
        base(&[("ModifyAccount", "true"), ("Username", "dts")], ""),
    ] {
        let r = call(&sim, MODIFY, &params);
        assert_eq!(r.status, Some(200), "{params:?}: {r:?}");
        assert_eq!(r.body["Success"], false);
        assert_eq!(r.code(), "DTS.Msg.InvalidEndpoint", "{params:?}");
    }
    // Case-insensitive values, cross-account and account change: accepted.
    let r = call(
        &sim,
        MODIFY,
        &base(
            &[
                ("Endpoint", "SRC"),
                ("EndpointInstanceType", "ECS"),
                ("ModifyAccount", "True"),
                ("Username", "dts2"),
                ("Password", "secret"),
                ("AliyunUid", "1234567890"),
                ("RoleName", "ram-for-dts"),
                ("SynchronizationDirection", "forward"),
            ],
            "",
        ),
    );
    assert_eq!(r.body["Success"], true, "{r:?}");
    assert!(sim.executed_writes().is_empty());
}

#[test]
fn the_job_that_fails_after_a_change_stays_failed_and_retrying() {
    let sim = start(Faults::default());
    let r = call(
        &sim,
        MODIFY,
        &[
            ("DtsJobId", MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID),
            ("Endpoint", "src"),
            ("EndpointInstanceType", "ecs"),
            ("EndpointInstanceId", "i-bp1tickets0002"),
            ("EndpointIp", "172.16.9.45"),
            ("EndpointPort", "3306"),
        ],
    );
    assert_eq!(r.body["Success"], true, "{r:?}");
    wait_until("the change applies", || {
        detail(&sim, &[("DtsJobId", MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID)])["Status"] == "Failed"
    });
    std::thread::sleep(STEP * 3);
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID)]);
    assert_eq!(d["Status"], "Failed", "it stays Failed");
    assert!(d["ErrorMessage"]
        .as_str()
        .unwrap()
        .starts_with("DTS-070211: Connect Source DB failed"));
    let rs = &d["RetryState"];
    assert_eq!(rs["Retrying"], true);
    assert_eq!(rs["RetryTarget"], "srcDB");
    assert!(rs["RetryCount"].as_u64().unwrap() >= 2, "{rs}");
    assert!(rs["ErrMessage"]
        .as_str()
        .unwrap()
        .contains("Connect Source DB"));
    assert_eq!(d["SourceEndpoint"]["InstanceID"], "i-bp1tickets0002");
    let listed = call(
        &sim,
        DTS_JOBS,
        &[
            ("JobType", "SYNC"),
            ("DtsJobId", MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID),
        ],
    );
    let item = &list_items(&listed.body)[0];
    assert_eq!(item["Status"], "Failed");
    assert_eq!(item["RetryState"]["Retrying"], true);

    // The fault makes every changed job stay Failed.
    let sim = start(Faults {
        fail_after_switch: true,
        ..Faults::default()
    });
    assert_eq!(call(&sim, MODIFY, &new_source(&[])).body["Success"], true);
    wait_until("the change applies", || {
        detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)])["Status"] == "Failed"
    });
}

#[test]
fn stuck_after_modify_stays_modifying() {
    let sim = start(Faults {
        stuck_after_modify: true,
        ..Faults::default()
    });
    assert_eq!(call(&sim, MODIFY, &new_source(&[])).body["Success"], true);
    std::thread::sleep(STEP * 4);
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)]);
    assert_eq!(d["Status"], "Modifying");
    assert_eq!(d["SourceEndpoint"]["InstanceID"], "i-bp1shop0000001");
    let r = call(&sim, MODIFY, &new_source(&[]));
    assert_eq!(r.code(), "DTS.Msg.OperationDenied.JobStatusModifying");
}

#[test]
fn a_dropped_answer_was_executed_once() {
    let sim = start(Faults {
        drop_modify_answer: true,
        ..Faults::default()
    });
    let r = call(&sim, MODIFY, &new_source(&[]));
    assert_eq!(r.status, None, "no answer: {r:?}");
    let reqs = sim.requests_of(MODIFY);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].outcome, "dropped");
    assert_eq!(sim.executed_writes().len(), 1);
    let d = detail(&sim, &[("DtsJobId", MAINTAINED_ONE_WAY_JOB_ID)]);
    assert_eq!(d["Status"], "Modifying", "it was executed");
    // A dry run is answered (nothing was executed).
    let r = call(
        &sim,
        MODIFY,
        &[
            ("DtsJobId", MAINTAINED_TWO_WAY_JOB_ID),
            ("Endpoint", "dest"),
            ("EndpointInstanceType", "other"),
            ("EndpointIp", "47.96.33.11"),
            ("EndpointPort", "3306"),
            ("DryRun", "true"),
        ],
    );
    assert_eq!(r.body["Success"], true, "{r:?}");
    assert_eq!(sim.executed_writes().len(), 1);
}

#[test]
fn a_duplicate_delivery_is_refused_by_its_nonce_and_not_executed_twice() {
    let sim = start(Faults::default());
    let once = signed(MODIFY, "nonce-modify-1", &new_source(&[]));
    let first = send(&sim, &once);
    assert_eq!(first.body["Success"], true, "{first:?}");
    let second = send(&sim, &once);
    assert_eq!(
        (second.status, second.code()),
        (Some(400), "SignatureNonceUsed")
    );
    let reqs = sim.requests_of(MODIFY);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].outcome, "rejected:SignatureNonceUsed");
    assert_eq!(sim.executed_writes().len(), 1);
}

#[test]
fn regions_show_their_own_maintained_jobs_and_every_legacy_one() {
    let sim = start(Faults::default());
    let sh = ("RegionId", "cn-shanghai");
    let r = call(&sim, LIST, &[("PageSize", "30"), sh]);
    assert_eq!(r.body["TotalRecordCount"], 14, "12 legacy, 2 maintained");
    let ids: Vec<&str> = r.body["SynchronizationInstances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["SynchronizationJobId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&MAINTAINED_SHANGHAI_TWO_WAY_INSTANCE_ID));
    assert!(!ids.contains(&MAINTAINED_ONE_WAY_INSTANCE_ID));
    // DescribeDtsJobs takes `Region` (RegionId deprecated, still honoured).
    let r = call(
        &sim,
        DTS_JOBS,
        &[
            ("JobType", "SYNC"),
            ("PageSize", "30"),
            ("Region", "cn-shanghai"),
        ],
    );
    assert_eq!(r.body["TotalRecordCount"], 14);
    let two = list_items(&r.body)
        .iter()
        .find(|j| j["DtsJobId"] == MAINTAINED_SHANGHAI_TWO_WAY_JOB_ID)
        .unwrap()
        .clone();
    assert_eq!(
        two["ReverseJob"]["DtsJobId"],
        MAINTAINED_SHANGHAI_TWO_WAY_REVERSE_JOB_ID
    );
    assert_eq!(two["SourceEndpoint"]["Region"], "cn-shanghai");
    let r = call(
        &sim,
        DTS_JOBS,
        &[("JobType", "SYNC"), ("PageSize", "30"), sh],
    );
    assert_eq!(r.body["TotalRecordCount"], 14);
    let r = call(
        &sim,
        DTS_JOBS,
        &[
            ("JobType", "SYNC"),
            ("PageSize", "30"),
            ("RegionId", "cn-beijing"),
        ],
    );
    assert_eq!(r.body["TotalRecordCount"], 12, "legacy jobs only");

    let d = detail(
        &sim,
        &[("DtsJobId", MAINTAINED_SHANGHAI_TWO_WAY_REVERSE_JOB_ID), sh],
    );
    assert_eq!(d["SynchronizationDirection"], "Reverse");
    assert_eq!(d["DestinationEndpoint"]["Region"], "cn-shanghai");
    // Not from another region: reads and changes alike.
    let r = call(
        &sim,
        STATUS,
        &[(
            "SynchronizationJobId",
            MAINTAINED_SHANGHAI_ONE_WAY_INSTANCE_ID,
        )],
    );
    assert_eq!(r.code(), "Forbidden.InstanceNotFound");
    let change = |region: &'static str| {
        call(
            &sim,
            MODIFY,
            &[
                ("DtsJobId", MAINTAINED_SHANGHAI_ONE_WAY_JOB_ID),
                ("Endpoint", "src"),
                ("EndpointInstanceType", "ecs"),
                ("EndpointInstanceId", "i-uf6fleet000002"),
                ("EndpointPort", "3306"),
                ("DryRun", "true"),
                ("RegionId", region),
            ],
        )
    };
    assert_eq!(change("cn-hangzhou").code(), "Forbidden.InstanceNotFound");
    assert_eq!(change("cn-shanghai").body["Success"], true);
}

#[test]
fn generated_maintained_jobs_follow_the_demo_ones() {
    let sim = Simulator::start_background(SimConfig {
        jobs: 3,
        generated_maintained_jobs: 10,
        two_way_every: Some(2),
        ..SimConfig::default()
    });
    let r = call(&sim, DTS_JOBS, &[("JobType", "SYNC"), ("PageSize", "30")]);
    assert_eq!(r.body["TotalRecordCount"], 3 + 5 + 10);
    let generated: Vec<&Value> = list_items(&r.body)
        .iter()
        .filter(|j| {
            j["DtsJobName"]
                .as_str()
                .unwrap()
                .starts_with("mysql-maintained-")
        })
        .collect();
    assert_eq!(generated.len(), 10);
    assert_eq!(
        generated
            .iter()
            .filter(|j| j.get("ReverseJob").is_some())
            .count(),
        5,
        "every second one two-way"
    );
    for j in &generated {
        assert_eq!(
            j["DtsInstanceID"].as_str().unwrap(),
            format!("dts{}", j["DtsJobId"].as_str().unwrap())
        );
    }

    let sim = Simulator::start_background(SimConfig {
        maintained_jobs: false,
        ..SimConfig::default()
    });
    let r = call(&sim, LIST, &[("PageSize", "30")]);
    assert_eq!(r.body["TotalRecordCount"], 12, "legacy demo jobs only");
}

#[test]
fn simulate_takes_maintained_jobs_and_the_new_faults() {
    use std::io::{BufRead, BufReader};
    let env = Env::new();
    let mut child = env
        .command()
        .args([
            "simulate",
            "--jobs",
            "2",
            "--maintained-jobs",
            "4",
            "--dry-run-fails",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_string();
    let out = Out::from(
        env.command_at(&url)
            .args(["jobs", "--output", "json"])
            .output()
            .unwrap(),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.json().as_array().unwrap().len(),
        2 + 5 + 4,
        "2 legacy, 5 maintained demo jobs of cn-hangzhou, 4 generated"
    );
}
