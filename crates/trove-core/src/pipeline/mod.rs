//! Pipeline: takes `pending` rows from the `files` queue and makes them `indexed` or `failed`.
//!
//! In batches, through overlapping stages ([`stages`]): while one batch is committed, the next
//! is embedded and the one after is read, hashed and extracted. Reading looks up which hashes
//! the library already knows (a copy or an unchanged rewrite costs no extraction); extraction
//! also prepares each photo's model input from the same decode; embedding is
//! [`embed_stage`]. The thread that owns the writer connection picks the batches and commits
//! each whole — rows, items and vectors — in one transaction. After the queue, the backfill
//! gives older items vectors of the current models. A crash anywhere leaves each row either
//! committed or still `pending`, so the next run resumes where this one stopped, with nothing
//! lost and nothing doubled.
//!
//! `trove index` runs the queue to the end ([`Pipeline::run`]); the live service commits one
//! batch per [`Pipeline::step`], files the watcher just saw first, and looks at new changes,
//! pauses and searches between batches. Workers pass the [`Gate`] between files, so a pause or
//! a search holds them within one file, not one batch.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rusqlite::Connection;
use serde::Serialize;

pub mod embed_stage;
mod gate;
pub mod models;
pub mod priority;
pub mod stages;

use crate::error::{Error, Result};
use crate::extract::{Extracted, Limits, Reader};
use crate::failpoint::failpoint;
use crate::paths;
use crate::store::{self, Layout, read, write};
pub use embed_stage::Models;
pub use gate::Gate;
pub use models::ModelUse;
pub use priority::Pace;
use stages::{Job, Outcome, Ready};
pub use stages::{Stages, Work};

/// Bytes read into memory per batch at most (one huge file may exceed it alone). Only the
/// batch being read holds its bytes; later stages hold what was extracted.
const BATCH_BYTES: u64 = 192 * 1024 * 1024;

/// Counters of one pipeline run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Processed {
    pub indexed: usize,
    /// Of `indexed`: files whose bytes were already known (copies, touched files) and needed no
    /// extraction.
    pub deduplicated: usize,
    pub failed: usize,
    pub vanished: usize,
    /// Vectors made by the backfill for items indexed earlier.
    pub embedded: usize,
    /// Of `indexed`: files whose content was new and was extracted (and embedded).
    pub extracted: usize,
    /// Every vector written: for new contents and by the backfill.
    pub vectors: usize,
}

/// Progress of the indexing work, for bars and status lines.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// "indexing" (the queue) or "embedding" (the backfill of older items).
    pub phase: &'static str,
    pub done: usize,
    pub total: usize,
    pub failed: usize,
    pub current: Option<String>,
}

pub struct Pipeline<'a> {
    pub conn: &'a mut Connection,
    pub layout: &'a Layout,
    pub limits: Limits,
    pub batch_size: usize,
    pub pace: Pace,
    pub pool: &'a rayon::ThreadPool,
    pub models: &'a Models,
    pub gate: &'a Gate,
}

/// What indexing runs with, from the library's settings: `trove index` and the service make
/// their pipelines, stages and worker threads from one of these.
#[derive(Clone)]
pub struct Setup {
    pub layout: Layout,
    pub limits: Limits,
    pub batch_size: usize,
    /// Worker threads (the CPU budget).
    pub threads: usize,
    /// Whether the threads step back for the person's own work.
    pub pace: Pace,
    /// Shared with the searches and the pause of this process.
    pub gate: Arc<Gate>,
}

impl Setup {
    /// The threads indexing runs on: as many as the CPU budget allows, at low priority in the
    /// background.
    pub fn worker_pool(&self) -> Result<rayon::ThreadPool> {
        let pace = self.pace;
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .thread_name(|i| format!("trove-index-{i}"))
            .start_handler(move |_| priority::step_back(pace))
            .build()
            .map_err(|e| Error::Internal(format!("cannot start worker threads: {e}")))
    }

    /// What the pipeline's stages borrow.
    pub fn work<'a>(&'a self, pool: &'a rayon::ThreadPool, models: &'a Models) -> Work<'a> {
        Work {
            layout: &self.layout,
            limits: self.limits,
            pace: self.pace,
            pool,
            models,
            gate: &self.gate,
        }
    }

    /// The pipeline over the writer's connection.
    pub fn pipeline<'a>(
        &'a self,
        conn: &'a mut Connection,
        pool: &'a rayon::ThreadPool,
        models: &'a Models,
    ) -> Pipeline<'a> {
        Pipeline {
            conn,
            layout: &self.layout,
            limits: self.limits,
            batch_size: self.batch_size,
            pace: self.pace,
            pool,
            models,
            gate: &self.gate,
        }
    }
}

/// What one [`Pipeline::step`] did.
pub enum Stepped {
    Committed(Step),
    /// A batch is under way but not ready (or held by a pause): nothing committed yet.
    Waiting,
    /// Nothing is pending or in flight.
    Empty,
    /// A batch came back unfinished because indexing is stopping.
    Stopped,
}

