//! `ingress.controller` and `ingress.gateway`: the router inside the
//! cluster that HAProxy sends every request to, on a NodePort of every
//! worker. `ingress-nginx` (the default) reads Ingress objects; upstream
//! ended its maintenance on 2026-03-24. `gateway-api` reads a Gateway and
//! HTTPRoutes, served by a maintained implementation whose data plane the
//! `gateway` section describes. Both sections may be given at once, so a
//! site can run both routers side by side and switch HAProxy between them
//! with one change of `controller`.

use crate::decode::{self, Fields, Path, checked, invalid, number};
use crate::error::Error;
use crate::names;
use crate::yaml::{Node, Value};
use std::collections::BTreeMap;

/// The router HAProxy sends requests to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Controller {
    /// ingress-nginx, reading Ingress objects (the default).
    #[default]
    IngressNginx,
    /// A Gateway API implementation, reading a Gateway and HTTPRoutes.
    GatewayApi,
}

impl Controller {
    /// Every controller with the word the file gives it.
    pub const ALL: [(&'static str, Controller); 2] = [
        ("ingress-nginx", Controller::IngressNginx),
        ("gateway-api", Controller::GatewayApi),
    ];

    /// The controller the file calls `word`.
    pub fn of(word: &str) -> Option<Controller> {
        Self::ALL.iter().find(|(w, _)| *w == word).map(|(_, c)| *c)
    }

    /// The word the file gives it.
    pub fn word(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(w, _)| *w)
            .expect("every controller is listed")
    }
}

/// The Gateway API implementations whose data planes have documented
/// defaults, and `other` (everything given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// Envoy Gateway (1.4 and later), its data plane in the controller's
    /// namespace.
    EnvoyGateway,
    /// Contour's Gateway provisioner, its data plane in the Gateway's
    /// namespace.
    Contour,
    /// Any other: class, selector and ports are given.
    Other,
}

/// What an implementation's data plane does unless told otherwise, read
/// from each project's own source (cited per field).
struct Defaults {
    word: &'static str,
    /// The GatewayClass its install guide creates.
    class: &'static str,
    /// Where the Gateway, its data plane and the NodePort Service live.
    namespace: &'static str,
    /// The container port behind a listener on port 80.
    http_port: u16,
    /// The readiness endpoint on each data-plane pod.
    health_port: u16,
    health_path: &'static str,
    /// The labels of the Gateway's data-plane pods.
    selector: fn(name: &str, namespace: &str) -> Vec<(String, String)>,
}

/// The documented defaults, per implementation.
///
/// Envoy Gateway: pods labelled `app.kubernetes.io/{name=envoy,
/// component=proxy, managed-by=envoy-gateway}` and
/// `gateway.envoyproxy.io/owning-gateway-{name,namespace}` (its
/// `proxy.EnvoyAppLabel` and `gatewayapi.OwningGateway*Label`); a listener
/// port under 1024 is shifted by 10,000 (`wellKnownPortShift`); readiness
/// is `GET /ready` on 19003 (`bootstrap.EnvoyReadinessPort`, since 1.4).
///
/// Contour: pods labelled `app: envoy-<gateway>` (`EnvoyPodSelector`); a
/// listener port is shifted by 8,000 (`toContainerPort`); readiness is
/// `GET /ready` on 8002 (`EnvoyHealthPort`).
const DEFAULTS: [(Implementation, Defaults); 2] = [
    (
        Implementation::EnvoyGateway,
        Defaults {
            word: "envoy-gateway",
            class: "eg",
            namespace: "envoy-gateway-system",
            http_port: 10080,
            health_port: 19003,
            health_path: "/ready",
            selector: |name, namespace| {
                vec![
                    ("app.kubernetes.io/component".into(), "proxy".into()),
                    (
                        "app.kubernetes.io/managed-by".into(),
                        "envoy-gateway".into(),
                    ),
                    ("app.kubernetes.io/name".into(), "envoy".into()),
                    (
                        "gateway.envoyproxy.io/owning-gateway-name".into(),
                        name.into(),
                    ),
                    (
                        "gateway.envoyproxy.io/owning-gateway-namespace".into(),
                        namespace.into(),
                    ),
                ]
            },
        },
    ),
    (
        Implementation::Contour,
        Defaults {
            word: "contour",
            class: "contour",
            namespace: "projectcontour",
            http_port: 8080,
            health_port: 8002,
            health_path: "/ready",
            selector: |name, _| vec![("app".into(), format!("envoy-{name}"))],
        },
    ),
];

