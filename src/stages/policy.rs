//! The policy stage: every gate over the `[policy]` train manifest (observed in the pass: it is
//! usually the report's inputs) and the eval manifest (small, version-locked: read when the
//! stage finishes). The state keeps the training documents themselves: the leakage gate
//! compares their texts with the eval set's.

use super::{Reads, Stage, StageResult};
use crate::commands::policy::{check_train, CheckInputs};
use crate::config::Config;
use crate::corpus::{Doc, Source};
use crate::error::{Error, Result};

pub struct PolicyStage {
    config: Config,
}

impl PolicyStage {
    pub fn new(config: &Config) -> PolicyStage {
        PolicyStage {
            config: config.clone(),
        }
    }
}

impl Stage for PolicyStage {
    type State = Vec<Doc>;
    const NAME: &'static str = "policy";
    const STATE_VERSION: u32 = 1;

    fn reads(&self) -> Reads<'_> {
        let train = &self.config.policy.train;
        if train.is_empty() {
            Reads::Nothing
        } else if train == &self.config.inputs {
            Reads::Inputs
        } else {
            Reads::Own(train)
        }
    }

    fn default_source(&self) -> Option<Source> {
        None
    }

    fn start(&self) -> Vec<Doc> {
        Vec::new()
    }

    fn observe(&self, state: &mut Vec<Doc>, batch: &[Doc]) -> Result<()> {
        state.extend_from_slice(batch);
        Ok(())
    }

    fn merge(&self, state: &mut Vec<Doc>, other: Vec<Doc>) {
        state.extend(other);
    }

    // The policy stage checks the eval set with `[fingerprint] model` only, not with a detector
    // trained in the run: its point estimate on a small eval set is too noisy to gate on (one
    // flagged document of 60 reads as 16%).
    fn finish(&self, mut train: Vec<Doc>, _progress: &dyn Fn(&str)) -> Result<StageResult> {
        if self.config.policy.train.is_empty() {
            return Err(Error::Usage(
                "no train corpus: set [policy] train in the config".into(),
            ));
        }
        // One order whatever order shards were merged in.
        train.sort_unstable_by(|a, b| (&a.id, &a.text).cmp(&(&b.id, &b.text)));
        let report = check_train(
            &train,
            &CheckInputs {
                train: &[],
                eval: &[],
                lock: None,
                audit: None,
                fingerprint: None,
                ancestry: None,
                model: None,
                phase: None,
            },
            &self.config,
            &self.config.features,
        )?;
        Ok(StageResult::Policy(Box::new(report)))
    }
}
