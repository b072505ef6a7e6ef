//! Real etcd clusters for tests: members on loopback (or in a [`Netns`]),
//! with plain HTTP or mutual TLS, that can be killed one by one and grown.
//! Every member still running is killed when the cluster is dropped, also
//! when the test fails half-way. A missing `etcd` fails the test with the
//! fix, never skips it.

use crate::netns::Netns;
use crate::path_str;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A member's certificates, as files etcd reads.
#[derive(Debug, Clone)]
pub struct Tls {
    /// The etcd CA, trusted for clients and peers.
    pub ca: PathBuf,
    /// The server certificate and its key.
    pub cert: PathBuf,
    /// The server key.
    pub key: PathBuf,
    /// The peer certificate.
    pub peer_cert: PathBuf,
    /// The peer key.
    pub peer_key: PathBuf,
}

/// One member: its name, address, ports and, for TLS, its certificates.
#[derive(Debug, Clone)]
pub struct Member {
    /// `--name`.
    pub name: String,
    /// The address it listens on.
    pub ip: String,
    /// The client port.
    pub client: u16,
    /// The peer port.
    pub peer: u16,
    /// Mutual TLS for clients and peers; plain HTTP when `None`.
    pub tls: Option<Tls>,
    /// The network namespace it runs in, by name (a [`crate::Lan`] host),
    /// when not the cluster's.
    pub netns: Option<String>,
}

impl Member {
    /// A member on free ports of `ip`, plain HTTP.
    pub fn new(name: &str, ip: &str) -> Member {
        Member::at(name, ip, crate::free_port(ip), crate::free_port(ip))
    }

    /// A member on the ports given (a namespace of its own has them all).
    pub fn at(name: &str, ip: &str, client: u16, peer: u16) -> Member {
        Member {
            name: name.to_owned(),
            ip: ip.to_owned(),
            client,
            peer,
            tls: None,
            netns: None,
        }
    }

    /// The same member with mutual TLS.
    pub fn with_tls(mut self, tls: Tls) -> Member {
        self.tls = Some(tls);
        self
    }

    fn url(&self, port: u16) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}:{port}", self.ip)
    }

    /// The same member run in the namespace named `netns`.
    pub fn in_netns(mut self, netns: &str) -> Member {
        self.netns = Some(netns.to_owned());
        self
    }

    /// `http(s)://IP:CLIENT`.
    pub fn client_url(&self) -> String {
        self.url(self.client)
    }

    /// `http(s)://IP:PEER`.
    pub fn peer_url(&self) -> String {
        self.url(self.peer)
    }

    /// The flags that start it, its data under `dir`.
    fn args(&self, dir: &Path, initial: &str, state: &str) -> Vec<String> {
        let data = data_path(dir, &self.name);
        let mut a: Vec<String> = [
            "--name",
            &self.name,
            "--data-dir",
            path_str(&data),
            "--listen-client-urls",
            &self.client_url(),
            "--advertise-client-urls",
            &self.client_url(),
            "--listen-peer-urls",
            &self.peer_url(),
            "--initial-advertise-peer-urls",
            &self.peer_url(),
            "--initial-cluster",
            initial,
            "--initial-cluster-state",
            state,
            "--initial-cluster-token",
            "testkit",
            // Quick elections: the tests wait for them.
            "--heartbeat-interval",
            "50",
            "--election-timeout",
            "500",
        ]
        .map(str::to_owned)
        .to_vec();
        if let Some(t) = &self.tls {
            let p = |f: &PathBuf| path_str(f).to_owned();
            a.extend([
                "--client-cert-auth".into(),
                "--trusted-ca-file".into(),
                p(&t.ca),
            ]);
            a.extend([
                "--cert-file".into(),
                p(&t.cert),
                "--key-file".into(),
                p(&t.key),
            ]);
            a.extend([
                "--peer-client-cert-auth".into(),
                "--peer-trusted-ca-file".into(),
            ]);
            a.push(p(&t.ca));
            a.extend(["--peer-cert-file".into(), p(&t.peer_cert)]);
            a.extend(["--peer-key-file".into(), p(&t.peer_key)]);
        }
        a
    }
}

/// A running member: a child of the test, or a process its namespace
/// holds.
enum Running {
    Child(Child),
    InNetns(u32),
}

/// A running cluster. Members' logs are `DIR/NAME.log`, their data
/// `DIR/NAME.etcd`.
pub struct EtcdCluster<'a> {
    dir: PathBuf,
    netns: Option<&'a Netns>,
    members: Vec<(Member, Option<Running>)>,
}

