//! The drills: a fault made while the client streams requests through the
//! VIP and a loop writes to etcd; the figures measured; and what every
//! monitoring check says, before, during and after, compared with the
//! lab's true state (read from the kernel and the processes, not from the
//! checks).

use crate::figures;
use crate::lab::{self, CLIENT, DIR, Lab, StopOnDrop, dir, must, ns, run_in, wait_for};
use crate::recover::{self, quorum};
use crate::setup::{self, addr, etcdctl};
use clusterfile::gateway::Controller;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{Duration, Instant};

/// The drills, in the order `lab all` runs them.
pub const DRILLS: &[&str] = &[
    "power-loss",
    "haproxy-death",
    "apiserver-death",
    "apiserver-unready",
    "all-apiservers-down",
    "maintenance",
    "advert-change",
    "vrid-change",
    "controller-switch",
    "keepalived-kill",
    "split-brain",
    "worker-death",
    "worker-hang",
    "etcd-replace",
    "etcd-leader-kill",
    "quorum-loss-restore",
    "quorum-loss-survivor",
    "add-master",
    "renewal",
];

/// The master `add-master` brings in, and its address.
const NEW_MASTER: (&str, &str) = ("fallingrocks", "10.77.0.14");

/// A monitoring check's verdict compared with the truth.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Observation {
    /// before, during or after.
    pub when: String,
    /// The check and where it ran.
    pub check: String,
    /// The exit status the lab's state calls for.
    pub expected: i32,
    /// What it said: its exit status and first line.
    pub got: i32,
    /// Its status line.
    pub said: String,
}

impl Observation {
    /// A verdict `(got, said)` of `check`, against `expected`.
    fn new(when: &str, check: String, expected: i32, (got, said): (i32, String)) -> Observation {
        Observation {
            when: when.into(),
            check,
            expected,
            got,
            said,
        }
    }
}

/// How often the truth is looked at while a check runs.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// A check judged against the lab's state `truth`, looked at before `run`,
/// all the while it runs (every [`SAMPLE_EVERY`]) and after it: the truth
/// covers the same time as the check (`vipcheck arp` listens for 500 ms,
/// and a VIP that moves and comes back within it is seen by both or by
/// neither). A state that changed meanwhile judges nothing, and neither
/// does one `truth` cannot judge (`None`). `verdict` is the exit status the
/// state calls for.
fn judged<T: PartialEq + Sync>(
    when: &str,
    check: String,
    truth: impl Fn() -> Option<T> + Sync,
    verdict: impl Fn(&T) -> i32,
    run: impl FnOnce() -> (i32, String),
) -> Option<Observation> {
    let before = truth()?;
    let done = std::sync::atomic::AtomicBool::new(false);
    let (steady, result) = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let mut steady = true;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                steady &= truth().as_ref() == Some(&before);
                std::thread::sleep(SAMPLE_EVERY);
            }
            steady
        });
        let result = run();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (watcher.join().unwrap_or(false), result)
    });
    (steady && truth().as_ref() == Some(&before))
        .then(|| Observation::new(when, check, verdict(&before), result))
}

/// What `vipcheck local` must say of a master, from the kernel and the
/// processes: a holder whose VRRP process is stopped or gone (no adverts:
/// an orphan) or whose HAProxy does not work is CRITICAL, a holder whose
/// main keepalived process is stopped WARNING; a backup that could not
/// take over (HAProxy or keepalived not working) WARNING; else OK.
pub fn local_truth(holds: bool, haproxy: bool, ka: lab::Keepalived) -> i32 {
    match (holds, haproxy, ka.vrrp, ka.main) {
        (true, false, _, _) | (true, _, false, _) => 2,
        (true, true, true, false) => 1,
        (true, true, true, true) => 0,
        (false, true, true, true) => 0,
        (false, _, _, _) => 1,
    }
}

/// What `certs check` must say of `files`, from openssl: CRITICAL when a
/// certificate expires within 7 days, WARNING within 30 (certs check's
/// defaults), else OK; `None` when openssl cannot tell.
pub fn certs_truth(files: &[std::path::PathBuf]) -> Option<i32> {
    let mut worst = 0;
    for f in files {
        for (days, state) in [(7u64, 2), (30, 1)] {
            let out = std::process::Command::new("openssl")
                .args([
                    "x509",
                    "-noout",
                    "-checkend",
                    &(days * 86_400).to_string(),
                    "-in",
                ])
                .arg(f)
                .output()
                .ok()?;
            let said = String::from_utf8_lossy(&out.stdout);
            if said.contains("will not expire") {
                continue;
            }
            if !said.contains("will expire") {
                return None;
            }
            worst = worst.max(state);
            break;
        }
    }
    Some(worst)
}

/// What `certs check` is given on a master: its etcd directory and
/// HAProxy's bundle.
fn checked_paths(l: &Lab, m: &str) -> Vec<std::path::PathBuf> {
    let mut paths = vec![dir(m).join("etcd")];
    paths.push(std::path::PathBuf::from(&l.ingress().tls_bundle));
    paths
}

/// The certificate files among `paths`: a directory's `.crt` files, and
/// each file given.
fn cert_files(paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut crts: Vec<std::path::PathBuf> = std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|x| x == "crt"))
                .collect();
            crts.sort();
            files.extend(crts);
        } else {
            files.push(p.clone());
        }
    }
    files
}

