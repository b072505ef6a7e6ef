//! The command line: the one clap definition behind `--help`, the man page
//! and the tests, and the code that runs each subcommand.

use crate::error::{Error, Result};
use crate::report::Report;
use crate::tool::TOOL;
use crate::{
    arp, host, lint, local, notify, probe, process, render, stream, track, watch, workers,
};
use clap::{Args, CommandFactory, Parser, Subcommand};
use clikit::{CheckFormat, Outcome};
use clusterfile::ClusterFile;
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const ABOUT: &str =
    "Who holds the VIP, orphaned addresses, health tracking, keepalived lint and config";

const LONG_ABOUT: &str = "\
vipcheck keeps the masters' keepalived honest. The checks are Nagios plugins: one line \
with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (usage errors included), and --format json or prometheus for scripts and node_exporter's textfile \
collector.

holder and local look at this master; track is the vrrp_script keepalived runs; notify is \
its notify script; lint reads keepalived.conf files (one master's or all of them) for what \
keepalived -t cannot catch; render writes a master's keepalived.conf from the cluster file.";

/// The text after the exit statuses in `--help`, rendered into the man
/// page too (upper-case lines become section headings there).
const MORE_HELP: &str = "\
WHAT LOCAL JUDGES
CRITICAL: the VIP is on an interface while keepalived is dead, frozen (its VRRP process \
stopped or a zombie, or gone: it sends no adverts) or not MASTER (an orphaned address: two \
hosts answer ARP for it); MASTER without the VIP; the VIP holder's HAProxy does not answer. \
WARNING: a backup whose HAProxy does not answer, or whose keepalived is not running, \
frozen, in FAULT or STOP (shutting down, or stuck in shutdown): a failover target that \
cannot take over; and keepalived's main process stopped while its VRRP process runs (the \
adverts go out and one host holds the VIP, but nothing can reload keepalived or restart a \
process that dies). UNKNOWN: a stopped keepalived process when several run (VRRP beside \
checkers) and which one does VRRP cannot be told.

The VRRP state comes from vipcheck notify's state file, but is not taken on trust: \
keepalived runs notify scripts concurrently, so each record carries when keepalived forked \
it and a late writer never replaces a newer record; a record older than the running \
keepalived (or from an earlier boot, or with no keepalived running) is stale and ignored; \
the state is judged together with the address actually on the interfaces and the state \
of every keepalived process in /proc; and a verdict that is not OK is looked at again \
after --settle, so a transition in flight is not reported. A keepalived that hangs without \
stopping cannot be told from a running one here: vipcheck arp from another host sees the \
split brain that follows.

WHAT LINT CATCHES
Files are read as keepalived 2.2 reads them: as bytes, 1,023 bytes of a line at a time (the \
rest of a longer line is a line of its own to keepalived, and an error here), with $NAME \
parameters replaced; a keyword given twice counts with its last value (a warning). Multi-line \
parameters and conditional (@id) lines are not expanded (a warning). Per file: no \
vrrp_instance; no VIP, or VIPs only in virtual_ipaddress_excluded; no health tracking (a dead \
HAProxy never moves the VIP); VRID and priority out of range; advert_int outside 0.01-255 s, \
fractional under VRRPv2 or over 40.95 s under VRRPv3; VRID 51 (keepalived's sample, likely \
in use on the segment); an instance name twice, or one VRID twice on one interface by \
multicast, or by unicast with a peer in common (both refused by keepalived; unicast beside \
multicast is a warning); mixed address families; nopreempt with state MASTER; auth_pass \
over 8 characters; a track_script naming no vrrp_script; with --here, a VIP whose prefix \
does not match its interface's subnet on this host, a track script whose program is missing \
or not executable (keepalived disables it), and a notify program that is (vipcheck local \
then never learns the state). Across files, masters are grouped by VRID and address family \
(keepalived does not send instance names, and interface names are each host's own): VRRP \
versions (v3 and v2 masters drop each other's adverts and both take the VIP), \
authentication (its first 8 bytes, what keepalived sends), VIPs (as addresses: 2001:db8::1 \
and 2001:0db8::0001 are one, and no prefix means /32 or /128) and advert_int (1 and 1.0 \
are one) that disagree; one VIP in two groups (another VRID); unicast on some masters and \
multicast on others, and unicast peers that do not list every other master (a master \
without unicast_src_ip sends from its primary address: the one the others list); equal \
priorities, or a tracked script's weight that brings one master's priority to another's, \
and who then wins the tie. With --cluster, each instance holding the file's IPv4 VIP whose \
VRID or advert_int is not the file's vip.vrid and vip.advert_int (render would change it: \
run it over a site's running files before adopting the toolkit), and a file with no such \
instance (a warning). include is not followed: each is reported, and the included \
files can be given to lint with the others.

FILES
/run/vipcheck/state    the last VRRP transition, written by vipcheck notify
/run/keepalived.pid    keepalived's pid file, read by vipcheck local

EXAMPLES
keepalived.conf, as vipcheck render writes it:
  vrrp_script haproxy {
      script \"/usr/bin/vipcheck track --url http://127.0.0.1:8404/healthz\"
      interval 2
      fall 2
      rise 2
  }
  vrrp_instance VI_1 {
      ...
      track_script {
          haproxy
      }
      notify \"/usr/bin/vipcheck notify --state-file /run/vipcheck/state\"
  }

Render a master's config and lint all three together:
  vipcheck render --master deadlock --interface eth0 cluster.yaml > deadlock.conf
  vipcheck lint deadlock.conf autocrat.conf coup.conf

With an api section in the cluster file, render adds a second script, kube_api, \
that asks HAProxy's monitor whether it has an API server up: a master without one \
steps back (weight) below every master that has one; with none anywhere, each steps \
back, the highest last and back first, so the VIP stays.

The Kubernetes API through the VIP and on each master, with the cluster CA (CRITICAL: \
the VIP's API is down; WARNING: one master's):
  vipcheck probe --api --cluster cluster.yaml --ca /etc/kubernetes/pki/ca.crt

Who answers for the VIP, from a host on its network (as root):
  vipcheck arp --vip 192.0.2.100 --iface eth0 --mac deadlock=52:54:00:00:00:75

Does this master hold the VIP (a Puppet onlyif)?
  vipcheck holder --vip 192.0.2.100

A Nagios command:
  define command {
      command_name check_vip_local
      command_line /usr/bin/vipcheck local --vip $ARG1$
  }

SEE ALSO
keepalived(8), keepalived.conf(5), cluster.yaml(5), ingressgen(1)";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "vipcheck",
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = TOOL.after_long_help(MORE_HELP),
    version = clikit::VERSION
)]
pub struct Cli {
    /// Output format of the checks: the Nagios plugin text, json, or
    /// prometheus (node_exporter's textfile collector).
    #[arg(long, global = true, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// What to check or write.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the VIP comes from.
#[derive(Debug, Args)]
pub struct VipArg {
    /// The VIP's address (a prefix is ignored).
    #[arg(long, value_name = "ADDR", conflicts_with = "cluster", value_parser = parse_vip)]
    vip: Option<IpAddr>,
    /// Read the VIP from the cluster file's `vip.ipv4`.
    #[arg(long, value_name = "FILE")]
    cluster: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Does this host hold the VIP, and on which interface? OK (0) if it
    /// does, WARNING (1) if not.
    Holder(VipArg),
    /// This master's consistency: keepalived, its VRRP state, the VIP, HAProxy.
    Local {
        /// The VIP, given or from the cluster file.
        #[command(flatten)]
        vip: VipArg,
        /// HAProxy's monitor endpoint.
        #[arg(long, value_name = "URL", default_value = track::DEFAULT_URL, value_parser = track::parse_url)]
        url: track::Url,
        /// The state file vipcheck notify writes.
        #[arg(long, value_name = "FILE", default_value = notify::STATE_FILE)]
        state_file: PathBuf,
        /// keepalived's pid file.
        #[arg(long, value_name = "FILE", default_value = "/run/keepalived.pid")]
        keepalived_pid: String,
        /// Give up on HAProxy after this long (ms, or with s).
        #[arg(long, value_name = "TIME", default_value = "1s", value_parser = parse_duration)]
        timeout: Duration,
        /// Confirm a verdict that is not OK by a second look this much later
        /// (0: judge at once): the VIP moves a moment before keepalived's
        /// notify script records the new state, so a check that lands in
        /// between would cry wolf.
        #[arg(long, value_name = "TIME", default_value = "2s", value_parser = parse_settle)]
        settle: Duration,
    },
    /// keepalived's vrrp_script: exit 0 while HAProxy answers 200 on its
    /// monitor endpoint, 1 when not.
    #[command(
        long_about = "keepalived's vrrp_script: GET the monitor endpoint of the local HAProxy with a short \
connect and read timeout; exit 0 on 200, 1 otherwise. No runtime and no TLS, cheap enough to run every second."
    )]
    Track {
        /// HAProxy's monitor endpoint (ingressgen's config serves it).
        #[arg(long, value_name = "URL", default_value = track::DEFAULT_URL, value_parser = track::parse_url)]
        url: track::Url,
        /// Give up after this long, all of the check (ms, or with s).
        #[arg(long, value_name = "TIME", default_value = "500ms", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// Which workers the local HAProxy has marked DOWN: OK all up, WARNING
    /// some down, CRITICAL all down.
    #[command(
        long_about = "Which workers the local HAProxy has marked DOWN, from the list its monitor endpoint \
serves at /workers (ingressgen's config: each worker and whether HAProxy has it up). OK when all are \
up; WARNING when some are down (the others carry their load); CRITICAL when all are down (no request \
reaches the cluster through this master); UNKNOWN when HAProxy does not answer or its answer is not \
the list."
    )]
    Workers {
        /// The monitor's list [default: --url of track with the path /workers].
        #[arg(long, value_name = "URL", value_parser = track::parse_url)]
        url: Option<track::Url>,
        /// Give up after this long, all of the check (ms, or with s).
        #[arg(long, value_name = "TIME", default_value = "1s", value_parser = parse_duration)]
        timeout: Duration,
    },
    /// keepalived's notify script: records TYPE NAME STATE PRIORITY.
    Notify {
        /// Where to record the transition.
        #[arg(long, value_name = "FILE", default_value = notify::STATE_FILE)]
        state_file: PathBuf,
        /// INSTANCE or GROUP.
        #[arg(value_name = "TYPE")]
        kind: String,
        /// The instance or group name.
        #[arg(value_name = "NAME")]
        name: String,
        /// MASTER, BACKUP, FAULT or STOP.
        #[arg(value_name = "STATE")]
        state: String,
        /// The priority.
        #[arg(value_name = "PRIORITY")]
        priority: Option<String>,
    },
    /// What keepalived -t cannot catch, in one or all masters' files.
    Lint {
        /// Also compare each VIP's prefix with the subnet of its interface on
        /// this host (run on the master itself).
        #[arg(long)]
        here: bool,
        /// Also compare the VRID and advert_int of the instances holding the
        /// file's VIP with the file's vip.vrid and vip.advert_int: what
        /// render would change (run it on a site's files before adopting).
        #[arg(long, value_name = "FILE")]
        cluster: Option<String>,
        /// keepalived.conf files: one master's, or every master's.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<String>,
    },
    /// keepalived.conf for one master, from the cluster file.
    Render(RenderArgs),
    /// Every service host through the VIP, then through each master
    /// directly: HTTPS status, time, certificate days left, who answered.
    #[command(
        long_about = "Every service host through the VIP, then through each master directly, over HTTPS \
with the host's SNI and Host header: status, time, days left on the served certificate, and which master \
answered (the X-Served-By header of ingressgen's config). All requests run in parallel and the run ends \
by --timeout even when a master black-holes packets. The VIP failing, or a certificate within --critical \
days, is CRITICAL; a master failing directly (a broken failover target), answers from more than one \
master through the VIP, or a certificate within --warning days, is WARNING. With --api, the \
Kubernetes API instead: /readyz and /version through the VIP (api.port) and on each master's API \
server (api.apiserver_port), anything but 200 a failure; a certificate the CA does not sign is \
CRITICAL \"certificate not trusted\", not \"down\". Each worker is asked directly on the router the \
file's ingress.controller names (ingress-nginx's NodePort and health path, or the Gateway data \
plane's readiness NodePort and path): a copy of the file naming the other router checks that router \
on every worker before HAProxy is moved to it."
    )]
    Probe(ProbeArgs),
    /// A steady stream of HTTPS requests through the VIP, for a maintenance
    /// window: what clients live through, reported at the end or on Ctrl-C.
    #[command(
        long_about = "A steady stream of HTTPS requests through the VIP (--rate a second, a new connection \
each, cycling over the service hosts with their SNI and Host), or with --kubeconfig through the API \
as kubectl would, for --duration or until Ctrl-C: the lab's request stream, to run against the real \
VIP during a maintenance window. A request is OK only when its right answer came within 1 s of its \
send; a later one is late, none or a wrong one failed; a GET is sent again once only when its \
connection was reset before any answer. A status line on stderr while it runs; at the end the \
report: requests failed and late, the time without service (the longest run of bad requests, from \
the first one's send to the next prompt answer) and every such window, latency, and which master \
served when (X-Served-By). Requests go only to the address given (the VIP, or the kubeconfig's \
server); rate and duration are bounded."
    )]
    Watch(WatchArgs),
    /// From a host on the VIP's network: which MACs answer ARP for the VIP.
    /// None is CRITICAL (VIP down), more than one CRITICAL (split brain or
    /// an orphaned address).
    #[command(
        long_about = "From a host on the VIP's network (not a master): broadcast three ARP requests for \
the VIP over --window on a raw packet socket (root or CAP_NET_RAW) and list the MACs that answer \
each. One is OK; none is CRITICAL (the VIP is down); two answering request after request is \
CRITICAL (a split brain, or an address orphaned by a keepalived that died). A VIP handed over \
during the window (one master answers the early requests, the next the later ones) is OK, named \
as handed over; gratuitous ARPs are listed, not judged. --mac names the masters' MACs in the \
report."
    )]
    Arp {
        /// The VIP (IPv4).
        #[arg(long, value_name = "ADDR", value_parser = parse_vip4)]
        vip: Ipv4Addr,
        /// The interface on the VIP's network.
        #[arg(long, value_name = "IF")]
        iface: String,
        /// How long to listen for answers (ms, or with s).
        #[arg(long, value_name = "TIME", default_value = "1s", value_parser = parse_duration)]
        window: Duration,
        /// A master's MAC, to name it in the report (repeat per master).
        #[arg(long, value_name = "NAME=MAC", value_parser = parse_named_mac)]
        mac: Vec<(String, arp::Mac)>,
    },
}

