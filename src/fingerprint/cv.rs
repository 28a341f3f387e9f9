//! Cross-validation of the detector: a random k-fold split (fold = CRC-32 of the document id
//! mod k, the rule `benches/peers/fingerprint_sklearn.py` uses, so both tools test on the same
//! folds) and generator-held-out folds (train on every generator but one, test on the one it
//! never saw, against a held-out share of the human documents).

use std::collections::BTreeSet;
use std::time::Instant;

use serde::Serialize;

use super::design::Design;
use super::learner::{fit, LearnerKind};
use crate::corpus::{Doc, Source};
use crate::features::NgramConfig;
use crate::stats::roc::auroc;

/// The fold of a document under the random split.
pub fn random_fold(id: &str, folds: usize) -> usize {
    (crc32fast::hash(id.as_bytes()) as usize) % folds
}

#[derive(Debug, Clone, Serialize)]
pub struct FoldResult {
    /// "fold 3", or the held-out generator.
    pub name: String,
    pub n_train: usize,
    pub n_test: usize,
    pub auroc: f64,
    pub tpr_at_1pct_fpr: f64,
    /// Fitting IDF and stylometry scaling, and building both design matrices.
    pub featurize_seconds: f64,
    /// Fitting the learner and scoring the test fold.
    pub fit_seconds: f64,
}

/// TPR at the threshold that passes 1% of the human scores (their 99th percentile, linear
/// interpolation as numpy; a synthetic score must be strictly above it).
pub fn tpr_at_fpr(scores: &[f64], synthetic: &[bool], fpr: f64) -> f64 {
    let mut human: Vec<f64> = scores
        .iter()
        .zip(synthetic)
        .filter(|(_, &s)| !s)
        .map(|(v, _)| *v)
        .collect();
    if human.is_empty() {
        return f64::NAN;
    }
    human.sort_by(f64::total_cmp);
    let pos = (1.0 - fpr) * (human.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let threshold = human[lo] + (human[hi] - human[lo]) * (pos - lo as f64);
    let machine: Vec<f64> = scores
        .iter()
        .zip(synthetic)
        .filter(|(_, &s)| s)
        .map(|(v, _)| *v)
        .collect();
    machine.iter().filter(|&&v| v > threshold).count() as f64 / machine.len().max(1) as f64
}

/// How each fold's model is trained.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    pub ngram: NgramConfig,
    pub learner: LearnerKind,
    /// Inverse L2 strength (L-BFGS), as scikit-learn's C.
    pub c: f64,
    pub seed: u64,
}

/// Trains on `train` and scores `test`.
fn run_fold(
    name: String,
    docs: &[Doc],
    train: &[usize],
    test: &[usize],
    settings: &TrainSettings,
) -> FoldResult {
    let start = Instant::now();
    let pick = |rows: &[usize]| rows.iter().map(|&i| docs[i].clone()).collect::<Vec<_>>();
    let (train_docs, test_docs) = (pick(train), pick(test));
    let design = Design::fit(&settings.ngram, &train_docs);
    let label = |d: &Doc| d.lineage.source == Source::Synthetic;
    let y: Vec<bool> = train_docs.iter().map(label).collect();
    let (x_train, x_test) = (design.transform(&train_docs), design.transform(&test_docs));
    let featurize_seconds = start.elapsed().as_secs_f64();
    let model = fit(settings.learner, &x_train, &y, settings.c, settings.seed);
    let scores = model.decision(&x_test);
    let truth: Vec<bool> = test_docs.iter().map(label).collect();
    FoldResult {
        name,
        n_train: train.len(),
        n_test: test.len(),
        auroc: auroc(&scores, &truth).unwrap_or(f64::NAN),
        tpr_at_1pct_fpr: tpr_at_fpr(&scores, &truth, 0.01),
        featurize_seconds,
        fit_seconds: start.elapsed().as_secs_f64() - featurize_seconds,
    }
}

