//! The command line: the one clap definition behind `--help`, the man page
//! and the tests, and the code that runs each subcommand.

use crate::error::{Error, Result};
use crate::report::{Format, Perf, Report};
use crate::{arp, host, lint, local, notify, probe, render, track};
use clap::{Args, CommandFactory, Parser, Subcommand};
use clikit::{Outcome, Scheme, State};
use clusterfile::ClusterFile;
use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const ABOUT: &str =
    "Who holds the VIP, orphaned addresses, health tracking, keepalived lint and config";

const LONG_ABOUT: &str = "\
vipcheck keeps the masters' keepalived honest. The checks are Nagios plugins: one line \
with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (usage errors and timeouts \
included), and --format json or prometheus for scripts and node_exporter's textfile \
collector.

holder and local look at this master; track is the vrrp_script keepalived runs; notify is \
its notify script; lint reads keepalived.conf files (one master's or all of them) for what \
keepalived -t cannot catch; render writes a master's keepalived.conf from the cluster file.";

/// Exit status, examples and files: shown by `--help` and rendered into the
/// man page (upper-case lines become section headings).
pub const AFTER_LONG_HELP: &str = "\
EXIT STATUS
Checks (holder, local, track, lint, arp, probe), as Nagios plugins:
  0  OK (holder: this host holds the VIP; track: HAProxy is healthy)
  1  WARNING (holder: it does not; track: it is not)
  2  CRITICAL
  3  UNKNOWN: usage error, unreadable input, or the system could not be read

render and notify (generators):
  0  written
  1  failure (an invalid cluster file, a failed write)
  2  usage error

WHAT LOCAL JUDGES
CRITICAL: the VIP is on an interface while keepalived is dead or not MASTER (an orphaned \
address: two hosts answer ARP for it); MASTER without the VIP; the VIP holder's HAProxy \
does not answer. WARNING: a backup whose HAProxy does not answer, or whose keepalived is \
not running or in FAULT (a failover target that cannot take over).

WHAT LINT CATCHES
Per file: no vrrp_instance; no VIP; no health tracking (a dead HAProxy never moves the \
VIP); VRID, priority and advert_int out of range; VRID 51 (keepalived's sample, likely in \
use on the segment); mixed address families; nopreempt with state MASTER; auth_pass over \
8 characters; a track_script naming no vrrp_script; a VIP whose prefix does not match its \
interface's subnet on this host (with --here). Across files: VRID, authentication, VIPs and advert_int \
that disagree; unicast peers that do not list every other master; equal priorities, and \
who then wins the tie.

FILES
/run/vipcheck/state    the last VRRP transition, written by vipcheck notify
/run/keepalived.pid    keepalived's pid file, read by vipcheck local

EXAMPLES
keepalived.conf, as vipcheck render writes it:
  vrrp_script haproxy {
      script \"/usr/local/bin/vipcheck track --url http://127.0.0.1:8404/healthz\"
      interval 2
      fall 2
      rise 2
  }
  vrrp_instance VI_1 {
      ...
      track_script {
          haproxy
      }
      notify \"/usr/local/bin/vipcheck notify --state-file /run/vipcheck/state\"
  }

Render a master's config and lint all three together:
  vipcheck render --master deadlock --interface eth0 cluster.yaml > deadlock.conf
  vipcheck lint deadlock.conf autocrat.conf coup.conf

Who answers for the VIP, from a host on its network (as root):
  vipcheck arp --vip 192.0.2.100 --iface eth0 --mac deadlock=52:54:00:00:00:75

Does this master hold the VIP (a Puppet onlyif)?
  vipcheck holder --vip 192.0.2.100

A Nagios command:
  define command {
      command_name check_vip_local
      command_line /usr/local/bin/vipcheck local --vip $ARG1$
  }

SEE ALSO
keepalived(8), keepalived.conf(5), cluster.yaml(5), ingressgen(1)";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "vipcheck",
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = AFTER_LONG_HELP,
    disable_version_flag = true
)]
pub struct Cli {
    /// Output format of the checks.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// What to check or write.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the VIP comes from.
#[derive(Debug, Args)]
pub struct VipArg {
    /// The VIP's address (a prefix is ignored).
    #[arg(long, value_name = "ADDR", conflicts_with = "cluster")]
    vip: Option<String>,
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
        #[arg(long, value_name = "URL", default_value = track::DEFAULT_URL)]
        url: String,
        /// The state file vipcheck notify writes.
        #[arg(long, value_name = "FILE", default_value = notify::STATE_FILE)]
        state_file: PathBuf,
        /// keepalived's pid file.
        #[arg(long, value_name = "FILE", default_value = "/run/keepalived.pid")]
        keepalived_pid: String,
        /// Give up on HAProxy after this long (ms, or with s).
        #[arg(long, value_name = "TIME", default_value = "1s")]
        timeout: String,
    },
    /// keepalived's vrrp_script: exit 0 while HAProxy answers 200 on its
    /// monitor endpoint, 1 when not.
    #[command(
        long_about = "keepalived's vrrp_script: GET the monitor endpoint of the local HAProxy with a short \
connect and read timeout; exit 0 on 200, 1 otherwise. No runtime and no TLS, cheap enough to run every second."
    )]
    Track {
        /// HAProxy's monitor endpoint (ingressgen's config serves it).
        #[arg(long, value_name = "URL", default_value = track::DEFAULT_URL)]
        url: String,
        /// Give up after this long (ms, or with s).
        #[arg(long, value_name = "TIME", default_value = "500ms")]
        timeout: String,
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
master through the VIP, or a certificate within --warning days, is WARNING."
    )]
    Probe(ProbeArgs),
    /// From a host on the VIP's network: which MACs answer ARP for the VIP.
    /// None is CRITICAL (VIP down), more than one CRITICAL (split brain or
    /// an orphaned address).
    #[command(
        long_about = "From a host on the VIP's network (not a master): broadcast ARP requests for the VIP \
over a short window on a raw packet socket (root or CAP_NET_RAW) and list every MAC that claims it. \
One is OK; none is CRITICAL (the VIP is down); more than one is CRITICAL (a split brain, or an \
address orphaned by a keepalived that died). --mac names the masters' MACs in the report."
    )]
    Arp {
        /// The VIP (IPv4).
        #[arg(long, value_name = "ADDR")]
        vip: String,
        /// The interface on the VIP's network.
        #[arg(long, value_name = "IF")]
        iface: String,
        /// How long to listen for answers (ms, or with s).
        #[arg(long, value_name = "TIME", default_value = "1s")]
        window: String,
        /// A master's MAC, to name it in the report (repeat per master).
        #[arg(long, value_name = "NAME=MAC")]
        mac: Vec<String>,
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
    #[arg(long, value_name = "ADDR")]
    vip: Option<String>,
    /// A master to probe directly (repeat; instead of the cluster file's).
    #[arg(long, value_name = "NAME=ADDR")]
    master: Vec<String>,
    /// A host to ask for (repeat; instead of the cluster file's services).
    #[arg(long, value_name = "NAME")]
    host: Vec<String>,
    /// The HTTPS port.
    #[arg(long, value_name = "PORT", default_value_t = 443)]
    port: u16,
    /// The bound on the whole run (ms, or with s).
    #[arg(long, value_name = "TIME", default_value = "5s")]
    timeout: String,
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

/// `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The master to render for.
    #[arg(long, value_name = "NAME")]
    master: String,
    /// The interface on the VIP's subnet.
    #[arg(long, value_name = "IF", default_value = "eth0")]
    interface: String,
    /// The VRRP router id (default: the last byte of the IPv4 VIP).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=255))]
    vrid: Option<u8>,
    /// state BACKUP with nopreempt: a recovered master does not take the
    /// VIP back.
    #[arg(long)]
    backup: bool,
    /// Unicast adverts to the other masters (for networks without multicast).
    #[arg(long)]
    unicast: bool,
    /// A file holding the VRRP PASS secret (at most 8 characters).
    #[arg(long, value_name = "FILE")]
    auth_pass_file: Option<String>,
    /// The vipcheck binary keepalived runs.
    #[arg(long, value_name = "PATH", default_value = "/usr/local/bin/vipcheck")]
    vipcheck: String,
    /// The monitor URL the track script asks.
    #[arg(long, value_name = "URL", default_value = track::DEFAULT_URL)]
    url: String,
    /// Seconds between track runs.
    #[arg(long, value_name = "S", default_value_t = 2)]
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

fn scheme_for(sub: Option<&str>) -> Scheme {
    match sub {
        Some("render" | "notify") => Scheme::Report,
        _ => Scheme::Monitoring,
    }
}

/// The whole program: parse `args`, run, print, and return the exit status.
pub fn main_entry<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = args.into_iter().map(Into::into).collect();
    clikit::main_entry(
        "vipcheck",
        args,
        |a| scheme_for(clikit::subcommand_of(a, &["--format"])),
        |c: &Cli| {
            scheme_for(Some(match c.command {
                Command::Render(_) => "render",
                Command::Notify { .. } => "notify",
                _ => "check",
            }))
        },
        run,
        |e: &Error, scheme| match e {
            Error::Usage(_) => scheme.usage_code(),
            _ => scheme.error_code(),
        },
    )
}

