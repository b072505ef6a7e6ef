//! `ingress`: traffic into the cluster. TLS ends in HAProxy on the VIP
//! holder, which routes by Host header to ingress-nginx on a NodePort of
//! every worker.

use crate::decode::{self, Fields, Path, checked, invalid, number};
use crate::error::{Error, ErrorKind};
use crate::gateway::{self, Controller, Gateway};
use crate::names;
use crate::yaml::{Node, Value};
use std::borrow::Cow;
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The site's ingress NodePort.
pub const DEFAULT_NODE_PORT: u16 = 31234;
pub use crate::decode::NODE_PORT_RANGE;
/// At most this many alternate domains: each is a word on one HAProxy line,
/// and HAProxy allows 64 words per line.
pub const MAX_ALTERNATE_DOMAINS: usize = 16;
/// The path on HAProxy's monitor endpoint that lists each worker and
/// whether HAProxy has it up (`NAME 1` or `NAME 0`, a line each):
/// `vipcheck workers` reads it.
pub const WORKERS_PATH: &str = "/workers";

/// The `ingress` section, with every default applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    /// The canonical domain; every service is `<name>.<domain>`.
    pub domain: String,
    /// Domains redirected to the canonical one (`x.ocf.io` to
    /// `x.ocf.berkeley.edu`), as listed.
    pub alternate_domains: Vec<String>,
    /// The PEM bundle (certificate chain and key) HAProxy serves.
    pub tls_bundle: String,
    /// The ingress-nginx NodePort on every worker (default 31234).
    pub node_port: u16,
    /// What HAProxy asks each worker for to see it is healthy (default
    /// `/healthz`).
    pub health_path: String,
    /// The `ingressClassName` of every Ingress (default `nginx`).
    pub ingress_class: String,
    /// The routed suffix a service's dev host lives under (default
    /// `dev-kubernetes`).
    pub dev_suffix: String,
    /// Services served over TLS, as listed.
    pub services: Vec<Service>,
    /// Services served on the internal plain-HTTP port only, as listed.
    pub internal_services: Vec<Service>,
    /// `*.<suffix>.<domain>` goes to the cluster over TLS.
    pub routed_suffixes: Vec<String>,
    /// `*.<suffix>.<domain>` goes to the cluster on the internal port.
    pub internal_suffixes: Vec<String>,
    /// Where HAProxy listens.
    pub haproxy: Listen,
    /// The clients whose X-Forwarded-* headers HAProxy keeps.
    pub trusted_proxies: Trusted,
    /// The router in the cluster HAProxy sends requests to.
    pub controller: Controller,
    /// The Gateway API data plane, when the file describes one (it must
    /// for `controller: gateway-api`).
    pub gateway: Option<Gateway>,
}

/// Where HAProxy sends requests on each worker, and how it checks the
/// worker: the chosen controller's NodePorts and health path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backend<'a> {
    /// The NodePort requests go to.
    pub port: u16,
    /// The NodePort the health check asks.
    pub check_port: u16,
    /// The path the health check GETs.
    pub check_path: &'a str,
}

/// The site's own proxies (`ingress.trusted_proxies`): TLS-terminating
/// front ends that send HAProxy the client's address and scheme in
/// X-Forwarded-* headers. Their headers are kept (X-Forwarded-For appended
/// to); every other client's are replaced, as none can be believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trusted {
    /// Networks whose clients are trusted, as listed.
    pub networks: Vec<crate::addr::Net>,
    /// Whether every client of the internal port is (`internal_port`: a
    /// port the site firewalls to its own hosts).
    pub internal_port: bool,
}

impl Trusted {
    /// Whether any client is trusted.
    pub fn any(&self) -> bool {
        self.internal_port || !self.networks.is_empty()
    }
}

/// The word in `trusted_proxies` that trusts the internal port's clients.
pub const INTERNAL_PORT: &str = "internal_port";
/// At most this many entries in `trusted_proxies`.
pub const MAX_TRUSTED: usize = 64;

/// A service in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Its name under the domain (one or more labels).
    pub name: String,
    /// Other names under the domain that redirect to it.
    pub aliases: Vec<String>,
    /// The Kubernetes Service its Ingress routes to, if not the default
    /// (see [`Service::service`]).
    pub service_name: Option<String>,
    /// That Service's port (default 80).
    pub port: u16,
    /// The namespace of the Service and the Ingress, if not the default
    /// (see [`Service::namespace`]).
    pub namespace_name: Option<String>,
    /// Whether its Ingress also answers `<name>.<dev_suffix>.<domain>`.
    pub dev: bool,
    /// The line of its entry in the file.
    pub line: usize,
}

