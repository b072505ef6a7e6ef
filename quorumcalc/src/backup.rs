//! `quorumcalc backup`: one etcd snapshot, taken with `etcdctl snapshot
//! save`, verified twice (by [`crate::snapshot::verify`] and by `etcdctl
//! snapshot status`), put under its final name only once whole and on disk,
//! then the retention applied.
//!
//! What can go wrong leaves the snapshots already there as they were: the
//! new file is written under a hidden temporary name (`.tmp-NAME`, and
//! etcdctl's own `.part`) and renamed only after it verified and was
//! synced; a run that fails removes its temporary files, and a run that
//! was killed leaves them for the next run to remove. One run at a time
//! (a lock file in the directory), and none when the directory's file
//! system has less free space than the floor plus the last snapshot's size.
//!
//! The phases are named functions; [`prune`], the retention, is pure.

use crate::freshness;
use crate::snapshot::{self, EtcdStatus, Record};
use serde::Serialize;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use time::{Duration, OffsetDateTime};

/// The lock file's name in the directory.
pub const LOCK: &str = ".lock";
/// How temporary files' names start.
const TMP: &str = ".tmp-";
/// The most of etcdctl's output kept (its stderr is a log).
const OUTPUT_LIMIT: usize = 1 << 20;

/// What a run is told.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the snapshots go.
    pub dir: PathBuf,
    /// How many snapshots to keep (at least 1).
    pub keep: usize,
    /// Remove snapshots older than this too (never the newest).
    pub max_age: Option<Duration>,
    /// Free space to leave on the directory's file system, in bytes.
    pub min_free: u64,
    /// The member to snapshot (`--endpoints` for etcdctl); etcdctl's
    /// `ETCDCTL_ENDPOINTS` when `None`.
    pub endpoint: Option<String>,
    /// The etcdctl to run.
    pub etcdctl: String,
    /// How long `snapshot save` may take.
    pub timeout: std::time::Duration,
}

/// What a run did; the `--format json` schema.
#[derive(Debug, Clone, Serialize)]
pub struct Saved {
    /// The new snapshot.
    pub path: String,
    /// What was recorded of it.
    #[serde(flatten)]
    pub record: Record,
    /// How long `snapshot save` took, in seconds.
    pub save_seconds: f64,
    /// Snapshots in the directory now.
    pub kept: usize,
    /// Snapshots removed by the retention.
    pub removed: Vec<String>,
}

impl Saved {
    /// One line for people.
    pub fn to_text(&self) -> String {
        let removed = if self.removed.is_empty() {
            String::new()
        } else {
            format!(", removed {}", self.removed.join(" "))
        };
        format!(
            "saved {}: revision {}, {} keys, {} bytes, in {} s; {} kept{removed}\n",
            self.path,
            self.record.revision,
            self.record.total_key,
            self.record.bytes,
            clikit::monitor::number(self.save_seconds),
            self.kept
        )
    }
}

/// A failed run: what went wrong, and how to fix it where that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed(pub String);

type Result<T> = std::result::Result<T, Failed>;

fn fail<T>(msg: impl Into<String>) -> Result<T> {
    Err(Failed(msg.into()))
}

/// Takes one snapshot at `now`.
pub fn run(o: &Options, now: OffsetDateTime) -> Result<Saved> {
    if o.endpoint.is_none() && env_endpoint().contains(',') {
        return fail(
            "ETCDCTL_ENDPOINTS names several members and a snapshot is taken from one: give \
             --endpoint (this master's client URL)",
        );
    }
    prepare_dir(&o.dir)?;
    let _lock = lock(&o.dir)?;
    clear_leftovers(&o.dir)?;
    let before = existing(&o.dir)?;
    room(o, before.last())?;
    let name = snapshot::name_at(now);
    if before.contains(&name) {
        return fail(format!(
            "{} already exists: one snapshot per second",
            o.dir.join(&name).display()
        ));
    }
    let tmp = o.dir.join(format!("{TMP}{name}"));
    let result = save_and_place(o, &tmp, &name);
    if result.is_err() {
        remove_tmp(&tmp);
    }
    let (record, save_seconds) = result?;
    let mut all = before;
    all.push(name.clone());
    let removed = prune(&all, o.keep, o.max_age, now);
    for r in &removed {
        remove_snapshot(&o.dir.join(r))?;
    }
    Ok(Saved {
        path: o.dir.join(&name).to_string_lossy().into_owned(),
        record,
        save_seconds,
        kept: all.len() - removed.len(),
        removed,
    })
}

