//! `driftprint fingerprint score`: apply a detector to a corpus, streaming: per-document scores
//! to a file, and the corpus's synthetic fraction corrected for the detector's error rates.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::percent;
use crate::corpus::{CorpusStream, Doc, IngestOptions, Source};
use crate::error::{Error, Result};
use crate::features::shortcuts::ShortcutAudit;
use crate::fingerprint::contamination::{flags, stored_rates, Flagged};
use crate::fingerprint::distribution::{ScoreDistribution, ScoreTally};
use crate::fingerprint::evaluation::Scored;
use crate::fingerprint::fraction::{synthetic_fraction, FractionEstimate};
use crate::fingerprint::lexicon_usage::{quoted, LexiconUse, UsageCounts, UsageTally};
use crate::fingerprint::Detector;
use crate::output::AtomicFile;
use crate::stats::unit_sum::UnitSum;

#[derive(Debug, Clone, Serialize)]
pub struct ScoreSummary {
    pub model: PathBuf,
    /// Whether `model` is the detector built into driftprint (none was given).
    pub built_in: bool,
    pub documents: u64,
    pub flagged: u64,
    pub mean_probability: f64,
    /// None when the detector does not separate the classes (TPR ≤ FPR at its threshold).
    pub synthetic_fraction: Option<FractionEstimate>,
    /// The detector's error rates the estimate corrects for (measured at training time; the
    /// false-positive rate at least the target its threshold was set for).
    pub detector_tpr: f64,
    pub detector_fpr: f64,
    /// The probability above which a document is flagged synthetic.
    pub threshold_probability: f64,
    /// Probability histograms of the documents labelled real and synthetic (unlabelled ones
    /// count as real), with ROC and AUROC when both labels occur.
    pub distribution: ScoreDistribution,
    /// The detector's lexicon entries and the share of these documents containing each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lexicon: Vec<LexiconUse>,
    /// Features of the detector's training data that separated its classes on their own
    /// (likely artefacts), as stored in the model.
    pub shortcuts: ShortcutAudit,
    pub output: Option<PathBuf>,
    pub seconds: f64,
    pub docs_per_second: f64,
}

/// Where per-document scores go.
enum ScoreWriter {
    Jsonl(AtomicFile),
    Csv(Box<csv::Writer<AtomicFile>>),
}

#[derive(Serialize)]
struct ScoreRow<'a> {
    id: &'a str,
    probability: f64,
    synthetic: bool,
    decision: f64,
}

impl ScoreWriter {
    fn create(path: &Path) -> Result<ScoreWriter> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" => Ok(ScoreWriter::Jsonl(AtomicFile::create(path)?)),
            "csv" => Ok(ScoreWriter::Csv(Box::new(csv::Writer::from_writer(
                AtomicFile::create(path)?,
            )))),
            _ => Err(Error::Usage(format!(
                "-o {}: scores are written as .jsonl or .csv",
                path.display()
            ))),
        }
    }

    fn write(&mut self, path: &Path, row: &ScoreRow) -> Result<()> {
        let err = |e: String| Error::output(path, std::io::Error::other(e));
        match self {
            ScoreWriter::Jsonl(f) => {
                serde_json::to_writer(&mut *f, row).map_err(|e| err(e.to_string()))?;
                f.write_all(b"\n").map_err(|e| Error::output(path, e))
            }
            ScoreWriter::Csv(w) => w.serialize(row).map_err(|e| err(e.to_string())),
        }
    }

    fn commit(self, path: &Path) -> Result<()> {
        match self {
            ScoreWriter::Jsonl(f) => f.commit(),
            ScoreWriter::Csv(w) => w
                .into_inner()
                .map_err(|e| Error::output(path, std::io::Error::other(e.to_string())))?
                .commit(),
        }
    }
}

/// What scoring keeps of the documents it has seen. States of shards of a corpus merge into
/// the state of the whole (counts add, tallies concatenate), whatever the order.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScoreState {
    documents: u64,
    flagged: u64,
    probability: UnitSum,
    distribution: ScoreTally,
    lexicon: UsageCounts,
    /// Time spent scoring (summed over shards).
    seconds: f64,
}

