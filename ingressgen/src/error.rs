//! ingressgen's errors. Which exit status each gets is [`crate::TOOL`]'s
//! table: a usage error ([`Error::Usage`]) or any other failure.

/// Everything ingressgen can refuse or fail at. Every message names the
/// file and the field (or the path) it is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line cannot be used.
    #[error("{0}")]
    Usage(String),
    /// The cluster file is unreadable or invalid.
    #[error("{0}")]
    File(#[from] clusterfile::Error),
    /// The cluster file lacks what ingressgen renders from (the error
    /// names the file).
    #[error(transparent)]
    Section(#[from] clusterfile::MissingSection),
    /// Reading or writing an output file failed.
    #[error("{0}")]
    Io(String),
    /// Writing the files (or settling an interrupted run) failed; the
    /// error names the path.
    #[error(transparent)]
    Files(#[from] clikit::files::Error),
}

impl clikit::Failure for Error {
    fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}

/// ingressgen's result type.
pub type Result<T> = std::result::Result<T, Error>;
