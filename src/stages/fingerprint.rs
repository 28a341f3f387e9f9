//! The fingerprint stage: how strong the LLM fingerprint in the run's synthetic data is (a
//! detector trained out of fold on a seeded sample of the run's own documents, per generation
//! strategy), and whether the documents the lineage calls real hold LLM text (a detector
//! scores every document; the flagged share is corrected for its error rates). Both gate.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Batch, BuildContext, Reads, Stage, StageResult};
use crate::commands::fingerprint::score::{
    flag_rate, scoring_ingest, ScoreState, ScoreSummary, Scorer,
};
use crate::config::Config;
use crate::consistency::{at_most, within, Consistent, Covered};
use crate::corpus::sample::BottomK;
use crate::corpus::{Doc, Source, Split};
use crate::error::{Error, Result};
use crate::fingerprint::built_in;
use crate::fingerprint::contamination::{
    self, flags, snippet, stored_rates, Contamination, ContaminationTally, Flagged, RateOrigin,
    Suspect,
};
use crate::fingerprint::strength::{self, Strength, StrengthSettings, PAIR_FIELD};
use crate::fingerprint::Detector;
use crate::status::Status;

/// Confidence of the intervals in the report.
const CONFIDENCE: f64 = 0.95;
/// Real-labelled documents the report lists as the most LLM-like.
const SUSPECTS: usize = 10;
/// Lexicon entries shown for the strongest slice.
const SLICE_LEXICON: usize = 10;
/// Fewest documents a locked eval set needs to stand in for trusted human text: at a 1% target
/// a rate measured on fewer cannot tell 1% from 0 (with 60 documents one false positive is 1.7%),
/// and the wide rate would make every estimate inconclusive; the detector's own rate, measured
/// on its calibration split's thousands of human documents, is the better one then.
const MIN_LOCKED_EVAL: u64 = 200;
/// Streams of the strength sample's two sides (apart from drift's and collapse's).
const REAL_STREAM: u64 = 0x5157_0001;
const SYNTHETIC_STREAM: u64 = 0x5157_0002;

/// Which detector scored the corpus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectorUsed {
    /// The model file, or the built-in detector's name.
    pub model: PathBuf,
    /// Whether it is the detector built into driftprint (no model was configured).
    pub built_in: bool,
}

/// What the fingerprint stage found.
#[derive(Debug, Clone, Serialize)]
pub struct FingerprintReport {
    pub status: Status,
    pub detector: DetectorUsed,
    /// The strength gate: a strength whose interval lies above `max_strength` blocks, one
    /// above `warn_strength` warns.
    pub max_strength: f64,
    pub warn_strength: f64,
    /// None when it could not be measured (`strength_note` says why).
    pub strength: Option<Strength>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength_note: Option<String>,
    /// Sampled for the strength: real and synthetic documents, and how many each side had.
    pub sampled: SampleSizes,
    /// None when the inputs hold no real-labelled document.
    pub contamination: Option<Contamination>,
    /// The detector's scores of every document.
    pub scores: ScoreSummary,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampleSizes {
    pub real: usize,
    pub synthetic: usize,
    pub real_seen: u64,
    pub synthetic_seen: u64,
}

impl FingerprintReport {
    /// The strength gate's status and its reason.
    pub fn strength_status(&self) -> (Status, String) {
        let Some(s) = &self.strength else {
            return (
                Status::Pass,
                format!(
                    "strength not measured: {}",
                    self.strength_note.as_deref().unwrap_or("no documents")
                ),
            );
        };
        let o = &s.overall;
        let shown = format!(
            "strength {:.3} (95% CI {:.3}–{:.3})",
            o.auroc, o.low, o.high
        );
        if o.low > self.max_strength {
            (
                Status::Blocked,
                format!("{shown} is above the limit {}", self.max_strength),
            )
        } else if o.auroc > self.max_strength {
            (
                Status::Warn,
                format!(
                    "{shown} is above the limit {}, but its interval reaches below it",
                    self.max_strength
                ),
            )
        } else if o.auroc > self.warn_strength {
            (
                Status::Warn,
                format!(
                    "{shown} is above the warning level {} (limit {})",
                    self.warn_strength, self.max_strength
                ),
            )
        } else {
            (
                Status::Pass,
                format!("{shown} is under the warning level {}", self.warn_strength),
            )
        }
    }
}

/// What the stage keeps of the documents it observed: scores, the contamination tallies and
/// the strength's sample of each side.
#[derive(Serialize, Deserialize)]
pub struct FingerprintState {
    scores: ScoreState,
    contamination: ContaminationTally,
    real: BottomK,
    synthetic: BottomK,
}

impl Consistent for FingerprintState {
    /// Its samples and its scores' counts within what its pass read; the contamination scopes
    /// within the documents scored.
    fn check(&self, like: &Self, covered: Covered) -> std::result::Result<(), String> {
        within("scores", self.scores.check(&like.scores, covered))?;
        let scored = self.scores.documents();
        within(
            "contamination",
            self.contamination.check(&like.contamination, scored),
        )?;
        within("real", self.real.check(&like.real, covered))?;
        within("synthetic", self.synthetic.check(&like.synthetic, covered))?;
        at_most(
            "real.seen + synthetic.seen",
            self.real.seen().saturating_add(self.synthetic.seen()),
            covered.documents,
            "the documents its pass read",
        )
    }
}

pub struct FingerprintStage {
    scorer: Scorer,
    detector: DetectorUsed,
    config: Config,
}

impl FingerprintStage {
    pub fn new(config: &Config, context: &BuildContext) -> Result<FingerprintStage> {
        let (detector, used) = detector(config, context)?;
        Ok(FingerprintStage {
            scorer: Scorer::new(detector),
            detector: used,
            config: config.clone(),
        })
    }

