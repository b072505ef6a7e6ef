//! `certs check`: expiry and sanity over files, directory trees (a kubeadm
//! `/etc/kubernetes` with its `pki/` and kubeconfigs) and Hiera YAML, judged
//! the way a Nagios plugin reports.
//!
//! Besides expiry it finds what breaks a cluster just as surely: a
//! certificate used as a CA without the CA flag, a leaf that outlives the CA
//! that signed it, and a private (or public) key stored beside a
//! certificate that is not its pair.

use crate::cert::{Certificate, rfc3339};
use crate::source::{self, ItemKind};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

pub use clikit::State;

/// Days before expiry at which a certificate turns WARNING and CRITICAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// WARNING when less than this many days are left.
    pub warning_days: i64,
    /// CRITICAL when less than this many days are left.
    pub critical_days: i64,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// How bad.
    pub state: State,
    /// Which file and item.
    pub name: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// One certificate's line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertLine {
    /// Its worst state.
    pub state: State,
    /// File, and the key or line within it.
    pub name: String,
    /// Subject.
    pub subject: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whole days left (negative once expired).
    pub days_left: i64,
    /// Whether it is a CA certificate.
    pub is_ca: bool,
}

/// The whole result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The overall state.
    pub state: State,
    /// One-line summary (the text after `CERTS <STATE> - `).
    pub summary: String,
    /// Threshold used for WARNING, in days.
    pub warning_days: i64,
    /// Threshold used for CRITICAL, in days.
    pub critical_days: i64,
    /// Every finding, worst first.
    pub problems: Vec<Problem>,
    /// Every certificate, soonest expiry first.
    pub certificates: Vec<CertLine>,
    /// hiera-eyaml values left encrypted (no eyaml private key was given):
    /// their certificates are checked, the keys they hide are not.
    pub encrypted: Vec<String>,
}

struct FoundCert {
    name: String,
    file: PathBuf,
    label: String,
    cert: Certificate,
}

struct FoundKey {
    name: String,
    file: PathBuf,
    label: String,
    public: Vec<u8>,
    private: bool,
}

/// File names a directory walk reads; anything else in a tree is skipped.
const EXTENSIONS: &[&str] = &[
    "crt",
    "pem",
    "cer",
    "der",
    "key",
    "pub",
    "conf",
    "kubeconfig",
    "yaml",
    "yml",
];

/// Whether a tree entry is named like what a walk reads.
fn is_ours(p: &Path) -> bool {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    EXTENSIONS.contains(&ext)
}

/// Every file to read under `path` (itself if a file), sorted. An entry
/// named like a certificate, key, kubeconfig or Hiera file that is not a
/// regular file (a FIFO, a device, a dangling link) is a problem, never
/// skipped: the tree's verdict cannot be OK without it.
fn files_under(path: &Path, out: &mut Vec<(PathBuf, bool)>, problems: &mut Vec<Problem>) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            problems.push(unknown(path, format!("cannot read: {e}")));
            return;
        }
    };
    if !meta.is_dir() {
        out.push((path.to_owned(), false));
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            problems.push(unknown(path, format!("cannot list: {e}")));
            return;
        }
    };
    entries.sort();
    for p in entries {
        // Do not follow symlinked directories (loops); symlinked files are read.
        let is_link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        // Everything else named like ours is read, and the reader refuses
        // what is not a regular file, or not there, by name.
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() && !is_link => files_under(&p, out, problems),
            Ok(m) if m.is_dir() => {}
            _ if is_ours(&p) => out.push((p, true)),
            _ => {}
        }
    }
}

fn unknown(path: &Path, message: String) -> Problem {
    Problem {
        state: State::Unknown,
        name: path.display().to_string(),
        message,
    }
}

fn item_name(file: &Path, label: &str) -> String {
    if label.is_empty() {
        file.display().to_string()
    } else {
        format!("{}:{label}", file.display())
    }
}

/// `f` over `items` on every core, the results in the items' order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a checking thread panicked"))
            .collect()
    })
}

/// What one file holds.
#[derive(Default)]
struct Found {
    certs: Vec<FoundCert>,
    keys: Vec<FoundKey>,
    problems: Vec<Problem>,
    encrypted: Vec<String>,
}

