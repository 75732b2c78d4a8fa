//! Retrieval evaluation: how well a bridge model, run exactly as Trove runs it (decode,
//! preprocess, tokenize, embed), retrieves images from captions and captions from images, on a
//! captioned image set in the Karpathy JSON layout used for Flickr30k and COCO
//! (`images[].filename`, `images[].split`, `images[].sentences[].raw`).
//!
//! Metrics follow the usual zero-shot retrieval protocol (CLIP, open_clip's clip_benchmark):
//! text → image has one relevant image per caption; image → text counts an image as retrieved at
//! K when any of its captions is in the top K. mAP averages the precision at each relevant item's
//! rank; the median rank is that of the first relevant item.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::embed::{EmbedError, Model, Purpose};
use crate::error::{Error, Result};
use crate::extract::{Limits, image};

/// One image of the set with its captions.
#[derive(Debug, Clone)]
pub struct Captioned {
    pub filename: String,
    pub captions: Vec<String>,
}

/// Reads a Karpathy-format caption file, keeping the images of `split` (every image when
/// `split` is `None`).
pub fn read_captions(path: &Path, split: Option<&str>) -> Result<Vec<Captioned>> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Invalid(format!("no such file: {}", path.display())),
        _ => Error::io(format!("cannot read {}", path.display()), e),
    })?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Invalid(format!("{} is not JSON: {e}", path.display())))?;
    let bad = |what: &str| {
        Error::Invalid(format!(
            "{} is not a Karpathy caption file: {what}",
            path.display()
        ))
    };
    let images = json["images"]
        .as_array()
        .ok_or_else(|| bad("no \"images\" list"))?;
    let mut out = Vec::new();
    for img in images {
        if let Some(split) = split
            && img["split"].as_str() != Some(split)
        {
            continue;
        }
        let filename = img["filename"]
            .as_str()
            .ok_or_else(|| bad("an image without \"filename\""))?;
        let captions: Vec<String> = img["sentences"]
            .as_array()
            .ok_or_else(|| bad("an image without \"sentences\""))?
            .iter()
            .filter_map(|s| s["raw"].as_str().map(str::to_owned))
            .collect();
        if !captions.is_empty() {
            out.push(Captioned {
                filename: filename.to_string(),
                captions,
            });
        }
    }
    if out.is_empty() {
        return Err(bad(&match split {
            Some(s) => format!("no captioned images in split {s:?}"),
            None => "no captioned images".into(),
        }));
    }
    Ok(out)
}

/// Retrieval quality in one direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub queries: usize,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub recall_at_10: f64,
    /// Mean average precision over queries.
    pub map: f64,
    /// Median rank (1 = first) of the first relevant result.
    pub median_rank: f64,
}

