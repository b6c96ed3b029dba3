//! What a harness saw after recovery: Toss's ledger, the partner's store and the page's results.

use serde::{Deserialize, Serialize};

/// Everything [`crate::check`] looks at. Each harness fills it from its own source (fakes, the sandbox dump and the
/// partner's database, a chaos run's log of page results).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// Toss's TossPay payments (the sandbox's ledger).
    pub toss_payments: Vec<TossPayment>,
    /// The partner's `payments` rows.
    pub partner_payments: Vec<PartnerPayment>,
    /// Toss's IAP orders.
    pub toss_orders: Vec<TossOrder>,
    /// The partner's `grants` rows.
    pub partner_grants: Vec<PartnerGrant>,
    /// What each page flow ended with.
    pub page_outcomes: Vec<PageOutcome>,
}

/// A TossPay payment as Toss knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TossPayment {
    /// The partner's order number.
    pub order_no: String,
    /// Toss's token for the payment.
    pub pay_token: String,
    /// Toss's `payStatus`.
    pub status: TossPayStatus,
    /// How many times Toss executed it (PAY transactions).
    pub executions: u32,
    /// How many times Toss refunded it (REFUND transactions).
    pub refunds: u32,
}

/// Toss's `payStatus`, the values the invariants distinguish.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TossPayStatus {
    /// `PAY_STANDBY`: created, the buyer has not authenticated.
    Standby,
    /// `PAY_APPROVED`: authenticated, not executed.
    Approved,
    /// `PAY_COMPLETE`: executed, money moved.
    Completed,
    /// `PAY_CANCEL`: the buyer canceled; never executed.
    Canceled,
    /// `REFUND_SUCCESS`: executed, then refunded.
    Refunded,
    /// Any other status, as Toss spelled it.
    Other(String),
}

impl TossPayStatus {
    /// Maps Toss's wire spelling (`PAY_COMPLETE`, `REFUND_SUCCESS`, …); unknown values are kept in `Other`.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "PAY_STANDBY" => TossPayStatus::Standby,
            "PAY_APPROVED" => TossPayStatus::Approved,
            "PAY_COMPLETE" => TossPayStatus::Completed,
            "PAY_CANCEL" => TossPayStatus::Canceled,
            "REFUND_SUCCESS" => TossPayStatus::Refunded,
            other => TossPayStatus::Other(other.to_string()),
        }
    }

    /// Whether money moved at some point (completed, or completed then refunded).
    pub fn was_executed(&self) -> bool {
        matches!(self, TossPayStatus::Completed | TossPayStatus::Refunded)
    }
}

/// A payment as the partner stored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerPayment {
    /// The order number the partner made.
    pub order_no: String,
    /// Whose payment it is (Toss's userKey, as text).
    pub user_key: String,
    /// The page's idempotency key.
    pub idempotency_key: String,
    /// The partner's state.
    pub state: PartnerPaymentState,
    /// A receipt is stored (`receipt_json` not null).
    pub has_receipt: bool,
    /// A refund receipt is stored (`refund_json` not null).
    pub has_refund_receipt: bool,
}

/// The partner's payment states (`payments.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartnerPaymentState {
    /// `CREATING`: make-payment sent, not confirmed.
    Creating,
    /// `CREATED`: payToken known, not executed.
    Created,
    /// `EXECUTING`: execute-payment sent, outcome unknown.
    Executing,
    /// `PAID`: executed, receipt stored.
    Paid,
    /// `REFUNDING`: refund-payment sent, outcome unknown.
    Refunding,
    /// `REFUNDED`: refunded, refund receipt stored.
    Refunded,
    /// `CANCELED`: will never be executed.
    Canceled,
}

impl PartnerPaymentState {
    /// Maps the database spelling (`PAID`, `REFUNDING`, …); `None` for an unknown value.
    pub fn from_db(s: &str) -> Option<Self> {
        Some(match s {
            "CREATING" => PartnerPaymentState::Creating,
            "CREATED" => PartnerPaymentState::Created,
            "EXECUTING" => PartnerPaymentState::Executing,
            "PAID" => PartnerPaymentState::Paid,
            "REFUNDING" => PartnerPaymentState::Refunding,
            "REFUNDED" => PartnerPaymentState::Refunded,
            "CANCELED" => PartnerPaymentState::Canceled,
            _ => return None,
        })
    }

