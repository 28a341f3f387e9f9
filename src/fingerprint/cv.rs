//! Cross-validation of the detector: a random k-fold split (fold = CRC-32 of the document id
//! mod k, the rule `benches/peers/fingerprint_sklearn.py` uses, so both tools test on the same
//! folds) and generator-held-out folds (train on every generator but one, test on the one it
//! never saw, against a held-out share of the human documents).

use std::collections::BTreeSet;
use std::time::Instant;

use serde::Serialize;

use super::design::Design;
use super::learner::fit;
use super::TrainOptions;
use crate::corpus::{Doc, Source};
use crate::error::Result;
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
    /// Rows of the test documents and their decision values (out-of-fold scores).
    #[serde(skip)]
    pub test_rows: Vec<usize>,
    #[serde(skip)]
    pub decisions: Vec<f64>,
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

/// Trains on `train` and scores `test`.
fn run_fold(
    name: String,
    docs: &[Doc],
    train: &[usize],
    test: &[usize],
    options: &TrainOptions,
) -> Result<FoldResult> {
    let start = Instant::now();
    let pick = |rows: &[usize]| rows.iter().map(|&i| docs[i].clone()).collect::<Vec<_>>();
    let (train_docs, test_docs) = (pick(train), pick(test));
    let fitted = Design::fit_transform(&options.features, &train_docs)?;
    let label = |d: &Doc| d.lineage.source == Source::Synthetic;
    let y: Vec<bool> = train_docs.iter().map(label).collect();
    let (x_train, x_test) = (fitted.x, fitted.design.transform(&test_docs)?);
    let featurize_seconds = start.elapsed().as_secs_f64();
    let model = fit(
        options.learner,
        &x_train,
        &y,
        options.c,
        options.tolerance,
        options.seed,
    );
    let scores = model.decision(&x_test);
    let truth: Vec<bool> = test_docs.iter().map(label).collect();
    Ok(FoldResult {
        name,
        n_train: train.len(),
        n_test: test.len(),
        auroc: auroc(&scores, &truth).unwrap_or(f64::NAN),
        tpr_at_1pct_fpr: tpr_at_fpr(&scores, &truth, 0.01),
        featurize_seconds,
        fit_seconds: start.elapsed().as_secs_f64() - featurize_seconds,
        test_rows: test.to_vec(),
        decisions: scores,
    })
}

/// Random k-fold cross-validation.
pub fn random_folds(docs: &[Doc], folds: usize, options: &TrainOptions) -> Result<Vec<FoldResult>> {
    let fold: Vec<usize> = docs.iter().map(|d| random_fold(&d.id, folds)).collect();
    (0..folds)
        .map(|k| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..docs.len()).partition(|&i| fold[i] == k);
            run_fold(format!("fold {k}"), docs, &train, &test, options)
        })
        .collect()
}

/// One fold per generator: its synthetic documents and one k-th of the human documents are
/// held out; the model trains on every other generator and the remaining human documents.
pub fn generator_held_out(docs: &[Doc], options: &TrainOptions) -> Result<Vec<FoldResult>> {
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
            run_fold(name.clone(), docs, &train, &test, options)
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
}
