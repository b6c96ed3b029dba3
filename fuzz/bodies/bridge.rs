//! Fuzz bodies for the bridge (the root crate, built natively): the serde decoding of the host's (SDK) replies
//! through `ait_checkout::sdk::decode_reply` (the same reply types and decoder the browser binding uses, over
//! serde_json instead of serde-wasm-bindgen), and the mapping of the partner's HTTP error replies
//! (`ait_checkout::partner::errors::http_error`) with their body read as the contract's `ErrorBody`.
//!
//! Shared by the libFuzzer targets (`fuzz/fuzz_targets/bridge_*.rs`) and the corpus replay under plain
//! `cargo test` (`tests/native_corpus_replay.rs`). Each may only use what both reach: `ait_checkout`, `ait_api`
//! and `serde_json`.
//!
//! Asserted beyond "no panic": a malformed reply is a non-empty message; an HTTP error maps onto the code the contract gives it; app versions compare antisymmetrically.

use ait_api::partner::{ErrorBody, PartnerError, PartnerErrorCode};
use ait_checkout::error::ErrorCode;
use ait_checkout::partner::errors::http_error;
use ait_checkout::sdk::{
    decode_reply, AppLoginResult, AuthenticationResult, OrderHistoryPage, PendingOrders, ProductList,
    PurchaseSuccess, Purchased, SubscriptionInfoResponse,
};
use ait_checkout::version::{compare_versions, is_min_version_supported, LEGACY_PURCHASE_BELOW};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `bridge_host_replies`: the input is a host reply as JSON text (anything else is ignored by the decoders, and
/// read as two app versions, one per line). True when some reply type accepted it.
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

/// Decodes `value` as `T` like the bridge does; a failure is a message, never a panic. True when it decoded.
fn read<T: DeserializeOwned>(value: &Value) -> bool {
    match decode_reply::<_, T>(value.clone()) {
        Ok(_) => true,
        Err(e) => {
            assert!(!e.is_empty(), "an empty decode error for {value}");
            false
        }
    }
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
/// True when the body was a contract error body.
pub fn partner_replies(data: &[u8]) -> bool {
    let (status, json) = match data {
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]), rest),
        _ => return false,
    };
    // What the browser does with an error reply: read the body as the contract's `ErrorBody` when it is one.
    let body = serde_json::from_slice::<ErrorBody>(json).ok().map(|b| b.error);
    let accepted = body.is_some();
    check_http_error(status, body);
    accepted
}

/// The code an HTTP error reply becomes (design.md, the partner contract): the contract's own codes keep their
/// meaning whatever the status; otherwise 5xx is `PARTNER_ERROR` and anything else `PARTNER_REJECTED`.
fn check_http_error(status: u16, body: Option<PartnerError>) {
    let server_code = body.as_ref().map(|b| b.code.clone());
    let toss_code = body.as_ref().and_then(|b| b.toss.as_ref()).map(|t| t.error_code.as_str().to_owned());
    let err = http_error("POST", "/tosspay/payments", status, body);
    let want = match server_code {
        Some(PartnerErrorCode::TossApiFailed) => ErrorCode::TossApiFailed,
        Some(PartnerErrorCode::PaymentOutcomeUnknown) => ErrorCode::PaymentOutcomeUnknown,
        Some(PartnerErrorCode::AlreadyInProgress) => ErrorCode::AlreadyInProgress,
        _ if status >= 500 => ErrorCode::PartnerError,
        _ => ErrorCode::PartnerRejected,
    };
    assert_eq!(err.code, want, "HTTP {status} with code {server_code:?}");
    if want == ErrorCode::TossApiFailed {
        assert_eq!(err.sdk_code, toss_code, "Toss's own code is kept");
    }
    assert!(!err.message.is_empty());
    let _ = (err.retryable(), err.user_message());
}