/// Reads one file (`-`: stdin) into its certificates, keys and problems.
fn read_file(file: &Path, in_walk: bool, eyaml: Option<&crate::eyaml::PrivateKey>) -> Found {
    let mut found = Found::default();
    let shown = if file.as_os_str() == "-" {
        PathBuf::from("stdin")
    } else {
        file.to_path_buf()
    };
    let data = match clikit::read_input(&file.to_string_lossy()) {
        Ok(d) => d,
        Err(e) => {
            found
                .problems
                .push(unknown(&shown, format!("cannot read: {e}")));
            return found;
        }
    };
    let items = match source::read_named_items(&file.to_string_lossy(), &data, eyaml) {
        Ok(items) => items,
        // In a tree, valid YAML without certificates (static pod manifests)
        // is not ours. Anything else that does not read (a damaged PEM
        // value, YAML that does not parse) is UNKNOWN, below.
        Err(crate::Error::NoCertificateData(_)) if in_walk => return found,
        Err(e) => {
            found.problems.push(unknown(&shown, e.to_string()));
            return found;
        }
    };
    for item in items {
        let name = item_name(&shown, &item.label);
        let key = |public: Vec<u8>, private: bool| FoundKey {
            name: name.clone(),
            file: shown.clone(),
            label: item.label.clone(),
            public,
            private,
        };
        match item.kind {
            ItemKind::Certificate(c) => found.certs.push(FoundCert {
                name,
                file: shown.clone(),
                label: item.label,
                cert: *c,
            }),
            ItemKind::PrivateKey(k) => found.keys.push(key(k.public_key_bits().to_vec(), true)),
            ItemKind::PublicKey(spki) => match public_key_bits(&spki) {
                Some(bits) => found.keys.push(key(bits, false)),
                None => found.problems.push(Problem {
                    state: State::Unknown,
                    name,
                    message: "the PUBLIC KEY is damaged".into(),
                }),
            },
            ItemKind::Request(_) => {}
            ItemKind::Encrypted => found.encrypted.push(name),
            ItemKind::Unusable(why) => found.problems.push(Problem {
                state: State::Unknown,
                name,
                message: why,
            }),
        }
    }
    found
}

/// Checks everything under `paths` (files or directories; `-` is stdin) at `now`.
pub fn check(paths: &[String], t: Thresholds, now: OffsetDateTime) -> Report {
    check_with(paths, t, now, None)
}

/// As [`check`], reading hiera-eyaml values with `eyaml`.
pub fn check_with(
    paths: &[String],
    t: Thresholds,
    now: OffsetDateTime,
    eyaml: Option<&crate::eyaml::PrivateKey>,
) -> Report {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        if p == "-" {
            files.push((PathBuf::from("-"), false));
        } else {
            files_under(Path::new(p), &mut files, &mut problems);
        }
    }
    // Reading and parsing (key pairs included) is most of the work: the
    // files are shared out over the cores, and merged back in order.
    let mut certs = Vec::new();
    let mut keys = Vec::new();
    let mut encrypted = Vec::new();
    for found in par_map(&files, |(file, in_walk)| read_file(file, *in_walk, eyaml)) {
        certs.extend(found.certs);
        keys.extend(found.keys);
        problems.extend(found.problems);
        encrypted.extend(found.encrypted);
    }
    let lines = judge(&certs, &keys, t, now, &mut problems);
    pairs_of_keys(&keys, &mut problems);
    if certs.is_empty() && problems.is_empty() {
        problems.push(Problem {
            state: State::Unknown,
            name: paths.join(" "),
            message: "no certificates found".into(),
        });
    }
    report(problems, lines, encrypted, t)
}

/// Who signed whom among the certificates found: each certificate's
/// candidates are those whose subject is its issuer (found by name, so the
/// work grows with the number of certificates, not its square). A CA whose
/// subject key identifier is the certificate's authority key identifier
/// is taken as its issuer without a signature check, as chains are built;
/// otherwise, and always before a certificate without the CA flag is named
/// an issuer (a CRITICAL finding), the signature decides.
fn issuers(certs: &[FoundCert]) -> Vec<Option<usize>> {
    let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (j, c) in certs.iter().enumerate() {
        by_subject.entry(c.cert.subject_der()).or_default().push(j);
    }
    let numbered: Vec<(usize, &FoundCert)> = certs.iter().enumerate().collect();
    par_map(&numbered, |&(i, fc)| {
        let aki = fc.cert.info().authority_key_id.as_ref();
        by_subject
            .get(fc.cert.issuer_der())?
            .iter()
            .copied()
            .filter(|&j| j != i)
            .find(|&j| {
                let ca = certs[j].cert.info();
                match (aki, ca.subject_key_id.as_ref()) {
                    (Some(a), Some(k)) if ca.is_ca => a == k,
                    (Some(a), Some(k)) if a != k => false,
                    _ => fc.cert.is_signed_by(&certs[j].cert),
                }
            })
    })
}

