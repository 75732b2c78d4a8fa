//! Test fixtures built in code: small images with known pixels, EXIF blocks, hand-made headers.

use std::io::Cursor;

use ::image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use exif::{Field, In, Rational, Tag, Value};
use rand::{Rng, SeedableRng};

pub const RED: [u8; 3] = [230, 20, 20];
pub const GREEN: [u8; 3] = [20, 200, 40];
pub const BLUE: [u8; 3] = [20, 40, 220];
pub const WHITE: [u8; 3] = [255, 255, 255];
pub const GREY: [u8; 3] = [128, 128, 128];

/// Lossy codecs and resampling move colours a little; this checks they stayed recognisable.
#[track_caller]
pub fn assert_close(actual: [u8; 3], expected: [u8; 3]) {
    let far = actual
        .iter()
        .zip(expected)
        .any(|(&a, e)| (i16::from(a) - i16::from(e)).abs() > 40);
    assert!(!far, "pixel {actual:?} is not close to {expected:?}");
}

pub fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 96])
    })
}

/// Red top-left, green top-right, blue bottom-left, white bottom-right.
pub fn quadrants(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb(match (x < w / 2, y < h / 2) {
            (true, true) => RED,
            (false, true) => GREEN,
            (true, false) => BLUE,
            (false, false) => WHITE,
        })
    })
}

/// `image` shows [`quadrants`]: each quadrant's centre has its colour.
#[track_caller]
pub fn assert_quadrants(image: &RgbImage) {
    let (w, h) = image.dimensions();
    assert_close(image.get_pixel(w / 4, h / 4).0, RED);
    assert_close(image.get_pixel(3 * w / 4, h / 4).0, GREEN);
    assert_close(image.get_pixel(w / 4, 3 * h / 4).0, BLUE);
    assert_close(image.get_pixel(3 * w / 4, 3 * h / 4).0, WHITE);
}

/// An extracted photo's JPEG thumbnail, decoded.
pub fn thumbnail_of(photo: &super::Photo) -> RgbImage {
    ::image::load_from_memory(&photo.thumbnail)
        .expect("the thumbnail decodes")
        .to_rgb8()
}

/// Grey with a red block in the top-left corner, to see where rotation puts it.
pub fn corner_marked(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb(if x < w / 4 && y < h / 4 { RED } else { GREY })
    })
}

/// Smooth content with per-pixel noise: compresses like a real photo, not like a flat test card.
pub fn noisy(w: u32, h: u32) -> RgbImage {
    noisy_with(w, h, 24)
}

/// [`noisy`] with a chosen noise amplitude (±`amplitude` per channel).
pub fn noisy_with(w: u32, h: u32, amplitude: i32) -> RgbImage {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    RgbImage::from_fn(w, h, |x, y| {
        let base = [
            (x * 200 / w) as i32 + 20,
            (y * 200 / h) as i32 + 20,
            ((x + y) * 100 / (w + h)) as i32 + 60,
        ];
        Rgb(base.map(|b| (b + rng.random_range(-amplitude..=amplitude)).clamp(0, 255) as u8))
    })
}

pub fn encode_dynamic(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encodes");
    out.into_inner()
}

pub fn encode_with(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    encode_dynamic(&DynamicImage::ImageRgb8(image.clone()), format)
}

pub fn encode_png(image: &RgbImage) -> Vec<u8> {
    encode_with(image, ImageFormat::Png)
}

pub fn encode_jpeg_q(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    ::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .expect("encodes");
    out
}

pub fn animated_gif(colours: &[[u8; 3]], w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = ::image::codecs::gif::GifEncoder::new(&mut out);
        for &c in colours {
            let frame =
                ::image::RgbaImage::from_pixel(w, h, ::image::Rgba([c[0], c[1], c[2], 255]));
            encoder
                .encode_frame(::image::Frame::new(frame))
                .expect("encodes");
        }
    }
    out
}

