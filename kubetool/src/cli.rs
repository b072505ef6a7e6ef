//! The `kubetool` command line. [`Cli`] is its only definition: `--help`,
//! the man page (`man/kubetool.1`, by `cargo xtask man`) and the tests
//! read it.

use crate::env::{EnvFile, Sources};
use crate::error::{Error, Result};
use crate::hiera::Existing;
use crate::kubeadm::first_service_ip;
use crate::members::{self, Member};
use crate::pki::{New, Renew};
use crate::plan::{self, Imports, Request};
use crate::secret::Eyaml;
use crate::settings;
use crate::tool::TOOL;
use clap::{Args, CommandFactory, Parser, Subcommand};
use clikit::files::{Journal, Recovered};
use clikit::{Format, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::net::IpAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::{Duration, OffsetDateTime};

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
SETTINGS
Each setting is a flag and an environment variable: -o OS, -v VERSION, \
-r CONTAINER_RUNTIME, -c CNI_PROVIDER, -p CNI_PROVIDER_VERSION, -i \
ETCD_INITIAL_CLUSTER, -t ETCD_IP, -a KUBE_API_ADVERTISE_ADDRESS, -d \
INSTALL_DASHBOARD, -b KEY_SIZE, --ca-algo CA_ALGO, --sa-size SA_SIZE; kubetool \
adds --sa-algo SA_ALGO, --controller-address CONTROLLER_ADDRESS and \
--package-version PACKAGE_VERSION. A flag wins over the --env-file, which wins over \
the environment, and an empty value is unset wherever it is. The original's \
underscore spellings (--container_runtime, --etcd_initial_cluster, --ca_algo, ...) \
are accepted. The env file has NAME=value lines, # comments and blank lines, as \
docker run --env-file reads them: the value is taken literally, quotes included.

--cluster FILE takes the settings from a cluster file (cluster.yaml(5)): its kubernetes \
section gives the settings above by their lower-case names (version, cni_provider, ...), \
its masters give ETCD_INITIAL_CLUSTER (each name and IPv4 address) and its VIP, port 6443, \
CONTROLLER_ADDRESS. Flags, the env file and the environment override the file, except \
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
    after_long_help = after_long_help(),
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
#[derive(Debug, Args)]
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
    /// OS: names the cluster-wide Hiera file (Debian.yaml) and decides the package version [default: Debian]
    #[arg(short = 'o', long, value_name = "OS", global = true)]
    pub os: Option<String>,
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
    pub validity: Duration,
    /// Validity of new CAs
    #[arg(long, value_name = "DURATION", global = true, default_value = "10y", value_parser = parse_validity)]
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
#[derive(Debug, Args, Default)]
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
    /// Take the settings from a cluster file: its masters, VIP and kubernetes section
    #[arg(long, value_name = "FILE")]
    pub cluster: Option<String>,
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
    /// Print kubetool's own version (as -V does)
    Version,
}

impl Command {
    /// The subcommand as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::AddMember { .. } => "add-member",
            Command::RemoveMember { .. } => "remove-member",
            Command::Renew { .. } => "renew",
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
pub fn main_entry<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    clikit::main_entry(&TOOL, args.into_iter().map(Into::into).collect(), run)
}

/// The text after the options in `--help` and the man page: the exit
/// statuses, rendered from [`TOOL`], then the rest.
pub fn after_long_help() -> String {
    format!("{}\n{MORE_HELP}", TOOL.exit_status())
}

fn environ(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The flag values by variable name.
fn flag_map(c: &Cli) -> BTreeMap<&'static str, (String, &'static str)> {
    let s = &c.settings;
    let mut m = BTreeMap::new();
    let mut put = |var, v: &Option<String>, flag| {
        if let Some(v) = v {
            m.insert(var, (v.clone(), flag));
        }
    };
    put("OS", &c.common.os, "--os");
    put("VERSION", &s.version, "--version");
    put(
        "CONTAINER_RUNTIME",
        &s.container_runtime,
        "--container-runtime",
    );
    put("CNI_PROVIDER", &s.cni_provider, "--cni-provider");
    put(
        "CNI_PROVIDER_VERSION",
        &s.cni_provider_version,
        "--cni-provider-version",
    );
    put(
        "ETCD_INITIAL_CLUSTER",
        &s.etcd_initial_cluster,
        "--etcd-initial-cluster",
    );
    put("ETCD_IP", &s.etcd_ip, "--etcd-ip");
    put(
        "KUBE_API_ADVERTISE_ADDRESS",
        &s.api_address,
        "--api-address",
    );
    put("KEY_SIZE", &s.key_size, "--key-size");
    put("CA_ALGO", &s.ca_algo, "--ca-algo");
    put("SA_SIZE", &s.sa_size, "--sa-size");
    put("SA_ALGO", &s.sa_algo, "--sa-algo");
    put(
        "CONTROLLER_ADDRESS",
        &s.controller_address,
        "--controller-address",
    );
    put("PACKAGE_VERSION", &s.package_version, "--package-version");
    if s.install_dashboard {
        m.insert("INSTALL_DASHBOARD", ("true".into(), "--install-dashboard"));
    }
    m
}

