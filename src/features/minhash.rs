//! MinHash signatures of word-shingle sets and an LSH band index over them: near-duplicate
//! search in O(documents) instead of O(pairs). Signatures are mergeable sketches (element-wise
//! minimum), so shards can compute them independently.
//!
//! Each shingle is hashed once (XXH3 of its words' hashes); the `num_perm` permutations are
//! multiply-add-shift hashes of that 64-bit value, `(a·x + b) >> 32` with odd random `a` — one
//! multiply per permutation and shingle, which the compiler keeps in registers.

use rand::Rng;
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64;

use crate::features::tokens::words;
use crate::stats::rng::seeded;

/// Permutation family and shingle width.
#[derive(Debug, Clone)]
pub struct MinHasher {
    shingle: usize,
    a: Vec<u64>,
    b: Vec<u64>,
}

/// Signature of a document: per permutation, the least hash of its shingles.
pub type Signature = Vec<u32>;

impl MinHasher {
    pub fn new(num_perm: usize, shingle: usize, seed: u64) -> MinHasher {
        let mut rng = seeded(seed, 0x6d68);
        let a = (0..num_perm).map(|_| rng.random::<u64>() | 1).collect();
        let b = (0..num_perm).map(|_| rng.random::<u64>()).collect();
        MinHasher {
            shingle: shingle.max(1),
            a,
            b,
        }
    }

    pub fn num_perm(&self) -> usize {
        self.a.len()
    }

    /// The distinct shingle hashes of a text (lower-cased words, `shingle` at a time; a text
    /// shorter than one shingle is one shingle of all its words). Empty for a text without
    /// words.
    pub fn shingle_hashes(&self, text: &str) -> Vec<u64> {
        let word_hashes: Vec<u64> = words(text)
            .map(|w| {
                if w.bytes().any(|b| b.is_ascii_uppercase()) || !w.is_ascii() {
                    xxh3_64(w.to_lowercase().as_bytes())
                } else {
                    xxh3_64(w.as_bytes())
                }
            })
            .collect();
        if word_hashes.is_empty() {
            return Vec::new();
        }
        let width = self.shingle.min(word_hashes.len());
        let mut hashes: Vec<u64> = word_hashes
            .windows(width)
            .map(|w| {
                let mut bytes = [0u8; 8 * 16];
                let n = w.len().min(16);
                for (k, h) in w.iter().take(n).enumerate() {
                    bytes[8 * k..8 * k + 8].copy_from_slice(&h.to_le_bytes());
                }
                xxh3_64(&bytes[..8 * n])
            })
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        hashes
    }

    /// Signature of a text; None for a text without words (it is near nothing).
    pub fn signature(&self, text: &str) -> Option<Signature> {
        let shingles = self.shingle_hashes(text);
        if shingles.is_empty() {
            return None;
        }
        let mut sig = vec![u32::MAX; self.a.len()];
        for &x in &shingles {
            for ((s, &a), &b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
                let h = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                *s = (*s).min(h);
            }
        }
        Some(sig)
    }
}

/// Share of permutations on which two signatures agree: the Jaccard estimate.
pub fn estimated_jaccard(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// Exact Jaccard of two sorted, distinct hash sets.
pub fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        1.0
    } else {
        both as f64 / union as f64
    }
}

/// Bands × rows for a Jaccard threshold: the split of `num_perm` that minimises the
/// (equally weighted) false-positive and false-negative areas under the LSH S-curve, as
/// datasketch's `MinHashLSH` chooses it.
pub fn optimal_bands(threshold: f64, num_perm: usize) -> (usize, usize) {
    let area = |lo: f64, hi: f64, f: &dyn Fn(f64) -> f64| {
        let steps = 200;
        let h = (hi - lo) / steps as f64;
        (0..steps)
            .map(|i| f(lo + (i as f64 + 0.5) * h) * h)
            .sum::<f64>()
    };
    let mut best = (1, num_perm.max(1));
    let mut best_error = f64::INFINITY;
    for b in 1..=num_perm {
        for r in 1..=num_perm / b {
            let p = |s: f64| 1.0 - (1.0 - s.powi(r as i32)).powi(b as i32);
            let false_positive = area(0.0, threshold, &p);
            let false_negative = area(threshold, 1.0, &|s| 1.0 - p(s));
            let error = 0.5 * false_positive + 0.5 * false_negative;
            if error < best_error {
                best_error = error;
                best = (b, r);
            }
        }
    }
    best
}

/// LSH index: documents whose signatures agree on all rows of any band share a bucket.
pub struct LshIndex {
    bands: usize,
    rows: usize,
    tables: Vec<FxHashMap<u64, Vec<u32>>>,
}

impl LshIndex {
    pub fn new(bands: usize, rows: usize) -> LshIndex {
        LshIndex {
            bands,
            rows,
            tables: (0..bands).map(|_| FxHashMap::default()).collect(),
        }
    }

    fn band_keys<'s>(&self, sig: &'s [u32]) -> impl Iterator<Item = u64> + 's {
        let rows = self.rows;
        (0..self.bands).map(move |band| {
            let mut bytes = [0u8; 4 * 64];
            let slice = &sig[band * rows..(band + 1) * rows];
            let n = slice.len().min(64);
            for (k, v) in slice.iter().take(n).enumerate() {
                bytes[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
            }
            xxh3_64(&bytes[..4 * n])
        })
    }

    pub fn insert(&mut self, id: u32, sig: &[u32]) {
        let keys: Vec<u64> = self.band_keys(sig).collect();
        for (table, key) in self.tables.iter_mut().zip(keys) {
            table.entry(key).or_default().push(id);
        }
    }

    /// Indexed documents sharing at least one band with `sig`, each once, ascending.
    pub fn candidates(&self, sig: &[u32]) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .band_keys(sig)
            .zip(&self.tables)
            .filter_map(|(key, table)| table.get(&key))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_agree_exactly_and_disjoint_ones_barely() {
        let m = MinHasher::new(128, 5, 1);
        let a = m
            .signature("the quick brown fox jumps over the lazy dog again and again")
            .unwrap();
        let b = m
            .signature("The quick brown fox jumps over the lazy dog again and again")
            .unwrap();
        assert_eq!(estimated_jaccard(&a, &b), 1.0);
        let c = m
            .signature("completely different words make up this other sentence here today")
            .unwrap();
        assert!(estimated_jaccard(&a, &c) < 0.1);
        assert!(m.signature("  ... ").is_none());
    }

    #[test]
    fn bands_follow_the_threshold() {
        let (b, r) = optimal_bands(0.5, 128);
        assert!(b * r <= 128);
        // A high threshold wants more rows per band than a low one.
        let (_, r_high) = optimal_bands(0.9, 128);
        let (_, r_low) = optimal_bands(0.3, 128);
        assert!(r_high > r && r > r_low, "{r_low} {r} {r_high}");
    }

    #[test]
    fn the_index_finds_near_duplicates() {
        let m = MinHasher::new(128, 5, 1);
        let base: Vec<String> = (0..60).map(|i| format!("w{}", (i * 7) % 50)).collect();
        let mut edited = base.clone();
        edited[30] = "changed".into();
        let other: Vec<String> = (0..60).map(|i| format!("z{i}")).collect();
        let (bands, rows) = optimal_bands(0.7, 128);
        let mut index = LshIndex::new(bands, rows);
        index.insert(0, &m.signature(&base.join(" ")).unwrap());
        index.insert(1, &m.signature(&other.join(" ")).unwrap());
        assert_eq!(
            index.candidates(&m.signature(&edited.join(" ")).unwrap()),
            vec![0]
        );
    }
}
