//! FTRL-Proximal logistic regression (McMahan et al. 2013, "Ad click prediction: a view from
//! the trenches"): online, per-coordinate adaptive learning rates, L1 + L2, over sparse rows.
//! Several seeded passes over the data; L1 leaves most hashed columns at exactly zero.

use rand::seq::SliceRandom;

use super::logistic::sigmoid;
use super::rng::seeded;
use crate::matrix::SparseMatrix;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FtrlParams {
    pub alpha: f64,
    pub beta: f64,
    pub l1: f64,
    pub l2: f64,
    pub epochs: usize,
    /// Weigh each class by n / (2·n_class).
    pub balanced: bool,
}

impl Default for FtrlParams {
    fn default() -> Self {
        FtrlParams {
            alpha: 0.1,
            beta: 1.0,
            l1: 1e-4,
            l2: 1e-4,
            epochs: 8,
            balanced: true,
        }
    }
}

/// Fitted weights (the last column of `weights` layout is the intercept's own slot).
#[derive(Debug, Clone, PartialEq)]
pub struct Ftrl {
    pub weights: Vec<f32>,
    pub intercept: f64,
}

impl Ftrl {
    pub fn fit(x: &SparseMatrix, y: &[bool], params: &FtrlParams, seed: u64) -> Ftrl {
        Ftrl::fit_weighted(x, y, None, params, seed)
    }

    /// `fit` with a weight per row instead of the class weights.
    pub fn fit_weighted(
        x: &SparseMatrix,
        y: &[bool],
        sample_weight: Option<&[f64]>,
        params: &FtrlParams,
        seed: u64,
    ) -> Ftrl {
        let d = x.dim + 1; // the intercept is coordinate `dim`, always present with value 1
        let (mut z, mut n_acc) = (vec![0.0f64; d], vec![0.0f64; d]);
        let rw = super::sparse_logistic::row_weights(y, params.balanced, sample_weight);
        let weight_of = |z: f64, n: f64| -> f64 {
            if z.abs() <= params.l1 {
                0.0
            } else {
                -(z - z.signum() * params.l1)
                    / ((params.beta + n.sqrt()) / params.alpha + params.l2)
            }
        };
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        let mut rng = seeded(seed, 0x0F7);
        let mut active: Vec<(usize, f64, f64)> = Vec::new();
        for _ in 0..params.epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                let (a, b) = (x.indptr[i], x.indptr[i + 1]);
                active.clear();
                active.extend(
                    x.indices[a..b]
                        .iter()
                        .zip(&x.values[a..b])
                        .map(|(&j, &v)| (j as usize, v as f64, 0.0)),
                );
                active.push((x.dim, 1.0, 0.0));
                let mut score = 0.0;
                for entry in active.iter_mut() {
                    entry.2 = weight_of(z[entry.0], n_acc[entry.0]);
                    score += entry.2 * entry.1;
                }
                let g_scale = rw[i] * (sigmoid(score) - f64::from(u8::from(y[i])));
                for &(j, v, w) in &active {
                    let g = g_scale * v;
                    let sigma = ((n_acc[j] + g * g).sqrt() - n_acc[j].sqrt()) / params.alpha;
                    z[j] += g - sigma * w;
                    n_acc[j] += g * g;
                }
            }
        }
        let weights: Vec<f64> = (0..d).map(|j| weight_of(z[j], n_acc[j])).collect();
        Ftrl {
            weights: weights[..x.dim].iter().map(|&v| v as f32).collect(),
            intercept: weights[x.dim],
        }
    }
}
