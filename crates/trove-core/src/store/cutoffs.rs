//! The `cutoffs` table: each model's calibrated relevance cutoff per item kind, with the number
//! of items and the rule it was calibrated on (see `search::cutoff` for how it is made).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// The cutoff of `model` for items of `kind`, when calibrated.
pub fn score(conn: &Connection, model: &str, kind: &str) -> Result<Option<f64>> {
    Ok(conn
        .query_row(
            "SELECT score FROM cutoffs WHERE model = ?1 AND kind = ?2",
            params![model, kind],
            |r| r.get(0),
        )
        .optional()?)
}

/// What the stored cutoff was calibrated on: (items, rule), when there is one.
pub fn calibrated_on(conn: &Connection, model: &str, kind: &str) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .query_row(
            "SELECT items, method FROM cutoffs WHERE model = ?1 AND kind = ?2",
            params![model, kind],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn save(
    conn: &Connection,
    model: &str,
    kind: &str,
    score: f64,
    items: usize,
    method: i64,
) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO cutoffs(model, kind, score, items, method, computed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![model, kind, score, items as i64, method, super::now_secs()],
    )?;
    Ok(())
}

pub fn forget(conn: &Connection, model: &str, kind: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM cutoffs WHERE model = ?1 AND kind = ?2",
        params![model, kind],
    )?;
    Ok(())
}

/// Drops the cutoffs of models the library no longer has.
pub fn prune(conn: &Connection) -> Result<()> {
    conn.execute(
        "DELETE FROM cutoffs WHERE model NOT IN (SELECT id FROM models)",
        [],
    )?;
    Ok(())
}
