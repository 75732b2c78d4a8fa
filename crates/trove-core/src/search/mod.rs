//! Search: answers a query with two groups of results, photos and notes.
//!
//! Each group is ranked on its own (text→image and text→text similarities live on different
//! scales, so one mixed list would mislead): keyword matches ([`keyword`], BM25) and matches by
//! meaning (the query vector against the group's [`VectorIndex`]) are fused ([`fuse`]) into one
//! ranking. Filters ([`filter`]) narrow both before anything is ranked. A match by meaning only
//! that scores below the model's calibrated cutoff ([`cutoff`]) is hidden unless all results
//! are asked for. Every result carries why it matched. Results are one per distinct content;
//! identical copies are listed under it.

pub mod cutoff;
pub mod filter;
pub mod fuse;
pub mod keyword;
pub mod plan;
pub mod query;
pub mod snippet;

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Connection;

use crate::error::Result;
use crate::extract::image::RAW_EXTENSIONS;
use crate::index::{Hit, VectorIndex};
use crate::store::{find, read};
use crate::types::{
    Hidden, KeywordMatch, Kind, Mode, NoteHit, Notice, PhotoHit, SearchResults, SemanticMatch, Why,
};
use filter::Scope;
use fuse::{Fusion, List};

pub const DEFAULT_LIMIT: usize = 20;
/// Candidates taken from each ranking before fusion, at least.
const MIN_CANDIDATES: usize = 50;
/// Note passages fetched per wanted note: one note's passages may outrank other notes.
const PASSAGES_PER_NOTE: usize = 8;

/// Matching by meaning within one group: a query vector against that group's vectors.
pub struct Semantic<'a> {
    pub model: &'a str,
    pub index: &'a VectorIndex,
    pub query: &'a [f32],
    /// The model's calibrated cutoff for this group (none: every match is shown).
    pub cutoff: Option<f64>,
}

/// A search, ready to run.
pub struct Query<'a> {
    /// The query as shown back.
    pub label: String,
    pub mode: Mode,
    /// Words for keyword matching ("" for none).
    pub words: &'a str,
    pub photos: Option<Semantic<'a>>,
    pub notes: Option<Semantic<'a>>,
    /// A content that is not a result (the query photo itself).
    pub exclude: Option<i64>,
    pub kind: Option<Kind>,
    pub limit: usize,
    /// Include matches below the cutoff (marked).
    pub all: bool,
    pub fusion: Fusion,
    /// What a match by meaning is called in `matched`: "meaning", or "similar".
    pub semantic_label: &'static str,
}

pub fn run(conn: &Connection, q: &Query, scope: &Scope) -> Result<SearchResults> {
    let limit = q.limit.max(1);
    let candidates = (limit * 3).max(MIN_CANDIDATES);
    let terms = query::parse(q.words);
    let fts: Vec<String> = [query::all_of(&terms), query::any_of(&terms)]
        .into_iter()
        .flatten()
        .collect();
    let mut results = SearchResults {
        query: q.label.clone(),
        mode: q.mode,
        photos: Vec::new(),
        notes: Vec::new(),
        hidden: Hidden::default(),
        filters: scope.labels.clone(),
        notices: Vec::new(),
        limitation: None,
    };
    let allowed = |content: i64| scope.allows_content(content) && Some(content) != q.exclude;
    if q.kind != Some(Kind::Note) {
        // All words first; any word when that finds nothing.
        let (mut kw, mut partial) = (Vec::new(), false);
        for (i, f) in fts.iter().take(keyword_lists(&q.photos)).enumerate() {
            kw = keyword::photos(conn, f, scope, candidates)?;
            kw.retain(|m| Some(m.content) != q.exclude);
            if !kw.is_empty() {
                partial = i > 0 && terms.len() > 1;
                break;
            }
        }
        let sem = match &q.photos {
            Some(s) => s.index.search(s.query, candidates, allowed),
            None => Vec::new(),
        };
        let (hits, hidden) = photo_group(conn, q, scope, (kw, partial), &sem, limit)?;
        results.photos = hits;
        results.hidden.photos = hidden;
    }
    if q.kind != Some(Kind::Photo) {
        let (mut kw, mut partial) = (Vec::new(), false);
        for (i, f) in fts.iter().take(keyword_lists(&q.notes)).enumerate() {
            kw = keyword::notes(conn, f, scope, candidates)?;
            if !kw.is_empty() {
                partial = i > 0 && terms.len() > 1;
                break;
            }
        }
        let sem = match &q.notes {
            Some(s) => best_passages(s.index.search(
                s.query,
                candidates * PASSAGES_PER_NOTE,
                allowed,
            )),
            None => Vec::new(),
        };
        let (hits, hidden) = note_group(conn, q, scope, (kw, partial), &sem, limit)?;
        results.notes = hits;
        results.hidden.notes = hidden;
    }
    let hidden = results.hidden.photos + results.hidden.notes;
    if results.photos.is_empty() && results.notes.is_empty() && hidden > 0 {
        results.notices.push(Notice::AllTooWeak { hidden });
    }
    Ok(results)
}

