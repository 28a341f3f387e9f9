//! The `[fingerprint]` section: how the detector is trained, raw (as written) and checked once.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::checks::{check_dim, check_open_unit, check_positive, relative_to, KeyError};
use crate::corpus::grouping::GroupBy;
use crate::error::Result;
use crate::features::FeatureKind;
use crate::fingerprint::learner::LearnerKind;

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
            balance_by: Some(GroupBy::File),
            model: None,
            train: Vec::new(),
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
        Ok(fingerprint)
    }
}
