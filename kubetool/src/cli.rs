//! The `kubetool` command line. [`Cli`] is its only definition: `--help`,
//! the man page (`man/kubetool.1`, by `cargo xtask man`) and the tests
//! read it.

use crate::env::{SETTINGS, Setting};
use crate::error::{Error, Result};
use crate::pki::New;
use crate::run::{Action, FullRun, Options};
use crate::tool::TOOL;
use clap::{Args, CommandFactory, Parser, Subcommand};
use clikit::{Format, Outcome};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use time::Duration;

const ABOUT: &str =
    "Make the cluster PKI and Hiera data for the puppetlabs-kubernetes module, and keep them";

const LONG_ABOUT: &str = "\
kubetool writes the Hiera data the puppetlabs-kubernetes module needs to build a \
cluster: <Os>.yaml with the cluster-wide values, the three CAs (etcd, Kubernetes, \
front proxy), the service-account key, the bootstrap token and the discovery hash; \
and one <name>.yaml per master with its etcd server, peer and client certificates. \
It takes the same settings as the module's own kubetool, as flags or as the same \
environment variables (and --env-file reads the module's env file), and writes the \
same keys, but needs no Docker, Ruby or cfssl.

Unlike the original it keeps what exists. Run again over the same directory, it \
reuses every CA, key and token and rewrites nothing that is still right; add-member \
and remove-member change the masters while every other certificate and key stays \
byte-identical; renew reissues leaf certificates under the same CAs. A new CA is \
made only on a first run or when --new asks for it. Every file is written to a \
temporary file and renamed into place once all of them are written, with mode 0600 \
(new directories 0700); a run that fails changes nothing. The renames are journaled \
(.kubetool.journal in --dir, under a lock on the directory): a run killed at any point \
is finished or undone by the next run before it reads anything, so the next run sees \
the old set of files or the new one, never a mix, and the same command retried \
converges. add-member of a member already there at that address, and remove-member of \
one already gone, change nothing and exit 0.

With --kubeadm DIR it also writes, per master, the /etc/kubernetes tree kubeadm \
expects (pki/ and the admin, super-admin, controller-manager, scheduler and kubelet \
kubeconfigs), under the same CAs.";

/// The text after the exit statuses in `--help`, rendered into the man
/// page too (upper-case lines become section headings there).
const MORE_HELP: &str = "\
A flag wins over the --env-file, which wins over \
the environment, and an empty value is unset wherever it is. The original's \
underscore spellings (--container_runtime, --etcd_initial_cluster, --ca_algo, ...) \
are accepted. The env file has NAME=value lines, # comments and blank lines, as \
docker run --env-file reads them: the value is taken literally, quotes included.

--cluster FILE takes the settings from a cluster file (cluster.yaml(5)): its kubernetes \
section gives the settings above by their lower-case names (version, cni_provider, ...), \
its masters give ETCD_INITIAL_CLUSTER (each name and IPv4 address) and its VIP, on the api \
section's port (6443 without one), CONTROLLER_ADDRESS; with --kubeadm, the controller manager's \
and scheduler's kubeconfigs reach their own master's API server on api.apiserver_port. Flags, the env file and the environment override the file, except \
the masters: ETCD_INITIAL_CLUSTER with --cluster is an error. The members then follow the \
file: a master added to it joins (as add-member does); one it no longer lists stays a \
member, with a warning, until a run with --prune removes it and its file.

ETCD_INITIAL_CLUSTER is NAME:IP,NAME:IP,... with IPv4 or IPv6 addresses \
(name:2001:db8::1 or name:[2001:db8::1]). Each NAME is the node's certname (its \
<name>.yaml must reach the node's level of the hierarchy) and its etcd name.

