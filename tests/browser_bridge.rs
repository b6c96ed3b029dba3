//! Every bridge call against the real SDK 2.10.x and the dev host, in headless Chromium.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use ait_checkout::error::ErrorCode;
use ait_checkout::sdk::{OperationalEnvironment, Platform, Product, Sdk};
use ait_checkout::version::GatedCall;
use ait_checkout::web::describe;
use ait_checkout::web::sdk::{rejection, WebSdk};
use browser_support::*;
use serde_json::json;
use wasm_bindgen::JsValue;
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
    assert!(sub.offers.as_ref().is_some_and(|o| !o.is_empty()));

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
    let billing = messages_of("method", "requestTossPayPaysBilling");
    assert_eq!(billing[0]["args"], json!([{"params": {"wrappedToken": "WT-1"}}]));

    let info = s.checkout.subscription_info("ord-sub").await.unwrap().expect("the dev host has a subscription set up");
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
        seen.extend(page.orders.iter().map(|o| (o.order_id.clone(), o.status.clone())));
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

#[wasm_bindgen_test]
fn a_3x_module_is_accepted_and_a_module_missing_its_payment_calls_is_not() {
    // 3.x: IAP and TossPay.authorize; the deprecated checkoutPayment is not needed.
    assert!(WebSdk::new(sdk_module_with(json!({"tossPay": true, "without": ["checkoutPayment"]}))).is_ok());
    for module in [
        sdk_module_with(json!({"without": ["checkoutPayment"]})),
        sdk_module_with(json!({"without": ["IAP"]})),
        sdk_module_with(json!({"tossPay": true, "without": ["IAP"]})),
        JsValue::from_str("@apps-in-toss/web-framework"),
        JsValue::UNDEFINED,
    ] {
        assert_eq!(WebSdk::new(module).err().unwrap().code, ErrorCode::InvalidArgument);
    }
}

/// SDK 3.x talks to the app through `window.__appsInTossNativeBridge`, without the 2.x globals: "in Toss" is decided
/// from what the host and the module can do, never from the 2.x globals alone.
#[wasm_bindgen_test]
fn in_toss_is_decided_from_what_the_host_and_the_module_can_do() {
    reset_host(json!({}));
    let sdk = WebSdk::new(sdk_module()).unwrap();
    assert!(sdk.check_host().is_ok(), "the 2.x host");
    remove_constants();
    assert_eq!(sdk.check_host().unwrap_err().code, ErrorCode::NotInTossApp, "2.x needs both globals");
    uninstall_host();
    assert_eq!(sdk.check_host().unwrap_err().code, ErrorCode::NotInTossApp);

    set_native_bridge(true);
    assert!(sdk.check_host().is_ok(), "the 3.x native bridge alone is a host");
    set_native_bridge(false);

    let says_yes = WebSdk::new(sdk_module_with(json!({"moduleIsSupported": true}))).unwrap();
    assert!(says_yes.check_host().is_ok(), "the module's isSupported() said true");
    for answer in [json!(false), json!("true"), json!(1), json!(null)] {
        let says_no = WebSdk::new(sdk_module_with(json!({"moduleIsSupported": answer}))).unwrap();
        assert_eq!(says_no.check_host().unwrap_err().code, ErrorCode::NotInTossApp, "isSupported() answered {answer}");
    }
    // A frame stays a frame whatever the module says.
    let framed = WebSdk::with_window(sdk_module_with(json!({"moduleIsSupported": true})), frame_window()).unwrap();
    assert_eq!(framed.check_host().unwrap_err().code, ErrorCode::IframeNotAllowed);
    reset_host(json!({}));
}

#[wasm_bindgen_test]
async fn tosspay_uses_authorize_when_the_module_has_it() {
    let s = setup_with_module(json!({}), sdk_module_with(json!({"tossPay": true})));
    s.checkout.checkout_payment("PT-3").await.unwrap();
    s.checkout.bridge().request_pays_billing("WT-3").await.unwrap();
    assert_eq!(
        take_toss_pay_calls(),
        vec![
            json!({"fn": "TossPay.authorize", "args": [{"payToken": "PT-3"}]}),
            json!({"fn": "TossPay.authorizeSubscription", "args": [{"wrappedToken": "WT-3"}]}),
        ]
    );
    idle().await;
    assert!(messages_of("method", "checkoutPayment").is_empty(), "the deprecated 2.x call was not made");
    assert!(messages_of("method", "requestTossPayPaysBilling").is_empty());
}

