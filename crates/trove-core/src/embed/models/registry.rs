//! The registry's rows: every model Trove supports, with where its files live and how to feed it.

use super::*;
use crate::embed::download::HubFile;

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

/// Every supported model, the default bridge model first. Revisions are commits (for OpenAI's and OFA-Sys' repositories, the
/// safetensors conversion commits: their `main` has only pickled weights, which Trove does not
/// load). Sizes are bytes. Published figures: open_clip's clip_benchmark tables for CLIP and
/// SigLIP, the SigLIP 2 authors' table (big_vision's README_siglip2.md) for SigLIP 2, the
/// Chinese-CLIP authors' Results.md (Flickr30K-CN) for Chinese-CLIP. COCO is the 5k test
/// split, Flickr30k the 1k test split, both text → image Recall@1.
pub(super) static REGISTRY: &[ModelSpec] = &[
    ModelSpec {
        id: "siglip2-b32-256",
        name: "Google SigLIP 2 B/32 256",
        role: Role::Bridge,
        family: Family::Siglip,
        source: HubSource {
            repo: "google/siglip2-base-patch32-256",
            revision: "9e7ee68506177b546b2d5dc578f54afdc5e425f1",
            files: &[
                pinned(
                    "config.json",
                    298,
                    "52deee7a2d6fb2e73c45720d9c4056f0e4dc582ef84524aac229c6d5aa348dee",
                ),
                at_revision("preprocessor_config.json"),
                pinned(
                    "tokenizer.json",
                    34_363_039,
                    "cb9140fae3ac5122c972d37adf83e1248471a38147ad76f8215c8872c6fd8322",
                ),
                pinned(
                    "model.safetensors",
                    1_507_473_288,
                    "7d241bb3becad218f211f480487f491df4f8c0a472ecf7afdec5615815a301f1",
                ),
            ],
        },
        image: Some(ImageRules {
            size: 256,
            ..SIGLIP_224
        }),
        text: SIGLIP2_TEXT,
        dim: 768,
        licence: "Apache-2.0",
        published: Some(Published {
            coco_t2i_r1: Some(47.2),
            flickr_t2i_r1: None,
            imagenet_top1: Some(74.0),
            source: "SigLIP 2 paper (arXiv 2502.14786), big_vision README_siglip2.md",
        }),
    },
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
            coco_t2i_r1: Some(30.4),
            flickr_t2i_r1: Some(58.8),
            imagenet_top1: Some(63.3),
            source: "open_clip clip_benchmark (docs/openclip_retrieval_results.csv)",
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
            coco_t2i_r1: Some(33.1),
            flickr_t2i_r1: Some(62.2),
            imagenet_top1: Some(68.3),
            source: "open_clip clip_benchmark (docs/openclip_retrieval_results.csv)",
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
            coco_t2i_r1: Some(47.8),
            flickr_t2i_r1: Some(74.7),
            imagenet_top1: Some(76.0),
            source: "open_clip clip_benchmark (docs/openclip_retrieval_results.csv)",
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
        text: SIGLIP2_TEXT,
        dim: 768,
        licence: "Apache-2.0",
        published: Some(Published {
            coco_t2i_r1: Some(52.1),
            flickr_t2i_r1: None,
            imagenet_top1: Some(78.2),
            source: "SigLIP 2 paper (arXiv 2502.14786), big_vision README_siglip2.md",
        }),
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
            coco_t2i_r1: None,
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
