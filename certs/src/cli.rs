//! The `certs` command line. [`Cli`] is its only definition: `--help`, the
//! man page (`man/certs.1`, by `cargo xtask man`) and the tests read it.
//! Its exit statuses are [`crate::TOOL`]'s table.

use crate::cert::{Certificate, Role};
use crate::check::{self, Thresholds};
use crate::inspect;
use crate::issue::{Ca, LeafSpec, request_public_key};
use crate::key::PrivateKey;
use crate::source::{Item, ItemKind, read_named_items};
use crate::tool::TOOL;
use crate::verify;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use clikit::{CheckFormat, Format, Outcome};
use std::ffi::OsString;
use std::net::IpAddr;
use std::process::ExitCode;
use time::{Duration, OffsetDateTime};

const ABOUT: &str = "Inspect, check, verify and sign X.509 certificates of a cluster PKI";

const LONG_ABOUT: &str = "\
certs reads the certificates and keys of a Kubernetes or etcd PKI wherever they \
live: PEM files with one or many blocks, DER, kubeadm's /etc/kubernetes tree with \
its kubeconfigs, and the Hiera YAML that kubetool writes for the \
puppetlabs-kubernetes module (every PEM value, labelled by its key). It shows what \
they hold, watches their expiry as a Nagios plugin, verifies a certificate for a \
use, prints kubeadm's discovery hash, and signs short-lived client certificates \
for users.";

/// The text after the exit statuses in `--help`, rendered into the man
/// page too (upper-case lines become section headings there).
const MORE_HELP: &str = "\
EXAMPLES
What does the Hiera data kubetool wrote hold?
  certs inspect Debian.yaml deadlock.yaml
  kubetool --stdout | certs inspect -

The certificate a server presents, from a pipeline:
  openssl s_client -connect lb.ocf.berkeley.edu:443 </dev/null 2>/dev/null | certs inspect -

Hiera data whose keys are encrypted with hiera-eyaml (ENC[PKCS7,...]): without \
the private key the certificates are checked and the keys listed as encrypted; \
with it, on the Puppet server, the keys are read and paired too:
  certs check /etc/puppet/code/environments/production/data/kubernetes
  certs --eyaml-private-key /etc/puppet/eyaml/keys/private_key.pkcs7.pem \
    check /etc/puppet/code/environments/production/data/kubernetes

Everything that expires on a master, as JSON for jq:
  certs check /etc/kubernetes --format json | jq '.certificates[] | select(.days_left < 60)'

As a Nagios (or Icinga) service, warning 30 days and critical 7 days ahead:
  define command {
    command_name  check_kube_certs
    command_line  /usr/bin/certs check --warning 30 --critical 7 /etc/kubernetes
  }

Will etcd on deadlock accept this server certificate and key?
  certs verify --ca /etc/kubernetes/pki/etcd/ca.crt --host 192.0.2.75 --usage peer \\
    --key /etc/kubernetes/pki/etcd/server.key /etc/kubernetes/pki/etcd/server.crt

kubeadm's discovery hash, and the bare form the puppetlabs module's \
kubernetes::discovery_token_hash wants:
  certs pin /etc/kubernetes/pki/ca.crt
  certs pin --bare /etc/kubernetes/pki/ca.crt

Sign a user's key for an hour as alice in group ocf-staff (what certsign does):
  openssl pkey -in alice.key -pubout | certs sign --ca ca.crt --ca-key ca.key \\
    --cn alice --group ocf-staff --lifetime 60m > alice.crt

NOTES
Host names are matched against the subject alternative names only; the common \
name is ignored, as Go's TLS (Kubernetes, etcd) does. A `*` matches exactly one \
leftmost label.

sign ignores the subject and extensions a request asks for: the signer decides \
the identity. The request's signature is checked (it proves the sender holds the \
key). The certificate's not-before is five minutes in the past to allow for clock \
skew, and a certificate that would outlive its CA is refused.

