//! Deciding, item by item, whether existing PKI material is kept or new
//! material is made. The rules:
//!
//! - A CA, the service-account key and the token are kept whenever they
//!   exist. A new CA or service-account key is made on a first run, or
//!   when `--new` names it; never because something is missing from
//!   existing data (that is an error naming the file and key).
//! - A leaf is kept, byte for byte, while it is signed by its CA, has the
//!   identity wanted (names, groups, SANs, usage), matches its key, is
//!   valid, and is not due for renewal. Otherwise it is reissued, with its
//!   existing key when that is readable and of the algorithm wanted.
//! - A key that is eyaml-encrypted and not decrypted is sealed: a leaf with
//!   a sealed key is judged on its certificate alone, and a CA with one
//!   signs nothing (the run fails, naming the key, if it must).

use crate::error::{Error, Result};
use crate::secret::Secret;
use certs::{Ca, CaSpec, Certificate, KeyAlgorithm, KeyType, LeafSpec, PrivateKey, Role};
use std::collections::BTreeSet;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

/// What `--new` can ask to be made afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum New {
    /// The etcd CA (every etcd certificate is reissued).
    EtcdCa,
    /// The Kubernetes CA (the discovery hash changes: every node must rejoin).
    KubernetesCa,
    /// The front-proxy CA.
    FrontProxyCa,
    /// The service-account signing key (every service-account token is invalidated).
    SaKey,
    /// The bootstrap token (for workers joining after the old one expired).
    Token,
    /// All of the above.
    All,
}

impl New {
    /// The `--new` value's name.
    pub fn name(self) -> &'static str {
        match self {
            New::EtcdCa => "etcd-ca",
            New::KubernetesCa => "kubernetes-ca",
            New::FrontProxyCa => "front-proxy-ca",
            New::SaKey => "sa-key",
            New::Token => "token",
            New::All => "all",
        }
    }
}

/// When leaves are reissued although still good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renew {
    /// Only when they must be (identity, CA or key changed, or expired).
    Never,
    /// Every leaf.
    All,
    /// Leaves that expire within this time.
    Within(Duration),
}

/// How new material is made.
#[derive(Debug, Clone)]
pub struct Policy {
    /// What to make afresh.
    pub new: BTreeSet<New>,
    /// The algorithm for new CA and leaf keys.
    pub key: KeyAlgorithm,
    /// Whether `key` was asked for: existing leaf keys of another
    /// algorithm are then replaced.
    pub key_explicit: bool,
    /// The algorithm for a new service-account key.
    pub sa_key: KeyAlgorithm,
    /// The validity of new CAs.
    pub ca_validity: Duration,
    /// The validity of new leaves.
    pub validity: Duration,
    /// When to reissue good leaves.
    pub renew: Renew,
    /// The time of the run.
    pub now: OffsetDateTime,
}

impl Policy {
    /// Whether `--new` asks for `what`.
    pub fn wants_new(&self, what: New) -> bool {
        self.new.contains(&what) || self.new.contains(&New::All)
    }
}

/// A certificate and its key, as written (both kept verbatim when reused,
/// so reused material is byte-identical, encrypted keys included).
#[derive(Debug)]
pub struct Pair {
    /// The certificate's PEM text.
    pub cert_pem: String,
    /// The key's PEM text (sealed while eyaml-encrypted and not decrypted).
    pub key: Secret,
    /// The certificate.
    pub cert: Certificate,
}

/// What a run did to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Done {
    /// Kept as it was.
    Kept,
    /// A CA, key or token made anew.
    Generated,
    /// A certificate issued where there was none.
    Issued,
    /// A certificate issued again (its detail says why).
    Reissued,
    /// A CA taken from the files given.
    Imported,
}

impl std::fmt::Display for Done {
    /// The word of the report's text, as in its JSON.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(clikit::word(self))
    }
}

/// What happened to one item, for the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Record {
    /// Where it is written: `Debian.yaml kubernetes::etcd_ca_crt`, ...
    pub item: String,
    /// What the run did to it.
    pub action: Done,
    /// Why, when it is not simply kept.
    pub detail: String,
}

/// What existing data holds for an item.
#[derive(Debug, Clone)]
pub struct Stored<'a> {
    /// Where it is: `Debian.yaml kubernetes::etcd_ca_crt`, a file's path.
    pub place: &'a str,
    /// The certificate's PEM text.
    pub cert_pem: String,
    /// Its private key.
    pub key: Secret,
}

