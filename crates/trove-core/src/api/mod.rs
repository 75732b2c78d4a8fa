//! The `Library` facade: the one entry point every front end uses.
//!
//! Each method is a complete use case (add folders, index, search, show, …) taking and
//! returning the serialisable types of [`types`]. Reads open their own read-only connection and
//! never wait for a writer; writes take the library's writer lock first, so exactly one process
//! writes to a library at a time, and a second one is told the library is busy instead of
//! blocking or corrupting it.

mod models;
mod search;
mod service;
pub mod types;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::failpoint::failpoint;
use crate::pipeline::Gate;
use crate::reconcile;
use crate::roots::{add_roots, remove_root};
use crate::scan;
use crate::service::control;
use crate::store::{self, Layout, Schema, Writer, read, write};
use crate::{paths, pipeline};

/// Query vectors per role, each tagged with the model whose stored vectors it matches.
pub use crate::search::plan::WordVectors as QueryVectors;
pub use models::ModelEntry;
pub use types::*;

// What the front ends need beyond `Library`'s own types: the service's events, progress and
// reports of indexing, the model choices and downloads, and a few helpers they share with the
// engine (paths shown the same way, settings written whole).
pub use crate::config::{IndexSettings, SearchSettings, WatchSettings, settings_path};
pub use crate::embed::DeviceChoice;
pub use crate::embed::bench::BenchReport;
pub use crate::embed::download::{DownloadEvent, human_size};
pub use crate::embed::select::{ModelChoice, ModelSettings};
pub use crate::eval::EvalReport;
pub use crate::extract::{Limits, kind_of};
pub use crate::paths::{display as display_path, write_whole};
pub use crate::pipeline::{ModelUse, Processed, Progress};
pub use crate::reconcile::Changes;
pub use crate::scan::Skipped;
pub use crate::search::DEFAULT_LIMIT;
pub use crate::search::fuse::Fusion;
pub use crate::service::control::HandedOver;
pub use crate::service::{Activity, OnEvent, Service, ServiceEvent, ServiceState, WatchedRoot};

/// A named fail point in a front end (see the engine's `failpoint` module): nothing, unless
/// built with the `failpoints` feature, which only tests turn on.
#[doc(hidden)]
pub fn failpoint(name: &'static str) {
    #[cfg(feature = "failpoints")]
    crate::failpoint::hit(name);
    #[cfg(not(feature = "failpoints"))]
    let _ = name;
}

/// A photo file rendered as a JPEG at most `long_side` pixels on its long side, the right way up
/// and in sRGB: how a page shows the formats a web view cannot (HEIC, TIFF).
pub fn render_photo(path: &Path, long_side: u32) -> Result<Vec<u8>> {
    let shown = paths::display(path);
    let bytes = std::fs::read(path).map_err(|e| Error::io(format!("reading {shown}"), e))?;
    let limits = Limits {
        thumbnail_size: long_side,
        ..Limits::default()
    };
    crate::extract::image::extract_for(path, &bytes, &limits, None)
        .map(|photo| photo.thumbnail)
        .map_err(|e| Error::Invalid(format!("{shown} cannot be shown: {e}")))
}

/// A photo's format and size as indexing reads them (see [`photo_size`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoSize {
    /// The format's id, as the library stores it: "jpeg", "heic", "tiff", …
    pub format: &'static str,
    /// As displayed: after the file's orientation.
    pub width: u32,
    pub height: u32,
}

/// Why [`photo_size`] refused bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoRefusal {
    /// The bytes are no image format Trove reads.
    NotAnImage(String),
    /// They are, but this one does not decode: the reason.
    Unreadable(String),
}

/// What a photo's bytes are, read exactly as indexing reads them (every format Trove indexes:
/// HEIC, TIFF variants, RAW…). Decodes the picture, at a reduced size where the format allows:
/// headers alone differ too much between formats to be trusted for a size.
pub fn photo_size(bytes: &[u8]) -> std::result::Result<PhotoSize, PhotoRefusal> {
    let format = crate::extract::image::format_of(bytes)
        .map_err(|e| PhotoRefusal::NotAnImage(e.to_string()))?;
    let decoded = crate::extract::image::decode(bytes, &Limits::default(), 1)
        .map_err(|e| PhotoRefusal::Unreadable(e.to_string()))?;
    Ok(PhotoSize {
        format,
        width: decoded.width,
        height: decoded.height,
    })
}

/// The models Trove knows: what `trove models` lists and the settings screen offers.
pub mod registry {
    pub use crate::embed::models::{ModelSpec, Published, all, find, ids};
}

