//! `snapshot` (the freshness check) in every state and format, and
//! `backup` against a real etcd: retention, a dead member, a full disk
//! (a small tmpfs), the lock, and two runs at once.

use super::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// Spoils a snapshot file.
type Spoil = fn(&Path) -> std::io::Result<()>;

/// A snapshot's name for a time `hours` before now.
fn name_hours_ago(hours: i64) -> String {
    let t = time::OffsetDateTime::now_utc() - time::Duration::hours(hours);
    quorumcalc::snapshot::name_at(t)
}

/// The real snapshot fixture (and its record) in `dir`, taken `hours` ago.
fn put(dir: &Path, hours: i64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name_hours_ago(hours));
    std::fs::copy(fixtures().join("snapshot.db"), &p).unwrap();
    let mut rec = p.clone().into_os_string();
    rec.push(".json");
    std::fs::copy(fixtures().join("snapshot.db.json"), rec).unwrap();
    p
}

/// `snapshot DIR` in all three formats: the state each says, which must
/// agree with the exit status; the text's first line.
fn check(dir: &Path, extra: &[&str], stdin: &str) -> (i32, String) {
    let d = dir.to_string_lossy().into_owned();
    let mut first = None;
    for format in ["text", "json", "prometheus"] {
        let mut args = vec!["snapshot", &d, "--format", format];
        args.extend(extra);
        let r = run_with_stdin(&args, stdin);
        let state = match r.code {
            0 => "OK",
            1 => "WARNING",
            2 => "CRITICAL",
            3 => "UNKNOWN",
            c => panic!("exit {c}: {}", r.stderr),
        };
        match format {
            "text" => {
                assert!(
                    r.stdout.starts_with(&format!("ETCD SNAPSHOT {state} - ")),
                    "{}",
                    r.stdout
                );
                first = Some((r.code, r.stdout.lines().next().unwrap().to_owned()));
            }
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
                assert_eq!(v["state"], state, "{}", r.stdout);
            }
            _ => assert!(
                r.stdout.contains(&format!(
                    "quorumcalc_state{{check=\"snapshot\"}} {}",
                    match state {
                        "OK" => 0,
                        "WARNING" => 1,
                        "CRITICAL" => 2,
                        _ => 3,
                    }
                )),
                "{}",
                r.stdout
            ),
        }
    }
    first.unwrap()
}

