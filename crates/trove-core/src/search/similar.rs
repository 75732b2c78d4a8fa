//! Photo → similar photos and related notes: the query photo's bridge vector against every photo
//! vector and every note-passage vector of the same model (the bridge puts images and text in
//! one space, so a photo finds the notes that describe it).
//!
//! Results are grouped like keyword results (photos, notes; one per content, copies listed) and
//! scored by cosine similarity. The query photo itself, and its byte-identical copies, are not
//! results: they are named in the notice as the same photo.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{photo_hit, representative, round, snippet};
use crate::api::types::{NoteHit, SearchResults};
use crate::error::Result;
use crate::index::VectorIndex;

/// Which item a vector belongs to (passage text is read for results only).
struct ItemInfo {
    content_id: i64,
    photo: bool,
}

fn items(conn: &Connection, model: &str) -> Result<HashMap<i64, ItemInfo>> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.content_id, i.kind FROM items i
         JOIN vectors v ON v.item_id = i.id AND v.model = ?1",
    )?;
    let rows = stmt.query_map([model], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            ItemInfo {
                content_id: r.get(1)?,
                photo: r.get::<_, String>(2)? == "photo",
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Photos and notes nearest to `query` (a unit vector of `model`), leaving out the content
/// `same` (the query photo, when it is in the library).
pub fn similar(
    conn: &Connection,
    query_label: &str,
    model: &str,
    query: &[f32],
    same: Option<i64>,
    limit: usize,
) -> Result<SearchResults> {
    let limit = limit.max(1);
    let index = VectorIndex::load(conn, model)?;
    let info = items(conn, model)?;
    let keep = |photo: bool| {
        let info = &info;
        move |id: i64| {
            info.get(&id)
                .is_some_and(|i| i.photo == photo && Some(i.content_id) != same)
        }
    };
    let mut photos = Vec::new();
    for (item, score) in index.search(query, limit, keep(true)) {
        let content_id = info[&item].content_id;
        if let Some((file_id, _)) = representative(conn, content_id)? {
            photos.push(photo_hit(
                conn,
                file_id,
                content_id,
                f64::from(score),
                vec!["similar"],
            )?);
        }
    }
    // Best passage per note: fetch several passages per wanted note, keep each note's first.
    let mut notes: Vec<NoteHit> = Vec::new();
    let mut seen = HashMap::new();
    for (item, score) in index.search(query, limit * 8, keep(false)) {
        let chunk = &info[&item];
        if seen.contains_key(&chunk.content_id) {
            continue;
        }
        let Some((file_id, path)) = representative(conn, chunk.content_id)? else {
            continue;
        };
        seen.insert(chunk.content_id, notes.len());
        let (title, text, heading): (String, String, String) = conn.query_row(
            "SELECT coalesce(c.title, ''), i.text, i.heading
             FROM items i JOIN contents c ON c.id = i.content_id WHERE i.id = ?1",
            [item],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        notes.push(NoteHit {
            id: file_id,
            path,
            title,
            score: round(f64::from(score)),
            snippet: snippet::opening(&text, 160),
            highlights: Vec::new(),
            heading,
            matched: vec!["similar"],
            copies: crate::store::read::copies(conn, file_id, chunk.content_id)?,
        });
        if notes.len() == limit {
            break;
        }
    }
    let notice = match same {
        Some(content_id) => {
            let paths: Vec<String> = match representative(conn, content_id)? {
                Some((file_id, path)) => std::iter::once(path)
                    .chain(crate::store::read::copies(conn, file_id, content_id)?)
                    .collect(),
                None => Vec::new(),
            };
            (!paths.is_empty()).then(|| format!("same photo: {}", paths.join(", ")))
        }
        None => None,
    };
    Ok(SearchResults {
        query: query_label.to_string(),
        mode: "similar",
        photos,
        notes,
        notice,
        warning: None,
    })
}
