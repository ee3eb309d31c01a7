//! One guarded path for every switch call: several processes on one journal, other
//! spellings of the same endpoint, another region on resume. Each test is a case that
//! sent a duplicate or a wrong call before the guard.

mod common;
use common::*;
use dts_switch::api::{Client, ClientConfig, Credentials, RetryPolicy};
use dts_switch::domain::executor::{self, ExecOptions, Outcome};
use dts_switch::domain::guard::{self, Refusal, Sender};
use dts_switch::domain::journal::{self, Journal, Record};
use dts_switch::sim::data::TWO_WAY_JOB_ID;
use dts_switch::sim::{Faults, SimConfig, Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn sim_step(ms: u64) -> Simulator {
    Simulator::start_background(SimConfig {
        step: Duration::from_millis(ms),
        ..SimConfig::default()
    })
}

fn journal_text(env: &Env) -> String {
    std::fs::read_to_string(env.data().join("journal.jsonl")).unwrap_or_default()
}

fn spawn(env: &Env, endpoint: &str, args: &[&str]) -> Child {
    env.command_at(endpoint)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn two_way_switch_yes() -> Vec<String> {
    let mut a = two_way_args("switch");
    a.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
    a
}

#[test]
fn two_switches_started_together_send_each_call_once() {
    for round in 0..6 {
        let sim = sim_step(150);
        let env = Env::new();
        let args = two_way_switch_yes();
        let a = spawn(&env, &sim.url(), &strs(&args));
        let b = spawn(&env, &sim.url(), &strs(&args));
        let oa = Out::from(a.wait_with_output().unwrap());
        let ob = Out::from(b.wait_with_output().unwrap());
        let sent = sim.requests_of(SWITCH);
        assert_eq!(
            sent.len(),
            2,
            "round {round}: a two-way plan is two calls, whoever sends them\n{oa:?}\n{ob:?}"
        );
        assert_eq!(sent[0].params["SynchronizationDirection"], "Forward");
        assert_eq!(sent[1].params["SynchronizationDirection"], "Reverse");
        let mut codes = [oa.code, ob.code];
        codes.sort();
        assert_eq!(
            codes,
            [0, 2],
            "round {round}: one sends, one is refused\n{oa:?}\n{ob:?}"
        );
        let refused = if oa.code == 2 { &oa } else { &ob };
        assert!(
            refused.stderr.contains("unfinished switch") && refused.stderr.contains("pid"),
            "the refusal says who holds the job: {refused:?}"
        );
    }
}

/// Starts a two-way switch and SIGKILLs it once call 1 was accepted; waits until the
/// service has finished call 1's task.
fn two_way_killed_after_first_call(env: &Env, sim: &Simulator) {
    let args = two_way_switch_yes();
    let mut child = env
        .command_at(&sim.url())
        .args(strs(&args))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !journal_text(env).contains(r#""type":"accepted""#) {
        assert!(t0.elapsed() < Duration::from_secs(20), "never accepted");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
}

#[test]
fn two_resumes_started_together_send_call_two_once() {
    for round in 0..4 {
        let sim = sim_step(100);
        let env = Env::new();
        two_way_killed_after_first_call(&env, &sim);
        let args = ["resume", "--yes", "--poll-interval", "50ms"];
        let a = spawn(&env, &sim.url(), &args);
        let b = spawn(&env, &sim.url(), &args);
        let oa = Out::from(a.wait_with_output().unwrap());
        let ob = Out::from(b.wait_with_output().unwrap());
        let sent = sim.requests_of(SWITCH);
        assert_eq!(
            sent.len(),
            2,
            "round {round}: call 2 is sent once\n{oa:?}\n{ob:?}"
        );
        assert_eq!(sent[1].params["SynchronizationDirection"], "Reverse");
        assert!(
            oa.code == 0 || ob.code == 0,
            "round {round}: one of them completes the plan\n{oa:?}\n{ob:?}"
        );
    }
}

#[test]
fn localhost_and_127_0_0_1_are_the_same_service_for_the_pending_guard() {
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(150),
        faults: Faults {
            drop_switch_answer: true,
            ..Faults::default()
        },
        ..SimConfig::default()
    });
    let env = Env::new();
    let args = two_way_switch_yes();
    let out = env.run(&sim, &strs(&args));
    assert_eq!(
        out.code, 3,
        "a dropped answer is an unknown outcome: {out:?}"
    );
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
    let localhost = sim.url().replace("127.0.0.1", "localhost");
    assert_ne!(localhost, sim.url());
    let out = Out::from(
        env.command_at(&localhost)
            .args(strs(&args))
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("outcome of call 1"), "{out:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1, "nothing was sent");
    // resume against the other spelling finds the plan too.
    let out = Out::from(
        env.command_at(&localhost)
            .args(["resume"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("OUTCOME UNKNOWN"), "{out:?}");
    assert!(
        out.stdout.contains("--only-direction reverse"),
        "the second call alone is offered: {out:?}"
    );
}

#[test]
fn resume_in_another_region_sends_the_journalled_region() {
    let sim = sim_step(100);
    let env = Env::new();
    two_way_killed_after_first_call(&env, &sim);
    let out = env.run(
        &sim,
        &[
            "resume",
            "--yes",
            "--region",
            "cn-shanghai",
            "--poll-interval",
            "50ms",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("journalled in region cn-hangzhou"),
        "{out:?}"
    );
    let sent = sim.requests_of(SWITCH);
    assert_eq!(sent.len(), 2);
    for s in &sent {
        assert_eq!(s.params["RegionId"], "cn-hangzhou", "{:?}", s.params);
    }
    // The preview printed the region that was sent.
    assert!(
        out.stdout
            .contains("RegionId                   cn-hangzhou"),
        "{out:?}"
    );
}

#[test]
fn plan_preview_region_is_the_region_sent() {
    let sim = sim_step(100);
    let env = Env::new();
    let mut args = two_way_switch_yes();
    args.extend(["--region", "cn-shanghai"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("RegionId                   cn-shanghai"),
        "{out:?}"
    );
    for s in sim.requests_of(SWITCH) {
        assert_eq!(s.params["RegionId"], "cn-shanghai");
    }
}

fn sender(sim: &Simulator, journal: &Journal, who: &str) -> Sender {
    let endpoint: url::Url = sim.url().parse().unwrap();
    let client = Client::new(ClientConfig {
        endpoint: endpoint.clone(),
        region: "cn-hangzhou".into(),
        credentials: Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None).into(),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default(),
    })
    .unwrap();
    Sender {
        client: client.port(),
        journal: journal.clone(),
        endpoint: endpoint.to_string(),
        masked_ak: "LTAI****".into(),
        by: journal::who(who),
    }
}

fn demo_plan(sim: &Simulator) -> dts_switch::domain::Plan {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = sender(sim, &Journal::new("/dev/null"), "x");
    let jobs = rt
        .block_on(dts_switch::domain::load_jobs(&s.client, |_, _| {}))
        .unwrap();
    let job = jobs.iter().find(|j| j.id == TWO_WAY_JOB_ID).unwrap();
    let req = dts_switch::domain::SwitchRequest {
        database: dts_switch::domain::Side::Destination,
        endpoint: dts_switch::domain::rules::validate(
            dts_switch::domain::InstanceType::Ecs,
            &dts_switch::domain::EndpointInput {
                instance_id: Some("i-bp1guard0001".into()),
                port: Some("3306".into()),
                ..Default::default()
            },
        )
        .unwrap(),
        only_direction: None,
        topology: None,
    };
    dts_switch::domain::plan(job, "cn-hangzhou", &req, Default::default()).unwrap()
}

/// What a TUI holding an old view of a plan meets when another process (a second
/// journal writer) has sent call 2 meanwhile: the guard refuses, naming who sent it.
#[test]
fn a_stale_view_cannot_send_a_call_another_process_sent() {
    let sim = sim_step(50);
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::new(dir.path().join("j.jsonl"));
    let plan = demo_plan(&sim);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = ExecOptions {
        poll_interval: Duration::from_millis(30),
        ..ExecOptions::default()
    };
    // Process A ("CLI") sends both calls.
    let a = sender(&sim, &journal, "switch");
    let out = rt.block_on(executor::execute(&a, &plan, 0, &opts, &mut |_| {}));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].outcome, Outcome::Finished);
    assert_eq!(out[1].outcome, Outcome::Finished);
    assert_eq!(sim.requests_of(SWITCH).len(), 2);
    // Process B ("TUI") still thinks call 2 waits, and presses c.
    let b = sender(&sim, &journal, "TUI");
    let outs = rt.block_on(executor::execute(&b, &plan, 1, &opts, &mut |_| {}));
    assert_eq!(outs[0].outcome, Outcome::NotSent);
    match outs[0].refusal.as_deref() {
        Some(Refusal::AlreadySent { index: 1, by, .. }) => {
            assert!(by.as_deref().unwrap().contains("switch (pid"), "{by:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.requests_of(SWITCH).len(), 2, "never sent twice");
    assert_eq!(dts_switch::cli::exit::of_calls(&outs), 2);
}

#[test]
fn a_new_plan_is_refused_while_another_plan_of_the_job_is_pending() {
    let sim = sim_step(50);
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::new(dir.path().join("j.jsonl"));
    let plan = demo_plan(&sim);
    // Another process journalled the plan and the intent of call 1, then nothing.
    journal
        .append(&journal::plan_record(
            &plan,
            &sim.url(),
            "LTAI****",
            "dts-switch switch (pid 7 on h)",
        ))
        .unwrap();
    journal
        .append(&Record::Intent {
            plan_id: plan.id.clone(),
            index: 0,
            at: journal::now(),
            by: Some("dts-switch switch (pid 7 on h)".into()),
            process: None,
        })
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = sender(&sim, &journal, "TUI");
    let other = plan.remaining_from(0);
    let outs = rt.block_on(executor::execute(
        &s,
        &other,
        0,
        &ExecOptions::default(),
        &mut |_| {},
    ));
    match outs[0].refusal.as_deref() {
        Some(Refusal::OtherPlan { by, what, .. }) => {
            assert_eq!(by.as_deref(), Some("dts-switch switch (pid 7 on h)"));
            assert!(what.contains("unknown"), "{what}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(outs[1].outcome, Outcome::NotSent);
    assert!(sim.requests_of(SWITCH).is_empty());
    // The early check (before a form or a confirmation) gives the same answer.
    assert!(matches!(
        guard::check_new_switch(&journal, &[TWO_WAY_JOB_ID.to_string()], "CN-HANGZHOU"),
        Err(Refusal::OtherPlan { .. })
    ));
    assert!(
        guard::check_new_switch(&journal, &[TWO_WAY_JOB_ID.to_string()], "cn-shanghai").is_ok()
    );
}

/// A switch whose answer is slow: another command sees its intent while it waits. The
/// call is in flight, not of unknown outcome: no advice to dismiss and resend.
#[test]
fn a_call_in_flight_in_a_live_process_is_not_an_unknown_outcome() {
    let sim = Simulator::start_background(SimConfig {
        step: Duration::from_millis(100),
        faults: Faults {
            delay: Duration::from_secs(4),
            only_action: Some(SWITCH.into()),
            ..Faults::default()
        },
        ..SimConfig::default()
    });
    let env = Env::new();
    let args = two_way_switch_yes();
    let first = spawn(&env, &sim.url(), &strs(&args));
    let t0 = Instant::now();
    while !journal_text(&env).contains(r#""type":"intent""#) {
        assert!(t0.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = env.run(&sim, &["resume"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("still running"), "{out:?}");
    assert!(!out.stdout.contains("OUTCOME UNKNOWN"), "{out:?}");
    let h = env.run(&sim, &["history", "--output", "json"]).json();
    let id = h[0]["plan_id"].as_str().unwrap().to_string();
    let out = env.run(&sim, &["resume", "--dismiss", &id]);
    assert_eq!(out.code, 2, "no dismissing a call in flight: {out:?}");
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("being sent by"), "{out:?}");
    let o = Out::from(first.wait_with_output().unwrap());
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 2, "one call per direction");
}

/// A plan made from the listing, then someone else (another journal) switches the same
/// side to a third endpoint: right before the write the guard reads the direction, sees
/// neither the planned old endpoint nor the new one, and sends nothing (exit 1).
#[test]
fn a_plan_whose_endpoint_changed_since_it_was_made_sends_nothing() {
    let sim = sim_step(100);
    let plan = demo_plan(&sim);
    // The other operator, with a journal of their own, switches the destination first.
    let other = Env::new();
    let mut args = two_way_args("switch");
    args[8] = "i-bp1someone0002".into();
    args.extend(["--yes", "--poll-interval", "100ms", "--no-verify"].map(String::from));
    let out = other.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let before = sim.requests_of(SWITCH).len();
    let env = Env::new();
    let j = Journal::new(env.dir.path().join("j.jsonl"));
    let s = sender(&sim, &j, "switch");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let outs = rt.block_on(executor::execute(
        &s,
        &plan,
        0,
        &ExecOptions::default(),
        &mut |_| {},
    ));
    assert_eq!(outs[0].outcome, Outcome::NotSent, "{outs:?}");
    let r = outs[0].refusal.as_deref().unwrap();
    assert!(matches!(r, Refusal::ChangedSincePlan { .. }), "{r:?}");
    let words = r.to_string();
    assert!(words.contains("changed since the plan"), "{words}");
    assert!(words.contains("i-bp1someone0002"), "{words}");
    assert_eq!(outs[1].outcome, Outcome::NotSent);
    assert_eq!(dts_switch::cli::exit::of_calls(&outs), 1);
    assert_eq!(sim.requests_of(SWITCH).len(), before, "nothing sent");
}

/// Another journal that wrote to the job and can no longer be read may hide a switch in
/// progress: the guard refuses (fail closed) instead of skipping it.
#[test]
fn an_unreadable_other_journal_refuses_the_write() {
    let sim = sim_step(100);
    let a = Env::new();
    let mut args = two_way_args("switch");
    args.extend(["--yes", "--poll-interval", "100ms", "--no-verify"].map(String::from));
    let out = a.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    // A's journal is replaced by something that cannot be read as a journal.
    let ja = a.data().join("journal.jsonl");
    assert!(ja.is_file(), "A's journal is at {}", ja.display());
    std::fs::rename(&ja, a.data().join("journal.moved")).unwrap();
    std::fs::create_dir(&ja).unwrap();
    let before = sim.requests_of(SWITCH).len();
    let b = Env::new();
    let mut args = two_way_args("switch");
    args[8] = "i-bp1other00003".into();
    args.extend(["--yes", "--poll-interval", "100ms", "--no-verify"].map(String::from));
    let out = b.run(&sim, &strs(&args));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.all().contains("another journal that wrote to this job")
            && out.all().contains(&ja.display().to_string()),
        "{out:?}"
    );
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        before,
        "sent despite the unreadable journal"
    );
    // Once it is readable again, the rule is the usual one: A's switch is finished, so
    // B may go on.
    std::fs::remove_dir(&ja).unwrap();
    std::fs::rename(a.data().join("journal.moved"), &ja).unwrap();
    let out = b.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
}

/// A plan of the failing demo job's source (LocalInstance 39.100.7.8:5432 → .9).
fn failing_job_plan(sim: &Simulator) -> dts_switch::domain::Plan {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = sender(sim, &Journal::new("/dev/null"), "x");
    let jobs = rt
        .block_on(dts_switch::domain::load_jobs(&s.client, |_, _| {}))
        .unwrap();
    let job = jobs
        .iter()
        .find(|j| j.id == dts_switch::sim::data::FAILING_JOB_ID)
        .unwrap();
    let req = dts_switch::domain::SwitchRequest {
        database: dts_switch::domain::Side::Source,
        endpoint: dts_switch::domain::rules::validate(
            dts_switch::domain::InstanceType::LocalInstance,
            &dts_switch::domain::EndpointInput {
                ip: Some("39.100.7.9".into()),
                port: Some("5432".into()),
                ..Default::default()
            },
        )
        .unwrap(),
        only_direction: None,
        topology: None,
    };
    dts_switch::domain::plan(job, "cn-hangzhou", &req, Default::default()).unwrap()
}

/// Two operators plan the same change from the same listing (here: two batches that
/// recorded their plans first). The first one's call fails, so the job still shows the
/// old endpoint: the second, stale plan must not send the same call again — in the same
/// journal or in another one — and the refusal is journalled, so `resume --batch` does
/// not send it later either.
#[test]
fn a_plan_made_before_another_plan_sent_the_same_call_is_stale_and_sends_nothing() {
    let sim = sim_step(50);
    let dir = tempfile::tempdir().unwrap();
    let j1 = Journal::new(dir.path().join("one.jsonl"));
    let j2 = Journal::new(dir.path().join("two.jsonl"));
    let (s1, s2) = (sender(&sim, &j1, "failover"), sender(&sim, &j2, "failover"));
    let stale_here = failing_job_plan(&sim);
    let stale_there = failing_job_plan(&sim);
    dts_switch::domain::fleet::record_plans(&[
        (s1.clone(), stale_here.clone()),
        (s2.clone(), stale_there.clone()),
    ])
    .unwrap();
    // A plan made (on screen, awaiting its confirmation) but not recorded yet.
    let unrecorded = failing_job_plan(&sim);
    std::thread::sleep(Duration::from_millis(20));
    let first = failing_job_plan(&sim);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = ExecOptions {
        poll_interval: Duration::from_millis(50),
        ..ExecOptions::default()
    };
    let outs = rt.block_on(executor::execute(&s1, &first, 0, &opts, &mut |_| {}));
    assert_eq!(outs[0].outcome, Outcome::Failed, "{outs:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 1);
    for (s, p, other) in [
        (&s1, &stale_here, false),
        (&s2, &stale_there, true),
        (&s1, &unrecorded, false),
    ] {
        let outs = rt.block_on(executor::execute(s, p, 0, &opts, &mut |_| {}));
        assert_eq!(outs[0].outcome, Outcome::NotSent, "{outs:?}");
        let r = outs[0].refusal.as_deref().unwrap();
        assert!(matches!(r, Refusal::SentSincePlan { .. }), "{r:?}");
        let words = r.to_string();
        assert!(words.contains("this plan is stale"), "{words}");
        assert_eq!(words.contains("one.jsonl"), other, "{words}");
        assert_eq!(dts_switch::cli::exit::of_calls(&outs), 1);
        // A recorded plan's refusal is journalled: not pending, not "never begun"
        // (resume --batch leaves it); an unrecorded one leaves nothing to resume.
        let read = s.journal.read().unwrap();
        match read.plans().iter().find(|x| x.plan_id == p.id) {
            Some(sum) => assert!(sum.pending().is_none() && !sum.never_begun(), "{sum:?}"),
            None => assert_eq!(p.id, unrecorded.id, "a recorded plan is in the journal"),
        }
    }
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        1,
        "a stale plan sent the call again"
    );
    // A plan made now (after looking at the job) may send it.
    let again = failing_job_plan(&sim);
    let outs = rt.block_on(executor::execute(&s2, &again, 0, &opts, &mut |_| {}));
    assert_eq!(outs[0].outcome, Outcome::Failed, "{outs:?}");
    assert_eq!(sim.requests_of(SWITCH).len(), 2);
}
