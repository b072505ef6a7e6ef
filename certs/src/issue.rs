//! Making certificates with rcgen: certificate authorities and the leaves
//! they sign.
//!
//! Every certificate gets a random positive 127-bit serial, a subject key
//! identifier, and a not-before moved back by [`DEFAULT_BACKDATE`] so that a
//! host whose clock runs a little slow accepts it at once (kubeadm and cfssl
//! backdate by the same five minutes). Leaves carry the issuing CA's key
//! identifier, key usage `digitalSignature` and `keyEncipherment` (as
//! kubeadm writes them) and the extended key usage of their [`Role`].

use crate::cert::{Certificate, Role};
use crate::der;
use crate::error::{Error, Result};
use crate::key::PrivateKey;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, SanType, SerialNumber, SigningKey,
};
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

/// How far not-before is moved into the past: five minutes.
pub const DEFAULT_BACKDATE: Duration = Duration::minutes(5);
/// kubeadm's CA validity: ten years (87600h).
pub const DEFAULT_CA_VALIDITY: Duration = Duration::days(3650);
/// kubeadm's leaf validity: one year (8760h).
pub const DEFAULT_LEAF_VALIDITY: Duration = Duration::days(365);

/// What a new certificate authority looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaSpec {
    /// Subject common name, e.g. `kubernetes` or `etcd-ca`.
    pub common_name: String,
    /// Subject organizations.
    pub organizations: Vec<String>,
    /// Time from now until not-after.
    pub validity: Duration,
    /// Time before now for not-before.
    pub backdate: Duration,
}

impl CaSpec {
    /// A CA named `common_name`, valid ten years.
    pub fn new(common_name: impl Into<String>) -> Self {
        CaSpec {
            common_name: common_name.into(),
            organizations: vec![],
            validity: DEFAULT_CA_VALIDITY,
            backdate: DEFAULT_BACKDATE,
        }
    }

    /// Sets the validity.
    pub fn validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }
}

/// What a new leaf certificate looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafSpec {
    /// Subject common name (a Kubernetes user name for client certificates).
    pub common_name: String,
    /// Subject organizations (Kubernetes groups for client certificates).
    pub organizations: Vec<String>,
    /// Server, client or both.
    pub role: Role,
    /// DNS subject alternative names.
    pub dns_names: Vec<String>,
    /// IP subject alternative names.
    pub ip_addresses: Vec<IpAddr>,
    /// Time from now until not-after.
    pub validity: Duration,
    /// Time before now for not-before.
    pub backdate: Duration,
}

impl LeafSpec {
    /// A leaf for `role` named `common_name`, valid one year, no SANs.
    pub fn new(common_name: impl Into<String>, role: Role) -> Self {
        LeafSpec {
            common_name: common_name.into(),
            organizations: vec![],
            role,
            dns_names: vec![],
            ip_addresses: vec![],
            validity: DEFAULT_LEAF_VALIDITY,
            backdate: DEFAULT_BACKDATE,
        }
    }

    /// Adds an organization (group).
    pub fn organization(mut self, o: impl Into<String>) -> Self {
        self.organizations.push(o.into());
        self
    }

    /// Adds DNS names; duplicates are dropped, order is kept.
    pub fn dns<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        for n in names {
            let n = n.into();
            if !self.dns_names.contains(&n) {
                self.dns_names.push(n);
            }
        }
        self
    }

    /// Adds IP addresses; duplicates are dropped, order is kept.
    pub fn ips(mut self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        for ip in ips {
            if !self.ip_addresses.contains(&ip) {
                self.ip_addresses.push(ip);
            }
        }
        self
    }

    /// Sets the validity.
    pub fn validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    /// Sets the backdate.
    pub fn backdate(mut self, backdate: Duration) -> Self {
        self.backdate = backdate;
        self
    }
}

/// Whether `name` is acceptable as a DNS subject alternative name: LDH
/// labels of 1 to 63 characters, at most 253 in all, optionally a `*`
/// as the whole leftmost label.
pub fn is_dns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    name.split('.').enumerate().all(|(i, label)| {
        (i == 0 && label == "*" && name.contains('.'))
            || (!label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    })
}

