//! hiera-eyaml's PKCS7 values, written and read: `ENC[PKCS7,<base64>]`.
//!
//! The base64 is a CMS EnvelopedData (RFC 5652) in a ContentInfo: the value
//! encrypted with a fresh AES-256-CBC key, and that key encrypted to the
//! eyaml public key (`public_key.pkcs7.pem`, an X.509 certificate with an
//! RSA key, as `eyaml createkeys` makes it) with RSA PKCS#1 v1.5, the
//! recipient named by the certificate's issuer and serial number. That is
//! what `eyaml encrypt` writes, what Hiera's eyaml backend and
//! `eyaml decrypt` read, and what `openssl cms -decrypt -inform DER` reads.
//!
//! The structures are the `cms` crate's (RustCrypto); the cipher is
//! RustCrypto's AES and CBC, and the key transport the `rsa` crate the
//! workspace already uses to make RSA keys (ring does neither).
//!
//! Encryption is randomised: the same value gives another ciphertext each
//! time, so a caller that rewrites a file keeps an existing ciphertext whose
//! plaintext did not change.

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo,
    RecipientInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{
    ID_AES_128_CBC, ID_AES_192_CBC, ID_AES_256_CBC, ID_DATA, ID_ENVELOPED_DATA,
};
use const_oid::db::rfc5912::RSA_ENCRYPTION;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::Pkcs1v15Encrypt;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use spki::AlgorithmIdentifierOwned;

/// What an eyaml value starts with.
pub const PREFIX: &str = "ENC[PKCS7,";

/// The width eyaml folds a value to (its `-o block` output).
pub const FOLD: usize = 60;

/// The eyaml public key: an RSA key and the name that recipients are
/// identified by.
#[derive(Clone)]
pub struct PublicKey {
    key: rsa::PublicKey,
    id: IssuerAndSerialNumber,
}

/// The eyaml private key.
#[derive(Clone)]
pub struct PrivateKey {
    key: rsa::PrivateKey,
}

/// Whether a Hiera value is an eyaml encrypted value (of any scheme).
pub fn is_encrypted(value: &str) -> bool {
    value.trim_start().starts_with("ENC[")
}

impl PublicKey {
    /// The eyaml public key from its PEM text (a certificate).
    pub fn from_pem(text: &str) -> Result<PublicKey, String> {
        let blocks = crate::pem::parse(text).map_err(|e| e.to_string())?;
        let block = blocks
            .iter()
            .find(|b| b.label == "CERTIFICATE")
            .ok_or("no CERTIFICATE block: the eyaml public key is a certificate (public_key.pkcs7.pem, from eyaml createkeys)")?;
        let cert = x509_cert::Certificate::from_der(&block.der)
            .map_err(|e| format!("not a certificate: {e}"))?;
        let tbs = cert.tbs_certificate();
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| e.to_string())?;
        let key = rsa::PublicKey::from_public_key_der(&spki).map_err(|_| {
            "its key is not RSA: hiera-eyaml's PKCS7 scheme needs an RSA key (eyaml createkeys makes one)"
                .to_owned()
        })?;
        let id = IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        };
        Ok(PublicKey { key, id })
    }
}

impl PrivateKey {
    /// The eyaml private key from its PEM text (PKCS#1, as eyaml writes
    /// it, or PKCS#8).
    pub fn from_pem(text: &str) -> Result<PrivateKey, String> {
        let blocks = crate::pem::parse(text).map_err(|e| e.to_string())?;
        let key = match blocks.first() {
            Some(b) if b.label == "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&b.der)
                .map_err(|e| format!("not an RSA private key: {e}"))?,
            Some(b) if b.label == "PRIVATE KEY" => rsa::PrivateKey::from_pkcs8_der(&b.der)
                .map_err(|_| "not an RSA private key: hiera-eyaml's PKCS7 scheme uses RSA")?,
            Some(b) => {
                return Err(format!(
                    "a {} block, not an RSA private key (private_key.pkcs7.pem, from eyaml createkeys)",
                    b.label
                ));
            }
            None => return Err("no PEM block: expected an RSA private key".into()),
        };
        Ok(PrivateKey { key })
    }