/// `certs check` on a master's etcd files and HAProxy's bundle, against
/// the certificates' real state as openssl reads it. When openssl cannot
/// read them, the observation fails (expected -1): a lab whose truth
/// cannot be told is no pass.
fn certs_observation(l: &Lab, m: &str, when: &str, name: String) -> Observation {
    let paths = checked_paths(l, m);
    let expected = certs_truth(&cert_files(&paths)).unwrap_or(-1);
    let mut args = vec!["check".to_owned()];
    args.extend(paths.iter().map(|p| p.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let said = check(m, &l.tool("certs"), &args);
    Observation::new(when, name, expected, said)
}

/// One drill's figures and verdicts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Figures {
    /// The drill.
    pub drill: String,
    /// The HTTP stream through the VIP (none when the drill stopped before
    /// it measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<figures::Stream>,
    /// The API stream (kubetool's admin.conf, a pod list through the VIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<figures::Stream>,
    /// From the fault until the VIP is on its new holder, in ms.
    pub recovery_ms: u64,
    /// etcd writes tried, and how many failed.
    pub etcd_writes: usize,
    /// Failed etcd writes.
    pub etcd_failed: usize,
    /// The bound on the HTTP stream's time without service, in ms (0: no
    /// request may fail or be late).
    pub bound_ms: u64,
    /// The bound on the time from the fault until the VIP settles, in ms.
    pub recovery_bound_ms: u64,
    /// Every monitoring verdict.
    pub observations: Vec<Observation>,
    /// When the fault was made, ms from the start of the stream.
    pub fault_at_ms: u64,
    /// Whether every bound held and every verdict was right.
    pub passed: bool,
    /// The drill's wall time, restoring the lab included, in ms.
    #[serde(default)]
    pub duration_ms: u64,
    /// Why the drill could not run to its end (it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The bound on the API stream's span of bad requests, in ms (0: no
    /// API request may fail or be late).
    #[serde(default)]
    pub api_bound_ms: u64,
    /// How often the VIP arrived on a master that did not hold it, from
    /// the fault until the end of the stream (the kernel's view, every
    /// 50 ms).
    #[serde(default)]
    pub vip_moves: usize,
    /// The most VIP moves allowed, when the drill bounds them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip_moves_bound: Option<usize>,
    /// The etcd drills: the write outage, and the writes kept and lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd: Option<recover::Outcome>,
}

impl Figures {
    /// A drill that stopped with `error` before it measured anything.
    pub fn errored(drill: &str, error: String) -> Figures {
        Figures {
            drill: drill.to_owned(),
            error: Some(error),
            ..Figures::default()
        }
    }
}

/// Exit status and first line of a check run in a host's namespace.
fn check(host: &str, program: &str, args: &[&str]) -> (i32, String) {
    let (code, out, err) = run_in(host, program, args);
    let line = out.lines().next().unwrap_or(err.trim()).to_owned();
    (code, line)
}

/// What the checks say now, against what the truth calls for.
fn observe(l: &Lab, when: &str, down: &[String], out: &mut Vec<Observation>) {
    // First: the quickest look, taken before the VIP moves on.
    probe(l, when, down, out);
    probe_api(l, when, down, out);
    let etcd_down = l
        .masters()
        .iter()
        .filter(|m| down.contains(m) || !lab::working(m, "etcd"))
        .count();
    let vip = l.vip().to_string();
    for m in l.masters().iter().filter(|m| !down.contains(m)) {
        let d = dir(m);
        let p = |f: &str| d.join(f).to_string_lossy().into_owned();
        let truth = || {
            let holds = l.holders().contains(m);
            Some(local_truth(
                holds,
                lab::working(m, "haproxy"),
                lab::keepalived(m),
            ))
        };
        let local = || {
            check(
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
            )
        };
        let name = format!("vipcheck local on {m}");
        out.extend(judged(when, name, truth, |&v| v, local));
        workers_check(l, m, when, out);
        out.push(certs_observation(l, m, when, format!("certs check on {m}")));
    }
    // One MAC for the VIP is OK; none, or two, CRITICAL.
    let arp = || {
        check(
            CLIENT,
            &l.tool("vipcheck"),
            &["arp", "--vip", &vip, "--iface", "eth0", "--window", "500ms"],
        )
    };
    out.extend(judged(
        when,
        "vipcheck arp from the client".into(),
        || Some(l.holders().len()),
        |&n| if n == 1 { 0 } else { 2 },
        arp,
    ));
    let voters = l.masters().len();
    let up = voters - etcd_down;
    let spare = up as i64 - (voters / 2 + 1) as i64;
    let expected = match spare {
        s if s >= 1 => 0,
        0 => 1,
        _ => 2,
    };
    let name = "quorumcalc status from etcdctl".into();
    out.push(Observation::new(when, name, expected, quorum(l)));
}

/// `vipcheck workers` on master `m`: which workers its HAProxy has
/// marked DOWN. The truth: all workers serving is OK, some WARNING, none
/// CRITICAL (HAProxy's health check has had the drill's `observe_after` to
/// notice); without a working HAProxy the check cannot tell: UNKNOWN.
fn workers_check(l: &Lab, m: &str, when: &str, out: &mut Vec<Observation>) {
    let truth = || {
        if !lab::working(m, "haproxy") {
            return Some(3);
        }
        Some(workers_truth(l.serving_workers().len(), l.workers().len()))
    };
    let run = || check(m, &l.tool("vipcheck"), &["workers"]);
    let name = format!("vipcheck workers on {m}");
    out.extend(judged(when, name, truth, |&v| v, run));
}

/// OK with every worker serving, CRITICAL with none, else WARNING.
fn workers_truth(serving: usize, workers: usize) -> i32 {
    match serving {
        s if s == workers => 0,
        0 => 2,
        _ => 1,
    }
}

/// `vipcheck probe` from the client: every service through the VIP and
/// through each master, and each worker's health directly. The truth:
/// nobody holding the VIP, a holder without HAProxy, or no worker serving
/// is CRITICAL; a master that cannot serve directly (cut off, or its
/// HAProxy gone) or a worker that does not is WARNING; else OK. With the
/// VIP on two masters the client reaches only the one its ARP cache
/// names, so the probe cannot see the split (`vipcheck arp` is the check
/// for it) and is not judged; nor is it while the state changes under it.
fn probe(l: &Lab, when: &str, down: &[String], out: &mut Vec<Observation>) {
    let serving = |m: &String| !down.contains(m) && lab::working(m, "haproxy");
    let truth = || {
        let holders = l.holders();
        let workers = workers_truth(l.serving_workers().len(), l.workers().len());
        let masters = match holders.as_slice() {
            [] => 2,
            [h] if !serving(h) => 2,
            [_] if l.masters().iter().all(serving) => 0,
            [_] => 1,
            _ => return None,
        };
        Some(masters.max(workers))
    };
    let probe = || vipcheck_probe(l, &[]);
    let name = "vipcheck probe from the client".into();
    out.extend(judged(when, name, truth, |&v| v, probe));
}

/// `vipcheck probe --api` from the client: `/readyz` and `/version`
/// through the VIP and on each master's API server, with kubetool's admin
/// client certificate and the cluster CA. The truth: nobody holding the
/// VIP, a holder without HAProxy, or no API server ready anywhere is
/// CRITICAL (the VIP's API is down); a master cut off or whose API server
/// is not ready is WARNING (one master's API is down); else OK. With the
/// VIP on two masters it is not judged, as for `probe`.
fn probe_api(l: &Lab, when: &str, down: &[String], out: &mut Vec<Observation>) {
    let serving = |m: &String| !down.contains(m) && lab::working(m, "haproxy");
    let ready = |m: &String| !down.contains(m) && setup::apiserver_ready(m);
    let truth = || {
        let holders = l.holders();
        let masters = l.masters();
        match holders.as_slice() {
            [] => Some(2),
            [h] if !serving(h) => Some(2),
            [_] if !masters.iter().any(ready) => Some(2),
            [_] if masters.iter().all(ready) => Some(0),
            [_] => Some(1),
            _ => None,
        }
    };
    let (cert, key) = (setup::admin_cert(), setup::admin_key());
    let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
    let probe = || vipcheck_probe(l, &["--api", "--cert", &cert, "--key", &key]);
    let name = "vipcheck probe --api from the client".into();
    out.extend(judged(when, name, truth, |&v| v, probe));
}

/// `vipcheck probe` from the client with the cluster file and the lab's
/// CA, and `extra` flags.
fn vipcheck_probe(l: &Lab, extra: &[&str]) -> (i32, String) {
    vipcheck_probe_of(l, &l.file_path, extra)
}

/// `vipcheck probe` from the client with cluster file `file`.
fn vipcheck_probe_of(l: &Lab, file: &Path, extra: &[&str]) -> (i32, String) {
    let ca = Path::new(DIR).join("ca.crt");
    let (file, ca) = (file.to_string_lossy(), ca.to_string_lossy());
    // Short: a request here takes ~20 ms; the truth must hold while the
    // probe looks. The certificates (90 days and more) are well clear of
    // probe's thresholds.
    let mut args = vec![
        "probe",
        "--cluster",
        &file,
        "--ca",
        &ca,
        "--timeout",
        "800ms",
    ];
    args.extend_from_slice(extra);
    check(CLIENT, &l.tool("vipcheck"), &args)
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

/// The API stream's rate: every 50 ms, the resolution of its figures.
const API_RATE: &str = "20";

/// Starts the client's streams of `seconds` in the background: to the
/// services (`what`) and to the API (`what`-api).
fn start_stream(l: &Lab, what: &str, seconds: u32) -> Result<(), String> {
    lab::spawn_in(
        CLIENT,
        &format!("{what}-api"),
        &l.tool("lab"),
        &[
            "client",
            "--kubeconfig",
            &setup::admin_conf(l),
            "--rate",
            API_RATE,
            "--seconds",
            &seconds.to_string(),
        ],
    )?;
    let ing = l.ingress();
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

/// What a fault leaves, and what the drill holds it to.
struct Plan {
    /// Masters cut off (their checks cannot run).
    down: Vec<String>,
    /// Who holds the VIP once the lab has settled.
    holders: Vec<String>,
    /// The longest window of failed requests allowed, in ms (0: none may fail).
    window_ms: u64,
    /// The same for the API stream.
    api_window_ms: u64,
    /// The most VIP moves allowed from the fault on, when bounded.
    vip_moves: Option<usize>,
    /// How long after the fault the checks are judged "during": after
    /// HAProxy's health checks could notice a fault behind it.
    observe_after_ms: u64,
    /// The longest time from the fault until `holders` hold it, in ms.
    recovery_ms: u64,
    /// Verdicts taken along a procedure's steps.
    steps: Vec<Observation>,
    /// What an etcd drill measured.
    etcd: Option<recover::Outcome>,
}

/// Runs one drill on a healthy lab and brings the lab back to health.
pub fn run(l: &Lab, name: &str) -> Result<Figures, String> {
    let began = Instant::now();
    let first = l.masters()[0].clone();
    let mut obs = vec![router_step(l, "before", l.ingress().controller)];
    observe(l, "before", &[], &mut obs);
    let what = format!("stream-{name}");
    // All API servers stay down for about 30 s, and quorum is won back in
    // about as long; the other faults need 14.
    let seconds = match name {
        "all-apiservers-down" | "quorum-loss-restore" | "quorum-loss-survivor" => 40,
        _ => 14,
    };
    // The worker drills fault the worker the client's requests go to.
    let worker = if name.starts_with("worker-") {
        client_worker(l)?
    } else {
        String::new()
    };
    start_stream(l, &what, seconds)?;
    let stream_start = Instant::now();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let faulted = std::sync::atomic::AtomicBool::new(false);
    let (fault_at, recovery, plan, writes, moves) = std::thread::scope(|s| -> Result<_, String> {
        let writer = s.spawn(|| write_loop(l, &stop));
        let mover = s.spawn(|| vip_moves(l, &faulted, &stop));
        // The write loop stops however this ends (an error included), or
        // the scope would wait for it forever.
        let _stop = StopOnDrop(&stop);
        std::thread::sleep(Duration::from_secs(3));
        let fault_at = stream_start.elapsed();
        let fault_time = Instant::now();
        eprintln!(
            "lab: {name}: the fault, {} ms into the stream",
            fault_at.as_millis()
        );
        faulted.store(true, std::sync::atomic::Ordering::SeqCst);
        let plan = fault(l, name, &first, &worker)?;
        // When the VIP is where it settles, watched from the fault on.
        let settled = plan.holders.clone();
        let watcher = s.spawn(move || {
            wait_for("the VIP to settle", Duration::from_secs(15), || {
                l.holders() == settled
            })
            .map(|_| fault_time.elapsed())
        });
        std::thread::sleep(Duration::from_millis(plan.observe_after_ms));
        obs.extend(plan.steps.iter().cloned());
        observe(l, "during", &plan.down, &mut obs);
        let recovery = watcher.join().map_err(|_| "the watcher panicked")??;
        eprintln!(
            "lab: {name}: the VIP settled {} ms after the fault",
            recovery.as_millis()
        );
        std::thread::sleep(Duration::from_secs(2));
        observe(l, "after", &plan.down, &mut obs);
        let left =
            Duration::from_secs(u64::from(seconds) + 2).saturating_sub(stream_start.elapsed());
        std::thread::sleep(left);
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let writes = writer.join().map_err(|_| "the write loop panicked")?;
        let moves = mover.join().map_err(|_| "the VIP watcher panicked")?;
        Ok((fault_at, recovery, plan, writes, moves))
    })?;
    let r = results(&what);
    let api = results(&format!("{what}-api"));
    eprintln!("lab: {name}: restoring the lab");
    obs.extend(restore(l, name, &first)?);
    let fault_at_ms = fault_at.as_millis() as u64;
    let window = figures::fault_window(fault_at_ms);
    let http = figures::Stream::of(&r, window);
    let api = figures::Stream::of(&api, window);
    for f in &http.bad {
        eprintln!("lab: {name}: a request failed or was late: {f}");
    }
    for f in &api.bad {
        eprintln!("lab: {name}: an API request failed or was late: {f}");
    }
    let passed = within(&http, plan.window_ms, http.no_service_ms)
        && within(&api, plan.api_window_ms, api.span_ms)
        && plan.vip_moves.is_none_or(|most| moves <= most)
        && (recovery.as_millis() as u64) <= plan.recovery_ms
        && plan.etcd.as_ref().is_none_or(recover::Outcome::passed)
        && obs.iter().all(|o| o.expected == o.got);
    Ok(Figures {
        drill: name.to_owned(),
        recovery_ms: recovery.as_millis() as u64,
        etcd_writes: writes.0,
        etcd_failed: writes.1,
        bound_ms: plan.window_ms,
        recovery_bound_ms: plan.recovery_ms,
        observations: obs,
        fault_at_ms,
        passed,
        duration_ms: began.elapsed().as_millis() as u64,
        error: None,
        http: Some(http),
        api: Some(api),
        api_bound_ms: plan.api_window_ms,
        vip_moves: moves,
        vip_moves_bound: plan.vip_moves,
        etcd: plan.etcd,
    })
}

/// Whether a stream kept to `bound`, in ms of `measure` (0: no request
/// may fail or be late), with requests sent at all.
fn within(s: &figures::Stream, bound: u64, measure: u64) -> bool {
    let kept = if bound == 0 {
        s.bad() == 0
    } else {
        measure <= bound
    };
    kept && s.sent > 0
}

/// Counts the VIP's moves once `faulted` is set, until `stop`: each time
/// a master holds it that did not at the look before (every 50 ms).
fn vip_moves(
    l: &Lab,
    faulted: &std::sync::atomic::AtomicBool,
    stop: &std::sync::atomic::AtomicBool,
) -> usize {
    use std::sync::atomic::Ordering::SeqCst;
    let mut before = l.holders();
    let mut moves = 0;
    while !stop.load(SeqCst) {
        let now = l.holders();
        if faulted.load(SeqCst) {
            moves += now.iter().filter(|h| !before.contains(h)).count();
        }
        before = now;
        std::thread::sleep(Duration::from_millis(50));
    }
    moves
}

/// HAProxy's API health check: fall (2) × inter (500 ms), in ms.
const API_CHECK_MS: u64 = 2 * 500;

/// The track script's interval (lab: 1 s) and fall (2), in ms.
const TRACK_MS: u64 = 2 * 1000;

/// HAProxy's worker check at its slowest: a check every 500 ms, 300 ms
/// to answer, the second 200 ms after the first failed, in ms.
const WORKER_CHECK_MS: u64 = 500 + 300 + 200 + 300;
/// The longest time without service a worker's outage may cost (the
/// issue's goal), in ms.
const WORKER_BOUND_MS: u64 = 2000;

/// The worker that answers the client now (its requests all go to one,
/// by HAProxy's `balance source`).
fn client_worker(l: &Lab) -> Result<String, String> {
    let ing = l.ingress();
    let host = ing.host(&ing.services[0].name);
    let ca = Path::new(DIR).join("ca.crt").to_string_lossy().into_owned();
    let vip = l.vip().to_string();
    let args = [
        "client",
        "--vip",
        &vip,
        "--hosts",
        &host,
        "--ca",
        &ca,
        "--rate",
        "1",
        "--seconds",
        "1",
    ];
    let (_, out, err) = run_in(CLIENT, &l.tool("lab"), &args);
    out.lines()
        .filter_map(|line| serde_json::from_str::<crate::client::Result_>(line).ok())
        .map(|r| r.worker)
        .find(|w| l.workers().contains(w))
        .ok_or_else(|| format!("no worker answered the client: {out}{err}"))
}

/// How long a drained master's HAProxy may finish what it serves.
const SOFT_STOP: Duration = Duration::from_secs(5);

/// Stops HAProxy on a drained master as the procedure says: gracefully
/// (SIGUSR1: it finishes what it serves), and after [`SOFT_STOP`] at once
/// (SIGTERM). The VIP has left and every client has moved: a connection it
/// still holds then is half-open (its client's packets go to the new
/// holder, which reset it), and would hold the soft stop up to
/// `hard-stop-after` (30 s; the lab measured 33.6 s once).
fn soft_stop_haproxy(m: &str) {
    lab::signal(m, "haproxy", "USR1");
    let gone = wait_for("HAProxy to finish what it serves", SOFT_STOP, || {
        lab::pid_of(m, "haproxy").is_none()
    });
    if gone.is_err() {
        eprintln!(
            "lab: maintenance: HAProxy on {m} still runs after {} s: stopped at once",
            SOFT_STOP.as_secs()
        );
        lab::signal(m, "haproxy", "TERM");
    }
}

/// Adds the VIP to `m`'s lo (`hold`), or takes it off again: `m` goes on
/// taking the VIP's packets whatever keepalived does to eth0. `Silent`
/// when the VIP moves to another master: `arp_ignore` 1 so `m` answers no
/// ARP for it there and `arp_announce` 2 so `m`'s own ARP requests name
/// its own address as their sender, never the VIP (both back to 0 after).
/// Without `arp_announce`, a request `m` sends to find a client it still
/// answers from the VIP tells that client the VIP is at `m`'s MAC again,
/// and its connections to the new holder are reset (which fits the one
/// failed run of 40 loaded ones at 0.1 s adverts before: 13 requests
/// reset, 5 failed, over 220 ms). `Answering` when the VIP stays on `m`:
/// it answers ARP for the VIP from lo while eth0 has not got it back.
fn hold_vip_on_lo(l: &Lab, m: &str, hold: bool, arp: Hold) -> Result<(), String> {
    let vip = format!("{}/32", l.vip());
    let n = ns(m);
    let sysctl = |name: &str, value: u8| {
        if arp == Hold::Answering {
            return Ok(());
        }
        let setting = format!("net.ipv4.conf.all.{name}={value}");
        must("ip", &["netns", "exec", &n, "sysctl", "-q", "-w", &setting]).map(|_| ())
    };
    if hold {
        sysctl("arp_ignore", 1)?;
        sysctl("arp_announce", 2)?;
        must("ip", &["-n", &n, "addr", "add", &vip, "dev", "lo"]).map(|_| ())
    } else {
        must("ip", &["-n", &n, "addr", "del", &vip, "dev", "lo"])?;
        sysctl("arp_announce", 0)?;
        sysctl("arp_ignore", 0)
    }
}

/// Whether a master holding the VIP on lo answers ARP for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// Not: the VIP is moving to another master.
    Silent,
    /// It does: the VIP stays.
    Answering,
}

/// The interval `advert-change` changes to from `a`: 0.1 s from 1 s,
/// else 1 s, so that the change always crosses VRRP versions (the hard
/// case: masters on different versions do not hear each other).
fn other_advert(a: clusterfile::Advert) -> clusterfile::Advert {
    if a == clusterfile::Advert::DEFAULT {
        clusterfile::Advert::from_centiseconds(10).unwrap_or(a)
    } else {
        clusterfile::Advert::DEFAULT
    }
}

/// The lab file with `section`'s `key` set to `to` (its line must be
/// there, and no other section's may have that key), written as
/// `cluster-<key>.yaml`.
fn edited_file(l: &Lab, section: &str, key: &str, to: &str) -> Result<std::path::PathBuf, String> {
    let text = std::fs::read_to_string(&l.file_path).map_err(|e| e.to_string())?;
    let start = format!("  {key}: ");
    let given = text
        .lines()
        .find(|line| line.starts_with(&start))
        .ok_or_else(|| format!("the lab cluster file has no {section}.{key} line"))?;
    let changed = text.replacen(given, &format!("{start}{to}"), 1);
    let path = Path::new(DIR).join(format!("cluster-{key}.yaml"));
    lab::write(&path, &changed)?;
    Ok(path)
}

/// The VRID `vrid-change` changes to from `v`: the next one.
fn other_vrid(v: u8) -> u8 {
    v % 255 + 1
}

/// Gives every master the keepalived.conf `render` writes for it, in the
/// order that never lets two masters hold the VIP, even when the change
/// is one the masters cannot run side by side (VRRP versions, VRID): the
/// backups' keepalived stopped (the holder keeps the VIP alone), the
/// holder reloaded with its new config, and once it holds the VIP again,
/// the backups started with theirs. keepalived knows a VRRP instance by
/// its VRID: a new one is a new instance, and the reload takes the VIP
/// off eth0 until the new instance has waited out 3 adverts and taken it
/// (0.35 s at 0.1 s). Meanwhile the VIP is kept on lo ([`hold_vip_on_lo`]):
/// the holder's MAC does not change, so clients keep sending to it, and
/// it goes on serving them.
fn change_keepalived(
    l: &Lab,
    holder: &str,
    render: impl Fn(&str) -> Result<(), String>,
) -> Result<(), String> {
    let backups: Vec<String> = l.masters().into_iter().filter(|m| m != holder).collect();
    for b in &backups {
        lab::signal(b, "keepalived", "TERM");
    }
    wait_for(
        "the backups' keepalived to stop",
        Duration::from_secs(10),
        || {
            backups
                .iter()
                .all(|b| lab::pid_of(b, "keepalived").is_none())
        },
    )?;
    hold_vip_on_lo(l, holder, true, Hold::Answering)?;
    let reloads = reloads_done(holder);
    render(holder)?;
    lab::signal(holder, "keepalived-main", "HUP");
    let held = wait_for("the holder's reload", Duration::from_secs(10), || {
        reloads_done(holder) > reloads && l.holders() == [holder.to_owned()]
    });
    hold_vip_on_lo(l, holder, false, Hold::Answering)?;
    held?;
    let started = std::time::SystemTime::now();
    for b in &backups {
        render(b)?;
        setup::start_keepalived(b)?;
    }
    wait_for(
        "the backups' keepalived in BACKUP",
        Duration::from_secs(10),
        || backups.iter().all(|b| backup_since(b, started)),
    )
    .map(|_| ())
}

/// The same change the naive way, as Puppet would roll it out: one
/// master's keepalived reloaded at a time, backups first, each given
/// longer than 3 adverts to act. A reloaded master hears nobody of its
/// own kind and takes the VIP beside the holder.
fn change_one_by_one(
    l: &Lab,
    holder: &str,
    render: impl Fn(&str) -> Result<(), String>,
) -> Result<(), String> {
    let mut order: Vec<String> = l.masters().into_iter().filter(|m| m != holder).collect();
    order.push(holder.to_owned());
    for m in &order {
        render(m)?;
        lab::signal(m, "keepalived-main", "HUP");
        std::thread::sleep(Duration::from_millis(3 * setup::advert(l).millis() + 1000));
    }
    Ok(())
}

/// Whether `m`'s keepalived has said it is BACKUP since `t` (its notify
/// script's state file): it runs, has read its config and hears the holder.
fn backup_since(m: &str, t: std::time::SystemTime) -> bool {
    let f = dir(m).join("state");
    let fresh = std::fs::metadata(&f)
        .and_then(|md| md.modified())
        .is_ok_and(|w| w >= t);
    fresh && std::fs::read_to_string(&f).is_ok_and(|s| s.contains("\"state\":\"BACKUP\""))
}

/// How many reloads `m`'s keepalived has finished, by its log.
fn reloads_done(m: &str) -> usize {
    std::fs::read_to_string(dir(m).join("keepalived.log"))
        .map(|log| log.matches(RELOAD_FINISHED).count())
        .unwrap_or(0)
}

/// What keepalived's VRRP process logs once a reload (SIGHUP) is done.
const RELOAD_FINISHED: &str = "Reload complete";

/// Whether every master's keepalived runs `setting` `to`: one verdict per
/// master (0 when so, 1 with what it runs), from what the running
/// keepalived reports of itself (`read`).
fn runs_step<T: PartialEq + std::fmt::Display>(
    l: &Lab,
    setting: &str,
    to: T,
    read: fn(&str) -> Result<T, String>,
    out: &mut Vec<Observation>,
) {
    for m in l.masters() {
        let said = match read(&m) {
            Ok(a) if a == to => (0, format!("{setting} {a}")),
            Ok(a) => (1, format!("{setting} {a}, not {to}")),
            Err(e) => (2, e),
        };
        out.push(Observation::new(
            "during",
            format!("{m}'s keepalived runs {setting} {to} after the change"),
            0,
            said,
        ));
    }
}

/// What `vipcheck arp` said, sampled from the client every
/// [`ARP_EVERY`] while a change ran.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct ArpSamples {
    /// Samples taken.
    taken: usize,
    /// Samples in which one request was answered by two MACs or more.
    two: usize,
    /// Samples nobody answered.
    none: usize,
    /// Samples whose status line gave no count (vipcheck failed).
    unread: usize,
}

/// How often the ARP samples start.
const ARP_EVERY: Duration = Duration::from_millis(100);

impl ArpSamples {
    /// Adds one sample: `vipcheck arp`'s status line, whose performance
    /// data says how many MACs answered one request at most (`'macs'=N`).
    fn add(&mut self, line: &str) {
        self.taken += 1;
        let macs = line
            .rsplit_once("'macs'=")
            .and_then(|(_, n)| n.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok());
        match macs {
            Some(0) => self.none += 1,
            Some(1) => {}
            Some(_) => self.two += 1,
            None => self.unread += 1,
        }
    }

    /// As a verdict on `what`, as `vipcheck arp` judges one sample: 2
    /// when some sample had two MACs or none, 3 when one could not be read
    /// (or none was taken), else 0 (one MAC in every sample).
    fn observed(&self, when: &str, what: &str, expected: i32) -> Observation {
        let got = if self.two > 0 || self.none > 0 {
            2
        } else if self.unread > 0 || self.taken == 0 {
            3
        } else {
            0
        };
        let said = format!(
            "{} of {} samples answered by two MACs ({} by none, {} unread)",
            self.two, self.taken, self.none, self.unread
        );
        let check = format!("vipcheck arp from the client every 100 ms during {what}");
        Observation::new(when, check, expected, (got, said))
    }
}

/// Runs `change` while `vipcheck arp` (100 ms windows) samples the VIP
/// from the client, and what the samples said.
fn sampling_arp(
    l: &Lab,
    change: impl FnOnce() -> Result<(), String>,
) -> Result<ArpSamples, String> {
    let stop = std::sync::atomic::AtomicBool::new(false);
    let vip = l.vip().to_string();
    let args = ["arp", "--vip", &vip, "--iface", "eth0", "--window", "100ms"];
    std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut seen = ArpSamples::default();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let start = Instant::now();
                seen.add(&check(CLIENT, &l.tool("vipcheck"), &args).1);
                std::thread::sleep(ARP_EVERY.saturating_sub(start.elapsed()));
            }
            seen
        });
        let _stop = StopOnDrop(&stop);
        change()?;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        sampler
            .join()
            .map_err(|_| "the ARP sampler panicked".to_owned())
    })
}

