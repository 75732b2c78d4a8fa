//! The service's events, fanned out to every open page as server-sent events, and the latest
//! of each kind kept for pages that open later (`/api/service`).

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use tokio::sync::broadcast;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};
use tokio_stream::{Stream, StreamExt};
use trove_core::service::{Activity, ServiceEvent, WatchedRoot};

use crate::AppState;
use crate::types::Running;

/// Events a slow page may fall behind by before it misses some (it then refetches).
const BACKLOG: usize = 256;

pub struct Hub {
    sender: broadcast::Sender<Arc<(String, String)>>,
    latest: Mutex<Latest>,
    here: AtomicBool,
    /// Set when the server shuts down, ending every stream (else they would hold it open).
    closed: tokio::sync::watch::Sender<bool>,
}

/// What a page needs to draw the service's state without waiting for the next event.
#[derive(Default, Clone)]
pub struct Latest {
    pub models: Vec<trove_core::api::ModelUse>,
    pub watching: Vec<WatchedRoot>,
    pub activity: Option<Activity>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(BACKLOG).0,
            latest: Mutex::default(),
            here: AtomicBool::new(false),
            closed: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl Hub {
    /// Sends an event to every page, and remembers it.
    pub fn publish(&self, event: &ServiceEvent) {
        {
            let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
            match event {
                ServiceEvent::Models { models } => latest.models = models.clone(),
                ServiceEvent::Watching { roots } => latest.watching = roots.clone(),
                ServiceEvent::Progress(activity) => latest.activity = Some(activity.clone()),
                ServiceEvent::Idle { .. } => latest.activity = None,
                _ => {}
            }
        }
        let Ok(json) = serde_json::to_value(event) else {
            return;
        };
        let name = json["event"].as_str().unwrap_or("message").to_string();
        // No page listening is fine.
        let _ = self.sender.send(Arc::new((name, json.to_string())));
    }

    /// The service runs in this process.
    pub fn set_running_here(&self, here: bool) {
        self.here.store(here, Ordering::SeqCst);
    }

    pub fn running(&self, elsewhere: bool) -> Running {
        match (self.here.load(Ordering::SeqCst), elsewhere) {
            (true, _) => Running::Here,
            (false, true) => Running::Elsewhere,
            (false, false) => Running::None,
        }
    }

    pub fn latest(&self) -> Latest {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Ends every event stream (at shutdown).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<(String, String)>> {
        self.sender.subscribe()
    }
}

/// `GET /api/events`: one SSE message per service event, named after it (`progress`, `idle`,
/// …), with the same JSON as `trove watch --json`. A page that fell behind gets a `lagged`
/// message and refetches what it shows.
pub async fn stream(
    State(state): State<Arc<AppState>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = BroadcastStream::new(state.hub.subscribe()).map(|item| {
        Some(match item {
            Ok(event) => Event::default().event(&event.0).data(&event.1),
            Err(_) => Event::default().event("lagged").data("{}"),
        })
    });
    let closed = WatchStream::new(state.hub.closed.subscribe())
        .filter(|closed| *closed)
        .map(|_| None);
    let events = events
        .merge(closed)
        .take_while(Option::is_some)
        .map(|event| Ok(event.unwrap_or_default()));
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
