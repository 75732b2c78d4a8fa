//! Photo formats beyond JPEG and PNG, end to end: the HEIC files of real phones and cameras
//! (the pillow-heif samples: iPhone, Samsung, Xiaomi, Nokia, Canon, Sony), HEIC and AVIF made by
//! libheif's own encoders, DNGs written tag by tag. Each is indexed with its metadata and a thumbnail the right way up,
//! or failed with a reason a person understands.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use image::RgbImage;
use serde_json::Value;
use trove_testkit::dng::{self, Dng};
use trove_testkit::heif::{self, CompressionFormat};

use crate::util::{Dir, KEYWORD_ONLY, counts, photo_paths};

/// Sample files that must fail, and what their reason must say.
const SAMPLE_FAILURES: &[(&str, &str)] = &[
    ("heif_corrupted/corrupted.heic", "corrupt HEIC: "),
    (
        "heif_corrupted/corrupted.hif",
        "corrupt HEIC: the file is truncated",
    ),
    ("heif_corrupted/empty.heic", "empty file (0 bytes)"),
    (
        "heif_special/200MP.heic",
        "too large: 12240×16320 pixels (200 megapixels); the limit is 120 megapixels",
    ),
    (
        "heif_truncated/truncated.heic",
        "corrupt HEIC: the file is truncated",
    ),
];

/// Copies the sample tree under `files/samples`; returns the relative paths of its HEIF files.
fn copy_samples(dir: &Dir) -> Vec<String> {
    fn walk(from: &Path, rel: &Path, dir: &Dir, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let rel = rel.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &rel, dir, out);
            } else if !entry.file_name().to_string_lossy().starts_with('.') {
                dir.copy_in(entry.path(), Path::new("samples").join(&rel));
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(&heif::samples(), Path::new(""), dir, &mut out);
    out.sort();
    out
}

fn sample(rel: &str) -> String {
    format!("samples/{rel}")
}

fn photo_of(dir: &Dir, rel: &str) -> Value {
    let shown = dir.show(dir.path(rel));
    assert_eq!(shown["state"], "indexed", "{shown:#}");
    shown["photo"].clone()
}

fn thumbnail(photo: &Value) -> RgbImage {
    let path = photo["thumbnail"].as_str().expect("a thumbnail");
    image::open(path).expect("a JPEG thumbnail").to_rgb8()
}

