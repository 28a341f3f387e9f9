//! `driftprint fingerprint eval`: a saved detector measured on labelled text, or training
//! cross-validated on it: leave one source out (the figure that predicts a new source), leave
//! one domain out, generator held out, or random folds. Either way the shortcut audit checks
//! the data for style, format and length features that separate the classes on their own.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::{decimal, percent};
use crate::commands::read_grouped_corpus;
use crate::corpus::grouping::{GroupBy, Grouping};
use crate::corpus::{Doc, IngestOptions, Lineage, Source, PAIR_FIELD};
use crate::error::{Error, Result};
use crate::features::shortcuts::ShortcutAudit;
use crate::fingerprint::cv::{self, CvData, FoldResult};
use crate::fingerprint::design::DenseRows;
use crate::fingerprint::detector::audit_columns;
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
    /// "model", or "cv-random" / "cv-generator" / "cv-family" / "cv-source" / "cv-domain".
    pub mode: String,
    pub model: Option<PathBuf>,
    pub documents: u64,
    /// What the held-out groups are, under `--cv source|domain` ("file", "domain", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_out_by: Option<String>,
    /// Pooled over all documents (out-of-fold scores under cross-validation).
    pub metrics: Metrics,
    /// The decision threshold the per-group TPR/FPR use.
    pub threshold: f64,
    pub folds: Vec<FoldResult>,
    /// Means over the folds where each is defined.
    pub mean_fold_auroc: Option<f64>,
    pub mean_fold_tpr_at_1pct_fpr: Option<f64>,
    pub mean_fold_tpr_at_threshold: Option<f64>,
    pub mean_fold_fpr_at_threshold: Option<f64>,
    pub groups: Vec<GroupMetrics>,
    pub fpr_spread: Vec<FprSpread>,
    /// Style, format and length features of this data that separate the classes on their own.
    pub shortcuts: ShortcutAudit,
}

/// Which folds cross-validation uses.
#[derive(Debug, Clone)]
pub enum Folds {
    Random(usize),
    Generator,
    /// Leave one generator family out at a time, against the human text of its sources.
    Family,
    /// Leave one `--group-by` group (by default an input file) out at a time.
    Source,
    /// Leave one domain out at a time.
    Domain,
}

impl Folds {
    fn held_out(&self, group_by: &GroupBy) -> Option<GroupBy> {
        match self {
            Folds::Source => Some(group_by.clone()),
            Folds::Domain => Some(GroupBy::Field("domain".into())),
            _ => None,
        }
    }
}

/// How to evaluate.
pub enum EvalMode<'a> {
    Model {
        path: PathBuf,
        detector: &'a Detector,
    },
    CrossValidation {
        folds: Folds,
        options: &'a TrainOptions,
        /// Groups given equal weight in each fold's training.
        balance: Option<GroupBy>,
    },
}

