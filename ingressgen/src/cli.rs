//! The command line: the one clap definition behind `--help`, the man page
//! and the tests, and the code that runs each subcommand.

use crate::error::{Error, Result};
use crate::haproxy::{self, DataFiles, Node};
use crate::site::Site;
use crate::tool::TOOL;
use crate::{gateway, k8s, routes};
use clap::{Args, CommandFactory, Parser, Subcommand};
use clikit::files::{Action, Change};
use clikit::{Format, Outcome};
use clusterfile::{Controller, names};
use serde::Serialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const ABOUT: &str = "HAProxy's config and the Kubernetes ingress manifests, from one services list";

const LONG_ABOUT: &str = "\
ingressgen reads the cluster file (its workers and ingress section; see cluster.yaml(5)) and \
renders what carries a request from the VIP to a pod: HAProxy's configuration for the \
masters (TLS termination, redirects, Host-header routing to the router in the cluster on a \
NodePort of every worker) with the host lists it reads, and the router's objects: for \
ingress-nginx (the default; retired upstream on 2026-03-24), one Ingress per service and its \
NodePort Service with its ConfigMap; for a Gateway API implementation (ingress.controller: \
gateway-api), a Gateway, one HTTPRoute per service with the same hosts and backends, and the \
data plane's NodePort Service.

Output is byte-identical for the same input, whatever the order of the file, so Puppet sees \
no change and reloads nothing. --out writes atomically and only when the content changes; \
--check says whether a file is already what would be rendered.";

