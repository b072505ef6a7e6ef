//! The secret values kubetool writes (every private key and the bootstrap
//! token) and hiera-eyaml.
//!
//! A [`Secret`] knows its plaintext when it was made by this run, read in
//! the clear, or decrypted with `--eyaml-private-key`; and, when it was
//! read encrypted, the ciphertext it was read as. [`Eyaml`] decides how it
//! is written:
//!
//! - With `--eyaml-public-key`, encrypted (`ENC[PKCS7,...]` in a folded
//!   block). A value read encrypted keeps its ciphertext verbatim, because
//!   encryption is randomised and a new ciphertext of the same plaintext
//!   would be a change to Puppet. A value read in the clear is encrypted (a
//!   one-time migration, counted in [`Tally`]).
//! - Without it, in the clear; an encrypted value in the existing data is
//!   then an error when read, so encrypted and clear data never mix
//!   silently and nothing encrypted is written back in the clear.
//!
//! A run that never needs a secret's plaintext (nothing to sign, no
//! kubeadm tree) works without the private key: the secret stays sealed and
//! is written back as it was read.

use crate::error::{Error, Result};
use crate::hiera::{Existing, Value};
use certs::eyaml;
use std::fmt;
use std::path::Path;

/// Where a secret came from.
#[derive(Debug, Clone)]
enum Origin {
    /// Made by this run (or imported from a CA file).
    Made,
    /// Read in the clear at this place (`Debian.yaml kubernetes::sa_key`).
    Clear(String),
    /// Read encrypted at this place, as this one-line ciphertext.
    Encrypted { place: String, ciphertext: String },
}

/// A private key or token, with its plaintext when known.
#[derive(Clone)]
pub struct Secret {
    plain: Option<String>,
    origin: Origin,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the plaintext.
        let known = if self.plain.is_some() {
            "known"
        } else {
            "sealed"
        };
        write!(f, "Secret({:?}, {known})", self.origin)
    }
}

impl Secret {
    /// A secret made by this run.
    pub fn made(plain: String) -> Secret {
        Secret {
            plain: Some(plain),
            origin: Origin::Made,
        }
    }

    /// A secret read in the clear at `place`.
    pub fn clear(place: impl Into<String>, plain: String) -> Secret {
        Secret {
            plain: Some(plain),
            origin: Origin::Clear(place.into()),
        }
    }

    /// The plaintext, when known.
    pub fn plain(&self) -> Option<&str> {
        self.plain.as_deref()
    }

    /// The plaintext, which this run needs `to` do something; an error
    /// naming the value and the flag when it is sealed.
    pub fn reveal(&self, to: &str) -> Result<&str> {
        match (&self.plain, &self.origin) {
            (Some(p), _) => Ok(p),
            (None, Origin::Encrypted { place, .. }) => Err(Error::Input(format!(
                "{place} is encrypted with hiera-eyaml and this run must read it to {to}; pass --eyaml-private-key FILE (the Puppet server's private_key.pkcs7.pem)"
            ))),
            (None, _) => unreachable!("only an encrypted secret has no plaintext"),
        }
    }
}

/// The eyaml keys of a run: none, the public key, or both.
#[derive(Default)]
pub struct Eyaml {
    /// `--eyaml-public-key`: its name in messages and the key.
    public: Option<(String, eyaml::PublicKey)>,
    /// `--eyaml-private-key`.
    private: Option<(String, eyaml::PrivateKey)>,
    /// The private key is not the public key's pair: the site is changing
    /// keys, and every value is encrypted again to the public key.
    rotate: bool,
}

impl fmt::Debug for Eyaml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Eyaml")
            .field("public", &self.public.as_ref().map(|(n, _)| n))
            .field("private", &self.private.as_ref().map(|(n, _)| n))
            .field("rotate", &self.rotate)
            .finish()
    }
}

