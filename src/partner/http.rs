//! The partner contract over `fetch`, in the browser.
//!
//! Requests are JSON with the session cookie (`credentials: 'include'`); a payment's creation carries its
//! `idempotencyKey` (also as the `Idempotency-Key` header), the same on every retry, and the other calls are
//! idempotent by `orderNo` / `orderId`. Each has the `partnerMs` deadline (the request is aborted when it passes).
//! Failures become typed errors: no answer → `PARTNER_UNREACHABLE`, deadline → `PARTNER_TIMEOUT`, an HTTP error
//! status as [`super::http_error`] says, a reply that is not the contract's JSON → `PARTNER_ERROR`.

use crate::text::Piece;
use alloc::{boxed::Box, string::{String, ToString}, vec::Vec};
use core::future::Future;

use futures_util::future::{ready, FutureExt, LocalBoxFuture};
use js_sys::{Array, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::http_error::http_error;
use super::parse;
use super::{CreatedPayment, Partner, PaymentState, Receipt, Revoked};
use crate::error::{Error, ErrorCode};
use crate::sdk::web::get;
use crate::sdk::{HistoryOrder, Referrer};
use crate::to_js::ToJs;

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    /// The fetch plumbing (headers, abort at the deadline, JSON both ways) lives in JS, where it is small.
    #[wasm_bindgen(js_name = partnerFetch)]
    fn partner_fetch(url: &str, method: &str, body: &JsValue, timeout_ms: u32) -> Promise;
    #[wasm_bindgen(js_name = newIdempotencyKey)]
    fn new_idempotency_key() -> String;
}

/// A partner server at `base_url` (absolute, or relative to the page such as `/api/ait`).
#[derive(Clone)]
pub struct HttpPartner {
    base_url: String,
    timeout_ms: u32,
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// A fresh idempotency key: random where `crypto.randomUUID` exists, else time + counter.
pub fn idempotency_key() -> String {
    new_idempotency_key()
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

    /// Sends one request (`body` undefined for none) and returns the parsed JSON of a 2xx reply. One boxed future
    /// shared by every call (wasm size).
    fn request(&self, method: &'static str, path: String, body: JsValue) -> LocalBoxFuture<'static, Result<JsValue, Error>> {
        let sent = partner_fetch(&(self.base_url.clone() + &path), method, &body, self.timeout_ms);
        let timeout_ms = self.timeout_ms;
        async move {
            let reply = match JsFuture::from(sent).await {
                Ok(reply) => reply,
                Err(e) => {
                    let message = get(&e, "message").as_string().unwrap_or_default();
                    return Err(if get(&e, "kind").as_string().as_deref() == Some("timeout") {
                        Error::new(ErrorCode::PartnerTimeout, msg!(method, " ", path, ": no answer within ", timeout_ms, " ms"))
                    } else {
                        Error::new(ErrorCode::PartnerUnreachable, msg!(method, " ", path, ": ", message))
                    });
                }
            };
            let status = get(&reply, "status").as_f64().unwrap_or(0.0) as u16;
            let invalid = get(&reply, "invalid").is_truthy();
            let json = get(&reply, "json");
            if (200..300).contains(&status) {
                if invalid {
                    return Err(Error::new(ErrorCode::PartnerError, msg!(method, " ", path, ": the reply is not JSON")));
                }
                return Ok(json);
            }
            let body = if invalid { None } else { parse::error_body(json).ok() };
            Err(http_error(method, &path, status, body))
        }
        .boxed_local()
    }
}

fn malformed(call: &str, e: impl Piece) -> Error {
    Error::new(ErrorCode::PartnerError, msg!(call, ": malformed reply: ", e))
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

// The calls are plain functions over the one boxed `request` future (no state machine of their own: wasm size).
impl Partner for HttpPartner {
    fn login(&self, authorization_code: &str, referrer: Referrer) -> impl Future<Output = Result<(), Error>> {
        let referrer = match referrer {
            Referrer::Default => "DEFAULT",
            Referrer::Sandbox => "SANDBOX",
        };
        let body = object(&[("authorizationCode", authorization_code.into()), ("referrer", referrer.into())]);
        self.request("POST", "/login".into(), body).map(|reply| reply.map(|_| ()))
    }

    fn create_payment(&self, order_json: &str, idempotency_key: &str) -> impl Future<Output = Result<CreatedPayment, Error>> {
        let sent = match JSON::parse(order_json) {
            Ok(order) => {
                let body = object(&[("order", order), ("idempotencyKey", idempotency_key.into())]);
                self.request("POST", "/tosspay/payments".into(), body)
            }
            Err(_) => Box::pin(ready(Err(Error::invalid_argument("order must be JSON")))),
        };
        sent.map(|reply| parse::created_payment(reply?).map_err(|e| malformed("POST /tosspay/payments", e)))
    }

    fn execute_payment(&self, order_no: &str) -> impl Future<Output = Result<Receipt, Error>> {
        let path = msg!("/tosspay/payments/", segment(order_no), "/execute");
        self.request("POST", path.clone(), Object::new().into())
            .map(move |reply| parse::receipt(reply?).map_err(|e| malformed(&path, e)))
    }

    fn payment_status(&self, order_no: &str) -> impl Future<Output = Result<PaymentState, Error>> {
        let path = msg!("/tosspay/payments/", segment(order_no));
        self.request("GET", path.clone(), JsValue::UNDEFINED)
            .map(move |reply| parse::payment_state(reply?).map_err(|e| malformed(&path, e)))
    }

    fn grant(&self, order_id: &str, sku: &str) -> impl Future<Output = Result<bool, Error>> {
        let body = object(&[("orderId", order_id.into()), ("sku", sku.into())]);
        self.request("POST", "/iap/grants".into(), body)
            .map(|reply| parse::grant(reply?).map_err(|e| malformed("POST /iap/grants", e)))
    }

    fn sync(&self, orders: &[HistoryOrder]) -> impl Future<Output = Result<Vec<Revoked>, Error>> {
        // Each order as `{ orderId, sku, status, date }`: the shape of its `ToJs`.
        let list: Array = orders.iter().map(|o| o.to_js()).collect();
        self.request("POST", "/iap/sync".into(), object(&[("orders", list.into())]))
            .map(|reply| parse::revoked(reply?).map_err(|e| malformed("POST /iap/sync", e)))
    }

    fn new_idempotency_key(&self) -> String {
        idempotency_key()
    }
}
