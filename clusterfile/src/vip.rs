//! `vip`: the virtual IP that one master holds at a time.

use crate::addr::IfAddr;
use crate::decode::{Fields, Path, checked, invalid};
use crate::error::{Error, ErrorKind};
use crate::hosts::Host;
use crate::names;
use crate::yaml::Node;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The VIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    /// Its DNS name (`lb`, for lb.ocf.berkeley.edu).
    pub name: String,
    /// The IPv4 VIP and its prefix, as keepalived puts it on the interface.
    pub ipv4: IfAddr<Ipv4Addr>,
    /// The IPv6 VIP and its prefix, if there is one.
    pub ipv6: Option<IfAddr<Ipv6Addr>>,
    /// Seconds between the masters' VRRP adverts (`advert_int`); keepalived's
    /// 1 s when the file does not say.
    pub advert_int: Advert,
    /// The VRRP router id (`virtual_router_id`, 1-255) the masters share;
    /// when the file does not say, the last byte of the IPv4 VIP (at least
    /// 1), as every toolkit release before the setting rendered.
    pub vrid: u8,
    /// The line of the section.
    pub line: usize,
}

impl Vip {
    /// Its addresses without prefixes, IPv4 first.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        std::iter::once(IpAddr::V4(self.ipv4.addr)).chain(self.ipv6.map(|a| IpAddr::V6(a.addr)))
    }
}

/// keepalived's `advert_int`, in hundredths of a second (VRRPv3's unit):
/// whole seconds from 1 to 255 (VRRPv2 carries only those), or to the
/// hundredth from 0.01 to 40.95 s (VRRPv3's range). A master is taken for
/// dead after 3 adverts missed, so this sets what a power loss costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Advert(u32);

impl Advert {
    /// keepalived's default, and what a site that never set it runs: 1 s.
    /// A file without `advert_int` keeps it, so that a site's masters never
    /// change interval (or VRRP version) because the toolkit was upgraded.
    pub const DEFAULT: Advert = Advert(100);

    /// From hundredths of a second, if in range.
    pub fn from_centiseconds(c: u32) -> Option<Advert> {
        ((1..=4095).contains(&c) || (c.is_multiple_of(100) && (100..=25_500).contains(&c)))
            .then_some(Advert(c))
    }

    /// In hundredths of a second.
    pub fn centiseconds(self) -> u32 {
        self.0
    }

    /// In milliseconds.
    pub fn millis(self) -> u64 {
        u64::from(self.0) * 10
    }

    /// Whether VRRPv2 can carry it (whole seconds); otherwise every master
    /// must run VRRPv3.
    pub fn is_whole(self) -> bool {
        self.0.is_multiple_of(100)
    }
}

/// Seconds as keepalived writes them (`1`, `0.5`, `0.05`, `2.25`) in
/// hundredths, 0.01 to 255 s, with no other check; `None` when the text is
/// not such a number. `vipcheck lint` uses it to judge a file by the VRRP
/// version it runs.
pub fn centiseconds(v: &str) -> Option<u32> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || whole.len() > 3 {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 {
        return None;
    }
    let c = whole.parse::<u32>().ok()? * 100 + format!("{frac:0<2}").parse::<u32>().ok()?;
    (1..=25_500).contains(&c).then_some(c)
}

impl FromStr for Advert {
    type Err = String;

    fn from_str(s: &str) -> Result<Advert, String> {
        centiseconds(s)
            .and_then(Advert::from_centiseconds)
            .ok_or_else(|| {
                format!(
                    "{s:?} is not an advert interval: give seconds, whole from 1 to 255, or to the hundredth from 0.01 to 40.95 (VRRPv3)"
                )
            })
    }
}

impl fmt::Display for Advert {
    /// As keepalived reads it: `1`, `0.5`, `0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, c) = (self.0 / 100, self.0 % 100);
        match c {
            0 => write!(f, "{s}"),
            c if c % 10 == 0 => write!(f, "{s}.{}", c / 10),
            c => write!(f, "{s}.{c:02}"),
        }
    }
}

/// The VRID when the file gives none: the IPv4 VIP's last byte, distinct
/// per VIP on a subnet and rarely keepalived's sample 51 (0 is no VRID: 1).
pub fn default_vrid(ipv4: Ipv4Addr) -> u8 {
    ipv4.octets()[3].max(1)
}

