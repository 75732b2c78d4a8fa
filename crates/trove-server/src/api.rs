//! JSON handlers: each is a thin adapter over one [`Front`](trove_front::Front) call.

use std::sync::Arc;

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use serde::Deserialize;
use trove_core::api::{
    FailedFile, ItemDetails, ModelEntry, RootInfo, SearchRequest, SearchResults, Status,
};
use trove_front::types::{
    Paused, RootRequest, RootsChange, ServiceView, SettingsUpdate, SettingsView, Upload,
};
use trove_front::{FrontError, UPLOAD_LIMIT, check_upload_type, item_id};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Body, blocking};

type Shared = State<Arc<AppState>>;

/// Runs one front call on the blocking pool and answers its result as JSON.
async fn call<T: Send + 'static>(
    state: Arc<AppState>,
    work: impl FnOnce(&trove_front::Front) -> Result<T, FrontError> + Send + 'static,
) -> ApiResult<Json<T>> {
    blocking(move || Ok(work(&state.front)?)).await.map(Json)
}

pub async fn status(State(state): Shared) -> ApiResult<Json<Status>> {
    call(state, |front| front.status()).await
}

pub async fn service(State(state): Shared) -> ApiResult<Json<ServiceView>> {
    call(state, |front| front.service()).await
}

/// `POST /api/search`.
pub async fn search(
    State(state): Shared,
    Body(request): Body<SearchRequest>,
) -> ApiResult<Json<SearchResults>> {
    call(state, move |front| front.search(&request)).await
}

#[derive(Debug, Deserialize)]
pub struct Limit {
    limit: Option<usize>,
}

pub async fn similar(
    State(state): Shared,
    Path(id): Path<String>,
    Query(limit): Query<Limit>,
) -> ApiResult<Json<SearchResults>> {
    let id = item_id(&id)?;
    call(state, move |front| front.similar(id, limit.limit)).await
}

/// `POST /api/uploads`: the body is the image itself.
pub async fn upload(
    State(state): Shared,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<Json<Upload>> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Refused before the body is read.
    check_upload_type(declared.as_deref())?;
    let body = axum::body::to_bytes(body, UPLOAD_LIMIT)
        .await
        .map_err(|_| FrontError::TooLarge)?;
    let bytes: Arc<[u8]> = Arc::from(body.as_ref());
    call(state, move |front| front.upload(bytes, declared.as_deref())).await
}

pub async fn item(State(state): Shared, Path(id): Path<String>) -> ApiResult<Json<ItemDetails>> {
    let id = item_id(&id)?;
    call(state, move |front| front.item(id)).await
}

pub async fn roots(State(state): Shared) -> ApiResult<Json<Vec<RootInfo>>> {
    call(state, |front| front.roots()).await
}

/// `POST /api/roots`.
pub async fn add_root(
    State(state): Shared,
    Body(request): Body<RootRequest>,
) -> ApiResult<Json<RootsChange>> {
    call(state, move |front| front.add_root(&request.path)).await
}

/// `DELETE /api/roots`.
pub async fn remove_root(
    State(state): Shared,
    Body(request): Body<RootRequest>,
) -> ApiResult<Json<RootsChange>> {
    call(state, move |front| front.remove_root(&request.path)).await
}

pub async fn failed(State(state): Shared) -> ApiResult<Json<Vec<FailedFile>>> {
    call(state, |front| front.failed()).await
}

pub async fn models(State(state): Shared) -> ApiResult<Json<Vec<ModelEntry>>> {
    call(state, |front| front.models()).await
}

pub async fn settings(State(state): Shared) -> ApiResult<Json<SettingsView>> {
    call(state, |front| front.settings()).await
}

pub async fn save_settings(
    State(state): Shared,
    Body(update): Body<SettingsUpdate>,
) -> ApiResult<Json<SettingsView>> {
    call(state, move |front| front.save_settings(&update)).await
}

pub async fn pause(State(state): Shared) -> ApiResult<Json<Paused>> {
    call(state, |front| front.pause()).await
}

pub async fn resume(State(state): Shared) -> ApiResult<Json<Paused>> {
    call(state, |front| front.resume()).await
}

pub async fn not_found() -> ApiError {
    FrontError::NotFound("no such API endpoint".into()).into()
}
