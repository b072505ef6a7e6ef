//! The command line: the one clap definition behind `--help`, the man page
//! and the tests, and the dispatch of each subcommand to its module.

use crate::error::Error;
use crate::members::{Membership, Spec};
use crate::tool::TOOL;
use crate::{
    availability, backup, check, domains, etcd, freshness, math, members, plan, recovery, status,
    table, unanswered,
};
use clap::{Args, CommandFactory, Parser, Subcommand};
use clikit::{CheckFormat, Outcome};
use std::ffi::OsString;
use std::process::ExitCode;

const ABOUT: &str = "Quorum and fault-tolerance math for etcd/Raft clusters";

const LONG_ABOUT: &str = "\
quorumcalc does the arithmetic behind \"why three masters\": how many members of a \
Raft cluster such as etcd must agree (the quorum, floor(N/2)+1), how many may fail \
(floor((N-1)/2)), whether quorum holds with given members down, what each step of a \
membership change does to both, which failure domains a placement survives, and how \
available a cluster of N members is. It also reads the JSON that etcdctl prints for a \
running cluster and reports its live state as a Nagios check.

Only voting members count. etcd learners neither vote nor count toward the quorum \
size, on either side: 3 voters and 1 learner tolerate 1 failure, like 3 voters.";

/// The text after the exit statuses in `--help`, rendered into the man
/// page too (upper-case lines become section headings there).
const MORE_HELP: &str = "\
EXAMPLES
Fault tolerance of 1 to 9 members, as a table and as JSON:
  quorumcalc table 1-9
  quorumcalc table 3,5,7 --format json | jq '.[] | {members, tolerated_failures}'

Before taking autocrat down while coup is already down: would the bundled example \
cluster keep quorum? (No: exit 1.)
  quorumcalc check --cluster examples/ocf/cluster.yaml --down coup,autocrat

In Puppet, reboot a master for a kernel update only while the live cluster has a \
failure to spare (status exits 0 only when OK):
  exec { 'reboot-for-kernel':
    command  => '/sbin/reboot',
    provider => shell,
    onlyif   => '{ etcdctl member list -w json; etcdctl endpoint status --cluster -w json; } | quorumcalc status',
  }

Live state of a running cluster, as a Nagios check (pass several endpoints so one \
dead member does not stop etcdctl; etcdctl's --debug log says why when none answers, \
which /usr/libexec/kubetoolkit/etcd-status does for you):
  E=--endpoints=https://deadlock:2379,https://autocrat:2379,https://coup:2379
  err=$(mktemp)
  { etcdctl $E --debug member list -w json 2>\"$err\" && etcdctl $E endpoint status --cluster -w json; } | quorumcalc status --etcdctl-errors \"$err\"
  rm -f \"$err\"

Replace a failed member, step by step, and grow from 3 to 5:
  quorumcalc plan --voters 3 --down 1 replace
  quorumcalc plan --voters 3 add add

Take a snapshot of this master's member into /var/backups/etcd, keeping 14 (what \
kubetoolkit-etcd-snapshot.timer runs, through /usr/libexec/kubetoolkit/etcd-snapshot), \
and check the newest, here against the live cluster's revision:
  quorumcalc backup --endpoint https://192.0.2.75:2379 --keep 14
  etcdctl endpoint status --cluster -w json | quorumcalc snapshot --live -

autocrat and coup lost their disks: the two ways back, with the commands, counting what \
a restore from the newest snapshot would lose (deadlock's revision against the \
snapshot's):
  etcdctl --endpoints=https://192.0.2.75:2379 endpoint status -w json > live.json
  quorumcalc plan --cluster /etc/ocf/cluster.yaml --down autocrat,coup --live live.json

Racks: which rack failures lose quorum, and the best spread of 5 members over 3 rooms:
  quorumcalc domains rack-a=deadlock,coup rack-b=autocrat
  quorumcalc place --members 5 --domains room1,room2,room3

Probability that quorum holds when each member is up 99% of the time:
  quorumcalc availability 1-7 --up 99%

FILES
A cluster file (--cluster) is described in cluster.yaml(5); quorumcalc takes its masters \
as the etcd voters, and checks the whole file as every tool does. \
examples/ocf/cluster.yaml is the bundled example.

NOTES
etcd member IDs are 64-bit and often above 2^63. quorumcalc reads them exactly and \
prints them in hex, as etcdctl member remove takes them. Do not pass etcdctl's JSON \
through jq 1.6 first: it rounds such numbers.

SEE ALSO
etcdctl(1), etcd(1), kubetool(1), certs(1), cluster.yaml(5)";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "quorumcalc",
    version = clikit::VERSION,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = TOOL.after_long_help(MORE_HELP),
    disable_help_subcommand = true,
    propagate_version = true,
    subcommand_value_name = "COMMAND",
    subcommand_help_heading = "Commands"
)]
pub struct Cli {
    /// Output format: text for people, json for programs (stable field names),
    /// prometheus for node_exporter (status only)
    #[arg(long, global = true, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// What to compute.
    #[command(subcommand)]
    pub command: Command,
}

