//! How every check speaks: one Nagios plugin line with perfdata (and the
//! details below it), the same as JSON, or as Prometheus text for
//! node_exporter's textfile collector.

use clikit::State;
use serde::Serialize;

/// The output formats of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The Nagios plugin line (`VIPCHECK LOCAL OK - ... | perfdata`), then
    /// one line per detail.
    #[default]
    Text,
    /// One JSON object: check, state, summary, perfdata, details.
    Json,
    /// Prometheus text exposition, for node_exporter's textfile collector.
    Prometheus,
}

/// One perfdata item: `'label'=value[uom];warn;crit;min;max`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Perf {
    /// The label.
    pub label: String,
    /// The value.
    pub value: f64,
    /// Its unit (`s`, `ms`, or empty).
    pub uom: &'static str,
}

impl Perf {
    /// A unitless value.
    pub fn count(label: &str, value: f64) -> Perf {
        Perf {
            label: label.to_owned(),
            value,
            uom: "",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The check's name (`local`, `lint`, ...).
    pub check: &'static str,
    /// The plugin state.
    pub state: State,
    /// The one-line summary.
    pub summary: String,
    /// Numbers for graphs.
    pub perfdata: Vec<Perf>,
    /// One line each, after the summary.
    pub details: Vec<String>,
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.3}")
    }
}

impl Report {
    /// Renders the report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => {
                let mut s = format!(
                    "VIPCHECK {} {} - {}",
                    self.check.to_uppercase(),
                    self.state,
                    self.summary
                );
                if !self.perfdata.is_empty() {
                    s.push_str(" |");
                    for p in &self.perfdata {
                        s.push_str(&format!(" '{}'={}{}", p.label, number(p.value), p.uom));
                    }
                }
                s.push('\n');
                for d in &self.details {
                    s.push_str(d);
                    s.push('\n');
                }
                s
            }
            Format::Json => clikit::json(self),
            Format::Prometheus => {
                let mut s = String::new();
                s.push_str("# HELP vipcheck_state Nagios state of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n");
                s.push_str("# TYPE vipcheck_state gauge\n");
                s.push_str(&format!(
                    "vipcheck_state{{check=\"{}\"}} {}\n",
                    self.check,
                    self.state.exit_code()
                ));
                for p in &self.perfdata {
                    let name: String = p
                        .label
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    let unit = match p.uom {
                        "s" => "_seconds",
                        "ms" => "_milliseconds",
                        _ => "",
                    };
                    s.push_str(&format!(
                        "# TYPE vipcheck_{}_{name}{unit} gauge\nvipcheck_{}_{name}{unit} {}\n",
                        self.check,
                        self.check,
                        number(p.value)
                    ));
                }
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nagios_json_and_prometheus() {
        let r = Report {
            check: "local",
            state: State::Critical,
            summary: "VIP 192.0.2.100 held while keepalived is dead (orphan)".into(),
            perfdata: vec![
                Perf::count("holds_vip", 1.0),
                Perf {
                    label: "haproxy_latency".into(),
                    value: 0.0021,
                    uom: "s",
                },
            ],
            details: vec!["keepalived: not running".into()],
        };
        assert_eq!(
            r.render(Format::Text),
            "VIPCHECK LOCAL CRITICAL - VIP 192.0.2.100 held while keepalived is dead (orphan) | 'holds_vip'=1 'haproxy_latency'=0.002s\nkeepalived: not running\n"
        );
        let j: serde_json::Value = serde_json::from_str(&r.render(Format::Json)).unwrap();
        assert_eq!(j["state"], "CRITICAL");
        let p = r.render(Format::Prometheus);
        assert!(p.contains("vipcheck_state{check=\"local\"} 2\n"), "{p}");
        assert!(
            p.contains("vipcheck_local_haproxy_latency_seconds 0.002\n"),
            "{p}"
        );
    }
}
