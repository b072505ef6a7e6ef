//! The Kubernetes side: one `networking.k8s.io/v1` Ingress per service, and
//! the ingress-nginx NodePort Service and ConfigMap the site applies after
//! the upstream bare-metal manifest. Multi-document YAML, ready for
//! `kubectl apply -f -`.

use crate::site::{Service, Site};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The namespace, Service and ConfigMap names of the upstream ingress-nginx
/// install.
pub const CONTROLLER_NAMESPACE: &str = "ingress-nginx";
/// The NodePort Service's name.
pub const CONTROLLER_SERVICE: &str = "ingress-nginx";
/// The controller's ConfigMap, as the upstream manifest names it.
pub const CONTROLLER_CONFIGMAP: &str = "ingress-nginx-controller";
/// The label every generated object carries.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "ingressgen");

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Object<S: Serialize> {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) metadata: Metadata,
    #[serde(flatten)]
    pub(crate) body: S,
}

#[derive(Serialize)]
pub(crate) struct Metadata {
    name: String,
    namespace: String,
    labels: BTreeMap<&'static str, &'static str>,
}

pub(crate) fn metadata(name: &str, namespace: &str) -> Metadata {
    Metadata {
        name: name.to_owned(),
        namespace: namespace.to_owned(),
        labels: BTreeMap::from([MANAGED_BY]),
    }
}

#[derive(Serialize)]
pub(crate) struct Spec<T: Serialize> {
    pub(crate) spec: T,
}

/// A checked name as a YAML scalar: plain, unless YAML could read it as
/// something other than a string (a number such as `123` or `1e3`, a
/// boolean such as `yes`, or null), then double-quoted. Names hold only
/// `a-z`, `0-9`, `-` and `.`, so quoting never needs an escape.
pub(crate) fn scalar(s: &str) -> std::borrow::Cow<'_, str> {
    const WORDS: [&str; 13] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~", "",
    ];
    let numeric_start = s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.');
    if numeric_start || WORDS.contains(&s) {
        format!("\"{s}\"").into()
    } else {
        s.into()
    }
}

/// A multi-label name with its dots made `-`, as the default Kubernetes
/// names use it.
pub(crate) struct Flat<'a>(pub(crate) &'a str);

impl std::fmt::Display for Flat<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, part) in self.0.split('.').enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(part)?;
        }
        Ok(())
    }
}

/// `---`, the apiVersion and kind, and the metadata of a service's own
/// object: its name, its namespace and the managed-by label, each a plain
/// or quoted YAML scalar (the defaults start with a letter, so they are
/// always plain).
pub(crate) fn write_head(out: &mut String, api_version: &str, kind: &str, s: &Service) {
    let _ = write!(
        out,
        "---\napiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {}\n  namespace: ",
        scalar(&s.name)
    );
    match &s.namespace_name {
        Some(ns) => out.push_str(&scalar(ns)),
        None => {
            let _ = write!(out, "app-{}", Flat(&s.name));
        }
    }
    let _ = writeln!(out, "\n  labels:\n    {}: {}", MANAGED_BY.0, MANAGED_BY.1);
}

/// A service's Kubernetes Service name, as a YAML scalar.
pub(crate) fn write_service_name(out: &mut String, s: &Service) {
    match &s.service_name {
        Some(svc) => out.push_str(&scalar(svc)),
        None => {
            let _ = write!(out, "{}-service", Flat(&s.name));
        }
    }
}

/// One Ingress, written directly: at 50,000 services a YAML serialiser
/// costs ten times the rest of the run. The unit tests read every shape
/// back with a YAML parser.
fn ingress(out: &mut String, site: &Site, s: &Service) {
    write_head(out, "networking.k8s.io/v1", "Ingress", s);
    let _ = write!(
        out,
        "spec:\n  ingressClassName: {}\n  rules:\n",
        scalar(&site.ingress_class)
    );
    for host in site.hosts_of(s) {
        let _ = write!(
            out,
            "  - host: {}\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: ",
            scalar(&host)
        );
        write_service_name(out, s);
        let _ = writeln!(out, "\n            port:\n              number: {}", s.port);
    }
}

/// The Ingress objects of every service (internal ones included), sorted by
/// name.
pub fn ingresses(site: &Site) -> String {
    let all = site.all_services();
    let mut out = String::with_capacity(all.len() * 480);
    for s in all {
        ingress(&mut out, site, s);
    }
    out
}

/// [`ingresses`], written to `w` one document at a time: at 50,000
/// services this spares holding (and faulting in) the whole 24 MB output.
pub fn write_ingresses(site: &Site, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut doc = String::with_capacity(1024);
    for s in site.all_services() {
        doc.clear();
        ingress(&mut doc, site, s);
        w.write_all(doc.as_bytes())?;
    }
    Ok(())
}

