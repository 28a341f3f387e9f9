//! Puts feature families on one scale for multivariate tests: every column is z-scored with the
//! reference's mean and standard deviation, and each family (column-name prefix before the first
//! `_`) is weighted by 1/sqrt(width) so a 256-column projection does not drown 125 stylometric
//! columns in distances.

use ndarray::{Array1, Array2, Axis};

use crate::matrix::FeatureMatrix;

/// Column shifts and scales learned from the reference side.
#[derive(Debug, Clone)]
pub struct Standardizer {
    mean: Array1<f32>,
    scale: Array1<f32>,
}

fn family(name: &str) -> &str {
    name.split('_').next().unwrap_or(name)
}

impl Standardizer {
    pub fn fit(reference: &FeatureMatrix) -> Standardizer {
        let values = reference.values.mapv(f64::from);
        let mean = values
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(values.ncols()));
        let sd = values.std_axis(Axis(0), 0.0);
        let mut width = std::collections::HashMap::new();
        for name in &reference.names {
            *width.entry(family(name)).or_insert(0usize) += 1;
        }
        let scale = reference
            .names
            .iter()
            .zip(sd.iter())
            .map(|(name, &s)| {
                let s = if s > 1e-12 { s } else { 1.0 };
                (1.0 / (s * (width[family(name)] as f64).sqrt())) as f32
            })
            .collect();
        Standardizer {
            mean: mean.mapv(|m| m as f32),
            scale,
        }
    }

    pub fn apply(&self, m: &FeatureMatrix) -> FeatureMatrix {
        let values: Array2<f32> = (&m.values - &self.mean) * &self.scale;
        FeatureMatrix {
            ids: m.ids.clone(),
            names: m.names.clone(),
            values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_get_equal_weight_and_reference_is_centred() {
        let m = FeatureMatrix {
            ids: vec!["a".into(), "b".into()],
            names: vec![
                "stylo_x".into(),
                "ngram_p0".into(),
                "ngram_p1".into(),
                "ngram_p2".into(),
            ],
            values: Array2::from_shape_vec((2, 4), vec![0.0, 1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0])
                .unwrap(),
        };
        let z = Standardizer::fit(&m).apply(&m);
        assert_eq!(
            z.values.row(0).to_vec(),
            vec![
                -1.0,
                -1.0 / 3f32.sqrt(),
                -1.0 / 3f32.sqrt(),
                -1.0 / 3f32.sqrt()
            ]
        );
        let norm = |r: usize, cols: std::ops::Range<usize>| {
            cols.map(|j| z.values[(r, j)].powi(2)).sum::<f32>()
        };
        assert!(
            (norm(0, 0..1) - norm(0, 1..4)).abs() < 1e-6,
            "each family contributes equally"
        );
    }
}
