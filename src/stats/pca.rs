//! Principal component analysis by eigen-decomposition of the covariance (or, when there are
//! fewer rows than columns, of the Gram) matrix, as scikit-learn's `PCA` with `whiten=False`.
//!
//! Why an exact eigen-decomposition and not randomized SVD: MAUVE keeps as many components as
//! explain a share of the variance, which needs the whole spectrum; for the widths driftprint
//! sees (≤ ~1,000) one symmetric eigen-decomposition costs well under a second.

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Rows per block of the parallel Gram/covariance product; fixed so that the sum order, and so
/// the result, never depends on the thread count.
const BLOCK: usize = 512;

/// How many components to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Components {
    /// Exactly this many (capped at the rank bound min(rows, columns)).
    Count(usize),
    /// The fewest whose cumulative explained-variance ratio reaches this share (in (0, 1]),
    /// as mauve-text's `argmax(cumsum(ratio) >= share) + 1`.
    ExplainedVariance(f64),
}

/// A fitted projection: `transform(x) = (x − mean) · componentsᵀ`.
#[derive(Debug, Clone)]
pub struct Pca {
    /// Column means of the fitted data.
    pub mean: Array1<f64>,
    /// Kept principal axes, one unit-length row each, by decreasing variance.
    pub components: Array2<f64>,
    /// Variance along every axis (not only the kept ones), decreasing, with `ddof = 1`.
    pub explained_variance: Vec<f64>,
    /// `explained_variance` divided by its sum.
    pub explained_variance_ratio: Vec<f64>,
}

impl Pca {
    /// Fits the principal axes of `x` (rows = samples, at least two, all values finite).
    pub fn fit(x: ArrayView2<f64>, keep: Components) -> Result<Pca> {
        let (n, d) = x.dim();
        if n < 2 || d == 0 {
            return Err(Error::Data(format!(
                "PCA needs at least 2 rows and 1 column, got {n} x {d}"
            )));
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::Data("PCA input has non-finite values".into()));
        }
        if let Components::ExplainedVariance(share) = keep {
            if !(share > 0.0 && share <= 1.0) {
                return Err(Error::Usage(format!(
                    "explained variance share must be in (0, 1], got {share}"
                )));
            }
        }
        let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
        let centred = &x - &mean;
        // Both products share their non-zero eigenvalues; decompose the smaller one.
        let (values, axes) = if d <= n {
            let cov = gram_t(centred.view());
            let (values, vectors) = eigen_descending(cov)?;
            (values, vectors.reversed_axes())
        } else {
            let g = gram(centred.view());
            let (values, vectors) = eigen_descending(g)?;
            // Axis v = Xcᵀ u / ‖Xcᵀ u‖ for each eigenvector u of Xc Xcᵀ.
            let mut axes = vectors.t().dot(&centred);
            for mut row in axes.rows_mut() {
                let norm = row.dot(&row).sqrt();
                if norm > 0.0 {
                    row /= norm;
                }
            }
            (values, axes)
        };
        let rank = n.min(d);
        let explained_variance: Vec<f64> = values
            .iter()
            .take(rank)
            .map(|&v| v.max(0.0) / (n - 1) as f64)
            .collect();
        let total: f64 = explained_variance.iter().sum();
        let explained_variance_ratio: Vec<f64> = explained_variance
            .iter()
            .map(|&v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        let kept = match keep {
            Components::Count(c) => c.clamp(1, rank),
            Components::ExplainedVariance(share) => {
                let mut cumulative = 0.0;
                explained_variance_ratio
                    .iter()
                    .position(|&r| {
                        cumulative += r;
                        cumulative >= share
                    })
                    .map_or(rank, |i| i + 1)
            }
        };
        Ok(Pca {
            mean,
            components: axes.slice(s![..kept, ..]).to_owned(),
            explained_variance,
            explained_variance_ratio,
        })
    }

    /// Number of kept components.
    pub fn dims(&self) -> usize {
        self.components.nrows()
    }

    /// Projects rows of `x` onto the kept axes.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        if x.ncols() != self.mean.len() {
            return Err(Error::Data(format!(
                "PCA was fitted on {} columns, got {}",
                self.mean.len(),
                x.ncols()
            )));
        }
        Ok((&x - &self.mean).dot(&self.components.t()))
    }
}

/// `aᵀ · a` (columns × columns), summed over fixed row blocks in a fixed order.
fn gram_t(a: ArrayView2<f64>) -> Array2<f64> {
    let (r, c) = a.dim();
    let starts: Vec<usize> = (0..r).step_by(BLOCK).collect();
    let partials: Vec<Array2<f64>> = starts
        .par_iter()
        .map(|&s0| {
            let block = a.slice(s![s0..(s0 + BLOCK).min(r), ..]);
            block.t().dot(&block)
        })
        .collect();
    let mut total = Array2::zeros((c, c));
    for p in partials {
        total += &p;
    }
    total
}

