//! An earlier execute or refund whose reply was lost: whether there is one, when it was sent, and whether it may
//! still land at Toss. Execute and refund both decide from it whether Toss refusing a call is a final answer.

use crate::app::AppState;
use crate::db::now_ms;
use crate::payments::{Payment, PaymentState};

/// What is known of an earlier execute or refund of a payment whose outcome was lost.
pub(super) struct LostAttempt {
    /// The payment was left in flight by an earlier call.
    pub(super) exists: bool,
    /// When that call was sent (Unix milliseconds), if recorded.
    pub(super) sent_at: Option<i64>,
    /// It may still land at Toss: it was sent within the configured grace (or when is unknown).
    pub(super) may_still_land: bool,
}

impl LostAttempt {
    /// The lost attempt of `p`, if `p` is left in `in_flight` (`EXECUTING` or `REFUNDING`).
    pub(super) fn of(app: &AppState, p: &Payment, in_flight: PaymentState) -> LostAttempt {
        let exists = p.state == in_flight;
        let grace_ms = i64::try_from(app.config.in_flight_grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        LostAttempt {
            exists,
            sent_at: if exists { p.attempted_at } else { None },
            // Without a record of when it was sent (rows from before migration 0003 are filled in), it is old.
            may_still_land: exists
                && p.attempted_at.is_some_and(|t| now_ms().saturating_sub(t) < grace_ms),
        }
    }
}
