//! `driftprint fingerprint score --zero-shot`: LLM text flagged without a trained detector, by
//! Fast-DetectGPT's analytic sampling discrepancy under the small language model — how much
//! more predictable a text is to the model than the text the model would itself produce.
//! The threshold passes `--target-fpr` of the human documents of `--calibrate-on` text, or is a
//! stated default measured on the dev corpus's human text.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::percent;
use crate::corpus::{CorpusStream, IngestOptions, Source};
use crate::error::{Error, Result};
use crate::features::lm::DISCREPANCY;
use crate::features::{FeatureSettings, LmScorer};
use crate::fingerprint::evaluation::threshold_at_fpr;
use crate::output::AtomicFile;
use crate::stats::roc::auroc;

/// The default threshold: the discrepancy that 1% of the human documents of a seeded sample of
/// the dev corpus exceed (1,415 human texts from five sources, up to 300 per file; standard
/// normalisation, first 256 tokens; measured 0.9846 by benches/peers/lm_loso.sh). Human text
/// of other writers differs (simple or non-native writing is more predictable): calibrate on yours.
pub const DEFAULT_THRESHOLD: f64 = 0.98;

#[derive(Debug, Clone, Serialize)]
pub struct ZeroShotSummary {
    pub documents: u64,
    pub flagged: u64,
    /// A document is flagged when its discrepancy is above this.
    pub threshold: f64,
    /// Where the threshold came from, in words.
    pub threshold_from: String,
    pub mean_discrepancy: f64,
    /// Against the corpus's labels, when it has both.
    pub auroc: Option<f64>,
    pub fpr: Option<f64>,
    pub tpr: Option<f64>,
    pub output: Option<PathBuf>,
    pub seconds: f64,
    pub docs_per_second: f64,
}

/// Discrepancy and label of every document of `inputs` (unlabelled ones read as real).
fn discrepancies(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    scorer: &LmScorer,
    mut each: impl FnMut(&str, f64, bool) -> Result<()>,
) -> Result<()> {
    let mut ingest = ingest.clone();
    ingest.defaults.source.get_or_insert(Source::Real);
    let mut stream = CorpusStream::open(inputs, &ingest)?;
    while let Some(batch) = stream.next_batch()? {
        let texts: Vec<&str> = batch.iter().map(|d| d.text.as_str()).collect();
        let rows = scorer.transform_texts(&texts)?;
        for (doc, row) in batch.iter().zip(rows.outer_iter()) {
            each(
                &doc.id,
                row[DISCREPANCY] as f64,
                doc.lineage.source == Source::Synthetic,
            )?;
        }
    }
    stream.finish()?;
    Ok(())
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    discrepancy: f64,
    synthetic: bool,
}

pub fn run(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    features: &FeatureSettings,
    calibrate_on: &[PathBuf],
    target_fpr: f64,
    output: Option<&Path>,
) -> Result<ZeroShotSummary> {
    crate::checks::check_open_unit(target_fpr)
        .map_err(|m| Error::Usage(format!("--target-fpr {m}")))?;
    if let Some(out) = output {
        if out.extension().is_none_or(|e| e != "jsonl") {
            return Err(Error::Usage(format!(
                "-o {}: zero-shot scores are written as .jsonl",
                out.display()
            )));
        }
    }
    let start = Instant::now();
    let scorer = LmScorer::new(&features.lm, features.normalization)?;
    let (threshold, threshold_from) = if calibrate_on.is_empty() {
        // The default was measured at 256 tokens of standard-normalised text; the discrepancy
        // grows with the square root of the tokens read, so another setting needs its own.
        let measured_as = features.lm.max_tokens == 256
            && features.normalization == crate::features::Normalization::Standard;
        (
            DEFAULT_THRESHOLD,
            match measured_as {
                true => "the default (1% of dev human text above it); calibrate on your own human text with --calibrate-on".to_string(),
                false => format!(
                    "the default, measured at 256 tokens of standard-normalised text, NOT at this run's {} tokens / {} normalisation: calibrate with --calibrate-on",
                    features.lm.max_tokens,
                    features.normalization.name()
                ),
            },
        )
    } else {
        let mut human = Vec::new();
        discrepancies(calibrate_on, ingest, &scorer, |_, d, synthetic| {
            if !synthetic {
                human.push(d);
            }
            Ok(())
        })?;
        if human.is_empty() {
            return Err(Error::Usage(
                "--calibrate-on: no human (real) documents to set the threshold on".into(),
            ));
        }
        let n = human.len();
        (
            threshold_at_fpr(&mut human, target_fpr),
            format!(
                "{:.1}% of the {n} human documents of --calibrate-on above it",
                100.0 * target_fpr
            ),
        )
    };
    let mut writer = output.map(AtomicFile::create).transpose()?;
    let (mut scores, mut labels) = (Vec::new(), Vec::new());
    discrepancies(inputs, ingest, &scorer, |id, d, synthetic| {
        if let (Some(w), Some(path)) = (writer.as_mut(), output) {
            let row = Row {
                id,
                discrepancy: d,
                synthetic: d > threshold,
            };
            serde_json::to_writer(&mut *w, &row)
                .map_err(|e| Error::output(path, std::io::Error::other(e)))?;
            w.write_all(b"\n").map_err(|e| Error::output(path, e))?;
        }
        scores.push(d);
        labels.push(synthetic);
        Ok(())
    })?;
    if let Some(w) = writer {
        w.commit()?;
    }
    let flagged_where = |want: bool| -> Option<f64> {
        let of = labels.iter().filter(|&&l| l == want).count();
        (of > 0).then(|| {
            scores
                .iter()
                .zip(&labels)
                .filter(|(&s, &l)| l == want && s > threshold)
                .count() as f64
                / of as f64
        })
    };
    let documents = scores.len() as u64;
    let seconds = start.elapsed().as_secs_f64();
    Ok(ZeroShotSummary {
        documents,
        flagged: scores.iter().filter(|&&s| s > threshold).count() as u64,
        threshold,
        threshold_from,
        mean_discrepancy: scores.iter().sum::<f64>() / documents.max(1) as f64,
        auroc: auroc(&scores, &labels),
        fpr: flagged_where(false),
        tpr: flagged_where(true),
        output: output.map(Path::to_path_buf),
        seconds,
        docs_per_second: documents as f64 / seconds.max(1e-9),
    })
}

impl ZeroShotSummary {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "zero-shot: flagged {} of {} documents ({}) whose discrepancy is above {:.2} ({})",
            self.flagged,
            self.documents,
            percent(Some(self.flagged as f64 / self.documents.max(1) as f64)),
            self.threshold,
            self.threshold_from
        );
        let _ = writeln!(
            s,
            "mean discrepancy {:.2} (Fast-DetectGPT's analytic criterion under SmolLM2-135M: higher = more like the model's own text)",
            self.mean_discrepancy
        );
        if let Some(a) = self.auroc {
            let _ = writeln!(
                s,
                "on this corpus's labels: AUROC {a:.4}, TPR {}, FPR {}",
                percent(self.tpr),
                percent(self.fpr)
            );
        }
        if let Some(out) = &self.output {
            let _ = writeln!(s, "wrote per-document scores to {}", out.display());
        }
        let _ = writeln!(
            s,
            "{:.1} s ({:.1} documents/s)",
            self.seconds, self.docs_per_second
        );
        s
    }
}
