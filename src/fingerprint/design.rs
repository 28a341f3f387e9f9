//! The detector's design matrix, one sparse row per document: hashed n-gram TF-IDF (IDF fitted
//! on the training documents), then the standardised stylometric, format and language-model
//! features, then the sentence embedding, each family only when asked for, so one sparse linear
//! model weighs them all. N-grams, stylometry, the language model and embeddings see the
//! normalised text; format reads the raw text.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::Doc;
use crate::error::{Error, Result};
use crate::features::{formatting, stylometry, Formatting, Stylometry};
use crate::features::{Embedder, FeatureKind, FeatureSettings, Featurizer, HashedNgrams};
use crate::features::{LmConfig, LmScorer, NgramConfig, Normalization};
use crate::matrix::SparseMatrix;

/// Clip of standardised dense features: a few documents have extreme lengths or counts.
const DENSE_CLIP: f32 = 5.0;

/// Mean and inverse spread of each column of a dense family over the training documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnScaling {
    pub columns: Vec<String>,
    pub mean: Vec<f32>,
    /// 1 / standard deviation; 0 for constant columns (they carry nothing).
    pub inverse_scale: Vec<f32>,
}

impl ColumnScaling {
    /// Fitted on the raw rows of the training documents.
    fn fit(columns: Vec<String>, rows: &[&[f32]]) -> ColumnScaling {
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0f64; columns.len()];
        for r in rows {
            mean.iter_mut()
                .zip(r.iter())
                .for_each(|(m, v)| *m += *v as f64 / n);
        }
        let mut var = vec![0f64; columns.len()];
        for r in rows {
            var.iter_mut()
                .zip(r.iter())
                .zip(&mean)
                .for_each(|((s, v), m)| *s += (*v as f64 - m).powi(2) / n);
        }
        ColumnScaling {
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
            .map(|((v, m), s)| ((v - m) * s).clamp(-DENSE_CLIP, DENSE_CLIP))
            .collect()
    }

    /// Whether it was fitted on the columns `family` computes now.
    fn matches(&self, names: &[String]) -> bool {
        self.columns == names
            && self.mean.len() == names.len()
            && self.inverse_scale.len() == names.len()
    }
}

/// The named per-document statistics of the two dense families, raw (before scaling): what the
/// design standardises, the lexicon averages per class and the shortcut audit ranks.
#[derive(Debug, Clone, Default)]
pub struct DenseRows {
    /// Stylometry of the normalised text, one row per document.
    pub stylo: Vec<Vec<f32>>,
    /// Format features of the raw text, one row per document.
    pub format: Vec<Vec<f32>>,
    /// Language-model features, one row per document — empty unless computed (they are
    /// expensive: only a design with the `lm` family asks for them).
    pub lm: Vec<Vec<f32>>,
}

impl DenseRows {
    /// Both families for every document.
    pub fn compute(docs: &[Doc], normalization: Normalization) -> DenseRows {
        DenseRows::compute_families(docs, normalization, true, true)
    }

    /// The families asked for (the others stay empty).
    fn compute_families(
        docs: &[Doc],
        normalization: Normalization,
        stylo: bool,
        format: bool,
    ) -> DenseRows {
        let (stylo, format) = docs
            .par_iter()
            .map(|d| {
                (
                    if stylo {
                        stylometry::features(&normalization.apply(&d.text))
                    } else {
                        Vec::new()
                    },
                    if format {
                        formatting::features(&d.text)
                    } else {
                        Vec::new()
                    },
                )
            })
            .unzip();
        DenseRows {
            stylo,
            format,
            lm: Vec::new(),
        }
    }

    /// Adds the language-model rows of `docs` (the documents these rows are of).
    pub fn with_lm(
        mut self,
        lm: &LmConfig,
        docs: &[Doc],
        normalization: Normalization,
    ) -> Result<Self> {
        let scorer = LmScorer::new(lm, normalization)?;
        self.lm = rows_of(scorer.transform(docs)?);
        Ok(self)
    }

    /// The rows of documents `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> DenseRows {
        let pick = |family: &[Vec<f32>]| match family.is_empty() {
            true => Vec::new(),
            false => rows.iter().map(|&i| family[i].clone()).collect(),
        };
        DenseRows {
            stylo: pick(&self.stylo),
            format: pick(&self.format),
            lm: pick(&self.lm),
        }
    }

    fn family(&self, kind: FeatureKind) -> &[Vec<f32>] {
        match kind {
            FeatureKind::Format => &self.format,
            FeatureKind::Lm => &self.lm,
            _ => &self.stylo,
        }
    }
}

fn rows_of(matrix: ndarray::Array2<f32>) -> Vec<Vec<f32>> {
    matrix.outer_iter().map(|r| r.to_vec()).collect()
}