/// The word for `other`.
const OTHER: &str = "other";

/// The Gateway's name unless given.
pub const DEFAULT_NAME: &str = "ingressgen";
/// The NodePort of the data plane's HTTP listener unless given.
pub const DEFAULT_NODE_PORT: u16 = 31235;
/// The NodePort of the data plane's readiness endpoint unless given.
pub const DEFAULT_HEALTH_NODE_PORT: u16 = 31236;

/// The `ingress.gateway` section, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateway {
    /// Whose data plane it is.
    pub implementation: Implementation,
    /// The `gatewayClassName`.
    pub class: String,
    /// The Gateway's name.
    pub name: String,
    /// The namespace of the Gateway, its data plane and the NodePort
    /// Service.
    pub namespace: String,
    /// The labels of the data-plane pods, sorted by key.
    pub selector: Vec<(String, String)>,
    /// The NodePort HAProxy sends requests to.
    pub node_port: u16,
    /// The data plane's container port behind the Gateway's port-80
    /// listener.
    pub http_port: u16,
    /// The NodePort HAProxy checks each worker's data plane on.
    pub health_node_port: u16,
    /// The data plane's readiness port.
    pub health_port: u16,
    /// The data plane's readiness path.
    pub health_path: String,
}

impl Implementation {
    fn defaults(self) -> Option<&'static Defaults> {
        DEFAULTS.iter().find(|(i, _)| *i == self).map(|(_, d)| d)
    }

    /// The word the file gives it.
    pub fn word(self) -> &'static str {
        self.defaults().map_or(OTHER, |d| d.word)
    }

    fn of(word: &str) -> Option<Implementation> {
        DEFAULTS
            .iter()
            .find(|(_, d)| d.word == word)
            .map(|(i, _)| *i)
            .or((word == OTHER).then_some(Implementation::Other))
    }

    fn words() -> String {
        let mut all: Vec<&str> = DEFAULTS.iter().map(|(_, d)| d.word).collect();
        all.push(OTHER);
        all.join(", ")
    }
}

/// `ingress.controller`.
pub(crate) fn controller(node: &Node, path: &Path) -> Result<Controller, Error> {
    let word = decode::text(node, path)?;
    Controller::of(word).ok_or_else(|| {
        let known: Vec<&str> = Controller::ALL.iter().map(|(w, _)| *w).collect();
        let m = format!(
            "{word:?} is not a controller ingressgen knows; give one of {}",
            known.join(", ")
        );
        invalid(node, path, m)
    })
}

