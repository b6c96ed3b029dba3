//! TossPay partner API: make-payment, execute-payment, refund-payment, get-payment-status.
//!
//! Spec: seed 001 ("토스페이 연동하기", sections 1–6) with seed 000's TossPay "개발하기" copy and its
//! per-endpoint schema pages (max lengths). Host: `pay-apps-in-toss-api.toss.im` (see [`crate::paths`]).
//! Every call carries `x-toss-user-key`. Replies are wrapped in [`crate::Envelope`].
//!
//! `isTestPayment`: seed 001 and seed 000's guide say `true` for a sandbox/test payment and `false` for a
//! live one; seed 000's schema pages say the opposite ("샌드박스일 경우 false, 라이브앱일 경우 true(true 면
//! 실결제)"). We follow the guides: `true` = test. The schema text contradicts the field's name and the
//! `mode: TEST` replies in the examples.
//!
//! Reply fields are all optional (Toss sends `null` for fields that do not apply, e.g. card fields on a
//! TOSS_MONEY payment) and unknown reply fields are ignored.

use serde::{Deserialize, Serialize};

use crate::codes::{
    BankCode, CardCompany, CardMethodType, CardUserType, CashReceiptTradeOption, Installment,
    PayMethod, PayMode, PayStatus, StepType,
};
use crate::validate::{self, Validate, ValidationError};
use crate::wire::{BoolOrString, IntOrString};

/// `POST /pay/make-payment` body: creates a payment and returns its `payToken` (seed 001 §1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MakePaymentRequest {
    /// The partner's unique order number (see [`validate::order_no`]); never reusable once authenticated.
    pub order_no: String,
    /// Product description shown to the buyer (see [`validate::product_desc`]).
    pub product_desc: String,
    /// Total amount in KRW.
    pub amount: i64,
    /// Tax-free part of the amount; 0 for taxable goods. Required: `Option` only so that a missing value is a
    /// typed [`ValidationError`] rather than a parse error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_tax_free: Option<i64>,
    /// Taxable part; if omitted (with tax-free 0) Toss computes taxable and VAT itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_taxable: Option<i64>,
    /// VAT part; if omitted, Toss uses ceil(taxable / 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vat: Option<i64>,
    /// Service fee part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_service_fee: Option<i64>,
    /// Restricts the sheet to one method (`TOSS_MONEY` or `CARD`); any other value means the store default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_pay_methods: Option<PayMethod>,
    /// Whether a cash receipt may be issued (send true or false; null counts as false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_receipt: Option<bool>,
    /// Cash receipt type (default `GENERAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_receipt_trade_option: Option<CashReceiptTradeOption>,
    /// Whether card installments are allowed (default `USE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment: Option<Installment>,
    /// `true` for a test (sandbox) payment, `false` for live (see the module docs for the contradiction).
    pub is_test_payment: bool,
}

impl Validate for MakePaymentRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::order_no("orderNo", &self.order_no)?;
        validate::product_desc("productDesc", &self.product_desc)?;
        validate::amounts(
            self.amount,
            self.amount_tax_free,
            self.amount_taxable,
            self.amount_vat,
            self.amount_service_fee,
        )?;
        if let Some(m) = &self.enable_pay_methods {
            // Any value is allowed ("null 또는 그 외의 값"), only the length is limited (seed 000 schema).
            validate::max_chars(
                "enablePayMethods",
                m.as_str(),
                validate::ENABLE_PAY_METHODS_MAX_LEN,
            )?;
        }
        if let Some(o) = &self.cash_receipt_trade_option {
            validate::known_value("cashReceiptTradeOption", o)?;
        }
        if let Some(i) = &self.installment {
            validate::known_value("installment", i)?;
        }
        Ok(())
    }
}

/// `success` of make-payment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MakePaymentResponse {
    /// The payment's token: pass it to the SDK's `checkoutPayment`; store it on the server.
    pub pay_token: String,
}

/// `POST /pay/execute-payment` body: approves an authenticated payment, after which money moves (seed 001 §3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutePaymentRequest {
    /// The payment's token from make-payment.
    pub pay_token: String,
    /// The partner's order number (optional, checked by Toss when sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// `true` if the token was issued for a test payment.
    pub is_test_payment: bool,
}

