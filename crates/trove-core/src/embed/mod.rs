//! Embedding: turns photos, note chunks and queries into vectors with CLIP-family models (the
//! bridge between images and text) and sentence embedders (text to text), computed by Candle on
//! CUDA, Metal or the CPU.
//!
//! [`models`] is the registry of supported models; [`download`] fetches their files from the
//! model hub; [`folder`] reads a model folder in the hub's layout, wherever it came from;
//! [`tokenize`] turns text, and extraction's `preprocess` pixels, into exactly the tensors each
//! model's reference processor makes; [`device`] picks where they run; one module per architecture
//! family ([`clip`], [`siglip`], [`chinese_clip`], [`bert`]) wraps Candle's implementation.
//! [`Model`] ties them together: every vector it returns is L2-normalised, so a dot product is
//! the cosine similarity.

pub mod bench;
pub mod bert;
pub mod chinese_clip;
pub mod clip;
pub mod device;
pub mod download;
pub mod folder;
pub mod layout;
pub mod models;
pub mod ops;
pub mod select;
pub mod shared;
pub mod siglip;
pub mod tokenize;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use candle_core::{D, DType, Tensor};
use hashlink::LruCache;
use image::RgbImage;
use serde::Serialize;

pub use device::{DeviceChoice, Selected};
pub use download::DownloadError;
use folder::ModelFolder;
pub use models::{Family, ModelSpec, TextRules};

use crate::extract::image::{ImageRules, preprocess};
use crate::types::Role;
pub use tokenize::{Purpose, Tokens};

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A model folder that cannot be used: missing or unreadable files.
    #[error("model at {path}: {message}")]
    Model { path: PathBuf, message: String },
    /// A configuration Trove cannot compute faithfully.
    #[error("unsupported model: {0}")]
    Unsupported(String),
    #[error("{0}")]
    Device(String),
    #[error("tokenizer: {0}")]
    Tokenize(String),
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error("model computation failed: {0}")]
    Compute(#[from] candle_core::Error),
    #[error("unknown {role} model {id:?}; known: {known}")]
    UnknownModel {
        id: String,
        role: &'static str,
        known: String,
    },
}

impl EmbedError {
    /// Whose fault: a bad folder or id is the user's, a network or device problem the
    /// machine's, a failed computation ours.
    pub fn origin(&self) -> crate::types::Origin {
        use crate::types::Origin;
        match self {
            EmbedError::Model { .. }
            | EmbedError::Unsupported(_)
            | EmbedError::UnknownModel { .. }
            | EmbedError::Device(_) => Origin::User,
            EmbedError::Download(_) => Origin::Machine,
            EmbedError::Tokenize(_) | EmbedError::Compute(_) => Origin::Internal,
        }
    }
}

/// Where a model's files come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "from", rename_all = "lowercase")]
pub enum Location {
    /// A registry model, fetched from the hub into its cache.
    Registry { id: String },
    /// A folder the user named (`--model-dir`).
    Folder { path: PathBuf },
}

/// What identifies a loaded model and its vectors.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// Vectors are tagged with this: the registry id, or `local:<folder name>-<fingerprint>`.
    pub id: String,
    pub role: Role,
    pub family: Family,
    pub dim: usize,
    pub location: Location,
    pub dir: PathBuf,
    pub device: String,
    pub image: Option<ImageRules>,
    pub text: TextRules,
}

enum Net {
    Clip(clip::Clip),
    Siglip(siglip::Siglip),
    ChineseClip(chinese_clip::ChineseClip),
    Bert(bert::Bert),
}

/// A model loaded on a device, ready to embed.
pub struct Model {
    pub info: ModelInfo,
    net: Net,
    tokenizer: tokenize::TextTokenizer,
    device: Selected,
    /// Recent query vectors by query text: people retype, refine and page back, and the
    /// search-as-you-type UI asks for the same prefix more than once.
    queries: Mutex<LruCache<String, Vec<f32>>>,
}

/// Query vectors a model remembers (a few hundred KB at 768 dimensions).
const QUERY_CACHE: usize = 256;

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("info", &self.info).finish()
    }
}

