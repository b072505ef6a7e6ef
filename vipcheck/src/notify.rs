//! `vipcheck notify`: keepalived's notify script. keepalived calls it with
//! `TYPE NAME STATE PRIORITY` on every transition; it records them in a
//! small JSON state file that `vipcheck local` reads.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The default state file.
pub const STATE_FILE: &str = "/run/vipcheck/state";

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
    Ok(Transition {
        kind: kind.into(),
        instance: instance.into(),
        state: state.into(),
        priority,
        since,
    })
}

/// Writes the state file atomically (a reader never sees half of it).
pub fn record(path: &Path, t: &Transition) -> Result<(), String> {
    let mut text = serde_json::to_string(t).map_err(|e| e.to_string())?;
    text.push('\n');
    let change = clikit::files::Change {
        files: vec![(path.to_path_buf(), text.into_bytes())],
        file_mode: 0o644,
        dir_mode: 0o755,
        ..clikit::files::Change::default()
    };
    clikit::files::apply(&change).map(|_| ()).map_err(|e| e.0)
}

/// Reads the state file; `Ok(None)` when there is none yet.
pub fn read(path: &Path) -> Result<Option<Transition>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
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
        record(&p, &tr).unwrap();
        assert_eq!(read(&p).unwrap(), Some(tr));
        assert!(transition("INSTANCE", "VI_1", "LEADER", None).is_err());
        assert!(transition("X", "VI_1", "MASTER", None).is_err());
        assert!(transition("INSTANCE", "VI 1", "MASTER", None).is_err());
    }
}
