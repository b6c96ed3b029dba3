//! After the flows: what a page and the partner do once the storm is over. Faults are cleared, every partner
//! instance is killed and restarted one last time (one after the other), every IAP order left pending is granted and completed (as
//! `restorePendingOrders` at the next app start), every payment a page was told `PAYMENT_OUTCOME_UNKNOWN` about is
//! asked for again (status, and execute while Toss still reports it approved), each user's order history is synced,
//! and the reconciler gets at least two periods.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ait_api::partner::{execute_path, payment_path, PATH_IAP_GRANTS, PATH_IAP_SYNC};
use ait_invariants::PageResult;
use serde_json::{json, Value};
use sqlx::AnyPool;

use crate::control::Refused;
use crate::error::ChaosError;
use crate::observe;
use crate::page::Answer;
use crate::world::World;

/// Tries per pending order and per unknown payment.
const TRIES: usize = 20;

/// What recovery saw, for the summary.
#[derive(Debug, Default)]
pub struct RecoveryReport {
    /// Sandbox fault rules fired during the run, by kind label (`drop`, `5xx`, …) — background and per-flow.
    pub faults_fired: BTreeMap<String, u64>,
    /// Pending orders granted and completed.
    pub restored: usize,
    /// Pending orders whose grant was refused (reported FAILED to Toss, as the SDK does).
    pub restore_refused: usize,
    /// Unknown payments that settled (the partner answered a final status).
    pub unknown_settled: usize,
    /// Unknown payments still unsettled after every try.
    pub unknown_unsettled: usize,
    /// Seconds from the end of the page-side recovery until the partner had nothing in flight.
    pub settle_secs: f64,
}

/// Runs the recovery; `db` reads the partner's database.
pub async fn recover(
    w: &Arc<World>,
    db: &AnyPool,
    reconcile_secs: u64,
    toss_timeout_ms: u64,
) -> Result<RecoveryReport, ChaosError> {
    let fired = fired_by_kind(&w.control.faults().await?, toss_timeout_ms);
    let mut report = RecoveryReport {
        faults_fired: fired,
        ..Default::default()
    };
    w.control.clear_faults().await?;
    for instance in 0..w.instances() {
        w.kill_and_restart(instance).await?;
    }

    for _round in 0..3 {
        let pending = w.control.pending_orders(None).await?;
        if pending.is_empty() {
            break;
        }
        for (order_id, user_key, sku) in pending {
            restore_one(w, &order_id, user_key, &sku, &mut report).await?;
        }
    }

    for p in w.unknown() {
        if settle_unknown(w, p.user, &p.order_no).await {
            report.unknown_settled += 1;
        } else {
            report.unknown_unsettled += 1;
        }
    }

    sync_histories(w).await?;

    // At least two reconciler periods, then until nothing is in flight (bounded; the time is reported).
    let start = Instant::now();
    tokio::time::sleep(Duration::from_millis(2 * reconcile_secs * 1000 + 500)).await;
    let deadline = start + Duration::from_secs(10 * reconcile_secs.max(1) + 10);
    while observe::in_flight(db).await? > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    report.settle_secs = start.elapsed().as_secs_f64();
    Ok(report)
}

