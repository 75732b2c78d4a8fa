//! JSON handlers: each is a thin adapter over one [`Library`](trove_core::Library) call.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use trove_core::ItemRef;
use trove_core::api::{
    FailedFile, ItemDetails, ModelEntry, RootInfo, SearchRequest, SearchResults, Status,
};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Body, blocking};
use crate::types::{Paused, RootRequest, RootsChange, ServiceView};

type Shared = State<Arc<AppState>>;

pub async fn status(State(state): Shared) -> ApiResult<Json<Status>> {
    Ok(Json(blocking(move || Ok(state.library.status()?)).await?))
}

pub async fn service(State(state): Shared) -> ApiResult<Json<ServiceView>> {
    blocking(move || {
        let status = state.library.status()?;
        let latest = state.hub.latest();
        let running = state.hub.running(status.service.is_some());
        Ok(Json(ServiceView {
            running,
            holder: match running {
                crate::types::Running::Elsewhere => status
                    .service
                    .as_ref()
                    .map(|s| format!("Trove (pid {})", s.pid)),
                _ => None,
            },
            models: latest.models,
            watching: latest.watching,
            activity: latest.activity,
            paused: status.paused,
        }))
    })
    .await
}

/// `POST /api/search`. `like` names a library photo by id or a dropped one as `upload:<id>`;
/// never a path, which would let a page read any image on the machine.
pub async fn search(
    State(state): Shared,
    Body(request): Body<SearchRequest>,
) -> ApiResult<Json<SearchResults>> {
    let like = match request.like.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(like) => Some(photo_ref(&state, like)?),
    };
    blocking(move || Ok(Json(state.library.search_by(&request, like.as_ref())?))).await
}

fn photo_ref(state: &AppState, like: &str) -> ApiResult<ItemRef> {
    if let Some(upload) = like.strip_prefix("upload:") {
        return state
            .uploads
            .get(upload)
            .map(ItemRef::Image)
            .ok_or_else(|| {
                ApiError::NotFound("that dropped photo is no longer kept; drop it again".into())
            });
    }
    like.parse().map(ItemRef::Id).map_err(|_| {
        ApiError::Invalid(format!(
            "`like` is a photo's id or `upload:<id>` of a dropped photo, not {like:?}"
        ))
    })
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
    let limit = limit.limit.unwrap_or(trove_core::search::DEFAULT_LIMIT);
    blocking(move || Ok(Json(state.library.similar(&ItemRef::Id(id), limit)?))).await
}

/// An id from the URL. Anything else (a path, `..`) is simply not an item: 404.
pub fn item_id(text: &str) -> ApiResult<i64> {
    text.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::NotFound(format!("no item {text:?}")))
}

pub async fn item(State(state): Shared, Path(id): Path<String>) -> ApiResult<Json<ItemDetails>> {
    let id = item_id(&id)?;
    blocking(move || Ok(Json(state.library.show(&ItemRef::Id(id))?))).await
}

pub async fn roots(State(state): Shared) -> ApiResult<Json<Vec<RootInfo>>> {
    blocking(move || Ok(Json(state.library.roots()?))).await
}

/// `POST /api/roots`: the service adds and indexes the folder in the background (progress
/// comes as events); without a service it is added here, to be indexed at the next start.
pub async fn add_root(
    State(state): Shared,
    Body(request): Body<RootRequest>,
) -> ApiResult<Json<RootsChange>> {
    let dir = folder(&request.path)?;
    blocking(move || {
        if let Some(handed) = state.library.hand_over(std::slice::from_ref(&dir))? {
            let message = format!("indexing {} in the background", handed.folders.join(", "));
            return Ok(Json(RootsChange {
                folders: handed.folders,
                message,
            }));
        }
        let added = state.library.add_roots(&[dir])?;
        let folders: Vec<String> = added.iter().map(|a| added_path(a).to_string()).collect();
        Ok(Json(RootsChange {
            message: format!(
                "added {}; nothing indexes it until Trove runs again",
                folders.join(", ")
            ),
            folders,
        }))
    })
    .await
}

fn added_path(added: &trove_core::api::RootAdded) -> &str {
    use trove_core::api::RootAdded::*;
    match added {
        Added { path } | AlreadyPresent { path } | Covered { path, .. } | Merged { path, .. } => {
            path
        }
    }
}

/// `DELETE /api/roots`: the library forgets the folder; its files are never touched.
pub async fn remove_root(
    State(state): Shared,
    Body(request): Body<RootRequest>,
) -> ApiResult<Json<RootsChange>> {
    let dir = folder(&request.path)?;
    blocking(move || {
        if let Some(handed) = state
            .library
            .hand_over_removal(std::slice::from_ref(&dir))?
        {
            let message = format!("removing {} from the library", handed.folders.join(", "));
            return Ok(Json(RootsChange {
                folders: handed.folders,
                message,
            }));
        }
        let report = state.library.remove_root(&dir)?;
        Ok(Json(RootsChange {
            message: format!(
                "removed {} ({} files forgotten; nothing on disk was touched)",
                report.root, report.files_removed
            ),
            folders: vec![report.root],
        }))
    })
    .await
}

fn folder(path: &str) -> ApiResult<PathBuf> {
    let path = path.trim();
    if path.is_empty() {
        return Err(ApiError::Invalid("name a folder".into()));
    }
    let path = match path.strip_prefix("~/") {
        Some(rest) => std::env::home_dir()
            .map(|home| home.join(rest))
            .unwrap_or_else(|| PathBuf::from(path)),
        None => PathBuf::from(path),
    };
    if !path.is_absolute() {
        return Err(ApiError::Invalid(format!(
            "{} is not a full path (start it with / or ~/)",
            path.display()
        )));
    }
    Ok(path)
}

pub async fn failed(State(state): Shared) -> ApiResult<Json<Vec<FailedFile>>> {
    blocking(move || Ok(Json(state.library.failed()?))).await
}

pub async fn models(State(state): Shared) -> ApiResult<Json<Vec<ModelEntry>>> {
    blocking(move || Ok(Json(state.library.models()?))).await
}

pub async fn pause(State(state): Shared) -> ApiResult<Json<Paused>> {
    blocking(move || {
        state.library.pause()?;
        Ok(Json(Paused { paused: true }))
    })
    .await
}

pub async fn resume(State(state): Shared) -> ApiResult<Json<Paused>> {
    blocking(move || {
        state.library.resume()?;
        Ok(Json(Paused { paused: false }))
    })
    .await
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such API endpoint".into())
}
