//! Verifying a certificate for a use: the signature chain up to a trusted
//! CA, validity now, the host name, the extended key usage for a role, and
//! the private key. Every check runs and reports, so one run names every
//! problem.

use crate::cert::{Certificate, Role, rfc3339};
use crate::key::PrivateKey;
use crate::signature::Signature;
use ::time::OffsetDateTime;
use serde::Serialize;
use x509_parser::prelude::*;

/// The longest chain followed (leaf, intermediates, root).
const MAX_DEPTH: usize = 8;

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `chain`, `validity`, `host`, `usage` or `key`.
    pub check: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub detail: String,
}

/// What to verify beyond chain and validity.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// A DNS name or IP address that must be among the SANs.
    pub host: Option<&'a str>,
    /// A role whose extended key usage the certificate must allow.
    pub role: Option<Role>,
    /// A private key that must match the certificate.
    pub key: Option<&'a PrivateKey>,
    /// The time to verify at.
    pub at: OffsetDateTime,
}

/// Verifies `leaf`, chaining through `intermediates` (untrusted) to one of
/// `roots` (trusted).
pub fn verify(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    o: &Options,
) -> Vec<Check> {
    let mut checks = vec![chain(leaf, intermediates, roots, o)];
    let now = rfc3339(o.at);
    let i = leaf.info();
    checks.push(if o.at < leaf.not_before() {
        fail(
            "validity",
            format!("not valid before {} (now {now})", i.not_before),
        )
    } else if o.at > leaf.not_after() {
        fail("validity", format!("expired {} (now {now})", i.not_after))
    } else {
        pass(
            "validity",
            format!(
                "valid until {} ({} left)",
                i.not_after,
                clikit::days(i.days_left)
            ),
        )
    });
    if let Some(host) = o.host {
        let names: Vec<&str> = i
            .dns_names
            .iter()
            .chain(&i.ip_addresses)
            .map(String::as_str)
            .collect();
        let names = if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        };
        checks.push(if leaf.matches_host(host) {
            pass(
                "host",
                format!("{host} is among the subject alternative names"),
            )
        } else {
            fail(
                "host",
                format!("{host} is not among the subject alternative names ({names})"),
            )
        });
    }
    if let Some(role) = o.role {
        let eku = if i.extended_key_usage.is_empty() {
            "no extended key usage, so any use".to_owned()
        } else {
            format!("extended key usage {}", i.extended_key_usage.join(", "))
        };
        checks.push(if leaf.allows(role) {
            pass("usage", format!("{eku} allows {} use", role.name()))
        } else {
            fail("usage", format!("{eku} does not allow {} use", role.name()))
        });
    }
    if let Some(key) = o.key {
        checks.push(if leaf.matches_key(key) {
            pass("key", format!("the {} private key matches", key.key_type()))
        } else {
            fail(
                "key",
                "the private key does not belong to this certificate".into(),
            )
        });
    }
    checks
}

fn pass(check: &'static str, detail: String) -> Check {
    Check {
        check,
        ok: true,
        detail,
    }
}

fn fail(check: &'static str, detail: String) -> Check {
    Check {
        check,
        ok: false,
        detail,
    }
}

/// Why `ca` cannot issue certificates now, if it cannot.
fn unfit_issuer(ca: &Certificate, at: OffsetDateTime) -> Option<String> {
    let i = ca.info();
    if !i.is_ca {
        return Some(format!("the issuer {} is not a CA (no CA:TRUE)", i.subject));
    }
    if !i.key_usage.is_empty() && !i.key_usage.iter().any(|u| u == "keyCertSign") {
        return Some(format!(
            "the issuer {} lacks the keyCertSign key usage",
            i.subject
        ));
    }
    if !ca.is_valid_at(at) {
        return Some(format!(
            "the issuer {} is not valid now ({} to {})",
            i.subject, i.not_before, i.not_after
        ));
    }
    None
}

/// Builds every path from `leaf` up to a root, each step a signature that
/// verifies; then judges every CA on each and the constraints the CAs put
/// on the certificates below them. The first path that passes is the
/// chain, as Go's x509.Verify takes any valid chain: an expired,
/// EKU-restricted or untrusted cross-signed issuer listed before a good
/// one costs nothing. When none passes, the first path's failure is told.
fn chain(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    o: &Options,
) -> Check {
    let paths = match build_paths(leaf, intermediates, roots) {
        Ok(p) => p,
        Err(why) => return fail("chain", why),
    };
    let judged = |path: &[&Certificate]| -> Result<(), String> {
        for ca in &path[1..] {
            if let Some(why) = unfit_issuer(ca, o.at) {
                return Err(why);
            }
        }
        constraints(path, o.role)
    };
    let mut first_failure = None;
    for path in &paths {
        match judged(path) {
            Ok(()) => {
                let names: Vec<&str> = path[1..]
                    .iter()
                    .map(|c| c.info().subject.as_str())
                    .collect();
                return pass("chain", format!("signed by {}", names.join(" <- ")));
            }
            Err(why) => {
                first_failure.get_or_insert(why);
            }
        }
    }
    fail(
        "chain",
        first_failure.unwrap_or_else(|| "no path to a trusted CA".into()),
    )
}

