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

use super::balance::balanced_weights;
use super::calibration::Platt;
use super::design::{Column, ColumnScaling, DenseRows, Design, Fitted, LmFamily};
use super::evaluation::{metrics, threshold_at_fpr, Metrics, Scored};
use super::fraction::Rate;
use super::learner::{fit, LearnerKind, LinearModel};
use super::lexicon::{self, Lexicon};
use super::model_file;
use crate::corpus::grouping::Grouping;
use crate::corpus::{Doc, Source};
use crate::error::{Error, InputError, Result};
use crate::features::shortcuts::ShortcutAudit;
use crate::features::{
    EmbedConfig, Embedder, FeatureKind, FeatureSettings, Featurizer, Formatting, LmConfig,
    LmScorer, NgramConfig, Normalization,
};
use crate::matrix::SparseMatrix;

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
    /// Whether the target FPR holds over all calibration documents or in each group.
    pub threshold_rule: ThresholdRule,
    /// Lexicon entries kept each way.
    pub lexicon_size: usize,
}

/// How the decision threshold meets the target false-positive rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdRule {
    /// Over the calibration split's human documents pooled.
    Pooled,
    /// In every group (source) with enough human documents in the calibration split: the
    /// highest of the groups' thresholds, so no training source sees more false positives
    /// than the target.
    #[default]
    PerGroup,
}

impl std::str::FromStr for ThresholdRule {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "pooled" => Ok(ThresholdRule::Pooled),
            "per-group" => Ok(ThresholdRule::PerGroup),
            other => Err(format!(
                "unknown threshold rule '{other}' (available: per-group, pooled)"
            )),
        }
    }
}

/// A group sets its own threshold (per-group rule) with at least this many human documents in
/// the calibration split.
pub const MIN_GROUP_HUMANS: usize = 50;

/// The detector's feature families unless asked otherwise: hashed n-grams of the normalised
/// text. Format is left out because layout is a property of how a corpus was collected more
/// often than of who wrote it; stylometry because its strongest columns (word length,
/// lexical diversity) reverse direction between sources and writer groups — held out one
/// source at a time, adding it lowered the mean AUROC (docs/detector.md).
pub const DEFAULT_FEATURES: [FeatureKind; 1] = [FeatureKind::Ngram];

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureSettings {
                kinds: DEFAULT_FEATURES.to_vec(),
                ..FeatureSettings::default()
            },
            learner: LearnerKind::Lbfgs,
            c: 1.0,
            tolerance: 1e-4,
            seed: crate::stats::rng::DEFAULT_SEED,
            target_fpr: 0.01,
            calibration_fraction: 0.2,
            threshold_rule: ThresholdRule::default(),
            lexicon_size: 25,
        }
    }
}

/// The decision rule and the error rates measured for it on the calibration split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// A document is flagged synthetic when its decision value is above this.
    pub decision: f64,
    pub rule: ThresholdRule,
    /// The group whose own threshold is the highest (per-group rule).
    pub set_by: Option<String>,
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

/// How much one feature family moves the detector's score: the standard deviation, over the
/// held-out calibration documents, of the family's part of the decision value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyContribution {
    pub family: FeatureKind,
    pub spread: f64,
    /// spread / the families' spreads summed.
    pub share: f64,
}

/// Each family's contribution to the decisions on rows `x`.
fn contributions(
    design: &Design,
    model: &LinearModel,
    x: &SparseMatrix,
) -> Vec<FamilyContribution> {
    let families = design.kinds();
    let family_of = |j: usize| match design.column(j) {
        Column::Ngram(_) => FeatureKind::Ngram,
        Column::Stylo(_) => FeatureKind::Stylo,
        Column::Format(_) => FeatureKind::Format,
        Column::Lm(_) => FeatureKind::Lm,
        Column::Embed(_) => FeatureKind::Embed,
    };
    let slot: Vec<usize> = (0..design.width())
        .map(|j| {
            families
                .iter()
                .position(|&f| f == family_of(j))
                .unwrap_or(0)
        })
        .collect();
    let mut parts = vec![Vec::with_capacity(x.nrows()); families.len()];
    for i in 0..x.nrows() {
        let mut sums = vec![0.0f64; families.len()];
        let (idx, val) = x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            sums[slot[j as usize]] += model.weights[j as usize] as f64 * v as f64;
        }
        for (p, s) in parts.iter_mut().zip(sums) {
            p.push(s);
        }
    }
    let spreads: Vec<f64> = parts
        .iter()
        .map(|p| {
            let n = p.len().max(1) as f64;
            let mean = p.iter().sum::<f64>() / n;
            (p.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
        })
        .collect();
    let total: f64 = spreads.iter().sum();
    families
        .into_iter()
        .zip(spreads)
        .map(|(family, spread)| FamilyContribution {
            family,
            spread,
            share: if total > 0.0 { spread / total } else { 0.0 },
        })
        .collect()
}

