//! Reconcile: makes the `files` table agree with listings of the disk.
//!
//! Given listings of what is on disk — whole roots from the batch scan, or the paths the live
//! watcher saw change — it classifies every path they cover as unchanged, new, changed, moved,
//! removed, missing (root unavailable) or restored, and writes the result in the caller's
//! transaction. New and changed files become `pending`; extraction is the pipeline's job, so a
//! second run over an unchanged disk writes nothing and extracts nothing.
//!
//! A move or rename is recognised when its two ends are in the same reconcile: a new path takes
//! over the row of a vanished one with the same bytes, keeping its id, content, items and
//! vectors. A plain rename keeps name, size and modification time, which is taken as proof
//! without reading the file (a renamed folder of 10,000 photos moves in milliseconds); otherwise
//! only files whose size matches a vanished file are hashed. Everything else is hashed once, by
//! the pipeline, while it reads the file anyway.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::extract::Reader;
use crate::paths;
use crate::scan::{self, Listing, Seen, Skipped};
use crate::store::write::{self, FileRow};

/// What a reconcile changed, for people and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Changes {
    pub new: usize,
    pub changed: usize,
    pub moved: usize,
    pub removed: usize,
    /// Files under roots that are currently unavailable (kept, not removed).
    pub missing: usize,
    /// Missing files that are back.
    pub restored: usize,
    pub skipped: Vec<Skipped>,
    /// Ids of the files this reconcile queued (new or changed), so a live change can go first.
    #[serde(skip)]
    pub queued: Vec<i64>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.new + self.changed + self.moved + self.removed + self.missing + self.restored == 0
    }
}

/// Reconciles the store with listings of the disk (`(root_id, listing)` pairs), each covering
/// its `dir` — a whole root, or a file or folder under it. Returns the changes and the hashes of
/// contents that were dropped (their thumbnails can go after commit).
pub fn reconcile(
    conn: &Connection,
    listings: &[(i64, Listing)],
) -> Result<(Changes, Vec<Vec<u8>>)> {
    let mut changes = Changes::default();
    let mut vanished: HashMap<Vec<u8>, FileRow> = HashMap::new();
    let mut new: Vec<(i64, &Seen)> = Vec::new();
    // Listings may overlap (a folder and a file in it, listed a moment apart): a path seen in
    // any of them is neither new twice nor vanished.
    let mut seen_paths: HashSet<Vec<u8>> = HashSet::new();

    for (root_id, listing) in listings {
        changes.skipped.extend(listing.skipped.iter().cloned());
        let (root, device_seen) = write::root_device(conn, *root_id)?;
        if !listing.available || !scan::root_present(&root, device_seen) {
            changes.missing += write::mark_root_missing(conn, *root_id)?;
            continue;
        }
        if listing.dir == root && !listing.files.is_empty() {
            match scan::device(&root) {
                Some(device) if Some(device) != device_seen => {
                    write::set_root_device(conn, *root_id, device)?;
                }
                _ => {}
            }
        }
        let mut known: HashMap<Vec<u8>, FileRow> =
            write::files_under(conn, *root_id, &listing.dir)?
                .into_iter()
                .map(|row| (row.path.clone(), row))
                .collect();
        for seen in &listing.files {
            let key = paths::to_bytes(&seen.path);
            if !seen_paths.insert(key.clone()) {
                known.remove(&key);
                continue;
            }
            match known.remove(&key) {
                None => new.push((*root_id, seen)),
                Some(row) => classify_known(conn, &row, seen, &mut changes)?,
            }
        }
        vanished.extend(known);
    }
    vanished.retain(|path, _| !seen_paths.contains(path));

    // Moves: a new path with the bytes of a vanished one takes over its row.
    let mut by_size: HashMap<u64, Vec<Vec<u8>>> = HashMap::new();
    let mut by_stat: HashMap<(Vec<u8>, u64, i64), Vec<Vec<u8>>> = HashMap::new();
    for (path, row) in &vanished {
        if row.hash.is_some() {
            by_size.entry(row.size).or_default().push(path.clone());
        }
        let name = file_name(&paths::from_bytes(path));
        by_stat
            .entry((name, row.size, row.mtime_ns))
            .or_default()
            .push(path.clone());
    }
    for (root_id, seen) in new {
        let renamed = by_stat
            .get_mut(&(file_name(&seen.path), seen.size, seen.mtime_ns))
            .and_then(|candidates| {
                let at = candidates
                    .iter()
                    .position(|p| vanished.get(p).is_some_and(|row| row.kind == seen.kind))?;
                Some(candidates.swap_remove(at))
            });
        let taken_over = match (renamed, by_size.get_mut(&seen.size)) {
            (Some(path), _) => vanished.remove(&path),
            (None, Some(candidates)) if !candidates.is_empty() => hash_file(&seen.path)
                .and_then(|hash| {
                    let at = candidates.iter().position(|p| {
                        vanished.get(p).is_some_and(|row| {
                            row.kind == seen.kind && row.hash.as_deref() == Some(&hash[..])
                        })
                    })?;
                    Some(candidates.swap_remove(at))
                })
                .and_then(|path| vanished.remove(&path)),
            _ => None,
        };
        let taken_over = match taken_over {
            Some(row) => Some(row),
            // Taken over, so not deleted below should it be among the vanished (a row whose
            // size is stale matches by hash only).
            None => orphan(conn, seen)?.inspect(|row| {
                vanished.remove(&row.path);
            }),
        };
        match taken_over {
            Some(row) => {
                write::move_file(conn, row.id, root_id, seen)?;
                // Renamed to another note format (.txt → .html): same bytes, different
                // document. The row and its id stay; the content is read again.
                if Reader::of(&paths::from_bytes(&row.path)) != Reader::of(&seen.path) {
                    write::mark_changed(conn, row.id, seen)?;
                    changes.queued.push(row.id);
                }
                if row.state == "missing" {
                    write::restore(conn, row.id)?;
                }
                changes.moved += 1;
            }
            None => {
                changes
                    .queued
                    .push(write::insert_pending(conn, root_id, seen)?);
                changes.new += 1;
            }
        }
    }

    for row in vanished.values() {
        write::delete_file(conn, row.id)?;
        changes.removed += 1;
    }
    let dropped = write::gc_contents(conn)?;
    Ok((changes, dropped))
}

