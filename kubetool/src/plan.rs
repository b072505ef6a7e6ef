//! A run, computed in memory: the Hiera documents (and the kubeadm tree),
//! from the settings, existing data and the [`Policy`]. Nothing is written
//! here; [`clikit::files::apply`] does that once everything has succeeded.

use crate::error::{Error, Result};
use crate::hiera::{self, Doc, Existing, Value};
use crate::members::{self, Member};
use crate::pki::{self, Authority, New, Pair, Policy, Record, Renew, Stored};
use crate::secret::{Eyaml, Secret, Tally};
use crate::settings::Values;
use certs::{Ca, KeyAlgorithm, LeafSpec, PrivateKey, Role};
use std::collections::BTreeSet;
use std::path::PathBuf;
use time::{Duration, OffsetDateTime};

/// The Hiera key prefix: the module's class.
const KEY_PREFIX: &str = "kubernetes::";

/// The keys of the cluster-wide Hiera file kubetool writes, in the order written.
pub const OS_KEYS: &[&str] = &[
    "kubernetes::kubernetes_version",
    "kubernetes::kubernetes_package_version",
    "kubernetes::container_runtime",
    "kubernetes::cni_provider",
    "kubernetes::cni_network_preinstall",
    "kubernetes::cni_network_provider",
    "kubernetes::cni_pod_cidr",
    "kubernetes::etcd_initial_cluster",
    "kubernetes::etcd_peers",
    "kubernetes::etcd_ip",
    "kubernetes::kube_api_advertise_address",
    "kubernetes::api_server_count",
    "kubernetes::controller_address",
    "kubernetes::install_dashboard",
    "kubernetes::token",
    "kubernetes::discovery_token_hash",
    "kubernetes::etcd_ca_crt",
    "kubernetes::etcd_ca_key",
    "kubernetes::etcdclient_crt",
    "kubernetes::etcdclient_key",
    "kubernetes::kubernetes_ca_crt",
    "kubernetes::kubernetes_ca_key",
    "kubernetes::kubernetes_front_proxy_ca_crt",
    "kubernetes::kubernetes_front_proxy_ca_key",
    "kubernetes::sa_key",
    "kubernetes::sa_pub",
];

/// The keys of a per-host file kubetool writes.
pub const HOST_KEYS: &[&str] = &[
    "kubernetes::etcdserver_crt",
    "kubernetes::etcdserver_key",
    "kubernetes::etcdpeer_crt",
    "kubernetes::etcdpeer_key",
    "kubernetes::etcdclient_crt",
    "kubernetes::etcdclient_key",
    "kubernetes::etcd_initial_cluster_state",
];

/// The CN of the etcd client certificates (the API server's identity
/// towards etcd, as kubeadm names it).
pub const ETCD_CLIENT_CN: &str = "kube-apiserver-etcd-client";

/// CA files given on the command line, already read and checked.
#[derive(Debug, Default)]
pub struct Imports {
    /// `--etcd-ca-cert` and `--etcd-ca-key`.
    pub etcd: Option<Ca>,
    /// `--kubernetes-ca-cert` and `--kubernetes-ca-key`.
    pub kubernetes: Option<Ca>,
    /// `--front-proxy-ca-cert` and `--front-proxy-ca-key`.
    pub front_proxy: Option<Ca>,
}

/// What to compute.
#[derive(Debug)]
pub struct Request {
    /// The output directory.
    pub dir: PathBuf,
    /// The cluster file's name without `.yaml`.
    pub stem: String,
    /// Where the files go under `dir`.
    pub layout: crate::layout::Layout,
    /// The etcd members after the change.
    pub members: Vec<Member>,
    /// The cluster file's other values.
    pub values: Values,
    /// The key algorithm asked for, if any.
    pub key: Option<KeyAlgorithm>,
    /// The service-account key algorithm asked for, if any.
    pub sa_key: Option<KeyAlgorithm>,
    /// What `--new` asks to make afresh.
    pub new: BTreeSet<New>,
    /// Validity of new leaves.
    pub validity: Duration,
    /// Validity of new CAs.
    pub ca_validity: Duration,
    /// When good leaves are reissued.
    pub renew: Renew,
    /// Members whose files are removed (remove-member).
    pub remove: Vec<String>,
    /// Where to write the kubeadm tree, if anywhere.
    pub kubeadm: Option<crate::kubeadm::Options>,
    /// The time of the run.
    pub now: OffsetDateTime,
    /// The eyaml keys: secrets are written encrypted when it has a public key.
    pub eyaml: Eyaml,
}

