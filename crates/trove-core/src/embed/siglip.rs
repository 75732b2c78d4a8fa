//! SigLIP: Zhai et al., "Sigmoid Loss for Language Image Pre-Training" (2023),
//! <https://arxiv.org/abs/2303.15343>, and SigLIP 2 (Tschannen et al., 2025,
//! <https://arxiv.org/abs/2502.14786>) in its fixed-resolution form, which keeps the same
//! towers. Reference implementation: `transformers/models/siglip/modeling_siglip.py`; the towers
//! are Candle's (`candle_transformers::models::siglip`), whose configuration reads straight from
//! the hub's `config.json`.
//!
//! SigLIP's text tower pools the *last* position and was trained on text padded to its full
//! context (64 tokens), with no attention mask: the tokenizer rules pad every query to 64.

use candle_core::{Result as CandleResult, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::siglip::{Config, Model};
use serde_json::Value;

use super::EmbedError;

pub struct Siglip {
    model: Model,
}

impl Siglip {
    pub fn load(json: &Value, vb: VarBuilder) -> Result<(Siglip, usize), EmbedError> {
        let config: Config = serde_json::from_value(json.clone())
            .map_err(|e| EmbedError::Unsupported(format!("SigLIP config.json: {e}")))?;
        let dim = config.vision_config.hidden_size;
        if config.text_config.hidden_size != dim {
            return Err(EmbedError::Unsupported(format!(
                "SigLIP towers of different widths ({} text, {dim} vision) share no space",
                config.text_config.hidden_size
            )));
        }
        let model = Model::new(&config, vb)?;
        Ok((Siglip { model }, dim))
    }

    pub fn images(&self, pixels: &Tensor) -> CandleResult<Tensor> {
        self.model.get_image_features(pixels)
    }

    pub fn texts(&self, ids: &Tensor) -> CandleResult<Tensor> {
        self.model.get_text_features(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// google/siglip2-base-patch32-256's `config.json`, byte for byte (298 bytes, the sha256 the
    /// registry pins): everything but the vocabulary and the patch grid is left to the
    /// reference's defaults, which Candle's configuration shares.
    const SIGLIP2_B32_CONFIG: &str = r#"{
  "initializer_factor": 1.0,
  "model_type": "siglip",
  "text_config": {
    "model_type": "siglip_text_model",
    "vocab_size": 256000
  },
  "transformers_version": "4.49.0.dev0",
  "vision_config": {
    "image_size": 256,
    "model_type": "siglip_vision_model",
    "patch_size": 32
  }
}
"#;

    #[test]
    fn the_hub_config_of_siglip2_b32_reads_as_its_architecture() {
        use sha2::Digest;
        assert_eq!(SIGLIP2_B32_CONFIG.len(), 298);
        assert_eq!(
            format!("{:x}", sha2::Sha256::digest(SIGLIP2_B32_CONFIG)),
            "52deee7a2d6fb2e73c45720d9c4056f0e4dc582ef84524aac229c6d5aa348dee"
        );
        let c: Config = serde_json::from_str(SIGLIP2_B32_CONFIG).unwrap();
        let (t, v) = (&c.text_config, &c.vision_config);
        assert_eq!(
            (
                t.vocab_size,
                t.hidden_size,
                t.num_hidden_layers,
                t.max_position_embeddings
            ),
            (256_000, 768, 12, 64)
        );
        assert_eq!(
            (
                v.image_size,
                v.patch_size,
                v.hidden_size,
                v.num_hidden_layers
            ),
            (256, 32, 768, 12)
        );
        assert_eq!(t.layer_norm_eps, 1e-6);
    }
}
