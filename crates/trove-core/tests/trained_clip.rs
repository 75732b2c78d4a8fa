//! Retrieval quality through the production path, with a tiny CLIP the project trained itself
//! (`tests/fixtures/models/tiny-clip`, made by `scripts/fixtures/train_tiny_clip.py` on rendered
//! shapes). The held-out images are indexed by `Library::index` with the model as a
//! `--model-dir`, queries are embedded by `Library::query_vectors`, and ranking is the engine's
//! vector index: nothing here re-implements what Trove does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use trove_core::index::{ItemKind, VectorIndex};
use trove_core::{Library, Settings};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Indexed {
    _dir: tempfile::TempDir,
    library: Library,
    index: VectorIndex,
    /// Photo item id → file name.
    names: HashMap<i64, String>,
}

fn index_heldout() -> Indexed {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.models.model_dir = Some(repo().join("tests/fixtures/models/tiny-clip"));
    settings.models.text_model = Some("none".into());
    settings.models.offline = true;
    let library = Library::open(dir.path().join("lib"), settings);
    let report = library
        .index(
            &[repo().join("tests/fixtures/synthetic/heldout")],
            &mut |_| {},
        )
        .expect("indexes");
    let bridge = report.models[0]
        .id
        .clone()
        .expect("the bridge model loaded");
    assert!(bridge.starts_with("local:tiny-clip-"), "{bridge}");
    assert_eq!(report.processed.failed, 0);

    let conn = rusqlite::Connection::open(dir.path().join("lib/library.db")).unwrap();
    let index = VectorIndex::load(&conn, &bridge, ItemKind::Photo).unwrap();
    let mut names = HashMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT i.content_id, f.name FROM items i JOIN files f ON f.content_id = i.content_id
             WHERE i.kind = 'photo'",
        )
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (id, name) = row.unwrap();
        names.insert(id, name);
    }
    assert_eq!(index.len(), names.len(), "every photo has a vector");
    Indexed {
        _dir: dir,
        library,
        index,
        names,
    }
}

/// Captions of the held-out split (Karpathy JSON): (file name, caption).
fn captions() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/synthetic/captions.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["images"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|img| {
            let file = img["filename"].as_str().unwrap().to_string();
            img["sentences"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |s| (file.clone(), s["raw"].as_str().unwrap().to_string()))
        })
        .collect()
}

fn top(indexed: &Indexed, query: &str, k: usize) -> Vec<String> {
    let q = indexed.library.query_vectors(query).unwrap();
    let (model, v) = q.bridge.expect("a bridge query vector");
    assert_eq!(model, indexed.index.model());
    indexed
        .index
        .search(&v, k, |_| true)
        .into_iter()
        .map(|hit| indexed.names[&hit.content].clone())
        .collect()
}

