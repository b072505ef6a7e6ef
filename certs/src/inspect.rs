//! `certs inspect`: what each certificate, key and request holds, one
//! entry per item, as text for people or JSON.

use crate::issue::request_public_key;
use crate::source::{Item, ItemKind};
use serde::Serialize;

/// One item of an input, as `inspect` shows it.
#[derive(Debug, Serialize)]
pub struct Entry {
    source: String,
    label: String,
    kind: &'static str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    certificate: Option<crate::CertInfo>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    key: Option<crate::KeyType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spki_pin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    /// What is worth knowing that is not a problem (a value left encrypted).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// The entries of the items read from `source`.
pub fn entries(source: &str, items: Vec<Item>) -> Vec<Entry> {
    items.into_iter().map(|item| entry(source, item)).collect()
}

fn entry(source: &str, item: Item) -> Entry {
    let mut e = Entry {
        source: source.to_owned(),
        label: item.label,
        kind: item.kind.name(),
        certificate: None,
        key: None,
        spki_pin: None,
        problem: None,
        note: None,
    };
    match item.kind {
        ItemKind::Certificate(c) => e.certificate = Some(c.info().clone()),
        ItemKind::PrivateKey(k) => {
            e.key = Some(k.key_type().clone());
            e.spki_pin = Some(k.spki_pin());
        }
        ItemKind::PublicKey(spki) => {
            e.key = spki_type(&spki);
            e.spki_pin = Some(crate::spki_pin(&spki));
        }
        ItemKind::Request(der) => match request_public_key(&der) {
            Ok(spki) => {
                e.key = spki_type(&spki);
                e.spki_pin = Some(crate::spki_pin(&spki));
            }
            Err(err) => e.problem = Some(err.to_string()),
        },
        ItemKind::Unusable(why) => e.problem = Some(why),
        ItemKind::Encrypted => {
            e.note = Some("encrypted with hiera-eyaml; give --eyaml-private-key to read it".into());
        }
    }
    e
}

fn spki_type(spki: &[u8]) -> Option<crate::KeyType> {
    use x509_parser::prelude::FromDer;
    let (_, s) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki).ok()?;
    Some(crate::key::public_key_type(&s))
}

/// What could not be read, one line each: any makes `inspect` exit 1
/// (after showing what could be read).
pub fn unreadable(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|e| {
            let p = e.problem.as_ref()?;
            Some(format!("{}: cannot read it: {p}", title(e)))
        })
        .collect()
}

/// `source: label`, or the source alone.
fn title(e: &Entry) -> String {
    if e.label.is_empty() {
        e.source.clone()
    } else {
        format!("{}: {}", e.source, e.label)
    }
}

/// The entries for people: a title line per item, then its fields.
pub fn to_text(entries: &[Entry]) -> String {
    let mut out = String::new();
    for (n, e) in entries.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{} ({})\n", title(e), e.kind));
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut row = |k: &str, v: String| rows.push(vec![format!("  {k}"), v]);
        if let Some(c) = &e.certificate {
            row("subject", c.subject.clone());
            row("issuer", c.issuer.clone());
            row("serial", c.serial.clone());
            row("not before", c.not_before.clone());
            row(
                "not after",
                format!("{} ({} left)", c.not_after, clikit::days(c.days_left)),
            );
            let mut sans: Vec<String> = c.dns_names.iter().map(|d| format!("DNS:{d}")).collect();
            sans.extend(c.ip_addresses.iter().map(|i| format!("IP:{i}")));
            sans.extend(c.other_names.iter().cloned());
            row("alt names", or_none(sans.join(", ")));
            row("key usage", or_none(c.key_usage.join(", ")));
            row("ext key usage", or_none(c.extended_key_usage.join(", ")));
            let ca = match (c.is_ca, c.path_len) {
                (true, Some(n)) => format!("yes (path length {n})"),
                (true, None) => "yes".into(),
                (false, _) => "no".into(),
            };
            row(
                "CA",
                if c.self_signed {
                    format!("{ca}, self-signed")
                } else {
                    ca
                },
            );
            row("key", c.key.to_string());
            row("signature", c.signature_algorithm.clone());
            row("sha256 fingerprint", c.sha256_fingerprint.clone());
            row("spki pin", c.spki_pin.clone());
        }
        if let Some(k) = &e.key {
            row("key", k.to_string());
        }
        if let Some(p) = &e.spki_pin {
            row("spki pin", p.clone());
        }
        if let Some(p) = &e.problem {
            row("problem", p.clone());
        }
        if let Some(n) = &e.note {
            row("note", n.clone());
        }
        out.push_str(&clikit::table(&[], rows));
    }
    out
}

fn or_none(s: String) -> String {
    if s.is_empty() { "none".into() } else { s }
}
