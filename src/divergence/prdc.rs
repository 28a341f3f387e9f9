//! Precision, recall, density and coverage (Naeem et al. 2020), exactly as `prdc==0.2`
//! `compute_prdc(real, fake, nearest_k)`: each point's ball reaches its k-th nearest neighbour
//! in its own set, and "inside" is strict (`<`).
//!
//! Precision asks "is each synthetic document near some real one?" (low = unrealistic samples);
//! recall and coverage ask "is each region of the real data reached by synthetic documents?"
//! (low = mode collapse). Coverage and density are the outlier-robust variants, so coverage is
//! the gated statistic.

use ndarray::ArrayView2;

use super::{Details, Divergence, Sample, Side, TestResult, ThresholdKind, Witness};
use crate::error::{Error, Result};
use crate::stats::knn::{cross_balls, finite_f64, kth_neighbour_radii, Ball, CrossBalls};

/// The four PRDC numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrdcValues {
    /// Fraction of synthetic points inside at least one real ball.
    pub precision: f64,
    /// Fraction of real points inside at least one synthetic ball.
    pub recall: f64,
    /// Real balls containing each synthetic point, averaged and divided by k (≈ 1 when matched).
    pub density: f64,
    /// Fraction of real points whose ball contains their nearest synthetic point.
    pub coverage: f64,
}

/// PRDC of `fake` against `real` with k-NN balls of `k` neighbours (prdc's `nearest_k`).
pub fn prdc(real: ArrayView2<f64>, fake: ArrayView2<f64>, k: usize) -> Result<PrdcValues> {
    Ok(Geometry::measure(real, fake, k, Ball::Open)?.prdc(k))
}

/// Real and synthetic k-NN radii and both sets placed among each other's balls.
pub(crate) struct Geometry {
    pub real_radii: Vec<f64>,
    pub balls: CrossBalls,
}

impl Geometry {
    pub(crate) fn measure(
        real: ArrayView2<f64>,
        fake: ArrayView2<f64>,
        k: usize,
        ball: Ball,
    ) -> Result<Geometry> {
        if real.ncols() != fake.ncols() {
            return Err(Error::Data(format!(
                "the reference has {} columns, the candidate {}",
                real.ncols(),
                fake.ncols()
            )));
        }
        let real_radii = kth_neighbour_radii(real, k).map_err(|e| side_error("reference", e))?;
        let fake_radii = kth_neighbour_radii(fake, k).map_err(|e| side_error("candidate", e))?;
        let balls = cross_balls(real, &real_radii, fake, &fake_radii, ball)?;
        Ok(Geometry { real_radii, balls })
    }

    /// Fraction of synthetic points inside some real ball.
    pub(crate) fn precision(&self) -> f64 {
        fraction(
            self.balls.b.iter().filter(|p| p.inside > 0).count(),
            self.balls.b.len(),
        )
    }

    /// Fraction of real points inside some synthetic ball.
    pub(crate) fn recall(&self) -> f64 {
        fraction(
            self.balls.a.iter().filter(|p| p.inside > 0).count(),
            self.balls.a.len(),
        )
    }

    fn prdc(&self, k: usize) -> PrdcValues {
        let fakes = self.balls.b.len();
        let in_real_balls: u64 = self.balls.b.iter().map(|p| u64::from(p.inside)).sum();
        let covered = self.covered().filter(|&c| c).count();
        PrdcValues {
            precision: self.precision(),
            recall: self.recall(),
            // prdc's own order of operations: (1/k) · mean over fakes.
            density: (1.0 / k as f64) * (in_real_balls as f64 / fakes as f64),
            coverage: fraction(covered, self.real_radii.len()),
        }
    }

    /// Per real point: whether its nearest synthetic point is inside its (open) ball.
    fn covered(&self) -> impl Iterator<Item = bool> + '_ {
        self.balls
            .a_nearest
            .iter()
            .zip(&self.real_radii)
            .map(|(&(_, d), &r)| Ball::Open.contains(d, r))
    }
}

/// Drift when too little of the real data is covered by synthetic documents (PRDC coverage).
#[derive(Debug, Clone, PartialEq)]
pub struct Prdc {
    /// Neighbours per ball (prdc's `nearest_k`); default 5.
    pub k: usize,
    /// Drift when coverage is below this; default 0.9. Two samples of one distribution have an
    /// expected coverage of 1 − 2⁻ᵏ ≈ 0.97 at k = 5 (Naeem et al. 2020, §4), so 0.9 is a clear
    /// loss of variation; calibrate on real-vs-real splits for a tighter gate.
    pub threshold: f64,
    /// Witness documents listed per kind (uncovered real, unrealistic synthetic); default 5.
    pub witnesses: usize,
}

