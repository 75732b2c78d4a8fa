//! Pipeline: takes `pending` rows from the `files` queue and makes them `indexed` or `failed`.
//!
//! One batch at a time: read and hash the files (worker threads), look up which hashes the
//! library already knows (a copy or an unchanged rewrite costs no extraction), extract the rest
//! (worker threads, which also prepare each photo's model input from the same decode), embed
//! them ([`embed_stage`]), write thumbnails, then commit the whole batch — rows, items and
//! vectors — in one transaction. After the queue, the backfill gives older items vectors of
//! the current models. A crash
//! anywhere leaves each row either committed or still `pending`, so the next run resumes where
//! this one stopped, with nothing lost and nothing doubled.
//!
//! `trove index` runs the queue to the end ([`Pipeline::run`]); the live service takes one batch
//! at a time ([`Pipeline::step`]), files the watcher just saw first, and looks at new changes,
//! pauses and searches between batches. Workers pass the [`Gate`] between files, so a pause or
//! a search holds them within one file, not one batch.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;
use rusqlite::{Connection, params};
use serde::Serialize;

pub mod embed_stage;
mod gate;
pub mod priority;

use crate::error::{Error, Result};
use crate::extract::{self, ExtractError, Extracted, Limits, Reader};
use crate::paths;
use crate::store::{self, Layout, write};
pub use embed_stage::Models;
pub use gate::{Gate, SearchGuard};

/// Bytes read into memory per batch at most (one huge file may exceed it alone).
const BATCH_BYTES: u64 = 192 * 1024 * 1024;

/// A pending file taken from the queue.
#[derive(Debug, Clone)]
struct Job {
    id: i64,
    path: PathBuf,
    /// `None` only for a row whose name no reader accepts (it fails with a reason).
    reader: Option<Reader>,
    size: u64,
    mtime_ns: i64,
}

/// What happened to one file.
enum Outcome {
    /// Its bytes match a content already in the library (or one extracted earlier in the batch).
    Known { hash: [u8; 32], reader: Reader },
    Extracted {
        hash: [u8; 32],
        reader: Reader,
        extracted: Box<Extracted>,
    },
    Failed {
        hash: Option<[u8; 32]>,
        reason: String,
        /// The file could not be read: that may pass, so it is tried again later.
        transient: bool,
    },
    /// The file disappeared before it could be read: its row goes.
    Vanished,
    /// The service is stopping: the row stays pending.
    Dropped,
}

/// A file's bytes, their blake3 hash, and the reader its name calls for.
type Read = (Vec<u8>, [u8; 32], Reader);

/// Counters of one pipeline run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
    pub pool: &'a rayon::ThreadPool,
    pub models: &'a Models,
    pub gate: &'a Gate,
}

/// What one [`Pipeline::step`] took from the queue.
#[derive(Debug, Clone)]
pub struct Step {
    /// Ids of the rows the batch took (each is now indexed, failed, gone, or — when its file
    /// changed meanwhile — still pending).
    pub taken: Vec<i64>,
    /// The last file of the batch, for status lines.
    pub current: Option<String>,
}

