//! The drift stage: real vs synthetic documents of the inputs through the divergence suite,
//! on the seeded bottom-k sample of each side.

use super::{Batch, Reads, Stage, StageResult};
use crate::commands::drift::{DriftRequest, DriftSample, Sides};
use crate::config::Config;
use crate::corpus::Source;
use crate::error::Result;

pub struct DriftStage {
    config: Config,
    request: DriftRequest,
}

impl DriftStage {
    pub fn new(config: &Config) -> DriftStage {
        DriftStage {
            config: config.clone(),
            request: DriftRequest {
                sides: Sides::SplitBy {
                    inputs: config.inputs.clone(),
                    field: "source".into(),
                    reference_value: "real".into(),
                    candidate_value: "synthetic".into(),
                },
                by: None,
            },
        }
    }
}

impl Stage for DriftStage {
    type State = DriftSample;
    const NAME: &'static str = "drift";
    const STATE_VERSION: u32 = 1;

    fn reads(&self) -> Reads<'_> {
        Reads::Inputs
    }

    fn default_source(&self) -> Option<Source> {
        None
    }

    fn start(&self) -> DriftSample {
        DriftSample::new(&self.config, self.request.by.clone())
    }

    fn observe(&self, state: &mut DriftSample, batch: Batch) -> Result<()> {
        batch
            .docs
            .iter()
            .for_each(|d| state.offer_split(d, &self.request.sides));
        Ok(())
    }

    fn merge(&self, state: &mut DriftSample, other: DriftSample) {
        state.merge(other);
    }

    fn finish(&self, state: DriftSample, progress: &dyn Fn(&str)) -> Result<StageResult> {
        let report = crate::commands::drift::run_sampled(
            &self.request,
            &self.config,
            Some(state),
            progress,
        )?;
        Ok(StageResult::Drift(Box::new(report)))
    }
}
