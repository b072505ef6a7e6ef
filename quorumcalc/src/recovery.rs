//! `quorumcalc plan` when quorum is already lost: the two ways back, each
//! as exact commands in order, host by host.
//!
//! - **restore**: every member rebuilt from one snapshot (`etcdctl snapshot
//!   restore` with the same `--initial-cluster` and a new
//!   `--initial-cluster-token`, fresh data directories, all started
//!   together). Needs no member's data; loses every write after the
//!   snapshot.
//! - **force-new-cluster**: the survivor with the newest data becomes a
//!   one-member cluster (`etcd --force-new-cluster`), and the lost members
//!   are added back one at a time (`member add`, then the member started
//!   with `--initial-cluster-state existing`), each step as `plan add`
//!   gives it. Keeps what the survivor has; needs its data intact.
//!
//! The commands use the puppetlabs-kubernetes module's paths unless told
//! otherwise (data in `/var/lib/etcd`, certificates in
//! `/etc/kubernetes/pki/etcd`); `{name}` in a path is each member's name
//! (members sharing one file system, as in the lab). A member started by
//! hand (`run-once`) runs until the next step says it is healthy, and is
//! then stopped and started as the service, which finds its data and
//! ignores the initial-cluster settings from then on.
//!
//! [`recover`] is pure: the snapshot and the survivors' revision are read
//! by the caller.

use crate::members::{Host, Membership};
use crate::plan::{self, Action};
use serde::Serialize;

/// etcd's client port, as the module configures it.
pub const CLIENT_PORT: u16 = 2379;
/// etcd's peer port.
pub const PEER_PORT: u16 = 2380;

impl Host {
    fn peer(&self) -> String {
        format!("https://{}:{PEER_PORT}", self.address)
    }

    fn client(&self) -> String {
        format!("https://{}:{CLIENT_PORT}", self.address)
    }
}

/// The snapshot a restore would use, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotFact {
    /// Its path (a file), or the path given when none was found.
    pub path: String,
    /// Its revision, from its record.
    pub revision: Option<u64>,
    /// Why it cannot be used, when it cannot.
    pub problem: Option<String>,
}

/// Where things are on the members.
#[derive(Debug, Clone)]
pub struct Paths {
    /// etcd's data directory (`{name}` is the member's name).
    pub data_dir: String,
    /// The directory of `ca.crt`, `server.crt`, `peer.crt`, `client.crt`
    /// and their keys (`{name}` too).
    pub pki_dir: String,
    /// How each member runs the status check at the end.
    pub status: String,
}

/// What a step does, for people and for scripts that carry plans out (the
/// lab runs the commands of the kinds it can run as they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Stop the etcd service.
    Stop,
    /// Move the data directory aside (kept, never deleted).
    SetAside,
    /// Copy the data directory, to go back to.
    Keep,
    /// Copy the snapshot to the member.
    Copy,
    /// `etcdctl snapshot restore`.
    Restore,
    /// Start etcd by hand with the flags given, until healthy.
    RunOnce,
    /// Wait until the member answers healthy.
    Wait,
    /// Stop the etcd started by hand.
    StopOnce,
    /// Start the etcd service.
    Start,
    /// `etcdctl member add`.
    MemberAdd,
    /// The cluster's state, as the monitoring check judges it.
    Check,
    /// What to do that is not an etcd command.
    Note,
}

/// One step of a way back.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 1, 2, ... within the way.
    pub step: usize,
    /// The member it runs on; empty: the host holding the snapshot.
    pub host: String,
    /// What it does.
    pub kind: Kind,
    /// The exact command line; empty for a note.
    pub command: String,
    /// Why, in a few words.
    pub why: String,
}

/// One way back.
#[derive(Debug, Clone, Serialize)]
pub struct Way {
    /// `restore` or `force-new-cluster`.
    pub name: &'static str,
    /// Whether it can be taken with what is known.
    pub possible: bool,
    /// Why not, when it cannot.
    pub why_not: Option<String>,
    /// What it costs and what it needs.
    pub trade_off: String,
    /// The commands, in order.
    pub steps: Vec<Step>,
    /// force-new-cluster: quorum at each re-add, as `plan add` gives it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub membership: Vec<plan::Step>,
}