/// The bridge port of a host (its place in the lab's host list).
fn port_of(l: &Lab, host: &str) -> String {
    let i = l.masters().iter().position(|m| m == host).unwrap_or(0);
    format!("v{i}")
}

/// Makes the fault (or runs the procedure) on `holder`, or on `worker` in
/// the worker drills.
fn fault(l: &Lab, name: &str, holder: &str, worker: &str) -> Result<Plan, String> {
    let masters = l.masters();
    let (next, last) = (masters[1].clone(), masters[2].clone());
    // The API fails as long as the request path does (the same VIP, the
    // same HAProxy), unless a drill says otherwise.
    let plan = |down: Vec<String>, holders: Vec<String>, window_ms, recovery_ms| Plan {
        down,
        holders,
        window_ms,
        api_window_ms: window_ms,
        vip_moves: None,
        observe_after_ms: 300,
        recovery_ms,
        steps: Vec::new(),
        etcd: None,
    };
    match name {
        // The link first: nothing the dying processes send gets out (a
        // keepalived told of its parent's death would say goodbye).
        "power-loss" => {
            must("ip", &["-n", &ns(holder), "link", "set", "eth0", "down"])?;
            for what in ["keepalived", "haproxy", "etcd", "apiserver"] {
                lab::signal(holder, what, "KILL");
            }
            let bound = 3 * setup::advert(l).millis() + 1500;
            // An API request whose SYN the move lost is answered after
            // TCP's resend, a second later: its span ends that much after
            // the outage (1.46-1.61 s in 3 runs at 0.1 s adverts).
            Ok(Plan {
                api_window_ms: bound + 1000,
                ..plan(vec![holder.to_owned()], vec![next], bound, bound)
            })
        }
        // HAProxy dies on the holder: the track script moves the VIP.
        "haproxy-death" => {
            lab::signal(holder, "haproxy", "KILL");
            let bound = TRACK_MS + setup::advert(l).millis() + 1000;
            Ok(plan(vec![], vec![next], bound, bound))
        }
        // The holder's API server dies: HAProxy sends its connections to
        // the others (a refused connection is retried at once on another
        // server, and the health check takes it out within fall × inter).
        // No HTTP request fails; the VIP stays; kubectl through the VIP
        // works at once.
        "apiserver-death" => {
            lab::signal(holder, "apiserver", "KILL");
            let mut steps = Vec::new();
            kubectl_step(l, "right after the holder's API server died", &mut steps);
            Ok(Plan {
                steps,
                api_window_ms: API_CHECK_MS + 1000,
                vip_moves: Some(0),
                observe_after_ms: API_CHECK_MS + 1000,
                ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
            })
        }
        // The holder's API server fails /readyz and every request (as
        // kube-apiserver does when it has lost etcd): out of rotation once
        // the health check notices; no API request fails after that.
        "apiserver-unready" => {
            lab::write(&setup::apiserver_state(holder), "unready")?;
            Ok(Plan {
                api_window_ms: API_CHECK_MS + 1000,
                vip_moves: Some(0),
                observe_after_ms: API_CHECK_MS + 1000,
                ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
            })
        }
        // Every API server down for the whole stream (about 30 s): the
        // VIP's API is down (probe --api CRITICAL), the request path is
        // untouched, and keepalived does not move the VIP: every master
        // steps back alike, the highest last (vipcheck render).
        "all-apiservers-down" => {
            for m in &masters {
                lab::signal(m, "apiserver", "KILL");
            }
            Ok(Plan {
                api_window_ms: u64::MAX,
                vip_moves: Some(0),
                observe_after_ms: API_CHECK_MS + 1000,
                ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
            })
        }
        // Taking a master out, as the README says: keepalived reloaded
        // with a drained config (vipcheck render --drain), so the next
        // master takes the VIP before this one lets it go; once it holds
        // it, HAProxy soft-stopped (it finishes what it serves), etcd
        // stopped (two members keep quorum) and keepalived stopped.
        "maintenance" => {
            // The VIP kept on lo (answering no ARP for it) while it moves:
            // the new holder sends its gratuitous ARP a few ms after its
            // advert has made this master drop the VIP from eth0, and a
            // SYN sent in between would be lost (a second late).
            hold_vip_on_lo(l, holder, true, Hold::Silent)?;
            setup::keepalived_conf(l, holder, true)?;
            lab::signal(holder, "keepalived-main", "HUP");
            wait_for(
                "the VIP on the next master alone",
                Duration::from_secs(10),
                || l.holders() == [next.clone()],
            )?;
            eprintln!(
                "lab: maintenance: the next master holds the VIP; its API server draining, then stopping it, HAProxy, etcd, keepalived"
            );
            // As kube-apiserver's --shutdown-delay-duration does: /readyz
            // fails first, every HAProxy takes it out, then it stops.
            lab::write(&setup::apiserver_state(holder), "draining")?;
            std::thread::sleep(Duration::from_millis(API_CHECK_MS + 1000));
            hold_vip_on_lo(l, holder, false, Hold::Silent)?;
            lab::signal(holder, "apiserver", "TERM");
            soft_stop_haproxy(holder);
            lab::signal(holder, "etcd", "TERM");
            lab::signal(holder, "keepalived", "TERM");
            wait_for(
                "HAProxy, etcd and keepalived to stop",
                Duration::from_secs(60),
                || {
                    ["haproxy", "etcd", "keepalived"]
                        .iter()
                        .all(|w| lab::pid_of(holder, w).is_none())
                },
            )?;
            // The procedure takes its time; what counts is that nothing fails.
            Ok(plan(vec![], vec![next], 0, 120_000))
        }
        // The advert interval changed on every master in one window, across
        // VRRP versions (1 s is VRRPv2, 0.1 s VRRPv3), in the order of
        // cluster.yaml(5): no request fails, the VIP never moves, and every
        // keepalived runs the new interval.
        "advert-change" => {
            let to = other_advert(setup::advert(l));
            let file = edited_file(l, "vip", "advert_int", &to.to_string())?;
            change_keepalived(l, holder, |m| setup::keepalived_conf_as_filed(l, &file, m))?;
            let mut steps = Vec::new();
            runs_step(l, "advert_int", to, setup::running_advert, &mut steps);
            Ok(Plan {
                steps,
                vip_moves: Some(0),
                ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
            })
        }
        // A new VRID on every master, in the same order, while the client
        // samples ARP for the VIP every 100 ms: never two MACs, no request
        // failed or late. The holder's VRRP instance is new (keepalived
        // knows one by its VRID), so its VIP leaves eth0 for 3 adverts and
        // comes back: one move, onto the same master. The naive way back
        // is shown when the lab is restored.
        "vrid-change" => {
            let to = other_vrid(setup::vrid(l));
            let file = edited_file(l, "vip", "vrid", &to.to_string())?;
            let arp = sampling_arp(l, || {
                change_keepalived(l, holder, |m| setup::keepalived_conf_as_filed(l, &file, m))?;
                // A backup that hears no holder takes the VIP within 3
                // adverts: watched that long again.
                std::thread::sleep(Duration::from_millis(3 * setup::advert(l).millis() + 500));
                Ok(())
            })?;
            let mut steps = vec![arp.observed("during", "the VRID change in order", 0)];
            runs_step(l, "VRID", to, setup::running_vrid, &mut steps);
            Ok(Plan {
                steps,
                vip_moves: Some(1),
                ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
            })
        }
        // The router in the cluster changed under the stream, as the
        // README's migration goes: the other router checked on every
        // worker first, then every master's HAProxy rendered from the
        // changed file and reloaded, one at a time. No request fails; the
        // VIP stays.
        "controller-switch" => Ok(Plan {
            steps: switch_controller(l)?,
            vip_moves: Some(0),
            ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
        }),
        // keepalived killed on the holder: the next master takes the VIP
        // and the address stays behind, an orphan: two hosts answer ARP.
        "keepalived-kill" => {
            lab::signal(holder, "keepalived", "KILL");
            let bound = 3 * setup::advert(l).millis() + 1500;
            Ok(plan(vec![], vec![holder.to_owned(), next], bound, bound))
        }
        // VRRP dropped to and from the last master on the bridge: it
        // hears no adverts and takes the VIP too: a split brain.
        "split-brain" => {
            let port = port_of(l, &last);
            for cmd in [
                "add table bridge labsplit".to_owned(),
                "add chain bridge labsplit f { type filter hook forward priority 0 ; }".to_owned(),
                format!("add rule bridge labsplit f iifname {port} ip protocol 112 drop"),
                format!("add rule bridge labsplit f oifname {port} ip protocol 112 drop"),
            ] {
                let args: Vec<&str> = cmd.split_whitespace().collect();
                let (code, _, err) = run_in("lan", "nft", &args);
                if code != 0 {
                    return Err(format!("nft {cmd}: {err}"));
                }
            }
            let bound = 3 * setup::advert(l).millis() + 1500;
            Ok(plan(vec![], vec![holder.to_owned(), last], bound, bound))
        }
        // The worker the client's requests go to (balance source) cut off,
        // or hung (SIGSTOP: the kernel still takes connections, nothing
        // answers): HAProxy gives it up and sends its requests to the
        // other worker. The VIP stays; the API, which needs no worker,
        // loses nothing.
        "worker-death" | "worker-hang" => {
            eprintln!("lab: {name}: the client's requests go to {worker}");
            if name == "worker-death" {
                must("ip", &["-n", &ns(worker), "link", "set", "eth0", "down"])?;
            } else {
                lab::signal(worker, "worker", "STOP");
            }
            Ok(Plan {
                api_window_ms: 0,
                vip_moves: Some(0),
                // HAProxy's check has marked it DOWN by then (about 1.3 s).
                observe_after_ms: WORKER_CHECK_MS + 1000,
                ..plan(vec![], vec![holder.to_owned()], WORKER_BOUND_MS, 60_000)
            })
        }
        // An etcd member lost (killed, its data gone) and replaced the way
        // quorumcalc plan says: remove it, then add it anew with kubetool
        // add-member's certificates. Quorum is checked at every step.
        // The etcd leader killed: writes stop for the election only; the
        // request path, which does not use etcd, loses nothing.
        "etcd-leader-kill" => {
            let (steps, etcd) = recover::leader_kill(l, ELECTION_BOUND_MS)?;
            Ok(Plan {
                steps: steps_observed(steps),
                etcd: Some(etcd),
                ..plan(vec![], vec![holder.to_owned()], 0, 15_000)
            })
        }
        // Quorum lost (two followers' data destroyed) and won back by
        // following quorumcalc plan: from the snapshot, or from the
        // survivor. The request path loses nothing.
        "quorum-loss-restore" | "quorum-loss-survivor" => {
            let way = if name == "quorum-loss-restore" {
                "restore"
            } else {
                "force-new-cluster"
            };
            let (steps, etcd) = recover::quorum_loss(l, way, QUORUM_LOSS_BOUND_MS)?;
            Ok(Plan {
                steps: steps_observed(steps),
                etcd: Some(etcd),
                ..plan(vec![], vec![holder.to_owned()], 0, 120_000)
            })
        }
        "etcd-replace" => {
            let steps = replace_member(l, &last)?;
            Ok(Plan {
                steps,
                ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
            })
        }
        // A fourth master added live, from the edited cluster file: the
        // tools render everything anew, etcd grows by one member, every
        // keepalived reloads. No request may fail; quorum is checked at
        // every step.
        "add-master" => {
            let steps = add_master(l)?;
            Ok(Plan {
                steps,
                ..plan(vec![], vec![holder.to_owned()], 0, 60_000)
            })
        }
        // Leaf certificates about to expire, renewed with kubetool renew,
        // and the etcd members restarted one at a time, each only while
        // quorumcalc says a failure can be spared.
        "renewal" => {
            let steps = renew(l)?;
            Ok(Plan {
                steps,
                ..plan(vec![], vec![holder.to_owned()], 0, 120_000)
            })
        }
        other => Err(format!(
            "no drill {other}; the drills are {}",
            DRILLS.join(", ")
        )),
    }
}

