//! The YAML layer: the file's text as a tree of scalars, lists and
//! mappings, each node with its line, built from saphyr-parser's events.
//!
//! Only what a data file needs is accepted: one document, plain data.
//! Anchors and aliases (which can blow a small file up to any size), tags
//! and repeated keys are refused, and nesting is bounded by
//! [`crate::MAX_DEPTH`] and the count of values by [`crate::MAX_VALUES`],
//! so a hostile file costs no more than its length, in time and memory.

use crate::error::{Error, ErrorKind};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// One value of the file, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Its line, 1-based.
    pub line: usize,
}

/// The three shapes a YAML value has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A scalar; `plain` when it was written without quotes (only a plain
    /// scalar can be a number, a boolean or null).
    Scalar {
        /// The text.
        text: String,
        /// Written without quotes or block style.
        plain: bool,
    },
    /// A list.
    Seq(Vec<Node>),
    /// A mapping: keys in file order, each with its line.
    Map(Vec<Entry>),
}

/// One `key: value` of a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The key's line.
    pub line: usize,
    /// The value.
    pub node: Node,
}

impl Node {
    /// A plain `~`, `null` or nothing at all: YAML's null.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

fn line_of(span: &Span) -> usize {
    span.start.line()
}

fn unsupported(span: &Span, what: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        Some(line_of(span)),
        "",
        format!("{what} are not used in a cluster file; write the values out"),
    )
}

fn too_deep(line: Option<usize>, max_depth: usize) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        line,
        "",
        format!(
            "nested more than {max_depth} levels deep; a cluster file is a few levels of mappings and lists"
        ),
    )
}

/// How many keys a mapping's repeated-key check scans; a longer mapping
/// keeps an index, so a file of one huge mapping still costs its length.
const SCAN_KEYS: usize = 16;

/// A mapping being filled.
struct OpenMap {
    line: usize,
    entries: Vec<Entry>,
    /// A key read, waiting for its value.
    pending: Option<(String, usize)>,
    /// Each key's line, once there are more than [`SCAN_KEYS`].
    index: Option<HashMap<String, usize>>,
}

impl OpenMap {
    fn add(&mut self, key: String, line: usize, node: Node) -> Result<(), Error> {
        let first = match &self.index {
            None => self.entries.iter().find(|e| e.key == key).map(|e| e.line),
            Some(index) => index.get(&key).copied(),
        };
        if let Some(first) = first {
            return Err(Error::new(
                ErrorKind::Duplicate,
                Some(line),
                &key,
                format!("given twice (first on line {first}); keep one"),
            ));
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), line);
        }
        self.entries.push(Entry { key, line, node });
        if self.index.is_none() && self.entries.len() > SCAN_KEYS {
            let keys = self.entries.iter().map(|e| (e.key.clone(), e.line));
            self.index = Some(keys.collect());
        }
        Ok(())
    }
}

/// A container being filled.
enum Open {
    Seq(usize, Vec<Node>),
    Map(OpenMap),
}

/// How much a file may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The deepest nesting.
    pub depth: usize,
    /// The most values: scalars (keys included), lists and mappings.
    pub values: usize,
}

/// The tree being built.
struct Builder {
    limits: Limits,
    stack: Vec<Open>,
    root: Option<Node>,
    documents: usize,
    values: usize,
}

/// Parses `text` into one tree, within `limits`.
pub fn parse(text: &str, limits: Limits) -> Result<Node, Error> {
    let mut b = Builder {
        limits,
        stack: Vec::new(),
        root: None,
        documents: 0,
        values: 0,
    };
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| scan_error(text, &e, limits.depth))?;
        if let Some(node) = b.node_of(event, &span)? {
            b.place(node)?;
        }
    }
    Ok(b.root.unwrap_or(Node {
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
        line: 1,
    }))
}

fn scan_error(text: &str, e: &saphyr_parser::ScanError, max_depth: usize) -> Error {
    // At the end of a file without a final newline the parser's mark is
    // one line past it: name the last line instead.
    let last = text.replace("\r\n", "\n").matches(['\n', '\r']).count() + 1;
    let line = Some(e.marker().line().min(last));
    // The scanner's own nesting limit, met while it reads ahead.
    if e.info().contains("recursion limit") {
        return too_deep(line, max_depth);
    }
    Error::new(
        ErrorKind::Syntax,
        line,
        "",
        format!("not valid YAML: {}", e.info()),
    )
}

impl Builder {
    /// The node an event completes, if any; opens containers and counts
    /// values on the way.
    fn node_of(&mut self, event: Event, span: &Span) -> Result<Option<Node>, Error> {
        let line = line_of(span);
        if matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        ) {
            self.values += 1;
            if self.values > self.limits.values {
                return Err(too_many(line, self.limits.values));
            }
        }
        Ok(match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(unsupported(span, "several YAML documents"));
                }
                None
            }
            Event::Alias(_) => return Err(unsupported(span, "aliases (*name)")),
            Event::Scalar(text, style, anchor, tag) => {
                check_plain_data(span, anchor, tag.is_some())?;
                let plain = style == ScalarStyle::Plain;
                let text = text.into_owned();
                Some(Node {
                    value: Value::Scalar { text, plain },
                    line,
                })
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                check_plain_data(span, anchor, tag.is_some())?;
                if self.stack.len() >= self.limits.depth {
                    return Err(too_deep(Some(line), self.limits.depth));
                }
                self.stack
                    .push(if matches!(event, Event::MappingStart(..)) {
                        Open::Map(OpenMap {
                            line,
                            entries: Vec::new(),
                            pending: None,
                            index: None,
                        })
                    } else {
                        Open::Seq(line, Vec::new())
                    });
                None
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Open::Seq(line, items)) => Some(Node {
                    value: Value::Seq(items),
                    line,
                }),
                _ => unreachable!("the parser balances sequences"),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Open::Map(m)) => Some(Node {
                    value: Value::Map(m.entries),
                    line: m.line,
                }),
                _ => unreachable!("the parser balances mappings"),
            },
        })
    }

    /// Puts a finished node where it belongs: the root, a list's next
    /// item, a mapping's key or that key's value.
    fn place(&mut self, node: Node) -> Result<(), Error> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq(_, items)) => items.push(node),
            Some(Open::Map(m)) => match m.pending.take() {
                None => m.pending = Some(key_of(node)?),
                Some((key, line)) => m.add(key, line, node)?,
            },
        }
        Ok(())
    }
}

