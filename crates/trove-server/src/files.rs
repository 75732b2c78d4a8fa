//! Thumbnails and originals, by item id only: the path comes from the library, never from
//! the request, so a page can read nothing but the files the user chose to index.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;
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

/// Streamed from disk, with Range requests (a large photo or PDF need not be read whole).
pub async fn original(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let file = served(&state, &id).await?;
    let mime = safe_type(&file.path);
    let response = ServeFile::new_with_mime(&file.path, &mime)
        .oneshot(request)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if response.status() == StatusCode::NOT_FOUND {
        return Err(ApiError::NotFound(format!(
            "{} cannot be read now",
            file.path.display()
        )));
    }
    let (mut parts, body) = response.into_parts();
    protect(&mut parts.headers);
    Ok(Response::from_parts(parts, Body::new(body)))
}

/// Served as what it is, but never as a page of this origin: an HTML or SVG note must not run
/// scripts with the page's cookie.
fn safe_type(path: &std::path::Path) -> mime_guess::Mime {
    let guessed = mime_guess::from_path(path).first_or_octet_stream();
    match guessed.type_() {
        mime_guess::mime::IMAGE if guessed.subtype() != "svg" => guessed,
        mime_guess::mime::TEXT => mime_guess::mime::TEXT_PLAIN_UTF_8,
        _ if guessed.subtype() == "pdf" => guessed,
        _ => mime_guess::mime::APPLICATION_OCTET_STREAM,
    }
}

fn protect(headers: &mut HeaderMap) {
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
}

/// What a served file may do if a browser renders it: nothing but show itself.
const FILE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

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

fn reply(bytes: Vec<u8>, mime: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, mime)], bytes).into_response();
    protect(response.headers_mut());
    response
}
