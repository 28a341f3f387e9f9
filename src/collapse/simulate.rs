//! A recursive-training simulator: real recursive-generation corpora are rare, so we make our
//! own. A seeded, interpolated word bigram language model is trained on a corpus, samples a new
//! corpus of the same size and document lengths, is retrained on that (plus a share of fresh
//! real documents), and so on: rare words that one generation happens not to sample are gone
//! for good, the mechanism behind model collapse (Shumailov et al., 2024).

use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::corpus::{Doc, Lineage, Source};
use crate::stats::rng::seeded;

/// Weight of the bigram estimate; the rest goes to the unigram distribution (interpolation
/// keeps every seen word reachable from every context).
const BIGRAM_WEIGHT: f64 = 0.85;
/// Nucleus (top-p) sampling, as LLM generators decode: each distribution keeps its most likely
/// words up to this share of its mass. This is what makes the tail shrink: plain resampling
/// would keep the rare words' total share constant in expectation.
const TOP_P: f64 = 0.95;

/// The nucleus of a distribution given as (id, count): ids and cumulative counts of the most
/// frequent entries covering `TOP_P` of the mass (at least one), in a fixed order.
fn nucleus(mut entries: Vec<(u32, u64)>) -> (Vec<u32>, Vec<u64>) {
    entries.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: u64 = entries.iter().map(|e| e.1).sum();
    let mut ids = Vec::new();
    let mut cumulative = Vec::new();
    let mut sum = 0;
    for (id, c) in entries {
        if !ids.is_empty() && sum as f64 >= TOP_P * total as f64 {
            break;
        }
        sum += c;
        ids.push(id);
        cumulative.push(sum);
    }
    (ids, cumulative)
}

/// Interpolated bigram model over word ids, sampled with nucleus truncation.
struct BigramModel {
    vocabulary: Vec<String>,
    /// The unigram nucleus: ids and cumulative counts, for sampling by binary search.
    unigram: (Vec<u32>, Vec<u64>),
    /// Per previous word: its successors' nucleus.
    successors: Vec<(Vec<u32>, Vec<u64>)>,
    /// Document lengths to sample from.
    lengths: Vec<usize>,
}

fn pick(cumulative: &[u64], rng: &mut ChaCha8Rng) -> usize {
    let total = *cumulative.last().unwrap_or(&1);
    let r = rng.random_range(0..total.max(1));
    cumulative.partition_point(|&c| c <= r)
}

