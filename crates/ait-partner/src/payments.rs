//! The store of TossPay payments (`payments` and `payment_events` tables).
//!
//! A payment's `state` is what this server knows:
//! `CREATING` → `CREATED` → `EXECUTING` → `PAID` → `REFUNDING` → `REFUNDED`, or `CANCELED`. `EXECUTING` means
//! execute-payment was sent and its outcome is not known yet; `REFUNDING` the same for refund-payment. A payment in
//! either state may have moved money, so it leaves it only on evidence: a reply, Toss's status, or Toss refusing a
//! call that no lost one can overtake (see `tosspay/execute.rs` and `tosspay/refund.rs`); the reconciler settles such payments on its own. Toss's
//! status moves a payment forward only: `PAID` and `REFUNDED` never go back on a lagging read.
//! Every change is saved together with an event row ([`PaymentEvent`]), so the history of a payment is in the
//! database. States, events and Toss's `payStatus` are enums in the code; their names are written and parsed only
//! here, where rows are read and written.

use ait_api::partner::{PaymentReceipt, RefundReceipt};
use ait_api::PayStatus;
use rusqlite::{params, OptionalExtension, Row};

use crate::db::{now, now_ms, Db, DbError};

/// What this server knows about a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Stored; make-payment not confirmed yet (no payToken).
    Creating,
    /// make-payment answered: the payToken is known.
    Created,
    /// execute-payment sent, outcome unknown.
    Executing,
    /// Executed: the receipt is stored.
    Paid,
    /// refund-payment sent, outcome unknown.
    Refunding,
    /// Refunded: the refund receipt is stored (when this server refunded it).
    Refunded,
    /// The buyer canceled in the payment sheet.
    Canceled,
}

impl PaymentState {
    /// Settled for good as far as this server knows (`PAID`, `REFUNDED`, `CANCELED`): what the store says can answer
    /// when Toss cannot.
    pub fn is_settled(self) -> bool {
        matches!(self, PaymentState::Paid | PaymentState::Refunded | PaymentState::Canceled)
    }

    /// A call that may have moved money was sent and its outcome is not known yet (`EXECUTING`, `REFUNDING`).
    pub fn is_in_flight(self) -> bool {
        matches!(self, PaymentState::Executing | PaymentState::Refunding)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Creating => "CREATING",
            PaymentState::Created => "CREATED",
            PaymentState::Executing => "EXECUTING",
            PaymentState::Paid => "PAID",
            PaymentState::Refunding => "REFUNDING",
            PaymentState::Refunded => "REFUNDED",
            PaymentState::Canceled => "CANCELED",
        }
    }

    fn parse(s: &str) -> Result<Self, DbError> {
        Ok(match s {
            "CREATING" => PaymentState::Creating,
            "CREATED" => PaymentState::Created,
            "EXECUTING" => PaymentState::Executing,
            "PAID" => PaymentState::Paid,
            "REFUNDING" => PaymentState::Refunding,
            "REFUNDED" => PaymentState::Refunded,
            "CANCELED" => PaymentState::Canceled,
            other => {
                return Err(DbError::Sqlite(rusqlite::Error::InvalidColumnType(
                    0,
                    format!("payments.state {other}"),
                    rusqlite::types::Type::Text,
                )))
            }
        })
    }
}

/// What happened to a payment: one row of its history (`payment_events.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentEvent {
    /// Stored, before make-payment (detail: the priced order).
    Created,
    /// make-payment answered: the payToken is known.
    MakePayment,
    /// make-payment found the payment already made (a retry after a lost reply); the payToken came from its status.
    MakePaymentRecovered,
    /// Toss refused make-payment (detail: its error code).
    MakePaymentFailed,
    /// make-payment did not answer: made or not, unknown.
    MakePaymentUnknown,
    /// execute-payment is about to be sent.
    Execute,
    /// execute-payment is about to be sent again, after an attempt whose outcome was lost.
    ExecuteAgain,
    /// execute-payment answered with the receipt.
    Executed,
    /// Toss refused the execute while an earlier one may have gone through: still unknown.
    ExecuteRefused,
    /// Toss refused the execute and nothing was executed: a final answer.
    ExecuteFailed,
    /// execute-payment could not be sent.
    ExecuteNotSent,
    /// execute-payment's reply was lost, late or a 5xx.
    ExecuteUnknown,
    /// refund-payment is about to be sent (detail: the reason).
    Refund,
    /// refund-payment is about to be sent again, after an attempt whose outcome was lost.
    RefundAgain,
    /// refund-payment answered with the refund receipt.
    Refunded,
    /// Toss refused the refund while an earlier one may have gone through: still unknown.
    RefundRefused,
    /// Toss refused the refund and nothing was refunded: a final answer.
    RefundFailed,
    /// refund-payment could not be sent.
    RefundNotSent,
    /// refund-payment's reply was lost, late or a 5xx.
    RefundUnknown,
    /// Toss's status changed what is stored (detail: the status).
    Reconciled,
}

