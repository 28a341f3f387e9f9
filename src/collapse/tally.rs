//! What collapse keeps of each generation while the documents stream past: token counts,
//! sketches of the distinct 2-/3-grams, per-document metrics of a bottom-k sample, and a seeded
//! bottom-k sample of documents (for self-BLEU, compression, embeddings and the language model).
//! Tallies of shards of a corpus merge into the tally of the whole: counts add, sketches and
//! samples take the k smallest of the union, and everything is read in a fixed order at the end.
//! So a shard's state is bounded: the vocabulary too, exact up to 65,536 word types and then a
//! sketch of ~0.5 MB ([`super::vocabulary`]).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize, Serializer};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use super::diversity::{distinct_n, gzip_ratio, type_token_ratio};
use super::generations::tokens;
use super::vocabulary::Vocabulary;
use crate::consistency::{at_most, finite, same, within, Consistent, Covered};
use crate::corpus::sample::BottomK;
use crate::corpus::Doc;
use crate::stats::distinct::DistinctSketch;

/// Documents per generation kept in the sample at least: compression and embedding metrics
/// are measured on it (self-BLEU and the language model on its first documents).
pub const SAMPLE: usize = 2000;

/// Distinct n-gram hashes a sketch keeps: distinct-2/3 are exact up to this many distinct
/// n-grams in a generation, then estimated within ≈ 0.8% (one standard error).
pub const DISTINCT_SKETCH: usize = 16_384;

/// Documents per generation whose metrics feed the per-document trend tests (those with the
/// smallest id hashes): enough for any trend a person would act on, and a bounded state.
pub const PER_DOCUMENT: usize = 5_000;

/// One generation's tally.
#[derive(Serialize, Deserialize)]
pub struct GenerationTally {
    pub documents: u64,
    pub tokens: u64,
    /// Word counts: exact up to a cap of types, then sketched.
    vocabulary: Vocabulary,
    /// The distinct 2- and 3-grams' hashes (64-bit: a collision among millions of n-grams is a
    /// ~1e-6 event) and how many n-grams there were.
    bigrams: DistinctSketch,
    bigram_total: u64,
    trigrams: DistinctSketch,
    trigram_total: u64,
    /// Per document (the [`PER_DOCUMENT`] smallest id hashes, more between trims; saved trimmed,
    /// so equal tallies save the same bytes): its id hash, distinct-2, type-token ratio of its
    /// first 100 words, gzip ratio.
    #[serde(serialize_with = "trimmed")]
    per_document: Vec<(u64, [f64; 3])>,
    sample: BottomK,
}

/// Hash of an n-gram's tokens (separated by a byte no token contains).
fn ngram_hash(gram: &[String]) -> u64 {
    let mut h = Xxh3::new();
    for t in gram {
        h.update(t.as_bytes());
        h.update(&[0]);
    }
    h.digest()
}

/// Distinct-2 within a document, its type-token ratio over the first 100 words (length-robust),
/// and its gzip ratio.
pub fn document_metrics(words: &[String]) -> [f64; 3] {
    let view: Vec<Vec<&str>> = vec![words.iter().map(String::as_str).collect()];
    let (u, t) = distinct_n(&view, 2);
    let head: Vec<Vec<&str>> = vec![words.iter().take(100).map(String::as_str).collect()];
    [
        u as f64 / t.max(1) as f64,
        type_token_ratio(&head),
        gzip_ratio(&view).2,
    ]
}

impl GenerationTally {
    /// Checks a tally read back from bytes: n-gram totals within its tokens, its tokens within
    /// the text its pass read (a word is at least a byte), its samples within their documents.
    fn check(&self, like: &GenerationTally, covered: Covered) -> Result<(), String> {
        at_most(
            "documents",
            self.documents,
            covered.documents,
            "the documents its pass read",
        )?;
        at_most(
            "tokens",
            self.tokens,
            covered.text_bytes,
            "the text bytes its pass read",
        )?;
        within(
            "vocabulary",
            self.vocabulary.check(&like.vocabulary, self.tokens),
        )?;
        at_most("bigram_total", self.bigram_total, self.tokens, "tokens")?;
        at_most(
            "trigram_total",
            self.trigram_total,
            self.bigram_total,
            "bigram_total",
        )?;
        within("bigrams", self.bigrams.check(&like.bigrams))?;
        within("trigrams", self.trigrams.check(&like.trigrams))?;
        at_most(
            "bigrams",
            self.bigrams.held() as u64,
            self.bigram_total,
            "bigram_total",
        )?;
        at_most(
            "trigrams",
            self.trigrams.held() as u64,
            self.trigram_total,
            "trigram_total",
        )?;
        at_most(
            "per_document",
            self.per_document.len() as u64,
            self.documents,
            "documents",
        )?;
        self.per_document
            .iter()
            .flat_map(|(_, m)| m)
            .try_for_each(|&m| finite("per_document metric", m))?;
        let documents = Covered {
            documents: self.documents,
            ..covered
        };
        within("sample", self.sample.check(&like.sample, documents))
    }

