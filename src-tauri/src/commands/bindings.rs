//! The UI's typed bindings of the commands (`ui/src/lib/transport/commands.ts`), generated from
//! [`commands!`](super) with the same ts-rs types as the HTTP API's, never written by hand.
//! The test fails when the committed file differs from what the commands generate now;
//! `TROVE_UPDATE_TYPES=1 cargo test -p trove-desktop bindings` writes it anew.

use std::collections::BTreeSet;

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ui/src/lib/transport/commands.ts"
);
const TYPES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/lib/api/types.ts");

pub struct Signature {
    pub name: &'static str,
    pub doc: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub answer: String,
}

fn generate() -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let signatures = super::signatures(&cfg);
    let exported: BTreeSet<String> = std::fs::read_to_string(TYPES)
        .expect("ui/src/lib/api/types.ts")
        .lines()
        .filter_map(|l| l.strip_prefix("export type "))
        .filter_map(|l| l.split([' ', '<', '=']).next())
        .map(str::to_string)
        .collect();
    let mut used = BTreeSet::new();
    let mut body = String::new();
    for s in &signatures {
        for line in s.doc.lines() {
            body.push_str(&format!("  //{line}\n"));
        }
        let params: Vec<String> = s.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let args: Vec<&str> = s.args.iter().map(|(n, _)| *n).collect();
        let invoke_args = if args.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", args.join(", "))
        };
        body.push_str(&format!(
            "  {}: ({}) => invoke<{}>('{}'{}),\n",
            camel(s.name),
            params.join(", "),
            s.answer,
            s.name,
            invoke_args
        ));
        for t in s.args.iter().map(|(_, t)| t).chain([&s.answer]) {
            for word in t.split(|c: char| !c.is_alphanumeric() && c != '_') {
                if exported.contains(word) {
                    used.insert(word.to_string());
                } else {
                    assert!(
                        word.is_empty()
                            || ["number", "string", "boolean", "null", "Array"].contains(&word),
                        "{} uses {word}, which ui/src/lib/api/types.ts does not export",
                        s.name
                    );
                }
            }
        }
    }
    let event = <crate::events::DesktopEvent as ts_rs::TS>::decl(&cfg);
    for word in event.split(|c: char| !c.is_alphanumeric() && c != '_') {
        if exported.contains(word) {
            used.insert(word.to_string());
        }
    }
    let imports: Vec<String> = used.into_iter().collect();
    format!(
        "// Generated from src-tauri/src/commands.rs (the bindings test): do not edit.\n\
         // Regenerate: TROVE_UPDATE_TYPES=1 cargo test -p trove-desktop bindings\n\
         \n\
         import {{ invoke }} from '@tauri-apps/api/core';\n\
         import type {{ {} }} from '../api/types';\n\
         \n\
         /** The desktop app's commands; `upload` takes the photo's bytes raw (see tauri.ts). */\n\
         export const commands = {{\n{body}}};\n\
         \n\
         /** The channels the app's events arrive on: the service's (`ServiceEvent`) and its own. */\n\
         export const channels = {{ service: '{}', desktop: '{}' }} as const;\n\
         \n\
         export {event}\n",
        imports.join(", "),
        crate::events::SERVICE,
        crate::events::DESKTOP,
    )
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn bindings_match_the_commands() {
    trove_front::check_generated(FILE, &generate(), "cargo test -p trove-desktop bindings");
}

#[test]
fn every_command_has_a_permission_and_the_ui_is_granted_exactly_the_commands() {
    // build.rs declares the permissions (allow-<command>) from its own list: it must be the
    // handler's.
    let declared: BTreeSet<&str> = crate::PERMITTED_COMMANDS.iter().copied().collect();
    let handled: BTreeSet<&str> = super::NAMES.iter().copied().collect();
    assert_eq!(declared, handled, "src/permitted.rs and commands! differ");

    let capability: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/capabilities/main.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(str::to_string))
        .collect();
    let wanted: BTreeSet<String> = handled.iter().map(|n| n.replace('_', "-")).collect();
    assert_eq!(
        granted, wanted,
        "the main window is granted exactly the UI's commands"
    );
    let others: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.starts_with("allow-"))
        .collect();
    assert_eq!(
        others,
        ["core:event:allow-listen", "core:event:allow-unlisten"],
        "no plugin's commands are the page's: the app calls them from Rust, with paths it resolved"
    );
}
