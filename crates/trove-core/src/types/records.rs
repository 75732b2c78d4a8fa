//! What the library holds, as reads return it: folders, counts, files and their details.

use serde::Serialize;

use super::{Kind, Role};

/// One watched folder.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RootInfo {
    pub id: i64,
    pub path: String,
    /// False when the folder is not there (an unmounted drive): its files are kept as missing.
    pub available: bool,
    pub counts: Counts,
}

/// File counts by state and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Counts {
    pub files: usize,
    pub indexed: usize,
    pub pending: usize,
    pub failed: usize,
    pub missing: usize,
    pub photos: usize,
    pub notes: usize,
}

/// A model's vectors in this library.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ModelStatus {
    pub id: String,
    pub role: Role,
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

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FailedFile {
    pub id: i64,
    pub path: String,
    pub kind: Kind,
    pub reason: String,
    pub attempts: i64,
}

/// A file as the library knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
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
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ItemDetails {
    #[serde(flatten)]
    pub file: FileInfo,
    pub name: String,
    pub modified: Option<String>,
    pub error: Option<String>,
    /// Other paths with identical bytes.
    pub copies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub photo: Option<PhotoDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note: Option<NoteDetails>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct NoteDetails {
    pub format: String,
    pub title: String,
    pub chars: usize,
    pub chunks: Vec<ChunkInfo>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ChunkInfo {
    pub item_id: i64,
    pub heading: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A file the library will serve (to a page, by item id): the original and its thumbnail.
#[derive(Debug, Clone)]
pub struct ServedFile {
    pub path: std::path::PathBuf,
    pub thumbnail: Option<std::path::PathBuf>,
    /// A photo's real format ("jpeg", "heic", …; see `extract::image::Photo::format`); `None`
    /// for a note.
    pub photo_format: Option<String>,
}

/// What `check` found: `ok` when every invariant holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub problems: Vec<String>,
}

/// What removing a root did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RemoveReport {
    pub root: String,
    pub files_removed: usize,
}

/// What `add_roots` did with one requested folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
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
