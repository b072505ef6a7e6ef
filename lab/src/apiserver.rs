//! A stand-in for kube-apiserver on a master. kube-apiserver needs etcd's
//! data, container images and a kubelet, which cannot run here; this small
//! server does what the control path asks of it, the way kube-apiserver
//! does it:
//!
//! - TLS with the certificate and key kubetool's kubeadm tree gives the
//!   master (`pki/apiserver.crt`), so a client verifies the very names and
//!   addresses a site's clients verify.
//! - Client certificates checked against the cluster CA during the
//!   handshake: a certificate from another CA, or expired, is refused.
//!   A client without one is anonymous and, as kube-apiserver's
//!   `system:public-info-viewer` role allows, reads only `/readyz`,
//!   `/livez`, `/healthz` and `/version` (403 elsewhere).
//! - `/readyz`, `/livez`, `/healthz` answer `ok`; `/version` a version
//!   document; any other path (a resource, for an authenticated client)
//!   an empty list; a request with `watch=` in its query is a watch: the
//!   headers at once, then silence until its `timeoutSeconds`, then the
//!   end of the stream (an idle watch, as a quiet cluster sends).
//!
//! Its state file says how it behaves, read at every request: `ready`
//! (or no file); `draining` (`/readyz` answers 500 while everything else
//! is served, as kube-apiserver does for its `--shutdown-delay-duration`
//! before it stops); `unready` (`/readyz` and every resource answer 500,
//! as kube-apiserver does when it has lost etcd); or `hang` (accepts and
//! never answers).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What the stand-in is told to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answer as a healthy API server.
    Ready,
    /// `/readyz` answers 500; the rest as usual (shutting down gracefully).
    Draining,
    /// `/readyz` and every resource answer 500 (etcd lost).
    Unready,
    /// Accept connections and never answer.
    Hang,
}

impl Mode {
    /// The mode a state file's text names (`ready` for anything else).
    pub fn of(text: &str) -> Mode {
        match text.trim() {
            "draining" => Mode::Draining,
            "unready" => Mode::Unready,
            "hang" => Mode::Hang,
            _ => Mode::Ready,
        }
    }

    /// The word a state file holds.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Ready => "ready",
            Mode::Draining => "draining",
            Mode::Unready => "unready",
            Mode::Hang => "hang",
        }
    }
}

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// The address and port (the master's own, as `--bind-address`).
    pub listen: SocketAddr,
    /// The serving certificate chain (PEM).
    pub cert: PathBuf,
    /// Its key (PEM).
    pub key: PathBuf,
    /// The CA client certificates must chain to (the cluster CA).
    pub client_ca: PathBuf,
    /// The state file.
    pub state: PathBuf,
    /// The name in `/version`'s `platform` (the master), so a client can
    /// tell who answered.
    pub name: String,
}

fn tls_config(o: &Options) -> Result<rustls::ServerConfig, String> {
    let at = |p: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", p.display());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&o.client_ca).map_err(|e| at(&o.client_ca, &e))? {
        roots
            .add(c.map_err(|e| at(&o.client_ca, &e))?)
            .map_err(|e| at(&o.client_ca, &e))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| at(&o.client_ca, &e))?;
    let chain: Vec<CertificateDer> = CertificateDer::pem_file_iter(&o.cert)
        .map_err(|e| at(&o.cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| at(&o.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&o.key).map_err(|e| at(&o.key, &e))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| at(&o.cert, &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Serves forever.
pub fn serve(o: &Options) -> Result<(), String> {
    let config = Arc::new(tls_config(o)?);
    let listener = TcpListener::bind(o.listen).map_err(|e| format!("{}: {e}", o.listen))?;
    for stream in listener.incoming().flatten() {
        let (config, o) = (Arc::clone(&config), o.clone());
        std::thread::spawn(move || {
            let _ = connection(stream, config, &o);
        });
    }
    Ok(())
}

/// The request line's target, whether a client certificate was given,
/// and whether the client asked to close the connection after it.
struct Request {
    target: String,
    authenticated: bool,
    close: bool,
}

fn connection(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    o: &Options,
) -> std::io::Result<()> {
    let mode = || Mode::of(&std::fs::read_to_string(&o.state).unwrap_or_default());
    if mode() == Mode::Hang {
        // Held open, never answered, until the client gives up.
        tcp.set_read_timeout(Some(Duration::from_secs(600)))?;
        let _ = std::io::copy(&mut &tcp, &mut std::io::sink());
        return Ok(());
    }
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut reader = BufReader::new(&mut tls);
    loop {
        let Some((target, close)) = request_line(&mut reader)? else {
            return Ok(());
        };
        let authenticated = reader.get_ref().conn.peer_certificates().is_some();
        let req = Request {
            target,
            authenticated,
            close,
        };
        let stream = reader.get_mut();
        if !answer(stream, &req, mode(), o)? || req.close {
            stream.conn.send_close_notify();
            let _ = stream.flush();
            return Ok(());
        }
    }
}

/// Reads one request's line and headers: its target, and whether it asks
/// to close the connection after the answer; `None` at the end of the
/// connection.
fn request_line(reader: &mut impl BufRead) -> std::io::Result<Option<(String, bool)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut close = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            close |= k.trim().eq_ignore_ascii_case("connection")
                && v.trim().eq_ignore_ascii_case("close");
        }
    }
    Ok(Some((target, close)))
}

