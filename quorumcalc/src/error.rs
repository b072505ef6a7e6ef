//! quorumcalc's errors. Which exit status each gets is [`crate::TOOL`]'s
//! table (a state check's error is never "quorum lost", a monitoring
//! check's is UNKNOWN): a usage error ([`Error::Usage`]) or any other
//! failure.

use std::io;

/// Everything that can stop a quorumcalc run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line could not be used as given.
    #[error("{0}")]
    Usage(String),
    /// An input file or stdin could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file, or `stdin`.
        path: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The cluster file is unreadable or invalid.
    #[error("{0}")]
    File(clusterfile::Error),
    /// `backup` saved no snapshot.
    #[error("{0}")]
    Backup(String),
    /// An input was read but its content is unusable.
    #[error("{path}: {message}")]
    Input {
        /// The file, or `stdin`.
        path: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
}

impl Error {
    /// Shorthand for an [`Error::Input`].
    pub fn input(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl clikit::Failure for Error {
    fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_status_table() {
        use clikit::Failure;
        let usage = Error::Usage(String::new());
        let input = Error::input("f", "bad");
        use clikit::Scheme;
        let code = |s: Scheme, e: &Error| {
            if e.is_usage() {
                s.usage_code()
            } else {
                s.error_code()
            }
        };
        let cases = [
            (Scheme::Report, &usage, 2),
            (Scheme::Report, &input, 1),
            (Scheme::StateCheck, &usage, 2),
            (Scheme::StateCheck, &input, 2),
            (Scheme::Monitoring, &usage, 3),
            (Scheme::Monitoring, &input, 3),
        ];
        for (scheme, err, want) in cases {
            assert_eq!(code(scheme, err), want, "{scheme:?} {err:?}");
        }
    }
}
