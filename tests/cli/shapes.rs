//! The synthetic shapes and the tiny CLIP the project trained on them
//! (`tests/fixtures/models/tiny-clip`, `tests/fixtures/synthetic`): what the search and
//! similar-photo tests index and query.

use std::collections::HashMap;

use serde_json::Value;

use crate::util::{Dir, TINY_CLIP, TestCommand};

/// The synthetic captioned shapes the tiny CLIP was trained and held out on.
pub fn synthetic() -> String {
    format!("{TINY_CLIP}/../../synthetic")
}

/// Caption of every held-out render, by file name.
pub fn captions() -> HashMap<String, String> {
    trove_testkit::captions::synthetic().into_iter().collect()
}

/// The file of the held-out render with this caption.
pub fn render(caption: &str) -> String {
    captions()
        .into_iter()
        .find(|(_, c)| c == caption)
        .map(|(f, _)| f)
        .unwrap_or_else(|| panic!("no render of {caption:?}"))
}

/// The file names of a result group, in order.
pub fn names(results: &Value, group: &str) -> Vec<String> {
    results[group]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            h["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// (shape, colour) of a caption such as "two red circles on a blue background".
pub fn shape_and_colour(caption: &str) -> (String, String) {
    let words: Vec<&str> = caption.split(' ').collect();
    (
        words[2].trim_end_matches('s').to_string(),
        words[1].to_string(),
    )
}

/// The held-out shapes with the tiny CLIP, plus notes that describe three of them in words.
pub fn shapes_library() -> Dir {
    let dir = Dir::new();
    for entry in std::fs::read_dir(format!("{}/heldout", synthetic())).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        dir.write(format!("photos/{name}"), std::fs::read(&path).unwrap());
    }
    dir.write("notes/red.txt", "a red circle on a blue background");
    dir.write(
        "notes/yellow.txt",
        "three yellow stars on a grey background",
    );
    dir.write("notes/black.txt", "two black squares on a pink background");
    dir.index(&["files", "--model-dir", TINY_CLIP, "--text-model", "none"]);
    dir
}

/// `trove eval` of the test split of `files/captions.json` (over the photos in `files/set`) with
/// the tiny CLIP.
pub fn eval_test_split(dir: &Dir) -> TestCommand {
    dir.trove(&[
        "eval",
        "--captions",
        "files/captions.json",
        "--images",
        "files/set",
        "--split",
        "test",
        "--model-dir",
        TINY_CLIP,
    ])
}
