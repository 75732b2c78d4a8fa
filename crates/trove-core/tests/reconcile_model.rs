//! Model-based test of reconcile (tantivy-style): random sequences of file operations, an index
//! run after each step, and after every run the index must equal the disk — same paths, each
//! indexed exactly once with the hash of its current bytes — and a pure rename must keep the
//! file's id (its content, items and vectors).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use trove_core::api::FileInfo;
use trove_core::{Library, Settings};

/// Contents drawn from a small pool, so copies (shared contents) happen often.
const TEXTS: &[&str] = &[
    "# Ramen\nThe ramen place near Namba station.",
    "Kitchen budget: cabinets 4,000; tiles 1,200.",
    "Notes from the sync protocol meeting: vector clocks.",
    "Chelsea's vaccination is due in March.",
    "Packing list: boots, gloves, thermos.",
    "",
];

const NAMES: &[&str] = &[
    "a.md",
    "b.md",
    "c.txt",
    "sub/d.md",
    "sub/e.txt",
    "other/f.md",
];

#[derive(Debug, Clone)]
enum Op {
    Write { name: usize, text: usize },
    Delete { name: usize },
    Rename { from: usize, to: usize },
    Copy { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let name = 0..NAMES.len();
    prop_oneof![
        (name.clone(), 0..TEXTS.len()).prop_map(|(name, text)| Op::Write { name, text }),
        name.clone().prop_map(|name| Op::Delete { name }),
        (name.clone(), name.clone()).prop_map(|(from, to)| Op::Rename { from, to }),
        (name.clone(), name).prop_map(|(from, to)| Op::Copy { from, to }),
    ]
}

fn apply(root: &Path, op: &Op) {
    let path = |i: usize| root.join(NAMES[i]);
    match *op {
        Op::Write { name, text } => {
            std::fs::create_dir_all(path(name).parent().unwrap()).unwrap();
            std::fs::write(path(name), TEXTS[text]).unwrap();
        }
        Op::Delete { name } => {
            let _ = std::fs::remove_file(path(name));
        }
        Op::Rename { from, to } | Op::Copy { from, to } => {
            if from == to || !path(from).exists() {
                return;
            }
            std::fs::create_dir_all(path(to).parent().unwrap()).unwrap();
            if matches!(op, Op::Rename { .. }) {
                std::fs::rename(path(from), path(to)).unwrap();
            } else {
                std::fs::copy(path(from), path(to)).unwrap();
            }
        }
    }
}

fn disk(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    for name in NAMES {
        let path = root.join(name);
        if let Ok(bytes) = std::fs::read(&path) {
            files.insert(path, blake3::hash(&bytes).to_hex().to_string());
        }
    }
    files
}

fn index_of(library: &Library) -> BTreeMap<PathBuf, FileInfo> {
    library
        .files()
        .unwrap()
        .into_iter()
        .map(|f| (PathBuf::from(&f.path), f))
        .collect()
}

fn assert_index_equals_disk(library: &Library, root: &Path) -> Result<(), TestCaseError> {
    let disk = disk(root);
    let index = index_of(library);
    prop_assert_eq!(
        disk.keys().collect::<Vec<_>>(),
        index.keys().collect::<Vec<_>>(),
        "paths differ"
    );
    for (path, hash) in &disk {
        let file = &index[path];
        if hash == blake3::hash(b"").to_hex().as_str() {
            // Empty notes are recorded as failed, with a reason.
            prop_assert_eq!(&file.state, "failed");
        } else {
            prop_assert_eq!(&file.state, "indexed", "{}", path.display());
            prop_assert_eq!(file.hash.as_deref(), Some(hash.as_str()));
        }
    }
    let check = library.check().unwrap();
    prop_assert!(check.ok, "{:?}", check.problems);
    Ok(())
}

fn quiet(_: &trove_core::api::IndexEvent) {}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn index_always_equals_disk(steps in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..6)) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        let root = root.canonicalize().unwrap();
        let library = Library::open(tmp.path().join("library"), Settings::default());
        library.index(std::slice::from_ref(&root), &mut quiet).unwrap();
        for step in &steps {
            let before = index_of(&library);
            for op in step {
                apply(&root, op);
            }
            library.index(&[], &mut quiet).unwrap();
            assert_index_equals_disk(&library, &root)?;
            // A step that is one rename of a distinct, already indexed file keeps its id.
            if let [Op::Rename { from, to }] = step.as_slice() {
                let (from, to) = (root.join(NAMES[*from]), root.join(NAMES[*to]));
                if let Some(old) = before.get(&from).filter(|f| f.state == "indexed") {
                    let unique = before.values().filter(|f| f.hash == old.hash).count() == 1;
                    if from != to && unique && !before.contains_key(&to) {
                        prop_assert_eq!(index_of(&library)[&to].id, old.id, "rename changed the id");
                    }
                }
            }
        }
    }
}
