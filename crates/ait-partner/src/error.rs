//! The one error type of the handlers: an HTTP status and a [`PartnerError`], answered as
//! `{ "error": { "code", "message", "retryable" } }` (the partner contract's [`ErrorBody`]).

use ait_api::partner::{ErrorBody, PartnerError, PartnerErrorCode};
use ait_api::{ApiError, ValidationError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::db::DbError;
use crate::toss_client::TossError;

/// Codes this server adds to [`PartnerErrorCode`]: why a grant was refused (all 4xx, not retryable). The contract
/// leaves them open (`PartnerErrorCode::Other`); the page reports any of them as "not granted". The HTTP
/// surface's refusals (`FORBIDDEN_ORIGIN`, `RATE_LIMITED`, …) are variants of [`PartnerErrorCode`] itself.
pub mod codes {
    /// The IAP order was not paid (`FAILED`, or another status that is not "paid").
    pub const ORDER_NOT_PAID: &str = "ORDER_NOT_PAID";
    /// The IAP order was refunded.
    pub const ORDER_REFUNDED: &str = "ORDER_REFUNDED";
    /// The IAP order is for another SKU than the one asked for.
    pub const SKU_MISMATCH: &str = "SKU_MISMATCH";
    /// The IAP order is for a product of another mini-app.
    pub const MINIAPP_MISMATCH: &str = "MINIAPP_MISMATCH";
}

/// A failed request: the status and the contract's error.
#[derive(Debug, Clone, PartialEq)]
pub struct AppError {
    /// HTTP status (4xx or 5xx).
    pub status: StatusCode,
    /// The body's `error`.
    pub error: PartnerError,
}

impl AppError {
    /// An error with a status, a code, a message and retryability.
    pub fn new(
        status: StatusCode,
        code: impl Into<PartnerErrorCode>,
        message: impl Into<String>,
        retryable: bool,
    ) -> Self {
        AppError {
            status,
            error: PartnerError::new(code, message, retryable),
        }
    }

    /// 400 `INVALID_ARGUMENT`.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            PartnerErrorCode::InvalidArgument,
            message,
            false,
        )
    }

    /// 400 `INVALID_ARGUMENT` from a broken validation rule.
    pub fn invalid(e: &ValidationError) -> Self {
        AppError {
            status: StatusCode::BAD_REQUEST,
            error: PartnerError::invalid_argument(e),
        }
    }

    /// 401 `UNAUTHENTICATED`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            PartnerErrorCode::Unauthenticated,
            message,
            false,
        )
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            PartnerErrorCode::NotFound,
            message,
            false,
        )
    }

    /// 409 `INVALID_STATE`.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            PartnerErrorCode::InvalidState,
            message,
            false,
        )
    }

    /// 409 `ALREADY_IN_PROGRESS` (retryable).
    pub fn in_progress(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            PartnerErrorCode::AlreadyInProgress,
            message,
            true,
        )
    }

    /// A grant verification failure: 4xx with one of [`codes`] (not retryable).
    pub fn rejected(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::new(status, PartnerErrorCode::parse(code), message, false)
    }

    /// 502 `TOSS_API_FAILED` relaying a Toss `FAIL`.
    pub fn toss_failed(toss: ApiError) -> Self {
        AppError {
            status: StatusCode::BAD_GATEWAY,
            error: PartnerError::toss_failed(toss),
        }
    }

    /// 503 `TOSS_UNREACHABLE` (retryable).
    pub fn toss_unreachable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            PartnerErrorCode::TossUnreachable,
            message,
            true,
        )
    }

    /// 504 `PAYMENT_OUTCOME_UNKNOWN` (retryable): money may have moved; ask again later.
    pub fn outcome_unknown(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            PartnerErrorCode::PaymentOutcomeUnknown,
            message,
            true,
        )
    }

    /// 403 `FORBIDDEN_ORIGIN`.
    pub fn forbidden_origin(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            PartnerErrorCode::ForbiddenOrigin,
            message,
            false,
        )
    }

    /// 415 `UNSUPPORTED_MEDIA_TYPE`.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PartnerErrorCode::UnsupportedMediaType,
            "state-changing requests must send a JSON body (Content-Type: application/json)",
            false,
        )
    }

    /// 413 `PAYLOAD_TOO_LARGE`.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            PartnerErrorCode::PayloadTooLarge,
            "the body is too large",
            false,
        )
    }

    /// 405 `METHOD_NOT_ALLOWED`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            PartnerErrorCode::MethodNotAllowed,
            "this endpoint does not take this method",
            false,
        )
    }

    /// 429 `RATE_LIMITED` (retryable); the reply's `Retry-After` comes from [`crate::rate_limit`].
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            PartnerErrorCode::RateLimited,
            message,
            true,
        )
    }

    /// 403 `REFUNDS_DISABLED`.
    pub fn refunds_disabled() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            PartnerErrorCode::RefundsDisabled,
            "refunds are not available from the page on this server",
            false,
        )
    }

    /// 500 `INTERNAL`. The detail is logged, not sent.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            PartnerErrorCode::Internal,
            "internal error on the partner server",
            true,
        )
    }

    /// The code, for tests and logs.
    pub fn code(&self) -> &str {
        self.error.code.as_str()
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.error)
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.error })).into_response()
    }
}

impl From<DbError> for AppError {
    /// A lease held longer than a lease lasts, or a claim another holder took over, is "already in progress"
    /// (retryable); any other storage failure is internal.
    fn from(e: DbError) -> Self {
        match e {
            DbError::Busy { .. } | DbError::ClaimLost { .. } => AppError::in_progress(
                "the same payment or grant is being handled by another request; try again",
            ),
            other => AppError::internal(other),
        }
    }
}

impl From<TossError> for AppError {
    /// For calls that move no money: a `FAIL` is relayed, anything else means Toss could not be reached.
    fn from(e: TossError) -> Self {
        match e {
            TossError::Fail { error, .. } => AppError::toss_failed(error),
            // The Display of a TossError is fixed text per kind: the transport's detail stays in the logs.
            other => AppError::toss_unreachable(format!("Toss did not answer: {other}")),
        }
    }
}
