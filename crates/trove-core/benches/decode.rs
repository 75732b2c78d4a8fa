//! Photo decode speed per format: the time `extract` takes for one photo (sniff, EXIF, decode,
//! orient, the 320 px thumbnail and a CLIP-sized model input), median of several runs, for the
//! same picture saved as JPEG, PNG, WebP, TIFF, HEIC, AVIF and DNG (developed from the sensor
//! data, and with a camera rendering beside it), and for a real 12-megapixel iPhone
//! HEIC when `TROVE_TEST_HEIF_SAMPLES` points at the pillow-heif samples (scripts/test sets it).
//! Run: `cargo bench -p trove-core --bench decode [-- WIDTH HEIGHT]` (default 2016 × 1512).

use std::io::Cursor;
use std::path::Path;
use std::time::Instant;

use image::{ImageFormat, RgbImage};
use trove_core::api::Limits;
use trove_core::extract::image::{Filter, ImageRules, Resize, extract_for};
use trove_testkit::dng::{self, Dng};
use trove_testkit::heif::{self, CompressionFormat};

const RUNS: usize = 7;

/// A photo-like picture: smooth light over the frame, edges, and sensor-like noise, so codecs
/// work as hard as on a real photo (a flat test card decodes unrealistically fast).
fn picture(w: u32, h: u32) -> RgbImage {
    let mut seed = 0x2545_f491_u32;
    RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 17) as i32 - 8;
        let band = if (x / 97 + y / 61) % 2 == 0 { 30 } else { -30 };
        let base = [
            (x * 180 / w) as i32 + 40,
            (y * 160 / h) as i32 + 50,
            ((x + y) * 120 / (w + h)) as i32 + 60,
        ];
        image::Rgb(base.map(|c| (c + band + noise).clamp(0, 255) as u8))
    })
}

fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn clip_rules() -> ImageRules {
    ImageRules {
        size: 224,
        resize: Resize::ShortestSideThenCrop,
        filter: Filter::Bicubic,
        mean: [0.481_454_66, 0.457_827_5, 0.408_210_73],
        std: [0.268_629_54, 0.261_302_6, 0.275_777_1],
    }
}

fn median_ms(name: &str, bytes: &[u8]) -> f64 {
    let (limits, rules) = (Limits::default(), clip_rules());
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            extract_for(Path::new(name), bytes, &limits, Some(&rules)).expect(name);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (w, h) = match args[..] {
        [w, h, ..] => (w, h),
        _ => (2016, 1512),
    };
    let image = picture(w, h);
    let mut files = vec![
        ("photo.jpg", encode(&image, ImageFormat::Jpeg)),
        ("photo.png", encode(&image, ImageFormat::Png)),
        ("photo.webp", encode(&image, ImageFormat::WebP)),
        ("photo.tiff", encode(&image, ImageFormat::Tiff)),
    ];
    for (name, codec) in [
        ("photo.heic", CompressionFormat::Hevc),
        ("photo.avif", CompressionFormat::Av1),
    ] {
        files.push((name, heif::encode(w, h, image.as_raw(), codec, None)));
    }
    let raw = |preview: bool| {
        dng::write(&Dng {
            width: w,
            height: h,
            scene: image.as_raw().clone(),
            preview: preview.then(|| {
                (
                    w / 2,
                    h / 2,
                    image::imageops::thumbnail(&image, w / 2, h / 2).into_raw(),
                )
            }),
            orientation: 1,
            make: "Trove",
            model: "Bench",
            taken: "2024:01:01 12:00:00",
        })
    };
    files.push(("developed.dng", raw(false)));
    files.push(("previewed.dng", raw(true)));
    println!("extract (thumbnail + CLIP input) of a {w}×{h} photo, median of {RUNS} runs:");
    let jpeg = median_ms("photo.jpg", &files[0].1);
    for (name, bytes) in &files {
        let ms = median_ms(name, bytes);
        println!(
            "  {name:<11} {:>9.1} KB  {ms:>8.1} ms  ({:.1}× JPEG)",
            bytes.len() as f64 / 1024.0,
            ms / jpeg
        );
    }
    if let Some(dir) = std::env::var_os("TROVE_TEST_HEIF_SAMPLES") {
        for rel in ["heif_other/pug.heic", "heif_special/xiaomi.heic"] {
            let path = Path::new(&dir).join(rel);
            let bytes = std::fs::read(&path).unwrap();
            let ms = median_ms(rel, &bytes);
            println!(
                "  {rel:<26} {:>9.1} KB  {ms:>8.1} ms",
                bytes.len() as f64 / 1024.0
            );
        }
    }
}
