//! [`WebSdk`]: the [`Sdk`] trait over the real `@apps-in-toss/web-framework` module, 2.10 and 3.x.
//!
//! The module object is passed in (the JS `sdk` option), so the page's own copy of the SDK is used. Arguments are
//! small serde structs turned into JS values with serde-wasm-bindgen; replies are handed to the bridge as they came
//! (`undefined` as `None`) and decoded with [`crate::sdk::decode_reply`], like the purchase events here. Every JS
//! exception and rejection becomes an [`Error`] keeping the SDK's `code`. Nothing here can panic on host input.
//!
//! The two SDK lines differ where this file decides (`../shared/sdk-v3.md`):
//! * "In Toss or not": the 2.x host globals, or the 3.x `window.__appsInTossNativeBridge`, or the module's own
//!   `isSupported()`; any one of them is enough, so a real 3.x host is never called "not in Toss".
//! * TossPay: `TossPay.authorize({ payToken })` / `TossPay.authorizeSubscription({ wrappedToken })` when the module
//!   has them (3.x), else `checkoutPayment({ params: { payToken } })` / `requestTossPayPaysBilling({ params: … })`.
//! * Version gates: a call's own `isSupported()` (3.x) is asked before the built-in version table.

use std::future::Future;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Object, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::describe;
use crate::error::{Error, ErrorCode};
use crate::sdk::{
    decode_reply, Cleanup, Environment, OperationalEnvironment, Platform, PurchaseListener, PurchaseOrder,
    PurchaseSuccess, Purchased, Reply, Sdk, SdkCall,
};
use crate::version::GatedCall;

/// The real SDK module, and the window it runs in.
#[derive(Clone)]
pub struct WebSdk {
    module: JsValue,
    window: web_sys::Window,
}

/// Decodes a JS value with serde (serde-wasm-bindgen), naming the field that broke the shape: for what the host
/// sends (replies, purchase events), whose errors reach developers.
fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    decode_reply(serde_wasm_bindgen::Deserializer::from(value))
}

/// Decodes a JS value with serde, without the field path: for values read whole (a constant) or whose errors are
/// dropped (what an exception carries, an event's kind). Each type decoded through [`decode`] costs wasm size.
fn read<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// An argument for the SDK, as a plain JS object (`None` as `null`, like the SDK's own `?? null`).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::invalid_argument(format!("an SDK argument cannot be built: {e}")))
}

/// `target[key]` without throwing: primitives, missing keys and throwing getters give `undefined`. The SDK module
/// and the host's globals have no web-sys bindings; this is how their members are found.
fn member(target: &JsValue, key: &str) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// What a thrown or rejected value may carry: the SDK's `code` (an IAP code, `UNSUPPORTED_APP_VERSION`, …).
#[derive(Deserialize)]
struct Thrown {
    #[serde(default)]
    code: Option<String>,
}

/// Maps a rejection or exception of the SDK onto an [`Error`], keeping its `code` (a known code stays itself, so a
/// thrown `UNSUPPORTED_APP_VERSION` of 3.x is ours; others become `SDK_ERROR` with the raw code in `sdkCode`).
pub fn rejection(value: &JsValue) -> Error {
    // A code that is not a string (DOMException's numeric `code`) is no SDK code.
    let code = if value.is_object() { read::<Thrown>(value.clone()).ok().and_then(|t| t.code) } else { None };
    Error::from_sdk_rejection(code.as_deref(), &describe(value))
}

/// `{ params: … }`, the argument shape of the 2.x calls.
#[derive(Serialize)]
struct Params<T> {
    params: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PayToken<'a> {
    pay_token: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WrappedToken<'a> {
    wrapped_token: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderId<'a> {
    order_id: &'a str,
}

/// `getCompletedOrRefundedOrders({ key })`: `null` for the first page, as the host itself defaults it.
#[derive(Serialize)]
struct HistoryKey<'a> {
    key: Option<&'a str>,
}