/// `restorePendingOrders` for one order: grant (repeating retryable errors), then tell Toss the outcome.
async fn restore_one(
    w: &Arc<World>,
    order_id: &str,
    user_key: i64,
    sku: &str,
    report: &mut RecoveryReport,
) -> Result<(), ChaosError> {
    let Some((_, page)) = w.page_of(user_key) else {
        return Ok(());
    };
    let body = json!({ "orderId": order_id, "sku": sku });
    let mut answer = page.post(PATH_IAP_GRANTS, body.clone()).await;
    for _ in 1..TRIES {
        if !answer.is_retryable() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        answer = page.post(PATH_IAP_GRANTS, body.clone()).await;
    }
    let flow = format!("recovery-restore/{order_id}");
    let granted = matches!(&answer, Answer::Ok(v) if v["granted"] == true);
    let status = if granted {
        "PAYMENT_COMPLETED"
    } else {
        "FAILED"
    };
    match w.control.decide(order_id, status).await {
        Ok(()) | Err(Refused::Conflict) => {}
        Err(Refused::Other(e)) => return Err(e),
    }
    let result = match answer {
        Answer::Ok(_) if granted => {
            report.restored += 1;
            PageResult::Granted {
                order_id: order_id.to_string(),
            }
        }
        Answer::Ok(v) => PageResult::Untyped(format!("grant answered {v}")),
        Answer::Typed {
            code, retryable, ..
        } => {
            report.restore_refused += 1;
            PageResult::TypedError { code, retryable }
        }
        Answer::Untyped(s) => PageResult::Untyped(s),
    };
    w.record(flow, result);
    Ok(())
}

/// Asks for a payment's status until the partner reports it settled; executes again while Toss reports it
/// approved but not executed. True when it settled.
async fn settle_unknown(w: &Arc<World>, user: usize, order_no: &str) -> bool {
    let page = &w.pages[user];
    for _ in 0..TRIES {
        match page.get(&payment_path(order_no)).await {
            Answer::Ok(v) => match v["status"].as_str().unwrap_or("") {
                "PAY_COMPLETE" if v.get("receipt").is_some_and(Value::is_object) => return true,
                "PAY_CANCEL" | "REFUND_SUCCESS" => return true,
                "PAY_APPROVED" => {
                    let _ = page.post(&execute_path(order_no), json!({})).await;
                }
                _ => {}
            },
            // A final refusal (e.g. the payment was never created at Toss) settles nothing more.
            Answer::Typed {
                retryable: false, ..
            } => return true,
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    false
}

/// What the page does at start after restoring: `/iap/sync` with the SDK's order history (completed and refunded
/// orders, from Toss's ledger) for every user.
async fn sync_histories(w: &Arc<World>) -> Result<(), ChaosError> {
    let state = w.control.state().await?;
    let mut by_user: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
    for o in state["state"]["iapOrders"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        let status = match o["status"].as_str() {
            Some("PAYMENT_COMPLETED" | "PURCHASED") => "COMPLETED",
            Some("REFUNDED") => "REFUNDED",
            _ => continue,
        };
        let Some(user) = o["userKey"].as_str().and_then(|u| u.parse::<i64>().ok()) else {
            continue;
        };
        by_user
            .entry(user)
            .or_default()
            .push(json!({ "orderId": o["orderId"], "sku": o["sku"], "status": status }));
    }
    for (user, orders) in by_user {
        let Some((_, page)) = w.page_of(user) else {
            continue;
        };
        for chunk in orders.chunks(200) {
            for _ in 0..TRIES {
                if !page
                    .post(PATH_IAP_SYNC, json!({ "orders": chunk }))
                    .await
                    .is_retryable()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    Ok(())
}

/// Sums `fired` of the sandbox's fault rules by kind label (a latency beyond the partner's deadline is a timeout).
fn fired_by_kind(faults: &Value, toss_timeout_ms: u64) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for r in faults["rules"].as_array().into_iter().flatten() {
        let label = match (r["kind"].as_str(), r["afterCommit"].as_bool()) {
            (Some("latency"), _) if r["ms"].as_u64().unwrap_or(0) > toss_timeout_ms => "timeout",
            (Some("latency"), _) => "latency",
            (Some("http5xx"), Some(true)) => "5xx-after-commit",
            (Some("http5xx"), _) => "5xx",
            (Some("fail"), _) => "fail",
            (Some("drop"), _) => "drop",
            _ => "other",
        };
        let mode = if r["rate"].is_number() {
            "background"
        } else {
            "armed"
        };
        *out.entry(format!("{label} ({mode})")).or_default() += r["fired"].as_u64().unwrap_or(0);
    }
    out
}
