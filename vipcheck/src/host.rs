//! This host's interface addresses; and
//! `vipcheck holder`'s verdict from them.

use crate::lint::HostAddr;
use crate::report::Report;
use clikit::{Perf, State};
use std::net::IpAddr;

/// `holder`: OK when this host holds `vip` (on the interfaces `on`),
/// WARNING when not, so `onlyif => 'vipcheck holder'` runs on the holder
/// only.
pub fn assess_holder(vip: IpAddr, on: &[String]) -> Report {
    let holds = !on.is_empty();
    let (state, summary) = if holds {
        (State::Ok, format!("{vip} is on {}", on.join(",")))
    } else {
        (State::Warning, format!("{vip} is not on this host"))
    };
    let perf = vec![Perf::count("holds_vip", f64::from(u8::from(holds)))];
    Report::new("holder", state, summary, perf)
}

/// Every IPv4 and IPv6 address on every interface of this host (in the
/// network namespace the process runs in).
pub fn addresses() -> std::io::Result<Vec<HostAddr>> {
    let mut out = Vec::new();
    for i in pnet_datalink::interfaces() {
        for net in &i.ips {
            out.push(HostAddr {
                interface: i.name.clone(),
                addr: net.ip(),
                prefix: net.prefix(),
            });
        }
    }
    Ok(out)
}

/// The interfaces that carry `vip`.
pub fn holding(addrs: &[HostAddr], vip: IpAddr) -> Vec<String> {
    let mut v: Vec<String> = addrs
        .iter()
        .filter(|a| a.addr == vip)
        .map(|a| a.interface.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_found_with_its_prefix() {
        let a = addresses().unwrap();
        let lo = a
            .iter()
            .find(|h| h.addr == IpAddr::from([127, 0, 0, 1]))
            .expect("127.0.0.1 on some interface");
        assert_eq!((lo.interface.as_str(), lo.prefix), ("lo", 8));
        assert_eq!(holding(&a, "127.0.0.1".parse().unwrap()), ["lo"]);
        assert!(holding(&a, "192.0.2.254".parse().unwrap()).is_empty());
    }
}
