//! TIFF: the `tiff` crate's decoder, widened to the variants scanners, microscopes, fax and
//! old camera software write, and turned into display pixels.
//!
//! The crate decodes the strips and tiles (any compression it knows, planar or chunky, BigTIFF,
//! 1–64-bit integer and float samples); this module decides what they look like. Where the
//! crate refuses a valid file for a reason that lies only in how it names colours, the file is
//! read through a copy with that tag rewritten ([`Ifd`]): palette and CIELab images are read as
//! plain samples and coloured here, FillOrder 2 bytes are bit-reversed back, and the IFD chain
//! is cut after the first image (only that one is shown, and a loop in the chain must not fail
//! it). Old-style JPEG (compression 6) holds a whole JFIF stream, which the JPEG path reads.
//!
//! Brightness: 8- and 16-bit unsigned samples are nominal (0 black, the maximum white). Signed,
//! 32/64-bit and float samples are measurements more than brightness (a microscope's counts, a
//! "PGM-style" 32-bit image, an HDR or elevation float), so they are stretched between their
//! darkest and brightest finite value — except floats already within 0..1, shown as they are.

use std::borrow::Cow;
use std::io::Cursor;

use ::image::RgbImage;
use ::tiff::decoder::{Decoder, DecodingResult};
use ::tiff::tags::{CompressionMethod, Tag};
use ::tiff::{ColorType, TiffError, TiffFormatError, TiffUnsupportedError};

use super::decode::{Decoded, TRUNCATED, Target, check_pixels, corrupt, decode_jpeg};
use super::sniff::Format;
use super::tiff_ifd::Ifd;
use crate::extract::{ExtractError, Limits};

const PHOTOMETRIC_PALETTE: u64 = 3;
const PHOTOMETRIC_CIELAB: u64 = 8;
const OLD_STYLE_JPEG: u64 = 6;
const JPEG_INTERCHANGE_FORMAT: u16 = 513;
const JPEG_INTERCHANGE_FORMAT_LENGTH: u16 = 514;

/// What was rewritten in the copy the decoder reads, so the pixels can be read back right.
#[derive(Debug, Default)]
struct Rewritten {
    /// 16-bit RGB entries: all reds, then all greens, then all blues.
    palette: Option<Vec<u16>>,
    cielab: bool,
}

pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
    target: Target,
) -> Result<Decoded, ExtractError> {
    let mut rewritten = Rewritten::default();
    let mut file = Cow::Borrowed(bytes);
    if let Some(ifd) = Ifd::first(bytes) {
        let bits = ifd.values(bytes, Tag::BitsPerSample.to_u16());
        if let Some(&b) = bits.as_ref().and_then(|b| b.first())
            && ![1, 2, 4, 8, 16, 32, 64].contains(&b)
        {
            return Err(unsupported(format!("{b} bits per sample")));
        }
        // The crate's planar reader panics on tiles (tiff 0.11.3); strips read fine.
        if ifd.value(bytes, Tag::PlanarConfiguration.to_u16()) == Some(2)
            && ifd.value(bytes, Tag::TileWidth.to_u16()).is_some()
        {
            return Err(unsupported(
                "tiles with each colour in its own plane (PlanarConfiguration 2)",
            ));
        }
        if ifd.value(bytes, Tag::Compression.to_u16()) == Some(OLD_STYLE_JPEG) {
            return old_style_jpeg(bytes, &ifd, limits, target);
        }
        let photometric = ifd.value(bytes, Tag::PhotometricInterpretation.to_u16());
        match photometric {
            Some(PHOTOMETRIC_PALETTE) => {
                let map = ifd
                    .values(bytes, Tag::ColorMap.to_u16())
                    .ok_or_else(|| corrupt(Format::Tiff, "a palette image without its ColorMap"))?;
                rewritten.palette = Some(map.into_iter().map(|v| v as u16).collect());
            }
            Some(PHOTOMETRIC_CIELAB) => rewritten.cielab = true,
            _ => {}
        }
        let reversed_bits = ifd.value(bytes, Tag::FillOrder.to_u16()) == Some(2);
        // A copy only where something must change: a scan can be hundreds of megabytes.
        if rewritten.palette.is_some() || rewritten.cielab || reversed_bits || ifd.chained(bytes) {
            let file = file.to_mut();
            ifd.cut_chain(file);
            if rewritten.palette.is_some() || rewritten.cielab {
                ifd.set_short(file, Tag::PhotometricInterpretation.to_u16(), 1);
            }
            if reversed_bits {
                ifd.reverse_fill_order(file);
            }
        }
    }

    let mut tiff_limits = ::tiff::decoder::Limits::default();
    let budget = usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX);
    tiff_limits.decoding_buffer_size = budget;
    tiff_limits.intermediate_buffer_size = budget;
    let mut decoder = Decoder::new(Cursor::new(&*file))
        .map_err(|e| tiff_error(e, limits))?
        .with_limits(tiff_limits);
    let (w, h) = decoder.dimensions().map_err(|e| tiff_error(e, limits))?;
    check_pixels(Format::Tiff, w, h, limits)?;
    let colour = decoder.colortype().map_err(|e| tiff_error(e, limits))?;
    let extra = decoder
        .find_tag_unsigned_vec::<u16>(Tag::ExtraSamples)
        .ok()
        .flatten()
        .unwrap_or_default();
    let icc = decoder.get_tag_u8_vec(Tag::IccProfile).ok();
    let planar = decoder
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .ok()
        .flatten()
        == Some(2);
    // Not `read_image`, which reads only the first plane of a planar file.
    let mut data = DecodingResult::U8(Vec::new());
    let layout = decoder
        .read_image_to_buffer(&mut data)
        .map_err(|e| tiff_error(e, limits))?;
    if data.as_buffer(0).as_bytes().len() < layout.complete_len {
        return Err(tiff_error(TiffError::LimitsExceeded, limits));
    }

    let pixels = Pixels {
        width: w as usize,
        height: h as usize,
        samples: usize::from(colour.num_samples()),
        bits: colour.bit_depth(),
        planar,
    };
    let mut rgb = if let Some(map) = &rewritten.palette {
        pixels.paletted(&data, map)?
    } else {
        let unit = pixels.unit_samples(&data)?;
        // ExtraSamples 1: colours premultiplied by alpha; 2: straight.
        let alpha = match extra.first() {
            Some(1) => Alpha::Associated,
            Some(2) => Alpha::Straight,
            _ => Alpha::None,
        };
        pixels.to_rgb(colour, &unit, alpha, rewritten.cielab)?
    };
    if matches!(colour, ColorType::RGB(_) | ColorType::RGBA(_))
        && let Some(icc) = icc
    {
        super::colour::to_srgb(&mut rgb, &super::colour::Encoding::Icc(icc));
    }
    Ok(Decoded {
        rgb,
        full_width: w,
        full_height: h,
        meta: None,
    })
}

/// Compression 6, the TIFF 6.0 JPEG scheme (later withdrawn): the JFIF stream that
/// JPEGInterchangeFormat points at is the whole image.
fn old_style_jpeg(
    bytes: &[u8],
    ifd: &Ifd,
    limits: &Limits,
    target: Target,
) -> Result<Decoded, ExtractError> {
    let stream = ifd
        .value(bytes, JPEG_INTERCHANGE_FORMAT)
        .and_then(|at| usize::try_from(at).ok())
        .and_then(|at| {
            let len = ifd
                .value(bytes, JPEG_INTERCHANGE_FORMAT_LENGTH)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(bytes.len() - at.min(bytes.len()));
            bytes.get(at..at.checked_add(len)?.min(bytes.len()))
        })
        .filter(|s| s.starts_with(&[0xFF, 0xD8]))
        .ok_or_else(|| {
            unsupported("old-style JPEG compression (scheme 6) without a complete JPEG stream")
        })?;
    decode_jpeg(stream, limits, target).map_err(|e| match e {
        ExtractError::Corrupt { detail, .. } => corrupt(Format::Tiff, detail),
        other => other,
    })
}

#[derive(Debug, Clone, Copy)]
enum Alpha {
    None,
    Associated,
    Straight,
}

/// The decoded image's shape: what the sample buffer holds.
struct Pixels {
    width: usize,
    height: usize,
    samples: usize,
    bits: u8,
    /// PlanarConfiguration 2: all of the first sample, then all of the second, …
    planar: bool,
}

