//! Hiera YAML, written directly and typed: strings double-quoted (so no
//! version turns into a float and no token into a number), integers and
//! booleans bare, PEM as literal blocks. Reading accepts what the original
//! kubetool wrote too (several documents per file, unquoted values).

use crate::error::{Error, Result};
use serde_yaml::{Mapping, Value as Yaml};
use std::path::Path;

/// A typed Hiera value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string, always double-quoted.
    Str(String),
    /// An Integer.
    Int(u64),
    /// A Boolean.
    Bool(bool),
    /// An Array of strings.
    List(Vec<String>),
    /// A PEM text, as a literal block; it ends with a newline.
    Pem(String),
    /// A hiera-eyaml value, `ENC[PKCS7,...]` on one line; written as a
    /// folded block, as eyaml writes it.
    Enc(String),
    /// Any other value, kept from an existing file as it was.
    Other(Yaml),
}

/// An ordered Hiera document.
pub type Doc = Vec<(String, Value)>;

fn quote(s: &str) -> String {
    // A JSON string is a valid YAML double-quoted scalar.
    serde_json::to_string(s).expect("a string always serialises")
}

/// The YAML text of `doc`, starting with `---` and a comment line.
pub fn emit(comment: &str, doc: &Doc) -> String {
    let mut out = String::from("---\n");
    for line in comment.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (key, value) in doc {
        emit_entry(&mut out, key, value);
    }
    out
}

fn emit_entry(out: &mut String, key: &str, value: &Value) {
    let k = if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '_')
    {
        key.to_owned()
    } else {
        quote(key)
    };
    match value {
        Value::Str(s) => out.push_str(&format!("{k}: {}\n", quote(s))),
        Value::Int(n) => out.push_str(&format!("{k}: {n}\n")),
        Value::Bool(b) => out.push_str(&format!("{k}: {b}\n")),
        Value::List(items) if items.is_empty() => out.push_str(&format!("{k}: []\n")),
        Value::List(items) => {
            out.push_str(&format!("{k}:\n"));
            for i in items {
                out.push_str(&format!("  - {}\n", quote(i)));
            }
        }
        Value::Pem(text) => block(out, &k, '|', text.lines()),
        Value::Enc(text) => block(out, &k, '>', certs::eyaml::fold(text).into_iter()),
        Value::Other(v) => {
            let mut m = Mapping::new();
            m.insert(Yaml::String(key.to_owned()), v.clone());
            out.push_str(&serde_yaml::to_string(&m).expect("a parsed value serialises"));
        }
    }
}

/// `k: |` (literal) or `k: >` (folded), then `lines` indented by two.
fn block<'a>(out: &mut String, k: &str, style: char, lines: impl Iterator<Item = &'a str>) {
    out.push_str(&format!("{k}: {style}\n"));
    for line in lines {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
}

/// Whether `text` can be written as a PEM literal block and read back
/// unchanged: printable lines with no leading blank, ending in a newline.
pub fn is_block_safe(text: &str) -> bool {
    text.ends_with('\n')
        && text.lines().all(|l| {
            !l.is_empty() && !l.starts_with([' ', '\t', '#']) && !l.chars().any(char::is_control)
        })
}

/// An existing Hiera file: its entries in order, documents merged.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    /// The file's name for messages.
    pub name: String,
    /// The entries, in file order; a later document's key replaces an
    /// earlier one in place.
    pub entries: Mapping,
}

