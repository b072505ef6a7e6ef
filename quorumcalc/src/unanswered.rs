//! Why no etcd member answered, read from etcdctl's stderr.
//!
//! When every endpoint is down, etcdctl prints no JSON at all, and its one
//! `Error:` line (`context deadline exceeded`) is the same whether the
//! members refuse connections, hang, or reject the client's certificate
//! (measured on etcd 3.4.23). Run with `--debug`, etcdctl also logs gRPC's
//! reason for each endpoint it could not connect to:
//!
//! ```text
//! WARNING: ... addrConn.createTransport failed to connect to {https://10.0.0.1:2379 10.0.0.1:2379 <nil> 0 <nil>}. Err: connection error: desc = "transport: Error while dialing dial tcp 10.0.0.1:2379: connect: connection refused". Reconnecting...
//! ```
//!
//! The verdict, following the Monitoring Plugins guidelines (a service that
//! cannot be reached is CRITICAL; a check that cannot ask is UNKNOWN):
//! - every endpoint refuses or cannot be reached: CRITICAL;
//! - no endpoint gave a reason and the request timed out (members that
//!   accept connections but never answer, or packets dropped): CRITICAL,
//!   the timeout state the man page documents;
//! - any endpoint failed for another reason (TLS, a certificate, a key
//!   file): UNKNOWN, since that member may well be up;
//! - anything else: UNKNOWN, with etcdctl's words.
//!
//! Only these lines are read: `--debug` also prints etcdctl's settings,
//! which are never repeated.

use clikit::State;

/// The verdict when no member answered: the state, the summary line, and
/// one note per endpoint with etcdctl's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAnswer {
    /// CRITICAL (unreachable) or UNKNOWN (cannot ask).
    pub state: State,
    /// The status line's text, with etcdctl's reason.
    pub summary: String,
    /// `ENDPOINT: reason` for each endpoint etcdctl named, then its
    /// `Error:` lines.
    pub notes: Vec<String>,
}

/// What a connection error says about the member behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// Nothing listens there, or the host cannot be reached.
    Unreachable,
    /// Something answered but the client could not use it (TLS, keys).
    CannotAsk,
}

/// Transport errors that mean the member is not there to answer.
const UNREACHABLE: [&str; 6] = [
    "connection refused",
    "no route to host",
    "network is unreachable",
    "host is down",
    "i/o timeout",
    "connection reset by peer",
];

fn cause(reason: &str) -> Cause {
    if UNREACHABLE.iter().any(|u| reason.contains(u)) {
        Cause::Unreachable
    } else {
        Cause::CannotAsk
    }
}

/// The longest reason kept, so a runaway log line cannot flood the status.
const MAX_REASON: usize = 200;

/// `(endpoint, reason)` from one gRPC connection-failure line.
fn transport_failure(line: &str) -> Option<(String, String)> {
    let rest = line.split_once("failed to connect to {")?.1;
    let endpoint = rest.split([' ', '}']).next()?.to_owned();
    let mut reason = rest.split_once("Err: ")?.1.trim();
    for prefix in [
        "connection error: desc = \"",
        "transport: ",
        "Error while dialing ",
    ] {
        reason = reason.strip_prefix(prefix).unwrap_or(reason);
    }
    let reason = reason
        .strip_suffix("Reconnecting...")
        .unwrap_or(reason)
        .trim_end()
        .trim_end_matches(['.', '"']);
    Some((endpoint, truncate(reason)))
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_REASON) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

