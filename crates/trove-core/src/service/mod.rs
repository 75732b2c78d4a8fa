//! The engine service: keeps a library equal to its folders for as long as it runs. It is what
//! `trove watch` runs in the foreground and `trove serve` and the desktop app run in the
//! background.
//!
//! One thread owns the library's writer lock and does everything that writes, in this order of
//! priority: requests handed over by other processes, changes the watcher reported (listed with
//! `scan`, written by the same `reconcile` as `trove index`), roots that went away or came back,
//! then the `files` queue one batch at a time — the files the watcher just saw first — and,
//! once the queue is empty, the backfill of older items. Between batches it looks for new work
//! again, so a photo saved during a first index of 50,000 is searchable in seconds. Every batch
//! commits on its own, so the service can be killed at any moment and resumes where it was.
//!
//! A start-up reconcile of every root picks up what changed while nothing was watching; the
//! watcher is started before it, so nothing that happens during that scan is missed.
//!
//! File events are not fully trusted: in a storm of renames notify loses the old name of a
//! few, and a kernel queue can overflow. So after live changes, once the queue is empty, the
//! service sweeps the library's rows in slices between idle ticks and lists again any file
//! whose size or time no longer matches the disk (or that is gone).

pub mod control;
mod disk;
mod events;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use events::{Activity, ServiceEvent, ServiceState, WatchedRoot};

use crate::config::WatchSettings;
use crate::embed::select::ModelSettings;
use crate::error::{Error, Result};
use crate::pipeline::{self, Models, Processed, Stages, Stepped};
use crate::search;
use crate::store::{self, Writer, read, write};
use crate::watch::{Change, WatchOptions, Watcher};

/// How often roots are checked for coming back (an unplugged drive plugged in again).
const ROOT_CHECK: Duration = Duration::from_secs(2);
/// How long the idle service waits for file events before looking at everything else again.
const IDLE_TICK: Duration = Duration::from_millis(250);
/// Relevance cutoffs are recalibrated at most this often while files keep arriving.
const CUTOFF_EVERY: Duration = Duration::from_secs(30);
/// Longest wait after a failed batch before trying again.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

pub type OnEvent = Box<dyn FnMut(&ServiceEvent) + Send>;

/// What a service runs with, from the library's settings (the facade makes it).
pub struct Setup {
    pub indexing: pipeline::Setup,
    pub models: ModelSettings,
    pub watch: WatchSettings,
}

/// A running service; [`Service::stop`] ends it after the file in hand.
pub struct Service {
    gate: Arc<pipeline::Gate>,
    thread: Option<JoinHandle<Result<()>>>,
    pause_mirror: Option<JoinHandle<()>>,
}

/// Starts the service on the library in background threads, adding `dirs` as roots first.
/// Fails at once when another process owns writing to the library.
pub fn start(setup: Setup, dirs: &[PathBuf], on_event: OnEvent) -> Result<Service> {
    let setup = Arc::new(setup);
    let layout = &setup.indexing.layout;
    let gate = setup.indexing.gate.clone();
    let mut writer = Writer::acquire_as(layout, "watching the library's folders", true)?;
    crate::roots::add_roots(&mut writer, layout, dirs)?;
    let (tx, rx) = mpsc::channel();
    let watch = &setup.watch;
    let options = WatchOptions {
        poll: watch
            .poll
            .then(|| Duration::from_secs(watch.poll_interval_secs.max(1))),
        debounce: Duration::from_millis(watch.debounce_ms),
        ignore: vec![disk::canonical(&layout.dir)],
    };
    let watcher = Watcher::start(options, tx)?;
    gate.reopen();
    gate.set_paused(control::is_paused(layout));
    let runner = Runner {
        setup: setup.clone(),
        writer,
        watcher,
        rx,
        on_event,
        roots: Vec::new(),
        available: HashMap::new(),
        urgent: Vec::new(),
        totals: Processed::default(),
        meter: Default::default(),
        paused: false,
        idle_reported: false,
        sweep_after: None,
        sweep_again: false,
        rescan_owed: Default::default(),
        watcher_gone: false,
        state_file: events::StateFile::new(layout.service_file()),
    };
    let pace = setup.indexing.pace;
    let thread = std::thread::Builder::new()
        .name("trove-service".into())
        .spawn(move || {
            pipeline::priority::step_back(pace);
            runner.run()
        })
        .map_err(|e| Error::io("cannot start the indexing service", e))?;
    let mirrored = setup.clone();
    let pause_mirror = std::thread::Builder::new()
        .name("trove-pause".into())
        .spawn(move || mirror_pause_file(&mirrored.indexing))
        .map_err(|e| Error::io("cannot start the indexing service", e))?;
    Ok(Service {
        gate,
        thread: Some(thread),
        pause_mirror: Some(pause_mirror),
    })
}

impl Service {
    /// Stops the service: work in hand is dropped uncommitted (its files stay queued).
    pub fn stop(mut self) -> Result<()> {
        self.gate.stop();
        self.join_threads()
    }