/// The outcome, before anything is written.
#[derive(Debug, Default)]
pub struct Plan {
    /// The files to write and remove.
    pub change: clikit::files::Change,
    /// The Hiera files, in order, for `--stdout`: (file name, text).
    pub hiera: Vec<(String, String)>,
    /// What happened to each certificate, key and token.
    pub records: Vec<Record>,
    /// Things the operator should know (printed as warnings).
    pub notes: Vec<String>,
    /// What encrypting the secrets changed.
    tally: Tally,
}

impl Request {
    /// The cluster-wide file's path.
    pub fn os_path(&self) -> PathBuf {
        self.layout.os_path(&self.dir, &self.stem)
    }

    /// A master's file's path.
    pub fn host_path(&self, member: &str) -> PathBuf {
        self.layout.host_path(&self.dir, member)
    }
}

fn found<'a>(
    e: Option<&Existing>,
    eyaml: &Eyaml,
    place: &'a str,
    crt: &str,
    key: &str,
) -> Result<Option<Stored<'a>>> {
    let Some(e) = e else { return Ok(None) };
    let (c, k) = (
        e.string(&format!("{KEY_PREFIX}{crt}"))?,
        eyaml.read(e, &format!("{KEY_PREFIX}{key}"))?,
    );
    match (c, k) {
        (Some(cert_pem), Some(key)) => Ok(Some(Stored {
            place,
            cert_pem,
            key,
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::value(
            &e.name,
            &format!("{KEY_PREFIX}{crt}"),
            format!("is there but {KEY_PREFIX}{key} is missing; restore it"),
        )),
        (None, Some(_)) => Err(Error::value(
            &e.name,
            &format!("{KEY_PREFIX}{key}"),
            format!("is there but {KEY_PREFIX}{crt} is missing; restore it"),
        )),
    }
}

/// The values of an existing cluster-wide Hiera file, for the commands that change
/// only the membership (add-member, remove-member, renew).
pub fn recover(os: &Existing) -> Result<(Vec<Member>, Values)> {
    let ic = os.required(
        &format!("{KEY_PREFIX}etcd_initial_cluster"),
        "the etcd members",
    )?;
    let members = members::parse_initial_cluster(
        &ic,
        &format!("{} {KEY_PREFIX}etcd_initial_cluster", os.name),
    )?;
    let dashboard = match os.get(&format!("{KEY_PREFIX}install_dashboard")) {
        None => false,
        Some(serde_yaml::Value::Bool(b)) => *b,
        Some(serde_yaml::Value::String(s)) if s == "true" || s == "false" => s == "true",
        Some(_) => {
            return Err(Error::value(
                &os.name,
                &format!("{KEY_PREFIX}install_dashboard"),
                "is not true or false",
            ));
        }
    };
    let controller = os.required(
        &format!("{KEY_PREFIX}controller_address"),
        "the API endpoint",
    )?;
    let values = Values {
        kubernetes_version: os.required(
            &format!("{KEY_PREFIX}kubernetes_version"),
            "the Kubernetes version",
        )?,
        package_version: os.required(
            &format!("{KEY_PREFIX}kubernetes_package_version"),
            "the package version",
        )?,
        container_runtime: os.required(
            &format!("{KEY_PREFIX}container_runtime"),
            "the container runtime",
        )?,
        cni_provider: os.required(&format!("{KEY_PREFIX}cni_provider"), "the CNI provider")?,
        cni_network_preinstall: os.string(&format!("{KEY_PREFIX}cni_network_preinstall"))?,
        cni_network_provider: os.string(&format!("{KEY_PREFIX}cni_network_provider"))?,
        cni_pod_cidr: os.required(&format!("{KEY_PREFIX}cni_pod_cidr"), "the pod network")?,
        etcd_ip: os.required(&format!("{KEY_PREFIX}etcd_ip"), "the address etcd binds to")?,
        kube_api_advertise_address: os.required(
            &format!("{KEY_PREFIX}kube_api_advertise_address"),
            "the API server's advertise address",
        )?,
        install_dashboard: dashboard,
        controller_address: (controller != members::default_controller_address(&members))
            .then_some(controller),
    };
    Ok((members, values))
}

fn str_entry(doc: &mut Doc, key: &str, v: impl Into<String>) {
    doc.push((format!("{KEY_PREFIX}{key}"), Value::Str(v.into())));
}

/// A PEM text as a literal block, with the newline it must end in.
fn pem_value(key: &str, v: &str) -> Result<Value> {
    let text = if v.ends_with('\n') {
        v.to_owned()
    } else {
        format!("{v}\n")
    };
    if !hiera::is_block_safe(&text) {
        return Err(Error::Input(format!(
            "{KEY_PREFIX}{key}: the PEM text has blank or indented lines and cannot be written as a block"
        )));
    }
    Ok(Value::Pem(text))
}

fn pem_entry(doc: &mut Doc, key: &str, v: &str) -> Result<()> {
    doc.push((format!("{KEY_PREFIX}{key}"), pem_value(key, v)?));
    Ok(())
}

/// The Hiera documents being built, and how their secrets are written.
struct Writer<'a> {
    eyaml: &'a Eyaml,
    tally: &'a mut Tally,
}

