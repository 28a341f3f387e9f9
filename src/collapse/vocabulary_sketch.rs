//! A generation's word counts past the exact cap, in bounded memory (~0.45–0.55 MB of JSON
//! whatever the corpus size): a uniform sample of the word types with their exact counts (the
//! 16,384 smallest seeded hashes, [`CountedSample`]) and the most frequent types (a Misra–Gries
//! summary of 16,384 counters, [`HeavyHitters`]). Each metric reads the part that sees it best:
//!
//! - distinct types: the sample's KMV estimate D̂ (relative standard error 0.8%, as distinct-2/3);
//! - hapax share: the sample's share of types counted once (standard error ≤ 0.004);
//! - entropy, log N − (1/N) Σ c log c: the frequent types from the summary, the rest (N minus
//!   their tokens) spread as the sampled rest is (a ratio estimate of its mean log count);
//! - Zipf slope: the count distribution rebuilt from both parts (the frequent types one by one,
//!   the sampled rest scaled to D̂ minus them), ranks summed over each run of equal counts;
//! - the tail: the reference's head/tail split read off the same rebuilt distribution
//!   ([`super::vocabulary_tail`]).
//!
//! The frequent types are those held with at least [`HEAVY_MARGIN`] × the summary's error
//! bound: they are counted within 1/[`HEAVY_MARGIN`], exactly when held throughout (the top of
//! the distribution). The sample part merges exactly (shards merged = the whole); the summary is
//! commutative and within its error bound of the whole, so a merged report can differ from a
//! one-pass report in the last digits of these estimates, never beyond the tolerances.
//!
//! Tolerances (tested on 2 M-token Zipf corpora of 70,000–220,000 types, where the errors were
//! 0.5%, 0.16%, 0.007, 0.012 and 0.024; on the dev corpora, each sketched, at most 0.74%,
//! 0.05%, 0.0065, 0.005 and 0.026, docs/scale.md): distinct_1 within 3%, entropy within 1%,
//! hapax share within 0.02, Zipf slope within 0.05, tail mass within 0.05 (the reference's tail
//! share within 0.01). Tail mass is the loosest: a generation's tokens in the reference's rare
//! types are read off the coordinated part of the two samples, a few thousand types.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::stats::counted_sample::CountedSample;
use crate::stats::heavy_hitters::HeavyHitters;

/// Word types in the uniform sample: as many as the n-gram sketches keep, so distinct-1 is
/// estimated as closely as distinct-2/3.
pub const SAMPLED_TYPES: usize = 16_384;

/// Counters of the frequent-type summary: in natural text the 4,096 most frequent words cover
/// ~80–90% of the tokens, which is where entropy and the top of the Zipf curve live.
pub const HEAVY_TYPES: usize = 16_384;

/// A held type counts as frequent when its held count is at least this many times the
/// summary's error bound (so its count is within a quarter of the truth).
pub const HEAVY_MARGIN: u64 = 4;

/// Seed of the word-type hash: one for every generation, so the reference's sample and a
/// generation's are coordinated (below both thresholds, the same types).
pub const TYPE_HASH_SEED: u64 = 0x766f_6361_625f_7331;

/// The sketch of one generation's word counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VocabularySketch {
    /// Tokens counted (exact).
    total: u64,
    types: CountedSample,
    heavy: HeavyHitters,
}

/// A type counted one by one: the frequent types.
pub struct Frequent<'a> {
    pub word: &'a str,
    pub count: u64,
}

impl VocabularySketch {
    pub fn new(sampled_types: usize, heavy_types: usize) -> VocabularySketch {
        VocabularySketch {
            total: 0,
            types: CountedSample::new(sampled_types, TYPE_HASH_SEED),
            heavy: HeavyHitters::new(heavy_types),
        }
    }

    /// The sketch of exact counts.
    pub fn of_counts<'a>(
        sampled_types: usize,
        heavy_types: usize,
        counts: impl Iterator<Item = (&'a str, u64)> + Clone,
    ) -> VocabularySketch {
        let mut sketch = VocabularySketch::new(sampled_types, heavy_types);
        for (word, count) in counts.clone() {
            sketch.total += count;
            sketch.types.add(word, count);
        }
        sketch.heavy = HeavyHitters::of_counts(heavy_types, counts);
        sketch
    }