/// Voting members, learners and who is down: as counts or as names.
#[derive(Debug, Args)]
pub struct MemberArgs {
    /// Voting members: a count, or names separated by commas
    #[arg(long, value_name = "N|NAMES", required_unless_present = "cluster")]
    pub voters: Option<Spec>,

    /// Read the voting members from the masters list of a cluster file
    #[arg(long, value_name = "FILE", conflicts_with = "voters")]
    pub cluster: Option<String>,

    /// Learners (non-voting members): a count, or names
    #[arg(long, value_name = "N|NAMES", default_value = "0")]
    pub learners: Spec,

    /// Members that are down: a count of voters, or names (voters or learners)
    #[arg(long, value_name = "N|NAMES", default_value = "0")]
    pub down: Spec,
}

impl MemberArgs {
    /// The voters with their addresses: a cluster file's masters, or
    /// names (which are their own addresses); `None` for a count.
    fn hosts(&self) -> Result<Option<Vec<members::Host>>, Error> {
        Ok(match (&self.voters, &self.cluster) {
            (_, Some(path)) => Some(members::hosts_from_cluster_file(path)?),
            (Some(Spec::Names(v)), None) => Some(
                v.iter()
                    .map(|n| members::Host {
                        name: n.clone(),
                        address: n.clone(),
                    })
                    .collect(),
            ),
            _ => None,
        })
    }

