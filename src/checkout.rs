//! The Rust API: a `Checkout` owns the bridge to the host, the grant function and the bookkeeping that makes
//! purchases single-flight and grants once-only. The JS `Checkout` class is a thin layer over it.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;

use crate::bridge::{Bridge, Timeouts};
use crate::error::{Error, ErrorCode};
use crate::event::Event;
use crate::flow::grant::GrantLedger;
use crate::flow::{purchase, restore};
use crate::sdk::{
    AppLoginResult, Environment, OrderHistoryPage, Product, PurchaseOrder, PurchaseResult, Sdk, SubscriptionInfo,
};

pub use crate::flow::grant::GrantOutcome;
pub use crate::flow::restore::{FailedOrder, RestoreReport, RestoredOrder};

/// What the grant function is asked to grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRequest {
    /// The paid order; grant idempotently per order.
    pub order_id: String,
    /// The product bought.
    pub sku: String,
    /// For subscriptions, when the host gives one.
    pub subscription_id: Option<String>,
}

/// Grants a paid order (on the partner server) and says whether it did. `Err` and `Ok(false)` both mean "not granted".
pub type GrantFn = Rc<dyn Fn(GrantRequest) -> LocalBoxFuture<'static, Result<bool, Error>>>;

/// Receives [`Event`]s.
pub type EventSink = Rc<dyn Fn(&Event)>;

/// How to build a [`Checkout`].
pub struct CheckoutOptions {
    /// Grants paid orders; purchases and restores need it.
    pub grant: Option<GrantFn>,
    /// Progress and diagnostics.
    pub on_event: Option<EventSink>,
    /// Deadlines.
    pub timeouts: Timeouts,
}

impl Default for CheckoutOptions {
    fn default() -> CheckoutOptions {
        CheckoutOptions { grant: None, on_event: None, timeouts: Timeouts::default() }
    }
}

/// State shared by a `Checkout` and its running flows.
pub(crate) struct Inner<S> {
    pub(crate) bridge: Bridge<S>,
    pub(crate) grant: Option<GrantFn>,
    pub(crate) ledger: GrantLedger,
    on_event: Option<EventSink>,
    in_flight: RefCell<Vec<String>>,
}

impl<S: Sdk> Inner<S> {
    pub(crate) fn now(&self) -> f64 {
        self.bridge.sdk().now_ms()
    }

    pub(crate) fn since(&self, start: f64) -> f64 {
        (self.now() - start).max(0.0)
    }

    pub(crate) fn emit(&self, event: Event) {
        if let Some(sink) = &self.on_event {
            sink(&event);
        }
    }
}

/// A claim on one key of a `Checkout` (a SKU being bought, a restore); released when dropped.
pub(crate) struct InFlight<S: Sdk> {
    inner: Rc<Inner<S>>,
    key: String,
}

impl<S: Sdk> InFlight<S> {
    /// Claims `key`, or fails with `ALREADY_IN_PROGRESS` if it is held.
    pub(crate) fn claim(inner: &Rc<Inner<S>>, key: String) -> Result<InFlight<S>, Error> {
        let mut in_flight = inner.in_flight.borrow_mut();
        if in_flight.contains(&key) {
            return Err(Error::new(ErrorCode::AlreadyInProgress, format!("{key} is already in progress on this Checkout")));
        }
        in_flight.push(key.clone());
        drop(in_flight);
        Ok(InFlight { inner: Rc::clone(inner), key })
    }
}

impl<S: Sdk> Drop for InFlight<S> {
    fn drop(&mut self) {
        self.inner.in_flight.borrow_mut().retain(|k| k != &self.key);
    }
}

/// Payments for one mini-app page: products, purchases, restores, history, TossPay authentication.
pub struct Checkout<S: Sdk> {
    inner: Rc<Inner<S>>,
}

impl<S: Sdk> Clone for Checkout<S> {
    fn clone(&self) -> Self {
        Checkout { inner: Rc::clone(&self.inner) }
    }
}

impl<S: Sdk + 'static> Checkout<S> {
    /// A checkout over `sdk`.
    pub fn new(sdk: S, options: CheckoutOptions) -> Result<Checkout<S>, Error> {
        options.timeouts.validate()?;
        Ok(Checkout {
            inner: Rc::new(Inner {
                bridge: Bridge::new(sdk, options.timeouts),
                grant: options.grant,
                ledger: GrantLedger::default(),
                on_event: options.on_event,
                in_flight: RefCell::new(Vec::new()),
            }),
        })
    }

    /// The bridge, for calls without a flow of their own.
    pub fn bridge(&self) -> &Bridge<S> {
        &self.inner.bridge
    }

    /// Platform, app version, operational environment.
    pub fn environment(&self) -> Result<Environment, Error> {
        self.inner.bridge.environment()
    }

    /// `appLogin()`: an authorization code for the partner server.
    pub async fn app_login(&self) -> Result<AppLoginResult, Error> {
        self.inner.bridge.app_login().await
    }

    /// The mini-app's IAP products.
    pub async fn products(&self) -> Result<Vec<Product>, Error> {
        self.inner.bridge.products().await
    }

    /// Buys a one-time product; resolves only once it was granted.
    pub async fn purchase(&self, sku: &str) -> Result<PurchaseResult, Error> {
        purchase::purchase(&self.inner, PurchaseOrder::OneTime { sku: sku.to_string() }).await
    }

    /// Buys a subscription, optionally with an offer.
    pub async fn subscribe(&self, sku: &str, offer_id: Option<&str>) -> Result<PurchaseResult, Error> {
        let order = PurchaseOrder::Subscription { sku: sku.to_string(), offer_id: offer_id.map(str::to_string) };
        purchase::purchase(&self.inner, order).await
    }

    /// Grants and completes paid orders that were never granted.
    pub async fn restore_pending_orders(&self) -> Result<RestoreReport, Error> {
        restore::restore_pending_orders(&self.inner).await
    }

    /// One page of completed and refunded orders; pass the previous page's `next_key` for the next.
    pub async fn order_history(&self, key: Option<&str>) -> Result<OrderHistoryPage, Error> {
        self.inner.bridge.order_history(key).await
    }

    /// A subscription's state.
    pub async fn subscription_info(&self, order_id: &str) -> Result<SubscriptionInfo, Error> {
        self.inner.bridge.subscription_info(order_id).await
    }

    /// The user authenticates the TossPay payment behind `pay_token` (low level: `payWithTossPay` drives the whole
    /// payment with the partner server).
    pub async fn checkout_payment(&self, pay_token: &str) -> Result<(), Error> {
        self.inner.bridge.checkout_payment(pay_token).await
    }

    /// Whether the grant of `order_id` succeeded on this `Checkout`.
    pub fn is_granted(&self, order_id: &str) -> bool {
        self.inner.ledger.is_granted(order_id)
    }
}
