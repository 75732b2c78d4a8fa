//! The engine's error type, tagged with whose fault it is.
//!
//! A corrupt photo is not an error of the engine at all: it becomes a `failed` row with a reason
//! (see `extract::ExtractError`). What reaches callers as [`Error`] is either the user's (a bad
//! argument, an unknown item), the machine's (disk full, library locked by another process), or
//! ours (a bug: an invariant broke). Binaries use [`Error::origin`] to choose exit codes and wording.

use std::path::PathBuf;

use crate::types::{Fault, Origin};

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

    /// The machine's fault behind this error, where it is one a person can act on (free some
    /// space, fix a permission, repair the library); front ends word each for a person.
    pub fn fault(&self) -> Option<Fault> {
        match self {
            Error::Io { source, .. } => io_fault(source),
            Error::Db(e)
            | Error::Migration(rusqlite_migration::Error::RusqliteError { err: e, .. }) => {
                db_fault(e)
            }
            _ => None,
        }
    }
}

fn io_fault(e: &std::io::Error) -> Option<Fault> {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Some(Fault::DiskFull),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => Some(Fault::NoPermission),
        _ => None,
    }
}

fn db_fault(e: &rusqlite::Error) -> Option<Fault> {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code()? {
        ErrorCode::DiskFull => Some(Fault::DiskFull),
        ErrorCode::ReadOnly | ErrorCode::PermissionDenied => Some(Fault::NoPermission),
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => Some(Fault::DatabaseDamaged),
        _ => None,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_a_refused_permission_and_a_damaged_database_are_told_apart() {
        let io = |kind| Error::io("cannot write the thumbnail", std::io::Error::from(kind));
        assert_eq!(
            io(std::io::ErrorKind::StorageFull).fault(),
            Some(Fault::DiskFull)
        );
        assert_eq!(
            io(std::io::ErrorKind::PermissionDenied).fault(),
            Some(Fault::NoPermission)
        );
        assert_eq!(io(std::io::ErrorKind::NotFound).fault(), None);
        let db = |code| {
            Error::Db(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(code),
                None,
            ))
        };
        assert_eq!(
            db(rusqlite::ffi::SQLITE_FULL).fault(),
            Some(Fault::DiskFull)
        );
        assert_eq!(
            db(rusqlite::ffi::SQLITE_CORRUPT).fault(),
            Some(Fault::DatabaseDamaged)
        );
        assert_eq!(
            db(rusqlite::ffi::SQLITE_NOTADB).fault(),
            Some(Fault::DatabaseDamaged)
        );
        assert_eq!(
            db(rusqlite::ffi::SQLITE_READONLY).fault(),
            Some(Fault::NoPermission)
        );
        assert_eq!(db(rusqlite::ffi::SQLITE_CONSTRAINT).fault(), None);
        assert_eq!(Error::Internal("a bug".into()).fault(), None);
    }
}