impl Existing {
    /// Reads `path`; `None` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<Existing>> {
        let name = path.display().to_string();
        let text = match clikit::read_text(&path.to_string_lossy()) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::parse(&name, &text).map(Some)
    }

    /// Parses a YAML stream of mappings.
    pub fn parse(name: &str, text: &str) -> Result<Existing> {
        let mut entries = Mapping::new();
        let docs = clikit::yaml::documents(text)
            .map_err(|e| Error::Input(format!("{name}: {e}; fix or move the file away")))?;
        for v in docs {
            match v {
                Yaml::Null => {}
                Yaml::Mapping(m) => {
                    for (k, v) in m {
                        if !k.is_string() {
                            return Err(Error::Input(format!(
                                "{name}: a key that is not a string ({k:?}); Hiera keys are strings"
                            )));
                        }
                        entries.insert(k, v);
                    }
                }
                _ => {
                    return Err(Error::Input(format!(
                        "{name}: a document that is not a mapping of Hiera keys"
                    )));
                }
            }
        }
        Ok(Existing {
            name: name.to_owned(),
            entries,
        })
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.entries.get(key).filter(|v| !v.is_null())
    }

    /// The value of `key` as a string (numbers and booleans as written,
    /// for files whose quotes the original stripped); `None` when absent.
    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Yaml::String(s)) if certs::eyaml::is_encrypted(s) => Err(Error::value(
                &self.name,
                key,
                "is encrypted with hiera-eyaml, but it holds a public value that kubetool reads and writes in the clear; decrypt it (eyaml decrypt) and run again",
            )),
            Some(Yaml::String(s)) => Ok(Some(s.clone())),
            Some(Yaml::Number(n)) => Ok(Some(n.to_string())),
            Some(Yaml::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(Error::value(&self.name, key, "is not a string")),
        }
    }

    /// The value of `key` as a string, which must be there.
    pub fn required(&self, key: &str, what: &str) -> Result<String> {
        self.string(key)?.ok_or_else(|| {
            Error::value(
                &self.name,
                key,
                format!(
                    "is missing; it holds {what}. Restore the file, or run kubetool with the full settings to write it again"
                ),
            )
        })
    }

    /// The entries whose keys are not in `known`, in file order; eyaml
    /// values among them are written folded, as kubetool writes its own.
    pub fn others(&self, known: &[&str]) -> Doc {
        self.entries
            .iter()
            .filter_map(|(k, v)| {
                let k = k.as_str().filter(|k| !known.contains(k))?;
                let value = match v.as_str().and_then(certs::eyaml::single) {
                    Some(one_line) => Value::Enc(one_line),
                    None => Value::Other(v.clone()),
                };
                Some((k.to_owned(), value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_value_names_its_file_and_key() {
        let e = Existing::parse("Debian.yaml", "kubernetes::token: [1, 2]\n").unwrap();
        let err = e.string("kubernetes::token").unwrap_err();
        assert!(
            matches!(&err, Error::Value { file, key, .. } if file == "Debian.yaml" && key == "kubernetes::token"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "Debian.yaml: kubernetes::token is not a string"
        );
        let err = e
            .required("kubernetes::etcd_ca_crt", "the etcd CA")
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "Debian.yaml: kubernetes::etcd_ca_crt is missing; it holds the etcd CA."
            ),
            "{err}"
        );
    }

    #[test]
    fn emitted_values_keep_their_types() {
        let doc: Doc = vec![
            (
                "kubernetes::kubernetes_version".into(),
                Value::Str("1.28".into()),
            ),
            ("kubernetes::api_server_count".into(), Value::Int(3)),
            ("kubernetes::install_dashboard".into(), Value::Bool(false)),
            (
                "kubernetes::token".into(),
                Value::Str("123456.1234567890123456".into()),
            ),
            (
                "kubernetes::etcd_ip".into(),
                Value::Str("%{networking.ip}".into()),
            ),
            (
                "kubernetes::etcd_peers".into(),
                Value::List(vec!["10.0.0.1".into(), "[2001:db8::1]".into()]),
            ),
            (
                "kubernetes::etcd_ca_crt".into(),
                Value::Pem("-----BEGIN X-----\nAAAA\n-----END X-----\n".into()),
            ),
            (
                "extra".into(),
                Value::Other(clikit::yaml::document("{a: [1, 2]}").unwrap()),
            ),
        ];
        let text = emit("written by a test", &doc);
        assert!(
            text.starts_with(
                "---\n# written by a test\nkubernetes::kubernetes_version: \"1.28\"\n"
            ),
            "{text}"
        );
        let back = Existing::parse("t", &text).unwrap();
        assert_eq!(
            back.get("kubernetes::kubernetes_version"),
            Some(&Yaml::String("1.28".into()))
        );
        assert_eq!(
            back.get("kubernetes::token"),
            Some(&Yaml::String("123456.1234567890123456".into()))
        );
        assert_eq!(
            back.get("kubernetes::api_server_count"),
            Some(&Yaml::Number(3.into()))
        );
        assert_eq!(
            back.get("kubernetes::install_dashboard"),
            Some(&Yaml::Bool(false))
        );
        assert_eq!(
            back.string("kubernetes::etcd_ca_crt").unwrap().unwrap(),
            "-----BEGIN X-----\nAAAA\n-----END X-----\n"
        );
        assert_eq!(
            back.string("kubernetes::etcd_peers")
                .unwrap_err()
                .to_string(),
            "t: kubernetes::etcd_peers is not a string"
        );
        // Re-emitting what was read gives the same bytes.
        let again: Doc = back
            .others(&[])
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Other(Yaml::String(s)) if s.starts_with("-----") => Value::Pem(s),
                    Value::Other(Yaml::String(s)) => Value::Str(s),
                    Value::Other(Yaml::Number(n)) => Value::Int(n.as_u64().unwrap()),
                    Value::Other(Yaml::Bool(b)) => Value::Bool(b),
                    Value::Other(Yaml::Sequence(s)) if k.ends_with("peers") => Value::List(
                        s.into_iter()
                            .map(|i| i.as_str().unwrap().to_owned())
                            .collect(),
                    ),
                    other => other,
                };
                (k, v)
            })
            .collect();
        assert_eq!(emit("written by a test", &again), text);
    }

    #[test]
    fn the_originals_multi_document_files_are_read() {
        let text = "---\nkubernetes::etcdserver_crt: |\n  -----BEGIN CERTIFICATE-----\n  AA\n  -----END CERTIFICATE-----\n---\nkubernetes::etcdserver_key: x\n\n \nkubernetes::discovery_token_hash: 0a1b\n\n";
        let e = Existing::parse("deadlock.yaml", text).unwrap();
        assert_eq!(e.entries.len(), 3);
        assert_eq!(
            e.required("kubernetes::discovery_token_hash", "h").unwrap(),
            "0a1b"
        );
        let err = e
            .required("kubernetes::token", "the bootstrap token")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "deadlock.yaml: kubernetes::token is missing; it holds the bootstrap token"
            ),
            "{err}"
        );
        let bad = Existing::parse("x.yaml", "a: [\n").unwrap_err().to_string();
        assert!(bad.starts_with("x.yaml: not valid YAML at line "), "{bad}");
        assert!(Existing::parse("x.yaml", "- a\n").is_err());
    }

    #[test]
    fn eyaml_values_are_folded_and_read_back_whole() {
        let v = format!("ENC[PKCS7,{}]", "A".repeat(130));
        let text = emit("c", &vec![("k".into(), Value::Enc(v.clone()))]);
        assert!(
            text.starts_with("---\n# c\nk: >\n  ENC[PKCS7,AAAA"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.len() <= 62), "{text}");
        let back = Existing::parse("t", &text).unwrap();
        let read = back.get("k").and_then(Yaml::as_str).unwrap();
        assert_eq!(certs::eyaml::single(read), Some(v));
        // Kept as another key's value, it is written the same way.
        assert_eq!(emit("c", &back.others(&[])), text);
        // Where kubetool expects a public value, it is refused.
        let e = back.string("k").unwrap_err().to_string();
        assert!(e.contains("holds a public value"), "{e}");
    }

    #[test]
    fn block_safety() {
        assert!(is_block_safe("-----BEGIN X-----\nAA\n-----END X-----\n"));
        assert!(!is_block_safe("no newline"));
        assert!(!is_block_safe("a\n\nb\n"));
        assert!(!is_block_safe(" indented\n"));
    }
}
