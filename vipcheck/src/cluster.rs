//! The `masters` and `vip` parts of the cluster file
//! (`examples/ocf/cluster.yaml`); the other tools' parts are ignored here.

use serde::Deserialize;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A master.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Master {
    /// Its name (keepalived's router_id).
    pub name: String,
    /// Its IPv4 address (the unicast source).
    pub ipv4: Ipv4Addr,
    /// Its IPv6 address.
    pub ipv6: Option<Ipv6Addr>,
}

/// The VIP.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vip {
    /// Its DNS name.
    pub name: String,
    /// `ADDRESS/PREFIX`.
    pub ipv4: String,
    /// `ADDRESS/PREFIX`, if it has one.
    pub ipv6: Option<String>,
}

/// What vipcheck reads of the cluster file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Cluster {
    /// The masters, in the file's order.
    pub masters: Vec<Master>,
    /// The VIP.
    pub vip: Vip,
}

/// Parses the cluster file's masters and VIP and checks them.
pub fn parse(text: &str) -> Result<Cluster, String> {
    let c: Cluster = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    if c.masters.is_empty() {
        return Err("masters: the list is empty".into());
    }
    for (i, m) in c.masters.iter().enumerate() {
        ingressgen::names::dns_label(&m.name).map_err(|e| format!("masters[{i}].name: {e}"))?;
        if c.masters[..i]
            .iter()
            .any(|o| o.name == m.name || o.ipv4 == m.ipv4)
        {
            return Err(format!(
                "masters[{i}]: {} or its address is listed twice",
                m.name
            ));
        }
    }
    for (field, v) in [
        ("vip.ipv4", Some(&c.vip.ipv4)),
        ("vip.ipv6", c.vip.ipv6.as_ref()),
    ] {
        if let Some(v) = v {
            match crate::lint::parse_vip(v) {
                Some((a, Some(_))) if a.is_ipv4() == (field == "vip.ipv4") => {}
                _ => {
                    return Err(format!(
                        "{field}: {v:?} is not an {} ADDRESS/PREFIX",
                        if field == "vip.ipv4" { "IPv4" } else { "IPv6" }
                    ));
                }
            }
        }
    }
    Ok(c)
}
