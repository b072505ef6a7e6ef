//! The render model: the cluster file's `workers` and `ingress` section,
//! every list sorted, so the order of the file never changes an output.
//! The file itself, its rules and its defaults belong to [`clusterfile`].

use clusterfile::{ClusterFile, Host, Ingress, MissingSection};
pub use clusterfile::{Listen, Service};

/// What ingressgen renders from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The canonical domain; every service is `<name>.<domain>`.
    pub domain: String,
    /// Domains redirected to the canonical one, sorted.
    pub alternate_domains: Vec<String>,
    /// The PEM bundle (certificate chain and key) HAProxy serves.
    pub tls_bundle: String,
    /// The ingress-nginx NodePort on every worker.
    pub node_port: u16,
    /// What HAProxy asks each worker for to see it is healthy.
    pub health_path: String,
    /// The `ingressClassName` of every Ingress.
    pub ingress_class: String,
    /// The routed suffix a service's dev host lives under.
    pub dev_suffix: String,
    /// The workers, sorted by name.
    pub workers: Vec<Host>,
    /// Services served over TLS, sorted by name, each with its aliases
    /// sorted.
    pub services: Vec<Service>,
    /// Services served on the internal plain-HTTP port only, sorted.
    pub internal_services: Vec<Service>,
    /// `*.<suffix>.<domain>` goes to the cluster over TLS; sorted.
    pub routed_suffixes: Vec<String>,
    /// `*.<suffix>.<domain>` goes to the cluster on the internal port; sorted.
    pub internal_suffixes: Vec<String>,
    /// Where HAProxy listens.
    pub haproxy: Listen,
}

fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn sorted_services(v: &[Service]) -> Vec<Service> {
    let mut v = v.to_vec();
    for s in &mut v {
        s.aliases.sort();
    }
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

impl TryFrom<&ClusterFile> for Site {
    type Error = MissingSection;

    /// The site of a cluster file that has an `ingress` section (the file
    /// guarantees workers with it).
    fn try_from(file: &ClusterFile) -> Result<Site, MissingSection> {
        let ing: &Ingress = file.ingress(
            "ingressgen renders HAProxy's config and the Ingress objects from it (the domain, the TLS bundle and the services)",
        )?;
        let mut workers = file.workers.clone();
        workers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Site {
            domain: ing.domain.clone(),
            alternate_domains: sorted(&ing.alternate_domains),
            tls_bundle: ing.tls_bundle.clone(),
            node_port: ing.node_port,
            health_path: ing.health_path.clone(),
            ingress_class: ing.ingress_class.clone(),
            dev_suffix: ing.dev_suffix.clone(),
            workers,
            services: sorted_services(&ing.services),
            internal_services: sorted_services(&ing.internal_services),
            routed_suffixes: sorted(&ing.routed_suffixes),
            internal_suffixes: sorted(&ing.internal_suffixes),
            haproxy: ing.haproxy.clone(),
        })
    }
}

impl Site {
    /// `<name>.<domain>`.
    pub fn host(&self, name: &str) -> String {
        format!("{name}.{}", self.domain)
    }

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
pub(crate) fn parse(text: &str) -> Result<Site, String> {
    let file = clusterfile::parse(text).map_err(|e| e.to_string())?;
    Site::try_from(&file).map_err(|e| e.to_string())
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
        Site::try_from(&clusterfile::parse(text).unwrap()).unwrap()
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
            (t.service().as_str(), t.port, t.namespace().as_str()),
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
            (s.services[0].port, s.services[0].namespace().as_str()),
            (8080, "tools")
        );
        assert_eq!(s.services[1].name, "zeta");
    }

    #[test]
    fn a_file_without_ingress_says_what_it_lacks() {
        let f = clusterfile::parse("masters: [{name: deadlock, ipv4: 192.0.2.75}]\n").unwrap();
        let e = Site::try_from(&f).unwrap_err().to_string();
        assert!(
            e.starts_with("the cluster file has no `ingress` section; ingressgen renders"),
            "{e}"
        );
    }
}