    fn resolve(&self) -> Result<Membership, Error> {
        let voters = match (&self.voters, &self.cluster) {
            (Some(v), _) => v.clone(),
            (None, Some(path)) => Spec::Names(members::voters_from_cluster_file(path)?),
            (None, None) => unreachable!("clap requires --voters or --cluster"),
        };
        Membership::resolve(&voters, &self.learners, &self.down)
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Quorum and tolerated failures for each cluster size
    #[command(long_about = "\
Quorum and tolerated failures for each cluster size, with a note where a size is a \
poor choice: an even size adds nothing over the odd size below it and raises the \
quorum; 2 members are worse than 1.")]
    Table {
        /// Sizes: N, A-B, A..B, or comma-separated lists of those [default: 1-7]
        #[arg(value_name = "SIZES", allow_negative_numbers = true)]
        sizes: Vec<String>,
    },

    /// Does quorum hold with these members down? (exit 0 yes, 1 no)
    #[command(long_about = "\
Does quorum hold with these members down? Exit 0 when the voting members that are \
up form a quorum, 1 when they do not, and print one line saying why. Give the \
members as counts (--voters 3 --down 1) or by name (--voters a,b,c --down c, or \
--cluster FILE --down c). Learners never count: a learner that is down costs \
nothing, and a learner that is up does not help.")]
    Check {
        /// The cluster and who is down.
        #[command(flatten)]
        members: MemberArgs,
    },

    /// Live state of an etcd cluster from etcdctl JSON, as a Nagios check
    #[command(long_about = "\
Live state of a running etcd cluster, as a Nagios check. Reads the JSON output of \
etcdctl member list -w json, etcdctl endpoint status --cluster -w json and etcdctl \
endpoint health --cluster -w json, from files or stdin, in any order and any \
combination, several documents per input allowed, and reports voters, learners, \
voters up, the leader, the quorum and how many more failures the cluster survives.

member list counts the voters (including members added but not started, which \
already count toward the quorum); endpoint status tells which are up (dead members \
are missing from it) and who leads; endpoint health alone also works. Give member \
list with endpoint status for a complete answer. etcdctl's own exit status is \
ignored: one dead member, or any learner, makes it exit 1 while quorum holds. A \
learner's leader field is ignored, since a learner never clears a stale leader.")]
    Status {
        /// etcdctl JSON outputs to read; - is stdin [default: -]
        #[arg(value_name = "FILE")]
        inputs: Vec<String>,

        /// etcdctl's stderr (run with --debug): when no input holds any JSON
        /// (no member answered), it says why: CRITICAL when every endpoint
        /// refuses, cannot be reached or times out, UNKNOWN when etcdctl could
        /// not talk to a member (TLS, certificates, keys)
        #[arg(long, value_name = "FILE")]
        etcdctl_errors: Option<String>,
    },

    /// The newest etcd snapshot's age and soundness, as a Nagios check
    #[command(long_about = "\
The newest etcd snapshot in DIR, as a Nagios check: it is read in full and verified \
(etcd's SHA-256 at its end, and the bbolt database before it: what etcdctl snapshot \
restore checks), and its age, from its name, is judged against --warning and \
--critical. With --live, its revision (from the record quorumcalc backup writes beside \
it) is compared with the live cluster's: how many revisions a restore from it would lose.

Snapshots are the files named etcd-snapshot-YYYYMMDDTHHMMSSZ.db (UTC), as quorumcalc \
backup names them; nothing else in DIR counts. Only the newest is read.")]
    Snapshot {
        /// The directory quorumcalc backup writes to
        #[arg(value_name = "DIR", default_value = freshness::DEFAULT_DIR)]
        dir: String,

        /// WARNING from this age: N with m, h, d (26h)
        #[arg(long, value_name = "AGE", default_value = "26h", value_parser = parse_age)]
        warning: time::Duration,

        /// CRITICAL from this age
        #[arg(long, value_name = "AGE", default_value = "50h", value_parser = parse_age)]
        critical: time::Duration,

        /// etcdctl endpoint status -w json of the live cluster (- is stdin):
        /// compare the snapshot's revision with the cluster's
        #[arg(long, value_name = "FILE")]
        live: Option<String>,
    },

    /// Take one etcd snapshot into a directory: verified, atomic, with a retention
    #[command(long_about = "\
Take one etcd snapshot with etcdctl snapshot save, verify it (quorumcalc's own check of \
etcd's checksum and database, then etcdctl snapshot status -w json), and put it in DIR as \
etcd-snapshot-YYYYMMDDTHHMMSSZ.db, with what etcdctl said of it (revision, keys, hash) \
beside it in NAME.json. Then the retention: at most --keep snapshots, none older than \
--max-age, never the newest.

The file is written under a hidden temporary name, synced, and renamed only once it \
verified: a failed or killed run never leaves a partial snapshot under a snapshot's \
name, and the snapshots already there are untouched. The run refuses to start when \
DIR's file system has less free space than --min-free plus the last snapshot's size, \
and when another run holds DIR/.lock. DIR is created (mode 0700) when missing.

etcdctl reads its certificates from ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY; \
/usr/libexec/kubetoolkit/etcd-snapshot sets them from /etc/default/kubetoolkit.")]
    Backup {
        /// Where the snapshots go
        #[arg(long, value_name = "DIR", default_value = freshness::DEFAULT_DIR)]
        dir: String,

        /// The member to snapshot, one client URL (this master's); etcdctl's
        /// ETCDCTL_ENDPOINTS when not given
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,

        /// Snapshots to keep, the new one included
        #[arg(long, value_name = "N", default_value_t = 14,
              value_parser = clap::value_parser!(u32).range(1..))]
        keep: u32,

        /// Also remove snapshots older than this (never the newest)
        #[arg(long, value_name = "AGE", value_parser = parse_age)]
        max_age: Option<time::Duration>,

        /// Free space to leave on DIR's file system: bytes, or N with K, M, G
        #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = backup::parse_size)]
        min_free: u64,

        /// The etcdctl to run
        #[arg(long, value_name = "PATH", default_value = "etcdctl")]
        etcdctl: String,

        /// Stop etcdctl snapshot save after this long
        #[arg(long, value_name = "AGE", default_value = "30m", value_parser = parse_age)]
        timeout: time::Duration,
    },

