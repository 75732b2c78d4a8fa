//! SigLIP: Zhai et al., "Sigmoid Loss for Language Image Pre-Training" (2023),
//! <https://arxiv.org/abs/2303.15343>, and SigLIP 2 (Tschannen et al., 2025,
//! <https://arxiv.org/abs/2502.14786>) in its fixed-resolution form, which keeps the same
//! towers. Reference implementation: `transformers/models/siglip/modeling_siglip.py`.
//!
//! The towers are Trove's own, built from Candle's layers, because Candle's SigLIP computes its
//! GELU one element at a time (a fifth of the image tower's time here): these run
//! [`ops::gelu_tanh`]. The configuration is Candle's (`candle_transformers::models::siglip`),
//! which reads straight from the hub's `config.json` with the reference's defaults.
//!
//! SigLIP's text tower pools the *last* position and was trained on text padded to its full
//! context (64 tokens), with no attention mask: the tokenizer rules pad every query to 64.

use std::path::Path;

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, IndexOp, Module, Result as CandleResult, Tensor};
use candle_nn::{
    Activation, Conv2d, Conv2dConfig, Embedding, LayerNorm, Linear, VarBuilder, layer_norm, linear,
};
use candle_transformers::models::siglip::{Config, TextConfig, VisionConfig};
use serde_json::Value;

use super::{EmbedError, ops};

pub struct Siglip {
    vision: VisionTower,
    text: TextTower,
}

impl Siglip {
    /// `weights` is the folder's safetensors file, which the text tower's token table is read
    /// from in place (see [`TokenTable`]).
    pub fn load(
        json: &Value,
        vb: VarBuilder,
        weights: &Path,
    ) -> Result<(Siglip, usize), EmbedError> {
        let config: Config = serde_json::from_value(json.clone())
            .map_err(|e| EmbedError::Unsupported(format!("SigLIP config.json: {e}")))?;
        let dim = config.vision_config.hidden_size;
        if config.text_config.hidden_size != dim {
            return Err(EmbedError::Unsupported(format!(
                "SigLIP towers of different widths ({} text, {dim} vision) share no space",
                config.text_config.hidden_size
            )));
        }
        let vision = VisionTower::new(&config.vision_config, vb.pp("vision_model"))?;
        let text = TextTower::new(&config.text_config, vb.pp("text_model"), weights)?;
        Ok((Siglip { vision, text }, dim))
    }

    /// `[batch, 3, size, size]` → `[batch, dim]`: the attention-pooled image features.
    pub fn images(&self, pixels: &Tensor) -> CandleResult<Tensor> {
        self.vision.forward(pixels)
    }

    /// `[batch, 64]` token ids → `[batch, dim]`: the last position, through the head.
    pub fn texts(&self, ids: &Tensor) -> CandleResult<Tensor> {
        self.text.forward(ids)
    }
}

/// What the encoder layers of both towers are shaped by.
struct Shape {
    hidden: usize,
    intermediate: usize,
    heads: usize,
    layers: usize,
    eps: f64,
    act: Activation,
}

impl From<&VisionConfig> for Shape {
    fn from(c: &VisionConfig) -> Shape {
        Shape {
            hidden: c.hidden_size,
            intermediate: c.intermediate_size,
            heads: c.num_attention_heads,
            layers: c.num_hidden_layers,
            eps: c.layer_norm_eps,
            act: c.hidden_act,
        }
    }
}

impl From<&TextConfig> for Shape {
    fn from(c: &TextConfig) -> Shape {
        Shape {
            hidden: c.hidden_size,
            intermediate: c.intermediate_size,
            heads: c.num_attention_heads,
            layers: c.num_hidden_layers,
            eps: c.layer_norm_eps,
            act: c.hidden_act,
        }
    }
}

struct Mlp {
    fc1: Linear,
    fc2: Linear,
    act: Activation,
}