impl crate::consistency::Consistent for ScoreState {
    fn check(
        &self,
        _like: &Self,
        covered: crate::consistency::Covered,
    ) -> std::result::Result<(), String> {
        use crate::consistency::{at_most, finite, within};
        let n = self.documents;
        at_most(
            "documents",
            n,
            covered.documents,
            "the documents its pass read",
        )?;
        at_most("flagged", self.flagged, n, "documents")?;
        within("probability", self.probability.check(n))?;
        within("distribution", self.distribution.check(n))?;
        within("lexicon", self.lexicon.check(n))?;
        finite("seconds", self.seconds)
    }
}

impl ScoreState {
    pub fn merge(&mut self, other: ScoreState) {
        self.documents += other.documents;
        self.flagged += other.flagged;
        self.probability.merge(other.probability);
        self.distribution.merge(other.distribution);
        self.lexicon.merge(other.lexicon);
        self.seconds += other.seconds;
    }

    pub fn documents(&self) -> u64 {
        self.documents
    }
}

/// A detector ready to score batches into a [`ScoreState`].
pub struct Scorer {
    detector: Detector,
    lexicon: UsageTally,
}

impl Scorer {
    pub fn new(detector: Detector) -> Scorer {
        Scorer {
            lexicon: UsageTally::new(&detector.meta.lexicon),
            detector,
        }
    }

    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// Scores a batch into the state; returns each document's score.
    pub fn observe(&self, state: &mut ScoreState, batch: &[Doc]) -> Result<Vec<Scored>> {
        let start = Instant::now();
        let x = self.detector.featurize(batch)?;
        let scores = self.detector.score_rows(&x);
        self.lexicon.add(&mut state.lexicon, &x);
        for (doc, s) in batch.iter().zip(&scores) {
            state.distribution.add(
                s,
                doc.lineage.source == Source::Synthetic,
                xxhash_rust::xxh3::xxh3_64(doc.id.as_bytes()),
            );
            state.documents += 1;
            state.flagged += u64::from(self.detector.flags(s));
            state.probability.add(s.probability);
        }
        state.seconds += start.elapsed().as_secs_f64();
        Ok(scores)
    }

    /// The summary of everything observed.
    pub fn finish(
        &self,
        state: ScoreState,
        model: &Path,
        output: Option<&Path>,
        confidence: f64,
    ) -> ScoreSummary {
        let seconds = state.seconds;
        let t = &self.detector.meta.threshold;
        let (tpr, fpr) = stored_rates(&self.detector)[0];
        let z = crate::stats::normal::quantile(0.5 + confidence / 2.0);
        let documents = state.documents;
        ScoreSummary {
            model: model.to_path_buf(),
            built_in: false,
            documents,
            flagged: state.flagged,
            mean_probability: state.probability.value() / documents.max(1) as f64,
            synthetic_fraction: synthetic_fraction(
                state.flagged,
                documents,
                tpr,
                fpr,
                z,
                confidence,
            ),
            detector_tpr: tpr.value(),
            detector_fpr: fpr.value(),
            threshold_probability: t.probability,
            distribution: state.distribution.finish(),
            lexicon: self.lexicon.finish(&state.lexicon),
            shortcuts: self.detector.meta.shortcuts.clone(),
            output: output.map(Path::to_path_buf),
            seconds,
            docs_per_second: documents as f64 / seconds.max(1e-9),
        }
    }
}

/// How documents to score are read: scoring needs no lineage, so rows without a source are
/// read as real (the source is not used).
pub fn scoring_ingest(ingest: &IngestOptions) -> IngestOptions {
    let mut ingest = ingest.clone();
    ingest.defaults.source.get_or_insert(Source::Real);
    ingest
}

/// How many documents of the corpus at `paths` the detector flags at each operating point
/// (the false-positive rates of human text the user trusts).
pub fn flag_rate(
    detector: &Detector,
    paths: &[PathBuf],
    ingest: &IngestOptions,
) -> Result<Flagged> {
    let mut counts = Flagged::default();
    let mut stream = CorpusStream::open(paths, &scoring_ingest(ingest))?;
    while let Some(batch) = stream.next_batch()? {
        for s in detector.score(&batch)? {
            counts.add(flags(detector, &s));
        }
    }
    stream.finish()?;
    Ok(counts)
}

