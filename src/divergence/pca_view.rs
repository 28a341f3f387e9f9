//! A 2-D picture of the two samples the suite compared: both sides projected on the first two
//! principal axes of their pooled rows, so a person sees whether the candidate sits apart from
//! the reference, spreads less (mode collapse) or covers only part of it.

use ndarray::{concatenate, Array2, Axis};
use rand::seq::index::sample;
use serde::Serialize;

use super::Sample;
use crate::error::{Error, Result};
use crate::stats::pca::{Components, Pca};
use crate::stats::rng::seeded;

/// Rows per side the axes are fitted on and drawn: a stable picture, a small report, and a fit
/// that stays fast at any width (the eigenproblem is at most 1,000 × 1,000).
pub const POINTS_PER_SIDE: usize = 500;
/// Seed stream of the row choice (the suite's tests use their own streams).
const STREAM: u64 = 0x2d_9ca;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    /// Share of the pooled rows' variance along the two axes.
    pub explained_variance_ratio: [f64; 2],
    /// Rows of each side on the axes (a seeded sample of at most `POINTS_PER_SIDE`).
    pub reference: Vec<[f64; 2]>,
    pub candidate: Vec<[f64; 2]>,
}

/// Seeded rows of one side, as f64.
fn rows(side: &Sample, seed: u64, stream: u64) -> Array2<f64> {
    let n = side.values.nrows();
    let mut chosen: Vec<usize> = if n > POINTS_PER_SIDE {
        sample(&mut seeded(seed, stream), n, POINTS_PER_SIDE).into_vec()
    } else {
        (0..n).collect()
    };
    chosen.sort_unstable();
    side.values.select(Axis(0), &chosen).mapv(f64::from)
}

/// The first two principal axes of both sides pooled, and each side's rows on them (a single
/// column gives a second coordinate of 0).
pub fn pca_2d(reference: &Sample, candidate: &Sample, seed: u64) -> Result<Projection> {
    let r = rows(reference, seed, STREAM);
    let c = rows(candidate, seed, STREAM + 1);
    let pooled = concatenate(Axis(0), &[r.view(), c.view()])
        .map_err(|e| Error::Data(format!("projection: the sides differ in width ({e})")))?;
    let pca = Pca::fit(pooled.view(), Components::Count(2))?;
    let points = |x: &Array2<f64>| -> Result<Vec<[f64; 2]>> {
        let t = pca.transform(x.view())?;
        Ok(t.rows()
            .into_iter()
            .map(|row| [row[0], row.get(1).copied().unwrap_or(0.0)])
            .collect())
    };
    let ratio = |k: usize| pca.explained_variance_ratio.get(k).copied().unwrap_or(0.0);
    Ok(Projection {
        explained_variance_ratio: [ratio(0), ratio(1)],
        reference: points(&r)?,
        candidate: points(&c)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn sample_of(values: &Array2<f32>, ids: &[String], names: &[String]) -> Vec<[f64; 2]> {
        let s = Sample::new(values.view(), ids, names);
        pca_2d(&s, &s, 7).unwrap().reference
    }

    #[test]
    fn separates_shifted_sides_along_the_first_axis() {
        // Reference around 0, candidate shifted by 5 in every column: the first axis is the
        // shift, so the sides' mean first coordinates differ by about 5·√d.
        let d = 4;
        let make = |shift: f32| {
            Array2::from_shape_fn((300, d), |(i, j)| {
                shift + ((i * 7 + j * 13) % 17) as f32 / 17.0 - 0.5
            })
        };
        let (r, c) = (make(0.0), make(5.0));
        let ids: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        let names: Vec<String> = (0..d).map(|j| format!("f{j}")).collect();
        let p = pca_2d(
            &Sample::new(r.view(), &ids, &names),
            &Sample::new(c.view(), &ids, &names),
            1,
        )
        .unwrap();
        assert_eq!((p.reference.len(), p.candidate.len()), (300, 300));
        let mean = |v: &[[f64; 2]]| v.iter().map(|p| p[0]).sum::<f64>() / v.len() as f64;
        let gap = (mean(&p.candidate) - mean(&p.reference)).abs();
        assert!((gap - 10.0).abs() < 0.5, "gap {gap}");
        assert!(p.explained_variance_ratio[0] > 0.9);
        assert!(p.explained_variance_ratio[0] >= p.explained_variance_ratio[1]);
    }

    #[test]
    fn draws_at_most_the_cap_per_side_and_is_seeded() {
        let values = Array2::from_shape_fn((1_200, 3), |(i, j)| ((i * (j + 3)) % 101) as f32);
        let ids: Vec<String> = (0..1_200).map(|i| i.to_string()).collect();
        let names: Vec<String> = (0..3).map(|j| format!("f{j}")).collect();
        let a = sample_of(&values, &ids, &names);
        assert_eq!(a.len(), POINTS_PER_SIDE);
        assert_eq!(a, sample_of(&values, &ids, &names));
    }

    #[test]
    fn one_column_gives_a_zero_second_coordinate() {
        let values = Array2::from_shape_fn((20, 1), |(i, _)| i as f32);
        let ids: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let names = vec!["x".to_string()];
        assert!(sample_of(&values, &ids, &names).iter().all(|p| p[1] == 0.0));
    }
}