impl Pixels {
    /// Samples below 8 bits arrive packed, each row starting on a byte; one value each.
    fn unpacked<'a>(&self, data: &'a [u8]) -> Result<Cow<'a, [u8]>, ExtractError> {
        let count = self.width * self.height * self.samples;
        if self.bits >= 8 || data.len() == count {
            return Ok(Cow::Borrowed(data));
        }
        let bits = usize::from(self.bits);
        let row_bytes = (self.width * self.samples * bits).div_ceil(8);
        if data.len() < row_bytes * self.height {
            return Err(corrupt(Format::Tiff, TRUNCATED));
        }
        let mask = (1u16 << bits) - 1;
        let mut out = Vec::with_capacity(count);
        for row in data.chunks_exact(row_bytes).take(self.height) {
            for i in 0..self.width * self.samples {
                let bit = i * bits;
                let byte = u16::from(row[bit / 8]);
                out.push(((byte >> (8 - bits - bit % 8)) & mask) as u8);
            }
        }
        Ok(Cow::Owned(out))
    }

    /// Every sample as 0..=255 brightness (see the module docs for which are stretched).
    fn unit_samples<'a>(&self, data: &'a DecodingResult) -> Result<Cow<'a, [u8]>, ExtractError> {
        Ok(match data {
            DecodingResult::U8(v) if self.bits == 8 => Cow::Borrowed(v.as_slice()),
            DecodingResult::U8(v) => {
                let top = u32::from((1u16 << self.bits) - 1);
                let values = self.unpacked(v)?;
                Cow::Owned(
                    values
                        .iter()
                        .map(|&s| ((u32::from(s) * 255 + top / 2) / top) as u8)
                        .collect(),
                )
            }
            DecodingResult::U16(v) => Cow::Owned(
                v.iter()
                    .map(|&s| ((u32::from(s) + 128) / 257) as u8)
                    .collect(),
            ),
            DecodingResult::U32(v) => stretched(v.iter().map(|&s| f64::from(s)), false),
            DecodingResult::U64(v) => stretched(v.iter().map(|&s| s as f64), false),
            DecodingResult::I8(v) => stretched(v.iter().map(|&s| f64::from(s)), false),
            DecodingResult::I16(v) => stretched(v.iter().map(|&s| f64::from(s)), false),
            DecodingResult::I32(v) => stretched(v.iter().map(|&s| f64::from(s)), false),
            DecodingResult::I64(v) => stretched(v.iter().map(|&s| s as f64), false),
            DecodingResult::F16(v) => stretched(v.iter().map(|&s| f64::from(s)), true),
            DecodingResult::F32(v) => stretched(v.iter().map(|&s| f64::from(s)), true),
            DecodingResult::F64(v) => stretched(v.iter().copied(), true),
        })
    }

    fn paletted(&self, data: &DecodingResult, map: &[u16]) -> Result<RgbImage, ExtractError> {
        let entries = map.len() / 3;
        let indices: Vec<usize> = match data {
            DecodingResult::U8(v) => self.unpacked(v)?.iter().map(|&i| usize::from(i)).collect(),
            DecodingResult::U16(v) => v.iter().map(|&i| usize::from(i)).collect(),
            _ => return Err(unsupported("a palette image with non-integer indices")),
        };
        let colour = |i: usize| -> [u8; 3] {
            if i >= entries {
                return [0; 3];
            }
            [map[i], map[entries + i], map[2 * entries + i]].map(|c| (c >> 8) as u8)
        };
        let step = self.samples.max(1);
        self.image(|p| colour(indices.get(p * step).copied().unwrap_or(0)))
    }

    fn to_rgb(
        &self,
        colour: ColorType,
        unit: &[u8],
        alpha: Alpha,
        cielab: bool,
    ) -> Result<RgbImage, ExtractError> {
        let n = self.samples;
        let plane = self.width * self.height;
        let at = |p: usize, i: usize| {
            let k = if self.planar {
                i * plane + p
            } else {
                p * n + i
            };
            unit.get(k).copied().unwrap_or(0)
        };
        let over_white = |c: [u8; 3], a: u8| -> [u8; 3] {
            let a = u32::from(a);
            c.map(|c| match alpha {
                Alpha::Associated => (u32::from(c) + 255 - a).min(255) as u8,
                _ => ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8,
            })
        };
        let has_alpha = !matches!(alpha, Alpha::None);
        match colour {
            _ if cielab => self.image(|p| cielab_to_srgb(at(p, 0), at(p, 1) as i8, at(p, 2) as i8)),
            ColorType::Gray(_) => self.image(|p| [at(p, 0); 3]),
            ColorType::Multiband { .. } if has_alpha && n >= 2 => {
                self.image(|p| over_white([at(p, 0); 3], at(p, 1)))
            }
            ColorType::Multiband { .. } | ColorType::GrayA(_) => self.image(|p| [at(p, 0); 3]),
            ColorType::RGB(_) => self.image(|p| [at(p, 0), at(p, 1), at(p, 2)]),
            ColorType::RGBA(_) => {
                self.image(|p| over_white([at(p, 0), at(p, 1), at(p, 2)], at(p, 3)))
            }
            ColorType::CMYK(_) | ColorType::CMYKA(_) => self.image(|p| {
                let k = 255 - u32::from(at(p, 3));
                [0, 1, 2].map(|i| ((255 - u32::from(at(p, i))) * k / 255) as u8)
            }),
            ColorType::YCbCr(_) => self.image(|p| ycbcr_to_rgb(at(p, 0), at(p, 1), at(p, 2))),
            ColorType::Lab(_) => self.image(|p| {
                cielab_to_srgb(
                    at(p, 0),
                    at(p, 1).wrapping_sub(128) as i8,
                    at(p, 2).wrapping_sub(128) as i8,
                )
            }),
            other => Err(unsupported(format!("colour type {other:?}"))),
        }
    }

    fn image(&self, pixel: impl Fn(usize) -> [u8; 3]) -> Result<RgbImage, ExtractError> {
        let mut buf = Vec::with_capacity(self.width * self.height * 3);
        for p in 0..self.width * self.height {
            buf.extend_from_slice(&pixel(p));
        }
        RgbImage::from_raw(self.width as u32, self.height as u32, buf)
            .ok_or_else(|| corrupt(Format::Tiff, "fewer pixels than the header declares"))
    }
}

