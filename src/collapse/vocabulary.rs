//! A generation's word counts: exact while it has at most [`EXACT_TYPES`] types (every corpus
//! the tests and the demo use, and each dev corpus: the same numbers as counting every word),
//! then a [`VocabularySketch`] of bounded size. The switch happens on the type count alone, so a
//! corpus's vocabulary is exact or sketched whatever its split into shards: a shard over the
//! cap makes the whole over it, and a sketch built from exact counts is the sketch the words
//! would have streamed into (its sample part exactly).
//!
//! Sizes as JSON: ≤ ~1.3 MB exact at the cap (65,536 types of ~20 bytes), ~0.5 MB sketched.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::diversity::{entropy_bits_of_counts, hapax_share_of_counts, zipf_slope_of_counts};
use super::vocabulary_sketch::{VocabularySketch, HEAVY_TYPES, SAMPLED_TYPES};
use crate::consistency::{same, within};

/// Word types counted exactly before the counts turn into a sketch: above every dev corpus's
/// vocabulary (docs/scale.md); at the cap the exact counts are ~1.3 MB of JSON, 2–3× the sketch.
pub const EXACT_TYPES: usize = 65_536;

/// The sizes of a vocabulary's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabularyLimits {
    /// Types counted exactly before sketching.
    pub exact_types: usize,
    /// Types in the sketch's uniform sample.
    pub sampled_types: usize,
    /// Counters of the sketch's frequent-type summary.
    pub heavy_types: usize,
}

impl Default for VocabularyLimits {
    fn default() -> Self {
        VocabularyLimits {
            exact_types: EXACT_TYPES,
            sampled_types: SAMPLED_TYPES,
            heavy_types: HEAVY_TYPES,
        }
    }
}

/// Word counts, exact or sketched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    limits: VocabularyLimits,
    counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    Exact(#[serde(with = "sorted_counts")] HashMap<String, u64>),
    Sketched(VocabularySketch),
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary::new(VocabularyLimits::default())
    }
}

