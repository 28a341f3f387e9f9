//! Exact k-nearest-neighbour geometry: the radius of each point's k-NN ball within its own set,
//! and how the points of one set sit among the balls of another (the raw material of PRDC and
//! improved precision/recall).
//!
//! Distances are Euclidean, computed blockwise as sqrt(max(0, ‖x‖² − 2x·y + ‖y‖²)) in f64 — the
//! dot-product expansion scikit-learn's `pairwise_distances` uses, which the references were made
//! with — so a block of rows is one matrix product. Rows are processed in blocks in parallel;
//! a task never holds more than one block × n distances, and the block boundaries depend only on
//! the data sizes, so results are bit-identical on any thread count.

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Distances one task may hold at once (32 MiB of f64); sets the rows per block.
const BLOCK_DISTANCES: usize = 1 << 22;

/// Whether a point exactly on a ball's boundary counts as inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ball {
    /// Inside when distance < radius (prdc's convention).
    Open,
    /// Inside when distance ≤ radius (improved precision/recall's convention).
    Closed,
}

impl Ball {
    /// Whether a point at `distance` from the centre lies in a ball of `radius`.
    #[inline]
    pub fn contains(self, distance: f64, radius: f64) -> bool {
        match self {
            Ball::Open => distance < radius,
            Ball::Closed => distance <= radius,
        }
    }
}

/// How one point sits among the balls of the other set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Number of the other set's balls that contain the point.
    pub inside: u32,
    /// Smallest distance / radius over the other set's balls: how many radii away the nearest
    /// ball boundary is (below 1 inside a ball, above 1 outside all); a score for ranking.
    pub closest_ball: f64,
}

/// Both sets placed among each other's balls, plus each `a` point's nearest `b` point.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossBalls {
    /// Per row of `a`: its placement among the balls of `b`.
    pub a: Vec<Placement>,
    /// Per row of `b`: its placement among the balls of `a`.
    pub b: Vec<Placement>,
    /// Per row of `a`: the nearest row of `b` (lowest index on ties) and its distance.
    pub a_nearest: Vec<(usize, f64)>,
}

/// Distance to the k-th nearest neighbour of each row within `x`, not counting the row itself
/// (equivalently the (k+1)-th smallest distance counting its own 0).
pub fn kth_neighbour_radii(x: ArrayView2<f64>, k: usize) -> Result<Vec<f64>> {
    let n = x.nrows();
    if k == 0 {
        return Err(Error::Data("k-NN radii need k ≥ 1".into()));
    }
    if n <= k {
        return Err(Error::Data(format!(
            "k-NN radii with k = {k} need at least {} rows, got {n}",
            k + 1
        )));
    }
    let norms = squared_norms(x);
    let rows = block_rows(n);
    let mut radii = vec![0.0; n];
    radii
        .par_chunks_mut(rows)
        .enumerate()
        .for_each(|(block, out)| {
            let start = block * rows;
            let d = distances(x, start, out.len(), &norms, x, &norms);
            let mut nearest = vec![f64::INFINITY; k];
            for (r, row) in d.axis_iter(Axis(0)).enumerate() {
                let own = start + r;
                nearest.fill(f64::INFINITY);
                for (j, &dist) in row.iter().enumerate() {
                    if j != own && dist < nearest[k - 1] {
                        insert_sorted(&mut nearest, dist);
                    }
                }
                out[r] = nearest[k - 1];
            }
        });
    Ok(radii)
}

