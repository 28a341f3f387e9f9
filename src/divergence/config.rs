//! The checked `[drift]` section: which tests run and gate, at what false-alarm rate, on how
//! large a sample, with which per-test parameters.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::registry::{self, TestInfo};
use super::Divergence;

use crate::checks::{check_dim, check_open_unit, KeyError};
use crate::error::Result;

/// Checked `[drift]` settings, with each configured test built once by the check. The fields
/// that decide how a test is built are read-only, so the built tests cannot go stale.
#[derive(Clone)]
pub struct DriftConfig {
    alpha: f64,
    /// Seeded subsample cap per side, so time and memory stay bounded.
    pub max_per_side: usize,
    /// Tests that run (report), in order, each built from its parameter table.
    tests: Vec<ConfiguredTest>,
    /// Tests that gate (decide the exit code).
    gate: Vec<String>,
    thresholds: BTreeMap<String, f64>,
    /// Per-side sample size the thresholds were calibrated for.
    pub calibrated_n: Option<usize>,
}

/// A test of the run: what the registry says of it, its `[drift.<name>]` table, and the test
/// built from it.
#[derive(Clone)]
pub struct ConfiguredTest {
    pub info: TestInfo,
    pub params: toml::Table,
    pub test: Arc<dyn Divergence>,
}

impl DriftConfig {
    /// Family-wise false-alarm rate of the release gate (Holm across gated p-values).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The tests that run, in order.
    pub fn tests(&self) -> &[ConfiguredTest] {
        &self.tests
    }

    /// The tests that gate the release.
    pub fn gate(&self) -> &[String] {
        &self.gate
    }

    /// Statistic thresholds of tests without p-values (from `driftprint calibrate`).
    pub fn thresholds(&self) -> &BTreeMap<String, f64> {
        &self.thresholds
    }
}

/// What the settings digest and equality see: every setting, each test by name and table.
impl std::fmt::Debug for DriftConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tests: Vec<(&str, &toml::Table)> = self
            .tests
            .iter()
            .map(|t| (t.info.name, &t.params))
            .collect();
        f.debug_struct("DriftConfig")
            .field("alpha", &self.alpha)
            .field("max_per_side", &self.max_per_side)
            .field("tests", &tests)
            .field("gate", &self.gate)
            .field("thresholds", &self.thresholds)
            .field("calibrated_n", &self.calibrated_n)
            .finish()
    }
}

impl PartialEq for DriftConfig {
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

impl Default for DriftConfig {
    fn default() -> Self {
        DriftConfig::check(RawDrift::default(), &|key, message| {
            crate::error::Error::Usage(format!("{key}: {message}"))
        })
        .expect("the default tests build from empty tables")
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
    /// Checks `[drift]` once: every key known, every value in range, every test built.
    pub(crate) fn check(raw: RawDrift, err: KeyError) -> Result<DriftConfig> {
        let registry = registry::all();
        let defaults = |pick: fn(&TestInfo) -> bool| -> Vec<String> {
            registry
                .iter()
                .filter(|t| pick(t))
                .map(|t| t.name.to_string())
                .collect()
        };
        let mut drift = DriftConfig {
            alpha: 0.05,
            max_per_side: 5000,
            tests: Vec::new(),
            gate: defaults(|t| t.default_gate),
            thresholds: BTreeMap::new(),
            calibrated_n: raw.calibrated_n,
        };
        if let Some(a) = raw.alpha {
            drift.alpha = check_open_unit(a).map_err(|m| err("drift.alpha", m))?;
        }
        if let Some(m) = raw.max_per_side {
            check_dim(m, 1_000_000).map_err(|msg| err("drift.max_per_side", msg))?;
            drift.max_per_side = m;
        }
        let known = |key: &str, names: &[String]| -> Result<()> {
            for name in names {
                if registry::find(name).is_none() {
                    return Err(err(
                        key,
                        format!(
                            "unknown test '{name}' (known: {})",
                            registry::names().join(", ")
                        ),
                    ));
                }
            }
            Ok(())
        };
        // An empty list is a mistake, never a setting: the suite would pass with nothing
        // tested or gated, and a release would go out on "0 gated".
        let not_empty = |key: &str, names: &[String], what: &str| -> Result<()> {
            match names.is_empty() {
                true => Err(err(
                    key,
                    format!(
                        "is empty, so {what}; name at least one test (known: {}), or leave the \
                         key out for the default",
                        registry::names().join(", ")
                    ),
                )),
                false => Ok(()),
            }
        };
        let mut names = defaults(|t| t.default_run);
        if let Some(tests) = raw.tests {
            not_empty("drift.tests", &tests, "no drift test would run")?;
            known("drift.tests", &tests)?;
            names = tests;
            // The default gate gates what runs; it does not add tests nobody asked for.
            drift.gate.retain(|name| names.contains(name));
        }
        if let Some(gate) = raw.gate {
            // An empty gate is allowed (drift as a report only); the verdict warns about it.
            known("drift.gate", &gate)?;
            drift.gate = gate;
        }
        for name in &drift.gate {
            if !names.contains(name) {
                names.push(name.clone());
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
        let mut params = BTreeMap::new();
        for (name, value) in raw.test_params {
            let key = format!("drift.{name}");
            if registry::find(&name).is_none() {
                return Err(err(
                    &key,
                    format!(
                        "unknown key: neither a setting ({}) nor a test (known: {})",
                        DRIFT_SETTINGS.join(", "),
                        registry::names().join(", ")
                    ),
                ));
            }
            let toml::Value::Table(table) = value else {
                return Err(err(
                    &key,
                    format!("must be the test's parameter table ([drift.{name}]), not {value}"),
                ));
            };
            if !names.contains(&name) {
                // The table of a test that does not run is checked too: a typo never waits.
                registry::build(&name, &table, &drift).map_err(|e| err(&key, e))?;
            }
            params.insert(name, table);
        }
        for name in names {
            let info = registry::find(&name).expect("checked above");
            let params = params.get(&name).cloned().unwrap_or_default();
            let test = registry::build(&name, &params, &drift)
                .map_err(|e| err(&format!("drift.{name}"), e))?;
            drift.tests.push(ConfiguredTest {
                info,
                params,
                test: Arc::from(test),
            });
        }
        Ok(drift)
    }
}
