//! vipcheck's errors. Checks are Nagios plugins: any error is UNKNOWN (3),
//! usage errors included. `render` and `notify` are generators: 1 for a
//! failure, 2 for a usage error.

/// Everything vipcheck can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line cannot be used.
    #[error("{0}")]
    Usage(String),
    /// An input file is unreadable or invalid.
    #[error("{0}")]
    Input(String),
    /// Looking at the system failed.
    #[error("{0}")]
    Io(String),
}

impl clikit::Failure for Error {
    fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}

/// vipcheck's result type.
pub type Result<T> = std::result::Result<T, Error>;
