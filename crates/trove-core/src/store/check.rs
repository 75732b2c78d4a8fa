//! `trove check`: the invariants the rest of the engine relies on, verified against the database
//! and the thumbnail cache.

use rusqlite::Connection;

use super::Layout;
use crate::error::Result;
use crate::types::CheckReport;

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