/// Saves into `tmp`, verifies, records and renames it to `name`.
fn save_and_place(o: &Options, tmp: &Path, name: &str) -> Result<(Record, f64)> {
    let started = Instant::now();
    save(o, tmp)?;
    let save_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    let verified =
        snapshot::verify(tmp).or_else(|why| fail(format!("the snapshot etcdctl saved {why}")))?;
    let status = etcd_status(o, tmp)?;
    if status.total_size != verified.db_bytes {
        return fail(format!(
            "etcdctl snapshot status says {} bytes, the file holds a {}-byte database",
            status.total_size, verified.db_bytes
        ));
    }
    let record = Record {
        endpoint: o.endpoint.clone().unwrap_or_else(env_endpoint),
        revision: status.revision,
        total_key: status.total_key,
        total_size: status.total_size,
        hash: status.hash,
        bytes: verified.bytes,
    };
    place(&o.dir, tmp, name, &record)?;
    Ok((record, save_seconds))
}

/// Creates the directory (0700: a snapshot holds every Secret) when it is
/// missing; refuses anything that is not a directory.
fn prepare_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .or_else(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    }
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => fail(format!("{} is not a directory", dir.display())),
        Err(e) => fail(format!("{}: {e}", dir.display())),
    }
}

/// Holds the directory's lock for the run, or says who holds it.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK);
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .or_else(|e| fail(format!("cannot open the lock {}: {e}", path.display())))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => fail(format!(
            "another backup is running into {} (it holds {}); nothing was done",
            dir.display(),
            path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            fail(format!("cannot lock {}: {e}", path.display()))
        }
    }
}

/// Removes what killed runs left: temporary snapshots and records, and
/// records whose snapshot is gone.
fn clear_leftovers(dir: &Path) -> Result<()> {
    for name in names(dir)? {
        let orphan = name
            .strip_suffix(snapshot::RECORD)
            .is_some_and(|s| snapshot::taken(s).is_some() && !dir.join(s).exists());
        if name.starts_with(TMP) || orphan {
            let p = dir.join(&name);
            std::fs::remove_file(&p)
                .or_else(|e| fail(format!("cannot remove {}: {e}", p.display())))?;
        }
    }
    Ok(())
}

/// Every name in `dir` (bounded, as the check lists it).
fn names(dir: &Path) -> Result<Vec<String>> {
    freshness::entries(dir).map_err(|e| Failed(format!("cannot list {}: {e}", dir.display())))
}

/// The snapshots in `dir`, oldest first, as the check finds them.
fn existing(dir: &Path) -> Result<Vec<String>> {
    match freshness::list(dir) {
        freshness::Listing::Snapshots(v) => Ok(v),
        freshness::Listing::Missing => fail(format!("{} is gone", dir.display())),
        freshness::Listing::Unreadable(e) => fail(format!("cannot list {}: {e}", dir.display())),
    }
}

/// Refuses to start when the file system has less free space than the
/// floor plus what the new snapshot will take (the last one's size).
fn room(o: &Options, last: Option<&String>) -> Result<()> {
    let stat = rustix::fs::statvfs(&o.dir)
        .or_else(|e| fail(format!("cannot stat {}: {e}", o.dir.display())))?;
    let free = stat.f_bavail.saturating_mul(stat.f_frsize);
    let need = last
        .and_then(|n| std::fs::metadata(o.dir.join(n)).ok())
        .map_or(0, |m| m.len());
    judge_room(free, need, o.min_free).or_else(|why| {
        fail(format!(
            "refusing to start: {} {why}; free space there or lower --min-free",
            o.dir.display()
        ))
    })
}

