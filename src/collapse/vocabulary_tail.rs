//! The reference's rare vocabulary and each generation's share of tokens in it (`tail_mass`),
//! from exact counts or sketches. The tail is the types outside the most frequent ones that
//! cover `head_mass` of the reference's tokens.
//!
//! With exact reference counts the tail is a list of types, as in [`Tail`]. From a sketch it is a
//! count threshold: types counted below it are tail, above it head, and at it tail by the share
//! of that count's tokens the head did not take (the exact split orders equal counts by word). A
//! type is then classified from the reference's count of it, known for its frequent types and
//! for every type whose hash the reference's sample covers (coordinated samples: there, a type
//! absent from the sample is absent from the reference).
//!
//! A generation's tail tokens are counted in two parts: types it counts one by one (all of them
//! when its counts are exact, else its frequent types) that the reference classifies one by one
//! (its listed or frequent types); and the rest of its tokens, times the tail share among the
//! rest's types whose hashes both samples cover (a uniform sample of them, weighed by count).
//! The reference's own tail share is measured the same way, so its tail mass is exactly 1.

use std::collections::{HashMap, HashSet};

use super::diversity::Tail;
use super::vocabulary::{Counts, Vocabulary};
use super::vocabulary_sketch::RunWeight;
use crate::stats::counted_sample::CountedSample;

/// The reference's tail and its share of the reference's tokens.
#[derive(Debug, Clone)]
pub struct VocabularyTail {
    classes: Classes,
    /// The reference's tail share, as [`VocabularyTail::share`] measures it.
    pub reference_mass: f64,
}

#[derive(Debug, Clone)]
enum Classes {
    /// From exact counts: the tail types.
    Listed(HashSet<String>),
    /// From a sketch: the count threshold and what the reference's sketch knows of counts.
    ByCount {
        threshold: u64,
        /// Tail weight of a type counted exactly `threshold` times.
        at_threshold: f64,
        frequent: HashMap<String, u64>,
        sample: CountedSample,
    },
}

impl Classes {
    fn by_count(&self, count: u64) -> f64 {
        match self {
            Classes::ByCount {
                threshold,
                at_threshold,
                ..
            } => match count {
                0 => 0.0,
                c if c < *threshold => 1.0,
                c if c == *threshold => *at_threshold,
                _ => 0.0,
            },
            Classes::Listed(_) => 0.0,
        }
    }

    /// Tail weight of a type the reference counts one by one (`None` when it does not).
    fn named(&self, word: &str) -> Option<f64> {
        match self {
            Classes::Listed(tail) => Some(f64::from(u8::from(tail.contains(word)))),
            Classes::ByCount {
                frequent, sample, ..
            } => frequent
                .get(word)
                .map(|&c| self.by_count(sample.count_of(word).unwrap_or(c))),
        }
    }

    /// Tail weight of a type whose hash the reference's sample covers (`None` when it does
    /// not).
    fn sampled(&self, word: &str) -> Option<f64> {
        match self {
            Classes::Listed(tail) => Some(f64::from(u8::from(tail.contains(word)))),
            Classes::ByCount { sample, .. } => sample.count_of(word).map(|c| self.by_count(c)),
        }
    }
}

impl VocabularyTail {
    /// The tail of `reference`'s vocabulary beyond `head_mass` of its tokens.
    pub fn of(reference: &Vocabulary, head_mass: f64) -> VocabularyTail {
        let classes = match reference.counts() {
            Counts::Exact(counts) => {
                let tail = Tail::of_counts(counts.iter().map(|(w, &c)| (w.as_str(), c)), head_mass);
                return VocabularyTail {
                    classes: Classes::Listed(tail.tokens),
                    reference_mass: tail.reference_mass,
                };
            }
            Counts::Sketched(sketch) => {
                let (threshold, at_threshold) =
                    split_at_head(&sketch.count_runs(RunWeight::Tokens), head_mass);
                Classes::ByCount {
                    threshold,
                    at_threshold,
                    frequent: sketch
                        .frequent()
                        .iter()
                        .map(|f| (f.word.to_string(), f.count))
                        .collect(),
                    sample: sketch.types().clone(),
                }
            }
        };
        let mut tail = VocabularyTail {
            classes,
            reference_mass: 0.0,
        };
        tail.reference_mass = tail.share(reference).unwrap_or(0.0);
        tail
    }

