//! `quorumcalc snapshot`: is there a recent etcd snapshot that a restore
//! would take? The newest snapshot in the directory is read in full and
//! verified ([`crate::snapshot::verify`]), its age is judged against the
//! thresholds, and, when the live cluster's `endpoint status` is given, its
//! revision against the cluster's.
//!
//! [`look`] gathers the facts (the only part that touches the disk);
//! [`judge`] decides, a pure function of them.

use crate::snapshot::{self, Record, Verified};
use clikit::{Perf, Range, State};
use serde::Serialize;
use std::path::Path;
use time::{Duration, OffsetDateTime};

/// Where the snapshots are unless told otherwise.
pub const DEFAULT_DIR: &str = "/var/backups/etcd";

/// The most directory entries looked at.
pub const MAX_ENTRIES: usize = 100_000;

/// The age thresholds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// WARNING from this age.
    pub warning: Duration,
    /// CRITICAL from this age.
    pub critical: Duration,
}

/// What the directory holds.
#[derive(Debug, Clone)]
pub enum Listing {
    /// It does not exist: no snapshot was ever taken into it.
    Missing,
    /// It cannot be listed (permissions, not a directory, too big).
    Unreadable(String),
    /// The snapshots' names, oldest first (their names sort by time).
    Snapshots(Vec<String>),
}

/// The newest snapshot, as read.
#[derive(Debug, Clone)]
pub struct Newest {
    /// Its file name.
    pub name: String,
    /// When it was asked for (from its name).
    pub taken: OffsetDateTime,
    /// Whether it verifies, and why not.
    pub verified: Result<Verified, String>,
    /// Its record, when it has one.
    pub record: Result<Option<Record>, String>,
}

/// Everything [`judge`] decides from.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The directory, as given.
    pub dir: String,
    /// What is in it.
    pub listing: Listing,
    /// The newest snapshot, when there is one.
    pub newest: Option<Newest>,
    /// The live cluster's revision, when asked.
    pub live_revision: Option<u64>,
    /// Now.
    pub now: OffsetDateTime,
}

/// Lists `dir` and reads its newest snapshot.
pub fn look(dir: &str, live_revision: Option<u64>, now: OffsetDateTime) -> Facts {
    let listing = list(Path::new(dir));
    let newest = match &listing {
        Listing::Snapshots(names) => names.last().map(|name| {
            let path = Path::new(dir).join(name);
            Newest {
                name: name.clone(),
                taken: snapshot::taken(name).expect("listed names parse"),
                verified: snapshot::verify(&path),
                record: Record::read(&path),
            }
        }),
        _ => None,
    };
    Facts {
        dir: dir.to_owned(),
        listing,
        newest,
        live_revision,
        now,
    }
}

/// The snapshots in `dir`, oldest first.
pub fn list(dir: &Path) -> Listing {
    match entries(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Listing::Missing,
        Err(e) => Listing::Unreadable(e.to_string()),
        Ok(all) => {
            let mut names: Vec<String> = all
                .into_iter()
                .filter(|n| snapshot::taken(n).is_some())
                .collect();
            names.sort();
            Listing::Snapshots(names)
        }
    }
}

/// Every name in `dir`, at most [`MAX_ENTRIES`]: a directory holding more
/// is not a snapshot directory, and is not listed to the end.
pub fn entries(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        if names.len() >= MAX_ENTRIES {
            return Err(std::io::Error::other(format!(
                "more than {MAX_ENTRIES} entries: not a snapshot directory"
            )));
        }
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

/// The verdict; also the `--format json` schema.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// OK, WARNING, CRITICAL or UNKNOWN.
    pub state: State,
    /// One line saying why.
    pub summary: String,
    /// The directory.
    pub directory: String,
    /// Snapshots in it.
    pub snapshots: Option<u64>,
    /// The newest one's file name.
    pub newest: Option<String>,
    /// Its age in seconds.
    pub age_seconds: Option<i64>,
    /// Whether it verifies.
    pub verified: Option<bool>,
    /// Its size.
    pub bytes: Option<u64>,
    /// Its revision (from its record).
    pub revision: Option<u64>,
    /// The live cluster's revision, when given.
    pub live_revision: Option<u64>,
    /// Revisions written since the snapshot: what a restore from it loses.
    pub revisions_behind: Option<i64>,
    /// The thresholds, in seconds.
    pub warning_seconds: i64,
    /// CRITICAL from this age.
    pub critical_seconds: i64,
}