/// The argument of `IAP.createOneTimePurchaseOrder` / `createSubscriptionPurchaseOrder`; the callbacks are JS
/// functions passed through untouched.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PurchaseParams<'a> {
    options: PurchaseOptions<'a>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    on_event: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    on_error: JsValue,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PurchaseOptions<'a> {
    sku: &'a str,
    /// Subscriptions only: the offer, `null` for none (the SDK sends `offerId ?? null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    offer_id: Option<Option<&'a str>>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    process_product_grant: JsValue,
}

/// The `type` of a purchase event (`success` is the only one the SDK passes on).
#[derive(Deserialize)]
struct EventKind {
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

/// A `success` event.
#[derive(Deserialize)]
struct SuccessEvent {
    data: PurchaseSuccess,
}

/// A function of the SDK module, with the object it is called on.
struct Bound {
    this: JsValue,
    function: Function,
}

impl Bound {
    fn call(&self, arg: Option<&JsValue>) -> Result<JsValue, JsValue> {
        match arg {
            Some(arg) => self.function.call1(&self.this, arg),
            None => self.function.call0(&self.this),
        }
    }
}

impl WebSdk {
    /// Binds the SDK module (`import * as sdk from '@apps-in-toss/web-framework'`) in the current window.
    pub fn new(module: JsValue) -> Result<WebSdk, Error> {
        WebSdk::with_window(module, js_sys::global().into())
    }

    /// Binds the SDK module as seen from `window` (tests pass a frame's window). Accepts a 2.x module (`IAP` and
    /// `checkoutPayment`) or a 3.x one (`IAP` and `TossPay.authorize`).
    pub fn with_window(module: JsValue, window: JsValue) -> Result<WebSdk, Error> {
        if !window.is_object() {
            return Err(Error::invalid_argument("the window to run in must be a Window object"));
        }
        let has_iap = member(&module, "IAP").is_object();
        let v2 = member(&module, "checkoutPayment").is_function();
        let v3 = member(&member(&module, "TossPay"), "authorize").is_function();
        if !has_iap || !(v2 || v3) {
            return Err(Error::invalid_argument(
                "`sdk` must be the @apps-in-toss/web-framework module, 2.10 or 3.x (import * as sdk from '@apps-in-toss/web-framework')",
            ));
        }
        // A frame's window belongs to another realm, so `instanceof Window` would fail; it is one all the same.
        Ok(WebSdk { module, window: window.unchecked_into() })
    }

    /// The function at `path` in the module (`["IAP", "getProductItemList"]`), if there is one.
    fn function(&self, path: &[&str]) -> Option<Bound> {
        let mut this = JsValue::UNDEFINED;
        let mut value = self.module.clone();
        for key in path {
            this = value;
            value = member(&this, key);
        }
        let function = value.dyn_into::<Function>().ok()?;
        Some(Bound { this, function })
    }

    fn require(&self, path: &[&str]) -> Result<Bound, Error> {
        self.function(path)
            .ok_or_else(|| Error::invalid_argument(format!("the SDK module has no function {}", path.join("."))))
    }

    /// A constant of the host (`getPlatformOS()` …), decoded.
    fn constant<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        let value = self.require(&[name])?.call(None).map_err(|e| Error::invalid_response(name, describe(&e)))?;
        read(value).map_err(|e| Error::invalid_response(name, e))
    }

    /// Whether this window is a frame inside another page.
    fn in_frame(&self) -> bool {
        match self.window.top() {
            Ok(Some(top)) => !Object::is(&top, &self.window),
            _ => false,
        }
    }

    /// Whether a Toss app can be reached: the 2.x host globals, the 3.x native bridge, or the module's
    /// `isSupported()` answering `true`.
    fn host_reachable(&self) -> bool {
        let window: &JsValue = &self.window;
        if member(window, "ReactNativeWebView").is_object() && member(window, "__CONSTANT_HANDLER_MAP").is_object() {
            return true;
        }
        if member(window, "__appsInTossNativeBridge").is_object() {
            return true;
        }
        match self.function(&["isSupported"]) {
            Some(is_supported) => is_supported.call(None).ok().and_then(|v| v.as_bool()) == Some(true),
            None => false,
        }
    }

