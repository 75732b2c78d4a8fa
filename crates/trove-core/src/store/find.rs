//! The search's reads: which files a search's filters allow, BM25 matches in the full-text
//! tables, and the rows a result is shown with. What to ask and how to rank is `search`'s; its
//! SQL is here, with the rest of the schema's.

use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;

use rusqlite::types::Value;
use rusqlite::{Connection, ToSql, params};

use crate::error::Result;
use crate::paths;
use crate::types::Kind;

/// A set of ids as an SQL `rarray` parameter (`id IN rarray(?)`).
pub type IdArray = Rc<Vec<Value>>;

pub fn id_array(ids: &HashSet<i64>) -> IdArray {
    Rc::new(ids.iter().map(|&id| Value::Integer(id)).collect())
}

/// What a search's filters ask of an indexed file, in the schema's terms.
#[derive(Debug, Default)]
pub struct ScopeQuery {
    pub kind: Option<Kind>,
    /// Stored paths from the first (inclusive) to the second (exclusive): a folder's files.
    pub paths: Option<(Vec<u8>, Vec<u8>)>,
    /// The file's date on or after this (`YYYY-MM-DDTHH:MM:SS`).
    pub after: Option<String>,
    /// The file's date before this.
    pub before: Option<String>,
    /// A `LIKE` pattern (escape `\`) the camera's make and model must match.
    pub camera: Option<String>,
    /// Only photos with GPS coordinates.
    pub gps: bool,
}

/// The date a file is filtered by, as SQL over `files f JOIN contents c`: a photo's EXIF date
/// when it has one, else the file's modification time. EXIF dates are the camera's wall-clock
/// time, so file times are taken in local time too.
const DATE_SQL: &str = "coalesce(substr(c.taken_at, 1, 19),
     strftime('%Y-%m-%dT%H:%M:%S', f.mtime_ns / 1000000000, 'unixepoch', 'localtime'))";

