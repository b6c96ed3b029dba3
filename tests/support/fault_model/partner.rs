//! The page's view of the model's partner server (the `Partner` trait): each request runs the server's handler,
//! with the page↔partner faults around it — a request delivered twice, the page gone before or after, the reply
//! lost, late or replaced by a proxy's 5xx, the process killed (it restarts and its reconciler runs).

use std::future::Future;
use std::time::Duration;

use ait_checkout::error::{Error, ErrorCode};
use ait_checkout::partner::http_error::http_error;
use ait_checkout::partner::parse::PartnerErrorBody;
use ait_checkout::partner::{CreatedPayment, Partner, PaymentState, Receipt, Revoked};
use ait_checkout::sdk::{HistoryOrder, Referrer};

use super::faults::{Fault, Leg, Step};
use super::server::{self, AppErr, HErr, PPay};
use super::world::{reload_here, W};

/// How long the page waits for the partner (the bridge's default `partnerMs`).
pub const PARTNER_MS: Duration = Duration::from_millis(15_000);

/// The partner server as one page reaches it (the session cookie names `user`).
#[derive(Clone)]
pub struct ModelPartner {
    pub w: W,
    pub user: String,
}

/// The error the page's HTTP client makes of an error reply.
fn page_error(method: &str, path: &str, e: AppErr) -> Error {
    let body = PartnerErrorBody { code: e.code.into(), message: e.message, retryable: e.retryable, toss_error_code: e.toss };
    http_error(method, path, e.status, Some(body))
}

fn unreachable(why: &str) -> Error {
    Error::new(ErrorCode::PartnerUnreachable, format!("the partner server could not be reached: {why}"))
}

/// The partner process died and comes back: what it stored survives, its reconciler runs at start.
pub async fn restart(w: &W) {
    w.borrow_mut().restarts += 1;
    server::reconcile_pass(w).await;
}

fn receipt(p: &PPay) -> Receipt {
    Receipt {
        order_no: p.order_no.clone(),
        pay_token: p.pay_token.clone().unwrap_or_default(),
        amount: p.amount as f64,
        paid_amount: p.amount as f64,
        pay_method: "CARD".into(),
        transaction_id: p.receipt.clone().unwrap_or_default(),
        approval_time: "2025-09-22 10:00:00".into(),
        discounted_amount: None,
        card_company_name: None,
        sales_check_link_url: None,
    }
}

impl ModelPartner {
    async fn finish<T>(&self, method: &str, path: &str, r: Result<T, HErr>) -> Result<T, Error> {
        match r {
            Ok(v) => Ok(v),
            Err(HErr::App(e)) => Err(page_error(method, path, e)),
            Err(HErr::Killed) => {
                restart(&self.w).await;
                Err(unreachable("connection reset (the server restarted)"))
            }
        }
    }

    /// One page request: `step` is the request's step, `reply` the step of its reply when it has one of its own.
    async fn serve<T, F, Fut>(&self, step: Step, reply: Option<Step>, method: &str, path: &str, handler: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, HErr>>,
    {
        let before = self.w.borrow_mut().take(step, Leg::PageRequest);
        if before == Some(Fault::PageReloaded) {
            // The page went away before its request left: the server never sees it.
            return reload_here(&self.w).await;
        }
        let first = handler().await;
        let first = self.finish(method, path, first).await;
        if before == Some(Fault::HostAnswersTwice) {
            let second = handler().await;
            let _ = self.finish(method, path, second).await;
        }
        let after = self.w.borrow_mut().take(reply.unwrap_or(step), Leg::PageReply);
        match after {
            Some(Fault::PageReloaded) => reload_here(&self.w).await,
            Some(Fault::Timeout) => {
                tokio::time::sleep(PARTNER_MS).await;
                Err(Error::new(ErrorCode::PartnerTimeout, format!("{method} {path} did not answer in time")))
            }
            Some(Fault::Http5xx) => Err(http_error(method, path, 502, None)),
            Some(Fault::DropAfterCommit) => Err(unreachable("connection closed without a reply")),
            Some(Fault::PartnerKilledAfterCommit) => {
                restart(&self.w).await;
                Err(unreachable("connection reset (the server restarted)"))
            }
            _ => first,
        }
    }

    /// `POST /tosspay/payments/{orderNo}/refund` (page refunds are on, as in the demo): the refunded order number.
    pub async fn refund(&self, order_no: &str) -> Result<String, Error> {
        let path = format!("/tosspay/payments/{order_no}/refund");
        self.serve(Step::Refund, None, "POST", &path, || server::refund(&self.w, &self.user, order_no))
            .await
            .map(|p| p.order_no)
    }
}

impl Partner for ModelPartner {
    async fn login(&self, authorization_code: &str, _referrer: Referrer) -> Result<(), Error> {
        self.serve(Step::LoginExchange, None, "POST", "/login", || server::login(&self.w, authorization_code)).await.map(|_| ())
    }

    async fn create_payment(&self, order_json: &str, idempotency_key: &str) -> Result<CreatedPayment, Error> {
        let p = self
            .serve(Step::MakePayment, None, "POST", "/tosspay/payments", || {
                server::create(&self.w, &self.user, order_json, idempotency_key)
            })
            .await?;
        Ok(CreatedPayment {
            order_no: p.order_no.clone(),
            pay_token: p.pay_token.clone().unwrap_or_default(),
            amount: p.amount as f64,
            product_desc: "원두 200g".into(),
        })
    }

    async fn execute_payment(&self, order_no: &str) -> Result<Receipt, Error> {
        let path = format!("/tosspay/payments/{order_no}/execute");
        let p = self
            .serve(Step::ExecuteRequest, Some(Step::ExecuteReply), "POST", &path, || {
                server::execute(&self.w, &self.user, order_no)
            })
            .await?;
        Ok(receipt(&p))
    }

    async fn payment_status(&self, order_no: &str) -> Result<PaymentState, Error> {
        let path = format!("/tosspay/payments/{order_no}");
        let p = self.serve(Step::Status, None, "GET", &path, || server::status(&self.w, &self.user, order_no)).await?;
        Ok(PaymentState {
            status: p.toss_status.map_or("", |s| s.wire()).to_string(),
            receipt: p.receipt.is_some().then(|| receipt(&p)),
        })
    }

    async fn grant(&self, order_id: &str, sku: &str) -> Result<bool, Error> {
        self.serve(Step::GrantRequest, Some(Step::GrantReply), "POST", "/iap/grants", || {
            server::grant(&self.w, &self.user, order_id, sku)
        })
        .await
    }

    async fn sync(&self, orders: &[HistoryOrder]) -> Result<Vec<Revoked>, Error> {
        let ids: Vec<String> = orders.iter().map(|o| o.order_id.clone()).collect();
        let revoked =
            self.serve(Step::Sync, None, "POST", "/iap/sync", || server::sync(&self.w, &self.user, &ids)).await?;
        Ok(revoked.into_iter().map(|(order_id, sku)| Revoked { order_id, sku }).collect())
    }

    fn new_idempotency_key(&self) -> String {
        format!("key-{}", self.w.borrow().store.payments.len() + 1)
    }
}
