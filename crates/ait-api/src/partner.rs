//! The partner contract: the HTTP API a partner server offers the page (design.md, "The partner contract";
//! `ait-partner` is the reference server, `ait-checkout` the client).
//!
//! JSON over HTTPS relative to `partnerBaseUrl`, camelCase on the wire; the session is a cookie set by
//! `POST /login`. Errors are [`ErrorBody`] (`{ "error": { "code", "message", "retryable" } }`) with a 4xx/5xx
//! status. The server never trusts an amount, a price, a `userKey` or an `orderNo` from the page: requests
//! carry only what the page legitimately knows. Money is [`Won`], an integer number of won.
//!
//! With the `tsify` feature, the types the page sees derive `tsify::Tsify` (TypeScript declarations only; the
//! browser crate moves the values with serde-wasm-bindgen). Fields holding a string enum are typed `string` in
//! TypeScript when the list is open (it has an `Other` catch-all fed by a server or Toss) and as the union of the
//! values when the page itself produces them from a closed list.

use serde::{Deserialize, Serialize};

use crate::codes::{PayMethod, PayMode, PayStatus};
use crate::envelope::ApiError;
use crate::macros::string_enum;
use crate::validate::{self, Validate, ValidationError};

pub use crate::money::Won;

/// `POST /login`.
pub const PATH_LOGIN: &str = "/login";
/// `POST /logout` (body `{}`).
pub const PATH_LOGOUT: &str = "/logout";
/// `POST /tosspay/payments` (create).
pub const PATH_PAYMENTS: &str = "/tosspay/payments";
/// `POST /iap/grants`.
pub const PATH_IAP_GRANTS: &str = "/iap/grants";
/// `POST /iap/sync`.
pub const PATH_IAP_SYNC: &str = "/iap/sync";
/// `GET /iap/entitlements`.
pub const PATH_IAP_ENTITLEMENTS: &str = "/iap/entitlements";

/// `GET /tosspay/payments/{orderNo}`.
pub fn payment_path(order_no: &str) -> String {
    format!("{PATH_PAYMENTS}/{order_no}")
}

/// `POST /tosspay/payments/{orderNo}/execute`.
pub fn execute_path(order_no: &str) -> String {
    format!("{PATH_PAYMENTS}/{order_no}/execute")
}

/// `POST /tosspay/payments/{orderNo}/refund`.
pub fn refund_path(order_no: &str) -> String {
    format!("{PATH_PAYMENTS}/{order_no}/refund")
}

/// What a `/tosspay/payments/{orderNo}[/…]` path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentAction {
    /// `GET /tosspay/payments/{orderNo}`.
    Status,
    /// `POST /tosspay/payments/{orderNo}/execute`.
    Execute,
    /// `POST /tosspay/payments/{orderNo}/refund`.
    Refund,
}

/// Splits `/tosspay/payments/{orderNo}[/execute|/refund]` (relative to the base URL) into the order number
/// and the action, for servers routing by hand. The order number is not validated here.
pub fn parse_payment_path(path: &str) -> Option<(&str, PaymentAction)> {
    let rest = path
        .split('?')
        .next()?
        .strip_prefix(PATH_PAYMENTS)?
        .strip_prefix('/')?;
    let mut parts = rest.split('/');
    let order_no = parts.next().filter(|s| !s.is_empty())?;
    let action = match parts.next() {
        None | Some("") => PaymentAction::Status,
        Some("execute") => PaymentAction::Execute,
        Some("refund") => PaymentAction::Refund,
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((order_no, action))
}

/// Longest idempotency key the contract accepts (our choice: enough for a UUID or a hash, small to store).
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 128;

/// `POST /login` body: the result of the SDK's `appLogin()`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct LoginRequest {
    /// Authorization code from `appLogin()`.
    pub authorization_code: String,
    /// Referrer from `appLogin()`.
    pub referrer: String,
}

impl Validate for LoginRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("authorizationCode", &self.authorization_code)?;
        validate::not_blank("referrer", &self.referrer)
    }
}

