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

/// The modules of `src/tui/` that `text` names (`crate::tui::x`, `use crate::tui::{x,
/// y::z}`), comments left out.
fn tui_imports(text: &str) -> std::collections::BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = std::collections::BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::tui::") {
        rest = &rest[i + "crate::tui::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let m = ident(item);
                if !m.is_empty() && m != "self" {
                    out.insert(m);
                }
            }
        } else {
            let m = ident(rest);
            if !m.is_empty() {
                out.insert(m);
            }
        }
    }
    out
}

/// The import graph of `src/tui/`: each module (file stem) and the modules it names.
fn tui_graph() -> Graph {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut files = vec![];
    rust_files(&dir, &mut files);
    let module_of = |p: &str| -> String {
        let rel = p.split("/src/tui/").nth(1).unwrap_or(p);
        let rel = rel.trim_end_matches(".rs").trim_end_matches("/mod");
        rel.split('/').next().unwrap_or(rel).to_string()
    };
    let mut g: Graph = Default::default();
    for (p, text) in &files {
        let m = module_of(p);
        let mut to = tui_imports(text);
        to.remove(&m);
        g.entry(m).or_default().extend(to);
    }
    // Only edges between modules of src/tui (a path like crate::tui::restore_terminal
    // names the tui root, not a file).
    let known: std::collections::BTreeSet<String> = g.keys().cloned().collect();
    for to in g.values_mut() {
        to.retain(|m| known.contains(m));
    }
    g
}

/// A screen per file that owns its state, keys and drawing, with shared widgets below
/// them: no file of `src/tui/` imports one that imports it back, directly or around a
/// longer circle.
#[test]
fn no_tui_file_imports_one_that_imports_it_back() {
    let g = tui_graph();
    // The scan sees the imports (the test cannot pass on an empty graph).
    assert!(g["app"].contains("jobs"), "{g:?}");
    assert!(g["jobs"].contains("shared"), "{g:?}");
    // Two files that import each other.
    for (a, tos) in &g {
        for b in tos {
            assert!(
                !g.get(b).is_some_and(|x| x.contains(a)),
                "src/tui/{a}.rs and src/tui/{b}.rs import each other"
            );
        }
    }
    // Longer circles.
    if let Some(c) = circle(&g) {
        panic!("an import circle in src/tui: {}", c.join(" -> "));
    }
}

/// A screen file (its state, keys and drawing) takes the shell and the widgets below it:
/// it imports no other screen and nothing above it (app, view), and the modules below
/// the screens import none of them.
#[test]
fn a_screen_imports_no_other_screen() {
    let g = tui_graph();
    let screens = [
        "jobs", "fleet", "batch", "progress", "preview", "confirm", "log",
    ];
    let above = ["app", "view", "mod"];
    let below = [
        "shared", "widgets", "calls", "keymap", "theme", "form", "prefs",
    ];
    for m in screens.iter().chain(&below) {
        let Some(to) = g.get(*m) else {
            panic!("src/tui/{m}.rs is missing: {g:?}")
        };
        for t in to {
            assert!(
                !screens.contains(&t.as_str()) && !above.contains(&t.as_str()),
                "src/tui/{m}.rs imports {t}"
            );
        }
    }
}

type Graph = std::collections::BTreeMap<String, std::collections::BTreeSet<String>>;

