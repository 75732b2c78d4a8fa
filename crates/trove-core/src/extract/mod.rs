//! Extraction: turns the bytes of one file into what the library stores about it.
//!
//! Owns the decision of *what a file is* (by extension, then by content), and the per-format
//! extractors: [`image`] for photos (dimensions, EXIF, oriented thumbnail) and [`note`] for
//! documents (plain text, title, heading-aware overlapping chunks). Extraction is pure: it never
//! touches the store, so the pipeline can run it on worker threads outside any transaction.
//!
//! Every failure here is the *file's* fault (corrupt, unsupported, too large, …) except
//! [`ExtractError::Io`]; the pipeline records the message as the file's failure reason, so each
//! message is written for a person: what is wrong and, where it helps, what to do.

pub mod image;
pub mod note;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::types::Kind;

/// Which extractor reads a file, decided by its name. It is part of a content's identity: the
/// same bytes read as HTML and as plain text are different documents (one hides its `<script>`,
/// the other shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reader {
    /// Any photo format; the exact format is then sniffed from the content.
    Image,
    Markdown,
    Text,
    Html,
    Pdf,
}

impl Reader {
    /// The reader for a file name; `None` for files Trove does not track at all.
    pub fn of(path: &Path) -> Option<Reader> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "jpg" | "jpeg" | "jpe" | "jfif" | "png" | "webp" | "gif" | "bmp" | "tif" | "tiff"
            | "heic" | "heif" | "hif" | "avif" => Reader::Image,
            e if image::RAW_EXTENSIONS.contains(&e) => Reader::Image,
            "md" | "markdown" => Reader::Markdown,
            "txt" | "text" => Reader::Text,
            "html" | "htm" => Reader::Html,
            "pdf" => Reader::Pdf,
            _ => return None,
        })
    }

    pub fn kind(self) -> Kind {
        match self {
            Reader::Image => Kind::Photo,
            _ => Kind::Note,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reader::Image => "image",
            Reader::Markdown => "markdown",
            Reader::Text => "text",
            Reader::Html => "html",
            Reader::Pdf => "pdf",
        }
    }
}

/// What kind of item a file becomes, from its name; `None` for untracked files.
pub fn kind_of(path: &Path) -> Option<Kind> {
    Reader::of(path).map(Reader::kind)
}

/// Limits that protect indexing from hostile or absurd files.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Files larger than this are not read at all.
    pub max_file_bytes: u64,
    /// Decompression-bomb guard: images whose header declares more pixels are refused
    /// before any pixel is decoded.
    pub max_image_pixels: u64,
    /// Upper bound on memory the image decoder may allocate.
    pub max_decode_bytes: u64,
    /// Long side of the cached thumbnail, in pixels.
    pub thumbnail_size: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 * 1024 * 1024,
            max_image_pixels: 120_000_000,
            max_decode_bytes: 1024 * 1024 * 1024,
            thumbnail_size: 320,
        }
    }
}

/// What extraction produced for one file.
#[derive(Debug, Clone)]
pub enum Extracted {
    Photo(image::Photo),
    Note(note::Note),
}

impl Extracted {
    #[cfg(any(test, feature = "internals"))]
    pub fn kind(&self) -> Kind {
        match self {
            Extracted::Photo(_) => Kind::Photo,
            Extracted::Note(_) => Kind::Note,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A format Trove recognises but cannot read.
    #[error("{format} files are not supported yet{}", hint.map(|h| format!(" ({h})")).unwrap_or_default())]
    Unsupported {
        format: &'static str,
        hint: Option<&'static str>,
    },
    /// A format Trove reads, in a variant that uses a feature it cannot read (a TIFF
    /// compression, a colour type): the feature is named, so the file is not taken for damaged.
    #[error("{format} with a feature Trove cannot read yet: {feature} (convert it to JPEG or PNG)")]
    UnsupportedFeature {
        format: &'static str,
        feature: String,
    },
    /// The content is not what the extension claims (e.g. a text file named `.jpg`).
    #[error("content is not {expected} (the file name says it is, but its bytes {found})")]
    Mislabelled {
        expected: &'static str,
        found: String,
    },
    /// The file is damaged: truncated, bad header, invalid structure.
    #[error("corrupt {format}: {detail}")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    /// Dimensions or size beyond [`Limits`].
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("empty file (0 bytes)")]
    Empty,
    /// A document that can be parsed but holds no text (a scanned PDF, an empty note).
    #[error("{0}")]
    NoText(String),
    #[error("encrypted PDF: Trove cannot read password-protected documents")]
    Encrypted,
    /// Reading failed: permission denied, the file vanished, an I/O error.
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
}

/// Extracts a file whose bytes have already been read (the pipeline hashes the same buffer).
/// `path` is used for the extension (format hint) and the fallback title only.
#[cfg(any(test, feature = "internals"))]
pub fn extract(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    extract_for(path, bytes, limits, None)
}

/// [`extract`], also preparing a photo's input for a model with image rules `model`.
pub fn extract_for(
    path: &Path,
    bytes: &[u8],
    limits: &Limits,
    model: Option<&crate::extract::image::ImageRules>,
) -> Result<Extracted, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    match Reader::of(path) {
        Some(Reader::Image) => image::extract_for(path, bytes, limits, model).map(Extracted::Photo),
        Some(reader) => note::extract(path, bytes, reader).map(Extracted::Note),
        None => Err(ExtractError::Unsupported {
            format: "this file type",
            hint: None,
        }),
    }
}
