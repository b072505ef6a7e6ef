//! The live state of a running etcd cluster, judged from `etcdctl` JSON.
//!
//! The rules, each one learned from real etcd 3.4 (see the README):
//!
//! * voters come from `member list` (members without `isLearner`), including
//!   members added but not started, which already count toward the quorum;
//! * a voter is up when it answered `endpoint status` (dead members are simply
//!   missing from that output);
//! * there is a leader when an answering voter names itself as leader; a
//!   learner's `leader` field is ignored, since a learner never clears it;
//! * `etcdserver: no leader` on any voter means quorum is lost right now;
//! * with `endpoint health` alone, any healthy voter proves quorum (health is
//!   a linearizable read), and without quorum every member looks the same;
//! * etcdctl's own exit status is never consulted: one dead member, or any
//!   learner, makes it exit 1 while quorum holds.

use crate::error::Error;
use crate::etcd::Inputs;
use crate::math::{plural, quorum, tolerance};
use serde::Serialize;

/// The Nagios state of the cluster: OK while quorum holds with a voter
/// failure to spare, WARNING when the next failure (or an alarm) would lose
/// it, CRITICAL when quorum is lost, UNKNOWN when the input cannot decide.
pub use clikit::State;

/// What `quorumcalc status` reports; also its `--format json` schema.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// OK, WARNING, CRITICAL or UNKNOWN.
    pub state: State,
    /// One line saying why.
    pub summary: String,
    /// The cluster ID in hex, when any input carries it.
    pub cluster_id: Option<String>,
    /// Voting members, when they can be counted.
    pub voters: Option<u64>,
    /// Voting members that are up; null when the state is UNKNOWN (an
    /// UNKNOWN carries no invented numbers).
    pub voters_up: Option<u64>,
    /// Learners (never counted toward quorum); null when UNKNOWN.
    pub learners: Option<u64>,
    /// Votes needed, when the voters can be counted.
    pub quorum: Option<u64>,
    /// Failures the full cluster tolerates: ⌊(voters−1)/2⌋.
    pub failures_tolerated: Option<u64>,
    /// Further voter failures survivable now (voters up − quorum); negative
    /// when quorum is lost by that many.
    pub failures_to_spare: Option<i64>,
    /// The leader, when an answering voter claims the role.
    pub leader: Option<MemberRef>,
    /// Every member seen, sorted by name, then ID, then endpoint.
    pub members: Vec<MemberReport>,
    /// Which etcdctl outputs were given.
    pub sources: Vec<&'static str>,
    /// Things an operator should know that do not change the state.
    pub notes: Vec<String>,
}

/// A member named by ID and name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberRef {
    /// Member ID in hex, as `etcdctl member remove` takes it.
    pub id: String,
    /// Member name, empty when unknown.
    pub name: String,
}

/// One member as seen across the inputs.
#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    /// Member ID in hex, when known.
    pub id: Option<String>,
    /// Member name; empty for a member added but not started, or when unknown.
    pub name: String,
    /// `voter`, `learner`, or `unknown`.
    pub role: &'static str,
    /// False for a member added to the cluster but never started.
    pub started: bool,
    /// First client URL.
    pub endpoint: Option<String>,
    /// Answered `endpoint status` (or was healthy); null when not known.
    pub up: Option<bool>,
    /// `endpoint health` result; null when not given.
    pub healthy: Option<bool>,
    /// True for the member that leads.
    pub leader: bool,
    /// Errors the member reported (`no leader`, alarms, health errors).
    pub errors: Vec<String>,
}

/// Everything known about one member while the inputs are merged.
#[derive(Debug, Default)]
struct View {
    id: Option<u64>,
    name: String,
    endpoints: Vec<String>,
    learner: Option<bool>,
    started: bool,
    up: Option<bool>,
    healthy: Option<bool>,
    errors: Vec<String>,
    health_error: Option<String>,
    reported_leader: u64,
    raft_term: u64,
}

impl View {
    fn is_voter(&self) -> bool {
        self.learner != Some(true)
    }
    fn has_endpoint(&self, url: &str) -> bool {
        let url = normalise(url);
        self.endpoints.contains(&url)
    }
    fn label(&self) -> String {
        match (&self.name, self.id) {
            (n, _) if !n.is_empty() => n.clone(),
            (_, Some(id)) => format!("{id:x}"),
            _ => self.endpoints.first().cloned().unwrap_or_default(),
        }
    }
}