impl Writer<'_> {
    /// A secret: encrypted with eyaml, or in the clear (a PEM block when
    /// `pem`, else a string).
    fn secret(&mut self, doc: &mut Doc, key: &str, s: &Secret, pem: bool) -> Result<()> {
        let value = match self.eyaml.value(s, pem, self.tally)? {
            Value::Pem(text) => pem_value(key, &text)?,
            v => v,
        };
        doc.push((format!("{KEY_PREFIX}{key}"), value));
        Ok(())
    }

    fn pair(&mut self, doc: &mut Doc, crt: &str, key: &str, pair: &Pair) -> Result<()> {
        pem_entry(doc, crt, &pair.cert_pem)?;
        self.secret(doc, key, &pair.key, true)
    }

    fn ca(&mut self, doc: &mut Doc, kind: &pki::CaKind, a: &Authority) -> Result<()> {
        pem_entry(doc, kind.crt, &a.cert_pem)?;
        self.secret(doc, kind.key, &a.key, true)
    }
}

/// The CAs, keys and token a run uses, kept or made.
struct Secrets {
    etcd_ca: Authority,
    kube_ca: Authority,
    front_proxy_ca: Authority,
    sa_key: Secret,
    sa_pub_pem: String,
    token: Secret,
    /// The generic etcd client of the cluster-wide file.
    etcd_client: Pair,
}

/// One master's per-host file, before it is written.
struct HostFile {
    member: Member,
    name: String,
    path: PathBuf,
    doc: Doc,
    etcd_server: Pair,
    etcd_peer: Pair,
}

