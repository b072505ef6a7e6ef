//! Where each setting comes from. Every setting of the original kubetool is
//! a command-line flag and an environment variable of the same meaning;
//! `--env-file` reads the module's `env` file (Docker's `--env-file`
//! format), and `--cluster` the cluster file ([`from_cluster_file`]).
//! Precedence: flag, then env file, then the environment, then the cluster
//! file. An empty value counts as unset wherever it comes from, so the
//! module's template `env` file (every value empty) means "all defaults".

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// One setting of a full run: the environment variable (and env-file
/// name) it is read from, the clap id of its flag (the flag's spelling is
/// clap's), and its key in the cluster file's `kubernetes` section. Every
/// list of settings (the variables an env file may set, the flags, the
/// cluster file's keys, `--help`'s SETTINGS) is read from [`SETTINGS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The variable: `CNI_PROVIDER`.
    pub var: &'static str,
    /// The clap id of its flag (the field of the command line): `cni_provider`.
    pub id: &'static str,
    /// Its key in the cluster file's `kubernetes` section, when it has one
    /// (the masters give `ETCD_INITIAL_CLUSTER`).
    pub cluster_key: Option<&'static str>,
    /// Whether the original kubetool has it (the rest are kubetool's own).
    pub original: bool,
}

const fn setting(
    var: &'static str,
    id: &'static str,
    cluster_key: Option<&'static str>,
    original: bool,
) -> Setting {
    Setting {
        var,
        id,
        cluster_key,
        original,
    }
}

/// The settings: the original's twelve, then five of kubetool's own, in
/// the order `--help` lists them.
pub const SETTINGS: &[Setting] = &[
    setting("OS", "os", Some("os"), true),
    setting("VERSION", "version", Some("version"), true),
    setting(
        "CONTAINER_RUNTIME",
        "container_runtime",
        Some("container_runtime"),
        true,
    ),
    setting("CNI_PROVIDER", "cni_provider", Some("cni_provider"), true),
    setting(
        "CNI_PROVIDER_VERSION",
        "cni_provider_version",
        Some("cni_provider_version"),
        true,
    ),
    setting("ETCD_INITIAL_CLUSTER", "etcd_initial_cluster", None, true),
    setting("ETCD_IP", "etcd_ip", Some("etcd_ip"), true),
    setting(
        "KUBE_API_ADVERTISE_ADDRESS",
        "api_address",
        Some("api_advertise_address"),
        true,
    ),
    setting(
        "INSTALL_DASHBOARD",
        "install_dashboard",
        Some("install_dashboard"),
        true,
    ),
    setting("KEY_SIZE", "key_size", Some("key_size"), true),
    setting("CA_ALGO", "ca_algo", Some("ca_algo"), true),
    setting("SA_SIZE", "sa_size", Some("sa_size"), true),
    setting("SA_ALGO", "sa_algo", Some("sa_algo"), false),
    setting(
        "CONTROLLER_ADDRESS",
        "controller_address",
        Some("controller_address"),
        false,
    ),
    setting(
        "PACKAGE_VERSION",
        "package_version",
        Some("package_version"),
        false,
    ),
    setting("HIERA_LAYOUT", "hiera_layout", Some("hiera_layout"), false),
    setting(
        "HIERA_HOST_DOMAIN",
        "hiera_host_domain",
        Some("hiera_host_domain"),
        false,
    ),
];

/// Whether `var` is one of the settings' variables.
pub fn is_variable(var: &str) -> bool {
    SETTINGS.iter().any(|s| s.var == var)
}

/// One value and where it came from, for messages: `--version`,
/// `env:4 (VERSION)` or `environment variable VERSION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    /// The value, never empty.
    pub value: String,
    /// Where it came from.
    pub from: String,
}

/// A parsed env file: `NAME=value` lines, `#` comments, blank lines.
#[derive(Debug, Clone, Default)]
pub struct EnvFile {
    path: String,
    /// Name → (value, line number); the last line for a name wins.
    values: BTreeMap<String, (String, usize)>,
}

/// The longest value an env-file line may set: every setting is a word,
/// a version or a list of masters; a longer one is a wrong file.
pub const MAX_VALUE: usize = 4096;

/// The most of a line's text an error or warning quotes.
const MAX_SHOWN: usize = 64;

/// `text` as a message quotes it: whole when short, else its start and
/// its length, so a wrong file (a 50 MB line) gives a one-line error.
fn clip(text: &str) -> String {
    if text.len() <= MAX_SHOWN {
        return format!("{text:?}");
    }
    let start: String = text.chars().take(MAX_SHOWN).collect();
    format!("{start:?}... ({} bytes)", text.len())
}

