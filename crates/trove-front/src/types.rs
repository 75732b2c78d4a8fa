//! The UI's own request and response types beyond the facade's (which are in
//! `trove_core::api`); the UI's TypeScript types are generated from both.

use serde::{Deserialize, Serialize};
use trove_core::api::ModelUse;
use trove_core::api::{Activity, WatchedRoot};

/// Where the service keeping the library up to date runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Running {
    /// In this server.
    Here,
    /// In another process (`trove watch`, the desktop app): work is handed over to it.
    Elsewhere,
    /// Nowhere: nothing indexes new files.
    None,
}

/// `GET /api/service`: what the background service is doing.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ServiceView {
    pub running: Running,
    /// Who holds the library when the service runs elsewhere.
    pub holder: Option<String>,
    /// The models the service embeds with; a role that is `unavailable` says how to fix it.
    pub models: Vec<ModelUse>,
    pub watching: Vec<WatchedRoot>,
    /// Indexing under way, if any.
    pub activity: Option<Activity>,
    pub paused: bool,
    /// The service's last problem, until indexing next goes idle.
    pub problem: Option<String>,
}

/// `POST /api/uploads`: a photo kept in memory to search by, as `like: "upload:<id>"`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Upload {
    pub id: String,
    pub width: u32,
    pub height: u32,
    /// "jpeg", "png", …
    pub format: String,
    pub bytes: usize,
}

/// Body of `POST` and `DELETE /api/roots`.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct RootRequest {
    pub path: String,
}

/// What adding or removing a folder did (the service carries it out in the background).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RootsChange {
    pub folders: Vec<String>,
    /// For people: "indexing ~/Pictures in the background".
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Paused {
    pub paused: bool,
}

/// `GET /api/settings`: what the settings screen edits.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SettingsView {
    /// The settings file, when there is one (it need not exist yet).
    pub path: Option<String>,
    /// Bridge (image + text) model id; null: the default.
    pub model: Option<String>,
    /// Text model id; null: the default.
    pub text_model: Option<String>,
    /// "auto", "cpu", "cuda" or "metal".
    pub device: String,
    /// Devices this build can use.
    pub devices: Vec<String>,
    /// Indexing threads (the CPU budget); null: all cores but one (all with `full_speed`).
    pub threads: Option<usize>,
    pub cores: usize,
    /// The background indexing runs on every core at normal priority.
    pub full_speed: bool,
    /// The registry's models to choose from: (id, role, name).
    pub choices: Vec<ModelChoice>,
    /// Saved settings that differ from what this server runs with: they apply at the next start.
    pub restart_needed: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ModelChoice {
    pub id: String,
    pub name: String,
    pub role: trove_core::api::Role,
    pub installed: bool,
}

/// `PUT /api/settings`: the fields to change (absent: unchanged). An empty string (or 0
/// threads) returns a setting to its default.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct SettingsUpdate {
    pub model: Option<String>,
    pub text_model: Option<String>,
    pub device: Option<String>,
    pub threads: Option<usize>,
    pub full_speed: Option<bool>,
}

/// Every error answer: `{"error": {"kind", "message"}}`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ErrorDetail {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Invalid,
    NotFound,
    Busy,
    Unauthorized,
    TooLarge,
    Unsupported,
    /// The machine's fault, not the request's nor Trove's: a full disk, a permission, a damaged
    /// database, a file that cannot be read now.
    Machine,
    Internal,
}

impl ErrorKind {
    /// The HTTP status each kind is answered with, by `trove serve` and the desktop app's
    /// `trove:` protocol alike.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Invalid => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::NotFound => 404,
            ErrorKind::Busy => 409,
            ErrorKind::TooLarge => 413,
            ErrorKind::Unsupported => 415,
            ErrorKind::Internal => 500,
            ErrorKind::Machine => 503,
        }
    }
}
