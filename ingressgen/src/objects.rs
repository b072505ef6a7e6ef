//! What a router in the cluster reads from the objects `ingressgen
//! ingress` renders: every host and the backend it is sent to. ingress-nginx
//! reads the Ingress rules; a Gateway API implementation the HTTPRoutes
//! attached to a listener of a Gateway among the objects. The lab's
//! stand-in router serves by it, and the tests hold both renderings to the
//! same table with it.

use std::collections::BTreeMap;

/// Where a rule sends a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// The Service's namespace.
    pub namespace: String,
    /// The Service.
    pub service: String,
    /// Its port.
    pub port: u64,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}:{}", self.namespace, self.service, self.port)
    }
}

/// Host → backend, as one router's objects say.
pub type Routes = BTreeMap<String, Backend>;

/// A value of an object at `path` (mapping keys), or why it is missing.
fn at<'a>(
    doc: &'a serde_yaml::Value,
    path: &[&str],
    what: &str,
) -> Result<&'a serde_yaml::Value, String> {
    path.iter()
        .try_fold(doc, |v, k| v.get(k))
        .ok_or_else(|| format!("{what}: no {}", path.join(".")))
}

fn text<'a>(doc: &'a serde_yaml::Value, path: &[&str], what: &str) -> Result<&'a str, String> {
    at(doc, path, what)?
        .as_str()
        .ok_or_else(|| format!("{what}: {} is not a string", path.join(".")))
}

fn list<'a>(
    doc: &'a serde_yaml::Value,
    path: &[&str],
    what: &str,
) -> Result<&'a [serde_yaml::Value], String> {
    at(doc, path, what)?
        .as_sequence()
        .map(Vec::as_slice)
        .ok_or_else(|| format!("{what}: {} is not a list", path.join(".")))
}

fn number(doc: &serde_yaml::Value, path: &[&str], what: &str) -> Result<u64, String> {
    at(doc, path, what)?
        .as_u64()
        .ok_or_else(|| format!("{what}: {} is not a number", path.join(".")))
}

/// An object of the cluster: its namespace, `namespace/name`, and itself.
type Object<'a> = (&'a str, String, &'a serde_yaml::Value);

/// The objects of `kind` among `docs`.
fn of_kind<'a>(docs: &'a [serde_yaml::Value], kind: &str) -> Result<Vec<Object<'a>>, String> {
    let mut out = Vec::new();
    for d in docs
        .iter()
        .filter(|d| d.get("kind").and_then(|k| k.as_str()) == Some(kind))
    {
        let ns = text(d, &["metadata", "namespace"], kind)?;
        let name = text(d, &["metadata", "name"], kind)?;
        out.push((ns, format!("{ns}/{name}"), d));
    }
    Ok(out)
}

/// Adds `host` → `to`; a host two rules name is refused (neither router
/// would route it predictably).
fn route(routes: &mut Routes, host: &str, to: Backend, what: &str) -> Result<(), String> {
    if let Some(was) = routes.insert(host.to_ascii_lowercase(), to) {
        return Err(format!("{what}: {host} is routed twice (also to {was})"));
    }
    Ok(())
}

/// ingress-nginx's routes: every Ingress rule's host to the Service its
/// first path's backend names, in the Ingress's namespace.
pub fn ingress_routes(docs: &[serde_yaml::Value]) -> Result<Routes, String> {
    let mut routes = Routes::new();
    for (namespace, id, ing) in of_kind(docs, "Ingress")? {
        let what = format!("Ingress {id}");
        for rule in list(ing, &["spec", "rules"], &what)? {
            let host = text(rule, &["host"], &what)?;
            let path = list(rule, &["http", "paths"], &what)?
                .first()
                .ok_or_else(|| format!("{what}: {host} has no path"))?;
            let to = Backend {
                namespace: namespace.to_owned(),
                service: text(path, &["backend", "service", "name"], &what)?.to_owned(),
                port: number(path, &["backend", "service", "port", "number"], &what)?,
            };
            route(&mut routes, host, to, &what)?;
        }
    }
    Ok(routes)
}

