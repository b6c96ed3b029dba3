//! In-app purchases, as the partner contract has it:
//!
//! * `POST /iap/grants {orderId, sku}` checks the order with `order/get-order-status` (it exists for this
//!   user, it is this mini-app's, it is for this SKU, it is paid or in progress, not refunded) and grants it once
//!   per `orderId`: the `grants` primary key decides (`INSERT … ON CONFLICT DO NOTHING`), so concurrent or repeated
//!   grants of one order make one row, and every repeat answers `{granted: true}`. Grant requests of one order are
//!   serialised in the process, so once one has granted, the concurrent others find the row without a Toss call
//!   (a refused grant is not remembered: each waiting request asks Toss again).
//! * `POST /iap/sync {orders}` checks the listed orders and every provisional grant of the user with Toss, and
//!   revokes the grants of orders Toss reports `REFUNDED`, `FAILED`, `NOT_FOUND` or `MINIAPP_MISMATCH` →
//!   `{revoked}`; the page's list only says which orders to check, its statuses are not evidence.
//! * `GET /iap/entitlements` → what the user owns (grants not revoked), each saying whether it is provisional.
//!
//! **Provisional grants.** `ORDER_IN_PROGRESS` is the status an order has while the SDK waits for
//! `processProductGrant` after the store charge, so it must be grantable or no purchase could complete; but
//! `get-order-status` does not tell "charged, grant pending" from "not charged yet". A grant made then is
//! provisional: the reconciler ([`crate::reconciler`]) and every sync confirm it when Toss reports
//! `PAYMENT_COMPLETED`/`PURCHASED`, and revoke it when Toss reports the order `FAILED`, `REFUNDED`, `NOT_FOUND` or
//! `MINIAPP_MISMATCH`. A grant of an order Toss already reports completed is confirmed at once.

use ait_api::iap::{OrderStatus, OrderStatusResponse};
use ait_api::partner::{
    Entitlement, EntitlementsResponse, GrantRequest, GrantResponse, RevokedGrant, SyncRequest,
    SyncResponse,
};
use ait_api::validate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::app::AppState;
use crate::db::{now_rfc3339, Db, DbError, Statement};
use crate::error::{codes, AppError};
use crate::extract::Valid;
use crate::session::Session;

/// Most orders one `/iap/sync` checks.
pub const SYNC_MAX_ORDERS: usize = 200;

// ---------------------------------------------------------------------------------------------- handlers

/// `POST /iap/grants`.
pub async fn grant(
    State(app): State<AppState>,
    session: Session,
    Valid(req): Valid<GrantRequest>,
) -> Result<Json<GrantResponse>, AppError> {
    validate::uuid("orderId", &req.order_id).map_err(|e| AppError::invalid(&e))?;
    if !app.config.catalog.has_iap_sku(&req.sku) {
        return Err(AppError::rejected(
            StatusCode::FORBIDDEN,
            codes::MINIAPP_MISMATCH,
            format!("{:?} is not one of this mini-app's products", req.sku),
        ));
    }
    // One grant of an order at a time, across instances: concurrent requests wait here, then find the row without
    // calling Toss. (The primary key on `order_id` is what makes the grant happen once; the lease saves Toss calls.)
    let _one_at_a_time = app.db.lease(format!("grant:{}", req.order_id)).await?;
    // Granted before (by this user, not revoked): the same answer, no second grant, no Toss call.
    if let Some(g) = find_grant(&app.db, &req.order_id).await? {
        return answer_for_existing(&g, session, &req.sku);
    }

    let order = app
        .toss
        .order_status(session.user_key, &req.order_id)
        .await?;
    check_grantable(&order, &req)?;
    let provisional = !order.status.as_ref().is_some_and(OrderStatus::is_confirmed);

    let inserted = insert_grant(
        &app.db,
        &req.order_id,
        session.user_key,
        &req.sku,
        provisional,
    )
    .await?;
    if inserted {
        tracing::info!(sku = %req.sku, provisional, "granted an IAP order");
        return Ok(Json(GrantResponse { granted: true }));
    }
    // Lost a race with a grant of the same order by another process: the row decides.
    let g = find_grant(&app.db, &req.order_id)
        .await?
        .ok_or_else(|| AppError::internal("grant row vanished"))?;
    answer_for_existing(&g, session, &req.sku)
}

