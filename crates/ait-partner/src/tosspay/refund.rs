//! Refunding a payment (`refund-payment`): `PAID` → `REFUNDING` → `REFUNDED`, with the same rule as execute: a
//! refund that may have gone through stays `REFUNDING` until evidence settles it.

use ait_api::partner::RefundReceipt;
use ait_api::PayStatus;

use super::lost_attempt::LostAttempt;
use super::receipt::refund_from_reply;
use super::reconcile::{reconcile, toss_status};
use crate::app::AppState;
use crate::db::{now_ms, Lease};
use crate::error::AppError;
use crate::payments::{self, Payment, PaymentEvent, PaymentState};
use crate::toss_client::TossError;

/// Toss's refusal of a refund because an earlier one went through.
const ALREADY_REFUNDED: &str = "PAYMENT_ALREADY_REFUNDED";

/// Refunds a payment under its `claim`. Refunded → the stored refund receipt.
///
/// Like execute: the payment is saved `REFUNDING` before refund-payment is sent and leaves it only on evidence
/// (a reply, Toss's status, or the refusal of an attempt no lost call can overtake); otherwise 504
/// `PAYMENT_OUTCOME_UNKNOWN` and the reconciler finishes it.
pub(super) async fn refund_locked(
    app: &AppState,
    mut p: Payment,
    reason: &str,
    claim: &Lease,
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
    let kind = if earlier.exists { PaymentEvent::RefundAgain } else { PaymentEvent::Refund };
    payments::save(&app.db, &p, kind, Some(reason.clone()), claim).await?;
    match app
        .toss
        .refund_payment(p.user_key, &pay_token, &reason, p.is_test_payment)
        .await
    {
        Ok(reply) => {
            let receipt = refund_from_reply(&p, &reply);
            p.refund = Some(receipt.clone());
            p.state = PaymentState::Refunded;
            p.toss_status = Some(PayStatus::RefundSuccess);
            payments::save(&app.db, &p, PaymentEvent::Refunded, None, claim).await?;
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
                    payments::save(&app.db, &p, PaymentEvent::RefundRefused, Some(code.clone()), claim).await?;
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
                    payments::save(&app.db, &p, PaymentEvent::RefundFailed, Some(code), claim).await?;
                    return Err(AppError::toss_failed(error));
                }
            };
            let mut p = reconcile(app, p, &st, claim).await?;
            let still_paid = st.pay_status.as_ref().is_some_and(PayStatus::is_paid);
            match p.state {
                PaymentState::Refunded => refund_receipt(p),
                PaymentState::Refunding if still_paid && !already && !earlier.may_still_land => {
                    // Refused, reported paid, and no lost refund can still land: a final answer.
                    p.state = PaymentState::Paid;
                    payments::save(&app.db, &p, PaymentEvent::RefundFailed, Some(code), claim).await?;
                    Err(AppError::toss_failed(error))
                }
                PaymentState::Refunding => {
                    payments::save(&app.db, &p, PaymentEvent::RefundRefused, Some(code), claim).await?;
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
                payments::save(&app.db, &p, PaymentEvent::RefundNotSent, Some(e.detail()), claim).await?;
                return Err(AppError::outcome_unknown(format!(
                    "refund-payment was not sent ({e}) and an earlier attempt's outcome is unknown; ask later"
                )));
            }
            if p.state == PaymentState::Refunding {
                p.state = PaymentState::Paid;
            }
            p.attempted_at = None;
            payments::save(&app.db, &p, PaymentEvent::RefundNotSent, Some(e.detail()), claim).await?;
            Err(AppError::toss_unreachable(format!(
                "refund-payment was not sent: {e}"
            )))
        }
        Err(e) => {
            payments::event(&app.db, &p.order_no, PaymentEvent::RefundUnknown, Some(e.detail())).await?;
            let st = toss_status(app, &p).await.map_err(|e2| {
                AppError::outcome_unknown(format!(
                    "the refund outcome is unknown ({e}; status: {e2}); ask for the payment's status later"
                ))
            })?;
            let p = reconcile(app, p, &st, claim).await?;
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
