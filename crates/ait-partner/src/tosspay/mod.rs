//! TossPay, as the partner contract has it:
//!
//! * `POST /tosspay/payments {order, idempotencyKey}` prices the order from the catalog, makes the `orderNo`,
//!   calls `make-payment` and stores the payment → `{orderNo, payToken, amount, productDesc}`. The same key
//!   (per user) returns the same payment.
//! * `POST /tosspay/payments/{orderNo}/execute` calls `execute-payment` → the receipt. When the reply is lost,
//!   late or a 5xx, `get-payment-status` settles it; if even that is unknown: 504 `PAYMENT_OUTCOME_UNKNOWN`
//!   and the reconciler finishes the job. Executing twice returns the stored receipt. A payment that may have
//!   executed never goes back to `CREATED` on a guess, and is never reported as a final failure.
//! * `GET /tosspay/payments/{orderNo}` → `{status, receipt?}` from `get-payment-status`, reconciling the store.
//! * `POST /tosspay/payments/{orderNo}/refund {reason}` → `refund-payment` → the refund receipt.
//!
//! Nothing about money comes from the page: amounts come from the catalog, the `userKey` from the session,
//! and an `orderNo` is looked up among the session user's payments only (another user's → 404).
//! Calls on one payment are serialised by the payment's claim, kept on its row in the database
//! ([`crate::payments::claim`]), so they are serialised across instances too.
//!
//! One concept per file: [`handlers`] (the endpoints), [`pricing`] (the catalog's price of an order),
//! `make_payment` (`CREATING` → `CREATED` at Toss), `execute` (→ `PAID`), `refund` (→ `REFUNDED`), `reconcile`
//! (Toss's status as evidence, and settling what is left in flight), `lost_attempt` (an earlier call whose reply was
//! lost) and `receipt` (receipts from Toss's replies). The states themselves are
//! [`PaymentState`](crate::payments::PaymentState); their store is [`payments`](crate::payments).

mod execute;
pub mod handlers;
mod lost_attempt;
mod make_payment;
pub mod pricing;
mod receipt;
mod reconcile;
mod refund;

pub use handlers::{create, execute, refund, status, STATUS_FRESH_MS};
pub use pricing::{new_order_no, price, Priced};
pub use reconcile::settle_unsettled;
