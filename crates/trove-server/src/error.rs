//! API errors: the engine's errors mapped to HTTP statuses and one JSON shape.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::types::{ErrorBody, ErrorDetail, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Engine(#[from] trove_core::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the photo is larger than {} MiB", crate::UPLOAD_LIMIT >> 20)]
    TooLarge,
    #[error("{0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Engine(e) => match e {
                trove_core::Error::Invalid(_) | trove_core::Error::Config { .. } => {
                    ErrorKind::Invalid
                }
                trove_core::Error::NotFound(_) => ErrorKind::NotFound,
                trove_core::Error::Busy { .. } => ErrorKind::Busy,
                _ => ErrorKind::Internal,
            },
            ApiError::Invalid(_) => ErrorKind::Invalid,
            ApiError::NotFound(_) => ErrorKind::NotFound,
            ApiError::Unsupported(_) => ErrorKind::Unsupported,
            ApiError::TooLarge => ErrorKind::TooLarge,
            ApiError::Internal(_) => ErrorKind::Internal,
        }
    }
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Busy => StatusCode::CONFLICT,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The JSON error answer of `kind`.
pub fn error_response(kind: ErrorKind, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail { kind, message },
    };
    (status_of(kind), Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let kind = self.kind();
        if kind == ErrorKind::Internal {
            tracing::error!("{self}");
        }
        error_response(kind, self.to_string())
    }
}

/// Runs blocking engine work off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("the request failed: {e}")))?
}

/// A JSON request body whose rejections (malformed JSON, a wrong field type) answer in the
/// API's error shape, not as plain text.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(ApiError::Invalid(rejection.body_text())),
        }
    }
}
