//! Issue 8, "Fail closed", at the edges: answers to a switch that do not prove it was
//! refused are unknown (exit 3, journalled, never resent); answer bodies are bounded;
//! service text cannot talk to the terminal; secrets stay out of output at the edges;
//! exit codes of bad task ids and a missing STS token.

mod common;
use common::*;
use dts_switch::sim::data::{FAILING_JOB_ID, ONE_WAY_JOB_ID};
use dts_switch::sim::{
    Faults, Quirks, SimConfig, Simulator, TaskIdShape, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
};
use std::time::Duration;

const MIB: usize = 1 << 20;

fn one_way_switch() -> Vec<&'static str> {
    vec![
        "switch",
        "--job",
        ONE_WAY_JOB_ID,
        "--database",
        "destination",
        "--instance-type",
        "LocalInstance",
        "--ip",
        "8.136.20.77",
        "--port",
        "5432",
        "--yes",
        "--poll-interval",
        "50ms",
    ]
}

fn failing_job_switch(cmd: &str) -> Vec<&str> {
    let mut v = vec![
        cmd,
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
    ];
    if cmd == "switch" {
        v.extend(["--yes", "--poll-interval", "50ms"]);
    }
    v
}

fn fast_sim(faults: Faults) -> Simulator {
    sim_with(12, faults)
}

/// Problem 1: a switch that was executed but answered with something that does not prove a
/// refusal is an unknown outcome: exit 3, journalled as unknown, sent exactly once, and
/// neither the output nor `resume` resends it.
#[test]
fn executed_switch_with_an_unusable_answer_is_unknown_journalled_and_never_resent() {
    let shape = |s| Faults {
        switch_without_task_id: Some(s),
        ..Faults::default()
    };
    let error_200 = |code: &str| Faults {
        switch_error_after_execute: Some(code.into()),
        ..Faults::default()
    };
    let page = |status| Faults {
        switch_html_page: Some(status),
        ..Faults::default()
    };
    let cases: Vec<(&str, Faults, &str)> = vec![
        (
            "Success without TaskId",
            shape(TaskIdShape::Absent),
            "no TaskId field",
        ),
        ("TaskId null", shape(TaskIdShape::Null), "TaskId is null"),
        ("TaskId empty", shape(TaskIdShape::Empty), "TaskId is empty"),
        (
            "TaskId {}",
            shape(TaskIdShape::Object),
            "TaskId is an object",
        ),
        ("TaskId []", shape(TaskIdShape::Array), "TaskId is a list"),
        (
            "InternalError in a 200 body",
            error_200("InternalError"),
            "InternalError",
        ),
        (
            "ServiceUnavailable in a 200 body",
            error_200("ServiceUnavailable"),
            "ServiceUnavailable",
        ),
        ("a proxy's HTML 404", page(404), "HTTP 404"),
        ("a proxy's HTML 403", page(403), "HTTP 403"),
        ("a proxy's HTML 429", page(429), "HTTP 429"),
        (
            "an answer over 16 MiB",
            Faults {
                pad_answer: 17 * MIB,
                only_action: Some(SWITCH.into()),
                ..Faults::default()
            },
            "16 MiB",
        ),
    ];
    for (name, faults, needle) in cases {
        let sim = fast_sim(faults);
        let env = Env::new();
        let out = env.run(&sim, &one_way_switch());
        assert_eq!(out.code, 3, "{name}: {out:?}");
        let sent = sim.requests_of(SWITCH);
        assert_eq!(sent.len(), 1, "{name}: sent exactly once: {sent:?}");
        assert!(
            sent[0].outcome.starts_with("executed"),
            "{name}: the simulator executed it: {sent:?}"
        );
        assert!(out.stdout.contains("OUTCOME UNKNOWN"), "{name}: {out:?}");
        assert!(!out.stdout.contains("REFUSED"), "{name}: {out:?}");
        assert!(!out.stdout.contains("was refused"), "{name}: {out:?}");
        assert!(
            out.stdout.contains("Do not resend blindly"),
            "{name}: says to check first: {out:?}"
        );
        assert!(
            out.stdout.contains(needle),
            "{name}: names {needle:?}: {out:?}"
        );
        let h = env.run(&sim, &["history", "--output", "json"]).json();
        assert_eq!(h[0]["calls"][0]["outcome"], "unknown", "{name}: {h}");
        assert_eq!(h[0]["pending"], true, "{name}: {h}");

        // A new switch waits for a check while the outcome is unknown.
        let again = env.run(&sim, &one_way_switch());
        assert_eq!(
            again.code, 2,
            "{name}: a new switch waits for a check: {again:?}"
        );
        // resume decides from evidence only: the simulator executed the switch, so once
        // its task has run (3 steps of 150 ms) the destination shows the new endpoint;
        // it is journalled as done, never resent.
        std::thread::sleep(std::time::Duration::from_millis(700));
        let out = env.run(&sim, &["resume", "--yes", "--poll-interval", "50ms"]);
        assert_eq!(out.code, 0, "{name}: {out:?}");
        assert!(
            out.stdout.contains("the change took effect"),
            "{name}: {out:?}"
        );
        assert_eq!(sim.requests_of(SWITCH).len(), 1, "{name}: still once");
    }
}

