//! The facade's side of the service: starting it, pausing and resuming indexing, and handing a
//! running service work from any process (see `service::control` for how).

use std::path::PathBuf;

use super::{HandedOver, Library};
use crate::error::Result;
use crate::roots;
use crate::service::{self, OnEvent, Service, control};

impl Library {
    /// Starts the service on this library in background threads, adding `dirs` as roots
    /// first. Fails at once when another process owns writing to the library.
    pub fn start_service(&self, dirs: &[PathBuf], on_event: OnEvent) -> Result<Service> {
        let setup = service::Setup {
            indexing: self.indexing(self.settings.index.service_pace()),
            models: self.settings.models.clone(),
            watch: self.settings.watch.clone(),
        };
        service::start(setup, dirs, on_event)
    }

    /// Pauses indexing: the running service (in this process or another) holds its workers
    /// within a file, and stays paused across restarts until [`Library::resume`].
    pub fn pause(&self) -> Result<()> {
        control::pause(&self.layout)?;
        self.gate.set_paused(true);
        Ok(())
    }

    pub fn resume(&self) -> Result<()> {
        control::resume(&self.layout)?;
        self.gate.set_paused(false);
        Ok(())
    }

    pub fn is_paused(&self) -> bool {
        control::is_paused(&self.layout)
    }

    /// When another process runs the service on this library, hands it `dirs` to add and
    /// index (all roots, when empty) and returns who took them; `None` when the writer is not
    /// a service (a plain `trove index`), which cannot take work.
    pub fn hand_over(&self, dirs: &[PathBuf]) -> Result<Option<HandedOver>> {
        let Some(holder) = control::service_holder(&self.layout) else {
            return Ok(None);
        };
        let mut request = control::Request {
            rescan: dirs.is_empty(),
            ..Default::default()
        };
        let mut folders = Vec::new();
        for dir in dirs {
            let canonical = roots::checked_root(&self.layout, dir)?;
            folders.push(crate::paths::display(&canonical));
            request.add_roots.push(canonical.into_os_string());
        }
        control::send(&self.layout, &request)?;
        Ok(Some(HandedOver { holder, folders }))
    }

    /// When a service runs on this library (in this process or another), hands it roots to
    /// remove; `None` when none runs (then [`Library::remove_root`] does it at once).
    pub fn hand_over_removal(&self, dirs: &[PathBuf]) -> Result<Option<HandedOver>> {
        let Some(holder) = control::service_holder(&self.layout) else {
            return Ok(None);
        };
        // The stored paths, not their display (which is lossy for names that are not UTF-8).
        let known: Vec<PathBuf> = match self.read_connection()? {
            Some(conn) => crate::store::write::roots(&conn)?
                .into_iter()
                .map(|(_, path)| path)
                .collect(),
            None => Vec::new(),
        };
        let mut request = control::Request::default();
        let mut folders = Vec::new();
        for dir in dirs {
            let key = roots::root_key(dir);
            if !known.contains(&key) {
                return Err(roots::not_a_root(dir));
            }
            folders.push(crate::paths::display(&key));
            request.remove_roots.push(key.into_os_string());
        }
        control::send(&self.layout, &request)?;
        Ok(Some(HandedOver { holder, folders }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::store::Writer;

    #[test]
    fn only_a_service_takes_handed_over_work() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::open(dir.path(), Settings::default());
        let folder = tempfile::tempdir().unwrap();
        let plain = library.writer("indexing").unwrap();
        assert!(
            library
                .hand_over(&[folder.path().into()])
                .unwrap()
                .is_none()
        );
        drop(plain);
        let _service = Writer::acquire_as(&library.layout, "watching", true).unwrap();
        let handed = library.hand_over(&[folder.path().into()]).unwrap().unwrap();
        assert!(handed.holder.contains("is watching"), "{}", handed.holder);
        let requests = control::receive(&library.layout);
        assert_eq!(requests.len(), 1);
        assert_eq!(
            PathBuf::from(&requests[0].1.add_roots[0]),
            folder.path().canonicalize().unwrap()
        );
    }

    /// Seen in review: a service that had ended cleanly left its lock note behind, and the
    /// next removal from the UI was handed to it, into an inbox nobody read.
    #[test]
    fn a_service_that_had_ended_was_handed_a_removal() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::open(dir.path(), Settings::default());
        let folder = tempfile::tempdir().unwrap();
        drop(Writer::acquire_as(&library.layout, "watching", true).unwrap());
        assert!(
            library
                .hand_over_removal(&[folder.path().into()])
                .unwrap()
                .is_none()
        );
        assert!(control::receive(&library.layout).is_empty());
    }

    #[test]
    fn a_pause_is_seen_by_every_handle_and_resume_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let one = Library::open(dir.path(), Settings::default());
        let other = Library::open(dir.path(), Settings::default());
        one.pause().unwrap();
        assert!(other.is_paused());
        other.resume().unwrap();
        assert!(!one.is_paused());
        other.resume().unwrap(); // resuming twice is fine
    }
}
