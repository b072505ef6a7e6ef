//! One run of kubetool, once the command line is parsed: settle an
//! interrupted run, gather the settings (flags, env file, environment,
//! cluster file), plan every file in memory, and write them all or
//! nothing (or, with `--check`, say whether anything would change).
//! [`crate::cli`] turns the command line into [`Options`]; this module
//! never sees clap.

use crate::env::{EnvFile, Sources};
use crate::error::{Error, Result};
use crate::hiera::Existing;
use crate::kubeadm::first_service_ip;
use crate::members::{self, Member};
use crate::pki::{New, Renew};
use crate::plan::{self, Imports, Request};
use crate::secret::Eyaml;
use crate::settings;
use clikit::files::{Journal, Recovered};
use clikit::{Format, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// What a run is asked to do: the options of every command, and the
/// command.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory of the Hiera files.
    pub dir: PathBuf,
    /// `--cluster FILE`: a full run's settings and members, or a change's
    /// placement of the files ([`crate::env::PLACEMENT`]).
    pub cluster: Option<String>,
    /// The `--env-file`.
    pub env_file: Option<PathBuf>,
    /// `--kubeadm DIR`: also write each master's /etc/kubernetes tree.
    pub kubeadm: Option<PathBuf>,
    /// The service network (its first address is the API server's).
    pub service_cidr: String,
    /// The cluster DNS domain.
    pub dns_domain: String,
    /// Extra API server certificate names and addresses.
    pub apiserver_sans: Vec<String>,
    /// Validity of new leaf certificates.
    pub validity: Duration,
    /// Validity of new CAs.
    pub ca_validity: Duration,
    /// Write the Hiera documents to stdout instead of files.
    pub stdout: bool,
    /// Change nothing; say whether anything would change.
    pub check: bool,
    /// Format of the report.
    pub format: Format,
    /// The hiera-eyaml public key the secrets are encrypted to.
    pub eyaml_public_key: Option<PathBuf>,
    /// The hiera-eyaml private key, for a run that must read a secret.
    pub eyaml_private_key: Option<PathBuf>,
    /// The settings given as flags: variable to (value, the flag as spelt).
    pub flags: BTreeMap<&'static str, (String, String)>,
    /// A full run, or a change to an existing cluster.
    pub action: Action,
}

/// What the run does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Make or bring up to date everything the settings ask for.
    Full(FullRun),
    /// Add a master, `NAME:IP`.
    AddMember(String),
    /// Remove the master of that name.
    RemoveMember(String),
    /// Reissue the leaves (those expiring within the time, if given).
    Renew(Option<Duration>),
    /// Report the keys the site's hiera.yaml hides (its path, and facts).
    Shadowed(PathBuf, Vec<(String, String)>),
}

/// The options only a full run takes.
#[derive(Debug, Clone, Default)]
pub struct FullRun {
    /// With `--cluster`: remove the members the file no longer lists.
    pub prune: bool,
    /// What to make afresh.
    pub new: BTreeSet<New>,
    /// Imported CAs, as (certificate, key) files.
    pub etcd_ca: Option<(PathBuf, PathBuf)>,
    /// The Kubernetes CA to import.
    pub kubernetes_ca: Option<(PathBuf, PathBuf)>,
    /// The front-proxy CA to import.
    pub front_proxy_ca: Option<(PathBuf, PathBuf)>,
}

/// Runs. Warnings found before a failure are returned with it.
pub fn run(o: &Options) -> Result<Outcome> {
    let mut warnings = Vec::new();
    match run_warned(o, &mut warnings) {
        Ok(out) => Ok(out.with_warnings(warnings)),
        Err(e) => Err(e.warned(warnings)),
    }
}