/// A Gateway's listener: its Gateway (`namespace/name`) and name, and
/// the namespaces whose routes it admits (`None`: all).
struct Listener<'a> {
    gateway: String,
    name: &'a str,
    admits: Option<&'a str>,
}

/// Every listener of the Gateways among `docs`. `allowedRoutes` admits
/// routes from `All` namespaces or the Gateway's own (`Same`, the
/// default); a selector is refused (ingressgen writes none).
fn listeners_of(docs: &[serde_yaml::Value]) -> Result<Vec<Listener<'_>>, String> {
    let mut out = Vec::new();
    for (ns, id, g) in of_kind(docs, "Gateway")? {
        let what = format!("Gateway {id}");
        for l in list(g, &["spec", "listeners"], &what)? {
            let from = at(l, &["allowedRoutes", "namespaces", "from"], &what)
                .ok()
                .and_then(|f| f.as_str())
                .unwrap_or("Same");
            let admits = match from {
                "All" => None,
                "Same" => Some(ns),
                other => {
                    return Err(format!(
                        "{what}: allowedRoutes from {other} is not served here"
                    ));
                }
            };
            let name = text(l, &["name"], &what)?;
            out.push(Listener {
                gateway: id.clone(),
                name,
                admits,
            });
        }
    }
    Ok(out)
}

