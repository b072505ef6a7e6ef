//! The real-daemon layer cleans up after a test that fails: a namespace
//! and what runs in it, and etcd members, are gone once a panicking test
//! has unwound. (Namespaces need root.)

use std::process::Command;
use testkit::etcd::Member;
use testkit::{EtcdCluster, Netns};

/// Whether a process with this pid is alive (and not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

fn namespaces() -> String {
    testkit::text(&testkit::tool("ip", &["netns", "list"]))
}

#[test]
fn a_failing_test_leaves_no_namespace_and_no_process() {
    let mut seen = None;
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let ns = Netns::with_eth0("testkit-drop", &["192.0.2.9/24"]);
        let t = tempfile::tempdir().unwrap();
        let pid = ns.spawn("sleep", &["600"], &t.path().join("sleep.log"));
        // `ip netns exec` execs the program: the pid is sleep's own.
        assert!(alive(pid));
        // A process the test did not start through the namespace, too.
        let stray = ns.command("sleep").arg("600").spawn().unwrap();
        seen = Some((ns.name().to_owned(), pid, stray.id()));
        std::mem::forget(stray);
        panic!("the test fails half-way");
    }));
    assert!(failed.is_err());
    let (name, pid, stray) = seen.unwrap();
    assert!(!namespaces().contains(&name), "{name} is left");
    assert!(!alive(pid), "sleep {pid} is left");
    assert!(!alive(stray), "the stray sleep {stray} is left");
}

#[test]
fn an_etcd_cluster_is_stopped_when_dropped() {
    let t = tempfile::tempdir().unwrap();
    let pids = {
        let c = EtcdCluster::start(t.path(), vec![Member::new("solo", "127.0.0.1")]);
        let out = Command::new("pgrep")
            .args(["-f", testkit::path_str(&t.path().join("solo.etcd"))])
            .output()
            .unwrap();
        let pids: Vec<u32> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        assert_eq!(pids.len(), 1, "{}", c.endpoints());
        pids
    };
    for pid in pids {
        assert!(!alive(pid), "etcd {pid} is left");
    }
}
