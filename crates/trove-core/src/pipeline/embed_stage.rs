//! The embedding stage: vectors for what a batch extracted (committed in the batch's own
//! transaction), and the backfill that gives every older item a vector of the current models
//! (after a model switch, or when a model arrives after the files were indexed).
//!
//! A model failing on some input is not the file's fault and must not stop indexing: the file is
//! indexed without that vector, the failure is logged, and the backfill tries again on the next
//! run.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use rusqlite::Connection;

use crate::embed::{Model, Purpose};
use crate::error::Result;
use crate::extract::{self, Extracted, Limits};
use crate::store::vectors;
use crate::types::Role;

/// The models a run embeds with; either may be absent.
#[derive(Debug, Default)]
pub struct Models {
    pub bridge: Option<Arc<Model>>,
    pub text: Option<Arc<Model>>,
}

impl Models {
    pub fn is_empty(&self) -> bool {
        self.bridge.is_none() && self.text.is_none()
    }

    pub fn each(&self) -> impl Iterator<Item = &Model> {
        self.bridge.iter().chain(self.text.iter()).map(Arc::as_ref)
    }

    /// The bridge model's image rules: what extraction prepares photos for.
    pub fn image_rules(&self) -> Option<crate::extract::image::ImageRules> {
        self.bridge.as_ref().and_then(|m| m.info.image)
    }
}

/// Vectors for one extracted content, per model id, in item order.
pub type ContentVectors = Vec<(String, Vec<Vec<f32>>)>;

/// Embeds the extracted contents of a batch: photos with the bridge model's image tower, note
/// chunks with both models' text towers. Keys are the caller's indices.
pub fn embed_extracted(
    models: &Models,
    extracted: &[(usize, &Extracted)],
) -> HashMap<usize, ContentVectors> {
    let mut out: HashMap<usize, ContentVectors> = HashMap::new();
    if let Some(bridge) = &models.bridge {
        let photos: Vec<(usize, &[f32])> = extracted
            .iter()
            .filter_map(|(i, e)| match e {
                Extracted::Photo(p) => p.model_input.as_deref().map(|px| (*i, px)),
                Extracted::Note(_) => None,
            })
            .collect();
        if !photos.is_empty() {
            let pixels: Vec<f32> = photos
                .iter()
                .flat_map(|(_, px)| px.iter().copied())
                .collect();
            match bridge.embed_pixels(&pixels, photos.len()) {
                Ok(vs) => {
                    for ((i, _), v) in photos.iter().zip(vs) {
                        out.entry(*i)
                            .or_default()
                            .push((bridge.info.id.clone(), vec![v]));
                    }
                }
                Err(e) => tracing::warn!("{}: photos left without vectors: {e}", bridge.info.id),
            }
        }
    }
    // Every chunk of the batch's notes, in runs of at most TEXT_BATCH per model call: one
    // forward pass for many short passages instead of one per note.
    let chunks: Vec<(usize, &str)> = extracted
        .iter()
        .flat_map(|(i, e)| match e {
            Extracted::Note(note) => note.chunks.iter().map(|c| (*i, c.text.as_str())).collect(),
            Extracted::Photo(_) => Vec::new(),
        })
        .collect();
    for model in models.each() {
        let mut per_note: HashMap<usize, Vec<Vec<f32>>> = HashMap::new();
        let mut failed: Vec<usize> = Vec::new();
        for run in chunks.chunks(TEXT_BATCH) {
            let texts: Vec<&str> = run.iter().map(|(_, t)| *t).collect();
            match model.embed_texts(&texts, Purpose::Passage) {
                Ok(vs) => {
                    for ((i, _), v) in run.iter().zip(vs) {
                        per_note.entry(*i).or_default().push(v);
                    }
                }
                Err(e) => {
                    tracing::warn!("{}: notes left without vectors: {e}", model.info.id);
                    failed.extend(run.iter().map(|(i, _)| *i));
                }
            }
        }
        // A note gets vectors only when all its chunks have one (the backfill completes the
        // others), so a partial set never lands in the transaction.
        for (i, vs) in per_note {
            if !failed.contains(&i) {
                out.entry(i).or_default().push((model.info.id.clone(), vs));
            }
        }
    }
    out
}

