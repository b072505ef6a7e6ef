//! Turning the YAML tree into typed values, with one strictness rule for
//! every level: a mapping's fields are taken one by one, and whatever is
//! left at the end is an unknown field, reported with its path and line
//! and the fields that level has.

use crate::error::{Error, ErrorKind};
use crate::yaml::{Entry, Node, Value};
use std::fmt;

/// Where a value sits in the file: `ingress.services[3].aliases[0]`.
/// A chain of borrowed segments, so naming a field costs nothing until a
/// message needs the text.
#[derive(Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// The whole file.
    pub const ROOT: Path<'static> = Path {
        parent: None,
        segment: Segment::Root,
    };

    /// `self.key`.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    /// `self[i]`.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Index(i),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(parent) = self.parent else {
            return Ok(()); // the root
        };
        parent.fmt(f)?;
        match self.segment {
            Segment::Key(k) if parent.parent.is_none() => f.write_str(k),
            Segment::Key(k) => write!(f, ".{k}"),
            Segment::Index(i) => write!(f, "[{i}]"),
            Segment::Root => Ok(()),
        }
    }
}

/// An error about the value at `path`, on `node`'s line.
pub fn invalid(node: &Node, path: &Path, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue, Some(node.line), path, message)
}

fn wrong_type(node: &Node, path: &Path, want: &str) -> Error {
    let have = match &node.value {
        Value::Scalar { .. } if node.is_null() => "nothing",
        Value::Scalar { .. } => "a single value",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    };
    Error::new(
        ErrorKind::WrongType,
        Some(node.line),
        path,
        format!("expected {want}, found {have}"),
    )
}

/// The fields of one mapping, taken one at a time.
pub struct Fields<'n> {
    line: usize,
    entries: Vec<(&'n Entry, bool)>,
    known: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    /// The mapping at `path`; `what` names it in a type error (`a master`).
    pub fn of(node: &'n Node, path: &Path, what: &str) -> Result<Fields<'n>, Error> {
        match &node.value {
            Value::Map(entries) => Ok(Fields {
                line: node.line,
                entries: entries.iter().map(|e| (e, false)).collect(),
                known: Vec::new(),
            }),
            _ => Err(wrong_type(
                node,
                path,
                &format!("{what} (key: value lines)"),
            )),
        }
    }

    /// The value of `key`, if given and not null.
    pub fn opt(&mut self, key: &'static str) -> Option<&'n Node> {
        self.known.push(key);
        let (entry, used) = self.entries.iter_mut().find(|(e, _)| e.key == key)?;
        *used = true;
        (!entry.node.is_null()).then_some(&entry.node)
    }

    /// The value of `key`, which must be given; `why` says what it is for.
    pub fn req(&mut self, key: &'static str, path: &Path, why: &str) -> Result<&'n Node, Error> {
        self.opt(key).ok_or_else(|| {
            Error::new(
                ErrorKind::MissingField,
                Some(self.line),
                path.key(key),
                format!("is missing; give {why}"),
            )
        })
    }

    /// Refuses the fields no one took: unknown fields are errors at every
    /// level, so a typo cannot pass silently.
    pub fn finish(self, path: &Path, what: &str) -> Result<(), Error> {
        match self.entries.iter().find(|(_, used)| !used) {
            None => Ok(()),
            Some((e, _)) => Err(Error::new(
                ErrorKind::UnknownField,
                Some(e.line),
                path.key(&e.key),
                format!("unknown field; {what} has {}", self.known.join(", ")),
            )),
        }
    }
}

/// A scalar's text; null, lists and mappings are type errors.
pub fn text<'n>(node: &'n Node, path: &Path) -> Result<&'n str, Error> {
    match &node.value {
        Value::Scalar { text, .. } if !node.is_null() => Ok(text),
        _ => Err(wrong_type(node, path, "a single value")),
    }
}

/// The items of a list.
pub fn list<'n>(node: &'n Node, path: &Path) -> Result<&'n [Node], Error> {
    match &node.value {
        Value::Seq(items) => Ok(items),
        _ => Err(wrong_type(node, path, "a list ([a, b] or '- ' lines)")),
    }
}

/// A scalar written in quotes, which YAML reads as text: what to write
/// instead (`"31234"` for a number, `"false"` for a boolean).
fn quoted(node: &Node, path: &Path, what: &str) -> Option<Error> {
    match &node.value {
        Value::Scalar { text, plain: false } => Some(invalid(
            node,
            path,
            format!(
                "{text:?} is quoted, so YAML reads it as text, not {what}: write it without quotes, {text}"
            ),
        )),
        _ => None,
    }
}

