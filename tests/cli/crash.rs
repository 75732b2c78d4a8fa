//! Crash safety, two ways. Sharp: `trove index` ended (as by `kill -9`) at each named commit
//! point of the store and the pipeline (fail points, see `tests/util/failpoint.rs`); blunt:
//! `trove index` and `trove watch` killed with SIGKILL at random moments, over and over, while
//! the corpus changes between runs. Either way, the next run to completion must leave a library
//! that is consistent and equal to the disk.
//!
//! The kill delays come from a seeded RNG. The seed is printed; rerun a failure with
//! `TROVE_TEST_SEED=<seed>`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use crate::util::make::{self, word};
use crate::util::{self, Dir, Written, counts, n};

const ROUNDS: usize = 6;
const NOTES: usize = 250;
const PHOTOS: usize = 40;
const DUPLICATES: usize = 10;

/// Ordinary words for the body of the notes (none of them looks like a [`word`]).
const FILLER: &[&str] = &[
    "the", "garden", "kitchen", "budget", "weather", "lunch", "train", "station", "morning",
    "evening", "letter", "window", "coffee", "market", "bread", "river", "bridge", "museum",
    "ticket", "walk", "rain", "sun", "friend", "family", "recipe", "paint", "wall", "door",
    "table", "chair", "book", "page", "list", "plan", "week", "month", "call", "meeting",
];

/// Note `n`: a title, its unique word, and about 20 KB of sections of ordinary words, so that
/// extraction and chunking take long enough for the kills to land mid-run. Deterministic:
/// copies of note `n` are byte-identical.
fn note_bytes(n: usize) -> String {
    let mut rng = StdRng::seed_from_u64(n as u64);
    let mut text = format!("# Note {n}\n\nThis note is about {}.\n", word(n));
    for section in 0..24 {
        text.push_str(&format!("\n## Part {section}\n\n"));
        for _ in 0..130 {
            text.push_str(FILLER.choose(&mut rng).unwrap());
            text.push(' ');
        }
        text.push_str("end.\n");
    }
    text
}

/// ~300 files: notes with one unique word each, small photos (PNG, JPEG and HEIC, all distinct), and
/// a few exact copies of notes in another folder.
fn corpus(dir: &Dir) -> Written {
    let mut model = Written::new();
    for i in 0..NOTES {
        let rel = format!("notes/{:02}/note-{i:04}.md", i % 17);
        dir.write(&rel, note_bytes(i));
        model.insert(rel, Some(i));
    }
    for i in 0..PHOTOS {
        let rel = if i % 6 == 5 {
            // Every sixth an iPhone's HEIC, decoded by libheif in the same workers.
            let rel = format!("photos/img-{i:03}.heic");
            let rgb: Vec<u8> = (0..16 * 12)
                .flat_map(|_| [(i * 5) as u8, 80, 200])
                .collect();
            let heic = trove_testkit::heif::encode(
                16,
                12,
                &rgb,
                trove_testkit::heif::CompressionFormat::Hevc,
                None,
            );
            dir.write(&rel, heic);
            rel
        } else if i % 2 == 0 {
            let rel = format!("photos/img-{i:03}.png");
            dir.write(&rel, make::png(16 + i as u32, 12, i as u64));
            rel
        } else {
            let rel = format!("photos/img-{i:03}.jpg");
            dir.write(&rel, make::jpeg_with_comment(&format!("photo {i}")));
            rel
        };
        model.insert(rel, None);
    }
    for i in 0..DUPLICATES {
        let n = i * 7;
        let rel = format!("copies/copy-of-{n:04}.md");
        dir.write(&rel, note_bytes(n));
        model.insert(rel, Some(n));
    }
    model
}