/// Which keyword queries a group tries: all words, then (matching by keyword alone) any word.
/// With matching by meaning, results with only some of the words are left to meaning: fused
/// in, they pushed paraphrase matches down (measured in `tests/hybrid.rs`, see docs/search.md).
fn keyword_lists(semantic: &Option<Semantic>) -> usize {
    if semantic.is_some() { 1 } else { 2 }
}

/// A note's best passage only, best first.
fn best_passages(hits: Vec<Hit>) -> Vec<Hit> {
    let mut seen = std::collections::HashSet::new();
    hits.into_iter()
        .filter(|h| seen.insert(h.content))
        .collect()
}

/// Where one result stands in the rankings it appears in.
struct Standing {
    keyword: Option<(usize, f64)>,
    /// The keyword match has some of the words only (the fallback when none has all).
    partial: bool,
    semantic: Option<(usize, Hit)>,
}

/// Fuses a group's keyword and semantic rankings; returns the contents in order with their
/// score and standing.
fn rank_group(
    (keyword, partial): (&[(i64, f64)], bool),
    semantic: &[Hit],
    fusion: Fusion,
) -> Vec<(i64, f64, Standing)> {
    let sem: Vec<(i64, f64)> = semantic
        .iter()
        .map(|h| (h.content, f64::from(h.score)))
        .collect();
    let fused = match (keyword.is_empty(), sem.is_empty()) {
        // One ranking alone keeps its own scores (BM25, or cosine similarity).
        (false, true) => keyword.to_vec(),
        (true, _) => sem.clone(),
        (false, false) => fuse::fuse(
            &[
                List {
                    items: keyword,
                    weight: 1.0,
                },
                List {
                    items: &sem,
                    weight: 1.0,
                },
            ],
            fusion,
        ),
    };
    let kw_rank: HashMap<i64, (usize, f64)> = keyword
        .iter()
        .enumerate()
        .map(|(i, (c, s))| (*c, (i + 1, *s)))
        .collect();
    let sem_rank: HashMap<i64, (usize, Hit)> = semantic
        .iter()
        .enumerate()
        .map(|(i, h)| (h.content, (i + 1, *h)))
        .collect();
    fused
        .into_iter()
        .map(|(content, score)| {
            let standing = Standing {
                keyword: kw_rank.get(&content).copied(),
                partial,
                semantic: sem_rank.get(&content).copied(),
            };
            (content, score, standing)
        })
        .collect()
}

/// Whether a result matched too weakly to be shown by default: by meaning alone, below the
/// group's calibrated cutoff. (A keyword match has all the words: it is a match.)
fn below(standing: &Standing, semantic: Option<&Semantic>) -> bool {
    let Some(cutoff) = semantic.and_then(|s| s.cutoff) else {
        return false;
    };
    standing.keyword.is_none()
        && standing
            .semantic
            .is_some_and(|(_, hit)| f64::from(hit.score) < cutoff)
}

