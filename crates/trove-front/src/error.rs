//! The UI's errors: the engine's errors and the front's own, each with the kind the UI words
//! it by. Both hosts send them in one shape, `{"kind", "message"}` (HTTP inside `{"error": …}`
//! with a status per kind; Tauri IPC as the rejected value).

use serde::Serialize;

use crate::types::{ErrorDetail, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum FrontError {
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

pub type FrontResult<T> = Result<T, FrontError>;

impl FrontError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            FrontError::Engine(e) => match e {
                trove_core::Error::Invalid(_) | trove_core::Error::Config { .. } => {
                    ErrorKind::Invalid
                }
                trove_core::Error::NotFound(_) => ErrorKind::NotFound,
                trove_core::Error::Busy { .. } => ErrorKind::Busy,
                _ => ErrorKind::Internal,
            },
            FrontError::Invalid(_) => ErrorKind::Invalid,
            FrontError::NotFound(_) => ErrorKind::NotFound,
            FrontError::Unsupported(_) => ErrorKind::Unsupported,
            FrontError::TooLarge => ErrorKind::TooLarge,
            FrontError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What crosses to the UI. Our own faults are logged here, once, with their context.
    pub fn detail(&self) -> ErrorDetail {
        let kind = self.kind();
        if kind == ErrorKind::Internal {
            tracing::error!("{self}");
        }
        ErrorDetail {
            kind,
            message: self.to_string(),
        }
    }
}

/// Tauri rejects a command with the error's serialised form: the same `{kind, message}` the
/// HTTP API nests under `error`.
impl Serialize for FrontError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.detail().serialize(serializer)
    }
}