/// Computes a run: the secrets, each master's file, the cluster-wide
/// file, removals, and the kubeadm trees.
pub fn plan(req: &Request, imports: Imports, os_existing: Option<&Existing>) -> Result<Plan> {
    let mut out = Plan::default();
    let os_name = req.layout.os_name(&req.stem);
    let (policy, secrets) = secrets(req, imports, os_existing, &os_name, &mut out)?;
    let hosts = host_files(req, os_existing, &secrets.etcd_ca, &policy, &mut out)?;
    let controller = req
        .values
        .controller_address
        .clone()
        .unwrap_or_else(|| members::default_controller_address(&req.members));
    let doc = cluster_doc(req, &secrets, &controller, os_existing, &mut out.tally)?;
    let notes = req.eyaml.notes(&out.tally);
    out.notes.extend(notes);
    write_hiera(req, &os_name, &doc, &hosts, &mut out)?;
    remove_hosts(req, &mut out)?;
    if let Some(k) = &req.kubeadm {
        let shared = crate::kubeadm::Shared {
            etcd_ca: &secrets.etcd_ca,
            kube_ca: &secrets.kube_ca,
            front_proxy_ca: &secrets.front_proxy_ca,
            sa_key: &secrets.sa_key,
            sa_pub_pem: &secrets.sa_pub_pem,
            controller_address: &controller,
            version: &req.values.kubernetes_version,
            policy: &policy,
        };
        for h in &hosts {
            let master = crate::kubeadm::Master {
                member: &h.member,
                etcd_server: &h.etcd_server,
                etcd_peer: &h.etcd_peer,
            };
            crate::kubeadm::node(k, &shared, &master, &mut out.change, &mut out.records)?;
        }
        for name in &req.remove {
            crate::kubeadm::remove_node(k, name, &mut out.change);
        }
    }
    Ok(out)
}

/// The policy of the run, and every CA, key and token: kept from the
/// existing cluster-wide file, imported, or made.
fn secrets(
    req: &Request,
    imports: Imports,
    os_existing: Option<&Existing>,
    os_name: &str,
    out: &mut Plan,
) -> Result<(Policy, Secrets)> {
    let first_run = os_existing.is_none();
    let place = |k: &str| format!("{os_name} {KEY_PREFIX}{k}");
    // Existing CAs of the cluster-wide file, each read once.
    let eyaml = &req.eyaml;
    let read = |kind: &pki::CaKind| {
        pki::read_ca(found(
            os_existing,
            eyaml,
            &place(kind.crt),
            kind.crt,
            kind.key,
        )?)
    };
    let etcd_old = read(&pki::ETCD_CA)?;
    let kube_old = read(&pki::KUBERNETES_CA)?;
    let fp_old = read(&pki::FRONT_PROXY_CA)?;
    let sa_old = match os_existing {
        Some(e) => ServiceAccount::read(e, eyaml, os_name)?,
        None => None,
    };
    let policy = policy(req, etcd_old.as_ref(), sa_old.as_ref());

    let r = &mut out.records;
    let Imports {
        etcd,
        kubernetes,
        front_proxy,
    } = imports;
    let etcd_ca = pki::ca(&pki::ETCD_CA, etcd_old, etcd, first_run, &policy, r)?;
    let kube_ca = pki::ca(
        &pki::KUBERNETES_CA,
        kube_old,
        kubernetes,
        first_run,
        &policy,
        r,
    )?;
    let front_proxy_ca = pki::ca(
        &pki::FRONT_PROXY_CA,
        fp_old,
        front_proxy,
        first_run,
        &policy,
        r,
    )?;
    if let Some(want) = req.key {
        for (kind, a) in [
            (&pki::ETCD_CA, &etcd_ca),
            (&pki::KUBERNETES_CA, &kube_ca),
            (&pki::FRONT_PROXY_CA, &front_proxy_ca),
        ] {
            if !a.generated && a.key_type().algorithm() != Some(want) {
                out.notes.push(format!(
                    "the {} CA's key is {}, not {} as asked; CAs are kept (pass --new {} to replace it)",
                    kind.name,
                    a.key_type(),
                    want.name(),
                    kind.new.name()
                ));
            }
        }
    }
    let (sa_key, sa_pub_pem) = service_account_key(req, &policy, os_existing, sa_old, out)?;
    let token = bootstrap_token(&policy, os_existing, os_name, eyaml, &mut out.records)?;
    let client_place = place("etcdclient_crt");
    let etcd_client = pki::leaf(
        client_place.clone(),
        &etcd_ca,
        &LeafSpec::new(ETCD_CLIENT_CN, Role::Client),
        found(
            os_existing,
            eyaml,
            &client_place,
            "etcdclient_crt",
            "etcdclient_key",
        )?,
        &policy,
        &mut out.records,
    )?;
    let secrets = Secrets {
        etcd_ca,
        kube_ca,
        front_proxy_ca,
        sa_key,
        sa_pub_pem,
        token,
        etcd_client,
    };
    Ok((policy, secrets))
}

