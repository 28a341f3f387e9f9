//! Exact kernel two-sample test: unbiased MMD² with an RBF kernel and a permutation test.
//!
//! Why it is fast: the pooled (m+n)² kernel matrix K is computed once, with its diagonal set
//! to 0 so every sum below is the unbiased one. A labelling z (1 on the rows that play X) then
//! needs only q = zᵀKz: with row sums r = K·1 and T = 1ᵀK1,
//! `Σ_XX = q`, `Σ_XY = z·r − q`, `Σ_YY = T − 2 z·r + q`. Many labellings at once are one matrix
//! product K·Z (Z is (m+n) × batch of 0/1 columns), so 500 permutations cost about as much as
//! 500/(m+n) kernel matrices.

use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewMut1, Axis};
use rand::seq::index;
use rayon::prelude::*;

use crate::divergence::{Details, Divergence, Sample, Side, TestResult, ThresholdKind, Witness};
use crate::error::{Error, Result};
use crate::stats::kernel;
use crate::stats::rng::seeded;

/// Pooled rows above which the exact test refuses to run: its time grows with the square
/// (20,000 rows and 500 permutations are 2·10¹¹ multiply-adds). `mmd_rff` has no such limit.
pub const MAX_POOLED_ROWS: usize = 20_000;

/// Exact MMD² permutation test (name `mmd`): drift when the permutation p-value is below `alpha`.
/// Its parameters are checked once, by [`Mmd::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Mmd {
    /// Random permutations of the pooled sample (default 500, at least 1); p ≥ 1/(1 + permutations).
    permutations: usize,
    /// RBF bandwidth σ; `None` uses the median heuristic (median pairwise Euclidean distance of
    /// the pooled sample, on a seeded subsample of 2,000 rows when larger).
    bandwidth: Option<f64>,
    /// Significance level: drift when p < alpha (default 0.05).
    alpha: f64,
    /// Documents listed as witnesses, largest |witness function| first (default 10).
    witnesses: usize,
}

impl Default for Mmd {
    fn default() -> Self {
        Mmd {
            permutations: 500,
            bandwidth: None,
            alpha: 0.05,
            witnesses: 10,
        }
    }
}

/// The parameters both MMD tests share: at least 1 permutation, a positive bandwidth, α in (0, 1).
pub(crate) fn check_permutation_test(
    permutations: usize,
    bandwidth: Option<f64>,
    alpha: f64,
) -> std::result::Result<(), String> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(format!("alpha: {alpha} is not in (0, 1)"));
    }
    if !PERMUTATIONS.contains(&permutations) {
        return Err(crate::checks::whole_number_outside(
            "permutations",
            &PERMUTATIONS,
            permutations,
        ));
    }
    if let Some(b) = bandwidth {
        if !(b.is_finite() && b > 0.0) {
            return Err(format!("bandwidth: {b} is not a positive number"));
        }
    }
    Ok(())
}

/// Permutations either MMD test may run (500 by default, plenty for α = 0.05): more than
/// 100,000 buy nothing a p-value can show (p ≥ 1/100,001).
pub const PERMUTATIONS: std::ops::RangeInclusive<usize> = 1..=100_000;

/// Everything one run of the exact test computed.
#[derive(Debug, Clone, PartialEq)]
pub struct MmdOutcome {
    /// Bandwidth used.
    pub sigma: f64,
    /// Observed unbiased MMD².
    pub mmd2: f64,
    /// Unbiased MMD² of each permuted split, in permutation order.
    pub permutation_stats: Vec<f64>,
    /// Permuted statistics ≥ the observed one.
    pub count_ge: usize,
    /// (1 + count_ge) / (1 + permutations).
    pub p_value: f64,
    /// Leave-one-out witness function at every pooled row (reference rows first):
    /// mean kernel to the other reference rows minus mean kernel to the other candidate rows.
    pub witness: Vec<f64>,
}

impl Mmd {
    /// The test with checked parameters; the message names the bad one.
    pub fn new(
        permutations: usize,
        bandwidth: Option<f64>,
        alpha: f64,
    ) -> std::result::Result<Mmd, String> {
        check_permutation_test(permutations, bandwidth, alpha)?;
        Ok(Mmd {
            permutations,
            bandwidth,
            alpha,
            ..Mmd::default()
        })
    }

