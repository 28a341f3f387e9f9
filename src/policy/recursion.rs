//! Gate 5: no recursive generation. Synthetic training data must not come from the model being
//! trained, from a model it is derived from (training on your own base model's output), or from
//! a model derived from it (training on your descendants' output): each closes the loop that
//! leads to model collapse. The chain that makes a generator forbidden is printed.

use super::{Gate, GateResult, GateStatus, Manifest};
use crate::error::Result;

pub struct NoRecursiveGeneration;

impl Gate for NoRecursiveGeneration {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "no-recursion";
        let by_generator = &m.train.synthetic_by_generator;
        let Some(model) = m.config.model.as_deref() else {
            return Ok(GateResult::new(
                NAME,
                if by_generator.is_empty() { GateStatus::Pass } else { GateStatus::Warn },
                "no downstream model named (--model or [policy] model): recursion cannot be checked",
            ));
        };
        let mut ancestry = m.ancestry.cloned().unwrap_or_default();
        for (generator, parent) in &m.train.derived_from {
            ancestry.add(generator, parent);
        }
        let mut evidence = Vec::new();
        let mut documents = 0;
        for (generator, counted) in by_generator {
            let generator = generator.as_str();
            let why = if generator == model {
                Some(format!("'{model}' generated its own training data"))
            } else if let Some(chain) = ancestry.chain(model, generator) {
                Some(format!(
                    "'{model}' is derived from generator '{generator}': {}",
                    chain.join(" -> ")
                ))
            } else {
                ancestry.chain(generator, model).map(|chain| {
                    format!(
                        "generator '{generator}' is derived from '{model}': {}",
                        chain.join(" -> ")
                    )
                })
            };
            if let Some(why) = why {
                documents += counted.documents;
                evidence.push(format!(
                    "{why} ({} document(s), e.g. {})",
                    counted.documents,
                    counted.examples.join(", ")
                ));
            }
        }
        let status = GateStatus::from_evidence(&evidence);
        Ok(GateResult::new(
            NAME,
            status,
            if status == GateStatus::Pass {
                format!(
                    "none of {} generator(s) is '{model}', its ancestor or its descendant",
                    by_generator.len()
                )
            } else {
                format!("{documents} synthetic document(s) come from '{model}' or its own family")
            },
        )
        .measured(documents as f64, 0.0)
        .evidence(evidence))
    }
}
