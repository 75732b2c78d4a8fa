//! Camera RAW (DNG, CR2, CR3, NEF, ARW, RAF, RW2, ORF, PEF and the rest `rawler` knows).
//!
//! A RAW file is the sensor's data plus, from nearly every camera, a JPEG the camera rendered
//! from it: what it showed on its own screen, decoded in milliseconds. That rendering is used
//! whenever it is large enough for what is asked (thumbnail, model input) and has the sensor's
//! shape (some previews are letterboxed); otherwise the sensor data is developed (demosaicing,
//! white balance, the camera's colour matrix, sRGB gamma), which takes about half a second for
//! 12 megapixels. Either way the pixels are stored as the sensor lies, so the RAW's EXIF
//! orientation is applied afterwards, as for a JPEG.

use ::image::{DynamicImage, RgbImage};
use rawler::decoders::{Decoder, RawDecodeParams};
use rawler::imgop::develop::RawDevelop;
use rawler::rawsource::RawSource;
use rawler::{RawImage, RawlerError};

use super::decode::{Decoded, Target, check_pixels, corrupt, flatten_onto_white, guard};
use super::meta::PhotoMeta;
use super::sniff::Format;
use crate::extract::{ExtractError, Limits};

/// How far an embedded rendering's aspect ratio may differ from the sensor's crop and still be
/// the same picture (rounding of odd sizes; letterboxed previews differ by far more).
const SAME_SHAPE: f64 = 0.02;

/// Bytes per pixel a full develop holds at its peak: the 16-bit sensor data twice (rawler
/// develops a copy), two f32 RGB working images, its 16-bit result and the 8-bit one.
const DEVELOP_BYTES_PER_PIXEL: u64 = 2 * 2 + 2 * 12 + 6 + 3;

/// A camera RAW's pixels as stored (orientation not applied), at least `target` in size when
/// the file allows, and its metadata: rawler copies and parses the file, so it is opened once.
pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
    target: Target,
) -> Result<Decoded, ExtractError> {
    let source = RawSource::new_from_slice(bytes);
    let decoder = rawler::get_decoder(&source).map_err(error)?;
    let params = RawDecodeParams::default();
    let meta = Some(metadata(decoder.as_ref(), &source, &params));
    // The sensor's size, read without decoding its data. A camera rawler has no profile for
    // still has its rendering to show, so this may fail without failing the photo.
    let sensor = decoder.raw_image(&source, &params, true);
    let crop = sensor.as_ref().ok().map(cropped_size);
    if let Some((w, h)) = crop {
        check_pixels(Format::Raw, w, h, limits)?;
    }
    // The smaller preview first: the full-size rendering is decoded only when it is needed.
    let mut largest: Option<DynamicImage> = None;
    for full in [false, true] {
        let rendering = if full {
            decoder.full_image(&source, &params)
        } else {
            decoder.preview_image(&source, &params)
        };
        let Some(image) = rendering.ok().flatten() else {
            continue;
        };
        let (w, h) = (image.width(), image.height());
        if !crop.is_none_or(|(cw, ch)| same_shape((w, h), (cw, ch))) {
            continue;
        }
        if satisfies(target, w, h) {
            let (full_width, full_height) = crop.unwrap_or((w, h));
            return Ok(Decoded {
                rgb: flatten_onto_white(image),
                full_width,
                full_height,
                meta,
            });
        }
        if largest.as_ref().is_none_or(|l| l.width() < w) {
            largest = Some(image);
        }
    }
    let rgb = match (sensor, largest) {
        (Ok(sensor), _) => develop(decoder.as_ref(), &source, &params, &sensor, limits)?,
        // Without the sensor's profile, the camera's own rendering is the best there is.
        (Err(_), Some(image)) => flatten_onto_white(image),
        (Err(e), None) => return Err(error(e)),
    };
    Ok(Decoded {
        full_width: rgb.width(),
        full_height: rgb.height(),
        rgb,
        meta,
    })
}

