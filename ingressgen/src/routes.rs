//! What a cluster file makes HAProxy and ingress-nginx do, as one flat
//! table: each host on each frontend and where it goes, each backend
//! server, and the settings that change behaviour. `ingressgen routes`
//! prints it; `ingressgen diff` compares two of them.

use crate::k8s;
use crate::site::{Service, Site};
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    /// `https`, `internal` (a frontend), `backend` or `setting`.
    pub scope: &'static str,
    /// The host (`*.` for a suffix), the server or the setting.
    pub key: String,
    /// `route`, `redirect`, `server` or `set`.
    pub action: &'static str,
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
        ("https", &site.services, &site.routed_suffixes),
        ("internal", &site.internal_services, &site.internal_suffixes),
    ] {
        for s in list {
            let hosts = k8s::hosts_of(site, s);
            push(scope, hosts[0].clone(), "route", service_target(s));
            for a in &s.aliases {
                push(scope, site.host(a), "redirect", site.host(&s.name));
                if scope == "https" {
                    for alt in &site.alternate_domains {
                        push(scope, format!("{a}.{alt}"), "redirect", site.host(&s.name));
                    }
                }
            }
            if s.dev {
                let dev = format!("{}.{}.{}", s.name, site.dev_suffix, site.domain);
                push(scope, dev, "route", service_target(s));
            }
        }
        for x in suffixes {
            push(
                scope,
                format!("*.{x}.{}", site.domain),
                "route",
                "ingress".into(),
            );
        }
    }
    for alt in &site.alternate_domains {
        push(
            "https",
            format!("*.{alt}"),
            "redirect",
            format!("*.{}", site.domain),
        );
    }
    for w in &site.workers {
        push(
            "backend",
            w.name.clone(),
            "server",
            format!("{}:{}", w.ipv4, site.node_port),
        );
    }
    push(
        "backend",
        "health-check".into(),
        "get",
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
        push("setting", k.into(), "set", v);
    }
    out.sort_by(|a, b| (rank(a.scope), &a.key).cmp(&(rank(b.scope), &b.key)));
    out
}

/// The order of scopes in a table: frontends first, settings last.
fn rank(scope: &str) -> u8 {
    match scope {
        "https" => 0,
        "internal" => 1,
        "backend" => 2,
        _ => 3,
    }
}

/// One row that differs between two tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// As in [`Entry`].
    pub scope: &'static str,
    /// As in [`Entry`].
    pub key: String,
    /// `action target` before, if it existed.
    pub old: Option<String>,
    /// `action target` after, if it exists.
    pub new: Option<String>,
}

/// The rows added, removed or changed from `old` to `new`, in table order.
pub fn diff(old: &[Entry], new: &[Entry]) -> Vec<Change> {
    let index = |t: &[Entry]| -> BTreeMap<(u8, &'static str, String), String> {
        t.iter()
            .map(|e| {
                (
                    (rank(e.scope), e.scope, e.key.clone()),
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
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(x), Some(y)) if x != y => "changed",
            _ => continue,
        };
        out.push(Change {
            change,
            scope: k.1,
            key: k.2,
            old: o.cloned(),
            new: n.cloned(),
        });
    }
    out
}