/// What a service's name is given after it for its default Service.
const SERVICE_SUFFIX: &str = "-service";
/// What a service's name is given before it for its default namespace.
const NAMESPACE_PREFIX: &str = "app-";

impl Service {
    /// The Kubernetes Service: as given, else `<name>-service` with the
    /// dots of a multi-label name turned into `-` (the site's default).
    pub fn service(&self) -> Cow<'_, str> {
        match &self.service_name {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(self.with_default(Self::push_service)),
        }
    }

    /// The namespace: as given, else `app-<name>` with dots turned into `-`.
    pub fn namespace(&self) -> Cow<'_, str> {
        match &self.namespace_name {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(self.with_default(Self::push_namespace)),
        }
    }

    /// Appends [`Service::service`] to `out`, building nothing else.
    pub fn push_service(&self, out: &mut String) {
        match &self.service_name {
            Some(s) => out.push_str(s),
            None => push_dashed(out, "", &self.name, SERVICE_SUFFIX),
        }
    }

    /// Appends [`Service::namespace`] to `out`, building nothing else.
    pub fn push_namespace(&self, out: &mut String) {
        match &self.namespace_name {
            Some(s) => out.push_str(s),
            None => push_dashed(out, NAMESPACE_PREFIX, &self.name, ""),
        }
    }

    fn with_default(&self, push: fn(&Self, &mut String)) -> String {
        let mut out = String::with_capacity(self.name.len() + SERVICE_SUFFIX.len());
        push(self, &mut out);
        out
    }
}

/// `name` between `prefix` and `suffix`, its dots made `-`.
fn push_dashed(out: &mut String, prefix: &str, name: &str, suffix: &str) {
    out.push_str(prefix);
    for (i, label) in name.split('.').enumerate() {
        if i > 0 {
            out.push('-');
        }
        out.push_str(label);
    }
    out.push_str(suffix);
}

/// HAProxy's listening sockets (`ingress.haproxy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// Addresses every public frontend binds (`0.0.0.0` and `::` by
    /// default: the VIP can move here at any time).
    pub bind: Vec<IpAddr>,
    /// Plain HTTP (redirects only); default 80.
    pub http_port: u16,
    /// HTTPS; default 443.
    pub https_port: u16,
    /// Internal plain HTTP; default 4080.
    pub internal_port: u16,
    /// The monitor endpoint's socket; default 127.0.0.1:8404.
    pub monitor: SocketAddr,
    /// The monitor endpoint's path; default `/healthz`.
    pub monitor_path: String,
    /// The global connection limit; default 4000.
    pub maxconn: u32,
}

impl Ingress {
    /// The chosen controller's NodePorts and health path.
    pub fn backend(&self) -> Backend<'_> {
        match (self.controller, &self.gateway) {
            (Controller::GatewayApi, Some(g)) => Backend {
                port: g.node_port,
                check_port: g.health_node_port,
                check_path: &g.health_path,
            },
            _ => Backend {
                port: self.node_port,
                check_port: self.node_port,
                check_path: &self.health_path,
            },
        }
    }

    /// `<name>.<domain>`.
    pub fn host(&self, name: &str) -> String {
        // Pieced together, not `format!`ed: called per service and alias,
        // and `format!` costs several times as much.
        [name, ".", &self.domain].concat()
    }

    /// A service's dev host, `<name>.<dev_suffix>.<domain>`.
    pub fn dev_host(&self, s: &Service) -> String {
        [&s.name, ".", &self.dev_suffix, ".", &self.domain].concat()
    }

    /// Every host a service answers as, in this order: its name, its
    /// aliases, and its dev host (what its Ingress or HTTPRoute lists).
    pub fn hosts_of(&self, s: &Service) -> Vec<String> {
        let mut hosts = vec![self.host(&s.name)];
        hosts.extend(s.aliases.iter().map(|a| self.host(a)));
        if s.dev {
            hosts.push(self.dev_host(s));
        }
        hosts
    }

    /// Every host name a client reaches over TLS on the HTTPS frontend,
    /// sorted, each once: the services, their aliases and their dev hosts
    /// under the domain, the services and aliases under each alternate
    /// domain (redirected after the handshake), and `*.<suffix>.<domain>`
    /// for each routed suffix (any one label under it). The certificate
    /// HAProxy serves must cover each, or that host fails TLS before
    /// HAProxy can route or redirect it.
    pub fn tls_hosts(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for s in &self.services {
            names.push(s.name.clone());
            names.extend(s.aliases.iter().cloned());
        }
        let mut out: Vec<String> = Vec::new();
        for d in std::iter::once(&self.domain).chain(&self.alternate_domains) {
            out.extend(names.iter().map(|n| format!("{n}.{d}")));
        }
        for s in self.services.iter().filter(|s| s.dev) {
            out.push(self.dev_host(s));
        }
        for suffix in &self.routed_suffixes {
            out.push(self.host(&format!("*.{suffix}")));
        }
        out.sort();
        out.dedup();
        out
    }
}