/// The input format, files and examples, shown by `--help` after the exit
/// statuses and rendered into the man page (upper-case lines become
/// section headings).
const MORE_HELP: &str = "\
THE CLUSTER FILE
ingressgen reads the workers and the ingress section of the cluster file (the domain, \
alternate domains, TLS bundle, NodePort, services, aliases, internal services, routed \
suffixes and HAProxy's ports), and checks the whole file as every tool does. Its format, \
defaults and rules are in cluster.yaml(5); examples/ocf/cluster.yaml is the bundled example.

WHAT HAPROXY DOES
Plain HTTP redirects a short name (templates) to https://templates.DOMAIN and everything \
else to the same URL over HTTPS. HTTPS redirects aliases and alternate domains to the \
canonical name (301, path kept), sends services and routed suffixes to the kubernetes \
backend, and answers 404 to any other host. Hosts are matched in lower case, with or \
without the frontend's own port (name:443), with or without the final dot of the absolute name (name.); another port is an unknown host, and so is, on \
every frontend before any redirect or route, a Host that is not a host name (a NUL, a space, \
a percent escape, an empty or over-long label, more than 253 bytes). The backend \
balances by source address over every worker's NodePort (the chosen router's), checks each \
with GET health_path (with gateway-api, the data plane's readiness endpoint on its own \
NodePort), \
and sets X-Forwarded-For, -Proto and -Port itself (dropping any the client sent, and its X-Forwarded-Host and X-Real-IP), except for the clients the file's trusted_proxies names (networks, or every client of the internal port): theirs are kept, X-Forwarded-For appended to, X-Forwarded-Proto https wherever HAProxy ended TLS. Every response to a \
request HAProxy could parse (routed, redirected or refused as an unknown host) carries \
X-Served-By, the master's host name (or --node), so a probe through the VIP sees which \
master holds it; the 400 HAProxy's own parser sends for a malformed request does not.

FILES
With --out /etc/haproxy/haproxy.cfg, the host lists are written beside it (or in \
--map-dir): haproxy.hosts.lst, haproxy.redirects.map, haproxy.suffixes.lst, \
haproxy.internal.lst and haproxy.internal-suffixes.lst. The config names them by absolute \
path. Files are written mode 0644 through a temporary file and a rename, all of them or none.

EXAMPLES
Render the masters' HAProxy config and reload only when it changed (Puppet does the same):
  ingressgen haproxy --check /etc/haproxy/haproxy.cfg cluster.yaml ||
    { ingressgen haproxy --out /etc/haproxy/haproxy.cfg cluster.yaml && systemctl reload haproxy; }

Apply the Ingress objects and the ingress-nginx NodePort Service:
  ingressgen ingress cluster.yaml | kubectl apply -f -
  ingressgen expose cluster.yaml | kubectl apply -f -

Set up the Gateway API objects beside ingress-nginx, before switching HAProxy to them:
  ingressgen ingress --controller gateway-api cluster.yaml | kubectl apply -f -
  ingressgen expose --controller gateway-api cluster.yaml | kubectl apply -f -

Review a change to the services list before it is merged:
  ingressgen diff old/cluster.yaml cluster.yaml

Where does a host go?
  ingressgen routes --format json cluster.yaml | jq '.[] | select(.key == \"pma.ocf.berkeley.edu\")'

SEE ALSO
cluster.yaml(5), haproxy(1), kubectl(1), vipcheck(1), kubetool(1)";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "ingressgen",
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = TOOL.after_long_help(MORE_HELP),
    version = clikit::VERSION
)]
pub struct Cli {
    /// Output format of reports (routes, diff, and what --out and --check
    /// did).
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// What to render or compare.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// HAProxy's configuration for the masters, and the host lists it reads.
    #[command(
        long_about = "The full haproxy.cfg: the plain-HTTP, HTTPS, internal and monitor frontends and the \
kubernetes backend; with the cluster file's api section, also the Kubernetes API on the VIP (TCP, \
TLS passed through) in front of every master's kube-apiserver, health-checked on /readyz, and \
the monitor's /kube-apiserver for keepalived. On stdout only the config is printed (its lists \
are named under --map-dir, default /etc/haproxy); --out writes the config and its lists together."
    )]
    Haproxy(HaproxyArgs),
    /// One networking.k8s.io/v1 Ingress per service, or the Gateway and one
    /// HTTPRoute per service, as multi-document YAML.
    #[command(
        long_about = "The routing objects for the router in the cluster (ingress.controller, or \
--controller): with ingress-nginx, one networking.k8s.io/v1 Ingress per service; with \
gateway-api, one gateway.networking.k8s.io/v1 Gateway (an HTTP listener on port 80: TLS ends in \
HAProxy) and one HTTPRoute per service in the service's namespace, with the same hosts and \
backend. ingress-nginx is retired upstream (no releases since 2026-03-24). To move without \
dropping a request, run both side by side: add the gateway section, apply this output with \
--controller gateway-api and the same of expose, check every worker's new router with vipcheck \
probe --cluster and a copy of the file that says controller: gateway-api, then put that copy in \
place, render HAProxy and reload it once on each master, and probe again."
    )]
    Ingress(GenArgs),
    /// The router's NodePort Service (and ingress-nginx's ConfigMap), as YAML.
    Expose(GenArgs),
    /// Every host, where it goes, every backend server and setting.
    Routes {
        /// The cluster file; - for stdin.
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// What changes between two cluster files: hosts added, removed or
    /// re-routed, servers and settings.
    #[command(
        long_about = "Compares what two cluster files make HAProxy and the Ingress objects do. \
Exits 0 when they route alike, 1 when they differ, like diff(1)."
    )]
    Diff {
        /// The cluster file before the change.
        #[arg(value_name = "OLD")]
        old: String,
        /// The cluster file after the change.
        #[arg(value_name = "NEW")]
        new: String,
    },
}

/// Where a generator's output goes.
#[derive(Debug, Args)]
pub struct Target {
    /// Write to FILE (atomically, mode 0644), only if its content changes.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write nothing; exit 0 if FILE is already what would be rendered, 1
    /// if it differs or is missing.
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    pub check: Option<PathBuf>,
}

/// `ingress` and `expose`.
#[derive(Debug, Args)]
pub struct GenArgs {
    #[command(flatten)]
    target: Target,
    /// Render for this router instead of the file's ingress.controller (to
    /// set up the other one side by side before switching HAProxy).
    #[arg(long, value_name = "CONTROLLER", value_parser = controllers())]
    controller: Option<String>,
    /// The cluster file; - for stdin.
    #[arg(value_name = "FILE")]
    file: String,
}

/// `haproxy`.
#[derive(Debug, Args)]
pub struct HaproxyArgs {
    #[command(flatten)]
    target: Target,
    /// The directory of the host lists (default: beside --out or --check
    /// FILE, else /etc/haproxy).
    #[arg(long, value_name = "DIR")]
    map_dir: Option<PathBuf>,
    /// Name this master in the X-Served-By header (default: the host name
    /// HAProxy sees, so one config serves every master).
    #[arg(long, value_name = "NAME")]
    node: Option<String>,
    /// The cluster file; - for stdin.
    #[arg(value_name = "FILE")]
    file: String,
}

/// The controllers' words, as the cluster file spells them.
fn controllers() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(Controller::ALL.map(|(w, _)| w))
}

