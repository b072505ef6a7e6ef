//! HAProxy's configuration for the masters, and the data files it reads.
//!
//! The shape is the one that measured fastest with HAProxy 2.6 (see
//! `bench/ingressgen`): the Host header is normalised once (lower case, this frontend's own port
//! stripped) into `txn.host`, then looked up in tree-indexed lists and maps
//! read from files beside the config. The cost of a request does not grow
//! with the number of services, and unknown hosts are as cheap as known
//! ones. Names are matched case-sensitively against the lower-cased host
//! (`-i` would disable the tree index).
//!
//! Only the host's port equal to the frontend's own counts: `name:443`
//! routes like `name`, `name:8443` is an unknown host, as on the site.

use crate::site::{ApiSite, Listen, Site};
use clusterfile::Host;
use clusterfile::api::MONITOR_PATH;
use clusterfile::ingress::WORKERS_PATH;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

/// The response header naming the master that answered, on every response
/// HAProxy sends (so a probe through the VIP can tell who holds it).
pub const SERVED_BY: &str = "X-Served-By";

/// The data files, by role; [`DataFiles::path`] names each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFiles {
    /// The directory they live in (absolute).
    pub dir: String,
    /// The common prefix of their names: `haproxy` for `haproxy.cfg`.
    pub stem: String,
}

/// The kinds of data file.
pub const KINDS: [&str; 5] = [
    "hosts.lst",
    "redirects.map",
    "suffixes.lst",
    "internal.lst",
    "internal-suffixes.lst",
];

impl DataFiles {
    /// `<dir>/<stem>.<kind>`.
    pub fn path(&self, kind: &str) -> String {
        format!("{}/{}.{kind}", self.dir.trim_end_matches('/'), self.stem)
    }
}

/// A rendered configuration: the config text and each data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// haproxy.cfg.
    pub config: String,
    /// `(absolute path, content)` of each data file, in [`KINDS`] order.
    pub data: Vec<(String, String)>,
}

/// Who the `X-Served-By` header names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// The system host name, as HAProxy sees it at run time: one config
    /// serves every master.
    Hostname,
    /// A fixed name (checked as a DNS name).
    Named(String),
}

impl Node {
    fn value(&self) -> &str {
        match self {
            Node::Hostname => "%[hostname]",
            Node::Named(n) => n,
        }
    }
}

/// Renders the config and data files for `site`.
pub fn render(site: &Site, files: &DataFiles, node: &Node) -> Rendered {
    let data = data_files(site, files);
    let mut c = String::with_capacity(8 * 1024);
    header(&mut c, site, files);
    global(&mut c, &site.haproxy, site.api.is_some());
    http_frontend(&mut c, site, files, node);
    https_frontend(&mut c, site, files, node);
    internal_frontend(&mut c, site, files, node);
    monitor_frontend(
        &mut c,
        &site.haproxy,
        site.api.is_some(),
        node,
        &site.workers,
    );
    backends(&mut c, site);
    if let Some(api) = &site.api {
        api_frontend(&mut c, api);
        api_backend(&mut c, api);
    }
    Rendered { config: c, data }
}

fn data_files(site: &Site, files: &DataFiles) -> Vec<(String, String)> {
    let domain = &site.domain;
    let mut hosts = String::with_capacity(site.services.len() * (24 + domain.len()));
    hosts.push_str("# Hosts served over TLS; written by ingressgen, do not edit.\n");
    for s in &site.services {
        line(&mut hosts, &[&s.name, ".", domain]);
    }
    let mut redirects = Vec::new();
    for s in &site.services {
        for a in &s.aliases {
            let to = site.host(&s.name);
            redirects.push((site.host(a), to.clone()));
            for alt in &site.alternate_domains {
                redirects.push((format!("{a}.{alt}"), to.clone()));
            }
        }
    }
    redirects.sort();
    let mut map =
        String::from("# Alias host, then the host it redirects to; written by ingressgen.\n");
    for (from, to) in &redirects {
        line(&mut map, &[from, " ", to]);
    }
    let suffixes = |title: &str, list: &[String]| {
        let mut out = format!("# {title}; written by ingressgen, do not edit.\n");
        for s in list {
            line(&mut out, &[".", s, ".", domain]);
        }
        out
    };
    let mut internal =
        String::from("# Hosts served on the internal port; written by ingressgen.\n");
    for s in &site.internal_services {
        line(&mut internal, &[&s.name, ".", domain]);
    }
    let contents = [
        hosts,
        map,
        suffixes("Routed suffixes (TLS)", &site.routed_suffixes),
        internal,
        suffixes("Routed suffixes (internal port)", &site.internal_suffixes),
    ];
    KINDS
        .iter()
        .zip(contents)
        .map(|(k, text)| (files.path(k), text))
        .collect()
}

