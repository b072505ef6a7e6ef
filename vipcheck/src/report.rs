//! How every check speaks: clikit's status line with perfdata (and the
//! details below it), the same as JSON, or Prometheus text for
//! node_exporter's textfile collector.

use clikit::{CheckFormat, Perf, State, Status};
use serde::Serialize;

/// The result of one check: its status, and one line per detail after
/// the status line. JSON: `{check, state, summary, perfdata, details}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The verdict and its numbers.
    #[serde(flatten)]
    pub status: Status,
    /// One line each, after the status line.
    pub details: Vec<String>,
}

impl Report {
    /// The report of `check` (`local`, `lint`, ...).
    pub fn new(check: &str, state: State, summary: String, perfdata: Vec<Perf>) -> Report {
        let mut status = crate::TOOL.status(check, state, summary);
        status.perfdata = perfdata;
        Report {
            status,
            details: Vec::new(),
        }
    }

    /// The same report with these details.
    pub fn details(mut self, details: Vec<String>) -> Report {
        self.details = details;
        self
    }

    /// The state.
    pub fn state(&self) -> State {
        self.status.state
    }

    /// Renders the report in `format`.
    pub fn render(&self, format: CheckFormat) -> String {
        format.check(&self.status, self, || {
            self.details.iter().map(|d| format!("{d}\n")).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nagios_json_and_prometheus() {
        let r = Report::new(
            "local",
            State::Critical,
            "VIP 192.0.2.100 held while keepalived is dead (orphan)".into(),
            vec![
                Perf::count("holds_vip", 1.0),
                Perf::seconds("haproxy_time", 0.0021),
            ],
        )
        .details(vec!["keepalived: not running".into()]);
        assert_eq!(
            r.render(CheckFormat::Text),
            "VIPCHECK LOCAL CRITICAL - VIP 192.0.2.100 held while keepalived is dead (orphan) | 'holds_vip'=1;;;0 'haproxy_time'=0.0021s;;;0\nkeepalived: not running\n"
        );
        let j: serde_json::Value = serde_json::from_str(&r.render(CheckFormat::Json)).unwrap();
        assert_eq!(
            (j["check"].as_str(), j["state"].as_str()),
            (Some("local"), Some("CRITICAL"))
        );
        assert_eq!(j["perfdata"][0]["label"], "holds_vip");
        assert_eq!(j["details"][0], "keepalived: not running");
        let p = r.render(CheckFormat::Prometheus);
        assert!(p.contains("vipcheck_state{check=\"local\"} 2\n"), "{p}");
        assert!(
            p.contains("vipcheck_haproxy_time_seconds{check=\"local\"} 0.0021\n"),
            "{p}"
        );
    }
}