/// The indexed files that `query` allows, and their contents.
pub fn scope(conn: &Connection, query: &ScopeQuery) -> Result<(HashSet<i64>, HashSet<i64>)> {
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql>> = Vec::new();
    let mut bind = |value: Box<dyn ToSql>| {
        params.push(value);
        format!("?{}", params.len())
    };
    if let Some(kind) = query.kind {
        conditions.push(format!("f.kind = {}", bind(Box::new(kind.as_str()))));
    }
    if let Some((start, end)) = &query.paths {
        let (lo, hi) = (bind(Box::new(start.clone())), bind(Box::new(end.clone())));
        conditions.push(format!("f.path >= {lo} AND f.path < {hi}"));
    }
    if let Some(after) = &query.after {
        conditions.push(format!("{DATE_SQL} >= {}", bind(Box::new(after.clone()))));
    }
    if let Some(before) = &query.before {
        conditions.push(format!("{DATE_SQL} < {}", bind(Box::new(before.clone()))));
    }
    if let Some(camera) = &query.camera {
        let p = bind(Box::new(camera.clone()));
        conditions.push(format!("c.camera LIKE {p} ESCAPE '\\'"));
    }
    if query.gps {
        conditions.push("c.latitude IS NOT NULL AND c.longitude IS NOT NULL".into());
    }
    // `+f.state`: most files are indexed, so the state index narrows nothing; keeping the
    // planner off it lets a folder filter use the path index instead.
    let mut sql = String::from(
        "SELECT f.id, f.content_id FROM files f JOIN contents c ON c.id = f.content_id
         WHERE +f.state = 'indexed'",
    );
    for condition in &conditions {
        sql.push_str(" AND ");
        sql.push_str(condition);
    }
    let mut stmt = conn.prepare(&sql)?;
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let rows = stmt.query_map(refs.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (mut files, mut contents) = (HashSet::new(), HashSet::new());
    for row in rows {
        let (file, content): (i64, i64) = row?;
        files.insert(file);
        contents.insert(content);
    }
    Ok((files, contents))
}

/// What a file's filter explanation quotes.
#[derive(Debug)]
pub struct FilterFacts {
    /// The EXIF date, as stored.
    pub taken: Option<String>,
    /// The file's modification time in local time (`YYYY-MM-DDTHH:MM:SS`).
    pub modified: String,
    pub camera: Option<String>,
    pub gps: Option<(f64, f64)>,
}

pub fn filter_facts(conn: &Connection, file: i64) -> Result<FilterFacts> {
    Ok(conn.query_row(
        "SELECT c.taken_at,
                strftime('%Y-%m-%dT%H:%M:%S', f.mtime_ns / 1000000000, 'unixepoch', 'localtime'),
                c.camera, c.latitude, c.longitude
         FROM files f JOIN contents c ON c.id = f.content_id WHERE f.id = ?1",
        [file],
        |r| {
            let (lat, lon): (Option<f64>, Option<f64>) = (r.get(3)?, r.get(4)?);
            Ok(FilterFacts {
                taken: r.get(0)?,
                modified: r.get(1)?,
                camera: r.get(2)?,
                gps: lat.zip(lon),
            })
        },
    )?)
}

/// A file whose name, note title or photo metadata matched a full-text query.
pub struct FileHit {
    pub file: i64,
    pub content: i64,
    /// BM25 (lower is better, as FTS5 ranks).
    pub rank: f64,
    /// The name, title and metadata with each match between `\x02` and `\x03`.
    pub marked: [String; 3],
}

/// Indexed files of `kind` matching `fts` (an FTS5 query), best first, among `files` if given.
pub fn file_hits(
    conn: &Connection,
    fts: &str,
    kind: Kind,
    files: Option<&IdArray>,
    limit: usize,
) -> Result<Vec<FileHit>> {
    let sql = format!(
        "SELECT f.id, f.content_id, bm25(files_fts, 2.0, 3.0, 1.0) AS rank,
                highlight(files_fts, 0, char(2), char(3)),
                highlight(files_fts, 1, char(2), char(3)),
                highlight(files_fts, 2, char(2), char(3))
         FROM files_fts JOIN files f ON f.id = files_fts.rowid
         WHERE files_fts MATCH ?1 AND f.state = 'indexed' AND f.kind = ?2 {}
         ORDER BY rank LIMIT ?3",
        if files.is_none() {
            ""
        } else {
            "AND f.id IN rarray(?4)"
        }
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let (limit, kind) = (limit as i64, kind.as_str());
    let mut params: Vec<&dyn ToSql> = vec![&fts, &kind, &limit];
    if let Some(files) = &files {
        params.push(files);
    }
    let rows = stmt.query_map(params.as_slice(), |r| {
        Ok(FileHit {
            file: r.get(0)?,
            content: r.get(1)?,
            rank: r.get(2)?,
            marked: [r.get(3)?, r.get(4)?, r.get(5)?],
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A note passage that matched a full-text query.
pub struct PassageHit {
    pub content: i64,
    pub heading: String,
    /// BM25 (lower is better).
    pub rank: f64,
    /// The passage around the matches, each between `\x02` and `\x03`.
    pub snippet: String,
}

/// Passages of indexed notes matching `fts`, best first, among `contents` if given.
pub fn passage_hits(
    conn: &Connection,
    fts: &str,
    contents: Option<&IdArray>,
    limit: usize,
) -> Result<Vec<PassageHit>> {
    let sql = format!(
        "SELECT i.content_id, i.heading, bm25(chunks_fts, 1.0, 0.5) AS rank,
                snippet(chunks_fts, 0, char(2), char(3), '…', 24)
         FROM chunks_fts JOIN items i ON i.id = chunks_fts.rowid
         WHERE chunks_fts MATCH ?1 {}
         ORDER BY rank LIMIT ?2",
        if contents.is_none() {
            "AND EXISTS (SELECT 1 FROM files f WHERE f.content_id = i.content_id AND f.state = 'indexed')"
        } else {
            "AND i.content_id IN rarray(?3)"
        }
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = limit as i64;
    let mut params: Vec<&dyn ToSql> = vec![&fts, &limit];
    if let Some(contents) = &contents {
        params.push(contents);
    }
    let rows = stmt.query_map(params.as_slice(), |r| {
        Ok(PassageHit {
            content: r.get(0)?,
            heading: r.get(1)?,
            rank: r.get(2)?,
            snippet: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A content's indexed files in id order, each with its path as shown.
pub fn indexed_files(conn: &Connection, content: i64) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, path FROM files WHERE content_id = ?1 AND state = 'indexed' ORDER BY id",
    )?;
    let rows = stmt.query_map([content], |r| {
        Ok((
            r.get(0)?,
            paths::display(&paths::from_bytes(&r.get::<_, Vec<u8>>(1)?)),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The indexed photo saved beside a camera RAW file from the same shot: in the same folder, with
/// the same name before the extension ("DSC_0001.NEF" and "DSC_0001.JPG"), an extension
/// `is_companion` accepts. Returns its file and content.
pub fn raw_companion(
    conn: &Connection,
    raw: &Path,
    is_companion: impl Fn(&str) -> bool,
) -> Result<Option<(i64, i64)>> {
    let (Some(dir), Some(stem)) = (raw.parent(), raw.file_stem()) else {
        return Ok(None);
    };
    // Paths sort byte-wise: every "DIR/STEM.*" lies between "DIR/STEM." and "DIR/STEM/".
    let mut low = paths::to_bytes(&dir.join(stem));
    low.push(b'.');
    let mut high = low.clone();
    *high.last_mut().expect("not empty") = b'.' + 1;
    let mut stmt = conn.prepare_cached(
        "SELECT id, content_id, path FROM files
         WHERE path >= ?1 AND path < ?2 AND state = 'indexed' AND kind = 'photo'
         ORDER BY path",
    )?;
    let rows = stmt.query_map(params![low, high], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    for row in rows {
        let (file, content, path) = row?;
        let ext = path[low.len()..].to_vec();
        // Only "STEM.EXT": "STEM.v2.jpg" is another picture.
        if let Ok(ext) = String::from_utf8(ext)
            && !ext.contains(['.', '/'])
            && is_companion(&ext.to_ascii_lowercase())
        {
            return Ok(Some((file, content)));
        }
    }
    Ok(None)
}

/// A file's path as shown.
pub fn file_path(conn: &Connection, file: i64) -> Result<String> {
    let bytes: Vec<u8> =
        conn.query_row("SELECT path FROM files WHERE id = ?1", [file], |r| r.get(0))?;
    Ok(paths::display(&paths::from_bytes(&bytes)))
}

/// A passage's text and heading.
pub fn passage(conn: &Connection, item: i64) -> Result<(String, String)> {
    Ok(conn.query_row(
        "SELECT text, heading FROM items WHERE id = ?1",
        [item],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The text of a note's first passage ("" for none).
pub fn opening(conn: &Connection, content: i64) -> Result<String> {
    Ok(conn.query_row(
        "SELECT coalesce((SELECT text FROM items WHERE content_id = ?1 ORDER BY ord LIMIT 1), '')",
        [content],
        |r| r.get(0),
    )?)
}

/// A note's title ("" for none).
pub fn title(conn: &Connection, content: i64) -> Result<String> {
    Ok(conn.query_row(
        "SELECT coalesce(title, '') FROM contents WHERE id = ?1",
        [content],
        |r| r.get(0),
    )?)
}

/// What a photo result shows of its content: width, height, EXIF date, camera.
pub type PhotoFacts = (Option<u32>, Option<u32>, Option<String>, Option<String>);

pub fn photo_facts(conn: &Connection, content: i64) -> Result<PhotoFacts> {
    Ok(conn.query_row(
        "SELECT width, height, taken_at, camera FROM contents WHERE id = ?1",
        [content],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}
