//! `quorumcalc check`: does quorum hold with these members down?
//!
//! A state check for scripts and Puppet `onlyif`/`unless` (its statuses are
//! [`crate::TOOL`]'s), with one line saying why.

use crate::math::{plural, quorum, tolerance};
use crate::members::Membership;
use serde::Serialize;

/// The verdict; also the `--format json` schema.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verdict {
    /// True when the voters that are up form a majority of all voters.
    pub quorum_holds: bool,
    /// Voting members.
    pub voters: u64,
    /// Voting members up.
    pub voters_up: u64,
    /// Voting members down.
    pub voters_down: u64,
    /// Learners (never counted).
    pub learners: u64,
    /// Learners down (never counted).
    pub learners_down: u64,
    /// Votes needed: ⌊voters/2⌋+1.
    pub quorum: u64,
    /// Failures the full cluster tolerates: ⌊(voters−1)/2⌋.
    pub failures_tolerated: u64,
    /// Further voter failures survivable (negative: voters missing for quorum).
    pub failures_to_spare: i64,
    /// Members named as down.
    pub down: Vec<String>,
    /// The one-line explanation printed in text mode.
    pub message: String,
}

/// Judges `m`.
pub fn check(m: &Membership) -> Verdict {
    let q = quorum(m.voters);
    let up = m.voters_up();
    let spare = up as i64 - q as i64;
    let holds = spare >= 0;
    let mut message = if holds {
        let more = match spare {
            0 => "no further failure can be survived".to_owned(),
            n => format!("{} can be survived", plural(n, "more failure")),
        };
        format!(
            "quorum holds: {up} of {} voters up, quorum is {q}; {more}",
            m.voters
        )
    } else {
        format!(
            "quorum lost: {up} of {} voters up, quorum is {q}; {} must come back",
            m.voters,
            plural(-spare, "more voter")
        )
    };
    if !m.down_names.is_empty() {
        message.push_str(&format!(" (down: {})", m.down_names.join(", ")));
    }
    if m.learners > 0 {
        let down = if m.learners_down > 0 {
            format!(", {} down", m.learners_down)
        } else {
            String::new()
        };
        message.push_str(&format!(
            "; learners do not count ({}{down})",
            plural(m.learners, "learner")
        ));
    }
    Verdict {
        quorum_holds: holds,
        voters: m.voters,
        voters_up: up,
        voters_down: m.voters_down,
        learners: m.learners,
        learners_down: m.learners_down,
        quorum: q,
        failures_tolerated: tolerance(m.voters),
        failures_to_spare: spare,
        down: m.down_names.clone(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::Spec;

    fn run(v: &str, l: &str, d: &str) -> Verdict {
        let p = |s: &str| s.parse::<Spec>().unwrap();
        check(&Membership::resolve(&p(v), &p(l), &p(d)).unwrap())
    }

    /// Every row of the table measured on etcd 3.4.23 (N = 1..7 members, k
    /// down): writes succeed exactly when k ≤ ⌊(N−1)/2⌋.
    #[test]
    fn matches_the_measured_etcd_table() {
        for n in 1..=7u64 {
            for k in 0..=n {
                let v = run(&n.to_string(), "0", &k.to_string());
                assert_eq!(v.quorum_holds, k <= (n - 1) / 2, "N={n} k={k}");
            }
        }
    }

    /// The learner scenarios measured on etcd 3.4 (the README's quorumcalc
    /// section lists them).
    #[test]
    fn learners_count_on_neither_side() {
        // L1: 3V+1L, 2 voters down: lost.
        assert!(!run("a,b,c", "l", "a,b").quorum_holds);
        // L2: 3V+1L, learner and one voter down: holds (as 4 voters it would not).
        assert!(run("a,b,c", "l", "l,a").quorum_holds);
        // L3: 2V+1L, one voter down: lost although 2 of 3 processes live.
        assert!(!run("a,b", "l", "a").quorum_holds);
        // L0: 3V+1L all up: 1 to spare, same as 3 voters.
        assert_eq!(run("3", "1", "0").failures_to_spare, 1);
    }

    #[test]
    fn single_and_two_member_clusters_tolerate_nothing() {
        assert!(run("1", "0", "0").quorum_holds);
        assert!(!run("1", "0", "1").quorum_holds);
        assert!(!run("2", "0", "1").quorum_holds);
        assert_eq!(run("2", "0", "0").failures_to_spare, 0);
    }

    #[test]
    fn the_message_says_why_in_one_line() {
        let v = run("deadlock,autocrat,coup", "0", "coup");
        assert_eq!(
            v.message,
            "quorum holds: 2 of 3 voters up, quorum is 2; no further failure can be survived (down: coup)"
        );
        let v = run("deadlock,autocrat,coup", "m4", "coup,autocrat");
        assert_eq!(
            v.message,
            "quorum lost: 1 of 3 voters up, quorum is 2; 1 more voter must come back (down: coup, autocrat); learners do not count (1 learner)"
        );
        assert!(!v.message.contains('\n'));
    }
}
