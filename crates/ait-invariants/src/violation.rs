//! One variant per broken invariant, naming the payments, orders and flows involved.

use serde::{Deserialize, Serialize};

use crate::observation::{PartnerPaymentState, TossPayStatus};

/// A broken invariant. `Display` says what is wrong in English (for test failures and chaos logs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Violation {
    // ---- 1. payments
    /// Toss completed the payment but the partner does not hold it `PAID` (`None`: no partner row at all).
    CompletedNotPaid {
        /// The payment.
        order_no: String,
        /// The partner's state, if it has the payment.
        partner_state: Option<PartnerPaymentState>,
    },
    /// The partner holds the payment `PAID` without a receipt.
    PaidWithoutReceipt {
        /// The payment.
        order_no: String,
    },
    /// Toss refunded the payment but the partner does not hold it `REFUNDED`.
    RefundedNotRefunded {
        /// The payment.
        order_no: String,
        /// The partner's state, if it has the payment.
        partner_state: Option<PartnerPaymentState>,
    },
    /// The partner holds the payment `REFUNDED` without a refund receipt.
    RefundedWithoutReceipt {
        /// The payment.
        order_no: String,
    },
    /// Toss executed the payment more than once.
    ExecutedTwice {
        /// The payment.
        order_no: String,
        /// How many times.
        executions: u32,
    },
    /// Toss refunded the payment more than once.
    RefundedTwice {
        /// The payment.
        order_no: String,
        /// How many times.
        refunds: u32,
    },
    /// A partner payment is still `EXECUTING` or `REFUNDING` after recovery.
    LeftInFlight {
        /// The payment.
        order_no: String,
        /// `EXECUTING` or `REFUNDING`.
        state: PartnerPaymentState,
    },
    /// The partner holds the payment `PAID` but Toss did not complete it (`None`: Toss does not know it).
    PaidNotCompleted {
        /// The payment.
        order_no: String,
        /// Toss's status, if Toss knows the payment.
        toss_status: Option<TossPayStatus>,
    },
    /// The partner holds the payment `REFUNDED` but Toss did not refund it.
    RefundedNotAtToss {
        /// The payment.
        order_no: String,
        /// Toss's status, if Toss knows the payment.
        toss_status: Option<TossPayStatus>,
    },

    // ---- 2. grants
    /// Toss charged the order (and did not refund it) but no grant is live (`grant_revoked`: the grant exists but
    /// was revoked; otherwise there is no grant at all, or only a provisional one).
    ChargedNotGranted {
        /// The order.
        order_id: String,
        /// A grant exists and was revoked.
        grant_revoked: bool,
    },
    /// Toss refunded the order but its grant is not revoked.
    RefundedGrantNotRevoked {
        /// The order.
        order_id: String,
    },
    /// The order is still in progress with the charge through (nobody completed the grant).
    OrderLeftPending {
        /// The order.
        order_id: String,
    },
    /// A grant is not revoked although Toss never charged the order (`None`: Toss does not know the order).
    GrantForUnchargedOrder {
        /// The order.
        order_id: String,
        /// Toss's status, if Toss knows the order.
        toss_status: Option<String>,
    },
    /// A grant is still provisional (neither confirmed nor revoked) after recovery.
    ProvisionalGrantLeft {
        /// The order.
        order_id: String,
    },

    // ---- 3. uniqueness
    /// Several partner payments for one (user, idempotencyKey).
    DuplicateIdempotencyKey {
        /// The user.
        user_key: String,
        /// The key.
        idempotency_key: String,
        /// The payments.
        order_nos: Vec<String>,
    },
    /// Several partner payment rows with one orderNo.
    DuplicatePartnerPayment {
        /// The order number.
        order_no: String,
        /// How many rows.
        count: usize,
    },
    /// Several Toss payments with one orderNo.
    DuplicateTossPayment {
        /// The order number.
        order_no: String,
        /// Their pay tokens.
        pay_tokens: Vec<String>,
    },
    /// Several grant rows for one orderId.
    DuplicateGrant {
        /// The order.
        order_id: String,
        /// How many rows.
        count: usize,
    },

    // ---- 4. page results
    /// A flow ended with something that is not a typed result.
    UntypedPageResult {
        /// The flow.
        flow: String,
        /// What it ended with.
        detail: String,
    },
    /// A flow never ended.
    NoPageResult {
        /// The flow.
        flow: String,
    },
    /// A flow ended with `PAYMENT_OUTCOME_UNKNOWN` for a payment that never settled (the partner does not hold it
    /// paid, refunded or canceled, and Toss executed it).
    OutcomeNeverSettled {
        /// The flow.
        flow: String,
        /// The payment.
        order_no: String,
        /// The partner's state, if it has the payment.
        partner_state: Option<PartnerPaymentState>,
    },
}

