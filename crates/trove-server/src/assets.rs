//! The built web UI (`ui/dist`), compiled into the binary so `trove serve` is one file.

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../ui/dist"]
struct Ui;

/// No remote origins and no inline scripts; images also from `blob:` (a dropped photo's
/// preview). Svelte sets inline styles, hence `'unsafe-inline'` for styles only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let Some(file) = Ui::get(path) else {
        if path == "index.html" {
            return not_built();
        }
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    // Vite names its bundles by content hash: they never change. The page itself may.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, mime.as_ref()),
            (header::CACHE_CONTROL, cache),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        file.data,
    )
        .into_response()
}

fn not_built() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><meta charset=\"utf-8\"><title>Trove</title>\
             <h1>This Trove was built without its web UI</h1>\
             <p>Build it with <code>npm --prefix ui ci &amp;&amp; npm --prefix ui run build</code>, \
             then build Trove again (<code>scripts/run</code> does both). The API under \
             <code>/api/</code> works without it.</p>",
        ),
    )
        .into_response()
}
