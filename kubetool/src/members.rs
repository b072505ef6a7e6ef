//! The etcd members (the masters): parsing `ETCD_INITIAL_CLUSTER`, the
//! values derived from the list that the module consumes, and how the list
//! changes (add, remove, follow the cluster file).

use crate::error::{Error, Result};
use std::net::IpAddr;

/// The etcd peer port in `etcd_initial_cluster` URLs.
pub const PEER_PORT: u16 = 2380;
/// The API server port in `controller_address`.
pub const API_PORT: u16 = 6443;

/// One etcd member: the name etcd and Puppet know it by, and its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member name, also the per-host file's name (`<name>.yaml`): it
    /// must equal the node's certname and its etcd name.
    pub name: String,
    /// The address etcd listens on and the certificates carry.
    pub ip: IpAddr,
}

impl Member {
    /// Parses one `name:ip` item. IPv6 may be bracketed
    /// (`name:[2001:db8::1]`) or bare (`name:2001:db8::1`): the name
    /// cannot contain a colon, so the first one separates.
    pub fn parse(item: &str, from: &str) -> Result<Member> {
        let item = item.trim();
        let Some((name, ip)) = item.split_once(':') else {
            return Err(Error::Usage(format!(
                "{from}: {item:?} is not NAME:IP (for example deadlock:192.0.2.75)"
            )));
        };
        let name = check_name(name.trim(), from)?;
        let ip_text = ip.trim();
        let bare = ip_text
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(ip_text);
        let ip: IpAddr = bare.parse().map_err(|_| {
            Error::Usage(format!(
                "{from}: {ip_text:?} (for {name}) is not an IPv4 or IPv6 address"
            ))
        })?;
        if ip.is_unspecified() || ip.is_multicast() || ip == IpAddr::from([255, 255, 255, 255]) {
            return Err(Error::Usage(format!(
                "{from}: {ip} (for {name}) cannot be a member's address"
            )));
        }
        Ok(Member { name, ip })
    }

    /// `https://<ip>:2380`, IPv6 bracketed.
    pub fn peer_url(&self) -> String {
        format!("https://{}", host_port(self.ip, PEER_PORT))
    }
}

/// `ip:port`, with IPv6 bracketed.
pub fn host_port(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// A member name: a host name in the one grammar of the cluster file
/// ([`clusterfile::names`]), short or fully qualified, because it is the
/// certname, the etcd name, a SAN of the member's certificates and a file
/// name.
pub fn check_name(name: &str, from: &str) -> Result<String> {
    clusterfile::names::dns_name(name)
        .map(|()| name.to_owned())
        .map_err(|e| Error::Usage(format!("{from}: {name:?} is not a host name: {e}")))
}

/// Parses `ETCD_INITIAL_CLUSTER`: comma-separated `name:ip` items. Refuses
/// an empty list, duplicate names (ignoring case) and duplicate addresses.
pub fn parse_members(text: &str, from: &str) -> Result<Vec<Member>> {
    let mut members: Vec<Member> = Vec::new();
    for item in text.split(',') {
        if item.trim().is_empty() {
            return Err(Error::Usage(format!(
                "{from}: an empty item in {text:?}; separate NAME:IP items with single commas"
            )));
        }
        add(&mut members, Member::parse(item, from)?, from)?;
    }
    Ok(members)
}

/// Appends `m`, refusing a name or address already in the list.
pub fn add(members: &mut Vec<Member>, m: Member, from: &str) -> Result<()> {
    if let Some(o) = members
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(&m.name))
    {
        return Err(Error::Usage(format!(
            "{from}: the name {} appears twice (as {} and {})",
            m.name, o.ip, m.ip
        )));
    }
    if let Some(o) = members.iter().find(|o| o.ip == m.ip) {
        return Err(Error::Usage(format!(
            "{from}: the address {} appears twice (for {} and {})",
            m.ip, o.name, m.name
        )));
    }
    members.push(m);
    Ok(())
}

/// Takes the member `name` out of the list (remove-member), refusing to
/// remove the last one. Returns it, and a warning when the API endpoint
/// followed it (`controller_is_default`: no explicit controller_address).
pub fn remove(
    members: &mut Vec<Member>,
    name: &str,
    controller_is_default: bool,
) -> Result<(Member, Option<String>)> {
    let Some(i) = members
        .iter()
        .position(|m| m.name.eq_ignore_ascii_case(name))
    else {
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        return Err(Error::Usage(format!(
            "remove-member: {name} is not a member ({})",
            names.join(", ")
        )));
    };
    if members.len() == 1 {
        return Err(Error::Usage(format!(
            "remove-member: {name} is the only member; a cluster needs one"
        )));
    }
    let gone = members.remove(i);
    let warning = (i == 0 && controller_is_default).then(|| {
        format!(
            "controller_address was {name}'s address; it is now {}",
            default_controller_address(members)
        )
    });
    Ok((gone, warning))
}