fn port(node: &Node, path: &Path) -> Result<u16, Error> {
    Ok(number(node, path, 1, 65535, "a port")? as u16)
}

fn opt_text(
    f: &mut Fields,
    key: &'static str,
    path: &Path,
    default: &str,
    check: fn(&str) -> Result<(), String>,
) -> Result<String, Error> {
    match f.opt(key) {
        None => Ok(default.to_owned()),
        Some(n) => Ok(checked(n, &path.key(key), check)?.to_owned()),
    }
}

pub(crate) fn decode(node: &Node, path: &Path) -> Result<Ingress, Error> {
    const WHAT: &str = "the ingress section";
    let mut f = Fields::of(node, path, WHAT)?;
    let domain = f.req("domain", path, "the domain every service is under")?;
    let domain = checked(domain, &path.key("domain"), names::dns_name)?.to_owned();
    let alternate_domains = match f.opt("alternate_domains") {
        None => Vec::new(),
        Some(n) => alternates(n, &path.key("alternate_domains"), &domain)?,
    };
    let tls = f.req("tls_bundle", path, "the PEM bundle HAProxy serves")?;
    let tls_bundle = checked(tls, &path.key("tls_bundle"), names::config_path)?.to_owned();
    let node_port = match f.opt("node_port") {
        None => DEFAULT_NODE_PORT,
        Some(n) => decode::node_port(n, &path.key("node_port"))?,
    };
    let health_path = opt_text(&mut f, "health_path", path, "/healthz", names::url_path)?;
    let ingress_class = opt_text(&mut f, "ingress_class", path, "nginx", names::dns_name)?;
    let dev_suffix = opt_text(
        &mut f,
        "dev_suffix",
        path,
        "dev-kubernetes",
        names::dns_name,
    )?;
    let services = f.req("services", path, "the services served over TLS")?;
    let services = service_list(services, &path.key("services"), &domain)?;
    let internal_services = match f.opt("internal_services") {
        None => Vec::new(),
        Some(n) => service_list(n, &path.key("internal_services"), &domain)?,
    };
    let mut suffixes = |key| match f.opt(key) {
        None => Ok(Vec::new()),
        Some(n) => name_list(n, &path.key(key), &domain),
    };
    let routed_suffixes = suffixes("routed_suffixes")?;
    let internal_suffixes = suffixes("internal_suffixes")?;
    let haproxy = match f.opt("haproxy") {
        None => Listen::default(),
        Some(n) => listen(n, &path.key("haproxy"))?,
    };
    let trusted_proxies = match f.opt("trusted_proxies") {
        None => Trusted::default(),
        Some(n) => trusted(n, &path.key("trusted_proxies"))?,
    };
    let controller_node = f.opt("controller");
    let controller = match controller_node {
        None => Controller::default(),
        Some(n) => gateway::controller(n, &path.key("controller"))?,
    };
    let gateway = match f.opt("gateway") {
        None if controller == Controller::GatewayApi => {
            return Err(invalid(
                controller_node.unwrap_or(node),
                &path.key("gateway"),
                "controller: gateway-api needs the gateway section (its implementation at least)",
            ));
        }
        None => None,
        Some(n) => Some(gateway::decode(n, &path.key("gateway"), node_port)?),
    };
    f.finish(path, WHAT)?;
    let ing = Ingress {
        domain,
        alternate_domains,
        tls_bundle,
        node_port,
        health_path,
        ingress_class,
        dev_suffix,
        services,
        internal_services,
        routed_suffixes,
        internal_suffixes,
        haproxy,
        trusted_proxies,
        controller,
        gateway,
    };
    check_services(&ing, node, path)?;
    if ing.gateway.is_some() {
        check_gateway_hosts(&ing, path)?;
    }
    Ok(ing)
}

