//! A payment's claim: who works on the payment now, kept on the payment's own row (`claim_holder`, `claim_until`;
//! migrations sqlite 0009, postgres 0004) so that it holds across instances (issue 10). Every call on one payment
//! (create, execute, status, refund, the reconciler) runs under it, one at a time.
//!
//! It is a [`Lease`] whose row is the payment's ([`Site::Payment`]): it expires unless renewed, a dead holder's
//! claim is taken over once it expires, and a late release frees nothing someone else took. What the payment's own
//! writes can carry, they carry: the write that stores a new payment takes its claim ([`insert_claimed`]), and the
//! write that stores a section's outcome gives it back ([`save_releasing`]). Before, a TossPay flow wrote four lease
//! rows of its own beside the payment (issue 10's note measures what that cost); now it writes none.

use sqlx::Executor;

use super::{insert_event, save_with, Payment, PaymentEvent, PaymentRow, PaymentState, COLUMNS};
use crate::db::{now, Db, DbError, Lease, Site};

/// What [`insert_claimed`] found under the idempotency key.
#[derive(Debug)]
pub enum Inserted {
    /// A new payment row (state `CREATING`).
    New(Payment),
    /// The user already has a payment with this idempotency key.
    Existing(Payment),
}

/// Stores a new `CREATING` payment, claimed, unless the user already has one under the same idempotency key: the
/// unique `(user_key, idempotency_key)` makes the database the judge (`INSERT … ON CONFLICT`), so two creates on two
/// instances cannot both insert. An existing payment comes back claimed when nobody else holds it (a retry after a
/// lost make-payment finishes it), or unclaimed once it is made at Toss (its payToken is all a create answers);
/// while another create holds it unmade, this waits.
pub async fn insert_claimed(db: &Db, p: Payment) -> Result<(Inserted, Option<Lease>), DbError> {
    let key = format!("create:{}:{}", p.user_key, p.idempotency_key);
    db.wait_for(&key, || async {
        if let Some((found, claim)) = insert_or_claim(db, p.clone()).await? {
            return Ok(Some((found, Some(claim))));
        }
        let made = existing(db, p.user_key, &p.idempotency_key)
            .await?
            .filter(|existing| existing.pay_token.is_some());
        Ok(made.map(|made| (Inserted::Existing(made), None)))
    })
    .await
}

/// One attempt of [`insert_claimed`]: the payment under the key with its claim, or `None` while another holds it.
async fn insert_or_claim(db: &Db, p: Payment) -> Result<Option<(Inserted, Lease)>, DbError> {
    let (t, holder, (until, now_ms)) = (now(), db.new_holder(), db.lease_window());
    let (holding, order_no) = (holder.clone(), p.order_no.clone());
    let row = db
        .write(move |conn| {
            Box::pin(async move {
                let row: Option<PaymentRow> = sqlx::query_as(&format!(
                    "INSERT INTO payments (order_no, user_key, idempotency_key, order_json, product_desc, amount,
                       amount_tax_free, is_test_payment, state, created_at, updated_at, claim_holder, claim_until)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)
                     ON CONFLICT (user_key, idempotency_key) DO UPDATE
                       SET claim_holder = excluded.claim_holder, claim_until = excluded.claim_until
                       WHERE payments.claim_holder IS NULL OR payments.claim_until < $13
                     RETURNING {COLUMNS}"
                ))
                .bind(&p.order_no)
                .bind(p.user_key)
                .bind(&p.idempotency_key)
                .bind(&p.order_json)
                .bind(&p.product_desc)
                .bind(p.amount)
                .bind(p.amount_tax_free)
                .bind(i64::from(p.is_test_payment))
                .bind(PaymentState::Creating.as_str())
                .bind(t)
                .bind(&holding)
                .bind(until)
                .bind(now_ms)
                .fetch_optional(&mut *conn)
                .await?;
                if row.as_ref().is_some_and(|row| row.order_no == p.order_no) {
                    insert_event(conn, &p.order_no, PaymentEvent::Created, Some(&p.order_json), t).await?;
                }
                Ok(row)
            })
        })
        .await?;
    // The claim is held from the commit on, whatever the row says; it is released if the row does not read.
    let Some(row) = row else { return Ok(None) };
    let claim = Lease::taken(db, Site::Payment(row.order_no.clone()), holder);
    // The stored row is read into a Payment after the commit: a value this version does not know fails this
    // request, not the write batch it shared.
    let fresh = row.order_no == order_no;
    let stored = Payment::try_from(row)?;
    Ok(Some((if fresh { Inserted::New(stored) } else { Inserted::Existing(stored) }, claim)))
}

