//! The pipeline's worker stages, which overlap: a **read** stage (read and hash each file of a
//! batch, look up which contents the library already has, extract the rest — all on the worker
//! pool) and an **embed** stage (the models, on the same pool), joined to the committing thread
//! by bounded channels. At most [`DEPTH`] batches are in the stages at once, so memory stays
//! flat however long the queue, and a slow stage holds the others back (backpressure).
//!
//! The stages never write: the read stage looks contents up through its own read-only
//! connection, and everything they produce is committed by the thread that owns the writer.
//! What they see may be a moment old — a content committed or dropped since — and the commit
//! checks again.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::Scope;
use std::time::Duration;

use rayon::prelude::*;
use rusqlite::Connection;

use super::{Gate, Models, embed_stage};
use crate::error::{Error, Result};
use crate::extract::{self, ExtractError, Extracted, Limits, Reader};
use crate::store::{self, Layout, write};

/// Batches in the stages at most: one being read while one is embedded. More would only hold
/// back the files the watcher just saw behind work already under way.
pub const DEPTH: usize = 2;

/// A pending file taken from the queue.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub path: PathBuf,
    /// `None` only for a row whose name no reader accepts (it fails with a reason).
    pub reader: Option<Reader>,
    pub size: u64,
    pub mtime_ns: i64,
}

/// What happened to one file.
pub enum Outcome {
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

/// What the stages borrow from the run.
#[derive(Clone, Copy)]
pub struct Work<'a> {
    pub layout: &'a Layout,
    pub limits: Limits,
    pub pace: crate::pipeline::Pace,
    pub pool: &'a rayon::ThreadPool,
    pub models: &'a Models,
    pub gate: &'a Gate,
}

/// A batch through both stages, ready to commit.
pub struct Ready {
    pub jobs: Vec<Job>,
    pub outcomes: Vec<Outcome>,
    /// Vectors per job index, per model.
    pub vectors: HashMap<usize, embed_stage::ContentVectors>,
    /// The service is stopping: the batch must not be committed.
    pub stopped: bool,
}

/// The running stages: batches go in with [`Stages::send`] and come out, in order, with
/// [`Stages::oldest`]. Dropping it lets the stage threads end (the scope joins them).
pub struct Stages<'scope> {
    jobs: SyncSender<Vec<Job>>,
    ready: Receiver<Result<Ready>>,
    /// Ids of each batch in the stages, oldest first.
    in_flight: VecDeque<Vec<i64>>,
    /// A stage thread is gone.
    broken: bool,
    _scope: std::marker::PhantomData<&'scope ()>,
}

