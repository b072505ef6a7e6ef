#![doc = include_str!("../cluster.yaml.md")]
//!
//! # The library
//!
//! [`load`] reads a file (or stdin for `-`) and [`parse`] reads text; both
//! check the whole file and return a [`ClusterFile`] or one [`Error`] that
//! names the file, line and field. Each tool turns the model into its own
//! (ingressgen's render model, vipcheck's keepalived options, kubetool's
//! settings), and asks for the sections it needs with [`ClusterFile::vip`]
//! and [`ClusterFile::ingress`].
//!
//! ```
//! let file = clusterfile::parse("masters:\n  - {name: deadlock, ipv4: 192.0.2.75}\n")?;
//! assert_eq!(file.masters[0].name, "deadlock");
//! let e = clusterfile::parse("masters:\n  - {name: deadlock, ipv4: 192.0.2.75, rack: a}\n")
//!     .unwrap_err();
//! assert_eq!(e.to_string(), "line 2: masters[0].rack: unknown field; a host has name, ipv4, ipv6");
//! # Ok::<(), clusterfile::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod addr;
pub mod api;
mod decode;
pub mod error;
pub mod gateway;
pub mod hosts;
pub mod ingress;
pub mod kubernetes;
pub mod names;
pub mod vip;
mod yaml;

pub use addr::{IfAddr, Net};
pub use api::Api;
pub use error::{Error, ErrorKind};
pub use gateway::{Controller, Gateway};
pub use hosts::Host;
pub use ingress::{Ingress, Listen, Service, Trusted};
pub use kubernetes::Kubernetes;
pub use vip::{Advert, Vip};

use decode::{Fields, Path};
use std::io::Read;

/// The largest cluster file read: far above a site of 50,000 services,
/// far below what would strain a Puppet server.
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;
/// The deepest nesting read (the schema itself is four levels deep).
pub const MAX_DEPTH: usize = 16;
/// The most values (scalars, keys included, lists and mappings) read:
/// eight for each of [`ingress::MAX_SERVICES`] services. A file of tiny
/// values (`[a,a,a,...]`) is refused at this count, so the tree held
/// stays far below a 2 GB memory limit whatever the 32 MiB hold.
pub const MAX_VALUES: usize = 2_000_000;

/// A checked cluster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFile {
    /// The cluster's name, if given.
    pub cluster: Option<String>,
    /// The control-plane hosts, in the file's order: the etcd members.
    pub masters: Vec<Host>,
    /// The hosts that run pods, in the file's order.
    pub workers: Vec<Host>,
    /// The `vip` section, if given; see [`ClusterFile::vip`].
    pub vip_section: Option<Vip>,
    /// The `ingress` section, if given; see [`ClusterFile::ingress`].
    pub ingress_section: Option<Ingress>,
    /// The `api` section, if given (it needs `vip`); see [`ClusterFile::api`].
    pub api_section: Option<Api>,
    /// kubetool's settings (empty when the section is absent).
    pub kubernetes: Kubernetes,
    /// The file it was read from (`stdin` for `-`), for messages; `None`
    /// for a text given to [`parse`].
    pub file: Option<String>,
}

/// A section a tool needs is not in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSection {
    /// The file, when it was read from one.
    pub file: Option<String>,
    /// The section.
    pub section: &'static str,
    /// What the tool needs it for.
    pub needed_for: &'static str,
}

impl std::fmt::Display for MissingSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        write!(
            f,
            "the cluster file has no `{}` section; {}",
            self.section, self.needed_for
        )
    }
}

impl std::error::Error for MissingSection {}

impl ClusterFile {
    /// The VIP, or an error saying what it is needed for.
    pub fn vip(&self, needed_for: &'static str) -> Result<&Vip, MissingSection> {
        self.vip_section
            .as_ref()
            .ok_or_else(|| self.missing("vip", needed_for))
    }

    /// The ingress section, or an error saying what it is needed for.
    pub fn ingress(&self, needed_for: &'static str) -> Result<&Ingress, MissingSection> {
        self.ingress_section
            .as_ref()
            .ok_or_else(|| self.missing("ingress", needed_for))
    }

    /// The api section, or an error saying what it is needed for.
    pub fn api(&self, needed_for: &'static str) -> Result<&Api, MissingSection> {
        self.api_section
            .as_ref()
            .ok_or_else(|| self.missing("api", needed_for))
    }

    fn missing(&self, section: &'static str, needed_for: &'static str) -> MissingSection {
        MissingSection {
            file: self.file.clone(),
            section,
            needed_for,
        }
    }

    /// The master named `name`.
    pub fn master(&self, name: &str) -> Option<&Host> {
        self.masters.iter().find(|m| m.name == name)
    }
}

