//! The client of Toss's partner APIs: HTTPS with the mTLS client certificate, one typed method per endpoint
//! the contract needs, replies unwrapped from the common envelope.
//!
//! Failures are split by what they say about the outcome ([`TossError::outcome_known`]): a `FAIL` envelope
//! or a refused connection means nothing happened at Toss; a timeout, a lost reply, a 5xx or another
//! `resultType` leaves it unknown, so money-moving calls reconcile with `get-payment-status`.
//!
//! Logs name the endpoint and the outcome only: no bodies, tokens, codes or user keys.
//!
//! A [`TossError`]'s `Display` is a fixed text per kind (it ends up in messages to the page); the transport's own
//! words ("Connection refused (os error 111)", TLS alerts, …) are kept for the logs in [`TossError::detail`].

use std::path::Path;
use std::time::Duration;

use ait_api::iap::{GetOrderStatusRequest, OrderStatusResponse};
use ait_api::login::{GenerateTokenRequest, LoginMeResponse, RefreshTokenRequest, TokenResponse};
use ait_api::paths::{self, Endpoint, Host};
use ait_api::tosspay::{
    ExecutePaymentRequest, ExecutePaymentResponse, GetPaymentStatusRequest, MakePaymentRequest,
    MakePaymentResponse, PaymentStatusResponse, RefundPaymentRequest, RefundPaymentResponse,
};
use ait_api::{ApiError, Envelope, EnvelopeError, ResultType, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::TossConfig;

/// Why a Toss call did not give its `success` payload.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TossError {
    /// `resultType: FAIL`: Toss decided; nothing changed.
    #[error("Toss answered FAIL {} (HTTP {status})", error.error_code)]
    Fail {
        /// HTTP status.
        status: u16,
        /// The `error`.
        error: ApiError,
    },
    /// Another `resultType` (`HTTP_TIMEOUT`, `INTERNAL_ERROR`, …): the outcome is unknown.
    #[error("Toss answered resultType {result_type} (HTTP {status})")]
    Unsettled {
        /// HTTP status.
        status: u16,
        /// What Toss said.
        result_type: ResultType,
    },
    /// An HTTP error without a readable envelope (a 5xx from a gateway, …): the outcome is unknown.
    #[error("Toss answered HTTP {status} without its envelope")]
    Http {
        /// HTTP status.
        status: u16,
    },
    /// No reply within the deadline: the outcome is unknown.
    #[error("Toss did not answer in time")]
    Timeout,
    /// Could not connect (the request was not sent): nothing happened at Toss. The text is the transport's
    /// detail, for logs only.
    #[error("cannot connect to Toss")]
    Connect(String),
    /// The connection failed after the request may have been sent (a lost reply): the outcome is unknown. The
    /// text is the transport's detail, for logs only.
    #[error("the connection to Toss was lost")]
    Lost(String),
    /// The reply was not the expected JSON. The text is the detail, for logs only.
    #[error("Toss's reply was unreadable")]
    Decode(String),
    /// Our own request broke a rule of `ait_api::validate` (a bug or a bad catalog); it was not sent. The text
    /// is the rule, for logs only.
    #[error("the request to Toss breaks a rule and was not sent")]
    Invalid(String),
}

impl TossError {
    /// True when Toss certainly did not act on the request (a `FAIL`, no connection, not sent).
    pub fn outcome_known(&self) -> bool {
        matches!(
            self,
            TossError::Fail { .. } | TossError::Connect(_) | TossError::Invalid(_)
        )
    }

    /// The whole story for the logs: the fixed text plus the transport's or parser's detail (never a body, a
    /// token or a user key). Not for replies to the page.
    pub fn detail(&self) -> String {
        match self {
            TossError::Connect(d)
            | TossError::Lost(d)
            | TossError::Decode(d)
            | TossError::Invalid(d) => format!("{self}: {d}"),
            other => other.to_string(),
        }
    }

