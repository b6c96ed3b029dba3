//! The measured flows, each as a page and the Toss app perform it, with the time of every step: a complete TossPay
//! payment (create, the buyer approves on the sheet, execute) and an IAP purchase (the store charges an order, the
//! page's grant, the SDK reports the outcome). And a pair that isolates the partner's overhead: a payment created
//! through the partner (`create`: session, lease, two writes, make-payment) against the same Toss call sent straight
//! to the sandbox with the partner's own Toss client (`make-payment`).

use std::time::{Duration, Instant};

use ait_api::partner::{execute_path, PATH_IAP_GRANTS, PATH_PAYMENTS};
use serde_json::json;

use crate::client::{field, CallError, Http};

/// Which flow a run repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowKind {
    /// `payWithTossPay`: partner create, sandbox approve, partner execute.
    Tosspay,
    /// `purchase`: sandbox paid order, partner grant, sandbox decide.
    Iap,
    /// The partner's `POST /tosspay/payments` alone (it calls make-payment at the sandbox).
    Create,
    /// make-payment sent straight to the sandbox (mTLS, the partner's `TossClient`): what `create` wraps.
    MakePayment,
}

impl FlowKind {
    /// The names of its three steps, in order (the middle or outer ones are the sandbox's).
    pub fn steps(self) -> [&'static str; 3] {
        match self {
            FlowKind::Tosspay => ["create", "approve*", "execute"],
            FlowKind::Iap => ["order*", "grant", "decide*"],
            FlowKind::Create => ["create", "-", "-"],
            FlowKind::MakePayment => ["make-payment*", "-", "-"],
        }
    }
}

/// One page of the load: its Toss user and session cookie, what it buys, and its own counter for unique keys.
pub struct PageLoad {
    /// The Toss `userKey`.
    pub user_key: i64,
    /// `ait_session=…`.
    pub cookie: String,
    /// A TossPay SKU from the partner's catalog.
    pub tosspay_sku: String,
    /// An IAP SKU from the partner's catalog.
    pub iap_sku: String,
    /// Unique per run and page: idempotency keys never repeat.
    pub key_prefix: String,
    /// Flows started by this page.
    pub started: u64,
}

/// The time of each of a flow's three steps.
pub type StepTimes = [Duration; 3];

/// Runs one flow; its step times, or the first failure.
pub async fn run(http: &Http, page: &mut PageLoad, kind: FlowKind) -> Result<StepTimes, CallError> {
    page.started += 1;
    match kind {
        FlowKind::Tosspay => tosspay(http, page).await,
        FlowKind::Iap => iap(http, page).await,
        FlowKind::Create => create(http, page).await.map(|(t, _)| t),
        FlowKind::MakePayment => make_payment(http, page).await,
    }
}

/// The partner's create: the step time and the created payment.
async fn create(http: &Http, page: &PageLoad) -> Result<(StepTimes, serde_json::Value), CallError> {
    let t0 = Instant::now();
    let created = http
        .partner(
            &page.cookie,
            PATH_PAYMENTS,
            json!({
                "order": { "items": [{ "sku": page.tosspay_sku, "quantity": 1 }] },
                "idempotencyKey": format!("{}-{}", page.key_prefix, page.started),
            }),
        )
        .await?;
    Ok(([t0.elapsed(), Duration::ZERO, Duration::ZERO], created))
}

async fn make_payment(http: &Http, page: &PageLoad) -> Result<StepTimes, CallError> {
    let toss = http
        .toss()
        .ok_or("make-payment needs the sandbox's Toss API (not with --partner-url)")?;
    let body = ait_api::tosspay::MakePaymentRequest {
        order_no: format!(
            "LG{}x{}",
            page.key_prefix
                .replace(|c: char| !c.is_ascii_alphanumeric(), ""),
            page.started
        ),
        product_desc: "load".into(),
        amount: 1000,
        amount_tax_free: Some(0),
        is_test_payment: true,
        ..Default::default()
    };
    let t0 = Instant::now();
    let made = toss
        .make_payment(page.user_key, body)
        .await
        .map_err(|e| format!("make-payment: {e}"))?;
    if made.pay_token.is_empty() {
        return Err("make-payment answered no payToken".into());
    }
    Ok([t0.elapsed(), Duration::ZERO, Duration::ZERO])
}

async fn tosspay(http: &Http, page: &PageLoad) -> Result<StepTimes, CallError> {
    let t0 = Instant::now();
    let (_, created) = create(http, page).await?;
    let order_no = field(&created, "orderNo")?;
    let pay_token = field(&created, "payToken")?;
    let t1 = Instant::now();
    http.control(&format!("/payments/{pay_token}/approve"), json!({}))
        .await?;
    let t2 = Instant::now();
    let receipt = http
        .partner(&page.cookie, &execute_path(&order_no), json!({}))
        .await?;
    if receipt["orderNo"] != order_no.as_str() {
        return Err(format!("execute of {order_no} answered {receipt}"));
    }
    let t3 = Instant::now();
    Ok([t1 - t0, t2 - t1, t3 - t2])
}

async fn iap(http: &Http, page: &PageLoad) -> Result<StepTimes, CallError> {
    let t0 = Instant::now();
    let order = http
        .control(
            "/iap/orders",
            json!({ "userKey": page.user_key, "sku": page.iap_sku, "paid": true }),
        )
        .await?;
    let order_id = field(&order, "orderId")?;
    let t1 = Instant::now();
    let granted = http
        .partner(
            &page.cookie,
            PATH_IAP_GRANTS,
            json!({ "orderId": order_id, "sku": page.iap_sku }),
        )
        .await?;
    if granted["granted"] != true {
        return Err(format!("grant of {order_id} answered {granted}"));
    }
    let t2 = Instant::now();
    http.control(
        &format!("/iap/orders/{order_id}/decide"),
        json!({ "status": "PAYMENT_COMPLETED" }),
    )
    .await?;
    let t3 = Instant::now();
    Ok([t1 - t0, t2 - t1, t3 - t2])
}
