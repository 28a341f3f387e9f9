//! MMD² with random Fourier features (name `mmd_rff`): for corpora too large for the exact
//! test's (m+n)² kernel matrix.
//!
//! Why: with φ(x) = [cos(Wᵀx), sin(Wᵀx)] / √(D/2) and the columns of W drawn from N(0, I/σ²),
//! E[φ(x)·φ(y)] = exp(−||x−y||²/(2σ²)), the exact test's RBF kernel (Rahimi & Recht 2007).
//! The unbiased MMD² then only needs the feature sums S_X, S_Y:
//! `(||S_X||² − Σ_X ||φ||²)/(m(m−1)) + (||S_Y||² − Σ_Y ||φ||²)/(n(n−1)) − 2 S_X·S_Y/(mn)`,
//! so a permutation costs O((m+n)·D) instead of O((m+n)²).

use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewMut2, Axis};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::divergence::mmd::{permutation_p_value, Labellings, MmdOutcome};
use crate::divergence::{Divergence, Sample, TestResult};
use crate::error::{Error, Result};
use crate::stats::kernel;
use crate::stats::rng::seeded;

/// Stream of [`seeded`] for the random frequencies (permutations use 0, 1, ...; the median
/// subsample uses [`kernel::MEDIAN_STREAM`]).
pub const FREQUENCY_STREAM: u64 = u64::MAX - 1;

/// Random features at most (a 65,536-column feature map is already past any gain in power).
pub const MAX_FEATURES: usize = 65_536;

/// Rows per block of the feature map and labellings per product: fixed for determinism.
const BLOCK: usize = 1024;
const BATCH: usize = 64;

/// Random-Fourier-feature MMD² permutation test: drift when the p-value is below `alpha`. Its
/// parameters are checked once, by [`MmdRff::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct MmdRff {
    /// Random permutations (default 500, at least 1); permutation p from `seeded(seed, p)`.
    permutations: usize,
    /// RBF bandwidth σ; `None` = median heuristic on a seeded subsample of ≤ 2,000 pooled rows.
    bandwidth: Option<f64>,
    /// Significance level: drift when p < alpha (default 0.05).
    alpha: f64,
    /// Number of features D (default 512 = 256 frequencies × cos, sin); must be even.
    features: usize,
    /// Documents listed as witnesses (default 10).
    witnesses: usize,
}

impl Default for MmdRff {
    fn default() -> Self {
        MmdRff {
            permutations: 500,
            bandwidth: None,
            alpha: 0.05,
            features: 512,
            witnesses: 10,
        }
    }
}

/// Everything one run of the RFF test computed: the same fields as the exact test's outcome
/// (`mmd2` is the RFF estimate).
pub type MmdRffOutcome = MmdOutcome;

impl MmdRff {
    /// The test with checked parameters; the message names the bad one.
    pub fn new(
        permutations: usize,
        bandwidth: Option<f64>,
        alpha: f64,
        features: usize,
    ) -> std::result::Result<MmdRff, String> {
        super::mmd::check_permutation_test(permutations, bandwidth, alpha)?;
        if !(2..=MAX_FEATURES).contains(&features) || features % 2 != 0 {
            return Err(format!(
                "features: must be an even number from 2 to {MAX_FEATURES} (cos/sin pairs), not {features}"
            ));
        }
        Ok(MmdRff {
            permutations,
            bandwidth,
            alpha,
            features,
            ..MmdRff::default()
        })
    }

    pub fn permutations(&self) -> usize {
        self.permutations
    }

    pub fn features(&self) -> usize {
        self.features
    }

    /// Runs the test; frequencies, median subsample and permutation p all derive from `seed`.
    pub fn test(&self, x: ArrayView2<f64>, y: ArrayView2<f64>, seed: u64) -> Result<MmdRffOutcome> {
        let (m, n) = (x.nrows(), y.nrows());
        if m < 2 || n < 2 {
            return Err(Error::Data(format!(
                "MMD needs at least 2 documents per side (reference {m}, candidate {n})"
            )));
        }
        let z = kernel::pool(x, y)?;
        let sigma = match self.bandwidth {
            Some(b) => b,
            None => kernel::median_heuristic(z.view(), seed)?,
        };
        let phi = features(z.view(), sigma, self.features, seed);
        drop(z);
        let norms: Array1<f64> = phi.rows().into_iter().map(|r| r.dot(&r)).collect();
        let sum_all = phi.sum_axis(Axis(0));
        let sum_norms = norms.sum();
        let labellings = Labellings::Random {
            seed,
            count: self.permutations,
            m,
        };
        let statistic = |sx: ndarray::ArrayView1<f64>, norms_x: f64| {
            let sy = &sum_all - &sx;
            let (mf, nf) = (m as f64, n as f64);
            (sx.dot(&sx) - norms_x) / (mf * (mf - 1.0))
                + (sy.dot(&sy) - (sum_norms - norms_x)) / (nf * (nf - 1.0))
                - 2.0 * sx.dot(&sy) / (mf * nf)
        };
        let total = self.permutations + 1;
        let batches: Vec<(Vec<f64>, Option<Array1<f64>>)> = (0..total.div_ceil(BATCH))
            .into_par_iter()
            .map(|b| {
                let first = b * BATCH;
                let width = BATCH.min(total - first);
                let mut lab = Array2::<f64>::zeros((m + n, width));
                for (c, col) in lab.axis_iter_mut(Axis(1)).enumerate() {
                    labellings.fill(first + c, col);
                }
                let sums = phi.t().dot(&lab); // D × width: S_X of each labelling
                let norms_x = norms.dot(&lab);
                let stats = (0..width)
                    .map(|c| statistic(sums.column(c), norms_x[c]))
                    .collect();
                (stats, (b == 0).then(|| sums.column(0).to_owned()))
            })
            .collect();
        let mut stats = Vec::with_capacity(total);
        let mut sx = None;
        for (st, s0) in batches {
            stats.extend(st);
            sx = sx.or(s0);
        }
        let sx = sx.unwrap_or_default();
        let sy = &sum_all - &sx;
        let mmd2 = stats[0];
        let permutation_stats = stats[1..].to_vec();
        let (count_ge, p_value) = permutation_p_value(mmd2, &permutation_stats);
        let witness = phi
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let (kx, ky) = (f.dot(&sx), f.dot(&sy));
                if i < m {
                    (kx - norms[i]) / (m - 1) as f64 - ky / n as f64
                } else {
                    kx / m as f64 - (ky - norms[i]) / (n - 1) as f64
                }
            })
            .collect();
        Ok(MmdRffOutcome {
            sigma,
            mmd2,
            permutation_stats,
            count_ge,
            p_value,
            witness,
        })
    }
}