    /// `stream` separates the samples of generations drawn with one seed.
    pub fn new(sample_cap: usize, seed: u64, stream: u64) -> GenerationTally {
        GenerationTally {
            documents: 0,
            tokens: 0,
            vocabulary: Vocabulary::default(),
            bigrams: DistinctSketch::new(DISTINCT_SKETCH),
            bigram_total: 0,
            trigrams: DistinctSketch::new(DISTINCT_SKETCH),
            trigram_total: 0,
            per_document: Vec::new(),
            sample: BottomK::new(sample_cap, seed, stream),
        }
    }

    /// Adds a document.
    pub fn observe(&mut self, doc: &Doc) {
        let words = tokens(&doc.text);
        let metrics = document_metrics(&words);
        self.add(doc, &words, metrics);
    }

    /// Adds a document tokenised and measured already.
    fn add(&mut self, doc: &Doc, words: &[String], metrics: [f64; 3]) {
        self.documents += 1;
        self.tokens += words.len() as u64;
        for w in words {
            self.vocabulary.insert(w);
        }
        for g in words.windows(2) {
            self.bigrams.insert(ngram_hash(g));
            self.bigram_total += 1;
        }
        for g in words.windows(3) {
            self.trigrams.insert(ngram_hash(g));
            self.trigram_total += 1;
        }
        self.per_document
            .push((xxh3_64(doc.id.as_bytes()), metrics));
        if self.per_document.len() >= 2 * PER_DOCUMENT {
            self.trim_per_document();
        }
        self.sample.offer(doc);
    }

    pub fn merge(&mut self, other: GenerationTally) {
        self.documents += other.documents;
        self.tokens += other.tokens;
        self.vocabulary.merge(other.vocabulary);
        self.bigrams.merge(other.bigrams);
        self.bigram_total += other.bigram_total;
        self.trigrams.merge(other.trigrams);
        self.trigram_total += other.trigram_total;
        self.per_document.extend(other.per_document);
        self.trim_per_document();
        self.sample.merge(other.sample);
    }

    /// Keeps the [`PER_DOCUMENT`] per-document entries of the smallest id hashes, in hash order
    /// (ties, a duplicate id in two shards, by value: the same whatever order they came in).
    fn trim_per_document(&mut self) {
        trim(&mut self.per_document);
    }

    /// Unique / total n-grams of order 1, 2 or 3 (2 and 3 estimated past [`DISTINCT_SKETCH`]
    /// distinct n-grams, 1 past the vocabulary's exact cap).
    pub fn distinct(&self, n: usize) -> f64 {
        let (unique, total) = match n {
            1 => (self.vocabulary.distinct_types(), self.tokens),
            2 => (self.bigrams.count(), self.bigram_total),
            _ => (self.trigrams.count(), self.trigram_total),
        };
        unique / total.max(1) as f64
    }

    /// The word counts (exact or sketched).
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The per-document metrics of the sampled documents in id-hash order (the same whatever
    /// order they came in).
    pub fn per_document(&mut self) -> Vec<[f64; 3]> {
        self.trim_per_document();
        self.per_document.iter().map(|d| d.1).collect()
    }

    /// The sampled documents, in hash order (a bottom-k sample's first k' are its bottom-k').
    pub fn into_sample(self) -> Vec<Doc> {
        self.sample.into_docs()
    }
}

/// Every generation's tally, by generation number.
#[derive(Serialize, Deserialize)]
pub struct Generations {
    sample_cap: usize,
    seed: u64,
    pub tallies: BTreeMap<u32, GenerationTally>,
}

impl Consistent for Generations {
    fn check(&self, like: &Self, covered: Covered) -> Result<(), String> {
        same("sample_cap", &self.sample_cap, &like.sample_cap)?;
        same("seed", &self.seed, &like.seed)?;
        let documents = self
            .tallies
            .values()
            .fold(0u64, |sum, t| sum.saturating_add(t.documents));
        at_most(
            "documents",
            documents,
            covered.documents,
            "the documents its pass read",
        )?;
        self.tallies.iter().try_for_each(|(&g, t)| {
            within(
                &format!("tallies[{g}]"),
                t.check(&like.empty_tally(g), covered),
            )
        })
    }
}

impl Generations {
    pub fn new(sample_cap: usize, seed: u64) -> Generations {
        Generations {
            sample_cap,
            seed,
            tallies: BTreeMap::new(),
        }
    }

    /// The empty tally of generation `g` (its sample's stream named by the generation).
    fn empty_tally(&self, g: u32) -> GenerationTally {
        GenerationTally::new(self.sample_cap, self.seed, 7_000 + u64::from(g))
    }

