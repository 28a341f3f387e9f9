//! Per-feature drift: a two-sample Kolmogorov–Smirnov test on every feature, Benjamini–Hochberg
//! across features, and the PSI of every feature alongside (like Evidently's column drift).
//! The verdict comes from the KS tests; PSI is reported so a person sees the size of a shift,
//! not only its significance.

use rayon::prelude::*;

use super::{Details, Divergence, FeatureScore, Sample, TestResult, ThresholdKind};
use crate::error::{Error, Result};
use crate::stats::adjust::benjamini_hochberg;
use crate::stats::ks::{ks_2samp_sorted, KsMethod, KsResult};
use crate::stats::psi::{decile_edges, psi_band, psi_with_edges, PsiBreakdown};

/// KS per feature with BH-adjusted p-values, plus PSI per feature.
#[derive(Debug, Clone)]
pub struct Univariate {
    /// False discovery rate for the per-feature tests, and the threshold on the smallest
    /// adjusted p-value (default 0.05).
    pub alpha: f64,
    /// How KS p-values are computed (default `Auto`: exact up to 10,000 values per side).
    pub method: KsMethod,
    /// How many features' PSI to list in `values` as `psi:<feature>` (default 10).
    pub top_psi: usize,
}

impl Default for Univariate {
    fn default() -> Self {
        Univariate {
            alpha: 0.05,
            method: KsMethod::Auto,
            top_psi: 10,
        }
    }
}

/// Checks that two samples can be compared feature by feature (non-empty, same width, finite
/// values) and returns the number of features.
pub(crate) fn check_pair(test: &str, reference: &Sample, candidate: &Sample) -> Result<usize> {
    check_side(test, "reference", reference)?;
    check_side(test, "candidate", candidate)?;
    let width = reference.values.ncols();
    if width != candidate.values.ncols() {
        return Err(Error::Data(format!(
            "{test}: the reference has {width} features but the candidate has {}",
            candidate.values.ncols()
        )));
    }
    if width == 0 {
        return Err(Error::Data(format!("{test}: the samples have no features")));
    }
    Ok(width)
}

fn check_side(test: &str, side: &str, s: &Sample) -> Result<()> {
    if s.is_empty() {
        return Err(Error::Data(format!(
            "{test}: the {side} sample has no rows"
        )));
    }
    if let Some(((row, col), _)) = s.values.indexed_iter().find(|(_, v)| !v.is_finite()) {
        let name = s.names.get(col).map_or("?", String::as_str);
        return Err(Error::Data(format!(
            "{test}: non-finite value in feature '{name}' of the {side} sample (row {row})"
        )));
    }
    Ok(())
}