/// `a · aᵀ` (rows × rows), summed over fixed column blocks in a fixed order.
fn gram(a: ArrayView2<f64>) -> Array2<f64> {
    gram_t(a.t())
}

/// Eigenvalues (decreasing) and eigenvectors (as columns, same order) of a symmetric matrix.
fn eigen_descending(m: Array2<f64>) -> Result<(Vec<f64>, Array2<f64>)> {
    let size = m.nrows();
    let mat = DMatrix::from_fn(size, size, |i, j| m[[i, j]]);
    // A bounded iteration count so that a pathological matrix errors instead of spinning.
    let eig = SymmetricEigen::try_new(mat, f64::EPSILON, 1000 * size.max(1))
        .ok_or_else(|| Error::Data("PCA eigen-decomposition did not converge".into()))?;
    let mut order: Vec<usize> = (0..size).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let values = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let vectors = Array2::from_shape_fn((size, size), |(i, j)| eig.eigenvectors[(i, order[j])]);
    Ok((values, vectors))
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use rand::Rng;
    use rand_distr::StandardNormal;

    use super::*;
    use crate::stats::rng::seeded;

    fn random(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = seeded(seed, 0);
        Array2::from_shape_simple_fn((n, d), || rng.sample::<f64, _>(StandardNormal))
    }

    #[test]
    fn recovers_the_axis_of_a_line() {
        // Points on the line y = 2x (plus one off it): the first axis is (1, 2)/√5.
        let x = array![[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [1.0, 2.5]];
        let pca = Pca::fit(x.view(), Components::Count(2)).unwrap();
        let axis = pca.components.row(0);
        let cos = (axis[0] + 2.0 * axis[1]).abs() / 5f64.sqrt();
        assert!(cos > 0.999, "cos = {cos}");
        assert!(pca.explained_variance_ratio[0] > 0.99);
        let total: f64 = pca.explained_variance_ratio.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn variance_matches_the_sample_covariance_trace() {
        let x = random(300, 6, 1);
        let pca = Pca::fit(x.view(), Components::Count(6)).unwrap();
        let trace: f64 = x.var_axis(Axis(0), 1.0).sum();
        let total: f64 = pca.explained_variance.iter().sum();
        assert!((total - trace).abs() < 1e-9 * trace);
        // Projected columns are uncorrelated with variances equal to the eigenvalues.
        let z = pca.transform(x.view()).unwrap();
        let cov = z.t().dot(&z) / 299.0;
        for i in 0..6 {
            assert!((cov[[i, i]] - pca.explained_variance[i]).abs() < 1e-9);
            for j in 0..i {
                assert!(cov[[i, j]].abs() < 1e-9);
            }
        }
    }

    #[test]
    fn wide_data_uses_the_gram_matrix_and_agrees() {
        // 20 rows x 50 columns: rank 19 after centring; projections preserve distances.
        let x = random(20, 50, 2);
        let pca = Pca::fit(x.view(), Components::ExplainedVariance(1.0)).unwrap();
        assert!(pca.dims() <= 20);
        let z = pca.transform(x.view()).unwrap();
        let d_x = (&x.row(3) - &x.row(7)).mapv(|v| v * v).sum();
        let d_z = (&z.row(3) - &z.row(7)).mapv(|v| v * v).sum();
        assert!((d_x - d_z).abs() < 1e-8 * d_x, "{d_x} vs {d_z}");
        let trace: f64 = x.var_axis(Axis(0), 1.0).sum();
        let total: f64 = pca.explained_variance.iter().sum();
        assert!((total - trace).abs() < 1e-9 * trace);
    }

    #[test]
    fn explained_variance_picks_the_fewest_axes() {
        // Column scales 10, 3, 1, 0.1: the first two axes explain ~99% of the variance.
        let mut x = random(2000, 4, 3);
        for (j, s) in [10.0, 3.0, 1.0, 0.1].into_iter().enumerate() {
            x.column_mut(j).mapv_inplace(|v| v * s);
        }
        let pick = |share| {
            Pca::fit(x.view(), Components::ExplainedVariance(share))
                .unwrap()
                .dims()
        };
        assert_eq!(pick(0.5), 1);
        assert_eq!(pick(0.95), 2);
        assert_eq!(pick(0.999), 3);
        assert_eq!(pick(1.0), 4);
    }

    #[test]
    fn rejects_unusable_data() {
        assert!(matches!(
            Pca::fit(Array2::<f64>::zeros((1, 3)).view(), Components::Count(1)),
            Err(Error::Data(_))
        ));
        let bad = array![[1.0, f64::NAN], [0.0, 1.0]];
        assert!(matches!(
            Pca::fit(bad.view(), Components::Count(1)),
            Err(Error::Data(_))
        ));
        let ok = array![[1.0, 0.0], [0.0, 1.0]];
        assert!(matches!(
            Pca::fit(ok.view(), Components::ExplainedVariance(1.5)),
            Err(Error::Usage(_))
        ));
    }
}
