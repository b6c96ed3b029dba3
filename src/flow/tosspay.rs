//! A TossPay payment, whole: create on the partner server → check the amount → the payment sheet → execute →
//! reconcile through the status endpoint whenever the outcome is in doubt.
//!
//! Money must never be reported lost when it may have moved: if the result cannot be learned in time the flow
//! answers `PAYMENT_OUTCOME_UNKNOWN` (retryable, with the order number), never a failure. A mismatch between the
//! server's amount and the page's expectation stops the flow before the sheet opens.

use alloc::string::String;
use crate::bridge::Bridge;
use crate::error::{Error, ErrorCode};
use crate::event::Event;
use crate::flow::retry::{ceiling, Jitter, RetryPolicy};
use crate::partner::{CreatedPayment, Partner, PaymentState, Receipt};
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

/// One call of the partner contract. Every partner call of the flow goes through [`PaymentContext::call`], so the
/// retry loop and the partner futures exist once in the wasm (instead of one state machine per call site).
enum Op<'a> {
    Create(&'a PaymentRequest),
    Execute(&'a str),
    Status(&'a str),
}

/// What an [`Op`] answers.
enum Reply {
    Created(CreatedPayment),
    Receipt(Receipt),
    State(PaymentState),
}

/// A reply of the wrong kind: cannot happen (each [`Op`] answers its own kind), but is an error rather than a panic.
fn wrong_reply() -> Error {
    Error::new(ErrorCode::PartnerError, "the partner call answered an unexpected reply")
}

impl<S: Sdk, P: Partner> PaymentContext<'_, S, P> {
    fn event(&self, name: &'static str, started: f64, order_no: Option<&str>) {
        let mut event = Event::new(name, (self.bridge.sdk().now_ms() - started).max(0.0));
        if let Some(order_no) = order_no {
            event = event.order(order_no);
        }
        (self.emit)(event);
    }

    /// Runs `op` once, or with retries (exponential backoff with full jitter, only for retryable errors) and the
    /// op's retry event.
    async fn call(&self, op: Op<'_>, retries: bool, started: f64) -> Result<Reply, Error> {
        {
            let sdk = self.bridge.sdk();
            let attempts = if retries { self.policy.attempts } else { 1 };
            let mut jitter = Jitter::from_time(if retries { sdk.now_ms() } else { 0.0 });
            let mut attempt = 1;
            loop {
                let reply = match op {
                    Op::Create(request) => {
                        self.partner.create_payment(&request.order_json, &request.idempotency_key).await.map(Reply::Created)
                    }
                    Op::Execute(order_no) => self.partner.execute_payment(order_no).await.map(Reply::Receipt),
                    Op::Status(order_no) => self.partner.payment_status(order_no).await.map(Reply::State),
                };
                match reply {
                    Err(error) if error.retryable() && attempt < attempts => {
                        match op {
                            Op::Create(_) => self.event("tosspay.create_retried", started, None),
                            Op::Execute(order_no) => self.event("tosspay.execute_retried", started, Some(order_no)),
                            Op::Status(_) => {}
                        }
                        sdk.sleep(jitter.below(ceiling(&self.policy, attempt - 1))).await;
                        attempt += 1;
                    }
                    reply => return reply,
                }
            }
        }
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
    let Reply::Created(created) = ctx.call(Op::Create(request), true, started).await? else { return Err(wrong_reply()) };
    let order_no = created.order_no.as_str();
    ctx.event("tosspay.created", started, Some(order_no));
    if (created.amount - request.expected_amount).abs() >= 0.5 {
        return Err(Error::new(
            ErrorCode::AmountMismatch,
            msg!(
                "the server charges ", won(created.amount), " for order ", order_no, " but the page expected ",
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
            match ctx.call(Op::Status(order_no), true, started).await {
                Ok(Reply::State(state)) if state.is_paid() || state.is_approved() || state.is_in_progress() => {
                    if let Some(receipt) = state.receipt {
                        return Ok(receipt);
                    }
                    // Authenticated (or executed without a receipt yet): execution below settles it.
                }
                _ => return Err(e.with_order_id(order_no)),
            }
        }
    }

    let receipt = match ctx.call(Op::Execute(order_no), true, started).await {
        Ok(Reply::Receipt(receipt)) => receipt,
        Ok(_) => return Err(wrong_reply().with_order_id(order_no)),
        // A decision (a Toss FAIL such as insufficient funds, a rejected request): the money did not move.
        Err(e) if !e.retryable() => return Err(e.with_order_id(order_no)),
        Err(_) => reconcile(ctx, order_no, started).await?,
    };
    ctx.event("tosspay.paid", started, Some(order_no));
    Ok(receipt)
}

/// An amount in won for messages, rounded half away from zero like `f64::round` (which is not in `core`; `f64`'s
/// `Display` costs ~20 KB of wasm). Amounts past `i64` saturate and NaN reads 0, which is fine for a message.
fn won(amount: f64) -> i64 {
    // Truncation and the remainder are exact below 2^52; above it every `f64` is already an integer (the remainder
    // is 0, or huge where `as` saturated).
    let whole = amount as i64;
    let rest = amount - whole as f64;
    if rest >= 0.5 {
        whole.saturating_add(1)
    } else if rest <= -0.5 {
        whole.saturating_sub(1)
    } else {
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::won;

    #[test]
    fn won_rounds_like_f64_round() {
        for x in [0.0, 0.4, 0.5, 0.49999999999999994, 1.5, 2.5, -0.5, -1.4, -2.5, 12_000.0, 4_503_599_627_370_497.0] {
            assert_eq!(won(x), f64::round(x) as i64, "{x}");
        }
        assert_eq!(won(f64::NAN), 0);
        assert_eq!(won(1e300), i64::MAX);
    }
}

/// The execution's outcome is in doubt: ask the server (which asks Toss) until it is known, executing again while
/// the payment still waits for it. Gives up with `PAYMENT_OUTCOME_UNKNOWN`, never with a failure.
async fn reconcile<S: Sdk, P: Partner>(ctx: &PaymentContext<'_, S, P>, order_no: &str, started: f64) -> Result<Receipt, Error> {
    let sdk = ctx.bridge.sdk();
    ctx.event("tosspay.reconciling", started, Some(order_no));
    let mut jitter = Jitter::from_time(sdk.now_ms());
    for round in 0..ctx.policy.attempts {
        if round > 0 {
            sdk.sleep(jitter.below(ceiling(&ctx.policy, round))).await;
        }
        let state = match ctx.call(Op::Status(order_no), false, started).await {
            Ok(Reply::State(state)) => Ok(state),
            Ok(_) => Err(wrong_reply()),
            Err(e) => Err(e),
        };
        match state {
            Ok(state) if state.is_paid() => {
                if let Some(receipt) = state.receipt {
                    ctx.event("tosspay.reconciled", started, Some(order_no));
                    return Ok(receipt);
                }
            }
            Ok(state) if state.is_approved() => {
                if let Ok(Reply::Receipt(receipt)) = ctx.call(Op::Execute(order_no), false, started).await {
                    return Ok(receipt);
                }
            }
            Ok(state) if state.is_in_progress() => {}
            Ok(state) => {
                return Err(Error::new(
                    ErrorCode::TossApiFailed,
                    msg!("payment ", order_no, " was not executed: Toss reports ", state.status),
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
        msg!("the outcome of payment ", order_no, " is not known yet; ask again later (money may have moved)"),
    )
    .with_order_id(order_no))
}