/// A circle of imports in `g` (its modules in order, the first again at the end), found
/// by a depth-first search that meets a module on its own path.
fn circle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        g: &Graph,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|x| x == m) {
            let mut c = path[i..].to_vec();
            c.push(m.to_string());
            return Some(c);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for to in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(to, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = Default::default();
    g.keys().find_map(|m| visit(m, g, &mut vec![], &mut done))
}

/// The scan itself: `use` lines, groups over several lines and paths in code count,
/// comments do not; and a circle of three is found.
#[test]
fn the_tui_import_scan_sees_imports_and_circles() {
    let a = tui_imports("use crate::tui::b::X;\n// use crate::tui::z;\n");
    assert_eq!(a.into_iter().collect::<Vec<_>>(), ["b"]);
    let b = tui_imports(
        "use crate::tui::{\n    c::Y,\n    self,\n    d,\n};\nfn f() { crate::tui::e::g() }",
    );
    assert_eq!(b.into_iter().collect::<Vec<_>>(), ["c", "d", "e"]);
    let g: Graph = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .iter()
        .map(|(x, y)| (x.to_string(), [y.to_string()].into()))
        .collect();
    assert_eq!(circle(&g).unwrap(), ["a", "b", "c", "a"]);
    let g: Graph = [("a", "b"), ("b", "c"), ("d", "a")]
        .iter()
        .map(|(x, y)| (x.to_string(), [y.to_string()].into()))
        .collect();
    assert_eq!(circle(&g), None);
}

/// Each `crate::LAYER::…` path in `text` (comments and unit tests left out), as its segments after the
/// layer, groups (`a::{b, c::D}`) spread into one path each.
fn layer_paths(text: &str, layer: &str) -> Vec<Vec<String>> {
    // A file's unit tests may reach anywhere.
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    fn ident(s: &str) -> (&str, &str) {
        let s = s.trim_start();
        let n = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        (&s[..n], &s[n..])
    }
    // The paths of `s` (after `prefix::`), and what follows them.
    fn paths<'a>(mut s: &'a str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> &'a str {
        let mut path = prefix;
        loop {
            if let Some(group) = s.trim_start().strip_prefix('{') {
                let mut rest = group;
                loop {
                    rest = paths(rest, path.clone(), out).trim_start();
                    match rest.chars().next() {
                        Some(',') => rest = &rest[1..],
                        Some('}') => return &rest[1..],
                        _ => return rest,
                    }
                    if rest.trim_start().starts_with('}') {
                        return &rest.trim_start()[1..];
                    }
                }
            }
            let (id, rest) = ident(s);
            if !id.is_empty() && id != "self" {
                path.push(id.to_string());
            }
            match rest.strip_prefix("::") {
                Some(r) => s = r,
                None => {
                    out.push(path);
                    return rest;
                }
            }
        }
    }
    let needle = format!("crate::{layer}::");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find(&needle) {
        rest = paths(&rest[i + needle.len()..], Vec::new(), &mut out);
    }
    out
}

/// The import graph of `src/LAYER/` by file (`family/legacy`, `journal`, …): a path
/// names the longest module it starts with.
fn layer_graph(layer: &str) -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = vec![];
    rust_files(&root, &mut files);
    let module_of = |p: &str| -> String {
        let rel = p.split(&format!("/src/{layer}/")).nth(1).unwrap_or(p);
        rel.trim_end_matches(".rs")
            .trim_end_matches("/mod")
            .to_string()
    };
    let known: std::collections::BTreeSet<String> =
        files.iter().map(|(p, _)| module_of(p)).collect();
    let mut g: Graph = Default::default();
    for (p, text) in &files {
        let m = module_of(p);
        let to = g.entry(m.clone()).or_default();
        for path in layer_paths(text, layer) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].join("/"))
                .find(|c| known.contains(c));
            if let Some(t) = target.filter(|t| *t != m) {
                to.insert(t);
            }
        }
    }
    g
}

/// No file of a layer imports one that imports it back, directly or around a longer
/// circle (the domain's vocabulary sits below its rules, the families below the plan).
#[test]
fn no_file_of_a_layer_imports_one_that_imports_it_back() {
    let g = layer_graph("domain");
    // The scan sees the imports (the test cannot pass on an empty graph).
    assert!(g["plan"].contains("family"), "{g:?}");
    assert!(g["family/maintained"].contains("family/compare"), "{g:?}");
    for layer in ["api", "domain", "cli", "tui", "sim"] {
        if let Some(c) = circle(&layer_graph(layer)) {
            panic!("an import circle in src/{layer}: {}", c.join(" -> "));
        }
    }
    let p = layer_paths(
        "use crate::domain::family::{self, compare::X, legacy};\n// crate::domain::z\nlet _ = crate::domain::plan::plan(1);",
        "domain",
    );
    assert_eq!(
        p,
        [
            vec!["family"],
            vec!["family", "compare", "X"],
            vec!["family", "legacy"],
            vec!["plan", "plan"],
        ]
    );
}