/// A whole number in `lo..=hi`, written without quotes.
pub fn number(node: &Node, path: &Path, lo: u64, hi: u64, what: &str) -> Result<u64, Error> {
    if let Some(e) = quoted(node, path, "a number") {
        return Err(e);
    }
    let bad = || {
        invalid(
            node,
            path,
            format!("{} is not {what} ({lo}-{hi})", show(node)),
        )
    };
    match &node.value {
        Value::Scalar { text, plain: true } => {
            let n: u64 = text.parse().map_err(|_| bad())?;
            if (lo..=hi).contains(&n) {
                Ok(n)
            } else {
                Err(invalid(
                    node,
                    path,
                    format!("{n} is out of range; {what} is {lo}-{hi}"),
                ))
            }
        }
        _ => Err(bad()),
    }
}

/// The lowest and highest port of Kubernetes' default NodePort range.
pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);

/// A NodePort in Kubernetes' default range, written without quotes.
pub fn node_port(node: &Node, path: &Path) -> Result<u16, Error> {
    let (lo, hi) = NODE_PORT_RANGE;
    let what = "a NodePort (Kubernetes' default range)";
    Ok(number(node, path, lo.into(), hi.into(), what)? as u16)
}

/// `true` or `false`, written without quotes.
pub fn boolean(node: &Node, path: &Path) -> Result<bool, Error> {
    if let Some(e) = quoted(node, path, "true or false") {
        return Err(e);
    }
    match &node.value {
        Value::Scalar { text, plain: true } if text == "true" => Ok(true),
        Value::Scalar { text, plain: true } if text == "false" => Ok(false),
        _ => Err(invalid(
            node,
            path,
            format!("{} is not true or false", show(node)),
        )),
    }
}

/// A value as a message quotes it.
pub fn show(node: &Node) -> String {
    match &node.value {
        Value::Scalar { text, .. } => format!("{text:?}"),
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "a mapping".into(),
    }
}

/// Runs `check` on a scalar's text and makes its complaint an error at
/// `path`.
pub fn checked<'n>(
    node: &'n Node,
    path: &Path,
    check: impl FnOnce(&str) -> Result<(), String>,
) -> Result<&'n str, Error> {
    let t = text(node, path)?;
    check(t).map_err(|m| invalid(node, path, m))?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    #[test]
    fn paths_read_as_written() {
        let root = Path::ROOT;
        let ingress = root.key("ingress");
        let services = ingress.key("services");
        let third = services.index(3);
        assert_eq!(
            third.key("aliases").index(0).to_string(),
            "ingress.services[3].aliases[0]"
        );
        assert_eq!(
            root.key("masters").index(0).key("rack").to_string(),
            "masters[0].rack"
        );
        assert_eq!(root.to_string(), "");
    }

    #[test]
    fn unknown_fields_name_path_line_and_the_known_ones() {
        let n = yaml::parse("name: a\nrack: b\n", yaml::tests::depth(8)).unwrap();
        let root = Path::ROOT;
        let p = root.key("masters");
        let p = p.index(0);
        let mut f = Fields::of(&n, &p, "a master").unwrap();
        f.opt("name");
        f.opt("ipv4");
        let e = f.finish(&p, "a master").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: masters[0].rack: unknown field; a master has name, ipv4"
        );
        assert_eq!(e.kind, ErrorKind::UnknownField);
    }

    #[test]
    fn scalars_are_typed_by_how_they_are_written() {
        let n = yaml::parse(
            "a: 80\nb: '80'\nc: true\nd: 'true'\ne: ~\n",
            yaml::tests::depth(8),
        )
        .unwrap();
        let mut f = Fields::of(&n, &Path::ROOT, "x").unwrap();
        let root = Path::ROOT;
        let (a, b) = (f.opt("a").unwrap(), f.opt("b").unwrap());
        assert_eq!(number(a, &root, 1, 65535, "a port").unwrap(), 80);
        assert!(number(b, &root, 1, 65535, "a port").is_err());
        assert!(boolean(f.opt("c").unwrap(), &root).unwrap());
        assert!(boolean(f.opt("d").unwrap(), &root).is_err());
        assert!(f.opt("e").is_none());
        let e = f.req("f", &root, "an f").unwrap_err();
        assert_eq!((e.kind, e.field.as_str()), (ErrorKind::MissingField, "f"));
        assert!(
            number(a, &root, 100, 200, "n")
                .unwrap_err()
                .message
                .contains("out of range")
        );
    }
}