/// `POST /login` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct LoginResponse {
    /// Always true on success (the session cookie is set).
    pub logged_in: bool,
}

/// `POST /logout` body: `{}` (unknown fields are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LogoutRequest {}

impl Validate for LogoutRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}

/// `POST /logout` reply: the session is ended and its cookie cleared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct LogoutResponse {
    /// Always true (also when there was no session to end).
    pub logged_out: bool,
}

/// A default shape for the `order` of [`CreatePaymentRequest`]: SKUs and quantities, which the server prices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartOrder {
    /// The lines of the order.
    pub items: Vec<CartItem>,
}

/// One line of a [`CartOrder`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartItem {
    /// The partner's product id.
    pub sku: String,
    /// How many.
    pub quantity: u32,
}

impl Validate for CartOrder {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.items.is_empty() {
            return Err(ValidationError::new(
                "order.items",
                validate::Rule::Required,
                "the order has no items",
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            validate::not_blank(&format!("order.items[{i}].sku"), &item.sku)?;
            if item.quantity == 0 {
                return Err(ValidationError::new(
                    format!("order.items[{i}].quantity"),
                    validate::Rule::Range {
                        min: 1,
                        max: u32::MAX as i64,
                    },
                    "quantity must be at least 1",
                ));
            }
        }
        Ok(())
    }
}

/// `POST /tosspay/payments` body: the page says *what* it wants; the server prices it, makes the `orderNo`
/// and calls make-payment. `O` is the partner's order shape ([`CartOrder`] by default).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentRequest<O = CartOrder> {
    /// What to buy, in the partner's terms.
    pub order: O,
    /// Same key → same payment: a retried create returns the first payment instead of a second one.
    pub idempotency_key: String,
}

impl<O: Validate> Validate for CreatePaymentRequest<O> {
    fn validate(&self) -> Result<(), ValidationError> {
        self.order.validate()?;
        validate::not_blank("idempotencyKey", &self.idempotency_key)?;
        validate::max_chars(
            "idempotencyKey",
            &self.idempotency_key,
            IDEMPOTENCY_KEY_MAX_LEN,
        )
    }
}

/// `POST /tosspay/payments` reply: what the page needs for `checkoutPayment` and to show the amount.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct CreatePaymentResponse {
    /// The server-made order number.
    pub order_no: String,
    /// Token for `checkoutPayment`.
    pub pay_token: String,
    /// The amount the server priced (the page compares it with its `expectedAmount`).
    pub amount: Won,
    /// The description sent to Toss.
    pub product_desc: String,
}

/// `POST /tosspay/payments/{orderNo}/execute` body: empty (`{}`); everything is on the server.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExecuteRequest {}

impl Validate for ExecuteRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}

/// A completed payment, returned by execute and by status once paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct PaymentReceipt {
    /// Order number.
    pub order_no: String,
    /// Payment token.
    pub pay_token: String,
    /// Total amount.
    pub amount: Won,
    /// Amount charged to the payment method (after discounts).
    pub paid_amount: Won,
    /// `TOSS_MONEY` or `CARD` (an open list: Toss may add methods).
    #[cfg_attr(feature = "tsify", tsify(type = "string"))]
    pub pay_method: PayMethod,
    /// Toss transaction id.
    pub transaction_id: String,
    /// Approval time, `yyyy-MM-dd HH:mm:ss` (Toss's format).
    pub approval_time: String,
    /// Discount (instant discount, points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub discounted_amount: Option<Won>,
    /// `LIVE` or `TEST` (relayed from Toss as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "string"))]
    pub mode: Option<PayMode>,
    /// Card company name (CARD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub card_company_name: Option<String>,
    /// Last card digits (CARD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub card_num4_print: Option<String>,
    /// Sales slip URL (CARD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub sales_check_link_url: Option<String>,
    /// Bank name (TOSS_MONEY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub account_bank_name: Option<String>,
    /// Masked account number (TOSS_MONEY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub account_number: Option<String>,
}

