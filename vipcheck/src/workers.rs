//! `vipcheck workers`: which workers the local HAProxy has marked DOWN,
//! read from its monitor endpoint (ingressgen's config lists each worker
//! there as `NAME 1` or `NAME 0`). One down is WARNING: the others carry
//! its load, and the site has less to spare. All down is CRITICAL: no
//! request reaches the cluster through this master. An answer it cannot
//! read, or no answer, is UNKNOWN: HAProxy's own health is the other
//! checks' business (`local`, `track`), and this one cannot tell.

use crate::report::Report;
use crate::track::{Answer, Url};
use clikit::{Perf, State};

/// The monitor's path that lists the workers, as ingressgen renders it.
pub use clusterfile::ingress::WORKERS_PATH;

/// The list on the monitor endpoint `vipcheck track` asks by default.
pub fn default_url() -> Url {
    let mut u = crate::track::parse_url(crate::track::DEFAULT_URL).expect("a valid default");
    u.path = WORKERS_PATH.to_owned();
    u
}

/// The workers' states as the monitor lists them: `NAME 1` (up) or
/// `NAME 0` (down), a line each, in its order.
pub fn parse(body: &str) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    for (i, line) in body
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = || format!("line {}: {line:?} is not NAME 1 or NAME 0", i + 1);
        let (name, up) = line.trim().split_once(' ').ok_or_else(bad)?;
        let up = match up.trim() {
            "1" => true,
            "0" => false,
            _ => return Err(bad()),
        };
        clusterfile::names::dns_label(name).map_err(|_| bad())?;
        out.push((name.to_owned(), up));
    }
    Ok(out)
}

/// The verdict on what the monitor at `url` answered.
pub fn assess(url: &Url, answer: Result<Answer, String>) -> Report {
    let unknown = |why: String| Report::new("workers", State::Unknown, why, Vec::new());
    let a = match answer {
        Ok(a) => a,
        Err(e) => return unknown(format!("cannot ask HAProxy which workers are up: {e}")),
    };
    if a.status != 200 {
        return unknown(format!(
            "{url} answers {}: is HAProxy's config rendered by an ingressgen that lists the workers at {WORKERS_PATH}?",
            a.status
        ));
    }
    let workers = match parse(&a.body) {
        Ok(w) if w.is_empty() => return unknown(format!("{url} lists no worker")),
        Ok(w) => w,
        Err(e) => return unknown(format!("{url}: {e}")),
    };
    let down: Vec<&str> = workers
        .iter()
        .filter(|(_, up)| !up)
        .map(|(n, _)| n.as_str())
        .collect();
    let up = workers.len() - down.len();
    let state = match down.len() {
        0 => State::Ok,
        n if n == workers.len() => State::Critical,
        _ => State::Warning,
    };
    let summary = match down.as_slice() {
        [] => format!("all {} workers up in HAProxy", workers.len()),
        _ if up == 0 => format!(
            "every worker DOWN in HAProxy ({}): no request reaches the cluster through this master",
            down.join(", ")
        ),
        _ => format!(
            "{} DOWN in HAProxy; {up} of {} workers up",
            down.join(", "),
            workers.len()
        ),
    };
    let perf = vec![
        Perf::count("workers_up", up as f64),
        Perf::count("workers_down", down.len() as f64),
    ];
    let details = workers
        .iter()
        .map(|(n, up)| format!("{n}: {}", if *up { "UP" } else { "DOWN" }))
        .collect();
    Report::new("workers", state, summary, perf).details(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn url() -> Url {
        crate::track::parse_url("http://127.0.0.1:8404/workers").unwrap()
    }

    fn answer(status: u16, body: &str) -> Result<Answer, String> {
        Ok(Answer {
            status,
            body: body.into(),
            time: Duration::from_millis(2),
        })
    }

    #[test]
    fn one_down_warns_all_down_is_critical() {
        let r = assess(&url(), answer(200, "bedbugs 1\nriptide 1\n"));
        assert_eq!(r.state(), State::Ok);
        assert!(r.status.summary.contains("all 2 workers up"));
        let r = assess(&url(), answer(200, "bedbugs 1\nriptide 0\n"));
        assert_eq!(r.state(), State::Warning);
        assert_eq!(
            r.status.summary,
            "riptide DOWN in HAProxy; 1 of 2 workers up"
        );
        assert_eq!(r.details, ["bedbugs: UP", "riptide: DOWN"]);
        let r = assess(&url(), answer(200, "bedbugs 0\nriptide 0\n"));
        assert_eq!(r.state(), State::Critical);
        assert!(r.status.summary.contains("bedbugs, riptide"));
    }

    #[test]
    fn what_it_cannot_read_is_unknown() {
        for (a, why) in [
            (
                Err("cannot connect to 127.0.0.1:8404: refused".to_owned()),
                "cannot ask",
            ),
            (answer(404, ""), "answers 404"),
            (answer(200, ""), "lists no worker"),
            (answer(200, "riptide up\n"), "line 1"),
            (answer(200, "riptide 1\n<html> 1\n"), "line 2"),
        ] {
            let r = assess(&url(), a);
            assert_eq!(r.state(), State::Unknown, "{why}");
            assert!(r.status.summary.contains(why), "{}", r.status.summary);
        }
    }
}
