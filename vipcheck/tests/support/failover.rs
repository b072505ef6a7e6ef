//! Three masters with real keepalived and HAProxy, in network namespaces
//! this test makes: `deadlock`, `autocrat` and `coup` on a bridge in a
//! `lan` namespace, and a client, on 10.213.0.0/24 (private, and only inside
//! the namespaces). keepalived runs the configs `vipcheck render` writes,
//! with `vipcheck track` as its vrrp_script and `vipcheck notify` as its
//! notify script. Everything started is killed and every namespace removed
//! when the test ends, also when it fails.

use super::*;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const VIP: &str = "10.213.0.100";
const MASTERS: [(&str, &str); 3] = [
    ("deadlock", "10.213.0.75"),
    ("autocrat", "10.213.0.76"),
    ("coup", "10.213.0.77"),
];

struct Master {
    name: &'static str,
    ns: String,
    conf: PathBuf,
    haproxy_conf: PathBuf,
    state: PathBuf,
    pid: PathBuf,
    vrrp_pid: PathBuf,
    log: PathBuf,
    keepalived: Option<Child>,
    haproxy: Option<Child>,
}

/// One harness at a time: the elections are timing-sensitive, and this
/// machine is small.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// How many harnesses this process has made: part of each one's name.
static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct Harness {
    _turn: std::sync::MutexGuard<'static, ()>,
    tag: String,
    /// The CA the masters' TLS certificate is signed by.
    ca: PathBuf,
    /// Each host's bridge port in the lan namespace.
    ports: Vec<(String, String)>,
    dir: tempfile::TempDir,
    masters: Vec<Master>,
    /// Every namespace, removed with what runs in it when the harness is
    /// dropped (after its Drop has stopped the daemons).
    namespaces: Vec<Netns>,
}

