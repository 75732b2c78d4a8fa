//! The writer: the one connection allowed to change a library, guarded by an OS file lock.
//!
//! The lock is advisory and held through an open file (`File::try_lock`), so the OS releases it
//! when the process dies — even by kill -9 — and a stale lock can never block the library.
//! The lock file also records who holds it, so the "busy" message can say which process.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::store::{self, Layout};

use super::CheckReport;

pub struct Writer {
    pub conn: Connection,
    _lock: File,
}

/// The second line of the lock file of a process that runs the service: it takes requests
/// through the library's inbox (see `api::control`).
pub const SERVICE_MARK: &str = "service: takes requests";

impl Writer {
    pub fn acquire(layout: &Layout, purpose: &str) -> Result<Writer> {
        Writer::acquire_as(layout, purpose, false)
    }

    /// Takes the lock; `service` marks the holder as one that takes handed-over work.
    pub fn acquire_as(layout: &Layout, purpose: &str, service: bool) -> Result<Writer> {
        std::fs::create_dir_all(&layout.dir).map_err(|e| {
            Error::io(
                format!("cannot create the library folder {}", layout.dir.display()),
                e,
            )
        })?;
        let path = layout.lock_file();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.lines().next().unwrap_or_default().trim();
                return Err(Error::Busy {
                    path: layout.dir.clone(),
                    holder: if holder.is_empty() {
                        "another Trove process is writing to it".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", path.display()), e));
            }
        }
        // Best effort: the note only improves the busy message of other processes.
        let _ = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| write!(file, "Trove (pid {}) is {purpose}", std::process::id()))
            .and_then(|_| match service {
                true => write!(file, "\n{SERVICE_MARK}"),
                false => Ok(()),
            });
        let conn = store::open_writer(layout)?;
        Ok(Writer { conn, _lock: file })
    }
}

/// Checks the invariants the rest of the engine relies on; returns every violation found.
pub fn check(conn: &Connection, layout: &Layout) -> Result<CheckReport> {
    let mut problems = Vec::new();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        problems.push(format!("database integrity: {integrity}"));
    }
    let fk: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if fk > 0 {
        problems.push(format!("{fk} rows break foreign keys"));
    }
    let counts: [(&str, &str); 6] = [
        (
            "indexed files without content",
            "SELECT count(*) FROM files WHERE state = 'indexed' AND content_id IS NULL",
        ),
        (
            "contents no file refers to",
            "SELECT count(*) FROM contents c WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.content_id = c.id)",
        ),
        (
            "contents without items",
            "SELECT count(*) FROM contents c WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.content_id = c.id)",
        ),
        (
            "photos without exactly one photo item",
            "SELECT count(*) FROM contents c WHERE c.kind = 'photo'
               AND (SELECT count(*) FROM items i WHERE i.content_id = c.id AND i.kind = 'photo') <> 1",
        ),
        (
            "files whose keyword row is missing or stale",
            "SELECT count(*) FROM files f WHERE f.content_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM files_fts WHERE files_fts.rowid = f.id AND files_fts.name = f.name)",
        ),
        (
            "keyword rows of files without content",
            "SELECT count(*) FROM files_fts WHERE rowid NOT IN (SELECT id FROM files WHERE content_id IS NOT NULL)",
        ),
    ];
    for (what, sql) in counts {
        let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
        if n > 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    if let Err(e) = conn.execute(
        "INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')",
        [],
    ) {
        problems.push(format!("note text index: {e}"));
    }
    let mut stmt = conn.prepare("SELECT hash FROM contents WHERE thumbnail = 1")?;
    let hashes: Vec<Vec<u8>> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let missing = hashes
        .iter()
        .filter(|h| !layout.thumbnail(h).exists())
        .count();
    if missing > 0 {
        problems.push(format!("{missing} thumbnails missing from the cache"));
    }
    Ok(CheckReport {
        ok: problems.is_empty(),
        problems,
    })
}
