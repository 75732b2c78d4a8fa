//! Photo metadata from EXIF: when, with what, where, and which way up.
//!
//! EXIF is written by thousands of camera and phone firmwares, many of them sloppily: padded or
//! NUL-terminated strings, "0000:00:00" dates, zero denominators, GPS without a fix reported as
//! 0°,0°. Everything here is best effort; a field that does not make sense is left out, and a
//! block that does not parse leaves the photo without metadata rather than failing it.

use std::io::Cursor;

use exif::{Exif, Field, In, Tag, Value};
use serde::{Deserialize, Serialize};

use super::decode::guard;
use super::sniff::Format;

/// What a photo's EXIF says, cleaned up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhotoMeta {
    /// Local time the photo was taken, ISO 8601 ("2019-07-12T14:03:22"), with the UTC offset
    /// appended ("…+02:00") when the camera recorded one.
    pub taken_at: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens: Option<String>,
    /// Signed decimal degrees (south and west negative).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// EXIF orientation 1–8 (1 = upright).
    pub orientation: Option<u16>,
}

impl PhotoMeta {
    /// The camera as people name it: "Canon EOS 5D", "NIKON D750", "Apple iPhone 12".
    /// Many makers repeat their name in the model, so it is not prefixed twice.
    pub fn camera(&self) -> Option<String> {
        let make = self
            .make
            .as_deref()
            .map(short_make)
            .filter(|m| !m.is_empty());
        match (make, self.model.as_deref()) {
            (Some(make), Some(model)) if model_names_make(make, model) => Some(model.to_owned()),
            (Some(make), Some(model)) => Some(format!("{make} {model}")),
            (Some(make), None) => Some(make.to_owned()),
            (None, Some(model)) => Some(model.to_owned()),
            (None, None) => None,
        }
    }

