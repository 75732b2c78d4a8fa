//! What the service reports while it runs: one stream of events that `trove watch` prints (as
//! a status line, or as JSON lines with `--json`) and the UI and tray render.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::embed::download::DownloadEvent;
use crate::pipeline::ModelUse;
use crate::pipeline::Processed;
use crate::reconcile::Changes;
use crate::types::Counts;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ServiceEvent {
    /// The folders followed and how: after start-up, and whenever one comes, goes or is added.
    Watching {
        roots: Vec<WatchedRoot>,
    },
    /// What a reconcile with the disk found: at start-up and on requests (`live: false`), or
    /// after file events (`live: true`). Only sent when something changed.
    Changes {
        live: bool,
        #[serde(flatten)]
        changes: Changes,
    },
    /// The models this run embeds with.
    Models {
        models: Vec<ModelUse>,
    },
    /// A model file is being downloaded.
    Download {
        download: DownloadEvent,
    },
    Progress(Activity),
    /// The queue is empty: everything on disk is indexed (or failed, with its reason).
    /// `totals` counts what this service did since it started.
    Idle {
        totals: Processed,
        counts: Counts,
    },
    Paused,
    Resumed,
    /// Something went wrong that the service will retry (a full disk, a model that failed);
    /// indexing goes on.
    Problem {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct WatchedRoot {
    pub path: String,
    /// "events" (the system reports changes), "polling" (looked at every few seconds) or
    /// "unavailable" (the folder is gone — an unplugged drive — and its files are kept as
    /// missing until it returns).
    pub state: &'static str,
}

/// Indexing progress over one busy period (from the queue filling until it is empty again).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Activity {
    /// "indexing" (files from the queue) or "embedding" (older items getting vectors of a new
    /// model).
    pub phase: &'static str,
    pub done: usize,
    pub total: usize,
    /// Files (or items) per second over this busy period.
    pub rate: f64,
    /// Seconds left at that rate, once there is a rate.
    pub eta_secs: Option<u64>,
    pub current: Option<String>,
    /// Files that failed in this busy period.
    pub failed: usize,
}

/// What a running service last said about itself, kept in the library folder (`service.json`)
/// so that other processes can show it (`trove status` beside `trove watch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServiceState {
    pub pid: u32,
    /// "starting", "indexing", "embedding", "idle" or "paused".
    pub state: String,
    pub done: usize,
    pub total: usize,
    pub rate: f64,
    pub eta_secs: Option<u64>,
    pub failed: usize,
}

/// Keeps `service.json` in step with the events, at most once a second unless the state
/// changes, and removes it when the service ends.
pub struct StateFile {
    path: PathBuf,
    state: ServiceState,
    written: Option<Instant>,
}

impl StateFile {
    pub fn new(path: PathBuf) -> StateFile {
        let mut file = StateFile {
            path,
            state: ServiceState {
                pid: std::process::id(),
                state: "starting".into(),
                done: 0,
                total: 0,
                rate: 0.0,
                eta_secs: None,
                failed: 0,
            },
            written: None,
        };
        file.write();
        file
    }

    pub fn update(&mut self, event: &ServiceEvent) {
        let before = self.state.state.clone();
        match event {
            ServiceEvent::Progress(a) => {
                self.state.state = a.phase.into();
                self.state.done = a.done;
                self.state.total = a.total;
                self.state.rate = a.rate;
                self.state.eta_secs = a.eta_secs;
                self.state.failed = a.failed;
            }
            ServiceEvent::Idle { .. } => self.state.state = "idle".into(),
            ServiceEvent::Paused => self.state.state = "paused".into(),
            ServiceEvent::Resumed => self.state.state = "indexing".into(),
            _ => return,
        }
        let due = self
            .written
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if due || before != self.state.state {
            self.write();
        }
    }

    /// Best effort: the file only informs other processes.
    fn write(&mut self) {
        let written = serde_json::to_vec(&self.state)
            .map_err(std::io::Error::other)
            .and_then(|json| crate::paths::write_whole(&self.path, &json));
        if let Err(e) = written {
            tracing::debug!("cannot write {}: {e}", self.path.display());
        }
        self.written = Some(Instant::now());
    }
}

impl Drop for StateFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Measures a busy period: done, total and the rate since it began.
#[derive(Debug, Default)]
pub struct Meter {
    started: Option<Instant>,
    done: usize,
    failed_before: usize,
}

impl Meter {
    /// Marks the start of a busy period (unless one is on), before its first unit of work.
    pub fn begin(&mut self, failed_so_far: usize) {
        if self.started.is_none() {
            self.started = Some(Instant::now());
            self.failed_before = failed_so_far;
        }
    }

    /// Records `n` more done; `pending` is what the queue still holds.
    pub fn advance(
        &mut self,
        phase: &'static str,
        n: usize,
        pending: usize,
        failed_so_far: usize,
        current: Option<String>,
    ) -> Activity {
        self.begin(failed_so_far);
        let started = self.started.unwrap_or_else(Instant::now);
        self.done += n;
        let secs = started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        };
        Activity {
            phase,
            done: self.done,
            total: self.done + pending,
            rate,
            eta_secs: (rate > 0.0).then(|| (pending as f64 / rate).ceil() as u64),
            current,
            failed: failed_so_far - self.failed_before.min(failed_so_far),
        }
    }

    /// The busy period ended.
    pub fn reset(&mut self) {
        *self = Meter::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_period_counts_from_its_start() {
        let mut meter = Meter::default();
        let a = meter.advance("indexing", 10, 30, 5, None);
        assert_eq!((a.done, a.total, a.failed), (10, 40, 0));
        let b = meter.advance("indexing", 30, 0, 7, Some("x.jpg".into()));
        assert_eq!((b.done, b.total, b.failed), (40, 40, 2));
        assert_eq!(b.eta_secs, Some(0));
        meter.reset();
        assert_eq!(meter.advance("indexing", 1, 0, 7, None).failed, 0);
    }

    #[test]
    fn events_serialise_with_their_name() {
        let json = serde_json::to_value(ServiceEvent::Paused).unwrap();
        assert_eq!(json, serde_json::json!({"event": "paused"}));
        let mut meter = Meter::default();
        let json = serde_json::to_value(ServiceEvent::Progress(
            meter.advance("indexing", 1, 1, 0, None),
        ))
        .unwrap();
        assert_eq!(json["event"], "progress");
        assert_eq!(json["total"], 2);
    }
}
