//! `driftprint calibrate`: thresholds for statistics without p-values, from their distribution
//! when nothing drifted — repeated seeded real-vs-real splits of the reference at the
//! candidate's sample size. Also reports how often each p-value test rejects on those splits
//! (it should be about α).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use rand::seq::SliceRandom;
use serde::Serialize;

use super::drift::{Featurized, Sides};
use crate::config::Config;
use crate::corpus::sample::BottomK;
use crate::corpus::{CorpusStream, Doc};
use crate::divergence::suite::{statistic_level, Suite};
use crate::divergence::ThresholdKind;
use crate::error::{Error, Result};
use crate::stats::rng::seeded;

/// What calibration found for one test.
#[derive(Debug, Clone, Serialize)]
pub struct Calibrated {
    pub test: String,
    /// The calibrated threshold (tests without p-values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The null false-alarm level the threshold is set at: α, or a gated test's share of α.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    /// Share of real-vs-real splits a p-value test rejected at α (should be ≈ α).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_rejection_rate: Option<f64>,
    /// The statistic on every split, in split order.
    pub null_statistics: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub n_per_side: usize,
    pub splits: usize,
    pub alpha: f64,
    pub seed: u64,
    pub tests: Vec<Calibrated>,
}

/// The empirical q-quantile (linear interpolation, as numpy's default).
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

fn reference_docs(sides: &Sides, config: &Config, cap: usize) -> Result<Vec<Doc>> {
    let mut sample = BottomK::new(cap, config.seed, 11);
    type Keep = Box<dyn Fn(&Doc) -> bool>;
    let (paths, filter): (&[PathBuf], Keep) = match sides {
        Sides::Separate { reference, .. } => (reference, Box::new(|_| true)),
        Sides::SplitBy {
            inputs,
            field,
            reference_value,
            ..
        } => {
            let (field, value) = (field.clone(), reference_value.clone());
            (
                inputs,
                Box::new(move |d: &Doc| d.lineage.field(&field).as_deref() == Some(value.as_str())),
            )
        }
    };
    let mut stream = CorpusStream::open(paths, &config.ingest)?;
    while let Some(batch) = stream.next_batch()? {
        batch
            .iter()
            .filter(|d| filter(d))
            .for_each(|d| sample.offer(d));
    }
    stream.finish()?;
    Ok(sample.into_docs())
}

/// Splits draw their two halves of `n` from a seeded sample of up to `POOL × n` reference
/// documents: with a pool of just 2n every split would reshuffle the same documents, and the
/// splits' outcomes would measure that pool more than the reference distribution.
const POOL: usize = 4;

/// Runs the configured tests on `splits` seeded halves of the reference, `n` documents each.
pub fn run(
    sides: &Sides,
    n: Option<usize>,
    splits: usize,
    config: &Config,
    progress: &dyn Fn(&str),
) -> Result<Calibration> {
    let cap = n.map_or(2 * config.drift.max_per_side, |n| POOL * n);
    let docs = reference_docs(sides, config, cap)?;
    let n = n.unwrap_or(docs.len() / 2).min(docs.len() / 2);
    if n < 10 {
        return Err(Error::Usage(format!(
            "calibrate needs at least 20 reference documents (two halves of 10); found {}",
            docs.len()
        )));
    }
    let suite = Suite::new(&config.drift);
    let fitted = Featurized::fit(config, &docs)?;
    let mut per_test: BTreeMap<String, (Option<ThresholdKind>, Vec<f64>, usize, usize)> =
        BTreeMap::new();
    for split in 0..splits {
        progress(&format!("split {}/{splits}", split + 1));
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.shuffle(&mut seeded(config.seed, 100 + split as u64));
        let pick = |rows: &[usize]| rows.iter().map(|&i| docs[i].clone()).collect::<Vec<_>>();
        let (a, b) = (pick(&order[..n]), pick(&order[n..2 * n]));
        let prepared = fitted.prepare(&a, &b)?;
        let outcomes = suite.run(
            &|view| {
                (
                    prepared.reference.sample(view),
                    prepared.candidate.sample(view),
                )
            },
            config.seed + split as u64,
            &|_| {},
        );
        for o in outcomes {
            let entry = per_test
                .entry(o.test.clone())
                .or_insert((None, Vec::new(), 0, 0));
            if let Some(r) = o.result {
                entry.0 = Some(r.threshold_kind);
                entry.1.push(r.statistic);
                if let Some(p) = r.p_value {
                    entry.2 += usize::from(p < config.drift.alpha());
                    entry.3 += 1;
                }
            }
        }
    }
    let alpha = config.drift.alpha();
    let tests = suite
        .tests()
        .filter_map(|info| per_test.remove(info.name).map(|v| (info.name, v)))
        .map(|(name, (kind, stats, rejected, with_p))| {
            let level = statistic_level(&config.drift, name);
            let threshold = match kind {
                Some(ThresholdKind::StatisticAbove) => Some(quantile(&stats, 1.0 - level)),
                Some(ThresholdKind::StatisticBelow) => Some(quantile(&stats, level)),
                _ => None,
            };
            Calibrated {
                test: name.to_string(),
                level: threshold.map(|_| level),
                threshold,
                null_rejection_rate: (with_p > 0).then(|| rejected as f64 / with_p as f64),
                null_statistics: stats,
            }
        })
        .collect();
    Ok(Calibration {
        n_per_side: n,
        splits,
        alpha,
        seed: config.seed,
        tests,
    })
}

