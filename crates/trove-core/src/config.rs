//! Settings: where the library lives and how indexing behaves.
//!
//! Read from a TOML file in the platform config dir (Linux: `~/.config/trove/config.toml`, or the
//! file named by `TROVE_CONFIG`). Every setting can also be given on the command line; the CLI
//! applies its flags on top of what this module loads, so the file only holds defaults.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::extract::Limits;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The library directory (database, thumbnails). Default: the platform data dir.
    pub library: Option<PathBuf>,
    pub index: IndexSettings,
    pub limits: Limits,
    /// Which models embed the library, where they run, whether the network may be used.
    pub models: crate::embed::select::ModelSettings,
    /// How search ranks.
    pub search: SearchSettings,
    /// How `trove watch` (and the app) follow the folders.
    pub watch: WatchSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchSettings {
    /// Look for changes every `poll_interval_secs` instead of using the system's file events:
    /// for network drives and other file systems that send none.
    pub poll: bool,
    pub poll_interval_secs: u64,
    /// Quiet time after a burst of file events before it is handled: a copy of many photos is
    /// then handled as one batch, and an editor's save as one change.
    pub debounce_ms: u64,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            poll: false,
            poll_interval_secs: 5,
            debounce_ms: 300,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    /// How keyword and meaning rankings are combined per group: "rrf" (reciprocal-rank
    /// fusion, the default: measured best on the test sets, see docs/search.md) or "weighted".
    pub fusion: crate::search::fuse::Fusion,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndexSettings {
    /// Threads indexing may use (reading, extracting, embedding). Default: every core for
    /// `trove index` (a person is waiting on it); all but one for the background service, so the
    /// machine stays responsive while it works.
    pub threads: Option<usize>,
    /// The background service (watch, serve, the app) indexes like `trove index`: every core, at
    /// normal priority. For a first big index; off, it keeps its manners.
    pub full_speed: bool,
    /// Files committed per transaction: the most work a crash can cost.
    pub batch_size: usize,
}

impl Default for IndexSettings {
    fn default() -> Self {
        IndexSettings {
            threads: None,
            full_speed: false,
            batch_size: 32,
        }
    }
}

pub use crate::pipeline::Pace;

impl IndexSettings {
    /// The pace of the background service.
    pub fn service_pace(&self) -> Pace {
        if self.full_speed {
            Pace::Foreground
        } else {
            Pace::Background
        }
    }

    pub fn worker_threads(&self, pace: Pace) -> usize {
        self.threads
            .unwrap_or_else(|| {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                match pace {
                    Pace::Foreground => cores,
                    Pace::Background => cores.saturating_sub(1),
                }
            })
            .max(1)
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "trove")
}

/// The settings file: `TROVE_CONFIG` if set, else `config.toml` in the platform config dir.
pub fn settings_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TROVE_CONFIG") {
        return Some(PathBuf::from(path));
    }
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The default library directory: the platform data dir (Linux: `~/.local/share/trove`).
pub fn default_library_dir() -> Result<PathBuf> {
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::Invalid(
                "cannot find a home directory for the library; pass --library DIR".into(),
            )
        })
}

impl Settings {
    /// Loads the settings file if it exists; a missing file means defaults.
    pub fn load() -> Result<Settings> {
        match settings_path() {
            Some(path) => Settings::load_from(&path),
            None => Ok(Settings::default()),
        }
    }

    pub fn load_from(path: &Path) -> Result<Settings> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    pub fn library_dir(&self) -> Result<PathBuf> {
        match &self.library {
            Some(dir) => Ok(dir.clone()),
            None => default_library_dir(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_file_keeps_other_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[index]\nthreads = 3\n[limits]\nthumbnail_size = 256\n",
        )
        .unwrap();
        let settings = Settings::load_from(&path).unwrap();
        assert_eq!(settings.index.threads, Some(3));
        assert_eq!(settings.index.batch_size, 32);
        assert_eq!(settings.limits.thumbnail_size, 256);
        assert_eq!(
            settings.limits.max_image_pixels,
            Limits::default().max_image_pixels
        );
    }

    #[test]
    fn a_person_waiting_gets_every_core_and_the_service_leaves_one() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut index = IndexSettings::default();
        assert_eq!(index.worker_threads(Pace::Foreground), cores);
        assert_eq!(
            index.worker_threads(Pace::Background),
            cores.saturating_sub(1).max(1)
        );
        assert_eq!(index.service_pace(), Pace::Background);
        index.full_speed = true;
        assert_eq!(index.service_pace(), Pace::Foreground);
        index.threads = Some(3);
        assert_eq!(index.worker_threads(Pace::Foreground), 3);
        assert_eq!(
            index.worker_threads(Pace::Background),
            3,
            "a chosen budget is kept"
        );
        index.threads = Some(0);
        assert_eq!(index.worker_threads(Pace::Background), 1);
    }

    #[test]
    fn unknown_keys_are_reported_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[index]\nthredas = 3\n").unwrap();
        let err = Settings::load_from(&path).unwrap_err().to_string();
        assert!(
            err.contains("config.toml") && err.contains("thredas"),
            "{err}"
        );
    }

    #[test]
    fn missing_file_means_defaults() {
        let settings = Settings::load_from(Path::new("/nonexistent/trove.toml")).unwrap();
        assert_eq!(settings, Settings::default());
    }
}
