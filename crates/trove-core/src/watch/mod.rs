//! Watch: turns file-system events under the roots into [`Change`]s, paths to list again.
//!
//! The watcher knows no database. Per debounced burst of events it reports which paths changed,
//! or that a root must be listed whole because events were lost; the service lists each with
//! [`scan::scan_within`] and hands the listings to the same `reconcile` the batch scan uses, so
//! live and batch indexing cannot disagree about what a folder holds. A change names a place,
//! not what happened there: the listing finds out.
//!
//! OS events (inotify, FSEvents, ReadDirectoryChangesW) are used where they can be. A root they
//! cannot cover (the inotify watch limit, an unreadable subfolder) is polled instead, and so is
//! every root when [`WatchOptions::poll`] asks for it: network drives and FUSE file systems often
//! deliver no events at all. Events under hidden folders, `.git`, `node_modules` and the ignored
//! paths are dropped here, since no listing would show anything there; an edited `.troveignore`
//! becomes a change of its folder, whose listing it alters.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, WatcherKind};
use notify_debouncer_full::{
    DebounceEventHandler, DebounceEventResult, DebouncedEvent, Debouncer, FileIdCache, NoCache,
    RecommendedCache, new_debouncer_opt,
};

use crate::scan;

/// What the watcher reports: paths to list again. The service turns each into a `scan::Listing`
/// (scan_within) and hands those to the same `reconcile` the batch scan uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
    /// Something at or under this path changed (it may be a file or a folder, and may be gone).
    Path(PathBuf),
    /// Events under this root were lost (kernel queue overflow, watcher error): list it all again.
    Rescan(PathBuf),
}

#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Poll every this often instead of using OS events (network drives, some container or FUSE
    /// file systems). None = OS events.
    pub poll: Option<Duration>,
    /// Quiet time before a burst of events is reported (default 300 ms).
    pub debounce: Duration,
    /// Paths whose events are dropped (the library folder when it sits inside a root).
    pub ignore: Vec<PathBuf>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            poll: None,
            debounce: Duration::from_millis(300),
            ignore: Vec::new(),
        }
    }
}

/// How a root is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The operating system reports changes as they happen.
    Events,
    /// The root is walked every poll interval and compared with the previous walk.
    Polling,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The root is not there (a deleted folder, an unmounted drive): watch it once it is back.
    #[error("{} is not there to watch", .0.display())]
    NotFound(PathBuf),
    /// Not even polling could be set up (no thread could be started).
    #[error("cannot watch {}: {source}", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("cannot start the file watcher: {0}")]
    Start(#[source] notify::Error),
}

/// How often a root that OS events cannot cover is polled when polling was not asked for. Such
/// roots are large (that is usually why they ran out of watches) and every poll walks all of them.
pub const FALLBACK_POLL: Duration = Duration::from_secs(60);

/// The debouncer wakes every quarter of its quiet time, and a poll starts again after its
/// interval: a zero for either would spin a core.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// Follows roots and reports their changes on a channel. Dropping it stops everything.
pub struct Watcher {
    debounce: Duration,
    poll: Option<Duration>,
    ignore: Arc<[PathBuf]>,
    tx: Sender<Vec<Change>>,
    /// None when polling was asked for, or when the OS event source could not be opened.
    events: Option<Side<RecommendedWatcher, RecommendedCache>>,
    /// Started on first need: with `poll`, or when a root falls back to polling.
    polling: Option<Side<PollWatcher, NoCache>>,
}

impl Watcher {
    /// Reports batches of changes on `tx` (one Vec per debounced burst, deduplicated, never empty).
    pub fn start(options: WatchOptions, tx: Sender<Vec<Change>>) -> Result<Watcher, WatchError> {
        let debounce = options.debounce.max(MIN_INTERVAL);
        let ignore: Arc<[PathBuf]> = with_canonical(options.ignore).into();
        let events = if options.poll.is_some() {
            None
        } else {
            match Side::start(
                debounce,
                debounce * 2,
                notify::Config::default(),
                RecommendedCache::new(),
                ignore.clone(),
                tx.clone(),
            ) {
                Ok(side) => Some(side),
                // Out of inotify instances, or no event source in this sandbox: polling still works.
                Err(err) => {
                    tracing::warn!(
                        "cannot use the system's file events ({err}); polling every folder instead"
                    );
                    None
                }
            }
        };
        let mut watcher = Watcher {
            debounce,
            poll: options.poll.map(|p| p.max(MIN_INTERVAL)),
            ignore,
            tx,
            events,
            polling: None,
        };
        if watcher.events.is_none() {
            watcher.polling = Some(watcher.start_polling().map_err(WatchError::Start)?);
        }
        Ok(watcher)
    }