/// The longest write outage when the etcd leader dies, in ms: the
/// election (etcd's default election timeout, 1 s) and the client's retry.
const ELECTION_BOUND_MS: u64 = 3_000;
/// The longest write outage when quorum is lost and won back by the
/// plan's automated steps, in ms.
const QUORUM_LOSS_BOUND_MS: u64 = 30_000;

/// Steps of an etcd drill as verdicts.
fn steps_observed(steps: Vec<recover::Step>) -> Vec<Observation> {
    steps
        .into_iter()
        .map(|(what, expected, got)| Observation::new("during", what, expected, got))
        .collect()
}

/// Brings the lab back after a drill, and waits until it is healthy;
/// what a drill shows on the way back (the naive VRID rollout) is
/// returned.
fn restore(l: &Lab, name: &str, holder: &str) -> Result<Vec<Observation>, String> {
    let mut shown = Vec::new();
    let vip = format!("{}/24", l.vip());
    match name {
        "power-loss" => {
            must("ip", &["-n", &ns(holder), "link", "set", "eth0", "up"])?;
            setup::start_etcd(l, holder, "existing")?;
            setup::start_apiserver(l, holder)?;
            setup::start_haproxy(holder)?;
            setup::start_keepalived(holder)?;
        }
        "haproxy-death" => setup::start_haproxy(holder)?,
        "etcd-leader-kill" | "quorum-loss-restore" | "quorum-loss-survivor" => {
            for m in l.masters() {
                if !lab::working(&m, "etcd") {
                    setup::start_etcd(l, &m, "existing")?;
                }
            }
            recover::clear_set_aside(l);
        }
        "apiserver-death" => setup::start_apiserver(l, holder)?,
        "apiserver-unready" => lab::write(&setup::apiserver_state(holder), "ready")?,
        "all-apiservers-down" => {
            for m in l.masters() {
                setup::start_apiserver(l, &m)?;
            }
        }
        "maintenance" => {
            // Whatever step the procedure stopped at.
            if hold_vip_on_lo(l, holder, false, Hold::Silent).is_err() {
                eprintln!("lab: maintenance: the VIP was not on {holder}'s lo any more");
            }
            setup::keepalived_conf(l, holder, false)?;
            setup::start_etcd(l, holder, "existing")?;
            setup::start_apiserver(l, holder)?;
            setup::start_haproxy(holder)?;
            setup::start_keepalived(holder)?;
        }
        // Changed back the same way.
        "advert-change" => change_keepalived(l, holder, |m| setup::keepalived_conf(l, m, false))?,
        // Changed back the naive way, one master at a time: a reloaded
        // backup takes the VIP beside the holder, and the samples show
        // two MACs. Once all run the old VRID, the first master's higher
        // priority wins and the lab is whole again.
        "vrid-change" => {
            let arp = sampling_arp(l, || {
                change_one_by_one(l, holder, |m| setup::keepalived_conf(l, m, false))
            })?;
            let what = "a naive rollout back (one master at a time)";
            shown.push(arp.observed("after", what, 2));
        }
        // The operator removes the orphan, then restarts keepalived.
        "keepalived-kill" => {
            must(
                "ip",
                &["-n", &ns(holder), "addr", "del", &vip, "dev", "eth0"],
            )?;
            setup::start_keepalived(holder)?;
        }
        "add-master" => remove_new_master(l)?,
        // Switched back the same way, to the file's router.
        "controller-switch" => {
            reload_haproxies(l, &l.file_path)?;
            shown.push(router_step(l, "after", l.ingress().controller));
        }
        "worker-death" | "worker-hang" => {
            for w in l.workers() {
                if !lab::link_up(&w) {
                    must("ip", &["-n", &ns(&w), "link", "set", "eth0", "up"])?;
                }
                lab::signal(&w, "worker", "CONT");
            }
        }
        "split-brain" => {
            let (code, _, err) = run_in("lan", "nft", &["delete", "table", "bridge", "labsplit"]);
            if code != 0 {
                return Err(format!("nft delete table: {err}"));
            }
        }
        _ => {}
    }
    setup::healthy(l)?;
    Ok(shown)
}

