//! The detector's design matrix, one sparse row per document: hashed n-gram TF-IDF (IDF fitted
//! on the training documents), then the standardised stylometric features, then the sentence
//! embedding, each family only when asked for, so one sparse linear model weighs them all.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::Doc;
use crate::error::{Error, Result};
use crate::features::stylometry::{self, Stylometry};
use crate::features::{Embedder, FeatureKind, FeatureSettings, Featurizer, HashedNgrams};
use crate::features::{NgramConfig, SparseMatrix};

/// Clip of standardised stylometry: a few documents have extreme lengths or counts.
const STYLO_CLIP: f32 = 5.0;

/// Mean and inverse spread of each stylometric column over the training documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyloScaling {
    pub columns: Vec<String>,
    pub mean: Vec<f32>,
    /// 1 / standard deviation; 0 for constant columns (they carry nothing).
    pub inverse_scale: Vec<f32>,
}

impl StyloScaling {
    /// Fitted on the raw stylometric rows of the training documents.
    fn fit(rows: &[Vec<f32>]) -> StyloScaling {
        let columns = Stylometry.columns();
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0f64; columns.len()];
        for r in rows {
            mean.iter_mut()
                .zip(r)
                .for_each(|(m, v)| *m += *v as f64 / n);
        }
        let mut var = vec![0f64; columns.len()];
        for r in rows {
            var.iter_mut()
                .zip(r)
                .zip(&mean)
                .for_each(|((s, v), m)| *s += (*v as f64 - m).powi(2) / n);
        }
        StyloScaling {
            columns,
            mean: mean.iter().map(|&m| m as f32).collect(),
            inverse_scale: var
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

    fn standardise(&self, raw: &[f32]) -> Vec<f32> {
        raw.iter()
            .zip(&self.mean)
            .zip(&self.inverse_scale)
            .map(|((v, m), s)| ((v - m) * s).clamp(-STYLO_CLIP, STYLO_CLIP))
            .collect()
    }
}

fn raw_stylometry(docs: &[Doc]) -> Vec<Vec<f32>> {
    docs.par_iter()
        .map(|d| stylometry::features(&d.text))
        .collect()
}

/// A design fitted on training documents, with their rows.
pub struct Fitted {
    pub design: Design,
    pub x: SparseMatrix,
    /// The training documents' raw stylometric rows (when the design has stylometry).
    pub stylo_rows: Option<Vec<Vec<f32>>>,
}

/// What one column of the design matrix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Ngram(u32),
    Stylo(usize),
    Embed(usize),
}

/// Fitted featurisation of the detector.
pub struct Design {
    pub ngrams: Option<HashedNgrams>,
    pub stylo: Option<StyloScaling>,
    pub embedder: Option<Embedder>,
}

impl Design {
    /// Fits IDF and the stylometric standardisation on `docs`, for the families in `settings`,
    /// and transforms them: the training documents' stylometry is computed once, for the
    /// scaling, their rows and the lexicon's class means.
    pub fn fit_transform(settings: &FeatureSettings, docs: &[Doc]) -> Result<Fitted> {
        let wants = |k: FeatureKind| settings.kinds.contains(&k);
        let ngrams = wants(FeatureKind::Ngram).then(|| {
            let mut ngrams = HashedNgrams::new(settings.ngram.clone());
            ngrams.observe(docs);
            ngrams
        });
        let stylo_rows = wants(FeatureKind::Stylo).then(|| raw_stylometry(docs));
        let stylo = stylo_rows.as_deref().map(StyloScaling::fit);
        let embedder = match wants(FeatureKind::Embed) {
            true => Some(Embedder::new(&settings.embed)?),
            false => None,
        };
        let design = Design {
            ngrams,
            stylo,
            embedder,
        };
        let x = design.transform_with(docs, stylo_rows.as_deref())?;
        Ok(Fitted {
            design,
            x,
            stylo_rows,
        })
    }

    /// A design from stored parts (a saved model).
    pub fn from_parts(
        ngram: Option<(NgramConfig, Vec<f32>)>,
        stylo: Option<StyloScaling>,
        embedder: Option<Embedder>,
    ) -> Result<Design> {
        let ngrams = match ngram {
            Some((config, idf)) => Some(HashedNgrams::with_idf(config, idf).map_err(Error::Data)?),
            None => None,
        };
        Ok(Design {
            ngrams,
            stylo,
            embedder,
        })
    }

    fn ngram_width(&self) -> usize {
        self.ngrams.as_ref().map_or(0, |n| n.config().dim)
    }

    fn stylo_width(&self) -> usize {
        self.stylo.as_ref().map_or(0, |s| s.columns.len())
    }

    fn embed_width(&self) -> usize {
        self.embedder.as_ref().map_or(0, |e| e.columns().len())
    }

    /// Columns: n-gram buckets, then stylometric features, then embedding dimensions.
    pub fn width(&self) -> usize {
        self.ngram_width() + self.stylo_width() + self.embed_width()
    }

    pub fn column(&self, j: usize) -> Column {
        let (n, s) = (self.ngram_width(), self.stylo_width());
        if j < n {
            Column::Ngram(j as u32)
        } else if j < n + s {
            Column::Stylo(j - n)
        } else {
            Column::Embed(j - n - s)
        }
    }

    /// The feature families in use, by name.
    pub fn kinds(&self) -> Vec<FeatureKind> {
        [
            (self.ngrams.is_some(), FeatureKind::Ngram),
            (self.stylo.is_some(), FeatureKind::Stylo),
            (self.embedder.is_some(), FeatureKind::Embed),
        ]
        .into_iter()
        .filter_map(|(on, k)| on.then_some(k))
        .collect()
    }

    pub fn transform(&self, docs: &[Doc]) -> Result<SparseMatrix> {
        let raw = self.stylo.as_ref().map(|_| raw_stylometry(docs));
        self.transform_with(docs, raw.as_deref())
    }

    /// `transform` with the documents' raw stylometric rows already computed (when the design
    /// has stylometry).
    fn transform_with(&self, docs: &[Doc], raw_stylo: Option<&[Vec<f32>]>) -> Result<SparseMatrix> {
        let ngrams = self.ngrams.as_ref().map(|n| n.transform_sparse(docs));
        let stylo: Option<Vec<Vec<f32>>> = self
            .stylo
            .as_ref()
            .zip(raw_stylo)
            .map(|(s, raw)| raw.par_iter().map(|r| s.standardise(r)).collect());
        let embed = match &self.embedder {
            Some(e) => Some(e.transform(docs)?),
            None => None,
        };
        let stylo_offset = self.ngram_width() as u32;
        let embed_offset = stylo_offset + self.stylo_width() as u32;
        let mut out = SparseMatrix::new(self.width());
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            indices.clear();
            values.clear();
            if let Some(m) = &ngrams {
                let (idx, val) = m.row(i);
                indices.extend_from_slice(idx);
                values.extend_from_slice(val);
            }
            let dense = stylo
                .as_ref()
                .map(|rows| (stylo_offset, &rows[i][..]))
                .into_iter()
                .chain(
                    embed
                        .as_ref()
                        .map(|e| (embed_offset, e.row(i).to_slice().unwrap_or(&[]))),
                );
            for (offset, row) in dense {
                for (j, &v) in row.iter().enumerate() {
                    if v != 0.0 {
                        indices.push(offset + j as u32);
                        values.push(v);
                    }
                }
            }
            out.push_row(doc.id.clone(), &indices, &values);
        }
        Ok(out)
    }
}
