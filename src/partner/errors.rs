//! What an HTTP error reply of the partner server means, as an [`Error`] (pure, so native tests pin it; the gloo-net
//! client in `web::partner` runs only in the browser).
//!
//! 4xx → `PARTNER_REJECTED` and 5xx → `PARTNER_ERROR`, both with the server's code in `sdkCode`; the contract's own
//! codes `TOSS_API_FAILED` (Toss's code in `sdkCode`), `PAYMENT_OUTCOME_UNKNOWN` and `ALREADY_IN_PROGRESS` keep their
//! meaning whatever the status. Where the server decides (`TOSS_API_FAILED`, `PARTNER_ERROR`, a 429 rate limit), its
//! `retryable` wins.

use ait_api::partner::{PartnerError, PartnerErrorCode};

use crate::error::{Error, ErrorCode};

/// Maps an HTTP error reply (its status, and its contract error body when it had one) onto a code.
pub fn http_error(method: &str, path: &str, status: u16, body: Option<PartnerError>) -> Error {
    let (server_code, message, retryable, toss) = match body {
        Some(b) => (Some(b.code), b.message, Some(b.retryable), b.toss.map(|t| t.error_code.as_str().to_string())),
        None => (None, String::new(), None, None),
    };
    let shown = server_code.as_ref().map_or("-", PartnerErrorCode::as_str);
    let describe = format!("{method} {path} answered {status} {shown}: {message}");
    let code = match server_code {
        Some(PartnerErrorCode::TossApiFailed) => ErrorCode::TossApiFailed,
        Some(PartnerErrorCode::PaymentOutcomeUnknown) => ErrorCode::PaymentOutcomeUnknown,
        Some(PartnerErrorCode::AlreadyInProgress) => ErrorCode::AlreadyInProgress,
        _ if status >= 500 => ErrorCode::PartnerError,
        _ => ErrorCode::PartnerRejected,
    };
    let server_code = server_code.map(|c| c.as_str().to_string());
    // `sdkCode`: Toss's code with TOSS_API_FAILED, the server's own code with PARTNER_REJECTED / PARTNER_ERROR.
    let (sdk_code, server_decides) = match code {
        ErrorCode::TossApiFailed => (toss, true),
        ErrorCode::PartnerError => (server_code, true),
        // 429: the server's rate limit; it says when a retry helps (`RATE_LIMITED` is retryable).
        ErrorCode::PartnerRejected => (server_code, status == 429),
        _ => (None, false),
    };
    let mut error = Error::new(code, describe);
    if let Some(sdk_code) = sdk_code {
        error = error.with_sdk_code(sdk_code);
    }
    // The server knows best whether a retry helps (e.g. a Toss COMMON_BREAK_TIME_OF_BANK).
    match retryable {
        Some(r) if server_decides => error.with_retryable(r),
        _ => error,
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    /// An error body as the server sends it, read back through serde like the browser reads it.
    fn body(code: &str, retryable: bool, toss: Option<&str>) -> Option<PartnerError> {
        let mut json = serde_json::json!({"code": code, "message": "why", "retryable": retryable});
        if let Some(toss) = toss {
            json["toss"] = serde_json::json!({"errorCode": toss, "reason": "은행 점검 시간"});
        }
        Some(serde_json::from_value(json).unwrap())
    }

    #[test]
    fn a_4xx_is_rejected_with_the_servers_code_and_never_retried() {
        let e = http_error("POST", "/iap/grants", 401, body("UNAUTHENTICATED", true, None));
        assert_eq!(e.code, ErrorCode::PartnerRejected);
        assert_eq!(e.sdk_code.as_deref(), Some("UNAUTHENTICATED"));
        assert!(!e.retryable(), "a 4xx is the server's decision about this request");
        assert_eq!(e.message, "POST /iap/grants answered 401 UNAUTHENTICATED: why");
    }

    #[test]
    fn a_rate_limit_is_rejected_and_retryable_when_the_server_says_so() {
        let e = http_error("POST", "/login", 429, body("RATE_LIMITED", true, None));
        assert_eq!(e.code, ErrorCode::PartnerRejected);
        assert_eq!(e.sdk_code.as_deref(), Some("RATE_LIMITED"));
        assert!(e.retryable());
    }

    #[test]
    fn a_5xx_is_a_partner_error_whose_retryability_the_server_decides() {
        let e = http_error("GET", "/tosspay/payments/o1", 503, body("UNAVAILABLE", false, None));
        assert_eq!(e.code, ErrorCode::PartnerError);
        assert!(!e.retryable(), "the server said a retry would not help");
        let e = http_error("GET", "/tosspay/payments/o1", 502, None);
        assert_eq!(e.code, ErrorCode::PartnerError);
        assert_eq!(e.sdk_code, None);
        assert_eq!(e.message, "GET /tosspay/payments/o1 answered 502 -: ");
    }

    #[test]
    fn the_contracts_own_codes_keep_their_meaning() {
        let e = http_error("POST", "/tosspay/payments/o1/execute", 502, body("TOSS_API_FAILED", true, Some("COMMON_BREAK_TIME_OF_BANK")));
        assert_eq!(e.code, ErrorCode::TossApiFailed);
        assert_eq!(e.sdk_code.as_deref(), Some("COMMON_BREAK_TIME_OF_BANK"));
        assert!(e.retryable());
        let e = http_error("POST", "/tosspay/payments/o1/execute", 504, body("PAYMENT_OUTCOME_UNKNOWN", true, None));
        assert_eq!(e.code, ErrorCode::PaymentOutcomeUnknown);
        let e = http_error("POST", "/tosspay/payments", 409, body("ALREADY_IN_PROGRESS", false, None));
        assert_eq!(e.code, ErrorCode::AlreadyInProgress);
    }
}
