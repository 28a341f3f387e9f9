//! `driftprint collapse`: trend tests over per-generation diversity metrics; exit 1 (alarm)
//! when diversity declines significantly across retraining generations.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::Serialize;

use super::read_corpus;
use crate::collapse::embedding::embedding_series;
use crate::collapse::generations::{
    corpus_series, document_series, group_by_generation, tokens, GenerationSize, MeasureOptions,
};
use crate::collapse::table;
use crate::collapse::trend::{
    analyse, analyse_documents, holm_gate, Collapse, DocumentTrend, MetricTrend,
};
use crate::corpus::{Doc, IngestOptions, Source};
use crate::error::{Error, Result};
use crate::features::embed::{EmbedConfig, Embedder};
use crate::features::Featurizer;
use crate::features::{FeatureSettings, LmScorer};
use crate::status::Status;

#[derive(Debug, Clone, Serialize)]
pub struct TrackReport {
    pub track: String,
    pub generations: Vec<u32>,
    pub alarm: bool,
    pub metrics: Vec<MetricTrend>,
    /// Per-document metrics tested over all documents (corpus input only).
    pub document_metrics: Vec<DocumentTrend>,
    /// Documents and tokens per generation (corpus input only).
    pub sizes: Vec<GenerationSize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollapseReport {
    pub input: String,
    pub alpha: f64,
    /// Any track's diversity is declining significantly.
    pub alarm: bool,
    pub tracks: Vec<TrackReport>,
}

impl CollapseReport {
    /// A significant decline blocks the release.
    pub fn status(&self) -> Status {
        if self.alarm {
            Status::Blocked
        } else {
            Status::Pass
        }
    }
}

/// Every threshold must name a measured metric: a misspelt one would silently never alarm.
fn check_thresholds(thresholds: &BTreeMap<String, f64>, measured: &[&str]) -> Result<()> {
    match thresholds.keys().find(|k| !measured.contains(&k.as_str())) {
        Some(unknown) => Err(Error::Usage(format!(
            "threshold for '{unknown}', which is not measured (metrics: {})",
            measured.join(", ")
        ))),
        None => Ok(()),
    }
}

fn metric_names(series: &[(String, Vec<f64>)]) -> Vec<&str> {
    series.iter().map(|(name, _)| name.as_str()).collect()
}

/// Trends of a metrics table (`--metrics-table`), per track.
pub fn run_table(
    path: &Path,
    group_by: Option<&str>,
    metrics: Option<&[String]>,
    alpha: f64,
    thresholds: &BTreeMap<String, f64>,
) -> Result<CollapseReport> {
    let tables = table::read(path, group_by, metrics)?;
    for t in &tables {
        check_thresholds(thresholds, &metric_names(&t.series))?;
    }
    let tracks: Vec<TrackReport> = tables
        .into_iter()
        .map(|t| {
            let mut metrics = analyse(&t.series, thresholds);
            holm_gate(&mut metrics, &mut [], alpha);
            TrackReport {
                track: t.name,
                generations: t.generations,
                alarm: metrics.iter().any(|m| m.collapsing),
                metrics,
                document_metrics: Vec::new(),
                sizes: Vec::new(),
            }
        })
        .collect();
    Ok(CollapseReport {
        input: path.display().to_string(),
        alpha,
        alarm: tracks.iter().any(|t| t.alarm),
        tracks,
    })
}

/// Where the generations' documents come from.
pub enum GenerationInput {
    /// One file (or set of files) per generation, in order.
    Files(Vec<PathBuf>),
    /// One corpus whose documents carry a `generation` field.
    Field(Vec<PathBuf>),
}

/// Measures every generation's documents and tests the trends.
pub fn run_corpus(
    input: &GenerationInput,
    reference: &[PathBuf],
    ingest: &IngestOptions,
    alpha: f64,
    thresholds: &BTreeMap<String, f64>,
    options: &MeasureOptions,
    models: &CollapseModels,
) -> Result<CollapseReport> {
    // Collapse needs no provenance: rows without a source are read as synthetic (unused).
    let mut ingest = ingest.clone();
    ingest.defaults.source.get_or_insert(Source::Synthetic);
    let (names, groups): (Vec<u32>, Vec<Vec<Doc>>) = match input {
        GenerationInput::Files(files) => {
            let mut out = Vec::new();
            for (g, f) in files.iter().enumerate() {
                out.push((
                    g as u32,
                    read_corpus(std::slice::from_ref(f), &ingest, &|_, _| {})?.0,
                ));
            }
            out.into_iter().unzip()
        }
        GenerationInput::Field(paths) => {
            group_by_generation(read_corpus(paths, &ingest, &|_, _| {})?.0)
                .map_err(Error::Usage)?
                .into_iter()
                .unzip()
        }
    };
    if groups.len() < 3 {
        return Err(Error::Usage(format!(
            "collapse needs at least 3 generations to test a trend; found {}",
            groups.len()
        )));
    }
    let tokenised: Vec<Vec<Vec<String>>> = groups
        .iter()
        .map(|g| g.iter().map(|d| tokens(&d.text)).collect())
        .collect();
    let reference_docs = if reference.is_empty() {
        None
    } else {
        Some(read_corpus(reference, &ingest, &|_, _| {})?.0)
    };
    let reference_tokens: Option<Vec<Vec<String>>> = reference_docs
        .as_ref()
        .map(|docs| docs.iter().map(|d| tokens(&d.text)).collect());
    let mut series = corpus_series(&tokenised, reference_tokens.as_deref(), options);
    // Checked before the (slow) embedding, against what it will measure.
    let mut measured = metric_names(&series);
    if models.embed.is_some() {
        measured.extend(crate::collapse::embedding::METRICS);
    }
    if models.lm.is_some() {
        measured.push(LM_METRIC);
    }
    check_thresholds(thresholds, &measured)?;
    if let Some(config) = models.embed {
        series.extend(embedding_metrics(
            &groups,
            reference_docs.as_deref(),
            config,
            options.seed,
        )?);
    }
    if let Some(settings) = models.lm {
        series.push(lm_metric(&groups, settings, options.seed)?);
    }
    let mut metrics = analyse(&series, thresholds);
    let mut document_metrics = analyse_documents(&document_series(&tokenised));
    holm_gate(&mut metrics, &mut document_metrics, alpha);
    let sizes = names
        .iter()
        .zip(&tokenised)
        .map(|(&generation, docs)| GenerationSize {
            generation,
            documents: docs.len(),
            tokens: docs.iter().map(Vec::len).sum(),
        })
        .collect();
    let alarm =
        metrics.iter().any(|m| m.collapsing) || document_metrics.iter().any(|m| m.collapsing);
    let input_name = match input {
        GenerationInput::Files(f) | GenerationInput::Field(f) => f
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    Ok(CollapseReport {
        input: input_name,
        alpha,
        alarm,
        tracks: vec![TrackReport {
            track: "corpus".into(),
            generations: names,
            alarm,
            metrics,
            document_metrics,
            sizes,
        }],
    })
}

/// The models collapse measures with when asked: the sentence encoder (`--embed`) and the
/// language model (`--lm`, its `[features.lm]` settings and the normalisation).
#[derive(Default)]
pub struct CollapseModels<'a> {
    pub embed: Option<&'a EmbedConfig>,
    pub lm: Option<&'a FeatureSettings>,
}

/// The language-model metric: each generation's mean token log-likelihood under the fixed
/// scorer. Rising means each generation is more predictable than the last — a model trained on
/// its own output drifting toward its own most likely text.
pub const LM_METRIC: &str = "lm_log_likelihood";

/// Mean token log-likelihood of a seeded sample of each generation (`[features.lm] max_documents`).
fn lm_metric(
    groups: &[Vec<Doc>],
    settings: &FeatureSettings,
    seed: u64,
) -> Result<(String, Vec<f64>)> {
    use rand::seq::SliceRandom;
    let scorer = LmScorer::new(&settings.lm, settings.normalization)?;
    let values = groups
        .iter()
        .enumerate()
        .map(|(g, docs)| -> Result<f64> {
            // A seeded sample of [features.lm] max_documents per generation (the model is slow).
            let mut texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
            if texts.len() > settings.lm.max_documents {
                texts.shuffle(&mut crate::stats::rng::seeded(seed, 7_000 + g as u64));
                texts.truncate(settings.lm.max_documents);
            }
            let rows = scorer.transform_texts(&texts)?;
            let column = rows.column(0);
            Ok(column.iter().map(|&v| v as f64).sum::<f64>() / column.len().max(1) as f64)
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok((LM_METRIC.to_string(), values))
}

/// Vendi, mean pairwise distance and PRDC of the generations' sentence embeddings.
fn embedding_metrics(
    groups: &[Vec<Doc>],
    reference: Option<&[Doc]>,
    config: &EmbedConfig,
    seed: u64,
) -> Result<Vec<(String, Vec<f64>)>> {
    let embedder = Embedder::new(config)?;
    let embed =
        |docs: &[Doc]| -> Result<Array2<f64>> { Ok(embedder.transform(docs)?.mapv(f64::from)) };
    let generations: Vec<Array2<f64>> = groups.iter().map(|g| embed(g)).collect::<Result<_>>()?;
    let reference = reference.map(embed).transpose()?;
    embedding_series(&generations, reference.as_ref().map(|r| r.view()), seed)
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
            for m in &t.document_metrics {
                let mark = if m.collapsing { "!" } else { "-" };
                let means: Vec<String> = m
                    .mean_per_generation
                    .iter()
                    .map(|v| format!("{v:.3}"))
                    .collect();
                let _ = writeln!(
                    s,
                    "  {mark} [per document] {} means {} (Jonckheere z {:.2}, p {:.2e}{})",
                    m.metric,
                    means.join(" -> "),
                    m.jonckheere.z,
                    m.jonckheere.p_two_sided,
                    m.p_adjusted
                        .map(|p| format!(", Holm {p:.2e}"))
                        .unwrap_or_default()
                );
            }
        }
        s
    }
}
