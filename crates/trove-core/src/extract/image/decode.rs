//! Pixel decoding with the guards hostile files need: header-first size checks, capped decoder
//! memory, truncation as an error, and contained decoder panics.
//!
//! JPEG goes through `jpeg-decoder` rather than the `image` crate's decoder (zune-jpeg) for two
//! reasons: DCT-domain downscaling (at 1/8 the IDCT, colour conversion and pixel memory shrink
//! 64-fold; only entropy decoding still covers the whole file), and honesty about truncation —
//! zune-jpeg pads a cut-off file with grey and reports success, while `jpeg-decoder` fails
//! with an end-of-file error (see `truncated_jpeg_is_corrupt_not_grey`).

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ::image::error::{ImageError, LimitErrorKind, UnsupportedErrorKind};
use ::image::metadata::Orientation;
use ::image::{DynamicImage, ImageReader, RgbImage};
use jpeg_decoder::PixelFormat;

use super::sniff::{Format, looks_like_text, mislabelled};
use crate::extract::{ExtractError, Limits};

/// How large the decoded pixels must at least be; decoders that can scale while decoding pick
/// the smallest size that still satisfies it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    ShortSide(u32),
    LongSide(u32),
    /// Both sides at least: the long one `long`, the short one `short` (a thumbnail and a model
    /// input from one decode).
    Both {
        long: u32,
        short: u32,
    },
}

/// Pixels as stored in the file (orientation not yet applied), possibly reduced in size.
#[derive(Debug)]
pub(super) struct Decoded {
    pub rgb: RgbImage,
    /// Full-size stored dimensions.
    pub full_width: u32,
    pub full_height: u32,
    /// The metadata, where the decoder is what reads it (camera RAW: rawler parses the file
    /// once for both); `None` where [`super::meta::read`] does.
    pub meta: Option<super::meta::PhotoMeta>,
}

pub(super) const TRUNCATED: &str = "the file is truncated (it ends before the image data does)";
const DECODER_PANIC: &str = "the decoder failed on this file";

pub(super) fn decode_pixels(
    format: Format,
    bytes: &[u8],
    limits: &Limits,
    target: Target,
) -> Result<Decoded, ExtractError> {
    guard(format, || match (format, format.image_format()) {
        (Format::Jpeg, _) => decode_jpeg(bytes, limits, target),
        (Format::Heic | Format::Avif, _) => super::heif::decode(format, bytes, limits),
        (Format::Raw, _) => super::raw::decode(bytes, limits, target),
        (Format::Tiff, _) => super::tiff::decode(bytes, limits, target),
        (_, Some(image_format)) => decode_other(format, image_format, bytes, limits),
        (_, None) => Err(ExtractError::Unsupported {
            format: format.name(),
            hint: None,
        }),
    })
}

/// Runs a decoder so that a panic inside it (a bug triggered by a hostile file) fails this file
/// instead of taking down an indexing worker.
pub(super) fn guard<T>(
    format: Format,
    f: impl FnOnce() -> Result<T, ExtractError>,
) -> Result<T, ExtractError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::warn!(format = format.name(), "image decoder panicked");
        Err(corrupt(format, DECODER_PANIC))
    })
}

/// Applies an EXIF orientation (1–8) so the pixels are as the photographer saw them.
pub(super) fn orient(rgb: RgbImage, orientation: Option<u16>) -> RgbImage {
    let Some(o) = orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
        .filter(|&o| o != Orientation::NoTransforms)
    else {
        return rgb;
    };
    let mut image = DynamicImage::ImageRgb8(rgb);
    image.apply_orientation(o);
    image.into_rgb8()
}

