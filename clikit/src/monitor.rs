//! How every monitoring check speaks, written once: the Nagios plugin
//! state, the status line with its performance data (in the Monitoring
//! Plugins syntax), and the Prometheus text that node_exporter's textfile
//! collector reads.
//!
//! - A status line is `SERVICE STATE - summary | 'label'=value[uom];warn;crit;min;max ...`.
//!   A value is a number or `U` (unknown), never empty; thresholds are
//!   ranges in the plugin syntax (`30:` alerts below 30, `~:5` above 5);
//!   every label is quoted the same way.
//! - Prometheus metrics are `<tool>_state{check="..."}` (0-3) and one
//!   `<tool>_<metric>` per performance item, with the check and any target
//!   (a master, a file) as labels, never inside the metric name: a master
//!   named `vip` is a label value like any other.

use serde::{Serialize, Serializer};
use std::fmt::Write as _;

/// A Nagios plugin state. Ordered by how much it matters when states are
/// combined: OK < WARNING < UNKNOWN < CRITICAL (a CRITICAL finding is not
/// hidden by an input that could not be read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// All is well.
    Ok,
    /// Act soon.
    Warning,
    /// The check could not decide (bad input, or any error).
    Unknown,
    /// Broken now, or about to be.
    Critical,
}

impl State {
    /// The plugin exit status: 0, 1, 2 or 3.
    pub fn exit_code(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    /// `OK`, `WARNING`, `UNKNOWN` or `CRITICAL`.
    pub fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Unknown => "UNKNOWN",
            State::Critical => "CRITICAL",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A threshold: when a value is outside what is fine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Alert when the value is below this (`N:`).
    Below(f64),
    /// Alert when the value is above this (`~:N`).
    Above(f64),
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Range::Below(n) => write!(f, "{}:", number(*n)),
            Range::Above(n) => write!(f, "~:{}", number(*n)),
        }
    }
}

/// The unit of a performance value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count or a plain number.
    Count,
    /// Seconds (`s`; Prometheus names it `_seconds`).
    Seconds,
    /// Days, as certificate lifetimes are counted: no plugin UOM (there is
    /// none for days); Prometheus wants seconds, so there the value is in
    /// seconds and `days` in the name becomes `seconds` (`days_left` is
    /// `seconds_left`).
    Days,
}

/// One performance item.
#[derive(Debug, Clone, PartialEq)]
pub struct Perf {
    /// What is measured, a lower-case word (`days_left`, `voters_up`);
    /// also the Prometheus metric's name after the tool's.
    pub metric: &'static str,
    /// What it is measured of (a master, a file), if the check measures
    /// several: a label in Prometheus, a prefix in the Nagios label.
    pub target: Option<String>,
    /// The value; `None` when it cannot be known (`U`).
    pub value: Option<f64>,
    /// Its unit.
    pub unit: Unit,
    /// The WARNING range.
    pub warn: Option<Range>,
    /// The CRITICAL range.
    pub crit: Option<Range>,
    /// The least possible value.
    pub min: Option<f64>,
}

impl Perf {
    /// A count (never negative) with no thresholds.
    pub fn count(metric: &'static str, value: f64) -> Perf {
        Perf {
            metric,
            target: None,
            value: Some(value),
            unit: Unit::Count,
            warn: None,
            crit: None,
            min: Some(0.0),
        }
    }

    /// A time in seconds.
    pub fn seconds(metric: &'static str, value: f64) -> Perf {
        Perf {
            unit: Unit::Seconds,
            ..Perf::count(metric, value)
        }
    }

    /// A number of days (negative once past), or `U` when unknown.
    pub fn days(metric: &'static str, value: Option<f64>) -> Perf {
        Perf {
            unit: Unit::Days,
            value,
            min: None,
            ..Perf::count(metric, 0.0)
        }
    }

    /// The same item, measured of `target`.
    pub fn of(mut self, target: impl Into<String>) -> Perf {
        self.target = Some(target.into());
        self
    }

    /// The same item, with WARNING and CRITICAL ranges.
    pub fn thresholds(mut self, warn: Range, crit: Range) -> Perf {
        self.warn = Some(warn);
        self.crit = Some(crit);
        self
    }

