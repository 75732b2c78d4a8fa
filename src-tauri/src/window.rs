//! The main window's life: shown and focused on demand (tray, second launch, global shortcut),
//! hidden rather than closed (Trove goes on indexing in the tray), and the photos dropped on it
//! from the file manager.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{AppHandle, DragDropEvent, Emitter, Manager, Window, WindowEvent};
use trove_core::extract::Kind;
use trove_front::Front;

use crate::events::{DESKTOP, DesktopEvent};

pub const MAIN: &str = "main";

/// Brings the window up, wherever it was (hidden in the tray, minimised, behind others).
pub fn summon(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

pub fn on_event(window: &Window, event: &WindowEvent) {
    match event {
        WindowEvent::CloseRequested { api, .. } if window.label() == MAIN => {
            // Closing the window leaves Trove indexing in the tray; "Quit" there ends it.
            api.prevent_close();
            let _ = window.hide();
        }
        WindowEvent::DragDrop(drop) => on_drop(window.app_handle(), drop),
        _ => {}
    }
}

fn on_drop(app: &AppHandle, drop: &DragDropEvent) {
    match drop {
        DragDropEvent::Enter { .. } => emit(app, DesktopEvent::DragHover { active: true }),
        DragDropEvent::Leave => emit(app, DesktopEvent::DragHover { active: false }),
        DragDropEvent::Drop { paths, .. } => {
            emit(app, DesktopEvent::DragHover { active: false });
            let app = app.clone();
            let paths = paths.clone();
            tauri::async_runtime::spawn_blocking(move || {
                let front = app.state::<Arc<Front>>();
                emit(&app, dropped(&front, &paths));
            });
        }
        _ => {}
    }
}

/// The first photo among the dropped files, kept to search by.
fn dropped(front: &Front, paths: &[PathBuf]) -> DesktopEvent {
    let Some(photo) = paths
        .iter()
        .find(|p| trove_core::extract::kind_of(p) == Some(Kind::Photo))
    else {
        return DesktopEvent::DropRefused {
            message: "Drop a photo (JPEG, PNG, WebP, GIF, BMP or TIFF) to find similar ones".into(),
        };
    };
    let name = photo
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dropped photo".into());
    match front.upload_dropped(photo) {
        Ok(upload) => DesktopEvent::Dropped { upload, name },
        Err(e) => DesktopEvent::DropRefused {
            message: format!("{name}: {}", e.detail().message),
        },
    }
}

pub fn emit(app: &AppHandle, event: DesktopEvent) {
    if let Err(e) = app.emit_to(MAIN, DESKTOP, event) {
        tracing::warn!("cannot tell the window: {e}");
    }
}
