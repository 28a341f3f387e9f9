//! Persistent-homology dimension (PHD) of a text's token embeddings, after Tulchinskii et al.
//! 2023 ("Intrinsic dimension estimation for robust detection of AI-generated texts"): the
//! total edge length L(n) of a minimum spanning tree over n sampled points grows as
//! n^((d−1)/d) for points on a d-dimensional manifold, so d = 1 / (1 − slope of log L against
//! log n). Sizes, restarts and the median over restarts follow the authors' code.

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Fewest points a dimension is estimated from (the authors' texts were skipped below this).
pub const MIN_POINTS: usize = 50;

/// Smallest sample size; sizes step from here towards the point count in `SIZES` steps.
const FIRST_SIZE: usize = 40;
const SIZES: usize = 7;
/// Independent slope estimates averaged (the authors' `n_reruns`).
const RERUNS: usize = 3;
/// Subsamples per size, their MST lengths' median taken: fewer when the size is over half the
/// points (the subsamples overlap so much that more would add little).
const RESTARTS: usize = 7;
const RESTARTS_WHEN_LARGE: usize = 3;

/// The PHD of `points` (row-major, `dim` wide); None under `MIN_POINTS` points.
pub fn persistent_homology_dimension(points: &[f32], dim: usize, seed: u64) -> Option<f64> {
    let n = points.len().checked_div(dim).unwrap_or(0);
    if n < MIN_POINTS {
        return None;
    }
    let distances = pairwise_distances(points, dim, n);
    let step = (n - FIRST_SIZE) / SIZES;
    // The authors' range(first, n − step, step): the largest size leaves a step of points out.
    let sizes: Vec<usize> = (FIRST_SIZE..n - step).step_by(step.max(1)).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut slope_sum = 0.0;
    for _ in 0..RERUNS {
        let mut log_sizes = Vec::with_capacity(sizes.len());
        let mut log_lengths = Vec::with_capacity(sizes.len());
        for &size in &sizes {
            let restarts = if n <= 2 * size {
                RESTARTS_WHEN_LARGE
            } else {
                RESTARTS
            };
            let mut lengths: Vec<f64> = (0..restarts)
                .map(|_| {
                    let chosen = sample(&mut rng, n, size).into_vec();
                    spanning_tree_length(&distances, n, &chosen)
                })
                .collect();
            lengths.sort_by(f64::total_cmp);
            log_sizes.push((size as f64).ln());
            log_lengths.push(median_of_sorted(&lengths).max(f64::MIN_POSITIVE).ln());
        }
        slope_sum += least_squares_slope(&log_sizes, &log_lengths);
    }
    let slope = slope_sum / RERUNS as f64;
    let dimension = 1.0 / (1.0 - slope);
    dimension.is_finite().then_some(dimension)
}

/// Euclidean distances between all rows, `n × n`.
fn pairwise_distances(points: &[f32], dim: usize, n: usize) -> Vec<f32> {
    let norms: Vec<f32> = points
        .chunks_exact(dim)
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect();
    let mut out = vec![0f32; n * n];
    for i in 0..n {
        let a = &points[i * dim..(i + 1) * dim];
        for j in i + 1..n {
            let b = &points[j * dim..(j + 1) * dim];
            let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            // Clamped: rounding can make the expanded form slightly negative for near twins.
            let d = (norms[i] + norms[j] - 2.0 * dot).max(0.0).sqrt();
            out[i * n + j] = d;
            out[j * n + i] = d;
        }
    }
    out
}

/// Total edge length of the minimum spanning tree over the `chosen` points (Prim, O(k²) on a
/// dense graph, which is what this is).
fn spanning_tree_length(distances: &[f32], n: usize, chosen: &[usize]) -> f64 {
    let k = chosen.len();
    if k < 2 {
        return 0.0;
    }
    let mut in_tree = vec![false; k];
    let mut nearest = vec![f32::INFINITY; k];
    in_tree[0] = true;
    let mut last = 0;
    let mut total = 0.0f64;
    for _ in 1..k {
        let row = &distances[chosen[last] * n..(chosen[last] + 1) * n];
        let mut best = usize::MAX;
        let mut best_distance = f32::INFINITY;
        for j in 0..k {
            if in_tree[j] {
                continue;
            }
            let d = row[chosen[j]];
            if d < nearest[j] {
                nearest[j] = d;
            }
            if nearest[j] < best_distance || best == usize::MAX {
                best_distance = nearest[j];
                best = j;
            }
        }
        in_tree[best] = true;
        total += f64::from(best_distance);
        last = best;
    }
    total
}

fn median_of_sorted(values: &[f64]) -> f64 {
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    }
}

fn least_squares_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (sx, sy) = (x.iter().sum::<f64>(), y.iter().sum::<f64>());
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    let sxx: f64 = x.iter().map(|a| a * a).sum();
    (n * sxy - sx * sy) / (n * sxx - sx * sx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Points uniform on a `d`-dimensional cube, embedded in 32 dimensions by a fixed rotation-
    /// free padding (extra coordinates zero).
    fn cube(n: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut points = vec![0f32; n * 32];
        for row in points.chunks_exact_mut(32) {
            for v in row.iter_mut().take(d) {
                *v = rng.random::<f32>();
            }
        }
        points
    }

    #[test]
    fn recovers_the_dimension_of_uniform_cubes() {
        // MST-based estimates are biased low as d grows at a few hundred points; the authors
        // report the same. What matters to a detector is the ordering, and a rough value.
        let mut previous = 0.0;
        for (d, low, high) in [(1, 0.8, 1.2), (2, 1.6, 2.4), (4, 3.0, 4.6), (8, 5.0, 9.0)] {
            let estimate = persistent_homology_dimension(&cube(300, d, 7), 32, 1).unwrap();
            assert!(
                (low..high).contains(&estimate),
                "d = {d}: estimated {estimate}"
            );
            assert!(estimate > previous, "d = {d}: {estimate} ≤ {previous}");
            previous = estimate;
        }
    }

    #[test]
    fn too_few_points_have_no_dimension() {
        assert_eq!(persistent_homology_dimension(&cube(49, 2, 1), 32, 1), None);
        assert_eq!(persistent_homology_dimension(&[], 0, 1), None);
        assert!(persistent_homology_dimension(&cube(50, 2, 1), 32, 1).is_some());
    }

    #[test]
    fn the_same_seed_gives_the_same_estimate() {
        let points = cube(120, 3, 5);
        assert_eq!(
            persistent_homology_dimension(&points, 32, 9),
            persistent_homology_dimension(&points, 32, 9)
        );
    }

    #[test]
    fn spanning_tree_of_points_on_a_line_is_their_span() {
        let points: Vec<f32> = [0.0f32, 3.0, 1.0, 7.0].to_vec();
        let distances = pairwise_distances(&points, 1, 4);
        assert!((spanning_tree_length(&distances, 4, &[0, 1, 2, 3]) - 7.0).abs() < 1e-9);
        assert!((spanning_tree_length(&distances, 4, &[1, 3]) - 4.0).abs() < 1e-9);
    }
}