/// The most signatures checked while looking for paths, as Go bounds its
/// chain building (maxChainSignatureChecks): a bundle of many cross-signed
/// candidates cannot make it exponential.
const MAX_SIGNATURE_CHECKS: usize = 100;
/// The most complete paths judged.
const MAX_PATHS: usize = 64;

/// The search for paths: the candidates, the signatures already checked,
/// and what the failures said.
struct Search<'a> {
    intermediates: &'a [Certificate],
    roots: &'a [Certificate],
    checked: Vec<(*const Certificate, *const Certificate, bool)>,
    checks: usize,
    unsupported: Option<String>,
    named: bool,
    paths: Vec<Vec<&'a Certificate>>,
    /// The deepest certificate no candidate signed, and its depth: where
    /// the failure is told.
    stuck: Option<(usize, &'a Certificate)>,
}

impl<'a> Search<'a> {
    /// Whether `issuer` signed `child`: only a certificate whose subject
    /// is the child's issuer is tried (as Go does), each pair once.
    fn signed(&mut self, child: &Certificate, issuer: &'a Certificate) -> bool {
        if issuer.subject_der() != child.issuer_der() {
            return false;
        }
        let key = (child as *const Certificate, issuer as *const Certificate);
        if let Some(&(_, _, ok)) = self.checked.iter().find(|(c, i, _)| (*c, *i) == key) {
            return ok;
        }
        if self.checks >= MAX_SIGNATURE_CHECKS {
            return false;
        }
        self.checks += 1;
        let ok = match child.signature_by(issuer) {
            Signature::Valid => true,
            Signature::Invalid => {
                self.named = true;
                false
            }
            Signature::Unsupported(why) => {
                self.unsupported.get_or_insert(why);
                false
            }
        };
        self.checked.push((key.0, key.1, ok));
        ok
    }

    /// Extends `path` depth first: the roots that signed its last
    /// certificate end a path, the intermediates continue it; none twice.
    fn extend(&mut self, path: &mut Vec<&'a Certificate>) {
        let current = *path.last().expect("the leaf");
        let mut signed_by_any = false;
        let roots = self.roots;
        for r in roots {
            if self.paths.len() >= MAX_PATHS {
                return;
            }
            if self.signed(current, r) {
                signed_by_any = true;
                path.push(r);
                self.paths.push(path.clone());
                path.pop();
            }
        }
        if path.len() < MAX_DEPTH {
            let intermediates = self.intermediates;
            for c in intermediates {
                if self.paths.len() >= MAX_PATHS {
                    return;
                }
                if path.iter().any(|p| std::ptr::eq(*p, c)) || !self.signed(current, c) {
                    continue;
                }
                signed_by_any = true;
                path.push(c);
                self.extend(path);
                path.pop();
            }
        }
        if !signed_by_any && self.stuck.is_none_or(|(depth, _)| depth < path.len()) {
            self.stuck = Some((path.len(), current));
        }
    }
}

/// Every path from `leaf` to a trusted root (at most [`MAX_PATHS`], each
/// at most [`MAX_DEPTH`] long), in the order found: a root before an
/// intermediate at each step, then the order given. None is an error
/// saying why.
fn build_paths<'a>(
    leaf: &'a Certificate,
    intermediates: &'a [Certificate],
    roots: &'a [Certificate],
) -> Result<Vec<Vec<&'a Certificate>>, String> {
    let mut s = Search {
        intermediates,
        roots,
        checked: Vec::new(),
        checks: 0,
        unsupported: None,
        named: false,
        paths: Vec::new(),
        stuck: None,
    };
    s.extend(&mut vec![leaf]);
    if !s.paths.is_empty() {
        return Ok(s.paths);
    }
    let at = s.stuck.map_or(leaf, |(_, c)| c);
    let (issuer, subject) = (&at.info().issuer, &at.info().subject);
    if s.stuck.is_some_and(|(depth, _)| depth >= MAX_DEPTH) {
        return Err(format!("no trusted CA within {MAX_DEPTH} certificates"));
    }
    Err(match (s.unsupported, s.named) {
        (Some(why), _) => format!(
            "cannot check the signature of {subject} by {issuer}: {why} (algorithm not supported)"
        ),
        (None, true) => format!(
            "the signature does not verify with the key of the CA named {issuer} (a different CA of the same name?)"
        ),
        (None, false) if s.checks >= MAX_SIGNATURE_CHECKS => format!(
            "no trusted CA found within {MAX_SIGNATURE_CHECKS} signature checks (Go stops at as many)"
        ),
        (None, false) => format!("not signed by the given CA: issued by {issuer}"),
    })
}

