//! Granting a paid order, at most once.
//!
//! The partner's grant is the moment a purchase becomes real for the user, so it must run once per order however
//! many times the host asks (duplicate `purchased` events, a restore racing a purchase). The [`GrantLedger`] of a
//! `Checkout` remembers grants that succeeded and joins callers onto a grant that is running. A grant that failed is
//! forgotten, so `restorePendingOrders` can try again later.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture, Shared};

use crate::bridge::with_deadline;
use crate::flow::retry::with_retries;
use crate::checkout::{GrantRequest, Inner};
use crate::error::{Error, ErrorCode};
use crate::event::Event;
use crate::partner::Partner;
use crate::sdk::Sdk;

/// How a grant ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantOutcome {
    /// The grant function returned true.
    Granted,
    /// This `Checkout` had already granted the order.
    AlreadyGranted,
    /// The grant function returned false (or anything but true).
    Refused,
    /// The grant function threw; the message says why.
    Failed(String),
    /// The grant function missed its deadline.
    TimedOut(u32),
}

impl GrantOutcome {
    /// Whether the user has the product.
    pub fn is_granted(&self) -> bool {
        matches!(self, GrantOutcome::Granted | GrantOutcome::AlreadyGranted)
    }

    /// The `PRODUCT_NOT_GRANTED_BY_PARTNER` error for an order this outcome did not grant.
    pub fn not_granted(&self, order_id: &str) -> Error {
        let why = match self {
            GrantOutcome::Granted | GrantOutcome::AlreadyGranted => "it was granted".to_string(),
            GrantOutcome::Refused => "the grant function returned false".to_string(),
            GrantOutcome::Failed(msg) => format!("the grant function failed: {}", msg),
            GrantOutcome::TimedOut(ms) => format!("the grant function did not finish within {} ms", ms),
        };
        Error::new(
            ErrorCode::ProductNotGrantedByPartner,
            format!("order {} was paid but not granted: {}; restorePendingOrders() will retry it", order_id, why),
        )
        .with_order_id(order_id)
    }
}

/// A grant that may still be running; every clone resolves to the same outcome. Whichever clone is polled drives
/// the grant, so it finishes even if the clone that started it is dropped (the user paid).
pub type SharedGrant = Shared<LocalBoxFuture<'static, GrantOutcome>>;

enum Entry {
    Running(SharedGrant),
    Granted,
}

/// How many successful grants a `Checkout` remembers. Duplicate `purchased` events and a restore racing a purchase
/// come within moments of the grant, so the most recent ones are what matters; remembering every order would grow
/// without bound on a page that sells all day (the soak test, `tests/js/soak.test.mjs`, caught ~54 B per purchase).
/// An order granted longer ago is granted again if the host reports it again: grants are idempotent per `orderId`
/// on the partner's side (the contract's `POST /iap/grants` is).
pub const REMEMBERED_GRANTS: usize = 64;

/// The grants of one `Checkout`: running ones (to join) and the last [`REMEMBERED_GRANTS`] successful ones (not to
/// repeat).
#[derive(Default)]
pub struct GrantLedger {
    entries: RefCell<Vec<(String, Entry)>>,
}

impl GrantLedger {
    /// Whether the order was granted by this `Checkout`.
    pub fn is_granted(&self, order_id: &str) -> bool {
        self.entries.borrow().iter().any(|(id, e)| id == order_id && matches!(e, Entry::Granted))
    }
}

