//! Addresses, parsed once: an interface address with its prefix length
//! (the VIP as keepalived puts it on an interface), for IPv4 and IPv6.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address family: what [`IfAddr`] needs to know of its address type.
pub trait Family: Copy + Eq + fmt::Display + FromStr {
    /// The family's name in messages.
    const NAME: &'static str;
    /// The longest prefix.
    const BITS: u8;
    /// The address as a number, for subnet arithmetic.
    fn bits(self) -> u128;
    /// The address, family-blind.
    fn ip(self) -> IpAddr;
}

impl Family for Ipv4Addr {
    const NAME: &'static str = "IPv4";
    const BITS: u8 = 32;
    fn bits(self) -> u128 {
        u128::from(u32::from(self))
    }
    fn ip(self) -> IpAddr {
        IpAddr::V4(self)
    }
}

impl Family for Ipv6Addr {
    const NAME: &'static str = "IPv6";
    const BITS: u8 = 128;
    fn bits(self) -> u128 {
        u128::from(self)
    }
    fn ip(self) -> IpAddr {
        IpAddr::V6(self)
    }
}

/// `ADDRESS/PREFIX`: an address on an interface, and the length of its
/// subnet's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfAddr<A> {
    /// The address.
    pub addr: A,
    /// The prefix length: 1-32 for IPv4, 1-128 for IPv6.
    pub prefix: u8,
}

impl<A: Family> IfAddr<A> {
    /// Whether `other` is on this address's subnet.
    pub fn contains(&self, other: A) -> bool {
        let shift = u32::from(A::BITS - self.prefix);
        self.addr.bits().checked_shr(shift) == other.bits().checked_shr(shift)
    }
}

impl<A: Family> FromStr for IfAddr<A> {
    type Err = String;

    /// Parses `ADDRESS/PREFIX`. The address must be usable on an
    /// interface (not unspecified, multicast or, in IPv4, the subnet's
    /// network or broadcast address).
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, p) = s.split_once('/').ok_or_else(|| {
            format!(
                "{s:?} has no prefix length; write {} ADDRESS/PREFIX, such as {}",
                A::NAME,
                if A::BITS == 32 {
                    "192.0.2.100/24"
                } else {
                    "2001:db8::100/64"
                }
            )
        })?;
        let addr: A = a
            .parse()
            .map_err(|_| format!("{a:?} is not an {} address", A::NAME))?;
        let prefix: u8 = p
            .parse()
            .ok()
            .filter(|n| (1..=A::BITS).contains(n))
            .ok_or_else(|| format!("/{p} is not a prefix length; give 1-{}", A::BITS))?;
        let ip = addr.ip();
        if ip.is_unspecified() || ip.is_multicast() {
            return Err(format!("{addr} cannot be an interface's address"));
        }
        if A::BITS == 32 && prefix < 31 {
            let host = addr.bits() & ((1u128 << (32 - prefix)) - 1);
            if host == 0 || host == (1u128 << (32 - prefix)) - 1 {
                return Err(format!(
                    "{addr} is the network or broadcast address of /{prefix}; give a host address"
                ));
            }
        }
        Ok(IfAddr { addr, prefix })
    }
}

impl<A: fmt::Display> fmt::Display for IfAddr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A network: `ADDRESS/PREFIX` with no host bits set (`192.0.2.0/24`,
/// `2001:db8::/64`), or a bare address, which is the network of that one
/// address (/32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Net {
    /// The network's first address.
    pub addr: IpAddr,
    /// Its prefix length: 0-32 for IPv4, 0-128 for IPv6.
    pub prefix: u8,
}

impl FromStr for Net {
    type Err = String;

    fn from_str(s: &str) -> Result<Net, String> {
        let (a, p) = s.split_once('/').unwrap_or((s, ""));
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("{a:?} is not an IPv4 or IPv6 address; write a network as ADDRESS/PREFIX (192.0.2.0/24) or one address"))?;
        let (bits, value) = match addr {
            IpAddr::V4(v) => (<Ipv4Addr as Family>::BITS, v.bits()),
            IpAddr::V6(v) => (<Ipv6Addr as Family>::BITS, v.bits()),
        };
        let prefix = if p.is_empty() {
            bits
        } else {
            p.parse()
                .ok()
                .filter(|n| *n <= bits)
                .ok_or_else(|| format!("/{p} is not a prefix length; give 0-{bits}"))?
        };
        let all = u128::MAX >> (128 - u32::from(bits));
        let host = value & all.checked_shr(u32::from(prefix)).unwrap_or(0);
        if host != 0 {
            let first = value & !host;
            let net = match addr {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(first as u32)),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(first)),
            };
            return Err(format!(
                "{s} is not a network: it has host bits set; the network is {net}/{prefix}, or give the one address as {addr}"
            ));
        }
        Ok(Net { addr, prefix })
    }
}

