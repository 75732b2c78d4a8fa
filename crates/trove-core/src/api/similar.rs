//! The facade's photo query: `trove similar`, a photo (in the library or any image file) →
//! similar photos and the notes related to it, through the serving bridge model's vectors.

use rusqlite::{Connection, OptionalExtension};

use super::{ItemRef, Library, SearchResults};
use crate::embed::{self, Role};
use crate::error::{Error, Result};
use crate::store::vectors;

impl Library {
    /// Photos similar to a photo, and the notes related to it: `trove similar`. The photo is a
    /// library file (by id or path) or any image file (a dragged-in photo).
    pub fn similar(&self, target: &ItemRef, limit: usize) -> Result<SearchResults> {
        let no_model = || {
            Error::Invalid(
                "finding similar photos needs a model, and none has embedded this library yet \
                 (see `trove models` and the warnings of `trove index`)"
                    .into(),
            )
        };
        let Some(conn) = self.reader()? else {
            return Err(no_model());
        };
        let model = vectors::serving(&conn, Role::Bridge)?.ok_or_else(no_model)?;
        let label = match target {
            ItemRef::Id(id) => id.to_string(),
            ItemRef::Path(p) => crate::paths::display(p),
        };
        // A library file: its content (left out of the results) and stored vector.
        let file = match target {
            ItemRef::Id(id) => Some(*id),
            ItemRef::Path(p) => {
                let canonical = p.canonicalize().unwrap_or_else(|_| p.clone());
                crate::store::read::file_by_path(&conn, &canonical)?
            }
        };
        let content: Option<(i64, String)> = match file {
            Some(id) => conn
                .query_row(
                    "SELECT content_id, kind FROM files WHERE id = ?1 AND content_id IS NOT NULL",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
            None => None,
        };
        let (same, stored) = match content {
            Some((_, kind)) if kind != "photo" => {
                return Err(Error::Invalid(format!("{label} is a note, not a photo")));
            }
            Some((content_id, _)) => (
                Some(content_id),
                stored_vector(&conn, &model.id, content_id)?,
            ),
            None if matches!(target, ItemRef::Id(_)) => {
                return Err(Error::NotFound(format!("no indexed file with id {label}")));
            }
            None => (None, None),
        };
        let (query, same) = match (stored, target) {
            (Some(v), _) => (v, same),
            (None, ItemRef::Path(path)) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| Error::Invalid(format!("cannot read {label}: {e}")))?;
                let (id, v) = self
                    .image_bytes_vector(&bytes, path)?
                    .ok_or_else(no_model)?;
                if id != model.id {
                    return Err(no_model());
                }
                // A photo from outside the library may still be a byte-identical copy of one
                // inside.
                let same = match same {
                    Some(content) => Some(content),
                    None => crate::store::write::find_content(
                        &conn,
                        blake3::hash(&bytes).as_bytes(),
                        crate::extract::Reader::Image,
                    )?,
                };
                (v, same)
            }
            (None, ItemRef::Id(_)) => {
                return Err(Error::Invalid(format!(
                    "photo {label} has no vector yet; run `trove index` to embed it"
                )));
            }
        };
        crate::search::similar::similar(&conn, &label, &model.id, &query, same, limit)
    }
}

/// The stored bridge vector of a photo content.
fn stored_vector(conn: &Connection, model: &str, content_id: i64) -> Result<Option<Vec<f32>>> {
    Ok(conn
        .query_row(
            "SELECT v.vector FROM vectors v JOIN items i ON i.id = v.item_id
             WHERE v.model = ?1 AND i.content_id = ?2 AND i.kind = 'photo'",
            rusqlite::params![model, content_id],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()?
        .map(|b| embed::from_blob(&b)))
}
