//! The report's figures, built from the stages' results (the statistics never know how they
//! are drawn; `plots` never knows what they mean).

use std::fmt::Write as _;

use super::history::{tracked, HistoryEntry};
use super::Report;
use crate::output::plots::{Figure, Panel, Series, Style};

use crate::collapse::trend::Collapse;
use crate::commands::collapse::TrackReport;
use crate::commands::drift::DriftReport;
use crate::commands::fingerprint::score::ScoreSummary;
use crate::divergence::pca_view::Projection;
use crate::divergence::{format_p, FeatureScore, ThresholdKind};
use crate::fingerprint::distribution::BINS;
use crate::fingerprint::strength::{AurocInterval, Strength};

/// A named figure: `name` becomes the file stem (drift-tests.png ...); `stage` is the report
/// section it belongs to.
pub struct NamedFigure {
    pub stage: &'static str,
    pub name: String,
    /// One sentence under the figure on how to read it.
    pub caption: &'static str,
    pub figure: Figure,
}

/// How to read each figure of the report (one sentence each, shown under it).
pub const DRIFT_TESTS_CAPTION: &str = "Each bar is one drift test on a common scale where the red line at 1 is its threshold: vermilion bars are gated tests past it (they block the release), purple ones drifted without being gated, blue ones stayed within their threshold; a test without a threshold yet has no bar (`driftprint calibrate` sets one).";
pub const PROJECTION_CAPTION: &str = "Every document as a dot on the two main axes of its features: where the colours separate, the synthetic text sits in a region the real text does not reach.";
pub const FEATURES_CAPTION: &str = "The features whose distributions differ most between real and synthetic text, longest first: start reading the data here (red: past the threshold).";
pub const STRENGTH_CAPTION: &str = "How easily a detector trained on this run's documents tells each generation strategy's synthetic text from the real text (out-of-fold AUROC with its 95% interval; 0.5 = no fingerprint, 1 = told apart every time), strongest first: the red dotted lines are the warning level and the limit, and a strategy whose interval lies past the limit carries a fingerprint the downstream model can learn.";
pub const SCORES_CAPTION: &str = "The detector's probability that a document is LLM text, for documents labelled real and synthetic (the less the histograms overlap, the better it separates them), and its ROC curve on these labels.";
pub const COLLAPSE_CAPTION: &str = "Each diversity metric per generation with its fitted trend (dashed) and alarm level (red dotted): a line heading toward the red line is diversity being lost generation after generation.";
pub const HISTORY_CAPTION: &str = "The gated numbers of every run so far: a step marks the run where something changed; `driftprint compare` with the run before it says what.";

/// Bars of the drift-tests figure are cut here (a p-value of 1e-100 would flatten the rest).
const EVIDENCE_CAP: f64 = 4.0;

/// How far a test is past its threshold, on one scale for every test: 1 is the threshold,
/// above 1 drifted. P-value tests: −log10 p / −log10 α; "drift when above" statistics:
/// value / threshold; "drift when below" statistics: threshold / value. None when the test
/// has no threshold (not calibrated) or no value.
pub fn evidence(r: &crate::divergence::TestResult) -> Option<f64> {
    if !r.threshold.is_finite() || r.threshold <= 0.0 {
        return None;
    }
    let ratio = match (r.threshold_kind, r.p_value) {
        (ThresholdKind::PValueBelow, Some(p)) => {
            -p.max(1e-300).log10() / -r.threshold.min(0.999_999).log10()
        }
        (ThresholdKind::PValueBelow, None) => return None,
        (ThresholdKind::StatisticAbove, _) => r.statistic / r.threshold,
        (ThresholdKind::StatisticBelow, _) => r.threshold / r.statistic.max(1e-12),
    };
    ratio.is_finite().then_some(ratio)
}

