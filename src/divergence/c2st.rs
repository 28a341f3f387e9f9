//! Classifier two-sample test (Lopez-Paz & Oquab 2017): if a classifier tells reference from
//! candidate better than chance on held-out data, the distributions differ.
//!
//! L2-regularised logistic regression on standardised features (our L-BFGS solver in
//! `stats::logistic`, checked against linfa-logistic, which is ~20× slower here) is trained on a
//! stratified part of both sides and scores the held-out rest; the held-out AUROC's p-value is
//! the one-sided Mann–Whitney test (tie-corrected). The held-out split is deliberate: pooling or
//! combining the folds of a cross-validation is anti-conservative on real text. Each fold's
//! model has seen the other folds' labels, and near-duplicate documents then make the folds'
//! z-scores correlate (measured on real-vs-real splits of ../shared/data/dev: per-fold z
//! variance 1.02, as it should be, but Stouffer-combined variance 2.07, i.e. fold correlation
//! ≈ 0.27, and a 7.5% false-alarm rate at α = 0.05 with Holm over three tests). The standardised
//! weights name the features that give the candidate away.

use ndarray::{concatenate, Array1, Array2, Axis};
use rand::seq::SliceRandom;

use super::{Details, Divergence, FeatureScore, Sample, Side, TestResult, ThresholdKind, Witness};
use crate::error::{Error, Result};
use crate::stats::logistic::{Logistic, LogisticParams};
use crate::stats::{normal, rng::seeded, roc};

/// Parameters of the classifier two-sample test.
#[derive(Debug, Clone, PartialEq)]
pub struct C2st {
    /// Share of each side held out for testing (stratified, seeded); the rest trains.
    pub test_fraction: f64,
    /// L2 penalty of the logistic regression.
    pub l2: f64,
    pub max_iterations: u64,
    /// Significance level: drift when the AUROC's p-value is below it.
    pub alpha: f64,
    /// Features listed in the details.
    pub top_features: usize,
}

impl Default for C2st {
    fn default() -> Self {
        C2st {
            test_fraction: 0.5,
            l2: 1.0,
            max_iterations: 200,
            alpha: 0.05,
            top_features: 10,
        }
    }
}

/// Mann–Whitney z-score of an AUROC under "no signal" (tie-corrected); 0 when undefined.
fn auroc_z(auroc: f64, scores: &[f64], n_pos: usize, n_neg: usize) -> f64 {
    let (n1, n0) = (n_pos as f64, n_neg as f64);
    let n = n1 + n0;
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let j = sorted[i..].iter().take_while(|&&s| s == sorted[i]).count();
        let t = j as f64;
        tie_term += t * t * t - t;
        i += j;
    }
    let variance = n1 * n0 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance <= 0.0 || !auroc.is_finite() {
        return 0.0;
    }
    let u = auroc * n1 * n0;
    (u - n1 * n0 / 2.0) / variance.sqrt()
}

/// Stratified holdout: each class shuffled with its own seeded stream; the first
/// `test_fraction` of each class (at least one row, at most all but one) is held out.
fn held_out(labels: &[usize], test_fraction: f64, seed: u64) -> Vec<bool> {
    let mut test = vec![false; labels.len()];
    for class in 0..2 {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rows.shuffle(&mut seeded(seed, class as u64));
        let k = ((rows.len() as f64 * test_fraction).round() as usize).clamp(1, rows.len() - 1);
        for &row in &rows[..k] {
            test[row] = true;
        }
    }
    test
}

/// Column means and standard deviations of the training rows (sd 1 for constant columns).
fn standardiser(x: &Array2<f64>) -> (Array1<f64>, Array1<f64>) {
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let sd = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 1e-12 { s } else { 1.0 });
    (mean, sd)
}

