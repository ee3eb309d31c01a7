//! Bad input (exit 2, nothing sent), credentials, and the simulator's fault modes.

mod common;
use common::*;
use dts_switch::sim::data::{ONE_WAY_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::sim::{Faults, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::time::Duration;

fn switch_args(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["switch", "--yes", "--poll-interval", "50ms"]
        .map(String::from)
        .to_vec();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// `switch --yes` of the demo one-way job's source to a new ECS instance, plus `extra`.
fn one_way_ecs_switch(extra: &[&str]) -> Vec<String> {
    let mut v = switch_args(&[
        "--job",
        ONE_WAY_JOB_ID,
        "--database",
        "source",
        "--instance-type",
        "ECS",
        "--instance-id",
        "i-1",
        "--port",
        "5432",
    ]);
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

#[test]
fn each_kind_of_bad_input_exits_2_and_sends_no_switch() {
    let sim = sim();
    let env = Env::new();
    let j2 = TWO_WAY_JOB_ID;
    let j1 = ONE_WAY_JOB_ID;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "LocalInstance",
                "--ip",
                "1.2.3.4",
                "--port",
                "0",
            ],
            "--port",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "LocalInstance",
                "--ip",
                "1.2.3.4",
                "--port",
                "abc",
            ],
            "1 to 65535",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "LocalInstance",
                "--ip",
                "1.2.3.4",
            ],
            "--port",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "LocalInstance",
                "--ip",
                "1.2.3.400",
                "--port",
                "1",
            ],
            "--ip",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "LocalInstance",
                "--port",
                "3306",
            ],
            "--ip",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--port",
                "3306",
            ],
            "--instance-id",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "vpc-1",
                "--port",
                "3306",
            ],
            "i-",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--ip",
                "1.2.3.4",
                "--port",
                "3306",
            ],
            "not used with instance type ECS",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "Express",
                "--instance-id",
                "vpc-1",
                "--port",
                "3306",
            ],
            "--ip",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "Express",
                "--instance-id",
                "i-1",
                "--ip",
                "1.2.3.4",
                "--port",
                "3306",
            ],
            "vpc-",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--owner-id",
                "123",
            ],
            "--role",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--role",
                "r",
            ],
            "--owner-id",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "Oracle",
                "--port",
                "3306",
            ],
            "LocalInstance (other), ECS, Express",
        ),
        (
            // A maintained-only type, with the legacy API named.
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "RDS",
                "--instance-id",
                "rm-bp1x",
                "--api",
                "legacy",
            ],
            "takes only LocalInstance, ECS and Express",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "primary",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
            ],
            "source, destination",
        ),
        (
            vec![
                "--job",
                "dtsnosuchjob00000",
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
            ],
            "no such synchronization job",
        ),
        (
            vec![
                "--job",
                "dtsa1b2c3d4e5f6g0",
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
            ],
            "did you mean dtsa1b2c3d4e5f6g01",
        ),
        (
            vec![
                "--job",
                j1,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--only-direction",
                "reverse",
            ],
            "one-way",
        ),
        (
            vec![
                "--job",
                j2,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--only-direction",
                "sideways",
            ],
            "forward, reverse",
        ),
        (
            vec![
                "--job",
                j2,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--topology",
                "ring",
            ],
            "one-way, two-way",
        ),
        (
            vec![
                "--job",
                j2,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--region",
                "Hangzhou",
            ],
            "--region",
        ),
        (
            vec![
                "--job",
                j2,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--endpoint",
                "dts.example",
            ],
            "--endpoint",
        ),
        (
            vec![
                "--job",
                j2,
                "--database",
                "source",
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1",
                "--port",
                "3306",
                "--porr",
                "1",
            ],
            "--porr",
        ),
    ];
    for (args, needle) in cases {
        let out = env.run(&sim, &strs(&switch_args(&args)));
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(
            out.stderr.contains(needle),
            "{args:?}: stderr should mention {needle:?}: {out:?}"
        );
    }
    assert!(
        sim.requests_of(SWITCH).is_empty(),
        "no switch request for bad input"
    );
}

#[test]
fn switch_without_a_terminal_needs_yes() {
    let sim = sim();
    let env = Env::new();
    let out = env.run(&sim, &strs(&two_way_args("switch")));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert!(sim.requests().is_empty(), "nothing at all was sent");
}

