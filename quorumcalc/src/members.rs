//! Who is in the cluster and who is down, given as counts or as names.
//!
//! `--voters 3` and `--voters deadlock,autocrat,coup` describe the same cluster
//! size; names let `--down coup` say *which* member is down, and let a
//! learner's name be recognised as not counting. `--cluster FILE` reads the
//! voters from the `masters` list of a cluster file (see [`clusterfile`]).

use crate::error::Error;
use crate::math::{self, MAX_MEMBERS};
use std::collections::BTreeSet;
use std::str::FromStr;

/// A count of members, or the members' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// Just how many.
    Count(u64),
    /// Which ones, in the order given.
    Names(Vec<String>),
}

impl Spec {
    /// How many members the spec names.
    pub fn count(&self) -> u64 {
        match self {
            Spec::Count(n) => *n,
            Spec::Names(v) => v.len() as u64,
        }
    }
}

impl FromStr for Spec {
    type Err = String;

    /// `N` (a whole number, 0 allowed) or `NAME[,NAME...]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
            return math::parse_bounded(t, 0, "member count")
                .map(Spec::Count)
                .map_err(|e| e.0);
        }
        if t.starts_with('-') || count_like(t) {
            return Err(format!(
                "'{t}' is neither a member count nor a member name; counts are plain whole numbers from 0 to {MAX_MEMBERS} (3, not 3.0, +3 or 1e3)"
            ));
        }
        let mut names = Vec::new();
        let mut seen = BTreeSet::new();
        for raw in t.split(',') {
            let name = raw.trim();
            check_name(name)?;
            if !seen.insert(name) {
                return Err(format!("member '{name}' is listed twice"));
            }
            names.push(name.to_owned());
        }
        if names.len() as u64 > MAX_MEMBERS {
            return Err(format!("more than {MAX_MEMBERS} members"));
        }
        Ok(Spec::Names(names))
    }
}

/// Looks like a number but is not a plain count: `3.0`, `+3`, `1e3`,
/// `0x3`, full-width or other non-ASCII digits. Read as a name it would
/// silently turn a count into one member.
fn count_like(t: &str) -> bool {
    let starts_numeric = t
        .chars()
        .next()
        .is_some_and(|c| c.is_numeric() || c == '+' || c == '.');
    let foreign_digit = t.chars().any(|c| c.is_numeric() && !c.is_ascii_digit());
    let hex = t
        .strip_prefix("0x")
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()));
    foreign_digit || hex || (starts_numeric && (t.parse::<f64>().is_ok() || t.starts_with('+')))
}

/// Member names are host names ([`clusterfile::names`], the grammar of the
/// cluster file's masters), and a list of names may not hold a bare number
/// (it would be a count given as a name).
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty member name in the list (stray comma?)".into());
    }
    if name.chars().all(|c| c.is_ascii_digit()) || count_like(name) {
        return Err(format!(
            "'{name}' mixes a count into a list of names; give either a count or names"
        ));
    }
    clusterfile::names::dns_name(name).map_err(|e| format!("member name {e}"))
}

/// Reads the voters' names from a cluster file's `masters` list (the
/// whole file is checked, as every tool checks it).
pub fn voters_from_cluster_file(path: &str) -> Result<Vec<String>, Error> {
    Ok(hosts_from_cluster_file(path)?
        .into_iter()
        .map(|h| h.name)
        .collect())
}

/// A member: its name and the address its URLs use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Host {
    /// `--name`.
    pub name: String,
    /// An address or a resolvable name.
    pub address: String,
}

/// The masters of a cluster file with their addresses.
pub fn hosts_from_cluster_file(path: &str) -> Result<Vec<Host>, Error> {
    let file = clusterfile::load(path).map_err(Error::File)?;
    Ok(file
        .masters
        .into_iter()
        .map(|m| Host {
            name: m.name,
            address: m.ipv4.to_string(),
        })
        .collect())
}

/// A cluster's membership and who is down, resolved and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Voting members.
    pub voters: u64,
    /// Non-voting members (etcd learners).
    pub learners: u64,
    /// Voting members that are down.
    pub voters_down: u64,
    /// Learners that are down (reported, never counted).
    pub learners_down: u64,
    /// Names of the members that are down, when given by name.
    pub down_names: Vec<String>,
}

