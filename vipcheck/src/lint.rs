//! `vipcheck lint`: what `keepalived -t` cannot catch, in one master's file
//! or in all masters' files together, plus the basic range and family
//! checks so that it is useful where keepalived is not installed (the
//! Puppet server). Every finding names file, line and the fix.

use crate::conf::{self, Item};
use crate::report::Report;
use clikit::{Perf, State};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// `lint`'s verdict: CRITICAL for any error, WARNING for any warning,
/// each finding a detail line with its file, line and fix.
pub fn assess(files: usize, findings: &[Finding]) -> Report {
    let errors = findings
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let state = if errors > 0 {
        State::Critical
    } else if warnings > 0 {
        State::Warning
    } else {
        State::Ok
    };
    let summary = format!("{errors} errors, {warnings} warnings in {files} files");
    let perf = vec![
        Perf::count("errors", errors as f64),
        Perf::count("warnings", warnings as f64),
    ];
    let details = findings
        .iter()
        .map(|x| {
            let sev = match x.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            format!(
                "{}:{}: {sev}: {}; fix: {}",
                x.file, x.line, x.message, x.fix
            )
        })
        .collect();
    Report::new("lint", state, summary, perf).details(details)
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Works, but not as well as it should (WARNING).
    Warning,
    /// The VIP will not fail over, or not as meant (CRITICAL).
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file.
    pub file: String,
    /// The line, counting from 1 (0: the file as a whole).
    pub line: usize,
    /// How bad.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

/// An interface address of this host, to compare VIP prefixes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAddr {
    /// The interface.
    pub interface: String,
    /// The address.
    pub addr: IpAddr,
    /// Its prefix length.
    pub prefix: u8,
}

/// A VIP as written: address, prefix (if given), line.
#[derive(Debug, Clone)]
struct Vip {
    addr: IpAddr,
    prefix: Option<u8>,
    line: usize,
    text: String,
}

/// The parts of a `vrrp_instance` the rules look at.
#[derive(Debug, Clone)]
struct Instance {
    file: usize,
    name: String,
    line: usize,
    vrid: Option<u32>,
    priority: u32,
    priority_line: usize,
    advert: String,
    auth: Option<(String, String)>,
    vips: Vec<Vip>,
    src: Option<IpAddr>,
    peers: Vec<(IpAddr, usize)>,
    peers_line: usize,
}

struct Ctx<'a> {
    files: &'a [(String, String)],
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn push(&mut self, file: usize, line: usize, severity: Severity, message: String, fix: &str) {
        self.out.push(Finding {
            file: self.files[file].0.clone(),
            line,
            severity,
            message,
            fix: fix.to_owned(),
        });
    }
}

