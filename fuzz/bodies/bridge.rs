//! Fuzz bodies for the bridge (the root crate, built natively with its default `std` feature): its readers of the
//! host's (SDK) replies (`src/sdk/parse.rs`) and of the partner server's replies (`src/partner/parse.rs`), fed
//! JSON through the same `Node` adapter the native tests use (`src/sdk/parse_json.rs`).
//!
//! Shared by the libFuzzer targets (`fuzz/fuzz_targets/bridge_*.rs`) and the corpus replay under plain
//! `cargo test` (`tests/native_corpus_replay.rs`). Each may only use what both reach: `ait_checkout`, `ait_api`
//! and `serde_json`.
//!
//! Asserted beyond "no panic": a malformed reply is a typed `Malformed` whose path names a real place in the reply
//! (every step but the last exists); whatever the partner contract's types (`ait_api::partner`) serialise, the
//! bridge reads, with the same values; an HTTP error maps onto the code the contract gives it; app versions compare
//! antisymmetrically.

use std::fmt::Debug;

use ait_checkout::error::ErrorCode;
use ait_checkout::partner::http_error::http_error;
use ait_checkout::partner::parse as partner_parse;
use ait_checkout::sdk::parse::{Malformed, Node, Parse};
use ait_checkout::sdk::{
    AppLoginResult, AuthenticationResult, OrderHistoryPage, PendingOrders, ProductList, PurchaseSuccess, Purchased,
    SubscriptionInfoResponse,
};
use ait_checkout::version::{compare_versions, is_min_version_supported, LEGACY_PURCHASE_BELOW};
use serde_json::Value;

/// `Node` over `serde_json::Value`: the adapter of the crate's own native tests (`super::Node` is imported above).
#[path = "../../src/sdk/parse_json.rs"]
mod json;
use json::Json;

/// `bridge_host_replies`: the input is a host reply as JSON text (anything else is ignored by the readers, and
/// read as two app versions, one per line). True when some reader accepted it.
pub fn host_replies(data: &[u8]) -> bool {
    versions(data);
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return false;
    };
    let accepted = [
        read::<ProductList>(&value),
        read::<PendingOrders>(&value),
        read::<OrderHistoryPage>(&value),
        read::<SubscriptionInfoResponse>(&value),
        read::<AppLoginResult>(&value),
        read::<AuthenticationResult>(&value),
        read::<Purchased>(&value),
        read::<PurchaseSuccess>(&value),
        read::<bool>(&value),
    ]
    .contains(&true);
    if let Some(e) = value.get("error") {
        // A rejection of an SDK call: `{ code, message }`.
        let code = e.get("code").and_then(Value::as_str);
        let message = e.get("message").and_then(Value::as_str).unwrap_or("");
        let err = ait_checkout::Error::from_sdk_rejection(code, message);
        match code.and_then(ErrorCode::parse) {
            Some(known) => assert_eq!(err.code, known),
            None => {
                assert_eq!(err.code, ErrorCode::SdkError);
                assert_eq!(err.sdk_code.as_deref(), code);
            }
        }
    }
    accepted
}

/// Reads `value` as `T`; a failure must be well-formed. True when it was read.
fn read<T: Parse + Debug>(value: &Value) -> bool {
    match T::parse(Json(value.clone())) {
        Ok(_) => true,
        Err(e) => {
            check_malformed(&e, value);
            false
        }
    }
}

/// A `Malformed` renders as `path: expected` and its path leads to a real place: every step but the last exists.
fn check_malformed(e: &Malformed, value: &Value) {
    let text = e.to_string();
    assert!(!text.is_empty());
    let path = e.path();
    if !path.is_empty() {
        assert!(text.starts_with(path), "{text:?} does not start with its path {path:?}");
    }
    let steps = steps(path).unwrap_or_else(|| panic!("unreadable path {path:?} in {text:?}"));
    let mut at = value;
    for (i, step) in steps.iter().enumerate() {
        let next = match step {
            Step::Key(k) => at.as_object().and_then(|o| o.get(*k)),
            Step::Item(n) => at.as_array().and_then(|a| a.get(*n)),
        };
        match next {
            Some(v) => at = v,
            None if i + 1 == steps.len() => break,
            None => panic!("{text:?}: step {step:?} of {path:?} is not in {value}"),
        }
    }
}

