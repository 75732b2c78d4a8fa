//! Search: answers queries from the store's keyword indexes.
//!
//! Keyword search runs BM25 over two FTS5 tables — note chunks (`chunks_fts`) and per-file
//! names, note titles and photo metadata (`files_fts`) — and groups the results into photos and
//! notes, one result per distinct content (identical copies are listed under it). All words must
//! match; when that finds nothing, any meaningful word may.

pub mod query;
pub mod similar;
pub mod snippet;

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::api::types::{NoteHit, PhotoHit, SearchRequest, SearchResults};
use crate::error::Result;
use crate::extract::Kind;
use crate::paths;
use crate::store::read;

pub const DEFAULT_LIMIT: usize = 20;
/// Chunks fetched per wanted note: several chunks of one note may outrank other notes.
const CHUNKS_PER_NOTE: usize = 8;

pub fn keyword(conn: &Connection, request: &SearchRequest) -> Result<SearchResults> {
    let limit = request.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    let mut results = SearchResults {
        query: request.query.clone(),
        mode: "keyword",
        photos: Vec::new(),
        notes: Vec::new(),
        notice: None,
        warning: None,
    };
    let terms = query::parse(&request.query);
    if terms.is_empty() {
        results.notice = Some(if request.query.trim().is_empty() {
            "type something to search for".into()
        } else {
            "the query has no words to search for (letters or digits)".into()
        });
        return Ok(results);
    }
    for fts in [query::all_of(&terms), query::any_of(&terms)]
        .into_iter()
        .flatten()
    {
        if request.kind != Some(Kind::Note) {
            results.photos = photos(conn, &fts, limit)?;
        }
        if request.kind != Some(Kind::Photo) {
            results.notes = notes(conn, &fts, limit)?;
        }
        if !results.photos.is_empty() || !results.notes.is_empty() {
            break;
        }
    }
    Ok(results)
}

/// A file-level keyword match (name, title, metadata).
struct FileMatch {
    file_id: i64,
    content_id: i64,
    score: f64,
    matched: Vec<&'static str>,
}

