//! Which modules of a crate import which: every `crate::NAME` a module's
//! code names (in `use` lines and in paths), each NAME resolved to the
//! module that defines it (a module's own name, or an item the crate root
//! re-exports with `pub use MODULE::...`). Items the root itself defines
//! and the root's own re-exports are not edges: the root is the crate's
//! public face, not a module the others lean on.
//!
//! [`cycles`] finds the circles: a crate is layered when there are none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name to the modules it imports.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The import graph of the crate whose `src/` is `src`: one node per file
/// `src/NAME.rs` (besides `lib.rs` and `main.rs`).
pub fn graph(src: &Path) -> std::io::Result<Graph> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src)? {
        let path = entry?.path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            modules.insert(name.to_owned(), code_of(&std::fs::read_to_string(&path)?));
        }
    }
    let root = code_of(&std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default());
    let exports = root_exports(&root);
    let resolve = |name: &str| {
        if modules.contains_key(name) {
            Some(name.to_owned())
        } else {
            exports.get(name).cloned()
        }
    };
    let mut g = Graph::new();
    for (name, code) in &modules {
        let edges = crate_names(code)
            .iter()
            .filter_map(|n| resolve(n))
            .filter(|m| m != name)
            .collect();
        g.insert(name.clone(), edges);
    }
    Ok(g)
}

/// The text without comments (lines whose code starts with `//`).
fn code_of(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every `crate::` path: `crate::cli::TOOL` gives
/// `cli`, `crate::{a, b::c}` gives `a` and `b`.
fn crate_names(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            names.extend(group_heads(group));
        } else {
            names.insert(ident(rest).to_owned());
        }
    }
    names
}

/// The first segment of each entry of a `{...}` group (up to its `}`).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let (mut depth, mut start) = (0usize, true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && !c.is_whitespace() => {
                heads.push(ident(&group[i..]).to_owned());
                start = false;
            }
            _ => {}
        }
    }
    heads
}

/// The identifier `text` starts with.
fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The root's `pub use MODULE::{A, B}` and `pub use MODULE::A`: each
/// re-exported name to its module.
fn root_exports(root: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in root.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_start_matches("crate::");
        let module = ident(path);
        let rest = &path[module.len()..];
        let names: Vec<&str> = match rest.strip_prefix("::{") {
            Some(group) => group.trim_end_matches('}').split(',').collect(),
            None => vec![rest.rsplit("::").next().unwrap_or("")],
        };
        for n in names {
            let n = n.split(" as ").last().unwrap_or(n).trim();
            if !n.is_empty() {
                out.insert(n.to_owned(), module.to_owned());
            }
        }
    }
    out
}

/// Every circle of imports: each set of two or more modules that all
/// reach one another (a strongly connected component), sorted.
pub fn cycles(g: &Graph) -> Vec<Vec<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(m) = todo.pop() {
            for next in g.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for (m, r) in &reached {
        if !r.contains(*m) || out.iter().any(|c| c.contains(m)) {
            continue;
        }
        let circle = r
            .iter()
            .filter(|o| reached.get(o).is_some_and(|back| back.contains(*m)))
            .cloned()
            .collect();
        out.push(circle);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_groups_and_re_exports_are_resolved() {
        let code = "use crate::a::X;\nuse crate::{b, c::{D, E}};\nfn f() { crate::d::g(); }\n// crate::e in a comment\nlet s = \"$crate::f\";";
        assert_eq!(
            crate_names(&code_of(code)),
            ["a", "b", "c", "d"].map(String::from).into()
        );
        let root = "pub mod a;\npub use a::{X, Y as Z};\npub use b::W;";
        let e = root_exports(root);
        assert_eq!(e["X"], "a");
        assert_eq!(e["Z"], "a");
        assert_eq!(e["W"], "b");
    }

    #[test]
    fn circles_are_found_and_layers_are_not() {
        let g = |edges: &[(&str, &str)]| {
            let mut g = Graph::new();
            for (a, b) in edges {
                g.entry(a.to_string()).or_default().insert(b.to_string());
                g.entry(b.to_string()).or_default();
            }
            g
        };
        assert!(cycles(&g(&[("cli", "check"), ("check", "cert"), ("cli", "cert")])).is_empty());
        assert_eq!(
            cycles(&g(&[
                ("cli", "check"),
                ("check", "report"),
                ("report", "cli"),
                ("x", "cli")
            ])),
            [vec!["check", "cli", "report"]]
        );
    }
}