/// Lints `files` (name, text) as the configs of one VRRP group's masters.
/// `host` is this host's interface addresses, used for the VIP-prefix rule
/// when an instance's interface exists here (empty: rule skipped).
pub fn lint(files: &[(String, String)], host: &[HostAddr]) -> Vec<Finding> {
    let mut cx = Ctx {
        files,
        out: Vec::new(),
    };
    let mut instances = Vec::new();
    for (i, (_, text)) in files.iter().enumerate() {
        match conf::parse(text) {
            Err(e) => {
                let line = e
                    .strip_prefix("line ")
                    .and_then(|r| r.split(':').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let msg = e.split_once(": ").map_or(e.as_str(), |(_, m)| m).to_owned();
                cx.push(
                    i,
                    line,
                    Severity::Error,
                    msg,
                    "fix the syntax; keepalived would refuse the file",
                );
            }
            Ok(items) => instances.extend(one_file(&mut cx, i, &items, host)),
        }
    }
    across(&mut cx, &instances);
    let mut out = cx.out;
    out.sort_by(|a, b| {
        (&a.file, a.line, b.severity, &a.message).cmp(&(&b.file, b.line, a.severity, &b.message))
    });
    out
}

fn number(item: &Item) -> Option<u32> {
    item.arg().and_then(|a| a.parse().ok())
}

fn one_file(cx: &mut Ctx, f: usize, items: &[Item], host: &[HostAddr]) -> Vec<Instance> {
    let scripts = vrrp_scripts(cx, f, items);
    let list: Vec<&Item> = items.iter().filter(|i| i.key == "vrrp_instance").collect();
    if list.is_empty() {
        cx.push(
            f,
            0,
            Severity::Error,
            "no vrrp_instance: keepalived holds no VIP with this file".into(),
            "add the vrrp_instance of the VIP (vipcheck render writes one)",
        );
    }
    list.into_iter()
        .map(|inst| instance(cx, f, inst, &scripts, host))
        .collect()
}

/// The names of the file's vrrp_scripts; one without a script is an error.
fn vrrp_scripts<'a>(cx: &mut Ctx, f: usize, items: &'a [Item]) -> Vec<&'a str> {
    let defined: Vec<&Item> = items.iter().filter(|i| i.key == "vrrp_script").collect();
    for s in &defined {
        if s.get("script").and_then(Item::arg).is_none() {
            cx.push(
                f,
                s.line,
                Severity::Error,
                format!("vrrp_script {} has no script", s.arg().unwrap_or("")),
                "add `script \"/usr/local/bin/vipcheck track\"`",
            );
        }
    }
    defined.into_iter().filter_map(Item::arg).collect()
}

/// One vrrp_instance: every rule of one file, and what the rules across
/// files compare.
fn instance(cx: &mut Ctx, f: usize, inst: &Item, scripts: &[&str], host: &[HostAddr]) -> Instance {
    let name = inst.arg().unwrap_or("").to_owned();
    let state = state(cx, f, inst);
    nopreempt(cx, f, inst, &state);
    let vrid = vrid(cx, f, inst, &name);
    let (priority, priority_line) = priority(cx, f, inst);
    let advert = advert(cx, f, inst);
    let auth = inst.get("authentication").map(|a| authentication(cx, f, a));
    let vips = vips(cx, f, inst, &name);
    interface(cx, f, inst, &name, &vips, host);
    tracking(cx, f, inst, &name, scripts);
    let (src, peers, peers_line) = unicast(cx, f, inst);
    Instance {
        file: f,
        name,
        line: inst.line,
        vrid,
        priority,
        priority_line,
        advert,
        auth,
        vips,
        src,
        peers,
        peers_line,
    }
}

/// `state`: MASTER or BACKUP (keepalived's default).
fn state(cx: &mut Ctx, f: usize, inst: &Item) -> String {
    let state = inst
        .get("state")
        .and_then(Item::arg)
        .unwrap_or("BACKUP")
        .to_owned();
    if let Some(s) = inst.get("state")
        && !matches!(state.as_str(), "MASTER" | "BACKUP")
    {
        cx.push(
            f,
            s.line,
            Severity::Error,
            format!("state {state} is neither MASTER nor BACKUP"),
            "write `state BACKUP` (or MASTER)",
        );
    }
    state
}

/// `nopreempt` only works with `state BACKUP`.
fn nopreempt(cx: &mut Ctx, f: usize, inst: &Item, state: &str) {
    if let Some(n) = inst.get("nopreempt")
        && state == "MASTER"
    {
        cx.push(f, n.line, Severity::Error, "nopreempt with state MASTER: keepalived ignores nopreempt, so a recovered master takes the VIP back".into(), "write `state BACKUP` on every master when using nopreempt");
    }
}

