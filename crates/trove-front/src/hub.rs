//! The service's events, fanned out to every open page (the server's event stream, the
//! desktop window and its tray), and the latest of each kind kept for pages that open later
//! (`service`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;
use trove_core::api::{Activity, ServiceEvent, WatchedRoot};

use crate::types::Running;

/// Events a slow page may fall behind by before it misses some (it then refetches).
const BACKLOG: usize = 256;

/// One event as it travels: its name (`progress`, `idle`, …) and its JSON, the same as
/// `trove watch --json` prints.
pub type Published = Arc<(String, String)>;

pub struct Hub {
    sender: broadcast::Sender<Published>,
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
    /// The last problem, until indexing next goes idle (a service that cannot start never
    /// does, so a page opened later still sees why).
    pub problem: Option<String>,
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
                ServiceEvent::Idle { .. } => {
                    latest.activity = None;
                    latest.problem = None;
                }
                ServiceEvent::Problem { message } => latest.problem = Some(message.clone()),
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

    /// Every event from now on; a receiver that falls behind by more than the backlog is told
    /// it lagged.
    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.sender.subscribe()
    }

    /// Turns true when the host shuts down.
    pub fn closed(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use trove_core::api::Counts;
    use trove_core::api::Processed;

    use super::*;

    #[test]
    fn a_page_opened_later_sees_the_last_problem_until_indexing_goes_idle() {
        let hub = Hub::default();
        assert_eq!(hub.latest().problem, None);
        hub.publish(&ServiceEvent::Problem {
            message: "the disk is full".into(),
        });
        hub.publish(&ServiceEvent::Paused);
        assert_eq!(hub.latest().problem.as_deref(), Some("the disk is full"));
        hub.publish(&ServiceEvent::Idle {
            totals: Processed::default(),
            counts: Counts::default(),
        });
        assert_eq!(hub.latest().problem, None);
    }
}
