//! The whole flows in headless Chromium: the real SDK, the dev host backed by ait-sandbox, and a running ait-partner
//! (started by `./build.sh test`, which passes its addresses at compile time).
#![cfg(target_arch = "wasm32")]

mod browser_support;

use ait_checkout::error::ErrorCode;
use ait_checkout::partner::http::HttpPartner;
use ait_checkout::partner::Partner;
use ait_checkout::sdk::web::WebSdk;
use ait_checkout::{Checkout, CheckoutOptions, Timeouts};
use browser_support::*;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

struct Stack {
    partner_url: &'static str,
}

fn stack() -> Stack {
    let (Some(partner_url), Some(control), Some(user)) =
        (option_env!("AIT_PARTNER_URL"), option_env!("AIT_SANDBOX_CONTROL_URL"), option_env!("AIT_SANDBOX_USER_KEY"))
    else {
        panic!("the flow tests need a running partner + sandbox: run them through ./build.sh test");
    };
    reset_host(json!({}));
    use_sandbox(control, user.parse().expect("a numeric user key"));
    payment_sheet("approve");
    Stack { partner_url }
}

impl Stack {
    fn checkout(&self) -> Checkout<WebSdk, HttpPartner> {
        let timeouts = Timeouts { bridge_ms: 10_000, interaction_ms: 15_000, grant_ms: 10_000, partner_ms: 10_000 };
        let partner = HttpPartner::new(self.partner_url, timeouts.partner_ms).unwrap();
        Checkout::with_partner(WebSdk::new(sdk_module()).unwrap(), Some(partner), CheckoutOptions { timeouts, ..CheckoutOptions::default() })
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

#[wasm_bindgen_test]
async fn tosspay_pays_and_returns_the_receipt() {
    let s = stack();
    let c = s.logged_in().await;
    let receipt = c.pay_with_tosspay(TWO_BAGS_OF_BEANS, 24_000.0, None).await.unwrap();
    assert_eq!(receipt.amount, 24_000.0);
    assert!(!receipt.transaction_id.is_empty());
    let partner = HttpPartner::new(s.partner_url, 10_000).unwrap();
    let state = partner.payment_status(&receipt.order_no).await.unwrap();
    assert_eq!(state.status, "PAY_COMPLETE");
}

#[wasm_bindgen_test]
async fn backing_out_of_the_sheet_is_not_authenticated() {
    let s = stack();
    let c = s.logged_in().await;
    payment_sheet("cancel");
    let err = c.pay_with_tosspay(TWO_BAGS_OF_BEANS, 24_000.0, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::TosspayNotAuthenticated);
    assert_eq!(err.reason.as_deref(), Some("사용자가 결제를 취소했어요"));
}

#[wasm_bindgen_test]
async fn a_wrong_expected_amount_stops_before_the_sheet() {
    let s = stack();
    let c = s.logged_in().await;
    let err = c.pay_with_tosspay(TWO_BAGS_OF_BEANS, 12_000.0, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AmountMismatch);
    assert!(messages_of("method", "checkoutPayment").is_empty(), "the sheet never opened");
}

#[wasm_bindgen_test]
async fn a_lost_execute_reply_is_reconciled() {
    let s = stack();
    let c = s.logged_in().await;
    let rule = sandbox_request("POST", "/faults", Some(json!({"endpoint": "execute-payment", "kind": "drop", "times": 1}))).await;
    let receipt = c.pay_with_tosspay(TWO_BAGS_OF_BEANS, 24_000.0, None).await.unwrap();
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
