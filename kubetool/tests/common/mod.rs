//! Helpers the kubetool integration tests share.

#![allow(dead_code, unused_imports)]

pub use assert_cmd::Command;
pub use serde_yaml::Value;
pub use std::collections::BTreeMap;
pub use std::os::unix::fs::PermissionsExt;
pub use std::path::{Path, PathBuf};
pub use std::process::Command as StdCommand;

pub const CLUSTER: &str = "deadlock:192.0.2.75,autocrat:192.0.2.76,coup:192.0.2.77";
pub const MEMBERS: [&str; 3] = ["deadlock", "autocrat", "coup"];

pub use testkit::{openssl, path_str, write};

pub fn kubetool() -> Command {
    let mut c = Command::cargo_bin("kubetool").expect("the kubetool binary is built");
    // The settings come from each test, never from the test runner's environment.
    for v in kubetool::env::SETTINGS.iter().map(|s| s.var) {
        c.env_remove(v);
    }
    c
}

/// A full run's settings as flags.
pub fn full(dir: &Path, cluster: &str) -> Command {
    let mut c = kubetool();
    c.args([
        "-v",
        "1.30.2",
        "-c",
        "flannel",
        "-t",
        "%{networking.ip}",
        "-a",
        "%{networking.ip}",
    ])
    .args(["-i", cluster, "--dir"])
    .arg(dir);
    c
}

pub fn hiera(path: &Path) -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(path).unwrap();
    clikit::yaml::document(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn pem(doc: &BTreeMap<String, Value>, key: &str) -> String {
    doc[&format!("kubernetes::{key}")]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is a string"))
        .to_owned()
}

/// Every file under `dir` with its content, for before/after comparisons.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// `openssl verify` of `cert` against `ca` for `purpose`.
pub fn verify(tmp: &Path, ca: &str, cert: &str, purpose: &str) {
    let ca = write(tmp, "v/ca.pem", ca);
    let leaf = write(tmp, "v/leaf.pem", cert);
    let out = openssl(&[
        "verify",
        "-x509_strict",
        "-purpose",
        purpose,
        "-CAfile",
        path_str(&ca),
        path_str(&leaf),
    ]);
    assert!(out.trim_end().ends_with(": OK"), "{out}");
}

/// The value of `key` in the clear: as written, or decrypted by `openssl
/// cms` (a reader independent of kubetool) when it is an eyaml value.
pub fn plain(
    doc: &BTreeMap<String, Value>,
    key: &str,
    keys: Option<&testkit::EyamlKeys>,
    scratch: &Path,
) -> String {
    let v = pem(doc, key);
    match keys {
        Some(k) if v.starts_with("ENC[") => k.openssl_decrypt(&v, scratch),
        _ => v,
    }
}

/// The eyaml flags for a run with `keys` (none without).
pub fn eyaml_flags(keys: Option<&testkit::EyamlKeys>) -> Vec<String> {
    keys.map(|k| {
        vec![
            "--eyaml-public-key".to_owned(),
            path_str(&k.public).to_owned(),
            "--eyaml-private-key".to_owned(),
            path_str(&k.private).to_owned(),
        ]
    })
    .unwrap_or_default()
}

/// `text` (a Hiera file) split around the entry of `key`: its line and
/// the indented lines of its block. (before, after).
pub fn around_entry<'a>(text: &'a str, key: &str) -> (&'a str, &'a str) {
    let head = format!("{key}:");
    let start = text
        .match_indices(&head)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
        .unwrap_or_else(|| panic!("{key} is not in the file"));
    let mut end = start
        + text[start..]
            .find('\n')
            .map_or(text.len() - start, |n| n + 1);
    while text[end..].starts_with("  ") {
        end += text[end..].find('\n').map_or(text.len() - end, |n| n + 1);
    }
    (&text[..start], &text[end..])
}

/// Runs `c`, which must fail (exit 1) saying `said` on stderr and leave
/// every file under `dir` as it was.
pub fn refused(mut c: Command, dir: &Path, said: &str) {
    let before = snapshot(dir);
    c.assert().code(1).stderr(predicates::str::contains(said));
    assert_eq!(
        snapshot(dir),
        before,
        "a refused run changed {}",
        dir.display()
    );
}