fn ascii_value(s: &str) -> Value {
    Value::Ascii(vec![s.as_bytes().to_vec()])
}

pub fn ascii_field(tag: Tag, s: &str) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: ascii_value(s),
    }
}

fn short_field(tag: Tag, ifd: In, values: Vec<u16>) -> Field {
    Field {
        tag,
        ifd_num: ifd,
        value: Value::Short(values),
    }
}

pub fn orientation_only(orientation: u16) -> Vec<Field> {
    vec![short_field(
        Tag::Orientation,
        In::PRIMARY,
        vec![orientation],
    )]
}

fn dms(d: u32, m: u32, s: f64) -> Value {
    Value::Rational(vec![
        Rational { num: d, denom: 1 },
        Rational { num: m, denom: 1 },
        Rational {
            num: (s * 100.0).round() as u32,
            denom: 100,
        },
    ])
}

pub fn gps_fields(
    lat: (u32, u32, f64),
    lat_ref: &str,
    lon: (u32, u32, f64),
    lon_ref: &str,
) -> Vec<Field> {
    vec![
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: dms(lat.0, lat.1, lat.2),
        },
        ascii_field(Tag::GPSLatitudeRef, lat_ref),
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: dms(lon.0, lon.1, lon.2),
        },
        ascii_field(Tag::GPSLongitudeRef, lon_ref),
    ]
}

/// A camera-like EXIF block: Sydney Opera House, 12 July 2019, Canon EOS 5D.
pub fn full_exif(orientation: u16) -> Vec<Field> {
    let mut fields = vec![
        short_field(Tag::Orientation, In::PRIMARY, vec![orientation]),
        ascii_field(Tag::DateTimeOriginal, "2019:07:12 14:03:22"),
        ascii_field(Tag::OffsetTimeOriginal, "+02:00"),
        ascii_field(Tag::DateTime, "2020:01:01 10:00:00"),
        ascii_field(Tag::Make, "Canon"),
        ascii_field(Tag::Model, "Canon EOS 5D"),
        ascii_field(Tag::LensModel, "EF24-105mm f/4L IS USM"),
    ];
    // 33°51'24.48"S 151°12'55.08"E
    fields.extend(gps_fields((33, 51, 24.48), "S", (151, 12, 55.08), "E"));
    fields
}

/// The TIFF-structured EXIF block for `fields`.
pub fn exif_tiff(fields: &[Field]) -> Vec<u8> {
    let mut writer = exif::experimental::Writer::new();
    for f in fields {
        writer.push_field(f);
    }
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, false).expect("writes EXIF");
    out.into_inner()
}

/// Inserts an APP1 segment with `payload` right after the JPEG's SOI marker.
pub fn splice_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
    splice_app(jpeg, 0xE1, payload)
}

/// Inserts an APPn segment (`marker` 0xE0 + n) with `payload` right after the SOI marker.
pub fn splice_app(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], b"\xFF\xD8");
    let len = u16::try_from(payload.len() + 2).expect("the segment fits");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// `jpeg` with an ICC profile, in one APP2 segment as the ICC specification lays it out.
pub fn with_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let payload = [&b"ICC_PROFILE\0\x01\x01"[..], icc].concat();
    splice_app(jpeg, 0xE2, &payload)
}

pub fn with_exif(jpeg: &[u8], fields: &[Field]) -> Vec<u8> {
    let payload = [&b"Exif\0\0"[..], &exif_tiff(fields)].concat();
    splice_app1(jpeg, &payload)
}

/// A PNG that is only a signature, an IHDR declaring `w`×`h` RGB, and IEND: a decompression
/// bomb in miniature (the real ones add a highly compressible IDAT).
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    trove_testkit::png::rgb8(w, h, None)
}