/// `ingress.gateway`; `taken` holds the NodePorts already used (the
/// ingress-nginx one), which the Gateway's must differ from.
pub(crate) fn decode(node: &Node, path: &Path, taken: u16) -> Result<Gateway, Error> {
    const WHAT: &str = "ingress.gateway";
    let mut f = Fields::of(node, path, WHAT)?;
    let at = path.key("implementation");
    let n = f.req(
        "implementation",
        path,
        "whose data plane serves the Gateway",
    )?;
    let word = decode::text(n, &at)?;
    let implementation = Implementation::of(word).ok_or_else(|| {
        let m = format!(
            "{word:?} is not an implementation with known defaults; give one of {} (other: give class, selector and ports)",
            Implementation::words()
        );
        invalid(n, &at, m)
    })?;
    let defaults = implementation.defaults();
    let mut text = |key: &'static str,
                    default: Option<&str>,
                    check: fn(&str) -> Result<(), String>| {
        match (f.opt(key), default) {
            (Some(n), _) => Ok(checked(n, &path.key(key), check)?.to_owned()),
            (None, Some(d)) => Ok(d.to_owned()),
            (None, None) => Err(needed(node, path, key)),
        }
    };
    let class = text("class", defaults.map(|d| d.class), names::dns_name)?;
    let name = text("name", Some(DEFAULT_NAME), names::dns_label)?;
    let namespace = text("namespace", defaults.map(|d| d.namespace), names::dns_label)?;
    let health_path = text(
        "health_path",
        defaults.map(|d| d.health_path),
        names::url_path,
    )?;
    let selector = match (f.opt("selector"), defaults) {
        (Some(n), _) => selector(n, &path.key("selector"))?,
        (None, Some(d)) => (d.selector)(&name, &namespace),
        (None, None) => return Err(needed(node, path, "selector")),
    };
    let mut port = |key: &'static str, default: Option<u16>, node_port: bool| {
        let at = path.key(key);
        match (f.opt(key), default) {
            (Some(n), _) if node_port => decode::node_port(n, &at),
            (Some(n), _) => Ok(number(n, &at, 1, 65535, "a port (1-65535)")? as u16),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(needed(node, path, key)),
        }
    };
    let node_port = port("node_port", Some(DEFAULT_NODE_PORT), true)?;
    let health_node_port = port("health_node_port", Some(DEFAULT_HEALTH_NODE_PORT), true)?;
    let http_port = port("http_port", defaults.map(|d| d.http_port), false)?;
    let health_port = port("health_port", defaults.map(|d| d.health_port), false)?;
    f.finish(path, WHAT)?;
    let nginx = "ingress-nginx's (ingress.node_port)";
    for (key, p, other, whose) in [
        ("node_port", node_port, taken, nginx),
        ("health_node_port", health_node_port, taken, nginx),
        (
            "health_node_port",
            health_node_port,
            node_port,
            "this section's node_port",
        ),
    ] {
        if p == other {
            let m = format!(
                "{p} is already {whose}; each router needs NodePorts of its own, so both can run side by side"
            );
            return Err(invalid(node, &path.key(key), m));
        }
    }
    Ok(Gateway {
        implementation,
        class,
        name,
        namespace,
        selector,
        node_port,
        http_port,
        health_node_port,
        health_port,
        health_path,
    })
}

fn needed(node: &Node, path: &Path, key: &str) -> Error {
    invalid(
        node,
        &path.key(key),
        format!("implementation: other has no defaults; give {key}"),
    )
}

/// A map of Kubernetes label keys to label values, sorted by key.
fn selector(node: &Node, path: &Path) -> Result<Vec<(String, String)>, Error> {
    let Value::Map(entries) = &node.value else {
        return Err(invalid(
            node,
            path,
            "is not a map of label strings; write it as {key: value, ...}",
        ));
    };
    if entries.is_empty() {
        return Err(invalid(
            node,
            path,
            "is empty; a Service with no selector selects no pod",
        ));
    }
    let mut out = BTreeMap::new();
    for e in entries {
        let at = path.key(&e.key);
        let value = match &e.node.value {
            Value::Scalar { text, .. } if !e.node.is_null() => text.as_str(),
            _ => {
                return Err(invalid(
                    &e.node,
                    &at,
                    "is not a label string; a selector maps each label key to one value",
                ));
            }
        };
        names::label_key(&e.key).map_err(|m| invalid(&e.node, &at, m))?;
        names::label_value(value).map_err(|m| invalid(&e.node, &at, m))?;
        out.insert(e.key.clone(), value.to_owned());
    }
    Ok(out.into_iter().collect())
}