/// `GET /tosspay/payments/{orderNo}` reply: the Toss status after reconciliation, with the receipt once paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct PaymentStatusReply {
    /// Toss's status of the payment (an open list: Toss may add statuses).
    #[cfg_attr(feature = "tsify", tsify(type = "string"))]
    pub status: PayStatus,
    /// The receipt, when the payment completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub receipt: Option<PaymentReceipt>,
}

/// `POST /tosspay/payments/{orderNo}/refund` body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    /// Refund reason, forwarded to refund-payment (same rule: [`validate::refund_reason`]).
    pub reason: String,
}

impl Validate for RefundRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::refund_reason("reason", &self.reason)
    }
}

/// `POST /tosspay/payments/{orderNo}/refund` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct RefundReceipt {
    /// Order number.
    pub order_no: String,
    /// Payment token.
    pub pay_token: String,
    /// Toss's refund number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub refund_no: Option<String>,
    /// Amount refunded by this call.
    pub refunded_amount: Won,
    /// What can still be refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub refundable_amount: Option<Won>,
    /// Refund time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub approval_time: Option<String>,
    /// Transaction id of the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub transaction_id: Option<String>,
}

/// `POST /iap/grants` body: grant the item of a paid IAP order (from `processProductGrant` or a restore).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct GrantRequest {
    /// IAP order id (the server checks it with get-order-status).
    pub order_id: String,
    /// Product id the page believes was bought (the server trusts Toss's `sku`, not this).
    pub sku: String,
}

impl Validate for GrantRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("orderId", &self.order_id)?;
        validate::not_blank("sku", &self.sku)
    }
}

/// `POST /iap/grants` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct GrantResponse {
    /// True when the item is granted (now or by an earlier call for the same `orderId`).
    pub granted: bool,
}

string_enum! {
    /// Status of an order in the SDK's `getCompletedOrRefundedOrders` history, as sent to `/iap/sync`.
    pub enum HistoryOrderStatus {
        /// Paid and granted.
        Completed = "COMPLETED",
        /// Refunded: its grant must be revoked.
        Refunded = "REFUNDED",
    }
}

/// One order of the SDK history, as sent to `/iap/sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct HistoryOrder {
    /// IAP order id.
    pub order_id: String,
    /// Product id.
    pub sku: String,
    /// Status per the SDK.
    #[cfg_attr(feature = "tsify", tsify(type = "\"COMPLETED\" | \"REFUNDED\""))]
    pub status: HistoryOrderStatus,
    /// Date per the SDK (kept as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub date: Option<String>,
}

/// `POST /iap/sync` body: the page's order history, so the server revokes grants of refunded orders
/// (after checking each with get-order-status; the page's word alone revokes nothing).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct SyncRequest {
    /// Orders from `getCompletedOrRefundedOrders`.
    pub orders: Vec<HistoryOrder>,
}

impl Validate for SyncRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        for (i, o) in self.orders.iter().enumerate() {
            validate::not_blank(&format!("orders[{i}].orderId"), &o.order_id)?;
            validate::not_blank(&format!("orders[{i}].sku"), &o.sku)?;
        }
        Ok(())
    }
}

/// A grant the server revoked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct RevokedGrant {
    /// IAP order id.
    pub order_id: String,
    /// Product id.
    pub sku: String,
}

/// `POST /iap/sync` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct SyncResponse {
    /// Grants revoked by this call.
    pub revoked: Vec<RevokedGrant>,
}

/// One thing the user owns, in the `GET /iap/entitlements` reply (a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Entitlement {
    /// Product id.
    pub sku: String,
    /// The IAP order that granted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub order_id: Option<String>,
    /// When it was granted (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub granted_at: Option<String>,
    /// True while the grant is provisional: it was made while Toss reported the order `ORDER_IN_PROGRESS`
    /// (`get-order-status` cannot tell "charged, grant pending" from "not charged yet"). The server confirms it
    /// once Toss reports the order completed, or revokes it if the order fails or is refunded.
    #[serde(default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub provisional: bool,
}

