//! The settings of a run, resolved from flags, the env file and the
//! environment ([`crate::env`]), validated, with the original kubetool's
//! derivations (package version, CNI manifest and pod network) applied.

use crate::env::{Given, Sources};
use crate::error::{Error, Result};
use crate::members::{self, Member};
use certs::KeyAlgorithm;
use clusterfile::kubernetes as rules;

/// The original's default Kubernetes version, kept so that the same inputs
/// give the same Hiera data. Set `VERSION`.
pub const DEFAULT_VERSION: &str = "1.25.4";
/// The original's default container runtime.
pub const DEFAULT_RUNTIME: &str = "cri_containerd";
pub use rules::CNI_PROVIDERS;

/// The non-PKI Hiera values of the cluster-wide Hiera file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values {
    /// `kubernetes::kubernetes_version`.
    pub kubernetes_version: String,
    /// `kubernetes::kubernetes_package_version`.
    pub package_version: String,
    /// `kubernetes::container_runtime`.
    pub container_runtime: String,
    /// `kubernetes::cni_provider`.
    pub cni_provider: String,
    /// `kubernetes::cni_network_preinstall` (calico-tigera only).
    pub cni_network_preinstall: Option<String>,
    /// `kubernetes::cni_network_provider`: the manifest URL.
    pub cni_network_provider: Option<String>,
    /// `kubernetes::cni_pod_cidr`.
    pub cni_pod_cidr: String,
    /// `kubernetes::etcd_ip`, verbatim (usually `%{networking.ip}`).
    pub etcd_ip: String,
    /// `kubernetes::kube_api_advertise_address`, verbatim.
    pub kube_api_advertise_address: String,
    /// `kubernetes::install_dashboard`.
    pub install_dashboard: bool,
    /// `kubernetes::controller_address` when given; otherwise the first
    /// member's address and port 6443, as the original does.
    pub controller_address: Option<String>,
}

/// Everything a full run needs besides existing data.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `OS` as given; the cluster-wide Hiera file is [`file_stem`]`(os)`.yaml.
    pub os: String,
    /// The etcd members, in the order given.
    pub members: Vec<Member>,
    /// The cluster file's values.
    pub values: Values,
    /// The CA and etcd key algorithm, when `CA_ALGO` or `KEY_SIZE` is set;
    /// otherwise that of the existing CAs, or ECDSA P-256 for new ones.
    pub key: Option<KeyAlgorithm>,
    /// The service-account key algorithm, when `SA_ALGO` or `SA_SIZE` is
    /// set; otherwise that of the existing key, or RSA-2048.
    pub sa_key: Option<KeyAlgorithm>,
}

