//! The report: a text table and JSON of every drill's figures, and per
//! drill a timeline picture (SVG: requests per 100 ms, OK and failed, the
//! fault and the recovery marked) that a browser opens.

use crate::drill::Figures;
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
    /// Requests sent.
    pub sent: Spread,
    /// Requests failed.
    pub failed: Spread,
    /// Requests that succeeded on their one retry.
    pub retried: Spread,
    /// The longest window of failures, ms.
    pub longest_failure_ms: Spread,
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
    /// The bound on the failure window, ms (0: none may fail).
    pub bound_ms: u64,
    /// API requests failed.
    pub api_failed: Spread,
    /// API requests that succeeded on their one retry (or a resent SYN).
    pub api_retried: Spread,
    /// From the first failed API request to the last, ms.
    pub api_failure_span_ms: Spread,
    /// The bound on it, ms (0: none may fail; none: unbounded).
    pub api_bound_ms: Option<u64>,
    /// The VIP's moves from the fault on.
    pub vip_moves: Spread,
}

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
        if self.min == self.max {
            write!(f, "{}", self.median)
        } else {
            write!(f, "{} ({}-{})", self.median, self.min, self.max)
        }
    }
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
                sent: spread(|f| f.sent as u64),
                failed: spread(|f| f.failed as u64),
                retried: spread(|f| f.retried as u64),
                longest_failure_ms: spread(|f| f.longest_failure_ms),
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
                api_failed: spread(|f| f.api_failed as u64),
                api_retried: spread(|f| f.api_retried as u64),
                api_failure_span_ms: spread(|f| f.api_failure_span_ms),
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
        "RETRIED",
        "WINDOW ms",
        "BOUND ms",
        "API FAILED",
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
            s.retried.to_string(),
            s.longest_failure_ms.to_string(),
            s.bound_ms.to_string(),
            s.api_failed.to_string(),
            s.api_retried.to_string(),
            s.api_failure_span_ms.to_string(),
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
/// drill (its last run) to `dir`; each file whole or not at all.
pub fn write(dir: &Path, all: &[Figures]) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let put = |name: &str, body: &str| {
        let path = dir.join(name);
        let staged = dir.join(format!(".{name}.tmp"));
        std::fs::write(&staged, body)
            .and_then(|()| std::fs::rename(&staged, &path))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let json = serde_json::to_string_pretty(all).map_err(|e| e.to_string())?;
    put("report.json", &(json + "\n"))?;
    let text = text(all);
    put("report.txt", &text)?;
    for s in summarize(all) {
        if let Some(last) = all.iter().rev().find(|f| f.drill == s.drill) {
            put(&format!("{}.svg", s.drill), &svg(last))?;
        }
    }
    Ok(text)
}

/// Requests per 100 ms, OK above the axis and failed below, with the
/// fault (red) and the recovery (green) as lines; above them a strip for
/// the API stream, one mark per 100 ms: green when every API request sent
/// then succeeded, orange when one failed.
pub fn svg(f: &Figures) -> String {
    let end = f.timeline.last().map_or(0, |t| t.0) / 100 + 1;
    let mut ok = vec![0u32; end as usize + 1];
    let mut bad = vec![0u32; end as usize + 1];
    for (t, good) in &f.timeline {
        let slot = (*t / 100) as usize;
        if *good {
            ok[slot] += 1;
        } else {
            bad[slot] += 1;
        }
    }
    let (w, h, mid) = ((end * 6 + 60).max(640), 220, 110);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"4\" y=\"14\">{}: requests per 100 ms (OK up, failed down); fault red, VIP moved green; API strip: OK green, failed orange</text>\n<line x1=\"40\" y1=\"{mid}\" x2=\"{w}\" y2=\"{mid}\" stroke=\"black\"/>\n<text x=\"4\" y=\"30\">API</text>\n",
        f.drill
    );
    api_strip(&mut s, &f.api_timeline);
    for (i, (g, b)) in ok.iter().zip(&bad).enumerate() {
        let x = 40 + i * 6;
        if *g > 0 {
            let _ = writeln!(
                s,
                "<rect x=\"{x}\" y=\"{}\" width=\"5\" height=\"{}\" fill=\"#4a8\"/>",
                mid - g * 12,
                g * 12
            );
        }
        if *b > 0 {
            let _ = writeln!(
                s,
                "<rect x=\"{x}\" y=\"{mid}\" width=\"5\" height=\"{}\" fill=\"#c33\"/>",
                b * 12
            );
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
    for (at, colour) in [
        (f.fault_at_ms, "red"),
        (f.fault_at_ms + f.recovery_ms, "green"),
    ] {
        let x = 40 + at / 100 * 6;
        let _ = writeln!(
            s,
            "<line x1=\"{x}\" y1=\"20\" x2=\"{x}\" y2=\"{h}\" stroke=\"{colour}\"/>"
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The API stream's strip: per 100 ms, orange if a request failed, else
/// green.
fn api_strip(s: &mut String, timeline: &[(u64, bool)]) {
    let mut slots: std::collections::BTreeMap<u64, bool> = std::collections::BTreeMap::new();
    for (t, ok) in timeline {
        let all_ok = slots.entry(t / 100).or_insert(true);
        *all_ok &= *ok;
    }
    for (slot, ok) in slots {
        let colour = if ok { "#8c8" } else { "#e80" };
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

    fn figures() -> Figures {
        Figures {
            drill: "power-loss".into(),
            sent: 100,
            failed: 20,
            retried: 0,
            longest_failure_ms: 380,
            recovery_ms: 400,
            etcd_writes: 10,
            etcd_failed: 0,
            bound_ms: 4500,
            recovery_bound_ms: 4500,
            observations: Vec::new(),
            timeline: (0..100).map(|i| (i * 20, !(30..50).contains(&i))).collect(),
            fault_at_ms: 600,
            passed: true,
            duration_ms: 21_000,
            error: None,
            failures: vec!["600 ms a.lab.example: status 0 connect: timed out".into()],
            api_sent: 40,
            api_failed: 8,
            api_retried: 0,
            api_failure_span_ms: 350,
            api_bound_ms: 4500,
            api_timeline: (0..40).map(|i| (i * 50, !(12..20).contains(&i))).collect(),
            api_failures: Vec::new(),
            vip_moves: 1,
            vip_moves_bound: None,
            etcd: None,
        }
    }

    #[test]
    fn the_timeline_marks_requests_fault_recovery_and_seconds() {
        let svg = svg(&figures());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        // 2 s of requests at 5 per 100 ms: 20 slots, 4 of them failed.
        assert_eq!(svg.matches("fill=\"#c33\"").count(), 4, "{svg}");
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
        let runs: Vec<Figures> = [(20, 380, true), (40, 900, false), (30, 500, true)]
            .into_iter()
            .map(|(failed, window, passed)| Figures {
                failed,
                longest_failure_ms: window,
                passed,
                ..figures()
            })
            .chain(std::iter::once(Figures {
                drill: "maintenance".into(),
                failed: 0,
                ..figures()
            }))
            .collect();
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
        assert_eq!(s[0].longest_failure_ms.median, 500);
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