impl Mlp {
    fn new(s: &Shape, vb: VarBuilder) -> CandleResult<Mlp> {
        Ok(Mlp {
            fc1: linear(s.hidden, s.intermediate, vb.pp("fc1"))?,
            fc2: linear(s.intermediate, s.hidden, vb.pp("fc2"))?,
            act: s.act,
        })
    }

    fn forward(&self, xs: &Tensor) -> CandleResult<Tensor> {
        let xs = self.fc1.forward(xs)?;
        let xs = match self.act {
            Activation::GeluPytorchTanh => ops::gelu_tanh(&xs)?,
            act => act.forward(&xs)?,
        };
        self.fc2.forward(&xs)
    }
}

/// Multi-head attention; `q` may be shorter than `kv` (the pooling head's one probe).
struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    heads: usize,
}

impl Attention {
    fn new(s: &Shape, vb: VarBuilder) -> CandleResult<Attention> {
        let h = s.hidden;
        Ok(Attention {
            q: linear(h, h, vb.pp("q_proj"))?,
            k: linear(h, h, vb.pp("k_proj"))?,
            v: linear(h, h, vb.pp("v_proj"))?,
            out: linear(h, h, vb.pp("out_proj"))?,
            heads: s.heads,
        })
    }

    /// PyTorch's `nn.MultiheadAttention` weights (the pooling head): one packed input matrix.
    fn packed(s: &Shape, vb: VarBuilder) -> CandleResult<Attention> {
        let h = s.hidden;
        let w = vb.get((3 * h, h), "in_proj_weight")?.chunk(3, 0)?;
        let b = vb.get(3 * h, "in_proj_bias")?.chunk(3, 0)?;
        let part = |i: usize| Linear::new(w[i].clone(), Some(b[i].clone()));
        Ok(Attention {
            q: part(0),
            k: part(1),
            v: part(2),
            out: linear(h, h, vb.pp("out_proj"))?,
            heads: s.heads,
        })
    }

