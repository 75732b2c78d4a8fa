//! The request and response types of the [`Library`](super::Library) facade. They are the
//! contract every front end shares (CLI `--json`, HTTP API, desktop IPC): change them by adding
//! fields, not by renaming.

use serde::{Deserialize, Serialize};

use crate::extract::Kind;
use crate::pipeline::Processed;
use crate::reconcile::Changes;

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

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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
    /// Indexing is paused (`trove pause`) until `trove resume`.
    pub paused: bool,
    /// The service keeping this library up to date (`trove watch`, the app), when one runs.
    pub service: Option<crate::service::ServiceState>,
}

/// A model's vectors in this library.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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

/// What `index` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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

/// A search request: words, a photo to search like, or both (composite), with filters that
/// narrow the candidates before ranking. Every field is optional in JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct SearchRequest {
    #[ts(as = "Option<String>", optional)]
    pub query: String,
    pub kind: Option<Kind>,
    /// Results per group (photos, notes).
    pub limit: Option<usize>,
    /// A photo to search like (composite query): a file id or an image path (over HTTP: a
    /// file id, or `upload:<id>` of a dropped photo).
    pub like: Option<String>,
    /// Weight of the words against the `like` photo, 0..=1 [default 0.5].
    pub text_weight: Option<f32>,
    /// Also show results below the relevance cutoff (marked `below_cutoff`).
    #[ts(as = "Option<bool>", optional)]
    pub all: bool,
    #[serde(flatten)]
    pub filters: Filters,
}

/// Filters applied before ranking: a match beyond the unfiltered top results is still found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Filters {
    /// Only files under this folder.
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub folder: Option<String>,
    /// The same as an OS path, for front ends that have one (it need not be UTF-8); wins over
    /// `folder`.
    #[serde(skip)]
    pub folder_path: Option<std::path::PathBuf>,
    /// On or after this date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS): a photo's
    /// EXIF date when it has one, else the file's modification time.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub after: Option<String>,
    /// Before this date (same forms as `after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub before: Option<String>,
    /// Photos whose camera make or model contains this text (any case).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub camera: Option<String>,
    /// Only photos with GPS coordinates.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub has_gps: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SearchResults {
    pub query: String,
    /// How results were found: "keyword" (BM25 over note text, file names and photo metadata),
    /// "hybrid" (keyword and meaning, fused per group), "composite" (a photo and words),
    /// "similar" (a photo).
    pub mode: &'static str,
    pub photos: Vec<PhotoHit>,
    pub notes: Vec<NoteHit>,
    /// Matches below the relevance cutoff left out (shown with `all`).
    pub hidden: Hidden,
    /// The filters that narrowed the candidates, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub filters: Vec<String>,
    /// Something the user should know about this search (e.g. no searchable words).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub notice: Option<String>,
    /// What limits these results (e.g. no model has embedded the library yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub warning: Option<String>,
}

/// Results per group that matched too weakly to be shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Hidden {
    pub photos: usize,
    pub notes: usize,
}

/// Why a result matched.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct Why {
    /// The query's words matched (BM25).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub keyword: Option<KeywordMatch>,
    /// The query's meaning matched (cosine similarity of the model's vectors).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub semantic: Option<SemanticMatch>,
    /// How the result passed each filter ("taken 2019-07-12 (EXIF)", "in ~/Photos").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub filters: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct KeywordMatch {
    /// 1 = the best keyword match of its group.
    pub rank: usize,
    /// BM25 score (higher is better).
    pub score: f64,
    /// Fields the words matched: "text", "title", "name", "metadata".
    pub fields: Vec<&'static str>,
    /// Every word matched (false: none matched them all, and this has some of them).
    pub all_words: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SemanticMatch {
    /// 1 = the closest in meaning of its group.
    pub rank: usize,
    /// Cosine similarity, -1..=1.
    pub score: f64,
    pub model: String,
    /// The model's calibrated relevance cutoff for this group, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cutoff: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PhotoHit {
    pub id: i64,
    pub path: String,
    pub name: String,
    /// Ranking score: BM25 for keyword search, cosine similarity for a photo query, the fused
    /// score (reciprocal-rank fusion) for hybrid search. Compare within one result list only.
    pub score: f64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub taken_at: Option<String>,
    pub camera: Option<String>,
    /// Which fields the query matched: "name", "metadata", "meaning", "similar".
    pub matched: Vec<&'static str>,
    pub why: Why,
    /// Weaker than the relevance cutoff (listed only when all results were asked for).
    pub below_cutoff: bool,
    /// Other paths with identical bytes (shown once).
    pub copies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct NoteHit {
    pub id: i64,
    pub path: String,
    pub title: String,
    /// Ranking score, as for photos.
    pub score: f64,
    /// The best matching passage, shortened.
    pub snippet: String,
    /// Matched words in `snippet`, as `[start, end)` offsets in characters.
    pub highlights: Vec<[usize; 2]>,
    /// Heading path of the passage ("Budget › Kitchen").
    pub heading: String,
    /// Which fields the query matched: "text", "title", "name", "meaning", "similar".
    pub matched: Vec<&'static str>,
    pub why: Why,
    pub below_cutoff: bool,
    pub copies: Vec<String>,
}