/// The router `controller-switch` moves HAProxy to: the one the lab file
/// does not name (its `ingress.gateway` section must be there, so that
/// the workers run both).
fn other_controller(l: &Lab) -> Result<Controller, String> {
    if l.ingress().gateway.is_none() {
        return Err("controller-switch needs the lab file's ingress.gateway section".into());
    }
    Ok(match l.ingress().controller {
        Controller::IngressNginx => Controller::GatewayApi,
        Controller::GatewayApi => Controller::IngressNginx,
    })
}

/// The README's migration under the stream: `vipcheck probe` with the
/// changed file (the other router ready on every worker; the VIP still
/// served by the old one), every master's HAProxy reloaded with the
/// config rendered from it, one at a time, then which router answers
/// through the VIP and the probe again.
fn switch_controller(l: &Lab) -> Result<Vec<Observation>, String> {
    let to = other_controller(l)?;
    let file = edited_file(l, "ingress", "controller", to.word())?;
    let probe = |when: &str| {
        let name = format!("vipcheck probe for {} {when} the switch", to.word());
        Observation::new("during", name, 0, vipcheck_probe_of(l, &file, &[]))
    };
    let mut steps = vec![probe("before")];
    reload_haproxies(l, &file)?;
    steps.push(router_step(l, "during", to));
    steps.push(probe("after"));
    Ok(steps)
}

