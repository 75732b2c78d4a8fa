//! Fusion: one ranking from several (keyword BM25, meaning), per result group.
//!
//! BM25 scores and cosine similarities live on unrelated scales, so they cannot be added as
//! they are. Reciprocal-rank fusion (Cormack et al., 2009) uses ranks only: an item scores
//! `Σ 1 / (K + rank)` over the lists it appears in, so the best of either list ranks high and
//! an item both lists agree on ranks highest. The weighted alternative rescales each list's
//! scores to 0..1 (min–max) and adds them with weights. docs/search.md gives the measurements
//! that made RRF the default.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// RRF's rank offset: the value of the original paper, which damps the difference between
/// the first few ranks so that no single list dominates.
pub const RRF_K: f64 = 60.0;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fusion {
    #[default]
    Rrf,
    Weighted,
}

/// One ranked list, best first, with its weight in the fusion.
pub struct List<'a, K> {
    pub items: &'a [(K, f64)],
    pub weight: f64,
}

/// The fused ranking, best first; ties keep the order of first appearance.
pub fn fuse<K: Hash + Eq + Copy>(lists: &[List<'_, K>], fusion: Fusion) -> Vec<(K, f64)> {
    let mut scores: HashMap<K, (f64, usize)> = HashMap::new();
    let mut order = 0;
    for list in lists {
        let (lo, hi) = list
            .items
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, s)| {
                (lo.min(*s), hi.max(*s))
            });
        for (rank, (key, score)) in list.items.iter().enumerate() {
            let part = match fusion {
                Fusion::Rrf => 1.0 / (RRF_K + rank as f64 + 1.0),
                Fusion::Weighted if hi > lo => (score - lo) / (hi - lo),
                Fusion::Weighted => 1.0,
            };
            let entry = scores.entry(*key).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            entry.0 += list.weight * part;
        }
    }
    let mut fused: Vec<(K, f64, usize)> = scores.into_iter().map(|(k, (s, o))| (k, s, o)).collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    fused.into_iter().map(|(k, s, _)| (k, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(fused: &[(char, f64)]) -> String {
        fused.iter().map(|(k, _)| *k).collect()
    }

    #[test]
    fn rrf_favours_agreement_and_keeps_each_lists_best() {
        let keyword = [('a', 12.0), ('b', 3.0)];
        let meaning = [('c', 0.9), ('b', 0.8), ('d', 0.1)];
        let lists = [
            List {
                items: &keyword,
                weight: 1.0,
            },
            List {
                items: &meaning,
                weight: 1.0,
            },
        ];
        let fused = fuse(&lists, Fusion::Rrf);
        // b is in both lists; a and c are each list's best, a first by appearance.
        assert_eq!(keys(&fused), "bacd");
        assert!((fused[0].1 - (1.0 / 62.0 + 1.0 / 62.0)).abs() < 1e-12);
    }

    #[test]
    fn weighted_rescales_each_list() {
        let keyword = [('a', 12.0), ('b', 3.0)];
        let meaning = [('c', 0.9), ('b', 0.85), ('d', 0.1)];
        let lists = [
            List {
                items: &keyword,
                weight: 0.3,
            },
            List {
                items: &meaning,
                weight: 0.7,
            },
        ];
        let fused = fuse(&lists, Fusion::Weighted);
        // b: 0.3·0 + 0.7·(0.75/0.8) ≈ 0.656; c: 0.7; a: 0.3; d: 0.
        assert_eq!(keys(&fused), "cbad");
        let single = [('x', 5.0)];
        let fused = fuse(
            &[List {
                items: &single,
                weight: 1.0,
            }],
            Fusion::Weighted,
        );
        assert_eq!(fused, vec![('x', 1.0)]);
    }
}
