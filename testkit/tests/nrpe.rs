//! Every NRPE command of examples/nagios/nrpe-kubetoolkit.cfg through a real
//! NRPE daemon (Debian's nagios-nrpe-server, running the checks as the
//! nagios user) and check_nrpe (nagios-nrpe-plugin), on a master made in a
//! network namespace: keepalived rendered by vipcheck, HAProxy's monitor
//! endpoint, a 3-member etcd, the etcd certificates. Each check is asked in
//! an OK state and in an error state, and must answer with a plugin status
//! line (never NRPE's "Unable to read output").
//!
//! The committed command definitions are used with their paths mapped to
//! this test's files (the tools, the cluster file, the PKI, keepalived's
//! files); sudo, which the site's sudoers grants, is left out.

use regex::Regex;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use testkit::{Netns, path_str, text, tool, write};

const CHECK_NRPE: &str = "/usr/lib/nagios/plugins/check_nrpe";
const NRPE: &str = "/usr/sbin/nrpe";
const TOOLS: [&str; 5] = ["certs", "ingressgen", "kubetool", "quorumcalc", "vipcheck"];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The test's files, readable by the nagios user NRPE runs checks as.
struct Site {
    dir: PathBuf,
    bin: PathBuf,
}

impl Site {
    fn path(&self, name: &str) -> String {
        path_str(&self.dir.join(name)).to_owned()
    }

    /// A committed file with every installed path mapped to this site's.
    fn mapped(&self, text: &str) -> String {
        let mut out = text.replace("/usr/bin/sudo -n ", "");
        for t in TOOLS {
            out = out.replace(&format!("/usr/bin/{t}"), path_str(&self.bin.join(t)));
        }
        for (from, to) in [
            (
                "/usr/libexec/kubetoolkit/etcd-status",
                path_str(&self.bin.join("etcd-status")).to_owned(),
            ),
            ("/etc/default/kubetoolkit", self.path("defaults")),
            ("/etc/kubernetes/pki", self.path("pki")),
            ("/etc/ocf/cluster.yaml", self.path("cluster.yaml")),
            (
                "/etc/keepalived/keepalived.conf",
                self.path("keepalived.conf"),
            ),
            ("/run/vipcheck/state", self.path("state")),
            ("/run/keepalived.pid", self.path("keepalived.pid")),
            ("/var/backups/etcd", self.path("snapshots")),
        ] {
            out = out.replace(from, &to);
        }
        out
    }
}

