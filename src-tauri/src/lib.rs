//! Trove's desktop app: the web UI (`ui/`) in a native window, over the same [`Front`] as
//! `trove serve`, with the engine service indexing in the background.
//!
//! The shell holds no logic of its own: commands are thin adapters over [`Front`]
//! ([`commands`]), files reach the window by id through the `trove:` protocol ([`protocol`]),
//! and what only a desktop has lives in small modules: the app's life — summon, put away, quit
//! — ([`lifecycle`]), the window and native drops ([`window`]), the tray ([`tray`]), the
//! service's start ([`service`]), and the events sent to the window ([`events`]). The window may call only its own commands
//! (`capabilities/main.json`); plugins are used from Rust, never from the page.

pub mod commands;
pub mod events;
mod lifecycle;
mod permitted;
pub mod protocol;
mod service;
#[cfg(test)]
mod testing;
mod tray;
mod window;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{Manager, RunEvent};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};
use trove_core::api::ModelChoice;
use trove_core::{Library, Settings};
use trove_front::{Front, Hub};

pub use permitted::PERMITTED_COMMANDS;

/// How the app was started.
#[derive(Debug, Default, Clone)]
pub struct Launch {
    /// The library to open (else the settings', else the default one).
    pub library: Option<PathBuf>,
    /// Start in the tray without showing the window (at login).
    pub hidden: bool,
}

/// What the app cannot do without.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(transparent)]
    Engine(#[from] trove_core::Error),
    #[error("the window system failed: {0}")]
    Tauri(#[from] tauri::Error),
}

/// The global shortcut that brings Trove up with the search field focused.
const SUMMON: &str = "CommandOrControl+Shift+Space";

/// Opens the library and runs the app until the user quits it.
pub fn run(launch: Launch) -> Result<(), DesktopError> {
    let mut settings = Settings::load()?;
    if let Some(dir) = launch.library {
        settings.library = Some(dir);
    }
    settings
        .models
        .choose(&ModelChoice::default().or_from_env());
    let library = Arc::new(Library::open(settings.library_dir()?, settings));
    let front = Arc::new(Front::new(library, Arc::new(Hub::default())));

    let app = tauri::Builder::default()
        // First: a second launch only brings this one's window up.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            lifecycle::summon(app)
        }))
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(lifecycle::WINDOW_STATE)
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .plugin(
            tauri_plugin_global_shortcut::Builder::new()
                .with_handler(|app, _shortcut, event| {
                    if event.state == ShortcutState::Pressed {
                        lifecycle::summon(app);
                        window::emit(app, events::DesktopEvent::FocusSearch);
                    }
                })
                .build(),
        )
        .manage(front.clone())
        .manage(lifecycle::Running::default())
        .register_asynchronous_uri_scheme_protocol(protocol::SCHEME, protocol::handle)
        .invoke_handler(commands::handler())
        .on_window_event(window::on_event)
        .setup(move |app| {
            let handle = app.handle();
            let tray = match tray::create(handle, front.library.is_paused()) {
                Ok(tray) => {
                    app.manage(tray.clone());
                    Some(tray)
                }
                Err(e) => {
                    tracing::warn!("no tray icon: {e}");
                    None
                }
            };
            if let Err(e) = app.global_shortcut().register(SUMMON) {
                tracing::info!("the shortcut {SUMMON} is not available: {e}");
            }
            window::create(handle)?;
            service::start(handle, &front, tray);
            if !launch.hidden {
                lifecycle::summon(handle);
            }
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|app, event| match event {
        RunEvent::Exit => lifecycle::stop(app),
        // Closing the window hides it; nothing else asks the app to exit but "Quit".
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        _ => {}
    });
    Ok(())
}