fn classify_known(
    conn: &Connection,
    row: &FileRow,
    seen: &Seen,
    changes: &mut Changes,
) -> Result<()> {
    let same_stat = row.size == seen.size && row.mtime_ns == seen.mtime_ns && row.kind == seen.kind;
    if row.state == "missing" {
        if same_stat {
            write::restore(conn, row.id)?;
        } else {
            write::mark_changed(conn, row.id, seen)?;
            changes.queued.push(row.id);
        }
        changes.restored += 1;
        return Ok(());
    }
    if same_stat {
        // A file that could not even be read (permission denied, I/O error) may have become
        // readable without its size or time changing (chmod): try it again.
        if row.state == "failed" && row.hash.is_none() {
            write::retry(conn, row.id)?;
            changes.queued.push(row.id);
        }
        return Ok(());
    }
    // Size and time differ from what we saw: only the hash can tell a real change from a touch.
    let same_bytes = row.size == seen.size
        && row.kind == seen.kind
        && row.hash.is_some()
        && hash_file(&seen.path).as_ref().map(|h| &h[..]) == row.hash.as_deref();
    if same_bytes {
        write::touch(conn, row.id, seen.mtime_ns)?;
    } else {
        write::mark_changed(conn, row.id, seen)?;
        changes.queued.push(row.id);
        changes.changed += 1;
    }
    Ok(())
}

/// A row elsewhere in the library whose file is gone and whose bytes this new file has: the
/// other end of a move whose first half no listing saw. File events do get lost — notify drops
/// the old name of some renames in a storm of them — and a move between two bursts of events
/// arrives in two reconciles; either way the file keeps its id and vectors.
///
/// Cheapest test first: is any read file of that size (an index lookup, usually no for photos)?
/// Only then is the new file hashed, and the rows with those very bytes looked up (an index
/// lookup) and checked on disk.
fn orphan(conn: &Connection, seen: &Seen) -> Result<Option<FileRow>> {
    if !write::read_with_size(conn, seen.size, seen.kind)? {
        return Ok(None);
    }
    let Some(hash) = hash_file(&seen.path) else {
        return Ok(None);
    };
    Ok(write::with_hash(conn, &hash, seen.kind)?
        .into_iter()
        .find(|row| {
            let path = paths::from_bytes(&row.path);
            path != seen.path
                && std::fs::symlink_metadata(&path)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        }))
}

fn file_name(path: &Path) -> Vec<u8> {
    path.file_name()
        .map(|n| n.as_encoded_bytes().to_vec())
        .unwrap_or_default()
}

/// blake3 of a file, streamed; `None` when it cannot be read (the pipeline will report why).
pub fn hash_file(path: &Path) -> Option<[u8; 32]> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(*hasher.finalize().as_bytes())
}