/// `probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The cluster file: the VIP, the masters and the service hosts (its
    /// ingress section).
    #[arg(long, value_name = "FILE")]
    cluster: Option<String>,
    /// The VIP (instead of the cluster file's).
    #[arg(long, value_name = "ADDR", value_parser = parse_vip)]
    vip: Option<IpAddr>,
    /// A master to probe directly (repeat; instead of the cluster file's).
    #[arg(long, value_name = "NAME=ADDR", value_parser = parse_named_addr)]
    master: Vec<(String, IpAddr)>,
    /// A host to ask for (repeat; instead of the cluster file's services).
    #[arg(long, value_name = "NAME", value_parser = parse_host, conflicts_with = "api")]
    host: Vec<String>,
    /// The HTTPS port [default: 443; with --api, the cluster file's api.port
    /// on the VIP and api.apiserver_port on each master, or 6443].
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// Probe the Kubernetes API instead: /readyz and /version through the VIP
    /// and on each master's API server (give the cluster CA with --ca).
    #[arg(long)]
    api: bool,
    /// Do not ask the cluster file's workers directly (the router's health
    /// path on its NodePort, plain HTTP), as probe does by default
    /// to name a worker outage as such: for a probe host that cannot reach
    /// the workers.
    #[arg(long, conflicts_with = "api")]
    no_workers: bool,
    /// A worker to ask directly (repeat; instead of the cluster file's),
    /// on the router's NodePort and health path the cluster file gives.
    #[arg(long, value_name = "NAME=ADDR", value_parser = parse_named_addr, conflicts_with_all = ["api", "no_workers"], requires = "cluster")]
    worker: Vec<(String, IpAddr)>,
    /// A client certificate (PEM) to present, with --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<String>,
    /// The client certificate's key (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<String>,
    /// The bound on the requests (ms, or with s): every one not answered
    /// by then timed out. It starts once the HTTPS clients are set up (a
    /// fraction of a second), so a slow host is not blamed on the servers.
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = parse_duration)]
    timeout: Duration,
    /// Also trust this CA certificate (PEM; repeat).
    #[arg(long, value_name = "FILE")]
    ca: Vec<String>,
    /// Accept any certificate (days left are still reported).
    #[arg(long)]
    insecure: bool,
    /// WARNING when the certificate has fewer days left.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    warning: i64,
    /// CRITICAL when the certificate has fewer days left.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    critical: i64,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 64)]
    parallel: usize,
}