#[test]
fn text_finds_the_right_heldout_image() {
    let indexed = index_heldout();
    let captions = captions();
    assert!(captions.len() >= 300, "{} captions", captions.len());
    // Whether PyTorch found each caption's image first (the training script's own ranking).
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/synthetic/reference.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let torch_first: HashMap<String, bool> = reference["heldout"]["ranks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["filename"].as_str().unwrap().to_string(), r["rank"] == 1))
        .collect();
    let (mut hits1, mut hits5, mut agree) = (0, 0, 0);
    for (file, caption) in &captions {
        let ranked = top(&indexed, caption, 5);
        let first = ranked.first() == Some(file);
        hits1 += usize::from(first);
        hits5 += usize::from(ranked.contains(file));
        agree += usize::from(torch_first[file] == first);
    }
    let agreement = agree as f64 / captions.len() as f64;
    eprintln!("agrees with PyTorch on which captions find their image first: {agreement:.3}");
    assert!(agreement >= 0.97, "{agreement:.3}");
    let r1 = hits1 as f64 / captions.len() as f64;
    let r5 = hits5 as f64 / captions.len() as f64;
    eprintln!(
        "text→image over {} held-out captions: R@1 {r1:.3}, R@5 {r5:.3}",
        captions.len()
    );
    assert!(r1 >= 0.9, "Recall@1 {r1:.3} < 0.9");
    assert!(r5 >= 0.98, "Recall@5 {r5:.3} < 0.98");

    // `trove eval` embeds the same files the same way, so it must report what this test found.
    let heldout = repo().join("tests/fixtures/synthetic");
    let report = indexed
        .library
        .eval(
            &heldout.join("captions.json"),
            &heldout.join("heldout"),
            Some("test"),
            &mut |_| {},
            &mut |_, _, _, _| {},
        )
        .unwrap();
    assert_eq!(report.images, captions.len());
    assert!(
        (report.text_to_image.recall_at_1 - r1).abs() < 1e-9,
        "{report:?}"
    );
    assert!(
        (report.text_to_image.recall_at_5 - r5).abs() < 1e-9,
        "{report:?}"
    );
    assert!(report.image_to_text.recall_at_1 >= 0.8, "{report:?}");
}

/// "two red circles on a blue background" → ("red", "circle").
fn colour_and_shape(caption: &str) -> (String, String) {
    let (objects, _) = caption.split_once(" on ").unwrap();
    let words: Vec<&str> = objects.split(' ').collect();
    (
        words[1].to_string(),
        words[2].trim_end_matches('s').to_string(),
    )
}

#[test]
fn similar_images_share_colour_and_shape() {
    // Photo → photos through `Library::image_vector` (any image file, as a dragged-in photo).
    // The held-out set has one render per caption, so the nearest other render shows the same
    // objects on another background when the model sees shape and colour (chance: 1 in 8
    // colours, 1 in 4 shapes).
    let indexed = index_heldout();
    let captions: HashMap<String, String> = captions().into_iter().collect();
    let (mut colour, mut shape, mut total) = (0, 0, 0);
    for (id, name) in &indexed.names {
        let path = repo().join("tests/fixtures/synthetic/heldout").join(name);
        let (_, v) = indexed
            .library
            .image_vector(&path)
            .unwrap()
            .expect("a vector");
        let nearest = indexed.index.search(&v, 1, |other| other != *id);
        let (c1, s1) = colour_and_shape(&captions[name]);
        let (c2, s2) = colour_and_shape(&captions[&indexed.names[&nearest[0].content]]);
        total += 1;
        colour += usize::from(c1 == c2);
        shape += usize::from(s1 == s2);
    }
    let (colour, shape) = (colour as f64 / total as f64, shape as f64 / total as f64);
    eprintln!("nearest other image: same colour {colour:.3}, same shape {shape:.3}");
    assert!(colour >= 0.9, "same colour {colour:.3}");
    assert!(shape >= 0.85, "same shape {shape:.3}");
}

#[test]
fn a_caption_finds_its_image_first() {
    let indexed = index_heldout();
    let by_caption: HashMap<String, String> = captions().into_iter().map(|(f, c)| (c, f)).collect();
    for query in [
        "a red circle on a blue background",
        "three yellow stars on a grey background",
        "two black squares on a pink background",
        "a purple star on a pink background",
        "two orange circles on a grey background",
    ] {
        let expected = by_caption
            .get(query)
            .unwrap_or_else(|| panic!("no held-out image is captioned {query:?}"));
        assert_eq!(&top(&indexed, query, 1)[0], expected, "{query:?}");
    }
}

#[test]
fn odd_queries_embed_without_error() {
    let indexed = index_heldout();
    let long = "a red circle on a blue background ".repeat(60); // far beyond 77 tokens
    for query in [
        "",
        "🎉🔥",
        "一只猫在草地上",
        "Ünïcödé — ‘quotes’",
        long.as_str(),
    ] {
        let q = indexed.library.query_vectors(query).unwrap();
        let (_, v) = q.bridge.expect("a vector for any text");
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{query:?}: norm {norm}");
    }
    // Truncation keeps the meaning of the start: the long query still finds a red circle.
    let top = top(&indexed, &long, 1);
    let captions: HashMap<String, String> = captions().into_iter().collect();
    assert!(
        captions[&top[0]].contains("red circle"),
        "{}",
        captions[&top[0]]
    );
}
