//! The collapse stage: per-generation tallies of the documents' diversity, then trend tests
//! across generations.

use super::{Batch, Reads, Stage, StageResult};
use crate::collapse::generations::MeasureOptions;
use crate::collapse::tally::Generations;
use crate::commands::collapse::{CollapseModels, CorpusRun};
use crate::config::Config;
use crate::corpus::Source;
use crate::error::{Error, Result};

pub struct CollapseStage {
    config: Config,
}

impl CollapseStage {
    pub fn new(config: &Config) -> CollapseStage {
        CollapseStage {
            config: config.clone(),
        }
    }

    fn corpus_run(&self) -> CorpusRun<'_> {
        let settings = &self.config.collapse;
        CorpusRun {
            reference: &settings.reference,
            ingest: &self.config.ingest,
            alpha: settings.alpha,
            thresholds: &settings.thresholds,
            options: MeasureOptions {
                seed: self.config.seed,
                self_bleu_sample: settings.self_bleu_sample,
            },
            models: CollapseModels {
                embed: settings.embed.then_some(&self.config.features.embed),
                lm: settings.lm.then_some(&self.config.features),
            },
        }
    }

    fn inputs(&self) -> &[std::path::PathBuf] {
        match self.config.collapse.inputs.is_empty() {
            true => &self.config.inputs,
            false => &self.config.collapse.inputs,
        }
    }
}

impl Stage for CollapseStage {
    type State = Generations;
    const NAME: &'static str = "collapse";
    const STATE_VERSION: u32 = 3;

    fn reads(&self) -> Reads<'_> {
        match self.config.collapse.inputs.is_empty() {
            true => Reads::Inputs,
            false => Reads::Own(&self.config.collapse.inputs),
        }
    }

    fn default_source(&self) -> Option<Source> {
        Some(Source::Synthetic)
    }

    fn start(&self) -> Generations {
        self.corpus_run().start()
    }

    fn observe(&self, state: &mut Generations, batch: Batch) -> Result<()> {
        state.observe_field(batch.docs).map_err(Error::Usage)
    }

    fn merge(&self, state: &mut Generations, other: Generations) {
        state.merge(other);
    }

    fn finish(&self, state: Generations, _progress: &dyn Fn(&str)) -> Result<StageResult> {
        let input = self
            .inputs()
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let report = self.corpus_run().finish(state, input)?;
        Ok(StageResult::Collapse(Box::new(report)))
    }
}
