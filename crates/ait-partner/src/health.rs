//! `GET /health`: what a load balancer asks each instance before sending it requests.
//!
//! 200 `{"status":"ok"}` when this instance can serve the contract: its database answers a query within
//! [`CHECK_TIMEOUT`] and (SQLite) its writing thread is running. Otherwise 503 `{"status":"unavailable","reason":…}`
//! (the reason in English, for whoever reads the balancer's log; the details go to this server's log). Toss is not
//! asked: an outage there is every instance's, and the server answers it per request with a retryable error, so
//! taking instances out of the pool would only turn retryable errors into refused connections.
//!
//! It lives at the root, outside the API prefix and its guard: a balancer calls it directly, with no origin and no
//! session. After a stop signal the listener is closed, so a balancer sees the instance leave at once while its open
//! requests finish.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::app::AppState;

/// The path, at the server's root.
pub const PATH: &str = "/health";

/// The longest the database check may take before the instance counts as unavailable.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The body of `GET /health`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Why the instance is unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// `GET /health`.
pub async fn health(State(app): State<AppState>) -> Response {
    let unavailable = |reason| {
        let body = Health { status: "unavailable", reason: Some(reason) };
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    };
    match tokio::time::timeout(CHECK_TIMEOUT, app.db.check()).await {
        Ok(Ok(())) => Json(Health { status: "ok", reason: None }).into_response(),
        Ok(Err(e)) => {
            tracing::warn!("health: the database check failed: {e}");
            unavailable("the database does not answer")
        }
        Err(_) => {
            tracing::warn!("health: the database check took longer than {CHECK_TIMEOUT:?}");
            unavailable("the database does not answer in time")
        }
    }
}
