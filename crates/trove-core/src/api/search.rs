//! The facade's queries: `search` (words, a photo to search like, or both) and `similar` (a
//! photo → similar photos and related notes). Both gather what the search layer's plan
//! ([`search::plan`]) needs — query vectors from the serving models, the query photo, the
//! in-memory vector indexes, the calibrated cutoffs, the filter scope — and hand one
//! [`search::Query`] to the search module.

use std::sync::Arc;

use rusqlite::Connection;

use super::{ItemRef, Library, QueryVectors, SearchRequest, SearchResults, empty_db};
use crate::embed;
use crate::error::{Error, Result};
use crate::index::{ItemKind, VectorIndex};
use crate::search::plan::{PhotoQuery, Plan, QueryVector};
use crate::search::{self, Semantic, cutoff, filter};
use crate::store::vectors;
use crate::types::{Kind, Mode, Notice, Role};

/// Weight of the words against the photo in a composite query, unless asked otherwise.
pub const DEFAULT_TEXT_WEIGHT: f32 = 0.5;

impl Library {
    /// Photos and notes matching words (by keyword and by meaning), a photo (`like`), or both.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let like = request
            .like
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| ItemRef::parse(std::ffi::OsStr::new(l)));
        self.search_by(request, like.as_ref())
    }

    /// Photos similar to a photo, and the notes related to it: `trove similar`. The photo is a
    /// library file (by id or path) or any image file (a dragged-in photo).
    pub fn similar(&self, target: &ItemRef, limit: usize) -> Result<SearchResults> {
        let request = SearchRequest {
            limit: Some(limit),
            ..Default::default()
        };
        self.search_by(&request, Some(target))
    }

    /// [`Library::search`] with the photo to search like given as an [`ItemRef`] (a path that
    /// need not be UTF-8); `request.like` is ignored.
    pub fn search_by(
        &self,
        request: &SearchRequest,
        like: Option<&ItemRef>,
    ) -> Result<SearchResults> {
        // Indexing in this process gives way while the query runs.
        let _searching = self.gate.searching();
        let conn = match self.read_connection()? {
            Some(conn) => conn,
            None => empty_db()?,
        };
        let words = request.query.trim();
        let limit = request.limit.unwrap_or(search::DEFAULT_LIMIT);
        let weight = request.text_weight.unwrap_or(DEFAULT_TEXT_WEIGHT);
        if !(0.0..=1.0).contains(&weight) {
            return Err(Error::Invalid(format!(
                "the text weight must be between 0 and 1, not {weight}"
            )));
        }
        let serving: Vec<String> = [Role::Bridge, Role::Text]
            .into_iter()
            .filter_map(|role| vectors::serving(&conn, role).transpose())
            .map(|m| m.map(|m| m.id))
            .collect::<Result<_>>()?;
        self.indexes
            .retain(&serving.iter().map(String::as_str).collect::<Vec<_>>());
        // Filters first: a bad date is reported whatever else the request holds.
        let scope = filter::scope(&conn, &request.filters, request.kind)?;
        let photo = like.map(|l| self.photo_query(&conn, l)).transpose()?;
        if words.is_empty() && photo.is_none() {
            return Ok(SearchResults {
                query: String::new(),
                mode: Mode::Keyword,
                photos: Vec::new(),
                notes: Vec::new(),
                hidden: Default::default(),
                filters: scope.labels,
                notices: vec![Notice::EmptyQuery],
                limitation: None,
            });
        }
        let texts = if words.is_empty() {
            QueryVectors::default()
        } else {
            self.query_vectors(words)?
        };
        let label = match (like, words.is_empty()) {
            (Some(l), true) => item_label(l),
            (Some(l), false) => format!("{words} (like {})", item_label(l)),
            (None, _) => words.to_string(),
        };
        let plan = Plan::new(words, texts, photo, |photo, words| {
            let index = self.indexes.get(&conn, &photo.model, ItemKind::Photo)?;
            Ok(combine(&index, &photo.vector, words, weight))
        })?;
        // Each group's index, and its cutoff where the query is words (see QueryVector).
        let group = |query: &Option<QueryVector>, kind: ItemKind| -> Result<Option<Group>> {
            let Some(query) = query else { return Ok(None) };
            let cutoff = cutoff::load(&conn, &query.model, kind)?;
            Ok(Some((
                self.indexes.get(&conn, &query.model, kind)?,
                cutoff.filter(|_| query.from_words),
            )))
        };
        let (photos, notes) = (
            group(&plan.photos, ItemKind::Photo)?,
            group(&plan.notes, ItemKind::Chunk)?,
        );
        let (photo_semantic, note_semantic) = (
            semantic(&plan.photos, &photos),
            semantic(&plan.notes, &notes),
        );
        let by_meaning = photo_semantic.is_some() || note_semantic.is_some();
        let limitation = plan.limitation(
            photo_semantic.is_some(),
            note_semantic.is_some(),
            request.kind,
        );
        let q = search::Query {
            label,
            mode: plan.mode(by_meaning),
            words: &plan.words,
            photos: photo_semantic,
            notes: note_semantic,
            exclude: plan.exclude,
            kind: request.kind,
            limit,
            all: request.all,
            fusion: self.settings.search.fusion,
            semantic_label: plan.semantic_label(),
        };
        let mut results = search::run(&conn, &q, &scope)?;
        if let Some(same) = plan.exclude {
            let paths = same_photo_paths(&conn, same)?;
            if !paths.is_empty() {
                results.notices.insert(0, Notice::SamePhoto { paths });
            }
        }
        if results.notices.is_empty() {
            results.notices.extend(plan.words_notice(by_meaning));
        }
        results.limitation = limitation;
        Ok(results)
    }

    /// The vector of a photo to search by, through the serving bridge model: a library file's
    /// stored vector, or any image file embedded now.
    fn photo_query(&self, conn: &Connection, target: &ItemRef) -> Result<PhotoQuery> {
        let no_model = || {
            Error::Invalid(
                "searching by a photo needs a model, and none has embedded this library yet \
                 (see `trove models` and the warnings of `trove index`)"
                    .into(),
            )
        };
        let model = vectors::serving(conn, Role::Bridge)?.ok_or_else(no_model)?;
        let label = item_label(target);
        // A library file: its content (left out of the results) and stored vector.
        let file = match target {
            ItemRef::Id(id) => Some(*id),
            ItemRef::Path(p) => {
                let canonical = p.canonicalize().unwrap_or_else(|_| p.clone());
                crate::store::read::file_by_path(conn, &canonical)?
            }
            ItemRef::Image(_) => None,
        };
        let content = match file {
            Some(id) => crate::store::read::content_of(conn, id)?,
            None => None,
        };
        let (same, stored) = match content {
            Some((_, Kind::Note)) => {
                return Err(Error::Invalid(format!("{label} is a note, not a photo")));
            }
            Some((content_id, Kind::Photo)) => (
                Some(content_id),
                vectors::of_photo(conn, &model.id, content_id)?,
            ),
            None if matches!(target, ItemRef::Id(_)) => {
                return Err(Error::NotFound(format!("no indexed file with id {label}")));
            }
            None => (None, None),
        };
        let (vector, same) = match stored {
            Some(v) => (v, same),
            None => {
                let bytes: std::sync::Arc<[u8]> = match target {
                    ItemRef::Image(image) => image.bytes.clone(),
                    ItemRef::Path(path) => std::fs::read(path)
                        .map(Into::into)
                        .map_err(|e| Error::Invalid(format!("cannot read {label}: {e}")))?,
                    ItemRef::Id(_) => {
                        return Err(Error::Invalid(format!(
                            "photo {label} has no vector yet; run `trove index` to embed it"
                        )));
                    }
                };
                let (id, v) = self
                    .image_bytes_vector(&bytes, std::path::Path::new(&label))?
                    .ok_or_else(no_model)?;
                if id != model.id {
                    return Err(no_model());
                }
                // A photo from outside the library may still be a byte-identical copy of one
                // inside.
                let same = match same {
                    Some(content) => Some(content),
                    None => crate::store::write::find_content(
                        conn,
                        blake3::hash(&bytes).as_bytes(),
                        crate::extract::Reader::Image,
                    )?,
                };
                (v, same)
            }
        };
        Ok(PhotoQuery {
            model: model.id,
            vector,
            same,
        })
    }
}

