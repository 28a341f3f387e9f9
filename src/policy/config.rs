//! `[policy]` in driftprint.toml: the thresholds of the synthetic-data gates, checked once.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// As written in the TOML file (unknown keys are errors).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    phase: Option<i64>,
    min_real_share: Option<f64>,
    per_class: Option<bool>,
    min_generators: Option<usize>,
    min_prompts: Option<usize>,
    min_temperatures: Option<usize>,
    min_generator_entropy: Option<f64>,
    max_generator_share: Option<f64>,
    eval_max_synthetic: Option<f64>,
    audit_min_reviewed: Option<usize>,
    audit_max_error: Option<f64>,
    audit_required: Option<String>,
    leakage_jaccard: Option<f64>,
    model: Option<String>,
    ancestry: Option<PathBuf>,
    #[serde(default)]
    train: Vec<PathBuf>,
    #[serde(default)]
    eval: Vec<PathBuf>,
    lock: Option<PathBuf>,
    audit: Option<PathBuf>,
}

/// Whether a missing expert audit of synthetic training data only warns or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Required {
    Warn,
    Fail,
}

/// Checked `[policy]` settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyConfig {
    /// Rollout phase 0–3 (0 prototype: any mix; 1 ≥ 50% real; 2 ≥ 80%; 3 ≥ 95%); None: the
    /// production rule `min_real_share`.
    pub phase: Option<u8>,
    /// Least real share without a phase (default 0.10).
    pub min_real_share: f64,
    /// Apply the mix rule to every class too (minority-class augmentation is where it breaks).
    pub per_class: bool,
    pub min_generators: usize,
    pub min_prompts: usize,
    pub min_temperatures: usize,
    /// Least normalised entropy of the generator shares (1 = even) before a warning.
    pub min_generator_entropy: f64,
    /// Most one generator may produce of the synthetic documents before a warning.
    pub max_generator_share: f64,
    /// Most the estimated synthetic share of the eval set may be (with a detector).
    pub eval_max_synthetic: f64,
    pub audit_min_reviewed: usize,
    /// Most the Wilson 95% upper bound of the audit's label error rate may be.
    pub audit_max_error: f64,
    pub audit_required: Required,
    /// Jaccard of word 5-shingles from which a train/eval pair counts as a near-duplicate.
    pub leakage_jaccard: f64,
    /// The model being trained on this data (for the recursion gate).
    pub model: Option<String>,
    /// Model ancestry file (relative paths from the config's folder).
    pub ancestry: Option<PathBuf>,
    /// The manifest the report's policy stage checks (and `policy check`'s defaults).
    pub train: Vec<PathBuf>,
    pub eval: Vec<PathBuf>,
    pub lock: Option<PathBuf>,
    pub audit: Option<PathBuf>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            phase: None,
            min_real_share: 0.10,
            per_class: true,
            min_generators: 2,
            min_prompts: 2,
            min_temperatures: 2,
            min_generator_entropy: 0.5,
            max_generator_share: 0.8,
            eval_max_synthetic: 0.05,
            audit_min_reviewed: 50,
            audit_max_error: 0.10,
            audit_required: Required::Warn,
            leakage_jaccard: 0.8,
            model: None,
            ancestry: None,
            train: Vec::new(),
            eval: Vec::new(),
            lock: None,
            audit: None,
        }
    }
}

/// The least real share each phase requires.
pub fn phase_min_real(phase: u8) -> f64 {
    match phase {
        0 => 0.0,
        1 => 0.5,
        2 => 0.8,
        _ => 0.95,
    }
}

impl PolicyConfig {
    /// The real share this configuration requires.
    pub fn min_real(&self) -> f64 {
        self.phase.map_or(self.min_real_share, phase_min_real)
    }

    pub(crate) fn check(
        raw: RawPolicy,
        base: &Path,
        err: &dyn Fn(&str, String) -> Error,
    ) -> Result<PolicyConfig> {
        let mut c = PolicyConfig::default();
        let share = |key: &str, v: f64| -> Result<f64> {
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(err(key, format!("must be between 0 and 1, not {v}")))
            }
        };
        if let Some(p) = raw.phase {
            c.phase = Some(parse_phase(p).map_err(|m| err("policy.phase", m))?);
        }
        if let Some(v) = raw.min_real_share {
            c.min_real_share = share("policy.min_real_share", v)?;
        }
        c.per_class = raw.per_class.unwrap_or(c.per_class);
        c.min_generators = raw.min_generators.unwrap_or(c.min_generators);
        c.min_prompts = raw.min_prompts.unwrap_or(c.min_prompts);
        c.min_temperatures = raw.min_temperatures.unwrap_or(c.min_temperatures);
        if let Some(v) = raw.min_generator_entropy {
            c.min_generator_entropy = share("policy.min_generator_entropy", v)?;
        }
        if let Some(v) = raw.max_generator_share {
            c.max_generator_share = share("policy.max_generator_share", v)?;
        }
        if let Some(v) = raw.eval_max_synthetic {
            c.eval_max_synthetic = share("policy.eval_max_synthetic", v)?;
        }
        if let Some(n) = raw.audit_min_reviewed {
            c.audit_min_reviewed = n;
        }
        if let Some(v) = raw.audit_max_error {
            c.audit_max_error = share("policy.audit_max_error", v)?;
        }
        if let Some(r) = raw.audit_required {
            c.audit_required = match r.as_str() {
                "warn" => Required::Warn,
                "fail" => Required::Fail,
                other => {
                    return Err(err(
                        "policy.audit_required",
                        format!("'{other}' is not warn or fail"),
                    ))
                }
            };
        }
        if let Some(v) = raw.leakage_jaccard {
            if !(v > 0.0 && v <= 1.0) {
                return Err(err(
                    "policy.leakage_jaccard",
                    format!("must be in (0, 1], not {v}"),
                ));
            }
            c.leakage_jaccard = v;
        }
        c.model = raw.model;
        c.ancestry = raw.ancestry.map(|p| base.join(p));
        c.train = raw.train.iter().map(|p| base.join(p)).collect();
        c.eval = raw.eval.iter().map(|p| base.join(p)).collect();
        c.lock = raw.lock.map(|p| base.join(p));
        c.audit = raw.audit.map(|p| base.join(p));
        Ok(c)
    }
}

/// A rollout phase: 0 (prototype), 1, 2 or 3.
pub fn parse_phase(p: i64) -> std::result::Result<u8, String> {
    match p {
        0..=3 => Ok(p as u8),
        _ => Err(format!(
            "unknown phase {p}: phases are 0 (prototype, any mix), 1 (>= 50% real), 2 (>= 80%), 3 (>= 95%)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    #[test]
    fn policy_settings_are_checked_with_their_key() {
        let c = Config::parse(
            "[policy]\nphase = 2\naudit_required = \"fail\"\nancestry = \"m.toml\"\n",
            Path::new("conf/c.toml"),
        )
        .unwrap();
        assert_eq!(c.policy.min_real(), 0.8);
        assert_eq!(c.policy.ancestry.as_deref(), Some(Path::new("conf/m.toml")));
        for (line, key) in [
            ("phase = 4", "policy.phase"),
            ("audit_required = \"maybe\"", "policy.audit_required"),
            ("min_real_share = 1.5", "policy.min_real_share"),
            ("leakage_jaccard = 0.0", "policy.leakage_jaccard"),
            ("phases = 1", "phases"),
        ] {
            let e = Config::parse(&format!("[policy]\n{line}\n"), Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("c.toml") && e.contains(key), "{line}: {e}");
        }
    }
}
