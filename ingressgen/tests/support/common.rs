//! What the ingressgen test targets share: the binary, the example, a TLS
//! bundle, and rendering checked by `haproxy -c`.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use testkit::{path_str, text, tool};

pub fn ingressgen() -> Command {
    Command::cargo_bin("ingressgen").expect("the ingressgen binary is built")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn example() -> PathBuf {
    root().join("examples/ocf/cluster.yaml")
}

pub fn example_text() -> String {
    std::fs::read_to_string(example()).unwrap()
}

pub fn stdout_of(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        c,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A self-signed bundle (certificate then key) for the test domains, and
/// the certificate alone for curl to trust.
pub fn tls_bundle(dir: &Path) -> (PathBuf, PathBuf) {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let san = "subjectAltName=DNS:*.ocf.berkeley.edu,DNS:*.ocf.io,\
               DNS:*.dev-kubernetes.ocf.berkeley.edu,DNS:*.code.ocf.berkeley.edu,\
               DNS:*.matrix.ocf.berkeley.edu,DNS:*.matrix.ocf.io";
    testkit::ec_self_signed(
        "P-256",
        "/CN=lb.ocf.berkeley.edu",
        2,
        &key,
        &cert,
        &["-addext", san],
    );
    let bundle = dir.join("lb.pem");
    let text = std::fs::read_to_string(&cert).unwrap() + &std::fs::read_to_string(&key).unwrap();
    std::fs::write(&bundle, text).unwrap();
    (bundle, cert)
}

/// Renders `file` into `cfg` (and its lists) with `extra` flags, and has
/// `haproxy -c` accept the result.
pub fn render_checked(file: &Path, cfg: &Path, extra: &[&str]) {
    ingressgen()
        .args(["haproxy", "--out", path_str(cfg)])
        .args(extra)
        .arg(file)
        .assert()
        .success();
    haproxy_accepts(cfg);
}

/// `haproxy -c` accepts the config without a warning.
pub fn haproxy_accepts(cfg: &Path) {
    let out = tool("haproxy", &["-c", "-f", path_str(cfg)]);
    let text = text(&out);
    assert!(
        out.status.success(),
        "haproxy -c refused {}:\n{text}",
        cfg.display()
    );
    assert!(
        !text.contains("WARNING") && !text.contains("ALERT"),
        "haproxy -c warned about {}:\n{text}",
        cfg.display()
    );
}
