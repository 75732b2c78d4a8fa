// The commands the UI may be granted (`allow-<command>` in capabilities/main.json): read by
// build.rs, which declares a permission for each, and by a test that holds it equal to the
// handler's commands. A command missing here is refused to every window.
pub const PERMITTED_COMMANDS: &[&str] = &[
    "status",
    "service",
    "search",
    "similar",
    "item",
    "roots",
    "add_root",
    "remove_root",
    "failed",
    "models",
    "settings",
    "save_settings",
    "pause",
    "resume",
    "open",
    "reveal",
    "pick_folder",
    "autostart",
    "set_autostart",
    "quit",
    "upload",
];
