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

/// Whether keepalived can run `program` as a script: an absolute path to
/// an executable file. `Err` says why not.
pub fn runnable(program: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    if !program.starts_with('/') {
        return Err("is not an absolute path".into());
    }
    match std::fs::metadata(program) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err("does not exist here".into()),
        Err(e) => Err(format!("cannot be read ({e})")),
        Ok(m) if !m.is_file() => Err("is not a file".into()),
        Ok(m) if m.permissions().mode() & 0o111 == 0 => Err("is not executable".into()),
        Ok(_) => Ok(()),
    }
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
    fn scripts_keepalived_can_run() {
        assert_eq!(runnable("/bin/sh"), Ok(()));
        assert_eq!(runnable("vipcheck"), Err("is not an absolute path".into()));
        assert_eq!(
            runnable("/nonexistent/x"),
            Err("does not exist here".into())
        );
        assert_eq!(runnable("/etc"), Err("is not a file".into()));
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("track");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        assert_eq!(
            runnable(f.to_str().unwrap()),
            Err("is not executable".into())
        );
    }
}