fn too_many(line: usize, max_values: usize) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        Some(line),
        "",
        format!(
            "holds more than {max_values} values (scalars, lists and mappings); a cluster file is far smaller"
        ),
    )
}

fn check_plain_data(span: &Span, anchor: usize, tagged: bool) -> Result<(), Error> {
    if anchor != 0 {
        return Err(unsupported(span, "anchors (&name)"));
    }
    if tagged {
        return Err(unsupported(span, "tags (!name)"));
    }
    Ok(())
}

fn key_of(node: Node) -> Result<(String, usize), Error> {
    match node.value {
        Value::Scalar { text, .. } => Ok((text, node.line)),
        _ => Err(Error::new(
            ErrorKind::WrongType,
            Some(node.line),
            "",
            "a mapping key must be a plain word, not a list or a mapping",
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Limits of `depth` levels and plenty of values.
    pub(crate) fn depth(depth: usize) -> Limits {
        Limits {
            depth,
            values: 1000,
        }
    }

    fn scalar(text: &str, line: usize) -> Node {
        Node {
            value: Value::Scalar {
                text: text.into(),
                plain: true,
            },
            line,
        }
    }

    #[test]
    fn nodes_carry_their_lines() {
        let n = parse("a: 1\nb:\n  - x\n  - {c: 'd'}\n", depth(8)).unwrap();
        let Value::Map(entries) = &n.value else {
            panic!("{n:?}")
        };
        assert_eq!(entries[0].node, scalar("1", 1));
        assert_eq!((entries[1].key.as_str(), entries[1].line), ("b", 2));
        let Value::Seq(items) = &entries[1].node.value else {
            panic!()
        };
        assert_eq!(items[0], scalar("x", 3));
        let Value::Map(inner) = &items[1].value else {
            panic!()
        };
        assert_eq!(inner[0].line, 4);
        assert!(matches!(
            &inner[0].node.value,
            Value::Scalar { plain: false, .. }
        ));
    }

    #[test]
    fn what_a_data_file_does_not_need_is_refused() {
        let cases = [
            ("a: 1\na: 2\n", ErrorKind::Duplicate, 2),
            ("a: &x 1\nb: *x\n", ErrorKind::Unsupported, 1),
            ("a: !!str 1\n", ErrorKind::Unsupported, 1),
            ("a: 1\n---\nb: 2\n", ErrorKind::Unsupported, 2),
            ("a: [1\n", ErrorKind::Syntax, 2),
            ("a: [1\nb: c", ErrorKind::Syntax, 2),
            ("[[[[[[x]]]]]]\n", ErrorKind::TooLarge, 1),
            ("? [a]\n: 1\n", ErrorKind::WrongType, 1),
        ];
        for (text, kind, line) in cases {
            let e = parse(text, depth(4)).unwrap_err();
            assert_eq!((e.kind, e.line), (kind, Some(line)), "{text:?}: {e}");
        }
        assert!(parse("", depth(4)).unwrap().is_null());
    }

    #[test]
    fn values_are_counted_keys_and_containers_included() {
        // a: [x, y] is five values: the mapping, the key, the list, x and y.
        let five = Limits {
            depth: 4,
            values: 5,
        };
        assert!(parse("a: [x, y]\n", five).is_ok());
        let e = parse("a: [x, y]\nb: z\n", five).unwrap_err();
        assert_eq!((e.kind, e.line), (ErrorKind::TooLarge, Some(2)), "{e}");
        assert!(e.message.contains("more than 5 values"), "{e}");
        let e = parse("[a, a, a, a, a, a]\n", five).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooLarge, "{e}");
    }

    #[test]
    fn a_repeated_key_is_found_in_a_long_mapping_too() {
        // Keys past the scanned first ones are found by the index: the
        // repeat of a key from the scanned part and of one from the
        // indexed part, each with both lines.
        let keys = 3 * SCAN_KEYS;
        let long: String = (0..keys).map(|i| format!("k{i}: 1\n")).collect();
        let limits = Limits {
            depth: 4,
            values: 10 * keys,
        };
        let Value::Map(entries) = parse(&long, limits).unwrap().value else {
            panic!("not a mapping")
        };
        assert_eq!(entries.len(), keys);
        for (repeat, first_line) in [(2, 3), (2 * SCAN_KEYS, 2 * SCAN_KEYS + 1)] {
            let text = format!("{long}k{repeat}: 2\n");
            let e = parse(&text, limits).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Duplicate, "{e}");
            assert_eq!(e.line, Some(keys + 1), "{e}");
            let first = format!("first on line {first_line}");
            assert!(e.message.contains(&first), "{e}");
        }
    }
}
