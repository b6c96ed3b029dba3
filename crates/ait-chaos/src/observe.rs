//! The observation the invariants are checked on — Toss's ledger from the sandbox's `GET /state`, the partner's
//! database (SQLite or PostgreSQL, read through sqlx), the page outcomes — and the evidence printed for a violation
//! (the rows of the orders it names).

use ait_invariants::{Observation, PageOutcome, Violation};
use serde_json::Value;
use sqlx::{AnyPool, Column, Row};

use crate::error::ChaosError;

/// Builds the observation after recovery.
pub async fn observe(
    sandbox_state: &Value,
    db: &AnyPool,
    outcomes: Vec<PageOutcome>,
) -> Result<Observation, ChaosError> {
    let mut obs = Observation::from_sandbox_state(sandbox_state)?;
    obs.add_partner_pool(db).await?;
    obs.page_outcomes = outcomes;
    Ok(obs)
}

/// Partner rows whose outcome is not settled yet: payments `EXECUTING`/`REFUNDING` and provisional grants.
pub async fn in_flight(db: &AnyPool) -> Result<i64, ChaosError> {
    let (payments,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM payments WHERE state IN ('EXECUTING', 'REFUNDING')")
            .fetch_one(db)
            .await?;
    // Older databases have no `provisional` column: then nothing is provisional.
    let grants = sqlx::query_as::<_, (i64,)>(
        "SELECT COUNT(*) FROM grants WHERE provisional = 1 AND revoked_at IS NULL",
    )
    .fetch_one(db)
    .await
    .map_or(0, |(n,)| n);
    Ok(payments + grants)
}

/// The ids a violation names (payments and orders known to the observation that appear in its description).
fn ids_in(v: &Violation, obs: &Observation) -> Vec<String> {
    let text = v.to_string();
    let mut ids: Vec<String> = obs
        .partner_payments
        .iter()
        .map(|p| p.order_no.clone())
        .chain(obs.toss_payments.iter().map(|p| p.order_no.clone()))
        .chain(obs.toss_orders.iter().map(|o| o.order_id.clone()))
        .chain(obs.partner_grants.iter().map(|g| g.order_id.clone()))
        .filter(|id| !id.is_empty() && text.contains(id.as_str()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// One partner `payments` row, as printed.
#[derive(sqlx::FromRow)]
struct PaymentRow {
    user_key: String,
    idempotency_key: String,
    state: String,
    toss_status: Option<String>,
    has_receipt: i64,
    has_refund_receipt: i64,
}

/// One `payment_events` row.
#[derive(sqlx::FromRow)]
struct EventRow {
    kind: String,
    detail: Option<String>,
    at: i64,
}

/// Everything known about the ids a violation names: Toss's record, the partner's row and, for a payment, its
/// `payment_events` in order.
pub async fn evidence(
    v: &Violation,
    obs: &Observation,
    db: &AnyPool,
) -> Result<String, ChaosError> {
    let mut out = String::new();
    for id in ids_in(v, obs) {
        for p in obs.toss_payments.iter().filter(|p| p.order_no == id) {
            out += &format!(
                "    toss payment {id}: {:?}, executions {}, refunds {}\n",
                p.status, p.executions, p.refunds
            );
        }
        for o in obs.toss_orders.iter().filter(|o| o.order_id == id) {
            out += &format!(
                "    toss order {id}: user {} sku {} status {} paid {}\n",
                o.user_key, o.sku, o.status, o.paid
            );
        }
        let payments: Vec<PaymentRow> = sqlx::query_as(
            "SELECT CAST(user_key AS TEXT) AS user_key, idempotency_key, state, toss_status,
                    CASE WHEN receipt_json IS NULL THEN 0 ELSE 1 END AS has_receipt,
                    CASE WHEN refund_json IS NULL THEN 0 ELSE 1 END AS has_refund_receipt
             FROM payments WHERE order_no = $1",
        )
        .bind(&id)
        .fetch_all(db)
        .await?;
        for p in payments {
            out += &format!(
                "    partner payment {id}: user {} key {} state {} toss_status {:?} receipt {} refund receipt {}\n",
                p.user_key,
                p.idempotency_key,
                p.state,
                p.toss_status,
                p.has_receipt != 0,
                p.has_refund_receipt != 0
            );
        }
        let events: Vec<EventRow> = sqlx::query_as(
            "SELECT kind, detail, at FROM payment_events WHERE order_no = $1 ORDER BY id",
        )
        .bind(&id)
        .fetch_all(db)
        .await?;
        for e in events {
            out += &format!("      event {} {:?} at {}\n", e.kind, e.detail, e.at);
        }
        let grants = sqlx::query("SELECT * FROM grants WHERE order_id = $1")
            .bind(&id)
            .fetch_all(db)
            .await?;
        for g in grants {
            let cols: Vec<String> = g
                .columns()
                .iter()
                .map(|c| format!("{}={}", c.name(), any_text(&g, c.ordinal())))
                .collect();
            out += &format!("    partner grant {id}: {}\n", cols.join(" "));
        }
    }
    Ok(out)
}

/// A column of any type (the grant table's columns are text and integers), for printing.
fn any_text(row: &sqlx::any::AnyRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or("None".into(), |n| n.to_string());
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or("None".into(), |n| n.to_string());
    }
    "?".into()
}
