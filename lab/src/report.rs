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
    let (w, h, mid) = ((end * 6 + 60).max(640), 220, 110);
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
        }
    }

    #[test]
    fn the_timeline_marks_requests_fault_recovery_and_seconds() {
        let svg = svg(&figures());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        // 2 s of requests at 5 per 100 ms: 20 slots, 4 of them failed.
        assert_eq!(svg.matches("fill=\"#c33\"").count(), 4, "{svg}");
        assert_eq!(svg.matches("fill=\"#4a8\"").count(), 16, "{svg}");
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
}
