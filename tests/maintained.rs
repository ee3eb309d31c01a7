//! The maintained DTS family (ModifyDtsJobEndpoint) end to end: the real binary against
//! the simulator over loopback HTTP. Family detection by each id, the dry run, one-way
//! and two-way changes verified healthy, a dropped answer, definite refusals, two
//! processes on one job, and the password kept out of every output.

mod common;
use common::*;
use dts_switch::sim::data::{FAILING_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::sim::data_maintained::*;
use dts_switch::sim::{Faults, SimConfig, Simulator};
use std::time::Duration;

const MODIFY: &str = "ModifyDtsJobEndpoint";

fn msim(faults: Faults) -> Simulator {
    Simulator::start_background(SimConfig {
        step: Duration::from_millis(150),
        faults,
        ..SimConfig::default()
    })
}

/// Modify requests that were real (not dry runs).
fn real_modifies(sim: &Simulator) -> Vec<dts_switch::sim::Recorded> {
    sim.executed_writes()
        .into_iter()
        .filter(|r| r.action == MODIFY)
        .collect()
}

fn fast() -> Vec<&'static str> {
    vec![
        "--poll-interval",
        "100ms",
        "--healthy-delay",
        "60s",
        "--verify-timeout",
        "20s",
    ]
}

/// A switch of the maintained one-way job's source (an ECS database) to another ECS.
fn one_way(cmd: &str, job: &str) -> Vec<String> {
    [
        cmd,
        "--job",
        job,
        "--database",
        "source",
        "--instance-type",
        "ecs",
        "--instance-id",
        "i-bp1shopnew0001",
        "--port",
        "3307",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The two-way maintained job's destination (a public-IP database) to a new address.
fn two_way(cmd: &str, job: &str) -> Vec<String> {
    [
        cmd,
        "--job",
        job,
        "--database",
        "destination",
        "--instance-type",
        "LocalInstance",
        "--ip",
        "47.96.33.99",
        "--port",
        "3306",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn a_new_version_job_is_found_and_planned_by_each_of_its_ids() {
    let sim = msim(Faults::default());
    let env = Env::new();
    for id in [
        MAINTAINED_TWO_WAY_INSTANCE_ID,
        MAINTAINED_TWO_WAY_JOB_ID,
        MAINTAINED_TWO_WAY_REVERSE_JOB_ID,
        // Other spellings of the same id: spaces and case.
        &format!("  {}  ", MAINTAINED_TWO_WAY_JOB_ID.to_uppercase()),
    ] {
        let args = two_way("plan", id);
        let mut a = strs(&args);
        a.extend(["--output", "json"]);
        let out = env.run(&sim, &a);
        assert_eq!(out.code, 0, "{id}: {out:?}");
        let v = out.json();
        assert_eq!(v["family"], "maintained", "{id}: {v}");
        assert_eq!(v["job_id"], MAINTAINED_TWO_WAY_INSTANCE_ID);
        let calls = v["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 2, "two-way: one call per direction");
        assert_eq!(calls[0]["action"], MODIFY);
        assert_eq!(calls[0]["params"]["SynchronizationDirection"], "Forward");
        assert_eq!(calls[0]["params"]["Endpoint"], "dest");
        assert_eq!(calls[1]["params"]["SynchronizationDirection"], "Reverse");
        assert_eq!(calls[1]["params"]["Endpoint"], "src");
        assert_eq!(calls[0]["params"]["EndpointInstanceType"], "other");
        assert_eq!(calls[0]["params"]["DtsJobId"], MAINTAINED_TWO_WAY_JOB_ID);
        for c in calls {
            assert_eq!(c["dry_run"]["passed"], true, "{c}");
        }
    }
    assert!(real_modifies(&sim).is_empty(), "plan changes nothing");
    assert!(sim.requests_of(SWITCH).is_empty());
}

#[test]
fn a_legacy_job_that_describe_dts_jobs_lists_is_switched_with_the_legacy_api() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let args = two_way_args("plan");
    let mut a = strs(&args);
    a.extend(["--output", "json"]);
    let out = env.run(&sim, &a);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["family"], "legacy", "{v}");
    assert!(
        v["family_reason"]
            .as_str()
            .unwrap()
            .contains("JobVersionNotSupported"),
        "{v}"
    );
    assert_eq!(v["calls"][0]["action"], SWITCH);
    // The text preview says which API and why.
    let out = env.run(&sim, &strs(&two_way_args("plan")));
    assert!(
        out.stdout
            .contains("API: SwitchSynchronizationEndpoint (legacy family)"),
        "{out:?}"
    );
    assert!(out.stdout.contains("no server-side check"), "{out:?}");
    // Forcing the maintained family: its dry run refuses the job (exit 1, nothing sent).
    let mut args = two_way_args("switch");
    args.extend(["--api", "maintained", "--yes"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.all().contains("JobVersionNotSupported"), "{out:?}");
    assert!(sim.executed_writes().is_empty());
}

#[test]
fn a_definite_refusal_is_exit_1_with_the_services_code_not_unknown() {
    let sim = msim(Faults::default());
    let env = Env::new();
    // The legacy API forced on a new-version job: 403 OperationDenied.JobVersionNotSupported.
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_INSTANCE_ID);
    args[6] = "ECS".into();
    args.extend(["--api", "legacy", "--yes"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 1, "{out:?}");
    let all = out.all();
    assert!(
        all.contains("OperationDenied.JobVersionNotSupported"),
        "{all}"
    );
    assert!(!all.contains("UNKNOWN"), "{all}");
    assert!(!all.contains("lacks permission"), "{all}");
    assert!(sim.executed_writes().is_empty());
    // A maintained-only type on a legacy job is bad input.
    let out = env.run(
        &sim,
        &[
            "switch",
            "--job",
            FAILING_JOB_ID,
            "--database",
            "source",
            "--instance-type",
            "rds",
            "--instance-id",
            "rm-bp1x",
            "--api",
            "legacy",
            "--yes",
        ],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--instance-type rds"), "{out:?}");
}

#[test]
fn a_failed_dry_run_sends_nothing_real_and_dry_run_stops_after_the_checks() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let out = env.run(
        &sim,
        &[
            "switch",
            "--job",
            MAINTAINED_DRYRUN_FAILS_INSTANCE_ID,
            "--database",
            "destination",
            "--instance-type",
            "rds",
            "--instance-id",
            "pgm-bp1geonew0001",
            "--yes",
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.all().contains("dry run: FAILED"), "{out:?}");
    assert!(out.all().contains("nothing was sent"), "{out:?}");
    assert!(real_modifies(&sim).is_empty());
    // --dry-run on a job whose checks pass: exit 0, nothing changed.
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_JOB_ID);
    args.push("--dry-run".into());
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("dry run: PASSED"), "{out:?}");
    assert!(real_modifies(&sim).is_empty());
    let dry: Vec<_> = sim
        .requests_of(MODIFY)
        .into_iter()
        .filter(|r| r.params.get("DryRun").map(String::as_str) == Some("true"))
        .collect();
    assert!(dry.len() >= 2, "{dry:?}");
}

#[test]
fn a_one_way_change_is_sent_once_followed_and_verified_healthy() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_JOB_ID);
    args.push("--yes".into());
    args.extend(fast().into_iter().map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let w = real_modifies(&sim);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].params["DtsJobId"], MAINTAINED_ONE_WAY_JOB_ID);
    assert_eq!(w[0].params["Endpoint"], "src");
    assert_eq!(w[0].params["EndpointInstanceId"], "i-bp1shopnew0001");
    assert!(!w[0].params.contains_key("DryRun") || w[0].params["DryRun"] == "false");
    assert!(
        out.all().contains("HEALTHY") || out.all().contains("healthy"),
        "{out:?}"
    );
    // The journal holds the plan's batch and family.
    let journal = std::fs::read_to_string(env.data().join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"family\":\"maintained\""), "{journal}");
    assert!(journal.contains("\"batch_id\""), "{journal}");
    // The ticket's view: family, batch, old → new and the dry run, in every format.
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    assert_eq!(h[0]["family"], "maintained", "{h}");
    assert!(h[0]["batch_id"].is_string(), "{h}");
    assert_eq!(h[0]["calls"][0]["action"], MODIFY, "{h}");
    assert_eq!(
        h[0]["calls"][0]["new"]["instance_id"], "i-bp1shopnew0001",
        "{h}"
    );
    assert_eq!(
        h[0]["calls"][0]["old"]["instance_id"], "i-bp1shop0000001",
        "{h}"
    );
    assert_eq!(h[0]["calls"][0]["dry_run"]["passed"], true, "{h}");
    let md = env.run(&sim, &["history", "--output", "markdown"]).stdout;
    assert!(md.contains("Old → new"), "{md}");
    assert!(
        md.contains("ModifyDtsJobEndpoint (maintained family)"),
        "{md}"
    );
    assert!(out.stdout.contains("--- for the ticket ---"), "{out:?}");
    // A second run of the same change: already switched, nothing sent, exit 0.
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.all().contains("already switched"), "{out:?}");
    assert_eq!(real_modifies(&sim).len(), 1);
}

