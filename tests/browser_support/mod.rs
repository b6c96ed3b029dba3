//! Bindings to the browser test harness (the real SDK + the dev host, bundled at test time) and helpers.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use ait_checkout::error::Error;
use ait_checkout::web::sdk::WebSdk;
use ait_checkout::{Checkout, CheckoutOptions, Event, GrantRequest, Timeouts};
use futures::FutureExt;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/tests/browser/generated/harness.js")]
extern "C" {
    #[wasm_bindgen(js_name = sdkModule)]
    pub fn sdk_module() -> JsValue;
    #[wasm_bindgen(js_name = resetHost)]
    fn reset_host_raw(config: &str);
    #[wasm_bindgen(js_name = configureHost)]
    fn configure_host_raw(config: &str);
    #[wasm_bindgen(js_name = respond)]
    fn respond_raw(function_name: &str, outcome: &str);
    #[wasm_bindgen(js_name = respondOnce)]
    fn respond_once_raw(function_name: &str, outcome: &str);
    #[wasm_bindgen(js_name = purchaseScenario)]
    fn purchase_scenario_raw(scenario: &str);
    #[wasm_bindgen(js_name = uninstallHost)]
    pub fn uninstall_host();
    #[wasm_bindgen(js_name = messagesJson)]
    fn messages_json() -> String;
    #[wasm_bindgen(js_name = idle)]
    fn idle_raw() -> js_sys::Promise;
    #[wasm_bindgen(js_name = frameWindow)]
    pub fn frame_window() -> JsValue;
    #[wasm_bindgen(js_name = sleep)]
    fn sleep_raw(ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = sdkModuleWith)]
    fn sdk_module_with_raw(options: &str) -> JsValue;
    #[wasm_bindgen(js_name = takeTossPayCalls)]
    fn take_toss_pay_calls_raw() -> String;
    /// Installs (or removes) the 3.x transport global `window.__appsInTossNativeBridge`.
    #[wasm_bindgen(js_name = setNativeBridge)]
    pub fn set_native_bridge(present: bool);
    /// Removes `window.__CONSTANT_HANDLER_MAP`, leaving `window.ReactNativeWebView` alone.
    #[wasm_bindgen(js_name = removeConstants)]
    pub fn remove_constants();
}

/// The real SDK module extended the way 3.x extends it (see `sdkModuleWith` in tests/browser/harness.js).
pub fn sdk_module_with(options: Value) -> JsValue {
    sdk_module_with_raw(&options.to_string())
}

/// The `TossPay.authorize` / `authorizeSubscription` calls of a module from [`sdk_module_with`] since the last read.
pub fn take_toss_pay_calls() -> Vec<Value> {
    serde_json::from_str(&take_toss_pay_calls_raw()).unwrap()
}

pub fn reset_host(config: Value) {
    reset_host_raw(&config.to_string());
}

pub fn configure_host(config: Value) {
    configure_host_raw(&config.to_string());
}

pub fn respond(function_name: &str, outcome: Value) {
    respond_raw(function_name, &outcome.to_string());
}

pub fn respond_once(function_name: &str, outcome: Value) {
    respond_once_raw(function_name, &outcome.to_string());
}

pub fn purchase_scenario(scenario: Value) {
    purchase_scenario_raw(&scenario.to_string());
}

/// Every message the page posted to the host, parsed.
pub fn messages() -> Vec<Value> {
    serde_json::from_str(&messages_json()).unwrap()
}

/// Messages of one `type` and wire `functionName`.
pub fn messages_of(kind: &str, function_name: &str) -> Vec<Value> {
    messages().into_iter().filter(|m| m["type"] == kind && m["functionName"] == function_name).collect()
}

/// Waits until the host has nothing left to do.
pub async fn idle() {
    let _ = JsFuture::from(idle_raw()).await;
}

pub async fn sleep(ms: u32) {
    let _ = JsFuture::from(sleep_raw(ms)).await;
}

/// How the test's grant function behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Grant {
    Yes,
    No,
    Fail,
    Hang,
}

/// A checkout over the real SDK, with a recording grant function and short deadlines.
pub struct Setup {
    pub checkout: Checkout<WebSdk>,
    pub grants: Rc<RefCell<Vec<GrantRequest>>>,
    pub behaviour: Rc<RefCell<Grant>>,
    pub events: Rc<RefCell<Vec<Event>>>,
}

pub fn short_timeouts() -> Timeouts {
    Timeouts { bridge_ms: 5_000, interaction_ms: 5_000, grant_ms: 500, partner_ms: 5_000 }
}

pub fn setup(host_config: Value) -> Setup {
    setup_with_module(host_config, sdk_module())
}

/// [`setup`] over another SDK module (the real one extended, see [`sdk_module_with`]).
pub fn setup_with_module(host_config: Value, module: JsValue) -> Setup {
    reset_host(host_config);
    let grants = Rc::new(RefCell::new(Vec::new()));
    let behaviour = Rc::new(RefCell::new(Grant::Yes));
    let events = Rc::new(RefCell::new(Vec::new()));
    let (g, b, e) = (grants.clone(), behaviour.clone(), events.clone());
    let options = CheckoutOptions {
        grant: Some(Rc::new(move |req: GrantRequest| {
            g.borrow_mut().push(req);
            let behaviour = *b.borrow();
            async move {
                match behaviour {
                    Grant::Yes => Ok(true),
                    Grant::No => Ok(false),
                    Grant::Fail => Err(Error::invalid_argument("db down")),
                    Grant::Hang => std::future::pending().await,
                }
            }
            .boxed_local()
        })),
        on_event: Some(Rc::new(move |ev: &Event| e.borrow_mut().push(ev.clone()))),
        on_entitlements: None,
        timeouts: short_timeouts(),
    };
    let sdk = WebSdk::new(module).unwrap();
    Setup { checkout: Checkout::new(sdk, options).unwrap(), grants, behaviour, events }
}

#[wasm_bindgen(module = "/tests/browser/generated/harness.js")]
extern "C" {
    #[wasm_bindgen(js_name = useSandbox)]
    pub fn use_sandbox(control_url: &str, user_key: u32);
    #[wasm_bindgen(js_name = paymentSheet)]
    pub fn payment_sheet(mode: &str);
    #[wasm_bindgen(js_name = refundOrder)]
    fn refund_order_raw(order_id: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = sandboxRequest)]
    fn sandbox_request_raw(method: &str, path: &str, body: Option<String>) -> js_sys::Promise;
    #[wasm_bindgen(js_name = partnerGet)]
    fn partner_get_raw(url: &str) -> js_sys::Promise;
}

pub async fn refund_order(order_id: &str) {
    JsFuture::from(refund_order_raw(order_id)).await.expect("the sandbox refunds the order");
}

/// A sandbox control-API call; the JSON reply.
pub async fn sandbox_request(method: &str, path: &str, body: Option<Value>) -> Value {
    let text = JsFuture::from(sandbox_request_raw(method, path, body.map(|b| b.to_string()))).await.expect("sandbox control call");
    serde_json::from_str(&text.as_string().unwrap_or_default()).unwrap_or(Value::Null)
}

/// GET on the partner with the session cookie: (status, body).
pub async fn partner_get(url: &str) -> (u16, Value) {
    let text = JsFuture::from(partner_get_raw(url)).await.expect("partner GET");
    let v: Value = serde_json::from_str(&text.as_string().unwrap_or_default()).unwrap_or(Value::Null);
    (v["status"].as_u64().unwrap_or(0) as u16, v["body"].clone())
}
