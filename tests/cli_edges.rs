//! The API's edges (issue 10), through the real binary against the simulator: endpoint
//! types the switch cannot handle, job statuses, LocalInstance addresses, spaces in ids,
//! and the small things a user met (`--no-wait`, `status` of an unknown task, `history`).

mod common;
use common::*;
use dts_switch::sim::data::{FAILING_JOB_ID, ONE_WAY_JOB_ID, TWO_WAY_JOB_ID};
use dts_switch::sim::Simulator;

const FAST: &[&str] = &["--poll-interval", "50ms"];
/// One-way, source ECS, destination ApsaraDB RDS.
const RDS_JOB_ID: &str = "dtse9f8g7h6j5k4m04";
/// One-way, status Failed (its source refused DTS after a failover).
const FAILED_JOB_ID: &str = "dtsg5h4j3k2m1n9p07";

/// Changes one demo job in the simulator.
fn edit_job(sim: &Simulator, id: &str, f: impl FnOnce(&mut dts_switch::sim::data::SimJob)) {
    let mut st = sim.state.lock().unwrap();
    let j = st.jobs.iter_mut().find(|j| j.id == id).expect("demo job");
    f(j);
}

fn args<'a>(job: &'a str, database: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--job", job, "--database", database];
    v.extend_from_slice(rest);
    v
}

fn plan(env: &Env, sim: &Simulator, a: &[&str]) -> Out {
    let mut v = vec!["plan"];
    v.extend_from_slice(a);
    env.run(sim, &v)
}

#[test]
fn a_database_gateway_or_cen_side_is_refused_and_nothing_is_sent() {
    let sim = sim();
    edit_job(&sim, TWO_WAY_JOB_ID, |j| {
        j.forward.src.instance_type = "dg".into();
        j.forward.src.instance_id = "dg-bp1gateway01".into();
    });
    edit_job(&sim, ONE_WAY_JOB_ID, |j| {
        j.forward.dst.instance_type = "CEN".into();
        j.forward.dst.instance_id = "cen-7qthudw0ll6jmc".into();
    });
    let env = Env::new();
    let ecs = [
        "--instance-type",
        "ECS",
        "--instance-id",
        "i-bp1new00001",
        "--port",
        "3306",
    ];
    for (cmd, job, side, via) in [
        (
            "plan",
            TWO_WAY_JOB_ID,
            "source",
            "Database Gateway (dg dg-bp1gateway01)",
        ),
        (
            "switch",
            TWO_WAY_JOB_ID,
            "source",
            "Database Gateway (dg dg-bp1gateway01)",
        ),
        (
            "plan",
            ONE_WAY_JOB_ID,
            "destination",
            "Cloud Enterprise Network (CEN cen-7qthudw0ll6jmc)",
        ),
    ] {
        let mut a = vec![cmd];
        a.extend(args(job, side, &ecs));
        if cmd == "switch" {
            a.push("--yes");
        }
        let out = env.run(&sim, &a);
        assert_eq!(out.code, 2, "{cmd} {job}: {out:?}");
        assert!(out.stderr.contains(via), "{out:?}");
        assert!(out.stderr.contains("cannot switch this one"), "{out:?}");
        assert!(
            out.stderr.contains("LocalInstance, ECS and Express"),
            "{out:?}"
        );
        assert!(out.stderr.contains("nothing was sent"), "{out:?}");
        assert!(!out.all().contains("ApsaraDB"), "{out:?}");
    }
    assert!(sim.requests_of(SWITCH).is_empty());
    // The other database of the same job is switched as usual.
    let out = plan(&env, &sim, &args(TWO_WAY_JOB_ID, "destination", &ecs));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("warning"), "{out:?}");
}

