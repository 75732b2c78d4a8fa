//! Scan: lists what is on disk under a root, with nothing but the file system.
//!
//! The scanner knows no database. It yields a [`Listing`] — every trackable file with its size
//! and modification time, plus what it had to skip and why — and `reconcile` compares that with
//! the store. The live watcher produces listings of the same shape for the folders it saw change,
//! so batch and live indexing share one reconcile.
//!
//! Skipped: hidden files and folders, `.git`, `node_modules`, anything matched by a
//! `.troveignore` (gitignore syntax, applying to its folder and below), and files of types Trove
//! does not index. Symbolic links are followed; loops are detected and reported.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::extract;
use crate::types::Kind;

/// A trackable file as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub path: PathBuf,
    pub kind: Kind,
    pub size: u64,
    pub mtime_ns: i64,
}

/// Something the scan could not look at, with a reason for people.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Everything found under one directory.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The folder or file this listing covers (a root, or a path under one).
    pub dir: PathBuf,
    /// False when the root itself is gone (an unmounted drive): its files are then kept as
    /// `missing` rather than removed. A path gone under a present root is simply empty.
    pub available: bool,
    pub files: Vec<Seen>,
    pub skipped: Vec<Skipped>,
}

pub const IGNORE_FILE: &str = ".troveignore";
const SKIPPED_DIRS: &[&str] = &["node_modules", ".git"];

/// Lists `dir` recursively. `exclude` holds directories never to enter (the library itself,
/// when a user adds a root that contains it).
pub fn scan(dir: &Path, exclude: &[PathBuf]) -> Listing {
    list(dir, None, exclude)
}

/// Lists only what is under `scope` (a file or folder under `root`, possibly gone): exactly the
/// files [`scan`]`(root)` would list there. The walk still starts at `root` but enters only
/// `scope`'s ancestors, so the `.troveignore` files and hidden folders between them apply as in
/// a full scan. The listing's `dir` is `scope`.
pub fn scan_within(root: &Path, scope: &Path, exclude: &[PathBuf]) -> Listing {
    let mut listing = list(root, Some(scope), exclude);
    listing.dir = scope.to_path_buf();
    listing
}

/// Whether a file or folder name is never listed nor entered, wherever it sits: hidden (a leading
/// dot) or a skipped folder. Lets the watcher drop events that no listing would show.
pub fn skipped_by_name(name: &OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".") || is_skipped_dir(name)
}

fn is_skipped_dir(name: &OsStr) -> bool {
    name.to_str().is_some_and(|n| SKIPPED_DIRS.contains(&n))
}

fn list(root: &Path, scope: Option<&Path>, exclude: &[PathBuf]) -> Listing {
    let mut listing = Listing {
        dir: root.to_path_buf(),
        available: root.is_dir(),
        files: Vec::new(),
        skipped: Vec::new(),
    };
    if !listing.available {
        return listing;
    }
    let exclude = exclude.to_vec();
    let scope = scope.map(Path::to_path_buf);
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .parents(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .follow_links(true)
        .filter_entry(move |entry| {
            let path = entry.path();
            // An ancestor of the scope is entered only to reach it (and to read its ignore
            // file); its other children are left alone.
            let in_scope = scope
                .as_ref()
                .is_none_or(|scope| scope.starts_with(path) || path.starts_with(scope));
            in_scope && !is_skipped_dir(entry.file_name()) && !exclude.iter().any(|x| path == x)
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                listing.skipped.push(skipped_from(&err));
                continue;
            }
        };
        if !entry
            .file_type()
            .is_some_and(|t| t.is_file() || t.is_symlink())
        {
            continue;
        }
        let path = entry.path();
        let Some(kind) = extract::kind_of(path) else {
            continue;
        };
        // `metadata()` follows links (the walker does), so a link to a FIFO or a device is not
        // mistaken for a file: reading one could block indexing forever.
        match entry.metadata() {
            Ok(meta) if meta.is_file() => listing.files.push(Seen {
                path: path.to_path_buf(),
                kind,
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
            }),
            Ok(_) => listing.skipped.push(Skipped {
                path: path.display().to_string(),
                reason: "not a regular file".into(),
            }),
            Err(err) => listing.skipped.push(skipped_from(&err)),
        }
    }
    listing.files.sort_by(|a, b| a.path.cmp(&b.path));
    listing
}