/// Reads and checks the cluster file at `path`, or stdin for `-`. At most
/// [`MAX_BYTES`] are read, and by name only a regular file: a wrong path
/// such as `/dev/zero` is an error, not an exhausted memory.
pub fn load(path: &str) -> Result<ClusterFile, Error> {
    let name = if path == "-" { "stdin" } else { path };
    let read_error = |m: String| Error::new(ErrorKind::Read, None, "", m).in_file(name);
    let mut data = Vec::new();
    let limit = MAX_BYTES + 1;
    // By name, only a regular file: a device or FIFO could block or never
    // end (stdin, /dev/stdin and /dev/fd/N are streams, bounded the same).
    let stream = path == "-"
        || path == "/dev/stdin"
        || path.starts_with("/dev/fd/")
        || path.starts_with("/proc/self/fd/");
    let read = if path == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut data)
    } else {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(read_error("is a directory; give the cluster file".into()));
            }
            Ok(m) if !stream && !m.is_file() => {
                return Err(read_error(
                    "is a device, FIFO or socket, not a regular file; give the cluster file, or - for stdin"
                        .into(),
                ));
            }
            _ => std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut data)),
        }
    };
    read.map_err(|e| read_error(format!("cannot read it: {e}")))?;
    if data.len() as u64 > MAX_BYTES {
        return Err(Error::new(
            ErrorKind::TooLarge,
            None,
            "",
            format!(
                "is larger than {} MiB; is it the cluster file?",
                MAX_BYTES / 1024 / 1024
            ),
        )
        .in_file(name));
    }
    let text = String::from_utf8(data).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        Error::new(ErrorKind::Syntax, Some(line), "", "is not UTF-8 text").in_file(name)
    })?;
    let mut file = parse(&text).map_err(|e| e.in_file(name))?;
    file.file = Some(name.to_owned());
    Ok(file)
}

/// Checks the text of a cluster file.
pub fn parse(text: &str) -> Result<ClusterFile, Error> {
    let limits = yaml::Limits {
        depth: MAX_DEPTH,
        values: MAX_VALUES,
    };
    let root = yaml::parse(text, limits)?;
    let top = Path::ROOT;
    const WHAT: &str = "a cluster file";
    let mut f = Fields::of(&root, &top, "a cluster file")?;
    let cluster = match f.opt("cluster") {
        None => None,
        Some(n) => Some(decode::checked(n, &top.key("cluster"), names::dns_label)?.to_owned()),
    };
    let masters = f.req("masters", &top, "the control-plane hosts (name, ipv4)")?;
    let masters = hosts::list(masters, &top.key("masters"))?;
    if masters.is_empty() {
        return Err(Error::new(
            ErrorKind::MissingField,
            Some(root.line),
            "masters",
            "the list is empty; list the control-plane hosts (name, ipv4)",
        ));
    }
    let workers = match f.opt("workers") {
        None => Vec::new(),
        Some(n) => hosts::list(n, &top.key("workers"))?,
    };
    hosts::check_across(&masters, &workers)?;
    let all: Vec<&Host> = masters.iter().chain(&workers).collect();
    let vip_section = match f.opt("vip") {
        None => None,
        Some(n) => Some(vip::decode(n, &top.key("vip"), &masters, &all)?),
    };
    let ingress_section = match f.opt("ingress") {
        None => None,
        Some(n) => {
            if workers.is_empty() {
                return Err(Error::new(
                    ErrorKind::MissingField,
                    Some(n.line),
                    "workers",
                    "is missing or empty; ingress routes to the NodePort of every worker, so list them (name, ipv4)",
                ));
            }
            Some(ingress::decode(n, &top.key("ingress"))?)
        }
    };
    let kubernetes = match f.opt("kubernetes") {
        None => Kubernetes::default(),
        Some(n) => kubernetes::decode(n, &top.key("kubernetes"))?,
    };
    let api_section = match f.opt("api") {
        None => None,
        Some(n) => Some(api_of(
            n,
            vip_section.as_ref(),
            ingress_section.as_ref(),
            &kubernetes,
        )?),
    };
    f.finish(&top, WHAT)?;
    Ok(ClusterFile {
        cluster,
        masters,
        workers,
        vip_section,
        ingress_section,
        api_section,
        kubernetes,
        file: None,
    })
}

/// The `api` section, checked against the sections it shares the masters
/// with: the VIP it is served on, HAProxy's other frontends, and
/// kubetool's `controller_address`, which it replaces.
fn api_of(
    n: &yaml::Node,
    vip: Option<&Vip>,
    ingress: Option<&Ingress>,
    kubernetes: &Kubernetes,
) -> Result<Api, Error> {
    let top = Path::ROOT;
    let path = top.key("api");
    if vip.is_none() {
        return Err(Error::new(
            ErrorKind::MissingField,
            Some(n.line),
            "vip",
            "is missing; the api section serves the Kubernetes API on the VIP, so give the vip section (name, ipv4)",
        ));
    }
    let a = api::decode(n, &path)?;
    if let Some(ing) = ingress {
        api::check_against(&a, &ing.haproxy, &path)?;
    }
    if let Some(s) = kubernetes.get("controller_address") {
        return Err(Error::new(
            ErrorKind::Duplicate,
            Some(s.line),
            "kubernetes.controller_address",
            format!(
                "the api section (line {}) already makes the VIP the API endpoint; remove controller_address, or the api section to keep another endpoint",
                a.line
            ),
        ));
    }
    Ok(a)
}