/// Decides.
pub fn judge(f: &Facts, limits: Limits) -> Report {
    let mut r = Report {
        state: State::Ok,
        summary: String::new(),
        directory: f.dir.clone(),
        snapshots: None,
        newest: None,
        age_seconds: None,
        verified: None,
        bytes: None,
        revision: None,
        live_revision: f.live_revision,
        revisions_behind: None,
        warning_seconds: limits.warning.whole_seconds(),
        critical_seconds: limits.critical.whole_seconds(),
    };
    let (count, newest) = match (&f.listing, &f.newest) {
        (Listing::Missing, _) => {
            return r.with(
                State::Critical,
                format!("no snapshot: {} does not exist", f.dir),
            );
        }
        (Listing::Unreadable(why), _) => {
            return r.with(State::Unknown, format!("cannot list {}: {why}", f.dir));
        }
        (Listing::Snapshots(names), Some(n)) => (names.len(), n),
        (Listing::Snapshots(_), None) => {
            r.snapshots = Some(0);
            return r.with(
                State::Critical,
                format!(
                    "no snapshot in {} (none named {}*{})",
                    f.dir,
                    snapshot::PREFIX,
                    snapshot::SUFFIX
                ),
            );
        }
    };
    r.snapshots = Some(count as u64);
    r.newest = Some(newest.name.clone());
    let age = f.now - newest.taken;
    r.age_seconds = Some(age.whole_seconds());
    let v = match &newest.verified {
        Err(why) => {
            r.verified = Some(false);
            return r.with(
                State::Critical,
                format!("the newest snapshot, {}, {why}", newest.name),
            );
        }
        Ok(v) => v,
    };
    r.verified = Some(true);
    r.bytes = Some(v.bytes);
    r.judge_age(newest, age, limits);
    r.judge_revision(newest, f.live_revision);
    r
}

impl Report {
    fn with(mut self, state: State, summary: String) -> Report {
        self.state = state;
        self.summary = summary;
        self
    }

    /// Raises the state to `state` and adds `why` to the summary.
    fn add(&mut self, state: State, why: String) {
        self.state = self.state.max(state);
        if !self.summary.is_empty() {
            self.summary.push_str("; ");
        }
        self.summary.push_str(&why);
    }

    fn judge_age(&mut self, n: &Newest, age: Duration, limits: Limits) {
        let state = if age >= limits.critical {
            State::Critical
        } else if age >= limits.warning {
            State::Warning
        } else {
            State::Ok
        };
        let bound = match state {
            State::Ok => format!("warning at {}", span(limits.warning)),
            State::Warning => format!("older than {}", span(limits.warning)),
            _ => format!("older than {}", span(limits.critical)),
        };
        let when = if age.is_negative() {
            format!("taken {} in the future (is the clock right?)", span(-age))
        } else {
            format!("{} old", span(age))
        };
        self.add(
            state,
            format!(
                "{} is {when} ({bound}), verified, {} bytes",
                n.name,
                self.bytes.unwrap_or(0)
            ),
        );
        if age.is_negative() && -age > Duration::minutes(5) {
            self.add(
                State::Warning,
                "its name is ahead of this host's clock".into(),
            );
        }
    }

    fn judge_revision(&mut self, n: &Newest, live: Option<u64>) {
        let record = match &n.record {
            Ok(r) => r.as_ref(),
            Err(why) => {
                self.add(State::Unknown, format!("its record {why}"));
                return;
            }
        };
        self.revision = record.map(|r| r.revision);
        match (self.revision, live) {
            (Some(rev), None) => self.add(State::Ok, format!("revision {rev}")),
            (None, None) => {}
            (None, Some(_)) => self.add(
                State::Unknown,
                format!(
                    "its revision is unknown: {} has no record ({}) to compare with the cluster's",
                    n.name,
                    snapshot::RECORD
                ),
            ),
            (Some(rev), Some(live)) => {
                let behind = live as i64 - rev as i64;
                self.revisions_behind = Some(behind);
                if behind < 0 {
                    self.add(
                        State::Warning,
                        format!(
                            "revision {rev} is ahead of the cluster's {live}: a snapshot of \
                             another cluster, or the cluster was restored from an older one"
                        ),
                    );
                } else {
                    self.add(
                        State::Ok,
                        format!(
                            "revision {rev}, {behind} behind the cluster's {live} (what a \
                             restore from it loses)"
                        ),
                    );
                }
            }
        }
    }

