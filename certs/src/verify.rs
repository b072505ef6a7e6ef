//! Verifying a certificate for a use: the signature chain up to a trusted
//! CA, validity now, the host name, the extended key usage for a role, and
//! the private key. Every check runs and reports, so one run names every
//! problem.

use crate::cert::{Certificate, Role, rfc3339};
use crate::key::PrivateKey;
use serde::Serialize;
use time::OffsetDateTime;

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
    let mut checks = vec![chain(leaf, intermediates, roots, o.at)];
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
            format!("valid until {} ({} days left)", i.not_after, i.days_left),
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

fn chain(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    at: OffsetDateTime,
) -> Check {
    let mut current = leaf;
    let mut path = vec![];
    for _ in 0..MAX_DEPTH {
        if let Some(root) = roots.iter().find(|r| current.is_signed_by(r)) {
            if let Some(why) = unfit_issuer(root, at) {
                return fail("chain", why);
            }
            path.push(root.info().subject.clone());
            return pass("chain", format!("signed by {}", path.join(" <- ")));
        }
        let Some(next) = intermediates
            .iter()
            .find(|c| !std::ptr::eq(*c, current) && current.is_signed_by(c))
        else {
            break;
        };
        if let Some(why) = unfit_issuer(next, at) {
            return fail("chain", why);
        }
        path.push(next.info().subject.clone());
        current = next;
    }
    let issuer = &current.info().issuer;
    let named = roots.iter().any(|r| &r.info().subject == issuer);
    fail(
        "chain",
        if named {
            format!(
                "the signature does not verify with the key of the CA named {issuer} (a different CA of the same name?)"
            )
        } else {
            format!("not signed by the given CA: issued by {issuer}")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::LeafSpec;
    use crate::issue::testing::{ca_named, key};
    use time::Duration;

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
