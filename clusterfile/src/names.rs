//! What a name may be: the one grammar for every host, service and domain
//! name in the cluster file, and for the names the tools take on their
//! command lines.
//!
//! A name ends up in HAProxy's config and host lists, keepalived.conf,
//! Kubernetes manifests, Hiera file names, etcd member names and
//! certificate SANs, so it is checked against the strictest grammar that
//! fits all of them: DNS labels of lower-case letters, digits and `-`
//! (RFC 1123), at most 63 characters each and 253 in all. Nothing else (no
//! space, newline, `#`, quote, brace, `%` or `*`) can reach an output, so no
//! name can add a line or a directive to one. Upper case is refused rather
//! than folded: HAProxy matches hosts in lower case and Puppet certnames are
//! lower case, so `Deadlock` would silently be a different host.
//!
//! Certificate SANs that `certs` reads or signs may be wider on purpose:
//! a certificate from elsewhere may carry a wildcard (`*.ocf.io`), upper
//! case (DNS compares without case) or a name the site does not control,
//! and `certs` must be able to show and verify it. What the cluster file
//! names is a site's own host, and that is what this grammar is for.

/// The longest DNS label (RFC 1035).
pub const MAX_LABEL: usize = 63;
/// The longest DNS name, without the final dot.
pub const MAX_NAME: usize = 253;

const GRAMMAR: &str = "use lower-case letters, digits and '-', in labels separated by '.'";

/// A DNS name of one or more labels (`templates`, `slidingsync.matrix`).
pub fn dns_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty; give a name".into());
    }
    if s.len() > MAX_NAME {
        return Err(format!(
            "{:?} is {} characters long; a DNS name has at most {MAX_NAME}",
            short(s),
            s.len()
        ));
    }
    for label in s.split('.') {
        label_chars(s, label)?;
    }
    Ok(())
}

/// One DNS label (RFC 1123), such as a namespace or a worker name.
pub fn dns_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty; give a name".into());
    }
    if s.contains('.') {
        return Err(format!(
            "{s:?} has a '.'; it must be one DNS label ({GRAMMAR}, no '.')"
        ));
    }
    label_chars(s, s)
}

/// A DNS-1035 label, as a Kubernetes Service name must be: one label that
/// starts with a letter.
pub fn service_name(s: &str) -> Result<(), String> {
    dns_label(s)?;
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "{s:?} does not start with a letter, as a Kubernetes Service name must"
        ));
    }
    Ok(())
}

fn label_chars(whole: &str, label: &str) -> Result<(), String> {
    let b = label.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_LABEL
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if ok {
        return Ok(());
    }
    // The slow path says exactly what is wrong.
    if label.is_empty() {
        return Err(format!(
            "{whole:?} has an empty label (a leading, trailing or doubled '.'); {GRAMMAR}"
        ));
    }
    if label.len() > MAX_LABEL {
        return Err(format!(
            "{:?} has a label of {} characters; a DNS label has at most {MAX_LABEL}",
            short(whole),
            label.len()
        ));
    }
    if let Some(c) = whole.chars().find(|c| c.is_ascii_uppercase()) {
        // The fix suggested must pass: in lower case, what else is wrong.
        let lower = whole.to_ascii_lowercase();
        if let Some(e) = lower.split('.').find_map(|l| label_chars(&lower, l).err()) {
            return Err(format!(
                "{whole:?} has the upper-case {c:?} (names are matched in lower case), and in lower case: {e}"
            ));
        }
        return Err(format!(
            "{whole:?} has the upper-case {c:?}; names are matched in lower case, so write {lower:?}"
        ));
    }
    if let Some(c) = label
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "{whole:?} has {c:?}, which is not allowed; {GRAMMAR}"
        ));
    }
    Err(format!(
        "{whole:?} has a label that starts or ends with '-'; {GRAMMAR}"
    ))
}

/// A Kubernetes label key: a name of at most 63 letters, digits, `-`, `_`
/// and `.`, starting and ending with a letter or digit, after an optional
/// DNS-name prefix and `/` (`app.kubernetes.io/name`).
pub fn label_key(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        dns_name(p).map_err(|e| format!("the prefix of the label key {s:?}: {e}"))?;
    }
    if name.is_empty() {
        return Err(format!(
            "the label key {s:?} has no name; write PREFIX/NAME or NAME"
        ));
    }
    label_value(name).map_err(|e| format!("the label key {s:?}: {e}"))
}