/// The language model a detector was trained with, and its features' scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LmSpec {
    pub model_fingerprint: String,
    pub max_tokens: usize,
    pub scaling: ColumnScaling,
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
    /// What n-grams, stylometry and embeddings saw; scoring applies the same.
    pub normalization: Normalization,
    pub ngram: Option<NgramConfig>,
    pub stylo: Option<ColumnScaling>,
    pub format: Option<ColumnScaling>,
    pub lm: Option<LmSpec>,
    pub embed: Option<EmbedSpec>,
    pub learner: LearnerKind,
    pub c: f64,
    pub tolerance: f64,
    pub seed: u64,
    /// The field whose groups were given equal weight in training, if any.
    pub balance_by: Option<String>,
    pub intercept: f64,
    pub calibration: Platt,
    pub threshold: Threshold,
    pub training: TrainingData,
    /// Measured on the calibration split.
    pub metrics: Metrics,
    /// How much each feature family moves the score on the calibration split.
    pub contributions: Vec<FamilyContribution>,
    pub lexicon: Lexicon,
    /// Style, format and length features that separate the training classes on their own.
    pub shortcuts: ShortcutAudit,
}

/// Labelled documents to train on, with the groups the shortcut audit looks within.
pub struct Labelled<'a> {
    pub docs: &'a [Doc],
    /// Groups (sources): the shortcut audit looks within them, the per-group threshold rule
    /// holds the target FPR in each.
    pub groups: &'a Grouping,
    /// Whether to run the shortcut audit (cross-validation folds skip it).
    pub audit: bool,
    /// Groups given equal weight in the loss (`--balance-by`), if any.
    pub balance: Option<&'a Grouping>,
    /// The documents' raw dense rows, when already computed (cross-validation reuses them).
    pub dense: Option<&'a DenseRows>,
}

/// The audit's columns: every stylometric and format feature of `dense`, prefixed with its
/// family, and whether the design uses it.
pub fn audit_columns(dense: &DenseRows, kinds: &[FeatureKind]) -> Vec<(String, Vec<f64>, bool)> {
    let family = |prefix: &str, names: Vec<String>, rows: &[Vec<f32>], in_use: bool| {
        names
            .into_iter()
            .enumerate()
            .map(|(k, name)| {
                (
                    format!("{prefix}_{name}"),
                    rows.iter().map(|r| r[k] as f64).collect(),
                    in_use,
                )
            })
            .collect::<Vec<_>>()
    };
    let mut columns = family(
        "stylo",
        super::design::stylo_columns(),
        &dense.stylo,
        kinds.contains(&FeatureKind::Stylo),
    );
    columns.extend(family(
        "format",
        Formatting.columns(),
        &dense.format,
        kinds.contains(&FeatureKind::Format),
    ));
    columns
}

pub struct Detector {
    pub meta: DetectorMeta,
    design: Design,
    model: LinearModel,
}

/// The decision threshold on calibration `decisions` (truth `synthetic`) for `target_fpr`, and
/// the group that set it under the per-group rule.
fn threshold(
    decisions: &[f64],
    synthetic: &[bool],
    groups: &Grouping,
    rule: ThresholdRule,
    target_fpr: f64,
) -> (f64, Option<String>) {
    let humans = |group: Option<usize>| -> Vec<f64> {
        decisions
            .iter()
            .zip(synthetic)
            .zip(&groups.of)
            .filter(|((_, &s), &g)| !s && group.is_none_or(|want| g == want))
            .map(|((d, _), _)| *d)
            .collect()
    };
    let pooled = threshold_at_fpr(&mut humans(None), target_fpr);
    if rule == ThresholdRule::Pooled {
        return (pooled, None);
    }
    (0..groups.len())
        .map(|g| (g, humans(Some(g))))
        .filter(|(_, h)| h.len() >= MIN_GROUP_HUMANS)
        .map(|(g, mut h)| {
            (
                threshold_at_fpr(&mut h, target_fpr),
                Some(groups.names[g].clone()),
            )
        })
        .fold(
            (pooled, None),
            |best, t| if t.0 > best.0 { t } else { best },
        )
}

