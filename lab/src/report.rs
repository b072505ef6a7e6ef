//! The report: a text table and JSON of every drill's figures, and per
//! drill a timeline picture (SVG: requests per 100 ms, OK and failed, the
//! fault and the recovery marked) that a browser opens.

use crate::drill::Figures;
use std::fmt::Write;

/// The table for people.
pub fn text(all: &[Figures]) -> String {
    let mut out = format!(
        "{:<16} {:>6} {:>6} {:>8} {:>12} {:>12} {:>10} {:>10} {:>8} {}\n",
        "DRILL",
        "SENT",
        "FAILED",
        "RETRIED",
        "WINDOW ms",
        "RECOVERY ms",
        "BOUND ms",
        "ETCD FAIL",
        "CHECKS",
        "VERDICT"
    );
    for f in all {
        let right = f
            .observations
            .iter()
            .filter(|o| o.expected == o.got)
            .count();
        let _ = writeln!(
            out,
            "{:<16} {:>6} {:>6} {:>8} {:>12} {:>12} {:>10} {:>10} {:>8} {}",
            f.drill,
            f.sent,
            f.failed,
            f.retried,
            f.longest_failure_ms,
            f.recovery_ms,
            f.bound_ms,
            format!("{}/{}", f.etcd_failed, f.etcd_writes),
            format!("{right}/{}", f.observations.len()),
            if f.passed { "pass" } else { "FAIL" }
        );
    }
    for f in all {
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

/// Requests per 100 ms, OK above the axis and failed below, with the
/// fault (red) and the recovery (green) as lines.
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
    let (w, h, mid) = (end * 6 + 60, 220, 110);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"4\" y=\"14\">{}: requests per 100 ms (OK up, failed down); fault red, VIP moved green</text>\n<line x1=\"40\" y1=\"{mid}\" x2=\"{w}\" y2=\"{mid}\" stroke=\"black\"/>\n",
        f.drill
    );
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