#[test]
fn a_two_way_change_sends_forward_then_reverse_after_forward_is_healthy() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let mut args = two_way("switch", MAINTAINED_TWO_WAY_REVERSE_JOB_ID);
    args.push("--yes".into());
    args.extend(fast().into_iter().map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let w = real_modifies(&sim);
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!(w[0].params["SynchronizationDirection"], "Forward");
    assert_eq!(w[0].params["Endpoint"], "dest");
    assert_eq!(w[1].params["SynchronizationDirection"], "Reverse");
    assert_eq!(w[1].params["Endpoint"], "src");
    // Between the two, the Forward direction was read healthy.
    let details: Vec<u64> = sim
        .requests_of("DescribeDtsJobDetail")
        .into_iter()
        .filter(|r| r.params.get("SynchronizationDirection").map(String::as_str) == Some("Forward"))
        .map(|r| r.seq)
        .collect();
    assert!(details.iter().any(|s| *s > w[0].seq && *s < w[1].seq));
}

#[test]
fn a_dropped_answer_is_unknown_never_resent_and_resume_finds_the_change() {
    let sim = msim(Faults {
        drop_modify_answer: true,
        ..Faults::default()
    });
    let env = Env::new();
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_INSTANCE_ID);
    args.push("--yes".into());
    args.extend(fast().into_iter().map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(
        real_modifies(&sim).len(),
        1,
        "executed once, answer dropped"
    );
    // A new switch of the same job is refused while the outcome is unknown.
    let out2 = env.run(&sim, &strs(&args));
    assert_eq!(out2.code, 2, "{out2:?}");
    assert_eq!(real_modifies(&sim).len(), 1);
    // resume reads the direction: the new endpoint is there, so it finishes and verifies.
    std::thread::sleep(Duration::from_millis(600));
    let out = env.run(
        &sim,
        &[
            "resume",
            "--yes",
            "--poll-interval",
            "100ms",
            "--verify-timeout",
            "20s",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("the change took effect"), "{out:?}");
    assert_eq!(real_modifies(&sim).len(), 1, "never resent");
}

#[test]
fn two_processes_naming_one_job_by_different_ids_send_one_write() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let mk = |id: &str| {
        let mut args = one_way("switch", id);
        args.push("--yes".into());
        args.extend(fast().into_iter().map(String::from));
        env.command_at(&sim.url()).args(&args).spawn().unwrap()
    };
    let a = mk(MAINTAINED_ONE_WAY_INSTANCE_ID);
    let b = mk(MAINTAINED_ONE_WAY_JOB_ID);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(real_modifies(&sim).len(), 1, "{a:?}\n{b:?}");
    let codes = [a.status.code(), b.status.code()];
    assert!(codes.contains(&Some(0)), "{codes:?}");
}

