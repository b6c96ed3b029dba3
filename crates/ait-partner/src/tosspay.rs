//! TossPay, as the partner contract has it:
//!
//! * `POST /tosspay/payments {order, idempotencyKey}` prices the order from the catalog, makes the `orderNo`,
//!   calls `make-payment` and stores the payment → `{orderNo, payToken, amount, productDesc}`. The same key
//!   (per user) returns the same payment.
//! * `POST /tosspay/payments/{orderNo}/execute` calls `execute-payment` → the receipt. When the reply is lost,
//!   late or a 5xx, `get-payment-status` settles it; if even that is unknown: 504 `PAYMENT_OUTCOME_UNKNOWN`
//!   and the reconciler finishes the job. Executing twice returns the stored receipt.
//! * `GET /tosspay/payments/{orderNo}` → `{status, receipt?}` from `get-payment-status`, reconciling the store.
//! * `POST /tosspay/payments/{orderNo}/refund {reason}` → `refund-payment` → the refund receipt.
//!
//! Nothing about money comes from the page: amounts come from the catalog, the `userKey` from the session,
//! and an `orderNo` is looked up among the session user's payments only (another user's → 404).
//! Calls on one payment are serialised by a per-payment lock.

use ait_api::partner::{
    CartOrder, CreatePaymentRequest, CreatePaymentResponse, PaymentReceipt, PaymentStatusReply,
    RefundReceipt, RefundRequest,
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
use crate::db::now;
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
        amount: payment.amount,
        product_desc: payment.product_desc,
    }))
}

/// `POST /tosspay/payments/{orderNo}/execute` (the body, `{}`, is ignored).
pub async fn execute(
    State(app): State<AppState>,
    session: Session,
    Path(order_no): Path<String>,
) -> Result<Json<PaymentReceipt>, AppError> {
    let _one_at_a_time = app.locks.lock(payment_lock(&order_no)).await;
    let payment = users_payment(&app, &order_no, session).await?;
    Ok(Json(execute_locked(&app, payment).await?))
}

/// `GET /tosspay/payments/{orderNo}`.
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
    let payment = match toss_status(&app, &payment).await {
        Ok(st) => reconcile(&app, payment, &st).await?,
        // Toss unreachable: what the store knows is final for settled payments.
        Err(e) if settled(&payment) => {
            tracing::warn!("payment status from the store, Toss unavailable: {e}");
            payment
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Json(PaymentStatusReply {
        status: PayStatus::parse(payment.toss_status.as_deref().unwrap_or("")),
        receipt: payment.receipt,
    }))
}

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
                Some(e.to_string()),
            )
            .await?;
            Err(AppError::toss_unreachable(format!(
                "make-payment did not answer ({e}); retry with the same idempotencyKey"
            )))
        }
    }
}

/// Executes a payment; the caller holds its lock. Paid → the stored receipt, without calling Toss.
async fn execute_locked(app: &AppState, mut p: Payment) -> Result<PaymentReceipt, AppError> {
    match p.state {
        PaymentState::Paid => {
            return p
                .receipt
                .ok_or_else(|| AppError::internal("a paid payment without a receipt"))
        }
        PaymentState::Refunded => return Err(AppError::invalid_state("the payment was refunded")),
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
    let pay_token = p.pay_token.clone().unwrap_or_default();
    p.state = PaymentState::Executing;
    payments::save(&app.db, &p, "execute", None).await?;

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
            // Decided by Toss: nothing changed by this call. But an earlier call may have executed it (the
            // "already executed" refusal), so a paid status wins over the refusal.
            if let Ok(st) = toss_status(app, &p).await {
                if st.pay_status.as_ref().is_some_and(PayStatus::is_paid) {
                    return settled_receipt(reconcile(app, p, &st).await?);
                }
                let p2 = reconcile(app, p, &st).await?;
                p = p2;
            }
            if p.state == PaymentState::Executing {
                p.state = PaymentState::Created;
            }
            payments::save(
                &app.db,
                &p,
                "execute_failed",
                Some(error.error_code.to_string()),
            )
            .await?;
            Err(AppError::toss_failed(error))
        }
        Err(e) if e.outcome_known() => {
            p.state = PaymentState::Created;
            payments::save(&app.db, &p, "execute_not_sent", Some(e.to_string())).await?;
            Err(AppError::toss_unreachable(format!(
                "execute-payment was not sent: {e}"
            )))
        }
        Err(e) => settle_from_status(app, p, e.to_string()).await,
    }
}

/// After an execute whose outcome is unknown: ask Toss. Paid → receipt; a known other state → its error;
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
            "the payment outcome is unknown (execute: {cause}; status: {e}); ask for its status later"
        ))),
    }
}

/// The receipt of a payment after reconciliation, or why there is none.
fn settled_receipt(p: Payment) -> Result<PaymentReceipt, AppError> {
    match p.state {
        PaymentState::Paid => p
            .receipt
            .ok_or_else(|| AppError::internal("a paid payment without a receipt")),
        PaymentState::Executing => Err(AppError::outcome_unknown(
            "the payment is not settled at Toss yet; ask for its status later",
        )),
        PaymentState::Created => Err(AppError::invalid_state(
            "the buyer has not authenticated the payment (or it was not executed); execute again after checkoutPayment",
        )),
        PaymentState::Canceled => Err(AppError::invalid_state("the buyer canceled the payment")),
        PaymentState::Refunded => Err(AppError::invalid_state("the payment was refunded")),
        PaymentState::Creating => Err(AppError::invalid_state("the payment was not created at Toss yet")),
    }
}

