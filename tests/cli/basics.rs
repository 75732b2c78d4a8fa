//! The everyday commands on the repository's sample library (`assets/`), and the errors a
//! person meets first.

use std::path::Path;

use serde_json::Value;

use crate::util::{self, ASSETS, Dir, counts, n, note_paths, photo_paths, processed};

/// The sample library's folder, canonical (as the library stores it).
fn assets() -> String {
    Path::new(ASSETS)
        .canonicalize()
        .expect("assets/ exists")
        .to_string_lossy()
        .into_owned()
}

/// A fresh library holding the sample library.
fn sample_library() -> (Dir, Value) {
    let dir = Dir::new();
    let report = dir.index(&[ASSETS]);
    (dir, report)
}

/// `[files, photos, notes]` trackable under `assets/`, counted from the disk.
fn assets_on_disk() -> [u64; 3] {
    let files = util::trackable_files(Path::new(ASSETS));
    let photos = files
        .iter()
        .filter(|f| util::kind(Path::new(f)) == Some("photo"))
        .count() as u64;
    [files.len() as u64, photos, files.len() as u64 - photos]
}

#[test]
fn sample_library_indexes_every_file_and_a_second_run_does_nothing() {
    let [files, photos, notes] = assets_on_disk();
    assert!(photos >= 18 && notes >= 22, "assets/ shrank: {files} files");
    let (dir, report) = sample_library();

    assert_eq!(report["roots_added"], serde_json::json!([assets()]));
    assert_eq!(util::changes(&report), [files, 0, 0, 0, 0, 0]);
    assert_eq!(processed(&report), [files, 0, 0, 0], "{report:#}");
    assert_eq!(
        counts(&report["counts"]),
        [files, files, 0, 0, 0, photos, notes]
    );

    let status = dir.status();
    assert_eq!(counts(&status), [files, files, 0, 0, 0, photos, notes]);
    assert_eq!(
        n(&status, "contents"),
        files,
        "every sample file is distinct"
    );
    assert!(n(&status, "chunks") >= notes, "{status:#}");
    assert_eq!(status["library"], dir.library().to_string_lossy().as_ref());
    assert!(n(&status, "library_bytes") > 0);
    // Every file on disk is in the index, indexed, with a hash.
    let on_disk = util::trackable_files(Path::new(&assets()));
    let indexed = util::files_in_index(&dir);
    assert_eq!(
        indexed.keys().cloned().collect::<Vec<_>>(),
        Vec::from_iter(on_disk)
    );
    for (path, (state, hash)) in &indexed {
        assert_eq!(state, "indexed", "{path}");
        assert_eq!(hash.as_ref().map(String::len), Some(64), "{path}");
    }

    // Second run, as people read it.
    let stdout = dir.trove(&["index"]).stdout();
    assert!(
        stdout.contains("0 new, 0 changed, 0 moved, 0 removed"),
        "{stdout}"
    );
    assert!(stdout.contains("Nothing to index"), "{stdout}");
    // And as scripts read it: no extraction at all.
    let again = dir.index::<&str>(&[]);
    assert_eq!(util::changes(&again), [0; 6]);
    assert_eq!(processed(&again), [0; 4], "{again:#}");
    assert_eq!(again["roots_added"], serde_json::json!([]));
    // Naming the folder again adds nothing either.
    let named = dir.index(&[ASSETS]);
    assert_eq!(named["roots_added"], serde_json::json!([]));
    assert_eq!(processed(&named), [0; 4]);
}

