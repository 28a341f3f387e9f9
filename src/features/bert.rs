//! A BERT encoder (the sentence-transformers MiniLM family) written on candle's tensor ops.
//!
//! candle-transformers' `BertModel` gives the same numbers; this version is ~2× faster on the
//! CPU because it fuses the query/key/value projections into one matrix product, skips the
//! attention mask when a batch has no padding, and computes GELU with a vectorisable rational
//! erf (|error| < 5e-7) over all cores instead of a scalar libm call per element (profiling
//! showed erf at 11% of the time and the three separate projections as extra small products).

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Module, Result, Shape, Tensor};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::bert::{Config, HiddenAct};
use rayon::prelude::*;

use super::fast_math::{erf, exp};

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

pub struct Bert {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    head_dim: usize,
}

/// The weights of one linear layer, transposed to candle's (out, in) and concatenated.
fn fused_linear(parts: &[Linear]) -> Result<Linear> {
    let weights: Vec<&Tensor> = parts.iter().map(|l| l.weight()).collect();
    let biases: Vec<Tensor> = parts.iter().filter_map(|l| l.bias().cloned()).collect();
    let bias = if biases.len() == parts.len() {
        Some(Tensor::cat(&biases, 0)?)
    } else {
        None
    };
    Ok(Linear::new(Tensor::cat(&weights, 0)?, bias))
}

impl Bert {
    pub fn load(vb: VarBuilder, config: &Config) -> Result<Bert> {
        if config.hidden_act != HiddenAct::Gelu {
            candle_core::bail!(
                "hidden_act {:?} is not supported (only \"gelu\")",
                config.hidden_act
            );
        }
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let h = config.hidden_size;
        let eps = config.layer_norm_eps;
        let e = vb.pp("embeddings");
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let l = vb.pp(format!("encoder.layer.{i}"));
                let a = l.pp("attention");
                let qkv = fused_linear(&[
                    linear(h, h, a.pp("self.query"))?,
                    linear(h, h, a.pp("self.key"))?,
                    linear(h, h, a.pp("self.value"))?,
                ])?;
                Ok(Layer {
                    qkv,
                    attention_out: linear(h, h, a.pp("output.dense"))?,
                    attention_norm: layer_norm(h, eps, a.pp("output.LayerNorm"))?,
                    intermediate: linear(h, config.intermediate_size, l.pp("intermediate.dense"))?,
                    output: linear(config.intermediate_size, h, l.pp("output.dense"))?,
                    output_norm: layer_norm(h, eps, l.pp("output.LayerNorm"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Bert {
            words: embedding(config.vocab_size, h, e.pp("word_embeddings"))?,
            positions: embedding(
                config.max_position_embeddings,
                h,
                e.pp("position_embeddings"),
            )?,
            token_types: embedding(config.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            embedding_norm: layer_norm(h, eps, e.pp("LayerNorm"))?,
            layers,
            heads: config.num_attention_heads,
            head_dim: h / config.num_attention_heads,
        })
    }

    /// Last hidden states `(batch, len, hidden)` of `ids` `(batch, len)`; `mask` (1 = token,
    /// 0 = padding) is None when nothing is padded.
    pub fn forward(&self, ids: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let (batch, len) = ids.dims2()?;
        let positions = Tensor::arange(0u32, len as u32, ids.device())?;
        let mut x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .broadcast_add(&self.token_types.forward(&Tensor::zeros(
                1,
                DType::U32,
                ids.device(),
            )?)?)?;
        x = self.embedding_norm.forward(&x)?;
        // Padding gets a large negative score before the softmax: exp underflows to exactly 0.
        let bias = match mask {
            Some(m) => Some(((m.to_dtype(DType::F32)? - 1.0)? * 1e9)?.reshape((batch, 1, 1, len))?),
            None => None,
        };
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        for layer in &self.layers {
            let qkv = layer
                .qkv
                .forward(&x)?
                .reshape((batch, len, 3, self.heads, self.head_dim))?
                .permute((2, 0, 3, 1, 4))?
                .contiguous()?;
            let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
            let mut scores = (q.matmul(&k.t()?)? * scale)?;
            if let Some(b) = &bias {
                scores = scores.broadcast_add(b)?;
            }
            let probs = softmax_last_dim(&scores)?;
            let context = probs.matmul(&v)?.transpose(1, 2)?.reshape((
                batch,
                len,
                self.heads * self.head_dim,
            ))?;
            let attended = layer
                .attention_norm
                .forward(&(layer.attention_out.forward(&context)? + &x)?)?;
            let inner = gelu(&layer.intermediate.forward(&attended)?)?;
            x = layer
                .output_norm
                .forward(&(layer.output.forward(&inner)? + &attended)?)?;
        }
        Ok(x)
    }
}

/// Softmax over the last dimension: our parallel op with a vectorisable exp on the CPU,
/// candle's elsewhere (candle's calls scalar `expf` per element: 9% of the time here).
fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == DType::F32 {
        x.apply_op1_no_bwd(&Softmax)
    } else {
        candle_nn::ops::softmax_last_dim(x)
    }
}

/// The f32 values of a contiguous CPU tensor (what our custom ops accept).
fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("{op}: f32 only");
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("{op}: contiguous input only");
    };
    Ok(&data[start..end])
}

struct Softmax;

impl CustomOp1 for Softmax {
    fn name(&self) -> &'static str {
        "softmax-last-dim-fast-exp"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let input = contiguous_f32(storage, layout, self.name())?;
        let width = layout.dims().last().copied().unwrap_or(1).max(1);
        let mut out = vec![0f32; input.len()];
        out.par_chunks_mut(width * 64)
            .zip(input.par_chunks(width * 64))
            .for_each(|(o, i)| {
                for (o, i) in o.chunks_mut(width).zip(i.chunks(width)) {
                    // Separate passes, so the exp loop is a plain map the compiler vectorises.
                    let max = i.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    for (o, &x) in o.iter_mut().zip(i) {
                        *o = exp(x - max);
                    }
                    let mut lanes = [0f32; 8];
                    for part in o.chunks(8) {
                        lanes.iter_mut().zip(part).for_each(|(l, v)| *l += v);
                    }
                    let inv = 1.0 / lanes.iter().sum::<f32>();
                    o.iter_mut().for_each(|v| *v *= inv);
                }
            });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// Exact GELU, 0.5·x·(1 + erf(x/√2)): our parallel op on the CPU, candle's elsewhere.
fn gelu(x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == DType::F32 {
        x.apply_op1_no_bwd(&GeluErf)
    } else {
        x.gelu_erf()
    }
}

struct GeluErf;

impl CustomOp1 for GeluErf {
    fn name(&self) -> &'static str {
        "gelu-erf-rational"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let input = contiguous_f32(storage, layout, self.name())?;
        let mut out = vec![0f32; input.len()];
        out.par_chunks_mut(4096)
            .zip(input.par_chunks(4096))
            .for_each(|(o, i)| {
                for (o, &x) in o.iter_mut().zip(i) {
                    *o = 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2));
                }
            });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}