/// The recovery; the `recovery` object of `plan --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Recovery {
    /// Members whose data is lost.
    pub lost: Vec<String>,
    /// Members still holding their data.
    pub survivors: Vec<String>,
    /// The snapshot a restore would use.
    pub snapshot: SnapshotFact,
    /// The survivors' newest revision, when given (`--live`).
    pub survivor_revision: Option<u64>,
    /// Writes a restore loses that force-new-cluster keeps: revisions
    /// after the snapshot that the survivor has (both must be known).
    pub revisions_lost_by_restore: Option<u64>,
    /// The way this plan advises.
    pub advice: &'static str,
    /// Why.
    pub advice_why: String,
    /// Both ways.
    pub ways: Vec<Way>,
}

/// What [`recover`] is given.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Every voting member, in the cluster's order.
    pub hosts: Vec<Host>,
    /// Who is down (names).
    pub membership: Membership,
    /// The snapshot.
    pub snapshot: SnapshotFact,
    /// The survivors' newest revision (`endpoint status`), when given.
    pub survivor_revision: Option<u64>,
    /// Where things are.
    pub paths: Paths,
}

/// The two ways back from lost quorum.
pub fn recover(f: &Facts) -> Recovery {
    let (lost, survivors): (Vec<&Host>, Vec<&Host>) = f
        .hosts
        .iter()
        .partition(|h| f.membership.down_names.contains(&h.name));
    let behind = match (f.snapshot.revision, f.survivor_revision) {
        (Some(s), Some(live)) => Some(live.saturating_sub(s)),
        _ => None,
    };
    let restore = restore(f, behind);
    let force = force_new_cluster(f, &lost, &survivors);
    let (advice, advice_why) = advise(f, &restore, &force, behind);
    Recovery {
        lost: lost.iter().map(|h| h.name.clone()).collect(),
        survivors: survivors.iter().map(|h| h.name.clone()).collect(),
        snapshot: f.snapshot.clone(),
        survivor_revision: f.survivor_revision,
        revisions_lost_by_restore: behind,
        advice,
        advice_why,
        ways: vec![restore, force],
    }
}

fn advise(f: &Facts, restore: &Way, force: &Way, behind: Option<u64>) -> (&'static str, String) {
    match (restore.possible, force.possible) {
        (false, false) => (
            "none",
            "neither way is possible with what is known: find a snapshot (another master's \
             snapshot directory, or an off-site copy) and give it with --snapshot"
                .into(),
        ),
        (true, false) => ("restore", "no member has its data".into()),
        (false, true) => (
            "force-new-cluster",
            "there is no snapshot to restore from".into(),
        ),
        (true, true) => match (behind, f.survivor_revision) {
            (Some(0), _) => (
                "restore",
                "the snapshot holds everything the survivor has, and a restore does not \
                 depend on the survivor's disk"
                    .into(),
            ),
            (Some(n), _) => (
                "force-new-cluster",
                format!("the survivor has {n} revisions the snapshot lacks"),
            ),
            (None, None) => (
                "force-new-cluster",
                "it keeps whatever the survivor has; give --live (the survivor's etcdctl \
                 endpoint status -w json) to count what a restore would lose"
                    .into(),
            ),
            (None, Some(_)) => (
                "force-new-cluster",
                "the snapshot's revision is unknown (no record beside it)".into(),
            ),
        },
    }
}

/// Builds a way's steps one by one.
struct Steps<'a> {
    paths: &'a Paths,
    steps: Vec<Step>,
}

impl<'a> Steps<'a> {
    fn new(paths: &'a Paths) -> Self {
        Steps {
            paths,
            steps: Vec::new(),
        }
    }

    fn push(&mut self, host: &str, kind: Kind, command: String, why: &str) {
        self.steps.push(Step {
            step: self.steps.len() + 1,
            host: host.to_owned(),
            kind,
            command,
            why: why.to_owned(),
        });
    }

    fn data(&self, h: &Host) -> String {
        sh(&self.paths.data_dir.replace("{name}", &h.name))
    }

    fn pki(&self, h: &Host, file: &str) -> String {
        sh(&format!(
            "{}/{file}",
            self.paths.pki_dir.replace("{name}", &h.name)
        ))
    }