impl Validate for ExecutePaymentRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::token(
            "payToken",
            &self.pay_token,
            Some(validate::PAY_TOKEN_MAX_LEN),
        )?;
        if let Some(o) = &self.order_no {
            validate::order_no("orderNo", o)?;
        }
        Ok(())
    }
}

/// `success` of execute-payment: the approval receipt (seed 001 §3). Card fields are set for `CARD`,
/// account fields for `TOSS_MONEY`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExecutePaymentResponse {
    /// Present in the examples (`0`), not in the field table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// `LIVE` or `TEST`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<PayMode>,
    /// The approved order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// Product amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Approval time, `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_time: Option<String>,
    /// "결제 완료" on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_msg: Option<String>,
    /// Discount (instant discount and Toss points), 0 if none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discounted_amount: Option<i64>,
    /// Amount charged to the payment method (amount minus discount).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<i64>,
    /// `TOSS_MONEY` or `CARD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_method: Option<PayMethod>,
    /// The payment's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// Toss's unique transaction id, the key for reconciliation and refunds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Card company code ("String" in this table, a number elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_company_code: Option<IntOrString>,
    /// Card company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_company_name: Option<String>,
    /// Card approval number the buyer sees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_authorization_no: Option<String>,
    /// Installment months (0 for lump sum and under 50,000 KRW).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread_out: Option<IntOrString>,
    /// Interest-free installment ("String" in this table, a boolean elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_interest: Option<BoolOrString>,
    /// Card sales slip URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_check_link_url: Option<String>,
    /// Credit, check or prepaid card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_method_type: Option<CardMethodType>,
    /// Masked card number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    /// Card holder type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_user_type: Option<CardUserType>,
    /// Last 4 digits of the card (may be masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_num4_print: Option<String>,
    /// Card BIN (may be masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_bin_number: Option<String>,
    /// Toss's cash receipt key; present when a receipt was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_receipt_mgt_key: Option<String>,
    /// Bank of the account (TOSS_MONEY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_bank_code: Option<BankCode>,
    /// Bank name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_bank_name: Option<String>,
    /// Masked account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// Message when the reply is not a success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    /// Error code when the reply is not a success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

impl ExecutePaymentResponse {
    /// The card company, when the code is a documented one.
    pub fn card_company(&self) -> Option<CardCompany> {
        self.card_company_code
            .as_ref()?
            .as_i64()
            .and_then(CardCompany::from_code)
    }
}

/// `POST /pay/refund-payment` body (seed 001 §4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundPaymentRequest {
    /// The payment's token.
    pub pay_token: String,
    /// Refund reason (see [`validate::refund_reason`]). Required by the guides, optional in seed 000's schema;
    /// `Option` only so that a missing value is a typed [`ValidationError`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `true` if the token was issued for a test payment.
    pub is_test_payment: bool,
}

impl Validate for RefundPaymentRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::token(
            "payToken",
            &self.pay_token,
            Some(validate::PAY_TOKEN_MAX_LEN),
        )?;
        validate::required("reason", &self.reason)?;
        if let Some(r) = &self.reason {
            validate::refund_reason("reason", r)?;
        }
        Ok(())
    }
}

/// `success` of refund-payment: the refund receipt (seed 001 §4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RefundPaymentResponse {
    /// Refund number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// Refund time, `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_time: Option<String>,
    /// Cash receipt key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_receipt_mgt_key: Option<String>,
    /// What can still be refunded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refundable_amount: Option<i64>,
    /// Discount of the payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discounted_amount: Option<i64>,
    /// Amount charged to the payment method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<i64>,
    /// Amount of this refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_amount: Option<i64>,
    /// Part of this refund taken from the discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_discount_amount: Option<i64>,
    /// Part of this refund returned to the payment method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_paid_amount: Option<i64>,
    /// The refunded payment's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// Transaction id of the refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Card type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_method_type: Option<CardMethodType>,
    /// Masked card number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    /// Card holder type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_user_type: Option<CardUserType>,
    /// Last 4 digits of the card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_num4_print: Option<String>,
    /// Card BIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_bin_number: Option<String>,
    /// Bank code (TOSS_MONEY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_bank_code: Option<BankCode>,
    /// Bank name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_bank_name: Option<String>,
    /// Masked account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
}

