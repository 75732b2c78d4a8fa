//! Models on the command line: indexing with a model folder embeds everything, indexing without
//! any model still works and says what to do, `trove models` lists the registry, and wrong model
//! choices are clear errors.

use serde_json::Value;

use crate::shapes::eval_test_split;
use crate::util::{ASSETS, Dir, TINY_CLIP, n};

fn model<'a>(status: &'a Value, role: &str) -> &'a Value {
    status["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == role)
        .unwrap_or_else(|| panic!("no {role} model in {status:#}"))
}

#[test]
fn a_model_folder_embeds_every_photo_and_note_chunk() {
    let dir = Dir::new();
    let report = dir.index(&[ASSETS, "--model-dir", TINY_CLIP, "--text-model", "none"]);
    assert_eq!(report["models"][0]["state"], "loaded", "{report:#}");
    assert_eq!(report["models"][1]["state"], "off");
    let status = dir.status();
    let bridge = model(&status, "bridge");
    assert!(
        bridge["id"]
            .as_str()
            .unwrap()
            .starts_with("local:tiny-clip-")
    );
    // The bridge model embeds every item: one per photo content, one per note chunk.
    assert_eq!(n(bridge, "vectors"), items(&status), "{status:#}");
    assert_eq!(n(bridge, "missing"), 0);
    assert_eq!(bridge["complete"], true);
    assert_eq!(bridge["serving"], true);

    // The library remembers its model: a later run without flags embeds new files with it.
    let brick = std::fs::read(format!("{ASSETS}/photos/brick-wall.jpg")).unwrap();
    dir.write("more/brick-copy-2.png", brick);
    dir.write("more/new-note.md", "# Fresh\n\nA note written later.\n");
    dir.index(&[dir.path("more")]);
    let status = dir.status();
    let bridge = model(&status, "bridge");
    assert_eq!(n(bridge, "missing"), 0, "{status:#}");
    assert_eq!(n(bridge, "vectors"), items(&status), "{status:#}");
}

/// Photo contents plus note chunks (the notes of these tests are all distinct, so photo
/// contents are the distinct contents minus the notes; a copied photo adds none).
fn items(status: &Value) -> u64 {
    n(status, "contents") - n(status, "notes") + n(status, "chunks")
}

#[test]
fn without_any_model_indexing_works_and_says_what_to_do() {
    let dir = Dir::new();
    let run = dir.trove(&["index", ASSETS]).ok();
    assert!(
        run.stderr
            .contains("warning: no bridge model (siglip2-b32-256)"),
        "{run}"
    );
    assert!(run.stderr.contains("--model-dir"), "{run}");
    let status = dir.status();
    assert!(n(&status, "indexed") >= 40);
    assert_eq!(status["models"], serde_json::json!([]));
    // Keyword search still answers.
    let results = dir.search("Quokka");
    assert!(
        !results["notes"].as_array().unwrap().is_empty(),
        "{results:#}"
    );
}

#[test]
fn models_lists_the_registry_and_what_this_library_uses() {
    let dir = Dir::new();
    let models = dir.trove(&["models"]).json();
    let ids: Vec<&str> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in [
        "siglip2-b32-256",
        "clip-vit-b32",
        "clip-vit-b16",
        "siglip-b16-224",
        "chinese-clip-b16",
        "minilm-l6",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let default = &models[0];
    assert_eq!(default["id"], "siglip2-b32-256");
    assert_eq!(default["default"], true);
    assert_eq!(default["installed"], false);
    assert!(n(default, "size") > 500_000_000);

    dir.index(&[ASSETS, "--model-dir", TINY_CLIP, "--text-model", "none"]);
    let models = dir.trove(&["models"]).json();
    let local = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"].as_str().unwrap().starts_with("local:"))
        .expect("the local model is listed");
    assert_eq!(local["target"], true);
    assert_eq!(local["serving"], true);
    assert_eq!(local["installed"], true);
    let text = dir.trove(&["models"]).stdout();
    assert!(text.contains("siglip2-b32-256 *"), "{text}");
}

#[test]
fn wrong_model_choices_are_user_errors() {
    let dir = Dir::new();
    dir.write("a.md", "# A\n\ntext\n");
    let run = dir
        .trove(&["index", ".", "--model-dir", "no/such/folder"])
        .fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("no such folder"), "{run}");

    let run = dir
        .trove(&["index", ".", "--model", "clip-vit-huge"])
        .fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("siglip2-b32-256"), "{run}");

    if !cfg!(feature = "cuda") {
        let run = dir.trove(&["index", ".", "--device", "cuda"]).fails();
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.contains("--device cpu"), "{run}");
    }
}

#[test]
fn the_model_folder_variable_stands_in_for_a_flag_not_given() {
    let dir = Dir::new();
    dir.write("a.md", "# A\n\nred circles\n");
    // TROVE_MODEL_DIR is used when no bridge model flag is given…
    let report = dir
        .trove(&["index", ".", "--text-model", "none"])
        .env("TROVE_MODEL_DIR", TINY_CLIP)
        .json();
    assert_eq!(report["models"][0]["state"], "loaded", "{report:#}");
    // …and an explicit flag wins over it rather than clashing with it.
    let report = dir
        .trove(&["index", ".", "--model", "none", "--text-model", "none"])
        .env("TROVE_MODEL_DIR", TINY_CLIP)
        .json();
    assert_eq!(report["models"][0]["state"], "off", "{report:#}");
}

