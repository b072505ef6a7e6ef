//! Every YAML text a tool reads (Hiera files, kubeconfigs, anything certs
//! is pointed at) is parsed here, within bounds: [`documents`] and
//! [`document`] are the workspace's only doors to serde_yaml's readers
//! (clippy.toml disallows the others).
//!
//! serde_yaml (libyaml translated to Rust) loads a whole document before
//! its depth limit applies, and its scanner is quadratic in the nesting:
//! 200,000 nested `[` take minutes, 16,000 take 1.5 s. So every text first
//! goes through [`check`], which streams it through
//! saphyr-parser's events and stops at the first level past
//! [`MAX_DEPTH`] or the first alias past [`MAX_ALIASES`]: its cost is linear
//! in the text, whatever the text. The size bound is the reader's
//! ([`crate::read_input`]). The cluster file's own reader applies the same
//! kind of bounds, tighter, since it knows its shape.

use saphyr_parser::{Event, Parser};

/// The deepest nesting of lists and mappings accepted. Hiera data and
/// kubeconfigs are under 10 levels deep, Kubernetes manifests under 20.
pub const MAX_DEPTH: usize = 64;

/// The most aliases (`*name`) accepted in one text. Each may stand for a
/// large subtree (a "billion laughs" file is a few lines); serde_yaml also
/// limits how far they expand.
pub const MAX_ALIASES: usize = 256;

