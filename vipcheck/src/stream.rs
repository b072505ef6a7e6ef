//! The request stream of `vipcheck watch` and of the lab's client: a
//! bounded stream of HTTPS requests through the VIP at a fixed rate, every
//! result recorded with the time it was sent: to the
//! services (HAProxy ends TLS, a worker answers), or to the Kubernetes API
//! as kubetool's admin.conf names it (a pod list from its server, the
//! VIP, with its client certificate, the server's certificate verified
//! for the VIP's address, as `kubectl get pods` does). A new
//! connection per request (as many clients make), so a VIP that moves is
//! seen at once. Each result keeps its latency (from the send to the
//! answer's end, a retry included): whether it came soon enough is judged
//! by [`crate::figures`], not here. The connection gets [`CONNECT`], room
//! for TCP's first SYN retransmission (after 1 s), so a SYN lost at the
//! instant a VIP moves shows as a late answer rather than a failure;
//! handshake and answer then get [`ANSWER`]. A GET whose connection was
//! reset, refused or aborted before any answer is retried once at once, as
//! browsers and HTTP clients retry an idempotent request (RFC 9110,
//! 9.2.2); nothing else is retried (a timeout, whatever error kind the
//! system gives it, is not). The result says whether the retry happened.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a connection may take: TCP's first SYN retransmission (after
/// 1 s) and its answer.
pub const CONNECT: Duration = Duration::from_millis(1500);
/// How long the handshake and the answer may take, once connected: past
/// any latency budget, so a slow answer is measured as late, not lost.
pub const ANSWER: Duration = Duration::from_secs(2);

/// One request's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Result_ {
    /// When it was sent, in ms from the start of the stream.
    pub t: u64,
    /// The Host asked for.
    pub host: String,
    /// 200 from a worker.
    pub ok: bool,
    /// The HTTP status, 0 when none came.
    pub status: u16,
    /// The master that answered (X-Served-By), if any.
    pub served_by: String,
    /// Why it failed, if it did.
    pub error: String,
    /// Whether it was sent a second time after its connection was reset
    /// (or refused) before any answer.
    #[serde(default)]
    pub retried: bool,
    /// From the send to the end of the answer (or of the failure), the
    /// retry included, in ms.
    #[serde(default)]
    pub latency_ms: u64,
    /// The worker that answered (`worker=` in its answer), if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub worker: String,
}

/// Where a stream's requests go and what makes one succeed.
#[derive(Clone)]
pub enum Target {
    /// HTTPS through the VIP on 443, cycling over the service hosts (SNI
    /// and Host); a worker's answer is a success.
    Services {
        /// The VIP.
        vip: IpAddr,
        /// The hosts asked for, in turn.
        hosts: Vec<String>,
    },
    /// The Kubernetes API as a kubeconfig names it: [`API_PATH`] on its
    /// server, the certificate verified for the server's address, the
    /// kubeconfig's client certificate presented; a pod list is a success.
    Api {
        /// The server's address and port.
        server: SocketAddr,
    },
}

impl Target {
    /// What the `i`th request asks for (its Host, or the API's path).
    fn asked(&self, i: u64) -> String {
        match self {
            Target::Services { hosts, .. } => hosts[i as usize % hosts.len()].clone(),
            Target::Api { .. } => API_PATH.to_owned(),
        }
    }
}

/// What the API stream asks, as `kubectl get pods` does: a resource, read
/// with the admin client certificate.
pub const API_PATH: &str = "/api/v1/namespaces/default/pods?limit=1";

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client configuration of the HTTP stream: `ca` trusted, no client
/// certificate.
pub fn services_config(ca: &str) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    // Bounded, as every input: a wrong --ca (/dev/zero) is an error.
    let pem = clikit::read_input(ca).map_err(|e| format!("{ca}: {e}"))?;
    for c in CertificateDer::pem_slice_iter(&pem) {
        roots
            .add(c.map_err(|e| format!("{ca}: {e}"))?)
            .map_err(|e| format!("{ca}: {e}"))?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// What a kubeconfig holds (its first cluster and user, with the
/// certificates inline, as kubetool writes them): the server and the PEMs.
pub struct Kubeconfig {
    /// The server's address and port.
    pub server: SocketAddr,
    /// The CA the server's certificate is verified with.
    pub ca_pem: Vec<u8>,
    /// The client certificate.
    pub cert_pem: Vec<u8>,
    /// Its key.
    pub key_pem: Vec<u8>,
}

impl Kubeconfig {
    /// Reads one (bounded, as every input).
    pub fn read(path: &str) -> Result<Kubeconfig, String> {
        use base64::Engine;
        let at = |e: &dyn std::fmt::Display| format!("{path}: {e}");
        let text = clikit::read_text(path).map_err(|e| at(&e))?;
        let doc: serde_yaml::Value = clikit::yaml::document(&text).map_err(|e| at(&e))?;
        let field = |section: &str, inner: &str, key: &str| -> Result<Vec<u8>, String> {
            let v = doc[section][0][inner][key]
                .as_str()
                .ok_or_else(|| at(&format!("no {section}[0].{inner}.{key}")))?;
            base64::engine::general_purpose::STANDARD
                .decode(v)
                .map_err(|e| at(&format!("{key}: {e}")))
        };
        let server = doc["clusters"][0]["cluster"]["server"]
            .as_str()
            .and_then(|s| s.strip_prefix("https://"))
            .and_then(|s| s.parse::<SocketAddr>().ok())
            .ok_or_else(|| at(&"the server is not https://ADDRESS:PORT"))?;
        Ok(Kubeconfig {
            server,
            ca_pem: field("clusters", "cluster", "certificate-authority-data")?,
            cert_pem: field("users", "user", "client-certificate-data")?,
            key_pem: field("users", "user", "client-key-data")?,
        })
    }
}

/// The API's server and client configuration from a kubeconfig.
pub fn api_config(kubeconfig: &str) -> Result<(SocketAddr, rustls::ClientConfig), String> {
    let k = Kubeconfig::read(kubeconfig)?;
    let at = |e: &dyn std::fmt::Display| format!("{kubeconfig}: {e}");
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&k.ca_pem) {
        roots.add(c.map_err(|e| at(&e))?).map_err(|e| at(&e))?;
    }
    let chain: Vec<CertificateDer> = CertificateDer::pem_slice_iter(&k.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| at(&e))?;
    let key = PrivateKeyDer::from_pem_slice(&k.key_pem).map_err(|e| at(&e))?;
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| at(&e))?;
    Ok((k.server, config))
}