/// Whether `free` bytes leave `floor` after a snapshot of `need`.
pub fn judge_room(free: u64, need: u64, floor: u64) -> std::result::Result<(), String> {
    if free >= need.saturating_add(floor) {
        return Ok(());
    }
    Err(format!(
        "has {} free, and the floor is {} plus {} for the snapshot (the last one's size)",
        bytes(free),
        bytes(floor),
        bytes(need)
    ))
}

/// A size as people read it: `1.5 GiB`, `300 MiB`, `512 bytes`.
pub fn bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size {
            let v = n as f64 / size as f64;
            return format!(
                "{} {unit}",
                clikit::monitor::number((v * 10.0).round() / 10.0)
            );
        }
    }
    format!("{n} bytes")
}

/// `1G`, `512M`, `64K` (powers of 1024) or a number of bytes.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let bad = || format!("{s:?} is not a size: use bytes, or N with K, M, G or T (e.g. 1G)");
    let (num, shift) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(bad()),
            };
            (&s[..i], shift)
        }
        _ => (s, 0),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift).ok_or_else(bad)
}

/// The endpoint etcdctl takes from its environment.
fn env_endpoint() -> String {
    std::env::var("ETCDCTL_ENDPOINTS").unwrap_or_else(|_| "127.0.0.1:2379".into())
}

/// How long the member may take to answer `endpoint status`.
const ASK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `--endpoints=URL` when one is given.
fn endpoint_args(o: &Options) -> Vec<String> {
    o.endpoint
        .iter()
        .map(|e| format!("--endpoints={e}"))
        .collect()
}

/// Asks the member for its status first, with short timeouts: etcdctl
/// 3.4's `snapshot save` waits for ever on a member it cannot reach.
fn reachable(o: &Options) -> Result<()> {
    let mut args = endpoint_args(o);
    args.extend(
        [
            "--dial-timeout=3s",
            "--command-timeout=5s",
            "endpoint",
            "status",
            "-w",
            "json",
        ]
        .map(str::to_owned),
    );
    etcdctl(o, &args, ASK_TIMEOUT).map(|_| ())
}

/// `etcdctl snapshot save TMP`.
fn save(o: &Options, tmp: &Path) -> Result<()> {
    reachable(o)?;
    let mut args = endpoint_args(o);
    args.extend(["snapshot".into(), "save".into()]);
    args.push(tmp.to_string_lossy().into_owned());
    etcdctl(o, &args, o.timeout).map(|_| ())
}

/// `etcdctl snapshot status -w json TMP`.
fn etcd_status(o: &Options, tmp: &Path) -> Result<EtcdStatus> {
    let args = [
        "snapshot".to_owned(),
        "status".into(),
        "-w".into(),
        "json".into(),
        tmp.to_string_lossy().into_owned(),
    ];
    let out = etcdctl(o, &args, o.timeout)?;
    serde_json::from_str(out.trim()).or_else(|e| {
        fail(format!(
            "etcdctl snapshot status printed no status ({e}): {}",
            out.trim()
        ))
    })
}

/// Runs etcdctl (v3 API) and returns its stdout; a failure, a kill by
/// the timeout, or a missing etcdctl is an error with the end of its log.
fn etcdctl(o: &Options, args: &[String], timeout: std::time::Duration) -> Result<String> {
    let mut child = Command::new(&o.etcdctl)
        .args(args)
        .env("ETCDCTL_API", "3")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .or_else(|e| fail(format!("cannot run {}: {e}", o.etcdctl)))?;
    let out = drain(child.stdout.take().expect("piped"));
    let err = drain(child.stderr.take().expect("piped"));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Ok(s),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "took longer than {} s and was stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => break Err(e.to_string()),
        }
    };
    let (out, err) = (joined(out), joined(err));
    let what = format!("etcdctl {}", args.join(" "));
    match status {
        Ok(s) if s.success() => Ok(out),
        Ok(s) => fail(format!("{what} failed ({s}): {}", last_words(&err))),
        Err(why) => fail(format!("{what} {why}")),
    }
}

fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            if kept.len() < OUTPUT_LIMIT {
                kept.extend_from_slice(&buf[..n.min(OUTPUT_LIMIT - kept.len())]);
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

fn joined(h: std::thread::JoinHandle<String>) -> String {
    h.join().unwrap_or_default()
}

/// The last line of etcdctl's log that says something: its error.
fn last_words(log: &str) -> String {
    log.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(no output)")
        .to_owned()
}

/// Syncs the snapshot and its record, renames both to their final names
/// (the record first: a snapshot under its final name always has it), and
/// syncs the directory.
fn place(dir: &Path, tmp: &Path, name: &str, record: &Record) -> Result<()> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Failed(format!("cannot {what} {}: {e}", p.display()))
    };
    let tmp_record = snapshot::record_path(tmp);
    let text = format!("{}\n", clikit::json(record).trim_end());
    write_synced(&tmp_record, text.as_bytes()).map_err(|e| io("write", &tmp_record, e))?;
    File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("sync", tmp, e))?;
    let final_path = dir.join(name);
    let final_record = snapshot::record_path(&final_path);
    std::fs::rename(&tmp_record, &final_record).map_err(|e| io("rename", &tmp_record, e))?;
    std::fs::rename(tmp, &final_path).map_err(|e| io("rename", tmp, e))?;
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("sync", dir, e))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Removes a failed run's temporary files (etcdctl's `.part` too).
fn remove_tmp(tmp: &Path) {
    let mut part = tmp.as_os_str().to_owned();
    part.push(".part");
    for p in [
        tmp.to_path_buf(),
        PathBuf::from(part),
        snapshot::record_path(tmp),
    ] {
        let _ = std::fs::remove_file(p);
    }
}

/// Removes a snapshot and its record.
fn remove_snapshot(p: &Path) -> Result<()> {
    for f in [snapshot::record_path(p), p.to_path_buf()] {
        match std::fs::remove_file(&f) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return fail(format!("cannot remove {}: {e}", f.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The retention: which of `names` (oldest first) to remove so that at
/// most `keep` remain and none is older than `max_age`, never the newest.
pub fn prune(
    names: &[String],
    keep: usize,
    max_age: Option<Duration>,
    now: OffsetDateTime,
) -> Vec<String> {
    let n = names.len();
    names
        .iter()
        .enumerate()
        .filter(|(i, name)| {
            let newest = i + 1 == n;
            let over_count = n - i > keep.max(1);
            let too_old =
                max_age.is_some_and(|max| snapshot::taken(name).is_some_and(|t| now - t > max));
            !newest && (over_count || too_old)
        })
        .map(|(_, name)| name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-05 20:00:00 UTC);

    fn daily(n: i64) -> Vec<String> {
        (0..n)
            .rev()
            .map(|d| snapshot::name_at(NOW - Duration::days(d)))
            .collect()
    }

    #[test]
    fn retention_keeps_the_newest_by_count_and_age() {
        let all = daily(10);
        assert_eq!(prune(&all, 7, None, NOW), all[..3].to_vec());
        assert_eq!(
            prune(&all, 100, Some(Duration::hours(60)), NOW),
            all[..7].to_vec()
        );
        assert!(prune(&all, 100, None, NOW).is_empty());
        // The newest stays whatever its age and whatever keep says.
        let old = vec![snapshot::name_at(NOW - Duration::days(30))];
        assert!(prune(&old, 0, Some(Duration::hours(1)), NOW).is_empty());
    }

    #[test]
    fn the_floor_counts_the_snapshot_to_come() {
        assert!(judge_room(3 << 30, 1 << 30, 1 << 30).is_ok());
        let e = judge_room(1 << 30, 512 << 20, 1 << 30).unwrap_err();
        assert!(e.contains("1 GiB free") && e.contains("512 MiB"), "{e}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("1X").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(bytes(1536 << 20), "1.5 GiB");
        assert_eq!(bytes(100), "100 bytes");
    }
}
