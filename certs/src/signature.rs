//! Checking one certificate's signature with its issuer's key, as Go's
//! crypto/x509 (which etcd and Kubernetes use) would: ring for RSA
//! (PKCS#1 v1.5 with SHA-256/384/512, 1024 bits and up, and PSS), ECDSA on
//! P-256 and P-384, and Ed25519; RustCrypto's p521 for ECDSA on P-521, which
//! ring lacks. SHA-1 signatures are refused as Go refuses them. What
//! neither can check, or Go would not (Ed448; an issuer whose key is an
//! RSA-PSS key, id-RSASSA-PSS; an unknown algorithm) is said to be
//! unsupported: never a wrong signature.

use x509_parser::prelude::*;

/// The outcome of a signature check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// The issuer's key made it.
    Valid,
    /// It does not verify with the issuer's key.
    Invalid,
    /// It cannot be checked: the algorithm, and why.
    Unsupported(String),
}

const SHA1_RSA: &str = "1.2.840.113549.1.1.5";
const SHA1_RSA_OLD: &str = "1.3.14.3.2.29";
const SHA256_RSA: &str = "1.2.840.113549.1.1.11";
const SHA384_RSA: &str = "1.2.840.113549.1.1.12";
const SHA512_RSA: &str = "1.2.840.113549.1.1.13";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const ECDSA_SHA1: &str = "1.2.840.10045.4.1";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
const ED25519: &str = "1.3.101.112";
const ED448: &str = "1.3.101.113";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";
const P521: &str = "1.3.132.0.35";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// Checks `child`'s signature with `issuer`'s public key.
pub fn check(child: &X509Certificate, issuer: &X509Certificate) -> Signature {
    let alg = child.signature_algorithm.algorithm.to_id_string();
    let key = issuer.public_key();
    let curve = key
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    if key.algorithm.algorithm.to_id_string() == RSA_PSS {
        return Signature::Unsupported(
            "an RSA-PSS public key (id-RSASSA-PSS), which Go (etcd, Kubernetes) cannot use".into(),
        );
    }
    let data = child.tbs_certificate.as_ref();
    let sig = child.signature_value.data.as_ref();
    let bits = key.subject_public_key.data.as_ref();
    match (alg.as_str(), curve.as_deref()) {
        (SHA1_RSA | SHA1_RSA_OLD | ECDSA_SHA1, _) => Signature::Unsupported(
            "a SHA-1 signature, which Go (etcd, Kubernetes) refuses as insecure".into(),
        ),
        (ED448, _) => Signature::Unsupported(
            "an Ed448 signature, which neither certs' crypto stack nor Go (etcd, Kubernetes) supports"
                .into(),
        ),
        (_, Some(P521)) => p521(&alg, sig, bits, data),
        (SHA256_RSA | SHA384_RSA | SHA512_RSA, _) => rsa_pkcs1(&alg, key, sig, bits, data),
        (RSA_PSS, _) => rsa_pss(child, key, sig, bits, data),
        (ED25519, _) => ring_check(&ring::signature::ED25519, bits, data, sig),
        (ECDSA_SHA256 | ECDSA_SHA384, Some(c @ (P256 | P384))) => {
            use ring::signature as s;
            let v: &dyn s::VerificationAlgorithm = match (alg.as_str(), c) {
                (ECDSA_SHA256, P256) => &s::ECDSA_P256_SHA256_ASN1,
                (ECDSA_SHA384, P256) => &s::ECDSA_P256_SHA384_ASN1,
                (ECDSA_SHA256, _) => &s::ECDSA_P384_SHA256_ASN1,
                _ => &s::ECDSA_P384_SHA384_ASN1,
            };
            ring_check(v, bits, data, sig)
        }
        (other, curve) => Signature::Unsupported(format!(
            "signature algorithm {other}{} is not supported by certs' crypto stack",
            curve.map(|c| format!(" on curve {c}")).unwrap_or_default()
        )),
    }
}