    /// Whether this is the private half of `public`.
    pub fn pairs_with(&self, public: &PublicKey) -> bool {
        self.key.to_public_key() == public.key
    }
}

/// `plain` encrypted to `to`, as `ENC[PKCS7,<base64>]` on one line.
pub fn encrypt(plain: &[u8], to: &PublicKey) -> Result<String, String> {
    let mut cek = [0u8; 32];
    let mut iv = [0u8; 16];
    getrandom::fill(&mut cek).map_err(|e| e.to_string())?;
    getrandom::fill(&mut iv).map_err(|e| e.to_string())?;
    let sealed = cbc::Encryptor::<aes::Aes256>::new(&cek.into(), &iv.into())
        .encrypt_padded_vec::<Pkcs7>(plain);
    let wrapped = to
        .key
        .encrypt(&mut getrandom::SysRng, Pkcs1v15Encrypt, &cek)
        .map_err(|e| format!("RSA: {e}"))?;
    let der_err = |e: der::Error| e.to_string();
    let recipient = KeyTransRecipientInfo {
        version: CmsVersion::V0,
        rid: RecipientIdentifier::IssuerAndSerialNumber(to.id.clone()),
        key_enc_alg: AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        enc_key: OctetString::new(wrapped).map_err(der_err)?,
    };
    let iv_param =
        Any::encode_from(&OctetString::new(iv.to_vec()).map_err(der_err)?).map_err(der_err)?;
    let enveloped = EnvelopedData {
        version: CmsVersion::V0,
        originator_info: None,
        recip_infos: RecipientInfos(
            SetOfVec::try_from(vec![RecipientInfo::Ktri(recipient)]).map_err(der_err)?,
        ),
        encrypted_content: EncryptedContentInfo {
            content_type: ID_DATA,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: ID_AES_256_CBC,
                parameters: Some(iv_param),
            },
            encrypted_content: Some(OctetString::new(sealed).map_err(der_err)?),
        },
        unprotected_attrs: None,
    };
    let info = ContentInfo {
        content_type: ID_ENVELOPED_DATA,
        content: Any::encode_from(&enveloped).map_err(der_err)?,
    };
    let der = info.to_der().map_err(der_err)?;
    Ok(format!("{PREFIX}{}]", STANDARD.encode(der)))
}

/// The plaintext of an eyaml value (whitespace inside it, as a folded YAML
/// block leaves, is ignored). A wrong key or a damaged value is an error.
pub fn decrypt(value: &str, key: &PrivateKey) -> Result<Vec<u8>, String> {
    let der = envelope_der(value)?;
    let info = ContentInfo::from_der(&der).map_err(|e| format!("a damaged value: {e}"))?;
    if info.content_type != ID_ENVELOPED_DATA {
        return Err(format!(
            "not an encrypted (enveloped) value: content type {}",
            info.content_type
        ));
    }
    let env: EnvelopedData = info
        .content
        .decode_as()
        .map_err(|e| format!("a damaged value: {e}"))?;
    let cek = content_key(&env, key)?;
    let alg = &env.encrypted_content.content_enc_alg;
    let iv: OctetString = alg
        .parameters
        .as_ref()
        .ok_or("no IV for the content cipher")?
        .decode_as()
        .map_err(|e| format!("a damaged IV: {e}"))?;
    let sealed = env
        .encrypted_content
        .encrypted_content
        .as_ref()
        .ok_or("no encrypted content")?
        .as_bytes();
    open(alg.oid, &cek, iv.as_bytes(), sealed)
}

