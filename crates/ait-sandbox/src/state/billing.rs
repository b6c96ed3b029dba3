//! Automatic billing: billing keys registered through control and `billing-key/bill` in seed 002's own reply
//! shape.

#![allow(missing_docs)]

use ait_api::billing::BillResponse;
use ait_api::{
    BankCode, BoolOrString, CardMethodType, CardUserType, IntOrString, PayMethod, PayMode,
};
use serde::Serialize;

use super::instruments::*;
use super::payments::PAY_METHODS;
use super::{one_of, ControlError, Fail, State};
use crate::codes;
use crate::req;
use crate::util::fmt_pay_time;

/// A billing key registered through control.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingKey {
    pub billing_key: String,
    pub user_key: Option<String>,
    pub api_key: String,
    pub pay_method: PayMethod,
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

impl State {
    // ---------------------------------------------------------------- Billing

    /// Control: registers a billing key (the result of the billing-key creation flow, which the seeds do not
    /// cover) that pays with `pay_method` (one of [`PAY_METHODS`], `CARD` when `None`).
    pub fn register_billing_key(
        &mut self,
        billing_key: Option<String>,
        user_key: Option<String>,
        api_key: String,
        pay_method: Option<PayMethod>,
        fail_with: Option<BillingFailure>,
    ) -> Result<BillingKey, ControlError> {
        let pay_method = pay_method.unwrap_or(PayMethod::Card);
        one_of("payMethod", &pay_method, PAY_METHODS)?;
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
        let card = key.pay_method == PayMethod::Card;
        Ok(BillResponse {
            code: ait_api::billing::CODE_SUCCESS,
            mode: Some(PayMode::Test),
            order_no: Some(order_no),
            error_code: None,
            msg: None,
            approval_time: Some(fmt_pay_time(now)),
            amount: Some(IntOrString::Int(amount)),
            pay_method: Some(key.pay_method.clone()),
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
