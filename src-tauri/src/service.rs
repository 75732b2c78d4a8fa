//! The engine service (watcher and indexing) in the app's background: started with the app,
//! its events sent to the window and the tray, stopped when the app quits.

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
            // The window still searches what is indexed. Its page is not loaded yet (this runs
            // in setup), so it is not sent the problem: the hub keeps it for the page to read.
            tracing::error!("cannot start indexing: {e}");
            front.hub.publish(&ServiceEvent::Problem {
                message: format!("indexing cannot start: {e}"),
            });
            if let Some(tray) = app.try_state::<Tray>() {
                tray.set_status("Not indexing: see the window");
            }
        }
    }
}

/// "Quit": the window goes at once, the service stops off the main thread (which keeps
/// drawing meanwhile), then the app exits.
pub fn quit(app: &AppHandle) {
    crate::window::put_away(app);
    let app = app.clone();
    std::thread::spawn(move || {
        stop(&app);
        app.exit(0);
    });
}

/// Stops the service. Work in hand is dropped uncommitted and its files stay queued, so
/// nothing is lost; the next start indexes them.
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