ENCRYPTED SECRETS
With --eyaml-public-key FILE (public_key.pkcs7.pem from eyaml createkeys: a \
certificate with an RSA key) every secret (the CA keys, the service-account key, the \
etcd keys and the bootstrap token) is written as a hiera-eyaml PKCS7 value, \
ENC[PKCS7,...] in a folded block, which eyaml decrypt and Hiera's eyaml_lookup_key \
backend read; certificates, hashes, addresses and versions stay in the clear and \
typed. Encryption is randomised, so a value whose plaintext did not change keeps its \
ciphertext byte for byte: a re-run changes nothing. A run that needs no secret (nothing \
changed, remove-member, new settings that sign nothing) needs only the public key. One \
that must read a secret (signing for add-member or renew, --kubeadm, a pair check) \
needs --eyaml-private-key FILE as well (private_key.pkcs7.pem); without it the run \
fails, naming the value, and writes nothing. With the private key every value is \
decrypted and checked (keys against their certificates); one it cannot decrypt is an \
error naming the file and key. Values in the clear are encrypted when \
--eyaml-public-key is given (a one-time migration, reported with the files), so one \
cluster never keeps some members encrypted and some not; and an encrypted value read \
without --eyaml-public-key is an error, never written back in the clear. A private \
key that is not the public key's pair is a change of eyaml keys: every value is \
decrypted with the old key and encrypted again to the new one.

MODULE VERSIONS
The Hiera keys, their names and their types are those puppetlabs-kubernetes \
8.1.1 declares (its manifests/init.pp at that release), the module version this \
kubetool was checked against; a module release that renames or retypes a key \
needs a kubetool made for it.

DIFFERENCES FROM THE ORIGINAL
  - --version (-v) is the Kubernetes version, as in the original, so existing
    commands and env files work unchanged; kubetool's own version is -V,
    --tool-version or kubetool version.
  - Existing CAs, keys and the token are reused; new ones only on a first run or
    with --new. Adding or removing a master touches no other certificate.
  - Inputs are checked before anything is made: names, addresses (IPv6 too) and
    duplicates in ETCD_INITIAL_CLUSTER; KEY_SIZE against CA_ALGO (RSA without
    KEY_SIZE gets 2048, not an unusable 256); VERSION's form; and ETCD_IP,
    KUBE_API_ADVERTISE_ADDRESS and a known CNI_PROVIDER are required, since
    controller catalogs fail to compile without them.
  - --ca-algo works as a flag (the original declared it an integer and ignored
    rsa). The service-account key may be ECDSA (--sa-algo ecdsa).
  - YAML is written typed: versions and the token are quoted strings,
    api_server_count an Integer, install_dashboard a Boolean; no quote stripping.
  - The etcd CA is named etcd-ca. Server and peer certificates have the member's
    name as CN and, as kubeadm's do, SANs for its name, localhost, its address,
    127.0.0.1 and ::1 (not every member's address, which is what lets a new
    member leave the others untouched). Client certificates are
    kube-apiserver-etcd-client; the cluster-wide one has no SANs rather than an
    empty one.
  - Validity follows kubeadm: CAs 10 years, leaves 1 year (--ca-validity,
    --validity); the original gave 5 years to both. Run kubetool renew, or watch
    the files with certs check.
  - The cluster-wide Hiera file is named after OS with its first letter capitalised and the
    rest as typed (RedHat.yaml, not Redhat.yaml).
  - Master names are lower-case DNS names (Puppet certnames are lower case):
    Deadlock is refused with the fix, not taken as another host.
  - A master added to an existing cluster gets
    kubernetes::etcd_initial_cluster_state: existing in its file.
  - Keys kubetool does not write are kept in both kinds of file (their values,
    not their comments: a file kubetool rewrites is written without comments).
    Nothing else in the directory is touched: no scratch files, no clean-up of
    *.pem or *.json.
  - Options of every command (--dir, --os, --kubeadm, ...) may come before or
    after a subcommand; a full run's setting beside a subcommand is refused and
    named. --service-cidr, --dns-domain and --apiserver-cert-san are checked on
    every run, with or without --kubeadm.
  - A full run whose members leave out one the existing file lists (added with
    add-member since) warns that it takes that member out, and how to keep it.
  - --eyaml-public-key writes the private keys and the token encrypted with
    hiera-eyaml (the original writes them in the clear, to be encrypted by hand).
  - The cilium manifest is written for cri_containerd too (the original wrote
    none); flannel is pinned to CNI_PROVIDER_VERSION when that is set; a leading
    v in CNI_PROVIDER_VERSION is accepted.