#[test]
fn two_way_switch_stops_after_an_unusable_first_answer() {
    let sim = fast_sim(Faults {
        switch_without_task_id: Some(TaskIdShape::Null),
        ..Faults::default()
    });
    let env = Env::new();
    let mut args = two_way_args("switch");
    args.extend(["--yes", "--poll-interval", "50ms"].map(String::from));
    let out = env.run(&sim, &strs(&args));
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(
        sim.requests_of(SWITCH).len(),
        1,
        "the second call is held back"
    );
    assert!(out.stdout.contains("NOT SENT"), "{out:?}");
}

/// Problem 5b: an answer body is never read past 16 MiB; reading a listing stops there
/// with an error naming the limit (and is not retried).
#[test]
fn oversized_listing_answer_is_an_error_naming_the_limit() {
    let sim = fast_sim(Faults {
        pad_answer: 17 * MIB,
        only_action: Some(LIST.into()),
        ..Faults::default()
    });
    let env = Env::new();
    let out = env.run(&sim, &["jobs"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("larger than 16 MiB"), "{out:?}");
    assert_eq!(
        sim.requests_of(LIST).len(),
        1,
        "not retried: {:?}",
        sim.requests_of(LIST)
    );
}

/// True when `s` holds a character that a terminal would act on (our own line feeds aside).
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c < ' ' && c != '\n')
                || c == '\x7f'
                || ('\u{80}'..='\u{9f}').contains(&c)
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
        .collect()
}

/// Problem 6: a job name that retitles the terminal, writes the clipboard (OSC 52), erases
/// a FAILED line and prints a forged FINISHED, with CR/LF forged lines and a bidi override,
/// is printed visibly escaped by every command that shows it.
#[test]
fn service_text_cannot_drive_the_terminal() {
    let sim = sim();
    {
        let mut st = sim.state.lock().unwrap();
        let j = st.jobs.iter_mut().find(|j| j.id == FAILING_JOB_ID).unwrap();
        j.name = "billing\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIH4K\x07\rforged-line\n\u{202e}gpj.exe\u{9b}2K".into();
        j.forward.status = "Synchronizing\x1b[2K".into();
        j.forward.error_message = "err\r\x1b[32mall good\x1b[0m".into();
        j.forward.dst.ip = "10.30.0.9\x1b[8m".into();
        j.switch_failure = Some(
            "DTS-31009: refused\r\x1b[2K\x1b[32mcall 1/1 Forward/Source: FINISHED\x1b[0m\nNext step: nothing to do".into(),
        );
    }
    let env = Env::new();
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("jobs", vec!["jobs"]),
        ("jobs wide", vec!["jobs", "--filter", "billing"]),
        ("job detail", vec!["jobs", "--job", FAILING_JOB_ID]),
        ("plan", failing_job_switch("plan")),
        ("switch", failing_job_switch("switch")),
        ("status", vec!["status", "730001"]),
        (
            "status --watch",
            vec!["status", "730001", "--watch", "--poll-interval", "50ms"],
        ),
        ("history", vec!["history"]),
        ("history markdown", vec!["history", "--output", "markdown"]),
        ("did you mean", vec!["jobs", "--job", "dtsd7h2k9m4n1p8q0"]),
    ];
    for (name, args) in runs {
        let mut c = env.command_at(&sim.url());
        if name == "jobs wide" {
            c.env("COLUMNS", "200");
        } else {
            c.env("COLUMNS", "80");
        }
        let out = Out::from(c.args(&args).output().unwrap());
        let all = out.all();
        assert!(
            raw_controls(&all).is_empty(),
            "{name}: {:?} in {out:?}",
            raw_controls(&all)
        );
        for forged in [
            "forged-line",
            "Next step: nothing to do",
            "call 1/1 Forward/Source: FINISHED",
        ] {
            assert!(
                !all.lines().any(|l| l.trim_start().starts_with(forged)),
                "{name}: a forged line {forged:?}: {out:?}"
            );
        }
        if name != "status" && name != "status --watch" {
            assert!(
                all.contains("billing\\x1b]0;pwn"),
                "{name}: shown escaped: {out:?}"
            );
        }
        if name == "switch" {
            assert_eq!(out.code, 1, "{out:?}");
            assert!(out.stdout.contains("FAILED"), "{out:?}");
            assert!(out.stdout.contains("refused\\r\\x1b[2K"), "{out:?}");
        }
    }
}