/// `POST /iap/sync`.
pub async fn sync(
    State(app): State<AppState>,
    session: Session,
    Valid(req): Valid<SyncRequest>,
) -> Result<Json<SyncResponse>, AppError> {
    if req.orders.len() > SYNC_MAX_ORDERS {
        return Err(AppError::invalid_argument(format!(
            "at most {SYNC_MAX_ORDERS} orders per sync"
        )));
    }
    // The listed orders, then every provisional grant of the user (listed or not).
    let mut to_check: Vec<String> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let provisional = user_provisional_grants(&app.db, session.user_key).await?;
    for id in req
        .orders
        .iter()
        .map(|o| o.order_id.clone())
        .chain(provisional.into_iter().map(|g| g.order_id))
    {
        if seen.insert(id.clone()) {
            to_check.push(id);
        }
    }
    let mut revoked = Vec::new();
    for (i, order_id) in to_check.iter().enumerate() {
        // Only this user's live grants can be revoked; the page's status is not evidence.
        let Some(g) = find_grant(&app.db, order_id).await? else {
            continue;
        };
        if g.user_key != session.user_key || g.revoked_at.is_some() {
            continue;
        }
        // Each check is a Toss call: the user's rate limit counts them all (the request itself paid for one).
        if i > 0 && !app.limits.allow_toss_call(session.user_key) {
            tracing::warn!("sync: rate limit reached; the remaining orders are checked next time");
            break;
        }
        match app.toss.order_status(session.user_key, &g.order_id).await {
            Ok(o) => {
                if let Some(r) = settle_grant(&app.db, &g, &o).await? {
                    revoked.push(r);
                }
            }
            Err(e) => tracing::warn!(
                "sync: order status unavailable, the order is checked next time: {e}"
            ),
        }
    }
    Ok(Json(SyncResponse { revoked }))
}

/// `GET /iap/entitlements`.
pub async fn entitlements(
    State(app): State<AppState>,
    session: Session,
) -> Result<Json<EntitlementsResponse>, AppError> {
    let user_key = session.user_key;
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT sku, order_id, granted_at, provisional FROM grants
         WHERE user_key = $1 AND revoked_at IS NULL ORDER BY granted_at, order_id",
    )
    .bind(user_key)
    .fetch_all(app.db.pool())
    .await
    .map_err(DbError::from)?;
    let owned = rows
        .into_iter()
        .map(|(sku, order_id, granted_at, provisional)| Entitlement {
            sku,
            order_id: Some(order_id),
            granted_at: Some(granted_at),
            provisional: provisional != 0,
        })
        .collect();
    Ok(Json(owned))
}

// ---------------------------------------------------------------------------------------------- settling

/// Brings a live grant in line with Toss's view of its order: confirms a provisional grant of a completed order,
/// revokes the grant of an order that failed, was refunded or is not (this mini-app's) at Toss. Returns the
/// revocation, if this call made one.
async fn settle_grant(
    db: &Db,
    g: &Grant,
    order: &OrderStatusResponse,
) -> Result<Option<RevokedGrant>, DbError> {
    let Some(status) = order.status.as_ref() else {
        return Ok(None);
    };
    if status.is_confirmed() {
        if g.provisional && confirm_grant(db, &g.order_id).await? {
            tracing::info!(sku = %g.sku, "confirmed a provisional IAP grant");
        }
        return Ok(None);
    }
    if status.revokes_grant() && revoke_grant(db, &g.order_id, status).await? {
        tracing::info!(sku = %g.sku, %status, "revoked an IAP grant");
        return Ok(Some(RevokedGrant {
            order_id: g.order_id.clone(),
            sku: g.sku.clone(),
        }));
    }
    Ok(None)
}

