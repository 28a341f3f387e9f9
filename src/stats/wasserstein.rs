//! Wasserstein distances between empirical distributions with uniform weights: 1-D W1 as
//! `scipy.stats.wasserstein_distance` computes it (area between the CDFs), 1-D W_p^p through
//! quantile functions as POT's `wasserstein_1d` does, and the sliced W_p of POT's
//! `ot.sliced_wasserstein_distance` with explicit projection directions.

use ndarray::{ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};

fn check(u: &[f64], v: &[f64]) -> Result<()> {
    if u.is_empty() || v.is_empty() {
        return Err(Error::Data(
            "a Wasserstein distance needs at least one value on each side".into(),
        ));
    }
    if u.iter().chain(v).any(|x| x.is_nan()) {
        return Err(Error::Data("a Wasserstein distance got a NaN value".into()));
    }
    Ok(())
}

fn sorted(x: &[f64]) -> Vec<f64> {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// W1 between the empirical distributions of `u` and `v`: ∫ |F_u − F_v| over the pooled values
/// (`scipy.stats.wasserstein_distance(u, v)`).
pub fn wasserstein1(u: &[f64], v: &[f64]) -> Result<f64> {
    check(u, v)?;
    Ok(wasserstein1_sorted(&sorted(u), &sorted(v)))
}

/// [`wasserstein1`] on samples already sorted ascending, non-empty and free of NaN.
pub fn wasserstein1_sorted(us: &[f64], vs: &[f64]) -> f64 {
    let (nu, nv) = (us.len() as f64, vs.len() as f64);
    let mut all: Vec<f64> = us.iter().chain(vs).copied().collect();
    all.sort_by(f64::total_cmp);
    all.windows(2)
        .map(|w| {
            let fu = us.partition_point(|&a| a <= w[0]) as f64 / nu;
            let fv = vs.partition_point(|&a| a <= w[0]) as f64 / nv;
            (fu - fv).abs() * (w[1] - w[0])
        })
        .sum()
}

/// W_p^p (no root) between the empirical distributions of `u` and `v`, by integrating
/// |Q_u(t) − Q_v(t)|^p over the merged steps of the two quantile functions (POT's
/// `wasserstein_1d`; works for different sizes).
pub fn wasserstein_pp(u: &[f64], v: &[f64], p: f64) -> Result<f64> {
    check(u, v)?;
    Ok(wasserstein_pp_sorted(&sorted(u), &sorted(v), p))
}

/// Cumulative uniform weights 1/n, 2/n, … summed the way numpy's `cumsum` rounds them.
fn cumulative_weights(n: usize) -> Vec<f64> {
    let w = 1.0 / n as f64;
    let mut acc = 0.0;
    (0..n)
        .map(|_| {
            acc += w;
            acc
        })
        .collect()
}

/// [`wasserstein_pp`] on samples already sorted ascending, non-empty and free of NaN.
pub fn wasserstein_pp_sorted(us: &[f64], vs: &[f64], p: f64) -> f64 {
    let (cu, cv) = (cumulative_weights(us.len()), cumulative_weights(vs.len()));
    let mut qs: Vec<f64> = cu.iter().chain(&cv).copied().collect();
    qs.sort_by(f64::total_cmp);
    // Quantile function: the first atom whose cumulative weight reaches t (searchsorted
    // 'left'), clipped to the last atom against rounding in the cumulative sums.
    let quantile =
        |cw: &[f64], xs: &[f64], t: f64| xs[cw.partition_point(|&c| c < t).min(xs.len() - 1)];
    let mut prev = 0.0;
    let mut total = 0.0;
    for &t in &qs {
        let diff = (quantile(&cu, us, t) - quantile(&cv, vs, t)).abs();
        let cost = if p == 1.0 { diff } else { diff.powf(p) };
        total += (t - prev) * cost;
        prev = t;
    }
    total
}

/// Projections of the rows of `x` on one direction, sorted ascending.
fn projected(x: ArrayView2<f64>, theta: ArrayView1<f64>) -> Vec<f64> {
    let mut v = x.dot(&theta).to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// W_p^p between the projections of `x` and `y` on each column of `projections` (d × L), in
/// column order; directions are used as given (not normalised), as in POT.
pub fn projected_wasserstein_pp(
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    projections: ArrayView2<f64>,
    p: f64,
) -> Result<Vec<f64>> {
    if x.nrows() == 0 || y.nrows() == 0 {
        return Err(Error::Data(
            "sliced Wasserstein needs at least one row on each side".into(),
        ));
    }
    if x.ncols() != y.ncols() || x.ncols() != projections.nrows() {
        return Err(Error::Data(format!(
            "sliced Wasserstein: widths differ (reference {}, candidate {}, projections {})",
            x.ncols(),
            y.ncols(),
            projections.nrows()
        )));
    }
    if x.iter().chain(y.iter()).any(|v| !v.is_finite()) {
        return Err(Error::Data(
            "sliced Wasserstein got a non-finite value".into(),
        ));
    }
    let columns: Vec<ArrayView1<f64>> = projections.axis_iter(Axis(1)).collect();
    Ok(columns
        .par_iter()
        .map(|theta| wasserstein_pp_sorted(&projected(x, *theta), &projected(y, *theta), p))
        .collect())
}

/// Sliced Wasserstein distance SW_p = (mean over directions of W_p^p)^(1/p), with the
/// directions given as the columns of `projections` (d × L), as
/// `ot.sliced_wasserstein_distance(x, y, p=p, projections=projections)`.
pub fn sliced_wasserstein(
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    projections: ArrayView2<f64>,
    p: f64,
) -> Result<f64> {
    if projections.ncols() == 0 {
        return Err(Error::Data(
            "sliced Wasserstein needs at least one projection".into(),
        ));
    }
    let per = projected_wasserstein_pp(x, y, projections, p)?;
    Ok((per.iter().sum::<f64>() / per.len() as f64).powf(1.0 / p))
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn w1_of_a_shift_is_the_shift_and_handles_unequal_sizes() {
        let u = [0.0, 1.0, 2.0, 3.0];
        let v: Vec<f64> = u.iter().map(|x| x + 0.5).collect();
        assert!((wasserstein1(&u, &v).unwrap() - 0.5).abs() < 1e-15);
        // {0, 1} vs {0, 0, 3}: CDF gap 1/6 on [0,1), 1/3 on [1,3) → 1/6 + 2/3.
        let w = wasserstein1(&[1.0, 0.0], &[0.0, 3.0, 0.0]).unwrap();
        assert!((w - 5.0 / 6.0).abs() < 1e-15, "{w}");
        // Same through quantile functions with p = 1.
        let wq = wasserstein_pp(&[1.0, 0.0], &[0.0, 3.0, 0.0], 1.0).unwrap();
        assert!((wq - 5.0 / 6.0).abs() < 1e-15, "{wq}");
    }

    #[test]
    fn w2_squared_via_quantiles() {
        // {0, 1} vs {2, 4}: sorted pairs (0,2), (1,4): (4 + 9)/2.
        let w = wasserstein_pp(&[1.0, 0.0], &[4.0, 2.0], 2.0).unwrap();
        assert!((w - 6.5).abs() < 1e-15);
    }

    #[test]
    fn sliced_with_axis_directions_averages_the_axes() {
        let x = array![[0.0, 0.0], [1.0, 2.0]];
        let y = array![[1.0, 0.0], [2.0, 2.0]];
        // Axis 1 shifted by 1 (W2² = 1), axis 2 equal (0): SW2 = sqrt(1/2).
        let p = array![[1.0, 0.0], [0.0, 1.0]];
        let sw = sliced_wasserstein(x.view(), y.view(), p.view(), 2.0).unwrap();
        assert!((sw - 0.5f64.sqrt()).abs() < 1e-15);
        let bad = array![[1.0], [0.0], [0.0]];
        assert!(sliced_wasserstein(x.view(), y.view(), bad.view(), 2.0).is_err());
    }
}
