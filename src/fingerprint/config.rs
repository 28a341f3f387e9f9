//! The `[fingerprint]` section: how the detector is trained, raw (as written) and checked once.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::checks::{check_dim, check_open_unit, check_positive, relative_to, KeyError};
use crate::corpus::grouping::GroupBy;
use crate::error::Result;
use crate::features::FeatureKind;
use crate::fingerprint::contamination::ContaminationRules;
use crate::fingerprint::learner::LearnerKind;

/// Most documents per side the strength may sample: each costs its n-gram counts in memory
/// (about 16 KB for a page of text) and five model fits.
pub const MAX_STRENGTH_SAMPLE: usize = 50_000;

/// `[fingerprint]`: how the detector is trained (`driftprint fingerprint train`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFingerprint {
    features: Option<Vec<String>>,
    learner: Option<String>,
    c: Option<f64>,
    tolerance: Option<f64>,
    target_fpr: Option<f64>,
    calibration_fraction: Option<f64>,
    threshold_rule: Option<String>,
    lexicon_size: Option<usize>,
    group_by: Option<String>,
    balance_by: Option<String>,
    /// A trained model (relative to the config file's directory), for scoring.
    model: Option<PathBuf>,
    /// Labelled corpora the report trains its detector on when `model` is unset or missing.
    train: Option<Vec<PathBuf>>,
    max_strength: Option<f64>,
    warn_strength: Option<f64>,
    strength_sample: Option<usize>,
    strength_folds: Option<usize>,
    min_slice_documents: Option<usize>,
    max_real_contamination: Option<f64>,
    contamination_min_documents: Option<u64>,
    max_interval_width: Option<f64>,
    trusted_real: Option<Vec<PathBuf>>,
}

/// The report's fingerprint strength: how it is measured and gated.
#[derive(Debug, Clone, PartialEq)]
pub struct StrengthConfig {
    /// A strength whose interval lies above this blocks the release.
    pub max: f64,
    /// A strength above this warns.
    pub warn: f64,
    /// Documents sampled per side (seeded bottom-k).
    pub sample: usize,
    pub folds: usize,
    /// Fewest sampled synthetic documents a slice needs to be ranked.
    pub min_slice: usize,
}

impl Default for StrengthConfig {
    /// Chosen from measurements: docs/fingerprint.md, "Choosing the gate".
    fn default() -> Self {
        StrengthConfig {
            max: 0.95,
            warn: 0.8,
            sample: 5000,
            folds: 5,
            min_slice: 20,
        }
    }
}

/// The report's contamination check of the real side.
#[derive(Debug, Clone, PartialEq)]
pub struct ContaminationConfig {
    pub rules: ContaminationRules,
    /// Human text the user trusts: the detector's FPR is measured on it.
    pub trusted_real: Vec<PathBuf>,
}

impl Default for ContaminationConfig {
    fn default() -> Self {
        ContaminationConfig {
            rules: ContaminationRules {
                max_share: 0.05,
                min_documents: 30,
                max_width: 0.2,
                level: 0.95,
            },
            trusted_real: Vec::new(),
        }
    }
}

/// Checked `[fingerprint]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerprintConfig {
    /// Feature families of the detector (default: ngram, stylo).
    pub features: Vec<FeatureKind>,
    pub learner: LearnerKind,
    pub c: f64,
    pub tolerance: f64,
    pub target_fpr: f64,
    pub calibration_fraction: f64,
    pub threshold_rule: crate::fingerprint::detector::ThresholdRule,
    pub lexicon_size: usize,
    /// Groups (sources) the shortcut audit and `eval --cv source` look within.
    pub group_by: GroupBy,
    /// Groups given equal weight in training, if any.
    pub balance_by: Option<GroupBy>,
    pub model: Option<PathBuf>,
    /// Labelled corpora the report trains a detector on when `model` is unset or missing.
    pub train: Vec<PathBuf>,
    pub strength: StrengthConfig,
    pub contamination: ContaminationConfig,
}

impl Default for FingerprintConfig {
    fn default() -> Self {
        let options = crate::fingerprint::TrainOptions::default();
        FingerprintConfig {
            features: options.features.kinds,
            learner: options.learner,
            c: options.c,
            tolerance: options.tolerance,
            target_fpr: options.target_fpr,
            calibration_fraction: options.calibration_fraction,
            threshold_rule: options.threshold_rule,
            lexicon_size: options.lexicon_size,
            group_by: GroupBy::File,
            // Each domain of each file weighs the same (a corpus without domains: each file);
            // chosen by the two held-out protocols of docs/detector.md.
            balance_by: Some(GroupBy::Joint(vec![
                GroupBy::File,
                GroupBy::Field("domain".into()),
            ])),
            model: None,
            train: Vec::new(),
            strength: StrengthConfig::default(),
            contamination: ContaminationConfig::default(),
        }
    }
}