#[test]
fn a_role_turned_off_stays_off_until_a_model_is_chosen() {
    let dir = Dir::new();
    dir.write("a.md", "# A\n\nred circles\n");
    dir.index(&["files", "--model-dir", TINY_CLIP, "--text-model", "none"]);
    // A later run without flags remembers both choices: no attempt to fetch the default text
    // model, so no warning.
    dir.write("b.md", "# B\n\nblue squares\n");
    let run = dir.trove(&["index"]).arg("--json").ok();
    let report = run.json();
    assert_eq!(report["models"][0]["state"], "loaded", "{report:#}");
    assert_eq!(report["models"][1]["state"], "off", "{report:#}");
    assert!(!run.stderr.contains("warning"), "{run}");
    // Choosing a text model again turns the role back on (here: unavailable offline).
    let report = dir.trove(&["index", "--text-model", "minilm-l6"]).json();
    assert_eq!(report["models"][1]["state"], "unavailable", "{report:#}");
    let report = dir.trove(&["index"]).json();
    assert_eq!(report["models"][1]["state"], "unavailable", "{report:#}");
}

#[test]
fn eval_reports_retrieval_and_skips_unreadable_images() {
    let dir = Dir::new();
    let synthetic = format!("{TINY_CLIP}/../../synthetic");
    // Three of the held-out images, one of them replaced by a broken file.
    for name in ["0001.png", "0002.png", "0003.png"] {
        let bytes = std::fs::read(format!("{synthetic}/heldout/{name}")).unwrap();
        dir.write(format!("set/{name}"), bytes);
    }
    dir.write("set/0003.png", "not a png");
    dir.write(
        "captions.json",
        r#"{"images": [
            {"filename": "0001.png", "split": "test", "sentences": [{"raw": "a red circle on a blue background"}]},
            {"filename": "0002.png", "split": "test", "sentences": [{"raw": "two red circles on a blue background"}]},
            {"filename": "0003.png", "split": "test", "sentences": [{"raw": "three red circles on a blue background"}]},
            {"filename": "0004.png", "split": "train", "sentences": [{"raw": "unused"}]}
        ]}"#,
    );
    let run = eval_test_split(&dir).arg("--json").ok();
    let report = run.json();
    assert_eq!(report["images"], 2, "{report:#}");
    assert_eq!(report["captions"], 2);
    assert!(report["skipped"][0].as_str().unwrap().contains("0003.png"));
    for direction in ["text_to_image", "image_to_text"] {
        let m = &report[direction];
        assert_eq!(m["queries"], 2, "{report:#}");
        assert_eq!(m["recall_at_1"], 1.0, "{report:#}");
    }

    // A file that is not a caption file is the user's mistake.
    let run = dir
        .trove(&[
            "eval",
            "--captions",
            "files/set/0001.png",
            "--images",
            "files/set",
            "--model-dir",
            TINY_CLIP,
        ])
        .fails();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("is not JSON"), "{run}");
}

#[test]
fn switching_models_re_embeds_everything_and_drops_the_old_vectors() {
    let dir = Dir::new();
    dir.index(&[ASSETS, "--model-dir", TINY_CLIP, "--text-model", "none"]);
    let before = dir.status();
    let old = model(&before, "bridge")["id"].as_str().unwrap().to_string();

    // Another CLIP (the parity model: another architecture size and dimension).
    let other = format!("{TINY_CLIP}/../parity/clip");
    let report = dir.index(&["--model-dir", other.as_str(), "--text-model", "none"]);
    assert_eq!(
        n(&report["processed"], "embedded"),
        items(&before),
        "{report:#}"
    );
    let after = dir.status();
    let models = after["models"].as_array().unwrap();
    assert_eq!(models.len(), 1, "the old set is gone: {after:#}");
    let bridge = &models[0];
    assert_ne!(bridge["id"], old.as_str());
    assert_eq!(bridge["dim"], 32);
    assert_eq!(bridge["complete"], true);
    assert_eq!(bridge["serving"], true);
    assert_eq!(n(bridge, "vectors"), items(&after));
}

/// `trove bench` times the tower at the batch size indexing embeds with, unless told otherwise.
#[test]
fn bench_runs_the_tower_at_the_indexing_batch_size() {
    let dir = Dir::new();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "bench",
            "--model-dir",
            TINY_CLIP,
            "--text-model",
            "none",
            "--images",
            "4",
            "--rounds",
            "1",
        ];
        a.extend_from_slice(extra);
        a
    };
    let report = dir.trove(&args(&[])).json();
    assert_eq!(report[0]["image_batch"], 32, "{report:#}");
    assert_eq!(report[0]["images"], 4);
    assert!(report[0]["images_per_sec"].as_f64().unwrap() > 0.0);
    assert!(report[0]["text_ms_median"].as_f64().unwrap() > 0.0);
    let report = dir.trove(&args(&["--batch", "2"])).json();
    assert_eq!(report[0]["image_batch"], 2, "{report:#}");
}
