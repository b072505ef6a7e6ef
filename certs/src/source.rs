//! Reading whatever an operator points the tool at: PEM with one or many
//! blocks, DER, a Hiera YAML file (every PEM value, labelled by its key), a
//! YAML stream of such documents (`kubetool --stdout`), or a kubeconfig
//! (its base64 `*-data` values). hiera-eyaml values (`ENC[PKCS7,...]`) in
//! YAML are read with the eyaml private key when one is given, and listed
//! as encrypted when not.

use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::key::PrivateKey;
use crate::pem;

/// One thing found in an input.
#[derive(Debug)]
pub struct Item {
    /// Where in the input: the YAML key path, or `line N` of a PEM file.
    pub label: String,
    /// What it is.
    pub kind: ItemKind,
}

/// The kinds of item an input can hold.
#[derive(Debug)]
pub enum ItemKind {
    /// A certificate.
    Certificate(Box<Certificate>),
    /// A private key the library can use.
    PrivateKey(Box<PrivateKey>),
    /// A `PUBLIC KEY` (SPKI), e.g. kubeadm's `sa.pub`.
    PublicKey(Vec<u8>),
    /// A certificate signing request (DER).
    Request(Vec<u8>),
    /// A hiera-eyaml value left sealed (no eyaml private key was given).
    Encrypted,
    /// Something that could not be used, and why (an encrypted key, a
    /// damaged certificate, an unsupported block).
    Unusable(String),
}

impl ItemKind {
    /// A short name for messages: `certificate`, `private key`, ...
    pub fn name(&self) -> &'static str {
        match self {
            ItemKind::Certificate(_) => "certificate",
            ItemKind::PrivateKey(_) => "private key",
            ItemKind::PublicKey(_) => "public key",
            ItemKind::Request(_) => "certificate request",
            ItemKind::Encrypted => "encrypted value",
            ItemKind::Unusable(_) => "unusable item",
        }
    }
}

fn item_from_block(label: String, block: pem::Block) -> Item {
    let kind = match block.label.as_str() {
        "CERTIFICATE" | "X509 CERTIFICATE" => match Certificate::from_der(block.der) {
            Ok(c) => ItemKind::Certificate(Box::new(c)),
            Err(e) => ItemKind::Unusable(e.to_string()),
        },
        l if l.ends_with("PRIVATE KEY") => match PrivateKey::from_pem_block(l, &block.der) {
            Ok(k) => ItemKind::PrivateKey(Box::new(k)),
            Err(e) => ItemKind::Unusable(e.to_string()),
        },
        "PUBLIC KEY" => ItemKind::PublicKey(block.der),
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => ItemKind::Request(block.der),
        other => ItemKind::Unusable(format!("{other} blocks are not read")),
    };
    Item { label, kind }
}

fn pem_items(prefix: &str, text: &str) -> Result<Vec<Item>> {
    let blocks = pem::parse(text)?;
    let many = blocks.len() > 1;
    Ok(blocks
        .into_iter()
        // openssl ecparam -genkey writes the curve as its own block first.
        .filter(|b| b.label != "EC PARAMETERS")
        .map(|b| {
            let label = match (prefix.is_empty(), many) {
                (true, true) => format!("line {}", b.line),
                (true, false) => String::new(),
                (false, true) => format!("{prefix} (line {} of the value)", b.line),
                (false, false) => prefix.to_owned(),
            };
            item_from_block(label, b)
        })
        .collect())
}

/// Everything in one input's bytes. Errors say what the input is not; an
/// input with nothing in it at all is an error.
pub fn read_items(data: &[u8]) -> Result<Vec<Item>> {
    read_items_with(data, None)
}

/// As [`read_items`], reading hiera-eyaml values in YAML with `eyaml`.
pub fn read_items_with(data: &[u8], eyaml: Option<&crate::eyaml::PrivateKey>) -> Result<Vec<Item>> {
    read_as(data, eyaml, false)
}

/// Whether a file's name says it is YAML: a Hiera file, a kubeconfig
/// (`admin.conf`), a manifest.
pub fn is_yaml_name(name: &str) -> bool {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "conf" | "kubeconfig" | "yaml" | "yml")
}

/// As [`read_items_with`] for the input called `name` (a path, or `-`):
/// one named as YAML ([`is_yaml_name`]) must parse as YAML, so a damaged
/// Hiera file is an error ([`Error::Syntax`]), never read as loose PEM
/// blocks; a valid YAML one without PEM values is
/// [`Error::NoCertificateData`].
pub fn read_named_items(
    name: &str,
    data: &[u8],
    eyaml: Option<&crate::eyaml::PrivateKey>,
) -> Result<Vec<Item>> {
    read_as(data, eyaml, is_yaml_name(name))
}