    /// Quorum and tolerance at each step of a membership change
    #[command(long_about = "\
Quorum and tolerance at each step of a membership change, starting from the cluster \
given (counts or names, with members down), with a warning where a step can lose \
quorum. A member add counts toward the quorum at once, before the new member has \
started, so adding is two steps; with a member down, etcd refuses an add by default, \
and replace therefore removes the failed member first. Once a step loses quorum, no \
further membership change can be committed. Exit 0 when no step loses quorum, 1 when \
one does.

When quorum is already lost and the members are named (--cluster FILE, or --voters \
NAMES as resolvable host names), the plan gives the two ways back, each as exact \
commands in order, host by host: (a) restore every member from one snapshot (the newest \
in --snapshot that verifies: etcdctl snapshot restore with the same initial cluster and \
a new token, fresh data directories, all started together), losing the writes after the \
snapshot; (b) --force-new-cluster on a survivor, then the lost members added back one at \
a time, keeping what the survivor has. With --live (the survivor's etcdctl endpoint \
status -w json) it counts the revisions a restore would lose and advises. No ACTION is \
needed then.")]
    Plan {
        /// The cluster and who is down.
        #[command(flatten)]
        members: MemberArgs,

        /// Changes, applied in order (at least one unless quorum is lost)
        #[arg(value_name = "ACTION", value_enum)]
        actions: Vec<plan::Action>,

        /// Lost quorum: the snapshot to restore from, a file or a directory
        /// (its newest snapshot that verifies)
        #[arg(long, value_name = "PATH", default_value = freshness::DEFAULT_DIR)]
        snapshot: String,

        /// Lost quorum: the survivors' etcdctl endpoint status -w json (- is
        /// stdin), to count what a restore loses
        #[arg(long, value_name = "FILE")]
        live: Option<String>,

        /// Lost quorum: etcd's data directory on the members ({name} is
        /// each member's name)
        #[arg(long, value_name = "DIR", default_value = "/var/lib/etcd")]
        data_dir: String,

        /// Lost quorum: the directory of the members' etcd certificates
        /// (ca.crt, server.crt, peer.crt, client.crt and keys; {name} too)
        #[arg(long, value_name = "DIR", default_value = "/etc/kubernetes/pki/etcd")]
        pki_dir: String,
    },

    /// Which failure domains (racks, rooms, power feeds) can fail without losing quorum
    #[command(long_about = "\
Which failure domains can fail without losing quorum. A failure domain is anything \
members share that can fail at once: a rack, a room, a switch, a power feed. Each \
DOMAIN=MEMBERS argument gives a domain and its voting members, as a count or as names. \
Every single domain failure and every pair is listed, with the number of domains that \
may fail together in the worst case.")]
    Domains {
        /// A domain and its voters: DOMAIN=N or DOMAIN=NAME,NAME...
        #[arg(value_name = "DOMAIN=MEMBERS", required = true, value_parser = domains::parse_domain)]
        domains: Vec<domains::Domain>,
    },

    /// Spread N members over failure domains to survive the most domain failures
    #[command(long_about = "\
Spread N voting members over failure domains to survive the most domain failures. \
An even spread is optimal. The result is printed as DOMAIN=N words that \
quorumcalc domains accepts, with a note when fewer members would survive more.")]
    Place {
        /// Voting members to place
        #[arg(long, value_name = "N", value_parser = parse_members)]
        members: u64,

        /// The domains: a count, or names separated by commas
        #[arg(long, value_name = "N|NAMES")]
        domains: Spec,
    },

    /// Probability that quorum holds when each member is up with probability P
    #[command(long_about = "\
Probability that quorum holds when each of N members is up, independently, with \
probability P: the exact binomial tail, summed in log space so that it stays exact \
to double precision for thousands of members, and with the probability of losing \
quorum computed directly so that small values keep their digits. Shows for instance \
that 4 members are less available than 3 at the same P. P is read as the binary double \
nearest the decimal typed, and the results are exact for that double: it differs from the \
decimal by at most 2^-53, so near P = 1 the probability of losing quorum is off by at most \
(N - Q + 1) x 2^-53 / (1 - P) of itself, Q the quorum (5.6e-9 at P = 0.999999 with 100 \
members; 1.4e-9 measured against exact rationals), far inside any P a site can know.")]
    Availability {
        /// Sizes: N, A-B, A..B, or comma-separated lists of those [default: 1-7]
        #[arg(value_name = "SIZES", allow_negative_numbers = true)]
        sizes: Vec<String>,

        /// Probability that one member is up: 0.99 or 99%; comma-separate several
        #[arg(long, value_name = "P", value_delimiter = ',', default_value = "0.99",
              value_parser = availability::parse_probability)]
        up: Vec<f64>,
    },
}

fn parse_members(s: &str) -> Result<u64, String> {
    math::parse_count(s).map_err(|e| e.0)
}

/// An age or a time limit: N with m, h, d or y.
fn parse_age(s: &str) -> Result<time::Duration, String> {
    clikit::parse_duration(s, None)
}