/// The private keys, found by where a certificate's pair would be.
struct KeyIndex<'a> {
    by_place: HashMap<(&'a Path, &'a str), Vec<usize>>,
    bundled: HashMap<&'a Path, Vec<usize>>,
}

impl<'a> KeyIndex<'a> {
    fn new(keys: &'a [FoundKey]) -> Self {
        let mut by_place: HashMap<(&Path, &str), Vec<usize>> = HashMap::new();
        let mut bundled: HashMap<&Path, Vec<usize>> = HashMap::new();
        for (i, k) in keys.iter().enumerate().filter(|(_, k)| k.private) {
            by_place.entry((&k.file, &k.label)).or_default().push(i);
            if k.label.starts_with("line") {
                bundled.entry(&k.file).or_default().push(i);
            }
        }
        KeyIndex { by_place, bundled }
    }

    /// The keys that pair with `fc` ([`pairs_with`]'s rule), by lookup.
    fn partners(&self, fc: &FoundCert, first_in_file: bool) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = |file: &Path, label: &str| {
            if let Some(v) = self.by_place.get(&(file, label)) {
                out.extend(v);
            }
        };
        if let Some(base) = fc.label.strip_suffix("_crt") {
            at(&fc.file, &format!("{base}_key"));
        } else if let Some(base) = fc.label.strip_suffix("client-certificate-data") {
            at(&fc.file, &format!("{base}client-key-data"));
        } else if fc.label.starts_with("line") {
            if first_in_file {
                out.extend(self.bundled.get(fc.file.as_path()).into_iter().flatten());
            }
        } else if fc.label.is_empty() {
            let (dir, cs) = (fc.file.parent().unwrap_or(Path::new("")), stem(&fc.file));
            for name in [
                format!("{cs}.key"),
                format!("{cs}-key.pem"),
                format!("{cs}_key.pem"),
            ] {
                at(&dir.join(name), "");
            }
        }
        out
    }
}

/// Each certificate's own findings, and its report line.
fn judge(
    certs: &[FoundCert],
    keys: &[FoundKey],
    t: Thresholds,
    now: OffsetDateTime,
    problems: &mut Vec<Problem>,
) -> Vec<CertLine> {
    let issuer_of = issuers(certs);
    let mut signs_others = vec![false; certs.len()];
    for j in issuer_of.iter().flatten() {
        signs_others[*j] = true;
    }
    let index = KeyIndex::new(keys);
    let mut first_in_file: HashMap<&Path, usize> = HashMap::new();
    for (i, c) in certs.iter().enumerate() {
        first_in_file.entry(&c.file).or_insert(i);
    }
    let mut lines = Vec::new();
    for (i, fc) in certs.iter().enumerate() {
        let mut mine = Vec::new();
        judge_expiry(fc, t, now, &mut mine);
        if let Some(ca) = issuer_of[i].map(|j| &certs[j])
            && fc.cert.not_after() > ca.cert.not_after()
        {
            mine.push(Problem {
                state: State::Warning,
                name: fc.name.clone(),
                message: format!(
                    "outlives its CA {} ({}): it stops being valid on {} although it says {}; renew the CA first",
                    ca.name,
                    ca.cert.info().subject,
                    rfc3339(ca.cert.not_after()),
                    rfc3339(fc.cert.not_after())
                ),
            });
        }
        let signs_others = signs_others[i];
        if !fc.cert.info().is_ca && (signs_others || named_as_ca(&fc.file, &fc.label)) {
            let why = if signs_others {
                "it signed other certificates here"
            } else {
                "it is stored as a CA"
            };
            mine.push(Problem {
                state: State::Critical,
                name: fc.name.clone(),
                message: format!(
                    "is used as a CA ({why}) but lacks the CA flag (basic constraints CA:TRUE); verifiers reject its chains"
                ),
            });
        }
        let first = first_in_file.get(fc.file.as_path()) == Some(&i);
        for k in index.partners(fc, first).into_iter().map(|j| &keys[j]) {
            if k.public != fc.cert.public_key_bits() {
                mine.push(Problem {
                    state: State::Critical,
                    name: fc.name.clone(),
                    message: format!("the private key {} is not this certificate's pair", k.name),
                });
            }
        }
        let info = fc.cert.info();
        lines.push(CertLine {
            state: mine.iter().map(|p| p.state).max().unwrap_or(State::Ok),
            name: fc.name.clone(),
            subject: info.subject.clone(),
            not_after: info.not_after.clone(),
            days_left: info.days_left,
            is_ca: info.is_ca,
        });
        problems.extend(mine);
    }
    lines
}

