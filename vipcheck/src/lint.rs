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

impl Vip {
    /// The address as keepalived sets it: without a prefix, a host
    /// address (/32, /128); one address however it is spelled.
    fn canonical(&self) -> String {
        let full = if self.addr.is_ipv4() { 32 } else { 128 };
        format!("{}/{}", self.addr, self.prefix.unwrap_or(full))
    }
}

/// The parts of a `vrrp_instance` the rules look at.
#[derive(Debug, Clone)]
struct Instance {
    file: usize,
    name: String,
    line: usize,
    vrid: Option<u32>,
    interface: String,
    priority: u32,
    priority_line: usize,
    /// advert_int in centiseconds (VRRPv3's unit), if valid.
    advert: Option<u32>,
    /// The type and the password as keepalived uses it (8 bytes).
    auth: Option<(String, String)>,
    vips: Vec<Vip>,
    src: Option<IpAddr>,
    peers: Vec<(IpAddr, usize)>,
    peers_line: usize,
    /// The VRRP version its adverts carry (2 or 3).
    version: u32,
    /// Each tracked script's weight, when not 0: added to the priority
    /// while the script succeeds (positive) or fails (negative).
    weights: Vec<(String, i32)>,
}

/// Whether a track script's program can run: `Err` says why not.
pub type ScriptCheck<'a> = &'a dyn Fn(&str) -> Result<(), String>;

struct Ctx<'a> {
    files: &'a [(String, String)],
    out: Vec<Finding>,
    script: Option<ScriptCheck<'a>>,
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
    lint_with(files, host, None)
}

/// [`lint`], and on this host (`--here`) whether each track script's
/// program can run: keepalived silently disables a track script whose
/// program is missing or not executable, and with it failover on HAProxy's
/// death.
pub fn lint_with(
    files: &[(String, String)],
    host: &[HostAddr],
    script: Option<ScriptCheck<'_>>,
) -> Vec<Finding> {
    lint_against(files, host, script, None)
}

/// [`lint_with`], and with the cluster file's VIP (`--cluster`), whether
/// the masters already run what the file would render: its VRID and its
/// advert interval. A site adopting the toolkit lints its running files
/// against its new cluster file first: a VRID render would change is a
/// split brain during the rollout.
pub fn lint_against(
    files: &[(String, String)],
    host: &[HostAddr],
    script: Option<ScriptCheck<'_>>,
    cluster: Option<&clusterfile::Vip>,
) -> Vec<Finding> {
    let mut cx = Ctx {
        files,
        out: Vec::new(),
        script,
    };
    let mut instances = Vec::new();
    for (i, (_, text)) in files.iter().enumerate() {
        match conf::parse(text) {
            Err(e) => {
                cx.push(
                    i,
                    e.line,
                    Severity::Error,
                    e.what.to_string(),
                    "fix the syntax; keepalived would refuse the file",
                );
            }
            Ok(parsed) => {
                unread(&mut cx, i, &parsed.unread);
                instances.extend(one_file(&mut cx, i, &parsed.items, host));
            }
        }
    }
    across(&mut cx, &instances);
    if let Some(vip) = cluster {
        against(&mut cx, &instances, vip);
    }
    let mut out = cx.out;
    out.sort_by(|a, b| {
        (&a.file, a.line, b.severity, &a.message).cmp(&(&b.file, b.line, a.severity, &b.message))
    });
    out
}

/// What keepalived reads differently from the text, or what lint does
/// not read: a line past keepalived's buffer is an error (keepalived reads
/// its end as a line of its own), an unexpanded construct a warning.
fn unread(cx: &mut Ctx, f: usize, unread: &[conf::Unread]) {
    for u in unread {
        match u {
            conf::Unread::LongLine { line, rest } => cx.push(
                f,
                *line,
                Severity::Error,
                format!(
                    "the line is longer than keepalived's {}-byte line buffer: keepalived reads {rest:?}, after byte {}, as a line of its own",
                    conf::LINE_BYTES,
                    conf::LINE_BYTES
                ),
                "break the line so that none is longer than 1023 bytes",
            ),
            conf::Unread::NotExpanded { line, what } => cx.push(
                f,
                *line,
                Severity::Warning,
                format!("{what} is not expanded by lint: what it makes is not checked"),
                "write the lines out (vipcheck render does), or lint what `keepalived -d` dumps",
            ),
        }
    }
}

fn number(item: &Item) -> Option<u32> {
    item.arg().and_then(|a| a.parse().ok())
}

fn one_file(cx: &mut Ctx, f: usize, items: &[Item], host: &[HostAddr]) -> Vec<Instance> {
    let includes = includes(cx, f, items);
    let scripts = vrrp_scripts(cx, f, items);
    let scripts: Vec<(&str, i32)> = scripts
        .into_iter()
        .map(|name| (name, script_weight(items, name)))
        .collect();
    let version = items
        .iter()
        .filter(|i| i.key == "global_defs")
        .find_map(|g| g.get("vrrp_version").and_then(number))
        .unwrap_or(2);
    let list: Vec<&Item> = items.iter().filter(|i| i.key == "vrrp_instance").collect();
    if list.is_empty() && !includes {
        cx.push(
            f,
            0,
            Severity::Error,
            "no vrrp_instance: keepalived holds no VIP with this file".into(),
            "add the vrrp_instance of the VIP (vipcheck render writes one)",
        );
    }
    let out: Vec<Instance> = list
        .into_iter()
        .map(|inst| {
            let defaults = Defaults {
                scripts: &scripts,
                includes,
                version,
            };
            instance(cx, f, inst, &defaults, host)
        })
        .collect();
    duplicates(cx, f, &out);
    out
}

