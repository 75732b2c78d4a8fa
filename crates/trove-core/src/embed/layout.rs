//! Weight layout for the CPU: every linear layer's weight is kept transposed in memory.
//!
//! Checkpoints store a linear layer's weight as `[out, in]` rows, and Candle's `Linear`
//! multiplies by its transposed view. On the CPU that view reaches the `gemm` crate as a matrix
//! whose rows are `in` floats apart, which it must gather element by element into its panels
//! on every call: measured on the CLIP B/32 text tower, that gather was two thirds of a query's
//! time. Holding the same values column-major (`[in, out]` in memory, still shaped `[out, in]`)
//! turns the gather into straight vector copies. Shapes, values and every model's code stay as
//! they are; only strides change, and every Candle operation honours strides.
//!
//! Embedding tables are left alone (rows are looked up, so row-major is their best layout), as
//! are GPU devices, whose matrix libraries take either layout at full speed.

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device, Result, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder};

/// The safetensors files of a model, with linear weights laid out for the CPU's products.
pub struct CpuLayout {
    inner: MmapedSafetensors,
}

impl CpuLayout {
    /// A builder over `inner`'s tensors: transposed in memory on the CPU, as they are elsewhere.
    pub fn var_builder(
        inner: MmapedSafetensors,
        dtype: DType,
        device: &Device,
    ) -> VarBuilder<'static> {
        if device.is_cpu() {
            VarBuilder::from_backend(Box::new(CpuLayout { inner }), dtype, device.clone())
        } else {
            VarBuilder::from_backend(Box::new(inner), dtype, device.clone())
        }
    }
}

/// Whether `name` is a matrix Candle multiplies by its transpose: a linear layer's weight.
fn is_linear_weight(name: &str, shape: &Shape) -> bool {
    shape.rank() == 2 && name.ends_with("weight") && !name.contains("embed")
}

/// The same matrix, stored column-major.
fn column_major(t: Tensor) -> Result<Tensor> {
    t.t()?.contiguous()?.t()
}

impl SimpleBackend for CpuLayout {
    fn get(&self, s: Shape, name: &str, h: Init, dtype: DType, dev: &Device) -> Result<Tensor> {
        let t = SimpleBackend::get(&self.inner, s.clone(), name, h, dtype, dev)?;
        if is_linear_weight(name, &s) {
            column_major(t)
        } else {
            Ok(t)
        }
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> Result<Tensor> {
        let t = self.inner.get_unchecked(name, dtype, dev)?;
        if is_linear_weight(name, t.shape()) {
            column_major(t)
        } else {
            Ok(t)
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.inner.contains_tensor(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_major_keeps_shape_and_values() {
        let t = Tensor::arange(0f32, 6., &Device::Cpu)
            .unwrap()
            .reshape((2, 3))
            .unwrap();
        let c = column_major(t.clone()).unwrap();
        assert_eq!(c.dims(), &[2, 3]);
        assert_eq!(c.stride(), &[1, 2]);
        assert_eq!(c.to_vec2::<f32>().unwrap(), t.to_vec2::<f32>().unwrap());
        // What Linear multiplies by is now contiguous.
        assert!(c.t().unwrap().is_contiguous());
    }

    #[test]
    fn only_linear_weights_are_moved() {
        let m = Shape::from((4, 4));
        assert!(is_linear_weight(
            "text_model.encoder.layers.0.mlp.fc1.weight",
            &m
        ));
        assert!(is_linear_weight("text_projection.weight", &m));
        assert!(!is_linear_weight(
            "text_model.embeddings.token_embedding.weight",
            &m
        ));
        assert!(!is_linear_weight(
            "vision_model.embeddings.patch_embedding.weight",
            &Shape::from((4, 3, 2, 2))
        ));
        assert!(!is_linear_weight("layer_norm.weight", &Shape::from(4)));
        assert!(!is_linear_weight("q_proj.bias", &Shape::from(4)));
    }
}