    /// The function `call` runs (3.x's TossPay where the module has it) and its argument.
    fn target(&self, call: SdkCall<'_>) -> Result<(Bound, Option<JsValue>), Error> {
        let v3 = |path: &[&str]| self.function(path);
        let (bound, arg) = match call {
            SdkCall::CheckoutPayment { pay_token } => match v3(&["TossPay", "authorize"]) {
                Some(authorize) => (authorize, to_js(&PayToken { pay_token })?),
                None => (self.require(call.path())?, to_js(&Params { params: PayToken { pay_token } })?),
            },
            SdkCall::RequestPaysBilling { wrapped_token } => match v3(&["TossPay", "authorizeSubscription"]) {
                Some(authorize) => (authorize, to_js(&WrappedToken { wrapped_token })?),
                None => (self.require(call.path())?, to_js(&Params { params: WrappedToken { wrapped_token } })?),
            },
            SdkCall::AppLogin | SdkCall::ProductItemList | SdkCall::PendingOrders => {
                return Ok((self.require(call.path())?, None))
            }
            SdkCall::CompleteProductGrant { order_id } | SdkCall::SubscriptionInfo { order_id } => {
                (self.require(call.path())?, to_js(&Params { params: OrderId { order_id } })?)
            }
            SdkCall::CompletedOrRefundedOrders { key } => (self.require(call.path())?, to_js(&HistoryKey { key })?),
        };
        Ok((bound, Some(arg)))
    }

    /// The function whose `isSupported()` answers for `call`: the one [`WebSdk::target`] would run.
    fn gated_function(&self, call: GatedCall) -> Option<Bound> {
        let path: &[&str] = match call {
            GatedCall::OneTimePurchase => &["IAP", "createOneTimePurchaseOrder"],
            GatedCall::SubscriptionPurchase => &["IAP", "createSubscriptionPurchaseOrder"],
            GatedCall::ProductItemList => &["IAP", "getProductItemList"],
            GatedCall::PendingOrders => &["IAP", "getPendingOrders"],
            GatedCall::CompletedOrRefundedOrders => &["IAP", "getCompletedOrRefundedOrders"],
            GatedCall::CompleteProductGrant => &["IAP", "completeProductGrant"],
            GatedCall::SubscriptionInfo => &["IAP", "getSubscriptionInfo"],
            GatedCall::TossPayPaysBilling => {
                return self.function(&["TossPay", "authorizeSubscription"]).or_else(|| self.function(&["requestTossPayPaysBilling"]))
            }
        };
        self.function(path)
    }
}

impl Sdk for WebSdk {
    type Value = JsValue;

    fn decode<T: DeserializeOwned>(&self, value: JsValue) -> Result<T, String> {
        decode(value)
    }

    fn check_host(&self) -> Result<(), Error> {
        if self.in_frame() {
            return Err(Error::new(
                ErrorCode::IframeNotAllowed,
                "the mini-app runs inside a frame; Apps in Toss forbids iframes and the SDK cannot reach the host from one",
            ));
        }
        if !self.host_reachable() {
            return Err(Error::new(
                ErrorCode::NotInTossApp,
                "no Toss app host: no 2.x host (window.ReactNativeWebView and window.__CONSTANT_HANDLER_MAP), no 3.x native \
                 bridge (window.__appsInTossNativeBridge), and the SDK module's isSupported() did not say true (open the \
                 page in the Toss app, or install the dev host)",
            ));
        }
        Ok(())
    }

    fn environment(&self) -> Result<Environment, Error> {
        self.check_host()?;
        let platform: Platform = self.constant("getPlatformOS")?;
        let operational_environment: OperationalEnvironment = self.constant("getOperationalEnvironment")?;
        let app_version: String = self.constant("getTossAppVersion")?;
        crate::version::compare_versions(&app_version, "0.0.0").map_err(|e| Error::invalid_response("getTossAppVersion", e))?;
        Ok(Environment { platform, app_version, operational_environment })
    }