/// Settles a payment left `EXECUTING` (the reconciler): status first; approved but not executed → execute.
pub async fn settle_executing(app: &AppState, order_no: &str) -> Result<(), AppError> {
    let _one_at_a_time = app.locks.lock(payment_lock(order_no)).await;
    let Some(p) = payments::get(&app.db, order_no).await? else {
        return Ok(());
    };
    if p.state != PaymentState::Executing {
        return Ok(());
    }
    let st = toss_status(app, &p).await?;
    let p = reconcile(app, p, &st).await?;
    if p.state == PaymentState::Executing && st.pay_status == Some(PayStatus::PayApproved) {
        // The buyer authenticated and we meant to execute: finish it (Toss executes a payToken once).
        execute_locked(app, p).await?;
    }
    Ok(())
}

/// Refunds a payment; the caller holds its lock. Refunded → the stored refund receipt.
async fn refund_locked(
    app: &AppState,
    mut p: Payment,
    reason: &str,
) -> Result<RefundReceipt, AppError> {
    match p.state {
        PaymentState::Refunded => {
            if let Some(r) = p.refund {
                return Ok(r);
            }
        }
        PaymentState::Paid => {}
        _ => {
            return Err(AppError::invalid_state(
                "only a paid payment can be refunded",
            ))
        }
    }
    let pay_token = p.pay_token.clone().unwrap_or_default();
    payments::event(&app.db, &p.order_no, "refund", Some(reason.to_string())).await?;
    match app
        .toss
        .refund_payment(p.user_key, &pay_token, reason, p.is_test_payment)
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
            // An earlier refund may have gone through (its reply lost): the status decides.
            if let Ok(st) = toss_status(app, &p).await {
                if st.pay_status.as_ref().is_some_and(PayStatus::is_refunded) {
                    if let Some(r) = reconcile(app, p, &st).await?.refund {
                        return Ok(r);
                    }
                    return Err(AppError::internal(
                        "a refunded payment without a refund receipt",
                    ));
                }
            }
            payments::event(
                &app.db,
                &p.order_no,
                "refund_failed",
                Some(error.error_code.to_string()),
            )
            .await?;
            Err(AppError::toss_failed(error))
        }
        Err(e) if e.outcome_known() => Err(AppError::toss_unreachable(format!(
            "refund-payment was not sent: {e}"
        ))),
        Err(e) => {
            payments::event(&app.db, &p.order_no, "refund_unknown", Some(e.to_string())).await?;
            let st = toss_status(app, &p).await.map_err(|e2| {
                AppError::outcome_unknown(format!(
                    "the refund outcome is unknown ({e}; status: {e2})"
                ))
            })?;
            match reconcile(app, p, &st).await? {
                Payment {
                    refund: Some(r),
                    state: PaymentState::Refunded,
                    ..
                } => Ok(r),
                _ => Err(AppError::outcome_unknown(format!(
                    "the refund outcome is unknown ({e}); ask for the payment status later"
                ))),
            }
        }
    }
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
    if status.is_paid() || status.is_refunded() {
        if p.receipt.is_none() {
            p.receipt = receipt_from_status(&p, st);
            if p.receipt.is_none() {
                return Err(AppError::internal(
                    "get-payment-status: a paid payment without its PAY transaction",
                ));
            }
        }
        if status.is_paid() {
            p.state = PaymentState::Paid;
        } else {
            p.state = PaymentState::Refunded;
            if p.refund.is_none() {
                p.refund = refund_from_status(&p, st);
            }
        }
    } else {
        match status {
            PayStatus::PayCancel => p.state = PaymentState::Canceled,
            // Not authenticated: an execute cannot have happened.
            PayStatus::PayStandby if p.state == PaymentState::Executing => {
                p.state = PaymentState::Created
            }
            // Approved or in progress: an execute may still land; unknown values change nothing.
            _ => {}
        }
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
        amount,
        paid_amount: r.paid_amount.unwrap_or(amount - discounted),
        pay_method: r.pay_method.clone()?,
        transaction_id: r.transaction_id.clone()?,
        approval_time: r.approval_time.clone()?,
        discounted_amount: r.discounted_amount,
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
        amount,
        paid_amount: pay.paid_amount.or(st.paid_amount).unwrap_or(amount),
        pay_method: st.pay_method.clone()?,
        transaction_id: pay.transaction_id.clone()?,
        approval_time: st.paid_ts.clone().or_else(|| pay.reg_ts.clone())?,
        discounted_amount: st.discounted_amount,
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
        refunded_amount: r.refunded_amount.unwrap_or(p.amount),
        refundable_amount: r.refundable_amount,
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
        refunded_amount: if refunded > 0 { refunded } else { p.amount },
        refundable_amount: st.refundable_amount,
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
