//! TossPay, as the partner contract has it:
//!
//! * `POST /tosspay/payments {order, idempotencyKey}` prices the order from the catalog, makes the `orderNo`,
//!   calls `make-payment` and stores the payment → `{orderNo, payToken, amount, productDesc}`. The same key
//!   (per user) returns the same payment.
//! * `POST /tosspay/payments/{orderNo}/execute` calls `execute-payment` → the receipt. When the reply is lost,
//!   late or a 5xx, `get-payment-status` settles it; if even that is unknown: 504 `PAYMENT_OUTCOME_UNKNOWN`
//!   and the reconciler finishes the job. Executing twice returns the stored receipt. A payment that may have
//!   executed never goes back to `CREATED` on a guess, and is never reported as a final failure.
//! * `GET /tosspay/payments/{orderNo}` → `{status, receipt?}` from `get-payment-status`, reconciling the store.
//! * `POST /tosspay/payments/{orderNo}/refund {reason}` → `refund-payment` → the refund receipt.
//!
//! Nothing about money comes from the page: amounts come from the catalog, the `userKey` from the session,
//! and an `orderNo` is looked up among the session user's payments only (another user's → 404).
//! Calls on one payment are serialised by a per-payment lock.

use ait_api::partner::{
    CartOrder, CreatePaymentRequest, CreatePaymentResponse, ExecuteRequest, PaymentReceipt, PaymentStatusReply,
    RefundReceipt, RefundRequest, Won,
};
use ait_api::tosspay::{
    ExecutePaymentResponse, MakePaymentRequest, PaymentStatusResponse, PaymentTransaction,
    RefundPaymentResponse,
};
use ait_api::{validate, PayStatus, StepType, Validate};
use axum::extract::{Path, State};
use axum::Json;

use crate::app::AppState;
use crate::config::Catalog;
use crate::db::{now, now_ms};
use crate::error::AppError;
use crate::extract::Valid;
use crate::payments::{self, Inserted, Payment, PaymentState};
use crate::session::Session;
use crate::toss_client::TossError;

// ---------------------------------------------------------------------------------------------- handlers

/// `POST /tosspay/payments`.
pub async fn create(
    State(app): State<AppState>,
    session: Session,
    Valid(req): Valid<CreatePaymentRequest>,
) -> Result<Json<CreatePaymentResponse>, AppError> {
    let priced = price(&app.config.catalog, &req.order)?;
    let _one_at_a_time = app
        .locks
        .lock(format!(
            "create:{}:{}",
            session.user_key, req.idempotency_key
        ))
        .await;

    let candidate = Payment {
        order_no: new_order_no(),
        user_key: session.user_key,
        idempotency_key: req.idempotency_key.clone(),
        order_json: priced.order_json,
        product_desc: priced.product_desc,
        amount: priced.amount,
        amount_tax_free: priced.amount_tax_free,
        is_test_payment: app.config.is_test_payment,
        pay_token: None,
        state: PaymentState::Creating,
        toss_status: None,
        receipt: None,
        refund: None,
        refund_reason: None,
        attempted_at: None,
    };
    let order_json = candidate.order_json.clone();
    let payment = match payments::insert_or_get(&app.db, candidate).await? {
        Inserted::New(p) => p,
        Inserted::Existing(p) if p.order_json != order_json => {
            return Err(AppError::invalid_argument(
                "idempotencyKey was already used for a different order",
            ))
        }
        Inserted::Existing(p) => p,
    };
    let payment = match payment.pay_token {
        Some(_) => payment,
        None => make_payment(&app, payment).await?,
    };
    Ok(Json(CreatePaymentResponse {
        order_no: payment.order_no,
        pay_token: payment.pay_token.unwrap_or_default(),
        amount: Won(payment.amount),
        product_desc: payment.product_desc,
    }))
}

/// `POST /tosspay/payments/{orderNo}/execute` with the contract's empty body (`{}`: read, so the body limit and the
/// JSON rule hold here too).
pub async fn execute(
    State(app): State<AppState>,
    session: Session,
    Path(order_no): Path<String>,
    Valid(ExecuteRequest {}): Valid<ExecuteRequest>,
) -> Result<Json<PaymentReceipt>, AppError> {
    let _one_at_a_time = app.locks.lock(payment_lock(&order_no)).await;
    let payment = users_payment(&app, &order_no, session).await?;
    Ok(Json(execute_locked(&app, payment).await?))
}