/// Every master's HAProxy config rendered from `file`, and HAProxy
/// reloaded with it, one master at a time.
fn reload_haproxies(l: &Lab, file: &Path) -> Result<(), String> {
    for m in l.masters() {
        setup::haproxy_conf(l, file, &m)?;
        setup::reload_haproxy(&m)?;
    }
    Ok(())
}

/// Which router answers a request through the VIP (the stand-in names
/// itself in its answer), from the client with curl: `expected` is OK.
fn router_step(l: &Lab, when: &str, expected: Controller) -> Observation {
    let ing = l.ingress();
    let host = ing.host(&ing.services[0].name);
    let ca = Path::new(DIR).join("ca.crt").to_string_lossy().into_owned();
    let resolve = format!("{host}:443:{}", l.vip());
    let url = format!("https://{host}/");
    let args = [
        "-sS",
        "--max-time",
        "3",
        "--cacert",
        &ca,
        "--resolve",
        &resolve,
        &url,
    ];
    let (code, out, err) = run_in(CLIENT, "curl", &args);
    let said = if code == 0 { out } else { err };
    let said = said.lines().next().unwrap_or_default().to_owned();
    let answers = said
        .split_whitespace()
        .any(|w| w == format!("router={}", expected.word()));
    let name = format!(
        "the router answering through the VIP is {}",
        expected.word()
    );
    Observation::new(when, name, 0, (i32::from(!answers), said))
}

