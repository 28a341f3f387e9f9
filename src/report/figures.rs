//! The report's figures, built from the stages' results (the statistics never know how they
//! are drawn; `plots` never knows what they mean).

use super::plots::{Figure, Panel, Series, Style};
use super::{Report, StageResult};
use crate::commands::drift::DriftReport;
use crate::divergence::ThresholdKind;

/// A named figure: `name` becomes the file stem (drift-tests.png ...).
pub struct NamedFigure {
    pub name: String,
    pub figure: Figure,
}

/// Each test of the overall comparison against its rule: p-value tests as −log10 p against
/// −log10 α (taller = stronger evidence of drift), statistic tests as the statistic against its
/// threshold.
pub fn drift_tests(d: &DriftReport) -> Option<Figure> {
    let overall = d.comparisons.iter().find(|c| c.group.is_none())?;
    let panels: Vec<Panel> = overall
        .outcomes
        .iter()
        .filter_map(|o| {
            let r = o.result.as_ref()?;
            let colour = if o.blocks {
                5
            } else if r.drifted {
                1
            } else {
                0
            };
            let (value, limit, y_label) = match (r.threshold_kind, r.p_value) {
                (ThresholdKind::PValueBelow, Some(p)) => (
                    -p.max(1e-300).log10(),
                    -r.threshold.log10(),
                    "−log10 p".to_string(),
                ),
                _ => (r.statistic, r.threshold, r.statistic_name.clone()),
            };
            let mut series = vec![Series {
                name: String::new(),
                points: vec![(0.0, value)],
                style: Style::Bar,
                colour,
            }];
            if limit.is_finite() {
                series.push(Series {
                    name: String::new(),
                    points: vec![(-0.5, limit), (0.5, limit)],
                    style: Style::Limit,
                    colour,
                });
            }
            let verdict = if o.blocks {
                "BLOCKS"
            } else if !limit.is_finite() {
                "not calibrated"
            } else if r.drifted {
                "drifted"
            } else {
                "ok"
            };
            Some(Panel {
                title: format!(
                    "{}{}: {verdict}",
                    o.test,
                    if o.gated { " (gated)" } else { "" }
                ),
                x_label: String::new(),
                y_label,
                series,
            })
        })
        .collect();
    (!panels.is_empty()).then(|| Figure {
        title: format!(
            "Drift tests: {} reference vs {} candidate documents (red dotted line: the threshold)",
            overall.n_reference, overall.n_candidate
        ),
        panels,
    })
}

/// Every figure of a report, in section order.
pub fn all(report: &Report) -> Vec<NamedFigure> {
    let mut out = Vec::new();
    for stage in &report.stages {
        match &stage.result {
            Some(StageResult::Drift(d)) => {
                if let Some(figure) = drift_tests(d) {
                    out.push(NamedFigure {
                        name: "drift-tests".into(),
                        figure,
                    });
                }
            }
            Some(StageResult::Collapse(c)) => {
                for (k, track) in c.tracks.iter().enumerate() {
                    out.push(NamedFigure {
                        name: if c.tracks.len() == 1 {
                            "collapse".into()
                        } else {
                            format!("collapse-{k}")
                        },
                        figure: crate::commands::collapse::figure(track),
                    });
                }
            }
            _ => {}
        }
    }
    out
}
