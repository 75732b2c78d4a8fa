//! Colour to sRGB: the models were trained on sRGB pictures and thumbnails are shown as sRGB, so
//! pixels stored in a wider gamut (Display P3 on every recent iPhone, BT.2020) or in an HDR
//! transfer (PQ, HLG) are converted before anything else looks at them. Left as they are, P3
//! photos look dull and HDR ones flat and grey.
//!
//! SDR conversions go through `moxcms` (ICC profiles and CICP colour spaces). HDR has no single
//! right rendering on an SDR screen; the tone mapping here keeps SDR-range content as it is (the
//! reference white of BT.2408, 203 cd/m², becomes sRGB white) and rolls highlights off smoothly
//! above a knee, so skies keep their gradient instead of clipping to white.

use moxcms::{
    CicpColorPrimaries, CicpProfile, ColorProfile, DataColorSpace, Layout, MatrixCoefficients,
    TransferCharacteristics, TransformOptions,
};

/// CICP code points (ITU-T H.273) this module acts on.
mod cicp {
    pub const PRIMARIES_BT709: u8 = 1;
    pub const PRIMARIES_UNSPECIFIED: u8 = 2;
    pub const PRIMARIES_BT2020: u8 = 9;
    pub const PRIMARIES_P3_D65: u8 = 12;
    pub const TRANSFER_UNSPECIFIED: u8 = 2;
    pub const TRANSFER_SRGB: u8 = 13;
    pub const TRANSFER_PQ: u8 = 16;
    pub const TRANSFER_HLG: u8 = 18;
}

/// How a file says its colours are encoded.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Encoding {
    /// sRGB, or nothing said (which viewers take as sRGB).
    Srgb,
    /// An embedded ICC profile.
    Icc(Vec<u8>),
    /// CICP code points, as HEIF's `nclx` and AV1 carry them.
    Cicp { primaries: u8, transfer: u8 },
}

impl Encoding {
    /// From CICP code points; the unspecified ones default as viewers do (BT.709 primaries, the
    /// sRGB curve), and an encoding that then equals sRGB is [`Encoding::Srgb`].
    pub(super) fn cicp(primaries: u8, transfer: u8) -> Encoding {
        let primaries = match primaries {
            cicp::PRIMARIES_UNSPECIFIED => cicp::PRIMARIES_BT709,
            p => p,
        };
        let transfer = match transfer {
            cicp::TRANSFER_UNSPECIFIED => cicp::TRANSFER_SRGB,
            t => t,
        };
        // BT.709 primaries with any SDR camera curve (BT.709, BT.601, sRGB) display as sRGB
        // does: viewers do not tell these curves apart either.
        let sdr_curve = matches!(transfer, 1 | 6 | 13 | 14 | 15);
        if primaries == cicp::PRIMARIES_BT709 && sdr_curve {
            Encoding::Srgb
        } else {
            Encoding::Cicp {
                primaries,
                transfer,
            }
        }
    }

    /// True for HDR transfers (PQ, HLG), which need [`tone_map`] on samples of more than 8 bits.
    pub(super) fn is_hdr(&self) -> bool {
        matches!(
            self,
            Encoding::Cicp {
                transfer: cicp::TRANSFER_PQ | cicp::TRANSFER_HLG,
                ..
            }
        )
    }
}

/// Converts interleaved 8-bit RGB from `encoding` to sRGB in place. A profile that cannot be
/// read leaves the pixels as they are (a wrong tint is better than a failed photo).
pub(super) fn to_srgb(rgb: &mut [u8], encoding: &Encoding) {
    let source = match encoding {
        Encoding::Srgb => return,
        Encoding::Icc(icc) => match ColorProfile::new_from_slice(icc) {
            Ok(profile) if profile.color_space != DataColorSpace::Rgb || is_srgb(&profile) => {
                return;
            }
            Ok(profile) => profile,
            Err(e) => {
                tracing::debug!("ICC profile ignored: {e}");
                return;
            }
        },
        Encoding::Cicp {
            primaries,
            transfer,
        } => match cicp_profile(*primaries, *transfer) {
            Some(profile) => profile,
            None => {
                tracing::debug!(primaries, transfer, "CICP colour space ignored");
                return;
            }
        },
    };
    let transform = source.create_transform_8bit(
        Layout::Rgb,
        &ColorProfile::new_srgb(),
        Layout::Rgb,
        TransformOptions::default(),
    );
    let result = transform.and_then(|t| {
        let mut out = vec![0u8; rgb.len()];
        t.transform(rgb, &mut out)?;
        rgb.copy_from_slice(&out);
        Ok(())
    });
    if let Err(e) = result {
        tracing::debug!("colour conversion skipped: {e}");
    }
}

