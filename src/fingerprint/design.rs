//! The detector's design matrix: sparse hashed n-gram TF-IDF (IDF fitted on the training
//! documents) with the standardised stylometric features appended as extra columns, so one
//! sparse linear model weighs both.

use rayon::prelude::*;

use crate::corpus::Doc;
use crate::features::stylometry::{self, Stylometry};
use crate::features::{Featurizer, HashedNgrams, NgramConfig, SparseMatrix};

/// Fitted featurisation: IDF of the n-gram buckets and the stylometry's mean and spread.
pub struct Design {
    pub ngrams: HashedNgrams,
    pub stylo_mean: Vec<f32>,
    pub stylo_scale: Vec<f32>,
}

impl Design {
    /// Fits IDF and stylometric standardisation on `docs`.
    pub fn fit(config: &NgramConfig, docs: &[Doc]) -> Design {
        let mut ngrams = HashedNgrams::new(config.clone());
        ngrams.observe(docs);
        let rows: Vec<Vec<f32>> = docs
            .par_iter()
            .map(|d| stylometry::features(&d.text))
            .collect();
        let width = Stylometry.columns().len();
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0f64; width];
        for r in &rows {
            mean.iter_mut()
                .zip(r)
                .for_each(|(m, v)| *m += *v as f64 / n);
        }
        let mut var = vec![0f64; width];
        for r in &rows {
            var.iter_mut()
                .zip(r)
                .zip(&mean)
                .for_each(|((s, v), m)| *s += (*v as f64 - m).powi(2) / n);
        }
        Design {
            ngrams,
            stylo_mean: mean.iter().map(|&m| m as f32).collect(),
            // Constant columns get scale 0: they carry nothing.
            stylo_scale: var
                .iter()
                .map(|&v| {
                    if v > 1e-12 {
                        (1.0 / v.sqrt()) as f32
                    } else {
                        0.0
                    }
                })
                .collect(),
        }
    }

    /// Columns: the n-gram buckets, then the stylometric features.
    pub fn width(&self) -> usize {
        self.ngrams.config().dim + self.stylo_mean.len()
    }

    /// Names of the stylometric columns (offset by the n-gram width).
    pub fn stylo_names() -> Vec<String> {
        Stylometry.columns()
    }

    pub fn transform(&self, docs: &[Doc]) -> SparseMatrix {
        let ngrams = self.ngrams.transform_sparse(docs);
        let offset = self.ngrams.config().dim as u32;
        let stylo: Vec<Vec<f32>> = docs
            .par_iter()
            .map(|d| {
                stylometry::features(&d.text)
                    .iter()
                    .zip(&self.stylo_mean)
                    .zip(&self.stylo_scale)
                    // Clipped: a few documents have extreme lengths or counts.
                    .map(|((v, m), s)| ((v - m) * s).clamp(-5.0, 5.0))
                    .collect()
            })
            .collect();
        let mut out = SparseMatrix::new(self.width());
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for (i, row) in stylo.iter().enumerate() {
            let (a, b) = (ngrams.indptr[i], ngrams.indptr[i + 1]);
            indices.clear();
            values.clear();
            indices.extend_from_slice(&ngrams.indices[a..b]);
            values.extend_from_slice(&ngrams.values[a..b]);
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    indices.push(offset + j as u32);
                    values.push(v);
                }
            }
            out.push_row(ngrams.ids[i].clone(), &indices, &values);
        }
        out
    }
}
