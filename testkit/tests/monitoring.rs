//! Every monitoring check speaks the same language, whatever its state:
//! each one (certs check, quorumcalc status and snapshot, every vipcheck
//! check) is run here in the states this machine can put it in, usage
//! errors included, in all three formats. The text's first line must follow the Monitoring
//! Plugins grammar, the JSON must parse with the same state, and real
//! `promtool check metrics` must accept the Prometheus text.

use regex::Regex;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use testkit::{Netns, ec_self_signed, path_str, promtool, write};

/// `SERVICE STATE - summary[ | 'label'=value[uom];warn;crit;min;max ...]`.
fn status_line() -> Regex {
    let num = r"-?[0-9]+(?:\.[0-9]+)?";
    let range = format!(r"@?(?:(?:~|{num})?:)?(?:{num})?");
    let item = format!(
        r"'(?:[^'=]|'')+'=(?:{num}|U)(?:s|ms|us|%|B|KB|MB|TB|c)?(?:;(?:{range})){{0,2}}(?:;(?:{num})?){{0,2}}"
    );
    Regex::new(&format!(
        r"^[A-Z]+(?: [A-Z]+)? (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]*?(?: \| {item}(?: {item})*)?$"
    ))
    .unwrap()
}

/// One run of a check: the tool, its arguments, what it reads on stdin,
/// and the state it must report.
struct Case {
    what: &'static str,
    tool: &'static str,
    args: Vec<String>,
    stdin: Option<PathBuf>,
    state: &'static str,
    /// A network namespace to run it in.
    netns: Option<String>,
}

