//! HEIF (HEIC, the iPhone's format since 2017) and AVIF, through the system's libheif.
//!
//! libheif parses the container and hands back the *primary* image assembled (grid tiles,
//! overlays) and already turned by the container's transforms (`irot`, `imir`, `clap`): so a
//! HEIF's EXIF Orientation, which phones still write, must not be applied again (see
//! [`super::meta`]). Burst and multi-image files index their primary image; a Samsung motion
//! photo's appended video is outside the image items and is not read. The container is parsed
//! before any pixel is decoded, so the size checks run on the declared dimensions first.

use std::sync::LazyLock;

use ::image::{DynamicImage, RgbImage, RgbaImage};
use libheif_rs::{
    ColorPrimaries, ColorSpace, HeifContext, HeifError, HeifErrorCode, HeifErrorSubCode,
    ImageHandle, LibHeif, RgbChroma, TransferCharacteristics,
};

use super::colour::{self, Encoding};
use super::decode::{Decoded, TRUNCATED, check_pixels, corrupt, flatten_onto_white};
use super::sniff::Format;
use crate::extract::{ExtractError, Limits};

/// libheif's global state (codec plugins), initialised once for the process.
static LIBHEIF: LazyLock<LibHeif> = LazyLock::new(LibHeif::new);

/// Decodes the primary image of a HEIF or AVIF file to 8-bit sRGB at full size.
pub(super) fn decode(
    format: Format,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Decoded, ExtractError> {
    let context = HeifContext::read_from_bytes(still(bytes)).map_err(|e| error(format, e))?;
    let handle = context
        .primary_image_handle()
        .map_err(|e| error(format, e))?;
    let (w, h) = (handle.width(), handle.height());
    check_pixels(format, w, h, limits)?;
    let deep = handle.luma_bits_per_pixel() > 8;
    let alpha = handle.has_alpha_channel();
    check_memory(w, h, deep, alpha, limits)?;

    let chroma = match (deep, alpha) {
        (false, false) => RgbChroma::Rgb,
        (false, true) => RgbChroma::Rgba,
        (true, false) => RgbChroma::HdrRgbLe,
        (true, true) => RgbChroma::HdrRgbaLe,
    };
    // (libheif-rs 0.20 frees decoding options before using them: pass none, the defaults are
    // what Trove wants anyway: transforms applied, full bit depth.)
    let image = LIBHEIF
        .decode(&handle, ColorSpace::Rgb(chroma), None)
        .map_err(|e| error(format, e))?;
    let encoding = encoding_of(&handle, &image);
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| corrupt(format, "libheif returned no RGB pixels"))?;
    let (pw, ph) = (plane.width, plane.height);
    let channels = if alpha { 4 } else { 3 };
    let rows = Rows {
        data: plane.data,
        stride: plane.stride,
        row_bytes: pw as usize * channels * if deep { 2 } else { 1 },
        height: ph as usize,
    };
    let short = || corrupt(format, "libheif returned fewer pixels than it declared");
    let mut rgb = if deep {
        let max = ((1u32 << plane.bits_per_pixel.clamp(9, 16)) - 1) as u16;
        let samples = flatten_deep(rows.samples16().ok_or_else(short)?, channels, max);
        if encoding.is_hdr() {
            RgbImage::from_raw(pw, ph, colour::tone_map(&samples, max, &encoding))
        } else {
            let bytes = samples.iter().map(|&s| colour::to_8bit(s, max)).collect();
            RgbImage::from_raw(pw, ph, bytes)
        }
        .ok_or_else(short)?
    } else if alpha {
        let rgba =
            RgbaImage::from_raw(pw, ph, rows.packed().ok_or_else(short)?).ok_or_else(short)?;
        flatten_onto_white(DynamicImage::ImageRgba8(rgba))
    } else {
        RgbImage::from_raw(pw, ph, rows.packed().ok_or_else(short)?).ok_or_else(short)?
    };
    if !encoding.is_hdr() {
        colour::to_srgb(&mut rgb, &encoding);
    }
    Ok(Decoded {
        full_width: rgb.width(),
        full_height: rgb.height(),
        rgb,
        meta: None,
    })
}

