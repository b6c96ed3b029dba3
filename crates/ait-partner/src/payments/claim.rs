//! A payment's claim: who works on the payment now, kept on the payment's own row (`claim_holder`, `claim_until`;
//! migrations sqlite 0009, postgres 0004) so that it holds across instances (issue 10). Every call on one payment
//! (create, execute, status, refund, the reconciler) runs under it, one at a time.
//!
//! It is a [`Lease`] whose row is the payment's ([`Site::Payment`]): it expires unless renewed, a dead holder's
//! claim is taken over once it expires, and a late release frees nothing someone else took. What the payment's own
//! writes can carry, they carry: the write that stores a new payment takes its claim ([`insert_claimed`]), and the
//! write that stores a section's outcome gives it back ([`save_releasing`]). Whatever way a section ends, it gives
//! the claim back before it answers ([`Lease::give_back`], which writes nothing after such a save), so the page's
//! next request and the reconciler find the payment free. Every save of the payment is conditional on the claim
//! still being the saver's ([`super::save`]), so a section that outlived its claim cannot overwrite what the next
//! holder stored. Before, a TossPay flow wrote four lease rows of its own beside the payment (issue 10's note
//! measures what that cost); now it writes none.

use super::{
    event_statement, get_for_user, save_with, saved, Payment, PaymentEvent, PaymentRow, PaymentState, Save, COLUMNS,
};
use crate::db::{now, Db, DbError, Lease, Site, Statement};

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
/// instances cannot both insert. An existing payment not made at Toss yet comes back claimed when nobody else holds
/// it (a retry after a lost make-payment finishes it); one made comes back unclaimed (its payToken is all a create
/// answers; claiming it would only hold up an execute); while another create holds it unmade, this waits.
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

