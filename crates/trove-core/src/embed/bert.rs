//! BERT sentence embedders: Devlin et al., "BERT" (2018), <https://arxiv.org/abs/1810.04805>,
//! pooled as Sentence-BERT does (Reimers & Gurevych, 2019, <https://arxiv.org/abs/1908.10084>):
//! the mean of the token states under the attention mask, then L2-normalised. This is how
//! all-MiniLM-L6-v2 and the e5 family are used. Reference implementation:
//! `sentence_transformers.models.Pooling` over `transformers`' `BertModel`; the encoder is
//! Candle's (`candle_transformers::models::bert`), whose configuration reads from `config.json`.

use candle_core::{DType, Result as CandleResult, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde_json::Value;

use super::EmbedError;

pub struct Bert {
    model: BertModel,
}

impl Bert {
    pub fn load(json: &Value, vb: VarBuilder) -> Result<(Bert, usize), EmbedError> {
        let config: Config = serde_json::from_value(json.clone())
            .map_err(|e| EmbedError::Unsupported(format!("BERT config.json: {e}")))?;
        let dim = config.hidden_size;
        let model = BertModel::load(vb, &config)?;
        Ok((Bert { model }, dim))
    }

    /// The token states, `[batch, len, hidden]`.
    pub fn hidden(&self, ids: &Tensor, mask: &Tensor) -> CandleResult<Tensor> {
        let types = ids.zeros_like()?;
        self.model.forward(ids, &types, Some(mask))
    }

    /// Mean-pooled sentence vectors, `[batch, hidden]` (normalised by the caller, as every
    /// vector is).
    pub fn texts(&self, ids: &Tensor, mask: &Tensor) -> CandleResult<Tensor> {
        let hidden = self.hidden(ids, mask)?;
        let m = mask.to_dtype(hidden.dtype())?.unsqueeze(2)?;
        let sum = hidden.broadcast_mul(&m)?.sum(1)?;
        let count = m.sum(1)?.clamp(1e-9, f64::MAX)?;
        sum.broadcast_div(&count.to_dtype(DType::F32)?.to_dtype(hidden.dtype())?)
    }
}