/// `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The cluster file: the VIP and the service hosts (its ingress section).
    #[arg(long, value_name = "FILE")]
    cluster: Option<String>,
    /// The VIP (instead of the cluster file's).
    #[arg(long, value_name = "ADDR", value_parser = parse_vip)]
    vip: Option<IpAddr>,
    /// A host to ask for (repeat; instead of the cluster file's services).
    #[arg(long, value_name = "NAME", value_parser = parse_host)]
    host: Vec<String>,
    /// The CA certificates the served certificate is verified with (PEM).
    #[arg(
        long,
        value_name = "FILE",
        default_value = "/etc/ssl/certs/ca-certificates.crt"
    )]
    ca: String,
    /// The Kubernetes API instead, as this kubeconfig names it (its server,
    /// CA and client certificate): a pod list, as kubectl get pods.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["cluster", "vip", "host"])]
    kubeconfig: Option<String>,
    /// Requests a second (1-200).
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(watch::MAX_RATE)))]
    rate: u32,
    /// How long: seconds, minutes or hours (90s, 10m, 2h; at most 24h);
    /// Ctrl-C ends it sooner, with the report.
    #[arg(long, value_name = "TIME", default_value = "10m", value_parser = watch::parse_span)]
    duration: Duration,
    /// Also write report.txt, report.json, watch.svg and requests.jsonl
    /// (every request) to this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The master to render for.
    #[arg(long, value_name = "NAME")]
    master: String,
    /// The interface on the VIP's subnet.
    #[arg(long, value_name = "IF", default_value = "eth0")]
    interface: String,
    /// The VRRP router id (default: the cluster file's vip.vrid, else the
    /// last byte of the IPv4 VIP).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=255))]
    vrid: Option<u8>,
    /// state BACKUP with nopreempt: a recovered master does not take the
    /// VIP back.
    #[arg(long)]
    backup: bool,
    /// Drain this master for maintenance: a priority 5 below the highest
    /// other master (its successor) and above the rest, so after a reload
    /// (SIGHUP) the successor alone takes the VIP, before this one gives it
    /// up: no moment when nobody holds it, none when two do. While the
    /// successor is down the VIP stays. Render without it to return.
    #[arg(long)]
    drain: bool,
    /// Unicast adverts to the other masters (for networks without multicast).
    #[arg(long)]
    unicast: bool,
    /// Seconds between VRRP adverts, instead of the cluster file's
    /// vip.advert_int (default 1): whole (1-255), or to the hundredth from
    /// 0.01 to 40.95, which is VRRPv3 (then written in global_defs: every
    /// master must run the same version). A master is taken for dead after 3
    /// adverts missed, so shorter adverts move the VIP sooner.
    #[arg(long, value_name = "S")]
    advert_int: Option<clusterfile::Advert>,
    /// A file holding the VRRP PASS secret (at most 8 characters).
    #[arg(long, value_name = "FILE")]
    auth_pass_file: Option<String>,
    /// The vipcheck binary keepalived runs.
    #[arg(long, value_name = "PATH", default_value = "/usr/bin/vipcheck")]
    vipcheck: String,
    /// The monitor URL the track script asks.
    #[arg(long, value_name = "URL", default_value = track::DEFAULT_URL, value_parser = checked_url)]
    url: String,
    /// Seconds between track runs (1-4294, keepalived's range).
    #[arg(long, value_name = "S", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(render::MAX_INTERVAL)))]
    interval: u32,
    /// The state file of the notify script.
    #[arg(long, value_name = "FILE", default_value = notify::STATE_FILE)]
    state_file: String,
    /// The cluster file; - for stdin.
    #[arg(value_name = "CLUSTER")]
    cluster: String,
}

