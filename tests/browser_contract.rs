//! The browser half of the page <-> partner contract test: every reply file of `tests/contract/replies/` decodes
//! through the bridge's decoder (serde-wasm-bindgen, after `JSON.parse`, as a reply arrives) into exactly what
//! serde_json (the server's side) reads from it, and every request file of `tests/contract/requests/`, read into its
//! `ait_api` type, is encoded by the bridge's encoder into the same JSON. The server half
//! (`crates/ait-partner/tests/api/contract.rs`) checks the same files against the real server. One live exchange per
//! direction with the running partner closes the loop.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use std::fmt::Debug;

use ait_api::partner::{
    CartOrder, CreatePaymentRequest, CreatePaymentResponse, Entitlement, EntitlementsResponse, ErrorBody,
    ExecuteRequest, GrantRequest, GrantResponse, LoginRequest, LoginResponse, LogoutRequest, LogoutResponse,
    PaymentReceipt, PaymentStatusReply, RefundReceipt, RefundRequest, SyncRequest, SyncResponse, Won,
    PATH_IAP_ENTITLEMENTS,
};
use ait_checkout::error::ErrorCode;
use ait_checkout::partner::{PageOrder, Partner};
use ait_checkout::web::partner::{decode, encode, idempotency_key, HttpPartner, JsOrder};
use ait_checkout::web::sdk::WebSdk;
use ait_checkout::{Checkout, CheckoutOptions};
use browser_support::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fixture: its name (the file without `.json`), its text, and the check for the contract type it holds.
type Fixture = (&'static str, &'static str, fn(&str, &str));

/// `name => check` pairs, each file included at compile time (a missing file does not compile).
macro_rules! fixtures {
    ($dir:literal: $($name:literal => $check:expr),* $(,)?) => {
        vec![$(($name, include_str!(concat!("contract/", $dir, "/", $name, ".json")), $check as fn(&str, &str))),*]
    };
}

/// Every file of `tests/contract/replies/`, with the type the bridge reads it as.
fn replies() -> Vec<Fixture> {
    fixtures!("replies":
        "login" => reply::<LoginResponse>,
        "logout" => reply::<LogoutResponse>,
        "create_payment" => reply::<CreatePaymentResponse>,
        "receipt" => reply::<PaymentReceipt>,
        "payment_status" => reply::<PaymentStatusReply>,
        "payment_status_standby" => reply::<PaymentStatusReply>,
        "refund" => reply::<RefundReceipt>,
        "grant" => reply::<GrantResponse>,
        "sync" => reply::<SyncResponse>,
        "entitlements" => reply::<EntitlementsResponse>,
        "error_forbidden_origin" => reply::<ErrorBody>,
        "error_internal" => reply::<ErrorBody>,
        "error_invalid_argument" => reply::<ErrorBody>,
        "error_invalid_state" => reply::<ErrorBody>,
        "error_method_not_allowed" => reply::<ErrorBody>,
        "error_not_found" => reply::<ErrorBody>,
        "error_order_not_paid" => reply::<ErrorBody>,
        "error_payload_too_large" => reply::<ErrorBody>,
        "error_payment_outcome_unknown" => reply::<ErrorBody>,
        "error_rate_limited" => reply::<ErrorBody>,
        "error_refunds_disabled" => reply::<ErrorBody>,
        "error_toss_api_failed" => reply::<ErrorBody>,
        "error_toss_unreachable" => reply::<ErrorBody>,
        "error_unauthenticated" => reply::<ErrorBody>,
        "error_unsupported_media_type" => reply::<ErrorBody>,
    )
}

/// Every file of `tests/contract/requests/`, with the type the bridge writes it from.
fn requests() -> Vec<Fixture> {
    fixtures!("requests":
        "login" => request::<LoginRequest>,
        "logout" => request::<LogoutRequest>,
        "create_payment" => request::<CreatePaymentRequest<CartOrder>>,
        "execute" => request::<ExecuteRequest>,
        "refund" => request::<RefundRequest>,
        "grant" => request::<GrantRequest>,
        "sync" => request::<SyncRequest>,
    )
}

