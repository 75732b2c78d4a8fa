//! The in-memory vector index: one matrix per model and part (photos or note chunks), searched
//! exactly, and kept up to date by [`Indexes`] as the writer commits vectors.
//!
//! Vectors are unit length, so a dot product is the cosine similarity. An exact scan over a
//! contiguous row-major matrix is simple, always right, and fast enough for personal libraries
//! (100k × 512 floats is 200 MB of memory traffic per query at most); a faster approximate index
//! can replace it behind the same `search` signature.
//!
//! Photos and chunks get separate indexes because every search wants one of them: the other
//! part's rows are never scanned, and a top-k of photos never competes with passages.
//!
//! The seam a faster index must keep is this module's public surface: [`VectorIndex::load`],
//! [`VectorIndex::search`], [`VectorIndex::scores`], and the by-item `upsert`/`remove` that
//! [`Indexes`] applies from the change log. There is deliberately no trait: with one
//! implementation it would only put a type parameter or a `dyn` into every caller, and `keep`
//! being a generic closure would not survive `dyn` anyway. An approximate index would replace the
//! scan inside `search`; `scores` is exhaustive by nature (calibration needs every score), so the
//! rows stay here whatever finds the top k.

mod cache;

use std::collections::HashMap;

use rusqlite::Connection;

pub use cache::Indexes;

use crate::error::{Error, Result};
use crate::store::vectors;

/// The kind of item an index holds, as `items.kind` names it: a photo, or a note's chunk (a
/// passage). Not a file's `Kind`: one note file has many chunk items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Photo,
    Chunk,
}

impl ItemKind {
    /// The `items.kind` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Photo => "photo",
            ItemKind::Chunk => "chunk",
        }
    }
}

/// One scored row: the item, the content it belongs to, and its cosine similarity to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub item: i64,
    pub content: i64,
    pub score: f32,
}

/// Every vector of one model and one part, as a contiguous row-major matrix.
///
/// Row `r` is item `items[r]` of content `contents[r]`, its vector `data[r * dim..][..dim]`;
/// `rows` maps an item back to its row so a change costs O(dim), not a reload. Row order carries
/// no meaning (removal swaps the last row in).
#[derive(Debug, Clone)]
pub struct VectorIndex {
    model: String,
    part: ItemKind,
    /// 0 until the first vector arrives; then every vector has it.
    dim: usize,
    items: Vec<i64>,
    contents: Vec<i64>,
    data: Vec<f32>,
    rows: HashMap<i64, usize>,
}

impl VectorIndex {
    fn empty(model: &str, part: ItemKind) -> VectorIndex {
        VectorIndex {
            model: model.to_string(),
            part,
            dim: 0,
            items: Vec::new(),
            contents: Vec::new(),
            data: Vec::new(),
            rows: HashMap::new(),
        }
    }

    /// Every stored vector of `model` whose item belongs to `part`, with each item's content.
    pub fn load(conn: &Connection, model: &str, part: ItemKind) -> Result<VectorIndex> {
        let mut index = VectorIndex::empty(model, part);
        vectors::each_of(conn, model, part.as_str(), |item, content, vector| {
            index.upsert(item, content, vector)
        })?;
        Ok(index)
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    pub fn item_kind(&self) -> ItemKind {
        self.part
    }

    /// The vectors' dimension; 0 while the index has never held a vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `k` rows most similar to `query` among those whose content `keep` accepts (filters
    /// apply before the top-k, never after), best first, equal scores by item id. A query of
    /// the wrong dimension matches nothing.
    pub fn search(&self, query: &[f32], k: usize, keep: impl Fn(i64) -> bool + Sync) -> Vec<Hit> {
        if k == 0 {
            return Vec::new();
        }
        let mut hits = self.scores(query, keep);
        let order = |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item));
        if k < hits.len() {
            hits.select_nth_unstable_by(k - 1, order);
            hits.truncate(k);
        }
        hits.sort_unstable_by(order);
        hits
    }

    /// Every row whose content `keep` accepts, scored against `query`, in no particular order:
    /// for calibration and score distributions. A query of the wrong dimension matches nothing.
    pub fn scores(&self, query: &[f32], keep: impl Fn(i64) -> bool + Sync) -> Vec<Hit> {
        if self.dim == 0 || query.len() != self.dim {
            return Vec::new();
        }
        let score = |range: std::ops::Range<usize>| -> Vec<Hit> {
            self.items[range.clone()]
                .iter()
                .zip(&self.contents[range.clone()])
                .zip(self.data[range.start * self.dim..range.end * self.dim].chunks_exact(self.dim))
                .filter(|((_, content), _)| keep(**content))
                .map(|((&item, &content), row)| Hit {
                    item,
                    content,
                    score: dot(row, query),
                })
                .collect()
        };
        // The scan is bound by memory bandwidth, which one core does not saturate: large
        // indexes are scanned in parallel slices.
        let n = self.items.len();
        if n < PARALLEL_ROWS {
            return score(0..n);
        }
        let slices = rayon::current_num_threads().max(1);
        let per = n.div_ceil(slices);
        use rayon::prelude::*;
        (0..slices)
            .into_par_iter()
            .map(|i| score(i * per..((i + 1) * per).min(n)))
            .flatten()
            .collect()
    }

    /// Sets `item`'s row to `vector` (a stored blob: little-endian f32s), adding it if new.
    pub(crate) fn upsert(&mut self, item: i64, content: i64, vector: &[u8]) -> Result<()> {
        let len = vector.len() / 4;
        if len == 0 || !vector.len().is_multiple_of(4) {
            return Err(Error::Internal(format!(
                "model {}: item {item} has a vector blob of {} bytes",
                self.model,
                vector.len()
            )));
        }
        if self.is_empty() {
            self.dim = len;
        } else if len != self.dim {
            return Err(Error::Internal(format!(
                "model {}: item {item} has a {len}-dimensional vector, others {}",
                self.model, self.dim
            )));
        }
        let floats = vector
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        match self.rows.get(&item) {
            Some(&row) => {
                self.contents[row] = content;
                for (slot, x) in self.data[row * len..][..len].iter_mut().zip(floats) {
                    *slot = x;
                }
            }
            None => {
                self.rows.insert(item, self.items.len());
                self.items.push(item);
                self.contents.push(content);
                self.data.extend(floats);
            }
        }
        Ok(())
    }

    /// Drops `item`'s row, moving the last row into its place; whether it was there.
    pub(crate) fn remove(&mut self, item: i64) -> bool {
        let Some(row) = self.rows.remove(&item) else {
            return false;
        };
        let last = self.items.len() - 1;
        self.items.swap_remove(row);
        self.contents.swap_remove(row);
        if row != last {
            self.data
                .copy_within(last * self.dim..(last + 1) * self.dim, row * self.dim);
            self.rows.insert(self.items[row], row);
        }
        self.data.truncate(last * self.dim);
        true
    }

    pub(crate) fn contains(&self, item: i64) -> bool {
        self.rows.contains_key(&item)
    }
}