/// The clap command, for the man page and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The whole program: parse `args`, run, print, and return the exit status.
pub fn main_entry(args: impl IntoIterator<Item = impl Into<OsString>>) -> ExitCode {
    clikit::main_entry(&TOOL, args, run)
}

/// `N` or `Nms` milliseconds, or `Ns` seconds (under an hour, not zero).
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let bad = || {
        format!(
            "{s:?}: give a time from 1 ms to 1 hour, in milliseconds (500ms, 500) or seconds (2s, 0.5s)"
        )
    };
    let (number, per_second) = match s.strip_suffix("ms") {
        Some(ms) => (ms, 1000.0),
        None => match s.strip_suffix('s') {
            Some(sec) => (sec, 1.0),
            None => (s, 1000.0),
        },
    };
    // Digits and at most one point: no signs, exponents, inf or NaN.
    if number.is_empty()
        || !number.chars().all(|c| c.is_ascii_digit() || c == '.')
        || number.matches('.').count() > 1
    {
        return Err(bad());
    }
    let seconds = number.parse::<f64>().map_err(|_| bad())? / per_second;
    if !(0.001..=3600.0).contains(&seconds) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `--settle`: a time as [`parse_duration`] reads it, or 0.
fn parse_settle(s: &str) -> std::result::Result<Duration, String> {
    if s.trim_end_matches("ms").trim_end_matches('s') == "0" {
        return Ok(Duration::ZERO);
    }
    parse_duration(s)
}

