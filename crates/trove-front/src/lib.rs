//! What Trove's UI asks of the engine, whichever host carries it: `trove serve` answers it over
//! HTTP, the desktop app over Tauri's IPC. [`Front`] holds what a running UI shares beyond the
//! [`Library`] facade (the service's latest events, the photos dropped into it, the settings
//! file) and has one blocking method per UI call; the hosts only translate requests into these
//! calls and the answers (or [`FrontError`]s) back, so neither holds logic the other needs.
//!
//! The UI's TypeScript types (`ui/src/lib/api/types.ts`) are generated from [`types`] and the
//! facade's types by ts-rs (`tests/types.rs`).

mod error;
pub mod files;
mod hub;
mod roots;
mod settings;
pub mod types;
mod uploads;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use trove_core::api::{
    FailedFile, ItemDetails, ModelEntry, RootInfo, SearchRequest, SearchResults, ServedFile, Status,
};
use trove_core::api::{Service, ServiceEvent};
use trove_core::{ItemRef, Library};

pub use error::{FrontError, FrontResult};
pub use hub::{Hub, Latest, Published};
pub use uploads::{Uploads, check_declared as check_upload_type};

use crate::types::{
    Paused, RootsChange, Running, ServiceView, SettingsUpdate, SettingsView, Upload,
};

/// Largest photo accepted for "search by this photo".
pub const UPLOAD_LIMIT: usize = 32 << 20;

/// A running UI's side of the engine.
pub struct Front {
    pub library: Arc<Library>,
    pub hub: Arc<Hub>,
    pub uploads: Uploads,
    /// The settings file the settings screen edits, when there is one.
    pub settings_path: Option<PathBuf>,
}

impl Front {
    pub fn new(library: Arc<Library>, hub: Arc<Hub>) -> Front {
        Front {
            library,
            hub,
            uploads: Uploads::default(),
            settings_path: trove_core::api::settings_path(),
        }
    }

    /// Starts the engine service (watcher and indexing) in the background, its events going to
    /// the hub (and to `also`: the CLI's printer, the desktop's tray). `Ok(None)` when another
    /// process already keeps this library up to date: the UI then reads, and hands work over
    /// to it; when that process is a plain `trove index`, which takes no work, `dirs` are not
    /// added and a problem event says so.
    pub fn start_service(
        &self,
        dirs: &[PathBuf],
        also: impl FnMut(&ServiceEvent) + Send + 'static,
    ) -> trove_core::Result<Option<Service>> {
        // Both the service and (when it cannot start here) this function speak to the host.
        let also = Arc::new(Mutex::new(also));
        let publish = {
            let (hub, also) = (self.hub.clone(), also.clone());
            move |event: &ServiceEvent| {
                hub.publish(event);
                (also.lock().unwrap_or_else(PoisonError::into_inner))(event);
            }
        };
        let service = match self.library.start_service(dirs, Box::new(publish.clone())) {
            Ok(service) => Some(service),
            Err(trove_core::Error::Busy { holder, .. }) => {
                tracing::info!("not indexing here: {holder}");
                // A plain `trove index` holds the library: it takes no requests, so the
                // folders are not added, and the person is told so rather than left waiting.
                if !dirs.is_empty() && self.library.hand_over(dirs)?.is_none() {
                    let folders: Vec<String> = dirs
                        .iter()
                        .map(|d| trove_core::api::display_path(d))
                        .collect();
                    publish(&ServiceEvent::Problem {
                        message: format!(
                            "{} not added: the library is busy ({holder}); add {} again when \
                             it has finished",
                            folders.join(", "),
                            if folders.len() == 1 { "it" } else { "them" }
                        ),
                    });
                }
                None
            }
            Err(e) => return Err(e),
        };
        self.hub.set_running_here(service.is_some());
        Ok(service)
    }

    pub fn status(&self) -> FrontResult<Status> {
        Ok(self.library.status()?)
    }

    /// What the background service is doing, wherever it runs.
    pub fn service(&self) -> FrontResult<ServiceView> {
        let status = self.library.status()?;
        let latest = self.hub.latest();
        let running = self.hub.running(status.service.is_some());
        Ok(ServiceView {
            running,
            holder: match running {
                Running::Elsewhere => status
                    .service
                    .as_ref()
                    .map(|s| format!("Trove (pid {})", s.pid)),
                _ => None,
            },
            models: latest.models,
            watching: latest.watching,
            activity: latest.activity,
            paused: status.paused,
            problem: latest.problem,
        })
    }

