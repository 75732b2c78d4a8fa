//! The web UI's API types (`ui/src/lib/api/types.ts`) are generated from the Rust types with
//! ts-rs, never written by hand. This test fails when the committed file differs from what the
//! Rust types generate now; `TROVE_UPDATE_TYPES=1 cargo test -p trove-front --test types`
//! writes it anew.

use std::collections::BTreeSet;

use trove_core::api::Changes;
use trove_core::api::DownloadEvent;
use trove_core::api::Kind;
use trove_core::api::Processed;
use trove_core::api::Role;
use trove_core::api::Skipped;
use trove_core::api::registry::Published;
use trove_core::api::*;
use trove_core::api::{Activity, ServiceEvent, ServiceState, WatchedRoot};
use trove_front::types::ModelChoice;
use trove_front::types::*;
use ts_rs::{Config, TS};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/api/types.ts");

/// (name, declaration, names of the types it refers to) of every exported type.
macro_rules! declare {
    ($cfg:expr, $($t:ty),+ $(,)?) => {
        vec![$((
            <$t as TS>::name($cfg),
            <$t as TS>::decl($cfg),
            <$t as TS>::dependencies($cfg).into_iter().map(|d| d.ts_name).collect::<Vec<_>>(),
        )),+]
    };
}

fn generate() -> String {
    // serde_json writes 64-bit integers as JSON numbers (ids and sizes stay far below 2^53).
    let cfg = &Config::new().with_large_int("number");
    let types = declare!(
        cfg,
        // The facade's requests and answers.
        SearchRequest,
        Filters,
        SearchResults,
        Mode,
        Notice,
        Limitation,
        Hidden,
        Why,
        KeywordMatch,
        SemanticMatch,
        PhotoHit,
        NoteHit,
        Status,
        Counts,
        RootInfo,
        ModelStatus,
        FailedFile,
        FileInfo,
        ItemDetails,
        PhotoDetails,
        NoteDetails,
        ChunkInfo,
        RootAdded,
        RemoveReport,
        IndexReport,
        ModelEntry,
        ModelUse,
        Published,
        Role,
        Kind,
        Processed,
        Changes,
        Skipped,
        // The service's events (`/api/events`).
        ServiceEvent,
        ServiceState,
        WatchedRoot,
        Activity,
        DownloadEvent,
        // The UI's own (trove-front).
        Running,
        ServiceView,
        Upload,
        RootRequest,
        RootsChange,
        Paused,
        SettingsView,
        ModelChoice,
        SettingsUpdate,
        ErrorBody,
        ErrorDetail,
        ErrorKind,
    );
    let names: BTreeSet<&str> = types.iter().map(|(n, _, _)| n.as_str()).collect();
    let mut out = String::from(
        "// Generated from the Rust types by ts-rs (crates/trove-front/tests/types.rs): do not edit.\n\
         // Regenerate: TROVE_UPDATE_TYPES=1 cargo test -p trove-front --test types\n",
    );
    for (name, decl, deps) in &types {
        for dep in deps {
            assert!(
                names.contains(dep.as_str()),
                "{name} refers to {dep}, which is not exported: add it to the list"
            );
        }
        out.push_str("\nexport ");
        out.push_str(decl);
        out.push('\n');
    }
    out
}

#[test]
fn the_ui_types_match_the_rust_types() {
    trove_front::check_generated(FILE, &generate(), "cargo test -p trove-front --test types");
}