fn alternates(node: &Node, path: &Path, domain: &str) -> Result<Vec<String>, Error> {
    let items = decode::list(node, path)?;
    if items.len() > MAX_ALTERNATE_DOMAINS {
        return Err(invalid(
            node,
            path,
            format!(
                "{} domains; at most {MAX_ALTERNATE_DOMAINS} fit HAProxy's line limit",
                items.len()
            ),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, n) in items.iter().enumerate() {
        let at = path.index(i);
        let d = checked(n, &at, names::dns_name)?;
        if d == domain || d.ends_with(&format!(".{domain}")) || domain.ends_with(&format!(".{d}")) {
            return Err(invalid(
                n,
                &at,
                format!(
                    "{d:?} overlaps the canonical domain {domain:?}; an alternate domain must be a separate domain"
                ),
            ));
        }
        if out.iter().any(|o| o == d) {
            return Err(twice(n, &at, d));
        }
        out.push(d.to_owned());
    }
    Ok(out)
}

fn twice(node: &Node, path: &Path, what: &str) -> Error {
    Error::new(
        ErrorKind::Duplicate,
        Some(node.line),
        path,
        format!("{what:?} is listed twice; remove one"),
    )
}

/// A name under the domain: its host must fit DNS's length.
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

fn under_domain<'n>(node: &'n Node, path: &Path, domain: &str) -> Result<&'n str, Error> {
    checked(node, path, |s| {
        names::dns_name(s)?;
        host_fits(s, domain)
    })
}

/// A list of distinct names whose hosts fit under the domain.
fn name_list(node: &Node, path: &Path, domain: &str) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for (i, n) in decode::list(node, path)?.iter().enumerate() {
        let at = path.index(i);
        let s = under_domain(n, &at, domain)?;
        if out.iter().any(|o| o == s) {
            return Err(twice(n, &at, s));
        }
        out.push(s.to_owned());
    }
    Ok(out)
}

/// `trusted_proxies`: networks (or single addresses), and the word
/// `internal_port`; each once, at most [`MAX_TRUSTED`].
fn trusted(node: &Node, path: &Path) -> Result<Trusted, Error> {
    let items = decode::list(node, path)?;
    if items.len() > MAX_TRUSTED {
        return Err(invalid(
            node,
            path,
            format!(
                "{} entries; at most {MAX_TRUSTED}: name the proxies' networks, not each proxy",
                items.len()
            ),
        ));
    }
    let mut out = Trusted::default();
    for (i, n) in items.iter().enumerate() {
        let at = path.index(i);
        let t = decode::text(n, &at)?;
        let again = if t == INTERNAL_PORT {
            std::mem::replace(&mut out.internal_port, true)
        } else {
            let net: crate::addr::Net = t.parse().map_err(|m: String| {
                invalid(
                    n,
                    &at,
                    format!("{m}; or {INTERNAL_PORT:?} to trust every client of the internal port"),
                )
            })?;
            let again = out.networks.contains(&net);
            out.networks.push(net);
            again
        };
        if again {
            return Err(twice(n, &at, t));
        }
    }
    Ok(out)
}

/// At most this many services in each list: five times the largest the
/// benchmarks measure (50,000), so every tool's cost and memory stay
/// bounded whatever a file holds.
pub const MAX_SERVICES: usize = 250_000;

