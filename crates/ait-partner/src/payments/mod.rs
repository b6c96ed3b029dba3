//! The store of TossPay payments (`payments` and `payment_events` tables).
//!
//! A payment's `state` is what this server knows:
//! `CREATING` → `CREATED` → `EXECUTING` → `PAID` → `REFUNDING` → `REFUNDED`, or `CANCELED`. `EXECUTING` means
//! execute-payment was sent and its outcome is not known yet; `REFUNDING` the same for refund-payment. A payment in
//! either state may have moved money, so it leaves it only on evidence: a reply, Toss's status, or Toss refusing a
//! call that no lost one can overtake (see `tosspay/execute.rs` and `tosspay/refund.rs`); the reconciler settles such payments on its own. Toss's
//! status moves a payment forward only: `PAID` and `REFUNDED` never go back on a lagging read.
//! Every change is saved together with an event row ([`PaymentEvent`]), so the history of a payment is in the
//! database. Whoever works on a payment holds its claim, kept on its own row ([`claim`]). States, events and Toss's `payStatus` are enums in the code; their names are written and parsed only
//! here, where rows are read and written.

use ait_api::partner::{PaymentReceipt, RefundReceipt};
use ait_api::PayStatus;
use sqlx::FromRow;

use crate::db::{now, now_ms, Conn, Db, DbError, Dialect, Lease, Returned, Statement};
use crate::tosspay::Priced;

pub mod claim;
pub use claim::{claim_and_begin, claim_for_user, insert_claimed, save_releasing, try_claim, Begun, Inserted};

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
        matches!(
            self,
            PaymentState::Paid | PaymentState::Refunded | PaymentState::Canceled
        )
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
            other => return Err(DbError::Stored(format!("payments.state {other}"))),
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

const COLUMNS: &str = "order_no, user_key, idempotency_key, order_json, product_desc, amount, amount_tax_free, \
                       is_test_payment, pay_token, state, toss_status, receipt_json, refund_json, refund_reason, attempted_at";

/// A `payments` row as stored (read by column name); [`Payment`] is what the code works with.
#[derive(FromRow, Clone)]
struct PaymentRow {
    order_no: String,
    user_key: i64,
    idempotency_key: String,
    order_json: String,
    product_desc: String,
    amount: i64,
    amount_tax_free: i64,
    is_test_payment: i64,
    pay_token: Option<String>,
    state: String,
    toss_status: Option<String>,
    receipt_json: Option<String>,
    refund_json: Option<String>,
    refund_reason: Option<String>,
    attempted_at: Option<i64>,
}

impl Returned for PaymentRow {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<PaymentRow> {
        Ok(PaymentRow {
            order_no: row.get("order_no")?,
            user_key: row.get("user_key")?,
            idempotency_key: row.get("idempotency_key")?,
            order_json: row.get("order_json")?,
            product_desc: row.get("product_desc")?,
            amount: row.get("amount")?,
            amount_tax_free: row.get("amount_tax_free")?,
            is_test_payment: row.get("is_test_payment")?,
            pay_token: row.get("pay_token")?,
            state: row.get("state")?,
            toss_status: row.get("toss_status")?,
            receipt_json: row.get("receipt_json")?,
            refund_json: row.get("refund_json")?,
            refund_reason: row.get("refund_reason")?,
            attempted_at: row.get("attempted_at")?,
        })
    }
}

impl Payment {
    /// A new payment about to be stored (`CREATING`): nothing from Toss yet.
    pub fn creating(
        order_no: String,
        user_key: i64,
        idempotency_key: String,
        priced: Priced,
        is_test_payment: bool,
    ) -> Payment {
        Payment {
            order_no,
            user_key,
            idempotency_key,
            order_json: priced.order_json,
            product_desc: priced.product_desc,
            amount: priced.amount,
            amount_tax_free: priced.amount_tax_free,
            is_test_payment,
            pay_token: None,
            state: PaymentState::Creating,
            toss_status: None,
            receipt: None,
            refund: None,
            refund_reason: None,
            attempted_at: None,
        }
    }
}

impl TryFrom<PaymentRow> for Payment {
    type Error = DbError;

    fn try_from(r: PaymentRow) -> Result<Payment, DbError> {
        Ok(Payment {
            order_no: r.order_no,
            user_key: r.user_key,
            idempotency_key: r.idempotency_key,
            order_json: r.order_json,
            product_desc: r.product_desc,
            amount: r.amount,
            amount_tax_free: r.amount_tax_free,
            is_test_payment: r.is_test_payment != 0,
            pay_token: r.pay_token,
            state: PaymentState::parse(&r.state)?,
            toss_status: r.toss_status.map(|s| PayStatus::parse(&s)),
            receipt: r
                .receipt_json
                .map(|s| serde_json::from_str(&s))
                .transpose()?,
            refund: r
                .refund_json
                .map(|s| serde_json::from_str(&s))
                .transpose()?,
            refund_reason: r.refund_reason,
            attempted_at: r.attempted_at,
        })
    }
}

