//! The model registry: every model Trove knows how to run, one table row each.
//!
//! A row names where the weights live on the hub (repository, pinned revision, files, checksums)
//! and everything Trove needs to feed the model exactly as its authors did: the architecture
//! family, the image preprocessing and the tokenizer rules. Adding a model of a supported family
//! is adding a row.
//!
//! The model *folder* (the hub's file layout: `config.json`, `model.safetensors`,
//! `tokenizer.json`, `preprocessor_config.json`) stays the source of truth for shapes, as with
//! `transformers`' `from_pretrained`: the row only supplies what a folder may lack, so a
//! `--model-dir` with a model Trove has never heard of loads the same way as a registry model.

use serde::Serialize;

use crate::extract::image::{Filter, ImageRules, Resize};
use crate::types::Role;

use super::download::HubSource;

mod registry;
use registry::REGISTRY;

/// The architectures Trove runs, each in its own module with Candle's implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// OpenAI CLIP (`model_type: clip`).
    Clip,
    /// Google SigLIP / SigLIP 2 fixed-resolution (`model_type: siglip`).
    Siglip,
    /// OFA-Sys Chinese-CLIP (`model_type: chinese_clip`).
    ChineseClip,
    /// BERT-architecture sentence embedders, mean-pooled (`model_type: bert`).
    Bert,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Clip => "clip",
            Family::Siglip => "siglip",
            Family::ChineseClip => "chinese-clip",
            Family::Bert => "bert",
        }
    }

    /// The family of a model folder, from `model_type` in its `config.json`.
    pub fn from_model_type(model_type: &str) -> Option<Family> {
        match model_type {
            "clip" => Some(Family::Clip),
            "siglip" => Some(Family::Siglip),
            "chinese_clip" => Some(Family::ChineseClip),
            "bert" => Some(Family::Bert),
            _ => None,
        }
    }

    pub fn default_role(self) -> Role {
        match self {
            Family::Bert => Role::Text,
            _ => Role::Bridge,
        }
    }
}

pub const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
pub const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];
const HALF: [f32; 3] = [0.5, 0.5, 0.5];

/// How token sequences are pooled into one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// The end-of-text token's state (CLIP), found by Candle as the highest token id.
    Eos,
    /// The last position (SigLIP: hence the fixed padding).
    Last,
    /// The first, [CLS] position (Chinese-CLIP).
    Cls,
    /// Mean over real tokens, then L2-normalised (sentence-transformers).
    Mean,
}

/// Tokenizer rules on top of `tokenizer.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TextRules {
    /// The most tokens the model reads (CLIP: 77), special tokens included; longer text is
    /// truncated, keeping the end-of-text token.
    pub context: usize,
    /// Pad every sequence to `context` (SigLIP pools the last position, so it must always see
    /// the same length), rather than to the longest in the batch.
    pub pad_to_context: bool,
    /// Lower-case the text first, where the tokenizer does not and the model was trained so.
    pub lowercase: bool,
    /// SigLIP's `canonicalize_text`: drop ASCII punctuation, collapse whitespace, trim.
    pub strip_punctuation: bool,
    pub pooling: Pooling,
    /// Text put before a query / a passage (e5: "query: ", "passage: ").
    pub query_prefix: &'static str,
    pub passage_prefix: &'static str,
}

/// Published zero-shot retrieval quality, for choosing a default (docs/models.md, `trove models`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
pub struct Published {
    /// MS-COCO 5k test, text → image Recall@1 (percent).
    pub coco_t2i_r1: Option<f32>,
    /// Flickr30k 1k test, text → image Recall@1 (percent).
    pub flickr_t2i_r1: Option<f32>,
    /// ImageNet-1k zero-shot top-1 (percent).
    pub imagenet_top1: Option<f32>,
    pub source: &'static str,
}

/// One registry row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub family: Family,
    #[serde(skip)]
    pub source: HubSource,
    pub image: Option<ImageRules>,
    pub text: TextRules,
    pub dim: usize,
    pub licence: &'static str,
    pub published: Option<Published>,
}

impl ModelSpec {
    /// Total download size in bytes.
    /// Total download size in bytes (the known part, when some sizes are not pinned).
    pub fn size(&self) -> u64 {
        self.source.files.iter().filter_map(|f| f.size).sum()
    }
}

