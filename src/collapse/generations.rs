//! Diversity of each generation's documents: the corpus-level metrics (one value per
//! generation, for Mann–Kendall/Theil–Sen) and per-document metrics (one value per document, for
//! the Jonckheere–Terpstra test, which keeps its power with only 3–4 generations).

use rayon::prelude::*;
use serde::Serialize;

use super::diversity::{gzip_ratio, self_bleu};
use super::tally::{GenerationTally, SAMPLE};
use super::vocabulary::Vocabulary;
use super::vocabulary_tail::VocabularyTail;
use crate::corpus::Doc;
use crate::features::tokens::words;

/// Share of the reference's token mass covered by its head; the rest is the "tail" whose
/// survival `tail_mass` follows.
const HEAD_MASS: f64 = 0.9;

/// Lower-cased word tokens of a document.
pub fn tokens(text: &str) -> Vec<String> {
    words(text).map(str::to_lowercase).collect()
}

/// Options of the per-generation measurement.
#[derive(Debug, Clone, Copy)]
pub struct MeasureOptions {
    /// Documents per generation in the self-BLEU sample (self-BLEU is quadratic).
    pub self_bleu_sample: usize,
    pub seed: u64,
}

impl Default for MeasureOptions {
    fn default() -> Self {
        MeasureOptions {
            self_bleu_sample: 200,
            seed: crate::stats::rng::DEFAULT_SEED,
        }
    }
}

/// Every generation measured: the corpus-level series, the per-document values, the sizes, and
/// the samples the model-based metrics use.
pub struct Measured {
    /// Named series, in generation order.
    pub series: Vec<(String, Vec<f64>)>,
    /// Per-document metrics: per metric, per generation, one value per document.
    pub documents: Vec<(String, Vec<Vec<f64>>)>,
    pub sizes: Vec<(u64, u64)>,
    /// Each generation's sampled documents in hash order (the model-based metrics' input).
    pub samples: Vec<Vec<Doc>>,
    pub reference_sample: Option<Vec<Doc>>,
}

/// The metric names of [`Measured::series`], in order.
pub const CORPUS_METRICS: [&str; 10] = [
    "distinct_1",
    "distinct_2",
    "distinct_3",
    "type_token_ratio",
    "unigram_entropy",
    "hapax_share",
    "zipf_slope",
    "tail_mass",
    "gzip_ratio",
    "self_bleu",
];

/// Measures every generation from its tally: counts-based metrics over all its documents,
/// compression over its sample, self-BLEU over the sample's first `self_bleu_sample`.
pub fn measure(
    generations: Vec<GenerationTally>,
    reference: Option<GenerationTally>,
    options: &MeasureOptions,
) -> Measured {
    let tail = match (&reference, generations.first()) {
        (Some(r), _) | (None, Some(r)) => VocabularyTail::of(r.vocabulary(), HEAD_MASS),
        (None, None) => VocabularyTail::of(&Vocabulary::default(), HEAD_MASS),
    };
    let sizes = generations
        .iter()
        .map(|g| (g.documents, g.tokens))
        .collect();
    // Per generation: its corpus metrics, per-document metrics and sample.
    type OneGeneration = (Vec<f64>, Vec<[f64; 3]>, Vec<Doc>);
    let measured: Vec<OneGeneration> = generations
        .into_par_iter()
        .map(|mut g| {
            let vocabulary = g.vocabulary();
            let counts_metrics = [
                g.distinct(1),
                g.distinct(2),
                g.distinct(3),
                g.distinct(1),
                vocabulary.entropy_bits(),
                vocabulary.hapax_share(),
                vocabulary.zipf_slope(),
                tail.mass(vocabulary),
            ];
            let per_document = g.per_document();
            let sample = g.into_sample();
            let words: Vec<Vec<String>> = sample.iter().map(|d| tokens(&d.text)).collect();
            let view: Vec<Vec<&str>> = words
                .iter()
                .map(|d| d.iter().map(String::as_str).collect())
                .collect();
            let bleu_sample = &view[..view.len().min(options.self_bleu_sample)];
            let mut values = counts_metrics.to_vec();
            values.push(gzip_ratio(&view[..view.len().min(SAMPLE)]).2);
            values.push(self_bleu(bleu_sample).1);
            (values, per_document, sample)
        })
        .collect();
    let series = CORPUS_METRICS
        .iter()
        .enumerate()
        .map(|(m, name)| (name.to_string(), measured.iter().map(|g| g.0[m]).collect()))
        .collect();
    let documents = [
        "doc_distinct_2",
        "doc_type_token_ratio_100",
        "doc_gzip_ratio",
    ]
    .iter()
    .enumerate()
    .map(|(m, name)| {
        (
            name.to_string(),
            measured
                .iter()
                .map(|g| g.1.iter().map(|v| v[m]).collect())
                .collect(),
        )
    })
    .collect();
    Measured {
        series,
        documents,
        sizes,
        samples: measured.into_iter().map(|g| g.2).collect(),
        reference_sample: reference.map(GenerationTally::into_sample),
    }
}

/// Summary of one generation for the report.
#[derive(Debug, Clone, Serialize)]
pub struct GenerationSize {
    pub generation: u32,
    pub documents: usize,
    pub tokens: usize,
}

/// The demo corpus's human texts, tokenised (test fixture shared with the simulator's tests).
#[cfg(test)]
pub(crate) fn demo_human_tokens() -> Vec<Vec<String>> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"label\": \"human\""))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            tokens(v["text"].as_str().unwrap())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::seq::SliceRandom;

    use super::*;
    use crate::collapse::tally::Generations;
    use crate::collapse::trend::{analyse, analyse_documents, holm_gate};
    use crate::corpus::{Lineage, Source};
    use crate::stats::rng::seeded;

    /// No false alarm: the demo's human documents dealt at random into 5 "generations" raise
    /// the collapse alarm in at most α of 20 seeded shuffles (with one shuffle of slack; 1 of 20
    /// alarmed when written).
    #[test]
    fn shuffled_real_generations_rarely_alarm() {
        let docs = demo_human_tokens();
        let alpha = 0.05;
        let shuffles = 20;
        let alarms = (0..shuffles)
            .filter(|&seed| {
                let mut order: Vec<usize> = (0..docs.len()).collect();
                order.shuffle(&mut seeded(seed, 99));
                let mut generations = Generations::new(SAMPLE, seed);
                let dealt: Vec<Doc> = order
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| Doc {
                        id: i.to_string(),
                        text: docs[i].join(" "),
                        lineage: Lineage {
                            generation: Some((k % 5) as u32),
                            ..Lineage::new(Source::Real)
                        },
                    })
                    .collect();
                generations.observe_field(&dealt).unwrap();
                let options = MeasureOptions {
                    self_bleu_sample: 50,
                    seed,
                };
                let measured = measure(generations.tallies.into_values().collect(), None, &options);
                let mut series = analyse(&measured.series, &Default::default());
                let mut per_doc = analyse_documents(&measured.documents);
                holm_gate(&mut series, &mut per_doc, alpha);
                series.iter().any(|t| t.collapsing) || per_doc.iter().any(|t| t.collapsing)
            })
            .count();
        assert!(alarms <= 2, "{alarms} of {shuffles} shuffles alarmed");
    }
}
