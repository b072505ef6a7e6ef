//! `kubetool shadowed`: which of the keys kubetool writes a node would not
//! get, because a level of the site's Hiera hierarchy that comes first
//! holds the same key with another value (the site's common.yaml keeping
//! `kubernetes::etcd_initial_cluster` by hand, above kubetool's files), or
//! because no level reads kubetool's file for that node at all.
//!
//! It reads the site's `hiera.yaml` (version 5) the way Hiera does for
//! each master: the levels in order, each level's paths with the node's
//! facts put in, the files that exist, the first one holding a key wins.
//! What it cannot follow (a fact it is not given, a glob, a backend other
//! than YAML, JSON or eyaml's YAML files) is an error, never "nothing
//! shadowed".

use crate::error::{Error, Result};
use crate::hiera::Existing;
use serde::Serialize;
use serde_yaml::Value as Yaml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One level of the hierarchy, its paths still to be filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// Its `name`.
    pub name: String,
    /// Its data directory (the level's, else the defaults', else `data`),
    /// relative to hiera.yaml's directory unless absolute.
    pub datadir: PathBuf,
    /// Its `path` or `paths`, with `%{...}` still in them.
    pub paths: Vec<String>,
    /// Whether its files are JSON (`json_data`) rather than YAML
    /// (`yaml_data`, `eyaml_lookup_key`).
    pub json: bool,
}

/// The backends whose files kubetool reads: (the function, JSON?).
const BACKENDS: &[(&str, bool)] = &[
    ("yaml_data", false),
    ("json_data", true),
    ("eyaml_lookup_key", false),
];

/// Where in hiera.yaml: `hierarchy[2] ("kubernetes os")`.
fn at(i: usize, name: &str) -> String {
    format!("hierarchy[{i}] ({name:?})")
}

/// The hierarchy of a Hiera 5 config `text`, read from `file` (whose
/// directory the data directories are relative to).
pub fn levels(file: &Path, text: &str) -> Result<Vec<Level>> {
    let shown = file.display();
    let bad = |m: String| Error::Input(format!("{shown}: {m}"));
    let doc: Yaml = clikit::yaml::document(text).map_err(|e| bad(e.to_string()))?;
    if doc.get("version").and_then(Yaml::as_u64) != Some(5) {
        return Err(bad(
            "not a Hiera 5 config (version: 5); kubetool reads Hiera 5's hierarchy, as Puppet 5 and later do: convert a Hiera 3 file first".into(),
        ));
    }
    let base = file.parent().unwrap_or(Path::new("."));
    let defaults = doc.get("defaults");
    let default_dir = text_of(defaults, "datadir").unwrap_or("data");
    let default_backend = backend_of(defaults);
    let hierarchy = doc
        .get("hierarchy")
        .and_then(Yaml::as_sequence)
        .ok_or_else(|| bad("no hierarchy list; Hiera reads nothing from it".into()))?;
    let mut out = Vec::new();
    for (i, level) in hierarchy.iter().enumerate() {
        let name = text_of(Some(level), "name").unwrap_or("").to_owned();
        let here = |m: String| bad(format!("{}: {m}", at(i, &name)));
        for refused in ["glob", "globs", "mapped_paths", "uri", "uris"] {
            if level.get(refused).is_some() {
                return Err(here(format!(
                    "{refused}: kubetool follows path and paths levels only; check this level by hand, or give it a path"
                )));
            }
        }
        let backend = match backend_of(Some(level)).or(default_backend.clone()) {
            None => "yaml_data".to_owned(),
            Some(b) => b,
        };
        let Some(&(_, json)) = BACKENDS.iter().find(|(b, _)| *b == backend) else {
            return Err(here(format!(
                "backend {backend}: kubetool reads {} files only; check this level by hand",
                BACKENDS.iter().map(|b| b.0).collect::<Vec<_>>().join(", ")
            )));
        };
        let paths: Vec<String> = match (level.get("path"), level.get("paths")) {
            (Some(p), None) => vec![
                p.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| here("path is not text".into()))?,
            ],
            (None, Some(Yaml::Sequence(ps))) => ps
                .iter()
                .map(|p| {
                    p.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| here("a path is not text".into()))
                })
                .collect::<Result<_>>()?,
            _ => return Err(here("give path, or a list of paths".into())),
        };
        let dir = text_of(Some(level), "datadir").unwrap_or(default_dir);
        out.push(Level {
            name,
            datadir: base.join(dir),
            paths,
            json,
        });
    }
    Ok(out)
}

