//! Keeping the library in step with the disk: each file operation a person does between two
//! `trove index` runs, checked in the index report, `status`, `show` and search, followed by an
//! idempotent second run.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::util::make::{self, word};
use crate::util::{
    self, Dir, assert_idempotent, changes, counts, index_rows, n, note_paths, processed,
};

/// The id `show PATH` reports for `files/rel`.
fn id_of(dir: &Dir, rel: &str) -> i64 {
    dir.show(dir.path(rel))["id"].as_i64().unwrap()
}

/// A library over `files/` holding two notes and a photo.
fn small_library() -> Dir {
    let dir = Dir::new();
    dir.write("a.md", make::note("A", &word(1)));
    dir.write("sub/b.md", make::note("B", &word(2)));
    dir.write("photo.jpg", make::jpeg_with_comment("photo"));
    let report = dir.index(&["files"]);
    assert_eq!(processed(&report), [3, 0, 0, 0]);
    dir
}

#[test]
fn new_files_are_indexed_on_the_next_run() {
    let dir = small_library();
    dir.write("sub/deeper/c.md", make::note("C", &word(3)));
    dir.write("d.png", make::png(8, 8, 4));
    // Not indexed: unknown types, hidden files and folders, what `.troveignore` names.
    dir.write("ignored.docx", "not a format Trove tracks");
    dir.write(".hidden.md", make::note("Hidden", &word(4)));
    dir.write(".private/e.md", make::note("Private", &word(5)));
    dir.write("drafts/f.md", make::note("Draft", &word(6)));
    dir.write(".troveignore", "drafts/\n");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [2, 0, 0, 0, 0, 0]);
    assert_eq!(processed(&report), [2, 0, 0, 0]);
    assert_eq!(counts(&dir.status()), [5, 5, 0, 0, 0, 2, 3]);
    assert_eq!(
        note_paths(&dir.search(&word(3))),
        [dir.shown("sub/deeper/c.md")]
    );
    assert_eq!(dir.show(dir.path("d.png"))["photo"]["format"], "png");
    for w in 4..=6 {
        assert_eq!(note_paths(&dir.search(&word(w))), Vec::<String>::new());
    }
    assert_idempotent(&dir);
}

#[test]
fn a_modified_note_is_found_by_its_new_words_only() {
    let dir = small_library();
    let id = id_of(&dir, "a.md");
    let before = dir.show(dir.path("a.md"))["hash"].clone();
    // Different length, so the change shows even within one mtime tick.
    dir.write(
        "a.md",
        make::note("A, revised", &format!("{} {}", word(10), word(11))),
    );
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0, 1, 0, 0, 0, 0]);
    assert_eq!(processed(&report), [1, 0, 0, 0]);
    assert_eq!(note_paths(&dir.search(&word(1))), Vec::<String>::new());
    assert_eq!(note_paths(&dir.search(&word(10))), [dir.shown("a.md")]);
    let shown = dir.show(dir.path("a.md"));
    assert_eq!(shown["id"], id, "a changed file keeps its id");
    assert_ne!(shown["hash"], before);
    assert_eq!(shown["note"]["title"], "A, revised");
    let status = dir.status();
    assert_eq!(counts(&status), [3, 3, 0, 0, 0, 1, 2]);
    assert_eq!(n(&status, "contents"), 3, "the old content is gone");
    assert_idempotent(&dir);
}

