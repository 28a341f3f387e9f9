//! Hashed word 1–2-grams and char 3–5-grams with sublinear TF-IDF and L2 normalisation.
//!
//! Like scikit-learn's `HashingVectorizer` + `TfidfTransformer(sublinear_tf=True)`, but with
//! unsigned hashing (collisions add up instead of cancelling) and the two n-gram families in
//! separately seeded hash spaces folded into one `dim`-wide space. Char n-grams are word-bounded
//! by default (scikit-learn's `char_wb`: each word padded with one space, no n-gram across two
//! words) or, with `chars = "across-words"`, taken over the whole text (`char`). The text is
//! normalised first ([`Normalization`]), then lower-cased with whitespace runs folded to one
//! space. Memory is `dim` counters for the document frequencies, whatever the corpus size.

use std::str::FromStr;

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::normalize::Normalization;
use super::projection::SparseProjection;
use super::Featurizer;
use crate::corpus::Doc;
use crate::matrix::SparseMatrix;

/// Where char n-grams may reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CharNgrams {
    /// Within one word padded with a space each side (scikit-learn's `char_wb`).
    #[default]
    WordBounded,
    /// Over the whole text, across word boundaries (scikit-learn's `char`).
    AcrossWords,
}

impl FromStr for CharNgrams {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "word-bounded" | "char_wb" | "wb" => Ok(CharNgrams::WordBounded),
            "across-words" | "char" => Ok(CharNgrams::AcrossWords),
            other => Err(format!(
                "unknown char n-gram kind '{other}' (available: word-bounded, across-words)"
            )),
        }
    }
}

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
    /// Word-bounded (default) or across-word char n-grams.
    pub chars: CharNgrams,
}

impl Default for NgramConfig {
    fn default() -> Self {
        NgramConfig {
            dim: 1 << 18,
            projection_dim: 256,
            seed: 0x5eed_d21f,
            chars: CharNgrams::default(),
        }
    }
}

/// Widest hash space: each worker thread keeps a 2-byte counter per bucket.
pub const MAX_DIM: usize = 1 << 24;

/// Odd multiplier of the running n-gram hash (golden ratio): spreads each char into the high bits.
const PRIME: u64 = 0x9e37_79b9_7f4a_7c15;
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
    normalization: Normalization,
    doc_freq: Vec<u32>,
    n_docs: u64,
    /// IDF per bucket, recomputed after each `observe` (all ones before any).
    idf: Vec<f32>,
    projection: SparseProjection,
}

/// Per-thread buffers reused across documents: a dense count per bucket, the buckets emitted
/// since the last flush, and the distinct buckets in first-seen order.
struct Scratch {
    counts: Vec<u16>,
    emitted: Vec<u32>,
    touched: Vec<u32>,
}

/// Buckets gathered before each branch-free dedup pass: keeps a long document's scratch at
/// `dim` counters plus this, whatever its length.
const FLUSH_EVERY: usize = 4096;

impl Scratch {
    fn new(dim: usize) -> Self {
        Scratch {
            counts: vec![0; dim],
            emitted: Vec::with_capacity(FLUSH_EVERY),
            touched: Vec::new(),
        }
    }

    /// Counts the emitted buckets, appending the new ones to `touched[..*distinct]`.
    /// Branch-free: whether a bucket is new is a coin flip the predictor cannot learn.
    fn flush(&mut self, distinct: &mut usize) {
        self.touched.resize(*distinct + self.emitted.len(), 0);
        for &b in &self.emitted {
            let c = &mut self.counts[b as usize];
            self.touched[*distinct] = b;
            *distinct += usize::from(*c == 0);
            *c = c.saturating_add(1);
        }
        self.emitted.clear();
    }
}

