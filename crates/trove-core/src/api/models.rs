//! The facade's model use cases: which models a library embeds with, getting them onto this
//! machine, listing them (`trove models`), and embedding queries for search.
//!
//! Policy when a model is unavailable: a model the user named explicitly by folder must load
//! (a wrong path is an error they want to see); anything that merely could not be fetched or
//! found leaves that role without vectors for this run, with a notice that says what to do —
//! indexing and keyword search go on.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use serde::Serialize;

use super::{Library, QueryVectors};
use crate::embed::download::DownloadEvent;
use crate::embed::select::{self, Wanted};
use crate::embed::{self, Location, Model, device, models};
use crate::error::{Error, Result};
use crate::pipeline;
use crate::store::vectors;
use crate::types::Role;

/// One line of `trove models`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ModelEntry {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub family: String,
    pub dim: usize,
    /// Download size in bytes: of the files whose size the registry pins, when `size_exact`
    /// is false (0 when none is pinned).
    pub size: u64,
    pub size_exact: bool,
    pub licence: String,
    pub repo: Option<String>,
    pub revision: Option<String>,
    /// Its files are on this machine (hub cache or a folder).
    pub installed: bool,
    /// New vectors of this library are made with it.
    pub target: bool,
    /// Search of this library uses its vectors.
    pub serving: bool,
    /// This library has a vector of it for every item.
    pub complete: bool,
    pub vectors: usize,
    pub default: bool,
    pub published: Option<models::Published>,
}

/// Models loaded for queries, by id: loading costs a second, a query milliseconds.
pub(super) type LoadedModels = Mutex<HashMap<String, Arc<Model>>>;

impl Library {
    /// The registry, plus the local models this library has vectors of.
    pub fn models(&self) -> Result<Vec<ModelEntry>> {
        let conn = match self.read_connection()? {
            Some(conn) => conn,
            None => super::empty_db()?,
        };
        let recorded = vectors::all(&conn)?;
        let counts: HashMap<String, usize> = vectors::counts(&conn)?.into_iter().collect();
        let serving: Vec<String> = [Role::Bridge, Role::Text]
            .into_iter()
            .filter_map(|r| vectors::serving(&conn, r).ok().flatten().map(|m| m.id))
            .collect();
        let hub = pipeline::models::hub(&self.settings.models);
        let mut out = Vec::new();
        for spec in models::all() {
            let rec = recorded.iter().find(|r| r.id == spec.id);
            out.push(ModelEntry {
                id: spec.id.into(),
                name: spec.name.into(),
                role: spec.role,
                family: spec.family.as_str().into(),
                dim: spec.dim,
                size: spec.size(),
                size_exact: spec.source.files.iter().all(|f| f.size.is_some()),
                licence: spec.licence.into(),
                repo: Some(spec.source.repo.into()),
                revision: Some(spec.source.revision.into()),
                installed: hub.cached(&spec.source).is_some(),
                target: rec.is_some_and(|r| r.target),
                serving: serving.iter().any(|s| s == spec.id),
                complete: rec.is_some_and(|r| r.complete),
                vectors: counts.get(spec.id).copied().unwrap_or(0),
                default: spec.id == models::DEFAULT_BRIDGE || spec.id == models::DEFAULT_TEXT,
                published: spec.published,
            });
        }
        for rec in recorded.iter().filter(|r| models::find(&r.id).is_none()) {
            let Location::Folder { path } = &rec.location else {
                continue;
            };
            out.push(ModelEntry {
                id: rec.id.clone(),
                name: crate::paths::display(path),
                role: rec.role,
                family: rec.family.clone(),
                dim: rec.dim,
                size: folder_size(path),
                size_exact: true,
                licence: "see the model's folder".into(),
                repo: None,
                revision: None,
                installed: path.join("config.json").is_file(),
                target: rec.target,
                serving: serving.contains(&rec.id),
                complete: rec.complete,
                vectors: counts.get(&rec.id).copied().unwrap_or(0),
                default: false,
                published: None,
            });
        }
        Ok(out)
    }

    /// The model search uses for `role`, loaded once per process.
    fn serving_model(&self, conn: &Connection, role: Role) -> Result<Option<Arc<Model>>> {
        let Some(rec) = vectors::serving(conn, role)? else {
            return Ok(None);
        };
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(model) = loaded.get(&rec.id) {
            return Ok(Some(model.clone()));
        }
        let (dir, spec) = match &rec.location {
            Location::Folder { path } => (Some(path.clone()), None),
            Location::Registry { id } => {
                let spec = select::lookup(id, role)?;
                (
                    pipeline::models::hub(&self.settings.models).cached(&spec.source),
                    Some(spec),
                )
            }
        };
        let Some(dir) = dir else {
            tracing::warn!(
                "the files of model {} are gone; search uses keywords",
                rec.id
            );
            return Ok(None);
        };
        let device = device::select(self.settings.models.device)?;
        let model = embed::shared::load(&dir, spec, Some(role), &device)?;
        if model.info.id != rec.id {
            // The folder now holds other weights than the vectors were made with.
            tracing::warn!(
                "{} now holds model {} but the library's vectors are of {}; re-index to use it",
                dir.display(),
                model.info.id,
                rec.id
            );
            return Ok(None);
        }
        loaded.insert(rec.id.clone(), model.clone());
        Ok(Some(model))
    }

