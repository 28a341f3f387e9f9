//! `driftprint simulate`: recursive training on a real corpus at one or more fresh-real
//! fractions; writes each run's corpus (with lineage) and compares their diversity per
//! generation — the direct test of "even 10% real data slows collapse".

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::collapse::generations::{self, tokens, MeasureOptions};
use crate::collapse::simulate::{simulate, SimulateOptions};
use crate::collapse::tally::{GenerationTally, Generations, SAMPLE};
use crate::corpus::Doc;
use crate::error::{Error, Result};
use crate::output::plots::{self, Figure, Panel, Series, Style};
use crate::output::{write_corpus_jsonl, write_corpus_parquet};

/// One fresh-real fraction's simulation.
#[derive(Debug, Clone, Serialize)]
pub struct FractionRun {
    pub real_fraction: f64,
    pub output: PathBuf,
    pub documents: usize,
    /// Diversity metrics per generation (tail mass against the real corpus).
    pub metrics: Vec<MetricSeries>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricSeries {
    pub metric: String,
    /// One value per generation, generation 0 first.
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulateReport {
    pub real_documents: usize,
    pub generations: u32,
    pub seed: u64,
    pub runs: Vec<FractionRun>,
    pub seconds: f64,
}

/// Where a fraction's corpus goes: `output` itself for a single fraction, else
/// `STEM.realPCT.EXT` beside it (generations.real10.jsonl).
pub fn output_path(output: &Path, fraction: f64, several: bool) -> PathBuf {
    if !several {
        return output.to_path_buf();
    }
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy())
        .unwrap_or_default();
    let pct = format!("{:.1}", 100.0 * fraction);
    let pct = pct.trim_end_matches('0').trim_end_matches('.');
    output.with_file_name(format!("{stem}.real{pct}.{ext}"))
}

/// Simulates every fraction (same seed, so generation 0 and the random streams match), writes
/// the corpora and measures them.
pub fn run(
    real_docs: &[Doc],
    fractions: &[f64],
    generations: u32,
    seed: u64,
    output: &Path,
    measure: &MeasureOptions,
) -> Result<SimulateReport> {
    let start = std::time::Instant::now();
    let write: fn(&[Doc], &Path) -> Result<()> = match output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jsonl") => write_corpus_jsonl,
        Some("parquet") => write_corpus_parquet,
        _ => {
            return Err(Error::Usage(format!(
                "-o {}: write .jsonl or .parquet",
                output.display()
            )))
        }
    };
    let real: Vec<Vec<String>> = real_docs.par_iter().map(|d| tokens(&d.text)).collect();
    let mut runs = Vec::new();
    for &real_fraction in fractions {
        let docs = simulate(
            &real,
            &SimulateOptions {
                generations,
                real_fraction,
                seed,
            },
        );
        let path = output_path(output, real_fraction, fractions.len() > 1);
        write(&docs, &path)?;
        let sample_cap = SAMPLE.max(measure.self_bleu_sample);
        let mut by_generation = Generations::new(sample_cap, seed);
        by_generation.observe(&docs, |d| d.lineage.generation.unwrap_or(0));
        let mut reference = GenerationTally::new(sample_cap, seed, 0);
        real_docs.iter().for_each(|d| reference.observe(d));
        let measured = generations::measure(
            by_generation.tallies.into_values().collect(),
            Some(reference),
            measure,
        );
        runs.push(FractionRun {
            real_fraction,
            output: path,
            documents: docs.len(),
            metrics: measured
                .series
                .into_iter()
                .map(|(metric, values)| MetricSeries { metric, values })
                .collect(),
        });
    }
    Ok(SimulateReport {
        real_documents: real.len(),
        generations,
        seed,
        runs,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// One panel per metric, one line per fraction.
pub fn plot(report: &SimulateReport, stem: &Path) -> Result<Vec<PathBuf>> {
    let Some(first) = report.runs.first() else {
        return Ok(Vec::new());
    };
    let panels = first
        .metrics
        .iter()
        .enumerate()
        .map(|(m, series)| Panel {
            title: series.metric.clone(),
            x_label: "generation".into(),
            y_label: series.metric.clone(),
            series: report
                .runs
                .iter()
                .enumerate()
                .map(|(k, run)| Series {
                    // One legend, on the first panel.
                    name: if m == 0 {
                        format!("{:.0}% real", 100.0 * run.real_fraction)
                    } else {
                        String::new()
                    },
                    points: run.metrics[m]
                        .values
                        .iter()
                        .enumerate()
                        .map(|(g, &v)| (g as f64, v))
                        .collect(),
                    style: Style::Measured,
                    colour: k,
                })
                .collect(),
            categories: Vec::new(),
        })
        .collect();
    plots::save(
        &Figure {
            title: format!(
                "driftprint simulate: diversity over {} generations by share of fresh real data",
                report.generations
            ),
            panels,
        },
        stem,
    )
    .map(|saved| saved.files)
}

impl SimulateReport {
    /// Per metric and fraction: generation 0 → last generation and the relative change.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for run in &self.runs {
            let _ = writeln!(
                s,
                "wrote {} documents ({} generations of {}, {:.0}% fresh real per generation) to {}",
                run.documents,
                self.generations + 1,
                self.real_documents,
                100.0 * run.real_fraction,
                run.output.display()
            );
        }
        let _ = writeln!(
            s,
            "\ngeneration 0 -> {} (change){}",
            self.generations,
            self.runs
                .iter()
                .map(|r| format!(" | {:>24}", format!("{:.0}% real", 100.0 * r.real_fraction)))
                .collect::<String>()
        );
        if let Some(first) = self.runs.first() {
            for (m, series) in first.metrics.iter().enumerate() {
                let _ = write!(s, "{:<26}", series.metric);
                for run in &self.runs {
                    let v = &run.metrics[m].values;
                    let (a, b) = (v[0], v[v.len() - 1]);
                    let change = if a != 0.0 {
                        format!("{:+.0}%", 100.0 * (b - a) / a.abs())
                    } else {
                        "n/a".into()
                    };
                    let _ = write!(s, " | {:>24}", format!("{a:.3} -> {b:.3} ({change})"));
                }
                s.push('\n');
            }
        }
        let _ = writeln!(s, "({:.1} s)", self.seconds);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_fractions_get_their_own_files() {
        let out = Path::new("runs/generations.jsonl");
        assert_eq!(output_path(out, 0.1, false), out);
        assert_eq!(
            output_path(out, 0.1, true),
            Path::new("runs/generations.real10.jsonl")
        );
        assert_eq!(
            output_path(out, 0.0, true),
            Path::new("runs/generations.real0.jsonl")
        );
        assert_eq!(
            output_path(out, 0.125, true),
            Path::new("runs/generations.real12.5.jsonl")
        );
    }
}