impl<'a> EtcdCluster<'a> {
    /// Starts `members` as a new cluster, on loopback.
    pub fn start(dir: &Path, members: Vec<Member>) -> EtcdCluster<'a> {
        EtcdCluster::start_in(dir, members, None)
    }

    /// Starts `members` as a new cluster, inside `netns` when given.
    pub fn start_in(dir: &Path, members: Vec<Member>, netns: Option<&'a Netns>) -> EtcdCluster<'a> {
        let mut c = EtcdCluster {
            dir: dir.to_owned(),
            netns,
            members: Vec::new(),
        };
        let initial = initial_cluster(&members);
        for m in members {
            let child = c.spawn(&m, &initial, "new");
            c.members.push((m, Some(child)));
        }
        c
    }

    /// Starts `m` as a member joining the running cluster (after
    /// `etcdctl member add`).
    pub fn join(&mut self, m: Member) {
        let mut all: Vec<Member> = self.members.iter().map(|(m, _)| m.clone()).collect();
        all.push(m.clone());
        let child = self.spawn(&m, &initial_cluster(&all), "existing");
        self.members.push((m, Some(child)));
    }

    fn spawn(&self, m: &Member, initial: &str, state: &str) -> Running {
        let args = m.args(&self.dir, initial, state);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let log = self.dir.join(format!("{}.log", m.name));
        if let Some(ns) = self.netns {
            return Running::InNetns(ns.spawn("etcd", &args, &log));
        }
        let log = std::fs::File::create(&log).unwrap();
        let mut command = match &m.netns {
            // `ip netns exec` execs etcd: the child is etcd itself.
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "etcd"]);
                c
            }
            None => Command::new("etcd"),
        };
        let child = command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "etcd is needed by this test ({e}); run .ci/test, which installs etcd-server"
                )
            });
        Running::Child(child)
    }

    /// Stops a member: SIGKILL, then waits for it.
    fn stop(&self, running: Running) {
        match running {
            Running::Child(mut c) => {
                let _ = c.kill();
                let _ = c.wait();
            }
            Running::InNetns(pid) => {
                if let Some(ns) = self.netns {
                    ns.kill(pid);
                }
            }
        }
    }

    /// Kills the member `name` (SIGKILL) and waits for it.
    pub fn kill(&mut self, name: &str) {
        let (_, running) = self
            .members
            .iter_mut()
            .find(|(m, _)| m.name == name)
            .unwrap_or_else(|| panic!("no member named {name:?}"));
        let running = running.take().expect("the member is running");
        self.stop(running);
    }

    /// Starts the member `name` again, with the flags it first had (its
    /// data directory, when it has one, makes etcd ignore the
    /// initial-cluster ones).
    pub fn restart(&mut self, name: &str) {
        let all: Vec<Member> = self.members.iter().map(|(m, _)| m.clone()).collect();
        let initial = initial_cluster(&all);
        let i = self
            .members
            .iter()
            .position(|(m, _)| m.name == name)
            .unwrap_or_else(|| panic!("no member named {name:?}"));
        assert!(self.members[i].1.is_none(), "{name} is running");
        let child = self.spawn(&self.members[i].0, &initial, "new");
        self.members[i].1 = Some(child);
    }

    /// Whether the member `name` is running (as far as the cluster knows:
    /// it was started and not killed).
    pub fn running(&self, name: &str) -> bool {
        self.members
            .iter()
            .any(|(m, r)| m.name == name && r.is_some())
    }

    /// The member `name`'s data directory.
    pub fn data_dir(&self, name: &str) -> PathBuf {
        data_path(&self.dir, name)
    }

    /// Every member's client URL, joined by commas (for `--endpoints`).
    pub fn endpoints(&self) -> String {
        let urls: Vec<String> = self.members.iter().map(|(m, _)| m.client_url()).collect();
        urls.join(",")
    }
}

impl Drop for EtcdCluster<'_> {
    fn drop(&mut self) {
        let running: Vec<Running> = self
            .members
            .iter_mut()
            .filter_map(|(_, r)| r.take())
            .collect();
        for r in running {
            self.stop(r);
        }
    }
}

/// A member's data directory under a cluster's directory.
fn data_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.etcd"))
}

/// `NAME=PEER_URL,...`.
fn initial_cluster(members: &[Member]) -> String {
    let all: Vec<String> = members
        .iter()
        .map(|m| format!("{}={}", m.name, m.peer_url()))
        .collect();
    all.join(",")
}
