//! `Valid<T>`: a JSON body that parsed and passed `ait_api::Validate`, else 400 `INVALID_ARGUMENT` in the
//! contract's error shape (axum's own rejections are plain text).

use ait_api::Validate;
use axum::extract::{FromRequest, Request};
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
        let Json(value) = Json::<T>::from_request(req, state)
            .await
            .map_err(|e| AppError::invalid_argument(e.body_text()))?;
        value.validate().map_err(|e| AppError::invalid(&e))?;
        Ok(Valid(value))
    }
}
