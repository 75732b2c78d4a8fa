//! Keyword matching: BM25 over two FTS5 tables — note passages (`chunks_fts`) and per-file
//! names, note titles and photo metadata (`files_fts`) — restricted to the search's scope in
//! SQL (`store::find`), so filters apply before the best matches are taken.

use std::collections::HashMap;

use rusqlite::Connection;

use super::filter::Scope;
use super::snippet;
use crate::error::Result;
use crate::store::find;
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
    let hits = find::file_hits(conn, fts, kind, scope.file_array().as_ref(), limit)?;
    Ok(hits
        .into_iter()
        .map(|hit| FileMatch {
            file: hit.file,
            content: hit.content,
            score: -hit.rank,
            fields: hit
                .marked
                .iter()
                .zip(["name", "title", "metadata"])
                .filter(|(marked, _)| marked.contains(snippet::OPEN))
                .map(|(_, label)| label)
                .collect(),
        })
        .collect())
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
    let wanted = limit * CHUNKS_PER_NOTE;
    let hits = find::passage_hits(conn, fts, scope.content_array().as_ref(), wanted)?;
    // Best passage per content (rows come best first).
    let mut passages: HashMap<i64, (f64, String, String)> = HashMap::new();
    for hit in hits {
        passages
            .entry(hit.content)
            .or_insert((-hit.rank, hit.heading, hit.snippet));
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
