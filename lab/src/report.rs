//! The report: a text table and JSON of every drill's figures, and per
//! drill a timeline picture (SVG: requests per 100 ms, OK and failed, the
//! fault and the recovery marked) that a browser opens.

use crate::drill::Figures;
use crate::figures;
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// One drill over every recorded run: medians, and the range when it ran
/// more than once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The drill.
    pub drill: String,
    /// How many runs, and how many of them passed.
    pub runs: usize,
    /// Runs that passed.
    pub passed: usize,
    /// HTTP requests sent.
    pub sent: Spread,
    /// HTTP requests failed.
    pub failed: Spread,
    /// HTTP requests answered after the latency budget.
    pub late: Spread,
    /// HTTP requests sent again after a reset connection.
    pub retried: Spread,
    /// The longest time without service, ms.
    pub no_service_ms: Spread,
    /// The median latency in the fault window, ms ([`FAILED`]: failed).
    pub p50_ms: Spread,
    /// The 99th percentile latency in the fault window, ms ([`FAILED`]:
    /// failed).
    pub p99_ms: Spread,
    /// From the fault until the VIP settled, ms.
    pub recovery_ms: Spread,
    /// etcd writes that failed.
    pub etcd_failed: Spread,
    /// The drill's wall time, ms.
    pub duration_ms: Spread,
    /// Verdicts that matched the truth, over all runs, and how many there were.
    pub checks_right: usize,
    /// Every verdict taken.
    pub checks: usize,
    /// The bound on the time without service, ms (0: none may fail or be
    /// late).
    pub bound_ms: u64,
    /// API requests failed.
    pub api_failed: Spread,
    /// API requests answered after the latency budget.
    pub api_late: Spread,
    /// API requests sent again after a reset connection.
    pub api_retried: Spread,
    /// From the first bad API request to service back after the last, ms.
    pub api_span_ms: Spread,
    /// The bound on it, ms (0: none may fail; none: unbounded).
    pub api_bound_ms: Option<u64>,
    /// The VIP's moves from the fault on.
    pub vip_moves: Spread,
}

/// A latency that is a failure, in a [`Spread`] of latencies.
pub const FAILED: u64 = u64::MAX;

/// The median of a figure over runs, with its least and greatest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// The median (of an even count, the lower middle: a figure that was
    /// measured, not an average of two).
    pub median: u64,
    /// The least.
    pub min: u64,
    /// The greatest.
    pub max: u64,
}

impl Spread {
    fn of(mut values: Vec<u64>) -> Spread {
        values.sort_unstable();
        Spread {
            median: values[(values.len() - 1) / 2],
            min: values[0],
            max: values[values.len() - 1],
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = |x: u64| {
            if x == FAILED {
                "failed".to_owned()
            } else {
                x.to_string()
            }
        };
        if self.min == self.max {
            write!(f, "{}", v(self.median))
        } else {
            write!(f, "{} ({}-{})", v(self.median), v(self.min), v(self.max))
        }
    }
}

/// A stream of a run, empty when the run measured none.
fn stream(s: &Option<figures::Stream>) -> std::borrow::Cow<'_, figures::Stream> {
    s.as_ref().map_or_else(
        || std::borrow::Cow::Owned(figures::Stream::default()),
        std::borrow::Cow::Borrowed,
    )
}

/// Every drill's runs summed up, in the order the drills first ran.
pub fn summarize(all: &[Figures]) -> Vec<Summary> {
    let mut names: Vec<&str> = Vec::new();
    for f in all {
        if !names.contains(&f.drill.as_str()) {
            names.push(&f.drill);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let runs: Vec<&Figures> = all.iter().filter(|f| f.drill == name).collect();
            let spread =
                |get: fn(&Figures) -> u64| Spread::of(runs.iter().map(|f| get(f)).collect());
            Summary {
                drill: name.to_owned(),
                runs: runs.len(),
                passed: runs.iter().filter(|f| f.passed).count(),
                sent: spread(|f| stream(&f.http).sent as u64),
                failed: spread(|f| stream(&f.http).failed as u64),
                late: spread(|f| stream(&f.http).late as u64),
                retried: spread(|f| stream(&f.http).retried as u64),
                no_service_ms: spread(|f| stream(&f.http).no_service_ms),
                p50_ms: spread(|f| stream(&f.http).p50_ms.unwrap_or(FAILED)),
                p99_ms: spread(|f| stream(&f.http).p99_ms.unwrap_or(FAILED)),
                recovery_ms: spread(|f| f.recovery_ms),
                etcd_failed: spread(|f| f.etcd_failed as u64),
                duration_ms: spread(|f| f.duration_ms),
                checks_right: runs
                    .iter()
                    .flat_map(|f| &f.observations)
                    .filter(|o| o.expected == o.got)
                    .count(),
                checks: runs.iter().map(|f| f.observations.len()).sum(),
                bound_ms: runs.iter().map(|f| f.bound_ms).max().unwrap_or(0),
                api_failed: spread(|f| stream(&f.api).failed as u64),
                api_late: spread(|f| stream(&f.api).late as u64),
                api_retried: spread(|f| stream(&f.api).retried as u64),
                api_span_ms: spread(|f| stream(&f.api).span_ms),
                api_bound_ms: runs
                    .iter()
                    .map(|f| f.api_bound_ms)
                    .max()
                    .filter(|b| *b != u64::MAX),
                vip_moves: spread(|f| f.vip_moves as u64),
            }
        })
        .collect()
}

