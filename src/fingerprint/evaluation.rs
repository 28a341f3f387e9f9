//! How good a detector's scores are on labelled documents: ranking (AUROC, TPR at a fixed FPR),
//! decisions at the model's threshold (TPR, FPR, accuracy), calibration (Brier score, reliability
//! curve), and the same per value of a lineage field (generator, domain, attack, ...), with the
//! spread of false-positive rates across groups of human text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cv::tpr_at_fpr;
use crate::corpus::{Doc, Source};
use crate::stats::roc::auroc;

/// One document's score: the raw decision value and the calibrated probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub decision: f64,
    pub probability: f64,
}

/// One bin of the reliability curve: documents whose predicted probability falls in
/// [low, high), their mean prediction and the share that is synthetic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub low: f64,
    pub high: f64,
    pub count: u64,
    pub mean_predicted: f64,
    pub observed_synthetic: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub n_real: u64,
    pub n_synthetic: u64,
    /// None when one class is missing.
    pub auroc: Option<f64>,
    /// TPR at the threshold that passes 1% of these human documents (the benchmark figure).
    pub tpr_at_1pct_fpr: Option<f64>,
    /// At the model's own threshold.
    pub tpr: Option<f64>,
    pub fpr: Option<f64>,
    pub accuracy: f64,
    /// Mean squared error of the calibrated probability.
    pub brier: f64,
    pub reliability: Vec<ReliabilityBin>,
}

/// Equal-width probability bins of the reliability curve.
const RELIABILITY_BINS: usize = 10;

fn share(hits: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| hits as f64 / of as f64)
}

/// Metrics of `scores` against `synthetic` truth, decisions at `threshold` (flag when the
/// decision is above it).
pub fn metrics(scores: &[Scored], synthetic: &[bool], threshold: f64) -> Metrics {
    let n_synthetic = synthetic.iter().filter(|&&s| s).count();
    let n_real = synthetic.len() - n_synthetic;
    let decisions: Vec<f64> = scores.iter().map(|s| s.decision).collect();
    let flagged = |want: bool| {
        scores
            .iter()
            .zip(synthetic)
            .filter(|(s, &t)| t == want && s.decision > threshold)
            .count()
    };
    let (true_pos, false_pos) = (flagged(true), flagged(false));
    let both = n_real > 0 && n_synthetic > 0;
    let brier = scores
        .iter()
        .zip(synthetic)
        .map(|(s, &t)| (s.probability - f64::from(u8::from(t))).powi(2))
        .sum::<f64>()
        / synthetic.len().max(1) as f64;
    let mut bins: Vec<(u64, f64, u64)> = vec![(0, 0.0, 0); RELIABILITY_BINS];
    for (s, &t) in scores.iter().zip(synthetic) {
        let b = ((s.probability * RELIABILITY_BINS as f64) as usize).min(RELIABILITY_BINS - 1);
        bins[b].0 += 1;
        bins[b].1 += s.probability;
        bins[b].2 += u64::from(t);
    }
    let reliability = bins
        .iter()
        .enumerate()
        .filter(|(_, b)| b.0 > 0)
        .map(|(i, &(count, sum, hits))| ReliabilityBin {
            low: i as f64 / RELIABILITY_BINS as f64,
            high: (i + 1) as f64 / RELIABILITY_BINS as f64,
            count,
            mean_predicted: sum / count as f64,
            observed_synthetic: hits as f64 / count as f64,
        })
        .collect();
    Metrics {
        n_real: n_real as u64,
        n_synthetic: n_synthetic as u64,
        auroc: if both {
            auroc(&decisions, synthetic)
        } else {
            None
        },
        tpr_at_1pct_fpr: both.then(|| tpr_at_fpr(&decisions, synthetic, 0.01)),
        tpr: share(true_pos, n_synthetic),
        fpr: share(false_pos, n_real),
        accuracy: (true_pos + n_real - false_pos) as f64 / synthetic.len().max(1) as f64,
        brier,
        reliability,
    }
}

/// The decision threshold passing at most `target_fpr` of the `human` decision values (a
/// document is flagged when above it): the ⌊target·n⌋+1-th highest; with too few humans for
/// the target, the highest. Sorts `human` in place.
pub fn threshold_at_fpr(human: &mut [f64], target_fpr: f64) -> f64 {
    if human.is_empty() {
        return f64::INFINITY;
    }
    human.sort_by(|a, b| b.total_cmp(a));
    let allowed = (target_fpr * human.len() as f64).floor() as usize;
    human[allowed.min(human.len() - 1)]
}