/// What the RAW says of itself (EXIF, the camera's clean names). Best effort, as all metadata:
/// a maker's block rawler cannot read (or panics on) leaves the photo without it.
fn metadata(decoder: &dyn Decoder, source: &RawSource, params: &RawDecodeParams) -> PhotoMeta {
    guard(Format::Raw, || {
        decoder.raw_metadata(source, params).map_err(error)
    })
    .map(|raw| super::meta::from_raw(&raw))
    .unwrap_or_else(|e| {
        tracing::debug!("RAW metadata ignored: {e}");
        PhotoMeta::default()
    })
}

fn develop(
    decoder: &dyn Decoder,
    source: &RawSource,
    params: &RawDecodeParams,
    sensor: &RawImage,
    limits: &Limits,
) -> Result<RgbImage, ExtractError> {
    let (w, h) = (sensor.width as u64, sensor.height as u64);
    if w * h * DEVELOP_BYTES_PER_PIXEL > limits.max_decode_bytes {
        return Err(ExtractError::TooLarge(format!(
            "developing it needs more than the {} MB memory limit",
            limits.max_decode_bytes / (1024 * 1024)
        )));
    }
    let raw = decoder.raw_image(source, params, false).map_err(error)?;
    let developed = RawDevelop::default()
        .develop_intermediate(&raw)
        .map_err(error)?
        .to_dynamic_image()
        .ok_or_else(|| corrupt(Format::Raw, "the sensor data could not be developed"))?;
    Ok(match developed {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.into_rgb8(),
    })
}

/// The sensor area the camera means to be seen.
fn cropped_size(sensor: &RawImage) -> (u32, u32) {
    let (w, h) = sensor
        .crop_area
        .map(|r| (r.d.w, r.d.h))
        .unwrap_or((sensor.width, sensor.height));
    (
        u32::try_from(w).unwrap_or(u32::MAX),
        u32::try_from(h).unwrap_or(u32::MAX),
    )
}

fn same_shape((w, h): (u32, u32), (cw, ch): (u32, u32)) -> bool {
    if w == 0 || h == 0 || cw == 0 || ch == 0 {
        return false;
    }
    let ratio = |a: u32, b: u32| f64::from(a.max(b)) / f64::from(a.min(b));
    // Compared without orientation: a rendering may be stored turned as the sensor is not.
    (ratio(w, h) / ratio(cw, ch) - 1.0).abs() <= SAME_SHAPE
}

/// Whether `w`×`h` pixels are enough for `target`.
fn satisfies(target: Target, w: u32, h: u32) -> bool {
    let (long, short) = (w.max(h), w.min(h));
    match target {
        Target::ShortSide(n) => short >= n,
        Target::LongSide(n) => long >= n,
        Target::Both { long: l, short: s } => long >= l && short >= s,
    }
}

