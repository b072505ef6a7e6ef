//! The kubeadm layout, per master: what goes into that node's
//! `/etc/kubernetes` (the `pki/` tree and the kubeconfigs), with the
//! identities kubeadm gives them, so that `kubeadm init` finds every file
//! and makes none of its own. The etcd server and peer certificates are
//! the very ones in the node's Hiera file.

use crate::error::{Error, Result};
use crate::members::{self, Member};
use crate::pki::{self, Authority, Pair, Policy, Stored};
use crate::secret::Secret;
use base64::Engine;
use certs::{LeafSpec, Role};
use clikit::files::Change;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Where and how to write the tree.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory holding one subdirectory per master.
    pub dir: PathBuf,
    /// The cluster DNS domain (`cluster.local`).
    pub dns_domain: String,
    /// The first address of the service network (`10.96.0.1`).
    pub service_ip: IpAddr,
    /// Extra API server SANs (names or addresses).
    pub apiserver_sans: Vec<String>,
    /// Each master's API server's own port: the controller manager's and
    /// scheduler's kubeconfigs reach their master's API server there. When
    /// no cluster file says it (a renewal, a member added), the port of
    /// the master's existing controller-manager.conf is kept, or 6443.
    pub apiserver_port: Option<u16>,
}

/// Material shared by every master.
pub struct Shared<'a> {
    /// The etcd CA.
    pub etcd_ca: &'a Authority,
    /// The Kubernetes CA.
    pub kube_ca: &'a Authority,
    /// The front-proxy CA.
    pub front_proxy_ca: &'a Authority,
    /// `sa.key`.
    pub sa_key: &'a Secret,
    /// `sa.pub`.
    pub sa_pub_pem: &'a str,
    /// `host:port` of the API endpoint (the controlPlaneEndpoint).
    pub controller_address: &'a str,
    /// The Kubernetes version, which decides the admin identities.
    pub version: &'a str,
    /// What to keep and what to issue.
    pub policy: &'a Policy,
}

/// Every file of a node's tree, relative to its directory (for removal).
const FILES: &[&str] = &[
    "admin.conf",
    "super-admin.conf",
    "controller-manager.conf",
    "scheduler.conf",
    "kubelet.conf",
    "pki/ca.crt",
    "pki/ca.key",
    "pki/front-proxy-ca.crt",
    "pki/front-proxy-ca.key",
    "pki/sa.key",
    "pki/sa.pub",
    "pki/apiserver.crt",
    "pki/apiserver.key",
    "pki/apiserver-kubelet-client.crt",
    "pki/apiserver-kubelet-client.key",
    "pki/front-proxy-client.crt",
    "pki/front-proxy-client.key",
    "pki/apiserver-etcd-client.crt",
    "pki/apiserver-etcd-client.key",
    "pki/etcd/ca.crt",
    "pki/etcd/ca.key",
    "pki/etcd/server.crt",
    "pki/etcd/server.key",
    "pki/etcd/peer.crt",
    "pki/etcd/peer.key",
    "pki/etcd/healthcheck-client.crt",
    "pki/etcd/healthcheck-client.key",
];

/// Whether the version is 1.29 or later, where kubeadm moved admin to
/// `kubeadm:cluster-admins`, added super-admin and dropped `system:masters`
/// from the etcd clients.
fn modern(version: &str) -> bool {
    let mut it = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    (major, minor) >= (1, 29)
}

fn read_pair(dir: &Path, base: &str, place: &str) -> Result<Option<(String, String, String)>> {
    let read = |ext: &str| {
        let p = dir.join(format!("{base}.{ext}"));
        match clikit::read_text(&p.to_string_lossy()) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Read {
                path: p.to_path_buf(),
                source,
            }),
        }
    };
    Ok(match (read("crt")?, read("key")?) {
        (Some(c), Some(k)) => Some((place.to_owned(), c, k)),
        _ => None,
    })
}

fn read_kubeconfig(path: &Path) -> Result<Option<(String, String, String)>> {
    let text = match clikit::read_text(&path.to_string_lossy()) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let v: serde_yaml::Value = match clikit::yaml::document(&text) {
        Ok(v) => v,
        // An unreadable kubeconfig is simply written anew.
        Err(_) => return Ok(None),
    };
    let user = &v["users"][0]["user"];
    let decode = |k: &str| {
        user[k]
            .as_str()
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .and_then(|b| String::from_utf8(b).ok())
    };
    Ok(
        match (decode("client-certificate-data"), decode("client-key-data")) {
            (Some(c), Some(k)) => Some((path.display().to_string(), c, k)),
            _ => None,
        },
    )
}

/// The port of an existing kubeconfig's server (`https://HOST:PORT`), if
/// it can be read.
fn local_port(path: &Path) -> Option<u16> {
    let text = clikit::read_text(&path.to_string_lossy()).ok()?;
    let v: serde_yaml::Value = clikit::yaml::document(&text).ok()?;
    let server = v["clusters"][0]["cluster"]["server"].as_str()?;
    server.rsplit_once(':')?.1.parse().ok()
}

