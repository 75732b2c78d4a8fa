//! Bad input: one corpus with every kind of broken, mislabelled, unsupported, unreadable and
//! oddly named file next to good ones. Indexing must finish, record each bad file as failed
//! with a reason a person understands, and leave the good files indexed and searchable.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::util::make::{self, word};
use crate::util::{self, Dir, counts, n, note_paths, processed};

/// A failing file of the corpus and a substring its reason must contain.
const FAILURES: &[(&str, &str)] = &[
    ("bad/truncated.jpg", "corrupt JPEG: the file is truncated"),
    ("bad/truncated.png", "corrupt PNG: the file is truncated"),
    ("bad/garbage.jpg", "its bytes are not a known image format"),
    ("bad/letter.jpg", "its bytes look like text"),
    ("bad/empty.jpg", "empty file (0 bytes)"),
    ("bad/empty.md", "empty file (0 bytes)"),
    ("bad/bomb.png", "too large: 50000×50000 pixels"),
    ("bad/phone.heic", "corrupt HEIC: "),
    ("bad/camera.cr2", "camera RAW"),
    ("bad/scanned.pdf", "PDF has no text layer"),
    ("bad/locked.pdf", "encrypted PDF"),
];

/// Files that must index, with their kind.
const GOOD: &[(&str, &str)] = &[
    ("good/tiny.jpg", "photo"),
    ("good/tiny.png", "photo"),
    ("good/tiny.webp", "photo"),
    ("good/tiny.gif", "photo"),
    ("good/tiny.bmp", "photo"),
    ("good/tiny.tiff", "photo"),
    ("good/png-named.jpg", "photo"),
    ("good/note.md", "note"),
    ("good/text-layer.pdf", "note"),
    ("good/creme-brulee.txt", "note"),
    ("loop/inside.md", "note"),
];

/// The non-UTF-8 name: "café.md" in Latin-1.
#[cfg(unix)]
fn latin1_name() -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b"caf\xe9.md"))
}

const RECIPE: &str = "Crème brûlée de grand-mère\n\n\
    Recette notée chez Quiévrechaîne, l’été dernier : faire chauffer la crème avec la vanille, \
    verser sur les jaunes d’œufs battus avec le sucre, cuire au bain-marie à 150 °C pendant \
    quarante minutes. Laisser refroidir, puis caraméliser le sucre au chalumeau juste avant de \
    servir. Coût des ingrédients : environ 6 € pour six ramequins.\n";

/// Builds the corpus; returns whether the unreadable file really is unreadable (it is not when
/// the tests run as root, which reads anything).
fn hostile_corpus(dir: &Dir) -> bool {
    for (name, bytes) in [
        ("tiny.jpg", make::JPEG),
        ("tiny.png", make::PNG),
        ("tiny.webp", make::WEBP),
        ("tiny.gif", make::GIF),
        ("tiny.bmp", make::BMP),
        ("tiny.tiff", make::TIFF),
    ] {
        dir.write(format!("good/{name}"), bytes);
    }
    dir.write("good/png-named.jpg", make::png(20, 10, 1));
    dir.write("good/note.md", make::note("Good note", &word(1)));
    dir.write("good/text-layer.pdf", make::pdf_with_text(&word(2)));
    dir.write("good/creme-brulee.txt", make::windows_1252(RECIPE));

    let jpeg = make::jpeg_with_comment("truncated");
    dir.write("bad/truncated.jpg", &jpeg[..jpeg.len() / 2]);
    let png = make::png(32, 32, 2);
    dir.write("bad/truncated.png", &png[..png.len() / 2]);
    dir.write("bad/garbage.jpg", make::garbage(7, 4096));
    dir.write(
        "bad/letter.jpg",
        "Dear diary,\nToday we went to the beach and it rained.\n",
    );
    dir.write("bad/empty.jpg", b"");
    dir.write("bad/empty.md", b"");
    dir.write("bad/bomb.png", make::png_bomb(50_000, 50_000));
    dir.write("bad/phone.heic", make::heic());
    dir.write("bad/camera.cr2", make::cr2());
    dir.write("bad/scanned.pdf", make::pdf_without_text());
    dir.write("bad/locked.pdf", make::pdf_encrypted());

    // A folder with a link back to itself, and one real note inside.
    dir.write("loop/inside.md", make::note("Inside the loop", &word(3)));
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path("loop"), dir.path("loop/again")).unwrap();

    #[cfg(unix)]
    dir.write(latin1_name(), make::note("Café", &word(4)));

    let locked = dir.write("bad/unreadable.md", make::note("Secret", &word(5)));
    set_mode(&locked, 0o000);
    std::fs::read(&locked).is_err()
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &std::path::Path, _: u32) {}

