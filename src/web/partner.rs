//! [`HttpPartner`]: the partner contract (`ait_api::partner`) over gloo-net, in the browser.
//!
//! Requests are JSON with the session cookie (`credentials: 'include'`); their bodies are the contract's types
//! written by [`encode`], replies are read by [`decode`], both with serde-wasm-bindgen (serde_json never reaches the
//! wasm). A payment's creation carries its `idempotencyKey` also as the `Idempotency-Key` header, the same on every
//! retry; the other calls are idempotent by `orderNo` / `orderId`. Each request has the `partnerMs` deadline and is
//! aborted when it passes (or when its future is dropped).
//!
//! Failures become typed errors: no answer → `PARTNER_UNREACHABLE`; the deadline → `PARTNER_TIMEOUT`; an HTTP error
//! status as [`crate::partner::errors::http_error`] says, with the contract's error body when it is one; a 2xx reply
//! that is not JSON, or not the contract's shape → `PARTNER_ERROR` naming the call and the field.

use std::pin::pin;

use ait_api::partner::{
    execute_path, payment_path, ErrorBody, ExecuteRequest, LoginResponse, LogoutRequest, LogoutResponse, PATH_IAP_ENTITLEMENTS,
    PATH_IAP_GRANTS, PATH_IAP_SYNC, PATH_LOGIN, PATH_LOGOUT, PATH_PAYMENTS,
};
use futures::future::{select, Either};
use gloo_net::http::{Headers, Method, RequestBuilder};
use gloo_timers::future::TimeoutFuture;
use js_sys::JSON;
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCredentials};

use super::describe;
use crate::error::{Error, ErrorCode};
use crate::partner::errors::http_error;
use crate::partner::{
    CreatePaymentRequest, CreatePaymentResponse, EntitlementsResponse, GrantRequest, GrantResponse, LoginRequest,
    PageOrder, Partner, PaymentReceipt, PaymentStatusReply, SyncRequest, SyncResponse,
};
use crate::sdk::decode_reply;

/// The body of a request: the contract's type as JSON text (`JSON.stringify` of its serde-wasm-bindgen value, `None`
/// as `null` and integers as numbers, as serde_json writes it). `INVALID_ARGUMENT` for a value JSON cannot hold.
pub fn encode<T: Serialize>(request: &T) -> Result<String, Error> {
    let value = request
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::invalid_argument(format!("the request cannot be encoded: {e}")))?;
    JSON::stringify(&value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| Error::invalid_argument("the request cannot be written as JSON"))
}

/// A reply: the parsed JSON of a response, read into the contract's type with serde (unknown keys ignored, absent
/// optional ones absent). The message names the field that broke the shape.
pub fn decode<T: DeserializeOwned>(reply: JsValue) -> Result<T, String> {
    decode_reply(serde_wasm_bindgen::Deserializer::from(reply))
}

/// The caller's order for `POST /tosspay/payments`: the page's own JS value, sent untouched (only the server prices
/// it). Its identity (two equal orders cannot be paid at once) is its JSON text.
#[derive(Clone, Debug)]
pub struct JsOrder {
    value: JsValue,
    json: String,
}

impl JsOrder {
    /// Keeps `value`; `INVALID_ARGUMENT` when it has no JSON (`undefined`, a function, a cycle, a BigInt).
    pub fn new(value: JsValue) -> Result<JsOrder, Error> {
        let json = JSON::stringify(&value).ok().and_then(|text| text.as_string()).ok_or_else(|| {
            Error::invalid_argument(format!("order must be a JSON value such as {{ items: [...] }}, not {}", describe(&value)))
        })?;
        Ok(JsOrder { value, json })
    }

    /// The order as JSON text.
    pub fn json(&self) -> &str {
        &self.json
    }
}

impl PartialEq for JsOrder {
    fn eq(&self, other: &JsOrder) -> bool {
        self.json == other.json
    }
}

impl Serialize for JsOrder {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.value, serializer)
    }
}

impl PageOrder for JsOrder {
    fn identity(&self) -> String {
        self.json.clone()
    }
}

