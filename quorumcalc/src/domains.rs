//! `quorumcalc domains` and `quorumcalc place`: failure domains.
//!
//! A failure domain is anything members share that can fail at once: a rack,
//! a room, a switch, a power feed. Losing a domain loses all its members.
//! The cluster survives any k domain failures exactly when the k largest
//! domains together hold no more than ⌊(N−1)/2⌋ voters.

use crate::error::Error;
use crate::math::{MAX_MEMBERS, plural, quorum, tolerance};
use crate::members::Spec;
use serde::Serialize;
use std::collections::BTreeSet;

/// More domains than this make the pair listing unreadable and are not a
/// real placement problem for a Raft cluster.
pub const MAX_DOMAINS: usize = 100;

/// A named domain and the voters in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    /// The domain's name.
    pub name: String,
    /// How many voters it holds.
    pub voters: u64,
    /// Their names, when given by name.
    pub members: Vec<String>,
}

/// Parses `DOMAIN=N` or `DOMAIN=NAME,NAME...`.
pub fn parse_domain(arg: &str) -> Result<Domain, String> {
    let Some((name, spec)) = arg.split_once('=') else {
        return Err(format!(
            "'{arg}' is not DOMAIN=MEMBERS; write e.g. rack-a=2 or rack-a=deadlock,coup"
        ));
    };
    check_domain_name(name)?;
    let spec: Spec = spec.parse().map_err(|e| format!("domain '{name}': {e}"))?;
    Ok(match spec {
        Spec::Count(n) => Domain {
            name: name.to_owned(),
            voters: n,
            members: Vec::new(),
        },
        Spec::Names(members) => Domain {
            name: name.to_owned(),
            voters: members.len() as u64,
            members,
        },
    })
}

fn check_domain_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty domain name before '='".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '=' | '+'))
    {
        return Err(format!("domain name '{name}' contains {c:?}"));
    }
    Ok(())
}

/// One combination of failed domains.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The domains that fail together.
    pub domains: Vec<String>,
    /// Voters lost with them.
    pub voters_lost: u64,
    /// Voters left.
    pub voters_left: u64,
    /// Whether the voters left still form a quorum.
    pub quorum_holds: bool,
}

/// The analysis; the `--format json` schema of `domains`.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// All voters.
    pub voters: u64,
    /// Votes needed.
    pub quorum: u64,
    /// Member failures tolerated, regardless of domains.
    pub failures_tolerated: u64,
    /// The domains as given.
    pub domains: Vec<Domain>,
    /// The largest k such that *any* k domains may fail together.
    pub domain_failures_tolerated: u64,
    /// Every single domain failure, then every pair.
    pub failures: Vec<Failure>,
}

/// Checks the domains and works out which failures lose quorum.
pub fn analyse(domains: Vec<Domain>) -> Result<Analysis, Error> {
    if domains.is_empty() {
        return Err(Error::Usage("give at least one DOMAIN=MEMBERS".into()));
    }
    if domains.len() > MAX_DOMAINS {
        return Err(Error::Usage(format!("more than {MAX_DOMAINS} domains")));
    }
    let mut names = BTreeSet::new();
    let mut members = BTreeSet::new();
    for d in &domains {
        if !names.insert(d.name.as_str()) {
            return Err(Error::Usage(format!("domain '{}' is given twice", d.name)));
        }
        for m in &d.members {
            if !members.insert(m.as_str()) {
                return Err(Error::Usage(format!(
                    "member '{m}' is placed in more than one domain"
                )));
            }
        }
    }
    let n: u64 = domains.iter().map(|d| d.voters).sum();
    if n == 0 {
        return Err(Error::Usage("the domains hold no voting member".into()));
    }
    if n > MAX_MEMBERS {
        return Err(Error::Usage(format!(
            "{n} members in all is absurd for a Raft cluster; the limit is {MAX_MEMBERS}"
        )));
    }
    let q = quorum(n);
    let mut failures = Vec::new();
    let mut record = |ds: &[&Domain]| {
        let lost: u64 = ds.iter().map(|d| d.voters).sum();
        failures.push(Failure {
            domains: ds.iter().map(|d| d.name.clone()).collect(),
            voters_lost: lost,
            voters_left: n - lost,
            quorum_holds: n - lost >= q,
        });
    };
    for d in &domains {
        record(&[d]);
    }
    for (i, a) in domains.iter().enumerate() {
        for b in &domains[i + 1..] {
            record(&[a, b]);
        }
    }
    let sizes: Vec<u64> = domains.iter().map(|d| d.voters).collect();
    Ok(Analysis {
        voters: n,
        quorum: q,
        failures_tolerated: tolerance(n),
        domain_failures_tolerated: domain_tolerance(&sizes),
        domains,
        failures,
    })
}