/// `include` is not followed: each is reported, so nothing it holds is
/// taken as checked. Whether the file has any.
fn includes(cx: &mut Ctx, f: usize, items: &[Item]) -> bool {
    let mut any = false;
    for i in items.iter().filter(|i| i.key == "include") {
        any = true;
        cx.push(
            f,
            i.line,
            Severity::Warning,
            format!(
                "include {} is not followed: what it holds is neither linted nor compared with the other masters",
                i.args.join(" ")
            ),
            "give the included files to vipcheck lint as well (or render one file per master)",
        );
    }
    any
}

/// What keepalived refuses within one file: an instance name twice, or two
/// instances with one VRID and family on one interface.
fn duplicates(cx: &mut Ctx, f: usize, list: &[Instance]) {
    for (k, b) in list.iter().enumerate() {
        let Some(a) = list[..k].iter().find(|a| a.name == b.name) else {
            continue;
        };
        cx.push(
            f,
            b.line,
            Severity::Error,
            format!(
                "vrrp_instance {} is defined twice (lines {} and {}): keepalived refuses the file",
                b.name, a.line, b.line
            ),
            "give every vrrp_instance its own name",
        );
    }
    for (k, b) in list.iter().enumerate() {
        let Some(a) = list[..k].iter().find(|a| {
            a.vrid.is_some() && a.vrid == b.vrid && a.v4() == b.v4() && a.interface == b.interface
        }) else {
            continue;
        };
        let what = format!(
            "{} and {} both use VRID {} on {}",
            a.name,
            b.name,
            show(b.vrid),
            b.interface
        );
        // keepalived refuses two multicast instances, or two unicast ones
        // with a peer in common (measured with keepalived -t 2.2.7); a
        // unicast and a multicast one it accepts.
        let common_peer = a
            .peers
            .iter()
            .any(|(p, _)| b.peers.iter().any(|(q, _)| p == q));
        let (severity, why) = match (a.unicast(), b.unicast()) {
            (false, false) => (Severity::Error, "keepalived refuses the file"),
            (true, true) if common_peer => (
                Severity::Error,
                "with a unicast peer in common: keepalived refuses the file",
            ),
            (true, true) => continue,
            _ => (
                Severity::Warning,
                "one by unicast, one by multicast: keepalived accepts it, but the multicast adverts reach the unicast instance's host",
            ),
        };
        cx.push(
            f,
            b.line,
            severity,
            format!("{what}, {why}"),
            "give each VRRP group on a network its own virtual_router_id",
        );
    }
}

/// The names of the file's vrrp_scripts; one without a script is an error,
/// and on this host one whose program cannot run.
fn vrrp_scripts<'a>(cx: &mut Ctx, f: usize, items: &'a [Item]) -> Vec<&'a str> {
    let defined: Vec<&Item> = items.iter().filter(|i| i.key == "vrrp_script").collect();
    for s in &defined {
        let name = s.arg().unwrap_or("");
        let Some(script) = s.get("script") else {
            cx.push(
                f,
                s.line,
                Severity::Error,
                format!("vrrp_script {name} has no script"),
                "add `script \"/usr/bin/vipcheck track\"`",
            );
            continue;
        };
        let program = script
            .arg()
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("");
        if let Some(Err(why)) = cx.script.map(|check| check(program)) {
            cx.push(
                f,
                script.line,
                Severity::Error,
                format!(
                    "vrrp_script {name}: {program} {why}: keepalived disables the track script, and a dead HAProxy no longer moves the VIP"
                ),
                "install the program at that path, executable (vipcheck render --vipcheck names it)",
            );
        }
    }
    defined.into_iter().filter_map(Item::arg).collect()
}

/// The `weight` of the vrrp_script `name` (0 when none).
fn script_weight(items: &[Item], name: &str) -> i32 {
    items
        .iter()
        .filter(|i| i.key == "vrrp_script" && i.arg() == Some(name))
        .filter_map(|s| s.get("weight").and_then(Item::arg))
        .filter_map(|w| w.parse().ok())
        .next_back()
        .unwrap_or(0)
}

/// What a file gives every instance in it.
struct Defaults<'a> {
    /// Its vrrp_scripts, with their weights.
    scripts: &'a [(&'a str, i32)],
    /// Whether it includes other files (not read).
    includes: bool,
    /// `vrrp_version` of global_defs (2 when not given).
    version: u32,
}

/// Keywords that take one value: keepalived keeps the last when one is
/// given twice.
const SINGLE: [&str; 7] = [
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "unicast_src_ip",
];

/// A keyword of [`SINGLE`] given more than once: keepalived uses the last.
fn given_twice(cx: &mut Ctx, f: usize, inst: &Item) {
    for key in SINGLE {
        let all: Vec<&Item> = inst.all(key).collect();
        if all.len() < 2 {
            continue;
        }
        let lines: Vec<String> = all.iter().map(|i| i.line.to_string()).collect();
        let last = all[all.len() - 1];
        cx.push(
            f,
            last.line,
            Severity::Warning,
            format!(
                "{key} is given {} times (lines {}): keepalived uses the last, {}",
                all.len(),
                lines.join(", "),
                last.args.join(" ")
            ),
            "give it once",
        );
    }
}

/// The programs keepalived runs on a state change.
const NOTIFY: [&str; 7] = [
    "notify",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify_master_rx_lower_pri",
];

/// On this host (`--here`), whether each notify program can run: without
/// it keepalived runs nothing on a state change, and `vipcheck local`
/// (which reads what `vipcheck notify` records) never learns the state.
fn notify_programs(cx: &mut Ctx, f: usize, inst: &Item) {
    let Some(check) = cx.script else {
        return;
    };
    for key in NOTIFY {
        for n in inst.all(key) {
            let program = n
                .arg()
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("");
            if let Err(why) = check(program) {
                cx.push(
                    f,
                    n.line,
                    Severity::Error,
                    format!(
                        "{key}: {program} {why}: keepalived runs nothing on a state change, and vipcheck local never learns the state"
                    ),
                    "install the program at that path, executable (vipcheck render --vipcheck names it)",
                );
            }
        }
    }
}