#[test]
fn an_apsaradb_side_is_named_and_warned_about_an_unknown_type_shown_verbatim() {
    let sim = sim();
    edit_job(&sim, ONE_WAY_JOB_ID, |j| {
        j.forward.src.instance_type = "NewCloudThing".into();
    });
    let env = Env::new();
    let out = plan(
        &env,
        &sim,
        &args(
            RDS_JOB_ID,
            "destination",
            &[
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-bp1new00001",
                "--port",
                "3306",
            ],
        ),
    );
    assert_eq!(out.code, 0, "a warning, not a refusal: {out:?}");
    assert!(
        out.stdout
            .contains("! warning: the destination is ApsaraDB RDS (RDS rm-bp1inventory01)"),
        "{out:?}"
    );
    assert!(out.stdout.contains("by itself"), "{out:?}");
    let out = plan(
        &env,
        &sim,
        &args(
            ONE_WAY_JOB_ID,
            "source",
            &[
                "--instance-type",
                "Express",
                "--instance-id",
                "vpc-bp1core0001",
                "--ip",
                "10.20.1.99",
                "--port",
                "5432",
            ],
        ),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("instance type \"NewCloudThing\""),
        "verbatim: {out:?}"
    );
    assert!(!out.stdout.contains("ApsaraDB"), "{out:?}");
    let json = env.run(
        &sim,
        &[
            "--output",
            "json",
            "plan",
            "--job",
            RDS_JOB_ID,
            "--database",
            "destination",
            "--instance-type",
            "ECS",
            "--instance-id",
            "i-bp1new00001",
            "--port",
            "3306",
        ],
    );
    assert_eq!(json.code, 0, "{json:?}");
    assert!(
        json.json()["warnings"][0]
            .as_str()
            .unwrap()
            .contains("ApsaraDB RDS"),
        "{json:?}"
    );
}

#[test]
fn failed_is_the_expected_status_after_a_failover_finished_is_not() {
    let sim = sim();
    let env = Env::new();
    let local = |ip: &'static str| -> Vec<&'static str> {
        vec![
            "--instance-type",
            "LocalInstance",
            "--ip",
            ip,
            "--port",
            "3306",
        ]
    };
    let out = plan(
        &env,
        &sim,
        &args(FAILED_JOB_ID, "source", &local("106.14.2.78")),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("status Failed"), "{out:?}");
    assert!(
        !out.stdout.contains("warning"),
        "Failed is expected: {out:?}"
    );
    for (status, warned) in [
        ("retrying", false),
        ("SYNCHRONIZING", false),
        ("finished", true),
        ("NotStarted", true),
        ("precheckFailed", true),
    ] {
        edit_job(&sim, FAILED_JOB_ID, |j| j.forward.status = status.into());
        let out = plan(
            &env,
            &sim,
            &args(FAILED_JOB_ID, "source", &local("106.14.2.78")),
        );
        assert_eq!(out.code, 0, "{status}: {out:?}");
        assert_eq!(
            out.stdout
                .contains(&format!("! warning: the job's status is {status}:")),
            warned,
            "{status}: {out:?}"
        );
    }
}

#[test]
fn local_instance_on_a_non_public_address_is_a_warning() {
    let sim = sim();
    let env = Env::new();
    for (ip, what) in [
        ("10.1.2.3", "a private address (RFC 1918)"),
        ("127.0.0.1", "a loopback address"),
        ("100.64.1.1", "a carrier-grade NAT address"),
        ("fd00::5", "a unique local address"),
        ("169.254.1.1", "a link-local address"),
        ("0.0.0.0", "the unspecified address"),
        ("255.255.255.255", "the broadcast address"),
    ] {
        let out = plan(
            &env,
            &sim,
            &args(
                ONE_WAY_JOB_ID,
                "destination",
                &[
                    "--instance-type",
                    "LocalInstance",
                    "--ip",
                    ip,
                    "--port",
                    "5432",
                ],
            ),
        );
        assert_eq!(out.code, 0, "warned, not refused: {out:?}");
        assert!(
            out.stdout.contains(&format!("! warning: {ip} is {what}")),
            "{ip}: {out:?}"
        );
    }
    let out = plan(
        &env,
        &sim,
        &args(
            ONE_WAY_JOB_ID,
            "destination",
            &[
                "--instance-type",
                "LocalInstance",
                "--ip",
                "8.136.20.12",
                "--port",
                "5432",
            ],
        ),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("warning"), "{out:?}");
    // Express reaches private addresses: no warning.
    let out = plan(
        &env,
        &sim,
        &args(
            ONE_WAY_JOB_ID,
            "source",
            &[
                "--instance-type",
                "Express",
                "--instance-id",
                "vpc-bp1core0001",
                "--ip",
                "10.20.1.99",
                "--port",
                "5432",
            ],
        ),
    );
    assert!(!out.stdout.contains("warning"), "{out:?}");
}

