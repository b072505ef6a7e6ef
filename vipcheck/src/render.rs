//! `vipcheck render`: keepalived.conf for one master from the cluster file.
//!
//! The site's setup (one instance, the VIP in `virtual_ipaddress`, the IPv6
//! VIP in `virtual_ipaddress_excluded`, advert every second) plus what it
//! lacks: a `track_script` running `vipcheck track`, so a master whose
//! HAProxy died gives the VIP up; a `notify` script recording the VRRP
//! state for `vipcheck local`; distinct priorities (the first master in the
//! file highest), so the election never falls to the address tie-break.
//! Optional: unicast peers (for networks without multicast) and BACKUP +
//! nopreempt (a recovered master does not take the VIP back).

use clusterfile::{Advert, Host, Vip};
use std::fmt::Write as _;

/// The name of the VRRP instance.
pub const INSTANCE: &str = "VI_1";
/// The name of the vrrp_script.
pub const SCRIPT: &str = "haproxy";
/// The name of the vrrp_script that asks whether HAProxy has an API
/// server up (with an `api` section).
pub const API_SCRIPT: &str = "kube_api";

/// How to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The master to render for (a name in the cluster file).
    pub master: String,
    /// The interface on the VIP's subnet.
    pub interface: String,
    /// The VRRP router id; by default the cluster file's `vip.vrid`.
    pub vrid: Option<u8>,
    /// BACKUP state with nopreempt, instead of MASTER.
    pub backup: bool,
    /// Drained for maintenance: the lowest priority, so the next master
    /// takes the VIP before this one lets it go (no gap).
    pub drain: bool,
    /// Unicast adverts to the other masters instead of multicast.
    pub unicast: bool,
    /// VRRP PASS authentication (at most 8 characters).
    pub auth_pass: Option<String>,
    /// The vipcheck binary keepalived runs.
    pub vipcheck: String,
    /// The monitor URL `vipcheck track` asks.
    pub track_url: String,
    /// Seconds between track runs.
    pub interval: u32,
    /// The state file `vipcheck notify` writes.
    pub state_file: String,
    /// Track the API too: the cluster file has an `api` section.
    pub api: bool,
    /// advert_int; by default the cluster file's `vip.advert_int`.
    pub advert: Option<Advert>,
}

/// How far a master whose HAProxy has no API server up steps back: past
/// the spread of the priorities (10 apart), so any master that has one
/// outranks it, while every master stepping back alike (no API server up
/// anywhere) changes no ranking and moves nothing. Never so far that the
/// lowest master would hit keepalived's floor and tie.
pub fn api_weight(masters: usize) -> u32 {
    let spread = 10 * masters.saturating_sub(1) as u32;
    let lowest = 150u32.saturating_sub(spread).max(2);
    (spread + 5).min(lowest - 1)
}

/// How many checks in a row each step of the API script's `fall` and
/// `rise` adds, from one master to the next: more than the time by which
/// two masters' HAProxies can disagree (each marks a server down within
/// fall × inter of the other, about a second) plus a script interval.
pub const API_STEP: u32 = 3;

/// The API script's `(fall, rise)` for the master at `place` of `masters`
/// (0 = the first, the highest priority). When the API servers go down for
/// every master at once, the highest steps back last and comes back
/// first, so at every moment the masters keep their order and the VIP
/// does not move; only a master whose HAProxy alone sees none gives the
/// VIP up, once.
pub fn api_fall_rise(place: usize, masters: usize) -> (u32, u32) {
    let later = masters.saturating_sub(1 + place) as u32;
    (2 + API_STEP * later, 2 + API_STEP * place as u32)
}

/// The monitor URL that says whether HAProxy has an API server up: the
/// track URL's host and port, and the API's path.
fn api_url(track_url: &str) -> Result<String, String> {
    let mut u = crate::track::parse_url(track_url)?;
    u.path = clusterfile::api::MONITOR_PATH.to_owned();
    Ok(u.to_string())
}