impl BigramModel {
    fn train(docs: &[Vec<String>]) -> BigramModel {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut vocabulary = Vec::new();
        let mut encoded: Vec<Vec<u32>> = Vec::with_capacity(docs.len());
        for d in docs {
            encoded.push(
                d.iter()
                    .map(|w| {
                        *ids.entry(w.as_str()).or_insert_with(|| {
                            vocabulary.push(w.clone());
                            (vocabulary.len() - 1) as u32
                        })
                    })
                    .collect(),
            );
        }
        let mut unigram_counts = vec![0u64; vocabulary.len()];
        let mut pairs: HashMap<(u32, u32), u64> = HashMap::new();
        for d in &encoded {
            for &w in d {
                unigram_counts[w as usize] += 1;
            }
            for p in d.windows(2) {
                *pairs.entry((p[0], p[1])).or_insert(0) += 1;
            }
        }
        let mut by_prev: Vec<Vec<(u32, u64)>> = vec![Vec::new(); vocabulary.len()];
        for ((a, b), c) in pairs {
            by_prev[a as usize].push((b, c));
        }
        let successors = by_prev.into_iter().map(nucleus).collect();
        let unigram = nucleus(
            unigram_counts
                .iter()
                .enumerate()
                .map(|(i, &c)| (i as u32, c))
                .collect(),
        );
        BigramModel {
            vocabulary,
            unigram,
            successors,
            lengths: docs.iter().map(Vec::len).filter(|&l| l > 0).collect(),
        }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> Vec<String> {
        if self.vocabulary.is_empty() || self.lengths.is_empty() {
            return Vec::new();
        }
        let length = self.lengths[rng.random_range(0..self.lengths.len())];
        let mut out = Vec::with_capacity(length);
        let from_unigram =
            |rng: &mut ChaCha8Rng| self.unigram.0[pick(&self.unigram.1, rng)] as usize;
        let mut previous = from_unigram(rng);
        out.push(self.vocabulary[previous].clone());
        while out.len() < length {
            let (next, cumulative) = &self.successors[previous];
            previous = if !next.is_empty() && rng.random::<f64>() < BIGRAM_WEIGHT {
                next[pick(cumulative, rng)] as usize
            } else {
                from_unigram(rng)
            };
            out.push(self.vocabulary[previous].clone());
        }
        out
    }
}

/// How the simulation runs.
#[derive(Debug, Clone, Copy)]
pub struct SimulateOptions {
    /// Generations after generation 0 (the real corpus).
    pub generations: u32,
    /// Share of each new generation drawn fresh from the real corpus (0 = purely recursive).
    pub real_fraction: f64,
    pub seed: u64,
}

/// Generation 0 is the real corpus (tokenised, lower-cased); every later generation has as
/// many documents, `real_fraction` of them real (sampled without replacement per generation)
/// and the rest sampled from a model trained on the previous generation.
pub fn simulate(real: &[Vec<String>], options: &SimulateOptions) -> Vec<Doc> {
    let n = real.len();
    let mut out = Vec::new();
    let lineage = |generation: u32, source: Source| {
        let mut l = Lineage::new(source);
        l.generation = Some(generation);
        if generation > 0 && source == Source::Synthetic {
            l.generator = Some(format!("bigram-lm-gen{}", generation - 1));
            l.parent_model = (generation > 1).then(|| format!("bigram-lm-gen{}", generation - 2));
        }
        l
    };
    for (i, d) in real.iter().enumerate() {
        out.push(Doc {
            id: format!("gen0-{i}"),
            text: d.join(" "),
            lineage: lineage(0, Source::Real),
        });
    }
    let mut previous: Vec<Vec<String>> = real.to_vec();
    for g in 1..=options.generations {
        let mut rng = seeded(options.seed, u64::from(g));
        let model = BigramModel::train(&previous);
        let n_real = ((options.real_fraction * n as f64).round() as usize).min(n);
        let mut real_rows: Vec<usize> = (0..n).collect();
        rand::seq::SliceRandom::shuffle(&mut real_rows[..], &mut rng);
        real_rows.truncate(n_real);
        let mut next: Vec<Vec<String>> = Vec::with_capacity(n);
        for &r in &real_rows {
            next.push(real[r].clone());
            out.push(Doc {
                id: format!("gen{g}-{}", next.len() - 1),
                text: real[r].join(" "),
                lineage: lineage(g, Source::Real),
            });
        }
        while next.len() < n {
            let doc = model.sample(&mut rng);
            out.push(Doc {
                id: format!("gen{g}-{}", next.len()),
                text: doc.join(" "),
                lineage: lineage(g, Source::Synthetic),
            });
            next.push(doc);
        }
        previous = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collapse::generations::{demo_human_tokens, measure, tokens, MeasureOptions};
    use crate::collapse::tally::{GenerationTally, Generations, SAMPLE};
    use crate::corpus::{Lineage, Source};
    use crate::stats::trend::{mann_kendall, theil_sen};

    /// distinct-2 and tail-mass series of a simulation, generations 0..=5.
    fn series(real: &[Vec<String>], real_fraction: f64) -> Vec<(String, Vec<f64>)> {
        let docs = simulate(
            real,
            &SimulateOptions {
                generations: 5,
                real_fraction,
                seed: 3,
            },
        );
        let mut by_gen = Generations::new(SAMPLE, 3);
        by_gen.observe_field(&docs).unwrap();
        let mut reference = GenerationTally::new(SAMPLE, 3, 0);
        for (i, words) in real.iter().enumerate() {
            reference.observe(&Doc {
                id: i.to_string(),
                text: words.join(" "),
                lineage: Lineage::new(Source::Real),
            });
        }
        let tallies = by_gen.tallies.into_values().collect();
        measure(tallies, Some(reference), &MeasureOptions::default())
            .series
            .into_iter()
            .filter(|(n, _)| n == "distinct_2" || n == "tail_mass")
            .collect()
    }

    /// Purely recursive training: distinct-2 and tail mass fall significantly within 5
    /// generations (Mann–Kendall p < 0.025), and 50% fresh real data slows both.
    fn assert_collapses_and_real_data_slows_it(real: &[Vec<String>]) {
        let recursive = series(real, 0.0);
        let mixed = series(real, 0.5);
        for ((name, values), (_, mixed_values)) in recursive.iter().zip(&mixed) {
            let mk = mann_kendall(values);
            assert!(
                mk.s < 0.0 && mk.p * 2.0 < 0.05,
                "{name} {values:?} p {}",
                mk.p
            );
            let (fast, slow) = (
                theil_sen(values, 0.95).slope,
                theil_sen(mixed_values, 0.95).slope,
            );
            assert!(
                slow > fast,
                "{name}: 50% real {mixed_values:?} vs 0% {values:?}"
            );
        }
    }

    /// The same on ../shared/data/dev's human M4 texts (arXiv, Wikipedia, Reddit, wikiHow,
    /// PeerRead abstracts) when that folder is present; skipped otherwise.
    #[test]
    fn collapses_on_the_shared_dev_human_texts() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/dev/m4_llama2_english.jsonl");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} not found", path.display());
            return;
        };
        let real: Vec<Vec<String>> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["label"] == "human")
            .map(|v| tokens(v["text"].as_str().unwrap_or_default()))
            .collect();
        assert!(real.len() >= 300, "{} human texts", real.len());
        assert_collapses_and_real_data_slows_it(&real);
    }

    #[test]
    fn purely_recursive_training_loses_diversity_and_real_data_slows_it() {
        let real = demo_human_tokens();
        assert_collapses_and_real_data_slows_it(&real);
        let docs = simulate(
            &real[..20],
            &SimulateOptions {
                generations: 2,
                real_fraction: 0.1,
                seed: 1,
            },
        );
        assert_eq!(docs.len(), 60);
        let g2: Vec<&Doc> = docs
            .iter()
            .filter(|d| d.lineage.generation == Some(2))
            .collect();
        assert_eq!(
            g2.iter()
                .filter(|d| d.lineage.source == Source::Real)
                .count(),
            2
        );
        let synthetic = g2
            .iter()
            .find(|d| d.lineage.source == Source::Synthetic)
            .unwrap();
        assert_eq!(
            synthetic.lineage.parent_model.as_deref(),
            Some("bigram-lm-gen0")
        );
    }
}
