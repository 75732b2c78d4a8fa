//! Thumbnails and originals, by item id only: the path comes from the library, never from
//! the request, so a page can read nothing but the files the user chose to index.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use trove_core::api::ServedFile;

use crate::AppState;
use crate::api::item_id;
use crate::error::{ApiError, ApiResult, blocking};

pub async fn thumbnail(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let file = served(&state, &id).await?;
    let thumb = file
        .thumbnail
        .ok_or_else(|| ApiError::NotFound(format!("item {id} has no thumbnail")))?;
    let bytes = read(&thumb).await?;
    Ok(reply(bytes, "image/jpeg"))
}

pub async fn original(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let file = served(&state, &id).await?;
    let bytes = read(&file.path).await?;
    let mime = mime_guess::from_path(&file.path).first_or_octet_stream();
    // Served as what it is, but never as a page of this origin: an HTML note must not run
    // scripts with the API's cookie.
    let mime = match mime.type_() {
        mime_guess::mime::IMAGE if mime.subtype() != "svg" => mime.to_string(),
        mime_guess::mime::TEXT => "text/plain; charset=utf-8".to_string(),
        _ if mime.subtype() == "pdf" => mime.to_string(),
        _ => "application/octet-stream".to_string(),
    };
    Ok(reply(bytes, &mime))
}

async fn served(state: &Arc<AppState>, id: &str) -> ApiResult<ServedFile> {
    let id = item_id(id)?;
    let state = state.clone();
    blocking(move || {
        state
            .library
            .served_file(id)?
            .ok_or_else(|| ApiError::NotFound(format!("no indexed file with id {id}")))
    })
    .await
}

async fn read(path: &std::path::Path) -> ApiResult<Vec<u8>> {
    tokio::fs::read(path)
        .await
        .map_err(|e| ApiError::NotFound(format!("{} cannot be read now: {e}", path.display())))
}

fn reply(bytes: Vec<u8>, mime: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CACHE_CONTROL, "private, max-age=60".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
                    .to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}
