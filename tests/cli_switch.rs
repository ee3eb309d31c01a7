//! The real binary against the simulator over HTTP: listing, planning, switching.

mod common;
use common::*;
use dts_switch::sim::data::{FAILING_JOB_ID, ONE_WAY_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::sim::Faults;
use serde_json::json;

const FAST: &[&str] = &["--poll-interval", "50ms"];

#[test]
fn jobs_lists_every_page_and_merges_directions() {
    let sim = sim_with(75, Faults::default());
    let env = Env::new();
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let jobs = out.json();
    let jobs = jobs.as_array().unwrap();
    // 75 legacy jobs and the 5 maintained demo jobs of cn-hangzhou.
    assert_eq!(jobs.len(), 80, "every job of every page, each once");
    let mut pages = sim.requests_of(LIST);
    assert!(
        pages.len() >= 3,
        "75 jobs plus reverse entries take 3+ pages of 30"
    );
    // Pages after the first are read concurrently: each once, in any order.
    pages.sort_by_key(|r| r.params["PageNum"].parse::<u32>().unwrap());
    assert_eq!(pages[0].seq, 1, "the first page first, alone");
    for (i, r) in pages.iter().enumerate() {
        assert_eq!(r.params["PageNum"], (i + 1).to_string());
        assert_eq!(r.params["PageSize"], "30");
        assert_eq!(r.params["Version"], "2020-01-01");
    }
    let two = jobs
        .iter()
        .find(|j| j["SynchronizationJobId"] == TWO_WAY_JOB_ID)
        .unwrap();
    assert_eq!(two["Topology"], "two-way");
    assert_eq!(
        two["ReverseDirection"]["SynchronizationDirection"],
        "Reverse"
    );
    let one = jobs
        .iter()
        .find(|j| j["SynchronizationJobId"] == ONE_WAY_JOB_ID)
        .unwrap();
    assert_eq!(one["Topology"], "one-way");
    assert_eq!(one["SourceEndpoint"]["EngineName"], "PostgreSQL");
    assert!(sim.requests_of(SWITCH).is_empty());
}

#[test]
fn jobs_text_table_filter_and_detail() {
    let sim = sim();
    let env = Env::new();
    let out = env.run(&sim, &["jobs", "--filter", "redis"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("session-redis-active"));
    assert!(!out.stdout.contains("orders-mysql-dr"));
    assert!(
        out.stdout.contains("local simulator"),
        "banner names the target"
    );
    let out = env.run(&sim, &["jobs", "--job", TWO_WAY_JOB_ID]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Reverse:"), "{out:?}");
    assert!(out.stdout.contains("47.98.12.34:3306"), "{out:?}");
}

fn call_params(v: &serde_json::Value) -> Vec<(String, String)> {
    v["params"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn plan_one_way_has_one_call_with_exact_parameters() {
    let sim = sim();
    let env = Env::new();
    let out = env.run(
        &sim,
        &[
            "plan",
            "--job",
            ONE_WAY_JOB_ID,
            "--database",
            "source",
            "--instance-type",
            "Express",
            "--instance-id",
            "vpc-bp1new",
            "--ip",
            "10.20.1.99",
            "--port",
            "5433",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["topology"], "one-way");
    let calls = v["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        call_params(&calls[0]),
        p(&[
            ("RegionId", "cn-hangzhou"),
            ("SynchronizationJobId", ONE_WAY_JOB_ID),
            ("SynchronizationDirection", "Forward"),
            ("Endpoint.Type", "Source"),
            ("Endpoint.InstanceType", "Express"),
            ("Endpoint.InstanceId", "vpc-bp1new"),
            ("Endpoint.IP", "10.20.1.99"),
            ("Endpoint.Port", "5433"),
        ])
    );
    assert!(sim.requests_of(SWITCH).is_empty(), "plan sends no switch");
}

#[test]
fn plan_two_way_is_forward_then_reverse_opposite_side() {
    let sim = sim();
    let env = Env::new();
    let mut args = two_way_args("plan");
    args.extend(["--output".into(), "json".into()]);
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["topology"], "two-way");
    let calls = v["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (
            calls[0]["direction"].clone(),
            calls[0]["endpoint_type"].clone()
        ),
        (json!("Forward"), json!("Destination"))
    );
    assert_eq!(
        (
            calls[1]["direction"].clone(),
            calls[1]["endpoint_type"].clone()
        ),
        (json!("Reverse"), json!("Source"))
    );
    assert_eq!(
        call_params(&calls[1])[5],
        (
            "Endpoint.InstanceId".to_string(),
            "i-bp1newdest0001".to_string()
        )
    );
    // Text form shows every call and explains the order.
    let out = env.run(&sim, &strs(&two_way_args("plan")));
    assert!(out.stdout.contains("Call 2 of 2"), "{out:?}");
    assert!(out.stdout.contains("only after call 1"), "{out:?}");
    assert!(sim.requests_of(SWITCH).is_empty());
}

#[test]
fn switch_two_way_end_to_end_sends_exactly_two_calls_in_order() {
    let sim = sim();
    let env = Env::new();
    let mut args = two_way_args("switch");
    args.extend(["--yes", "--output", "json"].map(String::from));
    args.extend(FAST.iter().map(|s| s.to_string()));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["result"], "finished");
    let calls = v["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    for c in calls {
        assert_eq!(c["outcome"], "finished");
        assert_eq!(c["status"], "Finished");
        assert!(c["task_id"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(c["request_id"].as_str().is_some());
    }
    let sent = sim.requests_of(SWITCH);
    assert_eq!(sent.len(), 2, "exactly two switch requests");
    assert_eq!(sent[0].params["SynchronizationDirection"], "Forward");
    assert_eq!(sent[0].params["Endpoint.Type"], "Destination");
    assert_eq!(sent[1].params["SynchronizationDirection"], "Reverse");
    assert_eq!(sent[1].params["Endpoint.Type"], "Source");
    for s in &sent {
        assert_eq!(s.params["Endpoint.InstanceType"], "ECS");
        assert_eq!(s.params["Endpoint.InstanceId"], "i-bp1newdest0001");
        assert_eq!(s.params["Endpoint.Port"], "3307");
        assert_eq!(s.outcome, "executed");
        assert_eq!(s.method, "POST");
    }
    // The second was sent only after the first task was seen Finished.
    let all = sim.requests();
    let second = all.iter().position(|r| r.seq == sent[1].seq).unwrap();
    assert!(all[..second]
        .iter()
        .any(|r| r.action == "DescribeEndpointSwitchStatus"));
    // The listing now shows the new endpoint.
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    let job = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["SynchronizationJobId"] == TWO_WAY_JOB_ID)
        .cloned()
        .unwrap();
    assert_eq!(job["DestinationEndpoint"]["InstanceId"], "i-bp1newdest0001");
    assert_eq!(job["DestinationEndpoint"]["Port"], "3307");
    assert_eq!(
        job["ReverseDirection"]["SourceEndpoint"]["InstanceId"],
        "i-bp1newdest0001"
    );
}

#[test]
fn switch_text_output_shows_progress_and_next_step() {
    let sim = sim();
    let env = Env::new();
    let mut args = two_way_args("switch");
    args.push("--yes".into());
    args.extend(FAST.iter().map(|s| s.to_string()));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Call 1 of 2"), "preview first");
    assert!(
        out.stdout.contains("Switching") || out.stdout.contains("Initializing"),
        "{out:?}"
    );
    assert!(out.stdout.contains("FINISHED"));
    assert!(out.stdout.contains("Done:"));
}

#[test]
fn failed_task_exits_1_with_the_service_message() {
    let sim = sim();
    let env = Env::new();
    let mut args: Vec<String> = [
        "switch",
        "--job",
        FAILING_JOB_ID,
        "--database",
        "source",
        "--instance-type",
        "LocalInstance",
        "--ip",
        "39.100.7.99",
        "--port",
        "5432",
        "--yes",
        "--output",
        "json",
    ]
    .map(String::from)
    .to_vec();
    args.extend(FAST.iter().map(|s| s.to_string()));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 1, "{out:?}");
    let v = out.json();
    assert_eq!(v["calls"][0]["outcome"], "failed");
    assert!(
        v["calls"][0]["error"]
            .as_str()
            .unwrap()
            .contains("DTS-31009"),
        "{out:?}"
    );
    assert!(v["calls"][0]["error"]
        .as_str()
        .unwrap()
        .contains("39.100.7.99:5432"));
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
}

#[test]
fn two_way_first_call_fails_second_is_not_sent() {
    let sim = sim();
    let env = Env::new();
    let mut args: Vec<String> = [
        "switch",
        "--job",
        FAILING_JOB_ID,
        "--database",
        "destination",
        "--instance-type",
        "Express",
        "--instance-id",
        "vpc-bp1x",
        "--ip",
        "10.30.0.10",
        "--port",
        "5432",
        "--topology",
        "two-way",
        "--yes",
    ]
    .map(String::from)
    .to_vec();
    args.extend(FAST.iter().map(|s| s.to_string()));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        1,
        "the second call is never sent"
    );
    assert!(out.stdout.contains("NOT SENT"), "{out:?}");
    assert!(
        out.stdout.contains("--only-direction reverse"),
        "tells how to send it later: {out:?}"
    );
}

#[test]
fn no_wait_then_status_watch_follows_the_task() {
    let sim = sim();
    let env = Env::new();
    let out = env.run(
        &sim,
        &[
            "switch",
            "--job",
            ONE_WAY_JOB_ID,
            "--database",
            "destination",
            "--instance-type",
            "LocalInstance",
            "--ip",
            "8.136.20.12",
            "--port",
            "5432",
            "--yes",
            "--no-wait",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["calls"][0]["outcome"], "sent");
    let task = v["calls"][0]["task_id"].as_str().unwrap().to_string();
    let out = env.run(&sim, &["status", &task]);
    assert_eq!(out.code, 3, "not ended yet: {out:?}");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["pending"], true, "a task nobody followed yet");
    let out = env.run(
        &sim,
        &["status", &task, "--watch", "--poll-interval", "50ms"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Finished"), "{out:?}");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(
        h[0]["calls"][0]["outcome"], "finished",
        "status recorded the end: {h}"
    );
    assert_eq!(h[0]["pending"], false);
    let out = env.run(&sim, &["status", "999999"]);
    assert_eq!(out.code, 1, "unknown task: {out:?}");
    assert!(out.stdout.contains("InvalidParameter"), "{out:?}");
}

/// Answer shapes the docs leave uncertain: small pages that ignore PageSize, no
/// TotalRecordCount, bodies wrapped as {"<Action>Response": …}.
#[test]
fn uncertain_answer_shapes_are_handled() {
    use dts_switch::sim::{Quirks, SimConfig, Simulator};
    for quirks in [
        Quirks {
            page_size: Some(10),
            omit_total: true,
            wrap_response: false,
            ..Quirks::default()
        },
        Quirks {
            page_size: Some(7),
            omit_total: false,
            wrap_response: true,
            ..Quirks::default()
        },
        Quirks {
            page_size: None,
            omit_total: true,
            wrap_response: true,
            ..Quirks::default()
        },
    ] {
        let sim = Simulator::start_background(SimConfig {
            jobs: 45,
            step: std::time::Duration::from_millis(100),
            quirks: quirks.clone(),
            ..SimConfig::default()
        });
        let env = Env::new();
        let out = env.run(&sim, &["jobs", "--output", "json"]);
        assert_eq!(out.code, 0, "{quirks:?}: {out:?}");
        // 45 legacy jobs and the 5 maintained demo jobs of cn-hangzhou.
        assert_eq!(out.json().as_array().unwrap().len(), 50, "{quirks:?}");
        let mut args = two_way_args("switch");
        args.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
        let out = env.run(&sim, &strs(&args));
        assert_eq!(out.code, 0, "{quirks:?}: {out:?}");
        assert_eq!(sim.requests_of(SWITCH).len(), 2);
    }
}

/// Two-way shown only by DescribeDtsJobs (ReverseJob), not by Reverse entries in the
/// listing; and a service without DescribeDtsJobs, where the operator says two-way.
#[test]
fn two_way_detected_from_describe_dts_jobs_or_declared() {
    use dts_switch::sim::{Quirks, SimConfig, Simulator};
    let sim = Simulator::start_background(SimConfig {
        step: std::time::Duration::from_millis(100),
        quirks: Quirks {
            no_reverse_entries: true,
            ..Quirks::default()
        },
        ..SimConfig::default()
    });
    let env = Env::new();
    let jobs = env.run(&sim, &["jobs", "--output", "json"]).json();
    let two = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["SynchronizationJobId"] == TWO_WAY_JOB_ID)
        .unwrap()
        .clone();
    assert_eq!(two["Topology"], "two-way", "{two}");
    assert!(two.get("ReverseDirection").is_none());
    let dts = sim.requests_of("DescribeDtsJobs");
    assert_eq!(dts[0].params["JobType"], "SYNC");
    assert_eq!(dts[0].params["PageNumber"], "1");
    let mut args = two_way_args("plan");
    args.extend(["--output".into(), "json".into()]);
    assert_eq!(
        env.run(&sim, &strs(&args)).json()["calls"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let sim = Simulator::start_background(SimConfig {
        quirks: Quirks {
            no_reverse_entries: true,
            no_dts_jobs: true,
            ..Quirks::default()
        },
        ..SimConfig::default()
    });
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(
        out.code, 0,
        "DescribeDtsJobs failing does not fail the listing: {out:?}"
    );
    let two = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["SynchronizationJobId"] == TWO_WAY_JOB_ID)
        .unwrap()
        .clone();
    assert_eq!(
        two["Topology"], "unknown",
        "no Reverse entries and no DescribeDtsJobs: nothing shows the topology"
    );
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 2, "the operator must say: {out:?}");
    assert!(out.stderr.contains("--topology"), "{out:?}");
    args.extend(["--topology".into(), "two-way".into()]);
    let v = env.run(&sim, &strs(&args)).json();
    assert_eq!(v["calls"].as_array().unwrap().len(), 2);
    assert_eq!(v["topology_overridden"], true);
}