fn read_as(
    data: &[u8],
    eyaml: Option<&crate::eyaml::PrivateKey>,
    named_yaml: bool,
) -> Result<Vec<Item>> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Missing("is empty".into()));
    }
    let text = std::str::from_utf8(data).ok();
    let Some(text) = text else {
        return der_item(data);
    };
    let starts_with_pem = text.trim_start().starts_with("-----BEGIN ");
    if !starts_with_pem {
        match yaml_items(text, eyaml)? {
            Yaml::Items(items) => return Ok(items),
            Yaml::Invalid(e) if named_yaml => {
                return Err(Error::Syntax(e.to_string()));
            }
            Yaml::NotMappings if named_yaml && !pem::contains_pem(text) => {
                return Err(no_certificate_data());
            }
            Yaml::Invalid(_) | Yaml::NotMappings => {}
        }
    }
    if pem::contains_pem(text) {
        return pem_items("", text);
    }
    der_item(data)
}

fn no_certificate_data() -> Error {
    Error::NoCertificateData("is YAML without any PEM value or kubeconfig *-data field".into())
}

/// What a text is as YAML.
enum Yaml {
    /// Mappings holding these items.
    Items(Vec<Item>),
    /// Valid YAML, but no document is a mapping (a scalar: perhaps PEM).
    NotMappings,
    /// Not valid YAML, and why.
    Invalid(clikit::yaml::Refusal),
}

fn der_item(data: &[u8]) -> Result<Vec<Item>> {
    if data.first() != Some(&0x30) {
        return Err(Error::Missing(
            "holds no PEM block and is not DER or YAML; expected a certificate, key or Hiera/kubeconfig YAML".into(),
        ));
    }
    let cert = Certificate::from_der(data.to_vec())
        .map_err(|e| Error::Certificate(format!("not PEM, and as DER: {e}")))?;
    Ok(vec![Item {
        label: String::new(),
        kind: ItemKind::Certificate(Box::new(cert)),
    }])
}

/// The items in YAML text. Mappings without PEM or kubeconfig data are
/// [`Error::NoCertificateData`]; text past the bounds is an error.
fn yaml_items(text: &str, eyaml: Option<&crate::eyaml::PrivateKey>) -> Result<Yaml> {
    // Within the bounds (nesting, aliases) or refused, in linear time.
    let docs = match clikit::yaml::documents(text) {
        Ok(docs) => docs,
        Err(b @ clikit::yaml::Refusal::Bounds { .. }) => {
            return Err(Error::Bounds(format!("as YAML, {b}")));
        }
        Err(e) => return Ok(Yaml::Invalid(e)),
    };
    if !docs.iter().any(|d| d.is_mapping()) {
        return Ok(Yaml::NotMappings);
    }
    // Several documents (kubetool --stdout, a kubectl list): each item is
    // labelled with its document, so keys pair with certificates of the
    // same document only.
    let mut items = Vec::new();
    for (n, doc) in docs.iter().enumerate() {
        let prefix = if docs.len() > 1 {
            format!("document {}: ", n + 1)
        } else {
            String::new()
        };
        walk(doc, &prefix, eyaml, &mut items)?;
    }
    if items.is_empty() {
        return Err(no_certificate_data());
    }
    Ok(Yaml::Items(items))
}

