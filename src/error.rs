//! The one error type of ait-checkout.
//!
//! Every failure of every call ends up here as an [`Error`] with a stable [`ErrorCode`], a flag saying whether a
//! retry can help, an English message for developers and a Korean message fit to show a user. The SDK's own IAP
//! error codes are kept unchanged, so code written against the SDK's documentation keeps working.

use std::fmt;

use serde::{Deserialize, Serialize};
use tsify::Tsify;

use crate::version::MinVersions;

/// Why a call failed, as a stable, machine-readable code (the `code` of `CheckoutError` in JS, declared in the
/// `.d.ts` as the union of these strings so a TypeScript `switch` over it is checked).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    // The SDK's IAP codes, unchanged (`@throw {code}` in the SDK's JSDoc).
    /// The SKU does not exist.
    InvalidProductId,
    /// The store payment still awaits approval.
    PaymentPending,
    /// A transient server-side or network problem.
    NetworkError,
    /// This device, account or setting cannot buy the product.
    InvalidUserEnvironment,
    /// The user already owns this (non-consumable) product.
    ItemAlreadyOwned,
    /// Paid, but the app store could not verify the payment.
    AppMarketVerificationFailed,
    /// Paid, but Toss's servers could not record the payment.
    TossServerVerificationFailed,
    /// An internal error on Toss's side.
    InternalError,
    /// iOS only: the store account is not Korean.
    KoreanAccountOnly,
    /// The user left the order sheet without paying.
    UserCanceled,
    /// The partner's grant failed, returned false or missed its deadline.
    ProductNotGrantedByPartner,

    // The bridge.
    /// No Toss app host: a plain browser without the dev host.
    NotInTossApp,
    /// The mini-app runs inside a frame, which Apps in Toss forbids.
    IframeNotAllowed,
    /// The Toss app is older than the call needs.
    UnsupportedAppVersion,
    /// The host did not answer before the deadline.
    BridgeTimeout,
    /// The host answered something malformed.
    InvalidBridgeResponse,
    /// The SDK failed with a code this library does not know; the raw code is kept in [`Error::sdk_code`].
    SdkError,

    // TossPay.
    /// `checkoutPayment` answered `success: false` (the user did not authenticate); see [`Error::reason`].
    TosspayNotAuthenticated,
    /// The server priced the order differently from what the page expected.
    AmountMismatch,
    /// The payment's result could not be learned in time; money may have moved. Never a failure.
    PaymentOutcomeUnknown,

    // The partner server.
    /// The partner server could not be reached.
    PartnerUnreachable,
    /// The partner server did not answer in time.
    PartnerTimeout,
    /// The partner server refused the request (4xx); the server's code is in [`Error::sdk_code`].
    PartnerRejected,
    /// The partner server failed (5xx).
    PartnerError,
    /// The partner relayed a Toss `FAIL`; Toss's `errorCode` is in [`Error::sdk_code`].
    TossApiFailed,

    // Usage.
    /// The same purchase or payment is already running on this `Checkout`.
    AlreadyInProgress,
    /// The caller passed something invalid.
    InvalidArgument,
}

impl ErrorCode {
    /// Every code, in declaration order (for tests and documentation).
    pub const ALL: [ErrorCode; 27] = [
        ErrorCode::InvalidProductId,
        ErrorCode::PaymentPending,
        ErrorCode::NetworkError,
        ErrorCode::InvalidUserEnvironment,
        ErrorCode::ItemAlreadyOwned,
        ErrorCode::AppMarketVerificationFailed,
        ErrorCode::TossServerVerificationFailed,
        ErrorCode::InternalError,
        ErrorCode::KoreanAccountOnly,
        ErrorCode::UserCanceled,
        ErrorCode::ProductNotGrantedByPartner,
        ErrorCode::NotInTossApp,
        ErrorCode::IframeNotAllowed,
        ErrorCode::UnsupportedAppVersion,
        ErrorCode::BridgeTimeout,
        ErrorCode::InvalidBridgeResponse,
        ErrorCode::SdkError,
        ErrorCode::TosspayNotAuthenticated,
        ErrorCode::AmountMismatch,
        ErrorCode::PaymentOutcomeUnknown,
        ErrorCode::PartnerUnreachable,
        ErrorCode::PartnerTimeout,
        ErrorCode::PartnerRejected,
        ErrorCode::PartnerError,
        ErrorCode::TossApiFailed,
        ErrorCode::AlreadyInProgress,
        ErrorCode::InvalidArgument,
    ];

