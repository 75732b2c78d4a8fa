//! Fetching model files from the Hugging Face hub into the hub's own cache.
//!
//! This module owns three things: where the cache is, whether the network may be used, and
//! getting every file of a [`HubSource`] into `models--{org}--{name}/snapshots/{revision}/` intact.
//! The cache follows Python's `huggingface_hub` exactly (`HF_HUB_CACHE`, else `$HF_HOME/hub`, else
//! `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`; content in
//! `blobs/<sha256>`, relative symlinks from `snapshots/`, locks in `.locks/`), so weights that
//! Python tools already downloaded are reused, and ours are visible to them. Which models exist is
//! `models`' business, and local `--model-dir` folders are checked by the caller before it gets
//! here; the errors only *mention* them, because they are what a user without network needs.
//!
//! # Why ureq rather than the `hf-hub` crate
//! `hf-hub` 1.0 is async (tokio + reqwest) and always pulls in `hf-xet`; its plain HTTP path
//! recreates `<blob>.incomplete` from zero on every attempt, so a cut connection restarts a
//! 600 MB file (hf-hub issue #196). `hf-hub` 0.4.3's sync API (ureq 2) does resume, but renames
//! the part file into `blobs/` without checking its length or checksum (a body that ends early
//! but cleanly becomes "the model"), never fsyncs, retries nothing by default, has no offline
//! mode, and spends an extra metadata request per file. Checking sha256 after it returns would
//! leave an unverified file in the snapshot for a while, which is what we must never do. The
//! registry already pins each file's size and sha256, so one GET per file (with `Range` when
//! resuming, following the hub's redirect to its CDN) is all the protocol we need: ureq 3 with
//! rustls and webpki roots (no system OpenSSL) does it, and this module writes the layout. (A
//! file the registry could not pin is fetched at the pinned commit and stored under the sha256
//! we compute, so the layout stays content-addressed.)
//!
//! Requests say `Accept-Encoding: identity`: CDNs ignore `Range` on compressible responses, and
//! a server that still ignores it (a `200` answer to a ranged request) makes us start the file
//! over instead of appending the wrong bytes.
//!
//! `transfer` moves one file (lock, resume, verify, rename, link); `error` says what went
//! wrong and what the user can do about it.

mod error;
mod transfer;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing::{debug, info};

pub use error::{DownloadError, ManualFetch, MissingFile, human_size};
use transfer::{Failure, Job, has_size};

/// Where the hub lives unless `HF_ENDPOINT` or [`Hub::with_endpoint`] says otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// Failed attempts per file (connection cut, 5xx) before giving up; attempts that made progress
/// don't count, so a flaky link still finishes a large file.
pub const DEFAULT_RETRIES: u32 = 5;

/// One file of a model on the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubFile {
    /// The path inside the repository, `/`-separated.
    pub name: &'static str,
    /// Lowercase hex; for LFS files it equals the hub's etag, hence the blob's name in the cache.
    /// `None` for a file the registry could not pin: it is fetched at the pinned commit (whose
    /// content cannot change) and left for its loader to validate.
    pub sha256: Option<&'static str>,
    /// Bytes; `None` when unknown (then only presence is checked, and the server says the size).
    pub size: Option<u64>,
}

/// Where a model's files live on the hub: repository, pinned revision (a commit hash), files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubSource {
    pub repo: &'static str,
    pub revision: &'static str,
    pub files: &'static [HubFile],
}

impl HubSource {
    /// The repository's folder in the cache, named the way `huggingface_hub` names it.
    pub fn cache_folder(&self) -> String {
        format!("models--{}", self.repo.replace('/', "--"))
    }

    /// A file's download URL on `endpoint` (for the public hub: [`DEFAULT_ENDPOINT`]).
    pub fn url(&self, endpoint: &str, file: &str) -> String {
        let endpoint = endpoint.trim_end_matches('/');
        format!("{endpoint}/{}/resolve/{}/{file}", self.repo, self.revision)
    }

    /// The sum of the known sizes.
    pub fn total_size(&self) -> u64 {
        self.files.iter().filter_map(|f| f.size).sum()
    }
}

/// What a download reports while it runs; the CLI draws a bar from it, the UI forwards it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DownloadEvent {
    /// A missing file is about to be fetched; `total` is its full size in bytes (0: unknown).
    Started { file: String, total: u64 },
    /// `done` counts bytes on disk, including those kept from an earlier, interrupted attempt;
    /// `total` is 0 while unknown (an unpinned file served without a length).
    Progress { file: String, done: u64, total: u64 },
    /// The file is verified and in the snapshot folder.
    Finished { file: String },
}

/// Whether an environment flag such as `HF_HUB_OFFLINE` is set, by `huggingface_hub`'s rules.
pub fn env_flag(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "on" | "yes" | "true"
    )
}

/// Access to the hub and its local cache.
#[derive(Debug, Clone)]
pub struct Hub {
    endpoint: String,
    cache_dir: PathBuf,
    offline: bool,
    retries: u32,
}

impl Hub {
    /// Endpoint from HF_ENDPOINT, cache from HF_HUB_CACHE / HF_HOME / default, offline from the
    /// flag or HF_HUB_OFFLINE.
    pub fn from_env(offline: bool) -> Hub {
        Hub::from_vars(offline, |name| std::env::var_os(name))
    }