fn line(out: &mut String, parts: &[&str]) {
    for p in parts {
        out.push_str(p);
    }
    out.push('\n');
}

/// The Gateway API implementation HAProxy sends requests to, if the
/// router is one.
fn gateway_of(site: &Site) -> Option<&'static str> {
    match (site.controller, &site.gateway) {
        (clusterfile::Controller::GatewayApi, Some(g)) => Some(g.implementation.word()),
        _ => None,
    }
}

/// The router in the cluster HAProxy sends requests to, as the header
/// names it.
fn router(site: &Site) -> String {
    gateway_of(site).map_or_else(
        || "ingress-nginx".to_owned(),
        |i| format!("the Gateway's data plane ({i})"),
    )
}

fn header(c: &mut String, site: &Site, files: &DataFiles) {
    let _ = writeln!(
        c,
        "# HAProxy for the masters of {}: TLS ends here and requests go by Host\n\
         # header to {} on every worker.{} Rendered by ingressgen from the\n\
         # cluster file; change that file, not this one.\n\
         #\n\
         # Host lists and maps (one entry per line, lower case), read at start:",
        site.domain,
        router(site),
        if site.api.is_some() {
            " The Kubernetes API passes\n# through to every master's API server."
        } else {
            ""
        }
    );
    for k in KINDS {
        let _ = writeln!(c, "#   {}", files.path(k));
    }
    c.push('\n');
}

/// How long a stopping HAProxy (after a reload, or `systemctl stop`) keeps
/// serving what it has: API connections live for up to an hour, so without
/// a bound each reload would leave an old process behind that long.
pub const HARD_STOP_AFTER: &str = "30s";

fn global(c: &mut String, l: &Listen, api: bool) {
    let hard_stop = if api {
        format!(
            "    # An old process (after a reload or a stop) serves its connections at most\n    \
             # {HARD_STOP_AFTER} more: API watches then reconnect, as they do when kube-apiserver\n    \
             # ends one; a half-open connection the VIP left behind is not waited for.\n    \
             hard-stop-after {HARD_STOP_AFTER}\n"
        )
    } else {
        String::new()
    };
    let _ = write!(
        c,
        "global
    daemon
    log 127.0.0.1 local0
{hard_stop}    maxconn {maxconn}
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    tune.ssl.default-dh-param 2048
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option redispatch
    retries 3
    timeout connect 10s
    timeout client 30s
    timeout server 30s
    timeout tunnel 60s
    timeout http-request 10s
",
        maxconn = l.maxconn
    );
}

fn addr(ip: IpAddr, port: u16) -> String {
    SocketAddr::new(ip, port).to_string()
}

fn binds(c: &mut String, l: &Listen, port: u16, tls: Option<&str>) {
    for ip in &l.bind {
        let _ = write!(c, "    bind {}", addr(*ip, port));
        if ip.is_ipv6() && ip.is_unspecified() {
            c.push_str(" v6only");
        }
        if let Some(bundle) = tls {
            let _ = write!(c, " ssl crt {bundle} alpn h2,http/1.1");
        }
        c.push('\n');
    }
}

/// What a host nobody serves gets, on every frontend.
const UNKNOWN_HOST: &str =
    "http-request return status 404 content-type text/plain string \"unknown host\\n\"";

/// A host name: dot-separated labels of letters, digits and inner hyphens,
/// at most 63 bytes each (after `lower`). The expression is anchored and
/// HAProxy matches it over the whole sample, so a NUL, a space, a percent
/// escape or any other byte outside the grammar fails it.
const HOST_GRAMMAR: &str =
    "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$";

/// The host, lower case, without this frontend's port and without the
/// final dot of a name written in absolute form (`templates.ocf.berkeley.edu.`,
/// the same name, which some clients send), in `txn.host`; a Host that is
/// not a host name (or longer than 253 bytes) gets the unknown-host answer
/// before any rule looks at it, so it never reaches a worker or a redirect.
fn normalise_host(c: &mut String, port: u16) {
    let _ = writeln!(
        c,
        "    http-request set-var(txn.host) req.hdr(host),lower,regsub(:{port}$,),regsub([.]$,)\n    \
         {UNKNOWN_HOST} unless {{ var(txn.host) -m reg {HOST_GRAMMAR} }} {{ var(txn.host),length le 253 }}"
    );
}

