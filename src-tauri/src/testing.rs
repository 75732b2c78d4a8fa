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
    // An iPhone photo: a format web views do not show, so `view` renders it.
    let (w, h) = (64, 48);
    let rgb: Vec<u8> = (0..w * h).flat_map(|_| [240, 140, 20]).collect();
    let heic = trove_testkit::heif::encode(
        w,
        h,
        &rgb,
        trove_testkit::heif::CompressionFormat::Hevc,
        None,
    );
    std::fs::write(files.join("IMG_0001.heic"), heic).unwrap();
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
