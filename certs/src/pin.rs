//! Hashes and secrets: the SPKI pin (kubeadm's discovery hash), certificate
//! fingerprints, and bootstrap tokens.

use crate::error::{Error, Result};
use ring::digest;

/// Lowercase hex of SHA-256 over `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

/// `sha256:<hex>` of a DER `SubjectPublicKeyInfo`: kubeadm's
/// `--discovery-token-ca-cert-hash` when taken over the cluster CA
/// (RFC 7469 pin). The puppetlabs module's `discovery_token_hash` Hiera key
/// holds the same hex without the `sha256:` prefix.
pub fn spki_pin(spki_der: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(spki_der))
}

/// Upper-case, colon-separated SHA-256 of a certificate's DER, as
/// `openssl x509 -fingerprint -sha256` prints it.
pub fn fingerprint(cert_der: &[u8]) -> String {
    let d = digest::digest(&digest::SHA256, cert_der);
    let parts: Vec<String> = d.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    parts.join(":")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The alphabet of bootstrap tokens.
const TOKEN_ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Whether `s` is a bootstrap token: `[a-z0-9]{6}\.[a-z0-9]{16}`, the
/// pattern kubeadm validates.
pub fn is_bootstrap_token(s: &str) -> bool {
    let ok = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| TOKEN_ALPHABET.contains(&b));
    matches!(s.split_once('.'), Some((id, secret)) if ok(id, 6) && ok(secret, 16))
}

/// A new bootstrap token (`<id>.<secret>`, 6 and 16 characters of
/// `[a-z0-9]`) from the operating system's CSPRNG, each character uniform
/// over the 36 (rejection sampling, no modulo bias).
pub fn bootstrap_token() -> Result<String> {
    let mut chars = Vec::with_capacity(22);
    let mut buf = [0u8; 64];
    while chars.len() < 22 {
        getrandom::fill(&mut buf).map_err(|e| Error::Random(e.to_string()))?;
        // 252 = 7 × 36: bytes at or above it would favour the first letters.
        for &b in buf.iter().filter(|&&b| b < 252) {
            if chars.len() == 22 {
                break;
            }
            chars.push(TOKEN_ALPHABET[usize::from(b % 36)]);
        }
    }
    let s = String::from_utf8(chars).expect("the alphabet is ASCII");
    Ok(format!("{}.{}", &s[..6], &s[6..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_the_empty_string() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(fingerprint(b"").starts_with("E3:B0:C4:42"));
    }

    #[test]
    fn tokens_match_kubeadms_pattern_and_use_the_whole_alphabet() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let t = bootstrap_token().unwrap();
            assert!(is_bootstrap_token(&t), "{t}");
            seen.extend(t.bytes().filter(|&b| b != b'.'));
        }
        assert_eq!(seen.len(), 36, "4400 draws cover all 36 characters");
        for bad in [
            "abcdef0123456789abcdef",
            "ABCDEF.0123456789abcdef",
            "abcde.0123456789abcdefg",
            "abcdef.0123456789abcde_",
        ] {
            assert!(!is_bootstrap_token(bad), "{bad}");
        }
    }
}