/// A Kubernetes label value: empty, or at most 63 letters, digits, `-`,
/// `_` and `.`, starting and ending with a letter or digit.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.len() > MAX_LABEL {
        return Err(format!(
            "{:?} is {} characters long; a label has at most {MAX_LABEL}",
            short(s),
            s.len()
        ));
    }
    safe_chars(s, "-_.", "a label")?;
    let edge = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    if !edge(s.chars().next()) || !edge(s.chars().last()) {
        return Err(format!(
            "{s:?} starts or ends with '-', '_' or '.'; a label starts and ends with a letter or digit"
        ));
    }
    Ok(())
}

/// A file path written into HAProxy's config: absolute, and only letters,
/// digits and `._-+@/`, so that it is one word there whatever the parser.
pub fn config_path(s: &str) -> Result<(), String> {
    if !s.starts_with('/') {
        return Err(format!("{s:?} is not an absolute path; HAProxy needs one"));
    }
    safe_chars(s, "._-+@/", "a path")?;
    // A file: every component a name, not a directory.
    if s[1..]
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(format!(
            "{s:?} is not the path of a file (an empty, '.' or '..' component, or a trailing '/')"
        ));
    }
    Ok(())
}

/// A URL path HAProxy sends or matches (the health check, the monitor).
pub fn url_path(s: &str) -> Result<(), String> {
    if !s.starts_with('/') {
        return Err(format!("{s:?} does not start with '/'"));
    }
    safe_chars(s, "._-~/", "a URL path")
}

fn safe_chars(s: &str, extra: &str, what: &str) -> Result<(), String> {
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(*c)))
    {
        return Err(format!(
            "{s:?} has {c:?}; {what} here may have only letters, digits and {}",
            extra
                .chars()
                .map(|c| format!("'{c}'"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    Ok(())
}

/// The start of an over-long value, for a message.
fn short(s: &str) -> String {
    if s.len() > 40 {
        format!("{}...", &s[..40])
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_lower_case_labels() {
        for ok in ["templates", "slidingsync.matrix", "badgr-api", "a1", "x"] {
            dns_name(ok).unwrap();
        }
        let cases = [
            ("foo bar", "' '"),
            ("foo\nbar", "'\\n'"),
            ("foo#bar", "'#'"),
            ("foo{bar", "'{'"),
            ("Templates", "write \"templates\""),
            ("-x", "starts or ends with '-'"),
            ("x.", "empty label"),
            ("a..b", "empty label"),
            ("", "is empty"),
            ("foo_bar", "'_'"),
        ];
        for (bad, why) in cases {
            let e = dns_name(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        assert!(
            dns_name(&"a".repeat(64))
                .unwrap_err()
                .contains("at most 63")
        );
        let long = ["a"; 130].join(".");
        assert!(dns_name(&long).unwrap_err().contains("at most 253"));
    }

    #[test]
    fn labels_and_service_names() {
        dns_label("app-templates").unwrap();
        assert!(dns_label("app.x").unwrap_err().contains("one DNS label"));
        service_name("templates-service").unwrap();
        assert!(
            service_name("1password-service")
                .unwrap_err()
                .contains("start with a letter")
        );
    }

    #[test]
    fn paths_are_single_words() {
        config_path("/etc/ssl/private/lb.pem").unwrap();
        assert!(config_path("lb.pem").unwrap_err().contains("absolute"));
        assert!(config_path("/etc/a b.pem").unwrap_err().contains("' '"));
        assert!(config_path("/etc/x\n.pem").is_err());
        for dir in [
            "/",
            "/etc/ssl/",
            "/etc//lb.pem",
            "/etc/../lb.pem",
            "/etc/./lb.pem",
        ] {
            assert!(
                config_path(dir)
                    .unwrap_err()
                    .contains("not the path of a file"),
                "{dir}"
            );
        }
        url_path("/healthz").unwrap();
        assert!(url_path("/health z").is_err());
        assert!(url_path("healthz").is_err());
        assert!(url_path("/h?x=%[hostname]").is_err());
    }
}
