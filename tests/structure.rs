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

#[test]
fn only_the_guard_sends_a_switch() {
    let callers: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.contains(".switch_synchronization_endpoint("))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(callers.len(), 1, "{callers:?}");
    assert!(callers[0].ends_with("domain/guard.rs"), "{callers:?}");
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