fn text_of<'a>(node: Option<&'a Yaml>, key: &str) -> Option<&'a str> {
    node?.get(key)?.as_str()
}

fn backend_of(node: Option<&Yaml>) -> Option<String> {
    ["data_hash", "lookup_key", "data_dig"]
        .iter()
        .find_map(|k| text_of(node, k))
        .map(str::to_owned)
}

/// The facts a node's paths are filled in with: the short name, the FQDN
/// (also the certname), the OS family, and what `--fact` adds.
#[derive(Debug, Clone)]
pub struct Facts(BTreeMap<String, String>);

impl Facts {
    /// For a master named `short`, `fqdn`, on `osfamily`, plus `extra`.
    pub fn of(short: &str, fqdn: &str, osfamily: &str, extra: &[(String, String)]) -> Facts {
        let mut m = BTreeMap::new();
        let mut put = |names: &[&str], v: &str| {
            for n in names {
                m.insert((*n).to_owned(), v.to_owned());
            }
        };
        put(
            &["hostname", "networking.hostname", "trusted.hostname"],
            short,
        );
        put(
            &["fqdn", "networking.fqdn", "trusted.certname", "clientcert"],
            fqdn,
        );
        put(&["osfamily", "os.family"], osfamily);
        for (k, v) in extra {
            put(&[k.trim_start_matches("facts.")], v);
        }
        Facts(m)
    }

