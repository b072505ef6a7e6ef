//! The whole design under failure, as CI runs it: `lab all` brings the lab
//! up from examples/lab/cluster.yaml with the tools just built, runs every
//! drill, writes the report, and takes the lab down. The bounds are
//! asserted here from the report, and nothing of the lab may be left.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/api.rs"]
mod api;

/// How long a watch stays silent in the idle-watch test: longer than any
/// timeout HAProxy has by default (30 s), well past the idle timeouts of
/// common middleboxes.
const IDLE: Duration = Duration::from_secs(300);

/// A watch (kubectl through HAProxy on the VIP) that sees no event for five
/// minutes is not cut: the API frontend's timeouts and TCP keepalives keep
/// it, and it ends when the API server ends it. It runs beside the drills
/// (it idles; they measure), in a namespace of its own.
#[test]
fn a_watch_through_the_vip_survives_five_minutes_idle() {
    let b = api::Bench::start("apiwatch");
    let started = Instant::now();
    let path = format!("/api/v1/pods?watch=1&timeoutSeconds={}", IDLE.as_secs());
    let (code, _, err) = b.kubectl(&["get", "--raw", &path, "--request-timeout", "0"]);
    let took = started.elapsed();
    assert_eq!(code, 0, "the watch was cut after {took:?}: {err}");
    assert!(
        took >= IDLE,
        "the watch ended after {took:?}, before its {IDLE:?}"
    );
}

#[test]
fn every_drill_holds_its_bounds_and_every_check_tells_the_truth() {
    let tools = testkit::built_tools();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tempfile_dir();
    let run = Command::new(tools.join("lab"))
        .current_dir(&root)
        .env("LAB_TOOLS", &tools)
        .args(["all", "--out"])
        .arg(&out)
        .output()
        .expect("the lab binary runs");
    let text = testkit::text(&run);
    // Nothing of the lab is left, whatever happened.
    let left = testkit::tool("ip", &["netns", "list"]);
    assert!(
        !String::from_utf8_lossy(&left.stdout).contains("ocflab-"),
        "namespaces left behind"
    );
    assert!(run.status.success(), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let drills = report.as_array().unwrap();
    assert_eq!(drills.len(), lab::drill::DRILLS.len(), "{text}");
    for d in drills {
        let name = d["drill"].as_str().unwrap();
        let figure = |k: &str| d[k].as_u64().unwrap();
        assert!(figure("sent") >= 600, "{name}: {text}");
        // A bound of 0: no request may fail; else the window of failures.
        if figure("bound_ms") == 0 {
            assert_eq!(figure("failed"), 0, "{name}: {text}");
        } else {
            let window = figure("longest_failure_ms");
            assert!(window <= figure("bound_ms"), "{name}: {text}");
        }
        let recovery = figure("recovery_ms");
        assert!(recovery <= figure("recovery_bound_ms"), "{name}: {text}");
        let observations = d["observations"].as_array().unwrap();
        for o in observations {
            assert_eq!(o["expected"], o["got"], "{name}: {o}");
        }
        // The client's probe was judged in every drill; when HAProxy dies on
        // the holder it must have said CRITICAL before the VIP moved.
        let probes: Vec<i64> = observations
            .iter()
            .filter(|o| o["check"] == "vipcheck probe from the client")
            .map(|o| o["got"].as_i64().unwrap())
            .collect();
        assert!(!probes.is_empty(), "{name}: the probe was never judged");
        if name == "haproxy-death" {
            assert!(probes.contains(&2), "{name}: {probes:?}");
        }
        let svg = std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("fill=\"#4a8\""),
            "{name}"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("lab-report-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