impl FingerprintConfig {
    /// Checks `[fingerprint]`; paths are relative to `base`, the config file's folder.
    pub(crate) fn check(raw: RawFingerprint, base: &Path, err: KeyError) -> Result<Self> {
        let mut fingerprint = FingerprintConfig::default();
        if let Some(sets) = &raw.features {
            fingerprint.features = FeatureKind::parse_list(&sets.join(","))
                .map_err(|m| err("fingerprint.features", m))?;
        }
        if let Some(l) = &raw.learner {
            fingerprint.learner = l.parse().map_err(|m| err("fingerprint.learner", m))?;
        }
        if let Some(c) = raw.c {
            fingerprint.c = check_positive(c).map_err(|m| err("fingerprint.c", m))?;
        }
        if let Some(t) = raw.tolerance {
            fingerprint.tolerance =
                check_positive(t).map_err(|m| err("fingerprint.tolerance", m))?;
        }
        if let Some(v) = raw.target_fpr {
            fingerprint.target_fpr =
                check_open_unit(v).map_err(|m| err("fingerprint.target_fpr", m))?;
        }
        if let Some(v) = raw.calibration_fraction {
            fingerprint.calibration_fraction =
                check_open_unit(v).map_err(|m| err("fingerprint.calibration_fraction", m))?;
        }
        if let Some(n) = raw.lexicon_size {
            check_dim(n, 10_000).map_err(|m| err("fingerprint.lexicon_size", m))?;
            fingerprint.lexicon_size = n;
        }
        if let Some(r) = &raw.threshold_rule {
            fingerprint.threshold_rule = r
                .parse()
                .map_err(|m| err("fingerprint.threshold_rule", m))?;
        }
        if let Some(g) = &raw.group_by {
            fingerprint.group_by = g.parse().map_err(|m| err("fingerprint.group_by", m))?;
        }
        if let Some(g) = &raw.balance_by {
            fingerprint.balance_by =
                GroupBy::parse_optional(g).map_err(|m| err("fingerprint.balance_by", m))?;
        }
        fingerprint.model = raw.model.map(|p| base.join(p));
        fingerprint.train = relative_to(base, raw.train);
        let strength = &mut fingerprint.strength;
        let auroc = |v: f64| {
            if (0.5..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(format!(
                    "must be an AUROC between 0.5 (no fingerprint) and 1, not {v}"
                ))
            }
        };
        if let Some(v) = raw.max_strength {
            strength.max = auroc(v).map_err(|m| err("fingerprint.max_strength", m))?;
        }
        if let Some(v) = raw.warn_strength {
            strength.warn = auroc(v).map_err(|m| err("fingerprint.warn_strength", m))?;
        }
        if strength.warn > strength.max {
            return Err(err(
                "fingerprint.warn_strength",
                format!(
                    "{} is above max_strength {}: the warning band lies below the limit",
                    strength.warn, strength.max
                ),
            ));
        }
        if let Some(n) = raw.strength_sample {
            check_dim(n, MAX_STRENGTH_SAMPLE).map_err(|m| err("fingerprint.strength_sample", m))?;
            strength.sample = n;
        }
        if let Some(k) = raw.strength_folds {
            if !(2..=20).contains(&k) {
                return Err(err(
                    "fingerprint.strength_folds",
                    format!("must be between 2 and 20, not {k}"),
                ));
            }
            strength.folds = k;
        }
        if let Some(n) = raw.min_slice_documents {
            check_dim(n, MAX_STRENGTH_SAMPLE)
                .map_err(|m| err("fingerprint.min_slice_documents", m))?;
            strength.min_slice = n;
        }
        let rules = &mut fingerprint.contamination.rules;
        if let Some(v) = raw.max_real_contamination {
            rules.max_share =
                check_open_unit(v).map_err(|m| err("fingerprint.max_real_contamination", m))?;
        }
        if let Some(n) = raw.contamination_min_documents {
            rules.min_documents = n;
        }
        if let Some(v) = raw.max_interval_width {
            rules.max_width =
                check_open_unit(v).map_err(|m| err("fingerprint.max_interval_width", m))?;
        }
        fingerprint.contamination.trusted_real = relative_to(base, raw.trusted_real);
        Ok(fingerprint)
    }
}