/// The priority of the master at `place` in the file (0 = the first): the
/// first highest, 10 apart, never below 2.
pub fn priority(place: usize) -> u32 {
    150u32.saturating_sub(10 * place as u32).max(2)
}

/// The priority of the master at `place` of `masters`, drained: 5 below
/// the highest of the others (its successor), so above all the rest. Its
/// adverts then say it is beaten by the successor alone: only that master
/// stops hearing a better master, times out and takes the VIP, while the
/// others still hear one and wait. At priority 1 every other master timed
/// out together, their timers apart by the priorities' skew only (10/256
/// of an advert: 4 ms at 0.1 s), and on a loaded host the last took the
/// VIP too for a moment (the lab caught it sending gratuitous ARPs 27 ms
/// before the successor, and requests reset). Alone, a master has no
/// successor: 1.
pub fn drained_priority(masters: usize, place: usize) -> u32 {
    let successor = if place == 0 { 1 } else { 0 };
    if masters < 2 {
        1
    } else {
        priority(successor).saturating_sub(5).max(1)
    }
}

/// The longest vrrp_script interval keepalived takes, in seconds (its
/// timer counts microseconds in 32 bits).
pub const MAX_INTERVAL: u32 = 4294;

/// Checks a word written into keepalived.conf: no space, quote, brace or
/// comment character can reach the file.
fn word(what: &str, s: &str) -> Result<(), String> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || "\"'{}#!\\".contains(c);
    if s.is_empty() || s.chars().any(bad) {
        return Err(format!(
            "{what} {s:?} cannot be written into keepalived.conf (no spaces, quotes, braces, '#' or '!')"
        ));
    }
    Ok(())
}