/// One of the three CAs: its names and its Hiera keys.
#[derive(Debug, Clone, Copy)]
pub struct CaKind {
    /// The name in messages and the report (`etcd` → "etcd CA").
    pub name: &'static str,
    /// The `--new` value that makes it afresh.
    pub new: New,
    /// The common name of a new one (kubeadm's).
    pub common_name: &'static str,
    /// The Hiera key of its certificate, without `kubernetes::`.
    pub crt: &'static str,
    /// The Hiera key of its private key.
    pub key: &'static str,
}

/// The etcd CA.
pub const ETCD_CA: CaKind = CaKind {
    name: "etcd",
    new: New::EtcdCa,
    common_name: "etcd-ca",
    crt: "etcd_ca_crt",
    key: "etcd_ca_key",
};
/// The Kubernetes CA.
pub const KUBERNETES_CA: CaKind = CaKind {
    name: "kubernetes",
    new: New::KubernetesCa,
    common_name: "kubernetes",
    crt: "kubernetes_ca_crt",
    key: "kubernetes_ca_key",
};
/// The front-proxy CA.
pub const FRONT_PROXY_CA: CaKind = CaKind {
    name: "front-proxy",
    new: New::FrontProxyCa,
    common_name: "front-proxy-ca",
    crt: "kubernetes_front_proxy_ca_crt",
    key: "kubernetes_front_proxy_ca_key",
};

/// A CA with the PEM texts it is written as: those it was read from when
/// it existed (so it stays byte-identical), fresh ones otherwise. Its key
/// may be sealed (eyaml-encrypted and not decrypted): it then signs
/// nothing, and [`Authority::signer`] says which key to give.
#[derive(Debug)]
pub struct Authority {
    /// The certificate's PEM text.
    pub cert_pem: String,
    /// The private key.
    pub key: Secret,
    /// The CA, or only its certificate while its key is sealed.
    signer: Signer,
    /// Whether this run made it.
    pub generated: bool,
}

/// A CA that can sign, or one whose key is sealed.
#[derive(Debug)]
enum Signer {
    Open(Box<Ca>),
    Sealed(Box<Certificate>),
}

impl Authority {
    /// A CA made or imported by this run.
    fn made(ca: Ca, generated: bool) -> Authority {
        Authority {
            cert_pem: ca.certificate().pem(),
            key: Secret::made(ca.key().to_pem()),
            signer: Signer::Open(Box::new(ca)),
            generated,
        }
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        match &self.signer {
            Signer::Open(ca) => ca.certificate(),
            Signer::Sealed(cert) => cert,
        }
    }

    /// The type of the CA's key (read from its certificate).
    pub fn key_type(&self) -> &KeyType {
        &self.certificate().info().key
    }

    /// The CA, to sign with; `to` says what for, in the error when its key
    /// is sealed.
    pub fn signer(&self, to: &str) -> Result<&Ca> {
        match &self.signer {
            Signer::Open(ca) => Ok(ca),
            Signer::Sealed(_) => Err(self
                .key
                .reveal(to)
                .expect_err("a CA without a signer has a sealed key")),
        }
    }
}

/// Reads an existing CA. `Ok(None)` when there is none.
pub fn read_ca(found: Option<Stored>) -> Result<Option<Authority>> {
    let Some(Stored {
        place,
        cert_pem,
        key,
    }) = found
    else {
        return Ok(None);
    };
    let cert = Certificate::from_pem(&cert_pem).map_err(Error::pki(format!(
        "{place}: the CA certificate is unusable"
    )))?;
    let signer = match key.plain() {
        None => Signer::Sealed(Box::new(cert)),
        Some(key_pem) => {
            let k = PrivateKey::from_pem(key_pem).map_err(Error::pki(format!(
                "{place}: the CA private key is unusable"
            )))?;
            Signer::Open(Box::new(
                Ca::new(cert, k).map_err(Error::pki(place.to_owned()))?,
            ))
        }
    };
    Ok(Some(Authority {
        cert_pem,
        key,
        signer,
        generated: false,
    }))
}