fn file_matches(conn: &Connection, fts: &str, kind: Kind, limit: usize) -> Result<Vec<FileMatch>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.content_id, bm25(files_fts, 2.0, 3.0, 1.0) AS rank,
                highlight(files_fts, 0, char(2), char(3)),
                highlight(files_fts, 1, char(2), char(3)),
                highlight(files_fts, 2, char(2), char(3))
         FROM files_fts JOIN files f ON f.id = files_fts.rowid
         WHERE files_fts MATCH ?1 AND f.state = 'indexed' AND f.kind = ?2
         ORDER BY rank LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![fts, kind.as_str(), limit as i64], |r| {
            let mut matched = Vec::new();
            for (column, label) in [(3, "name"), (4, "title"), (5, "metadata")] {
                if r.get::<_, String>(column)?.contains(snippet::OPEN) {
                    matched.push(label);
                }
            }
            Ok(FileMatch {
                file_id: r.get(0)?,
                content_id: r.get(1)?,
                score: -r.get::<_, f64>(2)?,
                matched,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The file shown for a content: the first indexed path.
pub(crate) fn representative(conn: &Connection, content_id: i64) -> Result<Option<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, path FROM files WHERE content_id = ?1 AND state = 'indexed' ORDER BY id LIMIT 1",
    )?;
    let mut rows = stmt.query([content_id])?;
    Ok(match rows.next()? {
        Some(r) => Some((
            r.get(0)?,
            paths::display(&paths::from_bytes(&r.get::<_, Vec<u8>>(1)?)),
        )),
        None => None,
    })
}

fn file_path(conn: &Connection, file_id: i64) -> Result<String> {
    let bytes: Vec<u8> =
        conn.query_row("SELECT path FROM files WHERE id = ?1", [file_id], |r| {
            r.get(0)
        })?;
    Ok(paths::display(&paths::from_bytes(&bytes)))
}

pub(crate) fn round(score: f64) -> f64 {
    (score * 10_000.0).round() / 10_000.0
}

/// A photo result: `file_id` is the path shown, the content's other files are its copies.
pub(crate) fn photo_hit(
    conn: &Connection,
    file_id: i64,
    content_id: i64,
    score: f64,
    matched: Vec<&'static str>,
) -> Result<PhotoHit> {
    let (width, height, taken_at, camera) = conn.query_row(
        "SELECT width, height, taken_at, camera FROM contents WHERE id = ?1",
        [content_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let path = file_path(conn, file_id)?;
    Ok(PhotoHit {
        id: file_id,
        name: std::path::Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path,
        score: round(score),
        width,
        height,
        taken_at,
        camera,
        matched,
        copies: read::copies(conn, file_id, content_id)?,
    })
}

fn photos(conn: &Connection, fts: &str, limit: usize) -> Result<Vec<PhotoHit>> {
    let mut seen = HashMap::new();
    let mut hits: Vec<PhotoHit> = Vec::new();
    for m in file_matches(conn, fts, Kind::Photo, limit * 4)? {
        if seen.contains_key(&m.content_id) {
            continue;
        }
        seen.insert(m.content_id, hits.len());
        hits.push(photo_hit(
            conn,
            m.file_id,
            m.content_id,
            m.score,
            m.matched,
        )?);
        if hits.len() == limit {
            break;
        }
    }
    Ok(hits)
}

struct ChunkMatch {
    score: f64,
    heading: String,
    snippet: String,
}

fn notes(conn: &Connection, fts: &str, limit: usize) -> Result<Vec<NoteHit>> {
    // Best chunk per content.
    let mut chunks: HashMap<i64, ChunkMatch> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT i.content_id, i.heading, bm25(chunks_fts, 1.0, 0.5) AS rank,
                snippet(chunks_fts, 0, char(2), char(3), '…', 24)
         FROM chunks_fts JOIN items i ON i.id = chunks_fts.rowid
         WHERE chunks_fts MATCH ?1
           AND EXISTS (SELECT 1 FROM files f WHERE f.content_id = i.content_id AND f.state = 'indexed')
         ORDER BY rank LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![fts, (limit * CHUNKS_PER_NOTE) as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            ChunkMatch {
                heading: r.get(1)?,
                score: -r.get::<_, f64>(2)?,
                snippet: r.get(3)?,
            },
        ))
    })?;
    for row in rows {
        let (content_id, m) = row?;
        chunks.entry(content_id).or_insert(m);
    }
    let files: Vec<FileMatch> = file_matches(conn, fts, Kind::Note, limit * 4)?;
    let mut by_content: HashMap<i64, FileMatch> = HashMap::new();
    for m in files {
        by_content.entry(m.content_id).or_insert(m);
    }

    let mut content_ids: Vec<i64> = chunks.keys().chain(by_content.keys()).copied().collect();
    content_ids.sort_unstable();
    content_ids.dedup();
    let mut hits = Vec::with_capacity(content_ids.len());
    for content_id in content_ids {
        let chunk = chunks.remove(&content_id);
        let file = by_content.remove(&content_id);
        let (file_id, path) = match &file {
            Some(f) => (f.file_id, file_path(conn, f.file_id)?),
            None => match representative(conn, content_id)? {
                Some(found) => found,
                None => continue,
            },
        };
        let (title, first_chunk): (String, String) = conn.query_row(
            "SELECT coalesce(c.title, ''),
                    coalesce((SELECT text FROM items WHERE content_id = c.id ORDER BY ord LIMIT 1), '')
             FROM contents c WHERE c.id = ?1",
            [content_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut matched = Vec::new();
        if chunk.is_some() {
            matched.push("text");
        }
        if let Some(f) = &file {
            matched.extend(f.matched.iter().copied());
        }
        let score =
            chunk.as_ref().map_or(0.0, |c| c.score) + file.as_ref().map_or(0.0, |f| f.score);
        let (snippet, highlights, heading) = match chunk {
            Some(c) => {
                let (text, ranges) = snippet::unmark(&c.snippet);
                (text, ranges, c.heading)
            }
            None => (
                snippet::opening(&first_chunk, 160),
                Vec::new(),
                String::new(),
            ),
        };
        hits.push(NoteHit {
            id: file_id,
            path,
            title,
            score: round(score),
            snippet,
            highlights,
            heading,
            matched,
            copies: read::copies(conn, file_id, content_id)?,
        });
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.path.cmp(&b.path)));
    hits.truncate(limit);
    Ok(hits)
}
