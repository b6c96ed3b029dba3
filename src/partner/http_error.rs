//! What an HTTP error reply of the partner server means, as an [`Error`] (pure, so native tests pin it; the `fetch`
//! client in `http.rs` runs only in the browser).
//!
//! 4xx → `PARTNER_REJECTED` and 5xx → `PARTNER_ERROR`, both with the server's code in `sdkCode`; the contract's own
//! codes `TOSS_API_FAILED` (Toss's code in `sdkCode`), `PAYMENT_OUTCOME_UNKNOWN` and `ALREADY_IN_PROGRESS` keep their
//! meaning whatever the status. Where the server decides (`TOSS_API_FAILED`, `PARTNER_ERROR`, a 429 rate limit), its
//! `retryable` wins.

use alloc::string::String;

use super::parse::PartnerErrorBody;
use crate::error::{Error, ErrorCode};

/// Maps an HTTP error reply onto a code.
pub fn http_error(method: &str, path: &str, status: u16, body: Option<PartnerErrorBody>) -> Error {
    let (server_code, message, retryable, toss) = match body {
        Some(b) => (Some(b.code), b.message, Some(b.retryable), b.toss_error_code),
        None => (None, String::new(), None, None),
    };
    // `as u32`: one integer formatter for the crate (wasm size).
    let describe = msg!(method, " ", path, " answered ", status as u32, " ", server_code.as_deref().unwrap_or("-"), ": ", message);
    let code = match server_code.as_deref() {
        Some("TOSS_API_FAILED") => ErrorCode::TossApiFailed,
        Some("PAYMENT_OUTCOME_UNKNOWN") => ErrorCode::PaymentOutcomeUnknown,
        Some("ALREADY_IN_PROGRESS") => ErrorCode::AlreadyInProgress,
        _ if status >= 500 => ErrorCode::PartnerError,
        _ => ErrorCode::PartnerRejected,
    };
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


#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn body(code: &str, retryable: bool, toss: Option<&str>) -> Option<PartnerErrorBody> {
        Some(PartnerErrorBody {
            code: code.into(),
            message: "why".into(),
            retryable,
            toss_error_code: toss.map(Into::into),
        })
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
