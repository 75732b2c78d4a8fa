//! The writer: the one connection allowed to change a library, guarded by an OS file lock.
//!
//! The lock is advisory and held through an open file (`File::try_lock`), so the OS releases it
//! when the process dies — even by kill -9 — and a stale lock can never block the library.
//! The lock file also records who holds it, so the "busy" message can say which process.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Seek, Write};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::Layout;
use crate::error::{Error, Result};

pub struct Writer {
    pub conn: Connection,
    _lock: File,
}

/// The second line of the lock file of a process that runs the service: it takes requests
/// through the library's inbox (see `service::control`).
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
                return Err(Error::Busy {
                    path: layout.dir.clone(),
                    holder: holder_note(layout)
                        .map(|note| note.holder)
                        .unwrap_or_else(|| "another Trove process is writing to it".into()),
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", path.display()), e));
            }
        }
        // Best effort: the note only improves the busy message of other processes and tells
        // them whether this one takes requests. One write of the whole note, so that a reader
        // sees it whole or not at all (see `holder_note`).
        let note = format!(
            "Trove (pid {}) is {purpose}\n{}",
            std::process::id(),
            if service {
                format!("{SERVICE_MARK}\n")
            } else {
                String::new()
            }
        );
        let _ = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(note.as_bytes()));
        let conn = super::open_writer(layout)?;
        Ok(Writer { conn, _lock: file })
    }
}

impl Drop for Writer {
    /// The note goes with the lock: a process that ended cleanly leaves none behind to be
    /// taken for a running service (one killed leaves its note, which names a process gone).
    fn drop(&mut self) {
        let _ = self._lock.set_len(0);
    }
}

/// Whether the process `pid` is running.
#[cfg(unix)]
pub(crate) fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 checks that the process exists and sends nothing.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub(crate) fn alive(_pid: u32) -> bool {
    true
}

/// What the writer lock's holder says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HolderNote {
    /// "Trove (pid 123) is indexing".
    pub holder: String,
    /// The holder runs the service and takes requests through the inbox.
    pub service: bool,
}

/// How long a note that is being written is read again before it is taken as it is.
const NOTE_WAIT: Duration = Duration::from_millis(500);

/// The note in the lock file; `None` when there is none. The holder writes it just after
/// taking the lock, newline-ended: a note read empty or without its final newline is being
/// written, and is read again for up to [`NOTE_WAIT`] (an older Trove's note has no final
/// newline, and is then taken as it is).
pub(crate) fn holder_note(layout: &Layout) -> Option<HolderNote> {
    let deadline = Instant::now() + NOTE_WAIT;
    loop {
        let text = match std::fs::read_to_string(layout.lock_file()) {
            Ok(text) => text,
            // Nobody ever took the lock (a holder creates the file before it locks it).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(_) => String::new(),
        };
        if text.ends_with('\n') || Instant::now() >= deadline {
            let mut lines = text.lines();
            let holder = lines.next()?.trim().to_string();
            if holder.is_empty() {
                return None;
            }
            // A note whose process is gone (killed: a clean exit clears it) says nothing.
            let pid = holder
                .split_once("(pid ")
                .and_then(|(_, rest)| rest.split_once(')'))
                .and_then(|(pid, _)| pid.parse::<u32>().ok());
            if pid.is_some_and(|pid| !alive(pid)) {
                return None;
            }
            let service = lines.any(|l| l.trim() == SERVICE_MARK);
            return Some(HolderNote { holder, service });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_note_names_the_holder_and_whether_it_takes_requests() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        assert_eq!(holder_note(&layout), None);
        let service = Writer::acquire_as(&layout, "watching", true).unwrap();
        let note = holder_note(&layout).unwrap();
        assert!(note.service);
        assert_eq!(
            note.holder,
            format!("Trove (pid {}) is watching", std::process::id())
        );
        drop(service);
        assert_eq!(
            holder_note(&layout),
            None,
            "a clean release clears the note"
        );
        let _plain = Writer::acquire(&layout, "indexing").unwrap();
        assert!(!holder_note(&layout).unwrap().service);
    }

    #[cfg(unix)]
    #[test]
    fn the_note_of_a_process_that_is_gone_says_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        // What a service killed with -9 leaves: its note, naming a process that has ended.
        let mut ended = std::process::Command::new("true").spawn().unwrap();
        ended.wait().unwrap();
        let note = format!("Trove (pid {}) is watching\n{SERVICE_MARK}\n", ended.id());
        std::fs::write(layout.lock_file(), note).unwrap();
        assert_eq!(holder_note(&layout), None);
    }

    #[test]
    fn a_note_without_its_final_newline_is_read_again_then_taken_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        // What an older Trove wrote (or a reader sees mid-write).
        std::fs::write(
            layout.lock_file(),
            format!("Trove (pid 7) is watching\n{SERVICE_MARK}"),
        )
        .unwrap();
        let started = Instant::now();
        let note = holder_note(&layout).unwrap();
        assert!(started.elapsed() >= NOTE_WAIT);
        assert_eq!(note.holder, "Trove (pid 7) is watching");
        assert!(note.service);
        std::fs::write(layout.lock_file(), "").unwrap();
        assert_eq!(holder_note(&layout), None);
    }
}