    /// The Nagios label: the metric, after its target if it has one.
    pub fn label(&self) -> String {
        match &self.target {
            Some(t) => format!("{t}_{}", self.metric),
            None => self.metric.to_owned(),
        }
    }

    /// `'label'=value[uom];warn;crit;min;` in the Monitoring Plugins syntax.
    pub fn nagios(&self) -> String {
        let value = self.value.map_or("U".to_owned(), number);
        let uom = match self.unit {
            Unit::Count | Unit::Days => "",
            Unit::Seconds => "s",
        };
        let opt = |r: Option<Range>| r.map(|r| r.to_string()).unwrap_or_default();
        let min = self.min.map(number).unwrap_or_default();
        format!(
            "'{}'={value}{uom};{};{};{min}",
            self.label().replace('\'', "''").replace('=', "_"),
            opt(self.warn),
            opt(self.crit)
        )
    }
}

impl Serialize for Perf {
    /// `{label, metric, target, value, uom, warn, crit, min}`, ranges in the
    /// plugin syntax.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            label: String,
            metric: &'a str,
            target: Option<&'a str>,
            value: Option<f64>,
            uom: &'a str,
            warn: Option<String>,
            crit: Option<String>,
            min: Option<f64>,
        }
        Out {
            label: self.label(),
            metric: self.metric,
            target: self.target.as_deref(),
            value: self.value,
            uom: if self.unit == Unit::Seconds { "s" } else { "" },
            warn: self.warn.map(|r| r.to_string()),
            crit: self.crit.map(|r| r.to_string()),
            min: self.min,
        }
        .serialize(s)
    }
}

/// A number as plugins and Prometheus write it: whole numbers without a
/// fraction, others with at most six decimals.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The verdict of one check: its state, one line saying why, and the
/// numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The tool (`vipcheck`): the Prometheus metrics' prefix.
    #[serde(skip)]
    pub tool: &'static str,
    /// The check (`local`), a Prometheus label.
    pub check: String,
    /// What the status line starts with (`VIPCHECK LOCAL`).
    #[serde(skip)]
    pub service: String,
    /// The state.
    pub state: State,
    /// Why, in one line.
    pub summary: String,
    /// The numbers.
    pub perfdata: Vec<Perf>,
    /// Numbers per target too many for a status line (one per
    /// certificate): Prometheus only.
    #[serde(skip)]
    pub series: Vec<Perf>,
}

impl Status {
    /// The plugin's first line: `SERVICE STATE - summary | perfdata`, and a
    /// newline.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} {} - {}",
            self.service,
            self.state,
            one_line(&self.summary)
        );
        if !self.perfdata.is_empty() {
            s.push_str(" |");
            for p in &self.perfdata {
                s.push(' ');
                s.push_str(&p.nagios());
            }
        }
        s.push('\n');
        s
    }

    /// Prometheus text exposition for node_exporter's textfile collector:
    /// `<tool>_state` and one metric per performance item (a `U` value is
    /// left out: Prometheus has no "unknown"), each metric named once with
    /// its HELP and TYPE lines.
    pub fn prometheus(&self) -> String {
        let mut s = String::new();
        let check = escape(&self.check);
        let _ = writeln!(
            s,
            "# HELP {t}_state Nagios state of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n# TYPE {t}_state gauge\n{t}_state{{check=\"{check}\"}} {}",
            self.state.exit_code(),
            t = self.tool
        );
        let mut done: Vec<String> = Vec::new();
        let all: Vec<&Perf> = self.perfdata.iter().chain(&self.series).collect();
        for p in &all {
            let name = metric_name(self.tool, p);
            if done.contains(&name) {
                continue;
            }
            // The help says what the metric's name says, unit included
            // (days are exported as seconds).
            let words = name.strip_prefix(self.tool).unwrap_or(&name);
            let _ = writeln!(
                s,
                "# HELP {name} {} ({}).",
                words.trim_start_matches('_').replace('_', " "),
                self.check
            );
            let _ = writeln!(s, "# TYPE {name} gauge");
            for q in all.iter().filter(|q| metric_name(self.tool, q) == name) {
                let Some(v) = q.value else { continue };
                let v = if q.unit == Unit::Days {
                    v * 86_400.0
                } else {
                    v
                };
                let target = q
                    .target
                    .as_deref()
                    .map(|t| format!(",target=\"{}\"", escape(t)))
                    .unwrap_or_default();
                let _ = writeln!(s, "{name}{{check=\"{check}\"{target}}} {}", number(v));
            }
            done.push(name);
        }
        s
    }
}