/// Settles one provisional grant with Toss (the reconciler).
pub async fn settle_provisional(app: &AppState, g: &Grant) -> Result<(), AppError> {
    let order = app.toss.order_status(g.user_key, &g.order_id).await?;
    settle_grant(&app.db, g, &order).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------- rules

/// Whether Toss's view of the order allows granting `req`.
fn check_grantable(order: &OrderStatusResponse, req: &GrantRequest) -> Result<(), AppError> {
    let status = order
        .status
        .clone()
        .unwrap_or_else(|| OrderStatus::parse(""));
    match status {
        OrderStatus::NotFound => {
            return Err(AppError::not_found("no such IAP order for this user"))
        }
        OrderStatus::MiniappMismatch => {
            return Err(AppError::rejected(
                StatusCode::FORBIDDEN,
                codes::MINIAPP_MISMATCH,
                "the order is for a product of another mini-app",
            ))
        }
        OrderStatus::Refunded => {
            return Err(AppError::rejected(
                StatusCode::CONFLICT,
                codes::ORDER_REFUNDED,
                "the order was refunded",
            ))
        }
        OrderStatus::Error => {
            return Err(AppError::toss_unreachable(
                "Toss reports an internal error for the order; retry later",
            ))
        }
        s if s.is_grantable() => {}
        s => {
            return Err(AppError::rejected(
                StatusCode::CONFLICT,
                codes::ORDER_NOT_PAID,
                format!("the order is not paid (status {s})"),
            ))
        }
    }
    if order
        .order_id
        .as_deref()
        .is_some_and(|id| id != req.order_id)
    {
        return Err(AppError::internal(
            "get-order-status answered for another orderId",
        ));
    }
    match order.sku.as_deref() {
        Some(sku) if sku == req.sku => Ok(()),
        Some(sku) => Err(AppError::rejected(
            StatusCode::CONFLICT,
            codes::SKU_MISMATCH,
            format!("the order is for {sku:?}, not {:?}", req.sku),
        )),
        None => Err(AppError::toss_unreachable(
            "get-order-status gave no sku; retry later",
        )),
    }
}

fn answer_for_existing(
    g: &Grant,
    session: Session,
    sku: &str,
) -> Result<Json<GrantResponse>, AppError> {
    if g.user_key != session.user_key {
        // Order ids are Toss's, so this is another user's order: as good as unknown to this user.
        return Err(AppError::not_found("no such IAP order for this user"));
    }
    if g.revoked_at.is_some() {
        return Err(match g.revoke_reason {
            Some(OrderStatus::Failed) => AppError::rejected(
                StatusCode::CONFLICT,
                codes::ORDER_NOT_PAID,
                "the order failed at Toss; its grant was revoked",
            ),
            Some(OrderStatus::NotFound) => AppError::not_found("no such IAP order for this user"),
            Some(OrderStatus::MiniappMismatch) => AppError::rejected(
                StatusCode::FORBIDDEN,
                codes::MINIAPP_MISMATCH,
                "the order is for a product of another mini-app",
            ),
            _ => AppError::rejected(
                StatusCode::CONFLICT,
                codes::ORDER_REFUNDED,
                "the order was refunded",
            ),
        });
    }
    if g.sku != sku {
        return Err(AppError::rejected(
            StatusCode::CONFLICT,
            codes::SKU_MISMATCH,
            format!("the order is for {:?}, not {sku:?}", g.sku),
        ));
    }
    Ok(Json(GrantResponse { granted: true }))
}

// ---------------------------------------------------------------------------------------------- storage

/// A stored grant.
pub struct Grant {
    order_id: String,
    user_key: i64,
    sku: String,
    revoked_at: Option<String>,
    /// The order status that revoked it.
    revoke_reason: Option<OrderStatus>,
    provisional: bool,
}

impl Grant {
    /// The IAP order this grant is for (its key).
    pub fn order_id(&self) -> &str {
        &self.order_id
    }
}

const GRANT_COLUMNS: &str = "order_id, user_key, sku, revoked_at, revoke_reason, provisional";

/// A `grants` row as stored (read by column name).
#[derive(sqlx::FromRow)]
struct GrantRow {
    order_id: String,
    user_key: i64,
    sku: String,
    revoked_at: Option<String>,
    revoke_reason: Option<String>,
    provisional: i64,
}

impl From<GrantRow> for Grant {
    fn from(r: GrantRow) -> Grant {
        Grant {
            order_id: r.order_id,
            user_key: r.user_key,
            sku: r.sku,
            revoked_at: r.revoked_at,
            revoke_reason: r.revoke_reason.map(|s| OrderStatus::parse(&s)),
            provisional: r.provisional != 0,
        }
    }
}

async fn find_grant(db: &Db, order_id: &str) -> Result<Option<Grant>, DbError> {
    let row: Option<GrantRow> = sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants WHERE order_id = $1"
    ))
    .bind(order_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(Grant::from))
}

