//! No crate of the workspace has a circle of module imports: each module
//! leans only on modules below it (the command line on the library, never
//! the other way round). Run it alone: cargo test -p xtask --test modules.

use std::path::PathBuf;

/// Every crate of the workspace with a library.
fn crates() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("src/lib.rs").is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn no_crate_has_a_circle_of_module_imports() {
    let crates = crates();
    assert!(crates.len() >= 9, "{crates:?}");
    let mut circles = Vec::new();
    for dir in crates {
        let g = xtask::modules::graph(&dir.join("src")).unwrap();
        for c in xtask::modules::cycles(&g) {
            circles.push(format!(
                "{}: {}",
                dir.file_name().unwrap().to_string_lossy(),
                c.join(" <-> ")
            ));
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import one another:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_module_of_a_tool_imports_its_command_line() {
    let mut wrong = Vec::new();
    for dir in crates() {
        let g = xtask::modules::graph(&dir.join("src")).unwrap();
        for (module, imports) in &g {
            if imports.contains("cli") {
                wrong.push(format!("{}: {module}", dir.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}