/// The verdict on etcdctl's stderr when no member answered.
pub fn judge(stderr: &str) -> NoAnswer {
    let mut endpoints: Vec<(String, String)> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    // What failed before etcdctl could say anything (`sh: etcdctl: not
    // found`): the last line that is not etcdctl's own log or settings.
    let other = stderr
        .lines()
        .map(str::trim)
        .rfind(|l| {
            !l.is_empty()
                && !l.starts_with("ETCDCTL_")
                && !l.starts_with('{')
                && !l.starts_with("INFO:")
                && !l.starts_with("WARNING:")
        })
        .map(truncate);
    for line in stderr.lines() {
        if let Some((endpoint, reason)) = transport_failure(line) {
            // The last reason each endpoint gave, in the order first named.
            match endpoints.iter_mut().find(|(e, _)| *e == endpoint) {
                Some(slot) => slot.1 = reason,
                None => endpoints.push((endpoint, reason)),
            }
        } else if let Some(e) = line.strip_prefix("Error: ") {
            let e = truncate(e.trim());
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
    }
    let mut notes: Vec<String> = endpoints.iter().map(|(e, r)| format!("{e}: {r}")).collect();
    notes.extend(errors.iter().map(|e| format!("etcdctl: {e}")));
    if errors.is_empty() {
        errors.extend(other);
    }
    let (state, summary) = verdict(&endpoints, &errors);
    NoAnswer {
        state,
        summary,
        notes,
    }
}

fn verdict(endpoints: &[(String, String)], errors: &[String]) -> (State, String) {
    let first_error = errors.first().map_or("no error message", String::as_str);
    if let Some((e, r)) = endpoints.iter().find(|(_, r)| cause(r) == Cause::CannotAsk) {
        return (
            State::Unknown,
            format!("etcdctl cannot talk to etcd at {e}: {r}"),
        );
    }
    if let Some((e, r)) = endpoints.first() {
        let n = endpoints.len();
        let all = if n == 1 {
            "the one endpoint".to_owned()
        } else {
            format!("all {n} endpoints")
        };
        return (
            State::Critical,
            format!("no etcd member answers: {all} unreachable ({e}: {r})"),
        );
    }
    if errors.iter().any(|e| e.contains("deadline exceeded")) {
        return (
            State::Critical,
            format!(
                "no etcd member answered before etcdctl's timeout (members hung, or packets dropped): {first_error}"
            ),
        );
    }
    (State::Unknown, format!("etcdctl failed: {first_error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(endpoint: &str, err: &str) -> String {
        let host = endpoint.rsplit('/').next().unwrap();
        format!(
            "WARNING: 2026/12/05 10:16:18 [core]grpc: addrConn.createTransport failed to connect to \
             {{{endpoint} {host} <nil> 0 <nil>}}. Err: connection error: desc = \"transport: {err}\". Reconnecting...\n"
        )
    }

    const REFUSED: &str =
        "Error while dialing dial tcp 127.0.0.1:2379: connect: connection refused";
    const X509: &str =
        "authentication handshake failed: x509: certificate signed by unknown authority";

    #[test]
    fn every_endpoint_refusing_is_critical_with_each_reason() {
        let err = line("https://127.0.0.1:2379", REFUSED)
            + &line("https://127.0.0.1:12379", REFUSED)
            + &line("https://127.0.0.1:2379", REFUSED)
            + "ETCDCTL_USER=root:secret\nError: context deadline exceeded\n";
        let v = judge(&err);
        assert_eq!(v.state, State::Critical);
        assert_eq!(
            v.summary,
            "no etcd member answers: all 2 endpoints unreachable \
             (https://127.0.0.1:2379: dial tcp 127.0.0.1:2379: connect: connection refused)"
        );
        assert_eq!(v.notes.len(), 3, "{:?}", v.notes);
        assert_eq!(v.notes[2], "etcdctl: context deadline exceeded");
        assert!(!v.notes.concat().contains("secret"));
    }

    #[test]
    fn a_certificate_problem_is_unknown_even_beside_refusals() {
        let err = line("https://127.0.0.1:2379", REFUSED) + &line("https://127.0.0.1:12379", X509);
        let v = judge(&err);
        assert_eq!(v.state, State::Unknown);
        assert!(
            v.summary
                .contains("12379: authentication handshake failed: x509"),
            "{}",
            v.summary
        );
    }

    #[test]
    fn a_timeout_without_reasons_is_critical_and_other_failures_unknown() {
        let v = judge("Error: context deadline exceeded\n");
        assert_eq!(v.state, State::Critical);
        assert!(
            v.summary.ends_with("context deadline exceeded"),
            "{}",
            v.summary
        );
        let v = judge("Error: open /etc/etcd/client.key: permission denied\n");
        assert_eq!(
            (v.state, v.summary.as_str()),
            (
                State::Unknown,
                "etcdctl failed: open /etc/etcd/client.key: permission denied"
            )
        );
        assert_eq!(judge("").state, State::Unknown);
        // etcdctl never ran: the shell's words, never a setting.
        let v = judge("ETCDCTL_PASSWORD=secret\nsh: 1: /usr/bin/etcdctl: not found\n");
        assert_eq!(
            (v.state, v.summary.as_str()),
            (
                State::Unknown,
                "etcdctl failed: sh: 1: /usr/bin/etcdctl: not found"
            )
        );
    }

    #[test]
    fn a_runaway_reason_is_cut() {
        let v = judge(&line("https://a:1", &"x".repeat(5000)));
        assert!(v.summary.len() < 300, "{}", v.summary.len());
    }
}