    /// `like` names a library photo by id or a dropped one as `upload:<id>`; never a path,
    /// which would let a page read any image on the machine.
    pub fn search(&self, request: &SearchRequest) -> FrontResult<SearchResults> {
        let like = match request.like.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(like) => Some(self.photo_ref(like)?),
        };
        Ok(self.library.search_by(request, like.as_ref())?)
    }

    fn photo_ref(&self, like: &str) -> FrontResult<ItemRef> {
        if let Some(upload) = like.strip_prefix("upload:") {
            return self.uploads.get(upload).map(ItemRef::Image).ok_or_else(|| {
                FrontError::NotFound("that dropped photo is no longer kept; drop it again".into())
            });
        }
        like.parse().map(ItemRef::Id).map_err(|_| {
            FrontError::Invalid(format!(
                "`like` is a photo's id or `upload:<id>` of a dropped photo, not {like:?}"
            ))
        })
    }

    pub fn similar(&self, id: i64, limit: Option<usize>) -> FrontResult<SearchResults> {
        let limit = limit.unwrap_or(trove_core::api::DEFAULT_LIMIT);
        Ok(self.library.similar(&ItemRef::Id(id), limit)?)
    }

    /// A photo given to search by, as bytes (the browser's upload); `declared` is the type
    /// the sender claims, which must at least say it is an image.
    pub fn upload(&self, bytes: Arc<[u8]>, declared: Option<&str>) -> FrontResult<Upload> {
        uploads::check_declared(declared)?;
        self.uploads.add(bytes)
    }

    /// A photo the user dropped on the desktop window from the file manager: the path comes
    /// from the operating system's drop, never from the page.
    pub fn upload_dropped(&self, path: &Path) -> FrontResult<Upload> {
        self.uploads.add(uploads::read_dropped(path)?)
    }

    pub fn item(&self, id: i64) -> FrontResult<ItemDetails> {
        Ok(self.library.show(&ItemRef::Id(id))?)
    }

    /// An indexed file to serve (thumbnail, original, open, reveal), by id only.
    pub fn served(&self, id: i64) -> FrontResult<ServedFile> {
        self.library
            .served_file(id)?
            .ok_or_else(|| FrontError::NotFound(format!("no indexed file with id {id}")))
    }

    /// An indexed photo as a page shows it large: the original where every web view displays
    /// its format, else a JPEG rendition (see [`files::VIEW_SIZE`]).
    pub fn view(&self, id: i64) -> FrontResult<files::Viewed> {
        let file = self.served(id)?;
        if files::shown_as_is(file.photo_format.as_deref()) {
            return Ok(files::Viewed::Original(file));
        }
        Ok(files::Viewed::Rendered(trove_core::api::render_photo(
            &file.path,
            files::VIEW_SIZE,
        )?))
    }

    pub fn roots(&self) -> FrontResult<Vec<RootInfo>> {
        Ok(self.library.roots()?)
    }

    /// The running service adds and indexes the folder in the background (progress comes as
    /// events); without a service it is added here, to be indexed at the next start.
    pub fn add_root(&self, path: &str) -> FrontResult<RootsChange> {
        roots::add(&self.library, &roots::folder(path)?)
    }

    /// The library forgets the folder; its files are never touched.
    pub fn remove_root(&self, path: &str) -> FrontResult<RootsChange> {
        roots::remove(&self.library, &roots::folder(path)?)
    }

    pub fn failed(&self) -> FrontResult<Vec<FailedFile>> {
        Ok(self.library.failed()?)
    }

    pub fn models(&self) -> FrontResult<Vec<ModelEntry>> {
        Ok(self.library.models()?)
    }

    pub fn settings(&self) -> FrontResult<SettingsView> {
        settings::view(self)
    }

    pub fn save_settings(&self, update: &SettingsUpdate) -> FrontResult<SettingsView> {
        settings::update(self, update)
    }

    pub fn pause(&self) -> FrontResult<Paused> {
        self.library.pause()?;
        Ok(Paused { paused: true })
    }

    pub fn resume(&self) -> FrontResult<Paused> {
        self.library.resume()?;
        Ok(Paused { paused: false })
    }
}

/// An item id as a URL or a page names it. Anything else (a path, `..`) is simply not an
/// item: not found.
pub fn item_id(text: &str) -> FrontResult<i64> {
    text.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| FrontError::NotFound(format!("no item {text:?}")))
}

/// Keeps a file of the UI that is generated from Rust (its types, the desktop's command
/// bindings) in step: with `TROVE_UPDATE_TYPES` set it writes `generated` to `file`, else it
/// panics when the committed file differs, saying how to regenerate it (`how`). For the tests
/// that own those files.
pub fn check_generated(file: &str, generated: &str, how: &str) {
    if std::env::var_os("TROVE_UPDATE_TYPES").is_some() {
        std::fs::write(file, generated).unwrap_or_else(|e| panic!("cannot write {file}: {e}"));
        return;
    }
    let committed = std::fs::read_to_string(file).unwrap_or_default();
    assert!(
        committed == generated,
        "{file} is out of date with the Rust code; regenerate it with\n  \
         TROVE_UPDATE_TYPES=1 {how}\n(and adapt the UI)"
    );
}

/// 128 random bits, hex: the server's per-launch key, upload ids.
pub fn new_token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
