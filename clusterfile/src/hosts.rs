//! `masters` and `workers`: the hosts of the cluster.

use crate::addr::host_address;
use crate::decode::{self, Fields, Path, checked, invalid};
use crate::error::{Error, ErrorKind};
use crate::names;
use crate::yaml::Node;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A master or a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Its name: the short host name or the FQDN (lower-case DNS labels),
    /// as Puppet's certname and etcd's member name.
    pub name: String,
    /// Its IPv4 address.
    pub ipv4: Ipv4Addr,
    /// Its IPv6 address, if it has one.
    pub ipv6: Option<Ipv6Addr>,
    /// The line of its entry in the file.
    pub line: usize,
}

impl Host {
    /// Its addresses, IPv4 first.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        std::iter::once(IpAddr::V4(self.ipv4)).chain(self.ipv6.map(IpAddr::V6))
    }
}

/// An address field: parsed in its family, and usable by a host.
pub(crate) fn address<A: std::str::FromStr + Into<IpAddr> + Copy>(
    node: &Node,
    path: &Path,
    family: &str,
) -> Result<A, Error> {
    let t = decode::text(node, path)?;
    let a: A = t
        .parse()
        .map_err(|_| invalid(node, path, format!("{t:?} is not an {family} address")))?;
    host_address(a.into()).map_err(|m| invalid(node, path, m))?;
    Ok(a)
}

fn host(node: &Node, path: &Path) -> Result<Host, Error> {
    let mut f = Fields::of(node, path, "a host")?;
    let name = f.req("name", path, "the host's name")?;
    let name = checked(name, &path.key("name"), names::dns_name)?.to_owned();
    let ipv4 = f.req("ipv4", path, "the host's IPv4 address")?;
    let ipv4 = address(ipv4, &path.key("ipv4"), "IPv4")?;
    let ipv6 = match f.opt("ipv6") {
        Some(n) => Some(address(n, &path.key("ipv6"), "IPv6")?),
        None => None,
    };
    f.finish(path, "a host")?;
    Ok(Host {
        name,
        ipv4,
        ipv6,
        line: node.line,
    })
}

/// The most hosts a list (`masters`, `workers`) may hold: far beyond any
/// etcd cluster or site, and the limit every tool applies to member counts.
pub const MAX_HOSTS: usize = 10_000;

/// A list of hosts (`masters` or `workers`), each name and address once.
pub(crate) fn list(node: &Node, path: &Path) -> Result<Vec<Host>, Error> {
    let items = decode::list(node, path)?;
    if items.len() > MAX_HOSTS {
        return Err(Error::new(
            ErrorKind::InvalidValue,
            Some(node.line),
            path,
            format!(
                "{} hosts; at most {MAX_HOSTS} (no Raft cluster or site is larger)",
                items.len()
            ),
        ));
    }
    let mut out: Vec<Host> = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut addresses: HashMap<IpAddr, usize> = HashMap::new();
    for (i, n) in items.iter().enumerate() {
        let at = path.index(i);
        let h = host(n, &at)?;
        if let Some(&o) = names.get(&h.name) {
            return Err(duplicate(&h, &at.key("name"), &h.name, &out[o]));
        }
        if let Some((a, &o)) = h
            .addresses()
            .find_map(|a| addresses.get(&a).map(|o| (a, o)))
        {
            return Err(duplicate(&h, &at, &a.to_string(), &out[o]));
        }
        names.insert(h.name.clone(), i);
        addresses.extend(h.addresses().map(|a| (a, i)));
        out.push(h);
    }
    Ok(out)
}

fn duplicate(h: &Host, path: &Path, what: &str, first: &Host) -> Error {
    Error::new(
        ErrorKind::Duplicate,
        Some(h.line),
        path,
        format!(
            "{what} is already used by {} (line {}); each host has its own name and addresses",
            first.name, first.line
        ),
    )
}

/// A host that is both a master and a worker (a small cluster) must be
/// the same host in both lists; different hosts never share an address.
pub(crate) fn check_across(masters: &[Host], workers: &[Host]) -> Result<(), Error> {
    let mut by_key: HashMap<String, &Host> = HashMap::new();
    for m in masters {
        by_key.insert(format!("n:{}", m.name), m);
        by_key.extend(m.addresses().map(|a| (format!("a:{a}"), m)));
    }
    for (i, w) in workers.iter().enumerate() {
        let keys =
            std::iter::once(format!("n:{}", w.name)).chain(w.addresses().map(|a| format!("a:{a}")));
        for m in keys.filter_map(|k| by_key.get(&k)) {
            let same_name = m.name == w.name;
            if !(same_name && m.ipv4 == w.ipv4 && m.ipv6 == w.ipv6) {
                let root = Path::ROOT;
                let workers = root.key("workers");
                return Err(Error::new(
                    ErrorKind::Duplicate,
                    Some(w.line),
                    workers.index(i),
                    format!(
                        "{} and the master {} (line {}) share a name or an address but differ; a host that is both lists the same name and addresses in each",
                        w.name, m.name, m.line
                    ),
                ));
            }
        }
    }
    Ok(())
}