/// `sa.key` beside `sa.pub` (`X_key` beside `X_pub` in YAML): the pair
/// must match. Public keys are found by where the pair would be.
fn pairs_of_keys(keys: &[FoundKey], problems: &mut Vec<Problem>) {
    let mut public: HashMap<(&Path, &str), Vec<usize>> = HashMap::new();
    for (i, p) in keys.iter().enumerate().filter(|(_, p)| !p.private) {
        public.entry((&p.file, &p.label)).or_default().push(i);
    }
    for k in keys.iter().filter(|k| k.private) {
        let place = if k.label.is_empty() {
            let dir = k.file.parent().unwrap_or(Path::new(""));
            Some((dir.join(format!("{}.pub", stem(&k.file))), String::new()))
        } else {
            k.label
                .strip_suffix("_key")
                .map(|b| (k.file.clone(), format!("{b}_pub")))
        };
        let Some((file, label)) = place else {
            continue;
        };
        for p in public
            .get(&(file.as_path(), label.as_str()))
            .into_iter()
            .flatten()
            .map(|&j| &keys[j])
        {
            if p.public != k.public {
                problems.push(Problem {
                    state: State::Critical,
                    name: k.name.clone(),
                    message: format!("does not match the public key {}", p.name),
                });
            }
        }
    }
}

/// The report: problems worst first, certificates soonest expiry first.
fn report(
    mut problems: Vec<Problem>,
    mut lines: Vec<CertLine>,
    encrypted: Vec<String>,
    t: Thresholds,
) -> Report {
    problems.sort_by_key(|p| std::cmp::Reverse(p.state));
    lines.sort_by(|a, b| {
        a.days_left
            .cmp(&b.days_left)
            .then_with(|| a.name.cmp(&b.name))
    });
    let state = problems.iter().map(|p| p.state).max().unwrap_or(State::Ok);
    let summary = summarise(&problems, &lines, encrypted.len());
    Report {
        state,
        summary,
        warning_days: t.warning_days,
        critical_days: t.critical_days,
        problems,
        certificates: lines,
        encrypted,
    }
}

/// The BIT STRING content of a DER SubjectPublicKeyInfo.
fn public_key_bits(spki: &[u8]) -> Option<Vec<u8>> {
    use crate::der;
    let items = der::items(der::whole(spki, der::SEQUENCE)?.value)?;
    let bits = items.get(1).filter(|t| t.tag == der::BIT_STRING)?;
    // Skip the unused-bits byte.
    Some(bits.value.get(1..)?.to_vec())
}

fn judge_expiry(fc: &FoundCert, t: Thresholds, now: OffsetDateTime, out: &mut Vec<Problem>) {
    let c = &fc.cert;
    let left = c.not_after() - now;
    let days = left.whole_days();
    let (state, message) = if now < c.not_before() {
        (
            State::Critical,
            format!("not valid before {}", rfc3339(c.not_before())),
        )
    } else if left < Duration::ZERO {
        (
            State::Critical,
            format!(
                "expired {} ago ({})",
                clikit::days(-days),
                rfc3339(c.not_after())
            ),
        )
    } else if left < Duration::days(t.critical_days) {
        (
            State::Critical,
            format!(
                "expires in {} ({})",
                clikit::days(days),
                rfc3339(c.not_after())
            ),
        )
    } else if left < Duration::days(t.warning_days) {
        (
            State::Warning,
            format!(
                "expires in {} ({})",
                clikit::days(days),
                rfc3339(c.not_after())
            ),
        )
    } else {
        return;
    };
    out.push(Problem {
        state,
        name: fc.name.clone(),
        message,
    });
}

