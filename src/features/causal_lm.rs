//! A small causal language model (llama architecture, quantized GGUF weights — SmolLM2-135M)
//! run with candle on the CPU, scoring every position of a text: for each token, how likely the
//! model found it, its rank among all tokens, and the entropy and log-probability spread of the
//! model's prediction there (what Fast-DetectGPT's analytic criterion needs).
//!
//! candle-transformers' `quantized_llama` returns only the last position's logits (it is built
//! for generation); scoring needs all of them, so the forward pass is written here on the same
//! candle ops (RMS norm, interleaved RoPE as llama.cpp applies to llama GGUF weights,
//! grouped-query attention, SiLU-gated MLP). The 4-bit weights are dequantized once at load
//! (f32, ~0.6 GB for 135M parameters): candle's Q4_1 dot product has no SIMD kernel and ran at
//! 27 tokens/s, while scoring — every position of a few hundred tokens at once — is a matrix
//! product that gemm's AVX2/AVX-512 kernels do many times faster. Sequences of a batch are
//! right-padded: with a causal mask a real position never sees the padding after it.

use std::path::Path;

use candle_core::quantized::gguf_file;
use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Embedding, Linear};
use rayon::prelude::*;
use tokenizers::Tokenizer;

/// How the model saw one token of a text (natural logarithms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenScore {
    /// log p(token | everything before it).
    pub log_prob: f32,
    /// 1 + the number of vocabulary entries the model found more likely.
    pub rank: u32,
    /// Entropy of the prediction: −Σᵥ p(v) log p(v).
    pub entropy: f32,
    /// Variance of log p(v) under p: Σᵥ p(v) (log p(v))² − (Σᵥ p(v) log p(v))².
    pub log_prob_variance: f32,
}

struct Layer {
    attention_norm: Tensor,
    wq: Linear,
    wk: Linear,
    wv: Linear,
    wo: Linear,
    ffn_norm: Tensor,
    gate: Linear,
    up: Linear,
    down: Linear,
}

pub struct CausalLm {
    embeddings: Embedding,
    layers: Vec<Layer>,
    norm: Tensor,
    output: Linear,
    cos: Tensor,
    sin: Tensor,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    eps: f32,
    tokenizer: Tokenizer,
    /// The token a text is scored after (the model's document separator).
    pub start_token: u32,
    pub vocab: usize,
    pub context: usize,
}

fn meta_u32(content: &gguf_file::Content, key: &str) -> Result<usize> {
    match content.metadata.get(key) {
        Some(v) => Ok(v.to_u32()? as usize),
        None => candle_core::bail!("no {key} in the GGUF metadata"),
    }
}

impl CausalLm {
    /// Loads a llama-architecture GGUF file and builds its tokenizer from the same file.
    pub fn load(path: &Path) -> std::result::Result<CausalLm, String> {
        let device = Device::Cpu;
        let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let content =
            gguf_file::Content::read(&mut file).map_err(|e| format!("not a GGUF file: {e}"))?;
        let arch = content
            .metadata
            .get("general.architecture")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .unwrap_or_default();
        if arch != "llama" {
            return Err(format!(
                "general.architecture '{arch}' is not supported (llama is)"
            ));
        }
        let tokenizer = super::gguf_tokenizer::from_gguf(&content)?;
        let start_token = tokenizer
            .token_to_id("<|endoftext|>")
            .ok_or("the vocabulary has no <|endoftext|> token")?;
        Self::from_content(content, &mut file, &device, tokenizer, start_token)
            .map_err(|e| format!("cannot load the weights: {e}"))
    }

