//! The policy stage: every gate over the `[policy]` train manifest, observed in the pass (it is
//! usually the report's inputs) into a [`TrainTally`] — what each gate needs of it, checked
//! against the eval manifest (small, version-locked: read when the stage is built).

use super::{Batch, Reads, Stage, StageResult};
use crate::commands::policy::PolicyCheck;
use crate::config::Config;
use crate::corpus::Source;
use crate::error::{Error, Result};
use crate::policy::train_tally::TrainTally;

pub struct PolicyStage {
    /// The training manifest's files (the report's inputs when they are the same).
    train: Vec<std::path::PathBuf>,
    inputs: Vec<std::path::PathBuf>,
    check: PolicyCheck,
}

impl PolicyStage {
    /// Loads the eval set, lock, audit and ancestry. The eval set is checked with
    /// `[fingerprint] model` only, not with a detector trained in the run: its point estimate
    /// on a small eval set is too noisy to gate on (one flagged document of 60 reads as 16%).
    pub fn new(config: &Config) -> Result<PolicyStage> {
        if config.policy.train.is_empty() {
            return Err(Error::Usage(
                "no train corpus: set [policy] train in the config".into(),
            ));
        }
        let check = PolicyCheck::new(config)?;
        Ok(PolicyStage {
            train: config.policy.train.clone(),
            inputs: config.inputs.clone(),
            check,
        })
    }
}

impl Stage for PolicyStage {
    type State = TrainTally;
    const NAME: &'static str = "policy";
    const STATE_VERSION: u32 = 1;

    fn reads(&self) -> Reads<'_> {
        match self.train == self.inputs {
            true => Reads::Inputs,
            false => Reads::Own(&self.train),
        }
    }

    fn default_source(&self) -> Option<Source> {
        None
    }

    fn start(&self) -> TrainTally {
        TrainTally::default()
    }

    fn observe(&self, state: &mut TrainTally, batch: Batch) -> Result<()> {
        state.observe(batch.docs, &self.check.probe);
        Ok(())
    }

    fn merge(&self, state: &mut TrainTally, other: TrainTally) {
        state.merge(other);
    }

    fn finish(&self, state: TrainTally, _progress: &dyn Fn(&str)) -> Result<StageResult> {
        Ok(StageResult::Policy(Box::new(self.check.finish(&state)?)))
    }
}