fn service_list(node: &Node, path: &Path, domain: &str) -> Result<Vec<Service>, Error> {
    let items = decode::list(node, path)?;
    if items.len() > MAX_SERVICES {
        return Err(invalid(
            node,
            path,
            format!(
                "{} services; at most {MAX_SERVICES} (no site is larger, and every tool's memory stays bounded)",
                items.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, n) in items.iter().enumerate() {
        out.push(service(n, &path.index(i), domain)?);
    }
    Ok(out)
}

/// A service: a bare name, or a mapping.
fn service(node: &Node, path: &Path, domain: &str) -> Result<Service, Error> {
    if let Value::Scalar { .. } = node.value {
        let name = under_domain(node, path, domain)?.to_owned();
        let s = Service {
            name,
            aliases: Vec::new(),
            service_name: None,
            port: 80,
            namespace_name: None,
            dev: false,
            line: node.line,
        };
        check_defaults(&s, node, path)?;
        return Ok(s);
    }
    const WHAT: &str = "a service";
    let mut f = Fields::of(node, path, "a service name, or a mapping")?;
    let name = f.req("name", path, "the service's name under the domain")?;
    let name = under_domain(name, &path.key("name"), domain)?.to_owned();
    let aliases = match f.opt("aliases") {
        None => Vec::new(),
        Some(n) => name_list(n, &path.key("aliases"), domain)?,
    };
    let service_name = match f.opt("service") {
        None => None,
        Some(n) => Some(checked(n, &path.key("service"), names::service_name)?.to_owned()),
    };
    let port = match f.opt("port") {
        None => 80,
        Some(n) => port(n, &path.key("port"))?,
    };
    let namespace_name = match f.opt("namespace") {
        None => None,
        Some(n) => Some(checked(n, &path.key("namespace"), names::dns_label)?.to_owned()),
    };
    let dev = match f.opt("dev") {
        None => false,
        Some(n) => decode::boolean(n, &path.key("dev"))?,
    };
    f.finish(path, WHAT)?;
    let s = Service {
        name,
        aliases,
        service_name,
        port,
        namespace_name,
        dev,
        line: node.line,
    };
    check_defaults(&s, node, path)?;
    Ok(s)
}

/// The defaults (`app-<name>`, `<name>-service`) must be valid Kubernetes
/// names when they are used.
fn check_defaults(s: &Service, node: &Node, path: &Path) -> Result<(), Error> {
    let named = |what: &'static str, e: String| {
        let m = format!("{e}; set `{what}:` for {:?} to a valid name", s.name);
        invalid(node, &path.key(what), m)
    };
    // `name` is a checked DNS name, so with its dots made `-` it is made
    // of label characters, neither default starts or ends with `-`, and
    // only the length and (for a Service) the first letter can be wrong:
    // a default that surely passes is not built. The rest are checked in
    // full, which also words the error.
    let fits = |extra: &str| s.name.len() + extra.len() <= names::MAX_LABEL;
    let letter_first = s.name.starts_with(|c: char| c.is_ascii_lowercase());
    if s.service_name.is_none() && !(fits(SERVICE_SUFFIX) && letter_first) {
        names::service_name(&s.service()).map_err(|e| named("service", e))?;
    }
    if s.namespace_name.is_none() && !fits(NAMESPACE_PREFIX) {
        names::dns_label(&s.namespace()).map_err(|e| named("namespace", e))?;
    }
    Ok(())
}

/// How an entry claims a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Claim {
    /// The service's own name.
    Name,
    /// One of its aliases (the index).
    Alias(usize),
    /// Its dev host, `<name>.<dev_suffix>`.
    Dev,
}

/// Which entry of the file uses a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Owner {
    // Field order is the order of claims: service names before aliases and
    // dev hosts, TLS services before internal ones, then as listed.
    claim: Claim,
    internal: bool,
    index: usize,
    line: usize,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = if self.internal {
            "ingress.internal_services"
        } else {
            "ingress.services"
        };
        write!(f, "{list}[{}]", self.index)?;
        match self.claim {
            Claim::Name => Ok(()),
            Claim::Alias(j) => write!(f, ".aliases[{j}]"),
            Claim::Dev => write!(f, ".dev"),
        }
    }
}

/// The rules across services: every host under the domain (service,
/// internal service, alias, dev host) has one owner, so all must differ;
/// no alias lies under a routed suffix (HAProxy would redirect what an
/// Ingress routes); internal services have no aliases or dev hosts; a dev
/// host needs its suffix routed and must fit DNS; and there is at least
/// one service.
fn check_services(ing: &Ingress, node: &Node, path: &Path) -> Result<(), Error> {
    if ing.services.is_empty() && ing.internal_services.is_empty() {
        return Err(invalid(
            node,
            &path.key("services"),
            "the list is empty; give at least one service",
        ));
    }
    check_internal(ing, path)?;
    check_dev(ing, path)?;
    let mut claims = claims(ing);
    // A file that passes needs no order: a hash set finds that every host
    // is distinct and a scan that no alias is under a routed suffix. Only
    // a file that fails is sorted, so the error names the same entries
    // whatever the order of the file.
    let mut seen = HashSet::with_capacity(claims.len());
    let distinct = claims.iter().all(|(host, _)| seen.insert(host.as_ref()));
    if distinct && !claims.iter().any(|c| routed_alias(ing, c).is_some()) {
        return Ok(());
    }
    claims.sort_unstable();
    check_owners(&claims)?;
    check_aliases_unrouted(ing, &claims)
}

