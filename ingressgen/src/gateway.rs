//! The Gateway API side (`gateway.networking.k8s.io/v1`), for a site whose
//! router in the cluster is a Gateway API implementation instead of the
//! retired ingress-nginx: one Gateway with a plain-HTTP listener (TLS ends
//! in HAProxy, as before), one HTTPRoute per service in the service's own
//! namespace with the hosts its Ingress would have, and the NodePort
//! Service that puts the data plane (and its readiness endpoint) on every
//! worker.
//!
//! Each HTTPRoute sits in its service's namespace and sends to a Service
//! there, so no ReferenceGrant is needed; the Gateway admits routes from
//! every namespace, as ingress-nginx reads Ingress objects from every
//! namespace.

use crate::k8s::{self, Object, ServicePort, ServiceSpec, Spec, scalar};
use crate::site::{Service, Site};
use clusterfile::Gateway;
use serde::Serialize;
use std::fmt::Write as _;

/// The Gateway's only listener: plain HTTP on port 80.
pub const LISTENER: &str = "http";
/// The port of that listener (each implementation maps it to
/// [`Gateway::http_port`] in its pods).
pub const LISTENER_PORT: u16 = 80;

/// The NodePort Service's name: the Gateway's, with `-nodeport`.
pub fn service_name(g: &Gateway) -> String {
    format!("{}-nodeport", g.name)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GatewaySpec {
    gateway_class_name: String,
    listeners: [Listener; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listener {
    name: &'static str,
    protocol: &'static str,
    port: u16,
    allowed_routes: AllowedRoutes,
}

#[derive(Serialize)]
struct AllowedRoutes {
    namespaces: From,
}

#[derive(Serialize)]
struct From {
    from: &'static str,
}

/// The Gateway, then one HTTPRoute per service (internal ones included),
/// sorted by name.
pub fn objects(site: &Site, g: &Gateway) -> String {
    let gateway = Object {
        api_version: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: k8s::metadata(&g.name, &g.namespace),
        body: Spec {
            spec: GatewaySpec {
                gateway_class_name: g.class.clone(),
                listeners: [Listener {
                    name: LISTENER,
                    protocol: "HTTP",
                    port: LISTENER_PORT,
                    allowed_routes: AllowedRoutes {
                        namespaces: From { from: "All" },
                    },
                }],
            },
        },
    };
    let mut out = k8s::documents([gateway]);
    for s in site.all_services() {
        route(&mut out, site, g, s);
    }
    out
}

/// One HTTPRoute, written directly as the Ingress objects are (at 50,000
/// services a YAML serialiser costs ten times the rest); a unit test reads
/// it back against a serialiser's.
fn route(out: &mut String, site: &Site, g: &Gateway, s: &Service) {
    k8s::write_head(out, "gateway.networking.k8s.io/v1", "HTTPRoute", s);
    let _ = write!(
        out,
        "spec:\n  parentRefs:\n  - name: {}\n    namespace: {}\n    sectionName: {LISTENER}\n  hostnames:\n",
        scalar(&g.name),
        scalar(&g.namespace),
    );
    for h in site.hosts_of(s) {
        let _ = writeln!(out, "  - {}", scalar(&h));
    }
    out.push_str("  rules:\n  - backendRefs:\n    - name: ");
    k8s::write_service_name(out, s);
    let _ = writeln!(out, "\n      port: {}", s.port);
}

/// The NodePort Service in front of the data plane: its HTTP listener on
/// [`Gateway::node_port`] and its readiness endpoint on
/// [`Gateway::health_node_port`] of every worker (the workers' IPv4
/// addresses as `externalIPs`, as for ingress-nginx).
pub fn expose(site: &Site, g: &Gateway) -> String {
    let service = Object {
        api_version: "v1",
        kind: "Service",
        metadata: k8s::metadata(&service_name(g), &g.namespace),
        body: Spec {
            spec: ServiceSpec {
                kind: "NodePort",
                selector: g.selector.iter().cloned().collect(),
                external_ips: k8s::worker_ips(site),
                ports: vec![
                    ServicePort {
                        name: "http",
                        protocol: "TCP",
                        port: g.node_port,
                        target_port: g.http_port,
                        node_port: g.node_port,
                    },
                    ServicePort {
                        name: "health",
                        protocol: "TCP",
                        port: g.health_node_port,
                        target_port: g.health_port,
                        node_port: g.health_node_port,
                    },
                ],
            },
        },
    };
    k8s::documents([service])
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "masters: [{name: m, ipv4: 10.0.0.2}]\nworkers: [{name: w, ipv4: 10.0.0.1}]\ningress:\n  domain: ocf.berkeley.edu\n  tls_bundle: /x.pem\n  routed_suffixes: [dev-kubernetes]\n  controller: gateway-api\n  gateway: {implementation: contour}\n  services: [{name: pma, aliases: [phpmyadmin], dev: true, port: 8080}, {name: \"123\", namespace: \"yes\", service: s-1}]\n";

    #[test]
    fn the_written_route_is_what_a_serialiser_would_write() {
        let site = crate::site::parse(FILE).unwrap();
        let g = site.gateway.clone().unwrap();
        let docs = clikit::yaml::documents(&objects(&site, &g)).unwrap();
        let route = |name: &str, ns: &str, hosts: &[&str], svc: &str, port: u16| {
            serde_yaml::to_value(serde_json::json!({
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "HTTPRoute",
                "metadata": {"name": name, "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "ingressgen"}},
                "spec": {
                    "parentRefs": [{"name": "ingressgen", "namespace": "projectcontour", "sectionName": "http"}],
                    "hostnames": hosts,
                    "rules": [{"backendRefs": [{"name": svc, "port": port}]}]
                }
            }))
            .unwrap()
        };
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0]["kind"], "Gateway");
        assert_eq!(docs[0]["spec"]["gatewayClassName"], "contour");
        assert_eq!(docs[0]["spec"]["listeners"][0]["port"], 80);
        assert_eq!(
            docs[1],
            route("123", "yes", &["123.ocf.berkeley.edu"], "s-1", 80)
        );
        let pma = [
            "pma.ocf.berkeley.edu",
            "phpmyadmin.ocf.berkeley.edu",
            "pma.dev-kubernetes.ocf.berkeley.edu",
        ];
        assert_eq!(docs[2], route("pma", "app-pma", &pma, "pma-service", 8080));
    }

    #[test]
    fn the_data_plane_is_exposed_on_both_node_ports() {
        let site = crate::site::parse(FILE).unwrap();
        let g = site.gateway.clone().unwrap();
        let docs = clikit::yaml::documents(&expose(&site, &g)).unwrap();
        let spec = &docs[0]["spec"];
        assert_eq!(docs[0]["metadata"]["namespace"], "projectcontour");
        assert_eq!(spec["selector"]["app"], "envoy-ingressgen");
        assert_eq!(spec["ports"][0]["nodePort"], 31235);
        assert_eq!(spec["ports"][0]["targetPort"], 8080);
        assert_eq!(spec["ports"][1]["nodePort"], 31236);
        assert_eq!(spec["ports"][1]["targetPort"], 8002);
    }
}
