//! Re-laying out GGUF weights so candle 0.11's fast CPU kernels apply.
//!
//! Our Q4_K_M GGUF stores most matrices as Q5_0 (its 896 hidden size is not
//! a multiple of the 256-wide k-quant blocks). candle 0.11 only has a
//! scalar Q5_0 dot product, and its repacked AVX512-VNNI / AVX-VNNI kernels
//! need the input width to be a multiple of 256. So at load we convert such
//! weights to Q8_0 (finer than Q5, so practically lossless) and zero-pad
//! their input width 896 -> 1024; [`Linear`] pads activations to match.
//! Measured on this app's 2-core VM with one thread: decode went from 2.6
//! (Q5_0 as stored) to 15 (Q8_0) to 24 tokens/s (padded Q8_0), and an
//! 880-token prompt from 30 to 125 tokens/s (Q8_0 vs padded Q8_0), for ~14%
//! more weight memory. Note that candle keeps both the Q8_0 data and its
//! repacked copy, so these weights cost ~2x their file size in RAM.

use std::borrow::Cow;

use candle_core::quantized::{GgmlDType, QMatMul, QStorage, QTensor};
use candle_core::{D, Device, Module, Result, Tensor};

/// Quant types with only scalar matmul kernels in candle 0.11.
const SLOW_QUANTS: &[GgmlDType] = &[GgmlDType::Q4_1, GgmlDType::Q5_0, GgmlDType::Q5_1];
/// Input-width multiple candle's repacked x86 kernels require...
const REPACK_K: usize = 256;
/// ...and the output-width multiple.
const REPACK_ROWS: usize = 16;
/// Rows converted at a time, bounding the temporary f32 copy (~16 MB).
const CHUNK_ROWS: usize = 4096;

/// A quantized weight; inputs are zero-padded by `pad` columns first.
pub struct Linear {
    weight: QMatMul,
    pad: usize,
}

impl Linear {
    /// `x @ weight^T` for `x` of shape `(.., in_features)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self.pad {
            0 => self.weight.forward(x),
            pad => self.weight.forward(&x.pad_with_zeros(D::Minus1, 0, pad)?),
        }
    }
}

/// Wraps `weight` (shape `(out, in)`), converting it if that makes it fast.
pub fn linear(weight: QTensor, device: &Device) -> Result<Linear> {
    let (rows, cols) = weight.shape().dims2()?;
    let misaligned = !cols.is_multiple_of(REPACK_K) && rows.is_multiple_of(REPACK_ROWS);
    let pad = match misaligned && fast_q8_0_available() {
        true => cols.next_multiple_of(REPACK_K) - cols,
        false => 0,
    };
    if pad == 0 && !SLOW_QUANTS.contains(&weight.dtype()) {
        return Ok(Linear {
            weight: QMatMul::from_qtensor(weight)?,
            pad,
        });
    }
    let converted = to_padded_q8_0(&weight, pad, device)?;
    Ok(Linear {
        weight: QMatMul::from_qtensor(converted)?,
        pad,
    })
}

/// Whether candle 0.11 uses repacked Q8_0 kernels on this CPU (it needs
/// VNNI; on plain AVX2 padding would only add work).
fn fast_q8_0_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512vnni")
            || std::arch::is_x86_feature_detected!("avxvnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Converts `weight` to Q8_0 with `pad` zero columns appended, a few
/// thousand rows at a time so the f32 intermediate stays small.
fn to_padded_q8_0(weight: &QTensor, pad: usize, device: &Device) -> Result<QTensor> {
    let (rows, cols) = weight.shape().dims2()?;
    let dtype = weight.dtype();
    if !cols.is_multiple_of(dtype.block_size()) {
        candle_core::bail!("weight width {cols} is not a multiple of the {dtype:?} block size");
    }
    let row_bytes = cols / dtype.block_size() * dtype.type_size();
    let data = weight.data()?;
    let mut out = Vec::new();
    for start in (0..rows).step_by(CHUNK_ROWS) {
        let n = CHUNK_ROWS.min(rows - start);
        let bytes = Cow::Borrowed(&data[start * row_bytes..(start + n) * row_bytes]);
        let chunk = QTensor::new(QStorage::from_data(bytes, device, dtype)?, (n, cols))?;
        let dense = chunk
            .dequantize(device)?
            .pad_with_zeros(D::Minus1, 0, pad)?;
        out.extend_from_slice(&QTensor::quantize(&dense, GgmlDType::Q8_0)?.data()?);
    }
    let storage = QStorage::from_data(Cow::Owned(out), device, GgmlDType::Q8_0)?;
    QTensor::new(storage, (rows, cols + pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight(dtype: GgmlDType, rows: usize, cols: usize) -> (Tensor, QTensor) {
        let dense = Tensor::randn(0f32, 1.0, (rows, cols), &Device::Cpu).expect("randn");
        let q = QTensor::quantize(&dense, dtype).expect("quantize");
        (dense, q)
    }

    fn rel_error(a: &Tensor, b: &Tensor) -> f32 {
        let err = (a - b)
            .and_then(|d| d.sqr()?.sum_all()?.sqrt())
            .expect("err");
        let norm = b.sqr().and_then(|d| d.sum_all()?.sqrt()).expect("norm");
        (err / norm)
            .and_then(|r| r.to_scalar::<f32>())
            .expect("ratio")
    }

    #[test]
    fn converted_q5_0_weight_gives_the_same_products() {
        // 5000 rows: several chunks plus a remainder; 896 columns like Qwen2.5-0.5B.
        let (dense, q5) = weight(GgmlDType::Q5_0, 5008, 896);
        let reference = q5.dequantize(&Device::Cpu).expect("dequantize");
        let lin = linear(q5, &Device::Cpu).expect("linear");
        let x = Tensor::randn(0f32, 1.0, (3, 896), &Device::Cpu).expect("x");
        let got = lin.forward(&x).expect("forward");
        let want = x.matmul(&reference.t().expect("t")).expect("matmul");
        assert_eq!(got.dims(), &[3, 5008]);
        assert!(rel_error(&got, &want) < 0.02, "{}", rel_error(&got, &want));
        let exact = x.matmul(&dense.t().expect("t")).expect("matmul");
        assert!(rel_error(&got, &exact) < 0.06);
    }

    #[test]
    fn aligned_fast_weights_are_kept_as_is() {
        let (_, q4k) = weight(GgmlDType::Q4K, 32, 512);
        let lin = linear(q4k, &Device::Cpu).expect("linear");
        assert_eq!(lin.pad, 0);
        assert!(matches!(&lin.weight, QMatMul::QTensor(t) if t.dtype() == GgmlDType::Q4K));
    }
}
