//! Vendi score (Friedman & Dieng 2023): the exponential of the Rényi entropy of order q of the
//! eigenvalues of K/n, with K the cosine-similarity matrix — the "effective number of distinct
//! documents" of a corpus. As `vendi-score==0.0.3` `score_K(K, q)`: eigenvalues ≤ 0 are dropped.
//!
//! K/n = Vₙ Vₙᵀ / n (rows of Vₙ unit-normalised) has the same nonzero eigenvalues as the d × d
//! Vₙᵀ Vₙ / n, so the smaller of the two Gram matrices is decomposed: n × n is never built when
//! d < n. The dual drops the ~1e-17 round-off eigenvalues an n × n decomposition would keep,
//! which moves q < 1 scores by ~1e-7 relative (the reference's notes); q ≥ 1 is unaffected.

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array2, ArrayView2, Axis};

use super::{Details, Divergence, Sample, TestResult, ThresholdKind};
use crate::error::{Error, Result};
use crate::stats::knn::finite_f64;

/// The positive eigenvalues of K/n for the cosine similarity of the rows of `x`, largest first.
pub fn cosine_spectrum(x: ArrayView2<f64>) -> Result<Vec<f64>> {
    let n = x.nrows();
    if n == 0 {
        return Err(Error::Data("Vendi score of an empty sample".into()));
    }
    let mut unit: Array2<f64> = x.to_owned();
    for (i, mut row) in unit.axis_iter_mut(Axis(0)).enumerate() {
        let norm = row.dot(&row).sqrt();
        if norm == 0.0 {
            return Err(Error::Data(format!(
                "row {i} is all zeros: it has no cosine similarity (drop empty documents first)"
            )));
        }
        row /= norm;
    }
    let gram = if unit.ncols() < n {
        unit.t().dot(&unit)
    } else {
        unit.dot(&unit.t())
    } / n as f64;
    let gram = DMatrix::from_fn(gram.nrows(), gram.ncols(), |i, j| {
        // Exactly symmetric, as `eigvalsh` assumes.
        0.5 * (gram[[i, j]] + gram[[j, i]])
    });
    let eig = SymmetricEigen::try_new(gram, f64::EPSILON, 10_000).ok_or_else(|| {
        Error::Data("Vendi score: the similarity eigendecomposition did not converge".into())
    })?;
    let mut values: Vec<f64> = eig
        .eigenvalues
        .iter()
        .copied()
        .filter(|&l| l > 0.0)
        .collect();
    values.sort_by(|a, b| b.total_cmp(a));
    Ok(values)
}

/// exp of the Rényi entropy of order `q` (0 ≤ q ≤ ∞) of `eigenvalues` (positive, summing to 1).
pub fn vendi_from_spectrum(eigenvalues: &[f64], q: f64) -> f64 {
    if q == 1.0 {
        (-eigenvalues.iter().map(|&l| l * l.ln()).sum::<f64>()).exp()
    } else if q == f64::INFINITY {
        1.0 / eigenvalues.iter().copied().fold(0.0, f64::max)
    } else {
        (eigenvalues.iter().map(|&l| l.powf(q)).sum::<f64>().ln() / (1.0 - q)).exp()
    }
}

/// Vendi score of order `q` of the rows of `x` under cosine similarity.
pub fn vendi_score(x: ArrayView2<f64>, q: f64) -> Result<f64> {
    check_order(q)?;
    Ok(vendi_from_spectrum(&cosine_spectrum(x)?, q))
}

/// Drift when the candidate's Vendi score falls below a fraction of the reference's (lost diversity).
#[derive(Debug, Clone, PartialEq)]
pub struct Vendi {
    /// Order of the Rényi entropy; default 1 (Shannon). Larger q weighs dominant modes more.
    pub q: f64,
    /// Drift when VS(candidate) / VS(reference) is below this; default 0.8.
    pub threshold: f64,
}

impl Default for Vendi {
    fn default() -> Self {
        Vendi {
            q: 1.0,
            threshold: 0.8,
        }
    }
}

