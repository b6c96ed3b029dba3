//! The Apps-in-Toss SDK, as a trait: the calls the page can make to the Toss app ([`SdkCall`]) and the typed replies
//! they answer.
//!
//! [`Sdk`] is one of the two seams of the crate (the other is the partner server): the browser implementation
//! (`web::WebSdk`, wasm only) calls the real `@apps-in-toss/web-framework` module; native tests implement it with
//! fakes that answer JSON. An `Sdk` only performs calls: it hands back the host's reply as it came (`Ok(None)` where
//! the host answered `undefined`), and leaves decoding, deadlines, version gates and purchase bookkeeping to
//! [`crate::bridge::Bridge`] and the flows, so those are tested once for both.

mod env;
mod iap;
mod login;
mod tosspay;

use std::future::Future;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use serde::de::{Deserialize, DeserializeOwned, Deserializer};

pub use ait_api::partner::{HistoryOrder, HistoryOrderStatus};
pub use env::{Environment, OperationalEnvironment, Platform};
pub use iap::{
    Offer, OneTimeProduct, OrderHistoryPage, PendingOrder, PendingOrders, Product, ProductList, PurchaseResult,
    PurchaseSuccess, Purchased, RenewalCycle, SubscriptionInfo, SubscriptionInfoResponse, SubscriptionProduct,
    SubscriptionStatus,
};
pub use login::{AppLoginResult, Referrer};
pub use tosspay::AuthenticationResult;

use crate::error::Error;
use crate::version::GatedCall;

/// Decodes a host reply with serde through any deserializer (serde-wasm-bindgen's in the browser, serde_json's in
/// native tests). The reply types ignore unknown keys and accept absent optional ones, as real devices send both.
///
/// The message is serde's (`invalid type: integer `10`, expected a string`); the bridge adds the call's name. It
/// does not name the field: serde_path_to_error did, for 18 KB of gzipped wasm, which the size budget cannot carry
/// (docs/SIZE.md).
pub fn decode_reply<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<T, String>
where
    D::Error: std::fmt::Display,
{
    T::deserialize(deserializer).map_err(|e| e.to_string())
}

/// A host reply: `Ok(None)` when the host resolved `undefined` (what it does below a host-side minimum version).
pub type Reply<T> = Result<Option<T>, Error>;

/// Unregisters a purchase's listeners (the SDK's cleanup function). Called at most once.
pub type Cleanup = Box<dyn FnOnce()>;

/// What to buy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurchaseOrder {
    /// `IAP.createOneTimePurchaseOrder({ options: { sku } })`.
    OneTime {
        /// The product.
        sku: String,
    },
    /// `IAP.createSubscriptionPurchaseOrder({ options: { sku, offerId } })`.
    Subscription {
        /// The product.
        sku: String,
        /// The offer, when any.
        offer_id: Option<String>,
    },
}

impl PurchaseOrder {
    /// The SKU being bought.
    pub fn sku(&self) -> &str {
        match self {
            PurchaseOrder::OneTime { sku } | PurchaseOrder::Subscription { sku, .. } => sku,
        }
    }
}

/// Receives what the SDK reports during one purchase. The implementation in [`crate::flow::purchase`] makes the
/// purchase settle exactly once whatever the host sends.
pub trait PurchaseListener {
    /// The store charged `purchased.order_id`; grant it. Resolves `true` only when the product was granted. Never
    /// fails and never takes longer than the grant deadline.
    fn grant(&self, purchased: Purchased) -> LocalBoxFuture<'static, bool>;
    /// The host reported success (`Err` if its payload was malformed).
    fn success(&self, payload: Result<PurchaseSuccess, Error>);
    /// The host reported an error.
    fn error(&self, error: Error);
}

/// One asynchronous call of `@apps-in-toss/web-framework` that matters for payments, with its arguments.
///
/// An [`Sdk`] performs the call and hands back the host's reply as it came; [`crate::bridge::Bridge`] decodes it
/// into the call's reply type with [`Sdk::decode`]. So the reply types and their serde shapes are shared by every
/// implementation: a fake in native tests reads the same JSON shapes as the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdkCall<'a> {
    /// `appLogin()` → [`AppLoginResult`].
    AppLogin,
    /// `TossPay.authorize({ payToken })` (3.x), else `checkoutPayment({ params: { payToken } })` (2.x) →
    /// [`AuthenticationResult`].
    CheckoutPayment {
        /// The payment to authenticate.
        pay_token: &'a str,
    },
    /// `TossPay.authorizeSubscription({ wrappedToken })` (3.x), else
    /// `requestTossPayPaysBilling({ params: { wrappedToken } })` (2.x) → [`AuthenticationResult`].
    RequestPaysBilling {
        /// The billing registration to authenticate.
        wrapped_token: &'a str,
    },
    /// `IAP.getProductItemList()` → [`ProductList`].
    ProductItemList,
    /// `IAP.getPendingOrders()` → [`PendingOrders`].
    PendingOrders,
    /// `IAP.completeProductGrant({ params: { orderId } })` → `bool`.
    CompleteProductGrant {
        /// The granted order.
        order_id: &'a str,
    },
    /// `IAP.getCompletedOrRefundedOrders({ key })` → [`OrderHistoryPage`] (the paging key is forwarded although the
    /// SDK's types omit it).
    CompletedOrRefundedOrders {
        /// The previous page's `nextKey`; `None` for the first page.
        key: Option<&'a str>,
    },
    /// `IAP.getSubscriptionInfo({ params: { orderId } })` → [`SubscriptionInfoResponse`].
    SubscriptionInfo {
        /// The subscription's order.
        order_id: &'a str,
    },
}