    /// Share of a generation's tokens in the tail (`None` without tokens).
    pub fn share(&self, generation: &Vocabulary) -> Option<f64> {
        let total = generation.total();
        if total == 0 {
            return None;
        }
        let mut named_tail = 0.0;
        let mut named_tokens = 0u64;
        let mut named: HashSet<&str> = HashSet::new();
        let mut classify = |word: &'_ str, count: u64| -> bool {
            match self.classes.named(word) {
                Some(weight) => {
                    named_tail += weight * count as f64;
                    named_tokens += count;
                    true
                }
                None => false,
            }
        };
        let (mut rest_tail, mut rest_tokens) = (0.0, 0u64);
        match generation.counts() {
            Counts::Exact(counts) => {
                for (word, &count) in counts {
                    if classify(word, count) {
                        named.insert(word);
                    }
                }
                for (word, &count) in counts.iter().filter(|(w, _)| !named.contains(w.as_str())) {
                    if let Some(weight) = self.classes.sampled(word) {
                        rest_tail += weight * count as f64;
                        rest_tokens += count;
                    }
                }
            }
            Counts::Sketched(sketch) => {
                for f in sketch.frequent() {
                    if classify(f.word, f.count) {
                        named.insert(f.word);
                    }
                }
                for (word, count) in sketch.types().held().filter(|(w, _)| !named.contains(w)) {
                    if let Some(weight) = self.classes.sampled(word) {
                        rest_tail += weight * count as f64;
                        rest_tokens += count;
                    }
                }
            }
        }
        let rest = total.saturating_sub(named_tokens) as f64;
        let rest_share = match rest_tokens {
            0 => 0.0,
            t => rest_tail / t as f64,
        };
        Some(((named_tail + rest * rest_share) / total as f64).clamp(0.0, 1.0))
    }

    /// A generation's tail share over the reference's (1 = as much rare vocabulary as the
    /// reference, 0 = none; NaN without tokens or without a reference tail).
    pub fn mass(&self, generation: &Vocabulary) -> f64 {
        match self.share(generation) {
            Some(share) if self.reference_mass > 0.0 => share / self.reference_mass,
            _ => f64::NAN,
        }
    }
}

/// The count at which the head (the most frequent types, taken while they cover less than
/// `head_mass` of the tokens) ends, and the tail's weight at that count. `runs`: per count,
/// largest first, the tokens of the types with it.
fn split_at_head(runs: &[(u64, f64)], head_mass: f64) -> (u64, f64) {
    let total: f64 = runs.iter().map(|r| r.1).sum();
    let target = head_mass * total;
    let mut covered = 0.0;
    for &(count, tokens) in runs {
        if covered >= target {
            // The head ended exactly before this count.
            return (count, 1.0);
        }
        let needed = target - covered;
        if tokens > needed {
            // Part of this count's types join the head (whole types: round up).
            let types = tokens / count as f64;
            let head_types = (needed / count as f64).ceil().min(types);
            return (count, 1.0 - head_types / types);
        }
        covered += tokens;
    }
    (0, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_follows_the_exact_head() {
        // 100 tokens: 60 in one type, 20 in one, then 20 types of 1.
        let runs = [(60, 60.0), (20, 20.0), (1, 20.0)];
        // 90% = 90 tokens: the two first (80) and 10 of the 20 hapaxes.
        assert_eq!(split_at_head(&runs, 0.9), (1, 0.5));
        // 50%: the first type alone; count 60 is head, anything below tail.
        assert_eq!(split_at_head(&runs, 0.5), (60, 0.0));
    }
}
