//! What a cluster file makes HAProxy and ingress-nginx do, as one flat
//! table: each host on each frontend and where it goes, each backend
//! server, and the settings that change behaviour. `ingressgen routes`
//! prints it; `ingressgen diff` compares two of them.

use crate::site::{Service, Site};
use serde::Serialize;
use std::fmt::Write;

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
                f.write_str(clikit::word(self))
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

/// `namespace/service:port`, in one allocation: built per service.
fn service_target(s: &Service) -> String {
    let mut t = String::with_capacity(2 * s.name.len() + 24);
    s.push_namespace(&mut t);
    t.push('/');
    s.push_service(&mut t);
    t.push(':');
    write!(t, "{}", s.port).expect("writing to a String cannot fail");
    t
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
            let own = site.host(&s.name);
            push(scope, own.clone(), Action::Route, service_target(s));
            for a in &s.aliases {
                push(scope, site.host(a), Action::Redirect, own.clone());
                if scope == Scope::Https {
                    for alt in &site.alternate_domains {
                        push(scope, format!("{a}.{alt}"), Action::Redirect, own.clone());
                    }
                }
            }
            if s.dev {
                push(scope, site.dev_host(s), Action::Route, service_target(s));
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
    let backend = site.backend();
    for w in &site.workers {
        push(
            Scope::Backend,
            w.name.clone(),
            Action::Server,
            format!("{}:{}", w.ipv4, backend.port),
        );
    }
    let check = if backend.check_port == backend.port {
        backend.check_path.to_owned()
    } else {
        format!("{} (port {})", backend.check_path, backend.check_port)
    };
    push(Scope::Backend, "health-check".into(), Action::Get, check);
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
    if let Some(g) = &site.gateway {
        let controller = site.controller.word().to_owned();
        push(Scope::Setting, "controller".into(), Action::Set, controller);
        let gateway = format!(
            "{}/{} class {} ({})",
            g.namespace,
            g.name,
            g.class,
            g.implementation.word()
        );
        push(Scope::Setting, "gateway".into(), Action::Set, gateway);
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
/// Both tables are sorted (as [`table`] returns them), so one walk down
/// both finds every difference; of rows with the same scope and key, the
/// last counts.
pub fn diff(old: &[Entry], new: &[Entry]) -> Vec<Change> {
    let key = |e: &Entry| (e.scope, e.key.clone());
    debug_assert!(old.is_sorted_by_key(key) && new.is_sorted_by_key(key));
    let (mut a, mut b) = (Rows(old), Rows(new));
    let mut out = Vec::new();
    loop {
        let (o, n) = match (a.peek(), b.peek()) {
            (None, None) => return out,
            (Some(x), Some(y)) => match (x.scope, &x.key).cmp(&(y.scope, &y.key)) {
                std::cmp::Ordering::Less => (a.next(), None),
                std::cmp::Ordering::Greater => (None, b.next()),
                std::cmp::Ordering::Equal => (a.next(), b.next()),
            },
            (Some(_), None) => (a.next(), None),
            (None, Some(_)) => (None, b.next()),
        };
        let change = match (o, n) {
            (None, Some(_)) => Difference::Added,
            (Some(_), None) => Difference::Removed,
            (Some(x), Some(y)) if (x.action, &x.target) != (y.action, &y.target) => {
                Difference::Changed
            }
            _ => continue,
        };
        let e = n.or(o).expect("a row that differs is on one side at least");
        let what = |e: &Entry| [clikit::word(&e.action), " ", &e.target].concat();
        out.push(Change {
            change,
            scope: e.scope,
            key: e.key.clone(),
            old: o.map(what),
            new: n.map(what),
        });
    }
}

/// A sorted table read one key at a time: each key's last row.
struct Rows<'a>(&'a [Entry]);

impl<'a> Rows<'a> {
    fn peek(&self) -> Option<&'a Entry> {
        self.0.first()
    }

    fn next(&mut self) -> Option<&'a Entry> {
        let first = self.0.first()?;
        let same = self
            .0
            .iter()
            .take_while(|e| (e.scope, &e.key) == (first.scope, &first.key))
            .count();
        let last = &self.0[same - 1];
        self.0 = &self.0[same..];
        Some(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The walk down two sorted tables finds what a map from (scope, key)
    /// to (action, target) finds, in the same order: random small tables,
    /// with keys repeated inside one table (the last row counts).
    #[test]
    fn the_walk_finds_what_a_map_finds() {
        let seed = std::cell::Cell::new(0x9e37_79b9_7f4a_7c15_u64);
        let next = |n: u64| {
            let mut x = seed.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.set(x);
            x % n
        };
        let table = || {
            let mut t: Vec<Entry> = (0..next(12))
                .map(|_| Entry {
                    scope: [Scope::Https, Scope::Internal, Scope::Backend][next(3) as usize],
                    key: format!("h{}", next(6)),
                    action: [Action::Route, Action::Redirect][next(2) as usize],
                    target: format!("t{}", next(3)),
                })
                .collect();
            t.sort_by(|a, b| (a.scope, &a.key).cmp(&(b.scope, &b.key)));
            t
        };
        let by_map = |old: &[Entry], new: &[Entry]| {
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
            keys.into_iter()
                .filter_map(|k| {
                    let (o, n) = (a.get(&k).cloned(), b.get(&k).cloned());
                    let change = match (&o, &n) {
                        (None, Some(_)) => Difference::Added,
                        (Some(_), None) => Difference::Removed,
                        (Some(x), Some(y)) if x != y => Difference::Changed,
                        _ => return None,
                    };
                    let (scope, key) = k;
                    Some(Change {
                        change,
                        scope,
                        key,
                        old: o,
                        new: n,
                    })
                })
                .collect::<Vec<_>>()
        };
        for _ in 0..2000 {
            let (old, new) = (table(), table());
            assert_eq!(diff(&old, &new), by_map(&old, &new), "{old:?}\n{new:?}");
        }
    }
}