impl SdkCall<'_> {
    /// The function's path in a 2.x SDK module (`["IAP", "getProductItemList"]`); 3.x keeps these paths (TossPay's
    /// old names stay, deprecated).
    pub fn path(&self) -> &'static [&'static str] {
        match self {
            SdkCall::AppLogin => &["appLogin"],
            SdkCall::CheckoutPayment { .. } => &["checkoutPayment"],
            SdkCall::RequestPaysBilling { .. } => &["requestTossPayPaysBilling"],
            SdkCall::ProductItemList => &["IAP", "getProductItemList"],
            SdkCall::PendingOrders => &["IAP", "getPendingOrders"],
            SdkCall::CompleteProductGrant { .. } => &["IAP", "completeProductGrant"],
            SdkCall::CompletedOrRefundedOrders { .. } => &["IAP", "getCompletedOrRefundedOrders"],
            SdkCall::SubscriptionInfo { .. } => &["IAP", "getSubscriptionInfo"],
        }
    }

    /// The name messages use (`IAP.getProductItemList`).
    pub fn name(&self) -> &'static str {
        match self {
            SdkCall::AppLogin => "appLogin",
            SdkCall::CheckoutPayment { .. } => "checkoutPayment",
            SdkCall::RequestPaysBilling { .. } => "requestTossPayPaysBilling",
            SdkCall::ProductItemList => "IAP.getProductItemList",
            SdkCall::PendingOrders => "IAP.getPendingOrders",
            SdkCall::CompleteProductGrant { .. } => "IAP.completeProductGrant",
            SdkCall::CompletedOrRefundedOrders { .. } => "IAP.getCompletedOrRefundedOrders",
            SdkCall::SubscriptionInfo { .. } => "IAP.getSubscriptionInfo",
        }
    }
}

/// The calls of `@apps-in-toss/web-framework` (2.10 and 3.x) that matter for payments, plus the two platform
/// services the flows need (a timer and a clock).
pub trait Sdk {
    /// A reply of the host as it came (`JsValue` in the browser, JSON in native tests); [`Sdk::decode`] reads it.
    type Value;
    /// Decodes a reply into a typed struct (with [`decode_reply`]); the message names the broken field.
    fn decode<T: DeserializeOwned>(&self, value: Self::Value) -> Result<T, String>;
    /// Fails with `IFRAME_NOT_ALLOWED` inside a frame and `NOT_IN_TOSS_APP` when neither the SDK module nor the host
    /// can reach a Toss app (2.x host globals, the 3.x native bridge, or a module's `isSupported()`); checked before
    /// every call.
    fn check_host(&self) -> Result<(), Error>;
    /// The constants the host injected (`getPlatformOS`, `getTossAppVersion`, `getOperationalEnvironment`).
    fn environment(&self) -> Result<Environment, Error>;
    /// The call's own `isSupported()` (SDK 3.x), asked before the built-in version table; `Ok(None)` when the
    /// module has none (2.x), and the table decides.
    fn is_supported(&self, call: GatedCall) -> Result<Option<bool>, Error>;
    /// Starts `call` (synchronously, so the arguments need not outlive it) and resolves with the host's reply:
    /// `Ok(None)` when it resolved `undefined`, `Err` when the SDK threw or rejected.
    fn call(&self, call: SdkCall<'_>) -> impl Future<Output = Reply<Self::Value>> + 'static;
    /// `IAP.createOneTimePurchaseOrder` / `IAP.createSubscriptionPurchaseOrder`; returns the SDK's cleanup.
    fn create_purchase_order(&self, order: &PurchaseOrder, listener: Rc<dyn PurchaseListener>) -> Result<Cleanup, Error>;
    /// Waits `ms` milliseconds.
    fn sleep(&self, ms: u32) -> impl Future<Output = ()> + 'static;
    /// Milliseconds since some fixed point, for event timings.
    fn now_ms(&self) -> f64;
}