/// Renders keepalived.conf for `o.master`, one of `masters`, holding `vip`.
pub fn render(masters: &[Host], vip: &Vip, o: &Options) -> Result<String, String> {
    let Some(me) = masters.iter().position(|m| m.name == o.master) else {
        let names: Vec<&str> = masters.iter().map(|m| m.name.as_str()).collect();
        return Err(format!(
            "--master {}: not a master in the cluster file ({})",
            o.master,
            names.join(", ")
        ));
    };
    word("--interface", &o.interface)?;
    word("--vipcheck", &o.vipcheck)?;
    word("--track-url", &o.track_url)?;
    word("--state-file", &o.state_file)?;
    if !o.vipcheck.starts_with('/') {
        return Err(format!(
            "--vipcheck {}: keepalived needs an absolute path",
            o.vipcheck
        ));
    }
    if let Some(p) = &o.auth_pass {
        word("--auth-pass", p)?;
        if p.chars().count() > 8 {
            return Err(
                "--auth-pass: at most 8 characters (VRRP sends only 8, in clear text)".into(),
            );
        }
    }
    if !(1..=MAX_INTERVAL).contains(&o.interval) {
        return Err(format!(
            "--interval {}: keepalived takes 1 to {MAX_INTERVAL} seconds",
            o.interval
        ));
    }
    if o.interface.len() > 15 {
        return Err(format!(
            "--interface {}: Linux interface names have at most 15 bytes",
            o.interface
        ));
    }
    let vrid = o.vrid.unwrap_or(vip.vrid);
    let advert = o.advert.unwrap_or(vip.advert_int);
    if o.auth_pass.is_some() && !advert.is_whole() {
        return Err(format!(
            "--auth-pass-file: adverts every {advert} s are VRRPv3, which has no authentication (keepalived ignores the block and `keepalived -t` fails); drop it, or give whole-second adverts (--advert-int 1)"
        ));
    }
    if vrid == 0 {
        return Err("--vrid: give 1-255".into());
    }
    let m = &masters[me];
    let priority = if o.drain {
        drained_priority(masters.len(), me)
    } else {
        priority(me)
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# keepalived.conf for {name}: rendered by vipcheck render from the cluster\n\
         # file; change that, not this. VIP {vip} ({vipname}), VRID {vrid}.\n",
        name = m.name,
        vip = vip.ipv4,
        vipname = vip.name,
    );
    let _ = writeln!(
        s,
        "global_defs {{\n    router_id {}\n    enable_script_security\n    script_user root\n    \
         {version}# After a split brain heals, the master that gives way says so first,\n    \
         # so the one that stays sends gratuitous ARPs: clients that learnt the\n    \
         # other's MAC come back at once, not when their ARP cache expires.\n    \
         vrrp_higher_prio_send_advert true\n}}\n",
        m.name,
        version = if advert.is_whole() {
            String::new()
        } else {
            "# Adverts in hundredths of a second are VRRPv3's: every master must\n    \
             # run the same version (v2 and v3 do not hear each other).\n    \
             vrrp_version 3\n    "
                .to_owned()
        }
    );
    let _ = writeln!(
        s,
        "# Is HAProxy here healthy? Two failures ({} s) give the VIP up.\n\
         vrrp_script {SCRIPT} {{\n    script \"{} track --url {}\"\n    interval {}\n    timeout {}\n    fall 2\n    rise 2\n}}\n",
        2 * u64::from(o.interval),
        o.vipcheck,
        o.track_url,
        o.interval,
        o.interval
    );
    if o.api {
        let _ = writeln!(
            s,
            "# Has HAProxy here an API server to send to? If not, this master steps\n\
             # back by {w}, below every master that has one, which takes the VIP. When\n\
             # no master has one, all step back, a higher master later (fall) and back\n\
             # sooner (rise) than a lower one, so the order holds and the VIP stays.\n\
             vrrp_script {API_SCRIPT} {{\n    script \"{} track --url {}\"\n    interval {}\n    timeout {}\n    fall {fall}\n    rise {rise}\n    weight -{w}\n}}\n",
            o.vipcheck,
            api_url(&o.track_url)?,
            o.interval,
            o.interval,
            w = api_weight(masters.len()),
            fall = api_fall_rise(me, masters.len()).0,
            rise = api_fall_rise(me, masters.len()).1,
        );
    }
    let _ = writeln!(s, "vrrp_instance {INSTANCE} {{");
    let state = if o.backup { "BACKUP" } else { "MASTER" };
    let _ = writeln!(s, "    state {state}");
    if o.backup {
        s.push_str("    nopreempt\n");
    }
    let _ = writeln!(
        s,
        "    interface {}\n    virtual_router_id {vrid}\n    priority {priority}\n    advert_int {advert}",
        o.interface,
    );
    if let Some(p) = &o.auth_pass {
        let _ = writeln!(
            s,
            "    authentication {{\n        auth_type PASS\n        auth_pass {p}\n    }}"
        );
    }
    if o.unicast {
        let _ = writeln!(s, "    unicast_src_ip {}\n    unicast_peer {{", m.ipv4);
        for (i, other) in masters.iter().enumerate() {
            if i != me {
                let _ = writeln!(s, "        {}", other.ipv4);
            }
        }
        s.push_str("    }\n");
    }
    let _ = writeln!(s, "    virtual_ipaddress {{\n        {}\n    }}", vip.ipv4);
    if let Some(v6) = &vip.ipv6 {
        let _ = writeln!(
            s,
            "    # One advert carries one family: IPv6 moves with the IPv4 VIP.\n    virtual_ipaddress_excluded {{\n        {v6}\n    }}"
        );
    }
    let api_script = if o.api {
        format!("\n        {API_SCRIPT}")
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "    track_script {{\n        {SCRIPT}{api_script}\n    }}\n    notify \"{} notify --state-file {}\"\n}}",
        o.vipcheck, o.state_file
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint;

    fn example() -> clusterfile::ClusterFile {
        clusterfile::parse(include_str!("../../examples/ocf/cluster.yaml")).unwrap()
    }

    fn render(c: &clusterfile::ClusterFile, o: &Options) -> Result<String, String> {
        super::render(&c.masters, c.vip("test").unwrap(), o)
    }

    fn opts(master: &str) -> Options {
        Options {
            master: master.into(),
            interface: "eth0".into(),
            vrid: None,
            backup: false,
            drain: false,
            unicast: false,
            auth_pass: None,
            vipcheck: "/usr/bin/vipcheck".into(),
            track_url: "http://127.0.0.1:8404/healthz".into(),
            interval: 2,
            state_file: "/run/vipcheck/state".into(),
            api: true,
            advert: None,
        }
    }

    /// The priorities `render` gives `n` masters, from their configs.
    fn priorities(n: usize) -> Vec<u32> {
        let masters: Vec<Host> = (0..n)
            .map(|i| Host {
                name: format!("m{i}"),
                ipv4: std::net::Ipv4Addr::new(10, 0, 0, 10 + i as u8),
                ipv6: None,
                line: 1,
            })
            .collect();
        let c = example();
        masters
            .iter()
            .map(|m| {
                let t = super::render(&masters, c.vip("test").unwrap(), &opts(&m.name)).unwrap();
                let p = t.split("priority ").nth(1).unwrap();
                p.split_whitespace().next().unwrap().parse().unwrap()
            })
            .collect()
    }

    /// Every API server down for every master at once: each HAProxy marks
    /// them down up to a second apart (2 × 500 ms checks), and each
    /// master's script runs at its own phase. For every pair of masters,
    /// over those spreads, the higher steps back no sooner than the lower
    /// and comes back no later: their order, and the VIP, never change.
    #[test]
    fn with_no_api_server_anywhere_the_masters_keep_their_order() {
        const MARK_SPREAD_MS: u64 = 1000;
        // The time of the run that makes `count` in a row, the first run
        // being the first at or after `at` (runs at phase + k × interval).
        let nth_run = |at: u64, phase: u64, interval: u64, count: u32| {
            let first = if at <= phase {
                phase
            } else {
                phase + (at - phase).div_ceil(interval) * interval
            };
            first + u64::from(count - 1) * interval
        };
        for n in 2..=7 {
            for interval in [1000, 2000] {
                for hi in 0..n {
                    for lo in hi + 1..n {
                        let (hi_fall, hi_rise) = api_fall_rise(hi, n);
                        let (lo_fall, lo_rise) = api_fall_rise(lo, n);
                        for (dh, dl) in spread_pairs(MARK_SPREAD_MS) {
                            for (ph, pl) in spread_pairs(interval - 1) {
                                let down_hi = nth_run(dh, ph, interval, hi_fall);
                                let down_lo = nth_run(dl, pl, interval, lo_fall);
                                assert!(
                                    down_hi >= down_lo,
                                    "{n} {interval} {hi} {lo} {dh} {dl} {ph} {pl}"
                                );
                                let up_hi = nth_run(dh, ph, interval, hi_rise);
                                let up_lo = nth_run(dl, pl, interval, lo_rise);
                                assert!(
                                    up_hi <= up_lo,
                                    "{n} {interval} {hi} {lo} {dh} {dl} {ph} {pl}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// Pairs of times in 0..=max, on a grid of tenths.
    fn spread_pairs(max: u64) -> Vec<(u64, u64)> {
        let grid: Vec<u64> = (0..=10).map(|i| i * max / 10).collect();
        grid.iter()
            .flat_map(|a| grid.iter().map(move |b| (*a, *b)))
            .collect()
    }

    /// The API weight moves the VIP to a master that has an API server up
    /// from any that has none, and never ties the lowest at the floor, up
    /// to eight masters; with every master stepping back, the order holds.
    #[test]
    fn the_api_weight_outranks_the_spread_without_reaching_the_floor() {
        for n in 1..=8 {
            let p = priorities(n);
            let w = api_weight(n);
            let (high, low) = (*p.iter().max().unwrap(), *p.iter().min().unwrap());
            assert!(high - w < low, "{n} masters: {p:?} weight {w}");
            assert!(low - w >= 1, "{n} masters: {p:?} weight {w}");
        }
        for n in 9..=40 {
            let p = priorities(n);
            assert!(p.iter().min().unwrap() - api_weight(n) >= 1, "{n}");
        }
    }

    #[test]
    fn all_masters_together_lint_clean_in_every_mode() {
        let c = example();
        let modes = [
            (false, false, None, "1"),
            (true, true, Some("s3cret"), "1"),
            (false, true, None, "0.2"),
            (false, false, None, "0.05"),
        ];
        for (backup, unicast, auth, advert) in modes {
            lint_clean_together(&c, |_, o| {
                o.backup = backup;
                o.unicast = unicast;
                o.auth_pass = auth.map(str::to_owned);
                o.advert = Some(advert.parse().unwrap());
            });
        }
    }

    /// Every master's file, each with the options `set` gives it, lints
    /// clean beside the others.
    fn lint_clean_together(c: &clusterfile::ClusterFile, set: impl Fn(usize, &mut Options)) {
        let files: Vec<(String, String)> = c
            .masters
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut o = opts(&m.name);
                set(i, &mut o);
                (format!("{}.conf", m.name), render(c, &o).unwrap())
            })
            .collect();
        assert_eq!(lint::lint(&files, &[]), [], "{}", files[0].1);
    }

    #[test]
    fn sub_second_adverts_are_vrrpv3() {
        let c = example();
        let mut o = opts("autocrat");
        o.advert = Some(Advert::DEFAULT);
        let t = render(&c, &o).unwrap();
        assert!(
            !t.contains("vrrp_version") && t.contains("    advert_int 1\n"),
            "{t}"
        );
        for (given, written) in [("0.2", "0.2"), ("0.05", "0.05"), ("0.50", "0.5")] {
            o.advert = Some(given.parse().unwrap());
            let t = render(&c, &o).unwrap();
            assert!(t.contains(&format!("    advert_int {written}\n")), "{t}");
            assert!(t.contains("    vrrp_version 3\n"), "{t}");
        }
    }

    /// A drained master is beaten by its successor alone: below the
    /// highest other master, above every other, and distinct from all.
    #[test]
    fn a_drained_master_yields_to_its_successor_alone() {
        for n in 2..=8 {
            let normal = priorities(n);
            for me in 0..n {
                let d = drained_priority(n, me);
                let others: Vec<u32> = (0..n).filter(|&k| k != me).map(|k| normal[k]).collect();
                let successor = *others.iter().max().unwrap();
                assert!(
                    d < successor,
                    "{n} masters, {me} drained to {d}: {others:?}"
                );
                for p in others.iter().filter(|&&p| p != successor) {
                    assert!(d > *p, "{n} masters, {me} drained to {d}: {others:?}");
                }
            }
        }
        assert_eq!(drained_priority(1, 0), 1);
        let c = example();
        let mut o = opts("deadlock");
        o.drain = true;
        let t = render(&c, &o).unwrap();
        assert!(t.contains("    priority 135\n"), "{t}");
        // The masters' files, the first drained, lint clean together.
        lint_clean_together(&c, |i, o| o.drain = i == 0);
    }

    /// VRRPv3 has no authentication: a password with sub-second adverts is
    /// refused, not written for keepalived to ignore.
    #[test]
    fn a_password_needs_whole_second_adverts() {
        let c = example();
        let mut o = opts("deadlock");
        o.auth_pass = Some("s3cret".into());
        o.advert = Some("0.1".parse().unwrap());
        let e = render(&c, &o).unwrap_err();
        assert!(e.contains("VRRPv3, which has no authentication"), "{e}");
        o.advert = Some(Advert::DEFAULT);
        assert!(render(&c, &o).unwrap().contains("auth_pass s3cret"));
    }

    #[test]
    fn the_advert_interval_comes_from_the_flag_else_the_file_else_1s() {
        let file = |line: &str| {
            let text = include_str!("../../examples/ocf/cluster.yaml");
            let given = "  advert_int: 0.1\n";
            assert!(text.contains(given));
            clusterfile::parse(&text.replacen(given, line, 1)).unwrap()
        };
        let written = |c: &clusterfile::ClusterFile, flag: Option<&str>| {
            let mut o = opts("coup");
            o.advert = flag.map(|f| f.parse().unwrap());
            let t = render(c, &o).unwrap();
            let line = t
                .lines()
                .find(|l| l.trim_start().starts_with("advert_int "))
                .unwrap();
            (line.trim().to_owned(), t.contains("vrrp_version 3"))
        };
        let set = file("  advert_int: 0.2\n");
        assert_eq!(written(&set, None), ("advert_int 0.2".into(), true));
        assert_eq!(written(&set, Some("2")), ("advert_int 2".into(), false));
        let unset = file("");
        assert_eq!(written(&unset, None), ("advert_int 1".into(), false));
        assert_eq!(
            written(&unset, Some("0.1")),
            ("advert_int 0.1".into(), true)
        );
    }

    /// A site adopting the toolkit keeps its VRID (vip.vrid); without one,
    /// the VIP's last byte, as before the setting.
    #[test]
    fn the_vrid_comes_from_the_flag_else_the_file_else_the_vip() {
        let text = include_str!("../../examples/ocf/cluster.yaml");
        let given = "  advert_int: 0.1\n";
        let site = clusterfile::parse(&text.replacen(given, "  advert_int: 0.1\n  vrid: 51\n", 1));
        let written = |c: &clusterfile::ClusterFile, flag: Option<u8>| {
            let mut o = opts("autocrat");
            o.vrid = flag;
            let t = render(c, &o).unwrap();
            let line = t.lines().find(|l| l.contains("virtual_router_id")).unwrap();
            line.trim().to_owned()
        };
        let site = site.unwrap();
        assert_eq!(written(&site, None), "virtual_router_id 51");
        assert_eq!(written(&site, Some(7)), "virtual_router_id 7");
        assert_eq!(written(&example(), None), "virtual_router_id 100");
    }

    #[test]
    fn the_rendered_parts() {
        let c = example();
        let mut o = opts("autocrat");
        o.unicast = true;
        o.backup = true;
        let t = render(&c, &o).unwrap();
        for want in [
            "router_id autocrat",
            "script \"/usr/bin/vipcheck track --url http://127.0.0.1:8404/healthz\"",
            "state BACKUP\n    nopreempt\n",
            "virtual_router_id 100\n    priority 140\n",
            "unicast_src_ip 192.0.2.76\n    unicast_peer {\n        192.0.2.75\n        192.0.2.77\n    }",
            "virtual_ipaddress {\n        192.0.2.100/24\n    }",
            "virtual_ipaddress_excluded {\n        2001:db8::100/64\n    }",
            "track_script {\n        haproxy\n        kube_api\n    }",
            "vrrp_script kube_api {\n    script \"/usr/bin/vipcheck track --url http://127.0.0.1:8404/kube-apiserver\"\n    interval 2\n    timeout 2\n    fall 5\n    rise 5\n    weight -25\n}",
            "notify \"/usr/bin/vipcheck notify --state-file /run/vipcheck/state\"",
        ] {
            assert!(t.contains(want), "{want}\n{t}");
        }
    }

    #[test]
    fn nothing_can_be_injected() {
        let c = example();
        type Set = fn(&mut Options);
        let cases: [(&str, Set); 8] = [
            ("--interface", |o| {
                o.interface = "eth0\n}\nvrrp_instance X {".into()
            }),
            // What keepalived refuses is refused here, not written.
            ("--interval 4295", |o| o.interval = MAX_INTERVAL + 1),
            ("--interval 4294967295", |o| o.interval = u32::MAX),
            ("--interval 0", |o| o.interval = 0),
            ("--interface sixteen-bytes-xx", |o| {
                o.interface = "sixteen-bytes-xx".into()
            }),
            ("--vipcheck", |o| o.vipcheck = "/bin/sh\" -c \"x".into()),
            ("--auth-pass", |o| o.auth_pass = Some("a b".into())),
            ("--state-file", |o| o.state_file = "/x # y".into()),
        ];
        for (field, set) in cases {
            let mut o = opts("deadlock");
            set(&mut o);
            let e = render(&c, &o).unwrap_err();
            assert!(e.starts_with(field), "{e}");
        }
        assert!(
            render(&c, &opts("nobody"))
                .unwrap_err()
                .contains("deadlock, autocrat, coup")
        );
    }
}