/// Path → reason of `trove failed --json`.
fn failures(dir: &Dir) -> BTreeMap<String, String> {
    let failed = dir.failed();
    failed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["attempts"], 1, "{f:#}");
            (
                f["path"].as_str().unwrap().to_string(),
                f["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn hostile_files_fail_with_reasons_and_good_files_still_index() {
    let dir = Dir::new();
    let unreadable = hostile_corpus(&dir);
    let run = dir.trove(&["index", "files", "--json"]).ok();
    let report = run.json();

    // The link loop is reported as skipped, on stderr and in the report, not followed forever.
    let skipped = report["changes"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{report:#}");
    assert_eq!(skipped[0]["path"], dir.shown("loop/again"));
    assert!(
        skipped[0]["reason"].as_str().unwrap().contains("loop"),
        "{skipped:?}"
    );
    assert!(
        run.stderr.lines().any(|l| l.contains("skipped")
            && l.contains("loop/again")
            && l.contains("symbolic link loop")),
        "{run}"
    );

    let failed = FAILURES.len() as u64 + u64::from(unreadable);
    let photos = GOOD.iter().filter(|(_, k)| *k == "photo").count() as u64;
    // + the Latin-1 named note, + the unreadable note when it could be read after all.
    let notes = GOOD.len() as u64 - photos + 1 + u64::from(!unreadable);
    let files = failed + photos + notes;
    assert_eq!(util::changes(&report), [files, 0, 0, 0, 0, 0]);
    assert_eq!(processed(&report), [photos + notes, 0, failed, 0]);
    let status = dir.status();
    assert_eq!(
        counts(&status),
        [files, photos + notes, 0, failed, 0, photos, notes]
    );

    let mut expected: BTreeMap<String, &str> = FAILURES
        .iter()
        .map(|(rel, reason)| (dir.shown(rel), *reason))
        .collect();
    if unreadable {
        expected.insert(
            dir.shown("bad/unreadable.md"),
            "cannot read file: permission denied",
        );
    }
    let got = failures(&dir);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{got:#?}"
    );
    for (path, reason) in &got {
        assert!(
            reason.contains(expected[path]),
            "{path}: {reason:?} should say {:?}",
            expected[path]
        );
    }

    // Good photos: decoded, real format and size, thumbnail made.
    for (rel, format) in [
        ("good/tiny.jpg", "jpeg"),
        ("good/tiny.png", "png"),
        ("good/tiny.webp", "webp"),
        ("good/tiny.gif", "gif"),
        ("good/tiny.bmp", "bmp"),
        ("good/tiny.tiff", "tiff"),
        ("good/png-named.jpg", "png"),
    ] {
        let shown = dir.show(dir.path(rel));
        assert_eq!(shown["state"], "indexed", "{shown:#}");
        let photo = &shown["photo"];
        assert_eq!(photo["format"], format, "{rel}: {shown:#}");
        let dims = if rel.ends_with("png-named.jpg") {
            (20, 10)
        } else {
            make::FIXTURE_DIMS
        };
        assert_eq!((n(photo, "width"), n(photo, "height")), dims, "{rel}");
        assert!(
            std::path::Path::new(photo["thumbnail"].as_str().unwrap()).is_file(),
            "{rel}"
        );
    }
    // A failed file shows its reason.
    let bomb = dir.show(dir.path("bad/bomb.png"));
    assert_eq!(bomb["state"], "failed");
    assert!(
        bomb["error"].as_str().unwrap().contains("50000×50000"),
        "{bomb:#}"
    );

    // Good notes are searchable by their words.
    for (n, rel) in [
        (1, "good/note.md"),
        (2, "good/text-layer.pdf"),
        (3, "loop/inside.md"),
    ] {
        assert_eq!(note_paths(&dir.search(&word(n))), [dir.shown(rel)], "{rel}");
    }
    // The Latin-1 file name is displayed lossily, but the file is indexed and found.
    let cafe = dir.search(&word(4));
    assert_eq!(note_paths(&cafe), [dir.shown("caf\u{FFFD}.md")], "{cafe:#}");
    assert_eq!(cafe["notes"][0]["title"], "Café");
    let id = cafe["notes"][0]["id"].as_i64().unwrap();
    assert_eq!(dir.show(id.to_string())["state"], "indexed");
    // The unreadable file is not searchable unless it could be read.
    assert_eq!(
        note_paths(&dir.search(&word(5))).len(),
        usize::from(!unreadable)
    );
    // The Windows-1252 note decodes: its accented words are found and shown correctly.
    let recipe = dir.search("Quiévrechaîne");
    assert_eq!(
        note_paths(&recipe),
        [dir.shown("good/creme-brulee.txt")],
        "{recipe:#}"
    );
    assert!(
        recipe["notes"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("Quiévrechaîne"),
        "{recipe:#}"
    );
    assert_eq!(recipe["notes"][0]["title"], "Crème brûlée de grand-mère");
    assert_eq!(
        note_paths(&dir.search("brûlée ramequins")),
        [dir.shown("good/creme-brulee.txt")]
    );

    // Broken files are not retried while they stay as they are; a file that could not be
    // read at all is (a chmod changes neither its size nor its time).
    let report = dir.index::<&str>(&[]);
    assert_eq!(util::changes(&report), [0; 6], "{report:#}");
    assert_eq!(
        processed(&report),
        [0, 0, u64::from(unreadable), 0],
        "{report:#}"
    );
    assert_eq!(dir.trove(&["check"]).json()["ok"], true);

    // Repaired files are retried and index.
    dir.write("bad/truncated.jpg", make::jpeg_with_comment("repaired"));
    dir.write("bad/empty.md", make::note("No longer empty", &word(6)));
    set_mode(&dir.path("bad/unreadable.md"), 0o644);
    let report = dir.index::<&str>(&[]);
    let retried = 2 + u64::from(unreadable);
    assert_eq!(util::changes(&report), [0, 2, 0, 0, 0, 0], "{report:#}");
    assert_eq!(processed(&report), [retried, 0, 0, 0], "{report:#}");
    assert_eq!(dir.show(dir.path("bad/truncated.jpg"))["state"], "indexed");
    assert_eq!(
        note_paths(&dir.search(&word(6))),
        [dir.shown("bad/empty.md")]
    );
    assert_eq!(
        note_paths(&dir.search(&word(5))),
        [dir.shown("bad/unreadable.md")]
    );
    let status = dir.status();
    assert_eq!(n(&status, "failed"), FAILURES.len() as u64 - 2);
    assert_eq!(n(&status, "indexed"), photos + notes + retried);
    util::assert_idempotent(&dir);
}

/// The decompression-bomb guard follows `--max-image-megapixels`: a 4000×3000 header is refused
/// under a 10-megapixel limit, before any pixel is decoded.
#[test]
fn image_pixel_limit_comes_from_the_flag() {
    let dir = Dir::new();
    dir.write("big.png", make::png_bomb(4000, 3000));
    dir.index(&["files", "--max-image-megapixels", "10"]);
    let failed = dir.failed();
    let reason = failed[0]["reason"].as_str().unwrap();
    assert_eq!(
        reason,
        "too large: 4000×3000 pixels (12 megapixels); the limit is 10 megapixels"
    );
}

#[cfg(unix)]
#[test]

fn show_accepts_a_path_that_is_not_utf8() {
    let dir = Dir::new();
    dir.write(latin1_name(), make::note("Café", &word(4)));
    dir.index(&["files"]);
    let shown = dir.show(dir.path(latin1_name()));
    assert_eq!(shown["state"], "indexed", "{shown:#}");
    assert_eq!(shown["note"]["title"], "Café");
}
