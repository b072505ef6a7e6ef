//! The drills: a fault made while the client streams requests through the
//! VIP and a loop writes to etcd; the figures measured; and what every
//! monitoring check says, before, during and after, compared with the
//! lab's true state (read from the kernel and the processes, not from the
//! checks).

use crate::lab::{self, CLIENT, DIR, Lab, dir, must, ns, run_in, wait_for};
use crate::setup::{self, addr, etcdctl};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

/// The drills, in the order `lab all` runs them.
pub const DRILLS: &[&str] = &["power-loss", "haproxy-death"];

/// A monitoring check's verdict compared with the truth.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    /// before, during or after.
    pub when: &'static str,
    /// The check and where it ran.
    pub check: String,
    /// The exit status the lab's state calls for.
    pub expected: i32,
    /// What it said: its exit status and first line.
    pub got: i32,
    /// Its status line.
    pub said: String,
}

/// One drill's figures and verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// The drill.
    pub drill: String,
    /// Requests sent through the VIP, and how many failed.
    pub sent: usize,
    /// Failed requests.
    pub failed: usize,
    /// The longest run of failures, first to last failed request, in ms.
    pub longest_failure_ms: u64,
    /// From the fault until the VIP is on its new holder, in ms.
    pub recovery_ms: u64,
    /// etcd writes tried, and how many failed.
    pub etcd_writes: usize,
    /// Failed etcd writes.
    pub etcd_failed: usize,
    /// The bound on the failure window, in ms.
    pub bound_ms: u64,
    /// Every monitoring verdict.
    pub observations: Vec<Observation>,
    /// Each request: ms from the start, and whether it succeeded.
    pub timeline: Vec<(u64, bool)>,
    /// When the fault was made, ms from the start of the stream.
    pub fault_at_ms: u64,
    /// Whether every bound held and every verdict was right.
    pub passed: bool,
}

/// Exit status and first line of a check run in a host's namespace.
fn check(host: &str, program: &str, args: &[&str]) -> (i32, String) {
    let (code, out, err) = run_in(host, program, args);
    let line = out.lines().next().unwrap_or(err.trim()).to_owned();
    (code, line)
}

/// What the checks say now, against what the truth calls for.
fn observe(l: &Lab, when: &'static str, down: &[String], out: &mut Vec<Observation>) {
    let vip = l.vip().to_string();
    for m in l.masters().iter().filter(|m| !down.contains(m)) {
        let d = dir(m);
        let p = |f: &str| d.join(f).to_string_lossy().into_owned();
        // The truth: a holder with HAProxy is OK, without it CRITICAL; a
        // backup with HAProxy (and keepalived) is OK, without it WARNING.
        // Taken before and after the check: a state that changed while the
        // check looked (a VIP in flight) judges nothing.
        let truth = || {
            let holds = l.holders().contains(m);
            match (holds, lab::pid_of(m, "haproxy").is_some()) {
                (_, true) => 0,
                (false, false) => 1,
                (true, false) => 2,
            }
        };
        let expected = truth();
        let (got, said) = check(
            m,
            &l.tool("vipcheck"),
            &[
                "local",
                "--vip",
                &vip,
                "--state-file",
                &p("state"),
                "--keepalived-pid",
                &p("keepalived-main.pid"),
                "--settle",
                "1s",
            ],
        );
        if truth() == expected {
            out.push(Observation {
                when,
                check: format!("vipcheck local on {m}"),
                expected,
                got,
                said,
            });
        }
        let (got, said) = check(m, &l.tool("certs"), &["check", &p("etcd")]);
        out.push(Observation {
            when,
            check: format!("certs check on {m}"),
            expected: 0,
            got,
            said,
        });
    }
    let before = l.holders().len();
    let (got, said) = check(
        CLIENT,
        &l.tool("vipcheck"),
        &["arp", "--vip", &vip, "--iface", "eth0", "--window", "500ms"],
    );
    let after = l.holders().len();
    if before == after {
        let expected = if before == 1 { 0 } else { 2 };
        out.push(Observation {
            when,
            check: "vipcheck arp from the client".into(),
            expected,
            got,
            said,
        });
    }
    let voters = l.masters().len();
    let up = voters - down.len();
    let spare = up as i64 - (voters / 2 + 1) as i64;
    let expected = match spare {
        s if s >= 1 => 0,
        0 => 1,
        _ => 2,
    };
    let (got, said) = quorum(l);
    out.push(Observation {
        when,
        check: "quorumcalc status from etcdctl".into(),
        expected,
        got,
        said,
    });
}

/// `quorumcalc status` over etcdctl's member list and endpoint status.
fn quorum(l: &Lab) -> (i32, String) {
    let (_, list, _) = etcdctl(l, &["member", "list", "-w", "json"]);
    let (_, status, _) = etcdctl(l, &["endpoint", "status", "--cluster", "-w", "json"]);
    let input = Path::new(DIR).join("quorum-input.json");
    let _ = std::fs::write(&input, format!("{list}\n{status}\n"));
    check(
        CLIENT,
        &l.tool("quorumcalc"),
        &["status", &input.to_string_lossy()],
    )
}

