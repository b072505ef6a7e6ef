//! The `vipcheck` binary: every exit status, and real keepalived checking
//! the rendered configs inside a network namespace the test makes (with an
//! `eth0` of its own, so keepalived's interface check is real).
//!
//! keepalived and iproute2 are installed by the test command (`.ci/test`);
//! the namespace needs root. A missing tool fails these tests, it never
//! skips them.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use testkit::{s, text, tool};

fn vipcheck() -> Command {
    Command::cargo_bin("vipcheck").expect("the vipcheck binary is built")
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/ocf/cluster.yaml")
}

/// `ip ARGS`, which must succeed (the namespace tests need root).
fn ip(args: &[&str]) {
    let out = tool("ip", args);
    assert!(
        out.status.success(),
        "ip {args:?}: {} (the namespace tests need root)",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `program ARGS` run inside network namespace `ns`.
fn in_ns(ns: &str, program: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["netns", "exec", ns, program];
    all.extend_from_slice(args);
    tool("ip", &all)
}

/// A network namespace with a veth `eth0` up and addressed, removed again
/// when dropped (also when the test fails).
struct Netns(String);

impl Netns {
    fn new(tag: &str, addrs: &[&str]) -> Netns {
        let name = format!("vipchk-{tag}-{}", std::process::id());
        ip(&["netns", "add", &name]);
        let ns = Netns(name.clone());
        ip(&[
            "-n", &name, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0",
        ]);
        ip(&["-n", &name, "link", "set", "eth0", "up"]);
        ip(&["-n", &name, "link", "set", "peer0", "up"]);
        for addr in addrs {
            ip(&["-n", &name, "addr", "add", addr, "dev", "eth0"]);
        }
        ns
    }

    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        in_ns(&self.0, program, args)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = StdCommand::new("ip")
            .args(["netns", "del", &self.0])
            .output();
    }
}

#[test]
fn rendered_configs_pass_real_keepalived_and_lint_together() {
    let t = tempfile::tempdir().unwrap();
    let secret = t.path().join("secret");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("vipcheck");
    let modes: [&[&str]; 3] = [
        &[],
        &["--backup", "--unicast"],
        &["--unicast", "--vrid", "77", "--auth-pass-file", s(&secret)],
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
                .args(["render", "--master", name, "--vipcheck", s(&bin)])
                .args(*mode)
                .arg(example())
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", text(&out));
            let f = t.path().join(format!("{m}-{name}.conf"));
            std::fs::write(&f, &out.stdout).unwrap();
            // keepalived checks the config where the master would run it:
            // a namespace with this master's eth0.
            let ns = Netns::new(&format!("{m}{}", &name[..2]), &addr);
            let out = ns.run("keepalived", &["-t", "-f", s(&f)]);
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
            let out = ns.run(s(&bin), &["lint", "--here", s(&f)]);
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
    let ns = Netns::new("site", &["192.0.2.75/24"]);
    let out = ns.run("keepalived", &["-t", "-f", s(&a)]);
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
    let render = |master: &str, program: &str| {
        let out = vipcheck()
            .args(["render", "--master", master, "--vipcheck", program])
            .arg(example())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let base = render("deadlock", s(&bin));
    let ns = Netns::new("kt", &["192.0.2.75/24", "2001:db8::75/64"]);
    let write = |name: &str, body: &[u8]| {
        let f = t.path().join(name);
        std::fs::write(&f, body).unwrap();
        f
    };
    let keepalived_t = |f: &Path| {
        let out = ns.run("keepalived", &["-t", "-f", s(f)]);
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
    let out = ns.run(s(&bin), &["lint", "--here", s(&f)]);
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
                s(f),
                "-p",
                s(&pid),
                "-r",
                s(&vrrp),
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
    let out = ns.run(s(&bin), &["lint", "--here", s(&f)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A notify program that is not there: keepalived -t says nothing,
    // lint --here does (vipcheck local depends on it).
    let f = write(
        "notify.conf",
        base.replace("notify \"", "notify \"/nonexistent/vipcheck ")
            .as_bytes(),
    );
    assert!(keepalived_t(&f).0, "keepalived -t refused the notify");
    let out = ns.run(s(&bin), &["lint", "--here", s(&f)]);
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
    let b = render("autocrat", s(&bin))
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
    let ns = Netns::new("hold", &["192.0.2.100/24"]);
    let bin = assert_cmd::cargo::cargo_bin("vipcheck");
    let out = ns.run(s(&bin), &["holder", "--cluster", s(&example())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("192.0.2.100 is on eth0"));
}

/// A one-shot HTTP server answering `status` to every request.
fn server(status: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            // The whole request head, then the answer.
            let mut got = Vec::new();
            let mut b = [0u8; 512];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match c.read(&mut b) {
                    Ok(0) => break,
                    Ok(n) => got.extend_from_slice(&b[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => panic!("test server: {e}"),
                }
            }
            let _ = write!(
                c,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    port
}

#[test]
fn track_is_zero_only_for_a_healthy_haproxy() {
    let ok = server("200 OK");
    let bad = server("503 Service Unavailable");
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = |p: u16| format!("http://127.0.0.1:{p}/healthz");
    vipcheck()
        .args(["track", "--url", &url(ok)])
        .assert()
        .code(0);
    vipcheck()
        .args(["track", "--url", &url(bad)])
        .assert()
        .code(1);
    vipcheck()
        .args(["track", "--url", &url(closed)])
        .assert()
        .code(1);
    vipcheck()
        .args(["track", "--url", "https://x/"])
        .assert()
        .code(3);
    vipcheck()
        .args(["track", "--timeout", "0"])
        .assert()
        .code(3);
}

#[test]
fn notify_and_local_agree() {
    let t = tempfile::tempdir().unwrap();
    let state = t.path().join("run/state");
    let st = s(&state);
    vipcheck()
        .args([
            "notify",
            "--state-file",
            st,
            "INSTANCE",
            "VI_1",
            "MASTER",
            "150",
        ])
        .assert()
        .code(0);
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(
        (rec["state"].as_str(), rec["priority"].as_u64()),
        (Some("MASTER"), Some(150))
    );
    vipcheck()
        .args(["notify", "--state-file", st, "INSTANCE", "VI_1", "LEADER"])
        .assert()
        .code(2);
    let ok = server("200 OK");
    let url = format!("http://127.0.0.1:{ok}/healthz");
    let pid = t.path().join("keepalived.pid");
    let local = |format: &str, vip: &str| {
        vipcheck()
            .args(["--format", format, "local", "--vip", vip, "--url", &url])
            .args(["--state-file", st, "--keepalived-pid", s(&pid)])
            .args(["--settle", "0"])
            .output()
            .unwrap()
    };
    // The "VIP" (127.0.0.1) is here, but no keepalived runs: an orphan.
    let out = local("text", "127.0.0.1");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("orphaned address"), "{}", text(&out));
    // A MASTER record but no keepalived: the record is stale, and this
    // master simply cannot take over (not "nobody answers").
    let out = local("text", "192.0.2.254");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("keepalived is not running: this master cannot take over"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("is stale: keepalived is not running"));

    // A stand-in keepalived: a copy of sleep under that name (the real one
    // runs in the failover harness). The MASTER record predates it: stale.
    let fake = FakeDaemon::start(t.path(), &pid);
    let out = local("text", "192.0.2.254");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("backup for 192.0.2.254 (state unknown)"));
    assert!(text(&out).contains("recorded before this keepalived started"));
    // Recorded since: MASTER, but the VIP is not here.
    let notify = |state: &str| {
        vipcheck()
            .args([
                "notify",
                "--state-file",
                st,
                "INSTANCE",
                "VI_1",
                state,
                "140",
            ])
            .assert()
            .code(0);
    };
    notify("MASTER");
    let out = local("text", "192.0.2.254");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("VRRP MASTER but 192.0.2.254 is on no interface"));
    // The same verdict, confirmed after --settle.
    let out = vipcheck()
        .args(["local", "--vip", "192.0.2.254", "--url", &url])
        .args(["--state-file", st, "--keepalived-pid", s(&pid)])
        .args(["--settle", "100ms"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("confirmed by a second look 100 ms later"));
    notify("BACKUP");
    let out = local("text", "192.0.2.254");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Frozen (SIGSTOP): it sends no adverts, so it cannot take over, and
    // an address it holds is an orphan.
    fake.signal("STOP");
    let out = local("text", "192.0.2.254");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("keepalived is frozen"),
        "{}",
        text(&out)
    );
    let out = local("text", "127.0.0.1");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("is stopped, it sends no adverts): orphaned address"));
    fake.signal("CONT");
    // Prometheus text for node_exporter.
    let out = local("prometheus", "192.0.2.254");
    let p = String::from_utf8_lossy(&out.stdout);
    assert!(p.contains("vipcheck_state{check=\"local\"} 0\n"), "{p}");
    assert!(p.contains("vipcheck_holds_vip{check=\"local\"} 0\n"), "{p}");
    assert!(
        p.contains("vipcheck_keepalived_up{check=\"local\"} 1\n"),
        "{p}"
    );
}

/// Processes shaped like keepalived with VRRP alone: a main process (a
/// copy of sh) and its one child (a copy of sleep), both called keepalived,
/// in a process group of their own; the main one's pid file. Killed when
/// dropped.
struct FakeDaemon(std::process::Child);

impl FakeDaemon {
    fn start(dir: &Path, pid_file: &Path) -> FakeDaemon {
        use std::os::unix::process::CommandExt;
        let (main, vrrp) = (dir.join("keepalived"), dir.join("vrrp/keepalived"));
        std::fs::create_dir_all(vrrp.parent().unwrap()).unwrap();
        std::fs::copy("/bin/sh", &main).unwrap();
        std::fs::copy("/bin/sleep", &vrrp).unwrap();
        let child = StdCommand::new(&main)
            .arg("-c")
            .arg(format!("{} 600 & wait", s(&vrrp)))
            .process_group(0)
            .spawn()
            .unwrap();
        std::fs::write(pid_file, format!("{}\n", child.id())).unwrap();
        // The child is forked, and clock ticks are 10 ms: records made from
        // now on start later.
        std::thread::sleep(std::time::Duration::from_millis(50));
        FakeDaemon(child)
    }

    /// `sig` to both processes.
    fn signal(&self, sig: &str) {
        let out = StdCommand::new("kill")
            .args(["-s", sig, "--", &format!("-{}", self.0.id())])
            .output()
            .unwrap();
        assert!(out.status.success());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        let _ = StdCommand::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.0.id())])
            .output();
        let _ = self.0.wait();
    }
}

/// keepalived forks one notify process per transition and they run
/// concurrently; on a loaded machine the first may finish last. Provoked
/// here: 200 transitions forked in order through a wrapper that delays
/// each by a random time before it execs vipcheck notify (the pid and fork
/// time survive exec, as with keepalived's own fork). The file must end on
/// the last transition forked, every round.
#[test]
fn racing_notify_processes_leave_the_last_transition() {
    let t = tempfile::tempdir().unwrap();
    let state = t.path().join("state");
    let wrapper = t.path().join("slow-notify");
    let bin = assert_cmd::cargo::cargo_bin("vipcheck");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nsleep 0.$(shuf -i 0-200 -n 1 | xargs printf %03d)\nexec {} notify --state-file {} \"$@\"\n",
            s(&bin),
            s(&state)
        ),
    )
    .unwrap();
    let mut skipped = 0;
    for round in 0..4 {
        let states = ["MASTER", "BACKUP", "FAULT"];
        let children: Vec<_> = (0..50)
            .map(|i| {
                StdCommand::new("sh")
                    .arg(&wrapper)
                    .args(["INSTANCE", "VI_1", states[(i + round) % 3], &i.to_string()])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", text(&out));
            skipped += usize::from(text(&out).contains("not recorded"));
        }
        let rec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        let last = states[(49 + round) % 3];
        assert_eq!(
            (rec["state"].as_str(), rec["priority"].as_u64()),
            (Some(last), Some(49)),
            "round {round}"
        );
    }
    // The race really happened: late writers found newer records.
    assert!(skipped > 0, "no notify process finished out of order");
}

#[path = "support/failover.rs"]
mod failover;

#[test]
fn probe_and_arp_exit_statuses() {
    // Nothing listens: the VIP fails, CRITICAL, within the timeout.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = std::time::Instant::now();
    let out = vipcheck()
        .args([
            "probe",
            "--vip",
            "127.0.0.1",
            "--host",
            "templates.ocf.berkeley.edu",
            "--timeout",
            "2s",
        ])
        .args(["--port", &closed.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out)
            .starts_with("VIPCHECK PROBE CRITICAL - VIP 127.0.0.1: 0/1 answer (cannot connect"),
        "{}",
        text(&out)
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    // Usage errors are UNKNOWN.
    vipcheck().args(["probe"]).assert().code(3);
    vipcheck()
        .args(["probe", "--vip", "127.0.0.1"])
        .assert()
        .code(3);
    vipcheck()
        .args(["probe", "--vip", "127.0.0.1", "--host", "a b"])
        .assert()
        .code(3);
    vipcheck()
        .args(["probe", "--vip", "127.0.0.1", "--master", "x"])
        .assert()
        .code(3);
    // The cluster file gives VIP, masters and every service host.
    let out = vipcheck()
        .args([
            "--format",
            "json",
            "probe",
            "--timeout",
            "300ms",
            "--port",
            &closed.to_string(),
            "--vip",
            "127.0.0.1",
            "--cluster",
        ])
        .arg(example())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"], "CRITICAL");
    assert_eq!(
        v["details"].as_array().unwrap().len(),
        34 * 4,
        "34 hosts through the VIP and 3 masters"
    );
    // A --ca that is not a certificate is named, not blamed on a server.
    let t = tempfile::tempdir().unwrap();
    let notcert = t.path().join("ca.pem");
    std::fs::write(&notcert, "not a certificate\n").unwrap();
    vipcheck()
        .args(["probe", "--vip", "127.0.0.1", "--host", "a.example", "--ca"])
        .arg(&notcert)
        .assert()
        .code(3)
        .stdout(predicates::str::contains("VIPCHECK PROBE UNKNOWN"))
        .stdout(predicates::str::contains("no PEM certificate in it"));
    vipcheck()
        .args(["arp", "--vip", "192.0.2.100", "--iface", "nosuch0"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no such interface"));
    vipcheck()
        .args(["arp", "--vip", "2001:db8::1", "--iface", "lo"])
        .assert()
        .code(3);
    // Loopback cannot carry ARP: UNKNOWN saying so, not "the VIP is down".
    vipcheck()
        .args(["arp", "--vip", "192.0.2.100", "--iface", "lo"])
        .assert()
        .code(3)
        .stdout(predicates::str::contains("VIPCHECK ARP UNKNOWN"))
        .stdout(predicates::str::contains(
            "--iface lo is a loopback interface: it cannot carry ARP",
        ));
    vipcheck()
        .args([
            "arp",
            "--vip",
            "192.0.2.100",
            "--iface",
            "lo",
            "--mac",
            "x=1",
        ])
        .assert()
        .code(3);
}

#[test]
fn the_examples_are_what_the_tools_make() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let committed =
        std::fs::read_to_string(root.join("examples/keepalived/deadlock.conf")).unwrap();
    let out = vipcheck()
        .args(["render", "--master", "deadlock", "--unicast"])
        .arg(example())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        committed,
        "examples/keepalived/deadlock.conf is stale: vipcheck render --master deadlock --unicast examples/ocf/cluster.yaml > examples/keepalived/deadlock.conf"
    );
    let out = tool(
        "puppet",
        &[
            "parser",
            "validate",
            s(&root.join("examples/puppet/vipcheck.pp")),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn one_rule_for_every_time() {
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{free}/healthz");
    // Accepted (and the check runs: nothing listens, so WARNING).
    for t in ["3600s", "3600000", "3600000ms", "1ms", "0.5s", "1"] {
        vipcheck()
            .args(["track", "--url", &url, "--timeout", t])
            .assert()
            .code(1);
    }
    // Refused, whatever the spelling: a usage error, UNKNOWN.
    for t in [
        "3601s",
        "86400000",
        "86400000ms",
        "0",
        "0s",
        "0.0001s",
        "1e3",
        "+5",
        "-1s",
        "inf",
        "NaNs",
        "5m",
        "",
    ] {
        vipcheck()
            .args(["track", "--url", &url, &format!("--timeout={t}")])
            .assert()
            .code(3)
            .stderr(predicates::str::contains("from 1 ms to 1 hour"));
    }
}

#[test]
fn generator_and_usage_statuses() {
    // local without a VIP, or with a bad URL: UNKNOWN.
    vipcheck().args(["local"]).assert().code(3);
    vipcheck()
        .args(["local", "--vip", "127.0.0.1", "--url", "ftp://x/"])
        .assert()
        .code(3);
    // render: a usage error is 2, an invalid cluster file 1.
    vipcheck()
        .args(["render", "--master", "nobody"])
        .arg(example())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "not a master in the cluster file (deadlock, autocrat, coup)",
        ));
    vipcheck()
        .args(["render", "--master", "deadlock", "--vrid", "0"])
        .arg(example())
        .assert()
        .code(2);
    for interval in ["0", "4295", "4294967295"] {
        vipcheck()
            .args(["render", "--master", "deadlock", "--interval", interval])
            .arg(example())
            .assert()
            .code(2)
            .stderr(predicates::str::contains("1..=4294"));
    }
    vipcheck()
        .args(["render", "--master", "deadlock", "-"])
        .write_stdin("masters: []\nvip: {name: lb, ipv4: 192.0.2.100/24}\n")
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "stdin:1: masters: the list is empty",
        ));
    vipcheck().args(["notify", "INSTANCE"]).assert().code(2);
}
