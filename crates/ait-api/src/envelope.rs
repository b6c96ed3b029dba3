//! The common reply envelope of the Apps in Toss partner APIs (seed 000, "API 공통규격 확인하기 → API 공통 응답",
//! and the `resultType` schema repeated on every endpoint page).
//!
//! ```json
//! { "resultType": "SUCCESS", "success": { ... } }
//! { "resultType": "FAIL", "error": { "errorCode": "INVALID_PARAMETER", "reason": "요청에 실패했습니다." } }
//! ```
//!
//! The auto-billing API (seed 002) does not use this envelope; see [`crate::billing`].

use serde::{Deserialize, Serialize};

use crate::macros::string_enum;

string_enum! {
    /// `resultType`: the outcome of a call. The seven values are the "Valid values" listed on every endpoint
    /// page of seed 000. Only `SUCCESS` carries `success`; `FAIL` carries `error`; the others are transport
    /// or server-side failures whose effect on the resource is unknown.
    pub enum ResultType {
        /// The call succeeded; the reply is under `success`.
        Success = "SUCCESS",
        /// Toss timed out calling its own upstream: the outcome is unknown.
        HttpTimeout = "HTTP_TIMEOUT",
        /// A network error inside Toss: the outcome is unknown.
        NetworkError = "NETWORK_ERROR",
        /// Execution failed inside Toss.
        ExecutionFail = "EXECUTION_FAIL",
        /// The call was interrupted: the outcome is unknown.
        Interrupted = "INTERRUPTED",
        /// An internal error at Toss.
        InternalError = "INTERNAL_ERROR",
        /// A decided failure; the reason is under `error`.
        Fail = "FAIL",
    }
}

impl ResultType {
    /// True only for `SUCCESS`.
    pub fn is_success(&self) -> bool {
        matches!(self, ResultType::Success)
    }

    /// True when Toss decided the call failed (`FAIL`): nothing changed, the `error` says why.
    /// Every other non-success value (timeouts, interruptions, internal errors, unknown values) leaves the
    /// outcome unknown; for a payment, reconcile with `get-payment-status` before telling the user it failed.
    pub fn is_decided_failure(&self) -> bool {
        matches!(self, ResultType::Fail)
    }
}

string_enum! {
    /// `error.errorCode`: the documented error codes. Seed 001 §6 ("에러 코드") lists three TossPay codes and
    /// says others exist ("그 외의 에러코드"); seed 000's envelope example shows `INVALID_PARAMETER`.
    pub enum ErrorCode {
        /// The request is malformed (seed 000, common failure example).
        InvalidParameter = "INVALID_PARAMETER",
        /// 이미 존재하는 결제입니다: the `orderNo` was already used (seed 001 §6).
        PaymentExistingPayment = "PAYMENT_EXISTING_PAYMENT",
        /// 바르지 않은 apiKey 입니다 (seed 001 §6).
        CommonInvalidApiKey = "COMMON_INVALID_API_KEY",
        /// 은행 점검 시간: bank maintenance window, retry later (seed 001 §6).
        CommonBreakTimeOfBank = "COMMON_BREAK_TIME_OF_BANK",
    }
}

impl ErrorCode {
    /// True when the same request may succeed later unchanged (bank maintenance).
    pub fn is_retryable(&self) -> bool {
        matches!(self, ErrorCode::CommonBreakTimeOfBank)
    }
}

/// `error`: why a call failed. Also relayed to the page as the `toss` of a partner `TOSS_API_FAILED` error, hence
/// its TypeScript declaration with the `tsify` feature.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct ApiError {
    /// Machine-readable code (see [`ErrorCode`]; an open list).
    #[serde(default = "ApiError::unknown_code")]
    #[cfg_attr(feature = "tsify", tsify(type = "string"))]
    pub error_code: ErrorCode,
    /// Human-readable reason (Korean), meant for logs, not for parsing.
    #[serde(default)]
    pub reason: String,
}

impl Default for ErrorCode {
    fn default() -> Self {
        ErrorCode::Other(String::new())
    }
}

impl ApiError {
    /// Builds an error with a code and a reason.
    pub fn new(error_code: impl Into<ErrorCode>, reason: impl Into<String>) -> Self {
        ApiError {
            error_code: error_code.into(),
            reason: reason.into(),
        }
    }

    fn unknown_code() -> ErrorCode {
        ErrorCode::default()
    }
}

/// The common envelope around every Apps in Toss reply: `{ resultType, success?, error? }`.
///
/// `T` is the endpoint's `success` payload. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// The outcome.
    pub result_type: ResultType,
    /// The payload, present when `resultType` is `SUCCESS`.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub success: Option<T>,
    /// The failure, normally present when `resultType` is `FAIL`.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

fn none<T>() -> Option<T> {
    None
}

/// Why an [`Envelope`] did not yield its payload.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnvelopeError {
    /// `resultType` was `FAIL`: Toss decided the call failed.
    #[error("Toss API failed: {} ({})", .0.error_code, .0.reason)]
    Fail(ApiError),
    /// `resultType` was neither `SUCCESS` nor `FAIL`: the outcome is unknown.
    #[error("Toss API returned resultType {result_type}; the outcome is unknown")]
    Unsettled {
        /// The `resultType` received.
        result_type: ResultType,
        /// The `error`, if any was sent.
        error: Option<ApiError>,
    },
    /// `resultType` was `SUCCESS` but `success` was missing.
    #[error("Toss API returned SUCCESS without a success payload")]
    MissingSuccess,
}

impl<T> Envelope<T> {
    /// A `SUCCESS` envelope around `value`.
    pub fn ok(value: T) -> Self {
        Envelope {
            result_type: ResultType::Success,
            success: Some(value),
            error: None,
        }
    }

    /// A `FAIL` envelope with an error code and reason.
    pub fn fail(error_code: impl Into<ErrorCode>, reason: impl Into<String>) -> Self {
        Envelope {
            result_type: ResultType::Fail,
            success: None,
            error: Some(ApiError::new(error_code, reason)),
        }
    }

    /// An envelope with another `resultType` (timeouts, internal errors), e.g. for fault injection.
    pub fn unsettled(result_type: ResultType, error: Option<ApiError>) -> Self {
        Envelope {
            result_type,
            success: None,
            error,
        }
    }

    /// The payload, or why there is none.
    pub fn into_result(self) -> Result<T, EnvelopeError> {
        match self.result_type {
            ResultType::Success => self.success.ok_or(EnvelopeError::MissingSuccess),
            ResultType::Fail => Err(EnvelopeError::Fail(self.error.unwrap_or_default())),
            result_type => Err(EnvelopeError::Unsettled {
                result_type,
                error: self.error,
            }),
        }
    }
}