/// The weight each track_script entry gives (its own `weight`, else the
/// vrrp_script's), when not 0.
fn track_weights(inst: &Item, scripts: &[(&str, i32)]) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for t in inst.all("track_script") {
        for entry in &t.block {
            let own = match entry.args.as_slice() {
                [w, n, ..] if w == "weight" => n.parse().ok(),
                _ => None,
            };
            let from_script = scripts
                .iter()
                .find(|(s, _)| *s == entry.key)
                .map(|(_, w)| *w);
            let weight = own.or(from_script).unwrap_or(0);
            if weight != 0 {
                out.push((entry.key.clone(), weight));
            }
        }
    }
    out
}

/// One vrrp_instance: every rule of one file, and what the rules across
/// files compare.
fn instance(
    cx: &mut Ctx,
    f: usize,
    inst: &Item,
    defaults: &Defaults,
    host: &[HostAddr],
) -> Instance {
    let name = inst.arg().unwrap_or("").to_owned();
    given_twice(cx, f, inst);
    notify_programs(cx, f, inst);
    let state = state(cx, f, inst);
    nopreempt(cx, f, inst, &state);
    let vrid = vrid(cx, f, inst, &name);
    let (priority, priority_line) = priority(cx, f, inst);
    let vips = vips(cx, f, inst, &name);
    // keepalived sends IPv6 adverts as VRRPv3 whatever is configured.
    let v6 = vips.first().is_some_and(|v| v.addr.is_ipv6());
    let version = match inst.get("version").and_then(number) {
        _ if v6 => 3,
        Some(v) => v,
        None => defaults.version,
    };
    let advert = advert(cx, f, inst, version);
    let auth = inst.get("authentication").map(|a| authentication(cx, f, a));
    let interface = interface(cx, f, inst, &name, &vips, host);
    let names: Vec<&str> = defaults.scripts.iter().map(|(n, _)| *n).collect();
    tracking(cx, f, inst, &name, &names, defaults.includes);
    let weights = track_weights(inst, defaults.scripts);
    let (src, peers, peers_line) = unicast(cx, f, inst);
    Instance {
        file: f,
        name,
        line: inst.line,
        vrid,
        interface,
        priority,
        priority_line,
        advert,
        auth,
        vips,
        src,
        peers,
        peers_line,
        version,
        weights,
    }
}

impl Instance {
    /// Whether it sends its adverts by unicast (it lists peers).
    fn unicast(&self) -> bool {
        !self.peers.is_empty()
    }

    /// The address family its adverts carry: that of its first VIP.
    fn v4(&self) -> Option<bool> {
        self.vips.first().map(|v| v.addr.is_ipv4())
    }

