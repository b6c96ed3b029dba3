//! Executing a payment (`execute-payment`): `CREATED` → `EXECUTING` → `PAID`, and every way back or forward when
//! the reply is lost, late, refused or a 5xx. A payment that may have executed stays `EXECUTING` until evidence
//! settles it; it is never reported as a final failure.

use ait_api::partner::PaymentReceipt;
use ait_api::PayStatus;

use super::lost_attempt::LostAttempt;
use super::receipt::receipt_from_execute;
use super::reconcile::{reconcile, toss_status};
use crate::app::AppState;
use crate::db::{now_ms, Lease};
use crate::error::AppError;
use crate::payments::{self, Payment, PaymentEvent, PaymentState};
use crate::toss_client::TossError;

/// Toss's refusal of an execute because an earlier one went through.
const ALREADY_EXECUTED: &str = "PAYMENT_ALREADY_EXECUTED";

/// Executes a payment under its `claim` (the reconciler's way in: the handler's claim stores [`begin_execute`]'s
/// step itself, then [`send_execute`]). Paid → the stored receipt, without calling Toss.
pub(super) async fn execute_locked(app: &AppState, p: Payment, claim: &Lease) -> Result<PaymentReceipt, AppError> {
    let Some((executing, kind)) = begin_execute(&p) else {
        return not_executable(p);
    };
    payments::save(&app.db, &executing, kind, None, claim).await?;
    send_execute(app, &p, executing, claim).await
}

/// The write that starts an execute: a `CREATED` payment (or one left `EXECUTING` by an attempt whose outcome was
/// lost) is stored `EXECUTING`, stamped now, before execute-payment is sent. `None`: a payment in another state is
/// not executed; [`not_executable`] answers from it.
pub(super) fn begin_execute(p: &Payment) -> Option<(Payment, PaymentEvent)> {
    let kind = match p.state {
        PaymentState::Created => PaymentEvent::Execute,
        PaymentState::Executing => PaymentEvent::ExecuteAgain,
        _ => return None,
    };
    let mut executing = p.clone();
    executing.state = PaymentState::Executing;
    executing.attempted_at = Some(now_ms());
    Some((executing, kind))
}

/// The answer for a payment [`begin_execute`] does not execute: its stored receipt, or why not.
pub(super) fn not_executable(p: Payment) -> Result<PaymentReceipt, AppError> {
    match p.state {
        PaymentState::Paid => stored_receipt(p),
        PaymentState::Refunding | PaymentState::Refunded => Err(AppError::invalid_state("the payment was refunded")),
        PaymentState::Canceled => Err(AppError::invalid_state("the buyer canceled the payment")),
        PaymentState::Creating => Err(AppError::invalid_state("the payment was not created at Toss yet")),
        PaymentState::Created | PaymentState::Executing => Err(AppError::internal("an executable payment not executed")),
    }
}