/// Whether a document is held out for calibration: by its pair when it has one (a rewrite
/// whose passage the weights saw would score as the passage does, which biased the
/// calibration split's AUROC on paired corpora down to 0.15), else by its id.
fn in_calibration_split(doc: &Doc, seed: u64, fraction: f64) -> bool {
    let key = doc.lineage.pair().unwrap_or(&doc.id);
    (xxh3_64_with_seed(key.as_bytes(), seed) as f64) < fraction * u64::MAX as f64
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
    /// Trains on labelled documents (source real = human, synthetic = machine).
    pub fn train(data: &Labelled, options: &TrainOptions, step: &dyn Fn(&str)) -> Result<Detector> {
        let docs = data.docs;
        let is_synthetic = |d: &Doc| d.lineage.source == Source::Synthetic;
        let (calibration_rows, fitting_rows): (Vec<usize>, Vec<usize>) =
            (0..docs.len()).partition(|&i| {
                in_calibration_split(&docs[i], options.seed, options.calibration_fraction)
            });
        let count = |rows: &[usize], want: bool| {
            rows.iter()
                .filter(|&&i| is_synthetic(&docs[i]) == want)
                .count()
        };
        let total = |want: bool| docs.iter().filter(|d| is_synthetic(d) == want).count();
        for (name, set) in [
            ("training", &fitting_rows),
            ("calibration", &calibration_rows),
        ] {
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
        step("auditing features");
        let normalization = options.features.normalization;
        let wants_lm = options.features.kinds.contains(&FeatureKind::Lm);
        let computed;
        let dense = match data.dense {
            Some(d) if !wants_lm || d.lm.len() == docs.len() => d,
            given => {
                // The language-model rows of every document, once: the design, the calibration
                // split and the lexicon all read them.
                let rows = given
                    .cloned()
                    .unwrap_or_else(|| DenseRows::compute(docs, normalization));
                computed = match wants_lm {
                    true => {
                        step("scoring with the language model");
                        rows.with_lm(&options.features.lm, docs, normalization)?
                    }
                    false => rows,
                };
                &computed
            }
        };
        let truth_all: Vec<bool> = docs.iter().map(is_synthetic).collect();
        let shortcuts = match data.audit {
            true => ShortcutAudit::run(
                audit_columns(dense, &options.features.kinds),
                &truth_all,
                data.groups,
            ),
            false => ShortcutAudit::default(),
        };
        let pick = |rows: &[usize]| rows.iter().map(|&i| docs[i].clone()).collect::<Vec<_>>();
        let (fitting, calibration) = (pick(&fitting_rows), pick(&calibration_rows));
        step("featurizing");
        let fitting_dense = dense.select(&fitting_rows);
        let Fitted { design, x } =
            Design::fit_transform(&options.features, &fitting, Some(&fitting_dense))?;
        let y: Vec<bool> = fitting.iter().map(is_synthetic).collect();
        let weights = data
            .balance
            .map(|b| balanced_weights(&y, &b.select(&fitting_rows)));
        step("fitting");
        let model = fit(
            options.learner,
            &x,
            &y,
            weights.as_deref(),
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
            &fitting_dense,
            &y,
            options.lexicon_size,
        );
        drop(x);

        step("calibrating");
        let x_cal = design.transform_rows(&calibration, &dense.select(&calibration_rows))?;
        let decisions = model.decision(&x_cal);
        let contributions = contributions(&design, &model, &x_cal);
        let truth: Vec<bool> = calibration.iter().map(is_synthetic).collect();
        let platt = Platt::fit(&decisions, &truth);
        let calibration_groups = data.groups.select(&calibration_rows);
        let (decision, set_by) = threshold(
            &decisions,
            &truth,
            &calibration_groups,
            options.threshold_rule,
            options.target_fpr,
        );
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
            normalization,
            ngram: design.ngrams.as_ref().map(|n| n.config().clone()),
            stylo: design.stylo.clone(),
            format: design.format.clone(),
            lm: design.lm.as_ref().map(|f| LmSpec {
                model_fingerprint: f.scorer.model_fingerprint(),
                max_tokens: f.scorer.config().max_tokens,
                scaling: f.scaling.clone(),
            }),
            embed,
            learner: options.learner,
            c: options.c,
            tolerance: options.tolerance,
            seed: options.seed,
            balance_by: data.balance.map(|b| b.by.clone()),
            intercept: model.intercept,
            calibration: platt,
            threshold: Threshold {
                decision,
                rule: options.threshold_rule,
                set_by,
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
            contributions,
            lexicon,
            shortcuts,
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

    /// `featurize` of documents whose raw dense rows are computed already.
    pub fn featurize_rows(&self, docs: &[Doc], dense: &DenseRows) -> Result<SparseMatrix> {
        self.design.transform_rows(docs, dense)
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

    /// Reads a model file; `models` says where the embedding model and the language model are
    /// when the detector uses them (they must be the ones it was trained with).
    pub fn load(path: &Path, models: &FeatureSettings) -> Result<Detector> {
        let (meta, values): (DetectorMeta, Vec<f32>) = model_file::load(path)?;
        Detector::from_stored(meta, values, path, models)
    }

    /// The detector built into driftprint ([`super::built_in`]), used where no model is
    /// configured.
    pub fn built_in(models: &FeatureSettings) -> Result<Detector> {
        let origin = Path::new(super::built_in::NAME);
        let (meta, values) = model_file::parse(super::built_in::BYTES, origin)?;
        Detector::from_stored(meta, values, origin, models)
    }

    /// A detector from a model file's metadata and values; `path` names it in errors.
    fn from_stored(
        meta: DetectorMeta,
        mut values: Vec<f32>,
        path: &Path,
        models: &FeatureSettings,
    ) -> Result<Detector> {
        let bad = |m: String| Error::Input(InputError::file(path, m));
        let embed = &models.embed;
        let lm = match &meta.lm {
            Some(spec) => {
                let config = LmConfig {
                    max_tokens: spec.max_tokens,
                    ..models.lm.clone()
                };
                let scorer = LmScorer::new(&config, meta.normalization)?;
                let found = scorer.model_fingerprint();
                if found != spec.model_fingerprint {
                    return Err(bad(format!(
                        "the model was trained with another language model (file hash {}, the one found has {found}): point --lm-dir at the model it was trained with, or retrain",
                        spec.model_fingerprint
                    )));
                }
                Some(LmFamily {
                    scorer,
                    scaling: spec.scaling.clone(),
                })
            }
            None => None,
        };
        let embedder = match &meta.embed {
            Some(spec) => {
                let config = EmbedConfig {
                    max_tokens: spec.max_tokens,
                    chunked: spec.chunked,
                    ..embed.clone()
                };
                let e = Embedder::new(&config)?.normalizing(meta.normalization);
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
        let design = Design::from_parts(
            meta.normalization,
            ngram,
            meta.stylo.clone(),
            meta.format.clone(),
            lm,
            embedder,
        )
        .map_err(|e| match e {
            Error::Data(m) => bad(m),
            other => other,
        })?;
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
    fn per_group_threshold_holds_the_target_in_the_hardest_group() {
        // Group "easy": 100 humans scoring 0..1; group "hard": 100 humans scoring 1..2.
        let mut decisions: Vec<f64> = (0..100).map(|i| i as f64 / 100.0).collect();
        decisions.extend((0..100).map(|i| 1.0 + i as f64 / 100.0));
        let synthetic = vec![false; 200];
        let labels: Vec<String> = (0..200)
            .map(|i| if i < 100 { "easy" } else { "hard" }.to_string())
            .collect();
        let groups = Grouping::from_labels("file", &labels);
        let (pooled, none) =
            threshold(&decisions, &synthetic, &groups, ThresholdRule::Pooled, 0.01);
        assert!((pooled - 1.97).abs() < 1e-12, "3rd highest of 200 pooled");
        assert_eq!(none, None);
        let (per_group, by) = threshold(
            &decisions,
            &synthetic,
            &groups,
            ThresholdRule::PerGroup,
            0.01,
        );
        assert!(
            (per_group - 1.98).abs() < 1e-12,
            "2nd highest of the hard group's 100"
        );
        assert_eq!(by.as_deref(), Some("hard"));
        // A group under MIN_GROUP_HUMANS sets nothing: 49 hard humans leave the pooled rule.
        let few = groups.select(&(0..149).collect::<Vec<_>>());
        let rule = |r| threshold(&decisions[..149], &synthetic[..149], &few, r, 0.01);
        let (pooled, _) = rule(ThresholdRule::Pooled);
        assert_eq!(rule(ThresholdRule::PerGroup), (pooled, None));
    }

    #[test]
    fn save_load_round_trip_scores_identically() {
        let docs = demo();
        let options = TrainOptions {
            lexicon_size: 5,
            ..TrainOptions::default()
        };
        let groups = Grouping::from_labels("file", &vec!["demo".to_string(); docs.len()]);
        let data = Labelled {
            docs: &docs,
            groups: &groups,
            audit: true,
            balance: None,
            dense: None,
        };
        let detector = Detector::train(&data, &options, &|_| {}).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fp.model");
        detector.save(&path).unwrap();
        let loaded = Detector::load(&path, &FeatureSettings::default()).unwrap();
        assert_eq!(loaded.meta, detector.meta);
        assert_eq!(loaded.score(&docs).unwrap(), detector.score(&docs).unwrap());
        // Same data and seed: the same model, byte for byte.
        let again = Detector::train(&data, &options, &|_| {}).unwrap();
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
