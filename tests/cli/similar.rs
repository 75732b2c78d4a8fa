//! Photo queries on the command line with the tiny CLIP (`shapes`): a photo → similar photos
//! and the notes that describe it, the photo itself and its copies left out, and composite
//! queries (a photo plus words).

use crate::shapes::{captions, names, render, shape_and_colour, shapes_library, synthetic};
use crate::util::{Dir, TINY_CLIP};

#[test]
fn similar_finds_photos_and_the_note_that_describes_the_photo() {
    let dir = shapes_library();
    let unique = format!("{TINY_CLIP}/../../synthetic/unique");
    for (photo, note) in [
        ("red-circle-on-blue.png", "red.txt"),
        ("three-yellow-stars-on-grey.png", "yellow.txt"),
        ("two-black-squares-on-pink.png", "black.txt"),
    ] {
        // A photo from outside the library (as when dragged in).
        let results = dir
            .trove(&["similar", &format!("{unique}/{photo}"), "-n", "3"])
            .json();
        assert_eq!(results["mode"], "similar");
        assert_eq!(
            results["photos"].as_array().unwrap().len(),
            3,
            "{results:#}"
        );
        let first_note = results["notes"][0]["path"].as_str().unwrap();
        assert!(first_note.ends_with(note), "{photo}: {results:#}");
    }
}

#[test]
fn similar_leaves_out_the_photo_itself_and_names_its_copies() {
    let dir = shapes_library();
    dir.write(
        "copies/again.png",
        std::fs::read(dir.path("photos/0001.png")).unwrap(),
    );
    dir.index::<&str>(&[]);
    let results = dir.trove(&["similar", "files/photos/0001.png"]).json();
    let paths: Vec<&str> = results["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths
            .iter()
            .any(|p| p.ends_with("0001.png") || p.ends_with("again.png"))
    );
    let notice = results["notice"].as_str().unwrap();
    assert!(
        notice.starts_with("same photo:") && notice.contains("again.png"),
        "{notice}"
    );

    // Notes are not photos; unknown ids are not found; without a model it says what to do.
    let run = dir.trove(&["similar", "files/notes/red.txt"]).fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("is a note, not a photo"), "{run}");
    assert_eq!(dir.trove(&["similar", "999999"]).fails().code, Some(2));
    dir.write("elsewhere/broken.jpg", "not a jpeg at all");
    let run = dir
        .trove(&["similar", "files/elsewhere/broken.jpg"])
        .fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("broken.jpg"), "{run}");
    let empty = Dir::new();
    empty.write("a.md", "# A\n\ntext\n");
    empty.index(&["files", "--model", "none", "--text-model", "none"]);
    let run = empty.trove(&["similar", "files/a.md"]).fails();
    assert!(run.stderr.contains("needs a model"), "{run}");
}

#[test]
fn similar_photos_share_shape_and_colour() {
    let dir = shapes_library();
    let captions = captions();
    let unique = format!("{}/unique", synthetic());
    let mut aucs = Vec::new();
    for (photo, caption) in [
        (
            "red-circle-on-blue.png",
            "a red circle on a blue background",
        ),
        (
            "three-yellow-stars-on-grey.png",
            "three yellow stars on a grey background",
        ),
        (
            "two-black-squares-on-pink.png",
            "two black squares on a pink background",
        ),
        (
            "a-white-triangle-on-green.png",
            "a white triangle on a green background",
        ),
        (
            "two-orange-circles-on-grey.png",
            "two orange circles on a grey background",
        ),
        (
            "a-purple-star-on-pink.png",
            "a purple star on a pink background",
        ),
    ] {
        let results = dir
            .trove(&["similar", &format!("{unique}/{photo}"), "-n", "400"])
            .json();
        let want = shape_and_colour(caption);
        let same: Vec<bool> = names(&results, "photos")
            .iter()
            .map(|n| shape_and_colour(&captions[n]) == want)
            .collect();
        // The share of (same shape and colour, other) pairs in the right order.
        let (mut right, mut pairs, mut others_above) = (0usize, 0usize, 0usize);
        for s in &same {
            if *s {
                right += others_above;
            } else {
                others_above += 1;
            }
        }
        let positives = same.iter().filter(|s| **s).count();
        pairs += positives * (same.len() - positives);
        let auc = 1.0 - right as f64 / pairs as f64;
        eprintln!(
            "{photo}: same shape and colour ranked above others in {:.0}% of pairs",
            auc * 100.0
        );
        aucs.push(auc);
    }
    let mean = aucs.iter().sum::<f64>() / aucs.len() as f64;
    assert!(
        mean >= 0.97,
        "same shape and colour above others in only {mean:.2} of pairs"
    );
    assert!(aucs.iter().all(|a| *a >= 0.95), "{aucs:?}");
}

#[test]
fn a_photo_plus_words_finds_that_photo_changed_as_the_words_say() {
    let dir = shapes_library();
    let red_on_green = render("a red circle on a green background");
    let red_on_blue = render("a red circle on a blue background");
    let results = dir
        .trove(&[
            "search",
            "on a blue background",
            "--like",
            &format!("files/photos/{red_on_green}"),
        ])
        .json();
    assert_eq!(results["mode"], "composite");
    assert_eq!(
        names(&results, "photos").first(),
        Some(&red_on_blue),
        "{results:#}"
    );
    // The query photo is not a result of its own composite query.
    assert!(!names(&results, "photos").contains(&red_on_green));
    // The words decide more as their weight grows: with none, it is the photo alone.
    let photo_only = dir
        .trove(&[
            "search",
            "on a blue background",
            "--like",
            &format!("files/photos/{red_on_green}"),
            "--text-weight",
            "0",
        ])
        .json();
    let similar = dir
        .trove(&["similar", &format!("files/photos/{red_on_green}")])
        .json();
    assert_eq!(
        names(&photo_only, "photos")[..5],
        names(&similar, "photos")[..5]
    );
    let run = dir
        .trove(&[
            "search",
            "x",
            "--like",
            &format!("files/photos/{red_on_green}"),
            "--text-weight",
            "1.5",
        ])
        .fails();
    assert_eq!(run.code, Some(2), "{run}");
}
