//! The etcd drills: the leader killed, and quorum lost and won back by
//! following `quorumcalc plan`. A writer puts a new key every few tens of
//! milliseconds and records each acknowledged write with the revision etcd
//! gave it, so what a recovery kept and lost is counted exactly: after a
//! restore from a snapshot of revision R, every write acknowledged at R or
//! before must be there and every later one is lost; after
//! force-new-cluster, every acknowledged write must be there.
//!
//! The plan's commands are run as `quorumcalc plan --format json` spells
//! them, on the host each names; the service steps (the lab has no
//! systemd) are the lab's own start and stop of etcd, and the copy to other
//! hosts is skipped (the lab's hosts share one file system).

use crate::lab::{self, CLIENT, DIR, Lab, StopOnDrop, dir, run_in, wait_for};
use crate::setup::{self, addr, etcdctl};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// A verdict taken along a drill: what, the status the truth calls for,
/// and what the check said (exit status, first line).
pub type Step = (String, i32, (i32, String));

/// What an etcd drill measured, and what it is held to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// From the fault until a write sent once the fault had taken hold
    /// (the leader dead; quorum seen lost) was acknowledged, in ms: how
    /// long writers went without service.
    pub outage_ms: u64,
    /// The most it may be.
    pub outage_bound_ms: u64,
    /// Writes acknowledged over the drill.
    pub acked: usize,
    /// The snapshot's revision, when the drill took one.
    pub snapshot_revision: Option<u64>,
    /// Writes acknowledged after the snapshot (a revision above it).
    pub acked_after_snapshot: usize,
    /// Acknowledged writes missing at the end.
    pub lost: usize,
    /// How many may be missing: those after the snapshot for a restore,
    /// none otherwise.
    pub lost_allowed: usize,
    /// Acknowledged writes missing that the recovery had to keep (in the
    /// snapshot, or acknowledged after the recovery): must be 0.
    pub lost_kept: usize,
}

impl Outcome {
    /// Whether every bound held.
    pub fn passed(&self) -> bool {
        self.outage_ms <= self.outage_bound_ms
            && self.lost == self.lost_allowed
            && self.lost_kept == 0
            && self.acked > 0
    }
}

/// `quorumcalc status` over etcdctl's member list and endpoint status.
pub fn quorum(l: &Lab) -> (i32, String) {
    let (_, list, _) = etcdctl(l, &["member", "list", "-w", "json"]);
    let (_, status, _) = etcdctl(l, &["endpoint", "status", "--cluster", "-w", "json"]);
    let input = Path::new(DIR).join("quorum-input.json");
    let _ = lab::write(&input, &format!("{list}\n{status}\n"));
    let (code, out, err) = run_in(
        CLIENT,
        &l.tool("quorumcalc"),
        &["status", &input.to_string_lossy()],
    );
    (code, out.lines().next().unwrap_or(err.trim()).to_owned())
}

/// `quorumcalc status` now, as a step expecting `expected`.
fn status_step(l: &Lab, what: &str, expected: i32) -> Step {
    (format!("quorumcalc status {what}"), expected, quorum(l))
}

/// One acknowledged write: its number, its revision, when it was sent
/// and when acknowledged.
#[derive(Debug, Clone, Copy)]
struct Ack {
    n: usize,
    revision: u64,
    sent: Instant,
    at: Instant,
}

