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
        } else if path.extension().is_some_and(|e| e == "rs")
            // A folder's test module (`#[cfg(test)] mod tests;`) is not
            // the code it tests.
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The code of a file without its inline test module and comments (items for
/// tests alone before it, `#[cfg(test)] fn …`, stay: cutting at them would
/// leave out the imports after them).
fn code(text: &str) -> String {
    let tests = text.match_indices("#[cfg(test)]").find(|(at, tag)| {
        text[at + tag.len()..]
            .trim_start()
            .starts_with("mod tests {")
    });
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
        ("storage", &["days", "error", "event", "units"]),
        (
            "engine",
            &[
                "cache",
                "changes",
                "checkpoint",
                "counts",
                "days",
                "error",
                "event",
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

/// A crate's files as modules: each `.rs` file under `src` by its module
/// path (`ledger/import/row.rs` → `ledger::import::row`, a `mod.rs` its
/// folder's), with the files it imports: the modules its `crate::` and
/// `super::` paths name (the deepest that is a file), and in a `mod.rs`
/// the child modules it names. A file's imports of its own ancestors do
/// not count: a module's folder is its namespace, as Rust's privacy sees
/// it (a child's `super::X`).
fn file_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    sources(src, &mut files);
    let module_of = |file: &Path| -> Vec<String> {
        let relative = file.strip_prefix(src).expect("under src");
        let mut parts: Vec<String> = relative
            .with_extension("")
            .components()
            .filter_map(|c| c.as_os_str().to_str().map(str::to_owned))
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod")) {
            parts.pop();
        }
        if parts == ["lib"] || parts == ["main"] {
            parts.clear();
        }
        parts
    };
    let modules: BTreeMap<Vec<String>, std::path::PathBuf> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    let resolve = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|k| path[..k].to_vec())
            .find(|p| modules.contains_key(p))
    };
    let mut graph = Graph::new();
    for (module, file) in &modules {
        let text = code(&std::fs::read_to_string(file).expect("read a source"));
        let is_folder = file.file_name().is_some_and(|n| n == "mod.rs") || module.is_empty();
        let mut named: Vec<Vec<String>> = Vec::new();
        for (prefix, base) in [("crate::", Vec::new())] {
            for path in paths_after(&text, prefix) {
                named.push([base.clone(), path].concat());
            }
        }
        // `super::` (repeated) climbs from the file's own module.
        let mut rest = text.as_str();
        while let Some(at) = rest.find("super::") {
            let before = &rest[..at];
            let mut ups = 1;
            let mut after = &rest[at + "super::".len()..];
            while let Some(more) = after.strip_prefix("super::") {
                ups += 1;
                after = more;
            }
            let boundary = before
                .chars()
                .last()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
            if boundary && ups <= module.len() {
                let base = module[..module.len() - ups].to_vec();
                for path in paths_after(after, "") {
                    named.push([base.clone(), path].concat());
                }
            }
            rest = after;
        }
        if is_folder {
            for child in modules
                .keys()
                .filter(|k| k.len() == module.len() + 1 && k[..module.len()] == module[..])
            {
                let name = format!("{}::", child[child.len() - 1]);
                let used = text.match_indices(&name).any(|(at, _)| {
                    text[..at]
                        .chars()
                        .last()
                        .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'))
                });
                if used {
                    named.push(child.clone());
                }
            }
        }
        let imports = graph.entry(module.join("::")).or_default();
        for path in named {
            let Some(target) = resolve(&path) else {
                continue;
            };
            let ancestor = target.len() <= module.len() && module[..target.len()] == target[..];
            if !ancestor {
                imports.insert(target.join("::"));
            }
        }
    }
    graph
}

/// The module paths `text` names right after `prefix` at each place it
/// stands (`a::b::{c, d::e}` gives `a::b::c` and `a::b::d::e`); for an
/// empty prefix, the one path at the front of `text`.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    fn one(text: &str) -> Vec<Vec<String>> {
        let mut base = Vec::new();
        let mut rest = text;
        loop {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                if let Some(inner) = rest.strip_prefix('{') {
                    let group = inner.split('}').next().unwrap_or_default();
                    return group
                        .split(',')
                        .flat_map(|item| {
                            let item = item.trim().split(" as ").next().unwrap_or_default();
                            one(item)
                                .into_iter()
                                .map(|tail| [base.clone(), tail].concat())
                                .collect::<Vec<_>>()
                        })
                        .collect();
                }
                return vec![base];
            }
            rest = &rest[name.len()..];
            base.push(name);
            match rest.strip_prefix("::") {
                Some(more) => rest = more,
                None => return vec![base],
            }
        }
    }
    if prefix.is_empty() {
        return one(text);
    }
    text.match_indices(prefix)
        .flat_map(|(at, _)| one(&text[at + prefix.len()..]))
        .collect()
}

fn file_cycles(src: &Path) -> Vec<String> {
    let graph = file_graph(src);
    assert!(
        graph.len() > 5,
        "the sources of {} were not found",
        src.display()
    );
    graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m))
        .map(|c| c.join(" -> "))
        .collect()
}

/// No file of core, of the command's crate or of the bindings imports a
/// file that imports it back (siblings included: `ledger/import` and
/// `ledger/read` once did, and the bindings' `database` and
/// `transaction`).
#[test]
fn no_file_imports_one_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for crate_src in ["core/src", "cli/src", "bindings-python/src"] {
        let cycles = file_cycles(&root.join(crate_src));
        assert!(
            cycles.is_empty(),
            "{crate_src}: import cycles between files: {cycles:#?}"
        );
    }
}

#[test]
fn the_file_graph_sees_a_cycle_between_siblings() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("ledger")).unwrap();
    let write = |name: &str, text: &str| std::fs::write(src.join(name), text).unwrap();
    write(
        "lib.rs",
        "mod ledger;\nmod a; mod b; mod c; mod d; mod e;\n",
    );
    for name in ["a", "b", "c", "d", "e"] {
        write(&format!("{name}.rs"), "");
    }
    write(
        "ledger/mod.rs",
        "mod read;\nmod import;\npub use read::Sheet;\n",
    );
    write(
        "ledger/read.rs",
        "use super::import::is_ignored;\npub struct Sheet;\n",
    );
    write(
        "ledger/import.rs",
        "use super::{read::Sheet};\nuse super::super::a;\npub fn is_ignored() {}\n",
    );
    let graph = file_graph(src);
    assert_eq!(
        graph["ledger::import"],
        BTreeSet::from(["a".into(), "ledger::read".into()])
    );
    assert_eq!(graph["ledger"], BTreeSet::from(["ledger::read".into()]));
    let cycles = file_cycles(src);
    assert!(!cycles.is_empty(), "{graph:#?}");
    assert!(
        cycles
            .iter()
            .all(|c| c.contains("ledger::read -> ledger::import")
                || c.contains("ledger::import -> ledger::read")),
        "{cycles:#?}"
    );
    write(
        "ledger/read.rs",
        "use crate::ledger::Thing;\npub struct Sheet;\n",
    );
    assert!(file_cycles(src).is_empty(), "{:#?}", file_graph(src));
}
