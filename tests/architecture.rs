//! The layers of `core` import one way (ARCHITECTURE.md): no module
//! imports one that imports it back, directly or around a loop, and the
//! module graph ARCHITECTURE.md draws is the sources'. Read from the
//! sources: a module's imports are the `crate::<module>` paths in its
//! files, outside its test module and comments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → the modules it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read core/src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its test module and comments (items for
/// tests alone before it, `#[cfg(test)] fn …`, stay: cutting at them would
/// leave out the imports after them).
fn code(text: &str) -> String {
    let tests = text
        .match_indices("#[cfg(test)]")
        .find(|(at, tag)| text[at + tag.len()..].trim_start().starts_with("mod tests"));
    let text = tests.map_or(text, |(at, _)| &text[..at]);
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph = Graph::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a name")
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" || top == "bin" {
            continue;
        }
        let text = code(&std::fs::read_to_string(file).expect("read a source"));
        let imports = graph.entry(top.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                imports.insert(name);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for imports in graph.values_mut() {
        imports.retain(|m| modules.contains(m));
    }
    graph
}

/// A loop of imports through `module`, if there is one.
fn cycle_from(graph: &Graph, module: &str) -> Option<Vec<String>> {
    fn walk(graph: &Graph, at: &str, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> bool {
        if let Some(i) = path.iter().position(|m| m == at) {
            path.drain(..i);
            path.push(at.to_owned());
            return true;
        }
        if !done.insert(at.to_owned()) {
            return false;
        }
        path.push(at.to_owned());
        for next in graph.get(at).into_iter().flatten() {
            if walk(graph, next, path, done) {
                return true;
            }
        }
        path.pop();
        false
    }
    let mut path = Vec::new();
    walk(graph, module, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_module_of_core_imports_one_that_imports_it_back() {
    let graph = graph();
    assert!(graph.len() > 20, "the sources were not found: {graph:?}");
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!("an import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_lowest_layers_import_nothing_above_them() {
    let graph = graph();
    for (module, allowed) in [
        ("error", &[][..]),
        ("ids", &["text"]),
        ("days", &["error"]),
        ("geometry", &["error", "text", "units"]),
        (
            "land",
            &["days", "error", "geometry", "ids", "money", "units"],
        ),
        ("storage", &["days", "error", "event"]),
        (
            "engine",
            &[
                "cache",
                "changes",
                "checkpoint",
                "counts",
                "days",
                "error",
                "policy",
                "record",
                "seal",
                "storage",
            ],
        ),
    ] {
        let imports = &graph[module];
        let extra: Vec<_> = imports
            .iter()
            .filter(|m| !allowed.contains(&m.as_str()))
            .collect();
        assert!(extra.is_empty(), "{module} imports {extra:?}");
    }
}

#[test]
fn a_cycle_is_found() {
    let mut graph = Graph::new();
    graph.insert("a".into(), BTreeSet::from(["b".into()]));
    graph.insert("b".into(), BTreeSet::from(["c".into()]));
    graph.insert("c".into(), BTreeSet::from(["a".into()]));
    assert_eq!(cycle_from(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    graph.get_mut("c").unwrap().clear();
    assert_eq!(cycle_from(&graph, "a"), None);
}

/// Test files live in the top-level `tests/`, and cargo finds each of them
/// without a hand-written entry: `core/tests` is a link to that directory,
/// so a new test file always runs. (Only a test that needs a feature, the
/// command's, is declared, to say so.)
#[test]
fn every_test_file_is_found_by_cargo() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = core.join("tests").canonicalize().expect("core/tests");
    let top = core.join("../tests").canonicalize().expect("tests/");
    assert_eq!(found, top, "core/tests must lead to the top-level tests/");
    let manifest = std::fs::read_to_string(core.join("Cargo.toml")).expect("core/Cargo.toml");
    assert!(
        !manifest.contains("autotests = false"),
        "cargo must find the tests"
    );
    let declared = manifest.matches("[[test]]").count();
    let needing_features = manifest.matches("required-features").count();
    assert!(
        declared <= needing_features,
        "a [[test]] entry that only repeats a file name"
    );
    let present = std::fs::read_dir(&top)
        .expect("tests/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| Path::new(name).extension().is_some_and(|e| e == "rs"))
        .count();
    assert!(present > 15, "{present}");
}

/// The module graph ARCHITECTURE.md draws: module → (the modules it
/// names, the groups its note allows: "the ledgers", "the handle").
fn documented() -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ARCHITECTURE.md"))
            .expect("read ARCHITECTURE.md");
    let after = doc
        .split("The module graph, as the sources import")
        .nth(1)
        .expect("ARCHITECTURE.md draws the module graph");
    let block = after.split("```").nth(1).expect("the graph's block");
    let ledgers = [
        "money",
        "compliance",
        "land",
        "enterprise",
        "fund",
        "indicators",
        "scheme",
    ];
    let mut out = BTreeMap::new();
    for line in block.lines().filter(|l| l.contains("->")) {
        let (module, imports) = line.split_once("->").expect("an arrow");
        let (named, note) = imports.split_once('(').unwrap_or((imports, ""));
        let named: BTreeSet<String> = named
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect();
        let mut allowed = BTreeSet::new();
        if note.starts_with("and the ledgers") {
            allowed.extend(ledgers.iter().map(|m| (*m).to_owned()));
        }
        if note.starts_with("and the handle") {
            allowed.extend(["db", "view", "map"].map(str::to_owned));
        }
        out.insert(module.trim().to_owned(), (named, allowed));
    }
    out
}

#[test]
fn architecture_md_draws_the_module_graph_the_sources_have() {
    let graph = graph();
    let drawn = documented();
    let modules: BTreeSet<&String> = graph.keys().collect();
    let listed: BTreeSet<&String> = drawn.keys().collect();
    assert_eq!(listed, modules, "the graph's modules");
    let mut wrong = Vec::new();
    for (module, imports) in &graph {
        let (named, allowed) = &drawn[module];
        let undrawn: Vec<_> = imports
            .iter()
            .filter(|m| !named.contains(*m) && !allowed.contains(*m))
            .collect();
        let stale: Vec<_> = named.iter().filter(|m| !imports.contains(*m)).collect();
        if !undrawn.is_empty() || !stale.is_empty() {
            wrong.push(format!(
                "{module}: imports {undrawn:?} the graph does not draw, and not {stale:?} it draws"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