fn check_text(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::Invalid(format!("the {what} is empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "the {what} {value:?} contains control characters"
        )));
    }
    Ok(())
}

fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    // Positive (top bit clear) and never zero.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}

/// The DER `Name` for CN and organizations: one RDN per attribute, the
/// organizations first, as kubeadm writes them. Encoded here because rcgen
/// keeps one value per attribute type (rustls/rcgen#81) and Kubernetes
/// users need one `O` per group.
fn encode_name(common_name: &str, organizations: &[String]) -> Result<Vec<u8>> {
    check_text("common name", common_name)?;
    let mut rdns = Vec::new();
    let mut push = |oid: &[u8], value: &str| {
        let atv = der::sequence(&[
            &der::write(der::OID, oid),
            &der::write(der::UTF8_STRING, value.as_bytes()),
        ]);
        rdns.extend(der::write(der::SET, &atv));
    };
    for o in organizations {
        check_text("organization", o)?;
        push(&[0x55, 0x04, 0x0a], o);
    }
    push(&[0x55, 0x04, 0x03], common_name);
    Ok(der::write(der::SEQUENCE, &rdns))
}

/// rcgen's certificate with its issuer and subject replaced by exact DER
/// names, signed again by `signer`. The issuer must equal the CA's subject
/// byte for byte: Go (Kubernetes, etcd) finds issuers by raw subject, and
/// rcgen re-encodes a parsed name (string types may change).
fn with_names(cert_der: &[u8], issuer: &[u8], subject: &[u8], signer: &KeyPair) -> Result<Vec<u8>> {
    let broken =
        || Error::Generate("rcgen produced a certificate this library cannot parse".into());
    let outer = der::items(
        der::whole(cert_der, der::SEQUENCE)
            .ok_or_else(broken)?
            .value,
    )
    .ok_or_else(broken)?;
    let [tbs, alg, _sig] = outer.as_slice() else {
        return Err(broken());
    };
    let fields = der::items(tbs.value).ok_or_else(broken)?;
    // version [0], serial, signature algorithm, issuer, validity, subject, ...
    if fields.len() < 7 || fields[0].tag != der::CONTEXT_0 {
        return Err(broken());
    }
    let mut new_tbs = Vec::with_capacity(tbs.value.len() + subject.len());
    for (i, f) in fields.iter().enumerate() {
        match i {
            3 => new_tbs.extend_from_slice(issuer),
            5 => new_tbs.extend_from_slice(subject),
            _ => new_tbs.extend(der::write(f.tag, f.value)),
        }
    }
    let new_tbs = der::write(der::SEQUENCE, &new_tbs);
    let signature = signer.sign(&new_tbs)?;
    let mut bits = Vec::with_capacity(signature.len() + 1);
    bits.push(0);
    bits.extend(signature);
    Ok(der::sequence(&[
        &new_tbs,
        &der::write(alg.tag, alg.value),
        &der::write(der::BIT_STRING, &bits),
    ]))
}

/// A placeholder name for rcgen; [`with_names`] replaces it.
fn placeholder_name() -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "-");
    dn
}

/// A certificate authority: its certificate and private key.
#[derive(Debug)]
pub struct Ca {
    cert: Certificate,
    key: PrivateKey,
}

impl Ca {
    /// A new self-signed CA with `key`, valid from now.
    pub fn generate(spec: &CaSpec, key: PrivateKey) -> Result<Ca> {
        Self::generate_at(spec, key, OffsetDateTime::now_utc())
    }

    /// A new self-signed CA valid from `now` (minus the backdate).
    pub fn generate_at(spec: &CaSpec, key: PrivateKey, now: OffsetDateTime) -> Result<Ca> {
        let mut p = CertificateParams::default();
        let subject = encode_name(&spec.common_name, &spec.organizations)?;
        p.distinguished_name = placeholder_name();
        p.not_before = now - spec.backdate;
        p.not_after = now + spec.validity;
        p.serial_number = Some(random_serial()?);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        let cert = p.self_signed(key.pair())?;
        let cert = Certificate::from_der(with_names(cert.der(), &subject, &subject, key.pair())?)?;
        Ok(Ca { cert, key })
    }

