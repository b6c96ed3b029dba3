//! The partner contract, server half: the fixtures of `tests/contract/` (see its README) against `ait_api`'s types
//! and the real reference server.
//!
//! * Every fixture deserialises into its `ait_api` type and serialises back to the same JSON: the fixtures are
//!   what serde_json makes of the contract types (the server's side of the wire).
//! * Every request fixture, sent as the raw body to a running ait-partner (with its sandbox), passes the
//!   server's extractor and gets the answer the contract gives it.
//! * Every reply the server gives in that run has exactly the shape of its fixture: the same keys, recursively,
//!   and the same JSON types (values may differ: order numbers, tokens, times).
//!
//! The browser half (the root crate's browser tests) decodes every reply fixture and re-encodes every request
//! fixture through the bridge, so the two halves meet in these files.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ait_api::partner::{
    CartOrder, CreatePaymentRequest, CreatePaymentResponse, EntitlementsResponse, ErrorBody,
    ExecuteRequest, GrantRequest, GrantResponse, LoginRequest, LoginResponse, LogoutRequest,
    LogoutResponse, PartnerErrorCode, PaymentReceipt, PaymentStatusReply, RefundReceipt,
    RefundRequest, SyncRequest, SyncResponse,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::common::*;

// ---------------------------------------------------------------------------------------------- fixtures

/// `tests/contract/` of the repository.
fn contract_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/contract")
}

/// The text of `tests/contract/{kind}/{name}.json`.
fn fixture_text(kind: &str, name: &str) -> String {
    let path = contract_dir().join(kind).join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {kind}/{name}.json: {e}"))
}

/// `tests/contract/{kind}/{name}.json`, parsed.
fn fixture(kind: &str, name: &str) -> Value {
    serde_json::from_str(&fixture_text(kind, name))
        .unwrap_or_else(|e| panic!("{kind}/{name}.json is not JSON: {e}"))
}

