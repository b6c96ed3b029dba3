//! TossPay payments: `make-payment`, `execute-payment`, `refund-payment`, `get-payment-status`, and the buyer's
//! approval or cancellation in the sheet (control). Payments are found by `payToken`, or by `orderNo` through
//! an index.

#![allow(missing_docs)]

use ait_api::tosspay::{
    CardInfo, ExecutePaymentResponse, MakePaymentResponse, PaymentStatusResponse,
    PaymentTransaction, RefundPaymentResponse,
};
use ait_api::{
    BankCode, BoolOrString, CardMethodType, CardUserType, IntOrString, PayMethod, PayStatus,
    StepType,
};
use serde::Serialize;
use serde_json::Value;

use super::instruments::*;
use super::{one_of, ControlError, Fail, State};
use crate::codes;
use crate::reply::TossJson;
use crate::req;
use crate::util::fmt_pay_time;

/// The methods a buyer can pay with in the sheet (the control API's `payMethod`, a billing key's method), in
/// the order the control API names them.
pub const PAY_METHODS: &[PayMethod] = &[PayMethod::Card, PayMethod::TossMoney];

/// A TossPay payment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub pay_token: String,
    pub order_no: String,
    pub user_key: String,
    pub is_test_payment: bool,
    pub pay_status: PayStatus,
    pub product_desc: String,
    pub amount: i64,
    pub amount_tax_free: i64,
    pub amount_taxable: i64,
    pub amount_vat: i64,
    pub amount_service_fee: i64,
    /// The method the payment was restricted to at creation, verbatim (an undocumented value means "the
    /// store default" and is kept as `Other`).
    pub enable_pay_methods: Option<PayMethod>,
    /// How the buyer paid (`CARD` or `TOSS_MONEY`), once they approved in the sheet.
    pub pay_method: Option<PayMethod>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub refunded_at: Option<i64>,
    pub transactions: Vec<Transaction>,
}

/// A PAY or REFUND transaction of a payment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub step_type: StepType,
    pub transaction_id: String,
    pub paid_amount: i64,
    pub transaction_amount: i64,
    pub at: i64,
}

impl State {
    // ---------------------------------------------------------------- TossPay

    /// The payment with this `orderNo` (through the index, not a scan).
    pub fn payment_by_order_no(&self, order_no: &str) -> Option<&Payment> {
        self.pay_token_by_order_no
            .get(order_no)
            .and_then(|t| self.payments.get(t))
    }

    fn find_payment(
        &self,
        user_key: &str,
        pay_token: Option<&str>,
        order_no: Option<&str>,
        is_test: bool,
        not_found_status: u16,
    ) -> Result<&Payment, Fail> {
        let found = match (pay_token, order_no) {
            (Some(t), _) => self.payments.get(t),
            (None, Some(o)) => self.payment_by_order_no(o),
            (None, None) => None,
        };
        let what = || match (pay_token, order_no) {
            (Some(t), _) => format!("payToken {t}"),
            (None, Some(o)) => format!("orderNo {o}"),
            _ => "payment".to_string(),
        };
        let p = match found {
            Some(p) if p.user_key == user_key => p,
            _ => {
                return Err(Fail::new(
                    not_found_status,
                    codes::PAYMENT_NOT_FOUND,
                    format!("{} not found for this x-toss-user-key", what()),
                ))
            }
        };
        if p.is_test_payment != is_test {
            return Err(Fail::new(
                not_found_status,
                codes::PAYMENT_NOT_FOUND,
                format!(
                    "{} was created with isTestPayment={}, not found with isTestPayment={is_test}",
                    what(),
                    p.is_test_payment
                ),
            ));
        }
        if let (Some(_), Some(o)) = (pay_token, order_no) {
            if p.order_no != o {
                return Err(Fail::bad(
                    codes::ORDER_NO_MISMATCH,
                    format!(
                        "orderNo {o} does not match the payment's orderNo {}",
                        p.order_no
                    ),
                ));
            }
        }
        Ok(p)
    }