fn normalise(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn is_no_leader(err: &str) -> bool {
    err.to_ascii_lowercase().contains("no leader")
}

/// Everything the inputs say, merged per member.
#[derive(Default)]
struct Merged {
    views: Vec<View>,
    notes: Vec<String>,
    sources: Vec<&'static str>,
    /// The cluster ID and the input it came from first.
    cluster_id: Option<(u64, String)>,
    have_members: bool,
    have_status: bool,
    have_health: bool,
}

/// Who leads, by the members' own word.
struct Leadership {
    leader: Option<MemberRef>,
    leader_id: Option<u64>,
    /// Some voter says `etcdserver: no leader`: quorum is lost now.
    no_leader_error: bool,
    /// Every other error a member reported, with the member.
    alarms: Vec<String>,
}

/// Merges the inputs and judges the cluster.
pub fn evaluate(inputs: &Inputs) -> Result<Report, Error> {
    let mut m = Merged::default();
    m.member_list(inputs)?;
    m.endpoint_status(inputs)?;
    m.endpoint_health(inputs);
    m.require_members(inputs)?;
    let lead = m.leadership();
    m.note_unstarted();
    Ok(m.judge(&lead))
}

impl Report {
    /// The report when no etcd member answered at all, judged from
    /// etcdctl's stderr: nothing is counted, etcdctl's reasons are notes.
    pub fn unanswered(why: crate::unanswered::NoAnswer) -> Report {
        Report {
            state: why.state,
            summary: why.summary,
            cluster_id: None,
            voters: None,
            voters_up: None,
            learners: None,
            quorum: None,
            failures_tolerated: None,
            failures_to_spare: None,
            leader: None,
            members: Vec::new(),
            sources: vec!["etcdctl errors"],
            notes: why.notes,
        }
    }
}

impl Merged {
    /// `member list`: every member, voters and learners, started or not.
    fn member_list(&mut self, inputs: &Inputs) -> Result<(), Error> {
        let Some((label, ml)) = &inputs.members else {
            return Ok(());
        };
        let mut ids = std::collections::BTreeSet::new();
        if let Some(m) = ml.members.iter().find(|m| !ids.insert(m.id)) {
            return Err(Error::input(
                label.clone(),
                format!(
                    "member {:x} is listed twice: not one `etcdctl member list -w json` output (two pasted together?)",
                    m.id
                ),
            ));
        }
        self.have_members = true;
        self.sources.push("member list");
        self.cluster_id = Some((ml.header.cluster_id, label.clone()));
        for m in &ml.members {
            self.views.push(View {
                id: Some(m.id),
                name: m.name.clone(),
                endpoints: m.client_urls.iter().map(|u| normalise(u)).collect(),
                learner: Some(m.is_learner),
                started: !m.name.is_empty() || !m.client_urls.is_empty(),
                ..View::default()
            });
        }
        Ok(())
    }

    /// The member a status or health answer is about, by ID or endpoint;
    /// one that `member list` did not name is added (with a note when the
    /// list was given).
    fn view_for(&mut self, id: Option<u64>, endpoint: &str, source: &str) -> usize {
        let found = id
            .and_then(|id| self.views.iter().position(|v| v.id == Some(id)))
            .or_else(|| self.views.iter().position(|v| v.has_endpoint(endpoint)));
        if let Some(i) = found {
            return i;
        }
        if self.have_members {
            self.notes.push(match id {
                Some(id) => format!(
                    "member {id:x} ({endpoint}) answered `{source}` but is not in `member list`; were the outputs taken at different times?"
                ),
                None => format!(
                    "{endpoint} answered `{source}` but no member in `member list` has that client URL"
                ),
            });
        }
        self.views.push(View {
            id,
            endpoints: vec![normalise(endpoint)],
            started: true,
            ..View::default()
        });
        self.views.len() - 1
    }

    /// `endpoint status`: who answered (a dead member is simply missing),
    /// who each one follows, and their errors.
    fn endpoint_status(&mut self, inputs: &Inputs) -> Result<(), Error> {
        let Some((label, entries)) = &inputs.status else {
            return Ok(());
        };
        self.have_status = true;
        self.sources.push("endpoint status");
        for e in entries {
            let s = &e.status;
            match &self.cluster_id {
                Some((id, from)) if *id != s.header.cluster_id => {
                    return Err(Error::input(
                        label.clone(),
                        format!(
                            "{} belongs to cluster {:x}, but {from} is from cluster {id:x}; give outputs of one cluster",
                            e.endpoint, s.header.cluster_id
                        ),
                    ));
                }
                Some(_) => {}
                None => self.cluster_id = Some((s.header.cluster_id, label.clone())),
            }
            let i = self.view_for(Some(s.header.member_id), &e.endpoint, "endpoint status");
            let v = &mut self.views[i];
            v.id = Some(s.header.member_id);
            if v.learner == Some(!s.is_learner) {
                self.notes.push(format!(
                    "{} is a {} in `member list` but says it is a {}; trusting the member itself",
                    v.label(),
                    if s.is_learner { "voter" } else { "learner" },
                    if s.is_learner { "learner" } else { "voter" },
                ));
            }
            v.learner = Some(s.is_learner);
            v.up = Some(true);
            v.reported_leader = s.leader;
            v.raft_term = s.raft_term;
            for err in &s.errors {
                if !v.errors.contains(err) {
                    v.errors.push(err.clone());
                }
            }
            if !v.has_endpoint(&e.endpoint) {
                v.endpoints.push(normalise(&e.endpoint));
            }
        }
        for v in &mut self.views {
            v.up.get_or_insert(false);
        }
        Ok(())
    }

    /// `endpoint health`: health per endpoint; without `endpoint status`,
    /// a healthy member is up.
    fn endpoint_health(&mut self, inputs: &Inputs) {
        let Some((_, entries)) = &inputs.health else {
            return;
        };
        self.have_health = true;
        self.sources.push("endpoint health");
        for h in entries {
            let i = self.view_for(None, &h.endpoint, "endpoint health");
            let have_status = self.have_status;
            let v = &mut self.views[i];
            v.healthy = Some(h.health);
            // A learner cannot pass the health check (it serves no
            // linearizable read): a healthy member votes.
            if h.health {
                v.learner.get_or_insert(false);
            }
            if let Some(err) = &h.error {
                if err.contains("not supported for learner") {
                    v.learner.get_or_insert(true);
                }
                v.health_error = Some(err.clone());
            }
            if !have_status && h.health {
                v.up = Some(true);
            }
        }
    }

    /// At least one member must have been seen; without `member list`
    /// some members cannot be seen at all, which a note says.
    fn require_members(&mut self, inputs: &Inputs) -> Result<(), Error> {
        if self.views.is_empty() {
            let source = inputs
                .status
                .as_ref()
                .map(|(l, _)| l.clone())
                .unwrap_or_default();
            return Err(Error::input(
                source,
                "no member in the input: no endpoint answered; pass `etcdctl member list -w json` too, \
                 and several --endpoints so that one dead member does not hide the rest",
            ));
        }
        if !self.have_members {
            self.notes.push(
                "without `etcdctl member list -w json`, a member added but never started is invisible, \
                 and a learner that is down looks like a voter that is down"
                    .into(),
            );
        }
        Ok(())
    }

    fn voters(&self) -> Vec<&View> {
        self.views.iter().filter(|v| v.is_voter()).collect()
    }

    /// The leader: a voter that answered and names itself (learners are
    /// skipped, since a learner never clears a stale leader); the highest
    /// term wins when several claim it.
    fn leadership(&mut self) -> Leadership {
        let voters = self.voters();
        let mut claimants: Vec<&View> = voters
            .iter()
            .copied()
            .filter(|v| v.up == Some(true) && v.id.is_some() && v.id == Some(v.reported_leader))
            .collect();
        claimants.sort_by_key(|v| std::cmp::Reverse(v.raft_term));
        let mut notes = Vec::new();
        if claimants.len() > 1 {
            let names: Vec<String> = claimants.iter().map(|v| v.label()).collect();
            notes.push(format!(
                "several members claim leadership ({}); taking the one with the highest term",
                names.join(", ")
            ));
        }
        if let Some(l) = claimants.first() {
            for v in &voters {
                if v.up == Some(true)
                    && v.reported_leader != 0
                    && v.reported_leader != l.reported_leader
                {
                    notes.push(format!(
                        "{} follows {:x}, not the leader {}; an election may be under way",
                        v.label(),
                        v.reported_leader,
                        l.label()
                    ));
                }
            }
        }
        let lead = Leadership {
            leader: claimants.first().map(|v| MemberRef {
                id: format!("{:x}", v.reported_leader),
                name: v.name.clone(),
            }),
            leader_id: claimants.first().and_then(|v| v.id),
            no_leader_error: voters
                .iter()
                .any(|v| v.errors.iter().any(|e| is_no_leader(e))),
            alarms: self
                .views
                .iter()
                .flat_map(|v| {
                    v.errors
                        .iter()
                        .filter(|e| !is_no_leader(e))
                        .map(move |e| format!("{}: {e}", v.label()))
                })
                .collect(),
        };
        self.notes.extend(notes);
        lead
    }

    /// Voters added but never started already count toward the quorum;
    /// learners never do.
    fn note_unstarted(&mut self) {
        for v in self.views.iter().filter(|v| !v.started) {
            self.notes.push(if v.is_voter() {
                format!(
                    "member {} was added but has not started: it already counts toward the quorum",
                    v.label()
                )
            } else {
                format!(
                    "learner {} was added but has not started: learners never count toward the quorum; promote it once it has started and caught up",
                    v.label()
                )
            });
        }
    }

    /// The voters when the first `learners` of the members whose role no
    /// input gave are learners and the rest vote.
    fn voters_if(&self, learners: usize) -> Vec<&View> {
        let mut unknown = 0;
        self.views
            .iter()
            .filter(|v| match v.learner {
                Some(l) => !l,
                None => {
                    unknown += 1;
                    unknown > learners
                }
            })
            .collect()
    }

    /// The counts and verdict when `learners` of the members of unknown
    /// role are learners.
    fn count(&self, lead: &Leadership, learners: usize) -> (State, String, Counts) {
        let voters = self.voters_if(learners);
        let learners = (self.views.len() - voters.len()) as u64;
        let v_count = voters.len() as u64;
        let up = if self.have_status {
            voters.iter().filter(|v| v.up == Some(true)).count() as u64
        } else {
            voters.iter().filter(|v| v.healthy == Some(true)).count() as u64
        };
        let q = quorum(v_count);
        let c = Counts {
            up,
            voters: v_count,
            learners,
            quorum: q,
            spare: up as i64 - q as i64,
        };
        let (state, summary) = verdict(&c, self, lead);
        (state, summary, c)
    }

    /// The verdict and the report. A member seen only by `endpoint health`
    /// has no known role: when the verdict depends on whether it votes,
    /// the state is UNKNOWN.
    fn judge(mut self, lead: &Leadership) -> Report {
        let unknown: Vec<String> = self
            .views
            .iter()
            .filter(|v| v.learner.is_none())
            .map(View::label)
            .collect();
        let (mut state, mut summary, c) = self.count(lead, 0);
        // However many of them are learners, up to etcd's limit.
        let known_learners = self
            .views
            .iter()
            .filter(|v| v.learner == Some(true))
            .count();
        let most = unknown
            .len()
            .min(ETCD_MAX_LEARNERS.saturating_sub(known_learners));
        let other = (1..=most)
            .map(|j| self.count(lead, j).0)
            .find(|s| *s != state);
        match other {
            _ if unknown.is_empty() => {}
            None => self.notes.push(format!(
                "no input says whether {} votes; the verdict is the same either way",
                unknown.join(", ")
            )),
            Some(other) => {
                summary = format!(
                    "cannot tell whether {} votes (it did not answer, and no `member list` was given): \
                     {state} if it does, {other} if it is a learner; add the output of `etcdctl member list -w json`",
                    unknown.join(", "),
                );
                state = State::Unknown;
            }
        }
        // UNKNOWN keeps what `member list` states (who votes) and drops
        // what would be guessed (who is up, what can be spared).
        let known = state != State::Unknown;
        let voters_known = self.have_members || (known && self.have_health);
        let members = member_reports(&self.views, lead.leader_id);
        Report {
            state,
            summary,
            cluster_id: self.cluster_id.map(|(id, _)| format!("{id:x}")),
            voters: voters_known.then_some(c.voters),
            voters_up: known.then_some(c.up),
            learners: (known || self.have_members).then_some(c.learners),
            quorum: voters_known.then_some(c.quorum),
            failures_tolerated: voters_known.then(|| tolerance(c.voters)),
            failures_to_spare: (known && voters_known).then_some(c.spare),
            leader: lead.leader.clone(),
            members,
            sources: self.sources,
            notes: self.notes,
        }
    }
}

/// How many learners etcd allows: 1, fixed in 3.4 and the default of
/// `--experimental-max-learners` in 3.5.
const ETCD_MAX_LEARNERS: usize = 1;

/// The numbers the verdict is made of.
struct Counts {
    up: u64,
    voters: u64,
    learners: u64,
    quorum: u64,
    spare: i64,
}

/// The state and the summary line: UNKNOWN when the inputs cannot tell,
/// CRITICAL when quorum is lost, WARNING when the next failure (or an
/// alarm) would lose it, OK otherwise.
fn verdict(c: &Counts, m: &Merged, lead: &Leadership) -> (State, String) {
    let voters_known = m.have_members || m.have_health;
    let (up, v_count, q, spare) = (c.up, c.voters, c.quorum, c.spare);
    let quorum_held = if m.have_status {
        lead.leader.is_some() && !lead.no_leader_error && (!voters_known || up >= q)
    } else {
        up > 0
    };
    let leader_text = lead
        .leader
        .as_ref()
        .map(|l| {
            let who = if l.name.is_empty() { &l.id } else { &l.name };
            format!("; leader {who}")
        })
        .unwrap_or_default();
    let learner_text = match c.learners {
        0 => String::new(),
        1 => "; 1 learner (does not vote)".into(),
        n => format!("; {n} learners (do not vote)"),
    };
    let counts = format!("{up} of {v_count} voters up, quorum {q}");
    if !m.have_status && !m.have_health {
        (
            State::Unknown,
            "`member list` says nothing about which members are up; \
             add the output of `etcdctl endpoint status --cluster -w json`"
                .to_owned(),
        )
    } else if !voters_known {
        if lead.no_leader_error || lead.leader.is_none() {
            (
                State::Critical,
                format!("quorum lost: no leader{learner_text}"),
            )
        } else {
            (
                State::Unknown,
                "cannot count the voting members: members that are down are missing from `endpoint status`; \
                 add the output of `etcdctl member list -w json`"
                    .to_owned(),
            )
        }
    } else if v_count == 0 {
        (State::Unknown, "no voting member in the input".to_owned())
    } else if !quorum_held {
        let why = if !m.have_status {
            format!("quorum lost: no voter is healthy ({v_count} voters, quorum {q})")
        } else if lead.leader.is_some() && !lead.no_leader_error {
            format!(
                "quorum lost: {counts}{leader_text} (a cut-off leader keeps the title for about one election timeout)"
            )
        } else {
            format!("quorum lost: no leader; {counts}")
        };
        (State::Critical, format!("{why}{learner_text}"))
    } else if spare <= 0 {
        let why = if spare < 0 {
            format!(
                "quorum holds, but only {up} of {v_count} voters report healthy (quorum {q}); alarms?"
            )
        } else {
            format!("quorum holds, but no further failure can be survived: {counts}")
        };
        (State::Warning, format!("{why}{leader_text}{learner_text}"))
    } else if !lead.alarms.is_empty() {
        (
            State::Warning,
            format!(
                "{counts}, {} more survivable, but: {}{leader_text}",
                plural(spare, "failure"),
                lead.alarms.join("; ")
            ),
        )
    } else {
        let more = plural(spare, "more failure");
        (
            State::Ok,
            format!("{counts}, {more} survivable{leader_text}{learner_text}"),
        )
    }
}

/// One line per member, sorted by name, then ID, then endpoint.
fn member_reports(views: &[View], leader_id: Option<u64>) -> Vec<MemberReport> {
    let mut members: Vec<MemberReport> = views
        .iter()
        .map(|v| {
            let mut errors = v.errors.clone();
            if let Some(e) = &v.health_error {
                errors.push(format!("health: {e}"));
            }
            MemberReport {
                id: v.id.map(|id| format!("{id:x}")),
                name: v.name.clone(),
                role: match v.learner {
                    Some(true) => "learner",
                    Some(false) => "voter",
                    None => "unknown",
                },
                started: v.started,
                endpoint: v.endpoints.first().cloned(),
                up: v.up,
                healthy: v.healthy,
                leader: leader_id.is_some() && v.id == leader_id,
                errors,
            }
        })
        .collect();
    members.sort_by(|a, b| (&a.name, &a.id, &a.endpoint).cmp(&(&b.name, &b.id, &b.endpoint)));
    members
}

impl Report {
    /// The verdict as a status line with performance data: the counts,
    /// the failures to spare (WARNING below 1, CRITICAL below 0), and
    /// whether each member is up.
    pub fn status(&self) -> clikit::Status {
        use clikit::{Perf, Range};
        let count = |m, v: Option<u64>| Perf {
            value: v.map(|v| v as f64),
            ..Perf::count(m, 0.0)
        };
        let mut st = crate::TOOL.status("status", self.state, self.summary.clone());
        st.perfdata = vec![
            count("voters", self.voters),
            count("voters_up", self.voters_up),
            count("learners", self.learners),
            count("quorum", self.quorum),
            Perf {
                value: self.failures_to_spare.map(|s| s as f64),
                min: None,
                ..Perf::count("spare", 0.0)
            }
            .thresholds(Range::Below(1.0), Range::Below(0.0)),
        ];
        for m in &self.members {
            let who = if m.name.is_empty() {
                m.id.clone().or(m.endpoint.clone()).unwrap_or_default()
            } else {
                m.name.clone()
            };
            let up = m.up.map(|u| f64::from(u8::from(u)));
            st.perfdata.push(
                Perf {
                    value: up,
                    ..Perf::count("member_up", 0.0)
                }
                .of(who),
            );
        }
        st
    }

    /// The plugin's long output: one line per member, then the notes.
    pub fn long_text(&self) -> String {
        let mut out = String::new();
        let rows: Vec<Vec<String>> = self
            .members
            .iter()
            .map(|m| {
                let up = match m.up {
                    Some(true) => "up",
                    Some(false) => "down",
                    None => "?",
                };
                let mut flags = Vec::new();
                if m.leader {
                    flags.push("leader".to_owned());
                }
                if !m.started {
                    flags.push("unstarted".to_owned());
                }
                flags.extend(m.errors.iter().cloned());
                vec![
                    if m.name.is_empty() {
                        "-".into()
                    } else {
                        m.name.clone()
                    },
                    m.id.clone().unwrap_or_else(|| "-".into()),
                    m.role.to_owned(),
                    up.to_owned(),
                    m.endpoint.clone().unwrap_or_else(|| "-".into()),
                    flags.join(", "),
                ]
            })
            .collect();
        if !rows.is_empty() {
            out.push_str(&clikit::table(
                &["NAME", "ID", "ROLE", "STATE", "ENDPOINT", "NOTES"],
                rows,
            ));
        }
        clikit::push_labelled(&mut out, "note", &self.notes);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::Inputs;

    fn eval(files: &[&str]) -> Report {
        let mut i = Inputs::default();
        for f in files {
            i.add(f, &crate::etcd::tests_support::fixture(f)).unwrap();
        }
        evaluate(&i).unwrap()
    }

    const ALL: [&str; 3] = ["member-list", "endpoint-status", "endpoint-health"];

    fn scenario(name: &str, kinds: &[&str]) -> Report {
        let files: Vec<String> = kinds.iter().map(|k| format!("{name}.{k}.json")).collect();
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        eval(&refs)
    }

    #[test]
    fn healthy_cluster_is_ok_with_one_failure_to_spare() {
        let r = scenario("healthy", &ALL);
        assert_eq!(r.state, State::Ok);
        assert_eq!(
            (r.voters, r.voters_up, r.quorum, r.failures_to_spare),
            (Some(3), Some(3), Some(2), Some(1))
        );
        assert_eq!(r.leader.as_ref().unwrap().name, "m1");
        assert_eq!(r.leader.as_ref().unwrap().id, "81c11181701465a4");
        assert_eq!(r.cluster_id.as_deref(), Some("f207e611a13449be"));
        assert!(r.summary.contains("3 of 3 voters up"), "{}", r.summary);
    }

    #[test]
    fn one_down_holds_quorum_with_nothing_to_spare_whatever_the_inputs() {
        // etcdctl exits 1 for these, yet quorum holds.
        for kinds in [
            &ALL[..],
            &["member-list", "endpoint-status"],
            &["member-list", "endpoint-health"],
            &["endpoint-health"],
            &["endpoint-status", "endpoint-health"],
        ] {
            let r = scenario("one-down", kinds);
            assert_eq!(r.state, State::Warning, "{kinds:?}: {}", r.summary);
            assert_eq!(
                (r.voters, r.voters_up, r.failures_to_spare),
                (Some(3), Some(2), Some(0)),
                "{kinds:?}"
            );
        }
        let r = scenario("one-down", &ALL);
        let m3 = r.members.iter().find(|m| m.name == "m3").unwrap();
        assert_eq!((m3.up, m3.healthy), (Some(false), Some(false)));
    }

    #[test]
    fn two_down_is_critical_whatever_the_inputs() {
        for kinds in [
            &ALL[..],
            &["member-list", "endpoint-status"],
            &["endpoint-health"],
            &["endpoint-status"],
        ] {
            let r = scenario("two-down", kinds);
            assert_eq!(r.state, State::Critical, "{kinds:?}: {}", r.summary);
            assert!(r.summary.starts_with("quorum lost"), "{}", r.summary);
            assert!(r.leader.is_none());
        }
        let r = scenario("two-down", &ALL);
        assert_eq!((r.voters_up, r.failures_to_spare), (Some(1), Some(-1)));
    }

    #[test]
    fn status_alone_cannot_count_voters_when_quorum_holds() {
        let r = scenario("one-down", &["endpoint-status"]);
        assert_eq!(r.state, State::Unknown);
        assert!(r.summary.contains("member list"), "{}", r.summary);
        assert_eq!(r.voters, None);
    }

    #[test]
    fn learner_is_not_counted_and_its_stale_leader_is_ignored() {
        let r = eval(&[
            "learner.member-list.json",
            "learner.endpoint-status.json",
            "learner.endpoint-health.json",
        ]);
        assert_eq!(r.state, State::Ok, "{}", r.summary);
        assert_eq!(
            (r.voters, r.voters_up, r.learners, r.quorum),
            (Some(3), Some(3), Some(1), Some(2))
        );
        // L1: two voters stopped; the learner still names a dead leader.
        let r = eval(&[
            "learner.member-list.json",
            "learner.L1.endpoint-status.json",
        ]);
        assert_eq!(r.state, State::Critical, "{}", r.summary);
        assert!(r.leader.is_none(), "learner's stale leader must not count");
        assert_eq!((r.voters, r.voters_up), (Some(3), Some(1)));
    }

    #[test]
    fn member_list_alone_says_nothing_about_liveness() {
        let r = eval(&["healthy.member-list.json"]);
        assert_eq!(r.state, State::Unknown, "{}", r.summary);
        assert!(r.summary.contains("endpoint status"), "{}", r.summary);
    }

    #[test]
    fn an_empty_list_means_no_endpoint_answered() {
        let mut i = Inputs::default();
        i.add(
            "ml",
            &crate::etcd::tests_support::fixture("healthy.member-list.json"),
        )
        .unwrap();
        i.add("st", "[]").unwrap();
        let r = evaluate(&i).unwrap();
        assert_eq!(r.state, State::Critical, "{}", r.summary);
        assert_eq!((r.voters, r.voters_up), (Some(3), Some(0)));
        let mut alone = Inputs::default();
        alone.add("st", "[]").unwrap();
        let e = evaluate(&alone).unwrap_err().to_string();
        assert!(e.starts_with("st: no member in the input"), "{e}");
    }

    #[test]
    fn a_learner_seen_only_by_health_is_not_a_voter_down() {
        // Real etcd: the learner times out its health check (a short
        // --command-timeout), so nothing says it is a learner. As a voter
        // it would make a false WARNING (3 of 4, nothing to spare); as a
        // learner the cluster is OK: the check cannot tell.
        let r = scenario("learner", &["endpoint-health"]);
        assert_eq!(r.state, State::Unknown, "{}", r.summary);
        assert!(
            r.summary
                .contains("cannot tell whether http://127.0.0.1:22404 votes"),
            "{}",
            r.summary
        );
        assert_eq!((r.voters_up, r.failures_to_spare), (None, None));
        // With member list it is known, and the cluster OK.
        let r = scenario("learner", &["member-list", "endpoint-health"]);
        assert_eq!(r.state, State::Ok, "{}", r.summary);
        // A member down that would change nothing either way: judged, noted.
        let r = scenario("one-down", &["endpoint-health"]);
        assert_eq!(r.state, State::Warning, "{}", r.summary);
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("the verdict is the same either way"))
        );
    }

    #[test]
    fn a_member_listed_twice_is_refused() {
        let list = crate::etcd::tests_support::fixture("healthy.member-list.json");
        let mut doc: serde_json::Value = serde_json::from_str(&list).unwrap();
        let first = doc["members"][0].clone();
        doc["members"].as_array_mut().unwrap().push(first);
        let mut i = Inputs::default();
        i.add("ml", &doc.to_string()).unwrap();
        let e = evaluate(&i).unwrap_err().to_string();
        assert!(
            e.starts_with("ml: member ") && e.contains("is listed twice"),
            "{e}"
        );
    }

    #[test]
    fn unstarted_member_counts_toward_quorum() {
        let r = eval(&["reconfig.R1.member-list.json"]);
        assert_eq!(r.voters, Some(4));
        // UNKNOWN (member list alone says nothing about liveness): no
        // invented count of voters up, nor failures to spare.
        assert_eq!(r.state, State::Unknown);
        assert_eq!((r.voters_up, r.failures_to_spare), (None, None));
        let line = r.status().line();
        assert!(
            line.contains("'voters_up'=U") && line.contains("'spare'=U"),
            "{line}"
        );
        assert!(r.notes.iter().any(|n| n.contains("has not started")));
        let m = r.members.iter().find(|m| !m.started).unwrap();
        assert_eq!(m.id.as_deref(), Some("3ab3ee96a74cf460"));
        // The same member added as a learner: it does not count.
        let list = crate::etcd::tests_support::fixture("reconfig.R1.member-list.json");
        let mut doc: serde_json::Value = serde_json::from_str(&list).unwrap();
        for m in doc["members"].as_array_mut().unwrap() {
            if m["clientURLs"].as_array().is_none_or(|u| u.is_empty()) {
                m["isLearner"] = serde_json::Value::Bool(true);
            }
        }
        let mut i = Inputs::default();
        i.add("ml", &doc.to_string()).unwrap();
        let r = evaluate(&i).unwrap();
        let note = r
            .notes
            .iter()
            .find(|n| n.contains("has not started"))
            .unwrap();
        assert!(
            note.starts_with("learner ") && note.contains("never count toward the quorum"),
            "{note}"
        );
        assert!(
            !r.notes.iter().any(|n| n.contains("already counts")),
            "{:?}",
            r.notes
        );
        assert_eq!(r.voters, Some(3));
    }

    #[test]
    fn outputs_of_different_clusters_are_refused() {
        let mut i = Inputs::default();
        i.add(
            "a",
            &crate::etcd::tests_support::fixture("learner.member-list.json"),
        )
        .unwrap();
        i.add(
            "b",
            &crate::etcd::tests_support::fixture("healthy.endpoint-status.json"),
        )
        .unwrap();
        let e = evaluate(&i).unwrap_err().to_string();
        assert!(e.contains("give outputs of one cluster"), "{e}");
    }

    #[test]
    fn text_output_is_a_nagios_line_with_perfdata() {
        let r = scenario("one-down", &ALL);
        let first = r.status().line();
        assert!(
            first.starts_with("QUORUM WARNING - quorum holds, but no further failure"),
            "{first}"
        );
        assert!(
            first.contains(
                "| 'voters'=3;;;0 'voters_up'=2;;;0 'learners'=0;;;0 'quorum'=2;;;0 'spare'=0;1:;0:; "
            ),
            "{first}"
        );
        assert!(first.contains("'m3_member_up'=0;;;0"), "{first}");
        assert!(r.long_text().contains("m3"));
    }
}