    /// `etcdctl` against `h` with its client certificate.
    fn etcdctl(&self, h: &Host, args: &str) -> String {
        format!(
            "ETCDCTL_API=3 etcdctl --endpoints {} --cacert {} --cert {} --key {} {args}",
            h.client(),
            self.pki(h, "ca.crt"),
            self.pki(h, "client.crt"),
            self.pki(h, "client.key")
        )
    }

    /// `etcd` for `h` with every flag the module gives it, and `extra`.
    fn etcd(&self, h: &Host, extra: &str) -> String {
        format!(
            "etcd --name {n} --data-dir {d} --listen-client-urls {c} --advertise-client-urls {c} \
             --listen-peer-urls {p} --initial-advertise-peer-urls {p} --client-cert-auth \
             --trusted-ca-file {ca} --cert-file {sc} --key-file {sk} --peer-client-cert-auth \
             --peer-trusted-ca-file {ca} --peer-cert-file {pc} --peer-key-file {pk} {extra}",
            n = h.name,
            d = self.data(h),
            c = h.client(),
            p = h.peer(),
            ca = self.pki(h, "ca.crt"),
            sc = self.pki(h, "server.crt"),
            sk = self.pki(h, "server.key"),
            pc = self.pki(h, "peer.crt"),
            pk = self.pki(h, "peer.key"),
        )
    }

    /// The data directory's name with `.suffix`.
    fn aside(&self, h: &Host, suffix: &str) -> String {
        sh(&format!(
            "{}.{suffix}",
            self.paths.data_dir.replace("{name}", &h.name)
        ))
    }

    fn set_aside(&mut self, h: &Host) {
        let (d, aside) = (self.data(h), self.aside(h, "before-recovery"));
        self.push(
            &h.name,
            Kind::SetAside,
            format!("test ! -e {d} || mv -T {d} {aside}"),
            "a fresh data directory; the old one is kept aside",
        );
    }

    /// Started by hand with `extra`, waited for, stopped, and started as
    /// the service.
    fn run_once(&mut self, h: &Host, extra: &str, why: &str) {
        self.push(&h.name, Kind::RunOnce, self.etcd(h, extra), why);
        self.push(
            &h.name,
            Kind::Wait,
            self.etcdctl(h, "endpoint health"),
            "until it says healthy (run in a second shell)",
        );
        self.push(
            &h.name,
            Kind::StopOnce,
            "pkill -INT -x etcd".into(),
            "stop the etcd started by hand (Ctrl-C in its shell does the same)",
        );
        self.push(
            &h.name,
            Kind::Start,
            "systemctl start etcd".into(),
            "the service finds the data and ignores the initial-cluster settings",
        );
    }

    fn check(&mut self, h: &Host) {
        let status = self.paths.status.clone();
        self.push(
            &h.name,
            Kind::Check,
            status,
            "QUORUM OK: every member up, quorum back",
        );
        self.push(
            "",
            Kind::Note,
            String::new(),
            "restart every kube-apiserver: its watch cache holds revisions etcd may no longer have",
        );
    }
}

/// A word for the shell: as it is when it holds only characters no
/// shell treats specially, else in single quotes.
pub fn sh(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_/.:=,@%+-".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn initial_cluster(hosts: &[&Host]) -> String {
    let v: Vec<String> = hosts
        .iter()
        .map(|h| format!("{}={}", h.name, h.peer()))
        .collect();
    v.join(",")
}

