//! The control API: what the Toss app, the user and the store do in real life (log in, authenticate or cancel a
//! payment, charge and grant an IAP order, refund it), the console (templates, promotions, billing keys), and
//! fault injection. Available in-process as [`Control`] and over plain HTTP (loopback) through [`router`], whose
//! CORS lets only the configured web origins call it from a page ([`cors`]).

use std::fmt::Display;
use std::sync::Arc;

use ait_api::iap::OrderStatus;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::faults::{FaultRule, FaultSpec};
use crate::state::{
    one_of, BillingFailure, BillingKey, ControlError, IapOrder, Promotion, ORDER_DECISIONS,
    PAY_METHODS, PROMOTION_RESULTS, STORED_ORDER_STATUSES,
};
use crate::state_page;
use crate::Shared;

/// In-process handle on the control operations (the HTTP control API calls the same methods).
#[derive(Clone)]
pub struct Control {
    pub(crate) shared: Arc<Shared>,
}

/// A login code issued by [`Control::issue_login_code`].
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCode {
    /// The authorization code, for `generate-token`.
    pub authorization_code: String,
    /// The user it logs in.
    pub user_key: i64,
    /// Expiry, Unix seconds (sandbox clock).
    pub expires_at: i64,
}

impl Control {
    fn state(&self) -> std::sync::MutexGuard<'_, crate::state::State> {
        crate::lock(&self.shared.state)
    }

    /// `appLogin()` for `user_key`: a single-use authorization code valid for `ttl_secs` (default: the
    /// configured code lifetime).
    pub fn issue_login_code(&self, user_key: i64, ttl_secs: Option<i64>) -> IssuedCode {
        let now = self.shared.clock.now();
        let ttl = ttl_secs.unwrap_or(self.shared.settings.ttls.login_code);
        let (code, c) = self.state().issue_login_code(user_key, ttl, now);
        IssuedCode {
            authorization_code: code,
            user_key,
            expires_at: c.expires_at,
        }
    }

    /// `appLogin()` for `user_key` answering the chosen `code` (e.g. a recorded request replayed by a contract
    /// test); refused if that code was issued before.
    pub fn issue_chosen_login_code(
        &self,
        user_key: i64,
        code: &str,
        ttl_secs: Option<i64>,
    ) -> Result<IssuedCode, ControlError> {
        let now = self.shared.clock.now();
        let ttl = ttl_secs.unwrap_or(self.shared.settings.ttls.login_code);
        let c = self
            .state()
            .issue_chosen_login_code(code, user_key, ttl, now)?;
        Ok(IssuedCode {
            authorization_code: code.to_owned(),
            user_key,
            expires_at: c.expires_at,
        })
    }

    /// The buyer authenticated `pay_token` in the payment sheet (`PAY_STANDBY` → `PAY_APPROVED`), paying with
    /// `CARD` or `TOSS_MONEY` (default: what `enablePayMethods` allows, else `TOSS_MONEY`).
    pub fn approve_payment(
        &self,
        pay_token: &str,
        pay_method: Option<&str>,
    ) -> Result<Value, ControlError> {
        let pay_method = pay_method
            .map(|m| parse_name("payMethod", m, PAY_METHODS))
            .transpose()?;
        self.state().approve_payment(pay_token, pay_method)
    }

    /// The buyer canceled the payment sheet (`PAY_CANCEL`).
    pub fn cancel_payment(&self, pay_token: &str) -> Result<Value, ControlError> {
        self.state().cancel_payment(pay_token)
    }

    /// A payment as the sandbox stores it (with its `get-payment-status` view under `status`).
    pub fn payment(&self, pay_token: &str) -> Result<Value, ControlError> {
        let st = self.state();
        let p = st
            .payments
            .get(pay_token)
            .ok_or_else(|| ControlError::not_found(format!("payToken {pay_token}")))?;
        let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
        v["status"] = crate::state::payment_status_json(p);
        Ok(v)
    }

    /// The user starts buying `sku` (IAP): a new `ORDER_IN_PROGRESS` order (orderId: a UUID v7 unless given).
    /// `paid`: the store charge already went through (the order is pending a grant).
    pub fn create_order(
        &self,
        user_key: &str,
        sku: &str,
        order_id: Option<String>,
        paid: bool,
    ) -> Result<IapOrder, ControlError> {
        let now_ms = self.shared.clock.now_ms();
        self.state()
            .create_order(user_key, sku, order_id, paid, now_ms)
    }

    /// The store charge of an in-progress order went through; the order waits for the grant.
    pub fn mark_order_paid(&self, order_id: &str) -> Result<IapOrder, ControlError> {
        self.state().mark_order_paid(order_id)
    }

    /// The outcome of an in-progress order: `PAYMENT_COMPLETED` (paid and granted), `FAILED` (payment or
    /// grant failed) or the legacy `PURCHASED`.
    pub fn decide_order(&self, order_id: &str, status: &str) -> Result<IapOrder, ControlError> {
        self.decide(order_id, parse_name("status", status, ORDER_DECISIONS)?)
    }

    /// [`Control::decide_order`] with the outcome already parsed (one of [`ORDER_DECISIONS`]).
    pub fn decide(&self, order_id: &str, status: OrderStatus) -> Result<IapOrder, ControlError> {
        let now = self.shared.clock.now();
        self.state().decide_order(order_id, status, now)
    }

    /// The store refunded a completed order (`REFUNDED`).
    pub fn refund_order(&self, order_id: &str) -> Result<IapOrder, ControlError> {
        let now = self.shared.clock.now();
        self.state().refund_order(order_id, now)
    }

    /// IAP orders, optionally of one user and/or in one status; `pending: Some(true)` keeps only orders paid
    /// but not yet granted.
    pub fn orders(
        &self,
        user_key: Option<&str>,
        status: Option<OrderStatus>,
        pending: Option<bool>,
    ) -> Vec<IapOrder> {
        self.state()
            .iap_orders
            .values()
            .filter(|o| user_key.is_none_or(|u| o.user_key == u))
            .filter(|o| status.as_ref().is_none_or(|s| o.status == *s))
            .filter(|o| {
                pending.is_none_or(|p| p == (o.paid && o.status == OrderStatus::OrderInProgress))
            })
            .cloned()
            .collect()
    }

    /// Registers a message template code.
    pub fn register_template(&self, template_set_code: &str) -> Result<(), ControlError> {
        if template_set_code.trim().is_empty() {
            return Err(ControlError::bad("templateSetCode is required"));
        }
        self.state().templates.insert(template_set_code.to_string());
        Ok(())
    }

    /// Registers (or updates) a promotion: optional budget in points, and the result new executions get
    /// (`SUCCESS` by default, or `PENDING`/`FAILED`).
    pub fn register_promotion(
        &self,
        promotion_code: &str,
        budget: Option<i64>,
        result: Option<&str>,
    ) -> Result<Promotion, ControlError> {
        let result = result
            .map(|r| parse_name("result", r, PROMOTION_RESULTS))
            .transpose()?;
        self.state()
            .register_promotion(promotion_code, budget, result)
    }

    /// Sets the result of a promotion execution, by key (`SUCCESS`, `PENDING` or `FAILED`).
    pub fn settle_promotion(&self, key: &str, result: &str) -> Result<Value, ControlError> {
        let result = parse_name("result", result, PROMOTION_RESULTS)?;
        self.state().settle_promotion(key, result)
    }

    /// Registers a billing key (generated unless given) for the merchant `api_key` (default: the first
    /// configured key). `fail_with` makes every `bill` on it fail with that code.
    pub fn register_billing_key(
        &self,
        billing_key: Option<String>,
        user_key: Option<String>,
        api_key: Option<String>,
        pay_method: Option<String>,
        fail_with: Option<BillingFailure>,
    ) -> Result<BillingKey, ControlError> {
        let api_key = api_key
            .or_else(|| self.shared.settings.billing_api_keys.first().cloned())
            .ok_or_else(|| ControlError::bad("apiKey is required (no default is configured)"))?;
        let pay_method = pay_method
            .map(|m| parse_name("payMethod", &m, PAY_METHODS))
            .transpose()?;
        self.state()
            .register_billing_key(billing_key, user_key, api_key, pay_method, fail_with)
    }

    /// Adds a fault rule.
    pub fn add_fault(&self, spec: FaultSpec) -> Result<FaultRule, ControlError> {
        crate::lock(&self.shared.faults)
            .add(spec)
            .map_err(ControlError::bad)
    }

    /// The fault rules with their counters.
    pub fn faults(&self) -> Value {
        let f = crate::lock(&self.shared.faults);
        json!({ "rules": f.rules(), "firedByEndpoint": f.fired_by_endpoint })
    }

    /// Removes one fault rule.
    pub fn remove_fault(&self, id: u64) -> Result<(), ControlError> {
        if crate::lock(&self.shared.faults).remove(id) {
            Ok(())
        } else {
            Err(ControlError::not_found(format!("fault {id}")))
        }
    }

    /// Removes every fault rule and counter.
    pub fn clear_faults(&self) {
        crate::lock(&self.shared.faults).clear();
    }

    /// Moves the sandbox clock by `secs` (expires codes and tokens without waiting); returns the offset.
    pub fn advance_clock(&self, secs: i64) -> i64 {
        self.shared.clock.advance(secs)
    }

    /// Forgets everything: state, faults, counters, clock offset (the configuration stays, and the
    /// configured templates and promotions are registered again).
    pub fn reset(&self) {
        *self.state() = crate::state::State::default();
        self.clear_faults();
        self.shared.stats.reset();
        self.shared.clock.reset();
        self.shared.seed_console();
    }

    /// How many calls each Toss endpoint received (by `ait_api::paths` name).
    pub fn calls(&self, endpoint: &str) -> u64 {
        crate::lock(&self.shared.stats.calls)
            .get(endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Everything, as JSON: state, faults, counters, configuration (every record: for tests and small states;
    /// `GET /state` serves [`Control::dump_page`] instead).
    pub fn dump(&self) -> Value {
        let state = serde_json::to_value(&*self.state()).unwrap_or(Value::Null);
        self.dump_around(state, None)
    }

    /// [`Control::dump`] with every collection cut to its first `limit` records (default
    /// [`state_page::DEFAULT_PAGE_LIMIT`]), so one call on a large state stays small; `pages` gives each
    /// collection's `total` and the `next` cursor for [`Control::state_page`].
    pub fn dump_page(&self, limit: Option<usize>) -> Result<Value, ControlError> {
        let limit = state_page::checked_limit(limit)?;
        let (state, pages) = state_page::first_pages(&self.state(), limit)?;
        Ok(self.dump_around(state, Some(pages)))
    }

    /// One page of one collection of the state (`payments`, `iapOrders`, … see [`state_page::COLLECTIONS`]):
    /// the records after the key `after`, at most `limit` of them (default
    /// [`state_page::DEFAULT_PAGE_LIMIT`]).
    pub fn state_page(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<state_page::Page, ControlError> {
        let limit = state_page::checked_limit(limit)?;
        state_page::page(&self.state(), collection, after, limit)
    }

    fn dump_around(&self, state: Value, pages: Option<Value>) -> Value {
        let mut dump = json!({
            "state": state,
            "faults": self.faults(),
            "stats": self.shared.stats.to_json(),
            "clock": { "now": self.shared.clock.now(), "offsetSecs": self.shared.clock.offset() },
            "config": {
                "skus": self.shared.settings.skus,
                "billingApiKeys": self.shared.settings.billing_api_keys,
                "bodyLimit": self.shared.settings.body_limit,
                "ttls": {
                    "loginCode": self.shared.settings.ttls.login_code,
                    "accessToken": self.shared.settings.ttls.access_token,
                    "refreshToken": self.shared.settings.ttls.refresh_token,
                },
            },
        });
        if let Some(pages) = pages {
            dump["pages"] = pages;
        }
        dump
    }
}

/// A status or method name a test gave the control API (a string), parsed into `T` at the edge: a name outside
/// `allowed` (unknown, or documented but meaningless there) is refused with a 400 that names the allowed values,
/// so the state only ever stores documented values.
fn parse_name<T>(field: &str, name: &str, allowed: &[T]) -> Result<T, ControlError>
where
    T: for<'a> From<&'a str> + PartialEq + Display,
{
    let value = T::from(name);
    one_of(field, &value, allowed)?;
    Ok(value)
}

// -------------------------------------------------------------------- HTTP

struct ApiErr(ControlError);

impl From<ControlError> for ApiErr {
    fn from(e: ControlError) -> Self {
        ApiErr(e)
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::BAD_REQUEST);
        (
            status,
            Json(json!({ "error": { "code": self.0.code, "message": self.0.message } })),
        )
            .into_response()
    }
}

type Res = Result<Json<Value>, ApiErr>;

fn ok(v: impl serde::Serialize) -> Res {
    Ok(Json(serde_json::to_value(v).unwrap_or(Value::Null)))
}

/// JSON body extractor whose rejections use the control error shape.
struct Body<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiErr;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiErr(ControlError::bad(format!("reading body: {e}"))))?;
        let bytes: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes)
            .map(Body)
            .map_err(|e| ApiErr(ControlError::bad(format!("invalid JSON body: {e}"))))
    }
}

