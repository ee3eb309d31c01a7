//! `dts-switch find` end to end: the real binary against the simulator over loopback
//! HTTP. By IP and by instance id, both families, several regions (one of them failing),
//! the pairs a failover must change, and bad input refused before anything is sent.

mod common;
use common::*;
use dts_switch::sim::data::TWO_WAY_JOB_ID;
use dts_switch::sim::data_maintained::*;
use dts_switch::sim::{Quirks, SimConfig, Simulator};
use serde_json::Value;

fn fsim(cfg: SimConfig) -> Simulator {
    Simulator::start_background(cfg)
}

fn pairs(m: &Value) -> Vec<String> {
    m["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}/{}",
                c["direction"].as_str().unwrap(),
                c["side"].as_str().unwrap()
            )
        })
        .collect()
}

/// The regions each action was asked for, in order of first use.
fn regions_of(sim: &Simulator, action: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in sim.requests_of(action) {
        let region = r.params.get("RegionId").cloned().unwrap_or_default();
        if !v.contains(&region) {
            v.push(region);
        }
    }
    v.sort();
    v
}

#[test]
fn by_ip_a_legacy_two_way_job_needs_both_directions() {
    let sim = fsim(SimConfig::default());
    let env = Env::new();
    let out = env.run(&sim, &["find", "--ip", "47.98.12.34", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    // Both listings show the job: one match, not two.
    assert_eq!(v["count"], 1, "{out:?}");
    let m = &v["matches"][0];
    assert_eq!(m["job"], TWO_WAY_JOB_ID);
    assert_eq!(m["region"], "cn-hangzhou");
    assert_eq!(m["topology"], "two-way");
    assert_eq!(m["database"], "source");
    assert_eq!(pairs(m), ["Forward/source", "Reverse/destination"]);
    assert!(m["ids"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i == TWO_WAY_JOB_ID));
    assert_eq!(m["changes"][0]["matched_by"][0], "ip");
    assert_eq!(v["regions"][0]["complete"], true);
    // Both families' listings were read.
    assert!(!sim.requests_of(LIST).is_empty());
    assert!(!sim.requests_of("DescribeDtsJobs").is_empty());
    assert!(sim.executed_writes().is_empty());

    // The text: one line per match, an indented line with the pairs, a count line; 80
    // columns.
    let out = env.run(&sim, &["find", "--ip", "47.98.12.34", "--port", "3306"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(TWO_WAY_JOB_ID), "{out:?}");
    assert!(
        out.stdout.contains(
            "    change Forward/source + Reverse/destination · now Local 47.98.12.34:3306"
        ),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("1 job uses 47.98.12.34:3306 in 1 region"),
        "{out:?}"
    );
    for l in out.stdout.lines().skip(1) {
        assert!(l.chars().count() <= 80, "{l:?}");
    }
    // Another port: nothing uses it, and that is an answer (exit 0).
    let out = env.run(&sim, &["find", "--ip", "47.98.12.34", "--port", "3307"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("no job uses 47.98.12.34:3307 in cn-hangzhou"),
        "{out:?}"
    );
}

#[test]
fn by_instance_id_a_maintained_job_in_any_case() {
    // The legacy listing leaves the maintained jobs out: only DescribeDtsJobs shows them.
    let sim = fsim(SimConfig {
        quirks: Quirks {
            legacy_listing_hides_maintained: true,
            ..Quirks::default()
        },
        ..SimConfig::default()
    });
    let env = Env::new();
    let out = env.run(
        &sim,
        &[
            "find",
            "--instance-id",
            "I-BP1SHOP0000001",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["count"], 1, "{out:?}");
    let m = &v["matches"][0];
    assert_eq!(m["job"], MAINTAINED_ONE_WAY_INSTANCE_ID);
    assert_eq!(m["family"], "maintained");
    assert_eq!(m["topology"], "one-way");
    assert_eq!(m["database"], "source");
    assert_eq!(pairs(m), ["Forward/source"]);
    let ids: Vec<&str> = m["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [MAINTAINED_ONE_WAY_INSTANCE_ID, MAINTAINED_ONE_WAY_JOB_ID]
    );

    // The two-way maintained job by its public IP (its destination): Forward/destination,
    // then Reverse/source; every id of both directions.
    let out = env.run(&sim, &["find", "--ip", "47.96.33.10", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let m = &out.json()["matches"][0];
    assert_eq!(m["job"], MAINTAINED_TWO_WAY_INSTANCE_ID);
    assert_eq!(m["database"], "destination");
    assert_eq!(pairs(m), ["Forward/destination", "Reverse/source"]);
    assert_eq!(m["ids"].as_array().unwrap().len(), 3);
    assert!(m["ids"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i == MAINTAINED_TWO_WAY_REVERSE_JOB_ID));
}

#[test]
fn across_regions_a_shanghai_only_job_is_found_in_shanghai() {
    let sim = fsim(SimConfig::default());
    let env = Env::new();
    // In the default region only: not there.
    let out = env.run(&sim, &["find", "--instance-id", "i-uf6fleet000001"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("no job uses i-uf6fleet000001 in cn-hangzhou"),
        "{out:?}"
    );
    let out = env.run(
        &sim,
        &[
            "find",
            "--instance-id",
            "i-uf6fleet000001",
            "--regions",
            "cn-hangzhou,cn-shanghai",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["count"], 1, "{out:?}");
    assert_eq!(
        v["matches"][0]["job"],
        MAINTAINED_SHANGHAI_ONE_WAY_INSTANCE_ID
    );
    assert_eq!(v["matches"][0]["region"], MAINTAINED_SHANGHAI_REGION);
    let regions: Vec<&str> = v["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert_eq!(
        regions,
        ["cn-hangzhou", "cn-shanghai"],
        "in the order given"
    );
    // Each region was listed with its own RegionId, both families, at the one endpoint.
    for action in [LIST, "DescribeDtsJobs"] {
        assert_eq!(
            regions_of(&sim, action),
            ["cn-hangzhou", "cn-shanghai"],
            "{action}"
        );
    }
    // Text: the region column and the count line.
    let out = env.run(
        &sim,
        &[
            "find",
            "--ip",
            "172.19.4.22",
            "--regions",
            "cn-hangzhou,cn-shanghai",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("cn-shanghai  dtsu7i8o9p1a2s3d07"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("change Forward/destination + Reverse/source"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("1 job uses 172.19.4.22 in 1 region"),
        "{out:?}"
    );
    // Markdown: a table.
    let out = env.run(
        &sim,
        &[
            "find",
            "--ip",
            "172.19.4.22",
            "--regions",
            "cn-shanghai",
            "--output",
            "markdown",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("| Region | Job |"), "{out:?}");
    assert!(
        out.stdout
            .contains("| cn-shanghai | `dtsu7i8o9p1a2s3d07` `u7i8o9p1a2s3d07` `z1x2c3v4b5n6m07` |"),
        "{out:?}"
    );
}

#[test]
fn a_failing_region_is_reported_and_the_others_still_answer() {
    let sim = fsim(SimConfig {
        refused_regions: vec!["cn-beijing".into()],
        ..SimConfig::default()
    });
    let env = Env::new();
    let args = [
        "find",
        "--ip",
        "47.98.12.34",
        "--regions",
        "cn-beijing,cn-hangzhou",
    ];
    let out = env.run(&sim, &args);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(TWO_WAY_JOB_ID), "{out:?}");
    assert!(
        out.stdout
            .contains("1 job uses 47.98.12.34 in 1 region; 1 region not searched completely"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("error: cn-beijing: not searched:"),
        "{out:?}"
    );
    assert!(out.stdout.contains("Forbidden.RAM"), "{out:?}");

    let mut json_args = args.to_vec();
    json_args.extend(["--output", "json"]);
    let out = env.run(&sim, &json_args);
    assert_eq!(out.code, 1, "{out:?}");
    let v = out.json();
    assert_eq!(v["count"], 1);
    let bj = &v["regions"][0];
    assert_eq!(bj["region"], "cn-beijing");
    assert_eq!(bj["complete"], false);
    assert_eq!(bj["error"]["code"], "Forbidden.RAM");
    assert!(bj["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not authorized"));
    assert_eq!(v["regions"][1]["complete"], true);
    assert!(out.stderr.contains("cn-beijing"), "{out:?}");

    // Only the failing region: nothing found, and not "nothing uses it".
    let out = env.run(
        &sim,
        &["find", "--ip", "47.98.12.34", "--region", "cn-beijing"],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("no region could be searched for 47.98.12.34"),
        "{out:?}"
    );
}

#[test]
fn without_describe_dts_jobs_a_region_is_searched_only_in_part() {
    let sim = fsim(SimConfig {
        quirks: Quirks {
            forbid_dts_jobs: true,
            ..Quirks::default()
        },
        ..SimConfig::default()
    });
    let env = Env::new();
    let out = env.run(&sim, &["find", "--ip", "47.98.12.34"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains(TWO_WAY_JOB_ID), "{out:?}");
    assert!(
        out.stdout
            .contains("error: cn-hangzhou: searched in part (DescribeDtsJobs could not be read"),
        "{out:?}"
    );
    assert!(out.stdout.contains("dts:DescribeDtsJobs"), "{out:?}");
}

#[test]
fn bad_input_exits_2_naming_the_field_and_sends_nothing() {
    let sim = fsim(SimConfig::default());
    let env = Env::new();
    for (args, field, allowed) in [
        (vec!["find"], "--ip / --instance-id", "--ip ADDR"),
        (
            vec!["find", "--port", "3306"],
            "--ip / --instance-id",
            "--instance-id ID",
        ),
        (vec!["find", "--ip", "10.0.0.256"], "--ip", "IPv4 or IPv6"),
        (vec!["find", "--ip", "10.0.0.1:3306"], "--ip", "--port"),
        (
            vec!["find", "--ip", "10.0.0.1", "--port", "65536"],
            "--port",
            "1 to 65535",
        ),
        (
            vec!["find", "--instance-id", "i-a;b"],
            "--instance-id",
            "letters, digits",
        ),
        (
            vec![
                "find",
                "--ip",
                "10.0.0.1",
                "--regions",
                "cn-hangzhou,mars-north-1",
            ],
            "--regions",
            "cn-shanghai",
        ),
        (
            vec!["find", "--ip", "10.0.0.1", "--region", "cn-atlantis-1"],
            "--region",
            "cn-hangzhou",
        ),
        (
            vec!["find", "--ip", "10.0.0.1", "--regions", "cn-hangzhou,"],
            "--regions",
            "separated by commas",
        ),
        (
            vec![
                "find",
                "--ip",
                "10.0.0.1",
                "--regions",
                "cn-hangzhou",
                "--all-regions",
            ],
            "--all-regions",
            "",
        ),
    ] {
        let out = env.run(&sim, &args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains(field), "{args:?}: {out:?}");
        assert!(out.stderr.contains(allowed), "{args:?}: {out:?}");
    }
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
}

#[test]
fn generated_jobs_dealt_to_regions_are_listed_in_theirs_only() {
    // 12 demo jobs (every region) and 4 generated ones: 12 and 14 to cn-hangzhou, 13
    // and 15 to cn-shanghai. Generated job 13's source is 47.93.0.14.
    let sim = fsim(SimConfig {
        jobs: 16,
        maintained_jobs: false,
        generated_regions: vec!["cn-hangzhou".into(), "cn-shanghai".into()],
        ..SimConfig::default()
    });
    let env = Env::new();
    let out = env.run(
        &sim,
        &[
            "find",
            "--ip",
            "47.93.0.14",
            "--regions",
            "cn-hangzhou,cn-shanghai",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["count"], 1, "{out:?}");
    assert_eq!(v["matches"][0]["job"], "dtsgen000000000013");
    assert_eq!(v["matches"][0]["region"], "cn-shanghai");
    assert_eq!(v["regions"][0]["jobs"], 14);
    assert_eq!(v["regions"][1]["jobs"], 14);
}

#[test]
fn describe_dts_jobs_is_paced_in_each_region() {
    use dts_switch::api::listing::ListOptions;
    use dts_switch::api::{Client, ClientConfig, Credentials, RetryPolicy};
    use std::time::{Duration, Instant};
    // 300 legacy jobs and the 5 maintained ones of cn-hangzhou: 11 DescribeDtsJobs pages.
    let sim = fsim(SimConfig {
        jobs: 300,
        ..SimConfig::default()
    });
    let client = Client::new(ClientConfig {
        endpoint: sim.url().parse().unwrap(),
        region: "cn-hangzhou".into(),
        credentials: Credentials::new(
            dts_switch::sim::DEMO_ACCESS_KEY_ID,
            dts_switch::sim::DEMO_ACCESS_KEY_SECRET,
            None,
        )
        .into(),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(20),
        retry: RetryPolicy::default(),
    })
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rate = 25.0;
    let t = Instant::now();
    let listing = rt
        .block_on(dts_switch::domain::load_jobs_with(
            &client,
            &ListOptions {
                dts_jobs_per_second: Some(rate),
                ..ListOptions::default()
            },
            |_| {},
        ))
        .unwrap();
    let elapsed = t.elapsed();
    assert_eq!(listing.jobs.len(), 305);
    let pages = sim.requests_of("DescribeDtsJobs").len();
    assert!(pages >= 11, "{pages}");
    let least = Duration::from_secs_f64((pages - 1) as f64 / rate);
    assert!(
        elapsed >= least,
        "{pages} pages in {elapsed:?}, under {least:?}"
    );

    // The flag: a rate of 0 is refused before anything is sent.
    let sim = fsim(SimConfig::default());
    let out = Env::new().run(&sim, &["find", "--ip", "1.2.3.4", "--dts-jobs-rate", "0"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--dts-jobs-rate"), "{out:?}");
    assert!(sim.requests().is_empty());
}