/// Exact hosts and suffixes from two lists go to the cluster; any other
/// host to the 404 backend.
fn route(c: &mut String, files: &DataFiles, hosts: &str, suffixes: &str) {
    let _ = writeln!(
        c,
        "    use_backend kubernetes if {{ var(txn.host) -m str -f {} }}\n    use_backend kubernetes if {{ var(txn.host) -m end -f {} }}\n    default_backend unknown-host",
        files.path(hosts),
        files.path(suffixes)
    );
}

fn served_by(c: &mut String, node: &Node) {
    let _ = writeln!(
        c,
        "    http-after-response set-header {SERVED_BY} {}",
        node.value()
    );
}

/// `.a.b` to `\.a\.b` for a regular expression.
fn regex_escape(s: &str) -> String {
    s.replace('.', "\\.")
}

fn http_frontend(c: &mut String, site: &Site, files: &DataFiles, node: &Node) {
    let l = &site.haproxy;
    let d = &site.domain;
    let _ = writeln!(
        c,
        "\n# Plain HTTP: a short name (templates, or a service's own name such as\n\
         # slidingsync.matrix) goes to its full name, everything else to the same\n\
         # URL over HTTPS: a host of another domain is never put under this one.\n\
         frontend http"
    );
    binds(c, l, l.http_port, None);
    normalise_host(c, l.http_port);
    let _ = writeln!(
        c,
        "    http-request set-var-fmt(txn.full) %[var(txn.host)].{d}\n    \
         http-request redirect prefix https://%[var(txn.full)] code 301 if {{ var(txn.host) -m reg ^[a-z0-9-]*[a-z][a-z0-9-]*$ }}\n    \
         http-request redirect prefix https://%[var(txn.full)] code 301 if {{ var(txn.full) -m str -f {hosts} }}\n    \
         http-request redirect prefix https://%[var(txn.full)] code 301 if {{ var(txn.full),map({redirects}) -m found }}",
        hosts = files.path("hosts.lst"),
        redirects = files.path("redirects.map"),
    );
    c.push_str("    http-request redirect prefix https://%[var(txn.host)] code 301\n");
    served_by(c, node);
}

fn https_frontend(c: &mut String, site: &Site, files: &DataFiles, node: &Node) {
    let l = &site.haproxy;
    let _ = writeln!(
        c,
        "\n# HTTPS: aliases and alternate domains redirect to the canonical name;\n\
         # services and routed suffixes go to the cluster; other hosts get 404.\n\
         frontend https"
    );
    binds(c, l, l.https_port, Some(&site.tls_bundle));
    normalise_host(c, l.https_port);
    let _ = writeln!(
        c,
        "    http-request set-var(txn.redirect) var(txn.host),map({})",
        files.path("redirects.map")
    );
    c.push_str(
        "    http-request redirect prefix https://%[var(txn.redirect)] code 301 if { var(txn.redirect) -m found }\n",
    );
    for alt in &site.alternate_domains {
        let _ = writeln!(
            c,
            "    http-request redirect prefix https://%[var(txn.host),regsub({}$,.{})] code 301 if {{ var(txn.host) -m end .{alt} }}",
            regex_escape(&format!(".{alt}")),
            site.domain
        );
    }
    route(c, files, "hosts.lst", "suffixes.lst");
    served_by(c, node);
}

fn internal_frontend(c: &mut String, site: &Site, files: &DataFiles, node: &Node) {
    let l = &site.haproxy;
    let _ = writeln!(
        c,
        "\n# Internal plain HTTP, firewalled from outside: internal services and\n\
         # internal suffixes go to the cluster; other hosts get 404.\n\
         frontend internal"
    );
    binds(c, l, l.internal_port, None);
    normalise_host(c, l.internal_port);
    route(c, files, "internal.lst", "internal-suffixes.lst");
    served_by(c, node);
}