/// Runs the stream: `rate` requests a second for `seconds` to `target`;
/// returns every result, in sending order.
pub fn stream(
    target: &Target,
    config: rustls::ClientConfig,
    rate: u32,
    seconds: u32,
) -> Result<Vec<Result_>, String> {
    let never = AtomicBool::new(false);
    let total = u64::from(rate) * u64::from(seconds);
    Ok(stream_until(target, config, rate, total, &never, &|_| {}))
}

/// Sends `total` requests to `target`, `rate` a second, each on its own
/// connection, until they are all sent or `stop` is set; waits for those
/// in flight, tells `each` of every result as it comes, and returns them
/// all in sending order.
pub fn stream_until(
    target: &Target,
    config: rustls::ClientConfig,
    rate: u32,
    total: u64,
    stop: &AtomicBool,
    each: &(dyn Fn(&Result_) + Sync),
) -> Vec<Result_> {
    let config = Arc::new(config);
    let results = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|s| {
        for i in 0..total {
            let at = Duration::from_secs_f64(i as f64 / f64::from(rate.max(1)));
            // Sleep in short steps, so a stop is seen at once.
            while let Some(wait) = at.checked_sub(start.elapsed()) {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                std::thread::sleep(wait.min(Duration::from_millis(50)));
            }
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let (config, results) = (config.clone(), &results);
            let host = target.asked(i);
            s.spawn(move || {
                let r = request(target, &host, config, at.as_millis() as u64, Instant::now());
                each(&r);
                results.lock().expect("results").push(r);
            });
        }
    });
    let mut out = results.into_inner().expect("results");
    out.sort_by_key(|r| r.t);
    out
}

/// One request sent at `t` (ms into the stream, `sent` on the clock), with
/// its one retry when the connection was reset before any answer.
fn request(
    target: &Target,
    host: &str,
    config: Arc<rustls::ClientConfig>,
    t: u64,
    sent: Instant,
) -> Result_ {
    let mut a = one(target, host, config.clone());
    let retried = matches!(&a, Err(f) if f.reset);
    if retried {
        a = one(target, host, config);
    }
    let a = a.unwrap_or_else(|f| Answer {
        error: f.why,
        ..Answer::default()
    });
    Result_ {
        t,
        host: host.to_owned(),
        ok: a.status == 200 && a.error.is_empty(),
        status: a.status,
        served_by: a.served_by,
        error: a.error,
        retried,
        latency_ms: sent.elapsed().as_millis() as u64,
        worker: a.worker,
    }
}

/// What one attempt got.
#[derive(Default)]
struct Answer {
    /// The HTTP status, 0 when none came.
    status: u16,
    /// X-Served-By.
    served_by: String,
    /// The worker named in the answer.
    worker: String,
    /// Why it failed, if it did.
    error: String,
}

/// Whether `raw` holds a whole HTTP answer: its head and as many bytes of
/// body as its Content-Length says.
fn whole(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .is_some_and(|len| raw.len() >= end + 4 + len)
}

/// Why an attempt got no answer.
struct Failure {
    why: String,
    /// The connection was reset, refused or aborted before any answer:
    /// the request never reached a server that could act on it.
    reset: bool,
}