fn stretched(values: impl Iterator<Item = f64> + Clone, float: bool) -> Cow<'static, [u8]> {
    let (lo, hi) = values
        .clone()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi) = if float && lo >= 0.0 && hi <= 1.0 {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    };
    let scale = 255.0 / (hi - lo);
    Cow::Owned(
        values
            .map(|v| {
                if v.is_finite() {
                    ((v - lo) * scale).round().clamp(0.0, 255.0) as u8
                } else if v > 0.0 {
                    255
                } else {
                    0
                }
            })
            .collect(),
    )
}

/// ITU-R BT.601 full range, the TIFF default for YCbCr.
fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (f32::from(y), f32::from(cb) - 128.0, f32::from(cr) - 128.0);
    [
        y + 1.402 * cr,
        y - 0.344_136 * cb - 0.714_136 * cr,
        y + 1.772 * cb,
    ]
    .map(|c| c.round().clamp(0.0, 255.0) as u8)
}

/// TIFF's CIELab (L* 0..255 for 0..100, a* and b* signed), D50 white, to sRGB (D65).
fn cielab_to_srgb(l: u8, a: i8, b: i8) -> [u8; 3] {
    let l = f32::from(l) * 100.0 / 255.0;
    let fy = (l + 16.0) / 116.0;
    let fx = fy + f32::from(a) / 500.0;
    let fz = fy - f32::from(b) / 200.0;
    let inv = |t: f32| {
        if t > 6.0 / 29.0 {
            t * t * t
        } else {
            3.0 * (6.0f32 / 29.0).powi(2) * (t - 4.0 / 29.0)
        }
    };
    let (x, y, z) = (0.964_22 * inv(fx), inv(fy), 0.825_21 * inv(fz));
    // XYZ (D50) to linear sRGB, Bradford-adapted to D65.
    let r = 3.133_856 * x - 1.616_867 * y - 0.490_615 * z;
    let g = -0.978_768 * x + 1.916_142 * y + 0.033_454 * z;
    let bl = 0.071_945 * x - 0.228_991 * y + 1.405_243 * z;
    [r, g, bl].map(|c| {
        let c = c.clamp(0.0, 1.0);
        let s = if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        };
        (s * 255.0).round() as u8
    })
}