/// `a.yaml (2), b.yaml (1)` for places `a.yaml k1`, `a.yaml k2`, `b.yaml k1`.
fn by_file(places: &[String]) -> String {
    let mut files: Vec<(&str, usize)> = Vec::new();
    for p in places {
        let file = p.rsplit_once(' ').map_or(p.as_str(), |(f, _)| f);
        match files.iter_mut().find(|(f, _)| *f == file) {
            Some((_, n)) => *n += 1,
            None => files.push((file, 1)),
        }
    }
    files
        .iter()
        .map(|(f, n)| format!("{f} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What sealing changed, for one note at the end of the run.
#[derive(Debug, Default)]
pub struct Tally {
    /// Values read in the clear and now encrypted.
    pub migrated: Vec<String>,
    /// Values encrypted again to a new public key.
    pub reencrypted: Vec<String>,
}

/// A warning when the private key at `path` is readable by its group or
/// by others.
fn exposed(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "--eyaml-private-key {}: mode {mode:04o} lets others read the key that opens every secret; chmod 0400 it (owned by the user Puppet Server runs as)",
            path.display()
        )
    })
}

/// The key at `path` (given as `flag`), read bounded and parsed; with
/// its name for messages.
fn read_key<K>(
    flag: &str,
    path: Option<&Path>,
    parse: fn(&str) -> std::result::Result<K, String>,
) -> Result<Option<(String, K)>> {
    let Some(path) = path else { return Ok(None) };
    let name = path.display().to_string();
    let text = clikit::read_text(&name)
        .map_err(|e| Error::Input(format!("{flag} {name}: cannot read it: {e}")))?;
    let key = parse(&text).map_err(|e| Error::Input(format!("{flag} {name}: {e}")))?;
    Ok(Some((name, key)))
}

impl Eyaml {
    /// The keys named by `--eyaml-public-key` and `--eyaml-private-key`;
    /// a private key others may read is a warning.
    pub fn load(
        public: Option<&Path>,
        private: Option<&Path>,
        warnings: &mut Vec<String>,
    ) -> Result<Eyaml> {
        if let Some(p) = private {
            warnings.extend(exposed(p));
        }
        let public = read_key("--eyaml-public-key", public, eyaml::PublicKey::from_pem)?;
        let private = read_key("--eyaml-private-key", private, eyaml::PrivateKey::from_pem)?;
        let rotate = match (&public, &private) {
            (Some((_, p)), Some((_, k))) => !k.pairs_with(p),
            _ => false,
        };
        Ok(Eyaml {
            public,
            private,
            rotate,
        })
    }

    /// Whether values are written encrypted.
    pub fn encrypts(&self) -> bool {
        self.public.is_some()
    }

    /// Whether the private key given is not the public key's pair (a change
    /// of eyaml keys: every value is encrypted again).
    pub fn rotates(&self) -> bool {
        self.rotate
    }

    /// The secret at `key` of `e`, decrypted when it is encrypted and the
    /// private key is given. An encrypted value without
    /// `--eyaml-public-key` is an error: it would be written back in the
    /// clear.
    pub fn read(&self, e: &Existing, key: &str) -> Result<Option<Secret>> {
        let place = format!("{} {key}", e.name);
        let text = match e.get(key) {
            None => return Ok(None),
            Some(serde_yaml::Value::String(s)) => s,
            Some(_) => return Err(Error::Input(format!("{place} is not a string"))),
        };
        if !eyaml::is_encrypted(text) {
            return Ok(Some(Secret::clear(place, text.clone())));
        }
        if self.public.is_none() {
            return Err(Error::Input(format!(
                "{place} is encrypted with hiera-eyaml; pass --eyaml-public-key FILE (and --eyaml-private-key FILE when a key must be read), since kubetool never writes an encrypted value back in the clear"
            )));
        }
        let ciphertext = eyaml::compact(text);
        let plain = match &self.private {
            None => None,
            Some((name, k)) => {
                let bytes = eyaml::decrypt(&ciphertext, k).map_err(|why| {
                    Error::Input(format!(
                        "{place}: {why} (--eyaml-private-key {name}); give the private key it was encrypted with"
                    ))
                })?;
                Some(
                    String::from_utf8(bytes)
                        .map_err(|_| Error::Input(format!("{place}: its plaintext is not text")))?,
                )
            }
        };
        Ok(Some(Secret {
            plain,
            origin: Origin::Encrypted { place, ciphertext },
        }))
    }

