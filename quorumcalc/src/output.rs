//! Rendering: plain tables for people, stable JSON for `jq`.

use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::Style;

/// Output format of every reporting command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people (and awk).
    #[default]
    Text,
    /// One pretty-printed JSON document; field names and order are stable.
    Json,
}

/// An aligned, borderless table (in the style of `kubectl get`), each line
/// ending without trailing spaces.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut b = Builder::default();
    b.push_record(headers.iter().map(|h| h.to_string()));
    for r in rows {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(Style::blank());
    let mut out = String::new();
    for line in t.to_string().lines() {
        // The blank style pads the first column with one space; drop it and
        // the padding at line ends so the output is easy to diff and cut.
        let line = line.strip_prefix(' ').unwrap_or(line).trim_end();
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Appends one `<label>: <item>` line per item, e.g. the notes under a report.
pub fn push_labelled(out: &mut String, label: &str, items: &[String]) {
    for item in items {
        out.push_str(label);
        out.push_str(": ");
        out.push_str(item);
        out.push('\n');
    }
}

/// Pretty JSON followed by a newline.
pub fn json<T: Serialize>(value: &T) -> String {
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(value).expect("report serialises to JSON");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_without_trailing_space() {
        let t = table(
            &["A", "LONGER"],
            vec![vec!["1".into(), "x".into()], vec!["100".into(), "".into()]],
        );
        assert_eq!(t, "A     LONGER\n1     x\n100\n");
    }
}