    /// Watches `root` recursively. When OS events cannot be used for it (e.g. the inotify watch
    /// limit is reached: ENOSPC / "too many"), falls back to polling that root (with a warning via
    /// tracing) and says so.
    ///
    /// Changes made before this returns are not reported: list the root after watching it.
    /// Watching a root already watched only says how; a root whose folder was removed or moved
    /// away lost its OS watch, and watching it again sets that up anew. A root that is not
    /// there is not watched ([`WatchError::NotFound`]): watch it again once it is back.
    pub fn watch(&mut self, root: &Path) -> Result<Mode, WatchError> {
        if !root.is_dir() {
            // Not there, so not watched: whatever watch it had is stale or soon will be.
            self.unwatch(root);
            return Err(WatchError::NotFound(root.to_path_buf()));
        }
        if let Some(mode) = self.mode(root) {
            return Ok(mode);
        }
        self.unwatch(root);
        let interval = self.poll_interval();
        if let Some(events) = &mut self.events {
            match events.add(root) {
                Ok(()) => return Ok(Mode::Events),
                Err(_) if !root.is_dir() => return Err(WatchError::NotFound(root.to_path_buf())),
                // Whatever the reason (watch limit, open-file limit, a subfolder it may not
                // read), OS events would miss changes here; a poll does not.
                Err(err) => tracing::warn!(
                    "cannot follow {} with the system's file events ({err}); polling it every {} s instead",
                    root.display(),
                    interval.as_secs_f64()
                ),
            }
        }
        let polling = match self.polling.take() {
            Some(side) => side,
            None => self.start_polling().map_err(|source| WatchError::Watch {
                path: root.to_path_buf(),
                source,
            })?,
        };
        let polling = self.polling.insert(polling);
        polling.add(root).map_err(|source| WatchError::Watch {
            path: root.to_path_buf(),
            source,
        })?;
        Ok(Mode::Polling)
    }

    /// Stops watching `root` (no error if it was not watched or is gone).
    pub fn unwatch(&mut self, root: &Path) {
        if let Some(events) = &mut self.events {
            events.remove(root);
        }
        if let Some(polling) = &mut self.polling {
            polling.remove(root);
        }
    }

    /// The roots being watched, and how.
    #[cfg(test)]
    pub fn watched(&self) -> Vec<(PathBuf, Mode)> {
        let mut all = Vec::new();
        for (side, mode) in [
            (self.events.as_ref().map(|s| &s.roots), Mode::Events),
            (self.polling.as_ref().map(|s| &s.roots), Mode::Polling),
        ] {
            if let Some(roots) = side {
                all.extend(lock(roots).iter().map(|r| (r.path.clone(), mode)));
            }
        }
        all
    }

    /// How `root` is watched, if it is and its watch still works.
    fn mode(&self, root: &Path) -> Option<Mode> {
        let has = |roots: &Arc<Mutex<Vec<Root>>>, lost_ok: bool| {
            lock(roots)
                .iter()
                .any(|r| r.path == root && (lost_ok || !r.lost))
        };
        if self.events.as_ref().is_some_and(|s| has(&s.roots, false)) {
            Some(Mode::Events)
        } else if self.polling.as_ref().is_some_and(|s| has(&s.roots, true)) {
            // A poll keeps comparing walks whatever happens to the folder.
            Some(Mode::Polling)
        } else {
            None
        }
    }

    fn poll_interval(&self) -> Duration {
        self.poll.unwrap_or(FALLBACK_POLL)
    }

    fn start_polling(&self) -> notify::Result<Side<PollWatcher, NoCache>> {
        let interval = self.poll_interval();
        // A poll compares whole walks, so a rename shows as a removal and a creation: there is
        // nothing for a file-id cache to stitch, and building one would walk every root again.
        // Its walk errors (an unreadable folder, a vanished root) come back every poll, hence
        // the longer window for treating an error as already reported.
        Side::start(
            self.debounce,
            interval * 2 + self.debounce,
            notify::Config::default().with_poll_interval(interval),
            NoCache::new(),
            self.ignore.clone(),
            self.tx.clone(),
        )
    }
}

/// One debouncer with its watcher, and the roots it follows.
struct Side<W: notify::Watcher, C: FileIdCache> {
    debouncer: Debouncer<W, C>,
    roots: Arc<Mutex<Vec<Root>>>,
}

