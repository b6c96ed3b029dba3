//! The Rust API: a `Checkout` owns the bridge to the host, the partner server (when any), the grant function and the
//! bookkeeping that makes purchases and payments single-flight and grants once-only. The JS `Checkout` class is a
//! thin layer over it.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use crate::bridge::{Bridge, Timeouts};
use crate::error::{Error, ErrorCode};
use crate::event::Event;
use crate::flow::grant::GrantLedger;
use crate::flow::retry::RetryPolicy;
use crate::flow::tosspay::{pay_with_tosspay, PaymentContext, PaymentRequest};
use crate::flow::{purchase, restore};
use crate::partner::{
    CreatePaymentRequest, Entitlement, LoginRequest, NoPartner, PageOrder, Partner, PaymentReceipt, RevokedGrant,
    SyncRequest, Won,
};
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

/// Receives the user's entitlements each time the `Checkout` learns them from the partner (after a purchase, a
/// restore, a history sync, or an explicit [`Checkout::entitlements`]), like RevenueCat's customer-info listener.
pub type EntitlementsSink = Rc<dyn Fn(&[Entitlement])>;

/// How to build a [`Checkout`].
pub struct CheckoutOptions {
    /// Grants paid orders; purchases and restores need it.
    pub grant: Option<GrantFn>,
    /// Progress and diagnostics.
    pub on_event: Option<EventSink>,
    /// Hears every fresh entitlements snapshot.
    pub on_entitlements: Option<EntitlementsSink>,
    /// Deadlines.
    pub timeouts: Timeouts,
}

impl Default for CheckoutOptions {
    fn default() -> CheckoutOptions {
        CheckoutOptions { grant: None, on_event: None, on_entitlements: None, timeouts: Timeouts::default() }
    }
}

/// State shared by a `Checkout` and its running flows.
pub(crate) struct Inner<S, P> {
    pub(crate) bridge: Bridge<S>,
    pub(crate) partner: Option<P>,
    pub(crate) grant: Option<GrantFn>,
    pub(crate) ledger: GrantLedger,
    pub(crate) retry: RetryPolicy,
    on_event: Option<EventSink>,
    on_entitlements: Option<EntitlementsSink>,
    /// The last entitlements the partner reported; `None` before the first or after `logout`.
    entitlements: RefCell<Option<Vec<Entitlement>>>,
    in_flight: RefCell<Vec<String>>,
}

impl<S: Sdk, P> Inner<S, P> {
    /// Whether paid orders can be granted (a grant function, or a partner server).
    pub(crate) fn can_grant(&self) -> bool {
        self.grant.is_some() || self.partner.is_some()
    }

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

    /// Keeps a fresh snapshot and hands it to `on_entitlements`.
    fn entitlements_changed(&self, entitlements: &[Entitlement]) {
        *self.entitlements.borrow_mut() = Some(entitlements.to_vec());
        if let Some(sink) = &self.on_entitlements {
            sink(entitlements);
        }
    }
}

impl<S: Sdk, P: Partner> Inner<S, P> {
    /// After a purchase, a restore or a sync: asks the partner for the entitlements again (when there is one). Never
    /// fails the flow that asked: a failure is an `entitlements.refresh_failed` event, and the old snapshot stays.
    pub(crate) async fn refresh_entitlements(&self) {
        let Some(partner) = &self.partner else { return };
        let started = self.now();
        match partner.entitlements().await {
            Ok(entitlements) => {
                self.entitlements_changed(&entitlements);
                self.emit(Event::new("entitlements.refreshed", self.since(started)));
            }
            Err(e) => self.emit(Event::new("entitlements.refresh_failed", self.since(started)).code(e.code.as_str())),
        }
    }
}

/// A claim on one key of a `Checkout` (a SKU being bought, a restore); released when dropped.
pub(crate) struct InFlight<S: Sdk, P> {
    inner: Rc<Inner<S, P>>,
    key: String,
}

impl<S: Sdk, P> InFlight<S, P> {
    /// Claims `key`, or fails with `ALREADY_IN_PROGRESS` if it is held.
    pub(crate) fn claim(inner: &Rc<Inner<S, P>>, key: String) -> Result<InFlight<S, P>, Error> {
        let mut in_flight = inner.in_flight.borrow_mut();
        if in_flight.contains(&key) {
            return Err(Error::new(ErrorCode::AlreadyInProgress, format!("{key} is already in progress on this Checkout")));
        }
        in_flight.push(key.clone());
        drop(in_flight);
        Ok(InFlight { inner: Rc::clone(inner), key })
    }
}

impl<S: Sdk, P> Drop for InFlight<S, P> {
    fn drop(&mut self) {
        self.inner.in_flight.borrow_mut().retain(|k| k != &self.key);
    }
}

/// Payments for one mini-app page: login, TossPay payments, products, purchases, restores, history.
pub struct Checkout<S: Sdk, P: Partner = NoPartner> {
    inner: Rc<Inner<S, P>>,
}

impl<S: Sdk, P: Partner> Clone for Checkout<S, P> {
    fn clone(&self) -> Self {
        Checkout { inner: Rc::clone(&self.inner) }
    }
}

impl<S: Sdk + 'static> Checkout<S, NoPartner> {
    /// A checkout over `sdk` without a partner server (purchases grant through `options.grant`).
    pub fn new(sdk: S, options: CheckoutOptions) -> Result<Checkout<S, NoPartner>, Error> {
        Checkout::with_partner(sdk, None, options)
    }
}

