//! The partner's side of an [`Observation`] from ait-partner's SQLite (`payments` and `grants`).
//!
//! Tolerates the schema before issue 8: a `grants` table without `provisional` reads as "not provisional".

use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;

use super::LoadError;
use crate::observation::{Observation, PartnerGrant, PartnerPayment, PartnerPaymentState};

/// A key column as text, whether it was stored as INTEGER or TEXT.
fn key_text(v: SqlValue) -> String {
    match v {
        SqlValue::Integer(i) => i.to_string(),
        SqlValue::Text(s) => s,
        SqlValue::Real(r) => r.to_string(),
        SqlValue::Null => String::new(),
        SqlValue::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
    }
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, LoadError> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    for n in names {
        if n? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Observation {
    /// Appends the partner's payments and grants read from `conn` (ait-partner's database, open read-only or not).
    pub fn add_partner_db(&mut self, conn: &Connection) -> Result<(), LoadError> {
        let mut stmt = conn.prepare(
            "SELECT order_no, user_key, idempotency_key, state, receipt_json IS NOT NULL, refund_json IS NOT NULL \
             FROM payments ORDER BY order_no",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, SqlValue>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })?;
        for row in rows {
            let (order_no, user_key, idempotency_key, state, has_receipt, has_refund_receipt) = row?;
            let Some(parsed) = PartnerPaymentState::from_db(&state) else {
                return Err(LoadError::UnknownPaymentState { order_no, state });
            };
            self.partner_payments.push(PartnerPayment {
                order_no,
                user_key: key_text(user_key),
                idempotency_key,
                state: parsed,
                has_receipt,
                has_refund_receipt,
            });
        }

        let provisional = if has_column(conn, "grants", "provisional")? { "provisional <> 0" } else { "0" };
        let mut stmt = conn.prepare(&format!(
            "SELECT order_id, user_key, sku, revoked_at IS NOT NULL, {provisional} FROM grants ORDER BY order_id"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(PartnerGrant {
                order_id: r.get(0)?,
                user_key: key_text(r.get(1)?),
                sku: r.get(2)?,
                revoked: r.get(3)?,
                provisional: r.get(4)?,
            })
        })?;
        for g in rows {
            self.partner_grants.push(g?);
        }
        Ok(())
    }
}