/// Sends execute-payment for `p`, stored `EXECUTING` (it was `before`, which tells whether an earlier attempt was
/// lost), and settles it under `claim`: the write of the receipt also gives the claim back.
///
/// The payment leaves `EXECUTING` only on evidence:
/// a receipt, Toss's status (paid, refunded, canceled; or not executed, after Toss refused this very call and no
/// earlier lost call can still land), or the refusal of a first attempt. Everything else answers 504
/// `PAYMENT_OUTCOME_UNKNOWN` (retryable) and leaves the payment to the reconciler: a payment that may have executed
/// is never reported as a final failure.
pub(super) async fn send_execute(
    app: &AppState,
    before: &Payment,
    mut p: Payment,
    claim: &Lease,
) -> Result<PaymentReceipt, AppError> {
    let earlier = LostAttempt::of(app, before, PaymentState::Executing);
    let pay_token = p.pay_token.clone().unwrap_or_default();
    let result = app
        .toss
        .execute_payment(p.user_key, &pay_token, &p.order_no, p.is_test_payment)
        .await;
    match result {
        Ok(reply) => match receipt_from_execute(&p, &reply) {
            Some(receipt) => {
                p.receipt = Some(receipt.clone());
                p.state = PaymentState::Paid;
                p.toss_status = Some(PayStatus::PayComplete);
                payments::save_releasing(&app.db, &p, PaymentEvent::Executed, None, claim).await?;
                Ok(receipt)
            }
            None => {
                settle_from_status(app, p, "execute-payment reply without a receipt".into(), claim).await
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
                    payments::save(&app.db, &p, PaymentEvent::ExecuteRefused, Some(code.clone()), claim).await?;
                    return Err(AppError::outcome_unknown(format!(
                        "Toss refused the execute ({code}) and its status is unknown ({e}); the payment may be \
                         paid: ask for its status later"
                    )));
                }
                Err(_) => {
                    // A first attempt, refused: nothing was executed, by this call or any other.
                    p.state = PaymentState::Created;
                    payments::save(&app.db, &p, PaymentEvent::ExecuteFailed, Some(code), claim).await?;
                    return Err(AppError::toss_failed(error));
                }
            };
            let mut p = reconcile(app, p, &st, claim).await?;
            // (A standby payment was moved to CREATED by `reconcile`.)
            let not_executed = st.pay_status == Some(PayStatus::PayApproved);
            match p.state {
                PaymentState::Executing if not_executed && !already && !earlier.may_still_land => {
                    // Refused, reported not executed, and no lost call can still land: a final answer.
                    p.state = PaymentState::Created;
                    payments::save(&app.db, &p, PaymentEvent::ExecuteFailed, Some(code), claim).await?;
                    Err(AppError::toss_failed(error))
                }
                PaymentState::Executing => {
                    payments::save(&app.db, &p, PaymentEvent::ExecuteRefused, Some(code), claim).await?;
                    Err(AppError::outcome_unknown(if already {
                        "Toss says the payment was executed but its status does not show it yet; ask for its status later"
                    } else {
                        "an earlier execute of this payment may still land at Toss; ask for its status later"
                    }))
                }
                PaymentState::Created if already => {
                    // Toss said executed, its status says not authenticated: trust the money, not the read.
                    p.state = PaymentState::Executing;
                    payments::save(&app.db, &p, PaymentEvent::ExecuteRefused, Some(code), claim).await?;
                    Err(AppError::outcome_unknown(
                        "Toss says the payment was executed but its status disagrees; ask for its status later",
                    ))
                }
                PaymentState::Created | PaymentState::Canceled => {
                    // Not executed (not authenticated, or canceled by the buyer): Toss's refusal is the answer.
                    payments::event(&app.db, &p.order_no, PaymentEvent::ExecuteFailed, Some(code)).await?;
                    Err(AppError::toss_failed(error))
                }
                _ => settled_receipt(p),
            }
        }
        Err(e) if e.outcome_known() => {
            if earlier.exists {
                p.attempted_at = earlier.sent_at;
                payments::save(&app.db, &p, PaymentEvent::ExecuteNotSent, Some(e.detail()), claim).await?;
                return Err(AppError::outcome_unknown(format!(
                    "execute-payment was not sent ({e}) and an earlier attempt's outcome is unknown; ask for the \
                     payment's status later"
                )));
            }
            p.state = PaymentState::Created;
            p.attempted_at = None;
            payments::save(&app.db, &p, PaymentEvent::ExecuteNotSent, Some(e.detail()), claim).await?;
            Err(AppError::toss_unreachable(format!(
                "execute-payment was not sent: {e}"
            )))
        }
        Err(e) => settle_from_status(app, p, e.detail(), claim).await,
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
    claim: &Lease,
) -> Result<PaymentReceipt, AppError> {
    payments::event(&app.db, &p.order_no, PaymentEvent::ExecuteUnknown, Some(cause.clone())).await?;
    match toss_status(app, &p).await {
        Ok(st) => settled_receipt(reconcile(app, p, &st, claim).await?),
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