/// kubectl (the real one) with kubetool's admin.conf through the VIP, from
/// the client: `get --raw /readyz` must say ok.
fn kubectl_step(l: &Lab, step: &str, out: &mut Vec<Observation>) {
    let admin = setup::admin_conf(l);
    let (code, said, err) = run_in(
        CLIENT,
        "kubectl",
        &[
            "--kubeconfig",
            &admin,
            "--request-timeout",
            "3s",
            "get",
            "--raw",
            "/readyz",
        ],
    );
    let said = if code == 0 { said } else { err };
    let name = format!("kubectl get --raw /readyz through the VIP {step}");
    out.push(Observation::new(
        "during",
        name,
        0,
        (code, said.lines().next().unwrap_or("").to_owned()),
    ));
}

/// `quorumcalc status` now, expecting `expected` (never CRITICAL here).
fn quorum_step(l: &Lab, step: &str, expected: i32, out: &mut Vec<Observation>) {
    let name = format!("quorumcalc status {step}");
    out.push(Observation::new("during", name, expected, quorum(l)));
}

/// Replaces the etcd member `m`, recording quorum's verdict at each step.
fn replace_member(l: &Lab, m: &str) -> Result<Vec<Observation>, String> {
    let mut out = Vec::new();
    lab::signal(m, "etcd", "KILL");
    let _ = std::fs::remove_dir_all(dir(m).join("etcd/data"));
    wait_for(
        "the member to be seen down",
        Duration::from_secs(10),
        || quorum(l).0 == 1,
    )?;
    quorum_step(l, "with the member lost", 1, &mut out);
    // The plan for the cluster as it is: it must not lose quorum.
    let (code, said, _) = recover::quorumcalc_plan(l, m, &["replace"]);
    let first = said.lines().next().unwrap_or("").to_owned();
    let name = format!("quorumcalc plan --down {m} replace");
    out.push(Observation::new("during", name, 0, (code, first)));
    let id = member_id(l, m)?;
    etcdctl_must(l, &["member", "remove", &id])?;
    quorum_step(l, "after member remove", 1, &mut out);
    let hiera = Path::new(DIR).join("hiera");
    let h = hiera.to_string_lossy();
    must(&l.tool("kubetool"), &["remove-member", m, "--dir", &h])?;
    must(
        &l.tool("kubetool"),
        &["add-member", &format!("{m}:{}", addr(l, m)), "--dir", &h],
    )?;
    setup::member_files(&hiera, m)?;
    let peer = format!("--peer-urls=https://{}:2380", addr(l, m));
    etcdctl_must(l, &["member", "add", m, &peer])?;
    quorum_step(l, "after member add, before start", 1, &mut out);
    setup::start_etcd(l, m, "existing")?;
    wait_for("the new member healthy", Duration::from_secs(30), || {
        etcdctl(l, &["endpoint", "health"]).0 == 0
    })?;
    quorum_step(l, "with the new member started", 0, &mut out);
    Ok(out)
}

/// etcdctl that must succeed, its error naming the command.
fn etcdctl_must(l: &Lab, args: &[&str]) -> Result<(), String> {
    let (code, _, err) = etcdctl(l, args);
    if code != 0 {
        return Err(format!("etcdctl {}: {}", args.join(" "), err.trim()));
    }
    Ok(())
}

/// A member's ID in hex, from etcdctl member list.
fn member_id(l: &Lab, m: &str) -> Result<String, String> {
    let (_, list, _) = etcdctl(l, &["member", "list", "-w", "json"]);
    let v: serde_json::Value = serde_json::from_str(&list).map_err(|e| e.to_string())?;
    v["members"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|x| x["name"] == m)
        .and_then(|x| x["ID"].as_u64())
        .map(|id| format!("{id:x}"))
        .ok_or_else(|| format!("{m} is not in etcdctl member list"))
}

/// The lab cluster file with the new master after the others.
fn grown_file(l: &Lab) -> Result<std::path::PathBuf, String> {
    let text = std::fs::read_to_string(&l.file_path).map_err(|e| e.to_string())?;
    let last = l.file.masters.last().ok_or("no masters")?;
    let (name, ip) = NEW_MASTER;
    let line = format!("  - {{name: {}, ipv4: {}}}\n", last.name, last.ipv4);
    let grown = text.replacen(
        &line,
        &format!("{line}  - {{name: {name}, ipv4: {ip}}}\n"),
        1,
    );
    if grown == text {
        return Err(format!("cannot find {line:?} in the lab cluster file"));
    }
    let path = Path::new(DIR).join("cluster-grown.yaml");
    lab::write(&path, &grown)?;
    Ok(path)
}

/// The cluster-wide Hiera file's etcd_initial_cluster, for a new member.
fn refresh_initial_cluster() -> Result<(), String> {
    let os = Path::new(DIR).join("hiera/Debian.yaml");
    let text = std::fs::read_to_string(&os).map_err(|e| e.to_string())?;
    let doc: serde_yaml::Value =
        clikit::yaml::document(&text).map_err(|e| format!("{}: {e}", os.display()))?;
    let ic = doc["kubernetes::etcd_initial_cluster"]
        .as_str()
        .ok_or("no etcd_initial_cluster")?;
    lab::write(&Path::new(DIR).join("initial-cluster"), ic)
}

/// Every master's keepalived.conf from `file`, and a reload where it runs.
fn rerender_keepalived(l: &Lab, file: &Path, masters: &[String]) -> Result<(), String> {
    for m in masters {
        setup::keepalived_conf_from(l, file, m, false)?;
        if lab::pid_of(m, "keepalived-main").is_some() {
            lab::signal(m, "keepalived-main", "HUP");
        }
    }
    Ok(())
}

