//! Snapshots of what the main commands print: their text for people, their JSON for scripts
//! (a contract: a changed shape shows up in review as a snapshot diff) and their errors. A
//! small library indexed without models, so every figure is exact; what differs from run to run
//! (the temporary folder, timings, sizes, dates of the files) is replaced by a placeholder
//! before the comparison. `cargo insta review` accepts a change.

use regex::Regex;
use serde_json::Value;

use crate::util::{Dir, KEYWORD_ONLY, make};

/// A note, a photo and a file that is not a photo, dated 4 May 2024, indexed by keyword only.
fn library() -> Dir {
    let dir = Dir::new();
    dir.write(
        "notes/ramen.md",
        "# Osaka trip\n\nThe receipt from the ramen place near Dotonbori: two bowls of tonkotsu \
         ramen, gyoza and a beer.\n\n## Next time\n\nTry the miso ramen.\n",
    );
    dir.write("photos/harbour.jpg", make::JPEG);
    dir.write("photos/broken.jpg", make::garbage(7, 300));
    // Noon UTC: the same day in every time zone a test machine may be in.
    let noon = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_714_824_000);
    for file in ["notes/ramen.md", "photos/harbour.jpg", "photos/broken.jpg"] {
        std::fs::File::options()
            .write(true)
            .open(dir.path(file))
            .and_then(|f| f.set_modified(noon))
            .unwrap_or_else(|e| panic!("set the time of {file}: {e}"));
    }
    // Files are listed and committed in an order of their own; one at a time keeps the ids that
    // the output shows the same on every run.
    dir.trove(&[&["index", "files", "--threads", "1"][..], &KEYWORD_ONLY].concat())
        .ok();
    dir
}

/// The output with what varies between runs replaced: the test's folder, timings, sizes.
fn stable(dir: &Dir, text: &str) -> String {
    let text = text.replace(&dir.root().to_string_lossy().into_owned(), "[dir]");
    let rules = [
        (r"\d+\.\d s\b", "[time]"),
        (r"\b\d+(\.\d+)? (B|KB|MB|GB|KiB|MiB|GiB)\b", "[size]"),
        (r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?\S*", "[date]"),
    ];
    rules.iter().fold(text, |text, (pattern, with)| {
        Regex::new(pattern)
            .expect("a valid pattern")
            .replace_all(&text, *with)
            .into_owned()
    })
}

/// JSON with the fields that vary between runs replaced, then as [`stable`] text.
fn stable_json(dir: &Dir, mut value: Value) -> String {
    const VARYING: &[&str] = &[
        "elapsed_ms",
        "library_bytes",
        "mtime_ns",
        "modified",
        "indexed_at",
        "size",
    ];
    fn redact(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if VARYING.contains(&key.as_str()) && !v.is_null() {
                        *v = Value::String("[varies]".into());
                    } else {
                        redact(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(redact),
            _ => {}
        }
    }
    redact(&mut value);
    stable(dir, &serde_json::to_string_pretty(&value).unwrap())
}

fn text(dir: &Dir, args: &[&str]) -> String {
    stable(dir, &dir.trove(args).stdout())
}

fn json(dir: &Dir, args: &[&str]) -> String {
    stable_json(dir, dir.trove(args).json())
}

/// The error a failing command prints, with its exit code.
fn error(dir: &Dir, args: &[&str]) -> String {
    let run = dir.trove(args).fails();
    stable(dir, &format!("exit code {:?}\n{}", run.code, run.stderr))
}

#[test]
fn index_output() {
    let dir = Dir::new();
    dir.write("notes/a.md", "# A note\n\nAbout lunch.\n");
    dir.write("photos/b.jpg", make::JPEG);
    let args = [&["index", "files"][..], &KEYWORD_ONLY].concat();
    insta::assert_snapshot!("index_text", text(&dir, &args));
    dir.write("notes/c.txt", "Another note.\n");
    insta::assert_snapshot!("index_json", json(&dir, &args));
}

#[test]
fn search_output() {
    let dir = library();
    insta::assert_snapshot!("search_text", text(&dir, &["search", "ramen receipt"]));
    insta::assert_snapshot!("search_json", json(&dir, &["search", "ramen receipt"]));
    insta::assert_snapshot!("search_nothing_text", text(&dir, &["search", "volcano"]));
    insta::assert_snapshot!(
        "search_filtered_text",
        text(
            &dir,
            &[
                "search",
                "harbour",
                "--kind",
                "photo",
                "--after",
                "2001-01-01"
            ]
        )
    );
}

#[test]
fn status_and_library_output() {
    let dir = library();
    insta::assert_snapshot!("status_text", text(&dir, &["status"]));
    insta::assert_snapshot!("status_json", json(&dir, &["status"]));
    insta::assert_snapshot!("roots_text", text(&dir, &["roots"]));
    insta::assert_snapshot!("failed_text", text(&dir, &["failed"]));
    insta::assert_snapshot!("failed_json", json(&dir, &["failed"]));
    insta::assert_snapshot!("check_text", text(&dir, &["check"]));
}

#[test]
fn show_output() {
    let dir = library();
    let note = dir.shown("notes/ramen.md");
    let photo = dir.shown("photos/harbour.jpg");
    insta::assert_snapshot!("show_note_text", text(&dir, &["show", &note]));
    insta::assert_snapshot!("show_photo_text", text(&dir, &["show", &photo]));
    insta::assert_snapshot!("show_photo_json", json(&dir, &["show", &photo]));
}

#[test]
fn error_output() {
    let dir = library();
    insta::assert_snapshot!(
        "error_bad_date",
        error(&dir, &["search", "ramen", "--after", "last tuesday"])
    );
    insta::assert_snapshot!("error_no_such_id", error(&dir, &["show", "9999"]));
    let photo = dir.shown("photos/harbour.jpg");
    insta::assert_snapshot!(
        "error_similar_without_model",
        error(&dir, &["similar", &photo])
    );
    insta::assert_snapshot!(
        "error_remove_unknown_folder",
        error(&dir, &["remove", "/nowhere/at/all"])
    );
    insta::assert_snapshot!(
        "error_text_weight",
        error(
            &dir,
            &["search", "ramen", "--like", &photo, "--text-weight", "2"]
        )
    );
}