#[test]
fn the_password_of_an_account_change_is_in_no_output_or_file() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let secret = "S3cr3t-pw-Zq81";
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_JOB_ID);
    args.extend(["--username", "dts_new", "--yes"].map(String::from));
    args.extend(fast().into_iter().map(String::from));
    let out = Out::from(
        env.command_at(&sim.url())
            .env("DTS_SWITCH_DB_PASSWORD", secret)
            .env("RUST_LOG", "debug")
            .args(&args)
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let w = real_modifies(&sim);
    assert_eq!(w[0].params["Password"], secret, "sent to the service");
    assert_eq!(w[0].params["ModifyAccount"], "true");
    assert!(out.stdout.contains("(changed)"), "{out:?}");
    assert!(!out.all().contains(secret));
    for f in walk(env.dir.path()) {
        let text = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains(secret),
            "{} holds the password",
            f.display()
        );
    }
    // Without the password an account change is bad input.
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("DTS_SWITCH_DB_PASSWORD"), "{out:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v
}

#[test]
fn jobs_shows_the_family_and_finds_a_job_by_any_id() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let out = env.run(&sim, &["jobs", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    let jobs = v.as_array().unwrap();
    let m = jobs
        .iter()
        .find(|j| {
            j["SynchronizationJobId"] == MAINTAINED_TWO_WAY_INSTANCE_ID
                || j["DtsInstanceID"] == MAINTAINED_TWO_WAY_INSTANCE_ID
        })
        .expect("listed");
    let ids: Vec<&str> = m["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(ids.contains(&MAINTAINED_TWO_WAY_JOB_ID), "{ids:?}");
    assert!(ids.contains(&MAINTAINED_TWO_WAY_REVERSE_JOB_ID), "{ids:?}");
    assert!(jobs
        .iter()
        .any(|j| j["SynchronizationJobId"] == TWO_WAY_JOB_ID));
    let out = env.run(&sim, &["jobs"]);
    assert!(out.stdout.contains("API"), "{out:?}");
    let out = env.run(&sim, &["jobs", "--job", MAINTAINED_TWO_WAY_REVERSE_JOB_ID]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(MAINTAINED_TWO_WAY_INSTANCE_ID),
        "{out:?}"
    );
}

#[test]
fn no_wait_on_a_new_version_job_says_the_change_was_not_followed() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_JOB_ID);
    args.extend(["--yes", "--no-wait"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(real_modifies(&sim).len(), 1, "{out:?}");
    assert!(out.all().contains("not followed (--no-wait)"), "{out:?}");
    assert!(!out.all().contains("Done:"), "not done: {out:?}");
    assert!(!out.all().contains("status ?"), "{out:?}");
}

#[test]
fn a_server_error_on_the_dry_run_is_no_verdict_and_sends_nothing() {
    let sim = msim(Faults {
        server_errors: 1,
        only_action: Some(MODIFY.into()),
        ..Faults::default()
    });
    let env = Env::new();
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_JOB_ID);
    args.extend(["--yes", "--api", "maintained"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.all().contains("got no usable answer"), "{out:?}");
    assert!(
        !out.all().contains("dry run failed"),
        "not a verdict: {out:?}"
    );
    assert!(real_modifies(&sim).is_empty(), "{out:?}");
}

#[test]
fn history_finds_a_job_by_any_of_its_ids() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_INSTANCE_ID);
    args.extend(["--yes", "--no-verify", "--poll-interval", "100ms"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    for id in [
        MAINTAINED_ONE_WAY_JOB_ID,
        MAINTAINED_ONE_WAY_INSTANCE_ID,
        &MAINTAINED_ONE_WAY_INSTANCE_ID.to_ascii_uppercase(),
    ] {
        let h = env.run(&sim, &["history", "--job", id, "--output", "json"]);
        assert_eq!(h.code, 0, "{h:?}");
        assert_eq!(h.json().as_array().map(|a| a.len()), Some(1), "{id}: {h:?}");
    }
    let h = env.run(&sim, &["history", "--job", "nosuchjob", "--output", "json"]);
    assert_eq!(h.json().as_array().map(|a| a.len()), Some(0), "{h:?}");
}

#[test]
fn a_two_way_job_whose_forward_fails_after_the_change_keeps_reverse_unsent_and_says_so() {
    let sim = msim(Faults {
        fail_after_switch: true,
        ..Faults::default()
    });
    let env = Env::new();
    let mut args = two_way("switch", MAINTAINED_TWO_WAY_INSTANCE_ID);
    args.push("--yes".into());
    args.extend(fast().iter().map(|s| s.to_string()));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(real_modifies(&sim).len(), 1, "only Forward: {out:?}");
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.all().contains("Reverse call was NOT sent"), "{out:?}");
    assert!(!out.all().contains("Done:"), "{out:?}");
    assert!(out.all().contains("--only-direction reverse"), "{out:?}");
}

#[test]
fn a_signal_during_the_dry_run_says_nothing_was_sent() {
    // Each ModifyDtsJobEndpoint answer takes 3 s: SIGTERM comes while the dry run
    // (or, on a slow machine, the listing before it) is in flight.
    let sim = msim(Faults {
        delay: Duration::from_secs(3),
        only_action: Some(MODIFY.into()),
        ..Faults::default()
    });
    let env = Env::new();
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_JOB_ID);
    args.push("--yes".into());
    let child = env
        .command_at(&sim.url())
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("terminated (SIGTERM) before any call was sent: nothing was sent"),
        "{stderr}"
    );
    assert!(real_modifies(&sim).is_empty());
}