impl Pipeline<'_> {
    /// Processes the queue until no `pending` row is left.
    pub fn run(&mut self, on_progress: &mut dyn FnMut(&Progress)) -> Result<Processed> {
        let total: usize = self.conn.query_row(
            "SELECT count(*) FROM files WHERE state = 'pending'",
            [],
            |r| r.get::<_, i64>(0),
        )? as usize;
        let mut processed = Processed::default();
        let mut done = 0;
        on_progress(&Progress {
            phase: "indexing",
            done,
            total,
            failed: 0,
            current: None,
        });
        while let Some(step) = self.step(&[], &mut processed)? {
            done += step.taken.len();
            on_progress(&Progress {
                phase: "indexing",
                done,
                total: total.max(done),
                failed: processed.failed,
                current: step.current,
            });
        }
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

    /// Processes one batch: pending rows among `urgent` first, then the queue in order.
    /// `None` when nothing is pending.
    pub fn step(&mut self, urgent: &[i64], processed: &mut Processed) -> Result<Option<Step>> {
        let jobs = self.next_jobs(urgent)?;
        if jobs.is_empty() {
            return Ok(None);
        }
        let step = Step {
            taken: jobs.iter().map(|j| j.id).collect(),
            current: jobs.last().map(|j| paths::display(&j.path)),
        };
        self.run_batch(jobs, processed)?;
        Ok(Some(step))
    }

    fn next_jobs(&self, urgent: &[i64]) -> Result<Vec<Job>> {
        let limit = self.batch_size.max(1);
        let job = |r: &rusqlite::Row<'_>| {
            let path = paths::from_bytes(&r.get::<_, Vec<u8>>(1)?);
            Ok(Job {
                id: r.get(0)?,
                reader: Reader::of(&path),
                path,
                size: r.get::<_, i64>(2)? as u64,
                mtime_ns: r.get(3)?,
            })
        };
        let mut candidates: Vec<Job> = Vec::new();
        if !urgent.is_empty() {
            let ids: Vec<rusqlite::types::Value> = urgent
                .iter()
                .map(|&id| rusqlite::types::Value::Integer(id))
                .collect();
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, path, size, mtime_ns FROM files
                 WHERE state = 'pending' AND id IN rarray(?1) ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![std::rc::Rc::new(ids), limit as i64], job)?;
            candidates = rows.collect::<Result<_, _>>()?;
        }
        if candidates.len() < limit {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, path, size, mtime_ns FROM files
                 WHERE state = 'pending' ORDER BY id LIMIT ?1",
            )?;
            let taken: HashSet<i64> = candidates.iter().map(|j| j.id).collect();
            for row in stmt.query_map([limit as i64], job)? {
                let row = row?;
                if candidates.len() < limit && !taken.contains(&row.id) {
                    candidates.push(row);
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

    fn run_batch(&mut self, jobs: Vec<Job>, processed: &mut Processed) -> Result<()> {
        let limits = self.limits;
        let gate = self.gate;
        let read: Vec<Result<Read, Outcome>> = self.pool.install(|| {
            jobs.par_iter()
                .map(|job| {
                    if !gate.pass() {
                        return Err(Outcome::Dropped);
                    }
                    read_and_hash(job, &limits)
                })
                .collect()
        });

        // Decide which files need extraction: contents unknown to the library, once each.
        let mut claimed = HashSet::new();
        let mut to_extract = Vec::new();
        let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(jobs.len());
        for (i, result) in read.into_iter().enumerate() {
            match result {
                Err(outcome) => outcomes.push(Some(outcome)),
                Ok((bytes, hash, reader)) => {
                    let known = write::find_content(self.conn, &hash, reader)?.is_some();
                    if known || !claimed.insert((hash, reader)) {
                        outcomes.push(Some(Outcome::Known { hash, reader }));
                    } else {
                        to_extract.push((i, bytes, hash, reader));
                        outcomes.push(None);
                    }
                }
            }
        }
        let layout = self.layout;
        let rules = self.models.image_rules();
        let extracted: Vec<(usize, Outcome)> = self.pool.install(|| {
            to_extract
                .into_par_iter()
                .map(|(i, bytes, hash, reader)| {
                    let job = &jobs[i];
                    if !gate.pass() {
                        return (i, Outcome::Dropped);
                    }
                    (
                        i,
                        extract_one(job, &bytes, hash, reader, &limits, rules.as_ref(), layout),
                    )
                })
                .collect()
        });
        for (i, outcome) in extracted {
            outcomes[i] = Some(outcome);
        }
        let outcomes = outcomes
            .into_iter()
            .map(|o| o.ok_or_else(|| Error::Internal("a batch job has no outcome".into())))
            .collect::<Result<Vec<_>>>()?;
        let new_contents: Vec<(usize, &Extracted)> = outcomes
            .iter()
            .enumerate()
            .filter_map(|(i, o)| match o {
                Outcome::Extracted { extracted, .. } => Some((i, &**extracted)),
                _ => None,
            })
            .collect();
        let models = self.models;
        if !gate.pass() {
            return Ok(()); // stopping: nothing is committed, every row stays pending
        }
        let mut vectors = self
            .pool
            .install(|| embed_stage::embed_extracted(models, &new_contents));
        if gate.is_stopping() {
            return Ok(());
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
            if !still_pending(&tx, job)? {
                continue;
            }
            match outcome {
                Outcome::Vanished => {
                    write::delete_file(&tx, job.id)?;
                    processed.vanished += 1;
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
                    let content_id = write::insert_content(
                        &tx,
                        hash,
                        *reader,
                        extracted,
                        has_thumbnail(extracted),
                    )?;
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
                    None => {
                        let reason = known_failures
                            .get(&(*hash, Some(*reader)))
                            .cloned()
                            .unwrap_or_else(|| {
                                "its content could not be extracted (see the other copy)".into()
                            });
                        write::mark_failed(&tx, job.id, Some(hash), &reason, false)?;
                        processed.failed += 1;
                    }
                },
            }
        }
        let dropped = write::gc_contents(&tx)?;
        tx.commit()?;
        remove_thumbnails(self.layout, &dropped);
        Ok(())
    }
}

/// The row may have changed since it was taken (a watcher saw a newer version): then this
/// outcome is stale and the row waits for the next batch.
fn still_pending(conn: &Connection, job: &Job) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) FROM files WHERE id = ?1 AND state = 'pending' AND size = ?2 AND mtime_ns = ?3",
        params![job.id, job.size as i64, job.mtime_ns],
        |r| r.get::<_, i64>(0),
    )? == 1)
}

