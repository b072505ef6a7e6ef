//! The library's error type. Messages are lowercase, name the offending
//! value, and say what to do where that is known; callers prefix the file.

/// Everything the PKI library can refuse or fail at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PEM text is damaged.
    #[error(transparent)]
    Pem(#[from] crate::pem::PemError),
    /// A certificate could not be parsed.
    #[error("not a valid X.509 certificate: {0}")]
    Certificate(String),
    /// A private key could not be read or is of an unsupported kind.
    #[error("{0}")]
    Key(String),
    /// A certificate signing request could not be parsed or its signature is bad.
    #[error("not a usable certificate request: {0}")]
    Request(String),
    /// The input holds no item of the kind wanted (for example a private key
    /// where a certificate is expected).
    #[error("{0}")]
    Missing(String),
    /// An input named as YAML (a Hiera file, a kubeconfig) does not parse.
    #[error("{0}")]
    Syntax(String),
    /// A valid YAML document that holds no PEM value and no kubeconfig
    /// data: not a certificate file at all (a static pod manifest, say).
    #[error("{0}")]
    NoCertificateData(String),
    /// A value given to build a certificate is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// rcgen could not build or sign a certificate.
    #[error("cannot make the certificate: {0}")]
    Generate(String),
    /// An input is past one of the reader's bounds (YAML nested too
    /// deep, too many aliases): not the file that was meant.
    #[error("{0}")]
    Bounds(String),
    /// The operating system's random number generator failed.
    #[error("no randomness available: {0}")]
    Random(String),
}

impl From<rcgen::Error> for Error {
    fn from(e: rcgen::Error) -> Self {
        Error::Generate(e.to_string())
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
