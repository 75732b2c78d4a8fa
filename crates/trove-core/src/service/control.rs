//! Control of a running service from any process: pausing and resuming indexing, and handing
//! it work (`trove index DIR` while `trove watch` owns the library).
//!
//! Both go through files in the library folder rather than a socket: they need no server,
//! work the same on every platform, and survive the service restarting. Pausing is a marker
//! file (so a pause also holds across restarts, until resumed); requests are JSON files in
//! `inbox/`, written under a temporary name and renamed so the service never reads half of one.

use std::ffi::OsString;
use std::fs::File;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Layout;

/// Work handed to the running service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Request {
    /// Folders to add as roots (canonical; `OsString` keeps names that are not UTF-8).
    pub add_roots: Vec<OsString>,
    /// Roots to forget, with everything indexed under them (the files are not touched).
    pub remove_roots: Vec<OsString>,
    /// List every root again (what `trove index` without folders asks for).
    pub rescan: bool,
}

/// Who took work handed over, and which folders.
#[derive(Debug, Clone, Serialize)]
pub struct HandedOver {
    /// Who took the request, as its lock file says ("Trove (pid 123) is watching …").
    pub holder: String,
    pub folders: Vec<String>,
}

/// Pauses indexing: the running service (in this process or another) holds its workers within
/// a file, and stays paused across restarts until [`resume`].
pub(crate) fn pause(layout: &Layout) -> Result<()> {
    std::fs::create_dir_all(&layout.dir)
        .and_then(|_| File::create(layout.pause_file()).map(drop))
        .map_err(|e| Error::io("cannot pause indexing", e))
}

pub(crate) fn resume(layout: &Layout) -> Result<()> {
    match std::fs::remove_file(layout.pause_file()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot resume indexing", e)),
    }
}

pub(crate) fn is_paused(layout: &Layout) -> bool {
    layout.pause_file().exists()
}

/// What the service running on this library last said, unless none runs (a stale file left by
/// a process that was killed names a process that is gone).
pub(crate) fn running_service(layout: &Layout) -> Option<super::ServiceState> {
    let bytes = std::fs::read(layout.service_file()).ok()?;
    let state: super::ServiceState = serde_json::from_slice(&bytes).ok()?;
    crate::store::lock::alive(state.pid).then_some(state)
}

/// The first line of the lock file when its holder is a service.
pub(crate) fn service_holder(layout: &Layout) -> Option<String> {
    crate::store::lock::holder_note(layout)
        .filter(|note| note.service)
        .map(|note| note.holder)
}

pub(crate) fn send(layout: &Layout, request: &Request) -> Result<()> {
    let dir = layout.inbox_dir();
    let fail = |e| Error::io(format!("cannot hand the request to {}", dir.display()), e);
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = format!("{stamp}-{}", std::process::id());
    let json = serde_json::to_vec(request).map_err(|e| Error::Internal(e.to_string()))?;
    crate::paths::write_whole(&dir.join(format!("{name}.json")), &json).map_err(fail)
}

/// Every complete request in the inbox with its file, oldest first; [`done`] removes one once
/// handled. A request that cannot be read is dropped with a warning: it must not block the
/// ones after it.
pub(crate) fn receive(layout: &Layout) -> Vec<(PathBuf, Request)> {
    let Ok(entries) = std::fs::read_dir(layout.inbox_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let parsed = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()));
            match parsed {
                Ok(request) => Some((path, request)),
                Err(e) => {
                    tracing::warn!("dropped request {}: {e}", path.display());
                    done(&path);
                    None
                }
            }
        })
        .collect()
}

pub(crate) fn done(request: &std::path::Path) {
    let _ = std::fs::remove_file(request);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_reach_the_service_once_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let first = Request {
            add_roots: vec!["/a".into()],
            remove_roots: vec!["/b".into()],
            rescan: false,
        };
        send(&layout, &first).unwrap();
        send(
            &layout,
            &Request {
                rescan: true,
                ..Default::default()
            },
        )
        .unwrap();
        // A request written before removals existed still reads.
        std::fs::write(
            layout.inbox_dir().join("0-old.json"),
            r#"{"add_roots":[],"rescan":true}"#,
        )
        .unwrap();
        let got = receive(&layout);
        assert_eq!(got.len(), 3);
        assert!(got[0].1.rescan && got[0].1.remove_roots.is_empty());
        let got = got[1..].to_vec();
        assert_eq!(got[0].1, first);
        assert!(got[1].1.rescan);
        // Until handled, a request stays.
        assert_eq!(receive(&layout).len(), 3);
        receive(&layout).iter().for_each(|(file, _)| done(file));
        assert!(receive(&layout).is_empty());
    }
}
