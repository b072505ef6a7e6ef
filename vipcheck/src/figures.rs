//! What a user lived through, from a recorded request stream.
//!
//! A request is OK only when its answer was right and came within
//! [`BUDGET_MS`] of its send: a user who waited longer had no service,
//! whether the answer came at last (late, say after TCP resent its SYN) or
//! never (failed). Every figure here counts late and failed requests
//! alike, as "bad"; the counts keep them apart.
//!
//! The time without service is the longest run of consecutive bad
//! requests, from the send of its first to the answer of the prompt
//! request that ended it: the user asked and got nothing in time until
//! then. The span runs from the first bad request's send to the answer of
//! the first prompt one after the last bad one, the prompt answers
//! between included: with servers balanced, a fault behind HAProxy fails
//! some requests and not others, and the span is how long a client may
//! meet one.

use crate::stream::Result_;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The latency budget: an answer later than this, in ms from the send,
/// is late.
pub const BUDGET_MS: u64 = 1000;

/// The lab's latency percentiles are of the requests sent this long from
/// the fault on, in ms.
pub const FAULT_WINDOW_MS: u64 = 5000;

/// The window of the percentiles: the [`FAULT_WINDOW_MS`] from a fault
/// made at `at` ms.
pub fn fault_window(at: u64) -> (u64, u64) {
    (at, at + FAULT_WINDOW_MS)
}

/// The window of the percentiles: the whole stream.
pub const WHOLE: (u64, u64) = (0, u64::MAX);

/// How many bad requests a stream names.
const NAMED: usize = 5;

/// What became of one request, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The right answer within the budget.
    Ok,
    /// The right answer, after the budget.
    Late,
    /// No answer, or a wrong one.
    Failed,
}

/// The class of one result.
pub fn class(r: &Result_) -> Class {
    match (r.ok, r.latency_ms <= BUDGET_MS) {
        (false, _) => Class::Failed,
        (true, false) => Class::Late,
        (true, true) => Class::Ok,
    }
}

/// A run of consecutive bad requests, in ms of the stream: from the first
/// one's send to the answer of the prompt request that ended it (the last
/// send of the stream when none did).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// The first bad request's send.
    pub from: u64,
    /// Service back.
    pub to: u64,
}

/// Every run of bad requests in `r` (in sending order).
pub fn runs(r: &[Result_]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut from = None;
    for x in r {
        match (class(x), from) {
            (Class::Ok, Some(f)) => {
                out.push(Run {
                    from: f,
                    to: x.t + x.latency_ms,
                });
                from = None;
            }
            (Class::Ok, None) => {}
            (_, None) => from = Some(x.t),
            (_, Some(_)) => {}
        }
    }
    if let (Some(f), Some(last)) = (from, r.last()) {
        out.push(Run {
            from: f,
            to: last.t.max(f + 1),
        });
    }
    out
}

/// The longest time without service, in ms (0: none).
pub fn no_service_ms(runs: &[Run]) -> u64 {
    runs.iter().map(|r| r.to - r.from).max().unwrap_or(0)
}

/// From the first bad request's send to service back after the last, in
/// ms (0: none bad).
pub fn span_ms(runs: &[Run]) -> u64 {
    match (runs.first(), runs.last()) {
        (Some(first), Some(last)) => last.to - first.from,
        _ => 0,
    }
}

