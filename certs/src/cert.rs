//! Reading certificates with x509-parser: every field an operator looks at,
//! and the checks (signature, validity, host, usage, key) built on them.

use crate::error::{Error, Result};
use crate::key::{KeyType, PrivateKey, public_key_type};
use crate::pem;
use crate::pin;
use ::time::OffsetDateTime;
use serde::Serialize;
use std::net::IpAddr;
use x509_parser::prelude::*;

/// A parsed X.509 certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    info: CertInfo,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    spki_der: Vec<u8>,
    public_key_bits: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
}

/// What `certs inspect` shows of a certificate. Field names and order are
/// part of the JSON interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// The subject, attributes in certificate order: `O=system:masters, CN=kubernetes-admin`.
    pub subject: String,
    /// The subject's first common name.
    pub common_name: Option<String>,
    /// The subject's organizations (Kubernetes groups).
    pub organizations: Vec<String>,
    /// The issuer, formatted like `subject`.
    pub issuer: String,
    /// The serial number, lowercase hex.
    pub serial: String,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// Whole days from now until `not_after`; negative once expired.
    pub days_left: i64,
    /// DNS names among the subject alternative names.
    pub dns_names: Vec<String>,
    /// IP addresses among the subject alternative names (IPv6 compressed).
    pub ip_addresses: Vec<String>,
    /// Other subject alternative names (`email:`, `URI:`, ...).
    pub other_names: Vec<String>,
    /// Key usage bits by their RFC 5280 names (`digitalSignature`, `keyCertSign`, ...).
    pub key_usage: Vec<String>,
    /// Extended key usages by name (`serverAuth`, `clientAuth`, ...) or OID.
    pub extended_key_usage: Vec<String>,
    /// Whether basic constraints say CA:TRUE.
    pub is_ca: bool,
    /// The path length constraint of a CA, if any.
    pub path_len: Option<u32>,
    /// The public key.
    #[serde(flatten)]
    pub key: KeyType,
    /// The signature algorithm, e.g. `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// Whether subject equals issuer and the certificate verifies with its own key.
    pub self_signed: bool,
    /// Subject key identifier, lowercase hex.
    pub subject_key_id: Option<String>,
    /// Authority key identifier, lowercase hex.
    pub authority_key_id: Option<String>,
    /// SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it.
    pub sha256_fingerprint: String,
    /// `sha256:<hex>` of the SubjectPublicKeyInfo (kubeadm's discovery hash).
    pub spki_pin: String,
}

/// The role a certificate is checked for (and issued for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// TLS server: extended key usage serverAuth.
    Server,
    /// TLS client: extended key usage clientAuth.
    Client,
    /// Both ends, as etcd peers are: serverAuth and clientAuth.
    Peer,
}

impl Role {
    /// The role's name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Client => "client",
            Role::Peer => "peer",
        }
    }
}

fn parse_failure(e: impl std::fmt::Display) -> Error {
    Error::Certificate(e.to_string())
}