    fn from_content(
        content: gguf_file::Content,
        reader: &mut std::fs::File,
        device: &Device,
        tokenizer: Tokenizer,
        start_token: u32,
    ) -> Result<CausalLm> {
        let heads = meta_u32(&content, "llama.attention.head_count")?;
        let kv_heads = meta_u32(&content, "llama.attention.head_count_kv")?;
        let blocks = meta_u32(&content, "llama.block_count")?;
        let width = meta_u32(&content, "llama.embedding_length")?;
        let rope_dim = meta_u32(&content, "llama.rope.dimension_count")?;
        let context = meta_u32(&content, "llama.context_length")?;
        let eps = match content
            .metadata
            .get("llama.attention.layer_norm_rms_epsilon")
        {
            Some(v) => v.to_f32()?,
            None => 1e-5,
        };
        let rope_base = content
            .metadata
            .get("llama.rope.freq_base")
            .and_then(|v| v.to_f32().ok())
            .unwrap_or(10_000.0);
        let head_dim = width / heads;
        if rope_dim != head_dim || heads % kv_heads != 0 {
            candle_core::bail!("unsupported attention shape: {heads} heads of {head_dim}, {kv_heads} key/value heads, RoPE over {rope_dim}");
        }
        let mut tensor = |name: &str| -> Result<Tensor> {
            content.tensor(reader, name, device)?.dequantize(device)
        };
        let token_embeddings = tensor("token_embd.weight")?;
        let vocab = token_embeddings.dims()[0];
        let embeddings = Embedding::new(token_embeddings.clone(), width);
        let output = match tensor("output.weight") {
            Ok(t) => t,
            // Tied embeddings: the output projection is the embedding matrix.
            Err(_) => token_embeddings,
        };
        let norm = tensor("output_norm.weight")?;
        let mut layers = Vec::with_capacity(blocks);
        for b in 0..blocks {
            let mut linear = |part: &str| -> Result<Linear> {
                Ok(Linear::new(
                    tensor(&format!("blk.{b}.{part}.weight"))?,
                    None,
                ))
            };
            let (wq, wk, wv) = (linear("attn_q")?, linear("attn_k")?, linear("attn_v")?);
            let wo = linear("attn_output")?;
            let (gate, up, down) = (linear("ffn_gate")?, linear("ffn_up")?, linear("ffn_down")?);
            layers.push(Layer {
                attention_norm: tensor(&format!("blk.{b}.attn_norm.weight"))?,
                ffn_norm: tensor(&format!("blk.{b}.ffn_norm.weight"))?,
                wq,
                wk,
                wv,
                wo,
                gate,
                up,
                down,
            });
        }
        let positions = context.min(MAX_POSITIONS);
        let inverse: Vec<f32> = (0..head_dim)
            .step_by(2)
            .map(|i| 1.0 / rope_base.powf(i as f32 / head_dim as f32))
            .collect();
        let inverse = Tensor::new(inverse.as_slice(), device)?.reshape((1, head_dim / 2))?;
        let angles = Tensor::arange(0u32, positions as u32, device)?
            .to_dtype(DType::F32)?
            .reshape((positions, 1))?
            .broadcast_mul(&inverse)?;
        Ok(CausalLm {
            embeddings,
            layers,
            norm,
            output: Linear::new(output, None),
            cos: angles.cos()?,
            sin: angles.sin()?,
            heads,
            kv_heads,
            head_dim,
            eps,
            tokenizer,
            start_token,
            vocab,
            context: positions,
        })
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Hidden states after the last layer and norm: (batch, positions, width).
    fn hidden(&self, ids: &Tensor) -> Result<Tensor> {
        let (batch, len) = ids.dims2()?;
        let device = ids.device();
        let mask: Vec<u8> = (0..len)
            .flat_map(|i| (0..len).map(move |j| u8::from(j > i)))
            .collect();
        let mask = Tensor::from_slice(&mask, (len, len), device)?;
        let neg_inf = Tensor::new(f32::NEG_INFINITY, device)?;
        let (cos, sin) = (self.cos.narrow(0, 0, len)?, self.sin.narrow(0, 0, len)?);
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let group = self.heads / self.kv_heads;
        let mut x = self.embeddings.forward(ids)?;
        for layer in &self.layers {
            let h = candle_nn::ops::rms_norm(&x, &layer.attention_norm, self.eps)?;
            let split = |m: &Linear, heads: usize| -> Result<Tensor> {
                m.forward(&h)?
                    .reshape((batch, len, heads, self.head_dim))?
                    .transpose(1, 2)?
                    .contiguous()
            };
            let q = candle_nn::rotary_emb::rope_i(&split(&layer.wq, self.heads)?, &cos, &sin)?;
            let k = candle_nn::rotary_emb::rope_i(&split(&layer.wk, self.kv_heads)?, &cos, &sin)?;
            let v = split(&layer.wv, self.kv_heads)?;
            // Each key/value head serves `group` query heads.
            let repeat = |t: Tensor| -> Result<Tensor> {
                if group == 1 {
                    return Ok(t);
                }
                let (b, kv, l, d) = t.dims4()?;
                Tensor::cat(&vec![&t; group], 2)?.reshape((b, kv * group, l, d))
            };
            let (k, v) = (repeat(k)?, repeat(v)?);
            let attention = (q.matmul(&k.t()?)? * scale)?;
            let attention = mask
                .broadcast_as(attention.shape())?
                .where_cond(&neg_inf.broadcast_as(attention.shape())?, &attention)?;
            let attention = candle_nn::ops::softmax_last_dim(&attention)?;
            let y = attention.matmul(&v)?.transpose(1, 2)?.reshape((
                batch,
                len,
                self.heads * self.head_dim,
            ))?;
            x = (x + layer.wo.forward(&y)?)?;
            let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, self.eps)?;
            let gated =
                (candle_nn::ops::silu(&layer.gate.forward(&h)?)? * layer.up.forward(&h)?)?;
            x = (x + layer.down.forward(&gated)?)?;
        }
        candle_nn::ops::rms_norm(&x, &self.norm, self.eps)
    }

