//! RBF-kernel building blocks for the MMD tests: pairwise squared distances in the Gram form
//! (one matrix product instead of a loop over pairs) and the median-heuristic bandwidth.
//!
//! Precision: the Gram form `||x||² + ||y||² − 2 x·y` is computed in f64 (the inputs are f32
//! features; the reference vectors are f64). Measured on 4,000 pooled rows × 384 (standard
//! normal, mean shift 0.05): the f32 product (`sgemm` accumulates in f32) is off by up to 2e-4 in
//! d² (3e-7 relative) and moves MMD² ≈ 7.4e-4 by 1.4e-8 relative (6e-9 for unit-norm rows) —
//! fine for a drift decision, but the full f32 product took 0.46 s against 0.60 s for the f64
//! upper half (2 busy cores) and it cannot meet the reference tolerance, so f64 it is. The f64 form
//! matches the direct difference form to < 1e-12 (unit test below).

use ndarray::{linalg::general_mat_mul, s, Array1, Array2, ArrayView2, ArrayViewMut2, Axis};
use rand::seq::index;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::stats::rng::seeded;

/// Rows per block of the pairwise products: fixed, so every entry comes from the same sequence
/// of floating-point operations whatever the number of threads.
const BLOCK: usize = 256;

/// Pooled rows above which the median heuristic uses a seeded subsample of this many rows
/// (≈ 2 million pairs: the median's sampling error is far below what moves a test).
pub const MEDIAN_MAX_ROWS: usize = 2_000;

/// Stream of [`seeded`] used for the median subsample (permutations use streams 0, 1, ...).
pub const MEDIAN_STREAM: u64 = u64::MAX;

/// Converts an f32 feature matrix to f64 (statistics accumulate in f64), rejecting non-finite
/// values, which would turn every kernel entry they touch into NaN.
pub fn to_f64(x: ArrayView2<f32>, what: &str) -> Result<Array2<f64>> {
    if let Some(((row, col), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::Data(format!(
            "{what}: row {row}, column {col} is {v}: features must be finite"
        )));
    }
    Ok(x.mapv(f64::from))
}

/// Stacks `x` over `y` (the pooled sample [X; Y]) after checking that both have rows and the
/// same number of columns.
pub fn pool(x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<Array2<f64>> {
    if x.ncols() != y.ncols() {
        return Err(Error::Data(format!(
            "reference has {} columns but candidate has {}: compare features of the same kind",
            x.ncols(),
            y.ncols()
        )));
    }
    if x.ncols() == 0 {
        return Err(Error::Data("samples have no feature columns".into()));
    }
    ndarray::concatenate(Axis(0), &[x.view(), y.view()]).map_err(|e| Error::Data(e.to_string()))
}

/// Squared Euclidean norm of each row.
pub fn row_sq_norms(x: ArrayView2<f64>) -> Array1<f64> {
    x.rows().into_iter().map(|r| r.dot(&r)).collect()
}

/// Squared Euclidean distances between all pairs of rows of `z` (an N × N symmetric matrix with
/// an exact zero diagonal), as `||a||² + ||b||² − 2 a·b` clamped at 0. Only the blocks on and
/// above the diagonal are multiplied; the rest is mirrored.
pub fn pairwise_sq_dists(z: ArrayView2<f64>) -> Array2<f64> {
    let n = z.nrows();
    let norms = row_sq_norms(z);
    let mut out = Array2::<f64>::zeros((n, n));
    if n == 0 {
        return out;
    }
    let Some(flat) = out.as_slice_mut() else {
        unreachable!("a fresh array is contiguous")
    };
    flat.par_chunks_mut(BLOCK * n)
        .enumerate()
        .for_each(|(b, chunk)| {
            let start = b * BLOCK;
            let end = start + chunk.len() / n;
            let mut rows = ArrayViewMut2::from_shape((end - start, n), chunk)
                .unwrap_or_else(|_| unreachable!("chunk is whole rows"));
            let mut upper = rows.slice_mut(s![.., start..]);
            // upper = z[start..end] · z[start..]ᵀ
            general_mat_mul(
                1.0,
                &z.slice(s![start..end, ..]),
                &z.slice(s![start.., ..]).t(),
                0.0,
                &mut upper,
            );
            for (r, mut row) in upper.rows_mut().into_iter().enumerate() {
                let i = start + r;
                for (c, g) in row.iter_mut().enumerate() {
                    let j = start + c;
                    *g = if i == j {
                        0.0
                    } else {
                        (norms[i] + norms[j] - 2.0 * *g).max(0.0)
                    };
                }
            }
        });
    mirror_upper(&mut out);
    out
}

/// Copies the upper triangle onto the lower one, block by block (cache-friendly transpose).
fn mirror_upper(m: &mut Array2<f64>) {
    let n = m.nrows();
    for bi in (0..n).step_by(BLOCK) {
        for bj in (0..=bi).step_by(BLOCK) {
            for i in bi..(bi + BLOCK).min(n) {
                for j in bj..(bj + BLOCK).min(i) {
                    m[[i, j]] = m[[j, i]];
                }
            }
        }
    }
}

/// Median of the Euclidean (not squared) distances over all unordered pairs i < j of `rows`
/// (all rows when `None`), read from a pairwise squared-distance matrix. An even number of
/// pairs gives the mean of the two middle values, as `numpy.median` does.
pub fn median_distance(d2: ArrayView2<f64>, rows: Option<&[usize]>) -> f64 {
    let all: Vec<usize>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..d2.nrows()).collect();
            &all
        }
    };
    let mut d: Vec<f64> = Vec::with_capacity(rows.len() * rows.len().saturating_sub(1) / 2);
    for (a, &i) in rows.iter().enumerate() {
        d.extend(rows[a + 1..].iter().map(|&j| d2[[i, j]].sqrt()));
    }
    median_in_place(&mut d)
}

