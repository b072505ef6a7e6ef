//! `vipcheck probe`: every service host through the VIP, then through each
//! master directly, over HTTPS with the right SNI and Host: status, time,
//! days left on the served certificate, and which master answered (the
//! `X-Served-By` header ingressgen's config adds). All requests run in
//! parallel, and the whole run ends by `--timeout` even when a master
//! black-holes packets: what has not answered by then is reported as timed
//! out.
//!
//! With `--api`, the Kubernetes API instead: `/readyz` and `/version`
//! through the VIP (HAProxy's API frontend) and on each master's own API
//! server, the certificate verified for the address asked (as kubectl
//! verifies the kubeconfig's server), optionally with a client
//! certificate.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The header naming the master that answered.
pub const SERVED_BY: &str = "x-served-by";

/// Where requests go: the VIP, or one master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `VIP` or the master's name.
    pub label: String,
    /// Its address.
    pub addr: IpAddr,
    /// The port asked.
    pub port: u16,
    /// What it is.
    pub role: Role,
}

/// What a target is, which says what a failure of it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The VIP: a failure is CRITICAL.
    Vip,
    /// A master, asked directly: a failure is a broken failover target
    /// (WARNING).
    Master,
    /// A worker's ingress, asked directly for its health path over plain
    /// HTTP: one failing is WARNING, all CRITICAL, and the masters'
    /// failures are then named as the workers' outage.
    Worker {
        /// The health path (the chosen router's: `ingress.health_path`, or
        /// `ingress.gateway.health_path`).
        path: String,
    },
}

/// The targets: the VIP first (on `vip_port`), then each master directly
/// (on `master_port`).
pub fn targets(
    (vip, vip_port): (IpAddr, u16),
    masters: &[(String, IpAddr)],
    master_port: u16,
) -> Vec<Target> {
    let mut v = vec![Target {
        label: "VIP".into(),
        addr: vip,
        port: vip_port,
        role: Role::Vip,
    }];
    v.extend(masters.iter().map(|(name, addr)| Target {
        label: name.clone(),
        addr: *addr,
        port: master_port,
        role: Role::Master,
    }));
    v
}

/// Each worker's ingress on `port`, asked for `path`.
pub fn worker_targets(workers: &[(String, IpAddr)], port: u16, path: &str) -> Vec<Target> {
    workers
        .iter()
        .map(|(name, addr)| Target {
            label: name.clone(),
            addr: *addr,
            port,
            role: Role::Worker {
                path: path.to_owned(),
            },
        })
        .collect()
}

impl Target {
    fn is_vip(&self) -> bool {
        self.role == Role::Vip
    }

    fn is_worker(&self) -> bool {
        matches!(self.role, Role::Worker { .. })
    }

    /// What is asked of it: every host, or a worker's health path.
    fn asks(&self, hosts: &[String]) -> Vec<String> {
        match &self.role {
            Role::Worker { path } => vec![path.clone()],
            _ => hosts.to_vec(),
        }
    }
}

/// What is asked of each target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Each service host, at this path, with its SNI and Host.
    Services {
        /// The path.
        path: String,
    },
    /// The Kubernetes API: each path (`/readyz`, `/version`) at the
    /// target's address; anything but 200 has failed.
    Api,
}

/// What `--api` asks each API server.
pub const API_PATHS: [&str; 2] = ["/readyz", "/version"];

/// How to probe.
#[derive(Debug, Clone)]
pub struct Options {
    /// What to ask.
    pub kind: Kind,
    /// A client certificate and its key (one PEM), if any.
    pub identity: Option<Vec<u8>>,
    /// The bound on the whole run.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM).
    pub ca: Vec<Vec<u8>>,
    /// Accept any certificate (its days left are still read).
    pub insecure: bool,
    /// Requests in flight at once.
    pub parallel: usize,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// How long it took.
    pub time: Duration,
    /// The `X-Served-By` header.
    pub served_by: Option<String>,
    /// Days until the served certificate expires (negative: expired).
    pub days_left: Option<i64>,
}

/// One request's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Which target.
    pub target: usize,
    /// The host asked for (with `--api`, the path).
    pub host: String,
    /// The answer, or why there is none.
    pub result: Result<Answer, String>,
}

/// Resolves every name to one address: the target's.
struct Fixed(SocketAddr);

impl reqwest::dns::Resolve for Fixed {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let addr = self.0;
        Box::pin(async move {
            let addrs: reqwest::dns::Addrs = Box::new(std::iter::once(addr));
            Ok(addrs)
        })
    }
}

