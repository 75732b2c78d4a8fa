//! What the app tells the window: the service's events (as `trove watch --json` prints them) on
//! one channel, and the desktop's own on another.

use serde::Serialize;
use trove_front::types::Upload;

/// The channel of the service's events ([`trove_core::api::ServiceEvent`]).
pub const SERVICE: &str = "service";
/// The channel of [`DesktopEvent`]s.
pub const DESKTOP: &str = "desktop";

/// What happens at the window beyond the service: the native drag and drop, the global
/// shortcut.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DesktopEvent {
    /// Files from the file manager are dragged over the window (`active`), or left it.
    DragHover { active: bool },
    /// A photo dropped from the file manager, kept to search by (`like: "upload:<id>"`).
    Dropped { upload: Upload, name: String },
    /// What was dropped cannot be searched by, and why.
    DropRefused { message: String },
    /// The global shortcut was pressed: the search field takes the focus.
    FocusSearch,
}