/// One attempt of [`insert_claimed`]: the payment under the key with its claim, or `None` when it exists and is made
/// or held by another.
async fn insert_or_claim(db: &Db, p: Payment) -> Result<Option<(Inserted, Lease)>, DbError> {
    let (t, holder, (until, now_ms)) = (now(), db.new_holder(), db.lease_window());
    let (holding, order_no) = (holder.clone(), p.order_no.clone());
    let row = db
        .write(move |conn| {
            Box::pin(async move {
                let row: Option<PaymentRow> = Statement::new(format!(
                    "INSERT INTO payments (order_no, user_key, idempotency_key, order_json, product_desc, amount,
                       amount_tax_free, is_test_payment, state, created_at, updated_at, claim_holder, claim_until)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)
                     ON CONFLICT (user_key, idempotency_key) DO UPDATE
                       SET claim_holder = excluded.claim_holder, claim_until = excluded.claim_until
                       WHERE payments.pay_token IS NULL
                         AND (payments.claim_holder IS NULL OR payments.claim_until < $13)
                     RETURNING {COLUMNS}"
                ))
                .bind(&p.order_no)
                .bind(p.user_key)
                .bind(&p.idempotency_key)
                .bind(&p.order_json)
                .bind(&p.product_desc)
                .bind(p.amount)
                .bind(p.amount_tax_free)
                .bind(p.is_test_payment)
                .bind(PaymentState::Creating.as_str())
                .bind(t)
                .bind(holding)
                .bind(until)
                .bind(now_ms)
                .fetch_optional(conn)
                .await?;
                if row.as_ref().is_some_and(|row| row.order_no == p.order_no) {
                    let created = event_statement(&p.order_no, PaymentEvent::Created, Some(&p.order_json), t);
                    created.execute(conn).await?;
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
    Ok(claim_waiting(db, order_no, user_key, None).await?.map(|begun| (begun.before, begun.claim)))
}

/// The payment `order_no` with its claim if nobody works on it now (the reconciler skips a payment someone is
/// working on, like `SKIP LOCKED`); `None` too when there is no such payment.
pub async fn try_claim(db: &Db, order_no: &str) -> Result<Option<(Payment, Lease)>, DbError> {
    Ok(take(db, order_no, None, None).await?.map(|begun| (begun.before, begun.claim)))
}

/// A section's first step, stored by the write that claims the payment: from the payment as it is under the claim,
/// the payment to store with its event, or `None` to store nothing (the section answers from the payment as it is).
pub type Begin = fn(&Payment) -> Option<(Payment, PaymentEvent)>;

/// A payment claimed by [`claim_and_begin`].
pub struct Begun {
    /// The payment as it was when claimed.
    pub before: Payment,
    /// The payment as the claiming write stored it, when `begin` gave a step.
    pub stored: Option<Payment>,
    /// The claim.
    pub claim: Lease,
}

/// [`claim_for_user`] whose claiming write also stores the section's first step (`begin`): an execute's
/// `EXECUTING` is stored by the same write that takes the claim, one write where there were two.
pub async fn claim_and_begin(db: &Db, order_no: &str, user_key: i64, begin: Begin) -> Result<Option<Begun>, DbError> {
    claim_waiting(db, order_no, user_key, Some(begin)).await
}

/// [`take`] until it succeeds, while the payment is someone else's to work on; `None` when the user has no such
/// payment.
async fn claim_waiting(
    db: &Db,
    order_no: &str,
    user_key: i64,
    begin: Option<Begin>,
) -> Result<Option<Begun>, DbError> {
    db.wait_for(&format!("payment:{order_no}"), || async {
        if let Some(begun) = take(db, order_no, Some(user_key), begin).await? {
            return Ok(Some(Some(begun)));
        }
        // Not taken: held by someone else (wait), or not this user's payment (done).
        Ok(get_for_user(db, order_no, user_key).await?.is_none().then_some(None))
    })
    .await
}

/// One conditional write: the claim of `order_no` (of `user_key`, when given) if it is free or expired, with the
/// payment as it is now; and `begin`'s step stored in the same transaction.
async fn take(
    db: &Db,
    order_no: &str,
    user_key: Option<i64>,
    begin: Option<Begin>,
) -> Result<Option<Begun>, DbError> {
    let (holder, (until, now_ms), dialect) = (db.new_holder(), db.lease_window(), db.dialect());
    let (order, holding, step_holder) = (order_no.to_owned(), holder.clone(), holder.clone());
    let taken = db
        .write(move |conn| {
            Box::pin(async move {
                let of_user = if user_key.is_some() { " AND user_key = $5" } else { "" };
                let sql = format!(
                    "UPDATE payments SET claim_holder = $2, claim_until = $3
                     WHERE order_no = $1 AND (claim_holder IS NULL OR claim_until < $4){of_user}
                     RETURNING {COLUMNS}"
                );
                let mut query = Statement::new(sql).bind(order).bind(holding).bind(until).bind(now_ms);
                if let Some(user_key) = user_key {
                    query = query.bind(user_key);
                }
                let Some(row) = query.fetch_optional::<PaymentRow>(conn).await? else { return Ok(None) };
                // A row this version cannot read takes no step (and fails its request after the commit, below).
                let step = begin.zip(Payment::try_from(row.clone()).ok()).and_then(|(begin, p)| begin(&p));
                let Some((next, kind)) = step else { return Ok(Some((row, None))) };
                let rows = Save::new(dialect, &next, kind, None, &step_holder, false)?.run(conn).await?;
                saved(&next, rows)?;
                Ok(Some((row, Some(next))))
            })
        })
        .await?;
    let Some((row, stored)) = taken else { return Ok(None) };
    let claim = Lease::taken(db, Site::Payment(order_no.to_owned()), holder);
    Ok(Some(Begun { before: Payment::try_from(row)?, stored, claim }))
}

/// [`super::save`] as the last write of a section: the same statement gives `claim` back (if it is still this
/// holder's), so ending a section costs no write of its own (the section's [`Lease::give_back`] then writes
/// nothing).
pub async fn save_releasing(
    db: &Db,
    p: &Payment,
    kind: PaymentEvent,
    detail: Option<String>,
    claim: &Lease,
) -> Result<(), DbError> {
    save_with(db, p, kind, detail, claim, true).await?;
    claim.released_by_write();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::payments::get;
    use crate::payments::tests::{events, payment};

    /// A first step for the test: a `CREATED` payment goes `EXECUTING`; any other stays as it is.
    fn to_executing(p: &Payment) -> Option<(Payment, PaymentEvent)> {
        (p.state == PaymentState::Created).then(|| {
            let mut next = p.clone();
            next.state = PaymentState::Executing;
            (next, PaymentEvent::Execute)
        })
    }

    #[tokio::test]
    async fn the_claiming_write_stores_the_first_step_and_a_held_claim_stores_nothing() {
        let db = Db::open_temporary().await.unwrap().with_leases(Duration::from_secs(5), Duration::from_millis(100));
        let (Inserted::New(mut p), Some(claim)) = insert_claimed(&db, payment("o-1")).await.unwrap() else {
            panic!("a new payment, claimed")
        };
        assert!(try_claim(&db, "o-1").await.unwrap().is_none(), "claimed by the insert");
        p.state = PaymentState::Created;
        p.pay_token = Some("tok".into());
        save_releasing(&db, &p, PaymentEvent::MakePayment, None, &claim).await.unwrap();
        claim.give_back().await; // (writes nothing: the save gave it back)

        // Given back by that save: the next call claims it at once, and its write stores the step.
        let begun = claim_and_begin(&db, "o-1", 7, to_executing).await.unwrap().expect("the user's payment");
        assert_eq!(begun.before.state, PaymentState::Created);
        assert_eq!(begun.stored.as_ref().map(|p| p.state), Some(PaymentState::Executing));
        assert_eq!(get(&db, "o-1").await.unwrap().unwrap().state, PaymentState::Executing);
        assert_eq!(events(&db, "o-1").await, ["created", "make_payment", "execute"]);

        // Held: a second caller waits, gives up Busy, and stores nothing; another user's is not found.
        assert!(matches!(claim_and_begin(&db, "o-1", 7, to_executing).await, Err(DbError::Busy { .. })));
        assert!(claim_and_begin(&db, "o-1", 8, to_executing).await.unwrap().is_none());
        assert_eq!(events(&db, "o-1").await.len(), 3);

        // Released as it drops (in the background): the next claim finds EXECUTING, a state the step leaves alone.
        drop(begun);
        let db = db.with_leases(Duration::from_secs(5), Duration::from_secs(5));
        let again = claim_and_begin(&db, "o-1", 7, to_executing).await.unwrap().expect("the user's payment");
        assert_eq!((again.before.state, again.stored.is_none()), (PaymentState::Executing, true));
        assert_eq!(events(&db, "o-1").await.len(), 3);
    }
}