impl Vocabulary {
    pub fn new(limits: VocabularyLimits) -> Vocabulary {
        Vocabulary {
            limits,
            counts: Counts::Exact(HashMap::new()),
        }
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    pub fn is_exact(&self) -> bool {
        matches!(self.counts, Counts::Exact(_))
    }

    /// Counts one token.
    pub fn insert(&mut self, word: &str) {
        match &mut self.counts {
            Counts::Exact(counts) => {
                match counts.get_mut(word) {
                    Some(c) => *c += 1,
                    None => {
                        counts.insert(word.to_string(), 1);
                    }
                }
                self.sketch_past_cap();
            }
            Counts::Sketched(sketch) => sketch.insert(word),
        }
    }

    /// Adds the counts of another part of the corpus (the same limits).
    pub fn merge(&mut self, other: Vocabulary) {
        let other = match (&mut self.counts, other.counts) {
            (Counts::Exact(mine), Counts::Exact(theirs)) => {
                for (w, c) in theirs {
                    *mine.entry(w).or_insert(0) += c;
                }
                self.sketch_past_cap();
                return;
            }
            (_, Counts::Sketched(theirs)) => theirs,
            (_, Counts::Exact(theirs)) => self.sketch_of(&theirs),
        };
        self.sketch();
        if let Counts::Sketched(mine) = &mut self.counts {
            mine.merge(other);
        }
    }

    fn sketch_of(&self, counts: &HashMap<String, u64>) -> VocabularySketch {
        VocabularySketch::of_counts(
            self.limits.sampled_types,
            self.limits.heavy_types,
            counts.iter().map(|(w, &c)| (w.as_str(), c)),
        )
    }

    /// Turns exact counts into a sketch.
    fn sketch(&mut self) {
        if let Counts::Exact(counts) = &self.counts {
            self.counts = Counts::Sketched(self.sketch_of(counts));
        }
    }

    fn sketch_past_cap(&mut self) {
        if matches!(&self.counts, Counts::Exact(c) if c.len() > self.limits.exact_types) {
            self.sketch();
        }
    }

    /// Tokens counted.
    pub fn total(&self) -> u64 {
        match &self.counts {
            Counts::Exact(counts) => counts.values().sum(),
            Counts::Sketched(sketch) => sketch.total(),
        }
    }

    /// The number of word types (estimated when sketched).
    pub fn distinct_types(&self) -> f64 {
        match &self.counts {
            Counts::Exact(counts) => counts.len() as f64,
            Counts::Sketched(sketch) => sketch.distinct_types(),
        }
    }

    /// Shannon entropy (bits) of the word distribution.
    pub fn entropy_bits(&self) -> f64 {
        match &self.counts {
            Counts::Exact(counts) => entropy_bits_of_counts(counts.values().copied().collect()),
            Counts::Sketched(sketch) => sketch.entropy_bits(),
        }
    }

    /// Share of types counted once.
    pub fn hapax_share(&self) -> f64 {
        match &self.counts {
            Counts::Exact(counts) => hapax_share_of_counts(counts.values().copied()),
            Counts::Sketched(sketch) => sketch.hapax_share(),
        }
    }

    /// Least-squares slope of log count on log rank.
    pub fn zipf_slope(&self) -> f64 {
        match &self.counts {
            Counts::Exact(counts) => zipf_slope_of_counts(counts.values().copied().collect()),
            Counts::Sketched(sketch) => sketch.zipf_slope(),
        }
    }

    /// Checks counts read back from bytes: this run's limits, exact counts within the cap and
    /// summing to the tally's `tokens`, a sketch within its own bounds.
    pub fn check(&self, like: &Vocabulary, tokens: u64) -> Result<(), String> {
        same("limits", &self.limits, &like.limits)?;
        match &self.counts {
            Counts::Exact(counts) => {
                crate::consistency::at_most(
                    "exact types",
                    counts.len() as u64,
                    self.limits.exact_types as u64,
                    "the exact cap",
                )?;
                let counted = counts
                    .values()
                    .try_fold(0u64, |sum, &c| sum.checked_add(c))
                    .unwrap_or(u64::MAX);
                same("unigram counts' sum", &counted, &tokens)
            }
            Counts::Sketched(sketch) => {
                let empty =
                    VocabularySketch::new(like.limits.sampled_types, like.limits.heavy_types);
                within("sketched", sketch.check(&empty, tokens))
            }
        }
    }
}

/// Token counts stored sorted by token (a state file is the same bytes for the same counts).
mod sorted_counts {
    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &HashMap<String, u64>, s: S) -> Result<S::Ok, S::Error> {
        m.iter().collect::<BTreeMap<_, _>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HashMap<String, u64>, D::Error> {
        Ok(BTreeMap::<String, u64>::deserialize(d)?
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use rand_distr::{Distribution, Zipf};

    use super::*;
    use crate::collapse::vocabulary_tail::VocabularyTail;
    use crate::stats::rng::seeded;

    /// `tokens` words drawn from a Zipf law of exponent `s` over a million types.
    fn zipf_words(tokens: usize, s: f64, seed: u64) -> Vec<String> {
        let zipf = Zipf::new(1_000_000.0, s).unwrap();
        let mut rng = seeded(seed, 17);
        (0..tokens)
            .map(|_| format!("w{}", zipf.sample(&mut rng) as u64))
            .collect()
    }

    fn counted(words: &[String], limits: VocabularyLimits) -> Vocabulary {
        let mut v = Vocabulary::new(limits);
        words.iter().for_each(|w| v.insert(w));
        v
    }

    fn exact_limits() -> VocabularyLimits {
        VocabularyLimits {
            exact_types: usize::MAX,
            ..VocabularyLimits::default()
        }
    }

    /// The tolerances the sketch documents, on 2 M-token corpora past the exact cap: a reference
    /// (Zipf 1.1, ~220,000 types), a generation like it (another draw) and a collapsed one (Zipf
    /// 1.3, ~70,000 types).
    #[test]
    fn sketched_metrics_are_within_tolerance_of_exact_ones() {
        let reference = zipf_words(2_000_000, 1.1, 1);
        let like = zipf_words(2_000_000, 1.1, 2);
        let collapsed = zipf_words(2_000_000, 1.3, 3);
        let exact: Vec<Vocabulary> = [&reference, &like, &collapsed]
            .iter()
            .map(|w| counted(w, exact_limits()))
            .collect();
        let sketched: Vec<Vocabulary> = [&reference, &like, &collapsed]
            .iter()
            .map(|w| counted(w, VocabularyLimits::default()))
            .collect();
        assert!(sketched.iter().all(|v| !v.is_exact()));
        assert!(
            exact[..2]
                .iter()
                .all(|v| v.distinct_types() > 3.0 * EXACT_TYPES as f64),
            "{:?}",
            exact
                .iter()
                .map(Vocabulary::distinct_types)
                .collect::<Vec<_>>()
        );
        let exact_tail = VocabularyTail::of(&exact[0], 0.9);
        let sketched_tail = VocabularyTail::of(&sketched[0], 0.9);
        assert!(
            (sketched_tail.reference_mass - exact_tail.reference_mass).abs() < 0.01,
            "reference tail share {} vs {}",
            sketched_tail.reference_mass,
            exact_tail.reference_mass
        );
        for (e, s) in exact.iter().zip(&sketched) {
            println!(
                "types {} vs {}, entropy {} vs {}, hapax {} vs {}, zipf {} vs {}, tail {} vs {}",
                s.distinct_types(),
                e.distinct_types(),
                s.entropy_bits(),
                e.entropy_bits(),
                s.hapax_share(),
                e.hapax_share(),
                s.zipf_slope(),
                e.zipf_slope(),
                sketched_tail.mass(s),
                exact_tail.mass(e)
            );
            let relative = |a: f64, b: f64| (a / b - 1.0).abs();
            let types = relative(s.distinct_types(), e.distinct_types());
            assert!(types < 0.03, "distinct types off by {types}");
            let entropy = relative(s.entropy_bits(), e.entropy_bits());
            assert!(entropy < 0.01, "entropy off by {entropy}");
            let hapax = (s.hapax_share() - e.hapax_share()).abs();
            assert!(hapax < 0.02, "hapax share off by {hapax}");
            let zipf = (s.zipf_slope() - e.zipf_slope()).abs();
            assert!(zipf < 0.05, "Zipf slope off by {zipf}");
            let tail = (sketched_tail.mass(s) - exact_tail.mass(e)).abs();
            assert!(tail < 0.05, "tail mass off by {tail}");
        }
        // The reference's own tail mass is 1 by construction; the collapsed generation's falls.
        assert!((sketched_tail.mass(&sketched[0]) - 1.0).abs() < 1e-12);
        assert!(sketched_tail.mass(&sketched[2]) < 0.7);
    }

    /// Shards merged: the sample part is the whole's exactly, in any order; two-way merges are
    /// the same bytes either way; the metrics of any order agree closely.
    #[test]
    fn shards_merge_into_the_whole() {
        let limits = VocabularyLimits {
            exact_types: 2_000,
            sampled_types: 1_024,
            heavy_types: 256,
        };
        let words = zipf_words(300_000, 1.1, 4);
        let whole = counted(&words, limits);
        // One shard stays under the exact cap: merging exact into sketched counts works too.
        let mut bounds = vec![0, 1_000];
        bounds.extend((1..=5).map(|i| i * words.len() / 5));
        let shards: Vec<Vocabulary> = bounds
            .windows(2)
            .map(|b| counted(&words[b[0]..b[1]], limits))
            .collect();
        assert!(shards[0].is_exact() && !shards[1].is_exact());
        let merged = |order: &mut dyn Iterator<Item = &Vocabulary>| {
            let mut v = Vocabulary::new(limits);
            order.for_each(|s| v.merge(s.clone()));
            v
        };
        let forward = merged(&mut shards.iter());
        let backward = merged(&mut shards.iter().rev());
        let sample = |v: &Vocabulary| match v.counts() {
            Counts::Sketched(s) => serde_json::to_string(s.types()).unwrap(),
            Counts::Exact(_) => String::new(),
        };
        assert_eq!(sample(&forward), sample(&whole));
        assert_eq!(sample(&backward), sample(&whole));
        assert_eq!(forward.total(), whole.total());
        assert_eq!(forward.distinct_types(), whole.distinct_types());
        assert_eq!(forward.hapax_share(), whole.hapax_share());
        for m in [Vocabulary::entropy_bits, Vocabulary::zipf_slope] {
            assert!((m(&forward) - m(&whole)).abs() < 1e-3 * m(&whole).abs());
            assert!((m(&backward) - m(&whole)).abs() < 1e-3 * m(&whole).abs());
        }
        let (mut ab, mut ba) = (shards[1].clone(), shards[2].clone());
        ab.merge(shards[2].clone());
        ba.merge(shards[1].clone());
        assert_eq!(
            serde_json::to_vec(&ab).unwrap(),
            serde_json::to_vec(&ba).unwrap()
        );
        // Saved and read back: the same bytes and the same metrics.
        let bytes = serde_json::to_vec(&forward).unwrap();
        let back: Vocabulary = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(serde_json::to_vec(&back).unwrap(), bytes);
        assert_eq!(back.entropy_bits(), forward.entropy_bits());
        assert!(back.check(&Vocabulary::new(limits), whole.total()).is_ok());
        assert!(back.check(&Vocabulary::default(), whole.total()).is_err());
    }

    #[test]
    fn below_the_cap_counts_are_exact_and_read_as_before() {
        let words: Vec<String> = "a b a c a b d".split(' ').map(String::from).collect();
        let v = counted(&words, VocabularyLimits::default());
        assert!(v.is_exact());
        assert_eq!(v.distinct_types(), 4.0);
        assert_eq!(v.hapax_share(), 0.5);
        let json = serde_json::to_string(&v).unwrap();
        assert!(
            json.contains(r#""exact":{"a":3,"b":2,"c":1,"d":1}"#),
            "{json}"
        );
    }
}