    pub fn permutations(&self) -> usize {
        self.permutations
    }

    /// Lists `n` witness documents.
    pub fn with_witnesses(self, n: usize) -> Mmd {
        Mmd {
            witnesses: n,
            ..self
        }
    }

    /// Runs the test with `permutations` random permutations, permutation `p` drawn from
    /// `seeded(seed, p)`; `seed` also picks the median-heuristic subsample.
    pub fn test(&self, x: ArrayView2<f64>, y: ArrayView2<f64>, seed: u64) -> Result<MmdOutcome> {
        let pooled = PooledKernel::new(x, y, self.bandwidth, seed)?;
        let stats = pooled.statistics(&Labellings::Random {
            seed,
            count: self.permutations,
            m: x.nrows(),
        })?;
        Ok(pooled.outcome(stats))
    }

    /// Runs the test on explicit permutations (0-based indices into the pooled [X; Y]; the
    /// first m entries of each form the permuted X); `self.permutations` is ignored.
    pub fn test_with_permutations(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        permutations: &[Vec<usize>],
        seed: u64,
    ) -> Result<MmdOutcome> {
        let pooled = PooledKernel::new(x, y, self.bandwidth, seed)?;
        let stats = pooled.statistics(&Labellings::Explicit {
            perms: permutations,
            m: x.nrows(),
        })?;
        Ok(pooled.outcome(stats))
    }
}

/// The pooled sample [X; Y] with its RBF bandwidth. The kernel matrix is never held whole
/// (10,000 pooled rows would take 800 MB): [`PooledKernel::statistics`] computes it a block of
/// rows at a time and multiplies each block by every labelling at once, so memory is bounded by
/// the labellings (pooled rows × (permutations + 1)) and one block per thread.
struct PooledKernel {
    z: Array2<f64>,
    norms: Array1<f64>,
    m: usize,
    sigma: f64,
}

/// Rows of the kernel matrix computed at a time (per thread). Fixed, and blocks are summed in
/// order, so results never depend on the thread count.
const TILE: usize = 256;

impl PooledKernel {
    fn new(
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        bandwidth: Option<f64>,
        seed: u64,
    ) -> Result<Self> {
        let (m, n) = (x.nrows(), y.nrows());
        if m < 2 || n < 2 {
            return Err(Error::Data(format!(
                "MMD needs at least 2 documents per side (reference {m}, candidate {n})"
            )));
        }
        if m + n > MAX_POOLED_ROWS {
            return Err(Error::Data(format!(
                "{} pooled documents exceed the exact MMD limit of {MAX_POOLED_ROWS} (its time \
                 grows with the square): subsample, or use mmd_rff",
                m + n
            )));
        }
        let z = kernel::pool(x, y)?;
        let sigma = match bandwidth {
            Some(b) => b,
            None => kernel::median_heuristic(z.view(), seed)?,
        };
        Ok(PooledKernel {
            norms: kernel::row_sq_norms(z.view()),
            z,
            m,
            sigma,
        })
    }

    fn n(&self) -> usize {
        self.z.nrows() - self.m
    }

    /// Rows `rows` of the kernel matrix, the diagonal zeroed.
    fn kernel_rows(&self, rows: std::ops::Range<usize>) -> Array2<f64> {
        // Squared distances in Gram form, ||a||² + ||b||² − 2 a·b clamped at 0, as
        // `kernel::pairwise_sq_dists` computes them for a whole square.
        let mut k = self.z.slice(s![rows.clone(), ..]).dot(&self.z.t());
        for (mut row, &ni) in k
            .rows_mut()
            .into_iter()
            .zip(&self.norms.slice(s![rows.clone()]))
        {
            for (v, &nj) in row.iter_mut().zip(&self.norms) {
                *v = (ni + nj - 2.0 * *v).max(0.0);
            }
        }
        kernel::rbf_in_place(&mut k, self.sigma);
        for (r, i) in rows.enumerate() {
            k[[r, i]] = 0.0;
        }
        k
    }

