//! The library store: one SQLite database (WAL, foreign keys, versioned migrations) plus the
//! thumbnail cache beside it.
//!
//! Writes go through exactly one connection owned by the writer (see `api::Writer`); readers open
//! their own connections and, thanks to WAL, never wait for the writer. The submodules split the
//! read path ([`read`]) from the write path ([`write`]).

pub mod check;
pub mod cutoffs;
pub mod find;
pub mod lock;
pub mod read;
pub mod vectors;
pub mod write;

pub use lock::Writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};
use crate::failpoint::failpoint;

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

/// What a reader finds of a library's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// This Trove's: readable.
    Current,
    /// None committed yet: the library is being created (its writer has made the file and not
    /// yet committed the schema), or its creation was cut short. Nothing was ever stored in it.
    Unwritten,
    /// An older Trove's: a writer must migrate it before this Trove can read it.
    Older(i64),
}

/// The schema of the library `conn` reads. A version newer than this Trove's is an error (the
/// user must upgrade Trove).
pub fn schema(conn: &Connection, layout: &Layout) -> Result<Schema> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let latest = migrations_count();
    Ok(match version {
        // The migrations commit the schema and its version in one transaction, so a reader
        // sees version 0 exactly when no schema was committed.
        0 => Schema::Unwritten,
        v if v < latest => Schema::Older(v),
        v if v == latest => Schema::Current,
        v => {
            return Err(Error::Invalid(format!(
                "the library at {} was written by a newer Trove (schema {v}, this one knows {latest}); upgrade Trove",
                layout.dir.display()
            )));
        }
    })
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
    // The database file exists and no schema is committed yet (a new library), or an older
    // one is (an upgrade): what readers of another process may meet.
    failpoint!("store::before_schema");
    migrate(&mut conn)?;
    Ok(conn)
}

pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrations().to_latest(conn)?;
    Ok(())
}

/// Opens a read-only connection and reads which schema it holds; `None` when no library has
/// been created at `layout` yet.
pub fn open_reader(layout: &Layout) -> Result<Option<(Connection, Schema)>> {
    if !layout.db().exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(
        layout.db(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    let schema = schema(&conn, layout)?;
    Ok(Some((conn, schema)))
}

fn migrations_count() -> i64 {
    4
}

/// A library at an older schema version, as an older Trove left it (for the upgrade tests).
#[cfg(test)]
pub(crate) fn migrate_to(conn: &mut Connection, version: usize) {
    migrations().to_version(conn, version).unwrap();
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
        let (_, schema) = open_reader(&layout).unwrap().unwrap();
        assert_eq!(schema, Schema::Current);
    }

    #[test]
    fn a_database_file_without_a_schema_reads_as_unwritten_not_older() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        // What a writer leaves between creating the file and committing the schema.
        let conn = Connection::open(layout.db()).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        let (_, schema) = open_reader(&layout).unwrap().unwrap();
        assert_eq!(schema, Schema::Unwritten);
        drop(conn);
        std::fs::write(layout.db(), b"").unwrap();
        let (_, schema) = open_reader(&layout).unwrap().unwrap();
        assert_eq!(schema, Schema::Unwritten);
    }

    #[test]
    fn versions_before_and_after_this_one() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let mut conn = Connection::open(layout.db()).unwrap();
        migrate_to(&mut conn, 2);
        assert_eq!(schema(&conn, &layout).unwrap(), Schema::Older(2));
        conn.pragma_update(None, "user_version", migrations_count() + 1)
            .unwrap();
        let newer = schema(&conn, &layout).unwrap_err().to_string();
        assert!(newer.contains("written by a newer Trove"), "{newer}");
    }
}