#[test]
fn search_finds_the_trip_note_with_a_highlighted_snippet() {
    let (dir, _) = sample_library();
    let results = dir.search("Kappabashi");
    assert_eq!(results["query"], "Kappabashi");
    assert_eq!(results["mode"], "keyword");
    assert!(results.get("notice").is_none(), "{results:#}");
    let notes = results["notes"].as_array().unwrap();
    assert_eq!(
        note_paths(&results),
        [format!("{}/notes/trip-beijing-tokyo.md", assets())],
        "only the trip note mentions Kappabashi"
    );
    assert_eq!(photo_paths(&results), Vec::<String>::new());
    let hit = &notes[0];
    assert_eq!(hit["title"], "Trip journal — Beijing and Tokyo, October");
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(snippet.contains("Kappabashi"), "{snippet}");
    assert!(hit["heading"].as_str().unwrap().contains("Kappabashi"));
    assert!(hit["matched"].as_array().unwrap().contains(&"text".into()));
    // Highlights are char ranges of the snippet, and each covers the word.
    let highlights = hit["highlights"].as_array().unwrap();
    assert!(!highlights.is_empty(), "{hit:#}");
    let chars: Vec<char> = snippet.chars().collect();
    for range in highlights {
        let (start, end) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
        let marked: String = chars[start as usize..end as usize].iter().collect();
        assert_eq!(
            marked.to_lowercase(),
            "kappabashi",
            "{range} of {snippet:?}"
        );
    }

    // The text rendering marks the word for people.
    let text = dir.trove(&["search", "Kappabashi"]).stdout();
    assert!(text.contains("trip-beijing-tokyo.md"), "{text}");
    assert!(text.contains("**Kappabashi**"), "{text}");
}

#[test]
fn search_results_have_the_documented_shape_and_kind_filters() {
    let (dir, _) = sample_library();
    // "chelsea" is the cat's photo (by name) and the vet-visit note.
    let both = dir.search("chelsea");
    let photos = both["photos"].as_array().unwrap();
    let notes = both["notes"].as_array().unwrap();
    assert!(!photos.is_empty() && !notes.is_empty(), "{both:#}");
    for photo in photos {
        assert!(photo["id"].is_i64(), "{photo:#}");
        assert!(photo["path"].as_str().unwrap().starts_with(&assets()));
        assert!(photo["score"].is_f64(), "{photo:#}");
        for key in ["name", "width", "height", "matched", "copies"] {
            assert!(photo.get(key).is_some(), "no {key} in {photo:#}");
        }
    }
    assert!(photo_paths(&both).contains(&format!("{}/photos/chelsea-the-cat.jpg", assets())));
    for note in notes {
        assert!(note["id"].is_i64(), "{note:#}");
        assert!(note["path"].as_str().unwrap().starts_with(&assets()));
        assert!(note["title"].is_string(), "{note:#}");
        assert!(note["snippet"].is_string(), "{note:#}");
        assert!(note["score"].is_f64(), "{note:#}");
        for key in ["highlights", "heading", "matched", "copies"] {
            assert!(note.get(key).is_some(), "no {key} in {note:#}");
        }
    }
    assert!(note_paths(&both).contains(&format!("{}/notes/chelsea-vet-visit.md", assets())));

    let only_photos = dir.search_kind("chelsea", "photo");
    assert_eq!(note_paths(&only_photos), Vec::<String>::new());
    assert_eq!(photo_paths(&only_photos), photo_paths(&both));
    let only_notes = dir.search_kind("chelsea", "note");
    assert_eq!(photo_paths(&only_notes), Vec::<String>::new());
    assert_eq!(note_paths(&only_notes), note_paths(&both));
}

#[test]
fn words_inside_html_scripts_and_styles_are_not_note_text() {
    let (dir, _) = sample_library();
    for word in ["xylofrobnik", "plumbatastic", "zorbloquent"] {
        let results = dir.search(word);
        assert_eq!(note_paths(&results), Vec::<String>::new(), "{word}");
        assert_eq!(photo_paths(&results), Vec::<String>::new(), "{word}");
    }
    // The control: the same HTML notes are indexed and found by their visible text.
    let results = dir.search_kind("household budget april", "note");
    assert_eq!(
        note_paths(&results).first(),
        Some(&format!("{}/notes/household-budget-april.html", assets())),
        "{results:#}"
    );
}

