//! The read path: queries for status, listings and details. Runs on read-only connections,
//! which WAL lets proceed while the writer commits.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::paths;
use crate::types::{
    ChunkInfo, Counts, FailedFile, FileInfo, ItemDetails, Kind, NoteDetails, PhotoDetails,
    RootInfo, ServedFile,
};

use super::{Layout, hex};

const COUNTS_SQL: &str = "SELECT count(*),
        coalesce(sum(state = 'indexed'), 0), coalesce(sum(state = 'pending'), 0),
        coalesce(sum(state = 'failed'), 0), coalesce(sum(state = 'missing'), 0),
        coalesce(sum(state = 'indexed' AND kind = 'photo'), 0),
        coalesce(sum(state = 'indexed' AND kind = 'note'), 0)
    FROM files";

fn counts_row(r: &rusqlite::Row) -> rusqlite::Result<Counts> {
    let n = |i| r.get::<_, i64>(i).map(|v| v as usize);
    Ok(Counts {
        files: n(0)?,
        indexed: n(1)?,
        pending: n(2)?,
        failed: n(3)?,
        missing: n(4)?,
        photos: n(5)?,
        notes: n(6)?,
    })
}

pub fn counts(conn: &Connection) -> Result<Counts> {
    Ok(conn.query_row(COUNTS_SQL, [], counts_row)?)
}

pub fn count(conn: &Connection, table: &str) -> Result<usize> {
    let sql = match table {
        "contents" => "SELECT count(*) FROM contents",
        "chunks" => "SELECT count(*) FROM items WHERE kind = 'chunk'",
        _ => return Ok(0),
    };
    Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as usize)
}