EXAMPLES
From the cluster file that the other tools read too:
  kubetool --cluster cluster.yaml --dir hieradata

The module's README example, with the module's env file:
  kubetool --env-file env --dir hieradata

The same with flags, and the kubeadm trees too:
  kubetool -o Debian -v 1.30.2 -c flannel -t '%{networking.ip}' \\
    -a '%{networking.ip}' -i deadlock:192.0.2.75,autocrat:192.0.2.76,coup:192.0.2.77 \\
    --controller-address 192.0.2.100:6443 --kubeadm kubeadm

What would be written, without writing it:
  kubetool --env-file env --stdout | certs inspect -

A fourth master, signed by the existing etcd CA:
  kubetool add-member fallingrocks:192.0.2.78 --dir hieradata

Renew the leaves that expire within 30 days:
  kubetool renew --expiring-within 30d --dir hieradata

The secrets encrypted with hiera-eyaml (the private key is needed to sign):
  kubetool --cluster cluster.yaml --dir hieradata \\
    --eyaml-public-key /etc/puppet/eyaml/keys/public_key.pkcs7.pem \\
    --eyaml-private-key /etc/puppet/eyaml/keys/private_key.pkcs7.pem

Once, on the Puppet server:
  exec { 'kubetool':
    command => '/usr/bin/kubetool --env-file /etc/kubetool/env --dir /etc/puppetlabs/code/hieradata/kubernetes',
    creates => '/etc/puppetlabs/code/hieradata/kubernetes/Debian.yaml',
  }

SEE ALSO
certs(1), quorumcalc(1), vipcheck(1), etcdctl(1), puppet(8), cluster.yaml(5)";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "kubetool",
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = TOOL.after_long_help(&format!("SETTINGS\n{} {MORE_HELP}", settings_help())),
    version = clikit::VERSION,
    // --version is the Kubernetes version, as in the original kubetool;
    // -V, --tool-version and `kubetool version` print this tool's.
    disable_version_flag = true,
    args_override_self = true
)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub common: Common,
    /// The settings of a full run.
    #[command(flatten)]
    pub settings: SettingFlags,
    /// Change an existing cluster instead of a full run.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Args, Serialize)]
