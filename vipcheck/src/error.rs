//! vipcheck's errors. Which exit status each gets is [`crate::TOOL`]'s
//! table (a check's error is UNKNOWN, usage errors included).

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
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file as given (`stdin` for `-`).
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The cluster file is unreadable or invalid (its error names the file,
    /// line and field).
    #[error(transparent)]
    Cluster(#[from] clusterfile::Error),
    /// Writing a file failed; the error names the path.
    #[error(transparent)]
    Files(#[from] clikit::files::Error),
    /// The cluster file lacks a section the command needs (the error
    /// names the file).
    #[error(transparent)]
    Section(#[from] clusterfile::MissingSection),
}

impl clikit::Failure for Error {
    fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}

impl Error {
    /// A `Read` error for `path`, for `map_err`.
    pub fn read(path: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Read {
            path: clikit::display_name(path),
            source,
        }
    }
}

/// vipcheck's result type.
pub type Result<T> = std::result::Result<T, Error>;
