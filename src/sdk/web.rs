//! The [`Sdk`] trait over the real `@apps-in-toss/web-framework` module, in the browser.
//!
//! The module object is passed in (the JS `sdk` option), so the page's own copy of the SDK is used. Every JS
//! exception and rejection becomes an [`Error`]; replies are handed to the bridge as they came (`undefined` as
//! `None`), which parses them; the purchase events are parsed here. Nothing here can panic on host input.

use alloc::rc::Rc;
use alloc::{boxed::Box, string::String};
use core::future::Future;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::parse as reply;
use super::*;
use crate::error::{Error, ErrorCode};
use crate::version::MinVersions;

/// The real SDK module, and the window it runs in.
#[derive(Clone)]
pub struct WebSdk {
    module: JsValue,
    window: JsValue,
}

/// Reads `target[key]` without throwing (primitives and missing keys give `undefined`).
pub(crate) fn get(target: &JsValue, key: &str) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    /// The message of a thrown value, for developers: a string, an error's `message`, else its JSON (written in JS:
    /// Rust's `Debug` of a `JsValue` pulls a large formatter into the JS glue).
    #[wasm_bindgen(js_name = describe)]
    pub(crate) fn describe(value: &JsValue) -> String;
}

/// Maps a rejection or exception of the SDK onto an [`Error`], keeping its `code`.
pub(crate) fn rejection(value: &JsValue) -> Error {
    let code = get(value, "code").as_string();
    Error::from_sdk_rejection(code.as_deref(), &describe(value))
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

impl WebSdk {
    /// Binds the SDK module (`import * as sdk from '@apps-in-toss/web-framework'`) in the current window.
    pub fn new(module: JsValue) -> Result<WebSdk, Error> {
        WebSdk::with_window(module, js_sys::global().into())
    }

    /// Binds the SDK module as seen from `window` (tests use a frame's window).
    pub fn with_window(module: JsValue, window: JsValue) -> Result<WebSdk, Error> {
        if !module.is_object() || !get(&module, "IAP").is_object() || !get(&module, "checkoutPayment").is_function() {
            return Err(Error::invalid_argument(
                "`sdk` must be the @apps-in-toss/web-framework module (import * as sdk from '@apps-in-toss/web-framework')",
            ));
        }
        Ok(WebSdk { module, window })
    }

    fn function(&self, path: &[&str]) -> Result<(JsValue, Function), Error> {
        let mut this = self.module.clone();
        let mut value = self.module.clone();
        for key in path {
            this = value;
            value = get(&this, key);
        }
        match value.dyn_into::<Function>() {
            Ok(f) => Ok((this, f)),
            Err(_) => {
                // Built by hand: `[&str]::join` costs ~1 KB of wasm.
                let mut name = String::new();
                for (i, key) in path.iter().enumerate() {
                    if i > 0 {
                        name.push('.');
                    }
                    name.push_str(key);
                }
                Err(Error::invalid_argument(msg!("the SDK module has no function ", name)))
            }
        }
    }

    fn constant(&self, name: &str) -> Result<String, Error> {
        let (this, f) = self.function(&[name])?;
        let value = f.call0(&this).map_err(|e| Error::invalid_response(name, describe(&e)))?;
        value.as_string().ok_or_else(|| Error::invalid_response(name, msg!(describe(&value), " is not a string")))
    }

    /// Calls an async SDK function and waits for its promise (no deadline here; the bridge adds it).
    fn invoke(&self, path: &'static [&'static str], arg: Option<JsValue>) -> impl Future<Output = Result<JsValue, Error>> + 'static {
        let started = self.function(path).and_then(|(this, f)| {
            match &arg {
                Some(arg) => f.call1(&this, arg),
                None => f.call0(&this),
            }
            .map_err(|e| rejection(&e))
        });
        async move {
            let returned = started?;
            // A non-promise reply is treated as an already-settled promise.
            let promise = Promise::resolve(&returned);
            JsFuture::from(promise).await.map_err(|e| rejection(&e))
        }
    }

    /// `{ params: { [key]: value } }`, the argument shape of most SDK calls.
    fn params(key: &str, value: &str) -> JsValue {
        let inner = Object::new();
        set(&inner, key, &JsValue::from_str(value));
        let outer = Object::new();
        set(&outer, "params", &inner);
        outer.into()
    }
}

impl Sdk for WebSdk {
    type Value = JsValue;

    fn check_host(&self) -> Result<(), Error> {
        let top = get(&self.window, "top");
        if !top.is_undefined() && !Object::is(&top, &self.window) {
            return Err(Error::new(
                ErrorCode::IframeNotAllowed,
                "the mini-app runs inside a frame; Apps in Toss forbids iframes and the SDK cannot reach the host from one",
            ));
        }
        let bridge = get(&self.window, "ReactNativeWebView");
        let constants = get(&self.window, "__CONSTANT_HANDLER_MAP");
        if !bridge.is_object() || !constants.is_object() {
            return Err(Error::new(
                ErrorCode::NotInTossApp,
                "no Toss app host: window.ReactNativeWebView or window.__CONSTANT_HANDLER_MAP is missing (open the page in the Toss app, or install the dev host)",
            ));
        }
        Ok(())
    }

