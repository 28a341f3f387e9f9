//! Likely hallucinated labels: synthetic documents whose label a classifier trained on the real
//! documents disagrees with most. One-vs-rest sparse logistic regressions over hashed n-gram
//! TF-IDF, fitted on the real labelled documents only, so every synthetic document is scored
//! out of sample. Reviewers see these first; the noise floor uses the random sample only.

use std::collections::BTreeSet;

use crate::corpus::{Doc, Source};
use crate::error::{Error, Result};
use crate::features::{FeatureKind, FeatureSettings};
use crate::fingerprint::design::Design;
use crate::stats::sparse_logistic::{SparseLogistic, SparseLogisticParams};

/// Indices (into `docs`) of the labelled synthetic documents, most suspicious first:
/// 1 − the classifier's normalised probability of the document's own label (a label no real
/// document has counts as fully suspicious).
pub fn rank(docs: &[Doc], seed: u64) -> Result<Vec<usize>> {
    let real: Vec<Doc> = docs
        .iter()
        .filter(|d| d.lineage.source == Source::Real && d.lineage.label.is_some())
        .cloned()
        .collect();
    let classes: Vec<&str> = real
        .iter()
        .filter_map(|d| d.lineage.label.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if classes.len() < 2 {
        return Err(Error::Usage(format!(
            "--suspects needs real documents of at least 2 labelled classes to learn from; found {}",
            classes.len()
        )));
    }
    let synthetic: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i].lineage.source == Source::Synthetic && docs[i].lineage.label.is_some())
        .collect();
    let mut settings = FeatureSettings {
        kinds: vec![FeatureKind::Ngram],
        ..FeatureSettings::default()
    };
    settings.ngram.seed = seed;
    let fitted = Design::fit_transform(&settings, &real, None)?;
    let candidates: Vec<Doc> = synthetic.iter().map(|&i| docs[i].clone()).collect();
    let x = fitted.design.transform(&candidates)?;
    let per_class: Vec<Vec<f64>> = classes
        .iter()
        .map(|class| {
            let y: Vec<bool> = real
                .iter()
                .map(|d| d.lineage.label.as_deref() == Some(class))
                .collect();
            SparseLogistic::fit(&fitted.x, &y, &SparseLogisticParams::default()).predict_proba(&x)
        })
        .collect();
    let mut scored: Vec<(f64, usize)> = synthetic
        .iter()
        .enumerate()
        .map(|(row, &i)| {
            let label = docs[i].lineage.label.as_deref();
            let total: f64 = per_class.iter().map(|p| p[row]).sum();
            let own = classes
                .iter()
                .position(|c| Some(*c) == label)
                .map_or(0.0, |k| per_class[k][row] / total.max(f64::MIN_POSITIVE));
            (1.0 - own, i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(scored.into_iter().map(|(_, i)| i).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Lineage;

    fn doc(id: &str, text: &str, label: &str, source: Source) -> Doc {
        let mut l = Lineage::new(source);
        l.label = Some(label.into());
        Doc {
            id: id.into(),
            text: text.into(),
            lineage: l,
        }
    }

    #[test]
    fn a_flipped_label_ranks_first() {
        let mut docs = Vec::new();
        for i in 0..40 {
            docs.push(doc(
                &format!("rp{i}"),
                &format!("wonderful great loved it superb {i}"),
                "pos",
                Source::Real,
            ));
            docs.push(doc(
                &format!("rn{i}"),
                &format!("awful terrible hated it boring {i}"),
                "neg",
                Source::Real,
            ));
        }
        for i in 0..10 {
            docs.push(doc(
                &format!("sp{i}"),
                &format!("great superb wonderful film {i}"),
                "pos",
                Source::Synthetic,
            ));
        }
        docs.push(doc(
            "flipped",
            "terrible awful boring hated film",
            "pos",
            Source::Synthetic,
        ));
        let ranked = rank(&docs, 1).unwrap();
        assert_eq!(ranked.len(), 11);
        assert_eq!(docs[ranked[0]].id, "flipped");
    }
}