/// `virtual_router_id`: given, 1-255, and better not keepalived's sample 51.
fn vrid(cx: &mut Ctx, f: usize, inst: &Item, name: &str) -> Option<u32> {
    let Some(v) = inst.get("virtual_router_id") else {
        cx.push(
            f,
            inst.line,
            Severity::Error,
            format!("vrrp_instance {name} has no virtual_router_id"),
            "add `virtual_router_id N` (1-255), the same on every master",
        );
        return None;
    };
    match number(v) {
        Some(n @ 1..=255) => {
            if n == 51 {
                cx.push(f, v.line, Severity::Warning, "virtual_router_id 51 is keepalived's sample default, so another VRRP user on the segment likely has it too".into(), "choose a less common VRID (1-255) and set it on every master");
            }
            Some(n)
        }
        _ => {
            cx.push(
                f,
                v.line,
                Severity::Error,
                format!("virtual_router_id {} is not 1-255", v.arg().unwrap_or("")),
                "use a number from 1 to 255",
            );
            None
        }
    }
}

/// `priority` (keepalived's default 100) and its line.
fn priority(cx: &mut Ctx, f: usize, inst: &Item) -> (u32, usize) {
    let Some(p) = inst.get("priority") else {
        return (100, inst.line);
    };
    match number(p) {
        Some(n @ 1..=255) => (n, p.line),
        _ => {
            cx.push(
                f,
                p.line,
                Severity::Error,
                format!("priority {} is not 1-255", p.arg().unwrap_or("")),
                "use a number from 1 to 255",
            );
            (0, p.line)
        }
    }
}

/// `advert_int` (keepalived's default 1), as written.
fn advert(cx: &mut Ctx, f: usize, inst: &Item) -> String {
    let Some(a) = inst.get("advert_int") else {
        return "1".to_owned();
    };
    let v = a.arg().unwrap_or("").to_owned();
    if !v.parse::<f64>().is_ok_and(|x| x > 0.0) {
        cx.push(
            f,
            a.line,
            Severity::Error,
            format!("advert_int {v} is not a positive number of seconds"),
            "write `advert_int 1`",
        );
    }
    v
}

/// The `authentication` block: its type and password.
fn authentication(cx: &mut Ctx, f: usize, a: &Item) -> (String, String) {
    let t = a
        .get("auth_type")
        .and_then(Item::arg)
        .unwrap_or("")
        .to_owned();
    let p = a
        .get("auth_pass")
        .and_then(Item::arg)
        .unwrap_or("")
        .to_owned();
    if !matches!(t.as_str(), "PASS" | "AH") {
        cx.push(
            f,
            a.line,
            Severity::Error,
            format!("auth_type {t:?} is neither PASS nor AH"),
            "write `auth_type PASS`",
        );
    }
    if p.chars().count() > 8 {
        let line = a.get("auth_pass").map_or(a.line, |x| x.line);
        cx.push(
            f,
            line,
            Severity::Warning,
            format!(
                "auth_pass has {} characters; keepalived uses only the first 8",
                p.chars().count()
            ),
            "use at most 8 characters, the same on every master",
        );
    }
    (t, p)
}

/// The VIPs: at least one, each an address, one family per advert.
fn vips(cx: &mut Ctx, f: usize, inst: &Item, name: &str) -> Vec<Vip> {
    let mut vips: Vec<Vip> = Vec::new();
    for key in ["virtual_ipaddress", "virtual_ipaddress_excluded"] {
        for block in inst.all(key) {
            for (word, line) in block.words() {
                let Some((addr, prefix)) = parse_vip(word) else {
                    cx.push(
                        f,
                        line,
                        Severity::Error,
                        format!("{word:?} is not an address (ADDRESS or ADDRESS/PREFIX)"),
                        "write the VIP as 192.0.2.100/24",
                    );
                    continue;
                };
                if key == "virtual_ipaddress"
                    && vips.iter().any(|v| v.addr.is_ipv4() != addr.is_ipv4())
                {
                    cx.push(f, line, Severity::Error, format!("{word} mixes address families in virtual_ipaddress; one VRRP advert carries one family"), "put IPv6 VIPs in virtual_ipaddress_excluded (or an instance of their own)");
                }
                vips.push(Vip {
                    addr,
                    prefix,
                    line,
                    text: word.to_owned(),
                });
            }
        }
    }
    if vips.is_empty() {
        cx.push(
            f,
            inst.line,
            Severity::Error,
            format!("vrrp_instance {name} has no VIP: the election decides nothing"),
            "add `virtual_ipaddress { 192.0.2.100/24 }`",
        );
    }
    vips
}

