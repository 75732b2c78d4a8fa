//! Query latency without the text tower: `search::run` over a library of synthetic photos
//! (random unit vectors, 512 dimensions as CLIP ViT-B/32's), with and without a filter, printed
//! as p50/p99 — the figures docs/benchmarks.md sets targets for (p50 ≤ 10 ms, p99 ≤ 30 ms at 100k
//! photos on 2 cores). Run: `cargo bench -p trove-core --bench search [-- PHOTOS]`.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rusqlite::{Connection, params};
use trove_core::api::Filters;
use trove_core::api::Kind;
use trove_core::api::Mode;
use trove_core::embed::to_blob;
use trove_core::index::{Indexes, ItemKind};
use trove_core::search::{self, Semantic, filter, fuse::Fusion};

const DIM: usize = 512;
const MODEL: &str = "bench";
const QUERIES: usize = 200;

fn unit(rng: &mut impl Rng) -> Vec<f32> {
    let mut v: Vec<f32> = (0..DIM).map(|_| rng.random::<f32>() - 0.5).collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// A library database with `n` indexed photos, each with a vector; every tenth in `/lib/b`.
fn library(path: &std::path::Path, n: usize, rng: &mut impl Rng) -> Connection {
    let mut conn = Connection::open(path).unwrap();
    trove_core::store::migrate(&mut conn).unwrap();
    rusqlite::vtab::array::load_module(&conn).unwrap();
    let tx = conn.transaction().unwrap();
    tx.execute(
        "INSERT INTO roots(id, path, added_at) VALUES (1, CAST('/lib' AS BLOB), 0)",
        [],
    )
    .unwrap();
    for id in 1..=n as i64 {
        let folder = if id % 10 == 0 { "b" } else { "a" };
        tx.execute(
            "INSERT INTO contents(id, hash, reader, kind, format, width, height)
             VALUES (?1, ?1, 'image', 'photo', 'jpeg', 4000, 3000)",
            [id],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO files(id, root_id, path, name, kind, size, mtime_ns, content_id, state, updated_at)
             VALUES (?1, 1, CAST(?2 AS BLOB), ?3, 'photo', 1, 0, ?1, 'indexed', 0)",
            params![id, format!("/lib/{folder}/IMG_{id:06}.jpg"), format!("IMG_{id:06}.jpg")],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO items(id, content_id, kind, ord) VALUES (?1, ?1, 'photo', 0)",
            [id],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO vectors(model, item_id, vector) VALUES (?1, ?2, ?3)",
            params![MODEL, id, to_blob(&unit(rng))],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    conn
}

fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let conn = library(&dir.path().join("library.db"), n, &mut rng);
    eprintln!(
        "{n} photos written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let indexes = Indexes::default();
    let started = Instant::now();
    let index = indexes.get(&conn, MODEL, ItemKind::Photo).unwrap();
    println!(
        "load: {n} vectors into memory in {:.0} ms ({} MB)",
        started.elapsed().as_secs_f64() * 1e3,
        n * DIM * 4 / 1_000_000
    );
    let mut times = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        let query = unit(&mut rng);
        let started = Instant::now();
        let hits = index.search(&query, 60, |_| true);
        times.push(started.elapsed());
        assert_eq!(hits.len(), 60);
    }
    let (p50, p99) = percentiles(times);
    println!("vector scan alone: p50 {p50:.1} ms, p99 {p99:.1} ms");
    for (label, filters) in [
        ("no filter", Filters::default()),
        (
            "--in /lib/b",
            Filters {
                folder: Some("/lib/b".into()),
                ..Default::default()
            },
        ),
    ] {
        let mut times = Vec::with_capacity(QUERIES);
        for _ in 0..QUERIES {
            let query = unit(&mut rng);
            let started = Instant::now();
            // Everything a search does after the text tower: the scope, the scan, fusion,
            // results with explanations. (The index is kept between queries, as a running
            // Trove keeps it.)
            let scope = filter::scope(&conn, &filters, Some(Kind::Photo)).unwrap();
            let index = indexes.get(&conn, MODEL, ItemKind::Photo).unwrap();
            let q = search::Query {
                label: "bench".into(),
                mode: Mode::Hybrid,
                words: "",
                photos: Some(Semantic {
                    model: MODEL,
                    index: &index,
                    query: &query,
                    cutoff: None,
                }),
                notes: None,
                exclude: None,
                kind: Some(Kind::Photo),
                limit: 20,
                all: false,
                fusion: Fusion::Rrf,
                semantic_label: "meaning",
            };
            let results = search::run(&conn, &q, &scope).unwrap();
            times.push(started.elapsed());
            assert_eq!(results.photos.len(), 20);
        }
        let (p50, p99) = percentiles(times);
        println!(
            "search, {label}: p50 {p50:.1} ms, p99 {p99:.1} ms over {QUERIES} queries ({n} photos)"
        );
    }
    drop(index);
}