/// What to keep, make and renew. Defaults for new keys follow the
/// existing CAs and key, so a re-run with no key settings never churns
/// keys.
fn policy(req: &Request, etcd_old: Option<&Authority>, sa: Option<&ServiceAccount>) -> Policy {
    let existing_algo = etcd_old.and_then(|a| a.key_type().algorithm());
    Policy {
        new: req.new.clone(),
        key: req.key.or(existing_algo).unwrap_or(KeyAlgorithm::EcdsaP256),
        key_explicit: req.key.is_some(),
        sa_key: req
            .sa_key
            .or(sa.and_then(|s| s.key_type.as_ref()?.algorithm()))
            .unwrap_or(KeyAlgorithm::Rsa2048),
        ca_validity: req.ca_validity,
        validity: req.validity,
        renew: req.renew,
        now: req.now,
    }
}

/// The existing service-account key: `sa_key`, and `sa_pub` checked to be
/// its public half when the key can be read. What is wrong with `sa_pub` is
/// an error only if the key is kept (`--new sa-key` replaces both).
struct ServiceAccount {
    key: Secret,
    pub_pem: Result<String>,
    /// The key's type, from the key or else from `sa_pub`.
    key_type: Option<certs::KeyType>,
}

impl ServiceAccount {
    fn read(e: &Existing, eyaml: &Eyaml, os_name: &str) -> Result<Option<ServiceAccount>> {
        let Some(key) = eyaml.read(e, &format!("{KEY_PREFIX}sa_key"))? else {
            return Ok(None);
        };
        let pub_pem = e.string(&format!("{KEY_PREFIX}sa_pub"))?;
        let pub_der = pub_pem
            .as_deref()
            .and_then(|p| certs::pem::parse(p).ok())
            .and_then(|b| b.into_iter().next())
            .map(|b| b.der);
        let private = key
            .plain()
            .map(PrivateKey::from_pem)
            .transpose()
            .map_err(Error::pki(format!("{os_name} {KEY_PREFIX}sa_key")))?;
        let (pub_pem, key_type) = match private {
            Some(k) => {
                let checked = match (pub_pem, pub_der) {
                    (None, _) => Ok(k.public_key_pem()),
                    (Some(p), Some(der)) if der == k.public_key_der() => Ok(p),
                    (Some(_), _) => Err(Error::Input(format!(
                        "{os_name}: {KEY_PREFIX}sa_pub is not the public half of {KEY_PREFIX}sa_key; delete sa_pub to have it written again, or pass --new sa-key"
                    ))),
                };
                (checked, Some(k.key_type().clone()))
            }
            // Sealed: sa_pub is kept as it is, and tells the key's type.
            None => {
                let key_type = pub_der.as_deref().and_then(certs::key::spki_key_type);
                let kept = match (pub_pem, &key_type) {
                    (Some(p), Some(_)) => Ok(p),
                    _ => Err(key
                        .reveal("write sa_pub, which is missing or not a public key")
                        .expect_err("a sealed key does not reveal")),
                };
                (kept, key_type)
            }
        };
        Ok(Some(ServiceAccount {
            key,
            pub_pem,
            key_type,
        }))
    }
}