/// An ICC profile that is sRGB already (most JPEGs that carry one): no transform needed.
fn is_srgb(profile: &ColorProfile) -> bool {
    let srgb = ColorProfile::new_srgb();
    let close = |a: moxcms::Xyzd, b: moxcms::Xyzd| {
        (a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3 && (a.z - b.z).abs() < 1e-3
    };
    close(profile.red_colorant, srgb.red_colorant)
        && close(profile.green_colorant, srgb.green_colorant)
        && close(profile.blue_colorant, srgb.blue_colorant)
        && profile.red_trc == srgb.red_trc
}

fn cicp_profile(primaries: u8, transfer: u8) -> Option<ColorProfile> {
    let cicp = CicpProfile {
        color_primaries: CicpColorPrimaries::try_from(primaries).ok()?,
        transfer_characteristics: TransferCharacteristics::try_from(transfer).ok()?,
        matrix_coefficients: MatrixCoefficients::Bt709,
        full_range: true,
    };
    let profile = ColorProfile::new_from_cicp(cicp);
    // moxcms leaves the colorimetry empty for code points it has no curve or primaries for.
    profile.red_trc.as_ref()?;
    Some(profile)
}

/// Linear light at or below which HDR content passes unchanged (1.0 = SDR reference white).
const KNEE: f32 = 0.8;

/// Renders HDR samples (interleaved RGB, `0..=max`) in a PQ or HLG `encoding` as 8-bit sRGB.
pub(super) fn tone_map(samples: &[u16], max: u16, encoding: &Encoding) -> Vec<u8> {
    let Encoding::Cicp {
        primaries,
        transfer,
    } = *encoding
    else {
        return samples.iter().map(|&s| to_8bit(s, max)).collect();
    };
    let max_f = f32::from(max.max(1));
    // Every sample value maps to linear light once; pixels then only index tables.
    let linear: Vec<f32> = (0..=max)
        .map(|s| {
            let e = f32::from(s) / max_f;
            match transfer {
                cicp::TRANSFER_PQ => pq_to_nits(e) / 203.0,
                // HLG's reference white (75 % signal) is SDR white; the 1.2 system gamma is
                // that of a 1,000 cd/m² display, where 100 % signal reaches 4.9× SDR white.
                _ => (hlg_to_scene(e) / hlg_to_scene(0.75)).powf(1.2),
            }
        })
        .collect();
    let matrix = match primaries {
        cicp::PRIMARIES_BT2020 => BT2020_TO_BT709,
        cicp::PRIMARIES_P3_D65 => P3_TO_BT709,
        _ => IDENTITY,
    };
    let encode = srgb_encode_table();
    let mut out = Vec::with_capacity(samples.len());
    for px in samples.chunks_exact(3) {
        let lin = |s: u16| linear[usize::from(s.min(max))];
        let (r, g, b) = (lin(px[0]), lin(px[1]), lin(px[2]));
        let mut rgb = matrix.map(|row| (row[0] * r + row[1] * g + row[2] * b).max(0.0));
        // The roll-off acts on the largest channel and scales the others with it, which
        // keeps hues (a per-channel curve would turn bright saturated colours white).
        let peak = rgb[0].max(rgb[1]).max(rgb[2]);
        if peak > KNEE {
            let scale = roll_off(peak) / peak;
            rgb = rgb.map(|c| c * scale);
        }
        out.extend(rgb.map(|c| encode[(c.clamp(0.0, 1.0) * ENCODE_STEPS as f32) as usize]));
    }
    out
}

/// Scales a sample of `0..=max` to 8 bits.
pub(super) fn to_8bit(sample: u16, max: u16) -> u8 {
    let max = u32::from(max.max(1));
    ((u32::from(sample.min(max as u16)) * 255 + max / 2) / max) as u8
}

/// Above [`KNEE`], an exponential approach to 1.0 whose slope at the knee is 1 (no visible edge).
fn roll_off(x: f32) -> f32 {
    if x <= KNEE {
        return x;
    }
    let room = 1.0 - KNEE;
    KNEE + room * (1.0 - (-(x - KNEE) / room).exp())
}

/// SMPTE ST 2084 (PQ) EOTF: a signal in 0..=1 to cd/m².
fn pq_to_nits(e: f32) -> f32 {
    const M1: f32 = 2610.0 / 16384.0;
    const M2: f32 = 2523.0 / 4096.0 * 128.0;
    const C1: f32 = 3424.0 / 4096.0;
    const C2: f32 = 2413.0 / 4096.0 * 32.0;
    const C3: f32 = 2392.0 / 4096.0 * 32.0;
    let p = e.clamp(0.0, 1.0).powf(1.0 / M2);
    10_000.0 * ((p - C1).max(0.0) / (C2 - C3 * p)).powf(1.0 / M1)
}

/// ARIB STD-B67 (HLG) inverse OETF: a signal in 0..=1 to relative scene light in 0..=1.
fn hlg_to_scene(e: f32) -> f32 {
    const A: f32 = 0.178_832_77;
    const B: f32 = 1.0 - 4.0 * A;
    const C: f32 = 0.559_910_7; // 0.5 - A * ln(4A)
    let e = e.clamp(0.0, 1.0);
    if e <= 0.5 {
        e * e / 3.0
    } else {
        (((e - C) / A).exp() + B) / 12.0
    }
}

/// Resolution of the linear-to-sRGB table: fine enough that dark gradients do not band.
const ENCODE_STEPS: usize = 1 << 16;

fn srgb_encode_table() -> Vec<u8> {
    (0..=ENCODE_STEPS)
        .map(|i| {
            let l = i as f32 / ENCODE_STEPS as f32;
            let v = if l <= 0.003_130_8 {
                12.92 * l
            } else {
                1.055 * l.powf(1.0 / 2.4) - 0.055
            };
            (v * 255.0).round().clamp(0.0, 255.0) as u8
        })
        .collect()
}

type Matrix = [[f32; 3]; 3];
const IDENTITY: Matrix = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
/// Linear BT.2020 to linear BT.709/sRGB (both D65).
const BT2020_TO_BT709: Matrix = [
    [1.660_491, -0.587_641_1, -0.072_849_86],
    [-0.124_550_5, 1.132_9, -0.008_349_42],
    [-0.018_150_76, -0.100_578_9, 1.118_729_7],
];
/// Linear Display P3 to linear BT.709/sRGB (both D65).
const P3_TO_BT709: Matrix = [
    [1.224_940_2, -0.224_940_2, 0.0],
    [-0.042_056_955, 1.042_057, 0.0],
    [-0.019_637_555, -0.078_636_05, 1.098_273_6],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_and_sdr_bt709_are_srgb() {
        assert_eq!(Encoding::cicp(2, 2), Encoding::Srgb);
        assert_eq!(Encoding::cicp(1, 13), Encoding::Srgb);
        assert_eq!(Encoding::cicp(1, 1), Encoding::Srgb);
        assert_eq!(
            Encoding::cicp(12, 13),
            Encoding::Cicp {
                primaries: 12,
                transfer: 13
            }
        );
        assert!(Encoding::cicp(9, 16).is_hdr());
        assert!(Encoding::cicp(9, 18).is_hdr());
        assert!(!Encoding::cicp(12, 2).is_hdr());
    }

    #[test]
    fn p3_red_is_more_saturated_than_srgb_can_show() {
        // Pure P3 red lies outside sRGB: converted, it clips to sRGB's red, and a P3 grey
        // stays grey (same white point).
        let mut px = [255u8, 0, 0, 128, 128, 128];
        to_srgb(&mut px, &Encoding::cicp(12, 13));
        assert!(px[0] >= 250 && px[1] < 10 && px[2] < 10, "{px:?}");
        assert!(px[3..].iter().all(|&c| c.abs_diff(128) <= 2), "{px:?}");
        // A muted P3 colour comes out more saturated in sRGB numbers.
        let mut muted = [200u8, 100, 100];
        to_srgb(&mut muted, &Encoding::cicp(12, 13));
        assert!(muted[0] > 200 && muted[1] < 100, "{muted:?}");
    }

    #[test]
    fn an_srgb_icc_profile_changes_nothing_and_a_broken_one_is_ignored() {
        let mut px = [10u8, 200, 30];
        to_srgb(&mut px, &Encoding::Icc(b"not an icc profile".to_vec()));
        assert_eq!(px, [10, 200, 30]);
        let srgb = ColorProfile::new_srgb().encode().unwrap();
        to_srgb(&mut px, &Encoding::Icc(srgb));
        assert_eq!(px, [10, 200, 30]);
    }

    #[test]
    fn a_display_p3_jpeg_is_converted_to_srgb() {
        use super::super::testutil::*;
        use std::path::Path;
        // A muted P3 red: as sRGB numbers it must come out more saturated.
        let image = ::image::RgbImage::from_pixel(64, 48, ::image::Rgb([200, 100, 100]));
        let p3 = ColorProfile::new_display_p3().encode().unwrap();
        let jpeg = with_icc(&encode_jpeg_q(&image, 95), &p3);
        let limits = crate::extract::Limits::default();
        let photo = super::super::extract(Path::new("IMG_0001.JPG"), &jpeg, &limits).unwrap();
        let thumb = ::image::load_from_memory(&photo.thumbnail)
            .unwrap()
            .to_rgb8();
        let px = thumb.get_pixel(32, 24).0;
        assert!(px[0] > 210 && px[1] < 95, "{px:?}");
        // Without the profile, the same bytes are taken as sRGB, unchanged.
        let plain =
            super::super::extract(Path::new("a.jpg"), &encode_jpeg_q(&image, 95), &limits).unwrap();
        let px = ::image::load_from_memory(&plain.thumbnail)
            .unwrap()
            .to_rgb8()
            .get_pixel(32, 24)
            .0;
        assert!(px[0].abs_diff(200) < 6 && px[1].abs_diff(100) < 6, "{px:?}");
    }

    #[test]
    fn pq_reference_white_is_srgb_white_and_highlights_roll_off() {
        // 10-bit PQ: 203 cd/m² is signal ≈ 0.58; 1,000 cd/m² ≈ 0.75; 10,000 = 1.0.
        let max = 1023u16;
        let at = |nits: f32| {
            (0..=max)
                .min_by_key(|&s| {
                    ((pq_to_nits(f32::from(s) / f32::from(max)) - nits).abs() * 100.0) as u32
                })
                .unwrap()
        };
        let encoding = Encoding::cicp(9, 16);
        let white = at(203.0);
        let out = tone_map(&[white, white, white], max, &encoding);
        assert!(out.iter().all(|&c| c >= 240), "{out:?}");
        // Mid grey (≈ 18 % of reference white) stays mid grey, not dark.
        let grey = at(0.18 * 203.0);
        let out = tone_map(&[grey, grey, grey], max, &encoding);
        assert!(out.iter().all(|&c| (105..=130).contains(&c)), "{out:?}");
        // Brighter than white keeps a gradient below 255 instead of clipping at once.
        let a = tone_map(&[at(250.0); 3], max, &encoding)[0];
        let b = tone_map(&[at(600.0); 3], max, &encoding)[0];
        assert!(a < b, "{a} < {b}");
    }

    #[test]
    fn hlg_reference_white_is_srgb_white() {
        let max = 1023u16;
        let white = (0.75 * f32::from(max)).round() as u16;
        let out = tone_map(&[white, white, white], max, &Encoding::cicp(9, 18));
        assert!(out.iter().all(|&c| c >= 240), "{out:?}");
        let dark = tone_map(&[0, 0, 0], max, &Encoding::cicp(9, 18));
        assert_eq!(dark, vec![0, 0, 0]);
    }

    #[test]
    fn roll_off_is_continuous_monotone_and_bounded() {
        assert_eq!(roll_off(0.5), 0.5);
        assert!((roll_off(KNEE + 1e-4) - KNEE).abs() < 1e-3);
        let mut last = 0.0;
        for i in 0..100 {
            let y = roll_off(i as f32 * 0.1);
            assert!(y >= last && y <= 1.0);
            last = y;
        }
    }

    #[test]
    fn eight_bit_scaling_rounds() {
        assert_eq!(to_8bit(1023, 1023), 255);
        assert_eq!(to_8bit(0, 1023), 0);
        assert_eq!(to_8bit(512, 1023), 128);
        assert_eq!(to_8bit(2000, 1023), 255);
    }
}