/// What `index` reports while it works.
#[derive(Debug, Clone)]
pub enum IndexEvent {
    /// Listing the files of a root.
    Scanning { root: String },
    /// The disk was compared with the library.
    Reconciled(Changes),
    /// Files processed so far.
    Progress(Progress),
    /// A model file is being downloaded.
    Download(crate::embed::download::DownloadEvent),
}

/// How `show` names a file, and `similar` the photo to search by.
#[derive(Debug, Clone)]
pub enum ItemRef {
    Id(i64),
    Path(PathBuf),
    /// An image that is not a file of this machine's folders (a photo dropped on or pasted
    /// into the web UI): searched by, never stored.
    Image(ImageBytes),
}

/// The bytes of an image given directly, with a name for messages.
#[derive(Clone)]
pub struct ImageBytes {
    pub name: String,
    pub bytes: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for ImageBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageBytes({}, {} bytes)", self.name, self.bytes.len())
    }
}

impl ItemRef {
    /// A number is an id; anything else is a path (which need not be valid UTF-8).
    pub fn parse(text: &std::ffi::OsStr) -> ItemRef {
        match text.to_str().and_then(|t| t.parse().ok()) {
            Some(id) => ItemRef::Id(id),
            None => ItemRef::Path(PathBuf::from(text)),
        }
    }
}

pub struct Library {
    pub(crate) layout: Layout,
    pub(crate) settings: Settings,
    loaded: models::LoadedModels,
    /// Vector indexes kept in memory between queries, brought up to date as rows commit.
    indexes: crate::index::Indexes,
    /// Shared with the indexing workers of this process: searches and pauses hold them.
    pub(crate) gate: Arc<Gate>,
}