/// The service-account key and its public half: kept, or made on a first
/// run or with `--new sa-key`.
fn service_account_key(
    req: &Request,
    policy: &Policy,
    os_existing: Option<&Existing>,
    existing: Option<ServiceAccount>,
    out: &mut Plan,
) -> Result<(Secret, String)> {
    let first_run = os_existing.is_none();
    match (existing, policy.wants_new(New::SaKey)) {
        (Some(sa), false) => {
            let pub_pem = sa.pub_pem?;
            if let (Some(want), Some(t)) = (req.sa_key, &sa.key_type)
                && t.algorithm() != Some(want)
            {
                out.notes.push(format!(
                    "the service-account key is {t}, not {} as asked; it is kept (pass --new sa-key to replace it)",
                    want.name()
                ));
            }
            out.records.push(Record {
                item: "service-account key".into(),
                action: pki::Done::Kept,
                detail: String::new(),
            });
            Ok((sa.key, pub_pem))
        }
        (None, false) if !first_run => Err(Error::Input(format!(
            "{}: {KEY_PREFIX}sa_key is missing; restore it, or pass --new sa-key to make a new one (every service-account token is then invalid)",
            req.layout.os_name(&req.stem)
        ))),
        (_, wanted) => {
            let k = PrivateKey::generate(policy.sa_key)
                .map_err(Error::pki("the service-account key"))?;
            let detail = if wanted { "--new sa-key" } else { "first run" };
            out.records.push(Record {
                item: "service-account key".into(),
                action: pki::Done::Generated,
                detail: detail.into(),
            });
            Ok((Secret::made(k.to_pem()), k.public_key_pem()))
        }
    }
}

/// The bootstrap token: kept (checked, when it can be read), or made.
fn bootstrap_token(
    policy: &Policy,
    os_existing: Option<&Existing>,
    os_name: &str,
    eyaml: &Eyaml,
    records: &mut Vec<Record>,
) -> Result<Secret> {
    let old_token = match os_existing {
        Some(e) => eyaml.read(e, &format!("{KEY_PREFIX}token"))?,
        None => None,
    };
    match old_token {
        Some(t) if !policy.wants_new(New::Token) => {
            if let Some(plain) = t.plain()
                && !certs::is_bootstrap_token(plain)
            {
                let shown = if eyaml.encrypts() {
                    String::new()
                } else {
                    format!(" {plain:?}")
                };
                return Err(Error::Input(format!(
                    "{os_name}: {KEY_PREFIX}token{shown} is not a bootstrap token ([a-z0-9]{{6}}.[a-z0-9]{{16}}); pass --new token"
                )));
            }
            records.push(Record {
                item: "bootstrap token".into(),
                action: pki::Done::Kept,
                detail: String::new(),
            });
            Ok(t)
        }
        old => {
            let detail = if old.is_some() {
                "--new token"
            } else if os_existing.is_none() {
                "first run"
            } else {
                "it was missing"
            };
            records.push(Record {
                item: "bootstrap token".into(),
                action: pki::Done::Generated,
                detail: detail.into(),
            });
            certs::bootstrap_token()
                .map(Secret::made)
                .map_err(Error::pki("the bootstrap token"))
        }
    }
}