fn key_text(k: &serde_yaml::Value) -> String {
    match k {
        serde_yaml::Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

/// The kubeconfig fields that hold base64 of PEM.
const KUBECONFIG_DATA: &[&str] = &[
    "certificate-authority-data",
    "client-certificate-data",
    "client-key-data",
];

fn walk(
    v: &serde_yaml::Value,
    path: &str,
    eyaml: Option<&crate::eyaml::PrivateKey>,
    out: &mut Vec<Item>,
) -> Result<()> {
    use serde_yaml::Value;
    match v {
        Value::Mapping(m) => {
            for (k, v) in m {
                let k = key_text(k);
                let p = if path.is_empty() || path.ends_with(": ") {
                    format!("{path}{k}")
                } else {
                    format!("{path}.{k}")
                };
                if let (Value::String(s), true) = (v, KUBECONFIG_DATA.contains(&k.as_str())) {
                    // kubeconfig: base64 of PEM. One that does not decode is
                    // an unreadable item, named, not silently skipped.
                    match pem::decode_base64(s).and_then(|d| String::from_utf8(d).ok()) {
                        Some(inner) if pem::contains_pem(&inner) => {
                            out.extend(pem_items(&p, &inner).map_err(|e| in_value(&p, e))?);
                        }
                        _ => out.push(Item {
                            label: p,
                            kind: ItemKind::Unusable(format!(
                                "{k} is not base64 of PEM data, as a kubeconfig's must be"
                            )),
                        }),
                    }
                    continue;
                }
                walk(v, &p, eyaml, out)?;
            }
        }
        Value::Sequence(s) => {
            for (i, v) in s.iter().enumerate() {
                // kubeconfig lists carry a name; use it so labels read well.
                let name = v.get("name").and_then(Value::as_str);
                let p = match name {
                    Some(n) => format!("{path}[{n}]"),
                    None => format!("{path}[{i}]"),
                };
                walk(v, &p, eyaml, out)?;
            }
        }
        Value::String(s) if crate::eyaml::is_encrypted(s) => out.extend(sealed(path, s, eyaml)),
        Value::String(s) if pem::contains_pem(s) => {
            out.extend(pem_items(path, s).map_err(|e| in_value(path, e))?);
        }
        Value::Tagged(t) => walk(&t.value, path, eyaml, out)?,
        _ => {}
    }
    Ok(())
}

/// An eyaml value: its PEM items when `eyaml` opens it (a value that is
/// not PEM, such as a token, gives none, as a plain one would), one
/// [`ItemKind::Encrypted`] without a key, [`ItemKind::Unusable`] when the
/// key does not open it.
fn sealed(path: &str, value: &str, eyaml: Option<&crate::eyaml::PrivateKey>) -> Vec<Item> {
    let unusable = |why: String| {
        vec![Item {
            label: path.to_owned(),
            kind: ItemKind::Unusable(why),
        }]
    };
    let Some(key) = eyaml else {
        return vec![Item {
            label: path.to_owned(),
            kind: ItemKind::Encrypted,
        }];
    };
    match crate::eyaml::decrypt(value, key).map(String::from_utf8) {
        Ok(Ok(text)) if pem::contains_pem(&text) => {
            pem_items(path, &text).unwrap_or_else(|e| unusable(format!("decrypted: {e}")))
        }
        Ok(_) => Vec::new(),
        Err(why) => unusable(format!("eyaml: {why}")),
    }
}

fn in_value(path: &str, e: Error) -> Error {
    Error::Missing(format!("the value of {path}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::Ca;

    fn ca() -> Ca {
        crate::issue::testing::ca_named("x")
    }

    #[test]
    fn hiera_values_are_labelled_by_key() {
        let ca = ca();
        let yaml = format!(
            "kubernetes::token: abcdef.0123456789abcdef\nkubernetes::etcd_ca_crt: |\n{}kubernetes::etcd_ca_key: |\n{}",
            indent(&ca.certificate().pem()),
            indent(&ca.key().to_pem())
        );
        let items = read_items(yaml.as_bytes()).unwrap();
        let labels: Vec<(&str, &str)> = items
            .iter()
            .map(|i| (i.label.as_str(), i.kind.name()))
            .collect();
        assert_eq!(
            labels,
            [
                ("kubernetes::etcd_ca_crt", "certificate"),
                ("kubernetes::etcd_ca_key", "private key")
            ]
        );
    }

    #[test]
    fn kubeconfig_data_is_decoded() {
        use base64::Engine;
        let ca = ca();
        let b64 = base64::engine::general_purpose::STANDARD.encode(ca.certificate().pem());
        let yaml =
            format!("clusters:\n- name: ocf\n  cluster:\n    certificate-authority-data: {b64}\n");
        let items = read_items(yaml.as_bytes()).unwrap();
        assert_eq!(
            items[0].label,
            "clusters[ocf].cluster.certificate-authority-data"
        );
        assert!(matches!(items[0].kind, ItemKind::Certificate(_)));
    }

    #[test]
    fn der_pem_and_bad_inputs() {
        let ca = ca();
        assert!(matches!(
            read_items(ca.certificate().der()).unwrap()[0].kind,
            ItemKind::Certificate(_)
        ));
        let two = format!("{}{}", ca.certificate().pem(), ca.key().to_pem());
        let items = read_items(two.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        let key_line = ca.certificate().pem().lines().count() + 1;
        assert_eq!(items[1].label, format!("line {key_line}"));
        assert!(read_items(b"").unwrap_err().to_string().contains("empty"));
        assert!(read_items(b"  \n").is_err());
        assert!(read_items(&[0x30, 0x82, 0x01]).is_err());
        assert!(read_items(&[0xde, 0xad, 0xbe, 0xef]).is_err());
        assert!(
            read_items(b"just: yaml\n")
                .unwrap_err()
                .to_string()
                .contains("without any PEM")
        );
        let truncated: String = ca
            .certificate()
            .pem()
            .lines()
            .take(3)
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(
            read_items(truncated.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
    }

    fn indent(s: &str) -> String {
        s.lines().map(|l| format!("  {l}\n")).collect()
    }
}
