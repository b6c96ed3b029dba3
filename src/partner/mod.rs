//! The partner server, as a trait: the second seam of the crate (the first is [`crate::sdk::Sdk`]).
//!
//! The flows that need the partner's server (login, TossPay, granting IAP orders, revoking refunds, entitlements)
//! call it through [`Partner`], whose requests and replies are `ait_api::partner`'s types: the very definitions the
//! reference server (`ait-partner`) deserialises and serialises. The browser implementation (`web::partner`) speaks
//! them over gloo-net; native tests use fakes. An implementation maps transport and HTTP failures onto the
//! `PARTNER_*`, `TOSS_API_FAILED` and `PAYMENT_OUTCOME_UNKNOWN` codes ([`errors::http_error`]); retries and
//! reconciliation live in the flows.

pub mod errors;

use serde::Serialize;

pub use ait_api::partner::{
    CreatePaymentRequest, CreatePaymentResponse, Entitlement, EntitlementsResponse, GrantRequest, GrantResponse,
    LoginRequest, PaymentReceipt, PaymentStatusReply, RevokedGrant, SyncRequest, SyncResponse, Won,
};
pub use ait_api::PayStatus;

use crate::error::Error;

/// The caller's order (cart) for `POST /tosspay/payments`, passed to the server untouched: only the server prices it.
/// The browser keeps the page's own JS value; native tests use JSON.
pub trait PageOrder: Serialize {
    /// A stable text for this order, so the same order paid twice at once is refused (`ALREADY_IN_PROGRESS`).
    fn identity(&self) -> String;
}

/// The partner contract (`../shared/design.md`, "The partner contract"), as calls typed by `ait_api::partner`.
/// Every request carries an idempotency key where the contract has one, so a retry cannot double anything.
#[allow(async_fn_in_trait)]
pub trait Partner {
    /// The caller's order type.
    type Order: PageOrder;
    /// `POST /login`: exchanges the authorization code; the session becomes a cookie.
    async fn login(&self, request: &LoginRequest) -> Result<(), Error>;
    /// `POST /logout`: ends the session (also when there was none).
    async fn logout(&self) -> Result<(), Error>;
    /// `POST /tosspay/payments`, with `request.idempotency_key` also as the `Idempotency-Key` header.
    async fn create_payment(&self, request: &CreatePaymentRequest<Self::Order>) -> Result<CreatePaymentResponse, Error>;
    /// `POST /tosspay/payments/{orderNo}/execute`.
    async fn execute_payment(&self, order_no: &str) -> Result<PaymentReceipt, Error>;
    /// `GET /tosspay/payments/{orderNo}`.
    async fn payment_status(&self, order_no: &str) -> Result<PaymentStatusReply, Error>;
    /// `POST /iap/grants`.
    async fn grant(&self, request: &GrantRequest) -> Result<GrantResponse, Error>;
    /// `POST /iap/sync`: the server revokes grants of refunded orders (after checking each with Toss).
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, Error>;
    /// `GET /iap/entitlements`: what this user owns, confirmed or provisional.
    async fn entitlements(&self) -> Result<EntitlementsResponse, Error>;
    /// A fresh idempotency key for a new payment.
    fn new_idempotency_key(&self) -> String;
}

/// The partner of a `Checkout` built without one (`Checkout::new`): it cannot exist, so no call can reach it.
#[derive(Clone, Copy, Debug)]
pub enum NoPartner {}

/// A `Checkout` without a partner has no orders to send.
impl PageOrder for () {
    fn identity(&self) -> String {
        String::new()
    }
}

impl Partner for NoPartner {
    type Order = ();
    async fn login(&self, _: &LoginRequest) -> Result<(), Error> {
        match *self {}
    }
    async fn logout(&self) -> Result<(), Error> {
        match *self {}
    }
    async fn create_payment(&self, _: &CreatePaymentRequest<()>) -> Result<CreatePaymentResponse, Error> {
        match *self {}
    }
    async fn execute_payment(&self, _: &str) -> Result<PaymentReceipt, Error> {
        match *self {}
    }
    async fn payment_status(&self, _: &str) -> Result<PaymentStatusReply, Error> {
        match *self {}
    }
    async fn grant(&self, _: &GrantRequest) -> Result<GrantResponse, Error> {
        match *self {}
    }
    async fn sync(&self, _: &SyncRequest) -> Result<SyncResponse, Error> {
        match *self {}
    }
    async fn entitlements(&self) -> Result<EntitlementsResponse, Error> {
        match *self {}
    }
    fn new_idempotency_key(&self) -> String {
        match *self {}
    }
}
