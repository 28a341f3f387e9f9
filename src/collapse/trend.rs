//! Is diversity falling across generations? Per metric: Mann–Kendall (exact for short tie-free
//! series) and the Theil–Sen slope, p-values Holm-corrected across the metrics whose collapse
//! direction is known; an alarm when any of them moves significantly the collapsing way, with
//! the change per generation and when it would cross its threshold at the current slope.

use serde::Serialize;

use crate::stats::adjust::holm;
use crate::stats::jonckheere::{jonckheere, Jonckheere};
use crate::stats::trend::{mann_kendall, theil_sen, MannKendall, TheilSen};

/// Which way a metric moves when a model collapses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Collapse {
    /// Diversity: distinct-n, entropy, vocabulary and rare-token coverage, recall...
    Falls,
    /// Repetition: self-BLEU, compression ratio, divergence from the original...
    Rises,
}

/// The collapse direction of a metric by name (ours and common published names); None for
/// metrics that are reported but never raise the alarm (mean length, perplexity...).
pub fn collapse_direction(metric: &str) -> Option<Collapse> {
    let m = metric.to_ascii_lowercase();
    const FALLS: [&str; 14] = [
        "distinct",
        "ttr",
        "type_token",
        "entropy",
        "hapax",
        "tail_mass",
        "vocab_coverage",
        "rare_token",
        "vendi",
        "pairwise_distance",
        "recall",
        "coverage",
        "length_std",
        "zipf",
    ];
    const RISES: [&str; 6] = [
        "self_bleu",
        "gzip",
        "compression",
        "kl_divergence",
        "repetition",
        "log_likelihood",
    ];
    if RISES.iter().any(|k| m.contains(k)) {
        Some(Collapse::Rises)
    } else if FALLS.iter().any(|k| m.contains(k)) {
        // A steeper (more negative) Zipf slope is the collapsing way: it falls too.
        Some(Collapse::Falls)
    } else {
        None
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricTrend {
    pub metric: String,
    pub direction: Option<Collapse>,
    /// One per generation; NaN (null in JSON) before `starts_at`.
    pub values: Vec<f64>,
    /// Position of the first generation with a value (1 for PRDC against generation 0).
    pub starts_at: usize,
    pub mann_kendall: MannKendall,
    pub theil_sen: TheilSen,
    /// Holm-adjusted p-value (None for metrics without a collapse direction).
    pub p_adjusted: Option<f64>,
    /// Significant and moving the collapsing way.
    pub collapsing: bool,
    /// Theil–Sen slope relative to the first generation's value (−0.05 = 5% lost per generation).
    pub relative_change_per_generation: Option<f64>,
    /// The value at which the metric counts as collapsed.
    pub threshold: Option<f64>,
    /// Generations after the last one until the trend line crosses the threshold (0 if it
    /// already has; None when the slope points away from it).
    pub generations_to_threshold: Option<f64>,
}

/// Default threshold: the first generation's value moved half its size the collapsing way for a
/// falling metric (0.6 → 0.3; a Zipf slope −1.0 → −1.5), its full size for a rising one
/// (0.1 → 0.2).
pub fn default_threshold(first: f64, direction: Collapse) -> f64 {
    match direction {
        Collapse::Falls => first - 0.5 * first.abs(),
        Collapse::Rises => first + first.abs(),
    }
}

/// Trends of named metric series (one value per generation, in order, leading NaNs for
/// generations without a value); `thresholds` overrides
/// the default threshold per metric name. Not yet gated: [`holm_gate`] decides which collapse,
/// together with any document-level tests.
pub fn analyse(
    series: &[(String, Vec<f64>)],
    thresholds: &std::collections::BTreeMap<String, f64>,
) -> Vec<MetricTrend> {
    series
        .iter()
        .map(|(name, all_values)| {
            let starts_at = all_values.iter().take_while(|v| v.is_nan()).count();
            let values = &all_values[starts_at..];
            let mk = mann_kendall(values);
            let ts = theil_sen(values, 0.95);
            let direction = collapse_direction(name);
            let first = values.first().copied().unwrap_or(f64::NAN);
            // No default threshold from a first value of 0: half or double of nothing is nothing.
            let threshold = thresholds.get(name).copied().or_else(|| {
                direction
                    .filter(|_| first != 0.0 && first.is_finite())
                    .map(|d| default_threshold(first, d))
            });
            let last_fit = ts.intercept + ts.slope * (values.len() as f64 - 1.0);
            let generations_to_threshold = threshold.and_then(|t| {
                let beyond = match direction {
                    Some(Collapse::Rises) => last_fit >= t,
                    _ => last_fit <= t,
                };
                if beyond {
                    Some(0.0)
                } else if ts.slope != 0.0 && (t - last_fit) / ts.slope > 0.0 {
                    Some((t - last_fit) / ts.slope)
                } else {
                    None
                }
            });
            MetricTrend {
                metric: name.clone(),
                direction,
                values: all_values.clone(),
                starts_at,
                mann_kendall: mk,
                relative_change_per_generation: (first != 0.0 && first.is_finite())
                    .then(|| ts.slope / first.abs()),
                theil_sen: ts,
                p_adjusted: None,
                collapsing: false,
                threshold,
                generations_to_threshold,
            }
        })
        .collect()
}

/// A per-document metric across generations: Jonckheere–Terpstra over the documents.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentTrend {
    pub metric: String,
    pub direction: Option<Collapse>,
    pub mean_per_generation: Vec<f64>,
    pub jonckheere: Jonckheere,
    pub p_adjusted: Option<f64>,
    pub collapsing: bool,
}

/// Jonckheere–Terpstra of each per-document metric over the generations' documents.
pub fn analyse_documents(series: &[(String, Vec<Vec<f64>>)]) -> Vec<DocumentTrend> {
    series
        .iter()
        .map(|(name, groups)| DocumentTrend {
            metric: name.clone(),
            direction: collapse_direction(name),
            mean_per_generation: groups
                .iter()
                .map(|g| g.iter().sum::<f64>() / g.len().max(1) as f64)
                .collect(),
            jonckheere: jonckheere(groups),
            p_adjusted: None,
            collapsing: false,
        })
        .collect()
}

/// Holm across every test with a collapse direction (series and document-level together);
/// a test collapses when its adjusted p ≤ α and it moves the collapsing way.
pub fn holm_gate(series: &mut [MetricTrend], documents: &mut [DocumentTrend], alpha: f64) {
    let way = |d: Option<Collapse>, up: bool, down: bool| match d {
        Some(Collapse::Falls) => down,
        Some(Collapse::Rises) => up,
        None => false,
    };
    let mut p = Vec::new();
    for t in series.iter().filter(|t| t.direction.is_some()) {
        p.push(t.mann_kendall.p);
    }
    for t in documents.iter().filter(|t| t.direction.is_some()) {
        p.push(t.jonckheere.p_two_sided);
    }
    let adjusted = holm(&p, alpha).adjusted;
    let mut next = adjusted.into_iter();
    for t in series.iter_mut().filter(|t| t.direction.is_some()) {
        let p_adj = next.next().unwrap_or(1.0);
        t.p_adjusted = Some(p_adj);
        let s = t.mann_kendall.s;
        t.collapsing = way(t.direction, s > 0.0, s < 0.0) && p_adj <= alpha;
    }
    for t in documents.iter_mut().filter(|t| t.direction.is_some()) {
        let p_adj = next.next().unwrap_or(1.0);
        t.p_adjusted = Some(p_adj);
        let z = t.jonckheere.z;
        t.collapsing = way(t.direction, z > 0.0, z < 0.0) && p_adj <= alpha;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_decline_alarms_and_noise_does_not() {
        let series = vec![
            (
                "distinct_2".to_string(),
                vec![0.65, 0.61, 0.58, 0.55, 0.52, 0.49, 0.46, 0.43],
            ),
            (
                "self_bleu".to_string(),
                vec![0.10, 0.12, 0.09, 0.11, 0.10, 0.12, 0.09, 0.11],
            ),
            ("mean_length".to_string(), (0..8).map(f64::from).collect()),
        ];
        let mut t = analyse(&series, &Default::default());
        holm_gate(&mut t, &mut [], 0.05);
        assert!(t[0].collapsing, "{:?}", t[0]);
        assert!(!t[1].collapsing);
        assert!(
            !t[2].collapsing && t[2].p_adjusted.is_none(),
            "no direction, no alarm"
        );
        let to_half = t[0].generations_to_threshold.unwrap();
        // 0.325 is reached about (0.43 - 0.325) / 0.03 = 3.5 generations after the last.
        assert!((to_half - 3.5).abs() < 0.2, "{to_half}");
        assert!(t[0].relative_change_per_generation.unwrap() < -0.04);
    }

    #[test]
    fn leading_gaps_are_left_out_of_the_trend() {
        let series = vec![(
            "prdc_recall".to_string(),
            vec![f64::NAN, 0.9, 0.8, 0.7, 0.6, 0.5],
        )];
        let t = &analyse(&series, &Default::default())[0];
        assert_eq!(t.starts_at, 1);
        assert!((t.theil_sen.slope + 0.1).abs() < 1e-12);
        assert!((t.relative_change_per_generation.unwrap() + 0.1 / 0.9).abs() < 1e-12);
        assert!(t.mann_kendall.p < 0.05, "{:?}", t.mann_kendall);
    }

    #[test]
    fn directions_by_name() {
        assert_eq!(collapse_direction("distinct_2gram"), Some(Collapse::Falls));
        assert_eq!(collapse_direction("self_bleu"), Some(Collapse::Rises));
        assert_eq!(
            collapse_direction("rare_token_survival"),
            Some(Collapse::Falls)
        );
        assert_eq!(collapse_direction("perplexity"), None);
    }
}
