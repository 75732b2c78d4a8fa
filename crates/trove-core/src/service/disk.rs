//! What the service learns of the disk and writes down: the watcher's changes (listed and
//! reconciled), handed-over requests, roots that come and go (watched again when back), and the
//! sweep that compares rows with the disk after live changes.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::control;
use super::{Runner, ServiceEvent, WatchedRoot};
use crate::error::{Error, Result};
use crate::reconcile::{self, Changes};
use crate::scan::{self, Listing};
use crate::store::{read, write};
use crate::watch::{Change, Mode};
use crate::{paths, pipeline};

/// Rows compared with the disk per idle tick while a sweep is owed.
const SWEEP_SLICE: usize = 2000;

impl Runner {
    /// Waits up to `timeout` for file events, then reconciles all that arrived.
    pub(super) fn take_changes(&mut self, timeout: Duration) -> Result<()> {
        let (first, disconnected) = if timeout.is_zero() {
            match self.rx.try_recv() {
                Ok(changes) => (Some(changes), false),
                Err(e) => (None, e == mpsc::TryRecvError::Disconnected),
            }
        } else {
            match self.rx.recv_timeout(timeout) {
                Ok(changes) => (Some(changes), false),
                Err(RecvTimeoutError::Timeout) => (None, false),
                Err(RecvTimeoutError::Disconnected) => (None, true),
            }
        };
        let mut changes = match first {
            Some(changes) => changes,
            None if disconnected => {
                self.watcher_gone = true;
                return Err(Error::Internal("the file watcher stopped".into()));
            }
            None => return Ok(()),
        };
        while let Ok(more) = self.rx.try_recv() {
            changes.extend(more);
        }
        self.apply(changes, true)
    }

    /// Lists what the changes name and reconciles it in one transaction, so a move's two ends
    /// meet (and the file keeps its id and vectors).
    pub(super) fn apply(&mut self, changes: Vec<Change>, live: bool) -> Result<()> {
        tracing::debug!("changes: {changes:?}");
        let exclude = vec![canonical(&self.setup.indexing.layout.dir)];
        let mut listings: Vec<(i64, Listing)> = Vec::new();
        let mut rescanned: Vec<i64> = Vec::new();
        for change in changes {
            let (path, whole) = match &change {
                Change::Rescan(root) => (root.as_path(), true),
                Change::Path(path) => (path.as_path(), false),
            };
            let Some((root_id, root)) = root_of(&self.roots, path) else {
                continue; // a root removed meanwhile
            };
            if rescanned.contains(&root_id) {
                continue;
            }
            if whole || path == root {
                rescanned.push(root_id);
                listings.retain(|(id, _)| *id != root_id);
                listings.push((root_id, scan::scan(root, &exclude)));
            } else {
                listings.push((root_id, scan::scan_within(root, path, &exclude)));
            }
        }
        let reconciled = self.reconcile(&listings, live);
        if reconciled.is_err() {
            // The changes were taken from the watcher: list their roots whole once it works.
            self.rescan_owed
                .extend(listings.iter().map(|(root_id, _)| *root_id));
        }
        reconciled
    }

    pub(super) fn reconcile_roots(&mut self, roots: &[(i64, PathBuf)], live: bool) -> Result<()> {
        let exclude = vec![canonical(&self.setup.indexing.layout.dir)];
        let listings: Vec<(i64, Listing)> = roots
            .iter()
            .map(|(id, path)| (*id, scan::scan(path, &exclude)))
            .collect();
        self.reconcile(&listings, live)
    }

    fn reconcile(&mut self, listings: &[(i64, Listing)], live: bool) -> Result<()> {
        if listings.is_empty() {
            return Ok(());
        }
        let tx = self.writer.conn.transaction()?;
        let (changes, dropped): (Changes, _) = reconcile::reconcile(&tx, listings)?;
        tx.commit()?;
        pipeline::remove_thumbnails(&self.setup.indexing.layout, &dropped);
        if live {
            self.urgent.extend(&changes.queued);
            // A sweep under way finishes first, so rows far on are reached under steady changes.
            match self.sweep_after {
                None => self.sweep_after = Some(0),
                Some(_) => self.sweep_again = true,
            }
        }
        if !changes.is_empty() || !changes.skipped.is_empty() {
            self.idle_reported = false;
            self.emit(&ServiceEvent::Changes { live, changes });
        }
        Ok(())
    }