fn run_warned(o: &Options, warnings: &mut Vec<String>) -> Result<Outcome> {
    let sources = sources(o, warnings)?;
    if let Action::Shadowed(config, facts) = &o.action {
        return shadowed(o, &sources, config, facts);
    }
    let dir = &o.dir;
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Io(format!(
            "--dir {}: it is not a directory",
            dir.display()
        )));
    }
    // Settle an interrupted run and hold the lock before reading anything;
    // a --check writes nothing, recovery included.
    let journal = if dir.is_dir() && !o.check {
        Some(open_journal(dir, warnings)?)
    } else {
        None
    };
    let kubeadm = kubeadm_options(o, sources.apiserver_port)?;
    let eyaml = Eyaml::load(
        o.eyaml_public_key.as_deref(),
        o.eyaml_private_key.as_deref(),
        warnings,
    )?;
    let (req, imports, existing) = match &o.action {
        Action::Full(f) => full_run(o, f, &sources, kubeadm, eyaml, warnings)?,
        change => change_run(o, change, &sources, kubeadm, eyaml, warnings)?,
    };
    finish(o, &req, imports, existing, warnings, journal)
}

fn environ(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Where the settings come from: the flags, the `--env-file` (whose
/// unknown names are warnings), the environment, the `--cluster` file.
fn sources<'a>(o: &Options, warnings: &mut Vec<String>) -> Result<Sources<'a>> {
    let file = match &o.env_file {
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
        flags: o.flags.clone(),
        file,
        environ: &environ,
        cluster: Default::default(),
        apiserver_port: None,
    };
    if let Some(path) = &o.cluster {
        let file = cluster_file(path, &sources)?;
        let given = crate::env::from_cluster_file(&clikit::display_name(path), &file);
        sources.cluster = match o.action {
            Action::Full(_) => {
                sources.apiserver_port = file.api_section.as_ref().map(|a| a.apiserver_port);
                given
            }
            // A change's settings come from the existing cluster-wide
            // file; the cluster file says only where the files are.
            _ => given
                .into_iter()
                .filter(|(var, _)| crate::env::PLACEMENT.contains(var))
                .collect(),
        };
    }
    Ok(sources)
}

/// The `--cluster` file. It names the masters, so `ETCD_INITIAL_CLUSTER`
/// from the env file or the environment would contradict it: that is an
/// error rather than a silent override.
fn cluster_file(path: &str, sources: &Sources) -> Result<clusterfile::ClusterFile> {
    if let Some(g) = sources.get("ETCD_INITIAL_CLUSTER") {
        return Err(Error::Usage(format!(
            "{}: the masters come from --cluster {path}; unset ETCD_INITIAL_CLUSTER (or drop --cluster)",
            g.from
        )));
    }
    Ok(clusterfile::load(path)?)
}

fn read_ca_files(files: &Option<(PathBuf, PathBuf)>, flag: &str) -> Result<Option<certs::Ca>> {
    let Some((cert, key)) = files else {
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

/// `--kubeadm DIR` and the options of its trees, checked whether or not
/// `--kubeadm` is given (a mistake in a flag is reported at once, not on
/// the run that first uses it).
fn kubeadm_options(
    o: &Options,
    apiserver_port: Option<u16>,
) -> Result<Option<crate::kubeadm::Options>> {
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
        apiserver_port,
    }))
}

/// What a full run needs: the settings, imported CAs and existing data;
/// with `--cluster`, the members follow the file.
fn full_run(
    o: &Options,
    f: &FullRun,
    sources: &Sources,
    kubeadm: Option<crate::kubeadm::Options>,
    eyaml: Eyaml,
    warnings: &mut Vec<String>,
) -> Result<(Request, Imports, Option<Existing>)> {
    let s = settings::resolve(sources, warnings)?;
    let imports = Imports {
        etcd: read_ca_files(&f.etcd_ca, "etcd")?,
        kubernetes: read_ca_files(&f.kubernetes_ca, "kubernetes")?,
        front_proxy: read_ca_files(&f.front_proxy_ca, "front-proxy")?,
    };
    let mut req = Request {
        key: s.key,
        sa_key: s.sa_key,
        new: f.new.clone(),
        layout: crate::layout::from_sources(sources)?,
        ..request(
            o,
            settings::file_stem(&s.os),
            s.members,
            s.values,
            kubeadm,
            eyaml,
        )
    };
    let existing = Existing::read(&req.os_path())?;
    if let (None, Some(e)) = (&o.cluster, &existing) {
        let os_name = req.layout.os_name(&req.stem);
        warn_dropped(&req.members, &plan::recover_members(e)?, &os_name, warnings);
    }
    if let (Some(path), Some(e)) = (&o.cluster, &existing) {
        let followed = members::follow(
            std::mem::take(&mut req.members),
            &plan::recover_members(e)?,
            f.prune,
            path,
        )?;
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
fn warn_dropped(members: &[Member], before: &[Member], os_name: &str, warnings: &mut Vec<String>) {
    let dropped: Vec<&str> = before
        .iter()
        .filter(|b| !members.iter().any(|m| m.name == b.name))
        .map(|b| b.name.as_str())
        .collect();
    if !dropped.is_empty() {
        warnings.push(format!(
            "this run takes {} out of etcd_initial_cluster, etcd_peers and api_server_count in {os_name} \
             (the settings' members do not include them; were they added with add-member?) while their files stay; \
             to keep them, add them to ETCD_INITIAL_CLUSTER (or run with --cluster and a cluster file that lists them); \
             to remove them, use remove-member",
            dropped.join(", ")
        ));
    }
}

/// The existing cluster-wide file a change or a check starts from: the
/// OS's file stem, the layout the files are in, the file's path and its
/// contents; its absence is an error naming the flags that find it.
fn existing_cluster(
    o: &Options,
    sources: &Sources,
) -> Result<(String, crate::layout::Layout, PathBuf, Existing)> {
    let stem = settings::file_stem(&settings::os(sources)?);
    let layout = crate::layout::existing(sources, &o.dir, &stem)?;
    let path = layout.os_path(&o.dir, &stem);
    let Some(existing) = Existing::read(&path)? else {
        return Err(Error::Input(format!(
            "{} does not exist: run kubetool with the full settings first (or give the right --dir, --os and --hiera-layout){}",
            path.display(),
            crate::layout::other_layout_hint(&o.dir, &stem, &layout)
        )));
    };
    Ok((stem, layout, path, existing))
}

/// What a change to an existing cluster needs (add-member, remove-member,
/// renew): its settings come from the existing cluster-wide file.
fn change_run(
    o: &Options,
    action: &Action,
    sources: &Sources,
    kubeadm: Option<crate::kubeadm::Options>,
    eyaml: Eyaml,
    warnings: &mut Vec<String>,
) -> Result<(Request, Imports, Option<Existing>)> {
    let (stem, layout, _, existing) = existing_cluster(o, sources)?;
    let (mut members, values) = plan::recover(&existing)?;
    let names: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
    crate::layout::check_host_files(&layout, &o.dir, &names)?;
    let mut remove = vec![];
    let mut renew = Renew::Never;
    match action {
        Action::AddMember(member) => {
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
        Action::RemoveMember(name) if !members.iter().any(|m| &m.name == name) => {
            // Already gone: nothing to take out of the cluster-wide file, but
            // a file of its own that is left over goes.
            members::check_name(name, "remove-member")?;
            warnings.push(format!(
                "remove-member: {name} is not a member; nothing to remove"
            ));
            remove.push(name.clone());
        }
        Action::RemoveMember(name) => {
            let controller_is_default = values.controller_address.is_none();
            let (gone, warning) = members::remove(&mut members, name, controller_is_default)?;
            warnings.extend(warning);
            remove.push(gone.name);
        }
        Action::Renew(expiring_within) => {
            renew = expiring_within.map_or(Renew::All, Renew::Within);
        }
        Action::Full(_) | Action::Shadowed(..) => {
            unreachable!("run_warned gives a full run to full_run, shadowed to shadowed")
        }
    }
    let req = Request {
        renew,
        remove,
        layout,
        ..request(o, stem, members, values, kubeadm, eyaml)
    };
    Ok((req, Imports::default(), Some(existing)))
}

/// `shadowed`: kubetool's files (as laid out) against the site's
/// hierarchy, for each master its cluster-wide file lists. Read only: no
/// lock, no journal.
fn shadowed(
    o: &Options,
    sources: &Sources,
    config: &Path,
    facts: &[(String, String)],
) -> Result<Outcome> {
    use crate::shadow;
    let (stem, layout, os_path, os) = existing_cluster(o, sources)?;
    let text = clikit::read_text(&config.to_string_lossy()).map_err(|source| Error::Read {
        path: config.to_path_buf(),
        source,
    })?;
    let levels = shadow::levels(config, &text)?;
    let members = plan::recover_members(&os)?;
    let names: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
    crate::layout::check_host_files(&layout, &o.dir, &names)?;
    let os_name = layout.os_name(&stem);
    let (mut findings, mut keys) = (Vec::new(), os.entries.len());
    for m in &members {
        let host_path = layout.host_path(&o.dir, &m.name);
        let host = Existing::read(&host_path)?
            .map(|e| e.entries)
            .unwrap_or_default();
        keys += host.len();
        let f = shadow::Facts::of(&m.name, &layout.host(&m.name), &stem, facts);
        let order = shadow::sources(&levels, &f)?;
        let own = [os_path.as_path(), host_path.as_path()];
        let os_file = (os_path.as_path(), os_name.as_str(), &os.entries);
        findings.extend(shadow::shadowed(&m.name, os_file, &order, &own));
        if !host.is_empty() {
            let name = layout.host_name(&m.name);
            let host_file = (host_path.as_path(), name.as_str(), &host);
            findings.extend(shadow::shadowed(&m.name, host_file, &order, &own));
        }
    }
    let text = || shadow::text(&findings, members.len(), keys);
    let code = u8::from(!findings.is_empty());
    Ok(Outcome::new(o.format.render(&findings, text), code))
}

/// A run's request for these members and values, in `o`'s directory:
/// nothing made afresh, no key algorithm asked for, no leaf renewed and no
/// member removed (a full run or a change sets what it needs).
fn request(
    o: &Options,
    stem: String,
    members: Vec<Member>,
    values: settings::Values,
    kubeadm: Option<crate::kubeadm::Options>,
    eyaml: Eyaml,
) -> Request {
    Request {
        dir: o.dir.clone(),
        stem,
        layout: crate::layout::Layout::default(),
        members,
        values,
        key: None,
        sa_key: None,
        new: BTreeSet::new(),
        validity: o.validity,
        ca_validity: o.ca_validity,
        renew: Renew::Never,
        remove: vec![],
        kubeadm,
        now: OffsetDateTime::now_utc(),
        eyaml,
    }
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
    o: &Options,
    req: &Request,
    imports: Imports,
    existing: Option<Existing>,
    warnings: &mut Vec<String>,
    journal: Option<Journal>,
) -> Result<Outcome> {
    let p = plan::plan(req, imports, existing.as_ref())?;
    warnings.extend(p.notes.iter().cloned());
    if o.stdout {
        let docs = p.hiera.iter().map(|(_, t)| t.as_str()).collect();
        return Ok(Outcome::ok(docs));
    }
    if o.check {
        let pending = clikit::files::preview(&p.change)?;
        let change_needed = pending
            .iter()
            .any(|(_, a)| *a != clikit::files::Action::Unchanged);
        let out = report(o, pending, &p);
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
    Ok(Outcome::ok(report(o, done, &p)))
}

/// The report of what a run did (or, with --check, would do) to each file,
/// and to each certificate.
fn report(o: &Options, done: Vec<(PathBuf, clikit::files::Action)>, p: &plan::Plan) -> String {
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
            .map(|r| vec![r.item.clone(), r.action.to_string(), r.detail.clone()])
            .collect();
        out.push_str(&clikit::table(&["ITEM", "ACTION", "DETAIL"], rows));
        out
    };
    o.format.render(&report, text)
}