    /// Waits until the service ends, which it does only when stopped or on an error it cannot
    /// recover from (the library folder gone, say).
    pub fn wait(mut self) -> Result<()> {
        self.join_threads()
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    fn join_threads(&mut self) -> Result<()> {
        let result = match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("the indexing service panicked".into()))),
            None => Ok(()),
        };
        self.gate.stop();
        if let Some(mirror) = self.pause_mirror.take() {
            let _ = mirror.join();
        }
        result
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.gate.stop();
        let _ = self.join_threads();
    }
}

/// Another process pauses through the pause file: mirror it into the gate, so workers hold
/// within a file even in the middle of a batch.
fn mirror_pause_file(indexing: &pipeline::Setup) {
    let gate = &indexing.gate;
    while !gate.is_stopping() {
        let paused = control::is_paused(&indexing.layout);
        if paused != gate.is_paused() {
            gate.set_paused(paused);
        }
        std::thread::sleep(IDLE_TICK);
    }
}

struct Runner {
    setup: Arc<Setup>,
    writer: Writer,
    watcher: Watcher,
    rx: Receiver<Vec<Change>>,
    on_event: OnEvent,
    roots: Vec<(i64, PathBuf)>,
    /// Each root's folder at the last look: the file system it was on, `None` when it was not
    /// there (a mount over the folder changes the file system, and must be watched anew).
    available: HashMap<i64, Option<u64>>,
    /// Files the watcher just queued: they go before the bulk of the queue.
    urgent: Vec<i64>,
    totals: Processed,
    meter: events::Meter,
    paused: bool,
    /// Whether the last word was `Idle` (it is said once after each change of state).
    idle_reported: bool,
    /// Where the sweep of rows against the disk goes on; `None` when none is owed.
    sweep_after: Option<i64>,
    /// Live changes came during the sweep: another pass follows it.
    sweep_again: bool,
    /// Roots to list whole: changes from the watcher were taken but not written (an error).
    rescan_owed: std::collections::HashSet<i64>,
    watcher_gone: bool,
    state_file: events::StateFile,
}

impl Runner {
    fn run(mut self) -> Result<()> {
        self.roots = write::roots(&self.writer.conn)?;
        self.follow_roots();
        let all: Vec<(i64, PathBuf)> = self.roots.clone();
        self.reconcile_roots(&all, false)?;

        let setup = self.setup.clone();
        let on_event = &mut self.on_event;
        let (models, uses) =
            pipeline::models::prepare(&setup.models, &self.writer.conn, &mut |download| {
                on_event(&ServiceEvent::Download { download })
            })?;
        self.emit(&ServiceEvent::Models { models: uses });
        let pool = setup.indexing.worker_pool()?;
        let work = setup.indexing.work(&pool, &models);
        std::thread::scope(|scope| {
            let mut stages = Stages::start(scope, work);
            self.serve(&mut stages, &pool, &models)
        })
    }

    /// The loop: everything else first, then one batch, until stopped.
    fn serve(
        &mut self,
        stages: &mut Stages<'_>,
        pool: &rayon::ThreadPool,
        models: &Models,
    ) -> Result<()> {
        let setup = self.setup.clone();
        let gate = &setup.indexing.gate;
        let mut last_root_check = Instant::now();
        let mut last_cutoffs: Option<Instant> = None;
        let mut cutoffs_owed = true;
        let mut backfill_owed = true;
        let mut backoff = Duration::ZERO;
        while !gate.is_stopping() {
            if self.watcher_gone {
                return Err(Error::Internal("the file watcher stopped".into()));
            }
            if let Err(e) = self.housekeeping(&mut last_root_check) {
                self.problem(&e, &mut backoff);
                continue;
            }
            if self.pause_changed() {
                continue;
            }
            if self.paused {
                if let Err(e) = self.take_changes(IDLE_TICK) {
                    self.problem(&e, &mut backoff);
                }
                continue;
            }
            match self.step(stages, pool, models) {
                Ok(Stepped::Committed(_)) => {
                    backoff = Duration::ZERO;
                    cutoffs_owed = true;
                    backfill_owed = true;
                    continue;
                }
                Ok(Stepped::Waiting | Stepped::Stopped) => continue,
                Ok(Stepped::Empty) => {}
                // A stage thread died (a panic in a model): nothing more can be indexed.
                Err(e) if stages.broken() => return Err(e),
                Err(e) => {
                    self.problem(&e, &mut backoff);
                    continue;
                }
            }
            // The queue is empty.
            if backfill_owed && !models.is_empty() {
                match self.backfill(pool, models) {
                    Ok(finished) => backfill_owed = !finished,
                    Err(e) => {
                        self.problem(&e, &mut backoff);
                        continue;
                    }
                }
                if backfill_owed {
                    continue; // it yielded to new changes
                }
            }
            if cutoffs_owed && last_cutoffs.is_none_or(|t| t.elapsed() >= CUTOFF_EVERY) {
                let loaded: Vec<&crate::embed::Model> = models.each().collect();
                let refreshed = search::cutoff::refresh(&self.writer.conn, &loaded)
                    .and_then(|_| store::vectors::prune_log(&self.writer.conn).map(drop));
                if let Err(e) = refreshed {
                    self.problem(&e, &mut backoff);
                    continue;
                }
                last_cutoffs = Some(Instant::now());
                cutoffs_owed = false;
            }
            if !self.idle_reported {
                match read::counts(&self.writer.conn) {
                    Ok(counts) => {
                        self.emit(&ServiceEvent::Idle {
                            totals: self.totals.clone(),
                            counts,
                        });
                        self.idle_reported = true;
                    }
                    Err(e) => {
                        self.problem(&e, &mut backoff);
                        continue;
                    }
                }
            }
            if let Err(e) = self.sweep().and_then(|_| self.take_changes(IDLE_TICK)) {
                self.problem(&e, &mut backoff);
            }
        }
        Ok(())
    }

