//! The engine service (watcher and indexing) in the app's background: started with the app,
//! its events sent to the window and the tray (`lifecycle` stops it when the app quits).

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager};
use trove_core::api::ServiceEvent;
use trove_front::Front;

use crate::events::SERVICE;
use crate::lifecycle::{self, MAIN};
use crate::tray::Tray;

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
        Ok(Some(service)) => lifecycle::keep(app, service),
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