fn fields(extra: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = BREAKDOWN.iter().map(|s| s.to_string()).collect();
    for f in extra {
        if f.trim().is_empty() {
            return Err(Error::Usage("--by: empty field name".into()));
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
    group_by: &GroupBy,
    by: &[String],
    step: &dyn Fn(&str),
) -> Result<EvalReport> {
    let fields = fields(by)?;
    let mut ingest = ingest.clone();
    for f in &fields {
        if !Lineage::is_field(f) {
            ingest.keep_field(f);
        }
    }
    let held_out = match mode {
        EvalMode::CrossValidation { folds, .. } => folds.held_out(group_by),
        EvalMode::Model { .. } => None,
    };
    let balance_by = match mode {
        EvalMode::CrossValidation { balance, .. } => balance.clone(),
        EvalMode::Model { .. } => None,
    };
    if let Some(h) = &held_out {
        h.prepare(&mut ingest);
    }
    if let EvalMode::CrossValidation {
        folds: Folds::Family,
        ..
    } = mode
    {
        // Pairs keep a rewrite of a tested passage out of the fold's training.
        ingest.keep_field(PAIR_FIELD);
    }
    step("reading");
    let (docs, groups, balance) =
        read_grouped_corpus(inputs, &ingest, group_by, balance_by.as_ref())?;
    for f in by {
        if docs.iter().all(|d| d.lineage.field(f).is_none()) {
            tracing::warn!("--by {f}: no document has this field");
        }
    }
    let synthetic: Vec<bool> = docs
        .iter()
        .map(|d| d.lineage.source == Source::Synthetic)
        .collect();
    step("auditing features");
    let (normalization, kinds) = match mode {
        EvalMode::Model { detector, .. } => {
            (detector.meta.normalization, detector.meta.features.clone())
        }
        EvalMode::CrossValidation { options, .. } => (
            options.features.normalization,
            options.features.kinds.clone(),
        ),
    };
    let mut dense = DenseRows::compute(&docs, normalization);
    let shortcuts = ShortcutAudit::run(audit_columns(&dense, &kinds), &synthetic, &groups);
    if let EvalMode::CrossValidation { options, .. } = mode {
        if kinds.contains(&crate::features::FeatureKind::Lm) {
            // Every fold reads the same rows: score the corpus with the language model once.
            step("scoring with the language model");
            dense = dense.with_lm(&options.features.lm, &docs, normalization)?;
        }
    }
    let (name, model, scores, threshold, folds) = match mode {
        EvalMode::Model { path, detector } => {
            step("scoring");
            let scores = detector.score_rows(&detector.featurize_rows(&docs, &dense)?);
            let threshold = detector.meta.threshold.decision;
            (
                "model".to_string(),
                Some(path.clone()),
                scores,
                Some(threshold),
                Vec::new(),
            )
        }
        EvalMode::CrossValidation { folds, options, .. } => {
            step("cross-validating");
            let data = CvData::with_rows(&docs, &groups, balance.as_ref(), dense);
            let (name, folds) = match folds {
                Folds::Random(k) => ("cv-random".to_string(), cv::random_folds(&docs, *k)),
                Folds::Generator => {
                    let folds = cv::generator_folds(&docs);
                    if folds.len() < 2 {
                        return Err(Error::Usage(format!(
                            "--cv generator needs synthetic documents from at least two generators; found {}",
                            folds.len()
                        )));
                    }
                    ("cv-generator".to_string(), folds)
                }
                Folds::Family => {
                    let folds = cv::family_folds(&docs, &groups);
                    if folds.len() < 2 {
                        return Err(Error::Usage(format!(
                            "--cv family needs synthetic documents from at least two generator families; found {}",
                            folds.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                        )));
                    }
                    ("cv-family".to_string(), folds)
                }
                Folds::Source | Folds::Domain => {
                    let (kind, held) = match folds {
                        Folds::Source => ("source", groups.clone()),
                        _ => (
                            "domain",
                            Grouping::new(&GroupBy::Field("domain".into()), &docs, &[], &[]),
                        ),
                    };
                    if held.len() < 2 {
                        return Err(Error::Usage(format!(
                            "--cv {kind}: needs at least two groups to leave out one at a time; the data has {} ({})",
                            held.len(),
                            held.names.join(", ")
                        )));
                    }
                    (format!("cv-{kind}"), cv::group_folds(&held))
                }
            };
            let results = cv::run(&data, &folds, options)?;
            // Each document's score from the fold that held it out.
            let scores = pooled(&docs, &results);
            (name, None, scores, None, results)
        }
    };
    // Family folds test a share of the human text only: the pooled figures are over the
    // documents some fold tested (moved, not copied).
    let tested: Vec<bool> = scores.iter().map(|s| !s.decision.is_nan()).collect();
    let docs = only_tested(docs, &tested);
    let synthetic = only_tested(synthetic, &tested);
    let scores = only_tested(scores, &tested);
    let threshold = threshold.unwrap_or_else(|| one_percent_threshold(&scores, &synthetic));
    let mean = |g: fn(&FoldResult) -> Option<f64>| {
        let v: Vec<f64> = folds
            .iter()
            .filter_map(g)
            .filter(|v| v.is_finite())
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let groups_metrics = breakdown(&docs, &scores, threshold, &fields);
    Ok(EvalReport {
        held_out_by: held_out.map(|h| h.name().to_string()),
        mode: name,
        model,
        documents: docs.len() as u64,
        metrics: metrics(&scores, &synthetic, threshold),
        threshold,
        mean_fold_auroc: mean(|f| f.auroc),
        mean_fold_tpr_at_1pct_fpr: mean(|f| f.tpr_at_1pct_fpr),
        mean_fold_tpr_at_threshold: mean(|f| f.tpr_at_threshold),
        mean_fold_fpr_at_threshold: mean(|f| f.fpr_at_threshold),
        fpr_spread: fpr_spread(&groups_metrics),
        groups: groups_metrics,
        folds,
        shortcuts,
    })
}

/// The items whose `tested` flag is set, in order.
fn only_tested<T>(items: Vec<T>, tested: &[bool]) -> Vec<T> {
    items
        .into_iter()
        .zip(tested)
        .filter_map(|(item, &kept)| kept.then_some(item))
        .collect()
}

/// Out-of-fold scores in document order; a document no fold tested keeps NaN (family folds
/// test a share of the human text; the other folds test every document once). Probabilities
/// are σ(decision).
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
            (None, "cv-family") => "leave-one-generator-family-out cross-validation".into(),
            (None, "cv-source" | "cv-domain") => format!(
                "leave-one-{}-out cross-validation",
                self.held_out_by.as_deref().unwrap_or("group")
            ),
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
                "mean over folds: AUROC {}, TPR@1%FPR {}; at each fold model's threshold TPR {}, FPR {}",
                decimal(self.mean_fold_auroc),
                decimal(self.mean_fold_tpr_at_1pct_fpr),
                percent(self.mean_fold_tpr_at_threshold),
                percent(self.mean_fold_fpr_at_threshold),
            );
            let _ = writeln!(
                s,
                "(pooled figures above rank every out-of-fold score together; per-group rates below use the pooled 1%-FPR threshold)"
            );
            let _ = writeln!(
                s,
                "\n{:<36} {:>7} {:>6} {:>6} {:>7} {:>10} {:>8} {:>8} {:>7}",
                "held out",
                "train",
                "real",
                "synth",
                "AUROC",
                "TPR@1%FPR",
                "TPR@thr",
                "FPR@thr",
                "time"
            );
            for f in &self.folds {
                let _ = writeln!(
                    s,
                    "{:<36} {:>7} {:>6} {:>6} {:>7} {:>10} {:>8} {:>8} {:>6.1}s",
                    f.name,
                    f.n_train,
                    f.n_real,
                    f.n_synthetic,
                    decimal(f.auroc),
                    decimal(f.tpr_at_1pct_fpr),
                    percent(f.tpr_at_threshold),
                    percent(f.fpr_at_threshold),
                    f.seconds
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
        let lines = self.shortcuts.warning_lines(super::train::SHORTCUTS_SHOWN);
        for (i, line) in lines.iter().enumerate() {
            let _ = writeln!(s, "{}{line}", if i == 0 { "\nwarning: " } else { "" });
        }
        s
    }
}
