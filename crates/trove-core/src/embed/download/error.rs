//! What can go wrong fetching a model, and what the user should do about it. The offline and
//! unreachable errors carry a [`ManualFetch`], so their messages are complete instructions.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A file the user has to get some other way, with what they need to do so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFile {
    pub name: String,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    /// Its URL on the public hub (not the configured endpoint: that one is what failed).
    pub url: String,
}

/// The instructions for getting a model's files by hand (boxed in the errors, which stay small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualFetch {
    pub repo: String,
    pub revision: String,
    pub files: Vec<MissingFile>,
    /// The cache folder the files can be copied into directly.
    pub snapshot: PathBuf,
}

impl fmt::Display for ManualFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Missing files of {} (revision {}):",
            self.repo, self.revision
        )?;
        for m in &self.files {
            write!(f, "  {}", m.url)?;
            match (m.size, &m.sha256) {
                (Some(size), Some(sha)) => writeln!(f, "  ({}, sha256 {sha})", human_size(size))?,
                (Some(size), None) => writeln!(f, "  ({})", human_size(size))?,
                (None, Some(sha)) => writeln!(f, "  (sha256 {sha})")?,
                (None, None) => writeln!(f)?,
            }
        }
        writeln!(f, "Download them by hand, then either")?;
        writeln!(
            f,
            "  - put them in one folder and pass it with --model-dir DIR (or set TROVE_MODEL_DIR);"
        )?;
        writeln!(
            f,
            "    for a text model use --text-model-dir DIR (or TROVE_TEXT_MODEL_DIR), or"
        )?;
        write!(f, "  - copy them into {}", self.snapshot.display())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Offline mode is on and the cache lacks some files.
    #[error(
        "offline mode is on (--offline or HF_HUB_OFFLINE) and {} file(s) of {} are not in the \
         model cache.\n{help}\nOr run once without --offline and HF_HUB_OFFLINE to download them.",
        help.files.len(), help.repo
    )]
    Offline { help: Box<ManualFetch> },
    /// The hub could not be connected to at all (no network, DNS, TLS, firewall).
    #[error(
        "cannot reach the model hub at {endpoint}: {reason}\n{help}\nOr set HF_ENDPOINT to a \
         reachable mirror of the hub."
    )]
    Unreachable {
        endpoint: String,
        reason: String,
        help: Box<ManualFetch>,
    },
    /// The downloaded bytes are not the file the registry pins; they were deleted.
    /// `expected`/`actual` are sha256s, or sizes ("N bytes") for a file pinned only by size.
    #[error(
        "{file} from {repo} does not match what the registry pins (expected {expected}, got \
         {actual}); the bad download was deleted. Run again to retry; if it persists, the hub or \
         the mirror in HF_ENDPOINT serves different content for revision {revision}."
    )]
    Checksum {
        repo: &'static str,
        revision: &'static str,
        file: &'static str,
        expected: String,
        actual: String,
    },
    /// The hub answered, but not with the file.
    #[error("the model hub answered HTTP {status} for {url}{}", http_hint(*status))]
    Http { url: String, status: u16 },
    /// The connection kept breaking; what arrived is kept for the next run.
    #[error(
        "downloading {url} kept failing after {attempts} attempts ({reason}); {done} bytes are \
         kept and the next run resumes from there"
    )]
    Interrupted {
        url: String,
        attempts: u32,
        done: u64,
        /// The file's size, when known.
        total: Option<u64>,
        reason: String,
    },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn http_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (the repository needs a login or accepted terms on the hub)",
        404 => " (no such file or revision on this endpoint; is HF_ENDPOINT a full mirror?)",
        429 => " (rate limited; try again later)",
        500..=599 => " (the hub has trouble; try again later)",
        _ => "",
    }
}

/// `map_err` helper: an I/O failure while doing `action` to `path`.
pub(super) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> DownloadError {
    let path = path.to_path_buf();
    move |source| DownloadError::Io {
        action,
        path,
        source,
    }
}

/// A byte count for people: "612 bytes", "2.2 MB" (decimal units, as download sizes are quoted).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