/// Inserts an eXIf chunk after IHDR.
pub fn png_with_exif(png: &[u8], fields: &[Field]) -> Vec<u8> {
    trove_testkit::png::insert_after_ihdr(png, b"eXIf", &exif_tiff(fields))
}

/// Rewrites the frame header (SOF0) dimensions of a baseline JPEG.
pub fn set_jpeg_dims(jpeg: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = out
        .windows(2)
        .position(|m| m == [0xFF, 0xC0])
        .expect("baseline JPEG has SOF0");
    // Marker, length (2), precision (1), then height and width.
    out[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    out
}

/// The start of an ISO-BMFF file: an `ftyp` box and a little payload.
pub fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let size = 16 + 4 * compatible.len() as u32;
    let mut out = size.to_be_bytes().to_vec();
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(major);
    out.extend_from_slice(&[0, 0, 0, 0]);
    for b in compatible {
        out.extend_from_slice(&b[..]);
    }
    out.extend_from_slice(b"\0\0\0\x08meta\0\0\0\0");
    out
}

/// An uncompressed RGB TIFF with two pages (IFD0 and IFD1) of solid colours.
pub fn two_page_tiff(first: (u32, u32, [u8; 3]), second: (u32, u32, [u8; 3])) -> Vec<u8> {
    let page = |(w, h, c): (u32, u32, [u8; 3])| c.repeat((w * h) as usize);
    let (data0, data1) = (page(first), page(second));
    let strips0: &[&[u8]] = &[&data0];
    let strips1: &[&[u8]] = &[&data1];
    let fields = |(w, h, _): (u32, u32, [u8; 3]), ifd: In| {
        vec![
            Field {
                tag: Tag::ImageWidth,
                ifd_num: ifd,
                value: Value::Long(vec![w]),
            },
            Field {
                tag: Tag::ImageLength,
                ifd_num: ifd,
                value: Value::Long(vec![h]),
            },
            short_field(Tag::BitsPerSample, ifd, vec![8, 8, 8]),
            short_field(Tag::Compression, ifd, vec![1]),
            short_field(Tag::PhotometricInterpretation, ifd, vec![2]),
            short_field(Tag::SamplesPerPixel, ifd, vec![3]),
            Field {
                tag: Tag::RowsPerStrip,
                ifd_num: ifd,
                value: Value::Long(vec![h]),
            },
            short_field(Tag::PlanarConfiguration, ifd, vec![1]),
        ]
    };
    let (f0, f1) = (fields(first, In::PRIMARY), fields(second, In::THUMBNAIL));
    let mut writer = exif::experimental::Writer::new();
    for f in f0.iter().chain(&f1) {
        writer.push_field(f);
    }
    writer.set_strips(strips0, In::PRIMARY);
    writer.set_strips(strips1, In::THUMBNAIL);
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, true).expect("writes TIFF");
    out.into_inner()
}

/// Random inputs for the never-panic property: pure noise, and valid files cut or damaged.
pub fn mangled_inputs(rng: &mut impl Rng, valid: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for _ in 0..20 {
        let len = rng.random_range(1..2000);
        out.push((0..len).map(|_| rng.random()).collect());
    }
    for file in valid {
        for _ in 0..25 {
            let cut = rng.random_range(1..file.len());
            out.push(file[..cut].to_vec());
        }
        for _ in 0..25 {
            let mut damaged = file.clone();
            for _ in 0..rng.random_range(1..8) {
                let i = rng.random_range(0..damaged.len());
                damaged[i] = rng.random();
            }
            out.push(damaged);
        }
    }
    out
}

/// HEIC (`Hevc`) or AVIF (`Av1`) bytes of `image` (see [`trove_testkit::heif::encode`]).
pub fn encode_heif(
    image: &RgbImage,
    format: libheif_rs::CompressionFormat,
    exif: Option<&[u8]>,
) -> Vec<u8> {
    let (w, h) = image.dimensions();
    trove_testkit::heif::encode(w, h, image.as_raw(), format, exif)
}