/// Writes to etcd every 200 ms until `stop`; (tried, failed).
fn write_loop(l: &Lab, stop: &std::sync::atomic::AtomicBool) -> (usize, usize) {
    let (mut tried, mut failed) = (0, 0);
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let start = Instant::now();
        tried += 1;
        if etcdctl(l, &["put", "lab/drill", &tried.to_string()]).0 != 0 {
            failed += 1;
        }
        if let Some(rest) = Duration::from_millis(200).checked_sub(start.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    (tried, failed)
}

/// The client's results of a stream started with [`start_stream`].
fn results(what: &str) -> Vec<crate::client::Result_> {
    std::fs::read_to_string(dir(CLIENT).join(format!("{what}.log")))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Starts the client's stream of `seconds` in the background.
fn start_stream(l: &Lab, what: &str, seconds: u32) -> Result<(), String> {
    let ing = l.file.ingress("").map_err(|e| e.to_string())?;
    let hosts: Vec<String> = ing.services.iter().map(|s| ing.host(&s.name)).collect();
    let ca = Path::new(DIR).join("ca.crt").to_string_lossy().into_owned();
    let vip = l.vip().to_string();
    lab::spawn_in(
        CLIENT,
        what,
        &l.tool("lab"),
        &[
            "client",
            "--vip",
            &vip,
            "--hosts",
            &hosts.join(","),
            "--ca",
            &ca,
            "--rate",
            "50",
            "--seconds",
            &seconds.to_string(),
        ],
    )
    .map(|_| ())
}

/// The longest window of failures, first to last failed request of a run.
fn longest_failure(r: &[crate::client::Result_]) -> u64 {
    let (mut best, mut start) = (0, None);
    for x in r {
        match (x.ok, start) {
            (false, None) => start = Some(x.t),
            (false, Some(s)) => best = best.max(x.t - s),
            (true, _) => start = None,
        }
    }
    best.max(u64::from(r.iter().any(|x| !x.ok)))
}

/// Runs one drill on a healthy lab and brings the lab back to health.
pub fn run(l: &Lab, name: &str) -> Result<Figures, String> {
    let first = l.masters()[0].clone();
    let next = l.masters()[1].clone();
    let mut obs = Vec::new();
    observe(l, "before", &[], &mut obs);
    let what = format!("stream-{name}");
    let seconds = 14;
    start_stream(l, &what, seconds)?;
    let stream_start = Instant::now();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (fault_at, recovery, bound_ms, writes) = std::thread::scope(|s| -> Result<_, String> {
        let writer = s.spawn(|| write_loop(l, &stop));
        std::thread::sleep(Duration::from_secs(3));
        let fault_at = stream_start.elapsed();
        let (down, bound_ms) = fault(name, &first)?;
        // When the VIP is on the next master, watched from the fault on.
        let watcher = s.spawn(|| {
            wait_for(
                "the VIP on the next master",
                Duration::from_secs(15),
                || l.holders() == [next.clone()],
            )
        });
        std::thread::sleep(Duration::from_millis(300));
        observe(l, "during", &down, &mut obs);
        let recovery = watcher.join().map_err(|_| "the watcher panicked")??;
        std::thread::sleep(Duration::from_secs(2));
        observe(l, "after", &down, &mut obs);
        let left =
            Duration::from_secs(u64::from(seconds) + 2).saturating_sub(stream_start.elapsed());
        std::thread::sleep(left);
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let writes = writer.join().map_err(|_| "the write loop panicked")?;
        Ok((fault_at, recovery, bound_ms, writes))
    })?;
    let r = results(&what);
    restore(l, name, &first)?;
    let longest = longest_failure(&r);
    let passed = longest <= bound_ms
        && (recovery.as_millis() as u64) <= bound_ms
        && obs.iter().all(|o| o.expected == o.got)
        && !r.is_empty();
    Ok(Figures {
        drill: name.to_owned(),
        sent: r.len(),
        failed: r.iter().filter(|x| !x.ok).count(),
        longest_failure_ms: longest,
        recovery_ms: recovery.as_millis() as u64,
        etcd_writes: writes.0,
        etcd_failed: writes.1,
        bound_ms,
        observations: obs,
        timeline: r.iter().map(|x| (x.t, x.ok)).collect(),
        fault_at_ms: fault_at.as_millis() as u64,
        passed,
    })
}

/// Makes the fault; the masters that are down, and the bound in ms.
fn fault(name: &str, holder: &str) -> Result<(Vec<String>, u64), String> {
    // keepalived's advert_int (vipcheck render writes 1 s) and track
    // script (interval 1 s, fall 2).
    let advert = 1000;
    match name {
        // Every process of the holder killed and its link down.
        // The link first: nothing the dying processes send gets out (a
        // keepalived told of its parent's death would say goodbye).
        "power-loss" => {
            must("ip", &["-n", &ns(holder), "link", "set", "eth0", "down"])?;
            for what in ["keepalived", "haproxy", "etcd"] {
                lab::signal(holder, what, "KILL");
            }
            Ok((vec![holder.to_owned()], 3 * advert + 1500))
        }
        // HAProxy dies on the holder: the track script moves the VIP.
        "haproxy-death" => {
            lab::signal(holder, "haproxy", "KILL");
            Ok((Vec::new(), 2 * 1000 + advert + 1000))
        }
        other => Err(format!(
            "no drill {other}; the drills are {}",
            DRILLS.join(", ")
        )),
    }
}

/// Brings the master back after a drill, and waits for a healthy lab.
fn restore(l: &Lab, name: &str, holder: &str) -> Result<(), String> {
    if name == "power-loss" {
        must("ip", &["-n", &ns(holder), "link", "set", "eth0", "up"])?;
        setup::start_etcd(l, holder, "existing")?;
        setup::start_keepalived(holder)?;
    }
    setup::start_haproxy(holder)?;
    let _ = addr(l, holder);
    setup::healthy(l)
}