/// Grants `request.order_id` unless it was granted already or is being granted; never fails, never exceeds the
/// grant deadline.
pub(crate) fn grant_once<S: Sdk + 'static, P: Partner + 'static>(inner: &Rc<Inner<S, P>>, request: GrantRequest) -> SharedGrant {
    let order_id = request.order_id.clone();
    if let Some((_, entry)) = inner.ledger.entries.borrow().iter().find(|(id, _)| *id == order_id) {
        return match entry {
            Entry::Running(shared) => shared.clone(),
            Entry::Granted => async { GrantOutcome::AlreadyGranted }.boxed_local().shared(),
        };
    }
    let run = {
        let inner = Rc::clone(inner);
        let order_id = order_id.clone();
        async move {
            let outcome = run_grant(&inner, request).await;
            let mut entries = inner.ledger.entries.borrow_mut();
            entries.retain(|(id, _)| *id != order_id);
            if outcome.is_granted() {
                entries.push((order_id, Entry::Granted));
                let granted = entries.iter().filter(|(_, e)| matches!(e, Entry::Granted)).count();
                if granted > REMEMBERED_GRANTS {
                    if let Some(oldest) = entries.iter().position(|(_, e)| matches!(e, Entry::Granted)) {
                        entries.remove(oldest);
                    }
                }
            }
            outcome
        }
    };
    let shared = run.boxed_local().shared();
    inner.ledger.entries.borrow_mut().push((order_id, Entry::Running(shared.clone())));
    shared
}

async fn run_grant<S: Sdk + 'static, P: Partner + 'static>(inner: &Rc<Inner<S, P>>, request: GrantRequest) -> GrantOutcome {
    let started = inner.now();
    let order_id = request.order_id.clone();
    let sku = request.sku.clone();
    inner.emit(Event::new("grant.started", inner.since(started)).sku(&sku).order(&order_id));
    let ms = inner.bridge.timeouts().grant_ms;
    // The page's own grant function wins; otherwise the partner contract's `POST /iap/grants`.
    let granted = async {
        match (&inner.grant, &inner.partner) {
            (Some(grant), _) => grant(request).await,
            (None, Some(partner)) => {
                let policy = inner.retry;
                let request = crate::partner::GrantRequest { order_id: order_id.clone(), sku: sku.clone() };
                with_retries(inner.bridge.sdk(), &policy, || partner.grant(&request), |_, _| {}).await.map(|reply| reply.granted)
            }
            (None, None) => Err(Error::invalid_argument("no grant function and no partnerBaseUrl are configured")),
        }
    };
    let outcome = match with_deadline(inner.bridge.sdk(), ms, granted).await {
        None => GrantOutcome::TimedOut(ms),
        Some(Ok(true)) => GrantOutcome::Granted,
        Some(Ok(false)) => GrantOutcome::Refused,
        Some(Err(e)) => GrantOutcome::Failed(e.0.message),
    };
    let name = if outcome.is_granted() { "grant.succeeded" } else { "grant.failed" };
    inner.emit(Event::new(name, inner.since(started)).sku(&sku).order(&order_id));
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::future::join3;

    /// Plain `#[test]` with futures' executor: the crate's unit tests also compile for wasm32 (wasm-pack test).
    #[test]
    fn every_clone_gets_the_outcome_even_after_the_clone_that_started_it_is_dropped() {
        futures::executor::block_on(every_clone_gets_the_outcome());
    }

    async fn every_clone_gets_the_outcome() {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let shared: SharedGrant = async move {
            let _ = rx.await;
            GrantOutcome::Refused
        }
        .boxed_local()
        .shared();
        // Started by a clone that is then dropped.
        assert_eq!(shared.clone().now_or_never(), None);
        assert_eq!(shared.peek(), None::<&GrantOutcome>);
        let answer = async move {
            // Yield once, so the clones are polled before the grant can finish.
            let mut yielded = false;
            futures::future::poll_fn(|cx| {
                if yielded {
                    return std::task::Poll::Ready(());
                }
                yielded = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            })
            .await;
            let _ = tx.send(());
        };
        let (a, b, ()) = join3(shared.clone(), shared.clone(), answer).await;
        assert_eq!((a, b), (GrantOutcome::Refused, GrantOutcome::Refused));
        assert_eq!(shared.peek(), Some(&GrantOutcome::Refused));
        assert_eq!(shared.clone().now_or_never(), Some(GrantOutcome::Refused));
    }
}
