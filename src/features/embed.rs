//! The `embed` feature set: sentence embeddings (MiniLM by default) with an on-disk cache, so
//! only documents never seen before reach the encoder, which is loaded only when one does.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cache::{CacheKey, Cached};
use super::encoder::Encoder;
use super::model_dir::ModelDir;
use super::normalize::Normalization;
pub use super::vector_store::EmbedStats;
use super::vector_store::VectorStore;
use super::Featurizer;
use crate::corpus::Doc;
use crate::error::{Error, InputError, Result};

/// Settings of the `embed` feature set (`[features.embed]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedConfig {
    /// sentence-transformers model folder; None: see [`ModelDir::resolve`].
    pub model_dir: Option<PathBuf>,
    /// Token limit per text (or per chunk); longer texts are cut and counted.
    pub max_tokens: usize,
    /// Texts per forward pass.
    pub batch_size: usize,
    /// Embed texts over the limit chunk by chunk and average, instead of cutting them.
    pub chunked: bool,
    /// Cache folder; None: the user cache folder. Disabled with `cache = false`.
    pub cache_dir: Option<PathBuf>,
    pub cache: bool,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        EmbedConfig {
            model_dir: None,
            max_tokens: 256,
            batch_size: 32,
            chunked: false,
            cache_dir: None,
            cache: true,
        }
    }
}

/// Largest token limit accepted (BERT-family models have 512 positions).
pub const MAX_TOKENS: usize = 512;

/// `$XDG_CACHE_HOME/driftprint/embeddings`, `~/.cache/driftprint/embeddings`, or
/// `.driftprint-cache/embeddings` when neither is known.
pub fn default_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("driftprint"))
        .unwrap_or_else(|| PathBuf::from(".driftprint-cache"))
        .join("embeddings")
}

pub struct Embedder {
    config: EmbedConfig,
    dir: ModelDir,
    dim: usize,
    encoder: Mutex<Option<Arc<Encoder>>>,
    store: VectorStore,
    normalization: Normalization,
}

/// The model's output width, from config.json (read without loading the weights).
fn hidden_size(dir: &ModelDir) -> Result<usize> {
    let path = dir.file("config.json");
    let bad = |m: String| Error::Input(InputError::file(&path, m).with_field("hidden_size"));
    let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    match value.get("hidden_size").and_then(|v| v.as_u64()) {
        Some(d) if d > 0 && d <= 65_536 => Ok(d as usize),
        _ => Err(bad("missing or not a positive whole number".into())),
    }
}

impl Embedder {
    /// Finds and checks the model folder and opens the cache; the weights load on first use.
    pub fn new(config: &EmbedConfig) -> Result<Embedder> {
        let dir = ModelDir::resolve(config.model_dir.as_deref())?;
        let dim = hidden_size(&dir)?;
        let root = config
            .cache
            .then(|| config.cache_dir.clone().unwrap_or_else(default_cache_dir));
        let key = CacheKey {
            // Only read with the cache on: hashing the weights costs a read of the files.
            model: if config.cache { dir.fingerprint()? } else { 0 },
            max_tokens: config.max_tokens as u32,
            chunked: config.chunked,
            dim: dim as u32,
        };
        Ok(Embedder {
            config: config.clone(),
            store: VectorStore::open(root.as_deref(), key, "embedding")?,
            dir,
            dim,
            encoder: Mutex::new(None),
            normalization: Normalization::None,
        })
    }

    /// Embeds each text as `normalization` leaves it (the raw text by default).
    pub fn normalizing(mut self, normalization: Normalization) -> Embedder {
        self.normalization = normalization;
        self
    }

    /// The 128-bit hash of the model files (see [`ModelDir::fingerprint`]), as hex.
    pub fn model_fingerprint(&self) -> Result<String> {
        Ok(format!("{:032x}", self.dir.fingerprint()?))
    }

    /// Token limit and chunking: they change the vectors, so a saved model records them.
    pub fn config(&self) -> &EmbedConfig {
        &self.config
    }

    pub fn stats(&self) -> EmbedStats {
        self.store.stats()
    }

    fn encoder(&self) -> Result<Arc<Encoder>> {
        let mut slot = self.encoder.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = slot.as_ref() {
            return Ok(e.clone());
        }
        let encoder = Arc::new(Encoder::load(
            &self.dir,
            self.config.max_tokens,
            self.config.batch_size,
        )?);
        *slot = Some(encoder.clone());
        Ok(encoder)
    }

    /// Embeds `texts` (each one vector and whether it was cut at the token limit).
    fn embed(&self, texts: &[&str]) -> Result<Vec<Cached>> {
        let embedded = self.encoder()?.embed(texts, self.config.chunked)?;
        Ok(embedded
            .values
            .chunks(self.dim)
            .zip(&embedded.truncated)
            .map(|(v, &truncated)| Cached {
                values: v.to_vec(),
                truncated,
            })
            .collect())
    }
}

impl Featurizer for Embedder {
    fn name(&self) -> &'static str {
        "embed"
    }

    fn columns(&self) -> Vec<String> {
        (0..self.dim).map(|i| i.to_string()).collect()
    }

    fn transform(&self, docs: &[Doc]) -> Result<Array2<f32>> {
        let texts: Vec<std::borrow::Cow<str>> = docs
            .par_iter()
            .map(|d| self.normalization.apply(&d.text))
            .collect();
        let texts: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
        self.store.vectors(&texts, &|part| self.embed(part))
    }

    fn report(&self) -> Option<String> {
        let s = self.stats();
        let limit = if self.config.chunked {
            format!(
                "longer than {} tokens, embedded in chunks",
                self.config.max_tokens
            )
        } else {
            format!("cut at {} tokens", self.config.max_tokens)
        };
        Some(format!(
            "embed ({}): {} documents, {} embedded, {} from the cache; {} {limit}",
            self.dir.path.display(),
            s.documents,
            s.embedded,
            s.from_cache,
            s.truncated
        ))
    }
}