pub struct Common {
    /// Print kubetool's own version (--version is the Kubernetes version, as
    /// in the original kubetool)
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    pub tool_version: Option<bool>,
    /// The directory of the Hiera files, read and written [default: .]
    #[arg(
        long,
        value_name = "DIR",
        global = true,
        default_value = ".",
        hide_default_value = true
    )]
    pub dir: PathBuf,
    /// Take the settings from a cluster file: its masters, VIP and kubernetes section (with a subcommand, only where the files are: os, hiera_layout, hiera_host_domain)
    #[arg(long, value_name = "FILE", global = true)]
    pub cluster: Option<String>,
    /// OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]
    #[arg(short = 'o', long, value_name = "OS", global = true)]
    pub os: Option<String>,
    /// HIERA_LAYOUT: flat (DIR/Debian.yaml, DIR/NAME.yaml) or split (DIR/os/Debian.yaml, DIR/hosts/NAME.yaml) [default: flat]
    #[arg(long, value_name = "LAYOUT", global = true)]
    pub hiera_layout: Option<String>,
    /// HIERA_HOST_DOMAIN: name each master's file by its FQDN, NAME.DOMAIN.yaml [default: short names]
    #[arg(long, value_name = "DOMAIN", global = true)]
    pub hiera_host_domain: Option<String>,
    /// Read settings from FILE (NAME=value lines, the module's env file format)
    #[arg(long = "env-file", value_name = "FILE", global = true)]
    pub env_file: Option<PathBuf>,
    /// Also write each master's /etc/kubernetes tree, in DIR/NAME/
    #[arg(long, value_name = "DIR", global = true)]
    pub kubeadm: Option<PathBuf>,
    /// The service network, whose first address the API server certificate carries
    #[arg(
        long,
        value_name = "CIDR",
        global = true,
        default_value = "10.96.0.0/12"
    )]
    pub service_cidr: String,
    /// The cluster DNS domain, for the API server certificate
    #[arg(
        long,
        value_name = "DOMAIN",
        global = true,
        default_value = "cluster.local"
    )]
    pub dns_domain: String,
    /// An extra name or address for the API server certificate (repeatable)
    #[arg(long = "apiserver-cert-san", value_name = "NAME|IP", global = true)]
    pub apiserver_sans: Vec<String>,
    /// Validity of new leaf certificates: Nh, Nd or Ny
    #[arg(long, value_name = "DURATION", global = true, default_value = "1y", value_parser = parse_validity)]
    #[serde(skip)]
    pub validity: Duration,
    /// Validity of new CAs
    #[arg(long, value_name = "DURATION", global = true, default_value = "10y", value_parser = parse_validity)]
    #[serde(skip)]
    pub ca_validity: Duration,
    /// Write the Hiera documents to stdout as one YAML stream instead of files
    #[arg(long, global = true)]
    pub stdout: bool,
    /// Change nothing: exit 0 when every file is already what this run would
    /// write, 1 when it would change one (a state check for Puppet's unless)
    #[arg(long, global = true, conflicts_with = "stdout")]
    pub check: bool,
    /// Output format of the report
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    #[serde(skip)]
    pub format: Format,
    /// Write the private keys and the token encrypted to this hiera-eyaml public key (public_key.pkcs7.pem)
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        help_heading = "Encryption with hiera-eyaml"
    )]
    pub eyaml_public_key: Option<PathBuf>,
    /// Decrypt existing eyaml values with this private key (private_key.pkcs7.pem), for a run that must read them
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        requires = "eyaml_public_key",
        help_heading = "Encryption with hiera-eyaml"
    )]
    pub eyaml_private_key: Option<PathBuf>,
}

