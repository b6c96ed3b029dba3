//! The Toss app in the model (the `Sdk` trait): login codes, the payment sheet, the IAP order flow (charge,
//! `purchased`, `processProductGrant`), pending orders, `completeProductGrant` and history, with the host's faults:
//! late, transient or final failures, acting without answering, never answering, answering twice, the page reloaded.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use ait_checkout::error::Error;
use ait_checkout::sdk::*;
use ait_checkout::version::GatedCall;
use serde::de::DeserializeOwned;
use futures::future::{select, Either};
use serde_json::{json, Value};

use super::faults::{Fault, Leg, Step};
use super::toss::IapStatus;
use super::world::{page_gone, reload_here, spawn, W};

/// The bridge's default deadlines (the model acts just after them when it is late).
pub const INTERACTION: Duration = Duration::from_millis(300_000);
pub const BRIDGE: Duration = Duration::from_millis(10_000);
/// How long the host waits for the page's grant (`processProductGrant`).
pub const HOST_GRANT_BUDGET: Duration = Duration::from_secs(30);

type HostReply = Pin<Box<dyn Future<Output = Reply<Value>>>>;

/// The Toss app under one page.
#[derive(Clone)]
pub struct ModelHost {
    pub w: W,
    pub epoch: u32,
    start: tokio::time::Instant,
}

impl ModelHost {
    /// The host of the page `epoch`.
    pub fn new(w: &W, epoch: u32) -> ModelHost {
        ModelHost { w: w.clone(), epoch, start: tokio::time::Instant::now() }
    }

    fn user(&self) -> String {
        self.w.borrow().user.clone()
    }

    fn answer(v: Value) -> HostReply {
        Box::pin(async move { Ok(Some(v)) })
    }

    fn reject(code: &str, message: &str) -> HostReply {
        let e = Error::from_sdk_rejection(Some(code), message);
        Box::pin(async move { Err(e) })
    }

    fn never() -> HostReply {
        Box::pin(std::future::pending())
    }

    fn reload(&self) -> HostReply {
        let w = self.w.clone();
        Box::pin(async move { reload_here(&w).await })
    }

    /// Acts after `delay` (past the page's deadline), in the background.
    fn late(&self, delay: Duration, act: impl FnOnce(&W) + 'static) {
        let w = self.w.clone();
        spawn(&self.w, async move {
            tokio::time::sleep(delay + Duration::from_secs(1)).await;
            act(&w);
        });
    }

    /// `checkoutPayment`: the buyer authenticates the payment (Toss: standby → approved).
    fn sheet(&self, pay_token: &str) -> HostReply {
        let token = pay_token.to_string();
        let approve = move |w: &W| w.borrow_mut().toss.approve(&token);
        let fault = self.w.borrow_mut().take(Step::Sheet, Leg::Host);
        match fault {
            Some(Fault::Timeout) => {
                self.late(INTERACTION, move |w| {
                    approve(w);
                });
                Self::never()
            }
            Some(Fault::Http5xx) => Self::reject("NETWORK_ERROR", "the sheet failed to load"),
            Some(Fault::TossFail) => Self::answer(json!({"success": false, "reason": "인증에 실패했어요"})),
            Some(Fault::DropAfterCommit) => {
                approve(&self.w);
                Self::never()
            }
            Some(Fault::HostNeverAnswers) => Self::never(),
            Some(Fault::HostAnswersTwice) => {
                approve(&self.w);
                let ok = approve(&self.w);
                Self::answer(json!({"success": ok}))
            }
            Some(Fault::PageReloaded) => {
                approve(&self.w);
                self.reload()
            }
            _ => {
                let ok = approve(&self.w);
                Self::answer(json!({"success": ok}))
            }
        }
    }

    /// `IAP.completeProductGrant`.
    fn complete(&self, order_id: &str) -> HostReply {
        let id = order_id.to_string();
        let complete = move |w: &W| w.borrow_mut().toss.complete(&id);
        let fault = self.w.borrow_mut().take(Step::CompleteProductGrant, Leg::Host);
        match fault {
            Some(Fault::Timeout) => {
                self.late(BRIDGE, move |w| {
                    complete(w);
                });
                Self::never()
            }
            Some(Fault::Http5xx) => Self::reject("NETWORK_ERROR", "completeProductGrant failed"),
            Some(Fault::TossFail) => Self::answer(json!(false)),
            Some(Fault::DropAfterCommit) => {
                complete(&self.w);
                Self::never()
            }
            Some(Fault::HostNeverAnswers) => Self::never(),
            Some(Fault::HostAnswersTwice) => {
                complete(&self.w);
                Self::answer(json!(complete(&self.w)))
            }
            Some(Fault::PageReloaded) => {
                complete(&self.w);
                self.reload()
            }
            _ => Self::answer(json!(complete(&self.w))),
        }
    }