#[test]
fn errors_and_warnings_speak_the_jobs_own_api() {
    let sim = msim(Faults::default());
    let env = Env::new();
    // A bad port: each API's own parameter name, both while the family is unknown.
    let bad = |api: &str| {
        let mut a = one_way("plan", MAINTAINED_ONE_WAY_JOB_ID);
        let last = a.len() - 1;
        a[last] = "99999".into();
        a.extend(["--api".into(), api.into()]);
        env.run(&sim, &strs(&a))
    };
    let out = bad("maintained");
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--port (EndpointPort):"), "{out:?}");
    assert!(!out.stderr.contains("Endpoint.Port"), "{out:?}");
    let out = bad("legacy");
    assert!(out.stderr.contains("--port (Endpoint.Port):"), "{out:?}");
    let out = bad("auto");
    assert!(
        out.stderr
            .contains("--port (Endpoint.Port / EndpointPort):"),
        "{out:?}"
    );
    assert!(sim.requests().is_empty(), "bad input sends nothing");
    // A new-version job's destination is an RDS instance: ModifyDtsJobEndpoint takes
    // it, so the warning does not say the call is for self-managed databases.
    let out = env.run(
        &sim,
        &[
            "plan",
            "--job",
            MAINTAINED_FAILS_AFTER_CHANGE_JOB_ID,
            "--database",
            "destination",
            "--instance-type",
            "rds",
            "--instance-id",
            "rm-bp1ticketsnew1",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.all().contains("ApsaraDB RDS"), "{out:?}");
    assert!(out.all().contains("another instance"), "{out:?}");
    assert!(!out.all().contains("self-managed"), "{out:?}");
}

#[test]
fn a_signal_while_the_forward_change_goes_on_says_the_reverse_call_was_not_sent() {
    // The Forward direction stays Modifying after its change: the switch follows it
    // before the Reverse call, and is stopped there.
    let sim = msim(Faults {
        stuck_after_modify: true,
        ..Faults::default()
    });
    let env = Env::new();
    let mut args = two_way("switch", MAINTAINED_TWO_WAY_REVERSE_JOB_ID);
    args.push("--yes".into());
    args.extend(fast().into_iter().map(String::from));
    let child = env
        .command_at(&sim.url())
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = std::time::Instant::now();
    while real_modifies(&sim).is_empty() && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        real_modifies(&sim).len(),
        1,
        "only the Forward call: {stderr}"
    );
    assert_eq!(out.status.code(), Some(3), "a change in flight: {stderr}");
    assert!(!stderr.contains("switch itself is done"), "{stderr}");
    assert!(stderr.contains("stopped following"), "{stderr}");
    assert!(
        stderr.contains("Not sent:\n  call 2 (Reverse direction"),
        "{stderr}"
    );
    assert!(
        stderr.contains("resume` follows what was sent and then sends it"),
        "{stderr}"
    );
}