    /// Unbiased MMD² of every labelling (the observed split first), and per pooled row its
    /// kernel sum to the observed X rows and to all rows (for the witness function).
    fn statistics(&self, labellings: &Labellings) -> Result<(Vec<f64>, Array1<f64>, Array1<f64>)> {
        let rows = self.z.nrows();
        labellings.validate(rows)?;
        let total = labellings.count() + 1;
        let mut labels = Array2::<f64>::zeros((rows, total));
        for (l, col) in labels.axis_iter_mut(Axis(1)).enumerate() {
            labellings.fill(l, col);
        }
        // Per block of rows: Σ_{i in block, i in X_l} (K z_l)_i for every labelling, the block's
        // kernel row sums, and its rows of K z_0.
        let blocks: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = (0..rows.div_ceil(TILE))
            .into_par_iter()
            .map(|b| {
                let range = b * TILE..((b + 1) * TILE).min(rows);
                let k = self.kernel_rows(range.clone());
                let kz = k.dot(&labels);
                let mut q = vec![0.0; total];
                for (r, i) in range.clone().enumerate() {
                    for (l, qs) in q.iter_mut().enumerate() {
                        if labels[[i, l]] != 0.0 {
                            *qs += kz[[r, l]];
                        }
                    }
                }
                let sums = k.rows().into_iter().map(|row| row.sum()).collect();
                (q, sums, kz.column(0).to_vec())
            })
            .collect();
        let mut q = vec![0.0; total];
        let (mut row_sums, mut kx) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        for (block_q, sums, block_kx) in blocks {
            q.iter_mut().zip(block_q).for_each(|(a, b)| *a += b);
            row_sums.extend(sums);
            kx.extend(block_kx);
        }
        let row_sums = Array1::from(row_sums);
        let all: f64 = row_sums.sum();
        let (m, n) = (self.m as f64, self.n() as f64);
        let stats = (0..total)
            .map(|l| {
                let zr: f64 = labels
                    .column(l)
                    .iter()
                    .zip(&row_sums)
                    .filter(|(&zi, _)| zi != 0.0)
                    .map(|(_, &r)| r)
                    .sum();
                let (sxx, sxy, syy) = (q[l], zr - q[l], all - 2.0 * zr + q[l]);
                sxx / (m * (m - 1.0)) + syy / (n * (n - 1.0)) - 2.0 * sxy / (m * n)
            })
            .collect();
        Ok((stats, Array1::from(kx), row_sums))
    }

    /// Assembles the outcome from `statistics`' result.
    fn outcome(&self, (stats, kx, row_sums): (Vec<f64>, Array1<f64>, Array1<f64>)) -> MmdOutcome {
        let mmd2 = stats[0];
        let permutation_stats = stats[1..].to_vec();
        let (count_ge, p_value) = permutation_p_value(mmd2, &permutation_stats);
        // kx[i] = Σ_{j in X, j≠i} K_ij (diagonal is 0): leave-one-out means per side.
        let (m, n) = (self.m, self.n());
        let witness = (0..m + n)
            .map(|i| {
                let (to_x, to_y) = (kx[i], row_sums[i] - kx[i]);
                let (mx, ny) = if i < m { (m - 1, n) } else { (m, n - 1) };
                to_x / mx as f64 - to_y / ny as f64
            })
            .collect();
        MmdOutcome {
            sigma: self.sigma,
            mmd2,
            permutation_stats,
            count_ge,
            p_value,
            witness,
        }
    }
}

/// Which rows play X in each labelling; labelling 0 is the observed split.
pub(crate) enum Labellings<'a> {
    /// Permutation p (labelling p + 1) is a uniform m-subset drawn from `seeded(seed, p)`.
    Random { seed: u64, count: usize, m: usize },
    /// The first m indices of each given permutation.
    Explicit { perms: &'a [Vec<usize>], m: usize },
}