impl<W: notify::Watcher, C: FileIdCache + Send + 'static> Side<W, C> {
    fn start(
        debounce: Duration,
        repeat_window: Duration,
        config: notify::Config,
        cache: C,
        ignore: Arc<[PathBuf]>,
        tx: Sender<Vec<Change>>,
    ) -> notify::Result<Self> {
        let roots = Arc::new(Mutex::new(Vec::new()));
        let handler = Handler {
            roots: roots.clone(),
            ignore,
            tx,
            repeats: Repeats::new(repeat_window),
        };
        let debouncer = new_debouncer_opt::<_, W, C>(debounce, None, handler, cache, config)?;
        Ok(Side { debouncer, roots })
    }

    fn add(&mut self, root: &Path) -> notify::Result<()> {
        // Listed first, so that the events of the watch's first moments are not dropped.
        lock(&self.roots).push(Root::new(root));
        if let Err(err) = self.debouncer.watch(root, RecursiveMode::Recursive) {
            // Also releases the watches a recursive watch set up before it failed: the limit
            // they count against is shared with the other roots.
            self.remove(root);
            return Err(err);
        }
        Ok(())
    }

    fn remove(&mut self, root: &Path) {
        let (covered, nested) = {
            let mut roots = lock(&self.roots);
            let before = roots.len();
            roots.retain(|r| r.path != root);
            if roots.len() == before {
                // Unwatching a path that is not a root could tear down part of another root's
                // watches (inotify keeps one watch per folder, shared by all).
                return;
            }
            let covered = roots.iter().any(|r| root.starts_with(&r.path));
            let nested: Vec<PathBuf> = roots
                .iter()
                .filter(|r| r.path.starts_with(root))
                .map(|r| r.path.clone())
                .collect();
            (covered, nested)
        };
        // inotify's watches under a root that sits in another serve that one too; a poll of it
        // is its own walk, and would double the work.
        if covered && W::kind() != WatcherKind::PollWatcher {
            return;
        }
        let _ = self.debouncer.unwatch(root);
        // inotify drops every watch under an unwatched folder, those of roots inside it as well.
        for path in nested {
            if let Err(err) = self.debouncer.watch(&path, RecursiveMode::Recursive) {
                tracing::warn!("cannot watch {} again: {err}", path.display());
            }
        }
    }
}

/// Turns each debounced burst into changes, on the debouncer's thread.
struct Handler {
    roots: Arc<Mutex<Vec<Root>>>,
    ignore: Arc<[PathBuf]>,
    tx: Sender<Vec<Change>>,
    repeats: Repeats,
}

impl DebounceEventHandler for Handler {
    fn handle_event(&mut self, result: DebounceEventResult) {
        // A copy, so that a stat hanging on a network drive does not hold up `watch`.
        let roots = {
            let mut roots = lock(&self.roots);
            if let Ok(events) = &result {
                mark_lost(events, &mut roots);
            }
            roots.clone()
        };
        let changes = match result {
            Ok(events) => changes_of(&events, &roots, &self.ignore, &|p| p.is_dir()),
            Err(errors) => {
                let now = Instant::now();
                let fresh: Vec<notify::Error> = errors
                    .into_iter()
                    .filter(|err| {
                        let fresh = self.repeats.is_new(format!("{err:?}"), now);
                        if fresh {
                            tracing::warn!("file watcher: {err}; listing again what it concerns");
                        } else {
                            tracing::debug!("file watcher (again): {err}");
                        }
                        fresh
                    })
                    .collect();
                changes_of_errors(&fresh, &roots)
            }
        };
        if !changes.is_empty() {
            // The receiver is gone only when the service stopped: nothing left to tell.
            let _ = self.tx.send(changes);
        }
    }
}

/// A watched root.
#[derive(Debug, Clone)]
struct Root {
    path: PathBuf,
    /// Where the root really is, when that differs: FSEvents reports real paths
    /// (`/private/var/…` for `/var/…`), and changes must name paths under `path`.
    canonical: Option<PathBuf>,
    /// The root's own folder was removed or moved away, taking its OS watch with it.
    lost: bool,
}

impl Root {
    fn new(path: &Path) -> Root {
        Root {
            path: path.to_path_buf(),
            canonical: std::fs::canonicalize(path).ok().filter(|c| c != path),
            lost: false,
        }
    }

    /// `path` expressed under the root as the service knows it, if it lies under the root.
    fn rebase(&self, path: &Path) -> Option<PathBuf> {
        if path.starts_with(&self.path) {
            return Some(path.to_path_buf());
        }
        let rel = path.strip_prefix(self.canonical.as_ref()?).ok()?;
        Some(if rel.as_os_str().is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        })
    }

    fn is(&self, path: &Path) -> bool {
        path == self.path || self.canonical.as_deref() == Some(path)
    }
}

