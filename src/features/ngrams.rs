//! Hashed word 1–2-grams and char 3–5-grams with sublinear TF-IDF and L2 normalisation.
//!
//! Like scikit-learn's `HashingVectorizer` + `TfidfTransformer(sublinear_tf=True)`, but with
//! unsigned hashing (collisions add up instead of cancelling) and the two n-gram families in
//! separately seeded hash spaces folded into one `dim`-wide space. Memory is `dim` counters for
//! the document frequencies, whatever the corpus size.

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::matrix::SparseMatrix;
use super::projection::SparseProjection;
use super::tokens::sklearn_tokens;
use super::Featurizer;
use crate::corpus::Doc;

/// Settings of the hashed n-gram featurizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NgramConfig {
    /// Hash space width (default 2^18).
    pub dim: usize,
    /// Width of the dense random projection used by divergence tests (default 256).
    pub projection_dim: usize,
    /// Seed of the hash functions and the projection.
    pub seed: u64,
}

impl Default for NgramConfig {
    fn default() -> Self {
        NgramConfig {
            dim: 1 << 18,
            projection_dim: 256,
            seed: 0x5eed_d21f,
        }
    }
}

const PRIME: u64 = 0x0000_0100_0000_01b3;
const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Murmur3's 64-bit finaliser: spreads the bits of a cheap running hash.
#[inline]
pub(crate) fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hashed n-gram featurizer; `observe` learns document frequencies for the IDF weights.
#[derive(Debug, Clone)]
pub struct HashedNgrams {
    config: NgramConfig,
    doc_freq: Vec<u32>,
    n_docs: u64,
    projection: SparseProjection,
}

impl HashedNgrams {
    pub fn new(config: NgramConfig) -> Self {
        let projection = SparseProjection::new(config.dim, config.projection_dim, config.seed);
        HashedNgrams {
            doc_freq: vec![0; config.dim],
            n_docs: 0,
            projection,
            config,
        }
    }

    pub fn config(&self) -> &NgramConfig {
        &self.config
    }

    #[inline]
    fn bucket(&self, h: u64) -> u32 {
        // Multiply-shift maps a 64-bit hash onto 0..dim without modulo bias or a power-of-two rule.
        ((mix(h) as u128 * self.config.dim as u128) >> 64) as u32
    }

    /// Term counts of one document as sorted (bucket, count) pairs.
    pub fn term_counts(&self, text: &str) -> Vec<(u32, u32)> {
        let lower = text.to_lowercase();
        let mut buckets: Vec<u32> = Vec::with_capacity(lower.len() * 3 + 64);

        // Word unigrams and bigrams.
        let word_seed = self.config.seed ^ 0x77_6f72_64;
        let mut previous: Option<u64> = None;
        for token in sklearn_tokens(&lower) {
            let h = xxhash_rust::xxh3::xxh3_64_with_seed(token.as_bytes(), word_seed);
            buckets.push(self.bucket(h));
            if let Some(p) = previous {
                buckets.push(self.bucket(p.rotate_left(17) ^ h.wrapping_mul(PRIME) ^ 0xb1));
            }
            previous = Some(h);
        }

        // Char 3-5-grams over whitespace-normalised text (as scikit-learn's char analyzer).
        let mut chars: Vec<u32> = Vec::with_capacity(lower.len());
        let mut last_space = false;
        for c in lower.chars() {
            let space = c.is_whitespace();
            if !(space && last_space) {
                chars.push(if space { ' ' as u32 } else { c as u32 });
            }
            last_space = space;
        }
        let char_seed = OFFSET ^ self.config.seed.rotate_left(29);
        for start in 0..chars.len().saturating_sub(2) {
            let mut h = char_seed;
            for (n, &c) in chars[start..(start + 5).min(chars.len())]
                .iter()
                .enumerate()
            {
                h = (h ^ c as u64).wrapping_mul(PRIME);
                if n >= 2 {
                    buckets.push(self.bucket(h ^ (n as u64 + 1)));
                }
            }
        }

        buckets.sort_unstable();
        let mut counts: Vec<(u32, u32)> = Vec::with_capacity(buckets.len() / 2);
        for b in buckets {
            match counts.last_mut() {
                Some((last, c)) if *last == b => *c += 1,
                _ => counts.push((b, 1)),
            }
        }
        counts
    }

    /// IDF as scikit-learn's smooth_idf: ln((1 + n) / (1 + df)) + 1; 1 before any fit.
    fn idf(&self, bucket: u32) -> f32 {
        if self.n_docs == 0 {
            return 1.0;
        }
        let df = self.doc_freq[bucket as usize] as f64;
        (((1.0 + self.n_docs as f64) / (1.0 + df)).ln() + 1.0) as f32
    }