    /// Scores every token after the first of each sequence (sequences of at least two tokens,
    /// at most `context` long): position t predicts token t + 1.
    pub fn score(&self, sequences: &[Vec<u32>]) -> Result<Vec<Vec<TokenScore>>> {
        if sequences.is_empty() {
            return Ok(Vec::new());
        }
        let len = sequences.iter().map(Vec::len).max().unwrap_or(0);
        if len > self.context || sequences.iter().any(|s| s.len() < 2) {
            candle_core::bail!("sequences must hold 2 to {} tokens", self.context);
        }
        let padded: Vec<u32> = sequences
            .iter()
            .flat_map(|s| {
                s.iter()
                    .copied()
                    .chain(std::iter::repeat_n(self.start_token, len - s.len()))
            })
            .collect();
        let ids = Tensor::from_vec(padded, (sequences.len(), len), &Device::Cpu)?;
        let hidden = self.hidden(&ids)?;
        sequences
            .iter()
            .enumerate()
            .map(|(b, s)| {
                // Logits of the positions that predict a real token only.
                let h = hidden.get(b)?.narrow(0, 0, s.len() - 1)?;
                let logits = self.output.forward(&h)?.to_dtype(DType::F32)?;
                let logits: Vec<f32> = logits.flatten_all()?.to_vec1()?;
                Ok(logits
                    .par_chunks(self.vocab)
                    .zip(&s[1..])
                    .map(|(row, &next)| token_score(row, next as usize))
                    .collect())
            })
            .collect()
    }
}

/// Longest sequence the position tables are built for (the scorer reads the first few hundred
/// tokens of a text; SmolLM2's context is 8,192).
pub const MAX_POSITIONS: usize = 2048;

/// The statistics of one position from its logits, in two passes over the vocabulary (f32
/// exponentials, which vectorise; sums in f64).
fn token_score(logits: &[f32], next: usize) -> TokenScore {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&l| (l - max).exp() as f64).sum();
    let log_norm = max as f64 + sum.ln();
    let (mut mean, mut square) = (0.0f64, 0.0f64);
    let target = logits[next];
    let mut above = 0u32;
    let shift = log_norm as f32;
    for &l in logits {
        let lp = l - shift;
        let p = lp.exp();
        mean += (p * lp) as f64;
        square += (p * lp * lp) as f64;
        above += u32::from(l > target);
    }
    TokenScore {
        log_prob: (target as f64 - log_norm) as f32,
        rank: above + 1,
        entropy: (-mean) as f32,
        log_prob_variance: (square - mean * mean).max(0.0) as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_statistics_of_a_known_distribution() {
        // Logits ln(0.5), ln(0.25), ln(0.25): p = (0.5, 0.25, 0.25).
        let logits = [0.5f32.ln(), 0.25f32.ln(), 0.25f32.ln()];
        let s = token_score(&logits, 1);
        assert!((s.log_prob - 0.25f32.ln()).abs() < 1e-6);
        assert_eq!(s.rank, 2);
        let h = -(0.5 * 0.5f64.ln() + 0.5 * 0.25f64.ln());
        assert!((s.entropy as f64 - h).abs() < 1e-6);
        let square = 0.5 * 0.5f64.ln().powi(2) + 0.5 * 0.25f64.ln().powi(2);
        assert!((s.log_prob_variance as f64 - (square - h * h)).abs() < 1e-6);
        assert_eq!(token_score(&logits, 0).rank, 1);
        assert_eq!(
            token_score(&[1.0, 1.0], 1).rank,
            1,
            "ties share the better rank"
        );
    }
}
