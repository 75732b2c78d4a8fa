//! The reader's vector indexes, loaded once and then kept up to date from the change log.
//!
//! The writer never talks to readers: triggers append every vector change to `vector_log` (see
//! `store/schema_v3.sql`) and each [`Indexes::get`] catches up from it. The first `get` of a
//! (model, part) loads the index and reads the log's position in one read transaction, so the
//! matrix and the position are one snapshot. Later calls read the log entries of that model past
//! the position and re-read those items' current vectors (present → upsert, absent → remove),
//! which makes applying an entry idempotent. When the writer has pruned entries the index never
//! saw, or the log is behind the index (the database was replaced), it loads again.
//!
//! Each (model, part) has its own lock, held while loading or catching up, so two callers never
//! load the same index twice and a load of one index never blocks searches of another. Searches
//! hold no lock at all: they get an `Arc` snapshot, and an update of an index that someone is
//! still searching copies it first (`Arc::make_mut`), so a search in flight keeps its rows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use super::{ItemKind, VectorIndex};
use crate::error::Result;
use crate::store::vectors;

/// One index per (model, part), each with the last log entry it reflects.
#[derive(Debug, Default)]
pub struct Indexes {
    slots: Mutex<HashMap<(String, ItemKind), Slot>>,
    loads: AtomicUsize,
}

/// One index's lock: `None` until its first load (or after a panic while it was updated).
type Slot = Arc<Mutex<Option<Entry>>>;

#[derive(Debug)]
struct Entry {
    index: Arc<VectorIndex>,
    /// The `vector_log.seq` the index reflects (0: none yet).
    seq: i64,
}

/// One logged item's state now: its content and vector if it has one of our part.
type Change = (i64, Option<(i64, Vec<u8>)>);

impl Indexes {
    /// The index of `model`'s vectors of `part`, up to date with what `conn` sees.
    pub fn get(&self, conn: &Connection, model: &str, part: ItemKind) -> Result<Arc<VectorIndex>> {
        let slot = lock(&self.slots)
            .entry((model.to_string(), part))
            .or_default()
            .clone();
        // A panic while updating may have left the index half changed: load it again.
        let mut entry = slot.lock().unwrap_or_else(|poisoned| {
            let mut entry = poisoned.into_inner();
            *entry = None;
            entry
        });
        // One snapshot for the log position and the rows, unless the caller already holds one.
        let tx = if conn.is_autocommit() {
            Some(conn.unchecked_transaction()?)
        } else {
            None
        };
        let (first, last) = vectors::log_bounds(conn)?;
        let last = last.unwrap_or(0);
        match entry.as_mut() {
            Some(current) if current.seq == last => {}
            // Entries after ours are all still there (seq has no gaps but the pruned prefix).
            Some(current) if current.seq < last && first.is_some_and(|f| f <= current.seq + 1) => {
                catch_up(conn, current, last)?;
            }
            _ => {
                let reason = if entry.is_some() {
                    "log pruned past it or database replaced"
                } else {
                    "first use"
                };
                let index = VectorIndex::load(conn, model, part)?;
                self.loads.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(
                    model,
                    ?part,
                    rows = index.len(),
                    seq = last,
                    reason,
                    "vector index loaded"
                );
                *entry = Some(Entry {
                    index: Arc::new(index),
                    seq: last,
                });
            }
        }
        if let Some(tx) = tx {
            tx.commit()?;
        }
        Ok(entry.as_ref().map(|e| e.index.clone()).expect("set above"))
    }

    /// Forgets the indexes of every model not in `models`: after a model switch, the replaced
    /// model's matrix is memory no search needs.
    pub fn retain(&self, models: &[&str]) {
        lock(&self.slots).retain(|(model, _), _| models.contains(&model.as_str()));
    }

    /// How many indexes are held.
    #[cfg(any(test, feature = "internals"))]
    pub fn len(&self) -> usize {
        lock(&self.slots).len()
    }

    #[cfg(any(test, feature = "internals"))]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many full loads this cache has done (the first of each index included).
    #[cfg(any(test, feature = "internals"))]
    pub fn loads(&self) -> usize {
        self.loads.load(Ordering::Relaxed)
    }
}