fn why(
    conn: &Connection,
    scope: &Scope,
    file: i64,
    standing: &Standing,
    fields: &[&'static str],
    semantic: Option<&Semantic>,
) -> Result<Why> {
    Ok(Why {
        keyword: standing.keyword.map(|(rank, score)| KeywordMatch {
            rank,
            score: round(score),
            fields: fields.to_vec(),
            all_words: !standing.partial,
        }),
        semantic: standing
            .semantic
            .zip(semantic)
            .map(|((rank, hit), s)| SemanticMatch {
                rank,
                score: round(f64::from(hit.score)),
                model: s.model.to_string(),
                cutoff: s.cutoff.map(round),
            }),
        filters: scope.explain(conn, file)?,
    })
}

/// The files results are shown by (first in scope per content), and the matches by meaning
/// that can be shown: a content whose files are all missing (an unplugged drive) keeps its
/// vectors but is no result, and a score that is not a number is no match.
fn showable(
    conn: &Connection,
    scope: &Scope,
    keyword: &[(i64, f64)],
    semantic: &[Hit],
) -> Result<(filter::Representatives, Vec<Hit>)> {
    let contents: Vec<i64> = keyword
        .iter()
        .map(|(c, _)| *c)
        .chain(semantic.iter().map(|h| h.content))
        .collect();
    let files = filter::representatives(conn, scope, &contents)?;
    let semantic = semantic
        .iter()
        .filter(|h| h.score.is_finite() && files.contains_key(&h.content))
        .copied()
        .collect();
    Ok((files, semantic))
}

/// The results shown (all, or those above the cutoff), at most `limit`, and how many matches
/// below the cutoff were left out.
fn cut<'r>(
    ranked: &'r [(i64, f64, Standing)],
    all: bool,
    semantic: Option<&Semantic>,
    limit: usize,
) -> (Vec<&'r (i64, f64, Standing)>, usize) {
    let weak = |s: &Standing| below(s, semantic);
    let hidden = if all {
        0
    } else {
        ranked.iter().filter(|(_, _, s)| weak(s)).count()
    };
    let shown = ranked
        .iter()
        .filter(|(_, _, s)| all || !weak(s))
        .take(limit)
        .collect();
    (shown, hidden)
}

fn photo_group(
    conn: &Connection,
    q: &Query,
    scope: &Scope,
    (keyword, partial): (Vec<keyword::PhotoMatch>, bool),
    semantic: &[Hit],
    limit: usize,
) -> Result<(Vec<PhotoHit>, usize)> {
    let kw: Vec<(i64, f64)> = keyword.iter().map(|m| (m.content, m.score)).collect();
    let matches: HashMap<i64, keyword::PhotoMatch> =
        keyword.into_iter().map(|m| (m.content, m)).collect();
    let (files, semantic) = showable(conn, scope, &kw, semantic)?;
    let ranked = rank_group((&kw, partial), &semantic, q.fusion);
    let (shown, hidden) = cut(&ranked, q.all, q.photos.as_ref(), limit);
    let mut hits = Vec::new();
    for (content, score, standing) in shown {
        let m = matches.get(content);
        let file = match m {
            Some(m) => m.file,
            None => match files.get(content) {
                Some((file, _)) => *file,
                None => continue,
            },
        };
        let fields = m.map_or(Vec::new(), |m| m.fields.clone());
        let mut matched = fields.clone();
        if standing.semantic.is_some() {
            matched.push(q.semantic_label);
        }
        let why = why(conn, scope, file, standing, &fields, q.photos.as_ref())?;
        let mut hit = photo_hit(conn, file, *content, *score, matched)?;
        hit.below_cutoff = below(standing, q.photos.as_ref());
        hit.why = why;
        hits.push(hit);
    }
    Ok((pair_raws(conn, scope, hits)?, hidden))
}

