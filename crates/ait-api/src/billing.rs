//! Auto-billing: `POST https://pay.toss.im/api/v1/billing-key/bill` (seed 002, "자동결제(bill) 승인 요청").
//!
//! This API is TossPay's older one and does not use the Apps in Toss envelope: the reply is flat, with
//! `code` 0 (success) or -1 (failure, with `errorCode` and `msg`). The merchant `apiKey` travels in the body.
//! Billing keys have no expiry and no usage limit (seed 002 intro).
//!
//! Documented limits (seed 002, `maxLen` of each field) are the `*_MAX_LEN` constants here and in
//! [`crate::validate`]. The example reply sends `amount`/`paidAmount` as strings while the table says integer,
//! hence [`IntOrString`].

use serde::{Deserialize, Serialize};

use crate::codes::{
    BankCode, CardCompany, CardMethodType, CardUserType, CashReceiptTradeOption, PayMethod, PayMode,
};
use crate::validate::{self, Validate, ValidationError};
use crate::wire::{BoolOrString, IntOrString};

/// Longest `apiKey` (seed 002 "maxLen: 30").
pub const API_KEY_MAX_LEN: usize = 30;
/// Longest `billingKey` (seed 002 "maxLen: 50").
pub const BILLING_KEY_MAX_LEN: usize = 50;
/// Longest `cashReceiptTradeOption` (seed 002 "maxLen: 9").
pub const CASH_RECEIPT_TRADE_OPTION_MAX_LEN: usize = 9;
/// Longest reply `errorCode` (seed 002 "maxLen: 40").
pub const ERROR_CODE_MAX_LEN: usize = 40;
/// Longest reply `msg` (seed 002 "maxLen: 120").
pub const MSG_MAX_LEN: usize = 120;
/// At most one failure push per billing key per this many seconds (seed 002 `sendFailPush`: "1시간 최대 1회").
pub const FAIL_PUSH_MIN_INTERVAL_SECS: u64 = 3600;
/// `code` of a successful reply.
pub const CODE_SUCCESS: i64 = 0;
/// `code` of a failed reply.
pub const CODE_FAIL: i64 = -1;

/// `POST /api/v1/billing-key/bill` body: charges a user's billing key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillRequest {
    /// The merchant's API key; must be the one the billing key was created with.
    pub api_key: String,
    /// The user's billing key.
    pub billing_key: String,
    /// The partner's unique order number (see [`validate::order_no`] for the character set chosen).
    pub order_no: String,
    /// Product description.
    pub product_desc: String,
    /// Total amount.
    pub amount: i64,
    /// Tax-free part (required; 0 for taxable goods). `Option` so that a missing value is a typed error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_tax_free: Option<i64>,
    /// Taxable part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_taxable: Option<i64>,
    /// VAT part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vat: Option<i64>,
    /// Service fee part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_service_fee: Option<i64>,
    /// Card installment months, 0–12 (under 50,000 KRW always lump sum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_out: Option<i64>,
    /// Issue a cash receipt automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_receipt: Option<bool>,
    /// Cash receipt type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_receipt_trade_option: Option<CashReceiptTradeOption>,
    /// Push a failure notice to the user (default true; at most once an hour per key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_fail_push: Option<bool>,
}

impl Validate for BillRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::token("apiKey", &self.api_key, Some(API_KEY_MAX_LEN))?;
        validate::token("billingKey", &self.billing_key, Some(BILLING_KEY_MAX_LEN))?;
        validate::order_no("orderNo", &self.order_no)?;
        // Seed 002 only gives maxLen 255; the TossPay rule (not blank, no backslash/quote) is applied too,
        // since both reach the same TossPay backend.
        validate::product_desc("productDesc", &self.product_desc)?;
        validate::amounts(
            self.amount,
            self.amount_tax_free,
            self.amount_taxable,
            self.amount_vat,
            self.amount_service_fee,
        )?;
        if let Some(s) = self.spread_out {
            validate::spread_out("spreadOut", s)?;
        }
        if let Some(o) = &self.cash_receipt_trade_option {
            validate::known_value("cashReceiptTradeOption", o)?;
        }
        Ok(())
    }
}

/// The reply of billing-key/bill (flat, no envelope). On failure only `code`, `errorCode` and `msg` matter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillResponse {
    /// 0 success, -1 failure.
    pub code: i64,
    /// `LIVE` or `TEST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<PayMode>,
    /// The order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// Error code, when `code` is -1 (new codes may appear without notice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Error message, when `code` is -1; show it as is (e.g. 잔액부족 → ask the user to retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    /// Approval time, `yyyy-MM-dd HH:mm:ss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_time: Option<String>,
    /// Approved amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<IntOrString>,
    /// `TOSS_MONEY` or `CARD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_method: Option<PayMethod>,
    /// The approved payment's token (store it: refunds need it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// Transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Discount borne by Toss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discounted_amount: Option<IntOrString>,
    /// Amount charged to the payment method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<IntOrString>,
    /// Card holder type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_user_type: Option<CardUserType>,
    /// Card type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_method_type: Option<CardMethodType>,
    /// Card company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_company_name: Option<String>,
    /// Card company code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_company_code: Option<IntOrString>,
    /// Card approval number (`00000000` for test payments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_authorization_no: Option<String>,
    /// Masked card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    /// Last 4 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_num4_print: Option<String>,
    /// Card BIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_bin_number: Option<String>,
    /// Sales slip URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_check_link_url: Option<String>,
    /// Installment months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_out: Option<IntOrString>,
    /// Interest-free installment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_interest: Option<BoolOrString>,
    /// Bank code (TOSS_MONEY); the seed's example sends `"88"`, see [`BankCode::parse_lenient`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_bank_code: Option<BankCode>,
    /// Bank name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_bank_name: Option<String>,
    /// Masked account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
}

/// A billing reply with `code` other than 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("billing failed: {error_code} ({msg})")]
pub struct BillingError {
    /// The reply's `code` (normally -1).
    pub code: i64,
    /// The reply's `errorCode` (empty if absent).
    pub error_code: String,
    /// The reply's `msg` (empty if absent).
    pub msg: String,
}

impl BillResponse {
    /// True when `code` is 0.
    pub fn is_success(&self) -> bool {
        self.code == CODE_SUCCESS
    }

    /// A failure reply (`code` -1) with an error code and message.
    pub fn failure(error_code: impl Into<String>, msg: impl Into<String>) -> Self {
        BillResponse {
            code: CODE_FAIL,
            error_code: Some(error_code.into()),
            msg: Some(msg.into()),
            ..Default::default()
        }
    }

    /// The reply if successful, else its error.
    pub fn into_result(self) -> Result<BillResponse, BillingError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(BillingError {
                code: self.code,
                error_code: self.error_code.unwrap_or_default(),
                msg: self.msg.unwrap_or_default(),
            })
        }
    }

    /// The card company, when the code is a documented one.
    pub fn card_company(&self) -> Option<CardCompany> {
        self.card_company_code
            .as_ref()?
            .as_i64()
            .and_then(CardCompany::from_code)
    }
}