/// A CA: the imported one, else new when `--new` asks for it, else the
/// existing one, else new on a first run. `existing` is what
/// [`read_ca`] found.
pub fn ca(
    kind: &CaKind,
    existing: Option<Authority>,
    imported: Option<Ca>,
    first_run: bool,
    policy: &Policy,
    records: &mut Vec<Record>,
) -> Result<Authority> {
    let mut record = |action, detail: &str| {
        records.push(Record {
            item: format!("{} CA", kind.name),
            action,
            detail: detail.to_owned(),
        })
    };
    let generate = || -> Result<Authority> {
        let key = PrivateKey::generate(policy.key)
            .map_err(Error::pki(format!("{} CA key", kind.name)))?;
        let spec = CaSpec::new(kind.common_name).validity(policy.ca_validity);
        let ca = Ca::generate_at(&spec, key, policy.now)
            .map_err(Error::pki(format!("{} CA", kind.name)))?;
        Ok(Authority::made(ca, true))
    };
    // Given CA files win, also over --new (which then only allows them to
    // replace a different existing CA).
    if let Some(ca) = imported {
        if let Some(old) = &existing
            && old.certificate().der() != ca.certificate().der()
            && !policy.wants_new(kind.new)
        {
            return Err(Error::Input(format!(
                "the {} CA given differs from the one in the existing data; pass --new {} as well to replace it (every certificate it signed is then reissued)",
                kind.name,
                kind.new.name()
            )));
        }
        record(Done::Imported, "from the CA files given");
        return Ok(Authority::made(ca, false));
    }
    if policy.wants_new(kind.new) {
        record(Done::Generated, &format!("--new {}", kind.new.name()));
        return generate();
    }
    match existing {
        Some(a) => {
            record(Done::Kept, "");
            Ok(a)
        }
        None if first_run => {
            record(Done::Generated, "first run");
            generate()
        }
        None => Err(Error::Input(format!(
            "the existing data has no {} CA; restore it, or pass --new {} to make a new one (every certificate it signed is then reissued)",
            kind.name,
            kind.new.name()
        ))),
    }
}

