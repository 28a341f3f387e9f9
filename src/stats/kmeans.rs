//! Seeded k-means: k-means++ initialisation, Lloyd iterations until no label changes, several
//! restarts keeping the lowest inertia.
//!
//! Determinism: each restart draws from its own stream (`seeded(seed, restart)`); distances are
//! computed per point (blocks of a fixed size, so a point's arithmetic never depends on how
//! rayon splits the work) and centroid sums run over each cluster's members in row order. The
//! result is bit-identical on any thread count.

use ndarray::{s, Array2, ArrayView2, Axis};
use rand::Rng;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::stats::rng::seeded;

/// Rows per block of the distance product (fixed: see the module note on determinism).
const BLOCK: usize = 256;
/// Largest rows × k for which a run keeps its x·c products between iterations (128 MiB).
const CACHE_LIMIT: usize = 1 << 25;

/// k-means parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KMeans {
    /// Number of clusters.
    pub k: usize,
    /// Independent runs; the one with the lowest inertia is kept.
    pub restarts: usize,
    /// Lloyd iterations per run at most (a run stops earlier once no label changes).
    pub max_iter: usize,
}

/// A clustering: centroids, each row's nearest centroid and its squared distance.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// k × columns.
    pub centroids: Array2<f32>,
    /// Nearest centroid of each row.
    pub labels: Vec<usize>,
    /// Squared Euclidean distance of each row to its centroid.
    pub distances: Vec<f32>,
    /// Sum of `distances` (accumulated in f64).
    pub inertia: f64,
    /// Lloyd iterations the kept run took.
    pub iterations: usize,
    /// Whether the kept run reached a fixed point (false: stopped at `max_iter`).
    pub converged: bool,
}

impl KMeans {
    /// Clusters the rows of `x` (all values finite, at least `k` rows).
    pub fn fit(&self, x: ArrayView2<f32>, seed: u64) -> Result<Clustering> {
        let (n, _) = x.dim();
        if self.k == 0 || self.restarts == 0 {
            return Err(Error::Usage(format!(
                "k-means needs k ≥ 1 and restarts ≥ 1, got k = {}, restarts = {}",
                self.k, self.restarts
            )));
        }
        if n < self.k {
            return Err(Error::Data(format!(
                "k-means with {} clusters needs at least as many rows, got {n}",
                self.k
            )));
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::Data("k-means input has non-finite values".into()));
        }
        let x = x.as_standard_layout();
        let x = x.view();
        let norms: Vec<f32> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        let mut rngs: Vec<_> = (0..self.restarts as u64).map(|r| seeded(seed, r)).collect();
        let starts = plus_plus(x, self.k, &mut rngs);
        let mut best: Option<Clustering> = None;
        for start in starts {
            let run = self.lloyd(x, &norms, start);
            // Strictly lower only: ties keep the earliest restart.
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        best.ok_or_else(|| Error::Usage("k-means needs restarts ≥ 1".into()))
    }

    /// One run of Lloyd iterations from a k-means++ start.
    fn lloyd(&self, x: ArrayView2<f32>, norms: &[f32], start: Start) -> Clustering {
        let Start {
            mut centroids,
            mut labels,
            mut distances,
        } = start;
        // Why keep x·c: after the first steps only a few clusters gain or lose rows, and a
        // centroid whose rows did not change is bit-identical, so only the moved centroids'
        // columns need a new product (about a third of the work over a run).
        let cache = x.nrows() * self.k <= CACHE_LIMIT;
        let mut dots = Dots::new(x.nrows(), self.k);
        let mut iterations = 0;
        let mut converged = false;
        while iterations < self.max_iter {
            iterations += 1;
            let moved = update(x, &labels, &distances, &mut centroids);
            let refresh = if cache && dots.filled {
                moved
            } else {
                (0..self.k).collect()
            };
            let (new_labels, new_distances) = dots.assign(x, norms, centroids.view(), &refresh);
            // A re-seeded empty cluster that captures no row (a duplicate point) is no change.
            let stable = new_labels == labels;
            labels = new_labels;
            distances = new_distances;
            if stable {
                converged = true;
                break;
            }
        }
        let inertia = distances.iter().map(|&d| f64::from(d)).sum();
        Clustering {
            centroids,
            labels,
            distances,
            inertia,
            iterations,
            converged,
        }
    }
}

