//! `trove serve`: the HTTP face of Trove's UI ([`Front`]) for the web UI, on loopback only.
//!
//! Every API route is a thin handler over one [`Front`] call ([`api`]); files are served by
//! item id only ([`files`]); the background service's events are streamed to every open page
//! ([`events`]); every request must carry the per-launch token ([`auth`]); the built UI is
//! compiled into the binary ([`assets`]). The engine is blocking (SQLite, Candle), so handlers
//! run it on tokio's blocking pool.

mod api;
mod assets;
mod auth;
mod error;
mod events;
mod files;
mod serve;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use trove_front::{Front, UPLOAD_LIMIT};

pub use error::ApiError;
pub use serve::{DEFAULT_PORT, Listening, ServeError, ServeOptions, serve};
pub use trove_front::{Hub, new_token};

/// What handlers share.
pub struct AppState {
    pub front: Front,
    /// The per-launch secret every request must show.
    pub token: String,
    /// The cookie that carries the token after the first load: named after the port, because
    /// browsers share cookies between ports of one host.
    pub cookie: String,
}

impl AppState {
    pub fn new(front: Front, token: String, port: u16) -> AppState {
        AppState {
            front,
            token,
            cookie: format!("trove_{port}"),
        }
    }
}

/// Largest JSON body of any other request.
const JSON_LIMIT: usize = 1 << 20;

/// Every route, behind the token check.
pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/status", get(api::status))
        .route("/service", get(api::service))
        .route("/events", get(events::stream))
        .route("/search", post(api::search))
        .route("/similar/{id}", get(api::similar))
        .route(
            "/uploads",
            post(api::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/items/{id}", get(api::item))
        .route("/items/{id}/thumbnail", get(files::thumbnail))
        .route("/items/{id}/original", get(files::original))
        .route("/items/{id}/view", get(files::view))
        .route(
            "/roots",
            get(api::roots).post(api::add_root).delete(api::remove_root),
        )
        .route("/failed", get(api::failed))
        .route("/models", get(api::models))
        .route("/settings", get(api::settings).put(api::save_settings))
        .route("/pause", post(api::pause))
        .route("/resume", post(api::resume))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(JSON_LIMIT));
    Router::new()
        .nest("/api", api)
        .fallback(assets::serve)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .with_state(state)
}
