//! Toss's status as evidence: reading `get-payment-status`, bringing the stored payment in line with it (forward
//! only), and settling a payment left in flight (what the background reconciler calls).

use ait_api::tosspay::PaymentStatusResponse;
use ait_api::PayStatus;

use super::execute::execute_locked;
use super::receipt::{receipt_from_status, refund_from_status};
use super::refund::refund_locked;
use crate::app::AppState;
use crate::db::Lease;
use crate::error::AppError;
use crate::payments::{self, Payment, PaymentEvent, PaymentState};
use crate::toss_client::TossError;

/// Settles a payment left `EXECUTING` or `REFUNDING` (the reconciler): Toss's status first; a payment Toss reports
/// approved but not executed is executed (the buyer authenticated it and the page asked to execute it; Toss executes
/// a payToken once), and one Toss still reports paid while a refund was asked for is refunded (Toss refunds once).
///
/// A payment someone else is working on (a handler, or the reconciler of another instance) is skipped, like
/// `SKIP LOCKED`: it is looked at again next period.
pub async fn settle_unsettled(app: &AppState, order_no: &str) -> Result<(), AppError> {
    let Some((p, claim)) = payments::try_claim(&app.db, order_no).await? else {
        return Ok(());
    };
    let settled = settle(app, p, &claim).await;
    claim.give_back().await;
    settled
}

/// [`settle_unsettled`] under the claim.
async fn settle(app: &AppState, p: Payment, claim: &Lease) -> Result<(), AppError> {
    if !p.state.is_in_flight() {
        return Ok(());
    }
    let st = toss_status(app, &p).await?;
    let p = reconcile(app, p, &st, claim).await?;
    match (p.state, st.pay_status.as_ref()) {
        (PaymentState::Executing, Some(PayStatus::PayApproved)) => {
            execute_locked(app, p, claim).await?;
        }
        (PaymentState::Refunding, Some(s)) if s.is_paid() => {
            let reason = p.refund_reason.clone().unwrap_or_default();
            refund_locked(app, p, &reason, claim).await?;
        }
        _ => {}
    }
    Ok(())
}

pub(super) async fn toss_status(app: &AppState, p: &Payment) -> Result<PaymentStatusResponse, TossError> {
    app.toss
        .payment_status(
            p.user_key,
            p.pay_token.as_deref(),
            &p.order_no,
            p.is_test_payment,
        )
        .await
}

/// Brings the stored payment in line with Toss's status (and records a change, under the payment's `claim`).
pub(super) async fn reconcile(
    app: &AppState,
    mut p: Payment,
    st: &PaymentStatusResponse,
    claim: &Lease,
) -> Result<Payment, AppError> {
    let before = (p.state, p.toss_status.clone());
    let status = st
        .pay_status
        .clone()
        .unwrap_or_else(|| PayStatus::parse(""));
    if !status.as_str().is_empty() {
        p.toss_status = Some(status.clone());
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
        let detail = p.toss_status.as_ref().map(|s| s.as_str().to_owned());
        payments::save(&app.db, &p, PaymentEvent::Reconciled, detail, claim).await?;
    }
    Ok(p)
}
