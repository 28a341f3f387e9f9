//! The learners the detector can be trained with, behind one enum: full-batch L-BFGS logistic
//! regression and FTRL-Proximal, both over the sparse design matrix.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::matrix::SparseMatrix;
use crate::stats::ftrl::{Ftrl, FtrlParams};
use crate::stats::logistic::sigmoid;
use crate::stats::sparse_logistic::{SparseLogistic, SparseLogisticParams};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LearnerKind {
    /// Class-balanced L2 logistic regression, L-BFGS (scikit-learn's default solver's method).
    Lbfgs,
    /// Class-balanced FTRL-Proximal (L1 + L2), several seeded passes.
    Ftrl,
}

impl FromStr for LearnerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "lbfgs" => Ok(LearnerKind::Lbfgs),
            "ftrl" => Ok(LearnerKind::Ftrl),
            other => Err(format!(
                "unknown learner '{other}' (available: lbfgs, ftrl)"
            )),
        }
    }
}

/// A linear scorer over the design matrix: P(synthetic) = σ(x·w + b).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub weights: Vec<f32>,
    pub intercept: f64,
}

impl LinearModel {
    pub fn decision(&self, x: &SparseMatrix) -> Vec<f64> {
        use rayon::prelude::*;
        (0..x.nrows())
            .into_par_iter()
            .map(|i| {
                let (a, b) = (x.indptr[i], x.indptr[i + 1]);
                self.intercept
                    + x.indices[a..b]
                        .iter()
                        .zip(&x.values[a..b])
                        .map(|(&j, &v)| self.weights[j as usize] as f64 * v as f64)
                        .sum::<f64>()
            })
            .collect()
    }

    pub fn probability(&self, x: &SparseMatrix) -> Vec<f64> {
        self.decision(x).into_iter().map(sigmoid).collect()
    }
}

/// Fits a model of `kind` (C = `c` and gradient `tolerance` for L-BFGS) on rows `x`, labels
/// `y` (true = synthetic), each row weighing `sample_weight` (else its class is balanced).
pub fn fit(
    kind: LearnerKind,
    x: &SparseMatrix,
    y: &[bool],
    sample_weight: Option<&[f64]>,
    c: f64,
    tolerance: f64,
    seed: u64,
) -> LinearModel {
    match kind {
        LearnerKind::Lbfgs => {
            let m = SparseLogistic::fit_weighted(
                x,
                y,
                sample_weight,
                &SparseLogisticParams {
                    c,
                    tolerance,
                    ..SparseLogisticParams::default()
                },
            );
            LinearModel {
                weights: m.weights,
                intercept: m.intercept,
            }
        }
        LearnerKind::Ftrl => {
            let m = Ftrl::fit_weighted(x, y, sample_weight, &FtrlParams::default(), seed);
            LinearModel {
                weights: m.weights,
                intercept: m.intercept,
            }
        }
    }
}