/// What one committed batch took from the queue.
#[derive(Debug, Clone)]
pub struct Step {
    /// Ids of the rows the batch took (each is now indexed, failed, gone, or — when its file
    /// changed meanwhile — still pending).
    pub taken: Vec<i64>,
    /// The last file of the batch, for status lines.
    pub current: Option<String>,
}

impl<'a> Pipeline<'a> {
    /// Processes the queue until no `pending` row is left.
    pub fn run(&mut self, on_progress: &mut dyn FnMut(&Progress)) -> Result<Processed> {
        let total = crate::store::read::pending(self.conn)?;
        let mut processed = Processed::default();
        let mut done = 0;
        on_progress(&Progress {
            phase: "indexing",
            done,
            total,
            failed: 0,
            current: None,
        });
        let work = self.work();
        std::thread::scope(|scope| -> Result<()> {
            let mut stages = Stages::start(scope, work);
            while let Stepped::Committed(step) =
                self.step(&mut stages, &[], &mut processed, None)?
            {
                done += step.taken.len();
                on_progress(&Progress {
                    phase: "indexing",
                    done,
                    total: total.max(done),
                    failed: processed.failed,
                    current: step.current,
                });
            }
            Ok(())
        })?;
        if !self.models.is_empty() {
            let made = self.backfill(&mut |done, total| {
                on_progress(&Progress {
                    phase: "embedding",
                    done,
                    total,
                    failed: 0,
                    current: None,
                })
            })?;
            processed.embedded += made;
            processed.vectors += made;
        }
        Ok(processed)
    }

    /// Gives older items vectors of the current models (see [`embed_stage::backfill`]).
    pub fn backfill(&mut self, on_progress: &mut embed_stage::OnBackfill<'_>) -> Result<usize> {
        embed_stage::backfill(
            self.conn,
            self.models,
            &self.limits,
            self.pool,
            self.gate,
            on_progress,
        )
    }