    fn emit(&mut self, event: &ServiceEvent) {
        self.state_file.update(event);
        (self.on_event)(event);
    }

    /// Requests, file events, roots coming and going, retries that are due.
    fn housekeeping(&mut self, last_root_check: &mut Instant) -> Result<()> {
        for (file, request) in control::receive(&self.setup.indexing.layout) {
            self.handle(request)?;
            // Only once handled: a request that failed (a full disk) is tried again.
            control::done(&file);
        }
        if !self.rescan_owed.is_empty() {
            let owed: Vec<(i64, PathBuf)> = self
                .roots
                .iter()
                .filter(|(id, _)| self.rescan_owed.contains(id))
                .cloned()
                .collect();
            self.reconcile_roots(&owed, true)?;
            self.rescan_owed.clear();
        }
        self.take_changes(Duration::ZERO)?;
        if last_root_check.elapsed() >= ROOT_CHECK {
            *last_root_check = Instant::now();
            self.check_roots()?;
        }
        write::requeue_due(&self.writer.conn, store::now_secs())?;
        Ok(())
    }

    /// Reports a pause or resume; true when the state changed.
    fn pause_changed(&mut self) -> bool {
        let paused = self.setup.indexing.gate.is_paused();
        if paused == self.paused {
            return false;
        }
        self.paused = paused;
        self.idle_reported = false;
        self.emit(&if paused {
            ServiceEvent::Paused
        } else {
            ServiceEvent::Resumed
        });
        true
    }

    fn problem(&mut self, error: &Error, backoff: &mut Duration) {
        tracing::warn!("indexing: {error}");
        self.emit(&ServiceEvent::Problem {
            message: error.to_string(),
        });
        *backoff = (*backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
        let until = Instant::now() + *backoff;
        while Instant::now() < until && !self.setup.indexing.gate.is_stopping() {
            std::thread::sleep(IDLE_TICK);
        }
    }

    /// One batch from the queue, or a short wait for one under way.
    fn step(
        &mut self,
        stages: &mut Stages<'_>,
        pool: &rayon::ThreadPool,
        models: &Models,
    ) -> Result<Stepped> {
        let setup = self.setup.clone();
        let mut pipeline = setup.indexing.pipeline(&mut self.writer.conn, pool, models);
        self.meter.begin(self.totals.failed);
        // Waits briefly, so changes, requests and pauses are looked at while a batch runs.
        let wait = Some(Duration::from_millis(100));
        let step = match pipeline.step(stages, &self.urgent, &mut self.totals, wait)? {
            Stepped::Committed(step) => step,
            Stepped::Empty => {
                self.meter.reset();
                return Ok(Stepped::Empty);
            }
            other => return Ok(other),
        };
        self.idle_reported = false;
        self.urgent.retain(|id| !step.taken.contains(id));
        let pending = read::pending(&self.writer.conn)?;
        let activity = self.meter.advance(
            "indexing",
            step.taken.len(),
            pending,
            self.totals.failed,
            step.current.clone(),
        );
        self.emit(&ServiceEvent::Progress(activity));
        Ok(Stepped::Committed(step))
    }

    /// Vectors of the current models for older items; true when finished, false when it
    /// stopped early for newer changes.
    fn backfill(&mut self, pool: &rayon::ThreadPool, models: &Models) -> Result<bool> {
        let setup = self.setup.clone();
        let gate = &setup.indexing.gate;
        let rx = &self.rx;
        let on_event = &mut self.on_event;
        let state_file = &mut self.state_file;
        let meter = &mut self.meter;
        let mut arrived: Vec<Change> = Vec::new();
        let mut last_done = 0;
        let made = setup
            .indexing
            .pipeline(&mut self.writer.conn, pool, models)
            .backfill(&mut |done, total| {
                let activity = meter.advance("embedding", done - last_done, total - done, 0, None);
                last_done = done;
                let event = ServiceEvent::Progress(activity);
                state_file.update(&event);
                on_event(&event);
                while let Ok(changes) = rx.try_recv() {
                    arrived.extend(changes);
                    gate.request_yield();
                }
            })?;
        self.totals.embedded += made;
        self.totals.vectors += made;
        let yielded = !arrived.is_empty();
        gate.take_yield();
        if yielded {
            self.apply(arrived, true)?;
        }
        // Unfinished too when a pause or a stop made it return early.
        Ok(!yielded && !gate.is_stopping() && !gate.is_paused())
    }
}
