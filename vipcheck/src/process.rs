//! Processes as the kernel shows them in `/proc`: whether keepalived runs,
//! is frozen or is a zombie, when it started, and which boot this is. A pid
//! file alone cannot tell a running keepalived from a stopped one.

use std::io::Read;

/// One process, from `/proc/PID/stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    /// Its pid.
    pub pid: u32,
    /// Its command name (`comm`).
    pub comm: String,
    /// The kernel's state letter: `R`, `S`, `D`, `T` (stopped), `t`
    /// (stopped by a tracer), `Z` (zombie), `X`, `I`.
    pub state: char,
    /// Its parent's pid.
    pub ppid: u32,
    /// When it started, in clock ticks since boot. A forked child keeps it
    /// across `exec`, so it orders processes by when they were forked.
    pub started: u64,
}

impl Proc {
    /// Stopped (SIGSTOP, a tracer), a zombie or dead: it does no work.
    pub fn frozen(&self) -> bool {
        matches!(self.state, 'T' | 't' | 'Z' | 'X' | 'x')
    }

    /// The state in words.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            'T' | 't' => "stopped",
            'Z' => "a zombie",
            'X' | 'x' => "dead",
            'D' => "in uninterruptible sleep",
            _ => "running",
        }
    }
}

/// Parses a `/proc/PID/stat` line. The command name may hold spaces and
/// parentheses, so the fields after it are found from the last `)`.
pub fn parse_stat(text: &str) -> Option<Proc> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text.get(..open)?.trim().parse().ok()?;
    let comm = text.get(open + 1..close)?.to_owned();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // rest[0] is field 3 (state); field 4 is ppid, field 22 starttime.
    let state = rest.first()?.chars().next()?;
    let ppid = rest.get(1)?.parse().ok()?;
    let started = rest.get(19)?.parse().ok()?;
    Some(Proc {
        pid,
        comm,
        state,
        ppid,
        started,
    })
}

/// A small file from `/proc` (or a pid file), read with a bound.
fn read_small(path: &str) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(64 * 1024)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// The process `pid`, or `None` when there is none.
pub fn stat(pid: u32) -> Option<Proc> {
    read_small(&format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|t| parse_stat(&t))
}

/// This process.
pub fn this() -> Option<Proc> {
    stat(std::process::id())
}

/// The direct children of `pid` (keepalived's VRRP and checker processes).
pub fn children(pid: u32) -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out: Vec<Proc> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat)
        .filter(|p| p.ppid == pid)
        .collect();
    out.sort_by_key(|p| p.pid);
    out
}

/// This boot's id: ticks since boot only order processes within one boot.
pub fn boot_id() -> Option<String> {
    read_small("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|t| t.trim().to_owned())
}

/// A daemon found through its pid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Daemon {
    /// No pid file.
    NoPidFile,
    /// The pid file names no live process of that name.
    Gone(u32),
    /// It runs: the main process and its children.
    Found {
        /// The process the pid file names.
        main: Proc,
        /// Its children.
        children: Vec<Proc>,
    },
}

impl Daemon {
    /// The first of its processes that does no work, if any.
    pub fn frozen(&self) -> Option<&Proc> {
        match self {
            Daemon::Found { main, children } => {
                std::iter::once(main).chain(children).find(|p| p.frozen())
            }
            _ => None,
        }
    }

    /// It runs and none of its processes is stopped or a zombie.
    pub fn up(&self) -> bool {
        matches!(self, Daemon::Found { .. }) && self.frozen().is_none()
    }
}

/// The daemon called `comm` whose pid `pid_file` holds.
pub fn daemon(pid_file: &str, comm: &str) -> std::io::Result<Daemon> {
    let text = match read_small(pid_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Daemon::NoPidFile),
        Err(e) => return Err(e),
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return Ok(Daemon::Gone(0));
    };
    Ok(match stat(pid) {
        Some(main) if main.comm == comm => {
            let children = children(pid)
                .into_iter()
                .filter(|c| c.comm == comm)
                .collect();
            Daemon::Found { main, children }
        }
        _ => Daemon::Gone(pid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_awkward_names() {
        let line = "4242 (keep (a) live) T 1 4242 4242 0 -1 4194624 10 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100\n";
        let p = parse_stat(line).unwrap();
        assert_eq!(
            (p.pid, p.comm.as_str(), p.state, p.ppid, p.started),
            (4242, "keep (a) live", 'T', 1, 987_654)
        );
        assert!(p.frozen());
        assert_eq!(p.state_name(), "stopped");
        assert_eq!(parse_stat("4242 (x) S 1"), None);
        assert_eq!(parse_stat(""), None);
    }

    #[test]
    fn this_process_and_a_pid_file() {
        let me = this().unwrap();
        assert_eq!(me.pid, std::process::id());
        assert!(!me.frozen());
        assert!(boot_id().is_some_and(|b| b.len() == 36));
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("pid");
        let f = f.to_str().unwrap();
        assert_eq!(daemon(f, "x").unwrap(), Daemon::NoPidFile);
        std::fs::write(f, format!("{}\n", me.pid)).unwrap();
        let d = daemon(f, &me.comm).unwrap();
        assert!(d.up(), "{d:?}");
        assert_eq!(
            daemon(f, "keepalived").unwrap(),
            Daemon::Gone(std::process::id())
        );
        std::fs::write(f, "garbage").unwrap();
        assert_eq!(daemon(f, "x").unwrap(), Daemon::Gone(0));
    }
}
