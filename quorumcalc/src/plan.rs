//! `quorumcalc plan`: quorum and tolerance at each step of a membership change.
//!
//! Raft changes membership one member at a time, and a change takes effect as
//! soon as it is applied, before a new member has even started: adding a 4th
//! member to 3 makes the quorum 3 of 4 at once (measured on etcd 3.4). So an
//! `add` is two steps (`member add`, then the new member starts), and the
//! window between them is where an unlucky failure stops writes. etcd's
//! advice for a failed member is remove first, then add; `replace` does that.

use crate::error::Error;
use crate::math::{plural, quorum, tolerance};
use crate::members::Membership;
use serde::Serialize;

/// A membership change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Action {
    /// `member add` a voter, then start it.
    Add,
    /// `member add --learner`, then start it (no quorum change).
    AddLearner,
    /// `member promote` a started learner to voter.
    Promote,
    /// `member remove` a voter that is up.
    Remove,
    /// `member remove` a voter that is down.
    RemoveDown,
    /// Replace a failed voter (or, when none is down, a live one): remove, add, start.
    Replace,
}

/// Members at one point of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Voting members, started or not.
    pub voters: u64,
    /// Voting members up.
    pub voters_up: u64,
    /// Learners.
    pub learners: u64,
    /// Learners up.
    pub learners_up: u64,
}

/// One step; also an element of the `--format json` `steps` array.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 0 for the starting state, then 1, 2, ...
    pub step: usize,
    /// What is done.
    pub action: String,
    /// Members after the step.
    #[serde(flatten)]
    pub counts: Counts,
    /// Votes needed after the step.
    pub quorum: u64,
    /// Failures tolerated once every voter is up: ⌊(voters−1)/2⌋.
    pub failures_tolerated: u64,
    /// Further failures survivable right after the step (negative: lost).
    pub failures_to_spare: i64,
    /// `ok`, `no spare`, or `quorum lost`.
    pub verdict: &'static str,
    /// What to watch out for at this step.
    pub warnings: Vec<String>,
}

/// The whole plan; the `--format json` schema.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Step 0 is the starting state.
    pub steps: Vec<Step>,
    /// True when some step leaves fewer voters up than the quorum.
    pub loses_quorum: bool,
}

/// Builds the plan for `actions` from the cluster `m`.
pub fn plan(m: &Membership, actions: &[Action]) -> Result<Plan, Error> {
    let mut c = Counts {
        voters: m.voters,
        voters_up: m.voters_up(),
        learners: m.learners,
        learners_up: m.learners - m.learners_down,
    };
    let mut steps = vec![step(0, "now".into(), c, Vec::new())];
    if steps[0].failures_to_spare < 0 {
        steps[0].warnings.push(
            "quorum is already lost: etcd cannot change membership until enough voters return \
             (or the cluster is rebuilt from a snapshot)"
                .into(),
        );
        return Ok(Plan {
            steps,
            loses_quorum: true,
        });
    }
    for &action in actions {
        for (desc, change) in expand(action, &c)? {
            let before = c;
            let lost_before = quorum(before.voters) > before.voters_up;
            if lost_before && change != Change::StartVoter && change != Change::StartLearner {
                let mut s = step(steps.len(), desc, c, Vec::new());
                s.warnings.push(
                    "impossible: quorum is lost, and a membership change needs quorum".into(),
                );
                steps.push(s);
                return Ok(finish(steps));
            }
            c = apply(change, c);
            let mut warnings = Vec::new();
            // etcd adds a member, voter or learner, only while every voter
            // is connected (its strict reconfig check): with one down it
            // answers "etcdserver: unhealthy cluster".
            if matches!(change, Change::AddVoter | Change::AddLearner)
                && before.voters_up < before.voters
            {
                let down = before.voters - before.voters_up;
                warnings.push(format!(
                    "etcd refuses this add by default (\"unhealthy cluster\") while {} {} down, a learner too; \
                     remove the failed member first",
                    plural(down, "voter"),
                    if down == 1 { "is" } else { "are" }
                ));
            }
            match change {
                Change::AddVoter if quorum(c.voters) == c.voters_up => {
                    warnings.push(
                        "until the new member has started and caught up, one more failure stops writes; \
                         add-learner then promote avoids this window"
                            .into(),
                    );
                }
                Change::AddLearner if before.learners >= 1 => warnings.push(
                    "etcd 3.4 and 3.5 allow only one learner at a time".into(),
                ),
                Change::RemoveUp if before.voters == 2 => warnings.push(
                    "removing a member from a two-member cluster is unsafe: if the remaining member \
                     does not apply the change first, the cluster cannot reach quorum"
                        .into(),
                ),
                _ => {}
            }
            let last = steps.len();
            steps.push(step(last, desc, c, warnings));
        }
    }
    if let Some(last) = steps.last_mut()
        && last.step > 0
        && last.counts.voters % 2 == 0
    {
        last.warnings.push(format!(
            "{} voters tolerate no more failures than {}, with a higher quorum",
            last.counts.voters,
            last.counts.voters - 1
        ));
    }
    Ok(finish(steps))
}