pub(super) fn decode_jpeg(
    bytes: &[u8],
    limits: &Limits,
    target: Target,
) -> Result<Decoded, ExtractError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(
        usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX),
    );
    decoder.read_info().map_err(|e| jpeg_error(e, bytes))?;
    let info = decoder
        .info()
        .ok_or_else(|| corrupt(Format::Jpeg, "no frame header"))?;
    let (w, h) = (info.width, info.height);
    check_pixels(Format::Jpeg, u32::from(w), u32::from(h), limits)?;

    // `scale` picks the smallest 1/8..1/1 for which *either* requested side is reached, so the
    // side that matters is requested and the other is made unreachable.
    let wanted = |n: u32| u16::try_from(n).unwrap_or(u16::MAX);
    let (req_w, req_h) = match target {
        Target::ShortSide(n) if w <= h => (wanted(n), u16::MAX),
        Target::ShortSide(n) => (u16::MAX, wanted(n)),
        Target::LongSide(n) if w >= h => (wanted(n), u16::MAX),
        Target::LongSide(n) => (u16::MAX, wanted(n)),
        Target::Both { long, short } => {
            // The long side the short-side requirement implies, then whichever is larger.
            let (lo, sh) = (u64::from(w.max(h)), u64::from(w.min(h).max(1)));
            let implied = (u64::from(short) * lo).div_ceil(sh);
            let need = wanted(implied.max(u64::from(long)).min(u64::from(u32::MAX)) as u32);
            if w >= h {
                (need, u16::MAX)
            } else {
                (u16::MAX, need)
            }
        }
    };
    decoder
        .scale(req_w, req_h)
        .map_err(|e| jpeg_error(e, bytes))?;
    let pixels = match decoder.decode() {
        Ok(pixels) => pixels,
        // A restart marker lost or out of place: jpeg-decoder gives up on the whole file;
        // zune-jpeg reads on, what follows the damage grey (libjpeg would resynchronise at the
        // next marker). What was decoded before the damage is still the photo.
        Err(jpeg_decoder::Error::Format(msg)) if msg.contains("RST") => {
            tracing::debug!(%msg, "JPEG restart markers out of step; decoding with zune-jpeg");
            return decode_other(Format::Jpeg, ::image::ImageFormat::Jpeg, bytes, limits);
        }
        Err(e) => return Err(jpeg_error(e, bytes)),
    };
    let info = decoder
        .info()
        .ok_or_else(|| corrupt(Format::Jpeg, "no frame header"))?;
    let (ow, oh) = (u32::from(info.width), u32::from(info.height));
    let rgb = match info.pixel_format {
        PixelFormat::RGB24 => RgbImage::from_raw(ow, oh, pixels),
        PixelFormat::L8 => {
            RgbImage::from_raw(ow, oh, pixels.iter().flat_map(|&l| [l; 3]).collect())
        }
        // Lossless JPEG only; 16-bit samples are big-endian.
        PixelFormat::L16 => RgbImage::from_raw(
            ow,
            oh,
            pixels.chunks_exact(2).flat_map(|p| [p[0]; 3]).collect(),
        ),
        // jpeg-decoder has already undone Adobe's inversion: 0 means no ink.
        PixelFormat::CMYK32 => RgbImage::from_raw(
            ow,
            oh,
            pixels
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u32::from(p[3]);
                    let ink = |c: u8| ((255 - u32::from(c)) * k / 255) as u8;
                    [ink(p[0]), ink(p[1]), ink(p[2])]
                })
                .collect(),
        ),
    }
    .ok_or_else(|| {
        corrupt(
            Format::Jpeg,
            "the decoder returned fewer pixels than the header declares",
        )
    })?;
    // iPhones' JPEGs ("Most Compatible") are Display P3, as their HEICs are. (A CMYK or grey
    // profile describes other pixels than these; `to_srgb` leaves them alone.)
    let mut rgb = rgb;
    if info.pixel_format == PixelFormat::RGB24
        && let Some(icc) = decoder.icc_profile()
    {
        super::colour::to_srgb(&mut rgb, &super::colour::Encoding::Icc(icc));
    }
    Ok(Decoded {
        rgb,
        full_width: u32::from(w),
        full_height: u32::from(h),
        meta: None,
    })
}

fn decode_other(
    format: Format,
    image_format: ::image::ImageFormat,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Decoded, ExtractError> {
    let rewritten = match format {
        Format::Bmp => super::quirks::bmp(bytes),
        Format::Gif => super::quirks::gif(bytes),
        _ => None,
    };
    let bytes = rewritten.as_ref().map_or(bytes, |r| &r.bytes[..]);
    let (w, h) = match png_ihdr_dims(format, bytes) {
        Some(dims) => dims,
        None => {
            // Without allocation limits: the `image` crate may check `max_alloc` while opening
            // the decoder, and its error would hide the clearer megapixel message below.
            let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
            reader.no_limits();
            reader
                .into_dimensions()
                .map_err(|e| header_error(format, e, bytes))?
        }
    };
    check_pixels(format, w, h, limits)?;

    let mut image_limits = ::image::Limits::default();
    image_limits.max_alloc = Some(limits.max_decode_bytes);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(image_limits);
    // `decode` reserves the decoder's output against `max_alloc` before decoding. GIF yields
    // its first frame and TIFF its first page through this path.
    let image = reader
        .decode()
        .map_err(|e| image_error(format, e, limits))?;
    let mut rgb = flatten_onto_white(image);
    if rewritten.is_some_and(|r| r.flipped) {
        ::image::imageops::flip_vertical_in_place(&mut rgb);
    }
    Ok(Decoded {
        rgb,
        full_width: w,
        full_height: h,
        meta: None,
    })
}

/// PNG dimensions straight from IHDR, which the format fixes as the first chunk. The png crate
/// only reports them after reading up to the first IDAT, so a bomb without image data (or
/// with its IDAT far away) would otherwise surface as a different error.
fn png_ihdr_dims(format: Format, bytes: &[u8]) -> Option<(u32, u32)> {
    if format != Format::Png || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
    };
    Some((be(16..20)?, be(20..24)?))
}