fn client(t: &Target, o: &Options) -> Result<reqwest::blocking::Client, String> {
    let mut b = reqwest::blocking::Client::builder()
        .dns_resolver(Arc::new(Fixed(SocketAddr::new(t.addr, t.port))))
        .timeout(o.timeout)
        .connect_timeout(o.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent("vipcheck probe")
        .tls_info(true)
        .tls_danger_accept_invalid_certs(o.insecure);
    let mut certs = Vec::new();
    for pem in &o.ca {
        certs.push(
            reqwest::Certificate::from_pem(pem)
                .map_err(|e| format!("--ca: not a PEM certificate: {e}"))?,
        );
    }
    b = b.tls_certs_merge(certs);
    if let Some(pem) = &o.identity {
        let id = reqwest::Identity::from_pem(pem)
            .map_err(|e| format!("--cert/--key: not a PEM certificate and key: {e}"))?;
        b = b.identity(id);
    }
    b.build().map_err(|e| format!("cannot set up HTTPS: {e}"))
}

/// Checks a `--ca` file: PEM holding one or more X.509 certificates and
/// nothing else, so a wrong file is named here and not blamed on a server.
pub fn check_ca(name: &str, pem: &[u8]) -> Result<(), String> {
    let mut count = 0;
    for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
        let block = block.map_err(|e| format!("--ca {name}: not PEM ({e})"))?;
        if block.label != "CERTIFICATE" {
            return Err(format!(
                "--ca {name}: holds a {} block; give CA certificates only",
                block.label
            ));
        }
        x509_parser::parse_x509_certificate(&block.contents).map_err(|e| {
            format!(
                "--ca {name}: certificate {} does not parse ({e})",
                count + 1
            )
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(format!(
            "--ca {name}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(())
}

fn days_left(der: &[u8]) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some((cert.validity().not_after.timestamp() - now).div_euclid(86_400))
}

fn one(
    c: &reqwest::blocking::Client,
    t: &Target,
    host: &str,
    o: &Options,
) -> Result<Answer, String> {
    let start = Instant::now();
    let url = match (&t.role, &o.kind) {
        (Role::Worker { path }, _) => format!("http://{}{path}", SocketAddr::new(t.addr, t.port)),
        (_, Kind::Services { path }) => format!("https://{host}:{}{path}", t.port),
        (_, Kind::Api) => format!("https://{}{host}", SocketAddr::new(t.addr, t.port)),
    };
    let r = c.get(&url).send().map_err(|e| why(&e))?;
    let served_by = r
        .headers()
        .get(SERVED_BY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let days = r
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .and_then(days_left);
    Ok(Answer {
        status: r.status().as_u16(),
        time: start.elapsed(),
        served_by,
        days_left: days,
    })
}

/// Why a request got no answer. A certificate the client cannot verify is
/// said as such (the server answers; it is not down).
fn why(e: &reqwest::Error) -> String {
    let cause = root_cause(e);
    if e.is_timeout() {
        "timed out".to_owned()
    } else if cause.contains("invalid peer certificate") {
        format!("certificate not trusted ({cause})")
    } else if e.is_connect() {
        format!("cannot connect: {cause}")
    } else {
        cause
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    msg
}

/// Asks every host through every target, in parallel, and returns by
/// `o.timeout` after the clients are set up whatever happened.
pub fn run(targets: &[Target], hosts: &[String], o: &Options) -> Result<Vec<Check>, String> {
    // The one crypto stack of the workspace (ring), for rustls in reqwest.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let clients: Vec<reqwest::blocking::Client> = targets
        .iter()
        .map(|t| client(t, o))
        .collect::<Result<_, _>>()?;
    // The requests' time starts once the clients are built: on a loaded
    // host building them (a TLS setup and a thread each) can take longer
    // than the timeout itself, and the servers would be blamed for it.
    let start = Instant::now();
    let jobs: VecDeque<(usize, String)> = targets
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.asks(hosts).into_iter().map(move |h| (i, h)))
        .collect();
    let total = jobs.len();
    let queue = Arc::new(Mutex::new(jobs));
    let clients = Arc::new(clients);
    let targets = Arc::new(targets.to_vec());
    let (tx, rx) = mpsc::channel();
    let deadline = start + o.timeout;
    for _ in 0..o.parallel.clamp(1, total.max(1)) {
        let (queue, clients, tx, o) = (queue.clone(), clients.clone(), tx.clone(), o.clone());
        let targets = targets.clone();
        // Detached: a worker still waiting when the run ends dies with it.
        std::thread::spawn(move || {
            loop {
                let job = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                let Some((t, host)) = job else { break };
                if Instant::now() >= deadline {
                    break;
                }
                let result = one(&clients[t], &targets[t], &host, &o);
                if tx
                    .send(Check {
                        target: t,
                        host,
                        result,
                    })
                    .is_err()
                {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut done = Vec::with_capacity(total);
    while done.len() < total {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(c) => done.push(c),
            Err(_) => break,
        }
    }
    // Whatever has not answered by the deadline timed out.
    let answered: std::collections::BTreeSet<(usize, String)> =
        done.iter().map(|c| (c.target, c.host.clone())).collect();
    for (i, t) in targets.iter().enumerate() {
        for h in t.asks(hosts) {
            if !answered.contains(&(i, h.clone())) {
                done.push(Check {
                    target: i,
                    host: h,
                    result: Err("timed out".into()),
                });
            }
        }
    }
    done.sort_by(|a, b| (a.target, &a.host).cmp(&(b.target, &b.host)));
    Ok(done)
}

fn days(d: i64) -> String {
    if d < 0 {
        format!("expired {} ago", clikit::days(-d))
    } else {
        format!("{} left", clikit::days(d))
    }
}

/// A request that failed: no answer, a 5xx, or 404 (HAProxy's answer to a
/// host it does not route); of the API and of a worker's health, anything
/// but 200.
fn failed(c: &Check, kind: &Kind, t: &Target) -> Option<String> {
    let bad = |status: u16| match kind {
        Kind::Services { .. } if !t.is_worker() => status >= 500 || status == 404,
        _ => status != 200,
    };
    match &c.result {
        Err(e) => Some(e.clone()),
        Ok(a) if bad(a.status) => Some(format!("status {}", a.status)),
        Ok(_) => None,
    }
}

/// Judges a probe: the VIP failing is CRITICAL, a master failing directly
/// is a broken failover target (WARNING), answers through the VIP from more
/// than one master are WARNING (ARP flapping between two holders), and the
/// served certificate's days left against `warn_days` and `crit_days`.
/// Of the API (`kind` [`Kind::Api`], the check `api`): the VIP's API down
/// is CRITICAL, one master's API server down WARNING.
pub fn assess(
    kind: &Kind,
    targets: &[Target],
    checks: &[Check],
    elapsed: Duration,
    (warn_days, crit_days): (i64, i64),
) -> crate::report::Report {
    use crate::report::Report;
    use clikit::{Perf, Range, State};
    let mut state = State::Ok;
    let mut parts = Vec::new();
    let mut details = Vec::new();
    let mut perf = Vec::new();
    let workers = assess_workers(targets, checks);
    if let Some(w) = &workers {
        state = w.state;
        parts.extend(w.part.clone());
    }
    for (i, t) in targets.iter().enumerate().filter(|(_, t)| !t.is_worker()) {
        let mine: Vec<&Check> = checks.iter().filter(|c| c.target == i).collect();
        let bad: Vec<(&Check, String)> = mine
            .iter()
            .filter_map(|c| failed(c, kind, t).map(|e| (*c, e)))
            .collect();
        let ok = mine.len() - bad.len();
        // The API passes through HAProxy untouched: no X-Served-By to read.
        let mut served: Vec<&str> = mine
            .iter()
            .filter(|_| matches!(kind, Kind::Services { .. }))
            .filter_map(|c| c.result.as_ref().ok()?.served_by.as_deref())
            .collect();
        served.sort();
        served.dedup();
        let mut text = match kind {
            Kind::Services { .. } => format!("{} {}: {ok}/{} answer", t.label, t.addr, mine.len()),
            Kind::Api => format!(
                "{} {}: {ok}/{} answer",
                t.label,
                SocketAddr::new(t.addr, t.port),
                mine.len()
            ),
        };
        if !served.is_empty() {
            text.push_str(&format!(", served by {}", served.join("+")));
        }
        if let Some((_, e)) = bad.first() {
            text.push_str(&format!(" ({e})"));
            state = state.max(if t.is_vip() {
                State::Critical
            } else {
                State::Warning
            });
        }
        if t.is_vip() && served.len() > 1 {
            state = state.max(State::Warning);
            text.push_str(": more than one master answers for the VIP");
        }
        parts.push(text);
        // The VIP's numbers are its own metrics; each master's carry the
        // master as their target, whatever it is called.
        let (ok_perf, failed) = if t.is_vip() {
            (
                Perf::count("vip_ok", ok as f64),
                Perf::count("vip_failed", bad.len() as f64),
            )
        } else {
            (
                Perf::count("master_ok", ok as f64).of(t.label.clone()),
                Perf::count("master_failed", bad.len() as f64).of(t.label.clone()),
            )
        };
        perf.extend([ok_perf, failed]);
        for c in mine {
            details.push(match &c.result {
                Ok(a) => {
                    let by = match (kind, a.served_by.as_deref()) {
                        (Kind::Api, _) => String::new(),
                        (_, by) => format!(", served by {}", by.unwrap_or("(no X-Served-By)")),
                    };
                    format!(
                        "{} {}: {} in {} ms{by}, certificate {}",
                        t.label,
                        c.host,
                        a.status,
                        a.time.as_millis(),
                        a.days_left.map_or("unread".into(), days)
                    )
                }
                Err(e) => format!("{} {}: {e}", t.label, c.host),
            });
        }
    }
    let min_days = checks
        .iter()
        .filter_map(|c| c.result.as_ref().ok()?.days_left)
        .min();
    if let Some(d) = min_days {
        let days_left = Perf::days("days_left", Some(d as f64));
        perf.push(days_left.thresholds(
            Range::Below(warn_days as f64),
            Range::Below(crit_days as f64),
        ));
        if d < crit_days {
            state = state.max(State::Critical);
            parts.push(format!("the certificate has {}", days(d)));
        } else if d < warn_days {
            state = state.max(State::Warning);
            parts.push(format!("the certificate has {}", days(d)));
        }
    }
    if let Some(w) = workers {
        perf.extend(w.perf);
        details.extend(w.details);
    }
    perf.push(Perf::seconds("time", elapsed.as_secs_f64()));
    let check = match kind {
        Kind::Services { .. } => "probe",
        Kind::Api => "api",
    };
    Report::new(check, state, parts.join("; "), perf).details(details)
}

/// What the workers, asked directly, say.
struct Workers {
    state: clikit::State,
    /// The summary's part, first in it when a worker failed.
    part: Option<String>,
    perf: Vec<clikit::Perf>,
    details: Vec<String>,
}

/// The workers' verdict (none when none was asked): one failing is
/// WARNING, all CRITICAL; when all fail, the masters' failures are named
/// as theirs.
fn assess_workers(targets: &[Target], checks: &[Check]) -> Option<Workers> {
    use clikit::{Perf, State};
    let mut bad = Vec::new();
    let (mut asked, mut details) = (0, Vec::new());
    for c in checks {
        let t = &targets[c.target];
        if !t.is_worker() {
            continue;
        }
        asked += 1;
        let at = SocketAddr::new(t.addr, t.port);
        let failure = failed(c, &Kind::Api, t);
        details.push(match (&c.result, &failure) {
            (Ok(a), None) => format!(
                "worker {} {at}{}: {} in {} ms",
                t.label,
                c.host,
                a.status,
                a.time.as_millis()
            ),
            (_, Some(e)) | (Err(e), None) => format!("worker {} {at}{}: {e}", t.label, c.host),
        });
        if let Some(e) = failure {
            bad.push(format!("{} ({e})", t.label));
        }
    }
    if asked == 0 {
        return None;
    }
    let (state, part) = match bad.len() {
        0 => (State::Ok, None),
        n if n == asked => (
            State::Critical,
            Some(format!(
                "no worker answers directly ({}): requests through the masters fail for want of one",
                bad.join(", ")
            )),
        ),
        _ => (
            State::Warning,
            Some(format!(
                "worker {} does not answer directly; {} of {asked} workers do",
                bad.join(", "),
                asked - bad.len()
            )),
        ),
    };
    let perf = vec![
        Perf::count("worker_ok", (asked - bad.len()) as f64),
        Perf::count("worker_failed", bad.len() as f64),
    ];
    Some(Workers {
        state,
        part,
        perf,
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clikit::State;

    fn answer(status: u16, by: &str, days: i64) -> Result<Answer, String> {
        Ok(Answer {
            status,
            time: Duration::from_millis(3),
            served_by: Some(by.into()),
            days_left: Some(days),
        })
    }

    #[test]
    fn vip_failures_are_critical_master_failures_warnings() {
        let targets = vec![
            Target {
                label: "VIP".into(),
                addr: "10.213.0.100".parse().unwrap(),
                port: 443,
                role: Role::Vip,
            },
            Target {
                label: "coup".into(),
                addr: "10.213.0.77".parse().unwrap(),
                port: 443,
                role: Role::Master,
            },
        ];
        let c = |t, r| Check {
            target: t,
            host: "a.example".into(),
            result: r,
        };
        let services = Kind::Services { path: "/".into() };
        let judge = |checks: &[Check]| {
            assess(
                &services,
                &targets,
                checks,
                Duration::from_millis(5),
                (30, 7),
            )
        };
        let r = judge(&[
            c(0, answer(200, "deadlock", 80)),
            c(1, answer(200, "coup", 80)),
        ]);
        assert_eq!(r.state(), State::Ok, "{}", r.status.summary);
        assert!(
            r.status.summary.starts_with(
                "VIP 10.213.0.100: 1/1 answer, served by deadlock; coup 10.213.0.77: 1/1 answer"
            ),
            "{}",
            r.status.summary
        );
        let r = judge(&[
            c(0, answer(200, "deadlock", 80)),
            c(1, Err("timed out".into())),
        ]);
        assert_eq!(r.state(), State::Warning, "{}", r.status.summary);
        assert!(
            r.status
                .summary
                .contains("coup 10.213.0.77: 0/1 answer (timed out)"),
            "{}",
            r.status.summary
        );
        let r = judge(&[
            c(0, answer(404, "deadlock", 80)),
            c(1, answer(200, "coup", 80)),
        ]);
        assert_eq!(r.state(), State::Critical, "{}", r.status.summary);
        let r = judge(&[
            c(0, answer(200, "deadlock", 20)),
            c(1, answer(200, "coup", 20)),
        ]);
        assert_eq!(r.state(), State::Warning);
        assert!(
            r.status
                .summary
                .contains("the certificate has 20 days left"),
            "{}",
            r.status.summary
        );
        let r = judge(&[
            c(0, answer(200, "deadlock", 3)),
            c(1, answer(200, "coup", 80)),
        ]);
        assert_eq!(r.state(), State::Critical);
        let two = [
            Check {
                target: 0,
                host: "a".into(),
                result: answer(200, "deadlock", 80),
            },
            Check {
                target: 0,
                host: "b".into(),
                result: answer(200, "coup", 80),
            },
        ];
        let r = assess(
            &services,
            &targets[..1],
            &two,
            Duration::from_millis(5),
            (30, 7),
        );
        assert_eq!(r.state(), State::Warning);
        assert!(
            r.status
                .summary
                .contains("served by coup+deadlock: more than one master answers"),
            "{}",
            r.status.summary
        );
    }

    /// Of the API, anything but 200 has failed (a 403 is a refused client,
    /// not a service), and the report is the `api` check's, each target
    /// with its port.
    #[test]
    fn the_api_is_judged_on_200_and_its_own_ports() {
        let targets = targets(
            ("10.66.0.100".parse().unwrap(), 6443),
            &[("coup".into(), "10.66.0.3".parse().unwrap())],
            7443,
        );
        let c = |t, path: &str, status| Check {
            target: t,
            host: path.into(),
            result: answer(status, "", 80),
        };
        let judge = |checks: &[Check]| {
            assess(
                &Kind::Api,
                &targets,
                checks,
                Duration::from_millis(5),
                (30, 7),
            )
        };
        let ok = [c(0, "/readyz", 200), c(1, "/readyz", 200)];
        let r = judge(&ok);
        assert_eq!(r.state(), State::Ok, "{}", r.status.summary);
        assert!(
            r.status
                .summary
                .starts_with("VIP 10.66.0.100:6443: 1/1 answer; coup 10.66.0.3:7443: 1/1 answer"),
            "{}",
            r.status.summary
        );
        assert_eq!(r.status.check, "api");
        let r = judge(&[c(0, "/readyz", 200), c(1, "/readyz", 403)]);
        assert_eq!(r.state(), State::Warning, "{}", r.status.summary);
        let r = judge(&[c(0, "/readyz", 500), c(1, "/readyz", 200)]);
        assert_eq!(r.state(), State::Critical, "{}", r.status.summary);
        // A 403 of a service is an answer (the service said no).
        let services = Kind::Services { path: "/".into() };
        let r = assess(
            &services,
            &targets,
            &[c(0, "a", 403), c(1, "a", 403)],
            Duration::ZERO,
            (30, 7),
        );
        assert_eq!(r.state(), State::Ok, "{}", r.status.summary);
    }

    #[test]
    fn a_ca_file_must_hold_certificates() {
        assert!(
            check_ca("x", b"hello")
                .unwrap_err()
                .contains("no PEM certificate")
        );
        let key = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(
            check_ca("x", key)
                .unwrap_err()
                .contains("holds a PRIVATE KEY block")
        );
        let junk = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(check_ca("x", junk).unwrap_err().contains("does not parse"));
    }
}