impl Divergence for Vendi {
    fn name(&self) -> &'static str {
        "vendi"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, _seed: u64) -> Result<TestResult> {
        check_order(self.q)?;
        if reference.values.ncols() != candidate.values.ncols() {
            return Err(Error::Data(format!(
                "the reference has {} columns, the candidate {}",
                reference.values.ncols(),
                candidate.values.ncols()
            )));
        }
        let score = |s: &Sample, side: &str| -> Result<f64> {
            let x = finite_f64(s.values, side)?;
            let spectrum = cosine_spectrum(x.view()).map_err(|e| match e {
                Error::Data(m) => Error::Data(format!("{side}: {m}")),
                other => other,
            })?;
            Ok(vendi_from_spectrum(&spectrum, self.q))
        };
        let (vs_ref, vs_cand) = (
            score(reference, "reference")?,
            score(candidate, "candidate")?,
        );
        let ratio = vs_cand / vs_ref;
        let reading = if ratio < self.threshold {
            "the synthetic data has lost diversity"
        } else {
            "diversity is preserved"
        };
        let summary = format!(
            "Vendi score (q = {}) of the candidate is {vs_cand:.2} vs {vs_ref:.2} for the reference \
             (ratio {ratio:.3}, threshold {}): {reading} — it behaves like {vs_cand:.1} distinct \
             documents where the real data has {vs_ref:.1}",
            self.q, self.threshold
        );
        let values = [("vendi_reference", vs_ref), ("vendi_candidate", vs_cand)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        Ok(TestResult::decide(
            self.name(),
            "Vendi ratio",
            ratio,
            None,
            self.threshold,
            ThresholdKind::StatisticBelow,
            Details {
                summary,
                values,
                ..Details::default()
            },
        ))
    }
}

fn check_order(q: f64) -> Result<()> {
    if q >= 0.0 {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "Vendi score order q must be ≥ 0 (or inf), got {q}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{array, Array2};

    use super::*;

    fn labels(values: &Array2<f32>) -> (Vec<String>, Vec<String>) {
        let ids = (0..values.nrows()).map(|i| format!("d{i}")).collect();
        let names = (0..values.ncols()).map(|j| format!("f{j}")).collect();
        (ids, names)
    }

    #[test]
    fn orthogonal_and_identical_rows() {
        // Three orthogonal directions, each twice: exactly 3 distinct documents at every q.
        let x = array![
            [1.0, 0.0, 0.0],
            [2.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 3.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 0.0, 0.5]
        ];
        for q in [0.5, 1.0, 2.0, f64::INFINITY] {
            let v = vendi_score(x.view(), q).unwrap();
            assert!((v - 3.0).abs() < 1e-12, "q = {q}: {v}");
        }
        // The primal (n ≤ d) path: two orthogonal rows in 3-D.
        let y = array![[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]];
        assert!((vendi_score(y.view(), 1.0).unwrap() - 2.0).abs() < 1e-12);
        // All rows parallel: one distinct document.
        let z = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        assert!((vendi_score(z.view(), 1.0).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn collapsed_candidate_drifts() {
        let real = Array2::from_shape_fn((40, 6), |(i, j)| {
            ((i * 5 + j * 11) as f32 * 0.618).fract() - 0.5
        });
        // Every synthetic document is a copy of one of two real documents.
        let fake = Array2::from_shape_fn((40, 6), |(i, j)| real[[i % 2, j]]);
        let (ir, nr) = labels(&real);
        let (if_, nf) = labels(&fake);
        let (sr, sf) = (
            Sample::new(real.view(), &ir, &nr),
            Sample::new(fake.view(), &if_, &nf),
        );
        let r = Vendi::default().compare(&sr, &sf, 3).unwrap();
        assert_eq!(r, Vendi::default().compare(&sr, &sf, 4).unwrap());
        assert_eq!(r.test, "vendi");
        let (vr, vc) = (
            r.details.values["vendi_reference"],
            r.details.values["vendi_candidate"],
        );
        assert!(vc <= 2.0 + 1e-9 && vr > 3.0, "{vr} {vc}");
        assert_eq!(r.statistic, vc / vr);
        assert!(r.drifted);
        let same = Vendi::default().compare(&sr, &sr, 3).unwrap();
        assert_eq!(same.statistic, 1.0);
        assert!(!same.drifted);
    }

    #[test]
    fn unusable_data_is_an_error() {
        let a = Array2::<f32>::ones((4, 3));
        let b = Array2::<f32>::ones((4, 2));
        let (ia, na) = labels(&a);
        let (ib, nb) = labels(&b);
        let (sa, sb) = (
            Sample::new(a.view(), &ia, &na),
            Sample::new(b.view(), &ib, &nb),
        );
        assert!(matches!(
            Vendi::default().compare(&sa, &sb, 0),
            Err(Error::Data(_))
        ));
        let mut z = Array2::<f32>::ones((4, 3));
        z.row_mut(2).fill(0.0);
        let (iz, nz) = labels(&z);
        let sz = Sample::new(z.view(), &iz, &nz);
        let err = Vendi::default().compare(&sa, &sz, 0).unwrap_err();
        assert!(
            matches!(&err, Error::Data(m) if m.contains("candidate: row 2")),
            "{err}"
        );
        let bad = Vendi {
            q: -1.0,
            ..Vendi::default()
        };
        assert!(matches!(bad.compare(&sa, &sa, 0), Err(Error::Usage(_))));
    }
}