/// Applies the log entries of `entry`'s model after its position, up to `last`.
fn catch_up(conn: &Connection, entry: &mut Entry, last: i64) -> Result<()> {
    let (model, part) = (entry.index.model().to_string(), entry.index.item_kind());
    let changes: Vec<Change> = vectors::logged(conn, &model, entry.seq, last)?
        .into_iter()
        .map(|(item, now)| {
            let now = now
                .filter(|(kind, _, _)| kind == part.as_str())
                .map(|(_, content, vector)| (content, vector));
            (item, now)
        })
        .collect();
    // Entries of the other part (or removals of rows never held) change nothing: leave a shared
    // snapshot uncopied.
    let relevant = changes
        .iter()
        .any(|(item, now)| now.is_some() || entry.index.contains(*item));
    if relevant {
        let index = Arc::make_mut(&mut entry.index);
        for (item, now) in &changes {
            match now {
                Some((content, vector)) => index.upsert(*item, *content, vector)?,
                None => {
                    index.remove(*item);
                }
            }
        }
    }
    tracing::debug!(
        model,
        ?part,
        entries = changes.len(),
        applied = relevant,
        from = entry.seq,
        to = last,
        "vector index caught up"
    );
    entry.seq = last;
    Ok(())
}

/// The slot map holds no invariant a panic could break, so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::to_blob;
    use crate::store::{self, Layout, vectors};

    /// A library file with two photos (contents 1, 2; items 1, 2) and a note of two chunks
    /// (content 3; items 3, 4), no vectors yet; the writer connection and a reader's.
    fn library() -> (tempfile::TempDir, Connection, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let writer = store::open_writer(&layout).unwrap();
        writer
            .execute_batch(
                "INSERT INTO contents(id, hash, reader, kind, format) VALUES
                     (1, x'01', 'image', 'photo', 'jpeg'),
                     (2, x'02', 'image', 'photo', 'jpeg'),
                     (3, x'03', 'markdown', 'note', 'markdown');
                 INSERT INTO items(id, content_id, kind, ord, text) VALUES
                     (1, 1, 'photo', 0, ''), (2, 2, 'photo', 0, ''),
                     (3, 3, 'chunk', 0, 'a'), (4, 3, 'chunk', 1, 'b');",
            )
            .unwrap();
        let reader = Connection::open(layout.db()).unwrap();
        (dir, writer, reader)
    }

    fn put(conn: &Connection, model: &str, item: i64, v: &[f32]) {
        vectors::insert(conn, model, item, v).unwrap();
    }

    /// The index's rows as (item, content, score against `query`), by item.
    fn rows(index: &VectorIndex, query: &[f32]) -> Vec<(i64, i64, f32)> {
        let mut hits = index.scores(query, |_| true);
        hits.sort_by_key(|h| h.item);
        hits.iter().map(|h| (h.item, h.content, h.score)).collect()
    }

    #[test]
    fn indexes_are_shareable_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Indexes>();
        shareable::<Arc<VectorIndex>>();
    }

    #[test]
    fn load_holds_one_model_and_one_part() {
        let (_dir, w, r) = library();
        put(&w, "m", 1, &[1.0, 0.0]);
        put(&w, "m", 3, &[0.0, 1.0]);
        put(&w, "other", 2, &[1.0, 0.0]);
        let indexes = Indexes::default();
        let photos = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(
            (photos.model(), photos.item_kind(), photos.dim()),
            ("m", ItemKind::Photo, 2)
        );
        assert_eq!(rows(&photos, &[1.0, 0.0]), vec![(1, 1, 1.0)]);
        let chunks = indexes.get(&r, "m", ItemKind::Chunk).unwrap();
        assert_eq!(rows(&chunks, &[1.0, 0.0]), vec![(3, 3, 0.0)]);
        let empty = indexes.get(&r, "nothing", ItemKind::Photo).unwrap();
        assert!(empty.is_empty() && empty.dim() == 0);
        assert!(empty.search(&[1.0, 0.0], 5, |_| true).is_empty());
        assert_eq!(indexes.loads(), 3);
    }

    #[test]
    fn replaced_models_are_forgotten() {
        let (_dir, w, r) = library();
        put(&w, "old", 1, &[1.0, 0.0]);
        put(&w, "new", 1, &[0.0, 1.0]);
        let indexes = Indexes::default();
        indexes.get(&r, "old", ItemKind::Photo).unwrap();
        indexes.get(&r, "new", ItemKind::Photo).unwrap();
        indexes.get(&r, "new", ItemKind::Chunk).unwrap();
        assert_eq!(indexes.len(), 3);
        indexes.retain(&["new"]);
        assert_eq!(indexes.len(), 2);
        // Still served, without a reload.
        indexes.get(&r, "new", ItemKind::Photo).unwrap();
        assert_eq!(indexes.loads(), 3);
        indexes.retain(&[]);
        assert!(indexes.is_empty());
    }

    #[test]
    fn commits_are_applied_without_reloading() {
        let (_dir, w, r) = library();
        put(&w, "m", 1, &[1.0, 0.0]);
        let indexes = Indexes::default();
        let before = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(rows(&before, &[1.0, 0.0]), vec![(1, 1, 1.0)]);

        // Nothing changed: the same snapshot comes back.
        let same = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert!(Arc::ptr_eq(&before, &same));
        drop(same);

        // A new vector, and a replaced one (INSERT OR REPLACE logs through the insert trigger).
        put(&w, "m", 2, &[0.0, 1.0]);
        put(&w, "m", 1, &[0.6, 0.8]);
        let after = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(rows(&after, &[0.0, 1.0]), vec![(1, 1, 0.8), (2, 2, 1.0)]);
        // The Arc held from before still sees its snapshot.
        assert_eq!(rows(&before, &[1.0, 0.0]), vec![(1, 1, 1.0)]);

        // An upsert through the update trigger.
        w.execute(
            "UPDATE vectors SET vector = ?1 WHERE model = 'm' AND item_id = 2",
            [to_blob(&[1.0, 0.0])],
        )
        .unwrap();
        let updated = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(rows(&updated, &[1.0, 0.0]), vec![(1, 1, 0.6), (2, 2, 1.0)]);
        assert_eq!(indexes.loads(), 1);
    }

    #[test]
    fn cascade_deletes_remove_rows() {
        let (_dir, w, r) = library();
        let foreign_keys: bool = w
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert!(foreign_keys, "store connections enforce foreign keys");
        for item in 1..=4 {
            put(&w, "m", item, &[1.0, 0.0]);
        }
        let indexes = Indexes::default();
        assert_eq!(indexes.get(&r, "m", ItemKind::Photo).unwrap().len(), 2);
        assert_eq!(indexes.get(&r, "m", ItemKind::Chunk).unwrap().len(), 2);
        // contents → items → vectors, each a cascade.
        w.execute("DELETE FROM contents WHERE id IN (2, 3)", [])
            .unwrap();
        let logged: i64 = w
            .query_row(
                "SELECT count(*) FROM vector_log WHERE item_id IN (2, 3, 4)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(logged, 3 + 3, "three inserts, three cascaded deletes");
        let photos = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(rows(&photos, &[1.0, 0.0]), vec![(1, 1, 1.0)]);
        assert!(indexes.get(&r, "m", ItemKind::Chunk).unwrap().is_empty());
        assert_eq!(indexes.loads(), 2);
    }

    #[test]
    fn other_models_and_parts_leave_an_index_alone() {
        let (_dir, w, r) = library();
        put(&w, "m", 1, &[1.0, 0.0]);
        let indexes = Indexes::default();
        let before = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        put(&w, "other", 2, &[1.0, 0.0]);
        put(&w, "m", 3, &[1.0, 0.0]); // a chunk: not this part
        w.execute("DELETE FROM vectors WHERE model = 'other'", [])
            .unwrap();
        let after = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        // Not even copied: the held snapshot is still the current one.
        assert!(Arc::ptr_eq(&before, &after));
        assert_eq!(rows(&after, &[1.0, 0.0]), vec![(1, 1, 1.0)]);
        let other = indexes.get(&r, "other", ItemKind::Photo).unwrap();
        assert!(other.is_empty());
        assert_eq!(indexes.loads(), 2);
    }

    #[test]
    fn a_pruned_log_forces_a_reload_with_the_right_rows() {
        let (_dir, w, r) = library();
        put(&w, "m", 1, &[1.0, 0.0]);
        let indexes = Indexes::default();
        indexes.get(&r, "m", ItemKind::Photo).unwrap();
        put(&w, "m", 2, &[0.0, 1.0]);
        w.execute("DELETE FROM vectors WHERE item_id = 1", [])
            .unwrap();
        put(&w, "m", 1, &[0.6, 0.8]);
        w.execute("DELETE FROM vectors WHERE item_id = 2", [])
            .unwrap();
        // The writer prunes the entries right after our position.
        w.execute(
            "DELETE FROM vector_log WHERE seq < (SELECT max(seq) FROM vector_log)",
            [],
        )
        .unwrap();
        let index = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(indexes.loads(), 2);
        assert_eq!(rows(&index, &[0.0, 1.0]), vec![(1, 1, 0.8)]);
        // And from there it catches up again.
        put(&w, "m", 2, &[0.0, 1.0]);
        let index = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(rows(&index, &[0.0, 1.0]), vec![(1, 1, 0.8), (2, 2, 1.0)]);
        assert_eq!(indexes.loads(), 2);
    }

    #[test]
    fn a_log_behind_the_index_means_another_database() {
        let (_dir, w, r) = library();
        put(&w, "m", 1, &[1.0, 0.0]);
        put(&w, "m", 2, &[1.0, 0.0]);
        let indexes = Indexes::default();
        assert_eq!(indexes.get(&r, "m", ItemKind::Photo).unwrap().len(), 2);
        // Another library at the same path, with a shorter history.
        let (_dir2, w2, r2) = library();
        put(&w2, "m", 2, &[0.0, 1.0]);
        let index = indexes.get(&r2, "m", ItemKind::Photo).unwrap();
        assert_eq!(rows(&index, &[0.0, 1.0]), vec![(2, 2, 1.0)]);
        assert_eq!(indexes.loads(), 2);
    }

    #[test]
    fn prune_log_keeps_the_newest_entries() {
        let (_dir, w, r) = library();
        put(&w, "m", 1, &[1.0, 0.0]);
        let indexes = Indexes::default();
        indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(vectors::prune_log(&w).unwrap(), 0);
        // Another model's long history pushes our position out of the kept window.
        w.execute(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?1)
             INSERT INTO vector_log(model, item_id) SELECT 'other', x FROM n",
            [vectors::LOG_KEPT + 5],
        )
        .unwrap();
        put(&w, "m", 2, &[0.0, 1.0]);
        assert_eq!(vectors::prune_log(&w).unwrap(), 7);
        let (kept, first): (i64, i64) = w
            .query_row("SELECT count(*), min(seq) FROM vector_log", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((kept, first), (vectors::LOG_KEPT, 8));
        let index = indexes.get(&r, "m", ItemKind::Photo).unwrap();
        assert_eq!(rows(&index, &[0.0, 1.0]), vec![(1, 1, 0.0), (2, 2, 1.0)]);
        assert_eq!(indexes.loads(), 2);
    }

    #[test]
    fn a_caller_transaction_is_used_as_the_snapshot() {
        let (_dir, w, r) = library();
        put(&w, "m", 1, &[1.0, 0.0]);
        let indexes = Indexes::default();
        let tx = r.unchecked_transaction().unwrap();
        assert_eq!(indexes.get(&tx, "m", ItemKind::Photo).unwrap().len(), 1);
        put(&w, "m", 2, &[1.0, 0.0]);
        // Still inside the caller's snapshot: the commit is not visible yet.
        assert_eq!(indexes.get(&tx, "m", ItemKind::Photo).unwrap().len(), 1);
        tx.commit().unwrap();
        assert_eq!(indexes.get(&r, "m", ItemKind::Photo).unwrap().len(), 2);
        assert_eq!(indexes.loads(), 1);
    }
}
