//! Photo extraction: turns the bytes of one image file into a [`Photo`] — its real format,
//! displayed dimensions, EXIF metadata and an oriented JPEG thumbnail — and offers [`decode`],
//! the reduced-size decode the embedding stage uses for model input.
//!
//! This module owns every decision about image *content*:
//! - what the bytes really are ([`sniff`]): the extension is only a hint, so a PNG named `.jpg`
//!   is indexed as a PNG, a HEIC named `.jpg` is reported as HEIC, a text file named `.jpg` as
//!   mislabelled;
//! - the guards that keep hostile files from hurting the indexer ([`decode`]): dimensions are read
//!   from the header and checked against [`Limits`] before any pixel is decoded, decoder memory is
//!   capped, truncated data is an error rather than a half-grey photo, and decoder panics are
//!   contained;
//! - how metadata reads ([`meta`]): EXIF is best effort, a broken EXIF block never fails a photo.
//!
//! JPEG — nearly every photo — takes a fast path through `jpeg-decoder`'s DCT-domain scaling,
//! so a 12-megapixel photo is decoded at 1/8 size when that is enough for the output.

mod colour;
mod decode;
mod heif;
mod meta;
pub mod preprocess;
mod quirks;
mod raw;
mod sniff;
#[cfg(test)]
mod testutil;
mod tiff;
mod tiff_ifd;

use std::path::Path;

use ::image::RgbImage;
use ::image::codecs::jpeg::JpegEncoder;
use fast_image_resize::images::{Image as FirImage, ImageRef as FirImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::{ExtractError, Limits};
use decode::Target;
pub use meta::PhotoMeta;
pub use preprocess::{Filter, ImageRules, Resize};
use sniff::Format;

/// Lower-case extensions of camera RAW files, read through `rawler` (see [`raw`]); the content
/// alone cannot tell most of them from a TIFF.
pub const RAW_EXTENSIONS: &[&str] = &[
    "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "orf", "rw2", "raf", "pef",
    "srw", "raw", "rwl", "3fr", "iiq", "x3f", "erf", "mos", "kdc", "dcr", "mrw", // camera RAW
];

/// JPEG quality of cached thumbnails: visually clean at thumbnail size, about 15–25 KB at 320 px.
const THUMBNAIL_QUALITY: u8 = 82;

/// What the library stores about one photo.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The real format, decided from the content: "jpeg", "png", "gif", "webp", "bmp", "tiff",
    /// "heic", "avif", or "raw" (camera RAW, by its extension).
    pub format: &'static str,
    /// Full-size dimensions as displayed, i.e. after EXIF orientation.
    pub width: u32,
    pub height: u32,
    pub meta: PhotoMeta,
    /// JPEG bytes of the oriented thumbnail (long side = [`Limits::thumbnail_size`], never
    /// upscaled, transparency flattened onto white).
    pub thumbnail: Vec<u8>,
    #[cfg_attr(
        not(any(test, feature = "internals")),
        expect(dead_code, reason = "read by the tests")
    )]
    pub thumbnail_width: u32,
    #[cfg_attr(
        not(any(test, feature = "internals")),
        expect(dead_code, reason = "read by the tests")
    )]
    pub thumbnail_height: u32,
    /// The bridge model's input tensor (CHW floats), when extraction was asked for it: made
    /// from the same decode as the thumbnail.
    pub model_input: Option<Vec<f32>>,
}

/// An image decoded for further processing (thumbnails, model input).
#[derive(Debug, Clone)]
pub struct DecodedImage {
    /// Oriented pixels, possibly at reduced size (see [`decode`]).
    pub rgb: RgbImage,
    /// Full-size dimensions as displayed (after orientation), whatever size `rgb` has.
    pub width: u32,
    pub height: u32,
}

