//! A uniform sample of a stream's distinct keys with their exact counts: the k keys of smallest
//! seeded hash (a KMV sketch that keeps a count per hash). A key enters when first seen with a
//! hash below the current k-th smallest, and the k-th smallest only falls, so every key held has
//! been counted since its first occurrence: its count is exact. The sketch of a stream's parts
//! merged is the sketch of the whole, whatever the split and order: a key among the k smallest
//! hashes of the union is among the k smallest of every part it occurs in, so its merged count
//! is the exact sum. Two samples with the same seed are coordinated: below both k-th smallest
//! hashes, a key is in one exactly when it occurs in that stream.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The k keys of smallest hash and their counts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "Saved")]
pub struct CountedSample {
    k: usize,
    seed: u64,
    /// By hash: the key and its count.
    kept: BTreeMap<u64, (String, u64)>,
}

/// [`CountedSample`] as stored: keys in hash order (hashes are recomputed on reading).
#[derive(Serialize, Deserialize)]
struct Saved {
    k: usize,
    seed: u64,
    kept: Vec<(String, u64)>,
}

impl Serialize for CountedSample {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Saved {
            k: self.k,
            seed: self.seed,
            kept: self.kept.values().cloned().collect(),
        }
        .serialize(serializer)
    }
}

impl From<Saved> for CountedSample {
    fn from(s: Saved) -> CountedSample {
        let mut sample = CountedSample::new(s.k, s.seed);
        // Through `add`, so a hand-edited state cannot hold more than k keys.
        for (key, count) in s.kept {
            sample.add(&key, count);
        }
        sample
    }
}

impl CountedSample {
    /// A sample of `k` ≥ 2 keys hashed with `seed`.
    pub fn new(k: usize, seed: u64) -> CountedSample {
        CountedSample {
            k: k.max(2),
            seed,
            kept: BTreeMap::new(),
        }
    }

    /// The hash that ranks `key`.
    pub fn hash(&self, key: &str) -> u64 {
        xxh3_64_with_seed(key.as_bytes(), self.seed)
    }

    /// Counts `count` occurrences of `key`.
    pub fn add(&mut self, key: &str, count: u64) {
        if count == 0 {
            return;
        }
        let hash = self.hash(key);
        if !self.covers(hash) {
            return;
        }
        if let Some(held) = self.kept.get_mut(&hash) {
            held.1 += count;
            return;
        }
        self.kept.insert(hash, (key.to_string(), count));
        if self.kept.len() > self.k {
            self.kept.pop_last();
        }
    }

    /// Adds the sample of another part of the stream (the same k and seed).
    pub fn merge(&mut self, other: CountedSample) {
        for (_, (key, count)) in other.kept {
            self.add(&key, count);
        }
    }

    /// Whether a key of this hash would be held if it occurred: every hash while fewer than k
    /// keys are held, else those up to the k-th smallest.
    pub fn covers(&self, hash: u64) -> bool {
        self.kept.len() < self.k || self.kept.last_key_value().is_some_and(|(&h, _)| hash <= h)
    }

    /// The count of `key` when its hash is covered (0 when it never occurred), else `None`.
    pub fn count_of(&self, key: &str) -> Option<u64> {
        let hash = self.hash(key);
        self.covers(hash)
            .then(|| self.kept.get(&hash).map_or(0, |held| held.1))
    }

    /// The keys held and their counts, in hash order.
    pub fn held(&self) -> impl Iterator<Item = (&str, u64)> {
        self.kept.values().map(|(k, c)| (k.as_str(), *c))
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The number of distinct keys: exact while fewer than k are held, else the KMV estimate
    /// (k − 1) / U₍ₖ₎ (relative standard error ≈ 1/√(k − 2)).
    pub fn distinct(&self) -> f64 {
        match self.kept.last_key_value() {
            Some((&kth, _)) if self.kept.len() >= self.k => {
                let u = (kth as f64 + 1.0) / 2f64.powi(64);
                (self.k - 1) as f64 / u
            }
            _ => self.kept.len() as f64,
        }
    }

    /// Checks a sample read back from bytes: the same k and seed as `like`, its counts within
    /// `total` occurrences.
    pub fn check(&self, like: &CountedSample, total: u64) -> Result<(), String> {
        crate::consistency::same("k", &self.k, &like.k)?;
        crate::consistency::same("seed", &self.seed, &like.seed)?;
        let held = self
            .kept
            .values()
            .try_fold(0u64, |sum, c| sum.checked_add(c.1))
            .unwrap_or(u64::MAX);
        crate::consistency::at_most("counts' sum", held, total, "its tokens")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key i occurs (i % 7) + 1 times, keys interleaved.
    fn stream(range: std::ops::Range<u64>) -> Vec<String> {
        let mut out = Vec::new();
        for round in 0..7 {
            for i in range.clone() {
                if i % 7 >= round {
                    out.push(format!("k{i}"));
                }
            }
        }
        out
    }

    fn sampled(words: &[String], k: usize) -> CountedSample {
        let mut s = CountedSample::new(k, 11);
        words.iter().for_each(|w| s.add(w, 1));
        s
    }

    #[test]
    fn counts_are_exact_and_distinct_is_estimated() {
        let s = sampled(&stream(0..20_000), 1000);
        assert_eq!(s.len(), 1000);
        for (key, count) in s.held() {
            let i: u64 = key[1..].parse().unwrap();
            assert_eq!(count, i % 7 + 1, "{key}");
        }
        // Standard error 1/sqrt(998) = 3.2%: 4 of them.
        assert!(
            (s.distinct() / 20_000.0 - 1.0).abs() < 0.13,
            "{}",
            s.distinct()
        );
        let small = sampled(&stream(0..500), 1000);
        assert_eq!(small.distinct(), 500.0);
        assert_eq!(small.count_of("k3"), Some(4));
        assert_eq!(small.count_of("absent"), Some(0));
        assert!(s.held().any(|(k, _)| s.count_of(k).is_some()));
    }

    #[test]
    fn parts_merged_in_any_order_are_the_whole() {
        let words = stream(0..30_000);
        let whole = sampled(&words, 800);
        // Overlapping key ranges: most keys occur in two parts.
        let parts: Vec<CountedSample> = (0..5u64)
            .map(|p| sampled(&stream(p * 6000..(p * 6000 + 9000).min(30_000)), 800))
            .collect();
        let mut merged_keys = CountedSample::new(800, 11);
        let mut reversed = CountedSample::new(800, 11);
        parts.iter().for_each(|p| merged_keys.merge(p.clone()));
        parts.iter().rev().for_each(|p| reversed.merge(p.clone()));
        // The overlap doubles some counts: compare with the whole stream of the parts.
        let mut concatenated = CountedSample::new(800, 11);
        for p in 0..5u64 {
            stream(p * 6000..(p * 6000 + 9000).min(30_000))
                .iter()
                .for_each(|w| concatenated.add(w, 1));
        }
        assert_eq!(merged_keys, concatenated);
        assert_eq!(reversed, concatenated);
        let bytes = serde_json::to_string(&merged_keys).unwrap();
        assert_eq!(bytes, serde_json::to_string(&reversed).unwrap());
        let back: CountedSample = serde_json::from_str(&bytes).unwrap();
        assert_eq!(back, concatenated);
        assert_eq!(whole.len(), 800);
    }
}
