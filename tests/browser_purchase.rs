//! Purchases against the real SDK 2.10.x and the dev host, in headless Chromium: success, every IAP error code,
//! grants that fail, hosts that misbehave, the legacy flow, subscriptions, restore.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use ait_checkout::error::ErrorCode;
use browser_support::*;
use futures::future::{select, Either};
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_purchase_grants_then_resolves_and_cleans_up() {
    let s = setup(json!({}));
    purchase_scenario(json!({"orderId": "ord-1"}));
    let result = s.checkout.purchase("gem_100").await.unwrap();
    assert_eq!(result.order_id, "ord-1");
    assert_eq!(result.sku, "gem_100");
    assert_eq!(result.currency, "KRW");
    assert_eq!(s.grants.borrow().len(), 1);
    idle().await;
    let grant = messages_of("method", "processProductGrant");
    assert_eq!(grant[0]["args"], json!([{"orderId": "ord-1", "isProductGranted": true}]));
    let sub = messages_of("addEventListener", "requestOneTimePurchase");
    assert_eq!(sub[0]["args"], json!({"sku": "gem_100"}));
    let removed = messages_of("removeEventListener", "requestOneTimePurchase");
    assert_eq!(removed.len(), 1, "the SDK's cleanup was sent");
    assert_eq!(removed[0]["eventId"], sub[0]["eventId"]);
}

#[wasm_bindgen_test]
async fn each_iap_error_code_arrives_unchanged() {
    let s = setup(json!({}));
    let codes = [
        "INVALID_PRODUCT_ID", "PAYMENT_PENDING", "NETWORK_ERROR", "INVALID_USER_ENVIRONMENT", "ITEM_ALREADY_OWNED",
        "APP_MARKET_VERIFICATION_FAILED", "TOSS_SERVER_VERIFICATION_FAILED", "INTERNAL_ERROR", "KOREAN_ACCOUNT_ONLY",
        "USER_CANCELED", "PRODUCT_NOT_GRANTED_BY_PARTNER",
    ];
    for code in codes {
        purchase_scenario(json!({"error": code}));
        let err = s.checkout.purchase("gem_100").await.unwrap_err();
        assert_eq!(err.code.as_str(), code);
        assert!(!err.user_message().is_empty());
    }
    idle().await;
    assert_eq!(messages_of("removeEventListener", "requestOneTimePurchase").len(), codes.len());
}

#[wasm_bindgen_test]
async fn a_refused_failing_or_late_grant_tells_the_host_false() {
    for behaviour in [Grant::No, Grant::Fail, Grant::Hang] {
        let s = setup(json!({}));
        *s.behaviour.borrow_mut() = behaviour;
        purchase_scenario(json!({"orderId": "ord-2"}));
        let err = s.checkout.purchase("gem_100").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ProductNotGrantedByPartner, "{behaviour:?}");
        assert_eq!(err.order_id.as_deref(), Some("ord-2"));
        idle().await;
        let grant = messages_of("method", "processProductGrant");
        assert_eq!(grant[0]["args"], json!([{"orderId": "ord-2", "isProductGranted": false}]), "{behaviour:?}");
        assert!(!s.checkout.is_granted("ord-2"));
    }
}

#[wasm_bindgen_test]
async fn on_error_then_success_settles_once_with_the_error() {
    let s = setup(json!({}));
    purchase_scenario(json!({"errorThenSuccess": "NETWORK_ERROR"}));
    let err = s.checkout.purchase("gem_100").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NetworkError);
    idle().await;
    // The later success was ignored, not lost silently: it was reported.
    sleep(50).await;
    let names: Vec<_> = s.events.borrow().iter().map(|e| e.name).collect();
    assert_eq!(names.iter().filter(|n| **n == "purchase.failed").count(), 1);
}

#[wasm_bindgen_test]
async fn duplicate_events_grant_once_and_resolve_once() {
    let s = setup(json!({}));
    purchase_scenario(json!({"duplicatePurchased": true, "orderId": "ord-3"}));
    let r = s.checkout.purchase("gem_100").await.unwrap();
    assert_eq!(r.order_id, "ord-3");
    idle().await;
    assert_eq!(s.grants.borrow().len(), 1, "one grant for two purchased events");

    purchase_scenario(json!({"successTwice": true, "orderId": "ord-4"}));
    assert_eq!(s.checkout.purchase("gem_100").await.unwrap().order_id, "ord-4");
    idle().await;
    assert_eq!(s.grants.borrow().len(), 2);
}

#[wasm_bindgen_test]
async fn a_second_purchase_of_the_same_sku_is_already_in_progress() {
    let s = setup(json!({}));
    purchase_scenario(json!({"never": true}));
    let first = s.checkout.purchase("gem_100");
    let second = async {
        sleep(10).await;
        s.checkout.purchase("gem_100").await
    };
    let first = Box::pin(first);
    let second = Box::pin(second);
    match select(first, second).await {
        Either::Right((second, first)) => {
            assert_eq!(second.unwrap_err().code, ErrorCode::AlreadyInProgress);
            drop(first);
        }
        Either::Left(_) => panic!("the first purchase must still be running"),
    };
}

