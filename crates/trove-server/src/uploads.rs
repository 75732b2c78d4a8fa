//! Photos dropped into the UI, kept in memory only (never written to disk, least of all into
//! the user's folders) so a search can refer to one while the user moves the weight slider.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use trove_core::api::ImageBytes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, blocking};
use crate::types::Upload;

/// The most recent uploads kept, and their total size cap.
const KEEP: usize = 16;
const KEEP_BYTES: usize = 256 << 20;

#[derive(Default)]
pub struct Uploads {
    kept: Mutex<VecDeque<(String, ImageBytes)>>,
}

impl Uploads {
    fn insert(&self, id: String, image: ImageBytes) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.push_back((id, image));
        while kept.len() > KEEP || total(&kept) > KEEP_BYTES {
            kept.pop_front();
        }
    }

    /// An upload by id, if still kept.
    pub fn get(&self, id: &str) -> Option<ImageBytes> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(i, _)| i == id)
            .map(|(_, image)| image.clone())
    }
}

fn total(kept: &VecDeque<(String, ImageBytes)>) -> usize {
    kept.iter().map(|(_, i)| i.bytes.len()).sum()
}

/// `POST /api/uploads`: the body is the image itself. Its type is checked from its bytes (the
/// declared type must at least say it is an image) and its size read from its header; a file
/// that does not decode is refused when searched by, with the decoder's reason.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Upload>> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !declared.starts_with("image/") {
        return Err(ApiError::Unsupported(format!(
            "send the photo itself with an image/* content type, not {:?}",
            if declared.is_empty() {
                "none"
            } else {
                declared
            }
        )));
    }
    let body = axum::body::to_bytes(body, crate::UPLOAD_LIMIT)
        .await
        .map_err(|_| ApiError::TooLarge)?;
    if body.is_empty() {
        return Err(ApiError::Invalid("the photo is empty".into()));
    }
    let bytes: Arc<[u8]> = Arc::from(body.as_ref());
    let probe = bytes.clone();
    let (format, (width, height)) = blocking(move || {
        let reader = image::ImageReader::new(std::io::Cursor::new(&probe[..]))
            .with_guessed_format()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let format = reader.format().ok_or_else(|| {
            ApiError::Unsupported("this file is not an image Trove can read".into())
        })?;
        let size = reader
            .into_dimensions()
            .map_err(|e| ApiError::Invalid(format!("this image cannot be read: {e}")))?;
        Ok((format, size))
    })
    .await?;
    let id = crate::auth::new_token();
    let extension = format.extensions_str()[0];
    let name = format!("the dropped photo ({extension})");
    let upload = Upload {
        id: id.clone(),
        width,
        height,
        format: extension.to_string(),
        bytes: bytes.len(),
    };
    state.uploads.insert(id, ImageBytes { name, bytes });
    Ok(Json(upload))
}