fn monitor_frontend(c: &mut String, l: &Listen, api: bool, node: &Node, workers: &[Host]) {
    let _ = writeln!(
        c,
        "\n# Health of this HAProxy, for keepalived's track script and monitoring:\n\
         # 200 while it runs.\n\
         frontend monitor\n    bind {}\n    monitor-uri {}",
        l.monitor, l.monitor_path
    );
    let _ = write!(
        c,
        "    # Each worker and whether this HAProxy has it up (1) or not (0): vipcheck\n    \
         # workers reads it.\n    \
         http-request return status 200 content-type text/plain lf-string \""
    );
    for w in workers {
        // A worker's name is a DNS label: nothing in it means anything to
        // HAProxy's log format.
        let _ = write!(
            c,
            "{} %[srv_is_up({WORKERS_BACKEND}/{})]\\n",
            w.name, w.name
        );
    }
    let _ = writeln!(c, "\" if {{ path {WORKERS_PATH} }}");
    if api {
        let _ = writeln!(
            c,
            "    # Whether this HAProxy has an API server to send to: 503 when none\n    \
             # passes its health check (keepalived's API track script asks).\n    \
             http-request return status 200 content-type text/plain string \"an API server is up\\n\" if {{ path {MONITOR_PATH} }} {{ nbsrv({API_BACKEND}) gt 0 }}\n    \
             http-request return status 503 content-type text/plain string \"no API server is up\\n\" if {{ path {MONITOR_PATH} }}"
        );
    }
    served_by(c, node);
}

/// The API servers' backend.
pub const API_BACKEND: &str = "kube-apiserver";
/// The health check's interval, and how many checks in a row mark an API
/// server down or up: a dead or unready one is out of rotation within
/// about a second.
pub const API_CHECK: &str = "inter 500ms fall 2 rise 2";

/// The API on the VIP: TCP, TLS passed through, so HAProxy never holds
/// the API's keys and clients' certificates reach kube-apiserver.
fn api_frontend(c: &mut String, api: &ApiSite) {
    let _ = writeln!(
        c,
        "\n# The Kubernetes API on the VIP, port {port}: TLS passes through to every\n\
         # master's kube-apiserver (HAProxy never holds the API's keys, and client\n\
         # certificates reach the API server). `transparent` binds the VIP also on\n\
         # the masters that do not hold it, so the API is served the moment it moves.\n\
         frontend kube-api\n    mode tcp\n    option tcplog",
        port = api.api.port
    );
    for ip in &api.vip {
        let _ = writeln!(c, "    bind {} transparent", addr(*ip, api.api.port));
    }
    let _ = writeln!(
        c,
        "    # Watches (kubectl get -w, every kubelet's) stay open and may be silent\n    \
         # for long: kube-apiserver ends a watch within an hour, so idle time up to\n    \
         # that is normal (the backend's tunnel timeout, which rules an established\n    \
         # TCP connection, says the same); TCP keepalives find a peer that is gone.\n    \
         timeout client 1h\n    \
         option clitcpka\n    \
         clitcpka-idle 30s\n    \
         clitcpka-intvl 10s\n    \
         clitcpka-cnt 3\n    \
         default_backend {API_BACKEND}"
    );
}

fn api_backend(c: &mut String, api: &ApiSite) {
    let a = &api.api;
    let _ = writeln!(
        c,
        "\n# Every master's kube-apiserver. leastconn: API clients hold long connections\n\
         # (watches), so the server with the fewest gets the next one. Health is\n\
         # GET /readyz over TLS, the server's certificate verified against the\n\
         # cluster CA (anonymous requests may read /readyz); a refused or failed\n\
         # connection is retried at once on another server.\n\
         backend {API_BACKEND}\n    \
         mode tcp\n    \
         balance leastconn\n    \
         timeout connect 1s\n    \
         timeout server 1h\n    \
         timeout tunnel 1h\n    \
         option srvtcpka\n    \
         srvtcpka-idle 30s\n    \
         srvtcpka-intvl 10s\n    \
         srvtcpka-cnt 3\n    \
         retries 2\n    \
         option redispatch 1\n    \
         option httpchk\n    \
         http-check send meth GET uri /readyz\n    \
         http-check expect status 200\n    \
         default-server check check-ssl verify required ca-file {ca} {API_CHECK}",
        ca = a.ca_file
    );
    for m in &api.masters {
        let _ = writeln!(
            c,
            "    server {} {}",
            m.name,
            addr(IpAddr::V4(m.ipv4), a.apiserver_port)
        );
    }
}

/// The workers' backend.
pub const WORKERS_BACKEND: &str = "kubernetes";