/// The settings of a full run (flags and environment variables).
#[derive(Debug, Args, Default, Serialize)]
pub struct SettingFlags {
    /// VERSION: the Kubernetes version, e.g. 1.30.2 [default: 1.25.4]
    #[arg(short = 'v', long, value_name = "VERSION")]
    pub version: Option<String>,
    /// CONTAINER_RUNTIME: cri_containerd or docker [default: cri_containerd]
    #[arg(short = 'r', long, alias = "container_runtime", value_name = "RUNTIME")]
    pub container_runtime: Option<String>,
    /// CNI_PROVIDER: weave, flannel, calico, calico-tigera or cilium (required)
    #[arg(short = 'c', long, alias = "cni_provider", value_name = "PROVIDER")]
    pub cni_provider: Option<String>,
    /// CNI_PROVIDER_VERSION: the CNI version (calico, calico-tigera and cilium need it)
    #[arg(
        short = 'p',
        long,
        alias = "cni_provider_version",
        value_name = "VERSION"
    )]
    pub cni_provider_version: Option<String>,
    /// With --cluster: remove the members the cluster file no longer lists
    #[arg(long, requires = "cluster")]
    pub prune: bool,
    /// ETCD_INITIAL_CLUSTER: the masters, NAME:IP,NAME:IP,... (required without --cluster)
    #[arg(
        short = 'i',
        long,
        alias = "etcd_initial_cluster",
        value_name = "NAME:IP,...",
        conflicts_with = "cluster"
    )]
    pub etcd_initial_cluster: Option<String>,
    /// ETCD_IP: the address etcd binds to, usually %{networking.ip} (required)
    #[arg(short = 't', long, alias = "etcd_ip", value_name = "ADDRESS")]
    pub etcd_ip: Option<String>,
    /// KUBE_API_ADVERTISE_ADDRESS: usually %{networking.ip} (required)
    #[arg(short = 'a', long, alias = "api_address", value_name = "ADDRESS")]
    pub api_address: Option<String>,
    /// INSTALL_DASHBOARD: install the Kubernetes dashboard
    #[arg(short = 'd', long, alias = "install_dashboard")]
    pub install_dashboard: bool,
    /// KEY_SIZE: bits of the CA and etcd keys: 256 or 384 (ecdsa), 2048, 3072 or 4096 (rsa)
    #[arg(short = 'b', long, alias = "key_size", value_name = "BITS")]
    pub key_size: Option<String>,
    /// CA_ALGO: ecdsa or rsa, for the CA and etcd keys [default: ecdsa]
    #[arg(long, alias = "ca_algo", value_name = "ALGO")]
    pub ca_algo: Option<String>,
    /// SA_SIZE: bits of the service-account key [default: 2048]
    #[arg(long, alias = "sa_size", value_name = "BITS")]
    pub sa_size: Option<String>,
    /// SA_ALGO: rsa or ecdsa, for the service-account key [default: rsa]
    #[arg(long, alias = "sa_algo", value_name = "ALGO")]
    pub sa_algo: Option<String>,
    /// CONTROLLER_ADDRESS: the API endpoint HOST:PORT, e.g. a VIP [default: the first master, port 6443]
    #[arg(long, value_name = "HOST:PORT")]
    pub controller_address: Option<String>,
    /// PACKAGE_VERSION: the kubeadm/kubelet package version [default: VERSION-00 on Debian, else VERSION]
    #[arg(long, value_name = "VERSION")]
    pub package_version: Option<String>,
    /// Make afresh what exists (repeatable): etcd-ca, kubernetes-ca, front-proxy-ca, sa-key, token, all
    #[arg(
        long,
        value_enum,
        value_name = "WHAT",
        value_delimiter = ',',
        hide_possible_values = true
    )]
    pub new: Vec<New>,
    /// Use this etcd CA certificate (with --etcd-ca-key) instead of making one
    #[arg(
        long,
        value_name = "FILE",
        requires = "etcd_ca_key",
        help_heading = "Bring your own CA"
    )]
    pub etcd_ca_cert: Option<PathBuf>,
    /// The etcd CA's private key
    #[arg(
        long,
        value_name = "FILE",
        requires = "etcd_ca_cert",
        help_heading = "Bring your own CA"
    )]
    pub etcd_ca_key: Option<PathBuf>,
    /// Use this Kubernetes CA certificate (with --kubernetes-ca-key)
    #[arg(
        long,
        value_name = "FILE",
        requires = "kubernetes_ca_key",
        help_heading = "Bring your own CA"
    )]
    pub kubernetes_ca_cert: Option<PathBuf>,
    /// The Kubernetes CA's private key
    #[arg(
        long,
        value_name = "FILE",
        requires = "kubernetes_ca_cert",
        help_heading = "Bring your own CA"
    )]
    pub kubernetes_ca_key: Option<PathBuf>,
    /// Use this front-proxy CA certificate (with --front-proxy-ca-key)
    #[arg(
        long,
        value_name = "FILE",
        requires = "front_proxy_ca_key",
        help_heading = "Bring your own CA"
    )]
    pub front_proxy_ca_cert: Option<PathBuf>,
    /// The front-proxy CA's private key
    #[arg(
        long,
        value_name = "FILE",
        requires = "front_proxy_ca_cert",
        help_heading = "Bring your own CA"
    )]
    pub front_proxy_ca_key: Option<PathBuf>,
}

