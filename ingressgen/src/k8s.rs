//! The Kubernetes side: one `networking.k8s.io/v1` Ingress per service, and
//! the ingress-nginx NodePort Service and ConfigMap the site applies after
//! the upstream bare-metal manifest. Multi-document YAML, ready for
//! `kubectl apply -f -`.

use crate::input::{Service, Site};
use serde::Serialize;
use std::collections::BTreeMap;

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
struct Object<S: Serialize> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    #[serde(flatten)]
    body: S,
}

#[derive(Serialize)]
struct Metadata {
    name: String,
    namespace: String,
    labels: BTreeMap<&'static str, &'static str>,
}

fn metadata(name: &str, namespace: &str) -> Metadata {
    Metadata {
        name: name.to_owned(),
        namespace: namespace.to_owned(),
        labels: BTreeMap::from([MANAGED_BY]),
    }
}

#[derive(Serialize)]
struct Spec<T: Serialize> {
    spec: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IngressSpec {
    ingress_class_name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    host: String,
    http: RuleHttp,
}

#[derive(Serialize)]
struct RuleHttp {
    paths: Vec<Path>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Path {
    path: &'static str,
    path_type: &'static str,
    backend: Backend,
}

#[derive(Serialize)]
struct Backend {
    service: BackendService,
}

#[derive(Serialize)]
struct BackendService {
    name: String,
    port: BackendPort,
}

#[derive(Serialize)]
struct BackendPort {
    number: u16,
}

/// Every host a service's Ingress answers: its name, its aliases, and its
/// dev host, in that order.
pub fn hosts_of(site: &Site, s: &Service) -> Vec<String> {
    let mut hosts = vec![site.host(&s.name)];
    hosts.extend(s.aliases.iter().map(|a| site.host(a)));
    if s.dev {
        hosts.push(format!("{}.{}.{}", s.name, site.dev_suffix, site.domain));
    }
    hosts
}

fn ingress(site: &Site, s: &Service) -> Object<Spec<IngressSpec>> {
    let rules = hosts_of(site, s)
        .into_iter()
        .map(|host| Rule {
            host,
            http: RuleHttp {
                paths: vec![Path {
                    path: "/",
                    path_type: "Prefix",
                    backend: Backend {
                        service: BackendService {
                            name: s.service.clone(),
                            port: BackendPort { number: s.port },
                        },
                    },
                }],
            },
        })
        .collect();
    Object {
        api_version: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: metadata(&s.name, &s.namespace),
        body: Spec {
            spec: IngressSpec {
                ingress_class_name: site.ingress_class.clone(),
                rules,
            },
        },
    }
}

/// One document per item, each starting with `---`.
fn documents<T: Serialize>(items: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str("---\n");
        // Plain structs of strings and numbers always serialise.
        out.push_str(&serde_yaml::to_string(&item).expect("manifest serialises to YAML"));
    }
    out
}

/// The Ingress objects of every service (internal ones included), sorted by
/// name.
pub fn ingresses(site: &Site) -> String {
    documents(site.all_services().into_iter().map(|s| ingress(site, s)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceSpec {
    #[serde(rename = "type")]
    kind: &'static str,
    selector: BTreeMap<&'static str, &'static str>,
    #[serde(rename = "externalIPs")]
    external_ips: Vec<String>,
    ports: Vec<ServicePort>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServicePort {
    name: &'static str,
    protocol: &'static str,
    port: u16,
    target_port: u16,
    node_port: u16,
}

#[derive(Serialize)]
struct ConfigMapData {
    data: BTreeMap<&'static str, &'static str>,
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
                selector: BTreeMap::from([
                    ("app.kubernetes.io/component", "controller"),
                    ("app.kubernetes.io/instance", "ingress-nginx"),
                    ("app.kubernetes.io/name", "ingress-nginx"),
                ]),
                external_ips: site.workers.iter().map(|w| w.ipv4.to_string()).collect(),
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
