//! Quorum lost and won back on real etcd: a 3-member TLS cluster on the
//! PKI kubetool makes, in a network namespace; a snapshot taken by
//! `quorumcalc backup`; two members killed and their data destroyed; then
//! each of `quorumcalc plan`'s two ways back carried out step by step from
//! its `--format json`, the commands run as the plan spells them (the
//! service steps, which need systemd, done by the test's own start and
//! stop; the copy to other hosts skipped: the members share this file
//! system).
//!
//! - restore: every key written before the snapshot is back, none written
//!   after it, the plan's count of revisions lost is the number of writes
//!   acknowledged after the snapshot, and etcd's revision is the snapshot's.
//! - force-new-cluster: every acknowledged write is back, and three members
//!   answer.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use testkit::etcd::{Member, Tls};
use testkit::{EtcdCluster, Lan, Netns, path_str, text, write};

const MEMBERS: [(&str, &str); 3] = [
    ("e1", "10.66.0.1"),
    ("e2", "10.66.0.2"),
    ("e3", "10.66.0.3"),
];
/// Their addresses on the hosts' link.
const ADDRS: [&str; 3] = ["10.66.0.1/24", "10.66.0.2/24", "10.66.0.3/24"];
/// Keys written before the snapshot, and after it.
const BEFORE: usize = 40;
const AFTER: usize = 15;

/// One site: the members' hosts, the cluster, and where everything is.
struct Site<'a> {
    lan: &'a Lan,
    etcd: EtcdCluster<'static>,
    t: PathBuf,
    bin: PathBuf,
}

/// kubetool's etcd certificates for each member, laid out as the
/// puppetlabs-kubernetes module writes them (`pki/NAME/ca.crt`, ...).
fn pki(t: &Path, bin: &Path, lan: &Lan) -> Vec<Member> {
    let members: Vec<String> = MEMBERS.iter().map(|(n, ip)| format!("{n}:{ip}")).collect();
    let data = t.join("hiera");
    let out = Command::new(bin.join("kubetool"))
        .args(testkit::kubetool_settings(&members.join(","), &data))
        .output()
        .unwrap();
    assert!(out.status.success(), "kubetool: {}", text(&out));
    let yaml = |f: &str| -> serde_yaml::Value {
        clikit::yaml::document(&std::fs::read_to_string(data.join(f)).unwrap()).unwrap()
    };
    let os = yaml("Debian.yaml");
    MEMBERS
        .iter()
        .zip(&lan.hosts)
        .map(|((name, ip), host_ns)| {
            let host = yaml(&format!("{name}.yaml"));
            let dir = t.join("pki").join(name);
            let key = |y: &serde_yaml::Value, k: &str| {
                y[format!("kubernetes::{k}").as_str()]
                    .as_str()
                    .unwrap_or_else(|| panic!("{k}"))
                    .to_owned()
            };
            write(&dir, "ca.crt", &key(&os, "etcd_ca_crt"));
            for (k, f) in [
                ("etcdserver_crt", "server.crt"),
                ("etcdserver_key", "server.key"),
                ("etcdpeer_crt", "peer.crt"),
                ("etcdpeer_key", "peer.key"),
                ("etcdclient_crt", "client.crt"),
                ("etcdclient_key", "client.key"),
            ] {
                write(&dir, f, &key(&host, k));
            }
            Member::at(name, ip, 2379, 2380)
                .with_tls(Tls {
                    ca: dir.join("ca.crt"),
                    cert: dir.join("server.crt"),
                    key: dir.join("server.key"),
                    peer_cert: dir.join("peer.crt"),
                    peer_key: dir.join("peer.key"),
                })
                .in_netns(host_ns.name())
        })
        .collect()
}