/// Nearest centroid (lowest index on ties) and squared distance of each row of `x`.
pub fn assign(x: ArrayView2<f32>, centroids: ArrayView2<f32>) -> (Vec<usize>, Vec<f32>) {
    let x = x.as_standard_layout();
    let norms: Vec<f32> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    assign_with_norms(x.view(), &norms, centroids)
}

/// `‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖²`, with x·c from one matrix product per block of rows.
fn assign_with_norms(
    x: ArrayView2<f32>,
    norms: &[f32],
    centroids: ArrayView2<f32>,
) -> (Vec<usize>, Vec<f32>) {
    let k = centroids.nrows();
    Dots::new(x.nrows(), k).assign(x, norms, centroids, &(0..k).collect::<Vec<_>>())
}

/// The products x·c of every row with every centroid (rows × k, row-major).
struct Dots {
    values: Vec<f32>,
    k: usize,
    /// Whether every column holds the product with the current centroid.
    filled: bool,
}

impl Dots {
    fn new(n: usize, k: usize) -> Dots {
        Dots {
            values: vec![0.0; n * k],
            k,
            filled: false,
        }
    }

    /// Recomputes the columns of the centroids in `refresh` (all of them unless `filled`),
    /// then assigns each row its nearest centroid, lowest index on ties.
    fn assign(
        &mut self,
        x: ArrayView2<f32>,
        norms: &[f32],
        centroids: ArrayView2<f32>,
        refresh: &[usize],
    ) -> (Vec<usize>, Vec<f32>) {
        let (n, k) = (x.nrows(), self.k);
        let c_norms: Vec<f32> = centroids.rows().into_iter().map(|r| r.dot(&r)).collect();
        let subset = centroids.select(Axis(0), refresh);
        let mut labels = vec![0usize; n];
        let mut distances = vec![0f32; n];
        self.values
            .par_chunks_mut(BLOCK * k)
            .zip(labels.par_chunks_mut(BLOCK))
            .zip(distances.par_chunks_mut(BLOCK))
            .enumerate()
            .for_each(|(b, ((dots, labels), distances))| {
                let start = b * BLOCK;
                let rows = x.slice(s![start..start + labels.len(), ..]);
                if !refresh.is_empty() {
                    let fresh = rows.dot(&subset.t());
                    for (dot_row, fresh_row) in dots.chunks_exact_mut(k).zip(fresh.rows()) {
                        for (&j, &v) in refresh.iter().zip(fresh_row) {
                            dot_row[j] = v;
                        }
                    }
                }
                for (i, dot_row) in dots.chunks_exact(k).enumerate() {
                    let (mut best, mut best_d) = (0, f32::INFINITY);
                    for (j, (&dot, &cn)) in dot_row.iter().zip(&c_norms).enumerate() {
                        let d = cn - 2.0 * dot;
                        if d < best_d {
                            best = j;
                            best_d = d;
                        }
                    }
                    labels[i] = best;
                    distances[i] = (norms[start + i] + best_d).max(0.0);
                }
            });
        self.filled = true;
        (labels, distances)
    }
}

/// Moves each centroid to the mean of its rows (sums in f64, rows in order). An empty cluster
/// takes the row farthest from its own centroid (as scikit-learn does). Returns the centroids
/// whose value changed.
fn update(
    x: ArrayView2<f32>,
    labels: &[usize],
    distances: &[f32],
    centroids: &mut Array2<f32>,
) -> Vec<usize> {
    let k = centroids.nrows();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l].push(i);
    }
    let means: Vec<Option<Vec<f32>>> = members
        .par_iter()
        .map(|rows| {
            if rows.is_empty() {
                return None;
            }
            let mut sum = vec![0f64; x.ncols()];
            for &i in rows {
                for (s, &v) in sum.iter_mut().zip(x.row(i)) {
                    *s += f64::from(v);
                }
            }
            let count = rows.len() as f64;
            Some(sum.into_iter().map(|s| (s / count) as f32).collect())
        })
        .collect();
    let mut far = Vec::new().into_iter();
    if means.iter().any(Option::is_none) {
        let mut order: Vec<usize> = (0..labels.len()).collect();
        order.sort_by(|&a, &b| distances[b].total_cmp(&distances[a]).then(a.cmp(&b)));
        far = order.into_iter();
    }
    let mut moved = Vec::new();
    for (j, mean) in means.into_iter().enumerate() {
        let mut row = centroids.row_mut(j);
        let new = match mean {
            Some(m) => m,
            None => match far.next() {
                Some(i) => x.row(i).to_vec(),
                None => continue,
            },
        };
        if row
            .iter()
            .zip(&new)
            .any(|(a, b)| a.to_bits() != b.to_bits())
        {
            row.iter_mut().zip(new).for_each(|(c, v)| *c = v);
            moved.push(j);
        }
    }
    moved
}