/// The payment of `user_key` under `idempotency_key`, if any.
async fn existing(db: &Db, user_key: i64, idempotency_key: &str) -> Result<Option<Payment>, DbError> {
    sqlx::query_as::<_, PaymentRow>(&format!(
        "SELECT {COLUMNS} FROM payments WHERE user_key = $1 AND idempotency_key = $2"
    ))
    .bind(user_key)
    .bind(idempotency_key.to_owned())
    .fetch_optional(db.pool())
    .await?
    .map(Payment::try_from)
    .transpose()
}

/// Claims the payment `order_no` of `user_key`, waiting while someone else works on it (past the lease wait:
/// [`DbError::Busy`]). `None`: the user has no such payment. One write takes the claim and reads the payment as it
/// is under it.
pub async fn claim_for_user(db: &Db, order_no: &str, user_key: i64) -> Result<Option<(Payment, Lease)>, DbError> {
    db.wait_for(&format!("payment:{order_no}"), || async {
        if let Some(claimed) = take(db, order_no, Some(user_key)).await? {
            return Ok(Some(Some(claimed)));
        }
        // Held by someone else (wait), or not this user's payment (done).
        let mine = db
            .pool()
            .fetch_optional(
                sqlx::query("SELECT 1 FROM payments WHERE order_no = $1 AND user_key = $2")
                    .bind(order_no.to_owned())
                    .bind(user_key),
            )
            .await?
            .is_some();
        Ok((!mine).then_some(None))
    })
    .await
}

/// The payment `order_no` with its claim if nobody works on it now (the reconciler skips a payment someone is
/// working on, like `SKIP LOCKED`); `None` too when there is no such payment.
pub async fn try_claim(db: &Db, order_no: &str) -> Result<Option<(Payment, Lease)>, DbError> {
    take(db, order_no, None).await
}

/// One conditional write: the claim of `order_no` (of `user_key`, when given) if it is free or expired, with the
/// payment as it is now.
async fn take(db: &Db, order_no: &str, user_key: Option<i64>) -> Result<Option<(Payment, Lease)>, DbError> {
    let (holder, (until, now_ms)) = (db.new_holder(), db.lease_window());
    let (order, holding) = (order_no.to_owned(), holder.clone());
    let row = db
        .write(move |conn| {
            Box::pin(async move {
                let of_user = if user_key.is_some() { " AND user_key = $5" } else { "" };
                let sql = format!(
                    "UPDATE payments SET claim_holder = $2, claim_until = $3
                     WHERE order_no = $1 AND (claim_holder IS NULL OR claim_until < $4){of_user}
                     RETURNING {COLUMNS}"
                );
                let mut query = sqlx::query_as::<_, PaymentRow>(&sql).bind(order).bind(holding).bind(until).bind(now_ms);
                if let Some(user_key) = user_key {
                    query = query.bind(user_key);
                }
                Ok(query.fetch_optional(&mut *conn).await?)
            })
        })
        .await?;
    let Some(row) = row else { return Ok(None) };
    let claim = Lease::taken(db, Site::Payment(order_no.to_owned()), holder);
    Ok(Some((Payment::try_from(row)?, claim)))
}

/// [`super::save`] as the last write of a section: the same statement gives `claim` back (if it is still this
/// holder's), so ending a section costs no write of its own. On an error the claim is released as it drops.
pub async fn save_releasing(
    db: &Db,
    p: &Payment,
    kind: PaymentEvent,
    detail: Option<String>,
    claim: Lease,
) -> Result<(), DbError> {
    save_with(db, p, kind, detail, Some(claim.holder().to_owned())).await?;
    claim.released_by_write();
    Ok(())
}
