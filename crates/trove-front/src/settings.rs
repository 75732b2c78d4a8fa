//! The settings screen: reads and edits the settings file (model, device, CPU budget). The
//! file is edited key by key, so settings the screen does not show are kept; edits apply the
//! next time Trove starts, since the running service has loaded its models already.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use trove_core::Settings;
use trove_core::api::DeviceChoice;
use trove_core::api::Role;
use trove_core::api::registry as models;

use crate::types::{ModelChoice, SettingsUpdate, SettingsView};
use crate::{Front, FrontError, FrontResult};

/// Set once this process saved a change it is not running with.
static SAVED: AtomicBool = AtomicBool::new(false);

pub fn update(front: &Front, update: &SettingsUpdate) -> FrontResult<SettingsView> {
    let path = front.settings_path.as_deref().ok_or_else(|| {
        FrontError::Invalid("there is no settings file on this system (no home folder)".into())
    })?;
    if save(path, update)? {
        SAVED.store(true, Ordering::SeqCst);
    }
    view(front)
}

pub fn view(front: &Front) -> FrontResult<SettingsView> {
    let saved = match &front.settings_path {
        Some(path) => Settings::load_from(path)?,
        None => Settings::default(),
    };
    let installed: Vec<String> = front
        .library
        .models()?
        .into_iter()
        .filter(|m| m.installed)
        .map(|m| m.id)
        .collect();
    Ok(SettingsView {
        path: front
            .settings_path
            .as_deref()
            .map(trove_core::api::display_path),
        model: saved.models.model.clone(),
        text_model: saved.models.text_model.clone(),
        device: saved.models.device.as_str().to_string(),
        devices: DeviceChoice::built()
            .into_iter()
            .map(|d| d.as_str().to_string())
            .collect(),
        threads: saved.index.threads,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        full_speed: saved.index.full_speed,
        choices: models::all()
            .iter()
            .map(|m| ModelChoice {
                id: m.id.to_string(),
                name: m.name.to_string(),
                role: m.role,
                installed: installed.iter().any(|i| i == m.id),
            })
            .collect(),
        restart_needed: SAVED.load(Ordering::SeqCst),
    })
}

/// Writes the update into the settings file; true when something changed.
fn save(path: &Path, update: &SettingsUpdate) -> FrontResult<bool> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(FrontError::Internal(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let mut table: toml::Table = text
        .parse()
        .map_err(|e| FrontError::Invalid(format!("{} is not valid TOML: {e}", path.display())))?;
    let before = table.clone();
    for (wanted, key, role) in [
        (&update.model, "model", Role::Bridge),
        (&update.text_model, "text_model", Role::Text),
    ] {
        if let Some(id) = wanted {
            set(&mut table, "models", key, model_id(id, role)?);
        }
    }
    if let Some(device) = &update.device {
        let choice = DeviceChoice::parse(device)
            .filter(|d| DeviceChoice::built().contains(d))
            .ok_or_else(|| {
                FrontError::Invalid(format!("this build cannot run models on {device:?}"))
            })?;
        let value = (choice != DeviceChoice::Auto).then(|| choice.as_str().into());
        set(&mut table, "models", "device", value);
    }
    if let Some(threads) = update.threads {
        let value = (threads > 0).then_some(toml::Value::Integer(threads as i64));
        set(&mut table, "index", "threads", value);
    }
    if let Some(full_speed) = update.full_speed {
        set(
            &mut table,
            "index",
            "full_speed",
            full_speed.then_some(true.into()),
        );
    }
    if table == before {
        return Ok(false);
    }
    let text = toml::to_string(&table).map_err(|e| FrontError::Internal(e.to_string()))?;
    // What the engine would load must load: a bad edit is refused before it is written.
    toml::from_str::<Settings>(&text)
        .map_err(|e| FrontError::Invalid(format!("these settings are not valid: {e}")))?;
    write_atomically(path, &text)?;
    Ok(true)
}

/// A registry id for `role` or "none"; empty: the default (the key is removed).
fn model_id(id: &str, role: Role) -> FrontResult<Option<toml::Value>> {
    let id = id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    if id == "none" || models::find(id).is_some_and(|m| m.role == role) {
        return Ok(Some(id.into()));
    }
    Err(FrontError::Invalid(format!(
        "{id:?} is not a {} model; choose one of: {}",
        role.as_str(),
        models::ids(role).join(", ")
    )))
}

fn set(table: &mut toml::Table, section: &str, key: &str, value: Option<toml::Value>) {
    match value {
        Some(value) => {
            let entry = table
                .entry(section)
                .or_insert_with(|| toml::Value::Table(Default::default()));
            if let toml::Value::Table(t) = entry {
                t.insert(key.to_string(), value);
            }
        }
        None => {
            if let Some(toml::Value::Table(t)) = table.get_mut(section) {
                t.remove(key);
            }
        }
    }
}

/// Writes the settings file whole: a crash never leaves half of it.
fn write_atomically(path: &Path, text: &str) -> FrontResult<()> {
    let fail =
        |e: std::io::Error| FrontError::Internal(format!("cannot save {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    trove_core::api::write_whole(path, text.as_bytes()).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_edits_only_the_keys_given_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[watch]\npoll = true\n[models]\noffline = true\n").unwrap();
        let update = SettingsUpdate {
            device: Some("cpu".into()),
            threads: Some(3),
            full_speed: Some(true),
            ..Default::default()
        };
        assert!(save(&path, &update).unwrap());
        let settings = Settings::load_from(&path).unwrap();
        assert!(settings.watch.poll && settings.models.offline);
        assert_eq!(settings.models.device, DeviceChoice::Cpu);
        assert_eq!(settings.index.threads, Some(3));
        assert!(settings.index.full_speed);
        assert!(
            !save(&path, &update).unwrap(),
            "nothing changed the second time"
        );

        // Back to the defaults: the keys go.
        let reset = SettingsUpdate {
            device: Some("auto".into()),
            threads: Some(0),
            full_speed: Some(false),
            ..Default::default()
        };
        assert!(save(&path, &reset).unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("device") && !text.contains("threads") && !text.contains("full_speed"),
            "{text}"
        );
    }

    #[test]
    fn unknown_models_and_devices_are_refused_with_the_choices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let bad = SettingsUpdate {
            model: Some("minilm-l6".into()),
            ..Default::default()
        };
        let err = save(&path, &bad).unwrap_err().to_string();
        assert!(
            err.contains("not a bridge model") && err.contains("clip-vit-b32"),
            "{err}"
        );
        let bad = SettingsUpdate {
            device: Some("tpu".into()),
            ..Default::default()
        };
        assert!(save(&path, &bad).is_err());
        assert!(!path.exists(), "nothing was written");
    }
}
