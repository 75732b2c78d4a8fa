//! The in-memory vector index: one matrix per model, searched exactly.
//!
//! Vectors are unit length, so a dot product is the cosine similarity. An exact scan over a
//! contiguous row-major matrix is simple, always right, and fast enough for personal libraries
//! (100k × 512 floats is 200 MB of memory traffic per query at most); a faster approximate index
//! can replace it behind the same `search` signature.

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::store::vectors;

#[derive(Debug, Clone, Default)]
pub struct VectorIndex {
    pub model: String,
    pub dim: usize,
    ids: Vec<i64>,
    data: Vec<f32>,
}

impl VectorIndex {
    /// Every stored vector of `model`.
    pub fn load(conn: &Connection, model: &str) -> Result<VectorIndex> {
        let rows = vectors::load(conn, model)?;
        let dim = rows.first().map_or(0, |(_, v)| v.len());
        let mut index = VectorIndex {
            model: model.to_string(),
            dim,
            ids: Vec::with_capacity(rows.len()),
            data: Vec::with_capacity(rows.len() * dim),
        };
        for (id, v) in rows {
            if v.len() != dim {
                return Err(Error::Internal(format!(
                    "model {model}: item {id} has a {}-dimensional vector, others {dim}",
                    v.len()
                )));
            }
            index.ids.push(id);
            index.data.extend_from_slice(&v);
        }
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `k` items most similar to `query` among those `keep` accepts (filters apply before
    /// the top-k, never after), best first, with their cosine similarity.
    pub fn search(&self, query: &[f32], k: usize, keep: impl Fn(i64) -> bool) -> Vec<(i64, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(i64, f32)> = self
            .ids
            .iter()
            .zip(self.data.chunks_exact(self.dim))
            .filter(|(id, _)| keep(**id))
            .map(|(id, row)| (*id, row.iter().zip(query).map(|(a, b)| a * b).sum()))
            .collect();
        let k = k.min(scored.len());
        if k < scored.len() {
            scored.select_nth_unstable_by(k, |a, b| b.1.total_cmp(&a.1));
            scored.truncate(k);
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_first_and_filtered_before_top_k() {
        let index = VectorIndex {
            model: "m".into(),
            dim: 2,
            ids: vec![1, 2, 3],
            data: vec![1.0, 0.0, 0.0, 1.0, 0.6, 0.8],
        };
        let hits = index.search(&[1.0, 0.0], 2, |_| true);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1, 3]);
        // With item 1 filtered out, the top 2 are the next two, not one.
        let hits = index.search(&[1.0, 0.0], 2, |id| id != 1);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![3, 2]);
        assert!(index.search(&[1.0], 2, |_| true).is_empty());
    }
}
