//! The shell scripts a user runs (the demo the README gives first, the
//! benchmarks) name cargo example targets by hand: each one they name must
//! exist, so a deleted example breaks this test and not the first command a
//! newcomer types.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `-p CRATE ... --example NAME` in `text`, as (crate, name).
fn examples_named(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.contains("--example")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let after = |flag: &str| {
            words
                .iter()
                .position(|w| *w == flag)
                .and_then(|i| words.get(i + 1))
                .map(|w| w.to_string())
        };
        if let (Some(krate), Some(name)) = (after("-p"), after("--example")) {
            out.push((krate, name));
        }
    }
    out
}

fn scripts() -> Vec<PathBuf> {
    let mut v = vec![root().join("examples/ocf/demo")];
    for e in std::fs::read_dir(root().join("bench")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none() {
            v.push(p);
        }
    }
    v
}

#[test]
fn every_example_a_script_runs_exists() {
    let mut named = 0;
    for script in scripts() {
        let text = std::fs::read_to_string(&script).unwrap();
        for (krate, name) in examples_named(&text) {
            named += 1;
            let file = Path::new(&krate)
                .join("examples")
                .join(format!("{name}.rs"));
            assert!(
                root().join(&file).is_file(),
                "{} runs the example {name} of {krate}, but {} is missing",
                script.display(),
                file.display()
            );
        }
    }
    // The demo's PKI and certs-check's tree at least.
    assert!(named >= 2, "{named}");
}

#[test]
fn an_example_is_found_in_a_command_line() {
    assert_eq!(
        examples_named("cargo run --release --quiet -p certs --example demo_pki -- \"$pki\""),
        [("certs".to_owned(), "demo_pki".to_owned())]
    );
}
