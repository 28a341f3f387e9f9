//! Real-vs-synthetic distribution tests. Each test is one file implementing [`Divergence`], and
//! every test returns the same [`TestResult`] shape (like alibi-detect's result dictionary), so
//! reports and gates never special-case a test.

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::Result;

pub mod c2st;
pub mod config;
pub mod drift_audit;
pub mod frechet;
pub mod improved_pr;
pub mod jensen_shannon;
pub mod mauve;
pub mod mmd;
pub mod mmd_rff;
pub mod pca_view;
pub mod prdc;
pub mod psi;
pub mod registry;
pub mod suite;
pub mod univariate;
pub mod vendi;
pub mod wasserstein;

pub use config::DriftConfig;

/// One side of a comparison: a dense matrix (rows = documents) with row ids and column names,
/// plus the texts when the vectors came from a corpus (token-level tests need them).
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub values: ArrayView2<'a, f32>,
    pub ids: &'a [String],
    pub names: &'a [String],
    pub texts: Option<&'a [String]>,
}

impl<'a> Sample<'a> {
    pub fn new(values: ArrayView2<'a, f32>, ids: &'a [String], names: &'a [String]) -> Self {
        debug_assert_eq!(values.nrows(), ids.len());
        debug_assert_eq!(values.ncols(), names.len());
        Sample {
            values,
            ids,
            names,
            texts: None,
        }
    }

    pub fn with_texts(mut self, texts: &'a [String]) -> Self {
        self.texts = Some(texts);
        self
    }

    pub fn len(&self) -> usize {
        self.values.nrows()
    }

    pub fn is_empty(&self) -> bool {
        self.values.nrows() == 0
    }
}

/// What the threshold of a test is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdKind {
    /// Drift when the p-value is below the threshold (α).
    PValueBelow,
    /// Drift when the statistic exceeds the threshold (distances, PSI).
    StatisticAbove,
    /// Drift when the statistic falls below the threshold (MAUVE, recall, coverage, Vendi ratio).
    StatisticBelow,
}

/// Which side of the comparison a document is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Reference,
    Candidate,
}

/// A document that drives the result (e.g. the largest |witness function| of MMD).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Witness {
    pub side: Side,
    /// Row in that side's matrix.
    pub row: usize,
    pub id: String,
    pub score: f64,
}

/// A feature that drives the result (per-feature test statistic, classifier weight...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureScore {
    pub feature: String,
    pub statistic: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// p-value after multiple-testing adjustment across features (Benjamini–Hochberg).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted_p: Option<f64>,
    #[serde(default)]
    pub drifted: bool,
}

/// What a person acts on: a one-line explanation, extra named numbers, features and documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    pub summary: String,
    /// Secondary numbers (e.g. PRDC's four values, bandwidth, permutations run).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<FeatureScore>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<Witness>,
}

/// The one result shape of every test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// Stable machine name (`mmd`, `c2st`, `mauve`...).
    pub test: String,
    /// What the statistic is (`MMD²`, `AUROC`...), for tables.
    pub statistic_name: String,
    pub statistic: f64,
    pub p_value: Option<f64>,
    pub threshold: f64,
    pub threshold_kind: ThresholdKind,
    pub drifted: bool,
    pub details: Details,
}

impl TestResult {
    /// Builds a result and decides `drifted` from the threshold rule.
    pub fn decide(
        test: &str,
        statistic_name: &str,
        statistic: f64,
        p_value: Option<f64>,
        threshold: f64,
        threshold_kind: ThresholdKind,
        details: Details,
    ) -> TestResult {
        let drifted = match threshold_kind {
            ThresholdKind::PValueBelow => p_value.is_some_and(|p| p < threshold),
            ThresholdKind::StatisticAbove => statistic > threshold,
            ThresholdKind::StatisticBelow => statistic < threshold,
        };
        TestResult {
            test: test.to_string(),
            statistic_name: statistic_name.to_string(),
            statistic,
            p_value,
            threshold,
            threshold_kind,
            drifted,
            details,
        }
    }
}

/// A two-sample test: reference (real) vs candidate (synthetic). Every random choice derives
/// from `seed`, so the same inputs and seed give the same result on any thread count.
pub trait Divergence: Send + Sync {
    /// Stable machine name, also the config section (`[drift.mmd]`).
    fn name(&self) -> &'static str;

    fn compare(&self, reference: &Sample, candidate: &Sample, seed: u64) -> Result<TestResult>;
}

/// A p-value for people: three significant digits, or "< 1e-300" style bounds near zero.
pub fn format_p(p: f64) -> String {
    if p.is_nan() {
        "n/a".to_string()
    } else if p < 1e-300 {
        "< 1e-300".to_string()
    } else if p < 0.001 {
        format!("{p:.2e}")
    } else {
        format!("{p:.3}")
    }
}
