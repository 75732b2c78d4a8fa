//! The engine's error type, tagged with whose fault it is.
//!
//! A corrupt photo is not an error of the engine at all: it becomes a `failed` row with a reason
//! (see `extract::ExtractError`). What reaches callers as [`Error`] is either the user's (a bad
//! argument, an unknown item), the machine's (disk full, library locked by another process), or
//! ours (a bug: an invariant broke). Binaries use [`Error::origin`] to choose exit codes and wording.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is wrong: a folder that does not exist, an unknown id, a bad query.
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// Another process owns writing to this library.
    #[error("the library at {path} is busy: {holder}; try again when it finishes")]
    Busy { path: PathBuf, holder: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("library database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("library database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("invalid settings in {path}: {message}")]
    Config { path: PathBuf, message: String },
    /// A model that cannot be fetched, loaded or run.
    #[error(transparent)]
    Embed(#[from] crate::embed::EmbedError),
    /// The system would not report file changes (see `watch`).
    #[error(transparent)]
    Watch(#[from] crate::watch::WatchError),
    /// A broken invariant: a bug in Trove.
    #[error("internal error (a bug in Trove, please report it): {0}")]
    Internal(String),
}

/// Whose fault an error is; decides how it is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    User,
    Machine,
    Internal,
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn origin(&self) -> Origin {
        match self {
            Error::Invalid(_) | Error::NotFound(_) | Error::Config { .. } => Origin::User,
            Error::Busy { .. } | Error::Io { .. } | Error::Db(_) | Error::Watch(_) => {
                Origin::Machine
            }
            Error::Migration(_) | Error::Internal(_) => Origin::Internal,
            Error::Embed(e) => e.origin(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