/// A user key given as a JSON number or string.
#[derive(Deserialize)]
#[serde(untagged)]
enum UserKey {
    Num(i64),
    Str(String),
}

impl UserKey {
    fn as_string(&self) -> String {
        match self {
            UserKey::Num(n) => n.to_string(),
            UserKey::Str(s) => s.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginCodeBody {
    user_key: UserKey,
    ttl_secs: Option<i64>,
    /// A chosen code instead of a generated one.
    authorization_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ApproveBody {
    pay_method: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderBody {
    user_key: UserKey,
    sku: String,
    order_id: Option<String>,
    #[serde(default)]
    paid: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecideBody {
    granted: Option<bool>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersQuery {
    user_key: Option<String>,
    status: Option<String>,
    pending: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageQuery {
    after: Option<String>,
    limit: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TemplateBody {
    template_set_code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromotionBody {
    promotion_code: String,
    budget: Option<i64>,
    result: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettleBody {
    result: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct BillingKeyBody {
    billing_key: Option<String>,
    user_key: Option<UserKey>,
    api_key: Option<String>,
    pay_method: Option<String>,
    fail_with: Option<BillingFailure>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    seconds: i64,
}

/// The routes, for `GET /`.
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/", "this list"),
    ("GET", "/health", "liveness"),
    (
        "GET",
        "/state",
        "?limit= (default 500, at most 5000): state (each collection cut to limit records), faults, counters, clock, config; pages: each collection's total and next cursor",
    ),
    (
        "GET",
        "/state/{collection}",
        "?after=&limit=: the next page of one collection (payments, iapOrders, loginCodes, accessTokens, refreshTokens, users, promotions, promotionKeys, templates, messages, billingKeys, bills) -> {items, total, next}",
    ),
    (
        "POST",
        "/reset",
        "forget all state, faults, counters and the clock offset",
    ),
    (
        "POST",
        "/clock/advance",
        "{seconds}: move the sandbox clock (expire codes/tokens)",
    ),
    (
        "POST",
        "/login/codes",
        "{userKey, ttlSecs?, authorizationCode?}: appLogin() -> {authorizationCode, userKey, expiresAt} (a chosen code must be new)",
    ),
    (
        "GET",
        "/payments/{payToken}",
        "a payment and its get-payment-status view",
    ),
    (
        "POST",
        "/payments/{payToken}/approve",
        "{payMethod?}: buyer authenticated (PAY_APPROVED)",
    ),
    (
        "POST",
        "/payments/{payToken}/cancel",
        "buyer canceled (PAY_CANCEL)",
    ),
    (
        "POST",
        "/iap/orders",
        "{userKey, sku, orderId?, paid?}: new ORDER_IN_PROGRESS order",
    ),
    (
        "GET",
        "/iap/orders",
        "?userKey=&status=&pending=: list orders",
    ),
    (
        "POST",
        "/iap/orders/{orderId}/paid",
        "store charge done, grant pending",
    ),
    (
        "POST",
        "/iap/orders/{orderId}/decide",
        "{granted} or {status}: PAYMENT_COMPLETED | FAILED | PURCHASED",
    ),
    (
        "POST",
        "/iap/orders/{orderId}/refund",
        "store refund (REFUNDED)",
    ),
    (
        "POST",
        "/templates",
        "{templateSetCode}: register a message template",
    ),
    (
        "POST",
        "/promotions",
        "{promotionCode, budget?, result?}: register a promotion",
    ),
    (
        "POST",
        "/promotions/executions/{key}",
        "{result}: set an execution's result",
    ),
    (
        "POST",
        "/billing-keys",
        "{billingKey?, userKey?, apiKey?, payMethod?, failWith?}: register a billing key",
    ),
    ("GET", "/faults", "fault rules and counters"),
    (
        "POST",
        "/faults",
        "{endpoint, kind, ..., times? | rate+seed?}: add a fault rule",
    ),
    ("DELETE", "/faults", "remove every fault rule"),
    ("DELETE", "/faults/{id}", "remove one fault rule"),
];

/// The control router (CORS open to any origin, so a dev page can call it).
/// Whether a page of `origin` may call the control API: it is one of `allowed`, where an entry is an exact
/// origin (`http://127.0.0.1:8080`) or any port of a host (`http://localhost:*`). Case-insensitive.
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    let origin = origin.trim().to_ascii_lowercase();
    allowed.iter().any(|entry| {
        let entry = entry.trim().trim_end_matches('/').to_ascii_lowercase();
        match entry.strip_suffix(":*") {
            Some(host) => origin.strip_prefix(host).is_some_and(|rest| {
                rest.is_empty()
                    || rest.strip_prefix(':').is_some_and(|port| {
                        !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                    })
            }),
            None => origin == entry,
        }
    })
}

/// The control API's CORS: the pages of `allowed` origins (see [`origin_allowed`]) may call it (GET, POST,
/// DELETE with a JSON body); any other page gets no `Access-Control-Allow-Origin`, so the browser keeps the
/// reply from it and refuses to send preflighted calls.
pub fn cors(allowed: &[String]) -> CorsLayer {
    let allowed = allowed.to_vec();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| origin_allowed(&allowed, o))
        }))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
}

/// The control API over HTTP, open (CORS) to the pages of `allowed_origins`.
pub fn router(control: Control, allowed_origins: &[String]) -> Router {
    let guarded = allowed_origins.to_vec();
    Router::new()
        .route(
            "/",
            get(|| async {
                let routes: Vec<Value> =
                    ROUTES.iter().map(|(m, p, d)| json!({ "method": m, "path": p, "does": d })).collect();
                Json(json!({ "service": "ait-sandbox control", "routes": routes }))
            }),
        )
        .route("/health", get(|| async { Json(json!({ "ok": true })) }))
        .route("/state", get(state_dump))
        .route("/state/{collection}", get(state_collection))
        .route(
            "/reset",
            post(|State(c): State<Control>| async move {
                c.reset();
                Json(json!({ "reset": true }))
            }),
        )
        .route(
            "/clock/advance",
            post(|State(c): State<Control>, Body(b): Body<ClockBody>| async move {
                let offset = c.advance_clock(b.seconds);
                Json(json!({ "offsetSecs": offset, "now": c.shared.clock.now() }))
            }),
        )
        .route("/login/codes", post(login_code))
        .route("/payments/{pay_token}", get(|State(c): State<Control>, Path(t): Path<String>| async move { c.payment(&t).map(Json).map_err(ApiErr) }))
        .route(
            "/payments/{pay_token}/approve",
            post(|State(c): State<Control>, Path(t): Path<String>, Body(b): Body<ApproveBody>| async move {
                c.approve_payment(&t, b.pay_method.as_deref()).map(Json).map_err(ApiErr)
            }),
        )
        .route(
            "/payments/{pay_token}/cancel",
            post(|State(c): State<Control>, Path(t): Path<String>| async move {
                c.cancel_payment(&t).map(Json).map_err(ApiErr)
            }),
        )
        .route("/iap/orders", post(create_order).get(list_orders))
        .route(
            "/iap/orders/{order_id}/paid",
            post(|State(c): State<Control>, Path(id): Path<String>| async move { ok(c.mark_order_paid(&id)?) }),
        )
        .route("/iap/orders/{order_id}/decide", post(decide_order))
        .route(
            "/iap/orders/{order_id}/refund",
            post(|State(c): State<Control>, Path(id): Path<String>| async move { ok(c.refund_order(&id)?) }),
        )
        .route(
            "/templates",
            post(|State(c): State<Control>, Body(b): Body<TemplateBody>| async move {
                c.register_template(&b.template_set_code)?;
                ok(json!({ "templateSetCode": b.template_set_code }))
            }),
        )
        .route(
            "/promotions",
            post(|State(c): State<Control>, Body(b): Body<PromotionBody>| async move {
                ok(c.register_promotion(&b.promotion_code, b.budget, b.result.as_deref())?)
            }),
        )
        .route(
            "/promotions/executions/{key}",
            post(|State(c): State<Control>, Path(k): Path<String>, Body(b): Body<SettleBody>| async move {
                ok(c.settle_promotion(&k, &b.result)?)
            }),
        )
        .route(
            "/billing-keys",
            post(|State(c): State<Control>, Body(b): Body<BillingKeyBody>| async move {
                ok(c.register_billing_key(
                    b.billing_key,
                    b.user_key.map(|u| u.as_string()),
                    b.api_key,
                    b.pay_method,
                    b.fail_with,
                )?)
            }),
        )
        .route(
            "/faults",
            get(|State(c): State<Control>| async move { Json(c.faults()) })
                .post(|State(c): State<Control>, Body(spec): Body<FaultSpec>| async move { ok(c.add_fault(spec)?) })
                .delete(|State(c): State<Control>| async move {
                    c.clear_faults();
                    Json(json!({ "cleared": true }))
                }),
        )
        .route(
            "/faults/{id}",
            delete(|State(c): State<Control>, Path(id): Path<u64>| async move {
                c.remove_fault(id)?;
                ok(json!({ "removed": id }))
            }),
        )
        .fallback(|| async {
            ApiErr(ControlError::not_found("no such control route; GET / lists them"))
        })
        .layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let allowed = guarded.clone();
            async move { refuse_foreign_changes(&allowed, req, next).await }
        }))
        .layer(cors(allowed_origins))
        .with_state(control)
}

/// CORS only keeps replies from foreign pages; a CORS-simple POST (`text/plain`, no preflight) would still change the
/// sandbox. So a state change whose `Origin` is not allowed is refused before it runs. Clients without an `Origin`
/// (tests, curl, the partner) are not pages and pass.
async fn refuse_foreign_changes(allowed: &[String], req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let foreign = req
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|o| !o.to_str().is_ok_and(|o| origin_allowed(allowed, o)));
    if changes && foreign {
        return ApiErr(ControlError::forbidden("this origin may not change the sandbox")).into_response();
    }
    next.run(req).await
}

async fn login_code(State(c): State<Control>, Body(b): Body<LoginCodeBody>) -> Res {
    let user_key = match b.user_key {
        UserKey::Num(n) => n,
        UserKey::Str(s) => s.trim().parse::<i64>().map_err(|_| {
            ApiErr(ControlError::bad(
                "userKey must be an integer (login-me reports it as int64)",
            ))
        })?,
    };
    if user_key <= 0 {
        return Err(ApiErr(ControlError::bad(
            "userKey must be a positive integer",
        )));
    }
    if let Some(ttl) = b.ttl_secs {
        if ttl <= 0 {
            return Err(ApiErr(ControlError::bad("ttlSecs must be positive")));
        }
    }
    match b.authorization_code {
        Some(code) => ok(c.issue_chosen_login_code(user_key, &code, b.ttl_secs)?),
        None => ok(c.issue_login_code(user_key, b.ttl_secs)),
    }
}

/// A query string that does not parse answers in the control error shape.
fn page_query(q: Result<Query<PageQuery>, QueryRejection>) -> Result<PageQuery, ApiErr> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiErr(ControlError::bad(format!("query: {}", e.body_text()))))
}

