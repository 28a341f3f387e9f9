//! Gate 7: no leakage. Synthetic training documents that are near-duplicates of real eval
//! documents (MinHash over word 5-shingles, LSH banding, Jaccard at or over
//! `leakage_jaccard`) — a generator that saw the eval set paraphrases it back — and exact
//! duplicates (same whitespace-folded, lower-cased text) across the train and eval sets.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_128;

use super::{Gate, GateResult, GateStatus, Manifest};
use crate::corpus::Source;
use crate::error::Result;
use crate::features::minhash::{estimated_jaccard, optimal_bands, LshIndex, MinHasher};

pub const NUM_PERM: usize = 128;
pub const SHINGLE: usize = 5;

/// A train document near an eval document.
#[derive(Debug, Clone, PartialEq)]
pub struct NearPair {
    pub train: usize,
    pub eval: usize,
    /// MinHash estimate of the shingle-set Jaccard.
    pub jaccard: f64,
}

/// Pairs of `train` and `eval` texts whose estimated Jaccard reaches `threshold`, found through
/// an LSH index of the eval signatures (so the work grows with the documents, not the pairs).
pub fn near_duplicates(train: &[&str], eval: &[&str], threshold: f64, seed: u64) -> Vec<NearPair> {
    let hasher = MinHasher::new(NUM_PERM, SHINGLE, seed);
    let eval_sigs: Vec<Option<Vec<u32>>> = eval.par_iter().map(|t| hasher.signature(t)).collect();
    let (bands, rows) = optimal_bands(threshold, NUM_PERM);
    let mut index = LshIndex::new(bands, rows);
    for (i, sig) in eval_sigs.iter().enumerate() {
        if let Some(sig) = sig {
            index.insert(i as u32, sig);
        }
    }
    let mut pairs: Vec<NearPair> = train
        .par_iter()
        .enumerate()
        .flat_map_iter(|(t, text)| {
            let found: Vec<NearPair> = match hasher.signature(text) {
                None => Vec::new(),
                Some(sig) => index
                    .candidates(&sig)
                    .into_iter()
                    .filter_map(|e| {
                        let other = eval_sigs[e as usize].as_ref()?;
                        let jaccard = estimated_jaccard(&sig, other);
                        (jaccard >= threshold).then_some(NearPair {
                            train: t,
                            eval: e as usize,
                            jaccard,
                        })
                    })
                    .collect(),
            };
            found
        })
        .collect();
    pairs.sort_by(|a, b| {
        b.jaccard
            .total_cmp(&a.jaccard)
            .then((a.train, a.eval).cmp(&(b.train, b.eval)))
    });
    pairs
}

/// Text identity up to case and whitespace.
fn normalised_hash(text: &str) -> u128 {
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
        let synthetic: Vec<usize> = (0..m.train.len())
            .filter(|&i| m.train[i].lineage.source == Source::Synthetic)
            .collect();
        let real_eval: Vec<usize> = (0..m.eval.len())
            .filter(|&i| m.eval[i].lineage.source == Source::Real)
            .collect();
        let train_texts: Vec<&str> = synthetic
            .iter()
            .map(|&i| m.train[i].text.as_str())
            .collect();
        let eval_texts: Vec<&str> = real_eval.iter().map(|&i| m.eval[i].text.as_str()).collect();
        let near = near_duplicates(&train_texts, &eval_texts, threshold, m.seed);

        let eval_by_text: FxHashMap<u128, usize> = m
            .eval
            .iter()
            .enumerate()
            .map(|(i, d)| (normalised_hash(&d.text), i))
            .collect();
        let exact: Vec<(usize, usize)> = m
            .train
            .par_iter()
            .enumerate()
            .filter_map(|(t, d)| eval_by_text.get(&normalised_hash(&d.text)).map(|&e| (t, e)))
            .collect();

        let mut evidence: Vec<String> = exact
            .iter()
            .map(|&(t, e)| {
                format!(
                    "exact duplicate: train '{}' = eval '{}'",
                    m.train[t].id, m.eval[e].id
                )
            })
            .collect();
        evidence.extend(near.iter().map(|p| {
            format!(
                "near-duplicate (Jaccard ~{:.2}): synthetic train '{}' ~ eval '{}'",
                p.jaccard, m.train[synthetic[p.train]].id, m.eval[real_eval[p.eval]].id
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
        let pairs = near_duplicates(&[&stranger, &near_copy], &[&eval_text], 0.8, 1);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].train, pairs[0].eval), (1, 0));
        assert!(pairs[0].jaccard > 0.8);
        assert_eq!(normalised_hash("A  b\nc"), normalised_hash("a b c"));
    }

    /// The gate's MinHash follows the run's seed (it used the default seed whatever the
    /// config said): the estimated Jaccard of the same pair moves with it.
    #[test]
    fn the_gate_uses_the_runs_seed() {
        use crate::corpus::{Doc, Lineage};
        let eval_text: String = (0..120).map(|i| format!("w{i} ")).collect();
        let mut words: Vec<String> = eval_text.split_whitespace().map(String::from).collect();
        words[60] = "edited".into();
        let doc = |id: &str, text: String, source| Doc {
            id: id.into(),
            text,
            lineage: Lineage::new(source),
        };
        let train = [doc("t", words.join(" "), Source::Synthetic)];
        let eval = [doc("e", eval_text, Source::Real)];
        let config = super::super::PolicyConfig::default();
        let evidence = |seed| {
            let m = Manifest {
                train: &train,
                eval: &eval,
                config: &config,
                lock: None,
                audit: None,
                detector: None,
                ancestry: None,
                seed,
            };
            NoLeakage.check(&m).unwrap().evidence
        };
        let found: std::collections::BTreeSet<Vec<String>> = (1..=6).map(evidence).collect();
        assert!(found.iter().all(|e| e.len() == 1), "{found:?}");
        assert!(found.len() > 1, "the estimate did not move with the seed");
        assert_eq!(evidence(1), evidence(1));
    }
}