    pub(super) fn handle(&mut self, request: control::Request) -> Result<()> {
        for dir in request.remove_roots.into_iter().map(PathBuf::from) {
            match crate::roots::remove_root(&mut self.writer, &self.setup.indexing.layout, &dir) {
                Ok(_) => self.watcher.unwatch(&dir),
                // Already gone (removed twice, or merged into a parent meanwhile).
                Err(e) => self.emit(&ServiceEvent::Problem {
                    message: e.to_string(),
                }),
            }
        }
        let dirs: Vec<PathBuf> = request.add_roots.into_iter().map(PathBuf::from).collect();
        if !dirs.is_empty() {
            // A folder that went away since it was checked is reported, not fatal.
            if let Err(e) =
                crate::roots::add_roots(&mut self.writer, &self.setup.indexing.layout, &dirs)
            {
                self.emit(&ServiceEvent::Problem {
                    message: e.to_string(),
                });
            }
        }
        let before: Vec<i64> = self.roots.iter().map(|(id, _)| *id).collect();
        self.roots = write::roots(&self.writer.conn)?;
        let added: Vec<(i64, PathBuf)> = self
            .roots
            .iter()
            .filter(|(id, _)| request.rescan || !before.contains(id))
            .cloned()
            .collect();
        self.follow_roots();
        self.reconcile_roots(&added, false)
    }

    /// Watches every root whose folder is there, stops watching folders that are no longer
    /// roots (merged into a parent), and reports how each is followed.
    pub(super) fn follow_roots(&mut self) {
        let ids: Vec<i64> = self.roots.iter().map(|(id, _)| *id).collect();
        self.available.retain(|id, _| ids.contains(id));
        let mut states = Vec::new();
        for (id, root) in self.roots.clone() {
            let present = self.present(id, &root);
            let state = if present.is_some() {
                match self.watcher.watch(&root) {
                    Ok(Mode::Events) => "events",
                    Ok(Mode::Polling) => "polling",
                    Err(e) => {
                        tracing::warn!("cannot watch {}: {e}", root.display());
                        "unavailable"
                    }
                }
            } else {
                "unavailable"
            };
            self.available
                .insert(id, present.filter(|_| state != "unavailable"));
            states.push(WatchedRoot {
                path: paths::display(&root),
                state,
            });
        }
        self.emit(&ServiceEvent::Watching { roots: states });
    }

    /// A root whose folder vanished keeps its files as missing; one that came back is watched
    /// and listed again.
    pub(super) fn check_roots(&mut self) -> Result<()> {
        let mut changed = Vec::new();
        for (id, root) in self.roots.clone() {
            let now = self.present(id, &root);
            if self.available.get(&id) != Some(&now) {
                changed.push((id, root, now));
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        for (_, root, _) in &changed {
            // Watched again by `follow_roots` when there: the old watch may be on the mount
            // point under a drive that is now mounted, or on a folder moved away.
            self.watcher.unwatch(root);
        }
        self.follow_roots();
        let roots: Vec<(i64, PathBuf)> = changed.into_iter().map(|(id, p, _)| (id, p)).collect();
        self.reconcile_roots(&roots, true)
    }

    /// Compares the next slice of rows with the disk and lists again what differs.
    pub(super) fn sweep(&mut self) -> Result<()> {
        let Some(after) = self.sweep_after else {
            return Ok(());
        };
        let rows = read::listed_after(&self.writer.conn, after, SWEEP_SLICE)?;
        self.sweep_after = rows.last().map(|r| r.id);
        if self.sweep_after.is_none() && std::mem::take(&mut self.sweep_again) {
            self.sweep_after = Some(0);
        }
        let stale: Vec<Change> = rows
            .into_iter()
            .filter(|row| {
                // A root that went away is the root check's business, not a file's.
                matches!(self.available.get(&row.root_id), Some(Some(_)))
                    && scan::stat(&row.path)
                        .is_none_or(|s| s.size != row.size || s.mtime_ns != row.mtime_ns)
            })
            .map(|row| Change::Path(row.path))
            .collect();
        if !stale.is_empty() {
            tracing::debug!("the sweep found {} files the events missed", stale.len());
            // This reconcile owes no new sweep.
            let (owed, again) = (self.sweep_after, self.sweep_again);
            self.apply(stale, true)?;
            (self.sweep_after, self.sweep_again) = (owed, again);
        }
        Ok(())
    }

    /// The file system a root's folder is on, if it is there (see [`scan::root_present`]).
    pub(super) fn present(&self, root_id: i64, root: &Path) -> Option<u64> {
        let seen = write::root_device(&self.writer.conn, root_id)
            .ok()
            .and_then(|(_, device)| device);
        scan::root_present(root, seen).then(|| scan::device(root).unwrap_or(0))
    }
}

/// The root a path is under (the deepest, should roots ever nest).
fn root_of<'a>(roots: &'a [(i64, PathBuf)], path: &Path) -> Option<(i64, &'a Path)> {
    roots
        .iter()
        .filter(|(_, root)| path.starts_with(root))
        .max_by_key(|(_, root)| root.as_os_str().len())
        .map(|(id, root)| (*id, root.as_path()))
}

pub(super) fn canonical(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}
