//! `driftprint fingerprint eval`: a saved detector measured on labelled text, or training
//! cross-validated on it (random folds, or generator-held-out: the question that matters is
//! whether the detector catches a generator it never saw).

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::{decimal, percent, read_corpus};
use crate::corpus::{Doc, IngestOptions, Lineage, Source};
use crate::error::{Error, Result};
use crate::fingerprint::cv::{self, FoldResult};
use crate::fingerprint::evaluation::{
    breakdown, fpr_spread, metrics, threshold_at_fpr, FprSpread, GroupMetrics, Metrics, Scored,
};
use crate::fingerprint::{Detector, TrainOptions};

/// Fields every evaluation is broken down by.
const BREAKDOWN: [&str; 3] = ["generator", "domain", "attack"];

/// FPR ratios above this between groups of human text are called out (the bar for
/// native vs non-native writers).
const FPR_RATIO_LIMIT: f64 = 2.0;

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// "model" or "cv-random" / "cv-generator".
    pub mode: String,
    pub model: Option<PathBuf>,
    pub documents: u64,
    /// Pooled over all documents (out-of-fold scores under cross-validation).
    pub metrics: Metrics,
    /// The decision threshold the per-group TPR/FPR use.
    pub threshold: f64,
    pub folds: Vec<FoldResult>,
    pub mean_fold_auroc: Option<f64>,
    pub mean_fold_tpr_at_1pct_fpr: Option<f64>,
    pub groups: Vec<GroupMetrics>,
    pub fpr_spread: Vec<FprSpread>,
}

/// How to evaluate.
pub enum EvalMode<'a> {
    Model {
        path: PathBuf,
        detector: &'a Detector,
    },
    RandomFolds {
        folds: usize,
        options: &'a TrainOptions,
    },
    GeneratorHeldOut {
        options: &'a TrainOptions,
    },
}

fn fields(extra: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = BREAKDOWN.iter().map(|s| s.to_string()).collect();
    for f in extra {
        if !Lineage::is_field(f) {
            return Err(Error::Usage(format!(
                "--by: unknown lineage field '{f}' (known: {})",
                crate::corpus::schema::SCHEMA_FIELDS[2..].join(", ")
            )));
        }
        if !out.contains(f) {
            out.push(f.clone());
        }
    }
    Ok(out)
}

/// The threshold passing 1% of the human decisions (pooled out-of-fold scores have no model
/// threshold of their own).
fn one_percent_threshold(scores: &[Scored], synthetic: &[bool]) -> f64 {
    let mut human: Vec<f64> = scores
        .iter()
        .zip(synthetic)
        .filter(|(_, &s)| !s)
        .map(|(s, _)| s.decision)
        .collect();
    threshold_at_fpr(&mut human, 0.01)
}