/// The N × D feature matrix [cos(ZW), sin(ZW)] / √(D/2), W ~ N(0, I/σ²) from the seed's
/// frequency stream.
fn features(z: ArrayView2<f64>, sigma: f64, d_features: usize, seed: u64) -> Array2<f64> {
    let half = d_features / 2;
    let mut rng = seeded(seed, FREQUENCY_STREAM);
    let w = Array2::from_shape_simple_fn((z.ncols(), half), || {
        rng.sample::<f64, _>(StandardNormal) / sigma
    });
    let scale = (1.0 / half as f64).sqrt();
    let mut phi = Array2::<f64>::zeros((z.nrows(), d_features));
    let Some(flat) = phi.as_slice_mut() else {
        unreachable!("a fresh array is contiguous")
    };
    flat.par_chunks_mut(BLOCK * d_features)
        .enumerate()
        .for_each(|(b, chunk)| {
            let rows = chunk.len() / d_features;
            let mut out = ArrayViewMut2::from_shape((rows, d_features), chunk)
                .unwrap_or_else(|_| unreachable!("chunk is whole rows"));
            let proj: Array2<f64> = z.slice(s![b * BLOCK..b * BLOCK + rows, ..]).dot(&w);
            out.slice_mut(s![.., ..half])
                .assign(&proj.mapv(|v| v.cos() * scale));
            out.slice_mut(s![.., half..])
                .assign(&proj.mapv(|v| v.sin() * scale));
        });
    phi
}

impl Divergence for MmdRff {
    fn name(&self) -> &'static str {
        "mmd_rff"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, seed: u64) -> Result<TestResult> {
        let x = kernel::to_f64(reference.values, "reference")?;
        let y = kernel::to_f64(candidate.values, "candidate")?;
        let out = self.test(x.view(), y.view(), seed)?;
        let extra = [("features", self.features as f64)];
        Ok(out.result(
            self.name(),
            "MMD² (RFF)",
            self.permutations,
            self.alpha,
            self.witnesses,
            reference,
            candidate,
            &extra,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::divergence::mmd::Mmd;

    fn normal(rows: usize, cols: usize, shift: f64, seed: u64) -> Array2<f64> {
        let mut rng = seeded(seed, 3);
        Array2::from_shape_simple_fn((rows, cols), || {
            rng.sample::<f64, _>(StandardNormal) + shift
        })
    }

    #[test]
    fn shifted_samples_drift() {
        let x = normal(300, 16, 0.0, 1);
        let y = normal(300, 16, 0.4, 2);
        let out = MmdRff::default().test(x.view(), y.view(), 5).unwrap();
        assert!(out.p_value < 0.01, "p = {}", out.p_value);
        assert_eq!(out.count_ge, 0);
    }

    #[test]
    fn same_distribution_does_not_drift() {
        let x = normal(300, 16, 0.0, 1);
        let y = normal(300, 16, 0.0, 2);
        let out = MmdRff::default().test(x.view(), y.view(), 5).unwrap();
        assert!(out.p_value > 0.05, "p = {}", out.p_value);
    }

    #[test]
    fn estimate_is_close_to_the_exact_statistic() {
        let x = normal(400, 8, 0.0, 3);
        let y = normal(400, 8, 0.3, 4);
        let exact = Mmd::new(1, None, 0.05)
            .unwrap()
            .test(x.view(), y.view(), 9)
            .unwrap();
        let rff = MmdRff::new(1, Some(exact.sigma), 0.05, 512)
            .unwrap()
            .test(x.view(), y.view(), 9)
            .unwrap();
        let rel = (rff.mmd2 / exact.mmd2 - 1.0).abs();
        assert!(
            rel < 0.2,
            "rff {} vs exact {} ({rel})",
            rff.mmd2,
            exact.mmd2
        );
    }

    #[test]
    fn deterministic_across_thread_counts() {
        let x = normal(120, 6, 0.0, 5);
        let y = normal(90, 6, 0.2, 6);
        let rff = MmdRff::new(100, None, 0.05, 512).unwrap();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| rff.test(x.view(), y.view(), 3).unwrap())
        };
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        for (bad, key) in [
            (MmdRff::new(500, None, 0.05, 7), "features"),
            (MmdRff::new(0, None, 0.05, 512), "permutations"),
            (MmdRff::new(500, Some(-1.0), 0.05, 512), "bandwidth"),
            (MmdRff::new(500, None, 1.0, 512), "alpha"),
        ] {
            let e = bad.unwrap_err();
            assert!(e.starts_with(key), "{e}");
        }
    }
}
