//! The write path: every statement that changes the library, used by `reconcile` and the
//! `pipeline` inside their transactions. Keeping them here keeps the invariants in one place:
//!
//! - a file is `indexed` only with a `content_id`;
//! - `files_fts` holds a row for a file exactly when it has a `content_id`;
//! - a content row lives exactly as long as some file refers to it ([`gc_contents`]).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::extract::{Extracted, Reader};
use crate::paths;
use crate::scan::Seen;
use crate::types::Kind;

use super::now_secs;

/// A file row as reconcile needs it.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: i64,
    pub path: Vec<u8>,
    pub kind: Kind,
    pub size: u64,
    pub mtime_ns: i64,
    pub hash: Option<Vec<u8>>,
    pub state: String,
}

pub fn add_root(conn: &Connection, path: &Path) -> Result<i64> {
    let bytes = paths::to_bytes(path);
    conn.execute(
        "INSERT INTO roots(path, added_at) VALUES (?1, ?2) ON CONFLICT(path) DO NOTHING",
        params![bytes, now_secs()],
    )?;
    Ok(
        conn.query_row("SELECT id FROM roots WHERE path = ?1", [bytes], |r| {
            r.get(0)
        })?,
    )
}

/// Every root as `(id, path)`, in the order they were added.
pub fn roots(conn: &Connection) -> Result<Vec<(i64, PathBuf)>> {
    let mut stmt = conn.prepare("SELECT id, path FROM roots ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, paths::from_bytes(&r.get::<_, Vec<u8>>(1)?)))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A root's folder and the file system it was last seen holding files on.
pub fn root_device(conn: &Connection, root_id: i64) -> Result<(PathBuf, Option<u64>)> {
    Ok(conn.query_row(
        "SELECT path, device FROM roots WHERE id = ?1",
        [root_id],
        |r| {
            Ok((
                paths::from_bytes(&r.get::<_, Vec<u8>>(0)?),
                r.get::<_, Option<i64>>(1)?.map(|d| d as u64),
            ))
        },
    )?)
}

pub fn set_root_device(conn: &Connection, root_id: i64, device: u64) -> Result<()> {
    conn.execute(
        "UPDATE roots SET device = ?2 WHERE id = ?1",
        params![root_id, device as i64],
    )?;
    Ok(())
}

/// Re-parents the files of `from` (a root inside `into`) and drops `from`.
pub fn merge_root(conn: &Connection, from: i64, into: i64) -> Result<()> {
    conn.execute(
        "UPDATE files SET root_id = ?2 WHERE root_id = ?1",
        params![from, into],
    )?;
    conn.execute("DELETE FROM roots WHERE id = ?1", [from])?;
    Ok(())
}

/// Removes a root and its files; returns how many files it held and the hashes of contents
/// that no file uses any more.
pub fn remove_root(conn: &Connection, root_id: i64) -> Result<(usize, Vec<Vec<u8>>)> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM files WHERE root_id = ?1")?
        .query_map([root_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let files = ids.len();
    for id in ids {
        delete_file(conn, id)?;
    }
    conn.execute("DELETE FROM roots WHERE id = ?1", [root_id])?;
    Ok((files, gc_contents(conn)?))
}

/// The files of a root at or under `scope` (the root itself for a full listing).
pub fn files_under(conn: &Connection, root_id: i64, scope: &Path) -> Result<Vec<FileRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, root_id, path, kind, size, mtime_ns, hash, content_id, state
         FROM files WHERE root_id = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))",
    )?;
    let (lo, hi) = paths::under_range(scope);
    let rows = stmt
        .query_map(params![root_id, paths::to_bytes(scope), lo, hi], file_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: r.get(0)?,
        path: r.get(2)?,
        kind: Kind::parse(&r.get::<_, String>(3)?).unwrap_or(Kind::Note),
        size: r.get::<_, i64>(4)? as u64,
        mtime_ns: r.get(5)?,
        hash: r.get(6)?,
        state: r.get(8)?,
    })
}

/// Whether some file of this size and kind has been read (could be the old end of a move).
pub fn read_with_size(conn: &Connection, size: u64, kind: Kind) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM files
             WHERE size = ?1 AND kind = ?2 AND hash IS NOT NULL AND state <> 'missing' LIMIT 1",
        )?
        .exists(params![size as i64, kind.as_str()])?)
}