    /// [`Hub::from_env`] with the environment given as a lookup, so the rules can be tested
    /// without touching the process's (global) environment.
    pub fn from_vars(offline: bool, var: impl Fn(&str) -> Option<OsString>) -> Hub {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let home = || {
            var("HOME")
                .or_else(|| var("USERPROFILE"))
                .map(PathBuf::from)
                .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
                .unwrap_or_else(|| PathBuf::from("."))
        };
        // Python expands `~` in these variables, so people write it there.
        let expand = |v: OsString| match v.to_str() {
            Some("~") => home(),
            Some(s) if s.starts_with("~/") => home().join(&s[2..]),
            _ => PathBuf::from(v),
        };
        let cache_dir = var("HF_HUB_CACHE")
            .or_else(|| var("HUGGINGFACE_HUB_CACHE"))
            .map(expand)
            .or_else(|| var("HF_HOME").map(|h| expand(h).join("hub")))
            .unwrap_or_else(|| {
                let cache = var("XDG_CACHE_HOME").map(expand);
                cache
                    .unwrap_or_else(|| home().join(".cache"))
                    .join("huggingface/hub")
            });
        let endpoint = var("HF_ENDPOINT")
            .and_then(|v| v.into_string().ok())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let env_offline = var("HF_HUB_OFFLINE").is_some_and(|v| env_flag(&v.to_string_lossy()));
        Hub {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            cache_dir,
            offline: offline || env_offline,
            retries: DEFAULT_RETRIES,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn with_endpoint(self, url: impl Into<String>) -> Hub {
        let endpoint = url.into().trim_end_matches('/').to_owned();
        Hub { endpoint, ..self }
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn with_cache_dir(self, dir: impl Into<PathBuf>) -> Hub {
        Hub {
            cache_dir: dir.into(),
            ..self
        }
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn with_offline(self, offline: bool) -> Hub {
        Hub { offline, ..self }
    }

    #[cfg(any(test, feature = "internals"))]
    /// Failed attempts per file before giving up (see [`DEFAULT_RETRIES`]).
    pub fn with_retries(self, retries: u32) -> Hub {
        Hub { retries, ..self }
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn offline(&self) -> bool {
        self.offline
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// The folder that holds (or will hold) the model's files once fetched.
    pub fn snapshot_dir(&self, src: &HubSource) -> PathBuf {
        self.cache_dir
            .join(src.cache_folder())
            .join("snapshots")
            .join(src.revision)
    }

    /// The snapshot folder if every file is already in the cache (size check; no network).
    /// Cheap: used by `trove models` to show installed or not.
    pub fn cached(&self, src: &HubSource) -> Option<PathBuf> {
        let snapshot = self.snapshot_dir(src);
        self.missing(src, &snapshot).is_empty().then_some(snapshot)
    }

    /// Files whose snapshot entry is absent, dangling or of the wrong size. Contents are not
    /// hashed: that would read a 600 MB model on every start; they were verified when written.
    fn missing(&self, src: &HubSource, snapshot: &Path) -> Vec<HubFile> {
        let files = src.files.iter().copied();
        files
            .filter(|f| !has_size(&snapshot.join(f.name), f.size))
            .collect()
    }

    /// Ensures every file is in the cache (downloading what's missing, resuming partial files,
    /// verifying sha256) and returns the snapshot folder holding them all.
    pub fn fetch(
        &self,
        src: &HubSource,
        on_event: &mut dyn FnMut(DownloadEvent),
    ) -> Result<PathBuf, DownloadError> {
        let snapshot = self.snapshot_dir(src);
        let missing = self.missing(src, &snapshot);
        if missing.is_empty() {
            debug!(repo = src.repo, snapshot = %snapshot.display(), "model already in the cache");
            return Ok(snapshot);
        }
        if self.offline {
            return Err(DownloadError::Offline {
                help: Box::new(self.manual(src, &missing)),
            });
        }
        info!(repo = src.repo, revision = src.revision, endpoint = %self.endpoint,
              files = missing.len(), "downloading model files");
        let mut job = Job {
            agent: self.agent(),
            src,
            cache_dir: &self.cache_dir,
            snapshot: &snapshot,
            endpoint: &self.endpoint,
            retries: self.retries,
            contacted: false,
            on_event,
            reported: None,
        };
        for (i, file) in missing.iter().enumerate() {
            match job.file(file) {
                Ok(()) => {}
                Err(Failure::Unreachable(reason)) => {
                    return Err(DownloadError::Unreachable {
                        endpoint: self.endpoint.clone(),
                        reason,
                        help: Box::new(self.manual(src, &missing[i..])),
                    });
                }
                Err(Failure::Fatal(e)) => return Err(e),
            }
        }
        Ok(snapshot)
    }

    fn manual(&self, src: &HubSource, missing: &[HubFile]) -> ManualFetch {
        let files = missing.iter().map(|f| MissingFile {
            name: f.name.to_owned(),
            size: f.size,
            sha256: f.sha256.map(str::to_owned),
            url: src.url(DEFAULT_ENDPOINT, f.name),
        });
        ManualFetch {
            repo: src.repo.to_owned(),
            revision: src.revision.to_owned(),
            files: files.collect(),
            snapshot: self.snapshot_dir(src),
        }
    }

    fn agent(&self) -> ureq::Agent {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("trove/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            // Per read, not per body: a 600 MB file may take an hour, but a stall should not.
            .timeout_per_read(Some(Duration::from_secs(60)));
        // An HTTP_PROXY meant for the internet must not swallow a mirror on this very machine.
        let host = self.endpoint.split("://").nth(1).unwrap_or("");
        if ["localhost", "127.", "[::1]"]
            .iter()
            .any(|p| host.starts_with(p))
        {
            config = config.proxy(None);
        }
        config.build().into()
    }
}