    /// `make-payment`.
    pub fn make_payment(
        &mut self,
        user_key: &str,
        r: &req::MakePayment,
        now: i64,
    ) -> Result<MakePaymentResponse, Fail> {
        let order_no = r.order_no.clone();
        if self.pay_token_by_order_no.contains_key(&order_no) {
            return Err(Fail::bad(
                codes::PAYMENT_EXISTING_PAYMENT,
                "이미 존재하는 결제입니다.",
            ));
        }
        let amount = r.amount;
        let tax_free = r.amount_tax_free.unwrap_or(0);
        let service_fee = r.amount_service_fee.unwrap_or(0);
        // Seed 001 §1: without amountTaxable the server derives taxable and VAT; VAT = ceil(taxable / 11).
        let taxable_with_vat = (amount - tax_free - service_fee).max(0);
        let vat = r.amount_vat.unwrap_or((taxable_with_vat + 10) / 11);
        let taxable = r.amount_taxable.unwrap_or((taxable_with_vat - vat).max(0));
        let pay_token = loop {
            let t = self.rng.alnum(22);
            if !self.payments.contains_key(&t) {
                break t;
            }
        };
        self.pay_token_by_order_no
            .insert(order_no.clone(), pay_token.clone());
        self.payments.insert(
            pay_token.clone(),
            Payment {
                pay_token: pay_token.clone(),
                order_no,
                user_key: user_key.to_string(),
                is_test_payment: r.is_test_payment,
                pay_status: PayStatus::PayStandby,
                product_desc: r.product_desc.clone(),
                amount,
                amount_tax_free: tax_free,
                amount_taxable: taxable,
                amount_vat: vat,
                amount_service_fee: service_fee,
                enable_pay_methods: r.enable_pay_methods.clone(),
                pay_method: None,
                created_at: now,
                paid_at: None,
                refunded_at: None,
                transactions: Vec::new(),
            },
        );
        Ok(MakePaymentResponse { pay_token })
    }

    /// `execute-payment`.
    pub fn execute_payment(
        &mut self,
        user_key: &str,
        r: &req::ExecutePayment,
        now: i64,
    ) -> Result<ExecutePaymentResponse, Fail> {
        let is_test = r.is_test_payment;
        let token = Some(r.pay_token.as_str());
        let p = self.find_payment(user_key, token, r.order_no.as_deref(), is_test, 400)?;
        match &p.pay_status {
            PayStatus::PayApproved => {}
            PayStatus::PayStandby => {
                return Err(Fail::bad(
                    codes::PAYMENT_NOT_APPROVED,
                    "the buyer has not authenticated this payment yet (payStatus PAY_STANDBY)",
                ))
            }
            PayStatus::PayCancel => {
                return Err(Fail::bad(
                    codes::PAYMENT_CANCELED,
                    "the buyer canceled this payment (payStatus PAY_CANCEL)",
                ))
            }
            s => {
                return Err(Fail::bad(
                    codes::PAYMENT_ALREADY_EXECUTED,
                    format!("this payment was already executed (payStatus {s})"),
                ))
            }
        }
        let txn_id = self.rng.uuid_v4();
        let p = self
            .payments
            .get_mut(r.pay_token.as_str())
            .expect("found above");
        p.pay_status = PayStatus::PayComplete;
        p.paid_at = Some(now);
        p.transactions.push(Transaction {
            step_type: StepType::Pay,
            transaction_id: txn_id.clone(),
            paid_amount: p.amount,
            transaction_amount: p.amount,
            at: now,
        });
        let p = p.clone();
        let card = p.pay_method == Some(PayMethod::Card);
        Ok(ExecutePaymentResponse {
            code: Some(0),
            mode: Some(mode(p.is_test_payment)),
            order_no: Some(p.order_no),
            amount: Some(p.amount),
            approval_time: Some(fmt_pay_time(now)),
            state_msg: Some("결제 완료".into()),
            discounted_amount: Some(0),
            paid_amount: Some(p.amount),
            pay_method: p.pay_method,
            pay_token: Some(p.pay_token),
            transaction_id: Some(txn_id),
            // Seed 001 §3 types these three as String.
            card_company_code: card.then(|| IntOrString::Str(CARD_COMPANY_CODE.to_string())),
            card_company_name: when(card, CARD_COMPANY_NAME),
            card_authorization_no: when(card, "00000000"),
            spread_out: card.then(|| IntOrString::Str("0".into())),
            no_interest: card.then(|| BoolOrString::Str("false".into())),
            sales_check_link_url: None,
            card_method_type: card.then_some(CardMethodType::Credit),
            card_number: when(card, CARD_NUMBER),
            card_user_type: card.then_some(CardUserType::Personal),
            card_num4_print: when(card, CARD_NUM4),
            card_bin_number: when(card, CARD_BIN),
            cash_receipt_mgt_key: None,
            account_bank_code: (!card).then(|| BankCode::parse(ACCOUNT_BANK_CODE)),
            account_bank_name: when(!card, ACCOUNT_BANK_NAME),
            account_number: when(!card, ACCOUNT_NUMBER),
            msg: None,
            error_code: None,
        })
    }

