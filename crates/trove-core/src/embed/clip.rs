//! CLIP: Radford et al., "Learning Transferable Visual Models From Natural Language
//! Supervision" (2021), <https://arxiv.org/abs/2103.00020>. Reference implementation:
//! `transformers/models/clip/modeling_clip.py`; the towers are Candle's
//! (`candle_transformers::models::clip`).
//!
//! Candle's `ClipConfig` is built in code, not read from `config.json`, so this module reads the
//! hub's `config.json` into it. Two facts of Candle's implementation shape what it accepts:
//! it hard-wires quick-GELU and layer-norm epsilon 1e-5 (true of OpenAI's checkpoints), so a
//! config asking for anything else is refused loudly instead of silently computing other
//! vectors; and it pools the text at the highest token id, which is the end-of-text token in
//! CLIP's vocabulary.

use candle_core::{Result as CandleResult, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::clip::{
    ClipConfig, ClipModel, text_model::Activation, text_model::ClipTextConfig,
    vision_model::ClipVisionConfig,
};
use serde_json::Value;

use super::EmbedError;
use super::folder::{f64_or, str_or, sub_config, usize_or};

pub struct Clip {
    model: ClipModel,
}

/// Reads `config.json` into Candle's configuration, refusing what Candle cannot compute.
pub fn config(json: &Value) -> Result<ClipConfig, String> {
    let text = sub_config(json, "text_config");
    let vision = sub_config(json, "vision_config");
    // The top-level projection_dim is authoritative: sub-configs of some checkpoints hold a
    // stale default.
    let projection_dim = usize_or(json, "projection_dim", 512);
    for (tower, c) in [("text", text), ("vision", vision)] {
        let act = str_or(c, "hidden_act", "quick_gelu");
        if act != "quick_gelu" {
            return Err(format!(
                "the {tower} tower uses {act} activations; Trove's CLIP runs quick_gelu \
                 (OpenAI's checkpoints) only"
            ));
        }
        let eps = f64_or(c, "layer_norm_eps", 1e-5);
        if (eps - 1e-5).abs() > 1e-9 {
            return Err(format!(
                "the {tower} tower uses layer_norm_eps {eps}; Trove's CLIP runs 1e-5 only"
            ));
        }
    }
    let image_size = usize_or(vision, "image_size", 224);
    Ok(ClipConfig {
        text_config: ClipTextConfig {
            vocab_size: usize_or(text, "vocab_size", 49408),
            embed_dim: usize_or(text, "hidden_size", 512),
            activation: Activation::QuickGelu,
            intermediate_size: usize_or(text, "intermediate_size", 2048),
            max_position_embeddings: usize_or(text, "max_position_embeddings", 77),
            pad_with: None,
            num_hidden_layers: usize_or(text, "num_hidden_layers", 12),
            num_attention_heads: usize_or(text, "num_attention_heads", 8),
            projection_dim,
        },
        vision_config: ClipVisionConfig {
            embed_dim: usize_or(vision, "hidden_size", 768),
            activation: Activation::QuickGelu,
            intermediate_size: usize_or(vision, "intermediate_size", 3072),
            num_hidden_layers: usize_or(vision, "num_hidden_layers", 12),
            num_attention_heads: usize_or(vision, "num_attention_heads", 12),
            projection_dim,
            num_channels: usize_or(vision, "num_channels", 3),
            image_size,
            patch_size: usize_or(vision, "patch_size", 32),
        },
        logit_scale_init_value: f64_or(json, "logit_scale_init_value", 2.6592) as f32,
        image_size,
    })
}

impl Clip {
    pub fn load(json: &Value, vb: VarBuilder) -> Result<(Clip, usize), EmbedError> {
        let config = config(json).map_err(EmbedError::Unsupported)?;
        let dim = config.vision_config.projection_dim;
        let model = ClipModel::new(vb, &config)?;
        Ok((Clip { model }, dim))
    }

    /// `[batch, 3, size, size]` → `[batch, dim]`, not normalised.
    pub fn images(&self, pixels: &Tensor) -> CandleResult<Tensor> {
        self.model.get_image_features(pixels)
    }

    /// `[batch, len]` token ids → `[batch, dim]`. The causal mask means padding after the
    /// end-of-text token cannot change its state, so no attention mask is needed.
    pub fn texts(&self, ids: &Tensor) -> CandleResult<Tensor> {
        self.model.get_text_features(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_plain_gelu_checkpoints() {
        let json: Value = serde_json::json!({
            "projection_dim": 512,
            "text_config": {"hidden_act": "gelu"},
            "vision_config": {}
        });
        let err = config(&json).unwrap_err();
        assert!(err.contains("gelu"), "{err}");
    }

    #[test]
    fn top_level_projection_dim_wins() {
        let json: Value = serde_json::json!({
            "projection_dim": 64,
            "text_config": {"hidden_size": 96, "projection_dim": 512},
            "vision_config_dict": {"hidden_size": 96, "image_size": 64, "patch_size": 8}
        });
        let c = config(&json).unwrap();
        assert_eq!(c.text_config.projection_dim, 64);
        assert_eq!(c.vision_config.projection_dim, 64);
        assert_eq!(c.vision_config.patch_size, 8);
        assert_eq!(c.image_size, 64);
    }
}