#[test]
fn a_renamed_file_keeps_its_id_and_is_not_extracted_again() {
    let dir = small_library();
    let note = id_of(&dir, "a.md");
    let photo = id_of(&dir, "photo.jpg");
    dir.rename("a.md", "renamed/a-new-name.md");
    dir.rename("photo.jpg", "holiday.jpg");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0, 0, 2, 0, 0, 0]);
    assert_eq!(processed(&report), [0, 0, 0, 0]);
    assert_eq!(id_of(&dir, "renamed/a-new-name.md"), note);
    assert_eq!(id_of(&dir, "holiday.jpg"), photo);
    assert_eq!(dir.trove(&["show"]).arg(dir.path("a.md")).code(), 2);
    assert_eq!(
        note_paths(&dir.search(&word(1))),
        [dir.shown("renamed/a-new-name.md")]
    );
    // The new name is searchable, the old one is not.
    assert_eq!(
        util::photo_paths(&dir.search_kind("holiday", "photo")),
        [dir.shown("holiday.jpg")]
    );
    assert_eq!(
        util::photo_paths(&dir.search_kind("photo", "photo")),
        Vec::<String>::new()
    );
    assert_eq!(counts(&dir.status()), [3, 3, 0, 0, 0, 1, 2]);
    assert_idempotent(&dir);
}

#[test]
fn a_file_moved_to_another_root_keeps_its_id() {
    let dir = Dir::new();
    dir.write("one/a.md", make::note("A", &word(1)));
    dir.write("one/keep.md", make::note("Keep", &word(2)));
    dir.write("two/b.md", make::note("B", &word(3)));
    let report = dir.index(&["files/one", "files/two"]);
    assert_eq!(
        report["roots_added"],
        json!([dir.shown("one"), dir.shown("two")])
    );
    let id = id_of(&dir, "one/a.md");

    dir.rename("one/a.md", "two/a.md");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0, 0, 1, 0, 0, 0]);
    assert_eq!(processed(&report), [0, 0, 0, 0]);
    assert_eq!(id_of(&dir, "two/a.md"), id);
    assert_eq!(note_paths(&dir.search(&word(1))), [dir.shown("two/a.md")]);
    let roots = dir.trove(&["roots"]).json();
    let per_root: Vec<(String, u64)> = roots
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                n(&r["counts"], "indexed"),
            )
        })
        .collect();
    assert_eq!(per_root, [(dir.shown("one"), 1), (dir.shown("two"), 2)]);
    assert_idempotent(&dir);
}

#[test]
fn a_deleted_file_leaves_search_and_status() {
    let dir = small_library();
    dir.remove("sub/b.md");
    dir.remove("photo.jpg");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0, 0, 0, 2, 0, 0]);
    assert_eq!(processed(&report), [0, 0, 0, 0]);
    assert_eq!(note_paths(&dir.search(&word(2))), Vec::<String>::new());
    let status = dir.status();
    assert_eq!(counts(&status), [1, 1, 0, 0, 0, 0, 1]);
    assert_eq!(n(&status, "contents"), 1);
    assert_eq!(
        util::files_in_index(&dir).keys().collect::<Vec<_>>(),
        [&dir.shown("a.md")]
    );
    assert_eq!(dir.trove(&["check"]).json()["ok"], true);
    assert_idempotent(&dir);
}

#[test]
fn identical_copies_share_one_content_and_are_shown_once() {
    let dir = small_library();
    dir.copy("a.md", "sub/copy-of-a.md");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [1, 0, 0, 0, 0, 0]);
    assert_eq!(
        processed(&report),
        [1, 1, 0, 0],
        "indexed by its hash alone"
    );

    let rows = index_rows(&dir);
    let content = |rel: &str| {
        let path = dir.shown(rel);
        rows.iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("{path} not indexed"))
            .content_id
    };
    assert!(content("a.md").is_some());
    assert_eq!(content("a.md"), content("sub/copy-of-a.md"));
    let status = dir.status();
    assert_eq!(counts(&status), [4, 4, 0, 0, 0, 1, 3]);
    assert_eq!(n(&status, "contents"), 3);

    let results = dir.search(&word(1));
    let notes = results["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "one hit per content: {results:#}");
    assert_eq!(notes[0]["path"], dir.shown("a.md"));
    assert_eq!(notes[0]["copies"], json!([dir.shown("sub/copy-of-a.md")]));
    assert_eq!(
        dir.show(dir.path("sub/copy-of-a.md"))["copies"],
        json!([dir.shown("a.md")])
    );
    assert_idempotent(&dir);

    // Deleting the original leaves the copy, still indexed, now the one shown.
    dir.remove("a.md");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0, 0, 0, 1, 0, 0]);
    let results = dir.search(&word(1));
    assert_eq!(note_paths(&results), [dir.shown("sub/copy-of-a.md")]);
    assert_eq!(results["notes"][0]["copies"], json!([]));
    assert_eq!(n(&dir.status(), "contents"), 3);
    assert_idempotent(&dir);
}