/// Each master's file: its etcd server, peer and client certificates
/// (kept or issued), `etcd_initial_cluster_state: existing` for a master
/// new to a running cluster, and the keys kubetool does not write.
fn host_files(
    req: &Request,
    os_existing: Option<&Existing>,
    etcd_ca: &Authority,
    policy: &Policy,
    out: &mut Plan,
) -> Result<Vec<HostFile>> {
    let first_run = os_existing.is_none();
    let previous = match os_existing {
        Some(e) => recover_members(e)?,
        None => Vec::new(),
    };
    let is_new = |m: &Member| {
        !first_run
            && !previous
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(&m.name))
    };
    for p in &previous {
        let still = req
            .members
            .iter()
            .any(|m| m.name.eq_ignore_ascii_case(&p.name));
        if !still && !req.remove.contains(&p.name) {
            out.notes.push(format!(
                "{} belongs to {}, no longer a member; it is left alone (kubetool remove-member {} removes it)",
                req.layout.host_name(&p.name), p.name, p.name
            ));
        }
    }
    let mut hosts = Vec::new();
    for m in &req.members {
        let path = req.host_path(&m.name);
        let existing = Existing::read(&path)?;
        let e = existing.as_ref();
        let name = req.layout.host_name(&m.name);
        let at = |k: &str| format!("{name} {KEY_PREFIX}{k}");
        let mut leaf = |key: &str, spec: &LeafSpec, crt: &str| {
            let place = at(crt);
            let f = found(e, &req.eyaml, &place, crt, key)?;
            pki::leaf(place.clone(), etcd_ca, spec, f, policy, &mut out.records)
        };
        let server = leaf(
            "etcdserver_key",
            &certs::kubeadm::etcd_server(&m.name, m.ip),
            "etcdserver_crt",
        )?;
        let peer = leaf(
            "etcdpeer_key",
            &certs::kubeadm::etcd_peer(&m.name, m.ip),
            "etcdpeer_crt",
        )?;
        let client_spec = LeafSpec::new(ETCD_CLIENT_CN, Role::Client)
            .dns([m.name.clone()])
            .ips([m.ip]);
        let client = leaf("etcdclient_key", &client_spec, "etcdclient_crt")?;
        let mut doc = Doc::new();
        let mut w = Writer {
            eyaml: &req.eyaml,
            tally: &mut out.tally,
        };
        w.pair(&mut doc, "etcdserver_crt", "etcdserver_key", &server)?;
        w.pair(&mut doc, "etcdpeer_crt", "etcdpeer_key", &peer)?;
        w.pair(&mut doc, "etcdclient_crt", "etcdclient_key", &client)?;
        let state = match e
            .map(|e| e.string(&format!("{KEY_PREFIX}etcd_initial_cluster_state")))
            .transpose()?
            .flatten()
        {
            Some(s) => Some(s),
            None if is_new(m) => {
                out.notes.push(format!(
                    "{} joins a running cluster: first run `etcdctl member add {} --peer-urls={}` on a current member; {name} sets etcd_initial_cluster_state to existing for it",
                    m.name, m.name, m.peer_url()
                ));
                Some("existing".to_owned())
            }
            None => None,
        };
        if let Some(s) = state {
            str_entry(&mut doc, "etcd_initial_cluster_state", s);
        }
        if let Some(e) = e {
            doc.extend(e.others(HOST_KEYS));
        }
        hosts.push(HostFile {
            member: m.clone(),
            name,
            path,
            doc,
            etcd_server: server,
            etcd_peer: peer,
        });
    }
    Ok(hosts)
}