/// Files waiting in the queue.
pub fn pending(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row(
        "SELECT count(*) FROM files WHERE state = 'pending'",
        [],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

pub fn roots(conn: &Connection) -> Result<Vec<RootInfo>> {
    let mut stmt = conn.prepare("SELECT id, path, device FROM roots ORDER BY path")?;
    let roots: Vec<(i64, Vec<u8>, Option<i64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut counts_stmt = conn.prepare(&format!("{COUNTS_SQL} WHERE root_id = ?1"))?;
    roots
        .into_iter()
        .map(|(id, path, device)| {
            let path = paths::from_bytes(&path);
            Ok(RootInfo {
                id,
                available: crate::scan::root_present(&path, device.map(|d| d as u64)),
                path: paths::display(&path),
                counts: counts_stmt.query_row([id], counts_row)?,
            })
        })
        .collect()
}

pub fn failed(conn: &Connection) -> Result<Vec<FailedFile>> {
    let mut stmt = conn.prepare(
        "SELECT id, path, kind, coalesce(error, ''), attempts FROM files
         WHERE state = 'failed' ORDER BY path",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(FailedFile {
                id: r.get(0)?,
                path: paths::display(&paths::from_bytes(&r.get::<_, Vec<u8>>(1)?)),
                kind: kind(r.get::<_, String>(2)?),
                reason: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

fn kind(s: String) -> Kind {
    Kind::parse(&s).unwrap_or(Kind::Note)
}

const FILE_COLUMNS: &str = "id, path, kind, state, size, hash, content_id";

fn file_info(r: &rusqlite::Row) -> rusqlite::Result<FileInfo> {
    Ok(FileInfo {
        id: r.get(0)?,
        path: paths::display(&paths::from_bytes(&r.get::<_, Vec<u8>>(1)?)),
        kind: kind(r.get(2)?),
        state: r.get(3)?,
        size: r.get::<_, i64>(4)? as u64,
        hash: r.get::<_, Option<Vec<u8>>>(5)?.map(|h| hex(&h)),
        content_id: r.get(6)?,
    })
}

pub fn files(conn: &Connection) -> Result<Vec<FileInfo>> {
    let mut stmt = conn.prepare(&format!("SELECT {FILE_COLUMNS} FROM files ORDER BY path"))?;
    let rows = stmt.query_map([], file_info)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn file_by_path(conn: &Connection, path: &std::path::Path) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM files WHERE path = ?1",
            [paths::to_bytes(path)],
            |r| r.get(0),
        )
        .optional()?)
}

/// The file behind an id, for serving its bytes: its path and thumbnail (when one was made),
/// if it is indexed (not missing, failed or pending) and its path lies inside its root. The
/// scan never records anything else, so a path outside the roots means the database was
/// tampered with or damaged: it is refused (and logged), not served, since hosts hand these
/// The content of an indexed file, and the file's kind (none: no such file, or no content yet).
pub fn content_of(conn: &Connection, file_id: i64) -> Result<Option<(i64, Kind)>> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT content_id, kind FROM files WHERE id = ?1 AND content_id IS NOT NULL",
            [file_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(content, kind)| Kind::parse(&kind).map(|kind| (content, kind))))
}

/// files to a page.
pub fn served_file(conn: &Connection, layout: &Layout, id: i64) -> Result<Option<ServedFile>> {
    let row = conn
        .query_row(
            "SELECT f.path, r.path, c.thumbnail, c.hash, c.kind, c.format FROM files f
             JOIN roots r ON r.id = f.root_id
             LEFT JOIN contents c ON c.id = f.content_id
             WHERE f.id = ?1 AND f.state = 'indexed'",
            [id],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Option<bool>>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((path, root, thumb, hash, kind, format)) = row else {
        return Ok(None);
    };
    let path = paths::from_bytes(&path);
    if !paths::inside(&path, &paths::from_bytes(&root)) {
        tracing::warn!(
            "file {id} is recorded at {}, outside its folder: not served",
            path.display()
        );
        return Ok(None);
    }
    Ok(Some(ServedFile {
        path,
        thumbnail: match (thumb, hash) {
            (Some(true), Some(hash)) => Some(layout.thumbnail(&hash)),
            _ => None,
        },
        photo_format: format.filter(|_| kind.as_deref() == Some("photo")),
    }))
}

/// Other indexed paths sharing the file's content.
pub fn copies(conn: &Connection, file_id: i64, content_id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT path FROM files WHERE content_id = ?1 AND id <> ?2 AND state = 'indexed'
         ORDER BY path",
    )?;
    let rows = stmt
        .query_map(params![content_id, file_id], |r| {
            Ok(paths::display(&paths::from_bytes(&r.get::<_, Vec<u8>>(0)?)))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn details(conn: &Connection, layout: &Layout, id: i64) -> Result<Option<ItemDetails>> {
    let found = conn
        .query_row(
            &format!("SELECT {FILE_COLUMNS}, name, mtime_ns, error FROM files WHERE id = ?1"),
            [id],
            |r| {
                Ok((
                    file_info(r)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((file, name, mtime_ns, error)) = found else {
        return Ok(None);
    };
    let mut details = ItemDetails {
        name,
        modified: format_time_ns(mtime_ns),
        error,
        copies: Vec::new(),
        photo: None,
        note: None,
        file,
    };
    if let Some(content_id) = details.file.content_id {
        details.copies = copies(conn, id, content_id)?;
        match details.file.kind {
            Kind::Photo => details.photo = photo_details(conn, layout, content_id)?,
            Kind::Note => details.note = note_details(conn, content_id)?,
        }
    }
    Ok(Some(details))
}

fn photo_details(
    conn: &Connection,
    layout: &Layout,
    content_id: i64,
) -> Result<Option<PhotoDetails>> {
    Ok(conn
        .query_row(
            "SELECT format, width, height, taken_at, camera, lens, latitude, longitude,
                    orientation, thumbnail, hash
             FROM contents WHERE id = ?1 AND kind = 'photo'",
            [content_id],
            |r| {
                let has_thumb: bool = r.get(9)?;
                let hash: Vec<u8> = r.get(10)?;
                Ok(PhotoDetails {
                    format: r.get(0)?,
                    width: r.get(1)?,
                    height: r.get(2)?,
                    taken_at: r.get(3)?,
                    camera: r.get(4)?,
                    lens: r.get(5)?,
                    latitude: r.get(6)?,
                    longitude: r.get(7)?,
                    orientation: r.get(8)?,
                    thumbnail: has_thumb.then(|| paths::display(&layout.thumbnail(&hash))),
                })
            },
        )
        .optional()?)
}

fn note_details(conn: &Connection, content_id: i64) -> Result<Option<NoteDetails>> {
    let head = conn
        .query_row(
            "SELECT format, coalesce(title, ''), coalesce(body, '') FROM contents
             WHERE id = ?1 AND kind = 'note'",
            [content_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((format, title, body)) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT id, heading, start, end, text FROM items
         WHERE content_id = ?1 AND kind = 'chunk' ORDER BY ord",
    )?;
    let chunks = stmt
        .query_map([content_id], |r| {
            Ok(ChunkInfo {
                item_id: r.get(0)?,
                heading: r.get(1)?,
                start: r.get::<_, i64>(2)? as usize,
                end: r.get::<_, i64>(3)? as usize,
                text: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(NoteDetails {
        format,
        title,
        chars: body.chars().count(),
        chunks,
    }))
}

pub fn format_time_ns(ns: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ns as i128).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// A file row as the pipeline and the sweep see it: where it is and the size and time it had
/// when it was last listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: i64,
    pub root_id: i64,
    pub path: std::path::PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

const LISTED_SQL: &str = "SELECT id, root_id, path, size, mtime_ns FROM files";

fn listed_row(r: &rusqlite::Row) -> rusqlite::Result<Listed> {
    Ok(Listed {
        id: r.get(0)?,
        root_id: r.get(1)?,
        path: paths::from_bytes(&r.get::<_, Vec<u8>>(2)?),
        size: r.get::<_, i64>(3)? as u64,
        mtime_ns: r.get(4)?,
    })
}

/// Up to `limit` pending rows in id order; with `among`, only those ids.
pub fn pending_files(
    conn: &Connection,
    among: Option<&[i64]>,
    limit: usize,
) -> Result<Vec<Listed>> {
    let limit = limit as i64;
    Ok(match among {
        Some(ids) => {
            let ids: Vec<rusqlite::types::Value> = ids
                .iter()
                .map(|&id| rusqlite::types::Value::Integer(id))
                .collect();
            conn.prepare_cached(&format!(
                "{LISTED_SQL} WHERE state = 'pending' AND id IN rarray(?1) ORDER BY id LIMIT ?2"
            ))?
            .query_map(params![std::rc::Rc::new(ids), limit], listed_row)?
            .collect::<rusqlite::Result<_>>()?
        }
        None => conn
            .prepare_cached(&format!(
                "{LISTED_SQL} WHERE state = 'pending' ORDER BY id LIMIT ?1"
            ))?
            .query_map([limit], listed_row)?
            .collect::<rusqlite::Result<_>>()?,
    })
}

/// The row's root, if the row is still pending as it was listed (this path, size and time):
/// else a watcher saw a newer version, or the file moved, since it was taken.
pub fn still_pending(
    conn: &Connection,
    id: i64,
    path: &std::path::Path,
    size: u64,
    mtime_ns: i64,
) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT root_id FROM files
             WHERE id = ?1 AND state = 'pending' AND size = ?2 AND mtime_ns = ?3 AND path = ?4",
            params![id, size as i64, mtime_ns, paths::to_bytes(path)],
            |r| r.get(0),
        )
        .optional()?)
}

/// Up to `limit` rows that are not missing, after the id `after`, in id order: the next slice
/// of the library for a sweep to compare with the disk.
pub fn listed_after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<Listed>> {
    Ok(conn
        .prepare_cached(&format!(
            "{LISTED_SQL} WHERE id > ?1 AND state <> 'missing' ORDER BY id LIMIT ?2"
        ))?
        .query_map(params![after, limit as i64], listed_row)?
        .collect::<rusqlite::Result<_>>()?)
}