fn setup(t: &Path) -> Site {
    std::fs::set_permissions(t, std::fs::Permissions::from_mode(0o755)).unwrap();
    let site = Site {
        dir: t.to_path_buf(),
        bin: t.join("bin"),
    };
    std::fs::create_dir_all(&site.bin).unwrap();
    let tools = testkit::built_tools();
    for tl in TOOLS {
        std::fs::copy(tools.join(tl), site.bin.join(tl)).unwrap();
    }
    let status = std::fs::read_to_string(workspace().join("packaging/etcd-status")).unwrap();
    let script = write(&site.bin, "etcd-status", &site.mapped(&status));
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The lab's cluster file on this test's network.
    let lab = std::fs::read_to_string(workspace().join("examples/lab/cluster.yaml")).unwrap();
    write(t, "cluster.yaml", &lab.replace("10.77.0.", "10.88.0."));
    let pki = t.join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    testkit::server_certificate(&pki, 365);
    let conf = tool(
        path_str(&site.bin.join("vipcheck")),
        &[
            "render",
            "--master",
            "deadlock",
            "--interface",
            "eth0",
            "--interval",
            "1",
            "--vipcheck",
            path_str(&site.bin.join("vipcheck")),
            "--state-file",
            &site.path("state"),
            &site.path("cluster.yaml"),
        ],
    );
    assert!(conf.status.success(), "{}", text(&conf));
    write(t, "keepalived.conf", &String::from_utf8_lossy(&conf.stdout));
    // The monitor's worker list as ingressgen renders it, of one worker
    // (the lab's ingress stand-in, started beside HAProxy).
    write(
        t,
        "haproxy.cfg",
        "defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n\
         frontend monitor\n  bind 127.0.0.1:8404\n  monitor-uri /healthz\n\
         \x20 http-request return status 200 content-type text/plain lf-string \"riptide %[srv_is_up(kubernetes/riptide)]\\n\" if { path /workers }\n\
         backend kubernetes\n  option httpchk\n  http-check send meth GET uri /healthz\n\
         \x20 server riptide 127.0.0.1:31234 check inter 500ms fall 2 rise 1\n",
    );
    write(
        t,
        "defaults",
        "ETCDCTL_ENDPOINTS=http://127.0.0.1:2379,http://127.0.0.1:12379,http://127.0.0.1:22379\n",
    );
    let nrpe =
        std::fs::read_to_string(workspace().join("examples/nagios/nrpe-kubetoolkit.cfg")).unwrap();
    let commands = site.mapped(&nrpe);
    let unmapped: Vec<&str> = commands
        .lines()
        .filter(|l| {
            l.starts_with("command[")
                && (l.contains("/usr/") || l.contains("/etc/") || l.contains("/run/"))
        })
        .collect();
    assert!(
        unmapped.is_empty(),
        "a path this test does not map: {unmapped:?}"
    );
    let bad: String = usage_errors()
        .iter()
        .map(|u| {
            let bin = site.bin.join(u.tool);
            format!(
                "command[{}]={} {}\n",
                u.name,
                path_str(&bin),
                u.args.join(" ")
            )
        })
        .collect();
    write(t, "nrpe-kubetoolkit.cfg", &(commands + &bad));
    write(
        t,
        "nrpe.cfg",
        &format!(
            "pid_file={}\nserver_address=127.0.0.1\nserver_port=5666\nnrpe_user=nagios\nnrpe_group=nagios\n\
             allowed_hosts=127.0.0.1\ndont_blame_nrpe=0\ncommand_timeout=30\nconnection_timeout=60\ninclude={}\n",
            site.path("nrpe.pid"),
            site.path("nrpe-kubetoolkit.cfg")
        ),
    );
    site
}

/// check_nrpe for `command`: (exit status, first line).
fn ask(ns: &Netns, command: &str) -> (i32, String) {
    let (code, all) = ask_all(ns, command);
    (code, all.lines().next().unwrap_or("").to_owned())
}

/// check_nrpe for `command`: (exit status, everything it printed).
fn ask_all(ns: &Netns, command: &str) -> (i32, String) {
    let out = ns.run(CHECK_NRPE, &["-H", "127.0.0.1", "-t", "30", "-c", command]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), said)
}

/// A monitoring check's command line that cannot be parsed: one of the
/// tool's options before the subcommand, then an argument no check has.
struct UsageError {
    name: String,
    tool: &'static str,
    args: Vec<String>,
    format: String,
}

/// Every monitoring check of every tool, after each option the tool takes
/// before its subcommand with a value (each possible value in turn), then a
/// bad argument. The checks and options are read from each tool's clap
/// definition and exit-status table, so a new check or option is covered
/// without editing this list.
fn usage_errors() -> Vec<UsageError> {
    // Every tool's page: its name, clap definition and exit-status table.
    let tools = xtask::pages()
        .into_iter()
        .map(|p| (p.name, (p.command)(), p.tool));
    let mut out = Vec::new();
    for (tool, cmd, table) in tools {
        let checks = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .filter(|c| table.scheme(Some(c), &[]) == clikit::Scheme::Monitoring);
        for check in checks.collect::<Vec<_>>() {
            for (option, values) in value_options(&cmd) {
                for value in values {
                    let format = if option == "--format" {
                        value.clone()
                    } else {
                        "text".into()
                    };
                    out.push(UsageError {
                        name: format!("bad_{}", out.len()),
                        tool,
                        args: vec![
                            option.clone(),
                            value,
                            check.clone(),
                            "--no-such-option".into(),
                        ],
                        format,
                    });
                }
            }
        }
    }
    out
}

/// The options of `cmd` before any subcommand that take a value, each with
/// the values to try: every possible value, or one placeholder.
fn value_options(cmd: &clap::Command) -> Vec<(String, Vec<String>)> {
    cmd.get_arguments()
        .filter(|a| !a.is_positional() && a.get_action().takes_values())
        .filter_map(|a| {
            let long = format!("--{}", a.get_long()?);
            let possible: Vec<String> = a
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            let values = if possible.is_empty() {
                vec!["x".to_owned()]
            } else {
                possible
            };
            Some((long, values))
        })
        .collect()
}

