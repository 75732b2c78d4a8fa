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

/// `trove serve --json` promises the address line first, and the browser tests read it so; the
/// service starts before the server listens, and its first event ("watching") came out ahead
/// of the address now and then (seen in CI, fixed in e15da21: the printer waits for the
/// address). Held just before it prints the address until its service has gone idle (so it has
/// had its say), the server must still print the address first.
#[test]
fn serve_printed_a_service_event_before_its_address() {
    let dir = Dir::new();
    dir.write("notes/a.md", make::note("A", "alpha"));
    dir.index(&[&["files"][..], &KEYWORD_ONLY].concat());
    let mut serve = dir.trove(&["serve", "--port", "0", "--json"]);
    let held = Held::at("serve::before_address", &mut serve);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while dir.status()["service"]["state"] != "idle" {
        assert!(
            std::time::Instant::now() < deadline,
            "the service never went idle: {:#}",
            dir.status()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let first = held.release_then_first_line();
    let first: serde_json::Value = serde_json::from_str(&first).expect("a JSON line");
    assert_eq!(first["event"], "listening", "{first:#}");
}

/// A bad filter was reported only when the query had words: `trove search "" --after 2024-13`
/// answered "type something to search for" and hid the mistake (fixed in d2aeee6: filters and
/// the text weight are checked first).
#[test]
fn a_bad_filter_hid_behind_an_empty_query() {
    let dir = Dir::new();
    dir.write("notes/a.md", make::note("A", "alpha"));
    dir.index(&[&["files"][..], &KEYWORD_ONLY].concat());
    for query in ["", "   "] {
        let run = dir.trove(&["search", query, "--after", "2024-13"]).fails();
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.contains("is not a date"), "{run}");
        let run = dir
            .trove(&["search", query, "--like", "1", "--text-weight", "1.5"])
            .fails();
        assert!(run.stderr.contains("text weight"), "{run}");
    }
}

/// `trove search` on a library that no index has created yet refused its filters, where the
/// same search without them answered with nothing found (fixed in d2aeee6).
#[test]
fn filters_on_a_library_not_created_yet_were_refused() {
    let dir = Dir::new();
    let found = dir
        .trove(&[
            "search",
            "ramen",
            "--after",
            "2020",
            "--kind",
            "photo",
            "--has-gps",
        ])
        .json();
    assert_eq!(found["photos"], serde_json::json!([]), "{found:#}");
    assert_eq!(found["notes"], serde_json::json!([]), "{found:#}");
    assert!(
        !dir.library().join("library.db").exists(),
        "a search creates no library"
    );
}

/// `trove serve DIR` (and the desktop app given folders) on a library a plain `trove index` was
/// writing: the folders were handed to nobody and silently dropped (seen in review). They are
/// still not added (that index takes no requests), but the server says so.
#[test]
fn serve_dropped_its_folders_while_an_index_held_the_library() {
    let dir = Dir::new();
    dir.write("notes/a.md", make::note("A", "alpha"));
    dir.write("later/b.md", make::note("B", "beta"));
    let mut index = dir.trove(&[&["index", "files/notes", "--json"][..], &KEYWORD_ONLY].concat());
    let held = Held::at("pipeline::before_commit", &mut index);
    let server = dir.serve(&["--port", "0", "files/later"]);
    assert_eq!(server.events()[0]["indexing"], false);
    let problem = server.wait_event(0, "problem");
    let message = problem["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("files/later") && message.contains("not added"),
        "{problem:#}"
    );
    assert!(
        message.contains("is indexing"),
        "names the holder: {problem:#}"
    );
    server.interrupt();
    let output = held.release();
    assert!(output.status.success(), "{}", describe(&output));
}