impl<S: Sdk + 'static, P: Partner + 'static> Checkout<S, P> {
    /// A checkout over `sdk` and the partner server `partner`, which also grants paid orders unless
    /// `options.grant` is given.
    pub fn with_partner(sdk: S, partner: Option<P>, options: CheckoutOptions) -> Result<Checkout<S, P>, Error> {
        options.timeouts.validate()?;
        Ok(Checkout {
            inner: Rc::new(Inner {
                bridge: Bridge::new(sdk, options.timeouts),
                partner,
                grant: options.grant,
                ledger: GrantLedger::default(),
                retry: RetryPolicy::default(),
                on_event: options.on_event,
                on_entitlements: options.on_entitlements,
                entitlements: RefCell::new(None),
                in_flight: RefCell::new(Vec::new()),
            }),
        })
    }

    fn partner(&self, what: &str) -> Result<&P, Error> {
        self.inner.partner.as_ref().ok_or_else(|| Error::invalid_argument(format!("{what} needs partnerBaseUrl")))
    }

    /// Toss login: `appLogin()` on the page, then the partner exchanges the code; the session becomes a cookie.
    /// Not retried: an authorization code is single-use.
    pub async fn login(&self) -> Result<(), Error> {
        let partner = self.partner("login()")?;
        let started = self.inner.now();
        let login = self.inner.bridge.app_login().await?;
        let request = LoginRequest { authorization_code: login.authorization_code, referrer: login.referrer.as_str().into() };
        partner.login(&request).await?;
        self.inner.emit(Event::new("login.succeeded", self.inner.since(started)));
        Ok(())
    }

    /// Ends the partner session and forgets the entitlements snapshot.
    pub async fn logout(&self) -> Result<(), Error> {
        let partner = self.partner("logout()")?;
        partner.logout().await?;
        *self.inner.entitlements.borrow_mut() = None;
        self.inner.emit(Event::new("logout.succeeded", 0.0));
        Ok(())
    }

    /// What this user owns, from the partner (confirmed and provisional grants). Also hands the snapshot to
    /// `on_entitlements`.
    pub async fn entitlements(&self) -> Result<Vec<Entitlement>, Error> {
        let partner = self.partner("entitlements()")?;
        let entitlements = partner.entitlements().await?;
        self.inner.entitlements_changed(&entitlements);
        Ok(entitlements)
    }

    /// The last entitlements snapshot the partner gave, without asking it; `None` before the first.
    pub fn last_entitlements(&self) -> Option<Vec<Entitlement>> {
        self.inner.entitlements.borrow().clone()
    }

    /// A whole TossPay payment of `order` (the caller's cart; the server prices it), which must come to
    /// `expected_amount`. Single flight per identical order; `idempotency_key` defaults to a fresh one.
    pub async fn pay_with_tosspay(
        &self,
        order: P::Order,
        expected_amount: Won,
        idempotency_key: Option<String>,
    ) -> Result<PaymentReceipt, Error> {
        let partner = self.partner("payWithTossPay()")?;
        let _flight = InFlight::claim(&self.inner, format!("payment:{}", order.identity()))?;
        let idempotency_key = idempotency_key.unwrap_or_else(|| partner.new_idempotency_key());
        let request = PaymentRequest { create: CreatePaymentRequest { order, idempotency_key }, expected_amount };
        let inner = &self.inner;
        let emit = |event: Event| inner.emit(event);
        let ctx = PaymentContext { bridge: &inner.bridge, partner, policy: inner.retry, emit: &emit };
        pay_with_tosspay(&ctx, &request).await
    }

    /// One page of order history, then (with a partner) `POST /iap/sync` so refunded orders are revoked. A failed
    /// sync does not fail the page: it is reported as a `history.sync_failed` event and retried on the next call.
    pub async fn order_history_and_sync(&self, key: Option<&str>) -> Result<(OrderHistoryPage, Vec<RevokedGrant>), Error> {
        let page = self.inner.bridge.order_history(key).await?;
        let Some(partner) = &self.inner.partner else { return Ok((page, Vec::new())) };
        let started = self.inner.now();
        match partner.sync(&SyncRequest { orders: page.orders.clone() }).await {
            Ok(reply) => {
                self.inner.refresh_entitlements().await;
                Ok((page, reply.revoked))
            }
            Err(e) => {
                self.inner.emit(Event::new("history.sync_failed", self.inner.since(started)).code(e.code.as_str()));
                Ok((page, Vec::new()))
            }
        }
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
        let result = purchase::purchase(&self.inner, PurchaseOrder::OneTime { sku: sku.to_string() }).await?;
        self.inner.refresh_entitlements().await;
        Ok(result)
    }

    /// Buys a subscription, optionally with an offer.
    pub async fn subscribe(&self, sku: &str, offer_id: Option<&str>) -> Result<PurchaseResult, Error> {
        let order = PurchaseOrder::Subscription { sku: sku.to_string(), offer_id: offer_id.map(str::to_string) };
        let result = purchase::purchase(&self.inner, order).await?;
        self.inner.refresh_entitlements().await;
        Ok(result)
    }

    /// Grants and completes paid orders that were never granted.
    pub async fn restore_pending_orders(&self) -> Result<RestoreReport, Error> {
        let report = restore::restore_pending_orders(&self.inner).await?;
        self.inner.refresh_entitlements().await;
        Ok(report)
    }

    /// One page of completed and refunded orders; pass the previous page's `next_key` for the next.
    pub async fn order_history(&self, key: Option<&str>) -> Result<OrderHistoryPage, Error> {
        self.inner.bridge.order_history(key).await
    }

    /// A subscription's state; `None` when nothing is set up for the order.
    pub async fn subscription_info(&self, order_id: &str) -> Result<Option<SubscriptionInfo>, Error> {
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