/// Problem 7: a token echoed back (in the string-to-sign of SignatureDoesNotMatch) with
/// lowercase or uppercase escapes, twice encoded, is redacted; the AccessKeyId is masked.
#[test]
fn echoed_string_to_sign_shows_neither_the_token_nor_the_access_key_id() {
    let token = "CAIS+tok/en=*~value";
    for lowercase in [true, false] {
        let sim = Simulator::start_background(SimConfig {
            step: Duration::from_millis(100),
            security_token: Some(token.into()),
            quirks: Quirks {
                lowercase_escapes: lowercase,
                ..Quirks::default()
            },
            ..SimConfig::default()
        });
        let env = Env::new();
        let run = |args: &[&str]| {
            Out::from(
                env.command()
                    .env("DTS_SWITCH_ENDPOINT", sim.url())
                    .env("DTS_SWITCH_LOG", "debug")
                    .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
                    .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
                    .env("ALIBABA_CLOUD_SECURITY_TOKEN", token)
                    .args(args)
                    .output()
                    .unwrap(),
            )
        };
        let outs = [run(&["jobs"]), run(&failing_job_switch("switch"))];
        let mut hay = outs.iter().map(|o| o.all()).collect::<String>();
        hay.push_str(&env.log());
        for o in &outs {
            assert_eq!(o.code, 2, "lowercase={lowercase}: {o:?}");
            assert!(o.stderr.contains("SignatureDoesNotMatch"), "{o:?}");
            assert!(
                o.stderr.contains("string to sign"),
                "the echo is shown: {o:?}"
            );
            assert!(o.stderr.contains("LTAI****0001"), "masked id: {o:?}");
        }
        let enc = |s: &str| dts_switch::api::sign::percent_encode(s);
        let lower = hay.to_ascii_lowercase();
        for form in [token.to_string(), enc(token), enc(&enc(token))] {
            assert!(
                !lower.contains(&form.to_ascii_lowercase()),
                "lowercase={lowercase}: token form {form:?} leaked:\n{hay}"
            );
        }
        assert!(
            !hay.contains(DEMO_ACCESS_KEY_ID),
            "lowercase={lowercase}: the AccessKeyId is shown unmasked:\n{hay}"
        );
        assert!(sim.requests_of(SWITCH).is_empty());
    }
}

/// Problem 7: `--endpoint` / DTS_SWITCH_ENDPOINT with user:password@ is refused (exit 2),
/// nothing is sent, and the password is neither printed, logged nor journalled.
#[test]
fn endpoint_with_userinfo_is_refused_without_echoing_the_password() {
    let sim = sim();
    let env = Env::new();
    let with_pw = sim.url().replace("http://", "http://ops:hunter2pw@");
    let flag = Out::from(
        env.command_at(&sim.url())
            .args(["jobs", "--endpoint", &with_pw])
            .output()
            .unwrap(),
    );
    let var = Out::from(
        env.command_at(&with_pw)
            .args(one_way_switch())
            .output()
            .unwrap(),
    );
    for out in [&flag, &var] {
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("user name or password"), "{out:?}");
        assert!(
            out.stderr.contains(&sim.url()),
            "shows the URL without them: {out:?}"
        );
        assert!(!out.all().contains("hunter2pw"), "{out:?}");
    }
    assert!(!env.log().contains("hunter2pw"));
    let journal = std::fs::read_to_string(env.data().join("journal.jsonl")).unwrap_or_default();
    assert!(!journal.contains("hunter2pw"), "{journal}");
    assert!(sim.requests().is_empty(), "nothing was sent");
}

