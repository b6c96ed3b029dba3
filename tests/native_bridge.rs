//! The bridge over a scripted fake SDK: each call is checked, gated, bounded and parsed in one place, whatever the
//! reply type (the browser tests run the same paths against the real SDK).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use ait_checkout::error::{Error, ErrorCode};
use ait_checkout::sdk::{OperationalEnvironment, Platform, Product};
use ait_checkout::version::GatedCall;
use ait_checkout::{Checkout, CheckoutOptions, Timeouts};
use serde_json::json;
use support::fake_sdk::{FakeReply, FakeSdk};

fn checkout() -> (FakeSdk, Checkout<FakeSdk>) {
    let sdk = FakeSdk::new();
    let checkout = Checkout::new(sdk.clone(), CheckoutOptions::default()).unwrap();
    (sdk, checkout)
}

fn product(sku: &str) -> serde_json::Value {
    json!({"type": "CONSUMABLE", "sku": sku, "displayAmount": "₩1,200", "displayName": "보석 10개",
        "iconUrl": "https://example.com/gem.png", "description": "보석"})
}

#[tokio::test(start_paused = true)]
async fn a_reply_is_parsed_into_its_type() {
    let (sdk, checkout) = checkout();
    sdk.reply("iapGetProductItemList", FakeReply::Value(json!({"products": [product("gem10"), product("gem50")]})));
    let products = checkout.products().await.unwrap();
    let skus: Vec<_> = products.iter().map(|p| match p {
        Product::Consumable(p) | Product::NonConsumable(p) => p.sku.as_str(),
        Product::Subscription(p) => p.sku.as_str(),
    }).collect();
    assert_eq!(skus, ["gem10", "gem50"]);
}

#[tokio::test(start_paused = true)]
async fn a_malformed_reply_names_the_call_and_what_was_wrong() {
    let (sdk, checkout) = checkout();
    let mut broken = product("gem10");
    broken["sku"] = json!(10);
    sdk.reply("iapGetProductItemList", FakeReply::Value(json!({"products": [product("ok"), broken]})));
    let err = checkout.products().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidBridgeResponse);
    assert!(err.message.contains("IAP.getProductItemList"), "{}", err.message);
    assert!(err.message.contains("invalid type: integer `10`, expected a string"), "{}", err.message);
}

#[tokio::test(start_paused = true)]
async fn below_the_minimum_the_sdk_is_never_called() {
    let (sdk, checkout) = checkout();
    sdk.set_version(Platform::Android, "5.230.0", OperationalEnvironment::Toss);
    sdk.reply("getPendingOrders", FakeReply::Value(json!({"orders": []})));
    let err = checkout.bridge().pending_orders().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert!(err.message.contains("Android 5.234.0, iOS 5.231.0"), "{}", err.message);
    assert!(sdk.calls().is_empty(), "{:?}", sdk.calls());
}

#[tokio::test(start_paused = true)]
async fn undefined_is_an_old_host_for_gated_calls_and_malformed_otherwise() {
    let (sdk, checkout) = checkout();
    sdk.reply("getSubscriptionInfo", FakeReply::Undefined);
    let err = checkout.subscription_info("o1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert_eq!(err.min_versions.clone().unwrap().android, "5.253.0");
    sdk.reply("appLogin", FakeReply::Undefined);
    let err = checkout.app_login().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidBridgeResponse);
    assert!(err.message.contains("appLogin"), "{}", err.message);
}

#[tokio::test(start_paused = true)]
async fn the_paging_key_is_forwarded_and_a_silent_host_times_out() {
    let (sdk, checkout) = checkout();
    sdk.reply("getCompletedOrRefundedOrders", FakeReply::Value(json!({"orders": [], "hasNext": false})));
    let page = checkout.order_history(Some("k2")).await.unwrap();
    assert!(!page.has_next);
    assert!(sdk.calls().contains(&"key=Some(\"k2\")".to_string()), "{:?}", sdk.calls());

    let options = CheckoutOptions { timeouts: Timeouts { bridge_ms: 50, ..Timeouts::default() }, ..CheckoutOptions::default() };
    let checkout = Checkout::new(sdk.clone(), options).unwrap();
    sdk.reply("getCompletedOrRefundedOrders", FakeReply::Never);
    let err = checkout.order_history(None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::BridgeTimeout);
    assert!(err.message.contains("within 50 ms"), "{}", err.message);
}

#[tokio::test(start_paused = true)]
async fn without_a_host_nothing_reaches_the_sdk() {
    let (sdk, checkout) = checkout();
    sdk.state.borrow_mut().host = Some(Error::new(ErrorCode::NotInTossApp, "no host"));
    sdk.reply("appLogin", FakeReply::Value(json!({"authorizationCode": "c", "referrer": "DEFAULT"})));
    assert_eq!(checkout.app_login().await.unwrap_err().code, ErrorCode::NotInTossApp);
    assert_eq!(checkout.checkout_payment("PT-1").await.unwrap_err().code, ErrorCode::NotInTossApp);
    assert!(sdk.calls().is_empty(), "{:?}", sdk.calls());
}

#[tokio::test(start_paused = true)]
async fn a_calls_own_is_supported_decides_before_the_version_table() {
    // SDK 3.x: `IAP.getPendingOrders.isSupported()` says no although the table would let this app through.
    let (sdk, checkout) = checkout();
    sdk.reply("getPendingOrders", FakeReply::Value(json!({"orders": [], "orderIds": []})));
    sdk.state.borrow_mut().supported.insert(GatedCall::PendingOrders, false);
    let err = checkout.bridge().pending_orders().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert_eq!(err.min_versions.clone().unwrap().android, "5.234.0");
    assert!(sdk.calls().is_empty(), "the SDK was called: {:?}", sdk.calls());

    // And says yes although the table would refuse this app.
    sdk.set_version(Platform::Android, "5.230.0", OperationalEnvironment::Toss);
    sdk.state.borrow_mut().supported.insert(GatedCall::PendingOrders, true);
    assert_eq!(checkout.bridge().pending_orders().await.unwrap(), vec![]);
}

#[tokio::test(start_paused = true)]
async fn a_thrown_unsupported_app_version_names_our_minimums() {
    // SDK 3.x throws where 2.x resolved `undefined`.
    let (sdk, checkout) = checkout();
    let thrown = Error::from_sdk_rejection(Some("UNSUPPORTED_APP_VERSION"), "this app is too old");
    sdk.reply("getSubscriptionInfo", FakeReply::Reject(thrown));
    let err = checkout.subscription_info("o1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert_eq!(err.min_versions.clone().unwrap().ios, "5.250.0");
    assert!(err.message.contains("IAP.getSubscriptionInfo needs Toss app Android 5.253.0, iOS 5.250.0"), "{}", err.message);
}

#[tokio::test(start_paused = true)]
async fn real_device_shapes_decode() {
    // Extra keys, absent optional keys, and `{}` for a subscription that is not set up (sdk-v3.md).
    let (sdk, checkout) = checkout();
    sdk.reply("getPendingOrders", FakeReply::Value(json!({"orders": [{"orderId": "o1", "sku": "gem10"}], "orderIds": ["o1"]})));
    let pending = checkout.bridge().pending_orders().await.unwrap();
    assert_eq!((pending[0].order_id.as_str(), pending[0].payment_completed_date.as_deref()), ("o1", None));
    sdk.reply("getSubscriptionInfo", FakeReply::Value(json!({})));
    assert_eq!(checkout.subscription_info("o1").await.unwrap(), None);
}
