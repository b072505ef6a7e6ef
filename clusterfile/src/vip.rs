//! `vip`: the virtual IP that one master holds at a time.

use crate::addr::IfAddr;
use crate::decode::{Fields, Path, checked, invalid};
use crate::error::{Error, ErrorKind};
use crate::hosts::Host;
use crate::names;
use crate::yaml::Node;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The VIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    /// Its DNS name (`lb`, for lb.ocf.berkeley.edu).
    pub name: String,
    /// The IPv4 VIP and its prefix, as keepalived puts it on the interface.
    pub ipv4: IfAddr<Ipv4Addr>,
    /// The IPv6 VIP and its prefix, if there is one.
    pub ipv6: Option<IfAddr<Ipv6Addr>>,
    /// The line of the section.
    pub line: usize,
}

impl Vip {
    /// Its addresses without prefixes, IPv4 first.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        std::iter::once(IpAddr::V4(self.ipv4.addr)).chain(self.ipv6.map(|a| IpAddr::V6(a.addr)))
    }
}

fn if_addr<A: crate::addr::Family>(node: &Node, path: &Path) -> Result<IfAddr<A>, Error> {
    let t = crate::decode::text(node, path)?;
    t.parse().map_err(|m: String| invalid(node, path, m))
}

pub(crate) fn decode(node: &Node, path: &Path, hosts: &[&Host]) -> Result<Vip, Error> {
    let mut f = Fields::of(node, path, "the vip section")?;
    let name = f.req("name", path, "the VIP's DNS name (lb)")?;
    let name = checked(name, &path.key("name"), names::dns_name)?.to_owned();
    let ipv4 = f.req("ipv4", path, "the IPv4 VIP as ADDRESS/PREFIX")?;
    let ipv4 = if_addr(ipv4, &path.key("ipv4"))?;
    let ipv6 = match f.opt("ipv6") {
        Some(n) => Some(if_addr(n, &path.key("ipv6"))?),
        None => None,
    };
    f.finish(path, "the vip section")?;
    let vip = Vip {
        name,
        ipv4,
        ipv6,
        line: node.line,
    };
    for a in vip.addresses() {
        if let Some(h) = hosts.iter().find(|h| h.addresses().any(|b| b == a)) {
            return Err(Error::new(
                ErrorKind::Duplicate,
                Some(vip.line),
                path,
                format!(
                    "{a} is also the address of {} (line {}); the VIP moves between masters and needs an address of its own",
                    h.name, h.line
                ),
            ));
        }
    }
    Ok(vip)
}