/// Median of a slice (reordered in place); NaN for an empty slice.
fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let (_, upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    // The lower middle is the largest of the elements left of position n/2.
    let lower = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

/// The rows the median heuristic looks at: all of them up to [`MEDIAN_MAX_ROWS`], otherwise a
/// seeded subsample of that many (sorted, so the choice does not depend on sampling order).
pub fn median_rows(n: usize, seed: u64) -> Option<Vec<usize>> {
    (n > MEDIAN_MAX_ROWS).then(|| {
        let mut rows =
            index::sample(&mut seeded(seed, MEDIAN_STREAM), n, MEDIAN_MAX_ROWS).into_vec();
        rows.sort_unstable();
        rows
    })
}

/// Median-heuristic bandwidth σ of a pooled sample: the median Euclidean distance over pairs of
/// rows (on a seeded subsample of [`MEDIAN_MAX_ROWS`] rows for larger samples). Errors when the
/// median is 0 (more than half the pairs are duplicates), where the heuristic breaks down.
pub fn median_heuristic(z: ArrayView2<f64>, seed: u64) -> Result<f64> {
    let d2 = match median_rows(z.nrows(), seed) {
        Some(rows) => pairwise_sq_dists(z.select(Axis(0), &rows).view()),
        None => pairwise_sq_dists(z),
    };
    check_bandwidth(median_distance(d2.view(), None))
}

/// Accepts a usable bandwidth (finite and positive) or says what to do instead.
pub fn check_bandwidth(sigma: f64) -> Result<f64> {
    if sigma.is_finite() && sigma > 0.0 {
        Ok(sigma)
    } else {
        Err(Error::Data(format!(
            "median-heuristic bandwidth is {sigma} (most pairs of documents are identical or \
             there are fewer than two): deduplicate the samples or set a bandwidth"
        )))
    }
}

/// Turns squared distances into RBF kernel values `exp(−d²/(2σ²))` in place, element by element.
pub fn rbf_in_place(d2: &mut Array2<f64>, sigma: f64) {
    let gamma = 1.0 / (2.0 * sigma * sigma);
    let cols = d2.ncols().max(1);
    match d2.as_slice_mut() {
        Some(flat) => flat
            .par_chunks_mut(cols)
            .for_each(|row| row.iter_mut().for_each(|v| *v = (-gamma * *v).exp())),
        None => d2.mapv_inplace(|v| (-gamma * v).exp()),
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use rand::Rng;
    use rand_distr::StandardNormal;

    use super::*;

    fn normal(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
        let mut rng = seeded(seed, 0);
        Array2::from_shape_simple_fn((rows, cols), || rng.sample(StandardNormal))
    }

    #[test]
    fn gram_form_matches_direct_differences() {
        // 600 rows span several blocks, including a partial one.
        let z = normal(600, 20, 3);
        let d2 = pairwise_sq_dists(z.view());
        let mut worst = 0.0f64;
        for i in 0..z.nrows() {
            for j in 0..z.nrows() {
                let direct: f64 = (&z.row(i) - &z.row(j)).mapv(|v| v * v).sum();
                worst = worst.max((d2[[i, j]] - direct).abs());
            }
            assert_eq!(d2[[i, i]], 0.0);
        }
        assert!(worst < 1e-12, "max |Gram − direct| = {worst:e}");
        assert_eq!(d2, d2.t());
    }

    #[test]
    fn median_of_pairs_even_and_odd() {
        // Distances: (0,1)=1, (0,2)=3, (1,2)=2 → median 2.
        let z = array![[0.0], [1.0], [3.0]];
        assert_eq!(median_heuristic(z.view(), 0).unwrap(), 2.0);
        // Four points on a line: pair distances 1,2,3,1,2,1 → sorted 1,1,1,2,2,3 → (1+2)/2.
        let z = array![[0.0], [1.0], [2.0], [3.0]];
        assert_eq!(median_heuristic(z.view(), 0).unwrap(), 1.5);
    }

    #[test]
    fn median_subsample_is_seeded_and_close() {
        let z = normal(2_600, 4, 5);
        let a = median_heuristic(z.view(), 1).unwrap();
        assert_eq!(a, median_heuristic(z.view(), 1).unwrap());
        let exact = median_distance(pairwise_sq_dists(z.view()).view(), None);
        assert!(
            (a / exact - 1.0).abs() < 0.01,
            "subsample {a} vs exact {exact}"
        );
    }

    #[test]
    fn duplicates_make_the_heuristic_fail_cleanly() {
        let z = Array2::<f64>::ones((5, 3));
        let err = median_heuristic(z.view(), 0).unwrap_err().to_string();
        assert!(err.contains("set a bandwidth"), "{err}");
    }

    #[test]
    fn rejects_non_finite_and_mismatched_inputs() {
        let x = array![[1.0f32, f32::NAN]];
        assert!(to_f64(x.view(), "reference")
            .unwrap_err()
            .to_string()
            .contains("row 0, column 1"));
        let a = Array2::<f64>::zeros((2, 3));
        let b = Array2::<f64>::zeros((2, 4));
        assert!(pool(a.view(), b.view()).is_err());
    }

    #[test]
    fn rbf_values() {
        let mut d2 = array![[0.0, 2.0], [8.0, 0.0]];
        rbf_in_place(&mut d2, 2.0);
        assert_eq!(d2[[0, 0]], 1.0);
        assert!((d2[[0, 1]] - (-0.25f64).exp()).abs() < 1e-15);
        assert!((d2[[1, 0]] - (-1.0f64).exp()).abs() < 1e-15);
    }
}
