//! A stand-in for the router in the cluster on a worker's NodePorts.
//! ingress-nginx and the Gateway API's implementations need a Kubernetes
//! cluster, which cannot run here; this small server does what the lab
//! needs of them, from the objects `ingressgen ingress` renders for each,
//! as the router would read them from the API:
//!
//! - ingress-nginx: the Ingress objects' rules (host → Service and port),
//!   served on its NodePort, which also answers `/healthz` 200 (HAProxy's
//!   health check);
//! - a Gateway API implementation: the HTTPRoutes attached to a Gateway
//!   of the same objects (hostnames → backendRef), served on the data
//!   plane's HTTP NodePort, and its readiness path on the health NodePort
//!   (Envoy's `/ready`; the only path that port answers).
//!
//! A routed request is answered with the worker's, the router's and the
//! backend's names (`worker=W router=R backend=NS/SERVICE:PORT`), so the
//! client sees the whole path; a host no rule names gets 404, as both
//! routers' defaults give.

use ingressgen::objects::Routes;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// The routes of a file `ingressgen ingress` wrote, read by `parse`.
pub fn routes_of(
    path: &std::path::Path,
    parse: fn(&[serde_yaml::Value]) -> Result<Routes, String>,
) -> Result<Routes, String> {
    let shown = path.display();
    let text = clikit::read_text(&path.to_string_lossy()).map_err(|e| format!("{shown}: {e}"))?;
    let docs = clikit::yaml::documents(&text).map_err(|e| format!("{shown}: {e}"))?;
    parse(&docs).map_err(|e| format!("{shown}: {e}"))
}

/// One router: its name, its routes, and the NodePorts it answers on.
#[derive(Debug, Clone)]
pub struct Router {
    /// ingress-nginx or gateway-api, as the answers name it.
    pub name: &'static str,
    /// Host → backend.
    pub routes: Routes,
    /// The NodePort requests come to.
    pub port: u16,
    /// The NodePort and path of its readiness check.
    pub health: (u16, String),
}

/// What one NodePort answers: a router's requests, a readiness path, or
/// both (ingress-nginx's `/healthz` is on its request port).
#[derive(Debug, Default)]
struct Port {
    router: Option<Arc<Router>>,
    health: Option<String>,
}

/// Each NodePort the routers answer on, and what it answers.
fn ports(routers: Vec<Router>) -> Result<BTreeMap<u16, Port>, String> {
    let mut ports: BTreeMap<u16, Port> = BTreeMap::new();
    for r in routers.into_iter().map(Arc::new) {
        let serves = ports.entry(r.port).or_default();
        if serves.router.is_some() {
            return Err(format!("two routers on NodePort {}", r.port));
        }
        serves.router = Some(Arc::clone(&r));
        let (port, path) = &r.health;
        ports.entry(*port).or_default().health = Some(path.clone());
    }
    Ok(ports)
}

/// Serves forever as worker `name`, every router on its NodePorts (all
/// bound before any is served, so a port taken fails the start).
pub fn serve(name: &str, routers: Vec<Router>) -> Result<(), String> {
    let mut bound = Vec::new();
    for (port, what) in ports(routers)? {
        let l = TcpListener::bind(("0.0.0.0", port)).map_err(|e| format!("port {port}: {e}"))?;
        bound.push((l, Arc::new(what)));
    }
    let name: Arc<str> = name.into();
    let threads: Vec<_> = bound
        .into_iter()
        .map(|(l, what)| {
            let name = Arc::clone(&name);
            std::thread::spawn(move || {
                for stream in l.incoming().flatten() {
                    let (name, what) = (Arc::clone(&name), Arc::clone(&what));
                    std::thread::spawn(move || {
                        let _ = answer(stream, &name, &what);
                    });
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    Ok(())
}

/// The longest request head read (a request line and headers).
const MAX_HEAD: u64 = 64 * 1024;

/// A request's path and Host (lowercased, without a port).
fn request(stream: &TcpStream) -> std::io::Result<(String, String)> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_HEAD));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut host = String::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("host")
        {
            let v = v.trim();
            host = v.split(':').next().unwrap_or(v).to_ascii_lowercase();
        }
    }
    Ok((path, host))
}

/// The status and body a listener gives a request for `path` on `host`.
fn reply(worker: &str, what: &Port, path: &str, host: &str) -> (&'static str, String) {
    if what.health.as_deref() == Some(path) {
        return ("200 OK", "ok\n".to_owned());
    }
    let Some(r) = &what.router else {
        return (
            "404 Not Found",
            format!("worker={worker}: no {path} here\n"),
        );
    };
    match r.routes.get(host) {
        Some(to) => (
            "200 OK",
            format!("worker={worker} router={} backend={to}\n", r.name),
        ),
        None => (
            "404 Not Found",
            format!("worker={worker}: {} has no route for {host}\n", r.name),
        ),
    }
}

fn answer(stream: TcpStream, worker: &str, what: &Port) -> std::io::Result<()> {
    let (path, host) = request(&stream)?;
    let (status, body) = reply(worker, what, &path, &host);
    let mut s = stream;
    write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ingressgen::objects::Backend;

    #[test]
    fn a_listener_answers_its_routes_and_its_readiness_path_only() {
        let a = Backend {
            namespace: "app-a".into(),
            service: "a-service".into(),
            port: 80,
        };
        let router = Router {
            name: "gateway-api",
            routes: [("alias.example".to_owned(), a)].into(),
            port: 31235,
            health: (31236, "/ready".into()),
        };
        let ports = super::ports(vec![router]).unwrap();
        let (http, health) = (&ports[&31235], &ports[&31236]);
        assert_eq!(
            reply("w1", http, "/", "alias.example"),
            (
                "200 OK",
                "worker=w1 router=gateway-api backend=app-a/a-service:80\n".into()
            )
        );
        assert_eq!(reply("w1", http, "/", "b.example").0, "404 Not Found");
        assert_eq!(reply("w1", http, "/ready", "x").0, "404 Not Found");
        assert_eq!(reply("w1", health, "/ready", "x").0, "200 OK");
        assert_eq!(reply("w1", health, "/", "a.example").0, "404 Not Found");
    }
}