/// How many provisional grants the reconciler reads at a time. A backlog can be large (a Toss outage leaves every
/// grant of a busy hour provisional; the bench's soak left 160,000): read whole, it cost 30 MB of the server's memory
/// at once (issue 11's note).
pub const PROVISIONAL_PAGE: i64 = 256;

/// The reconciler's work list a page at a time: at most `limit` live provisional grants whose order id comes after
/// `after` (`""` for the first page), in order-id order. A grant that stays provisional is not read again in the same
/// pass, since the next page starts after the last order id.
pub async fn provisional_grants_after(db: &Db, after: &str, limit: i64) -> Result<Vec<Grant>, DbError> {
    let rows: Vec<GrantRow> = sqlx::query_as(&provisional_page_sql())
        .bind(after.to_owned())
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(Grant::from).collect())
}

/// The query of [`provisional_grants_after`] (`$1` the last order id read, `$2` the page size).
fn provisional_page_sql() -> String {
    format!(
        "SELECT {GRANT_COLUMNS} FROM grants WHERE provisional = 1 AND revoked_at IS NULL AND order_id > $1
         ORDER BY order_id LIMIT $2"
    )
}

async fn user_provisional_grants(db: &Db, user_key: i64) -> Result<Vec<Grant>, DbError> {
    let rows: Vec<GrantRow> = sqlx::query_as(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants
         WHERE user_key = $1 AND provisional = 1 AND revoked_at IS NULL ORDER BY granted_at"
    ))
    .bind(user_key)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(Grant::from).collect())
}

/// Inserts the grant unless the order has one; true when this call inserted it. The primary key on `order_id`
/// makes the database the judge: two instances granting one order at once insert one row.
async fn insert_grant(
    db: &Db,
    order_id: &str,
    user_key: i64,
    sku: &str,
    provisional: bool,
) -> Result<bool, DbError> {
    let inserted = db
        .execute(
            Statement::new(
                "INSERT INTO grants (order_id, user_key, sku, granted_at, provisional) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (order_id) DO NOTHING",
            )
            .bind(order_id.to_owned())
            .bind(user_key)
            .bind(sku.to_owned())
            .bind(now_rfc3339())
            .bind(i64::from(provisional)),
        )
        .await?;
    Ok(inserted == 1)
}

/// Marks a live provisional grant confirmed; true when this call confirmed it.
async fn confirm_grant(db: &Db, order_id: &str) -> Result<bool, DbError> {
    let confirmed = db
        .execute(
            Statement::new(
                "UPDATE grants SET provisional = 0, confirmed_at = $2
                 WHERE order_id = $1 AND provisional = 1 AND revoked_at IS NULL",
            )
            .bind(order_id.to_owned())
            .bind(now_rfc3339()),
        )
        .await?;
    Ok(confirmed == 1)
}