/// How HAProxy gives up on a worker and finds another. A connection on
/// the LAN takes well under a millisecond, so one not made in 300 ms is
/// to a worker that is gone: it is given up and the request sent to
/// another worker at once (`retries`, `option redispatch 1`: every retry
/// may go elsewhere), where the defaults' 10 s would hold the request. The
/// first failed connection marks the worker DOWN (`observe layer4`,
/// `on-error mark-down`), so the requests after it do not pay the 300 ms.
/// A worker that accepts but does not answer (hung) is found by the
/// health check: every 500 ms, 300 ms to answer, every 200 ms once one
/// has failed (`fastinter`), DOWN after 2: within about 1.3 s. Back after
/// 2 good checks (`downinter`: every second while it is down).
pub const WORKER_CHECK: &str = "inter 500ms fastinter 200ms downinter 1s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down";

/// The ACL naming the clients whose X-Forwarded-* are kept.
pub const TRUSTED_ACL: &str = "trusted_proxy";

/// The backend's rules for X-Forwarded-*. No client trusted: every
/// client's are dropped and HAProxy's own set (X-Forwarded-For by `option
/// forwardfor`, after these rules). With trusted proxies (their networks,
/// or the internal port's clients): theirs are kept, X-Forwarded-For
/// appended to (the proxy's address after the client's), X-Forwarded-Proto
/// set to https only where HAProxy ended TLS (and to http when the proxy
/// sent none), X-Forwarded-Port set when it sent none.
pub fn forwarded_rules(trusted: &clusterfile::Trusted, internal_port: u16) -> String {
    let mut r = String::new();
    let (unless, plain) = if trusted.any() {
        for n in &trusted.networks {
            let _ = writeln!(r, "    acl {TRUSTED_ACL} src {n}");
        }
        if trusted.internal_port {
            let _ = writeln!(r, "    acl {TRUSTED_ACL} dst_port {internal_port}");
        }
        (
            format!(" unless {TRUSTED_ACL}"),
            format!(
                "if !{{ ssl_fc }} !{TRUSTED_ACL} || !{{ ssl_fc }} !{{ req.hdr(X-Forwarded-Proto) -m found }}"
            ),
        )
    } else {
        (String::new(), "unless { ssl_fc }".to_owned())
    };
    for h in ["X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP"] {
        let _ = writeln!(r, "    http-request del-header {h}{unless}");
    }
    let _ = writeln!(
        r,
        "    http-request set-header X-Forwarded-Proto https if {{ ssl_fc }}\n    http-request set-header X-Forwarded-Proto http {plain}"
    );
    let port = if trusted.any() {
        format!(" unless {TRUSTED_ACL} {{ req.hdr(X-Forwarded-Port) -m found }}")
    } else {
        String::new()
    };
    let _ = writeln!(
        r,
        "    http-request set-header X-Forwarded-Port %[dst_port]{port}"
    );
    r
}

fn backends(c: &mut String, site: &Site) {
    let backend = site.backend();
    let router = gateway_of(site).map_or_else(
        || "ingress-nginx".to_owned(),
        |i| format!("The Gateway's data plane ({i}, checked on its\n# readiness port)"),
    );
    let _ = write!(
        c,
        "
backend unknown-host
    {UNKNOWN_HOST}

# {router} on every worker's NodePort. The same client goes to the same
# worker while it is up (consistent hashing: a worker's loss moves only its
# clients); {whose}. A worker that does
# not take a connection within 300 ms is given up and marked DOWN at once,
# the request sent to another; a hung one is out within about 1.3 s.
backend {WORKERS_BACKEND}
    balance source
    hash-type consistent
    timeout connect 300ms
    timeout check 300ms
    retries 2
    option redispatch 1
    option forwardfor
    option httpchk
    http-check send meth GET uri {health}
    http-check expect status 200
{forwarded}    default-server check{check_port} {WORKER_CHECK}
",
        health = backend.check_path,
        check_port = if backend.check_port == backend.port {
            String::new()
        } else {
            format!(" port {}", backend.check_port)
        },
        whose = if site.trusted_proxies.any() {
            "a trusted proxy's X-Forwarded-*\n# are kept (X-Forwarded-For appended to), every other client's replaced"
        } else {
            "the client's own X-Forwarded-* are replaced"
        },
        forwarded = forwarded_rules(&site.trusted_proxies, site.haproxy.internal_port),
    );
    for w in &site.workers {
        let _ = writeln!(c, "    server {} {}:{}", w.name, w.ipv4, backend.port);
    }
}