/// `--vip ADDR` (a `/PREFIX` is ignored).
fn parse_vip(v: &str) -> std::result::Result<IpAddr, String> {
    let addr = v.split('/').next().unwrap_or("");
    addr.parse()
        .map_err(|_| format!("{v:?} is not an IP address"))
}

/// `--vip ADDR` for ARP: IPv4.
fn parse_vip4(v: &str) -> std::result::Result<Ipv4Addr, String> {
    match parse_vip(v)? {
        IpAddr::V4(a) => Ok(a),
        IpAddr::V6(_) => Err(format!("{v:?} is not IPv4 (ARP is IPv4's)")),
    }
}

/// `NAME=MAC`.
fn parse_named_mac(s: &str) -> std::result::Result<(String, arp::Mac), String> {
    s.split_once('=')
        .and_then(|(n, m)| Some((n.to_owned(), arp::parse_mac(m)?)))
        .ok_or_else(|| format!("{s:?}: give NAME=aa:bb:cc:dd:ee:ff"))
}

/// `NAME=ADDRESS`.
fn parse_named_addr(s: &str) -> std::result::Result<(String, IpAddr), String> {
    s.split_once('=')
        .and_then(|(n, a)| Some((n.to_owned(), a.parse().ok()?)))
        .ok_or_else(|| format!("{s:?}: give NAME=ADDRESS"))
}

