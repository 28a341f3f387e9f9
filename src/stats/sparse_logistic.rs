//! L2-regularised logistic regression over sparse (CSR) rows, fitted by L-BFGS with the loss and
//! gradient computed in parallel over fixed row chunks (summed in chunk order, so the result does
//! not depend on the thread count). Hashed n-gram design matrices (2^18 columns) cannot be dense,
//! and linfa's learners take dense arrays only.

use rayon::prelude::*;

use super::lbfgs::{minimize, LbfgsParams};
use super::logistic::{sigmoid, softplus};
use crate::matrix::SparseMatrix;

/// Parallel work items: fixed, so the summation order does not follow the thread count; each
/// keeps one dense partial gradient.
const CHUNKS: usize = 16;

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
        let size = n.div_ceil(CHUNKS).max(1);
        let chunks: Vec<(usize, usize)> = (0..n)
            .step_by(size)
            .map(|s| (s, (s + size).min(n)))
            .collect();
        let evaluations = std::sync::atomic::AtomicUsize::new(0);
        let started = std::time::Instant::now();
        // Jacobi preconditioning: L-BFGS starts from an isotropic curvature guess, but the
        // standardised style columns (values ~1 in every row) are thousands of times more curved
        // than a rare n-gram's bucket (~0.02 in a few rows). Solving for u with w = s∘u, where
        // s = 1/√(the Hessian diagonal at w = 0), evens that out; same minimum, far fewer steps.
        let mut curvature = vec![0.0f64; d + 1];
        for (i, &row_weight) in rw.iter().enumerate() {
            let weight = 0.25 * c * row_weight;
            let (a, e) = (x.indptr[i], x.indptr[i + 1]);
            for (&j, &v) in x.indices[a..e].iter().zip(&x.values[a..e]) {
                curvature[j as usize] += weight * (v as f64) * (v as f64);
            }
            curvature[d] += weight;
        }
        let scale: Vec<f64> = curvature
            .iter()
            .enumerate()
            .map(|(j, &h)| 1.0 / (h + if j < d { 1.0 } else { 0.0 }).max(1e-12).sqrt())
            .collect();
        // One dense partial gradient per chunk, reused across evaluations (a fresh 2 MB vector
        // per chunk and call spent its time in page faults).
        let buffers: Vec<std::sync::Mutex<Vec<f64>>> = (0..chunks.len())
            .map(|_| std::sync::Mutex::new(vec![0.0; d]))
            .collect();
        let objective = |u: &[f64]| -> (f64, Vec<f64>) {
            evaluations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let theta: Vec<f64> = u.iter().zip(&scale).map(|(u, s)| u * s).collect();
            let (w, b) = theta.split_at(d);
            let b = b[0];
            let partials: Vec<(f64, f64)> = chunks
                .par_iter()
                .zip(buffers.par_iter())
                .map(|(&(start, end), buffer)| {
                    let (mut loss, mut gb) = (0.0, 0.0);
                    let mut grad = buffer.lock().unwrap_or_else(|e| e.into_inner());
                    grad.fill(0.0);
                    for i in start..end {
                        let (a, e) = (x.indptr[i], x.indptr[i + 1]);
                        let (idx, val) = (&x.indices[a..e], &x.values[a..e]);
                        let z = row_dot(x, i, w) + b;
                        let weight = rw[i];
                        let target = f64::from(u8::from(y[i]));
                        loss += weight * (softplus(z) - target * z);
                        let r = weight * (sigmoid(z) - target);
                        gb += r;
                        for (&j, &v) in idx.iter().zip(val) {
                            grad[j as usize] += r * v as f64;
                        }
                    }
                    (loss, gb)
                })
                .collect();
            let mut grad = vec![0.0; d + 1];
            let mut loss = 0.0;
            for ((l, gb), buffer) in partials.into_iter().zip(&buffers) {
                loss += l;
                grad[d] += gb;
                let g = buffer.lock().unwrap_or_else(|e| e.into_inner());
                grad[..d]
                    .iter_mut()
                    .zip(g.iter())
                    .for_each(|(a, b)| *a += b);
            }
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