/// Runs the configured suite and gate on `splits` seeded real-vs-real splits and returns, per
/// split, whether the gate blocked: the release gate's false-alarm rate at this sample size.
pub fn null_blocks(sides: &Sides, n: usize, splits: usize, config: &Config) -> Result<Vec<bool>> {
    let docs = reference_docs(sides, config, POOL * n)?;
    if docs.len() < 2 * n {
        return Err(Error::Usage(format!(
            "need {} reference documents, found {}",
            2 * n,
            docs.len()
        )));
    }
    let suite = Suite::new(&config.drift);
    let fitted = Featurized::fit(config, &docs)?;
    let mut blocked = Vec::with_capacity(splits);
    for split in 0..splits {
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.shuffle(&mut seeded(config.seed, 10_000 + split as u64));
        let pick = |rows: &[usize]| rows.iter().map(|&i| docs[i].clone()).collect::<Vec<_>>();
        let prepared = fitted.prepare(&pick(&order[..n]), &pick(&order[n..2 * n]))?;
        let mut outcomes = suite.run(
            &|view| {
                (
                    prepared.reference.sample(view),
                    prepared.candidate.sample(view),
                )
            },
            config.seed + split as u64,
            &|_| {},
        );
        let verdict =
            crate::divergence::suite::gate(&mut [(None, &mut outcomes)], config.drift.alpha());
        tracing::debug!("null split {split}: {}", verdict.line);
        blocked.push(verdict.blocked);
    }
    Ok(blocked)
}

