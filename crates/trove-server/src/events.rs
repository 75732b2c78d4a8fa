//! The service's events as server-sent events, for every open page.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use tokio_stream::wrappers::{BroadcastStream, WatchStream};
use tokio_stream::{Stream, StreamExt};

use crate::AppState;

/// `GET /api/events`: one SSE message per service event, named after it (`progress`, `idle`,
/// …), with the same JSON as `trove watch --json`. A page that fell behind gets a `lagged`
/// message and refetches what it shows. Every stream ends when the server shuts down (else
/// they would hold it open).
pub async fn stream(
    State(state): State<Arc<AppState>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let hub = &state.front.hub;
    let events = BroadcastStream::new(hub.subscribe()).map(|item| {
        Some(match item {
            Ok(event) => Event::default().event(&event.0).data(&event.1),
            Err(_) => Event::default().event("lagged").data("{}"),
        })
    });
    let closed = WatchStream::new(hub.closed())
        .filter(|closed| *closed)
        .map(|_| None);
    let events = events
        .merge(closed)
        .take_while(Option::is_some)
        .map(|event| Ok(event.unwrap_or_default()));
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
