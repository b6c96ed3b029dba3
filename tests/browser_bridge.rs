//! Every bridge call against the real SDK 2.10.x and the dev host, in headless Chromium.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use ait_checkout::error::ErrorCode;
use ait_checkout::sdk::web::WebSdk;
use ait_checkout::sdk::{OperationalEnvironment, Platform, Product, Sdk};
use browser_support::*;
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn environment_comes_from_the_hosts_constants() {
    let s = setup(json!({"os": "android", "appVersion": "5.240.1", "environment": "sandbox"}));
    let env = s.checkout.environment().unwrap();
    assert_eq!(env.platform, Platform::Android);
    assert_eq!(env.app_version, "5.240.1");
    assert_eq!(env.operational_environment, OperationalEnvironment::Sandbox);
    configure_host(json!({"os": "ios", "appVersion": "not a version"}));
    assert_eq!(s.checkout.environment().unwrap_err().code, ErrorCode::InvalidBridgeResponse);
}

#[wasm_bindgen_test]
async fn every_query_succeeds_with_typed_results() {
    let s = setup(json!({}));
    let products = s.checkout.products().await.unwrap();
    assert!(products.iter().any(|p| matches!(p, Product::Consumable(_))));
    assert!(products.iter().any(|p| matches!(p, Product::NonConsumable(_))));
    let sub = products.iter().find_map(|p| match p { Product::Subscription(s) => Some(s), _ => None }).unwrap();
    assert!(sub.offers.as_ref().map_or(false, |o| !o.is_empty()));

    let pending = s.checkout.bridge().pending_orders().await.unwrap();
    assert!(!pending.is_empty());
    s.checkout.bridge().complete_product_grant(&pending[0].order_id).await.unwrap();
    let sent = messages_of("method", "completeProductGrant");
    assert_eq!(sent[0]["args"], json!([{"params": {"orderId": pending[0].order_id}}]));

    let login = s.checkout.app_login().await.unwrap();
    assert!(!login.authorization_code.is_empty());

    s.checkout.checkout_payment("PT-1").await.unwrap();
    assert_eq!(messages_of("method", "checkoutPayment")[0]["args"], json!([{"params": {"payToken": "PT-1"}}]));
    s.checkout.bridge().request_pays_billing("WT-1").await.unwrap();

    let info = s.checkout.subscription_info("ord-sub").await.unwrap();
    assert_eq!(info.status, ait_checkout::sdk::SubscriptionStatus::Active);
    assert_eq!(info.catalog_id, 1001.0);
    assert_eq!(messages_of("method", "getSubscriptionInfo")[0]["args"], json!([{"params": {"orderId": "ord-sub"}}]));
}

#[wasm_bindgen_test]
async fn history_pages_forward_the_key() {
    let s = setup(json!({}));
    let mut key: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..10 {
        let page = s.checkout.order_history(key.as_deref()).await.unwrap();
        seen.extend(page.orders.iter().map(|o| (o.order_id.clone(), o.status)));
        if !page.has_next {
            break;
        }
        key = page.next_key.clone();
        assert!(key.is_some(), "hasNext comes with a nextKey");
    }
    assert_eq!(seen.len(), 5, "the default history has five orders in pages of two");
    let calls = messages_of("method", "getCompletedOrRefundedOrders");
    assert_eq!(calls[0]["args"], json!([{"key": null}]));
    assert!(calls[1]["args"][0]["key"].is_string());
}

#[wasm_bindgen_test]
async fn checkout_payment_not_authenticated_carries_the_reason() {
    let s = setup(json!({}));
    respond("checkoutPayment", json!({"result": {"success": false, "reason": "사용자 취소"}}));
    let err = s.checkout.checkout_payment("PT-2").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::TosspayNotAuthenticated);
    assert_eq!(err.reason.as_deref(), Some("사용자 취소"));
}

#[wasm_bindgen_test]
async fn host_side_gates_fail_at_once_on_both_platforms() {
    // getPendingOrders needs Android 5.234.0 / iOS 5.231.0.
    let s = setup(json!({"os": "android", "appVersion": "5.232.0"}));
    let err = s.checkout.bridge().pending_orders().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert!(err.message.contains("Android 5.234.0, iOS 5.231.0"), "{}", err.message);
    assert!(messages_of("method", "getPendingOrders").is_empty(), "nothing was sent");
    configure_host(json!({"os": "ios", "appVersion": "5.232.0"}));
    assert!(s.checkout.bridge().pending_orders().await.is_ok());
    configure_host(json!({"os": "ios", "appVersion": "5.230.9"}));
    assert_eq!(s.checkout.bridge().pending_orders().await.unwrap_err().code, ErrorCode::UnsupportedAppVersion);
    // The sandbox app ignores versions, like the SDK and the host.
    configure_host(json!({"os": "android", "appVersion": "5.100.0", "environment": "sandbox"}));
    assert!(s.checkout.bridge().pending_orders().await.is_ok());
    assert!(s.checkout.products().await.is_ok());
}