fn ring_check(
    alg: &'static dyn ring::signature::VerificationAlgorithm,
    key: &[u8],
    data: &[u8],
    sig: &[u8],
) -> Signature {
    match ring::signature::UnparsedPublicKey::new(alg, key).verify(data, sig) {
        Ok(()) => Signature::Valid,
        Err(_) => Signature::Invalid,
    }
}

fn rsa_pkcs1(
    alg: &str,
    key: &SubjectPublicKeyInfo,
    sig: &[u8],
    bits: &[u8],
    data: &[u8],
) -> Signature {
    use ring::signature as s;
    let size = crate::key::rsa_bits(key);
    // Go takes RSA keys of 1024 bits and up; ring's 1024-bit variants exist
    // for SHA-256 and SHA-512 only.
    let v: &'static dyn s::VerificationAlgorithm = match (alg, size >= 2048) {
        (SHA256_RSA, true) => &s::RSA_PKCS1_2048_8192_SHA256,
        (SHA384_RSA, true) => &s::RSA_PKCS1_2048_8192_SHA384,
        (SHA512_RSA, true) => &s::RSA_PKCS1_2048_8192_SHA512,
        _ if size < 1024 => {
            return Signature::Unsupported(format!(
                "a {size}-bit RSA key, which Go (etcd, Kubernetes) refuses as too small"
            ));
        }
        (SHA256_RSA, false) => &s::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (SHA512_RSA, false) => &s::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        _ => {
            return Signature::Unsupported(format!(
                "SHA-384 with a {size}-bit RSA key is not supported by certs' crypto stack"
            ));
        }
    };
    ring_check(v, bits, data, sig)
}

fn rsa_pss(
    child: &X509Certificate,
    key: &SubjectPublicKeyInfo,
    sig: &[u8],
    bits: &[u8],
    data: &[u8],
) -> Signature {
    use ring::signature as s;
    let hash = child
        .signature_algorithm
        .parameters
        .as_ref()
        .and_then(|p| x509_parser::signature_algorithm::RsaSsaPssParams::try_from(p).ok())
        .map(|p| p.hash_algorithm_oid().to_id_string());
    if crate::key::rsa_bits(key) < 2048 {
        return Signature::Unsupported(
            "RSA-PSS with a key under 2048 bits is not supported by certs' crypto stack".into(),
        );
    }
    let v: &'static dyn s::VerificationAlgorithm = match hash.as_deref() {
        Some(SHA256) => &s::RSA_PSS_2048_8192_SHA256,
        Some(SHA384) => &s::RSA_PSS_2048_8192_SHA384,
        Some(SHA512) => &s::RSA_PSS_2048_8192_SHA512,
        _ => {
            return Signature::Unsupported(
                "RSA-PSS with a hash other than SHA-256, SHA-384 or SHA-512".into(),
            );
        }
    };
    ring_check(v, bits, data, sig)
}

fn p521(alg: &str, sig: &[u8], key: &[u8], data: &[u8]) -> Signature {
    use p521::ecdsa::signature::hazmat::PrehashVerifier;
    use sha2::Digest;
    let digest = match alg {
        ECDSA_SHA256 => sha2::Sha256::digest(data).to_vec(),
        ECDSA_SHA384 => sha2::Sha384::digest(data).to_vec(),
        ECDSA_SHA512 => sha2::Sha512::digest(data).to_vec(),
        other => {
            return Signature::Unsupported(format!(
                "signature algorithm {other} on P-521 is not supported"
            ));
        }
    };
    let (Ok(vk), Ok(s)) = (
        p521::ecdsa::VerifyingKey::from_sec1_bytes(key),
        p521::ecdsa::Signature::from_der(sig),
    ) else {
        return Signature::Invalid;
    };
    match vk.verify_prehash(&digest, &s) {
        Ok(()) => Signature::Valid,
        Err(_) => Signature::Invalid,
    }
}