/// Rows from which a scan is split across threads (below, one thread is faster).
const PARALLEL_ROWS: usize = 20_000;

/// Dot product in eight independent lanes, which the compiler turns into SIMD (a single running
/// sum cannot be reordered, so it would stay scalar).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (a8, a_rest) = a.as_chunks::<8>();
    let (b8, b_rest) = b.as_chunks::<8>();
    let mut lanes = [0.0f32; 8];
    for (x, y) in a8.iter().zip(b8) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    let tail: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::to_blob;

    /// An index of (item, content, vector) rows, built through `upsert`.
    fn index(rows: &[(i64, i64, &[f32])]) -> VectorIndex {
        let mut index = VectorIndex::empty("m", ItemKind::Photo);
        for (item, content, v) in rows {
            index.upsert(*item, *content, &to_blob(v)).unwrap();
        }
        index
    }

    fn items(hits: &[Hit]) -> Vec<i64> {
        hits.iter().map(|h| h.item).collect()
    }

    #[test]
    fn best_first_and_filtered_before_top_k() {
        // Items 1..=3 of contents 10, 20, 30.
        let index = index(&[
            (1, 10, &[1.0, 0.0]),
            (2, 20, &[0.0, 1.0]),
            (3, 30, &[0.6, 0.8]),
        ]);
        let hits = index.search(&[1.0, 0.0], 2, |_| true);
        assert_eq!(items(&hits), vec![1, 3]);
        assert_eq!(
            hits[0],
            Hit {
                item: 1,
                content: 10,
                score: 1.0
            }
        );
        // With content 10 filtered out, the top 2 are the next two, not one; item 2 was beyond
        // the unfiltered top 2 and is still found.
        let hits = index.search(&[1.0, 0.0], 2, |content| content != 10);
        assert_eq!(items(&hits), vec![3, 2]);
        assert!(index.search(&[1.0], 2, |_| true).is_empty());
        assert!(index.scores(&[1.0, 0.0, 0.0], |_| true).is_empty());
        assert!(index.search(&[1.0, 0.0], 0, |_| true).is_empty());
    }

    #[test]
    fn equal_scores_rank_by_item_id_even_at_the_cut() {
        let index = index(&[
            (5, 1, &[1.0, 0.0]),
            (3, 1, &[1.0, 0.0]),
            (9, 1, &[1.0, 0.0]),
            (1, 1, &[0.0, 1.0]),
        ]);
        assert_eq!(items(&index.search(&[1.0, 0.0], 2, |_| true)), vec![3, 5]);
        let mut all = index.scores(&[1.0, 0.0], |_| true);
        all.sort_by_key(|h| h.item);
        assert_eq!(items(&all), vec![1, 3, 5, 9]);
    }

    #[test]
    fn upsert_and_remove_keep_rows_and_vectors_together() {
        let mut index = index(&[
            (1, 10, &[1.0, 0.0]),
            (2, 20, &[0.0, 1.0]),
            (3, 30, &[0.6, 0.8]),
        ]);
        assert!(index.remove(1));
        assert!(!index.remove(1));
        index.upsert(3, 31, &to_blob(&[-1.0, 0.0])).unwrap();
        index.upsert(4, 40, &to_blob(&[0.8, 0.6])).unwrap();
        let mut all = index.scores(&[1.0, 0.0], |_| true);
        all.sort_by_key(|h| h.item);
        let expected = [(2, 20, 0.0), (3, 31, -1.0), (4, 40, 0.8)];
        assert_eq!(all.len(), expected.len());
        for (hit, (item, content, score)) in all.iter().zip(expected) {
            assert_eq!((hit.item, hit.content), (item, content));
            assert!((hit.score - score).abs() < 1e-6, "{hit:?}");
        }
        assert!(
            index.upsert(5, 50, &to_blob(&[1.0])).is_err(),
            "wrong dimension"
        );
        for item in [2, 3, 4] {
            assert!(index.remove(item));
        }
        assert!(index.is_empty() && index.data.is_empty() && index.rows.is_empty());
    }

    #[test]
    fn dot_matches_the_plain_sum_across_lane_tails() {
        for len in [1, 7, 8, 9, 17, 512] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "len {len}");
        }
    }
}
