//! Vectors and the models that made them.
//!
//! A vector belongs to an item (a photo or a note chunk) and a model; the `models` table says
//! which model each role is building towards (`target`) and which sets are complete. Nothing
//! but the pipeline writes here.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::embed::{Location, ModelInfo, from_blob, to_blob};
use crate::error::{Error, Result};
use crate::paths;
use crate::types::{ModelStatus, Role};

/// Which items a role's model embeds: the bridge model everything, the text model note chunks.
fn items_of(role: Role) -> &'static str {
    match role {
        Role::Bridge => "1",
        Role::Text => "i.kind = 'chunk'",
    }
}

/// Records `info` as the model `role` builds vectors with from now on.
pub fn set_target(conn: &Connection, info: &ModelInfo) -> Result<()> {
    let location = serde_json::to_string(&info.location)
        .map_err(|e| Error::Internal(format!("model location: {e}")))?;
    conn.execute(
        "INSERT INTO models(id, role, family, dim, location, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET location = excluded.location",
        params![
            info.id,
            info.role.as_str(),
            info.family.as_str(),
            info.dim as i64,
            location,
            crate::store::now_secs()
        ],
    )?;
    let dim: i64 = conn.query_row("SELECT dim FROM models WHERE id = ?1", [&info.id], |r| {
        r.get(0)
    })?;
    if dim != info.dim as i64 {
        return Err(Error::Internal(format!(
            "model {} changed its dimension ({dim} → {})",
            info.id, info.dim
        )));
    }
    conn.execute(
        "UPDATE models SET target = 0 WHERE role = ?1 AND id <> ?2 AND target = 1",
        params![info.role.as_str(), info.id],
    )?;
    conn.execute("UPDATE models SET target = 1 WHERE id = ?1", [&info.id])?;
    Ok(())
}

/// Remembers whether the user turned `role` off (`--model none`), for runs without flags.
pub fn set_off(conn: &Connection, role: Role, off: bool) -> Result<()> {
    if off {
        conn.execute(
            "INSERT OR IGNORE INTO model_off(role) VALUES (?1)",
            [role.as_str()],
        )?;
    } else {
        conn.execute("DELETE FROM model_off WHERE role = ?1", [role.as_str()])?;
    }
    Ok(())
}