/// Every test of the overall comparison in one panel, on the common scale of [`evidence`]:
/// a bar per test, the threshold at 1, gated tests marked, blocking ones in the alert colour.
pub fn drift_tests(d: &DriftReport) -> Option<Figure> {
    let overall = d.comparisons.iter().find(|c| c.group.is_none())?;
    let rows: Vec<(String, Option<f64>, usize)> = overall
        .outcomes
        .iter()
        .filter_map(|o| {
            let r = o.result.as_ref()?;
            let value = evidence(r);
            let (colour, verdict) = match (o.blocks, r.drifted, value) {
                (true, _, _) => (5, "BLOCKS"),
                (false, _, None) => (6, "no threshold"),
                (false, true, _) => (3, "drifted"),
                (false, false, _) => (0, "ok"),
            };
            let shown = match (r.threshold_kind, r.p_value) {
                (ThresholdKind::PValueBelow, Some(p)) => format!("p {}", format_p(p)),
                _ => format!("{} {}", r.statistic_name, super::number(r.statistic)),
            };
            let label = format!(
                "{}{}: {shown}, {verdict}",
                o.test,
                if o.gated { " (gated)" } else { "" },
            );
            Some((label, value, colour))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    // No legend: each row's label says its verdict, the caption what the colours mean.
    let bars = |colour: usize| Series {
        name: String::new(),
        points: rows
            .iter()
            .enumerate()
            .filter(|(_, (_, _, c))| *c == colour)
            .map(|(row, (_, v, _))| (v.unwrap_or(0.0).min(EVIDENCE_CAP), row as f64))
            .collect(),
        style: Style::HBar,
        colour,
    };
    let mut series: Vec<Series> = [5, 3, 0]
        .into_iter()
        .map(bars)
        .filter(|s| !s.points.is_empty())
        .collect();
    series.push(Series {
        name: String::new(),
        points: vec![(1.0, -0.5), (1.0, rows.len() as f64 - 0.5)],
        style: Style::Limit,
        colour: 5,
    });
    Some(Figure {
        title: format!(
            "Drift tests: {} reference vs {} candidate documents",
            overall.n_reference, overall.n_candidate
        ),
        panels: vec![Panel {
            title: format!(
                "How far past its threshold each test is (1 = the threshold; bars cut at {EVIDENCE_CAP})"
            ),
            x_label: "−log10 p / −log10 α for p-value tests; value / threshold (or threshold / value) for the others".into(),
            y_label: String::new(),
            series,
            categories: rows.into_iter().map(|(label, _, _)| label).collect(),
        }],
    })
}

/// Both sides on the first two principal axes of their pooled rows.
pub fn projection(p: &Projection) -> Figure {
    let side = |name: &str, points: &[[f64; 2]], colour| Series {
        name: format!("{name} ({})", points.len()),
        points: points.iter().map(|q| (q[0], q[1])).collect(),
        style: Style::Points,
        colour,
    };
    let [first, second] = p.explained_variance_ratio;
    Figure {
        title: "Reference vs candidate on the two main axes of their features (PCA)".into(),
        panels: vec![Panel {
            title: format!(
                "PCA of the tests' vectors: {:.0}% of the variance",
                100.0 * (first + second)
            ),
            x_label: format!("first axis ({:.0}%)", 100.0 * first),
            y_label: format!("second axis ({:.0}%)", 100.0 * second),
            series: vec![
                side("reference", &p.reference, 0),
                side("candidate", &p.candidate, 1),
            ],
            categories: Vec::new(),
        }],
    }
}

/// Features shown per panel of the top-drifting-features figure.
const TOP_FEATURES: usize = 15;

/// One panel of horizontal bars: the `TOP_FEATURES` largest statistics, drifting ones in the
/// alert colour, and the threshold as a vertical line when there is one.
fn top_features_panel(
    title: String,
    x_label: &str,
    scores: &[FeatureScore],
    limit: Option<f64>,
) -> Panel {
    let mut top: Vec<&FeatureScore> = scores.iter().filter(|f| f.statistic.is_finite()).collect();
    top.sort_by(|a, b| b.statistic.total_cmp(&a.statistic));
    top.truncate(TOP_FEATURES);
    let bars = |drifted: bool, name: &str, colour| Series {
        name: name.into(),
        points: top
            .iter()
            .enumerate()
            .filter(|(_, f)| f.drifted == drifted)
            .map(|(row, f)| (f.statistic, row as f64))
            .collect(),
        style: Style::HBar,
        colour,
    };
    let mut series = vec![bars(true, "drifts", 5), bars(false, "no drift", 0)];
    series.retain(|s| !s.points.is_empty());
    if let Some(t) = limit.filter(|t| t.is_finite()) {
        series.push(Series {
            name: String::new(),
            points: vec![(t, -0.5), (t, top.len() as f64 - 0.5)],
            style: Style::Limit,
            colour: 5,
        });
    }
    Panel {
        title,
        x_label: x_label.into(),
        y_label: String::new(),
        series,
        categories: top.iter().map(|f| f.feature.clone()).collect(),
    }
}

/// The features whose distributions moved most: KS D (drifting after Benjamini–Hochberg
/// highlighted) and PSI against its threshold.
pub fn top_features(d: &DriftReport) -> Option<Figure> {
    let overall = d.comparisons.iter().find(|c| c.group.is_none())?;
    let result = |test: &str| {
        overall
            .outcomes
            .iter()
            .find(|o| o.test == test)
            .and_then(|o| o.result.as_ref())
            .filter(|r| !r.details.features.is_empty())
    };
    let mut panels = Vec::new();
    if let Some(r) = result("univariate") {
        panels.push(top_features_panel(
            "Kolmogorov–Smirnov D per feature".into(),
            "KS D",
            &r.details.features,
            None,
        ));
    }
    if let Some(r) = result("psi") {
        panels.push(top_features_panel(
            format!("PSI per feature (threshold {})", r.threshold),
            "population stability index",
            &r.details.features,
            Some(r.threshold),
        ));
    }
    (!panels.is_empty()).then(|| Figure {
        title: format!("Top drifting features (largest {TOP_FEATURES} of each statistic)"),
        panels,
    })
}

/// The strength of every data set and slice shown: the whole synthetic side on top, then the
/// `shown` strongest slices, each an interval with its estimate, against the warning level and
/// the limit.
pub fn fingerprint_strength(s: &Strength, limit: f64, warn: f64, shown: usize) -> Figure {
    let mut rows: Vec<(String, AurocInterval)> = vec![(
        format!("all synthetic ({})", s.overall.synthetic),
        s.overall,
    )];
    rows.extend(s.slices.iter().take(shown).map(|x| {
        (
            format!("{} ({})", x.label(), x.strength.synthetic),
            x.strength,
        )
    }));
    let points = |pick: &dyn Fn(usize) -> bool| -> Vec<(f64, f64)> {
        rows.iter()
            .enumerate()
            .filter(|(row, (_, a))| pick(*row) && a.auroc.is_finite())
            .flat_map(|(row, (_, a))| {
                let y = row as f64;
                [(a.low, y), (a.auroc, y), (a.high, y)]
            })
            .collect()
    };
    let over = |row: usize| rows[row].1.low > limit;
    let mut series = vec![
        Series {
            name: String::new(),
            points: points(&|row| !over(row)),
            style: Style::Interval,
            colour: 0,
        },
        Series {
            name: String::new(),
            points: points(&over),
            style: Style::Interval,
            colour: 5,
        },
    ];
    series.retain(|x| !x.points.is_empty());
    let span = (-0.5, rows.len() as f64 - 0.5);
    for level in [warn, limit] {
        series.push(Series {
            name: String::new(),
            points: vec![(level, span.0), (level, span.1)],
            style: Style::Limit,
            colour: 5,
        });
    }
    series.push(Series {
        name: String::new(),
        points: vec![(0.5, span.0), (0.5, span.1)],
        style: Style::Fit,
        colour: 6,
    });
    Figure {
        title: format!(
            "Fingerprint strength: {} synthetic vs {} real documents, {} folds",
            s.overall.synthetic, s.overall.real, s.folds
        ),
        panels: vec![Panel {
            title: format!(
                "Out-of-fold AUROC per generation strategy (warning {warn}, limit {limit})"
            ),
            x_label: "strength (AUROC: 0.5 no fingerprint, 1 told apart every time)".into(),
            y_label: String::new(),
            series,
            categories: rows.into_iter().map(|(label, _)| label).collect(),
        }],
    }
}

/// Detector probabilities of the documents labelled real and synthetic (each as a share of its
/// label, so unequal counts compare) with the flag threshold, and the ROC curve on this corpus.
pub fn fingerprint_scores(f: &ScoreSummary) -> Figure {
    let d = &f.distribution;
    let width = 1.0 / BINS as f64;
    let shares = |counts: &[u64], name: &str, colour| {
        let total = counts.iter().sum::<u64>();
        (total > 0).then(|| Series {
            name: format!("labelled {name} ({total})"),
            points: counts
                .iter()
                .enumerate()
                .map(|(k, &c)| ((k as f64 + 0.5) * width, c as f64 / total as f64))
                .collect(),
            style: Style::Histogram,
            colour,
        })
    };
    let mut series: Vec<Series> = [
        shares(&d.real, "real", 0),
        shares(&d.synthetic, "synthetic", 1),
    ]
    .into_iter()
    .flatten()
    .collect();
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    series.push(Series {
        name: "flag threshold".into(),
        points: vec![
            (f.threshold_probability, 0.0),
            (f.threshold_probability, top),
        ],
        style: Style::Limit,
        colour: 5,
    });
    let mut panels = vec![Panel {
        title: format!(
            "Detector probability: {} of {} flagged",
            f.flagged, f.documents
        ),
        x_label: "probability synthetic".into(),
        y_label: "share of the label's documents".into(),
        series,
        categories: Vec::new(),
    }];
    if let Some(auroc) = d.auroc {
        panels.push(Panel {
            title: format!("ROC on this corpus: AUROC {auroc:.3}"),
            x_label: "false-positive rate (real flagged)".into(),
            y_label: "true-positive rate".into(),
            series: vec![
                Series {
                    name: "detector".into(),
                    points: d.roc.iter().map(|p| (p[0], p[1])).collect(),
                    style: Style::Line,
                    colour: 0,
                },
                Series {
                    name: "chance".into(),
                    points: vec![(0.0, 0.0), (1.0, 1.0)],
                    style: Style::Fit,
                    colour: 6,
                },
                Series {
                    name: "at training".into(),
                    points: vec![(f.detector_fpr, f.detector_tpr)],
                    style: Style::Measured,
                    colour: 5,
                },
            ],
            categories: Vec::new(),
        });
    }
    Figure {
        title: format!("Fingerprint detector on {} documents", f.documents),
        panels,
    }
}

/// Every metric of a track over the generations, with trend lines and thresholds.
pub fn collapse_track(track: &TrackReport) -> Figure {
    let x = |i: usize| f64::from(track.generations.get(i).copied().unwrap_or(i as u32));
    let colour = |collapsing: bool, direction: Option<Collapse>| match (collapsing, direction) {
        (true, _) => 5,
        (false, Some(_)) => 0,
        (false, None) => 6,
    };
    let mut panels: Vec<Panel> = track
        .metrics
        .iter()
        .enumerate()
        .map(|(k, m)| {
            // One legend, on the first panel: the same three lines in every panel.
            let name = |n: &str| if k == 0 { n.to_string() } else { String::new() };
            let c = colour(m.collapsing, m.direction);
            let defined = m.starts_at..m.values.len();
            let mut series = vec![
                Series {
                    name: name("measured"),
                    points: defined.clone().map(|i| (x(i), m.values[i])).collect(),
                    style: Style::Measured,
                    colour: c,
                },
                Series {
                    name: name("Theil–Sen"),
                    points: defined
                        .map(|i| {
                            let k = (i - m.starts_at) as f64;
                            (x(i), m.theil_sen.intercept + m.theil_sen.slope * k)
                        })
                        .collect(),
                    style: Style::Fit,
                    colour: c,
                },
            ];
            if let (Some(t), Some(_)) = (m.threshold, m.direction) {
                series.push(Series {
                    name: name("threshold"),
                    points: vec![
                        (x(m.starts_at), t),
                        (x(m.values.len().saturating_sub(1)), t),
                    ],
                    style: Style::Limit,
                    colour: c,
                });
            }
            Panel {
                title: panel_title(
                    &m.metric,
                    m.collapsing,
                    m.p_adjusted,
                    m.relative_change_per_generation,
                ),
                x_label: "generation".into(),
                y_label: m.metric.clone(),
                series,
                categories: Vec::new(),
            }
        })
        .collect();
    panels.extend(
        track
            .document_metrics
            .iter()
            .enumerate()
            .map(|(k, m)| Panel {
                title: panel_title(&m.metric, m.collapsing, m.p_adjusted, None),
                x_label: "generation".into(),
                y_label: "mean per document".into(),
                series: vec![Series {
                    // Named once, like the metrics' legend above.
                    name: if k == 0 {
                        "mean (Jonckheere–Terpstra on all documents)".into()
                    } else {
                        String::new()
                    },
                    points: m
                        .mean_per_generation
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| (x(i), v))
                        .collect(),
                    style: Style::Measured,
                    colour: colour(m.collapsing, m.direction),
                }],
                categories: Vec::new(),
            }),
    );
    let alarmed = track.metrics.iter().filter(|m| m.collapsing).count()
        + track
            .document_metrics
            .iter()
            .filter(|m| m.collapsing)
            .count();
    Figure {
        title: format!(
            "driftprint collapse: {}: {}",
            track.track,
            if alarmed > 0 {
                format!("COLLAPSE ({alarmed} metric(s) decline significantly)")
            } else {
                "no significant diversity decline".into()
            }
        ),
        panels,
    }
}

fn panel_title(metric: &str, collapsing: bool, p: Option<f64>, per_gen: Option<f64>) -> String {
    let mut t = String::new();
    if collapsing {
        t.push_str("ALARM ");
    }
    t.push_str(metric);
    if let Some(r) = per_gen {
        let _ = write!(t, "  {:+.1}%/gen", 100.0 * r);
    }
    if let Some(p) = p {
        let _ = write!(t, "  Holm p {}", format_p(p));
    }
    t
}

/// Runs shown in the history figure.
const HISTORY_RUNS: usize = 30;

/// Each gated number over the last runs (the history's entries, oldest first, ending with
/// this run); None before there are two runs.
pub fn history(entries: &[HistoryEntry], report: &Report) -> Option<Figure> {
    if entries.len() < 2 {
        return None;
    }
    let entries = &entries[entries.len().saturating_sub(HISTORY_RUNS)..];
    let keys: Vec<(String, Option<f64>)> = tracked(report)
        .into_iter()
        .filter(|t| t.plotted)
        .map(|t| (t.key, t.limit))
        .collect();
    let panels: Vec<Panel> = keys
        .into_iter()
        .filter(|(key, _)| entries.iter().any(|e| e.values.contains_key(key)))
        .map(|(key, limit)| {
            let points: Vec<(f64, f64)> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| (i as f64, e.values.get(&key).copied().unwrap_or(f64::NAN)))
                .collect();
            let mut series = vec![Series {
                name: String::new(),
                points,
                style: Style::Measured,
                colour: 0,
            }];
            if let Some(t) = limit.filter(|t| t.is_finite()) {
                series.push(Series {
                    name: String::new(),
                    points: vec![(0.0, t), ((entries.len() - 1) as f64, t)],
                    style: Style::Limit,
                    colour: 0,
                });
            }
            Panel {
                title: key.clone(),
                x_label: "run (oldest to this one)".into(),
                y_label: key.rsplit('.').next().unwrap_or(&key).to_string(),
                series,
                categories: Vec::new(),
            }
        })
        .collect();
    (!panels.is_empty()).then(|| Figure {
        title: format!(
            "Gated numbers over the last {} runs ({} to {})",
            entries.len(),
            entries[0].run_id,
            entries[entries.len() - 1].run_id
        ),
        panels,
    })
}