    /// The code as it appears on the wire and in JS (`SCREAMING_SNAKE_CASE`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::InvalidProductId => "INVALID_PRODUCT_ID",
            ErrorCode::PaymentPending => "PAYMENT_PENDING",
            ErrorCode::NetworkError => "NETWORK_ERROR",
            ErrorCode::InvalidUserEnvironment => "INVALID_USER_ENVIRONMENT",
            ErrorCode::ItemAlreadyOwned => "ITEM_ALREADY_OWNED",
            ErrorCode::AppMarketVerificationFailed => "APP_MARKET_VERIFICATION_FAILED",
            ErrorCode::TossServerVerificationFailed => "TOSS_SERVER_VERIFICATION_FAILED",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::KoreanAccountOnly => "KOREAN_ACCOUNT_ONLY",
            ErrorCode::UserCanceled => "USER_CANCELED",
            ErrorCode::ProductNotGrantedByPartner => "PRODUCT_NOT_GRANTED_BY_PARTNER",
            ErrorCode::NotInTossApp => "NOT_IN_TOSS_APP",
            ErrorCode::IframeNotAllowed => "IFRAME_NOT_ALLOWED",
            ErrorCode::UnsupportedAppVersion => "UNSUPPORTED_APP_VERSION",
            ErrorCode::BridgeTimeout => "BRIDGE_TIMEOUT",
            ErrorCode::InvalidBridgeResponse => "INVALID_BRIDGE_RESPONSE",
            ErrorCode::SdkError => "SDK_ERROR",
            ErrorCode::TosspayNotAuthenticated => "TOSSPAY_NOT_AUTHENTICATED",
            ErrorCode::AmountMismatch => "AMOUNT_MISMATCH",
            ErrorCode::PaymentOutcomeUnknown => "PAYMENT_OUTCOME_UNKNOWN",
            ErrorCode::PartnerUnreachable => "PARTNER_UNREACHABLE",
            ErrorCode::PartnerTimeout => "PARTNER_TIMEOUT",
            ErrorCode::PartnerRejected => "PARTNER_REJECTED",
            ErrorCode::PartnerError => "PARTNER_ERROR",
            ErrorCode::TossApiFailed => "TOSS_API_FAILED",
            ErrorCode::AlreadyInProgress => "ALREADY_IN_PROGRESS",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
        }
    }

    /// Parses a code string; `None` for codes this library does not know.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().find(|c| c.as_str() == code).cloned()
    }

    /// Whether trying again later can succeed. Decisions (a cancel, an owned item, an old app) are not retryable;
    /// transient failures are. `PAYMENT_OUTCOME_UNKNOWN` is retryable: asking again settles it.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            ErrorCode::NetworkError
                | ErrorCode::BridgeTimeout
                | ErrorCode::PartnerUnreachable
                | ErrorCode::PartnerTimeout
                | ErrorCode::PartnerError
                | ErrorCode::PaymentOutcomeUnknown
        )
    }

    /// A Korean message fit to show the person using the mini-app.
    pub fn user_message(&self) -> &'static str {
        match self {
            ErrorCode::InvalidProductId => "판매하지 않는 상품이에요.",
            ErrorCode::PaymentPending => "결제 승인을 기다리고 있어요. 잠시 후 다시 확인해 주세요.",
            ErrorCode::NetworkError => "네트워크 연결이 원활하지 않아요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::InvalidUserEnvironment => "지금 사용 중인 기기나 계정에서는 이 상품을 구매할 수 없어요.",
            ErrorCode::ItemAlreadyOwned => "이미 가지고 있는 상품이에요.",
            ErrorCode::AppMarketVerificationFailed => {
                "결제는 되었지만 앱 마켓 확인에 실패했어요. 앱 마켓에 환불을 요청해 주세요."
            }
            ErrorCode::TossServerVerificationFailed => {
                "결제는 되었지만 처리 중 문제가 생겼어요. 잠시 후 다시 확인해 주세요."
            }
            ErrorCode::InternalError => "일시적인 오류가 생겼어요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::KoreanAccountOnly => "한국 앱스토어 계정으로만 구매할 수 있어요.",
            ErrorCode::UserCanceled => "구매를 취소했어요.",
            ErrorCode::ProductNotGrantedByPartner => {
                "상품 지급에 실패했어요. 결제된 상품은 다시 접속하면 지급돼요."
            }
            ErrorCode::NotInTossApp => "토스 앱에서 열어 주세요.",
            ErrorCode::IframeNotAllowed => "이 화면에서는 결제할 수 없어요.",
            ErrorCode::UnsupportedAppVersion => "토스 앱을 최신 버전으로 업데이트해 주세요.",
            ErrorCode::BridgeTimeout => "응답이 늦어지고 있어요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::InvalidBridgeResponse => "일시적인 오류가 생겼어요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::SdkError => "일시적인 오류가 생겼어요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::TosspayNotAuthenticated => "결제를 완료하지 않았어요.",
            ErrorCode::AmountMismatch => "결제 금액이 바뀌었어요. 금액을 확인하고 다시 시도해 주세요.",
            ErrorCode::PaymentOutcomeUnknown => "결제 결과를 확인하고 있어요. 잠시 후 다시 확인해 주세요.",
            ErrorCode::PartnerUnreachable => "서버에 연결할 수 없어요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::PartnerTimeout => "서버 응답이 늦어지고 있어요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::PartnerRejected => "요청을 처리할 수 없어요.",
            ErrorCode::PartnerError => "서버에 문제가 생겼어요. 잠시 후 다시 시도해 주세요.",
            ErrorCode::TossApiFailed => "결제를 처리하지 못했어요.",
            ErrorCode::AlreadyInProgress => "이미 진행 중인 결제가 있어요.",
            ErrorCode::InvalidArgument => "요청을 처리할 수 없어요.",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure of an ait-checkout call: a code, an English message for developers, and the context that explains it.
/// Its fields are those of [`ErrorDetails`] (`error.code`, `error.message`, …), behind one pointer: every result of
/// the crate carries an `Error`, and a small one keeps the flows' futures small (about 3 KB of gzipped wasm).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", .0.code, .0.message)]
pub struct Error(pub(crate) Box<ErrorDetails>);

impl std::ops::Deref for Error {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

/// What an [`Error`] says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDetails {
    /// What went wrong, as a stable code.
    pub code: ErrorCode,
    /// English, for developers and logs. Never contains secrets.
    pub message: String,
    /// Why the user did not authenticate (`TOSSPAY_NOT_AUTHENTICATED`), when the host said.
    pub reason: Option<String>,
    /// The raw code from the SDK, the partner server or Toss, when it adds to `code`.
    pub sdk_code: Option<String>,
    /// The IAP order concerned, when known (a paid order is never forgotten by an error).
    pub order_id: Option<String>,
    /// For `UNSUPPORTED_APP_VERSION`: the minimum app versions the call needs.
    pub min_versions: Option<MinVersions>,
    /// Overrides the code's default `retryable` (e.g. a Toss `COMMON_BREAK_TIME_OF_BANK`).
    retryable_override: Option<bool>,
}

impl Error {
    /// An error with a code and an English message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorDetails {
            code,
            message: message.into(),
            reason: None,
            sdk_code: None,
            order_id: None,
            min_versions: None,
            retryable_override: None,
        }))
    }

    /// Whether trying again later can succeed.
    pub fn retryable(&self) -> bool {
        self.retryable_override.unwrap_or_else(|| self.code.retryable())
    }

    /// The Korean message for the user.
    pub fn user_message(&self) -> &'static str {
        self.code.user_message()
    }

    /// Attaches the IAP order concerned.
    pub fn with_order_id(mut self, order_id: impl Into<String>) -> Error {
        self.order_id = Some(order_id.into());
        self
    }

    /// Attaches the raw upstream code.
    pub fn with_sdk_code(mut self, code: impl Into<String>) -> Error {
        self.sdk_code = Some(code.into());
        self
    }

    /// Attaches the reason given by the host.
    pub fn with_reason(mut self, reason: Option<String>) -> Error {
        self.reason = reason;
        self
    }

    /// Overrides whether the error is retryable.
    pub fn with_retryable(mut self, retryable: bool) -> Error {
        self.retryable_override = Some(retryable);
        self
    }

    /// Maps an SDK rejection (`error.code`, `error.message`) onto a code. Known codes are kept unchanged; an
    /// unknown or missing code becomes `SDK_ERROR` with the raw code kept in `sdk_code`.
    pub fn from_sdk_rejection(code: Option<&str>, message: &str) -> Error {
        match code.and_then(ErrorCode::parse) {
            Some(known) => Error::new(known, format!("the SDK failed: {}", message)),
            None => {
                let shown = code.unwrap_or("none");
                let err = Error::new(
                    ErrorCode::SdkError,
                    format!("the SDK failed with an unknown code ({}): {}", shown, message),
                );
                match code {
                    Some(c) => err.with_sdk_code(c),
                    None => err,
                }
            }
        }
    }

    /// The host's answer could not be understood.
    pub fn invalid_response(call: &str, detail: impl fmt::Display) -> Error {
        Error::new(
            ErrorCode::InvalidBridgeResponse,
            format!("the host answered {} with a malformed reply: {}", call, detail),
        )
    }

    /// A caller's mistake.
    pub fn invalid_argument(detail: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidArgument, detail)
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    /// The package's README (js/README.md, shipped as pkg/README.md) lists every code with its Korean message and
    /// its default retryability, exactly as the code has them.
    #[test]
    fn the_package_readme_lists_every_code_as_it_is() {
        let readme = include_str!("../js/README.md");
        let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
        for code in ErrorCode::ALL {
            let row = format!(
                "| `{}` | {} | {} |",
                code.as_str(),
                if code.retryable() { "yes" } else { "no" },
                code.user_message()
            );
            assert!(rows.contains(&row.as_str()), "js/README.md lacks or misstates: {row}");
        }
        let listed = rows.iter().filter(|r| r.split('`').nth(1).is_some_and(|c| ErrorCode::parse(c).is_some())).count();
        assert_eq!(listed, ErrorCode::ALL.len(), "js/README.md lists a code twice");
    }

    #[test]
    fn every_code_round_trips_through_its_string() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code.clone()));
            // serde's name (what the .d.ts union lists) is the same string.
            assert_eq!(serde_json::to_value(&code).unwrap(), code.as_str());
            assert!(!code.user_message().is_empty());
        }
    }

    #[test]
    fn the_elevn_sdk_iap_codes_are_kept_unchanged() {
        let sdk_codes = [
            "INVALID_PRODUCT_ID",
            "PAYMENT_PENDING",
            "NETWORK_ERROR",
            "INVALID_USER_ENVIRONMENT",
            "ITEM_ALREADY_OWNED",
            "APP_MARKET_VERIFICATION_FAILED",
            "TOSS_SERVER_VERIFICATION_FAILED",
            "INTERNAL_ERROR",
            "KOREAN_ACCOUNT_ONLY",
            "USER_CANCELED",
            "PRODUCT_NOT_GRANTED_BY_PARTNER",
        ];
        for raw in sdk_codes {
            let err = Error::from_sdk_rejection(Some(raw), "boom");
            assert_eq!(err.code.as_str(), raw);
            assert_eq!(err.sdk_code, None);
        }
    }

    #[test]
    fn unknown_and_missing_sdk_codes_become_sdk_error_keeping_the_raw_code() {
        let err = Error::from_sdk_rejection(Some("SOMETHING_NEW"), "boom");
        assert_eq!(err.code, ErrorCode::SdkError);
        assert_eq!(err.sdk_code.as_deref(), Some("SOMETHING_NEW"));
        assert!(err.message.contains("boom"));
        let err = Error::from_sdk_rejection(None, "plain");
        assert_eq!(err.code, ErrorCode::SdkError);
        assert_eq!(err.sdk_code, None);
    }

    #[test]
    fn retryable_follows_the_design() {
        for code in ["NETWORK_ERROR", "BRIDGE_TIMEOUT", "PARTNER_UNREACHABLE", "PARTNER_TIMEOUT", "PARTNER_ERROR", "PAYMENT_OUTCOME_UNKNOWN"] {
            assert!(ErrorCode::parse(code).unwrap().retryable(), "{code}");
        }
        for code in ["USER_CANCELED", "ITEM_ALREADY_OWNED", "INVALID_PRODUCT_ID", "UNSUPPORTED_APP_VERSION", "ALREADY_IN_PROGRESS"] {
            assert!(!ErrorCode::parse(code).unwrap().retryable(), "{code}");
        }
        let bank = Error::new(ErrorCode::TossApiFailed, "bank closed").with_retryable(true);
        assert!(bank.retryable());
    }
}