#[test]
fn a_space_inside_an_id_or_address_is_a_named_error_outer_ones_are_trimmed() {
    let sim = sim();
    let env = Env::new();
    for (a, flag) in [
        (
            args(
                TWO_WAY_JOB_ID,
                "destination",
                &[
                    "--instance-type",
                    "ECS",
                    "--instance-id",
                    "i-bp1 new00001",
                    "--port",
                    "3306",
                ],
            ),
            "--instance-id (Endpoint.InstanceId / EndpointInstanceId): \"i-bp1 new00001\" has a space in it",
        ),
        (
            args(
                ONE_WAY_JOB_ID,
                "destination",
                &[
                    "--instance-type",
                    "LocalInstance",
                    "--ip",
                    "8.136.20 .12",
                    "--port",
                    "5432",
                ],
            ),
            "--ip (Endpoint.IP / EndpointIp): \"8.136.20 .12\" has a space in it",
        ),
        (
            args(
                ONE_WAY_JOB_ID,
                "destination",
                &[
                    "--instance-type",
                    "LocalInstance",
                    "--ip",
                    "8.136.20.12",
                    "--port",
                    "54 32",
                ],
            ),
            "--port (Endpoint.Port / EndpointPort): \"54 32\" has a space in it",
        ),
        (
            args(
                "dtsa1b2c3d4e5f6g01 dtsb8c7d6e5f4g3h02",
                "destination",
                &[
                    "--instance-type",
                    "ECS",
                    "--instance-id",
                    "i-bp1new00001",
                    "--port",
                    "3306",
                ],
            ),
            "--job \"dtsa1b2c3d4e5f6g01 dtsb8c7d6e5f4g3h02\" has a space in it",
        ),
    ] {
        for cmd in ["plan", "switch"] {
            let mut v = vec![cmd];
            v.extend(a.iter().copied());
            v.push("--yes");
            if cmd == "plan" {
                v.pop();
            }
            let out = env.run(&sim, &v);
            assert_eq!(out.code, 2, "{cmd}: {out:?}");
            assert!(out.stderr.contains(flag), "{cmd}: {out:?}");
            assert!(out.stderr.contains("nothing was sent"), "{out:?}");
        }
    }
    assert!(sim.requests().is_empty(), "checked before anything is sent");
    // Every problem at once.
    let out = plan(
        &env,
        &sim,
        &args(
            "dtsa1b2 c3d4e5f6g01",
            "destination",
            &[
                "--instance-type",
                "ECS",
                "--instance-id",
                "i-1 2",
                "--port",
                "3306",
            ],
        ),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("--job \"dtsa1b2 c3d4e5f6g01\" has a space"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains(
            "--instance-id (Endpoint.InstanceId / EndpointInstanceId): \"i-1 2\" has a space"
        ),
        "{out:?}"
    );
    // Blanks around a pasted value are trimmed.
    let out = plan(
        &env,
        &sim,
        &args(
            &format!(" {ONE_WAY_JOB_ID}\t"),
            "destination",
            &[
                "--instance-type",
                "LocalInstance",
                "--ip",
                " 8.136.20.12 ",
                "--port",
                "5432 ",
            ],
        ),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("Endpoint.IP                8.136.20.12\n"),
        "{out:?}"
    );
}

#[test]
fn no_wait_prints_the_real_status_command() {
    let sim = sim();
    let env = Env::new();
    let mut a = vec!["switch", "--yes", "--no-wait"];
    a.extend(args(
        ONE_WAY_JOB_ID,
        "destination",
        &[
            "--instance-type",
            "LocalInstance",
            "--ip",
            "8.136.20.12",
            "--port",
            "5432",
        ],
    ));
    let out = env.run(&sim, &a);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("TASK_ID"), "{out:?}");
    // The printed commands reach the same service (the endpoint is repeated).
    assert!(
        out.stdout.contains(&format!(
            "`dts-switch --endpoint {} status 730001 --watch --region cn-hangzhou`",
            sim.url()
        )),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("resume` follows it and then watches the job"),
        "{out:?}"
    );
    // And resume does: it follows the task and watches the job.
    let out = env.run(&sim, &["resume", "--poll-interval", "50ms"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("HEALTHY"), "{out:?}");
}

#[test]
fn status_of_an_unknown_task_shows_the_services_code_and_message() {
    let sim = sim();
    let env = Env::new();
    let out = env.run(&sim, &["status", "999999"]);
    assert_eq!(out.code, 1, "{out:?}");
    let first = out.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first, "task 999999: InvalidParameter: The Value of Input Parameter TaskId is not valid.",
        "{out:?}"
    );
    assert!(!out.stdout.contains(": ?"), "{out:?}");
    assert!(out.stdout.contains("RequestId"), "{out:?}");
    let out = env.run(&sim, &["--output", "json", "status", "999999"]);
    assert_eq!(out.code, 1, "{out:?}");
    let v = out.json();
    assert_eq!(v[0]["error_code"], "InvalidParameter", "{v}");
    assert_eq!(
        v[0]["error_message"], "The Value of Input Parameter TaskId is not valid.",
        "{v}"
    );
}

