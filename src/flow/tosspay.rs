//! A TossPay payment, whole: create on the partner server → check the amount → the payment sheet → execute →
//! reconcile through the status endpoint whenever the outcome is in doubt.
//!
//! Money must never be reported lost when it may have moved: if the result cannot be learned in time the flow
//! answers `PAYMENT_OUTCOME_UNKNOWN` (retryable, with the order number), never a failure. A mismatch between the
//! server's amount and the page's expectation stops the flow before the sheet opens.

use crate::bridge::Bridge;
use crate::error::{Error, ErrorCode};
use crate::event::Event;
use crate::flow::retry::{with_retries, RetryPolicy};
use crate::partner::{Partner, Receipt};
use crate::sdk::Sdk;

/// What to pay for.
#[derive(Clone, Debug, PartialEq)]
pub struct PaymentRequest {
    /// The caller's order (cart), as JSON text; only the server prices it.
    pub order_json: String,
    /// The amount the page showed; the server's amount must equal it.
    pub expected_amount: f64,
    /// Makes the creation idempotent across retries.
    pub idempotency_key: String,
}

/// The context a payment runs in.
pub struct PaymentContext<'a, S, P> {
    /// The host.
    pub bridge: &'a Bridge<S>,
    /// The partner server.
    pub partner: &'a P,
    /// Retries of partner calls.
    pub policy: RetryPolicy,
    /// Reports each step.
    pub emit: &'a dyn Fn(Event),
}

impl<S: Sdk, P: Partner> PaymentContext<'_, S, P> {
    fn event(&self, name: &'static str, started: f64, order_no: Option<&str>) {
        let mut event = Event::new(name, (self.bridge.sdk().now_ms() - started).max(0.0));
        if let Some(order_no) = order_no {
            event = event.order(order_no);
        }
        (self.emit)(event);
    }
}

/// Runs the whole payment.
pub async fn pay_with_tosspay<S: Sdk, P: Partner>(ctx: &PaymentContext<'_, S, P>, request: &PaymentRequest) -> Result<Receipt, Error> {
    if !request.expected_amount.is_finite() || request.expected_amount <= 0.0 {
        return Err(Error::invalid_argument("expectedAmount must be a positive number"));
    }
    let sdk = ctx.bridge.sdk();
    let started = sdk.now_ms();
    ctx.bridge.environment()?;
    ctx.event("tosspay.started", started, None);
    let created = with_retries(
        sdk,
        &ctx.policy,
        || ctx.partner.create_payment(&request.order_json, &request.idempotency_key),
        |_, _| ctx.event("tosspay.create_retried", started, None),
    )
    .await?;
    let order_no = created.order_no.as_str();
    ctx.event("tosspay.created", started, Some(order_no));
    if (created.amount - request.expected_amount).abs() >= 0.5 {
        return Err(Error::new(
            ErrorCode::AmountMismatch,
            format!(
                "the server charges {} for order {order_no} but the page expected {}",
                won(created.amount),
                won(request.expected_amount)
            ),
        )
        .with_order_id(order_no));
    }

    match ctx.bridge.checkout_payment(&created.pay_token).await {
        Ok(()) => ctx.event("tosspay.authenticated", started, Some(order_no)),
        Err(e) if e.code == ErrorCode::TosspayNotAuthenticated => return Err(e.with_order_id(order_no)),
        Err(e) => {
            // The sheet's answer was lost: ask the server whether the user authenticated.
            ctx.event("tosspay.sheet_unknown", started, Some(order_no));
            let state = with_retries(sdk, &ctx.policy, || ctx.partner.payment_status(order_no), |_, _| {}).await;
            match state {
                Ok(state) if state.is_paid() || state.is_approved() || state.is_in_progress() => {
                    if let Some(receipt) = state.receipt {
                        return Ok(receipt);
                    }
                    // Authenticated (or executed without a receipt yet): execution below settles it.
                }
                _ => return Err(e.with_order_id(order_no)),
            }
        }
    }

    let executed = with_retries(
        sdk,
        &ctx.policy,
        || ctx.partner.execute_payment(order_no),
        |_, _| ctx.event("tosspay.execute_retried", started, Some(order_no)),
    )
    .await;
    let receipt = match executed {
        Ok(receipt) => receipt,
        // A decision (a Toss FAIL such as insufficient funds, a rejected request): the money did not move.
        Err(e) if !e.retryable() => return Err(e.with_order_id(order_no)),
        Err(_) => reconcile(ctx, order_no, started).await?,
    };
    ctx.event("tosspay.paid", started, Some(order_no));
    Ok(receipt)
}

/// An amount in won for messages. Integer formatting: `f64`'s `Display` costs ~20 KB of wasm.
fn won(amount: f64) -> String {
    format!("{}", amount.round() as i64)
}

/// The execution's outcome is in doubt: ask the server (which asks Toss) until it is known, executing again while
/// the payment still waits for it. Gives up with `PAYMENT_OUTCOME_UNKNOWN`, never with a failure.
async fn reconcile<S: Sdk, P: Partner>(ctx: &PaymentContext<'_, S, P>, order_no: &str, started: f64) -> Result<Receipt, Error> {
    let sdk = ctx.bridge.sdk();
    ctx.event("tosspay.reconciling", started, Some(order_no));
    let mut jitter = crate::flow::retry::Jitter::from_time(sdk.now_ms());
    for round in 0..ctx.policy.attempts {
        if round > 0 {
            sdk.sleep(jitter.below(crate::flow::retry::ceiling(&ctx.policy, round))).await;
        }
        match ctx.partner.payment_status(order_no).await {
            Ok(state) if state.is_paid() => {
                if let Some(receipt) = state.receipt {
                    ctx.event("tosspay.reconciled", started, Some(order_no));
                    return Ok(receipt);
                }
            }
            Ok(state) if state.is_approved() => {
                if let Ok(receipt) = ctx.partner.execute_payment(order_no).await {
                    return Ok(receipt);
                }
            }
            Ok(state) if state.is_in_progress() => {}
            Ok(state) => {
                return Err(Error::new(
                    ErrorCode::TossApiFailed,
                    format!("payment {order_no} was not executed: Toss reports {}", state.status),
                )
                .with_sdk_code(state.status)
                .with_order_id(order_no))
            }
            Err(e) if e.retryable() => {}
            Err(e) => return Err(e.with_order_id(order_no)),
        }
    }
    ctx.event("tosspay.outcome_unknown", started, Some(order_no));
    Err(Error::new(
        ErrorCode::PaymentOutcomeUnknown,
        format!("the outcome of payment {order_no} is not known yet; ask again later (money may have moved)"),
    )
    .with_order_id(order_no))
}