/// Metrics for a score matrix: `scores[q][c]` is query `q`'s similarity to candidate `c`, and
/// `relevant[q]` lists the candidates that answer `q`. Ties count against the query: a
/// relevant candidate ranks below every other candidate with the same score.
pub fn metrics(scores: &[Vec<f32>], relevant: &[Vec<usize>]) -> Metrics {
    assert_eq!(scores.len(), relevant.len());
    let mut first_ranks = Vec::with_capacity(scores.len());
    let mut ap_sum = 0.0;
    for (row, rel) in scores.iter().zip(relevant) {
        // Ranks of the relevant candidates, 1-based, ascending.
        let mut order: Vec<usize> = (0..row.len()).collect();
        // Sort by score descending; among equal scores, irrelevant candidates first (ties count
        // against the query).
        order.sort_by(|&a, &b| {
            row[b]
                .total_cmp(&row[a])
                .then_with(|| rel.contains(&a).cmp(&rel.contains(&b)))
        });
        let ranks: Vec<usize> = order
            .iter()
            .enumerate()
            .filter(|(_, c)| rel.contains(c))
            .map(|(i, _)| i + 1)
            .collect();
        let Some(&first) = ranks.first() else {
            first_ranks.push(row.len() + 1);
            continue;
        };
        first_ranks.push(first);
        // Average precision: the precision at each relevant item's rank, averaged.
        let ap: f64 = ranks
            .iter()
            .enumerate()
            .map(|(k, &r)| (k + 1) as f64 / r as f64)
            .sum::<f64>()
            / rel.len() as f64;
        ap_sum += ap;
    }
    let n = first_ranks.len().max(1) as f64;
    let recall = |k: usize| first_ranks.iter().filter(|&&r| r <= k).count() as f64 / n;
    let mut sorted = first_ranks.clone();
    sorted.sort_unstable();
    let median = match sorted.len() {
        0 => 0.0,
        len if len % 2 == 1 => sorted[len / 2] as f64,
        len => (sorted[len / 2 - 1] + sorted[len / 2]) as f64 / 2.0,
    };
    Metrics {
        queries: first_ranks.len(),
        recall_at_1: recall(1),
        recall_at_5: recall(5),
        recall_at_10: recall(10),
        map: ap_sum / n,
        median_rank: median,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub model: String,
    pub images: usize,
    pub captions: usize,
    /// Images that could not be read or decoded (left out of the evaluation).
    pub skipped: Vec<String>,
    pub text_to_image: Metrics,
    pub image_to_text: Metrics,
    pub elapsed_ms: u64,
}

/// Progress: (images embedded, captions embedded) out of (images, captions).
pub type OnEval<'a> = dyn FnMut(usize, usize, usize, usize) + 'a;

/// Embeds the set with `model` the way indexing does, then scores retrieval both ways.
pub fn run(
    model: &Model,
    set: &[Captioned],
    images_dir: &Path,
    limits: &Limits,
    batch: usize,
    on_progress: &mut OnEval<'_>,
) -> Result<EvalReport> {
    let started = std::time::Instant::now();
    let rules = model.info.image.ok_or_else(|| {
        Error::Invalid(format!(
            "{} is a text-only model; evaluation needs a bridge model",
            model.info.id
        ))
    })?;
    let total_captions: usize = set.iter().map(|c| c.captions.len()).sum();
    let batch = batch.max(1);
    let mut image_vectors: Vec<Vec<f32>> = Vec::new();
    let mut kept: Vec<&Captioned> = Vec::new();
    let mut skipped = Vec::new();
    for chunk in set.chunks(batch) {
        let mut pixels = Vec::new();
        let mut n = 0;
        for item in chunk {
            let path: PathBuf = images_dir.join(&item.filename);
            let decoded = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    image::decode(&bytes, limits, rules.size).map_err(|e| e.to_string())
                });
            match decoded {
                Ok(img) => {
                    pixels.extend(crate::extract::image::preprocess::pixels(&img.rgb, &rules));
                    kept.push(item);
                    n += 1;
                }
                Err(e) => skipped.push(format!("{}: {e}", path.display())),
            }
        }
        if n > 0 {
            image_vectors.extend(model.embed_pixels(&pixels, n).map_err(embed_error)?);
        }
        on_progress(image_vectors.len(), 0, set.len(), total_captions);
    }
    if kept.is_empty() {
        return Err(Error::Invalid(format!(
            "none of the images could be read from {}",
            images_dir.display()
        )));
    }
    // Captions, each remembering its image's index among the kept images.
    let captions: Vec<(usize, &str)> = kept
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.captions.iter().map(move |t| (i, t.as_str())))
        .collect();
    let mut text_vectors = Vec::with_capacity(captions.len());
    for chunk in captions.chunks(batch) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| *t).collect();
        text_vectors.extend(
            model
                .embed_texts(&texts, Purpose::Query)
                .map_err(embed_error)?,
        );
        on_progress(
            image_vectors.len(),
            text_vectors.len(),
            set.len(),
            total_captions,
        );
    }
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let t2i: Vec<Vec<f32>> = text_vectors
        .iter()
        .map(|t| image_vectors.iter().map(|i| dot(t, i)).collect())
        .collect();
    let t2i_relevant: Vec<Vec<usize>> = captions.iter().map(|(i, _)| vec![*i]).collect();
    let i2t: Vec<Vec<f32>> = (0..image_vectors.len())
        .map(|i| t2i.iter().map(|row| row[i]).collect())
        .collect();
    let mut i2t_relevant: Vec<Vec<usize>> = vec![Vec::new(); image_vectors.len()];
    for (c, (i, _)) in captions.iter().enumerate() {
        i2t_relevant[*i].push(c);
    }
    Ok(EvalReport {
        model: model.info.id.clone(),
        images: image_vectors.len(),
        captions: captions.len(),
        skipped,
        text_to_image: metrics(&t2i, &t2i_relevant),
        image_to_text: metrics(&i2t, &i2t_relevant),
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

fn embed_error(e: EmbedError) -> Error {
    Error::Embed(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_a_hand_made_case() {
        // Three queries over four candidates.
        let scores = vec![
            vec![0.9, 0.1, 0.2, 0.3], // relevant {0}: rank 1
            vec![0.9, 0.8, 0.1, 0.7], // relevant {3}: rank 3
            vec![0.1, 0.9, 0.8, 0.2], // relevant {0, 2}: ranks 4 and 2
        ];
        let relevant = vec![vec![0], vec![3], vec![0, 2]];
        let m = metrics(&scores, &relevant);
        assert_eq!(m.queries, 3);
        assert!((m.recall_at_1 - 1.0 / 3.0).abs() < 1e-12);
        assert!((m.recall_at_5 - 1.0).abs() < 1e-12);
        // First relevant ranks 1, 3, 2 → median 2.
        assert_eq!(m.median_rank, 2.0);
        // AP: 1; 1/3; (1/2 + 2/4) / 2 = 1/2.  mAP = (1 + 1/3 + 1/2) / 3.
        assert!((m.map - (1.0 + 1.0 / 3.0 + 0.5) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn ties_count_against_the_query() {
        let m = metrics(&[vec![0.5, 0.5]], &[vec![0]]);
        assert_eq!(m.recall_at_1, 0.0);
        assert_eq!(m.median_rank, 2.0);
    }

    #[test]
    fn reads_the_karpathy_layout_and_filters_by_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(
            &path,
            r#"{"images": [
                {"filename": "a.jpg", "split": "test", "sentences": [{"raw": "a dog"}, {"raw": "a pup"}]},
                {"filename": "b.jpg", "split": "train", "sentences": [{"raw": "a cat"}]}
            ]}"#,
        )
        .unwrap();
        let test = read_captions(&path, Some("test")).unwrap();
        assert_eq!(test.len(), 1);
        assert_eq!(test[0].captions, vec!["a dog", "a pup"]);
        assert_eq!(read_captions(&path, None).unwrap().len(), 2);
        let err = read_captions(&path, Some("val")).unwrap_err().to_string();
        assert!(err.contains("no captioned images in split"), "{err}");
    }
}