/// Changes to an existing cluster. Their settings come from the existing
/// cluster-wide Hiera file, not from flags or the environment.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add a master: sign its etcd certificates with the existing etcd CA
    #[command(
        long_about = "Add a master NAME:IP: sign its etcd server, peer and client certificates \
with the existing etcd CA, write NAME.yaml (with etcd_initial_cluster_state: existing), and \
update etcd_initial_cluster, etcd_peers and api_server_count in the cluster-wide file. Every other \
certificate and key stays byte-identical. Before Puppet starts etcd on it, run etcdctl member \
add on a current member."
    )]
    AddMember {
        /// The new master, NAME:IP
        #[arg(value_name = "NAME:IP")]
        member: String,
    },
    /// Remove a master and its file
    #[command(
        long_about = "Remove the master NAME from etcd_initial_cluster, etcd_peers and \
api_server_count, and delete NAME.yaml (when it holds only kubetool's keys; otherwise only \
those keys are taken out) and its --kubeadm tree. Run etcdctl member remove as well."
    )]
    RemoveMember {
        /// The master's name
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Reissue leaf certificates under the same CAs and keys
    #[command(
        long_about = "Reissue the leaf certificates (etcd server, peer and client, and the \
--kubeadm tree's) under the same CAs, keeping their keys. With --expiring-within, only those \
that expire within that time; a cron job or a Puppet exec can run it daily."
    )]
    Renew {
        /// Only leaves that expire within DURATION (e.g. 30d)
        #[arg(long, value_name = "DURATION", value_parser = parse_validity)]
        expiring_within: Option<Duration>,
    },
    /// Which of kubetool's keys the site's Hiera hierarchy hides from a master
    #[command(
        long_about = "Read the site's hiera.yaml (Hiera 5) as Hiera does for each master kubetool's \
files list (the short name as hostname, NAME.DOMAIN with --hiera-host-domain as fqdn and \
certname, the OS as osfamily; --fact adds any other), and report every key kubetool wrote \
that a level before kubetool's files holds with another value (a common.yaml that hand-keeps \
etcd_initial_cluster or controller_address), and every kubetool file no level reads for a \
master. Levels are path or paths with yaml_data, json_data or eyaml_lookup_key; anything it \
cannot follow (a glob, another backend, a fact it is not given, a file it cannot read) is an \
error, never a clean result. Give the same --dir, --os and --hiera-layout as the runs that \
wrote the files."
    )]
    Shadowed {
        /// The site's hiera.yaml (version 5)
        #[arg(long, value_name = "FILE")]
        hiera_config: PathBuf,
        /// A fact a level's path needs (repeatable), such as role=kubernetes
        #[arg(long = "fact", value_name = "NAME=VALUE", value_parser = parse_fact)]
        facts: Vec<(String, String)>,
    },
    /// Print kubetool's own version (as -V does)
    Version,
}

/// `--fact NAME=VALUE`.
fn parse_fact(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("{s:?}: give NAME=VALUE")),
    }
}

impl Command {
    /// The subcommand as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::AddMember { .. } => "add-member",
            Command::RemoveMember { .. } => "remove-member",
            Command::Renew { .. } => "renew",
            Command::Shadowed { .. } => "shadowed",
            Command::Version => "version",
        }
    }
}

fn parse_validity(s: &str) -> std::result::Result<Duration, String> {
    certs::parse_duration(s, None)
}

/// The clap command, for the man page.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Runs kubetool with `args` (the program name first) and returns the exit
/// status.
pub fn main_entry(args: impl IntoIterator<Item = impl Into<OsString>>) -> ExitCode {
    clikit::main_entry(&TOOL, args, run)
}

/// The options a setting can be given as (every [`Common`] and
/// [`SettingFlags`] field), without building the whole command line.
fn setting_args() -> clap::Command {
    SettingFlags::augment_args(Common::augment_args(clap::Command::new("kubetool")))
}

/// The option of `cmd` whose clap id (field name) is `id`.
fn arg<'a>(cmd: &'a clap::Command, id: &str) -> Option<&'a clap::Arg> {
    cmd.get_arguments().find(|a| a.get_id() == id)
}