impl Certificate {
    /// Parses one DER certificate; trailing bytes are an error.
    pub fn from_der(der: Vec<u8>) -> Result<Self> {
        Self::from_der_at(der, OffsetDateTime::now_utc())
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(text: &str) -> Result<Self> {
        let blocks = pem::parse(text)?;
        match blocks.into_iter().find(|b| b.label == "CERTIFICATE") {
            Some(b) => Self::from_der(b.der),
            None => Err(Error::Missing("no CERTIFICATE block found".into())),
        }
    }

    /// Parses with `days_left` counted from `now`.
    pub fn from_der_at(der: Vec<u8>, now: OffsetDateTime) -> Result<Self> {
        let (rest, x) = parse_x509_certificate(&der).map_err(parse_failure)?;
        if !rest.is_empty() {
            return Err(Error::Certificate(format!(
                "{} bytes of trailing data after the certificate",
                rest.len()
            )));
        }
        let not_before = x.validity().not_before.to_datetime();
        let not_after = x.validity().not_after.to_datetime();
        let key = public_key_type(x.public_key());
        // Whether it signed itself, whatever Go would make of the algorithm.
        let self_signed = x.subject().as_raw() == x.issuer().as_raw()
            && (crate::signature::check(&x, &x) == crate::signature::Signature::Valid
                || x.verify_signature(None).is_ok());
        let (mut dns_names, mut ip_addresses, mut other_names) = (vec![], vec![], vec![]);
        if let Ok(Some(san)) = x.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(d) => dns_names.push((*d).to_owned()),
                    GeneralName::IPAddress(b) => ip_addresses.push(crate::dn::ip_string(b)),
                    other => other_names.push(crate::dn::general(other)),
                }
            }
        }
        let key_usage = match x.key_usage() {
            Ok(Some(ku)) => key_usage_names(ku.value.flags),
            _ => vec![],
        };
        let extended_key_usage = match x.extended_key_usage() {
            Ok(Some(eku)) => eku_names(eku.value),
            _ => vec![],
        };
        let (is_ca, path_len) = match x.basic_constraints() {
            Ok(Some(bc)) => (bc.value.ca, bc.value.path_len_constraint),
            _ => (false, None),
        };
        let mut subject_key_id: Option<Vec<u8>> = None;
        let mut authority_key_id = None;
        for ext in x.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => subject_key_id = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    authority_key_id = a.key_identifier.as_ref().map(|k| pin::hex(k.0));
                }
                _ => {}
            }
        }
        let strings = |it: &mut dyn Iterator<Item = &AttributeTypeAndValue>| -> Vec<String> {
            it.filter_map(|a| a.as_str().ok().map(str::to_owned))
                .collect()
        };
        let info = CertInfo {
            subject: crate::dn::name(x.subject()),
            common_name: strings(&mut x.subject().iter_common_name())
                .into_iter()
                .next(),
            organizations: strings(&mut x.subject().iter_organization()),
            issuer: crate::dn::name(x.issuer()),
            serial: crate::dn::serial(x.raw_serial()),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            days_left: (not_after - now).whole_days(),
            dns_names,
            ip_addresses,
            other_names,
            key_usage,
            extended_key_usage,
            is_ca,
            path_len,
            key,
            signature_algorithm: signature_name(&x.signature_algorithm.algorithm),
            self_signed,
            subject_key_id: subject_key_id.as_deref().map(pin::hex),
            authority_key_id,
            sha256_fingerprint: pin::fingerprint(&der),
            spki_pin: pin::spki_pin(x.public_key().raw),
        };
        let subject_raw = x.subject().as_raw().to_vec();
        let issuer_raw = x.issuer().as_raw().to_vec();
        let spki_der = x.public_key().raw.to_vec();
        let public_key_bits = x.public_key().subject_public_key.data.to_vec();
        Ok(Certificate {
            info,
            not_before,
            not_after,
            subject_raw,
            issuer_raw,
            spki_der,
            public_key_bits,
            subject_key_id,
            der,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as a `CERTIFICATE` PEM block.
    pub fn pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// Everything `certs inspect` shows.
    pub fn info(&self) -> &CertInfo {
        &self.info
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// The subject key identifier's bytes, if the extension is present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }

    /// The DER encoding of the subject name.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_raw
    }

    /// The DER encoding of the issuer name.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_raw
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// `sha256:<hex>` of the SubjectPublicKeyInfo.
    pub fn spki_pin(&self) -> &str {
        &self.info.spki_pin
    }

    /// Whether `now` lies within the validity period.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// Whether `issuer`'s subject is this certificate's issuer and its key
    /// made this certificate's signature.
    pub fn is_signed_by(&self, issuer: &Certificate) -> bool {
        self.signature_by(issuer) == crate::signature::Signature::Valid
    }

    /// Whether `issuer`'s key made this certificate's signature, could not,
    /// or cannot be asked ([`crate::signature`]). Names are compared
    /// first: a different name is simply [`Signature::Invalid`].
    ///
    /// [`Signature::Invalid`]: crate::signature::Signature::Invalid
    pub fn signature_by(&self, issuer: &Certificate) -> crate::signature::Signature {
        use crate::signature::Signature;
        if self.issuer_raw != issuer.subject_raw {
            return Signature::Invalid;
        }
        match (
            parse_x509_certificate(&self.der),
            parse_x509_certificate(&issuer.der),
        ) {
            (Ok((_, child)), Ok((_, parent))) => crate::signature::check(&child, &parent),
            _ => Signature::Invalid,
        }
    }

    /// The raw public key (the SPKI BIT STRING's content).
    pub(crate) fn public_key_bits(&self) -> &[u8] {
        &self.public_key_bits
    }

    /// Whether `key` is the private half of this certificate's public key.
    pub fn matches_key(&self, key: &PrivateKey) -> bool {
        self.public_key_bits == key.public_key_bits()
    }

    /// Whether the certificate may be used for `role` (an absent extended
    /// key usage extension permits every use, as RFC 5280 says).
    pub fn allows(&self, role: Role) -> bool {
        let eku = &self.info.extended_key_usage;
        if eku.is_empty() || eku.iter().any(|e| e == "anyExtendedKeyUsage") {
            return true;
        }
        let has = |u: &str| eku.iter().any(|e| e == u);
        match role {
            Role::Server => has("serverAuth"),
            Role::Client => has("clientAuth"),
            Role::Peer => has("serverAuth") && has("clientAuth"),
        }
    }

    /// Whether `host` (a DNS name or an IP address) is among the subject
    /// alternative names. DNS names compare case-insensitively and a `*`
    /// matches exactly one leftmost label; the common name is not consulted
    /// (as Go and modern browsers do).
    pub fn matches_host(&self, host: &str) -> bool {
        let bracketless = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bracketless.parse::<IpAddr>() {
            // An IPv4-mapped IPv6 address is the IPv4 address (as Go's
            // net.IP.Equal has it): ::ffff:10.0.0.1 matches 10.0.0.1.
            let ip = ip.to_canonical();
            return self
                .info
                .ip_addresses
                .iter()
                .any(|a| a.parse::<IpAddr>().is_ok_and(|a| a.to_canonical() == ip));
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.info.dns_names.iter().any(|name| {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            match name.strip_prefix("*.") {
                Some(suffix) => host
                    .split_once('.')
                    .is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
                None => name == host,
            }
        })
    }
}

/// RFC 3339 in UTC with a `Z`, seconds precision.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(::time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn key_usage_names(flags: u16) -> Vec<String> {
    const NAMES: [&str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| flags >> i & 1 == 1)
        .map(|(_, n)| (*n).to_owned())
        .collect()
}

fn eku_names(e: &ExtendedKeyUsage) -> Vec<String> {
    let mut out: Vec<String> = [
        (e.server_auth, "serverAuth"),
        (e.client_auth, "clientAuth"),
        (e.code_signing, "codeSigning"),
        (e.email_protection, "emailProtection"),
        (e.time_stamping, "timeStamping"),
        (e.ocsp_signing, "OCSPSigning"),
        (e.any, "anyExtendedKeyUsage"),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .map(|(_, n)| (*n).to_owned())
    .collect();
    out.extend(e.other.iter().map(|o| o.to_id_string()));
    out
}

fn signature_name(oid: &x509_parser::der_parser::oid::Oid) -> String {
    let id = oid.to_id_string();
    let name = match id.as_str() {
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        _ => return id,
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_bits_are_named_in_rfc_order() {
        // Bit 0 is digitalSignature, bit 5 keyCertSign, bit 6 cRLSign.
        assert_eq!(
            key_usage_names(0b110_0001),
            ["digitalSignature", "keyCertSign", "cRLSign"]
        );
    }

    #[test]
    fn times_print_as_rfc3339_utc() {
        let t = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
        assert_eq!(rfc3339(t), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            vec![],
            vec![0x30],
            vec![0x30, 0x03, 0x02, 0x01, 0x00],
            vec![0xff; 40],
        ] {
            assert!(Certificate::from_der(bad).is_err());
        }
    }
}
