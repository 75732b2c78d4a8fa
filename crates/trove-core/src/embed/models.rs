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

use super::download::{HubFile, HubSource};

/// What a model is used for (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An image + text model with one embedding space (CLIP family): photos, text queries and
    /// note chunks, so text finds photos and a photo finds notes.
    Bridge,
    /// A sentence embedder: note chunks and text queries, for text → notes.
    Text,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Bridge => "bridge",
            Role::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "bridge" => Some(Role::Bridge),
            "text" => Some(Role::Text),
            _ => None,
        }
    }
}

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

/// How an image is brought to the model's input size, as the family's reference processor does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resize {
    /// CLIP: scale so the shortest side is the input size, then cut the centre square.
    ShortestSideThenCrop,
    /// SigLIP, Chinese-CLIP: scale straight to a square, ignoring the aspect ratio.
    Squash,
}

/// The resampling filter, named as PIL names them (the reference processors use PIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    Bicubic,
    Bilinear,
}

impl Filter {
    /// PIL's resample codes, as `preprocessor_config.json` stores them.
    pub fn from_pil(code: u64) -> Option<Filter> {
        match code {
            2 => Some(Filter::Bilinear),
            3 => Some(Filter::Bicubic),
            _ => None,
        }
    }
}

pub const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
pub const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];
const HALF: [f32; 3] = [0.5, 0.5, 0.5];

/// Image preprocessing: resize, crop, scale to [0, 1], normalise per channel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImageRules {
    pub size: u32,
    pub resize: Resize,
    pub filter: Filter,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

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

/// Published zero-shot retrieval quality, for choosing a default (README, `trove models`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Published {
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

/// A file whose size and sha256 the registry pins (the hub's LFS sha256 at the revision).
const fn pinned(name: &'static str, size: u64, sha256: &'static str) -> HubFile {
    HubFile {
        name,
        sha256: Some(sha256),
        size: Some(size),
    }
}

/// A small file whose checksum no public record gave us: fetched at the pinned commit (whose
/// content cannot change) and checked for being well-formed when loaded, not by checksum.
const fn at_revision(name: &'static str) -> HubFile {
    HubFile {
        name,
        sha256: None,
        size: None,
    }
}