fn as_found(f: &Option<(String, String, String)>) -> Option<Stored<'_>> {
    f.as_ref().map(|(p, c, k)| Stored {
        place: p.as_str(),
        cert_pem: c.clone(),
        key: Secret::clear(p.clone(), k.clone()),
    })
}

/// What the tree's private keys are read for, in the error when one is
/// eyaml-encrypted and no private key was given.
const WRITE_TREE: &str = "write the --kubeadm tree, whose keys are in the clear";

/// A key's PEM text for the tree.
fn clear(s: &Secret) -> Result<&str> {
    s.reveal(WRITE_TREE)
}

fn kubeconfig(ca_pem: &str, server: &str, user: &str, pair: &Pair) -> Result<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let q = |s: &str| serde_json::to_string(s).expect("strings serialise");
    Ok(format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\ncontexts:\n- name: {ctx}\n  context:\n    cluster: kubernetes\n    user: {user_q}\ncurrent-context: {ctx}\npreferences: {{}}\nusers:\n- name: {user_q}\n  user:\n    client-certificate-data: {crt}\n    client-key-data: {key}\n",
        server = q(&format!("https://{server}")),
        ca = b64(ca_pem),
        ctx = q(&format!("{user}@kubernetes")),
        user_q = q(user),
        crt = b64(&pair.cert_pem),
        key = b64(clear(&pair.key)?),
    ))
}

/// One master, with the etcd certificates the Hiera data holds for it
/// (its tree carries the same ones).
pub struct Master<'a> {
    /// The member: its name and address.
    pub member: &'a Member,
    /// Its etcd server certificate and key.
    pub etcd_server: &'a Pair,
    /// Its etcd peer certificate and key.
    pub etcd_peer: &'a Pair,
}

/// Adds one master's tree to `change`, and what was kept or issued to
/// `records`: the shared CAs and keys, its leaf certificates, and its
/// kubeconfigs.
pub fn node(
    o: &Options,
    s: &Shared,
    m: &Master,
    change: &mut Change,
    records: &mut Vec<crate::pki::Record>,
) -> Result<()> {
    let root = o.dir.join(&m.member.name);
    let mut files = copied(s, m, &root.join("pki"))?;
    files.extend(leaves(o, s, m.member, &root.join("pki"), records)?);
    let port = match o.apiserver_port {
        Some(p) => p,
        None => local_port(&root.join("controller-manager.conf")).unwrap_or(members::API_PORT),
    };
    files.extend(kubeconfigs(s, m.member, port, &root, records)?);
    change
        .files
        .extend(files.into_iter().map(|(p, t)| (p, t.into_bytes())));
    Ok(())
}

/// The files a tree holds as the Hiera data has them: the CAs with their
/// keys, the service-account key pair, the member's etcd pairs.
fn copied(s: &Shared, m: &Master, pki_dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let etcd_dir = pki_dir.join("etcd");
    let pairs: [(PathBuf, &str, &Secret); 6] = [
        (pki_dir.join("ca"), &s.kube_ca.cert_pem, &s.kube_ca.key),
        (
            pki_dir.join("front-proxy-ca"),
            &s.front_proxy_ca.cert_pem,
            &s.front_proxy_ca.key,
        ),
        (etcd_dir.join("ca"), &s.etcd_ca.cert_pem, &s.etcd_ca.key),
        (
            etcd_dir.join("server"),
            &m.etcd_server.cert_pem,
            &m.etcd_server.key,
        ),
        (
            etcd_dir.join("peer"),
            &m.etcd_peer.cert_pem,
            &m.etcd_peer.key,
        ),
        (pki_dir.join("sa"), s.sa_pub_pem, s.sa_key),
    ];
    let mut out = Vec::new();
    for (stem, public, key) in pairs {
        // sa.pub beside sa.key; every other pair is NAME.crt and NAME.key.
        let public_ext = if stem.ends_with("sa") { "pub" } else { "crt" };
        out.push((stem.with_extension(public_ext), public.to_owned()));
        out.push((stem.with_extension("key"), clear(key)?.to_owned()));
    }
    Ok(out)
}

/// The API server's certificate: kubeadm's names, the endpoint's host and
/// the extra SANs.
fn apiserver_spec(o: &Options, s: &Shared, m: &Member) -> LeafSpec {
    let (host, _) = s
        .controller_address
        .rsplit_once(':')
        .unwrap_or((s.controller_address, ""));
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut apiserver = certs::kubeadm::apiserver(&m.name, &o.dns_domain, o.service_ip, m.ip);
    for san in std::iter::once(host).chain(o.apiserver_sans.iter().map(String::as_str)) {
        apiserver = match san.parse::<IpAddr>() {
            Ok(ip) => apiserver.ips([ip]),
            Err(_) => apiserver.dns([san.to_owned()]),
        };
    }
    apiserver
}

