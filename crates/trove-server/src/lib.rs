//! `trove serve`: the HTTP face of the [`Library`] facade for the web UI, on loopback only.
//!
//! Everything the UI can do is a thin handler over the facade ([`api`]); files are served by
//! item id only ([`files`]); photos dropped into the UI are kept in memory for searching by
//! ([`uploads`]); the background service's events are streamed to every open page
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
mod settings;
pub mod types;
mod uploads;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use trove_core::Library;
use trove_core::service::{Service, ServiceEvent};

pub use auth::new_token;
pub use error::ApiError;
pub use events::Hub;
pub use serve::{DEFAULT_PORT, Listening, ServeError, ServeOptions, serve};

/// What handlers share.
pub struct AppState {
    pub library: Arc<Library>,
    /// The per-launch secret every request must show.
    pub token: String,
    /// The cookie that carries the token after the first load: named after the port, because
    /// browsers share cookies between ports of one host.
    pub cookie: String,
    pub hub: Arc<Hub>,
    pub uploads: uploads::Uploads,
    /// The settings file the settings screen edits, when there is one.
    pub settings_path: Option<PathBuf>,
}

impl AppState {
    pub fn new(library: Arc<Library>, token: String, port: u16, hub: Arc<Hub>) -> AppState {
        AppState {
            library,
            token,
            cookie: format!("trove_{port}"),
            hub,
            uploads: uploads::Uploads::default(),
            settings_path: trove_core::config::settings_path(),
        }
    }
}

/// Largest photo accepted for "search by this photo".
pub const UPLOAD_LIMIT: usize = 32 << 20;
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
            post(uploads::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/items/{id}", get(api::item))
        .route("/items/{id}/thumbnail", get(files::thumbnail))
        .route("/items/{id}/original", get(files::original))
        .route(
            "/roots",
            get(api::roots).post(api::add_root).delete(api::remove_root),
        )
        .route("/failed", get(api::failed))
        .route("/models", get(api::models))
        .route("/settings", get(settings::get).put(settings::put))
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

/// Starts the engine service (watcher and indexing) in the background, its events going to
/// `hub` (and to `also`, the CLI's printer). `Ok(None)` when another process already keeps
/// this library up to date: the UI then reads and hands work over to it.
pub fn start_service(
    library: &Arc<Library>,
    dirs: &[PathBuf],
    hub: Arc<Hub>,
    mut also: impl FnMut(&ServiceEvent) + Send + 'static,
) -> trove_core::Result<Option<Service>> {
    let on_event = Box::new(move |event: &ServiceEvent| {
        hub.publish(event);
        also(event);
    });
    match library.start_service(dirs, on_event) {
        Ok(service) => Ok(Some(service)),
        Err(trove_core::Error::Busy { holder, .. }) => {
            tracing::info!("not indexing here: {holder}");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