    pub fn insert(&mut self, word: &str) {
        self.total += 1;
        self.types.add(word, 1);
        self.heavy.insert(word);
    }

    pub fn merge(&mut self, other: VocabularySketch) {
        self.total += other.total;
        self.types.merge(other.types);
        self.heavy.merge(other.heavy);
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The type sample (coordinated with every other generation's).
    pub fn types(&self) -> &CountedSample {
        &self.types
    }

    /// Checks a sketch read back from bytes against `like` (this run's limits) and its tokens.
    pub fn check(&self, like: &VocabularySketch, tokens: u64) -> Result<(), String> {
        crate::consistency::same("total", &self.total, &tokens)?;
        crate::consistency::within("types", self.types.check(&like.types, tokens))?;
        crate::consistency::within("heavy", self.heavy.check(&like.heavy, tokens))
    }

    /// The frequent types and their counts: exact when the sample holds them, else the held
    /// count plus the error bound (exact for a type held throughout). In count order, largest
    /// first, then by word.
    pub fn frequent(&self) -> Vec<Frequent<'_>> {
        let bound = self.heavy.decrement();
        let mut frequent: Vec<Frequent> = self
            .heavy
            .held()
            .filter(|&(_, held)| held >= HEAVY_MARGIN * bound)
            .map(|(word, held)| Frequent {
                word,
                count: self.types.count_of(word).unwrap_or(held + bound),
            })
            .collect();
        frequent.sort_by(|a, b| b.count.cmp(&a.count).then(a.word.cmp(b.word)));
        frequent
    }

    /// The sampled types that are not frequent, with their counts.
    fn sampled_rest<'a>(&'a self, frequent: &[Frequent<'a>]) -> Vec<u64> {
        let named: HashSet<&str> = frequent.iter().map(|f| f.word).collect();
        self.types
            .held()
            .filter(|(w, _)| !named.contains(w))
            .map(|(_, c)| c)
            .collect()
    }

    /// The number of distinct types (KMV estimate past the sample's size).
    pub fn distinct_types(&self) -> f64 {
        self.types.distinct()
    }

    /// Share of types counted once.
    pub fn hapax_share(&self) -> f64 {
        let once = self.types.held().filter(|&(_, c)| c == 1).count();
        once as f64 / self.types.len().max(1) as f64
    }

    /// Shannon entropy (bits) of the word distribution.
    pub fn entropy_bits(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let n = self.total as f64;
        let frequent = self.frequent();
        let frequent_tokens: f64 = frequent.iter().map(|f| f.count as f64).sum();
        let frequent_c_log_c: f64 = frequent.iter().map(|f| c_log2_c(f.count as f64)).sum();
        let rest = self.sampled_rest(&frequent);
        let rest_tokens: f64 = rest.iter().map(|&c| c as f64).sum();
        // Mean log count of the rest's tokens, from the sampled rest (ratio estimate).
        let rest_mean_log = match rest_tokens > 0.0 {
            true => rest.iter().map(|&c| c_log2_c(c as f64)).sum::<f64>() / rest_tokens,
            false => 0.0,
        };
        let unnamed_tokens = (n - frequent_tokens).max(0.0);
        (n.log2() - (frequent_c_log_c + unnamed_tokens * rest_mean_log) / n).max(0.0)
    }

    /// Least-squares slope of log count on log rank over every type, as
    /// [`super::diversity::zipf_slope_of_counts`], on the rebuilt count distribution.
    pub fn zipf_slope(&self) -> f64 {
        zipf_slope_of_runs(&self.count_runs(RunWeight::Types))
    }

    /// The rebuilt count distribution: per count (largest first), the types with it, or the
    /// tokens they hold.
    pub fn count_runs(&self, weight: RunWeight) -> Vec<(u64, f64)> {
        let frequent = self.frequent();
        let rest = self.sampled_rest(&frequent);
        let frequent_tokens: f64 = frequent.iter().map(|f| f.count as f64).sum();
        let rest_tokens: f64 = rest.iter().map(|&c| c as f64).sum();
        // Each sampled rest type stands for this many types (or this share of the rest's
        // tokens).
        let scale = match weight {
            RunWeight::Types => {
                let rest_types =
                    (self.distinct_types() - frequent.len() as f64).max(rest.len() as f64);
                rest_types / rest.len().max(1) as f64
            }
            RunWeight::Tokens => {
                (self.total as f64 - frequent_tokens).max(0.0) / rest_tokens.max(1.0)
            }
        };
        let mut runs: BTreeMap<std::cmp::Reverse<u64>, f64> = BTreeMap::new();
        for f in &frequent {
            *runs.entry(std::cmp::Reverse(f.count)).or_default() += match weight {
                RunWeight::Types => 1.0,
                RunWeight::Tokens => f.count as f64,
            };
        }
        for &c in &rest {
            *runs.entry(std::cmp::Reverse(c)).or_default() += match weight {
                RunWeight::Types => scale,
                RunWeight::Tokens => scale * c as f64,
            };
        }
        runs.into_iter().map(|(c, w)| (c.0, w)).collect()
    }
}

/// What a run of equal counts is weighed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunWeight {
    /// How many types have the count.
    Types,
    /// How many tokens those types hold.
    Tokens,
}