fn unsupported(feature: impl Into<String>) -> ExtractError {
    ExtractError::UnsupportedFeature {
        format: Format::Tiff.name(),
        feature: feature.into(),
    }
}

fn compression_name(method: CompressionMethod) -> String {
    match method {
        CompressionMethod::Huffman => "CCITT modified Huffman (fax) compression".into(),
        CompressionMethod::Fax3 => "CCITT Group 3 fax compression".into(),
        CompressionMethod::Unknown(34925) => "LZMA compression".into(),
        CompressionMethod::Unknown(34712) => "JPEG 2000 compression".into(),
        CompressionMethod::Unknown(34887) => "LERC compression".into(),
        CompressionMethod::Unknown(50000) | CompressionMethod::ZSTD => {
            "Zstandard compression".into()
        }
        CompressionMethod::Unknown(50001) | CompressionMethod::WebP => "WebP compression".into(),
        other => format!("compression {other:?}"),
    }
}

fn tiff_error(e: TiffError, limits: &Limits) -> ExtractError {
    match e {
        TiffError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            corrupt(Format::Tiff, TRUNCATED)
        }
        TiffError::IoError(e) => corrupt(Format::Tiff, e.to_string()),
        TiffError::FormatError(TiffFormatError::InconsistentSizesEncountered) => corrupt(
            Format::Tiff,
            "its strips or tiles hold less data than its size and sample layout need",
        ),
        TiffError::FormatError(f) => corrupt(Format::Tiff, format!("invalid data: {f}")),
        TiffError::UnsupportedError(u) => unsupported(match u {
            TiffUnsupportedError::UnsupportedCompressionMethod(m) => compression_name(m),
            TiffUnsupportedError::UnknownInterpretation => {
                "no photometric interpretation (the tag that says what the samples mean)".into()
            }
            TiffUnsupportedError::InterpretationWithBits(i, bits) => {
                format!("photometric interpretation {i:?} with {bits:?} bits per sample")
            }
            TiffUnsupportedError::UnsupportedColorType(c) => format!("colour type {c:?}"),
            other => other.to_string(),
        }),
        TiffError::LimitsExceeded | TiffError::IntSizeError => ExtractError::TooLarge(format!(
            "decoding it needs more than the {} MB memory limit",
            limits.max_decode_bytes / (1024 * 1024)
        )),
        other => corrupt(Format::Tiff, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cielab_white_black_and_red_are_srgb() {
        assert_eq!(cielab_to_srgb(255, 0, 0), [255, 255, 255]);
        assert_eq!(cielab_to_srgb(0, 0, 0), [0, 0, 0]);
        // sRGB red is L* 54.3, a* 80.8, b* 69.9 under D50.
        let [r, g, b] = cielab_to_srgb((54.3f32 * 2.55).round() as u8, 81, 70);
        assert!(r > 245 && g < 20 && b < 20, "{:?}", [r, g, b]);
    }

    #[test]
    fn measurements_are_stretched_and_unit_floats_kept() {
        let ints = stretched([10.0, 20.0, 30.0].into_iter(), false);
        assert_eq!(&*ints, &[0, 128, 255]);
        let unit = stretched([0.0, 0.5, 1.0].into_iter(), true);
        assert_eq!(&*unit, &[0, 128, 255]);
        let narrow = stretched([0.25, 0.5].into_iter(), true);
        assert_eq!(&*narrow, &[64, 128], "floats within 0..1 are not stretched");
        let odd = stretched([f64::NAN, f64::INFINITY, 2.0, 4.0].into_iter(), true);
        assert_eq!(&*odd, &[0, 255, 0, 255]);
        let flat = stretched([7.0, 7.0].into_iter(), false);
        assert_eq!(&*flat, &[0, 0]);
    }

    #[test]
    fn packed_samples_unpack_per_row() {
        // 3 pixels of 2 bits: each row is one byte, the last two bits padding.
        let pixels = Pixels {
            width: 3,
            height: 2,
            samples: 1,
            bits: 2,
            planar: false,
        };
        let rows = [0b00_01_10_00, 0b11_10_01_00];
        assert_eq!(&*pixels.unpacked(&rows).unwrap(), &[0, 1, 2, 3, 2, 1]);
        assert!(
            pixels.unpacked(&rows[..1]).is_err(),
            "a short buffer is truncation"
        );
    }
}