/// Places the rows of `a` among the balls of `b` (centres `b`, radii `radii_b`) and the rows of
/// `b` among the balls of `a`, in one pass over the a × b distances.
pub fn cross_balls(
    a: ArrayView2<f64>,
    radii_a: &[f64],
    b: ArrayView2<f64>,
    radii_b: &[f64],
    ball: Ball,
) -> Result<CrossBalls> {
    if a.ncols() != b.ncols() {
        return Err(Error::Data(format!(
            "cannot compare {}-column rows with {}-column rows",
            a.ncols(),
            b.ncols()
        )));
    }
    if a.nrows() == 0 || b.nrows() == 0 {
        return Err(Error::Data("cannot place points among an empty set".into()));
    }
    if radii_a.len() != a.nrows() || radii_b.len() != b.nrows() {
        return Err(Error::Data("one radius per row is needed".into()));
    }
    let (norms_a, norms_b) = (squared_norms(a), squared_norms(b));
    let rows = block_rows(b.nrows());
    let empty = Placement {
        inside: 0,
        closest_ball: f64::INFINITY,
    };
    let mut a_out = vec![(empty, (0usize, f64::INFINITY)); a.nrows()];
    // Each block returns its own view of the b side; merging (sum, min) is exact and
    // associative, so the reduction order cannot change the result.
    let b_side = a_out
        .par_chunks_mut(rows)
        .enumerate()
        .map(|(block, out)| {
            let start = block * rows;
            let d = distances(a, start, out.len(), &norms_a, b, &norms_b);
            let mut b_side = vec![empty; b.nrows()];
            for (r, row) in d.axis_iter(Axis(0)).enumerate() {
                let radius_a = radii_a[start + r];
                let (mut place, mut nearest) = (empty, (0usize, f64::INFINITY));
                for (j, (&dist, bj)) in row.iter().zip(b_side.iter_mut()).enumerate() {
                    if ball.contains(dist, radii_b[j]) {
                        place.inside += 1;
                    }
                    place.closest_ball = place.closest_ball.min(radius_ratio(dist, radii_b[j]));
                    if dist < nearest.1 {
                        nearest = (j, dist);
                    }
                    if ball.contains(dist, radius_a) {
                        bj.inside += 1;
                    }
                    bj.closest_ball = bj.closest_ball.min(radius_ratio(dist, radius_a));
                }
                out[r] = (place, nearest);
            }
            b_side
        })
        .reduce_with(|mut x, y| {
            for (p, q) in x.iter_mut().zip(y) {
                p.inside += q.inside;
                p.closest_ball = p.closest_ball.min(q.closest_ball);
            }
            x
        })
        .unwrap_or_default();
    let (a_place, a_nearest) = a_out.into_iter().unzip();
    Ok(CrossBalls {
        a: a_place,
        b: b_side,
        a_nearest,
    })
}

/// Widens an f32 matrix to f64, refusing non-finite values (which would poison every distance).
pub fn finite_f64(values: ArrayView2<f32>, what: &str) -> Result<Array2<f64>> {
    if let Some(((r, c), v)) = values.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::Data(format!(
            "{what}: row {r}, column {c} is {v}; distances need finite values"
        )));
    }
    Ok(values.mapv(f64::from))
}

/// Rows per block so that one block of distances stays within `BLOCK_DISTANCES`.
fn block_rows(columns: usize) -> usize {
    (BLOCK_DISTANCES / columns.max(1)).clamp(16, 256)
}

fn squared_norms(x: ArrayView2<f64>) -> Vec<f64> {
    x.rows().into_iter().map(|r| r.dot(&r)).collect()
}

/// Euclidean distances from rows `start..start + len` of `a` to every row of `b`.
fn distances(
    a: ArrayView2<f64>,
    start: usize,
    len: usize,
    norms_a: &[f64],
    b: ArrayView2<f64>,
    norms_b: &[f64],
) -> Array2<f64> {
    let block = a.slice(ndarray::s![start..start + len, ..]);
    let mut d = block.dot(&b.t());
    for (mut row, &na) in d.axis_iter_mut(Axis(0)).zip(&norms_a[start..start + len]) {
        for (v, &nb) in row.iter_mut().zip(norms_b) {
            // Same order as scikit-learn: (-2xy + ‖x‖²) + ‖y‖², clamped (round-off can go below 0).
            *v = ((-2.0 * *v + na) + nb).max(0.0).sqrt();
        }
    }
    d
}

/// distance / radius, with a zero radius (duplicated points) giving 1 at distance 0 and ∞ beyond.
#[inline]
fn radius_ratio(distance: f64, radius: f64) -> f64 {
    if radius > 0.0 {
        distance / radius
    } else if distance > 0.0 {
        f64::INFINITY
    } else {
        1.0
    }
}

