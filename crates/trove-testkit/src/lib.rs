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

/// Packed 8-bit RGB of a `w`×`h` picture, orange on the left half and blue on the right: which
/// side is which shows a mirrored decode, and both survive lossy codecs.
pub fn orange_and_blue_halves(w: u32, h: u32) -> Vec<u8> {
    (0..w * h)
        .flat_map(|i| {
            if i % w < w / 2 {
                [240, 140, 20]
            } else {
                [20, 60, 220]
            }
        })
        .collect()
}
