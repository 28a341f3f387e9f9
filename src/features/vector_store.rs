//! Per-text vectors from an expensive model (the sentence encoder, the language-model scorer),
//! computed once: kept in memory for the run and on disk in the checksummed cache, so only texts
//! never seen before reach the model, in parts written to the cache as they finish.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use ndarray::Array2;
use rayon::prelude::*;
use serde::Serialize;

use super::cache::{text_key, CacheKey, Cached, EmbeddingCache};
use crate::error::Result;

/// Documents seen, where their vectors came from, and how many were over the token limit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EmbedStats {
    pub documents: u64,
    pub from_cache: u64,
    /// Computed by the model in this run.
    pub embedded: u64,
    pub truncated: u64,
}

/// Vectors kept in memory between calls of one run (drift and calibrate transform the same
/// documents more than once); cleared when it grows past this many.
const MEMORY_ENTRIES: usize = 50_000;
/// New vectors are written to the cache every this many texts (a crash loses at most these).
const WRITE_EVERY: usize = 1024;

pub struct VectorStore {
    dim: usize,
    cache: Option<Mutex<EmbeddingCache>>,
    memory: Mutex<HashMap<u128, Cached>>,
    stats: Mutex<EmbedStats>,
    /// What the progress bar says the model is doing ("embedding", "scoring").
    verb: &'static str,
}

impl VectorStore {
    /// A store of `key.dim`-wide vectors, cached under `cache_root` (None: memory only).
    pub fn open(cache_root: Option<&Path>, key: CacheKey, verb: &'static str) -> Result<Self> {
        let cache = match cache_root {
            Some(root) => Some(Mutex::new(EmbeddingCache::open(root, key)?)),
            None => None,
        };
        Ok(VectorStore {
            dim: key.dim as usize,
            cache,
            memory: Mutex::new(HashMap::new()),
            stats: Mutex::new(EmbedStats::default()),
            verb,
        })
    }

    pub fn stats(&self) -> EmbedStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
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

    /// Computes the vectors nobody has, writing them to the cache part by part.
    fn compute_missing(
        &self,
        missing: &[(u128, &str)],
        compute: &dyn Fn(&[&str]) -> Result<Vec<Cached>>,
    ) -> Result<Vec<(u128, Cached)>> {
        let bar = crate::progress::items_bar(missing.len() as u64, self.verb);
        let mut out = Vec::with_capacity(missing.len());
        for part in missing.chunks(WRITE_EVERY) {
            let texts: Vec<&str> = part.iter().map(|&(_, t)| t).collect();
            let fresh: Vec<(u128, Cached)> = part
                .iter()
                .map(|&(hash, _)| hash)
                .zip(compute(&texts)?)
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
                    tracing::warn!("{} cache not written: {e}", self.verb);
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

    /// One row per text: from memory, the cache, or `compute` (given texts shortest first, it
    /// returns one vector of `dim` values per text, in order).
    pub fn vectors(
        &self,
        texts: &[&str],
        compute: &dyn Fn(&[&str]) -> Result<Vec<Cached>>,
    ) -> Result<Array2<f32>> {
        let hashes: Vec<u128> = texts.par_iter().map(|t| text_key(t)).collect();
        let mut found: HashMap<u128, Cached> = HashMap::new();
        let mut missing: Vec<(u128, &str)> = Vec::new();
        let mut seen = HashSet::new();
        for (&text, &hash) in texts.iter().zip(&hashes) {
            if !seen.insert(hash) {
                continue;
            }
            match self.lookup(hash) {
                Some(c) => {
                    found.insert(hash, c);
                }
                None => missing.push((hash, text)),
            }
        }
        // Longest texts last: models batch texts of similar length together.
        missing.sort_by_key(|&(_, t)| t.len());
        if !missing.is_empty() {
            let fresh = self.compute_missing(&missing, compute)?;
            found.extend(fresh.iter().cloned());
            self.remember(fresh.into_iter());
        }
        let mut values = Array2::<f32>::zeros((texts.len(), self.dim));
        let mut truncated = 0;
        for (mut row, hash) in values.outer_iter_mut().zip(&hashes) {
            let c = &found[hash];
            row.assign(&ndarray::ArrayView1::from(&c.values));
            truncated += u64::from(c.truncated);
        }
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.documents += texts.len() as u64;
        stats.truncated += truncated;
        Ok(values)
    }
}
