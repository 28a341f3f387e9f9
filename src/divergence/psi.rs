//! Population Stability Index per feature, with the largest as the test statistic: the
//! industry's rule of thumb reads < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
//! Bins are the reference deciles (see [`crate::stats::psi`]).

use super::univariate::{check_pair, feature_name, psi_per_feature};
use super::{Details, Divergence, FeatureScore, Sample, TestResult, ThresholdKind};
use crate::error::Result;
use crate::stats::psi::psi_band;

/// Largest per-feature PSI against a threshold.
#[derive(Debug, Clone)]
pub struct Psi {
    /// Drift when some feature's PSI exceeds this (default 0.2, inside the "moderate" band).
    pub threshold: f64,
}

impl Default for Psi {
    fn default() -> Self {
        Psi { threshold: 0.2 }
    }
}

impl Divergence for Psi {
    fn name(&self) -> &'static str {
        "psi"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, _seed: u64) -> Result<TestResult> {
        let width = check_pair(self.name(), reference, candidate)?;
        let psi = psi_per_feature(reference, candidate, width);
        let mut order: Vec<usize> = (0..width).collect();
        order.sort_by(|&a, &b| psi[b].total_cmp(&psi[a]));
        let max = psi[order[0]];
        let above = psi.iter().filter(|&&p| p > self.threshold).count();

        let features = order
            .iter()
            .map(|&j| FeatureScore {
                feature: feature_name(reference, j),
                statistic: psi[j],
                p_value: None,
                adjusted_p: None,
                drifted: psi[j] > self.threshold,
            })
            .collect();
        let mut details = Details {
            features,
            ..Details::default()
        };
        let values = &mut details.values;
        values.insert("features_tested".into(), width as f64);
        values.insert("features_above_threshold".into(), above as f64);
        values.insert(
            "features_moderate".into(),
            psi.iter().filter(|&&p| (0.1..=0.25).contains(&p)).count() as f64,
        );
        values.insert(
            "features_major".into(),
            psi.iter().filter(|&&p| p > 0.25).count() as f64,
        );
        details.summary = format!(
            "max PSI = {max:.3} on '{}' ({}); {above} of {width} features above {}",
            details.features[0].feature,
            psi_band(max),
            self.threshold
        );
        Ok(TestResult::decide(
            self.name(),
            "max PSI",
            max,
            None,
            self.threshold,
            ThresholdKind::StatisticAbove,
            details,
        ))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    #[test]
    fn max_psi_is_the_statistic_and_features_are_sorted() {
        let names: Vec<String> = ["stable", "moved"].map(String::from).to_vec();
        let ids: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let r = Array2::from_shape_fn((100, 2), |(i, _)| i as f32);
        // "moved": every candidate value in the reference's top decile.
        let c = Array2::from_shape_fn((100, 2), |(i, j)| if j == 0 { i as f32 } else { 95.0 });
        let result = Psi::default()
            .compare(
                &Sample::new(r.view(), &ids, &names),
                &Sample::new(c.view(), &ids, &names),
                0,
            )
            .unwrap();
        let want = 9.0 * (1e-4 - 0.1) * (1e-4f64 / 0.1).ln() + 0.9 * 10f64.ln();
        assert!(
            (result.statistic - want).abs() < 1e-12,
            "{}",
            result.statistic
        );
        assert!(result.drifted);
        assert_eq!(result.details.features[0].feature, "moved");
        assert!(result.details.features[0].drifted);
        assert_eq!(result.details.features[1].statistic, 0.0);
        assert_eq!(result.details.values["features_major"], 1.0);
        assert!(result.details.summary.contains("major shift"));
    }
}
