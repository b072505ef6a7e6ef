//! The render model: the cluster file's `workers` and `ingress` section,
//! every list sorted, so the order of the file never changes an output.
//! The file itself, its rules and its defaults belong to [`clusterfile`].

use clusterfile::{Api, ClusterFile, Host, Ingress, MissingSection};
pub use clusterfile::{Listen, Service};
use std::net::IpAddr;

/// What ingressgen renders from: the ingress section with every list
/// sorted (it reads as an [`Ingress`] through `Deref`), and the workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The ingress section, lists sorted (services by name, each with its
    /// aliases sorted).
    pub ingress: Ingress,
    /// The workers, sorted by name.
    pub workers: Vec<Host>,
    /// The Kubernetes API on the VIP, when the file has an `api` section.
    pub api: Option<ApiSite>,
}

/// What the API frontend and backend are rendered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSite {
    /// The `api` section.
    pub api: Api,
    /// The VIP's addresses, IPv4 first: the frontend binds them.
    pub vip: Vec<IpAddr>,
    /// The masters, sorted by name: one API server each.
    pub masters: Vec<Host>,
}

impl std::ops::Deref for Site {
    type Target = Ingress;
    fn deref(&self) -> &Ingress {
        &self.ingress
    }
}

fn sort_services(v: &mut [Service]) {
    for s in v.iter_mut() {
        s.aliases.sort();
    }
    v.sort_by(|a, b| a.name.cmp(&b.name));
}

impl TryFrom<ClusterFile> for Site {
    type Error = MissingSection;

    /// The site of a cluster file that has an `ingress` section (the file
    /// guarantees workers with it). The file's lists are moved, not copied.
    fn try_from(mut file: ClusterFile) -> Result<Site, MissingSection> {
        file.ingress(
            "ingressgen renders HAProxy's config and the Ingress objects from it (the domain, the TLS bundle and the services)",
        )?;
        let api = api_site(&file);
        let Some(mut ingress) = file.ingress_section.take() else {
            unreachable!("the section was found just above")
        };
        ingress.alternate_domains.sort();
        ingress.routed_suffixes.sort();
        ingress.internal_suffixes.sort();
        sort_services(&mut ingress.services);
        sort_services(&mut ingress.internal_services);
        let mut workers = file.workers;
        workers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Site {
            ingress,
            workers,
            api,
        })
    }
}

/// The API's render model; the file guarantees a VIP with `api`.
fn api_site(file: &ClusterFile) -> Option<ApiSite> {
    let api = file.api_section.clone()?;
    let vip = file.vip_section.as_ref()?.addresses().collect();
    let mut masters = file.masters.clone();
    masters.sort_by(|a, b| a.name.cmp(&b.name));
    Some(ApiSite { api, vip, masters })
}

impl Site {
    /// Every service, internal ones included, sorted by name.
    pub fn all_services(&self) -> Vec<&Service> {
        let mut v: Vec<&Service> = self
            .services
            .iter()
            .chain(&self.internal_services)
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

/// The site of a cluster file's text (for tests).
#[cfg(test)]
pub(crate) fn parse(text: &str) -> crate::Result<Site> {
    let file = clusterfile::parse(text)?;
    Ok(Site::try_from(file)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "\
masters: [{name: deadlock, ipv4: 192.0.2.75}]
workers:
  - {name: riptide, ipv4: 192.0.2.81}
ingress:
  domain: ocf.berkeley.edu
  tls_bundle: /etc/ssl/private/lb.pem
  services: [templates]
";

    fn site(text: &str) -> Site {
        parse(text).unwrap()
    }

    #[test]
    fn defaults_follow_the_site() {
        let s = site(MINIMAL);
        assert_eq!(
            (
                s.node_port,
                s.health_path.as_str(),
                s.ingress_class.as_str()
            ),
            (31234, "/healthz", "nginx")
        );
        let t = &s.services[0];
        assert_eq!(
            (t.service().as_ref(), t.port, t.namespace().as_ref()),
            ("templates-service", 80, "app-templates")
        );
        assert_eq!(s.haproxy.bind.len(), 2);
        assert_eq!(
            (
                s.haproxy.http_port,
                s.haproxy.https_port,
                s.haproxy.internal_port
            ),
            (80, 443, 4080)
        );
        let t = site(&MINIMAL.replace("[templates]", "[slidingsync.matrix]"));
        assert_eq!(t.services[0].service(), "slidingsync-matrix-service");
        assert_eq!(t.services[0].namespace(), "app-slidingsync-matrix");
    }

    #[test]
    fn lists_come_out_sorted_whatever_the_order_of_the_file() {
        let s = site(&MINIMAL.replace(
            "services: [templates]",
            "services:\n    - zeta\n    - {name: pma, aliases: [phpmyadmin, db], service: phpmyadmin, port: 8080, namespace: tools}\n",
        ));
        assert_eq!(s.services[0].name, "pma");
        assert_eq!(s.services[0].aliases, ["db", "phpmyadmin"]);
        assert_eq!(
            (s.services[0].port, s.services[0].namespace().as_ref()),
            (8080, "tools")
        );
        assert_eq!(s.services[1].name, "zeta");
    }

    #[test]
    fn a_file_without_ingress_says_what_it_lacks() {
        let f = clusterfile::parse("masters: [{name: deadlock, ipv4: 192.0.2.75}]\n").unwrap();
        let e = Site::try_from(f).unwrap_err().to_string();
        assert!(
            e.starts_with("the cluster file has no `ingress` section; ingressgen renders"),
            "{e}"
        );
    }
}