#[test]
fn the_check_in_every_state() {
    let t = tempfile::tempdir().unwrap();
    let dir = |n: &str| t.path().join(n);
    put(&dir("fresh"), 1);
    put(&dir("old"), 30);
    put(&dir("older"), 60);
    // A sound old snapshot and a newer one that does not verify.
    let cases: [(&str, Spoil, &str); 5] = [
        ("empty", |p| std::fs::write(p, ""), "is empty"),
        (
            "truncated",
            |p| {
                let b = std::fs::read(p)?;
                std::fs::write(p, &b[..b.len() - 4096])
            },
            "truncated",
        ),
        (
            "flipped",
            |p| {
                let mut b = std::fs::read(p)?;
                b[8192] ^= 0x40;
                std::fs::write(p, b)
            },
            "SHA-256 does not match",
        ),
        (
            "foreign",
            |p| std::fs::write(p, vec![1u8; 30_000]),
            "not an etcd snapshot",
        ),
        (
            "a directory",
            |p| {
                std::fs::remove_file(p)?;
                std::fs::create_dir(p)
            },
            "a directory",
        ),
    ];
    for (what, spoil, says) in cases {
        let d = dir(what);
        put(&d, 40);
        spoil(&put(&d, 1)).unwrap();
        let (code, line) = check(&d, &[], "");
        assert_eq!(code, 2, "{what}: {line}");
        assert!(line.contains(says), "{what}: {line}");
    }
    for (what, target) in [("fifo", None), ("device", Some("/dev/zero"))] {
        let d = dir(what);
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join(name_hours_ago(1));
        match target {
            Some(dev) => std::os::unix::fs::symlink(dev, &p).unwrap(),
            None => assert!(
                StdCommand::new("mkfifo")
                    .arg(&p)
                    .status()
                    .unwrap()
                    .success()
            ),
        }
        let started = Instant::now();
        let (code, line) = check(&d, &[], "");
        assert_eq!(code, 2, "{what}: {line}");
        assert!(started.elapsed() < Duration::from_secs(10), "{what} hung");
    }
    std::fs::create_dir_all(dir("none")).unwrap();
    std::fs::write(dir("a file"), "x").unwrap();
    let states = [
        ("fresh", 0, "verified, 20512 bytes; revision 4"),
        ("old", 1, "older than 26h"),
        ("older", 2, "older than 50h"),
        ("none", 2, "no snapshot in"),
        ("missing", 2, "does not exist"),
        ("a file", 3, "cannot list"),
    ];
    for (what, want, says) in states {
        let (code, line) = check(&dir(what), &[], "");
        assert_eq!(code, want, "{what}: {line}");
        assert!(line.contains(says), "{what}: {line}");
    }
    let (code, line) = check(&dir("old"), &["--warning", "2d", "--critical", "3d"], "");
    assert_eq!(code, 0, "{line}");
    let r = run(&["snapshot", "--warning", "3d", "--critical", "2d"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

/// The live revision, from `etcdctl endpoint status -w json` on stdin.
#[test]
fn the_revision_against_the_live_cluster() {
    let t = tempfile::tempdir().unwrap();
    put(t.path(), 1);
    let status = |rev: u64| {
        format!(
            "[{{\"Endpoint\":\"https://10.0.0.1:2379\",\"Status\":{{\"header\":{{\"cluster_id\":1,\"member_id\":2,\"revision\":{rev},\"raft_term\":2}},\"leader\":2}}}}]"
        )
    };
    let (code, line) = check(t.path(), &["--live", "-"], &status(124));
    assert_eq!(code, 0, "{line}");
    assert!(line.contains("120 behind the cluster's 124"), "{line}");
    assert!(line.contains("'snapshot_revisions_behind'=120"), "{line}");
    let (code, line) = check(t.path(), &["--live", "-"], &status(2));
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("ahead of the cluster's 2"), "{line}");
    let (code, line) = check(t.path(), &["--live", "-"], "[]");
    assert_eq!(code, 3, "{line}");
    assert!(line.contains("holds no member's answer"), "{line}");
}

/// A real one-member etcd on loopback, stopped on drop.
struct Etcd {
    cluster: testkit::EtcdCluster<'static>,
    _dir: tempfile::TempDir,
}

impl Etcd {
    fn start() -> Etcd {
        let dir = tempfile::tempdir().unwrap();
        let m = testkit::etcd::Member::new("solo", "127.0.0.1");
        let cluster = testkit::EtcdCluster::start(dir.path(), vec![m]);
        let e = Etcd { cluster, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !e.etcdctl(&["endpoint", "health"]).status.success() {
            assert!(Instant::now() < deadline, "etcd did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        e
    }

    fn etcdctl(&self, args: &[&str]) -> std::process::Output {
        StdCommand::new("etcdctl")
            .arg(format!("--endpoints={}", self.cluster.endpoints()))
            .arg("--command-timeout=5s")
            .args(args)
            .env("ETCDCTL_API", "3")
            .output()
            .expect("etcdctl is needed: run .ci/test, which installs etcd-client")
    }

    /// Writes `n` keys of `size` bytes.
    fn fill(&self, prefix: &str, n: usize, size: usize) {
        let value = "v".repeat(size);
        for i in 0..n {
            let out = self.etcdctl(&["put", &format!("{prefix}{i}"), &value]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    fn backup(&self, dir: &Path, extra: &[&str]) -> Run {
        let endpoint = self.cluster.endpoints();
        let d = dir.to_string_lossy().into_owned();
        let mut args = vec!["backup", "--dir", &d, "--endpoint", &endpoint];
        args.extend(extra);
        run(&args)
    }
}

/// Every file in `dir`, by name.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The snapshots in `dir` (not their records, not the lock).
fn snapshots(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|n| n.starts_with("etcd-snapshot-") && n.ends_with(".db"))
        .collect()
}

#[test]
fn backup_saves_verifies_keeps_and_the_check_agrees() {
    let etcd = Etcd::start();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("backups");
    etcd.fill("k", 5, 10);
    let mut revisions = Vec::new();
    for round in 0..3 {
        if round > 0 {
            // One snapshot per second: names carry the second.
            std::thread::sleep(Duration::from_millis(1100));
        }
        etcd.fill(&format!("r{round}-"), 2, 10);
        let r = etcd.backup(
            &dir,
            &["--keep", "2", "--min-free", "0", "--format", "json"],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let saved: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        revisions.push(saved["revision"].as_u64().unwrap());
        assert_eq!(saved["kept"], (round + 1).min(2));
    }
    // 5 keys, then 2 more before each snapshot: revisions 8, 10, 12.
    assert_eq!(revisions, [8, 10, 12]);
    let snaps = snapshots(&dir);
    assert_eq!(snaps.len(), 2, "{:?}", listing(&dir));
    let mut want: Vec<String> = snaps
        .iter()
        .flat_map(|s| [s.clone(), format!("{s}.json")])
        .collect();
    want.push(".lock".into());
    want.sort();
    assert_eq!(
        listing(&dir),
        want,
        "only snapshots, their records and the lock"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join(&snaps[1])), 0o600);

    let live =
        String::from_utf8(etcd.etcdctl(&["endpoint", "status", "-w", "json"]).stdout).unwrap();
    let (code, line) = check(&dir, &["--live", "-"], &live);
    assert_eq!(code, 0, "{line}");
    assert!(
        line.contains("revision 12, 0 behind the cluster's 12"),
        "{line}"
    );
    etcd.fill("after-", 3, 10);
    let live =
        String::from_utf8(etcd.etcdctl(&["endpoint", "status", "-w", "json"]).stdout).unwrap();
    let (_, line) = check(&dir, &["--live", "-"], &live);
    assert!(line.contains("3 behind the cluster's 15"), "{line}");
}

#[test]
fn a_dead_member_or_a_held_lock_saves_nothing() {
    let etcd = Etcd::start();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().to_path_buf();
    assert_eq!(etcd.backup(&dir, &["--min-free", "0"]).code, 0);
    let before = listing(&dir);

    let lock = std::fs::File::open(dir.join(".lock")).unwrap();
    lock.lock().unwrap();
    let r = etcd.backup(&dir, &["--min-free", "0"]);
    expect(&r, 1, Some("another backup is running"));
    drop(lock);

    // A new second: the run must fail for its own reason.
    std::thread::sleep(Duration::from_millis(1100));
    let d = dir.to_string_lossy().into_owned();
    let port = testkit::free_port("127.0.0.1");
    let started = Instant::now();
    let r = run(&[
        "backup",
        "--dir",
        &d,
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
    ]);
    expect(&r, 1, Some("endpoint status"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    let r = etcd.backup(&dir, &["--min-free", "1000T"]);
    expect(&r, 1, Some("refusing to start"));
    assert!(r.stderr.contains("--min-free"), "{}", r.stderr);
    assert_eq!(listing(&dir), before, "nothing changed");
}

/// Two runs at once (the timer and an operator): each either saves a
/// whole snapshot or saves nothing, and every snapshot left verifies.
#[test]
fn two_runs_at_once_corrupt_nothing() {
    let etcd = Etcd::start();
    etcd.fill("k", 200, 1000);
    let t = tempfile::tempdir().unwrap();
    let d = t.path().to_string_lossy().into_owned();
    let endpoint = etcd.cluster.endpoints();
    for _ in 0..3 {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                StdCommand::new(BIN)
                    .args([
                        "backup",
                        "--dir",
                        &d,
                        "--endpoint",
                        &endpoint,
                        "--min-free",
                        "0",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = runs
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let ok = outs.iter().filter(|o| o.status.success()).count();
        assert!(ok >= 1, "neither run saved");
        for o in outs.iter().filter(|o| !o.status.success()) {
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(
                e.contains("another backup is running") || e.contains("one snapshot per second"),
                "{e}"
            );
        }
        std::thread::sleep(Duration::from_millis(1100));
    }
    let snaps = snapshots(t.path());
    assert!(snaps.len() >= 3, "{snaps:?}");
    for s in &snaps {
        let v = quorumcalc::snapshot::verify(&t.path().join(s));
        assert!(v.is_ok(), "{s}: {v:?}");
    }
    assert!(!listing(t.path()).iter().any(|n| n.starts_with(".tmp-")));
}

/// A disk that fills during `snapshot save`: no file under a snapshot's
/// name, no temporary file left, the earlier snapshot intact.
#[test]
fn a_full_disk_leaves_the_earlier_snapshots_as_they_were() {
    let etcd = Etcd::start();
    let t = tempfile::tempdir().unwrap();
    let mnt = t.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let m = testkit::tool(
        "mount",
        &[
            "-t",
            "tmpfs",
            "-o",
            "size=400k",
            "tmpfs",
            testkit::path_str(&mnt),
        ],
    );
    assert!(
        m.status.success(),
        "mount (the test needs root): {}",
        testkit::text(&m)
    );
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = StdCommand::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    let dir = mnt.join("backups");
    assert_eq!(etcd.backup(&dir, &["--min-free", "0"]).code, 0);
    let first = snapshots(&dir);
    let kept = std::fs::read(dir.join(&first[0])).unwrap();
    // A snapshot of about 600 KB now: more than the disk has.
    etcd.fill("big", 300, 2000);
    std::thread::sleep(Duration::from_millis(1100));
    let r = etcd.backup(&dir, &["--min-free", "0"]);
    expect(&r, 1, Some("snapshot save"));
    assert_eq!(snapshots(&dir), first);
    assert_eq!(std::fs::read(dir.join(&first[0])).unwrap(), kept);
    let left: Vec<String> = listing(&dir)
        .into_iter()
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let (code, line) = check(&dir, &[], "");
    assert_eq!(code, 0, "{line}");
}
