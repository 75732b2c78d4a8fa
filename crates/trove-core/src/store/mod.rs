//! The library store: one SQLite database (WAL, foreign keys, versioned migrations) plus the
//! thumbnail cache beside it.
//!
//! Writes go through exactly one connection owned by the writer (see `api::Writer`); readers open
//! their own connections and, thanks to WAL, never wait for the writer. The submodules split the
//! read path ([`read`]) from the write path ([`write`]).

pub mod read;
pub mod vectors;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

const DB_FILE: &str = "library.db";
const THUMBS_DIR: &str = "thumbs";

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("schema_v1.sql")),
        M::up(include_str!("schema_v2.sql")),
        M::up(include_str!("schema_v3.sql")),
        M::up(include_str!("schema_v4.sql")),
    ])
}

/// Where a library keeps its files.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn new(dir: impl Into<PathBuf>) -> Layout {
        Layout { dir: dir.into() }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    pub fn lock_file(&self) -> PathBuf {
        self.dir.join("writer.lock")
    }

    /// Present while indexing is paused (`trove pause`); any process may create or remove it.
    pub fn pause_file(&self) -> PathBuf {
        self.dir.join("paused")
    }

    /// What a running service last said about itself (see `service::ServiceState`).
    pub fn service_file(&self) -> PathBuf {
        self.dir.join("service.json")
    }

    /// Requests handed to the process that owns writing (`trove index` beside `trove watch`).
    pub fn inbox_dir(&self) -> PathBuf {
        self.dir.join("inbox")
    }

    /// Thumbnails are named by content hash, so writing one twice (after a crash) is harmless
    /// and identical copies share one file.
    pub fn thumbnail(&self, hash: &[u8]) -> PathBuf {
        let hex = hex(hash);
        self.dir
            .join(THUMBS_DIR)
            .join(&hex[..2])
            .join(format!("{hex}.jpg"))
    }

    pub fn thumbs_dir(&self) -> PathBuf {
        self.dir.join(THUMBS_DIR)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss
    // can lose the last transactions, never corrupt the database.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // `rarray()`: search passes its filter scope to SQL as a table-valued parameter.
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

/// Whether a library's schema is older than this Trove's (a reader cannot use it until a
/// writer has migrated it).
pub fn needs_upgrade(conn: &Connection) -> Result<bool> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(version < migrations_count())
}

/// Opens (creating if needed) the library database and brings its schema up to date.
pub fn open_writer(layout: &Layout) -> Result<Connection> {
    std::fs::create_dir_all(&layout.dir).map_err(|e| {
        Error::io(
            format!("cannot create the library folder {}", layout.dir.display()),
            e,
        )
    })?;
    let mut conn = Connection::open(layout.db())?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrations().to_latest(conn)?;
    Ok(())
}

/// Opens a read-only connection; `None` when no library has been created at `layout` yet.
pub fn open_reader(layout: &Layout) -> Result<Option<Connection>> {
    if !layout.db().exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(
        layout.db(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let latest = migrations_count();
    if version > latest {
        return Err(Error::Invalid(format!(
            "the library at {} was written by a newer Trove (schema {version}, this one knows {latest}); upgrade Trove",
            layout.dir.display()
        )));
    }
    Ok(Some(conn))
}

fn migrations_count() -> i64 {
    4
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn db_size(layout: &Layout) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut p = layout.db().into_os_string();
            p.push(suffix);
            std::fs::metadata(Path::new(&p)).ok()
        })
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn migrations_count_matches() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let conn = open_writer(&layout).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, migrations_count());
        assert!(open_reader(&layout).unwrap().is_some());
    }
}
