//! `api`: where the Kubernetes API is served behind the VIP. One place
//! says it, and every tool follows it: kubetool's `controller_address` and
//! kubeconfigs, ingressgen's API frontend and backend, vipcheck's second
//! track script and `probe --api`.

use crate::decode::{self, Fields, Path, invalid};
use crate::error::{Error, ErrorKind};
use crate::ingress::Listen;
use crate::names;
use crate::yaml::Node;

/// The CA HAProxy checks the API servers' certificates against, where the
/// puppetlabs-kubernetes module puts the cluster CA.
pub const DEFAULT_CA_FILE: &str = "/etc/kubernetes/pki/ca.crt";
/// The path on HAProxy's monitor endpoint that answers 200 while HAProxy
/// has an API server up, 503 when it has none: keepalived's second track
/// script asks it.
pub const MONITOR_PATH: &str = "/kube-apiserver";
/// kube-apiserver's own port, and the API's port on the VIP, by default.
pub const DEFAULT_PORT: u16 = 6443;

/// Ports a master already uses for something else: etcd's client and peer
/// ports, the kubelet's, the controller manager's and the scheduler's.
const TAKEN: &[(u16, &str)] = &[
    (2379, "etcd's client port"),
    (2380, "etcd's peer port"),
    (10250, "the kubelet's port"),
    (10257, "the controller manager's port"),
    (10259, "the scheduler's port"),
];

/// Which address each kube-apiserver binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// Its master's own address (`--bind-address`): HAProxy takes the
    /// VIP's address on the same port, so the API keeps one port
    /// everywhere.
    Node,
    /// Every address (kube-apiserver's default): HAProxy's frontend needs
    /// a port of its own (the kubeadm HA guide's 8443 in front of 6443).
    All,
}

impl Bind {
    /// The word the file uses.
    pub fn word(self) -> &'static str {
        match self {
            Bind::Node => "node",
            Bind::All => "all",
        }
    }
}

/// The `api` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// The API's port on the VIP (HAProxy's frontend, `controller_address`).
    pub port: u16,
    /// Each kube-apiserver's own port (`kube_api_bind_port`).
    pub apiserver_port: u16,
    /// Which address each kube-apiserver binds.
    pub apiserver_bind: Bind,
    /// The cluster CA, as a path on the masters, that HAProxy's health
    /// checks verify the API servers with.
    pub ca_file: String,
    /// The line of the section.
    pub line: usize,
}

fn port_field(f: &mut Fields, key: &'static str, path: &Path) -> Result<u16, Error> {
    match f.opt(key) {
        None => Ok(DEFAULT_PORT),
        Some(n) => Ok(decode::number(n, &path.key(key), 1, 65535, "a port")? as u16),
    }
}

pub(crate) fn decode(node: &Node, path: &Path) -> Result<Api, Error> {
    const WHAT: &str = "the api section";
    let mut f = Fields::of(node, path, WHAT)?;
    let port = port_field(&mut f, "port", path)?;
    let apiserver_port = port_field(&mut f, "apiserver_port", path)?;
    let apiserver_bind = match f.opt("apiserver_bind") {
        None => Bind::Node,
        Some(n) => match decode::text(n, &path.key("apiserver_bind"))? {
            "node" => Bind::Node,
            "all" => Bind::All,
            other => {
                return Err(invalid(
                    n,
                    &path.key("apiserver_bind"),
                    format!("{other:?} is neither node nor all"),
                ));
            }
        },
    };
    let ca_file = match f.opt("ca_file") {
        None => DEFAULT_CA_FILE.to_owned(),
        Some(n) => decode::checked(n, &path.key("ca_file"), names::config_path)?.to_owned(),
    };
    f.finish(path, WHAT)?;
    let api = Api {
        port,
        apiserver_port,
        apiserver_bind,
        ca_file,
        line: node.line,
    };
    if api.apiserver_bind == Bind::All && api.port == api.apiserver_port {
        return Err(invalid(
            node,
            &path.key("apiserver_bind"),
            format!(
                "with every API server on every address, HAProxy and kube-apiserver would both bind port {}; give api.port another port (8443), or bind each API server to its master's address (apiserver_bind: node)",
                api.port
            ),
        ));
    }
    for (key, p) in [("port", api.port), ("apiserver_port", api.apiserver_port)] {
        if let Some((_, what)) = TAKEN.iter().find(|(t, _)| *t == p) {
            return Err(invalid(
                node,
                &path.key(key),
                format!("{p} is {what} on every master; give the API another port"),
            ));
        }
    }
    Ok(api)
}

/// Refuses an API port that one of HAProxy's HTTP frontends or its monitor
/// already uses on the masters.
pub(crate) fn check_against(api: &Api, listen: &Listen, path: &Path) -> Result<(), Error> {
    let used = [
        ("ingress.haproxy.http_port", listen.http_port),
        ("ingress.haproxy.https_port", listen.https_port),
        ("ingress.haproxy.internal_port", listen.internal_port),
        ("ingress.haproxy.monitor", listen.monitor.port()),
    ];
    for (key, p) in [("port", api.port), ("apiserver_port", api.apiserver_port)] {
        if let Some((other, _)) = used.iter().find(|(_, u)| *u == p) {
            return Err(Error::new(
                ErrorKind::Duplicate,
                Some(api.line),
                path.key(key),
                format!("{p} is also {other} (HAProxy on every master); give the API its own port"),
            ));
        }
    }
    if listen.monitor_path == MONITOR_PATH {
        return Err(Error::new(
            ErrorKind::Duplicate,
            Some(api.line),
            "ingress.haproxy.monitor_path",
            format!(
                "{MONITOR_PATH} is where the monitor tells whether an API server is up; give HAProxy's own health another path"
            ),
        ));
    }
    Ok(())
}