/// A k-means++ start: its centres and each row's nearest one (found while seeding, which
/// saves Lloyd's first assignment pass).
#[derive(Debug, Clone, PartialEq)]
struct Start {
    centroids: Array2<f32>,
    labels: Vec<usize>,
    distances: Vec<f32>,
}

/// k-means++ (Arthur & Vassilvitskii 2007) starts, one per generator: each new centre is a row
/// drawn with probability proportional to its squared distance to the nearest centre so far.
///
/// Why all restarts at once: the distance pass streams the whole matrix per centre, so one
/// pass serving every restart's new centre cuts memory traffic by the restart count. Each
/// restart draws only from its own generator, so its start is what a lone run would give.
fn plus_plus<R: Rng>(x: ArrayView2<f32>, k: usize, rngs: &mut [R]) -> Vec<Start> {
    let (n, d) = x.dim();
    let runs = rngs.len();
    let mut starts: Vec<Array2<f32>> = rngs
        .iter_mut()
        .map(|rng| {
            let mut c = Array2::zeros((k, d));
            c.row_mut(0).assign(&x.row(rng.random_range(0..n)));
            c
        })
        .collect();
    // nearest[i * runs + r]: squared distance of row i to run r's nearest centre so far, and
    // label[i * runs + r] that centre.
    let mut nearest = vec![f64::INFINITY; n * runs];
    let mut label = vec![0usize; n * runs];
    for c in 1..=k {
        let centres: Vec<Vec<f32>> = starts.iter().map(|s| s.row(c - 1).to_vec()).collect();
        nearest
            .par_chunks_mut(BLOCK * runs)
            .zip(label.par_chunks_mut(BLOCK * runs))
            .enumerate()
            .for_each(|(b, (nearest, label))| {
                let rows = x.slice(s![b * BLOCK..b * BLOCK + nearest.len() / runs, ..]);
                lower_nearest(rows, (c - 1, &centres), nearest, label);
            });
        if c == k {
            break;
        }
        for (r, (rng, start)) in rngs.iter_mut().zip(&mut starts).enumerate() {
            let weights = nearest.iter().skip(r).step_by(runs);
            let total: f64 = weights.clone().sum();
            let pick = if total > 0.0 {
                let mut target = rng.random::<f64>() * total;
                let mut pick = n - 1;
                for (i, &w) in weights.enumerate() {
                    if w > 0.0 && target < w {
                        pick = i;
                        break;
                    }
                    target -= w;
                }
                pick
            } else {
                // Every row coincides with a centre: any row will do.
                rng.random_range(0..n)
            };
            start.row_mut(c).assign(&x.row(pick));
        }
    }
    starts
        .into_iter()
        .enumerate()
        .map(|(r, centroids)| Start {
            centroids,
            labels: label.iter().skip(r).step_by(runs).copied().collect(),
            distances: nearest
                .iter()
                .skip(r)
                .step_by(runs)
                .map(|&d| d as f32)
                .collect(),
        })
        .collect()
}

/// The centre with index `.0` in each of the R runs (`.1[r]` for run r).
type Centres<'a> = (usize, &'a [Vec<f32>]);

/// Lowers `nearest[i·R + r]` to `‖rows[i] − centres.1[r]‖²` where smaller, setting
/// `label[i·R + r] = centres.0` there; an AVX2 build of the same loop where the CPU has it.
fn lower_nearest(
    rows: ArrayView2<f32>,
    centres: Centres,
    nearest: &mut [f64],
    label: &mut [usize],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { lower_nearest_avx2(rows, centres, nearest, label) };
    }
    lower_nearest_portable(rows, centres, nearest, label);
}

/// The portable loop compiled with AVX2 enabled: twice the lanes of the baseline SSE2. The
/// result is bit-identical (the same lane-wise IEEE operations in the same order; Rust never
/// contracts them into FMAs), so the start does not depend on the CPU either.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lower_nearest_avx2(
    rows: ArrayView2<f32>,
    centres: Centres,
    nearest: &mut [f64],
    label: &mut [usize],
) {
    lower_nearest_portable(rows, centres, nearest, label);
}

