//! The relevance cutoff: how similar a match by meaning must be to count as a match.
//!
//! Cosine similarities have no absolute meaning: a CLIP model puts matching captions near 0.3
//! and anything else near 0.2, a tiny model somewhere else entirely, and the highest score a
//! query reaches grows with the library. So the cutoff is calibrated per model and per group on
//! the library itself: queries that mean nothing (strings of letters no language uses) are run
//! against the group's vectors, and the cutoff is the 90th percentile of the best scores they
//! reach. A real match must beat what noise reaches on this model and library. The same rule serves
//! every family (SigLIP's sigmoid would give probabilities, but its bias was trained on web
//! pairs, not on one person's library); the calibration is redone whenever the number of
//! vectors changed since.

use rusqlite::Connection;

use crate::embed::{Model, tokenize::Purpose};
use crate::error::Result;
use crate::index::{ItemKind, VectorIndex};
use crate::store::{cutoffs, vectors};
use crate::types::Role;

/// How many meaningless queries calibrate a cutoff.
const NULL_QUERIES: usize = 32;
/// The calibration rule's version: a cutoff made by another rule is made again.
const METHOD: i64 = 3;

/// Letter strings that mean nothing in any language, the same on every run.
pub fn null_queries() -> Vec<String> {
    const LETTERS: &[u8] = b"bcdfghjklmnpqrstvwxzq";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        // xorshift64*: any fixed generator will do; the queries only need to be meaningless.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    };
    (0..NULL_QUERIES)
        .map(|_| {
            let words = 2 + next(2);
            (0..words)
                .map(|_| {
                    let len = 4 + next(4);
                    (0..len)
                        .map(|_| LETTERS[next(LETTERS.len() as u64) as usize] as char)
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The cutoff of `model` for `part`, when calibrated.
pub fn load(conn: &Connection, model: &str, part: ItemKind) -> Result<Option<f64>> {
    cutoffs::score(conn, model, part.as_str())
}

/// The cutoff for `index`: the 90th percentile of the best scores the null query vectors reach
/// on it. A match by meaning must beat what nine in ten meaningless queries reach. (Their
/// maximum, or their mean plus two deviations, hang on the few nulls that land next to some
/// photo by accident: on the tiny test model they kept only 12 % and 29 % of true matches,
/// this keeps 97 %; see docs/search.md.)
pub fn calibrate(nulls: &[Vec<f32>], index: &VectorIndex) -> Option<f64> {
    let mut best: Vec<f64> = nulls
        .iter()
        .filter_map(|q| {
            index
                .search(q, 1, |_| true)
                .first()
                .map(|h| f64::from(h.score))
        })
        .filter(|s| s.is_finite())
        .collect();
    best.sort_by(f64::total_cmp);
    quantile(&best, 0.9)
}

/// The `q` quantile of sorted values, interpolated linearly between neighbours (as numpy's
/// default).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q * last as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// Recalibrates the cutoffs of the loaded models that search serves, where their vectors
/// changed since the last calibration; forgets those of models the library no longer has.
pub fn refresh(conn: &Connection, models: &[&Model]) -> Result<()> {
    cutoffs::prune(conn)?;
    for model in models {
        let id = &model.info.id;
        let serving = vectors::serving(conn, model.info.role)?;
        if serving.is_none_or(|s| s.id != *id) {
            continue;
        }
        let parts: &[ItemKind] = match model.info.role {
            Role::Bridge => &[ItemKind::Photo, ItemKind::Chunk],
            Role::Text => &[ItemKind::Chunk],
        };
        let mut nulls: Option<Vec<Vec<f32>>> = None;
        for &part in parts {
            let count = vectors::count(conn, id, part.as_str())?;
            let stored = cutoffs::calibrated_on(conn, id, part.as_str())?;
            if stored == Some((count as i64, METHOD)) {
                continue;
            }
            // Loaded only to recalibrate: most index runs change nothing here.
            let index = VectorIndex::load(conn, id, part)?;
            if nulls.is_none() {
                let texts = null_queries();
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                nulls = Some(model.embed_texts(&refs, Purpose::Query)?);
            }
            match calibrate(nulls.as_deref().unwrap_or_default(), &index) {
                Some(score) => {
                    tracing::debug!(model = %id, kind = part.as_str(), score, "relevance cutoff");
                    cutoffs::save(conn, id, part.as_str(), score, index.len(), METHOD)?;
                }
                None => cutoffs::forget(conn, id, part.as_str())?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[], 0.9), None);
        assert_eq!(quantile(&[2.0], 0.9), Some(2.0));
        let q = quantile(
            &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            0.9,
        )
        .unwrap();
        assert!((q - 9.0).abs() < 1e-12);
        let q = quantile(&[0.0, 10.0], 0.9).unwrap();
        assert!((q - 9.0).abs() < 1e-12);
    }

    #[test]
    fn null_queries_are_fixed_and_wordless() {
        let a = null_queries();
        assert_eq!(a, null_queries());
        assert_eq!(a.len(), NULL_QUERIES);
        for q in &a {
            assert!(!q.contains(['a', 'e', 'i', 'o', 'u', 'y']), "{q}");
            assert!(q.split(' ').count() >= 2, "{q}");
        }
    }
}
