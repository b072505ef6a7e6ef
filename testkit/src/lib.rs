//! Helpers the workspace's integration tests share (a dev-dependency only).
//!
//! The tests drive real tools (openssl, haproxy, keepalived, etcd, puppet,
//! ip, nft, curl). [`tool`] runs one; a missing tool is a test failure that
//! says how to install it (`.ci/test`), never a skip. The daemons a test
//! starts come from one layer, which cleans up on drop, also when the test
//! fails: [`Netns`] (a network namespace, and everything run in it) and
//! [`EtcdCluster`] (real etcd members, plain or with mutual TLS).

#![forbid(unsafe_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod etcd;
pub mod fuzz;
pub mod netns;

pub use etcd::EtcdCluster;
pub use netns::{Lan, Netns};

/// Runs a real tool and returns its output, whatever its exit status. A
/// tool that cannot be started fails the test with the fix.
pub fn tool(name: &str, args: &[&str]) -> Output {
    Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("`{name}` is needed by this test ({e}); run .ci/test, which installs it")
    })
}

/// stdout followed by stderr, as text.
pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Runs openssl, which must succeed; its stdout.
pub fn openssl(args: &[&str]) -> String {
    let out = tool("openssl", args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("openssl prints text")
}

/// A path as `&str` (test paths are UTF-8).
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Writes `dir/name` (making its directory) and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// The settings of a full kubetool run (the original's flags) for the
/// masters `members` (`NAME:IP,...`), writing into `dir`: what tests give
/// kubetool when the cluster file is not the point.
pub fn kubetool_settings(members: &str, dir: &Path) -> Vec<String> {
    [
        "-v",
        "1.30.2",
        "-c",
        "flannel",
        "-t",
        "192.0.2.75",
        "-a",
        "192.0.2.75",
        "-i",
        members,
        "--dir",
    ]
    .iter()
    .map(|a| a.to_string())
    .chain([path_str(dir).to_owned()])
    .collect()
}

/// The workspace's `target/debug`, with every tool freshly built: for
/// tests that run other crates' binaries (cargo hands a test only its own
/// crate's).
pub fn built_tools() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .args(["build", "--quiet", "--bins", "--workspace"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .status()
        .expect("cargo builds the tools");
    assert!(st.success(), "the tools do not build");
    let exe = std::env::current_exe().expect("the test knows its path");
    // target/debug/deps/<test> -> target/debug
    exe.parent()
        .and_then(Path::parent)
        .expect("a test runs from target/<profile>/deps")
        .to_path_buf()
}

/// An etcd-style `server.crt` and `server.key` in `dir` (a self-signed
/// P-256 certificate valid for `days`), readable by every user, as a
/// monitoring check running as another user needs; replaces any there.
pub fn server_certificate(dir: &Path, days: u32) {
    use std::os::unix::fs::PermissionsExt;
    let (key, cert) = (dir.join("server.key"), dir.join("server.crt"));
    ec_self_signed("P-256", "/CN=etcd", days, &key, &cert, &[]);
    for f in [key, cert] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644))
            .expect("the test's own file");
    }
}

/// `promtool check metrics` on a file of Prometheus text: whether it is
/// accepted with nothing to say, and what it said.
pub fn promtool(file: &Path) -> (bool, String) {
    let _ = tool("promtool", &["--version"]);
    let out = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(file).expect("the metrics file exists"))
        .output()
        .expect("promtool runs");
    let said = text(&out);
    (out.status.success() && said.trim().is_empty(), said)
}

/// A TCP port free on `ip` a moment ago.
pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `puppet apply` with every directory of its own under `root`, so that
/// it neither reads nor writes the machine's Puppet state. Add the
/// manifest (`-e CODE`) and any other flags.
pub fn puppet_apply(root: &Path) -> Command {
    puppet(root, "apply")
}

/// `puppet SUBCOMMAND` (apply, lookup) with every directory of its own
/// under `root`, as [`puppet_apply`].
pub fn puppet(root: &Path, subcommand: &str) -> Command {
    let dirs = ["conf", "var", "code", "log", "run", "public"].map(|d| root.join(d));
    let mut c = Command::new("puppet");
    c.args([subcommand, "--color", "false"])
        .args([
            "--confdir",
            path_str(&dirs[0]),
            "--vardir",
            path_str(&dirs[1]),
        ])
        .args([
            "--codedir",
            path_str(&dirs[2]),
            "--logdir",
            path_str(&dirs[3]),
        ])
        .args(["--rundir", path_str(&dirs[4])])
        // Not under $HOME, where Puppet run by another user than root puts
        // it (and fails when $HOME/.puppet/cache is missing).
        .args(["--publicdir", path_str(&dirs[5])]);
    c
}

/// Runs a command built by [`puppet_apply`]: its exit code and output.
pub fn run_puppet(mut c: Command) -> (Option<i32>, String) {
    let out = c.output().unwrap_or_else(|e| {
        panic!("puppet is needed by this test ({e}); run .ci/test, which installs it")
    });
    (out.status.code(), text(&out))
}

