//! `vipcheck local`: is this master consistent? Its keepalived, its VRRP
//! state (from `vipcheck notify`), the VIP on its interfaces and its
//! HAProxy's monitor endpoint, judged together.

use crate::notify::Transition;
use crate::report::Report;
use clikit::Perf;
use clikit::State;
use std::net::IpAddr;
use std::time::Duration;

/// What was found on this master.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The VIP.
    pub vip: IpAddr,
    /// The interfaces that carry it here.
    pub holding: Vec<String>,
    /// keepalived's pid and whether it runs (None: no pid file).
    pub keepalived: Option<(u32, bool)>,
    /// The last transition keepalived reported.
    pub vrrp: Option<Transition>,
    /// HAProxy's monitor answer: status and time, or why none.
    pub haproxy: Result<(u16, Duration), String>,
}

/// Judges the facts. Worst first: an orphaned address, a MASTER without
/// the VIP, a holder whose HAProxy is dead (CRITICAL); a failover target
/// that could not take over (WARNING).
pub fn assess(f: &Facts) -> Report {
    let holds = !f.holding.is_empty();
    let ka_up = matches!(f.keepalived, Some((_, true)));
    let state = f.vrrp.as_ref().map(|t| t.state.as_str());
    let ha_ok = matches!(f.haproxy, Ok((200, _)));
    let vip = f.vip;
    let on = f.holding.join(",");
    let ha_text = match &f.haproxy {
        Ok((200, t)) => format!("HAProxy answers 200 in {} ms", t.as_millis()),
        Ok((s, _)) => format!("HAProxy answers {s}"),
        Err(e) => format!("HAProxy does not answer ({e})"),
    };
    let ka_text = match f.keepalived {
        None => "keepalived: no pid file".to_owned(),
        Some((pid, true)) => format!("keepalived: running (pid {pid})"),
        Some((pid, false)) => format!("keepalived: not running (stale pid {pid})"),
    };
    let vrrp_text = match &f.vrrp {
        None => "VRRP state: unknown (no state from vipcheck notify)".to_owned(),
        Some(t) => format!(
            "VRRP state: {} ({} priority {})",
            t.state,
            t.instance,
            t.priority.map_or("-".into(), |p| p.to_string())
        ),
    };
    let (st, summary) = if holds && !ka_up {
        (
            State::Critical,
            format!(
                "{vip} is on {on} but keepalived is not running: orphaned address, another master may answer for it too; delete it or restart keepalived"
            ),
        )
    } else if holds && matches!(state, Some(s) if s != "MASTER") {
        (
            State::Critical,
            format!(
                "{vip} is on {on} but VRRP state is {}: orphaned address; delete it or restart keepalived",
                state.unwrap_or("")
            ),
        )
    } else if state == Some("MASTER") && !holds {
        (
            State::Critical,
            format!("VRRP MASTER but {vip} is on no interface: nobody answers for the VIP"),
        )
    } else if holds && !ha_ok {
        (
            State::Critical,
            format!(
                "holds {vip} on {on} but {ha_text}: every request fails; with a track_script the VIP would move"
            ),
        )
    } else if !holds && !ka_up {
        (
            State::Warning,
            format!("keepalived is not running: this master cannot take over {vip}"),
        )
    } else if !holds && !ha_ok {
        (
            State::Warning,
            format!("backup for {vip}, but {ha_text}: a broken failover target"),
        )
    } else if state == Some("FAULT") {
        (
            State::Warning,
            format!("VRRP state FAULT: this master cannot take over {vip}"),
        )
    } else if holds {
        (
            State::Ok,
            format!(
                "holds {vip} on {on}, {}; {ha_text}",
                state.unwrap_or("state unknown")
            ),
        )
    } else {
        (
            State::Ok,
            format!(
                "backup for {vip} ({}); {ha_text}",
                state.unwrap_or("state unknown")
            ),
        )
    };
    let mut perfdata = vec![
        Perf::count("holds_vip", f64::from(u8::from(holds))),
        Perf::count("keepalived_up", f64::from(u8::from(ka_up))),
        Perf::count("haproxy_up", f64::from(u8::from(ha_ok))),
    ];
    if let Ok((_, t)) = &f.haproxy {
        perfdata.push(Perf::seconds("haproxy_time", t.as_secs_f64()));
    }
    Report::new("local", st, summary, perfdata).details(vec![
        ka_text,
        vrrp_text,
        format!(
            "VIP {vip}: {}",
            if holds {
                format!("on {on}")
            } else {
                "not here".into()
            }
        ),
        ha_text,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(holds: bool, ka: Option<bool>, state: Option<&str>, ha: bool) -> Facts {
        Facts {
            vip: "10.213.0.100".parse().unwrap(),
            holding: if holds { vec!["eth0".into()] } else { vec![] },
            keepalived: ka.map(|up| (42, up)),
            vrrp: state
                .map(|s| crate::notify::transition("INSTANCE", "VI_1", s, Some("150")).unwrap()),
            haproxy: if ha {
                Ok((200, Duration::from_millis(2)))
            } else {
                Err("connection refused".into())
            },
        }
    }

    #[test]
    fn every_rule() {
        let cases = [
            (
                facts(true, Some(true), Some("MASTER"), true),
                State::Ok,
                "holds 10.213.0.100 on eth0",
            ),
            (
                facts(false, Some(true), Some("BACKUP"), true),
                State::Ok,
                "backup for",
            ),
            (
                facts(true, Some(false), Some("MASTER"), true),
                State::Critical,
                "orphaned address",
            ),
            (
                facts(true, None, None, true),
                State::Critical,
                "keepalived is not running",
            ),
            (
                facts(true, Some(true), Some("BACKUP"), true),
                State::Critical,
                "VRRP state is BACKUP: orphaned",
            ),
            (
                facts(false, Some(true), Some("MASTER"), true),
                State::Critical,
                "VRRP MASTER but",
            ),
            (
                facts(true, Some(true), Some("MASTER"), false),
                State::Critical,
                "every request fails",
            ),
            (
                facts(false, Some(true), Some("BACKUP"), false),
                State::Warning,
                "broken failover target",
            ),
            (
                facts(false, Some(false), Some("BACKUP"), true),
                State::Warning,
                "cannot take over",
            ),
            (
                facts(false, Some(true), Some("FAULT"), true),
                State::Warning,
                "FAULT",
            ),
        ];
        for (f, want, text) in cases {
            let r = assess(&f);
            assert_eq!(r.state(), want, "{}", r.status.summary);
            assert!(r.status.summary.contains(text), "{}", r.status.summary);
        }
    }
}
