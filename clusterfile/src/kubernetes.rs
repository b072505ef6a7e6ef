//! `kubernetes`: kubetool's settings for the puppetlabs-kubernetes module,
//! and the rules for their values. kubetool applies the same rules to its
//! flags and environment variables, so a value means the same wherever it
//! is given.

use crate::decode::{self, Fields, Path};
use crate::error::{Error, ErrorKind};
use crate::names;
use crate::yaml::Node;
use std::net::IpAddr;

/// The CNI providers the module knows.
pub const CNI_PROVIDERS: &[&str] = &["weave", "flannel", "calico", "calico-tigera", "cilium"];
/// The CNI providers whose manifest URL needs `cni_provider_version`.
pub const CNI_NEEDS_VERSION: &[&str] = &["calico", "calico-tigera", "cilium"];
/// The container runtimes the module knows.
pub const RUNTIMES: &[&str] = &["cri_containerd", "docker"];

/// How a setting is written in the file.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Text, checked by a rule.
    Text(fn(&str) -> Result<(), String>),
    /// `true` or `false`.
    Bool,
    /// A number of bits.
    Bits,
}

/// The settings, in the order the man page lists them: the file's key,
/// how it is written, and what it is.
pub const KEYS: &[(&str, Kind, &str)] = &[
    (
        "os",
        Kind::Text(os),
        "names kubetool's cluster-wide file (Debian.yaml) [Debian]",
    ),
    (
        "version",
        Kind::Text(version_ok),
        "the Kubernetes version, such as 1.30.2 [1.25.4]",
    ),
    (
        "package_version",
        Kind::Text(url_part),
        "the kubeadm and kubelet package version [VERSION-00 on Debian]",
    ),
    (
        "container_runtime",
        Kind::Text(runtime),
        "cri_containerd or docker [cri_containerd]",
    ),
    (
        "cni_provider",
        Kind::Text(cni_provider),
        "weave, flannel, calico, calico-tigera or cilium",
    ),
    (
        "cni_provider_version",
        Kind::Text(url_part),
        "the CNI version (calico, calico-tigera and cilium need it)",
    ),
    (
        "etcd_ip",
        Kind::Text(no_control),
        "the address etcd binds to, usually %{networking.ip}",
    ),
    (
        "api_advertise_address",
        Kind::Text(advertise_address),
        "the API server's address, usually %{networking.ip}",
    ),
    (
        "controller_address",
        Kind::Text(host_port),
        "the API endpoint HOST:PORT [the VIP, port 6443]",
    ),
    (
        "install_dashboard",
        Kind::Bool,
        "install the Kubernetes dashboard [false]",
    ),
    (
        "ca_algo",
        Kind::Text(key_algorithm),
        "ecdsa or rsa, for the CAs and etcd keys [ecdsa]",
    ),
    (
        "key_size",
        Kind::Bits,
        "bits of those keys: 256 or 384 (ecdsa), 2048, 3072 or 4096 (rsa)",
    ),
    (
        "sa_algo",
        Kind::Text(key_algorithm),
        "rsa or ecdsa, for the service-account key [rsa]",
    ),
    (
        "sa_size",
        Kind::Bits,
        "bits of the service-account key [2048]",
    ),
    (
        "hiera_layout",
        Kind::Text(hiera_layout),
        "flat (Debian.yaml, NAME.yaml) or split (os/Debian.yaml, hosts/NAME.yaml) [flat]",
    ),
    (
        "hiera_host_domain",
        Kind::Text(names::dns_name),
        "name each master's file by its FQDN, NAME.DOMAIN.yaml [short names]",
    ),
];

/// The Hiera layouts kubetool writes.
pub const HIERA_LAYOUTS: &[&str] = &["flat", "split"];

/// `HIERA_LAYOUT`: one of [`HIERA_LAYOUTS`].
pub fn hiera_layout(s: &str) -> Result<(), String> {
    if HIERA_LAYOUTS.contains(&s) {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a Hiera layout; use {}",
            HIERA_LAYOUTS.join(" or ")
        ))
    }
}