/// Random k-fold cross-validation.
pub fn random_folds(docs: &[Doc], folds: usize, settings: &TrainSettings) -> Vec<FoldResult> {
    let fold: Vec<usize> = docs.iter().map(|d| random_fold(&d.id, folds)).collect();
    (0..folds)
        .map(|k| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..docs.len()).partition(|&i| fold[i] == k);
            run_fold(format!("fold {k}"), docs, &train, &test, settings)
        })
        .collect()
}

/// One fold per generator: its synthetic documents and one k-th of the human documents are
/// held out; the model trains on every other generator and the remaining human documents.
pub fn generator_held_out(docs: &[Doc], settings: &TrainSettings) -> Vec<FoldResult> {
    let generators: Vec<String> = docs
        .iter()
        .filter(|d| d.lineage.source == Source::Synthetic)
        .filter_map(|d| d.lineage.generator.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let k = generators.len().max(2);
    generators
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let held_out = |i: usize| {
                let d = &docs[i];
                match d.lineage.source {
                    Source::Synthetic => d.lineage.generator.as_deref() == Some(name.as_str()),
                    Source::Real => random_fold(&d.id, k) == g,
                }
            };
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..docs.len()).partition(|&i| held_out(i));
            run_fold(name.clone(), docs, &train, &test, settings)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tpr_at_fpr_uses_the_human_percentile() {
        // Humans 0..=99: the 99th percentile is 98.01; synthetic scores above it count.
        let mut scores: Vec<f64> = (0..100).map(f64::from).collect();
        let mut synthetic = vec![false; 100];
        scores.extend([98.0, 98.5, 200.0, 50.0]);
        synthetic.extend([true; 4]);
        assert!((tpr_at_fpr(&scores, &synthetic, 0.01) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn random_fold_is_crc32_of_the_id() {
        // zlib.crc32(b"doc-1") == 0x2b1e2a4e... checked against Python: fold = crc % 5.
        assert_eq!(
            random_fold("doc-1", 5),
            (crc32fast::hash(b"doc-1") % 5) as usize
        );
        assert_eq!(crc32fast::hash(b"hello"), 0x3610_a686);
    }

    /// Random 5-fold and generator-held-out figures on ../shared/data/dev (run by hand:
    /// `cargo test --release --lib dev_detector -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn dev_detector() {
        let dev = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dev");
        let mut inputs: Vec<std::path::PathBuf> = std::fs::read_dir(&dev)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        inputs.sort();
        let mut options = crate::corpus::IngestOptions::default();
        options.fields.remap("source", "label").unwrap();
        options
            .source_values
            .extend_from_spec("human=real,machine=synthetic")
            .unwrap();
        let mut stream = crate::corpus::CorpusStream::open(&inputs, &options).unwrap();
        let mut docs = Vec::new();
        while let Some(batch) = stream.next_batch().unwrap() {
            docs.extend(batch);
        }
        let learner = std::env::var("LEARNER").unwrap_or_else(|_| "lbfgs".into());
        let c = std::env::var("C")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1.0);
        let settings = TrainSettings {
            ngram: NgramConfig::default(),
            learner: learner.parse().unwrap(),
            c,
            seed: 1,
        };
        let report = |name: &str, folds: &[FoldResult]| {
            for f in folds {
                eprintln!(
                    "{name} {:<28} n_train {:>6} n_test {:>5} AUROC {:.4} TPR@1%FPR {:.3} featurize {:.1} s fit {:.1} s",
                    f.name, f.n_train, f.n_test, f.auroc, f.tpr_at_1pct_fpr, f.featurize_seconds, f.fit_seconds
                );
            }
            let mean =
                |g: fn(&FoldResult) -> f64| folds.iter().map(g).sum::<f64>() / folds.len() as f64;
            eprintln!(
                "{name} mean AUROC {:.4} mean TPR@1%FPR {:.3}",
                mean(|f| f.auroc),
                mean(|f| f.tpr_at_1pct_fpr)
            );
        };
        report("random", &random_folds(&docs, 5, &settings));
        if std::env::var("HELD_OUT").is_ok() {
            report("held-out", &generator_held_out(&docs, &settings));
        }
    }
}
