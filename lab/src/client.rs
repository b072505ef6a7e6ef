//! The client: a bounded stream of HTTPS requests through the VIP at a
//! fixed rate, every result recorded with the time it was sent: to the
//! services (HAProxy ends TLS, a worker answers), or to the Kubernetes API
//! as kubetool's admin.conf names it (a pod list from its server, the
//! VIP, with its client certificate, the server's certificate verified
//! for the VIP's address, as `kubectl get pods` does). A new
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
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
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
    fn asked(&self, i: u32) -> String {
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
    for c in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{ca}: {e}"))? {
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
        let host = target.asked(i);
        let (config, results, target) = (config.clone(), results.clone(), target.clone());
        handles.push(std::thread::spawn(move || {
            let t = at.as_millis() as u64;
            let attempt = || {
                one(&target, &host, config.clone()).unwrap_or_else(|error| Answer {
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
fn one(target: &Target, host: &str, config: Arc<rustls::ClientConfig>) -> Result<Answer, String> {
    let (addr, name, request) = match target {
        Target::Services { vip, .. } => (
            SocketAddr::new(*vip, 443),
            ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?,
            format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        ),
        Target::Api { server } => (
            *server,
            ServerName::IpAddress(server.ip().into()),
            format!("GET {host} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n"),
        ),
    };
    let began = Instant::now();
    let mut tcp =
        TcpStream::connect_timeout(&addr, CONNECT).map_err(|e| format!("connect: {e}"))?;
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
    let mut conn = rustls::ClientConnection::new(config, name).map_err(|e| e.to_string())?;
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    tls.write_all(request.as_bytes())
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
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let wrong_body = match target {
        Target::Services { .. } => (!body.contains("worker=")).then_some("no worker in the answer"),
        Target::Api { .. } => {
            (!body.contains("\"kind\":\"PodList\"")).then_some("no PodList in the answer")
        }
    };
    Ok(Answer {
        status,
        served_by: served,
        error: match wrong_body {
            Some(why) if status == 200 => why.into(),
            _ => String::new(),
        },
        syn_resent,
    })
}
