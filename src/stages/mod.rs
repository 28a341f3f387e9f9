//! The report's stages as folds over the corpus: each observes batches of documents into a
//! state, states of shards merge, and the merged state finishes into the stage's result. The
//! state is serialisable and versioned, so shards observed on different machines can be merged
//! elsewhere (`report --save-state` / `--merge-states`); [`pass`] streams each corpus once and
//! feeds every stage that reads it.
//!
//! Adding a stage: one `Stage` implementation in this folder, one entry in [`build`], a
//! [`StageResult`] variant and its section renderer in `report/` (docs/architecture.md).

pub mod collapse;
pub mod coverage;
pub mod drift;
pub mod fingerprint;
pub mod pass;
pub mod policy;

use std::path::PathBuf;
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::commands::collapse::CollapseReport;
use crate::commands::drift::DriftReport;
use crate::config::Config;
use crate::consistency::{Consistent, Covered};
use crate::corpus::{Doc, Source};
use crate::error::{Error, Result};
use crate::policy::PolicyReport;
pub use fingerprint::FingerprintReport;

/// What a stage returned.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum StageResult {
    Drift(Box<DriftReport>),
    Fingerprint(Box<FingerprintReport>),
    Collapse(Box<CollapseReport>),
    Policy(Box<PolicyReport>),
}

/// A batch of documents and the input each was read from.
#[derive(Clone, Copy)]
pub struct Batch<'a> {
    pub docs: &'a [Doc],
    /// Per document, its input as an index into `inputs`.
    pub origins: &'a [u32],
    /// The inputs' names: file names, or what a profile's caller named its batches.
    pub inputs: &'a [String],
}

impl<'a> Batch<'a> {
    /// The name of the input document `i` was read from.
    pub fn input_of(&self, i: usize) -> &'a str {
        self.origins
            .get(i)
            .and_then(|&o| self.inputs.get(o as usize))
            .map_or("", String::as_str)
    }
}

/// The documents a stage observes.
pub enum Reads<'a> {
    /// The report's `[ingest] inputs`.
    Inputs,
    /// A corpus of its own (e.g. `[collapse] inputs`).
    Own(&'a [PathBuf]),
    /// None: it reads what it needs when it finishes.
    Nothing,
}

/// One report stage. The stage holds what does not change (settings, a loaded model); what it
/// learns from the documents lives in its `State`.
pub trait Stage: Send {
    /// Everything the stage keeps of the documents it observed.
    /// Checked before a saved one is merged ([`Consistent`]).
    type State: Serialize + DeserializeOwned + Send + Consistent + 'static;
    /// drift | fingerprint | collapse | policy
    const NAME: &'static str;
    /// Bumped when `State` changes shape: a saved state of another version is refused.
    const STATE_VERSION: u32;

    fn reads(&self) -> Reads<'_>;
    /// The source given to rows without one; None when the stage needs every row's source.
    fn default_source(&self) -> Option<Source>;
    /// The state before any document: merging it with a state leaves that state unchanged.
    fn start(&self) -> Self::State;
    /// Input fields outside the schema the stage reads from `Lineage::extra`.
    fn kept_fields(&self) -> &[&'static str] {
        &[]
    }
    fn observe(&self, state: &mut Self::State, batch: Batch) -> Result<()>;
    /// Adds the state of other documents of the same corpus (another shard). The result does
    /// not depend on how the corpus was split or in which order shards are merged.
    fn merge(&self, state: &mut Self::State, other: Self::State);
    fn finish(&self, state: Self::State, progress: &dyn Fn(&str)) -> Result<StageResult>;
}

/// A stage's state as saved in a state file.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedState {
    pub stage: String,
    pub version: u32,
    pub state: serde_json::Value,
}

/// A saved state decoded and checked by a stage, to be merged into it.
pub struct CheckedState(Box<dyn std::any::Any + Send>);

