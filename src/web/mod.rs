//! The binding layer: everything that only exists in a browser, and the only code of the crate built for wasm32
//! alone. The flows, the bridge and the contract above it never mention the target.
//!
//! * [`sdk`]: [`sdk::WebSdk`], the [`crate::sdk::Sdk`] trait over the real `@apps-in-toss/web-framework` module (2.10
//!   and 3.x): host and frame checks, calls, purchase callbacks, timers; replies decoded with serde-wasm-bindgen.
//! * [`partner`]: [`partner::HttpPartner`], the [`crate::partner::Partner`] trait over gloo-net: the partner
//!   contract's requests and replies (`ait_api::partner`), cookies, the `Idempotency-Key` header, deadlines that abort.
//! * [`checkout`]: the wasm-bindgen surface (`Checkout`, its methods and options) that `js/index.js` re-exports.
//! * [`error`]: [`crate::Error`] as the JS `CheckoutError`.
//!
//! [`describe`] turns any thrown JS value into a message for developers; the other files use it for exceptions and
//! rejections.

pub mod checkout;
pub mod error;
pub mod partner;
pub mod sdk;

use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;

/// The message of a thrown or rejected JS value, for developers (error messages and logs): a string as it is, an
/// error's `message`, else its JSON, else its `typeof`. Never throws: JS exceptions often are not `Error`s (the SDK
/// rejects with plain values, a host may throw a string), and the message must still say something.
pub fn describe(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    if value.is_object() || value.is_function() {
        // A getter may throw; a missing or non-string message falls through to the JSON.
        if let Some(message) = Reflect::get(value, &JsValue::from_str("message")).ok().and_then(|m| m.as_string()) {
            return message;
        }
    }
    // JSON.stringify throws on cycles and BigInts, and answers `undefined` for functions and `undefined`.
    if let Some(json) = JSON::stringify(value).ok().and_then(|json| json.as_string()) {
        return json;
    }
    value.js_typeof().as_string().unwrap_or_default()
}

/// The package's allocator: lol_alloc's free list instead of std's dlmalloc, 2 KB less gzipped wasm. Kept only
/// because the soak test (`tests/js/soak.test.mjs`: 10,000 calls and 1,000 purchases) shows the wasm memory flat
/// with it; without that evidence std's allocator would stay.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: this wasm is built without the atomics feature, so it runs on one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