/// The live cluster's revision from `etcdctl endpoint status -w json`:
/// the highest any member reports.
fn live_revision(path: &str) -> Result<u64, Error> {
    let name = clikit::display_name(path);
    let mut all = etcd::Inputs::default();
    all.add(&name, &read_to_string(path)?)?;
    let entries = all.status.map(|(_, e)| e).unwrap_or_default();
    entries
        .iter()
        .map(|e| e.status.header.revision)
        .max()
        .ok_or_else(|| {
            Error::input(
                name,
                "holds no member's answer to etcdctl endpoint status -w json: give that \
                 command's output (with --cluster, every member)",
            )
        })
}

/// `snapshot`: the newest snapshot judged.
fn snapshot_check(
    dir: &str,
    warning: time::Duration,
    critical: time::Duration,
    live: Option<&str>,
) -> Result<freshness::Report, Error> {
    if warning >= critical {
        return Err(Error::Usage(
            "--warning must be younger than --critical".into(),
        ));
    }
    let live = live.map(live_revision).transpose()?;
    let facts = freshness::look(dir, live, time::OffsetDateTime::now_utc());
    Ok(freshness::judge(
        &facts,
        freshness::Limits { warning, critical },
    ))
}

/// The status check a recovery ends with, as the package installs it.
const STATUS_COMMAND: &str = "/usr/libexec/kubetoolkit/etcd-status";

/// The ways back from lost quorum, when the members are named.
fn lost_quorum(
    members: &MemberArgs,
    membership: Membership,
    snapshot: &str,
    live: Option<&str>,
    paths: recovery::Paths,
) -> Result<Option<recovery::Recovery>, Error> {
    let Some(hosts) = members.hosts()? else {
        return Ok(None);
    };
    let facts = recovery::Facts {
        hosts,
        membership,
        snapshot: snapshot_to_restore(snapshot),
        survivor_revision: live.map(live_revision).transpose()?,
        paths,
    };
    Ok(Some(recovery::recover(&facts)))
}

/// The snapshot at `path`, or the newest that verifies in the directory
/// `path`, with its revision.
fn snapshot_to_restore(path: &str) -> recovery::SnapshotFact {
    use std::path::Path;
    // Absolute: the commands copy it to every member.
    let fact = |p: &Path, problem: Option<String>| recovery::SnapshotFact {
        path: std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .to_string_lossy()
            .into_owned(),
        revision: crate::snapshot::Record::read(p)
            .ok()
            .flatten()
            .map(|r| r.revision),
        problem,
    };
    let p = Path::new(path);
    if !p.is_dir() {
        let problem = crate::snapshot::verify(p)
            .err()
            .map(|why| format!("{path} {why}"));
        return fact(p, problem);
    }
    let names = match freshness::list(p) {
        freshness::Listing::Snapshots(names) => names,
        _ => Vec::new(),
    };
    let mut faults = Vec::new();
    for name in names.iter().rev() {
        let file = p.join(name);
        match crate::snapshot::verify(&file) {
            Ok(_) => return fact(&file, None),
            Err(why) => faults.push(format!("{name} {why}")),
        }
    }
    let problem = if faults.is_empty() {
        format!(
            "no snapshot in {path}: fetch one (another master's, or an off-site copy) and give --snapshot FILE"
        )
    } else {
        format!("no snapshot in {path} verifies: {}", faults.join("; "))
    };
    fact(p, Some(problem))
}