/// The settings a `--cluster` file gives. The file names the masters, so
/// `ETCD_INITIAL_CLUSTER` from the env file or the environment would
/// contradict it: that is an error rather than a silent override.
fn cluster_settings(
    path: &str,
    sources: &Sources,
) -> Result<BTreeMap<&'static str, crate::env::Given>> {
    if let Some(g) = sources.get("ETCD_INITIAL_CLUSTER") {
        return Err(Error::Usage(format!(
            "{}: the masters come from --cluster {path}; unset ETCD_INITIAL_CLUSTER (or drop --cluster)",
            g.from
        )));
    }
    let file = clusterfile::load(path).map_err(|e| Error::Input(e.to_string()))?;
    Ok(crate::env::from_cluster_file(
        &clikit::display_name(path),
        &file,
    ))
}

fn read_ca_files(
    cert: &Option<PathBuf>,
    key: &Option<PathBuf>,
    flag: &str,
) -> Result<Option<certs::Ca>> {
    let (Some(cert), Some(key)) = (cert, key) else {
        return Ok(None);
    };
    let read = |p: &Path, which: &str| {
        clikit::read_text(&p.to_string_lossy()).map_err(|e| {
            Error::Input(format!(
                "--{flag}-ca-{which} {}: cannot read it: {e}",
                p.display()
            ))
        })
    };
    let (c, k) = (read(cert, "cert")?, read(key, "key")?);
    let ca_cert = certs::Certificate::from_pem(&c)
        .map_err(Error::pki(format!("--{flag}-ca-cert {}", cert.display())))?;
    let ca_key = certs::PrivateKey::from_pem(&k)
        .map_err(Error::pki(format!("--{flag}-ca-key {}", key.display())))?;
    certs::Ca::new(ca_cert, ca_key)
        .map(Some)
        .map_err(Error::pki(format!(
            "--{flag}-ca-cert {} and --{flag}-ca-key {}",
            cert.display(),
            key.display()
        )))
}

/// Runs a parsed command line. Warnings found before a failure are
/// printed with it.
pub fn run(c: &Cli) -> Result<Outcome> {
    if let Some(Command::Version) = &c.command {
        return Ok(Outcome::ok(format!("kubetool {}\n", clikit::VERSION)));
    }
    if let Some(cmd) = &c.command {
        refuse_full_run_flags(c, cmd)?;
    }
    let mut warnings = Vec::new();
    match run_warned(c, &mut warnings) {
        Ok(out) => Ok(out.with_warnings(warnings)),
        Err(e) => Err(e.warned(warnings)),
    }
}

fn run_warned(c: &Cli, warnings: &mut Vec<String>) -> Result<Outcome> {
    let sources = sources(c, warnings)?;
    let dir = &c.common.dir;
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Io(format!(
            "--dir {}: it is not a directory",
            dir.display()
        )));
    }
    // Settle an interrupted run and hold the lock before reading anything;
    // a --check writes nothing, recovery included.
    let journal = if dir.is_dir() && !c.common.check {
        Some(open_journal(dir, warnings)?)
    } else {
        None
    };
    let kubeadm = kubeadm_options(&c.common)?;
    let eyaml = Eyaml::load(
        c.common.eyaml_public_key.as_deref(),
        c.common.eyaml_private_key.as_deref(),
        warnings,
    )?;
    let (req, imports, existing) = match &c.command {
        None => full_run(c, &sources, kubeadm, eyaml, warnings)?,
        Some(cmd) => change(c, cmd, &sources, kubeadm, eyaml, warnings)?,
    };
    finish(c, &req, imports, existing, warnings, journal)
}