/// A payment by order number, only if it belongs to `user_key`.
pub async fn get_for_user(
    db: &Db,
    order_no: &str,
    user_key: i64,
) -> Result<Option<Payment>, DbError> {
    sqlx::query_as::<_, PaymentRow>(&format!(
        "SELECT {COLUMNS} FROM payments WHERE order_no = $1 AND user_key = $2"
    ))
    .bind(order_no)
    .bind(user_key)
    .fetch_optional(db.pool())
    .await?
    .map(Payment::try_from)
    .transpose()
}

/// A payment by order number.
pub async fn get(db: &Db, order_no: &str) -> Result<Option<Payment>, DbError> {
    sqlx::query_as::<_, PaymentRow>(&format!(
        "SELECT {COLUMNS} FROM payments WHERE order_no = $1"
    ))
    .bind(order_no)
    .fetch_optional(db.pool())
    .await?
    .map(Payment::try_from)
    .transpose()
}

/// How many unsettled payments the reconciler reads at a time. A Toss outage can leave every execute of a busy
/// hour `EXECUTING`: read whole, such a backlog would be held in memory at once (as the provisional grants were;
/// see [`crate::iap::PROVISIONAL_PAGE`]).
pub const UNSETTLED_PAGE: i64 = 256;

/// The reconciler's work list a page at a time: at most `limit` order numbers of payments whose outcome is not
/// known yet (`EXECUTING` or `REFUNDING`) that come after `after` (`""` for the first page), in order-number order.
/// A payment that stays unsettled is not read again in the same pass, since the next page starts after the last
/// order number.
pub async fn unsettled_after(db: &Db, after: &str, limit: i64) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String,)> = sqlx::query_as(&unsettled_page_sql())
        .bind(after.to_owned())
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(|(o,)| o).collect())
}

/// The query of [`unsettled_after`] (`$1` the last order number read, `$2` the page size). The states are written
/// into the text, not bound: a database uses the partial index of exactly these payments (migrations sqlite 0008,
/// postgres 0003) only when the query's condition visibly matches the index's.
fn unsettled_page_sql() -> String {
    let (executing, refunding) = (PaymentState::Executing.as_str(), PaymentState::Refunding.as_str());
    format!(
        "SELECT order_no FROM payments WHERE state IN ('{executing}', '{refunding}') AND order_no > $1
         ORDER BY order_no LIMIT $2"
    )
}

/// When Toss's status of the payment was last read (Unix milliseconds), if ever.
pub async fn checked_at(db: &Db, order_no: &str) -> Result<Option<i64>, DbError> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT checked_at FROM payments WHERE order_no = $1")
            .bind(order_no)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.and_then(|(at,)| at))
}

/// Records that Toss's status of the payment was read now.
pub async fn mark_checked(db: &Db, order_no: &str) -> Result<(), DbError> {
    let statement = Statement::new("UPDATE payments SET checked_at = $2 WHERE order_no = $1")
        .bind(order_no)
        .bind(now_ms());
    db.execute(statement).await.map(drop)
}

/// Saves the mutable fields of `p` and records an event (`kind`, optional `detail`), atomically: the event is
/// recorded only if the payment was updated, and a payment that is not stored is [`DbError::Missing`].
///
/// A save is made under the payment's `claim` and stores nothing unless the claim is still the caller's: a section
/// that stalled past its claim's lifetime, while another instance took the payment over, cannot overwrite what the
/// new holder stored ([`DbError::ClaimLost`]).
pub async fn save(
    db: &Db,
    p: &Payment,
    kind: PaymentEvent,
    detail: Option<String>,
    claim: &Lease,
) -> Result<(), DbError> {
    save_with(db, p, kind, detail, claim, false).await
}

/// [`save`], also giving the claim back in the same statement when `release`: the last write of a section is also
/// its release ([`save_releasing`]).
async fn save_with(
    db: &Db,
    p: &Payment,
    kind: PaymentEvent,
    detail: Option<String>,
    claim: &Lease,
    release: bool,
) -> Result<(), DbError> {
    let save = Save::new(db.dialect(), p, kind, detail, claim.holder(), release)?;
    let rows = match save {
        // One statement: autocommit, one round trip.
        Save::Postgres(statement) => db.execute(statement).await?,
        save => db.write(move |conn| Box::pin(async move { save.run(conn).await })).await?,
    };
    if rows > 0 {
        return Ok(());
    }
    // Nothing saved: the payment is not stored, or its claim is someone else's now.
    match get(db, &p.order_no).await? {
        None => saved(p, 0),
        Some(_) => Err(DbError::ClaimLost { key: format!("payment:{}", p.order_no) }),
    }
}