/// `openssl req -x509`: a self-signed certificate with a new EC key on
/// `curve` (`P-256`, `P-384`), written to `key` and `cert`; `extra` adds
/// flags such as `-addext subjectAltName=...`.
pub fn ec_self_signed(
    curve: &str,
    subject: &str,
    days: u32,
    key: &Path,
    cert: &Path,
    extra: &[&str],
) {
    let (curve, days) = (format!("ec_paramgen_curve:{curve}"), days.to_string());
    let mut args = vec![
        "req", "-x509", "-newkey", "ec", "-pkeyopt", &curve, "-nodes",
    ];
    args.extend([
        "-days",
        &days,
        "-subj",
        subject,
        "-keyout",
        path_str(key),
        "-out",
        path_str(cert),
    ]);
    args.extend_from_slice(extra);
    openssl(&args);
}

/// The names the OCF example's edge certificate would carry: both domains
/// by wildcard, the two-label service (which no wildcard covers) under
/// both, and each routed suffix's wildcard.
pub const OCF_EDGE_SANS: [&str; 7] = [
    "*.ocf.berkeley.edu",
    "*.ocf.io",
    "slidingsync.matrix.ocf.berkeley.edu",
    "slidingsync.matrix.ocf.io",
    "*.code.ocf.berkeley.edu",
    "*.dev-kubernetes.ocf.berkeley.edu",
    "*.new.ocf.berkeley.edu",
];

/// An HAProxy bundle `dir/name` (certificate, then key) that openssl
/// makes, self-signed, for the DNS names `sans`, valid for `days`.
pub fn edge_bundle(dir: &Path, name: &str, sans: &[&str], days: u32) -> PathBuf {
    let (cert, key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    let san: Vec<String> = sans.iter().map(|s| format!("DNS:{s}")).collect();
    let ext = format!("subjectAltName={}", san.join(","));
    ec_self_signed(
        "P-256",
        "/CN=lb.ocf.berkeley.edu",
        days,
        &key,
        &cert,
        &["-addext", &ext],
    );
    let pem = std::fs::read_to_string(&cert).unwrap() + &std::fs::read_to_string(&key).unwrap();
    write(dir, name, &pem)
}

/// `openssl req`: a P-256 key and a certificate request for `subject`.
pub fn ec_csr(subject: &str, key: &Path, csr: &Path) {
    openssl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        subject,
        "-keyout",
        path_str(key),
        "-out",
        path_str(csr),
    ]);
}

/// hiera-eyaml's key pair, made by `eyaml createkeys` (Debian's
/// hiera-eyaml) under `dir/keys`.
pub struct EyamlKeys {
    /// `public_key.pkcs7.pem`: a certificate with an RSA key.
    pub public: PathBuf,
    /// `private_key.pkcs7.pem`.
    pub private: PathBuf,
}

/// `eyaml createkeys` in `dir`.
pub fn eyaml_createkeys(dir: &Path) -> EyamlKeys {
    std::fs::create_dir_all(dir).unwrap();
    let out = Command::new("eyaml")
        .arg("createkeys")
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("eyaml (Debian's hiera-eyaml) is needed ({e}); run .ci/test, which installs it")
        });
    assert!(out.status.success(), "{}", text(&out));
    EyamlKeys {
        public: dir.join("keys/public_key.pkcs7.pem"),
        private: dir.join("keys/private_key.pkcs7.pem"),
    }
}

impl EyamlKeys {
    /// `eyaml decrypt` of one value (`-s`) or of a whole file (`-f`).
    pub fn eyaml_decrypt(&self, how: &str, what: &str) -> Output {
        tool(
            "eyaml",
            &[
                "decrypt",
                "--pkcs7-public-key",
                path_str(&self.public),
                "--pkcs7-private-key",
                path_str(&self.private),
                how,
                what,
            ],
        )
    }

    /// `eyaml encrypt` to the public key of `-s VALUE` or `-f FILE`,
    /// written as `-o format` (`string`, `block`); it must succeed.
    pub fn eyaml_encrypt(&self, format: &str, how: &str, what: &str) -> String {
        let out = tool(
            "eyaml",
            &[
                "encrypt",
                "--pkcs7-public-key",
                path_str(&self.public),
                "-o",
                format,
                how,
                what,
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).expect("eyaml prints text")
    }

    /// `openssl cms -decrypt` of an `ENC[PKCS7,...]` value (whitespace
    /// inside it allowed), through a CMS PEM file in `scratch`: the
    /// plaintext, which must decrypt.
    pub fn openssl_decrypt(&self, value: &str, scratch: &Path) -> String {
        let body: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let body = body
            .strip_prefix("ENC[PKCS7,")
            .and_then(|b| b.strip_suffix(']'))
            .unwrap_or_else(|| panic!("not an eyaml PKCS7 value: {value}"));
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let pem = write(
            scratch,
            "value.cms.pem",
            &format!(
                "-----BEGIN CMS-----\n{}\n-----END CMS-----\n",
                lines.join("\n")
            ),
        );
        openssl(&[
            "cms",
            "-decrypt",
            "-inform",
            "PEM",
            "-in",
            path_str(&pem),
            "-inkey",
            path_str(&self.private),
            "-recip",
            path_str(&self.public),
        ])
    }
}