/// The largest k such that the k largest domains hold at most ⌊(N−1)/2⌋ voters.
pub fn domain_tolerance(sizes: &[u64]) -> u64 {
    let n: u64 = sizes.iter().sum();
    let budget = tolerance(n);
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut lost = 0;
    let mut k = 0;
    for s in sorted {
        lost += s;
        if lost > budget {
            break;
        }
        k += 1;
    }
    k
}

impl Analysis {
    /// Summary lines and the failure table.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} in {}; quorum {}; {} tolerated\n",
            plural(self.voters, "voter"),
            plural(self.domains.len() as u64, "domain"),
            self.quorum,
            plural(self.failures_tolerated, "member failure"),
        );
        out.push_str(&match self.domain_failures_tolerated {
            0 => "losing a single domain can lose quorum\n".to_owned(),
            k => format!("survives the loss of any {}\n", plural(k, "domain")),
        });
        out.push('\n');
        let rows = self
            .failures
            .iter()
            .map(|f| {
                vec![
                    f.domains.join("+"),
                    f.voters_lost.to_string(),
                    format!("{} of {}", f.voters_left, self.voters),
                    if f.quorum_holds { "holds" } else { "LOST" }.to_owned(),
                ]
            })
            .collect();
        out.push_str(&clikit::table(&["FAILED", "LOST", "LEFT", "QUORUM"], rows));
        out
    }
}

/// The best placement; the `--format json` schema of `place`.
#[derive(Debug, Clone, Serialize)]
pub struct Placement {
    /// Voters placed.
    pub voters: u64,
    /// Votes needed.
    pub quorum: u64,
    /// Voters per domain, in the order given.
    pub domains: Vec<Domain>,
    /// The largest k such that any k domains may fail together.
    pub domain_failures_tolerated: u64,
    /// When fewer voters would survive more domain failures: how many.
    pub fewer_voters_do_better: Option<u64>,
    /// Plain-words remarks.
    pub notes: Vec<String>,
}

/// Places `n` voters over the named domains to survive the most domain failures.
///
/// Spreading as evenly as possible is optimal: for every k it minimises the
/// share held by the k largest domains. Extra members go to the first domains.
pub fn place(n: u64, domain_names: &[String]) -> Result<Placement, Error> {
    if domain_names.is_empty() || domain_names.len() > MAX_DOMAINS {
        return Err(Error::Usage(format!(
            "the number of domains must be 1 to {MAX_DOMAINS}"
        )));
    }
    for name in domain_names {
        check_domain_name(name).map_err(Error::Usage)?;
    }
    let d = domain_names.len() as u64;
    let spread = |n: u64| -> Vec<u64> { (0..d).map(|i| n / d + u64::from(i < n % d)).collect() };
    let sizes = spread(n);
    let k = domain_tolerance(&sizes);
    // The largest member count that does strictly better, if any: the
    // fewest members to drop for the most domain failures survived.
    let better = (1..n)
        .map(|m| (m, domain_tolerance(&spread(m))))
        .filter(|&(_, km)| km > k)
        .max_by_key(|&(m, km)| (km, m))
        .map(|(m, _)| m);
    let mut notes = Vec::new();
    if d == 2 {
        notes.push(
            "with two domains the larger holds at least half the voters, more than may fail; \
             no placement survives losing it: add a third domain, even for a single member"
                .to_owned(),
        );
    }
    if let Some(m) = better {
        let extra = n - m;
        let (noun, verb) = if extra == 1 {
            ("member", "makes")
        } else {
            ("members", "make")
        };
        notes.push(format!(
            "{m} voters would survive the loss of any {}; the {extra} extra {noun} {verb} it worse",
            plural(domain_tolerance(&spread(m)), "domain"),
        ));
    }
    if n < d {
        notes.push(format!("{} without a member", plural(d - n, "domain")));
    }
    Ok(Placement {
        voters: n,
        quorum: quorum(n),
        domains: domain_names
            .iter()
            .zip(sizes)
            .map(|(name, voters)| Domain {
                name: name.clone(),
                voters,
                members: Vec::new(),
            })
            .collect(),
        domain_failures_tolerated: k,
        fewer_voters_do_better: better,
        notes,
    })
}

