//! The engine's shared vocabulary: the kinds of item and model, whose fault an error is, and the
//! records that reads and searches return. A leaf: it imports nothing of the engine, so every
//! layer can use it, and the facade re-exports it as its contract with the front ends (CLI
//! `--json`, HTTP API, desktop IPC): change these types by adding fields, not by renaming.

mod records;
mod search;

use serde::{Deserialize, Serialize};

pub use records::*;
pub use search::*;

/// What kind of item a file becomes. Decided from the file name; content checks come later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Photo,
    Note,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Photo => "photo",
            Kind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "photo" => Some(Kind::Photo),
            "note" => Some(Kind::Note),
            _ => None,
        }
    }
}

/// What a model is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An image + text model with one embedding space (CLIP family): photos, text queries and
    /// note chunks, so text finds photos and a photo finds notes.
    Bridge,
    /// A sentence embedder: note chunks and text queries, for text → notes.
    Text,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Bridge => "bridge",
            Role::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "bridge" => Some(Role::Bridge),
            "text" => Some(Role::Text),
            _ => None,
        }
    }
}

/// Whose fault an error is; decides how it is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    User,
    Machine,
    Internal,
}

/// A fault of the machine that a person can do something about; see `Error::fault`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The disk (of the library or of a folder) has no space left.
    DiskFull,
    /// The system refused access: file permissions, a read-only disk.
    NoPermission,
    /// The library's database is damaged (not only locked or busy).
    DatabaseDamaged,
}