impl Default for Prdc {
    fn default() -> Self {
        Prdc {
            k: 5,
            threshold: 0.9,
            witnesses: 5,
        }
    }
}

impl Divergence for Prdc {
    fn name(&self) -> &'static str {
        "prdc"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, _seed: u64) -> Result<TestResult> {
        let real = finite_f64(reference.values, "reference")?;
        let fake = finite_f64(candidate.values, "candidate")?;
        let geometry = Geometry::measure(real.view(), fake.view(), self.k, Ball::Open)?;
        let v = geometry.prdc(self.k);

        // What the synthetic data is missing: uncovered real documents, scored by how many of
        // their own radii away the nearest synthetic document is.
        let missing = geometry
            .balls
            .a_nearest
            .iter()
            .zip(&geometry.real_radii)
            .zip(geometry.covered())
            .enumerate()
            .filter(|(_, (_, covered))| !covered)
            .map(|(row, ((&(_, d), &r), _))| (row, ratio(d, r)));
        let mut witnesses = top(Side::Reference, reference, missing, self.witnesses);
        witnesses.extend(unrealistic(&geometry, candidate, self.witnesses));

        let drifted = v.coverage < self.threshold;
        let mut problems = Vec::new();
        if v.coverage < self.threshold || v.recall < self.threshold {
            problems.push("the synthetic data misses regions of the real data (mode collapse)");
        }
        if v.precision < self.threshold {
            problems.push("part of the synthetic data lies where no real data is (unrealistic)");
        }
        let reading = if problems.is_empty() {
            "the synthetic data covers the real data and stays close to it".to_string()
        } else {
            problems.join("; ")
        };
        let summary = format!(
            "coverage = {:.3} {} threshold {} (precision {:.3}, recall {:.3}, density {:.3}; k = {}): \
             {reading}; listed: real documents no synthetic one is near, synthetic documents outside every real ball",
            v.coverage,
            if drifted { "<" } else { "≥" },
            self.threshold,
            v.precision,
            v.recall,
            v.density,
            self.k,
        );
        let values = [
            ("precision", v.precision),
            ("recall", v.recall),
            ("density", v.density),
            ("coverage", v.coverage),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(TestResult::decide(
            self.name(),
            "coverage",
            v.coverage,
            None,
            self.threshold,
            ThresholdKind::StatisticBelow,
            Details {
                summary,
                values,
                features: Vec::new(),
                witnesses,
            },
        ))
    }
}

/// Synthetic documents outside every real ball, scored by how many radii away the nearest is.
pub(crate) fn unrealistic(geometry: &Geometry, candidate: &Sample, count: usize) -> Vec<Witness> {
    let outside = geometry
        .balls
        .b
        .iter()
        .enumerate()
        .filter(|(_, p)| p.inside == 0)
        .map(|(row, p)| (row, p.closest_ball));
    top(Side::Candidate, candidate, outside, count)
}

/// The `count` highest-scoring rows as witnesses (ties: lower row first).
pub(crate) fn top(
    side: Side,
    sample: &Sample,
    scored: impl Iterator<Item = (usize, f64)>,
    count: usize,
) -> Vec<Witness> {
    let mut scored: Vec<(usize, f64)> = scored.collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
        .into_iter()
        .take(count)
        .map(|(row, score)| Witness {
            side,
            row,
            id: sample
                .ids
                .get(row)
                .cloned()
                .unwrap_or_else(|| format!("row {row}")),
            score,
        })
        .collect()
}

fn ratio(distance: f64, radius: f64) -> f64 {
    if radius > 0.0 {
        distance / radius
    } else {
        f64::INFINITY
    }
}

fn fraction(count: usize, total: usize) -> f64 {
    count as f64 / total as f64
}

