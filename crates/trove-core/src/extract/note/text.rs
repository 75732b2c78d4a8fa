//! Decoding: turns the bytes of a text-based note (Markdown, plain text, HTML) into a `String`.
//!
//! Notes come from many editors and decades: UTF-8 with or without a BOM, UTF-16 from Windows
//! tools, Windows-1252/Latin-1, Shift_JIS, GBK… The rule, in order:
//! 1. a byte-order mark decides (UTF-8, UTF-16LE, UTF-16BE);
//! 2. BOM-less UTF-16 is recognised by its zero bytes (plain text is almost never NUL-rich);
//! 3. valid UTF-8 is UTF-8 (also when only a truncated last character is invalid, or when the
//!    few invalid bytes are drowned in valid multi-byte characters: a mostly-UTF-8 file is
//!    better read as UTF-8 with a few replacement characters than re-guessed whole);
//! 4. an HTML page's `<meta charset>` declaration is honoured;
//! 5. otherwise `chardetng` (Firefox's detector) guesses and `encoding_rs` decodes.
//!
//! Then line endings become `\n` (CRLF and old Mac CR), and a file that decodes to mostly
//! control characters is reported as binary ([`ExtractError::Mislabelled`]) rather than
//! indexed as garbage.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::extract::ExtractError;

/// How much of the start of a file the UTF-16 and binary sniffers look at.
const SNIFF_BYTES: usize = 8192;
/// The HTML standard's prescan window for `<meta charset>`.
const META_PRESCAN_BYTES: usize = 1024;
/// Above this share of control characters, a "text" file is binary.
const MAX_CONTROL_RATIO: f64 = 0.10;

/// Decodes a text note. `declared` is the encoding the document declares for itself (an HTML
/// `<meta charset>`), used only when the bytes are neither BOM-marked nor valid UTF-8.
pub(super) fn decode(
    bytes: &[u8],
    declared: Option<&'static Encoding>,
) -> Result<String, ExtractError> {
    if let Some(found) = magic_number(bytes) {
        return Err(ExtractError::Mislabelled {
            expected: "text",
            found: found.into(),
        });
    }
    let decoded = decode_raw(bytes, declared);
    if looks_binary(&decoded) {
        return Err(ExtractError::Mislabelled {
            expected: "text",
            found: "look like binary data".into(),
        });
    }
    Ok(normalize(&decoded))
}

fn decode_raw(bytes: &[u8], declared: Option<&'static Encoding>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = bomless_utf16(bytes) {
        return decode_with(encoding, bytes);
    }
    if let Some(text) = mostly_utf8(bytes) {
        return text;
    }
    if let Some(encoding) = declared {
        return decode_with(encoding, bytes);
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    decode_with(detector.guess(None, Utf8Detection::Allow), bytes)
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// UTF-8, possibly with rare damage: a truncated last character, or a few stray bytes among
/// many valid multi-byte characters (legacy single-byte text almost never forms valid UTF-8
/// sequences, so those are strong evidence).
fn mostly_utf8(bytes: &[u8]) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => return Some(text.to_owned()),
        Err(e) if e.error_len().is_none() => {
            return Some(String::from_utf8_lossy(bytes).into_owned());
        }
        Err(_) => {}
    }
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    (multibyte >= 10 * invalid).then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// Detects UTF-16 without a BOM by where its zero bytes fall: the high byte of every ASCII
/// character is zero, so one parity of positions is full of zeros and the other has none.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let mostly = |n: usize| n * 10 >= pairs * 4;
    let hardly = |n: usize| n * 20 <= pairs;
    if mostly(odd) && hardly(even) {
        Some(UTF_16LE)
    } else if mostly(even) && hardly(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Formats whose magic number says "not a text note", for a helpful message.
fn magic_number(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF-", "are a PDF document"),
        (b"\x89PNG\r\n\x1a\n", "are a PNG image"),
        (b"\xff\xd8\xff", "are a JPEG image"),
        (b"GIF8", "are a GIF image"),
        (b"PK\x03\x04", "are a ZIP archive (a .docx or similar?)"),
        (b"\xd0\xcf\x11\xe0", "are an old Office document"),
    ];
    MAGIC
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, found)| found)
}

/// True when too many of the first characters are control characters (NUL, escapes, …) or
/// replacement characters: what a binary file decodes to.
fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars().take(SNIFF_BYTES) {
        total += 1;
        let control = c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c');
        bad += usize::from(control || c == '\u{fffd}');
    }
    // A few bad characters are damage, not a binary file (a short note cut mid-character).
    bad > 2 && bad as f64 / total as f64 > MAX_CONTROL_RATIO
}