/// The files (not missing) whose bytes have this hash.
pub fn with_hash(conn: &Connection, hash: &[u8], kind: Kind) -> Result<Vec<FileRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, root_id, path, kind, size, mtime_ns, hash, content_id, state
         FROM files WHERE hash = ?1 AND kind = ?2 AND state <> 'missing'",
    )?;
    let rows = stmt
        .query_map(params![hash, kind.as_str()], file_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn insert_pending(conn: &Connection, root_id: i64, seen: &Seen) -> Result<i64> {
    conn.execute(
        "INSERT INTO files(root_id, path, name, kind, size, mtime_ns, state, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
        params![
            root_id,
            paths::to_bytes(&seen.path),
            display_name(&seen.path),
            seen.kind.as_str(),
            seen.size as i64,
            seen.mtime_ns,
            now_secs()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The file's bytes changed: queue it again. Its old content stays linked (and searchable)
/// until the new version is indexed; a failure then unlinks it.
pub fn mark_changed(conn: &Connection, id: i64, seen: &Seen) -> Result<()> {
    conn.execute(
        "UPDATE files SET size = ?2, mtime_ns = ?3, kind = ?4, state = 'pending', error = NULL,
                attempts = 0, retry_at = NULL, updated_at = ?5
         WHERE id = ?1",
        params![
            id,
            seen.size as i64,
            seen.mtime_ns,
            seen.kind.as_str(),
            now_secs()
        ],
    )?;
    Ok(())
}

/// Queues a failed file again without counting it as changed.
pub fn retry(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE files SET state = 'pending', retry_at = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now_secs()],
    )?;
    Ok(())
}

/// Same bytes, new modification time (a `touch`, a copy that kept the content).
pub fn touch(conn: &Connection, id: i64, mtime_ns: i64) -> Result<()> {
    conn.execute(
        "UPDATE files SET mtime_ns = ?2 WHERE id = ?1",
        params![id, mtime_ns],
    )?;
    Ok(())
}

/// A root whose folder is gone (an unmounted drive): keep everything, mark it missing.
pub fn mark_root_missing(conn: &Connection, root_id: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE files SET state = 'missing', updated_at = ?2
         WHERE root_id = ?1 AND state <> 'missing'",
        params![root_id, now_secs()],
    )?)
}

/// A missing file is back unchanged: it returns to where it was.
pub fn restore(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE files SET state = CASE WHEN content_id IS NULL THEN 'pending' ELSE 'indexed' END,
                updated_at = ?2
         WHERE id = ?1",
        params![id, now_secs()],
    )?;
    Ok(())
}

/// A file moved or was renamed (same bytes): the row, its id and its content go with it.
pub fn move_file(conn: &Connection, id: i64, root_id: i64, seen: &Seen) -> Result<()> {
    conn.execute(
        "UPDATE files SET root_id = ?2, path = ?3, name = ?4, mtime_ns = ?5, updated_at = ?6
         WHERE id = ?1",
        params![
            id,
            root_id,
            paths::to_bytes(&seen.path),
            display_name(&seen.path),
            seen.mtime_ns,
            now_secs()
        ],
    )?;
    sync_file_fts(conn, id)
}

pub fn delete_file(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM files_fts WHERE rowid = ?1", [id])?;
    conn.execute("DELETE FROM files WHERE id = ?1", [id])?;
    Ok(())
}

/// Deletes contents no file refers to (items, vectors and chunk text go with them by cascade)
/// and returns their hashes so the caller can drop their thumbnails after commit.
pub fn gc_contents(conn: &Connection) -> Result<Vec<Vec<u8>>> {
    let hashes = conn
        .prepare(
            "DELETE FROM contents
             WHERE NOT EXISTS (SELECT 1 FROM files WHERE files.content_id = contents.id)
             RETURNING hash",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(hashes)
}

/// The content with these bytes as read by this reader, if the library has it.
pub fn find_content(conn: &Connection, hash: &[u8], reader: Reader) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM contents WHERE hash = ?1 AND reader = ?2",
            params![hash, reader.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores what extraction produced for a new hash: the content row and its items.
pub fn insert_content(
    conn: &Connection,
    hash: &[u8],
    reader: Reader,
    extracted: &Extracted,
    has_thumbnail: bool,
) -> Result<i64> {
    match extracted {
        Extracted::Photo(photo) => {
            let meta = &photo.meta;
            let meta_text = meta.text();
            conn.execute(
                "INSERT INTO contents(hash, reader, kind, format, width, height, taken_at, camera,
                                      lens, latitude, longitude, orientation, meta_text, thumbnail)
                 VALUES (?1, ?13, 'photo', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    hash,
                    photo.format,
                    photo.width,
                    photo.height,
                    meta.taken_at,
                    meta.camera(),
                    meta.lens,
                    meta.latitude,
                    meta.longitude,
                    meta.orientation,
                    meta_text,
                    has_thumbnail,
                    reader.as_str()
                ],
            )?;
            let content_id = conn.last_insert_rowid();
            conn.execute(
                "INSERT INTO items(content_id, kind, ord, text) VALUES (?1, 'photo', 0, ?2)",
                params![content_id, meta_text],
            )?;
            Ok(content_id)
        }
        Extracted::Note(note) => {
            conn.execute(
                "INSERT INTO contents(hash, reader, kind, format, title, body)
                 VALUES (?1, ?2, 'note', ?3, ?4, ?5)",
                params![hash, reader.as_str(), note.format, note.title, note.text],
            )?;
            let content_id = conn.last_insert_rowid();
            let mut stmt = conn.prepare_cached(
                "INSERT INTO items(content_id, kind, ord, text, heading, start, end)
                 VALUES (?1, 'chunk', ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (ord, chunk) in note.chunks.iter().enumerate() {
                stmt.execute(params![
                    content_id,
                    ord as i64,
                    chunk.text,
                    chunk.heading,
                    chunk.start as i64,
                    chunk.end as i64
                ])?;
            }
            Ok(content_id)
        }
    }
}

pub fn mark_indexed(conn: &Connection, id: i64, hash: &[u8], content_id: i64) -> Result<()> {
    conn.execute(
        "UPDATE files SET state = 'indexed', hash = ?2, content_id = ?3, error = NULL,
                attempts = 0, retry_at = NULL, updated_at = ?4
         WHERE id = ?1",
        params![id, hash, content_id, now_secs()],
    )?;
    sync_file_fts(conn, id)
}

/// Retries of a failure that may pass by itself, after 15 s, 1 min and 4 min.
pub const RETRIES: i64 = 3;
const FIRST_RETRY_SECS: i64 = 15;

/// Records why a file could not be indexed. A `transient` failure (the file could not be read)
/// is queued again later, with growing delays, until [`RETRIES`] are used up.
pub fn mark_failed(
    conn: &Connection,
    id: i64,
    hash: Option<&[u8]>,
    reason: &str,
    transient: bool,
) -> Result<()> {
    conn.execute(
        "UPDATE files SET state = 'failed', hash = ?2, content_id = NULL, error = ?3,
                retry_at = CASE WHEN ?5 AND attempts < ?6
                                THEN ?4 + ?7 * (1 << (2 * attempts)) END,
                attempts = attempts + 1, updated_at = ?4
         WHERE id = ?1",
        params![
            id,
            hash,
            reason,
            now_secs(),
            transient,
            RETRIES,
            FIRST_RETRY_SECS
        ],
    )?;
    sync_file_fts(conn, id)
}

/// Queues again the failed files whose retry is due at `now`; returns how many.
pub fn requeue_due(conn: &Connection, now: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE files SET state = 'pending', retry_at = NULL, updated_at = ?1
         WHERE retry_at IS NOT NULL AND retry_at <= ?1 AND state = 'failed'",
        [now],
    )?)
}

/// When the next retry is due, if any.
#[cfg(any(test, feature = "internals"))]
pub fn next_retry(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT min(retry_at) FROM files WHERE retry_at IS NOT NULL AND state = 'failed'",
        [],
        |r| r.get(0),
    )?)
}