check reads, in a directory tree, files ending in .crt, .pem, .cer, .der, .key, \
.pub, .conf, .kubeconfig, .yaml and .yml; valid YAML without certificates (static \
pod manifests) is skipped. Any file so named that cannot be read makes the tree \
UNKNOWN at least, naming it, however many certificates are OK: a FIFO, a device, \
a link to nothing, YAML that does not parse or is nested more than 64 levels deep, \
a damaged PEM value. A key is paired with its certificate by name: X.crt with \
X.key or X-key.pem, Hiera X_crt with X_key, kubeconfig client-certificate-data \
with client-key-data, the key in a PEM bundle with its first certificate, and \
sa.key with sa.pub.

SEE ALSO
kubetool(1), vipcheck(1), openssl(1), cluster.yaml(5)";

/// Inspect, check, verify and sign X.509 certificates of a cluster PKI.
#[derive(Debug, Parser)]
#[command(name = "certs", version = clikit::VERSION, about = ABOUT, long_about = LONG_ABOUT, after_long_help = TOOL.after_long_help(MORE_HELP))]
pub struct Cli {
    /// Output format: text, json, or prometheus (check only, for node_exporter)
    #[arg(long, value_enum, default_value_t = CheckFormat::Text, global = true)]
    pub format: CheckFormat,
    /// hiera-eyaml's private key (private_key.pkcs7.pem): inspect and check
    /// read the encrypted values of Hiera files with it; without it they are
    /// listed as encrypted
    #[arg(long, value_name = "FILE", global = true)]
    pub eyaml_private_key: Option<std::path::PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what certificates, keys and requests hold.
    #[command(
        long_about = "Show every certificate, private key, public key and certificate \
request in the inputs: subject, issuer, serial, validity and days left, subject \
alternative names, key usage, extended key usage, CA flag, key type and size, SHA-256 \
fingerprint and SPKI pin. Inputs are PEM (one or many blocks), DER, Hiera YAML (every \
PEM value, labelled by its key) or kubeconfig files; with none, or -, stdin is read."
    )]
    Inspect {
        /// Files to read; - is stdin.
        #[arg(value_name = "FILE")]
        files: Vec<String>,
    },
    /// Nagios check of expiry and sanity over files, trees and Hiera YAML.
    #[command(
        long_about = "Check every certificate in the given files and directory \
trees (for example /etc/kubernetes) or Hiera YAML for expiry against the thresholds, \
and for a certificate used as a CA without the CA flag, a leaf that outlives its CA, and \
a key that is not its certificate's pair. Prints one Nagios status line with \
performance data, then each problem and a table of all certificates."
    )]
    Check {
        /// Files or directories to check; - is stdin.
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<String>,
        /// WARNING when fewer than DAYS days are left.
        #[arg(short, long, value_name = "DAYS", default_value_t = 30)]
        warning: u32,
        /// CRITICAL when fewer than DAYS days are left (at most --warning).
        #[arg(short, long, value_name = "DAYS", default_value_t = 7)]
        critical: u32,
    },
    /// Whether HAProxy's TLS bundle covers every host the cluster file
    /// serves over TLS.
    #[command(
        long_about = "Check offline, before HAProxy reloads, that the certificate in \
HAProxy's bundle (BUNDLE, or the cluster file's ingress.tls_bundle) covers every host name \
the cluster file sends to the HTTPS frontend: each service and alias under the domain and \
under each alternate domain (redirected only after the handshake), each dev host, and for \
each routed suffix the wildcard *.SUFFIX.DOMAIN itself. Only subject alternative names \
count; a wildcard covers one label. A Nagios plugin: CRITICAL names each host not covered, \
and a bundle that cannot be read, holds no certificate, or whose key is not the \
certificate's pair; otherwise the certificate's days left against --warning and \
--critical. With --state it is a state check for Puppet: 0 when HAProxy may serve the \
bundle now (every name covered, valid now), 1 when not, 2 on any error."
    )]
    Covers {
        /// The cluster file (its ingress section).
        #[arg(long, value_name = "FILE")]
        cluster: String,
        /// A state check for Puppet's unless/onlyif (0 covered, 1 not, 2
        /// error) instead of a Nagios plugin.
        #[arg(long)]
        state: bool,
        /// WARNING when fewer than DAYS days are left.
        #[arg(short, long, value_name = "DAYS", default_value_t = 30)]
        warning: u32,
        /// CRITICAL when fewer than DAYS days are left (at most --warning).
        #[arg(short, long, value_name = "DAYS", default_value_t = 7)]
        critical: u32,
        /// The bundle: certificate chain, leaf first, and key (default: the
        /// file's ingress.tls_bundle); - is stdin.
        #[arg(value_name = "BUNDLE")]
        bundle: Option<String>,
    },
    /// Verify a certificate for a use: chain, validity, host, usage, key.
    #[command(
        long_about = "Verify CERT against the CA certificates in the --ca file: the \
signature chain (intermediates may follow the leaf in CERT), validity now, and, when \
asked, that --host is among its subject alternative names, that its extended key usage \
allows the --usage role, and that --key is its private key. The chain check also applies \
what each CA allows below it: pathLenConstraint, name constraints (DNS, IP and email), \
its extended key usage for the --usage role, and no unknown critical extension on any \
certificate. Every check is reported; exit 0 when all pass, 1 when any fails.\n\n\
certs verify gives the verdict of Go's crypto/x509, which etcd and the API server use, \
and agrees with openssl verify except where the two differ: the common name is never \
taken for a host name (only subject alternative names count); a trailing dot on --host \
or a SAN is ignored; --host ::ffff:A.B.C.D is the IPv4 address A.B.C.D; anyExtendedKeyUsage \
allows every --usage; the leaf's key usage is not checked; an authority key identifier that \
does not match its issuer's subject key identifier is no failure (issuers are found by name \
and signature); critical CRL distribution points and authority information access are \
accepted; the certificates after the first in CERT are untrusted intermediates and every \
certificate in --ca is a trust anchor, an intermediate CA too. Every path to an anchor is \
tried, as Go tries them, so an expired, EKU-restricted or untrusted cross-signed issuer \
listed before a good one hides nothing; the search stops after 100 signature checks, as \
Go's does. Signatures made with SHA-1, by an Ed448 or RSA-PSS key, or by an RSA key under \
1024 bits (which Go refuses) fail as an algorithm not supported, never blamed on the CA; \
ECDSA on P-256, P-384 and P-521, Ed25519, and RSA (PKCS#1 v1.5 from 1024 bits, PSS from \
2048) are checked."
    )]
    Verify {
        /// The trusted CA certificate(s), PEM or DER.
        #[arg(long, value_name = "FILE")]
        ca: String,
        /// A DNS name or IP address the certificate must cover.
        #[arg(long, value_name = "NAME|IP", value_parser = non_empty_host)]
        host: Option<String>,
        /// The role the certificate must allow.
        #[arg(long, value_enum, value_name = "ROLE")]
        usage: Option<Usage>,
        /// A private key that must belong to the certificate.
        #[arg(long, value_name = "FILE")]
        key: Option<String>,
        /// The certificate to verify (the first in the file); - is stdin.
        #[arg(value_name = "CERT")]
        cert: String,
    },
    /// Sign a public key or request: a short-lived client certificate, or
    /// with --server a TLS server certificate.
    #[command(
        long_about = "Read a public key (PUBLIC KEY) or a certificate request \
(CERTIFICATE REQUEST) from INPUT or stdin and print a client certificate for it, signed \
by the CA, for the user --cn in the groups --group, valid for --lifetime. The request's \
own subject and extensions are ignored. With --server it is a TLS server certificate \
(serverAuth) for the names --dns and addresses --ip (at least one), such as HAProxy's \
bundle for the VIP's service hosts."
    )]
    Sign {
        /// A TLS server certificate instead of a client one.
        #[arg(long)]
        server: bool,
        /// A DNS name the server certificate covers (repeat; `*.` allowed).
        #[arg(long, value_name = "NAME", requires = "server")]
        dns: Vec<String>,
        /// An IP address the server certificate covers (repeat).
        #[arg(long, value_name = "ADDR", requires = "server")]
        ip: Vec<IpAddr>,
        /// The CA certificate; it may also hold the CA key.
        #[arg(long, value_name = "FILE")]
        ca: String,
        /// The CA private key, if not in the --ca file.
        #[arg(long, value_name = "FILE")]
        ca_key: Option<String>,
        /// Common name: the Kubernetes user name.
        #[arg(long, value_name = "NAME")]
        cn: String,
        /// An organization: a Kubernetes group (repeat for several).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// How long the certificate is valid: N (minutes), Nm, Nh, Nd or Ny.
        #[arg(long, value_name = "DURATION", default_value = "60m", value_parser = parse_lifetime)]
        lifetime: Duration,
        /// The public key or request; - is stdin.
        #[arg(value_name = "INPUT", default_value = "-")]
        input: String,
    },
    /// Print the SHA-256 SPKI pin (kubeadm's discovery-token-ca-cert-hash).
    #[command(
        long_about = "Print sha256:<hex> of each certificate's (or public key's) \
SubjectPublicKeyInfo: the value of kubeadm join's --discovery-token-ca-cert-hash when \
taken over the cluster CA."
    )]
    Pin {
        /// Print the hex without the sha256: prefix (Hiera's discovery_token_hash).
        #[arg(long)]
        bare: bool,
        /// CA certificates or public keys; - is stdin.
        #[arg(value_name = "FILE")]
        files: Vec<String>,
    },
    /// Print a new random bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}).
    Token,
}