/// The raw EXIF (TIFF structure) of the primary image, if the file has any.
pub(super) fn exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let context = HeifContext::read_from_bytes(still(bytes)).ok()?;
    let handle = context.primary_image_handle().ok()?;
    let mut ids = [0; 1];
    if handle.metadata_block_ids(&mut ids, b"Exif") == 0 {
        return None;
    }
    let block = handle.metadata(ids[0]).ok()?;
    // ISO/IEC 23008-12 A.2.1: a 32-bit offset from the end of itself to the TIFF header.
    let offset = u32::from_be_bytes(block.get(..4)?.try_into().ok()?) as usize;
    block.get(4usize.checked_add(offset)?..).map(<[u8]>::to_vec)
}

/// The file up to a second top-level `ftyp` box: a motion photo whose video (a whole MP4) was
/// appended after the image, which libheif would otherwise read as the file's type and refuse.
/// (Android's own layout wraps the video in an `mpvd` box, which libheif skips by itself.)
fn still(bytes: &[u8]) -> &[u8] {
    let mut at = 0usize;
    let mut first = true;
    while let Some(header) = bytes.get(at..at + 8) {
        if !first && &header[4..8] == b"ftyp" {
            return &bytes[..at];
        }
        first = false;
        let size = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
            // The box runs to the end of the file.
            0 => return bytes,
            1 => match bytes.get(at + 8..at + 16) {
                Some(large) => u64::from_be_bytes(large.try_into().unwrap_or_default()),
                None => return bytes,
            },
            n => u64::from(n),
        };
        match usize::try_from(size).ok().filter(|&n| n >= 8) {
            Some(n) => at = at.saturating_add(n),
            // A nonsense size: leave judging the file to libheif.
            None => return bytes,
        }
    }
    bytes
}

/// How the file says its colours are encoded: an ICC profile wins over `nclx` (the order
/// libheif's own converters use); the bitstream's colour description comes with the image.
fn encoding_of(handle: &ImageHandle, image: &libheif_rs::Image) -> Encoding {
    // (An ICC profile is at least its 128-byte header; phones have written empty ones.)
    if let Some(icc) = handle.color_profile_raw().filter(|p| p.data.len() > 128) {
        return Encoding::Icc(icc.data);
    }
    match handle
        .color_profile_nclx()
        .or_else(|| image.color_profile_nclx())
    {
        Some(nclx) => {
            // libheif-rs maps code points it does not know to an extra `Unknown` variant:
            // those count as unspecified (2).
            let primaries = match nclx.color_primaries() {
                ColorPrimaries::Unknown => 2,
                p => p as u8,
            };
            let transfer = match nclx.transfer_characteristics() {
                TransferCharacteristics::Unknown => 2,
                t => t as u8,
            };
            Encoding::cicp(primaries, transfer)
        }
        None => Encoding::Srgb,
    }
}

/// The decoder's output and its working planes, estimated before decoding (libheif itself
/// only caps dimensions, at 32,768² by default).
fn check_memory(
    w: u32,
    h: u32,
    deep: bool,
    alpha: bool,
    limits: &Limits,
) -> Result<(), ExtractError> {
    let sample = if deep { 2 } else { 1 };
    let channels = if alpha { 4 } else { 3 };
    // Decoded planes (at most 4:4:4) plus the interleaved RGB(A) output, plus our 8-bit copy.
    let per_pixel = sample * channels * 2 + 3;
    let need = u64::from(w) * u64::from(h) * per_pixel;
    if need > limits.max_decode_bytes {
        return Err(ExtractError::TooLarge(format!(
            "decoding it needs more than the {} MB memory limit",
            limits.max_decode_bytes / (1024 * 1024)
        )));
    }
    Ok(())
}

/// A decoded plane's rows, which libheif may pad (the stride is at least the row's bytes).
struct Rows<'a> {
    data: &'a [u8],
    stride: usize,
    row_bytes: usize,
    height: usize,
}