/// Metrics of the documents sharing one value of a lineage field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    pub field: String,
    pub value: String,
    pub n_real: u64,
    pub n_synthetic: u64,
    /// Human documents of the group flagged at the model's threshold.
    pub fpr: Option<f64>,
    /// Synthetic documents of the group flagged at the model's threshold.
    pub tpr: Option<f64>,
    pub auroc: Option<f64>,
    /// "group" when AUROC compares the group's own human and synthetic documents; "all real"
    /// when the group has no human documents (a generator, an attack) and its synthetic
    /// documents are ranked against every human document.
    pub auroc_against: Option<String>,
}

/// Per value of each of `fields` (documents without the field are grouped as "(none)").
pub fn breakdown(
    docs: &[Doc],
    scores: &[Scored],
    threshold: f64,
    fields: &[String],
) -> Vec<GroupMetrics> {
    let synthetic: Vec<bool> = docs
        .iter()
        .map(|d| d.lineage.source == Source::Synthetic)
        .collect();
    let all_real: Vec<usize> = (0..docs.len()).filter(|&i| !synthetic[i]).collect();
    let mut out = Vec::new();
    for field in fields {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, d) in docs.iter().enumerate() {
            let value = d.lineage.field(field).unwrap_or_else(|| "(none)".into());
            groups.entry(value).or_default().push(i);
        }
        for (value, rows) in groups {
            let n_synthetic = rows.iter().filter(|&&i| synthetic[i]).count();
            let n_real = rows.len() - n_synthetic;
            let flagged = |want: bool| {
                rows.iter()
                    .filter(|&&i| synthetic[i] == want && scores[i].decision > threshold)
                    .count()
            };
            let ranked = |rows: &[usize]| {
                let d: Vec<f64> = rows.iter().map(|&i| scores[i].decision).collect();
                let t: Vec<bool> = rows.iter().map(|&i| synthetic[i]).collect();
                auroc(&d, &t)
            };
            let (auroc, against) = match (n_real, n_synthetic) {
                (_, 0) => (None, None),
                (0, _) if !all_real.is_empty() => {
                    let mut joined = rows.clone();
                    joined.extend(&all_real);
                    (ranked(&joined), Some("all real".to_string()))
                }
                (0, _) => (None, None),
                _ => (ranked(&rows), Some("group".to_string())),
            };
            out.push(GroupMetrics {
                field: field.clone(),
                value,
                n_real: n_real as u64,
                n_synthetic: n_synthetic as u64,
                fpr: share(flagged(false), n_real),
                tpr: share(flagged(true), n_synthetic),
                auroc,
                auroc_against: against,
            });
        }
    }
    out
}

/// How unequal the false-positive rate is across groups of human text: published detectors
/// flag non-native writers' essays far more often than native writers'.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FprSpread {
    pub field: String,
    pub lowest: String,
    pub lowest_fpr: f64,
    pub highest: String,
    pub highest_fpr: f64,
    /// highest / lowest, with the lowest floored at one false positive's share of its group
    /// (a group with no false positive otherwise makes the ratio infinite).
    pub ratio: f64,
    /// Groups compared: those with at least [`MIN_HUMANS_FOR_FPR`] human documents.
    pub groups: usize,
}

/// Groups with fewer human documents give too coarse an FPR to compare.
pub const MIN_HUMANS_FOR_FPR: u64 = 50;

