//! Majority-quorum arithmetic for Raft, and the parsing of member-count lists.
//!
//! Every figure here counts *voting* members only. etcd learners neither vote
//! nor count toward the quorum size (measured on etcd 3.4; see the README).

use std::fmt;

/// The largest member count any command accepts.
///
/// Raft has no hard limit, but etcd advises at most seven members and every
/// write must reach a majority; a cluster of ten thousand voters is a typo,
/// not a plan. The limit also keeps tables and loops bounded. It is the
/// cluster file's limit on its host lists, so `--cluster` and `--voters`
/// accept the same clusters.
pub const MAX_MEMBERS: u64 = clusterfile::hosts::MAX_HOSTS as u64;

/// Votes needed to commit or elect with `voters` voting members: ⌊N/2⌋+1.
pub fn quorum(voters: u64) -> u64 {
    voters / 2 + 1
}

/// Voting members that may fail while a quorum remains: ⌊(N−1)/2⌋.
///
/// Zero voters tolerate nothing (and have no quorum either).
pub fn tolerance(voters: u64) -> u64 {
    voters.saturating_sub(1) / 2
}

/// A plain-words remark on a cluster size, or `None` when there is nothing to say.
pub fn size_note(voters: u64) -> Option<&'static str> {
    match voters {
        1 => Some("no fault tolerance: any failure stops writes"),
        2 => Some("worse than 1: either failure stops writes"),
        n if n % 2 == 0 => Some("adds nothing over N-1; quorum is higher"),
        n if n > 7 => Some("above etcd's advised maximum of 7; writes slow down"),
        _ => None,
    }
}

/// `1 failure`, `2 failures`: a count with its noun, pluralised with `s`.
pub fn plural(n: impl Into<i128>, noun: &str) -> String {
    let n = n.into();
    if n == 1 || n == -1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Error from parsing a member count or a list of counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeError(pub String);

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SizeError {}

/// Parses one member count: a whole number from 1 to [`MAX_MEMBERS`].
pub fn parse_count(text: &str) -> Result<u64, SizeError> {
    parse_bounded(text, 1, "member count")
}

/// Parses a whole number in `min..=MAX_MEMBERS`, naming `what` in errors.
pub fn parse_bounded(text: &str, min: u64, what: &str) -> Result<u64, SizeError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(SizeError(format!("empty {what}")));
    }
    if let Some(rest) = t.strip_prefix('-')
        && rest.chars().all(|c| c.is_ascii_digit())
        && !rest.is_empty()
    {
        return Err(SizeError(format!(
            "{what} '{t}' is negative; use a whole number from {min} to {MAX_MEMBERS}"
        )));
    }
    if !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(SizeError(format!(
            "{what} '{t}' is not a whole number; use {min} to {MAX_MEMBERS}"
        )));
    }
    // All digits: the only parse failure left is overflow.
    let n: u64 = t.parse().unwrap_or(u64::MAX);
    if n < min {
        return Err(SizeError(format!("{what} must be at least {min}, got {n}")));
    }
    if n > MAX_MEMBERS {
        return Err(SizeError(format!(
            "{what} {t} is absurd for a Raft cluster; the limit is {MAX_MEMBERS}"
        )));
    }
    Ok(n)
}

/// A set of cluster sizes, sorted ascending without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes(pub Vec<u64>);

impl Sizes {
    /// The sizes shown when none are given: 1 to 7, etcd's practical range.
    pub fn default_range() -> Self {
        Sizes((1..=7).collect())
    }

    /// Parses and merges several size arguments (each `N`, `A-B`, `A..B`, or a
    /// comma-separated list of those).
    pub fn parse_all<S: AsRef<str>>(args: &[S]) -> Result<Self, SizeError> {
        if args.is_empty() {
            return Ok(Self::default_range());
        }
        let mut all = Vec::new();
        for arg in args {
            for part in arg.as_ref().split(',') {
                all.extend(parse_span(part)?);
            }
        }
        all.sort_unstable();
        all.dedup();
        if all.len() as u64 > MAX_MEMBERS {
            return Err(SizeError(format!(
                "too many sizes ({}); at most {MAX_MEMBERS} rows",
                all.len()
            )));
        }
        Ok(Sizes(all))
    }
}

