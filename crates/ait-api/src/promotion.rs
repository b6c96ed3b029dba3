//! Promotions (Toss points rewards): execute-promotion/get-key, execute-promotion, execution-result.
//!
//! Spec: seed 000 ("프로모션 리워드 지급 키 생성하기", "프로모션 리워드 지급하기", "프로모션 토스포인트 지급
//! 결과 조회하기"). Host: `apps-in-toss-api.toss.im`. The flow: get a one-time `key`, pay with it, then poll
//! the result with the same key. The seed leaves the `success` objects of get-key and execute-promotion
//! unspecified; both carry the `key` (as in the SDK's `grantPromotionReward` result `{ key }`).

use serde::{Deserialize, Serialize};

use crate::macros::string_enum;
use crate::validate::{self, Validate, ValidationError};

/// `success` of `POST /promotion/execute-promotion/get-key` (the call has no body).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionKeyResponse {
    /// One-time key for one reward payment.
    pub key: String,
}

/// `POST /promotion/execute-promotion` body: pays `amount` Toss points to the user (`x-toss-user-key`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutePromotionRequest {
    /// Promotion code registered in the console.
    pub promotion_code: String,
    /// Key from get-key.
    pub key: String,
    /// Points to pay (int64 in the schema).
    pub amount: i64,
}

impl Validate for ExecutePromotionRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("promotionCode", &self.promotion_code)?;
        validate::not_blank("key", &self.key)?;
        if self.amount <= 0 {
            return Err(ValidationError::new(
                "amount",
                validate::Rule::Range {
                    min: 1,
                    max: i64::MAX,
                },
                "amount must be a positive number of points",
            ));
        }
        Ok(())
    }
}

/// `success` of execute-promotion.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExecutePromotionResponse {
    /// The key the payment was made with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `POST /promotion/execution-result` body: asks how a reward payment ended.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionExecutionResultRequest {
    /// Promotion code.
    pub promotion_code: String,
    /// Key the payment was made with.
    pub key: String,
}

impl Validate for PromotionExecutionResultRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("promotionCode", &self.promotion_code)?;
        validate::not_blank("key", &self.key)
    }
}

string_enum! {
    /// `success` of execution-result: a bare string, not an object (seed 000: "success string, Valid values
    /// PENDING SUCCESS FAILED"). Use `Envelope<PromotionExecutionStatus>`.
    pub enum PromotionExecutionStatus {
        /// Still being processed.
        Pending = "PENDING",
        /// Points paid.
        Success = "SUCCESS",
        /// Payment failed.
        Failed = "FAILED",
    }
}