#[wasm_bindgen]
extern "C" {
    /// `crypto.randomUUID()`, which insecure contexts lack (web-sys' binding would throw through the wasm there).
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = randomUUID)]
    fn random_uuid() -> Result<JsValue, JsValue>;
}

/// A fresh idempotency key: `crypto.randomUUID()`; where it is missing (an insecure context, an old browser) a
/// version-4 UUID from `crypto.getRandomValues`, else from the clock and `Math.random`.
pub fn idempotency_key() -> String {
    if let Some(uuid) = random_uuid().ok().and_then(|u| u.as_string()) {
        return uuid;
    }
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    let mut bytes = [0u8; 16];
    let random = crypto.is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !random {
        let now = js_sys::Date::now() as u64;
        for (i, byte) in bytes.iter_mut().enumerate() {
            let noise = (js_sys::Math::random() * 256.0) as u64;
            *byte = ((now >> ((i % 8) * 8)) as u8) ^ (noise as u8);
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Aborts its request when dropped before it [`finished`](AbortOnDrop::finished): at the deadline, or when the
/// caller gives up.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    /// The request was answered and its body read: nothing is left to abort (aborting anyway costs about 50 µs of
    /// the page's time per request: the signal's event and the fetch's cleanup).
    fn finished(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

/// An order number as one path segment (percent-encoded). `.` and `..` would be read as a path step, so they are
/// refused, like an empty one.
fn segment(order_no: &str) -> Result<String, Error> {
    if order_no.is_empty() || order_no == "." || order_no == ".." {
        return Err(Error::invalid_argument(format!("\"{order_no}\" is not an order number")));
    }
    Ok(String::from(js_sys::encode_uri_component(order_no)))
}

/// A partner server at `base_url` (absolute, or relative to the page such as `/api/ait`).
#[derive(Clone, Debug)]
pub struct HttpPartner {
    base_url: String,
    timeout_ms: u32,
}

impl HttpPartner {
    /// A client of the partner contract at `base_url`; each request gets `timeout_ms`.
    pub fn new(base_url: &str, timeout_ms: u32) -> Result<HttpPartner, Error> {
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        if base_url.is_empty() {
            return Err(Error::invalid_argument("partnerBaseUrl must not be empty"));
        }
        // Building a request resolves the URL against the page, as sending will.
        if let Err(e) = RequestBuilder::new(&format!("{base_url}{PATH_LOGIN}")).build() {
            return Err(Error::invalid_argument(format!("partnerBaseUrl \"{base_url}\" is not a URL: {e}")));
        }
        if timeout_ms == 0 {
            return Err(Error::invalid_argument("the partner deadline must be a positive number of milliseconds"));
        }
        Ok(HttpPartner { base_url, timeout_ms })
    }

    /// Sends one request and returns the parsed JSON of a 2xx reply.
    async fn send(&self, method: Method, path: &str, body: Option<String>, idempotency_key: Option<&str>) -> Result<JsValue, Error> {
        let call = format!("{} {}", method.as_str(), path);
        let headers = web_sys::Headers::new().map_err(|e| Error::new(ErrorCode::PartnerUnreachable, format!("{call}: {}", describe(&e))))?;
        let set = |name: &str, value: &str| {
            headers.append(name, value).map_err(|e| Error::invalid_argument(format!("{call}: the {name} header cannot be \"{value}\": {}", describe(&e))))
        };
        set("accept", "application/json")?;
        if body.is_some() {
            set("content-type", "application/json")?;
        }
        if let Some(key) = idempotency_key {
            set("idempotency-key", key)?;
        }
        // Without AbortController (very old browsers) the deadline still holds; the request just runs on.
        let abort = AbortController::new().ok().map(|controller| AbortOnDrop(Some(controller)));
        let signal = abort.as_ref().and_then(|a| a.0.as_ref()).map(|controller| controller.signal());
        let builder = RequestBuilder::new(&format!("{}{}", self.base_url, path))
            .method(method.clone())
            .credentials(RequestCredentials::Include)
            .headers(Headers::from_raw(headers))
            .abort_signal(signal.as_ref());
        let request = match body {
            Some(body) => builder.body(body),
            None => builder.build(),
        }
        .map_err(|e| Error::new(ErrorCode::PartnerUnreachable, format!("{call}: the request cannot be made: {e}")))?;

        let exchange = async {
            let response = request
                .send()
                .await
                .map_err(|e| Error::new(ErrorCode::PartnerUnreachable, format!("{call}: {e}")))?;
            let status = response.status();
            let raw: web_sys::Response = response.into();
            let json = match raw.json() {
                Ok(promise) => JsFuture::from(promise).await,
                Err(e) => Err(e),
            };
            Ok::<_, Error>((status, json))
        };
        let (status, json) = match select(pin!(exchange), pin!(TimeoutFuture::new(self.timeout_ms.min(i32::MAX as u32)))).await {
            Either::Left((outcome, _)) => {
                if let Some(abort) = abort {
                    abort.finished();
                }
                outcome?
            }
            Either::Right(_) => {
                return Err(Error::new(ErrorCode::PartnerTimeout, format!("{call}: no answer within {} ms", self.timeout_ms)))
            }
        };
        if (200..300).contains(&status) {
            return json.map_err(|e| match e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.name())).as_deref() {
                // The body arrived and is not JSON; anything else means it did not arrive whole.
                Some("SyntaxError") => Error::new(ErrorCode::PartnerError, format!("{call}: the reply is not JSON ({})", describe(&e))),
                _ => Error::new(ErrorCode::PartnerUnreachable, format!("{call}: the reply could not be read: {}", describe(&e))),
            });
        }
        let body = json.ok().and_then(|json| decode::<ErrorBody>(json).ok()).map(|b| b.error);
        Err(http_error(method.as_str(), path, status, body))
    }

    /// Sends one request and reads its 2xx reply as `T`.
    async fn exchange<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        idempotency_key: Option<&str>,
    ) -> Result<T, Error> {
        let reply = self.send(method.clone(), path, body, idempotency_key).await?;
        decode(reply).map_err(|e| {
            Error::new(ErrorCode::PartnerError, format!("{} {path}: the reply does not follow the contract: {e}", method.as_str()))
        })
    }
}

impl Partner for HttpPartner {
    type Order = JsOrder;

    async fn login(&self, request: &LoginRequest) -> Result<(), Error> {
        let reply: LoginResponse = self.exchange(Method::POST, PATH_LOGIN, Some(encode(request)?), None).await?;
        match reply.logged_in {
            true => Ok(()),
            false => Err(Error::new(ErrorCode::PartnerError, format!("POST {PATH_LOGIN}: the reply says loggedIn: false"))),
        }
    }

    async fn logout(&self) -> Result<(), Error> {
        let _: LogoutResponse = self.exchange(Method::POST, PATH_LOGOUT, Some(encode(&LogoutRequest {})?), None).await?;
        Ok(())
    }

    async fn create_payment(&self, request: &CreatePaymentRequest<JsOrder>) -> Result<CreatePaymentResponse, Error> {
        let body = encode(request)?;
        self.exchange(Method::POST, PATH_PAYMENTS, Some(body), Some(&request.idempotency_key)).await
    }

    async fn execute_payment(&self, order_no: &str) -> Result<PaymentReceipt, Error> {
        let path = execute_path(&segment(order_no)?);
        self.exchange(Method::POST, &path, Some(encode(&ExecuteRequest {})?), None).await
    }

    async fn payment_status(&self, order_no: &str) -> Result<PaymentStatusReply, Error> {
        self.exchange(Method::GET, &payment_path(&segment(order_no)?), None, None).await
    }

    async fn grant(&self, request: &GrantRequest) -> Result<GrantResponse, Error> {
        self.exchange(Method::POST, PATH_IAP_GRANTS, Some(encode(request)?), None).await
    }

    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, Error> {
        self.exchange(Method::POST, PATH_IAP_SYNC, Some(encode(request)?), None).await
    }

    async fn entitlements(&self) -> Result<EntitlementsResponse, Error> {
        self.exchange(Method::GET, PATH_IAP_ENTITLEMENTS, None, None).await
    }

    fn new_idempotency_key(&self) -> String {
        idempotency_key()
    }
}