/// The FPR spread per field, over groups with enough human documents (at least two groups).
pub fn fpr_spread(groups: &[GroupMetrics]) -> Vec<FprSpread> {
    let mut by_field: BTreeMap<&str, Vec<&GroupMetrics>> = BTreeMap::new();
    for g in groups {
        if g.n_real >= MIN_HUMANS_FOR_FPR && g.fpr.is_some() {
            by_field.entry(&g.field).or_default().push(g);
        }
    }
    by_field
        .into_iter()
        .filter(|(_, gs)| gs.len() >= 2)
        .map(|(field, gs)| {
            let fpr = |g: &GroupMetrics| g.fpr.unwrap_or(0.0);
            let lo = gs
                .iter()
                .min_by(|a, b| fpr(a).total_cmp(&fpr(b)))
                .expect("two groups");
            let hi = gs
                .iter()
                .max_by(|a, b| fpr(a).total_cmp(&fpr(b)))
                .expect("two groups");
            let floor = fpr(lo).max(1.0 / lo.n_real as f64);
            FprSpread {
                field: field.to_string(),
                lowest: lo.value.clone(),
                lowest_fpr: fpr(lo),
                highest: hi.value.clone(),
                highest_fpr: fpr(hi),
                ratio: fpr(hi) / floor,
                groups: gs.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Lineage;

    fn scored(decisions: &[f64]) -> Vec<Scored> {
        decisions
            .iter()
            .map(|&d| Scored {
                decision: d,
                probability: crate::stats::logistic::sigmoid(d),
            })
            .collect()
    }

    #[test]
    fn metrics_count_decisions_and_calibration() {
        let s = scored(&[-2.0, -1.0, 0.5, 1.0, 2.0, -0.5]);
        let truth = [false, false, false, true, true, true];
        let m = metrics(&s, &truth, 0.0);
        assert_eq!((m.n_real, m.n_synthetic), (3, 3));
        assert_eq!(m.tpr, Some(2.0 / 3.0));
        assert_eq!(m.fpr, Some(1.0 / 3.0));
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // Pairs (synthetic above human): 1 > all 3, 2 > all 3, -0.5 > -2, -1 -> 8 of 9.
        assert!((m.auroc.unwrap() - 8.0 / 9.0).abs() < 1e-12);
        let brier: f64 = s
            .iter()
            .zip(truth)
            .map(|(s, t)| (s.probability - if t { 1.0 } else { 0.0 }).powi(2))
            .sum::<f64>()
            / 6.0;
        assert!((m.brier - brier).abs() < 1e-12);
        let counted: u64 = m.reliability.iter().map(|b| b.count).sum();
        assert_eq!(counted, 6);
        let only_human = metrics(&s[..3], &truth[..3], 0.0);
        assert_eq!(only_human.auroc, None);
        assert_eq!(only_human.tpr, None);
    }

    #[test]
    fn breakdown_ranks_generators_against_all_humans_and_measures_fpr_spread() {
        let mut docs = Vec::new();
        let mut decisions = Vec::new();
        for i in 0..200 {
            let mut l = Lineage::new(Source::Real);
            l.domain = Some(if i < 100 { "news" } else { "essays" }.into());
            docs.push(Doc {
                id: format!("h{i}"),
                text: String::new(),
                lineage: l,
            });
            // Essays: 10 of 100 above the threshold; news: 1 of 100.
            decisions.push(if i == 0 || (100..110).contains(&i) {
                1.0
            } else {
                -1.0
            });
        }
        for i in 0..50 {
            let mut l = Lineage::new(Source::Synthetic);
            l.generator = Some("gpt".into());
            l.domain = Some("news".into());
            docs.push(Doc {
                id: format!("s{i}"),
                text: String::new(),
                lineage: l,
            });
            decisions.push(2.0);
        }
        let groups = breakdown(
            &docs,
            &scored(&decisions),
            0.0,
            &["generator".into(), "domain".into()],
        );
        let gpt = groups.iter().find(|g| g.value == "gpt").unwrap();
        assert_eq!(gpt.auroc_against.as_deref(), Some("all real"));
        assert_eq!(gpt.tpr, Some(1.0));
        assert!(gpt.auroc.unwrap() > 0.9);
        let essays = groups.iter().find(|g| g.value == "essays").unwrap();
        assert_eq!(essays.fpr, Some(0.1));
        let spread = fpr_spread(&groups);
        let domain = spread.iter().find(|s| s.field == "domain").unwrap();
        assert_eq!(domain.highest, "essays");
        assert!((domain.ratio - 10.0).abs() < 1e-9, "{domain:?}");
    }

    #[test]
    fn threshold_passes_at_most_the_target_share_of_humans() {
        let mut human: Vec<f64> = (0..200).map(f64::from).collect();
        let t = threshold_at_fpr(&mut human, 0.01);
        assert_eq!(human.iter().filter(|&&h| h > t).count(), 2);
        let mut few = vec![0.5, 0.1, 0.9];
        assert_eq!(threshold_at_fpr(&mut few, 0.01), 0.9);
    }
}
