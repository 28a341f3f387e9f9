//! The fingerprint stage: the detector scores every document of the inputs; the state keeps
//! counts, score tallies and lexicon counts.

use std::path::PathBuf;

use super::{BuildContext, Reads, Stage, StageResult};
use crate::commands::fingerprint::score::{ScoreState, Scorer};
use crate::config::Config;
use crate::corpus::{Doc, Source};
use crate::error::{Error, Result};
use crate::fingerprint::Detector;

/// Confidence of the synthetic-share interval in the report.
const CONFIDENCE: f64 = 0.95;

pub struct FingerprintStage {
    scorer: Scorer,
    /// The model as the report names it.
    shown: PathBuf,
}

impl FingerprintStage {
    pub fn new(config: &Config, context: &BuildContext) -> Result<FingerprintStage> {
        let (model, shown) = model(config, context)?;
        let detector = Detector::load(&model, &config.features)?;
        Ok(FingerprintStage {
            scorer: Scorer::new(detector),
            shown,
        })
    }
}

/// The model file the stage scores with: `[fingerprint] model` when it exists, else one
/// trained now on `[fingerprint] train` where the context allows (returned as (file written,
/// path once the run is complete)).
fn model(config: &Config, context: &BuildContext) -> Result<(PathBuf, PathBuf)> {
    let fp = &config.fingerprint;
    match &fp.model {
        Some(model) if model.exists() || fp.train.is_empty() => {
            return Ok((model.clone(), model.clone()))
        }
        None if fp.train.is_empty() => {
            return Err(Error::Usage(
                "no fingerprint model: set [fingerprint] model (a trained detector) or [fingerprint] train (labelled data to train one on) in the config".into(),
            ))
        }
        _ => {}
    }
    let Some((written, shown)) = &context.trained_model else {
        return Err(Error::Usage(
            "a run whose state is saved for merging scores with one detector: train it once (`driftprint fingerprint train`) and set [fingerprint] model".into(),
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
    Ok((written.clone(), shown.clone()))
}

impl Stage for FingerprintStage {
    type State = ScoreState;
    const NAME: &'static str = "fingerprint";
    const STATE_VERSION: u32 = 2;

    fn reads(&self) -> Reads<'_> {
        Reads::Inputs
    }

    /// Scoring needs no lineage: rows without a source are read as real (it is not used).
    fn default_source(&self) -> Option<Source> {
        Some(Source::Real)
    }

    fn start(&self) -> ScoreState {
        ScoreState::default()
    }

    fn observe(&self, state: &mut ScoreState, batch: &[Doc]) -> Result<()> {
        self.scorer.observe(state, batch).map(|_| ())
    }

    fn merge(&self, state: &mut ScoreState, other: ScoreState) {
        state.merge(other);
    }

    fn finish(&self, state: ScoreState, _progress: &dyn Fn(&str)) -> Result<StageResult> {
        let summary = self.scorer.finish(state, &self.shown, None, CONFIDENCE);
        Ok(StageResult::Fingerprint(Box::new(summary)))
    }
}