const CLIP_TEXT: TextRules = TextRules {
    context: 77,
    pad_to_context: false,
    lowercase: false, // CLIP's tokenizer.json lower-cases itself
    strip_punctuation: false,
    pooling: Pooling::Eos,
    query_prefix: "",
    passage_prefix: "",
};

const CLIP_224: ImageRules = ImageRules {
    size: 224,
    resize: Resize::ShortestSideThenCrop,
    filter: Filter::Bicubic,
    mean: CLIP_MEAN,
    std: CLIP_STD,
};

const SIGLIP_TEXT: TextRules = TextRules {
    context: 64,
    pad_to_context: true,
    lowercase: true,
    strip_punctuation: true,
    pooling: Pooling::Last,
    query_prefix: "",
    passage_prefix: "",
};

/// SigLIP 2: Gemma's tokenizer on lower-cased text (big_vision trained on
/// `lower | tok(length=64, model="gemma", bos="no", eos="sticky")`), no punctuation removed;
/// the hub's `tokenizer.json` appends `<eos>` and pads with `<pad>` (id 0).
pub(crate) const SIGLIP2_TEXT: TextRules = TextRules {
    strip_punctuation: false,
    ..SIGLIP_TEXT
};

const SIGLIP_224: ImageRules = ImageRules {
    size: 224,
    resize: Resize::Squash,
    filter: Filter::Bilinear,
    mean: HALF,
    std: HALF,
};

/// cn_clip's `tokenize` pads to 52 tokens; the BERT text tower reads them under a mask.
const CHINESE_CLIP_TEXT: TextRules = TextRules {
    context: 52,
    pad_to_context: false,
    lowercase: false, // the WordPiece normaliser lower-cases
    strip_punctuation: false,
    pooling: Pooling::Cls,
    query_prefix: "",
    passage_prefix: "",
};

const MEAN_POOLED: TextRules = TextRules {
    context: 256,
    pad_to_context: false,
    lowercase: false,
    strip_punctuation: false,
    pooling: Pooling::Mean,
    query_prefix: "",
    passage_prefix: "",
};

/// The default bridge model (see docs/models.md for why).
pub const DEFAULT_BRIDGE: &str = "siglip2-b32-256";
/// The default text model.
pub const DEFAULT_TEXT: &str = "minilm-l6";

pub fn all() -> &'static [ModelSpec] {
    REGISTRY
}

pub fn find(id: &str) -> Option<&'static ModelSpec> {
    REGISTRY.iter().find(|m| m.id == id)
}

/// The ids of every model, for error messages.
pub fn ids(role: Role) -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|m| m.role == role)
        .map(|m| m.id)
        .collect()
}

/// Rules for a family when a folder's own configuration does not say (a `--model-dir` without
/// `preprocessor_config.json`): the family's reference defaults.
pub fn family_defaults(family: Family) -> (Option<ImageRules>, TextRules) {
    match family {
        Family::Clip => (Some(CLIP_224), CLIP_TEXT),
        Family::Siglip => (Some(SIGLIP_224), SIGLIP_TEXT),
        Family::ChineseClip => (
            Some(ImageRules {
                resize: Resize::Squash,
                ..CLIP_224
            }),
            CHINESE_CLIP_TEXT,
        ),
        Family::Bert => (None, MEAN_POOLED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_defaults_exist() {
        let mut ids: Vec<_> = all().iter().map(|m| m.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all().len());
        assert_eq!(find(DEFAULT_BRIDGE).unwrap().role, Role::Bridge);
        assert_eq!(find(DEFAULT_TEXT).unwrap().role, Role::Text);
    }

    #[test]
    fn rows_are_complete() {
        for m in all() {
            assert_eq!(m.role == Role::Bridge, m.image.is_some(), "{}", m.id);
            assert_eq!(m.family.default_role(), m.role, "{}", m.id);
            assert!(m.source.revision.len() == 40, "{}: pin a commit", m.id);
            let has = |name: &str| m.source.files.iter().any(|f| f.name == name);
            assert!(has("config.json"), "{} lacks config.json", m.id);
            assert!(
                has("tokenizer.json") || has("vocab.txt"),
                "{} lacks a tokenizer",
                m.id
            );
            for f in m.source.files {
                if let Some(sha) = f.sha256 {
                    assert!(
                        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                        "{}: {}",
                        m.id,
                        f.name
                    );
                }
            }
            assert!(
                m.source
                    .files
                    .iter()
                    .any(|f| f.name.ends_with(".safetensors")),
                "{} lacks weights",
                m.id
            );
        }
    }
}