    /// An existing CA. Refuses a certificate without the CA flag or a key
    /// that is not the certificate's.
    pub fn new(cert: Certificate, key: PrivateKey) -> Result<Ca> {
        if !cert.info().is_ca {
            return Err(Error::Invalid(format!(
                "{} is not a CA certificate (basic constraints lack CA:TRUE)",
                cert.info().subject
            )));
        }
        if !cert.matches_key(&key) {
            return Err(Error::Invalid(format!(
                "the private key does not belong to the CA certificate {}",
                cert.info().subject
            )));
        }
        Ok(Ca { cert, key })
    }

    /// An existing CA from PEM texts (certificate; key in PKCS#1, SEC1 or PKCS#8).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Ca> {
        Self::new(
            Certificate::from_pem(cert_pem)?,
            PrivateKey::from_pem(key_pem)?,
        )
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The CA private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// Signs a leaf for `key`'s public half, valid from now.
    pub fn issue(&self, spec: &LeafSpec, key: &PrivateKey) -> Result<Certificate> {
        self.issue_for_spki_at(spec, &key.public_key_der(), OffsetDateTime::now_utc())
    }

    /// Signs a leaf for a DER SubjectPublicKeyInfo, valid from `now` (minus
    /// the backdate). Refuses a leaf that would outlive this CA, or one
    /// whose names are not valid.
    pub fn issue_for_spki_at(
        &self,
        spec: &LeafSpec,
        spki_der: &[u8],
        now: OffsetDateTime,
    ) -> Result<Certificate> {
        let mut p = CertificateParams::default();
        let subject = encode_name(&spec.common_name, &spec.organizations)?;
        p.distinguished_name = placeholder_name();
        p.not_before = now - spec.backdate;
        p.not_after = now + spec.validity;
        if p.not_after <= p.not_before {
            return Err(Error::Invalid("the validity must be positive".into()));
        }
        if p.not_after > self.cert.not_after() {
            return Err(Error::Invalid(format!(
                "a certificate valid until {} would outlive its CA {} (valid until {}); renew the CA or shorten the validity",
                crate::cert::rfc3339(p.not_after),
                self.cert.info().subject,
                crate::cert::rfc3339(self.cert.not_after())
            )));
        }
        p.serial_number = Some(random_serial()?);
        p.is_ca = IsCa::ExplicitNoCa;
        p.use_authority_key_identifier_extension = true;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = match spec.role {
            Role::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
            Role::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
            Role::Peer => vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        };
        for d in &spec.dns_names {
            if !is_dns_name(d) {
                return Err(Error::Invalid(format!(
                    "{d:?} is not a valid DNS name for a subject alternative name"
                )));
            }
            let ia5 = d
                .clone()
                .try_into()
                .map_err(|_| Error::Invalid(format!("{d:?} is not ASCII")))?;
            p.subject_alt_names.push(SanType::DnsName(ia5));
        }
        p.subject_alt_names
            .extend(spec.ip_addresses.iter().map(|ip| SanType::IpAddress(*ip)));
        let public = rcgen::SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| Error::Invalid(format!("the public key cannot be certified: {e}")))?;
        // The issuer's name is patched in by with_names; rcgen needs only the
        // CA's key identifier for the authority key identifier extension.
        let mut ip = CertificateParams::default();
        ip.distinguished_name = placeholder_name();
        ip.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        match self.cert.subject_key_id() {
            Some(ski) => ip.key_identifier_method = KeyIdMethod::PreSpecified(ski.to_vec()),
            // Without one, an authority key identifier could not match anything.
            None => p.use_authority_key_identifier_extension = false,
        }
        let issuer = Issuer::new(ip, self.key.pair());
        let cert = p.signed_by(&public, &issuer)?;
        let der = with_names(
            cert.der(),
            self.cert.subject_der(),
            &subject,
            self.key.pair(),
        )?;
        Certificate::from_der_at(der, now)
    }
}