/// A host name to ask for, in the cluster file's grammar.
fn parse_host(s: &str) -> std::result::Result<String, String> {
    clusterfile::names::dns_name(s).map(|()| s.to_owned())
}

/// A monitor URL that `vipcheck track` can use, kept as written.
fn checked_url(s: &str) -> std::result::Result<String, String> {
    track::parse_url(s).map(|_| s.to_owned())
}

fn load_cluster(path: &str) -> Result<ClusterFile> {
    Ok(clusterfile::load(path)?)
}

/// The VIP of `holder` and `local`: given, or the cluster file's.
fn vip_of(a: &VipArg) -> Result<IpAddr> {
    match (&a.vip, &a.cluster) {
        (Some(v), _) => Ok(*v),
        (None, Some(c)) => {
            let file = load_cluster(c)?;
            let vip = file.vip("give --vip, or a cluster file with a vip section")?;
            Ok(IpAddr::V4(vip.ipv4.addr))
        }
        (None, None) => Err(Error::Usage("give --vip ADDR or --cluster FILE".into())),
    }
}

/// A keepalived.conf as text with its byte offsets kept (keepalived cuts
/// lines at 1,023 bytes): UTF-8 as it is; otherwise every byte outside
/// ASCII (a Latin-1 comment) becomes one `?`.
fn byte_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| {
        let bytes = e.into_bytes();
        bytes
            .iter()
            .map(|&b| if b.is_ascii() { char::from(b) } else { '?' })
            .collect()
    })
}

fn addresses() -> Result<Vec<lint::HostAddr>> {
    host::addresses().map_err(|e| Error::Io(format!("cannot list this host's addresses: {e}")))
}

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> Result<Outcome> {
    let report = |r: Report| Outcome::new(r.render(cli.format), r.state().exit_code());
    match &cli.command {
        Command::Holder(v) => {
            let vip = vip_of(v)?;
            Ok(report(host::assess_holder(
                vip,
                &host::holding(&addresses()?, vip),
            )))
        }
        Command::Local {
            vip,
            url,
            state_file,
            keepalived_pid,
            timeout,
            settle,
        } => {
            let vip = vip_of(vip)?;
            let look = || -> Result<Report> {
                let facts = local::Facts {
                    vip,
                    holding: host::holding(&addresses()?, vip),
                    keepalived: process::daemon(keepalived_pid, "keepalived")
                        .map_err(Error::read(keepalived_pid))?,
                    vrrp: notify::read(state_file).map_err(Error::Input)?,
                    boot: process::boot_id(),
                    haproxy: track::get(url, *timeout),
                };
                Ok(local::assess(&facts))
            };
            let first = look()?;
            if first.state() == clikit::State::Ok || settle.is_zero() {
                return Ok(report(first));
            }
            std::thread::sleep(*settle);
            let mut second = look()?;
            second.details.push(format!(
                "confirmed by a second look {} ms later",
                settle.as_millis()
            ));
            Ok(report(second))
        }
        Command::Track { url, timeout } => {
            Ok(report(track::assess(url, track::get(url, *timeout))))
        }
        Command::Workers { url, timeout } => {
            let url = url.clone().unwrap_or_else(workers::default_url);
            Ok(report(workers::assess(&url, track::fetch(&url, *timeout))))
        }
        Command::Notify {
            state_file,
            kind,
            name,
            state,
            priority,
        } => {
            let t =
                notify::transition(kind, name, state, priority.as_deref()).map_err(Error::Usage)?;
            if notify::record(state_file, &t)? {
                return Ok(Outcome::ok(String::new()));
            }
            // keepalived ran the notify scripts concurrently and a later
            // transition got there first: it stays.
            Ok(Outcome::ok(String::new()).with_warnings(vec![format!(
                "{} {} not recorded: {} already holds a later transition",
                t.instance,
                t.state,
                state_file.display()
            )]))
        }
        Command::Lint {
            here,
            cluster,
            files,
        } => {
            let inputs = clikit::inputs_or_stdin(files).map_err(Error::Usage)?;
            let mut texts = Vec::new();
            for p in &inputs {
                // keepalived reads bytes: a Latin-1 comment is no error.
                let bytes = clikit::read_input(p).map_err(Error::read(p))?;
                texts.push((clikit::display_name(p), byte_text(bytes)));
            }
            let file = cluster.as_deref().map(load_cluster).transpose()?;
            let vip = match &file {
                Some(f) => Some(f.vip("vipcheck lint --cluster")?),
                None => None,
            };
            let findings = if *here {
                lint::lint_against(&texts, &addresses()?, Some(&host::runnable), vip)
            } else {
                lint::lint_against(&texts, &[], None, vip)
            };
            Ok(report(lint::assess(texts.len(), &findings)))
        }
        Command::Arp {
            vip,
            iface,
            window,
            mac,
        } => {
            let names = mac.iter().map(|(n, m)| (*m, n.clone())).collect();
            let seen = arp::probe(iface, *vip, *window).map_err(Error::Io)?;
            Ok(report(arp::assess(*vip, iface, &seen, &names)))
        }
        Command::Probe(a) => {
            let started = std::time::Instant::now();
            let (targets, hosts) = probe_plan(a)?;
            let mut ca = Vec::new();
            for f in &a.ca {
                let pem = clikit::read_input(f).map_err(Error::read(f))?;
                probe::check_ca(f, &pem).map_err(Error::Input)?;
                ca.push(pem);
            }
            let identity = match (&a.cert, &a.key) {
                (Some(c), Some(k)) => {
                    let mut pem = clikit::read_input(c).map_err(Error::read(c))?;
                    pem.push(b'\n');
                    pem.extend(clikit::read_input(k).map_err(Error::read(k))?);
                    Some(pem)
                }
                _ => None,
            };
            let kind = if a.api {
                probe::Kind::Api
            } else {
                probe::Kind::Services { path: "/".into() }
            };
            let o = probe::Options {
                kind: kind.clone(),
                identity,
                timeout: a.timeout,
                ca,
                insecure: a.insecure,
                parallel: a.parallel,
            };
            let checks = probe::run(&targets, &hosts, &o).map_err(Error::Usage)?;
            let elapsed = started.elapsed();
            Ok(report(probe::assess(
                &kind,
                &targets,
                &checks,
                elapsed,
                (a.warning, a.critical),
            )))
        }
        Command::Render(a) => render(a).map(Outcome::ok),
        Command::Watch(a) => watch_run(a, cli.format),
    }
}