/// Extensions Go's crypto/x509 accepts marked critical; any other so
/// marked makes it refuse the certificate.
const HANDLED: &[&str] = &[
    "2.5.29.14",         // subject key identifier
    "2.5.29.15",         // key usage
    "2.5.29.17",         // subject alternative name
    "2.5.29.19",         // basic constraints
    "2.5.29.30",         // name constraints
    "2.5.29.31",         // CRL distribution points (Go accepts it critical)
    "2.5.29.32",         // certificate policies
    "2.5.29.33",         // policy mappings
    "2.5.29.35",         // authority key identifier
    "2.5.29.36",         // policy constraints
    "2.5.29.37",         // extended key usage
    "2.5.29.54",         // inhibit anyPolicy
    "1.3.6.1.5.5.7.1.1", // authority information access (Go accepts it critical)
];

/// What each CA on the path allows below it: unknown critical extensions
/// (on any certificate), path length, extended key usage (when a role is
/// asked), and name constraints.
fn constraints(path: &[&Certificate], role: Option<Role>) -> Result<(), String> {
    let parsed: Vec<X509Certificate> = path
        .iter()
        .map(|c| parse_x509_certificate(c.der()).map(|(_, x)| x))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("a certificate on the path does not parse: {e}"))?;
    for (c, x) in path.iter().zip(&parsed) {
        if let Some(ext) = x
            .extensions()
            .iter()
            .find(|e| e.critical && !HANDLED.contains(&e.oid.to_id_string().as_str()))
        {
            return Err(format!(
                "{} carries the unknown critical extension {}; Go refuses it",
                c.info().subject,
                ext.oid.to_id_string()
            ));
        }
    }
    for (k, ca) in path.iter().enumerate().skip(1) {
        let info = ca.info();
        // The CAs between this one and the leaf.
        let below = k - 1;
        if let Some(n) = info.path_len
            && below as u32 > n
        {
            return Err(format!(
                "{} allows {n} intermediate CA(s) below it (pathLenConstraint), the path has {below}",
                info.subject
            ));
        }
        if let Some(r) = role
            && !ca.allows(r)
        {
            return Err(format!(
                "the CA {} has extended key usage {}, which does not allow {} use below it",
                info.subject,
                info.extended_key_usage.join(", "),
                r.name()
            ));
        }
        names_within(&parsed[k], &path[..k], &parsed[..k])?;
    }
    Ok(())
}

/// The DNS names, IP addresses and email addresses of `below` against the
/// name constraints of `ca` (RFC 5280 as Go applies it: a DNS constraint
/// `example.com` covers it and its subdomains, `.example.com` only the
/// subdomains; an IP constraint is a network; an email constraint a
/// mailbox, a host or, with a leading dot, a domain).
fn names_within(
    ca: &X509Certificate,
    below: &[&Certificate],
    parsed: &[X509Certificate],
) -> Result<(), String> {
    let Ok(Some(nc)) = ca.name_constraints() else {
        return Ok(());
    };
    let permitted = nc.value.permitted_subtrees.as_deref().unwrap_or(&[]);
    let excluded = nc.value.excluded_subtrees.as_deref().unwrap_or(&[]);
    for (c, x) in below.iter().zip(parsed) {
        let Ok(Some(san)) = x.subject_alternative_name() else {
            continue;
        };
        for name in &san.value.general_names {
            let Some(kind) = kind_of(name) else {
                continue;
            };
            let same: Vec<&GeneralName> = permitted
                .iter()
                .map(|s| &s.base)
                .filter(|b| kind_of(b) == Some(kind))
                .collect();
            let shown = show_name(name);
            if !same.is_empty() && !same.iter().any(|b| within(name, b)) {
                return Err(format!(
                    "{} names {shown}, outside the names {} permits (name constraints)",
                    c.info().subject,
                    ca.subject()
                ));
            }
            if let Some(b) = excluded.iter().map(|s| &s.base).find(|b| within(name, b)) {
                return Err(format!(
                    "{} names {shown}, which {} excludes ({}) (name constraints)",
                    c.info().subject,
                    ca.subject(),
                    show_name(b)
                ));
            }
        }
    }
    Ok(())
}

fn kind_of(n: &GeneralName) -> Option<u8> {
    match n {
        GeneralName::DNSName(_) => Some(0),
        GeneralName::IPAddress(_) => Some(1),
        GeneralName::RFC822Name(_) => Some(2),
        _ => None,
    }
}