    fn strength_settings(&self) -> StrengthSettings {
        let fp = &self.config.fingerprint;
        StrengthSettings {
            folds: fp.strength.folds,
            seed: self.config.seed,
            normalization: self.config.features.normalization,
            ngram: self.config.features.ngram.clone(),
            c: fp.c,
            tolerance: fp.tolerance,
            min_slice: fp.strength.min_slice,
            lexicon_size: SLICE_LEXICON,
            level: CONFIDENCE,
        }
    }

    /// The FPR measured on human text the user trusts: `[fingerprint] trusted_real`, else a
    /// locked eval set whose lock holds and that has enough documents to measure a rate near
    /// the target; and whether it may correct the eval split (a locked eval set cannot
    /// calibrate itself). Else a note on why the stored rate is used.
    fn trusted_fpr(&self) -> Result<std::result::Result<(Flagged, RateOrigin), Option<String>>> {
        let fp = &self.config.fingerprint;
        let policy = &self.config.policy;
        let (paths, origin) = if !fp.contamination.trusted_real.is_empty() {
            (&fp.contamination.trusted_real, RateOrigin::TrustedReal)
        } else {
            match &policy.lock {
                Some(lock) if !policy.eval.is_empty() && lock.exists() => {
                    let locked = crate::policy::lock::EvalLock::load(lock)?;
                    let eval = crate::corpus::Corpus::load(
                        &policy.eval,
                        &scoring_ingest(&self.config.ingest),
                    )?;
                    if !locked.diff(&eval.docs).is_empty() {
                        return Ok(Err(Some(
                            "the eval set does not match its lock, so it is not trusted".into(),
                        )));
                    }
                    if (eval.docs.len() as u64) < MIN_LOCKED_EVAL {
                        return Ok(Err(Some(format!(
                            "the locked eval set's {} documents are too few to measure a false-positive rate near {:.0}% (at least {MIN_LOCKED_EVAL}; set [fingerprint] trusted_real to measure it on human text you trust)",
                            eval.docs.len(),
                            100.0 * self.scorer.detector().meta.threshold.target_fpr
                        ))));
                    }
                    (&policy.eval, RateOrigin::LockedEval)
                }
                _ => return Ok(Err(None)),
            }
        };
        Ok(Ok((
            flag_rate(self.scorer.detector(), paths, &self.config.ingest)?,
            origin,
        )))
    }
}

/// The detector the stage scores with, and how the report names it: `[fingerprint] model`
/// when it exists; else one trained now on `[fingerprint] train` where the context allows;
/// else the built-in detector.
fn detector(config: &Config, context: &BuildContext) -> Result<(Detector, DetectorUsed)> {
    let fp = &config.fingerprint;
    let file = |path: PathBuf, shown: PathBuf| -> Result<(Detector, DetectorUsed)> {
        Ok((
            Detector::load(&path, &config.features)?,
            DetectorUsed {
                model: shown,
                built_in: false,
            },
        ))
    };
    match &fp.model {
        Some(model) if model.exists() || fp.train.is_empty() => {
            return file(model.clone(), model.clone())
        }
        None if fp.train.is_empty() => {
            return Ok((
                Detector::built_in(&config.features)?,
                DetectorUsed {
                    model: PathBuf::from(built_in::NAME),
                    built_in: true,
                },
            ))
        }
        _ => {}
    }
    let Some((written, shown)) = &context.trained_model else {
        return Err(Error::Usage(
            "a run whose state is saved for merging scores with one detector: train it once (`driftprint fingerprint train`) and set [fingerprint] model, or leave model and train unset for the built-in detector".into(),
        ));
    };
    crate::commands::fingerprint::train::run(
        &fp.train,
        &config.ingest,
        &crate::commands::fingerprint::train::options_from_config(config),
        &fp.group_by,
        fp.balance_by.as_ref(),
        written,
        &|step| (context.progress)(&format!("training: {step}")),
    )?;
    file(written.clone(), shown.clone())
}

impl Stage for FingerprintStage {
    type State = FingerprintState;
    const NAME: &'static str = "fingerprint";
    const STATE_VERSION: u32 = 3;

    fn reads(&self) -> Reads<'_> {
        Reads::Inputs
    }

    /// Every row needs its source: the real side is what the stage judges.
    fn default_source(&self) -> Option<Source> {
        None
    }

