//! The request and response types of the [`Library`](super::Library) facade. They are the
//! contract every front end shares (CLI `--json`, HTTP API, desktop IPC): change them by adding
//! fields, not by renaming.

use serde::{Deserialize, Serialize};

use crate::pipeline::Processed;
use crate::reconcile::Changes;
pub use crate::types::*;

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