/// Puts `lab/w/N` for N = 1, 2, ... until `stop`, recording each
/// acknowledged write.
fn writer(l: &Lab, prefix: &str, stop: &AtomicBool, acks: &Mutex<Vec<Ack>>) {
    let mut n = 0;
    while !stop.load(SeqCst) {
        n += 1;
        let key = format!("{prefix}{n:06}");
        let sent = Instant::now();
        let (code, out, _) = etcdctl(l, &["put", &key, "v", "-w", "json"]);
        let revision = serde_json::from_str::<serde_json::Value>(&out)
            .ok()
            .and_then(|v| v["header"]["revision"].as_u64());
        if let (0, Some(revision)) = (code, revision) {
            let ack = Ack {
                n,
                revision,
                sent,
                at: Instant::now(),
            };
            acks.lock().unwrap_or_else(|e| e.into_inner()).push(ack);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The keys of one run of a drill: their own prefix, so a second run on
/// the same lab never counts a key the first one left as kept.
fn run_prefix(drill: &str) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("lab/{drill}/{ms}/")
}

/// The keys under `prefix` etcd holds now, as numbers.
fn present(l: &Lab, prefix: &str) -> Result<Vec<usize>, String> {
    let (code, out, err) = etcdctl(l, &["get", "--prefix", "--keys-only", prefix]);
    if code != 0 {
        return Err(format!("etcdctl get: {}", err.trim()));
    }
    Ok(out
        .lines()
        .filter_map(|k| k.strip_prefix(prefix)?.parse().ok())
        .collect())
}

/// The leader's name and the followers', from endpoint status.
fn leader(l: &Lab) -> Result<(String, Vec<String>), String> {
    let (_, out, err) = etcdctl(l, &["endpoint", "status", "--cluster", "-w", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("endpoint status: {e}: {err}"))?;
    let entries = v.as_array().cloned().unwrap_or_default();
    let leader_id = entries
        .iter()
        .find_map(|e| e["Status"]["leader"].as_u64())
        .ok_or("no member names a leader")?;
    let mut lead = None;
    let mut followers = Vec::new();
    for e in &entries {
        let ip = e["Endpoint"]
            .as_str()
            .and_then(|u| u.strip_prefix("https://"))
            .and_then(|u| u.split(':').next())
            .unwrap_or("");
        let Some(m) = l.masters().into_iter().find(|m| addr(l, m) == ip) else {
            continue;
        };
        if e["Status"]["header"]["member_id"].as_u64() == Some(leader_id) {
            lead = Some(m);
        } else {
            followers.push(m);
        }
    }
    Ok((lead.ok_or("the leader is not a lab master")?, followers))
}

/// Kills etcd on `m` and waits until it is gone.
fn kill_etcd(m: &str) -> Result<(), String> {
    lab::signal(m, "etcd", "KILL");
    wait_for("etcd to die", Duration::from_secs(5), || {
        !lab::working(m, "etcd")
    })
    .map(|_| ())
}

/// The etcd leader killed (SIGKILL) while a writer writes: writes stop
/// for the election and no longer. The leader is started again after.
pub fn leader_kill(l: &Lab, bound_ms: u64) -> Result<(Vec<Step>, Outcome), String> {
    let (lead, _) = leader(l)?;
    let mut steps = vec![status_step(l, "before the leader is killed", 0)];
    let (stop, acks) = (AtomicBool::new(false), Mutex::new(Vec::new()));
    let prefix = &run_prefix("leader-kill");
    let (fault, dead) = std::thread::scope(|s| -> Result<(Instant, Instant), String> {
        let _stop = StopOnDrop(&stop);
        let w = s.spawn(|| writer(l, prefix, &stop, &acks));
        std::thread::sleep(Duration::from_secs(1));
        let fault = Instant::now();
        kill_etcd(&lead)?;
        let dead = Instant::now();
        // A write sent after the leader died and acknowledged: a new
        // leader took over.
        wait_for("a write after the kill", Duration::from_secs(30), || {
            acked_since(&acks, dead)
        })?;
        std::thread::sleep(Duration::from_secs(1));
        stop.store(true, SeqCst);
        w.join().map_err(|_| "the writer panicked")?;
        Ok((fault, dead))
    })?;
    steps.push(status_step(l, "with the old leader down", 1));
    let acks = acks.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut o = outcome(l, prefix, &acks, (fault, dead), None)?;
    o.outage_bound_ms = bound_ms;
    Ok((steps, o))
}

/// Whether a write sent after `since` has been acknowledged.
fn acked_since(acks: &Mutex<Vec<Ack>>, since: Instant) -> bool {
    acks.lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|a| a.sent > since)
}

/// What the writes tell: the outage (from the fault until the first write
/// sent once the fault had taken hold, `(fault, held)`, is acknowledged),
/// and what was kept and lost.
fn outcome(
    l: &Lab,
    prefix: &str,
    acks: &[Ack],
    (fault, held_at): (Instant, Instant),
    snapshot: Option<u64>,
) -> Result<Outcome, String> {
    let first_after = acks.iter().find(|a| a.sent > held_at).map(|a| a.at);
    let outage = first_after.ok_or("no write was acknowledged after the fault")? - fault;
    let held: std::collections::HashSet<usize> = present(l, prefix)?.into_iter().collect();
    let missing: Vec<&Ack> = acks.iter().filter(|a| !held.contains(&a.n)).collect();
    // Acknowledged by the cluster before the fault took hold (none is
    // while it holds) and past the snapshot: what a restore may lose. After
    // a restore, revisions start again from the snapshot's.
    let after_snapshot = |a: &&Ack| a.at <= held_at && snapshot.is_some_and(|r| a.revision > r);
    let acked_after = acks.iter().filter(after_snapshot).count();
    Ok(Outcome {
        outage_ms: outage.as_millis() as u64,
        outage_bound_ms: 0,
        acked: acks.len(),
        snapshot_revision: snapshot,
        acked_after_snapshot: acked_after,
        lost: missing.len(),
        lost_allowed: 0,
        lost_kept: missing.iter().filter(|a| !after_snapshot(a)).count(),
    })
}

/// Where the lab keeps snapshots.
fn snapshots() -> String {
    Path::new(DIR)
        .join("snapshots")
        .to_string_lossy()
        .into_owned()
}

/// A snapshot of `m`'s member, taken as the timer takes it.
fn backup(l: &Lab, m: &str) -> Result<u64, String> {
    let pki = dir(m).join("etcd");
    let p = |f: &str| pki.join(f).to_string_lossy().into_owned();
    let (cacert, cert, key) = (
        format!("ETCDCTL_CACERT={}", p("ca.crt")),
        format!("ETCDCTL_CERT={}", p("client.crt")),
        format!("ETCDCTL_KEY={}", p("client.key")),
    );
    let endpoint = format!("https://{}:2379", addr(l, m));
    let args = [
        cacert.as_str(),
        &cert,
        &key,
        &l.tool("quorumcalc"),
        "backup",
        "--dir",
        &snapshots(),
        "--endpoint",
        &endpoint,
        "--min-free",
        "0",
        "--format",
        "json",
    ];
    let (code, out, err) = run_in(m, "env", &args);
    if code != 0 {
        return Err(format!("quorumcalc backup: {}", err.trim()));
    }
    let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    v["revision"]
        .as_u64()
        .ok_or_else(|| format!("quorumcalc backup said no revision: {out}"))
}

/// Quorum lost and won back: a snapshot of the leader's member, the two
/// followers killed and their data destroyed, then the way `way` of
/// `quorumcalc plan` followed.
pub fn quorum_loss(l: &Lab, way: &str, bound_ms: u64) -> Result<(Vec<Step>, Outcome), String> {
    let (lead, lost) = leader(l)?;
    let prefix = run_prefix(way);
    let (stop, acks) = (AtomicBool::new(false), Mutex::new(Vec::new()));
    let mut steps = Vec::new();
    let (fault, snap) = std::thread::scope(|s| -> Result<((Instant, Instant), u64), String> {
        let _stop = StopOnDrop(&stop);
        let w = s.spawn(|| writer(l, &prefix, &stop, &acks));
        std::thread::sleep(Duration::from_secs(1));
        let snap = backup(l, &lead)?;
        std::thread::sleep(Duration::from_secs(1));
        let fault = Instant::now();
        for m in &lost {
            kill_etcd(m)?;
            std::fs::remove_dir_all(dir(m).join("etcd/data")).map_err(|e| e.to_string())?;
        }
        wait_for("quorum seen lost", Duration::from_secs(15), || {
            quorum(l).0 == 2
        })?;
        let lost_at = Instant::now();
        steps.push(status_step(l, "with two members' data gone", 2));
        let plan = plan(l, &lost, &lead)?;
        steps.extend(follow(l, &plan, way)?);
        wait_for(
            "a write after the recovery",
            Duration::from_secs(30),
            || acked_since(&acks, lost_at),
        )?;
        stop.store(true, SeqCst);
        w.join().map_err(|_| "the writer panicked")?;
        Ok(((fault, lost_at), snap))
    })?;
    let acks = acks.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut o = outcome(l, &prefix, &acks, fault, Some(snap))?;
    o.outage_bound_ms = bound_ms;
    if way == "restore" {
        o.lost_allowed = o.acked_after_snapshot;
    }
    Ok((steps, o))
}

/// `quorumcalc plan --format json` for the lost members, with the
/// survivor's status and the lab's paths.
fn plan(l: &Lab, lost: &[String], survivor: &str) -> Result<serde_json::Value, String> {
    let endpoint = format!("https://{}:2379", addr(l, survivor));
    let (_, live, _) = setup::etcdctl_at(l, &endpoint, &["endpoint", "status", "-w", "json"]);
    let live_file = Path::new(DIR).join("survivor-status.json");
    lab::write(&live_file, &live)?;
    let data = format!("{DIR}/{{name}}/etcd/data");
    let pki = format!("{DIR}/{{name}}/etcd");
    let live_file = live_file.to_string_lossy();
    let extra = [
        "--snapshot",
        &snapshots(),
        "--live",
        &live_file,
        "--data-dir",
        &data,
        "--pki-dir",
        &pki,
        "--format",
        "json",
    ];
    let (code, out, err) = quorumcalc_plan(l, &lost.join(","), &extra);
    if code != 1 {
        return Err(format!("quorumcalc plan exited {code}: {}", err.trim()));
    }
    serde_json::from_str(&out).map_err(|e| format!("quorumcalc plan: {e}"))
}

/// `quorumcalc plan` from the client for the lab's cluster file with
/// `down` down, and `extra` (actions, options).
pub fn quorumcalc_plan(l: &Lab, down: &str, extra: &[&str]) -> (i32, String, String) {
    let file = l.file_path.to_string_lossy();
    let mut args = vec!["plan", "--cluster", &file, "--down", down];
    args.extend_from_slice(extra);
    run_in(CLIENT, &l.tool("quorumcalc"), &args)
}

/// Carries out the way `way` of `plan`, step by step.
fn follow(l: &Lab, plan: &serde_json::Value, way: &str) -> Result<Vec<Step>, String> {
    let w = plan["recovery"]["ways"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| w["name"] == way)
        .ok_or_else(|| format!("the plan has no way {way}"))?;
    if w["possible"] != true {
        return Err(format!(
            "the plan says {way} is not possible: {}",
            w["why_not"]
        ));
    }
    let mut out = Vec::new();
    for step in w["steps"].as_array().into_iter().flatten() {
        let host = step["host"].as_str().unwrap_or("");
        let kind = step["kind"].as_str().unwrap_or("");
        let command = step["command"].as_str().unwrap_or("");
        eprintln!(
            "lab: {way} step {}: [{host}] {kind}: {command}",
            step["step"]
        );
        out.extend(carry_out(l, host, kind, command)?);
    }
    Ok(out)
}

/// How long a step may take to come true.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// One step of a plan.
fn carry_out(l: &Lab, host: &str, kind: &str, command: &str) -> Result<Option<Step>, String> {
    let sh = |cmd: &str| run_in(host, "sh", &["-c", cmd]);
    match kind {
        "stop" if lab::working(host, "etcd") => kill_etcd(host)?,
        "stop" | "copy" | "note" => {}
        "start" => setup::start_etcd(l, host, "existing")?,
        "set-aside" | "keep" | "restore" => {
            let (code, _, err) = sh(command);
            if code != 0 {
                return Err(format!("{command}: {}", err.trim()));
            }
        }
        // etcd refuses an add until the members have been connected for a
        // while: repeated, as the step says.
        "member-add" => {
            wait_for(command, STEP_TIMEOUT, || sh(command).0 == 0)?;
        }
        "run-once" => {
            lab::spawn_in(host, "etcd-once", "sh", &["-c", &format!("exec {command}")])?;
        }
        "wait" => {
            wait_for(command, STEP_TIMEOUT, || sh(command).0 == 0)?;
        }
        "stop-once" => {
            lab::signal(host, "etcd-once", "KILL");
            wait_for(
                "etcd started by hand to stop",
                Duration::from_secs(5),
                || !lab::working(host, "etcd-once"),
            )?;
        }
        "check" => {
            wait_for("quorumcalc status OK", STEP_TIMEOUT, || quorum(l).0 == 0)?;
            return Ok(Some(status_step(l, "after the plan's last step", 0)));
        }
        other => return Err(format!("a step the lab cannot carry out: {other}")),
    }
    Ok(None)
}

/// After a quorum-loss drill: the data directories the plan set aside
/// removed (a second run would find them).
pub fn clear_set_aside(l: &Lab) {
    for m in l.masters() {
        for suffix in ["before-recovery", "before-force-new-cluster"] {
            let _ = std::fs::remove_dir_all(dir(&m).join(format!("etcd/data.{suffix}")));
        }
    }
}