/// A stage with its state, behind one interface whatever its state's type.
pub trait Running: Send {
    fn name(&self) -> &'static str;
    fn reads(&self) -> Reads<'_>;
    fn default_source(&self) -> Option<Source>;
    fn kept_fields(&self) -> &[&'static str];
    /// Observes a batch; after an error the stage observes nothing more and finishes with it.
    fn observe(&mut self, batch: Batch);
    /// Marks the stage failed (its corpus could not be read).
    fn fail(&mut self, error: Error);
    fn save(&self) -> Result<SavedState>;
    /// Decodes a saved state and checks it against what its pass `covered`, merging nothing.
    fn check_saved(&self, saved: SavedState, covered: Covered) -> Result<CheckedState>;
    /// Merges a state [`Running::check_saved`] accepted.
    fn merge_checked(&mut self, state: CheckedState);
    /// The result and the seconds the stage spent observing and finishing.
    fn finish(self: Box<Self>, progress: &dyn Fn(&str)) -> (Result<StageResult>, f64);
}

struct Bound<S: Stage> {
    stage: S,
    state: S::State,
    failed: Option<Error>,
    seconds: f64,
}

impl<S: Stage> Running for Bound<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn reads(&self) -> Reads<'_> {
        self.stage.reads()
    }

    fn default_source(&self) -> Option<Source> {
        self.stage.default_source()
    }

    fn kept_fields(&self) -> &[&'static str] {
        self.stage.kept_fields()
    }

    fn observe(&mut self, batch: Batch) {
        if self.failed.is_none() {
            let start = Instant::now();
            if let Err(e) = self.stage.observe(&mut self.state, batch) {
                self.failed = Some(e);
            }
            self.seconds += start.elapsed().as_secs_f64();
        }
    }

    fn fail(&mut self, error: Error) {
        self.failed.get_or_insert(error);
    }

    fn save(&self) -> Result<SavedState> {
        if let Some(e) = &self.failed {
            return Err(Error::Usage(format!("{}: {e}", S::NAME)));
        }
        Ok(SavedState {
            stage: S::NAME.to_string(),
            version: S::STATE_VERSION,
            state: serde_json::to_value(&self.state).map_err(|e| Error::Data(e.to_string()))?,
        })
    }

    fn check_saved(&self, saved: SavedState, covered: Covered) -> Result<CheckedState> {
        if saved.stage != S::NAME || saved.version != S::STATE_VERSION {
            return Err(Error::Usage(format!(
                "a saved {} state of version {} cannot be merged into the {} stage (version {})",
                saved.stage,
                saved.version,
                S::NAME,
                S::STATE_VERSION
            )));
        }
        let other: S::State = serde_json::from_value(saved.state)
            .map_err(|e| Error::Usage(format!("the saved {} state: {e}", S::NAME)))?;
        other.check(&self.stage.start(), covered).map_err(|e| {
            Error::Usage(format!(
                "the saved {} state is inconsistent (edited or damaged): {e}",
                S::NAME
            ))
        })?;
        Ok(CheckedState(Box::new(other)))
    }

    fn merge_checked(&mut self, state: CheckedState) {
        let other = state
            .0
            .downcast::<S::State>()
            .expect("checked by this stage's check_saved");
        self.stage.merge(&mut self.state, *other);
    }

    fn finish(self: Box<Self>, progress: &dyn Fn(&str)) -> (Result<StageResult>, f64) {
        let start = Instant::now();
        let result = match self.failed {
            Some(e) => Err(e),
            None => self.stage.finish(self.state, progress),
        };
        (result, self.seconds + start.elapsed().as_secs_f64())
    }
}

/// A stage ready to observe, with an empty state.
pub fn running<S: Stage + 'static>(stage: S) -> Box<dyn Running> {
    let state = stage.start();
    Box::new(Bound {
        stage,
        state,
        failed: None,
        seconds: 0.0,
    })
}

/// The stages a report can run, in report order.
pub const NAMES: [&str; 4] = ["drift", "fingerprint", "collapse", "policy"];

/// What building a stage may need besides the config.
pub struct BuildContext<'a> {
    /// Where a detector trained for the run is written (None: the run may not train one, as
    /// when its state is saved to be merged with other shards'), and the path it will have.
    pub trained_model: Option<(PathBuf, PathBuf)>,
    pub progress: &'a dyn Fn(&str),
}

/// Builds the named stage.
pub fn build(name: &str, config: &Config, context: &BuildContext) -> Result<Box<dyn Running>> {
    Ok(match name {
        "drift" => running(drift::DriftStage::new(config)),
        "fingerprint" => running(fingerprint::FingerprintStage::new(config, context)?),
        "collapse" => running(collapse::CollapseStage::new(config)),
        "policy" => running(policy::PolicyStage::new(config)?),
        other => return Err(Error::Usage(format!("unknown stage '{other}'"))),
    })
}
