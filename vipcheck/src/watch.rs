//! `vipcheck watch`: the lab's request stream as a command a site runs
//! against its real VIP during a maintenance window. HTTPS requests through
//! the VIP at a steady rate (a new connection each, so a move of the VIP
//! is seen at once), judged by the honest rule of [`crate::figures`]: OK
//! only with the right answer within 1 s. A one-line status on stderr while
//! it runs; at the end (or on Ctrl-C) the report the lab writes for a
//! drill: requests failed and late, the time without service and its
//! windows, latency, and which master served when.

use crate::figures::{self, Run, Stream};
use crate::stream::{self, Result_, Target};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most requests one watch sends (rate × duration): every result is
/// kept for the report, so the memory it takes is bounded.
pub const MAX_REQUESTS: u64 = 500_000;

/// The most requests a second.
pub const MAX_RATE: u32 = 200;

/// The longest watch.
pub const MAX_SPAN: Duration = Duration::from_secs(24 * 3600);

/// `--duration`: `90s`, `10m`, `2h`, from 1 s to 24 h.
pub fn parse_span(s: &str) -> Result<Duration, String> {
    let bad = || format!("{s:?}: give seconds, minutes or hours (90s, 10m, 2h), at most 24h");
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(bad()),
    };
    let n: u64 = n.parse().map_err(|_| bad())?;
    let d = Duration::from_secs(n.checked_mul(per).ok_or_else(bad)?);
    if d.is_zero() || d > MAX_SPAN {
        return Err(bad());
    }
    Ok(d)
}

/// Runs the stream: `total` requests, `rate` a second, until sent or
/// interrupted (SIGINT, SIGTERM: sending stops, the requests in flight are
/// waited for); the status on stderr every second (every 10 s when stderr
/// is not a terminal). The results, and whether it was interrupted.
pub fn watch(
    target: &Target,
    config: rustls::ClientConfig,
    rate: u32,
    total: u64,
) -> Result<(Vec<Result_>, bool), String> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| format!("cannot handle signal {sig}: {e}"))?;
    }
    let progress = Mutex::new(Progress::default());
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let results = std::thread::scope(|s| {
        s.spawn(|| status(&progress, &done, start));
        let each = |r: &Result_| progress.lock().expect("progress").add(r);
        let r = stream::stream_until(target, config, rate, total, &stop, &each);
        done.store(true, Ordering::SeqCst);
        r
    });
    Ok((results, stop.load(Ordering::SeqCst)))
}

/// Prints the status line until `done`.
fn status(progress: &Mutex<Progress>, done: &AtomicBool, start: Instant) {
    let tty = std::io::stderr().is_terminal();
    let every = if tty { 1 } else { 10 };
    let mut next = every;
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        let secs = start.elapsed().as_secs();
        if secs < next {
            continue;
        }
        next = secs + every;
        let line = progress.lock().expect("progress").line(secs as f64);
        if tty {
            eprint!("\r{line}\x1b[K");
        } else {
            eprintln!("{line}");
        }
    }
    if tty {
        eprintln!();
    }
}

/// Writes report.txt, report.json, watch.svg and requests.jsonl to `dir`:
/// all of them new, or the old ones.
pub fn write(dir: &Path, rep: &Report, results: &[Result_]) -> Result<(), String> {
    let json = serde_json::to_string_pretty(rep).map_err(|e| e.to_string())?;
    let whole = Stream::of(results, figures::WHOLE);
    let mut lines = String::new();
    for r in results {
        lines.push_str(&serde_json::to_string(r).map_err(|e| e.to_string())?);
        lines.push('\n');
    }
    let files = [
        ("report.json", json + "\n"),
        ("report.txt", text(rep)),
        (
            "watch.svg",
            figures::svg("vipcheck watch", &whole, None, &[]),
        ),
        ("requests.jsonl", lines),
    ];
    clikit::files::put_report(dir, files.map(|(n, b)| (n.to_owned(), b)).into())
}

/// A stretch of the stream during which one master served (X-Served-By of
/// the answers; the failed requests in between do not end it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Served {
    /// The master, or `-` for answers without X-Served-By (the API, which
    /// HAProxy passes through).
    pub by: String,
    /// The first answer's send, ms of the stream.
    pub from: u64,
    /// The last answer's send.
    pub to: u64,
    /// Answers in it.
    pub answers: usize,
}

/// What `watch` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Where the requests went (`ADDRESS:PORT`).
    pub target: String,
    /// Requests a second.
    pub rate: u32,
    /// Whether it was stopped (Ctrl-C, SIGTERM) before its duration.
    pub interrupted: bool,
    /// From the first send to the last, ms.
    pub span_of_stream_ms: u64,
    /// The stream's figures, percentiles over all of it (without the
    /// per-request timeline: `--out` keeps every request).
    pub figures: Stream,
    /// Every window without service.
    pub windows: Vec<Window>,
    /// Who served, stretch by stretch.
    pub served: Vec<Served>,
}

/// A window without service, ms of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The first bad request's send.
    pub from: u64,
    /// The answer of the prompt one that ended it.
    pub to: u64,
}

impl From<Run> for Window {
    fn from(r: Run) -> Window {
        Window {
            from: r.from,
            to: r.to,
        }
    }
}

/// The stretches of `r` by who served.
pub fn served(r: &[Result_]) -> Vec<Served> {
    let mut out: Vec<Served> = Vec::new();
    for x in r.iter().filter(|x| x.status != 0) {
        let by = if x.served_by.is_empty() {
            "-"
        } else {
            x.served_by.as_str()
        };
        match out.last_mut() {
            Some(last) if last.by == by => {
                last.to = x.t;
                last.answers += 1;
            }
            _ => out.push(Served {
                by: by.to_owned(),
                from: x.t,
                to: x.t,
                answers: 1,
            }),
        }
    }
    out
}