/// Why a text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Past a bound: too deep, or too many aliases; no parser is run.
    Bounds {
        /// 1-based line where the bound was passed.
        line: usize,
        /// What was passed, and the fix.
        message: String,
    },
    /// Not valid YAML.
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// The parser's words.
        message: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Bounds { line, message } => write!(f, "line {line}: {message}"),
            Refusal::Syntax { line, message } => {
                write!(f, "not valid YAML at line {line}: {message}")
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// The parser's own error; its flow-nesting limit (255 levels, met while
/// it scans ahead of the events) is a bound like ours.
fn refused(e: saphyr_parser::ScanError) -> Refusal {
    let line = e.marker().line().max(1);
    if e.info().contains("recursion limit") {
        return too_deep(line);
    }
    Refusal::Syntax {
        line,
        message: e.info().to_owned(),
    }
}

fn too_deep(line: usize) -> Refusal {
    Refusal::Bounds {
        line,
        message: format!(
            "nested more than {MAX_DEPTH} levels deep; no Hiera file, kubeconfig or manifest is, so this is not the right file"
        ),
    }
}

/// Checks `text` against the bounds, in time linear in its length.
pub fn check(text: &str) -> Result<(), Refusal> {
    let mut depth = 0usize;
    let mut aliases = 0usize;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(refused)?;
        let line = span.start.line().max(1);
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(line));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::Alias(_) => {
                aliases += 1;
                if aliases > MAX_ALIASES {
                    return Err(Refusal::Bounds {
                        line,
                        message: format!(
                            "more than {MAX_ALIASES} aliases (*name); write the values out"
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every document of `text` (a YAML stream), once it is within the bounds.
#[allow(clippy::disallowed_methods)] // the one place serde_yaml reads text
pub fn documents(text: &str) -> Result<Vec<serde_yaml::Value>, Refusal> {
    use serde::Deserialize;
    check(text)?;
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| serde_yaml::Value::deserialize(doc).map_err(|e| syntax(&e)))
        .collect()
}

/// The one document of `text` as a `T` (a `serde_yaml::Value`, null when
/// the text is empty, or any type serde reads), once it is within the
/// bounds.
#[allow(clippy::disallowed_methods)] // the one place serde_yaml reads text
pub fn document<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Refusal> {
    check(text)?;
    serde_yaml::from_str(text).map_err(|e| syntax(&e))
}

fn syntax(e: &serde_yaml::Error) -> Refusal {
    let line = e.location().map_or(1, |l| l.line());
    // serde_yaml's message ends with its own "at line N column M".
    let message = e.to_string();
    let message = match message.rsplit_once(" at line ") {
        Some((m, _)) => m.to_owned(),
        None => message,
    };
    // serde_yaml's own bounds: aliases within ours that still expand past
    // a hundred times the document (aliases of aliases), and its nesting
    // limit. The text is YAML past a bound, not broken YAML.
    if message.starts_with("repetition limit exceeded") {
        return Refusal::Bounds {
            line,
            message: "its aliases (*name) expand to more than a hundred times the document; write the values out".into(),
        };
    }
    if message.starts_with("recursion limit exceeded") {
        return too_deep(line);
    }
    Refusal::Syntax { line, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("masters: {}{}\n", "[".repeat(depth), "]".repeat(depth))
    }

    /// Ten levels of aliases of ten aliases each: 61 aliases, within
    /// [`MAX_ALIASES`], that expand to ten million values. serde_yaml
    /// stops it; that is a bound passed, not a syntax error.
    #[test]
    fn aliases_expanding_past_serde_yaml_s_limit_are_a_bound() {
        let mut text = format!("a0: &a0 [{}]\n", ["x"; 10].join(", "));
        for i in 1..=6 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert_eq!(check(&text), Ok(()));
        let refused = documents(&text).unwrap_err();
        assert!(
            matches!(&refused, Refusal::Bounds { message, .. } if message.contains("expand to more than")),
            "{refused:?}"
        );
    }

    #[test]
    fn nesting_up_to_the_bound_passes_and_past_it_is_refused_at_once() {
        // The bound the README states, 64 levels: the mapping is one, so
        // 63 lists fill it.
        assert_eq!(check(&nested(63)), Ok(()));
        let refused = check(&nested(64)).unwrap_err();
        assert!(
            matches!(&refused, Refusal::Bounds { line: 1, message } if message.contains("more than 64 levels")),
            "{refused:?}"
        );
        // Far deeper: the parser's own limit, met while it scans ahead,
        // is the same refusal.
        assert!(matches!(
            check(&nested(200_000)),
            Err(Refusal::Bounds { line: 1, .. })
        ));
        // Deep block nesting, one `- ` per level, is counted the same way.
        let block: String = (0..100)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        assert!(matches!(check(&block), Err(Refusal::Bounds { .. })));
    }

    #[test]
    fn aliases_are_counted() {
        let mut text = String::from("a: &x [1]\nb: [");
        // The bound the README states: 256 aliases.
        text.push_str(&vec!["*x"; 256].join(", "));
        text.push_str("]\n");
        assert_eq!(check(&text), Ok(()));
        let more = text.replace("b: [", "b: [*x, ");
        assert!(
            matches!(check(&more), Err(Refusal::Bounds { line: 2, .. })),
            "{more}"
        );
    }

    #[test]
    fn documents_are_read_within_the_bounds() {
        let docs = documents("a: 1\n---\nb: [2]\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1]["b"][0].as_u64(), Some(2));
        assert!(document::<serde_yaml::Value>("").unwrap().is_null());
        assert!(matches!(
            documents(&nested(200_000)),
            Err(Refusal::Bounds { .. })
        ));
        assert!(matches!(
            document::<serde_yaml::Value>(&nested(200_000)),
            Err(Refusal::Bounds { .. })
        ));
        // A mapping with a repeated key: valid to the event stream,
        // refused by serde_yaml.
        let e = document::<serde_yaml::Value>("a: 1\na: 2\n").unwrap_err();
        assert!(
            matches!(&e, Refusal::Syntax { message, .. } if message.contains("duplicate")),
            "{e:?}"
        );
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let e = check("a: 1\nb: [\n").unwrap_err();
        assert!(matches!(e, Refusal::Syntax { .. }), "{e:?}");
        assert!(e.to_string().contains("not valid YAML"), "{e}");
    }
}