/// `GET /iap/entitlements` reply.
pub type EntitlementsResponse = Vec<Entitlement>;

string_enum! {
    /// `error.code` values the reference server uses; a partner may add its own (kept as `Other`).
    /// The client maps them onto its `CheckoutError` codes.
    pub enum PartnerErrorCode {
        /// 400: the request broke a rule (see `message`).
        InvalidArgument = "INVALID_ARGUMENT",
        /// 401: no session; call `/login` first.
        Unauthenticated = "UNAUTHENTICATED",
        /// 404: unknown order or payment.
        NotFound = "NOT_FOUND",
        /// 409: the same payment or grant is already running.
        AlreadyInProgress = "ALREADY_IN_PROGRESS",
        /// 409: the payment is not in a state that allows the call (e.g. refund before execute).
        InvalidState = "INVALID_STATE",
        /// 502: Toss answered `FAIL`; `toss` holds its `errorCode` and `reason`.
        TossApiFailed = "TOSS_API_FAILED",
        /// 504: the outcome at Toss is unknown (money may have moved); ask for the status later.
        PaymentOutcomeUnknown = "PAYMENT_OUTCOME_UNKNOWN",
        /// 502/503: Toss could not be reached.
        TossUnreachable = "TOSS_UNREACHABLE",
        /// 500: a bug or a storage failure on the partner server.
        Internal = "INTERNAL",
        /// 403: a state-changing request from an origin the server does not allow (or `Sec-Fetch-Site:
        /// cross-site`).
        ForbiddenOrigin = "FORBIDDEN_ORIGIN",
        /// 415: a state-changing request whose body is not declared `application/json`.
        UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
        /// 429 (retryable): too many requests; the reply's `Retry-After` says when to try again.
        RateLimited = "RATE_LIMITED",
        /// 403: this server does not let the page refund (a configuration choice, off by default).
        RefundsDisabled = "REFUNDS_DISABLED",
        /// 405: the path exists, the method does not.
        MethodNotAllowed = "METHOD_NOT_ALLOWED",
        /// 413: the body is over the server's size limit.
        PayloadTooLarge = "PAYLOAD_TOO_LARGE",
    }
}

/// The body of every partner error reply: `{ "error": { "code", "message", "retryable" } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct ErrorBody {
    /// The error.
    pub error: PartnerError,
}

/// The `error` of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{code}: {message}")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct PartnerError {
    /// Machine-readable code (an open list: a partner may add its own).
    #[cfg_attr(feature = "tsify", tsify(type = "string"))]
    pub code: PartnerErrorCode,
    /// English, for developers.
    pub message: String,
    /// True when repeating the same request later may succeed.
    pub retryable: bool,
    /// The Toss `error` relayed with `TOSS_API_FAILED` (an extension of the contract; optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub toss: Option<ApiError>,
}

impl PartnerError {
    /// Builds an error without a relayed Toss error.
    pub fn new(
        code: impl Into<PartnerErrorCode>,
        message: impl Into<String>,
        retryable: bool,
    ) -> Self {
        PartnerError {
            code: code.into(),
            message: message.into(),
            retryable,
            toss: None,
        }
    }

    /// `INVALID_ARGUMENT` from a [`ValidationError`].
    pub fn invalid_argument(e: &ValidationError) -> Self {
        PartnerError::new(PartnerErrorCode::InvalidArgument, e.to_string(), false)
    }

    /// `TOSS_API_FAILED` relaying a Toss `FAIL` (retryable only for bank maintenance).
    pub fn toss_failed(toss: ApiError) -> Self {
        PartnerError {
            code: PartnerErrorCode::TossApiFailed,
            message: format!("Toss API failed: {}", toss.error_code),
            retryable: toss.error_code.is_retryable(),
            toss: Some(toss),
        }
    }

    /// Wraps it in the reply body.
    pub fn into_body(self) -> ErrorBody {
        ErrorBody { error: self }
    }
}

impl From<PartnerError> for ErrorBody {
    fn from(error: PartnerError) -> Self {
        ErrorBody { error }
    }
}