/// The bridge decodes the reply text into exactly what serde_json reads from it.
fn reply<T: DeserializeOwned + PartialEq + Debug>(name: &str, text: &str) {
    let expected: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: serde_json cannot read it: {e}"));
    let arrived = js_sys::JSON::parse(text).unwrap_or_else(|_| panic!("{name}: not JSON"));
    let decoded: T = decode(arrived).unwrap_or_else(|e| panic!("{name}: the bridge cannot decode it: {e}"));
    assert_eq!(decoded, expected, "{name}");
}

/// The bridge encodes the request read from the file into the file's JSON, which is also what serde_json writes.
fn request<T: DeserializeOwned + Serialize>(name: &str, text: &str) {
    let value: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: serde_json cannot read it: {e}"));
    let sent = encode(&value).unwrap_or_else(|e| panic!("{name}: the bridge cannot encode it: {e}"));
    let sent: Value = serde_json::from_str(&sent).unwrap_or_else(|e| panic!("{name}: the bridge wrote no JSON: {e}: {sent}"));
    assert_eq!(sent, serde_json::from_str::<Value>(text).unwrap(), "{name}: the bridge sends the file's JSON");
    assert_eq!(sent, serde_json::to_value(&value).unwrap(), "{name}: the bridge writes what serde_json writes");
}

#[wasm_bindgen_test]
fn every_reply_file_decodes_through_the_bridge_as_serde_json_reads_it() {
    let replies = replies();
    assert!(replies.len() >= 25, "every reply file is listed");
    for (name, text, check) in replies {
        check(name, text);
    }
}

#[wasm_bindgen_test]
fn every_request_file_is_what_the_bridge_encodes() {
    let requests = requests();
    assert!(requests.len() >= 7, "every request file is listed");
    for (name, text, check) in requests {
        check(name, text);
    }
}

/// What the bridge really sends for a payment: the page's order as a JS value (`JsOrder`), not a Rust type.
#[wasm_bindgen_test]
fn a_payment_created_from_the_pages_own_order_is_the_contracts_request() {
    let text = include_str!("contract/requests/create_payment.json");
    let file: CreatePaymentRequest<Value> = serde_json::from_str(text).unwrap();
    let order = JsOrder::new(js_sys::JSON::parse(&file.order.to_string()).unwrap()).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&order.identity()).unwrap(), file.order, "the identity is the order's JSON");
    let sent = encode(&CreatePaymentRequest { order, idempotency_key: file.idempotency_key }).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&sent).unwrap(), serde_json::from_str::<Value>(text).unwrap());
}

#[wasm_bindgen_test]
fn money_crosses_as_a_plain_integer() {
    assert_eq!(encode(&Won(24_000)).unwrap(), "24000");
    assert_eq!(encode(&Won(-300)).unwrap(), "-300");
    // Beyond 2^53 a JS number cannot hold it exactly: refused rather than rounded (or sent as a BigInt).
    assert_eq!(encode(&Won(i64::MAX)).unwrap_err().code, ErrorCode::InvalidArgument);
    assert_eq!(decode::<Won>(JsValue::from_f64(33_500.0)).unwrap(), Won(33_500));
    for not_money in [JsValue::from_f64(1.5), JsValue::from_str("100"), JsValue::NULL] {
        assert!(decode::<Won>(not_money).is_err());
    }
}

