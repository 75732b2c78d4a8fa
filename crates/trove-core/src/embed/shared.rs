//! One copy of each model per process: the service's indexing and the searches beside it ask
//! for the same weights, and a second copy of a bridge model is 0.6–1.5 GB of memory for nothing.
//! Entries are weak, so a model no one holds any more is freed as before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::device::Selected;
use super::{EmbedError, Model, ModelSpec};
use crate::types::Role;

/// What makes two loads the same model: its folder, registry row, role and device.
type Key = (PathBuf, Option<&'static str>, Option<Role>, String);

fn loaded() -> &'static Mutex<HashMap<Key, Weak<Model>>> {
    static LOADED: OnceLock<Mutex<HashMap<Key, Weak<Model>>>> = OnceLock::new();
    LOADED.get_or_init(Default::default)
}

/// The model in `dir`, loaded once for the whole process while anyone holds it (see
/// [`Model::load`]).
pub fn load(
    dir: &Path,
    spec: Option<&ModelSpec>,
    role: Option<Role>,
    device: &Selected,
) -> Result<Arc<Model>, EmbedError> {
    let key: Key = (
        dir.to_path_buf(),
        spec.map(|s| s.id),
        role,
        device.name.clone(),
    );
    // Held across the load: two threads asking at once must not both load it.
    let mut map = loaded().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(model) = map.get(&key).and_then(Weak::upgrade) {
        return Ok(model);
    }
    map.retain(|_, m| m.strong_count() > 0);
    let model = Arc::new(Model::load(dir, spec, role, device)?);
    map.insert(key, Arc::downgrade(&model));
    Ok(model)
}