#[wasm_bindgen_test]
async fn a_host_that_resolves_undefined_is_unsupported_app_version() {
    let s = setup(json!({}));
    for (wire, call) in [("iapGetProductItemList", 0), ("getPendingOrders", 1), ("getCompletedOrRefundedOrders", 2), ("completeProductGrant", 3)] {
        respond(wire, json!({"undefined": true}));
        let err = match call {
            0 => s.checkout.products().await.map(|_| ()).unwrap_err(),
            1 => s.checkout.bridge().pending_orders().await.map(|_| ()).unwrap_err(),
            2 => s.checkout.order_history(None).await.map(|_| ()).unwrap_err(),
            _ => s.checkout.bridge().complete_product_grant("o").await.unwrap_err(),
        };
        assert_eq!(err.code, ErrorCode::UnsupportedAppVersion, "{wire}");
        assert!(err.min_versions.is_some());
    }
    respond("appLogin", json!({"undefined": true}));
    assert_eq!(s.checkout.app_login().await.unwrap_err().code, ErrorCode::InvalidBridgeResponse);
}

#[wasm_bindgen_test]
async fn a_host_that_never_answers_times_out() {
    let s = setup(json!({}));
    respond("iapGetProductItemList", json!({"never": true}));
    let err = s.checkout.products().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::BridgeTimeout);
    assert!(err.retryable());
}

#[wasm_bindgen_test]
async fn malformed_replies_are_invalid_bridge_response() {
    let s = setup(json!({}));
    for raw in [r#"{"products": 5}"#, r#""oops""#, "null", r#"{"products": [{"type": "GIFT", "sku": "x"}]}"#] {
        respond("iapGetProductItemList", json!({"raw": raw}));
        let err = s.checkout.products().await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidBridgeResponse, "{raw}");
    }
    respond("getCompletedOrRefundedOrders", json!({"result": {"hasNext": "yes", "orders": []}}));
    assert_eq!(s.checkout.order_history(None).await.unwrap_err().code, ErrorCode::InvalidBridgeResponse);
}

#[wasm_bindgen_test]
async fn a_rejection_keeps_its_code() {
    let s = setup(json!({}));
    respond("getPendingOrders", json!({"error": {"code": "NETWORK_ERROR", "message": "offline"}}));
    let err = s.checkout.bridge().pending_orders().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NetworkError);
    respond("getPendingOrders", json!({"rejectValue": "plain string"}));
    assert_eq!(s.checkout.bridge().pending_orders().await.unwrap_err().code, ErrorCode::SdkError);
}

#[wasm_bindgen_test]
async fn no_host_is_not_in_toss_app_at_once() {
    let s = setup(json!({}));
    uninstall_host();
    assert_eq!(s.checkout.environment().unwrap_err().code, ErrorCode::NotInTossApp);
    assert_eq!(s.checkout.products().await.unwrap_err().code, ErrorCode::NotInTossApp);
    assert_eq!(s.checkout.purchase("gem_100").await.unwrap_err().code, ErrorCode::NotInTossApp);
    assert_eq!(s.checkout.checkout_payment("PT").await.unwrap_err().code, ErrorCode::NotInTossApp);
    reset_host(json!({}));
}

#[wasm_bindgen_test]
fn inside_a_frame_is_iframe_not_allowed() {
    reset_host(json!({}));
    let framed = WebSdk::with_window(sdk_module(), frame_window()).unwrap();
    assert_eq!(framed.check_host().unwrap_err().code, ErrorCode::IframeNotAllowed);
    let top = WebSdk::with_window(sdk_module(), js_sys::global().into()).unwrap();
    assert!(top.check_host().is_ok());
}

#[wasm_bindgen_test]
fn a_wrong_sdk_module_is_invalid_argument() {
    let err = WebSdk::new(js_sys::Object::new().into()).err().unwrap();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
}