/// One document per item, each starting with `---`.
pub(crate) fn documents<T: Serialize>(items: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str("---\n");
        // Plain structs of strings and numbers always serialise.
        out.push_str(&serde_yaml::to_string(&item).expect("manifest serialises to YAML"));
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceSpec {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) selector: BTreeMap<String, String>,
    #[serde(rename = "externalIPs")]
    pub(crate) external_ips: Vec<String>,
    pub(crate) ports: Vec<ServicePort>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServicePort {
    pub(crate) name: &'static str,
    pub(crate) protocol: &'static str,
    pub(crate) port: u16,
    pub(crate) target_port: u16,
    pub(crate) node_port: u16,
}

#[derive(Serialize)]
struct ConfigMapData {
    data: BTreeMap<&'static str, &'static str>,
}

/// The workers' IPv4 addresses, the NodePort Services' `externalIPs`.
pub(crate) fn worker_ips(site: &Site) -> Vec<String> {
    site.workers.iter().map(|w| w.ipv4.to_string()).collect()
}

/// The ingress-nginx NodePort Service (the workers' IPv4 addresses as
/// `externalIPs`) and the controller ConfigMap that trusts HAProxy's
/// X-Forwarded-* headers.
pub fn expose(site: &Site) -> String {
    let service = Object {
        api_version: "v1",
        kind: "Service",
        metadata: metadata(CONTROLLER_SERVICE, CONTROLLER_NAMESPACE),
        body: Spec {
            spec: ServiceSpec {
                kind: "NodePort",
                selector: [
                    ("app.kubernetes.io/component", "controller"),
                    ("app.kubernetes.io/instance", "ingress-nginx"),
                    ("app.kubernetes.io/name", "ingress-nginx"),
                ]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into(),
                external_ips: worker_ips(site),
                ports: vec![ServicePort {
                    name: "http",
                    protocol: "TCP",
                    port: site.node_port,
                    target_port: 80,
                    node_port: site.node_port,
                }],
            },
        },
    };
    let config = Object {
        api_version: "v1",
        kind: "ConfigMap",
        metadata: metadata(CONTROLLER_CONFIGMAP, CONTROLLER_NAMESPACE),
        body: ConfigMapData {
            data: BTreeMap::from([("use-forwarded-headers", "true")]),
        },
    };
    let mut out = documents([service]);
    out.push_str(&documents([config]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<serde_yaml::Value> {
        clikit::yaml::documents(text).unwrap()
    }

    #[test]
    fn names_yaml_would_misread_are_quoted_and_read_back_as_strings() {
        let tricky = [
            "123", "yes", "no", "on", "off", "y", "n", "true", "null", "nan", "inf", "1e3", "0x1f",
            "0o17", "12-34", "plain",
        ];
        let list: Vec<String> = tricky
            .iter()
            .map(|n| {
                format!(
                    "{{name: {n:?}, service: s-{n}, namespace: {n:?}, aliases: [\"{n}-alias\"]}}"
                )
            })
            .collect();
        let text = format!(
            "masters: [{{name: m, ipv4: 10.0.0.2}}]\nworkers: [{{name: w, ipv4: 10.0.0.1}}]\ningress:\n  domain: \"1.2\"\n  ingress_class: \"true\"\n  tls_bundle: /x.pem\n  services: [{}]\n",
            list.join(", ")
        );
        let site = crate::site::parse(&text).unwrap();
        let out = ingresses(&site);
        let docs = docs(&out);
        assert_eq!(docs.len(), tricky.len());
        let mut sorted = tricky.to_vec();
        sorted.sort();
        for (d, n) in docs.iter().zip(sorted) {
            let str_at = |path: &[&str]| {
                let mut v = d;
                for p in path {
                    v = p.parse::<usize>().map_or_else(|_| &v[*p], |i| &v[i]);
                }
                v.as_str()
                    .unwrap_or_else(|| panic!("{n}: {path:?} is not a string: {v:?}"))
                    .to_owned()
            };
            assert_eq!(str_at(&["metadata", "name"]), n);
            assert_eq!(str_at(&["metadata", "namespace"]), n);
            assert_eq!(str_at(&["spec", "ingressClassName"]), "true");
            assert_eq!(str_at(&["spec", "rules", "0", "host"]), format!("{n}.1.2"));
            assert_eq!(
                str_at(&["spec", "rules", "1", "host"]),
                format!("{n}-alias.1.2")
            );
            assert_eq!(
                str_at(&[
                    "spec", "rules", "0", "http", "paths", "0", "backend", "service", "name"
                ]),
                format!("s-{n}")
            );
            assert_eq!(
                d["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"],
                80
            );
        }
    }

    #[test]
    fn the_written_ingress_is_what_a_serialiser_would_write() {
        let site = crate::site::parse(
            "masters: [{name: m, ipv4: 10.0.0.2}]\nworkers: [{name: w, ipv4: 10.0.0.1}]\ningress:\n  domain: ocf.berkeley.edu\n  tls_bundle: /x.pem\n  routed_suffixes: [dev-kubernetes]\n  services: [{name: pma, aliases: [phpmyadmin], dev: true, port: 8080}]\n",
        )
        .unwrap();
        let rules: Vec<serde_json::Value> = [
            "pma.ocf.berkeley.edu",
            "phpmyadmin.ocf.berkeley.edu",
            "pma.dev-kubernetes.ocf.berkeley.edu",
        ]
        .map(|h| {
            serde_json::json!({
                "host": h,
                "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "pma-service", "port": {"number": 8080}}}}]}
            })
        })
        .to_vec();
        let want = serde_yaml::to_string(&serde_json::json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "pma", "namespace": "app-pma", "labels": {"app.kubernetes.io/managed-by": "ingressgen"}},
            "spec": {"ingressClassName": "nginx", "rules": rules}
        }))
        .unwrap();
        let have = ingresses(&site);
        assert_eq!(docs(&have), docs(&want));
    }
}
