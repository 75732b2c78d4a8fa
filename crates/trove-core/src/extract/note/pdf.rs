//! PDF: the document's text layer, page by page, and its Info `/Title`.
//!
//! Two crates, one job each:
//! - `lopdf` parses the file (and decrypts it: it tries the empty user password on load, so
//!   PDFs "protected" only by an owner password — print/copy restrictions — open normally).
//!   A parse failure is [`ExtractError::Corrupt`]; a PDF that stays locked is
//!   [`ExtractError::Encrypted`].
//! - `pdf-extract` lays out each page's glyphs (it knows font metrics, ToUnicode maps and glyph
//!   positions, so words get spaces and lines get breaks, which lopdf's own
//!   `Document::extract_text` does not: it ignores text-positioning operators and kerning, and
//!   runs words and lines together). pdf-extract prints nothing (its debug macro is compiled
//!   out; lopdf prints only in its own tests), but it `panic!`s on fonts it does not
//!   understand, so each page runs under `catch_unwind` and a page it cannot read falls back
//!   to lopdf's extraction. One bad page never costs the rest of the document.
//!
//! A panic still goes through the process's panic hook (a line on stderr, never stdout). A
//! release profile with `panic = "abort"` would turn such a page into a crash: keep unwinding.
//!
//! No text at all means a scanned document: [`ExtractError::NoText`] with a message saying so.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::{Document, Object};

use super::Parsed;
use crate::extract::ExtractError;

/// What a PDF whose pages hold no text is told.
const SCANNED: &str =
    "PDF has no text layer (a scanned document?) — Trove cannot read text in images yet";

/// The PDF header must appear within the first 1024 bytes (PDF 32000-1, Annex H.3 note 13).
const HEADER_WINDOW: usize = 1024;

pub(super) fn parse(bytes: &[u8]) -> Result<Parsed, ExtractError> {
    let header = &bytes[..bytes.len().min(HEADER_WINDOW)];
    if !header.windows(5).any(|w| w == b"%PDF-") {
        return Err(ExtractError::Mislabelled {
            expected: "PDF",
            found: "do not start with a PDF header".into(),
        });
    }
    let mut doc = match catch_unwind(|| Document::load_mem(bytes)) {
        Ok(Ok(doc)) => doc,
        Ok(Err(e)) => return Err(load_error(e)),
        Err(_) => return Err(corrupt("the PDF parser crashed on its structure")),
    };
    // lopdf decrypts with the empty password while loading; if the document is still
    // encrypted, a user password is needed. (Trying again explicitly is cheap and covers
    // documents lopdf chose not to decrypt at load.)
    if doc.is_encrypted() {
        let _ = catch_unwind(AssertUnwindSafe(|| doc.decrypt("")));
        if doc.is_encrypted() {
            return Err(ExtractError::Encrypted);
        }
    }

    let title = info_title(&doc);
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(corrupt("it has no pages"));
    }
    let mut text = String::new();
    let mut unreadable = 0usize;
    for &number in pages.keys() {
        match page_text(&doc, number) {
            Some(page) => {
                let page = clean(&page);
                if !page.is_empty() {
                    if !text.is_empty() {
                        text.push_str("\n\n");
                    }
                    text.push_str(&page);
                }
            }
            None => unreadable += 1,
        }
    }
    if text.is_empty() {
        if unreadable == pages.len() {
            return Err(corrupt("none of its pages could be read"));
        }
        return Err(ExtractError::NoText(SCANNED.into()));
    }
    if unreadable > 0 {
        tracing::debug!(
            unreadable,
            pages = pages.len(),
            "PDF pages without readable text"
        );
    }
    let mut parsed = Parsed::plain(text);
    parsed.title = title;
    Ok(parsed)
}

/// The text of one page: pdf-extract's layout, else lopdf's plain extraction, else `None`.
fn page_text(doc: &Document, number: u32) -> Option<String> {
    let laid_out = catch_unwind(AssertUnwindSafe(|| {
        let mut out = String::new();
        let mut sink = pdf_extract::PlainTextOutput::new(&mut out);
        pdf_extract::output_doc_page(doc, &mut sink, number).map(|()| out)
    }));
    match laid_out {
        Ok(Ok(text)) => return Some(text),
        Ok(Err(e)) => tracing::debug!(page = number, error = %e, "pdf-extract failed; using lopdf"),
        Err(_) => tracing::debug!(page = number, "pdf-extract panicked; using lopdf"),
    }
    match catch_unwind(AssertUnwindSafe(|| doc.extract_text(&[number]))) {
        Ok(Ok(text)) => Some(text),
        _ => None,
    }
}

fn load_error(e: lopdf::Error) -> ExtractError {
    match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => ExtractError::Encrypted,
        e => corrupt(&e.to_string()),
    }
}