    /// The Hiera value `s` is written as: a PEM block (`block`) or a
    /// string in the clear, or an eyaml value.
    pub fn value(&self, s: &Secret, block: bool, tally: &mut Tally) -> Result<Value> {
        let Some((_, public)) = &self.public else {
            let plain = s.reveal("write it")?;
            return Ok(if block {
                Value::Pem(plain.to_owned())
            } else {
                Value::Str(plain.to_owned())
            });
        };
        if let Origin::Encrypted { ciphertext, place } = &s.origin {
            if !self.rotate {
                return Ok(Value::Enc(ciphertext.clone()));
            }
            tally.reencrypted.push(place.clone());
        }
        let plain = s.reveal("encrypt it to the new eyaml public key")?;
        if let Origin::Clear(place) = &s.origin {
            tally.migrated.push(place.clone());
        }
        let ciphertext = eyaml::encrypt(plain.as_bytes(), public)
            .map_err(|e| Error::Io(format!("cannot encrypt a value: {e}")))?;
        Ok(Value::Enc(ciphertext))
    }

    /// The notes of what sealing changed.
    pub fn notes(&self, tally: &Tally) -> Vec<String> {
        let mut notes = Vec::new();
        let public = self.public.as_ref().map_or("", |(n, _)| n.as_str());
        if !tally.migrated.is_empty() {
            notes.push(format!(
                "{} in the clear and now encrypted to --eyaml-public-key {public} (a one-time migration), in {}; clear copies stay in backups and version-control history",
                match tally.migrated.len() {
                    1 => "1 secret value was".to_owned(),
                    n => format!("{n} secret values were"),
                },
                by_file(&tally.migrated)
            ));
        }
        if !tally.reencrypted.is_empty() {
            notes.push(format!(
                "--eyaml-private-key is not the pair of --eyaml-public-key {public}: {} values were encrypted again to the public key (a change of eyaml keys; give the Puppet server the new private key)",
                tally.reencrypted.len()
            ));
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use certs::{Ca, CaSpec, KeyAlgorithm, PrivateKey};

    /// An eyaml key pair made in process: an RSA CA certificate is all
    /// eyaml's public key is.
    fn keys() -> (eyaml::PublicKey, eyaml::PrivateKey) {
        let key = PrivateKey::generate(KeyAlgorithm::Rsa2048).unwrap();
        let private = eyaml::PrivateKey::from_pem(&key.to_pem()).unwrap();
        let ca = Ca::generate(&CaSpec::new("eyaml"), key).unwrap();
        let public = eyaml::PublicKey::from_pem(&ca.certificate().pem()).unwrap();
        (public, private)
    }

    fn with(public: &eyaml::PublicKey, private: Option<&eyaml::PrivateKey>) -> Eyaml {
        Eyaml {
            public: Some(("pub.pem".into(), public.clone())),
            rotate: private.is_some_and(|k| !k.pairs_with(public)),
            private: private.map(|k| ("priv.pem".into(), k.clone())),
        }
    }

    fn file(text: &str) -> Existing {
        Existing::parse("Debian.yaml", text).unwrap()
    }

    #[test]
    fn each_origin_is_written_as_it_must_be() {
        let (public, private) = keys();
        let e = with(&public, Some(&private));
        let mut tally = Tally::default();
        let enc = |v: &Value| match v {
            Value::Enc(c) => c.clone(),
            other => panic!("not encrypted: {other:?}"),
        };
        // Made: encrypted, not counted.
        let made = enc(&e
            .value(&Secret::made("abc".into()), false, &mut tally)
            .unwrap());
        assert_eq!(eyaml::decrypt(&made, &private).unwrap(), b"abc");
        // Read encrypted: the same ciphertext, byte for byte (folded or not).
        let folded = eyaml::fold(&made).join("\n  ");
        let existing = file(&format!("k: >\n  {folded}\nplain: \"xyz\"\n"));
        let read = e.read(&existing, "k").unwrap().unwrap();
        assert_eq!(read.plain(), Some("abc"));
        assert_eq!(enc(&e.value(&read, false, &mut tally).unwrap()), made);
        // Read in the clear: encrypted and counted as migrated.
        let clear = e.read(&existing, "plain").unwrap().unwrap();
        let migrated = enc(&e.value(&clear, false, &mut tally).unwrap());
        assert_eq!(eyaml::decrypt(&migrated, &private).unwrap(), b"xyz");
        assert_eq!(tally.migrated, ["Debian.yaml plain"]);
        assert!(tally.reencrypted.is_empty());
        let notes = e.notes(&tally);
        assert!(
            notes[0].starts_with("1 secret value was in the clear and now encrypted to --eyaml-public-key pub.pem (a one-time migration), in Debian.yaml (1);"),
            "{notes:?}"
        );

        // Without the private key the value stays sealed, and is kept.
        let sealed_reader = with(&public, None);
        let sealed = sealed_reader.read(&existing, "k").unwrap().unwrap();
        assert_eq!(sealed.plain(), None);
        let err = sealed.reveal("sign").unwrap_err().to_string();
        assert_eq!(
            err,
            "Debian.yaml k is encrypted with hiera-eyaml and this run must read it to sign; pass --eyaml-private-key FILE (the Puppet server's private_key.pkcs7.pem)"
        );
        assert_eq!(
            enc(&sealed_reader.value(&sealed, false, &mut tally).unwrap()),
            made
        );
        assert!(!format!("{sealed:?} {read:?}").contains("abc"));

        // A new public key (old private key): every value encrypted again.
        let (new_public, new_private) = keys();
        let rotating = with(&new_public, Some(&private));
        assert!(rotating.rotates());
        let mut tally = Tally::default();
        let again = enc(&rotating.value(&read, false, &mut tally).unwrap());
        assert_eq!(eyaml::decrypt(&again, &new_private).unwrap(), b"abc");
        assert_eq!(tally.reencrypted, ["Debian.yaml k"]);
    }

    #[test]
    fn without_a_public_key_values_are_clear_and_encrypted_ones_refused() {
        let none = Eyaml::default();
        let mut tally = Tally::default();
        let s = Secret::made("-----BEGIN X-----\nAA\n-----END X-----\n".into());
        assert!(matches!(
            none.value(&s, true, &mut tally),
            Ok(Value::Pem(_))
        ));
        assert!(matches!(
            none.value(&s, false, &mut tally),
            Ok(Value::Str(_))
        ));
        let existing = file("k: ENC[PKCS7,AAAA]\nn: 3\n");
        let err = none.read(&existing, "k").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "Debian.yaml k is encrypted with hiera-eyaml; pass --eyaml-public-key FILE"
            ),
            "{err}"
        );
        assert_eq!(
            none.read(&existing, "n").unwrap_err().to_string(),
            "Debian.yaml n is not a string"
        );
        assert!(none.read(&existing, "absent").unwrap().is_none());
    }

    #[test]
    fn places_are_counted_by_file() {
        let places = ["a.yaml k1", "a.yaml k2", "dir x/b.yaml k1"].map(String::from);
        assert_eq!(by_file(&places), "a.yaml (2), dir x/b.yaml (1)");
    }
}
