//! What the bytes of a "photo" really are. The extension is a claim, the content decides:
//! files are renamed, mis-saved by browsers and phones (a HEIC called `.jpg` is common), or are
//! not images at all (an HTML error page saved as `.jpg`). HEIF and AVIF are told apart by the
//! brands of their `ftyp` box, not by name.

use ::image::ImageFormat;

use super::RAW_EXTENSIONS;
use crate::extract::ExtractError;

/// The formats Trove decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Jpeg,
    Png,
    Gif,
    WebP,
    Bmp,
    Tiff,
    /// HEIF, in practice HEVC-coded (HEIC): iPhones, Samsung and other phones, Canon's `.hif`.
    Heic,
    Avif,
    /// Camera RAW, known by its extension (see [`RAW_EXTENSIONS`]).
    Raw,
}

impl Format {
    /// The stable id stored in the library.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::WebP => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Heic => "heic",
            Format::Avif => "avif",
            Format::Raw => "raw",
        }
    }

    /// The name people know, for messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::WebP => "WebP",
            Format::Bmp => "BMP",
            Format::Tiff => "TIFF",
            Format::Heic => "HEIC",
            Format::Avif => "AVIF",
            Format::Raw => "camera RAW",
        }
    }

    /// The `image` crate's decoder for this format; `None` for those decoded elsewhere.
    pub(super) fn image_format(self) -> Option<ImageFormat> {
        Some(match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::Gif => ImageFormat::Gif,
            Format::WebP => ImageFormat::WebP,
            Format::Bmp => ImageFormat::Bmp,
            Format::Tiff => ImageFormat::Tiff,
            Format::Heic | Format::Avif | Format::Raw => return None,
        })
    }

    fn from_image_format(format: ImageFormat) -> Option<Format> {
        Some(match format {
            ImageFormat::Jpeg => Format::Jpeg,
            ImageFormat::Png => Format::Png,
            ImageFormat::Gif => Format::Gif,
            ImageFormat::WebP => Format::WebP,
            ImageFormat::Bmp => Format::Bmp,
            ImageFormat::Tiff => Format::Tiff,
            _ => return None,
        })
    }
}

const OTHER_HINT: &str = "convert to JPEG or PNG first";

/// Decides the format of `bytes`; `ext` is the lower-case extension, if any.
pub(super) fn sniff(ext: Option<&str>, bytes: &[u8]) -> Result<Format, ExtractError> {
    // RAW files are mostly TIFF containers whose first image is a small preview, so content
    // can't tell them from a TIFF; the extension is the only reliable signal. (A JPEG or PNG
    // named `.nef` is still what it is.)
    if let Some(ext) = ext
        && RAW_EXTENSIONS.contains(&ext)
    {
        return Ok(
            match ::image::guess_format(bytes)
                .ok()
                .and_then(Format::from_image_format)
            {
                Some(format) if format != Format::Tiff => format,
                _ if looks_like_text(bytes) => return Err(mislabelled(bytes)),
                _ => Format::Raw,
            },
        );
    }
    match ftyp_brand(bytes) {
        Some(Brand::Heif) => return Ok(Format::Heic),
        Some(Brand::Avif) => return Ok(Format::Avif),
        Some(Brand::Other) | None => {}
    }
    // BigTIFF (64-bit offsets, for scans and slides past 4 GB), which `guess_format` misses.
    if bytes.starts_with(b"II+\0") || bytes.starts_with(b"MM\0+") {
        return Ok(Format::Tiff);
    }
    let guessed = ::image::guess_format(bytes).ok();
    if let Some(format) = guessed.and_then(Format::from_image_format) {
        // Content wins even over a HEIC/AVIF extension: a JPEG named `.heic` is still a JPEG.
        return Ok(format);
    }
    if let Some(other) = guessed
        && !looks_like_text(bytes)
    {
        return Err(ExtractError::Unsupported {
            format: other_format_name(other),
            hint: Some(OTHER_HINT),
        });
    }
    Err(mislabelled(bytes))
}