#[derive(Debug)]
enum Step<'a> {
    Key(&'a str),
    Item(usize),
}

/// Splits `products[2].renewalCycle` into its steps.
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let (n, r) = r.split_once(']')?;
            out.push(Step::Item(n.parse().ok()?));
            rest = r;
        } else {
            let r = if out.is_empty() { rest } else { rest.strip_prefix('.')? };
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            out.push(Step::Key(&r[..end]));
            rest = &r[end..];
        }
    }
    Some(out)
}

/// Two app versions (the first two lines): comparing them is antisymmetric, a valid version equals itself, and the
/// version gate agrees with the comparison.
fn versions(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines();
    let (a, b) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let ab = compare_versions(a, b);
    let ba = compare_versions(b, a);
    if let (Ok(x), Ok(y)) = (&ab, &ba) {
        assert_eq!(*x, y.reverse(), "compare({a:?}, {b:?}) vs compare({b:?}, {a:?})");
    }
    if compare_versions(a, a).is_ok() {
        assert_eq!(compare_versions(a, a), Ok(std::cmp::Ordering::Equal), "{a:?}");
    }
    let env = ait_checkout::sdk::Environment {
        platform: ait_checkout::sdk::Platform::Android,
        app_version: a.to_owned(),
        operational_environment: ait_checkout::sdk::OperationalEnvironment::Toss,
    };
    let gate = is_min_version_supported(&env, &LEGACY_PURCHASE_BELOW);
    let direct = compare_versions(a, LEGACY_PURCHASE_BELOW.android);
    assert_eq!(gate.is_ok(), direct.is_ok());
    if let (Ok(g), Ok(d)) = (gate, direct) {
        assert_eq!(g, d != std::cmp::Ordering::Less);
    }
}

/// `bridge_partner_replies`: bytes 0–1 are an HTTP status (big-endian), the rest is a partner reply as JSON text.
/// True when some reader accepted it.
pub fn partner_replies(data: &[u8]) -> bool {
    let (status, json) = match data {
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]), rest),
        _ => return false,
    };
    let Ok(value) = serde_json::from_slice::<Value>(json) else {
        // A reply that is not JSON: only the status speaks.
        check_http_error(status, None);
        return false;
    };
    let mut accepted = false;
    let body = match partner_parse::error_body(Json(value.clone())) {
        Ok(b) => {
            accepted = true;
            Some(b)
        }
        Err(e) => {
            check_malformed(&e, &value);
            None
        }
    };
    check_http_error(status, body);
    for result in [
        partner_parse::created_payment(Json(value.clone())).err(),
        partner_parse::receipt(Json(value.clone())).err(),
        partner_parse::payment_state(Json(value.clone())).err(),
        partner_parse::grant(Json(value.clone())).err(),
        partner_parse::revoked(Json(value.clone())).err(),
    ] {
        match result {
            None => accepted = true,
            Some(e) => check_malformed(&e, &value),
        }
    }
    contract_replies_are_read(&value);
    accepted
}