/// What `ingress` and `expose` render for: `--controller`, else the
/// file's; the Gateway's settings when it is gateway-api.
fn router<'s>(a: &GenArgs, site: &'s Site) -> Result<Option<&'s clusterfile::Gateway>> {
    let chosen = match &a.controller {
        None => site.controller,
        Some(w) => Controller::of(w).expect("clap admits only the listed words"),
    };
    match (chosen, &site.gateway) {
        (Controller::IngressNginx, _) => Ok(None),
        (Controller::GatewayApi, Some(g)) => Ok(Some(g)),
        (Controller::GatewayApi, None) => Err(Error::Usage(format!(
            "--controller gateway-api: {} has no ingress.gateway section; describe the Gateway's data plane there (its implementation at least)",
            a.file
        ))),
    }
}

/// The clap command, for the man page and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The whole program: parse `args`, run, print, and return the exit status.
pub fn main_entry(args: impl IntoIterator<Item = impl Into<OsString>>) -> ExitCode {
    clikit::main_entry(&TOOL, args, run)
}

/// Reads and checks a cluster file (`-` for stdin), and takes its site.
pub fn load(path: &str) -> Result<Site> {
    let file = clusterfile::load(path)?;
    Ok(Site::try_from(file)?)
}

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> Result<Outcome> {
    let f = cli.format;
    match &cli.command {
        Command::Haproxy(a) => {
            let site = load(&a.file)?;
            let node = match &a.node {
                None => Node::Hostname,
                Some(n) => {
                    names::dns_name(n).map_err(|e| Error::Usage(format!("--node: {e}")))?;
                    Node::Named(n.clone())
                }
            };
            let main = a.target.out.as_ref().or(a.target.check.as_ref());
            let files = data_files(main, a.map_dir.as_deref())?;
            let r = haproxy::render(&site, &files, &node);
            let mut all = Vec::with_capacity(1 + r.data.len());
            if let Some(m) = main {
                all.push((m.clone(), r.config.clone()));
            }
            all.extend(r.data.into_iter().map(|(p, t)| (PathBuf::from(p), t)));
            emit(&a.target, all, r.config, f)
        }
        Command::Ingress(a) => {
            let site = load(&a.file)?;
            if let Some(g) = router(a, &site)? {
                return single(&a.target, gateway::objects(&site, g), f);
            }
            if a.target.out.is_none() && a.target.check.is_none() {
                clikit::stream_stdout(|w| k8s::write_ingresses(&site, w))
                    .map_err(|e| Error::Io(format!("cannot write output: {e}")))?;
                return Ok(Outcome::ok(String::new()));
            }
            single(&a.target, k8s::ingresses(&site), f)
        }
        Command::Expose(a) => {
            let site = load(&a.file)?;
            let text = match router(a, &site)? {
                Some(g) => gateway::expose(&site, g),
                None => k8s::expose(&site),
            };
            single(&a.target, text, f)
        }
        Command::Routes { file } => {
            let t = table_of(file)?;
            let text = f.render(&t, || {
                clikit::table(
                    &["SCOPE", "KEY", "ACTION", "TARGET"],
                    t.iter()
                        .map(|e| {
                            vec![
                                clikit::word(&e.scope),
                                &e.key,
                                clikit::word(&e.action),
                                &e.target,
                            ]
                        })
                        .collect(),
                )
            });
            freed_at_exit(t);
            Ok(Outcome::ok(text))
        }
        Command::Diff { old, new } => {
            // The two files are read side by side: each is a few tens of
            // milliseconds at 50,000 services.
            let (a, b) = std::thread::scope(|s| {
                let a = s.spawn(|| table_of(old));
                let b = table_of(new);
                (a.join().expect("reading a cluster file does not panic"), b)
            });
            let (a, b) = (a?, b?);
            let changes = routes::diff(&a, &b);
            let code = u8::from(!changes.is_empty());
            let text = f.render(&changes, || diff_text(&changes));
            freed_at_exit((a, b, changes));
            Ok(Outcome::new(text, code))
        }
    }
}

/// The routes table of a cluster file.
fn table_of(path: &str) -> Result<Vec<routes::Entry>> {
    let site = load(path)?;
    let t = routes::table(&site);
    freed_at_exit(site);
    Ok(t)
}