impl EnvFile {
    /// Parses `text`, read from `path`. As with `docker run --env-file`,
    /// the value is everything after the first `=`, taken literally
    /// (quotes are part of the value), and a line holding only a name takes
    /// that variable from the environment. Unknown names are returned as
    /// warnings.
    pub fn parse(
        path: &str,
        text: &str,
        environ: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(EnvFile, Vec<String>)> {
        let mut values = BTreeMap::new();
        let mut warnings = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw).trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, value) = match line.split_once('=') {
                Some((name, value)) => (name.trim_end(), Some(value.to_owned())),
                None => (line.trim_end(), None),
            };
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(Error::Usage(format!(
                    "{path}:{n}: {} is not a variable name; lines are NAME=value (see --help)",
                    clip(name)
                )));
            }
            if !is_variable(name) {
                let shown = if name.len() <= MAX_SHOWN {
                    name.to_owned()
                } else {
                    clip(name)
                };
                warnings.push(format!(
                    "{path}:{n}: {shown} is not a kubetool variable; ignored"
                ));
                continue;
            }
            if let Some(v) = value.as_ref().filter(|v| v.len() > MAX_VALUE) {
                return Err(Error::Usage(format!(
                    "{path}:{n}: the value of {name} is {} bytes; a setting is at most {MAX_VALUE}",
                    v.len()
                )));
            }
            let value = value.or_else(|| environ(name)).unwrap_or_default();
            values.insert(name.to_owned(), (value, n));
        }
        Ok((
            EnvFile {
                path: path.to_owned(),
                values,
            },
            warnings,
        ))
    }
}

/// The layers a setting is looked up in.
pub struct Sources<'a> {
    /// Values given as flags, by variable name, with the flag's spelling.
    pub flags: BTreeMap<&'static str, (String, String)>,
    /// The `--env-file`, if one was given.
    pub file: Option<EnvFile>,
    /// The process environment.
    pub environ: &'a dyn Fn(&str) -> Option<String>,
    /// The settings of the `--cluster` file, by variable name.
    pub cluster: BTreeMap<&'static str, Given>,
    /// The API servers' own port, from the `--cluster` file's `api`
    /// section (the kubeconfigs of the controller manager and scheduler
    /// reach their own master's API server there).
    pub apiserver_port: Option<u16>,
}

impl Sources<'_> {
    /// The value of `var` from the first layer that has a non-empty one.
    pub fn get(&self, var: &str) -> Option<Given> {
        debug_assert!(is_variable(var), "{var} is not in SETTINGS");
        if let Some((v, flag)) = self.flags.get(var)
            && !v.is_empty()
        {
            return Some(Given {
                value: v.clone(),
                from: flag.clone(),
            });
        }
        if let Some(f) = &self.file
            && let Some((v, line)) = f.values.get(var)
            && !v.is_empty()
        {
            return Some(Given {
                value: v.clone(),
                from: format!("{}:{line} ({var})", f.path),
            });
        }
        match (self.environ)(var) {
            Some(v) if !v.is_empty() => Some(Given {
                value: v,
                from: format!("environment variable {var}"),
            }),
            _ => self.cluster.get(var).cloned(),
        }
    }
}

/// The settings that say where the Hiera files are (the cluster-wide
/// file's name, the layout, the masters' file names): all a change
/// (add-member, remove-member, renew, shadowed) takes from `--cluster`.
pub const PLACEMENT: [&str; 3] = ["OS", "HIERA_LAYOUT", "HIERA_HOST_DOMAIN"];