/// What a check that cannot parse its command line must print: one UNKNOWN
/// status line (text), a JSON verdict of UNKNOWN, or a state metric of 3.
fn says_unknown(format: &str, said: &str) -> bool {
    match format {
        "json" => {
            let v: serde_json::Value = serde_json::from_str(said).unwrap_or_default();
            v["state"] == "UNKNOWN"
        }
        "prometheus" => said
            .lines()
            .any(|l| l.contains("_state{") && l.ends_with(" 3")),
        _ => {
            let line = Regex::new(r"^[A-Z]+(?: [A-Z]+)? UNKNOWN - .*unexpected argument").unwrap();
            said.lines().count() == 1 && line.is_match(said.trim_end())
        }
    }
}

fn holds_vip(ns: &Netns) -> bool {
    let out = ns.run("ip", &["-o", "addr", "show", "dev", "eth0"]);
    String::from_utf8_lossy(&out.stdout).contains(" 10.88.0.100/")
}

const COMMANDS: [&str; 7] = [
    "check_kubetoolkit_certs",
    "check_kubetoolkit_vip_local",
    "check_kubetoolkit_workers",
    "check_kubetoolkit_vip_holder",
    "check_kubetoolkit_keepalived_lint",
    "check_kubetoolkit_etcd_quorum",
    "check_kubetoolkit_etcd_snapshot",
];