fn run(bin: &Path, c: &Case, format: &str) -> (i32, String) {
    let mut cmd = match &c.netns {
        Some(ns) => {
            let mut cmd = Command::new("ip");
            cmd.args(["netns", "exec", ns]).arg(bin.join(c.tool));
            cmd
        }
        None => Command::new(bin.join(c.tool)),
    };
    cmd.args(&c.args).args(["--format", format]);
    cmd.stdin(match &c.stdin {
        Some(p) => Stdio::from(std::fs::File::open(p).unwrap()),
        None => Stdio::null(),
    });
    let out = cmd.output().unwrap();
    (
        out.status.code().expect("exited"),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn code_of(state: &str) -> i32 {
    match state {
        "OK" => 0,
        "WARNING" => 1,
        "CRITICAL" => 2,
        _ => 3,
    }
}

/// A server that answers every request with `status`, for `track`.
fn http_server(status: u16) -> u16 {
    http_server_saying(status, "")
}

/// A server that answers every request with `status` and `body`, for
/// `track` and `workers` (HAProxy's monitor; the real one answers in the
/// lab and through NRPE).
fn http_server_saying(status: u16, body: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = c.read(&mut buf);
            let _ = write!(
                c,
                "HTTP/1.0 {status} X\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn cases(t: &Path, ns: &Netns) -> Vec<Case> {
    let a = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let case = |what, tool, args: Vec<String>, state| Case {
        what,
        tool,
        args,
        stdin: None,
        state,
        netns: None,
    };
    // certs: one certificate per state.
    let tree = |name: &str, days: u32| {
        let d = t.join(name);
        std::fs::create_dir_all(&d).unwrap();
        ec_self_signed(
            "P-256",
            "/CN=x",
            days,
            &d.join("x.key"),
            &d.join("x.crt"),
            &[],
        );
        path_str(&d).to_owned()
    };
    let broken = t.join("broken");
    write(&broken, "b.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n");
    // quorumcalc: real etcdctl outputs.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../quorumcalc/tests/fixtures/etcd");
    let etcd = |name: &str| {
        let mut text = String::new();
        for kind in ["member-list", "endpoint-status"] {
            text += &std::fs::read_to_string(fixtures.join(format!("{name}.{kind}.json"))).unwrap();
        }
        write(t, &format!("{name}.json"), &text)
    };
    let stdin = |what, path: PathBuf, state| Case {
        what,
        tool: "quorumcalc",
        args: a(&["status"]),
        stdin: Some(path),
        state,
        netns: None,
    };
    // quorumcalc snapshot: the real snapshot fixture, fresh, old and spoilt.
    let snapshots = |what: &str, hours_ago: u32, spoil: bool| {
        let d = t.join(format!("snapshots-{what}"));
        std::fs::create_dir_all(&d).unwrap();
        let name = testkit::text(&testkit::tool(
            "date",
            &[
                "-u",
                "-d",
                &format!("-{hours_ago} hours"),
                "+etcd-snapshot-%Y%m%dT%H%M%SZ.db",
            ],
        ));
        let p = d.join(name.trim());
        std::fs::copy(fixtures.join("snapshot.db"), &p).unwrap();
        if spoil {
            std::fs::write(&p, b"not a snapshot").unwrap();
        }
        a(&["snapshot", path_str(&d)])
    };
    let snapshot_cases = [
        ("snapshot ok", snapshots("ok", 1, false), "OK"),
        ("snapshot warning", snapshots("warn", 30, false), "WARNING"),
        ("snapshot critical", snapshots("crit", 1, true), "CRITICAL"),
        (
            "snapshot unknown",
            a(&["snapshot", path_str(&broken.join("b.crt"))]),
            "UNKNOWN",
        ),
        (
            "snapshot usage",
            a(&["snapshot", "--warning", "x"]),
            "UNKNOWN",
        ),
    ]
    .map(|(what, args, state)| case(what, "quorumcalc", args, state));
    // vipcheck: keepalived configs, HTTP servers, an address nobody holds.
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/keepalived/deadlock.conf");
    let bad = write(
        t,
        "bad.conf",
        "vrrp_instance VI_1 {\n    interface eth0\n}\n",
    );
    let ok = format!("http://127.0.0.1:{}/healthz", http_server(200));
    let workers = |list: &'static str| {
        let url = format!("http://127.0.0.1:{}/workers", http_server_saying(200, list));
        a(&["workers", "--url", &url])
    };
    let sick = format!("http://127.0.0.1:{}/healthz", http_server(503));
    let closed = format!(
        "http://127.0.0.1:{}/healthz",
        testkit::free_port("127.0.0.1")
    );
    let state_file = path_str(&t.join("no-state")).to_owned();
    let pid = path_str(&t.join("no.pid")).to_owned();
    let local = |url: &str, vip: &str| {
        a(&[
            "local",
            "--vip",
            vip,
            "--url",
            url,
            "--state-file",
            &state_file,
            "--keepalived-pid",
            &pid,
        ])
    };
    let mut all = vec![
        case("certs ok", "certs", a(&["check", &tree("ok", 400)]), "OK"),
        case(
            "certs warning",
            "certs",
            a(&["check", &tree("warn", 20)]),
            "WARNING",
        ),
        case(
            "certs critical",
            "certs",
            a(&["check", &tree("crit", 3)]),
            "CRITICAL",
        ),
        case(
            "certs unreadable",
            "certs",
            a(&["check", path_str(&broken)]),
            "UNKNOWN",
        ),
        case("certs usage", "certs", a(&["check", "--bogus"]), "UNKNOWN"),
        stdin("quorum ok", etcd("healthy"), "OK"),
        stdin("quorum warning", etcd("one-down"), "WARNING"),
        stdin("quorum critical", etcd("two-down"), "CRITICAL"),
        stdin("quorum unknown", write(t, "empty.json", "[]"), "UNKNOWN"),
        case(
            "quorum usage",
            "quorumcalc",
            a(&["status", "--bogus"]),
            "UNKNOWN",
        ),
        case(
            "holder ok",
            "vipcheck",
            a(&["holder", "--vip", "127.0.0.1"]),
            "OK",
        ),
        case(
            "holder warning",
            "vipcheck",
            a(&["holder", "--vip", "192.0.2.254"]),
            "WARNING",
        ),
        case("holder usage", "vipcheck", a(&["holder"]), "UNKNOWN"),
        case("track ok", "vipcheck", a(&["track", "--url", &ok]), "OK"),
        case(
            "workers ok",
            "vipcheck",
            workers("bedbugs 1\nriptide 1\n"),
            "OK",
        ),
        case(
            "workers one down",
            "vipcheck",
            workers("bedbugs 1\nriptide 0\n"),
            "WARNING",
        ),
        case(
            "workers all down",
            "vipcheck",
            workers("bedbugs 0\nriptide 0\n"),
            "CRITICAL",
        ),
        case(
            "workers unreadable",
            "vipcheck",
            a(&["workers", "--url", &sick]),
            "UNKNOWN",
        ),
        case(
            "track warning",
            "vipcheck",
            a(&["track", "--url", &sick]),
            "WARNING",
        ),
        case(
            "track usage",
            "vipcheck",
            a(&["track", "--url", "ftp://x/"]),
            "UNKNOWN",
        ),
        case(
            "local backup",
            "vipcheck",
            local(&closed, "192.0.2.254"),
            "WARNING",
        ),
        case(
            "local orphan",
            "vipcheck",
            local(&ok, "127.0.0.1"),
            "CRITICAL",
        ),
        case("lint ok", "vipcheck", a(&["lint", path_str(&good)]), "OK"),
        case(
            "lint critical",
            "vipcheck",
            a(&["lint", path_str(&bad)]),
            "CRITICAL",
        ),
        case(
            "probe critical",
            "vipcheck",
            a(&[
                "probe",
                "--vip",
                "127.0.0.1",
                "--master",
                "vip=127.0.0.1",
                "--host",
                "x.example",
                "--port",
                &testkit::free_port("127.0.0.1").to_string(),
                "--timeout",
                "1s",
            ]),
            "CRITICAL",
        ),
        // Nobody answers for the VIP on a real Ethernet link: down.
        Case {
            netns: Some(ns.name().to_owned()),
            ..case(
                "arp critical",
                "vipcheck",
                a(&[
                    "arp",
                    "--vip",
                    "192.0.2.254",
                    "--iface",
                    "eth0",
                    "--window",
                    "100ms",
                ]),
                "CRITICAL",
            )
        },
        // Loopback carries no ARP: the check cannot tell.
        case(
            "arp on loopback",
            "vipcheck",
            a(&["arp", "--vip", "192.0.2.254", "--iface", "lo"]),
            "UNKNOWN",
        ),
        case(
            "arp usage",
            "vipcheck",
            a(&["arp", "--vip", "x", "--iface", "lo"]),
            "UNKNOWN",
        ),
    ];
    all.extend(snapshot_cases);
    all
}

#[test]
fn the_grammar_and_promtool_refuse_what_monitoring_would_misread() {
    let g = status_line();
    assert!(g.is_match("CERTS OK - fine | 'min_days_left'=40;30:;7:; 'time'=0.5s;;;0"));
    assert!(g.is_match("VIPCHECK LOCAL UNKNOWN - cannot read x"));
    for bad in [
        "CERTS OK - fine | certificates=2 min_days_left=;30;7", // an empty value
        "CERTS OK - fine | 'a'=1 'b'=",
        "CERTS FINE - fine",
        "CERTS OK - two\nlines",
        "",
    ] {
        assert!(!g.is_match(bad), "{bad}");
    }
    let t = tempfile::tempdir().unwrap();
    let dup = write(
        t.path(),
        "dup.prom",
        "# TYPE a gauge\na 1\n# TYPE a gauge\na 2\n",
    );
    assert!(!promtool(&dup).0);
    let ok = write(
        t.path(),
        "ok.prom",
        "# HELP a b.\n# TYPE a gauge\na{target=\"vip\"} 1\n",
    );
    assert!(promtool(&ok).0, "{}", promtool(&ok).1);
}

#[test]
fn every_check_in_every_state_and_format() {
    let bin = testkit::built_tools();
    let t = tempfile::tempdir().unwrap();
    let grammar = status_line();
    // An Ethernet link on which nobody answers ARP; removed on drop.
    let ns = Netns::with_eth0("mon", &["192.0.2.10/24"]);
    for c in cases(t.path(), &ns) {
        // Text: the Nagios plugin output.
        let (code, out) = run(&bin, &c, "text");
        let first = out.lines().next().unwrap_or_default();
        assert_eq!(code, code_of(c.state), "{}: {out}", c.what);
        let caps = grammar
            .captures(first)
            .unwrap_or_else(|| panic!("{}: not a plugin status line: {first:?}", c.what));
        assert_eq!(&caps[1], c.state, "{}: {first}", c.what);
        // JSON: one document with the same state.
        let (code, out) = run(&bin, &c, "json");
        assert_eq!(code, code_of(c.state), "{}: {out}", c.what);
        let v: serde_json::Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {out}", c.what));
        assert_eq!(v["state"], c.state, "{}: {out}", c.what);
        // Prometheus: what promtool accepts, with the state as a number.
        let (code, out) = run(&bin, &c, "prometheus");
        assert_eq!(code, code_of(c.state), "{}: {out}", c.what);
        let state = format!("}} {}", code_of(c.state));
        assert!(
            out.lines()
                .any(|l| l.contains("_state{check=") && l.ends_with(&state)),
            "{}: {out}",
            c.what
        );
        let file = write(t.path(), "metrics.prom", &out);
        let checked = promtool(&file);
        assert!(
            checked.0,
            "{}: promtool check metrics refuses:\n{}\n{out}",
            c.what, checked.1
        );
    }
}
