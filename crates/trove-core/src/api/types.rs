//! The request and response types of the [`Library`](super::Library) facade. They are the
//! contract every front end shares (CLI `--json`, HTTP API, desktop IPC): change them by adding
//! fields, not by renaming.

use serde::{Deserialize, Serialize};

use crate::extract::Kind;
use crate::pipeline::Processed;
use crate::reconcile::Changes;

/// One watched folder.
#[derive(Debug, Clone, Serialize)]
pub struct RootInfo {
    pub id: i64,
    pub path: String,
    /// False when the folder is not there (an unmounted drive): its files are kept as missing.
    pub available: bool,
    pub counts: Counts,
}

/// File counts by state and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub files: usize,
    pub indexed: usize,
    pub pending: usize,
    pub failed: usize,
    pub missing: usize,
    pub photos: usize,
    pub notes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub library: String,
    /// Bytes used by the library folder (database and thumbnails).
    pub library_bytes: u64,
    #[serde(flatten)]
    pub counts: Counts,
    /// Distinct contents (identical copies count once).
    pub contents: usize,
    /// Note chunks (the passages that are searched and embedded).
    pub chunks: usize,
    pub roots: Vec<RootInfo>,
    /// Vector sets per model.
    pub models: Vec<ModelStatus>,
}

/// A model's vectors in this library.
#[derive(Debug, Clone, Serialize)]
pub struct ModelStatus {
    pub id: String,
    pub role: crate::embed::Role,
    pub family: String,
    pub dim: usize,
    /// New vectors are made with it.
    pub target: bool,
    /// Search uses its vectors.
    pub serving: bool,
    /// Every item has a vector of it.
    pub complete: bool,
    pub vectors: usize,
    /// Items still waiting for a vector of it.
    pub missing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedFile {
    pub id: i64,
    pub path: String,
    pub kind: Kind,
    pub reason: String,
    pub attempts: i64,
}

/// A file as the library knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    pub id: i64,
    pub path: String,
    pub kind: Kind,
    pub state: String,
    pub size: u64,
    /// blake3 of the content, hex; absent until the file has been read.
    pub hash: Option<String>,
    pub content_id: Option<i64>,
}

/// `trove show`: one file with everything extracted from it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetails {
    #[serde(flatten)]
    pub file: FileInfo,
    pub name: String,
    pub modified: Option<String>,
    pub error: Option<String>,
    /// Other paths with identical bytes.
    pub copies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<NoteDetails>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoDetails {
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub taken_at: Option<String>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub orientation: Option<u16>,
    /// The cached thumbnail file, when one was made.
    pub thumbnail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteDetails {
    pub format: String,
    pub title: String,
    pub chars: usize,
    pub chunks: Vec<ChunkInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChunkInfo {
    pub item_id: i64,
    pub heading: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// What `index` did.
#[derive(Debug, Clone, Serialize)]
pub struct IndexReport {
    /// The models this run embedded with, or why not.
    pub models: Vec<super::ModelUse>,
    pub roots_added: Vec<String>,
    pub changes: Changes,
    pub processed: Processed,
    pub counts: Counts,
    pub elapsed_ms: u64,
}

/// What removing a root did.
#[derive(Debug, Clone, Serialize)]
pub struct RemoveReport {
    pub root: String,
    pub files_removed: usize,
}

/// What `add_roots` did with one requested folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RootAdded {
    Added {
        path: String,
    },
    AlreadyPresent {
        path: String,
    },
    /// Inside a folder that is already a root: nothing to add.
    Covered {
        path: String,
        by: String,
    },
    /// A parent of existing roots: it replaced them.
    Merged {
        path: String,
        replaced: Vec<String>,
    },
}

/// A search request. Only keyword search exists so far; the fields grow with the search issue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub query: String,
    pub kind: Option<Kind>,
    /// Results per group (photos, notes).
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub query: String,
    /// How results were found: "keyword" (BM25 over note text, file names and photo metadata).
    pub mode: &'static str,
    pub photos: Vec<PhotoHit>,
    pub notes: Vec<NoteHit>,
    /// Something the user should know about this search (e.g. no searchable words).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// What limits these results (e.g. no model has embedded the library yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoHit {
    pub id: i64,
    pub path: String,
    pub name: String,
    pub score: f64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub taken_at: Option<String>,
    pub camera: Option<String>,
    /// Which fields the query matched: "name", "metadata".
    pub matched: Vec<&'static str>,
    /// Other paths with identical bytes (shown once).
    pub copies: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteHit {
    pub id: i64,
    pub path: String,
    pub title: String,
    pub score: f64,
    /// The best matching passage, shortened.
    pub snippet: String,
    /// Matched words in `snippet`, as `[start, end)` offsets in characters.
    pub highlights: Vec<[usize; 2]>,
    /// Heading path of the passage ("Budget › Kitchen").
    pub heading: String,
    /// Which fields the query matched: "text", "title", "name".
    pub matched: Vec<&'static str>,
    pub copies: Vec<String>,
}