#[test]
fn phone_and_camera_heics_index_or_fail_with_their_reason() {
    let dir = Dir::new();
    let files = copy_samples(&dir);
    let mut args = vec!["files"];
    args.extend(KEYWORD_ONLY);
    dir.index(&args);

    let failed = dir.failure_reasons();
    let expected: BTreeMap<String, &str> = SAMPLE_FAILURES
        .iter()
        .map(|(rel, reason)| (dir.shown(sample(rel)), *reason))
        .collect();
    assert_eq!(
        failed.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{failed:#?}"
    );
    for (path, reason) in &failed {
        assert!(reason.contains(expected[path]), "{path}: {reason}");
    }

    // Everything else is a photo: grids, bursts, stereo pairs, 10- and 12-bit, alpha,
    // monochrome, odd thumbnails and metadata.
    let heifs: Vec<&String> = files
        .iter()
        .filter(|f| [".heic", ".heif", ".hif"].iter().any(|e| f.ends_with(e)))
        .filter(|f| !SAMPLE_FAILURES.iter().any(|(rel, _)| rel == f))
        .collect();
    assert!(heifs.len() >= 45, "{heifs:?}");
    for rel in heifs {
        let photo = photo_of(&dir, &sample(rel));
        assert_eq!(photo["format"], "heic", "{rel}: {photo:#}");
        assert!(Path::new(photo["thumbnail"].as_str().unwrap()).is_file());
    }

    // What the phones and cameras wrote: dates, cameras, places; sizes as displayed.
    for (rel, size, taken, camera, place) in [
        (
            "heif_other/arrow.heic",
            (3024, 4032),
            "2018-07-31T14:52:07",
            "Apple iPhone 8 Plus",
            None,
        ),
        (
            "heif_other/pug.heic",
            (4032, 3024),
            "2023-02-21T14:33:08+03:00",
            "Apple iPhone 13 Pro",
            Some((44.8505, 34.9766)),
        ),
        (
            "heif_special/aux_YCbCr.heic",
            (4000, 1848),
            "2025-06-02T14:07:50+03:00",
            "samsung Galaxy S25 Ultra",
            Some((59.5128, 24.8343)),
        ),
        (
            "heif_special/xiaomi.heic",
            (2592, 1944),
            "2023-04-27T19:44:18",
            "Xiaomi M2012K11AG",
            Some((47.2273, 39.7)),
        ),
        (
            "heif_special/guitar_cw90.hif",
            (4672, 7008),
            "2023-03-15T14:05:22+08:00",
            "SONY ILCE-7M4",
            None,
        ),
    ] {
        let photo = photo_of(&dir, &sample(rel));
        assert_eq!(
            (photo["width"].as_u64(), photo["height"].as_u64()),
            (Some(size.0), Some(size.1)),
            "{rel}"
        );
        assert_eq!(photo["taken_at"], taken, "{rel}");
        assert_eq!(photo["camera"], camera, "{rel}");
        // The container has turned the picture already: EXIF's turn is not applied again.
        assert_eq!(photo["orientation"], Value::Null, "{rel}");
        match place {
            Some((lat, lon)) => {
                let (la, lo) = (
                    photo["latitude"].as_f64().unwrap(),
                    photo["longitude"].as_f64().unwrap(),
                );
                assert!(
                    (la - lat).abs() < 1e-3 && (lo - lon).abs() < 1e-3,
                    "{rel}: {la},{lo}"
                );
            }
            None => assert_eq!(photo["latitude"], Value::Null, "{rel}"),
        }
    }
}

/// `heif-convert` (libheif's own tool, from libheif-examples) writes the reference decode.
fn reference_decode(file: &Path, out: &Path) -> RgbImage {
    let status = Command::new("heif-convert")
        .arg(file)
        .arg(out)
        .output()
        .expect("heif-convert runs (scripts/test installs libheif-examples)");
    assert!(
        status.status.success(),
        "heif-convert {}: {status:?}",
        file.display()
    );
    image::open(out).expect("a PNG").to_rgb8()
}

/// Mean absolute difference per channel, 0–255.
fn mean_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[test]
fn heic_thumbnails_are_the_right_way_up() {
    let dir = Dir::new();
    let samples = heif::samples();
    // The iPhone file is stored sideways with a container rotation and EXIF Orientation 6,
    // the Sony one with a container rotation only, the Xiaomi one upright.
    let picked = [
        "heif_other/arrow.heic",
        "heif_special/guitar_cw90.hif",
        "heif_special/xiaomi.heic",
    ];
    for rel in picked {
        dir.copy_in(samples.join(rel), sample(rel));
    }
    let mut args = vec!["files"];
    args.extend(KEYWORD_ONLY);
    dir.index(&args);
    for rel in picked {
        let thumb = thumbnail(&photo_of(&dir, &sample(rel)));
        let reference = reference_decode(&samples.join(rel), &dir.root().join("reference.png"));
        let (w, h) = thumb.dimensions();
        // Same shape (a photo turned a quarter would be the other way round)…
        let (rw, rh) = reference.dimensions();
        assert_eq!(
            w >= h,
            rw >= rh,
            "{rel}: {w}×{h} vs the reference {rw}×{rh}"
        );
        // …and the same picture (turned half-way or mirrored, it would differ widely).
        let small =
            image::imageops::resize(&reference, w, h, image::imageops::FilterType::Triangle);
        let diff = mean_difference(&thumb, &small);
        assert!(
            diff < 6.0,
            "{rel}: mean difference {diff:.1} from the reference decode"
        );
    }
}

#[test]
fn heic_and_avif_exports_are_searchable_and_shown() {
    let dir = Dir::new();
    let (w, h) = (120u32, 80u32);
    let rgb = trove_testkit::orange_and_blue_halves(w, h);
    let exif = exif_block();
    for (name, codec) in [
        ("phone/IMG_4242.HEIC", CompressionFormat::Hevc),
        ("web/sunset-export.avif", CompressionFormat::Av1),
    ] {
        dir.write(name, heif::encode(w, h, &rgb, codec, Some(&exif)));
    }
    // An iPhone Live Photo is the HEIC and a short MOV of the same name: the still is the photo.
    dir.write("phone/IMG_4242.MOV", b"\0\0\0\x14ftypqt  \0\0\0\0qt  ");
    let mut args = vec!["files"];
    args.extend(KEYWORD_ONLY);
    dir.index(&args);
    let [files, indexed, _, failed, _, photos, _] = counts(&dir.status());
    assert_eq!((files, indexed, failed, photos), (2, 2, 0, 2));
    for (name, format) in [
        ("phone/IMG_4242.HEIC", "heic"),
        ("web/sunset-export.avif", "avif"),
    ] {
        let photo = photo_of(&dir, name);
        assert_eq!(photo["format"], format);
        assert_eq!(
            (photo["width"].as_u64(), photo["height"].as_u64()),
            (Some(120), Some(80))
        );
        assert_eq!(photo["camera"], "Panasonic Lumix DMC-GX7", "{photo:#}");
        let thumb = thumbnail(&photo);
        let left = thumb.get_pixel(10, 40).0;
        let right = thumb.get_pixel(110, 40).0;
        assert!(left[0] > 200 && left[2] < 80, "{name}: {left:?}");
        assert!(right[2] > 180 && right[0] < 80, "{name}: {right:?}");
    }
    // Their camera is searchable by keyword, like a JPEG's.
    let found = photo_paths(&dir.search("Lumix"));
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn a_folder_of_dngs_is_searchable_and_the_right_way_up() {
    let dir = Dir::new();
    let (w, h) = (96u32, 64u32);
    // Red top-left corner on grey.
    let scene: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            if i % w < w / 4 && i / w < h / 4 {
                [230, 20, 20]
            } else {
                [128, 128, 128]
            }
        })
        .collect();
    let write = |name: &str, orientation: u16, preview: bool| {
        let preview = preview.then(|| {
            let (pw, ph) = (w * 4, h * 4);
            let big: Vec<u8> = (0..pw * ph)
                .flat_map(|i| {
                    let (x, y) = (i % pw / 4, i / pw / 4);
                    let at = ((y * w + x) * 3) as usize;
                    [scene[at], scene[at + 1], scene[at + 2]]
                })
                .collect();
            (pw, ph, big)
        });
        let bytes = dng::write(&Dng {
            width: w,
            height: h,
            scene: scene.clone(),
            preview,
            orientation,
            make: "Trove",
            model: "Field Camera",
            taken: "2025:08:02 18:30:00",
        });
        dir.write(format!("raw/{name}"), bytes);
    };
    write("DSC_0001.DNG", 1, true);
    write("DSC_0002.DNG", 6, true);
    write("DSC_0003.dng", 8, false);
    let mut args = vec!["files"];
    args.extend(KEYWORD_ONLY);
    dir.index(&args);
    // Where the red corner is displayed: top-left upright, top-right turned clockwise,
    // bottom-left turned counter-clockwise.
    for (name, size, corner) in [
        ("raw/DSC_0001.DNG", (96, 64), (5, 5)),
        ("raw/DSC_0002.DNG", (64, 96), (58, 5)),
        ("raw/DSC_0003.dng", (64, 96), (5, 90)),
    ] {
        let photo = photo_of(&dir, name);
        assert_eq!(photo["format"], "raw", "{photo:#}");
        assert_eq!(
            (photo["width"].as_u64(), photo["height"].as_u64()),
            (Some(size.0), Some(size.1)),
            "{name}"
        );
        assert_eq!(photo["camera"], "Trove Field Camera");
        assert_eq!(photo["taken_at"], "2025-08-02T18:30:00");
        let thumb = thumbnail(&photo);
        assert_eq!(thumb.dimensions(), (size.0 as u32, size.1 as u32), "{name}");
        let red = thumb.get_pixel(corner.0, corner.1).0;
        assert!(red[0] > 180 && red[1] < 90, "{name}: {red:?} at {corner:?}");
        let centre = thumb.get_pixel(thumb.width() / 2, thumb.height() / 2).0;
        assert!(
            centre.iter().all(|&c| c.abs_diff(128) < 40),
            "{name}: {centre:?}"
        );
    }
    let found = photo_paths(&dir.search("Field Camera"));
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn a_raw_and_the_jpeg_of_the_same_shot_are_one_photo() {
    let dir = Dir::new();
    let (w, h) = (48u32, 32u32);
    let scene: Vec<u8> = (0..w * h).flat_map(|_| [200, 120, 40]).collect();
    let raw = |taken| {
        dng::write(&Dng {
            width: w,
            height: h,
            scene: scene.clone(),
            preview: None,
            orientation: 1,
            make: "Trove",
            model: "Pair Camera",
            taken,
        })
    };
    let mut jpeg = std::io::Cursor::new(Vec::new());
    RgbImage::from_raw(w, h, scene.clone())
        .unwrap()
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    // One shot saved as RAW+JPEG, one as RAW only, and a JPEG whose name only begins alike.
    dir.write("card/DSC_0100.DNG", raw("2025:08:02 18:30:00"));
    dir.write("card/DSC_0100.JPG", jpeg.get_ref());
    dir.write("card/DSC_0101.DNG", raw("2025:08:02 18:31:00"));
    dir.write("card/DSC_0101-edit.jpg", jpeg.get_ref());
    let mut args = vec!["files"];
    args.extend(KEYWORD_ONLY);
    dir.index(&args);

    let results = dir.search("DSC_0100");
    let photos = results["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1, "{results:#}");
    assert_eq!(photos[0]["path"], dir.shown("card/DSC_0100.JPG"));
    assert_eq!(photos[0]["raw"], dir.shown("card/DSC_0100.DNG"));
    // Found by what only the RAW says (its camera): still shown as the JPEG.
    let results = dir.search("Pair Camera");
    let shown: Vec<(&str, Option<&str>)> = results["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["raw"].as_str()))
        .collect();
    let raw_0100 = dir.shown("card/DSC_0100.DNG");
    assert_eq!(
        shown,
        [
            ("DSC_0100.JPG", Some(raw_0100.as_str())),
            ("DSC_0101.DNG", None)
        ],
        "{results:#}"
    );
    // In text, the RAW is named under its JPEG.
    let text = dir.trove(&["search", "DSC_0100"]).stdout();
    assert!(text.contains("RAW beside it: "), "{text}");
}

/// A minimal little-endian EXIF (TIFF) block with Make and Model.
fn exif_block() -> Vec<u8> {
    let entries: [(u16, &[u8]); 2] = [(0x010F, b"Panasonic\0"), (0x0110, b"Lumix DMC-GX7\0")];
    let ifd_start = 8u32;
    let data_start = ifd_start + 2 + entries.len() as u32 * 12 + 4;
    let mut out = b"II*\0".to_vec();
    out.extend(ifd_start.to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    let mut data = Vec::new();
    for (tag, value) in entries {
        out.extend(tag.to_le_bytes());
        out.extend(2u16.to_le_bytes()); // ASCII
        out.extend((value.len() as u32).to_le_bytes());
        out.extend((data_start + data.len() as u32).to_le_bytes());
        data.extend_from_slice(value);
    }
    out.extend(0u32.to_le_bytes());
    out.extend(data);
    out
}

/// The unusual-but-valid TIFF, GIF, BMP and JPEG variants and the PQ/HLG HEICs of
/// `tests/fixtures/variants` (made by `make_variants.py`): each shows its test card's four
/// quadrants in the thumbnail, or fails with the reason its manifest names (never "corrupt").
#[test]
fn unusual_variants_and_hdr_heics_decode_as_their_manifest_says() {
    let variants = trove_testkit::fixtures().join("variants");
    let manifest: BTreeMap<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(variants.join("manifest.json")).expect("the manifest"),
    )
    .expect("manifest JSON");
    let dir = Dir::new();
    for name in manifest.keys() {
        dir.copy_in(variants.join(name), Path::new("variants").join(name));
    }
    let mut args = vec!["files"];
    args.extend(KEYWORD_ONLY);
    dir.index(&args);
    let failed = dir.failure_reasons();

    let mut wrong = Vec::new();
    for (name, expected) in &manifest {
        let path = dir.shown(format!("variants/{name}"));
        if let Some(reason) = expected["fails"].as_str() {
            match failed.get(&path) {
                Some(got) if got.contains(reason) && !got.contains("corrupt") => {}
                other => wrong.push(format!(
                    "{name}: expected a failure naming {reason:?}, got {other:?}"
                )),
            }
            continue;
        }
        if let Some(reason) = failed.get(&path) {
            wrong.push(format!("{name}: failed: {reason}"));
            continue;
        }
        let thumb = thumbnail(&photo_of(&dir, &format!("variants/{name}")));
        let (w, h) = thumb.dimensions();
        let tolerance = expected["tolerance"].as_i64().unwrap() as i32;
        let centres = [
            (w / 4, h / 4),
            (3 * w / 4, h / 4),
            (w / 4, 3 * h / 4),
            (3 * w / 4, 3 * h / 4),
        ];
        for ((x, y), want) in centres
            .iter()
            .zip(expected["quadrants"].as_array().unwrap())
        {
            if want.is_null() {
                continue;
            }
            let got = thumb.get_pixel(*x, *y).0;
            let want: Vec<i32> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap() as i32)
                .collect();
            if got
                .iter()
                .zip(&want)
                .any(|(&g, &e)| (i32::from(g) - e).abs() > tolerance)
            {
                wrong.push(format!("{name}: at ({x}, {y}) {got:?}, expected {want:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
