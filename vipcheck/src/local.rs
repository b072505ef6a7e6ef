//! `vipcheck local`: is this master consistent? Its keepalived, its VRRP
//! state (from `vipcheck notify`), the VIP on its interfaces and its
//! HAProxy's monitor endpoint, judged together.

use crate::notify::Transition;
use crate::process::Daemon;
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
    /// keepalived, by its pid file.
    pub keepalived: Daemon,
    /// The last transition `vipcheck notify` recorded.
    pub vrrp: Option<Transition>,
    /// This boot's id.
    pub boot: Option<String>,
    /// HAProxy's monitor answer: status and time, or why none.
    pub haproxy: Result<(u16, Duration), String>,
}

/// What the notify record says about the keepalived running now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vrrp<'a> {
    /// No record.
    Unknown,
    /// A record this keepalived wrote.
    Current(&'a Transition),
    /// A record that cannot describe the keepalived running now, and why.
    Stale(&'a Transition, &'static str),
}

impl Vrrp<'_> {
    /// The state, when it is current.
    pub fn state(&self) -> Option<&str> {
        match self {
            Vrrp::Current(t) => Some(&t.state),
            _ => None,
        }
    }
}

/// Judges the notify record against keepalived: one written before the
/// running keepalived started (or in another boot, or without an order,
/// or with no keepalived at all) is stale and says nothing.
pub fn vrrp(f: &Facts) -> Vrrp<'_> {
    let Some(t) = &f.vrrp else {
        return Vrrp::Unknown;
    };
    let Daemon::Found { main, .. } = &f.keepalived else {
        return Vrrp::Stale(t, "keepalived is not running");
    };
    match &t.order {
        None => Vrrp::Stale(t, "written by an older vipcheck notify, without an order"),
        Some(o) if Some(&o.boot) != f.boot.as_ref() => {
            Vrrp::Stale(t, "recorded in an earlier boot")
        }
        Some(o) if o.started < main.started => {
            Vrrp::Stale(t, "recorded before this keepalived started")
        }
        Some(_) => Vrrp::Current(t),
    }
}

/// What keepalived's processes say about VRRP on this master. The VRRP
/// work (adverts, the VIP) is done by keepalived's VRRP child; the main
/// process only starts, reloads and restarts its children. With VRRP
/// alone configured (as vipcheck render writes it), the VRRP process is
/// the main process's one child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keepalived {
    /// Its processes run.
    Up,
    /// No VRRP process does its work (not running, none, stopped, a
    /// zombie), and why: no adverts are sent.
    Down(String),
    /// The VRRP process works but the main process is stopped: adverts go
    /// out, but nothing reloads or restarts keepalived's processes.
    Degraded(String),
    /// A process is stopped and which one does VRRP cannot be told.
    Unclear(String),
}

/// Judges keepalived's processes.
pub fn keepalived(d: &Daemon) -> Keepalived {
    let (main, children) = match d {
        Daemon::NoPidFile | Daemon::Gone(_) => {
            return Keepalived::Down("keepalived is not running".into());
        }
        Daemon::Found { main, children } => (main, children),
    };
    let stopped = |p: &crate::process::Proc| {
        format!(
            "keepalived is frozen (process {} is {}, it sends no adverts)",
            p.pid,
            p.state_name()
        )
    };
    match children.as_slice() {
        [] if main.frozen() => Keepalived::Down(stopped(main)),
        [] => Keepalived::Down(format!(
            "keepalived (pid {}) runs no VRRP process, so it sends no adverts",
            main.pid
        )),
        [vrrp] if vrrp.frozen() => Keepalived::Down(stopped(vrrp)),
        _ => match children.iter().find(|c| c.frozen()) {
            Some(c) => Keepalived::Unclear(format!(
                "keepalived process {} is {}, and of {} processes under pid {} which one does VRRP cannot be told",
                c.pid,
                c.state_name(),
                children.len(),
                main.pid
            )),
            None if main.frozen() => Keepalived::Degraded(format!(
                "keepalived's main process {} is {}: VRRP runs and sends adverts, but keepalived can neither reload its config nor restart a process that dies",
                main.pid,
                main.state_name()
            )),
            None => Keepalived::Up,
        },
    }
}

fn keepalived_text(d: &Daemon) -> String {
    match d {
        Daemon::NoPidFile => "keepalived: no pid file".to_owned(),
        Daemon::Gone(pid) => format!("keepalived: not running (stale pid {pid})"),
        Daemon::Found { main, .. } => match d.frozen() {
            Some(p) => format!(
                "keepalived: pid {} is there but process {} is {}",
                main.pid,
                p.pid,
                p.state_name()
            ),
            None => format!("keepalived: running (pid {})", main.pid),
        },
    }
}

