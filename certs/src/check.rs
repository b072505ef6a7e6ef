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

fn is_yaml_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("conf" | "kubeconfig" | "yaml" | "yml")
    )
}

/// Every file to read under `path` (itself if a file), sorted.
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
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() && !is_link => files_under(&p, out, problems),
            Ok(m) if m.is_file() => {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                if EXTENSIONS.contains(&ext) {
                    out.push((p, true));
                }
            }
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

/// Checks everything under `paths` (files or directories; `-` is stdin) at `now`.
pub fn check(paths: &[String], t: Thresholds, now: OffsetDateTime) -> Report {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        if p == "-" {
            files.push((PathBuf::from("-"), false));
        } else {
            files_under(Path::new(p), &mut files, &mut problems);
        }
    }
    let mut certs = Vec::new();
    let mut keys = Vec::new();
    for (file, in_walk) in &files {
        let shown = if file.as_os_str() == "-" {
            PathBuf::from("stdin")
        } else {
            file.clone()
        };
        let data = match clikit::read_input(&file.to_string_lossy()) {
            Ok(d) => d,
            Err(e) => {
                problems.push(unknown(&shown, format!("cannot read: {e}")));
                continue;
            }
        };
        let items = match source::read_items(&data) {
            Ok(items) => items,
            // In a tree, YAML without certificates (static pod manifests) is not ours.
            Err(crate::Error::Missing(_)) if *in_walk && is_yaml_name(file) => continue,
            Err(e) => {
                problems.push(unknown(&shown, e.to_string()));
                continue;
            }
        };
        for item in items {
            let name = item_name(&shown, &item.label);
            match item.kind {
                ItemKind::Certificate(c) => certs.push(FoundCert {
                    name,
                    file: shown.clone(),
                    label: item.label,
                    cert: *c,
                }),
                ItemKind::PrivateKey(k) => keys.push(FoundKey {
                    name,
                    file: shown.clone(),
                    label: item.label,
                    public: k.public_key_bits().to_vec(),
                    private: true,
                }),
                ItemKind::PublicKey(spki) => match public_key_bits(&spki) {
                    Some(bits) => keys.push(FoundKey {
                        name,
                        file: shown.clone(),
                        label: item.label,
                        public: bits,
                        private: false,
                    }),
                    None => problems.push(Problem {
                        state: State::Unknown,
                        name,
                        message: "the PUBLIC KEY is damaged".into(),
                    }),
                },
                ItemKind::Request(_) => {}
                ItemKind::Unusable(why) => problems.push(Problem {
                    state: State::Unknown,
                    name,
                    message: why,
                }),
            }
        }
    }
    // Who signed whom among the certificates found, worked out once.
    let issuer_of: Vec<Option<usize>> = certs
        .iter()
        .enumerate()
        .map(|(i, fc)| (0..certs.len()).find(|&j| j != i && fc.cert.is_signed_by(&certs[j].cert)))
        .collect();
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
        let signs_others = issuer_of.contains(&Some(i));
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
        for k in keys.iter().filter(|k| pairs_with(fc, k, &certs)) {
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
    // sa.key beside sa.pub: the pair must match.
    for k in keys.iter().filter(|k| k.private) {
        for p in keys
            .iter()
            .filter(|p| !p.private && same_stem(&k.file, &k.label, &p.file, &p.label))
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
    if certs.is_empty() && problems.is_empty() {
        problems.push(Problem {
            state: State::Unknown,
            name: paths.join(" "),
            message: "no certificates found".into(),
        });
    }
    problems.sort_by_key(|p| std::cmp::Reverse(p.state));
    lines.sort_by(|a, b| {
        a.days_left
            .cmp(&b.days_left)
            .then_with(|| a.name.cmp(&b.name))
    });
    let state = problems.iter().map(|p| p.state).max().unwrap_or(State::Ok);
    let summary = summarise(&problems, &lines);
    Report {
        state,
        summary,
        warning_days: t.warning_days,
        critical_days: t.critical_days,
        problems,
        certificates: lines,
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
            format!("expired {} days ago ({})", -days, rfc3339(c.not_after())),
        )
    } else if left < Duration::days(t.critical_days) {
        (
            State::Critical,
            format!("expires in {days} days ({})", rfc3339(c.not_after())),
        )
    } else if left < Duration::days(t.warning_days) {
        (
            State::Warning,
            format!("expires in {days} days ({})", rfc3339(c.not_after())),
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

/// The certificate's key partner: in YAML `X_crt` ↔ `X_key` and
/// `client-certificate-data` ↔ `client-key-data`; in a PEM file, the key
/// beside its first certificate; in a directory `X.crt` ↔ `X.key`,
/// `X.pem` ↔ `X-key.pem`.
fn pairs_with(fc: &FoundCert, k: &FoundKey, certs: &[FoundCert]) -> bool {
    if !k.private {
        return false;
    }
    if k.file == fc.file {
        if let Some(base) = fc.label.strip_suffix("_crt") {
            return k.label == format!("{base}_key");
        }
        if let Some(base) = fc.label.strip_suffix("client-certificate-data") {
            return k.label == format!("{base}client-key-data");
        }
        // A bundle (certificate, chain, key): the key goes with the first certificate.
        let first = certs.iter().find(|c| c.file == fc.file);
        return fc.label.starts_with("line")
            && first.is_some_and(|c| std::ptr::eq(c, fc))
            && k.label.starts_with("line");
    }
    if !fc.label.is_empty() || !k.label.is_empty() || fc.file.parent() != k.file.parent() {
        return false;
    }
    let (cs, ks) = (stem(&fc.file), file_name(&k.file));
    ks == format!("{cs}.key") || ks == format!("{cs}-key.pem") || ks == format!("{cs}_key.pem")
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned()
}

/// `sa.key` ↔ `sa.pub` in a directory, `X_key` ↔ `X_pub` in YAML.
fn same_stem(kf: &Path, kl: &str, pf: &Path, pl: &str) -> bool {
    if kf == pf && !kl.is_empty() {
        return kl
            .strip_suffix("_key")
            .is_some_and(|b| pl == format!("{b}_pub"));
    }
    kl.is_empty()
        && pl.is_empty()
        && kf.parent() == pf.parent()
        && stem(kf) == stem(pf)
        && pf.extension().is_some_and(|e| e == "pub")
}

fn summarise(problems: &[Problem], lines: &[CertLine]) -> String {
    let n = lines.len();
    let certs = if n == 1 {
        "1 certificate".to_owned()
    } else {
        format!("{n} certificates")
    };
    match problems.first() {
        None => match lines.first() {
            Some(first) => format!(
                "{certs}; the first to expire is {} in {} days",
                first.name, first.days_left
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
        let mut st = crate::cli::TOOL.status("check", self.state, self.summary.clone());
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