fn finish(steps: Vec<Step>) -> Plan {
    let loses_quorum = steps.iter().any(|s| s.failures_to_spare < 0);
    Plan {
        steps,
        loses_quorum,
    }
}

fn step(n: usize, action: String, c: Counts, warnings: Vec<String>) -> Step {
    let q = quorum(c.voters);
    let spare = c.voters_up as i64 - q as i64;
    Step {
        step: n,
        action,
        counts: c,
        quorum: q,
        failures_tolerated: tolerance(c.voters),
        failures_to_spare: spare,
        verdict: match spare {
            s if s < 0 => "quorum lost",
            0 => "no spare",
            _ => "ok",
        },
        warnings,
    }
}

/// The elementary changes an action is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    AddVoter,
    StartVoter,
    AddLearner,
    StartLearner,
    Promote,
    RemoveUp,
    RemoveDown,
}

fn apply(change: Change, mut c: Counts) -> Counts {
    match change {
        Change::AddVoter => c.voters += 1,
        Change::StartVoter => c.voters_up += 1,
        Change::AddLearner => c.learners += 1,
        Change::StartLearner => c.learners_up += 1,
        Change::Promote => {
            c.learners -= 1;
            c.learners_up -= 1;
            c.voters += 1;
            c.voters_up += 1;
        }
        Change::RemoveUp => {
            c.voters -= 1;
            c.voters_up -= 1;
        }
        Change::RemoveDown => c.voters -= 1,
    }
    c
}

/// Splits an action into its steps, checking it is possible from `c`.
fn expand(action: Action, c: &Counts) -> Result<Vec<(String, Change)>, Error> {
    let add = [
        (
            "member add (counts toward the quorum at once)",
            Change::AddVoter,
        ),
        ("start the new member", Change::StartVoter),
    ];
    let remove_up = || -> Result<(String, Change), Error> {
        if c.voters <= 1 {
            return Err(Error::Usage("cannot remove the last voting member".into()));
        }
        Ok((
            "member remove (a member that is up)".into(),
            Change::RemoveUp,
        ))
    };
    let steps: Vec<(String, Change)> = match action {
        Action::Add => add.iter().map(|(d, ch)| (d.to_string(), *ch)).collect(),
        Action::AddLearner => vec![
            (
                "member add --learner (does not vote)".into(),
                Change::AddLearner,
            ),
            ("start the learner".into(), Change::StartLearner),
        ],
        Action::Promote => {
            if c.learners == 0 {
                return Err(Error::Usage(
                    "promote needs a learner: add one first (add-learner) or give --learners"
                        .into(),
                ));
            }
            if c.learners_up == 0 {
                return Err(Error::Usage(
                    "the learner is down: etcd promotes only a learner that has caught up with the leader".into(),
                ));
            }
            vec![(
                "member promote (the learner becomes a voter)".into(),
                Change::Promote,
            )]
        }
        Action::Remove => vec![remove_up()?],
        Action::RemoveDown => {
            if c.voters_up == c.voters {
                return Err(Error::Usage(
                    "remove-down needs a voter that is down (--down); to remove a live one use remove".into(),
                ));
            }
            vec![(
                "member remove (the failed member)".into(),
                Change::RemoveDown,
            )]
        }
        Action::Replace => {
            let first = if c.voters_up < c.voters {
                (
                    "replace: member remove (the failed member)".to_owned(),
                    Change::RemoveDown,
                )
            } else {
                let (d, ch) = remove_up()?;
                (format!("replace: {d}"), ch)
            };
            let mut v = vec![first];
            v.extend(add.iter().map(|(d, ch)| (format!("replace: {d}"), *ch)));
            v
        }
    };
    Ok(steps)
}