/// ln(1 + x) for small counts is looked up, not computed: most counts are 1-3.
fn sublinear_tf(count: u16) -> f32 {
    const TABLE: [f32; 16] = {
        // 1 + ln(c) for c = 0..16 (c = 0 unused), written out because const fn has no ln.
        [
            0.0,
            1.0,
            1.693_147_2,
            2.098_612_3,
            2.386_294_4,
            2.609_438,
            2.791_759_5,
            2.945_910_1,
            3.079_441_5,
            3.197_224_6,
            3.302_585,
            3.397_895_3,
            3.484_906_6,
            3.564_949_4,
            3.639_057_3,
            3.708_050_3,
        ]
    };
    match TABLE.get(count as usize) {
        Some(v) => *v,
        None => 1.0 + (count as f32).ln(),
    }
}

impl HashedNgrams {
    pub fn new(config: NgramConfig, normalization: Normalization) -> Self {
        let projection = SparseProjection::new(config.dim, config.projection_dim, config.seed);
        HashedNgrams {
            normalization,
            doc_freq: vec![0; config.dim],
            n_docs: 0,
            idf: vec![1.0; config.dim],
            projection,
            config,
        }
    }

    pub fn config(&self) -> &NgramConfig {
        &self.config
    }

    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    /// Maps a running n-gram hash to a bucket: one xor-shift-multiply round to spread the bits
    /// (a full `mix` costs twice as much on the hottest loop), then multiply-shift onto 0..dim,
    /// which needs neither a modulo nor a power-of-two dim.
    #[inline]
    fn bucket(&self, h: u64) -> u32 {
        let h = (h ^ (h >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        ((h as u128 * self.config.dim as u128) >> 64) as u32
    }

    /// The text as n-grams see it: normalised, lower-cased, whitespace runs folded to one space,
    /// with one space added at each end (so every word has a space each side).
    #[inline(always)]
    fn for_each_folded_char(&self, text: &str, mut push: impl FnMut(char)) {
        push(' ');
        let mut last_space = true;
        self.normalization.for_each_char(text, |c| {
            if c.is_whitespace() {
                if !last_space {
                    push(' ');
                }
                last_space = true;
            } else {
                last_space = false;
                if c.is_ascii() {
                    push(c.to_ascii_lowercase());
                } else {
                    c.to_lowercase().for_each(&mut push);
                }
            }
        });
        if !last_space {
            push(' ');
        }
    }

    /// Calls `emit(bucket, start, end)` for every word 1-2-gram and char 3-5-gram of `text`,
    /// where `start..end` are the n-gram's char positions in the folded text
    /// ([`Self::for_each_folded_char`]; across-word char n-grams skip its two added spaces).
    /// One pass with a few words of state: memory does not grow with the document. The
    /// featurizer's hot path ignores the span, which inlining then removes.
    #[inline(always)]
    fn for_each_ngram(&self, text: &str, emit: impl FnMut(u32, usize, usize)) {
        let mut walker = NgramWalker::new(self, emit);
        self.for_each_folded_char(text, |c| walker.push(c));
    }

    /// Counts a document's buckets into `scratch.counts`; leaves them in first-seen order in
    /// `scratch.touched`.
    fn count_into(&self, text: &str, scratch: &mut Scratch) {
        scratch.emitted.clear();
        scratch.touched.clear();
        let mut distinct = 0;
        self.for_each_ngram(text, |b, _, _| {
            scratch.emitted.push(b);
            if scratch.emitted.len() == FLUSH_EVERY {
                scratch.flush(&mut distinct);
            }
        });
        scratch.flush(&mut distinct);
        scratch.touched.truncate(distinct);
    }

    /// Every n-gram of `text` whose bucket `wanted` accepts, with its bucket and the normalised
    /// text around it (`context` chars each side, the n-gram in brackets): how the lexicon
    /// names hashed buckets.
    pub fn find_ngrams(
        &self,
        text: &str,
        context: usize,
        mut wanted: impl FnMut(u32) -> bool,
    ) -> Vec<NgramHit> {
        let mut chars = Vec::new();
        self.for_each_folded_char(text, |c| chars.push(c));
        let mut spans = Vec::new();
        self.for_each_ngram(text, |b, start, end| {
            if wanted(b) {
                spans.push((b, start, end));
            }
        });
        spans
            .into_iter()
            .map(|(bucket, start, end)| NgramHit {
                bucket,
                ngram: chars[start..end].iter().collect(),
                snippet: format!(
                    "{}[{}]{}",
                    chars[start.saturating_sub(context)..start]
                        .iter()
                        .collect::<String>(),
                    chars[start..end].iter().collect::<String>(),
                    chars[end..(end + context).min(chars.len())]
                        .iter()
                        .collect::<String>()
                ),
            })
            .collect()
    }

    /// A featurizer with a stored IDF table (one weight per bucket), as a saved model has it.
    pub fn with_idf(
        config: NgramConfig,
        normalization: Normalization,
        idf: Vec<f32>,
    ) -> Result<Self, String> {
        if idf.len() != config.dim {
            return Err(format!(
                "IDF table has {} entries for {} buckets",
                idf.len(),
                config.dim
            ));
        }
        let mut ngrams = HashedNgrams::new(config, normalization);
        ngrams.idf = idf;
        Ok(ngrams)
    }

    /// IDF weight per bucket.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Term counts of one document as sorted (bucket, count) pairs.
    pub fn term_counts(&self, text: &str) -> Vec<(u32, u32)> {
        let mut scratch = Scratch::new(self.config.dim);
        self.count_into(text, &mut scratch);
        scratch.touched.sort_unstable();
        scratch
            .touched
            .iter()
            .map(|&b| (b, scratch.counts[b as usize] as u32))
            .collect()
    }

    /// IDF as scikit-learn's smooth_idf: ln((1 + n) / (1 + df)) + 1; 1 before any fit.
    fn refresh_idf(&mut self) {
        let n = self.n_docs as f64;
        self.idf = self
            .doc_freq
            .iter()
            .map(|&df| (((1.0 + n) / (1.0 + df as f64)).ln() + 1.0) as f32)
            .collect();
    }

    /// Sublinear TF-IDF of the counted buckets, L2-normalised, in `scratch.touched` order;
    /// resets the counts for the next document.
    fn weigh(&self, scratch: &mut Scratch, values: &mut Vec<f32>) {
        values.clear();
        let mut norm = 0.0f64;
        for &b in &scratch.touched {
            let count = std::mem::take(&mut scratch.counts[b as usize]);
            let v = sublinear_tf(count) * self.idf[b as usize];
            norm += (v as f64) * (v as f64);
            values.push(v);
        }
        if norm > 0.0 {
            let inv = (1.0 / norm.sqrt()) as f32;
            values.iter_mut().for_each(|v| *v *= inv);
        }
    }

    /// Sublinear TF-IDF, L2-normalised: the sparse row of one document (sorted indices).
    pub fn tfidf_row(&self, text: &str) -> (Vec<u32>, Vec<f32>) {
        let mut scratch = Scratch::new(self.config.dim);
        self.sparse_row(text, &mut scratch)
    }

    fn sparse_row(&self, text: &str, scratch: &mut Scratch) -> (Vec<u32>, Vec<f32>) {
        self.count_into(text, scratch);
        scratch.touched.sort_unstable();
        let mut values = Vec::with_capacity(scratch.touched.len());
        self.weigh(scratch, &mut values);
        (scratch.touched.clone(), values)
    }

    /// Sparse TF-IDF rows of a batch, in order.
    pub fn transform_sparse(&self, docs: &[Doc]) -> SparseMatrix {
        let rows: Vec<(Vec<u32>, Vec<f32>)> = docs
            .par_iter()
            .map_init(
                || Scratch::new(self.config.dim),
                |s, d| self.sparse_row(&d.text, s),
            )
            .collect();
        let mut out = SparseMatrix::new(self.config.dim);
        for (doc, (indices, values)) in docs.iter().zip(rows) {
            out.push_row(doc.id.clone(), &indices, &values);
        }
        out
    }
}

/// Term counts kept per document, so a TF-IDF row can be made under any IDF table without
/// hashing the text again: cross-validation fits one IDF per fold over the same documents.
impl HashedNgrams {
    /// Each document's raw term counts as a sparse row (sorted buckets, counts as values).
    pub fn count_rows(&self, docs: &[Doc]) -> SparseMatrix {
        let rows: Vec<(Vec<u32>, Vec<f32>)> = docs
            .par_iter()
            .map_init(
                || Scratch::new(self.config.dim),
                |scratch, d| {
                    self.count_into(&d.text, scratch);
                    scratch.touched.sort_unstable();
                    let counts = scratch
                        .touched
                        .iter()
                        .map(|&b| std::mem::take(&mut scratch.counts[b as usize]) as f32)
                        .collect();
                    (scratch.touched.clone(), counts)
                },
            )
            .collect();
        let mut out = SparseMatrix::new(self.config.dim);
        for (doc, (indices, counts)) in docs.iter().zip(rows) {
            out.push_row(doc.id.clone(), &indices, &counts);
        }
        out
    }
}

/// The smooth IDF (as [`HashedNgrams`] fits it) of rows `rows` of a count matrix.
pub fn idf_of_counts(counts: &SparseMatrix, rows: &[usize]) -> Vec<f32> {
    let mut doc_freq = vec![0u32; counts.dim];
    for &i in rows {
        counts
            .row(i)
            .0
            .iter()
            .for_each(|&b| doc_freq[b as usize] += 1);
    }
    let n = rows.len() as f64;
    doc_freq
        .iter()
        .map(|&df| (((1.0 + n) / (1.0 + df as f64)).ln() + 1.0) as f32)
        .collect()
}

/// The TF-IDF rows (sublinear TF, L2-normalised, as [`HashedNgrams::tfidf_row`]) of rows
/// `rows` of a count matrix under `idf`.
pub fn tfidf_of_counts(counts: &SparseMatrix, rows: &[usize], idf: &[f32]) -> SparseMatrix {
    let weighed: Vec<Vec<f32>> = rows
        .par_iter()
        .map(|&i| {
            let (idx, c) = counts.row(i);
            let mut values: Vec<f32> = idx
                .iter()
                .zip(c)
                .map(|(&b, &c)| sublinear_tf(c as u16) * idf[b as usize])
                .collect();
            let norm = values.iter().map(|&v| v as f64 * v as f64).sum::<f64>();
            if norm > 0.0 {
                let inv = (1.0 / norm.sqrt()) as f32;
                values.iter_mut().for_each(|v| *v *= inv);
            }
            values
        })
        .collect();
    let mut out = SparseMatrix::new(counts.dim);
    for (&i, values) in rows.iter().zip(weighed) {
        out.push_row(counts.ids[i].clone(), counts.row(i).0, &values);
    }
    out
}

/// One n-gram occurrence found by [`HashedNgrams::find_ngrams`] (normalised text).
#[derive(Debug, Clone, PartialEq)]
pub struct NgramHit {
    pub bucket: u32,
    pub ngram: String,
    pub snippet: String,
}

/// The n-gram enumeration as a state machine fed one folded char at a time.
struct NgramWalker<'a, E> {
    ngrams: &'a HashedNgrams,
    emit: E,
    word_seed: u64,
    char_seed: u64,
    across_words: bool,
    /// Position of the next char in the folded text.
    position: usize,
    /// The word being read (a run of word chars): its running hash and first position.
    word: Option<(u64, usize)>,
    /// The last word of two or more chars: its hash and first position (for bigrams).
    previous: Option<(u64, usize)>,
    /// Running hashes of the char n-grams starting at the last five positions, newest first;
    /// the first `open` of them may still grow.
    grams: [u64; 5],
    open: usize,
    /// Across words: a space not yet known to be inside the text (the last one is not).
    pending_space: Option<usize>,
}

impl<'a, E: FnMut(u32, usize, usize)> NgramWalker<'a, E> {
    fn new(ngrams: &'a HashedNgrams, emit: E) -> Self {
        let seed = ngrams.config.seed;
        NgramWalker {
            ngrams,
            emit,
            word_seed: OFFSET ^ seed ^ 0x776f_7264,
            char_seed: OFFSET ^ seed.rotate_left(29),
            across_words: ngrams.config.chars == CharNgrams::AcrossWords,
            position: 0,
            word: None,
            previous: None,
            grams: [0; 5],
            open: 0,
            pending_space: None,
        }
    }