fn metric_name(tool: &str, p: &Perf) -> String {
    debug_assert!(
        p.metric
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "{} is not a metric name",
        p.metric
    );
    match p.unit {
        Unit::Count => format!("{tool}_{}", p.metric),
        Unit::Seconds => format!("{tool}_{}_seconds", p.metric),
        Unit::Days => format!("{tool}_{}", p.metric.replace("days", "seconds")),
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A summary on one line, whatever it holds (a line break would end the
/// plugin output's first line early).
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(perf: Vec<Perf>) -> Status {
        Status {
            tool: "vipcheck",
            check: "probe".into(),
            service: "VIPCHECK PROBE".into(),
            state: State::Warning,
            summary: "coup | down\nnext".into(),
            perfdata: perf,
            series: Vec::new(),
        }
    }

    #[test]
    fn states_combine_critical_over_unknown_over_warning() {
        let mut v = vec![State::Warning, State::Critical, State::Unknown, State::Ok];
        v.sort();
        assert_eq!(
            v,
            [State::Ok, State::Warning, State::Unknown, State::Critical]
        );
        let codes: Vec<u8> = v.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes, [0, 1, 3, 2]);
    }

    #[test]
    fn the_status_line_follows_the_plugin_syntax() {
        let s = status(vec![
            Perf::count("vip_ok", 3.0),
            Perf::count("master_ok", 2.0).of("vip"),
            Perf {
                value: None,
                ..Perf::count("days_left", 0.0)
            }
            .thresholds(Range::Below(30.0), Range::Below(7.0)),
            Perf::seconds("time", 0.0021),
            Perf::count("spare", -1.0).thresholds(Range::Below(1.0), Range::Below(0.0)),
        ]);
        assert_eq!(
            s.line(),
            "VIPCHECK PROBE WARNING - coup / down next | 'vip_ok'=3;;;0 'vip_master_ok'=2;;;0 'days_left'=U;30:;7:;0 'time'=0.0021s;;;0 'spare'=-1;1:;0:;0\n"
        );
        assert_eq!(Range::Above(5.0).to_string(), "~:5");
        assert_eq!(number(1.0000001), "1");
    }

    #[test]
    fn prometheus_puts_targets_in_labels_and_names_each_metric_once() {
        let s = status(vec![
            Perf::count("master_ok", 2.0).of("vip"),
            Perf::count("master_ok", 1.0).of("co\"up"),
            Perf::seconds("time", 1.5),
            Perf::days("days_left", None),
            Perf::days("min_days_left", Some(2.0)),
        ]);
        let p = s.prometheus();
        assert!(p.contains("vipcheck_state{check=\"probe\"} 1\n"), "{p}");
        assert!(
            p.contains("vipcheck_master_ok{check=\"probe\",target=\"vip\"} 2\n"),
            "{p}"
        );
        assert!(
            p.contains("vipcheck_master_ok{check=\"probe\",target=\"co\\\"up\"} 1\n"),
            "{p}"
        );
        assert_eq!(
            p.matches("# TYPE vipcheck_master_ok gauge").count(),
            1,
            "{p}"
        );
        assert!(
            p.contains("vipcheck_time_seconds{check=\"probe\"} 1.5\n"),
            "{p}"
        );
        assert!(!p.contains("days"), "a day in seconds' clothing: {p}");
        assert!(
            p.contains("# HELP vipcheck_min_seconds_left min seconds left (probe).\n"),
            "{p}"
        );
        assert!(
            p.contains("vipcheck_min_seconds_left{check=\"probe\"} 172800\n"),
            "{p}"
        );
    }
}