/// What `probe` asks and where: the VIP and the masters (given, or the
/// cluster file's), and the hosts (given, or the cluster file's services).
fn probe_plan(a: &ProbeArgs) -> Result<(Vec<probe::Target>, Vec<String>)> {
    let file = a.cluster.as_deref().map(load_cluster).transpose()?;
    let vip = vip_given_or_filed(a.vip, file.as_ref(), "give --cluster FILE, or --vip ADDR")?;
    let masters: Vec<(String, IpAddr)> = match (&a.master[..], &file) {
        ([], Some(c)) => c
            .masters
            .iter()
            .map(|m| (m.name.clone(), IpAddr::V4(m.ipv4)))
            .collect(),
        (given, _) => given.to_vec(),
    };
    if a.api {
        let (vip_port, master_port) =
            match (a.port, file.as_ref().and_then(|c| c.api_section.as_ref())) {
                (Some(p), _) => (p, p),
                (None, Some(api)) => (api.port, api.apiserver_port),
                (None, None) => (
                    clusterfile::api::DEFAULT_PORT,
                    clusterfile::api::DEFAULT_PORT,
                ),
            };
        let paths = probe::API_PATHS.iter().map(|p| (*p).to_owned()).collect();
        return Ok((
            probe::targets((vip, vip_port), &masters, master_port),
            paths,
        ));
    }
    let hosts = service_hosts(&a.host, file.as_ref())?;
    let port = a.port.unwrap_or(443);
    let mut targets = probe::targets((vip, port), &masters, port);
    if let Some(c) = file.as_ref().filter(|_| !a.no_workers) {
        targets.extend(worker_targets(c, &a.worker)?);
    }
    Ok((targets, hosts))
}

/// The workers (given, or the cluster file's), each asked for the
/// ingress's health path on the NodePort.
fn worker_targets(c: &ClusterFile, given: &[(String, IpAddr)]) -> Result<Vec<probe::Target>> {
    let workers: Vec<(String, IpAddr)> = match given {
        [] => c
            .workers
            .iter()
            .map(|w| (w.name.clone(), IpAddr::V4(w.ipv4)))
            .collect(),
        given => given.to_vec(),
    };
    if workers.is_empty() {
        return Ok(Vec::new());
    }
    let ing = c.ingress("probe asks each worker on the ingress's NodePort; give --no-workers")?;
    // What HAProxy's health check asks: the chosen router's.
    let b = ing.backend();
    Ok(probe::worker_targets(&workers, b.check_port, b.check_path))
}

