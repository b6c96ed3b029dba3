//! Why a loader could not read its source.

/// A loader's failure: the source is not shaped as expected, or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The sandbox JSON lacks a field or has a wrong type there (`what` says where).
    #[error("sandbox state: {what}")]
    SandboxShape {
        /// Where, and what was expected.
        what: String,
    },
    /// A `payments.state` value the checker does not know.
    #[error("partner payment {order_no}: unknown state {state:?}")]
    UnknownPaymentState {
        /// The payment.
        order_no: String,
        /// The stored value.
        state: String,
    },
    /// The partner's database could not be opened or read (sqlx: SQLite or PostgreSQL).
    #[error("partner database: {0}")]
    Sql(#[from] sqlx::Error),
}