/// Problem 7: the log and the journal are readable by their owner only.
#[cfg(unix)]
#[test]
fn log_and_journal_files_are_created_0600() {
    use std::os::unix::fs::PermissionsExt;
    let sim = sim();
    let env = Env::new();
    let out = env.run(&sim, &one_way_switch());
    assert_eq!(out.code, 0, "{out:?}");
    for f in ["dts-switch.log", "journal.jsonl"] {
        let mode = std::fs::metadata(env.data().join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{f}: {mode:o}");
    }
}

/// Problem 8: task ids are checked locally: an empty or implausible one exits 2 and no
/// request at all reaches the service.
#[test]
fn status_with_a_bad_task_id_exits_2_and_sends_nothing() {
    let sim = sim();
    let env = Env::new();
    let long = "7".repeat(65);
    for bad in [
        "",
        " ",
        "730 001",
        "730001\n",
        "1\x1b[2K",
        "12;34",
        long.as_str(),
    ] {
        let out = env.run(&sim, &["status", bad]);
        assert_eq!(out.code, 2, "{bad:?}: {out:?}");
        assert!(out.stderr.contains("nothing was sent"), "{bad:?}: {out:?}");
        assert!(raw_controls(&out.all()).is_empty(), "{bad:?}: {out:?}");
        let out = env.run(&sim, &["status", "730001", bad]);
        assert_eq!(out.code, 2, "{bad:?} after a good one: {out:?}");
    }
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
}

/// Problem 8: an STS AccessKey without its token (MissingSecurityToken) is a credentials
/// problem: exit 2, with the next step, and no switch sent.
#[test]
fn missing_security_token_is_bad_credentials_exit_2() {
    let sim = Simulator::start_background(SimConfig {
        security_token: Some("CAIS-sim-token".into()),
        ..SimConfig::default()
    });
    let env = Env::new();
    for args in [vec!["jobs"], one_way_switch()] {
        let out = env.run(&sim, &args);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("MissingSecurityToken"), "{out:?}");
        assert!(
            out.stderr.contains("ALIBABA_CLOUD_SECURITY_TOKEN"),
            "{out:?}"
        );
    }
    assert!(sim.requests_of(SWITCH).is_empty());
}

/// The answer-mangling faults are `dts-switch simulate` flags too; each executes the
/// switch (its task exists afterwards) and the switch's outcome is unknown.
#[test]
fn simulate_flags_for_unusable_switch_answers() {
    use std::io::{BufRead, BufReader};
    for flags in [
        vec!["--switch-without-task-id"],
        vec!["--switch-without-task-id", "array"],
        vec!["--switch-error-after-execute"],
        vec!["--switch-html-page", "403"],
    ] {
        let env = Env::new();
        let mut child = env
            .command()
            .args(["simulate", "--listen", "127.0.0.1:0", "--step", "50ms"])
            .args(&flags)
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
                .args(one_way_switch())
                .output()
                .unwrap(),
        );
        let status = Out::from(
            env.command_at(&url)
                .args(["status", "730001", "--output", "json"])
                .output()
                .unwrap(),
        );
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(out.code, 3, "{flags:?}: {out:?}");
        let st = status.json();
        assert!(
            st[0]["status"].is_string(),
            "{flags:?}: the task exists: {status:?}"
        );
    }
}

#[test]
fn demo_credentials_still_work_at_every_edge() {
    // The fixes refuse nothing an ordinary run needs.
    let sim = sim();
    let env = Env::new();
    let out = env.run(&sim, &one_way_switch());
    assert_eq!(out.code, 0, "{out:?}");
    let task = sim.requests_of(SWITCH).len();
    assert_eq!(task, 1);
    let out = env.run(&sim, &["status", "730001"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.all().contains(DEMO_ACCESS_KEY_SECRET));
}
