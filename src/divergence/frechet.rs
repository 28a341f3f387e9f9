//! Fréchet distance between Gaussian fits of the two samples (the FID formula, Heusel et al.
//! 2017): ‖μ₁ − μ₂‖² + Tr S₁ + Tr S₂ − 2 Tr (S₁S₂)^½, with unbiased covariances (ddof = 1).
//!
//! Tr (S₁S₂)^½ is taken as Σ √λ over the eigenvalues of the symmetric S₁^½ S₂ S₁^½, which has the
//! same spectrum as S₁S₂ but, unlike a general `sqrtm`, never goes complex on round-off.

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::{Details, Divergence, FeatureScore, Sample, TestResult, ThresholdKind};
use crate::error::{Error, Result};
use crate::stats::knn::finite_f64;

/// Features listed in a result, largest marginal Fréchet distance first.
const TOP_FEATURES: usize = 10;

/// The parts of a Fréchet distance, so a report can say whether means or spreads moved.
#[derive(Debug, Clone, PartialEq)]
pub struct FrechetParts {
    /// The Fréchet distance itself.
    pub distance: f64,
    /// ‖μ₁ − μ₂‖².
    pub mean_term: f64,
    /// Tr S₁ + Tr S₂ − 2 Tr (S₁S₂)^½ (the covariance part, ≥ 0 up to round-off).
    pub covariance_term: f64,
    /// Tr S₁ of the reference.
    pub trace_reference: f64,
    /// Tr S₂ of the candidate.
    pub trace_candidate: f64,
    /// Column means of the reference.
    pub mean_reference: Array1<f64>,
    /// Column means of the candidate.
    pub mean_candidate: Array1<f64>,
    /// Per feature: (μ₁ − μ₂)² + (σ₁ − σ₂)², the Fréchet distance of the two marginals.
    pub marginal: Vec<f64>,
}

/// Fréchet distance between the Gaussian fits of `x` (reference) and `y` (candidate), in f64.
pub fn frechet_distance(x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<FrechetParts> {
    if x.ncols() != y.ncols() {
        return Err(Error::Data(format!(
            "Fréchet distance: the reference has {} columns, the candidate {}",
            x.ncols(),
            y.ncols()
        )));
    }
    if x.nrows() < 2 || y.nrows() < 2 {
        return Err(Error::Data(format!(
            "Fréchet distance needs at least 2 rows per side for a covariance, got {} and {}",
            x.nrows(),
            y.nrows()
        )));
    }
    let (mu1, s1) = gaussian_fit(x);
    let (mu2, s2) = gaussian_fit(y);
    let mean_term = (&mu1 - &mu2).mapv(|v| v * v).sum();
    let (trace1, trace2) = (s1.diag().sum(), s2.diag().sum());

    let s1 = to_nalgebra(&s1);
    let s2 = to_nalgebra(&s2);
    let root1 = psd_sqrt(&s1)?;
    let middle = &root1 * &s2 * &root1;
    let middle = (&middle + middle.transpose()) * 0.5;
    let trace_sqrt: f64 = eigenvalues(middle)?
        .iter()
        .map(|&l| l.max(0.0).sqrt())
        .sum();

    let covariance_term = trace1 + trace2 - 2.0 * trace_sqrt;
    let marginal = (0..mu1.len())
        .map(|j| {
            let sd = (s1[(j, j)].max(0.0).sqrt() - s2[(j, j)].max(0.0).sqrt()).powi(2);
            (mu1[j] - mu2[j]).powi(2) + sd
        })
        .collect();
    Ok(FrechetParts {
        distance: mean_term + covariance_term,
        mean_term,
        covariance_term,
        trace_reference: trace1,
        trace_candidate: trace2,
        mean_reference: mu1,
        mean_candidate: mu2,
        marginal,
    })
}

/// Drift when the Fréchet distance between Gaussian fits exceeds a threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Frechet {
    /// Drift when the distance is above this. The default, ∞, means "not gated": the distance
    /// grows with the feature scale and dimension, so a useful value must be calibrated per
    /// featurizer (e.g. on real-vs-real splits) — same-distribution samples are not at 0
    /// (0.88 for 200 × 16 standard normals).
    pub threshold: f64,
}

impl Default for Frechet {
    fn default() -> Self {
        Frechet {
            threshold: f64::INFINITY,
        }
    }
}

impl Divergence for Frechet {
    fn name(&self) -> &'static str {
        "frechet"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, _seed: u64) -> Result<TestResult> {
        let x = finite_f64(reference.values, "reference")?;
        let y = finite_f64(candidate.values, "candidate")?;
        let parts = frechet_distance(x.view(), y.view())?;

        let mut order: Vec<usize> = (0..parts.marginal.len()).collect();
        order.sort_by(|&a, &b| {
            parts.marginal[b]
                .total_cmp(&parts.marginal[a])
                .then(a.cmp(&b))
        });
        let features = order
            .into_iter()
            .take(TOP_FEATURES)
            .map(|j| FeatureScore {
                feature: reference
                    .names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("column {j}")),
                statistic: parts.marginal[j],
                p_value: None,
                adjusted_p: None,
                drifted: false,
            })
            .collect();

        let share = if parts.distance > 0.0 {
            100.0 * parts.mean_term / parts.distance
        } else {
            0.0
        };
        let verdict = if self.threshold.is_finite() {
            if parts.distance > self.threshold {
                format!(
                    "above the threshold {}: the candidate's distribution moved",
                    self.threshold
                )
            } else {
                format!("within the threshold {}", self.threshold)
            }
        } else {
            "not gated (no calibrated threshold)".to_string()
        };
        let summary = format!(
            "Fréchet distance = {:.4} ({:.0}% from shifted means, the rest from covariances), {verdict}; \
             the features whose mean or spread moved most are listed",
            parts.distance, share
        );
        let values = [
            ("mean_term", parts.mean_term),
            ("covariance_term", parts.covariance_term),
            ("trace_reference", parts.trace_reference),
            ("trace_candidate", parts.trace_candidate),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(TestResult::decide(
            self.name(),
            "Fréchet distance",
            parts.distance,
            None,
            self.threshold,
            ThresholdKind::StatisticAbove,
            Details {
                summary,
                values,
                features,
                witnesses: Vec::new(),
            },
        ))
    }
}