    /// The database spelling.
    pub fn as_db(self) -> &'static str {
        match self {
            PartnerPaymentState::Creating => "CREATING",
            PartnerPaymentState::Created => "CREATED",
            PartnerPaymentState::Executing => "EXECUTING",
            PartnerPaymentState::Paid => "PAID",
            PartnerPaymentState::Refunding => "REFUNDING",
            PartnerPaymentState::Refunded => "REFUNDED",
            PartnerPaymentState::Canceled => "CANCELED",
        }
    }

    /// The outcome is known and final from the page's point of view (paid, refunded or canceled).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            PartnerPaymentState::Paid | PartnerPaymentState::Refunded | PartnerPaymentState::Canceled
        )
    }

    /// A call to Toss was sent and its outcome is not known yet.
    pub fn is_in_flight(self) -> bool {
        matches!(self, PartnerPaymentState::Executing | PartnerPaymentState::Refunding)
    }
}

impl std::fmt::Display for PartnerPaymentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_db())
    }
}

/// An IAP order as Toss knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TossOrder {
    /// Toss's order id.
    pub order_id: String,
    /// The buyer.
    pub user_key: String,
    /// The product.
    pub sku: String,
    /// `ORDER_IN_PROGRESS`, `PAYMENT_COMPLETED`, `PURCHASED`, `FAILED` or `REFUNDED`.
    pub status: String,
    /// The store charge went through.
    pub paid: bool,
}

impl TossOrder {
    /// Toss charged the buyer and has not refunded: completed/purchased, or in progress with the charge through.
    pub fn is_charged(&self) -> bool {
        match self.status.as_str() {
            "PAYMENT_COMPLETED" | "PURCHASED" => true,
            "ORDER_IN_PROGRESS" => self.paid,
            _ => false,
        }
    }

    /// Charged, then refunded.
    pub fn is_refunded(&self) -> bool {
        self.status == "REFUNDED"
    }

    /// Charged and waiting for the grant to be completed (in progress, paid).
    pub fn is_pending(&self) -> bool {
        self.status == "ORDER_IN_PROGRESS" && self.paid
    }
}

/// A grant as the partner stored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerGrant {
    /// The IAP order it grants.
    pub order_id: String,
    /// The owner.
    pub user_key: String,
    /// The product.
    pub sku: String,
    /// `revoked_at` is set.
    pub revoked: bool,
    /// Granted while Toss reported the order in progress, not confirmed yet.
    pub provisional: bool,
}

impl PartnerGrant {
    /// The user owns the item for good: neither revoked nor provisional.
    pub fn is_live(&self) -> bool {
        !self.revoked && !self.provisional
    }
}

/// How one page flow ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageOutcome {
    /// Which flow (`payWithTossPay`, `purchase`, `restorePendingOrders`, …), with whatever the harness adds to
    /// identify the case.
    pub flow: String,
    /// What it ended with.
    pub result: PageResult,
}

/// What a page flow ended with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageResult {
    /// A TossPay receipt.
    Receipt {
        /// Its order number.
        order_no: String,
    },
    /// An IAP order granted.
    Granted {
        /// The order.
        order_id: String,
    },
    /// A typed `CheckoutError` other than `PAYMENT_OUTCOME_UNKNOWN`.
    TypedError {
        /// Its code.
        code: String,
        /// Its `retryable` flag.
        retryable: bool,
    },
    /// `PAYMENT_OUTCOME_UNKNOWN`.
    OutcomeUnknown {
        /// The payment it is about, when the page knew it.
        order_no: Option<String>,
    },
    /// Anything that is not a typed result (a raw exception, a malformed value), described.
    Untyped(String),
    /// The flow never ended (its future never resolved, or the harness lost it).
    NoResult,
}