#[test]
fn wrong_secret_is_bad_credentials_exit_2() {
    let sim = sim();
    let env = Env::new();
    let mut c = env.command();
    c.env("DTS_SWITCH_ENDPOINT", sim.url())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
        .args(strs(&two_way_args("switch")))
        .arg("--yes");
    let out = Out::from(c.output().unwrap());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("SignatureDoesNotMatch"), "{out:?}");
    assert!(out.stderr.contains("RequestId"), "{out:?}");
    assert!(out.stderr.contains("next step"), "{out:?}");
    assert!(!out.all().contains("not-the-secret"));
    assert!(sim.requests_of(SWITCH).is_empty());
}

#[test]
fn no_credentials_lists_what_was_tried() {
    let env = Env::new();
    let out = Out::from(
        env.command()
            .args(["jobs", "--endpoint", "http://127.0.0.1:9"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{out:?}"
    );
    assert!(out.stderr.contains(".aliyun/config.json"), "{out:?}");
}

#[test]
fn credentials_and_region_from_aliyun_profile() {
    let sim = sim();
    let env = Env::new();
    let cfg = format!(
        r#"{{"current":"ops","profiles":[
          {{"name":"ops","mode":"AK","access_key_id":"{DEMO_ACCESS_KEY_ID}","access_key_secret":"{DEMO_ACCESS_KEY_SECRET}","region_id":"cn-shanghai"}},
          {{"name":"bad","mode":"AK","access_key_id":"{DEMO_ACCESS_KEY_ID}","access_key_secret":"wrong","region_id":"cn-beijing"}}]}}"#
    );
    let path = env.home().join(".aliyun/config.json");
    write_file(&path, &cfg);
    let run = |args: &[&str]| {
        Out::from(
            env.command()
                .env("DTS_SWITCH_ENDPOINT", sim.url())
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let out = run(&["jobs"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("region cn-shanghai"), "{out:?}");
    assert!(
        out.stderr.contains("readable by others"),
        "0644 file warns: {out:?}"
    );
    let out = run(&["jobs", "--profile", "bad"]);
    assert_eq!(out.code, 2, "--profile wins: {out:?}");
    let out = run(&["jobs", "--profile", "nope"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("ops, bad"), "{out:?}");
    let reqs = sim.requests_of(LIST);
    assert_eq!(reqs[0].params["RegionId"], "cn-shanghai");
}

#[test]
fn throttled_reads_are_retried() {
    let sim = sim_with(
        12,
        Faults {
            throttle: 2,
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    // The 12 legacy demo jobs and the 5 maintained ones of cn-hangzhou.
    assert_eq!(out.json().as_array().unwrap().len(), 17);
    let reqs = sim.requests_of(LIST);
    // Page 1 twice throttled, then read; page 2 (empty) shows the end.
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[0].outcome, "rejected:Throttling.User");
    assert_eq!(reqs[1].outcome, "rejected:Throttling.User");
    assert_eq!(reqs[2].outcome, "executed");
    assert_eq!(reqs[2].params["PageNum"], "1");
    assert_ne!(
        reqs[0].params["SignatureNonce"], reqs[1].params["SignatureNonce"],
        "fresh nonce per attempt"
    );
}

#[test]
fn server_errors_and_malformed_answers_on_reads_are_retried() {
    let sim = sim_with(
        12,
        Faults {
            server_errors: 1,
            malformed: 1,
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let outcomes: Vec<String> = sim
        .requests_of(LIST)
        .into_iter()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            "rejected:ServiceUnavailable",
            "malformed",
            "executed",
            "executed"
        ],
        "page 1 retried twice, then page 2 (empty: the end)"
    );
}

#[test]
fn persistent_throttling_gives_a_named_error() {
    let sim = sim_with(
        12,
        Faults {
            throttle: 100,
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &["jobs"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("Throttling.User"), "{out:?}");
    assert!(out.stderr.contains("next step"), "{out:?}");
    assert!(sim.requests_of(LIST).len() <= 5, "bounded retries");
}

#[test]
fn dropped_switch_answer_is_unknown_exit_3_and_never_resent() {
    let sim = sim_with(
        12,
        Faults {
            drop_switch_answer: true,
            ..Faults::default()
        },
    );
    let env = Env::new();
    let mut args = two_way_args("switch");
    args.push("--yes".into());
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 3, "{out:?}");
    let sent = sim.requests_of(SWITCH);
    assert_eq!(sent.len(), 1, "exactly one switch request: {sent:?}");
    assert_eq!(sent[0].outcome, "dropped");
    assert!(out.stdout.contains("OUTCOME UNKNOWN"), "{out:?}");
    assert!(out.stdout.contains("Forward"), "names the direction");
    assert!(
        out.stdout
            .contains(&format!("dts-switch jobs --job {TWO_WAY_JOB_ID}")),
        "says what to check: {out:?}"
    );
    assert!(
        out.stdout.contains("NOT SENT"),
        "second call held back: {out:?}"
    );
}

#[test]
fn server_error_on_switch_is_unknown_and_not_retried() {
    let sim = sim_with(
        12,
        Faults {
            server_errors: 1,
            only_action: Some(SWITCH.into()),
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &strs(&one_way_ecs_switch(&[])));
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
    assert!(out.stdout.contains("ServiceUnavailable"), "{out:?}");
}

#[test]
fn throttled_switch_is_retried_because_it_was_not_executed() {
    let sim = sim_with(
        12,
        Faults {
            throttle: 1,
            only_action: Some(SWITCH.into()),
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &strs(&one_way_ecs_switch(&[])));
    assert_eq!(out.code, 0, "{out:?}");
    let sent = sim.requests_of(SWITCH);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].outcome, "rejected:Throttling.User");
    assert_eq!(sent[1].outcome, "executed");
}

#[test]
fn slow_switch_answer_beyond_timeout_is_unknown_and_sent_once() {
    let sim = sim_with(
        12,
        Faults {
            delay: Duration::from_secs(3),
            only_action: Some(SWITCH.into()),
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &strs(&one_way_ecs_switch(&["--timeout", "1s"])));
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("timed out"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
}

#[test]
fn malformed_switch_answer_is_unknown() {
    let sim = sim_with(
        12,
        Faults {
            malformed: 1,
            only_action: Some(SWITCH.into()),
            ..Faults::default()
        },
    );
    let env = Env::new();
    let out = env.run(&sim, &strs(&one_way_ecs_switch(&[])));
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
}

#[test]
fn connection_refused_is_named_with_a_next_step() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let env = Env::new();
    let out = Out::from(
        env.command()
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
            .args(["jobs", "--endpoint", &format!("http://127.0.0.1:{port}")])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("could not connect"), "{out:?}");
    assert!(out.stderr.contains("next step"), "{out:?}");
}

#[test]
fn simulate_subcommand_serves_over_http() {
    use std::io::{BufRead, BufReader};
    let env = Env::new();
    let mut child = env
        .command()
        .args(["simulate", "--jobs", "40", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let out = Out::from(
        env.command_at(&url)
            .args(["jobs", "--output", "json"])
            .output()
            .unwrap(),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.code, 0, "{out:?}");
    // 40 legacy jobs and the 5 maintained demo jobs of cn-hangzhou.
    assert_eq!(out.json().as_array().unwrap().len(), 45);
}

#[test]
fn tui_without_a_terminal_exits_with_a_clear_message() {
    let env = Env::new();
    let out = Out::from(env.command().arg("--demo").output().unwrap());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("needs a terminal"), "{out:?}");
    assert!(
        out.stderr.contains("dts-switch jobs"),
        "points at the subcommands: {out:?}"
    );
}

#[test]
fn secrets_never_reach_output_or_log() {
    let secret = "s3cr3t+with/odd=chars*~";
    let token = "CAIS+tok/en=*~value";
    let sim = dts_switch::sim::Simulator::start_background(dts_switch::sim::SimConfig {
        step: Duration::from_millis(100),
        access_key_secret: secret.into(),
        security_token: Some(token.into()),
        faults: Faults {
            throttle: 1,
            ..Faults::default()
        },
        ..Default::default()
    });
    let env = Env::new();
    let base = |args: &[&str]| {
        Out::from(
            env.command()
                .env("DTS_SWITCH_ENDPOINT", sim.url())
                .env("DTS_SWITCH_LOG", "debug")
                .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
                .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
                .env("ALIBABA_CLOUD_SECURITY_TOKEN", token)
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let mut outputs = vec![];
    let mut a = two_way_args("switch");
    a.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
    outputs.push(base(&strs(&a)));
    a.extend(["--output", "json"].map(String::from));
    outputs.push(base(&strs(&a)));
    outputs.push(base(&strs(&two_way_args("plan"))));
    outputs.push(base(&["jobs", "--output", "json"]));
    assert_eq!(outputs[0].code, 0, "{:?}", outputs[0]);
    let enc = |s: &str| dts_switch::api::sign::percent_encode(s);
    let mut haystack: String = outputs.iter().map(|o| o.all()).collect();
    haystack.push_str(&env.log());
    assert!(!env.log().is_empty(), "the log was written");
    for s in [secret, token] {
        for form in [s.to_string(), enc(s), enc(&enc(s))] {
            assert!(!haystack.contains(&form), "secret form {form:?} leaked");
        }
    }
    assert!(!haystack.contains("Signature="), "no signature in output");
    let sigs: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| r.params.get("SignatureNonce").cloned().unwrap_or_default())
        .collect();
    assert!(!sigs.is_empty());
}