/// The file system a folder is on (its device number), where the platform says.
pub fn device(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| m.dev())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether a root's folder is there. An unmounted drive often leaves its mount point behind,
/// an empty folder on another file system: that is the drive being away, not every file on it
/// deleted, so a root found empty on a file system other than the one it was seen on
/// (`device_seen`) is not there either.
pub fn root_present(root: &Path, device_seen: Option<u64>) -> bool {
    if !root.is_dir() {
        return false;
    }
    match (device_seen, device(root)) {
        (Some(seen), Some(now)) if seen != now => {
            std::fs::read_dir(root).is_ok_and(|mut entries| entries.next().is_some())
        }
        _ => true,
    }
}

/// Looks at one path: `None` when it is gone, not a regular file, or not a trackable type.
pub fn stat(path: &Path) -> Option<Seen> {
    let kind = extract::kind_of(path)?;
    let meta = std::fs::metadata(path).ok()?;
    meta.is_file().then(|| Seen {
        path: path.to_path_buf(),
        kind,
        size: meta.len(),
        mtime_ns: mtime_ns(&meta),
    })
}

pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

fn skipped_from(err: &ignore::Error) -> Skipped {
    let path = error_path(err)
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let reason = if is_loop(err) {
        "symbolic link loop (a link points back into its own folder)".to_string()
    } else if let Some(io) = err.io_error() {
        match io.kind() {
            std::io::ErrorKind::PermissionDenied => "cannot read: permission denied".to_string(),
            std::io::ErrorKind::NotFound => "vanished while scanning".to_string(),
            _ => format!("cannot read: {io}"),
        }
    } else {
        strip_path(&err.to_string())
    };
    Skipped { path, reason }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

fn strip_path(message: &str) -> String {
    message.rsplit(": ").next().unwrap_or(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(listing: &Listing) -> Vec<String> {
        listing
            .files
            .iter()
            .map(|s| {
                s.path
                    .strip_prefix(&listing.dir)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn skips_hidden_vcs_dependencies_ignored_and_unknown_types() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in [
            "a.jpg",
            "notes/b.md",
            ".hidden/c.md",
            ".d.md",
            ".git/e.md",
            "node_modules/f.md",
            "build/g.md",
            "notes/draft-1.md",
            "keep/h.txt",
            "video.mp4",
        ] {
            let path = root.join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        fs::write(root.join(IGNORE_FILE), "build/\n").unwrap();
        fs::write(root.join("notes").join(IGNORE_FILE), "draft-*\n").unwrap();
        let listing = scan(root, &[]);
        assert!(listing.available);
        assert_eq!(names(&listing), ["a.jpg", "keep/h.txt", "notes/b.md"]);
    }

    /// A small tree with every rule a scoped listing must honour on the way to its scope.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in [
            "a.jpg",
            "notes/b.md",
            "notes/deep/c.md",
            "notes/deep/draft-2.md",
            "notes/draft-1.md",
            "notes/.hidden/d.md",
            ".cache/x.jpg",
            "build/g.md",
            "build/sub/h.md",
            "node_modules/pkg/i.md",
            "photos/j.png",
            "photos/k.mp4",
        ] {
            let path = root.join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        fs::write(root.join(IGNORE_FILE), "build/\n").unwrap();
        fs::write(root.join("notes").join(IGNORE_FILE), "draft-*\n").unwrap();
        dir
    }

    fn relative_to(root: &Path, listing: &Listing) -> Vec<String> {
        let name = |p: &Path| p.strip_prefix(root).unwrap().display().to_string();
        listing.files.iter().map(|s| name(&s.path)).collect()
    }

    #[test]
    fn scope_is_a_subfolder_with_its_ancestors_ignore_files_applied() {
        let dir = tree();
        let root = dir.path();
        let listing = scan_within(root, &root.join("notes"), &[]);
        assert!(listing.available);
        assert_eq!(listing.dir, root.join("notes"));
        assert_eq!(
            relative_to(root, &listing),
            ["notes/b.md", "notes/deep/c.md"]
        );
        let deep = scan_within(root, &root.join("notes/deep"), &[]);
        assert_eq!(relative_to(root, &deep), ["notes/deep/c.md"]);
    }

    #[test]
    fn scope_is_a_single_file() {
        let dir = tree();
        let root = dir.path();
        let listing = scan_within(root, &root.join("notes/b.md"), &[]);
        assert_eq!(relative_to(root, &listing), ["notes/b.md"]);
        assert_eq!(listing.dir, root.join("notes/b.md"));
        let ignored = scan_within(root, &root.join("notes/deep/draft-2.md"), &[]);
        assert!(ignored.files.is_empty());
        let untracked = scan_within(root, &root.join("photos/k.mp4"), &[]);
        assert!(untracked.files.is_empty());
    }

    #[test]
    fn deleted_scope_is_empty_but_available() {
        let dir = tree();
        let root = dir.path();
        let listing = scan_within(root, &root.join("gone/e.jpg"), &[]);
        assert!(listing.available);
        assert!(listing.files.is_empty());
        assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
        let unmounted = scan_within(
            Path::new("/nonexistent/trove-root"),
            Path::new("/nonexistent/trove-root/a"),
            &[],
        );
        assert!(!unmounted.available);
    }

    #[test]
    fn hidden_or_skipped_ancestors_give_nothing() {
        let dir = tree();
        let root = dir.path();
        for scope in [
            ".cache",
            ".cache/x.jpg",
            "notes/.hidden/d.md",
            "node_modules/pkg",
        ] {
            let listing = scan_within(root, &root.join(scope), &[]);
            assert!(listing.files.is_empty(), "{scope}: {:?}", listing.files);
        }
        let excluded = scan_within(root, &root.join("photos/j.png"), &[root.join("photos")]);
        assert!(excluded.files.is_empty());
    }

    #[test]
    fn root_ignore_file_covers_a_scope_in_an_ignored_folder() {
        let dir = tree();
        let root = dir.path();
        for scope in ["build", "build/sub", "build/sub/h.md"] {
            let listing = scan_within(root, &root.join(scope), &[]);
            assert!(listing.files.is_empty(), "{scope}: {:?}", listing.files);
        }
    }

    #[test]
    fn scoped_listing_equals_the_full_scan_filtered_to_the_scope() {
        let dir = tree();
        let root = dir.path();
        let full = scan(root, &[]);
        for scope in [
            "",
            "a.jpg",
            "notes",
            "notes/deep",
            "notes/b.md",
            "photos",
            "build",
            "none",
        ] {
            let scope = root.join(scope);
            let expected: Vec<&Seen> = full
                .files
                .iter()
                .filter(|s| s.path.starts_with(&scope))
                .collect();
            let listing = scan_within(root, &scope, &[]);
            assert_eq!(
                listing.files.iter().collect::<Vec<_>>(),
                expected,
                "{scope:?}"
            );
        }
    }

    #[test]
    fn names_skipped_wherever_they_sit() {
        for name in [".git", ".cache", ".troveignore", "node_modules"] {
            assert!(skipped_by_name(OsStr::new(name)), "{name}");
        }
        for name in ["notes", "a.jpg", "modules"] {
            assert!(!skipped_by_name(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn missing_root_is_unavailable_not_empty() {
        let listing = scan(Path::new("/nonexistent/trove-root"), &[]);
        assert!(!listing.available);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_and_links_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("a/x.md"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("a/x.md"), root.join("y.md")).unwrap();
        let listing = scan(root, &[]);
        assert_eq!(names(&listing), ["a/x.md", "y.md"]);
        assert_eq!(listing.skipped.len(), 1, "{:?}", listing.skipped);
        assert!(listing.skipped[0].reason.contains("loop"));
    }
}