#[inline(always)]
fn lower_nearest_portable(
    rows: ArrayView2<f32>,
    (index, centres): Centres,
    nearest: &mut [f64],
    label: &mut [usize],
) {
    let runs = centres.len();
    for (row, (best, which)) in rows.rows().into_iter().zip(
        nearest
            .chunks_exact_mut(runs)
            .zip(label.chunks_exact_mut(runs)),
    ) {
        let row = row.as_slice().unwrap_or(&[]);
        for ((centre, best), which) in centres.iter().zip(best).zip(which) {
            let dist = f64::from(squared_distance(row, centre));
            if dist < *best {
                *best = dist;
                *which = index;
            }
        }
    }
}

/// `‖a − b‖²` with eight independent accumulators so the compiler can vectorise it.
#[inline(always)]
fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (ca, cb) in a8.zip(b8) {
        for l in 0..8 {
            let diff = ca[l] - cb[l];
            acc[l] += diff * diff;
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use rand_distr::StandardNormal;

    use super::*;

    /// `k` blobs of `per` points in `d` dims, centres 20 apart, unit noise; returns the data and
    /// the true blob of each row (rows interleaved so blobs are not contiguous).
    fn blobs(k: usize, per: usize, d: usize, seed: u64) -> (Array2<f32>, Vec<usize>) {
        let mut rng = seeded(seed, 99);
        let centres =
            Array2::from_shape_simple_fn((k, d), || 20.0 * rng.sample::<f32, _>(StandardNormal));
        let truth: Vec<usize> = (0..k * per).map(|i| i % k).collect();
        let x = Array2::from_shape_fn((k * per, d), |(i, j)| {
            centres[[truth[i], j]] + rng.sample::<f32, _>(StandardNormal)
        });
        (x, truth)
    }

    /// Labels agree up to a renaming of the clusters.
    fn same_partition(a: &[usize], b: &[usize]) -> bool {
        let mut map = std::collections::HashMap::new();
        let mut back = std::collections::HashMap::new();
        a.iter()
            .zip(b)
            .all(|(&x, &y)| *map.entry(x).or_insert(y) == y && *back.entry(y).or_insert(x) == x)
    }

    fn params(k: usize) -> KMeans {
        KMeans {
            k,
            restarts: 5,
            max_iter: 500,
        }
    }

    #[test]
    fn recovers_well_separated_blobs() {
        let (x, truth) = blobs(8, 50, 16, 1);
        let fit = params(8).fit(x.view(), 7).unwrap();
        assert!(same_partition(&fit.labels, &truth));
        assert!(fit.converged);
        // Inertia ≈ n·d·σ² = 400·16 for unit noise around the true centres.
        assert!((fit.inertia / 6400.0 - 1.0).abs() < 0.1, "{}", fit.inertia);
        let direct: f64 = fit.distances.iter().map(|&d| f64::from(d)).sum();
        assert_eq!(fit.inertia, direct);
    }

    #[test]
    fn same_seed_same_result_on_any_thread_count() {
        let (x, _) = blobs(10, 60, 24, 2);
        let run = |threads: usize, seed: u64| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| params(13).fit(x.view(), seed).unwrap())
        };
        let one = run(1, 5);
        assert_eq!(one, run(2, 5));
        assert_eq!(one, run(3, 5));
        assert_eq!(one, params(13).fit(x.view(), 5).unwrap());
    }

    #[test]
    fn restarts_keep_the_lowest_inertia() {
        let (x, _) = blobs(6, 30, 8, 3);
        let single = |seed| {
            KMeans {
                restarts: 1,
                ..params(9)
            }
            .fit(x.view(), seed)
            .unwrap()
        };
        let best = params(9).fit(x.view(), 4).unwrap();
        // Restart r of a seed is RNG stream r: five restarts keep the best of those five runs.
        let norms: Vec<f32> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        let runs: Vec<f64> = (0..5)
            .map(|r| {
                let start = plus_plus(x.view(), 9, &mut [seeded(4, r)]).remove(0);
                // The labels found while seeding are the nearest centres.
                let (labels, _) = assign(x.view(), start.centroids.view());
                assert_eq!(labels, start.labels);
                params(9).lloyd(x.view(), &norms, start).inertia
            })
            .collect();
        let min = runs.iter().cloned().fold(f64::INFINITY, f64::min);
        assert_eq!(best.inertia, min);
        assert_eq!(single(4).inertia, runs[0]);
        assert!(runs.iter().any(|&r| r > min), "restarts differ: {runs:?}");
    }

    #[test]
    fn batched_starts_equal_lone_starts_and_avx2_equals_portable() {
        let (x, _) = blobs(5, 40, 13, 5);
        let together = plus_plus(x.view(), 7, &mut [seeded(9, 0), seeded(9, 1), seeded(9, 2)]);
        for (r, start) in together.iter().enumerate() {
            let alone = plus_plus(x.view(), 7, &mut [seeded(9, r as u64)]).remove(0);
            assert_eq!(start, &alone);
        }
        let centres: Vec<Vec<f32>> = x.rows().into_iter().take(3).map(|r| r.to_vec()).collect();
        let (mut fast, mut plain) = (vec![f64::INFINITY; 600], vec![f64::INFINITY; 600]);
        let (mut fast_label, mut plain_label) = (vec![0; 600], vec![0; 600]);
        lower_nearest(x.view(), (4, &centres), &mut fast, &mut fast_label);
        lower_nearest_portable(x.view(), (4, &centres), &mut plain, &mut plain_label);
        assert_eq!(fast, plain);
        assert_eq!(fast_label, plain_label);
        assert_eq!(plain[0], 0.0);
        assert!(plain_label.iter().all(|&l| l == 4));
    }

    #[test]
    fn refreshing_moved_columns_equals_a_full_product() {
        let (x, _) = blobs(6, 100, 37, 6);
        let norms: Vec<f32> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        let mut c = x.slice(s![..11, ..]).to_owned();
        let mut dots = Dots::new(600, 11);
        let all: Vec<usize> = (0..11).collect();
        assert_eq!(
            dots.assign(x.view(), &norms, c.view(), &all),
            assign(x.view(), c.view())
        );
        c.row_mut(3).assign(&x.row(200));
        c.row_mut(8).mapv_inplace(|v| v + 0.5);
        let partial = dots.assign(x.view(), &norms, c.view(), &[3, 8]);
        assert_eq!(partial, assign(x.view(), c.view()));
        assert_eq!(partial.0[200], 3);
    }

    #[test]
    fn empty_clusters_are_reseeded_and_duplicates_do_not_panic() {
        // 12 rows but only 3 distinct points: k = 5 forces empty clusters.
        let pts = [[0.0f32, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let x = Array2::from_shape_fn((12, 2), |(i, j)| pts[i % 3][j]);
        let fit = params(5).fit(x.view(), 1).unwrap();
        assert_eq!(fit.inertia, 0.0);
        assert!(fit.labels.iter().all(|&l| l < 5));
        let same = Array2::<f32>::ones((6, 3));
        let fit = params(3).fit(same.view(), 1).unwrap();
        assert_eq!(fit.inertia, 0.0);
    }

    #[test]
    fn assign_matches_brute_force() {
        let (x, _) = blobs(4, 25, 5, 4);
        let c = x.slice(s![..7, ..]).to_owned();
        let (labels, distances) = assign(x.view(), c.view());
        for (i, row) in x.rows().into_iter().enumerate() {
            let d: Vec<f32> = c
                .rows()
                .into_iter()
                .map(|cr| squared_distance(row.as_slice().unwrap(), cr.as_slice().unwrap()))
                .collect();
            let min = d.iter().cloned().fold(f32::INFINITY, f32::min);
            assert!((d[labels[i]] - min).abs() <= 1e-3 * (1.0 + min));
            assert!((distances[i] - min).abs() <= 1e-3 * (1.0 + min));
        }
    }

    #[test]
    fn rejects_unusable_input() {
        let x = Array2::<f32>::zeros((3, 2));
        assert!(matches!(params(4).fit(x.view(), 0), Err(Error::Data(_))));
        assert!(matches!(params(0).fit(x.view(), 0), Err(Error::Usage(_))));
        let mut bad = Array2::<f32>::zeros((5, 2));
        bad[[2, 1]] = f32::NAN;
        assert!(matches!(params(2).fit(bad.view(), 0), Err(Error::Data(_))));
    }
}