/// The cluster file's name without `.yaml`: `OS` with its first letter
/// capitalised and the rest as typed (`debian` → `Debian`, `RedHat` →
/// `RedHat`; the original would write `Redhat`).
pub fn file_stem(os: &str) -> String {
    let mut c = os.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `OS`, checked to be usable as a file name.
pub fn os(sources: &Sources) -> Result<String> {
    match sources.get("OS") {
        None => Ok("Debian".to_owned()),
        Some(g) => {
            checked(&g, rules::os)?;
            Ok(g.value)
        }
    }
}

/// Applies one of the cluster file's rules ([`clusterfile::kubernetes`])
/// to a value, wherever it was given, and names where in an error.
fn checked(g: &Given, rule: fn(&str) -> std::result::Result<(), String>) -> Result<()> {
    rule(&g.value).map_err(|e| Error::Usage(format!("{}: {e}", g.from)))
}

fn required(sources: &Sources, var: &str, flag: &str, why: &str) -> Result<Given> {
    sources.get(var).ok_or_else(|| {
        Error::Usage(format!(
            "{var} is not set (or is empty): {why}; set it in the environment, in the --env-file, or with {flag}"
        ))
    })
}

/// A Kubernetes version as the module wants it: `1.30.2`, no `v`.
fn check_version(g: &Given) -> Result<(u32, u32)> {
    rules::version(&g.value).map_err(|e| Error::Usage(format!("{}: {e}", g.from)))
}

/// The manifest URLs and pod network of a CNI provider (the original's
/// table, with its gaps closed; see the man page).
fn cni(
    provider: &Given,
    version: Option<&Given>,
    runtime: &str,
    k8s: (u32, u32),
) -> Result<(Option<String>, Option<String>, String)> {
    let need_version = || {
        version.map(|g| g.value.trim_start_matches('v').to_owned()).ok_or_else(|| {
            Error::Usage(format!(
                "CNI_PROVIDER_VERSION is not set: the {} manifest URL needs it (e.g. 3.28.0); set it in the environment, in the --env-file, or with -p/--cni-provider-version",
                provider.value
            ))
        })
    };
    Ok(match provider.value.as_str() {
        "weave" => (
            None,
            Some("https://github.com/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml".into()),
            "10.32.0.0/12".into(),
        ),
        "flannel" => (
            None,
            Some(match version {
                Some(v) => format!(
                    "https://github.com/flannel-io/flannel/releases/download/v{}/kube-flannel.yml",
                    v.value.trim_start_matches('v')
                ),
                None => "https://raw.githubusercontent.com/flannel-io/flannel/master/Documentation/kube-flannel.yml".into(),
            }),
            "10.244.0.0/16".into(),
        ),
        "calico" => (
            None,
            Some(format!(
                "https://docs.projectcalico.org/archive/v{}/manifests/calico.yaml",
                need_version()?
            )),
            "192.168.0.0/16".into(),
        ),
        "calico-tigera" => {
            let v = need_version()?;
            (
                Some(format!(
                    "https://raw.githubusercontent.com/projectcalico/calico/v{v}/manifests/tigera-operator.yaml"
                )),
                Some(format!(
                    "https://raw.githubusercontent.com/projectcalico/calico/v{v}/manifests/custom-resources.yaml"
                )),
                "192.168.0.0/16".into(),
            )
        }
        "cilium" => {
            let v = need_version()?;
            let file = if runtime.contains("crio") { "cilium-crio.yaml" } else { "cilium.yaml" };
            (
                None,
                Some(format!(
                    "https://raw.githubusercontent.com/cilium/cilium/v{v}/examples/kubernetes/{}.{}/{file}",
                    k8s.0, k8s.1
                )),
                "10.244.0.0/16".into(),
            )
        }
        _ => {
            checked(provider, rules::cni_provider)?;
            unreachable!("every provider the rule allows has a manifest above")
        }
    })
}

fn parse_bool(g: &Given) -> Result<bool> {
    rules::parse_bool(&g.value).map_err(|e| Error::Usage(format!("{}: {e}", g.from)))
}

fn parse_bits(g: Option<&Given>) -> Result<Option<u32>> {
    g.map(|g| {
        g.value
            .parse::<u32>()
            .map_err(|_| Error::Usage(format!("{}: {:?} is not a number of bits", g.from, g.value)))
    })
    .transpose()
}

/// A key algorithm from an algorithm variable and a size variable; `None`
/// when neither is set.
fn key_choice(
    sources: &Sources,
    algo_var: &str,
    size_var: &str,
    default_algo: &str,
) -> Result<Option<KeyAlgorithm>> {
    let algo = sources.get(algo_var);
    let size = sources.get(size_var);
    if algo.is_none() && size.is_none() {
        return Ok(None);
    }
    if let Some(g) = &algo {
        checked(g, rules::key_algorithm)?;
    }
    let algo_name = algo
        .as_ref()
        .map_or(default_algo.to_owned(), |g| g.value.to_ascii_lowercase());
    let bits = parse_bits(size.as_ref())?.unwrap_or(if algo_name == "rsa" { 2048 } else { 256 });
    rules::key_size(&algo_name, bits).map_err(|e| {
        let from = size
            .as_ref()
            .map_or(size_var.to_owned(), |g| g.from.clone());
        Error::Usage(format!("{from}: {e} (or change {algo_var})"))
    })?;
    KeyAlgorithm::from_algo_and_size(&algo_name, bits)
        .map(Some)
        .map_err(|e| Error::Usage(format!("{size_var}: {e}")))
}

/// A `host:port` for `controller_address`.
fn check_host_port(g: &Given) -> Result<String> {
    checked(g, rules::host_port)?;
    Ok(g.value.clone())
}

/// Resolves and validates a full run's settings. `warn` collects
/// messages that do not stop the run.
pub fn resolve(sources: &Sources, warn: &mut Vec<String>) -> Result<Settings> {
    let os = os(sources)?;
    let cluster = required(
        sources,
        "ETCD_INITIAL_CLUSTER",
        "-i/--etcd-initial-cluster",
        "it names the masters (NAME:IP,NAME:IP,...)",
    )?;
    let members = members::parse_members(&cluster.value, &cluster.from)?;

    let version = sources.get("VERSION").unwrap_or(Given {
        value: DEFAULT_VERSION.into(),
        from: "the default VERSION".into(),
    });
    let k8s = check_version(&version)?;
    let package_version = match sources.get("PACKAGE_VERSION") {
        Some(g) => {
            checked(&g, rules::url_part)?;
            g.value
        }
        None if os.eq_ignore_ascii_case("debian") => format!("{}-00", version.value),
        None => version.value.clone(),
    };

    let runtime = match sources.get("CONTAINER_RUNTIME") {
        None => DEFAULT_RUNTIME.to_owned(),
        Some(g) => {
            checked(&g, rules::runtime)?;
            if !rules::RUNTIMES.contains(&g.value.as_str()) {
                warn.push(format!(
                    "{}: {:?}: the module knows {}",
                    g.from,
                    g.value,
                    rules::RUNTIMES.join(" and ")
                ));
            }
            g.value
        }
    };

    let provider = required(
        sources,
        "CNI_PROVIDER",
        "-c/--cni-provider",
        &format!(
            "controllers need kubernetes::cni_pod_cidr, which follows from it; use one of {}",
            CNI_PROVIDERS.join(", ")
        ),
    )?;
    let cni_version = sources.get("CNI_PROVIDER_VERSION");
    if let Some(g) = &cni_version {
        checked(g, rules::url_part)?;
    }
    let (preinstall, manifest, pod_cidr) = cni(&provider, cni_version.as_ref(), &runtime, k8s)?;

    let etcd_ip = required(
        sources,
        "ETCD_IP",
        "-t/--etcd-ip",
        "controllers need kubernetes::etcd_ip, the address etcd binds to (usually %{networking.ip})",
    )?;
    checked(&etcd_ip, rules::no_control)?;
    let advertise = required(
        sources,
        "KUBE_API_ADVERTISE_ADDRESS",
        "-a/--api-address",
        "controllers need kubernetes::kube_api_advertise_address (usually %{networking.ip})",
    )?;
    checked(&advertise, rules::advertise_address)?;
    for g in [&etcd_ip, &advertise] {
        if !g.value.contains("%{") && members.len() > 1 {
            warn.push(format!(
                "{}: {:?} is one literal address for all {} members, who share the cluster-wide file; %{{networking.ip}} gives each its own",
                g.from,
                g.value,
                members.len()
            ));
        }
    }

    let install_dashboard = sources
        .get("INSTALL_DASHBOARD")
        .map(|g| parse_bool(&g))
        .transpose()?
        .unwrap_or(false);
    let controller_address = sources
        .get("CONTROLLER_ADDRESS")
        .map(|g| check_host_port(&g))
        .transpose()?;

    Ok(Settings {
        os,
        members,
        values: Values {
            kubernetes_version: version.value,
            package_version,
            container_runtime: runtime,
            cni_provider: provider.value,
            cni_network_preinstall: preinstall,
            cni_network_provider: manifest,
            cni_pod_cidr: pod_cidr,
            etcd_ip: etcd_ip.value,
            kube_api_advertise_address: advertise.value,
            install_dashboard,
            controller_address,
        },
        key: key_choice(sources, "CA_ALGO", "KEY_SIZE", "ecdsa")?,
        sa_key: key_choice(sources, "SA_ALGO", "SA_SIZE", "rsa")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn resolve_env(pairs: &[(&str, &str)]) -> Result<Settings> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let environ = move |k: &str| map.get(k).cloned();
        let s = Sources {
            flags: BTreeMap::new(),
            file: None,
            environ: &environ,
            cluster: BTreeMap::new(),
            apiserver_port: None,
        };
        resolve(&s, &mut Vec::new())
    }

    const BASE: &[(&str, &str)] = &[
        ("ETCD_INITIAL_CLUSTER", "a:10.0.0.1,b:10.0.0.2,c:10.0.0.3"),
        ("ETCD_IP", "%{networking.ip}"),
        ("KUBE_API_ADVERTISE_ADDRESS", "%{networking.ip}"),
        ("CNI_PROVIDER", "flannel"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<_> = BASE
            .iter()
            .copied()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .collect();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn defaults_follow_the_original() {
        let s = resolve_env(BASE).unwrap();
        assert_eq!(s.os, "Debian");
        assert_eq!(s.values.kubernetes_version, "1.25.4");
        assert_eq!(s.values.package_version, "1.25.4-00");
        assert_eq!(s.values.container_runtime, "cri_containerd");
        assert_eq!(s.values.cni_pod_cidr, "10.244.0.0/16");
        assert!(!s.values.install_dashboard);
        assert_eq!((s.key, s.sa_key), (None, None));
        let s = resolve_env(&with(&[("OS", "ubuntu"), ("VERSION", "1.30.2")])).unwrap();
        assert_eq!(s.values.package_version, "1.30.2");
        assert_eq!(file_stem("redHat"), "RedHat");
    }

    #[test]
    fn each_missing_compile_critical_input_is_named() {
        for var in [
            "ETCD_INITIAL_CLUSTER",
            "ETCD_IP",
            "KUBE_API_ADVERTISE_ADDRESS",
            "CNI_PROVIDER",
        ] {
            let pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != var).collect();
            let e = resolve_env(&pairs).unwrap_err().to_string();
            assert!(e.starts_with(&format!("{var} is not set")), "{e}");
        }
        let e = resolve_env(&with(&[("CNI_PROVIDER", "canal")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"canal\" is not a CNI provider"), "{e}");
        let e = resolve_env(&with(&[("CNI_PROVIDER", "calico")]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("CNI_PROVIDER_VERSION is not set"), "{e}");
    }

    #[test]
    fn every_provider_the_file_allows_has_a_manifest() {
        for p in CNI_PROVIDERS {
            let s = resolve_env(&with(&[
                ("CNI_PROVIDER", p),
                ("CNI_PROVIDER_VERSION", "1.2.3"),
            ]))
            .unwrap();
            assert!(s.values.cni_network_provider.is_some(), "{p}");
        }
    }

    #[test]
    fn cni_urls() {
        let s = resolve_env(&with(&[
            ("CNI_PROVIDER", "calico-tigera"),
            ("CNI_PROVIDER_VERSION", "v3.28.0"),
        ]))
        .unwrap();
        assert_eq!(
            s.values.cni_network_preinstall.as_deref(),
            Some(
                "https://raw.githubusercontent.com/projectcalico/calico/v3.28.0/manifests/tigera-operator.yaml"
            )
        );
        let s = resolve_env(&with(&[
            ("CNI_PROVIDER", "cilium"),
            ("CNI_PROVIDER_VERSION", "1.14.2"),
            ("VERSION", "1.28.3"),
        ]))
        .unwrap();
        assert_eq!(
            s.values.cni_network_provider.as_deref(),
            Some(
                "https://raw.githubusercontent.com/cilium/cilium/v1.14.2/examples/kubernetes/1.28/cilium.yaml"
            )
        );
    }

    #[test]
    fn key_size_must_fit_the_algorithm() {
        let e = resolve_env(&with(&[("CA_ALGO", "rsa"), ("KEY_SIZE", "256")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("256 bits is not a size for rsa keys; use 2048, 3072 or 4096"),
            "{e}"
        );
        let e = resolve_env(&with(&[("KEY_SIZE", "2048")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("2048 bits is not a size for ecdsa keys"), "{e}");
        let e = resolve_env(&with(&[("KEY_SIZE", "big")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"big\" is not a number of bits"), "{e}");
        // RSA without a size gets 2048, not the original's unusable 256.
        let s = resolve_env(&with(&[("CA_ALGO", "RSA")])).unwrap();
        assert_eq!(s.key, Some(KeyAlgorithm::Rsa2048));
        let s = resolve_env(&with(&[("SA_ALGO", "ecdsa")])).unwrap();
        assert_eq!(s.sa_key, Some(KeyAlgorithm::EcdsaP256));
        let s = resolve_env(&with(&[("SA_SIZE", "4096")])).unwrap();
        assert_eq!(s.sa_key, Some(KeyAlgorithm::Rsa4096));
    }

    #[test]
    fn values_are_checked() {
        for (pairs, want) in [
            (with(&[("VERSION", "v1.30.2")]), "without the v"),
            (with(&[("VERSION", "1.28")]), "MAJOR.MINOR.PATCH"),
            (with(&[("OS", "../x")]), "is not an OS name"),
            (
                with(&[("INSTALL_DASHBOARD", "maybe")]),
                "is not true or false",
            ),
            (
                with(&[("KUBE_API_ADVERTISE_ADDRESS", "kube.example")]),
                "kubeadm needs an IP",
            ),
            (
                with(&[("CONTROLLER_ADDRESS", "10.0.0.1")]),
                "is not HOST:PORT",
            ),
            (with(&[("ETCD_IP", "a\nb")]), "control character"),
        ] {
            let e = resolve_env(&pairs).unwrap_err().to_string();
            assert!(e.contains(want), "{pairs:?}: {e}");
        }
        let s = resolve_env(&with(&[
            ("INSTALL_DASHBOARD", "true"),
            ("CONTROLLER_ADDRESS", "[2001:db8::100]:6443"),
        ]))
        .unwrap();
        assert!(s.values.install_dashboard);
        assert_eq!(
            s.values.controller_address.as_deref(),
            Some("[2001:db8::100]:6443")
        );
    }
}
