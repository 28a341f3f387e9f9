//! Diversity of each generation in embedding space (with `collapse --embed`): the Vendi score,
//! the mean pairwise cosine distance, and PRDC recall/coverage against the reference — the real
//! corpus when given, else generation 0, whose own value is then left out (against itself it
//! would be a perfect 1 that every later generation "falls" from).

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::index::sample;

use crate::divergence::prdc::prdc;
use crate::divergence::vendi::vendi_score;
use crate::error::{Error, Result};
use crate::stats::rng::seeded;

/// Neighbours of the PRDC balls (prdc's default `nearest_k`).
pub const PRDC_K: usize = 5;
/// PRDC is quadratic: each side is a seeded sample of at most this many documents.
pub const PRDC_SAMPLE: usize = 5_000;

/// Mean cosine distance over all pairs of distinct rows: 1 − (|Σu|² − n) / (n(n−1)) for the
/// unit rows u, exact in O(n·d).
pub fn mean_pairwise_cosine_distance(x: ArrayView2<f64>) -> Result<f64> {
    let n = x.nrows();
    if n < 2 {
        return Err(Error::Data(
            "mean pairwise distance needs at least 2 documents".into(),
        ));
    }
    let mut sum = vec![0.0; x.ncols()];
    for (i, row) in x.axis_iter(Axis(0)).enumerate() {
        let norm = row.dot(&row).sqrt();
        if norm == 0.0 {
            return Err(Error::Data(format!(
                "row {i} is all zeros: it has no cosine distance"
            )));
        }
        for (s, v) in sum.iter_mut().zip(row) {
            *s += v / norm;
        }
    }
    let squared: f64 = sum.iter().map(|s| s * s).sum();
    let nf = n as f64;
    Ok(1.0 - (squared - nf) / (nf * (nf - 1.0)))
}

/// Seeded sample of at most `limit` rows (all rows, in order, when there are fewer).
fn sample_rows(x: ArrayView2<f64>, limit: usize, seed: u64, stream: u64) -> Array2<f64> {
    if x.nrows() <= limit {
        return x.to_owned();
    }
    let mut rows = sample(&mut seeded(seed, stream), x.nrows(), limit).into_vec();
    rows.sort_unstable();
    x.select(Axis(0), &rows)
}

/// The series `embedding_series` measures, in its order.
pub const METRICS: [&str; 4] = [
    "embed_vendi",
    "embed_mean_pairwise_distance",
    "prdc_recall",
    "prdc_coverage",
];

/// Named per-generation series; `NaN` where a generation has no value (generation 0's PRDC
/// when it is the reference).
pub fn embedding_series(
    generations: &[Array2<f64>],
    reference: Option<ArrayView2<f64>>,
    seed: u64,
) -> Result<Vec<(String, Vec<f64>)>> {
    let Some(first) = generations.first() else {
        return Ok(Vec::new());
    };
    let real = match reference {
        Some(r) => sample_rows(r, PRDC_SAMPLE, seed, 0),
        None => sample_rows(first.view(), PRDC_SAMPLE, seed, 0),
    };
    let mut vendi = Vec::new();
    let mut distance = Vec::new();
    let mut recall = Vec::new();
    let mut coverage = Vec::new();
    for (g, x) in generations.iter().enumerate() {
        vendi.push(vendi_score(x.view(), 1.0)?);
        distance.push(mean_pairwise_cosine_distance(x.view())?);
        if reference.is_none() && g == 0 {
            recall.push(f64::NAN);
            coverage.push(f64::NAN);
            continue;
        }
        let fake = sample_rows(x.view(), PRDC_SAMPLE, seed, 1 + g as u64);
        let values = prdc(real.view(), fake.view(), PRDC_K)
            .map_err(|e| Error::Data(format!("PRDC of generation {g}: {e}")))?;
        recall.push(values.recall);
        coverage.push(values.coverage);
    }
    Ok(METRICS
        .iter()
        .map(|m| m.to_string())
        .zip([vendi, distance, recall, coverage])
        .collect())
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use rand::Rng;

    use super::*;

    fn cloud(n: usize, spread: f64, seed: u64) -> Array2<f64> {
        let mut rng = seeded(seed, 7);
        Array2::from_shape_fn((n, 8), |(_, j)| {
            // Around a common direction, so cosine geometry is meaningful.
            (if j == 0 { 3.0 } else { 0.0 }) + spread * (rng.random::<f64>() - 0.5)
        })
    }

    #[test]
    fn pairwise_distance_matches_the_quadratic_definition() {
        let x = cloud(30, 1.0, 1);
        let mut total = 0.0;
        let mut pairs = 0.0;
        for i in 0..30 {
            for j in 0..30 {
                if i != j {
                    let (a, b) = (x.row(i), x.row(j));
                    total += 1.0 - a.dot(&b) / (a.dot(&a).sqrt() * b.dot(&b).sqrt());
                    pairs += 1.0;
                }
            }
        }
        let fast = mean_pairwise_cosine_distance(x.view()).unwrap();
        assert!((fast - total / pairs).abs() < 1e-12, "{fast}");
    }

    #[test]
    fn shrinking_spread_lowers_every_metric_and_generation_zero_has_no_prdc() {
        let generations: Vec<Array2<f64>> = [2.0, 1.4, 0.9, 0.5]
            .iter()
            .enumerate()
            .map(|(g, &s)| cloud(200, s, 10 + g as u64))
            .collect();
        let series = embedding_series(&generations, None, 3).unwrap();
        for (name, values) in &series {
            let defined: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
            assert!(
                defined.windows(2).all(|w| w[1] < w[0]),
                "{name} should fall: {values:?}"
            );
        }
        assert!(series[2].1[0].is_nan() && series[3].1[0].is_nan());
        // Against an external reference every generation has a value.
        let reference = cloud(200, 2.0, 99);
        let series = embedding_series(&generations, Some(reference.view()), 3).unwrap();
        assert!(series.iter().all(|(_, v)| v.iter().all(|x| x.is_finite())));
    }
}