/// `POST /pay/get-payment-status` body (seed 001 §5). Use it when an execute or refund reply was lost.
///
/// Seed 001 marks both `payToken` and `orderNo` required; seed 000's schema says "one of the two is required".
/// We require at least one (the schema's rule): a partner that lost everything but its own `orderNo` can
/// still reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetPaymentStatusRequest {
    /// The payment's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// The partner's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// `true` for a test payment.
    pub is_test_payment: bool,
}

impl Validate for GetPaymentStatusRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.pay_token.is_none() && self.order_no.is_none() {
            return Err(ValidationError::new(
                "payToken",
                validate::Rule::OneOfRequired,
                "one of payToken and orderNo is required",
            ));
        }
        if let Some(t) = &self.pay_token {
            validate::token("payToken", t, Some(validate::PAY_TOKEN_MAX_LEN))?;
        }
        if let Some(o) = &self.order_no {
            validate::order_no("orderNo", o)?;
        }
        Ok(())
    }
}

/// `success` of get-payment-status (seed 001 §5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PaymentStatusResponse {
    /// `LIVE` or `TEST`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<PayMode>,
    /// The payment's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// The partner's order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// Current status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_status: Option<PayStatus>,
    /// `TOSS_MONEY` or `CARD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_method: Option<PayMethod>,
    /// Total amount the partner requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discounted_amount: Option<i64>,
    /// Instant discount.
    #[serde(rename = "discountAmountV2", skip_serializing_if = "Option::is_none")]
    pub discount_amount_v2: Option<i64>,
    /// Toss points used.
    #[serde(rename = "paidPointV2", skip_serializing_if = "Option::is_none")]
    pub paid_point_v2: Option<i64>,
    /// Amount charged to the payment method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<i64>,
    /// Remaining refundable amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refundable_amount: Option<i64>,
    /// Taxable part applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_taxable: Option<i64>,
    /// Tax-free part applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_tax_free: Option<i64>,
    /// VAT applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_vat: Option<i64>,
    /// Service fee applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_service_fee: Option<i64>,
    /// Disposable cup deposit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposable_cup_deposit: Option<i64>,
    /// Bank code (TOSS_MONEY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_bank_code: Option<BankCode>,
    /// Bank name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_bank_name: Option<String>,
    /// Masked account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// Card details (CARD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<CardInfo>,
    /// Pay and refund transactions, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transactions: Option<Vec<PaymentTransaction>>,
    /// When the payment was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_ts: Option<String>,
    /// When the payment completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_ts: Option<String>,
}

/// `card` of get-payment-status (seed 001 §5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CardInfo {
    /// Interest-free installment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_interest: Option<BoolOrString>,
    /// Installment months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread_out: Option<IntOrString>,
    /// Card approval number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_authorization_no: Option<String>,
    /// Card type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_method_type: Option<CardMethodType>,
    /// Card holder type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_user_type: Option<CardUserType>,
    /// Masked card number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    /// Card BIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_bin_number: Option<String>,
    /// Last 4 digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_num4_print: Option<String>,
    /// Sales slip URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_check_link_url: Option<String>,
    /// Card company name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_company_name: Option<String>,
    /// Card company code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_company_code: Option<IntOrString>,
}

impl CardInfo {
    /// The card company, when the code is a documented one.
    pub fn card_company(&self) -> Option<CardCompany> {
        self.card_company_code
            .as_ref()?
            .as_i64()
            .and_then(CardCompany::from_code)
    }
}

/// One entry of `transactions` in get-payment-status (seed 001 §5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PaymentTransaction {
    /// `PAY` or `REFUND`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_type: Option<StepType>,
    /// Unique transaction id (use it for reconciliation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Payment-method part of this transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<i64>,
    /// Amount of this transaction; negative for a refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_amount: Option<i64>,
    /// Discount part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discounted_amount: Option<i64>,
    /// Point part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point_amount: Option<i64>,
    /// When it was processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reg_ts: Option<String>,
}
