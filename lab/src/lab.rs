//! The lab's hosts and processes: network namespaces on a bridge, one per
//! host of the cluster file, and the daemons in them. State lives in
//! [`DIR`] (pid files, configs, logs), so `lab up`, `lab drill` and
//! `lab down` can be separate runs.

use clusterfile::ClusterFile;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Where the lab keeps everything (tmpfs, root's); the lab cluster file's
/// `tls_bundle` points here.
pub const DIR: &str = "/run/ocf-lab";
/// Every namespace's name starts with this.
pub const PREFIX: &str = "ocflab-";
/// The client and monitoring host.
pub const CLIENT: &str = "client";
/// Its address (on the lab's /24).
pub const CLIENT_ADDR: &str = "10.77.0.5";

/// The lab as set up: the cluster file, the tools, the directory.
pub struct Lab {
    /// The lab cluster file.
    pub file: ClusterFile,
    /// Its path.
    pub file_path: PathBuf,
    /// Where the tools' binaries are.
    pub tools: PathBuf,
}

/// Runs a command that must succeed; its stdout. Not while the lab is
/// being taken down.
pub fn must(program: &str, args: &[&str]) -> Result<String, String> {
    guarded(|| must_now(program, args))
}

fn must_now(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program} is needed ({e}); install what .ci/test installs"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A host's namespace.
pub fn ns(host: &str) -> String {
    format!("{PREFIX}{host}")
}

/// A host's directory.
pub fn dir(host: &str) -> PathBuf {
    Path::new(DIR).join(host)
}

/// Set once the lab is being taken down on a signal: nothing more starts.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Every step that makes something in the lab (a process, a namespace, a
/// file under [`DIR`]) holds this shared; taking the lab down on a signal
/// holds it alone. So a drill thread cannot make anything while [`down`]
/// runs (it would outlive the lab), and after it, [`STOPPING`] stops it.
static TEARDOWN: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Runs `step` unless the lab is being taken down, and never while it is.
pub fn guarded<T>(step: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let _shared = TEARDOWN.read().unwrap_or_else(|e| e.into_inner());
    if STOPPING.load(Ordering::SeqCst) {
        return Err("the lab is being taken down".into());
    }
    step()
}

/// Takes the lab down for good from any thread: nothing starts in it from
/// now on (a drill still running gets errors), the steps in flight end,
/// then [`down`]. The lab stays locked: the caller exits.
pub fn stop_everything() {
    STOPPING.store(true, Ordering::SeqCst);
    let alone = TEARDOWN.write().unwrap_or_else(|e| e.into_inner());
    down();
    std::mem::forget(alone);
}

/// Writes a file of the lab (under [`DIR`]), making its directory.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    guarded(|| {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    })
}

/// `program args` inside `host`'s namespace: (exit code, stdout, stderr).
pub fn run_in(host: &str, program: &str, args: &[&str]) -> (i32, String, String) {
    guarded(|| run_now(host, program, args)).unwrap_or_else(|e| (-1, String::new(), e))
}

