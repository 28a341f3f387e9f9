//! The collapse stage in a report: its line, HTML table of metric trends, Markdown list of
//! collapsing metrics, one figure per track, glance and the slopes the history keeps.

use std::fmt::Write as _;

use super::prelude::*;
use crate::commands::collapse::CollapseReport;

impl Section for CollapseReport {
    fn verdict(&self) -> (StageStatus, String) {
        let c = self;
        {
            // Per-generation and per-document tests can both raise the alarm.
            let alarmed: Vec<&str> = c
                .tracks
                .iter()
                .flat_map(|t| {
                    let series = t.metrics.iter().filter(|m| m.collapsing);
                    let documents = t.document_metrics.iter().filter(|m| m.collapsing);
                    series
                        .map(|m| m.metric.as_str())
                        .chain(documents.map(|m| m.metric.as_str()))
                })
                .collect();
            if c.alarm {
                (
                    c.status().into(),
                    format!("diversity declines significantly: {}", alarmed.join(", ")),
                )
            } else {
                (
                    StageStatus::Pass,
                    "no significant diversity decline across generations".into(),
                )
            }
        }
    }

    fn html(&self, s: &mut String) {
        let c = self;
        for t in &c.tracks {
            let _ = writeln!(s, "<table><tr><th>metric</th><th>per generation</th><th>Mann–Kendall p</th><th>Holm p</th><th>collapsing</th></tr>");
            for m in &t.metrics {
                let _ = writeln!(
                    s,
                    "<tr{}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                    if m.collapsing { " class=\"blocks\"" } else { "" },
                    escape(&m.metric),
                    m.relative_change_per_generation
                        .map(|r| format!("{:+.1}%", 100.0 * r))
                        .unwrap_or_default(),
                    format_p(m.mann_kendall.p),
                    m.p_adjusted.map(format_p).unwrap_or_default(),
                    if m.collapsing { "<b>yes</b>" } else { "no" }
                );
            }
            s.push_str("</table>\n");
        }
    }

    fn markdown(&self, s: &mut String) {
        let c = self;
        let mut alarmed: Vec<String> = c
            .tracks
            .iter()
            .flat_map(|t| t.metrics.iter().map(move |m| (t, m)))
            .filter(|(_, m)| m.collapsing)
            .map(|(t, m)| {
                format!(
                    "- {} / {}: {}",
                    cell(&t.track),
                    cell(&m.metric),
                    m.relative_change_per_generation
                        .map(|r| format!("{:+.1}% per generation", 100.0 * r))
                        .unwrap_or_default()
                )
            })
            .collect();
        alarmed.extend(
            c.tracks
                .iter()
                .flat_map(|t| t.document_metrics.iter().map(move |m| (t, m)))
                .filter(|(_, m)| m.collapsing)
                .map(|(t, m)| {
                    format!(
                        "- {} / {}: per-document trend",
                        cell(&t.track),
                        cell(&m.metric)
                    )
                }),
        );
        if !alarmed.is_empty() {
            let _ = writeln!(s, "\n**collapse**\n\n{}", alarmed.join("\n"));
        }
    }

    fn figures(&self, out: &mut Vec<NamedFigure>) {
        let c = self;
        {
            for (k, track) in c.tracks.iter().enumerate() {
                out.push(NamedFigure {
                    stage: "collapse",
                    name: if c.tracks.len() == 1 {
                        "collapse".into()
                    } else {
                        format!("collapse-{k}")
                    },
                    caption: COLLAPSE_CAPTION,
                    figure: collapse_track(track),
                });
            }
        }
    }

    fn glance(&self, next: &mut Vec<NextStep>) -> String {
        let c = self;
        let metrics: Vec<_> = c.tracks.iter().flat_map(|t| &t.metrics).collect();
        let collapsing: Vec<_> = metrics.iter().filter(|m| m.collapsing).collect();
        for t in &c.tracks {
            let mut worst: Vec<_> = t.metrics.iter().filter(|m| m.collapsing).collect();
            worst.sort_by(|a, b| {
                let change = |m: &&crate::collapse::trend::MetricTrend| {
                    m.relative_change_per_generation.unwrap_or(0.0).abs()
                };
                change(b).total_cmp(&change(a))
            });
            if worst.is_empty() {
                continue;
            }
            let named: Vec<String> = worst
                .iter()
                .take(NAMED)
                .map(|m| {
                    let when = match m.generations_to_threshold {
                        Some(g) if g <= 0.0 => "past its alarm level".to_string(),
                        Some(g) => format!("alarm level in {g:.1} generations"),
                        None => "moving away from its alarm level".to_string(),
                    };
                    format!(
                        "{} {:+.1}%/generation, {when}",
                        m.metric,
                        100.0 * m.relative_change_per_generation.unwrap_or(0.0)
                    )
                })
                .collect();
            next.push(NextStep {
                stage: "collapse",
                text: format!(
                    "track {}: {} metric(s) losing diversity ({}); mix fresh real data into each generation (`driftprint simulate --real-fraction` shows how much helps)",
                    t.track,
                    worst.len(),
                    named.join("; ")
                ),
            });
        }
        let smallest = metrics
            .iter()
            .filter_map(|m| m.p_adjusted)
            .fold(f64::INFINITY, f64::min);
        match (collapsing.len(), smallest.is_finite()) {
            (0, true) => format!(
                "no metric declining significantly (smallest Holm p {}, α {})",
                format_p(smallest),
                c.alpha
            ),
            (0, false) => "no metric with a collapse direction".into(),
            (n, _) => format!(
                "{n} of {} metrics collapsing (smallest Holm p {}, α {})",
                metrics.len(),
                format_p(smallest),
                c.alpha
            ),
        }
    }

    fn tracked(&self, out: &mut Vec<Tracked>) {
        let c = self;
        {
            for t in &c.tracks {
                out.extend(t.metrics.iter().map(|m| Tracked {
                    key: format!("collapse.{}.{}", t.track, m.metric),
                    value: m.relative_change_per_generation,
                    limit: None,
                    plotted: false,
                }));
            }
        }
    }
}
