//! Why a load run could not go on (as opposed to a request that failed, which is counted and fails the run at the end).

/// A failure of the harness: a process that would not start (the launcher's own error), a setting that does not
/// parse, a login that failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A call made before the measurement (a login, a catalog read) failed.
    #[error("setup: {0}")]
    Setup(String),
    /// An HTTP client could not be built.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A file or process operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The summary could not be written as JSON.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The shared process launcher (`ait_chaos::procs`) could not start the stack.
    #[error("{0}")]
    Launch(#[from] ait_chaos::error::ChaosError),
}