/// A few deletions, renames (across folders), rewrites and new notes.
fn mutate(dir: &Dir, model: &mut Written, rng: &mut StdRng, next_word: &mut usize) {
    let paths: Vec<String> = model.keys().cloned().collect();
    let mut picked: Vec<&String> = paths.choose_multiple(rng, 5).collect();
    picked.shuffle(rng);
    for rel in &picked[..2] {
        dir.remove(rel.as_str());
        model.remove(rel.as_str());
    }
    for rel in &picked[2..] {
        let name = rel.rsplit('/').next().unwrap();
        let to = format!("moved/{next_word}-{name}");
        *next_word += 1;
        dir.rename(rel.as_str(), &to);
        let words = model.remove(rel.as_str()).unwrap();
        model.insert(to, words);
    }
    // Rewrites: new words, new length (so the change shows whatever the mtime granularity).
    let notes: Vec<String> = model
        .iter()
        .filter(|(rel, w)| w.is_some() && !rel.starts_with("copies/"))
        .map(|(rel, _)| rel.clone())
        .collect();
    for rel in notes.choose_multiple(rng, 40) {
        dir.write(rel, note_bytes(*next_word) + "Revised.\n");
        model.insert(rel.clone(), Some(*next_word));
        *next_word += 1;
    }
    for _ in 0..3 {
        let rel = format!("added/note-{next_word:04}.md");
        dir.write(&rel, note_bytes(*next_word));
        model.insert(rel, Some(*next_word));
        *next_word += 1;
    }
}

/// Where a writer commits, in the order a first `trove index` passes them.
const COMMIT_POINTS: &[&str] = &[
    "store::before_schema",
    "reconcile::before_commit",
    "pipeline::before_commit",
    "pipeline::after_commit",
];

#[test]
fn a_crash_at_each_commit_point_resumes_to_a_library_equal_to_the_disk() {
    for point in COMMIT_POINTS {
        let dir = Dir::new();
        let mut model = Written::new();
        for i in 0..6 {
            let rel = format!("notes/note-{i}.md");
            dir.write(&rel, make::note(&format!("Note {i}"), &word(i)));
            model.insert(rel, Some(i));
        }
        dir.copy("notes/note-0.md", "note-0-copy.md");
        model.insert("note-0-copy.md".into(), Some(0));
        for i in 0..4 {
            let rel = format!("photos/img-{i}.png");
            dir.write(&rel, make::png(16 + i, 12, u64::from(i)));
            model.insert(rel, None);
        }
        let index = [
            "index",
            "files",
            "--model-dir",
            util::TINY_CLIP,
            "--text-model",
            "none",
            "--batch-size",
            "3",
        ];
        let crashed = dir
            .trove(&index)
            .env("FAILPOINTS", format!("{point}=return(abort)"))
            .run();
        assert_eq!(
            crashed.code, None,
            "{point}: trove index did not crash:\n{crashed}"
        );

        // Readers meet what the crash left; the next run resumes from it.
        let status = dir.status();
        assert_eq!(n(&status, "failed"), 0, "{point}: {status:#}");
        let report = dir.trove(&index).json();
        assert_eq!(n(&report["processed"], "failed"), 0, "{point}: {report:#}");
        let check = dir.trove(&["check"]).json();
        assert_eq!(
            check,
            serde_json::json!({"ok": true, "problems": []}),
            "{point}"
        );
        let on_disk: BTreeSet<String> = model.keys().map(|rel| dir.shown(rel)).collect();
        let indexed = util::files_in_index(&dir);
        assert_eq!(
            indexed.keys().cloned().collect::<BTreeSet<_>>(),
            on_disk,
            "{point}: index and disk differ"
        );
        assert!(
            indexed.values().all(|(state, _)| state == "indexed"),
            "{point}: {indexed:?}"
        );
        let status = dir.status();
        assert_eq!(
            counts(&status),
            [11, 11, 0, 0, 0, 4, 7],
            "{point}: {status:#}"
        );
        assert_eq!(
            n(&status, "contents"),
            10,
            "{point}: the copy shares its content"
        );
        assert_found_once(&dir, &model, 0);
        assert_found_once(&dir, &model, 5);
    }
}