fn c_log2_c(c: f64) -> f64 {
    if c > 0.0 {
        c * c.log2()
    } else {
        0.0
    }
}

/// ∫ ln x dx and ∫ (ln x)² dx.
fn integral_ln(x: f64) -> f64 {
    x * x.ln() - x
}
fn integral_ln_squared(x: f64) -> f64 {
    let l = x.ln();
    x * (l * l - 2.0 * l + 2.0)
}

/// Zipf slope of a count distribution given as runs (count, how many types have it; largest
/// count first). A run of n types after rank r₀ covers ranks r₀+1 … r₀+n: its sums of ln r and
/// (ln r)² are taken exactly for a single type and by the midpoint rule (∫ from r₀+½ to
/// r₀+n+½, relative error < 10⁻³ past the first ranks) for longer runs, so a run of a million
/// hapaxes costs one step and a fractional number of types (an estimate) is fine.
pub fn zipf_slope_of_runs(runs: &[(u64, f64)]) -> f64 {
    let (mut n, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut rank = 0.0f64;
    for &(count, types) in runs {
        if types <= 0.0 || count == 0 {
            continue;
        }
        let y = (count as f64).ln();
        let (x_sum, xx_sum) = if types == 1.0 {
            let x = (rank + 1.0).ln();
            (x, x * x)
        } else {
            let (a, b) = (rank + 0.5, rank + types + 0.5);
            (
                integral_ln(b) - integral_ln(a),
                integral_ln_squared(b) - integral_ln_squared(a),
            )
        };
        n += types;
        sx += x_sum;
        sxx += xx_sum;
        sy += types * y;
        sxy += y * x_sum;
        rank += types;
    }
    if n < 2.0 {
        return f64::NAN;
    }
    (sxy - sx * sy / n) / (sxx - sx * sx / n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collapse::diversity::zipf_slope_of_counts;

    #[test]
    fn runs_give_the_exact_slope_of_their_counts() {
        // 3 types of 50, 1 of 20, 40 of 3, 500 of 1.
        let mut counts = vec![50, 50, 50, 20];
        counts.extend(std::iter::repeat_n(3, 40));
        counts.extend(std::iter::repeat_n(1, 500));
        let exact = zipf_slope_of_counts(counts);
        let runs = [(50, 3.0), (20, 1.0), (3, 40.0), (1, 500.0)];
        let approximate = zipf_slope_of_runs(&runs);
        assert!(
            (approximate - exact).abs() < 0.01,
            "{approximate} vs {exact}"
        );
        assert!(zipf_slope_of_runs(&[(4, 1.0)]).is_nan());
    }

    #[test]
    fn exact_counts_within_the_limits_give_exact_metrics() {
        let counts = [("a", 40u64), ("b", 10), ("c", 1), ("d", 1), ("e", 2)];
        let sketch = VocabularySketch::of_counts(64, 64, counts.iter().copied());
        assert_eq!(sketch.distinct_types(), 5.0);
        assert_eq!(sketch.hapax_share(), 0.4);
        let exact = crate::collapse::diversity::entropy_bits_of_counts(
            counts.iter().map(|c| c.1).collect(),
        );
        assert!((sketch.entropy_bits() - exact).abs() < 1e-12);
        assert_eq!(sketch.frequent()[0].word, "a");
    }
}