impl<'a> Site<'a> {
    fn start(lan: &'a Lan, t: &Path) -> Site<'a> {
        let bin = testkit::built_tools();
        let members = pki(t, &bin, lan);
        let etcd = EtcdCluster::start(t, members);
        let s = Site {
            lan,
            etcd,
            t: t.to_owned(),
            bin,
        };
        s.wait("every member healthy", || {
            s.etcdctl(&["endpoint", "health", "--cluster"])
                .status
                .success()
        });
        s
    }

    fn pki(&self, file: &str) -> String {
        path_str(&self.t.join("pki/e1").join(file)).to_owned()
    }

    /// The host of member `name`.
    fn host(&self, name: &str) -> &Netns {
        let i = MEMBERS.iter().position(|(n, _)| *n == name).unwrap();
        &self.lan.hosts[i]
    }

    /// e1's host, where the test's own etcdctl runs.
    fn ns(&self) -> &Netns {
        &self.lan.hosts[0]
    }

    /// etcdctl on e1's host with its client certificate.
    fn etcdctl(&self, args: &[&str]) -> Output {
        let endpoints: Vec<String> = MEMBERS
            .iter()
            .map(|(_, ip)| format!("https://{ip}:2379"))
            .collect();
        let mut all = vec![
            format!("--endpoints={}", endpoints.join(",")),
            format!("--cacert={}", self.pki("ca.crt")),
            format!("--cert={}", self.pki("client.crt")),
            format!("--key={}", self.pki("client.key")),
            "--dial-timeout=1s".into(),
            "--command-timeout=3s".into(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        self.ns().run("etcdctl", &refs)
    }

    fn put(&self, key: &str) {
        let out = self.etcdctl(&["put", key, "v"]);
        assert!(out.status.success(), "put {key}: {}", text(&out));
    }

    /// The keys etcd holds under `prefix`.
    fn keys(&self, prefix: &str) -> Vec<String> {
        let out = self.etcdctl(&["get", "--prefix", "--keys-only", prefix]);
        assert!(out.status.success(), "get: {}", text(&out));
        let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        v.sort();
        v
    }

    fn wait(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ok() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn quorumcalc(&self) -> Command {
        let mut c = self.ns().command(path_str(&self.bin.join("quorumcalc")));
        c.env("ETCDCTL_CACERT", self.pki("ca.crt"))
            .env("ETCDCTL_CERT", self.pki("client.crt"))
            .env("ETCDCTL_KEY", self.pki("client.key"));
        c
    }

    /// `quorumcalc status` over etcdctl's JSON: its exit status.
    fn status(&self) -> i32 {
        let list = self.etcdctl(&["member", "list", "-w", "json"]);
        let st = self.etcdctl(&["endpoint", "status", "--cluster", "-w", "json"]);
        let input = joined_text(&[&list.stdout, &st.stdout]);
        let p = write(&self.t, "status.json", &input);
        let out = self
            .quorumcalc()
            .args(["status", path_str(&p)])
            .output()
            .unwrap();
        out.status.code().unwrap()
    }

    /// Keys, a snapshot, more keys; then e2 and e3 killed, their data
    /// gone, and quorum lost. The snapshot's directory.
    fn lose_quorum(&mut self) -> PathBuf {
        for i in 0..BEFORE {
            self.put(&format!("before/{i:03}"));
        }
        let snaps = self.t.join("snapshots");
        let out = self
            .quorumcalc()
            .args(["backup", "--dir", path_str(&snaps), "--min-free", "0"])
            .args(["--endpoint", "https://10.66.0.1:2379"])
            .output()
            .unwrap();
        assert!(out.status.success(), "backup: {}", text(&out));
        for i in 0..AFTER {
            self.put(&format!("after/{i:03}"));
        }
        for (name, _) in &MEMBERS[1..] {
            self.etcd.kill(name);
            std::fs::remove_dir_all(self.etcd.data_dir(name)).unwrap();
        }
        self.wait("quorumcalc status CRITICAL", || self.status() == 2);
        snaps
    }

    /// `quorumcalc plan` for the lost quorum, as JSON.
    fn plan(&self, snaps: &Path) -> Value {
        let live = self.etcdctl(&[
            "--endpoints=https://10.66.0.1:2379",
            "endpoint",
            "status",
            "-w",
            "json",
        ]);
        let live = write(&self.t, "live.json", &String::from_utf8_lossy(&live.stdout));
        let data = format!("{}/{{name}}.etcd", path_str(&self.t));
        let pki = format!("{}/pki/{{name}}", path_str(&self.t));
        let masters: String = MEMBERS
            .iter()
            .map(|(n, ip)| format!("  - {{name: {n}, ipv4: {ip}}}\n"))
            .collect();
        let file = write(
            &self.t,
            "cluster.yaml",
            &format!("cluster: t\nmasters:\n{masters}"),
        );
        let out = Command::new(self.bin.join("quorumcalc"))
            .args([
                "plan",
                "--cluster",
                path_str(&file),
                "--down",
                "e2,e3",
                "--format",
                "json",
            ])
            .args(["--snapshot", path_str(snaps), "--live", path_str(&live)])
            .args(["--data-dir", &data, "--pki-dir", &pki])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "plan: {}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Carries out the way named `way` of the plan.
    fn follow(&mut self, plan: &Value, way: &str) {
        let r = &plan["recovery"];
        let w = r["ways"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == way)
            .unwrap();
        assert_eq!(w["possible"], true, "{w:#}");
        let mut by_hand = None;
        for step in w["steps"].as_array().unwrap() {
            let (host, kind) = (
                step["host"].as_str().unwrap(),
                step["kind"].as_str().unwrap(),
            );
            let command = step["command"].as_str().unwrap();
            eprintln!("{way} {}: [{host}] {kind}: {command}", step["step"]);
            match kind {
                "stop" => {
                    if self.etcd.running(host) {
                        self.etcd.kill(host);
                    }
                }
                "start" => self.etcd.restart(host),
                "set-aside" | "keep" | "restore" => {
                    let out = self.host(host).run("sh", &["-c", command]);
                    assert!(out.status.success(), "{command}: {}", text(&out));
                }
                // Repeated while etcd says the members have not been
                // connected long enough, as the step says.
                "member-add" => self.wait(command, || {
                    let out = self.host(host).run("sh", &["-c", command]);
                    assert!(
                        out.status.success() || text(&out).contains("unhealthy cluster"),
                        "{command}: {}",
                        text(&out)
                    );
                    out.status.success()
                }),
                "run-once" => {
                    let log = self.t.join(format!("{host}.by-hand.log"));
                    let pid =
                        self.host(host)
                            .spawn("sh", &["-c", &format!("exec {command}")], &log);
                    by_hand = Some((host.to_owned(), pid));
                }
                "wait" => {
                    let log = self.t.join(format!("{host}.by-hand.log"));
                    let deadline = Instant::now() + Duration::from_secs(60);
                    while !self.host(host).run("sh", &["-c", command]).status.success() {
                        assert!(
                            Instant::now() < deadline,
                            "{command} never succeeded; etcd started by hand said:\n{}",
                            std::fs::read_to_string(&log).unwrap_or_default()
                        );
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
                "stop-once" => {
                    let (on, pid) = by_hand.take().expect("started by hand");
                    self.host(&on).kill(pid);
                }
                "check" => self.wait("quorumcalc status OK", || self.status() == 0),
                // The members share this file system; nothing here uses etcd.
                "copy" | "note" => {}
                other => panic!("a step this test cannot carry out: {other}"),
            }
        }
    }
}

/// Outputs as text, one after the other.
fn joined_text(parts: &[&Vec<u8>]) -> String {
    parts
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}/{i:03}")).collect()
}

#[test]
fn restore_from_the_snapshot_as_the_plan_says() {
    let t = tempfile::tempdir().unwrap();
    let lan = Lan::new("restore", &ADDRS);
    let mut site = Site::start(&lan, t.path());
    let snaps = site.lose_quorum();
    let plan = site.plan(&snaps);
    let r = &plan["recovery"];
    assert_eq!(r["lost"], serde_json::json!(["e2", "e3"]));
    // Every write acknowledged after the snapshot, and only those.
    assert_eq!(r["revisions_lost_by_restore"], AFTER as u64, "{r:#}");
    site.follow(&plan, "restore");
    assert_eq!(site.keys("before/"), names("before", BEFORE));
    assert!(site.keys("after/").is_empty());
    // etcd's revision is the snapshot's.
    let status = site.etcdctl(&["endpoint", "status", "--cluster", "-w", "json"]);
    let v: Value = serde_json::from_slice(&status.stdout).unwrap();
    let revisions: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Status"]["header"]["revision"].as_u64().unwrap())
        .collect();
    assert_eq!(revisions.len(), 3, "{v:#}");
    let snapshot_revision = r["snapshot"]["revision"].as_u64().unwrap();
    assert_eq!(snapshot_revision, 1 + BEFORE as u64);
    assert!(
        revisions.iter().all(|r| *r == snapshot_revision),
        "{revisions:?}"
    );
    // The restored cluster takes writes.
    site.put("restored");
}

#[test]
fn force_new_cluster_from_the_survivor_as_the_plan_says() {
    let t = tempfile::tempdir().unwrap();
    let lan = Lan::new("survivor", &ADDRS);
    let mut site = Site::start(&lan, t.path());
    let snaps = site.lose_quorum();
    let plan = site.plan(&snaps);
    assert_eq!(plan["recovery"]["advice"], "force-new-cluster");
    site.follow(&plan, "force-new-cluster");
    assert_eq!(site.keys("before/"), names("before", BEFORE));
    assert_eq!(site.keys("after/"), names("after", AFTER));
    let list = site.etcdctl(&["member", "list", "-w", "json"]);
    let v: Value = serde_json::from_slice(&list.stdout).unwrap();
    let started = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"].as_str().is_some_and(|n| !n.is_empty()))
        .count();
    assert_eq!(started, 3, "{v:#}");
    site.put("recovered");
}
