//! `vipcheck notify`: keepalived's notify script. keepalived calls it with
//! `TYPE NAME STATE PRIORITY` on every transition; it records the latest in
//! a small JSON state file that `vipcheck local` reads.
//!
//! keepalived runs notify scripts concurrently, so on a quick
//! MASTER->BACKUP flip the two processes race and the first may finish
//! last. Each record therefore carries when keepalived forked its notify
//! process (clock ticks since boot, kept across `exec`) and its pid, and
//! the boot they belong to: under a lock, a record replaces the file only
//! when it is newer than what is there. `vipcheck local` also compares the
//! record with keepalived's own start, so one left by an earlier keepalived
//! is known to be stale.

use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The default state file.
pub const STATE_FILE: &str = "/run/vipcheck/state";

/// The largest state file read: a record is about 200 bytes.
const MAX_STATE: u64 = 64 * 1024;

/// One transition, as keepalived reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// `INSTANCE` or `GROUP`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The instance (`VI_1`).
    pub instance: String,
    /// `MASTER`, `BACKUP`, `FAULT` or `STOP`.
    pub state: String,
    /// The priority keepalived passed, if any.
    pub priority: Option<u32>,
    /// When it was recorded, seconds since the epoch.
    pub since: u64,
    /// Where it comes in keepalived's order of transitions; `None` in a
    /// record an older vipcheck wrote.
    #[serde(default)]
    pub order: Option<Order>,
}

/// When keepalived forked the notify process that wrote a record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Order {
    /// The boot (`/proc/sys/kernel/random/boot_id`).
    pub boot: String,
    /// Clock ticks since boot when the process was forked.
    pub started: u64,
    /// Its pid: orders two forks within one tick.
    pub pid: u32,
}

impl Transition {
    /// Whether this record comes after `other` in keepalived's order. A
    /// record from another boot, or one without an order, is older than
    /// any record of this boot.
    pub fn after(&self, other: &Transition, boot: Option<&str>) -> bool {
        let key = |t: &Transition| {
            t.order
                .as_ref()
                .filter(|o| Some(o.boot.as_str()) == boot)
                .map(|o| (o.started, o.pid))
        };
        key(self) > key(other)
    }
}

/// Checks keepalived's arguments.
pub fn transition(
    kind: &str,
    instance: &str,
    state: &str,
    priority: Option<&str>,
) -> Result<Transition, String> {
    if !matches!(kind, "INSTANCE" | "GROUP") {
        return Err(format!(
            "TYPE {kind:?}: keepalived passes INSTANCE or GROUP"
        ));
    }
    if !matches!(state, "MASTER" | "BACKUP" | "FAULT" | "STOP") {
        return Err(format!(
            "STATE {state:?}: keepalived passes MASTER, BACKUP, FAULT or STOP"
        ));
    }
    if instance.is_empty()
        || instance.len() > 64
        || instance
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("NAME {instance:?} is not an instance name"));
    }
    let priority = match priority {
        None => None,
        Some(p) => Some(
            p.parse()
                .map_err(|_| format!("PRIORITY {p:?} is not a number"))?,
        ),
    };
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let order = match (crate::process::boot_id(), forked_by_keepalived()) {
        (Some(boot), Some(me)) => Some(Order {
            boot,
            started: me.started,
            pid: me.pid,
        }),
        _ => None,
    };
    Ok(Transition {
        kind: kind.into(),
        instance: instance.into(),
        state: state.into(),
        priority,
        since,
        order,
    })
}

/// The process keepalived forked to run the notify script: this one, or
/// the ancestor whose parent is keepalived when a wrapper script runs
/// `vipcheck notify` without `exec`. Its fork time orders the transitions.
fn forked_by_keepalived() -> Option<crate::process::Proc> {
    let me = crate::process::this()?;
    let mut p = me.clone();
    for _ in 0..8 {
        match crate::process::stat(p.ppid) {
            Some(parent) if parent.comm == "keepalived" => return Some(p),
            Some(parent) if parent.pid > 1 => p = parent,
            _ => break,
        }
    }
    Some(me)
}