impl Labellings<'_> {
    /// Number of permutations (the observed split not counted).
    pub(crate) fn count(&self) -> usize {
        match self {
            Labellings::Random { count, .. } => *count,
            Labellings::Explicit { perms, .. } => perms.len(),
        }
    }

    /// Checks that explicit permutations are permutations of 0..n_total.
    pub(crate) fn validate(&self, n_total: usize) -> Result<()> {
        let Labellings::Explicit { perms, .. } = self else {
            return Ok(());
        };
        for (p, perm) in perms.iter().enumerate() {
            let mut seen = vec![false; n_total];
            let ok = perm.len() == n_total
                && perm
                    .iter()
                    .all(|&i| i < n_total && !std::mem::replace(&mut seen[i], true));
            if !ok {
                return Err(Error::Data(format!(
                    "permutation {p} is not a permutation of 0..{n_total}"
                )));
            }
        }
        Ok(())
    }

    /// Writes labelling `l` as a 0/1 column (1 = plays X) into a zeroed column.
    pub(crate) fn fill(&self, l: usize, mut col: ArrayViewMut1<f64>) {
        match *self {
            _ if l == 0 => col.slice_mut(s![..self.m()]).fill(1.0),
            Labellings::Random { seed, m, .. } => {
                let n_total = col.len();
                for i in index::sample(&mut seeded(seed, (l - 1) as u64), n_total, m) {
                    col[i] = 1.0;
                }
            }
            Labellings::Explicit { perms, m } => {
                for &i in &perms[l - 1][..m] {
                    col[i] = 1.0;
                }
            }
        }
    }

    fn m(&self) -> usize {
        match *self {
            Labellings::Random { m, .. } | Labellings::Explicit { m, .. } => m,
        }
    }
}

/// Permutation p-value: (number of permuted statistics ≥ observed, (1 + that) / (1 + count)).
pub fn permutation_p_value(observed: f64, permuted: &[f64]) -> (usize, f64) {
    let count = permuted.iter().filter(|&&s| s >= observed).count();
    (count, (1 + count) as f64 / (1 + permuted.len()) as f64)
}

/// The `top` documents with the largest |witness| (ties by pooled row), mapped to their side.
pub(crate) fn top_witnesses(
    witness: &[f64],
    reference: &Sample,
    candidate: &Sample,
    top: usize,
) -> Vec<Witness> {
    let m = reference.len();
    let mut order: Vec<usize> = (0..witness.len()).collect();
    order.sort_by(|&a, &b| {
        witness[b]
            .abs()
            .total_cmp(&witness[a].abs())
            .then(a.cmp(&b))
    });
    order
        .into_iter()
        .take(top)
        .map(|i| {
            let (side, row, ids) = if i < m {
                (Side::Reference, i, reference.ids)
            } else {
                (Side::Candidate, i - m, candidate.ids)
            };
            Witness {
                side,
                row,
                id: ids.get(row).cloned().unwrap_or_default(),
                score: witness[i],
            }
        })
        .collect()
}

/// One-line summary shared by the MMD tests.
pub(crate) fn summary(mmd2: f64, p: f64, permutations: usize, alpha: f64, drifted: bool) -> String {
    if drifted {
        format!(
            "MMD² = {mmd2:.3e} (p = {p:.3}, {permutations} permutations): the candidate differs \
             from the reference at α = {alpha}; the witnesses below are where they differ most \
             (score > 0: denser in the reference, under-covered by the candidate; < 0: \
             over-produced by the candidate)"
        )
    } else {
        format!(
            "MMD² = {mmd2:.3e} (p = {p:.3}, {permutations} permutations): no evidence that the \
             candidate differs from the reference at α = {alpha}"
        )
    }
}

/// 95th percentile of the permuted statistics (the scale of MMD² under no drift).
pub(crate) fn null_q95(stats: &[f64]) -> f64 {
    if stats.is_empty() {
        return f64::NAN;
    }
    let mut s = stats.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * 0.95).round() as usize]
}

impl Divergence for Mmd {
    fn name(&self) -> &'static str {
        "mmd"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, seed: u64) -> Result<TestResult> {
        let x = kernel::to_f64(reference.values, "reference")?;
        let y = kernel::to_f64(candidate.values, "candidate")?;
        let out = self.test(x.view(), y.view(), seed)?;
        Ok(out.result(
            self.name(),
            "MMD²",
            self.permutations,
            self.alpha,
            self.witnesses,
            reference,
            candidate,
            &[],
        ))
    }
}