#[wasm_bindgen_test]
fn replies_off_the_contract_are_refused_saying_what_was_wrong() {
    let parse = |text: &str| js_sys::JSON::parse(text).unwrap();
    let err = decode::<CreatePaymentResponse>(parse(r#"{"orderNo":"o","payToken":"t","amount":1.5,"productDesc":"d"}"#)).unwrap_err();
    assert!(err.contains("1.5"), "a fractional amount is not won: {err}");
    let err = decode::<EntitlementsResponse>(parse(r#"[{"sku":"a"},{"orderId":"x"}]"#)).unwrap_err();
    assert!(err.contains("missing field `sku`"), "{err}");
    let err = decode::<PaymentStatusReply>(parse(r#"{"status":"PAY_COMPLETE","receipt":{"orderNo":5}}"#)).unwrap_err();
    assert!(err.contains("invalid type") && err.contains("expected a string"), "{err}");
    assert!(decode::<GrantResponse>(parse(r#"{"granted":"yes"}"#)).is_err());
    assert!(decode::<SyncResponse>(JsValue::UNDEFINED).is_err());
    // Unknown keys are ignored and optional ones may be absent (a newer server, an older one).
    let entitlement: Entitlement = decode(parse(r#"{"sku":"a","newField":{"x":1}}"#)).unwrap();
    assert_eq!(entitlement, Entitlement { sku: "a".into(), ..Entitlement::default() });
}

#[wasm_bindgen_test]
fn the_pages_order_must_be_json() {
    let cyclic = js_sys::Object::new();
    js_sys::Reflect::set(&cyclic, &JsValue::from_str("me"), &cyclic).unwrap();
    for not_json in [JsValue::UNDEFINED, cyclic.into(), JsValue::bigint_from_str("1")] {
        assert_eq!(JsOrder::new(not_json).unwrap_err().code, ErrorCode::InvalidArgument);
    }
    let a = JsOrder::new(js_sys::JSON::parse(r#"{"items":[{"sku":"x","quantity":1}]}"#).unwrap()).unwrap();
    let b = JsOrder::new(js_sys::JSON::parse(r#"{"items":[{"sku":"x","quantity":1}]}"#).unwrap()).unwrap();
    assert_eq!(a.identity(), b.identity(), "two equal orders are the same order");
}

#[wasm_bindgen_test]
fn idempotency_keys_are_fresh_uuids_the_contract_accepts() {
    let (a, b) = (idempotency_key(), idempotency_key());
    assert_ne!(a, b);
    for key in [a, b] {
        assert_eq!(key.len(), 36, "{key}");
        assert_eq!(key.matches('-').count(), 4, "{key}");
        assert!(key.len() <= ait_api::partner::IDEMPOTENCY_KEY_MAX_LEN);
    }
}

#[wasm_bindgen_test]
async fn an_idempotency_key_that_cannot_be_a_header_is_refused_before_sending() {
    // Nothing listens on port 9: had anything been sent, this would be PARTNER_UNREACHABLE.
    let partner = HttpPartner::new("http://127.0.0.1:9", 5_000).unwrap();
    let order = JsOrder::new(js_sys::JSON::parse(r#"{"items":[{"sku":"x","quantity":1}]}"#).unwrap()).unwrap();
    for key in ["주문-1", "line\nbreak"] {
        let request = CreatePaymentRequest { order: order.clone(), idempotency_key: key.to_string() };
        let err = partner.create_payment(&request).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{key:?}: {err:?}");
    }
    let request = CreatePaymentRequest { order, idempotency_key: idempotency_key() };
    assert_eq!(partner.create_payment(&request).await.unwrap_err().code, ErrorCode::PartnerUnreachable);
}

/// One live exchange per direction: the running partner accepts what the bridge encodes (login, then a purchase's
/// grant), and the bridge reads its entitlements reply exactly as serde_json reads the same reply.
#[wasm_bindgen_test]
async fn the_running_partner_and_the_bridge_agree() {
    let (Some(partner_url), Some(control), Some(user)) =
        (option_env!("AIT_PARTNER_URL"), option_env!("AIT_SANDBOX_CONTROL_URL"), option_env!("AIT_SANDBOX_USER_KEY"))
    else {
        panic!("the live contract check needs a running partner + sandbox: run it through ./build.sh test");
    };
    reset_host(json!({}));
    use_sandbox(control, user.parse().expect("a numeric user key"));
    let partner = HttpPartner::new(partner_url, 10_000).unwrap();
    let checkout =
        Checkout::with_partner(WebSdk::new(sdk_module()).unwrap(), Some(partner.clone()), CheckoutOptions::default()).unwrap();
    checkout.login().await.expect("the partner accepts the bridge's LoginRequest");
    checkout.purchase("gem_100").await.expect("the partner accepts the bridge's GrantRequest");

    // Two reads of the same state (the reconciler may confirm a provisional grant in between: then read again).
    let mut reads = Vec::new();
    for _ in 0..3 {
        let (status, raw) = partner_get(&format!("{partner_url}{PATH_IAP_ENTITLEMENTS}")).await;
        assert_eq!(status, 200, "{raw}");
        let by_serde_json: EntitlementsResponse = serde_json::from_value(raw).expect("the server's reply is the contract's");
        assert!(!by_serde_json.is_empty());
        let by_bridge = partner.entitlements().await.expect("the bridge reads the server's reply");
        if by_bridge == by_serde_json {
            return;
        }
        reads.push((by_bridge, by_serde_json));
    }
    panic!("the bridge and serde_json read the entitlements differently: {reads:?}");
}