/// The lock beside the state file that orders writers.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Records `t` unless the file already holds a later transition; writes
/// atomically (a reader never sees half of it). Returns whether it wrote.
pub fn record(path: &Path, t: &Transition) -> crate::Result<bool> {
    let io = |e: String| crate::Error::Io(e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| io(format!("cannot create {}: {e}", dir.display())))?;
    }
    let lock_file = lock_path(path);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_file)
        .map_err(|e| io(format!("cannot open {}: {e}", lock_file.display())))?;
    lock.lock()
        .map_err(|e| io(format!("cannot lock {}: {e}", lock_file.display())))?;
    let boot = t.order.as_ref().map(|o| o.boot.as_str());
    // A damaged file is replaced: the new record is all that matters.
    if let Ok(Some(there)) = read(path)
        && there.after(t, boot)
    {
        return Ok(false);
    }
    let mut text = serde_json::to_string(t).expect("a record of strings and numbers serialises");
    text.push('\n');
    let change = clikit::files::Change {
        files: vec![(path.to_path_buf(), text.into_bytes())],
        file_mode: 0o644,
        dir_mode: 0o755,
        ..clikit::files::Change::default()
    };
    clikit::files::apply(&change)?;
    Ok(true)
}

/// Reads the state file; `Ok(None)` when there is none yet.
pub fn read(path: &Path) -> Result<Option<Transition>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut text = String::new();
    file.take(MAX_STATE + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if text.len() as u64 > MAX_STATE {
        return Err(format!(
            "{}: larger than {MAX_STATE} bytes, not a state file vipcheck notify wrote; remove it",
            path.display()
        ));
    }
    parse(&text).map(Some).map_err(|e| {
        format!(
            "{}: {e}; not a state file vipcheck notify wrote, remove it",
            path.display()
        )
    })
}

/// Parses a record.
pub fn parse(text: &str) -> Result<Transition, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_reads_back() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("run/state");
        assert_eq!(read(&p).unwrap(), None);
        let tr = transition("INSTANCE", "VI_1", "MASTER", Some("150")).unwrap();
        assert!(record(&p, &tr).unwrap());
        assert_eq!(read(&p).unwrap(), Some(tr.clone()));
        assert!(tr.order.is_some());
        assert!(transition("INSTANCE", "VI_1", "LEADER", None).is_err());
        assert!(transition("X", "VI_1", "MASTER", None).is_err());
        assert!(transition("INSTANCE", "VI 1", "MASTER", None).is_err());
    }

    #[test]
    fn an_earlier_transition_never_replaces_a_later_one() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("state");
        let at = |state: &str, started: u64, pid: u32| {
            let mut tr = transition("INSTANCE", "VI_1", state, None).unwrap();
            tr.order = Some(Order {
                boot: crate::process::boot_id().unwrap(),
                started,
                pid,
            });
            tr
        };
        assert!(record(&p, &at("BACKUP", 100, 7)).unwrap());
        // The MASTER forked first but finishing last is dropped.
        assert!(!record(&p, &at("MASTER", 100, 6)).unwrap());
        assert!(!record(&p, &at("MASTER", 99, 900)).unwrap());
        assert_eq!(read(&p).unwrap().unwrap().state, "BACKUP");
        assert!(record(&p, &at("MASTER", 101, 2)).unwrap());
        assert_eq!(read(&p).unwrap().unwrap().state, "MASTER");
        // A record of another boot, or an unordered one, is older.
        let mut old = at("FAULT", 500, 1);
        old.order.as_mut().unwrap().boot = "another boot".into();
        let boot = crate::process::boot_id();
        assert!(!old.after(&at("MASTER", 1, 1), boot.as_deref()));
        let mut unordered = at("FAULT", 1, 1);
        unordered.order = None;
        assert!(at("BACKUP", 0, 0).after(&unordered, boot.as_deref()));
        // Damaged or huge files are errors naming the file.
        std::fs::write(&p, "{").unwrap();
        assert!(read(&p).unwrap_err().contains("not a state file"));
        std::fs::write(&p, vec![b' '; 70 * 1024]).unwrap();
        assert!(read(&p).unwrap_err().contains("larger than"));
        // ... and a new record replaces them.
        assert!(record(&p, &at("BACKUP", 1, 1)).unwrap());
    }
}