    /// Sublinear TF-IDF, L2-normalised: the sparse row of one document.
    pub fn tfidf_row(&self, text: &str) -> (Vec<u32>, Vec<f32>) {
        let counts = self.term_counts(text);
        let mut indices = Vec::with_capacity(counts.len());
        let mut values = Vec::with_capacity(counts.len());
        let mut norm = 0.0f64;
        for (bucket, count) in counts {
            let v = (1.0 + (count as f32).ln()) * self.idf(bucket);
            norm += (v as f64) * (v as f64);
            indices.push(bucket);
            values.push(v);
        }
        if norm > 0.0 {
            let inv = (1.0 / norm.sqrt()) as f32;
            values.iter_mut().for_each(|v| *v *= inv);
        }
        (indices, values)
    }

    /// Sparse TF-IDF rows of a batch, in order.
    pub fn transform_sparse(&self, docs: &[Doc]) -> SparseMatrix {
        let rows: Vec<(Vec<u32>, Vec<f32>)> =
            docs.par_iter().map(|d| self.tfidf_row(&d.text)).collect();
        let mut out = SparseMatrix::new(self.config.dim);
        for (doc, (indices, values)) in docs.iter().zip(rows) {
            out.push_row(doc.id.clone(), &indices, &values);
        }
        out
    }
}

impl Featurizer for HashedNgrams {
    fn name(&self) -> &'static str {
        "ngram"
    }

    fn columns(&self) -> Vec<String> {
        let width = self.config.projection_dim.to_string().len();
        (0..self.config.projection_dim)
            .map(|i| format!("proj_{i:0width$}"))
            .collect()
    }

    fn needs_fit(&self) -> bool {
        true
    }

    fn observe(&mut self, docs: &[Doc]) {
        let per_doc: Vec<Vec<(u32, u32)>> =
            docs.par_iter().map(|d| self.term_counts(&d.text)).collect();
        for counts in per_doc {
            for (bucket, _) in counts {
                self.doc_freq[bucket as usize] += 1;
            }
        }
        self.n_docs += docs.len() as u64;
    }

    /// The dense random projection of the TF-IDF rows.
    fn transform(&self, docs: &[Doc]) -> Array2<f32> {
        let rows: Vec<Vec<f32>> = docs
            .par_iter()
            .map(|d| {
                let (indices, values) = self.tfidf_row(&d.text);
                self.projection.project(&indices, &values)
            })
            .collect();
        let mut out = Array2::zeros((docs.len(), self.config.projection_dim));
        for (mut row, values) in out.rows_mut().into_iter().zip(rows) {
            row.assign(&ndarray::ArrayView1::from(&values[..]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn doc(id: &str, text: &str) -> Doc {
        Doc {
            id: id.into(),
            text: text.into(),
            lineage: Lineage::new(Source::Real),
        }
    }

    #[test]
    fn counts_every_ngram_of_a_known_text() {
        let ng = HashedNgrams::new(NgramConfig::default());
        // "ab cd": 2 word unigrams + 1 bigram; 5 chars -> 3 trigrams + 2 four-grams + 1 five-gram.
        let total: u32 = ng.term_counts("AB  cd").iter().map(|(_, c)| c).sum();
        assert_eq!(total, 3 + 6);
        assert_eq!(ng.term_counts("ab cd"), ng.term_counts("AB \n cd"));
    }

    #[test]
    fn rows_are_unit_length_and_idf_downweights_common_terms() {
        let mut ng = HashedNgrams::new(NgramConfig {
            dim: 1 << 12,
            ..NgramConfig::default()
        });
        let docs = vec![
            doc("a", "the cat sat"),
            doc("b", "the dog ran"),
            doc("c", "the bird flew"),
        ];
        ng.observe(&docs);
        let (_, values) = ng.tfidf_row("the cat sat");
        let norm: f32 = values.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let the = ng.term_counts("the")[0].0;
        let cat = ng.term_counts("cat")[0].0;
        assert!(ng.idf(the) < ng.idf(cat));
        assert!((ng.idf(the) - 1.0).abs() < 1e-6, "df = n gives idf 1");
    }

    #[test]
    fn dense_projection_preserves_similarity_roughly() {
        let mut ng = HashedNgrams::new(NgramConfig::default());
        let docs = vec![
            doc("a", "the quick brown fox jumps over the lazy dog"),
            doc("b", "the quick brown fox jumped over the lazy dogs"),
            doc("c", "quantum chromodynamics describes strong interactions"),
        ];
        ng.observe(&docs);
        let dense = ng.transform(&docs);
        let dot = |i: usize, j: usize| dense.row(i).dot(&dense.row(j));
        assert!(
            dot(0, 1) > dot(0, 2) + 0.2,
            "near-duplicates stay closer than unrelated texts"
        );
    }
}