fn corrupt(detail: &str) -> ExtractError {
    ExtractError::Corrupt {
        format: "PDF",
        detail: detail.to_string(),
    }
}

/// The Info dictionary's `/Title`, when present and not blank.
fn info_title(doc: &Document) -> Option<String> {
    let info = match doc.trailer.get(b"Info").ok()? {
        Object::Reference(id) => doc.get_dictionary(*id).ok()?,
        Object::Dictionary(dict) => dict,
        _ => return None,
    };
    let title = match info.get(b"Title").ok()? {
        Object::Reference(id) => doc.get_object(*id).ok()?,
        obj => obj,
    };
    let title = lopdf::decode_text_string(title).ok()?;
    let title = title.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!title.is_empty()).then(|| title.to_string())
}

/// Tidies a page's extracted text: ligature glyphs become letters (so "ﬁnance" is found by
/// "finance"), control characters go, trailing blanks go, and runs of blank lines (layout
/// gaps) shrink to one blank line, which is what the chunker reads as a paragraph break.
fn clean(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    let mut blank_lines = 0usize;
    for line in page.split(['\n', '\r']) {
        let mut clean_line = String::with_capacity(line.len());
        for c in line.chars() {
            match c {
                '\u{fb00}' => clean_line.push_str("ff"),
                '\u{fb01}' => clean_line.push_str("fi"),
                '\u{fb02}' => clean_line.push_str("fl"),
                '\u{fb03}' => clean_line.push_str("ffi"),
                '\u{fb04}' => clean_line.push_str("ffl"),
                '\u{fb05}' | '\u{fb06}' => clean_line.push_str("st"),
                '\t' => clean_line.push(' '),
                c if c.is_control() => {}
                c => clean_line.push(c),
            }
        }
        let line = strip_leaders(clean_line.trim_end());
        let line = line.as_str();
        if line.trim_start().is_empty() {
            blank_lines += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
        }
        out.push_str(line);
        blank_lines = 0;
    }
    out
}

/// Replaces dot leaders (". . . . ." or "......" in tables of contents) with one space: they
/// are layout, and a passage full of them embeds as noise.
fn strip_leaders(line: &str) -> String {
    const MIN_DOTS: usize = 4;
    let mut out = String::with_capacity(line.len());
    let mut run = String::new();
    let mut dots = 0;
    for c in line.chars() {
        match c {
            '.' | '·' | '…' => {
                dots += 1;
                run.push(c);
            }
            ' ' if dots > 0 => run.push(c),
            _ => {
                flush_leader(&mut out, &mut run, dots >= MIN_DOTS);
                dots = 0;
                out.push(c);
            }
        }
    }
    flush_leader(&mut out, &mut run, dots >= MIN_DOTS);
    out
}