impl fmt::Display for Net {
    /// `ADDRESS/PREFIX`, always with the prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// An address other hosts reach a host at: not unspecified, multicast or
/// broadcast (HAProxy would connect to the client's own destination, or
/// nowhere), and not loopback or link-local (each machine would reach
/// itself; Kubernetes refuses both as endpoint addresses).
pub fn host_address(ip: IpAddr) -> Result<(), String> {
    let why = if ip.is_unspecified() || ip.is_multicast() || ip == IpAddr::V4(Ipv4Addr::BROADCAST) {
        "cannot be a host's address"
    } else if ip.is_loopback() {
        "is a loopback address: each machine would reach itself; give the host's address on the network"
    } else if link_local(ip) {
        "is link-local: it is not routed, and Kubernetes refuses it as an endpoint; give the host's address on the network"
    } else {
        return Ok(());
    };
    Err(format!("{ip} {why}"))
}

fn link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_families_parse_once_and_print_back() {
        let v4: IfAddr<Ipv4Addr> = "192.0.2.100/24".parse().unwrap();
        assert_eq!((v4.addr, v4.prefix), (Ipv4Addr::new(192, 0, 2, 100), 24));
        assert_eq!(v4.to_string(), "192.0.2.100/24");
        assert!(v4.contains(Ipv4Addr::new(192, 0, 2, 75)));
        assert!(!v4.contains(Ipv4Addr::new(192, 0, 3, 75)));
        let v6: IfAddr<Ipv6Addr> = "2001:db8::100/64".parse().unwrap();
        assert_eq!(v6.to_string(), "2001:db8::100/64");
        assert!(v6.contains("2001:db8::75".parse().unwrap()));
        assert!(!v6.contains("2001:db9::75".parse().unwrap()));
        let full: IfAddr<Ipv6Addr> = "2001:db8::1/128".parse().unwrap();
        assert!(full.contains("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn networks_have_no_host_bits() {
        for (given, shown) in [
            ("192.0.2.0/24", "192.0.2.0/24"),
            ("192.0.2.7", "192.0.2.7/32"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:db8::/64", "2001:db8::/64"),
            ("2001:db8::7", "2001:db8::7/128"),
            ("10.0.0.0/8", "10.0.0.0/8"),
        ] {
            assert_eq!(given.parse::<Net>().unwrap().to_string(), shown, "{given}");
        }
        for (bad, why) in [
            (
                "192.0.2.7/24",
                "the network is 192.0.2.0/24, or give the one address as 192.0.2.7",
            ),
            ("2001:db8::7/64", "the network is 2001:db8::/64"),
            ("192.0.2.0/33", "not a prefix length; give 0-32"),
            ("192.0.2.0/x", "not a prefix length"),
            ("lb.example", "not an IPv4 or IPv6 address"),
            ("", "not an IPv4 or IPv6 address"),
        ] {
            let e = bad.parse::<Net>().unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn what_cannot_be_on_an_interface_is_refused() {
        for (bad, why) in [
            ("192.0.2.100", "no prefix length"),
            ("192.0.2.100/33", "not a prefix length"),
            ("192.0.2.100/0", "not a prefix length"),
            ("192.0.2.300/24", "not an IPv4 address"),
            ("2001:db8::1/24", "not an IPv4 address"),
            ("192.0.2.0/24", "network or broadcast"),
            ("192.0.2.255/24", "network or broadcast"),
            ("0.0.0.0/8", "cannot be an interface"),
        ] {
            let e = bad.parse::<IfAddr<Ipv4Addr>>().unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        "192.0.2.1/31".parse::<IfAddr<Ipv4Addr>>().unwrap();
        let e = "192.0.2.1/64".parse::<IfAddr<Ipv6Addr>>().unwrap_err();
        assert!(e.contains("not an IPv6 address"), "{e}");
        assert!("ff02::1/64".parse::<IfAddr<Ipv6Addr>>().is_err());
        for bad in [
            "255.255.255.255",
            "0.0.0.0",
            "224.0.0.1",
            "127.0.0.11",
            "::1",
            "169.254.1.1",
            "fe80::1",
            "::",
        ] {
            assert!(host_address(bad.parse().unwrap()).is_err(), "{bad}");
        }
        for good in ["192.0.2.75", "10.0.0.1", "2001:db8::75"] {
            assert!(host_address(good.parse().unwrap()).is_ok(), "{good}");
        }
    }
}
