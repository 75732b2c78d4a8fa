//! The main window's life: shown and focused on demand (tray, second launch, global shortcut),
//! hidden rather than closed (Trove goes on indexing in the tray), and the photos dropped on it
//! from the file manager.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{AppHandle, DragDropEvent, Emitter, Manager, Window, WindowEvent};
use tauri_plugin_window_state::AppHandleExt;
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
            // The plugin writes the window's place only at a clean exit; a logout ends the app
            // with a signal, so it is written now too (while the window is still shown: a
            // hidden one has no place to read).
            if let Err(e) = window.app_handle().save_window_state(crate::WINDOW_STATE) {
                tracing::warn!("the window's place was not saved: {e}");
            }
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::testing::{FIXTURES, front};

    #[test]
    fn the_first_photo_dropped_is_kept_to_search_by_and_anything_else_refused_with_why() {
        let (tmp, front) = front();
        let photo = Path::new(FIXTURES).join("synthetic/heldout/0003.png");
        let note = tmp.path().join("files/note.md");
        match dropped(&front, &[note.clone(), photo.clone()]) {
            DesktopEvent::Dropped { upload, name } => {
                assert_eq!(name, "0003.png");
                assert_eq!(upload.format, "png");
                assert!(front.uploads.get(&upload.id).is_some());
            }
            other => panic!("{other:?}"),
        }
        for paths in [vec![note], vec![tmp.path().join("files")], vec![]] {
            let DesktopEvent::DropRefused { message } = dropped(&front, &paths) else {
                panic!("{paths:?} was taken");
            };
            assert!(message.starts_with("Drop a photo"), "{message}");
        }
        // Named a photo but is not one: the decoder's reason, with the name.
        let fake = tmp.path().join("fake.jpg");
        std::fs::write(&fake, "not a photo").unwrap();
        let DesktopEvent::DropRefused { message } = dropped(&front, &[fake]) else {
            panic!("a fake photo was taken");
        };
        assert!(message.starts_with("fake.jpg: "), "{message}");
    }
}