/// Transparent areas become white, as a viewer shows them on a light page; dropping alpha
/// instead would expose whatever colour the encoder left under it (often black).
pub(super) fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(px[3]);
        for c in 0..3 {
            out[c] = ((u32::from(px[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    rgb
}

pub(super) fn check_pixels(
    format: Format,
    w: u32,
    h: u32,
    limits: &Limits,
) -> Result<(), ExtractError> {
    if w == 0 || h == 0 {
        return Err(corrupt(
            format,
            format!("the header declares an empty {w}×{h} image"),
        ));
    }
    let pixels = u64::from(w) * u64::from(h);
    if pixels > limits.max_image_pixels {
        return Err(ExtractError::TooLarge(format!(
            "{w}×{h} pixels ({} megapixels); the limit is {} megapixels",
            megapixels(pixels),
            megapixels(limits.max_image_pixels)
        )));
    }
    Ok(())
}

fn megapixels(pixels: u64) -> String {
    let mp = pixels as f64 / 1e6;
    if mp >= 100.0 || mp.fract() == 0.0 {
        format!("{mp:.0}")
    } else {
        format!("{mp:.1}")
    }
}

pub(super) fn corrupt(format: Format, detail: impl Into<String>) -> ExtractError {
    ExtractError::Corrupt {
        format: format.name(),
        detail: detail.into(),
    }
}

fn is_truncation(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::UnexpectedEof
}

fn jpeg_error(e: jpeg_decoder::Error, bytes: &[u8]) -> ExtractError {
    use jpeg_decoder::{Error, UnsupportedFeature};
    match e {
        Error::Io(e) if is_truncation(&e) => corrupt(Format::Jpeg, TRUNCATED),
        Error::Io(e) => corrupt(Format::Jpeg, e.to_string()),
        Error::Format(msg) if msg.contains("exceeds maximum allowed size") => {
            ExtractError::TooLarge("decoding it needs more memory than the decoder limit".into())
        }
        Error::Format(msg) if msg.contains("SOI") && looks_like_text(bytes) => mislabelled(bytes),
        Error::Format(msg) => corrupt(Format::Jpeg, format!("invalid data: {msg}")),
        Error::Unsupported(feature) => ExtractError::Unsupported {
            format: match feature {
                UnsupportedFeature::ArithmeticEntropyCoding => "Arithmetic-coded JPEG",
                UnsupportedFeature::Hierarchical => "Hierarchical JPEG",
                UnsupportedFeature::SamplePrecision(_) => "12-bit JPEG",
                _ => "This kind of JPEG",
            },
            hint: Some("convert to a standard JPEG or PNG first"),
        },
        Error::Internal(e) => corrupt(Format::Jpeg, e.to_string()),
    }
}

/// Errors while reading only the header: if the content is not even the claimed format's
/// header and reads as text (a note that happens to start with "BM"), say so.
fn header_error(format: Format, e: ImageError, bytes: &[u8]) -> ExtractError {
    if !matches!(e, ImageError::Limits(_)) && looks_like_text(bytes) {
        return mislabelled(bytes);
    }
    image_error(format, e, &Limits::default())
}

fn image_error(format: Format, e: ImageError, limits: &Limits) -> ExtractError {
    match e {
        ImageError::IoError(e) if is_truncation(&e) => corrupt(format, TRUNCATED),
        ImageError::IoError(e) => corrupt(format, e.to_string()),
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::InsufficientMemory => ExtractError::TooLarge(format!(
                "decoding it needs more than the {} MB memory limit",
                limits.max_decode_bytes / (1024 * 1024)
            )),
            _ => ExtractError::TooLarge(l.to_string()),
        },
        ImageError::Unsupported(u) => ExtractError::UnsupportedFeature {
            format: format.name(),
            feature: match u.kind() {
                UnsupportedErrorKind::Color(colour) | UnsupportedErrorKind::ColorLayout(colour) => {
                    format!("colour type {colour:?}")
                }
                UnsupportedErrorKind::GenericFeature(feature) => feature,
                _ => u.to_string(),
            },
        },
        ImageError::Decoding(d) => {
            let detail = d.to_string();
            let lower = detail.to_ascii_lowercase();
            if lower.contains("eof")
                || lower.contains("end of file")
                || lower.contains("unexpected end")
            {
                corrupt(format, TRUNCATED)
            } else {
                corrupt(format, format!("invalid data: {detail}"))
            }
        }
        other => corrupt(format, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::image::testutil::*;

    fn decode(format: Format, bytes: &[u8]) -> Result<Decoded, ExtractError> {
        decode_pixels(format, bytes, &Limits::default(), Target::LongSide(320))
    }

    fn corrupt_detail(r: Result<Decoded, ExtractError>) -> (&'static str, String) {
        match r {
            Err(ExtractError::Corrupt { format, detail }) => (format, detail),
            other => panic!(
                "expected Corrupt, got {:?}",
                other.map(|d| d.rgb.dimensions())
            ),
        }
    }

    #[test]
    fn png_bomb_is_refused_from_the_header() {
        let bomb = png_header_only(50_000, 50_000);
        assert!(bomb.len() < 100);
        let err = decode(Format::Png, &bomb).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "too large: 50000×50000 pixels (2500 megapixels); the limit is 120 megapixels"
        );
        let err = crate::extract::image::extract(
            std::path::Path::new("bomb.png"),
            &bomb,
            &Limits::default(),
        )
        .expect_err("refused");
        assert!(matches!(err, ExtractError::TooLarge(_)), "{err:?}");
    }

    #[test]
    fn jpeg_bomb_is_refused_from_the_header() {
        let jpeg = set_jpeg_dims(&encode_jpeg_q(&gradient(16, 16), 80), 60_000, 40_000);
        let err = decode(Format::Jpeg, &jpeg).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "too large: 60000×40000 pixels (2400 megapixels); the limit is 120 megapixels"
        );
    }

    #[test]
    fn pixel_limit_is_configurable() {
        let png = encode_png(&gradient(300, 200));
        let limits = Limits {
            max_image_pixels: 50_000,
            ..Limits::default()
        };
        let err =
            decode_pixels(Format::Png, &png, &limits, Target::LongSide(320)).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "too large: 300×200 pixels (0.1 megapixels); the limit is 0.1 megapixels"
        );
    }

    #[test]
    fn memory_limit_stops_the_decoder() {
        let png = encode_png(&gradient(300, 200));
        let limits = Limits {
            max_decode_bytes: 10_000,
            ..Limits::default()
        };
        let err = decode_pixels(Format::Png, &png, &limits, Target::LongSide(320));
        assert!(matches!(err, Err(ExtractError::TooLarge(_))), "{err:?}");
        let jpeg = encode_jpeg_q(&gradient(300, 200), 80);
        let err = decode_pixels(Format::Jpeg, &jpeg, &limits, Target::LongSide(1000));
        assert!(matches!(err, Err(ExtractError::TooLarge(_))), "{err:?}");
    }

    #[test]
    fn truncated_jpeg_is_corrupt_not_grey() {
        let jpeg = encode_jpeg_q(&noisy(256, 192), 90);
        for cut in [
            jpeg.len() / 2,
            jpeg.len() * 9 / 10,
            jpeg.len() - 2,
            jpeg.len() - 1,
        ] {
            let (format, detail) = corrupt_detail(decode(Format::Jpeg, &jpeg[..cut]));
            assert_eq!(format, "JPEG");
            assert_eq!(detail, TRUNCATED, "cut at {cut} of {}", jpeg.len());
        }
    }

    #[test]
    fn truncated_png_is_corrupt() {
        let png = encode_png(&noisy(128, 96));
        for cut in [png.len() / 2, png.len() - 12, 40] {
            let (format, detail) = corrupt_detail(decode(Format::Png, &png[..cut]));
            assert_eq!(format, "PNG");
            assert!(!detail.is_empty());
        }
    }

    #[test]
    fn truncated_other_formats_are_corrupt() {
        let img = noisy(64, 48);
        for format in [Format::Gif, Format::WebP, Format::Bmp, Format::Tiff] {
            let bytes = encode_with(&img, format.image_format().unwrap());
            let r = decode(format, &bytes[..bytes.len() / 2]);
            let (name, _) = corrupt_detail(r);
            assert_eq!(name, format.name());
        }
    }

    #[test]
    fn garbage_after_a_valid_magic_is_corrupt() {
        let garbage: Vec<u8> = (0..4000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for (magic, format) in [
            (&b"\xFF\xD8\xFF"[..], Format::Jpeg),
            (&b"\x89PNG\r\n\x1a\n"[..], Format::Png),
            (&b"GIF89a"[..], Format::Gif),
            (&b"II*\0"[..], Format::Tiff),
            (&b"BM"[..], Format::Bmp),
        ] {
            let bytes = [magic, &garbage].concat();
            match decode(format, &bytes) {
                Err(ExtractError::Corrupt { format: f, .. }) => assert_eq!(f, format.name()),
                // A random header may declare a huge image or an exotic variant; refusing it
                // that way is just as good.
                Err(
                    ExtractError::TooLarge(_)
                    | ExtractError::Unsupported { .. }
                    | ExtractError::UnsupportedFeature { .. },
                ) => {}
                other => panic!("{format:?}: {:?}", other.map(|d| d.rgb.dimensions())),
            }
        }
    }

    /// A little-endian TIFF of one pixel whose strip uses `compression` (TIFF tag 259).
    fn tiff_compressed_with(compression: u16) -> Vec<u8> {
        let entries: [(u16, u16, u32); 8] = [
            (256, 3, 1), // ImageWidth
            (257, 3, 1), // ImageLength
            (258, 3, 8), // BitsPerSample
            (259, 3, u32::from(compression)),
            (262, 3, 1),                  // PhotometricInterpretation: black is zero
            (273, 4, 8 + 2 + 8 * 12 + 4), // StripOffsets: right after the IFD
            (278, 3, 1),                  // RowsPerStrip
            (279, 4, 1),                  // StripByteCounts
        ];
        let mut out = b"II*\0".to_vec();
        out.extend_from_slice(&8u32.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        out.push(0x80); // the pixel
        out
    }

    #[test]
    fn an_unusual_variant_names_its_feature_and_is_not_called_corrupt() {
        // The control: the same file uncompressed decodes.
        assert!(decode(Format::Tiff, &tiff_compressed_with(1)).is_ok());
        // ThunderScan 4-bit RLE, which the TIFF decoder does not implement.
        let err = decode(Format::Tiff, &tiff_compressed_with(32809)).expect_err("unsupported");
        match &err {
            ExtractError::UnsupportedFeature { format, feature } => {
                assert_eq!(*format, "TIFF");
                assert!(feature.to_lowercase().contains("compression"), "{feature}");
            }
            other => panic!("expected UnsupportedFeature, got {other:?}"),
        }
        let reason = err.to_string();
        assert!(
            reason.starts_with("TIFF with a feature Trove cannot read yet: "),
            "{reason}"
        );
        assert!(!reason.contains("corrupt"), "{reason}");
    }

    #[test]
    fn text_starting_like_a_bmp_is_mislabelled() {
        let err =
            decode(Format::Bmp, b"BMW service notes: oil change at 60000 km").expect_err("text");
        assert!(matches!(err, ExtractError::Mislabelled { .. }), "{err:?}");
    }

    #[test]
    fn a_panicking_decoder_fails_the_file() {
        let r: Result<(), _> = guard(Format::Png, || panic!("decoder bug"));
        let Err(ExtractError::Corrupt { format, detail }) = r else {
            panic!("expected Corrupt, got {r:?}");
        };
        assert_eq!((format, detail.as_str()), ("PNG", DECODER_PANIC));
    }

    #[test]
    fn greyscale_jpeg_decodes_to_rgb() {
        let grey = encode_dynamic(
            &DynamicImage::ImageLuma8(::image::GrayImage::from_pixel(16, 8, ::image::Luma([200]))),
            ::image::ImageFormat::Jpeg,
        );
        let d = decode(Format::Jpeg, &grey).expect("decodes");
        assert_close(d.rgb.get_pixel(3, 3).0, [200, 200, 200]);
    }

    #[test]
    fn megapixels_are_written_for_people() {
        assert_eq!(megapixels(2_500_000_000), "2500");
        assert_eq!(megapixels(120_000_000), "120");
        assert_eq!(megapixels(12_192_768), "12.2");
        assert_eq!(megapixels(2_000_000), "2");
    }
}