#[test]
fn touching_a_file_without_changing_it_extracts_nothing() {
    let dir = small_library();
    let before = dir.show(dir.path("a.md"));
    let later = SystemTime::now() + Duration::from_secs(3600);
    for rel in ["a.md", "photo.jpg"] {
        std::fs::File::options()
            .write(true)
            .open(dir.path(rel))
            .unwrap()
            .set_modified(later)
            .unwrap();
    }
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0; 6], "{report:#}");
    assert_eq!(processed(&report), [0; 4], "{report:#}");
    let after = dir.show(dir.path("a.md"));
    assert_eq!(after["hash"], before["hash"]);
    assert_ne!(
        after["modified"], before["modified"],
        "the new time is recorded, so the next run need not hash the file again"
    );
    assert_idempotent(&dir);
}

#[test]
fn an_unavailable_root_keeps_its_files_as_missing_until_it_returns() {
    let dir = Dir::new();
    dir.write("drive/a.md", make::note("A", &word(1)));
    dir.write("drive/b/c.md", make::note("C", &word(2)));
    dir.write("drive/photo.png", make::png(6, 6, 1));
    dir.write("home/d.md", make::note("D", &word(3)));
    dir.index(&["files/drive", "files/home"]);
    let ids: Vec<i64> = ["drive/a.md", "drive/b/c.md", "drive/photo.png"]
        .iter()
        .map(|rel| id_of(&dir, rel))
        .collect();

    // The drive is unplugged.
    dir.rename("drive", "elsewhere");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0, 0, 0, 0, 3, 0], "{report:#}");
    assert_eq!(processed(&report), [0; 4]);
    let status = dir.status();
    assert_eq!(counts(&status), [4, 1, 0, 0, 3, 0, 1]);
    let roots = status["roots"].as_array().unwrap();
    assert_eq!(roots[0]["path"], dir.shown("drive"));
    assert_eq!(roots[0]["available"], false);
    assert_eq!(n(&roots[0]["counts"], "missing"), 3);
    assert_eq!(note_paths(&dir.search(&word(1))), Vec::<String>::new());
    assert_eq!(note_paths(&dir.search(&word(3))), [dir.shown("home/d.md")]);
    for (path, (state, _)) in util::files_in_index(&dir) {
        let expected = if path.contains("/drive/") {
            "missing"
        } else {
            "indexed"
        };
        assert_eq!(state, expected, "{path}");
    }
    // Still unplugged: nothing changes (the files stay missing; none newly so).
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0; 6], "{report:#}");
    assert_eq!(processed(&report), [0; 4]);
    assert_eq!(counts(&dir.status()), [4, 1, 0, 0, 3, 0, 1]);

    // Plugged back in: everything returns as it was, without extraction.
    dir.rename("elsewhere", "drive");
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0, 0, 0, 0, 0, 3], "{report:#}");
    assert_eq!(processed(&report), [0; 4], "{report:#}");
    assert_eq!(counts(&dir.status()), [4, 4, 0, 0, 0, 1, 3]);
    assert_eq!(note_paths(&dir.search(&word(1))), [dir.shown("drive/a.md")]);
    let back: Vec<i64> = ["drive/a.md", "drive/b/c.md", "drive/photo.png"]
        .iter()
        .map(|rel| id_of(&dir, rel))
        .collect();
    assert_eq!(back, ids);
    assert_idempotent(&dir);
    assert_eq!(dir.trove(&["check"]).json()["ok"], true);
}