#[test]
fn status_roots_show_and_remove() {
    let (dir, report) = sample_library();
    let files = n(&report["counts"], "files");
    let photos = n(&report["counts"], "photos");
    let notes = n(&report["counts"], "notes");

    let roots = dir.trove(&["roots"]).json();
    let roots = roots.as_array().unwrap();
    assert_eq!(roots.len(), 1, "{roots:#?}");
    assert_eq!(roots[0]["path"], assets());
    assert_eq!(roots[0]["available"], true);
    assert_eq!(
        counts(&roots[0]["counts"]),
        [files, files, 0, 0, 0, photos, notes]
    );

    // show by id (taken from a search) and by path agree.
    let hit = &dir.search("Kappabashi")["notes"][0];
    let id = hit["id"].as_i64().unwrap();
    let by_id = dir.show(id.to_string());
    let trip = format!("{}/notes/trip-beijing-tokyo.md", assets());
    assert_eq!(by_id["id"], id);
    assert_eq!(by_id["path"], trip);
    assert_eq!(by_id["name"], "trip-beijing-tokyo.md");
    assert_eq!(by_id["kind"], "note");
    assert_eq!(by_id["state"], "indexed");
    assert_eq!(by_id["error"], Value::Null);
    assert_eq!(by_id["copies"], serde_json::json!([]));
    assert_eq!(by_id["note"]["format"], "markdown");
    assert_eq!(by_id["note"]["title"], hit["title"]);
    assert!(by_id.get("photo").is_none(), "{by_id:#}");
    let chunks = by_id["note"]["chunks"].as_array().unwrap();
    assert!(chunks.len() > 1, "a long note has several passages");
    assert!(
        chunks
            .iter()
            .any(|c| c["text"].as_str().unwrap().contains("Kappabashi"))
    );
    assert_eq!(
        by_id["size"].as_u64().unwrap(),
        std::fs::metadata(&trip).unwrap().len()
    );
    assert_eq!(dir.show(&trip), by_id);

    let text = dir.trove(&["show", &trip]).stdout();
    assert!(text.starts_with(&format!("{trip}  [id {id}]")), "{text}");
    assert!(text.contains("state:    indexed"), "{text}");

    let photo = dir.show(format!("{}/photos/chelsea-the-cat.jpg", assets()));
    assert_eq!(photo["kind"], "photo");
    assert_eq!(photo["photo"]["format"], "jpeg");
    assert!(photo["photo"]["width"].as_u64().unwrap() > 0);
    let thumbnail = photo["photo"]["thumbnail"].as_str().expect("a thumbnail");
    assert!(
        Path::new(thumbnail).starts_with(dir.library()),
        "{thumbnail}"
    );
    assert!(Path::new(thumbnail).is_file(), "{thumbnail}");

    let removed = dir.trove(&["remove", ASSETS]).json();
    assert_eq!(removed["root"], assets());
    assert_eq!(removed["files_removed"], files);
    let status = dir.status();
    assert_eq!(counts(&status), [0; 7]);
    assert_eq!(n(&status, "contents"), 0);
    assert_eq!(n(&status, "chunks"), 0);
    assert_eq!(status["roots"], serde_json::json!([]));
    assert_eq!(dir.trove(&["roots"]).json(), serde_json::json!([]));
    assert_eq!(note_paths(&dir.search("Kappabashi")), Vec::<String>::new());
    assert_eq!(dir.trove(&["show", &id.to_string()]).code(), 2);
    assert!(
        !Path::new(thumbnail).exists(),
        "the removed photo's thumbnail is still cached: {thumbnail}"
    );
    // The sample files themselves are untouched.
    assert!(Path::new(&trip).is_file());
    assert_eq!(util::files_in_index(&dir).len(), 0);
    let check = dir.trove(&["check"]).json();
    assert_eq!(check["ok"], true, "{check:#}");
}

/// Asserts a failed command printed exactly one line, `error: …`, containing `needle`.
fn assert_one_line_error(run: &util::Run, needle: &str) {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run}");
    assert!(lines[0].starts_with("error: "), "{run}");
    assert!(lines[0].contains(needle), "{run}");
    assert_eq!(run.stdout, "", "{run}");
}

#[test]
fn indexing_a_folder_that_does_not_exist_is_a_one_line_user_error() {
    let dir = Dir::new();
    let run = dir.trove(&["index", "/nonexistent/trove-folder"]).fails();
    assert_eq!(run.code, Some(2), "a user error exits with 2:\n{run}");
    assert_one_line_error(&run, "/nonexistent/trove-folder");
    assert!(run.stderr.contains("no such folder"), "{run}");
    assert_eq!(dir.trove(&["roots"]).json(), serde_json::json!([]));

    // A file is not a folder either.
    let file = dir.write("a.md", "# A\n\ntext\n");
    let run = dir.trove(&["index"]).arg(&file).fails();
    assert_eq!(run.code, Some(2), "{run}");
}