/// The fixture names (file stems) of `tests/contract/{kind}/`.
fn fixture_names(kind: &str) -> BTreeSet<String> {
    let dir = contract_dir().join(kind);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// `v` read as a `T` and written back by serde_json.
fn through<T: Serialize + DeserializeOwned>(v: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

type RoundTrip = fn(&Value) -> Result<Value, String>;

/// The `ait_api` type of each request fixture.
fn request_type(name: &str) -> Option<RoundTrip> {
    Some(match name {
        "login" => through::<LoginRequest>,
        "logout" => through::<LogoutRequest>,
        "create_payment" => through::<CreatePaymentRequest<CartOrder>>,
        "execute" => through::<ExecuteRequest>,
        "refund" => through::<RefundRequest>,
        "grant" => through::<GrantRequest>,
        "sync" => through::<SyncRequest>,
        _ => return None,
    })
}

/// The `ait_api` type of each reply fixture (`error_*`: an error body).
fn reply_type(name: &str) -> Option<RoundTrip> {
    if name.starts_with("error_") {
        return Some(through::<ErrorBody>);
    }
    Some(match name {
        "login" => through::<LoginResponse>,
        "logout" => through::<LogoutResponse>,
        "create_payment" => through::<CreatePaymentResponse>,
        "receipt" => through::<PaymentReceipt>,
        "payment_status" | "payment_status_standby" => through::<PaymentStatusReply>,
        "refund" => through::<RefundReceipt>,
        "grant" => through::<GrantResponse>,
        "sync" => through::<SyncResponse>,
        "entitlements" => through::<EntitlementsResponse>,
        _ => return None,
    })
}

/// The error fixture of a code: `error_<code in lower case>`.
fn error_fixture_name(code: &str) -> String {
    format!("error_{}", code.to_ascii_lowercase())
}

/// `PartnerErrorCode` variants the reference server never answers (so no fixture is required for them).
const NOT_EMITTED: &[PartnerErrorCode] = &[
    // Concurrent requests for one payment or grant wait on its lock instead (see ait-partner's `locks`).
    PartnerErrorCode::AlreadyInProgress,
];

/// The HTTP status the reference server sends with each error code of the fixtures.
fn status_of(code: &str) -> u16 {
    match code {
        "INVALID_ARGUMENT" => 400,
        "UNAUTHENTICATED" => 401,
        "FORBIDDEN_ORIGIN" | "REFUNDS_DISABLED" => 403,
        "NOT_FOUND" => 404,
        "METHOD_NOT_ALLOWED" => 405,
        "INVALID_STATE" | "ORDER_NOT_PAID" => 409,
        "PAYLOAD_TOO_LARGE" => 413,
        "UNSUPPORTED_MEDIA_TYPE" => 415,
        "RATE_LIMITED" => 429,
        "INTERNAL" => 500,
        "TOSS_API_FAILED" => 502,
        "TOSS_UNREACHABLE" => 503,
        "PAYMENT_OUTCOME_UNKNOWN" => 504,
        other => panic!("no status known for {other}"),
    }
}

// ---------------------------------------------------------------------------------------------- shapes

/// The JSON type of a value; integers and fractions differ (money is whole won).
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "fraction",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where `real` differs in shape from `fixture` (keys recursively, JSON types, array lengths).
fn shape_diff(at: &str, fixture: &Value, real: &Value, out: &mut Vec<String>) {
    match (fixture, real) {
        (Value::Object(f), Value::Object(r)) => {
            for k in f.keys().filter(|k| !r.contains_key(*k)) {
                out.push(format!("{at}.{k}: in the fixture, not in the reply"));
            }
            for k in r.keys().filter(|k| !f.contains_key(*k)) {
                out.push(format!("{at}.{k}: in the reply, not in the fixture"));
            }
            for (k, fv) in f {
                if let Some(rv) = r.get(k) {
                    shape_diff(&format!("{at}.{k}"), fv, rv, out);
                }
            }
        }
        (Value::Array(f), Value::Array(r)) => {
            if f.len() != r.len() {
                out.push(format!(
                    "{at}: {} elements in the fixture, {} in the reply",
                    f.len(),
                    r.len()
                ));
            }
            for (i, (fv, rv)) in f.iter().zip(r).enumerate() {
                shape_diff(&format!("{at}[{i}]"), fv, rv, out);
            }
        }
        _ if json_type(fixture) != json_type(real) => out.push(format!(
            "{at}: {} in the fixture, {} in the reply",
            json_type(fixture),
            json_type(real)
        )),
        _ => {}
    }
}

#[test]
fn shapes_compare_keys_types_and_lengths_not_values() {
    let fixture = json!({"a": 1, "b": [{"c": "x"}], "d": null});
    let mut same = Vec::new();
    shape_diff(
        "$",
        &fixture,
        &json!({"d": null, "b": [{"c": "y"}], "a": 2}),
        &mut same,
    );
    assert!(same.is_empty(), "{same:?}");
    for (real, why) in [
        (json!({"a": 1, "b": [{"c": "x"}]}), "$.d: in the fixture"),
        (
            json!({"a": 1, "b": [{"c": "x"}], "d": null, "e": 0}),
            "$.e: in the reply",
        ),
        (
            json!({"a": 1.5, "b": [{"c": "x"}], "d": null}),
            "$.a: integer in the fixture, fraction",
        ),
        (
            json!({"a": "1", "b": [{"c": "x"}], "d": null}),
            "$.a: integer in the fixture, string",
        ),
        (
            json!({"a": 1, "b": [], "d": null}),
            "$.b: 1 elements in the fixture, 0",
        ),
        (
            json!({"a": 1, "b": [{"c": 1}], "d": null}),
            "$.b[0].c: string",
        ),
    ] {
        let mut diff = Vec::new();
        shape_diff("$", &fixture, &real, &mut diff);
        assert!(diff.iter().any(|d| d.starts_with(why)), "{real}: {diff:?}");
    }
}

// ---------------------------------------------------------------------------------------------- the types

#[test]
fn every_fixture_is_what_serde_json_makes_of_its_ait_api_type() {
    for (kind, type_of) in [
        ("requests", request_type as fn(&str) -> Option<RoundTrip>),
        ("replies", reply_type),
    ] {
        let names = fixture_names(kind);
        assert!(!names.is_empty(), "no {kind} fixtures");
        for name in names {
            let round_trip = type_of(&name)
                .unwrap_or_else(|| panic!("{kind}/{name}.json: no ait_api type is known for it"));
            let v = fixture(kind, &name);
            let back = round_trip(&v)
                .unwrap_or_else(|e| panic!("{kind}/{name}.json does not read as its type: {e}"));
            assert_eq!(back, v, "{kind}/{name}.json changes through its type");
        }
    }
}

#[test]
fn there_is_an_error_fixture_for_every_code_the_server_answers() {
    let names = fixture_names("replies");
    for code in PartnerErrorCode::KNOWN {
        let name = error_fixture_name(code.as_str());
        if NOT_EMITTED.contains(code) {
            assert!(
                !names.contains(&name),
                "{name}.json: the server never answers {code}"
            );
            continue;
        }
        assert!(names.contains(&name), "replies/{name}.json is missing");
        let body: ErrorBody = serde_json::from_value(fixture("replies", &name)).unwrap();
        assert_eq!(&body.error.code, code, "{name}.json");
        let toss = body.error.toss.is_some();
        assert_eq!(
            toss,
            *code == PartnerErrorCode::TossApiFailed,
            "{name}.json: toss"
        );
    }
    // Every error fixture names its own code; a code outside the enum is the server's own (`Other`).
    for name in names.iter().filter(|n| n.starts_with("error_")) {
        let body: ErrorBody = serde_json::from_value(fixture("replies", name)).unwrap();
        assert_eq!(&error_fixture_name(body.error.code.as_str()), name);
        let _ = status_of(body.error.code.as_str());
    }
}

// ---------------------------------------------------------------------------------------------- the server

/// A request with a body given as text and the headers given (none: `Content-Type: application/json`).
async fn send(
    b: &Browser,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: String,
) -> (StatusCode, Value) {
    let mut req = b
        .http
        .request(method, format!("{}{path}", b.base))
        .body(body);
    if headers.is_empty() {
        req = req.header("content-type", "application/json");
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.send().await.unwrap()).await
}

/// A JSON POST of `body` as it is.
async fn post_raw(b: &Browser, path: &str, body: String) -> (StatusCode, Value) {
    send(b, Method::POST, path, &[], body).await
}

/// What one run of the server answered, checked against the fixtures as it goes.
#[derive(Default)]
struct Replies {
    /// The reply fixtures compared with a real reply.
    compared: BTreeSet<String>,
}

impl Replies {
    /// `got` is a success with the shape of `replies/{name}.json`; returns the reply.
    #[track_caller]
    fn ok(&mut self, name: &str, got: (StatusCode, Value)) -> Value {
        assert_eq!(got.0, StatusCode::OK, "{name}: {}", got.1);
        self.same_shape(name, &got.1);
        got.1
    }

    /// `got` is the error of `replies/error_<code>.json`: its status, code, retryability and shape.
    #[track_caller]
    fn error(&mut self, code: &str, got: (StatusCode, Value)) {
        let name = error_fixture_name(code);
        let want = fixture("replies", &name);
        assert_eq!(got.0.as_u16(), status_of(code), "{code}: {}", got.1);
        assert_eq!(got.1["error"]["code"], code, "{}", got.1);
        assert_eq!(
            got.1["error"]["retryable"], want["error"]["retryable"],
            "{}",
            got.1
        );
        self.same_shape(&name, &got.1);
    }

    #[track_caller]
    fn same_shape(&mut self, name: &str, real: &Value) {
        let mut diff = Vec::new();
        shape_diff("$", &fixture("replies", name), real, &mut diff);
        assert!(
            diff.is_empty(),
            "replies/{name}.json vs the server's {real}:\n{}",
            diff.join("\n")
        );
        self.compared.insert(name.to_owned());
    }
}

/// The IAP orders the request fixtures name, and the one the entitlements fixture adds.
const GRANTED_THEN_REFUNDED: &str = "0195e3a2-7c1e-7b4d-8e2f-5a6b7c8d9e01";
const COMPLETED: &str = "0195e3b0-1d2e-7f3a-9b4c-6d7e8f9a0b12";
const IN_PROGRESS: &str = "0195e3b4-3a5c-7e21-8f6d-9c0b1a2d3e45";

#[tokio::test]
async fn the_server_takes_every_request_fixture_and_answers_in_the_shape_of_the_reply_fixtures() {
    let env = Env::new().await;
    let ctl = env.ctl();
    let b = env.browser();
    let mut replies = Replies::default();
    let request = |name: &str| fixture_text("requests", name);

    replies.error("UNAUTHENTICATED", b.get("/iap/entitlements").await);

    // Login: the fixture's code is what appLogin() gave this user.
    let login = fixture("requests", "login");
    let code = login["authorizationCode"].as_str().unwrap();
    ctl.issue_chosen_login_code(USER, code, None).unwrap();
    let r = replies.ok("login", post_raw(&b, "/login", request("login")).await);
    assert_eq!(r, json!({"loggedIn": true}));

    // TossPay: create (the server prices the cart), status before the sheet, execute, status, refund.
    let created = replies.ok(
        "create_payment",
        post_raw(&b, "/tosspay/payments", request("create_payment")).await,
    );
    let priced = fixture("replies", "create_payment");
    assert_eq!(
        (&created["amount"], &created["productDesc"]),
        (&priced["amount"], &priced["productDesc"]),
        "the server prices the fixture's cart as the fixture says"
    );
    let order_no = created["orderNo"].as_str().unwrap().to_owned();
    let payment = format!("/tosspay/payments/{order_no}");
    let standby = replies.ok("payment_status_standby", b.get(&payment).await);
    assert_eq!(standby["status"], "PAY_STANDBY");
    ctl.approve_payment(created["payToken"].as_str().unwrap(), Some("CARD"))
        .unwrap();
    let receipt = replies.ok(
        "receipt",
        post_raw(&b, &format!("{payment}/execute"), request("execute")).await,
    );
    assert_eq!(
        (
            &receipt["orderNo"],
            &receipt["amount"],
            &receipt["payMethod"]
        ),
        (&created["orderNo"], &priced["amount"], &json!("CARD"))
    );
    let status = replies.ok("payment_status", b.get(&payment).await);
    assert_eq!(
        (&status["status"], &status["receipt"]),
        (&json!("PAY_COMPLETE"), &receipt)
    );
    let refund = replies.ok(
        "refund",
        post_raw(&b, &format!("{payment}/refund"), request("refund")).await,
    );
    assert_eq!(
        (&refund["orderNo"], &refund["refundedAmount"]),
        (&created["orderNo"], &priced["amount"])
    );
    replies.error(
        "INVALID_STATE",
        post_raw(&b, &format!("{payment}/execute"), request("execute")).await,
    );
    replies.error(
        "NOT_FOUND",
        b.get("/tosspay/payments/ait-1773468566-0000000000000000")
            .await,
    );

    // The same create and the same execute with a Toss failure, then an unknown outcome.
    let second = env.create_payment(&b, "contract-bank-maintenance").await;
    env.approve(&second["payToken"]);
    let second_execute = format!(
        "/tosspay/payments/{}/execute",
        second["orderNo"].as_str().unwrap()
    );
    env.fault(json!({"endpoint": "execute-payment", "kind": "fail", "errorCode": "COMMON_BREAK_TIME_OF_BANK",
        "reason": "은행 점검 시간입니다. 잠시 후 다시 시도해주세요."}));
    replies.error(
        "TOSS_API_FAILED",
        post_raw(&b, &second_execute, request("execute")).await,
    );
    env.fault(json!({"endpoint": "execute-payment", "kind": "http5xx"}));
    replies.error(
        "PAYMENT_OUTCOME_UNKNOWN",
        post_raw(&b, &second_execute, request("execute")).await,
    );

    // IAP: grant (fixture), two more grants, the store refunds the first, sync (fixture), entitlements.
    let grant = fixture("requests", "grant");
    assert_eq!(grant["orderId"], GRANTED_THEN_REFUNDED);
    let grant_sku = grant["sku"].as_str().unwrap();
    ctl.create_order(
        &USER.to_string(),
        grant_sku,
        Some(GRANTED_THEN_REFUNDED.into()),
        true,
    )
    .unwrap();
    ctl.decide_order(GRANTED_THEN_REFUNDED, "PAYMENT_COMPLETED")
        .unwrap();
    let granted = replies.ok("grant", post_raw(&b, "/iap/grants", request("grant")).await);
    assert_eq!(granted, json!({"granted": true}));
    for (order_id, sku, completed) in [
        (COMPLETED, "remove_ads", true),
        (IN_PROGRESS, "premium_theme", false),
    ] {
        ctl.create_order(&USER.to_string(), sku, Some(order_id.into()), true)
            .unwrap();
        if completed {
            ctl.decide_order(order_id, "PAYMENT_COMPLETED").unwrap();
        }
        let (s, r) = b
            .post("/iap/grants", json!({"orderId": order_id, "sku": sku}))
            .await;
        assert_eq!((s, r), (StatusCode::OK, json!({"granted": true})));
    }
    ctl.refund_order(GRANTED_THEN_REFUNDED).unwrap();
    let synced = replies.ok("sync", post_raw(&b, "/iap/sync", request("sync")).await);
    assert_eq!(
        synced,
        fixture("replies", "sync"),
        "the refunded order's grant is revoked, nothing else"
    );
    let owned = replies.ok("entitlements", b.get("/iap/entitlements").await);
    let who_owns_what = |v: &Value| -> Vec<(Value, Value, Value)> {
        let list = v.as_array().unwrap();
        list.iter()
            .map(|e| {
                (
                    e["sku"].clone(),
                    e["orderId"].clone(),
                    e["provisional"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        who_owns_what(&owned),
        who_owns_what(&fixture("replies", "entitlements"))
    );

    // Grant refusals and the HTTP surface's.
    let failed = "0195e3c1-5e7f-7a2b-9c3d-4e5f6a7b8c90";
    ctl.create_order(&USER.to_string(), "gem_100", Some(failed.into()), false)
        .unwrap();
    ctl.decide_order(failed, "FAILED").unwrap();
    replies.error(
        "ORDER_NOT_PAID",
        b.post("/iap/grants", json!({"orderId": failed, "sku": "gem_100"}))
            .await,
    );
    replies.error(
        "INVALID_ARGUMENT",
        b.post(
            "/iap/grants",
            json!({"orderId": "not-a-uuid", "sku": "gem_100"}),
        )
        .await,
    );
    let unreachable = "0195e3c7-2b4d-7c6e-8f0a-1b2c3d4e5f67";
    ctl.create_order(&USER.to_string(), "gem_100", Some(unreachable.into()), true)
        .unwrap();
    env.fault(json!({"endpoint": "order/get-order-status", "kind": "http5xx", "status": 503, "rate": 1.0}));
    replies.error(
        "TOSS_UNREACHABLE",
        b.post(
            "/iap/grants",
            json!({"orderId": unreachable, "sku": "gem_100"}),
        )
        .await,
    );
    ctl.clear_faults();
    let json_from = [
        ("content-type", "application/json"),
        ("origin", "http://evil.example"),
    ];
    replies.error(
        "FORBIDDEN_ORIGIN",
        send(
            &b,
            Method::POST,
            "/iap/grants",
            &json_from,
            request("grant"),
        )
        .await,
    );
    let text = [("content-type", "text/plain")];
    replies.error(
        "UNSUPPORTED_MEDIA_TYPE",
        send(&b, Method::POST, "/iap/grants", &text, request("grant")).await,
    );
    let huge = format!(
        "{{\"orders\": [], \"padding\": \"{}\"}}",
        "가".repeat(1 << 20)
    );
    replies.error("PAYLOAD_TOO_LARGE", post_raw(&b, "/iap/sync", huge).await);
    replies.error(
        "METHOD_NOT_ALLOWED",
        send(&b, Method::GET, "/login", &[], String::new()).await,
    );

    // Logout (fixture): the session ends.
    let out = replies.ok("logout", post_raw(&b, "/logout", request("logout")).await);
    assert_eq!(out, json!({"loggedOut": true}));
    replies.error("UNAUTHENTICATED", b.get("/iap/entitlements").await);

    // A server that keeps refunds off the page (the default) and allows one login a minute.
    let strict = Env::with(|c| {
        c.page_refunds = false;
        c.rate_limit.login_burst = 1;
        c.rate_limit.login_per_minute = 1;
    })
    .await;
    let sb = strict.logged_in(USER).await;
    let p = strict.create_payment(&sb, "contract-refunds-off").await;
    let refund_path = format!(
        "/tosspay/payments/{}/refund",
        p["orderNo"].as_str().unwrap()
    );
    replies.error(
        "REFUNDS_DISABLED",
        send(&sb, Method::POST, &refund_path, &[], request("refund")).await,
    );
    replies.error("RATE_LIMITED", sb.login(&strict, USER).await);

    // Every reply fixture met a real reply, except the server's internal failure (a broken database).
    let not_provoked: BTreeSet<String> = [error_fixture_name("INTERNAL")].into();
    let unmet: Vec<_> = fixture_names("replies")
        .into_iter()
        .filter(|n| !replies.compared.contains(n) && !not_provoked.contains(n))
        .collect();
    assert!(
        unmet.is_empty(),
        "reply fixtures no real reply was compared with: {unmet:?}"
    );
}
