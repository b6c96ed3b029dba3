//! [`Error`] as JavaScript sees it: an instance of `CheckoutError`, the package's `Error` subclass.
//!
//! The class itself lives in `js/runtime.js` (wasm-bindgen cannot declare a subclass of `Error`); this file builds its
//! instances from the one Rust error type, so every rejection and throw of the JS surface carries the same fields:
//! `code`, `message`, `userMessage`, `retryable`, and `reason`, `sdkCode`, `orderId`, `minVersions` when known.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    /// `CheckoutError` of `js/runtime.js`.
    type CheckoutError;

    /// `new CheckoutError(code, message, userMessage, retryable, details)`.
    #[wasm_bindgen(constructor)]
    fn new(code: &str, message: &str, user_message: &str, retryable: bool, details: &JsValue) -> CheckoutError;
}

/// The optional fields of a `CheckoutError`; absent ones are left out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Details<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sdk_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_versions: Option<MinVersions<'a>>,
}

/// `minVersions` of an `UNSUPPORTED_APP_VERSION`: the minimum app versions, per platform.
#[derive(Serialize)]
struct MinVersions<'a> {
    android: &'a str,
    ios: &'a str,
}

/// A `CheckoutError` instance for `error`, to throw or to reject with.
pub fn to_js_error(error: &Error) -> JsValue {
    let details = Details {
        reason: error.reason.as_deref(),
        sdk_code: error.sdk_code.as_deref(),
        order_id: error.order_id.as_deref(),
        min_versions: error.min_versions.as_ref().map(|m| MinVersions { android: m.android, ios: m.ios }),
    };
    // Only strings: serialising cannot fail; should it ever, the error keeps its code and messages.
    let details = super::checkout::to_js(&details).unwrap_or(JsValue::UNDEFINED);
    CheckoutError::new(error.code.as_str(), &error.message, error.user_message(), error.retryable(), &details).into()
}
