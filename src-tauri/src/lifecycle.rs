//! The app's life: the main window summoned and put away, the engine service held while it
//! runs, and quitting. The tray, the window's events, the commands and the service's start all
//! call into this module; it calls none of them, so the app's modules form no cycle.

use std::sync::Mutex;

use tauri::{AppHandle, Manager};
use tauri_plugin_window_state::AppHandleExt;
use trove_core::api::Service;

/// The main window's label (`tauri.conf.json`).
pub const MAIN: &str = "main";

/// The tray icon's id.
pub const TRAY: &str = "trove";

/// What is remembered of the window: all but whether it was shown (at login it starts hidden).
pub const WINDOW_STATE: tauri_plugin_window_state::StateFlags =
    tauri_plugin_window_state::StateFlags::all()
        .difference(tauri_plugin_window_state::StateFlags::VISIBLE);

/// The running service, if this process runs it (another Trove may hold the library).
#[derive(Default)]
pub struct Running(Mutex<Option<Service>>);

/// Keeps the service this app started, to stop it when the app quits.
pub fn keep(app: &AppHandle, service: Service) {
    *lock(&app.state::<Running>()) = Some(service);
}

/// Brings the window up, wherever it was (hidden in the tray, minimised, behind others).
pub fn summon(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Hides the window, its place saved first: the plugin writes it only at a clean exit, and a
/// logout ends the app with a signal; a hidden window has no place to read.
pub fn put_away(app: &AppHandle) {
    let Some(window) = app.get_webview_window(MAIN) else {
        return;
    };
    if window.is_visible().unwrap_or(false)
        && let Err(e) = app.save_window_state(WINDOW_STATE)
    {
        tracing::warn!("the window's place was not saved: {e}");
    }
    let _ = window.hide();
}

/// The window's close button: with a tray, Trove goes on indexing there ("Quit" there ends
/// it); without one, a hidden Trove could be found only by launching it again, so it quits.
pub fn close(app: &AppHandle) {
    if app.tray_by_id(TRAY).is_some() {
        put_away(app);
    } else {
        quit(app);
    }
}

/// "Quit": the window goes at once, the service stops off the main thread (which keeps
/// drawing meanwhile), then the app exits.
pub fn quit(app: &AppHandle) {
    put_away(app);
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
    app.state::<std::sync::Arc<trove_front::Front>>()
        .hub
        .close();
}

fn lock(running: &Running) -> std::sync::MutexGuard<'_, Option<Service>> {
    running.0.lock().unwrap_or_else(|e| e.into_inner())
}
