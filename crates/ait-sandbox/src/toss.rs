//! The Toss side: one axum route per endpoint of `ait_api::paths`, with its method, each running the same
//! admission (host, method, body limit, injected faults) before the endpoint's own operation. The paths of the
//! three hosts do not collide; a `Host` header naming a documented Toss host must match the endpoint's host.
//! Unknown paths and wrong methods answer the documented `FAIL` shape.

use std::sync::Arc;
use std::time::Duration;

use ait_api::paths::{self, Endpoint, Host};
use ait_api::validate::{Rule, ValidationError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::codes;
use crate::faults::FaultKind;
use crate::reply::TossJson;
use crate::req;
use crate::state::Fail;
use crate::Shared;
use ait_api::billing::BillResponse;
use ait_api::{ApiError, Envelope, ResultType, Validate};

/// Marks a response that must not be sent: the connection is closed instead (the `drop` fault).
#[derive(Debug, Clone, Copy)]
pub struct DropReply;

/// The router of the mTLS listener.
pub fn router(shared: Arc<Shared>) -> Router {
    OPERATIONS
        .iter()
        .fold(Router::new(), |r, &(ep, op)| r.route(ep.path, endpoint_route(ep, op)))
        .fallback(unknown_path)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            // A bug in the sandbox: answer like a Toss internal error instead of dropping the connection.
            let env: Envelope<Value> = Envelope::unsettled(
                ResultType::InternalError,
                Some(ApiError::new(
                    codes::INTERNAL_ERROR,
                    "sandbox bug: the handler panicked",
                )),
            );
            envelope_response(500, &env)
        }))
        .with_state(shared)
}

/// What an endpoint does once its call is admitted, given the headers and the raw body.
type Operation = fn(&Shared, &HeaderMap, &[u8]) -> Result<Value, Fail>;

/// Every endpoint of `ait_api::paths` and its operation.
const OPERATIONS: &[(&Endpoint, Operation)] = &[
    (&paths::MAKE_PAYMENT, make_payment),
    (&paths::EXECUTE_PAYMENT, execute_payment),
    (&paths::REFUND_PAYMENT, refund_payment),
    (&paths::GET_PAYMENT_STATUS, get_payment_status),
    (&paths::GET_ORDER_STATUS, get_order_status),
    (&paths::GENERATE_TOKEN, generate_token),
    (&paths::REFRESH_TOKEN, refresh_token),
    (&paths::REMOVE_BY_USER_KEY, remove_by_user_key),
    (&paths::REMOVE_BY_ACCESS_TOKEN, remove_by_access_token),
    (&paths::LOGIN_ME, login_me),
    (&paths::PROMOTION_GET_KEY, promotion_get_key),
    (&paths::EXECUTE_PROMOTION, execute_promotion),
    (&paths::PROMOTION_EXECUTION_RESULT, promotion_execution_result),
    (&paths::SEND_MESSAGE, send_message),
    (&paths::BILLING_KEY_BILL, bill),
];

/// The route of one endpoint: its method runs the call; any other method answers 405 in the endpoint's shape.
fn endpoint_route(ep: &'static Endpoint, op: Operation) -> MethodRouter<Arc<Shared>> {
    let method = match ep.method {
        paths::Method::Get => MethodFilter::GET,
        paths::Method::Post => MethodFilter::POST,
    };
    on(method, move |State(sh): State<Arc<Shared>>, req: Request| call(sh, ep, op, req))
        .fallback(move |req: Request| async move {
            let (parts, _) = req.into_parts();
            misrouted(ep, &parts).unwrap_or_else(|| method_not_allowed(ep, parts.uri.path()))
        })
}

async fn unknown_path(req: Request) -> Response {
    let path = req.uri().path();
    fail_response(
        None,
        &Fail::new(404, codes::NOT_FOUND, format!("no Toss endpoint at {path}")),
    )
}

fn method_not_allowed(ep: &Endpoint, path: &str) -> Response {
    let mut r = fail_response(
        Some(ep),
        &Fail::new(
            405,
            codes::METHOD_NOT_ALLOWED,
            format!("{path} takes {}", ep.method.as_str()),
        ),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(ep.method.as_str()));
    r
}

/// The refusal of a call that reached `ep`'s route but is not for it: another documented host (404), or
/// another method (405, also for `HEAD`, which axum would otherwise serve as `GET`).
fn misrouted(ep: &Endpoint, parts: &Parts) -> Option<Response> {
    let path = parts.uri.path();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    if host_mismatch(host, ep) {
        return Some(fail_response(
            Some(ep),
            &Fail::new(
                404,
                codes::NOT_FOUND,
                format!("{path} is served by {}, not this host", ep.host.name()),
            ),
        ));
    }
    (parts.method.as_str() != ep.method.as_str()).then(|| method_not_allowed(ep, path))
}

