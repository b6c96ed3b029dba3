//! The `errorCode`s the sandbox answers.
//!
//! The seeds document only four codes (`INVALID_PARAMETER` in seed 000's envelope example;
//! `PAYMENT_EXISTING_PAYMENT`, `COMMON_INVALID_API_KEY`, `COMMON_BREAK_TIME_OF_BANK` in seed 001 §6) and say
//! "그 외의 에러코드" exist. Every other code below is the sandbox's own name for a case the documents imply
//! but do not name; partner code should treat them as "some other decided failure".

/// A request broke a documented rule, or is malformed (seed 000). The reason names the field and rule.
pub const INVALID_PARAMETER: &str = "INVALID_PARAMETER";
/// The `orderNo` was already used (seed 001 §6).
pub const PAYMENT_EXISTING_PAYMENT: &str = "PAYMENT_EXISTING_PAYMENT";
/// Wrong `apiKey` (seed 001 §6; used by the billing API).
pub const COMMON_INVALID_API_KEY: &str = "COMMON_INVALID_API_KEY";
/// Bank maintenance (seed 001 §6). The sandbox answers it only through a `fail` fault.
pub const COMMON_BREAK_TIME_OF_BANK: &str = "COMMON_BREAK_TIME_OF_BANK";

/// Sandbox: no payment with that `payToken`/`orderNo` for this user and `isTestPayment`.
pub const PAYMENT_NOT_FOUND: &str = "PAYMENT_NOT_FOUND";
/// Sandbox: execute before the buyer authenticated (`PAY_STANDBY`).
pub const PAYMENT_NOT_APPROVED: &str = "PAYMENT_NOT_APPROVED";
/// Sandbox: execute after the buyer canceled (`PAY_CANCEL`).
pub const PAYMENT_CANCELED: &str = "PAYMENT_CANCELED";
/// Sandbox: execute of a payment already executed.
pub const PAYMENT_ALREADY_EXECUTED: &str = "PAYMENT_ALREADY_EXECUTED";
/// Sandbox: refund of a payment that is not complete.
pub const PAYMENT_NOT_REFUNDABLE: &str = "PAYMENT_NOT_REFUNDABLE";
/// Sandbox: refund of a payment already refunded.
pub const PAYMENT_ALREADY_REFUNDED: &str = "PAYMENT_ALREADY_REFUNDED";
/// Sandbox: `orderNo` given with a `payToken` of another order.
pub const ORDER_NO_MISMATCH: &str = "ORDER_NO_MISMATCH";
/// Sandbox: unknown, used or expired authorization code.
pub const INVALID_AUTHORIZATION_CODE: &str = "INVALID_AUTHORIZATION_CODE";
/// Sandbox: unknown, revoked or expired refresh token.
pub const INVALID_REFRESH_TOKEN: &str = "INVALID_REFRESH_TOKEN";
/// Sandbox: missing, unknown, revoked or expired access token (HTTP 401).
pub const INVALID_ACCESS_TOKEN: &str = "INVALID_ACCESS_TOKEN";
/// Sandbox: `remove-by-user-key` for a user who never logged in.
pub const USER_NOT_FOUND: &str = "USER_NOT_FOUND";
/// Sandbox: unregistered `promotionCode`.
pub const PROMOTION_NOT_FOUND: &str = "PROMOTION_NOT_FOUND";
/// Sandbox: a promotion `key` that `get-key` never issued.
pub const PROMOTION_KEY_NOT_FOUND: &str = "PROMOTION_KEY_NOT_FOUND";
/// Sandbox: a promotion `key` reused with other parameters.
pub const PROMOTION_KEY_ALREADY_USED: &str = "PROMOTION_KEY_ALREADY_USED";
/// Sandbox: the promotion's budget would be exceeded.
pub const PROMOTION_BUDGET_EXCEEDED: &str = "PROMOTION_BUDGET_EXCEEDED";
/// Sandbox: `execution-result` for a key never executed (with that code, for that user).
pub const PROMOTION_EXECUTION_NOT_FOUND: &str = "PROMOTION_EXECUTION_NOT_FOUND";
/// Sandbox: unregistered `templateSetCode`.
pub const TEMPLATE_NOT_FOUND: &str = "TEMPLATE_NOT_FOUND";
/// Sandbox: unknown `billingKey`.
pub const BILLING_KEY_NOT_FOUND: &str = "BILLING_KEY_NOT_FOUND";
/// Sandbox: no endpoint at that path (HTTP 404).
pub const NOT_FOUND: &str = "NOT_FOUND";
/// Sandbox: wrong HTTP method for the path (HTTP 405).
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
/// Sandbox: the body is larger than the limit (HTTP 413).
pub const REQUEST_TOO_LARGE: &str = "REQUEST_TOO_LARGE";
/// Sandbox: an injected HTTP 5xx (with `resultType: INTERNAL_ERROR`).
pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
