//! Readers for `etcdctl -w json` output (etcd 3.4 and later).
//!
//! Three commands are understood, recognised by shape, in any order and any
//! combination, several JSON documents per input allowed:
//!
//! * `etcdctl member list -w json`: an object with `members`;
//! * `etcdctl endpoint status --cluster -w json`: an array of `{Endpoint, Status}`;
//! * `etcdctl endpoint health --cluster -w json`: an array of `{endpoint, health}`.
//!
//! Facts these readers rely on (all measured on etcd 3.4.23):
//!
//! * member IDs are full `u64`s, routinely above 2^63, so they are parsed as
//!   `u64` and never through a float;
//! * fields that are zero or false are left out: `leader` (no leader),
//!   `isLearner` (a voter), `errors`, and `name`/`clientURLs` (a member added
//!   but not started);
//! * key case differs between commands (`Endpoint` vs `endpoint`, `ID`);
//! * unknown fields are ignored, so newer etcd versions still parse.

use crate::error::Error;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// `etcdctl member list -w json`.
#[derive(Debug, Clone, Deserialize)]
pub struct MemberList {
    /// Response header of the member that answered.
    pub header: Header,
    /// Every member, voters and learners, started or not.
    #[serde(default)]
    pub members: Vec<Member>,
}

/// The response header etcd puts on every answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    /// The cluster's ID; the same for every member of one cluster.
    pub cluster_id: u64,
    /// The ID of the member that answered.
    pub member_id: u64,
    /// The store's revision as that member has applied it.
    #[serde(default)]
    pub revision: u64,
}

/// One entry of `member list`.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    /// The member's ID.
    #[serde(rename = "ID")]
    pub id: u64,
    /// The member's name; empty when the member was added but never started.
    #[serde(default)]
    pub name: String,
    /// Client URLs; empty when the member has not started.
    #[serde(rename = "clientURLs", default)]
    pub client_urls: Vec<String>,
    /// Peer URLs.
    #[serde(rename = "peerURLs", default)]
    pub peer_urls: Vec<String>,
    /// True for a learner (non-voting member); absent for voters.
    #[serde(rename = "isLearner", default)]
    pub is_learner: bool,
}

/// One entry of `endpoint status`; members that did not answer are absent.
#[derive(Debug, Clone, Deserialize)]
pub struct StatusEntry {
    /// The client URL that was asked.
    #[serde(rename = "Endpoint")]
    pub endpoint: String,
    /// What it answered.
    #[serde(rename = "Status")]
    pub status: Status,
}

/// The body of an `endpoint status` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Header; `member_id` is the answering member.
    pub header: Header,
    /// The leader this member believes in; absent (0) when it knows none.
    /// A learner's value can be stale: it never campaigns, so never clears it.
    #[serde(default)]
    pub leader: u64,
    /// Current Raft term.
    #[serde(default)]
    pub raft_term: u64,
    /// Errors such as `etcdserver: no leader` or active alarms.
    #[serde(default)]
    pub errors: Vec<String>,
    /// True for a learner; absent for voters.
    #[serde(default)]
    pub is_learner: bool,
}

/// One entry of `endpoint health`.
#[derive(Debug, Clone, Deserialize)]
pub struct HealthEntry {
    /// The client URL that was asked.
    pub endpoint: String,
    /// Whether it served a linearizable read. Without quorum every member is
    /// unhealthy, and a learner is always unhealthy.
    pub health: bool,
    /// Why it is unhealthy, when it is.
    #[serde(default)]
    pub error: Option<String>,
}

/// Everything read from the inputs, at most one document of each kind.
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    /// `member list`, with the input it came from.
    pub members: Option<(String, MemberList)>,
    /// `endpoint status`, with the input it came from.
    pub status: Option<(String, Vec<StatusEntry>)>,
    /// `endpoint health`, with the input it came from.
    pub health: Option<(String, Vec<HealthEntry>)>,
}