pub fn run(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    mode: &EvalMode,
    by: &[String],
    step: &dyn Fn(&str),
) -> Result<EvalReport> {
    let fields = fields(by)?;
    step("reading");
    let (docs, _) = read_corpus(inputs, ingest, &|_, _| {})?;
    let synthetic: Vec<bool> = docs
        .iter()
        .map(|d| d.lineage.source == Source::Synthetic)
        .collect();
    let (name, model, scores, threshold, folds) = match mode {
        EvalMode::Model { path, detector } => {
            step("scoring");
            let scores = detector.score(&docs)?;
            let threshold = detector.meta.threshold.decision;
            ("model", Some(path.clone()), scores, threshold, Vec::new())
        }
        EvalMode::RandomFolds { folds, options } => {
            step("cross-validating");
            let results = cv::random_folds(&docs, *folds, options)?;
            let scores = pooled(&docs, &results);
            let threshold = one_percent_threshold(&scores, &synthetic);
            ("cv-random", None, scores, threshold, results)
        }
        EvalMode::GeneratorHeldOut { options } => {
            step("cross-validating");
            let results = cv::generator_held_out(&docs, options)?;
            if results.len() < 2 {
                return Err(Error::Usage(format!(
                    "--cv generator needs synthetic documents from at least two generators; found {}",
                    results.len()
                )));
            }
            // Each document's score from the fold that held it out (human documents are held
            // out once each).
            let scores = pooled(&docs, &results);
            let threshold = one_percent_threshold(&scores, &synthetic);
            ("cv-generator", None, scores, threshold, results)
        }
    };
    let mean = |g: fn(&FoldResult) -> f64| {
        let v: Vec<f64> = folds.iter().map(g).filter(|v| v.is_finite()).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let groups = breakdown(&docs, &scores, threshold, &fields);
    Ok(EvalReport {
        mode: name.to_string(),
        model,
        documents: docs.len() as u64,
        metrics: metrics(&scores, &synthetic, threshold),
        threshold,
        mean_fold_auroc: mean(|f| f.auroc),
        mean_fold_tpr_at_1pct_fpr: mean(|f| f.tpr_at_1pct_fpr),
        fpr_spread: fpr_spread(&groups),
        groups,
        folds,
    })
}

/// Out-of-fold scores in document order; a document no fold tested keeps NaN (cannot happen
/// with the folds we build, every document is tested once). Probabilities are σ(decision).
fn pooled(docs: &[Doc], folds: &[FoldResult]) -> Vec<Scored> {
    let mut scores = vec![
        Scored {
            decision: f64::NAN,
            probability: f64::NAN,
        };
        docs.len()
    ];
    for f in folds {
        for (&row, &d) in f.test_rows.iter().zip(&f.decisions) {
            scores[row] = Scored {
                decision: d,
                probability: crate::stats::logistic::sigmoid(d),
            };
        }
    }
    scores
}

impl EvalReport {
    pub fn to_text(&self) -> String {
        let m = &self.metrics;
        let mut s = String::new();
        let what = match (&self.model, self.mode.as_str()) {
            (Some(p), _) => p.display().to_string(),
            (None, "cv-generator") => "generator-held-out cross-validation".into(),
            _ => format!("random {}-fold cross-validation", self.folds.len()),
        };
        let _ = writeln!(
            s,
            "{what} on {} documents ({} real, {} synthetic): AUROC {}, TPR@1%FPR {}",
            self.documents,
            m.n_real,
            m.n_synthetic,
            decimal(m.auroc),
            decimal(m.tpr_at_1pct_fpr)
        );
        if self.model.is_some() {
            let _ = writeln!(
                s,
                "at the model's threshold: TPR {}, FPR {}, accuracy {:.3}; Brier score {:.4}",
                percent(m.tpr),
                percent(m.fpr),
                m.accuracy,
                m.brier
            );
        } else {
            let _ = writeln!(
                s,
                "mean over folds: AUROC {}, TPR@1%FPR {} (per-group rates below use the pooled 1%-FPR threshold)",
                decimal(self.mean_fold_auroc),
                decimal(self.mean_fold_tpr_at_1pct_fpr)
            );
            let _ = writeln!(
                s,
                "\n{:<28} {:>7} {:>6} {:>7} {:>10} {:>10} {:>8}",
                "fold", "train", "test", "AUROC", "TPR@1%FPR", "featurize", "fit"
            );
            for f in &self.folds {
                let _ = writeln!(
                    s,
                    "{:<28} {:>7} {:>6} {:>7.4} {:>10.3} {:>9.1}s {:>7.1}s",
                    f.name,
                    f.n_train,
                    f.n_test,
                    f.auroc,
                    f.tpr_at_1pct_fpr,
                    f.featurize_seconds,
                    f.fit_seconds
                );
            }
        }
        if self.model.is_some() && !m.reliability.is_empty() {
            let _ = writeln!(
                s,
                "\nreliability: predicted probability vs share actually synthetic"
            );
            for b in &m.reliability {
                let _ = writeln!(
                    s,
                    "  {:.1}-{:.1}  n {:>6}  predicted {:.3}  observed {:.3}",
                    b.low, b.high, b.count, b.mean_predicted, b.observed_synthetic
                );
            }
        }
        let mut by_field: Vec<(&str, Vec<&GroupMetrics>)> = Vec::new();
        for g in &self.groups {
            match by_field.last_mut() {
                Some((field, rows)) if *field == g.field => rows.push(g),
                _ => by_field.push((&g.field, vec![g])),
            }
        }
        // A field no document carries is one "(none)" group: nothing to break down.
        for (field, rows) in by_field
            .iter()
            .filter(|(_, r)| r.iter().any(|g| g.value != "(none)"))
        {
            let _ = writeln!(
                s,
                "\nby {field}:\n  {:<36} {:>6} {:>6} {:>7} {:>7} {:>7}",
                "value", "real", "synth", "TPR", "FPR", "AUROC"
            );
            for g in rows {
                let against = match g.auroc_against.as_deref() {
                    Some("all real") => " (vs all real)",
                    _ => "",
                };
                let _ = writeln!(
                    s,
                    "  {:<36} {:>6} {:>6} {:>7} {:>7} {:>7}{against}",
                    g.value,
                    g.n_real,
                    g.n_synthetic,
                    percent(g.tpr),
                    percent(g.fpr),
                    decimal(g.auroc)
                );
            }
        }
        for spread in &self.fpr_spread {
            let ratio = if spread.lowest_fpr > 0.0 {
                format!("{:.1}x", spread.ratio)
            } else {
                format!(
                    "at least {:.1}x (the lowest group has no false positive)",
                    spread.ratio
                )
            };
            let flag = if spread.ratio > FPR_RATIO_LIMIT {
                "\n  more than 2x apart: the detector flags human text of some groups far more often (check the groups before trusting decisions on them)"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "\nFPR on human text by {}: {} ({}) to {} ({}), {ratio} over {} groups of at least {} human documents{flag}",
                spread.field,
                percent(Some(spread.lowest_fpr)),
                spread.lowest,
                percent(Some(spread.highest_fpr)),
                spread.highest,
                spread.groups,
                crate::fingerprint::evaluation::MIN_HUMANS_FOR_FPR
            );
        }
        s
    }
}
