//! A model folder in the hub's file layout (`config.json`, `model.safetensors`,
//! `tokenizer.json`, `preprocessor_config.json`): what it holds, how its configuration reads, and
//! the fingerprint that names a local model's vectors.
//!
//! Registry downloads and `--model-dir` folders both arrive here, so a folder loads the same way
//! whoever put it on disk.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use candle_core::safetensors::MmapedSafetensors;
use candle_nn::VarBuilder;
use serde_json::Value;

use super::EmbedError;
use super::device::Selected;
use super::layout::CpuLayout;
use super::models::Family;
use crate::extract::image::{Filter, ImageRules, Resize};

/// Weight files Trove reads, in order of preference.
const WEIGHT_FILES: &[&str] = &["model.safetensors"];

#[derive(Debug, Clone)]
pub struct ModelFolder {
    pub dir: PathBuf,
    pub config: Value,
    pub family: Family,
    pub weights: PathBuf,
}

impl ModelFolder {
    pub fn open(dir: &Path) -> Result<ModelFolder, EmbedError> {
        let bad = |message: String| EmbedError::Model {
            path: dir.to_path_buf(),
            message,
        };
        if !dir.is_dir() {
            return Err(bad("no such folder".into()));
        }
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| bad(format!("cannot read config.json: {e}")))?;
        let config: Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("config.json: {e}")))?;
        let model_type = config
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or("");
        let family = Family::from_model_type(model_type).ok_or_else(|| {
            bad(format!(
                "config.json names model_type {model_type:?}; Trove runs clip, siglip, \
                 chinese_clip and bert models"
            ))
        })?;
        let weights = WEIGHT_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                let has_bin = dir.join("pytorch_model.bin").is_file();
                bad(format!(
                    "no model.safetensors{}",
                    if has_bin {
                        " (only pytorch_model.bin, which Trove does not load: it can run code \
                         when unpickled; convert it to safetensors)"
                    } else {
                        ""
                    }
                ))
            })?;
        Ok(ModelFolder {
            dir: dir.to_path_buf(),
            config,
            family,
            weights,
        })
    }

    /// Memory-maps the weights onto the device, converted to its precision.
    pub fn var_builder(&self, device: &Selected) -> Result<VarBuilder<'static>, EmbedError> {
        // SAFETY: the file is mapped read-only; Trove never writes model files while they are
        // mapped, and a file replaced on disk keeps its old inode under the mapping.
        let tensors =
            unsafe { MmapedSafetensors::new(&self.weights) }.map_err(|e| EmbedError::Model {
                path: self.weights.clone(),
                message: format!("unreadable weights: {e}"),
            })?;
        Ok(CpuLayout::var_builder(
            tensors,
            device.dtype,
            &device.device,
        ))
    }

    /// The image rules `preprocessor_config.json` states, or `fallback` where it is absent.
    pub fn image_rules(
        &self,
        fallback: Option<ImageRules>,
    ) -> Result<Option<ImageRules>, EmbedError> {
        let path = self.dir.join("preprocessor_config.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(fallback);
        };
        let bad = |message: String| EmbedError::Model {
            path: path.clone(),
            message,
        };
        let c: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let Some(fallback) = fallback else {
            return Ok(None);
        };
        let side = |v: Option<&Value>, keys: &[&str]| -> Option<u32> {
            let v = v?;
            if let Some(n) = v.as_u64() {
                return Some(n as u32);
            }
            keys.iter()
                .find_map(|k| v.get(*k).and_then(Value::as_u64))
                .map(|n| n as u32)
        };
        let size = c.get("size");
        let crop = c
            .get("do_center_crop")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let (resize, side) = if let Some(short) = side(size, &["shortest_edge"]) {
            let crop_side = side(c.get("crop_size"), &["height"]).unwrap_or(short);
            if !crop || crop_side != short {
                return Err(bad(format!(
                    "unsupported preprocessing: shortest edge {short} with crop {crop_side} \
                     (do_center_crop {crop})"
                )));
            }
            (Resize::ShortestSideThenCrop, short)
        } else if let (Some(h), Some(w)) = (side(size, &["height"]), side(size, &["width"])) {
            if h != w {
                return Err(bad(format!("unsupported non-square input {w}×{h}")));
            }
            (Resize::Squash, h)
        } else {
            (fallback.resize, fallback.size)
        };
        let filter = match c.get("resample").and_then(Value::as_u64) {
            Some(code) => Filter::from_pil(code)
                .ok_or_else(|| bad(format!("unsupported resample filter {code}")))?,
            None => fallback.filter,
        };
        let triple = |key: &str, default: [f32; 3]| -> Result<[f32; 3], EmbedError> {
            match c.get(key).and_then(Value::as_array) {
                None => Ok(default),
                Some(a) if a.len() == 3 => {
                    let mut out = [0f32; 3];
                    for (o, v) in out.iter_mut().zip(a) {
                        *o = v
                            .as_f64()
                            .ok_or_else(|| bad(format!("{key} is not numeric")))?
                            as f32;
                    }
                    Ok(out)
                }
                Some(_) => Err(bad(format!("{key} must hold three numbers"))),
            }
        };
        Ok(Some(ImageRules {
            size: side,
            resize,
            filter,
            mean: triple("image_mean", fallback.mean)?,
            std: triple("image_std", fallback.std)?,
        }))
    }

    /// How many tokens a sentence embedder reads: sentence-transformers' `max_seq_length`
    /// (`sentence_bert_config.json`), else the tokenizer's `model_max_length`, capped by the
    /// model's position table.
    pub fn max_seq_length(&self) -> Option<usize> {
        let read = |name: &str, key: &str| -> Option<usize> {
            let text = std::fs::read_to_string(self.dir.join(name)).ok()?;
            let config: Value = serde_json::from_str(&text).ok()?;
            config.get(key)?.as_u64().map(|n| n as usize)
        };
        let n = read("sentence_bert_config.json", "max_seq_length")
            .or_else(|| read("tokenizer_config.json", "model_max_length"))?;
        let positions = usize_or(&self.config, "max_position_embeddings", n);
        Some(n.min(positions))
    }

    /// A short, stable name for the weights: changes when they do, costs a few reads however
    /// large the file (its size, the safetensors header naming every tensor, and samples of
    /// the data at its start and end).
    pub fn fingerprint(&self) -> Result<String, EmbedError> {
        let io = |e: std::io::Error| EmbedError::Model {
            path: self.weights.clone(),
            message: format!("cannot read weights: {e}"),
        };
        let mut f = std::fs::File::open(&self.weights).map_err(io)?;
        let len = f.metadata().map_err(io)?.len();
        let mut hasher = blake3::Hasher::new();
        hasher.update(&len.to_le_bytes());
        if let Ok(config) = std::fs::read(self.dir.join("config.json")) {
            hasher.update(&config);
        }
        let mut buf = vec![0u8; (1 << 20).min(len as usize)];
        f.read_exact(&mut buf).map_err(io)?;
        hasher.update(&buf);
        f.seek(SeekFrom::Start(len - buf.len() as u64))
            .map_err(io)?;
        f.read_exact(&mut buf).map_err(io)?;
        hasher.update(&buf);
        Ok(hasher.finalize().to_hex()[..12].to_string())
    }
}

/// Sub-configuration `name` of a two-tower config (`text_config`), accepting the older
/// `text_config_dict` spelling some hub configs carry.
pub fn sub_config<'a>(config: &'a Value, name: &str) -> &'a Value {
    static EMPTY: Value = Value::Null;
    config
        .get(name)
        .filter(|v| v.is_object())
        .or_else(|| config.get(format!("{name}_dict")).filter(|v| v.is_object()))
        .unwrap_or(&EMPTY)
}

pub fn usize_or(config: &Value, key: &str, default: usize) -> usize {
    config
        .get(key)
        .and_then(Value::as_u64)
        .map_or(default, |n| n as usize)
}

pub fn f64_or(config: &Value, key: &str, default: f64) -> f64 {
    config.get(key).and_then(Value::as_f64).unwrap_or(default)
}

pub fn str_or<'a>(config: &'a Value, key: &str, default: &'a str) -> &'a str {
    config.get(key).and_then(Value::as_str).unwrap_or(default)
}
