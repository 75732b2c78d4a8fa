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
use trove_front::files::{FILE_CSP, THUMBNAIL_TYPE, Viewed, safe_type};
use trove_front::{FrontError, item_id};

use crate::AppState;
use crate::error::{ApiResult, blocking};

pub async fn thumbnail(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let file = served(&state, &id).await?;
    let thumb = file
        .thumbnail
        .ok_or_else(|| FrontError::NotFound(format!("item {id} has no thumbnail")))?;
    let bytes = read(&thumb).await?;
    Ok(reply(bytes, THUMBNAIL_TYPE))
}

/// Streamed from disk, with Range requests (a large photo or PDF need not be read whole).
pub async fn original(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let file = served(&state, &id).await?;
    stream(file, request).await
}

/// A photo to show large: the original, or a JPEG rendition of a format browsers do not show.
pub async fn view(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let id = item_id(&id)?;
    let viewed = {
        let state = state.clone();
        blocking(move || Ok(state.front.view(id)?)).await?
    };
    match viewed {
        Viewed::Original(file) => stream(file, request).await,
        Viewed::Rendered(jpeg) => Ok(reply(jpeg, THUMBNAIL_TYPE)),
    }
}

async fn stream(file: ServedFile, request: Request) -> ApiResult<Response> {
    let mime = safe_type(&file.path);
    let response = ServeFile::new_with_mime(&file.path, &mime)
        .oneshot(request)
        .await
        .map_err(|e| FrontError::Internal(e.to_string()))?;
    if response.status() == StatusCode::NOT_FOUND {
        return Err(
            FrontError::NotFound(format!("{} cannot be read now", file.path.display())).into(),
        );
    }
    let (mut parts, body) = response.into_parts();
    protect(&mut parts.headers);
    Ok(Response::from_parts(parts, Body::new(body)))
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

async fn served(state: &Arc<AppState>, id: &str) -> ApiResult<ServedFile> {
    let id = item_id(id)?;
    let state = state.clone();
    blocking(move || Ok(state.front.served(id)?)).await
}

async fn read(path: &std::path::Path) -> ApiResult<Vec<u8>> {
    tokio::fs::read(path).await.map_err(|e| {
        FrontError::NotFound(format!("{} cannot be read now: {e}", path.display())).into()
    })
}

fn reply(bytes: Vec<u8>, mime: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, mime)], bytes).into_response();
    protect(response.headers_mut());
    response
}