/// The table for people: one row per drill, medians (and the range) over
/// its runs; then every verdict that did not match the truth.
pub fn text(all: &[Figures]) -> String {
    let header = [
        "DRILL",
        "RUNS",
        "SENT",
        "FAILED",
        "LATE",
        "RETRIED",
        "NO SERVICE ms",
        "BOUND ms",
        "P50 ms",
        "P99 ms",
        "API FAILED",
        "API LATE",
        "API RETRIED",
        "API SPAN ms",
        "API BOUND ms",
        "RECOVERY ms",
        "VIP MOVES",
        "ETCD FAIL",
        "CHECKS",
        "SECONDS",
        "VERDICT",
    ];
    let mut rows = Vec::new();
    for s in summarize(all) {
        rows.push(vec![
            s.drill.clone(),
            s.runs.to_string(),
            s.sent.to_string(),
            s.failed.to_string(),
            s.late.to_string(),
            s.retried.to_string(),
            s.no_service_ms.to_string(),
            s.bound_ms.to_string(),
            s.p50_ms.to_string(),
            s.p99_ms.to_string(),
            s.api_failed.to_string(),
            s.api_late.to_string(),
            s.api_retried.to_string(),
            s.api_span_ms.to_string(),
            s.api_bound_ms.map_or("-".into(), |b| b.to_string()),
            s.recovery_ms.to_string(),
            s.vip_moves.to_string(),
            s.etcd_failed.to_string(),
            format!("{}/{}", s.checks_right, s.checks),
            format!("{:.0}", s.duration_ms.median as f64 / 1000.0),
            if s.passed == s.runs {
                "pass".to_owned()
            } else {
                format!("FAIL {}/{}", s.runs - s.passed, s.runs)
            },
        ]);
    }
    let mut out = clikit::table(&header, rows);
    for f in all {
        if let Some(e) = &f.etcd {
            let snapshot = e.snapshot_revision.map_or(String::new(), |r| {
                format!(
                    ", snapshot at revision {r}, {} acknowledged after it",
                    e.acked_after_snapshot
                )
            });
            let _ = writeln!(
                out,
                "{}: etcd writes stopped for {} ms (bound {}); {} acknowledged{snapshot}; {} lost ({} allowed)",
                f.drill, e.outage_ms, e.outage_bound_ms, e.acked, e.lost, e.lost_allowed
            );
        }
    }
    for f in all {
        if let Some(e) = &f.error {
            let _ = writeln!(out, "{}: stopped: {e}", f.drill);
        }
        for o in f.observations.iter().filter(|o| o.expected != o.got) {
            let _ = writeln!(
                out,
                "{}: {} {}: expected exit {}, got {}: {}",
                f.drill, o.when, o.check, o.expected, o.got, o.said
            );
        }
    }
    out
}