    /// Its VIPs as keepalived sets them, sorted.
    fn vip_set(&self) -> Vec<String> {
        let mut v: Vec<String> = self.vips.iter().map(Vip::canonical).collect();
        v.sort();
        v.dedup();
        v
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

/// How a setting every master must share (VRID, VRRP version, advert
/// interval) is changed on running masters: masters that differ in it do
/// not hear each other, so a rollout one master at a time (as Puppet
/// applies) has each changed master take the VIP beside the holder.
const CHANGE_ORDER: &str = "to change it on running masters, stop the backups' keepalived, reload the holder's, then start the backups' (cluster.yaml(5)); never one master at a time, which makes two holders until the last master changes";

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
                cx.push(f, v.line, Severity::Warning, "virtual_router_id 51 is keepalived's sample default, so another VRRP user on the segment likely has it too".into(), &format!("if another router on the segment uses VRID 51, choose a less common one (vip.vrid, 1-255); {CHANGE_ORDER}"));
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

/// `advert_int` (keepalived's default 1 s) in centiseconds: 0.01-255 s;
/// whole seconds for VRRPv2, at most 40.95 s for VRRPv3 (keepalived
/// otherwise rounds or clamps it and `keepalived -t` fails).
fn advert(cx: &mut Ctx, f: usize, inst: &Item, version: u32) -> Option<u32> {
    let Some(a) = inst.get("advert_int") else {
        return Some(100);
    };
    let v = a.arg().unwrap_or("");
    let centi = clusterfile::vip::centiseconds(v);
    let problem = match centi {
        None => Some(format!(
            "advert_int {v} is not a number of seconds from 0.01 to 255"
        )),
        Some(c) if version == 2 && c % 100 != 0 => Some(format!(
            "advert_int {v}: VRRPv2 adverts count whole seconds; keepalived rounds it"
        )),
        Some(c) if version == 3 && c > 4095 => Some(format!(
            "advert_int {v}: VRRPv3 allows at most 40.95 s; keepalived clamps it"
        )),
        Some(_) => None,
    };
    if let Some(message) = problem {
        cx.push(f, a.line, Severity::Error, message, "write `advert_int 1`");
        return None;
    }
    centi
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
    // keepalived sends (and compares) only the first 8 bytes.
    let used = String::from_utf8_lossy(&p.as_bytes()[..p.len().min(8)]).into_owned();
    (t, used)
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
    } else if inst
        .get("virtual_ipaddress")
        .is_none_or(|b| b.block.is_empty())
    {
        cx.push(
            f,
            inst.line,
            Severity::Error,
            format!("vrrp_instance {name} has VIPs only in virtual_ipaddress_excluded: keepalived says no VIP is specified"),
            "put the VIP the adverts carry in virtual_ipaddress",
        );
    }
    vips
}

/// `interface`: given, and (on this host, with --here) on the VIPs'
/// subnet.
fn interface(
    cx: &mut Ctx,
    f: usize,
    inst: &Item,
    name: &str,
    vips: &[Vip],
    host: &[HostAddr],
) -> String {
    let Some(ifname) = inst.get("interface").and_then(Item::arg) else {
        cx.push(
            f,
            inst.line,
            Severity::Error,
            format!("vrrp_instance {name} has no interface"),
            "add `interface eth0` (the interface on the VIP's subnet)",
        );
        return String::new();
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
    ifname.to_owned()
}

/// Health tracking: some track_script or track_process, each script
/// defined.
fn tracking(cx: &mut Ctx, f: usize, inst: &Item, name: &str, scripts: &[&str], includes: bool) {
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
                // It may be in an included file, which is not read.
                let (severity, message) = if includes {
                    (
                        Severity::Warning,
                        format!(
                            "track_script names {word}, which no vrrp_script in this file defines"
                        ),
                    )
                } else {
                    (
                        Severity::Error,
                        format!("track_script names {word}, which no vrrp_script defines"),
                    )
                };
                cx.push(
                    f,
                    line,
                    severity,
                    message,
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

/// A VRRP group: the instances of one VRID and address family, at most
/// one per file. Interface names are not part of it: they are local to
/// each host, and masters with eth0 and ens3 on one network hear each
/// other.
type GroupKey = (u32, bool);

/// Rules over several masters' files: the masters of one VRRP group (by
/// VRID and family, not by instance name, which keepalived does not send)
/// must agree, and one VIP must not be in two groups.
fn across(cx: &mut Ctx, all: &[Instance]) {
    let mut groups: BTreeMap<GroupKey, Vec<&Instance>> = BTreeMap::new();
    for i in all {
        if let (Some(vrid), Some(v4)) = (i.vrid, i.v4()) {
            let g = groups.entry((vrid, v4)).or_default();
            if !g.iter().any(|o| o.file == i.file) {
                g.push(i);
            }
        }
    }
    for g in groups.values() {
        if g.len() > 1 {
            agree(cx, g);
            unicast_peers(cx, g);
            priorities(cx, g);
            weight_ties(cx, g);
        }
    }
    split_vips(cx, &groups);
}

/// `VRID 113 (VI_1)`: how a group member is named in findings.
fn label(i: &Instance) -> String {
    format!("VRID {} ({})", show(i.vrid), i.name)
}

/// Authentication, VIPs and advert_int as keepalived uses them.
fn agree(cx: &mut Ctx, g: &[&Instance]) {
    use Severity::Error;
    let first = g[0];
    let a = cx.files[first.file].0.clone();
    for other in &g[1..] {
        let l = label(other);
        if other.auth != first.auth {
            cx.push(other.file, other.line, Error, format!("{l}: authentication differs from {a}: adverts are dropped and each master takes the VIP"), "use the same authentication block (or none) on every master");
        }
        if other.vip_set() != first.vip_set() {
            cx.push(
                other.file,
                other.line,
                Error,
                format!(
                    "{l}: VIPs {} here, {} in {a}",
                    other.vip_set().join(" "),
                    first.vip_set().join(" ")
                ),
                "list the same VIPs on every master",
            );
        }
        if other.version != first.version {
            cx.push(
                other.file,
                other.line,
                Error,
                format!(
                    "{l}: VRRPv{} here, VRRPv{} in {a}: each drops the other's adverts (keepalived: \"wrong version\") and both take the VIP",
                    other.version, first.version
                ),
                &format!("use one VRRP version on every master (vrrp_version in global_defs, or version in the instance); {CHANGE_ORDER}"),
            );
        }
        if let (Some(x), Some(y)) = (other.advert, first.advert)
            && x != y
        {
            cx.push(
                other.file,
                other.line,
                Error,
                format!(
                    "{l}: advert_int {} s here, {} s in {a}",
                    f64::from(x) / 100.0,
                    f64::from(y) / 100.0
                ),
                &format!(
                    "use the same advert_int on every master (vip.advert_int); {CHANGE_ORDER}"
                ),
            );
        }
    }
}

/// Unicast: all masters or none, and every master lists every other one.
/// A master's own address is its `unicast_src_ip`, or, when it has none
/// (keepalived then sends from the interface's primary address), the one
/// address the other masters list and it does not.
fn unicast_peers(cx: &mut Ctx, g: &[&Instance]) {
    if !g.iter().any(|i| i.unicast()) {
        return;
    }
    for i in g.iter().filter(|i| !i.unicast()) {
        cx.push(
            i.file,
            i.line,
            Severity::Error,
            format!("{}: other masters use unicast, this one multicast (no unicast_peer): they do not hear each other", label(i)),
            "add `unicast_peer` (the other masters) here, or use multicast on every master",
        );
    }
    let unicast: Vec<&Instance> = g.iter().copied().filter(|i| i.unicast()).collect();
    for o in &unicast {
        let Some(addr) = own_address(o, &unicast) else {
            continue;
        };
        let other = cx.files[o.file].0.clone();
        for i in unicast.iter().filter(|i| i.file != o.file) {
            if !i.peers.iter().any(|(p, _)| *p == addr) {
                cx.push(i.file, i.peers_line, Severity::Error, format!("{}: unicast_peer does not list {addr} ({other}): its adverts are never sent there", label(i)), "list every other master in unicast_peer");
            }
        }
    }
}

/// A unicast master's address: its `unicast_src_ip`, else the one address
/// the others list that it does not list itself.
fn own_address(i: &Instance, group: &[&Instance]) -> Option<IpAddr> {
    if i.src.is_some() {
        return i.src;
    }
    let mut listed: Vec<IpAddr> = group
        .iter()
        .filter(|o| o.file != i.file)
        .flat_map(|o| o.peers.iter().map(|(p, _)| *p))
        .filter(|p| !i.peers.iter().any(|(q, _)| q == p))
        .collect();
    listed.sort();
    listed.dedup();
    match listed.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Equal priorities leave the election to the highest primary address.
fn priorities(cx: &mut Ctx, g: &[&Instance]) {
    let mut by_prio: BTreeMap<u32, Vec<&Instance>> = BTreeMap::new();
    for i in g {
        by_prio.entry(i.priority).or_default().push(i);
    }
    for (prio, same) in by_prio.into_iter().filter(|(_, s)| s.len() > 1) {
        let file = |i: &Instance| cx.files[i.file].0.clone();
        let winner = same
            .iter()
            .filter_map(|i| i.src.map(|s| (s, file(i))))
            .max()
            .map(|(a, f)| format!("; the tie goes to the highest primary address: {a} ({f})"))
            .unwrap_or_else(|| {
                "; the tie goes to the master with the highest primary address".into()
            });
        for i in &same {
            let others: Vec<String> = same
                .iter()
                .filter(|o| o.file != i.file)
                .map(|o| file(o))
                .collect();
            let message = format!(
                "{}: priority {prio} also in {}{winner}",
                label(i),
                others.join(", ")
            );
            cx.push(
                i.file,
                i.priority_line,
                Severity::Warning,
                message,
                "give every master its own priority (vipcheck render does)",
            );
        }
    }
}

/// Every priority `i` can have while the others are healthy: its base,
/// moved by each combination of its tracked scripts' weights, within
/// keepalived's 1-254; with the scripts that fail to get there.
fn effective(i: &Instance) -> Vec<(i64, Vec<&str>)> {
    let healthy: i64 = i
        .weights
        .iter()
        .filter(|(_, w)| *w > 0)
        .map(|(_, w)| i64::from(*w))
        .sum();
    let base = i64::from(i.priority) + healthy;
    // At most 2^8 combinations; more scripts are taken one at a time.
    let n = i.weights.len();
    let sets: Vec<Vec<usize>> = if n <= 8 {
        (1..(1usize << n))
            .map(|m| (0..n).filter(|b| m & (1 << b) != 0).collect())
            .collect()
    } else {
        (0..n).map(|b| vec![b]).collect()
    };
    sets.into_iter()
        .map(|set| {
            let change: i64 = set.iter().map(|&b| -i64::from(i.weights[b].1.abs())).sum();
            let names = set.iter().map(|&b| i.weights[b].0.as_str()).collect();
            ((base + change).clamp(1, 254), names)
        })
        .collect()
}

/// A tracked script's weight that brings a master's priority to another
/// master's: the election is then left to the highest primary address.
fn weight_ties(cx: &mut Ctx, g: &[&Instance]) {
    for i in g {
        for (prio, failing) in effective(i) {
            let healthy = |o: &Instance| {
                i64::from(o.priority)
                    + o.weights
                        .iter()
                        .filter(|(_, w)| *w > 0)
                        .map(|(_, w)| i64::from(*w))
                        .sum::<i64>()
            };
            let same: Vec<String> = g
                .iter()
                .filter(|o| o.file != i.file && healthy(o) == prio)
                .map(|o| cx.files[o.file].0.clone())
                .collect();
            if same.is_empty() {
                continue;
            }
            cx.push(
                i.file,
                i.priority_line,
                Severity::Warning,
                format!(
                    "{}: when track script {} fails, the priority becomes {prio}, that of {}: the tie goes to the highest primary address",
                    label(i),
                    failing.join(" and "),
                    same.join(", ")
                ),
                "choose weights that never bring one master's priority to another's",
            );
            break;
        }
    }
}

/// Each instance holding the cluster file's IPv4 VIP against the file's
/// `vip.vrid` and `vip.advert_int`; a file none of whose instances holds
/// it, a warning.
fn against(cx: &mut Ctx, instances: &[Instance], vip: &clusterfile::Vip) {
    let want = IpAddr::V4(vip.ipv4.addr);
    for f in 0..cx.files.len() {
        let mine: Vec<&Instance> = instances
            .iter()
            .filter(|i| i.file == f && i.vips.iter().any(|v| v.addr == want))
            .collect();
        if mine.is_empty() {
            let message = format!("no vrrp_instance here holds the cluster file's VIP {want}");
            cx.push(
                f,
                1,
                Severity::Warning,
                message,
                "compare the file with the cluster file's vip section",
            );
        }
        for i in mine {
            if i.vrid != Some(u32::from(vip.vrid)) {
                cx.push(
                    f,
                    i.line,
                    Severity::Error,
                    format!(
                        "VRID {} here, but the cluster file's vip.vrid is {} (line {}): vipcheck render would change it, and masters on two VRIDs each take the VIP",
                        show(i.vrid),
                        vip.vrid,
                        vip.line
                    ),
                    &format!("set vip.vrid: {} to keep what runs; {CHANGE_ORDER}", show(i.vrid)),
                );
            }
            let file_advert = vip.advert_int.centiseconds();
            if let Some(a) = i.advert.filter(|a| *a != file_advert) {
                cx.push(
                    f,
                    i.line,
                    Severity::Error,
                    format!(
                        "advert_int {} s here, but the cluster file's vip.advert_int is {} s: vipcheck render would change it",
                        f64::from(a) / 100.0,
                        vip.advert_int
                    ),
                    &format!("set vip.advert_int to what runs (without it, 1 s); {CHANGE_ORDER}"),
                );
            }
        }
    }
}

/// One VIP in two groups (another VRID, or a renamed or mistyped
/// interface): the masters do not see each other's adverts and each takes
/// the address.
fn split_vips(cx: &mut Ctx, groups: &BTreeMap<GroupKey, Vec<&Instance>>) {
    let mut owner: BTreeMap<String, &Instance> = BTreeMap::new();
    let mut all: Vec<&Instance> = groups.values().flatten().copied().collect();
    all.sort_by_key(|i| (i.file, i.line));
    for i in all {
        for v in i.vip_set() {
            let Some(first) = owner.get(&v).copied() else {
                owner.insert(v, i);
                continue;
            };
            let same_group = first.vrid == i.vrid && first.v4() == i.v4();
            if same_group || first.file == i.file {
                continue;
            }
            let a = cx.files[first.file].0.clone();
            cx.push(
                i.file,
                i.line,
                Severity::Error,
                format!(
                    "VIP {v} is in VRID {} here, but VRID {} in {a}: the masters do not see each other's adverts and each takes the VIP",
                    show(i.vrid),
                    show(first.vrid),
                ),
                &format!("use the same virtual_router_id on every master (vip.vrid); {CHANGE_ORDER}"),
            );
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
            "global_defs {{\n    enable_script_security\n}}\nvrrp_script haproxy {{\n    script \"/usr/bin/vipcheck track\"\n    interval 2\n}}\nvrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 113\n    priority {prio}\n    advert_int 1\n    unicast_src_ip {src}\n    unicast_peer {{\n{peers}    }}\n    virtual_ipaddress {{\n        10.213.0.100/24\n    }}\n    track_script {{\n        haproxy\n    }}\n{extra}}}\n"
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

    /// A finding of `sev` at `file:line` whose message holds `text`; all
    /// the findings are printed when there is none.
    fn expect(findings: &[Finding], file: &str, line: usize, sev: Severity, text: &str) {
        assert!(has(findings, file, line, sev, text), "{findings:#?}");
    }

    /// A site's running files linted against its new cluster file: the
    /// VRID and interval render would change are errors (a split brain
    /// during the rollout); the file saying what runs, none.
    #[test]
    fn what_render_would_change_is_caught_before_the_rollout() {
        let site = "vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n";
        let example = include_str!("../../examples/ocf/cluster.yaml");
        let with = |edit: &str| {
            let text = example.replacen("  advert_int: 0.1\n", edit, 1);
            clusterfile::parse(&text).unwrap().vip("t").unwrap().clone()
        };
        let f = lint_against(&files(&[site.into()]), &[], None, Some(&with("")));
        expect(
            &f,
            "m0.conf",
            1,
            Severity::Error,
            "VRID 51 here, but the cluster file's vip.vrid is 100",
        );
        assert!(
            f.iter().any(|x| x.fix.contains("set vip.vrid: 51")),
            "{f:#?}"
        );
        let f = lint_against(
            &files(&[site.into()]),
            &[],
            None,
            Some(&with("  advert_int: 0.1\n  vrid: 51\n")),
        );
        expect(
            &f,
            "m0.conf",
            1,
            Severity::Error,
            "advert_int 1 s here, but the cluster file's vip.advert_int is 0.1 s",
        );
        let f = lint_against(
            &files(&[site.into()]),
            &[],
            None,
            Some(&with("  vrid: 51\n")),
        );
        assert!(
            !f.iter().any(|x| x.message.contains("cluster file")),
            "{f:#?}"
        );
        let other = site.replace("192.0.2.100/24", "192.0.2.200/24");
        let f = lint_against(&files(&[other]), &[], None, Some(&with("  vrid: 51\n")));
        expect(
            &f,
            "m0.conf",
            1,
            Severity::Warning,
            "no vrrp_instance here holds the cluster file's VIP",
        );
    }

    #[test]
    fn the_sites_config_is_caught() {
        // Every master state MASTER, priority 100, VRID 51, no tracking.
        let site = "vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n    virtual_ipaddress_excluded {\n        2001:db8::100/64\n    }\n}\n";
        let f = lint(&files(&[site.into(), site.into()]), &[]);
        expect(&f, "m0.conf", 1, Severity::Error, "tracks no health check");
        expect(
            &f,
            "m0.conf",
            4,
            Severity::Warning,
            "51 is keepalived's sample default",
        );
        expect(
            &f,
            "m1.conf",
            5,
            Severity::Warning,
            "priority 100 also in m0.conf; the tie goes to the master with the highest primary address",
        );
        assert!(f.iter().all(|x| !x.fix.is_empty()));
    }

    #[test]
    fn disagreement_between_masters_is_caught() {
        // Another VRID for the same VIP: two groups, each takes the VIP.
        let mut v = good();
        v[1] = v[1].replace("virtual_router_id 113", "virtual_router_id 114");
        let f = lint(&files(&v), &[]);
        expect(
            &f,
            "m1.conf",
            8,
            Severity::Error,
            "VIP 10.213.0.100/24 is in VRID 114 here, but VRID 113 in m0.conf",
        );
        // Interface names are each host's own: eth1 on one master is no
        // finding (the masters still hear each other).
        let mut v = good();
        v[2] = v[2].replace("interface eth0", "interface ens3");
        assert_eq!(lint(&files(&v), &[]), []);

        let mut v = good();
        v[2] = v[2]
            .replace("10.213.0.100/24", "10.213.0.101/24")
            .replace("advert_int 1", "advert_int 2");
        v[0] = v[0].replace("        10.213.0.77\n", "");
        v[2] = v[2].replace("priority 130", "priority 150");
        v[1] = v[1].replace("    track_script {\n", "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n    track_script {\n");
        let f = lint(&files(&v), &[]);
        expect(
            &f,
            "m1.conf",
            8,
            Severity::Error,
            "VRID 113 (VI_1): authentication differs",
        );
        expect(
            &f,
            "m2.conf",
            8,
            Severity::Error,
            "VIPs 10.213.0.101/24 here, 10.213.0.100/24 in m0.conf",
        );
        expect(
            &f,
            "m2.conf",
            8,
            Severity::Error,
            "advert_int 2 s here, 1 s in m0.conf",
        );
        expect(
            &f,
            "m0.conf",
            15,
            Severity::Error,
            "unicast_peer does not list 10.213.0.77 (m2.conf)",
        );
        expect(
            &f,
            "m2.conf",
            12,
            Severity::Warning,
            "priority 150 also in m0.conf; the tie goes to the highest primary address: 10.213.0.77 (m2.conf)",
        );
    }

    #[test]
    fn what_keepalived_reads_otherwise_is_caught() {
        // VRRPv3 on one master (global_defs or the instance), v2 on the
        // others: each drops the other's adverts.
        for v3 in [
            ("global_defs {\n", "global_defs {\n    vrrp_version 3\n"),
            ("    advert_int 1\n", "    advert_int 1\n    version 3\n"),
        ] {
            let mut v = good();
            v[0] = v[0].replace(v3.0, v3.1);
            let f = lint(&files(&v), &[]);
            assert!(
                f.iter().any(|x| x.severity == Severity::Error
                    && x.message.contains("VRRPv2 here, VRRPv3 in m0.conf")),
                "{f:#?}"
            );
        }
        // priority given twice: keepalived keeps the last, so 130 ties with
        // m2; the tie is judged on the priority keepalived uses.
        let mut v = good();
        v[0] = v[0].replace("    priority 150\n", "    priority 150\n    priority 130\n");
        let f = lint(&files(&v), &[]);
        expect(
            &f,
            "m0.conf",
            13,
            Severity::Warning,
            "priority is given 2 times (lines 12, 13): keepalived uses the last, 130",
        );
        expect(
            &f,
            "m0.conf",
            13,
            Severity::Warning,
            "priority 130 also in m2.conf",
        );
        // A line past keepalived's buffer ending in a keyword.
        let mut v = good();
        let head = format!("    # {}", "x".repeat(2000));
        v[0] = v[0].replace(
            "    advert_int 1\n",
            &format!(
                "    advert_int 1\n{}priority 10\n",
                &head[..conf::LINE_BYTES]
            ),
        );
        let f = lint(&files(&v), &[]);
        expect(
            &f,
            "m0.conf",
            14,
            Severity::Error,
            "keepalived reads \"priority 10\", after byte 1023",
        );
        // $VAR definitions are read as keepalived reads them: clean.
        let mut v = good();
        v[1] = format!(
            "$PRIO=140\n$VIP=10.213.0.100\n{}",
            v[1].replace("priority 140", "priority $PRIO")
                .replace("10.213.0.100/24", "${VIP}/24")
        );
        assert_eq!(lint(&files(&v), &[]), []);
    }

    #[test]
    fn unicast_without_a_source_address_and_mixed_groups() {
        // No unicast_src_ip anywhere: keepalived sends from the primary
        // address; each master's is the one the others list. Clean.
        let v: Vec<String> = good()
            .iter()
            .map(|c| {
                c.lines()
                    .filter(|l| !l.contains("unicast_src_ip"))
                    .map(|l| format!("{l}\n"))
                    .collect()
            })
            .collect();
        assert_eq!(lint(&files(&v), &[]), []);
        // ...and a peer missing is still found.
        let mut w = v.clone();
        w[0] = w[0].replace("        10.213.0.77\n", "");
        let f = lint(&files(&w), &[]);
        expect(
            &f,
            "m0.conf",
            14,
            Severity::Error,
            "unicast_peer does not list 10.213.0.77 (m2.conf)",
        );
        // One master by multicast among unicast ones.
        let mut w = good();
        w[2] = w[2].replace(
            "    unicast_peer {\n        10.213.0.75\n        10.213.0.76\n    }\n",
            "",
        );
        let f = lint(&files(&w), &[]);
        expect(
            &f,
            "m2.conf",
            8,
            Severity::Error,
            "other masters use unicast, this one multicast",
        );
    }

    #[test]
    fn weights_that_make_priorities_tie_are_found() {
        // m0 (150) loses 10 when its check fails: 140, m1's priority.
        let mut v = good();
        v[0] = v[0].replace("    interval 2\n", "    interval 2\n    weight -10\n");
        let f = lint(&files(&v), &[]);
        expect(
            &f,
            "m0.conf",
            13,
            Severity::Warning,
            "when track script haproxy fails, the priority becomes 140, that of m1.conf",
        );
        // -5 brings it to 145: no tie. An override in track_script counts.
        v[0] = v[0].replace("weight -10", "weight -5");
        assert_eq!(lint(&files(&v), &[]), []);
        v[0] = v[0].replace(
            "        haproxy\n    }",
            "        haproxy weight -20\n    }",
        );
        let f = lint(&files(&v), &[]);
        expect(
            &f,
            "m0.conf",
            13,
            Severity::Warning,
            "the priority becomes 130, that of m2.conf",
        );
    }

    #[test]
    fn a_missing_notify_program_is_found_here() {
        let v = vec![conf(
            150,
            "10.213.0.75",
            &["10.213.0.76"],
            "    notify \"/nonexistent/vipcheck notify\"\n",
        )];
        let missing = |p: &str| {
            if p.starts_with("/nonexistent") {
                Err("does not exist here".to_owned())
            } else {
                Ok(())
            }
        };
        let f = lint_with(&files(&v), &[], Some(&missing));
        expect(
            &f,
            "m0.conf",
            24,
            Severity::Error,
            "notify: /nonexistent/vipcheck does not exist here",
        );
        assert!(
            lint(&files(&v), &[])
                .iter()
                .all(|x| !x.message.contains("notify"))
        );
    }

    #[test]
    fn groups_are_vrids_not_instance_names() {
        // One master renames its instance: still the same group, clean.
        let mut v = good();
        v[1] = v[1].replace("vrrp_instance VI_1", "vrrp_instance web");
        assert_eq!(lint(&files(&v), &[]), []);
        // Two groups sharing one VRID with different VIPs: compared.
        let mut v = good();
        v[1] = v[1]
            .replace("vrrp_instance VI_1", "vrrp_instance other")
            .replace("10.213.0.100/24", "10.213.0.200/24");
        let f = lint(&files(&v), &[]);
        expect(
            &f,
            "m1.conf",
            8,
            Severity::Error,
            "VRID 113 (other): VIPs 10.213.0.200/24 here, 10.213.0.100/24 in m0.conf",
        );
    }

    #[test]
    fn spellings_keepalived_treats_alike_are_not_findings() {
        let six = |vip: &str, adv: &str, pass: &str| {
            format!(
                "vrrp_script haproxy {{\n    script \"/usr/bin/vipcheck track\"\n}}\nvrrp_instance VI_6 {{\n    interface eth0\n    virtual_router_id 7\n    advert_int {adv}\n    authentication {{\n        auth_type PASS\n        auth_pass {pass}\n    }}\n    virtual_ipaddress {{\n        {vip}\n    }}\n    track_script {{\n        haproxy\n    }}\n}}\n"
            )
        };
        let v = vec![
            six("2001:db8::100/128", "1", "abcdefgh"),
            six("2001:0db8:0:0::0100", "1.0", "abcdefgh-one").replace("VI_6", "VI_six"),
            six("2001:DB8::100", "1.00", "abcdefghXY"),
        ];
        let f = lint(&files(&v), &[]);
        // Only: the passwords over 8 characters, and the priorities tie.
        assert!(f.iter().all(|x| x.severity == Severity::Warning), "{f:#?}");
        assert!(
            f.iter().all(|x| x.message.contains("auth_pass has")
                || x.message.contains("priority 100 also in")),
            "{f:#?}"
        );
        let ipv4 = |vip: &str| good()[0].replace("10.213.0.100/24", vip);
        let f = lint(
            &files(&[
                ipv4("10.213.0.100"),
                ipv4("10.213.0.100/32").replace("priority 150", "priority 140"),
            ]),
            &[],
        );
        assert!(f.iter().all(|x| !x.message.contains("VIPs")), "{f:#?}");
    }

    #[test]
    fn what_keepalived_refuses_in_one_file() {
        let one = good()[0].clone();
        let cases: Vec<(String, &str)> = vec![
            (
                one.replace("advert_int 1", "advert_int 1.5"),
                "VRRPv2 adverts count whole seconds",
            ),
            (
                one.replace("advert_int 1", "advert_int 256"),
                "not a number of seconds from 0.01 to 255",
            ),
            (
                one.replace("advert_int 1", "advert_int 0"),
                "not a number of seconds from 0.01 to 255",
            ),
            (
                one.replace("advert_int 1", "advert_int -1"),
                "not a number of seconds",
            ),
            (
                one.replace("advert_int 1", "advert_int 41").replace(
                    "enable_script_security",
                    "enable_script_security\n    vrrp_version 3",
                ),
                "VRRPv3 allows at most 40.95 s",
            ),
            (
                one.replace("advert_int 1", "advert_int 0.005\n    version 3"),
                "not a number of seconds",
            ),
            (
                one.replace("virtual_ipaddress {", "virtual_ipaddress_excluded {"),
                "VIPs only in virtual_ipaddress_excluded",
            ),
            (
                format!(
                    "{one}{}",
                    one.replace("virtual_router_id 113", "virtual_router_id 114")
                        .replace("10.213.0.100/24", "10.213.0.50/24")
                )
                .replacen("vrrp_script haproxy", "vrrp_script unused", 1),
                "vrrp_instance VI_1 is defined twice",
            ),
            (
                format!(
                    "{one}{}",
                    one.replace("VI_1", "VI_2")
                        .replace("10.213.0.100/24", "10.213.0.50/24")
                )
                .replacen("vrrp_script haproxy", "vrrp_script unused", 1),
                "VI_1 and VI_2 both use VRID 113 on eth0",
            ),
        ];
        for (text, want) in cases {
            let f = lint(&files(&[text]), &[]);
            assert!(
                f.iter()
                    .any(|x| x.severity == Severity::Error && x.message.contains(want)),
                "{want}: {f:#?}"
            );
            assert!(
                f.iter()
                    .all(|x| !x.message.contains("also in ;") && !x.message.ends_with("also in ")),
                "{f:#?}"
            );
        }
        // Fractional adverts are VRRPv3's, either way of asking for it.
        for text in [
            one.replace("advert_int 1", "advert_int 0.5\n    version 3"),
            one.replace("advert_int 1", "advert_int 40.95").replace(
                "enable_script_security",
                "enable_script_security\n    vrrp_version 3",
            ),
        ] {
            assert_eq!(lint(&files(&[text]), &[]), []);
        }
    }

    #[test]
    fn includes_are_reported_as_not_followed() {
        let f = lint(
            &files(&["global_defs {\n}\ninclude /etc/keepalived/conf.d/*.conf\n".into()]),
            &[],
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        expect(
            &f,
            "m0.conf",
            3,
            Severity::Warning,
            "include /etc/keepalived/conf.d/*.conf is not followed",
        );
    }

    #[test]
    fn a_track_script_that_cannot_run_here_is_an_error() {
        let missing = |p: &str| {
            if p == "/usr/bin/vipcheck" {
                Err("does not exist here".to_owned())
            } else {
                Ok(())
            }
        };
        let f = lint_with(&files(&[good()[0].clone()]), &[], Some(&missing));
        expect(
            &f,
            "m0.conf",
            5,
            Severity::Error,
            "vrrp_script haproxy: /usr/bin/vipcheck does not exist here: keepalived disables the track script",
        );
        let fine = |_: &str| Ok(());
        assert_eq!(
            lint_with(&files(&[good()[0].clone()]), &[], Some(&fine)),
            []
        );
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
        expect(&f, "m0.conf", 0, Severity::Error, "no vrrp_instance");
        let f = lint(&files(&["vrrp_instance X {\n".into()]), &[]);
        expect(&f, "m0.conf", 1, Severity::Error, "never closed");
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
        expect(
            &f,
            "m0.conf",
            20,
            Severity::Warning,
            "does not match the subnet of eth0 here (10.213.0.75/16)",
        );
        let f = lint(&files(&[good()[0].clone()]), &[host("10.9.0.75", 24)]);
        expect(&f, "m0.conf", 20, Severity::Warning, "does not match");
    }
}