/// `value` without the whitespace a folded YAML block leaves in it: the
/// one-line `ENC[PKCS7,...]` form.
pub fn compact(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The one-line form of `value` when it is exactly one PKCS7 eyaml value
/// (folded or not) and nothing else; `None` otherwise.
pub fn single(value: &str) -> Option<String> {
    let c = compact(value);
    let body = c.strip_prefix(PREFIX)?.strip_suffix(']')?;
    body.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        .then_some(c)
}

/// The DER inside `ENC[PKCS7,...]`.
fn envelope_der(value: &str) -> Result<Vec<u8>, String> {
    let compact = compact(value);
    let Some(body) = compact
        .strip_prefix(PREFIX)
        .and_then(|r| r.strip_suffix(']'))
    else {
        if let Some(rest) = compact.strip_prefix("ENC[") {
            let scheme = rest.split(',').next().unwrap_or_default();
            return Err(format!(
                "an ENC[{scheme},...] value: only hiera-eyaml's PKCS7 scheme is read"
            ));
        }
        return Err("not an eyaml value: it does not look like ENC[PKCS7,...]".into());
    };
    STANDARD
        .decode(body)
        .map_err(|e| format!("a damaged value: its base64 does not decode ({e})"))
}

/// The content key, from the one recipient the value was made for.
fn content_key(env: &EnvelopedData, key: &PrivateKey) -> Result<Vec<u8>, String> {
    let ktri = env
        .recip_infos
        .0
        .iter()
        .find_map(|r| match r {
            RecipientInfo::Ktri(k) => Some(k),
            _ => None,
        })
        .ok_or("no RSA recipient in the value")?;
    if ktri.key_enc_alg.oid != RSA_ENCRYPTION {
        return Err(format!(
            "the content key is wrapped with {}, not RSA PKCS#1 v1.5",
            ktri.key_enc_alg.oid
        ));
    }
    unwrap_key(&key.key, ktri.enc_key.as_bytes())
        .ok_or_else(|| "cannot decrypt: the value was not encrypted to this private key".to_owned())
}

/// The content key wrapped in `wrapped` (RSAES-PKCS1-v1_5, RFC 8017
/// 7.2.2), with the padding checked here: `0x00 0x02`, at least 8 nonzero
/// bytes, `0x00`, the key. The rsa crate's decryption hides a bad padding
/// behind a random key (a defence for servers that answer attackers); a
/// command that reads a file must rather say that the key is not the
/// value's. A wrong key passes this check about once in 2^16 values, and
/// then the content cipher's key length and padding, one in 2^16 more.
fn unwrap_key(key: &rsa::PrivateKey, wrapped: &[u8]) -> Option<Vec<u8>> {
    use rsa::traits::PublicKeyParts;
    let k = key.size();
    if wrapped.len() != k {
        return None;
    }
    let c = rsa::BoxedUint::from_be_slice(wrapped, key.n_bits_precision()).ok()?;
    let m = rsa::hazmat::rsa_decrypt_and_check(key, Some(&mut getrandom::SysRng), &c).ok()?;
    let bytes = m.to_be_bytes();
    // The integer as k bytes, big-endian, zeros first.
    let mut em = vec![0u8; k.saturating_sub(bytes.len())];
    em.extend_from_slice(&bytes[bytes.len().saturating_sub(k)..]);
    let body = em.strip_prefix(&[0x00, 0x02][..])?;
    let sep = body.iter().position(|&b| b == 0)?;
    (sep >= 8).then(|| body[sep + 1..].to_vec())
}

/// The content, deciphered and unpadded. A content key of the wrong
/// length, or a bad padding, says the key (or the value) is not right.
fn open(oid: ObjectIdentifier, cek: &[u8], iv: &[u8], sealed: &[u8]) -> Result<Vec<u8>, String> {
    let wrong = || {
        "cannot decrypt: the value was not encrypted to this private key, or it is damaged"
            .to_owned()
    };
    if iv.len() != 16 {
        return Err(format!("an IV of {} bytes, not 16", iv.len()));
    }
    macro_rules! cbc_open {
        ($aes:ty) => {
            cbc::Decryptor::<$aes>::new_from_slices(cek, iv)
                .map_err(|_| wrong())?
                .decrypt_padded_vec::<Pkcs7>(sealed)
                .map_err(|_| wrong())
        };
    }
    match oid {
        ID_AES_256_CBC => cbc_open!(aes::Aes256),
        ID_AES_192_CBC => cbc_open!(aes::Aes192),
        ID_AES_128_CBC => cbc_open!(aes::Aes128),
        other => Err(format!(
            "content encrypted with {other}: only AES-CBC (what eyaml and openssl write) is read"
        )),
    }
}

/// `value` folded for a YAML `>` block: lines of at most [`FOLD`]
/// characters. A folded block joins them with spaces, which eyaml (and
/// [`decrypt`]) ignore inside a value.
pub fn fold(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while rest.len() > FOLD {
        let (line, tail) = rest.split_at(FOLD);
        out.push(line);
        rest = tail;
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (PublicKey, PrivateKey) {
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap();
        let private = PrivateKey { key: key.clone() };
        let public = PublicKey {
            key: key.to_public_key(),
            id: IssuerAndSerialNumber {
                issuer: Default::default(),
                serial_number: x509_cert::serial_number::SerialNumber::new(&[1]).unwrap(),
            },
        };
        (public, private)
    }

    #[test]
    fn a_value_comes_back_and_is_new_ciphertext_each_time() {
        let (public, private) = pair();
        let plain = b"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        let a = encrypt(plain, &public).unwrap();
        let b = encrypt(plain, &public).unwrap();
        assert!(a.starts_with(PREFIX) && a.ends_with(']'));
        assert_ne!(a, b, "randomised");
        assert_eq!(decrypt(&a, &private).unwrap(), plain);
        // Folded (a YAML `>` block joins lines with spaces), it still reads.
        let folded = fold(&a).join(" ");
        assert!(fold(&a).iter().all(|l| l.len() <= FOLD));
        assert_eq!(decrypt(&folded, &private).unwrap(), plain);
        assert!(private.pairs_with(&public));
    }

    /// The padding of a wrapped key, checked here, case by case: each
    /// block wrapped with raw RSA, as a sender that padded it so would.
    #[test]
    fn a_wrapped_key_is_read_only_with_its_padding() {
        use rsa::traits::PublicKeyParts;
        let (public, private) = pair();
        let k = public.key.size();
        let wrap = |em: &[u8]| {
            let m = rsa::BoxedUint::from_be_slice(em, public.key.n_bits_precision()).unwrap();
            let c = rsa::hazmat::rsa_encrypt(&public.key, &m).unwrap();
            let bytes = c.to_be_bytes();
            bytes[bytes.len() - k..].to_vec()
        };
        let block = |lead: [u8; 2], ps: usize, sep: u8| {
            let mut em = vec![lead[0], lead[1]];
            em.extend(std::iter::repeat_n(0x5a, ps));
            em.push(sep);
            em.extend(std::iter::repeat_n(0x11, k - 3 - ps));
            em
        };
        let key = vec![0x11; k - 3 - 8];
        assert_eq!(
            unwrap_key(&private.key, &wrap(&block([0, 2], 8, 0))),
            Some(key)
        );
        // Block type 1 (signatures), too short a padding, no separator.
        assert_eq!(unwrap_key(&private.key, &wrap(&block([0, 1], 8, 0))), None);
        assert_eq!(unwrap_key(&private.key, &wrap(&block([0, 2], 7, 0))), None);
        let no_separator = block([0, 2], 8, 0x5a);
        assert_eq!(unwrap_key(&private.key, &wrap(&no_separator)), None);
        // A wrapped key of the wrong length.
        assert_eq!(unwrap_key(&private.key, &[1; 16]), None);
    }

    #[test]
    fn a_wrong_key_or_a_damaged_value_is_an_error() {
        let (public, _) = pair();
        let (_, other) = pair();
        assert!(!other.pairs_with(&public));
        let v = encrypt(b"secret", &public).unwrap();
        // Many tries: a wrong key fails the padding check (before, the
        // crate's random key opened one value in about 60,000).
        for _ in 0..20 {
            let v = encrypt(b"secret", &public).unwrap();
            assert!(decrypt(&v, &other).is_err());
        }
        let mut damaged = v.clone();
        damaged.replace_range(20..24, "!!!!");
        assert!(decrypt(&damaged, &other).unwrap_err().contains("base64"));
        assert!(
            decrypt("ENC[GPG,abc]", &other)
                .unwrap_err()
                .contains("only hiera-eyaml's PKCS7")
        );
        assert!(decrypt("plain", &other).is_err());
        assert!(is_encrypted("  ENC[PKCS7,x]") && !is_encrypted("ENCODED"));
        assert_eq!(
            single("ENC[PKCS7,ab+/\n  cd==]\n").as_deref(),
            Some("ENC[PKCS7,ab+/cd==]")
        );
        assert_eq!(single("ENC[PKCS7,ab] and more"), None);
        assert_eq!(single("ENC[GPG,ab]"), None);
    }
}
