//! Tauri's build step: the config, the icons and the access control list. Declaring the app's
//! commands makes each need a permission (`allow-<command>`), so a window can call only what
//! its capability (`capabilities/main.json`) grants.

include!("src/permitted.rs");

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(PERMITTED_COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("Tauri's build step failed");
}
