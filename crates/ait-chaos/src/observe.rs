//! The observation the invariants are checked on — Toss's ledger from the sandbox's `GET /state`, the partner's
//! SQLite file, the page outcomes — and the evidence printed for a violation (the rows of the orders it names).

use std::path::Path;

use ait_invariants::{Observation, PageOutcome, Violation};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use crate::error::ChaosError;

fn open(db: &Path) -> Result<Connection, ChaosError> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Builds the observation after recovery.
pub fn observe(
    sandbox_state: &Value,
    db: &Path,
    outcomes: Vec<PageOutcome>,
) -> Result<Observation, ChaosError> {
    let mut obs = Observation::from_sandbox_state(sandbox_state)?;
    obs.add_partner_db(&open(db)?)?;
    obs.page_outcomes = outcomes;
    Ok(obs)
}

/// Partner rows whose outcome is not settled yet: payments `EXECUTING`/`REFUNDING` and provisional grants.
pub fn in_flight(db: &Path) -> Result<u64, ChaosError> {
    let conn = open(db)?;
    let payments: u64 = conn.query_row(
        "SELECT count(*) FROM payments WHERE state IN ('EXECUTING', 'REFUNDING')",
        [],
        |r| r.get(0),
    )?;
    // Older databases have no `provisional` column: then nothing is provisional.
    let grants: u64 = conn
        .query_row(
            "SELECT count(*) FROM grants WHERE provisional = 1 AND revoked_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
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

/// Everything known about the ids a violation names: Toss's record, the partner's row and, for a payment, its
/// `payment_events` in order.
pub fn evidence(v: &Violation, obs: &Observation, db: &Path) -> Result<String, ChaosError> {
    let conn = open(db)?;
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
        let mut st = conn.prepare(
            "SELECT user_key, idempotency_key, state, toss_status, receipt_json IS NOT NULL, refund_json IS NOT NULL
             FROM payments WHERE order_no = ?1",
        )?;
        let rows = st.query_map([&id], |r| {
            Ok(format!(
                "    partner payment {id}: user {} key {} state {} toss_status {:?} receipt {} refund receipt {}\n",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, bool>(5)?
            ))
        })?;
        for row in rows {
            out += &row?;
        }
        let mut st = conn.prepare(
            "SELECT kind, detail, at FROM payment_events WHERE order_no = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([&id], |r| {
            Ok(format!(
                "      event {} {:?} at {}\n",
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?
            ))
        })?;
        for row in rows {
            out += &row?;
        }
        let mut st = conn.prepare("SELECT * FROM grants WHERE order_id = ?1")?;
        let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let rows = st.query_map([&id], |r| {
            let cols: Vec<String> = (0..names.len())
                .map(|i| {
                    let v: rusqlite::types::Value = r.get(i)?;
                    Ok(format!("{}={v:?}", names[i]))
                })
                .collect::<Result<_, rusqlite::Error>>()?;
            Ok(format!("    partner grant {id}: {}\n", cols.join(" ")))
        })?;
        for row in rows {
            out += &row?;
        }
    }
    Ok(out)
}