pub fn run(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    model: &Path,
    detector: Detector,
    output: Option<&Path>,
    confidence: f64,
    progress: &dyn Fn(u64, u64),
) -> Result<ScoreSummary> {
    crate::checks::check_open_unit(confidence)
        .map_err(|m| Error::Usage(format!("--confidence {m}")))?;
    let ingest = scoring_ingest(ingest);
    let mut writer = output.map(ScoreWriter::create).transpose()?;
    let mut stream = CorpusStream::open(inputs, &ingest)?;
    let scorer = Scorer::new(detector);
    let mut state = ScoreState::default();
    while let Some(batch) = stream.next_batch()? {
        let scores = scorer.observe(&mut state, &batch)?;
        if let (Some(w), Some(path)) = (writer.as_mut(), output) {
            for (doc, s) in batch.iter().zip(&scores) {
                w.write(
                    path,
                    &ScoreRow {
                        id: &doc.id,
                        probability: s.probability,
                        synthetic: scorer.detector().flags(s),
                        decision: s.decision,
                    },
                )?;
            }
        }
        let (done, total) = stream.progress();
        progress(done, total);
    }
    stream.finish()?;
    if let (Some(w), Some(path)) = (writer, output) {
        w.commit(path)?;
    }
    Ok(scorer.finish(state, model, output, confidence))
}

impl ScoreSummary {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        if self.built_in {
            let _ = writeln!(
                s,
                "scored with the {} (no --model or [fingerprint] model given; what it was trained on and where it is weak: docs/default-detector.md)",
                self.model.display()
            );
        }
        match &self.synthetic_fraction {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "estimated synthetic fraction: {} ({:.0}% CI {} to {}) of {} documents",
                    percent(Some(f.estimate)),
                    100.0 * f.level,
                    percent(Some(f.low)),
                    percent(Some(f.high)),
                    self.documents
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "synthetic fraction: cannot be estimated (the detector's TPR {} is not above its FPR {})",
                    percent(Some(self.detector_tpr)),
                    percent(Some(self.detector_fpr))
                );
            }
        }
        let _ = writeln!(
            s,
            "flagged {} of {} documents ({}) at the model's threshold; detector TPR {}, FPR {} (measured at training); mean probability {:.3}",
            self.flagged,
            self.documents,
            percent(Some(self.flagged as f64 / self.documents.max(1) as f64)),
            percent(Some(self.detector_tpr)),
            percent(Some(self.detector_fpr)),
            self.mean_probability
        );
        if let Some(auroc) = self.distribution.auroc {
            let _ = writeln!(
                s,
                "on this corpus's labels ({} real, {} synthetic): AUROC {auroc:.4}",
                self.distribution.real.iter().sum::<u64>(),
                self.distribution.synthetic.iter().sum::<u64>()
            );
        }
        // The strongest markers (lexicon order) and how common each is here.
        let shown: Vec<String> = self
            .lexicon
            .iter()
            .filter(|u| u.toward == "synthetic")
            .take(3)
            .map(|u| format!("{} in {}", quoted(&u.ngrams), percent(Some(u.share))))
            .collect();
        if !shown.is_empty() {
            let _ = writeln!(
                s,
                "strongest LLM markers, share of these documents containing each: {}",
                shown.join("; ")
            );
        }
        if !self.shortcuts.shortcuts.is_empty() {
            let _ = writeln!(
                s,
                "note: in the detector's training data {} style/format/length features separated the classes on their own (likely artefacts; `fingerprint explain` lists them)",
                self.shortcuts.shortcuts.len()
            );
        }
        if let Some(out) = &self.output {
            let _ = writeln!(s, "wrote per-document scores to {}", out.display());
        }
        let _ = writeln!(
            s,
            "{:.2} s ({:.0} documents/s)",
            self.seconds, self.docs_per_second
        );
        s
    }
}