/// `--help`'s list of the settings, from [`SETTINGS`] and the flags' clap
/// definitions: `-o OS, ...; kubetool adds --sa-algo SA_ALGO, ...`.
fn settings_help() -> String {
    let args = setting_args();
    let spelt = |s: &Setting| {
        let flag = match arg(&args, s.id).map(|a| (a.get_short(), a.get_long())) {
            Some((Some(short), _)) => format!("-{short}"),
            Some((None, Some(long))) => format!("--{long}"),
            _ => unreachable!("every setting has a flag (tested)"),
        };
        format!("{flag} {}", s.var)
    };
    let (original, own): (Vec<&Setting>, Vec<&Setting>) = SETTINGS.iter().partition(|s| s.original);
    let own: Vec<String> = own.into_iter().map(spelt).collect();
    let (last, rest) = own.split_last().expect("kubetool has settings of its own");
    format!(
        "Each setting is a flag and an environment variable: {}; kubetool adds {} and {last}.",
        original
            .into_iter()
            .map(spelt)
            .collect::<Vec<_>>()
            .join(", "),
        rest.join(", ")
    )
}

/// Each clap field of the parsed flags, by id, as JSON (`null` when not
/// given): the settings and the full-run-only options are read from it
/// by their ids, so no list of fields is typed again.
fn given(c: &Cli) -> serde_json::Map<String, serde_json::Value> {
    let mut all = serde_json::Map::new();
    for part in [
        serde_json::to_value(&c.common),
        serde_json::to_value(&c.settings),
    ] {
        if let Ok(serde_json::Value::Object(m)) = part {
            all.extend(m);
        }
    }
    all
}

/// Whether a field's value says the option was given: a value, `true`, or
/// a non-empty list.
fn is_given(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => false,
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

/// The settings given as flags, by variable, with the flag as spelt.
fn flag_map(c: &Cli) -> BTreeMap<&'static str, (String, String)> {
    let given = given(c);
    let args = setting_args();
    let mut m = BTreeMap::new();
    for s in SETTINGS {
        let value = match given.get(s.id) {
            Some(serde_json::Value::String(v)) => v.clone(),
            Some(serde_json::Value::Bool(true)) => "true".to_owned(),
            _ => continue,
        };
        m.insert(s.var, (value, long_flag(&args, s.id)));
    }
    m
}

/// `--cni-provider`: the long flag of the argument `id`.
fn long_flag(cmd: &clap::Command, id: &str) -> String {
    let long = arg(cmd, id).and_then(clap::Arg::get_long);
    format!("--{}", long.unwrap_or(id))
}

/// A change (add-member, remove-member, renew) takes its settings from the
/// existing cluster-wide file: any option of a full run ([`SettingFlags`]:
/// the settings but OS, and the full-run-only options) beside it is a
/// mistake, named. (Options of every command, such as --dir, may come
/// before or after the subcommand.)
fn refuse_full_run_flags(c: &Cli, cmd: &Command) -> Result<()> {
    let given = given(c);
    let full_run_only = SettingFlags::augment_args(clap::Command::new("kubetool"));
    let wrong = full_run_only
        .get_arguments()
        .find(|a| given.get(a.get_id().as_str()).is_some_and(is_given));
    match wrong {
        None => Ok(()),
        Some(a) => {
            let flag = long_flag(&full_run_only, a.get_id().as_str());
            Err(Error::Usage(format!(
                "{flag} is a setting of a full run; {} takes its settings from the existing cluster-wide file (leave {flag} out, or run without a subcommand)",
                cmd.name()
            )))
        }
    }
}