impl Failure {
    /// `what` failed with `e`: a reset if the system says so; a timeout
    /// (`TimedOut`, or `WouldBlock` as a socket timeout reads on Linux)
    /// is named as one and never retried.
    fn io(what: &str, e: &std::io::Error) -> Failure {
        use std::io::ErrorKind::*;
        let kind = e.kind();
        Failure {
            why: if matches!(kind, TimedOut | WouldBlock) {
                format!("{what}: timed out")
            } else {
                format!("{what}: {e}")
            },
            // A write to a connection the peer reset says EPIPE: a reset too.
            reset: matches!(
                kind,
                ConnectionReset | ConnectionRefused | ConnectionAborted | BrokenPipe
            ),
        }
    }

    fn other(why: impl std::fmt::Display) -> Failure {
        Failure {
            why: why.to_string(),
            reset: false,
        }
    }
}

/// One attempt; `Err` when no answer came.
fn one(target: &Target, host: &str, config: Arc<rustls::ClientConfig>) -> Result<Answer, Failure> {
    let (addr, name, request) = match target {
        Target::Services { vip, .. } => (
            SocketAddr::new(*vip, 443),
            ServerName::try_from(host.to_owned()).map_err(Failure::other)?,
            format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        ),
        Target::Api { server } => (
            *server,
            ServerName::IpAddress(server.ip().into()),
            format!("GET {host} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n"),
        ),
    };
    let mut tcp =
        TcpStream::connect_timeout(&addr, CONNECT).map_err(|e| Failure::io("connect", &e))?;
    let deadline = Instant::now() + ANSWER;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    tcp.set_read_timeout(Some(left()))
        .map_err(|e| Failure::io("socket", &e))?;
    tcp.set_write_timeout(Some(left()))
        .map_err(|e| Failure::io("socket", &e))?;
    let mut conn = rustls::ClientConnection::new(config, name).map_err(Failure::other)?;
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    tls.write_all(request.as_bytes())
        .map_err(|e| Failure::io("send", &e))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    // Until the answer is whole (its Content-Length read), as a browser
    // reads one: what happens to the connection after that is not the
    // user's concern.
    while !whole(&raw) {
        if Instant::now() >= deadline {
            return Err(Failure::other("read: timed out"));
        }
        tls.sock
            .set_read_timeout(Some(left()))
            .map_err(|e| Failure::io("socket", &e))?;
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e)
                if raw.windows(4).any(|w| w == b"\r\n\r\n")
                    && e.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                break;
            }
            // Part of an answer came: whatever broke it, no retry.
            Err(e) if !raw.is_empty() => {
                return Err(Failure::other(format!(
                    "read: {e} after part of the answer"
                )));
            }
            Err(e) => return Err(Failure::io("read", &e)),
        }
    }
    if raw.is_empty() {
        return Err(Failure::other("closed before any answer"));
    }
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let served = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("x-served-by")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let wrong_body = match target {
        Target::Services { .. } => (!body.contains("worker=")).then_some("no worker in the answer"),
        Target::Api { .. } => {
            (!body.contains("\"kind\":\"PodList\"")).then_some("no PodList in the answer")
        }
    };
    let worker = body
        .split_whitespace()
        .find_map(|w| w.strip_prefix("worker="))
        .unwrap_or_default()
        .trim_end_matches(':')
        .to_owned();
    Ok(Answer {
        status,
        served_by: served,
        worker,
        error: match wrong_body {
            Some(why) if status == 200 => why.into(),
            _ => String::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn config() -> rustls::ClientConfig {
        rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    }

    fn ask(server: SocketAddr) -> Result_ {
        let target = Target::Api { server };
        request(&target, API_PATH, Arc::new(config()), 0, Instant::now())
    }

    #[test]
    fn an_answer_is_whole_once_its_content_length_came() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        assert!(!whole(head));
        assert!(!whole(&[&head[..], b"abc"].concat()));
        assert!(whole(&[&head[..], b"abcde"].concat()));
        // Without a length, only the end of the connection ends it.
        assert!(!whole(b"HTTP/1.1 200 OK\r\n\r\nabc"));
    }

    #[test]
    fn a_refused_connection_is_sent_again_once() {
        let free = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let r = ask(free);
        assert!(r.retried && !r.ok, "{r:?}");
        assert!(r.error.starts_with("connect:"), "{r:?}");
    }

    #[test]
    fn a_timeout_is_never_sent_again() {
        // Accepts and never answers: the handshake's read times out (the
        // system says EAGAIN), once.
        let mute = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = mute.local_addr().unwrap();
        let accepted = std::thread::spawn(move || {
            mute.set_nonblocking(true).unwrap();
            let (mut held, mut n) = (Vec::new(), 0);
            let end = Instant::now() + ANSWER + Duration::from_millis(800);
            while Instant::now() < end {
                if let Ok((s, _)) = mute.accept() {
                    held.push(s);
                    n += 1;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            n
        });
        let r = ask(addr);
        assert!(!r.retried && !r.ok, "{r:?}");
        assert!(r.error.ends_with("timed out"), "{r:?}");
        assert!(r.latency_ms >= ANSWER.as_millis() as u64, "{r:?}");
        assert_eq!(accepted.join().unwrap(), 1);
    }
}