    #[inline(always)]
    fn push(&mut self, c: char) {
        let p = self.position;
        self.position += 1;
        self.word_step(c, p);
        if !self.across_words {
            self.char_step(c, p);
            if c == ' ' {
                // A word-bounded n-gram ends at the space after its word; the next word's
                // n-grams start at that same space.
                self.open = 1;
            }
        } else if c == ' ' {
            // The leading space and the final one are not part of the text.
            if p > 0 {
                self.pending_space = Some(p);
            }
        } else {
            if let Some(q) = self.pending_space.take() {
                self.char_step(' ', q);
            }
            self.char_step(c, p);
        }
    }

    /// Word unigrams and bigrams: tokens as scikit-learn's `\b\w\w+\b` finds them. The folded
    /// text ends with a space, so every word is closed here.
    #[inline(always)]
    fn word_step(&mut self, c: char, p: usize) {
        if is_word_char(c) {
            let (h, _) = self.word.get_or_insert((self.word_seed, p));
            *h = (*h ^ c as u64).wrapping_mul(PRIME);
            return;
        }
        let Some((h, start)) = self.word.take() else {
            return;
        };
        if p - start < 2 {
            return;
        }
        (self.emit)(self.ngrams.bucket(h), start, p);
        if let Some((previous, previous_start)) = self.previous {
            let pair = previous.rotate_left(17) ^ h.wrapping_mul(PRIME) ^ 0xb1;
            (self.emit)(self.ngrams.bucket(pair), previous_start, p);
        }
        self.previous = Some((h, start));
    }