fn stem(file: &Path) -> String {
    file.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned()
}

/// Whether the file or key name says "CA certificate".
fn named_as_ca(file: &Path, label: &str) -> bool {
    if label.is_empty() {
        let s = stem(file).to_ascii_lowercase();
        s == "ca" || s.ends_with("-ca") || s.ends_with("_ca")
    } else {
        label.ends_with("ca_crt") || label.ends_with("certificate-authority-data")
    }
}

fn summarise(problems: &[Problem], lines: &[CertLine], encrypted: usize) -> String {
    let sealed = match encrypted {
        0 => String::new(),
        1 => "; 1 encrypted value not read (give --eyaml-private-key)".to_owned(),
        n => format!("; {n} encrypted values not read (give --eyaml-private-key)"),
    };
    format!("{}{sealed}", summarise_certs(problems, lines))
}

fn summarise_certs(problems: &[Problem], lines: &[CertLine]) -> String {
    let n = lines.len();
    let certs = if n == 1 {
        "1 certificate".to_owned()
    } else {
        format!("{n} certificates")
    };
    match problems.first() {
        None => match lines.first() {
            Some(first) => format!(
                "{certs}; the first to expire is {} in {}",
                first.name,
                clikit::days(first.days_left)
            ),
            None => certs,
        },
        Some(p) => {
            let more = problems.len() - 1;
            let tail = match more {
                0 => String::new(),
                1 => "; and 1 more problem".to_owned(),
                m => format!("; and {m} more problems"),
            };
            format!("{}: {}{tail} ({certs} checked)", p.name, p.message)
        }
    }
}

impl Report {
    /// The check's status line: the counts, the fewest days left (WARNING
    /// below --warning, CRITICAL below --critical), and the days left of each
    /// certificate for Prometheus.
    pub fn status(&self) -> clikit::Status {
        use clikit::{Perf, Range};
        let count = |s: State| self.certificates.iter().filter(|c| c.state == s).count() as f64;
        let days = |m, v: Option<i64>| Perf::days(m, v.map(|d| d as f64));
        let mut st = crate::TOOL.status("check", self.state, self.summary.clone());
        st.perfdata = vec![
            Perf::count("certificates", self.certificates.len() as f64),
            Perf::count("critical", count(State::Critical)),
            Perf::count("warning", count(State::Warning)),
            days(
                "min_days_left",
                self.certificates.first().map(|c| c.days_left),
            )
            .thresholds(
                Range::Below(self.warning_days as f64),
                Range::Below(self.critical_days as f64),
            ),
        ];
        st.series = self
            .certificates
            .iter()
            .map(|c| days("days_left", Some(c.days_left)).of(c.name.clone()))
            .collect();
        st
    }

    /// The plugin's long output: each problem, then every certificate.
    pub fn long_text(&self) -> String {
        let mut out = String::new();
        for p in &self.problems {
            out.push_str(&format!("{}: {}: {}\n", p.state.name(), p.name, p.message));
        }
        if !self.certificates.is_empty() {
            let rows = self
                .certificates
                .iter()
                .map(|c| {
                    vec![
                        c.state.name().to_owned(),
                        c.days_left.to_string(),
                        c.not_after.clone(),
                        if c.is_ca { "yes" } else { "no" }.to_owned(),
                        c.name.clone(),
                        c.subject.clone(),
                    ]
                })
                .collect();
            out.push('\n');
            out.push_str(&clikit::table(
                &["STATE", "DAYS", "NOT AFTER", "CA", "CERTIFICATE", "SUBJECT"],
                rows,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_names() {
        assert!(named_as_ca(Path::new("pki/ca.crt"), ""));
        assert!(named_as_ca(Path::new("pki/front-proxy-ca.crt"), ""));
        assert!(!named_as_ca(Path::new("pki/apiserver.crt"), ""));
        assert!(named_as_ca(
            Path::new("Debian.yaml"),
            "kubernetes::etcd_ca_crt"
        ));
        assert!(!named_as_ca(
            Path::new("Debian.yaml"),
            "kubernetes::etcdclient_crt"
        ));
    }
}
