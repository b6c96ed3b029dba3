//! The partner's side of an [`Observation`] from ait-partner's database (`payments` and `grants`): SQLite or
//! PostgreSQL through sqlx's `Any` driver ([`Observation::add_partner_pool`], opened by [`open_partner_db`]), the
//! rows read into structs by column name.
//!
//! The SQL is what both databases understand: `user_key` cast to text (an INTEGER in SQLite, a BIGINT in
//! PostgreSQL, text in some old files), flags as 0/1 integers. Tolerates the schema before issue 8: a `grants` table
//! without `provisional` reads as "not provisional".

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

use super::LoadError;
use crate::observation::{Observation, PartnerGrant, PartnerPayment, PartnerPaymentState};

/// The payments, with what the checker needs of each.
const PAYMENTS_SQL: &str = "SELECT order_no, CAST(user_key AS TEXT) AS user_key_text, idempotency_key, state, \
     CASE WHEN receipt_json IS NULL THEN 0 ELSE 1 END AS has_receipt, \
     CASE WHEN refund_json IS NULL THEN 0 ELSE 1 END AS has_refund_receipt \
     FROM payments ORDER BY order_no";

/// The grants: every column (so that `provisional` is read when the schema has it) and the derived ones.
const GRANTS_SQL: &str = "SELECT *, CAST(user_key AS TEXT) AS user_key_text, \
     CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END AS is_revoked \
     FROM grants ORDER BY order_id";

/// One row of [`PAYMENTS_SQL`].
#[derive(sqlx::FromRow)]
struct PaymentRow {
    order_no: String,
    user_key_text: String,
    idempotency_key: String,
    state: String,
    has_receipt: i64,
    has_refund_receipt: i64,
}

/// One row of [`GRANTS_SQL`].
#[derive(sqlx::FromRow)]
struct GrantRow {
    order_id: String,
    user_key_text: String,
    sku: String,
    is_revoked: i64,
    /// Absent before issue 8: then 0.
    #[sqlx(default)]
    provisional: i64,
}

/// Opens the partner's database for reading: `postgres://…`, `sqlite://path`, or a plain path (a SQLite file, opened
/// read-only, so reading it beside a running partner changes nothing).
pub async fn open_partner_db(url: &str) -> Result<AnyPool, LoadError> {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        url.to_string()
    } else {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        let (path, query) = path.split_once('?').unwrap_or((path, "mode=ro"));
        // Encoded where sqlx's URL parser would split the path (as ait-partner does).
        let path = path.replace('%', "%25").replace('?', "%3F").replace('#', "%23");
        format!("sqlite://{path}?{query}")
    };
    Ok(AnyPoolOptions::new().max_connections(2).connect(&url).await?)
}

impl Observation {
    /// Appends the partner's payments and grants read through `pool` (ait-partner's database, SQLite or
    /// PostgreSQL; see [`open_partner_db`], or the partner's own pool).
    pub async fn add_partner_pool(&mut self, pool: &AnyPool) -> Result<(), LoadError> {
        let payments: Vec<PaymentRow> = sqlx::query_as(PAYMENTS_SQL).fetch_all(pool).await?;
        let grants: Vec<GrantRow> = sqlx::query_as(GRANTS_SQL).fetch_all(pool).await?;
        self.add_rows(payments, grants)
    }

    fn add_rows(&mut self, payments: Vec<PaymentRow>, grants: Vec<GrantRow>) -> Result<(), LoadError> {
        for p in payments {
            let Some(state) = PartnerPaymentState::from_db(&p.state) else {
                return Err(LoadError::UnknownPaymentState { order_no: p.order_no, state: p.state });
            };
            self.partner_payments.push(PartnerPayment {
                order_no: p.order_no,
                user_key: p.user_key_text,
                idempotency_key: p.idempotency_key,
                state,
                has_receipt: p.has_receipt != 0,
                has_refund_receipt: p.has_refund_receipt != 0,
            });
        }
        for g in grants {
            self.partner_grants.push(PartnerGrant {
                order_id: g.order_id,
                user_key: g.user_key_text,
                sku: g.sku,
                revoked: g.is_revoked != 0,
                provisional: g.provisional != 0,
            });
        }
        Ok(())
    }
}
