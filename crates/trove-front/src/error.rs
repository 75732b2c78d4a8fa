//! The UI's errors: the engine's errors and the front's own, each with the kind the UI words
//! it by. Both hosts send them in one shape, `{"kind", "message"}` (HTTP inside `{"error": …}`
//! with a status per kind; Tauri IPC as the rejected value).

use serde::Serialize;

use trove_core::Origin;
use trove_core::api::Fault;

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
                e if e.origin() == Origin::Machine => ErrorKind::Machine,
                _ => ErrorKind::Internal,
            },
            FrontError::Invalid(_) => ErrorKind::Invalid,
            FrontError::NotFound(_) => ErrorKind::NotFound,
            FrontError::Unsupported(_) => ErrorKind::Unsupported,
            FrontError::TooLarge => ErrorKind::TooLarge,
            FrontError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What crosses to the UI. Our own faults are logged here, once, with their context; the
    /// machine's are worded for a person, with what to do where something can be done.
    pub fn detail(&self) -> ErrorDetail {
        let kind = self.kind();
        match kind {
            ErrorKind::Internal => tracing::error!("{self}"),
            ErrorKind::Machine => tracing::warn!("{self}"),
            _ => {}
        }
        let message = match self {
            FrontError::Engine(e) if kind == ErrorKind::Machine => match e.fault() {
                Some(Fault::DiskFull) => {
                    format!(
                        "The disk is full ({e}). Free some space: Trove goes on where it stopped."
                    )
                }
                Some(Fault::NoPermission) => {
                    format!(
                        "Trove was not allowed to do that ({e}). Check the folder's permissions."
                    )
                }
                Some(Fault::DatabaseDamaged) => format!(
                    "The library's database is damaged ({e}). `trove check` shows what is wrong."
                ),
                None => e.to_string(),
            },
            _ => self.to_string(),
        };
        ErrorDetail { kind, message }
    }
}

/// Tauri rejects a command with the error's serialised form: the same `{kind, message}` the
/// HTTP API nests under `error`.
impl Serialize for FrontError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.detail().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_io(kind: std::io::ErrorKind) -> FrontError {
        trove_core::Error::io("cannot write to the library", std::io::Error::from(kind)).into()
    }

    #[test]
    fn a_full_disk_reaches_the_ui_as_the_machines_fault_in_words_not_as_internal() {
        let detail = engine_io(std::io::ErrorKind::StorageFull).detail();
        assert_eq!(detail.kind, ErrorKind::Machine);
        assert!(
            detail.message.starts_with("The disk is full"),
            "{}",
            detail.message
        );
        assert_eq!(detail.kind.http_status(), 503);
        let detail = engine_io(std::io::ErrorKind::PermissionDenied).detail();
        assert_eq!(detail.kind, ErrorKind::Machine);
        assert!(detail.message.contains("permissions"), "{}", detail.message);
        // A machine fault nobody can name is still the machine's, in the engine's words.
        let detail = engine_io(std::io::ErrorKind::TimedOut).detail();
        assert_eq!(detail.kind, ErrorKind::Machine);
        assert!(detail.message.starts_with("cannot write to the library"));
    }

    #[test]
    fn a_bug_stays_internal_and_a_busy_library_stays_busy() {
        let bug: FrontError = trove_core::Error::Internal("an invariant broke".into()).into();
        assert_eq!(bug.kind(), ErrorKind::Internal);
        let busy: FrontError = trove_core::Error::Busy {
            path: "/lib".into(),
            holder: "Trove (pid 1) is indexing".into(),
        }
        .into();
        assert_eq!(busy.kind(), ErrorKind::Busy);
        assert_eq!(busy.kind().http_status(), 409);
    }
}
