//! The YAML layer: the file's text as a tree of scalars, lists and
//! mappings, each node with its line, built from saphyr-parser's events.
//!
//! Only what a data file needs is accepted: one document, plain data.
//! Anchors and aliases (which can blow a small file up to any size), tags
//! and repeated keys are refused, and nesting is bounded by
//! [`crate::MAX_DEPTH`], so a hostile file costs no more than its length.

use crate::error::{Error, ErrorKind};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

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

/// A container being filled.
enum Open {
    Seq(usize, Vec<Node>),
    Map(usize, Vec<Entry>, Option<(String, usize)>),
}

/// Parses `text` into one tree. `max_depth` bounds the nesting.
pub fn parse(text: &str, max_depth: usize) -> Result<Node, Error> {
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            // At the end of a file without a final newline the parser's
            // mark is one line past it: name the last line instead.
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
        })?;
        let done = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(unsupported(&span, "several YAML documents"));
                }
                None
            }
            Event::Alias(_) => return Err(unsupported(&span, "aliases (*name)")),
            Event::Scalar(text, style, anchor, tag) => {
                check_plain_data(&span, anchor, tag.is_some())?;
                Some(Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    line: line_of(&span),
                })
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                check_plain_data(&span, anchor, tag.is_some())?;
                if stack.len() >= max_depth {
                    return Err(too_deep(Some(line_of(&span)), max_depth));
                }
                let line = line_of(&span);
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Open::Map(line, Vec::new(), None)
                } else {
                    Open::Seq(line, Vec::new())
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq(line, items)) => Some(Node {
                    value: Value::Seq(items),
                    line,
                }),
                _ => unreachable!("the parser balances sequences"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map(line, entries, _)) => Some(Node {
                    value: Value::Map(entries),
                    line,
                }),
                _ => unreachable!("the parser balances mappings"),
            },
        };
        if let Some(node) = done {
            match stack.last_mut() {
                None => root = Some(node),
                Some(Open::Seq(_, items)) => items.push(node),
                Some(Open::Map(_, entries, pending)) => match pending.take() {
                    None => *pending = Some(key_of(node)?),
                    Some((key, line)) => {
                        if let Some(first) = entries.iter().find(|e| e.key == key) {
                            return Err(Error::new(
                                ErrorKind::Duplicate,
                                Some(line),
                                &key,
                                format!("given twice (first on line {}); keep one", first.line),
                            ));
                        }
                        entries.push(Entry { key, line, node });
                    }
                },
            }
        }
    }
    Ok(root.unwrap_or(Node {
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
        line: 1,
    }))
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
mod tests {
    use super::*;

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
        let n = parse("a: 1\nb:\n  - x\n  - {c: 'd'}\n", 8).unwrap();
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
            let e = parse(text, 4).unwrap_err();
            assert_eq!((e.kind, e.line), (kind, Some(line)), "{text:?}: {e}");
        }
        assert!(parse("", 4).unwrap().is_null());
    }
}