fn run_now(host: &str, program: &str, args: &[&str]) -> Result<(i32, String, String), String> {
    let out = Command::new("ip")
        .args(["netns", "exec", &ns(host), program])
        .args(args)
        .output();
    Ok(match out {
        Ok(o) => (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
        Err(e) => (-1, String::new(), e.to_string()),
    })
}

/// Starts `program args` in `host`'s namespace in the background, its
/// output to `<host>/<what>.log`, its pid in `<host>/<what>.pid`.
pub fn spawn_in(host: &str, what: &str, program: &str, args: &[&str]) -> Result<u32, String> {
    guarded(|| spawn_now(host, what, program, args))
}

fn spawn_now(host: &str, what: &str, program: &str, args: &[&str]) -> Result<u32, String> {
    let d = dir(host);
    std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(d.join(format!("{what}.log"))).map_err(|e| e.to_string())?;
    let child = Command::new("ip")
        .args(["netns", "exec", &ns(host), program])
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {program} in {host}: {e}"))?;
    // `ip netns exec` execs the program: the pid is the daemon's.
    let pid = child.id();
    std::fs::write(d.join(format!("{what}.pid")), format!("{pid}\n")).map_err(|e| e.to_string())?;
    // Reaped by a thread, so a killed daemon leaves no zombie behind.
    std::thread::spawn(move || {
        let mut c = child;
        let _ = c.wait();
    });
    Ok(pid)
}

/// A recorded process (a pid file under the host's directory) and the
/// kernel's state letter for it, if it exists.
fn recorded(host: &str, file: &str) -> Option<(u32, char)> {
    let pid: u32 = std::fs::read_to_string(dir(host).join(file))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some((pid, state_of(pid)?))
}

/// The kernel's state letter for a process, if it exists.
fn state_of(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
    state.chars().next()
}

/// Whether process `pid` is there (not gone, not a zombie).
pub fn alive(pid: u32) -> bool {
    state_of(pid).is_some_and(|s| !gone(s))
}

/// A zombie or dead process: a killed daemon not reaped yet.
fn gone(state: char) -> bool {
    matches!(state, 'Z' | 'X' | 'x')
}

/// The pid a [`spawn_in`] recorded, if that process is still there.
pub fn pid_of(host: &str, what: &str) -> Option<u32> {
    recorded(host, &format!("{what}.pid"))
        .filter(|(_, s)| !gone(*s))
        .map(|(pid, _)| pid)
}

/// Whether a process does its work: there, neither gone nor stopped
/// (SIGSTOP, a tracer).
fn works(p: Option<(u32, char)>) -> bool {
    p.is_some_and(|(_, s)| !gone(s) && !matches!(s, 'T' | 't'))
}

/// What keepalived's processes do, for the truth: the main process (it
/// reloads and restarts) and the VRRP child (adverts and the VIP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalived {
    /// The main process works.
    pub main: bool,
    /// The VRRP process works.
    pub vrrp: bool,
}

/// keepalived on `host`, from both of its pid files.
pub fn keepalived(host: &str) -> Keepalived {
    Keepalived {
        main: works(recorded(host, "keepalived-main.pid")),
        vrrp: works(recorded(host, "vrrp.pid")),
    }
}

/// Whether the recorded process `what` does its work: there, and neither
/// stopped nor a zombie.
pub fn working(host: &str, what: &str) -> bool {
    works(recorded(host, &format!("{what}.pid")))
}

/// Sends `signal` to a recorded process (and, for keepalived, its VRRP
/// child, whose pid file keepalived writes).
pub fn signal(host: &str, what: &str, signal: &str) {
    let mut pids: Vec<u32> = Vec::new();
    // keepalived's VRRP child first: told of its parent's death it would
    // shut down cleanly and hand the VIP over at once.
    if what == "keepalived"
        && let Ok(t) = std::fs::read_to_string(dir(host).join("vrrp.pid"))
        && let Ok(p) = t.trim().parse()
    {
        pids.push(p);
    }
    pids.extend(pid_of(host, what));
    for p in pids {
        let _ = Command::new("kill")
            .args(["-s", signal, &p.to_string()])
            .output();
    }
}

