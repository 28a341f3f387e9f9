//! Cross-validation of the detector. Every fold trains a whole detector on its training part —
//! calibration split, threshold at the target FPR and all — and scores the part it never saw,
//! so a fold reports what a user would get: ranking (AUROC, TPR at 1% FPR on the fold's own
//! human documents) and the error rates at the threshold the model stored.
//!
//! Folds: random k-fold (fold = CRC-32 of the document id mod k, the rule
//! `benches/peers/fingerprint_sklearn.py` uses, so both tools test on the same folds);
//! generator held out (train on every generator but one, test on the one it never saw, against
//! a held-out share of the human documents); generator family held out (every GPT-4 variant at
//! once, against human text of the same sources); and group held out (leave one source file, domain
//! or any field's value out: the folds that predict a new source, where formatting, prompts
//! and domains differ too).

use std::collections::BTreeSet;
use std::time::Instant;

use serde::Serialize;

use super::design::DenseRows;
use super::detector::{Detector, Labelled, TrainOptions};
use super::generator_family::{family_of, FAMILIES};
use crate::corpus::grouping::Grouping;
use crate::corpus::{Doc, Source};
use crate::error::Result;
use crate::stats::roc::auroc;

/// The fold of a document under the random split.
pub fn random_fold(id: &str, folds: usize) -> usize {
    (crc32fast::hash(id.as_bytes()) as usize) % folds
}

/// What one fold measured on the documents it held out.
#[derive(Debug, Clone, Serialize)]
pub struct FoldResult {
    /// "fold 3", the held-out generator, or the held-out group.
    pub name: String,
    pub n_train: usize,
    pub n_test: usize,
    pub n_real: usize,
    pub n_synthetic: usize,
    /// None when the held-out part has one class only.
    pub auroc: Option<f64>,
    /// At the threshold passing 1% of the held-out human documents (needs both classes).
    pub tpr_at_1pct_fpr: Option<f64>,
    /// Held-out synthetic documents flagged at the fold model's stored threshold.
    pub tpr_at_threshold: Option<f64>,
    /// Held-out human documents flagged at the fold model's stored threshold.
    pub fpr_at_threshold: Option<f64>,
    /// Training the fold's detector and scoring its held-out part.
    pub seconds: f64,
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

/// Labelled documents to cross-validate, with their raw dense rows computed once.
pub struct CvData<'a> {
    pub docs: &'a [Doc],
    /// Sources: each fold's threshold rule holds within its training part's groups.
    pub groups: &'a Grouping,
    /// Groups given equal weight in each fold's training (`--balance-by`), if any.
    pub balance: Option<&'a Grouping>,
    dense: DenseRows,
}

impl<'a> CvData<'a> {
    /// `dense`: the raw dense rows of `docs`, under the normalisation the folds train with.
    pub fn with_rows(
        docs: &'a [Doc],
        groups: &'a Grouping,
        balance: Option<&'a Grouping>,
        dense: DenseRows,
    ) -> Self {
        CvData {
            docs,
            groups,
            balance,
            dense,
        }
    }
}

/// Trains on rows `train` and scores rows `test`.
fn run_fold(
    name: String,
    data: &CvData,
    train: &[usize],
    test: &[usize],
    options: &TrainOptions,
) -> Result<FoldResult> {
    let start = Instant::now();
    let pick = |rows: &[usize]| {
        rows.iter()
            .map(|&i| data.docs[i].clone())
            .collect::<Vec<_>>()
    };
    let (train_docs, test_docs) = (pick(train), pick(test));
    let balance = data.balance.map(|b| b.select(train));
    let groups = data.groups.select(train);
    let dense = data.dense.select(train);
    let detector = Detector::train(
        &Labelled {
            docs: &train_docs,
            groups: &groups,
            audit: false,
            balance: balance.as_ref(),
            dense: Some(&dense),
        },
        &TrainOptions {
            lexicon_size: 0,
            ..options.clone()
        },
        &|_| {},
    )?;
    let x_test = detector.featurize_rows(&test_docs, &data.dense.select(test))?;
    let scores: Vec<f64> = detector
        .score_rows(&x_test)
        .iter()
        .map(|s| s.decision)
        .collect();
    let truth: Vec<bool> = test_docs
        .iter()
        .map(|d| d.lineage.source == Source::Synthetic)
        .collect();
    let n_synthetic = truth.iter().filter(|&&t| t).count();
    let n_real = truth.len() - n_synthetic;
    let threshold = detector.meta.threshold.decision;
    let flagged = |want: bool, of: usize| {
        (of > 0).then(|| {
            scores
                .iter()
                .zip(&truth)
                .filter(|(&s, &t)| t == want && s > threshold)
                .count() as f64
                / of as f64
        })
    };
    let both = n_real > 0 && n_synthetic > 0;
    Ok(FoldResult {
        name,
        n_train: train.len(),
        n_test: test.len(),
        n_real,
        n_synthetic,
        auroc: if both { auroc(&scores, &truth) } else { None },
        tpr_at_1pct_fpr: both.then(|| tpr_at_fpr(&scores, &truth, 0.01)),
        tpr_at_threshold: flagged(true, n_synthetic),
        fpr_at_threshold: flagged(false, n_real),
        seconds: start.elapsed().as_secs_f64(),
        test_rows: test.to_vec(),
        decisions: scores,
    })
}