impl MmdOutcome {
    /// The one result shape, for the exact and the random-feature test alike.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn result(
        &self,
        test: &str,
        statistic_name: &str,
        permutations: usize,
        alpha: f64,
        witnesses: usize,
        reference: &Sample,
        candidate: &Sample,
        extra: &[(&str, f64)],
    ) -> TestResult {
        let drifted = self.p_value < alpha;
        let mut values: std::collections::BTreeMap<String, f64> = [
            ("sigma", self.sigma),
            ("n_permutations", permutations as f64),
            ("mmd2", self.mmd2),
            ("perm_count_ge", self.count_ge as f64),
            ("null_q95", null_q95(&self.permutation_stats)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        values.extend(extra.iter().map(|(k, v)| (k.to_string(), *v)));
        let details = Details {
            summary: summary(self.mmd2, self.p_value, permutations, alpha, drifted),
            values,
            witnesses: top_witnesses(&self.witness, reference, candidate, witnesses),
            ..Details::default()
        };
        TestResult::decide(
            test,
            statistic_name,
            self.mmd2,
            Some(self.p_value),
            alpha,
            ThresholdKind::PValueBelow,
            details,
        )
    }
}

#[cfg(test)]
mod tests {
    use rand::Rng;
    use rand_distr::StandardNormal;

    use super::*;

    fn normal(rows: usize, cols: usize, shift: f32, seed: u64) -> Array2<f32> {
        let mut rng = seeded(seed, 7);
        Array2::from_shape_simple_fn((rows, cols), || {
            rng.sample::<f32, _>(StandardNormal) + shift
        })
    }

    fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    fn run(mmd: &Mmd, x: &Array2<f32>, y: &Array2<f32>, seed: u64) -> TestResult {
        let names = ids("f", x.ncols());
        let (ix, iy) = (ids("r", x.nrows()), ids("c", y.nrows()));
        let a = Sample::new(x.view(), &ix, &names);
        let b = Sample::new(y.view(), &iy, &names);
        mmd.compare(&a, &b, seed).unwrap()
    }

    /// Direct O(m²) unbiased MMD², the definition written out.
    fn naive(x: ArrayView2<f64>, y: ArrayView2<f64>, sigma: f64) -> f64 {
        let k = |a: ndarray::ArrayView1<f64>, b: ndarray::ArrayView1<f64>| {
            (-(&a - &b).mapv(|v| v * v).sum() / (2.0 * sigma * sigma)).exp()
        };
        let (m, n) = (x.nrows() as f64, y.nrows() as f64);
        let (mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0);
        for (i, a) in x.rows().into_iter().enumerate() {
            for (j, b) in x.rows().into_iter().enumerate() {
                if i != j {
                    xx += k(a, b);
                }
            }
            for b in y.rows() {
                xy += k(a, b);
            }
        }
        for (i, a) in y.rows().into_iter().enumerate() {
            for (j, b) in y.rows().into_iter().enumerate() {
                if i != j {
                    yy += k(a, b);
                }
            }
        }
        xx / (m * (m - 1.0)) + yy / (n * (n - 1.0)) - 2.0 * xy / (m * n)
    }

    #[test]
    fn matches_the_definition_with_unequal_sizes() {
        let x = normal(70, 5, 0.0, 1).mapv(f64::from);
        let y = normal(45, 5, 0.3, 2).mapv(f64::from);
        let mmd = Mmd::new(3, Some(2.0), 0.05).unwrap();
        let out = mmd.test(x.view(), y.view(), 0).unwrap();
        let want = naive(x.view(), y.view(), 2.0);
        assert!((out.mmd2 - want).abs() < 1e-14, "{} vs {want}", out.mmd2);
        // A permutation is the same statistic on the permuted split.
        let perm: Vec<usize> = (0..115).rev().collect();
        let again = mmd
            .test_with_permutations(x.view(), y.view(), std::slice::from_ref(&perm), 0)
            .unwrap();
        let z = kernel::pool(x.view(), y.view()).unwrap();
        let (px, py) = (
            z.select(Axis(0), &perm[..70]),
            z.select(Axis(0), &perm[70..]),
        );
        let want = naive(px.view(), py.view(), 2.0);
        assert!((again.permutation_stats[0] - want).abs() < 1e-14);
    }

    #[test]
    fn deterministic_across_runs_and_thread_counts() {
        let x = normal(150, 8, 0.0, 3);
        let y = normal(130, 8, 0.2, 4);
        let mmd = Mmd::new(150, None, 0.05).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| run(&mmd, &x, &y, 11));
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| run(&mmd, &x, &y, 11));
        assert_eq!(one, two);
        assert_eq!(one, run(&mmd, &x, &y, 11));
    }

    #[test]
    fn same_distribution_is_not_flagged() {
        let x = normal(200, 10, 0.0, 5);
        let y = normal(200, 10, 0.0, 6);
        let mmd = Mmd::new(200, None, 0.05).unwrap();
        let r = run(&mmd, &x, &y, 1);
        let p = r.p_value.unwrap();
        assert!(p > 0.05, "p = {p}");
        assert!(!r.drifted);
        assert_eq!(r.details.values["n_permutations"], 200.0);
    }

    #[test]
    fn shifted_distribution_gets_the_smallest_p_value() {
        let x = normal(200, 10, 0.0, 5);
        let y = normal(180, 10, 0.5, 6);
        let mmd = Mmd::new(200, None, 0.05).unwrap();
        let r = run(&mmd, &x, &y, 1);
        assert_eq!(r.p_value, Some(1.0 / 201.0));
        assert!(r.drifted);
        assert_eq!(r.details.values["perm_count_ge"], 0.0);
        assert!(r.statistic > 10.0 * r.details.values["null_q95"]);
        assert!(
            r.details.summary.contains("differs"),
            "{}",
            r.details.summary
        );
    }

    #[test]
    fn witnesses_point_at_the_odd_cluster() {
        // A quarter of the candidate is one tight cluster away from everything else (mode
        // collapse): its documents are the top witnesses, with a negative score
        // (over-produced by the candidate).
        let x = normal(100, 4, 0.0, 8);
        let mut y = normal(100, 4, 0.0, 9);
        y.slice_mut(s![..25, ..]).mapv_inplace(|v| v * 0.05 + 2.5);
        let r = run(&Mmd::default(), &x, &y, 2);
        assert_eq!(r.details.witnesses.len(), 10);
        assert!(r.drifted);
        for w in &r.details.witnesses {
            assert!(w.row < 25, "{w:?}");
            assert_eq!(w.side, Side::Candidate);
            assert_eq!(w.id, format!("c{}", w.row));
            assert!(w.score < 0.0);
        }
        let scores: Vec<f64> = r.details.witnesses.iter().map(|w| w.score.abs()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn unusable_inputs_are_errors() {
        let mmd = Mmd::default();
        let x = Array2::<f64>::zeros((1, 3));
        let y = Array2::<f64>::zeros((5, 3));
        assert!(matches!(
            mmd.test(x.view(), y.view(), 0),
            Err(Error::Data(_))
        ));
        let x = Array2::<f64>::zeros((5, 2));
        assert!(matches!(
            mmd.test(x.view(), y.view(), 0),
            Err(Error::Data(_))
        ));
        for (bad, key) in [
            (Mmd::new(500, None, 1.5), "alpha"),
            (Mmd::new(0, None, 0.05), "permutations"),
            (Mmd::new(500, Some(f64::NAN), 0.05), "bandwidth"),
        ] {
            let e = bad.unwrap_err();
            assert!(e.starts_with(key), "{e}");
        }
        let x = Array2::<f64>::zeros((5, 3));
        let perm = vec![vec![0usize; 10]];
        let fixed = Mmd::new(500, Some(1.0), 0.05).unwrap();
        let err = fixed.test_with_permutations(x.view(), y.view(), &perm, 0);
        assert!(matches!(err, Err(Error::Data(_))));
    }
}
