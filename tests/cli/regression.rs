//! One test per bug that was fixed, named after what broke, so that it stays fixed (after
//! ripgrep's `tests/regression.rs`). Each says where the bug was seen.

use trove_core::{Library, Settings};

use crate::util::failpoint::{Held, describe};
use crate::util::{Dir, KEYWORD_ONLY, counts, make};

/// CI failed at random: `trove index` had created the library's database file and not yet
/// committed its schema when a reader opened it, took version 0 for an older Trove's library,
/// tried to upgrade it, met the indexer's writer lock, and failed with "the library … was
/// written by an older Trove and could not be upgraded". A library being created reads as empty.
#[test]
fn a_library_being_created_was_taken_for_an_older_one() {
    let dir = Dir::new();
    dir.write(
        "notes/osaka.md",
        make::note("Ramen in Osaka", "A receipt from the ramen place."),
    );
    let mut index = dir.trove(&[&["index", "files", "--json"][..], &KEYWORD_ONLY].concat());
    let held = Held::at("store::before_schema", &mut index);
    assert!(
        dir.library().join("library.db").exists(),
        "the fail point is after the database file is created"
    );

    // The reader API in this process (what the flaky test polled)…
    let library = Library::open(dir.library(), Settings::default());
    let files = library.files().expect("a library being created reads");
    assert!(files.is_empty(), "{files:?}");
    // …and other processes, as a person would run them.
    let status = dir.status();
    assert_eq!(counts(&status), [0; 7], "{status:#}");
    let found = dir.search("ramen");
    assert_eq!(found["notes"], serde_json::json!([]), "{found:#}");
    assert_eq!(found["photos"], serde_json::json!([]), "{found:#}");

    let output = held.release();
    assert!(output.status.success(), "{}", describe(&output));
    let status = dir.status();
    assert_eq!(counts(&status)[..2], [1, 1], "{status:#}");
    assert_eq!(
        dir.search("ramen")["notes"][0]["path"],
        dir.shown("notes/osaka.md")
    );
}