fn error(e: RawlerError) -> ExtractError {
    match e {
        RawlerError::Unsupported {
            what, make, model, ..
        } => {
            let camera = format!("{make} {model}");
            ExtractError::UnsupportedFeature {
                format: Format::Raw.name(),
                feature: match camera.trim() {
                    "" if what == "No decoder found" => {
                        "a file layout Trove's RAW decoder does not \
                         know (the camera may be newer than Trove, or the file damaged)"
                            .to_owned()
                    }
                    "" => what,
                    camera => format!("{what} ({camera})"),
                },
            }
        }
        RawlerError::DecoderFailed(detail) => corrupt(Format::Raw, detail),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use trove_testkit::dng::{self, Dng};

    use super::super::extract;
    use super::super::testutil::*;
    use super::*;

    fn dng(scene: &RgbImage, preview: Option<&RgbImage>, orientation: u16) -> Vec<u8> {
        dng::write(&Dng {
            width: scene.width(),
            height: scene.height(),
            scene: scene.as_raw().clone(),
            preview: preview.map(|p| (p.width(), p.height(), p.as_raw().clone())),
            orientation,
            make: "Trove",
            model: "Test Camera",
            taken: "2024:05:17 09:41:07",
        })
    }

    #[test]
    fn sensor_data_is_developed_when_there_is_no_rendering_large_enough() {
        // A preview too small to use (it would also be told apart: it is all green).
        let small = RgbImage::from_pixel(32, 24, ::image::Rgb(GREEN));
        let bytes = dng(&quadrants(64, 48), Some(&small), 1);
        let photo = extract(Path::new("IMG_0001.DNG"), &bytes, &Limits::default()).unwrap();
        assert_eq!(photo.format, "raw");
        assert_eq!((photo.width, photo.height), (64, 48));
        assert_quadrants(&thumbnail_of(&photo));
        let m = &photo.meta;
        assert_eq!(m.taken_at.as_deref(), Some("2024-05-17T09:41:07"));
        assert_eq!(m.camera().as_deref(), Some("Trove Test Camera"));
    }

    #[test]
    fn the_cameras_rendering_is_used_when_large_enough() {
        // The sensor saw grey; the rendering shows quadrants: the thumbnail must be the latter.
        let grey = RgbImage::from_pixel(64, 48, ::image::Rgb(GREY));
        let bytes = dng(&grey, Some(&quadrants(400, 300)), 1);
        let photo = extract(Path::new("IMG_0002.dng"), &bytes, &Limits::default()).unwrap();
        assert_eq!((photo.width, photo.height), (64, 48), "the sensor's size");
        let t = thumbnail_of(&photo);
        assert_close(t.get_pixel(5, 5).0, RED);
        assert_close(t.get_pixel(t.width() - 5, t.height() - 5).0, WHITE);
        // A letterboxed rendering is not the same picture: the sensor data is developed.
        let bytes = dng(&grey, Some(&quadrants(400, 200)), 1);
        let photo = extract(Path::new("IMG_0003.dng"), &bytes, &Limits::default()).unwrap();
        assert_close(thumbnail_of(&photo).get_pixel(5, 5).0, GREY);
    }

    #[test]
    fn the_raws_orientation_is_applied() {
        // Stored landscape with a red top-left corner, Orientation 6: displayed portrait with
        // the red corner top-right.
        let bytes = dng(&corner_marked(64, 48), None, 6);
        let photo = extract(Path::new("IMG_0004.DNG"), &bytes, &Limits::default()).unwrap();
        assert_eq!(photo.meta.orientation, Some(6));
        assert_eq!((photo.width, photo.height), (48, 64));
        let t = thumbnail_of(&photo);
        assert_close(t.get_pixel(44, 4).0, RED);
        assert_close(t.get_pixel(4, 4).0, GREY);
    }

    #[test]
    fn damaged_and_unknown_raws_fail_with_a_reason() {
        let bytes = dng(&noisy(64, 48), None, 1);
        for cut in [bytes.len() / 2, 200, 12] {
            let err = extract(Path::new("a.dng"), &bytes[..cut], &Limits::default())
                .expect_err("truncated");
            assert!(
                matches!(
                    err,
                    ExtractError::Corrupt {
                        format: "camera RAW",
                        ..
                    } | ExtractError::UnsupportedFeature {
                        format: "camera RAW",
                        ..
                    }
                ),
                "cut at {cut}: {err}"
            );
        }
        let err = extract(
            Path::new("b.cr2"),
            b"\x00\x01\x02 no camera wrote this",
            &Limits::default(),
        )
        .expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "camera RAW with a feature Trove cannot read yet: a file layout Trove's RAW decoder \
             does not know (the camera may be newer than Trove, or the file damaged) (convert it \
             to JPEG or PNG)"
        );
        let few = Limits {
            max_image_pixels: 1000,
            ..Limits::default()
        };
        let err = extract(Path::new("c.dng"), &bytes, &few).expect_err("too many pixels");
        assert!(matches!(err, ExtractError::TooLarge(_)), "{err}");
    }

    #[test]
    fn shapes_are_compared_whichever_way_up() {
        assert!(same_shape((1620, 1080), (6000, 4000)));
        assert!(same_shape((1080, 1620), (6000, 4000)));
        assert!(!same_shape((1920, 1080), (6000, 4000)));
        assert!(!same_shape((0, 10), (6000, 4000)));
    }

    #[test]
    fn targets_are_met_by_the_long_and_short_sides() {
        assert!(satisfies(Target::LongSide(320), 320, 200));
        assert!(satisfies(Target::LongSide(320), 200, 320));
        assert!(!satisfies(Target::ShortSide(224), 320, 200));
        assert!(satisfies(
            Target::Both {
                long: 320,
                short: 224
            },
            336,
            224
        ));
        assert!(!satisfies(
            Target::Both {
                long: 320,
                short: 224
            },
            300,
            224
        ));
    }
}
