//! Request parts in the contract's error shape (axum's own rejections are plain text):
//!
//! * `Valid<T>`: a JSON body that parsed and passed `ait_api::Validate`, else 400 `INVALID_ARGUMENT` (413
//!   `PAYLOAD_TOO_LARGE` over axum's body limit, 2 MiB);
//! * [`path_params`]: a middleware checking a route's path parameters decode (percent-encoding, UTF-8) before
//!   the handler's `Path` extractor runs, else 400 `INVALID_ARGUMENT`.

use ait_api::Validate;
use axum::extract::{FromRequest, RawPathParams, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A parsed and validated JSON body.
#[derive(Debug, Clone)]
pub struct Valid<T>(pub T);

impl<S, T> FromRequest<S> for Valid<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let Json(value) = Json::<T>::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::payload_too_large()
            } else {
                AppError::invalid_argument(e.body_text())
            }
        })?;
        value.validate().map_err(|e| AppError::invalid(&e))?;
        Ok(Valid(value))
    }
}

/// Route middleware: the path parameters must decode, else 400 `INVALID_ARGUMENT` (JSON) instead of axum's
/// plain-text rejection from the handler's `Path`.
pub async fn path_params(
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    req: Request,
    next: Next,
) -> Response {
    match params {
        Ok(_) => next.run(req).await,
        Err(e) => {
            AppError::invalid_argument(format!("bad path: {}", e.body_text())).into_response()
        }
    }
}