    /// The Toss error code of a `FAIL`.
    pub fn fail_code(&self) -> Option<&str> {
        match self {
            TossError::Fail { error, .. } => Some(error.error_code.as_str()),
            _ => None,
        }
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TossClientError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS material or settings were refused.
    #[error("TLS setup: {0}")]
    Tls(String),
    /// The certificate or key is missing from the configuration.
    #[error("toss.client_cert and toss.client_key are required")]
    MissingIdentity,
}

/// The Toss API client (cheap to clone).
#[derive(Clone)]
pub struct TossClient {
    http: reqwest::Client,
    api_base: String,
    pay_base: String,
    billing_base: String,
}

impl TossClient {
    /// Builds the client from the configured PEM files.
    pub fn from_config(config: &TossConfig) -> Result<Self, TossClientError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| TossClientError::Read {
                path: p.display().to_string(),
                source,
            })
        };
        let (Some(cert), Some(key)) = (&config.client_cert, &config.client_key) else {
            return Err(TossClientError::MissingIdentity);
        };
        let cert = read(cert)?;
        let key = read(key)?;
        let ca = config.ca_cert.as_deref().map(read).transpose()?;
        Self::from_pem(config, &cert, &key, ca.as_deref())
    }

    /// Builds the client from PEM texts (client certificate chain, its key, an optional extra CA).
    pub fn from_pem(
        config: &TossConfig,
        cert_pem: &[u8],
        key_pem: &[u8],
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, TossClientError> {
        let tls = |e: reqwest::Error| TossClientError::Tls(e.to_string());
        let mut identity = key_pem.to_vec();
        identity.push(b'\n');
        identity.extend_from_slice(cert_pem);
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .identity(reqwest::Identity::from_pem(&identity).map_err(tls)?)
            .timeout(Duration::from_millis(config.timeout_ms.max(1)))
            .connect_timeout(Duration::from_millis(config.connect_timeout_ms.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ait-partner/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(ca).map_err(tls)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(TossClient {
            http: builder.build().map_err(tls)?,
            api_base: trim_base(&config.api_base_url),
            pay_base: trim_base(&config.pay_base_url),
            billing_base: trim_base(&config.billing_base_url),
        })
    }

    fn url(&self, ep: &Endpoint) -> String {
        let base = match ep.host {
            Host::Api => &self.api_base,
            Host::Pay => &self.pay_base,
            Host::Billing => &self.billing_base,
        };
        format!("{base}{}", ep.path)
    }

    async fn call<Req, Res>(
        &self,
        ep: &Endpoint,
        user_key: Option<i64>,
        bearer: Option<&str>,
        body: Option<&Req>,
    ) -> Result<Res, TossError>
    where
        Req: Serialize + Validate,
        Res: DeserializeOwned,
    {
        if let Some(b) = body {
            b.validate()
                .map_err(|e| TossError::Invalid(e.to_string()))?;
        }
        let mut req = match ep.method {
            paths::Method::Get => self.http.get(self.url(ep)),
            paths::Method::Post => self.http.post(self.url(ep)),
        };
        req = req.header(reqwest::header::ACCEPT, paths::CONTENT_TYPE_JSON);
        if let Some(uk) = user_key {
            req = req.header(paths::HEADER_TOSS_USER_KEY, uk.to_string());
        }
        if let Some(token) = bearer {
            req = req.header(
                paths::HEADER_AUTHORIZATION,
                format!("{}{token}", paths::BEARER_PREFIX),
            );
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let result = self.send::<Res>(req).await;
        match &result {
            Ok(_) => tracing::debug!(endpoint = ep.name, "toss call succeeded"),
            Err(e) => tracing::warn!(endpoint = ep.name, "toss call failed: {}", e.detail()),
        }
        result
    }

    async fn send<Res: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<Res, TossError> {
        let resp = req.send().await.map_err(transport_error)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(transport_error)?;
        let envelope: Envelope<Res> = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            Err(_) if status >= 500 || status == 408 || status == 429 => {
                return Err(TossError::Http { status })
            }
            Err(e) => {
                return Err(TossError::Decode(format!(
                    "HTTP {status}: {}",
                    json_error(&e)
                )))
            }
        };
        match envelope.into_result() {
            Ok(v) => Ok(v),
            Err(EnvelopeError::Fail(error)) => Err(TossError::Fail { status, error }),
            Err(EnvelopeError::Unsettled { result_type, .. }) => Err(TossError::Unsettled {
                status,
                result_type,
            }),
            Err(EnvelopeError::MissingSuccess) => Err(TossError::Decode(
                "resultType SUCCESS without a success payload".into(),
            )),
        }
    }

    // ------------------------------------------------------------------ login

    /// `generate-token`: the authorization code from `appLogin()` → tokens.
    pub async fn generate_token(
        &self,
        code: &str,
        referrer: &str,
    ) -> Result<TokenResponse, TossError> {
        let body = GenerateTokenRequest {
            authorization_code: code.into(),
            referrer: referrer.into(),
        };
        self.call(&paths::GENERATE_TOKEN, None, None, Some(&body))
            .await
    }

    /// `refresh-token`: a refresh token → new tokens.
    pub async fn refresh_token(&self, refresh_token: &str) -> Result<TokenResponse, TossError> {
        let body = RefreshTokenRequest {
            refresh_token: refresh_token.into(),
        };
        self.call(&paths::REFRESH_TOKEN, None, None, Some(&body))
            .await
    }

    /// `login-me`: the bearer's `userKey`.
    pub async fn login_me(&self, access_token: &str) -> Result<LoginMeResponse, TossError> {
        self.call::<NoBody, _>(&paths::LOGIN_ME, None, Some(access_token), None)
            .await
    }

    // ------------------------------------------------------------------ TossPay

    /// `make-payment` → `payToken`.
    pub async fn make_payment(
        &self,
        user_key: i64,
        body: MakePaymentRequest,
    ) -> Result<MakePaymentResponse, TossError> {
        self.call(&paths::MAKE_PAYMENT, Some(user_key), None, Some(&body))
            .await
    }

    /// `execute-payment`: money moves.
    pub async fn execute_payment(
        &self,
        user_key: i64,
        pay_token: &str,
        order_no: &str,
        is_test_payment: bool,
    ) -> Result<ExecutePaymentResponse, TossError> {
        let body = ExecutePaymentRequest {
            pay_token: pay_token.into(),
            order_no: Some(order_no.into()),
            is_test_payment,
        };
        self.call(&paths::EXECUTE_PAYMENT, Some(user_key), None, Some(&body))
            .await
    }

    /// `refund-payment` (the whole amount).
    pub async fn refund_payment(
        &self,
        user_key: i64,
        pay_token: &str,
        reason: &str,
        is_test_payment: bool,
    ) -> Result<RefundPaymentResponse, TossError> {
        let body = RefundPaymentRequest {
            pay_token: pay_token.into(),
            reason: Some(reason.into()),
            is_test_payment,
        };
        self.call(&paths::REFUND_PAYMENT, Some(user_key), None, Some(&body))
            .await
    }

    /// `get-payment-status`, by payToken when known, else by orderNo.
    pub async fn payment_status(
        &self,
        user_key: i64,
        pay_token: Option<&str>,
        order_no: &str,
        is_test_payment: bool,
    ) -> Result<PaymentStatusResponse, TossError> {
        let body = GetPaymentStatusRequest {
            pay_token: pay_token.map(String::from),
            order_no: Some(order_no.into()),
            is_test_payment,
        };
        self.call(
            &paths::GET_PAYMENT_STATUS,
            Some(user_key),
            None,
            Some(&body),
        )
        .await
    }

    // ------------------------------------------------------------------ IAP

    /// `order/get-order-status`.
    pub async fn order_status(
        &self,
        user_key: i64,
        order_id: &str,
    ) -> Result<OrderStatusResponse, TossError> {
        let body = GetOrderStatusRequest {
            order_id: order_id.into(),
        };
        self.call(&paths::GET_ORDER_STATUS, Some(user_key), None, Some(&body))
            .await
    }
}

/// The absent body of a GET.
#[derive(Serialize)]
struct NoBody;

impl Validate for NoBody {
    fn validate(&self) -> Result<(), ait_api::ValidationError> {
        Ok(())
    }
}

/// A JSON error without the offending value (serde quotes it, and it may be a token or a user key).
fn json_error(e: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {} column {}",
        e.classify(),
        e.line(),
        e.column()
    )
}

fn trim_base(s: &str) -> String {
    s.trim().trim_end_matches('/').to_string()
}

fn transport_error(e: reqwest::Error) -> TossError {
    if e.is_timeout() {
        TossError::Timeout
    } else if e.is_connect() {
        TossError::Connect(error_chain(&e))
    } else if e.is_decode() {
        TossError::Decode(error_chain(&e))
    } else {
        TossError::Lost(error_chain(&e))
    }
}

/// The error and its sources, without the URL (which is ours anyway, but keep logs short).
fn error_chain(e: &reqwest::Error) -> String {
    let mut s = e.without_url_ref().to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        match self.url() {
            Some(url) => self.to_string().replace(&format!(" ({url})"), ""),
            None => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_display_is_fixed_per_kind_and_the_detail_is_for_logs() {
        let cases = [
            TossError::Connect(
                "error trying to connect: tcp connect error: Connection refused (os error 111)"
                    .into(),
            ),
            TossError::Lost("peer closed connection without sending TLS close_notify".into()),
            TossError::Decode("Syntax error at line 1 column 2".into()),
            TossError::Invalid("orderNo: too long".into()),
        ];
        for e in cases {
            let (shown, detail) = (e.to_string(), e.detail());
            for leak in [
                "os error",
                "Connection refused",
                "close_notify",
                "line 1",
                "orderNo",
            ] {
                assert!(!shown.contains(leak), "{shown}");
            }
            assert!(
                detail.starts_with(&shown) && detail.len() > shown.len(),
                "{detail}"
            );
        }
        assert_eq!(TossError::Timeout.detail(), TossError::Timeout.to_string());
    }
}
