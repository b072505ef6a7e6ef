//! The services file: the `workers` and `ingress` parts of the cluster file
//! (`examples/ocf/cluster.yaml`), read strictly and checked as a whole.
//!
//! Unknown fields are errors, so a typo cannot pass silently. The other
//! tools' parts of the cluster file (`cluster`, `masters`, `vip`) are
//! allowed and left to them. Every name is checked by [`crate::names`];
//! every list comes out sorted, so the order of the file never changes an
//! output.

use crate::names;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor, value::MapAccessDeserializer};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The site's ingress NodePort.
pub const DEFAULT_NODE_PORT: u16 = 31234;
/// The lowest and highest port of Kubernetes' default NodePort range.
pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);
/// At most this many alternate domains: each is a word on one HAProxy line,
/// and HAProxy allows 64 words per line.
pub const MAX_ALTERNATE_DOMAINS: usize = 16;

/// A validated services file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The canonical domain; every service is `<name>.<domain>`.
    pub domain: String,
    /// Domains redirected to the canonical one (`x.ocf.io` to
    /// `x.ocf.berkeley.edu`), sorted.
    pub alternate_domains: Vec<String>,
    /// The PEM bundle (certificate chain and key) HAProxy serves.
    pub tls_bundle: String,
    /// The ingress-nginx NodePort on every worker.
    pub node_port: u16,
    /// What HAProxy asks each worker for to see it is healthy.
    pub health_path: String,
    /// The `ingressClassName` of every Ingress.
    pub ingress_class: String,
    /// The routed suffix a service's dev host lives under.
    pub dev_suffix: String,
    /// The workers, sorted by name.
    pub workers: Vec<Worker>,
    /// Services served over TLS, sorted by name.
    pub services: Vec<Service>,
    /// Services served on the internal plain-HTTP port only, sorted.
    pub internal_services: Vec<Service>,
    /// `*.<suffix>.<domain>` goes to the cluster over TLS; sorted.
    pub routed_suffixes: Vec<String>,
    /// `*.<suffix>.<domain>` goes to the cluster on the internal port.
    pub internal_suffixes: Vec<String>,
    /// Where HAProxy listens.
    pub haproxy: Listen,
}

/// A worker node: HAProxy sends traffic to its NodePort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worker {
    /// Its name (the HAProxy server name).
    pub name: String,
    /// Its IPv4 address: the backend address and an `externalIP`.
    pub ipv4: Ipv4Addr,
    /// Its IPv6 address, if it has one.
    pub ipv6: Option<Ipv6Addr>,
}

/// A service in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Its name under the domain (one or more labels).
    pub name: String,
    /// Other names under the domain that redirect to it, sorted.
    pub aliases: Vec<String>,
    /// The Kubernetes Service its Ingress routes to, if not the default
    /// (see [`Service::service`]).
    pub service_name: Option<String>,
    /// That Service's port.
    pub port: u16,
    /// The namespace of the Service and the Ingress, if not the default
    /// (see [`Service::namespace`]).
    pub namespace_name: Option<String>,
    /// Whether its Ingress also answers `<name>.<dev_suffix>.<domain>`.
    pub dev: bool,
}

/// HAProxy's listening sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// Addresses every public frontend binds (`0.0.0.0` and `::` by
    /// default: the VIP can move here at any time).
    pub bind: Vec<IpAddr>,
    /// Plain HTTP (redirects only).
    pub http_port: u16,
    /// HTTPS.
    pub https_port: u16,
    /// Internal plain HTTP.
    pub internal_port: u16,
    /// The monitor endpoint's socket.
    pub monitor: SocketAddr,
    /// The monitor endpoint's path.
    pub monitor_path: String,
    /// The global connection limit.
    pub maxconn: u32,
}

impl Service {
    /// The Kubernetes Service: as given, else `<name>-service` with the
    /// dots of a multi-label name turned into `-` (the site's default).
    pub fn service(&self) -> String {
        match &self.service_name {
            Some(s) => s.clone(),
            None => format!("{}-service", self.name.replace('.', "-")),
        }
    }