impl Rows<'_> {
    fn rows(&self) -> Option<impl Iterator<Item = &[u8]>> {
        if self.stride < self.row_bytes
            || self.data.len() < self.stride * self.height.saturating_sub(1) + self.row_bytes
        {
            return None;
        }
        Some(
            (0..self.height)
                .map(move |y| &self.data[y * self.stride..y * self.stride + self.row_bytes]),
        )
    }

    fn packed(&self) -> Option<Vec<u8>> {
        Some(self.rows()?.flatten().copied().collect())
    }

    /// Little-endian 16-bit samples (libheif's `HdrRgb(a)Le`).
    fn samples16(&self) -> Option<Vec<u16>> {
        Some(
            self.rows()?
                .flat_map(|row| row.chunks_exact(2))
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect(),
        )
    }
}

/// Deep RGB(A) samples to RGB, transparency flattened onto white as for 8-bit images.
fn flatten_deep(samples: Vec<u16>, channels: usize, max: u16) -> Vec<u16> {
    if channels == 3 {
        return samples;
    }
    let m = u32::from(max);
    samples
        .chunks_exact(4)
        .flat_map(|px| {
            let a = u32::from(px[3].min(max));
            let c = |v: u16| ((u32::from(v.min(max)) * a + m * (m - a) + m / 2) / m) as u16;
            [c(px[0]), c(px[1]), c(px[2])]
        })
        .collect()
}

