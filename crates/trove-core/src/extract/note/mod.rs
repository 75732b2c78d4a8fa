//! Notes: turns a Markdown, plain-text, HTML or PDF document into a title, its plain text and
//! heading-aware overlapping passages ([`Chunk`]s) ready to embed and to index for keywords.
//!
//! Each format has its own submodule that produces a [`Parsed`] document (plain text, the
//! heading [`Section`]s of that text and the title it declares, if any); this module dispatches
//! on the extension, applies the rules common to all formats (title fallback to the file stem,
//! "no text" is an error) and cuts the passages with [`chunk()`].
//!
//! - [`text`]: bytes → `String` for the text formats (BOM, UTF-8, HTML `<meta charset>`,
//!   statistical guess), newline normalisation, binary-file detection.
//! - [`builder`]: assembles plain text from a document tree (block breaks, whitespace, heading
//!   paths); shared by [`markdown`] and [`html`].
//! - [`markdown`], [`html`], [`pdf`]: one parser each.
//! - [`chunk`](mod@chunk): the passage rules.

mod builder;
pub mod chunk;
mod html;
mod markdown;
mod pdf;
mod text;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use self::chunk::chunk;
#[cfg(any(test, feature = "internals"))]
pub use self::chunk::{ChunkConfig, MAX_CHUNK_CHARS, OVERLAP_CHARS, chunk_with};
use super::{ExtractError, Reader};

/// One passage of a note, the unit that is embedded and returned as a search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Exactly the characters `start..end` of [`Note::text`].
    pub text: String,
    /// The heading path of the passage (`"Kitchen › Budget"`), `""` before any heading.
    pub heading: String,
    /// Offset of the first character, in Unicode scalar values (chars) into [`Note::text`].
    pub start: usize,
    /// Offset one past the last character, in chars.
    pub end: usize,
}

/// What Trove keeps of a note.
#[derive(Debug, Clone)]
pub struct Note {
    /// `"markdown"`, `"text"`, `"html"` or `"pdf"`.
    pub format: &'static str,
    /// The declared title, else the first top-level heading, else the file stem.
    pub title: String,
    /// The full plain text, without markup; blocks are separated by blank lines.
    pub text: String,
    /// Overlapping passages of `text`, in order.
    pub chunks: Vec<Chunk>,
}

/// A heading-delimited span of a note's plain text, in char offsets. Passages never cross
/// section boundaries, and take the section's heading path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading path joined with `" › "`, `""` for text before the first heading.
    pub heading: String,
    pub start: usize,
    pub end: usize,
}

/// What a format parser produces.
#[derive(Debug, Default)]
struct Parsed {
    /// The title the document itself declares (front matter, `<title>`, PDF Info, first H1).
    title: Option<String>,
    text: String,
    sections: Vec<Section>,
}

impl Parsed {
    /// A document without structure: one section over the whole text.
    fn plain(text: String) -> Parsed {
        let end = text.chars().count();
        Parsed {
            title: None,
            sections: vec![Section {
                heading: String::new(),
                start: 0,
                end,
            }],
            text,
        }
    }
}

/// Titles longer than this are cut: a PDF's Info dictionary can hold anything.
const MAX_TITLE_CHARS: usize = 200;

/// Extracts a note from its bytes. `path` gives the format (by extension) and the fallback
/// title (the file stem); nothing is read from disk.
pub fn extract(path: &Path, bytes: &[u8], reader: Reader) -> Result<Note, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let (format, parsed) = match reader {
        Reader::Markdown => ("markdown", markdown::parse(&text::decode(bytes, None)?)),
        Reader::Text => {
            let mut parsed = Parsed::plain(text::decode(bytes, None)?);
            parsed.title = first_line_title(&parsed.text);
            ("text", parsed)
        }
        Reader::Html => {
            let declared = text::html_declared_encoding(bytes);
            ("html", html::parse(&text::decode(bytes, declared)?))
        }
        Reader::Pdf => ("pdf", pdf::parse(bytes)?),
        Reader::Image => {
            return Err(ExtractError::Unsupported {
                format: "this note format",
                hint: Some("Trove reads .md, .txt, .html and .pdf notes"),
            });
        }
    };
    if parsed.text.trim().is_empty() {
        return Err(ExtractError::NoText("the note has no text".into()));
    }
    let title = parsed
        .title
        .as_deref()
        .map(clean_title)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| stem_title(path));
    let chunks = chunk(&parsed.text, &parsed.sections);
    Ok(Note {
        format,
        title,
        text: parsed.text,
        chunks,
    })
}