/// The members when the cluster file names them (`--cluster`): the file's
/// masters, in its order; a previous member the file no longer lists is
/// kept at the end (with a warning) unless `prune` asks to remove it,
/// never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The members after the run.
    pub members: Vec<Member>,
    /// Previous members to remove (`--prune`).
    pub removed: Vec<String>,
    /// What the operator should know.
    pub warnings: Vec<String>,
}

/// See [`Followed`].
pub fn follow(file: Vec<Member>, previous: &[Member], prune: bool, path: &str) -> Result<Followed> {
    let mut out = Followed {
        members: file,
        removed: Vec::new(),
        warnings: Vec::new(),
    };
    for p in previous {
        if let Some(m) = out
            .members
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(&p.name))
        {
            if m.ip != p.ip {
                out.warnings.push(format!(
                    "{} moves from {} to {}: its etcd certificates are issued for the new address; before it starts there, run `etcdctl member update <its ID> --peer-urls={}` on a current member",
                    m.name,
                    p.ip,
                    m.ip,
                    m.peer_url()
                ));
            }
            continue;
        }
        if let Some(m) = out.members.iter().find(|m| m.ip == p.ip).filter(|_| !prune) {
            return Err(Error::Usage(format!(
                "{path}: {} has the address of {}, a member the file no longer lists (a rename?): two members cannot share {}; run with --prune to replace {} by {} (then `etcdctl member remove` {} and `etcdctl member add {} --peer-urls={}`), or keep the old name",
                m.name,
                p.name,
                p.ip,
                p.name,
                m.name,
                p.name,
                m.name,
                m.peer_url()
            )));
        }
        if prune {
            out.warnings.push(format!(
                "{} is no longer in {path}: --prune removes it and its file; run `etcdctl member remove` for it too",
                p.name
            ));
            out.removed.push(p.name.clone());
        } else {
            out.warnings.push(format!(
                "{} is a member but not in {path}; it stays a member (run with --prune to remove it)",
                p.name
            ));
            out.members.push(p.clone());
        }
    }
    Ok(out)
}

/// Reads back `kubernetes::etcd_initial_cluster` (`name=https://ip:2380,...`).
pub fn parse_initial_cluster(text: &str, from: &str) -> Result<Vec<Member>> {
    let mut members = Vec::new();
    for item in text.split(',') {
        let bad = || {
            Error::Input(format!(
                "{from}: {item:?} is not NAME=https://IP:2380; regenerate the file with kubetool"
            ))
        };
        let (name, url) = item.trim().split_once('=').ok_or_else(bad)?;
        let host = url
            .strip_prefix("https://")
            .and_then(|h| h.rsplit_once(':'))
            .map(|(h, _port)| h)
            .ok_or_else(bad)?;
        let m = Member::parse(&format!("{name}:{host}"), from).map_err(|_| bad())?;
        add(&mut members, m, from).map_err(|e| Error::Input(e.to_string()))?;
    }
    Ok(members)
}

/// `kubernetes::etcd_initial_cluster`: `name=https://ip:2380`, joined by commas.
pub fn initial_cluster(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| format!("{}={}", m.name, m.peer_url()))
        .collect::<Vec<_>>()
        .join(",")
}

/// `kubernetes::etcd_peers`: the members' addresses, IPv6 bracketed, because
/// the module writes each as `https://<peer>:2379`.
pub fn peers(members: &[Member]) -> Vec<String> {
    members
        .iter()
        .map(|m| match m.ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        })
        .collect()
}