/// A save of a payment by its claim's holder (see [`save`]), ready to run in a write.
enum Save {
    /// SQLite: the update, then the event if the update changed the row (two calls on the writer's thread, in its
    /// transaction).
    Sqlite { update: Statement, event: Statement },
    /// PostgreSQL: the update in a `WITH` whose row feeds the event's insert: one statement, one round trip.
    Postgres(Statement),
}

impl Save {
    /// The save of `p` with its event by the claim's `holder`, giving the claim back when `release`.
    fn new(
        dialect: Dialect,
        p: &Payment,
        kind: PaymentEvent,
        detail: Option<String>,
        holder: &str,
        release: bool,
    ) -> Result<Save, DbError> {
        // $12: the holder whose claim the save gives back, or NULL to keep it (`claim_holder = NULL` is never true).
        const UPDATE: &str = "UPDATE payments SET pay_token = $2, state = $3, toss_status = $4, receipt_json = $5,
               refund_json = $6, refund_reason = $7, attempted_at = $8, updated_at = $9,
               claim_holder = CASE WHEN claim_holder = $12 THEN NULL ELSE claim_holder END,
               claim_until = CASE WHEN claim_holder = $12 THEN NULL ELSE claim_until END
               WHERE order_no = $1 AND claim_holder = $13";
        let receipt = p.receipt.as_ref().map(serde_json::to_string).transpose()?;
        let refund = p.refund.as_ref().map(serde_json::to_string).transpose()?;
        let t = now();
        let update = |sql: String| {
            Statement::new(sql)
                .bind(&p.order_no)
                .bind(p.pay_token.clone())
                .bind(p.state.as_str())
                .bind(p.toss_status.as_ref().map(|s| s.as_str()))
                .bind(receipt)
                .bind(refund)
                .bind(p.refund_reason.clone())
                .bind(p.attempted_at)
                .bind(t)
                .bind(kind.as_str())
                .bind(detail.clone())
                .bind(release.then_some(holder))
                .bind(holder)
        };
        Ok(match dialect {
            Dialect::Sqlite => Save::Sqlite {
                update: update(UPDATE.into()),
                event: event_statement(&p.order_no, kind, detail.as_deref(), t),
            },
            Dialect::Postgres => Save::Postgres(update(format!(
                "WITH saved AS ({UPDATE} RETURNING order_no)
                 INSERT INTO payment_events (order_no, kind, detail, at) SELECT order_no, $10, $11, $9 FROM saved"
            ))),
        })
    }

    /// Runs the save in a write: the payments it changed (0 or 1).
    async fn run(&self, conn: &mut Conn<'_>) -> Result<u64, DbError> {
        match self {
            Save::Sqlite { update, event } => {
                let rows = update.execute(conn).await?;
                if rows == 1 {
                    event.execute(conn).await?;
                }
                Ok(rows)
            }
            Save::Postgres(statement) => statement.execute(conn).await,
        }
    }
}

/// A save that changed `rows` rows: none means the payment is not stored.
fn saved(p: &Payment, rows: u64) -> Result<(), DbError> {
    match rows {
        // The payments the update changed (SQLite), or the events the insert added (PostgreSQL): 0 or 1 either way.
        0 => Err(DbError::Missing(format!("payment {} to save", p.order_no))),
        _ => Ok(()),
    }
}

/// Records an event without changing the payment.
pub async fn event(
    db: &Db,
    order_no: &str,
    kind: PaymentEvent,
    detail: Option<String>,
) -> Result<(), DbError> {
    db.execute(event_statement(order_no, kind, detail.as_deref(), now())).await.map(drop)
}

