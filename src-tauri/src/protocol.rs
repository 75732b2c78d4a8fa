//! The `trove:` protocol: thumbnails, originals, photos to show large and dropped photos for the
//! window's `<img>`s, by id only (`items/<id>/thumbnail`, `items/<id>/original`,
//! `items/<id>/view`, `uploads/<id>`). The path always
//! comes from the library, which serves nothing outside its folders, so the page can read no
//! other file; Tauri's own file protocol (`asset:`) is off.

use std::sync::Arc;

use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};
use trove_front::files::{FILE_CSP, THUMBNAIL_TYPE, Viewed, safe_type};
use trove_front::{Front, FrontError, FrontResult, item_id};

pub const SCHEME: &str = "trove";

/// Answers off the webview's thread: reading a large original must not stall the window.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let front = app.state::<Arc<Front>>();
        let response = match answer(&front, &request) {
            Ok((bytes, mime)) => reply(StatusCode::OK, &mime, bytes),
            Err(e) => {
                let detail = e.detail();
                // The same status per kind as `trove serve` answers with.
                let status = StatusCode::from_u16(detail.kind.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                reply(
                    status,
                    "text/plain; charset=utf-8",
                    detail.message.into_bytes(),
                )
            }
        };
        responder.respond(response);
    });
}

/// The bytes and their type for a `trove:` path.
fn answer(front: &Front, request: &Request<Vec<u8>>) -> FrontResult<(Vec<u8>, String)> {
    if request.method() != tauri::http::Method::GET {
        return Err(FrontError::Invalid("only GET".into()));
    }
    let path = request.uri().path();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["items", id, what @ ("thumbnail" | "original")] => {
            let file = front.served(item_id(id)?)?;
            if *what == "thumbnail" {
                let thumb = file
                    .thumbnail
                    .ok_or_else(|| FrontError::NotFound(format!("item {id} has no thumbnail")))?;
                Ok((read(&thumb)?, THUMBNAIL_TYPE.to_string()))
            } else {
                Ok((read(&file.path)?, safe_type(&file.path).to_string()))
            }
        }
        ["items", id, "view"] => match front.view(item_id(id)?)? {
            Viewed::Original(file) => Ok((read(&file.path)?, safe_type(&file.path).to_string())),
            Viewed::Rendered(jpeg) => Ok((jpeg, THUMBNAIL_TYPE.to_string())),
        },
        ["uploads", id] => {
            let image = front.uploads.get(id).ok_or_else(|| {
                FrontError::NotFound("that dropped photo is no longer kept".into())
            })?;
            let mime = image::guess_mime(&image.bytes);
            Ok((image.bytes.to_vec(), mime.to_string()))
        }
        _ => Err(FrontError::NotFound(format!("nothing at {path}"))),
    }
}

fn read(path: &std::path::Path) -> FrontResult<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| FrontError::NotFound(format!("{} cannot be read now: {e}", path.display())))
}

fn reply(status: StatusCode, mime: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, mime)
        .header(header::CACHE_CONTROL, "private, max-age=60")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, FILE_CSP)
        .body(body)
        .expect("static headers are valid")
}