impl Inputs {
    /// Adds every JSON document in `text`, read from the input named `source`.
    pub fn add(&mut self, source: &str, text: &str) -> Result<(), Error> {
        let mut docs = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
        let mut count = 0;
        loop {
            let doc = match docs.next() {
                None => break,
                Some(Ok(doc)) => doc,
                Some(Err(e)) => return Err(json_error(source, text, &e)),
            };
            count += 1;
            self.add_value(source, count, doc)?;
        }
        if count == 0 {
            return Err(Error::input(
                source,
                "no JSON found; expected the output of `etcdctl member list -w json`, \
                 `etcdctl endpoint status --cluster -w json` or `etcdctl endpoint health --cluster -w json` \
                 (did etcdctl fail before printing anything?)",
            ));
        }
        Ok(())
    }

    fn add_value(
        &mut self,
        source: &str,
        index: usize,
        doc: serde_json::Value,
    ) -> Result<(), Error> {
        let label = if index == 1 {
            source.to_owned()
        } else {
            format!("{source} (document {index})")
        };
        match Kind::of(&doc) {
            Kind::MemberList => {
                let v = typed(&label, "member list", doc)?;
                put(&mut self.members, &label, "member list", v)
            }
            Kind::Status => {
                let v = typed(&label, "endpoint status", doc)?;
                put(&mut self.status, &label, "endpoint status", v)
            }
            Kind::Health => {
                let v = typed(&label, "endpoint health", doc)?;
                put(&mut self.health, &label, "endpoint health", v)
            }
            // Health lists every endpoint, answered or not, so an empty list
            // is a status output in which no endpoint answered.
            Kind::Empty => put(&mut self.status, &label, "endpoint status", Vec::new()),
            Kind::LogLine => Err(Error::input(
                label,
                "this is an etcdctl log line from stderr, not its JSON output; \
                 do not merge stderr into the pipe (drop the 2>&1)",
            )),
            Kind::Unknown => Err(Error::input(
                label,
                "unrecognised JSON; expected the output of `etcdctl member list -w json`, \
                 `etcdctl endpoint status -w json` or `etcdctl endpoint health -w json`",
            )),
        }
    }
}

fn put<T>(slot: &mut Option<(String, T)>, label: &str, what: &str, value: T) -> Result<(), Error> {
    if let Some((first, _)) = slot {
        return Err(Error::input(
            label,
            format!(
                "a second `{what}` output (the first came from {first}); give each command's output once"
            ),
        ));
    }
    *slot = Some((label.to_owned(), value));
    Ok(())
}

fn typed<T: DeserializeOwned>(label: &str, what: &str, doc: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(doc).map_err(|e| {
        let hint = if e.to_string().contains("floating point") {
            " (member IDs must be whole numbers: was this JSON passed through a tool that rounds big numbers, such as jq 1.6?)"
        } else {
            ""
        };
        Error::input(label, format!("not valid `etcdctl {what}` output: {e}{hint}"))
    })
}

/// A JSON syntax error, located by line and column, with a hint for the
/// commonest cause (a truncated pipe).
fn json_error(source: &str, text: &str, e: &serde_json::Error) -> Error {
    let hint = if e.is_eof() {
        " (the JSON is truncated: did etcdctl time out or get killed?)"
    } else if text
        .trim_start()
        .starts_with(|c: char| c.is_ascii_alphabetic())
    {
        " (this looks like text: run etcdctl with -w json)"
    } else {
        ""
    };
    Error::input(source, format!("invalid JSON: {e}{hint}"))
}

/// Which etcdctl command a JSON document came from, judged by its shape.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    MemberList,
    Status,
    Health,
    Empty,
    LogLine,
    Unknown,
}

