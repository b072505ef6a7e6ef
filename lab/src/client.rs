//! The client: a bounded stream of HTTPS requests through the VIP at a
//! fixed rate, every result recorded with the time it was sent. A new
//! connection per request (as many clients make), so a VIP that moves is
//! seen at once. The connection gets [`CONNECT`]: long enough for the one
//! SYN retransmission every TCP stack makes after 1 s (Linux's initial
//! RTO), so a SYN lost at the instant a VIP moves (sent to the old holder
//! after it let the address go, before the new holder's gratuitous ARP
//! arrived) costs a second, as it does any real client, not the request.
//! Handshake and answer then get [`ANSWER`]. A GET whose connection was
//! reset or refused before any answer is retried once at once, as browsers
//! and HTTP clients retry an idempotent request (RFC 9110, 9.2.2); a
//! timeout is not retried. The result says whether either retry happened.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a connection may take: TCP's first SYN retransmission (after
/// 1 s) and its answer.
pub const CONNECT: Duration = Duration::from_millis(1500);
/// How long the handshake and the answer may take, once connected.
pub const ANSWER: Duration = Duration::from_secs(1);
/// A connection that took this long had its SYN sent again.
const SYN_RESENT: Duration = Duration::from_millis(900);

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
    /// Whether it was sent a second time after a reset connection, or its
    /// SYN was.
    #[serde(default)]
    pub retried: bool,
}

/// Runs the stream: `rate` requests a second for `seconds`, to `vip`:443,
/// cycling over `hosts`; returns every result, in sending order.
pub fn stream(
    vip: IpAddr,
    hosts: &[String],
    ca: &str,
    rate: u32,
    seconds: u32,
) -> Result<Vec<Result_>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{ca}: {e}"))? {
        roots
            .add(c.map_err(|e| format!("{ca}: {e}"))?)
            .map_err(|e| format!("{ca}: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let config = Arc::new(config);
    let results = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let total = rate * seconds;
    let mut handles = Vec::new();
    for i in 0..total {
        let at = Duration::from_secs_f64(f64::from(i) / f64::from(rate));
        if let Some(wait) = at.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
        let host = hosts[i as usize % hosts.len()].clone();
        let (config, results) = (config.clone(), results.clone());
        handles.push(std::thread::spawn(move || {
            let t = at.as_millis() as u64;
            let attempt = || {
                one(vip, &host, config.clone()).unwrap_or_else(|error| Answer {
                    error,
                    ..Answer::default()
                })
            };
            let mut a = attempt();
            let again = a.status == 0 && !a.error.contains("timed out") && !a.error.is_empty();
            if again {
                a = attempt();
            }
            results.lock().expect("results").push(Result_ {
                t,
                host,
                ok: a.status == 200 && a.error.is_empty(),
                status: a.status,
                served_by: a.served_by,
                error: a.error,
                retried: again || a.syn_resent,
            });
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    let mut out = std::mem::take(&mut *results.lock().expect("results"));
    out.sort_by_key(|r| r.t);
    Ok(out)
}

/// What one attempt got.
#[derive(Default)]
struct Answer {
    /// The HTTP status, 0 when none came.
    status: u16,
    /// X-Served-By.
    served_by: String,
    /// Why it failed, if it did.
    error: String,
    /// Whether TCP sent the SYN again before the connection was made.
    syn_resent: bool,
}

/// One request; `Err` when no answer came.
fn one(vip: IpAddr, host: &str, config: Arc<rustls::ClientConfig>) -> Result<Answer, String> {
    let began = Instant::now();
    let mut tcp = TcpStream::connect_timeout(&SocketAddr::new(vip, 443), CONNECT)
        .map_err(|e| format!("connect: {e}"))?;
    let syn_resent = began.elapsed() >= SYN_RESENT;
    let deadline = Instant::now() + ANSWER;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    tcp.set_read_timeout(Some(left()))
        .map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(left()))
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?;
    let mut conn = rustls::ClientConnection::new(config, name).map_err(|e| e.to_string())?;
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    write!(
        tls,
        "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if Instant::now() >= deadline {
            return Err("timed out".into());
        }
        tls.sock
            .set_read_timeout(Some(left()))
            .map_err(|e| e.to_string())?;
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e)
                if raw.windows(4).any(|w| w == b"\r\n\r\n")
                    && e.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                break;
            }
            Err(e) => return Err(format!("read: {e}")),
        }
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
    let body_ok = text.contains("worker=");
    Ok(Answer {
        status,
        served_by: served,
        error: if status == 200 && !body_ok {
            "no worker in the answer".into()
        } else {
            String::new()
        },
        syn_resent,
    })
}