/// A camera saving RAW+JPEG writes two files of one shot; they are one photo in the results:
/// the JPEG (the camera's rendering, as the photographer saw it) with the RAW noted on it, at
/// the better of the two ranks.
fn pair_raws(conn: &Connection, scope: &Scope, hits: Vec<PhotoHit>) -> Result<Vec<PhotoHit>> {
    let is_raw = |path: &str| {
        Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| RAW_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
    };
    let is_companion = |ext: &str| matches!(ext, "jpg" | "jpeg" | "jpe" | "heic" | "heif" | "hif");
    let mut out: Vec<PhotoHit> = Vec::with_capacity(hits.len());
    for hit in hits {
        if !is_raw(&hit.path) {
            // Already shown in its RAW's place, higher up.
            if !out.iter().any(|h| h.id == hit.id) {
                out.push(hit);
            }
            continue;
        }
        let companion = find::raw_companion(conn, Path::new(&hit.path), is_companion)?
            .filter(|(file, _)| scope.allows_file(*file));
        let Some((file, content)) = companion else {
            out.push(hit);
            continue;
        };
        if let Some(shown) = out.iter_mut().find(|h| h.id == file) {
            shown.raw.get_or_insert(hit.path);
            continue;
        }
        let mut shown = photo_hit(conn, file, content, hit.score, hit.matched)?;
        shown.why = hit.why;
        shown.below_cutoff = hit.below_cutoff;
        shown.raw = Some(hit.path);
        out.push(shown);
    }
    Ok(out)
}

fn note_group(
    conn: &Connection,
    q: &Query,
    scope: &Scope,
    (keyword, partial): (Vec<keyword::NoteMatch>, bool),
    semantic: &[Hit],
    limit: usize,
) -> Result<(Vec<NoteHit>, usize)> {
    let kw: Vec<(i64, f64)> = keyword.iter().map(|m| (m.content, m.score)).collect();
    let matches: HashMap<i64, keyword::NoteMatch> =
        keyword.into_iter().map(|m| (m.content, m)).collect();
    let (files, semantic) = showable(conn, scope, &kw, semantic)?;
    let ranked = rank_group((&kw, partial), &semantic, q.fusion);
    let (shown, hidden) = cut(&ranked, q.all, q.notes.as_ref(), limit);
    let mut hits = Vec::new();
    for (content, score, standing) in shown {
        let m = matches.get(content);
        let (file, path) = match (m.and_then(|m| m.file), files.get(content)) {
            (Some(file), _) => (file, find::file_path(conn, file)?),
            (None, Some((file, path))) => (*file, path.clone()),
            (None, None) => continue,
        };
        let fields = m.map_or(Vec::new(), |m| m.fields.clone());
        let mut matched = fields.clone();
        if standing.semantic.is_some() {
            matched.push(q.semantic_label);
        }
        // The passage that matched the words, highlighted; else the one closest in meaning;
        // else (a title or name match) the note's opening.
        let passage_item = standing.semantic.map(|(_, h)| h.item);
        let (snippet, highlights, heading) =
            match (m.and_then(|m| m.passage.as_ref()), passage_item) {
                (Some((heading, marked)), _) => {
                    let (text, ranges) = snippet::unmark(marked);
                    (text, ranges, heading.clone())
                }
                (None, Some(item)) => {
                    let (text, heading) = find::passage(conn, item)?;
                    (snippet::opening(&text, 160), Vec::new(), heading)
                }
                (None, None) => {
                    let text = find::opening(conn, *content)?;
                    (snippet::opening(&text, 160), Vec::new(), String::new())
                }
            };
        let title = find::title(conn, *content)?;
        hits.push(NoteHit {
            id: file,
            path,
            title,
            score: round(*score),
            snippet,
            highlights,
            heading,
            matched,
            why: why(conn, scope, file, standing, &fields, q.notes.as_ref())?,
            below_cutoff: below(standing, q.notes.as_ref()),
            copies: read::copies(conn, file, *content)?,
        });
    }
    Ok((hits, hidden))
}

/// The file shown for a content: the first indexed path.
pub(crate) fn representative(conn: &Connection, content_id: i64) -> Result<Option<(i64, String)>> {
    Ok(filter::representatives(conn, &Scope::default(), &[content_id])?.remove(&content_id))
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
    let (width, height, taken_at, camera) = find::photo_facts(conn, content_id)?;
    let path = find::file_path(conn, file_id)?;
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
        why: Why::default(),
        below_cutoff: false,
        copies: read::copies(conn, file_id, content_id)?,
        raw: None,
    })
}