/// Parses `N`, `A-B` or `A..B` into the sizes it names.
fn parse_span(part: &str) -> Result<Vec<u64>, SizeError> {
    let part = part.trim();
    // A '-' in first position is a sign (rejected by parse_count), not a range.
    let dash = part.get(1..).and_then(|s| s.find('-')).map(|i| i + 1);
    let split = match (part.split_once(".."), dash) {
        (Some(halves), _) => Some(halves),
        (None, Some(i)) => Some((&part[..i], &part[i + 1..])),
        (None, None) => None,
    };
    match split {
        Some((lo, hi)) => {
            let lo = parse_count(lo)?;
            let hi = parse_count(hi)?;
            if lo > hi {
                return Err(SizeError(format!(
                    "range '{part}' runs backwards; write it as {hi}-{lo}"
                )));
            }
            Ok((lo..=hi).collect())
        }
        None => Ok(vec![parse_count(part)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Measured on etcd 3.4.23 for N = 1..7, and the etcd FAQ's table up
    /// to 9.
    #[test]
    fn quorum_and_tolerance_match_measured_etcd() {
        let q: Vec<u64> = (1..=9).map(quorum).collect();
        let f: Vec<u64> = (1..=9).map(tolerance).collect();
        assert_eq!(q, [1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(f, [0, 0, 1, 1, 2, 2, 3, 3, 4]);
    }

    #[test]
    fn tolerance_is_members_minus_quorum() {
        for n in 1..=MAX_MEMBERS {
            assert_eq!(tolerance(n), n - quorum(n), "N={n}");
        }
        assert_eq!(tolerance(0), 0);
    }

    #[test]
    fn even_sizes_add_nothing_over_the_odd_size_below() {
        for n in (2..=100).step_by(2) {
            assert_eq!(tolerance(n), tolerance(n - 1));
            assert_eq!(quorum(n), quorum(n - 1) + 1);
        }
    }

    #[test]
    fn notes_name_the_small_and_even_sizes() {
        assert!(size_note(1).unwrap().contains("no fault tolerance"));
        assert!(size_note(2).unwrap().contains("worse than 1"));
        assert_eq!(
            size_note(4),
            Some("adds nothing over N-1; quorum is higher")
        );
        assert_eq!(size_note(3), None);
        assert_eq!(size_note(5), None);
        assert!(size_note(9).unwrap().contains("advised maximum"));
    }

    #[test]
    fn sizes_parse_ranges_lists_and_merge() {
        assert_eq!(
            Sizes::parse_all::<&str>(&[]).unwrap().0,
            vec![1, 2, 3, 4, 5, 6, 7]
        );
        assert_eq!(Sizes::parse_all(&["5"]).unwrap().0, vec![5]);
        assert_eq!(Sizes::parse_all(&["3-5"]).unwrap().0, vec![3, 4, 5]);
        assert_eq!(Sizes::parse_all(&["3..5"]).unwrap().0, vec![3, 4, 5]);
        assert_eq!(
            Sizes::parse_all(&["7,3", "5", "3-4"]).unwrap().0,
            vec![3, 4, 5, 7]
        );
    }

    #[test]
    fn sizes_reject_bad_input_with_the_reason() {
        let err = |s: &str| Sizes::parse_all(&[s]).unwrap_err().0;
        assert!(err("0").contains("at least 1"), "{}", err("0"));
        assert!(err("-3").contains("negative"));
        assert!(err("three").contains("not a whole number"));
        assert!(err("1.5").contains("not a whole number"));
        assert!(err("").contains("empty"));
        assert!(err("5-3").contains("backwards"));
        assert!(err("10001").contains("absurd"));
        assert!(err("99999999999999999999999").contains("absurd"));
        assert!(err("1-").contains("empty"));
    }
}