/// The tree's own leaf certificates, each kept when still right.
fn leaves(
    o: &Options,
    s: &Shared,
    m: &Member,
    pki_dir: &Path,
    records: &mut Vec<crate::pki::Record>,
) -> Result<Vec<(PathBuf, String)>> {
    let etcd_dir = pki_dir.join("etcd");
    let masters = |spec: LeafSpec| {
        if modern(s.version) {
            spec
        } else {
            spec.organization("system:masters")
        }
    };
    let leaves: [(&Path, &str, &Authority, LeafSpec); 5] = [
        (pki_dir, "apiserver", s.kube_ca, apiserver_spec(o, s, m)),
        (
            pki_dir,
            "apiserver-kubelet-client",
            s.kube_ca,
            certs::kubeadm::apiserver_kubelet_client(),
        ),
        (
            pki_dir,
            "front-proxy-client",
            s.front_proxy_ca,
            certs::kubeadm::front_proxy_client(),
        ),
        (
            pki_dir,
            "apiserver-etcd-client",
            s.etcd_ca,
            masters(certs::kubeadm::apiserver_etcd_client()),
        ),
        (
            &etcd_dir,
            "healthcheck-client",
            s.etcd_ca,
            masters(certs::kubeadm::etcd_healthcheck_client()),
        ),
    ];
    let mut out = Vec::new();
    for (dir, base, ca, spec) in leaves {
        let place = dir.join(format!("{base}.crt")).display().to_string();
        let existing = read_pair(dir, base, &place)?;
        let pair = pki::leaf(place, ca, &spec, as_found(&existing), s.policy, records)?;
        out.push((dir.join(format!("{base}.crt")), pair.cert_pem.clone()));
        out.push((
            dir.join(format!("{base}.key")),
            clear(&pair.key)?.to_owned(),
        ));
    }
    Ok(out)
}

/// The kubeconfigs: the admin ones and the kubelet's through the API
/// endpoint, the controller manager's and scheduler's to the local API
/// server.
fn kubeconfigs(
    s: &Shared,
    m: &Member,
    apiserver_port: u16,
    root: &Path,
    records: &mut Vec<crate::pki::Record>,
) -> Result<Vec<(PathBuf, String)>> {
    let modern = modern(s.version);
    let local = members::host_port(m.ip, apiserver_port);
    let admin = if modern {
        certs::kubeadm::admin()
    } else {
        LeafSpec::new("kubernetes-admin", Role::Client).organization("system:masters")
    };
    let endpoint = s.controller_address.to_owned();
    let mut confs = vec![
        ("admin.conf", admin, endpoint.clone()),
        (
            "controller-manager.conf",
            certs::kubeadm::controller_manager(),
            local.clone(),
        ),
        ("scheduler.conf", certs::kubeadm::scheduler(), local),
        (
            "kubelet.conf",
            certs::kubeadm::kubelet(&m.name),
            endpoint.clone(),
        ),
    ];
    if modern {
        let super_admin = ("super-admin.conf", certs::kubeadm::super_admin(), endpoint);
        confs.insert(1, super_admin);
    }
    let mut out = Vec::new();
    for (file, spec, server) in confs {
        let path = root.join(file);
        let existing = read_kubeconfig(&path)?;
        let user = spec.common_name.clone();
        let place = path.display().to_string();
        let pair = pki::leaf(
            place,
            s.kube_ca,
            &spec,
            as_found(&existing),
            s.policy,
            records,
        )?;
        let text = kubeconfig(&s.kube_ca.cert_pem, &server, &user, &pair)?;
        out.push((path, text));
    }
    Ok(out)
}

/// The first address of the service network (`--service-cidr`): the
/// `kubernetes` Service's ClusterIP, which the API server certificate
/// carries.
pub fn first_service_ip(cidr: &str) -> Result<IpAddr> {
    let bad = || {
        Error::Usage(format!(
            "--service-cidr: {cidr:?} is not a network (ADDRESS/PREFIX, e.g. 10.96.0.0/12)"
        ))
    };
    let (addr, prefix) = cidr.split_once('/').ok_or_else(bad)?;
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    Ok(match addr {
        IpAddr::V4(a) if prefix <= 30 => {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            IpAddr::from(std::net::Ipv4Addr::from((u32::from(a) & mask) + 1))
        }
        IpAddr::V6(a) if prefix <= 126 => {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            IpAddr::from(std::net::Ipv6Addr::from((u128::from(a) & mask) + 1))
        }
        _ => return Err(bad()),
    })
}

/// Schedules the removal of a former master's tree: only the files
/// kubetool writes, then the directories if that leaves them empty.
pub fn remove_node(o: &Options, name: &str, change: &mut Change) {
    let root = o.dir.join(name);
    change.removals.extend(FILES.iter().map(|f| root.join(f)));
    change
        .prune
        .extend([root.join("pki/etcd"), root.join("pki"), root]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_ips() {
        assert_eq!(
            first_service_ip("10.96.0.0/12").unwrap().to_string(),
            "10.96.0.1"
        );
        assert_eq!(
            first_service_ip("10.100.7.9/16").unwrap().to_string(),
            "10.100.0.1"
        );
        assert_eq!(
            first_service_ip("fd00:10:96::/108").unwrap().to_string(),
            "fd00:10:96::1"
        );
        assert!(first_service_ip("10.96.0.0").is_err());
        assert!(first_service_ip("10.96.0.0/32").is_err());
    }
}