    fn environment(&self) -> Result<Environment, Error> {
        self.check_host()?;
        let platform = match self.constant("getPlatformOS")?.as_str() {
            "ios" => Platform::Ios,
            "android" => Platform::Android,
            other => return Err(Error::invalid_response("getPlatformOS", msg!("unknown platform \"", other, "\""))),
        };
        let operational_environment = match self.constant("getOperationalEnvironment")?.as_str() {
            "toss" => OperationalEnvironment::Toss,
            "sandbox" => OperationalEnvironment::Sandbox,
            other => return Err(Error::invalid_response("getOperationalEnvironment", msg!("unknown environment \"", other, "\""))),
        };
        let app_version = self.constant("getTossAppVersion")?;
        crate::version::compare_versions(&app_version, "0.0.0").map_err(|e| Error::invalid_response("getTossAppVersion", e))?;
        Ok(Environment { platform, app_version, operational_environment })
    }

    fn is_min_version_supported(&self, min: &MinVersions) -> Result<bool, Error> {
        let (this, f) = self.function(&["isMinVersionSupported"])?;
        let arg = Object::new();
        set(&arg, "android", &JsValue::from_str(min.android));
        set(&arg, "ios", &JsValue::from_str(min.ios));
        let value = f.call1(&this, &arg).map_err(|e| Error::invalid_response("isMinVersionSupported", describe(&e)))?;
        value.as_bool().ok_or_else(|| Error::invalid_response("isMinVersionSupported", "not a boolean"))
    }

    fn call(&self, call: SdkCall<'_>) -> impl Future<Output = Reply<JsValue>> + 'static {
        let arg = match call {
            SdkCall::AppLogin | SdkCall::ProductItemList | SdkCall::PendingOrders => None,
            SdkCall::CheckoutPayment { pay_token } => Some(WebSdk::params("payToken", pay_token)),
            SdkCall::RequestPaysBilling { wrapped_token } => Some(WebSdk::params("wrappedToken", wrapped_token)),
            SdkCall::CompleteProductGrant { order_id } | SdkCall::SubscriptionInfo { order_id } => {
                Some(WebSdk::params("orderId", order_id))
            }
            SdkCall::CompletedOrRefundedOrders { key } => {
                let arg = Object::new();
                set(&arg, "key", &key.map(JsValue::from_str).unwrap_or(JsValue::NULL));
                Some(arg.into())
            }
        };
        let reply = self.invoke(call.path(), arg);
        async move {
            let value = reply.await?;
            Ok(if value.is_undefined() { None } else { Some(value) })
        }
    }

    fn create_purchase_order(&self, order: &PurchaseOrder, listener: Rc<dyn PurchaseListener>) -> Result<Cleanup, Error> {
        let call = match order {
            PurchaseOrder::OneTime { .. } => "createOneTimePurchaseOrder",
            PurchaseOrder::Subscription { .. } => "createSubscriptionPurchaseOrder",
        };
        let (this, f) = self.function(&["IAP", call])?;

        // The grant callback: never throws, always answers a boolean.
        let grant_listener = Rc::clone(&listener);
        let grant = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |arg: JsValue| {
            let grant = match reply::purchased(arg) {
                Ok(purchased) => Some(grant_listener.grant(purchased)),
                Err(_) => None,
            };
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
            // Only `success` reaches this callback; other event kinds are ignored.
            if get(&event, "type").as_string().as_deref() == Some("success") {
                let payload = reply::purchase_success(get(&event, "data"))
                    .map_err(|e| Error::invalid_response("purchase success", e));
                event_listener.success(payload);
            }
        })
        .into_js_value();

        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
            listener.error(rejection(&error));
        })
        .into_js_value();

        let options = Object::new();
        set(&options, "sku", &JsValue::from_str(order.sku()));
        if let PurchaseOrder::Subscription { offer_id, .. } = order {
            set(&options, "offerId", &offer_id.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL));
        }
        set(&options, "processProductGrant", &grant);
        let params = Object::new();
        set(&params, "options", &options);
        set(&params, "onEvent", &on_event);
        set(&params, "onError", &on_error);

        let returned = f.call1(&this, &params).map_err(|e| rejection(&e))?;
        Ok(match returned.dyn_into::<Function>() {
            Ok(cleanup) => Box::new(move || {
                // A cleanup that throws must not take the page down.
                let _ = cleanup.call0(&JsValue::UNDEFINED);
            }),
            Err(_) => Box::new(|| {}),
        })
    }

    fn sleep(&self, ms: u32) -> impl Future<Output = ()> + 'static {
        let promise = Promise::new(&mut |resolve, _reject| {
            let set_timeout = get(&js_sys::global(), "setTimeout");
            if let Some(set_timeout) = set_timeout.dyn_ref::<Function>() {
                let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms));
            }
        });
        async move {
            let _ = JsFuture::from(promise).await;
        }
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}