fn state(s: &Option<PartnerPaymentState>) -> String {
    s.map_or_else(|| "missing at the partner".to_string(), |s| format!("{s} at the partner"))
}

fn toss(s: &Option<TossPayStatus>) -> String {
    match s {
        None => "unknown to Toss".to_string(),
        Some(s) => format!("{s:?} at Toss"),
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::CompletedNotPaid { order_no, partner_state } => write!(
                f,
                "payment {order_no}: completed at Toss but {} (a charge the partner lost)",
                state(partner_state)
            ),
            Violation::PaidWithoutReceipt { order_no } => {
                write!(f, "payment {order_no}: PAID at the partner without a receipt")
            }
            Violation::RefundedNotRefunded { order_no, partner_state } => {
                write!(f, "payment {order_no}: refunded at Toss but {}", state(partner_state))
            }
            Violation::RefundedWithoutReceipt { order_no } => {
                write!(f, "payment {order_no}: REFUNDED at the partner without a refund receipt")
            }
            Violation::ExecutedTwice { order_no, executions } => {
                write!(f, "payment {order_no}: executed {executions} times at Toss")
            }
            Violation::RefundedTwice { order_no, refunds } => {
                write!(f, "payment {order_no}: refunded {refunds} times at Toss")
            }
            Violation::LeftInFlight { order_no, state } => {
                write!(f, "payment {order_no}: still {state} at the partner after recovery")
            }
            Violation::PaidNotCompleted { order_no, toss_status } => {
                write!(f, "payment {order_no}: PAID at the partner but {}", toss(toss_status))
            }
            Violation::RefundedNotAtToss { order_no, toss_status } => {
                write!(f, "payment {order_no}: REFUNDED at the partner but {}", toss(toss_status))
            }
            Violation::ChargedNotGranted { order_id, grant_revoked } => write!(
                f,
                "order {order_id}: charged at Toss but {}",
                if *grant_revoked { "its grant was revoked" } else { "no confirmed grant exists" }
            ),
            Violation::RefundedGrantNotRevoked { order_id } => {
                write!(f, "order {order_id}: refunded at Toss but its grant is not revoked")
            }
            Violation::OrderLeftPending { order_id } => {
                write!(f, "order {order_id}: still in progress and paid at Toss (grant never completed)")
            }
            Violation::GrantForUnchargedOrder { order_id, toss_status } => write!(
                f,
                "order {order_id}: a grant is not revoked but Toss never charged it ({})",
                toss_status.as_deref().unwrap_or("unknown to Toss")
            ),
            Violation::ProvisionalGrantLeft { order_id } => {
                write!(f, "order {order_id}: its grant is still provisional after recovery")
            }
            Violation::DuplicateIdempotencyKey { user_key, idempotency_key, order_nos } => write!(
                f,
                "user {user_key}, idempotency key {idempotency_key}: {} payments ({})",
                order_nos.len(),
                order_nos.join(", ")
            ),
            Violation::DuplicatePartnerPayment { order_no, count } => {
                write!(f, "payment {order_no}: {count} rows at the partner")
            }
            Violation::DuplicateTossPayment { order_no, pay_tokens } => write!(
                f,
                "payment {order_no}: {} payments at Toss ({})",
                pay_tokens.len(),
                pay_tokens.join(", ")
            ),
            Violation::DuplicateGrant { order_id, count } => {
                write!(f, "order {order_id}: {count} grant rows")
            }
            Violation::UntypedPageResult { flow, detail } => {
                write!(f, "flow {flow}: ended without a typed result: {detail}")
            }
            Violation::NoPageResult { flow } => write!(f, "flow {flow}: never ended"),
            Violation::OutcomeNeverSettled { flow, order_no, partner_state } => write!(
                f,
                "flow {flow}: PAYMENT_OUTCOME_UNKNOWN for payment {order_no}, which never settled ({})",
                state(partner_state)
            ),
        }
    }
}

impl std::error::Error for Violation {}