async fn state_dump(
    State(c): State<Control>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Res {
    let q = page_query(q)?;
    if q.after.is_some() {
        return Err(ApiErr(ControlError::bad(
            "after pages one collection: use /state/{collection}?after=",
        )));
    }
    Ok(Json(c.dump_page(q.limit)?))
}

async fn state_collection(
    State(c): State<Control>,
    Path(collection): Path<String>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Res {
    let q = page_query(q)?;
    ok(c.state_page(&collection, q.after.as_deref(), q.limit)?)
}

async fn create_order(State(c): State<Control>, Body(b): Body<OrderBody>) -> Res {
    ok(c.create_order(&b.user_key.as_string(), &b.sku, b.order_id, b.paid)?)
}

async fn list_orders(State(c): State<Control>, Query(q): Query<OrdersQuery>) -> Res {
    let status = q
        .status
        .as_deref()
        .map(|s| parse_name("status", s, STORED_ORDER_STATUSES))
        .transpose()?;
    ok(json!({ "orders": c.orders(q.user_key.as_deref(), status, q.pending) }))
}

async fn decide_order(
    State(c): State<Control>,
    Path(id): Path<String>,
    Body(b): Body<DecideBody>,
) -> Res {
    let status = match (b.status, b.granted) {
        (Some(s), _) => parse_name("status", &s, ORDER_DECISIONS)?,
        (None, Some(true)) => OrderStatus::PaymentCompleted,
        (None, Some(false)) => OrderStatus::Failed,
        (None, None) => {
            return Err(ApiErr(ControlError::bad(
                "give granted (true/false) or status",
            )))
        }
    };
    ok(c.decide(&id, status)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State as SandboxState;
    use crate::{faults, state, util, Settings, Shared, Stats};
    use axum::body::Body as HttpBody;
    use axum::http::Request;
    use tower::ServiceExt;

    fn control() -> Control {
        Control {
            shared: Arc::new(Shared {
                settings: Settings {
                    skus: Vec::new(),
                    templates: Vec::new(),
                    promotions: Vec::new(),
                    billing_api_keys: vec!["sk_test".into()],
                    body_limit: 64 * 1024,
                    ttls: state::Ttls {
                        login_code: 600,
                        access_token: 3600,
                        refresh_token: 86_400,
                    },
                },
                clock: util::Clock::default(),
                state: std::sync::Mutex::new(SandboxState::default()),
                faults: std::sync::Mutex::new(faults::Faults::default()),
                stats: Stats::default(),
            }),
        }
    }

    async fn call(c: &Control, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(HttpBody::from(
                body.map(|b| b.to_string()).unwrap_or_default(),
            ))
            .expect("a request");
        let res = router(c.clone(), &[]).oneshot(req).await.expect("a reply");
        let status = res.status().as_u16();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("a body");
        (status, serde_json::from_slice(&bytes).expect("JSON"))
    }

    fn bad(message: &str) -> Value {
        json!({ "error": { "code": "BAD_REQUEST", "message": message } })
    }

    /// Names a test gives the control API are parsed at the edge: documented names reach the state as enums,
    /// unknown (or meaningless there) names are refused with the control error shape before anything changes.
    #[tokio::test]
    async fn status_names_are_parsed_at_the_edge() {
        let c = control();
        let o = c.create_order("1", "sku.gem", None, false).unwrap();
        let decide = format!("/iap/orders/{}/decide", o.order_id);
        for (name, message) in [
            (
                "BOGUS",
                r#"status "BOGUS": use PAYMENT_COMPLETED, FAILED or PURCHASED"#,
            ),
            (
                "payment_completed",
                r#"status "payment_completed": use PAYMENT_COMPLETED, FAILED or PURCHASED"#,
            ),
            (
                "REFUNDED",
                r#"status "REFUNDED": use PAYMENT_COMPLETED, FAILED or PURCHASED"#,
            ),
        ] {
            assert_eq!(
                call(&c, "POST", &decide, Some(json!({ "status": name }))).await,
                (400, bad(message))
            );
        }
        assert_eq!(
            call(&c, "GET", "/iap/orders?status=DONE", None).await,
            (
                400,
                bad(
                    r#"status "DONE": use ORDER_IN_PROGRESS, PAYMENT_COMPLETED, PURCHASED, FAILED or REFUNDED"#
                )
            )
        );
        let (status, listed) = call(&c, "GET", "/iap/orders?status=ORDER_IN_PROGRESS", None).await;
        assert_eq!(
            (status, listed["orders"][0]["status"].clone()),
            (200, json!("ORDER_IN_PROGRESS"))
        );

        let (status, decided) = call(&c, "POST", &decide, Some(json!({ "granted": true }))).await;
        assert_eq!(
            (status, &decided["status"], &decided["paid"]),
            (200, &json!("PAYMENT_COMPLETED"), &json!(true))
        );
        assert_eq!(
            c.orders(None, Some(OrderStatus::PaymentCompleted), None)
                .len(),
            1
        );
        assert!(c
            .orders(None, Some(OrderStatus::OrderInProgress), None)
            .is_empty());
        assert_eq!(
            call(&c, "GET", "/iap/orders?status=PAYMENT_COMPLETED", None)
                .await
                .1["orders"][0]["orderId"],
            json!(o.order_id)
        );

        assert_eq!(
            c.register_promotion("PROMO", None, Some("DONE"))
                .unwrap_err(),
            ControlError::bad(r#"result "DONE": use SUCCESS, PENDING or FAILED"#)
        );
        assert_eq!(
            call(
                &c,
                "POST",
                "/promotions",
                Some(json!({ "promotionCode": "PROMO", "result": "PENDING" }))
            )
            .await,
            (
                200,
                json!({ "promotionCode": "PROMO", "budget": null, "paid": 0, "result": "PENDING" })
            )
        );
        assert_eq!(
            call(
                &c,
                "POST",
                "/billing-keys",
                Some(json!({ "billingKey": "bk", "payMethod": "PAYPAL" }))
            )
            .await,
            (400, bad(r#"payMethod "PAYPAL": use CARD or TOSS_MONEY"#))
        );
        let (status, key) = call(
            &c,
            "POST",
            "/billing-keys",
            Some(json!({ "billingKey": "bk", "payMethod": "TOSS_MONEY" })),
        )
        .await;
        assert_eq!((status, &key["payMethod"]), (200, &json!("TOSS_MONEY")));
        assert_eq!(
            c.approve_payment("no-such-token", Some("CASH"))
                .unwrap_err(),
            ControlError::bad(r#"payMethod "CASH": use CARD or TOSS_MONEY"#)
        );
        let st = c.state();
        assert_eq!((st.promotions.len(), st.iap_orders.len()), (1, 1));
    }

    #[test]
    fn origins_match_exactly_or_by_any_port() {
        let allowed = vec![
            "http://127.0.0.1:8080".to_string(),
            "http://localhost:*".to_string(),
        ];
        assert!(origin_allowed(&allowed, "http://127.0.0.1:8080"));
        assert!(origin_allowed(&allowed, "HTTP://LOCALHOST:5173"));
        assert!(origin_allowed(&allowed, "http://localhost"));
        for foreign in [
            "http://127.0.0.1:8081",
            "http://evil.example",
            "http://localhost.evil.example",
            "http://localhost:80x",
            "https://localhost:5173",
            "null",
        ] {
            assert!(!origin_allowed(&allowed, foreign), "{foreign}");
        }
        assert!(!origin_allowed(&[], "http://127.0.0.1:8080"));
    }
}