#[test]
fn history_shows_each_status_change_in_every_format() {
    let sim = sim();
    let env = Env::new();
    let mut a = vec!["switch", "--yes"];
    a.extend(args(
        FAILING_JOB_ID,
        "source",
        &[
            "--instance-type",
            "LocalInstance",
            "--ip",
            "39.100.7.99",
            "--port",
            "5432",
        ],
    ));
    a.extend_from_slice(FAST);
    let out = env.run(&sim, &a);
    assert_eq!(out.code, 1, "the demo job's task fails: {out:?}");
    let text = env.run(&sim, &["history"]).stdout;
    assert!(
        text.contains("statuses: NotStarted ") && text.contains("→ Failed "),
        "{text}"
    );
    let md = env.run(&sim, &["history", "--output", "markdown"]).stdout;
    assert!(md.contains("Call 1 statuses: NotStarted "), "{md}");
    assert!(md.contains("→ Failed "), "{md}");
    let v = env.run(&sim, &["history", "--output", "json"]).json();
    let statuses: Vec<&str> = v[0]["calls"][0]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.first(), Some(&"NotStarted"), "{v}");
    assert_eq!(statuses.last(), Some(&"Failed"), "{v}");
}

#[test]
fn the_jobs_table_never_cuts_a_job_id() {
    let sim = sim();
    let long = "dtsq9w8e7r6t5y4u3i2o1p0asd";
    edit_job(&sim, ONE_WAY_JOB_ID, |j| j.id = long.into());
    let env = Env::new();
    for cols in ["80", "200"] {
        let out = Out::from(
            env.command_at(&sim.url())
                .env("COLUMNS", cols)
                .arg("jobs")
                .output()
                .unwrap(),
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains(&format!("{long} ")), "{cols}: {out:?}");
        assert!(
            out.stdout.contains(&format!("{TWO_WAY_JOB_ID} ")),
            "{out:?}"
        );
    }
}

/// A log file that cannot be written (disk full) is said once after the run, in words of
/// our own, never the logging library's complaint per event.
#[cfg(target_os = "linux")]
#[test]
fn a_log_file_that_cannot_be_written_is_said_once() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let sim = Simulator::start_background(Default::default());
    let env = Env::new();
    std::fs::create_dir_all(env.data()).unwrap();
    std::os::unix::fs::symlink("/dev/full", env.data().join("dts-switch.log")).unwrap();
    let out = Out::from(
        env.command_at(&sim.url())
            .env("DTS_SWITCH_LOG", "dts_switch=debug")
            .args(["jobs"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr
            .matches("warning: the log file could not be written (No space left on device")
            .count(),
        1,
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Unable to write"), "{}", out.stderr);
}
