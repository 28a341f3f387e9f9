//! A trained fingerprint detector: featurisation, linear model, Platt calibration and a decision
//! threshold chosen for a target false-positive rate, with what it measured at training time.
//!
//! Training holds out a seeded calibration split (by document id): the weights are fitted on the
//! rest, and the calibration, the threshold and the stored TPR/FPR counts come from documents the
//! weights never saw, so the synthetic-fraction estimate's error rates are honest.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64_with_seed, Xxh3};

use super::calibration::Platt;
use super::design::{Design, Fitted, StyloScaling};
use super::evaluation::{metrics, threshold_at_fpr, Metrics, Scored};
use super::fraction::Rate;
use super::learner::{fit, LearnerKind, LinearModel};
use super::lexicon::{self, Lexicon};
use super::model_file;
use crate::corpus::{Doc, Source};
use crate::error::{Error, InputError, Result};
use crate::features::{
    EmbedConfig, Embedder, FeatureKind, FeatureSettings, NgramConfig, SparseMatrix,
};

/// What `fingerprint train` is asked for.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub features: FeatureSettings,
    pub learner: LearnerKind,
    /// Inverse L2 strength, as scikit-learn's C (L-BFGS learner).
    pub c: f64,
    /// Gradient tolerance of the L-BFGS learner (mean-loss scale): smaller fits longer.
    pub tolerance: f64,
    pub seed: u64,
    /// False-positive rate the decision threshold is chosen for.
    pub target_fpr: f64,
    /// Share of documents held out to calibrate and to measure TPR/FPR.
    pub calibration_fraction: f64,
    /// Lexicon entries kept each way.
    pub lexicon_size: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureSettings {
                kinds: vec![FeatureKind::Ngram, FeatureKind::Stylo],
                ..FeatureSettings::default()
            },
            learner: LearnerKind::Lbfgs,
            c: 1.0,
            tolerance: 1e-4,
            seed: crate::config::DEFAULT_SEED,
            target_fpr: 0.01,
            calibration_fraction: 0.2,
            lexicon_size: 25,
        }
    }
}

/// The decision rule and the error rates measured for it on the calibration split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// A document is flagged synthetic when its decision value is above this.
    pub decision: f64,
    /// Calibrated probability at the threshold.
    pub probability: f64,
    pub target_fpr: f64,
    pub tpr: Rate,
    pub fpr: Rate,
}

/// The embedding model a detector was trained with (its vectors are only comparable to the
/// same model's at the same settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedSpec {
    pub model_fingerprint: String,
    pub max_tokens: usize,
    pub chunked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingData {
    pub documents: u64,
    pub real: u64,
    pub synthetic: u64,
    /// Documents held out for calibration (not used to fit the weights).
    pub calibration_documents: u64,
    /// XXH3-128 of every document's id, text and source, in input order.
    pub hash: String,
    pub synthetic_by_generator: BTreeMap<String, u64>,
}

/// Everything about a detector except its weights and IDF table (those are the file's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorMeta {
    pub driftprint_version: String,
    pub features: Vec<FeatureKind>,
    pub ngram: Option<NgramConfig>,
    pub stylo: Option<StyloScaling>,
    pub embed: Option<EmbedSpec>,
    pub learner: LearnerKind,
    pub c: f64,
    pub tolerance: f64,
    pub seed: u64,
    pub intercept: f64,
    pub calibration: Platt,
    pub threshold: Threshold,
    pub training: TrainingData,
    /// Measured on the calibration split.
    pub metrics: Metrics,
    pub lexicon: Lexicon,
}

pub struct Detector {
    pub meta: DetectorMeta,
    design: Design,
    model: LinearModel,
}

/// Whether document `id` is held out for calibration.
fn in_calibration_split(id: &str, seed: u64, fraction: f64) -> bool {
    (xxh3_64_with_seed(id.as_bytes(), seed) as f64) < fraction * u64::MAX as f64
}

fn training_hash(docs: &[Doc]) -> String {
    let mut h = Xxh3::new();
    for d in docs {
        h.update(d.id.as_bytes());
        h.update(&[0]);
        h.update(d.text.as_bytes());
        h.update(&[0, u8::from(d.lineage.source == Source::Synthetic), b'\n']);
    }
    format!("{:032x}", h.digest128())
}