/// Extracts one photo. `path` only supplies the extension, which matters solely for camera RAW
/// (mostly TIFF inside, so their content can't tell).
#[cfg(any(test, feature = "internals"))]
pub fn extract(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Photo, ExtractError> {
    extract_for(path, bytes, limits, None)
}

/// [`extract`], also preparing the input of a model with image rules `model`.
pub fn extract_for(
    path: &Path,
    bytes: &[u8],
    limits: &Limits,
    model: Option<&ImageRules>,
) -> Result<Photo, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = sniff::sniff(ext.as_deref(), bytes)?;
    let size = limits.thumbnail_size.max(1);
    let target = match model {
        Some(rules) => Target::Both {
            long: size,
            short: preprocess::min_decode_side(rules),
        },
        None => Target::LongSide(size),
    };
    let mut decoded = decode::decode_pixels(format, bytes, limits, target)?;
    let meta = decoded
        .meta
        .take()
        .unwrap_or_else(|| meta::read(format, bytes));
    let image = decode::orient(decoded.rgb, meta.orientation);
    let (width, height) = displayed_dims(decoded.full_width, decoded.full_height, meta.orientation);
    let thumb = resize_to_fit(&image, (width, height), size);
    let thumbnail = encode_jpeg(&thumb, format)?;
    let model_input = model.map(|rules| preprocess::pixels(&image, rules));
    Ok(Photo {
        format: format.id(),
        width,
        height,
        meta,
        thumbnail_width: thumb.width(),
        thumbnail_height: thumb.height(),
        thumbnail,
        model_input,
    })
}

/// The id of the image format `bytes` hold, by content (what the library stores: "jpeg",
/// "heic", …).
pub fn format_of(bytes: &[u8]) -> Result<&'static str, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    sniff::sniff(None, bytes).map(sniff::Format::id)
}

/// Decodes an image for model input or thumbnails, at reduced size when the format allows:
/// a JPEG is decoded with DCT-domain downscaling at the smallest of 1/8, 1/4, 1/2, 1/1 whose
/// short side is still at least `min_short_side` (or at full size if even that is smaller).
/// Other formats are decoded at full size. Orientation is applied; alpha is flattened onto white.
///
/// The same guards as [`extract`] apply (format by content, pixel and memory limits, truncation,
/// decoder panics).
pub fn decode(
    bytes: &[u8],
    limits: &Limits,
    min_short_side: u32,
) -> Result<DecodedImage, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let format = sniff::sniff(None, bytes)?;
    let mut decoded =
        decode::decode_pixels(format, bytes, limits, Target::ShortSide(min_short_side))?;
    let orientation = decoded
        .meta
        .take()
        .unwrap_or_else(|| meta::read(format, bytes))
        .orientation;
    let (width, height) = displayed_dims(decoded.full_width, decoded.full_height, orientation);
    Ok(DecodedImage {
        rgb: decode::orient(decoded.rgb, orientation),
        width,
        height,
    })
}

/// EXIF orientations 5–8 turn the picture a quarter, so width and height trade places.
fn displayed_dims(width: u32, height: u32, orientation: Option<u16>) -> (u32, u32) {
    match orientation {
        Some(5..=8) => (height, width),
        _ => (width, height),
    }
}

/// Scales `image` to the thumbnail of a `full`-size photo: long side `long_side`, never
/// upscaled. The target comes from the full size because `image` may already be DCT-reduced
/// to some size above it. Lanczos3 keeps fine detail (text, foliage) legible at thumbnail size
/// where bilinear would blur it.
fn resize_to_fit(image: &RgbImage, full: (u32, u32), long_side: u32) -> RgbImage {
    let (fw, fh) = full;
    let long = fw.max(fh).max(1);
    let (tw, th) = if long <= long_side {
        (fw, fh)
    } else {
        let scale = f64::from(long_side) / f64::from(long);
        let side = |n: u32| ((f64::from(n) * scale).round() as u32).clamp(1, long_side);
        (side(fw), side(fh))
    };
    let (w, h) = image.dimensions();
    if (w, h) == (tw, th) || w == 0 || h == 0 {
        return image.clone();
    }
    match lanczos(image, tw, th) {
        Some(thumb) => thumb,
        // Unreachable for a well-formed RgbImage; the image crate's own filter is a safe fallback.
        None => ::image::imageops::resize(image, tw, th, ::image::imageops::FilterType::Lanczos3),
    }
}

fn lanczos(image: &RgbImage, tw: u32, th: u32) -> Option<RgbImage> {
    let (w, h) = image.dimensions();
    let src = FirImageRef::new(w, h, image.as_raw(), PixelType::U8x3).ok()?;
    let mut dst = FirImage::new(tw, th, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut dst, &options).ok()?;
    RgbImage::from_raw(tw, th, dst.into_vec())
}

