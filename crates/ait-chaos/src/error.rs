//! Why the chaos run itself could not go on (as opposed to an invariant it found broken, which is a result).

use std::path::PathBuf;

/// A failure of the harness: a process that would not start, the sandbox control API refusing a call, a file that
/// could not be read. The run stops on it (exit code 2); it says nothing about the partner's correctness.
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    /// A binary the run needs is not where it was looked for.
    #[error("{0} not found (build it first: cargo build -p ait-sandbox -p ait-partner)")]
    MissingBinary(PathBuf),
    /// A child process could not be started or did not become ready.
    #[error("{name}: {message}")]
    Process {
        /// `ait-sandbox` or `ait-partner`.
        name: &'static str,
        /// What happened (with the tail of its log when there is one).
        message: String,
    },
    /// The sandbox control API answered an error.
    #[error("sandbox control {method} {path}: HTTP {status}: {body}")]
    Control {
        /// HTTP method.
        method: &'static str,
        /// Control path.
        path: String,
        /// HTTP status.
        status: u16,
        /// The answer's body.
        body: String,
    },
    /// An HTTP call failed in transport (the sandbox control API, or login after every retry).
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A user could not log in to the partner.
    #[error("login of user {user_key} failed: {detail}")]
    Login {
        /// The Toss user.
        user_key: i64,
        /// The last answer.
        detail: String,
    },
    /// A file or process operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Creating, reading or dropping the partner's database failed.
    #[error("partner database: {0}")]
    Db(#[from] sqlx::Error),
    /// Building the observation failed.
    #[error("observation: {0}")]
    Load(#[from] ait_invariants::LoadError),
    /// The command line asks for something the run cannot do (e.g. two instances on one SQLite file).
    #[error("{0}")]
    Usage(String),
    /// A JSON value had an unexpected shape.
    #[error("unexpected JSON from {what}: {detail}")]
    Shape {
        /// Whose answer.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
}
