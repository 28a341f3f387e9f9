//! ROC analysis of scores against binary labels: AUROC with ties counted as one half
//! (Mann–Whitney with midranks, as scikit-learn's `roc_auc_score`), the ROC curve, and the
//! true-positive rate at a maximum false-positive rate.

/// One point of the ROC curve: predicting positive for every score ≥ `threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RocPoint {
    pub threshold: f64,
    pub fpr: f64,
    pub tpr: f64,
}

/// Scores sorted descending with their labels. NaN scores (a document nothing scored) rank
/// nowhere and are left out: kept, they have no order and no tie group to end.
fn sorted_desc(scores: &[f64], positive: &[bool]) -> Vec<(f64, bool)> {
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .copied()
        .zip(positive.iter().copied())
        .filter(|(s, _)| !s.is_nan())
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    pairs
}

/// Area under the ROC curve over the scores that are not NaN; `None` when one class is absent.
pub fn auroc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let pairs = sorted_desc(scores, positive);
    let n_pos = pairs.iter().filter(|p| p.1).count() as f64;
    let n_neg = pairs.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return None;
    }
    // Walk tie groups from the top: each positive beats every negative below its group and
    // ties with the negatives inside it (worth one half).
    let (mut wins, mut negatives_above) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        let (mut pos, mut neg) = (0.0, 0.0);
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            if pairs[j].1 {
                pos += 1.0;
            } else {
                neg += 1.0;
            }
            j += 1;
        }
        wins += pos * (n_neg - negatives_above - neg) + 0.5 * pos * neg;
        negatives_above += neg;
        i = j;
    }
    Some(wins / (n_pos * n_neg))
}

/// The ROC curve from the strictest threshold (+∞: nothing positive) to the loosest, one point
/// per distinct score; NaN scores are left out.
pub fn roc_curve(scores: &[f64], positive: &[bool]) -> Vec<RocPoint> {
    let pairs = sorted_desc(scores, positive);
    let positives = pairs.iter().filter(|p| p.1).count();
    let n_pos = positives.max(1) as f64;
    let n_neg = (pairs.len() - positives).max(1) as f64;
    let mut curve = vec![RocPoint {
        threshold: f64::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
    }];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < pairs.len() {
        let t = pairs[i].0;
        while i < pairs.len() && pairs[i].0 == t {
            if pairs[i].1 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        curve.push(RocPoint {
            threshold: t,
            fpr: fp / n_neg,
            tpr: tp / n_pos,
        });
    }
    curve
}

/// TPR at the loosest threshold whose FPR does not exceed `max_fpr` (no interpolation), with
/// that threshold.
pub fn tpr_at_fpr(scores: &[f64], positive: &[bool], max_fpr: f64) -> RocPoint {
    roc_curve(scores, positive)
        .into_iter()
        .take_while(|p| p.fpr <= max_fpr)
        .last()
        .unwrap_or(RocPoint {
            threshold: f64::INFINITY,
            fpr: 0.0,
            tpr: 0.0,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_reversed_and_tied_scores() {
        let labels = [false, false, true, true];
        assert_eq!(auroc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auroc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        assert_eq!(auroc(&[0.5; 4], &labels), Some(0.5));
        assert_eq!(auroc(&[0.5, 0.5], &[true, true]), None);
    }

    #[test]
    fn nan_scores_are_left_out_and_end() {
        let labels = [false, true, false, true, true];
        let scores = [0.1, f64::NAN, 0.2, 0.8, f64::NAN];
        assert_eq!(auroc(&scores, &labels), Some(1.0));
        assert_eq!(auroc(&[f64::NAN; 5], &labels), None);
        assert_eq!(roc_curve(&scores, &labels).len(), 4);
    }

    #[test]
    fn tpr_at_fpr_takes_the_loosest_admissible_threshold() {
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5];
        let labels = [true, false, true, true, false];
        let p = tpr_at_fpr(&scores, &labels, 0.0);
        assert_eq!((p.threshold, p.tpr), (0.9, 1.0 / 3.0));
        let p = tpr_at_fpr(&scores, &labels, 0.5);
        assert_eq!((p.threshold, p.tpr), (0.6, 1.0));
    }
}