fn encode_jpeg(image: &RgbImage, format: Format) -> Result<Vec<u8>, ExtractError> {
    let mut out = Vec::with_capacity(32 * 1024);
    JpegEncoder::new_with_quality(&mut out, THUMBNAIL_QUALITY)
        .encode_image(image)
        .map_err(|e| ExtractError::Corrupt {
            format: format.name(),
            detail: format!("could not make a thumbnail: {e}"),
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn png_named_jpg_is_indexed_as_png() {
        let png = encode_png(&gradient(64, 48));
        let photo = extract(Path::new("holiday.jpg"), &png, &limits()).expect("indexes");
        assert_eq!(photo.format, "png");
        assert_eq!((photo.width, photo.height), (64, 48));
    }

    #[test]
    fn every_decodable_format_is_recognised_by_content() {
        let img = gradient(40, 30);
        for (bytes, format) in [
            (encode_jpeg_q(&img, 90), "jpeg"),
            (encode_png(&img), "png"),
            (encode_with(&img, ::image::ImageFormat::Gif), "gif"),
            (encode_with(&img, ::image::ImageFormat::WebP), "webp"),
            (encode_with(&img, ::image::ImageFormat::Bmp), "bmp"),
            (encode_with(&img, ::image::ImageFormat::Tiff), "tiff"),
        ] {
            let photo = extract(Path::new("x.bin.jpg"), &bytes, &limits())
                .unwrap_or_else(|e| panic!("{format}: {e}"));
            assert_eq!(photo.format, format);
            assert_eq!((photo.width, photo.height), (40, 30), "{format}");
        }
    }

    #[test]
    fn thumbnail_long_side_is_the_limit() {
        let jpeg = encode_jpeg_q(&gradient(1200, 800), 90);
        let photo = extract(Path::new("a.jpg"), &jpeg, &limits()).expect("indexes");
        assert_eq!((photo.width, photo.height), (1200, 800));
        assert_eq!((photo.thumbnail_width, photo.thumbnail_height), (320, 213));
        let thumb = ::image::load_from_memory(&photo.thumbnail).expect("thumbnail is a JPEG");
        assert_eq!(
            ::image::guess_format(&photo.thumbnail).ok(),
            Some(::image::ImageFormat::Jpeg)
        );
        assert_eq!((thumb.width(), thumb.height()), (320, 213));

        // Portrait, and a custom limit.
        let jpeg = encode_jpeg_q(&gradient(300, 900), 90);
        let small = Limits {
            thumbnail_size: 100,
            ..limits()
        };
        let photo = extract(Path::new("a.jpg"), &jpeg, &small).expect("indexes");
        assert_eq!((photo.thumbnail_width, photo.thumbnail_height), (33, 100));
    }

    #[test]
    fn thumbnail_never_upscales() {
        let png = encode_png(&gradient(50, 20));
        let photo = extract(Path::new("a.png"), &png, &limits()).expect("indexes");
        assert_eq!((photo.thumbnail_width, photo.thumbnail_height), (50, 20));
    }

    #[test]
    fn thumbnail_keeps_colours() {
        // A large JPEG goes through DCT scaling and Lanczos; the quadrant colours must survive.
        let jpeg = encode_jpeg_q(&quadrants(1600, 1200), 90);
        let photo = extract(Path::new("q.jpg"), &jpeg, &limits()).expect("indexes");
        let thumb = thumbnail_of(&photo);
        assert_quadrants(&thumb);
    }

    #[test]
    fn transparency_is_flattened_onto_white() {
        let mut rgba = ::image::RgbaImage::from_pixel(40, 40, ::image::Rgba([0, 0, 0, 0]));
        for y in 0..40 {
            for x in 0..20 {
                rgba.put_pixel(x, y, ::image::Rgba([255, 0, 0, 255]));
            }
        }
        let png = encode_dynamic(
            &::image::DynamicImage::ImageRgba8(rgba),
            ::image::ImageFormat::Png,
        );
        let photo = extract(Path::new("logo.png"), &png, &limits()).expect("indexes");
        let thumb = thumbnail_of(&photo);
        assert_close(thumb.get_pixel(5, 20).0, RED);
        assert_close(thumb.get_pixel(35, 20).0, WHITE);
    }

    #[test]
    fn gif_thumbnail_is_the_first_frame() {
        let gif = animated_gif(&[RED, BLUE], 30, 20);
        let photo = extract(Path::new("anim.gif"), &gif, &limits()).expect("indexes");
        assert_eq!(photo.format, "gif");
        assert_eq!((photo.width, photo.height), (30, 20));
        let thumb = thumbnail_of(&photo);
        assert_close(thumb.get_pixel(15, 10).0, RED);
    }

    #[test]
    fn multipage_tiff_thumbnail_is_the_first_page() {
        let tiff = two_page_tiff((24, 16, RED), (8, 8, BLUE));
        let photo = extract(Path::new("scan.tif"), &tiff, &limits()).expect("indexes");
        assert_eq!(photo.format, "tiff");
        assert_eq!((photo.width, photo.height), (24, 16));
        let thumb = thumbnail_of(&photo);
        assert_close(thumb.get_pixel(12, 8).0, RED);
    }

    #[test]
    fn exif_fields_orientation_and_rotated_thumbnail() {
        // 80×60 landscape with a red top-left corner, stored sideways: Orientation=6 means
        // "rotate 90° clockwise to display", so the red corner must end up top-right.
        let jpeg = with_exif(&encode_jpeg_q(&corner_marked(80, 60), 95), &full_exif(6));
        let photo = extract(Path::new("IMG_0001.JPG"), &jpeg, &limits()).expect("indexes");
        assert_eq!(photo.format, "jpeg");
        assert_eq!((photo.width, photo.height), (60, 80));
        assert_eq!((photo.thumbnail_width, photo.thumbnail_height), (60, 80));

        let m = &photo.meta;
        assert_eq!(m.taken_at.as_deref(), Some("2019-07-12T14:03:22+02:00"));
        assert_eq!(m.make.as_deref(), Some("Canon"));
        assert_eq!(m.model.as_deref(), Some("Canon EOS 5D"));
        assert_eq!(m.lens.as_deref(), Some("EF24-105mm f/4L IS USM"));
        assert_eq!(m.orientation, Some(6));
        let (lat, lon) = (m.latitude.expect("lat"), m.longitude.expect("lon"));
        assert!((lat - -33.8568).abs() < 1e-4, "{lat}");
        assert!((lon - 151.215_3).abs() < 1e-4, "{lon}");
        assert_eq!(m.camera().as_deref(), Some("Canon EOS 5D"));
        let text = m.text();
        assert!(text.contains("Canon EOS 5D"), "{text}");
        assert!(!text.contains("Canon Canon"), "{text}");
        assert!(text.contains("EF24-105mm"), "{text}");
        assert!(
            text.contains("2019-07-12") && text.contains("July 2019"),
            "{text}"
        );

        let thumb = thumbnail_of(&photo);
        let (w, h) = thumb.dimensions();
        assert_close(thumb.get_pixel(w - 4, 4).0, RED);
        assert_close(thumb.get_pixel(3, 3).0, GREY);
        assert_close(thumb.get_pixel(w - 4, h - 4).0, GREY);
    }

    #[test]
    fn every_orientation_matches_the_reference_transform() {
        let src = corner_marked(40, 30);
        for orientation in 1..=8u16 {
            let jpeg = with_exif(&encode_jpeg_q(&src, 95), &orientation_only(orientation));
            let photo = extract(Path::new("o.jpg"), &jpeg, &limits()).expect("indexes");
            let mut expected = ::image::DynamicImage::ImageRgb8(src.clone());
            let o = ::image::metadata::Orientation::from_exif(orientation as u8).expect("valid");
            expected.apply_orientation(o);
            assert_eq!(
                (photo.width, photo.height),
                (expected.width(), expected.height()),
                "orientation {orientation}"
            );
            let thumb = thumbnail_of(&photo);
            let expected = expected.to_rgb8();
            let red_at = |img: &RgbImage| {
                let (w, h) = img.dimensions();
                [(2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3)]
                    .into_iter()
                    .position(|(x, y)| {
                        img.get_pixel(x, y).0[0] > 200 && img.get_pixel(x, y).0[1] < 80
                    })
            };
            assert_eq!(
                red_at(&thumb),
                red_at(&expected),
                "orientation {orientation}"
            );
        }
    }

    #[test]
    fn decode_uses_dct_scaling_for_jpeg() {
        let jpeg = encode_jpeg_q(&quadrants(2000, 1600), 90);
        // 1/8 would give a 200 px short side, below 224; 1/4 gives 400.
        let d = decode(&jpeg, &limits(), 224).expect("decodes");
        assert_eq!((d.width, d.height), (2000, 1600));
        assert_eq!(d.rgb.dimensions(), (500, 400));
        let d = decode(&jpeg, &limits(), 100).expect("decodes");
        assert_eq!(d.rgb.dimensions(), (250, 200));
        let d = decode(&jpeg, &limits(), 1600).expect("decodes");
        assert_eq!(d.rgb.dimensions(), (2000, 1600));
        // More than the image has: full size, never an error.
        let d = decode(&jpeg, &limits(), 5000).expect("decodes");
        assert_eq!(d.rgb.dimensions(), (2000, 1600));
        assert_close(d.rgb.get_pixel(10, 10).0, RED);
    }

    #[test]
    fn decode_applies_orientation() {
        let jpeg = with_exif(
            &encode_jpeg_q(&corner_marked(1600, 1200), 90),
            &orientation_only(6),
        );
        let d = decode(&jpeg, &limits(), 150).expect("decodes");
        assert_eq!((d.width, d.height), (1200, 1600));
        assert_eq!(d.rgb.dimensions(), (150, 200));
        assert_close(d.rgb.get_pixel(148, 1).0, RED);
    }

    #[test]
    fn decode_other_formats_at_full_size() {
        let png = encode_png(&quadrants(300, 200));
        let d = decode(&png, &limits(), 50).expect("decodes");
        assert_eq!(d.rgb.dimensions(), (300, 200));
        assert_eq!((d.width, d.height), (300, 200));
    }

    #[test]
    fn never_panics_on_random_or_damaged_input() {
        use rand::SeedableRng;
        let img = noisy(64, 48);
        let valid = vec![
            encode_jpeg_q(&img, 85),
            with_exif(&encode_jpeg_q(&img, 85), &full_exif(6)),
            encode_png(&img),
            png_with_exif(&encode_png(&img), &full_exif(3)),
            encode_with(&img, ::image::ImageFormat::Gif),
            encode_with(&img, ::image::ImageFormat::WebP),
            encode_with(&img, ::image::ImageFormat::Bmp),
            encode_with(&img, ::image::ImageFormat::Tiff),
            two_page_tiff((9, 7, RED), (3, 3, BLUE)),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x7207e);
        let small = Limits {
            max_image_pixels: 4_000_000,
            max_decode_bytes: 64 * 1024 * 1024,
            ..limits()
        };
        for bytes in mangled_inputs(&mut rng, &valid) {
            for name in ["a.jpg", "a.png", "a.heic", "a.tif"] {
                let _ = extract(Path::new(name), &bytes, &small);
            }
            let _ = decode(&bytes, &small, 224);
        }
    }

    #[test]
    fn every_truncation_of_a_jpeg_fails() {
        let jpeg = with_exif(&encode_jpeg_q(&noisy(96, 64), 90), &full_exif(1));
        for cut in (1..jpeg.len()).step_by(7).chain([jpeg.len() - 1]) {
            let r = extract(Path::new("cut.jpg"), &jpeg[..cut], &limits());
            assert!(
                r.is_err(),
                "a JPEG cut at {cut} of {} was accepted",
                jpeg.len()
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..3000)) {
            let _ = extract(Path::new("x.jpg"), &bytes, &limits());
            let _ = decode(&bytes, &limits(), 224);
        }

        #[test]
        fn arbitrary_bytes_after_a_magic_never_panic(
            magic in proptest::sample::select(vec![
                &b"\xFF\xD8\xFF\xE0"[..], &b"\x89PNG\r\n\x1a\n"[..], &b"GIF89a"[..],
                &b"RIFF\0\0\0\0WEBPVP8 "[..], &b"BM"[..], &b"II*\0"[..], &b"MM\0*"[..],
            ]),
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
        ) {
            let bytes = [magic, &tail].concat();
            let _ = extract(Path::new("x.jpg"), &bytes, &limits());
        }
    }

    /// Not a test of behaviour: prints how long extraction of a typical camera JPEG takes.
    /// `cargo test -p trove-core --lib extract::image::tests::timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn timing_12_megapixel_jpeg() {
        use std::time::Instant;
        for amplitude in [24, 6] {
            let jpeg = encode_jpeg_q(&noisy_with(4000, 3000, amplitude), 90);
            println!(
                "4000×3000 q90 JPEG, noise ±{amplitude}: {} KB",
                jpeg.len() / 1024
            );
            let runs = 5;
            let time = |label: &str, f: &dyn Fn()| {
                f();
                let t = Instant::now();
                for _ in 0..runs {
                    f();
                }
                let ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
                println!("  {label}: {ms:.1} ms");
            };
            time("extract() with 320 px thumbnail", &|| {
                extract(Path::new("a.jpg"), &jpeg, &limits()).expect("indexes");
            });
            time("decode(.., 224)", &|| {
                decode(&jpeg, &limits(), 224).expect("decodes");
            });
            time("decode(.., full size)", &|| {
                decode(&jpeg, &limits(), u32::MAX).expect("decodes");
            });
            time("image::load_from_memory (zune-jpeg, full size)", &|| {
                ::image::load_from_memory(&jpeg).expect("decodes");
            });
        }
    }
}