    /// `refund-payment` (whole amount: the Apps in Toss refund takes no amount).
    pub fn refund_payment(
        &mut self,
        user_key: &str,
        r: &req::RefundPayment,
        now: i64,
    ) -> Result<RefundPaymentResponse, Fail> {
        let is_test = r.is_test_payment;
        let token = Some(r.pay_token.as_str());
        let p = self.find_payment(user_key, token, None, is_test, 400)?;
        // Only money that moved and has not gone back can be refunded.
        match &p.pay_status {
            s if s.is_paid() => {}
            s if s.is_refunded() => {
                return Err(Fail::bad(
                    codes::PAYMENT_ALREADY_REFUNDED,
                    "this payment was already refunded",
                ))
            }
            s => {
                return Err(Fail::bad(
                    codes::PAYMENT_NOT_REFUNDABLE,
                    format!("only a completed payment can be refunded (payStatus {s})"),
                ))
            }
        }
        let txn_id = self.rng.uuid_v4();
        let refund_no = self.rng.alnum(20);
        let p = self
            .payments
            .get_mut(r.pay_token.as_str())
            .expect("found above");
        p.pay_status = PayStatus::RefundSuccess;
        p.refunded_at = Some(now);
        p.transactions.push(Transaction {
            step_type: StepType::Refund,
            transaction_id: txn_id.clone(),
            paid_amount: p.amount,
            transaction_amount: -p.amount,
            at: now,
        });
        let p = p.clone();
        let card = p.pay_method == Some(PayMethod::Card);
        Ok(RefundPaymentResponse {
            refund_no: Some(refund_no),
            approval_time: Some(fmt_pay_time(now)),
            cash_receipt_mgt_key: None,
            refundable_amount: Some(0),
            discounted_amount: Some(0),
            paid_amount: Some(p.amount),
            refunded_amount: Some(p.amount),
            refunded_discount_amount: Some(0),
            refunded_paid_amount: Some(p.amount),
            pay_token: Some(p.pay_token),
            transaction_id: Some(txn_id),
            card_method_type: card.then_some(CardMethodType::Credit),
            card_number: when(card, CARD_NUMBER),
            card_user_type: card.then_some(CardUserType::Personal),
            card_num4_print: when(card, CARD_NUM4),
            card_bin_number: when(card, CARD_BIN),
            account_bank_code: (!card).then(|| BankCode::parse(ACCOUNT_BANK_CODE)),
            account_bank_name: when(!card, ACCOUNT_BANK_NAME),
            account_number: when(!card, ACCOUNT_NUMBER),
        })
    }

    /// `get-payment-status` (404 for an unknown payment, as documented).
    pub fn payment_status(
        &self,
        user_key: &str,
        r: &req::GetPaymentStatus,
    ) -> Result<PaymentStatusResponse, Fail> {
        let p = self.find_payment(
            user_key,
            r.pay_token.as_deref(),
            r.order_no.as_deref(),
            r.is_test_payment,
            404,
        )?;
        Ok(payment_status_reply(p))
    }

    // ---------------------------------------------------------------- TossPay control

    /// Control: the buyer authenticated the payment in the sheet (`PAY_STANDBY` → `PAY_APPROVED`), paying with
    /// `pay_method` (one of [`PAY_METHODS`]; default: what `enablePayMethods` allows, else `TOSS_MONEY`).
    pub fn approve_payment(
        &mut self,
        pay_token: &str,
        pay_method: Option<PayMethod>,
    ) -> Result<Value, ControlError> {
        let p = self
            .payments
            .get_mut(pay_token)
            .ok_or_else(|| ControlError::not_found(format!("payToken {pay_token}")))?;
        if p.pay_status != PayStatus::PayStandby {
            return Err(ControlError::conflict(format!(
                "payment is {}, only PAY_STANDBY can be approved",
                p.pay_status
            )));
        }
        if let Some(m) = &pay_method {
            one_of("payMethod", m, PAY_METHODS)?;
        }
        // Only a documented method restricts the sheet; any other `enablePayMethods` means the store default.
        let allowed = p
            .enable_pay_methods
            .as_ref()
            .filter(|m| PAY_METHODS.contains(m));
        let method = pay_method.unwrap_or_else(|| allowed.cloned().unwrap_or(PayMethod::TossMoney));
        if let Some(allowed) = allowed {
            if *allowed != method {
                return Err(ControlError::conflict(format!(
                    "the payment allows only {allowed} (enablePayMethods)"
                )));
            }
        }
        p.pay_status = PayStatus::PayApproved;
        p.pay_method = Some(method);
        Ok(serde_json::to_value(&*p).unwrap_or(Value::Null))
    }

