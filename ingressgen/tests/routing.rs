//! End to end: a real HAProxy on loopback serves the rendered config, two
//! worker servers run by this test stand in for ingress-nginx, and curl
//! sends real requests (TLS with the test's own CA, HTTP/1.1 and HTTP/2).
//! The workers get addresses of their own on loopback: root only.

#[path = "support/common.rs"]
mod common;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::{path_str, tool, write};

/// A stand-in for ingress-nginx on one worker: answers every request with
/// its own name and the headers it got, and `/healthz` with 200 or 503.
struct Worker {
    name: &'static str,
    healthy: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    checks: Arc<AtomicUsize>,
}

impl Worker {
    fn start(name: &'static str, listener: TcpListener) -> Worker {
        let w = Worker {
            name,
            healthy: Arc::new(AtomicBool::new(true)),
            hits: Arc::new(AtomicUsize::new(0)),
            checks: Arc::new(AtomicUsize::new(0)),
        };
        let (healthy, hits, checks) = (w.healthy.clone(), w.hits.clone(), w.checks.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (healthy, hits, checks) = (healthy.clone(), hits.clone(), checks.clone());
                std::thread::spawn(move || serve(name, stream, &healthy, &hits, &checks));
            }
        });
        w
    }
}

fn serve(
    name: &str,
    stream: TcpStream,
    healthy: &AtomicBool,
    hits: &AtomicUsize,
    checks: &AtomicUsize,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
                }
            }
        }
    }
    let (status, body) = if path == "/healthz" {
        checks.fetch_add(1, Ordering::SeqCst);
        if healthy.load(Ordering::SeqCst) {
            ("200 OK", "ok\n".to_owned())
        } else {
            ("503 Service Unavailable", "down\n".to_owned())
        }
    } else {
        hits.fetch_add(1, Ordering::SeqCst);
        let get = |k: &str| {
            let v: Vec<&str> = headers
                .iter()
                .filter(|(h, _)| h == k)
                .map(|(_, v)| v.as_str())
                .collect();
            v.join(" | ")
        };
        let body = format!(
            "worker={name}\npath={path}\nhost={}\nx-forwarded-for={}\nx-forwarded-proto={}\nx-forwarded-port={}\nx-forwarded-host={}\nx-real-ip={}\n",
            get("host"),
            get("x-forwarded-for"),
            get("x-forwarded-proto"),
            get("x-forwarded-port"),
            get("x-forwarded-host"),
            get("x-real-ip"),
        );
        ("200 OK", body)
    };
    let mut s = stream;
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// HAProxy, killed and reaped when the test ends, whatever happens.
struct Haproxy(Child);

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two worker addresses, added to `lo` for the test (the cluster file
/// refuses loopback addresses: a real worker is another machine) from the
/// benchmarking range 198.18.0.0/15, and removed when dropped.
struct WorkerAddrs([String; 2]);

impl WorkerAddrs {
    fn add() -> WorkerAddrs {
        let net = std::process::id() % 250 + 1;
        let a = WorkerAddrs([format!("198.18.{net}.11"), format!("198.18.{net}.12")]);
        for addr in &a.0 {
            let out = tool("ip", &["addr", "add", &format!("{addr}/32"), "dev", "lo"]);
            assert!(
                out.status.success(),
                "ip addr add {addr} (needs root): {out:?}"
            );
        }
        a
    }
}

impl Drop for WorkerAddrs {
    fn drop(&mut self) {
        for addr in &self.0 {
            let _ = StdCommand::new("ip")
                .args(["addr", "del", &format!("{addr}/32"), "dev", "lo"])
                .output();
        }
    }
}

/// Two listeners on one port of the two worker addresses: the NodePort of
/// two workers, taken from Kubernetes' NodePort range as the file requires.
fn worker_listeners(addrs: &WorkerAddrs) -> (u16, TcpListener, TcpListener) {
    let seed = std::process::id() as u16;
    for i in 0..2000u16 {
        let port = 30000 + (seed.wrapping_add(i.wrapping_mul(7919))) % 2768;
        let Ok(a) = TcpListener::bind((addrs.0[0].as_str(), port)) else {
            continue;
        };
        if let Ok(b) = TcpListener::bind((addrs.0[1].as_str(), port)) {
            return (port, a, b);
        }
    }
    panic!("no port of 30000-32767 free on both worker addresses");
}

struct Response {
    proto: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The addresses of the X-Forwarded-For a worker got, in order, however
    /// HAProxy split them over header lines.
    fn forwarded_for(&self) -> Vec<&str> {
        self.echo("x-forwarded-for")
            .split([',', '|'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect()
    }

    /// A `key=value` line of a worker's echo.
    fn echo(&self, key: &str) -> &str {
        self.body
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {:?}", self.body))
    }
}

struct Site {
    ca: PathBuf,
    https: u16,
    http: u16,
    internal: u16,
    monitor: u16,
}

impl Site {
    /// curl with this site's CA; `host` is resolved to 127.0.0.1.
    fn curl(&self, url_host: &str, port: u16, scheme: &str, extra: &[&str]) -> Response {
        let resolve = format!("{url_host}:{port}:127.0.0.1");
        let url = format!("{scheme}://{url_host}:{port}/some/path?q=1");
        let mut args = vec![
            "-sS",
            "-i",
            "--max-time",
            "5",
            "--cacert",
            path_str(&self.ca),
            "--resolve",
            &resolve,
        ];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = tool("curl", &args);
        assert!(
            out.status.success(),
            "curl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse(&String::from_utf8_lossy(&out.stdout))
    }

    fn https(&self, host: &str, extra: &[&str]) -> Response {
        self.curl(host, self.https, "https", extra)
    }
}

fn parse(raw: &str) -> Response {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let proto = first.split_whitespace().next().unwrap_or("").to_owned();
    let status = Some(first)
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {raw:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        proto,
        status,
        headers,
        body: body.to_owned(),
    }
}

/// One HTTP/1.1 request with `host` as its raw Host header bytes, over TLS
/// (`openssl s_client`, with SNI `tls`) or plain TCP; the raw answer.
fn raw_request(port: u16, tls: Option<&str>, host: &[u8]) -> String {
    let mut request = b"GET / HTTP/1.1\r\nHost: ".to_vec();
    request.extend_from_slice(host);
    request.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    match tls {
        None => {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.write_all(&request).unwrap();
            let mut out = Vec::new();
            let _ = std::io::Read::read_to_end(&mut s, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        }
        Some(sni) => {
            let mut child = StdCommand::new("openssl")
                .args(["s_client", "-quiet", "-ign_eof", "-connect"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-servername", sni])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("openssl is needed by this test; run .ci/test");
            child.stdin.take().unwrap().write_all(&request).unwrap();
            let out = child.wait_with_output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    }
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The site's own proxy in the routing test's `trusted_proxies` (with
/// `internal_port`): a loopback address curl sends from (`--interface`).
const TRUSTED_PROXY: &str = "127.0.0.2";

/// The headers a TLS-terminating proxy of the site sends, as the site's
/// nginx does (`X-Forwarded-Proto $scheme`, X-Forwarded-For, X-Real-IP).
const FROM_A_PROXY: [&str; 8] = [
    "-H",
    "X-Forwarded-For: 198.51.100.7",
    "-H",
    "X-Real-IP: 198.51.100.7",
    "-H",
    "X-Forwarded-Port: 443",
    "-H",
    "X-Forwarded-Proto: https",
];

/// Forwarded headers reach the worker from a trusted proxy (by address,
/// or any client of the internal port) as it sent them, X-Forwarded-For
/// appended to; from anyone else they are HAProxy's own.
fn forwarded_headers_trusted_or_scrubbed(site: &Site) {
    // The site's proxy on the internal port: the break the site would
    // have had (its apps saw http and lost the client's address).
    let r = site.curl("www.ocf.berkeley.edu", site.internal, "http", &FROM_A_PROXY);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.echo("x-forwarded-proto"), "https");
    assert_eq!(r.forwarded_for(), ["198.51.100.7", "127.0.0.1"]);
    assert_eq!(r.echo("x-real-ip"), "198.51.100.7");
    assert_eq!(r.echo("x-forwarded-port"), "443");
    // A trusted client that sends none gets HAProxy's own.
    let r = site.curl("www.ocf.berkeley.edu", site.internal, "http", &[]);
    assert_eq!(r.echo("x-forwarded-proto"), "http");
    assert_eq!(r.forwarded_for(), ["127.0.0.1"]);
    assert_eq!(r.echo("x-forwarded-port"), site.internal.to_string());
    // The trusted proxy's address over TLS: kept, and https (HAProxy ended
    // TLS) whatever it said.
    let mut from_proxy = vec![
        "--interface",
        TRUSTED_PROXY,
        "-H",
        "X-Forwarded-Proto: http",
    ];
    from_proxy.extend_from_slice(&FROM_A_PROXY[..4]);
    let r = site.https("templates.ocf.berkeley.edu", &from_proxy);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.echo("x-forwarded-proto"), "https");
    assert_eq!(r.forwarded_for(), ["198.51.100.7", TRUSTED_PROXY]);
    assert_eq!(r.echo("x-real-ip"), "198.51.100.7");
    // Anyone else over TLS: scrubbed, as with no trusted proxy at all.
    let r = site.https("templates.ocf.berkeley.edu", &FROM_A_PROXY);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.forwarded_for(), ["127.0.0.1"]);
    assert_eq!(r.echo("x-real-ip"), "");
    assert_eq!(r.echo("x-forwarded-port"), site.https.to_string());
    let r = site.https(
        "templates.ocf.berkeley.edu",
        &["-H", "X-Forwarded-Proto: http"],
    );
    assert_eq!(r.echo("x-forwarded-proto"), "https");
}

#[test]
fn real_haproxy_routes_redirects_and_fails_over_as_rendered() {
    let t = tempfile::tempdir().unwrap();
    let (bundle, ca) = tls_bundle(t.path());
    let addrs = WorkerAddrs::add();
    let (node_port, l1, l2) = worker_listeners(&addrs);
    let w1 = Worker::start("w1", l1);
    let w2 = Worker::start("w2", l2);
    let site = Site {
        ca,
        https: testkit::free_port("127.0.0.1"),
        http: testkit::free_port("127.0.0.1"),
        internal: testkit::free_port("127.0.0.1"),
        monitor: testkit::free_port("127.0.0.1"),
    };
    let services = format!(
        "masters: [{{name: m1, ipv4: 192.0.2.21}}]
workers:
  - {{name: w1, ipv4: {w1}}}
  - {{name: w2, ipv4: {w2}}}
ingress:
  domain: ocf.berkeley.edu
  alternate_domains: [ocf.io]
  tls_bundle: {bundle}
  node_port: {node_port}
  services:
    - templates
    - {{name: pma, aliases: [phpmyadmin]}}
    - slidingsync.matrix
  internal_services: [www]
  routed_suffixes: [dev-kubernetes, code]
  internal_suffixes: [dev-kubernetes]
  trusted_proxies: [{TRUSTED_PROXY}, internal_port]
  haproxy:
    bind: [127.0.0.1, \"::1\"]
    http_port: {http}
    https_port: {https}
    internal_port: {internal}
    monitor: 127.0.0.1:{monitor}
",
        bundle = path_str(&bundle),
        w1 = addrs.0[0],
        w2 = addrs.0[1],
        node_port = node_port,
        http = site.http,
        https = site.https,
        internal = site.internal,
        monitor = site.monitor,
    );
    let file = write(t.path(), "cluster.yaml", &services);
    let cfg = t.path().join("haproxy.cfg");
    render_checked(&file, &cfg, &[]);

    let child = StdCommand::new("haproxy")
        .args(["-db", "-f", path_str(&cfg)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("haproxy is needed by this test ({e}); run .ci/test, which installs it")
        });
    let _haproxy = Haproxy(child);
    let up = |port: u16| TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).is_ok();
    wait_for("HAProxy to listen", Duration::from_secs(10), || {
        up(site.https) && up(site.http) && up(site.internal) && up(site.monitor)
    });
    // Both workers pass their health checks before traffic is judged.
    wait_for("health checks", Duration::from_secs(10), || {
        w1.checks.load(Ordering::SeqCst) > 0 && w2.checks.load(Ordering::SeqCst) > 0
    });

    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let hostname = hostname.trim();
    let served = |r: &Response| assert_eq!(r.header("x-served-by"), Some(hostname));

    // A service over TLS reaches a worker with the forwarding headers; the
    // client's own X-Forwarded-For is replaced, not trusted.
    let r = site.https(
        "templates.ocf.berkeley.edu",
        &[
            "-H",
            "X-Forwarded-For: 203.0.113.9",
            "-H",
            "X-Forwarded-Host: evil.example",
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    served(&r);
    assert!(["w1", "w2"].contains(&r.echo("worker")));
    assert_eq!(r.echo("path"), "/some/path?q=1");
    assert_eq!(
        r.echo("host"),
        format!("templates.ocf.berkeley.edu:{}", site.https)
    );
    assert_eq!(r.echo("x-forwarded-for"), "127.0.0.1");
    assert_eq!(r.echo("x-forwarded-proto"), "https");
    assert_eq!(r.echo("x-forwarded-port"), site.https.to_string());
    assert_eq!(r.echo("x-forwarded-host"), "");
    let first = r.echo("worker").to_owned();
    forwarded_headers_trusted_or_scrubbed(&site);

    // The IPv6 bind serves the same.
    let resolve6 = format!("pma.ocf.berkeley.edu:{}:[::1]", site.https);
    let r = site.https("pma.ocf.berkeley.edu", &["--resolve", &resolve6]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.echo("x-forwarded-for"), "::1");

    // name, name:port, mixed case and the absolute name (a final dot)
    // route alike; another port does not.
    for host in [
        "templates.ocf.berkeley.edu".to_owned(),
        "templates.ocf.berkeley.edu.".to_owned(),
        format!("templates.ocf.berkeley.edu.:{}", site.https),
        format!("TeMpLaTeS.OCF.Berkeley.EDU:{}", site.https),
        "slidingsync.matrix.ocf.berkeley.edu".to_owned(),
    ] {
        let r = site.https(
            "templates.ocf.berkeley.edu",
            &["-H", &format!("Host: {host}")],
        );
        assert_eq!(r.status, 200, "{host}: {}", r.body);
        assert_eq!(
            r.echo("worker"),
            first,
            "{host}: the same client goes to the same worker"
        );
    }
    let r = site.https(
        "templates.ocf.berkeley.edu",
        &["-H", "Host: templates.ocf.berkeley.edu:8443"],
    );
    assert_eq!(r.status, 404, "another port is an unknown host");

    // HTTP/2 (ALPN) routes the same.
    let r = site.https("pma.ocf.berkeley.edu", &["--http2"]);
    assert_eq!((r.proto.as_str(), r.status), ("HTTP/2", 200));
    served(&r);
    assert_eq!(
        r.echo("host"),
        format!("pma.ocf.berkeley.edu:{}", site.https)
    );

    // Aliases and the alternate domain redirect to the canonical name,
    // path and query kept.
    for (host, to) in [
        (
            "phpmyadmin.ocf.berkeley.edu",
            "https://pma.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "PhpMyAdmin.ocf.berkeley.edu",
            "https://pma.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "phpmyadmin.ocf.io",
            "https://pma.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "templates.ocf.io",
            "https://templates.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "slidingsync.matrix.ocf.io",
            "https://slidingsync.matrix.ocf.berkeley.edu/some/path?q=1",
        ),
    ] {
        let r = site.https(host, &["-H", &format!("Host: {host}")]);
        assert_eq!((r.status, r.header("location")), (301, Some(to)), "{host}");
        served(&r);
    }

    // Plain HTTP: a short name goes to its full name, the rest to HTTPS.
    for (host, to) in [
        (
            "templates",
            "https://templates.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "templates.ocf.berkeley.edu",
            "https://templates.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "Templates.OCF.Berkeley.EDU",
            "https://templates.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "templates.ocf.berkeley.edu.",
            "https://templates.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "templates.",
            "https://templates.ocf.berkeley.edu/some/path?q=1",
        ),
        ("x.ocf.io", "https://x.ocf.io/some/path?q=1"),
        // A service's own name of two labels, and an alias's.
        (
            "slidingsync.matrix",
            "https://slidingsync.matrix.ocf.berkeley.edu/some/path?q=1",
        ),
        (
            "phpmyadmin",
            "https://phpmyadmin.ocf.berkeley.edu/some/path?q=1",
        ),
        // Another domain's host keeps its name: only the scheme changes.
        ("www.example.com", "https://www.example.com/some/path?q=1"),
        ("WWW.Example.COM", "https://www.example.com/some/path?q=1"),
        ("ocf.berkeley.edu", "https://ocf.berkeley.edu/some/path?q=1"),
    ] {
        let r = site.curl(
            "templates",
            site.http,
            "http",
            &["-H", &format!("Host: {host}")],
        );
        assert_eq!(
            (r.status, r.header("location")),
            (301, Some(to)),
            "http {host}"
        );
    }

    // Hostile Host headers: a NUL, spaces, percent escapes, stray dots and
    // hyphens, an over-long name. On every frontend (HTTPS routing and
    // alias redirects, plain HTTP redirects, the internal port) they get
    // the unknown-host answer (or HAProxy's own 400 for what its parser
    // refuses), never a worker, never a redirect.
    let hits = || w1.hits.load(Ordering::SeqCst) + w2.hits.load(Ordering::SeqCst);
    let before = hits();
    let long = format!("{}.ocf.berkeley.edu", vec!["a".repeat(60); 5].join("."));
    let mut hostile: Vec<Vec<u8>> = [
        &b"templates.ocf.berkeley.edu\0.evil.example"[..],
        b"templates.ocf.berkeley.edu\0",
        b"phpmyadmin.ocf.berkeley.edu\0.x",
        b"templates\0",
        b"www.ocf.berkeley.edu\0.evil.example",
        b"templates.ocf.berkeley.edu .evil",
        b"templates .ocf.berkeley.edu",
        b"templates%2eocf.berkeley.edu",
        b"%74emplates.ocf.berkeley.edu",
        b"templates.ocf.berkeley.edu\x01",
        b"templates..ocf.berkeley.edu",
        b"-templates.ocf.berkeley.edu",
        b"templates.ocf.berkeley.edu..",
        b"templates.ocf.berkeley.edu\xff",
        b"feature.dev-kubernetes.ocf.berkeley.edu/x",
        b"",
    ]
    .iter()
    .map(|h| h.to_vec())
    .collect();
    hostile.push(long.into_bytes());
    for host in &hostile {
        for (port, tls) in [
            (site.https, Some("templates.ocf.berkeley.edu")),
            (site.http, None),
            (site.internal, None),
        ] {
            let answer = raw_request(port, tls, host);
            let shown = String::from_utf8_lossy(host);
            let status = answer.split_whitespace().nth(1).unwrap_or("");
            assert!(
                (status == "404" && answer.contains("unknown host")) || status == "400",
                "Host {shown:?} on port {port}: {answer}"
            );
        }
    }
    assert_eq!(hits(), before, "a hostile Host reached a worker");

    // Routed suffixes reach the cluster over TLS.
    for host in [
        "feature.dev-kubernetes.ocf.berkeley.edu",
        "alice.code.ocf.berkeley.edu",
    ] {
        let r = site.https(host, &[]);
        assert_eq!(r.status, 200, "{host}");
        assert_eq!(r.echo("host"), format!("{host}:{}", site.https));
    }

    // Internal services answer only on the internal port, over plain HTTP.
    let r = site.https("www.ocf.berkeley.edu", &[]);
    assert_eq!(r.status, 404, "www is internal only");
    let r = site.curl("www.ocf.berkeley.edu", site.internal, "http", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.echo("x-forwarded-proto"), "http");
    assert_eq!(r.echo("x-forwarded-port"), site.internal.to_string());
    let r = site.curl(
        "feature.dev-kubernetes.ocf.berkeley.edu",
        site.internal,
        "http",
        &[],
    );
    assert_eq!(r.status, 200);
    let r = site.curl("templates.ocf.berkeley.edu", site.internal, "http", &[]);
    assert_eq!(r.status, 404, "TLS services are not on the internal port");

    // Unknown hosts reach no backend.
    let hits = || w1.hits.load(Ordering::SeqCst) + w2.hits.load(Ordering::SeqCst);
    let before = hits();
    for host in [
        "nope.ocf.berkeley.edu",
        "ocf.berkeley.edu",
        "templates.ocf.berkeley.edu..",
        "127.0.0.1",
        "templates.example.com",
    ] {
        let r = site.https(
            "templates.ocf.berkeley.edu",
            &["-H", &format!("Host: {host}")],
        );
        assert_eq!(r.status, 404, "{host}");
        served(&r);
    }
    assert_eq!(hits(), before, "an unknown host reached a worker");

    // The monitor endpoint answers while HAProxy runs.
    let out = tool(
        "curl",
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://127.0.0.1:{}/healthz", site.monitor),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");

    // A worker whose health check fails is taken out: traffic moves to
    // the other one and stays there.
    let (down, other) = if first == w1.name {
        (&w1, &w2)
    } else {
        (&w2, &w1)
    };
    down.healthy.store(false, Ordering::SeqCst);
    wait_for(
        "the failing worker to be taken out",
        Duration::from_secs(30),
        || site.https("templates.ocf.berkeley.edu", &[]).echo("worker") == other.name,
    );
    let down_hits = down.hits.load(Ordering::SeqCst);
    for _ in 0..5 {
        assert_eq!(
            site.https("templates.ocf.berkeley.edu", &[]).echo("worker"),
            other.name
        );
    }
    assert_eq!(down.hits.load(Ordering::SeqCst), down_hits);
}