fn vrrp_text(v: Vrrp<'_>) -> String {
    let described = |t: &Transition| {
        format!(
            "{} ({} priority {})",
            t.state,
            t.instance,
            t.priority.map_or("-".into(), |p| p.to_string())
        )
    };
    match v {
        Vrrp::Unknown => "VRRP state: unknown (no state from vipcheck notify)".to_owned(),
        Vrrp::Current(t) => format!("VRRP state: {}", described(t)),
        Vrrp::Stale(t, why) => format!(
            "VRRP state: unknown (the record {} is stale: {why})",
            described(t)
        ),
    }
}

/// Judges the facts. Worst first: an orphaned address (held while
/// keepalived is dead, frozen or not MASTER), a MASTER without the VIP, a
/// holder whose HAProxy is dead (CRITICAL); a failover target that could
/// not take over, or keepalived shutting down, or its main process stopped
/// (WARNING); a stopped process whose part cannot be told (UNKNOWN).
pub fn assess(f: &Facts) -> Report {
    let health = keepalived(&f.keepalived);
    let (st, summary) = verdict(f, &health);
    let (st, summary) = match &health {
        Keepalived::Unclear(why) => (State::Unknown, why.clone()),
        Keepalived::Degraded(why) if st == State::Ok => {
            (State::Warning, format!("{why}; {summary}"))
        }
        _ => (st, summary),
    };
    let holds = !f.holding.is_empty();
    let ha_ok = matches!(f.haproxy, Ok((200, _)));
    let mut perfdata = vec![
        Perf::count("holds_vip", f64::from(u8::from(holds))),
        Perf::count(
            "keepalived_up",
            f64::from(u8::from(health == Keepalived::Up)),
        ),
        Perf::count("haproxy_up", f64::from(u8::from(ha_ok))),
    ];
    if let Ok((_, t)) = &f.haproxy {
        perfdata.push(Perf::seconds("haproxy_time", t.as_secs_f64()));
    }
    let vip = f.vip;
    Report::new("local", st, summary, perfdata).details(vec![
        keepalived_text(&f.keepalived),
        vrrp_text(vrrp(f)),
        format!(
            "VIP {vip}: {}",
            if holds {
                format!("on {}", f.holding.join(","))
            } else {
                "not here".into()
            }
        ),
        ha_text(f),
    ])
}

fn ha_text(f: &Facts) -> String {
    match &f.haproxy {
        Ok((200, t)) => format!("HAProxy answers 200 in {} ms", t.as_millis()),
        Ok((s, _)) => format!("HAProxy answers {s}"),
        Err(e) => format!("HAProxy does not answer ({e})"),
    }
}

