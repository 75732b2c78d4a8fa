//! Keyword matching: BM25 over two FTS5 tables — note passages (`chunks_fts`) and per-file
//! names, note titles and photo metadata (`files_fts`) — restricted to the search's scope in
//! SQL, so filters apply before the best matches are taken.

use std::collections::HashMap;

use rusqlite::{Connection, ToSql};

use super::filter::Scope;
use super::snippet;
use crate::error::Result;
use crate::types::Kind;

/// Chunks fetched per wanted note: several chunks of one note may outrank other notes.
const CHUNKS_PER_NOTE: usize = 8;

/// A photo whose name or metadata matched, one per content.
pub struct PhotoMatch {
    pub content: i64,
    pub file: i64,
    pub score: f64,
    pub fields: Vec<&'static str>,
}

/// A note whose text, title or name matched, one per content.
pub struct NoteMatch {
    pub content: i64,
    /// The file whose name or title matched, if one did.
    pub file: Option<i64>,
    pub score: f64,
    pub fields: Vec<&'static str>,
    /// The best matching passage: heading and FTS5-marked snippet.
    pub passage: Option<(String, String)>,
}

/// A file-level match (name, title, metadata).
struct FileMatch {
    file: i64,
    content: i64,
    score: f64,
    fields: Vec<&'static str>,
}

fn file_matches(
    conn: &Connection,
    fts: &str,
    kind: Kind,
    scope: &Scope,
    limit: usize,
) -> Result<Vec<FileMatch>> {
    let sql = format!(
        "SELECT f.id, f.content_id, bm25(files_fts, 2.0, 3.0, 1.0) AS rank,
                highlight(files_fts, 0, char(2), char(3)),
                highlight(files_fts, 1, char(2), char(3)),
                highlight(files_fts, 2, char(2), char(3))
         FROM files_fts JOIN files f ON f.id = files_fts.rowid
         WHERE files_fts MATCH ?1 AND f.state = 'indexed' AND f.kind = ?2 {}
         ORDER BY rank LIMIT ?3",
        if scope.unfiltered() {
            ""
        } else {
            "AND f.id IN rarray(?4)"
        }
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let array = scope.file_array();
    let (limit, kind) = (limit as i64, kind.as_str());
    let mut params: Vec<&dyn ToSql> = vec![&fts, &kind, &limit];
    if let Some(array) = &array {
        params.push(array);
    }
    let rows = stmt
        .query_map(params.as_slice(), |r| {
            let mut fields = Vec::new();
            for (column, label) in [(3, "name"), (4, "title"), (5, "metadata")] {
                if r.get::<_, String>(column)?.contains(snippet::OPEN) {
                    fields.push(label);
                }
            }
            Ok(FileMatch {
                file: r.get(0)?,
                content: r.get(1)?,
                score: -r.get::<_, f64>(2)?,
                fields,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Photos matching `fts`, best first, one per content.
pub fn photos(
    conn: &Connection,
    fts: &str,
    scope: &Scope,
    limit: usize,
) -> Result<Vec<PhotoMatch>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for m in file_matches(conn, fts, Kind::Photo, scope, limit * 4)? {
        if seen.insert(m.content) {
            out.push(PhotoMatch {
                content: m.content,
                file: m.file,
                score: m.score,
                fields: m.fields,
            });
            if out.len() == limit {
                break;
            }
        }
    }
    Ok(out)
}

/// Notes matching `fts` in their text or their title or name, best first, one per content.
pub fn notes(conn: &Connection, fts: &str, scope: &Scope, limit: usize) -> Result<Vec<NoteMatch>> {
    let sql = format!(
        "SELECT i.content_id, i.heading, bm25(chunks_fts, 1.0, 0.5) AS rank,
                snippet(chunks_fts, 0, char(2), char(3), '…', 24)
         FROM chunks_fts JOIN items i ON i.id = chunks_fts.rowid
         WHERE chunks_fts MATCH ?1 {}
         ORDER BY rank LIMIT ?2",
        if scope.unfiltered() {
            "AND EXISTS (SELECT 1 FROM files f WHERE f.content_id = i.content_id AND f.state = 'indexed')"
        } else {
            "AND i.content_id IN rarray(?3)"
        }
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let array = scope.content_array();
    let wanted = (limit * CHUNKS_PER_NOTE) as i64;
    let mut params: Vec<&dyn ToSql> = vec![&fts, &wanted];
    if let Some(array) = &array {
        params.push(array);
    }
    // Best passage per content (rows come best first).
    let mut passages: HashMap<i64, (f64, String, String)> = HashMap::new();
    let rows = stmt.query_map(params.as_slice(), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            -r.get::<_, f64>(2)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (content, score, heading, marked) = row?;
        passages.entry(content).or_insert((score, heading, marked));
    }
    let mut by_content: HashMap<i64, FileMatch> = HashMap::new();
    for m in file_matches(conn, fts, Kind::Note, scope, limit * 4)? {
        by_content.entry(m.content).or_insert(m);
    }
    let mut contents: Vec<i64> = passages.keys().chain(by_content.keys()).copied().collect();
    contents.sort_unstable();
    contents.dedup();
    let mut out: Vec<NoteMatch> = contents
        .into_iter()
        .map(|content| {
            let passage = passages.remove(&content);
            let file = by_content.remove(&content);
            let mut fields = Vec::new();
            if passage.is_some() {
                fields.push("text");
            }
            if let Some(f) = &file {
                fields.extend(f.fields.iter().copied());
            }
            NoteMatch {
                content,
                file: file.as_ref().map(|f| f.file),
                score: passage.as_ref().map_or(0.0, |p| p.0)
                    + file.as_ref().map_or(0.0, |f| f.score),
                fields,
                passage: passage.map(|(_, heading, marked)| (heading, marked)),
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.content.cmp(&b.content)));
    out.truncate(limit);
    Ok(out)
}
