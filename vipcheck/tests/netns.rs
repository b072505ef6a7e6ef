//! vipcheck with real keepalived in network namespaces the tests make
//! (root only): keepalived checking the rendered configs where a master
//! would run them (an `eth0` of its own, so keepalived's interface check is
//! real), lint against `keepalived -t`, `holder` against the kernel's
//! addresses, and three masters electing a holder on a bridge
//! (support/failover.rs). keepalived, iproute2 and nftables are installed
//! by the test command (`.ci/test`); a missing tool fails these tests, it
//! never skips them. Every namespace is a `testkit::Netns`, removed with
//! everything in it when the test ends, also when it fails.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use testkit::netns::ip;
use testkit::{Netns, path_str, text, tool};

#[path = "support/common.rs"]
mod common;
use common::{example, vipcheck};

use testkit::netns::run_in as in_ns;

#[test]
fn rendered_configs_pass_real_keepalived_and_lint_together() {
    let t = tempfile::tempdir().unwrap();
    let secret = t.path().join("secret");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("vipcheck");
    let modes: [&[&str]; 4] = [
        &[],
        &["--backup", "--unicast"],
        &["--unicast", "--advert-int", "0.1"],
        &[
            "--unicast",
            "--vrid",
            "77",
            "--advert-int",
            "1",
            "--auth-pass-file",
            path_str(&secret),
        ],
    ];
    let masters = [
        ("deadlock", ["192.0.2.75/24", "2001:db8::75/64"]),
        ("autocrat", ["192.0.2.76/24", "2001:db8::76/64"]),
        ("coup", ["192.0.2.77/24", "2001:db8::77/64"]),
    ];
    for (m, mode) in modes.iter().enumerate() {
        let mut files = Vec::new();
        for (name, addr) in masters {
            let out = vipcheck()
                .args(["render", "--master", name, "--vipcheck", path_str(&bin)])
                .args(*mode)
                .arg(example())
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", text(&out));
            let f = t.path().join(format!("{m}-{name}.conf"));
            std::fs::write(&f, &out.stdout).unwrap();
            // keepalived checks the config where the master would run it:
            // a namespace with this master's eth0.
            let ns = Netns::with_eth0(&format!("vipchk-{m}{}", &name[..2]), &addr);
            let out = ns.run("keepalived", &["-t", "-f", path_str(&f)]);
            assert!(
                out.status.success(),
                "keepalived -t refused {}:\n{}",
                f.display(),
                text(&out)
            );
            assert!(
                text(&out).trim().is_empty(),
                "keepalived -t warned about {}:\n{}",
                f.display(),
                text(&out)
            );
            // Lint on that host too: the VIP fits eth0's subnet.
            let out = ns.run(path_str(&bin), &["lint", "--here", path_str(&f)]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
            files.push(f);
        }
        let out = vipcheck().arg("lint").args(&files).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).starts_with("VIPCHECK LINT OK - 0 errors, 0 warnings in 3 files"));
    }
}

/// The site's keepalived.conf, as its Puppet template renders it.
fn site_conf(prio: u32) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    priority {prio}\n    advert_int 1\n    virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n    virtual_ipaddress_excluded {{\n        2001:db8::100/64\n    }}\n}}\n"
    )
}

#[test]
fn lint_catches_what_keepalived_accepts() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("deadlock.conf");
    let b = t.path().join("coup.conf");
    std::fs::write(&a, site_conf(100)).unwrap();
    std::fs::write(&b, site_conf(100)).unwrap();
    let ns = Netns::with_eth0("vipchk-site", &["192.0.2.75/24"]);
    let out = ns.run("keepalived", &["-t", "-f", path_str(&a)]);
    assert!(
        out.status.success(),
        "keepalived -t accepts the site's config: {}",
        text(&out)
    );
    let out = vipcheck().args(["lint"]).arg(&a).arg(&b).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report = String::from_utf8(out.stdout).unwrap();
    let first = report.lines().next().unwrap();
    assert_eq!(
        first,
        "VIPCHECK LINT CRITICAL - 2 errors, 4 warnings in 2 files | 'errors'=2;;;0 'warnings'=4;;;0"
    );
    let da = a.display().to_string();
    assert!(
        report.contains(&format!(
            "{da}:1: error: vrrp_instance VI_1 tracks no health check"
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!("{da}:4: warning: virtual_router_id 51")),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "{da}:5: warning: VRID 51 (VI_1): priority 100 also in {}",
            b.display()
        )),
        "{report}"
    );
    // JSON for scripts.
    let out = vipcheck()
        .args(["--format", "json", "lint"])
        .arg(&a)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"], "CRITICAL");
    // Warnings only: 1.
    let w = t.path().join("w.conf");
    let rendered = vipcheck()
        .args(["render", "--master", "deadlock", "--vrid", "51"])
        .arg(example())
        .output()
        .unwrap();
    std::fs::write(&w, &rendered.stdout).unwrap();
    vipcheck().args(["lint"]).arg(&w).assert().code(1);
    // Unreadable input and usage errors: UNKNOWN.
    vipcheck()
        .args(["lint", "/nonexistent.conf"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "vipcheck: error: cannot read /nonexistent.conf",
        ));
    vipcheck().args(["lint"]).assert().code(3);
    vipcheck().args(["bogus"]).assert().code(3);
}