/// Rewrites the file's keyword row from its current name and content.
fn sync_file_fts(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM files_fts WHERE rowid = ?1", [id])?;
    conn.execute(
        "INSERT INTO files_fts(rowid, name, title, meta)
         SELECT f.id, f.name, coalesce(c.title, ''), c.meta_text
         FROM files f JOIN contents c ON c.id = f.content_id WHERE f.id = ?1",
        [id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Layout, now_secs, open_writer};

    fn state(conn: &Connection, id: i64) -> (String, Option<i64>, i64) {
        conn.query_row(
            "SELECT state, retry_at, attempts FROM files WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    }

    #[test]
    fn unreadable_files_are_retried_with_growing_delays_then_left_failed() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_writer(&Layout::new(dir.path())).unwrap();
        let root = add_root(&conn, dir.path()).unwrap();
        let seen = seen_of(dir.path());
        let id = insert_pending(&conn, root, &seen).unwrap();
        let mut delays = Vec::new();
        for _ in 0..RETRIES {
            let before = now_secs();
            mark_failed(&conn, id, None, "cannot read file: busy", true).unwrap();
            let (_, retry_at, _) = state(&conn, id);
            let retry_at = retry_at.expect("a transient failure is retried");
            delays.push(retry_at - before);
            assert_eq!(requeue_due(&conn, retry_at - 1).unwrap(), 0, "not yet due");
            assert_eq!(next_retry(&conn).unwrap(), Some(retry_at));
            assert_eq!(requeue_due(&conn, retry_at).unwrap(), 1);
            assert_eq!(state(&conn, id).0, "pending");
        }
        assert!(delays.windows(2).all(|w| w[1] > w[0]), "{delays:?}");
        mark_failed(&conn, id, None, "cannot read file: busy", true).unwrap();
        assert_eq!(state(&conn, id), ("failed".into(), None, RETRIES + 1));
        assert_eq!(requeue_due(&conn, i64::MAX).unwrap(), 0);

        // What the same bytes would repeat is not retried, and indexing resets the count.
        let other = insert_pending(
            &conn,
            root,
            &Seen {
                path: dir.path().join("b.jpg"),
                ..seen_of(dir.path())
            },
        )
        .unwrap();
        mark_failed(&conn, other, Some(&[1; 32]), "not a JPEG", false).unwrap();
        assert_eq!(state(&conn, other).1, None);
        mark_changed(
            &conn,
            id,
            &Seen {
                size: 11,
                ..seen_of(dir.path())
            },
        )
        .unwrap();
        assert_eq!(state(&conn, id), ("pending".into(), None, 0));
    }

    fn seen_of(dir: &Path) -> Seen {
        Seen {
            path: dir.join("a.jpg"),
            kind: Kind::Photo,
            size: 10,
            mtime_ns: 1,
        }
    }
}