/// The SubjectPublicKeyInfo (DER) of a PKCS#10 certificate request, after
/// checking the request's signature (proof that its sender holds the key).
/// The request's subject and extensions are not used: the signer decides
/// the identity.
pub fn request_public_key(csr_der: &[u8]) -> Result<Vec<u8>> {
    use x509_parser::prelude::FromDer;
    let (rest, csr) =
        x509_parser::certification_request::X509CertificationRequest::from_der(csr_der)
            .map_err(|e| Error::Request(e.to_string()))?;
    if !rest.is_empty() {
        return Err(Error::Request("trailing data after the request".into()));
    }
    csr.verify_signature().map_err(|_| {
        Error::Request("its signature does not verify (damaged, or not made with its key)".into())
    })?;
    Ok(csr.certification_request_info.subject_pki.raw.to_vec())
}

/// The identities kubeadm gives its certificates (reference: kubeadm's
/// certlist and kubeconfig phases), as [`LeafSpec`]s to adjust and sign.
pub mod kubeadm {
    use super::*;

    /// The Kubernetes service's DNS names for a cluster DNS domain.
    pub fn service_dns_names(dns_domain: &str) -> Vec<String> {
        vec![
            "kubernetes".into(),
            "kubernetes.default".into(),
            "kubernetes.default.svc".into(),
            format!("kubernetes.default.svc.{dns_domain}"),
        ]
    }

    /// `apiserver`: CN `kube-apiserver`, serverAuth; SANs: the node name,
    /// the service names, the service IP, the advertise address, plus extras.
    pub fn apiserver(
        node: &str,
        dns_domain: &str,
        service_ip: IpAddr,
        advertise: IpAddr,
    ) -> LeafSpec {
        LeafSpec::new("kube-apiserver", Role::Server)
            .dns([node.to_owned()])
            .dns(service_dns_names(dns_domain))
            .ips([service_ip, advertise])
    }

    /// `apiserver-kubelet-client`: O `kubeadm:cluster-admins`, clientAuth.
    pub fn apiserver_kubelet_client() -> LeafSpec {
        LeafSpec::new("kube-apiserver-kubelet-client", Role::Client)
            .organization("kubeadm:cluster-admins")
    }

    /// `front-proxy-client`, signed by the front-proxy CA.
    pub fn front_proxy_client() -> LeafSpec {
        LeafSpec::new("front-proxy-client", Role::Client)
    }

    /// `etcd/server`: CN the node name, server and client auth; SANs the
    /// node name, `localhost`, the advertise address, `127.0.0.1`, `::1`.
    pub fn etcd_server(node: &str, advertise: IpAddr) -> LeafSpec {
        LeafSpec::new(node, Role::Peer)
            .dns([node, "localhost"])
            .ips([
                advertise,
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
            ])
    }

    /// `etcd/peer`: the same identity and SANs as the server certificate.
    pub fn etcd_peer(node: &str, advertise: IpAddr) -> LeafSpec {
        etcd_server(node, advertise)
    }

    /// `etcd/healthcheck-client` (no group since Kubernetes 1.29).
    pub fn etcd_healthcheck_client() -> LeafSpec {
        LeafSpec::new("kube-etcd-healthcheck-client", Role::Client)
    }

    /// `apiserver-etcd-client` (no group since Kubernetes 1.29).
    pub fn apiserver_etcd_client() -> LeafSpec {
        LeafSpec::new("kube-apiserver-etcd-client", Role::Client)
    }

    /// `admin.conf`: `kubernetes-admin` in `kubeadm:cluster-admins`.
    pub fn admin() -> LeafSpec {
        LeafSpec::new("kubernetes-admin", Role::Client).organization("kubeadm:cluster-admins")
    }

    /// `super-admin.conf`: `kubernetes-super-admin` in `system:masters`.
    pub fn super_admin() -> LeafSpec {
        LeafSpec::new("kubernetes-super-admin", Role::Client).organization("system:masters")
    }

    /// `controller-manager.conf`.
    pub fn controller_manager() -> LeafSpec {
        LeafSpec::new("system:kube-controller-manager", Role::Client)
    }

    /// `scheduler.conf`.
    pub fn scheduler() -> LeafSpec {
        LeafSpec::new("system:kube-scheduler", Role::Client)
    }

    /// `kubelet.conf`: `system:node:<node>` in `system:nodes`.
    pub fn kubelet(node: &str) -> LeafSpec {
        LeafSpec::new(format!("system:node:{node}"), Role::Client).organization("system:nodes")
    }
}

