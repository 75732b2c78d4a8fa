//! Where models run: the CPU, or a CUDA or Metal GPU when Trove is built with the `cuda` or
//! `metal` feature and one is present.
//!
//! GPUs compute in half precision (f16; the towers are trained in it and it halves memory
//! traffic); the CPU in f32, where half precision is slower, not faster.

use candle_core::{DType, Device};
use serde::Serialize;

use super::EmbedError;

/// The device the user asked for (`--device`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// A GPU when one is present, else the CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
    Metal,
}

impl DeviceChoice {
    pub fn parse(s: &str) -> Option<DeviceChoice> {
        match s {
            "auto" => Some(DeviceChoice::Auto),
            "cpu" => Some(DeviceChoice::Cpu),
            "cuda" => Some(DeviceChoice::Cuda),
            "metal" => Some(DeviceChoice::Metal),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceChoice::Auto => "auto",
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
            DeviceChoice::Metal => "metal",
        }
    }

    /// The choices this build can honour (a GPU back end is compiled in by a cargo feature).
    pub fn built() -> Vec<DeviceChoice> {
        let mut choices = vec![DeviceChoice::Auto, DeviceChoice::Cpu];
        if cfg!(feature = "cuda") {
            choices.push(DeviceChoice::Cuda);
        }
        if cfg!(feature = "metal") {
            choices.push(DeviceChoice::Metal);
        }
        choices
    }
}

/// A device ready to run models, with the precision used there.
#[derive(Debug, Clone)]
pub struct Selected {
    pub device: Device,
    pub dtype: DType,
    /// "cpu", "cuda:0", "metal:0".
    pub name: String,
}

impl Selected {
    pub fn cpu() -> Selected {
        Selected {
            device: Device::Cpu,
            dtype: DType::F32,
            name: "cpu".into(),
        }
    }
}

/// Opens the requested device. `Auto` falls back to the CPU quietly (logged); an explicit GPU
/// request that cannot be met is an error that says why.
pub fn select(choice: DeviceChoice) -> Result<Selected, EmbedError> {
    match choice {
        DeviceChoice::Cpu => Ok(Selected::cpu()),
        DeviceChoice::Cuda => cuda(),
        DeviceChoice::Metal => metal(),
        DeviceChoice::Auto => {
            let gpu = if cfg!(feature = "cuda") {
                cuda()
            } else if cfg!(feature = "metal") {
                metal()
            } else {
                return Ok(Selected::cpu());
            };
            gpu.or_else(|e| {
                tracing::info!("no usable GPU, running models on the CPU: {e}");
                Ok(Selected::cpu())
            })
        }
    }
}

fn cuda() -> Result<Selected, EmbedError> {
    if !cfg!(feature = "cuda") {
        return Err(EmbedError::Device(
            "this Trove was built without CUDA support; rebuild with `--features cuda` \
             (needs the CUDA toolkit) or use --device cpu"
                .into(),
        ));
    }
    let device =
        Device::new_cuda(0).map_err(|e| EmbedError::Device(format!("no usable CUDA GPU: {e}")))?;
    Ok(Selected {
        device,
        dtype: DType::F16,
        name: "cuda:0".into(),
    })
}

fn metal() -> Result<Selected, EmbedError> {
    if !cfg!(feature = "metal") {
        return Err(EmbedError::Device(
            "this Trove was built without Metal support; rebuild with `--features metal` \
             (macOS only) or use --device cpu"
                .into(),
        ));
    }
    let device = Device::new_metal(0)
        .map_err(|e| EmbedError::Device(format!("no usable Metal GPU: {e}")))?;
    Ok(Selected {
        device,
        dtype: DType::F16,
        name: "metal:0".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_auto_work_everywhere() {
        assert_eq!(select(DeviceChoice::Cpu).unwrap().name, "cpu");
        let auto = select(DeviceChoice::Auto).unwrap();
        if !cfg!(any(feature = "cuda", feature = "metal")) {
            assert_eq!(auto.dtype, DType::F32);
        }
    }

    #[test]
    fn a_missing_gpu_is_a_clear_error() {
        if !cfg!(feature = "cuda") {
            let err = select(DeviceChoice::Cuda).unwrap_err().to_string();
            assert!(err.contains("--features cuda"), "{err}");
        }
        if !cfg!(feature = "metal") {
            let err = select(DeviceChoice::Metal).unwrap_err().to_string();
            assert!(err.contains("--device cpu"), "{err}");
        }
    }
}
