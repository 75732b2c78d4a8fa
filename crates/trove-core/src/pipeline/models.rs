//! Which models a run embeds with: the user's choice, else what the library was last told, else
//! the registry's defaults; fetched on first use, loaded onto the device and recorded as the
//! library's targets. A role whose model cannot be had is reported with what to do, and indexing
//! goes on without it.

use std::sync::Arc;

use rusqlite::Connection;
use serde::Serialize;

use super::Models;
use crate::embed::download::{DownloadEvent, Hub};
use crate::embed::select::{self, ModelSettings, Wanted};
use crate::embed::{self, Location, Model, device};
use crate::error::Result;
use crate::store::vectors;
use crate::types::Role;

/// How a role's model stands for one run.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ModelUse {
    pub role: Role,
    /// The model's id, when one is loaded.
    pub id: Option<String>,
    /// "loaded", "off" (the user turned the role off) or "unavailable".
    pub state: &'static str,
    pub device: Option<String>,
    /// What is missing and how to fix it, when unavailable.
    pub notice: Option<String>,
}

/// The model hub, online unless the settings say offline.
pub fn hub(settings: &ModelSettings) -> Hub {
    Hub::from_env(settings.offline)
}

/// What `role` should embed with: the user's explicit choice, else what this library was
/// last told, else the registry default. The flag says whether the user chose it now.
pub fn wanted(settings: &ModelSettings, conn: &Connection, role: Role) -> Result<(Wanted, bool)> {
    if let Some(w) = settings.wanted(role)? {
        return Ok((w, true));
    }
    if vectors::is_off(conn, role)? {
        return Ok((Wanted::Off, false));
    }
    if let Some(recorded) = vectors::target(conn, role)? {
        match recorded.location {
            Location::Folder { path } => return Ok((Wanted::Folder(path), false)),
            Location::Registry { id } => {
                if let Ok(spec) = select::lookup(&id, role) {
                    return Ok((Wanted::Registry(spec), false));
                }
            }
        }
    }
    Ok((select::default_for(role), false))
}

/// Gets the models of an index run onto the device, downloading on first use, and records
/// them as the library's targets.
pub fn prepare(
    settings: &ModelSettings,
    conn: &Connection,
    on_download: &mut dyn FnMut(DownloadEvent),
) -> Result<(Models, Vec<ModelUse>)> {
    let device = device::select(settings.device)?;
    let hub = hub(settings);
    let mut models = Models::default();
    let mut uses = Vec::new();
    for role in [Role::Bridge, Role::Text] {
        let (wanted, explicit) = wanted(settings, conn, role)?;
        if explicit {
            vectors::set_off(conn, role, wanted == Wanted::Off)?;
        }
        if wanted == Wanted::Off {
            uses.push(ModelUse {
                role,
                id: None,
                state: "off",
                device: None,
                notice: None,
            });
            continue;
        }
        match load(&wanted, role, &hub, &device, &mut *on_download) {
            Ok(model) => {
                vectors::set_target(conn, &model.info)?;
                uses.push(ModelUse {
                    role,
                    id: Some(model.info.id.clone()),
                    state: "loaded",
                    device: Some(model.info.device.clone()),
                    notice: None,
                });
                match role {
                    Role::Bridge => models.bridge = Some(model),
                    Role::Text => models.text = Some(model),
                }
            }
            Err(e) if explicit && matches!(wanted, Wanted::Folder(_)) => return Err(e.into()),
            Err(e) => uses.push(ModelUse {
                role,
                id: None,
                state: "unavailable",
                device: None,
                notice: Some(unavailable_notice(
                    role,
                    &wanted,
                    &e,
                    models.bridge.is_some(),
                )),
            }),
        }
    }
    Ok((models, uses))
}

/// Fetches (if need be) and loads the model `wanted` for `role`.
pub fn load(
    wanted: &Wanted,
    role: Role,
    hub: &Hub,
    device: &device::Selected,
    on_event: &mut dyn FnMut(DownloadEvent),
) -> Result<Arc<Model>, embed::EmbedError> {
    let dir = select::folder(wanted, hub, on_event)?.ok_or_else(|| {
        embed::EmbedError::Unsupported(format!("the {} model is turned off", role.as_str()))
    })?;
    let spec = match wanted {
        Wanted::Registry(spec) => Some(*spec),
        _ => None,
    };
    embed::shared::load(&dir, spec, Some(role), device)
}

/// The notice for a role left without a model: why, and the ways to fix it.
fn unavailable_notice(role: Role, wanted: &Wanted, e: &embed::EmbedError, bridge: bool) -> String {
    let consequence = match (role, bridge) {
        (Role::Bridge, _) => "photos are indexed without vectors and search uses keywords only",
        (Role::Text, true) => "notes are searched by keywords and the bridge model only",
        (Role::Text, false) => "notes are searched by keywords only",
    };
    format!(
        "no {} model ({}): {consequence}.\n{e}",
        role.as_str(),
        wanted.describe()
    )
}