/// `N` or `Nms` milliseconds, or `Ns` seconds.
pub fn parse_timeout(s: &str) -> Result<Duration> {
    let bad = || {
        Error::Usage(format!(
            "--timeout {s:?}: give milliseconds (500ms) or seconds (2s)"
        ))
    };
    let d = if let Some(ms) = s.strip_suffix("ms") {
        Duration::from_millis(ms.parse().map_err(|_| bad())?)
    } else if let Some(sec) = s.strip_suffix('s') {
        Duration::from_secs_f64(
            sec.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0 && *x < 3600.0)
                .ok_or_else(bad)?,
        )
    } else {
        Duration::from_millis(s.parse().map_err(|_| bad())?)
    };
    if d.is_zero() {
        return Err(bad());
    }
    Ok(d)
}

fn read_text(path: &str) -> Result<String> {
    let name = clikit::display_name(path);
    let bytes =
        clikit::read_input(path).map_err(|e| Error::Input(format!("cannot read {name}: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Error::Input(format!("{name} is not UTF-8 text")))
}

fn load_cluster(path: &str) -> Result<ClusterFile> {
    clusterfile::load(path).map_err(|e| Error::Input(e.to_string()))
}

/// The file's VIP, or an error naming the file and what it is needed for.
fn vip_in<'a>(c: &'a ClusterFile, path: &str, why: &'static str) -> Result<&'a clusterfile::Vip> {
    c.vip(why)
        .map_err(|e| Error::Input(format!("{}: {e}", clikit::display_name(path))))
}

fn vip_of(a: &VipArg) -> Result<IpAddr> {
    match (&a.vip, &a.cluster) {
        (Some(v), _) => parse_vip_flag(v),
        (None, Some(c)) => {
            let file = load_cluster(c)?;
            Ok(IpAddr::V4(
                vip_in(&file, c, "give --vip, or a cluster file with a vip section")?
                    .ipv4
                    .addr,
            ))
        }
        (None, None) => Err(Error::Usage("give --vip ADDR or --cluster FILE".into())),
    }
}

/// `--vip ADDR` (a `/PREFIX` is ignored).
fn parse_vip_flag(v: &str) -> Result<IpAddr> {
    v.split('/')
        .next()
        .unwrap_or("")
        .parse()
        .map_err(|_| Error::Usage(format!("--vip {v:?} is not an IP address")))
}

fn addresses() -> Result<Vec<lint::HostAddr>> {
    host::addresses().map_err(|e| Error::Io(format!("cannot list this host's addresses: {e}")))
}

fn report(r: &Report, f: Format) -> Outcome {
    Outcome {
        stdout: r.render(f),
        code: r.state.exit_code(),
    }
}

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> Result<Outcome> {
    let f = cli.format;
    match &cli.command {
        Command::Holder(v) => {
            let vip = vip_of(v)?;
            let on = host::holding(&addresses()?, vip);
            let r = Report {
                check: "holder",
                state: if on.is_empty() {
                    State::Warning
                } else {
                    State::Ok
                },
                summary: if on.is_empty() {
                    format!("{vip} is not on this host")
                } else {
                    format!("{vip} is on {}", on.join(","))
                },
                perfdata: vec![Perf::count(
                    "holds_vip",
                    f64::from(u8::from(!on.is_empty())),
                )],
                details: Vec::new(),
            };
            Ok(report(&r, f))
        }
        Command::Local {
            vip,
            url,
            state_file,
            keepalived_pid,
            timeout,
        } => {
            let timeout = parse_timeout(timeout)?;
            let url = track::parse_url(url).map_err(|e| Error::Usage(format!("--url {e}")))?;
            let vip = vip_of(vip)?;
            let facts = local::Facts {
                vip,
                holding: host::holding(&addresses()?, vip),
                keepalived: host::running(keepalived_pid, "keepalived")
                    .map_err(|e| Error::Io(format!("cannot read {keepalived_pid}: {e}")))?,
                vrrp: notify::read(state_file).map_err(Error::Input)?,
                haproxy: track::get(&url, timeout),
            };
            Ok(report(&local::assess(&facts), f))
        }
        Command::Track { url, timeout } => {
            let timeout = parse_timeout(timeout)?;
            let u = track::parse_url(url).map_err(|e| Error::Usage(format!("--url {e}")))?;
            let (state, summary, perf) = match track::get(&u, timeout) {
                Ok((200, t)) => (
                    State::Ok,
                    format!("{url} answers 200 in {} ms", t.as_millis()),
                    vec![Perf {
                        label: "time".into(),
                        value: t.as_secs_f64(),
                        uom: "s",
                    }],
                ),
                Ok((s, t)) => (
                    State::Warning,
                    format!("{url} answers {s}"),
                    vec![Perf {
                        label: "time".into(),
                        value: t.as_secs_f64(),
                        uom: "s",
                    }],
                ),
                Err(e) => (State::Warning, e, Vec::new()),
            };
            // keepalived counts any non-zero exit as a failure: 0 or 1.
            let r = Report {
                check: "track",
                state,
                summary,
                perfdata: perf,
                details: Vec::new(),
            };
            Ok(report(&r, f))
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
            notify::record(state_file, &t).map_err(Error::Io)?;
            Ok(Outcome::ok(String::new()))
        }
        Command::Lint { here, files } => {
            let inputs = clikit::inputs_or_stdin(files).map_err(Error::Usage)?;
            let mut texts = Vec::new();
            for p in &inputs {
                texts.push((clikit::display_name(p), read_text(p)?));
            }
            let host = if *here { addresses()? } else { Vec::new() };
            let findings = lint::lint(&texts, &host);
            let errors = findings
                .iter()
                .filter(|x| x.severity == lint::Severity::Error)
                .count();
            let warnings = findings.len() - errors;
            let state = if errors > 0 {
                State::Critical
            } else if warnings > 0 {
                State::Warning
            } else {
                State::Ok
            };
            let r = Report {
                check: "lint",
                state,
                summary: format!(
                    "{errors} errors, {warnings} warnings in {} files",
                    texts.len()
                ),
                perfdata: vec![
                    Perf::count("errors", errors as f64),
                    Perf::count("warnings", warnings as f64),
                ],
                details: findings
                    .iter()
                    .map(|x| {
                        let sev = match x.severity {
                            lint::Severity::Error => "error",
                            lint::Severity::Warning => "warning",
                        };
                        format!(
                            "{}:{}: {sev}: {}; fix: {}",
                            x.file, x.line, x.message, x.fix
                        )
                    })
                    .collect(),
            };
            Ok(report(&r, f))
        }
        Command::Arp {
            vip,
            iface,
            window,
            mac,
        } => {
            let window = parse_timeout(window)?;
            let vip: std::net::Ipv4Addr = vip
                .split('/')
                .next()
                .unwrap_or("")
                .parse()
                .map_err(|_| Error::Usage(format!("--vip {vip:?} is not an IPv4 address")))?;
            let mut names = std::collections::BTreeMap::new();
            for m in mac {
                let parsed = m
                    .split_once('=')
                    .and_then(|(n, a)| Some((n.to_owned(), arp::parse_mac(a)?)));
                let (n, a) = parsed.ok_or_else(|| {
                    Error::Usage(format!("--mac {m:?}: give NAME=aa:bb:cc:dd:ee:ff"))
                })?;
                names.insert(a, n);
            }
            let seen = arp::probe(iface, vip, window).map_err(Error::Io)?;
            let who = |m: &arp::Mac| match names.get(m) {
                Some(n) => format!("{} ({n})", arp::show_mac(m)),
                None => arp::show_mac(m),
            };
            let list: Vec<String> = seen.keys().map(who).collect();
            let (state, summary) = match seen.len() {
                0 => (
                    State::Critical,
                    format!("nobody answers ARP for {vip} on {iface}: the VIP is down"),
                ),
                1 => (State::Ok, format!("{vip} is answered by {}", list[0])),
                n => (
                    State::Critical,
                    format!(
                        "{n} hosts answer ARP for {vip}: {}: a split brain or an orphaned address",
                        list.join(", ")
                    ),
                ),
            };
            let r = Report {
                check: "arp",
                state,
                summary,
                perfdata: vec![Perf::count("macs", seen.len() as f64)],
                details: seen
                    .iter()
                    .map(|(m, n)| format!("{}: {n} packets", who(m)))
                    .collect(),
            };
            Ok(report(&r, f))
        }
        Command::Probe(a) => {
            let started = std::time::Instant::now();
            let timeout = parse_timeout(&a.timeout)?;
            let cl = match &a.cluster {
                Some(c) => Some(load_cluster(c)?),
                None => None,
            };
            let vip: IpAddr = match (&a.vip, &cl, &a.cluster) {
                (Some(v), _, _) => parse_vip_flag(v)?,
                (None, Some(c), Some(path)) => IpAddr::V4(
                    vip_in(c, path, "give --vip, or a cluster file with a vip section")?
                        .ipv4
                        .addr,
                ),
                _ => {
                    return Err(Error::Usage("give --cluster FILE, or --vip ADDR".into()));
                }
            };
            let mut targets = vec![probe::Target {
                label: "VIP".into(),
                addr: vip,
                is_vip: true,
            }];
            if a.master.is_empty() {
                if let Some(c) = &cl {
                    targets.extend(c.masters.iter().map(|m| probe::Target {
                        label: m.name.clone(),
                        addr: IpAddr::V4(m.ipv4),
                        is_vip: false,
                    }));
                }
            } else {
                for m in &a.master {
                    let (name, addr) = m
                        .split_once('=')
                        .and_then(|(n, a)| Some((n, a.parse::<IpAddr>().ok()?)))
                        .ok_or_else(|| {
                            Error::Usage(format!("--master {m:?}: give NAME=ADDRESS"))
                        })?;
                    targets.push(probe::Target {
                        label: name.to_owned(),
                        addr,
                        is_vip: false,
                    });
                }
            }
            let hosts: Vec<String> = if !a.host.is_empty() {
                for h in &a.host {
                    clusterfile::names::dns_name(h)
                        .map_err(|e| Error::Usage(format!("--host: {e}")))?;
                }
                a.host.clone()
            } else {
                let (Some(c), Some(path)) = (&cl, &a.cluster) else {
                    return Err(Error::Usage(
                        "give --host NAME, or --cluster FILE with an ingress section".into(),
                    ));
                };
                let ing = c
                    .ingress("give --host, or a cluster file with the services to probe")
                    .map_err(|e| Error::Input(format!("{}: {e}", clikit::display_name(path))))?;
                let mut hosts: Vec<String> =
                    ing.services.iter().map(|s| ing.host(&s.name)).collect();
                hosts.sort();
                hosts
            };
            let mut ca = Vec::new();
            for f in &a.ca {
                ca.push(
                    std::fs::read(f).map_err(|e| Error::Input(format!("cannot read {f}: {e}")))?,
                );
            }
            let o = probe::Options {
                port: a.port,
                timeout,
                ca,
                insecure: a.insecure,
                path: "/".into(),
                parallel: a.parallel,
            };
            let checks = probe::run(&targets, &hosts, &o).map_err(Error::Usage)?;
            Ok(report(
                &probe::assess(&targets, &checks, started.elapsed(), a.warning, a.critical),
                f,
            ))
        }
        Command::Render(a) => {
            let c = load_cluster(&a.cluster)?;
            let auth_pass = match &a.auth_pass_file {
                None => None,
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .map_err(|e| Error::Input(format!("cannot read {p}: {e}")))?
                        .trim()
                        .to_owned(),
                ),
            };
            let o = render::Options {
                master: a.master.clone(),
                interface: a.interface.clone(),
                vrid: a.vrid,
                backup: a.backup,
                unicast: a.unicast,
                auth_pass,
                vipcheck: a.vipcheck.clone(),
                track_url: a.url.clone(),
                interval: a.interval,
                state_file: a.state_file.clone(),
            };
            track::parse_url(&a.url).map_err(|e| Error::Usage(format!("--url {e}")))?;
            let vip = vip_in(
                &c,
                &a.cluster,
                "vipcheck render writes the VIP into keepalived.conf",
            )?;
            render::render(&c.masters, vip, &o)
                .map(Outcome::ok)
                .map_err(Error::Usage)
        }
    }
}