/// The verdict on VRRP, the VIP and HAProxy, given keepalived's health.
fn verdict(f: &Facts, health: &Keepalived) -> (State, String) {
    let holds = !f.holding.is_empty();
    let down = match health {
        Keepalived::Down(why) => Some(why.clone()),
        _ => None,
    };
    let v = vrrp(f);
    let state = v.state();
    let ha_ok = matches!(f.haproxy, Ok((200, _)));
    let vip = f.vip;
    let on = f.holding.join(",");
    let ha_text = ha_text(f);
    match (&down, holds) {
        (Some(why), true) => (
            State::Critical,
            format!(
                "{vip} is on {on} but {why}: orphaned address, another master may answer for it too; delete it or restart keepalived"
            ),
        ),
        _ if holds && matches!(state, Some(s) if s != "MASTER") => (
            State::Critical,
            format!(
                "{vip} is on {on} but VRRP state is {}: orphaned address; delete it or restart keepalived",
                state.unwrap_or("")
            ),
        ),
        _ if state == Some("MASTER") && !holds => (
            State::Critical,
            format!("VRRP MASTER but {vip} is on no interface: nobody answers for the VIP"),
        ),
        _ if holds && !ha_ok => (
            State::Critical,
            format!(
                "holds {vip} on {on} but {ha_text}: every request fails; with a track_script the VIP would move"
            ),
        ),
        (Some(why), false) => (
            State::Warning,
            format!("{why}: this master cannot take over {vip}"),
        ),
        _ if !holds && !ha_ok => (
            State::Warning,
            format!("backup for {vip}, but {ha_text}: a broken failover target"),
        ),
        _ if state == Some("FAULT") => (
            State::Warning,
            format!("VRRP state FAULT: this master cannot take over {vip}"),
        ),
        // keepalived records STOP as it shuts down: a backup that is
        // going, or stuck going, is no failover target.
        _ if state == Some("STOP") => (
            State::Warning,
            format!(
                "VRRP state STOP: keepalived is shutting down (or stuck in shutdown); this master cannot take over {vip}"
            ),
        ),
        _ if holds => (
            State::Ok,
            format!(
                "holds {vip} on {on}, {}; {ha_text}",
                state.unwrap_or("state unknown")
            ),
        ),
        _ => (
            State::Ok,
            format!(
                "backup for {vip} ({}); {ha_text}",
                state.unwrap_or("state unknown")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::Order;
    use crate::process::Proc;

    fn proc(pid: u32, state: char, started: u64) -> Proc {
        Proc {
            pid,
            comm: "keepalived".into(),
            state,
            ppid: 1,
            started,
        }
    }

    /// keepalived: None no pid file, Some('-') gone, Some(letter) the VRRP
    /// child's state. The record was written at tick `at` of boot "b";
    /// keepalived started at tick 1000.
    fn facts(holds: bool, ka: Option<char>, state: Option<&str>, ha: bool) -> Facts {
        at(holds, ka, state, ha, 2000)
    }

    fn at(holds: bool, ka: Option<char>, state: Option<&str>, ha: bool, tick: u64) -> Facts {
        let keepalived = match ka {
            None => Daemon::NoPidFile,
            Some('-') => Daemon::Gone(42),
            Some(c) => Daemon::Found {
                main: proc(42, 'S', 1000),
                children: vec![proc(43, c, 1001)],
            },
        };
        let record = |s: &str| {
            let mut t = crate::notify::transition("INSTANCE", "VI_1", s, Some("150")).unwrap();
            t.order = Some(Order {
                boot: "b".into(),
                started: tick,
                pid: 99,
            });
            t
        };
        Facts {
            vip: "10.213.0.100".parse().unwrap(),
            holding: if holds { vec!["eth0".into()] } else { vec![] },
            keepalived,
            vrrp: state.map(record),
            boot: Some("b".into()),
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
                facts(true, Some('S'), Some("MASTER"), true),
                State::Ok,
                "holds 10.213.0.100 on eth0, MASTER",
            ),
            (
                facts(false, Some('S'), Some("BACKUP"), true),
                State::Ok,
                "backup for 10.213.0.100 (BACKUP)",
            ),
            (
                facts(true, Some('-'), Some("MASTER"), true),
                State::Critical,
                "keepalived is not running: orphaned address",
            ),
            (
                facts(true, None, None, true),
                State::Critical,
                "keepalived is not running",
            ),
            (
                facts(true, Some('T'), Some("MASTER"), true),
                State::Critical,
                "keepalived is frozen (process 43 is stopped, it sends no adverts): orphaned",
            ),
            (
                facts(true, Some('Z'), Some("MASTER"), true),
                State::Critical,
                "process 43 is a zombie",
            ),
            (
                facts(true, Some('S'), Some("BACKUP"), true),
                State::Critical,
                "VRRP state is BACKUP: orphaned",
            ),
            (
                facts(false, Some('S'), Some("MASTER"), true),
                State::Critical,
                "VRRP MASTER but",
            ),
            (
                facts(true, Some('S'), Some("MASTER"), false),
                State::Critical,
                "every request fails",
            ),
            (
                facts(false, Some('S'), Some("BACKUP"), false),
                State::Warning,
                "broken failover target",
            ),
            (
                facts(false, Some('-'), Some("BACKUP"), true),
                State::Warning,
                "keepalived is not running: this master cannot take over",
            ),
            (
                facts(false, Some('T'), Some("BACKUP"), true),
                State::Warning,
                "keepalived is frozen (process 43 is stopped, it sends no adverts): this master cannot take over",
            ),
            (
                facts(false, Some('S'), Some("FAULT"), true),
                State::Warning,
                "FAULT",
            ),
            // A MASTER record left by a keepalived that was killed, the
            // orphan since removed: not running, not "nobody answers".
            (
                facts(false, Some('-'), Some("MASTER"), true),
                State::Warning,
                "keepalived is not running: this master cannot take over",
            ),
            // A MASTER record older than the running keepalived says
            // nothing about it.
            (
                at(false, Some('S'), Some("MASTER"), true, 999),
                State::Ok,
                "backup for 10.213.0.100 (state unknown)",
            ),
            (
                at(true, Some('S'), Some("BACKUP"), true, 999),
                State::Ok,
                "holds 10.213.0.100 on eth0, state unknown",
            ),
        ];
        for (f, want, text) in cases {
            let r = assess(&f);
            assert_eq!(r.state(), want, "{}", r.status.summary);
            assert!(r.status.summary.contains(text), "{}", r.status.summary);
        }
    }

    #[test]
    fn which_keepalived_process_is_stopped_matters() {
        let with = |main: char, children: &[char], holds: bool, state: &str| {
            let mut f = facts(holds, Some('S'), Some(state), true);
            f.keepalived = Daemon::Found {
                main: proc(42, main, 1000),
                children: children
                    .iter()
                    .enumerate()
                    .map(|(i, c)| proc(43 + i as u32, *c, 1001))
                    .collect(),
            };
            assess(&f)
        };
        // The main process stopped, its VRRP child running: adverts go
        // out and the holder is the only one; nothing reloads keepalived.
        let r = with('T', &['S'], true, "MASTER");
        assert_eq!(r.state(), State::Warning, "{}", r.status.summary);
        assert!(
            r.status.summary.starts_with(
                "keepalived's main process 42 is stopped: VRRP runs and sends adverts"
            ),
            "{}",
            r.status.summary
        );
        assert!(
            r.status
                .summary
                .ends_with("holds 10.213.0.100 on eth0, MASTER; HAProxy answers 200 in 2 ms"),
            "{}",
            r.status.summary
        );
        // ... and a dead HAProxy on the holder is still CRITICAL.
        let mut f = facts(true, Some('S'), Some("MASTER"), false);
        f.keepalived = Daemon::Found {
            main: proc(42, 'T', 1000),
            children: vec![proc(43, 'S', 1001)],
        };
        assert_eq!(assess(&f).state(), State::Critical);
        // The VRRP child stopped: no adverts, an orphan.
        let r = with('S', &['T'], true, "MASTER");
        assert_eq!(r.state(), State::Critical, "{}", r.status.summary);
        // No VRRP process at all.
        let r = with('S', &[], true, "MASTER");
        assert_eq!(r.state(), State::Critical, "{}", r.status.summary);
        assert!(
            r.status.summary.contains("runs no VRRP process"),
            "{}",
            r.status.summary
        );
        // Checkers beside VRRP, one stopped: which one cannot be told.
        let r = with('S', &['S', 'T'], false, "BACKUP");
        assert_eq!(r.state(), State::Unknown, "{}", r.status.summary);
        assert!(
            r.status
                .summary
                .contains("which one does VRRP cannot be told"),
            "{}",
            r.status.summary
        );
        assert_eq!(with('S', &['S', 'S'], false, "BACKUP").state(), State::Ok);
    }

    #[test]
    fn a_stop_record_is_no_backup() {
        let r = assess(&facts(false, Some('S'), Some("STOP"), true));
        assert_eq!(r.state(), State::Warning, "{}", r.status.summary);
        assert!(
            r.status
                .summary
                .contains("VRRP state STOP: keepalived is shutting down"),
            "{}",
            r.status.summary
        );
        // Stuck in shutdown with the VIP: an orphan.
        let r = assess(&facts(true, Some('S'), Some("STOP"), true));
        assert_eq!(r.state(), State::Critical, "{}", r.status.summary);
        assert!(
            r.status.summary.contains("VRRP state is STOP: orphaned"),
            "{}",
            r.status.summary
        );
    }

    #[test]
    fn stale_records_say_why() {
        let f = at(false, Some('S'), Some("MASTER"), true, 999);
        assert!(matches!(
            vrrp(&f),
            Vrrp::Stale(_, "recorded before this keepalived started")
        ));
        let mut f = facts(false, Some('S'), Some("MASTER"), true);
        assert!(matches!(vrrp(&f), Vrrp::Current(_)));
        f.boot = Some("another".into());
        assert!(matches!(
            vrrp(&f),
            Vrrp::Stale(_, "recorded in an earlier boot")
        ));
        f.vrrp.as_mut().unwrap().order = None;
        assert!(matches!(
            vrrp(&f),
            Vrrp::Stale(_, "written by an older vipcheck notify, without an order")
        ));
        let r = assess(&f);
        assert!(
            r.details
                .iter()
                .any(|d| d.contains("the record MASTER (VI_1 priority 150) is stale")),
            "{:?}",
            r.details
        );
        let f = facts(false, Some('-'), Some("MASTER"), true);
        assert!(matches!(
            vrrp(&f),
            Vrrp::Stale(_, "keepalived is not running")
        ));
    }
}
