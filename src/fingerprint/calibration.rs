//! Platt scaling: a detector's raw decision score mapped to a calibrated probability
//! P(synthetic) = σ(a·s + b), fitted on held-out scores by Newton's method with the smoothed
//! targets and the guarded line search of Lin, Lin & Weng (2007), "A note on Platt's
//! probabilistic outputs for support vector machines".

use serde::{Deserialize, Serialize};

use crate::stats::logistic::{sigmoid, softplus};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

impl Platt {
    pub fn probability(&self, score: f64) -> f64 {
        sigmoid(self.a * score + self.b)
    }

    /// Fits (a, b) on decision `scores` of documents whose truth is `synthetic`.
    pub fn fit(scores: &[f64], synthetic: &[bool]) -> Platt {
        let n_pos = synthetic.iter().filter(|&&s| s).count() as f64;
        let n_neg = synthetic.len() as f64 - n_pos;
        // Smoothed targets: a prior of one pseudo-document per class keeps the fit finite on
        // perfectly separated scores.
        let hi = (n_pos + 1.0) / (n_pos + 2.0);
        let lo = 1.0 / (n_neg + 2.0);
        let targets: Vec<f64> = synthetic.iter().map(|&s| if s { hi } else { lo }).collect();
        let loss = |a: f64, b: f64| -> f64 {
            scores
                .iter()
                .zip(&targets)
                .map(|(&s, &t)| {
                    let z = a * s + b;
                    t * softplus(-z) + (1.0 - t) * softplus(z)
                })
                .sum()
        };
        let (mut a, mut b) = (1.0, ((n_pos + 1.0) / (n_neg + 1.0)).ln());
        let mut current = loss(a, b);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
            for (&s, &t) in scores.iter().zip(&targets) {
                let p = sigmoid(a * s + b);
                let d = p - t;
                let w = p * (1.0 - p);
                ga += d * s;
                gb += d;
                haa += w * s * s;
                hab += w * s;
                hbb += w;
            }
            if ga.abs() < 1e-5 && gb.abs() < 1e-5 {
                break;
            }
            let det = haa * hbb - hab * hab;
            let (da, db) = (-(hbb * ga - hab * gb) / det, -(haa * gb - hab * ga) / det);
            let slope = ga * da + gb * db;
            let mut step = 1.0;
            let mut improved = false;
            while step >= 1e-10 {
                let (na, nb) = (a + step * da, b + step * db);
                let next = loss(na, nb);
                if next < current + 1e-4 * step * slope {
                    (a, b, current) = (na, nb, next);
                    improved = true;
                    break;
                }
                step /= 2.0;
            }
            if !improved {
                break;
            }
        }
        Platt { a, b }
    }
}

#[cfg(test)]
mod tests {
    use rand::Rng;
    use rand_distr::StandardNormal;

    use super::*;
    use crate::stats::rng::seeded;

    #[test]
    fn recovers_the_posterior_of_two_gaussians() {
        // Scores ~ N(±1, 1) with 3 synthetic per real: the log-odds are 2s + ln 3.
        let mut rng = seeded(7, 0);
        let (mut scores, mut truth) = (Vec::new(), Vec::new());
        for i in 0..40_000 {
            let synthetic = i % 4 != 0;
            let mean = if synthetic { 1.0 } else { -1.0 };
            scores.push(mean + rng.sample::<f64, _>(StandardNormal));
            truth.push(synthetic);
        }
        let p = Platt::fit(&scores, &truth);
        assert!((p.a - 2.0).abs() < 0.06, "{p:?}");
        assert!((p.b - 3f64.ln()).abs() < 0.06, "{p:?}");
    }

    #[test]
    fn separated_scores_stay_finite() {
        let scores = [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0];
        let truth = [false, false, false, true, true, true];
        let p = Platt::fit(&scores, &truth);
        assert!(p.a.is_finite() && p.a > 0.0 && p.b.is_finite(), "{p:?}");
        assert!(p.probability(3.0) < 1.0 && p.probability(3.0) > 0.7);
    }
}