/// Plain-text notes have no markup for a title, but the convention of every notes app that
/// exports `.txt` (and of people) is a short first line set off by a blank line: "Eye exam,
/// 14 Nov" says more than `eye-exam.txt`. A first line that runs on into the next line, is
/// long, or ends like a sentence or a salutation is text, not a title.
fn first_line_title(text: &str) -> Option<String> {
    let text = text.trim_start();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let first = first.trim();
    let set_off = rest.is_empty() || rest.trim_start_matches([' ', '\t']).starts_with('\n');
    let short = first.chars().count() <= 100;
    let sentence_like = first.ends_with(['.', ',', ';', ':']);
    (set_off && short && !sentence_like && !first.is_empty()).then(|| first.to_string())
}

/// Collapses whitespace (titles are shown on one line) and caps the length.
fn clean_title(raw: &str) -> String {
    let mut title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((cut, _)) = title.char_indices().nth(MAX_TITLE_CHARS) {
        title.truncate(cut);
        title.push('…');
    }
    title
}

fn stem_title(path: &Path) -> String {
    let stem = path
        .file_stem()
        .or_else(|| path.file_name())
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    clean_title(&stem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    /// Through the top-level dispatch, as the pipeline extracts (shadows `super::extract`).
    fn extract(path: &Path, bytes: &[u8]) -> Result<Note, ExtractError> {
        match crate::extract::extract(path, bytes, &Default::default())? {
            crate::extract::Extracted::Note(note) => Ok(note),
            crate::extract::Extracted::Photo(_) => panic!("{} is not a note", path.display()),
        }
    }

    fn note(name: &str, bytes: &[u8]) -> Note {
        extract(Path::new(name), bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn dispatches_on_extension_case_insensitively() {
        assert_eq!(note("a.MD", b"# Hi\n\ntext").format, "markdown");
        assert_eq!(note("a.markdown", b"text").format, "markdown");
        assert_eq!(note("a.TXT", b"text").format, "text");
        assert_eq!(note("a.text", b"text").format, "text");
        assert_eq!(note("a.htm", b"<p>text</p>").format, "html");
        assert_eq!(note("a.Html", b"<p>text</p>").format, "html");
        assert!(matches!(
            extract(Path::new("a.doc"), b"text"),
            Err(ExtractError::Unsupported { .. })
        ));
    }

    #[test]
    fn txt_title_is_a_set_off_first_line_else_the_stem() {
        let n = note(
            "/notes/eye-exam.txt",
            b"\nOptometrist, 14 Nov\n\nRoutine test.\n",
        );
        assert_eq!(n.title, "Optometrist, 14 Nov");
        assert_eq!(n.text, "\nOptometrist, 14 Nov\n\nRoutine test.\n");
        for body in [
            &b"Dear Ann,\n\nthanks."[..],
            b"A first line that\nruns on.",
            b"It was a sunny day.\n\nWe went out.",
        ] {
            assert_eq!(note("/n/stem.txt", body).title, "stem", "{body:?}");
        }
        let long = format!("{}\n\nbody", "word ".repeat(30));
        assert_eq!(note("/n/stem.txt", long.as_bytes()).title, "stem");
    }

    #[test]
    fn txt_is_text_as_is() {
        let n = note("/notes/Shopping list.txt", b"eggs\r\nmilk\r\n\r\nbread");
        assert_eq!(n.title, "Shopping list");
        assert_eq!(n.text, "eggs\nmilk\n\nbread");
        assert_eq!(n.chunks.len(), 1);
        assert_eq!(n.chunks[0].heading, "");
        assert_eq!(n.chunks[0].text, n.text);
    }

    #[test]
    fn legacy_encodings_through_extract() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(
            "<html><head><meta charset=\"shift_jis\"><title>日記</title></head>\
             <body><p>今日は晴れ。</p></body></html>",
        );
        let n = note("diary.html", &sjis);
        assert_eq!(n.title, "日記");
        assert_eq!(n.text, "今日は晴れ。");
        let n = note(
            "menu.md",
            b"# Caf\xe9 menu\r\n\r\nCr\xe8me br\xfbl\xe9e, 5 \x80.\r\n",
        );
        assert_eq!(n.title, "Café menu");
        assert_eq!(n.text, "Café menu\n\nCrème brûlée, 5 €.");
    }

    #[test]
    fn blank_notes_have_no_text() {
        for (name, bytes) in [
            ("a.txt", &b"  \n\t \r\n"[..]),
            ("a.md", b"---\ntitle: Only metadata\n---\n"),
            ("a.md", b"<!-- a comment -->\n"),
            (
                "a.html",
                b"<html><head><title>T</title><script>x()</script></head></html>",
            ),
        ] {
            match extract(Path::new(name), bytes) {
                Err(ExtractError::NoText(msg)) => assert_eq!(msg, "the note has no text"),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(matches!(
            extract(Path::new("a.txt"), b""),
            Err(ExtractError::Empty)
        ));
    }

    #[test]
    fn binary_named_txt_is_mislabelled() {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend([0u8, 1, 2, 3, 0xff, 0xfe, 0, 0].repeat(50));
        assert!(matches!(
            extract(Path::new("x.txt"), &bytes),
            Err(ExtractError::Mislabelled { .. })
        ));
    }

    #[test]
    fn titles_are_cleaned_and_capped() {
        let n = note("a.md", b"#   Two\twords  \n\nbody");
        assert_eq!(n.title, "Two words");
        let long = format!("# {}\n\nbody", "word ".repeat(100));
        let n = note("a.md", long.as_bytes());
        assert_eq!(n.title.chars().count(), MAX_TITLE_CHARS + 1);
        assert!(n.title.ends_with('…'));
    }

    #[test]
    fn chunk_offsets_index_note_text() {
        let body = "A sentence about the kitchen renovation budget. ".repeat(40);
        let md = format!("# Kitchen\n\n{body}\n\n## Budget\n\n{body}");
        let n = note("k.md", md.as_bytes());
        assert!(n.chunks.len() > 2);
        for c in &n.chunks {
            let slice: String = n.text.chars().skip(c.start).take(c.end - c.start).collect();
            assert_eq!(slice, c.text);
        }
        assert_eq!(n.chunks[0].heading, "Kitchen");
        assert_eq!(n.chunks.last().unwrap().heading, "Kitchen › Budget");
    }

    #[test]
    fn chunk_serializes() {
        let c = Chunk {
            text: "t".into(),
            heading: "h".into(),
            start: 0,
            end: 1,
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Chunk>(&json).unwrap(), c);
    }

    /// Random and mangled input never panics, in any format.
    #[test]
    fn random_bytes_never_panic() {
        let mut rng = StdRng::seed_from_u64(0x7207e);
        let seeds: Vec<Vec<u8>> = vec![
            b"# T\n\n- a\n- b\n\n> q\n\n| a | b |\n|---|---|\n| 1 | 2 |\n".to_vec(),
            b"<html><head><title>x</title></head><body><h1>a</h1><p>b<br>c</p></body></html>"
                .to_vec(),
            pdf::tests::two_page_pdf(),
        ];
        for name in ["f.md", "f.txt", "f.html", "f.pdf"] {
            for round in 0..150 {
                let bytes: Vec<u8> = if round % 2 == 0 {
                    let len = rng.random_range(1..2048);
                    (0..len).map(|_| rng.random()).collect()
                } else {
                    // Mutations of a valid document reach deeper into the parsers.
                    let mut b = seeds[round % seeds.len()].clone();
                    for _ in 0..rng.random_range(1..20) {
                        let i = rng.random_range(0..b.len());
                        match rng.random_range(0..3) {
                            0 => b[i] = rng.random(),
                            1 => b.truncate(i.max(1)),
                            _ => b.insert(i, rng.random()),
                        }
                    }
                    b
                };
                if let Ok(n) = extract(Path::new(name), &bytes) {
                    for c in &n.chunks {
                        let s: String =
                            n.text.chars().skip(c.start).take(c.end - c.start).collect();
                        assert_eq!(s, c.text);
                    }
                }
            }
        }
    }
}