impl Model {
    /// Loads the model in `dir`. `spec` (the registry row, when there is one) supplies rules the
    /// folder's own files don't state and the id; a folder without one is named by its
    /// fingerprint.
    pub fn load(
        dir: &Path,
        spec: Option<&ModelSpec>,
        role: Option<Role>,
        device: &Selected,
    ) -> Result<Model, EmbedError> {
        let folder = ModelFolder::open(dir)?;
        if let Some(spec) = spec
            && spec.family != folder.family
        {
            return Err(EmbedError::Model {
                path: dir.to_path_buf(),
                message: format!(
                    "holds a {} model, but {} is a {} model",
                    folder.family.as_str(),
                    spec.id,
                    spec.family.as_str()
                ),
            });
        }
        let role = spec
            .map(|s| s.role)
            .or(role)
            .unwrap_or(folder.family.default_role());
        if role == Role::Bridge && folder.family == Family::Bert {
            return Err(EmbedError::Unsupported(format!(
                "{} holds a text-only model; pass it as the text model (--text-model-dir)",
                dir.display()
            )));
        }
        let (family_image, family_text) = models::family_defaults(folder.family);
        let image = folder.image_rules(spec.and_then(|s| s.image).or(family_image))?;
        let mut text = spec.map(|s| s.text).unwrap_or(family_text);
        if let Some(n) = folder
            .max_seq_length()
            .filter(|_| folder.family == Family::Bert)
        {
            // sentence-transformers reads at most this many tokens, whatever the model could.
            text.context = n;
        }
        let mut tokenizer = tokenize::TextTokenizer::load(dir, text)?;
        if spec.is_none() && folder.family == Family::Siglip && tokenizer.is_bpe() {
            // A SigLIP 2 folder: Gemma's tokenizer, whose text is lower-cased but keeps its
            // punctuation.
            text = models::SIGLIP2_TEXT;
            tokenizer
                .set_rules(text)
                .map_err(|message| EmbedError::Model {
                    path: dir.to_path_buf(),
                    message,
                })?;
        }
        let vb = folder.var_builder(device)?;
        let (net, dim) = match folder.family {
            Family::Clip => clip::Clip::load(&folder.config, vb).map(|(m, d)| (Net::Clip(m), d))?,
            Family::Siglip => siglip::Siglip::load(&folder.config, vb, &folder.weights)
                .map(|(m, d)| (Net::Siglip(m), d))?,
            Family::ChineseClip => chinese_clip::ChineseClip::load(&folder.config, vb)
                .map(|(m, d)| (Net::ChineseClip(m), d))?,
            Family::Bert => bert::Bert::load(&folder.config, vb).map(|(m, d)| (Net::Bert(m), d))?,
        };
        let (id, location) = match spec {
            Some(s) => (
                s.id.to_string(),
                Location::Registry {
                    id: s.id.to_string(),
                },
            ),
            None => (
                format!(
                    "local:{}-{}",
                    dir.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "model".into()),
                    folder.fingerprint()?
                ),
                Location::Folder {
                    path: dir.to_path_buf(),
                },
            ),
        };
        Ok(Model {
            info: ModelInfo {
                id,
                role,
                family: folder.family,
                dim,
                location,
                dir: dir.to_path_buf(),
                device: device.name.clone(),
                image,
                text,
            },
            net,
            tokenizer,
            device: device.clone(),
            queries: Mutex::new(LruCache::new(QUERY_CACHE)),
        })
    }

    /// The tokenizer, for the parity tests.
    #[cfg(any(test, feature = "internals"))]
    pub fn tokenizer(&self) -> &tokenize::TextTokenizer {
        &self.tokenizer
    }

    /// Raw image features for preprocessed pixels (`[batch, 3, size, size]` as a flat CHW
    /// batch), not normalised: what the reference's `get_image_features` returns.
    pub fn image_features(
        &self,
        pixels: &[f32],
        batch: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let Some(rules) = self.info.image else {
            return Err(EmbedError::Unsupported(format!(
                "{} is a text-only model",
                self.info.id
            )));
        };
        let s = rules.size as usize;
        let t = Tensor::from_slice(pixels, (batch, 3, s, s), &self.device.device)?
            .to_dtype(self.device.dtype)?;
        let out = match &self.net {
            Net::Clip(m) => m.images(&t)?,
            Net::Siglip(m) => m.images(&t)?,
            Net::ChineseClip(m) => m.images(&t)?,
            Net::Bert(_) => unreachable!("text-only models have no image rules"),
        };
        rows(&out)
    }

    /// Raw text features for tokenized text, not normalised.
    pub fn text_features(&self, tokens: &Tokens) -> Result<Vec<Vec<f32>>, EmbedError> {
        let dev = &self.device.device;
        let ids = Tensor::from_slice(&tokens.ids, (tokens.batch, tokens.len), dev)?;
        let mask = || -> Result<Tensor, EmbedError> {
            Ok(Tensor::from_slice(
                &tokens.mask,
                (tokens.batch, tokens.len),
                dev,
            )?)
        };
        let out = match &self.net {
            Net::Clip(m) => m.texts(&ids)?,
            Net::Siglip(m) => m.texts(&ids)?,
            Net::ChineseClip(m) => m.texts(&ids, &mask()?)?,
            Net::Bert(m) => m.texts(&ids, &mask()?)?,
        };
        rows(&out)
    }

    /// L2-normalised vectors for oriented pictures.
    pub fn embed_images(&self, images: &[&RgbImage]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let Some(rules) = self.info.image else {
            return Err(EmbedError::Unsupported(format!(
                "{} is a text-only model",
                self.info.id
            )));
        };
        if images.is_empty() {
            return Ok(Vec::new());
        }
        let mut pixels = Vec::with_capacity(images.len() * 3 * (rules.size as usize).pow(2));
        for image in images {
            pixels.extend(preprocess::pixels(image, &rules));
        }
        self.embed_pixels(&pixels, images.len())
    }

    /// L2-normalised vectors for preprocessed pixels (see [`preprocess::pixels`]).
    pub fn embed_pixels(&self, pixels: &[f32], batch: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out = self.image_features(pixels, batch)?;
        out.iter_mut().for_each(|v| normalise(v));
        Ok(out)
    }

    /// The L2-normalised vector of one search query, from the cache when it was asked for
    /// recently.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        if let Some(v) = self.cached_queries().get(text) {
            return Ok(v.clone());
        }
        let v = self
            .embed_texts(&[text], Purpose::Query)?
            .pop()
            .ok_or_else(|| EmbedError::Tokenize("no vector for the query".into()))?;
        self.cached_queries().insert(text.to_owned(), v.clone());
        Ok(v)
    }

    /// How many query vectors the cache holds, for the tests.
    #[cfg(any(test, feature = "internals"))]
    pub fn remembered_queries(&self) -> usize {
        self.cached_queries().len()
    }

    fn cached_queries(&self) -> std::sync::MutexGuard<'_, LruCache<String, Vec<f32>>> {
        // A panic elsewhere cannot leave a half-written entry: the map is only read or
        // inserted into whole.
        self.queries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// L2-normalised vectors for texts.
    pub fn embed_texts(
        &self,
        texts: &[&str],
        purpose: Purpose,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let tokens = self.tokenizer.encode(texts, purpose)?;
        let mut out = self.text_features(&tokens)?;
        out.iter_mut().for_each(|v| normalise(v));
        Ok(out)
    }
}

fn rows(t: &Tensor) -> Result<Vec<Vec<f32>>, EmbedError> {
    let t = t.to_dtype(DType::F32)?;
    let (_, dim) = t.dims2()?;
    debug_assert_eq!(t.dim(D::Minus1)?, dim);
    Ok(t.to_vec2::<f32>()?)
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Vectors are stored as little-endian f32 bytes.
pub fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip_and_normalise() {
        let mut v = vec![3.0, 4.0];
        normalise(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
        assert_eq!(from_blob(&to_blob(&v)), v);
        let mut zero = vec![0.0; 3];
        normalise(&mut zero);
        assert_eq!(zero, vec![0.0; 3]);
    }
}
