//! Network namespaces a test makes, and removes again.
//!
//! Tests that need an address of their own (a VIP, a master's address on
//! an Ethernet link, a bridge of several hosts) make a namespace with
//! [`Netns::new`]. Dropping it kills every process still running in it and
//! deletes it, also when the test fails half-way; a namespace of the same
//! name left by a killed run is removed first. Needs root.

use crate::{text, tool};
use std::cell::RefCell;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// A network namespace with its loopback up, and the processes started in
/// it.
#[derive(Debug)]
pub struct Netns {
    name: String,
    children: RefCell<Vec<Child>>,
}

/// Hosts on one Ethernet segment: a bridge in a namespace of its own, and
/// a namespace per host whose `eth0` on the bridge carries its address.
/// Each host's connections leave from its own address (one namespace
/// holding every address would send them all from the first, which TLS
/// peers that check a client certificate's address refuse).
#[derive(Debug)]
pub struct Lan {
    /// The hosts, in the order of the addresses given.
    pub hosts: Vec<Netns>,
    // Dropped after the hosts.
    _bridge: Netns,
}

impl Lan {
    /// A host for each of `addrs` (`10.66.0.1/24`), namespaces named after
    /// `tag`.
    pub fn new(tag: &str, addrs: &[&str]) -> Lan {
        let bridge = Netns::new(&format!("{tag}-lan"));
        bridge.ip(&["link", "add", "br0", "type", "bridge"]);
        bridge.ip(&["link", "set", "br0", "up"]);
        let hosts = addrs
            .iter()
            .enumerate()
            .map(|(i, addr)| {
                let host = Netns::new(&format!("{tag}-{i}"));
                let port = format!("p{i}");
                host.add_eth0(&port, Some(&bridge), &[addr]);
                bridge.ip(&["link", "set", &port, "master", "br0", "up"]);
                host
            })
            .collect();
        Lan {
            hosts,
            _bridge: bridge,
        }
    }
}

/// Runs `ip ARGS`, failing the test (with the hint that it needs root)
/// when it does not succeed.
pub fn ip(args: &[&str]) {
    let out = tool("ip", args);
    assert!(
        out.status.success(),
        "ip {args:?} (needs root): {}",
        text(&out)
    );
}

impl Netns {
    /// Makes the namespace `TAG-PID` (unique to this test process), with
    /// its loopback up.
    pub fn new(tag: &str) -> Netns {
        Netns::named(&format!("{tag}-{}", std::process::id()))
    }

    /// Makes the namespace `name` as given (a harness of several that
    /// names them itself), with its loopback up.
    pub fn named(name: &str) -> Netns {
        let _ = Command::new("ip").args(["netns", "del", name]).output();
        ip(&["netns", "add", name]);
        let ns = Netns {
            name: name.to_owned(),
            children: RefCell::new(Vec::new()),
        };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// The same, with an Ethernet link `eth0` (a veth whose peer stays in
    /// the namespace, both up: ARP goes out and nobody answers) carrying
    /// `addrs` (`192.0.2.75/24`).
    pub fn with_eth0(tag: &str, addrs: &[&str]) -> Netns {
        let ns = Netns::new(tag);
        ns.add_eth0("eth0-peer", None, addrs);
        ns.ip(&["link", "set", "eth0-peer", "up"]);
        ns
    }

    /// Adds `eth0`, up and carrying `addrs`: a veth whose peer `peer` is in
    /// `peer_ns`, or in this namespace.
    fn add_eth0(&self, peer: &str, peer_ns: Option<&Netns>, addrs: &[&str]) {
        let mut args = vec!["link", "add", "eth0", "type", "veth", "peer", "name", peer];
        if let Some(p) = peer_ns {
            args.extend(["netns", p.name()]);
        }
        self.ip(&args);
        for addr in addrs {
            self.ip(&["addr", "add", addr, "dev", "eth0"]);
        }
        self.ip(&["link", "set", "eth0", "up"]);
    }

    /// Its name, for `ip netns exec` and `ip -n`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n NAME ARGS`, which must succeed.
    pub fn ip(&self, args: &[&str]) {
        let mut all = vec!["-n", &self.name];
        all.extend_from_slice(args);
        ip(&all);
    }

    /// A command run inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// Runs `program ARGS` inside the namespace and waits for it.
    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        run_in(&self.name, program, args)
    }

    /// Starts `program ARGS` inside the namespace, its output in `log`,
    /// and returns its pid. It is killed when the namespace is dropped, if
    /// not before ([`Netns::kill`]).
    pub fn spawn(&self, program: &str, args: &[&str], log: &Path) -> u32 {
        let log = std::fs::File::create(log).unwrap();
        let child = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let pid = child.id();
        self.children.borrow_mut().push(child);
        pid
    }

    /// Kills (SIGKILL) the process `pid` started by [`Netns::spawn`], and
    /// waits for it.
    pub fn kill(&self, pid: u32) {
        let mut children = self.children.borrow_mut();
        if let Some(i) = children.iter().position(|c| c.id() == pid) {
            let mut c = children.remove(i);
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs `program ARGS` inside the namespace named `name` (one of a
/// harness that keeps its namespaces by name) and waits for it.
pub fn run_in(name: &str, program: &str, args: &[&str]) -> Output {
    let mut all = vec!["netns", "exec", name, program];
    all.extend_from_slice(args);
    tool("ip", &all)
}

impl Drop for Netns {
    /// Kills what still runs inside (a process in a namespace keeps it from
    /// going away), then deletes the namespace.
    fn drop(&mut self) {
        for mut c in self.children.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        for _ in 0..10 {
            let pids = Command::new("ip")
                .args(["netns", "pids", &self.name])
                .output();
            let pids = pids.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
            let pids = pids.unwrap_or_default();
            if pids.trim().is_empty() {
                break;
            }
            for p in pids.split_whitespace() {
                let _ = Command::new("kill").args(["-9", p]).output();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}
