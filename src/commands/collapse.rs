//! `driftprint collapse`: trend tests over per-generation diversity metrics; exit 1 (alarm)
//! when diversity declines significantly across retraining generations.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::Serialize;

use crate::collapse::embedding::embedding_series;
use crate::collapse::generations::{measure, GenerationSize, MeasureOptions};
use crate::collapse::table;
use crate::collapse::tally::{GenerationTally, Generations, SAMPLE};
use crate::collapse::trend::{
    analyse, analyse_documents, holm_gate, Collapse, DocumentTrend, MetricTrend,
};
use crate::corpus::{CorpusStream, Doc, IngestOptions, Source};
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

/// How a corpus of generations is measured and tested: everything but its documents.
pub struct CorpusRun<'a> {
    /// Real documents to compare with (else generation 0).
    pub reference: &'a [PathBuf],
    pub ingest: &'a IngestOptions,
    pub alpha: f64,
    pub thresholds: &'a BTreeMap<String, f64>,
    pub options: MeasureOptions,
    pub models: CollapseModels<'a>,
}

impl CorpusRun<'_> {
    /// Documents per generation sampled: enough for every metric measured on a sample.
    fn sample_cap(&self) -> usize {
        let lm = self.models.lm.map_or(0, |s| s.lm.max_documents);
        SAMPLE.max(self.options.self_bleu_sample).max(lm)
    }

    /// An empty tally of generations.
    pub fn start(&self) -> Generations {
        Generations::new(self.sample_cap(), self.options.seed)
    }

    /// The ingest options for reading generations: collapse needs no provenance, so rows
    /// without a source are read as synthetic (unused).
    pub fn ingest(&self) -> IngestOptions {
        let mut ingest = self.ingest.clone();
        ingest.defaults.source.get_or_insert(Source::Synthetic);
        ingest
    }

    /// Reads every generation's documents into one tally and tests the trends.
    pub fn run(&self, input: &GenerationInput) -> Result<CollapseReport> {
        let ingest = self.ingest();
        let mut generations = self.start();
        let read = |paths: &[PathBuf], f: &mut dyn FnMut(&[Doc]) -> Result<()>| -> Result<()> {
            let mut stream = CorpusStream::open(paths, &ingest)?;
            while let Some(batch) = stream.next_batch()? {
                f(&batch)?;
            }
            stream.finish()?;
            Ok(())
        };
        let name = match input {
            GenerationInput::Files(files) => {
                for (g, f) in files.iter().enumerate() {
                    read(std::slice::from_ref(f), &mut |docs| {
                        generations.observe(docs, |_| g as u32);
                        Ok(())
                    })?;
                }
                files
            }
            GenerationInput::Field(paths) => {
                read(paths, &mut |docs| {
                    generations.observe_field(docs).map_err(Error::Usage)
                })?;
                paths
            }
        };
        let name = name
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        self.finish(generations, name)
    }

    /// Tests the trends of the tallied generations (`input`: what they were read from).
    pub fn finish(&self, generations: Generations, input: String) -> Result<CollapseReport> {
        if generations.tallies.len() < 3 {
            return Err(Error::Usage(format!(
                "collapse needs at least 3 generations to test a trend; found {}",
                generations.tallies.len()
            )));
        }
        let reference = if self.reference.is_empty() {
            None
        } else {
            let mut tally = GenerationTally::new(self.sample_cap(), self.options.seed, 0);
            let mut stream = CorpusStream::open(self.reference, &self.ingest())?;
            while let Some(batch) = stream.next_batch()? {
                batch.iter().for_each(|d| tally.observe(d));
            }
            stream.finish()?;
            Some(tally)
        };
        let names: Vec<u32> = generations.tallies.keys().copied().collect();
        let mut measured = measure(
            generations.tallies.into_values().collect(),
            reference,
            &self.options,
        );
        // Checked before the (slow) embedding, against what it will measure.
        let mut checked = metric_names(&measured.series);
        if self.models.embed.is_some() {
            checked.extend(crate::collapse::embedding::METRICS);
        }
        if self.models.lm.is_some() {
            checked.push(LM_METRIC);
        }
        check_thresholds(self.thresholds, &checked)?;
        let seed = self.options.seed;
        if let Some(config) = self.models.embed {
            let embedded = embedding_metrics(
                &measured.samples,
                measured.reference_sample.as_deref(),
                config,
                seed,
            )?;
            measured.series.extend(embedded);
        }
        if let Some(settings) = self.models.lm {
            measured
                .series
                .push(lm_metric(&measured.samples, settings)?);
        }
        let mut metrics = analyse(&measured.series, self.thresholds);
        let mut document_metrics = analyse_documents(&measured.documents);
        holm_gate(&mut metrics, &mut document_metrics, self.alpha);
        let sizes = names
            .iter()
            .zip(&measured.sizes)
            .map(|(&generation, &(documents, tokens))| GenerationSize {
                generation,
                documents: documents as usize,
                tokens: tokens as usize,
            })
            .collect();
        let alarm =
            metrics.iter().any(|m| m.collapsing) || document_metrics.iter().any(|m| m.collapsing);
        Ok(CollapseReport {
            input,
            alpha: self.alpha,
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

/// Mean token log-likelihood of each generation's sample's first `[features.lm] max_documents`
/// documents (the model is slow).
fn lm_metric(samples: &[Vec<Doc>], settings: &FeatureSettings) -> Result<(String, Vec<f64>)> {
    let scorer = LmScorer::new(&settings.lm, settings.normalization)?;
    let values = samples
        .iter()
        .map(|docs| -> Result<f64> {
            let texts: Vec<&str> = docs
                .iter()
                .take(settings.lm.max_documents)
                .map(|d| d.text.as_str())
                .collect();
            let rows = scorer.transform_texts(&texts)?;
            let column = rows.column(0);
            Ok(column.iter().map(|&v| v as f64).sum::<f64>() / column.len().max(1) as f64)
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok((LM_METRIC.to_string(), values))
}

/// Vendi, mean pairwise distance and PRDC of the sentence embeddings of the generations' samples.
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