/// Gateway API refuses an IP address as an HTTPRoute hostname: a host
/// that reads as one (a name `10.0` under the domain `0.0.2`) is refused
/// before anything is rendered.
fn check_gateway_hosts(ing: &Ingress, path: &Path) -> Result<(), Error> {
    for (list, key) in [
        (&ing.services, "services"),
        (&ing.internal_services, "internal_services"),
    ] {
        for (i, s) in list.iter().enumerate() {
            let hosts = ing.hosts_of(s);
            if let Some(h) = hosts.iter().find(|h| h.parse::<Ipv4Addr>().is_ok()) {
                return Err(Error::new(
                    ErrorKind::InvalidValue,
                    Some(s.line),
                    path.key(key).index(i),
                    format!(
                        "{h:?} is an IP address, which Gateway API refuses as a hostname; give the service a name"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn check_internal(ing: &Ingress, path: &Path) -> Result<(), Error> {
    for (i, s) in ing.internal_services.iter().enumerate() {
        if !s.aliases.is_empty() || s.dev {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                Some(s.line),
                path.key("internal_services").index(i),
                format!(
                    "{}: aliases and dev are for services served over TLS; the internal port neither redirects nor has dev hosts, so list each name as an internal service of its own",
                    s.name
                ),
            ));
        }
    }
    Ok(())
}

fn check_dev(ing: &Ingress, path: &Path) -> Result<(), Error> {
    for (i, s) in ing.services.iter().enumerate().filter(|(_, s)| s.dev) {
        let services = path.key("services");
        let at = services.index(i).key("dev").to_string();
        let refuse = |m: String| {
            Err(Error::new(
                ErrorKind::InvalidValue,
                Some(s.line),
                at.as_str(),
                m,
            ))
        };
        if !ing.routed_suffixes.contains(&ing.dev_suffix) {
            return refuse(format!(
                "{}: dev is set, but the dev suffix {:?} is not in ingress.routed_suffixes, so HAProxy would not route \"{}.{}.{}\"; add it there (or set ingress.dev_suffix)",
                s.name, ing.dev_suffix, s.name, ing.dev_suffix, ing.domain
            ));
        }
        if let Err(e) = host_fits(&dev_name(ing, s), &ing.domain) {
            return refuse(format!("{}: its dev host {e}", s.name));
        }
    }
    Ok(())
}

/// `<name>.<dev_suffix>`: the dev host's name under the domain.
fn dev_name(ing: &Ingress, s: &Service) -> String {
    format!("{}.{}", s.name, ing.dev_suffix)
}

/// Every host an entry claims, with its owner.
fn claims(ing: &Ingress) -> Vec<(Cow<'_, str>, Owner)> {
    let mut all = Vec::with_capacity(ing.services.len() + ing.internal_services.len());
    for (internal, list) in [(false, &ing.services), (true, &ing.internal_services)] {
        for (index, s) in list.iter().enumerate() {
            let owner = |claim| Owner {
                claim,
                internal,
                index,
                line: s.line,
            };
            all.push((Cow::Borrowed(s.name.as_str()), owner(Claim::Name)));
            for (j, a) in s.aliases.iter().enumerate() {
                all.push((Cow::Borrowed(a.as_str()), owner(Claim::Alias(j))));
            }
            if s.dev {
                all.push((Cow::Owned(dev_name(ing, s)), owner(Claim::Dev)));
            }
        }
    }
    all
}

/// One owner per host; the claimant later in claim order is the one named.
fn check_owners(claims: &[(Cow<'_, str>, Owner)]) -> Result<(), Error> {
    match claims.windows(2).find(|w| w[0].0 == w[1].0) {
        None => Ok(()),
        Some(w) => Err(Error::new(
            ErrorKind::Duplicate,
            Some(w[1].1.line),
            w[1].1,
            format!(
                "{:?} is already used by {}; every service, internal service, alias and dev host needs a name of its own",
                w[1].0, w[0].1
            ),
        )),
    }
}

/// An alias under a routed suffix: HAProxy redirects it before the suffix
/// can route it, so an Ingress for that host would never be reached.
fn check_aliases_unrouted(ing: &Ingress, claims: &[(Cow<'_, str>, Owner)]) -> Result<(), Error> {
    for claim @ (host, owner) in claims {
        if let Some(suffix) = routed_alias(ing, claim) {
            return Err(Error::new(
                ErrorKind::Duplicate,
                Some(owner.line),
                owner,
                format!(
                    "{host:?} is under the routed suffix {suffix:?} (ingress.routed_suffixes): HAProxy would redirect it while the suffix routes it to an Ingress; give the alias a name outside the suffix"
                ),
            ));
        }
    }
    Ok(())
}

/// The routed suffix an alias lies under, if it is an alias and does.
fn routed_alias<'i>(ing: &'i Ingress, (host, owner): &(Cow<'_, str>, Owner)) -> Option<&'i str> {
    if !matches!(owner.claim, Claim::Alias(_)) {
        return None;
    }
    ing.routed_suffixes
        .iter()
        .find(|x| {
            host.strip_suffix(x.as_str())
                .is_some_and(|h| h.ends_with('.'))
        })
        .map(String::as_str)
}

impl Default for Listen {
    fn default() -> Self {
        Listen {
            bind: vec![
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            ],
            http_port: 80,
            https_port: 443,
            internal_port: 4080,
            monitor: SocketAddr::from(([127, 0, 0, 1], 8404)),
            monitor_path: "/healthz".into(),
            maxconn: 4000,
        }
    }
}

fn listen(node: &Node, path: &Path) -> Result<Listen, Error> {
    const WHAT: &str = "ingress.haproxy";
    let mut f = Fields::of(node, path, WHAT)?;
    let mut l = Listen::default();
    if let Some(n) = f.opt("bind") {
        l.bind = binds(n, &path.key("bind"))?;
    }
    for (key, slot) in [
        ("http_port", &mut l.http_port),
        ("https_port", &mut l.https_port),
        ("internal_port", &mut l.internal_port),
    ] {
        if let Some(n) = f.opt(key) {
            *slot = port(n, &path.key(key))?;
        }
    }
    if let Some(n) = f.opt("monitor") {
        let at = path.key("monitor");
        let t = decode::text(n, &at)?;
        l.monitor = t
            .parse()
            .ok()
            .filter(|m: &SocketAddr| m.port() != 0)
            .ok_or_else(|| {
                invalid(
                    n,
                    &at,
                    format!("{t:?} is not ADDRESS:PORT (such as 127.0.0.1:8404 or [::1]:8404)"),
                )
            })?;
    }
    if let Some(n) = f.opt("monitor_path") {
        l.monitor_path = checked(n, &path.key("monitor_path"), names::url_path)?.to_owned();
        if l.monitor_path == WORKERS_PATH {
            return Err(invalid(
                n,
                &path.key("monitor_path"),
                format!(
                    "{WORKERS_PATH} is where the monitor lists the workers HAProxy has up; give HAProxy's own health another path"
                ),
            ));
        }
    }
    if let Some(n) = f.opt("maxconn") {
        l.maxconn = number(n, &path.key("maxconn"), 1, 1_000_000, "a connection limit")? as u32;
    }
    f.finish(path, WHAT)?;
    check_ports(&l, node, path)?;
    Ok(l)
}

fn binds(node: &Node, path: &Path) -> Result<Vec<IpAddr>, Error> {
    let mut out = Vec::new();
    for (i, n) in decode::list(node, path)?.iter().enumerate() {
        let at = path.index(i);
        let t = decode::text(n, &at)?;
        let a: IpAddr = t.parse().map_err(|_| {
            invalid(
                n,
                &at,
                format!("{t:?} is not an IP address (0.0.0.0 and :: mean every address)"),
            )
        })?;
        if out.contains(&a) {
            return Err(twice(n, &at, t));
        }
        out.push(a);
    }
    if out.is_empty() {
        return Err(invalid(
            node,
            path,
            "the list is empty; give the addresses to listen on, or leave it out for all",
        ));
    }
    Ok(out)
}

/// Each frontend, and the monitor where it shares an address, needs its
/// own port.
fn check_ports(l: &Listen, node: &Node, path: &Path) -> Result<(), Error> {
    let ports = [
        ("http_port", l.http_port),
        ("https_port", l.https_port),
        ("internal_port", l.internal_port),
    ];
    for (i, (a, pa)) in ports.iter().enumerate() {
        for (b, pb) in &ports[i + 1..] {
            if pa == pb {
                return Err(invalid(
                    node,
                    &path.key(b),
                    format!("{pb} is also {a}; each frontend needs its own port"),
                ));
            }
        }
        let shares = l
            .bind
            .iter()
            .any(|b| b.is_unspecified() || *b == l.monitor.ip());
        if *pa == l.monitor.port() && shares {
            return Err(invalid(
                node,
                &path.key("monitor"),
                format!("port {pa} is also {a}; give the monitor its own port"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    const MINIMAL: &str = "\
masters: [{name: deadlock, ipv4: 192.0.2.75}]
workers:
  - {name: riptide, ipv4: 192.0.2.81}
ingress:
  domain: ocf.berkeley.edu
  tls_bundle: /etc/ssl/private/lb.pem
  services: [templates]
";

    fn error(text: &str) -> String {
        crate::parse(text).unwrap_err().to_string()
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
                "ingress.services[0].aliasses: unknown field; a service has name, aliases",
            ),
            (
                "services: [{name: x, service: X_svc}]",
                "ingress.services[0].service",
            ),
            (
                "services: [1password]",
                "ingress.services[0].service: \"1password-service\" does not start with a letter",
            ),
            ("services: []", "ingress.services: the list is empty"),
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
            // One owner per host: a dev host, a service and an alias.
            (
                "services: [{name: a, dev: true}, a.dev-kubernetes]\n  routed_suffixes: [dev-kubernetes]",
                "ingress.services[0].dev: \"a.dev-kubernetes\" is already used by ingress.services[1]",
            ),
            (
                "services: [{name: a, dev: true}, {name: b, aliases: [a.dev-kubernetes]}]\n  routed_suffixes: [dev-kubernetes]",
                "ingress.services[0].dev: \"a.dev-kubernetes\" is already used by ingress.services[1].aliases[0]",
            ),
            (
                "services: [{name: b, aliases: [x.code]}]\n  routed_suffixes: [code]",
                "ingress.services[0].aliases[0]: \"x.code\" is under the routed suffix \"code\"",
            ),
            (
                "services: [{name: LONG, service: s, namespace: n, dev: true}]\n  routed_suffixes: [dev-kubernetes]",
                "ingress.services[0].dev: LONG: its dev host",
            ),
            (
                "services: [a]\n  internal_services: [{name: b, aliases: [c]}]",
                "ingress.internal_services[0]: b: aliases and dev are for services served over TLS",
            ),
        ];
        let long = [
            "a".repeat(63),
            "a".repeat(63),
            "a".repeat(63),
            "b".repeat(40),
        ]
        .join(".");
        for (svc, want) in cases {
            let (svc, want) = (svc.replace("LONG", &long), want.replace("LONG", &long));
            let e = error(&MINIMAL.replace("services: [templates]", &svc));
            assert!(e.contains(&want), "{svc}: {e}");
        }
        let more: &[(&str, &str)] = &[
            ("  node_port: 80\n", "ingress.node_port: 80 is out of range"),
            ("  typo: 1\n", "ingress.typo: unknown field"),
            (
                "  alternate_domains: [berkeley.edu]\n",
                "overlaps the canonical domain",
            ),
            ("  health_path: \"/x y\"\n", "ingress.health_path"),
            (
                "  haproxy: {https_port: 80}\n",
                "ingress.haproxy.https_port: 80 is also http_port",
            ),
            (
                "  haproxy: {monitor_path: /workers}\n",
                "ingress.haproxy.monitor_path: /workers is where the monitor lists the workers",
            ),
            (
                "  haproxy: {monitor: \"0.0.0.0:443\"}\n",
                "ingress.haproxy.monitor: port 443 is also https_port",
            ),
            (
                "  haproxy: {bind: []}\n",
                "ingress.haproxy.bind: the list is empty",
            ),
            (
                "  haproxy: {maxconn: 0}\n",
                "ingress.haproxy.maxconn: 0 is out of range",
            ),
        ];
        for (extra, want) in more {
            let e = error(&format!("{MINIMAL}{extra}"));
            assert!(e.contains(want), "{extra}: {e}");
        }
        let e = error(&MINIMAL.replace("/etc/ssl/private/lb.pem", "\"/etc/lb.pem\\n  bind x\""));
        assert!(e.contains("ingress.tls_bundle"), "{e}");
        let e = error(&MINIMAL.replace("/etc/ssl/private/lb.pem", "/"));
        assert!(
            e.contains("ingress.tls_bundle: \"/\" is not the path of a file"),
            "{e}"
        );
        let e = error(
            &MINIMAL
                .replace("  - {name: riptide, ipv4: 192.0.2.81}\n", "")
                .replace("workers:\n", ""),
        );
        assert!(e.contains("workers: is missing or empty"), "{e}");
    }
}