impl Detector {
    /// Trains on labelled `docs` (source real = human, synthetic = machine).
    pub fn train(docs: &[Doc], options: &TrainOptions, step: &dyn Fn(&str)) -> Result<Detector> {
        let is_synthetic = |d: &Doc| d.lineage.source == Source::Synthetic;
        let (calibration, fitting): (Vec<&Doc>, Vec<&Doc>) = docs
            .iter()
            .partition(|d| in_calibration_split(&d.id, options.seed, options.calibration_fraction));
        let count =
            |set: &[&Doc], want: bool| set.iter().filter(|d| is_synthetic(d) == want).count();
        let total = |want: bool| docs.iter().filter(|d| is_synthetic(d) == want).count();
        for (name, set) in [("training", &fitting), ("calibration", &calibration)] {
            for (want, class) in [(false, "real (human)"), (true, "synthetic")] {
                if count(set, want) < 2 {
                    return Err(Error::Data(format!(
                        "the detector needs both classes: the {name} split has {} {class} documents ({} real and {} synthetic given, {:.0}% held out for calibration; check --source-field / --source-values)",
                        count(set, want),
                        total(false),
                        total(true),
                        100.0 * options.calibration_fraction
                    )));
                }
            }
        }
        let fitting: Vec<Doc> = fitting.into_iter().cloned().collect();
        let calibration: Vec<Doc> = calibration.into_iter().cloned().collect();
        step("featurizing");
        let Fitted {
            design,
            x,
            stylo_rows,
        } = Design::fit_transform(&options.features, &fitting)?;
        let y: Vec<bool> = fitting.iter().map(is_synthetic).collect();
        step("fitting");
        let model = fit(
            options.learner,
            &x,
            &y,
            options.c,
            options.tolerance,
            options.seed,
        );
        step("building the lexicon");
        let lexicon = lexicon::build(
            &design,
            &model,
            &x,
            &fitting,
            stylo_rows.as_deref(),
            &y,
            options.lexicon_size,
        );
        drop(x);

        step("calibrating");
        let x_cal = design.transform(&calibration)?;
        let decisions = model.decision(&x_cal);
        let truth: Vec<bool> = calibration.iter().map(is_synthetic).collect();
        let platt = Platt::fit(&decisions, &truth);
        let mut human: Vec<f64> = decisions
            .iter()
            .zip(&truth)
            .filter(|(_, &t)| !t)
            .map(|(d, _)| *d)
            .collect();
        let decision = threshold_at_fpr(&mut human, options.target_fpr);
        let rate = |want: bool| Rate {
            hits: decisions
                .iter()
                .zip(&truth)
                .filter(|(d, &t)| t == want && **d > decision)
                .count() as u64,
            trials: truth.iter().filter(|&&t| t == want).count() as u64,
        };
        let scored: Vec<Scored> = decisions
            .iter()
            .map(|&d| Scored {
                decision: d,
                probability: platt.probability(d),
            })
            .collect();
        let held_out = metrics(&scored, &truth, decision);

        let embed = match &design.embedder {
            Some(e) => Some(EmbedSpec {
                model_fingerprint: e.model_fingerprint()?,
                max_tokens: e.config().max_tokens,
                chunked: e.config().chunked,
            }),
            None => None,
        };
        let mut by_generator = BTreeMap::new();
        for d in docs.iter().filter(|d| is_synthetic(d)) {
            *by_generator
                .entry(
                    d.lineage
                        .generator
                        .clone()
                        .unwrap_or_else(|| "(none)".into()),
                )
                .or_insert(0) += 1;
        }
        let n_synthetic = docs.iter().filter(|d| is_synthetic(d)).count() as u64;
        let meta = DetectorMeta {
            driftprint_version: env!("CARGO_PKG_VERSION").to_string(),
            features: design.kinds(),
            ngram: design.ngrams.as_ref().map(|n| n.config().clone()),
            stylo: design.stylo.clone(),
            embed,
            learner: options.learner,
            c: options.c,
            tolerance: options.tolerance,
            seed: options.seed,
            intercept: model.intercept,
            calibration: platt,
            threshold: Threshold {
                decision,
                probability: platt.probability(decision),
                target_fpr: options.target_fpr,
                tpr: rate(true),
                fpr: rate(false),
            },
            training: TrainingData {
                documents: docs.len() as u64,
                real: docs.len() as u64 - n_synthetic,
                synthetic: n_synthetic,
                calibration_documents: calibration.len() as u64,
                hash: training_hash(docs),
                synthetic_by_generator: by_generator,
            },
            metrics: held_out,
            lexicon,
        };
        Ok(Detector {
            meta,
            design,
            model,
        })
    }

    /// Decision value and calibrated probability of each document.
    pub fn score(&self, docs: &[Doc]) -> Result<Vec<Scored>> {
        Ok(self.score_rows(&self.featurize(docs)?))
    }

    /// The documents' design rows (hashed n-gram buckets first, then style, then embedding).
    pub fn featurize(&self, docs: &[Doc]) -> Result<SparseMatrix> {
        self.design.transform(docs)
    }

