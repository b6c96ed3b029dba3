//! The promise of issue 8 — a payment is never lost or doubled, an item is granted exactly once for what was
//! charged — as one pure checker.
//!
//! A harness (the native fault matrix over fakes, the server fault matrix over the real partner and sandbox, the
//! chaos run) builds an [`Observation`] after recovery: Toss's ledger (payments and IAP orders), the partner's store
//! (payments and grants) and what each page flow ended with. [`check`] returns every broken invariant as a
//! [`Violation`]; empty means all hold:
//!
//! 1. **Payments** ([`payments`]): a payment Toss completed is `PAID` at the partner with a receipt, one Toss
//!    refunded is `REFUNDED` with a refund receipt; Toss executed (and refunded) each payment at most once; no
//!    partner payment is left `EXECUTING`/`REFUNDING`; a partner `PAID`/`REFUNDED` payment is completed/refunded at
//!    Toss.
//! 2. **Grants** ([`grants`]): an IAP order Toss charged has a live (not revoked, not provisional) grant, or was
//!    refunded and its grant is revoked; no order is left pending (in progress and paid); no grant is live for an
//!    order never charged; no provisional grant remains.
//! 3. **Uniqueness** ([`uniqueness`]): one (user, idempotencyKey) → at most one partner payment; one orderNo → at
//!    most one Toss payment and one partner payment; one orderId → at most one grant.
//! 4. **Page results** ([`page`]): every flow ended with a typed result; `PAYMENT_OUTCOME_UNKNOWN` only for a payment
//!    that later settled.
//!
//! The core has no I/O and depends on serde only. The `load` feature adds [`Observation::from_sandbox_state`] (the
//! sandbox's `GET /state` JSON) and [`Observation::add_partner_pool`] (ait-partner's database, SQLite or PostgreSQL,
//! opened with [`load::open_partner_db`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod grants;
#[cfg(feature = "load")]
pub mod load;
mod observation;
pub mod page;
pub mod payments;
pub mod uniqueness;
mod violation;

pub use observation::{
    Observation, PageOutcome, PageResult, PartnerGrant, PartnerPayment, PartnerPaymentState, TossOrder, TossPayStatus,
    TossPayment,
};
pub use violation::Violation;

#[cfg(feature = "load")]
pub use load::LoadError;

/// Every broken invariant of `obs`, in a stable order (payments, grants, uniqueness, page results); empty when all
/// hold. Call it after recovery: during a flow, `EXECUTING` payments and pending orders are normal.
pub fn check(obs: &Observation) -> Vec<Violation> {
    let mut out = Vec::new();
    payments::check(obs, &mut out);
    grants::check(obs, &mut out);
    uniqueness::check(obs, &mut out);
    page::check(obs, &mut out);
    out
}