#[test]
fn killing_index_at_random_moments_never_corrupts_the_library() {
    let mut rng = util::seeded_rng("crash");
    let dir = Dir::new();
    let mut model = corpus(&dir);
    let mut next_word = 1000;

    let mut killed_while_running = 0;
    for round in 0..ROUNDS {
        let mut child = dir
            .trove(&["index", "files", "--batch-size", "8", "--quiet"])
            .spawn();
        let delay = rng.random_range(20..=400);
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        println!("round {round}: killed after {delay} ms ({status})");
        // Every commit point must leave a consistent library.
        let check = dir.trove(&["check"]).json();
        assert_eq!(check["ok"], true, "after round {round}: {check:#}");
        mutate(&dir, &mut model, &mut rng, &mut next_word);
    }
    println!("{killed_while_running} of {ROUNDS} runs were killed mid-work");
    assert!(
        killed_while_running > 0,
        "no kill landed while indexing ran"
    );

    let report = dir.index(&["files"]);
    assert_eq!(n(&report["processed"], "failed"), 0, "{report:#}");
    let check = dir.trove(&["check"]).json();
    assert_eq!(check, serde_json::json!({"ok": true, "problems": []}));

    // The index equals the disk: every file once, indexed, nothing else.
    let on_disk: BTreeSet<String> = model.keys().map(|rel| dir.shown(rel)).collect();
    assert_eq!(
        on_disk,
        util::trackable_files(&dir.files()),
        "the model drifted"
    );
    let rows = util::index_rows(&dir);
    let indexed = util::files_in_index(&dir); // panics on a path listed twice
    assert_eq!(rows.len(), indexed.len());
    assert_eq!(
        indexed.keys().cloned().collect::<BTreeSet<_>>(),
        on_disk,
        "index and disk differ"
    );
    for (path, (state, hash)) in &indexed {
        assert_eq!(state, "indexed", "{path}");
        assert!(hash.is_some(), "{path}");
    }
    let photos = model.values().filter(|w| w.is_none()).count() as u64;
    let files = model.len() as u64;
    let status = dir.status();
    assert_eq!(
        counts(&status),
        [files, files, 0, 0, 0, photos, files - photos]
    );
    // One content per note word (copies share theirs), and every photo is distinct.
    let note_words: BTreeSet<usize> = model.values().flatten().copied().collect();
    let distinct = note_words.len() as u64 + photos;
    assert_eq!(n(&status, "contents"), distinct);

    // Words are found exactly once, with their copies listed; deleted words are gone.
    let mut words: Vec<usize> = model.values().flatten().copied().collect();
    words.sort_unstable();
    words.dedup();
    let mut sample: Vec<usize> = words.choose_multiple(&mut rng, 8).copied().collect();
    sample.extend([0, 7, 14]); // duplicated at the start, unless deleted since
    sample.extend(
        (0..NOTES)
            .filter(|w| !words.contains(w))
            .take(3)
            .collect::<Vec<_>>(),
    );
    for w in sample {
        assert_found_once(&dir, &model, w);
    }
    util::assert_idempotent(&dir);
}

