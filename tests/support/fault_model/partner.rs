//! The page's view of the model's partner server (the `Partner` trait): each request runs the server's handler,
//! with the page↔partner faults around it — a request delivered twice, the page gone before or after, the reply
//! lost, late or replaced by a proxy's 5xx, the process killed (it restarts and its reconciler runs).

use std::future::Future;
use std::time::Duration;

use ait_api::partner::PartnerError;
use ait_checkout::error::{Error, ErrorCode};
use ait_checkout::partner::errors::http_error;
use ait_checkout::partner::{
    CreatePaymentRequest, CreatePaymentResponse, EntitlementsResponse, GrantRequest, GrantResponse, LoginRequest,
    Partner, PayStatus, PaymentReceipt, PaymentStatusReply, RevokedGrant, SyncRequest, SyncResponse, Won,
};
use serde_json::json;

use crate::support::fake_partner::JsonOrder;

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
    // The error body as the server writes it, read back as the page reads it (the contract's type).
    let mut body = json!({"code": e.code, "message": e.message, "retryable": e.retryable});
    if let Some(toss) = e.toss {
        body["toss"] = json!({"errorCode": toss, "reason": ""});
    }
    let body: PartnerError = serde_json::from_value(body).expect("a contract error body");
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

fn receipt(p: &PPay) -> PaymentReceipt {
    PaymentReceipt {
        pay_token: p.pay_token.clone().unwrap_or_default(),
        transaction_id: p.receipt.clone().unwrap_or_default(),
        ..crate::support::fake_partner::receipt(&p.order_no, p.amount)
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
    type Order = JsonOrder;

    async fn login(&self, request: &LoginRequest) -> Result<(), Error> {
        let code = request.authorization_code.as_str();
        self.serve(Step::LoginExchange, None, "POST", "/login", || server::login(&self.w, code)).await.map(|_| ())
    }

    async fn logout(&self) -> Result<(), Error> {
        Ok(())
    }

    async fn create_payment(&self, request: &CreatePaymentRequest<JsonOrder>) -> Result<CreatePaymentResponse, Error> {
        let order_json = request.order.0.to_string();
        let p = self
            .serve(Step::MakePayment, None, "POST", "/tosspay/payments", || {
                server::create(&self.w, &self.user, &order_json, &request.idempotency_key)
            })
            .await?;
        Ok(CreatePaymentResponse {
            order_no: p.order_no.clone(),
            pay_token: p.pay_token.clone().unwrap_or_default(),
            amount: Won(p.amount),
            product_desc: "원두 200g".into(),
        })
    }

    async fn execute_payment(&self, order_no: &str) -> Result<PaymentReceipt, Error> {
        let path = format!("/tosspay/payments/{order_no}/execute");
        let p = self
            .serve(Step::ExecuteRequest, Some(Step::ExecuteReply), "POST", &path, || {
                server::execute(&self.w, &self.user, order_no)
            })
            .await?;
        Ok(receipt(&p))
    }

    async fn payment_status(&self, order_no: &str) -> Result<PaymentStatusReply, Error> {
        let path = format!("/tosspay/payments/{order_no}");
        let p = self.serve(Step::Status, None, "GET", &path, || server::status(&self.w, &self.user, order_no)).await?;
        Ok(PaymentStatusReply {
            status: PayStatus::parse(p.toss_status.map_or("", |s| s.wire())),
            receipt: p.receipt.is_some().then(|| receipt(&p)),
        })
    }

    async fn grant(&self, request: &GrantRequest) -> Result<GrantResponse, Error> {
        let granted = self
            .serve(Step::GrantRequest, Some(Step::GrantReply), "POST", "/iap/grants", || {
                server::grant(&self.w, &self.user, &request.order_id, &request.sku)
            })
            .await?;
        Ok(GrantResponse { granted })
    }

    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, Error> {
        let ids: Vec<String> = request.orders.iter().map(|o| o.order_id.clone()).collect();
        let revoked =
            self.serve(Step::Sync, None, "POST", "/iap/sync", || server::sync(&self.w, &self.user, &ids)).await?;
        Ok(SyncResponse { revoked: revoked.into_iter().map(|(order_id, sku)| RevokedGrant { order_id, sku }).collect() })
    }

    async fn entitlements(&self) -> Result<EntitlementsResponse, Error> {
        // The model keeps no per-user product list; the invariants are checked on its store, not on this snapshot.
        Ok(Vec::new())
    }

    fn new_idempotency_key(&self) -> String {
        format!("key-{}", self.w.borrow().store.payments.len() + 1)
    }
}
