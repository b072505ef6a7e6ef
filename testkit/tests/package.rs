//! The Debian package, as a site would build and install it: built with
//! dpkg-buildpackage from a copy of the checked-in tree (DEB_BUILD_OPTIONS=
//! noopt: cargo's dev profile, the quicker build), checked with
//! lintian, installed with dpkg -i, used from /usr/bin (versions, man pages,
//! bash completions, systemd units), and removed and purged cleanly.
//! It installs a package on this machine, so it refuses to run where
//! kubetoolkit is already installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::{path_str, text, tool};

const TOOLS: [&str; 5] = ["certs", "ingressgen", "kubetool", "quorumcalc", "vipcheck"];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn ok(what: &str, out: Output) -> String {
    assert!(out.status.success(), "{what}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The tree as git sees it (tracked files, and new ones not ignored)
/// copied to `dest`: no target/, no build products.
fn copy_tree(dest: &Path) {
    let listed = ok(
        "git ls-files",
        Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .current_dir(workspace())
            .output()
            .expect("git is needed"),
    );
    for f in listed.split('\0').filter(|f| !f.is_empty()) {
        let (from, to) = (workspace().join(f), dest.join(f));
        // Tracked but deleted in the working tree: not part of it.
        if !from.exists() {
            continue;
        }
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}

/// Purges the package when dropped, so a failed test leaves none behind.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg")
            .args(["--purge", "kubetoolkit"])
            .output();
    }
}

fn installed() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f", "${Status}", "kubetoolkit"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

#[test]
fn the_package_builds_passes_lintian_installs_works_and_removes_cleanly() {
    assert!(
        !installed(),
        "kubetoolkit is installed on this machine; this test installs and purges it: dpkg --purge kubetoolkit first"
    );
    // Its own target directory: the copy's crates have the workspace's
    // names and hashes but another path and no git commit, so built into
    // the tests' target they would replace what other tests link against.
    let target = workspace().join("target/package-build");
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("kubetoolkit");
    copy_tree(&src);
    let _ = tool("dpkg-buildpackage", &["--version"]);
    ok(
        "dpkg-buildpackage",
        Command::new("dpkg-buildpackage")
            .args(["-b", "-us", "-uc"])
            .current_dir(&src)
            .env("DEB_BUILD_OPTIONS", "noopt")
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap(),
    );
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("kubetoolkit_{version}_");
    let deb = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name().unwrap().to_string_lossy().starts_with(&name)
                && p.extension().is_some_and(|e| e == "deb")
        })
        .unwrap_or_else(|| panic!("dpkg-buildpackage made no {name}*.deb"));

    // lintian: no errors (the warnings kept are listed in the README).
    let lint = tool("lintian", &["--fail-on", "error", path_str(&deb)]);
    assert!(lint.status.success(), "lintian: {}", text(&lint));
    assert!(
        !text(&lint).contains("\nE: ") && !text(&lint).starts_with("E: "),
        "{}",
        text(&lint)
    );

    ok("dpkg -i", tool("dpkg", &["-i", path_str(&deb)]));
    let _purge = Installed;
    for t in TOOLS {
        let bin = format!("/usr/bin/{t}");
        let flag = if t == "kubetool" { "-V" } else { "--version" };
        let said = ok(&bin, tool(&bin, &[flag]));
        assert!(said.starts_with(&format!("{t} {version}")), "{bin}: {said}");
        let page = ok("man -w", tool("man", &["-w", t]));
        assert!(page.starts_with("/usr/share/man/man1/"), "{page}");
        let complete = ok(
            "bash completion",
            tool(
                "bash",
                &[
                    "-c",
                    &format!(
                        "source /usr/share/bash-completion/completions/{t} && complete -p {t}"
                    ),
                ],
            ),
        );
        assert!(
            complete.trim_end().ends_with(&format!(" {t}")),
            "{complete}"
        );
        for f in [
            format!("/usr/share/zsh/vendor-completions/_{t}"),
            format!("/usr/share/fish/vendor_completions.d/{t}.fish"),
        ] {
            assert!(Path::new(&f).is_file(), "{f}");
        }
    }
    // kubetool's --version is the Kubernetes version, as in the original.
    let v = ok("kubetool version", tool("/usr/bin/kubetool", &["version"]));
    assert!(v.starts_with(&format!("kubetool {version}")), "{v}");
    let page = ok(
        "man -w cluster.yaml",
        tool("man", &["-w", "5", "cluster.yaml"]),
    );
    assert!(page.starts_with("/usr/share/man/man5/"), "{page}");
    let units = [
        "/lib/systemd/system/kubetoolkit-textfile.service",
        "/lib/systemd/system/kubetoolkit-textfile.timer",
        "/lib/systemd/system/kubetoolkit-etcd-snapshot.service",
        "/lib/systemd/system/kubetoolkit-etcd-snapshot.timer",
    ];
    let verify = tool("systemd-analyze", &[&["verify"][..], &units[..]].concat());
    assert!(
        verify.status.success() && text(&verify).trim().is_empty(),
        "systemd-analyze verify: {}",
        text(&verify)
    );
    for f in [
        "/usr/libexec/kubetoolkit/textfile-checks",
        "/usr/libexec/kubetoolkit/etcd-status",
        "/usr/libexec/kubetoolkit/etcd-snapshot",
        "/etc/kubetoolkit/textfile-checks",
        "/etc/default/kubetoolkit",
        "/usr/share/doc/kubetoolkit/examples/puppet/vipcheck.pp",
        "/usr/share/doc/kubetoolkit/examples/prometheus/kubetoolkit.rules.yml",
        "/usr/share/doc/kubetoolkit/examples/nagios/nrpe-kubetoolkit.cfg",
        "/usr/share/doc/kubetoolkit/changelog.gz",
        "/usr/share/doc/kubetoolkit/copyright",
    ] {
        assert!(Path::new(f).exists(), "{f} is not installed");
    }

    // The timer's metrics, in a directory /etc/default/kubetoolkit names,
    // as the service passes it.
    let metrics = t.path().join("textfile");
    std::fs::create_dir_all(&metrics).unwrap();
    let defaults = std::fs::read_to_string("/etc/default/kubetoolkit").unwrap();
    std::fs::write(
        "/etc/default/kubetoolkit",
        format!(
            "{defaults}KUBETOOLKIT_TEXTFILE_DIR=\"{}\"\n",
            path_str(&metrics)
        ),
    )
    .unwrap();
    let checks = testkit::write(t.path(), "checks", "x echo 'x 1'\n");
    let written = Command::new("/usr/libexec/kubetoolkit/textfile-checks")
        .arg(&checks)
        .env("KUBETOOLKIT_TEXTFILE_DIR", &metrics)
        .output()
        .unwrap();
    ok("textfile-checks", written);
    assert!(metrics.join("kubetoolkit-x.prom").exists());

    installed_snapshots(t.path());

    ok("dpkg -r", tool("dpkg", &["-r", "kubetoolkit"]));
    for t in TOOLS {
        assert!(!Path::new(&format!("/usr/bin/{t}")).exists(), "{t} left");
    }
    // Nothing rewrites the metrics now: they go, or node_exporter would
    // export the last results for ever.
    assert!(
        !metrics.join("kubetoolkit-x.prom").exists(),
        "dpkg -r left the metrics"
    );
    // Removed, the conffiles stay (Debian's rule); purged, nothing stays,
    // metrics in Debian's textfile directory included.
    assert!(Path::new("/etc/kubetoolkit/textfile-checks").exists());
    assert!(Path::new("/etc/default/kubetoolkit").exists());
    let debian_dir = Path::new("/var/lib/prometheus/node-exporter");
    std::fs::create_dir_all(debian_dir).unwrap();
    let left = debian_dir.join("kubetoolkit-package-test.prom");
    std::fs::write(&left, "x 1\n").unwrap();
    ok("dpkg --purge", tool("dpkg", &["--purge", "kubetoolkit"]));
    assert!(!Path::new("/etc/kubetoolkit").exists());
    assert!(!Path::new("/etc/default/kubetoolkit").exists());
    assert!(!left.exists(), "dpkg --purge left {}", left.display());
    assert!(!installed());
}

