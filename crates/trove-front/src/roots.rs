//! Adding and removing the library's folders from the UI: handed to the running service when
//! there is one (it owns the writer), else done here.

use std::path::{Path, PathBuf};

use trove_core::Library;
use trove_core::api::RootAdded;

use crate::types::RootsChange;
use crate::{FrontError, FrontResult};

pub fn add(library: &Library, dir: &Path) -> FrontResult<RootsChange> {
    let dir = dir.to_path_buf();
    if let Some(handed) = library.hand_over(std::slice::from_ref(&dir))? {
        let message = format!("indexing {} in the background", handed.folders.join(", "));
        return Ok(RootsChange {
            folders: handed.folders,
            message,
        });
    }
    let added = library.add_roots(&[dir])?;
    let folders: Vec<String> = added.iter().map(|a| added_path(a).to_string()).collect();
    Ok(RootsChange {
        message: format!(
            "added {}; nothing indexes it until Trove runs again",
            folders.join(", ")
        ),
        folders,
    })
}

fn added_path(added: &RootAdded) -> &str {
    use RootAdded::*;
    match added {
        Added { path } | AlreadyPresent { path } | Covered { path, .. } | Merged { path, .. } => {
            path
        }
    }
}

pub fn remove(library: &Library, dir: &Path) -> FrontResult<RootsChange> {
    let dir = dir.to_path_buf();
    if let Some(handed) = library.hand_over_removal(std::slice::from_ref(&dir))? {
        let message = format!("removing {} from the library", handed.folders.join(", "));
        return Ok(RootsChange {
            folders: handed.folders,
            message,
        });
    }
    let report = library.remove_root(&dir)?;
    Ok(RootsChange {
        message: format!(
            "removed {} ({} files forgotten; nothing on disk was touched)",
            report.root, report.files_removed
        ),
        folders: vec![report.root],
    })
}

/// A folder as a person types it: a full path, or one under `~/`.
pub fn folder(path: &str) -> FrontResult<PathBuf> {
    let path = path.trim();
    if path.is_empty() {
        return Err(FrontError::Invalid("name a folder".into()));
    }
    let path = match path.strip_prefix("~/") {
        Some(rest) => std::env::home_dir()
            .map(|home| home.join(rest))
            .unwrap_or_else(|| PathBuf::from(path)),
        None => PathBuf::from(path),
    };
    if !path.is_absolute() {
        return Err(FrontError::Invalid(format!(
            "{} is not a full path (start it with / or ~/)",
            path.display()
        )));
    }
    Ok(path)
}