/// Waits until `ok` holds, or fails after `limit` naming `what`.
pub fn wait_for(
    what: &str,
    limit: Duration,
    mut ok: impl FnMut() -> bool,
) -> Result<Duration, String> {
    let start = Instant::now();
    loop {
        if ok() {
            return Ok(start.elapsed());
        }
        if start.elapsed() > limit {
            return Err(format!("timed out after {limit:?} waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sets the flag when dropped: a loop watching it stops however the
/// code that started it ends.
pub struct StopOnDrop<'a>(pub &'a std::sync::atomic::AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Every namespace of the lab that exists now.
pub fn namespaces() -> Vec<String> {
    must_now("ip", &["netns", "list"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(PREFIX))
        .map(str::to_owned)
        .collect()
}

/// Stops everything the lab started and removes its namespaces and
/// directory; safe to run at any time, also twice.
pub fn down() {
    // Processes are gone before their namespaces: a process left in a
    // namespace whose name is removed would run on unseen. Killed in rounds,
    // as one may have started another meanwhile.
    for _ in 0..20 {
        let mut killed = 0;
        for n in namespaces() {
            for p in must_now("ip", &["netns", "pids", &n])
                .unwrap_or_default()
                .split_whitespace()
            {
                let _ = Command::new("kill").args(["-9", p]).output();
                killed += 1;
            }
        }
        if killed == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for n in namespaces() {
        let _ = Command::new("ip").args(["netns", "del", &n]).output();
    }
    let _ = std::fs::remove_dir_all(DIR);
}

/// Whether the lab is up: its directory and every host's namespace are
/// there. A drill on a lab that is not up would fail half-way.
pub fn is_up(l: &Lab) -> Result<(), String> {
    let there = namespaces();
    let mut hosts = l.masters();
    hosts.push(CLIENT.to_owned());
    let missing: Vec<String> = hosts
        .into_iter()
        .filter(|h| !there.contains(&ns(h)))
        .collect();
    if !Path::new(DIR).is_dir() || !missing.is_empty() {
        return Err(format!(
            "the lab is not up ({}): run `lab up` first",
            if missing.is_empty() {
                format!("no {DIR}")
            } else {
                format!("no namespace for {}", missing.join(", "))
            }
        ));
    }
    Ok(())
}

/// Why the lab cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The cluster file is unreadable or invalid (its error names the file,
    /// line and field).
    #[error(transparent)]
    File(#[from] clusterfile::Error),
    /// The cluster file lacks a section the lab is built from (the
    /// error names the file).
    #[error(transparent)]
    Section(#[from] clusterfile::MissingSection),
    /// The tools are not where the lab runs them from.
    #[error("{0}")]
    Tools(String),
}

impl Lab {
    /// The lab cluster file and the tools next to this binary (or in
    /// `LAB_TOOLS`).
    pub fn load(file: &Path) -> Result<Lab, LoadError> {
        let name = file.to_string_lossy();
        let f = clusterfile::load(&name)?;
        f.vip("the lab needs a vip section")?;
        f.ingress("the lab needs an ingress section")?;
        f.api("the lab serves the Kubernetes API on the VIP")?;
        let tools_dir = || {
            let exe =
                std::env::current_exe().map_err(|e| format!("where the lab runs from: {e}"))?;
            let dir = exe.parent().ok_or("no directory for the tools")?;
            Ok::<_, String>(dir.to_path_buf())
        };
        let tools = match std::env::var_os("LAB_TOOLS") {
            Some(t) => PathBuf::from(t),
            None => tools_dir().map_err(LoadError::Tools)?,
        };
        for t in [
            "certs",
            "kubetool",
            "ingressgen",
            "vipcheck",
            "quorumcalc",
            "lab",
        ] {
            if !tools.join(t).is_file() {
                return Err(LoadError::Tools(format!(
                    "{} is missing: build the tools first (cargo build --release --bins)",
                    tools.join(t).display()
                )));
            }
        }
        let file_path = std::path::absolute(file)
            .map_err(|e| LoadError::Tools(format!("{}: {e}", file.display())))?;
        Ok(Lab {
            file: f,
            file_path,
            tools,
        })
    }

    /// A tool's path, as a string.
    pub fn tool(&self, name: &str) -> String {
        self.tools.join(name).to_string_lossy().into_owned()
    }

    /// The masters' names.
    pub fn masters(&self) -> Vec<String> {
        self.file.masters.iter().map(|m| m.name.clone()).collect()
    }

    /// The VIP.
    pub fn vip(&self) -> std::net::Ipv4Addr {
        self.file.vip("").expect("checked at load").ipv4.addr
    }

    /// The ingress section.
    pub fn ingress(&self) -> &clusterfile::Ingress {
        self.file.ingress("").expect("checked at load")
    }

    /// The api section.
    pub fn api(&self) -> &clusterfile::Api {
        self.file.api("").expect("checked at load")
    }

    /// Which masters have the VIP on eth0 with the link up (an address on
    /// a link that is down answers nobody), as the kernel says.
    pub fn holders(&self) -> Vec<String> {
        let vip = format!(" {}/", self.vip());
        self.masters()
            .into_iter()
            .filter(|m| {
                must(
                    "ip",
                    &["-n", &ns(m), "-o", "addr", "show", "dev", "eth0", "up"],
                )
                .is_ok_and(|o| o.contains(&vip))
            })
            .collect()
    }

    /// The workers of the file.
    pub fn workers(&self) -> Vec<String> {
        self.file.workers.iter().map(|w| w.name.clone()).collect()
    }

    /// The workers that serve: their link up and their stand-in working
    /// (neither stopped nor gone).
    pub fn serving_workers(&self) -> Vec<String> {
        self.workers()
            .into_iter()
            .filter(|w| link_up(w) && working(w, "worker"))
            .collect()
    }
}

/// Whether a host's eth0 is up.
pub fn link_up(host: &str) -> bool {
    must(
        "ip",
        &["-n", &ns(host), "-o", "link", "show", "dev", "eth0"],
    )
    .is_ok_and(|o| o.contains(",UP") || o.contains("<UP"))
}