    fn history(&self) -> HostReply {
        let user = self.user();
        let orders: Vec<Value> = self
            .w
            .borrow()
            .toss
            .orders
            .iter()
            .filter(|o| o.user == user)
            .filter_map(|o| {
                let status = match o.status {
                    IapStatus::PaymentCompleted | IapStatus::Purchased => "COMPLETED",
                    IapStatus::Refunded => "REFUNDED",
                    _ => return None,
                };
                Some(json!({"orderId": o.order_id, "sku": o.sku, "status": status, "date": "2025-09-22T00:00:00"}))
            })
            .collect();
        let page = json!({"hasNext": false, "orders": orders});
        let fault = self.w.borrow_mut().take(Step::History, Leg::Host);
        match fault {
            Some(Fault::Timeout) => Box::pin(async move {
                tokio::time::sleep(BRIDGE + Duration::from_secs(1)).await;
                Ok(Some(page))
            }),
            Some(Fault::Http5xx) => Self::reject("NETWORK_ERROR", "history failed"),
            Some(Fault::TossFail) => Self::reject("INTERNAL_ERROR", "history refused"),
            Some(Fault::HostNeverAnswers) => Self::never(),
            Some(Fault::PageReloaded) => self.reload(),
            _ => Self::answer(page),
        }
    }

    fn pending(&self) -> HostReply {
        let user = self.user();
        let orders: Vec<Value> = self
            .w
            .borrow()
            .toss
            .orders
            .iter()
            .filter(|o| o.user == user && o.status == IapStatus::InProgress && o.paid)
            .map(|o| json!({"orderId": o.order_id, "sku": o.sku, "paymentCompletedDate": "2025-09-22T00:00:00"}))
            .collect();
        Self::answer(json!({ "orders": orders }))
    }
}

/// The host's success payload, as `PurchaseListener::success` takes it.
#[allow(clippy::result_large_err)] // the listener's own signature
fn success(order_id: &str) -> Result<PurchaseSuccess, Error> {
    let v = json!({"orderId": order_id, "displayName": "보석 100개", "displayAmount": "₩1,200",
        "amount": 1200, "currency": "KRW", "fraction": 0, "miniAppIconUrl": null});
    decode_reply(v).map_err(|e| Error::invalid_response("purchase", e))
}

/// Waits for `fut` while the page of `epoch` lives, at most `budget`.
async fn while_page<T>(w: &W, epoch: u32, budget: Duration, fut: impl Future<Output = T>) -> Option<T> {
    let fut = std::pin::pin!(fut);
    let stop = std::pin::pin!(async {
        let gone = std::pin::pin!(page_gone(w, epoch));
        let _ = select(gone, std::pin::pin!(tokio::time::sleep(budget))).await;
    });
    match select(fut, stop).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(_) => None,
    }
}

