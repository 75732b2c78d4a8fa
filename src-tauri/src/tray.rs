//! The tray icon: what indexing is doing (x of y, up to date, paused), pause/resume, open the
//! window, quit. It follows the same service events as the window.

use std::sync::Arc;

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};
use trove_core::service::ServiceEvent;
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
    let mut builder = TrayIconBuilder::with_id("trove")
        .tooltip("Trove")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "toggle" => toggle_pause(app),
            "open" => crate::window::summon(app),
            "quit" => app.exit(0),
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
                crate::window::summon(tray.app_handle());
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
    /// Follows one service event.
    pub fn follow(&self, event: &ServiceEvent) {
        let status = match event {
            ServiceEvent::Progress(activity) => {
                Some(format!("Indexing {} of {}", activity.done, activity.total))
            }
            ServiceEvent::Idle { counts, .. } => Some(format!(
                "Up to date: {} photos, {} notes",
                counts.photos, counts.notes
            )),
            ServiceEvent::Paused => {
                self.set_toggle(true);
                Some("Indexing paused".to_string())
            }
            ServiceEvent::Resumed => {
                self.set_toggle(false);
                Some("Indexing resumed".to_string())
            }
            ServiceEvent::Problem { message } => Some(format!("Problem: {message}")),
            _ => None,
        };
        if let Some(status) = status {
            self.set_status(&status);
        }
    }

    pub fn set_status(&self, text: &str) {
        let _ = self.status.set_text(text);
        let _ = self.icon.set_tooltip(Some(format!("Trove — {text}")));
    }

    fn set_toggle(&self, paused: bool) {
        let _ = self.toggle.set_text(toggle_text(paused));
    }
}