/// Describes, simply, what bytes that are not a decodable image look like.
pub(super) fn mislabelled(bytes: &[u8]) -> ExtractError {
    let head = &bytes[..bytes.len().min(1024)];
    let found = if head.windows(5).any(|w| w == b"%PDF-") {
        "look like a PDF document"
    } else if head.starts_with(b"PK\x03\x04") {
        "look like a ZIP archive"
    } else if ftyp_brand(bytes) == Some(Brand::Other) {
        "look like a video"
    } else if looks_like_text(bytes) {
        "look like text"
    } else {
        "are not a known image format"
    };
    ExtractError::Mislabelled {
        expected: "an image",
        found: found.to_owned(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Brand {
    Heif,
    Avif,
    /// An ISO-BMFF file that is no still image: MP4, MOV, 3GP…
    Other,
}

/// Reads the brands of an ISO-BMFF `ftyp` box (HEIC, AVIF, MP4 and MOV all start with one).
/// Compatible brands count too: many HEIC files declare the generic `mif1` as major brand.
fn ftyp_brand(bytes: &[u8]) -> Option<Brand> {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = size.clamp(12, 256).min(bytes.len());
    // Major brand at 8..12, minor version at 12..16, compatible brands after that.
    let brands =
        std::iter::once(&bytes[8..12]).chain(bytes.get(16..end).unwrap_or(&[]).chunks_exact(4));
    let mut heif = false;
    for brand in brands {
        match brand {
            b"avif" | b"avis" => return Some(Brand::Avif),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs"
            | b"mif1" | b"msf1" | b"mif2" => heif = true,
            _ => {}
        }
    }
    Some(if heif { Brand::Heif } else { Brand::Other })
}

/// True for bytes that read as text (UTF-8, UTF-16 with BOM, or mostly printable ASCII).
pub(super) fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(s) => s,
        // Cut mid-character by the 4 KB window: the valid prefix decides.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => {
            // Legacy 8-bit encodings: judge by the share of printable ASCII.
            let printable = head
                .iter()
                .filter(|&&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
                .count();
            return printable * 100 >= head.len() * 90;
        }
    };
    let total = text.chars().count();
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
        .count();
    total > 0 && control * 100 <= total
}

fn other_format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Pnm => "PNM",
        ImageFormat::Tga => "TGA",
        ImageFormat::Dds => "DDS",
        ImageFormat::Ico => "ICO",
        ImageFormat::Hdr => "Radiance HDR",
        ImageFormat::OpenExr => "OpenEXR",
        ImageFormat::Farbfeld => "Farbfeld",
        ImageFormat::Avif => "AVIF",
        ImageFormat::Qoi => "QOI",
        _ => "This image format's",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::image::testutil::*;

    fn found(r: Result<Format, ExtractError>) -> String {
        match r {
            Err(ExtractError::Mislabelled { expected, found }) => {
                assert_eq!(expected, "an image");
                found
            }
            other => panic!("expected Mislabelled, got {other:?}"),
        }
    }

    #[test]
    fn heic_and_avif_are_found_by_brand_whatever_the_name() {
        for (bytes, format) in [
            (ftyp(b"heic", &[b"mif1", b"heic"]), Format::Heic),
            (ftyp(b"mif1", &[b"mif1", b"heic"]), Format::Heic),
            (ftyp(b"heix", &[]), Format::Heic),
            (ftyp(b"avif", &[b"avif", b"mif1"]), Format::Avif),
            (ftyp(b"mif1", &[b"mif1", b"avif"]), Format::Avif),
        ] {
            for ext in [Some("jpg"), Some("heic"), Some("avif"), None] {
                assert_eq!(sniff(ext, &bytes).ok(), Some(format));
            }
        }
        // A `.heic` that is not HEIF at all is described by what it is.
        assert_eq!(found(sniff(Some("heic"), b"hello there")), "look like text");
    }

    #[test]
    fn raw_extensions_are_raw_unless_the_content_says_otherwise() {
        // A RAW is TIFF inside: it is decoded as a RAW, not as its preview.
        let tiff = encode_with(&gradient(8, 8), ImageFormat::Tiff);
        for ext in RAW_EXTENSIONS {
            assert_eq!(sniff(Some(ext), &tiff).ok(), Some(Format::Raw), "{ext}");
            assert_eq!(
                sniff(Some(ext), b"\x00\x01odd bytes rawler will judge").ok(),
                Some(Format::Raw)
            );
        }
        let jpeg = encode_jpeg_q(&gradient(8, 8), 80);
        assert_eq!(sniff(Some("nef"), &jpeg).ok(), Some(Format::Jpeg));
        assert_eq!(
            found(sniff(Some("cr2"), b"hello, not a raw")),
            "look like text"
        );
    }

    #[test]
    fn content_wins_over_the_extension() {
        let png = encode_png(&gradient(8, 8));
        assert_eq!(sniff(Some("jpg"), &png).ok(), Some(Format::Png));
        let jpeg = encode_jpeg_q(&gradient(8, 8), 80);
        assert_eq!(sniff(Some("png"), &jpeg).ok(), Some(Format::Jpeg));
        assert_eq!(sniff(Some("heic"), &jpeg).ok(), Some(Format::Jpeg));
        assert_eq!(sniff(None, &jpeg).ok(), Some(Format::Jpeg));
    }

    #[test]
    fn non_images_are_described_simply() {
        assert_eq!(
            found(sniff(
                Some("jpg"),
                b"Dear diary,\nToday we went to the beach.\n"
            )),
            "look like text"
        );
        assert_eq!(
            found(sniff(
                Some("jpg"),
                b"<!DOCTYPE html><html><body>404 Not Found</body></html>"
            )),
            "look like text"
        );
        assert_eq!(
            found(sniff(Some("jpg"), "Grüße aus Köln — 東京".as_bytes())),
            "look like text"
        );
        assert_eq!(
            found(sniff(Some("png"), b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj")),
            "look like a PDF document"
        );
        assert_eq!(
            found(sniff(
                Some("jpg"),
                b"\x00\x9f\x13\x88\x01\x02\x03\xfe\xfd\x00\x11"
            )),
            "are not a known image format"
        );
        assert_eq!(
            found(sniff(Some("jpg"), &ftyp(b"isom", &[b"isom", b"mp42"]))),
            "look like a video"
        );
        let err = sniff(Some("jpg"), b"hello").expect_err("not an image");
        assert_eq!(
            err.to_string(),
            "content is not an image (the file name says it is, but its bytes look like text)"
        );
    }

    #[test]
    fn text_detection() {
        assert!(looks_like_text(b"plain ascii"));
        assert!(looks_like_text(&[0xFF, 0xFE, b'h', 0, b'i', 0]));
        assert!(looks_like_text(b"caf\xe9 au lait")); // Latin-1
        assert!(!looks_like_text(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(!looks_like_text(b""));
    }
}
