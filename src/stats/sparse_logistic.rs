//! L2-regularised logistic regression over sparse (CSR) rows, fitted by L-BFGS. Each evaluation
//! computes the margins row by row and the gradient column by column, over a column-major copy
//! of the rows made once per fit: every sum runs in one fixed order (rows, then the columns'
//! entries in row order), so the result does not depend on the thread count, and no thread
//! keeps a dense partial gradient to clear and add up (with 2^18 columns those partials cost
//! more than the products). Hashed n-gram design matrices cannot be dense, and linfa's learners
//! take dense arrays only.

use rayon::prelude::*;

use super::lbfgs::{minimize, LbfgsParams};
use super::logistic::{sigmoid, softplus};
use crate::matrix::SparseMatrix;

/// Columns per parallel work item of the gradient.
const COLUMN_CHUNK: usize = 4096;

/// The rows of a CSR matrix stored by column: column `j`'s entries are
/// `rows[start[j]..start[j+1]]` with `values` alike, in row order.
struct Columns {
    start: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f32>,
}

impl Columns {
    /// The column-major copy of `x`, built a block of `COLUMN_CHUNK` columns at a time in
    /// parallel: each block finds its entries in every row by binary search (a row's indices
    /// are sorted), counts them per column, then fills its own part of the output. No entry is
    /// scattered across the whole output, which is what made a plain transpose slow.
    fn of(x: &SparseMatrix) -> Columns {
        let blocks = x.dim.div_ceil(COLUMN_CHUNK).max(1);
        let block_range = |b: usize| (b * COLUMN_CHUNK, ((b + 1) * COLUMN_CHUNK).min(x.dim));
        let entries_in = |i: usize, lo: usize, hi: usize| {
            let (idx, _) = x.row(i);
            let a = idx.partition_point(|&j| (j as usize) < lo);
            let b = idx.partition_point(|&j| (j as usize) < hi);
            x.indptr[i] + a..x.indptr[i] + b
        };
        let counts: Vec<Vec<usize>> = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let (lo, hi) = block_range(b);
                let mut count = vec![0usize; hi - lo];
                for i in 0..x.nrows() {
                    for &j in &x.indices[entries_in(i, lo, hi)] {
                        count[j as usize - lo] += 1;
                    }
                }
                count
            })
            .collect();
        let mut start = Vec::with_capacity(x.dim + 1);
        start.push(0usize);
        for c in counts.iter().flatten() {
            start.push(start[start.len() - 1] + c);
        }
        let nnz = x.indices.len();
        let mut rows = vec![0u32; nnz];
        let mut values = vec![0f32; nnz];
        // Each block's output is the slice between its first and last column's starts.
        let mut parts = Vec::with_capacity(blocks);
        let (mut rest_rows, mut rest_values) = (&mut rows[..], &mut values[..]);
        for b in 0..blocks {
            let (lo, hi) = block_range(b);
            let len = start[hi] - start[lo];
            let (r, rr) = rest_rows.split_at_mut(len);
            let (v, rv) = rest_values.split_at_mut(len);
            parts.push((b, r, v));
            (rest_rows, rest_values) = (rr, rv);
        }
        parts.into_par_iter().for_each(|(b, out_rows, out_values)| {
            let (lo, hi) = block_range(b);
            let base = start[lo];
            let mut next: Vec<usize> = start[lo..hi].iter().map(|s| s - base).collect();
            for i in 0..x.nrows() {
                let range = entries_in(i, lo, hi);
                for (&j, &v) in x.indices[range.clone()].iter().zip(&x.values[range]) {
                    let at = &mut next[j as usize - lo];
                    out_rows[*at] = i as u32;
                    out_values[*at] = v;
                    *at += 1;
                }
            }
        });
        Columns {
            start,
            rows,
            values,
        }
    }

    /// Σᵢ r[i]·f(x[i][j]) for every column j, in parallel over fixed column chunks.
    fn transpose_times(&self, r: &[f64], out: &mut [f64], f: impl Fn(f32) -> f64 + Sync) {
        out.par_chunks_mut(COLUMN_CHUNK)
            .enumerate()
            .for_each(|(chunk, out)| {
                let first = chunk * COLUMN_CHUNK;
                for (k, o) in out.iter_mut().enumerate() {
                    let (a, b) = (self.start[first + k], self.start[first + k + 1]);
                    *o = self.rows[a..b]
                        .iter()
                        .zip(&self.values[a..b])
                        .map(|(&i, &v)| r[i as usize] * f(v))
                        .sum();
                }
            });
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseLogisticParams {
    /// Inverse regularisation strength, as scikit-learn's `C`: the objective is
    /// ½‖w‖² + C·Σᵢ cᵢ·loss(xᵢ, yᵢ), with cᵢ the class weight.
    pub c: f64,
    /// Weigh each class by n / (2·n_class), so both count equally.
    pub balanced: bool,
    pub max_iterations: usize,
    /// Stop when every component of the preconditioned gradient (see `fit`), on the mean-loss
    /// scale, is below this. scikit-learn's `tol` is the same bound on the plain gradient.
    pub tolerance: f64,
}

impl Default for SparseLogisticParams {
    fn default() -> Self {
        SparseLogisticParams {
            c: 1.0,
            balanced: true,
            max_iterations: 300,
            tolerance: 1e-4,
        }
    }
}

/// A fitted linear model: P(positive | x) = σ(x·w + b).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseLogistic {
    pub weights: Vec<f32>,
    pub intercept: f64,
    pub iterations: usize,
}

