//! Model speed on this machine: image tower throughput and text query latency, as `trove bench`
//! prints them. Figures only; nothing here asserts a speed (tests never time things).

use std::time::Instant;

use image::RgbImage;
use serde::Serialize;

use super::{EmbedError, Model, Purpose};

/// Queries of everyday length, as people type them.
const QUERIES: &[&str] = &[
    "receipt from the ramen place in Osaka",
    "whiteboard sketch of the sync protocol",
    "kids building a sandcastle at the beach",
    "notes about the kitchen renovation budget",
    "a red bicycle leaning against a brick wall",
    "sunset over the mountains",
    "my cat sleeping on the sofa",
    "birthday cake with candles",
];

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub model: String,
    pub family: String,
    pub device: String,
    pub threads: usize,
    pub load_ms: f64,
    /// Images embedded per second (preprocessing of already-decoded pictures included).
    pub images_per_sec: Option<f64>,
    pub image_batch: usize,
    pub images: usize,
    /// Milliseconds per text query, one at a time (tokenizing included): median and mean.
    pub text_ms_median: f64,
    pub text_ms_mean: f64,
    pub queries: usize,
}

/// Times `model`: `images` synthetic pictures in batches of `batch`, then every query `rounds`
/// times, after one warm-up of each.
pub fn run(
    model: &Model,
    load_ms: f64,
    images: usize,
    batch: usize,
    rounds: usize,
) -> Result<BenchReport, EmbedError> {
    let batch = batch.max(1);
    let images_per_sec = match model.info.image {
        Some(_) if images > 0 => {
            // A photo-like picture: smooth gradients, larger than the input, so resizing runs.
            let picture = RgbImage::from_fn(640, 480, |x, y| {
                image::Rgb([(x / 3) as u8, (y / 2) as u8, ((x + y) / 5) as u8])
            });
            let pictures: Vec<&RgbImage> = vec![&picture; batch];
            model.embed_images(&pictures[..1])?;
            let started = Instant::now();
            let mut done = 0;
            while done < images {
                let n = batch.min(images - done);
                model.embed_images(&pictures[..n])?;
                done += n;
            }
            Some(done as f64 / started.elapsed().as_secs_f64())
        }
        _ => None,
    };
    model.embed_texts(&[QUERIES[0]], Purpose::Query)?;
    let mut times = Vec::new();
    for _ in 0..rounds.max(1) {
        for q in QUERIES {
            let started = Instant::now();
            model.embed_texts(&[q], Purpose::Query)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    times.sort_by(f64::total_cmp);
    Ok(BenchReport {
        model: model.info.id.clone(),
        family: model.info.family.as_str().into(),
        device: model.info.device.clone(),
        threads: rayon::current_num_threads(),
        load_ms,
        images_per_sec,
        image_batch: batch,
        images,
        text_ms_median: times[times.len() / 2],
        text_ms_mean: mean,
        queries: times.len(),
    })
}
