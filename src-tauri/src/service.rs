//! The engine service (watcher and indexing) in the app's background: started with the app,
//! its events sent to the window and the tray, stopped cleanly when the app quits.

use std::sync::{Arc, Mutex};

use tauri::{AppHandle, Emitter, Manager};
use trove_core::service::{Service, ServiceEvent};
use trove_front::Front;

use crate::events::SERVICE;
use crate::tray::Tray;
use crate::window::MAIN;

/// The running service, if this process runs it (another Trove may hold the library).
#[derive(Default)]
pub struct Running(Mutex<Option<Service>>);

pub fn start(app: &AppHandle, front: &Arc<Front>, tray: Option<Tray>) {
    let to_window = app.clone();
    let on_event = move |event: &ServiceEvent| {
        if let Some(tray) = &tray {
            tray.follow(event);
        }
        if let Err(e) = to_window.emit_to(MAIN, SERVICE, event) {
            tracing::warn!("cannot tell the window: {e}");
        }
    };
    match front.start_service(&[], on_event) {
        Ok(Some(service)) => {
            *lock(&app.state::<Running>()) = Some(service);
        }
        Ok(None) => {
            if let Some(tray) = app.try_state::<Tray>() {
                tray.set_status("Another Trove keeps this library up to date");
            }
        }
        Err(e) => {
            // The window still searches what is indexed; it shows the problem.
            tracing::error!("cannot start indexing: {e}");
            front.hub.publish(&ServiceEvent::Problem {
                message: format!("indexing cannot start: {e}"),
            });
        }
    }
}

/// Stops the service, finishing the batch in flight; nothing is lost either way, but a clean
/// stop leaves nothing to redo.
pub fn stop(app: &AppHandle) {
    let service = lock(&app.state::<Running>()).take();
    if let Some(service) = service
        && let Err(e) = service.stop()
    {
        tracing::warn!("indexing did not stop cleanly: {e}");
    }
    app.state::<Arc<Front>>().hub.close();
}

fn lock(running: &Running) -> std::sync::MutexGuard<'_, Option<Service>> {
    running.0.lock().unwrap_or_else(|e| e.into_inner())
}