/// The Gateway API's routes: every hostname of an HTTPRoute attached to
/// a listener of a Gateway among the objects to its first rule's first
/// backendRef (in the route's namespace unless it names another). A
/// parentRef attaches the route when it names the Gateway (in the
/// route's namespace unless it names another) and, with a
/// `sectionName`, that listener, and the listener admits the route's
/// namespace; a route attached nowhere routes nothing, as with a real
/// Gateway.
pub fn gateway_routes(docs: &[serde_yaml::Value]) -> Result<Routes, String> {
    let listeners = listeners_of(docs)?;
    let mut routes = Routes::new();
    for (namespace, id, r) in of_kind(docs, "HTTPRoute")? {
        let what = format!("HTTPRoute {id}");
        let ns_of = |v: &serde_yaml::Value| {
            v.get("namespace")
                .and_then(|n| n.as_str())
                .unwrap_or(namespace)
                .to_owned()
        };
        let attaches = |p: &serde_yaml::Value| {
            let gateway = format!(
                "{}/{}",
                ns_of(p),
                p.get("name").and_then(|n| n.as_str()).unwrap_or_default()
            );
            let section = p.get("sectionName").and_then(|n| n.as_str());
            listeners.iter().any(|l| {
                l.gateway == gateway
                    && section.is_none_or(|s| s == l.name)
                    && l.admits.is_none_or(|ns| ns == namespace)
            })
        };
        if !list(r, &["spec", "parentRefs"], &what)?
            .iter()
            .any(attaches)
        {
            continue;
        }
        let rule = list(r, &["spec", "rules"], &what)?
            .first()
            .ok_or_else(|| format!("{what}: no rule"))?;
        let backend = list(rule, &["backendRefs"], &what)?
            .first()
            .ok_or_else(|| format!("{what}: no backendRef"))?;
        let to = Backend {
            namespace: ns_of(backend),
            service: text(backend, &["name"], &what)?.to_owned(),
            port: number(backend, &["port"], &what)?,
        };
        for host in list(r, &["spec", "hostnames"], &what)? {
            let host = host
                .as_str()
                .ok_or_else(|| format!("{what}: a hostname is not a string"))?;
            route(&mut routes, host, to.clone(), &what)?;
        }
    }
    Ok(routes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(yaml: &str) -> Vec<serde_yaml::Value> {
        clikit::yaml::documents(yaml).unwrap()
    }

    const ROUTES: &str = "
kind: Gateway
metadata: {name: gw, namespace: edge}
spec:
  listeners: [{name: http, allowedRoutes: {namespaces: {from: All}}}]
---
kind: HTTPRoute
metadata: {name: a, namespace: app-a}
spec:
  parentRefs: [{name: gw, namespace: edge, sectionName: http}]
  hostnames: [a.example, Alias.example]
  rules: [{backendRefs: [{name: a-service, port: 80}]}]
---
kind: HTTPRoute
metadata: {name: b, namespace: app-b}
spec:
  parentRefs: [{name: other, namespace: edge}]
  hostnames: [b.example]
  rules: [{backendRefs: [{name: b-service, port: 80}]}]
";

    #[test]
    fn routes_attached_to_the_gateway_route_their_hostnames() {
        let r = gateway_routes(&docs(ROUTES)).unwrap();
        let a = Backend {
            namespace: "app-a".into(),
            service: "a-service".into(),
            port: 80,
        };
        let want: Routes = [("a.example", &a), ("alias.example", &a)]
            .into_iter()
            .map(|(h, b)| (h.to_owned(), b.clone()))
            .collect();
        // b's parent is no Gateway of the objects: it routes nothing.
        assert_eq!(r, want);
    }

    /// A listener admits routes of its Gateway's namespace only unless it
    /// says `All`, and a parentRef's sectionName must name one.
    #[test]
    fn a_route_the_listener_does_not_admit_routes_nothing() {
        let same = ROUTES.replace(", allowedRoutes: {namespaces: {from: All}}", "");
        assert_eq!(gateway_routes(&docs(&same)).unwrap(), Routes::new());
        let other = ROUTES.replace("sectionName: http", "sectionName: https");
        assert_eq!(gateway_routes(&docs(&other)).unwrap(), Routes::new());
        let unnamed = ROUTES.replace(", sectionName: http", "");
        assert_eq!(gateway_routes(&docs(&unnamed)).unwrap().len(), 2);
        let selector = ROUTES.replace("from: All", "from: Selector");
        let e = gateway_routes(&docs(&selector)).unwrap_err();
        assert_eq!(
            e,
            "Gateway edge/gw: allowedRoutes from Selector is not served here"
        );
    }

    /// What a router reads from the two renderings of the example and the
    /// lab files: every host to the same backend.
    #[test]
    fn both_renderings_route_every_host_alike() {
        for file in ["examples/ocf/cluster.yaml", "examples/lab/cluster.yaml"] {
            let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
            let site = crate::site::Site::try_from(clusterfile::load(&path).unwrap()).unwrap();
            let gateway = site.gateway.as_ref().expect("a gateway section");
            let nginx = ingress_routes(&docs(&crate::k8s::ingresses(&site))).unwrap();
            let objects = crate::gateway::objects(&site, gateway);
            let gateway = gateway_routes(&docs(&objects)).unwrap();
            assert_eq!(nginx, gateway, "{file}");
            let aliases = site.services.iter().map(|s| s.aliases.len()).sum::<usize>();
            assert!(nginx.len() > site.services.len() + aliases, "{file}");
        }
    }

    #[test]
    fn ingress_rules_route_their_hosts() {
        let r = ingress_routes(&docs(
            "kind: Ingress
metadata: {name: a, namespace: app-a}
spec:
  rules:
  - host: a.example
    http: {paths: [{backend: {service: {name: a-service, port: {number: 8080}}}}]}
",
        ))
        .unwrap();
        assert_eq!(r["a.example"].to_string(), "app-a/a-service:8080");
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn a_host_routed_twice_or_a_missing_field_is_refused() {
        let twice = format!(
            "{ROUTES}---\nkind: HTTPRoute\nmetadata: {{name: c, namespace: app-c}}\nspec:\n  parentRefs: [{{name: gw, namespace: edge}}]\n  hostnames: [a.example]\n  rules: [{{backendRefs: [{{name: c, port: 80}}]}}]\n"
        );
        let e = gateway_routes(&docs(&twice)).unwrap_err();
        assert!(e.contains("a.example is routed twice"), "{e}");
        let e = ingress_routes(&docs(
            "kind: Ingress\nmetadata: {name: a, namespace: n}\nspec: {}\n",
        ))
        .unwrap_err();
        assert_eq!(e, "Ingress n/a: no spec.rules");
    }
}