/// The original's `controller_address`: the first member's address and 6443.
pub fn default_controller_address(members: &[Member]) -> String {
    host_port(members[0].ip, API_PORT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_example_and_its_derived_values() {
        let m = parse_members(
            "kube-control-plane:172.17.10.101,kube-replica-control-plane-01:172.17.10.210, kube-replica-control-plane-02 : 172.17.10.220",
            "ETCD_INITIAL_CLUSTER",
        )
        .unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(
            initial_cluster(&m),
            "kube-control-plane=https://172.17.10.101:2380,kube-replica-control-plane-01=https://172.17.10.210:2380,kube-replica-control-plane-02=https://172.17.10.220:2380"
        );
        assert_eq!(
            peers(&m),
            ["172.17.10.101", "172.17.10.210", "172.17.10.220"]
        );
        assert_eq!(default_controller_address(&m), "172.17.10.101:6443");
        assert_eq!(parse_initial_cluster(&initial_cluster(&m), "f").unwrap(), m);
    }

    #[test]
    fn ipv6_bare_or_bracketed() {
        let m = parse_members("a:2001:db8::1,b:[2001:db8::2]", "X").unwrap();
        assert_eq!(m[1].ip, "2001:db8::2".parse::<IpAddr>().unwrap());
        assert_eq!(
            initial_cluster(&m),
            "a=https://[2001:db8::1]:2380,b=https://[2001:db8::2]:2380"
        );
        assert_eq!(peers(&m), ["[2001:db8::1]", "[2001:db8::2]"]);
        assert_eq!(default_controller_address(&m), "[2001:db8::1]:6443");
        assert_eq!(parse_initial_cluster(&initial_cluster(&m), "f").unwrap(), m);
    }

    #[test]
    fn following_the_file_keeps_what_it_dropped_unless_pruning() {
        let prev = parse_members("a:10.0.0.1,b:10.0.0.2,c:10.0.0.3", "x").unwrap();
        let file = parse_members("a:10.0.0.1,c:10.0.0.3,d:10.0.0.4", "x").unwrap();
        let kept = follow(file.clone(), &prev, false, "c.yaml").unwrap();
        let names: Vec<&str> = kept.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "c", "d", "b"]);
        assert!(kept.removed.is_empty());
        assert!(kept.warnings[0].contains("b is a member but not in c.yaml"));
        let pruned = follow(file, &prev, true, "c.yaml").unwrap();
        assert_eq!(pruned.members.len(), 3);
        assert_eq!(pruned.removed, ["b"]);
    }

    /// A master renamed in the file (same address): without --prune the
    /// old name would stay beside the new one at one address, which
    /// add-member and -i refuse; so is this. With --prune it is a rename.
    /// A master whose address changed gets etcd's step named.
    #[test]
    fn a_rename_needs_prune_and_a_move_names_member_update() {
        let prev = parse_members("a:10.0.0.1,b:10.0.0.2,c:10.0.0.3", "x").unwrap();
        let renamed = parse_members("a2:10.0.0.1,b:10.0.0.2,c:10.0.0.3", "x").unwrap();
        let e = follow(renamed.clone(), &prev, false, "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a2 has the address of a") && e.contains("--prune"),
            "{e}"
        );
        let pruned = follow(renamed, &prev, true, "c.yaml").unwrap();
        assert_eq!(
            (pruned.members.len(), pruned.removed.clone()),
            (3, vec!["a".to_owned()])
        );
        let moved = parse_members("a:10.0.0.9,b:10.0.0.2,c:10.0.0.3", "x").unwrap();
        let f = follow(moved, &prev, false, "c.yaml").unwrap();
        assert!(
            f.warnings[0].contains("a moves from 10.0.0.1 to 10.0.0.9")
                && f.warnings[0].contains("etcdctl member update"),
            "{:?}",
            f.warnings
        );
    }

    #[test]
    fn removing_refuses_strangers_and_the_last_member() {
        let mut m = parse_members("a:10.0.0.1,b:10.0.0.2", "x").unwrap();
        assert!(
            remove(&mut m, "z", true)
                .unwrap_err()
                .to_string()
                .contains("not a member (a, b)")
        );
        let (gone, warning) = remove(&mut m, "a", true).unwrap();
        assert_eq!(gone.name, "a");
        assert_eq!(
            warning.unwrap(),
            "controller_address was a's address; it is now 10.0.0.2:6443"
        );
        assert!(
            remove(&mut m, "b", true)
                .unwrap_err()
                .to_string()
                .contains("the only member")
        );
    }

    #[test]
    fn malformed_lists_are_refused_with_the_reason() {
        for (input, want) in [
            ("", "an empty item"),
            ("a:10.0.0.1,", "an empty item"),
            ("a", "is not NAME:IP"),
            ("a:", "is not an IPv4 or IPv6 address"),
            ("a:10.0.0.256", "is not an IPv4 or IPv6 address"),
            ("a_b:10.0.0.1", "is not a host name"),
            ("a/b:10.0.0.1", "is not a host name"),
            ("..:10.0.0.1", "is not a host name"),
            ("a:0.0.0.0", "cannot be a member"),
            ("a:10.0.0.1,a:10.0.0.2", "the name a appears twice"),
            ("Deadlock:10.0.0.1", "write \"deadlock\""),
            (
                "a:10.0.0.1,b:10.0.0.1",
                "the address 10.0.0.1 appears twice",
            ),
            ("a:2001:db8::1,b:[2001:DB8:0::1]", "appears twice"),
        ] {
            let e = parse_members(input, "ETCD_INITIAL_CLUSTER").unwrap_err();
            assert!(e.to_string().contains(want), "{input:?}: {e}");
            assert!(e.to_string().starts_with("ETCD_INITIAL_CLUSTER: "), "{e}");
        }
    }
}
