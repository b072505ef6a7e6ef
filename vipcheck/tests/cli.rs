//! The `vipcheck` binary: every exit status, the generators, notify and
//! local against a stand-in keepalived, probes against servers the test
//! runs on loopback. Needs no root: the tests with real keepalived in
//! network namespaces are in tests/netns.rs.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use testkit::{path_str, text, tool};

#[path = "support/common.rs"]
mod common;
use common::{example, vipcheck};

/// A one-shot HTTP server answering `status` to every request.
fn server(status: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    serve(l, status);
    port
}

/// Answers `status` to every request on `l`, in the background.
fn serve(l: TcpListener, status: &'static str) {
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
    let st = path_str(&state);
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
            .args(["--state-file", st, "--keepalived-pid", path_str(&pid)])
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
        .args(["--state-file", st, "--keepalived-pid", path_str(&pid)])
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
        // Another test thread forking while the copy's write descriptor is
        // still open makes exec fail with ETXTBSY for a moment: try again.
        let mut tries = 0;
        let child = loop {
            match StdCommand::new(&main)
                .arg("-c")
                .arg(format!("{} 600 & wait", path_str(&vrrp)))
                .process_group(0)
                .spawn()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.unwrap(),
            }
        };
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
            path_str(&bin),
            path_str(&state)
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

/// probe asks each worker of the cluster file directly, on the NodePort,
/// for the ingress's health path: a worker that does not answer is named
/// as such, and `--no-workers` leaves them out.
#[test]
fn probe_names_a_worker_that_does_not_answer() {
    // riptide answers on loopback, on a port of the NodePort range;
    // bedbugs (127.0.0.22) refuses. The masters and the VIP refuse too.
    let (l, port) = (31000..32767)
        .find_map(|p| TcpListener::bind(("127.0.0.21", p)).ok().map(|l| (l, p)))
        .expect("a free port in the NodePort range");
    serve(l, "200 OK");
    let lab = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/lab/cluster.yaml"),
    )
    .unwrap()
    .replace("node_port: 31234", &format!("node_port: {port}"));
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("cluster.yaml");
    std::fs::write(&file, lab).unwrap();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let probe = |extra: &[&str]| {
        let out = vipcheck()
            .args(["--format", "json", "probe", "--timeout", "2s", "--cluster"])
            .arg(&file)
            .args(["--port", &closed.to_string(), "--vip", "127.0.0.1"])
            .args(["--master", "deadlock=127.0.0.11"])
            .args(extra)
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let workers = [
        "--worker",
        "riptide=127.0.0.21",
        "--worker",
        "bedbugs=127.0.0.22",
    ];
    let v = probe(&workers);
    let summary = v["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("worker bedbugs (cannot connect")
            && summary.contains("1 of 2 workers do"),
        "{v}"
    );
    let details: Vec<&str> = v["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    let riptide = format!("worker riptide 127.0.0.21:{port}/healthz: 200 in");
    assert!(
        details.iter().any(|d| d.starts_with(&riptide)),
        "{details:?}"
    );
    let perf = |name: &str| {
        v["perfdata"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["label"] == name)
            .map(|p| p["value"].as_f64().unwrap())
    };
    assert_eq!(
        (perf("worker_ok"), perf("worker_failed")),
        (Some(1.0), Some(1.0)),
        "{v}"
    );
    let v = probe(&["--no-workers"]);
    assert!(!v["summary"].as_str().unwrap().contains("worker"), "{v}");
    assert!(!v.to_string().contains("worker_failed"), "{v}");
}

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
        34 * 4 + 2,
        "34 hosts through the VIP and 3 masters, and the 2 workers' health"
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
            path_str(&root.join("examples/puppet/vipcheck.pp")),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
}

/// The break a site adopting the toolkit would have: its masters run VRID
/// 51, the cluster file does not say so, and render would write 100. lint
/// --cluster over the running files says so before anything is rendered.
#[test]
fn lint_against_the_cluster_file_names_what_render_would_change() {
    let t = tempfile::tempdir().unwrap();
    let mut running = Vec::new();
    for m in ["deadlock", "autocrat", "coup"] {
        let out = vipcheck()
            .args([
                "render",
                "--master",
                m,
                "--vrid",
                "51",
                "--advert-int",
                "0.1",
            ])
            .arg(example())
            .output()
            .unwrap();
        running.push(testkit::write(
            t.path(),
            &format!("{m}.conf"),
            &String::from_utf8(out.stdout).unwrap(),
        ));
    }
    let lint = |cluster: &Path| {
        let mut c = vipcheck();
        c.args(["lint", "--cluster"]).arg(cluster).args(&running);
        c.output().unwrap()
    };
    let out = lint(&example());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        said.matches("VRID 51 here, but the cluster file's vip.vrid is 100")
            .count(),
        3,
        "{said}"
    );
    let site = std::fs::read_to_string(example()).unwrap().replacen(
        "  advert_int: 0.1\n",
        "  advert_int: 0.1\n  vrid: 51\n",
        1,
    );
    let keeps = testkit::write(t.path(), "cluster.yaml", &site);
    let said = String::from_utf8(lint(&keeps).stdout).unwrap();
    assert!(!said.contains("cluster file"), "{said}");
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