/// `vrid`: a whole number from 1 to 255, without quotes.
fn vrid(node: &Node, path: &Path) -> Result<u8, Error> {
    let n = match &node.value {
        crate::yaml::Value::Scalar { text, plain: true } if !node.is_null() => {
            text.parse::<u8>().ok().filter(|&n| n >= 1)
        }
        _ => None,
    };
    n.ok_or_else(|| {
        invalid(
            node,
            path,
            format!(
                "{} is not a VRID: give a whole number from 1 to 255, without quotes, the same the site's keepalived runs (vrid: 51); changing it on running masters needs the order in cluster.yaml(5)",
                crate::decode::show(node)
            ),
        )
    })
}

/// `advert_int`: seconds written without quotes, as a number.
fn advert(node: &Node, path: &Path) -> Result<Advert, Error> {
    match &node.value {
        crate::yaml::Value::Scalar { text, plain: true } if !node.is_null() => {
            text.parse().map_err(|m: String| invalid(node, path, m))
        }
        _ => Err(invalid(
            node,
            path,
            format!(
                "{} is not a number of seconds (write it without quotes: advert_int: 0.1)",
                crate::decode::show(node)
            ),
        )),
    }
}

fn if_addr<A: crate::addr::Family>(node: &Node, path: &Path) -> Result<IfAddr<A>, Error> {
    let t = crate::decode::text(node, path)?;
    t.parse().map_err(|m: String| invalid(node, path, m))
}

/// The VIP must be on the masters' network: its subnet (the address with
/// its prefix, as keepalived puts it on the interface) holds at least one
/// master's address, IPv4 always, IPv6 when a master has one. keepalived
/// would otherwise put it on an interface whose network does not carry it,
/// and no client would reach it.
fn on_the_masters_subnet(
    vip: &Vip,
    masters: &[Host],
    path: &Path,
    (v4_line, v6_line): (usize, usize),
) -> Result<(), Error> {
    let listed = |addrs: Vec<String>| addrs.join(", ");
    let v4: Vec<String> = masters.iter().map(|m| m.ipv4.to_string()).collect();
    let v6: Vec<Ipv6Addr> = masters.iter().filter_map(|m| m.ipv6).collect();
    let off = if !masters.is_empty() && !masters.iter().any(|m| vip.ipv4.contains(m.ipv4)) {
        Some(("ipv4", v4_line, vip.ipv4.to_string(), listed(v4)))
    } else {
        match vip.ipv6 {
            Some(a) if !v6.is_empty() && !v6.iter().any(|m| a.contains(*m)) => Some((
                "ipv6",
                v6_line,
                a.to_string(),
                listed(v6.iter().map(Ipv6Addr::to_string).collect()),
            )),
            _ => None,
        }
    };
    match off {
        None => Ok(()),
        Some((field, line, given, masters)) => Err(Error::new(
            ErrorKind::InvalidValue,
            Some(line),
            path.key(field),
            format!(
                "{given} is on no master's subnet (the masters are {masters}): keepalived would put it on an interface whose network does not carry it; give an address on the masters' network, with the prefix their interface has"
            ),
        )),
    }
}

pub(crate) fn decode(
    node: &Node,
    path: &Path,
    masters: &[Host],
    hosts: &[&Host],
) -> Result<Vip, Error> {
    let mut f = Fields::of(node, path, "the vip section")?;
    let name = f.req("name", path, "the VIP's DNS name (lb)")?;
    let name = checked(name, &path.key("name"), names::dns_name)?.to_owned();
    let ipv4_node = f.req("ipv4", path, "the IPv4 VIP as ADDRESS/PREFIX")?;
    let ipv4 = if_addr(ipv4_node, &path.key("ipv4"))?;
    let ipv6_node = f.opt("ipv6");
    let ipv6 = match ipv6_node {
        Some(n) => Some(if_addr(n, &path.key("ipv6"))?),
        None => None,
    };
    let lines = (ipv4_node.line, ipv6_node.map_or(node.line, |n| n.line));
    let advert_int = match f.opt("advert_int") {
        Some(n) => advert(n, &path.key("advert_int"))?,
        None => Advert::DEFAULT,
    };
    let vrid = match f.opt("vrid") {
        Some(n) => vrid(n, &path.key("vrid"))?,
        None => default_vrid(ipv4.addr),
    };
    f.finish(path, "the vip section")?;
    let vip = Vip {
        name,
        ipv4,
        ipv6,
        advert_int,
        vrid,
        line: node.line,
    };
    on_the_masters_subnet(&vip, masters, path, lines)?;
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