/// The host's side of one purchase: Toss makes the order, the store charges it, the host asks the page to grant
/// it, then completes it at Toss and reports to the page (while the page listens).
async fn purchase_flow(w: W, epoch: u32, sku: String, listener: Rc<dyn PurchaseListener>, listening: Rc<Cell<bool>>) {
    let user = w.borrow().user.clone();
    let order_id = w.borrow_mut().toss.create_order(&user, &sku);
    let hears = |w: &W| listening.get() && w.borrow().alive(epoch);
    let charge = |w: &W| w.borrow_mut().toss.charge(&order_id);
    let fault = w.borrow_mut().take(Step::IapPurchased, Leg::Host);
    match fault {
        Some(Fault::Http5xx) => {
            w.borrow_mut().toss.fail(&order_id);
            if hears(&w) {
                listener.error(Error::from_sdk_rejection(Some("NETWORK_ERROR"), "the store did not answer"));
            }
            return;
        }
        Some(Fault::TossFail) => {
            w.borrow_mut().toss.fail(&order_id);
            if hears(&w) {
                listener.error(Error::from_sdk_rejection(Some("INVALID_USER_ENVIRONMENT"), "the store refused"));
            }
            return;
        }
        Some(Fault::DropAfterCommit) => return charge(&w),
        Some(Fault::HostNeverAnswers) => return,
        Some(Fault::PageReloaded) => {
            charge(&w);
            w.borrow_mut().reload();
            return;
        }
        Some(Fault::Timeout) => {
            charge(&w);
            tokio::time::sleep(INTERACTION + Duration::from_secs(1)).await;
        }
        _ => charge(&w),
    }
    if !hears(&w) {
        return; // charged; the order waits for restorePendingOrders
    }
    let purchased = Purchased { order_id: order_id.clone(), subscription_id: None };
    let granted = if fault == Some(Fault::HostAnswersTwice) {
        let both = futures::future::join(listener.grant(purchased.clone()), listener.grant(purchased));
        while_page(&w, epoch, HOST_GRANT_BUDGET, both).await.map(|(a, b)| a && b)
    } else {
        while_page(&w, epoch, HOST_GRANT_BUDGET, listener.grant(purchased)).await
    };
    if !w.borrow().alive(epoch) {
        return;
    }
    if granted != Some(true) {
        if hears(&w) {
            listener.error(Error::from_sdk_rejection(Some("PRODUCT_NOT_GRANTED_BY_PARTNER"), "the grant failed"));
        }
        return; // charged, not completed: pending
    }
    let complete = |w: &W| w.borrow_mut().toss.complete(&order_id);
    let fault = w.borrow_mut().take(Step::ProcessProductGrant, Leg::Host);
        match fault {
        Some(Fault::Timeout) => {
            tokio::time::sleep(INTERACTION + Duration::from_secs(1)).await;
            complete(&w);
            if hears(&w) {
                listener.success(success(&order_id));
            }
        }
        Some(Fault::Http5xx) => {
            if hears(&w) {
                listener.error(Error::from_sdk_rejection(Some("NETWORK_ERROR"), "processProductGrant failed"));
            }
        }
        Some(Fault::TossFail) => {
            // Toss could not record the purchase: the charge is voided and the order fails.
            w.borrow_mut().toss.fail(&order_id);
            if hears(&w) {
                listener.error(Error::from_sdk_rejection(Some("TOSS_SERVER_VERIFICATION_FAILED"), "not recorded"));
            }
        }
        Some(Fault::DropAfterCommit) => {
            complete(&w);
        }
        Some(Fault::HostNeverAnswers) => {}
        Some(Fault::HostAnswersTwice) => {
            complete(&w);
            listener.success(success(&order_id));
            listener.success(success(&order_id));
        }
        Some(Fault::PageReloaded) => {
            complete(&w);
            w.borrow_mut().reload();
        }
        _ => {
            complete(&w);
            if hears(&w) {
                listener.success(success(&order_id));
            }
        }
    }
}

impl Sdk for ModelHost {
    type Value = Value;

    fn decode<T: DeserializeOwned>(&self, value: Value) -> Result<T, String> {
        decode_reply(value)
    }

    fn check_host(&self) -> Result<(), Error> {
        Ok(())
    }

    fn environment(&self) -> Result<Environment, Error> {
        Ok(Environment {
            platform: Platform::Ios,
            app_version: "5.260.0".into(),
            operational_environment: OperationalEnvironment::Toss,
        })
    }

    fn is_supported(&self, _: GatedCall) -> Result<Option<bool>, Error> {
        // A 2.x module: the version table decides.
        Ok(None)
    }

    fn call(&self, call: SdkCall<'_>) -> impl Future<Output = Reply<Value>> + 'static {
        match call {
            SdkCall::AppLogin => {
                let user = self.user();
                let code = self.w.borrow_mut().toss.issue_code(&user);
                Self::answer(json!({"authorizationCode": code, "referrer": "DEFAULT"}))
            }
            SdkCall::CheckoutPayment { pay_token } => self.sheet(pay_token),
            SdkCall::PendingOrders => self.pending(),
            SdkCall::CompleteProductGrant { order_id } => self.complete(order_id),
            SdkCall::CompletedOrRefundedOrders { .. } => self.history(),
            other => Self::reject("INTERNAL_ERROR", other.name()),
        }
    }

    fn create_purchase_order(&self, order: &PurchaseOrder, listener: Rc<dyn PurchaseListener>) -> Result<Cleanup, Error> {
        let listening = Rc::new(Cell::new(true));
        let task = purchase_flow(self.w.clone(), self.epoch, order.sku().to_string(), listener, listening.clone());
        spawn(&self.w, task);
        Ok(Box::new(move || listening.set(false)))
    }

    fn sleep(&self, ms: u32) -> impl Future<Output = ()> + 'static {
        tokio::time::sleep(Duration::from_millis(ms as u64))
    }

    fn now_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
}