    /// Decision value and calibrated probability of each design row.
    pub fn score_rows(&self, x: &SparseMatrix) -> Vec<Scored> {
        self.model
            .decision(x)
            .into_iter()
            .map(|d| Scored {
                decision: d,
                probability: self.meta.calibration.probability(d),
            })
            .collect()
    }

    /// Whether a scored document is flagged synthetic.
    pub fn flags(&self, s: &Scored) -> bool {
        s.decision > self.meta.threshold.decision
    }

    pub fn embed_stats(&self) -> Option<crate::features::embed::EmbedStats> {
        self.design.embedder.as_ref().map(|e| e.stats())
    }

    /// Writes the model file atomically: the weights, then the IDF table.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut values = self.model.weights.clone();
        if let Some(n) = &self.design.ngrams {
            values.extend_from_slice(n.idf());
        }
        model_file::save(path, &self.meta, &values)
    }

    /// Reads a model file; `embed` says where the embedding model is when the detector uses one
    /// (it must be the model it was trained with).
    pub fn load(path: &Path, embed: &EmbedConfig) -> Result<Detector> {
        let (meta, mut values): (DetectorMeta, Vec<f32>) = model_file::load(path)?;
        let bad = |m: String| Error::Input(InputError::file(path, m));
        if let Some(s) = &meta.stylo {
            let current = crate::features::stylometry::Stylometry;
            let names = crate::features::Featurizer::columns(&current);
            if s.columns != names
                || s.mean.len() != names.len()
                || s.inverse_scale.len() != names.len()
            {
                return Err(bad(format!(
                    "the model was trained with another set of stylometric features ({} columns; this driftprint computes {}): retrain it with `driftprint fingerprint train`",
                    s.columns.len(),
                    names.len()
                )));
            }
        }
        let embedder = match &meta.embed {
            Some(spec) => {
                let config = EmbedConfig {
                    max_tokens: spec.max_tokens,
                    chunked: spec.chunked,
                    ..embed.clone()
                };
                let e = Embedder::new(&config)?;
                let found = e.model_fingerprint()?;
                if found != spec.model_fingerprint {
                    return Err(bad(format!(
                        "the model was trained on embeddings of another encoder (files hash {}, the encoder found has {found}): point --model-dir at the encoder it was trained with, or retrain",
                        spec.model_fingerprint
                    )));
                }
                Some(e)
            }
            None => None,
        };
        let idf_len = meta.ngram.as_ref().map_or(0, |n| n.dim);
        let idf = values.split_off(values.len().saturating_sub(idf_len));
        let ngram = meta.ngram.clone().map(|n| (n, idf));
        let design = Design::from_parts(ngram, meta.stylo.clone(), embedder)?;
        if values.len() != design.width() {
            return Err(bad(format!(
                "the model holds {} weights for {} feature columns: the file does not match its own feature configuration",
                values.len(),
                design.width()
            )));
        }
        let model = LinearModel {
            weights: values,
            intercept: meta.intercept,
        };
        Ok(Detector {
            meta,
            design,
            model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Vec<Doc> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo.jsonl");
        let mut options = crate::corpus::IngestOptions::default();
        options.fields.remap("source", "label").unwrap();
        options
            .source_values
            .extend_from_spec("human=real,machine=synthetic")
            .unwrap();
        let mut stream = crate::corpus::CorpusStream::open(&[path], &options).unwrap();
        let mut docs = Vec::new();
        while let Some(batch) = stream.next_batch().unwrap() {
            docs.extend(batch);
        }
        docs
    }

    #[test]
    fn save_load_round_trip_scores_identically() {
        let docs = demo();
        let options = TrainOptions {
            lexicon_size: 5,
            ..TrainOptions::default()
        };
        let detector = Detector::train(&docs, &options, &|_| {}).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fp.model");
        detector.save(&path).unwrap();
        let loaded = Detector::load(&path, &EmbedConfig::default()).unwrap();
        assert_eq!(loaded.meta, detector.meta);
        assert_eq!(loaded.score(&docs).unwrap(), detector.score(&docs).unwrap());
        // Same data and seed: the same model, byte for byte.
        let again = Detector::train(&docs, &options, &|_| {}).unwrap();
        again.save(&dir.path().join("again.model")).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(dir.path().join("again.model")).unwrap()
        );
        let t = &detector.meta.threshold;
        assert!(t.fpr.value() <= options.target_fpr + 1.0 / t.fpr.trials as f64);
        assert_eq!(
            t.tpr.trials + t.fpr.trials,
            detector.meta.training.calibration_documents
        );
    }
}