/// The cluster-wide file's document, in the order of [`OS_KEYS`], then
/// the keys kubetool does not write.
fn cluster_doc(
    req: &Request,
    s: &Secrets,
    controller: &str,
    os_existing: Option<&Existing>,
    tally: &mut Tally,
) -> Result<Doc> {
    let v = &req.values;
    let mut w = Writer {
        eyaml: &req.eyaml,
        tally,
    };
    let mut doc = Doc::new();
    str_entry(&mut doc, "kubernetes_version", &v.kubernetes_version);
    str_entry(&mut doc, "kubernetes_package_version", &v.package_version);
    str_entry(&mut doc, "container_runtime", &v.container_runtime);
    str_entry(&mut doc, "cni_provider", &v.cni_provider);
    if let Some(u) = &v.cni_network_preinstall {
        str_entry(&mut doc, "cni_network_preinstall", u);
    }
    if let Some(u) = &v.cni_network_provider {
        str_entry(&mut doc, "cni_network_provider", u);
    }
    str_entry(&mut doc, "cni_pod_cidr", &v.cni_pod_cidr);
    str_entry(
        &mut doc,
        "etcd_initial_cluster",
        members::initial_cluster(&req.members),
    );
    doc.push((
        format!("{KEY_PREFIX}etcd_peers"),
        Value::List(members::peers(&req.members)),
    ));
    str_entry(&mut doc, "etcd_ip", &v.etcd_ip);
    str_entry(
        &mut doc,
        "kube_api_advertise_address",
        &v.kube_api_advertise_address,
    );
    doc.push((
        format!("{KEY_PREFIX}api_server_count"),
        Value::Int(req.members.len() as u64),
    ));
    str_entry(&mut doc, "controller_address", controller);
    doc.push((
        format!("{KEY_PREFIX}install_dashboard"),
        Value::Bool(v.install_dashboard),
    ));
    w.secret(&mut doc, "token", &s.token, false)?;
    let hash = certs::pin::sha256_hex(s.kube_ca.certificate().spki_der());
    str_entry(&mut doc, "discovery_token_hash", &hash);
    w.ca(&mut doc, &pki::ETCD_CA, &s.etcd_ca)?;
    w.pair(&mut doc, "etcdclient_crt", "etcdclient_key", &s.etcd_client)?;
    w.ca(&mut doc, &pki::KUBERNETES_CA, &s.kube_ca)?;
    w.ca(&mut doc, &pki::FRONT_PROXY_CA, &s.front_proxy_ca)?;
    w.secret(&mut doc, "sa_key", &s.sa_key, true)?;
    pem_entry(&mut doc, "sa_pub", &s.sa_pub_pem)?;
    if let Some(e) = os_existing {
        doc.extend(e.others(OS_KEYS));
    }
    Ok(doc)
}

/// The Hiera files as text: to write, and for `--stdout`.
fn write_hiera(
    req: &Request,
    os_name: &str,
    doc: &Doc,
    hosts: &[HostFile],
    out: &mut Plan,
) -> Result<()> {
    let comment = if req.eyaml.encrypts() {
        "Cluster-wide Hiera data for the puppetlabs-kubernetes module, written by kubetool.\nIts private keys and token are encrypted with hiera-eyaml (PKCS7)."
    } else {
        "Cluster-wide Hiera data for the puppetlabs-kubernetes module, written by kubetool.\nIt holds CA private keys: keep it private (mode 0600, eyaml or a private repository)."
    };
    let os_text = hiera::emit(comment, doc);
    out.change
        .files
        .push((req.os_path(), os_text.clone().into_bytes()));
    out.hiera.push((os_name.to_owned(), os_text));
    for h in hosts {
        let text = hiera::emit(
            &format!(
                "Hiera data for the master {}, written by kubetool: its etcd certificates and keys.",
                h.member.name
            ),
            &h.doc,
        );
        out.change
            .files
            .push((h.path.clone(), text.clone().into_bytes()));
        out.hiera.push((h.name.clone(), text));
    }
    Ok(())
}

/// Removed members' files: deleted when they hold only kubetool's keys,
/// otherwise rewritten without them.
fn remove_hosts(req: &Request, out: &mut Plan) -> Result<()> {
    for name in &req.remove {
        let path = req.host_path(name);
        match Existing::read(&path)? {
            Some(e) if e.others(HOST_KEYS).is_empty() => out.change.removals.push(path),
            Some(e) => {
                let text = hiera::emit(
                    &format!(
                        "Hiera data for {name}; kubetool removed its etcd certificates (it is no longer a master)."
                    ),
                    &e.others(HOST_KEYS),
                );
                out.change.files.push((path, text.into_bytes()));
            }
            None => {}
        }
    }
    Ok(())
}

/// The members an existing cluster-wide Hiera file lists (none when it lists none).
pub fn recover_members(e: &Existing) -> Result<Vec<Member>> {
    match e.string(&format!("{KEY_PREFIX}etcd_initial_cluster"))? {
        Some(ic) => members::parse_initial_cluster(
            &ic,
            &format!("{} {KEY_PREFIX}etcd_initial_cluster", e.name),
        ),
        None => Ok(Vec::new()),
    }
}