    /// Adds documents to their generations' tallies (tokenised and measured in parallel).
    pub fn observe(&mut self, docs: &[Doc], generation: impl Fn(&Doc) -> u32) {
        let measured: Vec<(Vec<String>, [f64; 3])> = docs
            .par_iter()
            .map(|d| {
                let words = tokens(&d.text);
                let metrics = document_metrics(&words);
                (words, metrics)
            })
            .collect();
        for (doc, (words, metrics)) in docs.iter().zip(measured) {
            let g = generation(doc);
            if !self.tallies.contains_key(&g) {
                self.tallies.insert(g, self.empty_tally(g));
            }
            let tally = self.tallies.get_mut(&g).expect("inserted above");
            tally.add(doc, &words, metrics);
        }
    }

    /// Adds documents by their `generation` field; an error naming the first that has none.
    pub fn observe_field(&mut self, docs: &[Doc]) -> Result<(), String> {
        if let Some(doc) = docs.iter().find(|d| d.lineage.generation.is_none()) {
            return Err(format!(
                "document '{}' has no generation: set the `generation` field (or give one file per generation with --generations)",
                doc.id
            ));
        }
        self.observe(docs, |d| d.lineage.generation.unwrap_or_default());
        Ok(())
    }

    pub fn merge(&mut self, other: Generations) {
        for (g, tally) in other.tallies {
            match self.tallies.entry(g) {
                std::collections::btree_map::Entry::Occupied(mut mine) => {
                    mine.get_mut().merge(tally)
                }
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(tally);
                }
            }
        }
    }
}

fn trim(per_document: &mut Vec<(u64, [f64; 3])>) {
    per_document.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
    });
    per_document.truncate(PER_DOCUMENT);
}

fn trimmed<S: Serializer>(per_document: &[(u64, [f64; 3])], s: S) -> Result<S::Ok, S::Error> {
    let mut kept = per_document.to_vec();
    trim(&mut kept);
    kept.serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    /// The demo corpus's texts.
    fn demo_texts() -> Vec<String> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo.jsonl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["text"].as_str().unwrap().to_string()
            })
            .collect()
    }

    /// The demo's documents `copies` times, with fresh ids, and in copy r every word of six
    /// letters or more spelt anew (suffix xr): the short, frequent words stay shared and the
    /// vocabulary keeps growing (faster than Heaps' law: a harder test).
    fn growing_corpus(copies: usize) -> impl Iterator<Item = Vec<Doc>> {
        let texts = demo_texts();
        (0..copies).map(move |r| {
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| Doc {
                    id: format!("{r}:{i}"),
                    text: tokens(t)
                        .into_iter()
                        .map(|w| match w.chars().count() >= 6 && r > 0 {
                            true => format!("{w}x{r}"),
                            false => w,
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                    lineage: Lineage {
                        generation: Some(0),
                        ..Lineage::new(Source::Synthetic)
                    },
                })
                .collect()
        })
    }

    /// A generation's state, past the vocabulary's cap, serialises to at most 10 MB (and its
    /// vocabulary to at most 1 MB), and the same tally saves the same bytes.
    fn state_stays_bounded(copies: usize) -> (usize, usize, f64) {
        let mut generations = Generations::new(SAMPLE, 7);
        for batch in growing_corpus(copies) {
            generations.observe_field(&batch).unwrap();
        }
        let tally = &generations.tallies[&0];
        assert!(!tally.vocabulary().is_exact());
        let state = serde_json::to_vec(tally).unwrap();
        let vocabulary = serde_json::to_vec(tally.vocabulary()).unwrap();
        assert!(state.len() <= 10_000_000, "state {} bytes", state.len());
        assert!(
            vocabulary.len() <= 1_000_000,
            "vocabulary {} bytes",
            vocabulary.len()
        );
        let back: GenerationTally = serde_json::from_slice(&state).unwrap();
        assert_eq!(serde_json::to_vec(&back).unwrap(), state);
        (
            state.len(),
            vocabulary.len(),
            tally.vocabulary().distinct_types(),
        )
    }

    #[test]
    fn state_past_the_vocabulary_cap_stays_bounded() {
        let (_, _, types) = state_stays_bounded(12);
        assert!(types > 1.5 * super::super::vocabulary::EXACT_TYPES as f64);
    }

    /// Ten times the dev corpora's volume (22,791 documents): 190 copies of the demo's 1,200.
    /// Slow in a debug build: `cargo test --release --lib ten_times_dev -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn state_at_ten_times_dev_volume_stays_bounded() {
        let (state, vocabulary, types) = state_stays_bounded(190);
        println!("state {state} bytes, vocabulary {vocabulary} bytes, ~{types:.0} types");
    }
}