/// `interface`: given, and (on this host, with --here) on the VIPs'
/// subnet.
fn interface(cx: &mut Ctx, f: usize, inst: &Item, name: &str, vips: &[Vip], host: &[HostAddr]) {
    let Some(ifname) = inst.get("interface").and_then(Item::arg) else {
        cx.push(
            f,
            inst.line,
            Severity::Error,
            format!("vrrp_instance {name} has no interface"),
            "add `interface eth0` (the interface on the VIP's subnet)",
        );
        return;
    };
    let here: Vec<&HostAddr> = host
        .iter()
        .filter(|h| h.interface == ifname && !is_vip(vips, h.addr))
        .collect();
    for v in vips {
        let same_family: Vec<&&HostAddr> = here
            .iter()
            .filter(|h| h.addr.is_ipv4() == v.addr.is_ipv4() && !is_link_local(h.addr))
            .collect();
        if same_family.is_empty() {
            continue;
        }
        let fits = same_family
            .iter()
            .any(|h| Some(h.prefix) == v.prefix && same_net(h.addr, v.addr, h.prefix));
        if !fits {
            let nets: Vec<String> = same_family
                .iter()
                .map(|h| format!("{}/{}", h.addr, h.prefix))
                .collect();
            cx.push(
                f,
                v.line,
                Severity::Warning,
                format!(
                    "VIP {} does not match the subnet of {ifname} here ({})",
                    v.text,
                    nets.join(", ")
                ),
                "give the VIP the interface's prefix and a free address in its subnet",
            );
        }
    }
}

/// Health tracking: some track_script or track_process, each script
/// defined.
fn tracking(cx: &mut Ctx, f: usize, inst: &Item, name: &str, scripts: &[&str]) {
    let has_tracking = inst
        .block
        .iter()
        .any(|i| matches!(i.key.as_str(), "track_script" | "track_process"));
    if !has_tracking {
        cx.push(f, inst.line, Severity::Error, format!("vrrp_instance {name} tracks no health check: a master whose HAProxy died keeps the VIP and every request fails"), "add `track_script { haproxy }` with a vrrp_script running `vipcheck track` (vipcheck render writes both)");
    }
    for t in inst.all("track_script") {
        for (word, line) in t.words() {
            if !scripts.contains(&word) {
                cx.push(
                    f,
                    line,
                    Severity::Error,
                    format!("track_script names {word}, which no vrrp_script defines"),
                    "define `vrrp_script NAME { ... }` or fix the name",
                );
            }
        }
    }
}

/// `unicast_src_ip` and the `unicast_peer` addresses (with their lines).
type Unicast = (Option<IpAddr>, Vec<(IpAddr, usize)>, usize);

/// Unicast: the source address and the peers, which must be addresses
/// and not the master itself.
fn unicast(cx: &mut Ctx, f: usize, inst: &Item) -> Unicast {
    let src = inst
        .get("unicast_src_ip")
        .and_then(Item::arg)
        .and_then(|a| a.parse().ok());
    let mut peers = Vec::new();
    let peers_line = inst.get("unicast_peer").map_or(inst.line, |p| p.line);
    if let Some(p) = inst.get("unicast_peer") {
        for (word, line) in p.words() {
            match word.parse::<IpAddr>() {
                Ok(a) if Some(a) == src => cx.push(
                    f,
                    line,
                    Severity::Warning,
                    format!("unicast_peer lists {a}, this master's own unicast_src_ip"),
                    "list only the other masters",
                ),
                Ok(a) => peers.push((a, line)),
                Err(_) => cx.push(
                    f,
                    line,
                    Severity::Error,
                    format!("unicast_peer {word:?} is not an IP address"),
                    "list the other masters' addresses",
                ),
            }
        }
    }
    (src, peers, peers_line)
}