/// One setting as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key, one of [`KEYS`].
    pub key: &'static str,
    /// The value as written (`true`, `256`, `1.30.2`).
    pub value: String,
    /// Its line.
    pub line: usize,
}

/// The `kubernetes` section: the settings given, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kubernetes {
    /// Every setting given.
    pub settings: Vec<Setting>,
}

impl Kubernetes {
    /// The setting `key`, if given.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }
}

pub(crate) fn decode(node: &Node, path: &Path) -> Result<Kubernetes, Error> {
    const WHAT: &str = "the kubernetes section";
    let mut f = Fields::of(node, path, WHAT)?;
    let mut settings = Vec::new();
    for (key, kind, _) in KEYS {
        let Some(n) = f.opt(key) else { continue };
        let at = path.key(key);
        let value = match kind {
            Kind::Text(rule) => decode::checked(n, &at, *rule)?.to_owned(),
            Kind::Bool => decode::boolean(n, &at)?.to_string(),
            Kind::Bits => decode::number(n, &at, 1, 16384, "a number of bits")?.to_string(),
        };
        settings.push(Setting {
            key,
            value,
            line: n.line,
        });
    }
    f.finish(path, WHAT)?;
    settings.sort_by_key(|s| s.line);
    let k = Kubernetes { settings };
    check_pairs(&k, path)?;
    Ok(k)
}

/// The rules between settings: a key size fits its algorithm, and a CNI
/// provider whose manifest needs a version has one. Each error is on the
/// line of the setting at fault.
fn check_pairs(k: &Kubernetes, path: &Path) -> Result<(), Error> {
    let at = |line, key, message| {
        Error::new(ErrorKind::InvalidValue, Some(line), path.key(key), message)
    };
    for (algo, size, default) in [
        ("ca_algo", "key_size", "ecdsa"),
        ("sa_algo", "sa_size", "rsa"),
    ] {
        if let Some(s) = k.get(size) {
            let a = k.get(algo).map_or(default, |a| a.value.as_str());
            let bits: u32 = s.value.parse().unwrap_or(0);
            key_size(a, bits).map_err(|m| at(s.line, size, m))?;
        }
    }
    if let Some(p) = k.get("cni_provider")
        && CNI_NEEDS_VERSION.contains(&p.value.as_str())
        && k.get("cni_provider_version").is_none()
    {
        let m = format!(
            "is missing; the {} manifest URL needs it (such as 3.28.0)",
            p.value
        );
        return Err(at(p.line, "cni_provider_version", m));
    }
    Ok(())
}

/// `OS`: a word that can name a file (Debian, RedHat).
pub fn os(s: &str) -> Result<(), String> {
    let ok = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not an OS name (letters, digits, '-' and '_', e.g. Debian or RedHat)"
        ))
    }
}

/// A Kubernetes version as the module wants it, `1.30.2` (no `v`), and
/// its major and minor numbers.
pub fn version(s: &str) -> Result<(u32, u32), String> {
    let bad = |hint: &str| format!("{s:?} is not a Kubernetes version{hint}");
    if let Some(rest) = s.strip_prefix('v') {
        return Err(bad(&format!(
            "; give it without the v ({rest}): the module adds it"
        )));
    }
    let (core, suffix) = match s.find(['-', '+']) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) {
        return Err(bad(" (MAJOR.MINOR.PATCH, e.g. 1.30.2)"));
    }
    let suffix_ok = suffix
        .chars()
        .skip(1)
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    if !suffix_ok {
        return Err(bad(""));
    }
    let n = |p: &str| p.parse::<u32>().map_err(|_| bad(""));
    Ok((n(parts[0])?, n(parts[1])?))
}

fn version_ok(s: &str) -> Result<(), String> {
    version(s).map(|_| ())
}

/// A version or token that goes into a URL or a package name:
/// `[0-9A-Za-z._+-]`.
pub fn url_part(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a version (letters, digits, '.', '-', '_', '+')"
        ))
    }
}

/// A container runtime name: a word (the module knows [`RUNTIMES`];
/// kubetool warns about others).
pub fn runtime(s: &str) -> Result<(), String> {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a runtime name ({})",
            RUNTIMES.join(" or ")
        ))
    }
}