/// Whatever the reference server can send (the contract's types, as serde writes them), the bridge reads, and
/// reads the same values.
fn contract_replies_are_read(value: &Value) {
    use ait_api::partner as c;
    if let Ok(t) = serde_json::from_value::<c::CreatePaymentResponse>(value.clone()) {
        let r = partner_parse::created_payment(Json(canonical(&t)))
            .expect("the bridge reads a contract CreatePaymentResponse");
        assert_eq!(
            (r.order_no.as_str(), r.pay_token.as_str(), r.product_desc.as_str()),
            (t.order_no.as_str(), t.pay_token.as_str(), t.product_desc.as_str())
        );
        assert_eq!(r.amount, t.amount as f64);
    }
    if let Ok(t) = serde_json::from_value::<c::PaymentReceipt>(value.clone()) {
        let r = partner_parse::receipt(Json(canonical(&t))).expect("the bridge reads a contract PaymentReceipt");
        same_receipt(&r, &t);
    }
    if let Ok(t) = serde_json::from_value::<c::PaymentStatusReply>(value.clone()) {
        let r =
            partner_parse::payment_state(Json(canonical(&t))).expect("the bridge reads a contract PaymentStatusReply");
        assert_eq!(r.status, t.status.as_str());
        match (&r.receipt, &t.receipt) {
            (Some(r), Some(t)) => same_receipt(r, t),
            (None, None) => {}
            other => panic!("receipt read as {other:?}"),
        }
    }
    if let Ok(t) = serde_json::from_value::<c::GrantResponse>(value.clone()) {
        let r = partner_parse::grant(Json(canonical(&t))).expect("the bridge reads a contract GrantResponse");
        assert_eq!(r, t.granted);
    }
    if let Ok(t) = serde_json::from_value::<c::SyncResponse>(value.clone()) {
        let r = partner_parse::revoked(Json(canonical(&t))).expect("the bridge reads a contract SyncResponse");
        let got: Vec<(&str, &str)> = r.iter().map(|g| (g.order_id.as_str(), g.sku.as_str())).collect();
        let want: Vec<(&str, &str)> = t
            .revoked
            .iter()
            .map(|g| (g.order_id.as_str(), g.sku.as_str()))
            .collect();
        assert_eq!(got, want);
    }
    if let Ok(t) = serde_json::from_value::<c::ErrorBody>(value.clone()) {
        let r = partner_parse::error_body(Json(canonical(&t))).expect("the bridge reads a contract ErrorBody");
        assert_eq!(r.code, t.error.code.as_str());
        assert_eq!(r.message, t.error.message);
        assert_eq!(r.retryable, t.error.retryable);
        assert_eq!(
            r.toss_error_code.as_deref(),
            t.error.toss.as_ref().map(|e| e.error_code.as_str())
        );
    }
}

fn same_receipt(r: &ait_checkout::partner::Receipt, t: &ait_api::partner::PaymentReceipt) {
    assert_eq!(
        (
            r.order_no.as_str(),
            r.pay_token.as_str(),
            r.pay_method.as_str(),
            r.transaction_id.as_str(),
            r.approval_time.as_str()
        ),
        (
            t.order_no.as_str(),
            t.pay_token.as_str(),
            t.pay_method.as_str(),
            t.transaction_id.as_str(),
            t.approval_time.as_str()
        )
    );
    assert_eq!((r.amount, r.paid_amount), (t.amount as f64, t.paid_amount as f64));
    assert_eq!(r.discounted_amount, t.discounted_amount.map(|d| d as f64));
    assert_eq!(r.card_company_name, t.card_company_name);
    assert_eq!(r.sales_check_link_url, t.sales_check_link_url);
}

/// The code an HTTP error reply becomes (design.md, the partner contract): the contract's own codes keep their
/// meaning whatever the status; otherwise 5xx is `PARTNER_ERROR` and anything else `PARTNER_REJECTED`.
fn check_http_error(status: u16, body: Option<partner_parse::PartnerErrorBody>) {
    let server_code = body.as_ref().map(|b| b.code.clone());
    let err = http_error("POST", "/tosspay/payments", status, body);
    let want = match server_code.as_deref() {
        Some("TOSS_API_FAILED") => ErrorCode::TossApiFailed,
        Some("PAYMENT_OUTCOME_UNKNOWN") => ErrorCode::PaymentOutcomeUnknown,
        Some("ALREADY_IN_PROGRESS") => ErrorCode::AlreadyInProgress,
        _ if status >= 500 => ErrorCode::PartnerError,
        _ => ErrorCode::PartnerRejected,
    };
    assert_eq!(err.code, want, "HTTP {status} with code {server_code:?}");
    assert!(!err.message.is_empty());
    let _ = (err.retryable(), err.user_message());
}

/// The JSON the reference server writes for a contract value.
fn canonical<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("a contract type serialises")
}
