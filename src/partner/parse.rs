//! Readers for the partner server's JSON replies, over the same [`Node`] trait as the host's replies (so the
//! browser and the native tests share them). Unknown fields are ignored; anything malformed names its field.

use crate::sdk::parse::{list, number, object, opt_number, opt_string, string, Malformed, Node};

use super::{CreatedPayment, PaymentState, Receipt, Revoked};

type Parsed<T> = Result<T, Malformed>;

/// `POST /tosspay/payments`: `{ orderNo, payToken, amount, productDesc }`.
pub fn created_payment<N: Node>(value: N) -> Parsed<CreatedPayment> {
    let v = object(value)?;
    Ok(CreatedPayment {
        order_no: string(&v, "orderNo")?,
        pay_token: string(&v, "payToken")?,
        amount: number(&v, "amount")?,
        product_desc: string(&v, "productDesc")?,
    })
}

/// A payment receipt.
pub fn receipt<N: Node>(value: N) -> Parsed<Receipt> {
    let v = object(value)?;
    Ok(Receipt {
        order_no: string(&v, "orderNo")?,
        pay_token: string(&v, "payToken")?,
        amount: number(&v, "amount")?,
        paid_amount: number(&v, "paidAmount")?,
        pay_method: string(&v, "payMethod")?,
        transaction_id: string(&v, "transactionId")?,
        approval_time: string(&v, "approvalTime")?,
        discounted_amount: opt_number(&v, "discountedAmount")?,
        card_company_name: opt_string(&v, "cardCompanyName")?,
        sales_check_link_url: opt_string(&v, "salesCheckLinkUrl")?,
    })
}

/// `GET /tosspay/payments/{orderNo}`: `{ status, receipt? }`.
pub fn payment_state<N: Node>(value: N) -> Parsed<PaymentState> {
    let v = object(value)?;
    let receipt = match v.get("receipt") {
        Some(r) if !r.is_null() => Some(receipt(r).map_err(|e| e.in_field("receipt"))?),
        _ => None,
    };
    Ok(PaymentState { status: string(&v, "status")?, receipt })
}

/// `POST /iap/grants`: `{ granted }`.
pub fn grant<N: Node>(value: N) -> Parsed<bool> {
    let v = object(value)?;
    crate::sdk::parse::boolean(&v, "granted")
}

/// `POST /iap/sync`: `{ revoked: [{ orderId, sku }] }`.
pub fn revoked<N: Node>(value: N) -> Parsed<Vec<Revoked>> {
    let v = object(value)?;
    list(&v, "revoked", |item| {
        let item = object(item)?;
        Ok(Revoked { order_id: string(&item, "orderId")?, sku: string(&item, "sku")? })
    })
}

/// The partner's error body: `{ error: { code, message, retryable, toss?: { errorCode, reason } } }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerErrorBody {
    /// The server's code (`UNAUTHENTICATED`, `TOSS_API_FAILED`, …).
    pub code: String,
    /// English message.
    pub message: String,
    /// Whether the server says a retry can help.
    pub retryable: bool,
    /// The relayed Toss `errorCode`, with `TOSS_API_FAILED`.
    pub toss_error_code: Option<String>,
}

/// Reads an error body.
pub fn error_body<N: Node>(value: N) -> Parsed<PartnerErrorBody> {
    let v = object(value)?;
    let e = v.get("error").ok_or_else(|| Malformed::expected("expected an object").in_field("error"))?;
    let e = object(e).map_err(|m| m.in_field("error"))?;
    let toss_error_code = match e.get("toss") {
        Some(t) if t.is_object() => opt_string(&t, "errorCode").map_err(|m| m.in_field("toss").in_field("error"))?,
        _ => None,
    };
    let read = || -> Parsed<PartnerErrorBody> {
        Ok(PartnerErrorBody {
            code: string(&e, "code")?,
            message: string(&e, "message")?,
            retryable: e.get("retryable").and_then(|r| r.boolean()).unwrap_or(false),
            toss_error_code,
        })
    };
    read().map_err(|m| m.in_field("error"))
}