/// The journal of the Hiera directory's changes (see
/// [`clikit::files::Journal`]): a run killed between two renames is
/// finished, or undone, by the next run, before it reads anything.
pub const JOURNAL: &str = ".kubetool.journal";

fn open_journal(dir: &std::path::Path, warnings: &mut Vec<String>) -> Result<Journal> {
    let (journal, recovered) = Journal::open(&dir.join(JOURNAL))?;
    match recovered {
        Recovered::Nothing => {}
        Recovered::RolledBack(n) => warnings.push(format!(
            "an earlier run was interrupted before it changed anything: its {n} temporary files were removed and the old files stand"
        )),
        Recovered::RolledForward(n) => warnings.push(format!(
            "an earlier run was interrupted while it renamed its files into place: its last {n} renames and removals were done, so its new files stand"
        )),
    }
    Ok(journal)
}

/// A change (add-member, remove-member, renew) takes its settings from the
/// existing cluster-wide file: a setting of the full run beside it is a
/// mistake, named. (Options of every command, such as --dir, may come
/// before or after the subcommand.)
fn refuse_full_run_flags(c: &Cli, cmd: &Command) -> Result<()> {
    let s = &c.settings;
    let mut given: Vec<&str> = flag_map(c)
        .into_values()
        .map(|(_, flag)| flag)
        .filter(|f| *f != "--os")
        .collect();
    let paths = [
        (&s.etcd_ca_cert, "--etcd-ca-cert"),
        (&s.etcd_ca_key, "--etcd-ca-key"),
        (&s.kubernetes_ca_cert, "--kubernetes-ca-cert"),
        (&s.kubernetes_ca_key, "--kubernetes-ca-key"),
        (&s.front_proxy_ca_cert, "--front-proxy-ca-cert"),
        (&s.front_proxy_ca_key, "--front-proxy-ca-key"),
    ];
    given.extend(paths.iter().filter(|(p, _)| p.is_some()).map(|(_, f)| *f));
    for (set, flag) in [
        (s.cluster.is_some(), "--cluster"),
        (s.prune, "--prune"),
        (s.install_dashboard, "--install-dashboard"),
        (!s.new.is_empty(), "--new"),
    ] {
        if set {
            given.push(flag);
        }
    }
    match given.first() {
        None => Ok(()),
        Some(flag) => Err(Error::Usage(format!(
            "{flag} is a setting of a full run; {} takes its settings from the existing cluster-wide file (leave {flag} out, or run without a subcommand)",
            cmd.name()
        ))),
    }
}

/// Where the settings come from: the flags, the `--env-file` (whose
/// unknown names are warnings), the environment, the `--cluster` file.
fn sources<'a>(c: &Cli, warnings: &mut Vec<String>) -> Result<Sources<'a>> {
    let file = match &c.common.env_file {
        None => None,
        Some(p) => {
            let name = p.display().to_string();
            let text = clikit::read_text(&name)
                .map_err(|e| Error::Usage(format!("--env-file {name}: cannot read it: {e}")))?;
            let (f, w) = EnvFile::parse(&name, &text, &environ)?;
            warnings.extend(w);
            Some(f)
        }
    };
    let mut sources = Sources {
        flags: flag_map(c),
        file,
        environ: &environ,
        cluster: Default::default(),
    };
    if let Some(path) = &c.settings.cluster {
        sources.cluster = cluster_settings(path, &sources)?;
    }
    Ok(sources)
}

/// `--kubeadm DIR` and the options of its trees, checked.
/// The kubeadm options, checked whether or not `--kubeadm` is given (a
/// mistake in a flag is reported at once, not on the run that first uses
/// it).
fn kubeadm_options(o: &Common) -> Result<Option<crate::kubeadm::Options>> {
    // SANs follow the certificate grammar (certs), which may be wider than
    // the cluster file's host names: an API name from elsewhere is allowed.
    for san in &o.apiserver_sans {
        if san.parse::<IpAddr>().is_err() && !certs::issue::is_dns_name(san) {
            return Err(Error::Usage(format!(
                "--apiserver-cert-san: {san:?} is neither an address nor a DNS name"
            )));
        }
    }
    if !certs::issue::is_dns_name(&o.dns_domain) {
        return Err(Error::Usage(format!(
            "--dns-domain: {:?} is not a DNS domain",
            o.dns_domain
        )));
    }
    let service_ip = first_service_ip(&o.service_cidr)?;
    Ok(o.kubeadm.as_ref().map(|k| crate::kubeadm::Options {
        dir: k.clone(),
        dns_domain: o.dns_domain.clone(),
        service_ip,
        apiserver_sans: o.apiserver_sans.clone(),
    }))
}