    /// The models the settings name explicitly, else both defaults.
    fn chosen_or_defaults(&self) -> Result<Vec<(Role, Wanted)>> {
        let chosen: Vec<(Role, Wanted)> = [Role::Bridge, Role::Text]
            .into_iter()
            .filter_map(|role| match self.settings.models.wanted(role) {
                Ok(Some(w)) => Some(Ok((role, w))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(if chosen.is_empty() {
            vec![
                (Role::Bridge, select::default_for(Role::Bridge)),
                (Role::Text, select::default_for(Role::Text)),
            ]
        } else {
            chosen
        })
    }

    /// Evaluates the bridge model the settings name (or the default) on a captioned image set
    /// in the Karpathy layout: `trove eval`. Touches no library.
    pub fn eval(
        &self,
        captions: &Path,
        images: &Path,
        split: Option<&str>,
        on_download: &mut dyn FnMut(DownloadEvent),
        on_progress: &mut crate::eval::OnEval<'_>,
    ) -> Result<crate::eval::EvalReport> {
        let set = crate::eval::read_captions(captions, split)?;
        let wanted = self
            .settings
            .models
            .wanted(Role::Bridge)?
            .unwrap_or_else(|| select::default_for(Role::Bridge));
        if wanted == Wanted::Off {
            return Err(Error::Invalid(
                "evaluation needs a bridge model, not none".into(),
            ));
        }
        let device = device::select(self.settings.models.device)?;
        let model = pipeline::models::load(
            &wanted,
            Role::Bridge,
            &pipeline::models::hub(&self.settings.models),
            &device,
            on_download,
        )?;
        let batch = self.settings.index.batch_size.max(1);
        crate::eval::run(
            &model,
            &set,
            images,
            &self.settings.limits,
            batch,
            on_progress,
        )
    }

    /// Times the models the settings name (or the defaults when they name none) on this
    /// machine: `trove bench`. Touches no library. `batch` images go to each call (by default
    /// the batch size indexing embeds with), then `rounds` of the sample queries.
    pub fn bench_models(
        &self,
        images: usize,
        batch: Option<usize>,
        rounds: usize,
        on_event: &mut dyn FnMut(DownloadEvent),
    ) -> Result<Vec<embed::bench::BenchReport>> {
        let chosen = self.chosen_or_defaults()?;
        let batch = batch.unwrap_or(self.settings.index.batch_size);
        let device = device::select(self.settings.models.device)?;
        let hub = pipeline::models::hub(&self.settings.models);
        let mut reports = Vec::new();
        for (role, wanted) in chosen {
            if wanted == Wanted::Off {
                continue;
            }
            let started = std::time::Instant::now();
            let model = pipeline::models::load(&wanted, role, &hub, &device, on_event)?;
            let load_ms = started.elapsed().as_secs_f64() * 1000.0;
            reports.push(embed::bench::run(&model, load_ms, images, batch, rounds)?);
        }
        Ok(reports)
    }

    /// Embeds a text query with each role's serving model (for the search features).
    pub fn query_vectors(&self, text: &str) -> Result<QueryVectors> {
        let Some(conn) = self.read_connection()? else {
            return Ok(QueryVectors::default());
        };
        let mut out = QueryVectors::default();
        for role in [Role::Bridge, Role::Text] {
            if let Some(model) = self.serving_model(&conn, role)? {
                let v = model.embed_query(text)?;
                let slot = match role {
                    Role::Bridge => &mut out.bridge,
                    Role::Text => &mut out.text,
                };
                *slot = Some((model.info.id.clone(), v));
            }
        }
        Ok(out)
    }

    /// Embeds an image file (in the library or not) with the serving bridge model.
    pub fn image_vector(&self, path: &Path) -> Result<Option<(String, Vec<f32>)>> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))?;
        self.image_bytes_vector(&bytes, path)
    }

    /// [`Library::image_vector`] of bytes already read from `path` (named in errors).
    pub(super) fn image_bytes_vector(
        &self,
        bytes: &[u8],
        path: &Path,
    ) -> Result<Option<(String, Vec<f32>)>> {
        let Some(conn) = self.read_connection()? else {
            return Ok(None);
        };
        let Some(model) = self.serving_model(&conn, Role::Bridge)? else {
            return Ok(None);
        };
        let side = model.info.image.map_or(224, |r| r.size);
        let image =
            crate::extract::image::decode(bytes, &self.settings.limits, side).map_err(|e| {
                Error::Invalid(match e {
                    // No file name was consulted here: say only what the bytes are.
                    crate::extract::ExtractError::Mislabelled { found, .. } => {
                        format!("{} is not an image (its bytes {found})", path.display())
                    }
                    e => format!("{}: {e}", path.display()),
                })
            })?;
        let v = model
            .embed_images(&[&image.rgb])?
            .pop()
            .ok_or_else(|| Error::Internal("no image vector".into()))?;
        Ok(Some((model.info.id.clone(), v)))
    }
}

fn folder_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
