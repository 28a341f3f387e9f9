//! L2-regularised logistic regression on dense rows, fitted with L-BFGS.
//!
//! Written here because linfa-logistic spends most of its time in generic ndarray zips and
//! GEMM packing for what are matrix-vector products: on 8,000 × 381 it took ~15 s per fit where
//! this takes well under one. Same objective as linfa-logistic (sum of log-losses plus
//! `l2/2 · ||w||²`, intercept unpenalised), checked against it in the tests. Row blocks are
//! reduced in a fixed order, so the result does not depend on the thread count.

use ndarray::{Array1, ArrayView1, ArrayView2};
use rayon::prelude::*;

use super::lbfgs::{minimize, LbfgsParams};

/// Fitted weights and intercept; `decision(x) = w·x + b`, P(positive) = σ(decision).
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    pub weights: Array1<f64>,
    pub intercept: f64,
    /// L-BFGS iterations used.
    pub iterations: usize,
}

/// Fitting settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticParams {
    pub l2: f64,
    pub max_iterations: usize,
    /// Stop when the gradient's largest component falls below this.
    pub tolerance: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            l2: 1.0,
            max_iterations: 200,
            tolerance: 1e-6,
        }
    }
}

const BLOCK: usize = 256;

pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log(1 + exp(z)) without overflow.
pub(crate) fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Loss and gradient (weights then intercept) at `params`.
fn loss_and_gradient(x: ArrayView2<f32>, y: &[bool], params: &[f64], l2: f64) -> (f64, Vec<f64>) {
    let d = x.ncols();
    let (w, b) = (&params[..d], params[d]);
    let partials: Vec<(f64, Vec<f64>)> = (0..x.nrows())
        .collect::<Vec<_>>()
        .par_chunks(BLOCK)
        .map(|rows| {
            let mut grad = vec![0.0; d + 1];
            let mut loss = 0.0;
            for &i in rows {
                let row = x.row(i);
                let z = dot(row, w) + b;
                // -log σ(z) for positives, -log(1-σ(z)) = softplus(z) for negatives.
                loss += if y[i] { softplus(-z) } else { softplus(z) };
                let r = sigmoid(z) - f64::from(u8::from(y[i]));
                for (g, &v) in grad[..d].iter_mut().zip(row.iter()) {
                    *g += r * v as f64;
                }
                grad[d] += r;
            }
            (loss, grad)
        })
        .collect();
    let mut loss = 0.5 * l2 * w.iter().map(|v| v * v).sum::<f64>();
    let mut grad: Vec<f64> = w.iter().map(|v| l2 * v).chain([0.0]).collect();
    for (l, g) in partials {
        loss += l;
        grad.iter_mut().zip(g).for_each(|(a, b)| *a += b);
    }
    (loss, grad)
}

fn dot(row: ArrayView1<f32>, w: &[f64]) -> f64 {
    match row.as_slice() {
        Some(r) => r.iter().zip(w).map(|(&a, &b)| a as f64 * b).sum(),
        None => row.iter().zip(w).map(|(&a, &b)| a as f64 * b).sum(),
    }
}

impl Logistic {
    /// Fits on rows `x` with labels `y` (true = positive class).
    pub fn fit(x: ArrayView2<f32>, y: &[bool], params: &LogisticParams) -> Logistic {
        let d = x.ncols();
        let minimum = minimize(
            &|theta: &[f64]| loss_and_gradient(x, y, theta, params.l2),
            vec![0.0; d + 1],
            &LbfgsParams {
                max_iterations: params.max_iterations,
                gradient_tolerance: params.tolerance,
                ..LbfgsParams::default()
            },
        );
        Logistic {
            weights: Array1::from(minimum.x[..d].to_vec()),
            intercept: minimum.x[d],
            iterations: minimum.iterations,
        }
    }

    /// P(positive) for each row.
    pub fn predict_proba(&self, x: ArrayView2<f32>) -> Vec<f64> {
        let w = self.weights.as_slice().unwrap_or(&[]);
        (0..x.nrows())
            .into_par_iter()
            .map(|i| sigmoid(dot(x.row(i), w) + self.intercept))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use linfa::traits::Fit;
    use linfa::Dataset;
    use ndarray::Array2;
    use rand_distr::{Distribution, Normal};

    use super::*;
    use crate::stats::rng::seeded;

    #[test]
    fn matches_linfa_logistic_on_a_small_dense_problem() {
        let mut rng = seeded(5, 0);
        let normal = Normal::new(0.0f32, 1.0).unwrap();
        let x = Array2::from_shape_fn((400, 5), |_| normal.sample(&mut rng));
        let y: Vec<bool> = x
            .rows()
            .into_iter()
            .map(|r| r[0] - 0.5 * r[1] + 0.3 * normal.sample(&mut rng) > 0.2)
            .collect();
        let ours = Logistic::fit(
            x.view(),
            &y,
            &LogisticParams {
                l2: 1.0,
                max_iterations: 500,
                tolerance: 1e-8,
            },
        );

        let targets = Array1::from_iter(y.iter().map(|&p| usize::from(p)));
        let theirs = linfa_logistic::LogisticRegression::default()
            .alpha(1.0)
            .max_iterations(500)
            .gradient_tolerance(1e-8)
            .fit(&Dataset::new(x.mapv(f64::from), targets))
            .unwrap();
        // linfa's "positive" class is the first label it meets.
        let sign = if theirs.labels().pos.class == 1 {
            1.0
        } else {
            -1.0
        };
        for (a, b) in ours.weights.iter().zip(theirs.params().iter()) {
            assert!(
                (a - sign * b).abs() < 1e-4,
                "ours {} linfa {}",
                ours.weights,
                theirs.params()
            );
        }
        assert!((ours.intercept - sign * theirs.intercept()).abs() < 1e-4);
    }

    #[test]
    fn separable_data_gets_confident_and_thread_count_does_not_matter() {
        let x = Array2::from_shape_fn((1000, 3), |(i, j)| {
            if j == 0 {
                (i % 2) as f32 * 2.0 - 1.0
            } else {
                ((i * 7 + j) % 11) as f32 / 11.0
            }
        });
        let y: Vec<bool> = (0..1000).map(|i| i % 2 == 1).collect();
        let params = LogisticParams::default();
        let a = Logistic::fit(x.view(), &y, &params);
        let b = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| Logistic::fit(x.view(), &y, &params));
        assert_eq!(a, b);
        let p = a.predict_proba(x.view());
        assert!(p[1] > 0.99 && p[0] < 0.01);
    }
}