fn row_dot(x: &SparseMatrix, row: usize, w: &[f64]) -> f64 {
    let (a, b) = (x.indptr[row], x.indptr[row + 1]);
    x.indices[a..b]
        .iter()
        .zip(&x.values[a..b])
        .map(|(&j, &v)| w[j as usize] * v as f64)
        .sum()
}

/// Per-class weights (1, or balanced).
fn class_weights(y: &[bool], balanced: bool) -> [f64; 2] {
    let n = y.len() as f64;
    let positives = y.iter().filter(|&&p| p).count() as f64;
    if !balanced || positives == 0.0 || positives == n {
        return [1.0, 1.0];
    }
    [n / (2.0 * (n - positives)), n / (2.0 * positives)]
}

/// The weight of each row in the loss: `sample_weight` when given (the caller balances), else
/// the class weight (1, or balanced).
pub(crate) fn row_weights(y: &[bool], balanced: bool, sample_weight: Option<&[f64]>) -> Vec<f64> {
    match sample_weight {
        Some(w) => w.to_vec(),
        None => {
            let cw = class_weights(y, balanced);
            y.iter().map(|&p| cw[usize::from(p)]).collect()
        }
    }
}

impl SparseLogistic {
    /// Fits on rows `x` (columns `x.dim`) with labels `y` (true = positive).
    pub fn fit(x: &SparseMatrix, y: &[bool], params: &SparseLogisticParams) -> SparseLogistic {
        SparseLogistic::fit_weighted(x, y, None, params)
    }

    /// `fit` with a weight per row instead of the class weights.
    pub fn fit_weighted(
        x: &SparseMatrix,
        y: &[bool],
        sample_weight: Option<&[f64]>,
        params: &SparseLogisticParams,
    ) -> SparseLogistic {
        let d = x.dim;
        let n = x.nrows();
        let rw = row_weights(y, params.balanced, sample_weight);
        let c = params.c;
        let started = std::time::Instant::now();
        let columns = Columns::of(x);
        let evaluations = std::sync::atomic::AtomicUsize::new(0);
        // Jacobi preconditioning: L-BFGS starts from an isotropic curvature guess, but the
        // standardised style columns (values ~1 in every row) are thousands of times more curved
        // than a rare n-gram's bucket (~0.02 in a few rows). Solving for u with w = s∘u, where
        // s = 1/√(the Hessian diagonal at w = 0), evens that out; same minimum, far fewer steps.
        let quarter: Vec<f64> = rw.iter().map(|&w| 0.25 * c * w).collect();
        let mut curvature = vec![0.0f64; d + 1];
        columns.transpose_times(&quarter, &mut curvature[..d], |v| (v as f64) * (v as f64));
        curvature[d] = quarter.iter().sum();
        let scale: Vec<f64> = curvature
            .iter()
            .enumerate()
            .map(|(j, &h)| 1.0 / (h + if j < d { 1.0 } else { 0.0 }).max(1e-12).sqrt())
            .collect();
        let objective = |u: &[f64]| -> (f64, Vec<f64>) {
            evaluations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let theta: Vec<f64> = u.iter().zip(&scale).map(|(u, s)| u * s).collect();
            let (w, b) = theta.split_at(d);
            let b = b[0];
            // Per row its loss and its residual r = weight·(σ(z) − y).
            let per_row: Vec<(f64, f64)> = (0..n)
                .into_par_iter()
                .map(|i| {
                    let z = row_dot(x, i, w) + b;
                    let weight = rw[i];
                    let target = f64::from(u8::from(y[i]));
                    (
                        weight * (softplus(z) - target * z),
                        weight * (sigmoid(z) - target),
                    )
                })
                .collect();
            let loss: f64 = per_row.iter().map(|p| p.0).sum();
            let residuals: Vec<f64> = per_row.iter().map(|p| p.1).collect();
            let mut grad = vec![0.0; d + 1];
            columns.transpose_times(&residuals, &mut grad[..d], f64::from);
            grad[d] = residuals.iter().sum();
            // ½‖w‖² + C·Σ loss (the intercept is not penalised).
            let mut value = c * loss;
            for (gj, &wj) in grad[..d].iter_mut().zip(w) {
                *gj = c * *gj + wj;
                value += 0.5 * wj * wj;
            }
            grad[d] *= c;
            // Chain rule into u.
            grad.iter_mut().zip(&scale).for_each(|(g, s)| *g *= s);
            (value, grad)
        };
        let minimum = minimize(
            &objective,
            vec![0.0; d + 1],
            &LbfgsParams {
                max_iterations: params.max_iterations,
                gradient_tolerance: params.tolerance * c * n as f64,
                relative_decrease: 1e-9,
                memory: 10,
            },
        );
        let theta: Vec<f64> = minimum.x.iter().zip(&scale).map(|(u, s)| u * s).collect();
        tracing::info!(
            "sparse logistic: {n} rows x {d} columns, {} nonzeros: {} iterations, {} evaluations, {:.1} s",
            x.indices.len(),
            minimum.iterations,
            evaluations.into_inner(),
            started.elapsed().as_secs_f64()
        );
        SparseLogistic {
            weights: theta[..d].iter().map(|&v| v as f32).collect(),
            intercept: theta[d],
            iterations: minimum.iterations,
        }
    }