/// The installed snapshot service's script, as the timer runs it, against
/// a real etcd: a snapshot the installed check finds fresh. Without an
/// endpoint it fails saying which setting to give.
fn installed_snapshots(t: &Path) {
    let member = testkit::etcd::Member::new("solo", "127.0.0.1");
    let endpoint = member.client_url();
    let _etcd = testkit::EtcdCluster::start(t, vec![member]);
    let dir = t.join("snapshots");
    let defaults = testkit::write(t, "defaults", "# nothing set\n");
    let script = "/usr/libexec/kubetoolkit/etcd-snapshot";
    let unset = Command::new(script)
        .env("KUBETOOLKIT_DEFAULTS", &defaults)
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(1), "{}", text(&unset));
    assert!(
        text(&unset).contains("ETCD_SNAPSHOT_ENDPOINT"),
        "{}",
        text(&unset)
    );
    std::fs::write(
        &defaults,
        format!(
            "ETCD_SNAPSHOT_ENDPOINT={endpoint}\nETCD_SNAPSHOT_DIR={}\nETCD_SNAPSHOT_MIN_FREE=0\n",
            path_str(&dir)
        ),
    )
    .unwrap();
    // etcd takes a moment to start: the script fails until it answers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let run = Command::new(script)
            .env("KUBETOOLKIT_DEFAULTS", &defaults)
            .output()
            .unwrap();
        if run.status.success() {
            assert!(text(&run).starts_with("saved "), "{}", text(&run));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", text(&run));
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let check = tool("/usr/bin/quorumcalc", &["snapshot", path_str(&dir)]);
    assert!(
        text(&check).starts_with("ETCD SNAPSHOT OK - "),
        "{}",
        text(&check)
    );
}