/// (a) every member from one snapshot.
fn restore(f: &Facts, behind: Option<u64>) -> Way {
    let snap = &sh(&f.snapshot.path);
    let token = format!(
        "etcd-restore-{}",
        std::path::Path::new(&f.snapshot.path)
            .file_stem()
            .map(|s| s
                .to_string_lossy()
                .trim_start_matches(crate::snapshot::PREFIX)
                .to_owned())
            .unwrap_or_default()
    );
    let all: Vec<&Host> = f.hosts.iter().collect();
    let initial = initial_cluster(&all);
    let mut s = Steps::new(&f.paths);
    for h in &all {
        s.push(
            &h.name,
            Kind::Stop,
            "systemctl stop etcd".into(),
            "no member serves while the data is replaced",
        );
    }
    for h in &all {
        s.set_aside(h);
    }
    let dir = std::path::Path::new(&f.snapshot.path)
        .parent()
        .map(|p| sh(&p.to_string_lossy()))
        .unwrap_or_default();
    for h in &all {
        s.push(
            "",
            Kind::Copy,
            format!(
                "ssh {n} mkdir -p -m 0700 {dir} && scp -p {snap} {n}:{snap}",
                n = h.name
            ),
            "every member restores from the same file (skip the host that holds it)",
        );
    }
    for h in &all {
        s.push(
            &h.name,
            Kind::Restore,
            format!(
                "ETCDCTL_API=3 etcdctl snapshot restore {snap} --name {} --initial-cluster {initial} \
                 --initial-cluster-token {token} --initial-advertise-peer-urls {} --data-dir {}",
                h.name,
                h.peer(),
                s.data(h)
            ),
            "a new cluster with the same members and a new token",
        );
    }
    for h in &all {
        s.push(
            &h.name,
            Kind::Start,
            "systemctl start etcd".into(),
            "start every member: each waits for a quorum of the others",
        );
    }
    if let Some(first) = all.first() {
        s.check(first);
    }
    let lost = match behind {
        Some(n) => format!("{n} revisions (every write after the snapshot)"),
        None => "every write after the snapshot (how many is unknown: give --live)".into(),
    };
    Way {
        name: "restore",
        possible: f.snapshot.problem.is_none(),
        why_not: f.snapshot.problem.clone(),
        trade_off: format!(
            "loses {lost}; needs no member's data, so it works when every disk is lost"
        ),
        steps: s.steps,
        membership: Vec::new(),
    }
}

/// (b) the survivor alone, then the others added back one at a time.
fn force_new_cluster(f: &Facts, lost: &[&Host], survivors: &[&Host]) -> Way {
    let mut s = Steps::new(&f.paths);
    let Some((keep, others)) = survivors.split_first() else {
        return Way {
            name: "force-new-cluster",
            possible: false,
            why_not: Some("no member has its data".into()),
            trade_off: String::new(),
            steps: Vec::new(),
            membership: Vec::new(),
        };
    };
    // The other survivors rejoin with fresh data, as the lost ones do.
    let rejoin: Vec<&Host> = lost.iter().chain(others).copied().collect();
    for h in &rejoin {
        s.push(
            &h.name,
            Kind::Stop,
            "systemctl stop etcd".into(),
            "it rejoins with fresh data",
        );
        s.set_aside(h);
    }
    s.push(
        &keep.name,
        Kind::Stop,
        "systemctl stop etcd".into(),
        "the survivor, before it is changed",
    );
    let (d, copy) = (s.data(keep), s.aside(keep, "before-force-new-cluster"));
    s.push(
        &keep.name,
        Kind::Keep,
        format!("cp -a {d} {copy}"),
        "a copy of the survivor's data to go back to",
    );
    s.run_once(
        keep,
        "--force-new-cluster",
        "the survivor alone, with every write it has",
    );
    let mut members = vec![*keep];
    for h in &rejoin {
        s.push(
            &keep.name,
            Kind::MemberAdd,
            s.etcdctl(
                keep,
                &format!("member add {} --peer-urls={}", h.name, h.peer()),
            ),
            "the quorum counts it at once: start it next (etcd answers \"unhealthy cluster\" until \
             every member has been connected for 5 s: repeat it)",
        );
        members.push(h);
        let extra = format!(
            "--initial-cluster {} --initial-cluster-state existing",
            initial_cluster(&members)
        );
        s.run_once(h, &extra, "joins with the members so far");
    }
    s.check(keep);
    let adds = vec![Action::Add; rejoin.len()];
    let one = Membership {
        voters: 1,
        learners: 0,
        voters_down: 0,
        learners_down: 0,
        down_names: Vec::new(),
    };
    let membership = plan::plan(&one, &adds).map(|p| p.steps).unwrap_or_default();
    Way {
        name: "force-new-cluster",
        possible: true,
        why_not: None,
        trade_off: format!(
            "keeps every write {} applied; needs its data intact; a write acknowledged by the lost \
             members alone may be missing",
            keep.name
        ),
        steps: s.steps,
        membership,
    }
}