#[wasm_bindgen_test]
async fn a_calls_own_is_supported_decides_before_the_version_table() {
    // The real 2.10.8 module has no isSupported() on these functions: the built-in table decides.
    reset_host(json!({}));
    let real = WebSdk::new(sdk_module()).unwrap();
    for call in [
        GatedCall::OneTimePurchase,
        GatedCall::SubscriptionPurchase,
        GatedCall::ProductItemList,
        GatedCall::PendingOrders,
        GatedCall::CompletedOrRefundedOrders,
        GatedCall::CompleteProductGrant,
        GatedCall::SubscriptionInfo,
        GatedCall::TossPayPaysBilling,
    ] {
        assert_eq!(real.is_supported(call).unwrap(), None, "{call:?}");
    }

    // A new app whose function says no: UNSUPPORTED_APP_VERSION naming our minimums, and nothing is sent.
    let no = sdk_module_with(json!({"isSupported": {"IAP.getPendingOrders": false}}));
    let s = setup_with_module(json!({"os": "android", "appVersion": "5.260.0"}), no);
    let err = s.checkout.bridge().pending_orders().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert_eq!(err.min_versions.clone().unwrap().android, "5.234.0");
    assert!(messages_of("method", "getPendingOrders").is_empty(), "nothing was sent");

    // An app the table calls too old, whose function says yes: the call is made.
    let yes = sdk_module_with(json!({"isSupported": {"IAP.getPendingOrders": true}}));
    let s = setup_with_module(json!({"os": "android", "appVersion": "5.232.0", "hostGates": false}), yes);
    assert!(s.checkout.bridge().pending_orders().await.is_ok());

    // isSupported() throwing UNSUPPORTED_APP_VERSION is a no; an answer that is not a boolean is malformed.
    let throws = sdk_module_with(json!({"isSupported": {"IAP.getProductItemList": "throwUnsupported"}}));
    let s = setup_with_module(json!({}), throws);
    let err = s.checkout.products().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert!(err.min_versions.is_some());
    let odd = sdk_module_with(json!({"isSupported": {"IAP.getProductItemList": "yes"}}));
    let s = setup_with_module(json!({}), odd);
    assert_eq!(s.checkout.products().await.unwrap_err().code, ErrorCode::InvalidBridgeResponse);

    // A purchase asks it too, before anything reaches the host.
    let no_purchase = sdk_module_with(json!({"isSupported": {"IAP.createOneTimePurchaseOrder": false}}));
    let s = setup_with_module(json!({}), no_purchase);
    let err = s.checkout.purchase("gem_100").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    assert!(messages().is_empty(), "nothing reached the host");
}

#[wasm_bindgen_test]
async fn a_thrown_unsupported_app_version_is_ours_with_the_minimums() {
    let s = setup(json!({}));
    respond("getPendingOrders", json!({"error": {"code": "UNSUPPORTED_APP_VERSION", "message": "too old"}}));
    let err = s.checkout.bridge().pending_orders().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
    let min = err.min_versions.clone().expect("the bridge names the minimums");
    assert_eq!((min.android, min.ios), ("5.234.0", "5.231.0"));
}

#[wasm_bindgen_test]
fn thrown_values_become_messages_and_codes() {
    assert_eq!(describe(&JsValue::from_str("boom")), "boom");
    assert_eq!(describe(&js_sys::Error::new("bad thing").into()), "bad thing");
    assert_eq!(describe(&js_sys::JSON::parse(r#"{"code":1}"#).unwrap()), r#"{"code":1}"#);
    let cyclic = js_sys::Object::new();
    js_sys::Reflect::set(&cyclic, &JsValue::from_str("me"), &cyclic).unwrap();
    assert_eq!(describe(&cyclic.into()), "object");
    assert_eq!(describe(&JsValue::bigint_from_str("5")), "bigint");
    assert_eq!(describe(&JsValue::UNDEFINED), "undefined");

    let canceled = js_sys::JSON::parse(r#"{"code":"USER_CANCELED","message":"no"}"#).unwrap();
    assert_eq!(rejection(&canceled).code, ErrorCode::UserCanceled);
    let unknown = rejection(&js_sys::JSON::parse(r#"{"code":"NEW_CODE","message":"new"}"#).unwrap());
    assert_eq!((unknown.code.clone(), unknown.sdk_code.as_deref()), (ErrorCode::SdkError, Some("NEW_CODE")));
    let numeric = rejection(&js_sys::JSON::parse(r#"{"code":20,"message":"aborted"}"#).unwrap());
    assert_eq!((numeric.code.clone(), numeric.sdk_code.clone()), (ErrorCode::SdkError, None));
    let plain = rejection(&JsValue::from_str("plain string"));
    assert_eq!(plain.code, ErrorCode::SdkError);
    assert!(plain.message.contains("plain string"), "{}", plain.message);
}
