//! A BERT-family sentence encoder: tokenise in parallel, sort by token length and batch, mean-pool
//! each text's last hidden states over its own tokens (never over padding) and L2-normalise —
//! what sentence-transformers does for all-MiniLM-L6-v2. On the CPU the forward pass is our own
//! ([`super::bert_cpu`], unpadded); on a GPU (the `cuda`/`metal` features) it is candle's ops
//! ([`super::bert`]), batches padded to their longest text and masked.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config as BertConfig, HiddenAct};
use rayon::prelude::*;
use tokenizers::{Tokenizer, TruncationParams};

use super::bert::Bert;
use super::bert_cpu::{CpuBert, Shape};
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

/// Which forward pass runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Our own on the CPU; candle's on a GPU when the build has one and it is present.
    Fastest,
    /// candle's tensor ops on the best device (the reference the CPU pass is tested against).
    Candle,
}

enum Model {
    Cpu(CpuBert),
    Candle { model: Bert, device: Device },
}

pub struct Encoder {
    model: Model,
    tokenizer: Tokenizer,
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
        Encoder::load_with(dir, max_tokens, batch_size, Backend::Fastest)
    }

    /// [`Encoder::load`] with a chosen forward pass.
    pub fn load_with(
        dir: &ModelDir,
        max_tokens: usize,
        batch_size: usize,
        backend: Backend,
    ) -> Result<Encoder> {
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

        if tokenizer.get_vocab_size(true) > config.vocab_size {
            return Err(Error::Input(InputError::file(
                &tokenizer_path,
                format!(
                    "has {} tokens but the model ({}) embeds {}: not the model's tokenizer",
                    tokenizer.get_vocab_size(true),
                    config_path.display(),
                    config.vocab_size
                ),
            )));
        }

        let weights_path = dir.file("model.safetensors");
        let bytes = std::fs::read(&weights_path).map_err(|e| {
            Error::Input(InputError::file(&weights_path, format!("cannot read: {e}")))
        })?;
        let refused = |e: String| {
            Error::Input(InputError::file(
                &weights_path,
                format!("cannot load BERT weights: {e}"),
            ))
        };
        let device = device();
        let model = if backend == Backend::Fastest && device.is_cpu() {
            if config.hidden_act != HiddenAct::Gelu {
                return Err(refused(format!(
                    "hidden_act {:?} is not supported (only \"gelu\")",
                    config.hidden_act
                )));
            }
            let shape = Shape {
                vocab: config.vocab_size,
                segments: config.type_vocab_size,
                hidden: config.hidden_size,
                heads: config.num_attention_heads,
                intermediate: config.intermediate_size,
                layers: config.num_hidden_layers,
                positions: config.max_position_embeddings,
                eps: config.layer_norm_eps as f32,
            };
            Model::Cpu(CpuBert::load(&bytes, shape).map_err(refused)?)
        } else {
            let model = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device)
                .and_then(|vb| Bert::load(vb, &config))
                .map_err(|e| refused(e.to_string()))?;
            Model::Candle { model, device }
        };
        Ok(Encoder {
            model,
            tokenizer,
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
        for batch in order.chunks(self.batch_size) {
            let ids: Vec<&[u32]> = batch
                .iter()
                .map(|&(t, c)| tokenized[t].chunks[c].as_slice())
                .collect();
            let hidden = self.hidden(&ids)?;
            let mut rows = hidden.chunks(dim);
            for (&(t, _), chunk) in batch.iter().zip(&ids) {
                // Chunks weigh by their token count, so their tokens' states are summed here and
                // the text's vector is their mean once normalised.
                let target = &mut sums[t * dim..(t + 1) * dim];
                for row in rows.by_ref().take(chunk.len()) {
                    target.iter_mut().zip(row).for_each(|(s, v)| *s += v);
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
    /// row-major `tokens × dim` (texts cut at the token limit).
    pub fn token_states(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let tokenized = self.tokenize(texts, false)?;
        let dim = self.dim;
        let mut states = Vec::with_capacity(texts.len());
        for batch in tokenized.chunks(self.batch_size) {
            let ids: Vec<&[u32]> = batch.iter().map(|t| t.chunks[0].as_slice()).collect();
            let hidden = self.hidden(&ids)?;
            let mut start = 0;
            for text in &ids {
                let rows = &hidden[start * dim..(start + text.len()) * dim];
                start += text.len();
                states.push(match text.len() {
                    0..=2 => Vec::new(),
                    n => rows[dim..(n - 1) * dim].to_vec(),
                });
            }
        }
        Ok(states)
    }

    /// The last hidden states of a batch of texts, concatenated (`Σ len × dim`).
    fn hidden(&self, texts: &[&[u32]]) -> Result<Vec<f32>> {
        if texts.iter().any(|t| t.is_empty()) {
            return Err(Error::Data(
                "sentence encoder: a text with no tokens".into(),
            ));
        }
        match &self.model {
            Model::Cpu(model) => Ok(model.forward(texts)),
            Model::Candle { model, device } => candle_hidden(model, device, texts).map_err(candle),
        }
    }
}

/// candle's forward pass over a batch padded to its longest text, the padding's rows dropped.
fn candle_hidden(model: &Bert, device: &Device, texts: &[&[u32]]) -> candle_core::Result<Vec<f32>> {
    let longest = texts.iter().map(|t| t.len()).max().unwrap_or(1);
    let mut ids = Vec::with_capacity(texts.len() * longest);
    let mut mask = Vec::with_capacity(texts.len() * longest);
    for text in texts {
        ids.extend_from_slice(text);
        ids.resize(ids.len() + longest - text.len(), 0);
        mask.extend(std::iter::repeat_n(1u32, text.len()));
        mask.resize(mask.len() + longest - text.len(), 0);
    }
    let padded = mask.contains(&0);
    let ids = Tensor::from_slice(&ids, (texts.len(), longest), device)?;
    let mask = Tensor::from_slice(&mask, (texts.len(), longest), device)?;
    let hidden = model.forward(&ids, padded.then_some(&mask))?;
    let dim = hidden.dim(2)?;
    let values = hidden.flatten_all()?.to_vec1::<f32>()?;
    let mut rows = Vec::with_capacity(texts.iter().map(|t| t.len()).sum::<usize>() * dim);
    for (i, text) in texts.iter().enumerate() {
        rows.extend_from_slice(&values[i * longest * dim..(i * longest + text.len()) * dim]);
    }
    Ok(rows)
}