/// The language-model family of a design: the scorer and the scaling fitted on training rows.
pub struct LmFamily {
    pub scorer: LmScorer,
    pub scaling: ColumnScaling,
}

/// What one column of the design matrix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Ngram(u32),
    Stylo(usize),
    Format(usize),
    Lm(usize),
    Embed(usize),
}

/// Fitted featurisation of the detector.
pub struct Design {
    pub normalization: Normalization,
    pub ngrams: Option<HashedNgrams>,
    pub stylo: Option<ColumnScaling>,
    pub format: Option<ColumnScaling>,
    pub lm: Option<LmFamily>,
    pub embedder: Option<Embedder>,
}

/// A design fitted on training documents, with their rows.
pub struct Fitted {
    pub design: Design,
    pub x: SparseMatrix,
}

impl Design {
    /// Fits IDF and the dense families' scaling on `docs` (whose raw dense rows are `dense`,
    /// when computed already), for the families in `settings`, and transforms them.
    pub fn fit_transform(
        settings: &FeatureSettings,
        docs: &[Doc],
        dense: Option<&DenseRows>,
    ) -> Result<Fitted> {
        let wants = |k: FeatureKind| settings.kinds.contains(&k);
        let computed;
        let dense = match dense {
            Some(d) => d,
            None => {
                computed = DenseRows::compute_families(
                    docs,
                    settings.normalization,
                    wants(FeatureKind::Stylo),
                    wants(FeatureKind::Format),
                );
                &computed
            }
        };
        let ngrams = wants(FeatureKind::Ngram).then(|| {
            let mut ngrams = HashedNgrams::new(settings.ngram.clone(), settings.normalization);
            ngrams.observe(docs);
            ngrams
        });
        let scaling = |kind: FeatureKind, columns: Vec<String>| {
            wants(kind).then(|| {
                let rows: Vec<&[f32]> = dense.family(kind).iter().map(|r| &r[..]).collect();
                ColumnScaling::fit(columns, &rows)
            })
        };
        let embedder = match wants(FeatureKind::Embed) {
            true => Some(Embedder::new(&settings.embed)?.normalizing(settings.normalization)),
            false => None,
        };
        let lm = match wants(FeatureKind::Lm) {
            true => {
                let scorer = LmScorer::new(&settings.lm, settings.normalization)?;
                let computed;
                let rows: &[Vec<f32>] = match dense.lm.is_empty() {
                    false => &dense.lm,
                    true => {
                        computed = rows_of(scorer.transform(docs)?);
                        &computed
                    }
                };
                let rows: Vec<&[f32]> = rows.iter().map(|r| &r[..]).collect();
                let scaling = ColumnScaling::fit(scorer.columns(), &rows);
                Some(LmFamily { scorer, scaling })
            }
            false => None,
        };
        let design = Design {
            normalization: settings.normalization,
            ngrams,
            stylo: scaling(FeatureKind::Stylo, stylo_columns()),
            format: scaling(FeatureKind::Format, Formatting.columns()),
            lm,
            embedder,
        };
        let x = design.transform_with(docs, Some(dense))?;
        Ok(Fitted { design, x })
    }

    /// A design from stored parts (a saved model); a dense family whose columns are not the
    /// ones this driftprint computes is an error naming the family.
    pub fn from_parts(
        normalization: Normalization,
        ngram: Option<(NgramConfig, Vec<f32>)>,
        stylo: Option<ColumnScaling>,
        format: Option<ColumnScaling>,
        lm: Option<LmFamily>,
        embedder: Option<Embedder>,
    ) -> Result<Design> {
        let ngrams = match ngram {
            Some((config, idf)) => {
                Some(HashedNgrams::with_idf(config, normalization, idf).map_err(Error::Data)?)
            }
            None => None,
        };
        for (name, scaling, current) in [
            ("stylometric", &stylo, stylo_columns()),
            ("format", &format, Formatting.columns()),
        ] {
            if let Some(s) = scaling {
                if !s.matches(&current) {
                    return Err(Error::Data(format!(
                        "the model was trained with another set of {name} features ({} columns; this driftprint computes {}): retrain it with `driftprint fingerprint train`",
                        s.columns.len(),
                        current.len()
                    )));
                }
            }
        }
        if let Some(f) = &lm {
            if !f.scaling.matches(&f.scorer.columns()) {
                return Err(Error::Data(format!(
                    "the model was trained with another set of language-model features ({} columns; this driftprint computes {}): retrain it with `driftprint fingerprint train`",
                    f.scaling.columns.len(),
                    f.scorer.columns().len()
                )));
            }
        }
        Ok(Design {
            normalization,
            ngrams,
            stylo,
            format,
            lm,
            embedder,
        })
    }

