//! Creating a payment at Toss (`make-payment`): the step from `CREATING` (stored, no payToken) to `CREATED`, including
//! the retry that finds Toss already made it after a lost reply.

use ait_api::tosspay::MakePaymentRequest;
use ait_api::{PayStatus, Validate};

use super::reconcile::toss_status;
use crate::app::AppState;
use crate::db::Lease;
use crate::error::AppError;
use crate::payments::{self, Payment, PaymentEvent, PaymentState};
use crate::toss_client::TossError;

/// make-payment for a stored `CREATING` payment, under its `claim` (the write of the payToken also gives it back). A retry after a lost reply finds the existing payment (`PAYMENT_EXISTING_PAYMENT`) and takes its
/// payToken from `get-payment-status`.
pub(super) async fn make_payment(app: &AppState, mut p: Payment, claim: &Lease) -> Result<Payment, AppError> {
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
            p.toss_status = Some(PayStatus::PayStandby);
            payments::save_releasing(&app.db, &p, PaymentEvent::MakePayment, None, claim).await?;
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
            p.toss_status = st.pay_status.clone();
            payments::save_releasing(&app.db, &p, PaymentEvent::MakePaymentRecovered, None, claim).await?;
            Ok(p)
        }
        Err(TossError::Fail { error, .. }) => {
            payments::event(
                &app.db,
                &p.order_no,
                PaymentEvent::MakePaymentFailed,
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
                PaymentEvent::MakePaymentUnknown,
                Some(e.detail()),
            )
            .await?;
            Err(AppError::toss_unreachable(format!(
                "make-payment did not answer ({e}); retry with the same idempotencyKey"
            )))
        }
    }
}
