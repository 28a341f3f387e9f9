//! `driftprint collapse`: trend tests over per-generation diversity metrics; exit 1 (alarm)
//! when diversity declines significantly across retraining generations.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::collapse::table;
use crate::collapse::trend::{analyse, Collapse, MetricTrend};
use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct TrackReport {
    pub track: String,
    pub generations: Vec<u32>,
    pub alarm: bool,
    pub metrics: Vec<MetricTrend>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollapseReport {
    pub input: PathBuf,
    pub alpha: f64,
    /// Any track's diversity is declining significantly.
    pub alarm: bool,
    pub tracks: Vec<TrackReport>,
}

/// Trends of a metrics table (`--metrics-table`), per track.
pub fn run_table(
    path: &Path,
    group_by: Option<&str>,
    metrics: Option<&[String]>,
    alpha: f64,
    thresholds: &BTreeMap<String, f64>,
) -> Result<CollapseReport> {
    let tracks: Vec<TrackReport> = table::read(path, group_by, metrics)?
        .into_iter()
        .map(|t| {
            let metrics = analyse(&t.series, alpha, thresholds);
            TrackReport {
                track: t.name,
                generations: t.generations,
                alarm: metrics.iter().any(|m| m.collapsing),
                metrics,
            }
        })
        .collect();
    Ok(CollapseReport {
        input: path.to_path_buf(),
        alpha,
        alarm: tracks.iter().any(|t| t.alarm),
        tracks,
    })
}

fn describe(m: &MetricTrend) -> String {
    let per_gen = m
        .relative_change_per_generation
        .map(|r| format!("{:+.1}%/gen", 100.0 * r))
        .unwrap_or_else(|| format!("{:+.4}/gen", m.theil_sen.slope));
    let crossing = match (m.threshold, m.generations_to_threshold) {
        (Some(t), Some(0.0)) => format!("past its threshold {t:.4}"),
        (Some(t), Some(g)) => format!("crosses {t:.4} in {g:.1} generations"),
        _ => String::new(),
    };
    format!(
        "{} {per_gen} (p {:.2e}{}) {crossing}",
        m.metric,
        m.mann_kendall.p,
        m.p_adjusted
            .map(|p| format!(", Holm {p:.2e}"))
            .unwrap_or_default()
    )
}

impl CollapseReport {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let alarmed: Vec<&TrackReport> = self.tracks.iter().filter(|t| t.alarm).collect();
        if alarmed.is_empty() {
            let _ = writeln!(
                s,
                "PASS: no significant diversity decline in {} track(s) (alpha {}, Holm across metrics)",
                self.tracks.len(),
                self.alpha
            );
        } else {
            let _ = writeln!(
                s,
                "COLLAPSE: diversity declines significantly in {} of {} track(s): {}",
                alarmed.len(),
                self.tracks.len(),
                alarmed
                    .iter()
                    .map(|t| t.track.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for t in &self.tracks {
            let _ = writeln!(
                s,
                "\n{} ({} generations){}",
                t.track,
                t.generations.len(),
                if t.alarm { ": COLLAPSING" } else { "" }
            );
            for m in &t.metrics {
                let mark = if m.collapsing {
                    "!"
                } else if m.direction.is_none() {
                    " "
                } else {
                    "-"
                };
                let way = match m.direction {
                    Some(Collapse::Falls) => "falls",
                    Some(Collapse::Rises) => "rises",
                    None => "n/a",
                };
                let _ = writeln!(s, "  {mark} [{way:>5}] {}", describe(m));
            }
        }
        s
    }
}