/// Whether the user turned `role` off.
pub fn is_off(conn: &Connection, role: Role) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM model_off WHERE role = ?1",
            [role.as_str()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Stores one vector per item of `content_id`, in item order (`vectors[i]` for the item with
/// `ord = i`).
pub fn insert_for_content(
    conn: &Connection,
    model: &str,
    content_id: i64,
    vectors: &[Vec<f32>],
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO vectors(model, item_id, vector)
         SELECT ?1, id, ?4 FROM items WHERE content_id = ?2 AND ord = ?3",
    )?;
    for (ord, v) in vectors.iter().enumerate() {
        stmt.execute(params![model, content_id, ord as i64, to_blob(v)])?;
    }
    Ok(())
}

/// The vector `model` made of a photo content, if it has made one.
pub fn of_photo(conn: &Connection, model: &str, content_id: i64) -> Result<Option<Vec<f32>>> {
    let blob: Option<Vec<u8>> = conn
        .query_row(
            "SELECT v.vector FROM vectors v JOIN items i ON i.id = v.item_id
             WHERE v.model = ?1 AND i.content_id = ?2 AND i.kind = 'photo'",
            params![model, content_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(blob.map(|b| from_blob(&b)))
}

pub fn insert(conn: &Connection, model: &str, item_id: i64, vector: &[f32]) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO vectors(model, item_id, vector) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![model, item_id, to_blob(vector)])?;
    Ok(())
}

/// Photo items without a vector of `model`, after `after` in id order, each with the path of an
/// indexed file holding it (photos whose files are all missing cannot be embedded now).
pub fn photos_missing(
    conn: &Connection,
    model: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<(i64, std::path::PathBuf)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, min(f.path) FROM items i
         JOIN files f ON f.content_id = i.content_id AND f.state = 'indexed'
         WHERE i.kind = 'photo' AND i.id > ?2
           AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ?1 AND v.item_id = i.id)
         GROUP BY i.id ORDER BY i.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![model, after, limit as i64], |r| {
        Ok((r.get(0)?, paths::from_bytes(&r.get::<_, Vec<u8>>(1)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Note chunks without a vector of `model`, after `after`, with their text.
pub fn chunks_missing(
    conn: &Connection,
    model: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, coalesce(i.text, '') FROM items i
         WHERE i.kind = 'chunk' AND i.id > ?2
           AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ?1 AND v.item_id = i.id)
         ORDER BY i.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![model, after, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Items of `role` that lack a vector of `model` and could get one now.
pub fn missing(conn: &Connection, model: &str, role: Role) -> Result<usize> {
    let sql = format!(
        "SELECT count(*) FROM items i
         WHERE {}
           AND (i.kind = 'chunk' OR EXISTS (SELECT 1 FROM files f
                WHERE f.content_id = i.content_id AND f.state = 'indexed'))
           AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ?1 AND v.item_id = i.id)",
        items_of(role)
    );
    Ok(conn.query_row(&sql, [model], |r| r.get::<_, i64>(0))? as usize)
}

/// Marks the target of `role` complete when nothing is missing, and then drops the vectors of
/// the models it replaces. Returns whether it is complete.
pub fn settle(conn: &Connection, role: Role) -> Result<bool> {
    let Some(target) = target(conn, role)? else {
        return Ok(false);
    };
    if missing(conn, &target.id, role)? > 0 {
        return Ok(false);
    }
    conn.execute(
        "UPDATE models SET complete_at = coalesce(complete_at, ?2) WHERE id = ?1",
        params![target.id, crate::store::now_secs()],
    )?;
    let replaced: Vec<String> = conn
        .prepare("SELECT id FROM models WHERE role = ?1 AND target = 0")?
        .query_map([role.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in replaced {
        conn.execute("DELETE FROM vectors WHERE model = ?1", [&id])?;
        conn.execute("DELETE FROM models WHERE id = ?1", [&id])?;
    }
    Ok(true)
}

/// A model the library knows, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub id: String,
    pub role: Role,
    pub family: String,
    pub dim: usize,
    pub location: Location,
    pub target: bool,
    pub complete: bool,
}

fn recorded(r: &rusqlite::Row) -> rusqlite::Result<Recorded> {
    let role: String = r.get(1)?;
    let location: String = r.get(4)?;
    Ok(Recorded {
        id: r.get(0)?,
        role: Role::parse(&role).unwrap_or(Role::Bridge),
        family: r.get(2)?,
        dim: r.get::<_, i64>(3)? as usize,
        location: serde_json::from_str(&location).unwrap_or(Location::Registry { id: r.get(0)? }),
        target: r.get(5)?,
        complete: r.get::<_, Option<i64>>(6)?.is_some(),
    })
}

const RECORDED: &str = "SELECT id, role, family, dim, location, target, complete_at FROM models";

pub fn all(conn: &Connection) -> Result<Vec<Recorded>> {
    let mut stmt = conn.prepare(&format!("{RECORDED} ORDER BY role, added_at"))?;
    let rows = stmt.query_map([], recorded)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn target(conn: &Connection, role: Role) -> Result<Option<Recorded>> {
    Ok(conn
        .query_row(
            &format!("{RECORDED} WHERE role = ?1 AND target = 1"),
            [role.as_str()],
            recorded,
        )
        .optional()?)
}

/// The model search should use for `role`: the target once complete, else the most recently
/// completed one (its vectors are kept until the target's set is complete), else the target.
pub fn serving(conn: &Connection, role: Role) -> Result<Option<Recorded>> {
    Ok(conn
        .query_row(
            &format!(
                "{RECORDED} WHERE role = ?1
                 ORDER BY (complete_at IS NOT NULL) DESC, target DESC, complete_at DESC LIMIT 1"
            ),
            [role.as_str()],
            recorded,
        )
        .optional()?)
}

/// Vectors stored per model.
pub fn counts(conn: &Connection) -> Result<Vec<(String, usize)>> {
    let mut stmt =
        conn.prepare("SELECT model, count(*) FROM vectors GROUP BY model ORDER BY model")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many vectors `model` has for items of `kind` ("photo" or "chunk").
pub fn count(conn: &Connection, model: &str, kind: &str) -> Result<usize> {
    Ok(conn.query_row(
        "SELECT count(*) FROM vectors v JOIN items i ON i.id = v.item_id
         WHERE v.model = ?1 AND i.kind = ?2",
        params![model, kind],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

/// How many of the newest `vector_log` entries [`prune_log`] keeps: readers at most this far
/// behind catch up incrementally, those further behind reload their index.
pub const LOG_KEPT: i64 = 100_000;

/// Drops all but the newest [`LOG_KEPT`] entries of the vector change log; returns how many went.
/// The writer calls it at the end of each index run.
pub fn prune_log(conn: &Connection) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM vector_log WHERE seq <= (SELECT max(seq) FROM vector_log) - ?1",
        [LOG_KEPT],
    )?)
}

/// Every recorded model with its vector counts, for `status`.
pub fn status(conn: &Connection) -> Result<Vec<ModelStatus>> {
    let counts: std::collections::HashMap<String, usize> = counts(conn)?.into_iter().collect();
    let mut out = Vec::new();
    for rec in all(conn)? {
        let serving = serving(conn, rec.role)?.is_some_and(|s| s.id == rec.id);
        out.push(ModelStatus {
            vectors: counts.get(&rec.id).copied().unwrap_or(0),
            missing: missing(conn, &rec.id, rec.role)?,
            serving,
            id: rec.id,
            role: rec.role,
            family: rec.family,
            dim: rec.dim,
            target: rec.target,
            complete: rec.complete,
        });
    }
    Ok(out)
}

/// Calls `each(item, content, vector)` for every stored vector of `model` whose item is of
/// `kind` ("photo" or "chunk"). Streams the rows: a large index is never held twice in memory.
pub fn each_of(
    conn: &Connection,
    model: &str,
    kind: &str,
    mut each: impl FnMut(i64, i64, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT v.item_id, i.content_id, v.vector FROM vectors v
         JOIN items i ON i.id = v.item_id
         WHERE v.model = ?1 AND i.kind = ?2",
    )?;
    let mut rows = stmt.query(params![model, kind])?;
    while let Some(row) = rows.next()? {
        let item = row.get(0)?;
        let vector = match row.get_ref(2)? {
            rusqlite::types::ValueRef::Blob(bytes) => bytes,
            other => {
                return Err(Error::Internal(format!(
                    "model {model}: item {item} has a vector of SQL type {}",
                    other.data_type()
                )));
            }
        };
        each(item, row.get(1)?, vector)?;
    }
    Ok(())
}

/// The first and last positions in the vector change log (none while it is empty).
pub fn log_bounds(conn: &Connection) -> Result<(Option<i64>, Option<i64>)> {
    Ok(conn.query_row(
        "SELECT (SELECT min(seq) FROM vector_log), (SELECT max(seq) FROM vector_log)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// What an item holds now, for the index to apply: its kind, content and vector.
pub type Now = (String, i64, Vec<u8>);

/// Each item whose `model` vector the log records as changed after position `after`, up to
/// `upto`, with what it holds now (none: its vector is gone).
pub fn logged(
    conn: &Connection,
    model: &str,
    after: i64,
    upto: i64,
) -> Result<Vec<(i64, Option<Now>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.item_id, i.kind, i.content_id, v.vector
         FROM (SELECT DISTINCT item_id FROM vector_log
               WHERE model = ?1 AND seq > ?2 AND seq <= ?3) l
         LEFT JOIN vectors v ON v.model = ?1 AND v.item_id = l.item_id
         LEFT JOIN items i ON i.id = v.item_id",
    )?;
    let rows = stmt.query_map(params![model, after, upto], |r| {
        let now = match (r.get(1)?, r.get(2)?, r.get(3)?) {
            (Some(kind), Some(content), Some(vector)) => Some((kind, content, vector)),
            _ => None,
        };
        Ok((r.get(0)?, now))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::embed::{Family, models};

    fn info(id: &str) -> ModelInfo {
        let (image, text) = models::family_defaults(Family::Clip);
        ModelInfo {
            id: id.into(),
            role: Role::Bridge,
            family: Family::Clip,
            dim: 2,
            location: Location::Folder {
                path: PathBuf::from(format!("/models/{id}")),
            },
            dir: PathBuf::from(format!("/models/{id}")),
            device: "cpu".into(),
            image,
            text,
        }
    }

    /// A library with one note of two chunks (chunks need no file to be embeddable).
    fn library() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO contents(id, hash, reader, kind, format) VALUES (1, x'01', 'markdown', 'note', 'markdown');
             INSERT INTO items(content_id, kind, ord, text) VALUES (1, 'chunk', 0, 'a'), (1, 'chunk', 1, 'b');",
        )
        .unwrap();
        conn
    }

    fn embed_all(conn: &Connection, model: &str) {
        for (item, _) in chunks_missing(conn, model, 0, 100).unwrap() {
            insert(conn, model, item, &[1.0, 0.0]).unwrap();
        }
    }

    #[test]
    fn search_keeps_the_old_vectors_until_the_new_set_is_complete() {
        let conn = library();
        set_target(&conn, &info("old")).unwrap();
        embed_all(&conn, "old");
        assert!(settle(&conn, Role::Bridge).unwrap());
        assert_eq!(serving(&conn, Role::Bridge).unwrap().unwrap().id, "old");

        // Switching: the new model is the target, but search stays on the complete old set.
        set_target(&conn, &info("new")).unwrap();
        assert_eq!(target(&conn, Role::Bridge).unwrap().unwrap().id, "new");
        insert(&conn, "new", 1, &[0.0, 1.0]).unwrap();
        assert!(
            !settle(&conn, Role::Bridge).unwrap(),
            "one chunk still lacks a vector"
        );
        assert_eq!(serving(&conn, Role::Bridge).unwrap().unwrap().id, "old");
        assert_eq!(stored(&conn, "old"), 2);

        // Once complete, the new set serves and the old vectors go.
        embed_all(&conn, "new");
        assert!(settle(&conn, Role::Bridge).unwrap());
        assert_eq!(serving(&conn, Role::Bridge).unwrap().unwrap().id, "new");
        assert_eq!(stored(&conn, "old"), 0);
        assert_eq!(all(&conn).unwrap().len(), 1);
    }

    /// How many vectors `model` has.
    fn stored(conn: &Connection, model: &str) -> usize {
        counts(conn)
            .unwrap()
            .into_iter()
            .find(|(m, _)| m == model)
            .map_or(0, |(_, n)| n)
    }

    #[test]
    fn a_first_model_serves_while_it_is_still_embedding() {
        let conn = library();
        set_target(&conn, &info("first")).unwrap();
        insert(&conn, "first", 1, &[1.0, 0.0]).unwrap();
        let serving = serving(&conn, Role::Bridge).unwrap().unwrap();
        assert_eq!((serving.id.as_str(), serving.complete), ("first", false));
        assert_eq!(missing(&conn, "first", Role::Bridge).unwrap(), 1);
    }
}