#[test]
fn show_of_an_unknown_id_or_path_is_a_user_error() {
    let dir = Dir::new();
    // Before anything is indexed, and after.
    let run = dir.trove(&["show", "999999"]).fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert_one_line_error(&run, "no file with id 999999");
    dir.write("a.md", util::make::note("A", "alpha"));
    dir.index(&["files"]);
    let run = dir.trove(&["show", "999999"]).fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert_one_line_error(&run, "no file with id 999999");
    let run = dir.trove(&["show", "files/nope.md"]).fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert_one_line_error(&run, "nope.md is not in this library");
    // A relative path to an indexed file works.
    assert_eq!(dir.show("files/a.md")["path"], dir.shown("a.md"));
}

#[test]
fn queries_without_words_get_a_notice_not_an_error() {
    let dir = Dir::new();
    dir.write("a.md", util::make::note("A", "alpha"));
    dir.index(&["files"]);
    for (query, notice) in [
        ("", "type something to search for"),
        ("   ", "type something to search for"),
        (
            "🎉🔥",
            "the query has no words to search for (letters or digits)",
        ),
        (
            "!!! ???",
            "the query has no words to search for (letters or digits)",
        ),
    ] {
        let results = dir.search(query);
        assert_eq!(results["notice"], notice, "{query:?}");
        assert_eq!(results["notes"], serde_json::json!([]));
        assert_eq!(results["photos"], serde_json::json!([]));
        let text = dir.trove(&["search", query]).stdout();
        assert_eq!(text.trim(), notice, "{query:?}");
    }
}

#[test]
fn a_second_writer_is_told_the_library_is_busy_and_readers_go_on() {
    use std::io::Write;

    let dir = Dir::new();
    dir.write("a.md", util::make::note("A", "alpha"));
    dir.index(&["files"]);
    // Hold the writer lock the way a running `trove index` does, note included.
    let mut lock = std::fs::File::options()
        .read(true)
        .write(true)
        .open(dir.library().join("writer.lock"))
        .expect("the library has a writer lock file");
    lock.try_lock().expect("nobody else holds the lock");
    lock.set_len(0).unwrap();
    write!(lock, "the test harness").unwrap();

    for args in [
        &["index"][..],
        &["index", "files"],
        &["remove", "files"],
        &["check"],
    ] {
        let run = dir.trove(args).fails();
        assert_eq!(
            run.code,
            Some(1),
            "busy is the machine's state, not a user error:\n{run}"
        );
        assert_one_line_error(&run, "is busy: the test harness");
    }
    // Readers never wait for the writer.
    assert_eq!(n(&dir.status(), "indexed"), 1);
    assert_eq!(note_paths(&dir.search("alpha")), [dir.shown("a.md")]);
    assert_eq!(dir.show("files/a.md")["state"], "indexed");
    assert_eq!(dir.trove(&["roots"]).json().as_array().unwrap().len(), 1);
    assert_eq!(dir.failed(), serde_json::json!([]));

    drop(lock);
    assert_eq!(n(&dir.status(), "files"), 1, "nothing was removed");
    util::assert_idempotent(&dir);
}

#[test]
fn check_reports_what_is_wrong_and_exits_1() {
    let dir = Dir::new();
    dir.write("a.jpg", util::make::JPEG);
    dir.index(&["files"]);
    assert_eq!(
        dir.trove(&["check"]).json(),
        serde_json::json!({"ok": true, "problems": []})
    );
    let shown = dir.show("files/a.jpg");
    let thumbnail = shown["photo"]["thumbnail"].as_str().expect("a thumbnail");
    std::fs::remove_file(thumbnail).unwrap();

    let run = dir.trove(&["check", "--json"]).run();
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(
        run.json(),
        serde_json::json!({"ok": false, "problems": ["1 thumbnails missing from the cache"]})
    );
    let run = dir.trove(&["check"]).run();
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(run.stdout, "problem: 1 thumbnails missing from the cache\n");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `trove … | head -1`: the reader goes away; trove must not panic about it.
    let (dir, _) = sample_library();
    let mut child = dir
        .trove(&["models"])
        .cmd_mut()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
