//! `certs covers`: whether the certificate HAProxy serves covers every host
//! name the cluster file sends to it over TLS, checked offline, before a
//! reload. A service added to the file before the certificate is reissued
//! would be routed, and fail every handshake.

use crate::cert::{Certificate, rfc3339};
use crate::check::Thresholds;
use clikit::State;
use serde::Serialize;
use time::OffsetDateTime;

/// What the bundle was found to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The verdict.
    pub state: State,
    /// One line saying why.
    pub summary: String,
    /// The bundle, as named.
    pub bundle: String,
    /// The host names it must cover.
    pub names: usize,
    /// Those its certificate does not cover, sorted.
    pub missing: Vec<String>,
    /// The certificate's end of validity (RFC 3339), when one was read.
    pub not_after: Option<String>,
    /// Whole days left, when a certificate was read.
    pub days_left: Option<i64>,
    /// Whether a certificate was read at all: a bundle that cannot be read
    /// covers nothing, and is CRITICAL, never OK.
    pub readable: bool,
    /// Whether HAProxy may serve it now: every name covered, the key its
    /// pair (when the bundle holds one), valid now. Expiring soon is
    /// still usable.
    pub usable: bool,
    /// Threshold used for WARNING, in days.
    pub warning_days: i64,
    /// Threshold used for CRITICAL, in days.
    pub critical_days: i64,
}

impl Coverage {
    /// A bundle that could not be read or held no usable certificate.
    pub fn unreadable(bundle: &str, names: usize, why: &str, t: Thresholds) -> Coverage {
        Coverage {
            state: State::Critical,
            summary: format!("{bundle}: {why}: it covers no name HAProxy serves"),
            bundle: bundle.to_owned(),
            names,
            missing: Vec::new(),
            not_after: None,
            days_left: None,
            readable: false,
            usable: false,
            warning_days: t.warning_days,
            critical_days: t.critical_days,
        }
    }

    /// The state check's exit status: 0 every name covered by a certificate
    /// valid now, 1 not, 2 the bundle cannot be read.
    pub fn state_code(&self) -> u8 {
        match (self.readable, self.usable) {
            (false, _) => 2,
            (true, false) => 1,
            (true, true) => 0,
        }
    }

    /// The Nagios status line's numbers.
    pub fn status(&self) -> clikit::Status {
        use clikit::{Perf, Range};
        let mut st = crate::TOOL.status("covers", self.state, self.summary.clone());
        st.perfdata = vec![
            Perf::count("names", self.names as f64),
            Perf::count("missing", self.missing.len() as f64),
            Perf::days("days_left", self.days_left.map(|d| d as f64)).thresholds(
                Range::Below(self.warning_days as f64),
                Range::Below(self.critical_days as f64),
            ),
        ];
        st
    }

    /// What follows the status line: each name missing.
    pub fn long_text(&self) -> String {
        self.missing
            .iter()
            .map(|n| format!("not covered: {n}\n"))
            .collect()
    }
}

/// Whether `cert` covers `host`: a subject alternative name for it, or,
/// for `*.suffix` (any one label under a routed suffix), that very
/// wildcard: no narrower name covers every host under it.
pub fn covers(cert: &Certificate, host: &str) -> bool {
    if host.starts_with("*.") {
        let want = host.to_ascii_lowercase();
        return cert
            .info()
            .dns_names
            .iter()
            .any(|n| n.trim_end_matches('.').to_ascii_lowercase() == want);
    }
    cert.matches_host(host)
}

/// The verdict on `leaf` (the bundle's first certificate) against the
/// host names `wanted`: CRITICAL when a name is not covered, the
/// certificate is not valid now, or `key_matches` is false (the bundle's
/// key is not the certificate's); else by days left, as `certs check`.
pub fn assess(
    bundle: &str,
    wanted: &[String],
    leaf: &Certificate,
    key_matches: Option<bool>,
    now: OffsetDateTime,
    t: Thresholds,
) -> Coverage {
    let missing: Vec<String> = wanted
        .iter()
        .filter(|h| !covers(leaf, h))
        .cloned()
        .collect();
    let days = (leaf.not_after() - now).whole_days();
    let usable = missing.is_empty() && key_matches != Some(false) && leaf.is_valid_at(now);
    let (state, why) = if !missing.is_empty() {
        let first: Vec<&str> = missing.iter().take(3).map(String::as_str).collect();
        let more = match missing.len() {
            n if n > 3 => format!(" and {} more", n - 3),
            _ => String::new(),
        };
        (
            State::Critical,
            format!(
                "{} of {} names not covered ({}{more}): reissue the certificate with them before HAProxy serves them",
                missing.len(),
                wanted.len(),
                first.join(", ")
            ),
        )
    } else if key_matches == Some(false) {
        (
            State::Critical,
            "its private key is not the certificate's pair: HAProxy refuses the bundle".into(),
        )
    } else if !leaf.is_valid_at(now) {
        let when = if now < leaf.not_before() {
            "is not valid yet"
        } else {
            "has expired"
        };
        (State::Critical, format!("the certificate {when}"))
    } else {
        let state = match days {
            d if d < t.critical_days => State::Critical,
            d if d < t.warning_days => State::Warning,
            _ => State::Ok,
        };
        (
            state,
            format!("covers all {} names; {days} days left", wanted.len()),
        )
    };
    Coverage {
        state,
        summary: format!("{bundle}: {why}"),
        bundle: bundle.to_owned(),
        names: wanted.len(),
        missing,
        not_after: Some(rfc3339(leaf.not_after())),
        days_left: Some(days),
        readable: true,
        usable,
        warning_days: t.warning_days,
        critical_days: t.critical_days,
    }
}
