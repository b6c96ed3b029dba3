//! A purchase as one future that settles exactly once.
//!
//! The SDK reports a purchase through callbacks: `purchased` (grant now), `success`, `error`, in any order a host
//! sends them, sometimes twice, sometimes `error` then `success`. Here the first `success` or `error` settles the
//! purchase and later ones are ignored (reported to `onEvent` as `purchase.duplicate_ignored`). A success only counts
//! once the partner granted the order: a host success for an order whose grant failed (the legacy flow of old apps
//! reports success whatever the grant said) becomes `PRODUCT_NOT_GRANTED_BY_PARTNER`, so a promise that resolves
//! always means the user has the product. Dropping the future calls the SDK's cleanup; a grant already running
//! finishes anyway (the user paid).

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{FutureExt, LocalBoxFuture};

use crate::bridge::{unsupported, with_deadline};
use crate::checkout::{GrantRequest, InFlight, Inner};
use crate::error::{Error, ErrorCode};
use crate::event::Event;
use crate::flow::grant::{grant_once, SharedGrant};
use crate::partner::Partner;
use crate::sdk::{Cleanup, PurchaseListener, PurchaseOrder, PurchaseResult, PurchaseSuccess, Purchased, Sdk};
use crate::version::GatedCall;

/// What the host said first.
enum HostOutcome {
    Success(Result<PurchaseSuccess, Error>),
    Failed(Error),
}

/// The state one purchase shares with the SDK's callbacks.
struct PurchaseState<S, P> {
    inner: Rc<Inner<S, P>>,
    sku: String,
    started: f64,
    /// Orders the host said were paid, with their grant (one per order, however often `purchased` repeats).
    grants: RefCell<Vec<(Purchased, SharedGrant)>>,
    /// The first `success`/`error` takes the sender and settles the purchase; later ones find it gone.
    settle: RefCell<Option<oneshot::Sender<HostOutcome>>>,
}

impl<S: Sdk + 'static, P: Partner + 'static> PurchaseState<S, P> {
    fn emit(&self, name: &'static str, order_id: Option<&str>, code: Option<&str>) {
        let mut event = Event::new(name, self.inner.since(self.started)).sku(&self.sku);
        if let Some(order_id) = order_id {
            event = event.order(order_id);
        }
        if let Some(code) = code {
            event = event.code(code);
        }
        self.inner.emit(event);
    }

    fn settle(&self, outcome: HostOutcome) {
        let sender = self.settle.borrow_mut().take();
        match sender {
            // The purchase may have ended (deadline) and dropped its receiver: nothing left to settle then.
            Some(sender) => drop(sender.send(outcome)),
            None => {
                let code = match &outcome {
                    HostOutcome::Success(_) => None,
                    HostOutcome::Failed(e) => Some(e.code.as_str()),
                };
                self.emit("purchase.duplicate_ignored", None, code);
            }
        }
    }

    fn grant_for(&self, order_id: &str) -> Option<(Purchased, SharedGrant)> {
        self.grants.borrow().iter().find(|(p, _)| p.order_id == order_id).cloned()
    }

    fn only_order(&self) -> Option<String> {
        match self.grants.borrow().as_slice() {
            [(p, _)] => Some(p.order_id.clone()),
            _ => None,
        }
    }
}

/// Adapts the state to the SDK's callbacks.
struct Listener<S, P>(Rc<PurchaseState<S, P>>);

impl<S: Sdk + 'static, P: Partner + 'static> PurchaseListener for Listener<S, P> {
    fn grant(&self, purchased: Purchased) -> LocalBoxFuture<'static, bool> {
        let state = &self.0;
        if let Some((_, shared)) = state.grant_for(&purchased.order_id) {
            state.emit("purchase.duplicate_purchased", Some(&purchased.order_id), None);
            return shared.map(|o| o.is_granted()).boxed_local();
        }
        state.emit("purchase.paid", Some(&purchased.order_id), None);
        let request = GrantRequest {
            order_id: purchased.order_id.clone(),
            sku: state.sku.clone(),
            subscription_id: purchased.subscription_id.clone(),
        };
        let shared = grant_once(&state.inner, request);
        state.grants.borrow_mut().push((purchased, shared.clone()));
        shared.map(|o| o.is_granted()).boxed_local()
    }

    fn success(&self, payload: Result<PurchaseSuccess, Error>) {
        self.0.settle(HostOutcome::Success(payload));
    }

    fn error(&self, error: Error) {
        self.0.settle(HostOutcome::Failed(error));
    }
}

/// Calls the SDK's cleanup when the purchase ends or is dropped.
struct CleanupOnDrop(Option<Cleanup>);