/// The report of the results `r` (in sending order).
pub fn report(target: String, rate: u32, r: &[Result_], interrupted: bool) -> Report {
    let mut figures = Stream::of(r, figures::WHOLE);
    figures.timeline.clear();
    Report {
        target,
        rate,
        interrupted,
        span_of_stream_ms: r.last().map_or(0, |x| x.t),
        figures,
        windows: figures::runs(r).into_iter().map(Window::from).collect(),
        served: served(r),
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.3} s", ms as f64 / 1000.0)
}

fn latency(v: Option<u64>) -> String {
    v.map_or("failed".into(), |v| v.to_string())
}

/// The report for people.
pub fn text(rep: &Report) -> String {
    let f = &rep.figures;
    let mut s = format!(
        "vipcheck watch: {}, {} a second for {}{}\n",
        rep.target,
        rep.rate,
        seconds(rep.span_of_stream_ms),
        if rep.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    );
    let header = [
        "SENT",
        "FAILED",
        "LATE",
        "RETRIED",
        "NO SERVICE ms",
        "SPAN ms",
        "P50 ms",
        "P99 ms",
    ];
    let row = vec![
        f.sent.to_string(),
        f.failed.to_string(),
        f.late.to_string(),
        f.retried.to_string(),
        f.no_service_ms.to_string(),
        f.span_ms.to_string(),
        latency(f.p50_ms),
        latency(f.p99_ms),
    ];
    s.push_str(&clikit::table(&header, vec![row]));
    let _ = writeln!(
        s,
        "A request is OK only with the right answer within {} ms of its send.",
        figures::BUDGET_MS
    );
    if !rep.windows.is_empty() {
        s.push_str("Without service (the first bad request's send to the next prompt answer):\n");
        for w in &rep.windows {
            let _ = writeln!(
                s,
                "  {} to {} ({} ms)",
                seconds(w.from),
                seconds(w.to),
                w.to - w.from
            );
        }
    }
    for b in &f.bad {
        let _ = writeln!(s, "  {b}");
    }
    s.push_str("Served by:\n");
    for sv in &rep.served {
        let _ = writeln!(
            s,
            "  {} from {} to {} ({} answers)",
            sv.by,
            seconds(sv.from),
            seconds(sv.to),
            sv.answers
        );
    }
    s
}

/// The one-line status while the watch runs, from the results so far.
#[derive(Debug, Default)]
pub struct Progress {
    /// Answered in time.
    pub ok: u64,
    /// Answered late.
    pub late: u64,
    /// Failed.
    pub failed: u64,
    /// The master of the latest answer.
    pub by: String,
}

impl Progress {
    /// Counts one result.
    pub fn add(&mut self, r: &Result_) {
        match figures::class(r) {
            figures::Class::Ok => self.ok += 1,
            figures::Class::Late => self.late += 1,
            figures::Class::Failed => self.failed += 1,
        }
        if !r.served_by.is_empty() {
            self.by.clone_from(&r.served_by);
        }
    }

    /// The status line after `secs` seconds.
    pub fn line(&self, secs: f64) -> String {
        format!(
            "vipcheck watch: {secs:.0} s: {} answered, {} late, {} failed; served by {}",
            self.ok,
            self.late,
            self.failed,
            if self.by.is_empty() { "-" } else { &self.by }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(t: u64, latency: u64, ok: bool, by: &str) -> Result_ {
        Result_ {
            t,
            host: "a.example".into(),
            ok,
            status: if ok { 200 } else { 0 },
            served_by: by.into(),
            error: String::new(),
            retried: false,
            latency_ms: latency,
            worker: String::new(),
        }
    }

    #[test]
    fn durations_are_bounded() {
        assert_eq!(parse_span("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_span("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_span("24h"), Ok(MAX_SPAN));
        for bad in [
            "0s",
            "25h",
            "10",
            "1d",
            "m",
            "",
            "-1s",
            "99999999999999999999h",
        ] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_report_names_the_windows_and_who_served() {
        // deadlock serves, the VIP moves (2 failed, 1 late), autocrat serves.
        let r = vec![
            req(0, 4, true, "deadlock"),
            req(50, 4, true, "deadlock"),
            req(100, 3000, false, ""),
            req(150, 3000, false, ""),
            req(200, 1200, true, "autocrat"),
            req(250, 5, true, "autocrat"),
        ];
        let rep = report("192.0.2.100:443".into(), 20, &r, false);
        assert_eq!(rep.figures.sent, 6);
        assert_eq!((rep.figures.failed, rep.figures.late), (2, 1));
        assert_eq!(rep.windows, [Window { from: 100, to: 255 }]);
        assert_eq!(rep.figures.no_service_ms, 155);
        assert!(rep.figures.timeline.is_empty());
        assert_eq!(
            rep.served,
            [
                Served {
                    by: "deadlock".into(),
                    from: 0,
                    to: 50,
                    answers: 2
                },
                Served {
                    by: "autocrat".into(),
                    from: 200,
                    to: 250,
                    answers: 2
                }
            ]
        );
        let t = text(&rep);
        assert!(t.contains("0.100 s to 0.255 s (155 ms)"), "{t}");
        assert!(
            t.contains("autocrat from 0.200 s to 0.250 s (2 answers)"),
            "{t}"
        );
        let mut p = Progress::default();
        r.iter().for_each(|x| p.add(x));
        assert_eq!(
            p.line(0.3),
            "vipcheck watch: 0 s: 3 answered, 1 late, 2 failed; served by autocrat"
        );
    }
}