    /// Control: the buyer canceled in the sheet (`PAY_STANDBY`/`PAY_APPROVED` → `PAY_CANCEL`).
    pub fn cancel_payment(&mut self, pay_token: &str) -> Result<Value, ControlError> {
        let p = self
            .payments
            .get_mut(pay_token)
            .ok_or_else(|| ControlError::not_found(format!("payToken {pay_token}")))?;
        if !matches!(p.pay_status, PayStatus::PayStandby | PayStatus::PayApproved) {
            return Err(ControlError::conflict(format!(
                "payment is {}, cannot cancel",
                p.pay_status
            )));
        }
        p.pay_status = PayStatus::PayCancel;
        Ok(serde_json::to_value(&*p).unwrap_or(Value::Null))
    }
}

/// The `success` payload of `get-payment-status` for a payment.
pub fn payment_status_reply(p: &Payment) -> PaymentStatusResponse {
    // Money moved at some point (refunded money was paid first); only money still held is refundable.
    let paid = p.pay_status.is_paid() || p.pay_status.is_refunded();
    let card = p.pay_method == Some(PayMethod::Card);
    let account = !card && p.pay_method.is_some();
    PaymentStatusResponse {
        mode: Some(mode(p.is_test_payment)),
        pay_token: Some(p.pay_token.clone()),
        order_no: Some(p.order_no.clone()),
        pay_status: Some(p.pay_status.clone()),
        pay_method: p.pay_method.clone(),
        amount: Some(p.amount),
        discounted_amount: Some(0),
        discount_amount_v2: Some(0),
        paid_point_v2: Some(0),
        paid_amount: Some(if paid { p.amount } else { 0 }),
        refundable_amount: Some(if p.pay_status.is_paid() { p.amount } else { 0 }),
        amount_taxable: Some(p.amount_taxable),
        amount_tax_free: Some(p.amount_tax_free),
        amount_vat: Some(p.amount_vat),
        amount_service_fee: Some(p.amount_service_fee),
        disposable_cup_deposit: Some(0),
        account_bank_code: account.then(|| BankCode::parse(ACCOUNT_BANK_CODE)),
        account_bank_name: when(account, ACCOUNT_BANK_NAME),
        account_number: when(account, ACCOUNT_NUMBER),
        // Seed 001 §5 types these as a number and a boolean (unlike execute-payment's strings).
        card: card.then(|| CardInfo {
            no_interest: Some(BoolOrString::Bool(false)),
            spread_out: Some(IntOrString::Int(0)),
            card_authorization_no: Some("00000000".into()),
            card_method_type: Some(CardMethodType::Credit),
            card_user_type: Some(CardUserType::Personal),
            card_number: Some(CARD_NUMBER.into()),
            card_bin_number: Some(CARD_BIN.into()),
            card_num4_print: Some(CARD_NUM4.into()),
            sales_check_link_url: None,
            card_company_name: Some(CARD_COMPANY_NAME.into()),
            card_company_code: Some(IntOrString::Int(CARD_COMPANY_CODE)),
        }),
        transactions: Some(
            p.transactions
                .iter()
                .map(|t| PaymentTransaction {
                    step_type: Some(t.step_type.clone()),
                    transaction_id: Some(t.transaction_id.clone()),
                    paid_amount: Some(t.paid_amount),
                    transaction_amount: Some(t.transaction_amount),
                    discounted_amount: Some(0),
                    point_amount: Some(0),
                    reg_ts: Some(fmt_pay_time(t.at)),
                })
                .collect(),
        ),
        created_ts: Some(fmt_pay_time(p.created_at)),
        paid_ts: p.paid_at.map(fmt_pay_time),
    }
}