#[test]
fn every_nrpe_command_answers_with_a_status_line_when_ok_and_when_not() {
    let _ = tool(CHECK_NRPE, &["-V"]);
    let _ = tool(NRPE, &["-V"]);
    let t = tempfile::tempdir().unwrap();
    let site = setup(t.path());
    // Everything started in the namespace is killed, and the namespace
    // removed, when it is dropped, also when the test fails.
    let ns = Netns::with_eth0("nrpe-kubetoolkit", &["10.88.0.11/24"]);
    let haproxy = ns.spawn(
        "haproxy",
        &["-db", "-f", &site.path("haproxy.cfg")],
        &t.path().join("haproxy.log"),
    );
    // The lab's stand-in router, with the Ingress objects ingressgen
    // renders from the cluster file: HAProxy's health check finds it up.
    let objects = tool(
        path_str(&site.bin.join("ingressgen")),
        &["ingress", &site.path("cluster.yaml")],
    );
    assert!(objects.status.success(), "{}", text(&objects));
    let ingress = t.path().join("ingress.yaml");
    std::fs::write(&ingress, &objects.stdout).unwrap();
    let worker = ns.spawn(
        path_str(&testkit::built_tools().join("lab")),
        &[
            "worker",
            "--name",
            "riptide",
            "--ingress",
            path_str(&ingress),
            "--port",
            "31234",
            "--ingress-health-path",
            "/healthz",
        ],
        &t.path().join("worker.log"),
    );
    // The ports the NRPE commands' etcd-status asks (mapped in setup).
    let members = [("e0", 2379), ("e1", 12379), ("e2", 22379)]
        .map(|(n, port)| testkit::etcd::Member::at(n, "127.0.0.1", port, port + 1));
    let mut etcd = testkit::EtcdCluster::start_in(&site.dir, members.to_vec(), Some(&ns));
    ns.spawn(
        "keepalived",
        &[
            "-n",
            "-l",
            "-D",
            "-f",
            &site.path("keepalived.conf"),
            "-p",
            &site.path("keepalived.pid"),
            "-r",
            &site.path("vrrp.pid"),
        ],
        &t.path().join("keepalived.log"),
    );
    ns.spawn(
        NRPE,
        &["-c", &site.path("nrpe.cfg"), "-f"],
        &t.path().join("nrpe.log"),
    );
    wait_for(
        "keepalived to take the VIP",
        Duration::from_secs(20),
        || holds_vip(&ns),
    );
    let line = Regex::new(r"^[A-Z]+(?: [A-Z]+)? (OK|WARNING|CRITICAL|UNKNOWN) - ").unwrap();
    wait_for("etcd and NRPE", Duration::from_secs(20), || {
        ask(&ns, "check_kubetoolkit_etcd_quorum").0 == 0
    });
    wait_for(
        "HAProxy to have the worker up",
        Duration::from_secs(10),
        || ask(&ns, "check_kubetoolkit_workers").0 == 0,
    );

    // A snapshot taken as the timer takes it (quorumcalc backup), made
    // readable by the nagios user (the site's check runs through sudo).
    let backup = ns.run(
        path_str(&site.bin.join("quorumcalc")),
        &[
            "backup",
            "--dir",
            &site.path("snapshots"),
            "--endpoint",
            "http://127.0.0.1:2379",
            "--min-free",
            "0",
        ],
    );
    assert!(backup.status.success(), "{}", text(&backup));
    let readable = tool("chmod", &["-R", "go+rX", &site.path("snapshots")]);
    assert!(readable.status.success());

    // Everything well: every check OK.
    for c in COMMANDS {
        let (code, said) = ask(&ns, c);
        eprintln!("ok state: {c}: {said}");
        assert_eq!(code, 0, "{c}: {said}");
        assert!(line.is_match(&said), "{c}: {said}");
    }

    // A command line that does not parse, with every option before the
    // check: UNKNOWN (3), and a status NRPE can show.
    let bad = usage_errors();
    assert!(
        bad.iter().any(|u| u.args[0] == "--eyaml-private-key"),
        "certs' option is tried"
    );
    for u in &bad {
        let (code, said) = ask_all(&ns, &u.name);
        let line = format!("{} {}", u.tool, u.args.join(" "));
        assert_eq!(code, 3, "{line}: {said}");
        assert!(says_unknown(&u.format, &said), "{line}: {said}");
    }
    eprintln!(
        "{} usage errors of checks, each UNKNOWN through NRPE",
        bad.len()
    );

    // Everything wrong: a certificate about to expire, HAProxy dead (so
    // keepalived gives up the VIP), a broken keepalived.conf, etcd without
    // quorum.
    testkit::server_certificate(&site.dir.join("pki"), 2);
    ns.kill(worker);
    wait_for(
        "HAProxy to mark the worker DOWN",
        Duration::from_secs(10),
        || ask(&ns, "check_kubetoolkit_workers").0 == 2,
    );
    ns.kill(haproxy);
    std::fs::write(
        site.dir.join("keepalived.conf"),
        "vrrp_instance VI_1 {\n    interface eth0\n}\n",
    )
    .unwrap();
    etcd.kill("e1");
    etcd.kill("e2");
    for e in std::fs::read_dir(site.dir.join("snapshots")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "db") {
            std::fs::write(&p, "half a snapshot").unwrap();
        }
    }
    wait_for(
        "keepalived to drop the VIP",
        Duration::from_secs(20),
        || !holds_vip(&ns),
    );
    for c in COMMANDS {
        let (code, said) = ask(&ns, c);
        eprintln!("error state: {c}: {said}");
        assert!((1..=3).contains(&code), "{c}: exit {code}: {said}");
        assert!(line.is_match(&said), "{c}: {said}");
        assert!(!said.contains("NRPE"), "{c}: {said}");
    }
    let (code, said) = ask(&ns, "check_kubetoolkit_certs");
    assert_eq!(code, 2, "{said}");
    let (code, said) = ask(&ns, "check_kubetoolkit_etcd_snapshot");
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("is truncated"), "{said}");

    // Every etcd member down: the worst state, CRITICAL, with etcdctl's
    // reason, and answered within NRPE's default 10 s.
    etcd.kill("e0");
    let start = Instant::now();
    let (code, said) = ask_all(&ns, "check_kubetoolkit_etcd_quorum");
    let took = start.elapsed();
    eprintln!("all etcd down ({took:?}): {said}");
    assert_eq!(code, 2, "{said}");
    assert!(
        said.starts_with("QUORUM CRITICAL - no etcd member answers: all 3 endpoints unreachable"),
        "{said}"
    );
    assert!(said.contains("connect: connection refused"), "{said}");
    assert!(
        took < Duration::from_secs(NRPE_DEFAULT_TIMEOUT_S),
        "{took:?}"
    );
}

/// check_nrpe's default timeout (-t), which a check must answer within.
const NRPE_DEFAULT_TIMEOUT_S: u64 = 10;