fn envelope_response(status: u16, env: &Envelope<Value>) -> Response {
    text_response(status, serde_json::to_string(env).unwrap_or_default())
}

fn text_response(status: u16, body: String) -> Response {
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        body,
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The `FAIL` envelope (or, for billing, `code: -1`) of a failure.
fn fail_response(ep: Option<&Endpoint>, f: &Fail) -> Response {
    if ep.map(|e| e.host) == Some(Host::Billing) {
        // Seed 002: failures are `code: -1` with `errorCode` and `msg`; the sandbox answers them with HTTP 200
        // like the legacy pay.toss.im API, except routing, size and server errors.
        let status = if f.status >= 404 { f.status } else { 200 };
        let reply = BillResponse::failure(f.code.as_str(), f.reason.as_str());
        return text_response(status, reply.toss_json().to_string());
    }
    envelope_response(f.status, &Envelope::fail(f.code.as_str(), f.reason.clone()))
}

/// `v` is the payload as Toss writes it ([`TossJson::toss_json`]).
fn success_response(ep: &Endpoint, v: Value) -> Response {
    if ep.host == Host::Billing {
        return text_response(200, v.to_string());
    }
    envelope_response(200, &Envelope::ok(v))
}

fn invalid(status: u16, e: &ValidationError) -> Fail {
    Fail::new(status, codes::INVALID_PARAMETER, e.to_string())
}

fn parse<T: DeserializeOwned + Validate>(body: &[u8]) -> Result<T, Fail> {
    let body = if body.iter().all(|b| b.is_ascii_whitespace()) {
        &b"{}"[..]
    } else {
        body
    };
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            Fail::bad(
                codes::INVALID_PARAMETER,
                format!("request body is not valid JSON: {inner}"),
            )
        } else if let Some(field) = missing_field(&inner.to_string()) {
            let e = ValidationError::new(
                field.clone(),
                Rule::Required,
                format!("{field} is required"),
            );
            invalid(400, &e)
        } else if path == "." {
            Fail::bad(
                codes::INVALID_PARAMETER,
                format!("request body must be a JSON object: {inner}"),
            )
        } else {
            let e = ValidationError::new(path, Rule::Format, inner.to_string());
            invalid(400, &e)
        }
    })?;
    value.validate().map_err(|e| invalid(400, &e))?;
    Ok(value)
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

/// `x-toss-user-key`, required on TossPay, IAP, promotion and message calls.
fn user_key(headers: &HeaderMap, status: u16) -> Result<String, Fail> {
    let v = headers
        .get(ait_api::paths::HEADER_TOSS_USER_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if v.is_empty() {
        let e = ValidationError::new(
            ait_api::paths::HEADER_TOSS_USER_KEY,
            Rule::Required,
            "the x-toss-user-key header (the userKey from login-me) is required",
        );
        return Err(invalid(status, &e));
    }
    Ok(v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn host_mismatch(host: Option<&str>, ep: &Endpoint) -> bool {
    let Some(host) = host else { return false };
    let name = host
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(host)
        .to_ascii_lowercase();
    [Host::Api, Host::Pay, Host::Billing]
        .iter()
        .any(|h| h.name() == name)
        && ep.host.name() != name
}

/// One admitted call of `ep`: counted, its body read within the limit, injected faults applied around `op`.
async fn call(sh: Arc<Shared>, ep: &'static Endpoint, op: Operation, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if let Some(refusal) = misrouted(ep, &parts) {
        return refusal;
    }
    sh.count_call(ep.name);
    let bytes = match axum::body::to_bytes(Body::new(body), sh.settings.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return fail_response(
                Some(ep),
                &Fail::new(
                    413,
                    codes::REQUEST_TOO_LARGE,
                    format!(
                        "request body exceeds the limit of {} bytes",
                        sh.settings.body_limit
                    ),
                ),
            )
        }
    };
    let decision = crate::lock(&sh.faults).decide(ep);
    if decision.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    match &decision.action {
        Some(FaultKind::Fail {
            error_code,
            reason,
            status,
            result_type,
        }) => {
            let status = status.unwrap_or(400);
            let reason = reason
                .clone()
                .unwrap_or_else(|| format!("injected fault: {error_code}"));
            if ep.host == Host::Billing {
                return fail_response(Some(ep), &Fail::new(status, error_code, reason));
            }
            let result_type = result_type
                .as_deref()
                .map_or(ResultType::Fail, ResultType::parse);
            let env = Envelope::unsettled(
                result_type,
                Some(ApiError::new(error_code.as_str(), reason)),
            );
            return envelope_response(status, &env);
        }
        Some(FaultKind::Http5xx {
            status,
            after_commit: false,
        }) => return server_error(*status),
        _ => {}
    }
    let resp = match op(&sh, &parts.headers, &bytes) {
        Ok(v) => success_response(ep, v),
        Err(f) => fail_response(Some(ep), &f),
    };
    match decision.action {
        Some(FaultKind::Drop) => {
            let mut r = resp;
            r.extensions_mut().insert(DropReply);
            r
        }
        Some(FaultKind::Http5xx {
            status,
            after_commit: true,
        }) => server_error(status),
        _ => resp,
    }
}

fn server_error(status: u16) -> Response {
    let error = ApiError::new(
        codes::INTERNAL_ERROR,
        format!("injected fault: HTTP {status}"),
    );
    envelope_response(
        status,
        &Envelope::unsettled(ResultType::InternalError, Some(error)),
    )
}

/// A typed reply as Toss writes it.
fn wire<T: TossJson>(reply: Result<T, Fail>) -> Result<Value, Fail> {
    reply.map(|r| r.toss_json())
}

// The operations, one per endpoint: the user key header first (as a gateway would), then the body.

fn make_payment(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 400)?;
    let r: req::MakePayment = parse(body)?;
    wire(crate::lock(&sh.state).make_payment(&uk, &r, sh.clock.now()))
}