/// What a full run needs: the settings, imported CAs and existing data;
/// with `--cluster`, the members follow the file.
fn full_run(
    c: &Cli,
    sources: &Sources,
    kubeadm: Option<crate::kubeadm::Options>,
    eyaml: Eyaml,
    warnings: &mut Vec<String>,
) -> Result<(Request, Imports, Option<Existing>)> {
    let s = settings::resolve(sources, warnings)?;
    let f = &c.settings;
    let imports = Imports {
        etcd: read_ca_files(&f.etcd_ca_cert, &f.etcd_ca_key, "etcd")?,
        kubernetes: read_ca_files(&f.kubernetes_ca_cert, &f.kubernetes_ca_key, "kubernetes")?,
        front_proxy: read_ca_files(&f.front_proxy_ca_cert, &f.front_proxy_ca_key, "front-proxy")?,
    };
    let mut req = Request {
        dir: c.common.dir.clone(),
        stem: settings::file_stem(&s.os),
        members: s.members,
        values: s.values,
        key: s.key,
        sa_key: s.sa_key,
        new: f.new.iter().copied().collect::<BTreeSet<_>>(),
        validity: c.common.validity,
        ca_validity: c.common.ca_validity,
        renew: Renew::Never,
        remove: vec![],
        kubeadm,
        now: OffsetDateTime::now_utc(),
        eyaml,
    };
    let existing = Existing::read(&plan::os_path(&req.dir, &req.stem))?;
    if let (None, Some(e)) = (&f.cluster, &existing) {
        warn_dropped(
            &req.members,
            &plan::recover_members(e)?,
            &req.stem,
            warnings,
        );
    }
    if let (Some(path), Some(e)) = (&f.cluster, &existing) {
        let followed = members::follow(
            std::mem::take(&mut req.members),
            &plan::recover_members(e)?,
            f.prune,
            path,
        );
        req.members = followed.members;
        req.remove = followed.removed;
        warnings.extend(followed.warnings);
    }
    Ok((req, imports, existing))
}

/// A full run takes its members from the settings: members the existing
/// file lists but the settings do not (added with add-member since) are
/// about to leave the cluster-wide keys while their files stay. Say so,
/// and how to keep them.
fn warn_dropped(members: &[Member], before: &[Member], stem: &str, warnings: &mut Vec<String>) {
    let dropped: Vec<&str> = before
        .iter()
        .filter(|b| !members.iter().any(|m| m.name == b.name))
        .map(|b| b.name.as_str())
        .collect();
    if !dropped.is_empty() {
        warnings.push(format!(
            "this run takes {} out of etcd_initial_cluster, etcd_peers and api_server_count in {stem}.yaml \
             (the settings' members do not include them; were they added with add-member?) while their files stay; \
             to keep them, add them to ETCD_INITIAL_CLUSTER (or run with --cluster and a cluster file that lists them); \
             to remove them, use remove-member",
            dropped.join(", ")
        ));
    }
}

