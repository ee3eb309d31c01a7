//! An unfinished intent names the process that sent it by more than its PID (start time,
//! boot, program): a PID now held by another program, or a start that does not match,
//! is a process that stopped (the outcome is unknown and `resume --dismiss` takes it);
//! an intent from another host says it cannot be checked from here; a live dts-switch
//! process is still in flight.

mod common;
use common::*;
use dts_switch::api::{Client, ClientConfig, Credentials, RetryPolicy};
use dts_switch::domain::journal::{self, Journal, Process, Record};
use dts_switch::sim::data::TWO_WAY_JOB_ID;
use dts_switch::sim::{Simulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string()
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|b| b.trim().to_string())
}

/// A plan of the demo two-way job, made by the library against `sim`.
fn demo_plan(sim: &Simulator) -> dts_switch::domain::Plan {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = Client::new(ClientConfig {
        endpoint: url::Url::parse(&sim.url()).unwrap(),
        region: "cn-hangzhou".into(),
        credentials: Arc::new(dts_switch::api::credentials::CredentialProvider::fixed(
            Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, None),
        )),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default(),
    })
    .unwrap();
    let jobs = rt
        .block_on(dts_switch::domain::load_jobs(&client, |_, _| {}))
        .unwrap();
    let job = jobs.iter().find(|j| j.id == TWO_WAY_JOB_ID).unwrap();
    let req = dts_switch::domain::SwitchRequest {
        database: dts_switch::domain::Side::Destination,
        endpoint: dts_switch::domain::rules::validate(
            dts_switch::domain::InstanceType::Ecs,
            &dts_switch::domain::EndpointInput {
                instance_id: Some("i-bp1ident0001".into()),
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

/// Writes a journal (in `env`'s data dir) whose plan's first call has an intent written
/// by `by` / `process`, then nothing: the plan id.
fn forge(env: &Env, sim: &Simulator, by: &str, process: Option<Process>) -> String {
    let plan = demo_plan(sim);
    let j = Journal::new(env.data().join("journal.jsonl"));
    let mut rec = journal::plan_record(&plan, &sim.url(), "LTAI****0001", by);
    if let Record::Plan { process: p, .. } = &mut rec {
        *p = process.clone();
    }
    j.append(&rec).unwrap();
    j.append(&Record::Intent {
        plan_id: plan.id.clone(),
        index: 0,
        at: journal::now(),
        by: Some(by.to_string()),
        process,
    })
    .unwrap();
    plan.id
}

/// A child that is killed when dropped.
struct Kid(Child);
impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sleeper() -> Kid {
    Kid(Command::new("sleep")
        .arg("300")
        .stdin(Stdio::null())
        .spawn()
        .unwrap())
}

/// A live dts-switch process (a simulator that serves until killed).
fn live_dts_switch() -> Kid {
    let k = Kid(Command::new(bin())
        .args(["simulate", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap());
    // Until it runs the binary (not the forked test harness), its program is not yet
    // dts-switch.
    let exe = format!("/proc/{}/exe", k.0.id());
    for _ in 0..200 {
        if std::fs::read_link(&exe)
            .map(|p| p.to_string_lossy().contains("dts-switch"))
            .unwrap_or(false)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    k
}

fn identity(pid: u32) -> Process {
    Process {
        pid,
        host: this_host(),
        boot_id: boot_id(),
        start_ticks: journal::start_ticks_of(pid),
        exe: std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .map(|p| p.to_string_lossy().into_owned()),
    }
}

/// `resume` says the process stopped (an unknown outcome, never "still running"), and
/// `resume --dismiss` takes the plan.
fn assert_stopped_and_dismissable(env: &Env, sim: &Simulator, plan_id: &str) {
    let out = env.run(sim, &["resume"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("the process stopped"), "{out:?}");
    assert!(out.stdout.contains("OUTCOME UNKNOWN"), "{out:?}");
    assert!(!out.stdout.contains("still running"), "{out:?}");
    let out = env.run(sim, &["resume", "--dismiss", &plan_id[..8]]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("dismissed"), "{out:?}");
    let out = env.run(sim, &["resume"]);
    assert!(out.stdout.contains("Nothing to resume"), "{out:?}");
    assert!(sim.requests_of(SWITCH).is_empty(), "nothing was ever sent");
}

#[test]
fn a_pid_held_by_another_program_is_a_stopped_process_old_record() {
    let sim = sim();
    let env = Env::new();
    let kid = sleeper();
    // A record of an older version: the words only.
    let by = format!("dts-switch switch (pid {} on {})", kid.0.id(), this_host());
    let id = forge(&env, &sim, &by, None);
    assert_stopped_and_dismissable(&env, &sim, &id);
}

#[test]
fn a_pid_held_by_another_program_is_a_stopped_process_new_record() {
    let sim = sim();
    let env = Env::new();
    let kid = sleeper();
    let pid = kid.0.id();
    // The record claims a dts-switch started exactly when the sleeper did: its program
    // is not dts-switch, so it is not that process.
    let p = Process {
        exe: Some("/usr/local/bin/dts-switch".into()),
        ..identity(pid)
    };
    let by = format!("dts-switch switch (pid {pid} on {})", this_host());
    let id = forge(&env, &sim, &by, Some(p));
    assert_stopped_and_dismissable(&env, &sim, &id);
}

#[test]
fn a_dts_switch_started_later_with_the_same_pid_is_not_the_writer() {
    let sim = sim();
    let env = Env::new();
    let kid = live_dts_switch();
    let mut p = identity(kid.0.id());
    // The writer started earlier: the PID was reused.
    p.start_ticks = p.start_ticks.map(|t| t.saturating_sub(1));
    let by = format!("dts-switch switch (pid {} on {})", p.pid, this_host());
    let id = forge(&env, &sim, &by, Some(p));
    assert_stopped_and_dismissable(&env, &sim, &id);
}

#[test]
fn a_record_of_another_boot_is_a_stopped_process() {
    let sim = sim();
    let env = Env::new();
    let kid = live_dts_switch();
    let p = Process {
        boot_id: Some("00000000-0000-0000-0000-000000000000".into()),
        ..identity(kid.0.id())
    };
    let by = format!("dts-switch switch (pid {} on {})", p.pid, this_host());
    let id = forge(&env, &sim, &by, Some(p));
    assert_stopped_and_dismissable(&env, &sim, &id);
}

#[test]
fn an_intent_from_another_host_says_it_cannot_be_checked_from_here() {
    let sim = sim();
    let env = Env::new();
    let host = "jump-elsewhere-7";
    let by = format!("dts-switch switch (pid 4711 on {host}, started 2026-12-03T13:01:02Z)");
    let p = Process {
        pid: 4711,
        host: host.into(),
        boot_id: Some("11111111-2222-3333-4444-555555555555".into()),
        start_ticks: Some(12345),
        exe: Some("/usr/local/bin/dts-switch".into()),
    };
    let id = forge(&env, &sim, &by, Some(p));
    let out = env.run(&sim, &["resume"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stdout.contains(&format!(
            "sent from host {host}; cannot check that process from here"
        )),
        "{out:?}"
    );
    assert!(!out.stdout.contains("the process stopped"), "{out:?}");
    assert!(!out.stdout.contains("still running"), "{out:?}");
    // A new switch of the job is refused, in the same words.
    let mut args = two_way_args("switch");
    args.push("--yes".into());
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("cannot check that process from here"),
        "{out:?}"
    );
    // The operator checked on that host: dismissing is theirs to do.
    let out = env.run(&sim, &["resume", "--dismiss", &id[..8]]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(sim.requests_of(SWITCH).is_empty());
}

#[test]
fn a_live_dts_switch_process_is_in_flight_and_not_dismissable() {
    let sim = sim();
    let kid = live_dts_switch();
    let pid = kid.0.id();
    let words = format!("dts-switch switch (pid {pid} on {})", this_host());
    // The structured identity of a newer record, and the words alone of an older one.
    for process in [Some(identity(pid)), None] {
        let env = Env::new();
        let id = forge(&env, &sim, &words, process.clone());
        let out = env.run(&sim, &["resume"]);
        assert_eq!(out.code, 3, "{process:?}: {out:?}");
        assert!(out.stdout.contains("still running"), "{out:?}");
        assert!(!out.stdout.contains("OUTCOME UNKNOWN"), "{out:?}");
        let out = env.run(&sim, &["resume", "--dismiss", &id[..8]]);
        assert_eq!(out.code, 2, "no dismissing a call in flight: {out:?}");
        let mut args = two_way_args("switch");
        args.push("--yes".into());
        let out = env.run(&sim, &strs(&args));
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("being sent by"), "{out:?}");
    }
    assert!(sim.requests_of(SWITCH).is_empty());
}