#[test]
fn the_way_back_of_a_change_to_ecs_applies() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let mut args = one_way("switch", MAINTAINED_ONE_WAY_JOB_ID);
    args.push("--yes".into());
    args.extend(fast().into_iter().map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let path = out
        .all()
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.contains("failback-") && w.ends_with(".toml"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no failback named: {out:?}"));
    let back = std::fs::read_to_string(&path).unwrap();
    // The old source is ECS: named by its instance id, not by the IP the listing shows.
    assert!(back.contains("instance_type = \"ECS\""), "{back}");
    assert!(!back.lines().any(|l| l.starts_with("ip = ")), "{back}");
    let out = env.run(&sim, &["apply", &path, "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}\n{back}");
}

#[test]
fn the_legacy_api_takes_a_cross_account_pair_only_for_the_source() {
    let sim = msim(Faults::default());
    let env = Env::new();
    let args = |side: &'static str| {
        vec![
            "plan",
            "--api",
            "legacy",
            "--job",
            dts_switch::sim::data::ONE_WAY_JOB_ID,
            "--database",
            side,
            "--instance-type",
            "ECS",
            "--instance-id",
            "i-bp1crossacct01",
            "--port",
            "3306",
            "--owner-id",
            "1234567890",
            "--role",
            "ops-role",
        ]
    };
    let out = env.run(&sim, &args("destination"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("only when the source database is switched"),
        "{out:?}"
    );
    let out = env.run(&sim, &args("source"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("SourceEndpoint.OwnerID"), "{out:?}");
}

#[test]
fn failover_and_apply_refuse_markdown_and_send_nothing() {
    let sim = msim(Faults::default());
    let env = Env::new();
    for args in [
        vec![
            "--output",
            "markdown",
            "failover",
            "--from-ip",
            "10.40.2.15",
            "--instance-type",
            "other",
            "--ip",
            "47.96.33.99",
            "--port",
            "3306",
            "--dry-run",
        ],
        vec!["--output", "markdown", "apply", "nofile.toml", "--dry-run"],
    ] {
        let out = env.run(&sim, &args);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("has no markdown form"), "{out:?}");
    }
    assert!(sim.requests().is_empty());
}
