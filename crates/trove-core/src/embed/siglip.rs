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
