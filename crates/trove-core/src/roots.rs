//! The library's folders (roots): which folder may become one, adding it (covering, or merged
//! with, the roots inside it) and removing one with everything indexed under it. Used by the
//! facade and by the service, which adds and removes the folders it is handed.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::paths;
use crate::pipeline;
use crate::store::{Layout, Writer, write};
use crate::types::{RemoveReport, RootAdded};

/// The key a root is stored under: canonical when the folder exists, else absolute (a root on
/// an unplugged drive can still be removed).
pub(crate) fn root_key(dir: &Path) -> PathBuf {
    dir.canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf())
}

/// A folder that can become a root, canonical; a user error says why not.
pub(crate) fn checked_root(layout: &Layout, dir: &Path) -> Result<PathBuf> {
    let canonical = dir
        .canonicalize()
        .map_err(|e| Error::Invalid(format!("cannot add {}: {}", dir.display(), io_reason(&e))))?;
    if !canonical.is_dir() {
        return Err(Error::Invalid(format!(
            "cannot add {}: not a folder",
            dir.display()
        )));
    }
    if layout.dir.canonicalize().is_ok_and(|lib| lib == canonical) {
        return Err(Error::Invalid(format!(
            "cannot add {}: it is the library folder itself",
            dir.display()
        )));
    }
    Ok(canonical)
}

pub(crate) fn not_a_root(dir: &Path) -> Error {
    Error::NotFound(format!(
        "{} is not a folder of this library (see `trove roots`)",
        dir.display()
    ))
}

/// Removes a root and everything indexed under it (the files on disk are not touched).
pub(crate) fn remove_root(
    writer: &mut Writer,
    layout: &Layout,
    dir: &Path,
) -> Result<RemoveReport> {
    let wanted = root_key(dir);
    let tx = writer.conn.transaction()?;
    let root = write::roots(&tx)?.into_iter().find(|(_, p)| *p == wanted);
    let Some((root_id, path)) = root else {
        return Err(not_a_root(dir));
    };
    let (files_removed, dropped) = write::remove_root(&tx, root_id)?;
    tx.commit()?;
    pipeline::remove_thumbnails(layout, &dropped);
    Ok(RemoveReport {
        root: paths::display(&path),
        files_removed,
    })
}

pub(crate) fn add_roots(
    writer: &mut Writer,
    layout: &Layout,
    dirs: &[PathBuf],
) -> Result<Vec<RootAdded>> {
    let mut results = Vec::new();
    for dir in dirs {
        let canonical = checked_root(layout, dir)?;
        let tx = writer.conn.transaction()?;
        let existing = write::roots(&tx)?;
        let path = paths::display(&canonical);
        let result = if existing.iter().any(|(_, p)| *p == canonical) {
            RootAdded::AlreadyPresent { path }
        } else if let Some((_, parent)) = existing.iter().find(|(_, p)| canonical.starts_with(p)) {
            RootAdded::Covered {
                path,
                by: paths::display(parent),
            }
        } else {
            let id = write::add_root(&tx, &canonical)?;
            let mut replaced = Vec::new();
            for (child_id, child) in existing.iter().filter(|(_, p)| p.starts_with(&canonical)) {
                write::merge_root(&tx, *child_id, id)?;
                replaced.push(paths::display(child));
            }
            if replaced.is_empty() {
                RootAdded::Added { path }
            } else {
                RootAdded::Merged { path, replaced }
            }
        };
        tx.commit()?;
        results.push(result);
    }
    Ok(results)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