    /// `template` with each `%{...}` put in: a fact (`%{hostname}`,
    /// `%{::osfamily}`, `%{facts.os.family}`, `%{trusted.certname}`) or
    /// `%{literal('%')}`.
    pub fn fill(&self, template: &str) -> std::result::Result<String, String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("%{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("{template:?}: an unclosed %{{"))?;
            let var = after[..end].trim();
            if let Some(lit) = var
                .strip_prefix("literal('")
                .and_then(|l| l.strip_suffix("')"))
            {
                out.push_str(lit);
            } else {
                let name = var.trim_start_matches("::").trim_start_matches("facts.");
                let v = self.0.get(name).ok_or_else(|| {
                    format!("%{{{var}}} in {template:?}: kubetool does not know it for this node; give --fact {name}=VALUE")
                })?;
                out.push_str(v);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// A file a node's lookups read, in order.
#[derive(Debug, Clone)]
pub struct Source {
    /// The level it belongs to.
    pub level: String,
    /// Its path, as the level names it.
    pub path: PathBuf,
    /// Its keys and values.
    pub data: serde_yaml::Mapping,
}

/// The files that exist among a node's paths, in lookup order.
pub fn sources(levels: &[Level], facts: &Facts) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for (i, l) in levels.iter().enumerate() {
        for p in &l.paths {
            let filled = facts
                .fill(p)
                .map_err(|m| Error::Input(format!("{}: {m}", at(i, &l.name))))?;
            let path = l.datadir.join(filled);
            if !path.exists() {
                continue;
            }
            out.push(Source {
                level: l.name.clone(),
                data: read_data(&path, l.json)?,
                path,
            });
        }
    }
    Ok(out)
}

/// A data file's keys: YAML (one document or several, as Hiera's YAML
/// backend takes) or JSON. One that cannot be read is an error: a level
/// not read can hide any key.
fn read_data(path: &Path, json: bool) -> Result<serde_yaml::Mapping> {
    let name = path.display().to_string();
    let text = clikit::read_text(&name).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if json {
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Input(format!("{name}: not JSON data: {e}")))?;
        let y = serde_yaml::to_value(v).map_err(|e| Error::Input(format!("{name}: {e}")))?;
        return y
            .as_mapping()
            .cloned()
            .ok_or_else(|| Error::Input(format!("{name}: not a JSON object of keys")));
    }
    Ok(Existing::parse(&name, &text)?.entries)
}

/// What one node would not get of kubetool's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The master.
    pub node: String,
    /// The key, or empty when the whole file is not read.
    pub key: String,
    /// kubetool's file that holds it.
    pub file: String,
    /// The file that wins instead, or empty when kubetool's file is read by
    /// no level.
    pub by: String,
    /// That file's level.
    pub level: String,
    /// The value the node gets there.
    pub theirs: String,
    /// kubetool's value.
    pub ours: String,
}

/// The longest text shown whole.
const SHOWN: usize = 300;

/// A value as shown: JSON (long text cut), PEM and eyaml values by kind.
fn show(v: &Yaml) -> String {
    match v {
        Yaml::String(s) if s.starts_with("-----BEGIN") => "(a PEM block)".into(),
        Yaml::String(s) if s.starts_with("ENC[") => "(an eyaml value)".into(),
        Yaml::String(s) if s.chars().count() > SHOWN => {
            format!("{:?}...", s.chars().take(SHOWN).collect::<String>())
        }
        other => serde_json::to_string(other).unwrap_or_else(|_| "(a value)".into()),
    }
}

/// A path as the file system resolves it (links, `..`), to tell whether
/// two paths name one file; as given when it cannot be resolved.
fn resolved(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// For one node: each key of kubetool's `file` (its path, and its data)
/// that the first source holding it gives another value; or the file
/// itself, when it is not among the node's sources. Sources that are
/// kubetool's own files (`own`) shadow nothing: a master's file is meant
/// to win over the cluster-wide one (its own etcd client certificate).
pub fn shadowed(
    node: &str,
    file: (&Path, &str, &serde_yaml::Mapping),
    order: &[Source],
    own: &[&Path],
) -> Vec<Finding> {
    let (path, shown, ours) = file;
    let at: Vec<PathBuf> = order.iter().map(|s| resolved(&s.path)).collect();
    let own: Vec<PathBuf> = own.iter().map(|o| resolved(o)).collect();
    let path = resolved(path);
    let finding = |key: &str, by: &Source, theirs: &Yaml, mine: &Yaml| Finding {
        node: node.to_owned(),
        key: key.to_owned(),
        file: shown.to_owned(),
        by: by.path.display().to_string(),
        level: by.level.clone(),
        theirs: show(theirs),
        ours: show(mine),
    };
    let Some(at_file) = at.iter().position(|p| *p == path) else {
        return vec![Finding {
            node: node.to_owned(),
            key: String::new(),
            file: shown.to_owned(),
            by: String::new(),
            level: String::new(),
            theirs: String::new(),
            ours: String::new(),
        }];
    };
    let mut out = Vec::new();
    for (k, mine) in ours {
        let Some(key) = k.as_str() else { continue };
        let first = order[..at_file]
            .iter()
            .zip(&at)
            .filter(|(_, p)| !own.contains(p))
            .find_map(|(s, _)| s.data.get(k).map(|v| (s, v)));
        if let Some((by, theirs)) = first
            && theirs != mine
        {
            out.push(finding(key, by, theirs, mine));
        }
    }
    out
}

/// The text report: a summary line, then a line per finding.
pub fn text(findings: &[Finding], nodes: usize, keys: usize) -> String {
    let mut out = if findings.is_empty() {
        format!("none of the {keys} keys kubetool writes is shadowed for the {nodes} masters\n")
    } else {
        format!(
            "{} of kubetool's keys are shadowed or not read (over {nodes} masters): a level before kubetool's files holds them with another value\n",
            findings.len()
        )
    };
    for f in findings {
        if f.key.is_empty() {
            out.push_str(&format!(
                "{}: {} is read by no level of the hierarchy: the master gets none of its keys\n",
                f.node, f.file
            ));
        } else {
            out.push_str(&format!(
                "{}: {}: {} (level {:?}) says {}; kubetool's {} says {}\n",
                f.node, f.key, f.by, f.level, f.theirs, f.file, f.ours
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts::of("deadlock", "deadlock.ocf.berkeley.edu", "Debian", &[])
    }

    #[test]
    fn paths_are_filled_with_the_nodes_facts() {
        let f = facts();
        for (t, want) in [
            (
                "kubernetes/hosts/%{::hostname}.yaml",
                "kubernetes/hosts/deadlock.yaml",
            ),
            (
                "kubernetes/os/%{facts.os.family}.yaml",
                "kubernetes/os/Debian.yaml",
            ),
            (
                "nodes/%{trusted.certname}.yaml",
                "nodes/deadlock.ocf.berkeley.edu.yaml",
            ),
            ("%{ osfamily }/x%{literal('%')}.yaml", "Debian/x%.yaml"),
            ("common.yaml", "common.yaml"),
        ] {
            assert_eq!(f.fill(t).unwrap(), want, "{t}");
        }
        let e = f.fill("role/%{facts.role}.yaml").unwrap_err();
        assert!(e.contains("--fact role=VALUE"), "{e}");
        assert!(f.fill("x/%{hostname").is_err());
        let more = Facts::of(
            "a",
            "a",
            "Debian",
            &[("facts.role".into(), "master".into())],
        );
        assert_eq!(more.fill("%{::role}.yaml").unwrap(), "master.yaml");
    }

    #[test]
    fn the_hierarchy_is_read_as_hiera_5_and_what_cannot_be_followed_is_an_error() {
        let file = Path::new("/etc/puppetlabs/code/hiera.yaml");
        let text = "version: 5\ndefaults:\n  datadir: data\n  data_hash: yaml_data\nhierarchy:\n  - name: common\n    path: common.yaml\n  - name: kubernetes\n    paths: [\"kubernetes/hosts/%{::hostname}.yaml\", \"kubernetes/os/%{::osfamily}.yaml\"]\n    datadir: /opt/private\n    lookup_key: eyaml_lookup_key\n  - name: json\n    path: x.json\n    data_hash: json_data\n";
        let l = levels(file, text).unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].datadir, Path::new("/etc/puppetlabs/code/data"));
        assert_eq!(l[1].datadir, Path::new("/opt/private"));
        assert_eq!(l[1].paths.len(), 2);
        assert!(l[2].json && !l[1].json);
        for (bad, why) in [
            ("version: 3\n", "not a Hiera 5 config"),
            (":hierarchy:\n  - common\n", "not a Hiera 5 config"),
            ("version: 5\n", "no hierarchy"),
            (
                "version: 5\nhierarchy:\n  - name: g\n    glob: \"*.yaml\"\n",
                "hierarchy[0] (\"g\"): glob",
            ),
            (
                "version: 5\nhierarchy:\n  - name: v\n    path: x\n    lookup_key: vault_lookup\n",
                "backend vault_lookup",
            ),
            ("version: 5\nhierarchy:\n  - name: n\n", "give path"),
        ] {
            let e = levels(file, bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.starts_with("/etc/puppetlabs/code/hiera.yaml: "), "{e}");
        }
    }

    fn mapping(pairs: &[(&str, &str)]) -> serde_yaml::Mapping {
        pairs
            .iter()
            .map(|(k, v)| (Yaml::String((*k).into()), Yaml::String((*v).into())))
            .collect()
    }

    #[test]
    fn a_key_is_shadowed_only_by_an_earlier_file_with_another_value() {
        let common = Source {
            level: "common".into(),
            path: "/d/common.yaml".into(),
            data: mapping(&[("k::a", "1"), ("k::b", "same")]),
        };
        let ours_path = Path::new("/d/kubernetes/os/Debian.yaml");
        let ours = mapping(&[("k::a", "2"), ("k::b", "same"), ("k::c", "3")]);
        let os = Source {
            level: "os".into(),
            path: ours_path.into(),
            data: ours.clone(),
        };
        // A later level holding a key changes nothing.
        let later = Source {
            level: "last".into(),
            path: "/d/last.yaml".into(),
            data: mapping(&[("k::c", "9")]),
        };
        let order = [common.clone(), os, later];
        let f = shadowed(
            "deadlock",
            (ours_path, "os/Debian.yaml", &ours),
            &order,
            &[],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].key.as_str(), f[0].theirs.as_str(), f[0].ours.as_str()),
            ("k::a", "\"1\"", "\"2\"")
        );
        assert_eq!(f[0].level, "common");
        // kubetool's file read by no level: one finding for the file.
        let f = shadowed(
            "deadlock",
            (ours_path, "os/Debian.yaml", &ours),
            std::slice::from_ref(&common),
            &[],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].key.is_empty() && f[0].by.is_empty());
        assert!(text(&f, 1, 3).contains("read by no level"));
        // kubetool's own host file before its cluster-wide one: meant so.
        let host = Source {
            level: "hosts".into(),
            path: "/d/kubernetes/hosts/deadlock.yaml".into(),
            data: mapping(&[("k::c", "mine")]),
        };
        let os = Source {
            level: "os".into(),
            path: ours_path.into(),
            data: ours.clone(),
        };
        let order = [host.clone(), os];
        let own = [host.path.as_path(), ours_path];
        assert!(
            shadowed(
                "deadlock",
                (ours_path, "os/Debian.yaml", &ours),
                &order,
                &own
            )
            .is_empty()
        );
        assert_eq!(
            shadowed(
                "deadlock",
                (ours_path, "os/Debian.yaml", &ours),
                &order,
                &[]
            )
            .len(),
            1
        );
    }
}
