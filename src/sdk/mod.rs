//! The Apps-in-Toss SDK, as a trait: the calls the page can make to the Toss app ([`SdkCall`]) and the typed replies
//! they answer.
//!
//! [`Sdk`] is one of the two seams of the crate (the other is the partner server): the browser implementation
//! ([`web::WebSdk`], wasm only) calls the real `@apps-in-toss/web-framework` module; native tests implement it with
//! fakes that answer JSON. An `Sdk` only performs calls: it hands back the host's reply as it came (`Ok(None)` where
//! the host answered `undefined`), and leaves parsing, deadlines, version gates and purchase bookkeeping to
//! [`crate::bridge::Bridge`] and the flows, so those are tested once for both.

mod env;
mod iap;
mod login;
pub mod parse;
mod tosspay;
#[cfg(target_arch = "wasm32")]
pub mod web;

use alloc::rc::Rc;
use alloc::{boxed::Box, string::String};
use core::future::Future;

use futures_util::future::LocalBoxFuture;

pub use env::{Environment, OperationalEnvironment, Platform};
pub use iap::{
    HistoryOrder, Offer, OneTimeProduct, OrderHistoryPage, OrderStatus, PendingOrder, PendingOrders, Product, ProductList,
    PurchaseResult, PurchaseSuccess, Purchased, RenewalCycle, SubscriptionInfo, SubscriptionInfoResponse,
    SubscriptionProduct, SubscriptionStatus,
};
pub use login::{AppLoginResult, Referrer};
pub use tosspay::AuthenticationResult;

use crate::error::Error;
use crate::version::MinVersions;

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

/// One asynchronous call of `@apps-in-toss/web-framework` 2.10.x that matters for payments, with its arguments.
///
/// An [`Sdk`] performs the call and hands back the host's reply as it came; [`crate::bridge::Bridge`] parses it
/// (with [`parse`]). So the reply types and their parsers are shared by every implementation (a fake in native
/// tests reads the same JSON shapes as the browser), and the wasm holds one copy of the call machinery instead of
/// one per reply type (~2 KB of the gzipped package).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdkCall<'a> {
    /// `appLogin()` → [`AppLoginResult`].
    AppLogin,
    /// `checkoutPayment({ params: { payToken } })` → [`AuthenticationResult`].
    CheckoutPayment {
        /// The payment to authenticate.
        pay_token: &'a str,
    },
    /// `requestTossPayPaysBilling({ params: { wrappedToken } })` → [`AuthenticationResult`].
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
    /// The function's path in the SDK module (`["IAP", "getProductItemList"]`).
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

/// The calls of `@apps-in-toss/web-framework` 2.10.x that matter for payments, plus the two platform services the
/// flows need (a timer and a clock).
pub trait Sdk {
    /// A reply of the host, as [`parse`] reads it (`JsValue` in the browser, JSON in native tests).
    type Value: parse::Node;
    /// Fails with `IFRAME_NOT_ALLOWED` inside a frame and `NOT_IN_TOSS_APP` without a host; checked before every call.
    fn check_host(&self) -> Result<(), Error>;
    /// The constants the host injected (`getPlatformOS`, `getTossAppVersion`, `getOperationalEnvironment`).
    fn environment(&self) -> Result<Environment, Error>;
    /// The SDK's own `isMinVersionSupported`.
    fn is_min_version_supported(&self, min: &MinVersions) -> Result<bool, Error>;
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