    fn kept_fields(&self) -> &[&'static str] {
        &[PAIR_FIELD]
    }

    fn start(&self) -> FingerprintState {
        let cap = self.config.fingerprint.strength.sample;
        FingerprintState {
            scores: ScoreState::default(),
            contamination: ContaminationTally::new(SUSPECTS),
            real: BottomK::new(cap, self.config.seed, REAL_STREAM),
            synthetic: BottomK::new(cap, self.config.seed, SYNTHETIC_STREAM),
        }
    }

    fn observe(&self, state: &mut FingerprintState, batch: Batch) -> Result<()> {
        let scores = self.scorer.observe(&mut state.scores, batch.docs)?;
        let detector = self.scorer.detector();
        let tally = &mut state.contamination;
        for (i, (doc, s)) in batch.docs.iter().zip(&scores).enumerate() {
            let flagged = flags(detector, s);
            if doc.lineage.source == Source::Synthetic {
                tally.synthetic.add(flagged);
                state.synthetic.offer(doc);
                continue;
            }
            state.real.offer(doc);
            let file = batch.input_of(i);
            if doc.lineage.split == Some(Split::Eval) {
                tally.eval.add(flagged);
            } else {
                // The training data, in all and per input file.
                tally.training.add(flagged);
                match tally.files.get_mut(file) {
                    Some(f) => f.add(flagged),
                    None => {
                        let mut f = Flagged::default();
                        f.add(flagged);
                        tally.files.insert(file.to_string(), f);
                    }
                }
            }
            if tally.suspects.wants(s.decision, &doc.id) {
                tally.suspects.offer(Suspect {
                    id: doc.id.clone(),
                    probability: s.probability,
                    decision: s.decision,
                    file: file.to_string(),
                    snippet: snippet(&doc.text),
                });
            }
        }
        Ok(())
    }

    fn merge(&self, state: &mut FingerprintState, other: FingerprintState) {
        state.scores.merge(other.scores);
        state.contamination.merge(other.contamination);
        state.real.merge(other.real);
        state.synthetic.merge(other.synthetic);
    }

    fn finish(&self, state: FingerprintState, progress: &dyn Fn(&str)) -> Result<StageResult> {
        let mut sampled = SampleSizes {
            real: 0,
            synthetic: 0,
            real_seen: state.real.seen(),
            synthetic_seen: state.synthetic.seen(),
        };
        let (strength, contamination) = if sampled.real_seen == 0 {
            // Nothing is labelled real: nothing to compare the synthetic text with, nothing
            // whose contamination to estimate.
            let note = "no document of the inputs is labelled real (source = real): there is no real text to compare the synthetic text with";
            (Err(note.to_string()), None)
        } else {
            let (real, synthetic) = (state.real.into_docs(), state.synthetic.into_docs());
            (sampled.real, sampled.synthetic) = (real.len(), synthetic.len());
            let strength = self.strength(&real, &synthetic, progress)?;
            drop((real, synthetic));
            progress("estimating the LLM share of the real side");
            (strength, Some(self.contamination(state.contamination)?))
        };
        let fp = &self.config.fingerprint;
        let mut report = FingerprintReport {
            status: Status::Pass,
            detector: self.detector.clone(),
            max_strength: fp.strength.max,
            warn_strength: fp.strength.warn,
            strength_note: strength.as_ref().err().cloned(),
            strength: strength.ok(),
            sampled,
            contamination,
            scores: self
                .scorer
                .finish(state.scores, &self.detector.model, None, CONFIDENCE),
        };
        report.status = match &report.contamination {
            // Nothing measured: a warning, not a pass.
            None => Status::Warn,
            Some(c) => report.strength_status().0.max(c.status),
        };
        Ok(StageResult::Fingerprint(Box::new(report)))
    }
}

impl FingerprintStage {
    /// The strength of the sampled sides, or why it was not measured.
    fn strength(
        &self,
        real: &[Doc],
        synthetic: &[Doc],
        progress: &dyn Fn(&str),
    ) -> Result<std::result::Result<Strength, String>> {
        if synthetic.is_empty() {
            return Ok(Err("no document of the inputs is labelled synthetic".into()));
        }
        progress(&format!(
            "measuring the fingerprint's strength ({} real, {} synthetic documents, {} folds)",
            real.len(),
            synthetic.len(),
            self.config.fingerprint.strength.folds
        ));
        Ok(strength::measure(real, synthetic, &self.strength_settings())?.map_err(|n| n.reason))
    }

    /// The contamination of the real side from the pass's tally, with the false-positive rates
    /// of trusted text where there is some.
    fn contamination(&self, tally: ContaminationTally) -> Result<Contamination> {
        let trusted = self.trusted_fpr()?;
        let mut contamination = contamination::estimate(
            tally,
            &stored_rates(self.scorer.detector()),
            trusted.as_ref().ok().copied(),
            trusted
                .as_ref()
                .is_ok_and(|(_, origin)| *origin == RateOrigin::TrustedReal),
            &self.config.fingerprint.contamination.rules,
        );
        contamination.fpr_note = trusted.err().flatten();
        Ok(contamination)
    }
}