/// The settings a cluster file gives: its `kubernetes` section; the
/// masters as `ETCD_INITIAL_CLUSTER` (each name and IPv4 address); and
/// the VIP as `CONTROLLER_ADDRESS`, on the `api` section's port (6443
/// without one), unless the section names another endpoint (which the
/// file refuses beside `api`). `path` names the file in messages.
pub fn from_cluster_file(
    path: &str,
    file: &clusterfile::ClusterFile,
) -> BTreeMap<&'static str, Given> {
    let at = |line: usize, key: &str| format!("{path}:{line} ({key})");
    let mut m = BTreeMap::new();
    for (var, key) in SETTINGS
        .iter()
        .filter_map(|s| Some((s.var, s.cluster_key?)))
    {
        if let Some(s) = file.kubernetes.get(key) {
            let from = at(s.line, &format!("kubernetes.{key}"));
            m.insert(
                var,
                Given {
                    value: s.value.clone(),
                    from,
                },
            );
        }
    }
    let members: Vec<String> = file
        .masters
        .iter()
        .map(|h| format!("{}:{}", h.name, h.ipv4))
        .collect();
    m.insert(
        "ETCD_INITIAL_CLUSTER",
        Given {
            value: members.join(","),
            from: format!("{path} (masters)"),
        },
    );
    if let (None, Some(vip)) = (m.get("CONTROLLER_ADDRESS"), &file.vip_section) {
        let (port, from) = match &file.api_section {
            Some(api) => (api.port, at(api.line, "vip.ipv4 and api.port")),
            None => (crate::members::API_PORT, at(vip.line, "vip.ipv4")),
        };
        let value = crate::members::host_port(std::net::IpAddr::V4(vip.ipv4.addr), port);
        m.insert("CONTROLLER_ADDRESS", Given { value, from });
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_files_keys_are_the_settings_keys() {
        let ours: Vec<&str> = SETTINGS.iter().filter_map(|s| s.cluster_key).collect();
        let mut theirs: Vec<&str> = clusterfile::kubernetes::KEYS.iter().map(|k| k.0).collect();
        let mut sorted = ours.clone();
        sorted.sort();
        theirs.sort();
        assert_eq!(sorted, theirs);
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_modules_template_env_file_means_all_unset() {
        let text = "OS=\nVERSION=\nCONTAINER_RUNTIME=\nCNI_PROVIDER=\nETCD_INITIAL_CLUSTER=\nETCD_IP=\nKUBE_API_ADVERTISE_ADDRESS=\nINSTALL_DASHBOARD=\n";
        let (f, w) = EnvFile::parse("env", text, &no_env).unwrap();
        assert!(w.is_empty());
        let s = Sources {
            flags: BTreeMap::new(),
            file: Some(f),
            environ: &|v| (v == "VERSION").then(|| "1.30.2".to_owned()),
            cluster: BTreeMap::new(),
            apiserver_port: None,
        };
        assert_eq!(s.get("OS"), None);
        // An empty file value does not hide the environment.
        assert_eq!(
            s.get("VERSION").unwrap().from,
            "environment variable VERSION"
        );
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_the_environment() {
        let text = "# cluster\n  VERSION=1.29.1\r\nOS='debian'\nCNI_PROVIDER\nFOO=1\n";
        let env = |v: &str| match v {
            "VERSION" | "OS" => Some("from-env".to_owned()),
            "CNI_PROVIDER" => Some("flannel".to_owned()),
            _ => None,
        };
        let (f, w) = EnvFile::parse("env", text, &env).unwrap();
        assert_eq!(w, ["env:5: FOO is not a kubetool variable; ignored"]);
        let mut flags = BTreeMap::new();
        flags.insert("OS", ("RedHat".to_owned(), "--os".to_owned()));
        let s = Sources {
            flags,
            file: Some(f),
            environ: &env,
            cluster: BTreeMap::new(),
            apiserver_port: None,
        };
        let os = s.get("OS").unwrap();
        assert_eq!((os.value.as_str(), os.from.as_str()), ("RedHat", "--os"));
        let v = s.get("VERSION").unwrap();
        assert_eq!(
            (v.value.as_str(), v.from.as_str()),
            ("1.29.1", "env:2 (VERSION)")
        );
        // A bare name is taken from the environment, as Docker does.
        assert_eq!(s.get("CNI_PROVIDER").unwrap().value, "flannel");
    }

    #[test]
    fn quotes_are_literal_and_bad_names_are_refused() {
        // A wrong file's huge line is quoted in part, its size named.
        let huge = format!("{}\n", "x y".repeat(1_000_000));
        let e = EnvFile::parse("env", &huge, &no_env)
            .unwrap_err()
            .to_string();
        assert!(
            e.len() < 300 && e.contains("(3000000 bytes)"),
            "{}",
            e.len()
        );
        let long = format!("VERSION={}\n", "1".repeat(MAX_VALUE + 1));
        let e = EnvFile::parse("env", &long, &no_env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a setting is at most 4096") && e.len() < 300,
            "{e}"
        );
        let (_, w) =
            EnvFile::parse("env", &format!("{}=1\n", "A".repeat(100_000)), &no_env).unwrap();
        assert!(w[0].len() < 300, "{}", w[0].len());
        let (f, _) = EnvFile::parse("env", "OS='debian'\n", &no_env).unwrap();
        assert_eq!(f.values["OS"].0, "'debian'");
        let e = EnvFile::parse("env", "OS=x\nbad name=1\n", &no_env).unwrap_err();
        assert!(e.to_string().starts_with("env:2: \"bad name\""), "{e}");
    }
}
