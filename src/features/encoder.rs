//! A BERT-family sentence encoder run with candle: tokenise in parallel, sort by token length and
//! batch (padding only to the longest in each batch), mean-pool over the attention mask (never
//! over padding) and L2-normalise — what sentence-transformers does for all-MiniLM-L6-v2.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config as BertConfig;
use rayon::prelude::*;
use tokenizers::{Tokenizer, TruncationParams};

use super::bert::Bert;
use super::model_dir::ModelDir;
use crate::error::{Error, InputError, Result};

/// One text's token ids: one chunk, or several when long texts are chunked.
struct Tokenized {
    chunks: Vec<Vec<u32>>,
    truncated: bool,
}

/// Embeddings of a list of texts, in the order given.
pub struct Embedded {
    /// Row-major, `texts × dim`, each row of unit length.
    pub values: Vec<f32>,
    /// Per text: longer than the token limit (cut, or split into chunks when chunking).
    pub truncated: Vec<bool>,
}

pub struct Encoder {
    model: Bert,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
    max_tokens: usize,
    batch_size: usize,
}

fn device() -> Device {
    #[cfg(feature = "cuda")]
    if let Ok(d) = Device::new_cuda(0) {
        return d;
    }
    #[cfg(feature = "metal")]
    if let Ok(d) = Device::new_metal(0) {
        return d;
    }
    Device::Cpu
}

fn candle(e: candle_core::Error) -> Error {
    Error::Data(format!("sentence encoder: {e}"))
}

impl Encoder {
    /// Loads the model; every failure names the file at fault.
    pub fn load(dir: &ModelDir, max_tokens: usize, batch_size: usize) -> Result<Encoder> {
        let config_path = dir.file("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| {
            Error::Input(InputError::file(&config_path, format!("cannot read: {e}")))
        })?;
        let config: BertConfig = serde_json::from_str(&text).map_err(|e| {
            Error::Input(InputError::file(
                &config_path,
                format!("not a BERT config: {e}"),
            ))
        })?;
        if max_tokens > config.max_position_embeddings {
            return Err(Error::Usage(format!(
                "max tokens {max_tokens} exceeds the model's {} positions ({})",
                config.max_position_embeddings,
                config_path.display()
            )));
        }

