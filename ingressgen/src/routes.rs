//! What a cluster file makes HAProxy and ingress-nginx do, as one flat
//! table: each host on each frontend and where it goes, each backend
//! server, and the settings that change behaviour. `ingressgen routes`
//! prints it; `ingressgen diff` compares two of them.

use crate::k8s;
use crate::site::{Service, Site};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where a row applies, in table order: the frontends first, settings last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The HTTPS frontend.
    Https,
    /// The plain-HTTP frontend for the inside.
    Internal,
    /// The backend of every worker.
    Backend,
    /// A setting that changes behaviour.
    Setting,
}

/// What a row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A host sent to a service (or to the cluster's Ingress objects).
    Route,
    /// A host redirected (301) to another.
    Redirect,
    /// A backend server.
    Server,
    /// The backend's health check, a GET of a path.
    Get,
    /// A setting's value.
    Set,
}

/// How a row differs between two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difference {
    /// Only in the new table.
    Added,
    /// Only in the old table.
    Removed,
    /// In both, going somewhere else.
    Changed,
}

/// Each value is printed as the word serde writes it in JSON (the
/// `rename_all` above), so text and JSON spell it once.
macro_rules! printed_as_serialised {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&clikit::word(self))
            }
        }
    )*};
}
printed_as_serialised!(Scope, Action, Difference);

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    /// The frontend, the backend, or a setting.
    pub scope: Scope,
    /// The host (`*.` for a suffix), the server or the setting.
    pub key: String,
    /// What happens to it.
    pub action: Action,
    /// `namespace/service:port`, `ingress` (the cluster's Ingress objects
    /// decide), the redirect target, the server address, or the value.
    pub target: String,
}

fn service_target(s: &Service) -> String {
    format!("{}/{}:{}", s.namespace(), s.service(), s.port)
}

/// The table for `site`, sorted by scope, then key.
pub fn table(site: &Site) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut push = |scope, key: String, action, target: String| {
        out.push(Entry {
            scope,
            key,
            action,
            target,
        })
    };
    for (scope, list, suffixes) in [
        (Scope::Https, &site.services, &site.routed_suffixes),
        (
            Scope::Internal,
            &site.internal_services,
            &site.internal_suffixes,
        ),
    ] {
        for s in list {
            let hosts = k8s::hosts_of(site, s);
            push(scope, hosts[0].clone(), Action::Route, service_target(s));
            for a in &s.aliases {
                push(scope, site.host(a), Action::Redirect, site.host(&s.name));
                if scope == Scope::Https {
                    for alt in &site.alternate_domains {
                        push(
                            scope,
                            format!("{a}.{alt}"),
                            Action::Redirect,
                            site.host(&s.name),
                        );
                    }
                }
            }
            if s.dev {
                let dev = format!("{}.{}.{}", s.name, site.dev_suffix, site.domain);
                push(scope, dev, Action::Route, service_target(s));
            }
        }
        for x in suffixes {
            push(
                scope,
                format!("*.{x}.{}", site.domain),
                Action::Route,
                "ingress".into(),
            );
        }
    }
    for alt in &site.alternate_domains {
        push(
            Scope::Https,
            format!("*.{alt}"),
            Action::Redirect,
            format!("*.{}", site.domain),
        );
    }
    for w in &site.workers {
        push(
            Scope::Backend,
            w.name.clone(),
            Action::Server,
            format!("{}:{}", w.ipv4, site.node_port),
        );
    }
    push(
        Scope::Backend,
        "health-check".into(),
        Action::Get,
        site.health_path.clone(),
    );
    let l = &site.haproxy;
    let binds: Vec<String> = l.bind.iter().map(|b| b.to_string()).collect();
    for (k, v) in [
        ("tls_bundle", site.tls_bundle.clone()),
        ("ingress_class", site.ingress_class.clone()),
        ("bind", binds.join(",")),
        ("http_port", l.http_port.to_string()),
        ("https_port", l.https_port.to_string()),
        ("internal_port", l.internal_port.to_string()),
        ("monitor", format!("{}{}", l.monitor, l.monitor_path)),
        ("maxconn", l.maxconn.to_string()),
    ] {
        push(Scope::Setting, k.into(), Action::Set, v);
    }
    let t = &site.trusted_proxies;
    if t.any() {
        let mut whose: Vec<String> = t.networks.iter().map(|n| n.to_string()).collect();
        if t.internal_port {
            whose.push(clusterfile::ingress::INTERNAL_PORT.to_owned());
        }
        let key = "trusted_proxies".into();
        push(Scope::Setting, key, Action::Set, whose.join(","));
    }
    out.sort_by(|a, b| (a.scope, &a.key).cmp(&(b.scope, &b.key)));
    out
}

/// One row that differs between two tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Added, removed or changed.
    pub change: Difference,
    /// As in [`Entry`].
    pub scope: Scope,
    /// As in [`Entry`].
    pub key: String,
    /// `action target` before, if it existed.
    pub old: Option<String>,
    /// `action target` after, if it exists.
    pub new: Option<String>,
}

/// The rows added, removed or changed from `old` to `new`, in table order.
pub fn diff(old: &[Entry], new: &[Entry]) -> Vec<Change> {
    let index = |t: &[Entry]| -> BTreeMap<(Scope, String), String> {
        t.iter()
            .map(|e| {
                (
                    (e.scope, e.key.clone()),
                    format!("{} {}", e.action, e.target),
                )
            })
            .collect()
    };
    let (a, b) = (index(old), index(new));
    let mut keys: Vec<_> = a.keys().chain(b.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        let (o, n) = (a.get(&k), b.get(&k));
        let change = match (o, n) {
            (None, Some(_)) => Difference::Added,
            (Some(_), None) => Difference::Removed,
            (Some(x), Some(y)) if x != y => Difference::Changed,
            _ => continue,
        };
        out.push(Change {
            change,
            scope: k.0,
            key: k.1,
            old: o.cloned(),
            new: n.cloned(),
        });
    }
    out
}