/// Marks a grant revoked (`reason`: the order status that revoked it); true when this call revoked it.
async fn revoke_grant(db: &Db, order_id: &str, reason: &OrderStatus) -> Result<bool, DbError> {
    let revoked = db
        .execute(
            Statement::new(
                "UPDATE grants SET revoked_at = $2, revoke_reason = $3 WHERE order_id = $1 AND revoked_at IS NULL",
            )
            .bind(order_id.to_owned())
            .bind(now_rfc3339())
            .bind(reason.as_str().to_owned()),
        )
        .await?;
    Ok(revoked == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_provisional_work_list_is_read_a_page_at_a_time_each_grant_once() {
        let db = Db::open_temporary().await.unwrap();
        for (i, provisional) in [(5, 1), (1, 1), (3, 0), (2, 1), (4, 1), (6, 1), (7, 1)] {
            let insert = Statement::new(
                "INSERT INTO grants (order_id, user_key, sku, granted_at, provisional) VALUES ($1, 1, 'gem_100', '', $2)",
            )
            .bind(format!("o{i}"))
            .bind(i64::from(provisional));
            db.execute(insert).await.unwrap();
        }
        db.execute(Statement::new("UPDATE grants SET revoked_at = 'x' WHERE order_id = 'o6'")).await.unwrap();
        let (mut seen, mut after) = (Vec::new(), String::new());
        loop {
            let page = provisional_grants_after(&db, &after, 2).await.unwrap();
            assert!(page.len() <= 2);
            seen.extend(page.iter().map(|g| g.order_id.clone()));
            match page.last() {
                Some(last) if page.len() == 2 => after = last.order_id.clone(),
                _ => break,
            }
        }
        assert_eq!(seen, ["o1", "o2", "o4", "o5", "o7"], "live provisional grants, each once, in order");
        // A page reads through the index of exactly these grants (migration 0007), not the whole table.
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {}", provisional_page_sql()))
        .bind("")
        .bind(2_i64)
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert!(plan.iter().any(|row| row.3.contains("grants_provisional_by_order")), "{plan:?}");
    }

    fn order(status: &str, sku: &str) -> OrderStatusResponse {
        OrderStatusResponse {
            order_id: Some("0190a0b0-0000-7000-8000-000000000001".into()),
            sku: Some(sku.into()),
            status: Some(OrderStatus::parse(status)),
            ..Default::default()
        }
    }

    fn req(sku: &str) -> GrantRequest {
        GrantRequest {
            order_id: "0190a0b0-0000-7000-8000-000000000001".into(),
            sku: sku.into(),
        }
    }

    #[test]
    fn exactly_the_paid_statuses_are_grantable() {
        for s in ["PAYMENT_COMPLETED", "PURCHASED", "ORDER_IN_PROGRESS"] {
            assert!(
                check_grantable(&order(s, "gem_100"), &req("gem_100")).is_ok(),
                "{s}"
            );
        }
        let code = |s: &str| check_grantable(&order(s, "gem_100"), &req("gem_100")).unwrap_err();
        assert_eq!(code("FAILED").code(), codes::ORDER_NOT_PAID);
        assert_eq!(code("SOMETHING_NEW").code(), codes::ORDER_NOT_PAID);
        assert_eq!(code("REFUNDED").code(), codes::ORDER_REFUNDED);
        assert_eq!(code("NOT_FOUND").code(), "NOT_FOUND");
        assert_eq!(code("MINIAPP_MISMATCH").code(), codes::MINIAPP_MISMATCH);
        assert_eq!(code("ERROR").code(), "TOSS_UNREACHABLE");
        let e =
            check_grantable(&order("PAYMENT_COMPLETED", "gem_500"), &req("gem_100")).unwrap_err();
        assert_eq!(e.code(), codes::SKU_MISMATCH);
    }
}