fn is_vip(vips: &[Vip], a: IpAddr) -> bool {
    vips.iter().any(|v| v.addr == a)
}

fn is_link_local(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.is_link_local(),
        IpAddr::V6(v) => (v.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// `ADDRESS[/PREFIX]`.
pub fn parse_vip(s: &str) -> Option<(IpAddr, Option<u8>)> {
    let (a, p) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let addr: IpAddr = a.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if p.is_some_and(|p| p > max) {
        return None;
    }
    Some((addr, p))
}

fn same_net(a: IpAddr, b: IpAddr, prefix: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & m == u32::from(b) & m
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & m == u128::from(b) & m
        }
        _ => false,
    }
}

/// Rules over several masters' files: the instances of one name must agree.
fn across(cx: &mut Ctx, all: &[Instance]) {
    use Severity::{Error, Warning};
    let mut groups: BTreeMap<&str, Vec<&Instance>> = BTreeMap::new();
    for i in all {
        groups.entry(i.name.as_str()).or_default().push(i);
    }
    for (name, g) in groups {
        if g.len() < 2 {
            continue;
        }
        let first = g[0];
        let file = |i: &Instance| cx.files[i.file].0.clone();
        for other in &g[1..] {
            let a = file(first);
            if other.vrid != first.vrid {
                cx.push(other.file, other.line, Error, format!("vrrp_instance {name}: virtual_router_id {} here, {} in {a}: the masters will not see each other", show(other.vrid), show(first.vrid)), "use the same virtual_router_id on every master");
            }
            if other.auth != first.auth {
                cx.push(other.file, other.line, Error, format!("vrrp_instance {name}: authentication differs from {a}: adverts are dropped and each master takes the VIP"), "use the same authentication block (or none) on every master");
            }
            let set = |i: &Instance| {
                let mut v: Vec<String> = i.vips.iter().map(|v| v.text.clone()).collect();
                v.sort();
                v
            };
            if set(other) != set(first) {
                cx.push(
                    other.file,
                    other.line,
                    Error,
                    format!(
                        "vrrp_instance {name}: VIPs {} here, {} in {a}",
                        set(other).join(" "),
                        set(first).join(" ")
                    ),
                    "list the same VIPs on every master",
                );
            }
            if other.advert != first.advert {
                cx.push(
                    other.file,
                    other.line,
                    Error,
                    format!(
                        "vrrp_instance {name}: advert_int {} here, {} in {a}",
                        other.advert, first.advert
                    ),
                    "use the same advert_int on every master",
                );
            }
        }
        // Unicast: every master must list every other one.
        if g.iter().any(|i| !i.peers.is_empty() || i.src.is_some()) {
            for i in &g {
                if i.src.is_none() {
                    cx.push(i.file, i.line, Error, format!("vrrp_instance {name}: other masters use unicast, this one has no unicast_src_ip"), "add `unicast_src_ip` (this master's address) and `unicast_peer` (the others)");
                    continue;
                }
                for o in &g {
                    if std::ptr::eq(*o, *i) {
                        continue;
                    }
                    if let Some(src) = o.src
                        && !i.peers.iter().any(|(p, _)| *p == src)
                    {
                        cx.push(i.file, i.peers_line, Error, format!("vrrp_instance {name}: unicast_peer does not list {src} ({}): its adverts are never sent there", file(o)), "list every other master in unicast_peer");
                    }
                }
            }
        }
        // Equal priorities leave the election to the highest primary address.
        let mut by_prio: BTreeMap<u32, Vec<&Instance>> = BTreeMap::new();
        for i in &g {
            by_prio.entry(i.priority).or_default().push(i);
        }
        for (prio, same) in by_prio {
            if same.len() < 2 {
                continue;
            }
            let names: Vec<String> = same.iter().map(|i| file(i)).collect();
            let winner = same
                .iter()
                .filter_map(|i| i.src.map(|s| (s, file(i))))
                .max()
                .map(|(a, f)| format!("; the tie goes to the highest primary address: {a} ({f})"))
                .unwrap_or_else(|| {
                    "; the tie goes to the master with the highest primary address".into()
                });
            for i in &same {
                cx.push(
                    i.file,
                    i.priority_line,
                    Warning,
                    format!(
                        "vrrp_instance {name}: priority {prio} also in {}{winner}",
                        names
                            .iter()
                            .filter(|n| **n != file(i))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "give every master its own priority (vipcheck render does)",
                );
            }
        }
    }
}

fn show(v: Option<u32>) -> String {
    v.map_or_else(|| "(none)".into(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(prio: u32, src: &str, peers: &[&str], extra: &str) -> String {
        let peers: String = peers.iter().map(|p| format!("        {p}\n")).collect();
        format!(
            "global_defs {{\n    enable_script_security\n}}\nvrrp_script haproxy {{\n    script \"/usr/local/bin/vipcheck track\"\n    interval 2\n}}\nvrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 113\n    priority {prio}\n    advert_int 1\n    unicast_src_ip {src}\n    unicast_peer {{\n{peers}    }}\n    virtual_ipaddress {{\n        10.213.0.100/24\n    }}\n    track_script {{\n        haproxy\n    }}\n{extra}}}\n"
        )
    }

    fn files(v: &[String]) -> Vec<(String, String)> {
        v.iter()
            .enumerate()
            .map(|(i, t)| (format!("m{i}.conf"), t.clone()))
            .collect()
    }

    fn good() -> Vec<String> {
        vec![
            conf(150, "10.213.0.75", &["10.213.0.76", "10.213.0.77"], ""),
            conf(140, "10.213.0.76", &["10.213.0.75", "10.213.0.77"], ""),
            conf(130, "10.213.0.77", &["10.213.0.75", "10.213.0.76"], ""),
        ]
    }

    #[test]
    fn three_agreeing_masters_are_clean() {
        assert_eq!(lint(&files(&good()), &[]), []);
    }

    fn has(findings: &[Finding], file: &str, line: usize, sev: Severity, text: &str) -> bool {
        findings.iter().any(|f| {
            f.file == file && f.line == line && f.severity == sev && f.message.contains(text)
        })
    }

    #[test]
    fn the_sites_config_is_caught() {
        // Every master state MASTER, priority 100, VRID 51, no tracking.
        let site = "vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n    virtual_ipaddress_excluded {\n        2001:db8::100/64\n    }\n}\n";
        let f = lint(&files(&[site.into(), site.into()]), &[]);
        assert!(
            has(&f, "m0.conf", 1, Severity::Error, "tracks no health check"),
            "{f:#?}"
        );
        assert!(has(
            &f,
            "m0.conf",
            4,
            Severity::Warning,
            "51 is keepalived's sample default"
        ));
        assert!(has(
            &f,
            "m1.conf",
            5,
            Severity::Warning,
            "priority 100 also in m0.conf; the tie goes to the master with the highest primary address"
        ));
        assert!(f.iter().all(|x| !x.fix.is_empty()));
    }

    #[test]
    fn disagreement_between_masters_is_caught() {
        let mut v = good();
        v[1] = v[1].replace("virtual_router_id 113", "virtual_router_id 114");
        v[2] = v[2]
            .replace("10.213.0.100/24", "10.213.0.101/24")
            .replace("advert_int 1", "advert_int 2");
        v[0] = v[0].replace("        10.213.0.77\n", "");
        v[2] = v[2].replace("priority 130", "priority 150");
        v[1] = v[1].replace("    track_script {\n", "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n    track_script {\n");
        let f = lint(&files(&v), &[]);
        assert!(
            has(
                &f,
                "m1.conf",
                8,
                Severity::Error,
                "virtual_router_id 114 here, 113 in m0.conf"
            ),
            "{f:#?}"
        );
        assert!(has(
            &f,
            "m1.conf",
            8,
            Severity::Error,
            "authentication differs"
        ));
        assert!(has(
            &f,
            "m2.conf",
            8,
            Severity::Error,
            "VIPs 10.213.0.101/24 here, 10.213.0.100/24 in m0.conf"
        ));
        assert!(has(
            &f,
            "m2.conf",
            8,
            Severity::Error,
            "advert_int 2 here, 1 in m0.conf"
        ));
        assert!(has(
            &f,
            "m0.conf",
            15,
            Severity::Error,
            "unicast_peer does not list 10.213.0.77 (m2.conf)"
        ));
        assert!(has(
            &f,
            "m2.conf",
            12,
            Severity::Warning,
            "priority 150 also in m0.conf; the tie goes to the highest primary address: 10.213.0.77 (m2.conf)"
        ));
    }

    #[test]
    fn single_file_rules() {
        let base = &good()[0];
        let cases: &[(&str, &str, usize, Severity, &str)] = &[
            (
                "virtual_router_id 113",
                "virtual_router_id 300",
                11,
                Severity::Error,
                "virtual_router_id 300 is not 1-255",
            ),
            (
                "priority 150",
                "priority 0",
                12,
                Severity::Error,
                "priority 0 is not 1-255",
            ),
            (
                "advert_int 1",
                "advert_int 0",
                13,
                Severity::Error,
                "advert_int 0",
            ),
            (
                "state BACKUP",
                "state MASTER\n    nopreempt",
                10,
                Severity::Error,
                "nopreempt with state MASTER",
            ),
            (
                "        10.213.0.100/24\n",
                "        10.213.0.100/24\n        2001:db8::100/64\n",
                21,
                Severity::Error,
                "mixes address families",
            ),
            (
                "        10.213.0.100/24\n",
                "        10.213.0.300/24\n",
                20,
                Severity::Error,
                "is not an address",
            ),
            (
                "        10.213.0.100/24\n",
                "",
                8,
                Severity::Error,
                "has no VIP",
            ),
            (
                "        haproxy\n    }",
                "        chk_other\n    }",
                23,
                Severity::Error,
                "which no vrrp_script defines",
            ),
            (
                "        10.213.0.76\n",
                "        10.213.0.75\n",
                16,
                Severity::Warning,
                "own unicast_src_ip",
            ),
            (
                "    track_script {\n        haproxy\n    }\n",
                "",
                8,
                Severity::Error,
                "tracks no health check",
            ),
            (
                "    interface eth0\n",
                "",
                8,
                Severity::Error,
                "has no interface",
            ),
        ];
        for (from, to, line, sev, text) in cases {
            let t = base.replacen(from, to, 1);
            assert_ne!(&t, base, "{from}");
            let f = lint(&files(&[t]), &[]);
            assert!(has(&f, "m0.conf", *line, *sev, text), "{to}: {f:#?}");
        }
        let f = lint(&files(&["global_defs {\n}\n".into()]), &[]);
        assert!(has(&f, "m0.conf", 0, Severity::Error, "no vrrp_instance"));
        let f = lint(&files(&["vrrp_instance X {\n".into()]), &[]);
        assert!(
            has(&f, "m0.conf", 1, Severity::Error, "never closed"),
            "{f:#?}"
        );
    }

    #[test]
    fn a_vip_outside_the_interfaces_subnet_is_caught_here() {
        let host = |a: &str, p| HostAddr {
            interface: "eth0".into(),
            addr: a.parse().unwrap(),
            prefix: p,
        };
        let f = lint(&files(&[good()[0].clone()]), &[host("10.213.0.75", 24)]);
        assert_eq!(f, []);
        let f = lint(&files(&[good()[0].clone()]), &[host("10.213.0.75", 16)]);
        assert!(
            has(
                &f,
                "m0.conf",
                20,
                Severity::Warning,
                "does not match the subnet of eth0 here (10.213.0.75/16)"
            ),
            "{f:#?}"
        );
        let f = lint(&files(&[good()[0].clone()]), &[host("10.9.0.75", 24)]);
        assert!(has(&f, "m0.conf", 20, Severity::Warning, "does not match"));
    }
}