/// One of [`CNI_PROVIDERS`].
pub fn cni_provider(s: &str) -> Result<(), String> {
    if CNI_PROVIDERS.contains(&s) {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a CNI provider the module knows; use one of {} (controllers need the pod network it implies)",
            CNI_PROVIDERS.join(", ")
        ))
    }
}

/// A value written into Hiera verbatim: no control characters.
pub fn no_control(s: &str) -> Result<(), String> {
    if s.chars().any(char::is_control) {
        Err("the value contains a control character".into())
    } else {
        Ok(())
    }
}

/// The API server's advertise address: an IP, or a Hiera interpolation
/// such as `%{networking.ip}` that gives one.
pub fn advertise_address(s: &str) -> Result<(), String> {
    no_control(s)?;
    if !s.contains("%{") && s.parse::<IpAddr>().is_err() {
        return Err(format!(
            "{s:?} is neither an IP address nor a Hiera interpolation such as %{{networking.ip}}: kubeadm needs an IP"
        ));
    }
    Ok(())
}

/// `HOST:PORT` for the API endpoint: IPv4, `[IPv6]` or a DNS name.
pub fn host_port(s: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "{s:?} is not HOST:PORT (e.g. 192.0.2.100:6443, [2001:db8::100]:6443 or kube.example.org:6443)"
        )
    };
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    port.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(bad)?;
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => host.parse::<std::net::Ipv4Addr>().is_ok() || names::dns_name(host).is_ok(),
    };
    if host_ok { Ok(()) } else { Err(bad()) }
}

/// `ecdsa` or `rsa`, in any case.
pub fn key_algorithm(s: &str) -> Result<(), String> {
    match s.to_ascii_lowercase().as_str() {
        "ecdsa" | "rsa" => Ok(()),
        _ => Err(format!("{s:?} is not a key algorithm; use ecdsa or rsa")),
    }
}

/// The key sizes an algorithm has: 256 or 384 bits for ECDSA, 2048, 3072
/// or 4096 for RSA.
pub fn key_size(algorithm: &str, bits: u32) -> Result<(), String> {
    let algorithm = algorithm.to_ascii_lowercase();
    let (sizes, allowed): (&[u32], &str) = match algorithm.as_str() {
        "rsa" => (&[2048, 3072, 4096], "2048, 3072 or 4096"),
        _ => (&[256, 384], "256 or 384"),
    };
    if sizes.contains(&bits) {
        Ok(())
    } else {
        Err(format!(
            "{bits} bits is not a size for {algorithm} keys; use {allowed}"
        ))
    }
}

/// `true` or `false` as kubetool's environment variables write them
/// (`yes`/`no`, `1`/`0` and `on`/`off` too, in any case).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => Err(format!("{s:?} is not true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules() {
        assert_eq!(version("1.30.2").unwrap(), (1, 30));
        assert_eq!(version("1.30.2-rc.1").unwrap(), (1, 30));
        assert!(version("v1.30.2").unwrap_err().contains("without the v"));
        assert!(version("1.28").unwrap_err().contains("MAJOR.MINOR.PATCH"));
        assert!(os("../x").is_err());
        assert!(
            cni_provider("canal")
                .unwrap_err()
                .contains("not a CNI provider")
        );
        assert!(
            advertise_address("kube.example")
                .unwrap_err()
                .contains("kubeadm needs an IP")
        );
        advertise_address("%{networking.ip}").unwrap();
        assert!(no_control("a\nb").is_err());
        host_port("[2001:db8::100]:6443").unwrap();
        host_port("kube.example.org:6443").unwrap();
        assert!(host_port("10.0.0.1").is_err());
        assert!(host_port("*.x:1").is_err());
        assert!(
            key_size("rsa", 256)
                .unwrap_err()
                .contains("use 2048, 3072 or 4096")
        );
        key_size("ECDSA", 384).unwrap();
        assert_eq!(parse_bool("Yes"), Ok(true));
        assert!(parse_bool("maybe").is_err());
    }
}