/// Column means and the unbiased (n − 1) covariance, in f64.
fn gaussian_fit(x: ArrayView2<f64>) -> (Array1<f64>, Array2<f64>) {
    let n = x.nrows() as f64;
    let mean = x.sum_axis(Axis(0)) / n;
    let centred = &x - &mean;
    let cov = centred.t().dot(&centred) / (n - 1.0);
    (mean, cov)
}

fn to_nalgebra(m: &Array2<f64>) -> DMatrix<f64> {
    DMatrix::from_fn(m.nrows(), m.ncols(), |i, j| m[[i, j]])
}

/// The symmetric square root of a positive semi-definite matrix (negative round-off → 0).
fn psd_sqrt(m: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    let eig = symmetric_eigen(m.clone())?;
    let roots = eig.eigenvalues.map(|l| l.max(0.0).sqrt());
    let v = &eig.eigenvectors;
    Ok(v * DMatrix::from_diagonal(&roots) * v.transpose())
}

fn eigenvalues(m: DMatrix<f64>) -> Result<Vec<f64>> {
    Ok(symmetric_eigen(m)?.eigenvalues.iter().copied().collect())
}

fn symmetric_eigen(m: DMatrix<f64>) -> Result<SymmetricEigen<f64, nalgebra::Dyn>> {
    SymmetricEigen::try_new(m, f64::EPSILON, 10_000).ok_or_else(|| {
        Error::Data("Fréchet distance: the covariance eigendecomposition did not converge".into())
    })
}

#[cfg(test)]
mod tests {
    use ndarray::{array, Array2};

    use super::*;

    fn sample_of(values: &Array2<f32>) -> (Vec<String>, Vec<String>) {
        let ids = (0..values.nrows()).map(|i| format!("d{i}")).collect();
        let names = (0..values.ncols()).map(|j| format!("f{j}")).collect();
        (ids, names)
    }

    fn grid(n: usize, d: usize, shift: f32, scale: f32) -> Array2<f32> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            (((i * 7 + j * 13) as f32 * 0.618_034).fract() - 0.5) * scale + shift
        })
    }

    #[test]
    fn one_dimension_matches_the_closed_form() {
        // 1-D: (μ₁ − μ₂)² + (σ₁ − σ₂)².
        let x = array![[0.0], [2.0], [4.0]]; // mean 2, variance 4
        let y = array![[10.0], [11.0], [12.0]]; // mean 11, variance 1
        let p = frechet_distance(x.view(), y.view()).unwrap();
        assert!((p.distance - (81.0 + 1.0)).abs() < 1e-12, "{}", p.distance);
        assert!((p.mean_term - 81.0).abs() < 1e-12);
        assert!((p.trace_reference - 4.0).abs() < 1e-12);
        assert!((p.marginal[0] - 82.0).abs() < 1e-12);
    }

    #[test]
    fn identical_samples_are_at_zero() {
        let x = grid(50, 4, 0.0, 1.0).mapv(f64::from);
        let p = frechet_distance(x.view(), x.view()).unwrap();
        assert!(p.distance.abs() < 1e-9, "{}", p.distance);
    }

    #[test]
    fn compare_is_deterministic_and_flags_a_shift() {
        let (a, b) = (grid(80, 3, 0.0, 1.0), grid(70, 3, 2.0, 1.0));
        let (ia, na) = sample_of(&a);
        let (ib, nb) = sample_of(&b);
        let (sa, sb) = (
            Sample::new(a.view(), &ia, &na),
            Sample::new(b.view(), &ib, &nb),
        );
        let test = Frechet { threshold: 1.0 };
        let r = test.compare(&sa, &sb, 1).unwrap();
        assert_eq!(r, test.compare(&sa, &sb, 2).unwrap());
        assert_eq!(r.test, "frechet");
        assert!(r.drifted);
        // A pure mean shift of 2 in every one of 3 columns (up to the grid's own offsets).
        assert!(
            (r.details.values["mean_term"] - 12.0).abs() < 0.5,
            "{:?}",
            r.details.values
        );
        assert_eq!(r.details.features.len(), 3);
        let ungated = Frechet::default().compare(&sa, &sb, 1).unwrap();
        assert!(!ungated.drifted);
        assert!(ungated.details.summary.contains("not gated"));
    }

    #[test]
    fn unusable_data_is_a_data_error() {
        let (a, b) = (grid(10, 3, 0.0, 1.0), grid(10, 4, 0.0, 1.0));
        let (ia, na) = sample_of(&a);
        let (ib, nb) = sample_of(&b);
        let (sa, sb) = (
            Sample::new(a.view(), &ia, &na),
            Sample::new(b.view(), &ib, &nb),
        );
        assert!(matches!(
            Frechet::default().compare(&sa, &sb, 0),
            Err(Error::Data(_))
        ));
        let one = grid(1, 3, 0.0, 1.0);
        let (io, no) = sample_of(&one);
        let so = Sample::new(one.view(), &io, &no);
        assert!(matches!(
            Frechet::default().compare(&sa, &so, 0),
            Err(Error::Data(_))
        ));
    }
}