impl PaymentEvent {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentEvent::Created => "created",
            PaymentEvent::MakePayment => "make_payment",
            PaymentEvent::MakePaymentRecovered => "make_payment_recovered",
            PaymentEvent::MakePaymentFailed => "make_payment_failed",
            PaymentEvent::MakePaymentUnknown => "make_payment_unknown",
            PaymentEvent::Execute => "execute",
            PaymentEvent::ExecuteAgain => "execute_again",
            PaymentEvent::Executed => "executed",
            PaymentEvent::ExecuteRefused => "execute_refused",
            PaymentEvent::ExecuteFailed => "execute_failed",
            PaymentEvent::ExecuteNotSent => "execute_not_sent",
            PaymentEvent::ExecuteUnknown => "execute_unknown",
            PaymentEvent::Refund => "refund",
            PaymentEvent::RefundAgain => "refund_again",
            PaymentEvent::Refunded => "refunded",
            PaymentEvent::RefundRefused => "refund_refused",
            PaymentEvent::RefundFailed => "refund_failed",
            PaymentEvent::RefundNotSent => "refund_not_sent",
            PaymentEvent::RefundUnknown => "refund_unknown",
            PaymentEvent::Reconciled => "reconciled",
        }
    }
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// The server-made order number.
    pub order_no: String,
    /// Whose it is.
    pub user_key: i64,
    /// The page's idempotency key.
    pub idempotency_key: String,
    /// The priced order (canonical JSON), to tell a reused key from a retry.
    pub order_json: String,
    /// What was sent as `productDesc`.
    pub product_desc: String,
    /// Total, KRW.
    pub amount: i64,
    /// Tax-free part, KRW.
    pub amount_tax_free: i64,
    /// The `isTestPayment` it was made with.
    pub is_test_payment: bool,
    /// From make-payment.
    pub pay_token: Option<String>,
    /// What this server knows.
    pub state: PaymentState,
    /// The last `payStatus` seen at Toss.
    pub toss_status: Option<PayStatus>,
    /// The receipt, once paid.
    pub receipt: Option<PaymentReceipt>,
    /// The refund receipt, once refunded.
    pub refund: Option<RefundReceipt>,
    /// Why a refund was asked for (kept to finish a refund whose outcome was lost).
    pub refund_reason: Option<String>,
    /// When the last execute or refund whose outcome is not known was sent (Unix milliseconds).
    pub attempted_at: Option<i64>,
}

const COLUMNS: &str =
    "order_no, user_key, idempotency_key, order_json, product_desc, amount, amount_tax_free, \
                       is_test_payment, pay_token, state, toss_status, receipt_json, refund_json, refund_reason, attempted_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(Payment, Option<String>, Option<String>, String)> {
    Ok((
        Payment {
            order_no: r.get(0)?,
            user_key: r.get(1)?,
            idempotency_key: r.get(2)?,
            order_json: r.get(3)?,
            product_desc: r.get(4)?,
            amount: r.get(5)?,
            amount_tax_free: r.get(6)?,
            is_test_payment: r.get(7)?,
            pay_token: r.get(8)?,
            state: PaymentState::Creating,
            toss_status: r
                .get::<_, Option<String>>(10)?
                .map(|s| PayStatus::parse(&s)),
            receipt: None,
            refund: None,
            refund_reason: r.get(13)?,
            attempted_at: r.get(14)?,
        },
        r.get(11)?,
        r.get(12)?,
        r.get(9)?,
    ))
}

fn finish(row: (Payment, Option<String>, Option<String>, String)) -> Result<Payment, DbError> {
    let (mut p, receipt, refund, state) = row;
    p.state = PaymentState::parse(&state)?;
    p.receipt = receipt.map(|s| serde_json::from_str(&s)).transpose()?;
    p.refund = refund.map(|s| serde_json::from_str(&s)).transpose()?;
    Ok(p)
}

fn select_one(
    conn: &rusqlite::Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> Result<Option<Payment>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE {filter}");
    conn.query_row(&sql, args, from_row)
        .optional()?
        .map(finish)
        .transpose()
}

/// The result of [`insert_or_get`].
#[derive(Debug)]
pub enum Inserted {
    /// A new payment row (state `CREATING`).
    New(Payment),
    /// The user already has a payment with this idempotency key.
    Existing(Payment),
}

