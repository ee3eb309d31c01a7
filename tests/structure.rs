//! Rules of the code's structure that a refactor could silently break.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let mut v = vec![];
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut v);
    v
}

/// Files (outside the api layer, which defines them) that contain `needle`.
fn callers(needle: &str) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(p, text)| {
            !p.contains("/src/api/") && !p.contains("/src/sim/") && text.contains(needle)
        })
        .map(|(p, _)| p)
        .collect()
}

/// Every write (SwitchSynchronizationEndpoint, ModifyDtsJobEndpoint) leaves from its
/// family's file, and those are reached only through the guard.
#[test]
fn only_the_guard_sends_a_write() {
    // The client's write operations are called only by the api's port.
    for needle in [
        ".switch_synchronization_endpoint(",
        ".modify_dts_job_endpoint(",
        ".modify_dts_job_endpoint_dry_run(",
    ] {
        assert_eq!(callers(needle), Vec::<String>::new(), "{needle}");
    }
    for (needle, file) in [
        (".legacy_switch(", "domain/family/legacy.rs"),
        (".maintained_modify(", "domain/family/maintained.rs"),
        ("send_write(", "domain/guard.rs"),
        ("maintained::dry_run(", "domain/guard.rs"),
    ] {
        let mut c = callers(needle);
        // The dispatcher that defines send_write names it too.
        c.retain(|p| !(needle == "send_write(" && p.ends_with("domain/family/mod.rs")));
        // The port's shared handle passes every operation on.
        c.retain(|p| !p.ends_with("domain/service.rs"));
        assert_eq!(c.len(), 1, "{needle}: {c:?}");
        assert!(c[0].ends_with(file), "{needle}: {c:?}");
    }
    // And the family files are not reached by any screen or command directly.
    for (p, text) in sources() {
        if p.contains("/src/cli/") || p.contains("/src/tui/") {
            assert!(!text.contains("send_write"), "{p}");
            assert!(!text.contains("maintained::send("), "{p}");
            assert!(!text.contains("legacy::send("), "{p}");
        }
    }
}

/// The domain speaks its own vocabulary: `api` implements its port
/// (`domain::service::Dts`) and converts the wire there; the domain never imports it.
#[test]
fn the_domain_does_not_import_the_api() {
    for (p, text) in sources() {
        if p.contains("/src/domain/") {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                assert!(!code.contains("crate::api"), "{p}:{}: {line}", n + 1);
            }
        }
    }
}

#[test]
fn the_tui_does_not_reach_the_cli() {
    for (p, text) in sources() {
        if p.contains("/src/tui/") || p.contains("/src/domain/") || p.contains("/src/api/") {
            assert!(!text.contains("crate::cli"), "{p} imports the CLI");
        }
    }
}

/// Instance-type knowledge lives in `src/domain/rules.rs` only: no other non-test source
/// (the simulator's data aside) spells a listed instance type as a string literal.
#[test]
fn instance_type_names_live_in_rules_only() {
    let names = [
        "LocalInstance",
        "ECS",
        "Express",
        "RDS",
        "PolarDB",
        "Redis",
        "MongoDB",
        "DRDS",
        "AnalyticDB",
        "Greenplum",
        "DataHub",
        "MaxCompute",
        "dg",
        "cen",
    ];
    for (p, text) in sources() {
        if p.ends_with("domain/rules.rs") || p.contains("/src/sim/") {
            continue;
        }
        // Code before the unit tests.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for n in names {
            for lit in [format!("\"{n}\""), format!("\"{}\"", n.to_lowercase())] {
                assert!(!code.contains(&lit), "{p} spells {lit}: ask domain::rules");
            }
        }
    }
}