/// Adds the fourth master: its host, kubetool's data for it (from the grown
/// cluster file), `etcdctl member add`, its etcd, and every config rendered
/// anew and reloaded.
fn add_master(l: &Lab) -> Result<Vec<Observation>, String> {
    let (name, ip) = NEW_MASTER;
    let mut out = Vec::new();
    let grown = grown_file(l)?;
    setup::attach(name, ip, "v99")?;
    let hiera = Path::new(DIR).join("hiera");
    setup::kubetool_cluster(l, &grown, &[])?;
    setup::member_files(&hiera, name)?;
    refresh_initial_cluster()?;
    let peer = format!("--peer-urls=https://{ip}:2380");
    etcdctl_must(l, &["member", "add", name, &peer])?;
    // Four voters, three up: quorum 3 holds with nothing to spare.
    quorum_step(l, "after member add, before start", 1, &mut out);
    setup::start_etcd_at(name, ip, "existing")?;
    wait_for("the fourth member healthy", Duration::from_secs(30), || {
        let (_, list, _) = etcdctl(l, &["endpoint", "status", "--cluster", "-w", "json"]);
        list.matches("\"Endpoint\"").count() == 4
    })?;
    quorum_step(l, "with four members", 0, &mut out);
    let mut all = l.masters();
    all.push(name.to_owned());
    setup::start_apiserver_at(l, name, ip)?;
    setup::haproxy_conf(l, &grown, name)?;
    setup::start_haproxy(name)?;
    rerender_keepalived(l, &grown, &all)?;
    peers_step(l, &all, &mut out);
    setup::start_keepalived(name)?;
    wait_for("the new master's HAProxy", Duration::from_secs(10), || {
        run_in(name, &l.tool("vipcheck"), &["track"]).0 == 0
    })?;
    Ok(out)
}

/// With unicast VRRP, every master's keepalived.conf must name every other
/// master of `all` as a peer, and nothing else: one verdict per master
/// (0 when so, 1 with what differs).
fn peers_step(l: &Lab, all: &[String], out: &mut Vec<Observation>) {
    if !setup::unicast() {
        return;
    }
    for m in all {
        let conf = std::fs::read_to_string(dir(m).join("keepalived.conf")).unwrap_or_default();
        let listed: std::collections::BTreeSet<String> = conf
            .split_once("unicast_peer {")
            .and_then(|(_, rest)| rest.split_once('}'))
            .map(|(peers, _)| peers.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let want: std::collections::BTreeSet<String> = all
            .iter()
            .filter(|o| *o != m)
            .map(|o| {
                if o == NEW_MASTER.0 {
                    NEW_MASTER.1.to_owned()
                } else {
                    setup::addr(l, o)
                }
            })
            .collect();
        let got = if listed == want {
            (0, format!("{} peers", want.len()))
        } else {
            (1, format!("peers {listed:?}, want {want:?}"))
        };
        let name = format!("unicast peers of {m} after the re-render");
        out.push(Observation::new("during", name, 0, got));
    }
}

/// Takes the fourth master out again: etcd member, its processes, its
/// host, kubetool's data (--prune from the original file), and every
/// keepalived rendered without it.
fn remove_new_master(l: &Lab) -> Result<(), String> {
    let (name, _) = NEW_MASTER;
    let id = member_id(l, name)?;
    etcdctl_must(l, &["member", "remove", &id])?;
    for what in ["keepalived", "haproxy", "etcd", "apiserver"] {
        lab::signal(name, what, "KILL");
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = must("ip", &["netns", "del", &ns(name)]);
    // A master taken out leaves no etcd data behind: a member started again
    // on the old data would be the removed member, and etcd refuses it.
    std::fs::remove_dir_all(dir(name)).map_err(|e| format!("{}: {e}", dir(name).display()))?;
    setup::kubetool_cluster(l, &l.file_path, &["--prune"])?;
    refresh_initial_cluster()?;
    rerender_keepalived(l, &l.file_path, &l.masters())
}

/// `certs check` on every master's etcd files and HAProxy's bundle,
/// against the certificates' real state, which must be `want` here (the
/// step renewed them so): both are recorded, the truth as the expected
/// verdict, and a truth other than `want` as a failed observation.
fn certs_step(l: &Lab, step: &str, want: i32, out: &mut Vec<Observation>) {
    for m in l.masters() {
        let name = format!("certs check on {m} {step}");
        let o = certs_observation(l, &m, "during", name.clone());
        if o.expected != want {
            out.push(Observation::new(
                "during",
                format!("{name}: the certificates' state"),
                want,
                (o.expected, format!("openssl says state {}", o.expected)),
            ));
        }
        out.push(o);
    }
}

/// Renews the leaves: first with a short validity (certs check warns),
/// then for a year, each etcd member restarted one at a time on its new
/// certificates, only while a failure can be spared.
fn renew(l: &Lab) -> Result<Vec<Observation>, String> {
    let mut out = Vec::new();
    let hiera = Path::new(DIR).join("hiera");
    let h = hiera.to_string_lossy();
    let extract = || -> Result<(), String> {
        for m in l.masters() {
            setup::member_files(&hiera, &m)?;
        }
        Ok(())
    };
    must(
        &l.tool("kubetool"),
        &["renew", "--validity", "20d", "--dir", &h],
    )?;
    extract()?;
    certs_step(l, "with leaves of 20 days", 1, &mut out);
    must(&l.tool("kubetool"), &["renew", "--dir", &h])?;
    extract()?;
    for m in l.masters() {
        wait_for("a failure to spare", Duration::from_secs(30), || {
            quorum(l).0 == 0
        })?;
        quorum_step(l, &format!("before restarting {m}"), 0, &mut out);
        lab::signal(&m, "etcd", "TERM");
        wait_for("etcd to stop", Duration::from_secs(30), || {
            lab::pid_of(&m, "etcd").is_none()
        })?;
        setup::start_etcd(l, &m, "existing")?;
        wait_for(
            "every member healthy again",
            Duration::from_secs(30),
            || etcdctl(l, &["endpoint", "health"]).0 == 0,
        )?;
    }
    quorum_step(l, "after the rolling restart", 0, &mut out);
    certs_step(l, "renewed", 0, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Keepalived;

    const UP: Keepalived = Keepalived {
        main: true,
        vrrp: true,
    };

    /// ARP samples are read from vipcheck arp's status line, and judged as
    /// vipcheck judges one: two MACs or none CRITICAL, unread UNKNOWN.
    #[test]
    fn arp_samples_count_what_vipcheck_said() {
        let one = "VIPCHECK ARP OK - 10.77.0.100 is answered by ae:a1:12:b3:39:82 | 'macs'=1;;;0";
        let two = "VIPCHECK ARP CRITICAL - 2 hosts answer ARP for 10.77.0.100: a, b | 'macs'=2;;;0";
        let none = "VIPCHECK ARP CRITICAL - nobody answers ARP | 'macs'=0;;;0";
        let unread = "vipcheck: error: --iface eth9: no such interface here";
        let tally = |lines: &[&str]| {
            let mut a = ArpSamples::default();
            lines.iter().for_each(|l| a.add(l));
            a
        };
        let got = |lines: &[&str]| tally(lines).observed("during", "x", 0).got;
        assert_eq!(
            tally(&[one, two, two, none, unread]),
            ArpSamples {
                taken: 5,
                two: 2,
                none: 1,
                unread: 1
            }
        );
        assert_eq!(got(&[one, one, one]), 0);
        assert_eq!(got(&[one, two, one]), 2);
        assert_eq!(got(&[one, none]), 2);
        assert_eq!(got(&[one, unread]), 3);
        assert_eq!(got(&[]), 3);
        let o = tally(&[one, two]).observed("after", "a naive rollout", 2);
        assert_eq!(
            o.said,
            "1 of 2 samples answered by two MACs (0 by none, 0 unread)"
        );
    }

    #[test]
    fn the_truth_for_local_follows_the_processes() {
        let main_stopped = Keepalived {
            main: false,
            vrrp: true,
        };
        let vrrp_stopped = Keepalived {
            main: true,
            vrrp: false,
        };
        for (holds, haproxy, ka, want) in [
            (true, true, UP, 0),
            (false, true, UP, 0),
            (true, false, UP, 2),
            (true, true, vrrp_stopped, 2),
            (true, true, main_stopped, 1),
            (false, false, UP, 1),
            (false, true, vrrp_stopped, 1),
            (false, true, main_stopped, 1),
        ] {
            assert_eq!(
                local_truth(holds, haproxy, ka),
                want,
                "{holds} {haproxy} {ka:?}"
            );
        }
    }

    #[test]
    fn the_truth_for_certs_is_what_openssl_says() {
        let t = tempfile_dir();
        let cert = |days: u32| {
            let (key, crt) = (t.join(format!("{days}.key")), t.join(format!("{days}.crt")));
            testkit::ec_self_signed("P-256", "/CN=x", days, &key, &crt, &[]);
            crt
        };
        let (long, month, week) = (cert(90), cert(20), cert(3));
        assert_eq!(certs_truth(std::slice::from_ref(&long)), Some(0));
        assert_eq!(certs_truth(&[long.clone(), month.clone()]), Some(1));
        assert_eq!(certs_truth(&[week, month, long]), Some(2));
        assert_eq!(certs_truth(&[t.join("none.crt")]), None);
        let _ = std::fs::remove_dir_all(&t);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("lab-truth-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