/// Every figure of a report, in section order.
pub fn all(report: &Report) -> Vec<NamedFigure> {
    let mut out = Vec::new();
    for stage in &report.stages {
        if let Some(result) = &stage.result {
            result.section().figures(&mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::divergence::{Details, TestResult};

    fn result(statistic: f64, p: Option<f64>, threshold: f64, kind: ThresholdKind) -> TestResult {
        TestResult {
            test: "t".into(),
            statistic_name: "s".into(),
            statistic,
            p_value: p,
            threshold,
            threshold_kind: kind,
            drifted: false,
            details: Details::default(),
        }
    }

    #[test]
    fn evidence_puts_every_test_on_one_scale_with_the_threshold_at_one() {
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
        // p = α is exactly the threshold; p = 0.001 at α = 0.05 is 3 / 1.301 past it.
        assert!(close(
            evidence(&result(0.3, Some(0.05), 0.05, ThresholdKind::PValueBelow)),
            1.0
        ));
        assert!(close(
            evidence(&result(0.3, Some(0.001), 0.05, ThresholdKind::PValueBelow)),
            3.0 / -(0.05f64.log10())
        ));
        // Above: value / threshold; below (MAUVE 0.45 under 0.9): threshold / value.
        assert!(close(
            evidence(&result(0.4, None, 0.2, ThresholdKind::StatisticAbove)),
            2.0
        ));
        assert!(close(
            evidence(&result(0.45, None, 0.9, ThresholdKind::StatisticBelow)),
            2.0
        ));
        // No threshold (not calibrated), or a p-value test without a p: nothing to draw.
        let uncalibrated = result(0.4, None, f64::INFINITY, ThresholdKind::StatisticAbove);
        assert_eq!(evidence(&uncalibrated), None);
        assert_eq!(
            evidence(&result(0.4, None, 0.05, ThresholdKind::PValueBelow)),
            None
        );
    }
}