impl Kind {
    fn of(doc: &serde_json::Value) -> Kind {
        use serde_json::Value;
        match doc {
            Value::Object(o) if o.contains_key("members") => Kind::MemberList,
            Value::Object(o) if o.contains_key("level") && o.contains_key("msg") => Kind::LogLine,
            Value::Array(a) if a.is_empty() => Kind::Empty,
            Value::Array(a) => match &a[0] {
                Value::Object(o) if o.contains_key("Endpoint") && o.contains_key("Status") => {
                    Kind::Status
                }
                Value::Object(o) if o.contains_key("endpoint") && o.contains_key("health") => {
                    Kind::Health
                }
                _ => Kind::Unknown,
            },
            _ => Kind::Unknown,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/etcd");

    /// A real etcdctl sample from `tests/fixtures/etcd`.
    pub(crate) fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::fixture;
    use super::*;

    #[test]
    fn member_list_keeps_ids_above_2_pow_63_exactly() {
        let mut i = Inputs::default();
        i.add("x", &fixture("healthy.member-list.json")).unwrap();
        let (_, ml) = i.members.unwrap();
        let ids: Vec<u64> = ml.members.iter().map(|m| m.id).collect();
        assert_eq!(
            ids,
            [
                9349773549026698660,
                14726619295449832861,
                17628312066579276252
            ]
        );
        assert!(ids[2] > 1 << 63);
        assert_eq!(ml.header.cluster_id, 17440161045408926142);
        assert!(ml.members.iter().all(|m| !m.is_learner));
    }

    #[test]
    fn unstarted_member_has_no_name_and_no_client_urls() {
        let mut i = Inputs::default();
        i.add("x", &fixture("reconfig.R1.member-list.json"))
            .unwrap();
        let (_, ml) = i.members.unwrap();
        let unstarted: Vec<&Member> = ml.members.iter().filter(|m| m.name.is_empty()).collect();
        assert_eq!(unstarted.len(), 1);
        assert_eq!(unstarted[0].id, 4229986805850371168);
        assert!(unstarted[0].client_urls.is_empty());
        assert_eq!(unstarted[0].peer_urls, ["http://127.0.0.1:22504"]);
    }

    #[test]
    fn status_without_quorum_has_no_leader_and_an_error() {
        let mut i = Inputs::default();
        i.add("x", &fixture("two-down.endpoint-status.json"))
            .unwrap();
        let (_, st) = i.status.unwrap();
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].status.leader, 0);
        assert_eq!(st[0].status.errors, ["etcdserver: no leader"]);
    }

    #[test]
    fn learner_flags_are_read_from_status_and_member_list() {
        let mut i = Inputs::default();
        i.add("s", &fixture("learner.endpoint-status.json"))
            .unwrap();
        i.add("m", &fixture("learner.member-list.json")).unwrap();
        let (_, st) = i.status.unwrap();
        let (_, ml) = i.members.unwrap();
        assert_eq!(st.iter().filter(|e| e.status.is_learner).count(), 1);
        assert_eq!(ml.members.iter().filter(|m| m.is_learner).count(), 1);
    }

    #[test]
    fn several_documents_in_one_input_are_recognised_by_shape() {
        let text = [
            fixture("one-down.endpoint-health.json"),
            fixture("one-down.member-list.json"),
            fixture("one-down.endpoint-status.json"),
        ]
        .join("\n");
        let mut i = Inputs::default();
        i.add("stdin", &text).unwrap();
        assert_eq!(i.health.as_ref().unwrap().1.len(), 3);
        assert_eq!(i.status.as_ref().unwrap().1.len(), 2);
        assert_eq!(i.members.as_ref().unwrap().1.members.len(), 3);
        assert_eq!(i.status.unwrap().0, "stdin (document 3)");
    }

    #[test]
    fn bad_documents_are_named_and_explained() {
        let err = |text: &str| {
            let mut i = Inputs::default();
            i.add("in.json", text).unwrap_err().to_string()
        };
        let full = fixture("healthy.endpoint-status.json");
        let truncated = &full[..full.len() / 2];
        assert!(
            err(truncated).starts_with("in.json: invalid JSON"),
            "{}",
            err(truncated)
        );
        assert!(err(truncated).contains("truncated"));
        assert!(err("").contains("no JSON found"));
        assert!(err("{\"a\":1}").contains("unrecognised JSON"));
        assert!(err("+----+").contains("invalid JSON"));
        assert!(err("Error: unhealthy cluster").contains("run etcdctl with -w json"));
        assert!(err(r#"{"level":"warn","msg":"retrying"}"#).contains("2>&1"));
        let twice = format!("{full}{full}");
        assert!(err(&twice).contains("second `endpoint status`"));
        let rounded =
            r#"{"header":{"cluster_id":1,"member_id":2},"members":[{"ID":1.7628312066579276e19}]}"#;
        assert!(err(rounded).contains("jq 1.6"), "{}", err(rounded));
    }
}
