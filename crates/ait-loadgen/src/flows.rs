//! The two measured flows, each as a page and the Toss app perform it, with the time of every step:
//! a complete TossPay payment (create, the buyer approves on the sheet, execute) and an IAP purchase (the store
//! charges an order, the page's grant, the SDK reports the outcome).

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
}

impl FlowKind {
    /// The names of its three steps, in order (the middle or outer ones are the sandbox's).
    pub fn steps(self) -> [&'static str; 3] {
        match self {
            FlowKind::Tosspay => ["create", "approve*", "execute"],
            FlowKind::Iap => ["order*", "grant", "decide*"],
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
    }
}

async fn tosspay(http: &Http, page: &PageLoad) -> Result<StepTimes, CallError> {
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