/// Line endings to `\n`; form feeds to line breaks; other control characters, which no editor
/// shows and which confuse tokenizers, removed.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\x0c' => out.push('\n'),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The encoding an HTML page declares with `<meta charset="…">` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">` in its first 1024 bytes (a
/// simplified version of the HTML standard's prescan). A UTF-16 declaration in a file without
/// a BOM is a lie by definition (the prescan could read it as ASCII), so it means UTF-8, as in
/// browsers; likewise `x-user-defined` means Windows-1252.
pub(super) fn html_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes[..bytes.len().min(META_PRESCAN_BYTES)].to_ascii_lowercase();
    let mut rest = &head[..];
    while let Some(at) = find(rest, b"<meta") {
        let tag = &rest[at..];
        let tag = &tag[..find(tag, b">").unwrap_or(tag.len())];
        if let Some(label) = charset_in(tag)
            && let Some(encoding) = Encoding::for_label(label)
        {
            return Some(match encoding.name() {
                "UTF-16LE" | "UTF-16BE" => UTF_8,
                "x-user-defined" => WINDOWS_1252,
                _ => encoding,
            });
        }
        rest = &rest[at + 5..];
    }
    None
}

/// The value after `charset` (and `=`, optional quotes) in a meta tag.
fn charset_in(tag: &[u8]) -> Option<&[u8]> {
    let at = find(tag, b"charset")?;
    let rest = &tag[at + b"charset".len()..];
    let rest = rest.trim_ascii_start().strip_prefix(b"=")?;
    let rest = rest.trim_ascii_start();
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8]) -> String {
        decode(bytes, None).unwrap()
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(dec("café ☕".as_bytes()), "café ☕");
        assert_eq!(dec(b"\xef\xbb\xbfcaf\xc3\xa9"), "café");
    }

    #[test]
    fn utf16_with_bom() {
        let mut le = vec![0xff, 0xfe];
        le.extend("café\r\nnaïve".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(dec(&le), "café\nnaïve");
        let mut be = vec![0xfe, 0xff];
        be.extend("日本語".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(dec(&be), "日本語");
    }

    #[test]
    fn utf16_without_bom() {
        let le: Vec<u8> = "Meeting notes: café"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(dec(&le), "Meeting notes: café");
        let be: Vec<u8> = "Meeting notes"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(dec(&be), "Meeting notes");
    }

    #[test]
    fn windows_1252_and_latin1() {
        // "café" and "naïve" in Windows-1252: é = E9, ï = EF; the euro sign is 1252-only (80).
        let bytes = b"Le caf\xe9 \xe9tait na\xefve et co\xfbtait 3 \x80.";
        assert_eq!(dec(bytes), "Le café était naïve et coûtait 3 €.");
        // Latin-1 German: ü = FC, ß = DF, ö = F6.
        let bytes = b"Gr\xfc\xdfe aus M\xfcnchen, sch\xf6ne Gr\xfc\xdfe an alle.";
        assert_eq!(dec(bytes), "Grüße aus München, schöne Grüße an alle.");
    }

    #[test]
    fn shift_jis() {
        let (bytes, _, _) =
            encoding_rs::SHIFT_JIS.encode("日本語のテキストです。今日は良い天気ですね。");
        assert_eq!(dec(&bytes), "日本語のテキストです。今日は良い天気ですね。");
    }

    #[test]
    fn mostly_utf8_with_a_stray_byte_stays_utf8() {
        let mut bytes = "Grüße, café, naïve, déjà vu, crème brûlée. "
            .repeat(3)
            .into_bytes();
        bytes.push(0xe9);
        let text = dec(&bytes);
        assert!(text.starts_with("Grüße, café"), "{text}");
        // Truncated in the middle of a character.
        let bytes = "voilà ☕".as_bytes();
        assert_eq!(dec(&bytes[..bytes.len() - 1]), "voilà \u{fffd}");
    }

    #[test]
    fn line_endings_and_controls_are_normalized() {
        assert_eq!(dec(b"a\r\nb\rc\nd\x0ce\x07f\tg"), "a\nb\nc\nd\nef\tg");
    }

    #[test]
    fn binary_is_refused() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4000).collect();
        assert!(matches!(
            decode(&bytes, None),
            Err(ExtractError::Mislabelled { .. })
        ));
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\n....", None),
            Err(ExtractError::Mislabelled { found, .. }) if found.contains("PNG")
        ));
    }

    #[test]
    fn html_meta_charset_prescan() {
        let enc = |s: &[u8]| html_declared_encoding(s).map(|e| e.name());
        assert_eq!(
            enc(b"<html><head><META CHARSET=\"Shift_JIS\">"),
            Some("Shift_JIS")
        );
        assert_eq!(enc(b"<meta charset=iso-8859-1>"), Some("windows-1252"));
        assert_eq!(
            enc(b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">"),
            Some("KOI8-R")
        );
        assert_eq!(enc(b"<meta charset='utf-16'>"), Some("UTF-8"));
        assert_eq!(enc(b"<meta name=x><p>charset=latin1"), None);
        assert_eq!(enc(b"<meta charset=bogus>"), None);
    }

    #[test]
    fn declared_encoding_is_used_when_bytes_are_not_utf8() {
        // Too short and ambiguous for a reliable guess; the declaration settles it.
        let (bytes, _, _) = encoding_rs::KOI8_R.encode("Привет");
        assert_eq!(decode(&bytes, Some(encoding_rs::KOI8_R)).unwrap(), "Привет");
    }
}
