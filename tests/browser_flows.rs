//! The whole flows in headless Chromium: the real SDK, the dev host backed by ait-sandbox, and a running ait-partner
//! (started by `./build.sh test`, which passes its addresses at compile time).
#![cfg(target_arch = "wasm32")]

mod browser_support;

use std::cell::RefCell;
use std::rc::Rc;

use ait_checkout::error::ErrorCode;
use ait_checkout::partner::{Entitlement, Partner, PayStatus, Won};
use ait_checkout::web::partner::{HttpPartner, JsOrder};
use ait_checkout::web::sdk::WebSdk;
use ait_checkout::{Checkout, CheckoutOptions, Timeouts};
use browser_support::*;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

struct Stack {
    partner_url: &'static str,
    partner_origin: &'static str,
}

fn stack() -> Stack {
    let (Some(partner_url), Some(partner_origin), Some(control), Some(user)) = (
        option_env!("AIT_PARTNER_URL"),
        option_env!("AIT_PARTNER_ORIGIN"),
        option_env!("AIT_SANDBOX_CONTROL_URL"),
        option_env!("AIT_SANDBOX_USER_KEY"),
    ) else {
        panic!("the flow tests need a running partner + sandbox: run them through ./build.sh test");
    };
    reset_host(json!({}));
    use_sandbox(control, user.parse().expect("a numeric user key"));
    payment_sheet("approve");
    Stack { partner_url, partner_origin }
}

impl Stack {
    fn checkout(&self) -> Checkout<WebSdk, HttpPartner> {
        self.checkout_with(CheckoutOptions::default())
    }

    fn checkout_with(&self, options: CheckoutOptions) -> Checkout<WebSdk, HttpPartner> {
        let timeouts = Timeouts { bridge_ms: 10_000, interaction_ms: 15_000, grant_ms: 10_000, partner_ms: 10_000 };
        let partner = HttpPartner::new(self.partner_url, timeouts.partner_ms).unwrap();
        Checkout::with_partner(WebSdk::new(sdk_module()).unwrap(), Some(partner), CheckoutOptions { timeouts, ..options })
            .unwrap()
    }

    async fn logged_in(&self) -> Checkout<WebSdk, HttpPartner> {
        let c = self.checkout();
        c.login().await.expect("login through the sandbox and the partner");
        c
    }

    async fn entitlements(&self) -> Vec<String> {
        let (status, body) = partner_get(&format!("{}/iap/entitlements", self.partner_url)).await;
        assert_eq!(status, 200, "{body}");
        body.as_array().map(|a| a.iter().filter_map(|e| e["orderId"].as_str().map(String::from)).collect()).unwrap_or_default()
    }
}

const TWO_BAGS_OF_BEANS: &str = r#"{"items":[{"sku":"beans_200g","quantity":2}]}"#;

/// The page's order, as the page passes it: a JS value.
fn two_bags_of_beans() -> JsOrder {
    JsOrder::new(js_sys::JSON::parse(TWO_BAGS_OF_BEANS).unwrap()).unwrap()
}

#[wasm_bindgen_test]
async fn tosspay_pays_and_returns_the_receipt() {
    let s = stack();
    let c = s.logged_in().await;
    let receipt = c.pay_with_tosspay(two_bags_of_beans(), Won(24_000), None).await.unwrap();
    assert_eq!(receipt.amount, Won(24_000));
    assert!(!receipt.transaction_id.is_empty());
    let partner = HttpPartner::new(s.partner_url, 10_000).unwrap();
    let state = partner.payment_status(&receipt.order_no).await.unwrap();
    assert_eq!(state.status, PayStatus::PayComplete);
    assert_eq!(state.receipt.as_ref(), Some(&receipt), "the status carries the same receipt");
}

#[wasm_bindgen_test]
async fn backing_out_of_the_sheet_is_not_authenticated() {
    let s = stack();
    let c = s.logged_in().await;
    payment_sheet("cancel");
    let err = c.pay_with_tosspay(two_bags_of_beans(), Won(24_000), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::TosspayNotAuthenticated);
    assert_eq!(err.reason.as_deref(), Some("사용자가 결제를 취소했어요"));
}