    /// Searchable text for keyword search: camera, lens, and the date written the ways people
    /// type it ("2019-07-12 July 2019").
    pub fn text(&self) -> String {
        let date = self.taken_at.as_deref().and_then(date_for_people);
        [self.camera(), self.lens.clone(), date]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Reads the metadata of a photo in `format`; never fails (see the module comment).
pub(super) fn read(format: Format, bytes: &[u8]) -> PhotoMeta {
    let parsed = match format {
        // GIF and BMP carry no EXIF.
        Format::Gif | Format::Bmp => return PhotoMeta::default(),
        // rawler reads a RAW's metadata while decoding it (see `Decoded::meta`).
        Format::Raw => return PhotoMeta::default(),
        Format::Heic | Format::Avif => match super::heif::exif(bytes) {
            Some(raw) => guard(format, || Ok(exif::Reader::new().read_raw(raw))),
            None => return PhotoMeta::default(),
        },
        Format::Jpeg | Format::Png | Format::WebP | Format::Tiff => guard(format, || {
            Ok(exif::Reader::new().read_from_container(&mut Cursor::new(bytes)))
        }),
    };
    let reason = match parsed {
        // libheif has turned a HEIF's pixels by the container's transforms already; phones
        // still write the same turn into EXIF, and applying it again turns the photo over.
        Ok(Ok(exif)) if matches!(format, Format::Heic | Format::Avif) => {
            return PhotoMeta {
                orientation: None,
                ..from_exif(&exif)
            };
        }
        Ok(Ok(exif)) => return from_exif(&exif),
        Ok(Err(exif::Error::NotFound(_))) => return PhotoMeta::default(),
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    tracing::debug!(format = format.name(), "EXIF ignored: {reason}");
    PhotoMeta::default()
}

fn from_exif(exif: &Exif) -> PhotoMeta {
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    let text = |tag| field(tag).and_then(ascii);
    let (latitude, longitude) = gps(exif).unzip();
    PhotoMeta {
        taken_at: taken_at(exif),
        make: text(Tag::Make),
        model: text(Tag::Model),
        lens: text(Tag::LensModel),
        latitude,
        longitude,
        orientation: field(Tag::Orientation)
            .and_then(|f| f.value.get_uint(0))
            .and_then(|o| u16::try_from(o).ok())
            .filter(|o| (1..=8).contains(o)),
    }
}

/// A camera RAW's metadata, as rawler reads it from the maker's own layout (CR3 and RAF are
/// not TIFF, so kamadak-exif cannot read them).
pub(super) fn from_raw(raw: &rawler::decoders::RawMetadata) -> PhotoMeta {
    let exif = &raw.exif;
    let text = |s: &Option<String>| s.as_deref().and_then(|s| clean(s.as_bytes()));
    let taken_at = [
        (&exif.date_time_original, &exif.offset_time_original),
        (&exif.create_date, &exif.offset_time_digitized),
        (&exif.modify_date, &exif.offset_time),
    ]
    .into_iter()
    .find_map(|(date, offset)| {
        let mut iso = parse_exif_datetime(date.as_deref()?)?;
        if let Some(offset) = offset.as_deref().and_then(parse_offset) {
            iso.push_str(&offset);
        }
        Some(iso)
    });
    let place = exif.gps.as_ref().and_then(|gps| {
        let coordinate = |dms: &Option<[rawler::formats::tiff::Rational; 3]>,
                          reference: &Option<String>,
                          negative: &str,
                          max: f64| {
            let parts: Vec<f64> = dms
                .as_ref()?
                .iter()
                .map(|r| f64::from(r.n) / f64::from(r.d))
                .collect();
            signed_degrees(&parts, reference.as_deref(), negative, max)
        };
        let lat = coordinate(&gps.gps_latitude, &gps.gps_latitude_ref, "S", 90.0)?;
        let lon = coordinate(&gps.gps_longitude, &gps.gps_longitude_ref, "W", 180.0)?;
        (lat != 0.0 || lon != 0.0).then_some((lat, lon))
    });
    let (latitude, longitude) = place.unzip();
    PhotoMeta {
        taken_at,
        // rawler's names for the camera ("Canon" / "EOS 5D Mark IV") are the clean ones.
        make: clean(raw.make.as_bytes()),
        model: clean(raw.model.as_bytes()),
        lens: text(&exif.lens_model),
        latitude,
        longitude,
        orientation: exif.orientation.filter(|o| (1..=8).contains(o)),
    }
}

/// Text without NULs and surrounding blanks; `None` when nothing is left.
fn clean(raw: &[u8]) -> Option<String> {
    let s: String = String::from_utf8_lossy(raw)
        .chars()
        .filter(|&c| c != '\0')
        .collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The first non-empty string of an ASCII (or, from sloppy writers, byte) field.
fn ascii(field: &Field) -> Option<String> {
    match &field.value {
        Value::Ascii(parts) => parts.iter().find_map(|p| clean(p)),
        Value::Byte(raw) | Value::Undefined(raw, _) => clean(raw),
        _ => None,
    }
}

/// The capture time: DateTimeOriginal is when the shutter fired; the others are fallbacks
/// (DateTime in particular is often the time of the last edit).
fn taken_at(exif: &Exif) -> Option<String> {
    [
        (Tag::DateTimeOriginal, Tag::OffsetTimeOriginal),
        (Tag::DateTimeDigitized, Tag::OffsetTimeDigitized),
        (Tag::DateTime, Tag::OffsetTime),
    ]
    .into_iter()
    .find_map(|(date_tag, offset_tag)| {
        let date = exif.get_field(date_tag, In::PRIMARY).and_then(ascii)?;
        let mut iso = parse_exif_datetime(&date)?;
        if let Some(offset) = exif
            .get_field(offset_tag, In::PRIMARY)
            .and_then(ascii)
            .and_then(|o| parse_offset(&o))
        {
            iso.push_str(&offset);
        }
        Some(iso)
    })
}

/// "2019:07:12 14:03:22" (also with '-' or 'T' separators) → "2019-07-12T14:03:22";
/// None for blank or impossible dates such as "0000:00:00 00:00:00".
fn parse_exif_datetime(s: &str) -> Option<String> {
    let numbers: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .take(6)
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [year, month, day, hour, minute, second] = numbers[..] else {
        return None;
    };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    // Cameras with an unset clock report dates near their epoch; anything before photography
    // is certainly wrong.
    if !(1826..=2200).contains(&date.year()) {
        return None;
    }
    // Some firmwares write second 60 (leap second) or 24:00:00; clamp rather than drop the date.
    let (hour, minute, second) = if hour >= 24 {
        (23, 59, 59)
    } else {
        (hour, minute.min(59), second.min(59))
    };
    Some(format!(
        "{:04}-{:02}-{:02}T{hour:02}:{minute:02}:{second:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

/// "+02:00", "-05:30" → itself; anything else (blank, "Z", garbage) → None.
fn parse_offset(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let ok = b.len() == 6
        && matches!(b[0], b'+' | b'-')
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b':'
        && b[4..6].iter().all(u8::is_ascii_digit);
    let hours: u32 = s.get(1..3)?.parse().ok()?;
    let minutes: u32 = s.get(4..6)?.parse().ok()?;
    (ok && hours <= 14 && minutes < 60).then(|| s.to_owned())
}

fn gps(exif: &Exif) -> Option<(f64, f64)> {
    let coordinate = |value_tag, ref_tag, negative: &str, max: f64| {
        let parts: Vec<f64> = match &exif.get_field(value_tag, In::PRIMARY)?.value {
            Value::Rational(r) => r.iter().map(|r| r.to_f64()).collect(),
            Value::SRational(r) => r.iter().map(|r| r.to_f64().abs()).collect(),
            _ => return None,
        };
        let reference = exif.get_field(ref_tag, In::PRIMARY).and_then(ascii);
        signed_degrees(&parts, reference.as_deref(), negative, max)
    };
    let lat = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, "S", 90.0)?;
    let lon = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, "W", 180.0)?;
    // Receivers without a fix write zeros; nobody photographs at exactly 0°, 0°.
    (lat != 0.0 || lon != 0.0).then_some((lat, lon))
}

/// Degrees, minutes, seconds (any prefix of them) → decimal degrees, negative when the
/// reference is `negative` ("S", "W"); `None` for nonsense or beyond `max`.
fn signed_degrees(parts: &[f64], reference: Option<&str>, negative: &str, max: f64) -> Option<f64> {
    if parts.is_empty() || parts.iter().any(|p| !p.is_finite()) {
        return None;
    }
    let v: f64 = parts
        .iter()
        .zip([1.0, 60.0, 3600.0])
        .map(|(p, div)| p / div)
        .sum();
    let v = match reference {
        Some(r) if r.eq_ignore_ascii_case(negative) => -v,
        _ => v,
    };
    (v.is_finite() && v.abs() <= max).then_some(v)
}

/// "NIKON CORPORATION" → "NIKON", "OLYMPUS IMAGING CORP." → "OLYMPUS": the corporate suffix is
/// noise in a camera name.
fn short_make(make: &str) -> &str {
    const SUFFIXES: &[&str] = &[
        "corporation",
        "corp",
        "company",
        "co",
        "ltd",
        "inc",
        "imaging",
        "optical",
        "camera",
        "ag",
        "gmbh",
        "electric",
        "co.,ltd",
    ];
    let mut end = make.len();
    loop {
        let head = make[..end].trim_end_matches([' ', ',', '.']);
        let (rest, last) = match head.rfind(' ') {
            Some(i) => (&head[..i], &head[i + 1..]),
            None => return head,
        };
        let word = last.trim_matches([',', '.']).to_ascii_lowercase();
        if SUFFIXES.contains(&word.as_str()) || word.starts_with("co.,") {
            end = rest.len();
        } else {
            return head;
        }
    }
}

/// True when the model already says who made it ("Canon EOS 5D" for "Canon", "KODAK C813"
/// for "EASTMAN KODAK").
fn model_names_make(make: &str, model: &str) -> bool {
    let Some(first) = model.split_whitespace().next() else {
        return false;
    };
    make.split_whitespace()
        .any(|w| w.eq_ignore_ascii_case(first))
        || model
            .to_ascii_lowercase()
            .starts_with(&make.to_ascii_lowercase())
}

/// "2019-07-12T14:03:22+02:00" → "2019-07-12 July 2019".
fn date_for_people(iso: &str) -> Option<String> {
    let year: i32 = iso.get(0..4)?.parse().ok()?;
    let month: u8 = iso.get(5..7)?.parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    Some(format!("{} {month} {year}", iso.get(0..10)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::image::testutil::*;

    fn meta_of(fields: &[Field]) -> PhotoMeta {
        read(
            Format::Jpeg,
            &with_exif(&encode_jpeg_q(&gradient(8, 8), 80), fields),
        )
    }

    #[test]
    fn reads_the_usual_fields() {
        let m = meta_of(&full_exif(6));
        assert_eq!(m.taken_at.as_deref(), Some("2019-07-12T14:03:22+02:00"));
        assert_eq!(m.make.as_deref(), Some("Canon"));
        assert_eq!(m.model.as_deref(), Some("Canon EOS 5D"));
        assert_eq!(m.lens.as_deref(), Some("EF24-105mm f/4L IS USM"));
        assert_eq!(m.orientation, Some(6));
        assert!((m.latitude.expect("lat") + 33.856_8).abs() < 1e-4);
        assert!((m.longitude.expect("lon") - 151.215_3).abs() < 1e-4);
    }

    #[test]
    fn date_falls_back_and_offset_is_optional() {
        let m = meta_of(&[ascii_field(Tag::DateTimeDigitized, "2001:02:03 04:05:06")]);
        assert_eq!(m.taken_at.as_deref(), Some("2001-02-03T04:05:06"));
        let m = meta_of(&[
            ascii_field(Tag::DateTime, "2020:01:01 00:00:00"),
            ascii_field(Tag::OffsetTime, "-05:30"),
        ]);
        assert_eq!(m.taken_at.as_deref(), Some("2020-01-01T00:00:00-05:30"));
        let m = meta_of(&[
            ascii_field(Tag::DateTimeOriginal, "0000:00:00 00:00:00"),
            ascii_field(Tag::DateTime, "2021:06:30 12:00:00"),
        ]);
        assert_eq!(m.taken_at.as_deref(), Some("2021-06-30T12:00:00"));
        let m = meta_of(&[ascii_field(Tag::DateTimeOriginal, "    :  :     :  :  ")]);
        assert_eq!(m.taken_at, None);
    }

    #[test]
    fn strings_are_cleaned() {
        let m = meta_of(&[
            ascii_field(Tag::Make, "  NIKON CORPORATION\0\0"),
            ascii_field(Tag::Model, "NIKON D750 "),
            ascii_field(Tag::LensModel, " \0 "),
        ]);
        assert_eq!(m.make.as_deref(), Some("NIKON CORPORATION"));
        assert_eq!(m.model.as_deref(), Some("NIKON D750"));
        assert_eq!(m.lens, None);
        assert_eq!(m.camera().as_deref(), Some("NIKON D750"));
    }

    #[test]
    fn gps_signs_and_nonsense() {
        let m = meta_of(&gps_fields((48, 51, 29.6), "N", (2, 17, 40.2), "W"));
        assert!((m.latitude.expect("lat") - 48.858_222).abs() < 1e-5);
        assert!((m.longitude.expect("lon") + 2.294_5).abs() < 1e-4);
        // No fix.
        let m = meta_of(&gps_fields((0, 0, 0.0), "N", (0, 0, 0.0), "E"));
        assert_eq!((m.latitude, m.longitude), (None, None));
        // Out of range.
        let m = meta_of(&gps_fields((123, 0, 0.0), "N", (2, 0, 0.0), "E"));
        assert_eq!((m.latitude, m.longitude), (None, None));
    }

    #[test]
    fn zero_denominators_are_ignored() {
        let lat = Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![(1, 0).into(), (0, 0).into(), (0, 0).into()]),
        };
        let lon = Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![(1, 1).into(), (0, 1).into(), (0, 1).into()]),
        };
        let m = meta_of(&[lat, lon]);
        assert_eq!((m.latitude, m.longitude), (None, None));
    }

    #[test]
    fn bad_orientation_is_ignored() {
        assert_eq!(meta_of(&orientation_only(9)).orientation, None);
        assert_eq!(meta_of(&orientation_only(0)).orientation, None);
        assert_eq!(meta_of(&orientation_only(8)).orientation, Some(8));
    }

    #[test]
    fn broken_exif_is_not_fatal() {
        // An APP1 "Exif" segment whose TIFF header is garbage.
        let jpeg = encode_jpeg_q(&gradient(8, 8), 80);
        let mut app1 = b"Exif\0\0II*\0\xff\xff\xff\x7f garbage".to_vec();
        app1.truncate(30);
        let broken = splice_app1(&jpeg, &app1);
        assert_eq!(read(Format::Jpeg, &broken), PhotoMeta::default());
        let photo = crate::extract::image::extract(
            std::path::Path::new("b.jpg"),
            &broken,
            &crate::extract::Limits::default(),
        )
        .expect("indexes without metadata");
        assert_eq!(photo.meta, PhotoMeta::default());
    }

    #[test]
    fn exif_in_png_is_read() {
        let png = png_with_exif(&encode_png(&gradient(8, 8)), &orientation_only(3));
        assert_eq!(read(Format::Png, &png).orientation, Some(3));
    }

    #[test]
    fn camera_names() {
        let cam = |make: Option<&str>, model: Option<&str>| {
            PhotoMeta {
                make: make.map(str::to_owned),
                model: model.map(str::to_owned),
                ..PhotoMeta::default()
            }
            .camera()
        };
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(cam(Some("Canon"), Some("Canon EOS 5D")), s("Canon EOS 5D"));
        assert_eq!(
            cam(Some("NIKON CORPORATION"), Some("NIKON D750")),
            s("NIKON D750")
        );
        assert_eq!(cam(Some("Apple"), Some("iPhone 12")), s("Apple iPhone 12"));
        assert_eq!(
            cam(Some("OLYMPUS IMAGING CORP."), Some("E-M10")),
            s("OLYMPUS E-M10")
        );
        assert_eq!(
            cam(Some("OLYMPUS OPTICAL CO.,LTD"), Some("C2500L")),
            s("OLYMPUS C2500L")
        );
        assert_eq!(
            cam(
                Some("EASTMAN KODAK COMPANY"),
                Some("KODAK C813 ZOOM DIGITAL CAMERA")
            ),
            s("KODAK C813 ZOOM DIGITAL CAMERA")
        );
        assert_eq!(
            cam(Some("OnePlus"), Some("ONEPLUS A6003")),
            s("ONEPLUS A6003")
        );
        assert_eq!(cam(Some("SONY"), None), s("SONY"));
        assert_eq!(cam(None, Some("Pixel 7")), s("Pixel 7"));
        assert_eq!(cam(None, None), None);
    }

    #[test]
    fn text_is_for_keyword_search() {
        let m = PhotoMeta {
            taken_at: Some("2019-07-12T14:03:22+02:00".into()),
            make: Some("Canon".into()),
            model: Some("Canon EOS 5D".into()),
            lens: Some("EF50mm f/1.8".into()),
            ..PhotoMeta::default()
        };
        assert_eq!(m.text(), "Canon EOS 5D EF50mm f/1.8 2019-07-12 July 2019");
        assert_eq!(PhotoMeta::default().text(), "");
    }

    #[test]
    fn serde_round_trip() {
        let m = meta_of(&full_exif(1));
        let json = serde_json::to_string(&m).expect("serialises");
        let back: PhotoMeta = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, m);
    }
}
