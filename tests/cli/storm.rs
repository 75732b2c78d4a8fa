//! A storm of file operations while `trove watch` indexes: thousands of creates, renames,
//! moves and deletes in bursts, over files and whole folders, without waiting for the service
//! between bursts. Afterwards the index must equal the disk — every file once, each found by
//! its own word — with no panic and no duplicate, and the library must pass `trove check`.
//!
//! The operations come from a seeded RNG; the seed is printed (rerun with
//! `TROVE_TEST_SEED=<seed>`).

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use crate::util::make::{self, word};
use crate::util::{self, Dir, TINY_CLIP, Written};

const BURSTS: usize = 6;
const CREATES_PER_BURST: usize = 400;
const RENAMES_PER_BURST: usize = 80;
const DELETES_PER_BURST: usize = 80;

fn create(dir: &Dir, model: &mut Written, rel: String, next: &mut usize) {
    if (*next).is_multiple_of(10) {
        let rel = rel.replace(".md", ".png");
        dir.write(&rel, make::png(8 + (*next % 17) as u32, 8, *next as u64));
        model.insert(rel, None);
    } else {
        dir.write(&rel, make::note(&format!("Note {next}"), &word(*next)));
        model.insert(rel, Some(*next));
    }
    *next += 1;
}

fn burst(dir: &Dir, model: &mut Written, rng: &mut StdRng, round: usize, next: &mut usize) {
    for i in 0..CREATES_PER_BURST {
        let rel = format!("b{round}/f{:02}/n{i}.md", i % 13);
        create(dir, model, rel, next);
    }
    let paths: Vec<String> = model.keys().cloned().collect();
    let picked: Vec<String> = paths
        .choose_multiple(rng, RENAMES_PER_BURST + DELETES_PER_BURST)
        .cloned()
        .collect();
    let (renames, deletes) = picked.split_at(RENAMES_PER_BURST);
    for (i, rel) in renames.iter().enumerate() {
        let name = rel.rsplit('/').next().unwrap();
        let to = format!("renamed/r{round}-{i}-{name}");
        dir.rename(rel, &to);
        let value = model.remove(rel).unwrap();
        model.insert(to, value);
    }
    for rel in deletes {
        dir.remove(rel);
        model.remove(rel);
    }
    // A whole folder moves, another is deleted, and a deleted name comes back with new bytes.
    let folder = format!("b{round}/f03");
    let to = format!("moved/b{round}-f03");
    dir.rename(&folder, &to);
    let moved: Vec<String> = model
        .keys()
        .filter(|k| k.starts_with(&format!("{folder}/")))
        .cloned()
        .collect();
    for rel in moved {
        let value = model.remove(&rel).unwrap();
        model.insert(rel.replacen(&folder, &to, 1), value);
    }
    let gone = format!("b{round}/f07");
    dir.remove(&gone);
    model.retain(|k, _| !k.starts_with(&format!("{gone}/")));
    if let Some(rel) = deletes.iter().find(|r| r.ends_with(".md")) {
        create(dir, model, rel.clone(), next);
    }
}

#[test]
fn a_storm_of_changes_while_indexing_leaves_the_index_equal_to_the_disk() {
    let mut rng = util::seeded_rng("storm");
    let dir = Dir::new();
    let mut model = Written::new();
    let mut next = 0;
    for i in 0..300 {
        create(
            &dir,
            &mut model,
            format!("start/{:02}/n{i}.md", i % 7),
            &mut next,
        );
    }
    let w = dir.watch(&["files", "--model-dir", TINY_CLIP, "--text-model", "none"]);
    for round in 0..BURSTS {
        burst(&dir, &mut model, &mut rng, round, &mut next);
        std::thread::sleep(Duration::from_millis(rng.random_range(0..300)));
    }
    let expected: std::collections::BTreeSet<String> =
        model.keys().map(|rel| dir.shown(rel)).collect();
    assert_eq!(
        expected,
        util::trackable_files(&dir.files()),
        "the model drifted"
    );
    w.settle_explained("the index to equal the disk after the storm", || {
        let indexed = util::files_in_index(&dir); // panics on a file listed twice
        let wrong: Vec<String> = indexed
            .iter()
            .filter(|(path, (state, _))| state != "indexed" || !expected.contains(*path))
            .map(|(path, (state, _))| format!("{path} ({state})"))
            .chain(
                expected
                    .iter()
                    .filter(|p| !indexed.contains_key(*p))
                    .map(|p| format!("{p} (not in the index)")),
            )
            .collect();
        match wrong.len() {
            0 => Ok(()),
            n => Err(format!(
                "{n} differ, e.g.\n{}",
                wrong[..n.min(20)].join("\n")
            )),
        }
    });
    let events = w.events();
    assert!(
        events.iter().all(|e| e["event"] != "problem"),
        "the service reported a problem: {:?}",
        events.iter().find(|e| e["event"] == "problem")
    );
    let notes: Vec<(&String, usize)> = model
        .iter()
        .filter_map(|(rel, w)| w.map(|w| (rel, w)))
        .collect();
    for (rel, w) in notes.choose_multiple(&mut rng, 25) {
        // The tiny CLIP adds weak matches by meaning; the word itself is in one note only.
        let by_word = util::keyword_note_paths(&dir.search(&word(*w)));
        assert_eq!(by_word, [dir.shown(rel)], "{}", word(*w));
    }
    assert_eq!(w.interrupt(), Some(0));
    let check = dir.trove(&["check"]).json();
    assert_eq!(check, serde_json::json!({"ok": true, "problems": []}));
    let status = dir.status();
    let photos = model.values().filter(|w| w.is_none()).count() as u64;
    assert_eq!(
        util::counts(&status),
        [
            model.len() as u64,
            model.len() as u64,
            0,
            0,
            0,
            photos,
            model.len() as u64 - photos
        ]
    );
}