/// Leaves `value` for the process's exit to free: the command ends right
/// after, and freeing 50,000 services' strings one by one costs several
/// milliseconds of the 100 ms that `routes` and `diff` are allowed.
fn freed_at_exit<T>(value: T) {
    std::mem::forget(value);
}

fn diff_text(changes: &[routes::Change]) -> String {
    if changes.is_empty() {
        return "no differences\n".into();
    }
    fn dash(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("-")
    }
    let mut out = clikit::table(
        &["CHANGE", "SCOPE", "KEY", "OLD", "NEW"],
        changes
            .iter()
            .map(|c| {
                vec![
                    clikit::word(&c.change),
                    clikit::word(&c.scope),
                    &c.key,
                    dash(&c.old),
                    dash(&c.new),
                ]
            })
            .collect(),
    );
    let count = |k| changes.iter().filter(|c| c.change == k).count();
    out.push_str(&format!(
        "{} added, {} removed, {} changed\n",
        count(routes::Difference::Added),
        count(routes::Difference::Removed),
        count(routes::Difference::Changed)
    ));
    out
}

/// Where the host lists go: `--map-dir`, else beside the config file, else
/// /etc/haproxy; their names start with the config file's stem.
fn data_files(main: Option<&PathBuf>, map_dir: Option<&Path>) -> Result<DataFiles> {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .map_err(|e| Error::Usage(format!("cannot make {} absolute: {e}", p.display())))
    };
    let dir = match (map_dir, main) {
        (Some(d), _) => absolute(d)?,
        (None, Some(m)) => absolute(m)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/")),
        (None, None) => PathBuf::from("/etc/haproxy"),
    };
    let stem = main
        .and_then(|m| m.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "haproxy".into());
    let files = DataFiles {
        dir: dir.to_string_lossy().into_owned(),
        stem,
    };
    let sample = files.path("hosts.lst");
    names::config_path(&sample).map_err(|e| {
        Error::Usage(format!(
            "the host lists would be {sample}, which HAProxy's config cannot name safely: {e}; choose another --out or --map-dir"
        ))
    })?;
    Ok(files)
}

fn single(t: &Target, text: String, f: Format) -> Result<Outcome> {
    let path = t.out.as_ref().or(t.check.as_ref());
    let all = path
        .map(|p| (p.clone(), text.clone()))
        .into_iter()
        .collect();
    emit(t, all, text, f)
}

#[derive(Serialize)]
struct FileReport {
    path: String,
    action: &'static str,
}

/// Prints `stdout`, writes `files` (--out) or compares them (--check).
fn emit(t: &Target, files: Vec<(PathBuf, String)>, stdout: String, f: Format) -> Result<Outcome> {
    if t.out.is_some() {
        let change = Change {
            files: files
                .into_iter()
                .map(|(p, s)| (p, s.into_bytes()))
                .collect(),
            file_mode: 0o644,
            dir_mode: 0o755,
            ..Change::default()
        };
        let done = clikit::files::apply(&change)?;
        let report: Vec<FileReport> = done
            .iter()
            .map(|(p, a)| FileReport {
                path: p.display().to_string(),
                action: a.name(),
            })
            .collect();
        return Ok(Outcome::ok(f.render(&report, || file_table(&report))));
    }
    if t.check.is_some() {
        let mut report = Vec::with_capacity(files.len());
        for (p, want) in &files {
            report.push(FileReport {
                path: p.display().to_string(),
                action: compare(p, want.as_bytes())?,
            });
        }
        // In path order, as --out reports.
        report.sort_by(|a, b| a.path.cmp(&b.path));
        let code = u8::from(report.iter().any(|r| r.action != "unchanged"));
        return Ok(Outcome::new(
            f.render(&report, || file_table(&report)),
            code,
        ));
    }
    Ok(Outcome::ok(stdout))
}

/// How a file on disk compares with what would be written: only a file
/// that is not there is "missing"; one that cannot be read (a directory,
/// no permission) is an error, never "change needed".
fn compare(path: &Path, want: &[u8]) -> Result<&'static str> {
    match std::fs::read(path) {
        Ok(have) if have == want => Ok(Action::Unchanged.name()),
        Ok(_) => Ok("differs"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok("missing"),
        Err(e) => Err(Error::Io(format!(
            "--check {}: cannot read it: {e}",
            path.display()
        ))),
    }
}

fn file_table(report: &[FileReport]) -> String {
    clikit::table(
        &[],
        report
            .iter()
            .map(|r| vec![r.action.to_owned(), r.path.clone()])
            .collect(),
    )
}