/// Keys and CAs for the unit tests of every module.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::key::KeyAlgorithm;

    /// A fresh P-256 key.
    pub fn key() -> PrivateKey {
        PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap()
    }

    /// A fresh P-256 CA named `name`, valid ten years.
    pub fn ca_named(name: &str) -> Ca {
        Ca::generate(&CaSpec::new(name), key()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::key;
    use super::*;

    fn ca() -> Ca {
        super::testing::ca_named("test-ca")
    }

    #[test]
    fn a_ca_is_self_signed_with_the_ca_flag_and_sign_usages() {
        let ca = ca();
        let i = ca.certificate().info();
        assert!(i.is_ca && i.self_signed);
        assert_eq!(i.common_name.as_deref(), Some("test-ca"));
        assert_eq!(i.key_usage, ["digitalSignature", "keyCertSign", "cRLSign"]);
        let life = ca.certificate().not_after() - ca.certificate().not_before();
        assert_eq!(life, DEFAULT_CA_VALIDITY + DEFAULT_BACKDATE);
    }

    #[test]
    fn leaves_carry_role_names_and_chain_to_the_ca() {
        let ca = ca();
        let key = key();
        let spec = kubeadm::etcd_server("deadlock", "192.0.2.75".parse().unwrap());
        let leaf = ca.issue(&spec, &key).unwrap();
        let i = leaf.info();
        assert!(!i.is_ca && !i.self_signed);
        assert!(leaf.is_signed_by(ca.certificate()));
        assert!(leaf.matches_key(&key) && !leaf.matches_key(ca.key()));
        assert_eq!(i.dns_names, ["deadlock", "localhost"]);
        assert_eq!(i.ip_addresses, ["192.0.2.75", "127.0.0.1", "::1"]);
        assert_eq!(i.extended_key_usage, ["serverAuth", "clientAuth"]);
        assert_eq!(i.authority_key_id, ca.certificate().info().subject_key_id);
        assert!(
            leaf.allows(Role::Peer) && leaf.matches_host("LOCALHOST") && leaf.matches_host("::1")
        );
        assert!(!leaf.matches_host("192.0.2.76"));

        let user = LeafSpec::new("alice", Role::Client)
            .organization("ocf")
            .organization("staff");
        let user = ca.issue(&user, &key).unwrap();
        assert_eq!(user.info().organizations, ["ocf", "staff"]);
        assert!(user.is_signed_by(ca.certificate()));
        let admin = ca.issue(&kubeadm::admin(), &key).unwrap();
        assert_eq!(
            admin.info().subject,
            "O=kubeadm:cluster-admins, CN=kubernetes-admin"
        );
        assert!(admin.allows(Role::Client) && !admin.allows(Role::Server));
    }

    #[test]
    fn bad_names_and_overlong_leaves_are_refused() {
        let ca = ca();
        let key = key();
        for bad in ["", "a..b", "-a", "a b", "x\ny", "*"] {
            let spec = LeafSpec::new("x", Role::Server).dns([bad]);
            assert!(ca.issue(&spec, &key).is_err(), "{bad:?}");
        }
        assert!(
            ca.issue(&LeafSpec::new("a\nb", Role::Client), &key)
                .is_err()
        );
        let long = LeafSpec::new("x", Role::Client).validity(Duration::days(3651));
        assert!(
            ca.issue(&long, &key)
                .unwrap_err()
                .to_string()
                .contains("outlive")
        );
        assert!(is_dns_name("*.ocf.berkeley.edu") && !is_dns_name("a.*.b"));
    }

    #[test]
    fn an_existing_ca_must_be_a_ca_with_its_own_key() {
        let ca = ca();
        let other = key();
        let again = Ca::from_pem(&ca.certificate().pem(), &ca.key().to_pem()).unwrap();
        assert_eq!(again.certificate().der(), ca.certificate().der());
        assert!(
            Ca::new(ca.certificate().clone(), other)
                .unwrap_err()
                .to_string()
                .contains("does not belong")
        );
        let key = key();
        let leaf = ca.issue(&LeafSpec::new("l", Role::Client), &key).unwrap();
        assert!(
            Ca::new(leaf, key)
                .unwrap_err()
                .to_string()
                .contains("not a CA")
        );
    }
}
