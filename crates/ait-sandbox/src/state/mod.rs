//! The sandbox's in-memory state and the behaviour of every Toss endpoint and control operation on it.
//!
//! Endpoint operations return `Ok(success payload)`, typed by `ait_api` (written to the wire by
//! [`crate::reply`]), or a [`Fail`] (a documented-style `FAIL`: HTTP status,
//! `errorCode`, `reason`). Control operations return [`ControlError`] on misuse.
//!
//! The record fields mirror the wire names (camelCase in the JSON dump) and are not documented one by one.

#![allow(missing_docs)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Display;

use serde::Serialize;

use crate::util::XorShift;

mod billing;
mod iap;
mod instruments;
mod login;
mod messages;
mod payments;
mod promotions;

pub use billing::{BillRecord, BillingFailure, BillingKey};
pub use iap::{iap_reason, IapOrder, ORDER_DECISIONS, STORED_ORDER_STATUSES};
pub use login::{LoginCode, Token};
pub use messages::SentMessage;
pub use payments::{payment_status_json, payment_status_reply, Payment, Transaction, PAY_METHODS};
pub use promotions::{Promotion, PromotionExecution, PromotionKey, PROMOTION_RESULTS};

/// A decided failure of a Toss call: the HTTP status, `errorCode` and `reason` of the `FAIL` envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    /// HTTP status.
    pub status: u16,
    /// `error.errorCode`.
    pub code: String,
    /// `error.reason`.
    pub reason: String,
}

impl Fail {
    /// A failure with a status, code and reason.
    pub fn new(status: u16, code: &str, reason: impl Into<String>) -> Self {
        Fail {
            status,
            code: code.to_string(),
            reason: reason.into(),
        }
    }

    /// 400 with a code.
    pub fn bad(code: &str, reason: impl Into<String>) -> Self {
        Fail::new(400, code, reason)
    }
}

/// A misuse of the control API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    /// HTTP status (404 unknown thing, 409 wrong state, 400 bad input).
    pub status: u16,
    /// A short code.
    pub code: &'static str,
    /// What went wrong, in English.
    pub message: String,
}

impl ControlError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        ControlError {
            status: 404,
            code: "NOT_FOUND",
            message: what.into(),
        }
    }
    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        ControlError {
            status: 409,
            code: "CONFLICT",
            message: what.into(),
        }
    }
    pub(crate) fn forbidden(what: impl Into<String>) -> Self {
        ControlError {
            status: 403,
            code: "FORBIDDEN_ORIGIN",
            message: what.into(),
        }
    }
    pub(crate) fn bad(what: impl Into<String>) -> Self {
        ControlError {
            status: 400,
            code: "BAD_REQUEST",
            message: what.into(),
        }
    }
}

/// Refuses a control input `field` whose value is not one of `allowed`: a name the documents do not list (parsed
/// to `Other`) or a documented value that means nothing there (e.g. deciding an order `REFUNDED`). The 400 names
/// the allowed values: `status "X": use A, B or C`.
pub(crate) fn one_of<T: PartialEq + Display>(
    field: &str,
    value: &T,
    allowed: &[T],
) -> Result<(), ControlError> {
    if allowed.contains(value) {
        return Ok(());
    }
    let names: Vec<String> = allowed.iter().map(T::to_string).collect();
    let names = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "nothing".to_owned(),
    };
    Err(ControlError::bad(format!(
        "{field} {:?}: use {names}",
        value.to_string()
    )))
}

/// Lifetimes of login artefacts, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Ttls {
    /// Authorization codes.
    pub login_code: i64,
    /// Access tokens.
    pub access_token: i64,
    /// Refresh tokens.
    pub refresh_token: i64,
}

/// Everything the sandbox remembers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub payments: BTreeMap<String, Payment>,
    pub iap_orders: BTreeMap<String, IapOrder>,
    pub login_codes: BTreeMap<String, LoginCode>,
    pub access_tokens: BTreeMap<String, Token>,
    pub refresh_tokens: BTreeMap<String, Token>,
    /// Users who ever received a login code.
    pub users: BTreeSet<i64>,
    pub promotions: BTreeMap<String, Promotion>,
    pub promotion_keys: BTreeMap<String, PromotionKey>,
    pub templates: BTreeSet<String>,
    pub messages: Vec<SentMessage>,
    pub billing_keys: BTreeMap<String, BillingKey>,
    pub bills: BTreeMap<String, BillRecord>,
    /// `orderNo` → `payToken`: `make-payment` and lookups by `orderNo` cost the same with 10 or 100,000
    /// stored payments (an `orderNo` is unique and never changes once stored).
    #[serde(skip)]
    pay_token_by_order_no: HashMap<String, String>,
    #[serde(skip)]
    rng: XorShift,
}

impl Default for State {
    fn default() -> Self {
        State {
            payments: BTreeMap::new(),
            iap_orders: BTreeMap::new(),
            login_codes: BTreeMap::new(),
            access_tokens: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            users: BTreeSet::new(),
            promotions: BTreeMap::new(),
            promotion_keys: BTreeMap::new(),
            templates: BTreeSet::new(),
            messages: Vec::new(),
            billing_keys: BTreeMap::new(),
            bills: BTreeMap::new(),
            pay_token_by_order_no: HashMap::new(),
            rng: XorShift::from_time(),
        }
    }
}
