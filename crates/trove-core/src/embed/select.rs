//! Model selection: from what the user asked for (`--model`, `--model-dir`, the settings file,
//! or nothing) to a model folder on disk, downloading registry models on first use.
//!
//! Nothing here decides *policy* when a model is unavailable; it reports why, and the caller
//! (the library facade) carries on without vectors for that role and says so.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::EmbedError;
use super::device::DeviceChoice;
use super::download::{DownloadEvent, Hub};
use super::models::{self, ModelSpec};
use crate::types::Role;

/// The models a library should use, as settings (`[models]` in the config file) or flags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSettings {
    /// Bridge model id from the registry, or "none" for no bridge model.
    pub model: Option<String>,
    /// A bridge model folder in the hub's layout (wins over `model`; `TROVE_MODEL_DIR` stands
    /// in for it when no flag names a bridge model: [`ModelChoice::or_from_env`]).
    pub model_dir: Option<PathBuf>,
    /// Text model id from the registry, or "none".
    pub text_model: Option<String>,
    /// A text model folder (`TROVE_TEXT_MODEL_DIR`, likewise).
    pub text_model_dir: Option<PathBuf>,
    pub device: DeviceChoice,
    /// Never touch the network (also `HF_HUB_OFFLINE=1`).
    pub offline: bool,
}

/// Models chosen for one run, outside the settings file (flags; the environment for a role no
/// flag names): a role chosen here replaces the file's choice for that role.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelChoice {
    pub model: Option<String>,
    pub model_dir: Option<PathBuf>,
    pub text_model: Option<String>,
    pub text_model_dir: Option<PathBuf>,
}

impl ModelChoice {
    /// `TROVE_MODEL_DIR` and `TROVE_TEXT_MODEL_DIR` stand in for a role not chosen yet.
    pub fn or_from_env(mut self) -> ModelChoice {
        let env_dir = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if self.model.is_none() && self.model_dir.is_none() {
            self.model_dir = env_dir("TROVE_MODEL_DIR");
        }
        if self.text_model.is_none() && self.text_model_dir.is_none() {
            self.text_model_dir = env_dir("TROVE_TEXT_MODEL_DIR");
        }
        self
    }
}

impl ModelSettings {
    /// Applies a run's choice over the settings file's.
    pub fn choose(&mut self, choice: &ModelChoice) {
        if choice.model.is_some() || choice.model_dir.is_some() {
            self.model = choice.model.clone();
            self.model_dir = choice.model_dir.clone();
        }
        if choice.text_model.is_some() || choice.text_model_dir.is_some() {
            self.text_model = choice.text_model.clone();
            self.text_model_dir = choice.text_model_dir.clone();
        }
    }
}

/// One role's choice, resolved against the registry.
#[derive(Debug, Clone, PartialEq)]
pub enum Wanted {
    Registry(&'static ModelSpec),
    Folder(PathBuf),
    /// The user turned this role off.
    Off,
}

impl Wanted {
    /// A short name for messages.
    pub fn describe(&self) -> String {
        match self {
            Wanted::Registry(spec) => spec.id.to_string(),
            Wanted::Folder(path) => path.display().to_string(),
            Wanted::Off => "none".into(),
        }
    }
}

impl ModelSettings {
    /// What the user asked for in `role`, or `None` when they said nothing.
    pub fn wanted(&self, role: Role) -> Result<Option<Wanted>, EmbedError> {
        let (id, dir) = match role {
            Role::Bridge => (&self.model, &self.model_dir),
            Role::Text => (&self.text_model, &self.text_model_dir),
        };
        if let Some(dir) = dir {
            return Ok(Some(Wanted::Folder(dir.clone())));
        }
        match id.as_deref() {
            None => Ok(None),
            Some("none") => Ok(Some(Wanted::Off)),
            Some(id) => lookup(id, role).map(|s| Some(Wanted::Registry(s))),
        }
    }
}

/// The registry row `id` of role `role`.
pub fn lookup(id: &str, role: Role) -> Result<&'static ModelSpec, EmbedError> {
    models::find(id)
        .filter(|s| s.role == role)
        .ok_or_else(|| EmbedError::UnknownModel {
            id: id.to_string(),
            role: role.as_str(),
            known: models::ids(role).join(", "),
        })
}

/// The registry's default for `role`.
pub fn default_for(role: Role) -> Wanted {
    let id = match role {
        Role::Bridge => models::DEFAULT_BRIDGE,
        Role::Text => models::DEFAULT_TEXT,
    };
    Wanted::Registry(models::find(id).expect("the registry holds its defaults"))
}

/// The folder holding `wanted`'s files, downloading a registry model if it is not cached yet.
pub fn folder(
    wanted: &Wanted,
    hub: &Hub,
    on_event: &mut dyn FnMut(DownloadEvent),
) -> Result<Option<PathBuf>, EmbedError> {
    match wanted {
        Wanted::Off => Ok(None),
        Wanted::Folder(path) => Ok(Some(path.clone())),
        Wanted::Registry(spec) => match hub.cached(&spec.source) {
            Some(dir) => Ok(Some(dir)),
            None => Ok(Some(hub.fetch(&spec.source, on_event)?)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_win_and_none_turns_off() {
        let s = ModelSettings {
            model: Some("clip-vit-b32".into()),
            model_dir: Some("/m".into()),
            text_model: Some("none".into()),
            ..ModelSettings::default()
        };
        assert_eq!(
            s.wanted(Role::Bridge).unwrap(),
            Some(Wanted::Folder("/m".into()))
        );
        assert_eq!(s.wanted(Role::Text).unwrap(), Some(Wanted::Off));
        assert_eq!(ModelSettings::default().wanted(Role::Text).unwrap(), None);
    }

    #[test]
    fn unknown_ids_list_the_known_ones() {
        let err = lookup("clip-vit-huge", Role::Bridge)
            .unwrap_err()
            .to_string();
        assert!(err.contains(models::DEFAULT_BRIDGE), "{err}");
        // A text model is not a bridge model.
        assert!(lookup(models::DEFAULT_TEXT, Role::Bridge).is_err());
    }
}