impl<'scope> Stages<'scope> {
    pub fn start<'env>(scope: &'scope Scope<'scope, 'env>, work: Work<'env>) -> Stages<'scope> {
        let (jobs, jobs_rx) = sync_channel::<Vec<Job>>(DEPTH);
        let (read_tx, read_rx) = sync_channel::<Result<Ready>>(1);
        let (ready_tx, ready) = sync_channel::<Result<Ready>>(1);
        scope.spawn(move || {
            crate::pipeline::priority::step_back(work.pace);
            let lookup = store::open_reader(work.layout);
            for batch in jobs_rx {
                let read = match &lookup {
                    // The writer of this process migrated the schema before the pipeline ran.
                    Ok(Some((conn, store::Schema::Current))) => read(&work, conn, batch),
                    Ok(Some((_, schema))) => Err(Error::Internal(format!(
                        "the library's schema changed under its writer ({schema:?})"
                    ))),
                    Ok(None) => Err(Error::Internal("the library database is gone".into())),
                    Err(e) => Err(Error::Internal(format!("cannot read the library: {e}"))),
                };
                if read_tx.send(read).is_err() {
                    break;
                }
            }
        });
        scope.spawn(move || {
            crate::pipeline::priority::step_back(work.pace);
            for batch in read_rx {
                if ready_tx.send(batch.map(|b| embed(&work, b))).is_err() {
                    break;
                }
            }
        });
        Stages {
            jobs,
            ready,
            in_flight: VecDeque::new(),
            broken: false,
            _scope: std::marker::PhantomData,
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Ids of every row in the stages.
    pub fn taken(&self) -> HashSet<i64> {
        self.in_flight.iter().flatten().copied().collect()
    }

    /// Whether a stage thread is gone (a panic): nothing more can go through.
    pub fn broken(&self) -> bool {
        self.broken
    }

    pub fn send(&mut self, jobs: Vec<Job>) -> Result<()> {
        let ids = jobs.iter().map(|j| j.id).collect();
        if self.jobs.send(jobs).is_err() {
            self.broken = true;
            return Err(stopped());
        }
        self.in_flight.push_back(ids);
        Ok(())
    }

    /// The oldest batch, once through both stages, waiting for it at most `wait` (`None`: as
    /// long as it takes).
    pub fn oldest(&mut self, wait: Option<Duration>) -> Result<Poll> {
        if self.in_flight.is_empty() {
            return Ok(Poll::Empty);
        }
        let received = match wait {
            None => self
                .ready
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
            Some(wait) => self.ready.recv_timeout(wait),
        };
        let ready = match received {
            Ok(ready) => ready,
            Err(RecvTimeoutError::Timeout) => return Ok(Poll::Waiting),
            Err(RecvTimeoutError::Disconnected) => {
                self.broken = true;
                return Err(stopped());
            }
        };
        self.in_flight.pop_front();
        ready.map(Poll::Ready)
    }
}

/// What [`Stages::oldest`] found.
pub enum Poll {
    Ready(Ready),
    /// A batch is under way (or held by a pause).
    Waiting,
    /// Nothing is in flight.
    Empty,
}

/// The stage threads are gone (one panicked): nothing more can be indexed in this run.
fn stopped() -> Error {
    Error::Internal("the indexing workers stopped".into())
}

/// The read stage: read and hash every file, then extract the contents the library does not
/// have yet (each once, however many copies the batch holds).
fn read(work: &Work<'_>, lookup: &Connection, jobs: Vec<Job>) -> Result<Ready> {
    let Work {
        limits, pool, gate, ..
    } = *work;
    let read: Vec<Result<Read, Outcome>> = pool.install(|| {
        jobs.par_iter()
            .map(|job| {
                if !gate.pass() {
                    return Err(Outcome::Dropped);
                }
                read_and_hash(job, &limits)
            })
            .collect()
    });
    let mut claimed = HashSet::new();
    let mut to_extract = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(jobs.len());
    for (i, result) in read.into_iter().enumerate() {
        match result {
            Err(outcome) => outcomes.push(Some(outcome)),
            Ok((bytes, hash, reader)) => {
                let known = write::find_content(lookup, &hash, reader)?.is_some();
                if known || !claimed.insert((hash, reader)) {
                    outcomes.push(Some(Outcome::Known { hash, reader }));
                } else {
                    to_extract.push((i, bytes, hash, reader));
                    outcomes.push(None);
                }
            }
        }
    }
    let rules = work.models.image_rules();
    let extracted: Vec<(usize, Outcome)> = pool.install(|| {
        to_extract
            .into_par_iter()
            .map(|(i, bytes, hash, reader)| {
                if !gate.pass() {
                    return (i, Outcome::Dropped);
                }
                let outcome = extract_one(&jobs[i], &bytes, hash, reader, &limits, rules.as_ref());
                (i, outcome)
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
    Ok(Ready {
        jobs,
        outcomes,
        vectors: HashMap::new(),
        stopped: gate.is_stopping(),
    })
}

/// The embed stage: vectors for the contents the read stage extracted.
fn embed(work: &Work<'_>, mut batch: Ready) -> Ready {
    if batch.stopped || !work.gate.pass() {
        batch.stopped = true;
        return batch;
    }
    let new_contents: Vec<(usize, &Extracted)> = batch
        .outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            Outcome::Extracted { extracted, .. } => Some((i, &**extracted)),
            _ => None,
        })
        .collect();
    let models = work.models;
    batch.vectors = work
        .pool
        .install(|| embed_stage::embed_extracted(models, &new_contents));
    batch.stopped = work.gate.is_stopping();
    batch
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
    model: Option<&crate::extract::image::ImageRules>,
) -> Outcome {
    let _span = tracing::debug_span!("extract", path = %job.path.display()).entered();
    match extract::extract_for(&job.path, bytes, limits, model) {
        Ok(extracted) => Outcome::Extracted {
            hash,
            reader,
            extracted: Box::new(extracted),
        },
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