/// The `q` quantile (0-1) of the latency of the requests sent in
/// `[from, to)`, a failed one counting as slower than any answer: `None`
/// when the quantile falls on a failed request or no request was sent.
pub fn latency_quantile(r: &[Result_], (from, to): (u64, u64), q: f64) -> Option<u64> {
    let mut lat: Vec<Option<u64>> = r
        .iter()
        .filter(|x| (from..to).contains(&x.t))
        .map(|x| x.ok.then_some(x.latency_ms))
        .collect();
    if lat.is_empty() {
        return None;
    }
    // None (failed) sorts after every answer.
    lat.sort_by_key(|l| l.map_or((1, 0), |v| (0, v)));
    let i = ((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1;
    lat[i]
}

/// One stream's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stream {
    /// Requests sent.
    pub sent: usize,
    /// Requests with no answer or a wrong one.
    pub failed: usize,
    /// Requests answered right, after the budget.
    pub late: usize,
    /// Requests sent again after a reset connection (and then answered
    /// in time or not, as counted above).
    pub retried: usize,
    /// The longest time without service, ms.
    pub no_service_ms: u64,
    /// From the first bad request to service back after the last, ms.
    pub span_ms: u64,
    /// The median latency in the fault window, ms (`None`: failed).
    pub p50_ms: Option<u64>,
    /// The 99th percentile latency in the fault window, ms (`None`:
    /// failed).
    pub p99_ms: Option<u64>,
    /// The first bad requests: when, what, why.
    pub bad: Vec<String>,
    /// Each request: ms from the start, and what became of it.
    pub timeline: Vec<(u64, Class)>,
}

impl Stream {
    /// The figures of `r` (in sending order), the latency percentiles of
    /// the requests sent in `window` (ms of the stream, from and to).
    pub fn of(r: &[Result_], window: (u64, u64)) -> Stream {
        let runs = runs(r);
        let count = |c: Class| r.iter().filter(|x| class(x) == c).count();
        Stream {
            sent: r.len(),
            failed: count(Class::Failed),
            late: count(Class::Late),
            retried: r.iter().filter(|x| x.retried).count(),
            no_service_ms: no_service_ms(&runs),
            span_ms: span_ms(&runs),
            p50_ms: latency_quantile(r, window, 0.5),
            p99_ms: latency_quantile(r, window, 0.99),
            bad: r
                .iter()
                .filter(|x| class(x) != Class::Ok)
                .take(NAMED)
                .map(|x| match class(x) {
                    Class::Late => format!("{} ms {}: late, {} ms", x.t, x.host, x.latency_ms),
                    _ => format!("{} ms {}: status {} {}", x.t, x.host, x.status, x.error),
                })
                .collect(),
            timeline: r.iter().map(|x| (x.t, class(x))).collect(),
        }
    }

    /// Requests failed or late.
    pub fn bad(&self) -> usize {
        self.failed + self.late
    }
}

/// The colours of prompt, late and failed requests.
const OK: &str = "#4a8";
const LATE: &str = "#ec3";
const FAILED_RED: &str = "#c33";

/// A line across the picture at a moment of the stream: ms, colour.
pub type Mark = (u64, &'static str);

/// The timeline of a stream as SVG: requests per 100 ms, answered in time
/// above the axis, late (yellow) and failed (red) below, `marks` as
/// vertical lines; with `api`, above them a strip for that stream, one
/// mark per 100 ms: green when every request sent then was answered in
/// time, yellow when one was late, orange when one failed.
pub fn svg(title: &str, http: &Stream, api: Option<&Stream>, marks: &[Mark]) -> String {
    let end = http.timeline.last().map_or(0, |t| t.0) / 100 + 1;
    let mut counts = vec![[0u32; 3]; end as usize + 1];
    for (t, class) in &http.timeline {
        counts[(*t / 100) as usize][*class as usize] += 1;
    }
    let (w, h, mid) = ((end * 6 + 60).max(640), 220, 110);
    let strip = if api.is_some() {
        "; API strip: OK green, late yellow, failed orange"
    } else {
        ""
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"4\" y=\"14\">{}: requests per 100 ms (answered within {BUDGET_MS} ms up; late yellow and failed red down){strip}</text>\n<line x1=\"40\" y1=\"{mid}\" x2=\"{w}\" y2=\"{mid}\" stroke=\"black\"/>\n",
        escape(title)
    );
    if let Some(api) = api {
        s.push_str("<text x=\"4\" y=\"30\">API</text>\n");
        api_strip(&mut s, &api.timeline);
    }
    for (i, [ok, late, failed]) in counts.iter().enumerate() {
        let x = 40 + i * 6;
        if *ok > 0 {
            let _ = writeln!(
                s,
                "<rect x=\"{x}\" y=\"{}\" width=\"5\" height=\"{}\" fill=\"{OK}\"/>",
                mid - ok * 12,
                ok * 12
            );
        }
        // Below the axis: the late first, then the failed under them.
        for (n, top, colour) in [(late, mid, LATE), (failed, mid + late * 12, FAILED_RED)] {
            if *n > 0 {
                let _ = writeln!(
                    s,
                    "<rect x=\"{x}\" y=\"{top}\" width=\"5\" height=\"{}\" fill=\"{colour}\"/>",
                    n * 12
                );
            }
        }
    }
    // A tick and a label every second.
    for sec in 0..=end / 10 {
        let x = 40 + sec * 60;
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" y1=\"{mid}\" x2=\"{x}\" y2=\"{}\" stroke=\"black\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{sec} s</text>",
            mid + 4,
            h - 4
        );
    }
    for (at, colour) in marks {
        let x = 40 + at / 100 * 6;
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" y1=\"20\" x2=\"{x}\" y2=\"{h}\" stroke=\"{colour}\"/>"
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Text for SVG.
fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The API stream's strip: per 100 ms, the worst of its requests.
fn api_strip(s: &mut String, timeline: &[(u64, Class)]) {
    let mut slots: std::collections::BTreeMap<u64, Class> = std::collections::BTreeMap::new();
    for (t, class) in timeline {
        let worst = slots.entry(t / 100).or_insert(Class::Ok);
        *worst = (*worst).max(*class);
    }
    for (slot, worst) in slots {
        let colour = match worst {
            Class::Ok => "#8c8",
            Class::Late => LATE,
            Class::Failed => "#e80",
        };
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"22\" width=\"5\" height=\"10\" fill=\"{colour}\"/>",
            40 + slot * 6
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request sent at `t` ms that took `latency` ms, answered right or
    /// not.
    fn req(t: u64, latency: u64, ok: bool) -> Result_ {
        Result_ {
            t,
            host: "a.lab.example".into(),
            ok,
            status: if ok { 200 } else { 0 },
            served_by: String::new(),
            error: if ok {
                String::new()
            } else {
                "connect: timed out".into()
            },
            retried: false,
            latency_ms: latency,
            worker: String::new(),
        }
    }

    /// A stream every 20 ms: prompt answers except where `bad` says.
    fn stream(n: u64, bad: impl Fn(u64) -> Option<Result_>) -> Vec<Result_> {
        (0..n)
            .map(|i| bad(i * 20).unwrap_or_else(|| req(i * 20, 5, true)))
            .collect()
    }

    #[test]
    fn a_success_after_a_resent_syn_is_late_and_without_service() {
        // The VIP moves at 1,000 ms: requests from 1,000 to 1,980 ms time
        // out; the two sent just before it had their SYN resent after 1 s
        // and succeeded then. The old count (consecutive failed sends)
        // saw 960 ms; a user saw no service from 960 ms until the first
        // prompt answer, of the request sent at 2,000 ms.
        let r = stream(200, |t| match t {
            960 | 980 => Some(req(t, 1040, true)),
            1000..=1980 => Some(req(t, 1500, false)),
            _ => None,
        });
        let s = Stream::of(&r, fault_window(950));
        assert_eq!((s.failed, s.late), (50, 2));
        assert_eq!(s.bad(), 52);
        assert_eq!(s.no_service_ms, 2005 - 960);
        assert_eq!(s.span_ms, 2005 - 960);
        assert_eq!(
            s.timeline[48..51]
                .iter()
                .map(|(_, c)| *c)
                .collect::<Vec<_>>(),
            [Class::Late, Class::Late, Class::Failed]
        );
        assert!(s.bad[0].contains("late, 1040 ms"), "{:?}", s.bad);
    }

    #[test]
    fn a_slow_success_is_late_however_it_was_got() {
        // 4.9 s against a hung HAProxy, answered at last: never OK.
        let slow = req(0, 4900, true);
        assert_eq!(class(&slow), Class::Late);
        // Exactly the budget is in time; a millisecond more is not.
        assert_eq!(class(&req(0, BUDGET_MS, true)), Class::Ok);
        assert_eq!(class(&req(0, BUDGET_MS + 1, true)), Class::Late);
        assert_eq!(class(&req(0, 3, false)), Class::Failed);
    }

    #[test]
    fn interleaved_failures_make_a_span_and_short_runs() {
        // Every other request fails from 1,000 to 1,500 ms (one server of
        // two out): no single run is long, the span is.
        let r = stream(100, |t| {
            ((1000..=1500).contains(&t) && t % 40 == 0).then(|| req(t, 7, false))
        });
        let s = Stream::of(&r, fault_window(1000));
        assert_eq!(s.failed, 13);
        assert_eq!(s.no_service_ms, 25);
        assert_eq!(s.span_ms, 1505 - 1000);
    }

    #[test]
    fn a_run_to_the_end_of_the_stream_counts_to_its_last_send() {
        let r = stream(10, |t| (t >= 100).then(|| req(t, 1500, false)));
        assert_eq!(runs(&r), vec![Run { from: 100, to: 180 }]);
        assert_eq!(Stream::of(&r, WHOLE).no_service_ms, 80);
        let none = stream(10, |_| None);
        let s = Stream::of(&none, WHOLE);
        assert_eq!((s.no_service_ms, s.span_ms, s.bad()), (0, 0, 0));
    }

    #[test]
    fn percentiles_of_the_fault_window_count_failures_as_slowest() {
        // 250 requests in the 5 s window: 240 at 5 ms, 7 at 300, 3 failed.
        let r = stream(300, |t| match t {
            1000..=1120 => Some(req(t, 300, true)),
            1140..=1180 => Some(req(t, 9, false)),
            _ => None,
        });
        let s = Stream::of(&r, fault_window(1000));
        assert_eq!(s.p50_ms, Some(5));
        // The 99th percentile of 250 is the 248th: the first failed one.
        assert_eq!(s.p99_ms, None);
        assert_eq!(latency_quantile(&r, (1000, 6000), 0.98), Some(300));
        // Before the fault, all prompt.
        assert_eq!(latency_quantile(&r, (0, 1000), 0.99), Some(5));
        assert_eq!(latency_quantile(&r, (90_000, 95_000), 0.5), None);
    }
}