    /// What the worker stages need, to start them ([`Stages::start`]).
    pub fn work(&self) -> Work<'a> {
        Work {
            layout: self.layout,
            limits: self.limits,
            pace: self.pace,
            pool: self.pool,
            models: self.models,
            gate: self.gate,
        }
    }

    /// Keeps [`stages::DEPTH`] batches in the stages (pending rows among `urgent` first, then
    /// the queue in order), waits for the oldest at most `wait` (`None`: as long as it takes),
    /// and commits it.
    pub fn step(
        &mut self,
        stages: &mut Stages<'_>,
        urgent: &[i64],
        processed: &mut Processed,
        wait: Option<std::time::Duration>,
    ) -> Result<Stepped> {
        while stages.in_flight() < stages::DEPTH {
            let jobs = self.next_jobs(urgent, &stages.taken())?;
            if jobs.is_empty() {
                break;
            }
            stages.send(jobs)?;
        }
        let ready = match stages.oldest(wait)? {
            stages::Poll::Ready(ready) => ready,
            stages::Poll::Waiting => return Ok(Stepped::Waiting),
            stages::Poll::Empty => return Ok(Stepped::Empty),
        };
        if ready.stopped {
            return Ok(Stepped::Stopped);
        }
        let step = Step {
            taken: ready.jobs.iter().map(|j| j.id).collect(),
            current: ready.jobs.last().map(|j| paths::display(&j.path)),
        };
        self.commit(ready, processed)?;
        Ok(Stepped::Committed(step))
    }

    /// The next batch of pending rows, leaving out those already in the stages.
    fn next_jobs(&self, urgent: &[i64], taken: &HashSet<i64>) -> Result<Vec<Job>> {
        let limit = self.batch_size.max(1);
        let job = |row: read::Listed| Job {
            id: row.id,
            reader: Reader::of(&row.path),
            path: row.path,
            size: row.size,
            mtime_ns: row.mtime_ns,
        };
        let mut candidates: Vec<Job> = Vec::new();
        if !urgent.is_empty() {
            for row in read::pending_files(self.conn, Some(urgent), limit + taken.len())? {
                if !taken.contains(&row.id) {
                    candidates.push(job(row));
                }
            }
        }
        if candidates.len() < limit {
            // Past the rows in flight: they are still pending, and come first in id order.
            let chosen: HashSet<i64> = candidates.iter().map(|j| j.id).collect();
            let want = limit + taken.len() + candidates.len();
            for row in read::pending_files(self.conn, None, want)? {
                if candidates.len() < limit && !taken.contains(&row.id) && !chosen.contains(&row.id)
                {
                    candidates.push(job(row));
                }
            }
        }
        let mut jobs = Vec::new();
        let mut bytes = 0;
        for job in candidates {
            bytes += job.size;
            if !jobs.is_empty() && bytes > BATCH_BYTES {
                break;
            }
            jobs.push(job);
        }
        Ok(jobs)
    }

    /// Commits a batch the stages finished: rows, contents, items and vectors in one
    /// transaction. Rows whose file changed since they were taken stay pending.
    fn commit(&mut self, ready: Ready, processed: &mut Processed) -> Result<()> {
        let Ready {
            jobs,
            outcomes,
            mut vectors,
            stopped,
        } = ready;
        if stopped {
            return Ok(()); // nothing is committed, every row stays pending
        }
        let tx = self.conn.transaction()?;
        let mut inserted: HashMap<([u8; 32], Reader), i64> = HashMap::new();
        let mut known_failures: HashMap<([u8; 32], Option<Reader>), String> = HashMap::new();
        for (i, (job, outcome)) in jobs.iter().zip(&outcomes).enumerate() {
            if let Outcome::Failed {
                hash: Some(hash),
                reason,
                ..
            } = outcome
            {
                known_failures.insert((*hash, job.reader), reason.clone());
            }
            let Some(root_id) =
                read::still_pending(&tx, job.id, &job.path, job.size, job.mtime_ns)?
            else {
                continue;
            };
            match outcome {
                Outcome::Vanished => {
                    // Not when the whole root went (an unplugged drive): its files are kept as
                    // missing, as the next look at the root would record (and until then they
                    // would be taken again and again).
                    let (root, device) = write::root_device(&tx, root_id)?;
                    if crate::scan::root_present(&root, device) {
                        write::delete_file(&tx, job.id)?;
                        processed.vanished += 1;
                    } else {
                        write::mark_root_missing(&tx, root_id)?;
                    }
                }
                Outcome::Failed {
                    hash,
                    reason,
                    transient,
                } => {
                    let hash = hash.as_ref().map(|h| &h[..]);
                    write::mark_failed(&tx, job.id, hash, reason, *transient)?;
                    processed.failed += 1;
                }
                Outcome::Dropped => {}
                Outcome::Extracted {
                    hash,
                    reader,
                    extracted,
                } => {
                    // Another batch in flight extracted the same bytes and committed first.
                    if let Some(content_id) = write::find_content(&tx, hash, *reader)? {
                        write::mark_indexed(&tx, job.id, hash, content_id)?;
                        processed.indexed += 1;
                        processed.deduplicated += 1;
                        continue;
                    }
                    // Written here, before the commit, so a crash never leaves a content
                    // without its thumbnail (an orphan file is harmless).
                    let thumbnail = match &**extracted {
                        Extracted::Photo(photo) if !photo.thumbnail.is_empty() => {
                            match write_thumbnail(self.layout, hash, &photo.thumbnail) {
                                Ok(()) => true,
                                Err(e) => {
                                    // The library folder is the machine's problem, not the
                                    // photo's: index it without a thumbnail, and say so.
                                    tracing::warn!(
                                        "cannot write thumbnail for {}: {e}",
                                        job.path.display()
                                    );
                                    false
                                }
                            }
                        }
                        _ => false,
                    };
                    let content_id =
                        write::insert_content(&tx, hash, *reader, extracted, thumbnail)?;
                    inserted.insert((*hash, *reader), content_id);
                    for (model, vs) in vectors.remove(&i).unwrap_or_default() {
                        store::vectors::insert_for_content(&tx, &model, content_id, &vs)?;
                        processed.vectors += vs.len();
                    }
                    write::mark_indexed(&tx, job.id, hash, content_id)?;
                    processed.indexed += 1;
                    processed.extracted += 1;
                }
                Outcome::Known { hash, reader } => match write::find_content(&tx, hash, *reader)? {
                    Some(content_id) => {
                        write::mark_indexed(&tx, job.id, hash, content_id)?;
                        processed.indexed += 1;
                        if !inserted.contains_key(&(*hash, *reader)) {
                            processed.deduplicated += 1;
                        }
                    }
                    // A copy of a file that failed in this batch fails the same way.
                    // Otherwise the content was known when the batch was read and has been
                    // dropped since (its last file went): the row waits to be extracted afresh.
                    None => {
                        if let Some(reason) = known_failures.get(&(*hash, Some(*reader))) {
                            write::mark_failed(&tx, job.id, Some(hash), reason, false)?;
                            processed.failed += 1;
                        }
                    }
                },
            }
        }
        let dropped = write::gc_contents(&tx)?;
        // A crash here loses the batch (its rows stay pending) and leaves its new thumbnails
        // as orphan files; one just after leaves the dropped contents' thumbnails.
        failpoint!("pipeline::before_commit");
        tx.commit()?;
        failpoint!("pipeline::after_commit");
        remove_thumbnails(self.layout, &dropped);
        Ok(())
    }
}

/// Written under a temporary name and renamed, so a crash never leaves a half thumbnail.
fn write_thumbnail(layout: &Layout, hash: &[u8], jpeg: &[u8]) -> std::io::Result<()> {
    if jpeg.is_empty() {
        return Ok(());
    }
    let path = layout.thumbnail(hash);
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().expect("thumbnail paths have a parent");
    std::fs::create_dir_all(dir)?;
    crate::paths::write_whole(&path, jpeg)
}

pub fn remove_thumbnails(layout: &Layout, hashes: &[Vec<u8>]) {
    for hash in hashes {
        let _ = std::fs::remove_file(layout.thumbnail(hash));
    }
}