/// Column `j` of a sample as f64, sorted ascending.
pub(crate) fn sorted_column(s: &Sample, j: usize) -> Vec<f64> {
    let mut v: Vec<f64> = s.values.column(j).iter().map(|&x| f64::from(x)).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The name of feature `j`, or `#j` if the sample has no names.
pub(crate) fn feature_name(s: &Sample, j: usize) -> String {
    s.names.get(j).cloned().unwrap_or_else(|| format!("#{j}"))
}

/// PSI of every feature (candidate against reference deciles), in column order.
pub(crate) fn psi_per_feature(reference: &Sample, candidate: &Sample, width: usize) -> Vec<f64> {
    (0..width)
        .into_par_iter()
        .map(|j| feature_psi(&sorted_column(reference, j), &sorted_column(candidate, j)).psi)
        .collect()
}

fn feature_psi(reference_sorted: &[f64], candidate: &[f64]) -> PsiBreakdown {
    psi_with_edges(reference_sorted, candidate, &decile_edges(reference_sorted))
}

impl Divergence for Univariate {
    fn name(&self) -> &'static str {
        "univariate"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, _seed: u64) -> Result<TestResult> {
        let width = check_pair(self.name(), reference, candidate)?;
        let per: Vec<(KsResult, f64)> = (0..width)
            .into_par_iter()
            .map(|j| {
                let (r, c) = (sorted_column(reference, j), sorted_column(candidate, j));
                (
                    ks_2samp_sorted(&r, &c, self.method),
                    feature_psi(&r, &c).psi,
                )
            })
            .collect();
        let raw: Vec<f64> = per.iter().map(|(k, _)| k.p_value).collect();
        let bh = benjamini_hochberg(&raw, self.alpha);

        let mut order: Vec<usize> = (0..width).collect();
        order.sort_by(|&a, &b| {
            bh.adjusted[a]
                .total_cmp(&bh.adjusted[b])
                .then(raw[a].total_cmp(&raw[b]))
        });
        let features: Vec<FeatureScore> = order
            .iter()
            .map(|&j| FeatureScore {
                feature: feature_name(reference, j),
                statistic: per[j].0.statistic,
                p_value: Some(raw[j]),
                adjusted_p: Some(bh.adjusted[j]),
                drifted: bh.reject[j],
            })
            .collect();

        let drifted = bh.reject.iter().filter(|&&r| r).count();
        let best = order[0];
        let min_adjusted = bh.adjusted[best];
        let mut by_psi: Vec<usize> = (0..width).collect();
        by_psi.sort_by(|&a, &b| per[b].1.total_cmp(&per[a].1));
        let (top_psi_feature, max_psi) = (by_psi[0], per[by_psi[0]].1);

        let mut details = Details::default();
        let values = &mut details.values;
        values.insert("features_tested".into(), width as f64);
        values.insert("features_drifted_ks".into(), drifted as f64);
        values.insert("share_drifted_ks".into(), drifted as f64 / width as f64);
        values.insert(
            "max_ks_statistic".into(),
            per.iter().map(|(k, _)| k.statistic).fold(0.0, f64::max),
        );
        values.insert("max_psi".into(), max_psi);
        for &j in by_psi.iter().take(self.top_psi) {
            values.insert(format!("psi:{}", feature_name(reference, j)), per[j].1);
        }
        let ks_part = if drifted > 0 {
            format!(
                "KS: {drifted} of {width} features differ (BH-adjusted p < {}; smallest {:.2e} on '{}', D = {:.3})",
                self.alpha,
                min_adjusted,
                features[0].feature,
                per[best].0.statistic
            )
        } else {
            format!(
                "KS: no feature of {width} differs (smallest BH-adjusted p = {:.3} on '{}')",
                min_adjusted, features[0].feature
            )
        };
        details.summary = format!(
            "{ks_part}; largest PSI {max_psi:.3} on '{}' ({})",
            feature_name(reference, top_psi_feature),
            psi_band(max_psi)
        );
        details.features = features;
        Ok(TestResult::decide(
            self.name(),
            "min BH-adjusted KS p",
            min_adjusted,
            Some(min_adjusted),
            self.alpha,
            ThresholdKind::PValueBelow,
            details,
        ))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    fn sample<'a>(values: &'a Array2<f32>, ids: &'a [String], names: &'a [String]) -> Sample<'a> {
        Sample::new(values.view(), ids, names)
    }

    fn grid(n: usize, shift: f32) -> Array2<f32> {
        // Column 0 shifted by `shift`, column 1 identical, column 2 a few discrete levels.
        Array2::from_shape_fn((n, 3), |(i, j)| {
            let u = (i as f32 + 0.5) / n as f32;
            match j {
                0 => u + shift,
                1 => u,
                _ => (i % 4) as f32,
            }
        })
    }

    #[test]
    fn flags_the_shifted_feature_only() {
        let names: Vec<String> = ["shifted", "same", "discrete"].map(String::from).to_vec();
        let (r, c) = (grid(300, 0.0), grid(200, 0.3));
        let (ri, ci): (Vec<String>, Vec<String>) = (
            (0..300).map(|i| i.to_string()).collect(),
            (0..200).map(|i| i.to_string()).collect(),
        );
        let result = Univariate::default()
            .compare(&sample(&r, &ri, &names), &sample(&c, &ci, &names), 0)
            .unwrap();
        assert!(result.drifted);
        assert_eq!(result.test, "univariate");
        let top = &result.details.features[0];
        assert_eq!(top.feature, "shifted");
        // scipy.stats.ks_2samp on the same f32 values: D = 0.30333…, p = 3.261620534064021e-10.
        assert!(
            (top.statistic - 0.30333333333333334).abs() < 1e-12,
            "{}",
            top.statistic
        );
        let p = 3.261620534064021e-10;
        assert!((top.p_value.unwrap() - p).abs() < 1e-6 * p);
        assert!((top.adjusted_p.unwrap() - 3.0 * p).abs() < 1e-6 * p);
        assert!(top.drifted);
        assert!(result.details.features[1..].iter().all(|f| !f.drifted));
        assert_eq!(result.details.values["features_drifted_ks"], 1.0);
        assert_eq!(result.details.values["features_tested"], 3.0);
        assert!(result.details.values["psi:shifted"] > 0.25);
        assert!(result.details.values["psi:same"] < 0.01);
        assert_eq!(result.statistic, result.p_value.unwrap());
        assert!(result.details.summary.contains("1 of 3 features differ"));
        assert!(result
            .details
            .summary
            .contains("on 'shifted' (major shift)"));
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| {
                Univariate::default().compare(&sample(&r, &ri, &names), &sample(&c, &ci, &names), 0)
            })
            .unwrap();
        assert_eq!(result, one_thread);
    }

    #[test]
    fn identical_samples_do_not_drift() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let r = grid(100, 0.0);
        let ids: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let s = sample(&r, &ids, &names);
        let result = Univariate::default().compare(&s, &s, 0).unwrap();
        assert!(!result.drifted);
        assert_eq!(result.statistic, 1.0);
        assert_eq!(result.details.values["max_psi"], 0.0);
    }

    #[test]
    fn bad_inputs_are_data_errors() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let r = grid(10, 0.0);
        let ids: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let mut nan = r.clone();
        nan[[3, 1]] = f32::NAN;
        let narrow = Array2::<f32>::zeros((10, 2));
        let empty = Array2::<f32>::zeros((0, 3));
        let u = Univariate::default();
        let err = u
            .compare(&sample(&r, &ids, &names), &sample(&nan, &ids, &names), 0)
            .unwrap_err();
        assert!(err.to_string().contains("feature 'b'"), "{err}");
        let err = u
            .compare(
                &sample(&r, &ids, &names),
                &sample(&narrow, &ids, &names[..2]),
                0,
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("3 features but the candidate has 2"),
            "{err}"
        );
        let err = u
            .compare(&sample(&r, &ids, &names), &sample(&empty, &[], &names), 0)
            .unwrap_err();
        assert!(matches!(err, Error::Data(_)), "{err}");
    }
}
