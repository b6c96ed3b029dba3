//! The sandbox's in-memory state and the behaviour of every Toss endpoint and control operation on it.
//!
//! Endpoint operations return `Ok(success payload)`, typed by `ait_api` (written to the wire by
//! [`crate::reply`]), or a [`Fail`] (a documented-style `FAIL`: HTTP status,
//! `errorCode`, `reason`). Control operations return [`ControlError`] on misuse.
//!
//! The record fields mirror the wire names (camelCase in the JSON dump) and are not documented one by one.

#![allow(missing_docs)]

use std::collections::{BTreeMap, BTreeSet};

use ait_api::billing::BillResponse;
use ait_api::iap::{OrderStatus, OrderStatusResponse};
use ait_api::login::{LoginMeResponse, RemoveAccessResponse, TokenResponse};
use ait_api::messenger::{MessageChannels, SendMessageResponse, SentMessage as SentContent};
use ait_api::promotion::{
    ExecutePromotionResponse, PromotionExecutionStatus, PromotionKeyResponse,
};
use ait_api::tosspay::{
    CardInfo, ExecutePaymentResponse, MakePaymentResponse, PaymentStatusResponse,
    PaymentTransaction, RefundPaymentResponse,
};
use ait_api::{
    BankCode, BoolOrString, CardMethodType, CardUserType, IntOrString, PayMethod, PayMode,
    PayStatus, StepType,
};
use serde::Serialize;
use serde_json::Value;

use crate::codes;
use crate::reply::TossJson;
use crate::req;
use crate::util::{fmt_iso_local, fmt_pay_time, XorShift};

/// A decided failure of a Toss call: the HTTP status, `errorCode` and `reason` of the `FAIL` envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    /// HTTP status.
    pub status: u16,
    /// `error.errorCode`.
    pub code: String,
    /// `error.reason`.
    pub reason: String,
}

impl Fail {
    /// A failure with a status, code and reason.
    pub fn new(status: u16, code: &str, reason: impl Into<String>) -> Self {
        Fail {
            status,
            code: code.to_string(),
            reason: reason.into(),
        }
    }

    /// 400 with a code.
    pub fn bad(code: &str, reason: impl Into<String>) -> Self {
        Fail::new(400, code, reason)
    }
}

/// A misuse of the control API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    /// HTTP status (404 unknown thing, 409 wrong state, 400 bad input).
    pub status: u16,
    /// A short code.
    pub code: &'static str,
    /// What went wrong, in English.
    pub message: String,
}

impl ControlError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        ControlError {
            status: 404,
            code: "NOT_FOUND",
            message: what.into(),
        }
    }
    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        ControlError {
            status: 409,
            code: "CONFLICT",
            message: what.into(),
        }
    }
    pub(crate) fn forbidden(what: impl Into<String>) -> Self {
        ControlError {
            status: 403,
            code: "FORBIDDEN_ORIGIN",
            message: what.into(),
        }
    }
    pub(crate) fn bad(what: impl Into<String>) -> Self {
        ControlError {
            status: 400,
            code: "BAD_REQUEST",
            message: what.into(),
        }
    }
}

/// Lifetimes of login artefacts, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Ttls {
    /// Authorization codes.
    pub login_code: i64,
    /// Access tokens.
    pub access_token: i64,
    /// Refresh tokens.
    pub refresh_token: i64,
}

/// A TossPay payment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub pay_token: String,
    pub order_no: String,
    pub user_key: String,
    pub is_test_payment: bool,
    pub pay_status: String,
    pub product_desc: String,
    pub amount: i64,
    pub amount_tax_free: i64,
    pub amount_taxable: i64,
    pub amount_vat: i64,
    pub amount_service_fee: i64,
    pub enable_pay_methods: Option<String>,
    pub pay_method: Option<String>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub refunded_at: Option<i64>,
    pub transactions: Vec<Transaction>,
}

/// A PAY or REFUND transaction of a payment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub step_type: String,
    pub transaction_id: String,
    pub paid_amount: i64,
    pub transaction_amount: i64,
    pub at: i64,
}

/// An IAP order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IapOrder {
    pub order_id: String,
    pub user_key: String,
    pub sku: String,
    pub status: String,
    /// The store charge went through (the order is pending a grant while `ORDER_IN_PROGRESS`).
    pub paid: bool,
    pub created_at: i64,
    pub status_determined_at: Option<i64>,
}

/// An authorization code from `appLogin`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginCode {
    pub user_key: i64,
    pub expires_at: i64,
    pub used: bool,
}

/// An access or refresh token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub user_key: i64,
    pub expires_at: i64,
    pub revoked: bool,
}

