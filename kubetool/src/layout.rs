//! Where kubetool's Hiera files go under `--dir`: flat (the original
//! kubetool's `Debian.yaml` and `<name>.yaml`), or split the way a site's
//! hierarchy often reads them, `os/Debian.yaml` and `hosts/<name>.yaml`;
//! and each master's file named by its short name or its FQDN.

use crate::env::Sources;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Where the files go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// `os/` and `hosts/` instead of one directory.
    pub split: bool,
    /// The domain of the masters' FQDNs: host files are then named
    /// `<name>.<domain>.yaml` (a hierarchy level on `%{facts.networking.fqdn}`
    /// or `%{trusted.certname}`); short names otherwise (`%{hostname}`).
    pub host_domain: Option<String>,
}

impl Layout {
    /// The cluster-wide file, relative to `--dir`: `Debian.yaml` or
    /// `os/Debian.yaml`.
    pub fn os_name(&self, stem: &str) -> String {
        let dir = if self.split { "os/" } else { "" };
        format!("{dir}{stem}.yaml")
    }

    /// The host name a master's file is named by.
    pub fn host(&self, member: &str) -> String {
        match &self.host_domain {
            Some(d) => format!("{member}.{d}"),
            None => member.to_owned(),
        }
    }

    /// A master's file, relative to `--dir`: `deadlock.yaml`,
    /// `hosts/deadlock.yaml` or `hosts/deadlock.ocf.berkeley.edu.yaml`.
    pub fn host_name(&self, member: &str) -> String {
        let dir = if self.split { "hosts/" } else { "" };
        format!("{dir}{}.yaml", self.host(member))
    }

    /// The cluster-wide file's path.
    pub fn os_path(&self, dir: &Path, stem: &str) -> PathBuf {
        dir.join(self.os_name(stem))
    }

    /// A master's file's path.
    pub fn host_path(&self, dir: &Path, member: &str) -> PathBuf {
        dir.join(self.host_name(member))
    }
}

/// `HIERA_LAYOUT` and `HIERA_HOST_DOMAIN`, wherever given.
pub fn from_sources(sources: &Sources) -> Result<Layout> {
    let split = match sources.get("HIERA_LAYOUT") {
        None => false,
        Some(g) => {
            clusterfile::kubernetes::hiera_layout(&g.value)
                .map_err(|e| Error::Usage(format!("{}: {e}", g.from)))?;
            g.value == "split"
        }
    };
    let host_domain = match sources.get("HIERA_HOST_DOMAIN") {
        None => None,
        Some(g) => {
            clusterfile::names::dns_name(&g.value)
                .map_err(|e| Error::Usage(format!("{}: {e}", g.from)))?;
            Some(g.value.to_ascii_lowercase())
        }
    };
    Ok(Layout { split, host_domain })
}

/// The layout of a run that changes or reads existing files (add-member,
/// remove-member, renew, shadowed): as given; when no layout is given and
/// only the split layout's cluster-wide file exists, split (a renewal
/// from cron need not repeat what the cluster file said).
pub fn existing(sources: &Sources, dir: &Path, stem: &str) -> Result<Layout> {
    let mut layout = from_sources(sources)?;
    if sources.get("HIERA_LAYOUT").is_none() {
        let split = Layout {
            split: true,
            ..layout.clone()
        };
        if !layout.os_path(dir, stem).exists() && split.os_path(dir, stem).is_file() {
            layout = split;
        }
    }
    Ok(layout)
}

/// Refuses a naming under which not one of `members` has its file: the
/// files were written with another `--hiera-host-domain`, and a run would
/// write a second set beside them.
pub fn check_host_files(layout: &Layout, dir: &Path, members: &[String]) -> Result<()> {
    if members.is_empty() || members.iter().any(|m| layout.host_path(dir, m).exists()) {
        return Ok(());
    }
    let first = layout.host_path(dir, &members[0]);
    Err(Error::Input(format!(
        "{} does not exist, nor any other master's file named so: give the --hiera-host-domain (and --hiera-layout) the files were written with, or --cluster with the cluster file that says them",
        first.display()
    )))
}

/// When the cluster-wide file is missing in `layout`, but present in the
/// other one: which flag finds it.
pub fn other_layout_hint(dir: &Path, stem: &str, layout: &Layout) -> String {
    let other = Layout {
        split: !layout.split,
        ..layout.clone()
    };
    if other.os_path(dir, stem).is_file() {
        let word = if other.split { "split" } else { "flat" };
        format!(
            "; {} exists: give --hiera-layout {word}",
            other.os_path(dir, stem).display()
        )
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layout_names_its_files() {
        let dir = Path::new("/h");
        let flat = Layout::default();
        assert_eq!(flat.os_path(dir, "Debian"), Path::new("/h/Debian.yaml"));
        assert_eq!(flat.host_path(dir, "coup"), Path::new("/h/coup.yaml"));
        let split = Layout {
            split: true,
            host_domain: None,
        };
        assert_eq!(split.os_name("Debian"), "os/Debian.yaml");
        assert_eq!(split.host_name("coup"), "hosts/coup.yaml");
        let fqdn = Layout {
            split: true,
            host_domain: Some("ocf.berkeley.edu".into()),
        };
        assert_eq!(fqdn.host_name("coup"), "hosts/coup.ocf.berkeley.edu.yaml");
        assert_eq!(fqdn.os_name("Debian"), "os/Debian.yaml");
    }
}
