//! What can be wrong with a cluster file, and where.

use std::fmt;

/// Why a cluster file was refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be read (missing, a directory, unreadable).
    Read,
    /// The file is larger than [`crate::MAX_BYTES`], nested deeper than
    /// [`crate::MAX_DEPTH`] or holds more than [`crate::MAX_VALUES`].
    TooLarge,
    /// Not UTF-8, or not YAML: a syntax error.
    Syntax,
    /// A YAML feature the file does not use (anchors, aliases, tags,
    /// several documents).
    Unsupported,
    /// A field the schema does not know (usually a typo).
    UnknownField,
    /// A field the schema requires is not there.
    MissingField,
    /// A value of the wrong shape (a list where a mapping belongs).
    WrongType,
    /// A value of the right shape that is not allowed (a bad name, an
    /// address that does not parse, a port out of range).
    InvalidValue,
    /// A name or address given twice where each must be distinct.
    Duplicate,
}

/// A refused cluster file: which file, which line, which field, what is
/// wrong and (in the message) what to do.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file as named to [`crate::load`] (`stdin` for `-`); empty for
    /// text given to [`crate::parse`].
    pub file: String,
    /// The line (1-based) of the value at fault, when there is one.
    pub line: Option<usize>,
    /// The field path, such as `masters[0].rack` or `vip.ipv4`; empty for
    /// the file as a whole.
    pub field: String,
    /// What kind of mistake it is.
    pub kind: ErrorKind,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Error {
    pub(crate) fn new(
        kind: ErrorKind,
        line: Option<usize>,
        field: impl fmt::Display,
        message: impl Into<String>,
    ) -> Error {
        Error {
            file: String::new(),
            line,
            field: field.to_string(),
            kind,
            message: message.into(),
        }
    }

    /// The same error, said of `file`.
    pub fn in_file(mut self, file: &str) -> Error {
        self.file = file.to_owned();
        self
    }
}

/// `FILE:LINE: FIELD: MESSAGE`, leaving out what is not known.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut head = self.file.clone();
        if let Some(line) = self.line {
            if head.is_empty() {
                head = format!("line {line}");
            } else {
                head = format!("{head}:{line}");
            }
        }
        if !head.is_empty() {
            write!(f, "{head}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_what_is_known() {
        let e = Error::new(
            ErrorKind::UnknownField,
            Some(7),
            "masters[0].rack",
            "unknown",
        );
        assert_eq!(e.to_string(), "line 7: masters[0].rack: unknown");
        assert_eq!(
            e.clone().in_file("c.yaml").to_string(),
            "c.yaml:7: masters[0].rack: unknown"
        );
        let e = Error::new(ErrorKind::Read, None, "", "cannot read").in_file("x");
        assert_eq!(e.to_string(), "x: cannot read");
    }
}