    /// Char 3-5-grams ending at position `p`: a new n-gram starts at `c`, every open one
    /// takes `c`, and those of three chars or more are emitted.
    #[inline(always)]
    fn char_step(&mut self, c: char, p: usize) {
        self.grams.copy_within(0..4, 1);
        self.grams[0] = self.char_seed;
        self.open = (self.open + 1).min(5);
        for k in 0..self.open {
            let h = (self.grams[k] ^ c as u64).wrapping_mul(PRIME);
            self.grams[k] = h;
            if k >= 2 {
                (self.emit)(self.ngrams.bucket(h ^ (k as u64 + 1)), p - k, p + 1);
            }
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
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

    /// Document frequencies: each chunk of documents counts into its own array (marking buckets
    /// already seen in the current document), and the integer sums are merged in any order.
    fn observe(&mut self, docs: &[Doc]) {
        let dim = self.config.dim;
        // Chunks of < 2^16 documents let both per-chunk arrays be u16: half the cache footprint
        // of the random accesses that dominate this loop.
        let chunk = docs
            .len()
            .div_ceil(rayon::current_num_threads().max(1))
            .clamp(1, u16::MAX as usize);
        let partial = docs
            .par_chunks(chunk)
            .map(|chunk| {
                let mut df = vec![0u16; dim];
                let mut seen_in = vec![u16::MAX; dim];
                for (k, doc) in chunk.iter().enumerate() {
                    let k = k as u16;
                    self.for_each_ngram(&doc.text, |b, _, _| {
                        let seen = &mut seen_in[b as usize];
                        df[b as usize] += u16::from(*seen != k);
                        *seen = k;
                    });
                }
                df.into_iter().map(u32::from).collect::<Vec<u32>>()
            })
            .reduce_with(|mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            });
        if let Some(df) = partial {
            self.doc_freq.iter_mut().zip(df).for_each(|(x, y)| *x += y);
        }
        self.n_docs += docs.len() as u64;
        self.refresh_idf();
    }

    /// The dense random projection of the TF-IDF rows (summed in first-seen n-gram order, which
    /// depends only on the text, so the result does not depend on threads).
    fn transform(&self, docs: &[Doc]) -> crate::error::Result<Array2<f32>> {
        let rows: Vec<Vec<f32>> = docs
            .par_iter()
            .map_init(
                || (Scratch::new(self.config.dim), Vec::new()),
                |(scratch, values), d| {
                    self.count_into(&d.text, scratch);
                    self.weigh(scratch, values);
                    self.projection.project(&scratch.touched, values)
                },
            )
            .collect();
        let mut out = Array2::zeros((docs.len(), self.config.projection_dim));
        for (mut row, values) in out.rows_mut().into_iter().zip(rows) {
            row.assign(&ndarray::ArrayView1::from(&values[..]));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn ngrams(chars: CharNgrams) -> HashedNgrams {
        HashedNgrams::new(
            NgramConfig {
                chars,
                ..NgramConfig::default()
            },
            Normalization::Standard,
        )
    }

    fn doc(id: &str, text: &str) -> Doc {
        Doc {
            id: id.into(),
            text: text.into(),
            lineage: Lineage::new(Source::Real),
        }
    }

    /// TF-IDF rows made from kept counts under an IDF fitted on some of them equal the rows the
    /// featurizer makes from the text after observing the same documents.
    #[test]
    fn rows_from_counts_equal_rows_from_text() {
        let docs = [
            doc("a", "It is important to note that the results are robust."),
            doc(
                "b",
                "the results, frankly, were a mess — again and again and again",
            ),
            doc("c", "Moreover, it is worth noting the delve into results."),
        ];
        let counts = ngrams(CharNgrams::WordBounded).count_rows(&docs);
        let mut fitted = ngrams(CharNgrams::WordBounded);
        fitted.observe(&docs[..2]);
        let idf = idf_of_counts(&counts, &[0, 1]);
        assert_eq!(idf, fitted.idf());
        let from_counts = tfidf_of_counts(&counts, &[2, 0], &idf);
        let from_text = fitted.transform_sparse(&[docs[2].clone(), docs[0].clone()]);
        assert_eq!(from_counts.ids, from_text.ids);
        assert_eq!(from_counts.indices, from_text.indices);
        for (a, b) in from_counts.values.iter().zip(&from_text.values) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    /// The n-gram definition written plainly over the whole folded text (how it was computed
    /// before it streamed): the streaming walker must emit exactly these.
    fn buffered_ngrams(ng: &HashedNgrams, text: &str) -> Vec<(u32, usize, usize)> {
        let mut chars = Vec::new();
        ng.for_each_folded_char(text, |c| chars.push(c));
        let mut out = Vec::new();
        let word_seed = OFFSET ^ ng.config.seed ^ 0x776f_7264;
        let mut previous: Option<(u64, usize)> = None;
        let mut i = 0;
        while i < chars.len() {
            if !is_word_char(chars[i]) {
                i += 1;
                continue;
            }
            let start = i;
            let mut h = word_seed;
            while i < chars.len() && is_word_char(chars[i]) {
                h = (h ^ chars[i] as u64).wrapping_mul(PRIME);
                i += 1;
            }
            if i - start < 2 {
                continue;
            }
            out.push((ng.bucket(h), start, i));
            if let Some((p, p_start)) = previous {
                let pair = p.rotate_left(17) ^ h.wrapping_mul(PRIME) ^ 0xb1;
                out.push((ng.bucket(pair), p_start, i));
            }
            previous = Some((h, start));
        }
        let char_seed = OFFSET ^ ng.config.seed.rotate_left(29);
        let mut grams = |from: usize, limit: usize| {
            for start in from..limit.saturating_sub(2) {
                let mut h = char_seed;
                for (n, &c) in chars[start..(start + 5).min(limit)].iter().enumerate() {
                    h = (h ^ c as u64).wrapping_mul(PRIME);
                    if n >= 2 {
                        out.push((ng.bucket(h ^ (n as u64 + 1)), start, start + n + 1));
                    }
                }
            }
        };
        match ng.config.chars {
            CharNgrams::AcrossWords => grams(1, chars.len().saturating_sub(1)),
            CharNgrams::WordBounded => {
                let mut word_start = 0;
                for (j, &c) in chars.iter().enumerate().skip(1) {
                    if c == ' ' {
                        grams(word_start, j + 1);
                        word_start = j;
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn streamed_ngrams(ng: &HashedNgrams, text: &str) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        ng.for_each_ngram(text, |b, start, end| out.push((b, start, end)));
        out.sort_unstable();
        out
    }

    proptest::proptest! {
        #[test]
        fn streaming_emits_exactly_the_buffered_ngrams(
            text in "([a-zA-Z0-9_' .,\n\t\u{2019}\u{130}\u{3a3}\u{e9}-]|  ){0,80}"
        ) {
            for chars in [CharNgrams::WordBounded, CharNgrams::AcrossWords] {
                for normalization in [Normalization::Standard, Normalization::None] {
                    let ng = HashedNgrams::new(
                        NgramConfig { chars, ..NgramConfig::default() },
                        normalization,
                    );
                    proptest::prop_assert_eq!(
                        streamed_ngrams(&ng, &text),
                        buffered_ngrams(&ng, &text)
                    );
                }
            }
        }
    }

    #[test]
    fn a_long_document_is_counted_like_the_sum_of_its_parts() {
        // Past FLUSH_EVERY emitted buckets the dedup runs in several passes.
        let ng = ngrams(CharNgrams::WordBounded);
        let text = "the quick brown fox jumps over the lazy dog. ".repeat(2_000);
        let mut expected = std::collections::BTreeMap::new();
        for (b, _, _) in buffered_ngrams(&ng, &text) {
            *expected.entry(b).or_insert(0u32) += 1;
        }
        let expected: Vec<(u32, u32)> = expected.into_iter().collect();
        assert!(expected.iter().map(|(_, c)| *c as usize).sum::<usize>() > 10 * FLUSH_EVERY);
        assert_eq!(ng.term_counts(&text), expected);
    }

    #[test]
    fn counts_every_ngram_of_a_known_text() {
        let ng = ngrams(CharNgrams::AcrossWords);
        // "ab cd": 2 word unigrams + 1 bigram; 5 chars -> 3 trigrams + 2 four-grams + 1 five-gram.
        let total: u32 = ng.term_counts("AB  cd").iter().map(|(_, c)| c).sum();
        assert_eq!(total, 3 + 6);
        assert_eq!(ng.term_counts("ab cd"), ng.term_counts("AB \n cd"));
        // Word-bounded: " ab " and " cd " -> 2 trigrams + 1 four-gram each.
        let ng = ngrams(CharNgrams::WordBounded);
        let total: u32 = ng.term_counts("AB  cd").iter().map(|(_, c)| c).sum();
        assert_eq!(total, 3 + 6);
        assert_eq!(ng.term_counts("ab cd"), ng.term_counts("\r\nAB \n cd  "));
    }

    #[test]
    fn word_bounded_char_ngrams_are_scikit_learns_char_wb() {
        let ng = ngrams(CharNgrams::WordBounded);
        let mut named: Vec<String> = ng
            .find_ngrams("I saw it.", 0, |_| true)
            .into_iter()
            .map(|h| h.ngram)
            .collect();
        named.sort();
        // scikit-learn's CountVectorizer(analyzer="char_wb", ngram_range=(3, 5)) on "I saw it."
        // gives these char n-grams; "saw", "it" and "saw it" are the word 1-2-grams.
        let mut expected = vec![
            " i ", " sa", "saw", "aw ", " saw", "saw ", " saw ", " it", "it.", "t. ", " it.",
            "it. ", " it. ", "saw", "it", "saw it",
        ];
        expected.sort();
        assert_eq!(named, expected);
    }

    #[test]
    fn typography_and_layout_do_not_change_the_ngrams() {
        for chars in [CharNgrams::WordBounded, CharNgrams::AcrossWords] {
            let ng = ngrams(chars);
            assert_eq!(
                ng.term_counts("It\u{2019}s \u{201C}fine\u{201D} \u{2014} really.\r\n\r\n"),
                ng.term_counts("It's \"fine\" - really.")
            );
        }
        let raw = HashedNgrams::new(NgramConfig::default(), Normalization::None);
        assert_ne!(
            raw.term_counts("It\u{2019}s fine"),
            raw.term_counts("It's fine")
        );
    }

    #[test]
    fn sublinear_tf_table_matches_ln() {
        for c in 1..40u16 {
            assert!(
                (sublinear_tf(c) - (1.0 + (c as f32).ln())).abs() < 1e-6,
                "{c}"
            );
        }
    }

    #[test]
    fn word_tokens_follow_scikit_learn() {
        let ng = ngrams(CharNgrams::AcrossWords);
        let mut words = 0;
        // Only the word part differs between these: "a" and "I" are too short to be tokens.
        ng.for_each_ngram("a I ok", |_, _, _| words += 1);
        // "ok" -> 1 unigram; chars "a i ok" -> 4 trigrams + 3 four-grams + 2 five-grams.
        assert_eq!(words, 1 + 9);
    }

    #[test]
    fn find_ngrams_names_the_ngrams_behind_buckets() {
        let ng = ngrams(CharNgrams::AcrossWords);
        let text = "Moreover,  it  is  Worth noting";
        let (buckets, _) = ng.tfidf_row(text);
        let hits = ng.find_ngrams(text, 4, |_| true);
        let found: std::collections::BTreeSet<u32> = hits.iter().map(|h| h.bucket).collect();
        assert_eq!(found, buckets.iter().copied().collect());
        let bigram = hits.iter().find(|h| h.ngram == "worth noting").unwrap();
        assert_eq!(
            bigram.snippet, " is [worth noting] ",
            "the text as hashed, ends padded"
        );
        assert!(hits.iter().any(|h| h.ngram == "moreover"));
        assert!(
            hits.iter().any(|h| h.ngram == "r, i"),
            "whitespace runs fold to one space"
        );
    }

    #[test]
    fn rows_are_unit_length_and_idf_downweights_common_terms() {
        let mut ng = HashedNgrams::new(
            NgramConfig {
                dim: 1 << 12,
                ..NgramConfig::default()
            },
            Normalization::Standard,
        );
        let docs = vec![
            doc("a", "the cat sat"),
            doc("b", "the dog ran"),
            doc("c", "the bird flew"),
        ];
        ng.observe(&docs);
        let (_, values) = ng.tfidf_row("the cat sat");
        let norm: f32 = values.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let the = ng.term_counts("the")[0].0 as usize;
        let cat = ng.term_counts("cat")[0].0 as usize;
        assert!(ng.idf[the] < ng.idf[cat]);
        assert!((ng.idf[the] - 1.0).abs() < 1e-6, "df = n gives idf 1");
        assert!((ng.idf[cat] - ((4.0f32 / 2.0).ln() + 1.0)).abs() < 1e-6);
    }

    #[test]
    fn dense_projection_preserves_similarity_roughly() {
        let mut ng = ngrams(CharNgrams::default());
        let docs = vec![
            doc("a", "the quick brown fox jumps over the lazy dog"),
            doc("b", "the quick brown fox jumped over the lazy dogs"),
            doc("c", "quantum chromodynamics describes strong interactions"),
        ];
        ng.observe(&docs);
        let dense = ng.transform(&docs).unwrap();
        let dot = |i: usize, j: usize| dense.row(i).dot(&dense.row(j));
        assert!(
            dot(0, 1) > dot(0, 2) + 0.2,
            "near-duplicates stay closer than unrelated texts"
        );
    }
}
