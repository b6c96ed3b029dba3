//! Why a load run could not go on (as opposed to a request that failed, which is counted and fails the run at the end).

use std::path::PathBuf;

/// A failure of the harness: a process that would not start, a setting that does not parse, a login that failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A binary the run needs is not where it was looked for.
    #[error("{0} not found (build it first: cargo build --release -p ait-sandbox -p ait-partner)")]
    MissingBinary(PathBuf),
    /// A child process could not be started or did not become ready.
    #[error("{name}: {message}")]
    Process {
        /// `ait-sandbox` or `ait-partner`.
        name: &'static str,
        /// What happened (with the tail of its log when there is one).
        message: String,
    },
    /// A call made before the measurement (a login, a catalog read) failed.
    #[error("setup: {0}")]
    Setup(String),
    /// An HTTP client could not be built.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A file or process operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}
