//! The partner contract over `fetch`, in the browser.
//!
//! Requests are JSON with the session cookie (`credentials: 'include'`) and an `Idempotency-Key` header on every
//! POST; each has the `partnerMs` deadline (the request is aborted when it passes). Failures become typed errors:
//! no answer → `PARTNER_UNREACHABLE`, deadline → `PARTNER_TIMEOUT`, 4xx → `PARTNER_REJECTED` (the server's code in
//! `sdkCode`), 5xx → `PARTNER_ERROR`, and the contract's own codes `TOSS_API_FAILED`, `PAYMENT_OUTCOME_UNKNOWN` and
//! `ALREADY_IN_PROGRESS` keep their meaning. A reply that is not the contract's JSON is `PARTNER_ERROR`.

use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::parse::{self, PartnerErrorBody};
use super::{CreatedPayment, Partner, PaymentState, Receipt, Revoked};
use crate::error::{Error, ErrorCode};
use crate::sdk::web::{describe, get};
use crate::sdk::{HistoryOrder, OrderStatus, Referrer};

/// A partner server at `base_url` (absolute, or relative to the page such as `/api/ait`).
#[derive(Clone)]
pub struct HttpPartner {
    base_url: String,
    timeout_ms: u32,
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn global_function(name: &str) -> Option<Function> {
    get(&js_sys::global(), name).dyn_into::<Function>().ok()
}

/// A fresh idempotency key: random where `crypto.randomUUID` exists, else time + counter.
pub fn idempotency_key() -> String {
    let crypto = get(&js_sys::global(), "crypto");
    if let Ok(f) = get(&crypto, "randomUUID").dyn_into::<Function>() {
        if let Some(s) = f.call0(&crypto).ok().and_then(|v| v.as_string()) {
            return s;
        }
    }
    format!("{}-{}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e12) as u64)
}

impl HttpPartner {
    /// A client of the partner contract at `base_url`; each request gets `timeout_ms`.
    pub fn new(base_url: &str, timeout_ms: u32) -> Result<HttpPartner, Error> {
        let base_url = base_url.trim_end_matches('/').to_string();
        if base_url.is_empty() {
            return Err(Error::invalid_argument("partnerBaseUrl must not be empty"));
        }
        Ok(HttpPartner { base_url, timeout_ms })
    }

    /// Sends one request and returns the parsed JSON of a 2xx reply.
    async fn request(&self, method: &str, path: &str, body: Option<JsValue>) -> Result<JsValue, Error> {
        let url = format!("{}{}", self.base_url, path);
        let fetch = global_function("fetch").ok_or_else(|| Error::new(ErrorCode::PartnerUnreachable, "fetch is not available"))?;
        let init = Object::new();
        set(&init, "method", &JsValue::from_str(method));
        set(&init, "credentials", &JsValue::from_str("include"));
        let headers = Object::new();
        set(&headers, "accept", &JsValue::from_str("application/json"));
        if let Some(body) = body {
            set(&headers, "content-type", &JsValue::from_str("application/json"));
            set(&headers, "idempotency-key", &JsValue::from_str(&idempotency_key()));
            let text = JSON::stringify(&body).map_err(|e| Error::invalid_argument(describe(&e)))?;
            set(&init, "body", &text);
        }
        set(&init, "headers", &headers);

        // Abort the request at the deadline.
        let controller = get(&js_sys::global(), "AbortController")
            .dyn_into::<Function>()
            .ok()
            .and_then(|c| Reflect::construct(&c, &Array::new()).ok());
        if let Some(controller) = &controller {
            set(&init, "signal", &get(controller, "signal"));
            if let (Some(set_timeout), Ok(abort)) = (global_function("setTimeout"), get(controller, "abort").dyn_into::<Function>()) {
                let abort = abort.bind0(controller);
                let _ = set_timeout.call2(&JsValue::UNDEFINED, &abort, &JsValue::from(self.timeout_ms));
            }
        }

        let response = match fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(&url), &init) {
            Ok(promise) => JsFuture::from(Promise::resolve(&promise)).await,
            Err(e) => Err(e),
        };
        let response = response.map_err(|e| {
            if get(&e, "name").as_string().as_deref() == Some("AbortError") {
                Error::new(ErrorCode::PartnerTimeout, format!("{method} {path}: no answer within {} ms", self.timeout_ms))
            } else {
                Error::new(ErrorCode::PartnerUnreachable, format!("{method} {path}: {}", describe(&e)))
            }
        })?;
        let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
        let text = match get(&response, "text").dyn_into::<Function>() {
            Ok(f) => match f.call0(&response) {
                Ok(p) => JsFuture::from(Promise::resolve(&p)).await.ok().and_then(|t| t.as_string()),
                Err(_) => None,
            },
            Err(_) => None,
        }
        .unwrap_or_default();
        let json = if text.is_empty() { Ok(JsValue::UNDEFINED) } else { JSON::parse(&text) };
        if (200..300).contains(&status) {
            return json.map_err(|_| Error::new(ErrorCode::PartnerError, format!("{method} {path}: the reply is not JSON")));
        }
        let body = json.ok().and_then(|j| parse::error_body(j).ok());
        Err(http_error(method, path, status, body))
    }
}

/// Maps an HTTP error reply onto a code.
fn http_error(method: &str, path: &str, status: u16, body: Option<PartnerErrorBody>) -> Error {
    let (server_code, message, retryable, toss) = match &body {
        Some(b) => (Some(b.code.as_str()), b.message.as_str(), Some(b.retryable), b.toss_error_code.clone()),
        None => (None, "", None, None),
    };
    let describe = format!("{method} {path} answered {status} {}: {message}", server_code.unwrap_or("-"));
    let error = match server_code {
        Some("TOSS_API_FAILED") => {
            let e = Error::new(ErrorCode::TossApiFailed, describe);
            match toss {
                Some(code) => e.with_sdk_code(code),
                None => e,
            }
        }
        Some("PAYMENT_OUTCOME_UNKNOWN") => Error::new(ErrorCode::PaymentOutcomeUnknown, describe),
        Some("ALREADY_IN_PROGRESS") => Error::new(ErrorCode::AlreadyInProgress, describe),
        _ if status >= 500 => Error::new(ErrorCode::PartnerError, describe),
        _ => Error::new(ErrorCode::PartnerRejected, describe),
    };
    let error = match (server_code, error.code.clone()) {
        (Some(code), ErrorCode::PartnerRejected | ErrorCode::PartnerError) => error.with_sdk_code(code),
        _ => error,
    };
    // The server knows best whether a retry helps (e.g. a Toss COMMON_BREAK_TIME_OF_BANK).
    match retryable {
        Some(r) if error.code == ErrorCode::TossApiFailed || error.code == ErrorCode::PartnerError => error.with_retryable(r),
        _ => error,
    }
}

fn malformed(call: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::PartnerError, format!("{call}: malformed reply: {e}"))
}

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        set(&o, k, v);
    }
    o.into()
}

