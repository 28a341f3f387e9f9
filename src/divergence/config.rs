//! The checked `[drift]` section: which tests run and gate, at what false-alarm rate, on how
//! large a sample, with which per-test parameters.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::checks::{check_dim, check_open_unit, KeyError};
use crate::error::Result;

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

/// `[drift]`: which tests run and gate, the false-alarm rate, thresholds, per-test parameters.
/// (No `deny_unknown_fields`: it cannot see through `flatten`; `check_drift` names any key
/// that is neither a setting nor a registered test.)
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawDrift {
    alpha: Option<f64>,
    max_per_side: Option<usize>,
    tests: Option<Vec<String>>,
    gate: Option<Vec<String>>,
    #[serde(default)]
    thresholds: BTreeMap<String, f64>,
    calibrated_n: Option<usize>,
    /// `[drift.<test>]`: each registered test's parameter table, keyed by the registry's names.
    #[serde(flatten)]
    test_params: BTreeMap<String, toml::Value>,
}

/// The `[drift]` keys that are settings, not test tables (for the unknown-key message).
const DRIFT_SETTINGS: [&str; 6] = [
    "alpha",
    "max_per_side",
    "tests",
    "gate",
    "thresholds",
    "calibrated_n",
];

impl DriftConfig {
    /// Checks `[drift]` once: every key known, every value in range, every test table built.
    pub(crate) fn check(raw: RawDrift, err: KeyError) -> Result<DriftConfig> {
        let mut drift = DriftConfig::default();
        if let Some(a) = raw.alpha {
            drift.alpha = check_open_unit(a).map_err(|m| err("drift.alpha", m))?;
        }
        if let Some(m) = raw.max_per_side {
            check_dim(m, 1_000_000).map_err(|msg| err("drift.max_per_side", msg))?;
            drift.max_per_side = m;
        }
        let known = |key: &str, names: &[String]| -> Result<()> {
            for name in names {
                if super::registry::find(name).is_none() {
                    return Err(err(
                        key,
                        format!(
                            "unknown test '{name}' (known: {})",
                            super::registry::names().join(", ")
                        ),
                    ));
                }
            }
            Ok(())
        };
        if let Some(tests) = raw.tests {
            known("drift.tests", &tests)?;
            drift.tests = tests;
        }
        if let Some(gate) = raw.gate {
            known("drift.gate", &gate)?;
            drift.gate = gate;
        }
        for name in &drift.gate {
            if !drift.tests.contains(name) {
                drift.tests.push(name.clone());
            }
        }
        let threshold_names: Vec<String> = raw.thresholds.keys().cloned().collect();
        known("drift.thresholds", &threshold_names)?;
        for (name, value) in &raw.thresholds {
            if !value.is_finite() {
                return Err(err(
                    &format!("drift.thresholds.{name}"),
                    format!("must be a finite number, not {value}"),
                ));
            }
        }
        drift.thresholds = raw.thresholds;
        drift.calibrated_n = raw.calibrated_n;
        for (name, value) in raw.test_params {
            let key = format!("drift.{name}");
            if super::registry::find(&name).is_none() {
                return Err(err(
                    &key,
                    format!(
                        "unknown key: neither a setting ({}) nor a test (known: {})",
                        DRIFT_SETTINGS.join(", "),
                        super::registry::names().join(", ")
                    ),
                ));
            }
            let toml::Value::Table(table) = value else {
                return Err(err(
                    &key,
                    format!("must be the test's parameter table ([drift.{name}]), not {value}"),
                ));
            };
            // Build once now so a bad parameter fails at load time, naming its key.
            super::registry::build(&name, &table, &drift).map_err(|e| err(&key, e))?;
            drift.params.insert(name, table);
        }
        Ok(drift)
    }
}
