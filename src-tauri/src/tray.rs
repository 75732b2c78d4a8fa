//! The tray icon: what indexing is doing (x of y, up to date, paused), pause/resume, open the
//! window, quit. It follows the same service events as the window.

use std::sync::Arc;

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};
use trove_core::api::ServiceEvent;
use trove_front::Front;

/// The menu items whose text follows the service.
#[derive(Clone)]
pub struct Tray {
    status: MenuItem<tauri::Wry>,
    toggle: MenuItem<tauri::Wry>,
    icon: tauri::tray::TrayIcon,
}

pub fn create(app: &AppHandle, paused: bool) -> tauri::Result<Tray> {
    let status = MenuItem::with_id(app, "status", "Starting…", false, None::<&str>)?;
    let toggle = MenuItem::with_id(app, "toggle", toggle_text(paused), true, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Trove", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Trove", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&status, &separator, &toggle, &open, &quit])?;
    let mut builder = TrayIconBuilder::with_id(crate::lifecycle::TRAY)
        .tooltip("Trove")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "toggle" => toggle_pause(app),
            "open" => crate::lifecycle::summon(app),
            "quit" => crate::lifecycle::quit(app),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            // Where the tray reports clicks (not Linux's app indicators), a click opens Trove.
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::lifecycle::summon(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    Ok(Tray {
        status,
        toggle,
        icon,
    })
}

fn toggle_text(paused: bool) -> &'static str {
    if paused {
        "Resume indexing"
    } else {
        "Pause indexing"
    }
}

fn toggle_pause(app: &AppHandle) {
    let front = app.state::<Arc<Front>>().inner().clone();
    let done = if front.library.is_paused() {
        front.resume().map(|_| ())
    } else {
        front.pause().map(|_| ())
    };
    if let Err(e) = done {
        tracing::warn!("cannot pause or resume indexing: {e}");
    }
}

impl Tray {
    /// Follows one service event. Called on the service's thread: the menu is changed on the
    /// main thread, later, so this never waits for it (the main thread may be waiting for the
    /// service to stop).
    pub fn follow(&self, event: &ServiceEvent) {
        let (status, paused) = said(event);
        if status.is_none() && paused.is_none() {
            return;
        }
        let tray = self.clone();
        let posted = self.icon.app_handle().run_on_main_thread(move || {
            if let Some(paused) = paused {
                let _ = tray.toggle.set_text(toggle_text(paused));
            }
            if let Some(status) = status {
                tray.set_status(&status);
            }
        });
        if let Err(e) = posted {
            tracing::debug!("the tray was not updated: {e}");
        }
    }

    /// Sets the status line now; on the main thread (else it waits for it).
    pub fn set_status(&self, text: &str) {
        let _ = self.status.set_text(text);
        let _ = self.icon.set_tooltip(Some(format!("Trove: {text}")));
    }
}

/// What the tray says of an event: its status line, and whether indexing is paused now.
fn said(event: &ServiceEvent) -> (Option<String>, Option<bool>) {
    match event {
        ServiceEvent::Progress(activity) => (
            Some(format!(
                "{} {} of {}",
                if activity.phase == "embedding" {
                    "Embedding"
                } else {
                    "Indexing"
                },
                activity.done,
                activity.total
            )),
            None,
        ),
        ServiceEvent::Idle { counts, .. } => (
            Some(format!(
                "Up to date: {} photos, {} notes",
                counts.photos, counts.notes
            )),
            None,
        ),
        ServiceEvent::Paused => (Some("Indexing paused".into()), Some(true)),
        ServiceEvent::Resumed => (Some("Indexing resumed".into()), Some(false)),
        ServiceEvent::Problem { message } => (Some(format!("Problem: {message}")), None),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use trove_core::api::Activity;
    use trove_core::api::Counts;
    use trove_core::api::Processed;

    use super::*;

    #[test]
    fn the_tray_says_what_indexing_does() {
        let progress = ServiceEvent::Progress(Activity {
            phase: "indexing",
            done: 120,
            total: 400,
            rate: 9.5,
            eta_secs: Some(29),
            current: None,
            failed: 0,
        });
        assert_eq!(said(&progress).0.as_deref(), Some("Indexing 120 of 400"));
        let idle = ServiceEvent::Idle {
            totals: Processed::default(),
            counts: Counts {
                photos: 3,
                notes: 2,
                ..Counts::default()
            },
        };
        assert_eq!(
            said(&idle).0.as_deref(),
            Some("Up to date: 3 photos, 2 notes")
        );
        assert_eq!(said(&ServiceEvent::Paused).1, Some(true));
        assert_eq!(said(&ServiceEvent::Resumed).1, Some(false));
        assert_eq!(toggle_text(true), "Resume indexing");
        let models = ServiceEvent::Models { models: vec![] };
        assert_eq!(said(&models), (None, None));
    }
}