    fn ngram_width(&self) -> usize {
        self.ngrams.as_ref().map_or(0, |n| n.config().dim)
    }

    fn stylo_width(&self) -> usize {
        self.stylo.as_ref().map_or(0, |s| s.columns.len())
    }

    fn format_width(&self) -> usize {
        self.format.as_ref().map_or(0, |s| s.columns.len())
    }

    fn lm_width(&self) -> usize {
        self.lm.as_ref().map_or(0, |f| f.scaling.columns.len())
    }

    fn embed_width(&self) -> usize {
        self.embedder.as_ref().map_or(0, |e| e.columns().len())
    }

    /// Columns: n-gram buckets, stylometric, format and language-model features, embedding
    /// dimensions.
    pub fn width(&self) -> usize {
        self.ngram_width()
            + self.stylo_width()
            + self.format_width()
            + self.lm_width()
            + self.embed_width()
    }

    pub fn column(&self, j: usize) -> Column {
        let n = self.ngram_width();
        let s = n + self.stylo_width();
        let f = s + self.format_width();
        let l = f + self.lm_width();
        if j < n {
            Column::Ngram(j as u32)
        } else if j < s {
            Column::Stylo(j - n)
        } else if j < f {
            Column::Format(j - s)
        } else if j < l {
            Column::Lm(j - f)
        } else {
            Column::Embed(j - l)
        }
    }

    /// The feature families in use.
    pub fn kinds(&self) -> Vec<FeatureKind> {
        [
            (self.ngrams.is_some(), FeatureKind::Ngram),
            (self.stylo.is_some(), FeatureKind::Stylo),
            (self.format.is_some(), FeatureKind::Format),
            (self.lm.is_some(), FeatureKind::Lm),
            (self.embedder.is_some(), FeatureKind::Embed),
        ]
        .into_iter()
        .filter_map(|(on, k)| on.then_some(k))
        .collect()
    }

    pub fn transform(&self, docs: &[Doc]) -> Result<SparseMatrix> {
        self.transform_with(docs, None)
    }

    /// `transform` of documents whose raw dense rows (both families) are computed already.
    pub fn transform_rows(&self, docs: &[Doc], dense: &DenseRows) -> Result<SparseMatrix> {
        self.transform_with(docs, Some(dense))
    }

    /// The dense rows this design uses, computed (only the families it has).
    fn dense_rows(&self, docs: &[Doc]) -> DenseRows {
        DenseRows::compute_families(
            docs,
            self.normalization,
            self.stylo.is_some(),
            self.format.is_some(),
        )
    }

    /// `transform` with the documents' raw dense rows already computed, when they are.
    fn transform_with(&self, docs: &[Doc], dense: Option<&DenseRows>) -> Result<SparseMatrix> {
        let computed;
        let dense = match dense {
            Some(d) => d,
            None => {
                computed = self.dense_rows(docs);
                &computed
            }
        };
        let ngrams = self.ngrams.as_ref().map(|n| n.transform_sparse(docs));
        let standardised = |scaling: &Option<ColumnScaling>, rows: &[Vec<f32>]| {
            scaling.as_ref().map(|s| {
                rows.par_iter()
                    .map(|r| s.standardise(r))
                    .collect::<Vec<_>>()
            })
        };
        let stylo = standardised(&self.stylo, &dense.stylo);
        let format = standardised(&self.format, &dense.format);
        let lm = match &self.lm {
            Some(f) => {
                let computed;
                let rows: &[Vec<f32>] = match dense.lm.len() == docs.len() {
                    true => &dense.lm,
                    false => {
                        computed = rows_of(f.scorer.transform(docs)?);
                        &computed
                    }
                };
                Some(
                    rows.par_iter()
                        .map(|r| f.scaling.standardise(r))
                        .collect::<Vec<_>>(),
                )
            }
            None => None,
        };
        let embed = match &self.embedder {
            Some(e) => Some(e.transform(docs)?),
            None => None,
        };
        let stylo_offset = self.ngram_width() as u32;
        let format_offset = stylo_offset + self.stylo_width() as u32;
        let lm_offset = format_offset + self.format_width() as u32;
        let embed_offset = lm_offset + self.lm_width() as u32;
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
            let dense = [
                stylo.as_ref().map(|rows| (stylo_offset, &rows[i][..])),
                format.as_ref().map(|rows| (format_offset, &rows[i][..])),
                lm.as_ref().map(|rows| (lm_offset, &rows[i][..])),
                embed
                    .as_ref()
                    .map(|e| (embed_offset, e.row(i).to_slice().unwrap_or(&[]))),
            ];
            for (offset, row) in dense.into_iter().flatten() {
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

/// The stylometric columns this driftprint computes.
pub fn stylo_columns() -> Vec<String> {
    Stylometry::default().columns()
}