/// The changes a debounced burst of events calls for: every path every relevant event names,
/// when it lies in a root and could hold something a listing shows. `is_dir` tells folders.
fn changes_of(
    events: &[DebouncedEvent],
    roots: &[Root],
    ignore: &[PathBuf],
    is_dir: &dyn Fn(&Path) -> bool,
) -> Vec<Change> {
    let mut rescans = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for event in events {
        if event.need_rescan() {
            rescans.extend(roots_concerned(&event.paths, roots));
            continue;
        }
        match event.kind {
            // Reading a file (the pipeline does, all the time) changes nothing.
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
            EventKind::Access(_) | EventKind::Other => continue,
            // A folder's write time moves whenever an entry is added, removed or renamed, and
            // those entries have events of their own. Polling and Windows report it as a change
            // of the folder, which would list the whole folder (the whole root, for a file at
            // its top) for a single new file. Permission changes stay: they decide what is
            // readable below.
            EventKind::Modify(
                ModifyKind::Any
                | ModifyKind::Data(_)
                | ModifyKind::Metadata(MetadataKind::WriteTime),
            ) if event.paths.iter().all(|p| is_dir(p)) => continue,
            _ => {}
        }
        paths.extend(
            event
                .paths
                .iter()
                .filter_map(|p| scope_of(p, roots, ignore)),
        );
    }
    coalesce(rescans, paths)
}

/// Errors mean events may have been lost where they point (all roots when they point nowhere).
fn changes_of_errors(errors: &[notify::Error], roots: &[Root]) -> Vec<Change> {
    let rescans = errors
        .iter()
        .flat_map(|err| roots_concerned(&err.paths, roots))
        .collect();
    coalesce(rescans, BTreeSet::new())
}

/// The roots at, under or above `paths`; all of them when the paths name none.
fn roots_concerned(paths: &[PathBuf], roots: &[Root]) -> Vec<PathBuf> {
    let concerned: Vec<PathBuf> = roots
        .iter()
        .filter(|r| {
            paths
                .iter()
                .any(|p| r.rebase(p).is_some() || r.path.starts_with(p))
        })
        .map(|r| r.path.clone())
        .collect();
    if concerned.is_empty() {
        roots.iter().map(|r| r.path.clone()).collect()
    } else {
        concerned
    }
}

/// What listing `path` would take, if anything: the path under its root as the service knows
/// it, its folder for an ignore file, nothing outside the roots or where listings show nothing.
fn scope_of(path: &Path, roots: &[Root], ignore: &[PathBuf]) -> Option<PathBuf> {
    let (root, mut scope) = roots
        .iter()
        .filter_map(|r| Some((r, r.rebase(path)?)))
        // The innermost root, should roots nest.
        .max_by_key(|(r, _)| r.path.components().count())?;
    if ignore
        .iter()
        .any(|x| scope.starts_with(x) || path.starts_with(x))
    {
        return None;
    }
    if scope != root.path && scope.file_name() == Some(scan::IGNORE_FILE.as_ref()) {
        scope.pop();
    }
    let inside = scope.strip_prefix(&root.path).ok()?;
    let skipped = inside
        .components()
        .any(|c| matches!(c, Component::Normal(name) if scan::skipped_by_name(name)));
    (!skipped).then_some(scope)
}

/// Rescans first; then each path once, unless a rescan or another path (a folder's listing
/// covers its contents) already covers it.
fn coalesce(rescans: BTreeSet<PathBuf>, paths: BTreeSet<PathBuf>) -> Vec<Change> {
    let mut out: Vec<Change> = rescans.iter().cloned().map(Change::Rescan).collect();
    // Paths order by component, so whatever lies under a path comes right after it.
    let mut last: Option<&PathBuf> = None;
    for path in &paths {
        if rescans.iter().any(|r| path.starts_with(r)) || last.is_some_and(|l| path.starts_with(l))
        {
            continue;
        }
        last = Some(path);
        out.push(Change::Path(path.clone()));
    }
    out
}

/// Marks the roots whose own folder an event removed or moved away.
fn mark_lost(events: &[DebouncedEvent], roots: &mut [Root]) {
    for event in events {
        if matches!(
            event.kind,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
        ) {
            for root in roots.iter_mut() {
                if event.paths.iter().any(|p| root.is(p)) {
                    root.lost = true;
                }
            }
        }
    }
}

/// The ignored paths, and where they really are when that differs (see [`Root::canonical`]).
fn with_canonical(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut all = paths.clone();
    all.extend(
        paths
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok().filter(|c| c != p)),
    );
    all
}

/// Remembers recent errors, so that one a poll meets on every walk is reported when it appears,
/// not every interval: a lasting condition (an unreadable folder, a gone root) is not a loss of
/// events, and a rescan per poll would walk the root over and over.
struct Repeats {
    window: Duration,
    seen: HashMap<String, Instant>,
}

impl Repeats {
    fn new(window: Duration) -> Repeats {
        Repeats {
            window,
            seen: HashMap::new(),
        }
    }

    fn is_new(&mut self, key: String, now: Instant) -> bool {
        let window = self.window;
        self.seen
            .retain(|_, at| now.saturating_duration_since(*at) <= window);
        self.seen.insert(key, now).is_none()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The lists stay consistent even if a holder panicked: each update is a single push/retain.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