fn segment(s: &str) -> String {
    js_sys::encode_uri_component(s).as_string().unwrap_or_default()
}

impl Partner for HttpPartner {
    async fn login(&self, authorization_code: &str, referrer: Referrer) -> Result<(), Error> {
        let referrer = match referrer {
            Referrer::Default => "DEFAULT",
            Referrer::Sandbox => "SANDBOX",
        };
        let body = object(&[("authorizationCode", authorization_code.into()), ("referrer", referrer.into())]);
        self.request("POST", "/login", Some(body)).await.map(|_| ())
    }

    async fn create_payment(&self, order_json: &str, idempotency_key: &str) -> Result<CreatedPayment, Error> {
        let order = JSON::parse(order_json).map_err(|_| Error::invalid_argument("order must be JSON"))?;
        let body = object(&[("order", order), ("idempotencyKey", idempotency_key.into())]);
        let reply = self.request("POST", "/tosspay/payments", Some(body)).await?;
        parse::created_payment(reply).map_err(|e| malformed("POST /tosspay/payments", e))
    }

    async fn execute_payment(&self, order_no: &str) -> Result<Receipt, Error> {
        let path = format!("/tosspay/payments/{}/execute", segment(order_no));
        let reply = self.request("POST", &path, Some(Object::new().into())).await?;
        parse::receipt(reply).map_err(|e| malformed(&path, e))
    }

    async fn payment_status(&self, order_no: &str) -> Result<PaymentState, Error> {
        let path = format!("/tosspay/payments/{}", segment(order_no));
        let reply = self.request("GET", &path, None).await?;
        parse::payment_state(reply).map_err(|e| malformed(&path, e))
    }

    async fn grant(&self, order_id: &str, sku: &str) -> Result<bool, Error> {
        let body = object(&[("orderId", order_id.into()), ("sku", sku.into())]);
        let reply = self.request("POST", "/iap/grants", Some(body)).await?;
        parse::grant(reply).map_err(|e| malformed("POST /iap/grants", e))
    }

    async fn sync(&self, orders: &[HistoryOrder]) -> Result<Vec<Revoked>, Error> {
        let list = Array::new();
        for o in orders {
            let status = match o.status {
                OrderStatus::Completed => "COMPLETED",
                OrderStatus::Refunded => "REFUNDED",
            };
            list.push(&object(&[
                ("orderId", o.order_id.as_str().into()),
                ("sku", o.sku.as_str().into()),
                ("status", status.into()),
                ("date", o.date.as_str().into()),
            ]));
        }
        let reply = self.request("POST", "/iap/sync", Some(object(&[("orders", list.into())]))).await?;
        parse::revoked(reply).map_err(|e| malformed("POST /iap/sync", e))
    }

    fn new_idempotency_key(&self) -> String {
        idempotency_key()
    }
}