/// The figures recorded in `dir` (its report.json), none when there is no
/// report yet.
pub fn load(dir: &Path) -> Result<Vec<Figures>, String> {
    let path = dir.join("report.json");
    // Bounded, as every input (clikit's limit): a wrong --out is an error.
    match clikit::read_text(&path.to_string_lossy()) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| format!("{}: {e}; remove it to start a new report", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes report.json (every run), report.txt (the table) and one SVG per
/// drill (its last run) to `dir`: all of them new, or the old ones.
pub fn write(dir: &Path, all: &[Figures]) -> Result<String, String> {
    let json = serde_json::to_string_pretty(all).map_err(|e| e.to_string())?;
    let text = text(all);
    let mut files = vec![
        ("report.json".to_owned(), json + "\n"),
        ("report.txt".to_owned(), text.clone()),
    ];
    for s in summarize(all) {
        if let Some(last) = all.iter().rev().find(|f| f.drill == s.drill) {
            files.push((format!("{}.svg", s.drill), svg(last)));
        }
    }
    clikit::files::put_report(dir, files)?;
    Ok(text)
}

/// The drill's timeline (its HTTP stream, the API stream as a strip), the
/// fault (red) and the recovery (green) marked.
pub fn svg(f: &Figures) -> String {
    let marks = [
        (f.fault_at_ms, "red"),
        (f.fault_at_ms + f.recovery_ms, "green"),
    ];
    figures::svg(&f.drill, &stream(&f.http), Some(&stream(&f.api)), &marks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Class;

    /// A stream every `step` ms of `n` requests, prompt except those that
    /// `bad` names as late or failed.
    fn stream_of(n: u64, step: u64, bad: impl Fn(u64) -> Option<Class>) -> figures::Stream {
        let r: Vec<crate::client::Result_> = (0..n)
            .map(|i| {
                let class = bad(i).unwrap_or(Class::Ok);
                crate::client::Result_ {
                    t: i * step,
                    host: "a.lab.example".into(),
                    ok: class != Class::Failed,
                    status: if class == Class::Failed { 0 } else { 200 },
                    served_by: String::new(),
                    error: String::new(),
                    retried: false,
                    latency_ms: if class == Class::Late { 1100 } else { 4 },
                    worker: String::new(),
                }
            })
            .collect();
        figures::Stream::of(&r, figures::fault_window(600))
    }

    fn figures() -> Figures {
        Figures {
            drill: "power-loss".into(),
            // 2 s at 50 a second: 2 late, then 18 failed.
            http: Some(stream_of(100, 20, |i| match i {
                30..32 => Some(Class::Late),
                32..50 => Some(Class::Failed),
                _ => None,
            })),
            // 2 s at 20 a second: 8 failed.
            api: Some(stream_of(40, 50, |i| {
                (12..20).contains(&i).then_some(Class::Failed)
            })),
            recovery_ms: 400,
            etcd_writes: 10,
            etcd_failed: 0,
            bound_ms: 4500,
            recovery_bound_ms: 4500,
            observations: Vec::new(),
            fault_at_ms: 600,
            passed: true,
            duration_ms: 21_000,
            error: None,
            api_bound_ms: 4500,
            vip_moves: 1,
            vip_moves_bound: None,
            etcd: None,
        }
    }

    #[test]
    fn the_timeline_marks_requests_fault_recovery_and_seconds() {
        let svg = svg(&figures());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        // 2 s of requests at 5 per 100 ms: 20 slots; the 7th has 2 late
        // and 3 failed, the next 3 only failed ones.
        assert_eq!(svg.matches("fill=\"#c33\"").count(), 4, "{svg}");
        assert_eq!(svg.matches("fill=\"#ec3\"").count(), 1, "{svg}");
        assert!(
            svg.contains("y=\"110\" width=\"5\" height=\"24\" fill=\"#ec3\"")
                && svg.contains("y=\"134\" width=\"5\" height=\"36\" fill=\"#c33\""),
            "{svg}"
        );
        assert_eq!(svg.matches("fill=\"#4a8\"").count(), 16, "{svg}");
        // 2 s of API requests at 2 per 100 ms: 20 slots, 4 with a failure.
        assert_eq!(svg.matches("fill=\"#e80\"").count(), 4, "{svg}");
        assert_eq!(svg.matches("fill=\"#8c8\"").count(), 16, "{svg}");
        assert!(
            svg.contains(">1 s</text>")
                && svg.contains("stroke=\"red\"")
                && svg.contains("stroke=\"green\"")
        );
        if let Ok(path) = std::env::var("LAB_SVG_SAMPLE") {
            std::fs::write(path, &svg).unwrap();
        }
        let text = text(&[figures()]);
        assert!(
            text.contains("power-loss") && text.contains("pass"),
            "{text}"
        );
    }

    #[test]
    fn runs_are_summed_up_as_medians_with_their_range() {
        let run = |failed: usize, no_service_ms: u64, passed: bool| Figures {
            http: Some(figures::Stream {
                failed,
                no_service_ms,
                ..stream(&figures().http).into_owned()
            }),
            passed,
            ..figures()
        };
        let runs: Vec<Figures> = vec![
            run(20, 380, true),
            run(40, 900, false),
            run(30, 500, true),
            Figures {
                drill: "maintenance".into(),
                http: Some(stream_of(100, 20, |_| None)),
                ..figures()
            },
        ];
        let s = summarize(&runs);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].runs, s[0].passed), (3, 2));
        assert_eq!(
            s[0].failed,
            Spread {
                median: 30,
                min: 20,
                max: 40
            }
        );
        assert_eq!(s[0].no_service_ms.median, 500);
        assert_eq!(s[0].late.to_string(), "2");
        // In the fault window (from 600 ms), 2 of 70 late and 18 failed:
        // the median is prompt, the 99th percentile a failure.
        assert_eq!(s[0].p50_ms.to_string(), "4");
        assert_eq!(s[0].p99_ms.to_string(), "failed");
        assert_eq!(s[1].failed.to_string(), "0");
        // An even count takes the lower middle, a figure that was measured.
        assert_eq!(Spread::of(vec![4, 1, 3, 2]).median, 2);
        let text = text(&runs);
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.starts_with("power-loss")
                && row.contains("30 (20-40)")
                && row.ends_with("FAIL 1/3"),
            "{text}"
        );
        assert!(text.lines().nth(2).unwrap().ends_with("pass"), "{text}");
    }
}