/// The paths anonymous clients may read (system:public-info-viewer).
const PUBLIC: &[&str] = &["/readyz", "/livez", "/healthz", "/version"];

/// Answers one request; whether the connection stays open for another.
fn answer(s: &mut impl Write, req: &Request, mode: Mode, o: &Options) -> std::io::Result<bool> {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    if !req.authenticated && !PUBLIC.contains(&path) {
        let body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403}\n";
        respond(s, "403 Forbidden", "application/json", body)?;
        return Ok(true);
    }
    if let Some(seconds) = watch_timeout(query) {
        watch(s, seconds)?;
        return Ok(false);
    }
    let unready = matches!(mode, Mode::Unready | Mode::Draining);
    match path {
        "/readyz" if unready => respond(
            s,
            "500 Internal Server Error",
            "text/plain",
            "[-]shutdown failed: reason withheld\nreadyz check failed\n",
        )?,
        "/readyz" | "/livez" | "/healthz" => respond(s, "200 OK", "text/plain", "ok")?,
        "/version" => {
            let body = format!(
                "{{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.2\",\"platform\":\"lab/{}\"}}\n",
                o.name
            );
            respond(s, "200 OK", "application/json", &body)?
        }
        _ if mode == Mode::Unready => respond(
            s,
            "500 Internal Server Error",
            "application/json",
            "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"etcdserver: request timed out\",\"code\":500}\n",
        )?,
        _ => respond(
            s,
            "200 OK",
            "application/json",
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[]}\n",
        )?,
    }
    Ok(true)
}

/// A watch's `timeoutSeconds` (a watch without one ends after an hour, as
/// kube-apiserver's longest).
fn watch_timeout(query: &str) -> Option<u64> {
    let params: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    params
        .iter()
        .any(|(k, v)| *k == "watch" && (*v == "1" || *v == "true"))
        .then(|| {
            params
                .iter()
                .find(|(k, _)| *k == "timeoutSeconds")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(3600)
        })
}

/// An idle watch: the headers, silence for `seconds`, then the end.
fn watch(s: &mut impl Write, seconds: u64) -> std::io::Result<()> {
    write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )?;
    s.flush()?;
    std::thread::sleep(Duration::from_secs(seconds));
    write!(s, "0\r\n\r\n")?;
    s.flush()
}

fn respond(s: &mut impl Write, status: &str, kind: &str, body: &str) -> std::io::Result<()> {
    write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    s.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_file_names_the_mode_and_anything_else_is_ready() {
        for m in [Mode::Ready, Mode::Draining, Mode::Unready, Mode::Hang] {
            assert_eq!(Mode::of(&format!("{}\n", m.word())), m);
        }
        assert_eq!(Mode::of(""), Mode::Ready);
        assert_eq!(Mode::of("sleepy"), Mode::Ready);
    }

    #[test]
    fn a_watch_is_a_query_with_watch_set() {
        assert_eq!(watch_timeout("watch=1&timeoutSeconds=310"), Some(310));
        assert_eq!(watch_timeout("watch=true"), Some(3600));
        assert_eq!(watch_timeout("watch=false&timeoutSeconds=5"), None);
        assert_eq!(watch_timeout(""), None);
    }
}