    fn forward(&self, q: &Tensor, kv: &Tensor) -> CandleResult<Tensor> {
        let (batch, q_len, hidden) = q.dims3()?;
        let kv_len = kv.dim(1)?;
        let head_dim = hidden / self.heads;
        let split = |t: Tensor, len: usize| {
            t.reshape((batch, len, self.heads, head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.q.forward(q)?, q_len)?;
        let k = split(self.k.forward(kv)?, kv_len)?;
        let v = split(self.v.forward(kv)?, kv_len)?;
        let weights = (q.matmul(&k.t()?)? * (head_dim as f64).powf(-0.5))?;
        let weights = candle_nn::ops::softmax_last_dim(&weights)?;
        let out = weights
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((batch, q_len, hidden))?;
        self.out.forward(&out)
    }
}

/// Pre-norm encoder layers.
struct Encoder {
    layers: Vec<(LayerNorm, Attention, LayerNorm, Mlp)>,
}

impl Encoder {
    fn new(s: &Shape, vb: VarBuilder) -> CandleResult<Encoder> {
        let vb = vb.pp("layers");
        let layers = (0..s.layers)
            .map(|i| {
                let vb = vb.pp(i);
                Ok((
                    layer_norm(s.hidden, s.eps, vb.pp("layer_norm1"))?,
                    Attention::new(s, vb.pp("self_attn"))?,
                    layer_norm(s.hidden, s.eps, vb.pp("layer_norm2"))?,
                    Mlp::new(s, vb.pp("mlp"))?,
                ))
            })
            .collect::<CandleResult<_>>()?;
        Ok(Encoder { layers })
    }

    fn forward(&self, xs: &Tensor) -> CandleResult<Tensor> {
        let mut xs = xs.clone();
        for (norm1, attention, norm2, mlp) in &self.layers {
            let normed = norm1.forward(&xs)?;
            xs = (&xs + attention.forward(&normed, &normed)?)?;
            xs = (&xs + mlp.forward(&norm2.forward(&xs)?)?)?;
        }
        Ok(xs)
    }
}

struct VisionTower {
    patches: Conv2d,
    /// `[patches, hidden]`.
    positions: Tensor,
    encoder: Encoder,
    post_norm: LayerNorm,
    /// The attention-pooling head ("MAP"): one learnt probe attends over every patch.
    probe: Tensor,
    pool: Attention,
    pool_norm: LayerNorm,
    pool_mlp: Mlp,
}

impl VisionTower {
    fn new(c: &VisionConfig, vb: VarBuilder) -> CandleResult<VisionTower> {
        let s = Shape::from(c);
        let grid = c.image_size / c.patch_size;
        let emb = vb.pp("embeddings");
        let config = Conv2dConfig {
            stride: c.patch_size,
            ..Default::default()
        };
        let patches = candle_nn::conv2d(
            c.num_channels,
            s.hidden,
            c.patch_size,
            config,
            emb.pp("patch_embedding"),
        )?;
        let positions = emb.get((grid * grid, s.hidden), "position_embedding.weight")?;
        let head = vb.pp("head");
        Ok(VisionTower {
            patches,
            positions,
            encoder: Encoder::new(&s, vb.pp("encoder"))?,
            post_norm: layer_norm(s.hidden, s.eps, vb.pp("post_layernorm"))?,
            probe: head.get((1, 1, s.hidden), "probe")?,
            pool: Attention::packed(&s, head.pp("attention"))?,
            pool_norm: layer_norm(s.hidden, s.eps, head.pp("layernorm"))?,
            pool_mlp: Mlp::new(&s, head.pp("mlp"))?,
        })
    }

    fn forward(&self, pixels: &Tensor) -> CandleResult<Tensor> {
        let batch = pixels.dim(0)?;
        // [batch, hidden, grid, grid] → [batch, patches, hidden]
        let xs = self
            .patches
            .forward(pixels)?
            .flatten_from(2)?
            .transpose(1, 2)?;
        let xs = xs.broadcast_add(&self.positions)?;
        let xs = self.encoder.forward(&xs)?;
        let xs = self.post_norm.forward(&xs)?;
        let probe = self.probe.repeat((batch, 1, 1))?;
        let pooled = self.pool.forward(&probe, &xs)?;
        let pooled = (&pooled + self.pool_mlp.forward(&self.pool_norm.forward(&pooled)?)?)?;
        pooled.i((.., 0))
    }
}

/// The text tower's token table. SigLIP 2's has 256,000 rows (786 MB in f32) of which a query
/// reads a dozen, so on the CPU in f32 it stays in the mapped weights file: the rows a query
/// touches are paged in, the rest cost no memory. Elsewhere it is loaded as usual.
enum TokenTable {
    Loaded(Embedding),
    Mapped {
        file: MmapedSafetensors,
        name: String,
        rows: usize,
        hidden: usize,
    },
}

impl TokenTable {
    fn new(
        vb: &VarBuilder,
        weights: &Path,
        rows: usize,
        hidden: usize,
    ) -> CandleResult<TokenTable> {
        let name = format!("{}.weight", vb.prefix());
        if vb.device().is_cpu() && vb.dtype() == DType::F32 {
            // SAFETY: mapped read-only, as the VarBuilder maps it (see `folder.rs`).
            let file = unsafe { MmapedSafetensors::new(weights)? };
            // Four bytes a value at this shape: f32 (weights are never integers).
            let fits = file.get(&name).is_ok_and(|view| {
                view.shape() == [rows, hidden] && view.data().len() == rows * hidden * 4
            });
            if fits {
                return Ok(TokenTable::Mapped {
                    file,
                    name,
                    rows,
                    hidden,
                });
            }
        }
        Ok(TokenTable::Loaded(candle_nn::embedding(
            rows,
            hidden,
            vb.clone(),
        )?))
    }

    /// `[batch, len]` ids → `[batch, len, hidden]`.
    fn forward(&self, ids: &Tensor) -> CandleResult<Tensor> {
        let (file, name, rows, hidden) = match self {
            TokenTable::Loaded(table) => return table.forward(ids),
            TokenTable::Mapped {
                file,
                name,
                rows,
                hidden,
            } => (file, name, rows, hidden),
        };
        let view = file.get(name)?;
        let bytes = view.data();
        let (batch, len) = ids.dims2()?;
        let mut out = Vec::with_capacity(batch * len * hidden);
        for id in ids.flatten_all()?.to_vec1::<u32>()? {
            let id = id as usize;
            if id >= *rows {
                candle_core::bail!("token id {id} is outside the {rows}-row token table");
            }
            let row = &bytes[id * hidden * 4..(id + 1) * hidden * 4];
            out.extend(
                row.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
        }
        Tensor::from_vec(out, (batch, len, *hidden), ids.device())
    }
}

struct TextTower {
    tokens: TokenTable,
    /// `[context, hidden]`.
    positions: Tensor,
    encoder: Encoder,
    final_norm: LayerNorm,
    head: Linear,
}

impl TextTower {
    fn new(c: &TextConfig, vb: VarBuilder, weights: &Path) -> CandleResult<TextTower> {
        let s = Shape::from(c);
        let emb = vb.pp("embeddings");
        Ok(TextTower {
            tokens: TokenTable::new(&emb.pp("token_embedding"), weights, c.vocab_size, s.hidden)?,
            positions: emb.get(
                (c.max_position_embeddings, s.hidden),
                "position_embedding.weight",
            )?,
            encoder: Encoder::new(&s, vb.pp("encoder"))?,
            final_norm: layer_norm(s.hidden, s.eps, vb.pp("final_layer_norm"))?,
            head: linear(s.hidden, s.hidden, vb.pp("head"))?,
        })
    }

    fn forward(&self, ids: &Tensor) -> CandleResult<Tensor> {
        let len = ids.dim(1)?;
        let xs = self
            .tokens
            .forward(ids)?
            .broadcast_add(&self.positions.narrow(0, 0, len)?)?;
        let xs = self.final_norm.forward(&self.encoder.forward(&xs)?)?;
        self.head.forward(&xs.i((.., len - 1))?.contiguous()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

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

    /// On the CPU in f32 the token table stays in the file, and reads the rows loading gives.
    #[test]
    fn the_token_table_is_read_in_place() {
        use crate::embed::device::Selected;
        use crate::embed::folder::ModelFolder;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/models/parity/siglip2");
        let folder = ModelFolder::open(&dir).unwrap();
        let vb = folder
            .var_builder(&Selected::cpu())
            .unwrap()
            .pp("text_model.embeddings.token_embedding");
        let c: Config = serde_json::from_value(folder.config.clone()).unwrap();
        let (rows, hidden) = (c.text_config.vocab_size, c.text_config.hidden_size);
        let mapped = TokenTable::new(&vb, &folder.weights, rows, hidden).unwrap();
        assert!(matches!(mapped, TokenTable::Mapped { .. }));
        let loaded = TokenTable::Loaded(candle_nn::embedding(rows, hidden, vb).unwrap());
        let ids = Tensor::new(&[[0u32, 1, 7], [300, 2, (rows - 1) as u32]], &Device::Cpu).unwrap();
        let (a, b) = (mapped.forward(&ids).unwrap(), loaded.forward(&ids).unwrap());
        assert_eq!(a.dims(), &[2, 3, hidden]);
        assert_eq!(a.to_vec3::<f32>().unwrap(), b.to_vec3::<f32>().unwrap());
        let outside = Tensor::new(&[[rows as u32]], &Device::Cpu).unwrap();
        assert!(mapped.forward(&outside).is_err());
    }

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
