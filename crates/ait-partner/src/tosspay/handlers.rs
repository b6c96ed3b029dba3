//! The TossPay endpoints of the partner contract, one axum handler each: who is asking (the session), which payment
//! (a path the session's user owns), the body (validated), then one call into the flow that does the work under
//! the payment's claim (held on its row, so it holds across instances: [`crate::payments::claim`]). What a handler answers is what the contract says; the states behind it are in
//! [`super::execute`], [`super::refund`] and [`super::reconcile`].

use ait_api::partner::{
    CreatePaymentRequest, CreatePaymentResponse, ExecuteRequest, PaymentReceipt, PaymentStatusReply, RefundReceipt,
    RefundRequest, Won,
};
use ait_api::PayStatus;
use axum::extract::{Path, State};
use axum::Json;

use super::execute::{begin_execute, not_executable, send_execute};
use super::make_payment::make_payment;
use super::pricing::{new_order_no, price};
use super::reconcile::{reconcile, toss_status};
use super::refund::refund_locked;
use crate::app::AppState;
use crate::db::{now_ms, Lease};
use crate::error::AppError;
use crate::extract::Valid;
use crate::payments::{self, Inserted, Payment};
use crate::session::Session;

/// `POST /tosspay/payments`.
pub async fn create(
    State(app): State<AppState>,
    session: Session,
    Valid(req): Valid<CreatePaymentRequest>,
) -> Result<Json<CreatePaymentResponse>, AppError> {
    let priced = price(&app.config.catalog, &req.order)?;
    let candidate = Payment::creating(
        new_order_no(),
        session.user_key,
        req.idempotency_key.clone(),
        priced,
        app.config.is_test_payment,
    );
    let order_json = candidate.order_json.clone();
    // One create per idempotency key at a time, across instances: a double tap waits for the payment's claim, then
    // finds the payment made.
    let (payment, claim) = match payments::insert_claimed(&app.db, candidate).await? {
        (Inserted::New(p), claim) => (p, claim),
        (Inserted::Existing(p), claim) if p.order_json != order_json => {
            if let Some(claim) = claim {
                claim.give_back().await;
            }
            return Err(AppError::invalid_argument(
                "idempotencyKey was already used for a different order",
            ))
        }
        (Inserted::Existing(p), claim) => (p, claim),
    };
    let payment = match (payment.pay_token.is_some(), claim) {
        (false, Some(claim)) => {
            let made = make_payment(&app, payment, &claim).await;
            claim.give_back().await;
            made?
        }
        (true, claim) => {
            if let Some(claim) = claim {
                claim.give_back().await;
            }
            payment
        }
        (false, None) => return Err(AppError::internal("an unmade payment came back unclaimed")),
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
    // One write claims the payment and stores it `EXECUTING` (when it is to be executed).
    let begun = payments::claim_and_begin(&app.db, &order_no, session.user_key, begin_execute)
        .await?
        .ok_or_else(|| AppError::not_found("no such payment"))?;
    let receipt = match begun.stored {
        Some(executing) => send_execute(&app, &begun.before, executing, &begun.claim).await,
        None => not_executable(begun.before),
    };
    begun.claim.give_back().await;
    Ok(Json(receipt?))
}

/// `GET /tosspay/payments/{orderNo}`. Polls are coalesced: they queue on the payment's claim, and one that finds
/// Toss's status read within [`STATUS_FRESH_MS`] answers from the store instead of calling Toss again.
pub async fn status(
    State(app): State<AppState>,
    session: Session,
    Path(order_no): Path<String>,
) -> Result<Json<PaymentStatusReply>, AppError> {
    let (payment, claim) = users_payment(&app, &order_no, session).await?;
    let reply = status_of(&app, payment, &claim).await;
    claim.give_back().await;
    Ok(Json(reply?))
}

/// The status of a claimed payment: from the store when Toss's status was read within [`STATUS_FRESH_MS`] (or Toss
/// cannot answer and the payment is settled), else from Toss, reconciling the store.
async fn status_of(app: &AppState, payment: Payment, claim: &Lease) -> Result<PaymentStatusReply, AppError> {
    let order_no = payment.order_no.clone();
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
        match toss_status(app, &payment).await {
            Ok(st) => {
                payments::mark_checked(&app.db, &order_no).await?;
                reconcile(app, payment, &st, claim).await?
            }
            // Toss unreachable: what the store knows is final for settled payments.
            Err(e) if payment.state.is_settled() => {
                tracing::warn!("payment status from the store, Toss unavailable: {e}");
                payment
            }
            Err(e) if payment.state.is_in_flight() => {
                return Err(AppError::outcome_unknown(format!(
                    "the payment's outcome is not known yet and Toss did not answer ({e}); ask again later"
                )))
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(PaymentStatusReply {
        status: payment.toss_status.unwrap_or_else(|| PayStatus::parse("")),
        receipt: payment.receipt,
    })
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
    let (payment, claim) = users_payment(&app, &order_no, session).await?;
    let receipt = refund_locked(&app, payment, &req.reason, &claim).await;
    claim.give_back().await;
    Ok(Json(receipt?))
}

/// The session user's payment `order_no`, claimed (waiting while another call works on it); another user's is
/// "no such payment".
async fn users_payment(
    app: &AppState,
    order_no: &str,
    session: Session,
) -> Result<(Payment, Lease), AppError> {
    payments::claim_for_user(&app.db, order_no, session.user_key)
        .await?
        .ok_or_else(|| AppError::not_found("no such payment"))
}