/// `--usage` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Usage {
    /// TLS server (serverAuth).
    Server,
    /// TLS client (clientAuth).
    Client,
    /// Both, as etcd peers need.
    Peer,
}

impl From<Usage> for Role {
    fn from(u: Usage) -> Role {
        match u {
            Usage::Server => Role::Server,
            Usage::Client => Role::Client,
            Usage::Peer => Role::Peer,
        }
    }
}

fn parse_lifetime(s: &str) -> Result<Duration, String> {
    crate::parse_duration(s, Some('m'))
}

/// `--host`: not empty (an empty host would match an empty DNS SAN).
fn non_empty_host(s: &str) -> std::result::Result<String, String> {
    if s.trim().is_empty() {
        return Err("an empty host; give a DNS name or an IP address".into());
    }
    Ok(s.to_owned())
}

/// A failed run: what went wrong, for `certs: error: ...`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line cannot be used as given.
    #[error("{0}")]
    Usage(String),
    /// An input is missing, unreadable, damaged or of the wrong kind.
    #[error("{name}: {message}")]
    Input {
        /// The file, or `stdin`.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The cluster file cannot be used (its message names the file, line
    /// and field).
    #[error("{0}")]
    Cluster(String),
    /// The library refused (for example a leaf that would outlive its CA).
    #[error("{0}")]
    Pki(#[from] crate::Error),
}

impl clikit::Failure for CliError {
    fn is_usage(&self) -> bool {
        matches!(self, CliError::Usage(_))
    }
}

fn input_error(path: &str, message: impl std::fmt::Display) -> CliError {
    CliError::Input {
        name: clikit::display_name(path),
        message: message.to_string(),
    }
}

/// The eyaml private key of --eyaml-private-key, if given.
fn eyaml_key(cli: &Cli) -> Result<Option<crate::eyaml::PrivateKey>, CliError> {
    let Some(p) = &cli.eyaml_private_key else {
        return Ok(None);
    };
    let path = p.to_string_lossy();
    let text = clikit::read_text(&path)
        .map_err(|e| input_error(&path, format!("--eyaml-private-key: cannot read: {e}")))?;
    crate::eyaml::PrivateKey::from_pem(&text)
        .map(Some)
        .map_err(|e| input_error(&path, format!("--eyaml-private-key: {e}")))
}

/// Reads a file (or stdin) into items; a directory or an empty file is an error.
fn load(path: &str) -> Result<Vec<Item>, CliError> {
    load_with(path, None)
}

/// As [`load`], reading hiera-eyaml values with `eyaml`.
fn load_with(path: &str, eyaml: Option<&crate::eyaml::PrivateKey>) -> Result<Vec<Item>, CliError> {
    if path != "-" && std::path::Path::new(path).is_dir() {
        return Err(input_error(
            path,
            "is a directory; name the files (certs check walks directory trees)",
        ));
    }
    let data =
        clikit::read_input(path).map_err(|e| input_error(path, format!("cannot read: {e}")))?;
    read_named_items(path, &data, eyaml).map_err(|e| input_error(path, e))
}

fn found_kinds(items: &[Item]) -> String {
    let mut kinds: Vec<&str> = items.iter().map(|i| i.kind.name()).collect();
    kinds.dedup();
    kinds.join(", ")
}

/// Every certificate in a file; anything else where a certificate is needed
/// is an error that says what was found instead.
fn load_certificates(path: &str) -> Result<Vec<Certificate>, CliError> {
    let items = load(path)?;
    let kinds = found_kinds(&items);
    let mut certs = Vec::new();
    for item in items {
        match item.kind {
            ItemKind::Certificate(c) => certs.push(*c),
            ItemKind::Unusable(why) => return Err(input_error(path, why)),
            _ => {}
        }
    }
    if certs.is_empty() {
        return Err(input_error(
            path,
            format!("holds a {kinds} but no certificate; give the certificate file"),
        ));
    }
    Ok(certs)
}

fn load_private_key(path: &str) -> Result<PrivateKey, CliError> {
    let items = load(path)?;
    let kinds = found_kinds(&items);
    let mut unusable = None;
    for item in items {
        match item.kind {
            ItemKind::PrivateKey(k) => return Ok(*k),
            ItemKind::Unusable(why) => {
                unusable.get_or_insert(why);
            }
            _ => {}
        }
    }
    Err(match unusable {
        Some(why) => input_error(path, why),
        None => input_error(path, format!("holds a {kinds} but no private key")),
    })
}

/// Runs a parsed command line.
pub fn run(cli: &Cli) -> Result<Outcome, CliError> {
    let report = || cli.format.report().map_err(CliError::Usage);
    match &cli.command {
        Command::Inspect { files } => {
            let f = report()?;
            let files = clikit::inputs_or_stdin(files).map_err(CliError::Usage)?;
            let key = eyaml_key(cli)?;
            let mut entries = Vec::new();
            for path in &files {
                let items = load_with(path, key.as_ref())?;
                entries.extend(inspect::entries(&clikit::display_name(path), items));
            }
            // The readable items are shown; any unreadable one (a damaged
            // block, an encrypted key, a CRL) makes the run a failure.
            let unreadable = inspect::unreadable(&entries);
            let code = u8::from(!unreadable.is_empty());
            Ok(
                Outcome::new(f.render(&entries, || inspect::to_text(&entries)), code)
                    .with_warnings(unreadable),
            )
        }
        Command::Check {
            paths,
            warning,
            critical,
        } => {
            let t = thresholds(*warning, *critical)?;
            let key = eyaml_key(cli)?;
            let r = check::check_with(paths, t, OffsetDateTime::now_utc(), key.as_ref());
            let stdout = cli.format.check(&r.status(), &r, || r.long_text());
            Ok(Outcome::new(stdout, r.state.exit_code()))
        }
        Command::Covers {
            cluster,
            state,
            warning,
            critical,
            bundle,
        } => {
            let t = thresholds(*warning, *critical)?;
            let c = covers(cluster, bundle.as_deref(), t)?;
            if *state {
                let f = report()?;
                let text = || format!("{}\n{}", c.summary, c.long_text());
                return Ok(Outcome::new(f.render(&c, text), c.state_code()));
            }
            let stdout = cli.format.check(&c.status(), &c, || c.long_text());
            Ok(Outcome::new(stdout, c.state.exit_code()))
        }
        Command::Verify {
            ca,
            host,
            usage,
            key,
            cert,
        } => {
            let roots = load_certificates(ca)?;
            let mut chain = load_certificates(cert)?;
            let leaf = chain.remove(0);
            let key = key.as_deref().map(load_private_key).transpose()?;
            let o = verify::Options {
                host: host.as_deref(),
                role: usage.map(Role::from),
                key: key.as_ref(),
                at: OffsetDateTime::now_utc(),
            };
            let f = report()?;
            let checks = verify::verify(&leaf, &chain, &roots, &o);
            let ok = checks.iter().all(|c| c.ok);
            let name = clikit::display_name(cert);
            let report = VerifyReport {
                certificate: name.clone(),
                subject: leaf.info().subject.clone(),
                ok,
                checks,
            };
            let text = || {
                let mut out = format!("{name}: {}\n", if ok { "OK" } else { "FAILED" });
                let rows = report
                    .checks
                    .iter()
                    .map(|c| {
                        vec![
                            c.check.to_owned(),
                            if c.ok { "ok" } else { "FAILED" }.to_owned(),
                            c.detail.clone(),
                        ]
                    })
                    .collect();
                out.push_str(&clikit::table(&["CHECK", "RESULT", "DETAIL"], rows));
                out
            };
            Ok(Outcome::new(f.render(&report, text), u8::from(!ok)))
        }
        Command::Sign {
            server,
            dns,
            ip,
            ca,
            ca_key,
            cn,
            groups,
            lifetime,
            input,
        } => {
            let spec = sign_spec(*server, dns, ip, cn, groups, *lifetime)?;
            sign(ca, ca_key.as_deref(), &spec, input)
        }
        Command::Pin { bare, files } => pin(report()?, *bare, files),
        Command::Token => Ok(Outcome::ok(format!("{}\n", crate::bootstrap_token()?))),
    }
}

/// `--warning` and `--critical`, the critical one the nearer.
fn thresholds(warning: u32, critical: u32) -> Result<Thresholds, CliError> {
    if critical > warning {
        return Err(CliError::Usage(format!(
            "--critical {critical} is above --warning {warning}; the critical threshold must be the nearer one"
        )));
    }
    Ok(Thresholds {
        warning_days: i64::from(warning),
        critical_days: i64::from(critical),
    })
}

/// `covers`: the cluster file's TLS hosts against the bundle's first
/// certificate (and its key, when the bundle holds one). A cluster file
/// that cannot be used is an error (UNKNOWN, or 2); a bundle that cannot
/// be read is CRITICAL, never an error that could pass for OK.
fn covers(
    cluster: &str,
    bundle: Option<&str>,
    t: Thresholds,
) -> Result<crate::covers::Coverage, CliError> {
    let bad = |e: &dyn std::fmt::Display| CliError::Cluster(e.to_string());
    let file = clusterfile::load(cluster).map_err(|e| bad(&e))?;
    let ing = file.ingress("certs covers").map_err(|e| bad(&e))?;
    let wanted = ing.tls_hosts();
    let path = bundle.unwrap_or(&ing.tls_bundle);
    let name = clikit::display_name(path);
    let items = match load(path) {
        Ok(items) => items,
        Err(e) => {
            let why = match e {
                CliError::Input { message, .. } => message,
                other => other.to_string(),
            };
            return Ok(crate::covers::Coverage::unreadable(
                &name,
                wanted.len(),
                &why,
                t,
            ));
        }
    };
    let mut leaf = None;
    let mut key = None;
    for item in items {
        match item.kind {
            ItemKind::Certificate(c) if leaf.is_none() => leaf = Some(*c),
            ItemKind::PrivateKey(k) if key.is_none() => key = Some(*k),
            ItemKind::Unusable(why) => {
                return Ok(crate::covers::Coverage::unreadable(
                    &name,
                    wanted.len(),
                    &why,
                    t,
                ));
            }
            _ => {}
        }
    }
    let Some(leaf) = leaf else {
        let why = "holds no certificate";
        return Ok(crate::covers::Coverage::unreadable(
            &name,
            wanted.len(),
            why,
            t,
        ));
    };
    let matches = key.as_ref().map(|k| leaf.matches_key(k));
    let now = OffsetDateTime::now_utc();
    Ok(crate::covers::assess(
        &name, &wanted, &leaf, matches, now, t,
    ))
}

#[derive(serde::Serialize)]
struct VerifyReport {
    certificate: String,
    subject: String,
    ok: bool,
    checks: Vec<verify::Check>,
}

/// What `sign` issues: a client certificate for a user and groups, or a
/// server certificate for names and addresses.
fn sign_spec(
    server: bool,
    dns: &[String],
    ip: &[IpAddr],
    cn: &str,
    groups: &[String],
    lifetime: Duration,
) -> Result<LeafSpec, CliError> {
    if !server {
        let mut spec = LeafSpec::new(cn, Role::Client).validity(lifetime);
        for g in groups {
            spec = spec.organization(g.as_str());
        }
        return Ok(spec);
    }
    if !groups.is_empty() {
        return Err(CliError::Usage(
            "--group is for client certificates; a server certificate has --dns and --ip".into(),
        ));
    }
    if dns.is_empty() && ip.is_empty() {
        return Err(CliError::Usage(
            "--server needs at least one --dns NAME or --ip ADDR: clients check those, not the common name".into(),
        ));
    }
    if let Some(bad) = dns
        .iter()
        .find(|d| !crate::issue::is_dns_name(d.trim_start_matches("*.")))
    {
        return Err(CliError::Usage(format!("--dns {bad:?} is not a DNS name")));
    }
    Ok(LeafSpec::new(cn, Role::Server)
        .validity(lifetime)
        .dns(dns.iter().cloned())
        .ips(ip.iter().copied()))
}

fn sign(
    ca_path: &str,
    ca_key: Option<&str>,
    spec: &LeafSpec,
    input: &str,
) -> Result<Outcome, CliError> {
    if input == "-" && (ca_path == "-" || ca_key == Some("-")) {
        return Err(CliError::Usage(
            "stdin (-) can be read only once; name the input file".into(),
        ));
    }
    let ca_cert = load_certificates(ca_path)?.remove(0);
    let key = load_private_key(ca_key.unwrap_or(ca_path)).map_err(|e| match (ca_key, e) {
        (None, CliError::Input { name, .. }) => CliError::Input {
            name,
            message: "holds no CA private key; give it with --ca-key".into(),
        },
        (_, e) => e,
    })?;
    let ca = Ca::new(ca_cert, key).map_err(|e| input_error(ca_key.unwrap_or(ca_path), e))?;
    let items = load(input)?;
    let spki = items
        .iter()
        .find_map(|i| match &i.kind {
            ItemKind::PublicKey(spki) => Some(Ok(spki.clone())),
            ItemKind::Request(der) => Some(request_public_key(der).map_err(|e| input_error(input, e))),
            _ => None,
        })
        .unwrap_or_else(|| {
            Err(input_error(
                input,
                format!(
                    "holds a {} but no public key or certificate request; send the public key (openssl pkey -in KEY -pubout)",
                    found_kinds(&items)
                ),
            ))
        })?;
    let cert = ca
        .issue_for_spki_at(spec, &spki, OffsetDateTime::now_utc())
        .map_err(CliError::Pki)?;
    Ok(Outcome::ok(cert.pem()))
}

#[derive(serde::Serialize)]
struct PinLine {
    source: String,
    label: String,
    subject: Option<String>,
    pin: String,
}

fn pin(f: Format, bare: bool, files: &[String]) -> Result<Outcome, CliError> {
    let files = clikit::inputs_or_stdin(files).map_err(CliError::Usage)?;
    let mut lines = Vec::new();
    for path in &files {
        let items = load(path)?;
        let before = lines.len();
        for item in &items {
            let (subject, pin) = match &item.kind {
                ItemKind::Certificate(c) => {
                    (Some(c.info().subject.clone()), c.spki_pin().to_owned())
                }
                ItemKind::PublicKey(spki) => (None, crate::spki_pin(spki)),
                _ => continue,
            };
            lines.push(PinLine {
                source: clikit::display_name(path),
                label: item.label.clone(),
                subject,
                pin,
            });
        }
        if lines.len() == before {
            return Err(input_error(
                path,
                format!(
                    "holds a {} but no certificate or public key; pin the CA certificate (ca.crt)",
                    found_kinds(&items)
                ),
            ));
        }
    }
    let text = || {
        lines
            .iter()
            .map(|l| {
                let p = if bare {
                    l.pin.trim_start_matches("sha256:")
                } else {
                    &l.pin
                };
                format!("{p}\n")
            })
            .collect()
    };
    Ok(Outcome::ok(f.render(&lines, text)))
}

/// The whole program: parse, run, print, and choose the exit status.
pub fn main_entry(args: impl IntoIterator<Item = impl Into<OsString>>) -> ExitCode {
    clikit::main_entry(&TOOL, args, run)
}

/// The clap command, for the man page generator and tests.
pub fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("90").unwrap(), Duration::minutes(90));
        assert_eq!(parse_lifetime("12h").unwrap(), Duration::hours(12));
        assert_eq!(parse_lifetime("7d").unwrap(), Duration::days(7));
        for bad in ["", "0", "-5m", "5w", "h", "1.5h"] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
    }
}