/// Passages per text-model call in the pipeline.
const TEXT_BATCH: usize = 64;

/// Items embedded per backfill transaction.
const BACKFILL_BATCH: usize = 32;

/// Progress of the backfill: items embedded so far out of those missing at the start.
pub type OnBackfill<'a> = dyn FnMut(usize, usize) + 'a;

/// Gives every item of each model's role a vector of it, a batch per transaction; then records
/// completed sets (and drops the vectors they replace). Returns how many vectors were made.
/// Returns early, unfinished, when the gate stops or pauses it or asks it to yield; calling it again
/// resumes (it looks for what is still missing).
pub fn backfill(
    conn: &mut Connection,
    models: &Models,
    limits: &Limits,
    pool: &rayon::ThreadPool,
    gate: &super::Gate,
    on_progress: &mut OnBackfill<'_>,
) -> Result<usize> {
    let total: usize = models
        .each()
        .map(|m| vectors::missing(conn, &m.info.id, m.info.role))
        .sum::<Result<usize>>()?;
    let mut made = 0;
    if total > 0 {
        on_progress(0, total);
    }
    for model in models.each() {
        if model.info.role == Role::Bridge {
            let mut after = 0;
            loop {
                if gate.is_paused() || gate.take_yield() || !gate.pass() {
                    return Ok(made);
                }
                let batch = vectors::photos_missing(conn, &model.info.id, after, BACKFILL_BATCH)?;
                let Some(&(last, _)) = batch.last() else {
                    break;
                };
                after = last;
                let vs = pool.install(|| photo_vectors(model, &batch, limits));
                let tx = conn.transaction()?;
                for (item, v) in &vs {
                    vectors::insert(&tx, &model.info.id, *item, v)?;
                }
                tx.commit()?;
                made += vs.len();
                on_progress(made, total);
            }
        }
        let mut after = 0;
        loop {
            if gate.is_paused() || gate.take_yield() || !gate.pass() {
                return Ok(made);
            }
            let batch = vectors::chunks_missing(conn, &model.info.id, after, BACKFILL_BATCH)?;
            let Some(&(last, _)) = batch.last() else {
                break;
            };
            after = last;
            let texts: Vec<&str> = batch.iter().map(|(_, t)| t.as_str()).collect();
            let vs = match pool.install(|| model.embed_texts(&texts, Purpose::Passage)) {
                Ok(vs) => vs,
                Err(e) => {
                    tracing::warn!("{}: note chunks left without vectors: {e}", model.info.id);
                    continue;
                }
            };
            let tx = conn.transaction()?;
            for ((item, _), v) in batch.iter().zip(&vs) {
                vectors::insert(&tx, &model.info.id, *item, v)?;
            }
            tx.commit()?;
            made += vs.len();
            on_progress(made, total);
        }
    }
    for model in models.each() {
        vectors::settle(conn, model.info.role)?;
    }
    Ok(made)
}

/// Reads, decodes and embeds photos for the backfill; a photo that can no longer be read is
/// skipped (it is picked up again when its file is re-indexed).
fn photo_vectors(
    model: &Model,
    batch: &[(i64, std::path::PathBuf)],
    limits: &Limits,
) -> Vec<(i64, Vec<f32>)> {
    let Some(rules) = model.info.image else {
        return Vec::new();
    };
    let prepared: Vec<(i64, Vec<f32>)> = batch
        .par_iter()
        .filter_map(|(item, path)| {
            let bytes = std::fs::read(path).ok()?;
            let image = extract::image::decode(&bytes, limits, rules.size)
                .map_err(|e| tracing::warn!("{}: {e}", path.display()))
                .ok()?;
            Some((
                *item,
                crate::extract::image::preprocess::pixels(&image.rgb, &rules),
            ))
        })
        .collect();
    if prepared.is_empty() {
        return Vec::new();
    }
    let pixels: Vec<f32> = prepared
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .collect();
    match model.embed_pixels(&pixels, prepared.len()) {
        Ok(vs) => prepared.iter().map(|(i, _)| *i).zip(vs).collect(),
        Err(e) => {
            tracing::warn!("{}: photos left without vectors: {e}", model.info.id);
            Vec::new()
        }
    }
}
