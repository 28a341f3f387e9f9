//! The fingerprint lexicon: the n-gram buckets and style features that weigh most toward
//! synthetic and toward real, named by rescanning the training text (a hashed bucket is only a
//! number until we see which n-grams land in it), with how often each appears per class and an
//! example snippet. Built at training time and stored in the model, so `explain` needs no data.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::design::{Column, ColumnScaling, DenseRows, Design};
use super::learner::LinearModel;
use crate::corpus::Doc;
use crate::features::FeatureKind;
use crate::matrix::SparseMatrix;

/// N-grams listed per bucket (hash collisions put several in one).
const NGRAMS_PER_BUCKET: usize = 3;
/// Normalised characters of context each side of a snippet's n-gram.
const SNIPPET_CONTEXT: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NgramCount {
    pub ngram: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LexiconEntry {
    pub bucket: u32,
    /// Model weight: positive pushes toward synthetic.
    pub weight: f32,
    /// The bucket's most frequent n-grams in the training text (lower-cased, spaces folded).
    pub ngrams: Vec<NgramCount>,
    /// Share of synthetic / real training documents containing the bucket.
    pub share_synthetic: f64,
    pub share_real: f64,
    /// An example from a training document of the class the weight points to.
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleEntry {
    pub feature: String,
    /// Weight per standard deviation of the feature: positive pushes toward synthetic.
    pub weight: f32,
    pub mean_real: f64,
    pub mean_synthetic: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lexicon {
    pub toward_synthetic: Vec<LexiconEntry>,
    pub toward_real: Vec<LexiconEntry>,
    /// Style features by |weight|, largest first.
    pub style: Vec<StyleEntry>,
}

/// What the rescan gathers for one bucket.
#[derive(Default, Clone)]
struct BucketTally {
    ngrams: HashMap<String, u64>,
    docs: [u64; 2],
    snippet: [Option<String>; 2],
}

fn merge(
    mut a: HashMap<u32, BucketTally>,
    b: HashMap<u32, BucketTally>,
) -> HashMap<u32, BucketTally> {
    for (bucket, t) in b {
        let e = a.entry(bucket).or_default();
        for (g, c) in t.ngrams {
            *e.ngrams.entry(g).or_default() += c;
        }
        for k in 0..2 {
            e.docs[k] += t.docs[k];
            if e.snippet[k].is_none() {
                e.snippet[k] = t.snippet[k].clone();
            }
        }
    }
    a
}

/// The `size` entries that contribute most each way, from training `docs` (design matrix
/// `x`, raw dense rows `dense`, truth `synthetic`). An n-gram's contribution is its weight
/// times its mean value in the
/// documents of the class it points to: a large weight on an n-gram that almost never occurs
/// (a name in one article) explains little of what the detector does.
pub fn build(
    design: &Design,
    model: &LinearModel,
    x: &SparseMatrix,
    docs: &[Doc],
    dense: &DenseRows,
    synthetic: &[bool],
    size: usize,
) -> Lexicon {
    if size == 0 {
        return Lexicon::default();
    }
    let n_synthetic = synthetic.iter().filter(|&&s| s).count().max(1) as f64;
    let n_real = (synthetic.len() - synthetic.iter().filter(|&&s| s).count()).max(1) as f64;
    // Column sums per class (index 0 real, 1 synthetic).
    let mut sums = [vec![0f64; x.dim], vec![0f64; x.dim]];
    for (i, &s) in synthetic.iter().enumerate() {
        let (idx, val) = x.row(i);
        let class = &mut sums[usize::from(s)];
        for (&j, &v) in idx.iter().zip(val) {
            class[j as usize] += v as f64;
        }
    }
    let mut toward_synthetic: Vec<(u32, f32, f64)> = Vec::new();
    let mut toward_real: Vec<(u32, f32, f64)> = Vec::new();
    // Dense columns: (family, index in the family, weight).
    let mut style_cols: Vec<(FeatureKind, usize, f32)> = Vec::new();
    for (j, &w) in model.weights.iter().enumerate() {
        match design.column(j) {
            Column::Ngram(b) if w > 0.0 => {
                toward_synthetic.push((b, w, w as f64 * sums[1][j] / n_synthetic))
            }
            Column::Ngram(b) if w < 0.0 => {
                toward_real.push((b, w, -w as f64 * sums[0][j] / n_real))
            }
            Column::Stylo(k) => style_cols.push((FeatureKind::Stylo, k, w)),
            Column::Format(k) => style_cols.push((FeatureKind::Format, k, w)),
            Column::Lm(k) => style_cols.push((FeatureKind::Lm, k, w)),
            _ => {}
        }
    }
    for list in [&mut toward_synthetic, &mut toward_real] {
        list.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        list.truncate(size);
    }
    let toward_synthetic: Vec<(u32, f32)> = toward_synthetic.iter().map(|c| (c.0, c.1)).collect();
    let toward_real: Vec<(u32, f32)> = toward_real.iter().map(|c| (c.0, c.1)).collect();

    let tallies = match &design.ngrams {
        Some(ngrams) => {
            let wanted: HashSet<u32> = toward_synthetic
                .iter()
                .chain(&toward_real)
                .map(|c| c.0)
                .collect();
            docs.par_iter()
                .zip(synthetic)
                .fold(
                    HashMap::new,
                    |mut acc: HashMap<u32, BucketTally>, (d, &s)| {
                        let class = usize::from(s);
                        let mut seen = HashSet::new();
                        for hit in
                            ngrams.find_ngrams(&d.text, SNIPPET_CONTEXT, |b| wanted.contains(&b))
                        {
                            let t = acc.entry(hit.bucket).or_default();
                            *t.ngrams.entry(hit.ngram).or_default() += 1;
                            if seen.insert(hit.bucket) {
                                t.docs[class] += 1;
                            }
                            if t.snippet[class].is_none() {
                                t.snippet[class] = Some(hit.snippet);
                            }
                        }
                        acc
                    },
                )
                .reduce(HashMap::new, merge)
        }
        None => HashMap::new(),
    };
    let entry = |&(bucket, weight): &(u32, f32)| {
        let t = tallies.get(&bucket).cloned().unwrap_or_default();
        let mut ngrams: Vec<NgramCount> = t
            .ngrams
            .into_iter()
            .map(|(ngram, count)| NgramCount { ngram, count })
            .collect();
        ngrams.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.ngram.cmp(&b.ngram)));
        ngrams.truncate(NGRAMS_PER_BUCKET);
        let class = usize::from(weight > 0.0);
        LexiconEntry {
            bucket,
            weight,
            ngrams,
            share_synthetic: t.docs[1] as f64 / n_synthetic,
            share_real: t.docs[0] as f64 / n_real,
            snippet: t.snippet[class].clone(),
        }
    };

    let mean = |rows: &[Vec<f32>], want: bool, k: usize| {
        let (sum, n) = rows
            .iter()
            .zip(synthetic)
            .filter(|(_, &s)| s == want)
            .fold((0.0, 0u64), |(sum, n), (r, _)| (sum + r[k] as f64, n + 1));
        sum / n.max(1) as f64
    };
    style_cols.sort_by(|a, b| {
        b.2.abs()
            .total_cmp(&a.2.abs())
            .then((a.0.name(), a.1).cmp(&(b.0.name(), b.1)))
    });
    let named = |family: FeatureKind| -> Option<(&ColumnScaling, &[Vec<f32>], &str)> {
        match family {
            FeatureKind::Format => design
                .format
                .as_ref()
                .map(|s| (s, &dense.format[..], "format_")),
            FeatureKind::Lm => design
                .lm
                .as_ref()
                .map(|f| (&f.scaling, &dense.lm[..], "lm_")),
            _ => design.stylo.as_ref().map(|s| (s, &dense.stylo[..], "")),
        }
    };
    let style = style_cols
        .iter()
        .filter(|c| c.2 != 0.0)
        .take(size)
        .filter_map(|&(family, k, weight)| {
            let (scaling, rows, prefix) = named(family)?;
            // Rows the design computed itself are not kept: no class means for them.
            if rows.len() != synthetic.len() {
                return None;
            }
            Some(StyleEntry {
                feature: format!("{prefix}{}", scaling.columns[k]),
                weight,
                mean_real: mean(rows, false, k),
                mean_synthetic: mean(rows, true, k),
            })
        })
        .collect();
    Lexicon {
        toward_synthetic: toward_synthetic.iter().map(entry).collect(),
        toward_real: toward_real.iter().map(entry).collect(),
        style,
    }
}