impl Membership {
    /// Voting members that are up.
    pub fn voters_up(&self) -> u64 {
        self.voters - self.voters_down
    }

    /// Resolves the command-line specs into counts, checking that they agree.
    pub fn resolve(voters: &Spec, learners: &Spec, down: &Spec) -> Result<Self, Error> {
        if voters.count() == 0 {
            return Err(Error::Usage(
                "a cluster needs at least 1 voting member (--voters)".into(),
            ));
        }
        if let (Spec::Names(v), Spec::Names(l)) = (voters, learners)
            && let Some(both) = l.iter().find(|n| v.contains(n))
        {
            return Err(Error::Usage(format!(
                "'{both}' is listed both as a voter and as a learner"
            )));
        }
        let mut m = Membership {
            voters: voters.count(),
            learners: learners.count(),
            voters_down: 0,
            learners_down: 0,
            down_names: Vec::new(),
        };
        match down {
            Spec::Count(d) => {
                if *d > m.voters {
                    return Err(Error::Usage(format!(
                        "--down {d} is more than the {} voting members",
                        m.voters
                    )));
                }
                m.voters_down = *d;
            }
            Spec::Names(names) => {
                let Spec::Names(voter_names) = voters else {
                    return Err(Error::Usage(
                        "--down names a member, so give the members by name too (--voters NAME,... or --cluster FILE)".into(),
                    ));
                };
                let learner_names: &[String] = match learners {
                    Spec::Names(l) => l,
                    Spec::Count(_) => &[],
                };
                for name in names {
                    if voter_names.contains(name) {
                        m.voters_down += 1;
                    } else if learner_names.contains(name) {
                        m.learners_down += 1;
                    } else {
                        let known: Vec<&str> = voter_names
                            .iter()
                            .chain(learner_names)
                            .map(String::as_str)
                            .collect();
                        return Err(Error::Usage(format!(
                            "--down names '{name}', which is not a member; members are {}",
                            known.join(", ")
                        )));
                    }
                }
                m.down_names = names.clone();
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> Spec {
        s.parse().unwrap()
    }

    #[test]
    fn specs_are_counts_or_names() {
        assert_eq!(spec("3"), Spec::Count(3));
        assert_eq!(spec("0"), Spec::Count(0));
        assert_eq!(spec("a, b"), Spec::Names(vec!["a".into(), "b".into()]));
        assert!("a,a".parse::<Spec>().unwrap_err().contains("twice"));
        assert!("a,,b".parse::<Spec>().unwrap_err().contains("stray comma"));
        assert!(
            "a,3"
                .parse::<Spec>()
                .unwrap_err()
                .contains("either a count or names")
        );
        assert!("-1".parse::<Spec>().unwrap_err().contains("neither"));
        assert!("20000".parse::<Spec>().unwrap_err().contains("absurd"));
        // Count-like but not a plain count: an error, never one member.
        for t in ["3.0", "+3", "1e3", "３", "0x3", ".5", "3e0"] {
            let e = t.parse::<Spec>().unwrap_err();
            assert!(e.contains("plain whole numbers"), "{t}: {e}");
        }
        assert!(
            "a,3.0"
                .parse::<Spec>()
                .unwrap_err()
                .contains("mixes a count")
        );
        // Names that merely start with a digit are still names.
        assert_eq!(spec("1master"), Spec::Names(vec!["1master".into()]));
    }

    #[test]
    fn learners_named_down_do_not_count_against_voters() {
        let m = Membership::resolve(&spec("a,b,c"), &spec("l"), &spec("l,a")).unwrap();
        assert_eq!(
            (m.voters, m.learners, m.voters_down, m.learners_down),
            (3, 1, 1, 1)
        );
    }

    #[test]
    fn inconsistent_specs_are_usage_errors() {
        let e = |v: &str, l: &str, d: &str| {
            Membership::resolve(&spec(v), &spec(l), &spec(d))
                .unwrap_err()
                .to_string()
        };
        assert!(e("3", "0", "4").contains("more than the 3"));
        assert!(e("3", "0", "a").contains("by name too"));
        assert!(e("a,b", "0", "x").contains("not a member; members are a, b"));
        assert!(e("a,b", "a", "0").contains("both as a voter and as a learner"));
        assert!(e("0", "1", "0").contains("at least 1 voting"));
    }
}
