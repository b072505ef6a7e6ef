//! This host's interface addresses, and processes by pid file; and
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

/// Whether the process named in `pid_file` runs and is called `comm`.
/// `Ok(None)` when there is no pid file.
pub fn running(pid_file: &str, comm: &str) -> std::io::Result<Option<(u32, bool)>> {
    let text = match std::fs::read_to_string(pid_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return Ok(Some((0, false)));
    };
    let alive = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim() == comm)
        .unwrap_or(false);
    Ok(Some((pid, alive)))
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

    #[test]
    fn a_pid_file_names_a_live_process_or_not() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("pid");
        assert_eq!(running(f.to_str().unwrap(), "x").unwrap(), None);
        std::fs::write(&f, format!("{}\n", std::process::id())).unwrap();
        let me = std::fs::read_to_string("/proc/self/comm").unwrap();
        assert_eq!(
            running(f.to_str().unwrap(), me.trim()).unwrap(),
            Some((std::process::id(), true))
        );
        assert_eq!(
            running(f.to_str().unwrap(), "keepalived").unwrap(),
            Some((std::process::id(), false))
        );
    }
}