        let tokenizer_path = dir.file("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|e| {
            Error::Input(InputError::file(
                &tokenizer_path,
                format!("not a tokenizers file: {e}"),
            ))
        })?;
        // The shipped tokenizer pads every text to a fixed length: pad per batch instead.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| {
                Error::Input(InputError::file(
                    &tokenizer_path,
                    format!("cannot truncate at {max_tokens} tokens: {e}"),
                ))
            })?;

        let weights_path = dir.file("model.safetensors");
        let bytes = std::fs::read(&weights_path).map_err(|e| {
            Error::Input(InputError::file(&weights_path, format!("cannot read: {e}")))
        })?;
        let device = device();
        let model = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device)
            .and_then(|vb| Bert::load(vb, &config))
            .map_err(|e| {
                Error::Input(InputError::file(
                    &weights_path,
                    format!("cannot load BERT weights: {e}"),
                ))
            })?;
        Ok(Encoder {
            model,
            tokenizer,
            device,
            dim: config.hidden_size,
            max_tokens,
            batch_size: batch_size.max(1),
        })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    fn tokenize(&self, texts: &[&str], chunked: bool) -> Result<Vec<Tokenized>> {
        texts
            .par_iter()
            .map(|text| {
                let mut encoding = self
                    .tokenizer
                    .encode_fast(*text, true)
                    .map_err(|e| Error::Data(format!("tokenizer: {e}")))?;
                let overflow = encoding.take_overflowing();
                let truncated = !overflow.is_empty();
                let mut chunks = vec![encoding.get_ids().to_vec()];
                if chunked {
                    chunks.extend(overflow.iter().map(|o| o.get_ids().to_vec()));
                }
                Ok(Tokenized { chunks, truncated })
            })
            .collect()
    }

    /// Embeds `texts`; with `chunked`, a text over the token limit is embedded chunk by chunk
    /// and its chunks' mean-pooled vectors averaged (weighted by tokens) before normalising.
    pub fn embed(&self, texts: &[&str], chunked: bool) -> Result<Embedded> {
        let tokenized = self.tokenize(texts, chunked)?;
        // (text, chunk) pairs sorted by length, so a batch pads little.
        let mut order: Vec<(usize, usize)> = tokenized
            .iter()
            .enumerate()
            .flat_map(|(t, tok)| (0..tok.chunks.len()).map(move |c| (t, c)))
            .collect();
        order.sort_by_key(|&(t, c)| (tokenized[t].chunks[c].len(), t, c));

        let dim = self.dim;
        let mut sums = vec![0f32; texts.len() * dim];
        let mut ids = Vec::new();
        let mut mask = Vec::new();
        for batch in order.chunks(self.batch_size) {
            let longest = batch
                .iter()
                .map(|&(t, c)| tokenized[t].chunks[c].len())
                .max()
                .unwrap_or(1)
                .max(1);
            ids.clear();
            mask.clear();
            for &(t, c) in batch {
                let chunk = &tokenized[t].chunks[c];
                ids.extend_from_slice(chunk);
                ids.resize(ids.len() + longest - chunk.len(), 0);
                mask.extend(std::iter::repeat_n(1u32, chunk.len()));
                mask.resize(mask.len() + longest - chunk.len(), 0);
            }
            let pooled = self.forward(&ids, &mask, batch.len(), longest)?;
            for (row, &(t, c)) in batch.iter().enumerate() {
                // Chunks weigh by their token count; a lone chunk's weight cancels in the norm.
                let weight = tokenized[t].chunks[c].len() as f32;
                let target = &mut sums[t * dim..(t + 1) * dim];
                for (s, v) in target.iter_mut().zip(&pooled[row * dim..(row + 1) * dim]) {
                    *s += weight * v;
                }
            }
        }
        for row in sums.chunks_mut(dim) {
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            row.iter_mut().for_each(|v| *v /= norm);
        }
        Ok(Embedded {
            values: sums,
            truncated: tokenized.iter().map(|t| t.truncated).collect(),
        })
    }

    /// Each text's last hidden states, one row per token with `[CLS]` and `[SEP]` left out,
    /// row-major `tokens × dim` (texts cut at the token limit). One text per pass: no padding
    /// to mask, at the cost of smaller matrix products.
    pub fn token_states(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let tokenized = self.tokenize(texts, false)?;
        tokenized
            .par_iter()
            .map(|tok| {
                let ids = &tok.chunks[0];
                if ids.len() <= 2 {
                    return Ok(Vec::new());
                }
                let ids = Tensor::from_slice(ids, (1, ids.len()), &self.device).map_err(candle)?;
                let hidden = self.model.forward(&ids, None).map_err(candle)?;
                let len = hidden.dim(1).map_err(candle)?;
                hidden
                    .narrow(1, 1, len - 2)
                    .and_then(|h| h.flatten_all())
                    .and_then(|h| h.to_vec1::<f32>())
                    .map_err(candle)
            })
            .collect()
    }

    /// Mean-pooled (not yet normalised) last hidden states of one padded batch.
    fn forward(&self, ids: &[u32], mask: &[u32], rows: usize, len: usize) -> Result<Vec<f32>> {
        let padded = mask.contains(&0);
        let ids = Tensor::from_slice(ids, (rows, len), &self.device).map_err(candle)?;
        let mask = Tensor::from_slice(mask, (rows, len), &self.device).map_err(candle)?;
        let hidden = self
            .model
            .forward(&ids, padded.then_some(&mask))
            .map_err(candle)?;
        let weights = mask.to_dtype(DType::F32).map_err(candle)?;
        let counts = weights.sum_keepdim(1).map_err(candle)?;
        let summed = hidden
            .broadcast_mul(&weights.unsqueeze(2).map_err(candle)?)
            .and_then(|h| h.sum(1))
            .map_err(candle)?;
        summed
            .broadcast_div(&counts)
            .and_then(|m| m.flatten_all())
            .and_then(|m| m.to_vec1::<f32>())
            .map_err(candle)
    }
}