    /// The status line and its numbers.
    pub fn status(&self) -> clikit::Status {
        let mut st = crate::TOOL.status("snapshot", self.state, self.summary.clone());
        let count = |m, v: Option<u64>| Perf {
            value: v.map(|v| v as f64),
            ..Perf::count(m, 0.0)
        };
        st.perfdata = vec![
            Perf {
                value: self.age_seconds.map(|a| a as f64),
                min: None,
                ..Perf::seconds("snapshot_age", 0.0)
            }
            .thresholds(
                Range::Above(self.warning_seconds as f64),
                Range::Above(self.critical_seconds as f64),
            ),
            count("snapshots", self.snapshots),
            count("snapshot_bytes", self.bytes),
            count("snapshot_revision", self.revision),
        ];
        if self.live_revision.is_some() {
            st.perfdata.push(Perf {
                value: self.revisions_behind.map(|b| b as f64),
                min: None,
                ..Perf::count("snapshot_revisions_behind", 0.0)
            });
        }
        st
    }
}

/// A span as people read it: `50h`, `17h 12m`, `3d 4h`, `45s`.
pub fn span(d: Duration) -> String {
    let s = d.whole_seconds().abs();
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) if d < 3 => format!("{}h", d * 24),
        (d, h, _) if d < 3 => format!("{}h", d * 24 + h),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-05 20:00:00 UTC);
    const LIMITS: Limits = Limits {
        warning: Duration::hours(26),
        critical: Duration::hours(50),
    };

    fn good(hours_ago: i64, revision: Option<u64>) -> Facts {
        let taken = NOW - Duration::hours(hours_ago);
        let name = snapshot::name_at(taken);
        Facts {
            dir: "/var/backups/etcd".into(),
            listing: Listing::Snapshots(vec![name.clone()]),
            newest: Some(Newest {
                name,
                taken,
                verified: Ok(Verified {
                    bytes: 24_608,
                    db_bytes: 24_576,
                    page_size: 4096,
                }),
                record: Ok(revision.map(|revision| Record {
                    endpoint: "https://10.0.0.1:2379".into(),
                    revision,
                    total_key: 54,
                    total_size: 24_576,
                    hash: 1,
                    bytes: 24_608,
                })),
            }),
            live_revision: None,
            now: NOW,
        }
    }

    #[test]
    fn age_against_the_thresholds() {
        for (hours, want) in [
            (1, State::Ok),
            (25, State::Ok),
            (26, State::Warning),
            (49, State::Warning),
            (50, State::Critical),
        ] {
            let r = judge(&good(hours, Some(51)), LIMITS);
            assert_eq!(r.state, want, "{hours}h: {}", r.summary);
            assert_eq!(r.age_seconds, Some(hours * 3600));
        }
    }

    #[test]
    fn nothing_to_restore_from_is_critical_and_an_unlistable_dir_unknown() {
        let mut f = good(1, None);
        f.listing = Listing::Snapshots(Vec::new());
        f.newest = None;
        assert_eq!(judge(&f, LIMITS).state, State::Critical);
        f.listing = Listing::Missing;
        assert_eq!(judge(&f, LIMITS).state, State::Critical);
        f.listing = Listing::Unreadable("Permission denied".into());
        let r = judge(&f, LIMITS);
        assert_eq!(r.state, State::Unknown);
        assert!(r.summary.contains("Permission denied"), "{}", r.summary);
    }

    #[test]
    fn a_fresh_snapshot_that_does_not_verify_is_critical() {
        let mut f = good(1, Some(51));
        f.newest.as_mut().unwrap().verified = Err("is empty".into());
        let r = judge(&f, LIMITS);
        assert_eq!(r.state, State::Critical);
        assert!(r.summary.ends_with("is empty"), "{}", r.summary);
    }

    #[test]
    fn the_revision_against_the_cluster() {
        let mut f = good(1, Some(51));
        f.live_revision = Some(171);
        let r = judge(&f, LIMITS);
        assert_eq!((r.state, r.revisions_behind), (State::Ok, Some(120)));
        f.live_revision = Some(40);
        assert_eq!(judge(&f, LIMITS).state, State::Warning);
        let mut f = good(1, None);
        f.live_revision = Some(171);
        assert_eq!(judge(&f, LIMITS).state, State::Unknown);
        f.live_revision = None;
        assert_eq!(judge(&f, LIMITS).state, State::Ok);
    }

    #[test]
    fn a_snapshot_from_the_future_warns() {
        let r = judge(&good(-2, Some(51)), LIMITS);
        assert_eq!(r.state, State::Warning, "{}", r.summary);
        assert!(r.summary.contains("in the future"));
    }

    #[test]
    fn spans_read_naturally() {
        let cases = [
            (Duration::seconds(45), "45s"),
            (Duration::minutes(5), "5m"),
            (Duration::hours(26), "26h"),
            (Duration::minutes(17 * 60 + 12), "17h 12m"),
            (Duration::hours(50), "50h"),
            (Duration::hours(76), "3d 4h"),
        ];
        for (d, want) in cases {
            assert_eq!(span(d), want);
        }
    }
}