/// Each lint rule that stands for keepalived's own refusal is checked
/// against `keepalived -t` on a master's network (a namespace), and each
/// spelling keepalived treats alike is accepted by both.
#[test]
fn lint_agrees_with_keepalived_t() {
    let t = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("vipcheck");
    // VRRPv2's whole-second adverts, which the cases below edit.
    let render = |master: &str, program: &str| {
        let out = vipcheck()
            .args(["render", "--master", master, "--vipcheck", program])
            .args(["--advert-int", "1"])
            .arg(example())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let base = render("deadlock", path_str(&bin));
    let ns = Netns::with_eth0("vipchk-kt", &["192.0.2.75/24", "2001:db8::75/64"]);
    let write = |name: &str, body: &[u8]| {
        let f = t.path().join(name);
        std::fs::write(&f, body).unwrap();
        f
    };
    let keepalived_t = |f: &Path| {
        let out = ns.run("keepalived", &["-t", "-f", path_str(f)]);
        (out.status.success(), text(&out))
    };
    let unicast = |conf: &str, peer: &str| {
        conf.replace(
            "    advert_int 1\n",
            &format!("    advert_int 1\n    unicast_peer {{\n        {peer}\n    }}\n"),
        )
    };
    let second = |vrid: &str, name: &str| {
        let inst = &base[base.find("vrrp_instance").unwrap()..];
        inst.replace("VI_1", name)
            .replace(
                "virtual_router_id 100",
                &format!("virtual_router_id {vrid}"),
            )
            .replace("192.0.2.100/24", "192.0.2.50/24")
            .replace("2001:db8::100/64", "2001:db8::50/64")
    };
    let refused: Vec<(&str, String, &str)> = vec![
        (
            "advert",
            base.replace("advert_int 1", "advert_int 1.5"),
            "VRRPv2 adverts count whole seconds",
        ),
        (
            "range",
            base.replace("advert_int 1", "advert_int 256"),
            "not a number of seconds from 0.01 to 255",
        ),
        (
            "v3",
            base.replace("advert_int 1", "advert_int 41\n    version 3"),
            "VRRPv3 allows at most 40.95 s",
        ),
        (
            "excluded",
            base.replace("virtual_ipaddress {", "virtual_ipaddress_excluded {"),
            "VIPs only in virtual_ipaddress_excluded",
        ),
        (
            "dupname",
            format!("{base}{}", second("101", "VI_1")),
            "vrrp_instance VI_1 is defined twice",
        ),
        (
            "dupvrid",
            format!("{base}{}", second("100", "VI_2")),
            "VI_1 and VI_2 both use VRID 100 on eth0, keepalived refuses the file",
        ),
        (
            "dupvrid-unicast",
            format!(
                "{}{}",
                unicast(&base, "192.0.2.76"),
                unicast(&second("100", "VI_2"), "192.0.2.76")
            ),
            "with a unicast peer in common: keepalived refuses the file",
        ),
    ];
    for (name, body, want) in refused {
        let f = write(&format!("{name}.conf"), body.as_bytes());
        let (ok, said) = keepalived_t(&f);
        assert!(!ok, "{name}: keepalived -t accepted it: {said}");
        let out = vipcheck().arg("lint").arg(&f).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        assert!(text(&out).contains(want), "{name}: {}", text(&out));
    }
    // A track script that is not there: keepalived disables it; lint --here
    // on that host says so.
    let f = write(
        "missing.conf",
        render("deadlock", "/nonexistent/vipcheck").as_bytes(),
    );
    let (ok, said) = keepalived_t(&f);
    assert!(!ok && said.contains("Disabling track script"), "{said}");
    let out = ns.run(path_str(&bin), &["lint", "--here", path_str(&f)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(
            "/nonexistent/vipcheck does not exist here: keepalived disables the track script"
        ),
        "{}",
        text(&out)
    );

    // One VRID by unicast and by multicast on one interface: keepalived
    // accepts it, so lint does not say it refuses it (a warning).
    let f = write(
        "mixed.conf",
        format!("{base}{}", unicast(&second("100", "VI_2"), "192.0.2.76")).as_bytes(),
    );
    let (ok, said) = keepalived_t(&f);
    assert!(
        ok,
        "keepalived -t refused the unicast + multicast pair: {said}"
    );
    let out = vipcheck().arg("lint").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!text(&out).contains("refuses"), "{}", text(&out));

    // What keepalived reads, from its own dump of the configuration
    // (keepalived -d): the priority it uses is the one lint judges.
    let dumped_priority = |f: &Path| {
        let pid = t.path().join("dump.pid");
        let vrrp = t.path().join("dump-vrrp.pid");
        let out = ns.run(
            "timeout",
            &[
                "2",
                "keepalived",
                "-n",
                "-l",
                "-D",
                "-d",
                "-f",
                path_str(f),
                "-p",
                path_str(&pid),
                "-r",
                path_str(&vrrp),
            ],
        );
        let said = text(&out);
        let line = said
            .lines()
            .find(|l| l.contains("   Priority = "))
            .unwrap_or_else(|| panic!("keepalived -d dumped no priority: {said}"));
        line.rsplit(' ').next().unwrap().parse::<u32>().unwrap()
    };
    // A long comment whose end, past byte 1023, is `priority 10`: to
    // keepalived, priority 10 (and keepalived -t is silent about it).
    let head = format!("    # {}", "x".repeat(2000));
    let long = base.replace(
        "    advert_int 1\n",
        &format!("    advert_int 1\n{}priority 10\n", &head[..1023]),
    );
    let f = write("long.conf", long.as_bytes());
    assert!(keepalived_t(&f).0, "keepalived -t refused the long line");
    assert_eq!(dumped_priority(&f), 10);
    let out = vipcheck().arg("lint").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("keepalived reads \"priority 10\""),
        "{}",
        text(&out)
    );
    // priority given twice: keepalived keeps the last.
    let twice = base.replace("    priority 150\n", "    priority 150\n    priority 120\n");
    let f = write("twice.conf", twice.as_bytes());
    assert_eq!(dumped_priority(&f), 120);
    let out = vipcheck().arg("lint").arg(&f).output().unwrap();
    assert!(
        text(&out).contains("keepalived uses the last, 120"),
        "{}",
        text(&out)
    );
    // Parameters: read as keepalived reads them, and clean.
    let params = format!(
        "$PRIO=140\n$VIP=192.0.2.100\n{}",
        base.replace("priority 150", "priority $PRIO")
            .replace("192.0.2.100/24", "${VIP}/24")
    );
    let f = write("params.conf", params.as_bytes());
    assert!(keepalived_t(&f).0, "keepalived -t refused the parameters");
    assert_eq!(dumped_priority(&f), 140);
    let out = ns.run(path_str(&bin), &["lint", "--here", path_str(&f)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A notify program that is not there: keepalived -t says nothing,
    // lint --here does (vipcheck local depends on it).
    let f = write(
        "notify.conf",
        base.replace("notify \"", "notify \"/nonexistent/vipcheck ")
            .as_bytes(),
    );
    assert!(keepalived_t(&f).0, "keepalived -t refused the notify");
    let out = ns.run(path_str(&bin), &["lint", "--here", path_str(&f)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("notify: /nonexistent/vipcheck does not exist here"),
        "{}",
        text(&out)
    );

    // Spellings keepalived treats alike, and a Latin-1 comment: accepted
    // by keepalived -t one by one, and no finding across the two masters.
    let mut a = base
        .replace("192.0.2.100/24", "192.0.2.100/32")
        .into_bytes();
    a.extend_from_slice(b"# caf\xe9: a Latin-1 comment\n");
    let b = render("autocrat", path_str(&bin))
        .replace("192.0.2.100/24", "192.0.2.100")
        .replace("2001:db8::100/64", "2001:0db8:0:0::0100/64")
        .replace("advert_int 1", "advert_int 1.0");
    let fa = write("a.conf", &a);
    let fb = write("b.conf", b.as_bytes());
    for f in [&fa, &fb] {
        let (ok, said) = keepalived_t(f);
        assert!(ok, "keepalived -t refused {}: {said}", f.display());
    }
    let out = vipcheck().arg("lint").arg(&fa).arg(&fb).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn holder_says_whether_this_host_has_the_address() {
    let out = vipcheck()
        .args(["holder", "--vip", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "VIPCHECK HOLDER OK - 127.0.0.1 is on lo | 'holds_vip'=1;;;0\n"
    );
    vipcheck()
        .args(["holder", "--vip", "192.0.2.254/24"])
        .assert()
        .code(1);
    vipcheck()
        .args(["holder", "--cluster"])
        .arg(example())
        .assert()
        .code(1);
    vipcheck()
        .args(["holder", "--vip", "not-an-ip"])
        .assert()
        .code(3);
    vipcheck().args(["holder"]).assert().code(3);
    // In a namespace that holds it.
    let ns = Netns::with_eth0("vipchk-hold", &["192.0.2.100/24"]);
    let bin = assert_cmd::cargo::cargo_bin("vipcheck");
    let out = ns.run(
        path_str(&bin),
        &["holder", "--cluster", path_str(&example())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("192.0.2.100 is on eth0"));
}

#[path = "support/failover.rs"]
mod failover;
