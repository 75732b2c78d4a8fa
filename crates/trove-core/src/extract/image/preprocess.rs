//! Image preprocessing: an oriented RGB picture → the model's input tensor, exactly as the
//! model family's reference processor (`transformers`' slow, PIL-based image processors) makes
//! it.
//!
//! - CLIP: resize so the shortest side is the input size (the long side truncated, as
//!   `get_resize_output_image_size` does), bicubic; cut the centre square (offsets rounded
//!   down, as `center_crop`); scale to [0, 1]; normalise with CLIP's mean and std.
//! - SigLIP: resize straight to a square, bilinear; normalise to [-1, 1].
//! - Chinese-CLIP: resize straight to a square, bicubic; CLIP's mean and std.
//!
//! PIL's BICUBIC is the Keys cubic with a = -0.5, i.e. Catmull-Rom, and like PIL,
//! `fast_image_resize`'s convolution widens the filter when shrinking (antialiasing), so the two
//! agree to ±1 on 8-bit values (the tolerance the parity tests hold). EXIF orientation is applied
//! by the decoder before this module sees the picture, as `transformers.image_utils.load_image`
//! does with `exif_transpose`.

use fast_image_resize::images::{Image as FirImage, ImageRef as FirImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use serde::Serialize;

/// How an image is brought to the model's input size, as the family's reference processor does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resize {
    /// CLIP: scale so the shortest side is the input size, then cut the centre square.
    ShortestSideThenCrop,
    /// SigLIP, Chinese-CLIP: scale straight to a square, ignoring the aspect ratio.
    Squash,
}

/// The resampling filter, named as PIL names them (the reference processors use PIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    Bicubic,
    Bilinear,
}

impl Filter {
    /// PIL's resample codes, as `preprocessor_config.json` stores them.
    pub fn from_pil(code: u64) -> Option<Filter> {
        match code {
            2 => Some(Filter::Bilinear),
            3 => Some(Filter::Bicubic),
            _ => None,
        }
    }
}

/// What a model wants of a decoded picture: resize, crop, scale to [0, 1], normalise per
/// channel. The model registry and model folders state it; extraction carries it out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImageRules {
    pub size: u32,
    pub resize: Resize,
    pub filter: Filter,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

/// The size a picture is resized to before cropping.
fn resized_dims(width: u32, height: u32, rules: &ImageRules) -> (u32, u32) {
    let size = rules.size;
    match rules.resize {
        Resize::Squash => (size, size),
        Resize::ShortestSideThenCrop => {
            let (w, h) = (u64::from(width.max(1)), u64::from(height.max(1)));
            // int(size * long / short) in the reference: truncation, not rounding.
            if w <= h {
                (size, ((u64::from(size) * h) / w).max(1) as u32)
            } else {
                (((u64::from(size) * w) / h).max(1) as u32, size)
            }
        }
    }
}

/// Resizes `image` to `(w, h)` with the rules' filter; `None` only for a degenerate image.
fn resize(image: &RgbImage, (w, h): (u32, u32), filter: Filter) -> Option<RgbImage> {
    let (sw, sh) = image.dimensions();
    if (sw, sh) == (w, h) {
        return Some(image.clone());
    }
    let src = FirImageRef::new(sw, sh, image.as_raw(), PixelType::U8x3).ok()?;
    let mut dst = FirImage::new(w, h, PixelType::U8x3);
    let filter = match filter {
        Filter::Bicubic => FilterType::CatmullRom,
        Filter::Bilinear => FilterType::Bilinear,
    };
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter));
    Resizer::new().resize(&src, &mut dst, &options).ok()?;
    RgbImage::from_raw(w, h, dst.into_vec())
}

