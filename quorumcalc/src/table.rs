//! `quorumcalc table`: quorum and tolerated failures per cluster size.

use crate::math::{Sizes, quorum, size_note, tolerance};
use serde::Serialize;

/// One row; also an element of the `--format json` array.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Row {
    /// Voting members.
    pub members: u64,
    /// Votes needed: ⌊N/2⌋+1.
    pub quorum: u64,
    /// Failures tolerated: ⌊(N−1)/2⌋.
    pub tolerated_failures: u64,
    /// A plain-words remark, or null.
    pub note: Option<&'static str>,
}

/// The rows for `sizes`.
pub fn rows(sizes: &Sizes) -> Vec<Row> {
    sizes
        .0
        .iter()
        .map(|&n| Row {
            members: n,
            quorum: quorum(n),
            tolerated_failures: tolerance(n),
            note: size_note(n),
        })
        .collect()
}

/// The text table.
pub fn to_text(rows: &[Row]) -> String {
    clikit::table(
        &["MEMBERS", "QUORUM", "TOLERATES", "NOTE"],
        rows.iter()
            .map(|r| {
                vec![
                    r.members.to_string(),
                    r.quorum.to_string(),
                    r.tolerated_failures.to_string(),
                    r.note.unwrap_or("").to_owned(),
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_is_the_etcd_faq_table() {
        let t = to_text(&rows(&Sizes::default_range()));
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 8);
        assert!(lines[0].starts_with("MEMBERS"));
        assert!(lines[3].starts_with("3"));
        assert!(lines[4].contains("adds nothing over N-1; quorum is higher"));
    }
}