/// A CA and, signed by it, the VIP's certificate for every service host;
/// `dir/lb.pem` is HAProxy's bundle. Returns the CA certificate.
fn tls(dir: &Path) -> PathBuf {
    let p = |f: &str| dir.join(f);
    std::fs::write(
        p("leaf.ext"),
        "subjectAltName=DNS:*.ocf.berkeley.edu\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    testkit::ec_self_signed("P-256", "/CN=test CA", 2, &p("ca.key"), &p("ca.pem"), &[]);
    testkit::ec_csr("/CN=lb.ocf.berkeley.edu", &p("lb.key"), &p("lb.csr"));
    testkit::openssl(&[
        "x509",
        "-req",
        "-days",
        "400",
        "-CAcreateserial",
        "-in",
        path_str(&p("lb.csr")),
        "-CA",
        path_str(&p("ca.pem")),
        "-CAkey",
        path_str(&p("ca.key")),
        "-extfile",
        path_str(&p("leaf.ext")),
        "-out",
        path_str(&p("lb.crt")),
    ]);
    let bundle = std::fs::read_to_string(p("lb.crt")).unwrap()
        + &std::fs::read_to_string(p("lb.key")).unwrap();
    std::fs::write(p("lb.pem"), bundle).unwrap();
    p("ca.pem")
}

fn spawn_in(ns: &str, program: &str, args: &[&str], log: &Path) -> Child {
    let f = std::fs::File::create(log).unwrap();
    StdCommand::new("ip")
        .args(["netns", "exec", ns, program])
        .args(args)
        .stdout(Stdio::from(f.try_clone().unwrap()))
        .stderr(Stdio::from(f))
        .spawn()
        .unwrap_or_else(|e| panic!("{program} is needed by this test ({e}); run .ci/test"))
}

fn kill(child: &mut Option<Child>, signal: &str) {
    if let Some(c) = child {
        let _ = StdCommand::new("kill")
            .args(["-s", signal, &c.id().to_string()])
            .output();
        let _ = c.wait();
    }
    *child = None;
}

impl Harness {
    fn new() -> Harness {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tag = format!("vc{}{n}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let ca = tls(dir.path());
        let mut h = Harness {
            _turn: turn,
            tag: tag.clone(),
            ca,
            ports: Vec::new(),
            dir,
            masters: Vec::new(),
            namespaces: Vec::new(),
        };
        let lan = h.ns("lan");
        ip(&["-n", &lan, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &lan, "link", "set", "br0", "up"]);
        let mut hosts: Vec<(&str, &str)> = MASTERS.to_vec();
        hosts.push(("client", "10.213.0.10"));
        for (i, (name, addr)) in hosts.iter().enumerate() {
            let ns = h.ns(name);
            let port = format!("p{i}-{tag}");
            let port = &port[..port.len().min(15)];
            ip(&[
                "-n", &ns, "link", "add", "eth0", "type", "veth", "peer", "name", port,
            ]);
            ip(&["-n", &ns, "link", "set", port, "netns", &lan]);
            ip(&["-n", &lan, "link", "set", port, "master", "br0"]);
            ip(&["-n", &lan, "link", "set", port, "up"]);
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{addr}/24"),
                "dev",
                "eth0",
            ]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
            ip(&["-n", &ns, "link", "set", "lo", "up"]);
            h.ports.push((name.to_string(), port.to_owned()));
        }
        // The cluster file the masters' keepalived.conf is rendered from.
        let cluster = h.dir.path().join("cluster.yaml");
        let mut yaml = String::from("masters:\n");
        for (name, addr) in MASTERS {
            yaml.push_str(&format!("  - {{name: {name}, ipv4: {addr}}}\n"));
        }
        yaml.push_str(&format!("vip: {{name: lb, ipv4: {VIP}/24}}\n"));
        std::fs::write(&cluster, yaml).unwrap();
        // keepalived runs vipcheck through a wrapper that delays each run
        // by up to 300 ms, as a loaded machine does: notify scripts of a
        // quick flip then finish out of order, the race vipcheck notify
        // must survive. exec keeps the pid and fork time keepalived gave.
        let bin = h.dir.path().join("slow-vipcheck");
        std::fs::write(
            &bin,
            format!(
                "#!/bin/sh\nsleep 0.$(shuf -i 0-300 -n 1 | xargs printf %03d)\nexec {} \"$@\"\n",
                path_str(&assert_cmd::cargo::cargo_bin("vipcheck"))
            ),
        )
        .unwrap();
        std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        for (name, _) in MASTERS {
            let d = h.dir.path();
            let m = Master {
                name,
                ns: format!("{tag}-{name}"),
                conf: d.join(format!("{name}.conf")),
                haproxy_conf: d.join(format!("{name}-haproxy.cfg")),
                state: d.join(format!("{name}.state")),
                pid: d.join(format!("{name}.pid")),
                vrrp_pid: d.join(format!("{name}-vrrp.pid")),
                log: d.join(format!("{name}.log")),
                keepalived: None,
                haproxy: None,
            };
            let out = vipcheck()
                .args([
                    "render",
                    "--master",
                    name,
                    "--vipcheck",
                    path_str(&bin),
                    "--interval",
                    "1",
                ])
                .args(["--state-file", path_str(&m.state)])
                .arg(&cluster)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", text(&out));
            std::fs::write(&m.conf, &out.stdout).unwrap();
            // A small HAProxy naming its master, with the monitor endpoint
            // ingressgen's config serves.
            std::fs::write(
                &m.haproxy_conf,
                format!(
                    "global\n    nbthread 1\n\
                     defaults\n    mode http\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\n\
                     frontend web\n    bind :80\n    bind :443 ssl crt {bundle}\n    http-after-response set-header X-Served-By {name}\n    http-request return status 200 content-type text/plain string \"{name}\\n\"\n\
                     frontend monitor\n    bind 127.0.0.1:8404\n    monitor-uri /healthz\n",
                    bundle = path_str(&d.join("lb.pem"))
                ),
            )
            .unwrap();
            h.masters.push(m);
        }
        h
    }

    fn ns(&mut self, name: &str) -> String {
        let ns = Netns::named(&format!("{}-{name}", self.tag));
        let named = ns.name().to_owned();
        self.namespaces.push(ns);
        named
    }

    fn master(&mut self, name: &str) -> &mut Master {
        self.masters.iter_mut().find(|m| m.name == name).unwrap()
    }

    fn start_haproxy(&mut self, name: &str) {
        let m = self.master(name);
        let log = m.log.with_extension("haproxy.log");
        m.haproxy = Some(spawn_in(
            &m.ns.clone(),
            "haproxy",
            &["-db", "-f", path_str(&m.haproxy_conf)],
            &log,
        ));
    }

    fn start_keepalived(&mut self, name: &str) {
        let m = self.master(name);
        let args = [
            "-n",
            "-l",
            "-D",
            "-P",
            "-f",
            path_str(&m.conf),
            "-p",
            path_str(&m.pid),
            "-r",
            path_str(&m.vrrp_pid),
        ];
        m.keepalived = Some(spawn_in(&m.ns.clone(), "keepalived", &args, &m.log));
    }

    /// Which masters have the VIP on eth0, according to the kernel.
    fn holders(&self) -> Vec<&'static str> {
        self.masters
            .iter()
            .filter(|m| {
                let out = tool("ip", &["-n", &m.ns, "-o", "addr", "show", "dev", "eth0"]);
                String::from_utf8_lossy(&out.stdout).contains(&format!(" {VIP}/"))
            })
            .map(|m| m.name)
            .collect()
    }

    fn wait_holders(&self, want: &[&str], limit: Duration) {
        let start = Instant::now();
        loop {
            let have = self.holders();
            if have == want {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "after {limit:?} the VIP is on {have:?}, not {want:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn logs(&self) -> String {
        self.masters
            .iter()
            .map(|m| {
                format!(
                    "--- {}:\n{}",
                    m.name,
                    std::fs::read_to_string(&m.log).unwrap_or_default()
                )
            })
            .collect()
    }

    /// vipcheck in a master's namespace: exit code and output.
    fn vipcheck(&self, name: &str, args: &[&str]) -> (i32, String) {
        let m = self.masters.iter().find(|m| m.name == name).unwrap();
        let bin = assert_cmd::cargo::cargo_bin("vipcheck");
        let out = in_ns(&m.ns, path_str(&bin), args);
        (out.status.code().unwrap_or(-1), text(&out))
    }

    fn local(&self, name: &str) -> (i32, String) {
        let m = self.masters.iter().find(|m| m.name == name).unwrap();
        let (state, pid) = (path_str(&m.state).to_owned(), path_str(&m.pid).to_owned());
        self.vipcheck(
            name,
            &[
                "local",
                "--vip",
                VIP,
                "--state-file",
                &state,
                "--keepalived-pid",
                &pid,
            ],
        )
    }

    /// A master's eth0 MAC.
    /// Sends `signal` to every keepalived process of a master.
    fn signal_keepalived(&self, name: &str, signal: &str) {
        let m = self.masters.iter().find(|m| m.name == name).unwrap();
        for f in [&m.pid, &m.vrrp_pid] {
            let pid = std::fs::read_to_string(f).unwrap();
            let out = tool("kill", &["-s", signal, pid.trim()]);
            assert!(out.status.success(), "{}", text(&out));
        }
    }

    /// `local` on every master until each says `want` (the exit codes), or
    /// panics with what they said after `limit`.
    fn wait_local(&self, want: [i32; 3], limit: Duration) -> Vec<(i32, String)> {
        let start = Instant::now();
        loop {
            let all: Vec<(i32, String)> = MASTERS.iter().map(|(n, _)| self.local(n)).collect();
            if all.iter().map(|(c, _)| *c).eq(want) {
                return all;
            }
            assert!(
                start.elapsed() < limit,
                "local is not {want:?}: {all:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn mac(&self, name: &str) -> String {
        let ns = format!("{}-{name}", self.tag);
        let out = tool("ip", &["-n", &ns, "-o", "link", "show", "eth0"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let after = text
            .split("link/ether ")
            .nth(1)
            .expect("an Ethernet address");
        after.split_whitespace().next().unwrap().to_owned()
    }

    /// `vipcheck arp` from the client, naming every master's MAC.
    fn arp(&self) -> (i32, String) {
        let ns = format!("{}-client", self.tag);
        let bin = assert_cmd::cargo::cargo_bin("vipcheck");
        let macs: Vec<String> = MASTERS
            .iter()
            .map(|(n, _)| format!("{n}={}", self.mac(n)))
            .collect();
        let mut args = vec!["arp", "--vip", VIP, "--iface", "eth0", "--window", "1500ms"];
        for m in &macs {
            args.extend(["--mac", m.as_str()]);
        }
        let out = in_ns(&ns, path_str(&bin), &args);
        (out.status.code().unwrap_or(-1), text(&out))
    }

    /// `vipcheck probe` from the client, through the VIP and each master;
    /// its exit code, output and wall time.
    fn probe(&self, timeout: &str) -> (i32, String, Duration) {
        let ns = format!("{}-client", self.tag);
        let bin = assert_cmd::cargo::cargo_bin("vipcheck");
        let masters: Vec<String> = MASTERS.iter().map(|(n, a)| format!("{n}={a}")).collect();
        let mut args = vec![
            "probe",
            "--vip",
            VIP,
            "--ca",
            path_str(&self.ca),
            "--timeout",
            timeout,
        ];
        args.extend([
            "--host",
            "templates.ocf.berkeley.edu",
            "--host",
            "pma.ocf.berkeley.edu",
        ]);
        for m in &masters {
            args.extend(["--master", m.as_str()]);
        }
        let start = Instant::now();
        let out = in_ns(&ns, path_str(&bin), &args);
        (out.status.code().unwrap_or(-1), text(&out), start.elapsed())
    }

    /// Drops the packets `matching` (an nftables match, empty for all) to
    /// and from `name` on its bridge port, in a bridge table of its own.
    fn drop_on_port(&self, table: &str, name: &str, matching: &str) {
        let lan = format!("{}-lan", self.tag);
        let port = &self.ports.iter().find(|(n, _)| n == name).unwrap().1;
        for cmd in [
            format!("add table bridge {table}"),
            format!("add chain bridge {table} filter {{ type filter hook forward priority 0 ; }}"),
            format!("add rule bridge {table} filter iifname {port} {matching} drop"),
            format!("add rule bridge {table} filter oifname {port} {matching} drop"),
        ] {
            let args: Vec<&str> = cmd.split_whitespace().collect();
            let out = in_ns(&lan, "nft", &args);
            assert!(out.status.success(), "nft {cmd}: {}", text(&out));
        }
    }

    /// Removes a table [`Harness::drop_on_port`] made.
    fn lift(&self, table: &str) {
        let lan = format!("{}-lan", self.tag);
        let out = in_ns(&lan, "nft", &["delete", "table", "bridge", table]);
        assert!(out.status.success(), "{}", text(&out));
    }

    /// What the client gets through the VIP: the answering master's name.
    fn through_vip(&self) -> String {
        let ns = format!("{}-client", self.tag);
        let out = in_ns(
            &ns,
            "curl",
            &["-s", "--max-time", "2", &format!("http://{VIP}/")],
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        for m in &mut self.masters {
            kill(&mut m.keepalived, "KILL");
            kill(&mut m.haproxy, "KILL");
            // A VRRP child whose parent was killed.
            if let Ok(pid) = std::fs::read_to_string(&m.vrrp_pid) {
                let _ = StdCommand::new("kill").args(["-9", pid.trim()]).output();
            }
        }
        // The namespaces go after this, each with anything left in it.
    }
}

#[test]
fn elections_failover_tracking_and_orphans_as_vipcheck_sees_them() {
    let mut h = Harness::new();
    for (name, _) in MASTERS {
        h.start_haproxy(name);
    }
    for (name, _) in MASTERS {
        h.start_keepalived(name);
    }

    // One holder after the election: the highest priority, deadlock.
    h.wait_holders(&["deadlock"], Duration::from_secs(15));
    for (name, _) in MASTERS {
        let (code, out) = h.vipcheck(name, &["holder", "--vip", VIP]);
        assert_eq!(code, i32::from(name != "deadlock"), "{name}: {out}");
    }
    // notify has recorded the states; local agrees on every master.
    let all = h.wait_local([0, 0, 0], Duration::from_secs(10));
    assert!(
        all[0].1.contains("holds 10.213.0.100 on eth0, MASTER"),
        "{}",
        all[0].1
    );
    assert!(
        all[1].1.contains("backup for 10.213.0.100 (BACKUP)"),
        "{}",
        all[1].1
    );

    // The holder's keepalived frozen (SIGSTOP): it sends no adverts, so
    // autocrat takes the VIP while deadlock still holds it. Thawed, deadlock
    // preempts and autocrat flips MASTER->BACKUP at once, its two notify
    // runs racing. Each time: the frozen holder is CRITICAL, and once the
    // VIP is back every master is OK, with no false CRITICAL on autocrat.
    for round in 0..2 {
        h.signal_keepalived("deadlock", "STOP");
        h.wait_holders(&["deadlock", "autocrat"], Duration::from_secs(15));
        let (code, out) = h.local("deadlock");
        assert_eq!(code, 2, "round {round}: {out}");
        assert!(out.contains("keepalived is frozen"), "round {round}: {out}");
        h.signal_keepalived("deadlock", "CONT");
        h.wait_holders(&["deadlock"], Duration::from_secs(15));
        // The VIP has just moved: no waiting for the notify runs.
        let (code, out) = h.local("autocrat");
        assert_eq!(code, 0, "round {round}: {out}");
        assert!(
            out.contains("backup for 10.213.0.100 (BACKUP)"),
            "round {round}: {out}"
        );
        h.wait_local([0, 0, 0], Duration::from_secs(10));
    }
    // Only the holder's main keepalived process stopped: its VRRP child
    // still sends adverts, so no other master takes over and one MAC
    // answers. Not an orphan: a WARNING (nothing can reload keepalived).
    let main = std::fs::read_to_string(&h.master("deadlock").pid).unwrap();
    let out = tool("kill", &["-STOP", main.trim()]);
    assert!(out.status.success(), "{}", text(&out));
    for _ in 0..40 {
        assert_eq!(h.holders(), ["deadlock"], "{}", h.logs());
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, out) = h.local("deadlock");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("keepalived's main process"), "{out}");
    assert_eq!(h.arp().0, 0);
    let out = tool("kill", &["-CONT", main.trim()]);
    assert!(out.status.success(), "{}", text(&out));
    h.wait_local([0, 0, 0], Duration::from_secs(10));
    assert_eq!(h.through_vip(), "deadlock");
    let (code, out) = h.arp();
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("is answered by {} (deadlock)", h.mac("deadlock"))),
        "{out}"
    );

    // The probe: every host through the VIP (deadlock answers) and through
    // each master directly, with the right SNI against the site's CA.
    let (code, out, _) = h.probe("3s");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("VIP 10.213.0.100: 2/2 answer, served by deadlock; deadlock 10.213.0.75: 2/2 answer, served by deadlock; autocrat 10.213.0.76: 2/2 answer, served by autocrat; coup 10.213.0.77: 2/2 answer, served by coup"), "{out}");
    assert!(
        out.contains("certificate 399 days left") || out.contains("certificate 400 days left"),
        "{out}"
    );

    // A master that black-holes packets: a broken failover target, found
    // within the timeout.
    h.drop_on_port("hole", "coup", "");
    let (code, out, took) = h.probe("1s");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("coup 10.213.0.77: 0/2 answer (timed out)"),
        "{out}"
    );
    assert!(
        took < Duration::from_millis(1400),
        "probe took {took:?} with a 1 s timeout"
    );
    h.lift("hole");
    h.wait_holders(&["deadlock"], Duration::from_secs(15));

    // VRRP dropped between coup and the others: coup stops hearing adverts
    // and takes the VIP too. A split brain: two MACs answer ARP.
    h.drop_on_port("vrrp", "coup", "ip protocol 112");
    h.wait_holders(&["deadlock", "coup"], Duration::from_secs(15));
    let (code, out) = h.arp();
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("2 hosts answer ARP for 10.213.0.100"), "{out}");
    assert!(
        out.contains(&format!("{} (deadlock)", h.mac("deadlock"))),
        "{out}"
    );
    assert!(out.contains(&format!("{} (coup)", h.mac("coup"))), "{out}");
    // Healed: the higher priority keeps it, coup gives it up.
    h.lift("vrrp");
    h.wait_holders(&["deadlock"], Duration::from_secs(15));

    // HAProxy dies on the holder: track fails, and the rendered track_script
    // moves the VIP to the next priority.
    kill(&mut h.master("deadlock").haproxy, "KILL");
    let (code, out) = h.vipcheck("deadlock", &["track"]);
    assert_eq!(code, 1, "{out}");
    h.wait_holders(&["autocrat"], Duration::from_secs(15));
    assert_eq!(h.through_vip(), "autocrat");
    let (code, out) = h.local("deadlock");
    assert_eq!(code, 1, "a backup with a dead HAProxy: {out}");
    // HAProxy back: deadlock (preempting, highest priority) takes it back.
    h.start_haproxy("deadlock");
    h.wait_holders(&["deadlock"], Duration::from_secs(15));

    // keepalived stopped gracefully: the VIP moves and is removed.
    kill(&mut h.master("deadlock").keepalived, "TERM");
    h.wait_holders(&["autocrat"], Duration::from_secs(10));
    assert_eq!(h.through_vip(), "autocrat");
    let (code, out, _) = h.probe("3s");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("VIP 10.213.0.100: 2/2 answer, served by autocrat"),
        "{out}"
    );
    let (code, out) = h.local("deadlock");
    assert_eq!(code, 1, "not a failover target any more: {out}");
    assert!(out.contains("keepalived is not running"), "{out}");

    // keepalived killed on the holder: the next master takes the VIP, and
    // the address stays behind on the victim, an orphan.
    let vrrp = std::fs::read_to_string(&h.master("autocrat").vrrp_pid).unwrap();
    let _ = StdCommand::new("kill").args(["-9", vrrp.trim()]).output();
    kill(&mut h.master("autocrat").keepalived, "KILL");
    h.wait_holders(&["autocrat", "coup"], Duration::from_secs(15));
    let (code, out) = h.local("autocrat");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("orphaned address"), "{out}");
    let (code, out) = h.arp();
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(&format!("{} (autocrat)", h.mac("autocrat")))
            && out.contains(&format!("{} (coup)", h.mac("coup"))),
        "{out}"
    );
    let (code, out) = h.local("coup");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("holds 10.213.0.100 on eth0, MASTER"), "{out}");
    // The orphan removed by hand: autocrat's MASTER record is stale (its
    // keepalived is dead), so it is a failover target that cannot take
    // over, not "nobody answers for the VIP".
    let ns = h.master("autocrat").ns.clone();
    ip(&[
        "-n",
        &ns,
        "addr",
        "del",
        &format!("{VIP}/24"),
        "dev",
        "eth0",
    ]);
    let (code, out) = h.local("autocrat");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("keepalived is not running: this master cannot take over"),
        "{out}"
    );
}