#[wasm_bindgen_test]
async fn a_wrong_expected_amount_stops_before_the_sheet() {
    let s = stack();
    let c = s.logged_in().await;
    let err = c.pay_with_tosspay(two_bags_of_beans(), Won(12_000), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AmountMismatch);
    assert!(messages_of("method", "checkoutPayment").is_empty(), "the sheet never opened");
}

#[wasm_bindgen_test]
async fn a_lost_execute_reply_is_reconciled() {
    let s = stack();
    let c = s.logged_in().await;
    let rule = sandbox_request("POST", "/faults", Some(json!({"endpoint": "execute-payment", "kind": "drop", "times": 1}))).await;
    let receipt = c.pay_with_tosspay(two_bags_of_beans(), Won(24_000), None).await.unwrap();
    assert!(!receipt.transaction_id.is_empty());
    let faults = sandbox_request("GET", "/faults", None).await;
    let fired = faults.to_string();
    sandbox_request("DELETE", "/faults", None).await;
    assert!(fired.contains("\"fired\":1"), "the reply really was dropped: {fired} (rule {rule})");
}

#[wasm_bindgen_test]
async fn an_iap_purchase_is_granted_by_the_partner() {
    let s = stack();
    let c = s.logged_in().await;
    let order = c.purchase("gem_100").await.unwrap();
    assert!(s.entitlements().await.contains(&order.order_id));
}

#[wasm_bindgen_test]
async fn a_refused_grant_is_restored_later() {
    let s = stack();
    let c = s.logged_in().await;
    // Toss's order check fails while the purchase grants: the partner refuses, the order stays pending.
    sandbox_request("POST", "/faults", Some(json!({"endpoint": "get-order-status", "kind": "fail", "errorCode": "INTERNAL_ERROR", "times": 20}))).await;
    let err = c.purchase("gem_500").await.unwrap_err();
    sandbox_request("DELETE", "/faults", None).await;
    assert_eq!(err.code, ErrorCode::ProductNotGrantedByPartner);
    let order_id = err.order_id.clone().expect("the paid order is named");
    assert!(!s.entitlements().await.contains(&order_id));

    let report = c.restore_pending_orders().await.unwrap();
    assert!(report.restored.iter().any(|o| o.order_id == order_id), "{report:?}");
    assert!(s.entitlements().await.contains(&order_id));
    assert!(c.bridge().pending_orders().await.unwrap().iter().all(|o| o.order_id != order_id));
}

#[wasm_bindgen_test]
async fn a_refund_is_revoked_by_the_history_sync() {
    let s = stack();
    let c = s.logged_in().await;
    let order = c.purchase("remove_ads").await.unwrap();
    assert!(s.entitlements().await.contains(&order.order_id));
    refund_order(&order.order_id).await;
    let mut key: Option<String> = None;
    let mut revoked = Vec::new();
    loop {
        let (page, r) = c.order_history_and_sync(key.as_deref()).await.unwrap();
        revoked.extend(r);
        if !page.has_next {
            break;
        }
        key = page.next_key;
    }
    assert!(revoked.iter().any(|r| r.order_id == order.order_id), "{revoked:?}");
    assert!(!s.entitlements().await.contains(&order.order_id));
}