mod image {
    /// A dropped photo's type from its first bytes (it was checked to be an image when kept).
    pub fn guess_mime(bytes: &[u8]) -> &'static str {
        match bytes {
            [0xff, 0xd8, ..] => "image/jpeg",
            [0x89, b'P', b'N', b'G', ..] => "image/png",
            [b'G', b'I', b'F', ..] => "image/gif",
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => "image/webp",
            [b'B', b'M', ..] => "image/bmp",
            [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => "image/tiff",
            _ => "application/octet-stream",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::testing::{FIXTURES, front, id_of};

    fn get(front: &Front, uri: &str) -> FrontResult<(Vec<u8>, String)> {
        let request = Request::builder().uri(uri).body(Vec::new()).unwrap();
        answer(front, &request)
    }

    #[test]
    fn files_are_served_by_id_as_what_they_are_but_never_as_markup() {
        let (_tmp, front) = front();
        let photo = id_of(&front, "0001.png");
        let (thumb, mime) = get(
            &front,
            &format!("trove://localhost/items/{photo}/thumbnail"),
        )
        .unwrap();
        assert_eq!(
            (&thumb[..2], mime.as_str()),
            (&[0xff, 0xd8][..], "image/jpeg")
        );
        let (original, mime) =
            get(&front, &format!("trove://localhost/items/{photo}/original")).unwrap();
        assert_eq!(mime, "image/png");
        assert_eq!(
            original,
            std::fs::read(Path::new(FIXTURES).join("synthetic/heldout/0001.png")).unwrap()
        );
        let note = id_of(&front, "note.md");
        let (_, mime) = get(&front, &format!("trove://localhost/items/{note}/original")).unwrap();
        assert_eq!(mime, "text/plain; charset=utf-8");
    }

    #[test]
    fn photos_are_viewed_as_they_are_or_as_a_jpeg_of_them() {
        let (_tmp, front) = front();
        let png = id_of(&front, "0001.png");
        let (bytes, mime) = get(&front, &format!("trove://localhost/items/{png}/view")).unwrap();
        assert_eq!(mime, "image/png");
        assert_eq!(
            bytes,
            std::fs::read(Path::new(FIXTURES).join("synthetic/heldout/0001.png")).unwrap()
        );
        let heic = id_of(&front, "IMG_0001.heic");
        let (bytes, mime) = get(&front, &format!("trove://localhost/items/{heic}/view")).unwrap();
        assert_eq!(
            (&bytes[..2], mime.as_str()),
            (&[0xff, 0xd8][..], "image/jpeg")
        );
        let err = get(&front, "trove://localhost/items/999999/view").unwrap_err();
        assert!(matches!(err, FrontError::NotFound(_)), "{err}");
    }

    #[test]
    fn nothing_outside_the_library_folders_is_reachable() {
        let (tmp, front) = front();
        for uri in [
            "trove://localhost/%2Fetc%2Fpasswd",
            "trove://localhost/etc/passwd",
            "trove://localhost/items/..%2F..%2Fetc%2Fpasswd/original",
            "trove://localhost/items/../../etc/passwd",
            "trove://localhost/items/0/original",
            "trove://localhost/items/-1/original",
            "trove://localhost/items/999999/original",
            "trove://localhost/items/1/../../../etc/passwd",
            "trove://localhost/uploads/not-kept",
        ] {
            let err = get(&front, uri).unwrap_err();
            assert!(matches!(err, FrontError::NotFound(_)), "{uri}: {err}");
        }
        // A row made to point outside its folder (a tampered or damaged database) is refused:
        // the scope is the library's folders, whatever the database says.
        let note = id_of(&front, "note.md");
        let db = rusqlite::Connection::open(tmp.path().join("library/library.db")).unwrap();
        db.execute(
            "UPDATE files SET path = ?1 WHERE id = ?2",
            rusqlite::params![&b"/etc/passwd"[..], note],
        )
        .unwrap();
        let err = get(&front, &format!("trove://localhost/items/{note}/original")).unwrap_err();
        assert!(matches!(err, FrontError::NotFound(_)), "{err}");
        let post = Request::builder()
            .method("POST")
            .uri("trove://localhost/items/1/original")
            .body(Vec::new())
            .unwrap();
        assert!(answer(&front, &post).is_err());
    }

    #[test]
    fn a_kept_upload_is_shown_by_its_id() {
        let (_tmp, front) = front();
        let bytes = std::fs::read(Path::new(FIXTURES).join("synthetic/heldout/0001.png")).unwrap();
        let upload = front
            .upload(Arc::from(bytes.as_slice()), Some("image/png"))
            .unwrap();
        let (shown, mime) =
            get(&front, &format!("trove://localhost/uploads/{}", upload.id)).unwrap();
        assert_eq!((shown, mime.as_str()), (bytes, "image/png"));
    }
}
