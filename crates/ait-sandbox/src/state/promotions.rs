//! Promotions: registration (control), `execute-promotion/get-key`, `execute-promotion` (idempotent per
//! key) and `execution-result`.

#![allow(missing_docs)]

use ait_api::promotion::{
    ExecutePromotionResponse, PromotionExecutionStatus, PromotionKeyResponse,
};
use serde::Serialize;
use serde_json::Value;

use super::{one_of, ControlError, Fail, State};
use crate::codes;
use crate::req;

/// The results a promotion payment can have (the control API's `result`), in the order the control API names
/// them.
pub const PROMOTION_RESULTS: &[PromotionExecutionStatus] = &[
    PromotionExecutionStatus::Success,
    PromotionExecutionStatus::Pending,
    PromotionExecutionStatus::Failed,
];

/// A promotion registered through control.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    pub promotion_code: String,
    /// Total points that may be paid (None: unlimited).
    pub budget: Option<i64>,
    pub paid: i64,
    /// Result recorded for new executions (`SUCCESS`, `PENDING` or `FAILED`).
    pub result: PromotionExecutionStatus,
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
    pub result: PromotionExecutionStatus,
    pub at: i64,
}

impl State {
    // ---------------------------------------------------------------- Promotions

    /// Control: registers (or updates) a promotion whose new executions get `result` (one of
    /// [`PROMOTION_RESULTS`], `SUCCESS` when `None`).
    pub fn register_promotion(
        &mut self,
        code: &str,
        budget: Option<i64>,
        result: Option<PromotionExecutionStatus>,
    ) -> Result<Promotion, ControlError> {
        if code.trim().is_empty() {
            return Err(ControlError::bad("promotionCode is required"));
        }
        let result = result.unwrap_or(PromotionExecutionStatus::Success);
        one_of("result", &result, PROMOTION_RESULTS)?;
        let paid = self.promotions.get(code).map(|p| p.paid).unwrap_or(0);
        let p = Promotion {
            promotion_code: code.to_string(),
            budget,
            paid,
            result,
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
            Some(e) if e.promotion_code == code && e.user_key == user_key => Ok(e.result.clone()),
            _ => Err(Fail::bad(
                codes::PROMOTION_EXECUTION_NOT_FOUND,
                format!("no execution of promotionCode {code} with this key for this user"),
            )),
        }
    }

    /// Control: sets the result of an execution (e.g. `PENDING` → `SUCCESS`), one of [`PROMOTION_RESULTS`].
    pub fn settle_promotion(
        &mut self,
        key: &str,
        result: PromotionExecutionStatus,
    ) -> Result<Value, ControlError> {
        one_of("result", &result, PROMOTION_RESULTS)?;
        let e = self
            .promotion_keys
            .get_mut(key)
            .and_then(|k| k.execution.as_mut())
            .ok_or_else(|| ControlError::not_found(format!("no execution with key {key}")))?;
        e.result = result;
        Ok(serde_json::to_value(&*e).unwrap_or(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Registered and settled results are stored as the enum and shown as the wire strings; a result that is
    /// not one of [`PROMOTION_RESULTS`] is refused.
    #[test]
    fn results_keep_the_wire_strings() {
        let mut st = State::default();
        let p = st
            .register_promotion("PROMO", None, Some(PromotionExecutionStatus::Pending))
            .unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap()["result"], "PENDING");
        let key = st.promotion_key(1).key;
        let r = req::ExecutePromotion {
            promotion_code: "PROMO".into(),
            key: key.clone(),
            amount: 10,
        };
        st.execute_promotion("1", &r, 2).unwrap();
        let ask = req::PromotionResult {
            promotion_code: "PROMO".into(),
            key: key.clone(),
        };
        assert_eq!(
            st.promotion_result("1", &ask),
            Ok(PromotionExecutionStatus::Pending)
        );
        let v = st
            .settle_promotion(&key, PromotionExecutionStatus::Success)
            .unwrap();
        assert_eq!(v["result"], "SUCCESS");
        assert_eq!(
            st.promotion_result("1", &ask),
            Ok(PromotionExecutionStatus::Success)
        );
        let e = st
            .settle_promotion(&key, PromotionExecutionStatus::parse("DONE"))
            .unwrap_err();
        assert_eq!(
            e.message,
            r#"result "DONE": use SUCCESS, PENDING or FAILED"#
        );
        let p = st.register_promotion("DEFAULT", None, None).unwrap();
        assert_eq!(p.result, PromotionExecutionStatus::Success);
    }
}