fn item_label(item: &ItemRef) -> String {
    match item {
        ItemRef::Id(id) => id.to_string(),
        ItemRef::Path(p) => crate::paths::display(p),
        ItemRef::Image(image) => image.name.clone(),
    }
}

/// The composite query vector: `(1 − w)·photo/σ_photo + w·text/σ_text`, normalised, where σ is
/// the spread of that query's scores over the library's photos. Image→image similarities vary
/// several times more than text→image ones (the modality gap), so adding the raw vectors would
/// let the photo drown the words; dividing by each spread weighs them as the user asked.
fn combine(index: &VectorIndex, photo: &[f32], text: &[f32], text_weight: f32) -> Vec<f32> {
    let spread = |q: &[f32]| {
        let scores: Vec<f32> = index.scores(q, |_| true).iter().map(|h| h.score).collect();
        let n = scores.len().max(1) as f32;
        let mean = scores.iter().sum::<f32>() / n;
        let var = scores.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / n;
        // A library of one photo has no spread: fall back to the plain sum.
        if var > 1e-12 { var.sqrt() } else { 1.0 }
    };
    let (wp, wt) = (
        (1.0 - text_weight) / spread(photo),
        text_weight / spread(text),
    );
    let mut v: Vec<f32> = photo
        .iter()
        .zip(text)
        .map(|(p, t)| wp * p + wt * t)
        .collect();
    embed::normalise(&mut v);
    v
}

/// The query photo's own files (the first, then its copies), which are not results.
fn same_photo_paths(conn: &Connection, content_id: i64) -> Result<Vec<String>> {
    Ok(match search::representative(conn, content_id)? {
        Some((file_id, path)) => std::iter::once(path)
            .chain(crate::store::read::copies(conn, file_id, content_id)?)
            .collect(),
        None => Vec::new(),
    })
}

/// A group's index of vectors and the cutoff its matches are held to.
type Group = (Arc<VectorIndex>, Option<f64>);

/// A group's matching by meaning, when it has a query vector and an index of vectors like it
/// (a model recorded as serving may have none yet, e.g. after an interrupted first index).
fn semantic<'a>(query: &'a Option<QueryVector>, group: &'a Option<Group>) -> Option<Semantic<'a>> {
    query
        .as_ref()
        .zip(group.as_ref())
        .filter(|(query, (index, _))| !index.is_empty() && index.dim() == query.vector.len())
        .map(|(query, (index, cutoff))| Semantic {
            model: query.model.as_str(),
            index: index.as_ref(),
            query: query.vector.as_slice(),
            cutoff: *cutoff,
        })
}