impl Drop for CleanupOnDrop {
    fn drop(&mut self) {
        if let Some(cleanup) = self.0.take() {
            cleanup();
        }
    }
}

/// Buys `order`, granting through the `Checkout`'s grant function, and settles exactly once.
pub async fn purchase<S: Sdk + 'static, P: Partner + 'static>(inner: &Rc<Inner<S, P>>, order: PurchaseOrder) -> Result<PurchaseResult, Error> {
    let sku = order.sku().to_string();
    if sku.trim().is_empty() {
        return Err(Error::invalid_argument("sku must not be empty"));
    }
    if !inner.can_grant() {
        return Err(Error::invalid_argument(
            "purchases need a grant: pass `grant` (or `partnerBaseUrl`) to new Checkout()",
        ));
    }
    let gate = match order {
        PurchaseOrder::OneTime { .. } => GatedCall::OneTimePurchase,
        PurchaseOrder::Subscription { .. } => GatedCall::SubscriptionPurchase,
    };
    inner.bridge.check_gate(gate)?;
    let _flight = InFlight::claim(inner, format!("purchase:{sku}"))?;

    let (sender, answered) = oneshot::channel();
    let state = Rc::new(PurchaseState {
        inner: Rc::clone(inner),
        sku: sku.clone(),
        started: inner.now(),
        grants: RefCell::new(Vec::new()),
        settle: RefCell::new(Some(sender)),
    });
    state.emit("purchase.started", None, None);
    let cleanup = inner
        .bridge
        .sdk()
        .create_purchase_order(&order, Rc::new(Listener(Rc::clone(&state))))
        .map_err(|e| with_minimums(inner, gate, e))?;
    let _cleanup = CleanupOnDrop(Some(cleanup));

    let deadline = inner.bridge.timeouts().interaction_ms;
    let outcome = match with_deadline(inner.bridge.sdk(), deadline, answered).await {
        None => Err(Error::new(
            ErrorCode::BridgeTimeout,
            format!("the purchase of {sku} did not finish within {deadline} ms; if it was paid, restorePendingOrders() grants it"),
        )),
        Some(Err(_)) => Err(Error::new(ErrorCode::SdkError, "the purchase ended without an answer")),
        Some(Ok(HostOutcome::Failed(error))) => Err(explain_failure(&state, with_minimums(inner, gate, error)).await),
        Some(Ok(HostOutcome::Success(Err(error)))) => Err(match state.only_order() {
            Some(order_id) => error.with_order_id(order_id),
            None => error,
        }),
        Some(Ok(HostOutcome::Success(Ok(success)))) => confirm_success(&state, success).await,
    };
    let code = outcome.as_ref().err().map(|e| e.code.as_str());
    state.emit(if outcome.is_ok() { "purchase.succeeded" } else { "purchase.failed" }, None, code);
    outcome
}

/// SDK 3.x refuses an old app by failing with `UNSUPPORTED_APP_VERSION` (thrown, or through `onError`): name the
/// minimums we know, as the bridge does for the other calls.
fn with_minimums<S: Sdk, P>(inner: &Inner<S, P>, gate: GatedCall, error: Error) -> Error {
    if error.code == ErrorCode::UnsupportedAppVersion && error.min_versions.is_none() {
        return unsupported(gate.sdk_name(), gate.min_versions(), inner.bridge.sdk().environment().ok().as_ref());
    }
    error
}

/// A host success counts only if the grant of that order succeeded (waiting for a grant still running).
async fn confirm_success<S: Sdk + 'static, P: Partner + 'static>(state: &PurchaseState<S, P>, success: PurchaseSuccess) -> Result<PurchaseResult, Error> {
    let order_id = success.order_id.clone();
    match state.grant_for(&order_id) {
        Some((purchased, grant)) => {
            let outcome = grant.await;
            if outcome.is_granted() {
                Ok(PurchaseResult::new(success, &state.sku, purchased.subscription_id))
            } else {
                Err(outcome.not_granted(&order_id))
            }
        }
        None => Err(Error::new(
            ErrorCode::ProductNotGrantedByPartner,
            format!("the host reported success for order {} without asking for its grant", order_id),
        )
        .with_order_id(order_id)),
    }
}

/// Adds what we know to a host error: the order, and why a grant failed.
async fn explain_failure<S: Sdk + 'static, P: Partner + 'static>(state: &PurchaseState<S, P>, error: Error) -> Error {
    let Some(order_id) = state.only_order() else { return error };
    if error.code == ErrorCode::ProductNotGrantedByPartner {
        if let Some((_, grant)) = state.grant_for(&order_id) {
            if let Some(outcome) = grant.peek().cloned() {
                if !outcome.is_granted() {
                    return outcome.not_granted(&order_id);
                }
            }
        }
    }
    error.with_order_id(order_id)
}