impl Plan {
    /// The text table, then one `warning:` line per warning.
    pub fn to_text(&self) -> String {
        let rows = self
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.step.to_string(),
                    s.action.clone(),
                    s.counts.voters.to_string(),
                    s.counts.voters_up.to_string(),
                    s.counts.learners.to_string(),
                    s.quorum.to_string(),
                    s.failures_tolerated.to_string(),
                    s.failures_to_spare.to_string(),
                    s.verdict.to_owned(),
                ]
            })
            .collect();
        let mut out = clikit::table(
            &[
                "STEP",
                "ACTION",
                "VOTERS",
                "UP",
                "LEARNERS",
                "QUORUM",
                "TOLERATES",
                "SPARE",
                "VERDICT",
            ],
            rows,
        );
        for s in &self.steps {
            for w in &s.warnings {
                out.push_str(&format!("warning: step {}: {w}\n", s.step));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::Spec;

    fn run(v: &str, l: &str, d: &str, actions: &[Action]) -> Plan {
        let p = |s: &str| s.parse::<Spec>().unwrap();
        plan(&Membership::resolve(&p(v), &p(l), &p(d)).unwrap(), actions).unwrap()
    }

    fn spares(p: &Plan) -> Vec<i64> {
        p.steps.iter().map(|s| s.failures_to_spare).collect()
    }

    /// R1: 3 members + 1 added (unstarted) = quorum 3 of 4, nothing to spare.
    #[test]
    fn adding_raises_the_quorum_before_the_member_starts() {
        let p = run("3", "0", "0", &[Action::Add]);
        assert_eq!(spares(&p), [1, 0, 1]);
        assert_eq!(p.steps[1].quorum, 3);
        assert!(p.steps[1].warnings[0].contains("one more failure stops writes"));
        assert!(!p.loses_quorum);
        assert!(
            p.steps[2]
                .warnings
                .iter()
                .any(|w| w.contains("4 voters tolerate no more"))
        );
    }

    /// R2/R3: with a member down, add-before-remove loses quorum (and etcd
    /// refuses it by default); remove-then-add never does.
    #[test]
    fn replacing_a_failed_member_removes_first() {
        let p = run("3", "0", "1", &[Action::Replace]);
        assert_eq!(spares(&p), [0, 0, 0, 1]);
        assert!(!p.loses_quorum);
        assert!(p.steps[1].action.contains("failed member"));

        let p = run("3", "0", "1", &[Action::Add, Action::RemoveDown]);
        assert!(p.loses_quorum);
        assert_eq!(p.steps[1].verdict, "quorum lost");
        assert!(p.steps[1].warnings[0].contains("unhealthy cluster"));
        // Starting the new member restores quorum, then the remove can happen.
        assert_eq!(spares(&p), [0, -1, 0, 1]);
    }

    /// etcd 3.4 answered "etcdserver: unhealthy cluster" to member add
    /// --learner with one of three voters down.
    #[test]
    fn a_learner_is_refused_too_while_a_voter_is_down() {
        let p = run("3", "0", "1", &[Action::AddLearner]);
        assert!(
            p.steps[1]
                .warnings
                .iter()
                .any(|w| w.contains("unhealthy cluster")),
            "{:?}",
            p.steps[1]
        );
        let p = run("3", "0", "0", &[Action::AddLearner]);
        assert!(p.steps[1].warnings.is_empty(), "{:?}", p.steps[1]);
    }

    #[test]
    fn learners_change_nothing_until_promoted() {
        let p = run("3", "0", "0", &[Action::AddLearner, Action::Promote]);
        assert_eq!(spares(&p), [1, 1, 1, 1]);
        assert_eq!(p.steps[3].counts.voters, 4);
        assert_eq!(p.steps[3].quorum, 3);
    }

    #[test]
    fn growing_from_three_to_five_is_two_adds() {
        let p = run("3", "0", "0", &[Action::Add, Action::Add]);
        assert_eq!(spares(&p), [1, 0, 1, 1, 2]);
        assert_eq!(p.steps.last().unwrap().counts.voters, 5);
    }

    #[test]
    fn a_lost_cluster_cannot_change_membership() {
        let p = run("3", "0", "2", &[Action::RemoveDown]);
        assert!(p.loses_quorum);
        assert_eq!(p.steps.len(), 1);
        assert!(p.steps[0].warnings[0].contains("already lost"));
    }

    #[test]
    fn membership_changes_stop_once_quorum_is_lost() {
        // 3 voters, one down: removing a live one leaves 1 of 2 (quorum 2),
        // after which no membership change can be committed.
        let p = run("3", "0", "1", &[Action::Remove, Action::Add]);
        assert_eq!(p.steps[1].verdict, "quorum lost");
        assert_eq!(p.steps.len(), 3);
        let last = p.steps.last().unwrap();
        assert!(
            last.warnings[0].contains("impossible"),
            "{:?}",
            last.warnings
        );
    }

    #[test]
    fn impossible_actions_are_refused() {
        let p = |v: &str, d: &str, a: Action| {
            let s = |s: &str| s.parse::<Spec>().unwrap();
            plan(&Membership::resolve(&s(v), &s("0"), &s(d)).unwrap(), &[a])
                .unwrap_err()
                .to_string()
        };
        assert!(p("3", "0", Action::Promote).contains("needs a learner"));
        assert!(p("3", "0", Action::RemoveDown).contains("needs a voter that is down"));
        assert!(p("1", "0", Action::Remove).contains("last voting member"));
    }

    #[test]
    fn two_member_removal_is_flagged() {
        let p = run("2", "0", "0", &[Action::Remove]);
        assert!(p.steps[1].warnings[0].contains("two-member cluster"));
    }
}