#[test]
fn a_parent_folder_takes_over_its_child_roots_and_skips_the_library_inside_it() {
    let dir = Dir::new();
    dir.write("one/a.md", make::note("A", &word(1)));
    dir.write("two/photo.jpg", make::JPEG);
    dir.index(&["files/one", "files/two"]);
    let ids = [id_of(&dir, "one/a.md"), id_of(&dir, "two/photo.jpg")];

    // The temporary directory holds `files/` and the library itself, whose thumbnails are
    // JPEG files: adding it merges the two roots and must not index the library.
    let root = dir.root().to_string_lossy().into_owned();
    let report = dir.trove(&["index"]).arg(dir.root()).json();
    assert_eq!(report["roots_added"], json!([root]));
    assert_eq!(changes(&report), [0; 6], "{report:#}");
    assert_eq!(processed(&report), [0; 4], "{report:#}");
    let roots = dir.trove(&["roots"]).json();
    assert_eq!(roots.as_array().unwrap().len(), 1, "{roots:#}");
    assert_eq!(roots[0]["path"], root);
    assert_eq!(n(&roots[0]["counts"], "indexed"), 2);
    assert_eq!([id_of(&dir, "one/a.md"), id_of(&dir, "two/photo.jpg")], ids);
    assert_eq!(
        util::files_in_index(&dir)
            .into_keys()
            .collect::<BTreeSet<_>>(),
        util::trackable_files(&dir.files())
    );

    // A folder inside a root is already covered.
    let report = dir.index(&["files/one"]);
    assert_eq!(report["roots_added"], json!([]));
    assert_eq!(processed(&report), [0; 4]);
    assert_idempotent(&dir);
}

/// Note formats are chosen by extension, so the same bytes named `.txt` and `.html` are two
/// different notes: as text, the markup is the note; as HTML, only the visible text is.
const PAGE: &str = "<html><head><title>Recipes</title>\
    <script>var zqscriptxk = 1;</script></head>\
    <body><p>Visible text about zqvisiblxk.</p></body></html>\n";

#[test]

fn a_note_renamed_to_another_format_is_extracted_in_the_new_format() {
    let dir = Dir::new();
    dir.write("page.txt", PAGE);
    dir.index(&["files"]);
    // The control: as plain text, everything in the file is text.
    assert_eq!(
        note_paths(&dir.search("zqscriptxk")),
        [dir.shown("page.txt")]
    );

    dir.rename("page.txt", "page.html");
    let report = dir.index::<&str>(&[]);
    assert_eq!(
        processed(&report)[0],
        1,
        "extracted again, as HTML: {report:#}"
    );
    let shown = dir.show(dir.path("page.html"));
    assert_eq!(shown["note"]["format"], "html", "{shown:#}");
    assert_eq!(shown["note"]["title"], "Recipes");
    assert_eq!(note_paths(&dir.search("zqscriptxk")), Vec::<String>::new());
    assert_eq!(
        note_paths(&dir.search("zqvisiblxk")),
        [dir.shown("page.html")]
    );
}

#[test]

fn an_identical_copy_under_another_note_format_is_extracted_in_its_own_format() {
    let dir = Dir::new();
    dir.write("page.txt", PAGE);
    dir.write("page.html", PAGE);
    dir.index(&["files"]);
    let html = dir.show(dir.path("page.html"));
    let text = dir.show(dir.path("page.txt"));
    assert_eq!(text["note"]["format"], "text", "{text:#}");
    assert_eq!(html["note"]["format"], "html", "{html:#}");
    assert_eq!(html["note"]["title"], "Recipes");
    // The script's word is in the text note only.
    assert_eq!(
        note_paths(&dir.search("zqscriptxk")),
        [dir.shown("page.txt")]
    );
    assert_eq!(
        dir.search("zqscriptxk")["notes"][0]["copies"],
        json!([]),
        "different notes are not copies of each other"
    );
}
