//! Gate 7: no leakage. Synthetic training documents that are near-duplicates of real eval
//! documents (MinHash over word 5-shingles, LSH banding, Jaccard at or over
//! `leakage_jaccard`) — a generator that saw the eval set paraphrases it back — and exact
//! duplicates (same whitespace-folded, lower-cased text) across the train and eval sets.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use super::{Gate, GateResult, GateStatus, Manifest};
use crate::error::Result;
use crate::features::minhash::{estimated_jaccard, optimal_bands, LshIndex, MinHasher};

pub const NUM_PERM: usize = 128;
pub const SHINGLE: usize = 5;

/// The real eval documents' MinHash signatures (word shingles) in an LSH index: finds the eval
/// documents a text is near, with work growing with the documents, not the pairs.
pub struct EvalIndex {
    hasher: MinHasher,
    threshold: f64,
    index: LshIndex,
    /// By eval position; None where the document is not indexed (not real, or too short).
    signatures: Vec<Option<Vec<u32>>>,
}

impl EvalIndex {
    /// `eval`: the texts to index by position (None: leave that position out).
    pub fn new(eval: &[Option<&str>], threshold: f64, seed: u64) -> EvalIndex {
        let hasher = MinHasher::new(NUM_PERM, SHINGLE, seed);
        let signatures: Vec<Option<Vec<u32>>> = eval
            .par_iter()
            .map(|t| t.and_then(|t| hasher.signature(t)))
            .collect();
        let (bands, rows) = optimal_bands(threshold, NUM_PERM);
        let mut index = LshIndex::new(bands, rows);
        for (i, sig) in signatures.iter().enumerate() {
            if let Some(sig) = sig {
                index.insert(i as u32, sig);
            }
        }
        EvalIndex {
            hasher,
            threshold,
            index,
            signatures,
        }
    }

    /// The eval positions whose estimated Jaccard with `text` reaches the threshold.
    pub fn near(&self, text: &str) -> Vec<(usize, f64)> {
        let Some(sig) = self.hasher.signature(text) else {
            return Vec::new();
        };
        self.index
            .candidates(&sig)
            .into_iter()
            .filter_map(|e| {
                let other = self.signatures[e as usize].as_ref()?;
                let jaccard = estimated_jaccard(&sig, other);
                (jaccard >= self.threshold).then_some((e as usize, jaccard))
            })
            .collect()
    }
}

/// Text identity up to case and whitespace.
pub fn normalised_hash(text: &str) -> u128 {
    let folded: String = text
        .split_whitespace()
        .flat_map(|w| w.chars().flat_map(char::to_lowercase).chain([' ']))
        .collect();
    xxh3_128(folded.as_bytes())
}

pub struct NoLeakage;

impl Gate for NoLeakage {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "no-leakage";
        let threshold = m.config.leakage_jaccard;
        let (exact, near) = (&m.train.exact, &m.train.near);
        let eval_id = |e: usize| m.eval.get(e).map_or("?", |d| d.id.as_str());
        let mut evidence: Vec<String> = exact
            .iter()
            .map(|d| {
                format!(
                    "exact duplicate: train '{}' = eval '{}'",
                    d.train,
                    eval_id(d.eval)
                )
            })
            .collect();
        evidence.extend(near.iter().map(|p| {
            format!(
                "near-duplicate (Jaccard ~{:.2}): synthetic train '{}' ~ eval '{}'",
                p.jaccard,
                p.train,
                eval_id(p.eval)
            )
        }));
        let status = GateStatus::from_evidence(&evidence);
        Ok(GateResult::new(
            NAME,
            status,
            format!(
                "{} exact duplicate(s) across train and eval; {} synthetic-train/real-eval pair(s) at Jaccard >= {threshold} (MinHash {NUM_PERM}, word {SHINGLE}-shingles, LSH)",
                exact.len(),
                near.len()
            ),
        )
        .measured((exact.len() + near.len()) as f64, 0.0)
        .evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_paraphrase_and_not_the_stranger() {
        let eval_text: String = (0..80).map(|i| format!("e{} ", i % 37)).collect();
        let mut words: Vec<String> = eval_text.split_whitespace().map(String::from).collect();
        words[40] = "edited".into();
        let near_copy = words.join(" ");
        let stranger: String = (0..80).map(|i| format!("s{i} ")).collect();
        let index = EvalIndex::new(&[None, Some(&eval_text)], 0.8, 1);
        assert!(index.near(&stranger).is_empty());
        let found = index.near(&near_copy);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 1);
        assert!(found[0].1 > 0.8);
        assert_eq!(normalised_hash("A  b\nc"), normalised_hash("a b c"));
    }

    /// The gate's MinHash follows the run's seed (it used the default seed whatever the
    /// config said): the estimated Jaccard of the same pair moves with it.
    #[test]
    fn the_index_uses_the_runs_seed() {
        let eval_text: String = (0..120).map(|i| format!("w{i} ")).collect();
        let mut words: Vec<String> = eval_text.split_whitespace().map(String::from).collect();
        words[60] = "edited".into();
        let train = words.join(" ");
        let found = |seed| {
            format!(
                "{:?}",
                EvalIndex::new(&[Some(&eval_text)], 0.8, seed).near(&train)
            )
        };
        let seen: std::collections::BTreeSet<String> = (1..=6).map(found).collect();
        assert!(seen.len() > 1, "the estimate did not move with the seed");
        assert_eq!(found(1), found(1));
    }
}
