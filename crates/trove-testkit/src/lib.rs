//! Test support shared by the engine's tests and benches and the end-to-end tests of the CLI:
//! where the committed fixtures are, their caption files, and files written byte by byte so a
//! test shows exactly what it feeds the indexer. A dev-dependency only: nothing people run
//! links it.

pub mod captions;
pub mod dng;
pub mod heif;
pub mod png;

use std::path::PathBuf;

/// The repository's root (this crate lives in `crates/trove-testkit`).
pub fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The committed test fixtures (`tests/fixtures`): photos, notes, the tiny CLIP and its renders.
pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}
