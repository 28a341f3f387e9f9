//! How many distinct 64-bit hashes a stream holds, in bounded memory: a KMV sketch (the k
//! minimum values; Bar-Yossef et al. 2002, Beyer et al. 2007). Exact while it holds fewer than k
//! distinct hashes (it holds them all), then the estimate (k − 1) / U₍ₖ₎ from the k-th smallest
//! hash U₍ₖ₎ scaled to (0, 1], unbiased with relative standard error ≈ 1/√(k − 2). The sketch of
//! a stream's parts merged is the sketch of the whole, whatever the split and order: the k
//! smallest of a union are the k smallest of the parts' k smallest.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The k smallest distinct hashes seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistinctSketch {
    k: usize,
    smallest: BTreeSet<u64>,
}

impl DistinctSketch {
    /// A sketch keeping `k` ≥ 2 hashes (exact up to `k` distinct values).
    pub fn new(k: usize) -> DistinctSketch {
        DistinctSketch {
            k: k.max(2),
            smallest: BTreeSet::new(),
        }
    }

    pub fn insert(&mut self, hash: u64) {
        let full = self.smallest.len() == self.k;
        if full && self.smallest.last().is_some_and(|&largest| hash >= largest) {
            return;
        }
        if self.smallest.insert(hash) && full {
            self.smallest.pop_last();
        }
    }

    /// Adds the hashes of another part of the stream (a sketch of the same `k`).
    pub fn merge(&mut self, other: DistinctSketch) {
        for h in other.smallest {
            self.insert(h);
        }
    }

    /// The hashes held (at most k).
    pub fn held(&self) -> usize {
        self.smallest.len()
    }

    /// Checks a sketch read back from bytes: the same k as `like`, at most k hashes held.
    pub fn check(&self, like: &DistinctSketch) -> Result<(), String> {
        crate::consistency::same("k", &self.k, &like.k)?;
        crate::consistency::at_most("smallest", self.held() as u64, self.k as u64, "k")
    }

    /// Whether the count is exact (fewer than k distinct hashes seen).
    pub fn is_exact(&self) -> bool {
        self.smallest.len() < self.k
    }

    /// The number of distinct hashes: exact below k, else the KMV estimate.
    pub fn count(&self) -> f64 {
        if self.is_exact() {
            return self.smallest.len() as f64;
        }
        let kth = *self.smallest.last().expect("k >= 2 hashes held") as f64;
        // U(k) on (0, 1]: the hash + 1 over 2^64.
        let u = (kth + 1.0) / 2f64.powi(64);
        (self.k - 1) as f64 / u
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    fn hashes(range: std::ops::Range<u64>) -> impl Iterator<Item = u64> {
        range.map(|i| xxh3_64(&i.to_le_bytes()))
    }

    #[test]
    fn exact_below_k_and_duplicates_count_once() {
        let mut s = DistinctSketch::new(1000);
        for h in hashes(0..600).chain(hashes(0..600)) {
            s.insert(h);
        }
        assert!(s.is_exact());
        assert_eq!(s.count(), 600.0);
    }

    #[test]
    fn estimates_within_a_few_standard_errors_above_k() {
        let k = 4096;
        for (n, seed) in [(50_000u64, 0u64), (400_000, 1_000_000)] {
            let mut s = DistinctSketch::new(k);
            for h in hashes(seed..seed + n) {
                s.insert(h);
            }
            let relative = s.count() / n as f64 - 1.0;
            // Standard error 1/sqrt(k - 2) = 1.6%: 4 of them.
            assert!(
                relative.abs() < 4.0 / ((k - 2) as f64).sqrt(),
                "{n}: {relative}"
            );
        }
    }

    #[test]
    fn parts_merged_in_any_order_are_the_whole() {
        let mut whole = DistinctSketch::new(500);
        for h in hashes(0..20_000) {
            whole.insert(h);
        }
        let parts: Vec<DistinctSketch> = (0..7u64)
            .map(|p| {
                let mut s = DistinctSketch::new(500);
                // Overlapping parts: every value is in two of them.
                for h in hashes(p * 20_000 / 7..((p + 2) * 20_000 / 7).min(20_000)) {
                    s.insert(h);
                }
                s
            })
            .collect();
        let mut forward = DistinctSketch::new(500);
        for p in parts.clone() {
            forward.merge(p);
        }
        let mut backward = DistinctSketch::new(500);
        for p in parts.into_iter().rev() {
            backward.merge(p);
        }
        assert_eq!(forward, whole);
        assert_eq!(backward, whole);
    }
}