#[wasm_bindgen_test]
async fn dropping_a_purchase_sends_the_cleanup() {
    let s = setup(json!({}));
    purchase_scenario(json!({"never": true}));
    {
        let purchase = Box::pin(s.checkout.purchase("gem_100"));
        let timer = Box::pin(sleep(50));
        assert!(matches!(select(purchase, timer).await, Either::Right(_)));
    }
    idle().await;
    assert_eq!(messages_of("removeEventListener", "requestOneTimePurchase").len(), 1);
}

#[wasm_bindgen_test]
async fn a_host_that_never_answers_a_purchase_times_out() {
    let s = setup(json!({}));
    purchase_scenario(json!({"never": true}));
    let err = s.checkout.purchase("gem_100").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::BridgeTimeout);
    idle().await;
    assert_eq!(messages_of("removeEventListener", "requestOneTimePurchase").len(), 1);
}

#[wasm_bindgen_test]
async fn page_side_gates_fail_at_once_where_the_sdk_would_hang() {
    for (os, version) in [("ios", "5.218.0"), ("android", "5.218.9")] {
        let s = setup(json!({"os": os, "appVersion": version}));
        let err = s.checkout.purchase("gem_100").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
        assert!(err.message.contains("5.219.0"));
        assert!(messages().is_empty(), "nothing reached the host");
    }
    let s = setup(json!({"os": "android", "appVersion": "5.247.0"}));
    let err = s.checkout.subscribe("pro_monthly", None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert_eq!(err.min_versions.clone().unwrap().android, "5.248.0");
    // Sandbox bypass.
    let s = setup(json!({"os": "android", "appVersion": "5.100.0", "environment": "sandbox"}));
    assert!(s.checkout.purchase("gem_100").await.is_ok());
}

#[wasm_bindgen_test]
async fn the_legacy_flow_works_the_same_and_never_reports_an_ungranted_success() {
    for (os, version) in [("android", "5.231.0"), ("ios", "5.229.9")] {
        let s = setup(json!({"os": os, "appVersion": version}));
        purchase_scenario(json!({"orderId": "legacy-1"}));
        let r = s.checkout.purchase("gem_100").await.unwrap();
        assert_eq!(r.order_id, "legacy-1");
        assert_eq!(messages_of("method", "iapCreateOneTimePurchaseOrder")[0]["args"], json!([{"productId": "gem_100"}]));
        assert!(messages_of("addEventListener", "requestOneTimePurchase").is_empty());
        // The SDK reports success after a refused grant on this path; we do not.
        *s.behaviour.borrow_mut() = Grant::No;
        purchase_scenario(json!({"orderId": "legacy-2"}));
        let err = s.checkout.purchase("gem_100").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ProductNotGrantedByPartner);
        assert_eq!(err.order_id.as_deref(), Some("legacy-2"));
    }
}

#[wasm_bindgen_test]
async fn subscriptions_carry_the_offer_and_the_subscription_id() {
    let s = setup(json!({}));
    purchase_scenario(json!({"orderId": "sub-ord", "subscriptionId": "sub-1"}));
    let r = s.checkout.subscribe("pro_monthly", Some("trial-7d")).await.unwrap();
    assert_eq!(r.subscription_id.as_deref(), Some("sub-1"));
    assert_eq!(s.grants.borrow()[0].subscription_id.as_deref(), Some("sub-1"));
    let sub = messages_of("addEventListener", "requestSubscriptionPurchase");
    assert_eq!(sub[0]["args"], json!({"sku": "pro_monthly", "offerId": "trial-7d"}));
}

#[wasm_bindgen_test]
async fn restore_grants_then_completes_pending_orders() {
    let s = setup(json!({}));
    // A grant refused during the purchase leaves the order pending.
    *s.behaviour.borrow_mut() = Grant::No;
    purchase_scenario(json!({"orderId": "ord-pending-2"}));
    assert!(s.checkout.purchase("gem_100").await.is_err());
    *s.behaviour.borrow_mut() = Grant::Yes;
    let report = s.checkout.restore_pending_orders().await.unwrap();
    let restored: Vec<_> = report.restored.iter().map(|o| o.order_id.as_str()).collect();
    assert!(restored.contains(&"ord-pending-2"), "{restored:?}");
    assert!(report.failed.is_empty());
    let completed = messages_of("method", "completeProductGrant");
    assert_eq!(completed.len(), restored.len());
    // Nothing is pending any more.
    assert!(s.checkout.bridge().pending_orders().await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn restore_never_completes_an_order_whose_grant_failed() {
    let s = setup(json!({}));
    *s.behaviour.borrow_mut() = Grant::Fail;
    let report = s.checkout.restore_pending_orders().await.unwrap();
    assert!(report.restored.is_empty());
    assert!(!report.failed.is_empty());
    assert!(report.failed.iter().all(|f| f.error.code == ErrorCode::ProductNotGrantedByPartner));
    assert!(messages_of("method", "completeProductGrant").is_empty());
}