fn read_and_hash(job: &Job, limits: &Limits) -> Result<Read, Outcome> {
    let Some(reader) = job.reader else {
        return Err(Outcome::Failed {
            hash: None,
            reason: "Trove does not read this type of file".into(),
            transient: false,
        });
    };
    if job.size > limits.max_file_bytes {
        return Err(Outcome::Failed {
            hash: None,
            reason: ExtractError::TooLarge(format!(
                "{} MB; the limit is {} MB",
                job.size / 1_000_000,
                limits.max_file_bytes / 1_000_000
            ))
            .to_string(),
            transient: false,
        });
    }
    match std::fs::read(&job.path) {
        Ok(bytes) => {
            let hash = *blake3::hash(&bytes).as_bytes();
            Ok((bytes, hash, reader))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Outcome::Vanished),
        Err(e) => Err(Outcome::Failed {
            hash: None,
            reason: read_error(&e),
            transient: true,
        }),
    }
}

fn read_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "cannot read file: permission denied".into(),
        _ => format!("cannot read file: {e}"),
    }
}

fn extract_one(
    job: &Job,
    bytes: &[u8],
    hash: [u8; 32],
    reader: Reader,
    limits: &Limits,
    model: Option<&crate::embed::ImageRules>,
    layout: &Layout,
) -> Outcome {
    let _span = tracing::debug_span!("extract", path = %job.path.display()).entered();
    match extract::extract_for(&job.path, bytes, limits, model) {
        Ok(mut extracted) => {
            if let Extracted::Photo(photo) = &mut extracted
                && let Err(e) = write_thumbnail(layout, &hash, &photo.thumbnail)
            {
                // The library folder is the machine's problem, not the photo's: index the
                // photo without a thumbnail and say so in the log.
                tracing::warn!("cannot write thumbnail for {}: {e}", job.path.display());
                photo.thumbnail.clear();
            }
            Outcome::Extracted {
                hash,
                reader,
                extracted: Box::new(extracted),
            }
        }
        Err(e) => {
            tracing::debug!("failed: {e}");
            Outcome::Failed {
                hash: Some(hash),
                reason: e.to_string(),
                transient: false,
            }
        }
    }
}

fn has_thumbnail(extracted: &Extracted) -> bool {
    matches!(extracted, Extracted::Photo(p) if !p.thumbnail.is_empty())
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
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, jpeg)?;
    std::fs::rename(&tmp, &path)
}

pub fn remove_thumbnails(layout: &Layout, hashes: &[Vec<u8>]) {
    for hash in hashes {
        let _ = std::fs::remove_file(layout.thumbnail(hash));
    }
}