fn show_name(n: &GeneralName) -> String {
    match n {
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::RFC822Name(e) => format!("email:{e}"),
        GeneralName::IPAddress(b) if b.len() == 8 || b.len() == 32 => {
            let (addr, mask) = b.split_at(b.len() / 2);
            let ones: u32 = mask.iter().map(|x| x.count_ones()).sum();
            format!("IP:{}/{ones}", crate::dn::ip_string(addr))
        }
        GeneralName::IPAddress(b) => format!("IP:{}", crate::dn::ip_string(b)),
        _ => "another name".into(),
    }
}

/// Whether `name` lies within the constraint `base` (of the same kind).
fn within(name: &GeneralName, base: &GeneralName) -> bool {
    match (name, base) {
        (GeneralName::DNSName(n), GeneralName::DNSName(c)) => dns_within(n, c),
        (GeneralName::IPAddress(ip), GeneralName::IPAddress(net)) => {
            net.len() == 2 * ip.len()
                && ip
                    .iter()
                    .zip(&net[..ip.len()])
                    .zip(&net[ip.len()..])
                    .all(|((a, n), m)| a & m == n & m)
        }
        (GeneralName::RFC822Name(e), GeneralName::RFC822Name(c)) => {
            let (e, c) = (e.to_ascii_lowercase(), c.to_ascii_lowercase());
            let host = e.rsplit_once('@').map_or(e.as_str(), |(_, h)| h);
            if c.contains('@') {
                e == c
            } else if let Some(domain) = c.strip_prefix('.') {
                host.ends_with(&format!(".{domain}"))
            } else {
                host == c
            }
        }
        _ => false,
    }
}

fn dns_within(name: &str, constraint: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let c = constraint.trim_end_matches('.').to_ascii_lowercase();
    if c.is_empty() {
        return true;
    }
    match c.strip_prefix('.') {
        Some(domain) => n.ends_with(&format!(".{domain}")),
        None => n == c || n.ends_with(&format!(".{c}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::LeafSpec;
    use crate::issue::testing::{ca_named, key};
    use ::time::Duration;

    #[test]
    fn every_failure_is_named() {
        let ca = ca_named("ca");
        let twin = ca_named("ca");
        let k = key();
        let leaf = ca
            .issue(&LeafSpec::new("s", Role::Server).dns(["a.example"]), &k)
            .unwrap();
        let now = OffsetDateTime::now_utc();
        let o = Options {
            host: Some("a.example"),
            role: Some(Role::Server),
            key: Some(&k),
            at: now,
        };
        assert!(
            verify(&leaf, &[], std::slice::from_ref(ca.certificate()), &o)
                .iter()
                .all(|c| c.ok)
        );

        let other = key();
        let o = Options {
            host: Some("b.example"),
            role: Some(Role::Client),
            key: Some(&other),
            at: now + Duration::days(400),
        };
        let checks = verify(&leaf, &[], std::slice::from_ref(twin.certificate()), &o);
        let failed: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.check).collect();
        assert_eq!(failed, ["chain", "validity", "host", "usage", "key"]);
        assert!(
            checks[0].detail.contains("different CA of the same name"),
            "{}",
            checks[0].detail
        );
    }

    #[test]
    fn an_issuer_without_the_ca_flag_is_refused() {
        let root = ca_named("root");
        let mid_key = key();
        let not_ca = root
            .issue(&LeafSpec::new("mid", Role::Client), &mid_key)
            .unwrap();
        // Sign with the leaf's key behind the library's back, as a broken CA would.
        let issuer =
            rcgen::Issuer::from_ca_cert_der(&not_ca.der().to_vec().into(), mid_key.pair()).unwrap();
        let mut p = rcgen::CertificateParams::new(vec!["x.example".to_owned()]).unwrap();
        p.not_before = OffsetDateTime::now_utc() - Duration::hours(1);
        p.not_after = OffsetDateTime::now_utc() + Duration::hours(1);
        let k = key();
        let bad =
            Certificate::from_der(p.signed_by(k.pair(), &issuer).unwrap().der().to_vec()).unwrap();
        let o = Options {
            host: None,
            role: None,
            key: None,
            at: OffsetDateTime::now_utc(),
        };
        let c = verify(
            &bad,
            std::slice::from_ref(&not_ca),
            std::slice::from_ref(root.certificate()),
            &o,
        );
        assert!(!c[0].ok && c[0].detail.contains("is not a CA"), "{c:?}");
        // Trusting the leaf directly does not help either.
        let c = verify(&bad, &[], std::slice::from_ref(&not_ca), &o);
        assert!(!c[0].ok && c[0].detail.contains("is not a CA"), "{c:?}");
    }
}