/// What `plan` prints: the steps, and the ways back when quorum is lost
/// (the `--format json` schema: the plan's fields and `recovery`).
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    /// The steps.
    #[serde(flatten)]
    pub plan: plan::Plan,
    /// The ways back, when quorum is already lost and the members named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery: Option<Recovery>,
}

impl Planned {
    /// The plan's table, then the ways back.
    pub fn to_text(&self) -> String {
        let mut out = self.plan.to_text();
        if let Some(r) = &self.recovery {
            out.push_str(&r.to_text());
        }
        out
    }
}

impl Recovery {
    /// The recovery for people: each way with its commands.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "\nquorum is lost: {} of {} members have lost their data ({}); etcd takes no writes \
             until it is rebuilt.\nadvice: {}: {}\n",
            self.lost.len(),
            self.lost.len() + self.survivors.len(),
            self.lost.join(", "),
            self.advice,
            self.advice_why
        );
        for (i, w) in self.ways.iter().enumerate() {
            let letter = (b'a' + i as u8) as char;
            out.push_str(&format!("\n({letter}) {}", w.name));
            match &w.why_not {
                Some(why) => {
                    out.push_str(&format!(": not possible: {why}\n"));
                    continue;
                }
                None => out.push_str(&format!(": {}\n", w.trade_off)),
            }
            for st in &w.steps {
                let host = match (st.kind, st.host.is_empty()) {
                    (Kind::Note, _) => "every master".to_owned(),
                    (_, true) => "the snapshot's host".to_owned(),
                    _ => st.host.clone(),
                };
                out.push_str(&format!("  {:>2}. [{host}] {}\n", st.step, st.why));
                if !st.command.is_empty() {
                    out.push_str(&format!("      {}\n", st.command));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::Spec;

    fn facts(down: &str, snap_rev: Option<u64>, live: Option<u64>) -> Facts {
        let names = ["deadlock", "autocrat", "coup"];
        let hosts = names
            .iter()
            .zip(["10.0.0.1", "10.0.0.2", "10.0.0.3"])
            .map(|(n, a)| Host {
                name: (*n).into(),
                address: a.into(),
            })
            .collect();
        let v = Spec::Names(names.map(str::to_owned).to_vec());
        let membership = Membership::resolve(&v, &Spec::Count(0), &down.parse().unwrap()).unwrap();
        Facts {
            hosts,
            membership,
            snapshot: SnapshotFact {
                path: "/var/backups/etcd/etcd-snapshot-20261205T020000Z.db".into(),
                revision: snap_rev,
                problem: None,
            },
            survivor_revision: live,
            paths: Paths {
                data_dir: "/var/lib/etcd".into(),
                pki_dir: "/etc/kubernetes/pki/etcd".into(),
                status: "/usr/libexec/kubetoolkit/etcd-status".into(),
            },
        }
    }

    fn commands(w: &Way, kind: Kind) -> Vec<(String, String)> {
        w.steps
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| (s.host.clone(), s.command.clone()))
            .collect()
    }

    #[test]
    fn restore_rebuilds_every_member_with_one_new_token() {
        let r = recover(&facts("autocrat,coup", Some(100), Some(130)));
        assert_eq!(r.lost, ["autocrat", "coup"]);
        assert_eq!(r.survivors, ["deadlock"]);
        assert_eq!(r.revisions_lost_by_restore, Some(30));
        let restore = &r.ways[0];
        let cmds = commands(restore, Kind::Restore);
        assert_eq!(cmds.len(), 3);
        let initial = "deadlock=https://10.0.0.1:2380,autocrat=https://10.0.0.2:2380,coup=https://10.0.0.3:2380";
        for (host, c) in &cmds {
            assert!(c.contains(&format!("--name {host} ")), "{c}");
            assert!(c.contains(&format!("--initial-cluster {initial} ")), "{c}");
            assert!(
                c.contains("--initial-cluster-token etcd-restore-20261205T020000Z "),
                "{c}"
            );
            assert!(c.ends_with("--data-dir /var/lib/etcd"), "{c}");
        }
        assert_eq!(
            cmds[1]
                .1
                .split("--initial-advertise-peer-urls ")
                .nth(1)
                .unwrap(),
            "https://10.0.0.2:2380 --data-dir /var/lib/etcd"
        );
        assert!(restore.trade_off.contains("loses 30 revisions"));
        // Stop everything before any data moves; start only after all restored.
        let kinds: Vec<Kind> = restore.steps.iter().map(|s| s.kind).collect();
        let last_stop = kinds.iter().rposition(|k| *k == Kind::Stop).unwrap();
        let first_move = kinds.iter().position(|k| *k == Kind::SetAside).unwrap();
        let last_restore = kinds.iter().rposition(|k| *k == Kind::Restore).unwrap();
        let first_start = kinds.iter().position(|k| *k == Kind::Start).unwrap();
        assert!(last_stop < first_move && last_restore < first_start);
        assert_eq!(r.advice, "force-new-cluster");
    }

    #[test]
    fn force_new_cluster_adds_the_lost_back_one_at_a_time() {
        let r = recover(&facts("autocrat,coup", Some(100), Some(130)));
        let force = &r.ways[1];
        assert!(force.possible);
        let once = commands(force, Kind::RunOnce);
        assert_eq!(once[0].0, "deadlock");
        assert!(once[0].1.ends_with("--force-new-cluster"), "{}", once[0].1);
        assert!(
            once[0]
                .1
                .contains("--trusted-ca-file /etc/kubernetes/pki/etcd/ca.crt")
        );
        assert!(once[1].1.ends_with(
            "--initial-cluster deadlock=https://10.0.0.1:2380,autocrat=https://10.0.0.2:2380 --initial-cluster-state existing"
        ), "{}", once[1].1);
        assert!(
            once[2]
                .1
                .contains("coup=https://10.0.0.3:2380 --initial-cluster-state existing")
        );
        let adds = commands(force, Kind::MemberAdd);
        assert_eq!(adds.len(), 2);
        assert!(adds[0].1.contains("--endpoints https://10.0.0.1:2379"));
        assert!(
            adds[0]
                .1
                .ends_with("member add autocrat --peer-urls=https://10.0.0.2:2380")
        );
        // Each add as plan add gives it: 1 -> 2 (no spare) -> started.
        let spares: Vec<i64> = force
            .membership
            .iter()
            .map(|s| s.failures_to_spare)
            .collect();
        assert_eq!(spares, [0, -1, 0, 0, 1]);
    }

    #[test]
    fn the_advice_follows_what_is_known() {
        assert_eq!(
            recover(&facts("autocrat,coup", Some(130), Some(130))).advice,
            "restore"
        );
        let mut f = facts("deadlock,autocrat,coup", Some(1), None);
        let r = recover(&f);
        assert_eq!((r.advice, r.ways[1].possible), ("restore", false));
        f.snapshot.problem = Some("no snapshot in /var/backups/etcd".into());
        assert_eq!(recover(&f).advice, "none");
        let mut f = facts("coup,autocrat", None, None);
        f.snapshot.problem = Some("x".into());
        assert_eq!(recover(&f).advice, "force-new-cluster");
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(sh("/var/lib/etcd"), "/var/lib/etcd");
        assert_eq!(sh("/a b/it's"), r"'/a b/it'\''s'");
        assert_eq!(sh("$(reboot)"), "'$(reboot)'");
        let mut f = facts("autocrat,coup", Some(1), Some(1));
        f.paths.data_dir = "/srv/etcd data".into();
        let r = recover(&f);
        let aside = commands(&r.ways[0], Kind::SetAside);
        assert_eq!(
            aside[0].1,
            "test ! -e '/srv/etcd data' || mv -T '/srv/etcd data' '/srv/etcd data.before-recovery'"
        );
    }

    #[test]
    fn name_templates_give_each_member_its_paths() {
        let mut f = facts("autocrat,coup", Some(1), Some(1));
        f.paths.data_dir = "/lab/{name}/data".into();
        let r = recover(&f);
        let cmds = commands(&r.ways[0], Kind::Restore);
        assert!(
            cmds[2].1.ends_with("--data-dir /lab/coup/data"),
            "{}",
            cmds[2].1
        );
    }
}