/// `GET /tosspay/payments/{orderNo}`. Polls are coalesced: they queue on the payment's lock, and one that finds
/// Toss's status read within [`STATUS_FRESH_MS`] answers from the store instead of calling Toss again.
pub async fn status(
    State(app): State<AppState>,
    session: Session,
    Path(order_no): Path<String>,
) -> Result<Json<PaymentStatusReply>, AppError> {
    let _one_at_a_time = app.locks.lock(payment_lock(&order_no)).await;
    let payment = users_payment(&app, &order_no, session).await?;
    if payment.pay_token.is_none() {
        return Err(AppError::invalid_state(
            "the payment was not created at Toss yet; create it again",
        ));
    }
    let fresh = payments::checked_at(&app.db, &order_no)
        .await?
        .is_some_and(|at| now_ms().saturating_sub(at) < STATUS_FRESH_MS);
    let payment = if fresh {
        payment
    } else {
        match toss_status(&app, &payment).await {
            Ok(st) => {
                payments::mark_checked(&app.db, &order_no).await?;
                reconcile(&app, payment, &st).await?
            }
            // Toss unreachable: what the store knows is final for settled payments.
            Err(e) if settled(&payment) => {
                tracing::warn!("payment status from the store, Toss unavailable: {e}");
                payment
            }
            Err(e) if in_flight(&payment) => {
                return Err(AppError::outcome_unknown(format!(
                    "the payment's outcome is not known yet and Toss did not answer ({e}); ask again later"
                )))
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(Json(PaymentStatusReply {
        status: PayStatus::parse(payment.toss_status.as_deref().unwrap_or("")),
        receipt: payment.receipt,
    }))
}

/// How long a status read from Toss answers further polls of the same payment, milliseconds.
pub const STATUS_FRESH_MS: i64 = 1_000;

/// `POST /tosspay/payments/{orderNo}/refund`.
pub async fn refund(
    State(app): State<AppState>,
    session: Session,
    Path(order_no): Path<String>,
    Valid(req): Valid<RefundRequest>,
) -> Result<Json<RefundReceipt>, AppError> {
    let _one_at_a_time = app.locks.lock(payment_lock(&order_no)).await;
    let payment = users_payment(&app, &order_no, session).await?;
    Ok(Json(refund_locked(&app, payment, &req.reason).await?))
}

// ---------------------------------------------------------------------------------------------- flows

fn payment_lock(order_no: &str) -> String {
    format!("payment:{order_no}")
}

async fn users_payment(
    app: &AppState,
    order_no: &str,
    session: Session,
) -> Result<Payment, AppError> {
    payments::get_for_user(&app.db, order_no, session.user_key)
        .await?
        .ok_or_else(|| AppError::not_found("no such payment"))
}

fn settled(p: &Payment) -> bool {
    matches!(
        p.state,
        PaymentState::Paid | PaymentState::Refunded | PaymentState::Canceled
    )
}

/// A call that may have moved money was sent and its outcome is not known yet.
fn in_flight(p: &Payment) -> bool {
    matches!(p.state, PaymentState::Executing | PaymentState::Refunding)
}

/// make-payment for a stored `CREATING` payment. A retry after a lost reply finds the existing payment
/// (`PAYMENT_EXISTING_PAYMENT`) and takes its payToken from `get-payment-status`.
async fn make_payment(app: &AppState, mut p: Payment) -> Result<Payment, AppError> {
    let body = MakePaymentRequest {
        order_no: p.order_no.clone(),
        product_desc: p.product_desc.clone(),
        amount: p.amount,
        amount_tax_free: Some(p.amount_tax_free),
        is_test_payment: p.is_test_payment,
        ..Default::default()
    };
    body.validate().map_err(|e| AppError::invalid(&e))?;
    match app.toss.make_payment(p.user_key, body).await {
        Ok(made) => {
            p.pay_token = Some(made.pay_token);
            p.state = PaymentState::Created;
            p.toss_status = Some(PayStatus::PayStandby.as_str().into());
            payments::save(&app.db, &p, "make_payment", None).await?;
            Ok(p)
        }
        Err(TossError::Fail { error, .. })
            if error.error_code.as_str() == "PAYMENT_EXISTING_PAYMENT" =>
        {
            let st = toss_status(app, &p).await.map_err(|e| {
                AppError::toss_unreachable(format!(
                    "the payment exists at Toss but its status is unknown: {e}"
                ))
            })?;
            let Some(token) = st.pay_token.clone() else {
                return Err(AppError::toss_unreachable(
                    "get-payment-status gave no payToken",
                ));
            };
            p.pay_token = Some(token);
            p.state = PaymentState::Created;
            p.toss_status = st.pay_status.as_ref().map(|s| s.as_str().to_string());
            payments::save(&app.db, &p, "make_payment_recovered", None).await?;
            Ok(p)
        }
        Err(TossError::Fail { error, .. }) => {
            payments::event(
                &app.db,
                &p.order_no,
                "make_payment_failed",
                Some(error.error_code.to_string()),
            )
            .await?;
            Err(AppError::toss_failed(error))
        }
        Err(e) => {
            // Maybe made, maybe not: the same idempotency key retries with the same orderNo.
            payments::event(
                &app.db,
                &p.order_no,
                "make_payment_unknown",
                Some(e.detail()),
            )
            .await?;
            Err(AppError::toss_unreachable(format!(
                "make-payment did not answer ({e}); retry with the same idempotencyKey"
            )))
        }
    }
}

/// Toss's refusal of an execute because an earlier one went through.
const ALREADY_EXECUTED: &str = "PAYMENT_ALREADY_EXECUTED";
/// Toss's refusal of a refund because an earlier one went through.
const ALREADY_REFUNDED: &str = "PAYMENT_ALREADY_REFUNDED";

/// Executes a payment; the caller holds its lock. Paid → the stored receipt, without calling Toss.
///
/// The payment is saved `EXECUTING` before execute-payment is sent, and leaves that state only on evidence:
/// a receipt, Toss's status (paid, refunded, canceled; or not executed, after Toss refused this very call and no
/// earlier lost call can still land), or the refusal of a first attempt. Everything else answers 504
/// `PAYMENT_OUTCOME_UNKNOWN` (retryable) and leaves the payment to the reconciler: a payment that may have executed
/// is never reported as a final failure.
async fn execute_locked(app: &AppState, mut p: Payment) -> Result<PaymentReceipt, AppError> {
    match p.state {
        PaymentState::Paid => return stored_receipt(p),
        PaymentState::Refunding | PaymentState::Refunded => {
            return Err(AppError::invalid_state("the payment was refunded"))
        }
        PaymentState::Canceled => {
            return Err(AppError::invalid_state("the buyer canceled the payment"))
        }
        PaymentState::Creating => {
            return Err(AppError::invalid_state(
                "the payment was not created at Toss yet",
            ))
        }
        PaymentState::Created | PaymentState::Executing => {}
    }
    let earlier = LostAttempt::of(app, &p, PaymentState::Executing);
    let pay_token = p.pay_token.clone().unwrap_or_default();
    p.state = PaymentState::Executing;
    p.attempted_at = Some(now_ms());
    let kind = if earlier.exists { "execute_again" } else { "execute" };
    payments::save(&app.db, &p, kind, None).await?;

    let result = app
        .toss
        .execute_payment(p.user_key, &pay_token, &p.order_no, p.is_test_payment)
        .await;
    match result {
        Ok(reply) => match receipt_from_execute(&p, &reply) {
            Some(receipt) => {
                p.receipt = Some(receipt.clone());
                p.state = PaymentState::Paid;
                p.toss_status = Some(PayStatus::PayComplete.as_str().into());
                payments::save(&app.db, &p, "executed", None).await?;
                Ok(receipt)
            }
            None => {
                settle_from_status(app, p, "execute-payment reply without a receipt".into()).await
            }
        },
        Err(TossError::Fail { error, .. }) => {
            // Toss refused this call: it changed nothing, so the last unknown attempt is the earlier one (if any).
            // Whether that one executed the payment is for the status to say; "already executed" means paid.
            p.attempted_at = earlier.sent_at;
            let already = error.error_code.as_str() == ALREADY_EXECUTED;
            let code = error.error_code.to_string();
            let st = match toss_status(app, &p).await {
                Ok(st) => st,
                Err(e) if already || earlier.exists => {
                    payments::save(&app.db, &p, "execute_refused", Some(code.clone())).await?;
                    return Err(AppError::outcome_unknown(format!(
                        "Toss refused the execute ({code}) and its status is unknown ({e}); the payment may be \
                         paid: ask for its status later"
                    )));
                }
                Err(_) => {
                    // A first attempt, refused: nothing was executed, by this call or any other.
                    p.state = PaymentState::Created;
                    payments::save(&app.db, &p, "execute_failed", Some(code)).await?;
                    return Err(AppError::toss_failed(error));
                }
            };
            let mut p = reconcile(app, p, &st).await?;
            // (A standby payment was moved to CREATED by `reconcile`.)
            let not_executed = st.pay_status == Some(PayStatus::PayApproved);
            match p.state {
                PaymentState::Executing if not_executed && !already && !earlier.may_still_land => {
                    // Refused, reported not executed, and no lost call can still land: a final answer.
                    p.state = PaymentState::Created;
                    payments::save(&app.db, &p, "execute_failed", Some(code)).await?;
                    Err(AppError::toss_failed(error))
                }
                PaymentState::Executing => {
                    payments::save(&app.db, &p, "execute_refused", Some(code)).await?;
                    Err(AppError::outcome_unknown(if already {
                        "Toss says the payment was executed but its status does not show it yet; ask for its status later"
                    } else {
                        "an earlier execute of this payment may still land at Toss; ask for its status later"
                    }))
                }
                PaymentState::Created if already => {
                    // Toss said executed, its status says not authenticated: trust the money, not the read.
                    p.state = PaymentState::Executing;
                    payments::save(&app.db, &p, "execute_refused", Some(code)).await?;
                    Err(AppError::outcome_unknown(
                        "Toss says the payment was executed but its status disagrees; ask for its status later",
                    ))
                }
                PaymentState::Created | PaymentState::Canceled => {
                    // Not executed (not authenticated, or canceled by the buyer): Toss's refusal is the answer.
                    payments::event(&app.db, &p.order_no, "execute_failed", Some(code)).await?;
                    Err(AppError::toss_failed(error))
                }
                _ => settled_receipt(p),
            }
        }
        Err(e) if e.outcome_known() => {
            if earlier.exists {
                p.attempted_at = earlier.sent_at;
                payments::save(&app.db, &p, "execute_not_sent", Some(e.detail())).await?;
                return Err(AppError::outcome_unknown(format!(
                    "execute-payment was not sent ({e}) and an earlier attempt's outcome is unknown; ask for the \
                     payment's status later"
                )));
            }
            p.state = PaymentState::Created;
            p.attempted_at = None;
            payments::save(&app.db, &p, "execute_not_sent", Some(e.detail())).await?;
            Err(AppError::toss_unreachable(format!(
                "execute-payment was not sent: {e}"
            )))
        }
        Err(e) => settle_from_status(app, p, e.detail()).await,
    }
}

/// What is known of an earlier execute or refund of a payment whose outcome was lost.
struct LostAttempt {
    /// The payment was left in flight by an earlier call.
    exists: bool,
    /// When that call was sent (Unix milliseconds), if recorded.
    sent_at: Option<i64>,
    /// It may still land at Toss: it was sent within the configured grace (or when is unknown).
    may_still_land: bool,
}

impl LostAttempt {
    /// The lost attempt of `p`, if `p` is left in `in_flight` (`EXECUTING` or `REFUNDING`).
    fn of(app: &AppState, p: &Payment, in_flight: PaymentState) -> LostAttempt {
        let exists = p.state == in_flight;
        let grace_ms = i64::try_from(app.config.in_flight_grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        LostAttempt {
            exists,
            sent_at: if exists { p.attempted_at } else { None },
            // Without a record of when it was sent (rows from before migration 0003 are filled in), it is old.
            may_still_land: exists
                && p.attempted_at.is_some_and(|t| now_ms().saturating_sub(t) < grace_ms),
        }
    }
}

/// The stored receipt of a paid payment.
fn stored_receipt(p: Payment) -> Result<PaymentReceipt, AppError> {
    p.receipt
        .ok_or_else(|| AppError::internal("a paid payment without a receipt"))
}

/// After an execute whose outcome is unknown (`cause`: for the payment's events, never for the page): ask Toss. Paid → receipt; a known other state → its error;
/// still unknown → 504 `PAYMENT_OUTCOME_UNKNOWN` (the payment stays `EXECUTING` for the reconciler).
async fn settle_from_status(
    app: &AppState,
    p: Payment,
    cause: String,
) -> Result<PaymentReceipt, AppError> {
    payments::event(&app.db, &p.order_no, "execute_unknown", Some(cause.clone())).await?;
    match toss_status(app, &p).await {
        Ok(st) => settled_receipt(reconcile(app, p, &st).await?),
        Err(e) => Err(AppError::outcome_unknown(format!(
            "the payment outcome is unknown (the execute's reply was lost and the status lookup failed: {e}); ask \
             for its status later"
        ))),
    }
}

/// The receipt of a payment after reconciliation, or why there is none.
fn settled_receipt(p: Payment) -> Result<PaymentReceipt, AppError> {
    match p.state {
        PaymentState::Paid => stored_receipt(p),
        PaymentState::Executing => Err(AppError::outcome_unknown(
            "the payment is not settled at Toss yet; ask for its status later",
        )),
        PaymentState::Created => Err(AppError::invalid_state(
            "the buyer has not authenticated the payment (or it was not executed); execute again after checkoutPayment",
        )),
        PaymentState::Canceled => Err(AppError::invalid_state("the buyer canceled the payment")),
        PaymentState::Refunding | PaymentState::Refunded => {
            Err(AppError::invalid_state("the payment was refunded"))
        }
        PaymentState::Creating => Err(AppError::invalid_state("the payment was not created at Toss yet")),
    }
}

/// Settles a payment left `EXECUTING` or `REFUNDING` (the reconciler): Toss's status first; a payment Toss reports
/// approved but not executed is executed (the buyer authenticated it and the page asked to execute it; Toss executes
/// a payToken once), and one Toss still reports paid while a refund was asked for is refunded (Toss refunds once).
pub async fn settle_unsettled(app: &AppState, order_no: &str) -> Result<(), AppError> {
    let _one_at_a_time = app.locks.lock(payment_lock(order_no)).await;
    let Some(p) = payments::get(&app.db, order_no).await? else {
        return Ok(());
    };
    if !in_flight(&p) {
        return Ok(());
    }
    let st = toss_status(app, &p).await?;
    let p = reconcile(app, p, &st).await?;
    match (p.state, st.pay_status.as_ref()) {
        (PaymentState::Executing, Some(PayStatus::PayApproved)) => {
            execute_locked(app, p).await?;
        }
        (PaymentState::Refunding, Some(s)) if s.is_paid() => {
            let reason = p.refund_reason.clone().unwrap_or_default();
            refund_locked(app, p, &reason).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Refunds a payment; the caller holds its lock. Refunded → the stored refund receipt.
///
/// Like execute: the payment is saved `REFUNDING` before refund-payment is sent and leaves it only on evidence
/// (a reply, Toss's status, or the refusal of an attempt no lost call can overtake); otherwise 504
/// `PAYMENT_OUTCOME_UNKNOWN` and the reconciler finishes it.
async fn refund_locked(
    app: &AppState,
    mut p: Payment,
    reason: &str,
) -> Result<RefundReceipt, AppError> {
    match p.state {
        PaymentState::Refunded if p.refund.is_some() => return refund_receipt(p),
        PaymentState::Paid | PaymentState::Refunding | PaymentState::Refunded => {}
        _ => {
            return Err(AppError::invalid_state(
                "only a paid payment can be refunded",
            ))
        }
    }
    let earlier = LostAttempt::of(app, &p, PaymentState::Refunding);
    let pay_token = p.pay_token.clone().unwrap_or_default();
    if p.refund_reason.is_none() {
        p.refund_reason = Some(reason.to_string());
    }
    let reason = p.refund_reason.clone().unwrap_or_default();
    // A refunded payment without its receipt (refunded elsewhere) goes through Toss to learn it, and stays REFUNDED.
    if p.state != PaymentState::Refunded {
        p.state = PaymentState::Refunding;
    }
    p.attempted_at = Some(now_ms());
    let kind = if earlier.exists { "refund_again" } else { "refund" };
    payments::save(&app.db, &p, kind, Some(reason.clone())).await?;
    match app
        .toss
        .refund_payment(p.user_key, &pay_token, &reason, p.is_test_payment)
        .await
    {
        Ok(reply) => {
            let receipt = refund_from_reply(&p, &reply);
            p.refund = Some(receipt.clone());
            p.state = PaymentState::Refunded;
            p.toss_status = Some(PayStatus::RefundSuccess.as_str().into());
            payments::save(&app.db, &p, "refunded", None).await?;
            Ok(receipt)
        }
        Err(TossError::Fail { error, .. }) => {
            // Refused: this call changed nothing. An earlier refund may have gone through (its reply lost).
            p.attempted_at = earlier.sent_at;
            let already = error.error_code.as_str() == ALREADY_REFUNDED;
            let code = error.error_code.to_string();
            let st = match toss_status(app, &p).await {
                Ok(st) => st,
                Err(e) if already || earlier.exists => {
                    payments::save(&app.db, &p, "refund_refused", Some(code.clone())).await?;
                    return Err(AppError::outcome_unknown(format!(
                        "Toss refused the refund ({code}) and its status is unknown ({e}); ask for the payment's \
                         status later"
                    )));
                }
                Err(_) => {
                    // A first attempt, refused: nothing was refunded, by this call or any other.
                    if p.state == PaymentState::Refunding {
                        p.state = PaymentState::Paid;
                    }
                    payments::save(&app.db, &p, "refund_failed", Some(code)).await?;
                    return Err(AppError::toss_failed(error));
                }
            };
            let mut p = reconcile(app, p, &st).await?;
            let still_paid = st.pay_status.as_ref().is_some_and(PayStatus::is_paid);
            match p.state {
                PaymentState::Refunded => refund_receipt(p),
                PaymentState::Refunding if still_paid && !already && !earlier.may_still_land => {
                    // Refused, reported paid, and no lost refund can still land: a final answer.
                    p.state = PaymentState::Paid;
                    payments::save(&app.db, &p, "refund_failed", Some(code)).await?;
                    Err(AppError::toss_failed(error))
                }
                PaymentState::Refunding => {
                    payments::save(&app.db, &p, "refund_refused", Some(code)).await?;
                    Err(AppError::outcome_unknown(if already {
                        "Toss says the payment was refunded but its status does not show it yet; ask later"
                    } else {
                        "an earlier refund of this payment may still land at Toss; ask for its status later"
                    }))
                }
                _ => Err(AppError::toss_failed(error)),
            }
        }
        Err(e) if e.outcome_known() => {
            if earlier.exists {
                p.attempted_at = earlier.sent_at;
                payments::save(&app.db, &p, "refund_not_sent", Some(e.detail())).await?;
                return Err(AppError::outcome_unknown(format!(
                    "refund-payment was not sent ({e}) and an earlier attempt's outcome is unknown; ask later"
                )));
            }
            if p.state == PaymentState::Refunding {
                p.state = PaymentState::Paid;
            }
            p.attempted_at = None;
            payments::save(&app.db, &p, "refund_not_sent", Some(e.detail())).await?;
            Err(AppError::toss_unreachable(format!(
                "refund-payment was not sent: {e}"
            )))
        }
        Err(e) => {
            payments::event(&app.db, &p.order_no, "refund_unknown", Some(e.detail())).await?;
            let st = toss_status(app, &p).await.map_err(|e2| {
                AppError::outcome_unknown(format!(
                    "the refund outcome is unknown ({e}; status: {e2}); ask for the payment's status later"
                ))
            })?;
            let p = reconcile(app, p, &st).await?;
            match p.state {
                PaymentState::Refunded => refund_receipt(p),
                _ => Err(AppError::outcome_unknown(format!(
                    "the refund outcome is unknown ({e}); ask for the payment's status later"
                ))),
            }
        }
    }
}

/// The stored refund receipt of a refunded payment.
fn refund_receipt(p: Payment) -> Result<RefundReceipt, AppError> {
    p.refund
        .ok_or_else(|| AppError::internal("a refunded payment without a refund receipt"))
}

async fn toss_status(app: &AppState, p: &Payment) -> Result<PaymentStatusResponse, TossError> {
    app.toss
        .payment_status(
            p.user_key,
            p.pay_token.as_deref(),
            &p.order_no,
            p.is_test_payment,
        )
        .await
}

/// Brings the stored payment in line with Toss's status (and records a change).
async fn reconcile(
    app: &AppState,
    mut p: Payment,
    st: &PaymentStatusResponse,
) -> Result<Payment, AppError> {
    let before = (p.state, p.toss_status.clone());
    let status = st
        .pay_status
        .clone()
        .unwrap_or_else(|| PayStatus::parse(""));
    if !status.as_str().is_empty() {
        p.toss_status = Some(status.as_str().to_string());
    }
    if p.pay_token.is_none() {
        p.pay_token = st.pay_token.clone();
    }
    // Toss's status moves a payment forward only: a paid or refunded payment never goes back on a lagging read.
    let refund_done = status.is_refunded() && status != PayStatus::RefundProgress;
    if (status.is_paid() || status.is_refunded()) && p.receipt.is_none() {
        p.receipt = receipt_from_status(&p, st);
        if p.receipt.is_none() {
            return Err(AppError::internal(
                "get-payment-status: a paid payment without its PAY transaction",
            ));
        }
    }
    match p.state {
        // Settled for good: a refunded or canceled payment stays so.
        PaymentState::Refunded | PaymentState::Canceled => {}
        // A refund was sent: only a refund reply or a finished refund settles it.
        PaymentState::Refunding => {
            if refund_done {
                p.state = PaymentState::Refunded;
            }
        }
        // Paid: only a refund (done elsewhere, or in progress at Toss) moves it.
        PaymentState::Paid => {
            if refund_done {
                p.state = PaymentState::Refunded;
            } else if status == PayStatus::RefundProgress {
                p.state = PaymentState::Refunding;
            }
        }
        PaymentState::Creating | PaymentState::Created | PaymentState::Executing => {
            if status.is_paid() {
                p.state = PaymentState::Paid;
            } else if refund_done {
                p.state = PaymentState::Refunded;
            } else if status == PayStatus::RefundProgress {
                p.state = PaymentState::Refunding;
            } else if status == PayStatus::PayCancel {
                p.state = PaymentState::Canceled;
            } else if status == PayStatus::PayStandby && p.state == PaymentState::Executing {
                // Not authenticated: an execute cannot have happened.
                p.state = PaymentState::Created;
            }
            // Approved or in progress: an execute may still land; unknown values change nothing.
        }
    }
    if p.state == PaymentState::Refunded && p.refund.is_none() {
        p.refund = refund_from_status(&p, st);
    }
    if (p.state, p.toss_status.clone()) != before {
        payments::save(&app.db, &p, "reconciled", p.toss_status.clone()).await?;
    }
    Ok(p)
}

// ---------------------------------------------------------------------------------------------- pricing

/// An order priced from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    /// Total, KRW.
    pub amount: i64,
    /// Tax-free part, KRW.
    pub amount_tax_free: i64,
    /// `productDesc` for make-payment.
    pub product_desc: String,
    /// The order as stored (canonical JSON), to tell a reused idempotency key from a retry.
    pub order_json: String,
}

/// Prices `order` from the catalog: unknown SKUs and totals beyond Toss's limits are 400s.
pub fn price(catalog: &Catalog, order: &CartOrder) -> Result<Priced, AppError> {
    let (mut amount, mut tax_free) = (0i64, 0i64);
    for (i, line) in order.items.iter().enumerate() {
        let item = catalog.tosspay_item(&line.sku).ok_or_else(|| {
            AppError::invalid_argument(format!(
                "order.items[{i}].sku: unknown product {:?}",
                line.sku
            ))
        })?;
        let q = i64::from(line.quantity);
        let too_much = || AppError::invalid_argument("the order total is too large");
        amount = item
            .price
            .checked_mul(q)
            .and_then(|v| v.checked_add(amount))
            .ok_or_else(too_much)?;
        tax_free = item
            .tax_free
            .checked_mul(q)
            .and_then(|v| v.checked_add(tax_free))
            .ok_or_else(too_much)?;
    }
    validate::total_amount("amount", amount).map_err(|e| AppError::invalid(&e))?;
    let first = catalog
        .tosspay_item(&order.items[0].sku)
        .map(|i| i.name.as_str())
        .unwrap_or_default();
    let mut product_desc = match (order.items.len(), order.items[0].quantity) {
        (1, 1) => first.to_string(),
        (1, q) => format!("{first} x{q}"),
        (n, _) => format!("{first} 외 {}건", n - 1),
    };
    if product_desc.chars().count() > 255 {
        product_desc = product_desc.chars().take(255).collect();
    }
    let order_json = serde_json::to_string(order).map_err(AppError::internal)?;
    Ok(Priced {
        amount,
        amount_tax_free: tax_free,
        product_desc,
        order_json,
    })
}

/// A fresh order number: `ait-<unix seconds>-<64 random bits, hex>` (ASCII letters, digits and `-`: valid
/// under every seed's `orderNo` rule; 31 characters).
pub fn new_order_no() -> String {
    let mut buf = [0u8; 8];
    getrandom::getrandom(&mut buf).expect("the OS random source works");
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    let s = format!("ait-{}-{hex}", now());
    debug_assert!(validate::order_no("orderNo", &s).is_ok());
    s
}

// ---------------------------------------------------------------------------------------------- receipts

fn receipt_from_execute(p: &Payment, r: &ExecutePaymentResponse) -> Option<PaymentReceipt> {
    let amount = r.amount.unwrap_or(p.amount);
    if amount != p.amount {
        tracing::error!(order_no = %p.order_no, "execute-payment reports amount {amount}, we priced {}", p.amount);
    }
    let discounted = r.discounted_amount.unwrap_or(0);
    Some(PaymentReceipt {
        order_no: p.order_no.clone(),
        pay_token: r.pay_token.clone().or_else(|| p.pay_token.clone())?,
        amount: Won(amount),
        paid_amount: Won(r.paid_amount.unwrap_or(amount - discounted)),
        pay_method: r.pay_method.clone()?,
        transaction_id: r.transaction_id.clone()?,
        approval_time: r.approval_time.clone()?,
        discounted_amount: r.discounted_amount.map(Won),
        mode: r.mode.clone(),
        card_company_name: r.card_company_name.clone(),
        card_num4_print: r.card_num4_print.clone(),
        sales_check_link_url: r.sales_check_link_url.clone(),
        account_bank_name: r.account_bank_name.clone(),
        account_number: r.account_number.clone(),
    })
}

fn transactions(
    st: &PaymentStatusResponse,
    step: StepType,
) -> impl Iterator<Item = &PaymentTransaction> {
    st.transactions
        .iter()
        .flatten()
        .filter(move |t| t.step_type.as_ref() == Some(&step))
}

fn receipt_from_status(p: &Payment, st: &PaymentStatusResponse) -> Option<PaymentReceipt> {
    let pay = transactions(st, StepType::Pay).next()?;
    let amount = st.amount.unwrap_or(p.amount);
    let card = st.card.as_ref();
    Some(PaymentReceipt {
        order_no: p.order_no.clone(),
        pay_token: st.pay_token.clone().or_else(|| p.pay_token.clone())?,
        amount: Won(amount),
        paid_amount: Won(pay.paid_amount.or(st.paid_amount).unwrap_or(amount)),
        pay_method: st.pay_method.clone()?,
        transaction_id: pay.transaction_id.clone()?,
        approval_time: st.paid_ts.clone().or_else(|| pay.reg_ts.clone())?,
        discounted_amount: st.discounted_amount.map(Won),
        mode: st.mode.clone(),
        card_company_name: card.and_then(|c| c.card_company_name.clone()),
        card_num4_print: card.and_then(|c| c.card_num4_print.clone()),
        sales_check_link_url: card.and_then(|c| c.sales_check_link_url.clone()),
        account_bank_name: st.account_bank_name.clone(),
        account_number: st.account_number.clone(),
    })
}

fn refund_from_reply(p: &Payment, r: &RefundPaymentResponse) -> RefundReceipt {
    RefundReceipt {
        order_no: p.order_no.clone(),
        pay_token: r
            .pay_token
            .clone()
            .or_else(|| p.pay_token.clone())
            .unwrap_or_default(),
        refund_no: r.refund_no.clone(),
        refunded_amount: Won(r.refunded_amount.unwrap_or(p.amount)),
        refundable_amount: r.refundable_amount.map(Won),
        approval_time: r.approval_time.clone(),
        transaction_id: r.transaction_id.clone(),
    }
}

fn refund_from_status(p: &Payment, st: &PaymentStatusResponse) -> Option<RefundReceipt> {
    let refunds: Vec<_> = transactions(st, StepType::Refund).collect();
    let last = refunds.last()?;
    let refunded: i64 = refunds
        .iter()
        .map(|t| {
            t.transaction_amount
                .map(i64::abs)
                .or(t.paid_amount)
                .unwrap_or(0)
        })
        .sum();
    Some(RefundReceipt {
        order_no: p.order_no.clone(),
        pay_token: st
            .pay_token
            .clone()
            .or_else(|| p.pay_token.clone())
            .unwrap_or_default(),
        refund_no: None,
        refunded_amount: Won(if refunded > 0 { refunded } else { p.amount }),
        refundable_amount: st.refundable_amount.map(Won),
        approval_time: last.reg_ts.clone(),
        transaction_id: last.transaction_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ait_api::partner::CartItem;

    fn order(items: &[(&str, u32)]) -> CartOrder {
        CartOrder {
            items: items
                .iter()
                .map(|(sku, quantity)| CartItem {
                    sku: sku.to_string(),
                    quantity: *quantity,
                })
                .collect(),
        }
    }

    #[test]
    fn prices_from_the_catalog() {
        let c = crate::config::Config::embedded().catalog;
        let p = price(&c, &order(&[("beans_200g", 1)])).unwrap();
        assert_eq!(
            (p.amount, p.amount_tax_free, p.product_desc.as_str()),
            (12000, 0, "원두 200g")
        );
        let p = price(&c, &order(&[("beans_200g", 2)])).unwrap();
        assert_eq!((p.amount, p.product_desc.as_str()), (24000, "원두 200g x2"));
        let p = price(&c, &order(&[("beans_200g", 1), ("gift_card_10000", 1)])).unwrap();
        assert_eq!(
            (p.amount, p.amount_tax_free, p.product_desc.as_str()),
            (22000, 10000, "원두 200g 외 1건")
        );
        assert_eq!(
            price(&c, &order(&[("nope", 1)])).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            price(&c, &order(&[("mug_cup", 1000)])).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            price(&c, &order(&[("mug_cup", u32::MAX)]))
                .unwrap_err()
                .code(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn order_numbers_are_valid_and_unique() {
        let a = new_order_no();
        assert!(validate::order_no("orderNo", &a).is_ok(), "{a}");
        assert_ne!(a, new_order_no());
    }
}
