//! The `[collapse]` section: the collapse test's settings, raw (as written) and checked once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::checks::{check_open_unit, relative_to, KeyError};
use crate::error::Result;

/// `[collapse]`: the collapse test's settings (`driftprint collapse`, the report's stage).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCollapse {
    alpha: Option<f64>,
    #[serde(default)]
    thresholds: BTreeMap<String, f64>,
    self_bleu_sample: Option<usize>,
    embed: Option<bool>,
    lm: Option<bool>,
    reference: Option<Vec<PathBuf>>,
    /// Corpora with a `generation` field the report's collapse stage reads (default: the
    /// `[ingest]` inputs).
    inputs: Option<Vec<PathBuf>>,
}

/// Checked `[collapse]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CollapseConfig {
    /// Family-wise false-alarm rate (Holm across the metrics' trend tests).
    pub alpha: f64,
    /// Per-metric alarm levels (metric name → value), overriding the built-in ones.
    pub thresholds: BTreeMap<String, f64>,
    /// Documents per generation sampled for self-BLEU.
    pub self_bleu_sample: usize,
    /// Also measure embedding diversity (Vendi, cosine spread, PRDC) with MiniLM.
    pub embed: bool,
    /// Also measure the mean token log-likelihood under the small language model.
    pub lm: bool,
    /// Real documents the generations are compared with (else generation 0).
    pub reference: Vec<PathBuf>,
    /// The corpora the report's collapse stage reads; empty: the `[ingest]` inputs.
    pub inputs: Vec<PathBuf>,
}

impl Default for CollapseConfig {
    fn default() -> Self {
        CollapseConfig {
            alpha: 0.05,
            thresholds: BTreeMap::new(),
            self_bleu_sample: 200,
            embed: false,
            lm: false,
            reference: Vec::new(),
            inputs: Vec::new(),
        }
    }
}

/// Documents sampled per generation for self-BLEU: at least a pair.
pub fn check_self_bleu_sample(n: usize) -> std::result::Result<usize, String> {
    if n >= 2 {
        Ok(n)
    } else {
        Err(format!("must be at least 2, not {n}"))
    }
}

impl CollapseConfig {
    /// Checks `[collapse]`; paths are relative to `base`, the config file's folder.
    pub(crate) fn check(raw: RawCollapse, base: &Path, err: KeyError) -> Result<Self> {
        let mut c = CollapseConfig::default();
        if let Some(a) = raw.alpha {
            c.alpha = check_open_unit(a).map_err(|m| err("collapse.alpha", m))?;
        }
        for (metric, value) in raw.thresholds {
            if !value.is_finite() {
                return Err(err(
                    &format!("collapse.thresholds.{metric}"),
                    format!("must be a finite number, not {value}"),
                ));
            }
            c.thresholds.insert(metric, value);
        }
        if let Some(n) = raw.self_bleu_sample {
            c.self_bleu_sample =
                check_self_bleu_sample(n).map_err(|m| err("collapse.self_bleu_sample", m))?;
        }
        c.embed = raw.embed.unwrap_or(false);
        c.lm = raw.lm.unwrap_or(false);
        c.reference = relative_to(base, raw.reference);
        c.inputs = relative_to(base, raw.inputs);
        Ok(c)
    }
}