/// Note word `w` is found as one result listing exactly the files that hold it (the others as
/// copies), or not at all when none does.
fn assert_found_once(dir: &Dir, model: &Written, w: usize) {
    let holders: BTreeSet<String> = model
        .iter()
        .filter(|(_, v)| **v == Some(w))
        .map(|(rel, _)| dir.shown(rel))
        .collect();
    let results = dir.search(&word(w));
    let notes = results["notes"].as_array().unwrap();
    if holders.is_empty() {
        assert_eq!(notes.len(), 0, "{} was deleted: {results:#}", word(w));
        return;
    }
    assert_eq!(notes.len(), 1, "{}: {results:#}", word(w));
    let mut shown: BTreeSet<String> = notes[0]["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    shown.insert(notes[0]["path"].as_str().unwrap().to_string());
    assert_eq!(shown, holders, "{}", word(w));
}

/// The same, for the service: `trove watch` killed with SIGKILL at random moments while files
/// change under it — during its start-up reconcile, mid-batch, while it reconciles live
/// changes. A last start must bring the index equal to the disk, with nothing lost, nothing
/// doubled, and the broken files still failed with their reasons.
#[test]
fn killing_watch_at_random_moments_never_corrupts_the_library() {
    let mut rng = util::seeded_rng("watch crash");
    let dir = Dir::new();
    let mut model = corpus(&dir);
    dir.write("broken/truncated.png", &make::png(40, 30, 1)[..60]);
    dir.write(
        "broken/not-a-photo.jpg",
        "plain text pretending to be a photo",
    );
    let mut next_word = 1000;
    let mut reasons: Option<BTreeMap<String, String>> = None;

    const WATCH_ROUNDS: usize = 10;
    let mut killed_mid_work = 0;
    for round in 0..WATCH_ROUNDS {
        let mut child = dir
            .trove(&["watch", "files", "--batch-size", "8", "--quiet"])
            .spawn();
        let before = rng.random_range(20..=600);
        std::thread::sleep(Duration::from_millis(before));
        // Half the rounds change files under the running service before the kill.
        if round % 2 == 0 {
            mutate(&dir, &mut model, &mut rng, &mut next_word);
            std::thread::sleep(Duration::from_millis(rng.random_range(0..=500)));
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "trove watch ended by itself in round {round}"
        );
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        println!("round {round}: killed after {before} ms");
        if dir.status()["pending"].as_u64().unwrap() > 0 {
            killed_mid_work += 1;
        }
        let check = dir.trove(&["check"]).json();
        assert_eq!(check["ok"], true, "after round {round}: {check:#}");
        // Failed files keep their reasons from one run to the next.
        let now: BTreeMap<String, String> = dir
            .failed()
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap().to_string();
                (path, f["reason"].as_str().unwrap().to_string())
            })
            .collect();
        if now.len() == 2 {
            if let Some(first) = &reasons {
                assert_eq!(&now, first, "round {round}");
            }
            reasons = Some(now);
        }
        if round % 2 == 1 {
            mutate(&dir, &mut model, &mut rng, &mut next_word);
        }
    }

    println!("{killed_mid_work} of {WATCH_ROUNDS} kills left files waiting");
    assert!(
        killed_mid_work > 0,
        "no kill landed while the service indexed"
    );

    let w = dir.watch(&["files"]);
    let on_disk: BTreeSet<String> = model.keys().map(|rel| dir.shown(rel)).collect();
    let broken: BTreeSet<String> = ["broken/truncated.png", "broken/not-a-photo.jpg"]
        .iter()
        .map(|rel| dir.shown(rel))
        .collect();
    w.settle("the index to equal the disk", || {
        let indexed = util::files_in_index(&dir); // panics on a path listed twice
        indexed.len() == on_disk.len() + broken.len()
            && indexed.iter().all(|(path, (state, _))| {
                (on_disk.contains(path) && state == "indexed")
                    || (broken.contains(path) && state == "failed")
            })
    });
    let failed = dir.failed();
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
    for f in failed {
        assert!(!f["reason"].as_str().unwrap().is_empty(), "{f}");
        if let Some(first) = &reasons {
            assert_eq!(f["reason"], first[f["path"].as_str().unwrap()].as_str());
        }
    }
    let mut words: Vec<usize> = model.values().flatten().copied().collect();
    words.sort_unstable();
    words.dedup();
    // Every sampled word is held by some file, so each must be found.
    for &w in words.choose_multiple(&mut rng, 10) {
        assert_found_once(&dir, &model, w);
    }
    assert_eq!(w.interrupt(), Some(0));
    let check = dir.trove(&["check"]).json();
    assert_eq!(check, serde_json::json!({"ok": true, "problems": []}));
}
