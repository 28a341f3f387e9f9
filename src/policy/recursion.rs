//! Gate 5: no recursive generation. Synthetic training data must not come from the model being
//! trained, from a model it is derived from (training on your own base model's output), or from
//! a model derived from it (training on your descendants' output): each closes the loop that
//! leads to model collapse. The chain that makes a generator forbidden is printed.

use std::collections::BTreeMap;

use super::{Gate, GateResult, GateStatus, Manifest};
use crate::corpus::Source;
use crate::error::Result;

pub struct NoRecursiveGeneration;

impl Gate for NoRecursiveGeneration {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "no-recursion";
        let mut by_generator: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for d in m
            .train
            .iter()
            .filter(|d| d.lineage.source == Source::Synthetic)
        {
            if let Some(g) = d.lineage.generator.as_deref() {
                by_generator.entry(g).or_default().push(&d.id);
            }
        }
        let Some(model) = m.config.model.as_deref() else {
            return Ok(GateResult::new(
                NAME,
                if by_generator.is_empty() { GateStatus::Pass } else { GateStatus::Warn },
                "no downstream model named (--model or [policy] model): recursion cannot be checked",
            ));
        };
        let ancestry = m
            .ancestry
            .cloned()
            .unwrap_or_default()
            .with_lineage(m.train);
        let mut evidence = Vec::new();
        let mut documents = 0;
        for (generator, ids) in &by_generator {
            let why = if *generator == model {
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
                documents += ids.len();
                let shown: Vec<&str> = ids.iter().take(3).copied().collect();
                evidence.push(format!(
                    "{why} ({} document(s), e.g. {})",
                    ids.len(),
                    shown.join(", ")
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
