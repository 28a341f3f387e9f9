//! The checked `[drift]` section: which tests run and gate, at what false-alarm rate, on how
//! large a sample, with which per-test parameters.

use std::collections::BTreeMap;

/// Checked `[drift]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftConfig {
    /// Family-wise false-alarm rate of the release gate (Holm across gated p-values).
    pub alpha: f64,
    /// Seeded subsample cap per side, so time and memory stay bounded.
    pub max_per_side: usize,
    /// Tests that run (report) and tests that gate (decide the exit code).
    pub tests: Vec<String>,
    pub gate: Vec<String>,
    /// Statistic thresholds of tests without p-values (from `driftprint calibrate`).
    pub thresholds: BTreeMap<String, f64>,
    /// Per-side sample size the thresholds were calibrated for.
    pub calibrated_n: Option<usize>,
    /// Per-test parameter tables (`[drift.mmd]`), validated by the test registry.
    pub params: BTreeMap<String, toml::Table>,
}

impl Default for DriftConfig {
    fn default() -> Self {
        let registry = super::registry::all();
        DriftConfig {
            alpha: 0.05,
            max_per_side: 5000,
            tests: registry
                .iter()
                .filter(|t| t.default_run)
                .map(|t| t.name.to_string())
                .collect(),
            gate: registry
                .iter()
                .filter(|t| t.default_gate)
                .map(|t| t.name.to_string())
                .collect(),
            thresholds: BTreeMap::new(),
            calibrated_n: None,
            params: BTreeMap::new(),
        }
    }
}