/// One fold: its name and the rows it trains on and tests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    pub name: String,
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

impl Fold {
    /// Rows for which `held_out` is true are tested, the rest trained on.
    fn split(name: String, n: usize, held_out: impl Fn(usize) -> bool) -> Fold {
        let (test, train) = (0..n).partition(|&i| held_out(i));
        Fold { name, train, test }
    }
}

/// Random k folds.
pub fn random_folds(docs: &[Doc], folds: usize) -> Vec<Fold> {
    let fold: Vec<usize> = docs.iter().map(|d| random_fold(&d.id, folds)).collect();
    (0..folds)
        .map(|k| Fold::split(format!("fold {k}"), docs.len(), |i| fold[i] == k))
        .collect()
}

/// One fold per generator: its synthetic documents and one k-th of the human documents are
/// held out; the model trains on every other generator and the remaining human documents.
pub fn generator_folds(docs: &[Doc]) -> Vec<Fold> {
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
            Fold::split(name.clone(), docs.len(), |i| {
                let d = &docs[i];
                match d.lineage.source {
                    Source::Synthetic => d.lineage.generator.as_deref() == Some(name.as_str()),
                    Source::Real => random_fold(&d.id, k) == g,
                }
            })
        })
        .collect()
}

/// Share of each source's human documents a family fold tests against (1 in this many).
const HUMAN_SHARE: usize = 5;

/// One fold per generator family ([`family_of`]): its synthetic documents, against the human
/// documents of the sources (`groups`) it appears in — the fifth of them whose pair (else id)
/// hashes to fold 0 — so the fold compares text of one collection. The model trains on every
/// other family and the remaining human documents, less any document that shares a `pair_id`
/// with a tested one (a rewrite of a tested passage would teach the passage's words).
pub fn family_folds(docs: &[Doc], groups: &Grouping) -> Vec<Fold> {
    let family: Vec<Option<&str>> = docs
        .iter()
        .map(|d| match d.lineage.source {
            Source::Synthetic => d.lineage.generator.as_deref().map(family_of),
            Source::Real => None,
        })
        .collect();
    let held_human: Vec<bool> = docs
        .iter()
        .map(|d| random_fold(d.lineage.pair().unwrap_or(&d.id), HUMAN_SHARE) == 0)
        .collect();
    FAMILIES
        .iter()
        .filter(|f| family.contains(&Some(f)))
        .map(|&name| {
            let sources: BTreeSet<usize> = (0..docs.len())
                .filter(|&i| family[i] == Some(name))
                .map(|i| groups.of[i])
                .collect();
            let tested = |i: usize| match docs[i].lineage.source {
                Source::Synthetic => family[i] == Some(name),
                Source::Real => held_human[i] && sources.contains(&groups.of[i]),
            };
            let test: Vec<usize> = (0..docs.len()).filter(|&i| tested(i)).collect();
            let pairs: BTreeSet<&str> = test
                .iter()
                .filter_map(|&i| docs[i].lineage.pair())
                .collect();
            let train = (0..docs.len())
                .filter(|&i| {
                    !tested(i) && docs[i].lineage.pair().is_none_or(|p| !pairs.contains(p))
                })
                .collect();
            Fold {
                name: name.to_string(),
                train,
                test,
            }
        })
        .collect()
}