/// A promotion registered through control.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    pub promotion_code: String,
    /// Total points that may be paid (None: unlimited).
    pub budget: Option<i64>,
    pub paid: i64,
    /// Result recorded for new executions (`SUCCESS`, `PENDING` or `FAILED`).
    pub result: String,
}

/// A promotion key from `get-key`, and its execution once used.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionKey {
    pub key: String,
    pub issued_at: i64,
    pub execution: Option<PromotionExecution>,
}

/// A promotion payment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionExecution {
    pub promotion_code: String,
    pub user_key: String,
    pub amount: i64,
    pub result: String,
    pub at: i64,
}

/// A message sent through `send-message`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub user_key: String,
    pub template_set_code: String,
    pub context: Value,
    pub at: i64,
}

/// A billing key registered through control.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingKey {
    pub billing_key: String,
    pub user_key: Option<String>,
    pub api_key: String,
    pub pay_method: String,
    /// When set, every `bill` fails with this `errorCode` (e.g. insufficient balance).
    pub fail_with: Option<BillingFailure>,
}

/// A configured billing failure.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingFailure {
    pub error_code: String,
    #[serde(default)]
    pub msg: Option<String>,
}

/// A charge made with `bill`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BillRecord {
    pub order_no: String,
    pub billing_key: String,
    pub amount: i64,
    pub pay_token: String,
    pub transaction_id: String,
    pub at: i64,
}

/// Everything the sandbox remembers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub payments: BTreeMap<String, Payment>,
    pub iap_orders: BTreeMap<String, IapOrder>,
    pub login_codes: BTreeMap<String, LoginCode>,
    pub access_tokens: BTreeMap<String, Token>,
    pub refresh_tokens: BTreeMap<String, Token>,
    /// Users who ever received a login code.
    pub users: BTreeSet<i64>,
    pub promotions: BTreeMap<String, Promotion>,
    pub promotion_keys: BTreeMap<String, PromotionKey>,
    pub templates: BTreeSet<String>,
    pub messages: Vec<SentMessage>,
    pub billing_keys: BTreeMap<String, BillingKey>,
    pub bills: BTreeMap<String, BillRecord>,
    #[serde(skip)]
    rng: XorShift,
}

impl Default for State {
    fn default() -> Self {
        State {
            payments: BTreeMap::new(),
            iap_orders: BTreeMap::new(),
            login_codes: BTreeMap::new(),
            access_tokens: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            users: BTreeSet::new(),
            promotions: BTreeMap::new(),
            promotion_keys: BTreeMap::new(),
            templates: BTreeSet::new(),
            messages: Vec::new(),
            billing_keys: BTreeMap::new(),
            bills: BTreeMap::new(),
            rng: XorShift::from_time(),
        }
    }
}

/// Card details the sandbox reports for `CARD` payments (a test card: 국민, 승인번호 00000000 as for test
/// transactions in seed 002).
const CARD_COMPANY_CODE: i64 = 4;
const CARD_COMPANY_NAME: &str = "국민";
const CARD_NUMBER: &str = "943150******123*";
const CARD_BIN: &str = "943150";
const CARD_NUM4: &str = "123*";
/// Account details the sandbox reports for `TOSS_MONEY` payments (the seed 001 §3 example).
const ACCOUNT_BANK_CODE: &str = "092";
const ACCOUNT_BANK_NAME: &str = "토스뱅크";
const ACCOUNT_NUMBER: &str = "100******094";

fn mode(is_test: bool) -> PayMode {
    if is_test {
        PayMode::Test
    } else {
        PayMode::Live
    }
}

/// `Some(v)` when `on` (a field that applies only to one payment method).
fn when(on: bool, v: &str) -> Option<String> {
    on.then(|| v.to_owned())
}