/// Whether `cert` has the identity `spec` asks for; the difference if not.
pub fn identity_differs(cert: &Certificate, spec: &LeafSpec) -> Option<String> {
    let info = cert.info();
    if info.is_ca {
        return Some("it is a CA certificate".into());
    }
    if info.common_name.as_deref() != Some(spec.common_name.as_str()) {
        return Some(format!(
            "its common name is {:?}, not {:?}",
            info.common_name.as_deref().unwrap_or(""),
            spec.common_name
        ));
    }
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    if sorted(&info.organizations) != sorted(&spec.organizations) {
        return Some(format!(
            "its groups are [{}], not [{}]",
            info.organizations.join(", "),
            spec.organizations.join(", ")
        ));
    }
    let lower = |v: &[String]| {
        v.iter()
            .map(|s| s.to_ascii_lowercase())
            .collect::<BTreeSet<_>>()
    };
    if lower(&info.dns_names) != lower(&spec.dns_names) {
        return Some(format!(
            "its DNS names are [{}], not [{}]",
            info.dns_names.join(", "),
            spec.dns_names.join(", ")
        ));
    }
    let have: BTreeSet<IpAddr> = info
        .ip_addresses
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let want: BTreeSet<IpAddr> = spec.ip_addresses.iter().copied().collect();
    if have != want || have.len() != info.ip_addresses.len() {
        return Some(format!(
            "its IP addresses are [{}], not [{}]",
            info.ip_addresses.join(", "),
            spec.ip_addresses
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let (server, client) = match spec.role {
        Role::Server => (true, false),
        Role::Client => (false, true),
        Role::Peer => (true, true),
    };
    let eku = &info.extended_key_usage;
    if eku.iter().any(|e| e == "serverAuth") != server
        || eku.iter().any(|e| e == "clientAuth") != client
    {
        return Some(format!(
            "its extended key usage is [{}], not the {} usage",
            eku.join(", "),
            spec.role.name()
        ));
    }
    None
}

/// A leaf: kept when still good, else (re)issued by `ca`. `item` names it
/// in the report and in errors. A leaf whose key is sealed is kept on its
/// certificate alone (the key cannot be compared without decrypting it).
pub fn leaf(
    item: String,
    ca: &Authority,
    spec: &LeafSpec,
    existing: Option<Stored>,
    policy: &Policy,
    records: &mut Vec<Record>,
) -> Result<Pair> {
    let spec = spec.clone().validity(policy.validity);
    let (why, old_key) = match existing {
        None => (None, None),
        Some(Stored { cert_pem, key, .. }) => match judge(cert_pem, key, ca, &spec, policy) {
            Judged::Keep(pair, detail) => {
                records.push(Record {
                    item,
                    action: Done::Kept,
                    detail,
                });
                return Ok(*pair);
            }
            Judged::Reissue(why, key) => (Some(why), key),
        },
    };
    let to = match &why {
        None => format!("issue {item}"),
        Some(w) => format!("reissue {item} ({w})"),
    };
    let signer = ca.signer(&to)?;
    let (key, public) = match old_key {
        Some(k) => k,
        None => {
            let k = PrivateKey::generate(policy.key).map_err(Error::pki(item.clone()))?;
            (Secret::made(k.to_pem()), k.public_key_der())
        }
    };
    let cert = signer
        .issue_for_spki_at(&spec, &public, policy.now)
        .map_err(Error::pki(item.clone()))?;
    let (action, detail) = match why {
        None => (Done::Issued, String::new()),
        Some(r) => (Done::Reissued, r),
    };
    records.push(Record {
        item,
        action,
        detail,
    });
    Ok(Pair {
        cert_pem: cert.pem(),
        key,
        cert,
    })
}

/// The verdict on an existing leaf.
enum Judged {
    /// Keep it, with a detail for the report.
    Keep(Box<Pair>, String),
    /// Reissue it, for this reason, with its key (and the key's public
    /// half) when that can be reused.
    Reissue(String, Option<(Secret, Vec<u8>)>),
}

fn judge(
    cert_pem: String,
    key: Secret,
    ca: &Authority,
    spec: &LeafSpec,
    policy: &Policy,
) -> Judged {
    let cert = match Certificate::from_pem(&cert_pem) {
        Ok(c) => c,
        Err(e) => return Judged::Reissue(format!("the certificate is unreadable ({e})"), None),
    };
    let private = match key.plain().map(PrivateKey::from_pem).transpose() {
        Ok(k) => k,
        Err(e) => return Judged::Reissue(format!("the key is unreadable ({e})"), None),
    };
    match keep_or_why(&cert, private.as_ref(), ca.certificate(), spec, policy) {
        None => {
            let detail = if private.is_none() {
                "its key is encrypted: not compared".to_owned()
            } else {
                String::new()
            };
            Judged::Keep(
                Box::new(Pair {
                    cert_pem,
                    key,
                    cert,
                }),
                detail,
            )
        }
        Some(why) => {
            // A key is reused when it is readable, the certificate's, and
            // of the algorithm asked for.
            let reusable = private.filter(|k| {
                (!policy.key_explicit || k.algorithm() == Some(policy.key)) && cert.matches_key(k)
            });
            Judged::Reissue(why, reusable.map(|k| (key, k.public_key_der())))
        }
    }
}

/// Why an existing leaf cannot be kept; `None` when it can. Without its
/// key (sealed), the pair is not compared and the key's type is the
/// certificate's.
fn keep_or_why(
    cert: &Certificate,
    key: Option<&PrivateKey>,
    ca: &Certificate,
    spec: &LeafSpec,
    policy: &Policy,
) -> Option<String> {
    if !cert.is_signed_by(ca) {
        return Some("it was not signed by the current CA".into());
    }
    if key.is_some_and(|k| !cert.matches_key(k)) {
        return Some("the key is not the certificate's".into());
    }
    if let Some(d) = identity_differs(cert, spec) {
        return Some(d);
    }
    let key_type = key.map_or(&cert.info().key, PrivateKey::key_type);
    if policy.key_explicit && key_type.algorithm() != Some(policy.key) {
        return Some(format!(
            "its key is {key_type}, not {} as asked",
            policy.key.name()
        ));
    }
    if !cert.is_valid_at(policy.now) {
        return Some(format!(
            "it is not valid now (valid {} to {})",
            cert.info().not_before,
            cert.info().not_after
        ));
    }
    match policy.renew {
        Renew::Never => None,
        Renew::All => Some("renew".into()),
        Renew::Within(d) if cert.not_after() <= policy.now + d => {
            Some(format!("renew: it expires {}", cert.info().not_after))
        }
        Renew::Within(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            new: BTreeSet::new(),
            key: KeyAlgorithm::EcdsaP256,
            key_explicit: false,
            sa_key: KeyAlgorithm::Rsa2048,
            ca_validity: Duration::days(3650),
            validity: Duration::days(365),
            renew: Renew::Never,
            now: OffsetDateTime::now_utc(),
        }
    }

    fn new_ca() -> Authority {
        let mut r = Vec::new();
        ca(&ETCD_CA, None, None, true, &policy(), &mut r).unwrap()
    }

    fn pem(s: &Secret) -> &str {
        s.plain().unwrap()
    }

    fn spec() -> LeafSpec {
        certs::kubeadm::etcd_server("deadlock", "192.0.2.75".parse().unwrap())
    }

    #[test]
    fn a_good_leaf_is_kept_byte_for_byte_and_a_changed_one_reissued_with_its_key() {
        let ca = new_ca();
        let mut r = Vec::new();
        let first = leaf("server".into(), &ca, &spec(), None, &policy(), &mut r).unwrap();
        assert_eq!(r[0].action, Done::Issued);
        let found = Some(Stored {
            place: "x",
            cert_pem: first.cert_pem.clone(),
            key: first.key.clone(),
        });
        let again = leaf(
            "server".into(),
            &ca,
            &spec(),
            found.clone(),
            &policy(),
            &mut r,
        )
        .unwrap();
        assert_eq!(
            (again.cert_pem.as_str(), r[1].action),
            (first.cert_pem.as_str(), Done::Kept)
        );

        let moved = certs::kubeadm::etcd_server("deadlock", "192.0.2.99".parse().unwrap());
        let re = leaf(
            "server".into(),
            &ca,
            &moved,
            found.clone(),
            &policy(),
            &mut r,
        )
        .unwrap();
        assert_eq!(r[2].action, Done::Reissued);
        assert!(
            r[2].detail.starts_with("its IP addresses are"),
            "{}",
            r[2].detail
        );
        assert_ne!(re.cert_pem, first.cert_pem);
        assert_eq!(pem(&re.key), pem(&first.key), "the key is reused");

        let other = new_ca();
        leaf(
            "server".into(),
            &other,
            &spec(),
            found.clone(),
            &policy(),
            &mut r,
        )
        .unwrap();
        assert_eq!(r[3].detail, "it was not signed by the current CA");

        let mut p = policy();
        p.key_explicit = true;
        p.key = KeyAlgorithm::EcdsaP384;
        let k = leaf("server".into(), &ca, &spec(), found.clone(), &p, &mut r).unwrap();
        assert!(
            r[4].detail.contains("not ecdsa-p384 as asked"),
            "{}",
            r[4].detail
        );
        assert_ne!(
            pem(&k.key),
            pem(&first.key),
            "a key of another algorithm is replaced"
        );

        let mut p = policy();
        p.renew = Renew::Within(Duration::days(400));
        leaf("server".into(), &ca, &spec(), found.clone(), &p, &mut r).unwrap();
        assert!(
            r[5].detail.starts_with("renew: it expires"),
            "{}",
            r[5].detail
        );
        p.renew = Renew::Within(Duration::days(30));
        leaf("server".into(), &ca, &spec(), found, &p, &mut r).unwrap();
        assert_eq!(r[6].action, Done::Kept);
    }

    #[test]
    fn a_missing_ca_in_existing_data_is_an_error_unless_asked_for() {
        let mut r = Vec::new();
        let e = ca(&ETCD_CA, None, None, false, &policy(), &mut r).unwrap_err();
        assert!(e.to_string().contains("pass --new etcd-ca"), "{e}");
        let mut p = policy();
        p.new.insert(New::All);
        let a = ca(&ETCD_CA, None, None, false, &p, &mut r).unwrap();
        assert!(a.generated);
        assert_eq!(r[0].detail, "--new etcd-ca");
    }

    #[test]
    fn a_kept_ca_keeps_its_pem_text_and_a_damaged_one_is_an_error_naming_where() {
        let made = ca(&ETCD_CA, None, None, true, &policy(), &mut Vec::new()).unwrap();
        // Another encoder's PEM (here: with a trailing comment line) stays as read.
        let text = format!("{}# kept as read\n", made.cert_pem);
        let read = read_ca(Some(Stored {
            place: "x",
            cert_pem: text.clone(),
            key: made.key.clone(),
        }))
        .unwrap();
        let mut r = Vec::new();
        let kept = ca(&ETCD_CA, read, None, false, &policy(), &mut r).unwrap();
        assert_eq!(
            (kept.cert_pem.as_str(), kept.generated, r[0].action),
            (text.as_str(), false, Done::Kept)
        );

        let found = Some(Stored {
            place: "Debian.yaml kubernetes::etcd_ca_crt",
            cert_pem: "junk".to_owned(),
            key: Secret::clear("x", "junk".to_owned()),
        });
        let e = read_ca(found).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("Debian.yaml kubernetes::etcd_ca_crt: the CA certificate is unusable"),
            "{e}"
        );
    }
}