/// The run a parsed command line asks for.
fn options(c: &Cli) -> Options {
    let o = &c.common;
    let s = &c.settings;
    let pair = |cert: &Option<PathBuf>, key: &Option<PathBuf>| cert.clone().zip(key.clone());
    let action = match &c.command {
        None => Action::Full(FullRun {
            prune: s.prune,
            new: s.new.iter().copied().collect(),
            etcd_ca: pair(&s.etcd_ca_cert, &s.etcd_ca_key),
            kubernetes_ca: pair(&s.kubernetes_ca_cert, &s.kubernetes_ca_key),
            front_proxy_ca: pair(&s.front_proxy_ca_cert, &s.front_proxy_ca_key),
        }),
        Some(Command::AddMember { member }) => Action::AddMember(member.clone()),
        Some(Command::RemoveMember { name }) => Action::RemoveMember(name.clone()),
        Some(Command::Renew { expiring_within }) => Action::Renew(*expiring_within),
        Some(Command::Shadowed {
            hiera_config,
            facts,
        }) => Action::Shadowed(hiera_config.clone(), facts.clone()),
        Some(Command::Version) => unreachable!("run answers `version` before anything else"),
    };
    Options {
        dir: o.dir.clone(),
        cluster: o.cluster.clone(),
        env_file: o.env_file.clone(),
        kubeadm: o.kubeadm.clone(),
        service_cidr: o.service_cidr.clone(),
        dns_domain: o.dns_domain.clone(),
        apiserver_sans: o.apiserver_sans.clone(),
        validity: o.validity,
        ca_validity: o.ca_validity,
        stdout: o.stdout,
        check: o.check,
        format: o.format,
        eyaml_public_key: o.eyaml_public_key.clone(),
        eyaml_private_key: o.eyaml_private_key.clone(),
        flags: flag_map(c),
        action,
    }
}

/// Runs a parsed command line: `version` here, any other command as
/// [`crate::run::run`] does it.
pub fn run(c: &Cli) -> Result<Outcome> {
    if let Some(Command::Version) = &c.command {
        return Ok(Outcome::ok(format!("kubetool {}\n", clikit::VERSION)));
    }
    if let Some(cmd) = &c.command {
        refuse_full_run_flags(c, cmd)?;
    }
    crate::run::run(&options(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings table and the clap fields agree: each setting's id is
    /// an option, each option whose help starts with a variable's name
    /// (`VERSION: ...`) is that variable's setting, and each field read by
    /// id through serde has a clap option of that id.
    #[test]
    fn every_setting_flag_is_in_the_table() {
        let args = setting_args();
        for s in SETTINGS {
            assert!(arg(&args, s.id).is_some(), "{s:?}");
        }
        for a in args.get_arguments() {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            let Some((var, _)) = help.split_once(':') else {
                continue;
            };
            if var.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                let s = SETTINGS.iter().find(|s| s.var == var);
                assert_eq!(s.map(|s| s.id), Some(a.get_id().as_str()), "{var}");
            }
        }
        let cli = Cli::parse_from(["kubetool"]);
        for id in given(&cli).keys() {
            assert!(arg(&args, id).is_some(), "{id}");
        }
    }

    #[test]
    fn a_setting_beside_a_subcommand_is_named_by_its_flag() {
        let refused = |args: &[&str]| {
            let c = Cli::parse_from(args);
            let cmd = c.command.as_ref().unwrap();
            refuse_full_run_flags(&c, cmd).map_err(|e| e.to_string())
        };
        assert!(refused(&["k", "--os", "debian", "renew"]).is_ok());
        // The cluster file says where the files are, for a change too.
        assert!(refused(&["k", "renew", "--cluster", "c.yaml"]).is_ok());
        for (flag, value) in [
            ("--cni-provider", Some("flannel")),
            ("--install-dashboard", None),
            ("--new", Some("token")),
            ("--prune", None),
        ] {
            let mut args = vec!["k", flag];
            args.extend(value);
            args.push("renew");
            if flag == "--prune" {
                args.splice(1..1, ["--cluster", "c.yaml"]);
            }
            let e = refused(&args).unwrap_err();
            assert!(
                e.starts_with(&format!("{flag} is a setting of a full run; renew")),
                "{e}"
            );
        }
        let m = flag_map(&Cli::parse_from([
            "k",
            "-c",
            "weave",
            "--api-address",
            "x",
            "-d",
        ]));
        assert_eq!(m["CNI_PROVIDER"], ("weave".into(), "--cni-provider".into()));
        assert_eq!(
            m["KUBE_API_ADVERTISE_ADDRESS"],
            ("x".into(), "--api-address".into())
        );
        assert_eq!(
            m["INSTALL_DASHBOARD"],
            ("true".into(), "--install-dashboard".into())
        );
        assert_eq!(m.len(), 3);
    }
}