/// The model input for one picture: `3 × size × size` floats, channel-major (CHW).
pub fn pixels(image: &RgbImage, rules: &ImageRules) -> Vec<f32> {
    let size = rules.size as usize;
    let mut out = vec![0f32; 3 * size * size];
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return out;
    }
    let dims = resized_dims(w, h, rules);
    let Some(resized) = resize(image, dims, rules.filter) else {
        return out;
    };
    // The centre crop; a no-op (offsets 0) when the resize already made a square.
    let left = (dims.0 as usize).saturating_sub(size) / 2;
    let top = (dims.1 as usize).saturating_sub(size) / 2;
    let plane = size * size;
    let scale: [f32; 3] = std::array::from_fn(|c| 1.0 / (255.0 * rules.std[c]));
    let shift: [f32; 3] = std::array::from_fn(|c| rules.mean[c] / rules.std[c]);
    for y in 0..size.min(dims.1 as usize) {
        for x in 0..size.min(dims.0 as usize) {
            let p = resized.get_pixel((left + x) as u32, (top + y) as u32).0;
            for c in 0..3 {
                out[c * plane + y * size + x] = f32::from(p[c]) * scale[c] - shift[c];
            }
        }
    }
    out
}

/// The smallest short side a decoder must deliver so that resizing never upsamples, which is
/// what lets the pipeline decode JPEGs with DCT scaling.
pub fn min_decode_side(rules: &ImageRules) -> u32 {
    rules.size
}

#[cfg(test)]
mod tests {
    use super::*;

    // CLIP's normalisation, as the model registry states it (any per-channel values would do).
    const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
    const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

    fn clip(size: u32) -> ImageRules {
        ImageRules {
            size,
            resize: Resize::ShortestSideThenCrop,
            filter: Filter::Bicubic,
            mean: CLIP_MEAN,
            std: CLIP_STD,
        }
    }

    #[test]
    fn shortest_side_dims_truncate_like_the_reference() {
        let r = clip(224);
        assert_eq!(resized_dims(640, 480, &r), (298, 224)); // 224*640/480 = 298.67
        assert_eq!(resized_dims(480, 640, &r), (224, 298));
        assert_eq!(resized_dims(100, 100, &r), (224, 224));
        let squash = ImageRules {
            resize: Resize::Squash,
            ..r
        };
        assert_eq!(resized_dims(640, 480, &squash), (224, 224));
    }

    #[test]
    fn a_flat_colour_normalises_per_channel() {
        let img = RgbImage::from_pixel(50, 30, image::Rgb([255, 0, 128]));
        let r = clip(16);
        let px = pixels(&img, &r);
        assert_eq!(px.len(), 3 * 16 * 16);
        let expect = |c: usize, v: f32| (v / 255.0 - CLIP_MEAN[c]) / CLIP_STD[c];
        for (c, v) in [(0, 255.0), (1, 0.0), (2, 128.0)] {
            let plane = &px[c * 256..(c + 1) * 256];
            assert!(plane.iter().all(|p| (p - expect(c, v)).abs() < 1e-5), "{c}");
        }
    }

    #[test]
    fn the_centre_is_what_survives_the_crop() {
        // A wide picture: red left third, green middle, blue right third.
        let img = RgbImage::from_fn(300, 100, |x, _| match x / 100 {
            0 => image::Rgb([255, 0, 0]),
            1 => image::Rgb([0, 255, 0]),
            _ => image::Rgb([0, 0, 255]),
        });
        let r = ImageRules {
            mean: [0.0; 3],
            std: [1.0; 3],
            ..clip(30)
        };
        let px = pixels(&img, &r);
        // Resized to 90×30 and cropped to columns 30..60 of it: green, apart from the filter's
        // blend with the neighbours at the crop's very edges.
        let (red, green) = (&px[..900], &px[900..1800]);
        for y in 0..30 {
            for x in 3..27 {
                assert!(green[y * 30 + x] > 0.95, "green at {x},{y}");
                assert!(red[y * 30 + x] < 0.05, "red at {x},{y}");
            }
        }
    }
}