    /// x·w + b for each row.
    pub fn decision(&self, x: &SparseMatrix) -> Vec<f64> {
        let w: Vec<f64> = self.weights.iter().map(|&v| v as f64).collect();
        (0..x.nrows())
            .into_par_iter()
            .map(|i| row_dot(x, i, &w) + self.intercept)
            .collect()
    }

    /// P(positive) for each row.
    pub fn predict_proba(&self, x: &SparseMatrix) -> Vec<f64> {
        self.decision(x).into_iter().map(sigmoid).collect()
    }
}

#[cfg(test)]
mod tests {
    use linfa::traits::Fit;
    use linfa::Dataset;
    use ndarray::{Array1, Array2};
    use rand_distr::{Distribution, Normal};

    use super::*;
    use crate::stats::ftrl::{Ftrl, FtrlParams};
    use crate::stats::rng::seeded;
    use crate::stats::roc::auroc;

    fn problem(n: usize, d: usize, seed: u64) -> (Array2<f32>, Vec<bool>) {
        let mut rng = seeded(seed, 0);
        let normal = Normal::new(0.0f32, 1.0).unwrap();
        let x = Array2::from_shape_fn((n, d), |_| normal.sample(&mut rng));
        let y = x
            .rows()
            .into_iter()
            .map(|r| r[0] - 0.5 * r[1] + 0.3 * normal.sample(&mut rng) > 0.2)
            .collect();
        (x, y)
    }

    fn csr(x: &Array2<f32>) -> SparseMatrix {
        let mut m = SparseMatrix::new(x.ncols());
        for (i, row) in x.rows().into_iter().enumerate() {
            let indices: Vec<u32> = (0..x.ncols() as u32).collect();
            m.push_row(i.to_string(), &indices, row.as_slice().unwrap());
        }
        m
    }

    #[test]
    fn matches_linfa_logistic_on_a_small_dense_problem() {
        let (x, y) = problem(400, 5, 5);
        // ½‖w‖² + C·Σ loss is linfa's Σ loss + (alpha/2)‖w‖² with alpha = 1/C.
        let ours = SparseLogistic::fit(
            &csr(&x),
            &y,
            &SparseLogisticParams {
                c: 1.0,
                balanced: false,
                max_iterations: 500,
                tolerance: 1e-10,
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
            assert!((*a as f64 - sign * b).abs() < 1e-4, "ours {a} linfa {b}");
        }
        assert!((ours.intercept - sign * theirs.intercept()).abs() < 1e-4);
    }

    #[test]
    fn balanced_weights_and_thread_count_do_not_change_the_answer_between_runs() {
        let (x, _) = problem(600, 8, 9);
        // Rare positives (about one in eight): balancing must still find them.
        let y: Vec<bool> = x
            .rows()
            .into_iter()
            .map(|r| r[0] - 0.5 * r[1] > 1.3)
            .collect();
        let m = csr(&x);
        let fit = || SparseLogistic::fit(&m, &y, &SparseLogisticParams::default());
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(fit);
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(fit);
        assert_eq!(one, two);
        let scores = one.predict_proba(&m);
        assert!(auroc(&scores, &y).unwrap() > 0.9);
        // Balancing up-weights the rare positives: the intercept moves toward them.
        let plain = SparseLogistic::fit(
            &m,
            &y,
            &SparseLogisticParams {
                balanced: false,
                ..SparseLogisticParams::default()
            },
        );
        assert!(
            one.intercept > plain.intercept + 0.1,
            "{} vs {}",
            one.intercept,
            plain.intercept
        );
    }

    #[test]
    fn ftrl_learns_the_same_direction() {
        let (x, y) = problem(2000, 6, 3);
        let m = csr(&x);
        let ftrl = Ftrl::fit(&m, &y, &FtrlParams::default(), 1);
        let w = &ftrl.weights;
        assert!(w[0] > 0.0 && w[1] < 0.0 && w[0].abs() > w[2].abs(), "{w:?}");
        assert_eq!(ftrl, Ftrl::fit(&m, &y, &FtrlParams::default(), 1));
    }
}