/// Leave one group out: each group in turn is the test set, every other group the training set.
pub fn group_folds(groups: &Grouping) -> Vec<Fold> {
    (0..groups.len())
        .map(|g| {
            Fold::split(groups.names[g].clone(), groups.of.len(), |i| {
                groups.of[i] == g
            })
        })
        .collect()
}

/// Trains and tests every fold.
pub fn run(data: &CvData, folds: &[Fold], options: &TrainOptions) -> Result<Vec<FoldResult>> {
    folds
        .iter()
        .map(|f| run_fold(f.name.clone(), data, &f.train, &f.test, options))
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

    proptest::proptest! {
        /// Leave-one-group-out folds: every document is tested exactly once, and no fold
        /// trains on a group it tests.
        #[test]
        fn group_folds_never_share_a_group(labels in proptest::collection::vec(0u8..5, 1..60)) {
            let labels: Vec<String> = labels.iter().map(|l| format!("g{l}")).collect();
            let groups = Grouping::from_labels("file", &labels);
            let folds = group_folds(&groups);
            proptest::prop_assert_eq!(folds.len(), groups.len());
            let mut tested = vec![0; labels.len()];
            for f in &folds {
                for &i in &f.test {
                    tested[i] += 1;
                    proptest::prop_assert_eq!(&labels[i], &f.name);
                }
                for &i in &f.train {
                    proptest::prop_assert!(labels[i] != f.name);
                }
                proptest::prop_assert_eq!(f.train.len() + f.test.len(), labels.len());
            }
            proptest::prop_assert!(tested.iter().all(|&t| t == 1));
        }
    }

    const GENERATORS: [&str; 5] = [
        "gpt2-xl",
        "gpt-3.5-turbo",
        "gpt-4o",
        "claude-3-opus",
        "gpt-j-6B",
    ];

    proptest::proptest! {
        /// Family folds: each family's synthetic text is tested in its fold only, against human
        /// text of the files it appears in; no fold trains on a tested document or on one
        /// sharing a pair with it.
        #[test]
        fn family_folds_hold_out_whole_families_and_their_pairs(
            rows in proptest::collection::vec((0u8..3, 0u8..6, 0u8..12), 2..80)
        ) {
            let mut docs = Vec::new();
            let mut files = Vec::new();
            for (i, &(file, generator, pair)) in rows.iter().enumerate() {
                let source = if generator == 5 { Source::Real } else { Source::Synthetic };
                let mut lineage = crate::corpus::Lineage::new(source);
                if source == Source::Synthetic {
                    lineage.generator = Some(GENERATORS[generator as usize].into());
                }
                lineage.extra.insert(crate::corpus::PAIR_FIELD.into(), format!("p{pair}"));
                docs.push(Doc { id: format!("d{i}"), text: String::new(), lineage });
                files.push(format!("f{file}"));
            }
            let groups = Grouping::from_labels("file", &files);
            let family = |d: &Doc| d.lineage.generator.as_deref().map(family_of);
            for fold in family_folds(&docs, &groups) {
                let sources: BTreeSet<&str> = docs.iter().zip(&files)
                    .filter(|(d, _)| family(d) == Some(fold.name.as_str()))
                    .map(|(_, f)| f.as_str()).collect();
                proptest::prop_assert!(!sources.is_empty());
                for (i, d) in docs.iter().enumerate() {
                    if family(d) == Some(fold.name.as_str()) {
                        proptest::prop_assert!(fold.test.contains(&i));
                    }
                }
                for &i in &fold.test {
                    match family(&docs[i]) {
                        Some(f) => proptest::prop_assert_eq!(f, fold.name.as_str()),
                        None => proptest::prop_assert!(sources.contains(files[i].as_str())),
                    }
                }
                let pairs: BTreeSet<Option<&str>> =
                    fold.test.iter().map(|&i| docs[i].lineage.pair()).collect();
                for &i in &fold.train {
                    proptest::prop_assert!(!fold.test.contains(&i));
                    proptest::prop_assert!(!pairs.contains(&docs[i].lineage.pair()));
                }
            }
        }
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
