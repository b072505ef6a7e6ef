//! Writing a set of files so that a failure leaves the old ones intact.
//!
//! Every file is written to a temporary file beside its target (with the
//! change's file mode, flushed to disk), and only when all of them are
//! written are they renamed into place. A file whose content is already
//! right is not touched, so its modification time stays and Puppet sees no
//! change. Directories the change creates get its directory mode; a
//! replaced file keeps its owner and group.
//!
//! A failure inside the program leaves the old set. A crash (SIGKILL, power
//! loss) between two renames would leave a mix, so a change may be
//! journaled ([`Journal`], [`apply_journaled`]): before any temporary file
//! is made, the journal records them ("staging"); once all are written and
//! flushed it records every rename and removal ("commit", the commit
//! point); then the renames run and the journal is deleted. The next run
//! opens the journal first and settles what it finds: a staging record is
//! rolled back (its temporary files deleted, the old set stays), a commit
//! record is rolled forward (the renames and removals that had not happened
//! are done, the new set is complete). Each record is itself written to a
//! temporary file and renamed, so it is whole or absent.
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

/// The journal of a directory's changes, held under an exclusive lock on
/// that directory (flock), so two runs never interleave. Open it before reading
/// the files a change is computed from.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    _lock: File,
}

/// What [`Journal::open`] found of an interrupted run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// Nothing: the last run finished.
    Nothing,
    /// A run stopped before its commit point: its temporary files were
    /// deleted and the old files stand.
    RolledBack(usize),
    /// A run stopped after its commit point: its remaining renames and
    /// removals were done and the new files stand.
    RolledForward(usize),
}

impl Journal {
    /// Locks the journal at `path` (waiting for another run to finish) and
    /// settles any interrupted change it records. Its directory must exist.
    pub fn open(path: &Path) -> Result<(Journal, Recovered)> {
        let path = std::path::absolute(path).map_err(Error::io("resolve", path))?;
        // The lock is the directory's own: nothing is created to hold it.
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let lock = File::open(&dir).map_err(Error::io("open", &dir))?;
        lock.lock().map_err(Error::io("lock", &dir))?;
        let j = Journal { path, _lock: lock };
        j.remove_stray_records(&dir);
        let recovered = j.settle()?;
        Ok((j, recovered))
    }

    /// A record being written when a run was killed (`<journal>.new-PID`):
    /// never renamed, so it never counted. Under the lock, nobody else
    /// writes one.
    fn remove_stray_records(&self, dir: &Path) {
        let Some(name) = self.path.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        let prefix = format!("{name}.new-");
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(&prefix))
                {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }

    /// Rolls an interrupted change back or forward, then deletes the record.
    fn settle(&self) -> Result<Recovered> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Recovered::Nothing),
            Err(e) => return Err(Error::io("read", &self.path)(e)),
        };
        let record = Record::parse(&text)
            .ok_or_else(|| Error::Refused(format!("{}: not a journal this tool wrote; if no run is going on, look at it and remove it", self.path.display())))?;
        let recovered = match record.state {
            State::Staging => {
                for t in &record.temps {
                    let _ = fs::remove_file(t);
                }
                Recovered::RolledBack(record.temps.len())
            }
            State::Commit => {
                let mut n = 0;
                for (temp, target) in &record.renames {
                    if temp.exists() {
                        fs::rename(temp, target).map_err(|source| Error::FinishRename {
                            from: temp.clone(),
                            to: target.clone(),
                            source,
                        })?;
                        n += 1;
                    }
                }
                for r in &record.removals {
                    if fs::remove_file(r).is_ok() {
                        n += 1;
                    }
                }
                for d in &record.prune {
                    let _ = fs::remove_dir(d);
                }
                sync_dirs(
                    record
                        .renames
                        .iter()
                        .map(|(_, t)| t)
                        .chain(&record.removals),
                );
                Recovered::RolledForward(n)
            }
        };
        self.clear()?;
        Ok(recovered)
    }

    fn write(&self, record: &Record) -> Result<()> {
        let temp = sibling(&self.path, &format!(".new-{}", std::process::id()));
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)
            .map_err(Error::io("create", &temp))?;
        f.write_all(record.to_text()?.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(Error::io("write", &temp))?;
        fs::rename(&temp, &self.path).map_err(Error::io("write", &self.path))?;
        sync_dirs(std::iter::once(&self.path));
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Ok(()) => {
                sync_dirs(std::iter::once(&self.path));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("remove", &self.path)(e)),
        }
    }
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Flushes the directories holding `paths`, so renames in them last.
fn sync_dirs<'a>(paths: impl Iterator<Item = &'a PathBuf>) {
    let mut dirs: Vec<&Path> = paths.filter_map(|p| p.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        if let Ok(f) = File::open(d) {
            let _ = f.sync_all();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Staging,
    Commit,
}

/// A journal record: one path per line, so no path may hold a newline.
#[derive(Debug, Default)]
struct Record {
    state: State,
    temps: Vec<PathBuf>,
    renames: Vec<(PathBuf, PathBuf)>,
    removals: Vec<PathBuf>,
    prune: Vec<PathBuf>,
}

const MAGIC: &str = "clikit journal 1";

impl Record {
    fn to_text(&self) -> Result<String> {
        let mut out = format!(
            "{MAGIC}\n{}\n",
            match self.state {
                State::Commit => "commit",
                State::Staging => "staging",
            }
        );
        let mut line = |tag: &str, p: &Path| -> Result<()> {
            let s = p.to_str().filter(|s| !s.contains('\n')).ok_or_else(|| {
                Error::Refused(format!(
                    "{}: a path the journal cannot record (newline or not UTF-8)",
                    p.display()
                ))
            })?;
            out.push_str(tag);
            out.push(' ');
            out.push_str(s);
            out.push('\n');
            Ok(())
        };
        for t in &self.temps {
            line("temp", t)?;
        }
        for (t, target) in &self.renames {
            line("from", t)?;
            line("to", target)?;
        }
        for r in &self.removals {
            line("remove", r)?;
        }
        for d in &self.prune {
            line("prune", d)?;
        }
        out.push_str("end\n");
        Ok(out)
    }

    /// A whole record, or `None`.
    fn parse(text: &str) -> Option<Record> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let mut r = Record {
            state: match lines.next()? {
                "staging" => State::Staging,
                "commit" => State::Commit,
                _ => return None,
            },
            ..Record::default()
        };
        let mut from: Option<PathBuf> = None;
        for l in lines {
            if l == "end" {
                return from.is_none().then_some(r);
            }
            let (tag, p) = l.split_once(' ')?;
            let p = PathBuf::from(p);
            match tag {
                "temp" => r.temps.push(p),
                "from" => from = Some(p),
                "to" => r.renames.push((from.take()?, p)),
                "remove" => r.removals.push(p),
                "prune" => r.prune.push(p),
                _ => return None,
            }
        }
        None
    }
}

/// A report's files (name and content) into `dir`, as one change: all new
/// or all old, readable by all (0644 in 0755 directories).
pub fn put_report(dir: &Path, files: Vec<(String, String)>) -> std::result::Result<(), String> {
    let change = Change {
        files: files
            .into_iter()
            .map(|(name, body)| (dir.join(name), body.into_bytes()))
            .collect(),
        file_mode: 0o644,
        dir_mode: 0o755,
        ..Change::default()
    };
    apply(&change).map(|_| ()).map_err(|e| e.to_string())
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

/// Why a change could not be applied; each names the path.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file operation failed: `cannot write /etc/x: No space left`.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done: `write`, `remove`, `lock`, ...
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A staged file could not be renamed into place.
    #[error("cannot rename {} into place: {source}", from.display())]
    Rename {
        /// The temporary file.
        from: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An interrupted run's rename could not be finished.
    #[error("cannot finish the interrupted rename of {} to {}: {source}", from.display(), to.display())]
    FinishRename {
        /// The temporary file.
        from: PathBuf,
        /// Its target.
        to: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A path is not what the change needs there (a directory where a
    /// file goes, a journal another program wrote), with the fix.
    #[error("{0}")]
    Refused(String),
}

impl Error {
    /// An `Io` error for `op` on `path`, for `map_err` (the path is copied
    /// only when there is an error).
    fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
        move |source| Error::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

type Result<T> = std::result::Result<T, Error>;

struct Staged {
    target: PathBuf,
    temp: PathBuf,
    existed: bool,
}

/// What [`apply`] would do with `change`, doing nothing: each file that
/// would be created, updated or removed, and each already right. For a
/// state check (`--check`) that must not write.
pub fn preview(change: &Change) -> Result<Vec<(PathBuf, Action)>> {
    let mut out = Vec::new();
    for (target, content) in &change.files {
        let action = match fs::symlink_metadata(target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Action::Created,
            Err(e) => return Err(Error::io("inspect", target)(e)),
            Ok(m) if !m.is_file() => {
                return Err(Error::Refused(format!(
                    "{} exists and is not a regular file; move it away",
                    target.display()
                )));
            }
            Ok(_) if fs::read(target).is_ok_and(|old| old == *content) => Action::Unchanged,
            Ok(_) => Action::Updated,
        };
        out.push((target.clone(), action));
    }
    for r in &change.removals {
        if fs::symlink_metadata(r).is_ok() {
            out.push((r.clone(), Action::Removed));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Applies `change`. Nothing is renamed or deleted until every new file is
/// safely written; on any failure the temporary files and the directories
/// this call created are removed again.
pub fn apply(change: &Change) -> Result<Vec<(PathBuf, Action)>> {
    let mut done = Vec::new();
    let mut created_dirs = Vec::new();
    let mut staged: Vec<Staged> = Vec::new();
    if let Err(e) = stage(change, &mut done, &mut created_dirs, &mut staged) {
        unstage(&staged, &created_dirs);
        return Err(e);
    }
    finish(change, staged, done)
}

/// Renames the staged files into place and makes the removals.
fn finish(
    change: &Change,
    staged: Vec<Staged>,
    mut done: Vec<(PathBuf, Action)>,
) -> Result<Vec<(PathBuf, Action)>> {
    let mut dirs = Vec::new();
    for s in staged {
        fs::rename(&s.temp, &s.target).map_err(|source| Error::Rename {
            from: s.temp.clone(),
            source,
        })?;
        let action = if s.existed {
            Action::Updated
        } else {
            Action::Created
        };
        dirs.push(s.target.clone());
        done.push((s.target, action));
    }
    for r in &change.removals {
        match fs::remove_file(r) {
            Ok(()) => done.push((r.clone(), Action::Removed)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove", r)(e)),
        }
        dirs.push(r.clone());
    }
    for d in &change.prune {
        if fs::remove_dir(d).is_ok() {
            done.push((d.clone(), Action::Removed));
        }
    }
    // The renames are durable once their directories are flushed.
    sync_dirs(dirs.iter());
    done.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(done)
}

/// [`apply`], journaled in `journal`: a crash at any point leaves, as the
/// next [`Journal::open`] sees it, either the old files or the new ones.
/// Paths are made absolute, so the record holds wherever the next run
/// starts.
pub fn apply_journaled(given: &Change, journal: &Journal) -> Result<Vec<(PathBuf, Action)>> {
    let absolute = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
    let change = Change {
        files: given
            .files
            .iter()
            .map(|(p, c)| (absolute(p), c.clone()))
            .collect(),
        removals: given.removals.iter().map(absolute).collect(),
        prune: given.prune.iter().map(absolute).collect(),
        file_mode: given.file_mode,
        dir_mode: given.dir_mode,
    };
    let staging = Record {
        state: State::Staging,
        temps: change.files.iter().map(|(p, _)| temp_path(p)).collect(),
        ..Record::default()
    };
    journal.write(&staging)?;
    let mut done = Vec::new();
    let mut created_dirs = Vec::new();
    let mut staged: Vec<Staged> = Vec::new();
    if let Err(e) = stage(&change, &mut done, &mut created_dirs, &mut staged) {
        unstage(&staged, &created_dirs);
        journal.clear()?;
        return Err(e);
    }
    let commit = Record {
        state: State::Commit,
        renames: staged
            .iter()
            .map(|s| (s.temp.clone(), s.target.clone()))
            .collect(),
        removals: change.removals.clone(),
        prune: change.prune.clone(),
        ..Record::default()
    };
    journal.write(&commit)?;
    let out = finish(&change, staged, done)?;
    journal.clear()?;
    Ok(as_given(given, out))
}

/// The report with the paths as the caller gave them.
fn as_given(given: &Change, done: Vec<(PathBuf, Action)>) -> Vec<(PathBuf, Action)> {
    let absolute = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
    let names: std::collections::HashMap<PathBuf, &PathBuf> = given
        .files
        .iter()
        .map(|(p, _)| p)
        .chain(&given.removals)
        .chain(&given.prune)
        .map(|p| (absolute(p), p))
        .collect();
    let mut out: Vec<(PathBuf, Action)> = done
        .into_iter()
        .map(|(p, a)| (names.get(&p).map_or(p, |g| (*g).clone()), a))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The temporary file a target is written to.
fn temp_path(target: &Path) -> PathBuf {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    dir.join(format!(".{name}.new-{}", std::process::id()))
}

fn unstage(staged: &[Staged], created_dirs: &[PathBuf]) {
    for s in staged {
        let _ = fs::remove_file(&s.temp);
    }
    for d in created_dirs.iter().rev() {
        let _ = fs::remove_dir(d);
    }
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
                return Err(Error::io("inspect", target)(e));
            }
        };
        if let Some(m) = &meta {
            if !m.is_file() {
                return Err(Error::Refused(format!(
                    "{} exists and is not a regular file; move it away",
                    target.display()
                )));
            }
            if fs::read(target).is_ok_and(|old| old == *content) {
                done.push((target.clone(), Action::Unchanged));
                continue;
            }
        }
        let temp = temp_path(target);
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(change.file_mode)
            .open(&temp)
            .map_err(Error::io("create", &temp))?;
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
            .map_err(Error::io("write", &temp))?;
    }
    Ok(())
}

/// Creates `dir` and its missing parents with `mode`, remembering them.
fn make_dirs(dir: &Path, mode: u32, created: &mut Vec<PathBuf>) -> Result<()> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(_) => {
            return Err(Error::Refused(format!(
                "{} is not a directory; move it away or write elsewhere",
                dir.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("inspect", dir)(e)),
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        make_dirs(parent, mode, created)?;
    }
    fs::DirBuilder::new()
        .mode(mode)
        .create(dir)
        .map_err(Error::io("create the directory", dir))?;
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

    /// The state a crash leaves, made by hand: a record and the files.
    fn crashed(dir: &Path, state: &str, renamed: bool) -> PathBuf {
        let journal = dir.join(".j");
        let (a, b) = (dir.join("a"), dir.join("sub/b"));
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(&a, "old a").unwrap();
        fs::write(&b, "old b").unwrap();
        fs::write(dir.join("gone"), "old").unwrap();
        let (ta, tb) = (dir.join(".a.new-1"), dir.join("sub/.b.new-1"));
        fs::write(&tb, "new b").unwrap();
        if renamed {
            fs::write(&a, "new a").unwrap();
        } else {
            fs::write(&ta, "new a").unwrap();
        }
        let text = format!(
            "{MAGIC}\n{state}\n{}end\n",
            if state == "staging" {
                format!("temp {}\ntemp {}\n", ta.display(), tb.display())
            } else {
                format!(
                    "from {}\nto {}\nfrom {}\nto {}\nremove {}\n",
                    ta.display(),
                    a.display(),
                    tb.display(),
                    b.display(),
                    dir.join("gone").display()
                )
            }
        );
        fs::write(&journal, text).unwrap();
        journal
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = walk(dir)
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                format!("{rel}={}", fs::read_to_string(&p).unwrap_or_default())
            })
            .collect();
        out.sort();
        out
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn a_crash_before_the_commit_point_is_rolled_back() {
        let t = tempfile::tempdir().unwrap();
        let j = crashed(t.path(), "staging", false);
        let (_j, r) = Journal::open(&j).unwrap();
        assert_eq!(r, Recovered::RolledBack(2));
        assert_eq!(listing(t.path()), ["a=old a", "gone=old", "sub/b=old b"]);
    }

    #[test]
    fn a_crash_after_the_commit_point_is_rolled_forward() {
        for renamed in [false, true] {
            let t = tempfile::tempdir().unwrap();
            let j = crashed(t.path(), "commit", renamed);
            let (_j, r) = Journal::open(&j).unwrap();
            assert_eq!(r, Recovered::RolledForward(if renamed { 2 } else { 3 }));
            assert_eq!(listing(t.path()), ["a=new a", "sub/b=new b"]);
        }
    }

    #[test]
    fn a_journaled_change_leaves_no_record_and_a_damaged_one_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let j = t.path().join(".j");
        let (journal, r) = Journal::open(&j).unwrap();
        assert_eq!(r, Recovered::Nothing);
        let change = Change {
            files: vec![(t.path().join("x/a"), b"a".to_vec())],
            removals: vec![t.path().join("none")],
            ..Change::default()
        };
        let done = apply_journaled(&change, &journal).unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(listing(t.path()), ["x/a=a"]);
        drop(journal);
        fs::write(&j, "clikit journal 1\ncommit\nfrom /x\n").unwrap();
        let e = Journal::open(&j).unwrap_err().to_string();
        assert!(e.contains("not a journal this tool wrote"), "{e}");
    }
}