impl Calibration {
    /// The config to write: `base` (the user's config, if any) with `[drift] calibrated_n` and
    /// `[drift.thresholds]` set from this calibration.
    /// `resolved_inputs` replaces `[ingest] inputs` (relative to the old config's folder, which
    /// need not be the new one's) with the paths as resolved.
    pub fn to_toml(
        &self,
        base: Option<&str>,
        inputs: &str,
        resolved_inputs: &[PathBuf],
    ) -> Result<String> {
        let mut doc: toml::Table = match base {
            Some(text) => toml::from_str(text)
                .map_err(|e| Error::Usage(format!("cannot re-read the config: {e}")))?,
            None => toml::Table::new(),
        };
        if let Some(ingest) = doc.get_mut("ingest").and_then(|i| i.as_table_mut()) {
            if ingest.contains_key("inputs") {
                let absolute: Vec<toml::Value> = resolved_inputs
                    .iter()
                    .map(|p| crate::config::absolute_path(p))
                    .collect();
                ingest.insert("inputs".into(), toml::Value::Array(absolute));
            }
        }
        let drift = doc
            .entry("drift")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| Error::Usage("[drift] in the config is not a table".into()))?;
        drift.insert(
            "calibrated_n".into(),
            toml::Value::Integer(self.n_per_side as i64),
        );
        let thresholds = drift
            .entry("thresholds")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| {
                Error::Usage("[drift.thresholds] in the config is not a table".into())
            })?;
        for t in &self.tests {
            if let Some(v) = t.threshold.filter(|v| v.is_finite()) {
                thresholds.insert(t.test.clone(), toml::Value::Float(v));
            }
        }
        let body = toml::to_string_pretty(&doc).map_err(|e| Error::Usage(e.to_string()))?;
        Ok(format!(
            "# Thresholds written by `driftprint calibrate` from {} seeded real-vs-real splits of {inputs},\n# n = {} documents per side, seed {}, α = {}: each is the statistic's (1-level) null quantile in\n# its drift direction (level = α, or α / number of gated tests for a gated statistic, so the\n# gate as a whole holds α), valid for candidates of about {} documents. (Comments of the original\n# config are not kept.)\n\n{body}",
            self.splits, self.n_per_side, self.seed, self.alpha, self.n_per_side
        ))
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "calibrated on {} real-vs-real splits, n = {} per side (α = {}, seed {})",
            self.splits, self.n_per_side, self.alpha, self.seed
        );
        let _ = writeln!(
            s,
            "{:<20} {:>12} {:>8} {:>12} {:>12}",
            "test", "threshold", "level", "null median", "rejections"
        );
        for t in &self.tests {
            let _ = writeln!(
                s,
                "{:<20} {:>12} {:>8} {:>12.4} {:>12}",
                t.test,
                t.threshold
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".into()),
                t.level
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".into()),
                quantile(&t.null_statistics, 0.5),
                t.null_rejection_rate
                    .map(|r| format!("{:.0}%", 100.0 * r))
                    .unwrap_or_else(|| "-".into())
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The calibration requirement, on ../shared/data/dev (skipped where it is absent):
    /// on 20 seeded real-vs-real splits at n = 500 each p-value test rejects in at most 10%, the
    /// whole default gate blocks in at most 10% of 60 further splits, and every test detects
    /// human vs machine text at n = 500 per side with the calibrated thresholds.
    #[test]
    fn dev_real_vs_real_false_alarms_and_human_vs_machine_power() {
        let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/dev");
        let Ok(entries) = std::fs::read_dir(&dev) else {
            eprintln!("skipped: {} not present", dev.display());
            return;
        };
        let mut inputs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        inputs.sort();
        let base = "[ingest.fields]\nsource = \"label\"\n\n[ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n";
        let config = Config::parse(base, Path::new("dev.toml")).unwrap();
        let sides = Sides::SplitBy {
            inputs,
            field: "source".into(),
            reference_value: "real".into(),
            candidate_value: "synthetic".into(),
        };

        let calibration = run(&sides, Some(500), 20, &config, &|_| {}).unwrap();
        for t in calibration
            .tests
            .iter()
            .filter(|t| t.null_rejection_rate.is_some())
        {
            assert!(
                t.null_rejection_rate.unwrap() <= 0.10,
                "{} rejected {:?} of real-vs-real splits",
                t.test,
                t.null_rejection_rate
            );
        }
        // The whole default gate (Holm over its p-value tests) on 60 further real-vs-real
        // splits: 20 were too few to tell 5% from 10% (4 of the first 20 block at this seed,
        // 7 of 100).
        let blocked = null_blocks(&sides, 500, 60, &config).unwrap();
        let count = blocked.iter().filter(|&&b| b).count();
        eprintln!("default gate blocked {count} of 60 real-vs-real splits");
        assert!(
            count <= 6,
            "the default gate blocked {count} of 60 real-vs-real splits"
        );

        // The thresholds as `calibrate` writes them, read back as a user's config is.
        let calibrated = calibration.to_toml(Some(base), "dev", &[]).unwrap();
        let mut config = Config::parse(&calibrated, Path::new("calibrated.toml")).unwrap();
        config.drift.max_per_side = 500;
        let request = super::super::drift::DriftRequest { sides, by: None };
        let report = super::super::drift::run(&request, &config, &|_| {}).unwrap();
        for o in &report.comparisons[0].outcomes {
            let r = o
                .result
                .as_ref()
                .unwrap_or_else(|| panic!("{}: {:?}", o.test, o.error));
            assert!(
                r.drifted,
                "{} misses human vs machine at n = 500: {} = {} (threshold {})",
                o.test, r.statistic_name, r.statistic, r.threshold
            );
        }
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!((quantile(&v, 0.95) - 3.85).abs() < 1e-12);
    }
}