/// libheif's errors, worded for a person: what is wrong with the file, or what this build of
/// libheif cannot read.
fn error(format: Format, e: HeifError) -> ExtractError {
    use HeifErrorCode as Code;
    use HeifErrorSubCode as Sub;
    let detail = if e.message.is_empty() {
        format!("{:?}", e.sub_code)
    } else {
        e.message.clone()
    };
    match (e.code, e.sub_code) {
        (_, Sub::EndOfData) => corrupt(format, TRUNCATED),
        (_, Sub::SecurityLimitExceeded) | (Code::MemoryAllocationError, _) => {
            ExtractError::TooLarge(format!("libheif refused it: {detail}"))
        }
        (Code::DecoderPluginError, Sub::UnsupportedCodec)
        | (Code::UnsupportedFeature | Code::UnsupportedFileType, _) => {
            ExtractError::UnsupportedFeature {
                format: format.name(),
                feature: detail,
            }
        }
        _ => corrupt(format, detail),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use libheif_rs::CompressionFormat;

    use super::super::testutil::*;
    use super::super::{decode as decode_image, extract};
    use super::*;

    #[test]
    fn heic_and_avif_are_decoded_with_their_exif() {
        let exif = exif_tiff(&full_exif(1));
        for (codec, name, id) in [
            (CompressionFormat::Hevc, "IMG_0001.HEIC", "heic"),
            (CompressionFormat::Av1, "export.avif", "avif"),
        ] {
            let bytes = encode_heif(&quadrants(96, 64), codec, Some(&exif));
            // The content decides, as for every format: a HEIC saved as `.jpg` is a HEIC.
            for name in [name, "renamed.jpg"] {
                let photo = extract(Path::new(name), &bytes, &Limits::default()).expect(name);
                assert_eq!(photo.format, id);
                assert_eq!((photo.width, photo.height), (96, 64));
                assert_quadrants(&thumbnail_of(&photo));
                let m = &photo.meta;
                assert_eq!(m.taken_at.as_deref(), Some("2019-07-12T14:03:22+02:00"));
                assert_eq!(m.camera().as_deref(), Some("Canon EOS 5D"));
                assert!((m.latitude.expect("lat") - -33.8568).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn a_motion_photos_appended_video_is_left_alone() {
        // Motion photos carry their video after the image: an MP4 appended as it is, or (in
        // Android's layout for HEIC) wrapped in an `mpvd` box.
        let video = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08mdat";
        let heic = encode_heif(&quadrants(64, 48), CompressionFormat::Hevc, None);
        let mut mpvd = (8 + video.len() as u32).to_be_bytes().to_vec();
        mpvd.extend_from_slice(b"mpvd");
        mpvd.extend_from_slice(video);
        for (tail, read) in [(&video[..], heic.len()), (&mpvd, heic.len() + mpvd.len())] {
            let bytes = [&heic[..], tail].concat();
            assert_eq!(still(&bytes).len(), read);
            let photo = extract(Path::new("MOTION.heic"), &bytes, &Limits::default()).unwrap();
            assert_eq!((photo.format, photo.width, photo.height), ("heic", 64, 48));
        }
        let mut jpeg = encode_jpeg_q(&quadrants(64, 48), 90);
        jpeg.extend_from_slice(video);
        let photo = extract(Path::new("MVIMG_0001.jpg"), &jpeg, &Limits::default()).unwrap();
        assert_eq!((photo.format, photo.width, photo.height), ("jpeg", 64, 48));
        assert_close(thumbnail_of(&photo).get_pixel(10, 10).0, RED);
    }

    #[test]
    fn exif_orientation_is_not_applied_again() {
        // Phones write EXIF Orientation 6 beside the container's own rotation, which libheif
        // has already applied: the pixels must stay as decoded.
        let bytes = encode_heif(
            &corner_marked(80, 60),
            CompressionFormat::Hevc,
            Some(&exif_tiff(&full_exif(6))),
        );
        let photo = extract(Path::new("IMG_0002.HEIC"), &bytes, &Limits::default()).unwrap();
        assert_eq!(photo.meta.orientation, None);
        assert_eq!((photo.width, photo.height), (80, 60));
        let t = thumbnail_of(&photo);
        assert_close(t.get_pixel(5, 5).0, RED);
        let decoded = decode_image(&bytes, &Limits::default(), 32).unwrap();
        assert_eq!(decoded.rgb.dimensions(), (80, 60));
        assert_close(decoded.rgb.get_pixel(5, 5).0, RED);
    }

    #[test]
    fn the_size_caps_apply_before_decoding() {
        let bytes = encode_heif(&gradient(200, 100), CompressionFormat::Hevc, None);
        let few_pixels = Limits {
            max_image_pixels: 10_000,
            ..Limits::default()
        };
        let err = extract(Path::new("a.heic"), &bytes, &few_pixels).unwrap_err();
        assert!(
            matches!(&err, ExtractError::TooLarge(m) if m.starts_with("200×100 pixels")),
            "{err}"
        );
        let little_memory = Limits {
            max_decode_bytes: 100_000,
            ..Limits::default()
        };
        let err = extract(Path::new("a.heic"), &bytes, &little_memory).unwrap_err();
        assert!(
            matches!(&err, ExtractError::TooLarge(m) if m.contains("memory limit")),
            "{err}"
        );
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let bytes = encode_heif(&noisy(64, 48), CompressionFormat::Hevc, None);
        for cut in [bytes.len() - 40, bytes.len() / 2, 40] {
            let err = extract(Path::new("a.heic"), &bytes[..cut], &Limits::default())
                .expect_err("truncated");
            assert!(
                matches!(err, ExtractError::Corrupt { format: "HEIC", .. }),
                "cut at {cut}: {err}"
            );
        }
        let mut garbled = bytes.clone();
        let mid = garbled.len() / 2;
        garbled[40..mid].fill(0xA5);
        let err = extract(Path::new("a.heic"), &garbled, &Limits::default()).expect_err("garbled");
        assert!(matches!(err, ExtractError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn padded_rows_are_read_by_stride() {
        // Two rows of one RGB pixel each, padded to 4 bytes.
        let rows = Rows {
            data: &[1, 2, 3, 0, 4, 5, 6, 0],
            stride: 4,
            row_bytes: 3,
            height: 2,
        };
        assert_eq!(rows.packed().unwrap(), vec![1, 2, 3, 4, 5, 6]);
        let short = Rows {
            data: &[1, 2, 3, 0, 4, 5],
            ..rows
        };
        assert!(short.packed().is_none());
    }

    #[test]
    fn deep_alpha_is_flattened_onto_white() {
        let max = 1023;
        let out = flatten_deep(vec![0, 0, 0, 0, 0, 0, 0, max, 100, 200, 300, 512], 4, max);
        assert_eq!(&out[..6], &[max, max, max, 0, 0, 0]);
        assert!(out[6] > 100 && out[6] < max);
    }
}
