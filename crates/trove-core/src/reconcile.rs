//! Reconcile: makes the `files` table agree with listings of the disk.
//!
//! Given the full listing of some roots, it classifies every path as unchanged, new, changed,
//! moved, removed, missing (root unavailable) or restored, and writes the result in the caller's
//! transaction. New and changed files become `pending`; extraction is the pipeline's job, so a
//! second run over an unchanged disk writes nothing and extracts nothing.
//!
//! A move or rename is recognised by content: a new path whose blake3 hash equals that of a path
//! that vanished in the same reconcile takes over the old row, keeping its id, content, items and
//! vectors. Only files whose size matches a vanished file are hashed here; everything else is
//! hashed once, by the pipeline, while it reads the file anyway.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::extract::Reader;
use crate::paths;
use crate::scan::{Listing, Seen, Skipped};
use crate::store::write::{self, FileRow};

/// What a reconcile changed, for people and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.new + self.changed + self.moved + self.removed + self.missing + self.restored == 0
    }
}

/// Reconciles the store with complete listings of roots (`(root_id, listing)` pairs). Returns
/// the changes and the hashes of contents that were dropped (their thumbnails can go after
/// commit).
pub fn reconcile(
    conn: &Connection,
    listings: &[(i64, Listing)],
) -> Result<(Changes, Vec<Vec<u8>>)> {
    let mut changes = Changes::default();
    let mut vanished: HashMap<Vec<u8>, FileRow> = HashMap::new();
    let mut new: Vec<(i64, &Seen)> = Vec::new();

    for (root_id, listing) in listings {
        changes.skipped.extend(listing.skipped.iter().cloned());
        if !listing.available {
            changes.missing += write::mark_root_missing(conn, *root_id)?;
            continue;
        }
        let mut known: HashMap<Vec<u8>, FileRow> = write::files_of_root(conn, *root_id)?
            .into_iter()
            .map(|row| (row.path.clone(), row))
            .collect();
        for seen in &listing.files {
            match known.remove(&paths::to_bytes(&seen.path)) {
                None => new.push((*root_id, seen)),
                Some(row) => classify_known(conn, &row, seen, &mut changes)?,
            }
        }
        vanished.extend(known);
    }

    // Moves: a new path with the bytes of a vanished one takes over its row.
    let mut by_size: HashMap<u64, Vec<Vec<u8>>> = HashMap::new();
    for (path, row) in &vanished {
        if row.hash.is_some() {
            by_size.entry(row.size).or_default().push(path.clone());
        }
    }
    for (root_id, seen) in new {
        let taken_over = match by_size.get_mut(&seen.size) {
            Some(candidates) if !candidates.is_empty() => hash_file(&seen.path)
                .and_then(|hash| {
                    let at = candidates.iter().position(|p| {
                        let row = &vanished[p];
                        row.kind == seen.kind && row.hash.as_deref() == Some(&hash[..])
                    })?;
                    Some(candidates.swap_remove(at))
                })
                .and_then(|path| vanished.remove(&path)),
            _ => None,
        };
        match taken_over {
            Some(row) => {
                write::move_file(conn, row.id, root_id, seen)?;
                // Renamed to another note format (.txt → .html): same bytes, different
                // document. The row and its id stay; the content is read again.
                if Reader::of(&paths::from_bytes(&row.path)) != Reader::of(&seen.path) {
                    write::mark_changed(conn, row.id, seen)?;
                }
                if row.state == "missing" {
                    write::restore(conn, row.id)?;
                }
                changes.moved += 1;
            }
            None => {
                write::insert_pending(conn, root_id, seen)?;
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
        }
        changes.restored += 1;
        return Ok(());
    }
    if same_stat {
        // A file that could not even be read (permission denied, I/O error) may have become
        // readable without its size or time changing (chmod): try it again.
        if row.state == "failed" && row.hash.is_none() {
            write::retry(conn, row.id)?;
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
        changes.changed += 1;
    }
    Ok(())
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
