//! The main window: made with its page held to the app's own origin, its close button handed to
//! `lifecycle` (hidden where there is a tray, Trove indexing on), and the photos dropped on it
//! from the file manager.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::webview::NewWindowResponse;
use tauri::{
    AppHandle, DragDropEvent, Emitter, Manager, Url, WebviewWindow, WebviewWindowBuilder, Window,
    WindowEvent,
};
use trove_core::api::Kind;
use trove_front::Front;

use crate::events::{DESKTOP, DesktopEvent};
use crate::lifecycle::{self, MAIN};

/// Makes the main window from its configuration (`tauri.conf.json`, not made at start), hidden.
/// Its page may not navigate away from the app or open other windows: a link or a script that
/// tries is refused, so no other origin ever runs with the window's commands.
pub fn create(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .ok_or(tauri::Error::WindowNotFound)?
        .clone();
    WebviewWindowBuilder::from_config(app, &config)?
        .on_navigation(|url| {
            let allowed = is_the_apps_own(url);
            if !allowed {
                tracing::warn!("the window may not go to {url}");
            }
            allowed
        })
        .on_new_window(|url, _| {
            tracing::warn!("the window may not open another at {url}");
            NewWindowResponse::Deny
        })
        .build()
}

/// The app's own pages: `tauri://localhost` (Linux, macOS) or `http://tauri.localhost` (Windows).
fn is_the_apps_own(url: &Url) -> bool {
    matches!(
        (url.scheme(), url.host_str(), url.port()),
        ("tauri", Some("localhost"), None) | ("http" | "https", Some("tauri.localhost"), None)
    )
}

pub fn on_event(window: &Window, event: &WindowEvent) {
    match event {
        WindowEvent::CloseRequested { api, .. } if window.label() == MAIN => {
            api.prevent_close();
            lifecycle::close(window.app_handle());
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
        .find(|p| trove_core::api::kind_of(p) == Some(Kind::Photo))
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
    fn the_window_stays_on_the_apps_own_pages() {
        for own in [
            "tauri://localhost/",
            "tauri://localhost/index.html?q=red#x",
            "http://tauri.localhost/",
        ] {
            assert!(is_the_apps_own(&own.parse().unwrap()), "{own}");
        }
        for other in [
            "https://example.com/",
            "http://127.0.0.1:4756/",
            "http://localhost/",
            "http://tauri.localhost:8080/",
            "http://tauri.localhost.example.com/",
            "trove://localhost/items/1/original",
            "file:///etc/passwd",
            "tauri://evil/",
            "about:blank",
            "data:text/html,hi",
        ] {
            assert!(!is_the_apps_own(&other.parse().unwrap()), "{other}");
        }
    }

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
