//! The `embed` feature set: sentence embeddings (MiniLM by default) with an on-disk cache, so
//! only documents never seen before reach the encoder, which is loaded only when one does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cache::{text_key, CacheKey, Cached, EmbeddingCache};
use super::encoder::Encoder;
use super::model_dir::ModelDir;
use super::normalize::Normalization;
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

/// Documents seen, where their vectors came from, and how many were over the token limit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EmbedStats {
    pub documents: u64,
    pub from_cache: u64,
    pub embedded: u64,
    pub truncated: u64,
}

/// Vectors kept in memory between calls of one run (drift and calibrate transform the same
/// documents more than once); cleared when it grows past this many.
const MEMORY_ENTRIES: usize = 50_000;
/// New vectors are written to the cache every this many texts (a crash loses at most these).
const WRITE_EVERY: usize = 1024;

pub struct Embedder {
    config: EmbedConfig,
    dir: ModelDir,
    dim: usize,
    encoder: Mutex<Option<Arc<Encoder>>>,
    cache: Option<Mutex<EmbeddingCache>>,
    memory: Mutex<HashMap<u128, Cached>>,
    stats: Mutex<EmbedStats>,
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
        let cache = if config.cache {
            let root = config.cache_dir.clone().unwrap_or_else(default_cache_dir);
            let key = CacheKey {
                model: dir.fingerprint()?,
                max_tokens: config.max_tokens as u32,
                chunked: config.chunked,
                dim: dim as u32,
            };
            Some(Mutex::new(EmbeddingCache::open(&root, key)?))
        } else {
            None
        };
        Ok(Embedder {
            config: config.clone(),
            dir,
            dim,
            encoder: Mutex::new(None),
            cache,
            memory: Mutex::new(HashMap::new()),
            stats: Mutex::new(EmbedStats::default()),
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
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
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

    fn lookup(&self, hash: u128) -> Option<Cached> {
        if let Some(c) = self
            .memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&hash)
        {
            return Some(c.clone());
        }
        let cached = self
            .cache
            .as_ref()?
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)?;
        self.stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .from_cache += 1;
        Some(cached)
    }

    fn remember(&self, entries: impl Iterator<Item = (u128, Cached)>) {
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        for (hash, cached) in entries {
            if memory.len() >= MEMORY_ENTRIES {
                memory.clear();
            }
            memory.insert(hash, cached);
        }
    }

    /// Embeds texts nobody has cached, writing them to the cache as it goes.
    fn embed_missing(&self, missing: &[(u128, &str)]) -> Result<Vec<(u128, Cached)>> {
        let encoder = self.encoder()?;
        let bar = crate::progress::items_bar(missing.len() as u64, "embedding");
        let mut out = Vec::with_capacity(missing.len());
        for part in missing.chunks(WRITE_EVERY) {
            let texts: Vec<&str> = part.iter().map(|&(_, t)| t).collect();
            let embedded = encoder.embed(&texts, self.config.chunked)?;
            let fresh: Vec<(u128, Cached)> = part
                .iter()
                .zip(embedded.values.chunks(self.dim))
                .zip(&embedded.truncated)
                .map(|((&(hash, _), v), &truncated)| {
                    (
                        hash,
                        Cached {
                            values: v.to_vec(),
                            truncated,
                        },
                    )
                })
                .collect();
            if let Some(cache) = &self.cache {
                let entries: Vec<(u128, &[f32], bool)> = fresh
                    .iter()
                    .map(|(h, c)| (*h, c.values.as_slice(), c.truncated))
                    .collect();
                // A cache that cannot be written costs time next run, never this run's result.
                if let Err(e) = cache
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .put(&entries)
                {
                    tracing::warn!("embedding cache not written: {e}");
                }
            }
            self.stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .embedded += fresh.len() as u64;
            out.extend(fresh);
            bar.inc(part.len() as u64);
        }
        bar.finish_and_clear();
        Ok(out)
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
        let hashes: Vec<u128> = texts.par_iter().map(|t| text_key(t)).collect();
        let mut found: HashMap<u128, Cached> = HashMap::new();
        let mut missing: Vec<(u128, &str)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (text, &hash) in texts.iter().zip(&hashes) {
            if !seen.insert(hash) {
                continue;
            }
            match self.lookup(hash) {
                Some(c) => {
                    found.insert(hash, c);
                }
                None => missing.push((hash, text.as_ref())),
            }
        }
        // Longest texts last: the encoder sorts by tokens within each write-sized part.
        missing.sort_by_key(|&(_, t)| t.len());
        if !missing.is_empty() {
            let fresh = self.embed_missing(&missing)?;
            found.extend(fresh.iter().cloned());
            self.remember(fresh.into_iter());
        }
        let mut values = Array2::<f32>::zeros((docs.len(), self.dim));
        let mut truncated = 0;
        for (mut row, hash) in values.outer_iter_mut().zip(&hashes) {
            let c = &found[hash];
            row.assign(&ndarray::ArrayView1::from(&c.values));
            truncated += u64::from(c.truncated);
        }
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.documents += docs.len() as u64;
        stats.truncated += truncated;
        Ok(values)
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