impl State {
    // ---------------------------------------------------------------- TossPay

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
            (None, Some(o)) => self.payments.values().find(|p| p.order_no == o),
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
        if self.payments.values().any(|p| p.order_no == order_no) {
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
        self.payments.insert(
            pay_token.clone(),
            Payment {
                pay_token: pay_token.clone(),
                order_no,
                user_key: user_key.to_string(),
                is_test_payment: r.is_test_payment,
                pay_status: "PAY_STANDBY".into(),
                product_desc: r.product_desc.clone(),
                amount,
                amount_tax_free: tax_free,
                amount_taxable: taxable,
                amount_vat: vat,
                amount_service_fee: service_fee,
                enable_pay_methods: r
                    .enable_pay_methods
                    .as_ref()
                    .map(|m| m.as_str().to_string()),
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
        match p.pay_status.as_str() {
            "PAY_APPROVED" => {}
            "PAY_STANDBY" => {
                return Err(Fail::bad(
                    codes::PAYMENT_NOT_APPROVED,
                    "the buyer has not authenticated this payment yet (payStatus PAY_STANDBY)",
                ))
            }
            "PAY_CANCEL" => {
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
        p.pay_status = "PAY_COMPLETE".into();
        p.paid_at = Some(now);
        p.transactions.push(Transaction {
            step_type: "PAY".into(),
            transaction_id: txn_id.clone(),
            paid_amount: p.amount,
            transaction_amount: p.amount,
            at: now,
        });
        let p = p.clone();
        let card = p.pay_method.as_deref() == Some("CARD");
        Ok(ExecutePaymentResponse {
            code: Some(0),
            mode: Some(mode(p.is_test_payment)),
            order_no: Some(p.order_no),
            amount: Some(p.amount),
            approval_time: Some(fmt_pay_time(now)),
            state_msg: Some("결제 완료".into()),
            discounted_amount: Some(0),
            paid_amount: Some(p.amount),
            pay_method: p.pay_method.as_deref().map(PayMethod::parse),
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
        match p.pay_status.as_str() {
            "PAY_COMPLETE" => {}
            "REFUND_SUCCESS" => {
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
        p.pay_status = "REFUND_SUCCESS".into();
        p.refunded_at = Some(now);
        p.transactions.push(Transaction {
            step_type: "REFUND".into(),
            transaction_id: txn_id.clone(),
            paid_amount: p.amount,
            transaction_amount: -p.amount,
            at: now,
        });
        let p = p.clone();
        let card = p.pay_method.as_deref() == Some("CARD");
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

    /// Control: the buyer authenticated the payment in the sheet (`PAY_STANDBY` → `PAY_APPROVED`).
    pub fn approve_payment(
        &mut self,
        pay_token: &str,
        pay_method: Option<&str>,
    ) -> Result<Value, ControlError> {
        let p = self
            .payments
            .get_mut(pay_token)
            .ok_or_else(|| ControlError::not_found(format!("payToken {pay_token}")))?;
        if p.pay_status != "PAY_STANDBY" {
            return Err(ControlError::conflict(format!(
                "payment is {}, only PAY_STANDBY can be approved",
                p.pay_status
            )));
        }
        let method = match pay_method {
            Some(m @ ("CARD" | "TOSS_MONEY")) => m.to_string(),
            Some(m) => {
                return Err(ControlError::bad(format!(
                    "payMethod {m:?}: use CARD or TOSS_MONEY"
                )))
            }
            None => match p.enable_pay_methods.as_deref() {
                Some("CARD") => "CARD".into(),
                _ => "TOSS_MONEY".into(),
            },
        };
        if let Some(allowed @ ("CARD" | "TOSS_MONEY")) = p.enable_pay_methods.as_deref() {
            if allowed != method {
                return Err(ControlError::conflict(format!(
                    "the payment allows only {allowed} (enablePayMethods)"
                )));
            }
        }
        p.pay_status = "PAY_APPROVED".into();
        p.pay_method = Some(method);
        Ok(serde_json::to_value(&*p).unwrap_or(Value::Null))
    }

    /// Control: the buyer canceled in the sheet (`PAY_STANDBY`/`PAY_APPROVED` → `PAY_CANCEL`).
    pub fn cancel_payment(&mut self, pay_token: &str) -> Result<Value, ControlError> {
        let p = self
            .payments
            .get_mut(pay_token)
            .ok_or_else(|| ControlError::not_found(format!("payToken {pay_token}")))?;
        if p.pay_status != "PAY_STANDBY" && p.pay_status != "PAY_APPROVED" {
            return Err(ControlError::conflict(format!(
                "payment is {}, cannot cancel",
                p.pay_status
            )));
        }
        p.pay_status = "PAY_CANCEL".into();
        Ok(serde_json::to_value(&*p).unwrap_or(Value::Null))
    }

    // ---------------------------------------------------------------- IAP

    /// `order/get-order-status`. `skus` is the mini-app's SKU list (empty: every SKU is the mini-app's).
    pub fn order_status(
        &self,
        user_key: &str,
        r: &req::GetOrderStatus,
        skus: &[String],
    ) -> OrderStatusResponse {
        let reply = |order_id: &str, sku: Option<&str>, at: Option<i64>, status: &str| {
            OrderStatusResponse {
                order_id: Some(order_id.to_owned()),
                sku: sku.map(str::to_owned),
                status_determined_at: at.map(fmt_iso_local),
                status: Some(OrderStatus::parse(status)),
                reason: Some(iap_reason(status).to_owned()),
            }
        };
        let Some(o) = self
            .iap_orders
            .get(&r.order_id)
            .filter(|o| o.user_key == user_key)
        else {
            return reply(&r.order_id, None, None, "NOT_FOUND");
        };
        if !skus.is_empty() && !skus.contains(&o.sku) {
            return reply(&o.order_id, Some(&o.sku), None, "MINIAPP_MISMATCH");
        }
        reply(&o.order_id, Some(&o.sku), o.status_determined_at, &o.status)
    }

    /// Control: a user starts a purchase of `sku` (`ORDER_IN_PROGRESS`).
    pub fn create_order(
        &mut self,
        user_key: &str,
        sku: &str,
        order_id: Option<String>,
        paid: bool,
        now_ms: u64,
    ) -> Result<IapOrder, ControlError> {
        if user_key.trim().is_empty() || sku.trim().is_empty() {
            return Err(ControlError::bad("userKey and sku are required"));
        }
        let order_id = match order_id {
            Some(id) => {
                ait_api::validate::uuid("orderId", &id)
                    .map_err(|e| ControlError::bad(e.to_string()))?;
                if self.iap_orders.contains_key(&id) {
                    return Err(ControlError::conflict(format!("orderId {id} exists")));
                }
                id
            }
            None => self.rng.uuid_v7(now_ms),
        };
        let o = IapOrder {
            order_id: order_id.clone(),
            user_key: user_key.to_string(),
            sku: sku.to_string(),
            status: "ORDER_IN_PROGRESS".into(),
            paid,
            created_at: (now_ms / 1000) as i64,
            status_determined_at: None,
        };
        self.iap_orders.insert(order_id, o.clone());
        Ok(o)
    }

    /// Control: the store charge went through; the order waits for the grant (still `ORDER_IN_PROGRESS`,
    /// listed as pending).
    pub fn mark_order_paid(&mut self, order_id: &str) -> Result<IapOrder, ControlError> {
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        if o.status != "ORDER_IN_PROGRESS" {
            return Err(ControlError::conflict(format!("order is {}", o.status)));
        }
        o.paid = true;
        Ok(o.clone())
    }

    /// Control: the outcome of an in-progress order: `PAYMENT_COMPLETED` (granted), `FAILED`, or the legacy
    /// `PURCHASED`.
    pub fn decide_order(
        &mut self,
        order_id: &str,
        status: &str,
        now: i64,
    ) -> Result<IapOrder, ControlError> {
        if !["PAYMENT_COMPLETED", "FAILED", "PURCHASED"].contains(&status) {
            return Err(ControlError::bad(format!(
                "status {status:?}: use PAYMENT_COMPLETED, FAILED or PURCHASED"
            )));
        }
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        if o.status != "ORDER_IN_PROGRESS" {
            return Err(ControlError::conflict(format!(
                "order is {}, only ORDER_IN_PROGRESS can be decided",
                o.status
            )));
        }
        o.status = status.to_string();
        if status != "FAILED" {
            o.paid = true;
        }
        o.status_determined_at = Some(now);
        Ok(o.clone())
    }

    /// Control: the store refunded a completed order (`REFUNDED`).
    pub fn refund_order(&mut self, order_id: &str, now: i64) -> Result<IapOrder, ControlError> {
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        if o.status != "PAYMENT_COMPLETED" && o.status != "PURCHASED" {
            return Err(ControlError::conflict(format!(
                "order is {}, only a completed order can be refunded",
                o.status
            )));
        }
        o.status = "REFUNDED".into();
        o.status_determined_at = Some(now);
        Ok(o.clone())
    }

    // ---------------------------------------------------------------- Login

    /// Control: `appLogin()` for a user: a single-use authorization code.
    pub fn issue_login_code(&mut self, user_key: i64, ttl: i64, now: i64) -> (String, LoginCode) {
        let code = loop {
            let c = self.rng.alnum(32);
            if !self.login_codes.contains_key(&c) {
                break c;
            }
        };
        let c = self.insert_login_code(code.clone(), user_key, ttl, now);
        (code, c)
    }

    /// Control: `appLogin()` answering a chosen code (a recorded request replayed by a test). Codes are single-use
    /// for good, so a code issued before is refused.
    pub fn issue_chosen_login_code(
        &mut self,
        code: &str,
        user_key: i64,
        ttl: i64,
        now: i64,
    ) -> Result<LoginCode, ControlError> {
        if code.trim().is_empty() || code.chars().count() > 256 {
            return Err(ControlError::bad(
                "authorizationCode must be 1-256 characters",
            ));
        }
        if self.login_codes.contains_key(code) {
            return Err(ControlError::conflict(format!(
                "authorizationCode {code} was issued before"
            )));
        }
        Ok(self.insert_login_code(code.to_owned(), user_key, ttl, now))
    }

    fn insert_login_code(&mut self, code: String, user_key: i64, ttl: i64, now: i64) -> LoginCode {
        let c = LoginCode {
            user_key,
            expires_at: now + ttl,
            used: false,
        };
        self.login_codes.insert(code, c.clone());
        self.users.insert(user_key);
        c
    }

    fn issue_tokens(
        &mut self,
        user_key: i64,
        ttls: Ttls,
        now: i64,
        refresh: Option<String>,
    ) -> TokenResponse {
        let access = self.rng.alnum(40);
        self.access_tokens.insert(
            access.clone(),
            Token {
                user_key,
                expires_at: now + ttls.access_token,
                revoked: false,
            },
        );
        let refresh = refresh.unwrap_or_else(|| {
            let r = self.rng.alnum(40);
            self.refresh_tokens.insert(
                r.clone(),
                Token {
                    user_key,
                    expires_at: now + ttls.refresh_token,
                    revoked: false,
                },
            );
            r
        });
        TokenResponse {
            access_token: access,
            refresh_token: Some(refresh),
            token_type: Some("Bearer".into()),
            expires_in: Some(IntOrString::Int(ttls.access_token)),
            scope: Some("user_key".into()),
        }
    }

    /// `generate-token`: consumes the code.
    pub fn generate_token(
        &mut self,
        r: &req::GenerateToken,
        ttls: Ttls,
        now: i64,
    ) -> Result<TokenResponse, Fail> {
        let code = r.authorization_code.as_str();
        let c = self.login_codes.get_mut(code).ok_or_else(|| {
            Fail::bad(
                codes::INVALID_AUTHORIZATION_CODE,
                "unknown authorizationCode",
            )
        })?;
        if c.used {
            return Err(Fail::bad(
                codes::INVALID_AUTHORIZATION_CODE,
                "authorizationCode was already used",
            ));
        }
        if now >= c.expires_at {
            return Err(Fail::bad(
                codes::INVALID_AUTHORIZATION_CODE,
                "authorizationCode has expired",
            ));
        }
        c.used = true;
        let user_key = c.user_key;
        Ok(self.issue_tokens(user_key, ttls, now, None))
    }

    /// `refresh-token`: a new access token (the refresh token stays valid until it expires).
    pub fn refresh_token(
        &mut self,
        r: &req::RefreshToken,
        ttls: Ttls,
        now: i64,
    ) -> Result<TokenResponse, Fail> {
        let token = r.refresh_token.clone();
        let t = self
            .refresh_tokens
            .get(&token)
            .ok_or_else(|| Fail::bad(codes::INVALID_REFRESH_TOKEN, "unknown refreshToken"))?;
        if t.revoked {
            return Err(Fail::bad(
                codes::INVALID_REFRESH_TOKEN,
                "refreshToken was revoked (the user was unlinked)",
            ));
        }
        if now >= t.expires_at {
            return Err(Fail::bad(
                codes::INVALID_REFRESH_TOKEN,
                "refreshToken has expired",
            ));
        }
        let user_key = t.user_key;
        Ok(self.issue_tokens(user_key, ttls, now, Some(token)))
    }

    /// The user of a bearer token, or a 401 FAIL.
    pub fn bearer_user(&self, token: Option<&str>, now: i64) -> Result<i64, Fail> {
        let token = token.ok_or_else(|| {
            Fail::new(
                401,
                codes::INVALID_ACCESS_TOKEN,
                "Authorization: Bearer <accessToken> is required",
            )
        })?;
        let t = self
            .access_tokens
            .get(token)
            .ok_or_else(|| Fail::new(401, codes::INVALID_ACCESS_TOKEN, "unknown access token"))?;
        if t.revoked {
            return Err(Fail::new(
                401,
                codes::INVALID_ACCESS_TOKEN,
                "access token was revoked (the user was unlinked)",
            ));
        }
        if now >= t.expires_at {
            return Err(Fail::new(
                401,
                codes::INVALID_ACCESS_TOKEN,
                "access token has expired",
            ));
        }
        Ok(t.user_key)
    }

    /// `login-me`.
    pub fn login_me(&self, token: Option<&str>, now: i64) -> Result<LoginMeResponse, Fail> {
        let user_key = self.bearer_user(token, now)?;
        // Personal fields depend on consent (seed 000: "일부 항목은 사용자 동의 여부에 따라 null일 수 있어요");
        // the sandbox has none.
        Ok(LoginMeResponse {
            user_key,
            scope: Some("user_key".into()),
            agreed_terms: Some(Vec::new()),
            ..Default::default()
        })
    }

    fn unlink(&mut self, user_key: i64) {
        for t in self
            .access_tokens
            .values_mut()
            .chain(self.refresh_tokens.values_mut())
        {
            if t.user_key == user_key {
                t.revoked = true;
            }
        }
    }

    /// `access/remove-by-user-key`.
    pub fn remove_by_user_key(
        &mut self,
        r: &req::RemoveByUserKey,
    ) -> Result<RemoveAccessResponse, Fail> {
        let user_key = r.user_key;
        if !self.users.contains(&user_key) {
            return Err(Fail::bad(
                codes::USER_NOT_FOUND,
                format!("userKey {user_key} never logged in to this mini-app"),
            ));
        }
        self.unlink(user_key);
        Ok(RemoveAccessResponse {
            user_key: Some(user_key),
        })
    }

    /// `access/remove-by-access-token`.
    pub fn remove_by_access_token(
        &mut self,
        token: Option<&str>,
        now: i64,
    ) -> Result<RemoveAccessResponse, Fail> {
        let user_key = self.bearer_user(token, now)?;
        self.unlink(user_key);
        Ok(RemoveAccessResponse {
            user_key: Some(user_key),
        })
    }

    // ---------------------------------------------------------------- Promotions

    /// Control: registers (or updates) a promotion.
    pub fn register_promotion(
        &mut self,
        code: &str,
        budget: Option<i64>,
        result: Option<&str>,
    ) -> Result<Promotion, ControlError> {
        if code.trim().is_empty() {
            return Err(ControlError::bad("promotionCode is required"));
        }
        let result = result.unwrap_or("SUCCESS");
        if !["SUCCESS", "PENDING", "FAILED"].contains(&result) {
            return Err(ControlError::bad(format!(
                "result {result:?}: use SUCCESS, PENDING or FAILED"
            )));
        }
        let paid = self.promotions.get(code).map(|p| p.paid).unwrap_or(0);
        let p = Promotion {
            promotion_code: code.to_string(),
            budget,
            paid,
            result: result.to_string(),
        };
        self.promotions.insert(code.to_string(), p.clone());
        Ok(p)
    }

    /// `execute-promotion/get-key`.
    pub fn promotion_key(&mut self, now: i64) -> PromotionKeyResponse {
        let key = self.rng.uuid_v4();
        self.promotion_keys.insert(
            key.clone(),
            PromotionKey {
                key: key.clone(),
                issued_at: now,
                execution: None,
            },
        );
        PromotionKeyResponse { key }
    }

    /// `execute-promotion`: idempotent per key.
    pub fn execute_promotion(
        &mut self,
        user_key: &str,
        r: &req::ExecutePromotion,
        now: i64,
    ) -> Result<ExecutePromotionResponse, Fail> {
        let code = r.promotion_code.clone();
        let key = r.key.clone();
        let amount = r.amount;
        let promo = self.promotions.get(&code).cloned().ok_or_else(|| {
            Fail::bad(
                codes::PROMOTION_NOT_FOUND,
                format!("promotionCode {code} is not registered"),
            )
        })?;
        let k = self.promotion_keys.get(&key).ok_or_else(|| {
            Fail::bad(
                codes::PROMOTION_KEY_NOT_FOUND,
                "unknown key; get one from execute-promotion/get-key",
            )
        })?;
        if let Some(e) = &k.execution {
            if e.promotion_code == code && e.user_key == user_key && e.amount == amount {
                return Ok(ExecutePromotionResponse { key: Some(key) });
            }
            return Err(Fail::bad(
                codes::PROMOTION_KEY_ALREADY_USED,
                "this key was already used for another promotion payment",
            ));
        }
        if let Some(budget) = promo.budget {
            if promo.paid + amount > budget {
                return Err(Fail::bad(
                    codes::PROMOTION_BUDGET_EXCEEDED,
                    format!(
                        "promotion budget exceeded ({} of {budget} paid)",
                        promo.paid
                    ),
                ));
            }
        }
        if let Some(p) = self.promotions.get_mut(&code) {
            p.paid += amount;
        }
        if let Some(k) = self.promotion_keys.get_mut(&key) {
            k.execution = Some(PromotionExecution {
                promotion_code: code,
                user_key: user_key.to_string(),
                amount,
                result: promo.result,
                at: now,
            });
        }
        Ok(ExecutePromotionResponse { key: Some(key) })
    }

    /// `execution-result`: `SUCCESS`, `PENDING` or `FAILED`.
    pub fn promotion_result(
        &self,
        user_key: &str,
        r: &req::PromotionResult,
    ) -> Result<PromotionExecutionStatus, Fail> {
        let code = r.promotion_code.as_str();
        let key = r.key.as_str();
        match self
            .promotion_keys
            .get(key)
            .and_then(|k| k.execution.as_ref())
        {
            Some(e) if e.promotion_code == code && e.user_key == user_key => {
                Ok(PromotionExecutionStatus::parse(&e.result))
            }
            _ => Err(Fail::bad(
                codes::PROMOTION_EXECUTION_NOT_FOUND,
                format!("no execution of promotionCode {code} with this key for this user"),
            )),
        }
    }

    /// Control: sets the result of an execution (e.g. `PENDING` → `SUCCESS`).
    pub fn settle_promotion(&mut self, key: &str, result: &str) -> Result<Value, ControlError> {
        if !["SUCCESS", "PENDING", "FAILED"].contains(&result) {
            return Err(ControlError::bad(format!(
                "result {result:?}: use SUCCESS, PENDING or FAILED"
            )));
        }
        let e = self
            .promotion_keys
            .get_mut(key)
            .and_then(|k| k.execution.as_mut())
            .ok_or_else(|| ControlError::not_found(format!("no execution with key {key}")))?;
        e.result = result.to_string();
        Ok(serde_json::to_value(&*e).unwrap_or(Value::Null))
    }

    // ---------------------------------------------------------------- Messages

    /// `messenger/send-message`.
    pub fn send_message(
        &mut self,
        user_key: &str,
        r: &req::SendMessage,
        now: i64,
    ) -> Result<SendMessageResponse, Fail> {
        let code = r.template_set_code.clone();
        if !self.templates.contains(&code) {
            return Err(Fail::bad(
                codes::TEMPLATE_NOT_FOUND,
                format!("templateSetCode {code} is not registered"),
            ));
        }
        self.messages.push(SentMessage {
            user_key: user_key.to_string(),
            template_set_code: code,
            context: serde_json::to_value(&r.context).unwrap_or(Value::Null),
            at: now,
        });
        let content_id = self.rng.uuid_v4();
        let sent = || {
            Some(vec![SentContent {
                content_id: Some(content_id.clone()),
                reach_fail_reason: None,
            }])
        };
        let none = || Some(Vec::new());
        Ok(SendMessageResponse {
            msg_count: Some(1),
            sent_push_count: Some(1),
            sent_inbox_count: Some(1),
            sent_sms_count: Some(0),
            sent_alimtalk_count: Some(0),
            sent_friendtalk_count: Some(0),
            detail: Some(MessageChannels {
                sent_push: sent(),
                sent_inbox: sent(),
                sent_sms: none(),
                sent_alimtalk: none(),
                sent_friendtalk: none(),
            }),
            fail: Some(MessageChannels {
                sent_push: none(),
                sent_inbox: none(),
                sent_sms: none(),
                sent_alimtalk: none(),
                sent_friendtalk: none(),
            }),
        })
    }

    // ---------------------------------------------------------------- Billing

    /// Control: registers a billing key (the result of the billing-key creation flow, which the seeds do not
    /// cover).
    pub fn register_billing_key(
        &mut self,
        billing_key: Option<String>,
        user_key: Option<String>,
        api_key: String,
        pay_method: Option<String>,
        fail_with: Option<BillingFailure>,
    ) -> Result<BillingKey, ControlError> {
        let pay_method = pay_method.unwrap_or_else(|| "CARD".into());
        if pay_method != "CARD" && pay_method != "TOSS_MONEY" {
            return Err(ControlError::bad(format!(
                "payMethod {pay_method:?}: use CARD or TOSS_MONEY"
            )));
        }
        let billing_key = billing_key.unwrap_or_else(|| self.rng.alnum(30));
        if billing_key.is_empty() || billing_key.chars().count() > 50 {
            return Err(ControlError::bad("billingKey must be 1-50 characters"));
        }
        let k = BillingKey {
            billing_key: billing_key.clone(),
            user_key,
            api_key,
            pay_method,
            fail_with,
        };
        self.billing_keys.insert(billing_key, k.clone());
        Ok(k)
    }

    /// `billing-key/bill`. `api_keys`: the merchant keys the sandbox accepts.
    pub fn bill(
        &mut self,
        r: &req::Bill,
        api_keys: &[String],
        now: i64,
    ) -> Result<BillResponse, Fail> {
        let api_key = r.api_key.clone();
        if !api_keys.contains(&api_key) {
            return Err(Fail::bad(
                codes::COMMON_INVALID_API_KEY,
                "바르지 않은 apiKey 입니다.",
            ));
        }
        let bk = r.billing_key.clone();
        let key = self
            .billing_keys
            .get(&bk)
            .cloned()
            .ok_or_else(|| Fail::bad(codes::BILLING_KEY_NOT_FOUND, "unknown billingKey"))?;
        if key.api_key != api_key {
            return Err(Fail::bad(
                codes::COMMON_INVALID_API_KEY,
                "apiKey differs from the one used to create the billing key",
            ));
        }
        let order_no = r.order_no.clone();
        if self.bills.contains_key(&order_no) {
            return Err(Fail::bad(
                codes::PAYMENT_EXISTING_PAYMENT,
                "이미 존재하는 결제입니다.",
            ));
        }
        if let Some(f) = &key.fail_with {
            return Err(Fail::bad(
                &f.error_code,
                f.msg
                    .clone()
                    .unwrap_or_else(|| "결제에 실패했습니다.".into()),
            ));
        }
        let amount = r.amount;
        let pay_token = self.rng.alnum(22);
        let txn_id = self.rng.uuid_v4();
        self.bills.insert(
            order_no.clone(),
            BillRecord {
                order_no: order_no.clone(),
                billing_key: bk,
                amount,
                pay_token: pay_token.clone(),
                transaction_id: txn_id.clone(),
                at: now,
            },
        );
        let card = key.pay_method == "CARD";
        Ok(BillResponse {
            code: ait_api::billing::CODE_SUCCESS,
            mode: Some(PayMode::Test),
            order_no: Some(order_no),
            error_code: None,
            msg: None,
            approval_time: Some(fmt_pay_time(now)),
            amount: Some(IntOrString::Int(amount)),
            pay_method: Some(PayMethod::parse(&key.pay_method)),
            pay_token: Some(pay_token),
            transaction_id: Some(txn_id),
            discounted_amount: Some(IntOrString::Int(0)),
            paid_amount: Some(IntOrString::Int(amount)),
            // Seed 002 types these as numbers and a boolean (unlike execute-payment's strings).
            card_user_type: card.then_some(CardUserType::Personal),
            card_method_type: card.then_some(CardMethodType::Credit),
            card_company_name: when(card, CARD_COMPANY_NAME),
            card_company_code: card.then_some(IntOrString::Int(CARD_COMPANY_CODE)),
            card_authorization_no: when(card, "00000000"),
            card_number: when(card, CARD_NUMBER),
            card_num4_print: when(card, CARD_NUM4),
            card_bin_number: when(card, CARD_BIN),
            sales_check_link_url: None,
            spread_out: card.then(|| IntOrString::Int(r.spread_out.unwrap_or(0))),
            no_interest: card.then_some(BoolOrString::Bool(false)),
            account_bank_code: (!card).then(|| BankCode::parse(ACCOUNT_BANK_CODE)),
            account_bank_name: when(!card, ACCOUNT_BANK_NAME),
            account_number: when(!card, ACCOUNT_NUMBER),
        })
    }
}

/// The `success` payload of `get-payment-status` for a payment.
pub fn payment_status_reply(p: &Payment) -> PaymentStatusResponse {
    let paid = matches!(p.pay_status.as_str(), "PAY_COMPLETE" | "REFUND_SUCCESS");
    let card = p.pay_method.as_deref() == Some("CARD");
    let account = !card && p.pay_method.is_some();
    PaymentStatusResponse {
        mode: Some(mode(p.is_test_payment)),
        pay_token: Some(p.pay_token.clone()),
        order_no: Some(p.order_no.clone()),
        pay_status: Some(PayStatus::parse(&p.pay_status)),
        pay_method: p.pay_method.as_deref().map(PayMethod::parse),
        amount: Some(p.amount),
        discounted_amount: Some(0),
        discount_amount_v2: Some(0),
        paid_point_v2: Some(0),
        paid_amount: Some(if paid { p.amount } else { 0 }),
        refundable_amount: Some(if p.pay_status == "PAY_COMPLETE" {
            p.amount
        } else {
            0
        }),
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
                    step_type: Some(StepType::parse(&t.step_type)),
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

/// The Korean `reason` the sandbox gives for an IAP order status.
pub fn iap_reason(status: &str) -> &'static str {
    match status {
        "PAYMENT_COMPLETED" => "결제가 완료되었어요.",
        "PURCHASED" => "구매가 완료되었어요.",
        "ORDER_IN_PROGRESS" => "주문이 진행 중이에요.",
        "FAILED" => "주문이 실패했어요.",
        "REFUNDED" => "주문이 환불되었어요.",
        "NOT_FOUND" => "주문을 찾을 수 없어요.",
        "MINIAPP_MISMATCH" => "이 미니앱의 상품이 아니에요.",
        _ => "내부 오류가 발생했어요.",
    }
}