/// The insert of an event of `order_no`, at `at`.
fn event_statement(order_no: &str, kind: PaymentEvent, detail: Option<&str>, at: i64) -> Statement {
    Statement::new("INSERT INTO payment_events (order_no, kind, detail, at) VALUES ($1, $2, $3, $4)")
        .bind(order_no)
        .bind(kind.as_str())
        .bind(detail)
        .bind(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new payment of user 7 under the key `key-<order_no>` (also for [`claim`]'s tests).
    pub(super) fn payment(order_no: &str) -> Payment {
        let priced = Priced {
            amount: 1_000,
            amount_tax_free: 0,
            product_desc: "beans".into(),
            order_json: "{}".into(),
        };
        Payment::creating(order_no.into(), 7, format!("key-{order_no}"), priced, true)
    }

    #[tokio::test]
    async fn the_unsettled_work_list_is_read_a_page_at_a_time_each_payment_once() {
        let db = Db::open_temporary().await.unwrap();
        let states = [
            ("o5", PaymentState::Executing),
            ("o1", PaymentState::Refunding),
            ("o3", PaymentState::Paid),
            ("o2", PaymentState::Executing),
            ("o4", PaymentState::Executing),
            ("o6", PaymentState::Created),
            ("o7", PaymentState::Refunding),
        ];
        for (order_no, state) in states {
            let (Inserted::New(mut p), Some(claim)) = insert_claimed(&db, payment(order_no)).await.unwrap() else {
                panic!("{order_no} existed")
            };
            p.state = state;
            save(&db, &p, PaymentEvent::Created, None, &claim).await.unwrap();
        }
        let (mut seen, mut after) = (Vec::new(), String::new());
        loop {
            let page = unsettled_after(&db, &after, 2).await.unwrap();
            assert!(page.len() <= 2);
            seen.extend(page.iter().cloned());
            match page.last() {
                Some(last) if page.len() == 2 => after = last.clone(),
                _ => break,
            }
        }
        assert_eq!(seen, ["o1", "o2", "o4", "o5", "o7"], "EXECUTING and REFUNDING payments, each once, in order");
        // A page reads through the index of exactly these payments (migration 0008), not the whole table.
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {}", unsettled_page_sql()))
            .bind("")
            .bind(2_i64)
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert!(plan.iter().any(|row| row.3.contains("payments_unsettled_by_order")), "{plan:?}");
    }

    /// The kinds of the payment's events, in order (also for [`claim`]'s tests).
    pub(super) async fn events(db: &Db, order_no: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT kind FROM payment_events WHERE order_no = $1 ORDER BY id")
            .bind(order_no.to_owned())
            .fetch_all(db.pool())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_save_changes_the_payment_and_records_its_event_and_a_missing_payment_is_an_error() {
        let db = Db::open_temporary().await.unwrap();
        let (Inserted::New(mut p), Some(claim)) = insert_claimed(&db, payment("o-1")).await.unwrap() else {
            panic!("new, claimed")
        };
        p.state = PaymentState::Created;
        p.pay_token = Some("tok".into());
        save(&db, &p, PaymentEvent::MakePayment, None, &claim).await.unwrap();
        let stored = get(&db, "o-1").await.unwrap().unwrap();
        assert_eq!((stored.state, stored.pay_token.as_deref()), (PaymentState::Created, Some("tok")));
        assert_eq!(events(&db, "o-1").await, ["created", PaymentEvent::MakePayment.as_str()]);

        // Never stored: an error of its own, nothing recorded, and the writer's other work unharmed.
        let ghost = payment("o-ghost");
        assert!(matches!(save(&db, &ghost, PaymentEvent::Execute, None, &claim).await, Err(DbError::Missing(_))));
        assert!(events(&db, "o-ghost").await.is_empty());
        save(&db, &p, PaymentEvent::Execute, Some("again".into()), &claim).await.unwrap();
        assert_eq!(events(&db, "o-1").await.len(), 3);
    }

    #[tokio::test]
    async fn a_save_under_a_claim_taken_over_stores_nothing() {
        let db = Db::open_temporary().await.unwrap();
        let (Inserted::New(mut p), Some(claim)) = insert_claimed(&db, payment("o-1")).await.unwrap() else {
            panic!("new, claimed")
        };
        // This holder stalled past its claim's lifetime and another instance took the payment over.
        sqlx::query("UPDATE payments SET claim_holder = 'the-new-holder' WHERE order_no = 'o-1'")
            .execute(db.pool())
            .await
            .unwrap();
        p.state = PaymentState::Created;
        match save(&db, &p, PaymentEvent::MakePayment, None, &claim).await {
            Err(DbError::ClaimLost { key }) => assert_eq!(key, "payment:o-1"),
            other => panic!("expected ClaimLost, got {other:?}"),
        }
        let stored = get(&db, "o-1").await.unwrap().unwrap();
        assert_eq!(stored.state, PaymentState::Creating, "the new holder's row is untouched");
        assert_eq!(events(&db, "o-1").await, ["created"]);
        // Nor can the old holder's release free the new holder's claim.
        save_releasing(&db, &p, PaymentEvent::MakePayment, None, &claim).await.unwrap_err();
        claim.give_back().await;
        let holder: Option<String> = sqlx::query_scalar("SELECT claim_holder FROM payments WHERE order_no = 'o-1'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(holder.as_deref(), Some("the-new-holder"));
    }
}