impl Divergence for C2st {
    fn name(&self) -> &'static str {
        "c2st"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, seed: u64) -> Result<TestResult> {
        let (m, n) = (reference.len(), candidate.len());
        if reference.values.ncols() != candidate.values.ncols() {
            return Err(Error::Data(format!(
                "c2st: reference has {} features, candidate {}",
                reference.values.ncols(),
                candidate.values.ncols()
            )));
        }
        if m < 4 || n < 4 {
            return Err(Error::Data(format!(
                "c2st: needs at least 4 documents per side to train and test (have {m} and {n})"
            )));
        }
        let x = concatenate(Axis(0), &[reference.values.view(), candidate.values.view()])
            .map_err(|e| Error::Data(format!("c2st: {e}")))?
            .mapv(f64::from);
        let labels: Vec<usize> = (0..m + n).map(|i| usize::from(i >= m)).collect();
        let is_test = held_out(&labels, self.test_fraction, seed);
        let (test, train): (Vec<usize>, Vec<usize>) = (0..m + n).partition(|&i| is_test[i]);

        let x_train = x.select(Axis(0), &train);
        let (mean, sd) = standardiser(&x_train);
        let x_train = ((x_train - &mean) / &sd).mapv(|v| v as f32);
        let y_train: Vec<bool> = train.iter().map(|&i| labels[i] == 1).collect();
        let params = LogisticParams {
            l2: self.l2,
            max_iterations: self.max_iterations as usize,
            ..LogisticParams::default()
        };
        let model = Logistic::fit(x_train.view(), &y_train, &params);
        let x_test = ((x.select(Axis(0), &test) - &mean) / &sd).mapv(|v| v as f32);
        let scores = model.predict_proba(x_test.view());
        let weights = model.weights;
        let positive: Vec<bool> = test.iter().map(|&i| labels[i] == 1).collect();
        let n_pos = positive.iter().filter(|&&p| p).count();
        let auroc = roc::auroc(&scores, &positive).unwrap_or(0.5);
        let p = normal::sf(auroc_z(auroc, &scores, n_pos, test.len() - n_pos));

        let mut order: Vec<usize> = (0..weights.len()).collect();
        order.sort_by(|&a, &b| weights[b].abs().total_cmp(&weights[a].abs()));
        let features: Vec<FeatureScore> = order
            .iter()
            .take(self.top_features)
            .map(|&j| FeatureScore {
                feature: reference
                    .names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("f{j}")),
                statistic: weights[j],
                p_value: None,
                adjusted_p: None,
                drifted: false,
            })
            .collect();
        // The candidate documents the classifier finds most candidate-like, and the reference
        // documents it finds most candidate-like (real text that looks synthetic).
        let mut witnesses: Vec<Witness> = Vec::new();
        for (side, want_candidate) in [(Side::Candidate, true), (Side::Reference, false)] {
            let mut rows: Vec<usize> = (0..test.len())
                .filter(|&t| positive[t] == want_candidate)
                .collect();
            rows.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
            for &t in rows.iter().take(5) {
                let i = test[t];
                let (row, ids) = match side {
                    Side::Reference => (i, reference.ids),
                    Side::Candidate => (i - m, candidate.ids),
                };
                witnesses.push(Witness {
                    side,
                    row,
                    id: ids.get(row).cloned().unwrap_or_default(),
                    score: scores[t],
                });
            }
        }
        let top = features
            .iter()
            .take(3)
            .map(|f| format!("{} ({:+.2})", f.feature, f.statistic))
            .collect::<Vec<_>>()
            .join(", ");
        let summary = format!(
            "a logistic regression trained on {} documents tells held-out candidate from reference documents ({}) with AUROC {auroc:.3} (0.5 = indistinguishable; p = {}); strongest features: {top}",
            train.len(),
            test.len(),
            super::format_p(p)
        );
        let mut details = Details {
            summary,
            features,
            witnesses,
            ..Details::default()
        };
        details.values.insert("auroc".into(), auroc);
        details
            .values
            .insert("held_out_documents".into(), test.len() as f64);
        details.values.insert("accuracy_at_0.5".into(), {
            let correct = scores
                .iter()
                .zip(&positive)
                .filter(|(s, &pos)| (**s >= 0.5) == pos)
                .count();
            correct as f64 / scores.len() as f64
        });
        Ok(TestResult::decide(
            "c2st",
            "AUROC",
            auroc,
            Some(p),
            self.alpha,
            ThresholdKind::PValueBelow,
            details,
        ))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use rand_distr::{Distribution, Normal};

    use super::*;

    fn gaussian(n: usize, d: usize, shift: f32, stream: u64) -> Array2<f32> {
        let mut rng = seeded(99, stream);
        let normal = Normal::new(0.0f32, 1.0).unwrap();
        Array2::from_shape_fn((n, d), |(_, j)| {
            normal.sample(&mut rng) + if j == 0 { shift } else { 0.0 }
        })
    }

    fn run(shift: f32) -> TestResult {
        let (a, b) = (gaussian(300, 6, 0.0, 1), gaussian(300, 6, shift, 2));
        let ids: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        let names: Vec<String> = (0..6).map(|j| format!("x{j}")).collect();
        C2st::default()
            .compare(
                &Sample::new(a.view(), &ids, &names),
                &Sample::new(b.view(), &ids, &names),
                7,
            )
            .unwrap()
    }

    #[test]
    fn detects_a_shift_and_names_the_shifted_feature() {
        let r = run(1.0);
        assert!(
            r.drifted && r.statistic > 0.7 && r.p_value.unwrap() < 1e-6,
            "{r:?}"
        );
        assert_eq!(r.details.features[0].feature, "x0");
        assert!(
            r.details.features[0].statistic > 0.0,
            "candidate has larger x0"
        );
    }

    #[test]
    fn runs_are_repeatable() {
        assert_eq!(run(0.0), run(0.0));
    }

    #[test]
    fn same_distribution_rejects_at_about_alpha() {
        let ids: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        let names: Vec<String> = (0..6).map(|j| format!("x{j}")).collect();
        let (mut rejections, mut auroc_sum) = (0, 0.0);
        for s in 0..20u64 {
            let (a, b) = (
                gaussian(300, 6, 0.0, 100 + 2 * s),
                gaussian(300, 6, 0.0, 101 + 2 * s),
            );
            let r = C2st::default()
                .compare(
                    &Sample::new(a.view(), &ids, &names),
                    &Sample::new(b.view(), &ids, &names),
                    s,
                )
                .unwrap();
            rejections += usize::from(r.drifted);
            auroc_sum += r.statistic;
        }
        assert!(
            rejections <= 3,
            "{rejections} of 20 null comparisons rejected at alpha 0.05"
        );
        assert!(
            (auroc_sum / 20.0 - 0.5).abs() < 0.03,
            "mean null AUROC {}",
            auroc_sum / 20.0
        );
    }

    #[test]
    fn mann_whitney_null_z() {
        // AUROC 0.5 is the null mean: z = 0; a perfect split of 10 vs 10 is z ≈ 3.78.
        let scores: Vec<f64> = (0..20).map(f64::from).collect();
        assert!(auroc_z(0.5, &scores, 10, 10).abs() < 1e-12);
        assert!(
            (auroc_z(1.0, &scores, 10, 10) - 50.0 / (100.0f64 * 21.0 / 12.0).sqrt()).abs() < 1e-12
        );
    }
}