/// The masters holding the VIP, on whatever interface.
fn holders_any(h: &Harness) -> Vec<&'static str> {
    h.masters
        .iter()
        .filter(|m| {
            let out = tool("ip", &["-n", &m.ns, "-o", "addr", "show"]);
            String::from_utf8_lossy(&out.stdout).contains(&format!(" {VIP}/"))
        })
        .map(|m| m.name)
        .collect()
}

fn lint_all(h: &Harness) -> (i32, String) {
    let out = vipcheck()
        .arg("lint")
        .args(h.masters.iter().map(|m| m.conf.clone()))
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), text(&out))
}

/// What lint says across the masters' files, against what real keepalived
/// does with them: VRRPv3 on one master and v2 on the others is a split
/// brain (lint: an error), while other NIC names on one master, and
/// unicast without unicast_src_ip anywhere, elect one holder (lint: clean).
#[test]
fn lint_across_masters_matches_what_keepalived_does() {
    // VRRPv3 on deadlock only: it drops the others' v2 adverts ("wrong
    // version") and they drop its: deadlock and autocrat both hold the VIP.
    let mut h = Harness::new();
    let conf = std::fs::read_to_string(&h.master("deadlock").conf).unwrap();
    let v3 = conf.replace("global_defs {\n", "global_defs {\n    vrrp_version 3\n");
    std::fs::write(&h.master("deadlock").conf, v3).unwrap();
    for (name, _) in MASTERS {
        h.start_haproxy(name);
        h.start_keepalived(name);
    }
    h.wait_holders(&["deadlock", "autocrat"], Duration::from_secs(15));
    let (code, out) = lint_all(&h);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("VRRPv2 here, VRRPv3 in"), "{out}");
    drop(h);

    // Unicast, no unicast_src_ip on any master, and autocrat's NIC named
    // ens3: one holder, and lint finds nothing.
    let mut h = Harness::new();
    let cluster = h.dir.path().join("cluster.yaml");
    let bin = h.dir.path().join("slow-vipcheck");
    for (name, _) in MASTERS {
        let m = h.master(name);
        let (conf, state, ns) = (m.conf.clone(), m.state.clone(), m.ns.clone());
        let out = vipcheck()
            .args(["render", "--master", name, "--unicast", "--interval", "1"])
            .args([
                "--vipcheck",
                path_str(&bin),
                "--state-file",
                path_str(&state),
            ])
            .arg(&cluster)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let mut rendered: String = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.contains("unicast_src_ip"))
            .map(|l| format!("{l}\n"))
            .collect();
        if name == "autocrat" {
            rendered = rendered.replace("interface eth0", "interface ens3");
            ip(&["-n", &ns, "link", "set", "eth0", "down"]);
            ip(&["-n", &ns, "link", "set", "eth0", "name", "ens3"]);
            ip(&["-n", &ns, "link", "set", "ens3", "up"]);
        }
        std::fs::write(&conf, rendered).unwrap();
    }
    for (name, _) in MASTERS {
        h.start_haproxy(name);
        h.start_keepalived(name);
    }
    // Elections settle within a few adverts; then exactly one holder,
    // for longer than a backup waits before it takes over (3 adverts).
    let start = Instant::now();
    while holders_any(&h) != ["deadlock"] {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "holders: {:?}\n{}",
            holders_any(&h),
            h.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    for _ in 0..40 {
        assert_eq!(holders_any(&h), ["deadlock"], "{}", h.logs());
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, out) = lint_all(&h);
    assert_eq!(code, 0, "{out}");
}
