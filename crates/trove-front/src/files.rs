//! How indexed files are handed to a page (HTTP answers, the desktop's `trove:` protocol): as
//! what they are, but never as something that runs with the UI's rights.

use std::path::Path;

/// The type a file is served as. An HTML or SVG note must not run scripts with the page's
/// rights, so text is plain text and anything unknown is bytes.
pub fn safe_type(path: &Path) -> mime_guess::Mime {
    let guessed = mime_guess::from_path(path).first_or_octet_stream();
    match guessed.type_() {
        mime_guess::mime::IMAGE if guessed.subtype() != "svg" => guessed,
        mime_guess::mime::TEXT => mime_guess::mime::TEXT_PLAIN_UTF_8,
        _ if guessed.subtype() == "pdf" => guessed,
        _ => mime_guess::mime::APPLICATION_OCTET_STREAM,
    }
}

/// Thumbnails (and renditions) are JPEG.
pub const THUMBNAIL_TYPE: &str = "image/jpeg";

/// Long side of the rendition of a photo a web view cannot show itself: sharp on a large
/// screen, made in well under a second.
pub const VIEW_SIZE: u32 = 2048;

/// A photo to show large.
pub enum Viewed {
    /// The file itself, in a format web views display.
    Original(trove_core::api::ServedFile),
    /// A JPEG rendition ([`THUMBNAIL_TYPE`]) of a format they do not (HEIC, TIFF, AVIF).
    Rendered(Vec<u8>),
}

/// Whether every web view (Chromium, WebKitGTK, WebView2, WKWebView) displays a photo format
/// as is. AVIF is left out: WebKitGTK builds without it exist. Notes are served as they are.
pub fn shown_as_is(photo_format: Option<&str>) -> bool {
    matches!(
        photo_format,
        None | Some("jpeg" | "png" | "gif" | "webp" | "bmp")
    )
}

/// What a served file may do if it is rendered by itself: nothing but show itself.
pub const FILE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_web_views_display_is_served_as_is() {
        for shown in [
            None,
            Some("jpeg"),
            Some("png"),
            Some("gif"),
            Some("webp"),
            Some("bmp"),
        ] {
            assert!(shown_as_is(shown), "{shown:?}");
        }
        for rendered in ["heic", "avif", "tiff"] {
            assert!(!shown_as_is(Some(rendered)), "{rendered}");
        }
    }

    #[test]
    fn markup_is_never_served_as_markup() {
        for (name, served) in [
            ("a.jpg", "image/jpeg"),
            ("a.png", "image/png"),
            ("a.html", "text/plain; charset=utf-8"),
            ("a.md", "text/plain; charset=utf-8"),
            ("a.svg", "application/octet-stream"),
            ("a.pdf", "application/pdf"),
            ("a.exe", "application/octet-stream"),
        ] {
            assert_eq!(safe_type(Path::new(name)).as_ref(), served, "{name}");
        }
    }
}
