//! Chinese-CLIP: Yang et al., "Chinese CLIP: Contrastive Vision-Language Pretraining in
//! Chinese" (2022), <https://arxiv.org/abs/2211.01335>. Reference implementation:
//! `transformers/models/chinese_clip/modeling_chinese_clip.py`; the towers are Candle's
//! (`candle_transformers::models::chinese_clip`): a CLIP ViT for images and a RoBERTa-wwm
//! (BERT architecture) text tower pooled at its [CLS] token, with an attention mask.
//!
//! As with CLIP, Candle's configuration is built in code; this module reads `config.json`
//! into it and refuses what it would compute differently.

use candle_core::{Result as CandleResult, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::chinese_clip::{
    Activation, ChineseClipConfig, ChineseClipModel,
    text_model::{ChineseClipTextConfig, PositionEmbeddingType},
    vision_model::ChineseClipVisionConfig,
};
use serde_json::Value;

use super::EmbedError;
use super::folder::{f64_or, str_or, sub_config, usize_or};

pub struct ChineseClip {
    model: ChineseClipModel,
}

fn activation(name: &str) -> Result<Activation, String> {
    match name {
        "quick_gelu" => Ok(Activation::QuickGelu),
        "gelu" => Ok(Activation::Gelu),
        "gelu_new" => Ok(Activation::GeluNew),
        "relu" => Ok(Activation::Relu),
        other => Err(format!("unsupported activation {other:?}")),
    }
}

pub fn config(json: &Value) -> Result<ChineseClipConfig, String> {
    let text = sub_config(json, "text_config");
    let vision = sub_config(json, "vision_config");
    let projection_dim = usize_or(json, "projection_dim", 512);
    let position = str_or(text, "position_embedding_type", "absolute");
    if position != "absolute" {
        return Err(format!("unsupported position_embedding_type {position:?}"));
    }
    let defaults = ChineseClipTextConfig::default();
    let image_size = usize_or(vision, "image_size", 224);
    Ok(ChineseClipConfig {
        text_config: ChineseClipTextConfig {
            vocab_size: usize_or(text, "vocab_size", 21128),
            hidden_size: usize_or(text, "hidden_size", 768),
            num_hidden_layers: usize_or(text, "num_hidden_layers", 12),
            num_attention_heads: usize_or(text, "num_attention_heads", 12),
            intermediate_size: usize_or(text, "intermediate_size", 3072),
            hidden_act: activation(str_or(text, "hidden_act", "gelu"))?,
            max_position_embeddings: usize_or(text, "max_position_embeddings", 512),
            type_vocab_size: usize_or(text, "type_vocab_size", 2),
            layer_norm_eps: f64_or(text, "layer_norm_eps", 1e-12),
            pad_token_id: usize_or(text, "pad_token_id", 0),
            position_embedding_type: PositionEmbeddingType::Absolute,
            ..defaults
        },
        vision_config: ChineseClipVisionConfig {
            hidden_size: usize_or(vision, "hidden_size", 768),
            intermediate_size: usize_or(vision, "intermediate_size", 3072),
            projection_dim,
            num_hidden_layers: usize_or(vision, "num_hidden_layers", 12),
            num_attention_heads: usize_or(vision, "num_attention_heads", 12),
            num_channels: usize_or(vision, "num_channels", 3),
            image_size,
            patch_size: usize_or(vision, "patch_size", 16),
            hidden_act: activation(str_or(vision, "hidden_act", "quick_gelu"))?,
            layer_norm_eps: f64_or(vision, "layer_norm_eps", 1e-5),
            ..ChineseClipVisionConfig::default()
        },
        projection_dim,
        logit_scale_init_value: f64_or(json, "logit_scale_init_value", 2.6592) as f32,
        image_size,
    })
}

impl ChineseClip {
    pub fn load(json: &Value, vb: VarBuilder) -> Result<(ChineseClip, usize), EmbedError> {
        let config = config(json).map_err(EmbedError::Unsupported)?;
        let dim = config.projection_dim;
        let model = ChineseClipModel::new(vb, &config)?;
        Ok((ChineseClip { model }, dim))
    }

    pub fn images(&self, pixels: &Tensor) -> CandleResult<Tensor> {
        self.model.get_image_features(pixels)
    }

    pub fn texts(&self, ids: &Tensor, mask: &Tensor) -> CandleResult<Tensor> {
        let types = ids.zeros_like()?;
        self.model.get_text_features(ids, Some(&types), Some(mask))
    }
}
