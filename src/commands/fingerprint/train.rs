//! `driftprint fingerprint train`: fit, calibrate and save a detector.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::{decimal, percent};
use crate::commands::read_grouped_corpus;
use crate::corpus::grouping::GroupBy;
use crate::corpus::IngestOptions;
use crate::error::Result;
use crate::fingerprint::detector::{DetectorMeta, TrainOptions};
use crate::fingerprint::{Detector, Labelled};

/// The training options the config asks for: `[fingerprint]` and `[features]` (the detector's
/// own feature families replace `[features] sets`).
pub fn options_from_config(config: &crate::config::Config) -> TrainOptions {
    let fp = &config.fingerprint;
    let mut features = config.features.clone();
    features.kinds = fp.features.clone();
    TrainOptions {
        features,
        learner: fp.learner,
        c: fp.c,
        tolerance: fp.tolerance,
        seed: config.seed,
        target_fpr: fp.target_fpr,
        calibration_fraction: fp.calibration_fraction,
        threshold_rule: fp.threshold_rule,
        lexicon_size: fp.lexicon_size,
    }
}

/// Features of the shortcut audit printed in the terminal (the model and --json keep all).
pub(crate) const SHORTCUTS_SHOWN: usize = 8;

#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub model: PathBuf,
    pub seconds: f64,
    pub detector: DetectorMeta,
    pub notes: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    options: &TrainOptions,
    group_by: &GroupBy,
    balance_by: Option<&GroupBy>,
    model: &Path,
    step: &dyn Fn(&str),
) -> Result<TrainReport> {
    let start = Instant::now();
    step("reading");
    let (docs, groups, balance) = read_grouped_corpus(inputs, ingest, group_by, balance_by)?;
    let detector = Detector::train(
        &Labelled {
            docs: &docs,
            groups: &groups,
            audit: true,
            balance: balance.as_ref(),
            dense: None,
        },
        options,
        step,
    )?;
    let audit = &detector.meta.shortcuts;
    if !audit.shortcuts.is_empty() {
        tracing::warn!(
            "{} style/format/length features separate human from LLM text on their own{}: likely artefacts (listed below and in the model; `fingerprint explain` shows them again)",
            audit.shortcuts.len(),
            audit.scope()
        );
    }
    step("saving");
    detector.save(model)?;
    let mut notes = Vec::new();
    let t = &detector.meta.threshold;
    if (t.fpr.trials as f64) * options.target_fpr < 1.0 {
        notes.push(format!(
            "only {} human documents in the calibration split: a {:.1}% false-positive rate cannot be measured finer than 1/{}; the threshold is the highest human score (train on more human text for a sharper threshold)",
            t.fpr.trials,
            100.0 * options.target_fpr,
            t.fpr.trials
        ));
    }
    if let Some(stats) = detector.embed_stats() {
        if stats.truncated > 0 {
            notes.push(format!(
                "{} documents were cut at the embedding token limit",
                stats.truncated
            ));
        }
    }
    Ok(TrainReport {
        model: model.to_path_buf(),
        seconds: start.elapsed().as_secs_f64(),
        detector: detector.meta,
        notes,
    })
}

impl TrainReport {
    pub fn to_text(&self) -> String {
        let m = &self.detector;
        let t = &m.threshold;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "trained {} in {:.1} s: held-out AUROC {}, TPR {} at FPR {} (target {})",
            self.model.display(),
            self.seconds,
            decimal(m.metrics.auroc),
            percent(Some(t.tpr.value())),
            percent(Some(t.fpr.value())),
            percent(Some(t.target_fpr)),
        );
        let _ = writeln!(
            s,
            "data: {} documents ({} real, {} synthetic from {} generators), {} held out for calibration; hash {}",
            m.training.documents,
            m.training.real,
            m.training.synthetic,
            m.training.synthetic_by_generator.len(),
            m.training.calibration_documents,
            &m.training.hash[..16]
        );
        let features: Vec<&str> = m.features.iter().map(|k| k.name()).collect();
        let _ = writeln!(
            s,
            "model: {} learner, C = {}, features {} on {} text{}; threshold: decision > {:.4} (probability {:.3})",
            format!("{:?}", m.learner).to_lowercase(),
            m.c,
            features.join(","),
            m.normalization.name(),
            m.balance_by
                .as_ref()
                .map(|b| format!(", balanced by {b}"))
                .unwrap_or_default(),
            t.decision,
            t.probability
        );
        let _ = writeln!(
            s,
            "calibration split: TPR@1%FPR {}, accuracy {:.3}, Brier {:.4}",
            decimal(m.metrics.tpr_at_1pct_fpr),
            m.metrics.accuracy,
            m.metrics.brier
        );
        for note in &self.notes {
            let _ = writeln!(s, "note: {note}");
        }
        for (i, line) in m
            .shortcuts
            .warning_lines(SHORTCUTS_SHOWN)
            .iter()
            .enumerate()
        {
            let _ = writeln!(s, "{}{line}", if i == 0 { "warning: " } else { "" });
        }
        let top: Vec<String> = m
            .lexicon
            .toward_synthetic
            .iter()
            .take(5)
            .filter_map(|e| e.ngrams.first().map(|g| format!("\"{}\"", g.ngram)))
            .collect();
        if !top.is_empty() {
            let _ = writeln!(
                s,
                "strongest synthetic n-grams: {} (driftprint fingerprint explain --model {})",
                top.join(", "),
                self.model.display()
            );
        }
        s
    }
}
