//! HEIC and AVIF files made in-process by libheif's own encoders (x265 for HEVC, aom for AV1),
//! as `heif-enc` would make them, and the real HEIF samples the test scripts fetch.

use std::path::PathBuf;

pub use libheif_rs::CompressionFormat;
use libheif_rs::{Channel, ColorSpace, EncoderQuality, HeifContext, Image, LibHeif, RgbChroma};

/// HEIF bytes of a `w`×`h` picture given as packed 8-bit RGB, coded with `format` (`Hevc`
/// makes a HEIC, `Av1` an AVIF), with an EXIF block (its TIFF structure) when given.
pub fn encode(
    w: u32,
    h: u32,
    rgb: &[u8],
    format: CompressionFormat,
    exif: Option<&[u8]>,
) -> Vec<u8> {
    let row = w as usize * 3;
    assert_eq!(rgb.len(), row * h as usize, "packed RGB of {w}×{h}");
    let mut image = Image::new(w, h, ColorSpace::Rgb(RgbChroma::Rgb)).unwrap();
    image.create_plane(Channel::Interleaved, w, h, 8).unwrap();
    let planes = image.planes_mut();
    let plane = planes.interleaved.unwrap();
    for (y, src) in rgb.chunks_exact(row).enumerate() {
        plane.data[y * plane.stride..y * plane.stride + row].copy_from_slice(src);
    }
    let lib = LibHeif::new();
    let mut encoder = lib.encoder_for_format(format).unwrap();
    encoder.set_quality(EncoderQuality::Lossy(90)).unwrap();
    let mut context = HeifContext::new().unwrap();
    // (No encoding options: libheif-rs 0.20 frees them before libheif reads them.)
    let handle = context.encode_image(&image, &mut encoder, None).unwrap();
    if let Some(exif) = exif {
        context.add_exif_metadata(&handle, exif).unwrap();
    }
    context.write_to_bytes().unwrap()
}

/// The HEIF test images of the `pillow-heif` sdist (iPhone, Xiaomi, Nokia, Canon and Sony
/// files, corrupt, truncated and 200-megapixel ones), which `scripts/test` fetches from PyPI,
/// checks and unpacks, passing the folder as `TROVE_TEST_HEIF_SAMPLES`.
pub fn samples() -> PathBuf {
    let dir = std::env::var_os("TROVE_TEST_HEIF_SAMPLES")
        .map(PathBuf::from)
        .expect(
            "TROVE_TEST_HEIF_SAMPLES is not set: run the tests with scripts/test, which fetches \
             the pillow-heif sdist from PyPI and sets it",
        );
    assert!(
        dir.join("heif_other/arrow.heic").is_file(),
        "{} holds no pillow-heif samples",
        dir.display()
    );
    dir
}