/// Reads a whole file, or stdin for `-`, as UTF-8.
fn read_to_string(path: &str) -> Result<String, Error> {
    let name = clikit::display_name(path);
    let bytes = clikit::read_input(path).map_err(|source| Error::Read {
        path: name.clone(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| Error::input(name, "not UTF-8 text"))
}

/// `status`: the inputs judged, or, when none holds any JSON and
/// etcdctl's stderr was given, why no member answered.
fn live_status(inputs: &[String], etcdctl_errors: Option<&str>) -> Result<status::Report, Error> {
    let paths = clikit::inputs_or_stdin(inputs).map_err(Error::Usage)?;
    let mut texts = Vec::with_capacity(paths.len());
    for p in &paths {
        texts.push((clikit::display_name(p), read_to_string(p)?));
    }
    let unanswered = texts.iter().all(|(_, t)| t.trim().is_empty());
    if let (Some(errors), true) = (etcdctl_errors, unanswered) {
        let why = unanswered::judge(&read_to_string(errors)?);
        return Ok(status::Report::unanswered(why));
    }
    let mut all = etcd::Inputs::default();
    for (name, text) in &texts {
        all.add(name, text)?;
    }
    status::evaluate(&all)
}

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> Result<Outcome, Error> {
    let report = || cli.format.report().map_err(Error::Usage);
    Ok(match &cli.command {
        Command::Table { sizes } => {
            let sizes = math::Sizes::parse_all(sizes).map_err(|e| Error::Usage(e.0))?;
            let rows = table::rows(&sizes);
            Outcome::ok(report()?.render(&rows, || table::to_text(&rows)))
        }
        Command::Check { members } => {
            let v = check::check(&members.resolve()?);
            let stdout = report()?.render(&v, || format!("{}\n", v.message));
            Outcome::new(stdout, u8::from(!v.quorum_holds))
        }
        Command::Status {
            inputs,
            etcdctl_errors,
        } => {
            let r = live_status(inputs, etcdctl_errors.as_deref())?;
            let st = r.status();
            let stdout = cli.format.check(&st, &r, || r.long_text());
            Outcome::new(stdout, r.state.exit_code())
        }
        Command::Snapshot {
            dir,
            warning,
            critical,
            live,
        } => {
            let r = snapshot_check(dir, *warning, *critical, live.as_deref())?;
            let st = r.status();
            let stdout = cli.format.check(&st, &r, String::new);
            Outcome::new(stdout, r.state.exit_code())
        }
        Command::Backup {
            dir,
            endpoint,
            keep,
            max_age,
            min_free,
            etcdctl,
            timeout,
        } => {
            let o = backup::Options {
                dir: dir.into(),
                keep: *keep as usize,
                max_age: *max_age,
                min_free: *min_free,
                endpoint: endpoint.clone(),
                etcdctl: etcdctl.clone(),
                timeout: (*timeout).unsigned_abs(),
            };
            let s =
                backup::run(&o, time::OffsetDateTime::now_utc()).map_err(|e| Error::Backup(e.0))?;
            Outcome::ok(report()?.render(&s, || s.to_text()))
        }
        Command::Plan {
            members,
            actions,
            snapshot,
            live,
            data_dir,
            pki_dir,
        } => {
            let m = members.resolve()?;
            let mut p = recovery::Planned {
                plan: plan::plan(&m, actions)?,
                recovery: None,
            };
            if actions.is_empty() && p.plan.steps[0].failures_to_spare >= 0 {
                return Err(Error::Usage(
                    "give at least one ACTION (add, replace, ...): quorum holds, so there is \
                     nothing to recover"
                        .into(),
                ));
            }
            if p.plan.steps[0].failures_to_spare < 0 {
                let paths = recovery::Paths {
                    data_dir: data_dir.clone(),
                    pki_dir: pki_dir.clone(),
                    status: STATUS_COMMAND.into(),
                };
                p.recovery = lost_quorum(members, m, snapshot, live.as_deref(), paths)?;
                if p.recovery.is_none() {
                    p.plan.steps[0].warnings.push(
                        "name the members (--cluster FILE, or --voters NAMES) for the commands \
                         of the two ways back"
                            .into(),
                    );
                }
            }
            let stdout = report()?.render(&p, || p.to_text());
            Outcome::new(stdout, u8::from(p.plan.loses_quorum))
        }
        Command::Domains { domains } => {
            let a = domains::analyse(domains.clone())?;
            Outcome::ok(report()?.render(&a, || a.to_text()))
        }
        Command::Place { members, domains } => {
            let names = match domains {
                Spec::Count(0) => return Err(Error::Usage("--domains must be at least 1".into())),
                Spec::Count(n) => (1..=*n).map(|i| format!("d{i}")).collect(),
                Spec::Names(v) => v.clone(),
            };
            let p = domains::place(*members, &names)?;
            Outcome::ok(report()?.render(&p, || p.to_text()))
        }
        Command::Availability { sizes, up } => {
            let sizes = math::Sizes::parse_all(sizes).map_err(|e| Error::Usage(e.0))?;
            let rows = availability::rows(&sizes, up)?;
            Outcome::ok(report()?.render(&rows, || availability::to_text(&rows)))
        }
    })
}

/// The whole program: parse, run, print, and choose the exit status.
pub fn main_entry(args: impl IntoIterator<Item = impl Into<OsString>>) -> ExitCode {
    clikit::main_entry(&TOOL, args, run)
}

/// The clap command, for the man page generator and tests.
pub fn command() -> clap::Command {
    Cli::command()
}