    /// The namespace: as given, else `app-<name>` with dots turned into `-`.
    pub fn namespace(&self) -> String {
        match &self.namespace_name {
            Some(s) => s.clone(),
            None => format!("app-{}", self.name.replace('.', "-")),
        }
    }
}

impl Site {
    /// `<name>.<domain>`.
    pub fn host(&self, name: &str) -> String {
        format!("{name}.{}", self.domain)
    }

    /// Every service, internal ones included, sorted by name.
    pub fn all_services(&self) -> Vec<&Service> {
        let mut v: Vec<&Service> = self
            .services
            .iter()
            .chain(&self.internal_services)
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

// ---- the file as written -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    // Other tools' parts of the cluster file.
    #[serde(rename = "cluster", default)]
    _cluster: Option<IgnoredAny>,
    #[serde(rename = "masters", default)]
    _masters: Option<IgnoredAny>,
    #[serde(rename = "vip", default)]
    _vip: Option<IgnoredAny>,
    workers: Option<Vec<RawWorker>>,
    ingress: Option<RawIngress>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorker {
    name: String,
    ipv4: String,
    ipv6: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIngress {
    domain: String,
    #[serde(default)]
    alternate_domains: Vec<String>,
    tls_bundle: String,
    node_port: Option<i64>,
    health_path: Option<String>,
    ingress_class: Option<String>,
    dev_suffix: Option<String>,
    services: Vec<RawService>,
    #[serde(default)]
    internal_services: Vec<RawService>,
    #[serde(default)]
    routed_suffixes: Vec<String>,
    #[serde(default)]
    internal_suffixes: Vec<String>,
    #[serde(default)]
    haproxy: RawListen,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawListen {
    bind: Option<Vec<String>>,
    http_port: Option<i64>,
    https_port: Option<i64>,
    internal_port: Option<i64>,
    monitor: Option<String>,
    monitor_path: Option<String>,
    maxconn: Option<i64>,
}

/// A service: a bare name, or a map.
#[derive(Default)]
struct RawService {
    name: String,
    aliases: Vec<String>,
    service: Option<String>,
    port: Option<i64>,
    namespace: Option<String>,
    dev: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServiceMap {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    service: Option<String>,
    port: Option<i64>,
    namespace: Option<String>,
    #[serde(default)]
    dev: bool,
}

impl<'de> Deserialize<'de> for RawService {
    // By hand rather than `untagged`: the common case (a bare name) stays
    // cheap at 50,000 services, and a bad map keeps serde's precise message
    // (`unknown field "aliasses"`) instead of "did not match any variant".
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawService;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a service name, or a map with name and optionally aliases, service, port, namespace, dev")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawService, E> {
                Ok(RawService {
                    name: v.to_owned(),
                    ..RawService::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawService, A::Error> {
                let m = RawServiceMap::deserialize(MapAccessDeserializer::new(map))?;
                Ok(RawService {
                    name: m.name,
                    aliases: m.aliases,
                    service: m.service,
                    port: m.port,
                    namespace: m.namespace,
                    dev: m.dev,
                })
            }
        }
        d.deserialize_any(V)
    }
}

// ---- checking ------------------------------------------------------------

/// Parses and checks a services file. `Err` is one message that names the
/// field (and for YAML errors the line) and says what to do.
pub fn parse(text: &str) -> Result<Site, String> {
    let raw: RawFile = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let workers = raw.workers.ok_or(
        "no `workers` list; ingressgen routes to the ingress NodePort of every worker, so list them (name, ipv4)",
    )?;
    let ing = raw
        .ingress
        .ok_or("no `ingress` section; it gives the domain, the TLS bundle and the services")?;
    let domain = name_at("ingress.domain", &ing.domain)?;
    let mut alternate_domains = Vec::new();
    for (i, d) in ing.alternate_domains.iter().enumerate() {
        let field = format!("ingress.alternate_domains[{i}]");
        let d = name_at(&field, d)?;
        if d == domain || d.ends_with(&format!(".{domain}")) || domain.ends_with(&format!(".{d}")) {
            return Err(format!(
                "{field}: {d:?} overlaps the canonical domain {domain:?}; an alternate domain must be a separate domain"
            ));
        }
        if alternate_domains.contains(&d) {
            return Err(format!("{field}: {d:?} is listed twice; remove one"));
        }
        alternate_domains.push(d);
    }
    if alternate_domains.len() > MAX_ALTERNATE_DOMAINS {
        return Err(format!(
            "ingress.alternate_domains: {} domains; at most {MAX_ALTERNATE_DOMAINS} fit HAProxy's line limit",
            alternate_domains.len()
        ));
    }
    alternate_domains.sort();
    names::config_path(&ing.tls_bundle).map_err(|e| format!("ingress.tls_bundle: {e}"))?;
    let node_port = match ing.node_port {
        None => DEFAULT_NODE_PORT,
        Some(p) => {
            let (lo, hi) = NODE_PORT_RANGE;
            if !(i64::from(lo)..=i64::from(hi)).contains(&p) {
                return Err(format!(
                    "ingress.node_port: {p} is out of range; a NodePort is {lo}-{hi} (Kubernetes' default range)"
                ));
            }
            p as u16
        }
    };
    let health_path = ing.health_path.unwrap_or_else(|| "/healthz".into());
    names::url_path(&health_path).map_err(|e| format!("ingress.health_path: {e}"))?;
    let ingress_class = ing.ingress_class.unwrap_or_else(|| "nginx".into());
    names::dns_name(&ingress_class).map_err(|e| format!("ingress.ingress_class: {e}"))?;
    let dev_suffix = ing.dev_suffix.unwrap_or_else(|| "dev-kubernetes".into());
    names::dns_name(&dev_suffix).map_err(|e| format!("ingress.dev_suffix: {e}"))?;

    let workers = check_workers(workers)?;
    let routed_suffixes = name_list("ingress.routed_suffixes", &ing.routed_suffixes, &domain)?;
    let internal_suffixes =
        name_list("ingress.internal_suffixes", &ing.internal_suffixes, &domain)?;

    let services = check_services("ingress.services", ing.services, &domain)?;
    let internal_services =
        check_services("ingress.internal_services", ing.internal_services, &domain)?;
    // The internal port only routes: it has no redirects and no dev hosts.
    for (i, s) in internal_services.iter().enumerate() {
        if !s.aliases.is_empty() || s.dev {
            return Err(format!(
                "ingress.internal_services[{i}] ({}): aliases and dev are for services served over TLS; the internal port neither redirects nor has dev hosts, so list each name as an internal service of its own",
                s.name
            ));
        }
    }
    all_different(&services, &internal_services)?;
    let sorted = |mut v: Vec<Service>| {
        for s in &mut v {
            s.aliases.sort();
        }
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    };
    let (services, internal_services) = (sorted(services), sorted(internal_services));
    if services.is_empty() && internal_services.is_empty() {
        return Err("ingress.services: the list is empty; give at least one service".into());
    }
    for s in &services {
        if s.dev && !routed_suffixes.contains(&dev_suffix) {
            return Err(format!(
                "ingress.services ({}): dev is set, but the dev suffix {dev_suffix:?} is not in ingress.routed_suffixes, so HAProxy would not route {:?}; add it there (or set ingress.dev_suffix)",
                s.name,
                format!("{}.{dev_suffix}.{domain}", s.name)
            ));
        }
    }
    let haproxy = check_listen(ing.haproxy)?;
    Ok(Site {
        domain,
        alternate_domains,
        tls_bundle: ing.tls_bundle,
        node_port,
        health_path,
        ingress_class,
        dev_suffix,
        workers,
        services,
        internal_services,
        routed_suffixes,
        internal_suffixes,
        haproxy,
    })
}

fn name_at(field: &str, s: &str) -> Result<String, String> {
    names::dns_name(s).map_err(|e| format!("{field}: {e}"))?;
    Ok(s.to_owned())
}

/// A sorted list of distinct names whose hosts fit under the domain.
fn name_list(field: &str, list: &[String], domain: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let f = format!("{field}[{i}]");
        name_at(&f, s)?;
        host_fits(s, domain).map_err(|e| format!("{f}: {e}"))?;
        if out.contains(s) {
            return Err(format!("{f}: {s:?} is listed twice; remove one"));
        }
        out.push(s.clone());
    }
    out.sort();
    Ok(out)
}

fn host_fits(name: &str, domain: &str) -> Result<(), String> {
    let len = name.len() + 1 + domain.len();
    if len > names::MAX_NAME {
        return Err(format!(
            "{name:?} under {domain:?} makes a host of {len} characters; a DNS name has at most {}",
            names::MAX_NAME
        ));
    }
    Ok(())
}

fn check_workers(raw: Vec<RawWorker>) -> Result<Vec<Worker>, String> {
    if raw.is_empty() {
        return Err(
            "workers: the list is empty; HAProxy needs at least one worker to send traffic to"
                .into(),
        );
    }
    let mut out: Vec<Worker> = Vec::new();
    for (i, w) in raw.into_iter().enumerate() {
        let f = format!("workers[{i}]");
        names::dns_label(&w.name).map_err(|e| format!("{f}.name: {e}"))?;
        let ipv4: Ipv4Addr = w.ipv4.parse().map_err(|_| {
            format!(
                "{f}.ipv4: {:?} is not an IPv4 address (such as 192.0.2.81)",
                w.ipv4
            )
        })?;
        let ipv6 = match &w.ipv6 {
            None => None,
            Some(s) => Some(s.parse::<Ipv6Addr>().map_err(|_| {
                format!("{f}.ipv6: {s:?} is not an IPv6 address (such as 2001:db8::81)")
            })?),
        };
        if let Some(o) = out.iter().find(|o| o.name == w.name) {
            return Err(format!(
                "{f}.name: {:?} is listed twice; worker names must differ",
                o.name
            ));
        }
        if let Some(o) = out.iter().find(|o| o.ipv4 == ipv4) {
            return Err(format!(
                "{f}.ipv4: {ipv4} is also the address of {}; each worker has its own",
                o.name
            ));
        }
        out.push(Worker {
            name: w.name,
            ipv4,
            ipv6,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn check_services(
    field: &'static str,
    raw: Vec<RawService>,
    domain: &str,
) -> Result<Vec<Service>, String> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        // Field paths are made only for a message: at 50,000 services the
        // happy path allocates nothing it does not keep.
        let at = format_args!("{field}[{i}]");
        names::dns_name(&r.name).map_err(|e| format!("{at}: {e}"))?;
        host_fits(&r.name, domain).map_err(|e| format!("{at}: {e}"))?;
        for (j, a) in r.aliases.iter().enumerate() {
            let fa = || format!("{field}[{i}].aliases[{j}]");
            names::dns_name(a).map_err(|e| format!("{}: {e}", fa()))?;
            host_fits(a, domain).map_err(|e| format!("{}: {e}", fa()))?;
        }
        // The defaults (app-<name>, <name>-service) are made when used;
        // here they are only checked. The name is already DNS labels, so
        // with its dots made '-' it is one label: only its length and (for
        // a Service) its first character can be wrong.
        let named = |what: &str, e: String| {
            format!(
                "{at}.{what}: {e}; set `{what}:` for {:?} to a valid name",
                r.name
            )
        };
        let flat = || r.name.replace('.', "-");
        match &r.service {
            Some(svc) => names::service_name(svc).map_err(|e| named("service", e))?,
            None if r.name.len() + "-service".len() > names::MAX_LABEL
                || !r.name.starts_with(|c: char| c.is_ascii_lowercase()) =>
            {
                let e = names::service_name(&format!("{}-service", flat()));
                return Err(named("service", e.expect_err("an invalid default")));
            }
            None => {}
        }
        match &r.namespace {
            Some(ns) => names::dns_label(ns).map_err(|e| named("namespace", e))?,
            None if "app-".len() + r.name.len() > names::MAX_LABEL => {
                let e = names::dns_label(&format!("app-{}", flat()));
                return Err(named("namespace", e.expect_err("an invalid default")));
            }
            None => {}
        }
        let port = match r.port {
            None => 80,
            Some(p) => port(&format!("{at}.port"), p)?,
        };
        out.push(Service {
            name: r.name,
            aliases: r.aliases,
            service_name: r.service,
            port,
            namespace_name: r.namespace,
            dev: r.dev,
        });
    }
    Ok(out)
}

/// Which entry of the file uses a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Owner {
    // Field order is the order of claims: service names before aliases,
    // TLS services before internal ones, then as listed.
    is_alias: bool,
    internal: bool,
    index: usize,
    alias: usize,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = if self.internal {
            "ingress.internal_services"
        } else {
            "ingress.services"
        };
        write!(f, "{list}[{}]", self.index)?;
        if self.is_alias {
            write!(f, ".aliases[{}]", self.alias)?;
        }
        Ok(())
    }
}

/// Every name under the domain (service, internal service, alias) is one
/// host, so all must differ. Sorting finds the clashes without a copy of
/// any name; the entry that comes later in claim order is the one named.
fn all_different(services: &[Service], internal: &[Service]) -> Result<(), String> {
    let mut all: Vec<(&str, Owner)> = Vec::with_capacity(services.len() + internal.len());
    for (is_internal, list) in [(false, services), (true, internal)] {
        for (i, s) in list.iter().enumerate() {
            let owner = |is_alias, alias| Owner {
                is_alias,
                internal: is_internal,
                index: i,
                alias,
            };
            all.push((&s.name, owner(false, 0)));
            for (j, a) in s.aliases.iter().enumerate() {
                all.push((a, owner(true, j)));
            }
        }
    }
    all.sort_unstable();
    match all.windows(2).find(|w| w[0].0 == w[1].0) {
        None => Ok(()),
        Some(w) => Err(format!(
            "{}: {:?} is already used by {}; every service, internal service and alias needs a name of its own",
            w[1].1, w[1].0, w[0].1
        )),
    }
}

fn port(field: &str, p: i64) -> Result<u16, String> {
    if (1..=65535).contains(&p) {
        Ok(p as u16)
    } else {
        Err(format!("{field}: {p} is out of range; a port is 1-65535"))
    }
}

fn check_listen(raw: RawListen) -> Result<Listen, String> {
    let bind = match raw.bind {
        None => vec![
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        ],
        Some(list) => {
            let mut out = Vec::new();
            for (i, s) in list.iter().enumerate() {
                let a: IpAddr = s.parse().map_err(|_| {
                    format!(
                        "ingress.haproxy.bind[{i}]: {s:?} is not an IP address (0.0.0.0 and :: mean every address)"
                    )
                })?;
                if out.contains(&a) {
                    return Err(format!("ingress.haproxy.bind[{i}]: {a} is listed twice"));
                }
                out.push(a);
            }
            if out.is_empty() {
                return Err("ingress.haproxy.bind: the list is empty; give the addresses to listen on, or leave it out for all".into());
            }
            out
        }
    };
    let get = |field: &str, v: Option<i64>, default: u16| match v {
        None => Ok(default),
        Some(p) => port(&format!("ingress.haproxy.{field}"), p),
    };
    let http_port = get("http_port", raw.http_port, 80)?;
    let https_port = get("https_port", raw.https_port, 443)?;
    let internal_port = get("internal_port", raw.internal_port, 4080)?;
    let monitor: SocketAddr = match &raw.monitor {
        None => "127.0.0.1:8404".parse().expect("a socket address"),
        Some(s) => s.parse().map_err(|_| {
            format!(
                "ingress.haproxy.monitor: {s:?} is not ADDRESS:PORT (such as 127.0.0.1:8404 or [::1]:8404)"
            )
        })?,
    };
    if monitor.port() == 0 {
        return Err("ingress.haproxy.monitor: port 0 is out of range; a port is 1-65535".into());
    }
    let ports = [
        ("http_port", http_port),
        ("https_port", https_port),
        ("internal_port", internal_port),
    ];
    for (i, (a, pa)) in ports.iter().enumerate() {
        for (b, pb) in &ports[i + 1..] {
            if pa == pb {
                return Err(format!(
                    "ingress.haproxy.{b}: {pb} is also {a}; each frontend needs its own port"
                ));
            }
        }
        if *pa == monitor.port()
            && bind
                .iter()
                .any(|b| b.is_unspecified() || *b == monitor.ip())
        {
            return Err(format!(
                "ingress.haproxy.monitor: port {pa} is also {a}; give the monitor its own port"
            ));
        }
    }
    let monitor_path = raw.monitor_path.unwrap_or_else(|| "/healthz".into());
    names::url_path(&monitor_path).map_err(|e| format!("ingress.haproxy.monitor_path: {e}"))?;
    let maxconn = match raw.maxconn {
        None => 4000,
        Some(n) if (1..=1_000_000).contains(&n) => n as u32,
        Some(n) => {
            return Err(format!(
                "ingress.haproxy.maxconn: {n} is out of range; give 1-1000000"
            ));
        }
    };
    Ok(Listen {
        bind,
        http_port,
        https_port,
        internal_port,
        monitor,
        monitor_path,
        maxconn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "\
workers:
  - {name: riptide, ipv4: 192.0.2.81}
ingress:
  domain: ocf.berkeley.edu
  tls_bundle: /etc/ssl/private/lb.pem
  services: [templates]
";

    fn with(extra_services: &str) -> String {
        MINIMAL.replace("services: [templates]", extra_services)
    }

    #[test]
    fn defaults_follow_the_site() {
        let s = parse(MINIMAL).unwrap();
        assert_eq!(s.node_port, 31234);
        assert_eq!(s.health_path, "/healthz");
        assert_eq!(s.ingress_class, "nginx");
        let t = &s.services[0];
        assert_eq!(
            (t.service().as_str(), t.port, t.namespace().as_str()),
            ("templates-service", 80, "app-templates")
        );
        assert_eq!(s.haproxy.bind.len(), 2);
        assert_eq!(
            (
                s.haproxy.http_port,
                s.haproxy.https_port,
                s.haproxy.internal_port
            ),
            (80, 443, 4080)
        );
    }

    #[test]
    fn a_multi_label_name_gets_label_safe_kubernetes_names() {
        let s = parse(&with("services: [slidingsync.matrix]")).unwrap();
        let t = &s.services[0];
        assert_eq!(t.service(), "slidingsync-matrix-service");
        assert_eq!(t.namespace(), "app-slidingsync-matrix");
    }

    #[test]
    fn maps_give_the_kubernetes_side_explicitly_and_lists_come_out_sorted() {
        let s = parse(&with(
            "services:\n    - zeta\n    - {name: pma, aliases: [phpmyadmin, db], service: phpmyadmin, port: 8080, namespace: tools}\n",
        ))
        .unwrap();
        assert_eq!(s.services[0].name, "pma");
        assert_eq!(s.services[0].aliases, ["db", "phpmyadmin"]);
        assert_eq!(s.services[0].port, 8080);
        assert_eq!(s.services[0].namespace(), "tools");
        assert_eq!(s.services[0].service(), "phpmyadmin");
        assert_eq!(s.services[1].name, "zeta");
    }

    #[test]
    fn every_mistake_names_its_field() {
        let cases: &[(&str, &str)] = &[
            (
                "services: [templates, templates]",
                "ingress.services[1]: \"templates\" is already used by ingress.services[0]",
            ),
            (
                "services: [\"foo bar\"]",
                "ingress.services[0]: \"foo bar\" has ' '",
            ),
            ("services: [\"a#b\"]", "'#'"),
            ("services: [\"a{b\"]", "'{'"),
            ("services: [\"a\\nb\"]", "'\\n'"),
            (
                "services: [{name: pma, aliases: [pma]}]",
                "ingress.services[0].aliases[0]: \"pma\" is already used by ingress.services[0]",
            ),
            (
                "services: [rt, {name: x, aliases: [rt]}]",
                "ingress.services[1].aliases[0]: \"rt\" is already used",
            ),
            (
                "services: [{name: x, port: 70000}]",
                "ingress.services[0].port: 70000 is out of range",
            ),
            ("services: [{name: x, port: 0}]", "out of range"),
            (
                "services: [{name: x, aliasses: [y]}]",
                "unknown field `aliasses`",
            ),
            (
                "services: [{name: x, service: X_svc}]",
                "ingress.services[0].service",
            ),
            (
                "services: [1password]",
                "ingress.services[0].service: \"1password-service\" does not start with a letter",
            ),
            ("services: []", "the list is empty"),
            (
                "services: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax]",
                "ingress.services[0].service: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" has a label of 64 characters",
            ),
            (
                "services: [{name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax, service: s}]",
                "ingress.services[0].namespace: \"app-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" has a label of 64 characters",
            ),
            (
                "services: [{name: x, dev: true}]",
                "not in ingress.routed_suffixes",
            ),
            (
                "services: [a]\n  internal_services: [{name: b, aliases: [c]}]",
                "ingress.internal_services[0] (b): aliases and dev are for services served over TLS",
            ),
        ];
        for (svc, want) in cases {
            let e = parse(&with(svc)).unwrap_err();
            assert!(e.contains(want), "{svc}: {e}");
        }
        let e = parse(&MINIMAL.replace("  - {name: riptide, ipv4: 192.0.2.81}\n", "")).unwrap_err();
        assert!(e.contains("workers"), "{e}");
        let e = parse(&MINIMAL.replace(
            "workers:\n  - {name: riptide, ipv4: 192.0.2.81}",
            "workers: []",
        ))
        .unwrap_err();
        assert!(e.contains("workers: the list is empty"), "{e}");
        let e = parse(&MINIMAL.replace("192.0.2.81", "192.0.2.999")).unwrap_err();
        assert!(e.contains("workers[0].ipv4"), "{e}");
        let e = parse(&format!("{MINIMAL}  node_port: 80\n")).unwrap_err();
        assert!(e.contains("ingress.node_port: 80 is out of range"), "{e}");
        let e = parse(&format!("{MINIMAL}  typo: 1\n")).unwrap_err();
        assert!(e.contains("unknown field `typo`"), "{e}");
        let e = parse(&format!("{MINIMAL}extra: 1\n")).unwrap_err();
        assert!(e.contains("unknown field `extra`"), "{e}");
        let e = parse(&format!("{MINIMAL}  alternate_domains: [berkeley.edu]\n")).unwrap_err();
        assert!(e.contains("overlaps the canonical domain"), "{e}");
        let e = parse(&format!("{MINIMAL}  health_path: \"/x y\"\n")).unwrap_err();
        assert!(e.contains("ingress.health_path"), "{e}");
        let e = parse(&MINIMAL.replace("/etc/ssl/private/lb.pem", "\"/etc/lb.pem\\n  bind x\""))
            .unwrap_err();
        assert!(e.contains("ingress.tls_bundle"), "{e}");
        let e = parse(&format!("{MINIMAL}  haproxy: {{https_port: 80}}\n")).unwrap_err();
        assert!(e.contains("is also http_port"), "{e}");
    }

    #[test]
    fn the_other_tools_parts_of_the_cluster_file_are_allowed() {
        let text = format!("cluster: ocf\nmasters: [{{name: a}}]\nvip: {{name: lb}}\n{MINIMAL}");
        parse(&text).unwrap();
    }
}