fn execute_payment(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 400)?;
    let r: req::ExecutePayment = parse(body)?;
    wire(crate::lock(&sh.state).execute_payment(&uk, &r, sh.clock.now()))
}

fn refund_payment(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 400)?;
    let r: req::RefundPayment = parse(body)?;
    wire(crate::lock(&sh.state).refund_payment(&uk, &r, sh.clock.now()))
}

fn get_payment_status(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 400)?;
    let r: req::GetPaymentStatus = parse(body)?;
    wire(crate::lock(&sh.state).payment_status(&uk, &r))
}

fn get_order_status(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 400)?;
    let r: req::GetOrderStatus = parse(body)?;
    Ok(crate::lock(&sh.state)
        .order_status(&uk, &r, &sh.settings.skus)
        .toss_json())
}

fn generate_token(sh: &Shared, _: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let r: req::GenerateToken = parse(body)?;
    wire(crate::lock(&sh.state).generate_token(&r, sh.settings.ttls, sh.clock.now()))
}

fn refresh_token(sh: &Shared, _: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let r: req::RefreshToken = parse(body)?;
    wire(crate::lock(&sh.state).refresh_token(&r, sh.settings.ttls, sh.clock.now()))
}

fn remove_by_user_key(sh: &Shared, _: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let r: req::RemoveByUserKey = parse(body)?;
    wire(crate::lock(&sh.state).remove_by_user_key(&r))
}

fn remove_by_access_token(sh: &Shared, headers: &HeaderMap, _: &[u8]) -> Result<Value, Fail> {
    let token = bearer(headers);
    wire(crate::lock(&sh.state).remove_by_access_token(token.as_deref(), sh.clock.now()))
}

fn login_me(sh: &Shared, headers: &HeaderMap, _: &[u8]) -> Result<Value, Fail> {
    let token = bearer(headers);
    wire(crate::lock(&sh.state).login_me(token.as_deref(), sh.clock.now()))
}

fn promotion_get_key(sh: &Shared, _: &HeaderMap, _: &[u8]) -> Result<Value, Fail> {
    Ok(crate::lock(&sh.state)
        .promotion_key(sh.clock.now())
        .toss_json())
}

fn execute_promotion(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 401)?;
    let r: req::ExecutePromotion = parse(body)?;
    wire(crate::lock(&sh.state).execute_promotion(&uk, &r, sh.clock.now()))
}

fn promotion_execution_result(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 401)?;
    let r: req::PromotionResult = parse(body)?;
    wire(crate::lock(&sh.state).promotion_result(&uk, &r))
}

fn send_message(sh: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let uk = user_key(headers, 401)?;
    let r: req::SendMessage = parse(body)?;
    wire(crate::lock(&sh.state).send_message(&uk, &r, sh.clock.now()))
}

fn bill(sh: &Shared, _: &HeaderMap, body: &[u8]) -> Result<Value, Fail> {
    let r: req::Bill = parse(body)?;
    wire(crate::lock(&sh.state).bill(&r, &sh.settings.billing_api_keys, sh.clock.now()))
}

#[cfg(test)]
mod tests {
    use super::OPERATIONS;

    #[test]
    fn every_endpoint_has_exactly_one_route() {
        for ep in ait_api::paths::ALL {
            let routes = OPERATIONS.iter().filter(|(e, _)| e.path == ep.path).count();
            assert_eq!(routes, 1, "{}", ep.name);
        }
        assert_eq!(OPERATIONS.len(), ait_api::paths::ALL.len());
    }
}