fn flush_leader(out: &mut String, run: &mut String, is_leader: bool) {
    if is_leader {
        if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    } else {
        out.push_str(run);
    }
    run.clear();
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use lopdf::content::{Content, Operation};
    use lopdf::{Dictionary, EncryptionState, EncryptionVersion, Permissions, Stream, dictionary};

    /// A PDF whose pages draw `pages[i]`'s lines in Helvetica, plus an optional Info title.
    fn build_pdf(pages: &[&[&str]], title: Option<&str>) -> Document {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let resources_id = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => font_id },
        });
        let mut kids = Vec::new();
        for lines in pages {
            let mut ops = vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 12.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
            ];
            for line in *lines {
                ops.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
                ops.push(Operation::new("Td", vec![0.into(), (-16).into()]));
            }
            ops.push(Operation::new("ET", vec![]));
            kids.push(add_page(&mut doc, pages_id, ops));
        }
        finish(&mut doc, pages_id, resources_id, kids);
        if let Some(title) = title {
            let info_id = doc.add_object(dictionary! { "Title" => lopdf::text_string(title) });
            doc.trailer.set("Info", info_id);
        }
        doc
    }

    fn add_page(doc: &mut Document, pages_id: lopdf::ObjectId, ops: Vec<Operation>) -> Object {
        let content = Content { operations: ops }
            .encode()
            .expect("encode content");
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content));
        doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        })
        .into()
    }

    fn finish(
        doc: &mut Document,
        pages_id: lopdf::ObjectId,
        resources_id: lopdf::ObjectId,
        kids: Vec<Object>,
    ) {
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids,
                "Count" => count,
                "Resources" => resources_id,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }),
        );
        let catalog_id = doc.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => pages_id,
        });
        doc.trailer.set("Root", catalog_id);
    }

    fn save(doc: &mut Document) -> Vec<u8> {
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("save PDF");
        bytes
    }

    pub(in crate::extract::note) fn two_page_pdf() -> Vec<u8> {
        save(&mut build_pdf(
            &[
                &["Kitchen renovation budget", "Tiles cost 400 euros."],
                &["Second page: the plan", "Start in May."],
            ],
            Some("Renovation"),
        ))
    }

    #[test]
    fn two_page_text_pdf() {
        let p = parse(&two_page_pdf()).unwrap();
        assert_eq!(p.title.as_deref(), Some("Renovation"));
        for needle in [
            "Kitchen renovation budget",
            "Tiles cost 400 euros.",
            "Second page: the plan",
            "Start in May.",
        ] {
            assert!(p.text.contains(needle), "{needle:?} not in {:?}", p.text);
        }
        // Lines stay lines, and pages are separated by a paragraph break.
        assert!(p.text.contains("budget\nTiles"), "{:?}", p.text);
        assert!(p.text.contains("euros.\n\nSecond"), "{:?}", p.text);
        assert_eq!(p.sections.len(), 1);
    }

    #[test]
    fn blank_title_falls_back() {
        let bytes = save(&mut build_pdf(&[&["Body text."]], Some("   ")));
        assert_eq!(parse(&bytes).unwrap().title, None);
        let bytes = save(&mut build_pdf(&[&["Body text."]], None));
        assert_eq!(parse(&bytes).unwrap().title, None);
    }

    #[test]
    fn unicode_title() {
        let bytes = save(&mut build_pdf(&[&["x"]], Some("Café – Grüße")));
        assert_eq!(
            parse(&bytes).unwrap().title.as_deref(),
            Some("Café – Grüße")
        );
    }

    #[test]
    fn image_only_pdf_has_no_text_layer() {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        // A 1×1 grey image painted over the page: what a scanner produces, minus the pixels.
        let image_id = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => 1,
                "Height" => 1,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => 8,
            },
            vec![128],
        ));
        let resources_id = doc.add_object(dictionary! {
            "XObject" => dictionary! { "Im1" => image_id },
        });
        let ops = vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![
                    612.into(),
                    0.into(),
                    0.into(),
                    792.into(),
                    0.into(),
                    0.into(),
                ],
            ),
            Operation::new("Do", vec!["Im1".into()]),
            Operation::new("Q", vec![]),
        ];
        let kids = vec![add_page(&mut doc, pages_id, ops)];
        finish(&mut doc, pages_id, resources_id, kids);
        match parse(&save(&mut doc)) {
            Err(ExtractError::NoText(msg)) => assert_eq!(msg, SCANNED),
            other => panic!("{other:?}"),
        }
    }

    fn encrypted(user_password: &str) -> Vec<u8> {
        let mut doc = build_pdf(&[&["Secret plans."]], Some("Locked"));
        doc.trailer.set(
            "ID",
            Object::Array(vec![
                Object::string_literal(b"0123456789abcdef".to_vec()),
                Object::string_literal(b"0123456789abcdef".to_vec()),
            ]),
        );
        let version = EncryptionVersion::V2 {
            document: &doc,
            owner_password: "owner",
            user_password,
            key_length: 128,
            permissions: Permissions::empty(),
        };
        let state = EncryptionState::try_from(version).expect("encryption state");
        doc.encrypt(&state).expect("encrypt");
        save(&mut doc)
    }

    #[test]
    fn encrypted_pdf_needs_a_password() {
        assert!(matches!(
            parse(&encrypted("user")),
            Err(ExtractError::Encrypted)
        ));
    }

    #[test]
    fn owner_password_only_pdf_opens() {
        let p = parse(&encrypted("")).unwrap();
        assert!(p.text.contains("Secret plans."), "{:?}", p.text);
        assert_eq!(p.title.as_deref(), Some("Locked"));
    }

    #[test]
    fn truncated_and_garbage_pdfs_are_corrupt() {
        let bytes = two_page_pdf();
        for cut in [10, bytes.len() / 3, bytes.len() / 2] {
            match parse(&bytes[..cut]) {
                Err(ExtractError::Corrupt { format: "PDF", .. } | ExtractError::NoText(_)) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        assert!(matches!(
            parse(b"%PDF-1.4\nnot really a pdf"),
            Err(ExtractError::Corrupt { .. })
        ));
        assert!(matches!(
            parse(b"just text"),
            Err(ExtractError::Mislabelled { .. })
        ));
    }

    #[test]
    fn dot_leaders_are_dropped() {
        assert_eq!(
            strip_leaders("2.1 Syntax. . . . . . . . 12"),
            "2.1 Syntax 12"
        );
        assert_eq!(strip_leaders("Intro .......... 3"), "Intro 3");
        assert_eq!(strip_leaders("Wait... what. Yes."), "Wait... what. Yes.");
        assert_eq!(strip_leaders("v1.2.3"), "v1.2.3");
    }

    #[test]
    fn clean_tidies_layout() {
        assert_eq!(
            clean("\n\n  \u{fb01}nance  \nnext\t line\n\n\n\nnew para \x07\n \n"),
            "  finance\nnext  line\n\nnew para"
        );
    }
}
