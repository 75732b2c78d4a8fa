//! What the app's unit tests share: a small library indexed without models.

use std::path::Path;
use std::sync::Arc;

use trove_core::{Library, Settings};
use trove_front::{Front, Hub};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

/// Two photos and a note, indexed without models (thumbnails and text only).
pub fn front() -> (tempfile::TempDir, Front) {
    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let heldout = Path::new(FIXTURES).join("synthetic/heldout");
    for name in ["0001.png", "0002.png"] {
        std::fs::copy(heldout.join(name), files.join(name)).unwrap();
    }
    std::fs::write(
        files.join("note.md"),
        "# A note\n\n<script>alert(1)</script>",
    )
    .unwrap();
    let mut settings = Settings::default();
    settings.models.model = Some("none".into());
    settings.models.text_model = Some("none".into());
    settings.models.offline = true;
    let library = Arc::new(Library::open(tmp.path().join("library"), settings));
    library.index(&[files], &mut |_| {}).unwrap();
    (tmp, Front::new(library, Arc::new(Hub::default())))
}

pub fn id_of(front: &Front, name: &str) -> i64 {
    front
        .library
        .files()
        .unwrap()
        .into_iter()
        .find(|f| f.path.ends_with(name))
        .unwrap_or_else(|| panic!("{name} is not indexed"))
        .id
}