/// [`payment_status_reply`] as Toss writes it (for the control API's view of a payment).
pub fn payment_status_json(p: &Payment) -> Value {
    payment_status_reply(p).toss_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(order_no: &str, amount: i64) -> req::MakePayment {
        serde_json::from_value(serde_json::json!({
            "orderNo": order_no,
            "productDesc": "테스트 상품",
            "amount": amount,
            "amountTaxFree": 0,
            "isTestPayment": true,
        }))
        .expect("a valid make-payment body")
    }

    fn status_by_order_no(order_no: &str) -> req::GetPaymentStatus {
        req::GetPaymentStatus {
            pay_token: None,
            order_no: Some(order_no.to_owned()),
            is_test_payment: true,
        }
    }

    fn execute(pay_token: &str) -> req::ExecutePayment {
        req::ExecutePayment {
            pay_token: pay_token.to_owned(),
            order_no: None,
            is_test_payment: true,
        }
    }

    fn refund(pay_token: &str) -> req::RefundPayment {
        req::RefundPayment {
            pay_token: pay_token.to_owned(),
            reason: Some("고객 요청".into()),
            is_test_payment: true,
        }
    }

    /// Money moves back only when it moved: a payment that was never executed is not refundable, a completed
    /// one is refunded once, and `get-payment-status` reports what is still refundable (the whole amount while
    /// paid, nothing before or after) and what was paid (also after the refund).
    #[test]
    fn refundable_only_while_paid() {
        let mut st = State::default();
        let token = st
            .make_payment("1", &make("order-refund", 12_000), 1)
            .expect("new orderNo")
            .pay_token;
        let amounts = |st: &State| {
            let r = payment_status_reply(&st.payments[&token]);
            (r.pay_status.unwrap(), r.paid_amount, r.refundable_amount)
        };
        assert_eq!(amounts(&st), (PayStatus::PayStandby, Some(0), Some(0)));
        let unpaid = st.refund_payment("1", &refund(&token), 2).unwrap_err();
        assert_eq!(unpaid.code, codes::PAYMENT_NOT_REFUNDABLE);
        assert!(unpaid.reason.contains("PAY_STANDBY"), "{}", unpaid.reason);

        st.approve_payment(&token, Some(PayMethod::Card))
            .expect("standby is approvable");
        let approved = st.refund_payment("1", &refund(&token), 3).unwrap_err();
        assert_eq!(approved.code, codes::PAYMENT_NOT_REFUNDABLE);
        assert_eq!(amounts(&st), (PayStatus::PayApproved, Some(0), Some(0)));

        st.execute_payment("1", &execute(&token), 4)
            .expect("approved is executable");
        assert_eq!(
            amounts(&st),
            (PayStatus::PayComplete, Some(12_000), Some(12_000))
        );
        let r = st
            .refund_payment("1", &refund(&token), 5)
            .expect("a paid payment is refundable");
        assert_eq!(r.refunded_amount, Some(12_000));
        assert_eq!(
            amounts(&st),
            (PayStatus::RefundSuccess, Some(12_000), Some(0))
        );
        let again = st.refund_payment("1", &refund(&token), 6).unwrap_err();
        assert_eq!(again.code, codes::PAYMENT_ALREADY_REFUNDED);
        let again = st.execute_payment("1", &execute(&token), 7).unwrap_err();
        assert_eq!(again.code, codes::PAYMENT_ALREADY_EXECUTED);
        assert!(again.reason.contains("REFUND_SUCCESS"), "{}", again.reason);

        // A canceled payment never moved money.
        let canceled = st
            .make_payment("1", &make("order-canceled", 500), 8)
            .unwrap()
            .pay_token;
        st.cancel_payment(&canceled).expect("standby is cancelable");
        let e = st.refund_payment("1", &refund(&canceled), 9).unwrap_err();
        assert_eq!(e.code, codes::PAYMENT_NOT_REFUNDABLE);
        assert_eq!(
            st.execute_payment("1", &execute(&canceled), 9)
                .unwrap_err()
                .code,
            codes::PAYMENT_CANCELED
        );
    }

    /// The stored payment serialises its statuses, methods and step types as the wire strings (what
    /// `GET /state` and `GET /payments/{payToken}` show and ait-invariants reads).
    #[test]
    fn stored_payment_json_keeps_the_wire_strings() {
        let mut st = State::default();
        let mut body = serde_json::to_value(make("order-json", 1_100)).unwrap();
        body["enablePayMethods"] = "TOSS_MONEY".into();
        let r: req::MakePayment = serde_json::from_value(body).unwrap();
        let token = st.make_payment("1", &r, 10).unwrap().pay_token;
        let refused = st
            .approve_payment(&token, Some(PayMethod::Card))
            .unwrap_err();
        assert_eq!(
            (refused.status, refused.message.as_str()),
            (409, "the payment allows only TOSS_MONEY (enablePayMethods)")
        );
        let odd = st
            .approve_payment(&token, Some(PayMethod::parse("card")))
            .unwrap_err();
        assert_eq!(
            (odd.status, odd.message.as_str()),
            (400, r#"payMethod "card": use CARD or TOSS_MONEY"#)
        );
        let approved = st.approve_payment(&token, None).unwrap();
        assert_eq!(approved["payStatus"], "PAY_APPROVED");
        assert_eq!(approved["payMethod"], "TOSS_MONEY");
        st.execute_payment("1", &execute(&token), 11).unwrap();
        st.refund_payment("1", &refund(&token), 12).unwrap();
        let p = &st.payments[&token];
        let v = serde_json::to_value(p).unwrap();
        let txn = |i: usize| p.transactions[i].transaction_id.clone();
        assert_eq!(
            v,
            serde_json::json!({
                "payToken": token,
                "orderNo": "order-json",
                "userKey": "1",
                "isTestPayment": true,
                "payStatus": "REFUND_SUCCESS",
                "productDesc": "테스트 상품",
                "amount": 1_100,
                "amountTaxFree": 0,
                "amountTaxable": 1_000,
                "amountVat": 100,
                "amountServiceFee": 0,
                "enablePayMethods": "TOSS_MONEY",
                "payMethod": "TOSS_MONEY",
                "createdAt": 10,
                "paidAt": 11,
                "refundedAt": 12,
                "transactions": [
                    { "stepType": "PAY", "transactionId": txn(0), "paidAmount": 1_100,
                      "transactionAmount": 1_100, "at": 11 },
                    { "stepType": "REFUND", "transactionId": txn(1), "paidAmount": 1_100,
                      "transactionAmount": -1_100, "at": 12 },
                ],
            })
        );
        // An undocumented enablePayMethods is kept verbatim and means the store default.
        let mut body = serde_json::to_value(make("order-odd", 1_100)).unwrap();
        body["enablePayMethods"] = "BANK".into();
        let r: req::MakePayment = serde_json::from_value(body).unwrap();
        let token = st.make_payment("1", &r, 13).unwrap().pay_token;
        assert_eq!(
            serde_json::to_value(&st.payments[&token]).unwrap()["enablePayMethods"],
            "BANK"
        );
        let approved = st.approve_payment(&token, Some(PayMethod::Card)).unwrap();
        assert_eq!(approved["payMethod"], "CARD");
    }

    /// The `orderNo` index answers like the scan it replaced, at any size: every payment is found by its own
    /// `orderNo`, a stored `orderNo` is refused again, an unknown one is not found, and another user's is not
    /// theirs.
    #[test]
    fn lookups_by_order_no_stay_correct_with_many_payments() {
        const N: usize = 20_000;
        let mut st = State::default();
        let mut tokens = Vec::with_capacity(N);
        for i in 0..N {
            let user = format!("{}", i % 7 + 1);
            let r = st
                .make_payment(&user, &make(&format!("order-{i:06}"), 1000 + i as i64), 1)
                .expect("a new orderNo is accepted");
            tokens.push(r.pay_token);
        }
        assert_eq!(st.payments.len(), N);
        for i in (0..N).step_by(997).chain([N - 1]) {
            let order_no = format!("order-{i:06}");
            let user = format!("{}", i % 7 + 1);
            let p = st.payment_by_order_no(&order_no).expect("indexed");
            assert_eq!(p.pay_token, tokens[i]);
            assert_eq!(p.amount, 1000 + i as i64);
            let reply = st
                .payment_status(&user, &status_by_order_no(&order_no))
                .expect("found by orderNo");
            assert_eq!(reply.pay_token.as_deref(), Some(tokens[i].as_str()));
            let again = st.make_payment(&user, &make(&order_no, 5), 2).unwrap_err();
            assert_eq!(again.code, codes::PAYMENT_EXISTING_PAYMENT);
            let other = if user == "1" { "2" } else { "1" };
            let theirs = st
                .payment_status(other, &status_by_order_no(&order_no))
                .unwrap_err();
            assert_eq!(
                (theirs.status, theirs.code.as_str()),
                (404, codes::PAYMENT_NOT_FOUND)
            );
        }
        assert_eq!(st.payments.len(), N, "refused duplicates store nothing");
        assert!(st.payment_by_order_no("order-unknown").is_none());
        let unknown = st
            .payment_status("1", &status_by_order_no("order-unknown"))
            .unwrap_err();
        assert_eq!(unknown.status, 404);
    }
}
