//! Writing a set of files so that a failure leaves the old ones intact.
//!
//! Every file is written to a temporary file beside its target (with the
//! change's file mode, flushed to disk), and only when all of them are
//! written are they renamed into place. A file whose content is already
//! right is not touched, so its modification time stays and Puppet sees no
//! change. Directories the change creates get its directory mode; a
//! replaced file keeps its owner and group.
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It did not exist.
    Created,
    /// Its content changed.
    Updated,
    /// Its content was already right.
    Unchanged,
    /// It was deleted.
    Removed,
}

impl Action {
    /// The action's name.
    pub fn name(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::Removed => "removed",
        }
    }
}

/// Files to write and files to delete, as one change.
#[derive(Debug)]
pub struct Change {
    /// Path and content of each file to write.
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Files to delete (only files the tool itself wrote).
    pub removals: Vec<PathBuf>,
    /// Directories to delete afterwards if they are empty, deepest first.
    pub prune: Vec<PathBuf>,
    /// Mode of every file written (also of a replaced one).
    pub file_mode: u32,
    /// Mode of every directory created.
    pub dir_mode: u32,
}

impl Default for Change {
    /// An empty change of private files: 0600 in 0700 directories.
    fn default() -> Self {
        Change {
            files: Vec::new(),
            removals: Vec::new(),
            prune: Vec::new(),
            file_mode: 0o600,
            dir_mode: 0o700,
        }
    }
}

/// Why a change could not be applied; the message names the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

type Result<T> = std::result::Result<T, Error>;

struct Staged {
    target: PathBuf,
    temp: PathBuf,
    existed: bool,
}

/// Applies `change`. Nothing is renamed or deleted until every new file is
/// safely written; on any failure the temporary files and the directories
/// this call created are removed again.
pub fn apply(change: &Change) -> Result<Vec<(PathBuf, Action)>> {
    let mut done = Vec::new();
    let mut created_dirs = Vec::new();
    let mut staged: Vec<Staged> = Vec::new();
    let result = stage(change, &mut done, &mut created_dirs, &mut staged);
    if let Err(e) = result {
        for s in &staged {
            let _ = fs::remove_file(&s.temp);
        }
        for d in created_dirs.iter().rev() {
            let _ = fs::remove_dir(d);
        }
        return Err(e);
    }
    let mut dirs = Vec::new();
    for s in staged {
        fs::rename(&s.temp, &s.target).map_err(|e| {
            Error(format!(
                "cannot rename {} into place: {e}",
                s.temp.display()
            ))
        })?;
        let action = if s.existed {
            Action::Updated
        } else {
            Action::Created
        };
        if let Some(d) = s.target.parent() {
            dirs.push(d.to_path_buf());
        }
        done.push((s.target, action));
    }
    for r in &change.removals {
        match fs::remove_file(r) {
            Ok(()) => done.push((r.clone(), Action::Removed)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error(format!("cannot remove {}: {e}", r.display()))),
        }
        if let Some(d) = r.parent() {
            dirs.push(d.to_path_buf());
        }
    }
    for d in &change.prune {
        if fs::remove_dir(d).is_ok() {
            done.push((d.clone(), Action::Removed));
        }
    }
    // The renames are durable once their directories are flushed.
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        if let Ok(f) = File::open(&d) {
            let _ = f.sync_all();
        }
    }
    done.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(done)
}

fn stage(
    change: &Change,
    done: &mut Vec<(PathBuf, Action)>,
    created_dirs: &mut Vec<PathBuf>,
    staged: &mut Vec<Staged>,
) -> Result<()> {
    for (target, content) in &change.files {
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        make_dirs(dir, change.dir_mode, created_dirs)?;
        let meta = match fs::symlink_metadata(target) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Error(format!("cannot inspect {}: {e}", target.display())));
            }
        };
        if let Some(m) = &meta {
            if !m.is_file() {
                return Err(Error(format!(
                    "{} exists and is not a regular file; move it away",
                    target.display()
                )));
            }
            if fs::read(target).is_ok_and(|old| old == *content) {
                done.push((target.clone(), Action::Unchanged));
                continue;
            }
        }
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file");
        let temp = dir.join(format!(".{name}.new-{}", std::process::id()));
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(change.file_mode)
            .open(&temp)
            .map_err(|e| Error(format!("cannot create {}: {e}", temp.display())))?;
        staged.push(Staged {
            target: target.clone(),
            temp: temp.clone(),
            existed: meta.is_some(),
        });
        if let Some(m) = &meta {
            // Keep the owner (Puppet may read the file as its own user);
            // only root can give a file away, so a refusal is fine.
            let _ = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()));
        }
        // The mode given, whatever the umask.
        f.set_permissions(fs::Permissions::from_mode(change.file_mode))
            .and_then(|()| f.write_all(content))
            .and_then(|()| f.sync_all())
            .map_err(|e| Error(format!("cannot write {}: {e}", temp.display())))?;
    }
    Ok(())
}

/// Creates `dir` and its missing parents with `mode`, remembering them.
fn make_dirs(dir: &Path, mode: u32, created: &mut Vec<PathBuf>) -> Result<()> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(_) => {
            return Err(Error(format!(
                "{} is not a directory; move it away or write elsewhere",
                dir.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error(format!("cannot inspect {}: {e}", dir.display()))),
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        make_dirs(parent, mode, created)?;
    }
    fs::DirBuilder::new().mode(mode).create(dir).map_err(|e| {
        Error(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })?;
    created.push(dir.to_path_buf());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_private_files_in_private_new_directories_and_skips_unchanged_ones() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("out/sub/a.yaml");
        let change = Change {
            files: vec![(a.clone(), b"one\n".to_vec())],
            removals: vec![],
            prune: vec![],
            ..Change::default()
        };
        assert_eq!(apply(&change).unwrap(), [(a.clone(), Action::Created)]);
        assert_eq!(
            fs::metadata(&a).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(t.path().join("out"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        assert_eq!(apply(&change).unwrap(), [(a.clone(), Action::Unchanged)]);
        let change = Change {
            files: vec![(a.clone(), b"two\n".to_vec())],
            removals: vec![],
            prune: vec![],
            ..Change::default()
        };
        assert_eq!(apply(&change).unwrap(), [(a.clone(), Action::Updated)]);
        assert_eq!(fs::read(&a).unwrap(), b"two\n");
    }

    #[test]
    fn a_failure_leaves_every_old_file_and_no_debris() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a.yaml");
        fs::write(&a, "old\n").unwrap();
        fs::write(t.path().join("blocker"), "a file").unwrap();
        let change = Change {
            files: vec![
                (a.clone(), b"new\n".to_vec()),
                (t.path().join("new/b.yaml"), b"b\n".to_vec()),
                (t.path().join("blocker/c.yaml"), b"c\n".to_vec()),
            ],
            removals: vec![],
            prune: vec![],
            ..Change::default()
        };
        let e = apply(&change).unwrap_err().to_string();
        assert!(e.contains("blocker is not a directory"), "{e}");
        assert_eq!(fs::read(&a).unwrap(), b"old\n");
        let mut left: Vec<_> = fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["a.yaml", "blocker"]);
    }
}