impl Placement {
    /// The placement as `DOMAIN=N` words (what `quorumcalc domains` takes),
    /// then the verdict and notes.
    pub fn to_text(&self) -> String {
        let words: Vec<String> = self
            .domains
            .iter()
            .map(|d| format!("{}={}", d.name, d.voters))
            .collect();
        let mut out = words.join(" ");
        out.push('\n');
        out.push_str(&match self.domain_failures_tolerated {
            0 => format!(
                "{} voters, quorum {}: losing the largest domain loses quorum\n",
                self.voters, self.quorum
            ),
            k => format!(
                "{} voters, quorum {}: survives the loss of any {}\n",
                self.voters,
                self.quorum,
                plural(k, "domain")
            ),
        });
        clikit::push_labelled(&mut out, "note", &self.notes);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(args: &[&str]) -> Analysis {
        analyse(args.iter().map(|a| parse_domain(a).unwrap()).collect()).unwrap()
    }

    #[test]
    fn two_of_three_in_one_rack_loses_quorum_with_that_rack() {
        let a = d(&["rack-a=deadlock,coup", "rack-b=autocrat"]);
        assert_eq!(a.voters, 3);
        assert_eq!(a.domain_failures_tolerated, 0);
        let single: Vec<(String, bool)> = a.failures[..2]
            .iter()
            .map(|f| (f.domains.join("+"), f.quorum_holds))
            .collect();
        assert_eq!(single, [("rack-a".into(), false), ("rack-b".into(), true)]);
        assert_eq!(a.failures.len(), 3);
    }

    #[test]
    fn one_member_per_domain_survives_any_single_domain() {
        let a = d(&["a=1", "b=1", "c=1"]);
        assert_eq!(a.domain_failures_tolerated, 1);
        assert!(a.failures[..3].iter().all(|f| f.quorum_holds));
        assert!(a.failures[3..].iter().all(|f| !f.quorum_holds));
        let a = d(&["a=1", "b=1", "c=1", "d=1", "e=1"]);
        assert_eq!(a.domain_failures_tolerated, 2);
    }

    #[test]
    fn bad_domains_are_refused() {
        assert!(parse_domain("rack").unwrap_err().contains("DOMAIN=MEMBERS"));
        assert!(parse_domain("=3").unwrap_err().contains("empty domain"));
        let e = analyse(vec![
            parse_domain("a=x,y").unwrap(),
            parse_domain("b=y").unwrap(),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("more than one domain"));
        let e = analyse(vec![
            parse_domain("a=1").unwrap(),
            parse_domain("a=2").unwrap(),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("given twice"));
        let e = analyse(vec![parse_domain("a=0").unwrap()]).unwrap_err();
        assert!(e.to_string().contains("no voting member"));
    }

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("d{i}")).collect()
    }

    #[test]
    fn even_spread_is_best_and_checked_against_brute_force() {
        // Brute force: every way to put n voters into d domains.
        fn best(n: u64, d: usize) -> u64 {
            fn go(n: u64, d: usize, acc: &mut Vec<u64>, best: &mut u64) {
                if d == 1 {
                    acc.push(n);
                    *best = (*best).max(domain_tolerance(acc));
                    acc.pop();
                    return;
                }
                for k in 0..=n {
                    acc.push(k);
                    go(n - k, d - 1, acc, best);
                    acc.pop();
                }
            }
            let mut b = 0;
            go(n, d, &mut Vec::new(), &mut b);
            b
        }
        for n in 1..=9 {
            for dc in 1..=5 {
                let p = place(n, &names(dc)).unwrap();
                assert_eq!(p.domain_failures_tolerated, best(n, dc), "n={n} d={dc}");
            }
        }
    }

    #[test]
    fn four_over_three_domains_is_worse_than_three() {
        let p = place(4, &names(3)).unwrap();
        assert_eq!(
            p.domains.iter().map(|d| d.voters).collect::<Vec<_>>(),
            [2, 1, 1]
        );
        assert_eq!(p.domain_failures_tolerated, 0);
        assert_eq!(p.fewer_voters_do_better, Some(3));
        let p = place(5, &names(3)).unwrap();
        assert_eq!(p.domain_failures_tolerated, 1);
        assert_eq!(p.fewer_voters_do_better, None);
        assert_eq!(p.to_text().lines().next().unwrap(), "d1=2 d2=2 d3=1");
    }

    #[test]
    fn two_domains_never_survive_either_failing() {
        for n in 1..=9 {
            assert_eq!(place(n, &names(2)).unwrap().domain_failures_tolerated, 0);
        }
        assert!(place(3, &names(2)).unwrap().notes[0].contains("third domain"));
    }
}
