//! Diversity of each generation's documents: the corpus-level metrics (one value per
//! generation, for Mann–Kendall/Theil–Sen) and per-document metrics (one value per document, for
//! the Jonckheere–Terpstra test, which keeps its power with only 3–4 generations).

use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::Serialize;

use super::diversity::{
    distinct_n, gzip_ratio, hapax_share, reference_tail, self_bleu, tail_mass, type_token_ratio,
    unigram_entropy_bits, zipf_slope, Tail,
};
use crate::corpus::Doc;
use crate::features::tokens::words;
use crate::stats::rng::seeded;

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

/// The corpus-level metrics of every generation, as named series in generation order.
pub fn corpus_series(
    generations: &[Vec<Vec<String>>],
    reference: Option<&[Vec<String>]>,
    options: &MeasureOptions,
) -> Vec<(String, Vec<f64>)> {
    let views: Vec<Vec<Vec<&str>>> = generations
        .iter()
        .map(|g| {
            g.iter()
                .map(|d| d.iter().map(String::as_str).collect())
                .collect()
        })
        .collect();
    let tail: Tail = match reference {
        Some(r) => {
            let r: Vec<Vec<&str>> = r
                .iter()
                .map(|d| d.iter().map(String::as_str).collect())
                .collect();
            reference_tail(&r, HEAD_MASS)
        }
        None => reference_tail(views.first().map_or(&[][..], |g| &g[..]), HEAD_MASS),
    };
    let per_generation: Vec<Vec<f64>> = views
        .par_iter()
        .enumerate()
        .map(|(k, docs)| {
            let share = |n| {
                let (u, t) = distinct_n(docs, n);
                u as f64 / t.max(1) as f64
            };
            let mut sample: Vec<Vec<&str>> = docs.clone();
            if sample.len() > options.self_bleu_sample {
                sample.shuffle(&mut seeded(options.seed, k as u64));
                sample.truncate(options.self_bleu_sample);
            }
            vec![
                share(1),
                share(2),
                share(3),
                type_token_ratio(docs),
                unigram_entropy_bits(docs),
                hapax_share(docs),
                zipf_slope(docs),
                tail_mass(docs, &tail),
                gzip_ratio(docs).2,
                self_bleu(&sample).1,
            ]
        })
        .collect();
    let names = [
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
    names
        .iter()
        .enumerate()
        .map(|(m, name)| {
            (
                name.to_string(),
                per_generation.iter().map(|v| v[m]).collect(),
            )
        })
        .collect()
}

/// Per-document metrics, per generation: distinct-2 within the document, its type-token ratio
/// over the first 100 words (length-robust), and its gzip ratio.
pub fn document_series(generations: &[Vec<Vec<String>>]) -> Vec<(String, Vec<Vec<f64>>)> {
    let per_doc = |doc: &Vec<String>| -> [f64; 3] {
        let view: Vec<Vec<&str>> = vec![doc.iter().map(String::as_str).collect()];
        let (u, t) = distinct_n(&view, 2);
        let head: Vec<Vec<&str>> = vec![doc.iter().take(100).map(String::as_str).collect()];
        [
            u as f64 / t.max(1) as f64,
            type_token_ratio(&head),
            gzip_ratio(&view).2,
        ]
    };
    let values: Vec<Vec<[f64; 3]>> = generations
        .iter()
        .map(|g| g.par_iter().map(per_doc).collect())
        .collect();
    [
        "doc_distinct_2",
        "doc_type_token_ratio_100",
        "doc_gzip_ratio",
    ]
    .iter()
    .enumerate()
    .map(|(m, name)| {
        (
            name.to_string(),
            values
                .iter()
                .map(|g| g.iter().map(|v| v[m]).collect())
                .collect(),
        )
    })
    .collect()
}

/// Documents grouped by their `generation` lineage field, in generation order.
pub fn group_by_generation(docs: Vec<Doc>) -> Result<Vec<(u32, Vec<Doc>)>, String> {
    let mut groups: std::collections::BTreeMap<u32, Vec<Doc>> = Default::default();
    for d in docs {
        let g = d.lineage.generation.ok_or_else(|| {
            format!(
                "document '{}' has no generation: set the `generation` field (or give one file per generation with --generations)",
                d.id
            )
        })?;
        groups.entry(g).or_default().push(d);
    }
    Ok(groups.into_iter().collect())
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
    use crate::collapse::trend::{analyse, analyse_documents, holm_gate};

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
                let mut generations: Vec<Vec<Vec<String>>> = vec![Vec::new(); 5];
                for (k, &i) in order.iter().enumerate() {
                    generations[k % 5].push(docs[i].clone());
                }
                let options = MeasureOptions {
                    self_bleu_sample: 50,
                    seed,
                };
                let mut series = analyse(
                    &corpus_series(&generations, None, &options),
                    &Default::default(),
                );
                let mut per_doc = analyse_documents(&document_series(&generations));
                holm_gate(&mut series, &mut per_doc, alpha);
                series.iter().any(|t| t.collapsing) || per_doc.iter().any(|t| t.collapsing)
            })
            .count();
        assert!(alarms <= 2, "{alarms} of {shuffles} shuffles alarmed");
    }
}
