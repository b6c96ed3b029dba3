//! Readers for the partner server's JSON replies, over the same [`Node`] trait as the host's replies (so the
//! browser and the native tests share them). Unknown fields are ignored; anything malformed names its field.

use alloc::{string::String, vec::Vec};
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use serde_json::json;

    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use crate::sdk::parse::Json;

    fn receipt_json() -> serde_json::Value {
        json!({"orderNo": "ait-1-ab", "payToken": "PT1", "amount": 24000, "paidAmount": 23000, "payMethod": "CARD",
               "transactionId": "tx-1", "approvalTime": "2026-11-22 16:43:36", "discountedAmount": 1000,
               "cardCompanyName": "토스카드", "salesCheckLinkUrl": null, "mode": "LIVE", "somethingNew": 1})
    }

    #[test]
    fn reads_a_created_payment() {
        let v = json!({"orderNo": "ait-1-ab", "payToken": "PT1", "amount": 24000, "productDesc": "원두 200g 외 1건"});
        let c = created_payment(Json(v.clone())).unwrap();
        assert_eq!((c.order_no.as_str(), c.pay_token.as_str(), c.amount), ("ait-1-ab", "PT1", 24000.0));
        let bad = json!({"orderNo": "ait-1-ab", "payToken": "PT1", "amount": "24000", "productDesc": "x"});
        assert_eq!(created_payment(Json(bad.clone())).unwrap_err().to_string(), "amount: expected a number");
    }

    #[test]
    fn reads_a_receipt_tolerating_unknown_and_null_fields() {
        let v = receipt_json();
        let r = receipt(Json(v.clone())).unwrap();
        assert_eq!(r.paid_amount, 23000.0);
        assert_eq!(r.discounted_amount, Some(1000.0));
        assert_eq!(r.card_company_name.as_deref(), Some("토스카드"));
        assert_eq!(r.sales_check_link_url, None);
        let mut missing = receipt_json();
        missing.as_object_mut().unwrap().remove("transactionId");
        assert_eq!(receipt(Json(missing.clone())).unwrap_err().to_string(), "transactionId: expected a string");
    }

    #[test]
    fn reads_payment_states_with_and_without_a_receipt() {
        let paid = json!({"status": "PAY_COMPLETE", "receipt": receipt_json()});
        let s = payment_state(Json(paid.clone())).unwrap();
        assert!(s.is_paid());
        assert_eq!(s.receipt.unwrap().order_no, "ait-1-ab");
        let waiting = json!({"status": "PAY_APPROVED", "receipt": null});
        let s = payment_state(Json(waiting.clone())).unwrap();
        assert!(s.is_approved() && s.receipt.is_none());
        let broken = json!({"status": "PAY_COMPLETE", "receipt": {"orderNo": 5}});
        assert!(payment_state(Json(broken.clone())).unwrap_err().to_string().starts_with("receipt.orderNo"));
    }

    #[test]
    fn reads_grants_and_revocations() {
        assert!(grant(Json(json!({"granted": true}))).unwrap());
        assert!(grant(Json(json!({"granted": "yes"}))).is_err());
        let v = json!({"revoked": [{"orderId": "o1", "sku": "gem_100"}]});
        assert_eq!(revoked(Json(v.clone())).unwrap(), vec![Revoked { order_id: "o1".into(), sku: "gem_100".into() }]);
        assert!(revoked(Json(json!({"revoked": [{"orderId": "o1"}]}))).unwrap_err().to_string().contains("sku"));
    }

    #[test]
    fn reads_error_bodies_with_a_relayed_toss_error() {
        let v = json!({"error": {"code": "TOSS_API_FAILED", "message": "Toss API failed", "retryable": true,
                                 "toss": {"errorCode": "COMMON_BREAK_TIME_OF_BANK", "reason": "점검 중"}}});
        let e = error_body(Json(v.clone())).unwrap();
        assert_eq!(e.code, "TOSS_API_FAILED");
        assert!(e.retryable);
        assert_eq!(e.toss_error_code.as_deref(), Some("COMMON_BREAK_TIME_OF_BANK"));
        let plain = json!({"error": {"code": "UNAUTHENTICATED", "message": "log in first"}});
        let e = error_body(Json(plain.clone())).unwrap();
        assert!(!e.retryable, "a missing retryable means no");
        assert_eq!(e.toss_error_code, None);
        assert!(error_body(Json(json!({"message": "not the contract"}))).is_err());
        assert!(error_body(Json(json!("text"))).is_err());
    }
}
