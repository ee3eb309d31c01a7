//! `dts-switch apply RUNBOOK.toml` end to end: the real binary against the simulator's
//! twelve jobs behind one database. A file with errors reports every one of them, with
//! its line, and sends nothing; the example runbook runs as one batch; the failback
//! runbook it writes shows the way back.

mod common;
use common::*;
use dts_switch::sim::data_fleet::*;
use dts_switch::sim::{Faults, SimConfig, Simulator};
use std::collections::BTreeMap;
use std::time::Duration;

fn fleet_sim() -> Simulator {
    Simulator::start_background(SimConfig {
        fleet: true,
        step: Duration::from_millis(150),
        faults: Faults::default(),
        ..SimConfig::default()
    })
}

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/runbook.example.toml"
    ))
    .unwrap()
}

/// Text with its line breaks and runs of spaces as single spaces (wrapped lines).
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const FAST: &[&str] = &["--poll-interval", "100ms", "--verify-timeout", "20s"];

fn apply(env: &Env, sim: &Simulator, file: &std::path::Path, extra: &[&str]) -> Out {
    let mut args = vec!["apply", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    env.run(sim, &args)
}

#[test]
fn a_runbook_with_several_errors_reports_all_of_them_with_lines_and_sends_nothing() {
    let sim = fleet_sim();
    let env = Env::new();
    let file = env.dir.path().join("bad.toml");
    // Line numbers matter: each error below names its own.
    let text = [
        "title = \"bad\"",                   // 1
        "parallel = 99",                     // 2
        "",                                  // 3
        "[[step]]",                          // 4
        "job = \"dtsfa01hz0000leg01\"",      // 5
        "database = \"source\"",             // 6
        "instance_type = \"LocalInstance\"", // 7
        "ip = \"10.20.30.41\"",              // 8
        "port = 99999",                      // 9
        "",                                  // 10
        "[[step]]",                          // 11
        "job = \"dtsfa02hz0000leg02\"",      // 12
        "instance_type = \"LocalInstance\"", // 13
        "ip = \"10.20.30.41\"",              // 14
        "prot = 3306",                       // 15
        "password = \"hunter2\"",            // 16
        "",                                  // 17
        "[[step]]",                          // 18
        "from_ip = \"10.20.30.400\"",        // 19
        "regions = [\"cn hangzhou\"]",       // 20
        "instance_type = \"Floppy\"",        // 21
    ]
    .join("\n");
    write_file(&file, &text);
    let out = apply(&env, &sim, &file, &["--yes"]);
    assert_eq!(out.code, 2, "{out:?}");
    let f = file.display().to_string();
    for (line, what) in [
        (2, "parallel: 99 is out of range 1-32"),
        (9, "port: "),
        (9, "65535"),
        (11, "database: is required"),
        (15, "unknown field `prot`"),
        (15, "did you mean `port`?"),
        (16, "password: never in a file"),
        (19, "from_ip: "),
        (
            20,
            "regions: \"cn hangzhou\" is not a DTS region; did you mean cn-hangzhou?",
        ),
        (21, "instance_type: "),
    ] {
        let want = format!("{f}:{line}: ");
        assert!(
            out.stderr
                .lines()
                .any(|l| l.contains(&want) && l.contains(what)),
            "no error {what:?} at line {line}:\n{out:?}"
        );
    }
    assert!(out.stderr.contains("nothing was sent"), "{out:?}");
    assert!(!out.all().contains("hunter2"), "the password was echoed");
    // Not one request: the file is checked before anything is asked of the service.
    assert!(sim.requests().is_empty(), "{:#?}", sim.requests());

    // A file that is not TOML at all: its syntax error, with the line.
    write_file(&file, "[[step]]\njob = \"x\"\ndatabase = source\n");
    let out = apply(&env, &sim, &file, &["--yes"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(&format!("{f}:3: not valid TOML")),
        "{out:?}"
    );
    // A file that does not exist.
    let out = apply(&env, &sim, &env.dir.path().join("nope.toml"), &["--yes"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot read the runbook"), "{out:?}");
    assert!(sim.requests().is_empty());
}

#[test]
fn steps_the_service_contradicts_are_errors_of_the_file_and_nothing_is_sent() {
    let sim = fleet_sim();
    let env = Env::new();
    let file = env.dir.path().join("stale.toml");
    let step = |body: &str| {
        format!("[[step]]\n{body}\ninstance_type = \"LocalInstance\"\nip = \"10.20.30.41\"\nport = 3306\n")
    };
    let text = [
        "region = \"cn-hangzhou\"\n".to_string(),
        // line 2: a job that does not exist
        step("job = \"dtsfa01hz0000leg0X\"\ndatabase = \"source\""),
        // line 8: a query that finds nothing
        step("from_ip = \"10.99.99.99\"\nregions = [\"cn-hangzhou\", \"cn-shanghai\"]"),
        // line 14: the job does not use the endpoint the file names on that side
        step("job = \"dtsfa03hz0000leg03\"\ndatabase = \"source\"\nfrom_ip = \"10.20.30.40\""),
        // line 21, 27: the same job twice, by its instance id and its DtsJobId
        step("job = \"dtsfm05hz00000m05\"\ndatabase = \"source\""),
        step("job = \"FM05HZ00000M05\"\ndatabase = \"source\""),
        // line 33: a topology the job does not have
        step("job = \"dtsfa01hz0000leg01\"\ndatabase = \"source\"\nexpect_topology = \"two-way\""),
        // line 40: the Reverse direction of a one-way job
        step("job = \"dtsfa04hz0000leg04\"\ndatabase = \"source\"\ndirection = \"reverse\""),
    ]
    .concat();
    write_file(&file, &text);
    let out = apply(&env, &sim, &file, &["--yes"]);
    assert_eq!(out.code, 2, "{out:?}");
    let f = file.display().to_string();
    for (line, what) in [
        (
            3,
            "no synchronization job dtsfa01hz0000leg0X in cn-hangzhou",
        ),
        (3, "close: dtsfa01hz0000leg01"),
        (9, "no job uses 10.99.99.99 in cn-hangzhou, cn-shanghai"),
        (17, "does not use 10.20.30.40 on its source"),
        (28, "also in the step at line 21"),
        (
            36,
            "expect_topology: two-way, but the service shows job dtsfa01hz0000leg01 as one-way",
        ),
        (
            43,
            "direction: reverse, but job dtsfa04hz0000leg04 is one-way",
        ),
    ] {
        let want = format!("{f}:{line}: ");
        assert!(
            out.stderr
                .lines()
                .any(|l| l.contains(&want) && l.contains(what)),
            "no error {what:?} at line {line}:\n{out:?}"
        );
    }
    // Listings were read; nothing else: no dry run, no write.
    assert!(sim.requests_of("ModifyDtsJobEndpoint").is_empty());
    assert!(sim.requests_of(SWITCH).is_empty());
}

#[test]
fn the_example_runbook_runs_as_one_batch_and_writes_the_way_back() {
    let sim = fleet_sim();
    let env = Env::new();
    let file = env.dir.path().join("failover.toml");
    write_file(&file, &example());

    // --dry-run: the combined preview with the dry runs; nothing written. (On a
    // simulator of its own: its reads trigger the change someone else makes.)
    let dry_sim = fleet_sim();
    let mut args = vec!["--dry-run"];
    args.extend_from_slice(FAST);
    let dry = apply(&env, &dry_sim, &file, &args);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        flat(&dry.stdout).contains("10 jobs in 2 regions, 13 calls: 3 two-way"),
        "{dry:?}"
    );
    assert!(dry.stdout.contains("dry run: PASSED"), "{dry:?}");
    assert!(dry_sim.executed_writes().is_empty());
    // Without --yes and without a terminal: refused.
    let out = apply(&env, &sim, &file, FAST);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(sim.executed_writes().is_empty());

    let mut args = vec!["--yes", "--output", "json"];
    args.extend_from_slice(FAST);
    let out = apply(&env, &sim, &file, &args);
    // The job someone else changed after it was listed is not sent: exit 1.
    assert_eq!(out.code, 1, "{out:?}");
    let v = out.json();
    let results: BTreeMap<String, String> = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["job_id"].as_str().unwrap().to_string(),
                j["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(results.len(), 10, "{out:?}");
    assert_eq!(results[FLEET_DRIFT_JOB], "not-sent");
    for (job, r) in &results {
        if job != FLEET_DRIFT_JOB {
            assert_eq!(r, "healthy", "{job}: {out:?}");
        }
    }
    // Each (job, direction) written once; the jobs the file left out, never.
    let writes = sim.executed_writes();
    assert_eq!(writes.len(), 12, "{writes:#?}");
    let mut seen = std::collections::BTreeSet::new();
    for w in &writes {
        let job = w
            .params
            .get("SynchronizationJobId")
            .cloned()
            .or_else(|| w.params.get("DtsJobId").map(|d| format!("dts{d}")))
            .unwrap();
        let dir = w
            .params
            .get("SynchronizationDirection")
            .cloned()
            .unwrap_or_default();
        assert!(seen.insert((job.clone(), dir)), "{job} written twice");
        assert!(
            job != FLEET_FAILING_TASK && job != FLEET_DROPPED_ANSWER,
            "{job} is not in the file"
        );
    }
    assert_eq!(v["runbook"], file.display().to_string());

    // The way back: written beside the journal, named by the summary and history.
    let back = v["failback_runbook"].as_str().expect("a failback runbook");
    let back_text = std::fs::read_to_string(back).unwrap();
    assert!(
        back_text.contains("from_ip = \"10.20.30.41\""),
        "{back_text}"
    );
    assert!(!back_text.contains(FLEET_DRIFT_JOB), "{back_text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(back).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the failback runbook is readable by others"
        );
    }
    let batch = v["batch_id"].as_str().unwrap();
    let h = env.run(
        &sim,
        &["history", "--batch", &batch[..8], "--output", "json"],
    );
    assert_eq!(h.json()["failback_runbook"], back, "{h:?}");
    let h = env.run(&sim, &["history", "--batch", &batch[..8]]);
    assert!(
        h.stdout.contains("The way back (failback runbook)"),
        "{h:?}"
    );

    // The failback runbook checks against the service as it is now, and its dry run
    // shows every job going back to the old endpoint; nothing is written.
    let mut args = vec!["--dry-run"];
    args.extend_from_slice(FAST);
    let back_out = apply(&env, &sim, std::path::Path::new(back), &args);
    assert_eq!(back_out.code, 0, "{back_out:?}\n{back_text}");
    assert!(
        flat(&back_out.stdout).contains("9 jobs in 2 regions, 12 calls: 3 two-way"),
        "{back_out:?}"
    );
    assert!(
        back_out
            .stdout
            .contains(&format!("→ LocalInstance {FLEET_DB_IP}:3306")),
        "{back_out:?}"
    );
    assert_eq!(sim.executed_writes().len(), 12, "a dry run wrote");

    // The same file again: every job now shows the new endpoint, so the find step
    // finds nothing and the job steps' from_ip no longer holds: errors, nothing sent.
    let mut args = vec!["--yes"];
    args.extend_from_slice(FAST);
    let again = apply(&env, &sim, &file, &args);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(
        again.stderr.contains("does not use 10.20.30.40"),
        "{again:?}"
    );
    assert_eq!(sim.executed_writes().len(), 12, "a second apply wrote");
}

#[test]
fn the_readme_runbook_and_the_example_parse() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```toml\n")
        .expect("a toml block in the README")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let book = dts_switch::domain::runbook::parse(&readme[start..end], None)
        .unwrap_or_else(|e| panic!("README runbook: {e:?}"));
    assert_eq!(book.steps.len(), 2);
    let book = dts_switch::domain::runbook::parse(&example(), None).unwrap();
    assert_eq!(book.step_counts(), (5, 1));
    assert_eq!(book.parallel, Some(4));
}

#[test]
fn a_single_switch_writes_its_way_back_too() {
    let sim = sim();
    let env = Env::new();
    let mut args = two_way_args("switch");
    args.extend(
        [
            "--yes",
            "--output",
            "json",
            "--poll-interval",
            "100ms",
            "--verify-timeout",
            "20s",
        ]
        .map(String::from),
    );
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    let back = v["failback_runbook"].as_str().expect("a failback runbook");
    let text = std::fs::read_to_string(back).unwrap();
    // Back to what the job had, expecting the new instance; both directions.
    assert!(
        text.contains("from_instance_id = \"i-bp1newdest0001\""),
        "{text}"
    );
    assert!(text.contains("expect_topology = \"two-way\""), "{text}");
    assert!(!text.contains("direction = "), "{text}");
    let writes = sim.executed_writes().len();
    let dry = env.run(&sim, &["apply", back, "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}\n{text}");
    assert!(
        dry.stdout.contains("1 job in 1 region, 2 calls: 1 two-way"),
        "{dry:?}"
    );
    assert_eq!(sim.executed_writes().len(), writes);
}
