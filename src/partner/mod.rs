//! The partner server, as a trait: the second seam of the crate (the first is [`crate::sdk::Sdk`]).
//!
//! The flows that need the partner's server (login, TossPay, granting IAP orders, revoking refunds) call it through
//! [`Partner`]; the browser implementation speaks the partner contract over `fetch`, native tests use fakes. An
//! implementation maps transport and HTTP failures onto the `PARTNER_*`, `TOSS_API_FAILED` and
//! `PAYMENT_OUTCOME_UNKNOWN` codes; retries and reconciliation live in the flows.

#[cfg(target_arch = "wasm32")]
pub mod http;
pub mod http_error;
pub mod parse;

use alloc::{string::String, vec::Vec};
use crate::error::Error;
use crate::sdk::{HistoryOrder, Referrer};

/// What `POST /tosspay/payments` answers: the server priced the order and made the payment at Toss.
#[derive(Clone, Debug, PartialEq)]
pub struct CreatedPayment {
    /// The server's order number.
    pub order_no: String,
    /// For `checkoutPayment`.
    pub pay_token: String,
    /// What the server will charge.
    pub amount: f64,
    /// The product description Toss shows.
    pub product_desc: String,
}

/// The receipt of an executed TossPay payment, as the partner relays it.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    /// The server's order number.
    pub order_no: String,
    /// The payment.
    pub pay_token: String,
    /// The order amount.
    pub amount: f64,
    /// What was actually paid (after discounts).
    pub paid_amount: f64,
    /// `CARD`, `TOSS_MONEY`, …
    pub pay_method: String,
    /// Toss's transaction id.
    pub transaction_id: String,
    /// When Toss approved it, as Toss wrote it.
    pub approval_time: String,
    /// Discount, when any.
    pub discounted_amount: Option<f64>,
    /// The card company, when paid by card.
    pub card_company_name: Option<String>,
    /// The sales slip, when any.
    pub sales_check_link_url: Option<String>,
}

/// A payment's state at Toss after the partner reconciled it.
#[derive(Clone, Debug, PartialEq)]
pub struct PaymentState {
    /// Toss's status code (`PAY_STANDBY`, `PAY_APPROVED`, `PAY_COMPLETE`, `PAY_CANCEL`, `REFUND_SUCCESS`, …).
    pub status: String,
    /// Present once paid.
    pub receipt: Option<Receipt>,
}

impl PaymentState {
    /// Money moved and stays moved.
    pub fn is_paid(&self) -> bool {
        matches!(self.status.as_str(), "PAY_COMPLETE" | "SETTLEMENT_COMPLETE")
    }

    /// The user authenticated; the payment waits for execution.
    pub fn is_approved(&self) -> bool {
        self.status == "PAY_APPROVED"
    }

    /// Execution is under way at Toss.
    pub fn is_in_progress(&self) -> bool {
        self.status == "PAY_PROGRESS"
    }

    /// Not authenticated yet.
    pub fn is_standby(&self) -> bool {
        self.status == "PAY_STANDBY"
    }
}

/// A grant the partner revoked because its order was refunded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    /// The refunded order.
    pub order_id: String,
    /// Its SKU.
    pub sku: String,
}

/// The partner contract (`../shared/design.md`), as calls. Every request carries an idempotency key where the
/// contract has one, so a retry cannot double anything.
#[allow(async_fn_in_trait)]
pub trait Partner {
    /// `POST /login`: exchanges the authorization code; the session becomes a cookie.
    async fn login(&self, authorization_code: &str, referrer: Referrer) -> Result<(), Error>;
    /// `POST /tosspay/payments`: `order_json` is the caller's order, as JSON text, passed through untouched.
    async fn create_payment(&self, order_json: &str, idempotency_key: &str) -> Result<CreatedPayment, Error>;
    /// `POST /tosspay/payments/{orderNo}/execute`.
    async fn execute_payment(&self, order_no: &str) -> Result<Receipt, Error>;
    /// `GET /tosspay/payments/{orderNo}`.
    async fn payment_status(&self, order_no: &str) -> Result<PaymentState, Error>;
    /// `POST /iap/grants`: `true` when granted (now or before).
    async fn grant(&self, order_id: &str, sku: &str) -> Result<bool, Error>;
    /// `POST /iap/sync`: revokes grants of refunded orders.
    async fn sync(&self, orders: &[HistoryOrder]) -> Result<Vec<Revoked>, Error>;
    /// A fresh idempotency key for a new payment.
    fn new_idempotency_key(&self) -> String;
}

/// The partner of a `Checkout` built without one: every call is `INVALID_ARGUMENT`.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPartner;

fn no_partner() -> Error {
    Error::invalid_argument("this needs a partner server: pass partnerBaseUrl")
}

impl Partner for NoPartner {
    async fn login(&self, _: &str, _: Referrer) -> Result<(), Error> {
        Err(no_partner())
    }
    async fn create_payment(&self, _: &str, _: &str) -> Result<CreatedPayment, Error> {
        Err(no_partner())
    }
    async fn execute_payment(&self, _: &str) -> Result<Receipt, Error> {
        Err(no_partner())
    }
    async fn payment_status(&self, _: &str) -> Result<PaymentState, Error> {
        Err(no_partner())
    }
    async fn grant(&self, _: &str, _: &str) -> Result<bool, Error> {
        Err(no_partner())
    }
    async fn sync(&self, _: &[HistoryOrder]) -> Result<Vec<Revoked>, Error> {
        Err(no_partner())
    }
    fn new_idempotency_key(&self) -> String {
        String::new()
    }
}