impl Library {
    /// A handle on the library in `dir`. Nothing is created until the first write.
    pub fn open(dir: impl Into<PathBuf>, settings: Settings) -> Library {
        Library {
            layout: Layout::new(dir),
            settings,
            loaded: Default::default(),
            indexes: Default::default(),
            gate: Default::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.layout.dir
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A read-only connection to the library's current schema; `None` while there is nothing
    /// to read. See [`open_current`].
    fn read_connection(&self) -> Result<Option<Connection>> {
        open_current(&self.layout, UPGRADE_WAIT, &mut || {})
    }

    /// Takes the writer lock; fails with [`Error::Busy`] when another process holds it.
    pub fn writer(&self, purpose: &str) -> Result<Writer> {
        Writer::acquire(&self.layout, purpose)
    }

    /// Adds folders as roots (persisted). Folders inside an existing root are already covered;
    /// a parent of existing roots replaces them.
    pub fn add_roots(&self, dirs: &[PathBuf]) -> Result<Vec<RootAdded>> {
        let mut writer = self.writer("adding folders")?;
        add_roots(&mut writer, &self.layout, dirs)
    }

    /// Removes a root and everything indexed under it (the files on disk are not touched).
    pub fn remove_root(&self, dir: &Path) -> Result<RemoveReport> {
        let mut writer = self.writer("removing a folder")?;
        remove_root(&mut writer, &self.layout, dir)
    }

    pub fn roots(&self) -> Result<Vec<RootInfo>> {
        match self.read_connection()? {
            Some(conn) => read::roots(&conn),
            None => Ok(Vec::new()),
        }
    }

    /// Adds `dirs` as roots (if any), reconciles every root with the disk, and processes the
    /// queue to completion.
    pub fn index(
        &self,
        dirs: &[PathBuf],
        on_event: &mut dyn FnMut(&IndexEvent),
    ) -> Result<IndexReport> {
        let started = Instant::now();
        let mut writer = self.writer("indexing")?;
        // A service of this process that stopped left the gate closed; none runs now (the
        // writer lock says so).
        self.gate.reopen();
        let added = add_roots(&mut writer, &self.layout, dirs)?;
        let roots_added = added
            .iter()
            .filter_map(|a| match a {
                RootAdded::Added { path } | RootAdded::Merged { path, .. } => Some(path.clone()),
                _ => None,
            })
            .collect();

        let roots = write::roots(&writer.conn)?;
        let exclude = vec![
            self.layout
                .dir
                .canonicalize()
                .unwrap_or(self.layout.dir.clone()),
        ];
        let listings: Vec<(i64, scan::Listing)> = roots
            .into_iter()
            .map(|(id, path)| {
                on_event(&IndexEvent::Scanning {
                    root: paths::display(&path),
                });
                (id, scan::scan(&path, &exclude))
            })
            .collect();
        let tx = writer.conn.transaction()?;
        let (changes, dropped) = reconcile::reconcile(&tx, &listings)?;
        failpoint!("reconcile::before_commit");
        tx.commit()?;
        pipeline::remove_thumbnails(&self.layout, &dropped);
        on_event(&IndexEvent::Reconciled(changes.clone()));

        let (models, model_uses) =
            pipeline::models::prepare(&self.settings.models, &writer.conn, &mut |download| {
                on_event(&IndexEvent::Download(download))
            })?;
        let indexing = self.indexing(pipeline::Pace::Foreground);
        let pool = indexing.worker_pool()?;
        let processed = indexing
            .pipeline(&mut writer.conn, &pool, &models)
            .run(&mut |p| on_event(&IndexEvent::Progress(p.clone())))?;
        let loaded: Vec<&crate::embed::Model> = models.each().collect();
        crate::search::cutoff::refresh(&writer.conn, &loaded)?;
        store::vectors::prune_log(&writer.conn)?;
        let counts = read::counts(&writer.conn)?;
        Ok(IndexReport {
            models: model_uses,
            roots_added,
            changes,
            processed,
            counts,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// What indexing runs with, from this library's settings.
    pub(crate) fn indexing(&self, pace: pipeline::Pace) -> pipeline::Setup {
        pipeline::Setup {
            layout: self.layout.clone(),
            limits: self.settings.limits,
            batch_size: self.settings.index.batch_size,
            threads: self.settings.index.worker_threads(pace),
            pace,
            gate: self.gate.clone(),
        }
    }

    pub fn status(&self) -> Result<Status> {
        let conn = match self.read_connection()? {
            Some(conn) => conn,
            None => empty_db()?,
        };
        Ok(Status {
            library: paths::display(&self.layout.dir),
            library_bytes: store::db_size(&self.layout) + dir_size(&self.layout.thumbs_dir()),
            counts: read::counts(&conn)?,
            contents: read::count(&conn, "contents")?,
            chunks: read::count(&conn, "chunks")?,
            roots: read::roots(&conn)?,
            models: store::vectors::status(&conn)?,
            paused: self.is_paused(),
            service: control::running_service(&self.layout),
        })
    }

    pub fn failed(&self) -> Result<Vec<FailedFile>> {
        match self.read_connection()? {
            Some(conn) => read::failed(&conn),
            None => Ok(Vec::new()),
        }
    }

    /// Every file the library tracks, in path order.
    pub fn files(&self) -> Result<Vec<FileInfo>> {
        match self.read_connection()? {
            Some(conn) => read::files(&conn),
            None => Ok(Vec::new()),
        }
    }

    pub fn show(&self, item: &ItemRef) -> Result<ItemDetails> {
        let not_found = || {
            Error::NotFound(match item {
                ItemRef::Id(id) => format!("no file with id {id} in this library"),
                ItemRef::Path(p) => format!("{} is not in this library", p.display()),
                ItemRef::Image(image) => format!("{} is not in this library", image.name),
            })
        };
        let conn = self.read_connection()?.ok_or_else(not_found)?;
        let id = match item {
            ItemRef::Id(id) => *id,
            ItemRef::Path(path) => {
                let absolute = std::path::absolute(path).unwrap_or(path.clone());
                let canonical = path.canonicalize().unwrap_or(absolute.clone());
                match read::file_by_path(&conn, &canonical)? {
                    Some(id) => id,
                    None => read::file_by_path(&conn, &absolute)?.ok_or_else(not_found)?,
                }
            }
            ItemRef::Image(_) => return Err(not_found()),
        };
        read::details(&conn, &self.layout, id)?.ok_or_else(not_found)
    }

    /// An indexed file by id, for serving its bytes (never by a path a client names): its
    /// path, kind and cached thumbnail (when one was made).
    pub fn served_file(&self, id: i64) -> Result<Option<ServedFile>> {
        let Some(conn) = self.read_connection()? else {
            return Ok(None);
        };
        read::served_file(&conn, &self.layout, id)
    }

    /// Verifies the library's invariants (what the tests of crash safety rely on).
    pub fn check(&self) -> Result<CheckReport> {
        let writer = self.writer("checking the library")?;
        store::check::check(&writer.conn, &self.layout)
    }
}

/// How long a reader waits for the process holding the writer lock to upgrade an older schema
/// (it does so as it takes the lock; a migration takes well under a second).
const UPGRADE_WAIT: Duration = Duration::from_secs(10);

/// Opens the library for reading once its schema is this Trove's:
/// - no library, or one being created whose schema is not committed yet: `None`, read as
///   empty. That is exactly what it holds, and readers never wait for the writer.
/// - an older Trove's schema: upgraded here when no other process writes; when one does, it
///   is upgrading it (our writers migrate as they take the lock), so this waits for it, up to
///   `wait`, calling `on_wait` each time it does. A writer that still has not upgraded it by
///   then is an older Trove: the library is reported busy, with who holds it.
fn open_current(
    layout: &Layout,
    wait: Duration,
    on_wait: &mut dyn FnMut(),
) -> Result<Option<Connection>> {
    let deadline = Instant::now() + wait;
    let mut upgraded = false;
    loop {
        let version = match store::open_reader(layout)? {
            None | Some((_, Schema::Unwritten)) => return Ok(None),
            Some((conn, Schema::Current)) => return Ok(Some(conn)),
            Some((_, Schema::Older(version))) => version,
        };
        if upgraded {
            return Err(Error::Internal(format!(
                "the library at {} is still at schema {version} after its upgrade",
                layout.dir.display()
            )));
        }
        match Writer::acquire(layout, "upgrading the library") {
            // Taking the writer lock migrated the schema.
            Ok(_writer) => upgraded = true,
            Err(Error::Busy { .. }) if Instant::now() < deadline => {
                on_wait();
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(Error::Busy { path, holder }) => {
                return Err(Error::Busy {
                    path,
                    holder: format!(
                        "{holder}, and has not upgraded it from an older Trove's format \
                         (schema {version}); if that process is an older Trove, quit it"
                    ),
                });
            }
            Err(e) => {
                return Err(Error::Invalid(format!(
                    "the library at {} was written by an older Trove and could not be \
                     upgraded ({e}); run `trove index` where it can be written",
                    layout.dir.display()
                )));
            }
        }
    }
}

/// An in-memory library with the schema, for reads before anything was indexed.
fn empty_db() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    store::migrate(&mut conn)?;
    rusqlite::vtab::array::load_module(&conn)?;
    Ok(conn)
}

fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{File, OpenOptions};

    /// A library as an older Trove left it (schema 2), that nobody is writing.
    fn older_library() -> (tempfile::TempDir, Layout) {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let mut conn = Connection::open(layout.db()).unwrap();
        store::migrate_to(&mut conn, 2);
        (dir, layout)
    }

    /// The writer lock, held as another process holds it (the lock belongs to an open file).
    fn hold_writer_lock(layout: &Layout) -> File {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(layout.lock_file())
            .unwrap();
        file.try_lock().unwrap();
        std::fs::write(layout.lock_file(), "Trove (pid 1) is indexing\n").unwrap();
        file
    }

    fn schema_of(conn: &Connection, layout: &Layout) -> Schema {
        store::schema(conn, layout).unwrap()
    }

    #[test]
    fn a_reader_waits_for_the_writer_that_upgrades_an_older_library() {
        let (_dir, layout) = older_library();
        let mut lock = Some(hold_writer_lock(&layout));
        let mut waits = 0;
        // The writer migrates (as it does right after taking the lock) only once the reader
        // waits for it, so the reader meets the older schema with the lock held.
        let conn = open_current(&layout, Duration::from_secs(60), &mut || {
            waits += 1;
            if let Some(lock) = lock.take() {
                store::open_writer(&layout).unwrap();
                drop(lock);
            }
        })
        .unwrap()
        .expect("the upgraded library");
        assert_eq!(waits, 1);
        assert_eq!(schema_of(&conn, &layout), Schema::Current);
    }

    #[test]
    fn an_older_library_nobody_writes_is_upgraded_by_its_first_reader() {
        let (_dir, layout) = older_library();
        let conn = open_current(&layout, Duration::ZERO, &mut || {
            panic!("nobody to wait for")
        })
        .unwrap()
        .expect("the upgraded library");
        assert_eq!(schema_of(&conn, &layout), Schema::Current);
    }

    #[test]
    fn an_older_library_an_older_trove_is_writing_is_busy_not_broken() {
        let (_dir, layout) = older_library();
        let _lock = hold_writer_lock(&layout);
        let err = open_current(&layout, Duration::from_millis(50), &mut || {}).unwrap_err();
        assert!(matches!(err, Error::Busy { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("Trove (pid 1) is indexing"), "{message}");
        assert!(message.contains("has not upgraded it"), "{message}");
    }

    #[test]
    fn a_library_being_created_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        // The writer made the database file and has not committed the schema yet.
        let _lock = hold_writer_lock(&layout);
        let creating = Connection::open(layout.db()).unwrap();
        creating.pragma_update(None, "journal_mode", "WAL").unwrap();
        let library = Library::open(dir.path(), Settings::default());
        assert!(library.files().unwrap().is_empty());
        assert!(library.roots().unwrap().is_empty());
        assert_eq!(library.status().unwrap().counts.photos, 0);
    }
}