/// What a change to an existing cluster needs (add-member, remove-member,
/// renew): its settings come from the existing cluster-wide file.
fn change(
    c: &Cli,
    cmd: &Command,
    sources: &Sources,
    kubeadm: Option<crate::kubeadm::Options>,
    eyaml: Eyaml,
    warnings: &mut Vec<String>,
) -> Result<(Request, Imports, Option<Existing>)> {
    let stem = settings::file_stem(&settings::os(sources)?);
    let path = plan::os_path(&c.common.dir, &stem);
    let Some(existing) = Existing::read(&path)? else {
        return Err(Error::Input(format!(
            "{} does not exist: run kubetool with the full settings first (or give the right --dir and --os)",
            path.display()
        )));
    };
    let (mut members, values) = plan::recover(&existing)?;
    let mut remove = vec![];
    let mut renew = Renew::Never;
    match cmd {
        Command::AddMember { member } => {
            let m = Member::parse(member, "add-member")?;
            if members.contains(&m) {
                // Run twice (a Puppet exec, a retried script): nothing to add,
                // and the run below still makes anything of it that is missing.
                warnings.push(format!(
                    "add-member: {} is already a member at {}; nothing to add",
                    m.name, m.ip
                ));
            } else {
                members::add(&mut members, m, "add-member")?;
            }
        }
        Command::RemoveMember { name } if !members.iter().any(|m| &m.name == name) => {
            // Already gone: nothing to take out of the cluster-wide file, but
            // a file of its own that is left over goes.
            members::check_name(name, "remove-member")?;
            warnings.push(format!(
                "remove-member: {name} is not a member; nothing to remove"
            ));
            remove.push(name.clone());
        }
        Command::RemoveMember { name } => {
            let controller_is_default = values.controller_address.is_none();
            let (gone, warning) = members::remove(&mut members, name, controller_is_default)?;
            warnings.extend(warning);
            remove.push(gone.name);
        }
        Command::Renew { expiring_within } => {
            renew = expiring_within.map_or(Renew::All, Renew::Within);
        }
        Command::Version => unreachable!("run answers `version` before anything is read"),
    }
    let req = Request {
        dir: c.common.dir.clone(),
        stem,
        members,
        values,
        key: None,
        sa_key: None,
        new: BTreeSet::new(),
        validity: c.common.validity,
        ca_validity: c.common.ca_validity,
        renew,
        remove,
        kubeadm,
        now: OffsetDateTime::now_utc(),
        eyaml,
    };
    Ok((req, Imports::default(), Some(existing)))
}

#[derive(serde::Serialize)]
struct Report<'a> {
    files: Vec<FileRow>,
    certificates: &'a [crate::pki::Record],
    notes: &'a [String],
}

#[derive(serde::Serialize)]
struct FileRow {
    path: String,
    action: clikit::files::Action,
}

fn finish(
    c: &Cli,
    req: &Request,
    imports: Imports,
    existing: Option<Existing>,
    warnings: &mut Vec<String>,
    journal: Option<Journal>,
) -> Result<Outcome> {
    let p = plan::plan(req, imports, existing.as_ref())?;
    warnings.extend(p.notes.iter().cloned());
    if c.common.stdout {
        let docs = p.hiera.iter().map(|(_, t)| t.as_str()).collect();
        return Ok(Outcome::ok(docs));
    }
    if c.common.check {
        let pending = clikit::files::preview(&p.change)?;
        let change_needed = pending
            .iter()
            .any(|(_, a)| *a != clikit::files::Action::Unchanged);
        let out = report(c, pending, &p);
        return Ok(Outcome::new(out, u8::from(change_needed)));
    }
    let journal = match journal {
        Some(j) => j,
        None => {
            // A first run: the directory, private, then its journal.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(p.change.dir_mode)
                .create(&req.dir)
                .map_err(|e| Error::Io(format!("cannot create {}: {e}", req.dir.display())))?;
            open_journal(&req.dir, warnings)?
        }
    };
    let done = clikit::files::apply_journaled(&p.change, &journal)?;
    Ok(Outcome::ok(report(c, done, &p)))
}

/// The report of what a run did (or, with --check, would do) to each file,
/// and to each certificate.
fn report(c: &Cli, done: Vec<(PathBuf, clikit::files::Action)>, p: &plan::Plan) -> String {
    let files: Vec<FileRow> = done
        .into_iter()
        .map(|(path, action)| FileRow {
            path: path
                .strip_prefix(".")
                .unwrap_or(&path)
                .display()
                .to_string(),
            action,
        })
        .collect();
    let report = Report {
        files,
        certificates: &p.records,
        notes: &p.notes,
    };
    let text = || {
        let rows = report
            .files
            .iter()
            .map(|f| vec![f.path.clone(), f.action.name().to_owned()])
            .collect();
        let mut out = clikit::table(&["FILE", "ACTION"], rows);
        out.push('\n');
        let rows = report
            .certificates
            .iter()
            .map(|r| vec![r.item.clone(), r.action.to_owned(), r.detail.clone()])
            .collect();
        out.push_str(&clikit::table(&["ITEM", "ACTION", "DETAIL"], rows));
        out
    };
    c.common.format.render(&report, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