    fn is_supported(&self, call: GatedCall) -> Result<Option<bool>, Error> {
        let Some(function) = self.gated_function(call) else { return Ok(None) };
        let check = member(function.function.as_ref(), "isSupported");
        let Some(check) = check.dyn_ref::<Function>() else { return Ok(None) };
        let name = format!("{}.isSupported", call.sdk_name());
        match check.call0(function.function.as_ref()) {
            Ok(answer) => answer
                .as_bool()
                .map(Some)
                .ok_or_else(|| Error::invalid_response(&name, format!("{} is not a boolean", describe(&answer)))),
            Err(thrown) => match rejection(&thrown) {
                // Its own way of saying no: the bridge names the minimums.
                e if e.code == ErrorCode::UnsupportedAppVersion => Ok(Some(false)),
                e => Err(e),
            },
        }
    }

    fn call(&self, call: SdkCall<'_>) -> impl Future<Output = Reply<JsValue>> + 'static {
        let started = self
            .target(call)
            .and_then(|(bound, arg)| bound.call(arg.as_ref()).map_err(|e| rejection(&e)));
        async move {
            // A reply that is not a promise is treated as an already settled one.
            let value = JsFuture::from(Promise::resolve(&started?)).await.map_err(|e| rejection(&e))?;
            Ok(if value.is_undefined() { None } else { Some(value) })
        }
    }

    fn create_purchase_order(&self, order: &PurchaseOrder, listener: Rc<dyn PurchaseListener>) -> Result<Cleanup, Error> {
        let (create, offer_id) = match order {
            PurchaseOrder::OneTime { .. } => ("createOneTimePurchaseOrder", None),
            PurchaseOrder::Subscription { offer_id, .. } => ("createSubscriptionPurchaseOrder", Some(offer_id.as_deref())),
        };
        let create = self.require(&["IAP", create])?;

        // The grant callback: never throws, always answers a boolean (false for an argument it cannot read).
        let grant_listener = Rc::clone(&listener);
        let process_product_grant = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |arg: JsValue| {
            let grant: Option<LocalBoxFuture<'static, bool>> = decode::<Purchased>(arg).ok().map(|p| grant_listener.grant(p));
            future_to_promise(async move {
                let granted = match grant {
                    Some(grant) => grant.await,
                    None => false,
                };
                Ok(JsValue::from_bool(granted))
            })
        })
        .into_js_value();

        let event_listener = Rc::clone(&listener);
        let on_event = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            // Only `success` reaches this callback; anything else is ignored.
            let kind = read::<EventKind>(event.clone()).ok().and_then(|k| k.kind);
            if kind.as_deref() == Some("success") {
                let payload = decode::<SuccessEvent>(event)
                    .map(|e| e.data)
                    .map_err(|e| Error::invalid_response("the purchase success event", e));
                event_listener.success(payload);
            }
        })
        .into_js_value();

        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| listener.error(rejection(&error)))
            .into_js_value();

        let params = to_js(&PurchaseParams {
            options: PurchaseOptions { sku: order.sku(), offer_id, process_product_grant },
            on_event,
            on_error,
        })?;
        let returned = create.call(Some(&params)).map_err(|e| rejection(&e))?;
        Ok(match returned.dyn_into::<Function>() {
            Ok(cleanup) => Box::new(move || {
                // A cleanup that throws must not take the page down.
                let _ = cleanup.call0(&JsValue::UNDEFINED);
            }),
            Err(_) => Box::new(|| {}),
        })
    }

    fn sleep(&self, ms: u32) -> impl Future<Output = ()> + 'static {
        // setTimeout takes a signed 32-bit delay; browsers cap longer ones the same way.
        TimeoutFuture::new(ms.min(i32::MAX as u32))
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}
