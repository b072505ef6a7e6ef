//! kubetool's errors. Which exit status each gets is [`crate::TOOL`]'s
//! table: a usage error ([`Error::Usage`]) or any other failure.

/// Everything kubetool can refuse or fail at. Every message names the
/// input (flag, variable, file and key) it is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag, environment variable or env-file value is missing or invalid.
    #[error("{0}")]
    Usage(String),
    /// Existing Hiera data, a CA file or another input file is unusable.
    #[error("{0}")]
    Input(String),
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// A value of the existing Hiera data is missing or unusable: the
    /// file, the key, and what is wrong with the fix.
    #[error("{file}: {key} {problem}")]
    Value {
        /// The Hiera file.
        file: String,
        /// The key (`kubernetes::etcd_ca_key`).
        key: String,
        /// What is wrong, and the fix.
        problem: String,
    },
    /// A file of the existing data could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing the files (or settling an interrupted run) failed; the
    /// error names the path.
    #[error(transparent)]
    Files(#[from] clikit::files::Error),
    /// The `--cluster` file is unreadable or invalid (its error names the
    /// file, line and field).
    #[error(transparent)]
    Cluster(#[from] clusterfile::Error),
    /// The PKI library refused or failed.
    #[error("{context}: {source}")]
    Pki {
        /// What was being made or read.
        context: String,
        /// Why it failed.
        source: certs::Error,
    },
    /// An error, with the warnings the run gathered before it.
    #[error("{error}")]
    Warned {
        /// The error.
        error: Box<Error>,
        /// The warnings, printed before it.
        warnings: Vec<String>,
    },
}

impl Error {
    /// This error with `warnings` (none: the error as it is).
    pub fn warned(self, warnings: Vec<String>) -> Error {
        if warnings.is_empty() {
            self
        } else {
            Error::Warned {
                error: Box::new(self),
                warnings,
            }
        }
    }

    /// A [`Error::Value`] error.
    pub fn value(file: &str, key: &str, problem: impl Into<String>) -> Error {
        Error::Value {
            file: file.to_owned(),
            key: key.to_owned(),
            problem: problem.into(),
        }
    }

    /// A PKI error with what was being done.
    pub fn pki(context: impl Into<String>) -> impl FnOnce(certs::Error) -> Error {
        let context = context.into();
        move |source| Error::Pki { context, source }
    }
}

impl clikit::Failure for Error {
    fn is_usage(&self) -> bool {
        match self {
            Error::Warned { error, .. } => error.is_usage(),
            e => matches!(e, Error::Usage(_)),
        }
    }

    fn warnings(&self) -> &[String] {
        match self {
            Error::Warned { warnings, .. } => warnings,
            _ => &[],
        }
    }
}

/// `Result` with kubetool's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