#[wasm_bindgen_test]
async fn entitlements_follow_purchases_and_logout_ends_the_session() {
    let s = stack();
    let heard: Rc<RefCell<Vec<Vec<Entitlement>>>> = Rc::default();
    let sink = heard.clone();
    let c = s.checkout_with(CheckoutOptions {
        on_entitlements: Some(Rc::new(move |e: &[Entitlement]| sink.borrow_mut().push(e.to_vec()))),
        ..CheckoutOptions::default()
    });
    c.login().await.unwrap();
    assert_eq!(c.last_entitlements(), None, "nothing asked yet");
    let before = c.entitlements().await.unwrap();
    assert_eq!(c.last_entitlements().as_ref(), Some(&before));

    // A purchase refreshes the snapshot without being asked, and the listener hears it.
    let order = c.purchase("remove_ads").await.unwrap();
    let after = c.last_entitlements().expect("a snapshot after the purchase");
    let owned = after.iter().find(|e| e.order_id.as_deref() == Some(order.order_id.as_str())).expect("the purchase is owned");
    assert_eq!(owned.sku, "remove_ads");
    assert_eq!(heard.borrow().len(), 2, "the explicit call and the refresh after the purchase");
    assert_eq!(heard.borrow().last(), Some(&after));
    // The same as the server says.
    let ids: Vec<String> = after.iter().filter_map(|e| e.order_id.clone()).collect();
    assert_eq!(ids, s.entitlements().await);

    c.logout().await.unwrap();
    assert_eq!(c.last_entitlements(), None, "logout forgets the snapshot");
    let err = c.entitlements().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PartnerRejected);
    assert_eq!(err.sdk_code.as_deref(), Some("UNAUTHENTICATED"));
    // Logging out twice is fine (the contract: also when there was no session).
    c.logout().await.unwrap();
}

#[wasm_bindgen_test]
async fn partner_failures_are_typed() {
    let s = stack();
    // Nobody listens there: PARTNER_UNREACHABLE.
    let nowhere = HttpPartner::new("http://127.0.0.1:9", 5_000).unwrap();
    assert_eq!(nowhere.entitlements().await.unwrap_err().code, ErrorCode::PartnerUnreachable);

    // An HTTP error with the contract's error body: PARTNER_REJECTED with the server's code.
    let c = s.logged_in().await;
    let partner = HttpPartner::new(s.partner_url, 10_000).unwrap();
    let err = partner.payment_status("no-such-order").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PartnerRejected, "{err:?}");
    assert_eq!(err.sdk_code.as_deref(), Some("NOT_FOUND"));
    // An order number that would be a path step never leaves the page.
    assert_eq!(partner.payment_status("..").await.unwrap_err().code, ErrorCode::InvalidArgument);

    // A 2xx reply that is JSON but not the contract's shape (the sandbox descriptor is an object, not a list).
    let descriptor = HttpPartner::new(&format!("{}/dev/sandbox.json?", s.partner_origin), 10_000).unwrap();
    let err = descriptor.entitlements().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PartnerError);
    assert!(err.message.starts_with("GET /iap/entitlements: the reply does not follow the contract"), "{}", err.message);
    // 2xx replies that are not JSON, or not the contract's shape (data: URLs answer 200 with their text).
    let text = HttpPartner::new("data:text/plain,hello#", 10_000).unwrap();
    let err = text.entitlements().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PartnerError);
    assert!(err.message.contains("not JSON"), "{}", err.message);
    let wrong = HttpPartner::new(r#"data:application/json,[{"sku":5}]#"#, 10_000).unwrap();
    let err = wrong.entitlements().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PartnerError);
    assert!(err.message.contains("invalid type: floating point `5.0`, expected a string"), "says what was wrong: {}", err.message);

    // The deadline: Toss takes 3 s to execute, the page waits 500 ms, the request is aborted.
    let created = partner
        .create_payment(&ait_checkout::partner::CreatePaymentRequest {
            order: two_bags_of_beans(),
            idempotency_key: partner.new_idempotency_key(),
        })
        .await
        .expect("the create request is the contract's (the Idempotency-Key header included)");
    assert_eq!(created.amount, Won(24_000));
    sandbox_request("POST", "/faults", Some(json!({"endpoint": "execute-payment", "kind": "latency", "ms": 3000, "times": 1}))).await;
    let impatient = HttpPartner::new(s.partner_url, 500).unwrap();
    let err = impatient.execute_payment(&created.order_no).await.unwrap_err();
    sandbox_request("DELETE", "/faults", None).await;
    assert_eq!(err.code, ErrorCode::PartnerTimeout);
    assert!(err.retryable());
    drop(c);
}