/// Stores a new `CREATING` payment unless the user already has one under the same idempotency key
/// (`INSERT … ON CONFLICT DO NOTHING`, so two concurrent creates cannot both insert).
pub async fn insert_or_get(db: &Db, p: Payment) -> Result<Inserted, DbError> {
    db.call(move |conn| {
        let t = now();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "INSERT INTO payments (order_no, user_key, idempotency_key, order_json, product_desc, amount,
               amount_tax_free, is_test_payment, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?9, ?9)
             ON CONFLICT (user_key, idempotency_key) DO NOTHING",
            params![
                p.order_no,
                p.user_key,
                p.idempotency_key,
                p.order_json,
                p.product_desc,
                p.amount,
                p.amount_tax_free,
                p.is_test_payment,
                t,
                PaymentState::Creating.as_str()
            ],
        )?;
        let out = if n == 1 {
            insert_event(&tx, &p.order_no, PaymentEvent::Created, Some(&p.order_json), t)?;
            Inserted::New(p.clone())
        } else {
            let existing = select_one(
                &tx,
                "user_key = ?1 AND idempotency_key = ?2",
                params![p.user_key, p.idempotency_key],
            )?
            .ok_or(DbError::Sqlite(rusqlite::Error::QueryReturnedNoRows))?;
            Inserted::Existing(existing)
        };
        tx.commit()?;
        Ok(out)
    })
    .await
}

/// A payment by order number, only if it belongs to `user_key`.
pub async fn get_for_user(
    db: &Db,
    order_no: &str,
    user_key: i64,
) -> Result<Option<Payment>, DbError> {
    let order_no = order_no.to_string();
    db.call(move |conn| {
        select_one(
            conn,
            "order_no = ?1 AND user_key = ?2",
            params![order_no, user_key],
        )
    })
    .await
}

/// A payment by order number.
pub async fn get(db: &Db, order_no: &str) -> Result<Option<Payment>, DbError> {
    let order_no = order_no.to_string();
    db.call(move |conn| select_one(conn, "order_no = ?1", params![order_no]))
        .await
}

/// Order numbers of the payments whose outcome is not known yet (`EXECUTING` or `REFUNDING`), oldest first.
pub async fn unsettled(db: &Db) -> Result<Vec<String>, DbError> {
    db.call(|conn| {
        let mut st = conn.prepare(
            "SELECT order_no FROM payments WHERE state IN (?1, ?2) ORDER BY updated_at",
        )?;
        let in_flight = [PaymentState::Executing.as_str(), PaymentState::Refunding.as_str()];
        let rows = st.query_map(in_flight, |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .await
}

/// When Toss's status of the payment was last read (Unix milliseconds), if ever.
pub async fn checked_at(db: &Db, order_no: &str) -> Result<Option<i64>, DbError> {
    let order_no = order_no.to_string();
    db.call(move |conn| {
        Ok(conn
            .query_row(
                "SELECT checked_at FROM payments WHERE order_no = ?1",
                [order_no],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten())
    })
    .await
}

/// Records that Toss's status of the payment was read now.
pub async fn mark_checked(db: &Db, order_no: &str) -> Result<(), DbError> {
    let order_no = order_no.to_string();
    db.call(move |conn| {
        conn.execute(
            "UPDATE payments SET checked_at = ?2 WHERE order_no = ?1",
            params![order_no, now_ms()],
        )?;
        Ok(())
    })
    .await
}

/// Saves the mutable fields of `p` and records an event (`kind`, optional `detail`), in one transaction.
pub async fn save(
    db: &Db,
    p: &Payment,
    kind: PaymentEvent,
    detail: Option<String>,
) -> Result<(), DbError> {
    let receipt = p.receipt.as_ref().map(serde_json::to_string).transpose()?;
    let refund = p.refund.as_ref().map(serde_json::to_string).transpose()?;
    let (order_no, pay_token, state, toss_status, refund_reason, attempted_at) = (
        p.order_no.clone(),
        p.pay_token.clone(),
        p.state.as_str(),
        p.toss_status.as_ref().map(|s| s.as_str().to_owned()),
        p.refund_reason.clone(),
        p.attempted_at,
    );
    db.call(move |conn| {
        let t = now();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE payments SET pay_token = ?2, state = ?3, toss_status = ?4, receipt_json = ?5,
               refund_json = ?6, refund_reason = ?8, attempted_at = ?9, updated_at = ?7 WHERE order_no = ?1",
            params![order_no, pay_token, state, toss_status, receipt, refund, t, refund_reason, attempted_at],
        )?;
        insert_event(&tx, &order_no, kind, detail.as_deref(), t)?;
        tx.commit()?;
        Ok(())
    })
    .await
}

/// Records an event without changing the payment.
pub async fn event(
    db: &Db,
    order_no: &str,
    kind: PaymentEvent,
    detail: Option<String>,
) -> Result<(), DbError> {
    let order_no = order_no.to_string();
    db.call(move |conn| {
        insert_event(conn, &order_no, kind, detail.as_deref(), now())?;
        Ok(())
    })
    .await
}

fn insert_event(
    conn: &rusqlite::Connection,
    order_no: &str,
    kind: PaymentEvent,
    detail: Option<&str>,
    at: i64,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO payment_events (order_no, kind, detail, at) VALUES (?1, ?2, ?3, ?4)",
        params![order_no, kind.as_str(), detail, at],
    )?;
    Ok(())
}
