//! Shell completions, man pages and --version, from the real binary.

mod common;

use common::*;

const SUBCOMMANDS: &[&str] = &[
    "jobs", "plan", "switch", "status", "resume", "history", "simulate",
];

fn run(args: &[&str]) -> Out {
    Out::from(Env::new().command().args(args).output().unwrap())
}

#[test]
fn completions_for_bash_zsh_and_fish_know_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {out:?}");
        assert!(out.stdout.contains("dts-switch"), "{shell}");
        for sub in SUBCOMMANDS {
            assert!(out.stdout.contains(sub), "{shell} lacks {sub}");
        }
        assert!(out.stdout.contains("instance-type"), "{shell}: flags too");
    }
    assert!(run(&["completions", "bash"]).stdout.contains("complete -F"));
    assert!(run(&["completions", "zsh"])
        .stdout
        .starts_with("#compdef dts-switch"));
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn man_page_lists_the_subcommands() {
    let out = run(&["man"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(".TH dts-switch 1"), "{out:?}");
    assert!(out.stdout.contains(".SH SUBCOMMANDS"));
    for sub in SUBCOMMANDS {
        assert!(
            out.stdout.contains(&format!("dts\\-switch\\-{sub}(1)")),
            "{sub}"
        );
    }
    let env = Env::new();
    let dir = env.dir.path().join("man1");
    let out = Out::from(
        env.command()
            .args(["man", "--dir"])
            .arg(&dir)
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    for sub in SUBCOMMANDS {
        let page = std::fs::read_to_string(dir.join(format!("dts-switch-{sub}.1"))).unwrap();
        assert!(page.contains(".TH dts-switch-"), "{sub}");
    }
    assert!(dir.join("dts-switch.1").exists());
}

#[test]
fn version_names_the_commit_and_build_date() {
    let out = run(&["--version"]);
    assert_eq!(out.code, 0, "{out:?}");
    let line = out.stdout.trim();
    assert!(
        line.starts_with(&format!(
            "dts-switch {} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{line}"
    );
    let commit = line
        .split("(commit ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{line}"
    );
    let date = line.split("built ").nth(1).unwrap().trim_end_matches(')');
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{line}"
    );
}

#[test]
fn static_build_script_is_valid_and_refuses_non_musl_targets() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/build-static.sh");
    let syntax = std::process::Command::new("bash")
        .args(["-n", script])
        .status()
        .unwrap();
    assert!(syntax.success());
    // The full build takes minutes; README "Install" says how it was measured.
    let out = Out::from(
        std::process::Command::new("bash")
            .args([script, "x86_64-unknown-linux-gnu"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("musl"), "{out:?}");
}

/// Every subcommand's `--help` ends with real examples: at least two lines that begin
/// `dts-switch <subcommand>` (one for `status`'s two forms counts as two).
#[test]
fn every_subcommand_help_has_examples() {
    for sub in [
        "jobs", "plan", "switch", "status", "resume", "history", "simulate",
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dts-switch"))
            .args([sub, "--help"])
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let n = text
            .lines()
            .filter(|l| l.trim_start().starts_with(&format!("dts-switch {sub}")))
            .count();
        assert!(n >= 2, "{sub} --help has {n} example(s):\n{text}");
        // clap does not wrap the usage line; everything else fits 80 columns.
        assert!(
            text.lines()
                .filter(|l| !l.starts_with("Usage:"))
                .all(|l| l.chars().count() <= 80),
            "{sub}: {text}"
        );
    }
}
