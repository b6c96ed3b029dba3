//! A TossPay payment, whole: create on the partner server → check the amount → the payment sheet → execute →
//! reconcile through the status endpoint whenever the outcome is in doubt.
//!
//! Money must never be reported lost when it may have moved: if the result cannot be learned in time the flow
//! answers `PAYMENT_OUTCOME_UNKNOWN` (retryable, with the order number), never a failure. A mismatch between the
//! server's amount and the page's expectation stops the flow before the sheet opens.

use crate::bridge::Bridge;
use crate::error::{Error, ErrorCode};
use crate::event::Event;
use crate::flow::retry::{ceiling, Jitter, RetryPolicy};
use crate::partner::{CreatePaymentRequest, CreatePaymentResponse, Partner, PayStatus, PaymentReceipt, PaymentStatusReply, Won};
use crate::sdk::Sdk;

/// What to pay for.
#[derive(Clone, Debug, PartialEq)]
pub struct PaymentRequest<O> {
    /// The contract's create request: the caller's order (only the server prices it) and the idempotency key that
    /// makes the creation idempotent across retries.
    pub create: CreatePaymentRequest<O>,
    /// The amount the page showed; the server's amount must equal it.
    pub expected_amount: Won,
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
enum Op<'a, O> {
    Create(&'a CreatePaymentRequest<O>),
    Execute(&'a str),
    Status(&'a str),
}

/// What an [`Op`] answers.
enum Reply {
    Created(CreatePaymentResponse),
    Receipt(PaymentReceipt),
    State(PaymentStatusReply),
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
    async fn call(&self, op: Op<'_, P::Order>, retries: bool, started: f64) -> Result<Reply, Error> {
        {
            let sdk = self.bridge.sdk();
            let attempts = if retries { self.policy.attempts } else { 1 };
            let mut jitter = Jitter::from_time(if retries { sdk.now_ms() } else { 0.0 });
            let mut attempt = 1;
            loop {
                let reply = match op {
                    Op::Create(request) => {
                        self.partner.create_payment(request).await.map(Reply::Created)
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
pub async fn pay_with_tosspay<S: Sdk, P: Partner>(
    ctx: &PaymentContext<'_, S, P>,
    request: &PaymentRequest<P::Order>,
) -> Result<PaymentReceipt, Error> {
    if request.expected_amount <= Won(0) {
        return Err(Error::invalid_argument("expectedAmount must be a positive whole number of won"));
    }
    let sdk = ctx.bridge.sdk();
    let started = sdk.now_ms();
    ctx.bridge.environment()?;
    ctx.event("tosspay.started", started, None);
    let Reply::Created(created) = ctx.call(Op::Create(&request.create), true, started).await? else { return Err(wrong_reply()) };
    let order_no = created.order_no.as_str();
    ctx.event("tosspay.created", started, Some(order_no));
    if created.amount != request.expected_amount {
        return Err(Error::new(
            ErrorCode::AmountMismatch,
            format!(
                "the server charges {} won for order {order_no} but the page expected {} won",
                created.amount, request.expected_amount
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
                Ok(Reply::State(state))
                    if state.status.is_paid() || matches!(state.status, PayStatus::PayApproved | PayStatus::PayProgress) =>
                {
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

/// The execution's outcome is in doubt: ask the server (which asks Toss) until it is known, executing again while
/// the payment still waits for it. Gives up with `PAYMENT_OUTCOME_UNKNOWN`, never with a failure.
async fn reconcile<S: Sdk, P: Partner>(ctx: &PaymentContext<'_, S, P>, order_no: &str, started: f64) -> Result<PaymentReceipt, Error> {
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
            Ok(state) if state.status.is_paid() => {
                if let Some(receipt) = state.receipt {
                    ctx.event("tosspay.reconciled", started, Some(order_no));
                    return Ok(receipt);
                }
            }
            Ok(state) if state.status == PayStatus::PayApproved => {
                if let Ok(Reply::Receipt(receipt)) = ctx.call(Op::Execute(order_no), false, started).await {
                    return Ok(receipt);
                }
            }
            Ok(state) if state.status == PayStatus::PayProgress => {}
            Ok(state) => {
                return Err(Error::new(
                    ErrorCode::TossApiFailed,
                    format!("payment {order_no} was not executed: Toss reports {}", state.status.as_str()),
                )
                .with_sdk_code(state.status.as_str())
                .with_order_id(order_no))
            }
            Err(e) if e.retryable() => {}
            Err(e) => return Err(e.with_order_id(order_no)),
        }
    }
    ctx.event("tosspay.outcome_unknown", started, Some(order_no));
    Err(Error::new(
        ErrorCode::PaymentOutcomeUnknown,
        format!("the outcome of payment {} is not known yet; ask again later (money may have moved)", order_no),
    )
    .with_order_id(order_no))
}
