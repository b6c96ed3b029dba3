//! Granting a paid order, at most once.
//!
//! The partner's grant is the moment a purchase becomes real for the user, so it must run once per order however
//! many times the host asks (duplicate `purchased` events, a restore racing a purchase). The [`GrantLedger`] of a
//! `Checkout` remembers grants that succeeded and joins callers onto a grant that is running. A grant that failed is
//! forgotten, so `restorePendingOrders` can try again later.

use alloc::rc::Rc;
use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::{string::{String, ToString}, vec::Vec};
use core::cell::{RefCell, UnsafeCell};
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};

use futures_util::future::{FutureExt, LocalBoxFuture};

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
            GrantOutcome::Failed(msg) => msg!("the grant function failed: ", msg),
            GrantOutcome::TimedOut(ms) => msg!("the grant function did not finish within ", ms, " ms"),
        };
        Error::new(
            ErrorCode::ProductNotGrantedByPartner,
            msg!("order ", order_id, " was paid but not granted: ", why, "; restorePendingOrders() will retry it"),
        )
        .with_order_id(order_id)
    }
}

/// A grant that may still be running; every clone resolves to the same outcome.
///
/// Like `futures_util`'s `Shared`, but single-threaded and much smaller in wasm: whichever clone is polled drives
/// the grant, under a waker that wakes every clone's task, so the grant finishes even if the clone that started it
/// is dropped.
#[derive(Clone)]
pub struct SharedGrant(Rc<SharedInner>);

struct SharedInner {
    /// `None` once finished, or while a clone is polling it.
    future: RefCell<Option<LocalBoxFuture<'static, GrantOutcome>>>,
    outcome: RefCell<Option<GrantOutcome>>,
    waiting: Arc<Waiting>,
}

/// The tasks waiting on a [`SharedGrant`]; woken all at once.
///
/// `Waker::from` needs `Send + Sync` and `core` has no mutex, so a flag guards the list (a spin lock). It is held
/// only to add or take wakers, never while one is woken, so on the page's single thread it is always free.
#[derive(Default)]
struct Waiting {
    busy: AtomicBool,
    wakers: UnsafeCell<Vec<Waker>>,
}

// SAFETY: `wakers` is only reached through `with`, which holds `busy`.
unsafe impl Sync for Waiting {}

impl Waiting {
    fn with<R>(&self, f: impl FnOnce(&mut Vec<Waker>) -> R) -> R {
        /// Releases `busy` however `f` ends (a panic in a waker's `clone` must not leave the lock held).
        struct Release<'a>(&'a AtomicBool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        while self.busy.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            core::hint::spin_loop();
        }
        let _release = Release(&self.busy);
        // SAFETY: `busy` is held, so this is the only reference to the list.
        f(unsafe { &mut *self.wakers.get() })
    }

    fn add(&self, waker: &Waker) {
        self.with(|wakers| {
            if !wakers.iter().any(|w| w.will_wake(waker)) {
                wakers.push(waker.clone());
            }
        });
    }
}

impl Wake for Waiting {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let wakers = self.with(core::mem::take);
        for waker in wakers {
            waker.wake();
        }
    }
}

impl SharedGrant {
    fn new(future: LocalBoxFuture<'static, GrantOutcome>) -> SharedGrant {
        SharedGrant(Rc::new(SharedInner {
            future: RefCell::new(Some(future)),
            outcome: RefCell::new(None),
            waiting: Arc::default(),
        }))
    }

    /// The outcome, once the grant finished.
    pub fn peek(&self) -> Option<GrantOutcome> {
        self.0.outcome.borrow().clone()
    }
}

impl Future for SharedGrant {
    type Output = GrantOutcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<GrantOutcome> {
        let inner = &self.0;
        if let Some(outcome) = inner.outcome.borrow().clone() {
            return Poll::Ready(outcome);
        }
        inner.waiting.add(cx.waker());
        // Taken out while polled, so a clone polled from inside the grant just waits (no double borrow).
        let Some(mut future) = inner.future.borrow_mut().take() else { return Poll::Pending };
        let waker = Waker::from(Arc::clone(&inner.waiting));
        match future.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(outcome) => {
                *inner.outcome.borrow_mut() = Some(outcome.clone());
                inner.waiting.wake_by_ref();
                Poll::Ready(outcome)
            }
            Poll::Pending => {
                *inner.future.borrow_mut() = Some(future);
                Poll::Pending
            }
        }
    }
}

enum Entry {
    Running(SharedGrant),
    Granted,
}

/// The grants of one `Checkout`: running ones (to join) and successful ones (never to repeat).
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
pub fn grant_once<S: Sdk + 'static, P: Partner + 'static>(inner: &Rc<Inner<S, P>>, request: GrantRequest) -> SharedGrant {
    let order_id = request.order_id.clone();
    if let Some((_, entry)) = inner.ledger.entries.borrow().iter().find(|(id, _)| *id == order_id) {
        return match entry {
            Entry::Running(shared) => shared.clone(),
            Entry::Granted => SharedGrant::new(async { GrantOutcome::AlreadyGranted }.boxed_local()),
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
            }
            outcome
        }
    };
    let shared = SharedGrant::new(run.boxed_local());
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
                with_retries(inner.bridge.sdk(), &policy, || partner.grant(&order_id, &sku), |_, _| {}).await
            }
            (None, None) => Err(Error::invalid_argument("no grant function and no partnerBaseUrl are configured")),
        }
    };
    let outcome = match with_deadline(inner.bridge.sdk(), ms, granted).await {
        None => GrantOutcome::TimedOut(ms),
        Some(Ok(true)) => GrantOutcome::Granted,
        Some(Ok(false)) => GrantOutcome::Refused,
        Some(Err(e)) => GrantOutcome::Failed(e.message),
    };
    let name = if outcome.is_granted() { "grant.succeeded" } else { "grant.failed" };
    inner.emit(Event::new(name, inner.since(started)).sku(&sku).order(&order_id));
    outcome
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use futures_util::future::join3;

    #[tokio::test]
    async fn every_clone_gets_the_outcome_even_after_the_clone_that_started_it_is_dropped() {
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        let shared = SharedGrant::new(
            async move {
                let _ = rx.await;
                GrantOutcome::Refused
            }
            .boxed_local(),
        );
        // Started by a clone that is then dropped.
        assert_eq!(shared.clone().now_or_never(), None);
        assert_eq!(shared.peek(), None);
        let answer = async move {
            tokio::task::yield_now().await;
            let _ = tx.send(());
        };
        let (a, b, ()) = join3(shared.clone(), shared.clone(), answer).await;
        assert_eq!((a, b), (GrantOutcome::Refused, GrantOutcome::Refused));
        assert_eq!(shared.peek(), Some(GrantOutcome::Refused));
        assert_eq!(shared.clone().now_or_never(), Some(GrantOutcome::Refused));
    }
}