/// Inserts `v` into the ascending, fixed-length `best`, dropping its largest entry.
#[inline]
fn insert_sorted(best: &mut [f64], v: f64) {
    let mut i = best.len() - 1;
    while i > 0 && best[i - 1] > v {
        best[i] = best[i - 1];
        i -= 1;
    }
    best[i] = v;
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    /// Brute-force distances, the definition the blockwise code must agree with.
    fn naive(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.nrows()), |(i, j)| {
            (&a.row(i) - &b.row(j)).mapv(|v| v * v).sum().sqrt()
        })
    }

    fn points(n: usize, d: usize, shift: f64) -> Array2<f64> {
        // Deterministic, irregular values (no ties), no RNG needed.
        Array2::from_shape_fn((n, d), |(i, j)| {
            ((i * 31 + j * 17) as f64 * 0.618_033_988_75).fract() * 4.0 + shift
        })
    }

    #[test]
    fn radii_are_the_kth_distance_excluding_self() {
        let x = array![[0.0], [1.0], [3.0], [7.0]];
        // Distances from 0: 1, 3, 7; from 1: 1, 2, 6; from 3: 2, 3, 4; from 7: 4, 6, 7.
        assert_eq!(
            kth_neighbour_radii(x.view(), 1).unwrap(),
            [1.0, 1.0, 2.0, 4.0]
        );
        assert_eq!(
            kth_neighbour_radii(x.view(), 2).unwrap(),
            [3.0, 2.0, 3.0, 6.0]
        );
        assert_eq!(
            kth_neighbour_radii(x.view(), 3).unwrap(),
            [7.0, 6.0, 4.0, 7.0]
        );
    }

    #[test]
    fn radii_match_brute_force_across_blocks() {
        // 600 rows span several blocks (at least 16 rows each, and block_rows(600) = 256).
        let x = points(600, 5, 0.0);
        let got = kth_neighbour_radii(x.view(), 4).unwrap();
        let d = naive(x.view(), x.view());
        for (i, row) in d.rows().into_iter().enumerate() {
            let mut others: Vec<f64> = row
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &v)| v)
                .collect();
            others.sort_by(f64::total_cmp);
            assert!((got[i] - others[3]).abs() < 1e-12, "row {i}");
        }
    }

    #[test]
    fn cross_balls_match_brute_force() {
        let (a, b) = (points(300, 4, 0.0), points(280, 4, 0.7));
        let (ra, rb) = (
            kth_neighbour_radii(a.view(), 3).unwrap(),
            kth_neighbour_radii(b.view(), 3).unwrap(),
        );
        let got = cross_balls(a.view(), &ra, b.view(), &rb, Ball::Open).unwrap();
        let d = naive(a.view(), b.view());
        for i in 0..a.nrows() {
            let inside = (0..b.nrows()).filter(|&j| d[[i, j]] < rb[j]).count();
            assert_eq!(got.a[i].inside as usize, inside, "a row {i}");
            let nearest = (0..b.nrows())
                .min_by(|&x, &y| d[[i, x]].total_cmp(&d[[i, y]]))
                .unwrap();
            assert_eq!(got.a_nearest[i].0, nearest);
            // The dot-product expansion loses digits for near-coincident points (as sklearn's does).
            assert!((got.a_nearest[i].1 - d[[i, nearest]]).abs() < 1e-9);
        }
        for j in 0..b.nrows() {
            let inside = (0..a.nrows()).filter(|&i| d[[i, j]] < ra[i]).count();
            assert_eq!(got.b[j].inside as usize, inside, "b row {j}");
            let closest = (0..a.nrows())
                .map(|i| d[[i, j]] / ra[i])
                .fold(f64::INFINITY, f64::min);
            assert!((got.b[j].closest_ball - closest).abs() < 1e-9);
        }
    }

    #[test]
    fn closed_balls_count_the_boundary() {
        // b sits exactly on the boundary of a's ball of radius 1.
        let (a, b) = (array![[0.0, 0.0]], array![[1.0, 0.0]]);
        let open = cross_balls(a.view(), &[1.0], b.view(), &[0.5], Ball::Open).unwrap();
        let closed = cross_balls(a.view(), &[1.0], b.view(), &[0.5], Ball::Closed).unwrap();
        assert_eq!((open.b[0].inside, closed.b[0].inside), (0, 1));
        assert_eq!((open.a[0].inside, closed.a[0].inside), (0, 0));
        assert_eq!(open.b[0].closest_ball, 1.0);
        assert_eq!(open.a[0].closest_ball, 2.0);
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        let (a, b) = (points(500, 6, 0.0), points(450, 6, 0.3));
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let ra = kth_neighbour_radii(a.view(), 5).unwrap();
                let rb = kth_neighbour_radii(b.view(), 5).unwrap();
                let c = cross_balls(a.view(), &ra, b.view(), &rb, Ball::Open).unwrap();
                (ra, rb, c)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn unusable_inputs_are_data_errors() {
        let x = points(3, 2, 0.0);
        assert!(matches!(
            kth_neighbour_radii(x.view(), 3),
            Err(Error::Data(_))
        ));
        assert!(matches!(
            kth_neighbour_radii(x.view(), 0),
            Err(Error::Data(_))
        ));
        let y = points(3, 3, 0.0);
        let r = [1.0; 3];
        let mismatch = cross_balls(x.view(), &r, y.view(), &r, Ball::Open);
        assert!(matches!(mismatch, Err(Error::Data(m)) if m.contains("2-column")));
        let bad = array![[1.0f32, f32::NAN]];
        assert!(
            matches!(finite_f64(bad.view(), "reference"), Err(Error::Data(m)) if m.contains("row 0, column 1"))
        );
    }
}
