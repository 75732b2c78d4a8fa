//! API errors: the front's errors answered with an HTTP status per kind, in one JSON shape.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use trove_front::FrontError;
use trove_front::types::{ErrorBody, ErrorDetail, ErrorKind};

/// A [`FrontError`] on its way to an HTTP answer.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub FrontError);

impl From<trove_core::Error> for ApiError {
    fn from(e: trove_core::Error) -> Self {
        ApiError(e.into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The status of `kind`, from the one map both hosts share ([`ErrorKind::http_status`]).
pub fn status_of(kind: ErrorKind) -> StatusCode {
    StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The JSON error answer of `kind`.
pub fn error_response(kind: ErrorKind, message: String) -> Response {
    answer(ErrorDetail { kind, message })
}

fn answer(error: ErrorDetail) -> Response {
    (status_of(error.kind), Json(ErrorBody { error })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        answer(self.0.detail())
    }
}

/// Runs blocking engine work off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| FrontError::Internal(format!("the request failed: {e}")))?
}

/// A JSON request body whose rejections (malformed JSON, a wrong field type) answer in the
/// API's error shape, not as plain text.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(FrontError::Invalid(rejection.body_text()).into()),
        }
    }
}
