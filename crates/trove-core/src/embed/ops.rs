//! Fused CPU kernels for the towers' element-wise steps, where Candle's generic ones cost a
//! measurable share of a forward pass.
//!
//! GELU with the tanh approximation (`gelu_pytorch_tanh`, SigLIP's activation): Candle computes
//! it one element at a time through the C library's `tanhf`, a fifth of SigLIP's image tower on
//! the build machine. Here it is `x · σ(2u)` with `u = √(2/π)(x + 0.044715x³)` (the same function:
//! `½(1 + tanh u) = σ(2u)`), with an `exp` that vectorises (range reduction to `[-½ln2, ½ln2]`
//! and a degree-6 polynomial, within 2 ulp of `expf`), run over slices on the thread pool.

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// GELU, tanh approximation, as PyTorch's `gelu(approximate="tanh")`.
pub fn gelu_tanh(xs: &Tensor) -> Result<Tensor> {
    if xs.device().is_cpu() && xs.dtype() == DType::F32 {
        xs.contiguous()?.apply_op1_no_bwd(&GeluTanh)
    } else {
        xs.gelu()
    }
}

struct GeluTanh;

impl CustomOp1 for GeluTanh {
    fn name(&self) -> &'static str {
        "trove-gelu-tanh"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(data) = storage else {
            candle_core::bail!("gelu_tanh: f32 only");
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("gelu_tanh: contiguous input only");
        };
        let input = &data[start..end];
        let mut out = vec![0f32; input.len()];
        // Chunks large enough that the pool's overhead is noise, small enough to share out.
        out.par_chunks_mut(1 << 14)
            .zip(input.par_chunks(1 << 14))
            .for_each(|(o, i)| gelu_slice(i, o));
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

fn gelu_slice(input: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { gelu_avx512(input, out) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: as above.
            return unsafe { gelu_avx2(input, out) };
        }
    }
    gelu_portable(input, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn gelu_avx512(input: &[f32], out: &mut [f32]) {
    gelu_portable(input, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gelu_avx2(input: &[f32], out: &mut [f32]) {
    gelu_portable(input, out);
}

/// Written without branches or calls so the compiler vectorises it for whichever features the
/// caller was compiled with.
#[inline(always)]
fn gelu_portable(input: &[f32], out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = gelu_one(x);
    }
}

#[inline(always)]
fn gelu_one(x: f32) -> f32 {
    const SQRT_2_OVER_PI: f32 = 0.797_884_6;
    let u = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
    x / (1.0 + exp(-2.0 * u))
}

/// `e^z` for `z` in about [-87, 88] (clamped there: beyond it GELU is 0 or `x` anyway).
#[inline(always)]
fn exp(z: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that `z - n·ln2` is exact for the n that occur.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and taking away 1.5·2²³ rounds to the nearest integer without a call.
    const ROUND: f32 = 12_582_912.0;
    let z = z.clamp(-87.0, 88.0);
    let n = (z * LOG2E + ROUND) - ROUND;
    let r = z - n * LN2_HI - n * LN2_LO;
    // e^r on [-½ln2, ½ln2]: the Taylor series to r⁷, within 1 ulp there.
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    p * scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn reference(x: f64) -> f64 {
        let u = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3));
        0.5 * x * (1.0 + u.tanh())
    }

    #[test]
    fn exp_is_within_a_few_ulp_of_the_library() {
        let mut worst = 0f32;
        for i in -8700..=8800 {
            let z = i as f32 / 100.0;
            let (ours, libm) = (exp(z), z.exp());
            worst = worst.max(((ours - libm) / libm).abs());
        }
        assert!(worst < 4.0 * f32::EPSILON, "relative error {worst}");
    }

    #[test]
    fn gelu_matches_the_tanh_formula_everywhere() {
        let xs: Vec<f32> = (-20_000..=20_000).map(|i| i as f32 / 1000.0).collect();
        let mut out = vec![0f32; xs.len()];
        gelu_slice(&xs, &mut out);
        for (&x, &g) in xs.iter().zip(&out) {
            let want = reference(x as f64);
            let err = (g as f64 - want).abs();
            assert!(
                err <= 1e-6 * (1.0 + want.abs()),
                "gelu({x}) = {g}, want {want}"
            );
        }
        // Far out it is 0 and x, not NaN or infinite.
        let mut far = [0f32; 3];
        gelu_slice(&[-1e4, 1e4, -0.0], &mut far);
        assert!(far[0].abs() < 1e-30, "{}", far[0]);
        assert_eq!(far[1], 1e4);
        assert_eq!(far[2], 0.0);
    }

    #[test]
    fn the_op_agrees_with_candles_gelu() {
        let xs = Tensor::arange(-300f32, 300., &Device::Cpu)
            .unwrap()
            .affine(0.02, 0.0)
            .unwrap()
            .reshape((20, 30))
            .unwrap();
        let ours = gelu_tanh(&xs.t().unwrap()).unwrap();
        let theirs = xs.t().unwrap().gelu().unwrap();
        let diff = (ours - theirs)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(diff < 1e-5, "{diff}");
    }
}