/// Every supported model. Revisions are commits (for OpenAI's and OFA-Sys' repositories, the
/// safetensors conversion commits: their `main` has only pickled weights, which Trove does not
/// load). Sizes are bytes. Published figures: open_clip's clip_benchmark tables for CLIP and
/// SigLIP, the Chinese-CLIP authors' Results.md (Flickr30K-CN) for Chinese-CLIP.
static REGISTRY: &[ModelSpec] = &[
    ModelSpec {
        id: "clip-vit-b32",
        name: "OpenAI CLIP ViT-B/32",
        role: Role::Bridge,
        family: Family::Clip,
        source: HubSource {
            repo: "openai/clip-vit-base-patch32",
            revision: "b33cedfd0df4e43b8238760678fcc89e1a0d38b3",
            files: &[
                at_revision("config.json"),
                at_revision("preprocessor_config.json"),
                pinned(
                    "tokenizer.json",
                    2_224_041,
                    "b556ac8c99757ffb677208af34bc8c6721572114111a6e0aaf5fa69ff0b8d842",
                ),
                pinned(
                    "model.safetensors",
                    605_157_884,
                    "99d28a652e6ec46629ab7047a0ac82c69b1fe11e0ce672c43af65d3a9a3fc05d",
                ),
            ],
        },
        image: Some(CLIP_224),
        text: CLIP_TEXT,
        dim: 512,
        licence: "MIT",
        published: Some(Published {
            flickr_t2i_r1: Some(58.8),
            imagenet_top1: Some(63.3),
            source: "open_clip clip_benchmark",
        }),
    },
    ModelSpec {
        id: "clip-vit-b16",
        name: "OpenAI CLIP ViT-B/16",
        role: Role::Bridge,
        family: Family::Clip,
        source: HubSource {
            repo: "openai/clip-vit-base-patch16",
            revision: "5ef227a78de3f75873f373246dac80def63b0003",
            files: &[
                at_revision("config.json"),
                at_revision("preprocessor_config.json"),
                at_revision("tokenizer.json"),
                at_revision("model.safetensors"),
            ],
        },
        image: Some(CLIP_224),
        text: CLIP_TEXT,
        dim: 512,
        licence: "MIT",
        published: Some(Published {
            flickr_t2i_r1: Some(62.2),
            imagenet_top1: Some(68.3),
            source: "open_clip clip_benchmark",
        }),
    },
    ModelSpec {
        id: "siglip-b16-224",
        name: "Google SigLIP B/16 224",
        role: Role::Bridge,
        family: Family::Siglip,
        source: HubSource {
            repo: "google/siglip-base-patch16-224",
            revision: "7fd15f0689c79d79e38b1c2e2e2370a7bf2761ed",
            files: &[
                pinned(
                    "config.json",
                    432,
                    "cd85b3d28829722820bcb89a2cfbb4160e55fd359249a3044da724166a8d9688",
                ),
                pinned(
                    "preprocessor_config.json",
                    368,
                    "d11ccb80f15d358a11bdb070e92e2d889005874b7db15823d5f10d9b2533b14a",
                ),
                pinned(
                    "tokenizer_config.json",
                    711,
                    "d6423dae508cc3a129d22ea443841c111832a1a73125b8f25ea8736951698bcb",
                ),
                pinned(
                    "tokenizer.json",
                    2_399_357,
                    "c6e405cb7c670d56636a9402c81023a55bc6c3c53d89cf02b92f5c5005bfe920",
                ),
                pinned(
                    "model.safetensors",
                    812_672_320,
                    "2c63cb7d1f2e95ba501893cbb8faeb4ea9a3af295498d35097126228659c2af8",
                ),
            ],
        },
        image: Some(ImageRules {
            filter: Filter::Bicubic,
            ..SIGLIP_224
        }),
        text: SIGLIP_TEXT,
        dim: 768,
        licence: "Apache-2.0",
        published: Some(Published {
            flickr_t2i_r1: Some(74.7),
            imagenet_top1: Some(76.0),
            source: "open_clip clip_benchmark",
        }),
    },
    ModelSpec {
        id: "siglip2-b16-224",
        name: "Google SigLIP 2 B/16 224",
        role: Role::Bridge,
        family: Family::Siglip,
        source: HubSource {
            repo: "google/siglip2-base-patch16-224",
            revision: "75de2d55ec2d0b4efc50b3e9ad70dba96a7b2fa2",
            files: &[
                pinned(
                    "config.json",
                    253,
                    "fe8b5fe6d5734360678fd71c11c21e1ea3364bd8598d34295d9206335973ffd7",
                ),
                pinned(
                    "preprocessor_config.json",
                    394,
                    "9b36b57ebaf20f09bf4c22100ccc21877ea6bfe5aead0c00c59f8af8ccefacfc",
                ),
                pinned(
                    "tokenizer.json",
                    34_363_039,
                    "cb9140fae3ac5122c972d37adf83e1248471a38147ad76f8215c8872c6fd8322",
                ),
                pinned(
                    "model.safetensors",
                    1_500_800_904,
                    "612923381c76ec5a9bed335d1c48827e3f2e506ac31b044b63b2031fadee6a0b",
                ),
            ],
        },
        image: Some(SIGLIP_224),
        text: SIGLIP_TEXT,
        dim: 768,
        licence: "Apache-2.0",
        published: None,
    },
    ModelSpec {
        id: "chinese-clip-b16",
        name: "OFA-Sys Chinese-CLIP ViT-B/16",
        role: Role::Bridge,
        family: Family::ChineseClip,
        source: HubSource {
            repo: "OFA-Sys/chinese-clip-vit-base-patch16",
            revision: "f4a64596bbcf9a2a94591b74b9dc39b2e4e77e3e",
            files: &[
                at_revision("config.json"),
                at_revision("preprocessor_config.json"),
                pinned(
                    "vocab.txt",
                    109_540,
                    "45bbac6b341c319adc98a532532882e91a9cefc0329aa57bac9ae761c27b291c",
                ),
                pinned(
                    "model.safetensors",
                    753_106_020,
                    "29cc0b2bcf6ff777f2e15742be92b110e4acbdb2068356e862c4637a4b15fe4f",
                ),
            ],
        },
        image: Some(ImageRules {
            resize: Resize::Squash,
            ..CLIP_224
        }),
        text: CHINESE_CLIP_TEXT,
        dim: 512,
        licence: "MIT (code); weights: see the model card",
        published: Some(Published {
            flickr_t2i_r1: Some(62.7),
            imagenet_top1: None,
            source: "Chinese-CLIP Results.md (Flickr30K-CN)",
        }),
    },
    ModelSpec {
        id: "minilm-l6",
        name: "all-MiniLM-L6-v2",
        role: Role::Text,
        family: Family::Bert,
        source: HubSource {
            repo: "sentence-transformers/all-MiniLM-L6-v2",
            revision: "1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
            files: &[
                pinned(
                    "config.json",
                    612,
                    "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
                ),
                pinned(
                    "tokenizer_config.json",
                    350,
                    "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
                ),
                pinned(
                    "tokenizer.json",
                    466_247,
                    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
                ),
                pinned(
                    "model.safetensors",
                    90_868_376,
                    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                ),
            ],
        },
        image: None,
        text: MEAN_POOLED,
        dim: 384,
        licence: "Apache-2.0",
        published: None,
    },
    ModelSpec {
        id: "multilingual-e5-small",
        name: "multilingual-e5-small",
        role: Role::Text,
        family: Family::Bert,
        source: HubSource {
            repo: "intfloat/multilingual-e5-small",
            revision: "614241f622f53c4eeff9890bdc4f31cfecc418b3",
            files: &[
                pinned(
                    "config.json",
                    655,
                    "69137736cab8b8903a07fe8afaafdda25aac55415a12a55d1bffa9f581abf959",
                ),
                pinned(
                    "tokenizer_config.json",
                    443,
                    "a1d6bc8734a6f635dc158508bef000f8e2e5a759c7d92f984b2c86e5ff53425b",
                ),
                pinned(
                    "tokenizer.json",
                    17_082_730,
                    "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
                ),
                pinned(
                    "model.safetensors",
                    470_641_600,
                    "1a55775f53449dac10a2bcbc312469fac40b96d53198c407081a831f81c98477",
                ),
            ],
        },
        image: None,
        text: TextRules {
            context: 512,
            query_prefix: "query: ",
            passage_prefix: "passage: ",
            ..MEAN_POOLED
        },
        dim: 384,
        licence: "MIT",
        published: None,
    },
];

/// The default bridge model (see the README for why).
pub const DEFAULT_BRIDGE: &str = "clip-vit-b32";
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