/// The VIP: given, or the cluster file's; `usage` when neither is.
fn vip_given_or_filed(
    given: Option<IpAddr>,
    file: Option<&ClusterFile>,
    usage: &str,
) -> Result<IpAddr> {
    match (given, file) {
        (Some(v), _) => Ok(v),
        (None, Some(c)) => Ok(IpAddr::V4(
            c.vip("give --vip, or a cluster file with a vip section")?
                .ipv4
                .addr,
        )),
        (None, None) => Err(Error::Usage(usage.into())),
    }
}

/// The hosts to ask for: given, or the cluster file's services, sorted.
fn service_hosts(given: &[String], file: Option<&ClusterFile>) -> Result<Vec<String>> {
    match (given, file) {
        ([], Some(c)) => {
            let ing = c.ingress("give --host, or a cluster file with the services to ask for")?;
            let mut hosts: Vec<String> = ing.services.iter().map(|s| ing.host(&s.name)).collect();
            hosts.sort();
            Ok(hosts)
        }
        ([], None) => Err(Error::Usage(
            "give --host NAME, or --cluster FILE with an ingress section".into(),
        )),
        (given, _) => Ok(given.to_vec()),
    }
}

/// `watch`: the stream, its report printed (and written under `--out`);
/// 0 when every request was answered in time, 1 when not.
fn watch_run(a: &WatchArgs, format: CheckFormat) -> Result<Outcome> {
    let (target, config) = watch_target(a)?;
    let total = (u128::from(a.rate) * a.duration.as_millis() / 1000) as u64;
    if total > watch::MAX_REQUESTS {
        return Err(Error::Usage(format!(
            "--rate {} for --duration {} s is {total} requests, more than {}: give a lower rate or a shorter duration",
            a.rate,
            a.duration.as_secs(),
            watch::MAX_REQUESTS
        )));
    }
    let addr = match &target {
        stream::Target::Services { vip, .. } => std::net::SocketAddr::new(*vip, 443).to_string(),
        stream::Target::Api { server } => server.to_string(),
    };
    let (results, interrupted) =
        watch::watch(&target, config, a.rate, total.max(1)).map_err(Error::Io)?;
    let rep = watch::report(addr, a.rate, &results, interrupted);
    if let Some(dir) = &a.out {
        watch::write(dir, &rep, &results).map_err(Error::Io)?;
    }
    let out = match format {
        CheckFormat::Json => {
            serde_json::to_string_pretty(&rep).map_err(|e| Error::Io(e.to_string()))? + "\n"
        }
        _ => watch::text(&rep),
    };
    Ok(Outcome::new(out, u8::from(rep.figures.bad() > 0)))
}

/// Where `watch` sends and how it verifies.
fn watch_target(a: &WatchArgs) -> Result<(stream::Target, rustls::ClientConfig)> {
    if let Some(k) = &a.kubeconfig {
        let (server, config) = stream::api_config(k).map_err(Error::Input)?;
        return Ok((stream::Target::Api { server }, config));
    }
    let file = a.cluster.as_deref().map(load_cluster).transpose()?;
    let vip = vip_given_or_filed(
        a.vip,
        file.as_ref(),
        "give --cluster FILE, or --vip ADDR and --host NAME, or --kubeconfig FILE",
    )?;
    let hosts = service_hosts(&a.host, file.as_ref())?;
    let config = stream::services_config(&a.ca).map_err(Error::Input)?;
    Ok((stream::Target::Services { vip, hosts }, config))
}

/// `render`: the options from the flags, and the master's keepalived.conf.
fn render(a: &RenderArgs) -> Result<String> {
    let c = load_cluster(&a.cluster)?;
    let auth_pass = match &a.auth_pass_file {
        None => None,
        Some(p) => Some(
            clikit::read_text(p)
                .map_err(Error::read(p))?
                .trim()
                .to_owned(),
        ),
    };
    let o = render::Options {
        master: a.master.clone(),
        interface: a.interface.clone(),
        vrid: a.vrid,
        backup: a.backup,
        drain: a.drain,
        unicast: a.unicast,
        auth_pass,
        vipcheck: a.vipcheck.clone(),
        track_url: a.url.clone(),
        interval: a.interval,
        state_file: a.state_file.clone(),
        api: c.api_section.is_some(),
        advert: a.advert_int,
    };
    let vip = c.vip("vipcheck render writes the VIP into keepalived.conf")?;
    render::render(&c.masters, vip, &o).map_err(Error::Usage)
}