/// Names the side whose size made the k-NN radii impossible.
fn side_error(side: &str, e: Error) -> Error {
    match e {
        Error::Data(m) => Error::Data(format!("{side}: {m}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    fn grid(n: usize, d: usize, shift: f32, scale: f32) -> Array2<f32> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            (((i * 7 + j * 13) as f32 * 0.618_034).fract() - 0.5) * scale + shift
        })
    }

    fn labels(values: &Array2<f32>, prefix: &str) -> (Vec<String>, Vec<String>) {
        let ids = (0..values.nrows())
            .map(|i| format!("{prefix}{i}"))
            .collect();
        let names = (0..values.ncols()).map(|j| format!("f{j}")).collect();
        (ids, names)
    }

    #[test]
    fn hand_worked_example() {
        // Real at 0, 1, 2, 3 on a line (k = 1 radii: 1 each); fake at 0.5 and 10.
        let real = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
        let fake = ndarray::array![[0.5], [10.0], [10.2]];
        let v = prdc(real.view(), fake.view(), 1).unwrap();
        // Fake 0.5 is inside the balls of real 0 and 1 (0.5 < 1); 10 and 10.2 in none.
        assert_eq!(v.precision, 1.0 / 3.0);
        assert_eq!(v.density, 2.0 / 3.0);
        // Fake radii: 0.5 → 9.5, 10 → 0.2, 10.2 → 0.2. Every real point is within 9.5 of 0.5.
        assert_eq!(v.recall, 1.0);
        // Nearest fake of real 0 and 1 is 0.5 (inside); of 2 and 3 it is 0.5 at 1.5, 2.5 (outside).
        assert_eq!(v.coverage, 0.5);
    }

    #[test]
    fn collapse_is_flagged_with_the_missing_real_documents() {
        let real = grid(120, 3, 0.0, 4.0);
        // The candidate only reproduces the real documents of one corner (a collapsed generator).
        let kept: Vec<usize> = (0..real.nrows()).filter(|&i| real[[i, 0]] < -1.0).collect();
        let fake = real.select(ndarray::Axis(0), &kept).mapv(|v| v + 1e-3);
        let (ir, nr) = labels(&real, "real");
        let (if_, nf) = labels(&fake, "syn");
        let (sr, sf) = (
            Sample::new(real.view(), &ir, &nr),
            Sample::new(fake.view(), &if_, &nf),
        );
        let test = Prdc::default();
        let r = test.compare(&sr, &sf, 7).unwrap();
        assert_eq!(r, test.compare(&sr, &sf, 8).unwrap());
        assert_eq!(r.test, "prdc");
        assert!(r.drifted, "{}", r.details.summary);
        assert_eq!(r.statistic, r.details.values["coverage"]);
        assert!(r.statistic < 0.6, "{}", r.statistic);
        assert!(r.details.values["precision"] > 0.9);
        assert!(r.details.summary.contains("mode collapse"));
        let missing: Vec<_> = r
            .details
            .witnesses
            .iter()
            .filter(|w| w.side == Side::Reference)
            .collect();
        assert_eq!(missing.len(), 5);
        assert!(missing
            .iter()
            .all(|w| !kept.contains(&w.row) && w.id == format!("real{}", w.row) && w.score >= 1.0));
        assert!(missing.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn same_sample_is_fully_covered() {
        let real = grid(100, 4, 0.0, 1.0);
        let (ir, nr) = labels(&real, "r");
        let s = Sample::new(real.view(), &ir, &nr);
        let r = Prdc::default().compare(&s, &s, 0).unwrap();
        assert!(!r.drifted);
        for key in ["precision", "recall", "coverage"] {
            assert_eq!(r.details.values[key], 1.0, "{key}");
        }
        assert!(r.details.witnesses.is_empty());
    }

    #[test]
    fn unusable_data_is_a_data_error() {
        let (a, b) = (grid(20, 3, 0.0, 1.0), grid(20, 2, 0.0, 1.0));
        let (ia, na) = labels(&a, "a");
        let (ib, nb) = labels(&b, "b");
        let (sa, sb) = (
            Sample::new(a.view(), &ia, &na),
            Sample::new(b.view(), &ib, &nb),
        );
        assert!(
            matches!(Prdc::default().compare(&sa, &sb, 0), Err(Error::Data(m)) if m.contains("columns"))
        );
        let small = grid(5, 3, 0.0, 1.0);
        let (is, ns) = labels(&small, "s");
        let ss = Sample::new(small.view(), &is, &ns);
        let err = Prdc::default().compare(&sa, &ss, 0).unwrap_err();
        assert!(
            matches!(&err, Error::Data(m) if m.starts_with("candidate") && m.contains("at least 6")),
            "{err}"
        );
    }
}
